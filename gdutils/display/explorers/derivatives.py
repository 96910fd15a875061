"""Explorers for derivatives and difference quotients (notebook 01).

* :func:`tangent_explorer` — the tangent line at a point that follows a slider, with the forward
  and centred secants of width ``h`` that approximate it;
* :func:`error_explorer` — the error of forward and centred differences against the step ``h`` on
  log–log axes (the V shape), in float64 or float32, with the measured best step beside the
  theory's ``√ε`` and ``∛ε``.

Both run on :mod:`gdutils.gradcheck` and :mod:`gdutils.functions`, never on the learner's code::

    from gdutils.display.explorers import derivatives
    derivatives.error_explorer()           # display it in a notebook
    ex = derivatives.error_explorer(); ex.set(precision="float32"); ex.state["best_h_centred"]

Each figure is built once (``_tangent_figure``, ``_error_figure``) as a
:class:`~gdutils.display.explorers._layers.LayeredFigure`: the curve, axes and legend are its
static layer (re-rendered when the function changes), the lines that follow the sliders its
dynamic layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gdutils import functions, gradcheck
from gdutils.display import plotting, widgets
from gdutils.display.explorers._axes import few_ticks, fixed_title, legend_outside, plain_log_ticks
from gdutils.display.explorers._layers import LayeredFigure
from gdutils.display.explorers._window import follow_window
from gdutils.display.widgets import Explorer

__all__ = ["tangent_explorer", "error_explorer", "TANGENT_FUNCTIONS", "ERROR_FUNCTIONS"]

#: The functions of the tangent explorer: name -> factory of a Function1D.
TANGENT_FUNCTIONS: dict[str, Callable[[], functions.Function1D]] = {
    "square": functions.square,
    "double well": functions.double_well,
    "cosine bump": functions.cosine_bump,
}
_TANGENT_STARTS = {"square": 3.0, "double well": 0.5, "cosine bump": 1.0}


def _cube(z: Any) -> Any:
    return z * z * z - 2 * z


def _dcube(z: Any) -> Any:
    return 3 * z * z - 2


#: The functions of the error explorer: name -> (f, f'). Each f computes in the dtype it is
#: given (float32 in, float32 out), so the float32 curves really are float32 arithmetic.
ERROR_FUNCTIONS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "sin x": (np.sin, np.cos),
    "exp x": (np.exp, np.exp),
    "x³ − 2x": (_cube, _dcube),
}

#: Steps of the V plot: 8 per decade from 1e-16 to 1.
STEPS = np.logspace(-16.0, 0.0, 129)
#: Points near x whose median error is the "typical" error (round-off is jagged at one point).
N_POINTS = 101
SPREAD = 0.1


def _window(fn: functions.Function1D) -> tuple[float, float, float]:
    lo, hi = fn.xlim
    return lo, hi, (hi - lo) / 200


# --------------------------------------------------------------------------------------------
# The tangent line


@dataclass
class _TangentFigure:
    fig: LayeredFigure
    ax: Any
    curve: Any
    tangent: Any
    forward: Any
    centred: Any
    probes: Any
    point: Any
    title: Any
    readout: Any


def _tangent_figure() -> _TangentFigure:
    c = plotting.COLORS
    with plotting.style():
        fig = LayeredFigure(figsize=(8.6, 4.0))
        fig.subplots_adjust(left=0.08, right=0.66, bottom=0.13, top=0.88)
        ax = fig.add_subplot()
        (curve,) = ax.plot([], [], color=c["blue"], label="$f(x)$")
        (tangent,) = ax.plot([], [], color=c["black"], linewidth=1.4, label="tangent, slope $f'(x)$")
        (fwd,) = ax.plot([], [], color=c["vermillion"], linestyle="--", linewidth=1.3,
                         label="forward secant")
        (cen,) = ax.plot([], [], color=c["green"], linestyle="-.", linewidth=1.3,
                         label="centred secant")
        (probes,) = ax.plot([], [], "o", color=c["vermillion"], markersize=5,
                            label="$f(x-h)$, $f(x+h)$")
        (point,) = ax.plot([], [], "o", color=c["black"], markersize=7, label="$(x, f(x))$")
        ax.set_xlabel("$x$")
        ax.set_ylabel("$f(x)$")
        few_ticks(ax)
        legend_outside(ax, side="right")
        title = fixed_title(ax, "", fontsize=10)
        # the three quotients, in the room under the legend
        readout = fig.text(0.685, 0.40, "", fontsize=9, va="top", family="DejaVu Sans Mono")
        fig.add_dynamic(tangent, fwd, cen, probes, point, title, readout)
    return _TangentFigure(fig, ax, curve, tangent, fwd, cen, probes, point, title, readout)


def _draw_function(f: _TangentFigure, name: str, fn: functions.Function1D, xs: np.ndarray,
                   ys: np.ndarray) -> None:
    """The static layer: the curve and the function's window (one per function)."""
    f.fig.static_key = name
    f.curve.set_data(xs, ys)
    ymin, ymax = float(ys.min()), float(ys.max())
    pad = 0.12 * (ymax - ymin)
    f.ax.set_xlim(*fn.xlim)
    f.ax.set_ylim(ymin - pad, ymax + pad)


def _draw_secants(f: _TangentFigure, fn: functions.Function1D, x: float, h: float) -> dict[str, Any]:
    """The tangent, both secants and the probe points; returns the numbers drawn."""
    fx, slope = float(fn.f(x)), float(fn.df(x))
    fwd = gradcheck.forward_difference(fn.f, x, h)
    cen = gradcheck.centred_difference(fn.f, x, h)
    ends = np.array(fn.xlim, dtype=np.float64)
    f.tangent.set_data(ends, fx + slope * (ends - x))
    f.forward.set_data(ends, fx + fwd * (ends - x))
    fm, fp = float(fn.f(x - h)), float(fn.f(x + h))
    # the centred secant joins (x − h, f(x − h)) and (x + h, f(x + h))
    f.centred.set_data(ends, fp + cen * (ends - (x + h)))
    f.probes.set_data([x - h, x + h], [fm, fp])
    f.point.set_data([x], [fx])
    return {"fx": fx, "slope": slope, "forward": fwd, "centred": cen,
            "forward_error": abs(fwd - slope), "centred_error": abs(cen - slope),
            "tangent": np.column_stack([ends, fx + slope * (ends - x)])}


def tangent_explorer(function: str = "double well", x: float | None = None, h: float = 0.2) -> Explorer:
    """The tangent at ``x`` and the forward and centred secants of width ``h``.

    Controls: the function (square, double well, cosine bump), the point ``x`` (its range follows
    the function) and the step ``h`` (log slider from 0.001 to 2). The exact slope ``f'(x)`` and
    both difference quotients with their errors are printed beside the plot: shrink ``h`` and
    watch the secants turn into the tangent, the centred one much sooner.

    ``state`` holds ``function, x, h, fx, slope, forward, centred, forward_error,
    centred_error`` and the drawn ``tangent`` line (two points).
    """
    if function not in TANGENT_FUNCTIONS:
        raise ValueError(f"function must be one of {sorted(TANGENT_FUNCTIONS)}, got {function!r}")
    fns = {name: make() for name, make in TANGENT_FUNCTIONS.items()}
    windows = {name: _window(fn) for name, fn in fns.items()}
    lo, hi, _ = windows[function]
    x0 = _TANGENT_STARTS[function] if x is None else float(x)
    if not lo <= x0 <= hi:
        raise ValueError(f"x must lie in the function's window [{lo}, {hi}], got {x0}")

    picker = widgets.dropdown("function", list(fns), value=function)
    x_slider = widgets.slider("x", x0, lo, hi, windows[function][2], readout_format=".2f")
    follow_window(picker, x_slider, windows, _TANGENT_STARTS)
    controls = {"function": picker, "x": x_slider, "h": widgets.log_slider("h", h, 1e-3, 2.0)}

    grids = {name: np.linspace(*fn.xlim, 400) for name, fn in fns.items()}
    curves = {name: fns[name].f(grids[name]) for name in fns}
    f = _tangent_figure()

    def update(v: dict[str, Any]) -> dict[str, Any]:
        name, xv, hv = v["function"], float(v["x"]), float(v["h"])
        fn = fns[name]
        _draw_function(f, name, fn, grids[name], curves[name])
        drawn = _draw_secants(f, fn, xv, hv)
        f.title.set_text(f"{name}: the slope at x = {xv:.2f}")
        f.readout.set_text(
            f"f′(x)    = {drawn['slope']:+.4f}\n"
            f"h = {hv:.3g}\n"
            f"forward  = {drawn['forward']:+.4f}\n"
            f"  error    {drawn['forward_error']:.1e}\n"
            f"centred  = {drawn['centred']:+.4f}\n"
            f"  error    {drawn['centred_error']:.1e}"
        )
        return {"function": name, "x": xv, "h": hv, **drawn}

    return Explorer(f.fig, controls, update,
                    caption="Drag x to move the point; shrink h to see both secants approach the tangent.")


# --------------------------------------------------------------------------------------------
# The V shape


def _typical_errors(name: str, x: float, method: str, precision: str, median: bool) -> np.ndarray:
    f, df = ERROR_FUNCTIONS[name]
    if not median:
        return gradcheck.difference_errors(f, df, x, STEPS, method, precision)
    pts = np.linspace(x - SPREAD, x + SPREAD, N_POINTS)
    return np.median(gradcheck.difference_errors(f, df, pts, STEPS, method, precision), axis=1)


def _best(errors: np.ndarray) -> tuple[float, float]:
    i = int(np.argmin(errors))
    return float(STEPS[i]), float(errors[i])


@dataclass
class _ErrorFigure:
    fig: LayeredFigure
    ax: Any
    forward: Any
    centred: Any
    forward_theory: Any
    centred_theory: Any
    best: Any
    title: Any


def _error_figure() -> _ErrorFigure:
    c = plotting.COLORS
    with plotting.style():
        fig = LayeredFigure(figsize=(8.6, 4.3))
        fig.subplots_adjust(left=0.1, right=0.68, bottom=0.12, top=0.86)
        ax = fig.add_subplot()
        (fwd,) = ax.plot([], [], marker="o", markersize=2.5, color=c["blue"],
                         label="forward difference")
        (cen,) = ax.plot([], [], marker="o", markersize=2.5, color=c["vermillion"],
                         label="centred difference")
        fwd_theory = ax.axvline(1e-8, color=c["blue"], linestyle=":", linewidth=1.5,
                                label=r"theory: $h = \sqrt{\varepsilon}$")
        cen_theory = ax.axvline(1e-5, color=c["vermillion"], linestyle=":", linewidth=1.5,
                                label=r"theory: $h = \sqrt[3]{\varepsilon}$")
        (best,) = ax.plot([], [], "*", color=c["black"], markersize=12, label="measured best $h$")
        ax.set_xscale("log")
        ax.set_yscale("log")
        plain_log_ticks(ax.xaxis)
        plain_log_ticks(ax.yaxis, numticks=7)
        ax.set_xlim(STEPS[0] / 2, STEPS[-1] * 2)
        ax.set_ylim(1e-16, 30.0)
        ax.set_xlabel("step size $h$")
        ax.set_ylabel(r"absolute error $|\,\mathrm{estimate} - f'(x)\,|$")
        legend_outside(ax, side="right")
        title = fixed_title(ax, "", fontsize=10)
        fig.add_dynamic(fwd, cen, fwd_theory, cen_theory, best, title)
    return _ErrorFigure(fig, ax, fwd, cen, fwd_theory, cen_theory, best, title)


def _shown(e: np.ndarray) -> np.ndarray:
    return np.where(e > 0, e, np.nan)  # an exact 0 cannot be drawn on a log axis


def error_explorer(function: str = "sin x", x: float = 1.0, precision: str = "float64",
                   median: bool = True) -> Explorer:
    """Error of forward and centred differences against ``h`` on log–log axes: the V.

    Controls: the function (sin, exp, a cubic), the point ``x`` in [−2, 2], the precision
    (float64 or float32) and whether to show the median error over 101 points within ±0.1 of
    ``x`` (smooth: the typical error) or the error at ``x`` alone (jagged: round-off is
    pseudo-random). Dotted verticals mark the theory's best steps ``√ε`` (forward) and ``∛ε``
    (centred) of the chosen precision; stars mark the measured best steps.

    ``state`` holds ``hs, forward, centred`` (the plotted errors), ``best_h_forward``,
    ``best_h_centred``, ``min_error_forward``, ``min_error_centred``, ``theory_forward``,
    ``theory_centred``, ``eps`` and the control values.
    """
    if function not in ERROR_FUNCTIONS:
        raise ValueError(f"function must be one of {sorted(ERROR_FUNCTIONS)}, got {function!r}")
    controls = {
        "function": widgets.dropdown("function", list(ERROR_FUNCTIONS), value=function),
        "x": widgets.slider("x", float(x), -2.0, 2.0, 0.05, readout_format=".2f"),
        "precision": widgets.toggle("precision", ["float64", "float32"], value=precision),
        "median": widgets.checkbox(f"median over {N_POINTS} points near x", value=median),
    }
    f = _error_figure()

    def update(v: dict[str, Any]) -> dict[str, Any]:
        name, xv, prec, med = v["function"], float(v["x"]), v["precision"], bool(v["median"])
        fwd = _typical_errors(name, xv, "forward", prec, med)
        cen = _typical_errors(name, xv, "centred", prec, med)
        f.forward.set_data(STEPS, _shown(fwd))
        f.centred.set_data(STEPS, _shown(cen))
        th_f = gradcheck.optimal_step("forward", prec)
        th_c = gradcheck.optimal_step("centred", prec)
        f.forward_theory.set_xdata([th_f, th_f])
        f.centred_theory.set_xdata([th_c, th_c])
        (hf, ef), (hc, ec) = _best(fwd), _best(cen)
        f.best.set_data([hf, hc], [max(ef, 1e-16), max(ec, 1e-16)])
        where = f"median over x ± {SPREAD:g}" if med else "at x only"
        f.title.set_text(
            f"{name} at x = {xv:.2f} in {prec} ({where})\n"
            f"best h: forward {hf:.1e} (theory {th_f:.1e}), centred {hc:.1e} (theory {th_c:.1e})"
        )
        return {
            "function": name, "x": xv, "precision": prec, "median": med,
            "hs": STEPS.copy(), "forward": fwd, "centred": cen,
            "best_h_forward": hf, "best_h_centred": hc,
            "min_error_forward": ef, "min_error_centred": ec,
            "theory_forward": th_f, "theory_centred": th_c,
            "eps": float(np.finfo(prec).eps),
        }

    return Explorer(f.fig, controls, update,
                    caption="Right of the V, truncation error (slopes 1 and 2); left of it, "
                            "round-off (slope −1). Try float32.")
