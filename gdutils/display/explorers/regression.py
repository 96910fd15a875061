"""Explorers for linear regression fitted by gradient descent.

* :func:`line_fit_explorer` — the data, the fitted line after ``k`` iterations (iteration
  slider) next to the normal-equations line, and the loss gap ``L(w_k, b_k) − L*`` on log axes;
* :func:`loss_surface_explorer` — the loss surface in the ``(w, b)`` plane (its contours are
  ellipses: the loss is quadratic) with the gradient-descent path, and the loss gap on log axes.

Both take a step-size log slider and a "standardise" check box: standardising the feature with
the training mean and standard deviation turns the long, thin valley into round bowls, and
gradient descent needs a handful of steps instead of thousands.

The data is :func:`line_data` (one feature, not centred); fits come from
:func:`gdutils.linear_models.fit_gd` and :func:`gdutils.losses.least_squares`, never from a
learner's answers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np

from gdutils import data, linear_models, losses, theory
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

__all__ = ["line_data", "line_fit_explorer", "loss_surface_explorer", "MAX_ITERATIONS"]

#: The iteration slider's range; fits are computed once per (lr, standardise) for this budget.
MAX_ITERATIONS = 300


def line_data(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The running example: hours of sunshine ``x`` (2–10 h) and ice-cream sales ``y``.

    ``y = 1.5 x + 4 + ε`` with ``ε ~ N(0, 1.5²)``, ``x ~ U(2, 10)``, seeded. The feature is far
    from centred (mean ≈ 6), which is what makes gradient descent on the raw data slow.

    Returns
    -------
    X : ndarray, shape (n, 1)
    y : ndarray, shape (n,)
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(2.0, 10.0, n)
    y = 1.5 * x + 4.0 + rng.normal(0.0, 1.5, n)
    return x[:, None], y


@functools.lru_cache(maxsize=32)
def _fit(lr: float, standardise: bool, n_steps: int) -> dict[str, Any]:
    X, y = line_data()
    scaler = data.Standardiser().fit(X)
    Xf = scaler.transform(X) if standardise else X
    fit = linear_models.fit_gd(Xf, y, lr, n_steps, divergence_threshold=1e8)
    w_star, b_star = losses.least_squares(Xf, y)
    H = linear_models.mse_hessian(Xf)
    l_star = float(np.mean((Xf[:, 0] * w_star[0] + b_star - y) ** 2))
    return {
        "X": X,
        "y": y,
        "Xf": Xf,
        "mean": float(scaler.mean_[0]),
        "scale": float(scaler.scale_[0]),
        "path": np.array(fit.path),
        "losses": np.array(fit.losses),
        "status": fit.status,
        "theta_star": np.array([w_star[0], b_star]),
        "loss_star": l_star,
        "H": H,
    }


def _to_raw(theta: np.ndarray, fit: dict[str, Any], standardise: bool) -> tuple[float, float]:
    """(w, b) of the line in the original units of x."""
    w, b = float(theta[0]), float(theta[1])
    if not standardise:
        return w, b
    return w / fit["scale"], b - w * fit["mean"] / fit["scale"]


def _gap_axis(ax: Any) -> Any:
    fast_log_axis(ax)
    ax.set_xlabel("iteration $k$")
    ax.set_ylabel(r"$L(w_k, b_k) - L^*$")
    (line,) = ax.plot([], [], color=plotting.COLORS["blue"], label="loss gap of GD")
    return line


def _show_gaps(
    ax: Any, line: Any, losses_: np.ndarray, loss_star: float, n_steps: int
) -> np.ndarray:
    """The loss gap on log axes (x up to a 1-2-5 number, y in whole decades)."""
    gaps = losses_ - loss_star
    shown = np.where(gaps > 1e-14 * max(loss_star, 1.0), gaps, np.nan)
    line.set_data(np.arange(len(gaps)), shown)
    ax.set_xlim(0, nice_number(max(n_steps, 1)))
    ax.set_ylim(*decade_limits(shown, low=1e-14, high=1e12))
    return gaps


def _stability(H: np.ndarray) -> tuple[np.ndarray, float, float]:
    lam = theory.eigenvalues(H)
    return lam, float(lam[-1] / lam[0]), 2.0 / float(lam[-1])


# --------------------------------------------------------------------------------------------
# The fitted line


@dataclass
class _LineFigure:
    fig: LayeredFigure
    ax: Any
    ax_loss: Any
    gd_line: Any
    star_line: Any
    gap_line: Any
    marker: Any
    title: Any
    loss_title: Any


def _line_figure(X: np.ndarray, y: np.ndarray, xs: np.ndarray) -> _LineFigure:
    c = plotting.COLORS
    with plotting.style():
        fig = LayeredFigure(figsize=(10.0, 4.5))
        ax, ax_loss = fig.subplots(1, 2)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.24, top=0.84, wspace=0.25)
        ax.scatter(X[:, 0], y, s=18, color=c["sky_blue"], edgecolor="0.3", linewidth=0.4,
                   label="data", zorder=2)
        (star_line,) = ax.plot([], [], linestyle="--", color=c["black"], linewidth=1.2,
                               label="normal equations")
        (gd_line,) = ax.plot([], [], color=c["vermillion"], linewidth=2.0,
                             label="GD after $k$ steps")
        ax.set_xlim(*xs)
        ax.set_ylim(0.0, 30.0)
        ax.set_xlabel("hours of sunshine $x$")
        ax.set_ylabel("ice creams sold $y$ (hundreds)")
        gap_line = _gap_axis(ax_loss)
        (marker,) = ax_loss.plot([], [], marker="o", markersize=7, linestyle="none",
                                 color=c["vermillion"], label="iteration $k$")
        handles = ax.get_legend_handles_labels()[0] + [gap_line, marker]
        fig.legend(handles=handles, loc="lower center", ncols=5, fontsize=8, frameon=False)
        title = fixed_title(ax, "", fontsize=10)
        loss_title = fixed_title(ax_loss, "", fontsize=10)
        fig.add_dynamic(star_line, gd_line, gap_line, marker, title, loss_title)
    return _LineFigure(fig, ax, ax_loss, gd_line, star_line, gap_line, marker, title, loss_title)


def line_fit_explorer(
    *,
    lr: float = 0.01,
    iteration: int = 20,
    standardise: bool = False,
    static: bool | None = None,
) -> Explorer:
    """The fitted line after ``k`` gradient-descent iterations, and the loss on log axes.

    Controls: ``iteration`` (0…:data:`MAX_ITERATIONS`), ``lr`` (log slider 1e-3…1.5),
    ``standardise`` (fit on the standardised feature; the line is drawn in the original units).

    ``state`` holds ``iteration`` (the one shown: a diverged run ends early), ``w``, ``b`` (the
    line in original units), ``w_star``, ``b_star`` (normal equations), ``losses`` (of the
    whole run), ``loss_star``, ``status``, ``diverged``, ``lr_stable`` (``2/λmax(H)``) and
    ``kappa`` (of the Hessian ``H``).
    """
    X, y = line_data()
    xs = np.array([0.0, 12.0])
    f = _line_figure(X, y, xs)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        std = bool(v["standardise"])
        lr_v = float(v["lr"])
        fit = _fit(lr_v, std, MAX_ITERATIONS)
        path = fit["path"]
        k = min(int(v["iteration"]), len(path) - 1)
        w, b = _to_raw(path[k], fit, std)
        w_s, b_s = _to_raw(fit["theta_star"], fit, std)
        f.gd_line.set_data(xs, w * xs + b)
        f.star_line.set_data(xs, w_s * xs + b_s)
        gaps = _show_gaps(f.ax_loss, f.gap_line, fit["losses"], fit["loss_star"], MAX_ITERATIONS)
        f.marker.set_data([k], [gaps[k]] if gaps[k] > 0 else [np.nan])
        _, kappa, lr_stable = _stability(fit["H"])
        feature = "standardised x" if std else "raw x"
        note = " — DIVERGED" if fit["status"] == "diverged" else ""
        f.title.set_text(f"after {k} steps: y = {w:.3g}·x + {b:.3g}{note}\n"
                         f"({feature}, η = {lr_v:.3g}; best fit y = {w_s:.3g}·x + {b_s:.3g})")
        f.loss_title.set_text(f"loss gap on log axes (κ(H) = {kappa:.3g}, 2/λmax = {lr_stable:.3g})")
        return {
            "iteration": k, "w": w, "b": b, "w_star": w_s, "b_star": b_s,
            "losses": fit["losses"], "loss_star": fit["loss_star"], "status": fit["status"],
            "diverged": fit["status"] == "diverged", "lr_stable": lr_stable, "kappa": kappa,
        }

    controls = {
        "iteration": widgets.int_slider("iteration k", iteration, 0, MAX_ITERATIONS),
        "lr": widgets.log_slider("step size η", lr, 1e-3, 1.5),
        "standardise": widgets.checkbox("standardise x (train statistics)", standardise),
    }
    return Explorer(f.fig, controls, update, static=static,
                    caption="Drag k to watch the line settle; tick 'standardise' and compare.")


# --------------------------------------------------------------------------------------------
# The loss surface


@dataclass
class _SurfaceFigure:
    fig: LayeredFigure
    ax: Any
    ax_loss: Any
    level_lines: list[Any]
    star: Any
    path: Any
    gap_line: Any
    title: Any
    loss_title: Any


_N_LEVELS = 14


def _surface_figure() -> _SurfaceFigure:
    c = plotting.COLORS
    with plotting.style():
        fig = LayeredFigure(figsize=(10.0, 4.8))
        ax, ax_loss = fig.subplots(1, 2)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.2, top=0.85, wspace=0.25)
        cmap = matplotlib.colormaps["viridis"]
        level_lines = [ax.plot([], [], color=cmap(j / _N_LEVELS), linewidth=0.8)[0]
                       for j in range(_N_LEVELS)]
        (star,) = ax.plot([], [], marker="*", markersize=13, linestyle="none", color=c["black"],
                          label="minimum (normal equations)", zorder=5)
        (path,) = ax.plot([], [], marker="o", markersize=2.5, linewidth=1.2, color=c["vermillion"],
                          label="GD path", zorder=3)
        ax.plot([0.0], [0.0], marker="s", markersize=7, linestyle="none", color=c["vermillion"],
                label="start (0, 0)", zorder=4)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel("weight $w$")
        ax.set_ylabel("bias $b$")
        gap_line = _gap_axis(ax_loss)
        fig.legend(handles=ax.get_legend_handles_labels()[0] + [gap_line], loc="lower center",
                   ncols=4, fontsize=8, frameon=False)
        title = fixed_title(ax, "", fontsize=10)
        loss_title = fixed_title(ax_loss, "", fontsize=10)
        # the ellipses and the minimum change only with "standardise": the static layer's key
        fig.add_dynamic(path, gap_line, title, loss_title)
    return _SurfaceFigure(fig, ax, ax_loss, level_lines, star, path, gap_line, title, loss_title)


def _draw_surface(f: _SurfaceFigure, fit: dict[str, Any], standardise: bool) -> None:
    """The static layer: the loss ellipses around the minimum of this feature scaling."""
    f.fig.static_key = standardise
    theta_star, H = fit["theta_star"], fit["H"]
    top = 1.5 * (float(fit["losses"][0]) - fit["loss_star"])
    for line, level in zip(f.level_lines, quadratic_levels(top, _N_LEVELS)):
        pts = ellipse_points(H, theta_star, level)
        line.set_data(pts[:, 0], pts[:, 1])
    f.star.set_data([theta_star[0]], [theta_star[1]])
    centre = theta_star / 2.0
    half = 0.6 * float(np.max(np.abs(theta_star))) + 1.0
    f.ax.set_xlim(centre[0] - half, centre[0] + half)
    f.ax.set_ylim(centre[1] - half, centre[1] + half)


def loss_surface_explorer(
    *,
    lr: float = 0.01,
    n_steps: int = 100,
    standardise: bool = False,
    static: bool | None = None,
) -> Explorer:
    """The loss surface ``L(w, b)`` with the gradient-descent path, and the loss on log axes.

    The contours are the ellipses ``L(θ) − L* = ½ (θ − θ*)ᵀH(θ − θ*)`` with ``H`` from
    :func:`gdutils.linear_models.mse_hessian`, drawn with equal axis scales so their true shape
    shows: a long thin valley for the raw feature, circles for the standardised one. The path
    starts at ``(w, b) = (0, 0)``.

    Controls: ``lr`` (log slider 1e-3…1.5), ``steps`` (1…:data:`MAX_ITERATIONS`),
    ``standardise``.

    ``state`` holds ``path`` ((k+1, 2): rows ``(w_j, b_j)`` in the coordinates of the fitted
    feature), ``losses``, ``theta_star``, ``loss_star``, ``status``, ``diverged``,
    ``kappa``, ``lr_stable``, ``lr_optimal`` and ``rate`` (of GD on this quadratic).
    """
    f = _surface_figure()

    def update(v: dict[str, Any]) -> dict[str, Any]:
        std = bool(v["standardise"])
        lr_v = float(v["lr"])
        steps = int(v["steps"])
        fit = _fit(lr_v, std, MAX_ITERATIONS)
        path = fit["path"][: steps + 1]
        losses_ = fit["losses"][: steps + 1]
        _draw_surface(f, fit, std)
        f.path.set_data(path[:, 0], path[:, 1])
        _show_gaps(f.ax_loss, f.gap_line, losses_, fit["loss_star"], steps)
        lam, kappa, lr_stable = _stability(fit["H"])
        lr_opt = 2.0 / float(lam[0] + lam[-1])
        rate = float(np.max(np.abs(1.0 - lr_v * lam)))
        feature = "standardised x" if std else "raw x"
        verdict = "DIVERGES" if (rate >= 1.0 or fit["status"] == "diverged") else "converges"
        f.title.set_text(f"L(w, b) for {feature}: κ(H) = {kappa:.3g}\n"
                         f"η = {lr_v:.3g} {verdict} (stable below 2/λmax = {lr_stable:.3g})")
        f.loss_title.set_text(f"loss gap on log axes: ρ = max|1 − ηλ| = {rate:.4f}")
        return {
            "path": path, "losses": losses_, "theta_star": fit["theta_star"],
            "loss_star": fit["loss_star"], "status": fit["status"],
            "diverged": fit["status"] == "diverged" or rate >= 1.0,
            "kappa": kappa, "lr_stable": lr_stable, "lr_optimal": lr_opt, "rate": rate,
        }

    controls = {
        "lr": widgets.log_slider("step size η", lr, 1e-3, 1.5),
        "steps": widgets.int_slider("steps", n_steps, 1, MAX_ITERATIONS),
        "standardise": widgets.checkbox("standardise x (train statistics)", standardise),
    }
    return Explorer(f.fig, controls, update, static=static,
                    caption="Equal scales on both axes: the contours show the true curvature.")
