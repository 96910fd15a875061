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
:mod:`gdutils.theory`, :mod:`gdutils.functions`), never on a learner's answers. Figures are built
once; a control change moves artists (``set_data``, ``set_visible``), so a redraw stays cheap.

The helpers :func:`ellipse_points` and :func:`himmelblau_basins` are public because notebooks and
tests use them too.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from gdutils import descent, functions, theory
from gdutils.display import plotting, widgets
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


def fixed_title(ax: Any, text: str, **kwargs: Any) -> None:
    """Set a title at a fixed height above the axes.

    Matplotlib otherwise re-measures every tick label on each draw to place the title clear of
    them (a third of an explorer's redraw); the course's figures have nothing above the axes.
    """
    ax.set_title(text, y=1.0, pad=6.0, **kwargs)


def fast_log_axis(ax: Any, axis: str = "y") -> None:
    """A log scale with plain-text tick labels (``1e-06``), cheap to redraw in an explorer.

    Matplotlib's default log labels are mathtext (``$10^{-6}$``), re-typeset on every draw.
    """
    from matplotlib import ticker

    target = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    target.set_major_locator(ticker.LogLocator(base=10.0, numticks=7))
    target.set_major_formatter(ticker.FuncFormatter(lambda v, _pos: f"{v:.0e}"))
    target.set_minor_formatter(ticker.NullFormatter())


# --------------------------------------------------------------------------------------------
# Geometry helpers


def ellipse_points(A: ArrayLike, centre: ArrayLike, level: float, n: int = 181) -> np.ndarray:
    """Points of the level set ``½ (x − c)ᵀA(x − c) = level`` of a 2-D quadratic.

    With ``A = V diag(λ) Vᵀ`` the set is an ellipse with semi-axes ``√(2·level/λᵢ)`` along the
    eigenvectors ``vᵢ``: ``x(t) = c + V [√(2ℓ/λ₁) cos t, √(2ℓ/λ₂) sin t]``.

    Parameters
    ----------
    A : array_like, shape (2, 2)
        Symmetric positive definite.
    centre : array_like, shape (2,)
    level : float
        ``> 0``.
    n : int
        Number of points (the first and the last coincide, closing the curve).

    Returns
    -------
    ndarray, shape (n, 2)
    """
    M = np.asarray(A, dtype=np.float64)
    c = np.asarray(centre, dtype=np.float64)
    if M.shape != (2, 2):
        raise ValueError(f"A must have shape (2, 2), got {M.shape}")
    if c.shape != (2,):
        raise ValueError(f"centre must have shape (2,), got {c.shape}")
    if not (np.isfinite(level) and level > 0):
        raise ValueError(f"level must be a positive number, got {level!r}")
    lam, V = np.linalg.eigh(0.5 * (M + M.T))
    if lam[0] <= 0:
        raise ValueError("A must be positive definite")
    t = np.linspace(0.0, 2.0 * np.pi, int(n))
    radii = np.sqrt(2.0 * float(level) / lam)
    unit = np.stack([radii[0] * np.cos(t), radii[1] * np.sin(t)], axis=-1)
    return c + unit @ V.T


def quadratic_levels(top: float, n: int = 14) -> np.ndarray:
    """``n`` levels ``top·(j/n)²``, ``j = 1 … n``: evenly spaced ellipses up to ``top``."""
    if not (np.isfinite(top) and top > 0):
        raise ValueError(f"top must be a positive number, got {top!r}")
    return float(top) * (np.arange(1, n + 1) / n) ** 2


# --------------------------------------------------------------------------------------------
# Quadratic bowl


def _bowl(kappa: float, angle_deg: float) -> functions.Quadratic:
    return functions.quadratic_bowl(
        (BOWL_LAMBDA_MAX / float(kappa), BOWL_LAMBDA_MAX), angle=math.radians(float(angle_deg))
    )


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
    with plotting.style():
        fig = Figure(figsize=(10.0, 4.3))
        ax, ax_err = fig.subplots(1, 2, width_ratios=(1.0, 1.15))
        fig.subplots_adjust(left=0.075, right=0.98, bottom=0.12, top=0.86, wspace=0.24)
        top = 0.5 * BOWL_LAMBDA_MAX * 3.0**2
        levels = quadratic_levels(top)
        cmap = matplotlib.colormaps["viridis"]
        level_lines = [
            ax.plot([], [], color=cmap(j / len(levels)), linewidth=0.8, alpha=0.9)[0]
            for j in range(len(levels))
        ]
        ax.plot(
            [0.0],
            [0.0],
            label="minimum",
            marker="*",
            markersize=13,
            color=plotting.COLORS["black"],
            linestyle="none",
        )
        (path_line,) = ax.plot(
            [],
            [],
            marker="o",
            markersize=3,
            linewidth=1.3,
            color=plotting.COLORS["vermillion"],
            label="GD path",
            zorder=3,
        )
        ax.plot(
            [x0[0]],
            [x0[1]],
            marker="s",
            markersize=7,
            linestyle="none",
            color=plotting.COLORS["vermillion"],
            label="start",
            zorder=4,
        )
        (slow_axis,) = ax.plot(
            [], [], linestyle="--", linewidth=1.0, color="0.45", label="flat direction (λmin)"
        )
        ax.set_xlim(-3.0, 3.0)
        ax.set_ylim(-3.0, 3.0)
        ax.set_aspect("equal")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.legend(loc="lower right", fontsize=8)
        (err_line,) = ax_err.plot(
            [],
            [],
            marker="o",
            markersize=3,
            color=plotting.COLORS["vermillion"],
            label=r"measured $\|x_k - x^*\|$",
        )
        (env_line,) = ax_err.plot(
            [],
            [],
            linestyle="--",
            color=plotting.COLORS["blue"],
            label=r"theory $\rho^k \|x_0 - x^*\|$",
        )
        fast_log_axis(ax_err)
        ax_err.set_xlabel("step k")
        ax_err.set_ylabel(r"distance to the minimum $\|x_k - x^*\|$")
        ax_err.legend(loc="lower left", fontsize=8)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        kappa_v = float(v["kappa"])
        fn = _bowl(kappa_v, v["angle"])
        A = fn.A
        lam = fn.eigenvalues
        lr_v = float(v["lr"])
        steps = int(v["steps"])
        for line, level in zip(level_lines, levels):
            pts = ellipse_points(A, (0.0, 0.0), level)
            line.set_data(pts[:, 0], pts[:, 1])
        vecs = np.linalg.eigh(A)[1]
        slow = vecs[:, 0] * 5.0
        slow_axis.set_data([-slow[0], slow[0]], [-slow[1], slow[1]])
        res = descent.gradient_descent(
            fn.grad,
            x0,
            lr_v,
            max_iter=steps,
            tol=None,
            on_divergence="stop",
            divergence_threshold=_DRAW_LIMIT,
        )
        path = np.array(res.path)
        path_line.set_data(path[:, 0], path[:, 1])
        errors = np.linalg.norm(path, axis=1)
        rate = float(theory.gd_rate(lr_v, lam))
        ks = np.arange(steps + 1)
        with np.errstate(over="ignore", under="ignore"):
            envelope = errors[0] * rate ** ks.astype(float)
        env_shown = np.where(np.isfinite(envelope) & (envelope > 0), envelope, np.nan)
        err_line.set_data(np.arange(len(errors)), errors)
        env_line.set_data(ks, env_shown)
        lo = max(min(float(np.nanmin(env_shown)), float(errors.min())), 1e-12 * errors[0])
        hi = max(float(errors.max()), errors[0]) * 3.0
        ax_err.set_xlim(0, max(steps, 1))
        ax_err.set_ylim(max(lo / 3.0, 1e-16), min(hi, 1e7))
        lr_stable = float(theory.gd_stable_lr(lam))
        lr_opt = float(theory.gd_optimal_lr(lam))
        diverging = bool(rate >= 1.0 or res.diverged)
        verdict = "DIVERGES" if diverging else "converges"
        fixed_title(
            ax,
            f"κ = {kappa_v:.3g}, η = {lr_v:.3g}: {verdict}\n"
            f"stable: η < 2/λmax = {lr_stable:.3g};  best: η = 2/(λmin+λmax) = {lr_opt:.3g}",
            fontsize=10,
        )
        fixed_title(ax_err, f"error per step: ρ = max|1 − ηλ| = {rate:.4f}", fontsize=10)
        return {
            "path": path,
            "errors": errors,
            "envelope": envelope,
            "eigenvalues": lam,
            "kappa": kappa_v,
            "lr": lr_v,
            "lr_stable": lr_stable,
            "lr_optimal": lr_opt,
            "rate": rate,
            "status": res.status,
            "diverging": diverging,
        }

    controls = {
        "kappa": widgets.log_slider("κ = λmax/λmin", kappa, 1.0, 100.0),
        "angle": widgets.slider("angle (°)", angle, 0.0, 90.0, 5.0),
        "lr": widgets.log_slider("step size η", lr, 0.01, 1.0),
        "steps": widgets.int_slider("steps", n_steps, 5, 200),
    }
    return Explorer(
        fig,
        controls,
        update,
        static=static,
        caption="The steep curvature λmax = 4 is fixed: κ only flattens the other direction.",
    )


# --------------------------------------------------------------------------------------------
# Classic test functions

_CLASSICS: dict[str, dict[str, Any]] = {
    "Booth": {
        "make": functions.booth,
        "start": (-7.0, -6.0),
        "xlim": (-9.0, 9.0),
        "ylim": (-9.0, 9.0),
    },
    "Rosenbrock": {
        "make": functions.rosenbrock,
        "start": (-1.2, 1.0),
        "xlim": (-2.0, 2.0),
        "ylim": (-1.0, 3.5),
    },
    "Himmelblau": {
        "make": functions.himmelblau,
        "start": (0.0, 0.0),
        "xlim": (-5.0, 5.0),
        "ylim": (-5.0, 5.0),
    },
}


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
    with plotting.style():
        fig = Figure(figsize=(10.0, 4.3))
        ax, ax_loss = fig.subplots(1, 2, width_ratios=(1.0, 1.15))
        fig.subplots_adjust(left=0.075, right=0.98, bottom=0.12, top=0.86, wspace=0.24)
        artists: dict[str, list[Any]] = {}
        for key, fn in fns.items():
            spec = _CLASSICS[key]
            grid = plotting.contour_grid(fn, spec["xlim"], spec["ylim"], resolution=120)
            lv = plotting.contour_levels(grid.Z, 20, fn.contour_scale, fn.f_min)
            cs = ax.contour(grid.X, grid.Y, grid.Z, levels=lv, cmap="viridis", linewidths=0.8)
            m = np.array(fn.minima).reshape(-1, 2)
            (stars,) = ax.plot(
                m[:, 0],
                m[:, 1],
                marker="*",
                markersize=13,
                linestyle="none",
                color=plotting.COLORS["black"],
                label="minima",
            )
            (start_mark,) = ax.plot(
                [spec["start"][0]],
                [spec["start"][1]],
                marker="s",
                markersize=7,
                linestyle="none",
                color=plotting.COLORS["vermillion"],
                label="start",
                zorder=4,
            )
            artists[key] = [cs, stars, start_mark]
        (path_line,) = ax.plot(
            [],
            [],
            marker="o",
            markersize=2,
            linewidth=1.2,
            color=plotting.COLORS["vermillion"],
            label="GD path",
            zorder=3,
        )
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        (loss_line,) = ax_loss.plot([], [], color=plotting.COLORS["vermillion"])
        fast_log_axis(ax_loss)
        ax_loss.set_xlabel("step k")
        ax_loss.set_ylabel(r"$f(x_k) - f^*$")

    @functools.lru_cache(maxsize=32)
    def longest_run(key: str, lr: float) -> descent.DescentResult:
        fn = fns[key]
        return descent.gradient_descent(
            fn.grad,
            _CLASSICS[key]["start"],
            lr,
            max_iter=_CLASSIC_MAX_STEPS,
            tol=1e-10,
            f=fn,
            on_divergence="stop",
            divergence_threshold=_DRAW_LIMIT,
        )

    def update(v: dict[str, Any]) -> dict[str, Any]:
        key = v["function"]
        fn = fns[key]
        spec = _CLASSICS[key]
        for k, group in artists.items():
            for a in group:
                a.set_visible(k == key)
        # One run to the slider's maximum per (function, η); the steps slider only slices it,
        # so dragging it costs a redraw, not thousands of gradient steps.
        res = longest_run(key, float(v["lr"]))
        steps = int(v["steps"])
        cut = res.n_iter > steps
        path = np.array(res.path[: steps + 1])
        losses = np.array(res.losses[: steps + 1])
        status = "max_iter" if cut else res.status
        diverged = (not cut) and res.diverged
        path_line.set_data(path[:, 0], path[:, 1])
        path_line.set_markevery(max(1, len(path) // 250))
        gaps = losses - fn.f_min
        shown = np.where(gaps > 0, gaps, np.nan)
        loss_line.set_data(np.arange(len(gaps)), shown)
        ax_loss.set_xlim(0, max(len(gaps) - 1, 1))
        finite = shown[np.isfinite(shown)]
        if finite.size:
            ax_loss.set_ylim(max(float(finite.min()) / 3.0, 1e-20), float(finite.max()) * 3.0)
        ax.set_xlim(*spec["xlim"])
        ax.set_ylim(*spec["ylim"])
        handles = [artists[key][1], artists[key][2], path_line]
        ax.legend(
            handles=handles, labels=["minima", "start", "GD path"], loc="upper right", fontsize=8
        )
        mins = np.array(fn.minima).reshape(-1, 2)
        last = path[-1]
        idx = int(np.argmin(np.linalg.norm(mins - last, axis=1)))
        H = fn.hessian(mins[idx])
        lr_stable = float(theory.gd_stable_lr(H))
        value = float(fn(last))
        outcome = "diverged" if diverged else f"after {len(path) - 1} steps f = {value:.3g}"
        fixed_title(
            ax,
            f"{key}: η = {float(v['lr']):.3g}, {outcome}\n"
            f"2/λmax at the nearest minimum = {lr_stable:.3g}",
        )
        fixed_title(ax_loss, f"{key}: distance to the minimum value")
        return {
            "name": key,
            "path": path,
            "losses": losses,
            "status": status,
            "diverged": bool(diverged),
            "x": last.copy(),
            "f": value,
            "nearest_minimum": mins[idx],
            "lr_stable_at_minimum": lr_stable,
        }

    controls = {
        "function": widgets.dropdown("function", list(_CLASSICS), value=name),
        "lr": widgets.log_slider("step size η", lr, 1e-4, 0.2),
        "steps": widgets.int_slider("steps", n_steps, 10, _CLASSIC_MAX_STEPS, 10),
    }
    return Explorer(
        fig,
        controls,
        update,
        static=static,
        caption="Each function starts from its own square marker.",
    )


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
    colours = [plotting.COLORS[c] for c in ("blue", "orange", "green", "purple")]
    with plotting.style():
        fig = Figure(figsize=(6.2, 5.6))
        ax = fig.subplots()
        fig.subplots_adjust(left=0.1, right=0.97, bottom=0.09, top=0.89)
        cmap = ListedColormap(["#dddddd", *colours])
        step = xs[1] - xs[0]
        extent = (xs[0] - step / 2, xs[-1] + step / 2, xs[0] - step / 2, xs[-1] + step / 2)
        ax.imshow(
            labels + 1,
            origin="lower",
            extent=extent,
            cmap=cmap,
            vmin=0,
            vmax=4,
            alpha=0.35,
            interpolation="nearest",
            aspect="auto",
        )
        grid = plotting.contour_grid(fn, (-5.0, 5.0), (-5.0, 5.0), resolution=120)
        lv = plotting.contour_levels(grid.Z, 18, "log", 0.0)
        ax.contour(grid.X, grid.Y, grid.Z, levels=lv, colors="0.35", linewidths=0.6, alpha=0.7)
        for i, (m, c) in enumerate(zip(mins, colours)):
            ax.plot(
                [m[0]],
                [m[1]],
                marker="*",
                markersize=15,
                color=c,
                markeredgecolor="black",
                linestyle="none",
                label=f"minimum {i}",
                zorder=5,
            )
        (path_line,) = ax.plot(
            [],
            [],
            marker="o",
            markersize=2.5,
            linewidth=1.4,
            color=plotting.COLORS["black"],
            label="GD path",
            zorder=4,
        )
        (start_mark,) = ax.plot(
            [],
            [],
            marker="s",
            markersize=8,
            linestyle="none",
            color=plotting.COLORS["black"],
            label="start",
            zorder=6,
        )
        ax.set_xlim(-5.0, 5.0)
        ax.set_ylim(-5.0, 5.0)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.legend(loc="upper left", fontsize=7, ncols=3)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        x0 = np.array([float(v["x0"]), float(v["y0"])])
        res = descent.gradient_descent(
            fn.grad,
            x0,
            BASIN_LR,
            max_iter=BASIN_STEPS,
            tol=1e-10,
            on_divergence="stop",
            divergence_threshold=_DRAW_LIMIT,
        )
        path = np.array(res.path)
        path_line.set_data(path[:, 0], path[:, 1])
        start_mark.set_data([x0[0]], [x0[1]])
        end = path[-1]
        dist = np.linalg.norm(mins - end, axis=1)
        idx = int(np.argmin(dist)) if float(dist.min()) < 1e-3 else -1
        if idx >= 0:
            where = f"minimum {idx} ({mins[idx][0]:.2f}, {mins[idx][1]:.2f}) in {res.n_iter} steps"
        else:
            where = f"no minimum within {res.n_iter} steps"
        fixed_title(
            ax,
            f"From ({x0[0]:.2f}, {x0[1]:.2f}) GD reaches {where}\n"
            f"colour: the minimum GD (η = {BASIN_LR}) reaches from each start",
            fontsize=10,
        )
        return {
            "start": x0,
            "path": path,
            "end": end.copy(),
            "minimum_index": idx,
            "minimum": mins[idx].copy() if idx >= 0 else None,
            "n_iter": int(res.n_iter),
            "status": res.status,
        }

    controls = {
        "x0": widgets.slider("start x₁", float(start[0]), -5.0, 5.0, 0.1),
        "y0": widgets.slider("start x₂", float(start[1]), -5.0, 5.0, 0.1),
    }
    return Explorer(
        fig,
        controls,
        update,
        static=static,
        caption="Move the start across a colour boundary: the destination changes.",
    )
