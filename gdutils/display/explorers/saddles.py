"""Explorer for saddle points (notebook 03): gradient descent escapes ``f(x, y) = x² − y²``, and
Newton's method walks into it.

:func:`saddle_explorer` starts at ``(x₀, y₀) = (1.5, y₀)`` with a small offset ``y₀`` along the
direction of negative curvature. Gradient descent multiplies ``x`` by ``1 − 2η`` and ``y`` by
``1 + 2η`` per step, so it first slides towards the saddle and lingers near it — a *plateau* of
the loss that lasts about ``ln(1/|y₀|) / ln(1 + 2η)`` steps — then escapes along ``y``. Newton's
method, ``x ← x − H⁻¹∇f``, solves the local quadratic model exactly and lands on the saddle in
one step. Three panels: the path on the contours; ``|x_k|`` and ``|y_k|`` on a log axis next to
the predictions ``(1 − 2η)ᵏ|x₀|`` and ``(1 + 2η)ᵏ|y₀|``; and the loss ``f(x_k, y_k)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gdutils import descent, functions
from gdutils.display import plotting, widgets
from gdutils.display.explorers._layers import LayeredFigure
from gdutils.display.explorers.landscapes import fast_log_axis
from gdutils.display.widgets import Explorer

__all__ = ["X0", "ESCAPE_RADIUS", "saddle_function", "escape_steps", "saddle_explorer"]

#: where every run starts along x
X0 = 1.5
#: a run has escaped when |y| reaches this
ESCAPE_RADIUS = 1.0
_STEPS = 60
_LIM = 2.0


def saddle_function() -> functions.TestFunction:
    """``f(x, y) = x² − y²`` (:func:`gdutils.functions.saddle`)."""
    return functions.saddle()


def escape_steps(y0: float, lr: float, radius: float = ESCAPE_RADIUS) -> int:
    """Steps gradient descent needs on ``x² − y²`` to bring ``|y|`` from ``|y₀|`` to ``radius``:
    the smallest ``k`` with ``(1 + 2η)ᵏ |y₀| >= radius`` (0 if ``|y₀| >= radius``)."""
    y0, lr = abs(float(y0)), float(lr)
    if not (y0 > 0 and lr > 0):
        raise ValueError("y0 must be non-zero and lr > 0: from y0 = 0 gradient descent never escapes")
    if y0 >= radius:
        return 0
    k = math.ceil(math.log(radius / y0) / math.log1p(2.0 * lr) - 1e-12)
    return int(k)


def saddle_explorer(
    *,
    y0: float = 1e-4,
    lr: float = 0.1,
    method: str = "gradient descent",
    static: bool | None = None,
) -> Explorer:
    """Gradient descent and Newton's method started near the saddle of ``x² − y²``.

    Controls: ``y0`` (log slider 1e-8…0.5, the offset along the escape direction), ``lr``
    (0.02…0.45) and ``method`` (gradient descent or Newton). ``state`` holds ``path``,
    ``losses``, ``escape_step`` (the first step with ``|y| >= 1``, or None), ``predicted_escape``
    (:func:`escape_steps`) and ``plateau_steps`` (steps with ``|f| < 0.05``).
    """
    fn = saddle_function()
    g = np.linspace(-_LIM, _LIM, 161)
    GX, GY = np.meshgrid(g, g)
    Z = GX**2 - GY**2
    k_axis = np.arange(_STEPS + 1)
    with plotting.style():
        fig = LayeredFigure(figsize=(12.0, 3.9))
        ax_c, ax_d, ax_l = fig.subplots(1, 3, width_ratios=(1.0, 1.15, 1.15))
        fig.subplots_adjust(left=0.05, right=0.985, bottom=0.15, top=0.84, wspace=0.3)
        cs = ax_c.contour(GX, GY, Z, levels=np.linspace(-3.5, 3.5, 15), cmap="RdBu_r", linewidths=0.8)
        ax_c.clabel(cs, fontsize=6, fmt="%.1f")
        ax_c.plot([0.0], [0.0], "kx", markersize=8, label="saddle (0, 0)")
        (path_line,) = ax_c.plot([], [], "o-", markersize=2.5, linewidth=1.0,
                                 color=plotting.COLORS["vermillion"], label="iterates")
        ax_c.set(xlim=(-_LIM, _LIM), ylim=(-_LIM, _LIM), aspect="equal")
        ax_c.set_xlabel(r"$x$ (curvature $+2$)")
        ax_c.set_ylabel(r"$y$ (curvature $-2$)")
        ax_c.legend(loc="lower left", fontsize=7)
        blue, orange = plotting.COLORS["blue"], plotting.COLORS["orange"]
        (dx,) = ax_d.plot([], [], "o", markersize=3, color=blue, label=r"$|x_k|$")
        (dy,) = ax_d.plot([], [], "s", markersize=3, color=orange, label=r"$|y_k|$")
        (tx,) = ax_d.plot([], [], "-", color=blue, linewidth=1.0, label=r"$(1-2\eta)^k|x_0|$")
        (ty,) = ax_d.plot([], [], "-", color=orange, linewidth=1.0, label=r"$(1+2\eta)^k|y_0|$")
        ax_d.axhline(ESCAPE_RADIUS, color="0.5", linestyle=":", linewidth=1.0)
        esc = ax_d.axvline(-10.0, color="0.3", linestyle="--", linewidth=1.0, label="predicted escape")
        fast_log_axis(ax_d)
        ax_d.set_xlim(0, _STEPS)
        ax_d.set_ylim(1e-12, 1e3)
        ax_d.set_xlabel(r"step $k$")
        ax_d.set_ylabel("distance from the saddle, per coordinate")
        ax_d.legend(loc="lower left", fontsize=7, ncol=2)
        (loss_line,) = ax_l.plot([], [], "o-", markersize=2.5, linewidth=1.0, color="0.25")
        ax_l.axhline(0.0, color="0.6", linestyle=":", linewidth=1.0)
        ax_l.set_xlim(0, _STEPS)
        ax_l.set_ylim(-3.0, X0**2 + 0.3)
        ax_l.set_xlabel(r"step $k$")
        ax_l.set_ylabel(r"$f(x_k, y_k)$")
        fig.add_dynamic(path_line, dx, dy, tx, ty, esc, loss_line, ax_c.title, ax_d.title, ax_l.title)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        y_start, eta, meth = float(v["y0"]), float(v["lr"]), str(v["method"])
        start = np.array([X0, y_start])
        if meth == "Newton":
            run = descent.newton(fn.grad, fn.hessian, start, _STEPS, f=fn,
                                 divergence_threshold=1e6, on_divergence="stop")
        else:
            run = descent.gradient_descent(fn.grad, start, eta, max_iter=_STEPS, tol=None, f=fn,
                                           divergence_threshold=1e6, on_divergence="stop")
        path = run.path
        k = np.arange(len(path))
        shown = np.all(np.abs(path) <= 3 * _LIM, axis=1)
        path_line.set_data(path[shown, 0], path[shown, 1])
        dx.set_data(k, np.maximum(np.abs(path[:, 0]), 1e-12))  # exact zeros on the bottom edge
        dy.set_data(k, np.maximum(np.abs(path[:, 1]), 1e-12))
        predicted = escape_steps(y_start, eta)
        if meth == "Newton":
            tx.set_data([], [])
            ty.set_data([], [])
            esc.set_xdata([-10.0, -10.0])
        else:
            tx.set_data(k_axis, X0 * np.abs(1.0 - 2.0 * eta) ** k_axis)
            ty.set_data(k_axis, y_start * (1.0 + 2.0 * eta) ** k_axis)
            esc.set_xdata([predicted, predicted])
        losses = np.asarray(run.losses)
        loss_line.set_data(k, losses)
        hit = np.flatnonzero(np.abs(path[:, 1]) >= ESCAPE_RADIUS)
        escape = int(hit[0]) if hit.size else None
        plateau = int(np.sum(np.abs(losses) < 0.05))
        if meth == "Newton":
            ax_c.set_title("Newton: one step lands ON the saddle", fontsize=10)
            ax_d.set_title("x and y both jump to 0: attracted, not repelled", fontsize=10)
            ax_l.set_title("f stays at the saddle value 0", fontsize=10)
        else:
            ax_c.set_title(f"gradient descent, η = {eta:.3g}, y₀ = {y_start:.1e}", fontsize=10)
            ax_d.set_title(f"escape (|y| ≥ 1) predicted at step {predicted}, measured "
                           f"{'-' if escape is None else escape}", fontsize=10)
            ax_l.set_title(f"a plateau near f = 0 for {plateau} steps, then descent", fontsize=10)
        return {"path": path, "losses": losses, "escape_step": escape,
                "predicted_escape": predicted, "plateau_steps": plateau, "method": meth}

    controls = {
        "y0": widgets.log_slider("y₀", float(y0), 1e-8, 0.5, steps_per_decade=10),
        "lr": widgets.slider("η", float(lr), 0.02, 0.45, 0.01),
        "method": widgets.toggle("method", ["gradient descent", "Newton"], method),
    }
    return Explorer(fig, controls, update, static=static,
                    caption="The smaller the offset y₀, the longer the plateau: about "
                            "ln(1/|y₀|)/ln(1 + 2η) steps. Newton's step goes to the saddle instead.")
