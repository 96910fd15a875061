"""Explorers for gradient descent on 2-D landscapes: quadratic bowls, classic test functions and
the basins of Himmelblau's four minima.

Three factories, each returning a :class:`gdutils.widgets.Explorer`:

* :func:`bowl_explorer` — a quadratic bowl ``½ xᵀAx`` with sliders for the condition number κ,
  the orientation and the step size η (log scale); the trajectory on the contours and the error
  ``‖x_k − x*‖`` on log axes next to the theory's ``ρᵏ‖x₀ − x*‖``;
* :func:`classic_functions_explorer` — Booth, Rosenbrock or Himmelblau from a drop-down, with η and
  the step budget;
* :func:`basin_explorer` — Himmelblau's plane coloured by the minimum gradient descent reaches
  from each start, with start-point sliders and the trajectory from the chosen start.

Everything runs on :mod:`gdutils` reference code (:mod:`gdutils.descent`,
:mod:`gdutils.theory`, :mod:`gdutils.functions`), never on a learner's answers. Each figure is
built once by a ``_…_figure`` function as a
:class:`~gdutils.display.explorers._layers.LayeredFigure` (contours, heat maps, legends and
ticks in its static layer) and updated panel by panel by ``_draw_…`` functions that move only
the dynamic artists.

The helpers :func:`ellipse_points` and :func:`himmelblau_basins` are public because notebooks and
tests use them too. The axis helpers this module used to hold (``fast_log_axis``,
``fixed_title``, ``ellipse_points``, ``quadratic_levels``) live in ``_axes.py`` and are
re-exported here.
"""

from __future__ import annotations

import functools
import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D

from gdutils import descent, functions, theory
from gdutils.display import plotting, widgets
from gdutils.display.explorers._axes import (
    decade_limits,
    ellipse_points,
    fast_log_axis,
    fixed_title,
    nice_number,
    quadratic_levels,
)
from gdutils.display.explorers._layers import LayeredFigure
from gdutils.display.widgets import Explorer

__all__ = [
    "ellipse_points",
    "quadratic_levels",
    "himmelblau_basins",
    "bowl_explorer",
    "classic_functions_explorer",
    "basin_explorer",
    "BOWL_LAMBDA_MAX",
    "fast_log_axis",
    "fixed_title",
]

#: The bowl explorer keeps the steep curvature fixed, so the largest stable step ``2/λmax`` does
#: not move while κ changes: only the flat direction (``λmin = λmax/κ``) gets flatter.
BOWL_LAMBDA_MAX = 4.0

# Beyond this distance from the origin a trajectory is far outside every window: stop drawing.
_DRAW_LIMIT = 1e6
_CLASSIC_MAX_STEPS = 5000  # the steps slider's maximum
#: run lengths computed for the classic functions: the smallest that covers the steps slider
_CLASSIC_BUDGETS = (250, 1000, _CLASSIC_MAX_STEPS)


def _error_axis(ax: Any, steps: int, values: np.ndarray) -> None:
    """x from 0 to a 1-2-5 number of steps, y in whole decades: limits that move in steps."""
    ax.set_xlim(0, nice_number(max(steps, 1)))
    ax.set_ylim(*decade_limits(values, low=1e-16, high=1e8))


# --------------------------------------------------------------------------------------------
# Quadratic bowl


def _bowl(kappa: float, angle_deg: float) -> functions.Quadratic:
    return functions.quadratic_bowl(
        (BOWL_LAMBDA_MAX / float(kappa), BOWL_LAMBDA_MAX), angle=math.radians(float(angle_deg))
    )


@dataclass
class _BowlFigure:
    fig: LayeredFigure
    ax: Any
    ax_err: Any
    levels: np.ndarray
    level_lines: list[Any]
    path: Any
    slow_axis: Any
    err: Any
    envelope: Any
    title: Any
    err_title: Any


def _bowl_figure(x0: np.ndarray) -> _BowlFigure:
    c = plotting.COLORS
    with plotting.style():
        fig = LayeredFigure(figsize=(10.0, 4.7))
        ax, ax_err = fig.subplots(1, 2, width_ratios=(1.0, 1.15))
        fig.subplots_adjust(left=0.075, right=0.98, bottom=0.24, top=0.84, wspace=0.24)
        levels = quadratic_levels(0.5 * BOWL_LAMBDA_MAX * 3.0**2)
        cmap = matplotlib.colormaps["viridis"]
        # the ellipses move with κ and the angle: dynamic lines, cheap to redraw
        level_lines = [ax.plot([], [], color=cmap(j / len(levels)), linewidth=0.8, alpha=0.9)[0]
                       for j in range(len(levels))]
        ax.plot([0.0], [0.0], label="minimum $x^*$", marker="*", markersize=13, color=c["black"],
                linestyle="none", zorder=5)
        (path,) = ax.plot([], [], marker="o", markersize=3, linewidth=1.3, color=c["vermillion"],
                          label="GD path $x_k$", zorder=3)
        ax.plot([x0[0]], [x0[1]], marker="s", markersize=7, linestyle="none", color=c["vermillion"],
                label="start $x_0$", zorder=4)
        (slow_axis,) = ax.plot([], [], linestyle="--", linewidth=1.0, color="0.45",
                               label=r"flat direction ($\lambda_{\min}$)")
        ax.set_xlim(-3.0, 3.0)
        ax.set_ylim(-3.0, 3.0)
        ax.set_aspect("equal")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        (err,) = ax_err.plot([], [], marker="o", markersize=3, color=c["vermillion"],
                             label=r"measured $\|x_k - x^*\|$")
        (env,) = ax_err.plot([], [], linestyle="--", color=c["blue"],
                             label=r"theory $\rho^k \|x_0 - x^*\|$")
        fast_log_axis(ax_err)
        ax_err.set_xlabel("step $k$")
        ax_err.set_ylabel(r"distance to the minimum $\|x_k - x^*\|$")
        handles = ax.get_legend_handles_labels()[0] + [err, env]
        fig.legend(handles=handles, loc="lower center", ncols=3, fontsize=8, frameon=False,
                   bbox_to_anchor=(0.5, 0.0))
        title = fixed_title(ax, "", fontsize=10)
        err_title = fixed_title(ax_err, "", fontsize=10)
        fig.add_dynamic(*level_lines, slow_axis, path, err, env, title, err_title)
    return _BowlFigure(fig, ax, ax_err, levels, level_lines, path, slow_axis, err, env, title,
                       err_title)


def _draw_bowl(f: _BowlFigure, fn: functions.Quadratic) -> None:
    """The ellipses of the bowl and its flat direction."""
    for line, level in zip(f.level_lines, f.levels):
        pts = ellipse_points(fn.A, (0.0, 0.0), level)
        line.set_data(pts[:, 0], pts[:, 1])
    slow = np.linalg.eigh(fn.A)[1][:, 0] * 5.0
    f.slow_axis.set_data([-slow[0], slow[0]], [-slow[1], slow[1]])


def _draw_bowl_errors(f: _BowlFigure, errors: np.ndarray, rate: float, steps: int) -> np.ndarray:
    """The measured errors and the theory's envelope; returns the envelope."""
    ks = np.arange(steps + 1)
    with np.errstate(over="ignore", under="ignore"):
        envelope = errors[0] * rate ** ks.astype(float)
    shown = np.where(np.isfinite(envelope) & (envelope > 0), envelope, np.nan)
    f.err.set_data(np.arange(len(errors)), errors)
    f.envelope.set_data(ks, shown)
    _error_axis(f.ax_err, steps, np.concatenate([errors, shown[np.isfinite(shown)]]))
    f.err_title.set_text(f"error per step: ρ = max|1 − ηλ| = {rate:.4f}")
    return envelope


def bowl_explorer(
    *,
    kappa: float = 20.0,
    angle: float = 30.0,
    lr: float = 0.3,
    n_steps: int = 40,
    start: Sequence[float] = (-2.5, 2.0),
    static: bool | None = None,
) -> Explorer:
    """Gradient descent on a quadratic bowl with κ, orientation and step-size sliders.

    The bowl is ``f(x) = ½ xᵀAx`` with eigenvalues ``(λmax/κ, λmax)``, ``λmax =``
    :data:`BOWL_LAMBDA_MAX` (so the stability bound ``2/λmax = 0.5`` stays put while κ moves),
    rotated by ``angle`` degrees. Left: the contours and the trajectory from ``start``. Right:
    the error ``‖x_k − x*‖`` on log axes and the theory's envelope ``ρᵏ ‖x₀ − x*‖`` with
    ``ρ = maxᵢ |1 − ηλᵢ|``.

    Controls: ``kappa`` (log slider 1…100), ``angle`` (degrees, 0…90), ``lr`` (log slider
    0.01…1), ``steps`` (5…200).

    ``state`` holds ``path`` ((k+1, 2)), ``errors`` ((k+1,)), ``eigenvalues``, ``kappa``,
    ``lr``, ``lr_stable`` (``2/λmax``), ``lr_optimal`` (``2/(λmin+λmax)``), ``rate``,
    ``status`` (of :func:`gdutils.descent.gradient_descent`) and ``diverging`` (``rate >= 1``
    or the run blew up).
    """
    x0 = np.asarray(start, dtype=np.float64)
    if x0.shape != (2,):
        raise ValueError(f"start must have shape (2,), got {x0.shape}")
    f = _bowl_figure(x0)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        kappa_v, lr_v, steps = float(v["kappa"]), float(v["lr"]), int(v["steps"])
        fn = _bowl(kappa_v, v["angle"])
        lam = fn.eigenvalues
        _draw_bowl(f, fn)
        res = descent.gradient_descent(fn.grad, x0, lr_v, max_iter=steps, tol=None,
                                       on_divergence="stop", divergence_threshold=_DRAW_LIMIT)
        path = np.array(res.path)
        f.path.set_data(path[:, 0], path[:, 1])
        errors = np.linalg.norm(path, axis=1)
        rate = float(theory.gd_rate(lr_v, lam))
        envelope = _draw_bowl_errors(f, errors, rate, steps)
        lr_stable = float(theory.gd_stable_lr(lam))
        lr_opt = float(theory.gd_optimal_lr(lam))
        diverging = bool(rate >= 1.0 or res.diverged)
        f.title.set_text(f"κ = {kappa_v:.3g}, η = {lr_v:.3g}: {'DIVERGES' if diverging else 'converges'}\n"
                         f"stable: η < 2/λmax = {lr_stable:.3g};  best: η = 2/(λmin + λmax) = {lr_opt:.3g}")
        return {
            "path": path, "errors": errors, "envelope": envelope, "eigenvalues": lam,
            "kappa": kappa_v, "lr": lr_v, "lr_stable": lr_stable, "lr_optimal": lr_opt,
            "rate": rate, "status": res.status, "diverging": diverging,
        }

    controls = {
        "kappa": widgets.log_slider("κ = λmax/λmin", kappa, 1.0, 100.0),
        "angle": widgets.slider("angle (°)", angle, 0.0, 90.0, 5.0),
        "lr": widgets.log_slider("step size η", lr, 0.01, 1.0),
        "steps": widgets.int_slider("steps", n_steps, 5, 200),
    }
    return Explorer(f.fig, controls, update, static=static,
                    caption="The steep curvature λmax = 4 is fixed: κ only flattens the other direction.")


# --------------------------------------------------------------------------------------------
# Classic test functions

_CLASSICS: dict[str, dict[str, Any]] = {
    "Booth": {"make": functions.booth, "start": (-7.0, -6.0), "xlim": (-9.0, 9.0),
              "ylim": (-9.0, 9.0)},
    "Rosenbrock": {"make": functions.rosenbrock, "start": (-1.2, 1.0), "xlim": (-2.0, 2.0),
                   "ylim": (-1.0, 3.5)},
    "Himmelblau": {"make": functions.himmelblau, "start": (0.0, 0.0), "xlim": (-5.0, 5.0),
                   "ylim": (-5.0, 5.0)},
}


@dataclass
class _ClassicFigure:
    fig: LayeredFigure
    ax: Any
    ax_loss: Any
    landscapes: dict[str, list[Any]]
    path: Any
    loss: Any
    title: Any
    loss_title: Any


def _classic_figure(fns: dict[str, functions.Function2D]) -> _ClassicFigure:
    c = plotting.COLORS
    with plotting.style():
        fig = LayeredFigure(figsize=(10.0, 4.6))
        ax, ax_loss = fig.subplots(1, 2, width_ratios=(1.0, 1.15))
        fig.subplots_adjust(left=0.075, right=0.98, bottom=0.22, top=0.84, wspace=0.24)
        landscapes: dict[str, list[Any]] = {}
        for key, fn in fns.items():
            spec = _CLASSICS[key]
            grid = plotting.contour_grid(fn, spec["xlim"], spec["ylim"], resolution=120)
            lv = plotting.contour_levels(grid.Z, 20, fn.contour_scale, fn.f_min)
            cs = ax.contour(grid.X, grid.Y, grid.Z, levels=lv, cmap="viridis", linewidths=0.8)
            m = np.array(fn.minima).reshape(-1, 2)
            (stars,) = ax.plot(m[:, 0], m[:, 1], marker="*", markersize=13, linestyle="none",
                               color=c["black"], zorder=5)
            (start_mark,) = ax.plot([spec["start"][0]], [spec["start"][1]], marker="s",
                                    markersize=7, linestyle="none", color=c["vermillion"], zorder=4)
            landscapes[key] = [cs, stars, start_mark]
        (path,) = ax.plot([], [], marker="o", markersize=2, linewidth=1.2, color=c["vermillion"],
                          zorder=3)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        (loss,) = ax_loss.plot([], [], color=c["vermillion"])
        fast_log_axis(ax_loss)
        ax_loss.set_xlabel("step $k$")
        ax_loss.set_ylabel("$f(x_k) - f^*$")
        fig.legend(handles=[
            Line2D([], [], marker="*", markersize=11, linestyle="none", color=c["black"], label="minima"),
            Line2D([], [], marker="s", markersize=6, linestyle="none", color=c["vermillion"], label="start"),
            Line2D([], [], marker="o", markersize=2, linewidth=1.2, color=c["vermillion"], label="GD path"),
        ], loc="lower center", ncols=3, fontsize=8, frameon=False, bbox_to_anchor=(0.3, 0.0))
        title = fixed_title(ax, "", fontsize=10)
        loss_title = fixed_title(ax_loss, "", fontsize=10)
        fig.add_dynamic(path, loss, title, loss_title)
    return _ClassicFigure(fig, ax, ax_loss, landscapes, path, loss, title, loss_title)


def _show_landscape(f: _ClassicFigure, key: str) -> None:
    """The static layer: the chosen function's contours, minima and start."""
    f.fig.static_key = key
    for k, group in f.landscapes.items():
        for a in group:
            a.set_visible(k == key)
    f.ax.set_xlim(*_CLASSICS[key]["xlim"])
    f.ax.set_ylim(*_CLASSICS[key]["ylim"])


def classic_functions_explorer(
    *,
    name: str = "Rosenbrock",
    lr: float = 1e-3,
    n_steps: int = 1000,
    static: bool | None = None,
) -> Explorer:
    """Gradient descent on Booth, Rosenbrock or Himmelblau, from a fixed start per function.

    Controls: ``function`` (drop-down), ``lr`` (log slider 1e-4…0.2), ``steps`` (10…5000).
    The title reports where the run ended and the stability bound ``2/λmax`` of the Hessian at
    the minimum the run is heading for (the nearest one).

    ``state`` holds ``name``, ``path``, ``losses``, ``status``, ``diverged``, ``x`` (the last
    iterate), ``f`` (its value), ``nearest_minimum`` and ``lr_stable_at_minimum``.
    """
    if name not in _CLASSICS:
        raise ValueError(f"name must be one of {sorted(_CLASSICS)}, got {name!r}")
    fns = {k: spec["make"]() for k, spec in _CLASSICS.items()}
    f = _classic_figure(fns)

    runs: OrderedDict[tuple[str, float, int], descent.DescentResult] = OrderedDict()

    def run_for(key: str, lr: float, steps: int) -> descent.DescentResult:
        """A run of at least ``steps`` steps (or one that stopped earlier by itself).

        Runs are deterministic, so a longer run starts with every shorter one: a run to the
        smallest budget that covers ``steps`` serves, and dragging η (the steps slider still)
        costs that budget, not the slider's maximum.
        """
        for (k, rate, budget), res in runs.items():
            if k == key and rate == lr and (budget >= steps or res.n_iter < budget):
                runs.move_to_end((k, rate, budget))
                return res
        budget = next(b for b in _CLASSIC_BUDGETS if b >= steps)
        fn = fns[key]
        res = descent.gradient_descent(fn.grad, _CLASSICS[key]["start"], lr,
                                       max_iter=budget, tol=1e-10, f=fn,
                                       on_divergence="stop", divergence_threshold=_DRAW_LIMIT)
        runs[(key, lr, budget)] = res
        if len(runs) > 48:
            runs.popitem(last=False)
        return res

    def update(v: dict[str, Any]) -> dict[str, Any]:
        key = v["function"]
        fn = fns[key]
        _show_landscape(f, key)
        # Runs are cached per (function, η, budget); the steps slider only slices them, so
        # dragging it costs a redraw, not thousands of gradient steps.
        steps = int(v["steps"])
        res = run_for(key, float(v["lr"]), steps)
        cut = res.n_iter > steps
        path = np.array(res.path[: steps + 1])
        losses = np.array(res.losses[: steps + 1])
        diverged = (not cut) and res.diverged
        f.path.set_data(path[:, 0], path[:, 1])
        f.path.set_markevery(max(1, len(path) // 250))
        gaps = losses - fn.f_min
        shown = np.where(gaps > 0, gaps, np.nan)
        f.loss.set_data(np.arange(len(gaps)), shown)
        _error_axis(f.ax_loss, len(gaps) - 1, shown)
        mins = np.array(fn.minima).reshape(-1, 2)
        last = path[-1]
        idx = int(np.argmin(np.linalg.norm(mins - last, axis=1)))
        lr_stable = float(theory.gd_stable_lr(fn.hessian(mins[idx])))
        value = float(fn(last))
        outcome = "diverged" if diverged else f"after {len(path) - 1} steps f = {value:.3g}"
        f.title.set_text(f"{key}: η = {float(v['lr']):.3g}, {outcome}\n"
                         f"2/λmax at the nearest minimum = {lr_stable:.3g}")
        f.loss_title.set_text(f"{key}: distance to the minimum value")
        return {
            "name": key, "path": path, "losses": losses,
            "status": "max_iter" if cut else res.status, "diverged": bool(diverged),
            "x": last.copy(), "f": value, "nearest_minimum": mins[idx],
            "lr_stable_at_minimum": lr_stable,
        }

    controls = {
        "function": widgets.dropdown("function", list(_CLASSICS), value=name),
        "lr": widgets.log_slider("step size η", lr, 1e-4, 0.2),
        "steps": widgets.int_slider("steps", n_steps, 10, _CLASSIC_MAX_STEPS, 10),
    }
    return Explorer(f.fig, controls, update, static=static,
                    caption="Each function starts from its own square marker.")


# --------------------------------------------------------------------------------------------
# Himmelblau's basins

#: step size and budget of the basin map: stable at all four minima (2/λmax ≥ 0.015 there)
BASIN_LR = 0.01
BASIN_STEPS = 250


@functools.lru_cache(maxsize=8)
def _basin_map(lr: float, n_steps: int, resolution: int, window: float) -> tuple[np.ndarray, ...]:
    fn = functions.himmelblau()
    xs = np.linspace(-window, window, resolution)
    X, Y = np.meshgrid(xs, xs)
    P = np.stack([X, Y], axis=-1)
    with np.errstate(all="ignore"):
        for _ in range(n_steps):
            P = P - lr * fn.grad(P)
    mins = np.array(fn.minima)
    dist = np.linalg.norm(P[..., None, :] - mins, axis=-1)
    labels = np.argmin(dist, axis=-1)
    ok = np.isfinite(dist).all(axis=-1) & (np.nanmin(dist, axis=-1) < 1e-3)
    labels = np.where(ok, labels, -1)
    labels.setflags(write=False)
    return xs, labels


def himmelblau_basins(
    lr: float = BASIN_LR, n_steps: int = BASIN_STEPS, resolution: int = 101, window: float = 5.0
) -> tuple[np.ndarray, np.ndarray]:
    """Which of Himmelblau's minima gradient descent reaches from each start of a grid.

    Runs ``n_steps`` of ``x ← x − lr ∇f(x)`` from every point of a ``resolution × resolution``
    grid on ``[−window, window]²`` at once (vectorised), then labels each start with the index
    (into ``functions.himmelblau().minima``) of the minimum it ended within ``1e-3`` of, or
    ``−1`` if it ended near none (not converged or diverged).

    Returns
    -------
    xs : ndarray, shape (resolution,)
        Grid coordinates (the same for both axes).
    labels : ndarray of int, shape (resolution, resolution)
        ``labels[i, j]`` is the label of the start ``(xs[j], xs[i])`` (row = y, column = x).
    """
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    if int(n_steps) != n_steps or n_steps < 1:
        raise ValueError(f"n_steps must be a positive integer, got {n_steps!r}")
    if int(resolution) != resolution or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    xs, labels = _basin_map(float(lr), int(n_steps), int(resolution), float(window))
    return xs.copy(), labels.copy()


@dataclass
class _BasinFigure:
    fig: LayeredFigure
    ax: Any
    path: Any
    start: Any
    title: Any


def _basin_figure(fn: functions.Function2D, xs: np.ndarray, labels: np.ndarray) -> _BasinFigure:
    mins = np.array(fn.minima)
    colours = [plotting.COLORS[c] for c in ("blue", "orange", "green", "purple")]
    with plotting.style():
        fig = LayeredFigure(figsize=(7.6, 5.0))
        ax = fig.subplots()
        fig.subplots_adjust(left=0.09, right=0.7, bottom=0.1, top=0.9)
        cmap = ListedColormap(["#dddddd", *colours])
        step = xs[1] - xs[0]
        extent = (xs[0] - step / 2, xs[-1] + step / 2, xs[0] - step / 2, xs[-1] + step / 2)
        ax.imshow(labels + 1, origin="lower", extent=extent, cmap=cmap, vmin=0, vmax=4,
                  alpha=0.35, interpolation="nearest", aspect="auto")
        grid = plotting.contour_grid(fn, (-5.0, 5.0), (-5.0, 5.0), resolution=120)
        lv = plotting.contour_levels(grid.Z, 18, "log", 0.0)
        ax.contour(grid.X, grid.Y, grid.Z, levels=lv, colors="0.35", linewidths=0.6, alpha=0.7)
        for i, (m, c) in enumerate(zip(mins, colours)):
            ax.plot([m[0]], [m[1]], marker="*", markersize=15, color=c, markeredgecolor="black",
                    linestyle="none", label=f"minimum {i}: ({m[0]:.2f}, {m[1]:.2f})", zorder=5)
        (path,) = ax.plot([], [], marker="o", markersize=2.5, linewidth=1.4,
                          color=plotting.COLORS["black"], label="GD path", zorder=4)
        (start,) = ax.plot([], [], marker="s", markersize=8, linestyle="none",
                           color=plotting.COLORS["black"], label="start", zorder=6)
        ax.set_xlim(-5.0, 5.0)
        ax.set_ylim(-5.0, 5.0)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.legend(loc="upper left", bbox_to_anchor=(1.03, 1.0), fontsize=8, frameon=False,
                  borderaxespad=0.0)
        ax.text(1.03, 0.0, f"Shading: the minimum\nGD (η = {BASIN_LR}, {BASIN_STEPS} steps)\n"
                "reaches from each start;\ngrey: none.", transform=ax.transAxes, fontsize=8,
                va="bottom")
        title = fixed_title(ax, "", fontsize=10)
        fig.add_dynamic(path, start, title)
    return _BasinFigure(fig, ax, path, start, title)


def basin_explorer(
    *, start: Sequence[float] = (-1.0, -0.5), static: bool | None = None
) -> Explorer:
    """Pick a start on Himmelblau's function and see which of the four minima GD reaches.

    The background colours every start by the minimum that gradient descent (η =
    :data:`BASIN_LR`, :data:`BASIN_STEPS` steps) reaches from it (:func:`himmelblau_basins`);
    the sliders ``x0`` and ``y0`` move the start and draw its trajectory.

    ``state`` holds ``start``, ``path``, ``end``, ``minimum_index`` (into
    ``functions.himmelblau().minima``, or −1 if the run reached none), ``minimum`` (or None),
    ``n_iter`` and ``status``.
    """
    fn = functions.himmelblau()
    mins = np.array(fn.minima)
    xs, labels = himmelblau_basins()
    f = _basin_figure(fn, xs, labels)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        x0 = np.array([float(v["x0"]), float(v["y0"])])
        res = descent.gradient_descent(fn.grad, x0, BASIN_LR, max_iter=BASIN_STEPS, tol=1e-10,
                                       on_divergence="stop", divergence_threshold=_DRAW_LIMIT)
        path = np.array(res.path)
        f.path.set_data(path[:, 0], path[:, 1])
        f.start.set_data([x0[0]], [x0[1]])
        end = path[-1]
        dist = np.linalg.norm(mins - end, axis=1)
        idx = int(np.argmin(dist)) if float(dist.min()) < 1e-3 else -1
        where = (f"minimum {idx} in {res.n_iter} steps" if idx >= 0
                 else f"no minimum within {res.n_iter} steps")
        f.title.set_text(f"From ({x0[0]:.2f}, {x0[1]:.2f}) GD reaches {where}")
        return {
            "start": x0, "path": path, "end": end.copy(), "minimum_index": idx,
            "minimum": mins[idx].copy() if idx >= 0 else None, "n_iter": int(res.n_iter),
            "status": res.status,
        }

    controls = {
        "x0": widgets.slider("start x₁", float(start[0]), -5.0, 5.0, 0.1),
        "y0": widgets.slider("start x₂", float(start[1]), -5.0, 5.0, 0.1),
    }
    return Explorer(f.fig, controls, update, static=static,
                    caption="Move the start across a colour boundary: the destination changes.")
