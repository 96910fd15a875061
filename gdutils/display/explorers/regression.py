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
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from gdutils import data, linear_models, losses, theory
from gdutils.display import plotting, widgets
from gdutils.display.explorers.landscapes import (
    ellipse_points,
    fast_log_axis,
    fixed_title,
    quadratic_levels,
)
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
    ax.set_xlabel("iteration k")
    ax.set_ylabel(r"$L(w_k, b_k) - L^*$")
    (line,) = ax.plot([], [], color=plotting.COLORS["blue"], label="GD")
    return line


def _show_gaps(
    ax: Any, line: Any, losses_: np.ndarray, loss_star: float, n_steps: int
) -> np.ndarray:
    gaps = losses_ - loss_star
    shown = np.where(gaps > 1e-14 * max(loss_star, 1.0), gaps, np.nan)
    line.set_data(np.arange(len(gaps)), shown)
    ax.set_xlim(0, n_steps)
    finite = shown[np.isfinite(shown)]
    if finite.size:
        ax.set_ylim(max(float(finite.min()) / 3.0, 1e-14), float(finite.max()) * 3.0)
    return gaps


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
    with plotting.style():
        fig = Figure(figsize=(10.0, 4.2))
        ax, ax_loss = fig.subplots(1, 2)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.86, wspace=0.25)
        ax.scatter(
            X[:, 0],
            y,
            s=18,
            color=plotting.COLORS["sky_blue"],
            edgecolor="white",
            linewidth=0.4,
            label="data",
            zorder=2,
        )
        (star_line,) = ax.plot(
            [],
            [],
            linestyle="--",
            color=plotting.COLORS["black"],
            linewidth=1.2,
            label="normal equations",
        )
        (gd_line,) = ax.plot(
            [], [], color=plotting.COLORS["vermillion"], linewidth=2.0, label="GD after k steps"
        )
        ax.set_xlim(*xs)
        ax.set_ylim(0.0, 30.0)
        ax.set_xlabel("hours of sunshine x")
        ax.set_ylabel("ice creams sold y (hundreds)")
        ax.legend(loc="upper left", fontsize=8)
        gap_line = _gap_axis(ax_loss)
        (marker,) = ax_loss.plot(
            [],
            [],
            marker="o",
            markersize=7,
            linestyle="none",
            color=plotting.COLORS["vermillion"],
            label="iteration k",
        )
        ax_loss.legend(loc="upper right", fontsize=8)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        std = bool(v["standardise"])
        lr_v = float(v["lr"])
        fit = _fit(lr_v, std, MAX_ITERATIONS)
        path = fit["path"]
        k = min(int(v["iteration"]), len(path) - 1)
        w, b = _to_raw(path[k], fit, std)
        w_s, b_s = _to_raw(fit["theta_star"], fit, std)
        gd_line.set_data(xs, w * xs + b)
        star_line.set_data(xs, w_s * xs + b_s)
        gaps = _show_gaps(ax_loss, gap_line, fit["losses"], fit["loss_star"], MAX_ITERATIONS)
        marker.set_data([k], [gaps[k]] if gaps[k] > 0 else [np.nan])
        lam = theory.eigenvalues(fit["H"])
        lr_stable = 2.0 / float(lam[-1])
        kappa = float(lam[-1] / lam[0])
        feature = "standardised x" if std else "raw x"
        note = " — DIVERGED" if fit["status"] == "diverged" else ""
        fixed_title(
            ax,
            f"after {k} steps: y = {w:.3g}·x + {b:.3g}{note}\n"
            f"({feature}, η = {lr_v:.3g}; best fit y = {w_s:.3g}·x + {b_s:.3g})",
            fontsize=10,
        )
        fixed_title(
            ax_loss,
            f"loss gap on log axes (κ(H) = {kappa:.3g}, 2/λmax = {lr_stable:.3g})",
            fontsize=10,
        )
        return {
            "iteration": k,
            "w": w,
            "b": b,
            "w_star": w_s,
            "b_star": b_s,
            "losses": fit["losses"],
            "loss_star": fit["loss_star"],
            "status": fit["status"],
            "diverged": fit["status"] == "diverged",
            "lr_stable": lr_stable,
            "kappa": kappa,
        }

    controls = {
        "iteration": widgets.int_slider("iteration k", iteration, 0, MAX_ITERATIONS),
        "lr": widgets.log_slider("step size η", lr, 1e-3, 1.5),
        "standardise": widgets.checkbox("standardise x (train statistics)", standardise),
    }
    return Explorer(
        fig,
        controls,
        update,
        static=static,
        caption="Drag k to watch the line settle; tick 'standardise' and compare.",
    )


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
    with plotting.style():
        fig = Figure(figsize=(10.0, 4.6))
        ax, ax_loss = fig.subplots(1, 2)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.11, top=0.87, wspace=0.25)
        n_levels = 14
        cmap = matplotlib.colormaps["viridis"]
        level_lines = [
            ax.plot([], [], color=cmap(j / n_levels), linewidth=0.8)[0] for j in range(n_levels)
        ]
        (star,) = ax.plot(
            [],
            [],
            marker="*",
            markersize=13,
            linestyle="none",
            color=plotting.COLORS["black"],
            label="minimum (normal equations)",
        )
        (path_line,) = ax.plot(
            [],
            [],
            marker="o",
            markersize=2.5,
            linewidth=1.2,
            color=plotting.COLORS["vermillion"],
            label="GD path",
            zorder=3,
        )
        ax.plot(
            [0.0],
            [0.0],
            marker="s",
            markersize=7,
            linestyle="none",
            color=plotting.COLORS["vermillion"],
            label="start (0, 0)",
            zorder=4,
        )
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel("weight w")
        ax.set_ylabel("bias b")
        ax.legend(loc="upper left", fontsize=8)
        gap_line = _gap_axis(ax_loss)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        std = bool(v["standardise"])
        lr_v = float(v["lr"])
        steps = int(v["steps"])
        fit = _fit(lr_v, std, MAX_ITERATIONS)
        path = fit["path"][: steps + 1]
        losses_ = fit["losses"][: steps + 1]
        theta_star = fit["theta_star"]
        H = fit["H"]
        top = 1.5 * (float(fit["losses"][0]) - fit["loss_star"])
        for line, level in zip(level_lines, quadratic_levels(top, n_levels)):
            pts = ellipse_points(H, theta_star, level)
            line.set_data(pts[:, 0], pts[:, 1])
        star.set_data([theta_star[0]], [theta_star[1]])
        path_line.set_data(path[:, 0], path[:, 1])
        centre = theta_star / 2.0
        half = 0.6 * float(np.max(np.abs(theta_star))) + 1.0
        ax.set_xlim(centre[0] - half, centre[0] + half)
        ax.set_ylim(centre[1] - half, centre[1] + half)
        _show_gaps(ax_loss, gap_line, losses_, fit["loss_star"], steps)
        lam = theory.eigenvalues(H)
        kappa = float(lam[-1] / lam[0])
        lr_stable = 2.0 / float(lam[-1])
        lr_opt = 2.0 / float(lam[0] + lam[-1])
        rate = float(np.max(np.abs(1.0 - lr_v * lam)))
        feature = "standardised x" if std else "raw x"
        verdict = "DIVERGES" if (rate >= 1.0 or fit["status"] == "diverged") else "converges"
        fixed_title(
            ax,
            f"L(w, b) for {feature}: κ(H) = {kappa:.3g}\n"
            f"η = {lr_v:.3g} {verdict} (stable below 2/λmax = {lr_stable:.3g})",
            fontsize=10,
        )
        fixed_title(ax_loss, f"loss gap on log axes: ρ = max|1 − ηλ| = {rate:.4f}", fontsize=10)
        return {
            "path": path,
            "losses": losses_,
            "theta_star": theta_star,
            "loss_star": fit["loss_star"],
            "status": fit["status"],
            "diverged": fit["status"] == "diverged" or rate >= 1.0,
            "kappa": kappa,
            "lr_stable": lr_stable,
            "lr_optimal": lr_opt,
            "rate": rate,
        }

    controls = {
        "lr": widgets.log_slider("step size η", lr, 1e-3, 1.5),
        "steps": widgets.int_slider("steps", n_steps, 1, MAX_ITERATIONS),
        "standardise": widgets.checkbox("standardise x (train statistics)", standardise),
    }
    return Explorer(
        fig,
        controls,
        update,
        static=static,
        caption="Equal scales on both axes: the contours show the true curvature.",
    )
