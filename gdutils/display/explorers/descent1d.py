"""Explorers for gradient descent in one dimension (notebook 02).

* :func:`descent_explorer` — the iterates of ``x ← x − η f'(x)`` on the curve, for a learning
  rate on a log slider, a start and a number of steps, with ``f(x_k) − f*`` on log axes beside;
* :func:`step_explorer` — the same, one step per button press (plus "10 steps" and "reset"),
  showing the tangent at the current point and where the next step lands.

Both offer a function picker: ``x²``, the double well ``x⁴ − 3x² + x`` (two minima: the start
decides which one you reach) and the cosine bump. They run on :func:`gdutils.descent.gradient_descent_1d`,
never on the learner's code, and report divergence instead of drawing NaN::

    from gdutils.display.explorers import descent1d
    ex = descent1d.descent_explorer()
    ex.set(lr=1.1); ex.state["status"]        # 'diverged'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.ticker import MaxNLocator

from gdutils import descent, functions, theory
from gdutils.display import plotting, widgets
from gdutils.display.explorers._axes import (
    decade_limits,
    few_ticks,
    fixed_title,
    legend_outside,
    nice_limits,
    nice_number,
    plain_log_ticks,
)
from gdutils.display.explorers._layers import LayeredFigure
from gdutils.display.explorers._window import follow_window
from gdutils.display.widgets import Explorer

__all__ = ["descent_explorer", "step_explorer", "FUNCTIONS", "DIVERGENCE_THRESHOLD"]

#: The functions on offer: name -> factory of a Function1D.
FUNCTIONS: dict[str, Callable[[], functions.Function1D]] = {
    "square": functions.square,
    "double well": functions.double_well,
    "cosine bump": functions.cosine_bump,
}
#: (low, high, step) of the start slider for each function.
_WINDOWS = {"square": (-10.0, 10.0, 0.1), "double well": (-2.5, 2.5, 0.05),
            "cosine bump": (-4.5, 4.5, 0.05)}
_STARTS = {"square": 10.0, "double well": 2.0, "cosine bump": 3.5}
#: |x| beyond this counts as divergence (the explorers stop and say so).
DIVERGENCE_THRESHOLD = 1e6
# how far beyond the function's window the view may widen to follow a wild iterate
_MAX_ZOOM_OUT = 3.0


def _check_function(function: str) -> None:
    if function not in FUNCTIONS:
        raise ValueError(f"function must be one of {sorted(FUNCTIONS)}, got {function!r}")


def _start_slider(function: str, x0: float | None) -> Any:
    lo, hi, step = _WINDOWS[function]
    start = _STARTS[function] if x0 is None else float(x0)
    if not lo <= start <= hi:
        raise ValueError(f"x0 must lie in [{lo}, {hi}] for {function}, got {start}")
    return widgets.slider("x₀", start, lo, hi, step, readout_format=".2f")


def _view(fn: functions.Function1D, path: np.ndarray) -> tuple[float, float]:
    """The function's window, widened (up to a limit, in steps) to show every iterate."""
    lo, hi = fn.xlim
    half = 0.5 * (hi - lo)
    mid = 0.5 * (hi + lo)
    reach = float(np.max(np.abs(path - mid))) if path.size else 0.0
    if reach <= half:
        return lo, hi
    # widen in 1-2-5 steps: the view (and the static layer) stays put while a wild run grows
    half = min(nice_number(1.05 * reach), _MAX_ZOOM_OUT * half)
    return mid - half, mid + half


def _nearest_minimum(fn: functions.Function1D, x: float) -> float:
    mins = np.asarray(fn.minima)
    return float(mins[np.argmin(np.abs(mins - x))])


def _regime_text(fn: functions.Function1D, name: str, lr: float, x_end: float) -> tuple[str, str]:
    """The regime of GD near the minimum the run is heading for, and a sentence about it."""
    x_star = _nearest_minimum(fn, x_end)
    c = float(fn.d2f(x_star))
    regime = theory.gd_regime(lr, c)
    if name == "square":
        return regime, f"factor 1 − 2η = {1 - 2 * lr:.3g}: {regime}"
    return regime, f"near x* = {x_star:.2f}: f″ = {c:.3g}, 1 − ηf″ = {1 - lr * c:.3g}: {regime}"


@dataclass
class _CurveArtists:
    """The curve panel shared by both explorers: the function (static), the path (dynamic)."""

    ax: Any
    curve: Any
    minima: Any
    path: Any
    start: Any


def _curve_artists(ax: Any) -> _CurveArtists:
    c = plotting.COLORS
    (curve,) = ax.plot([], [], color=c["blue"], label="$f(x)$")
    (minima,) = ax.plot([], [], "*", color=c["black"], markersize=12, linestyle="none",
                        label="minima")
    (path,) = ax.plot([], [], marker="o", markersize=4, linewidth=1.0, color=c["vermillion"],
                      label="iterates $x_k$", zorder=3)
    (start,) = ax.plot([], [], "s", color=c["green"], markersize=7, label="start $x_0$", zorder=4)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$f(x)$")
    few_ticks(ax)
    return _CurveArtists(ax, curve, minima, path, start)


def _draw_curve(art: _CurveArtists, name: str, fn: functions.Function1D, path: np.ndarray,
                also_show: np.ndarray | None = None) -> None:
    """The curve, its minima and the path; ``also_show`` widens the view without drawing.

    The curve and the minima belong to the static layer, keyed by the function and the view.
    """
    lo, hi = _view(fn, path if also_show is None else np.append(path, also_show))
    art.ax.figure.static_key = name
    xs = np.linspace(lo, hi, 400)
    ys = fn.f(xs)
    art.curve.set_data(xs, ys)
    mins = np.asarray(fn.minima)
    art.minima.set_data(mins, fn.f(mins))
    art.ax.set_xlim(lo, hi)
    art.ax.set_ylim(*nice_limits(float(ys.min()), float(ys.max()), pad=0.08))
    shown = (path >= lo) & (path <= hi)
    art.path.set_data(np.where(shown, path, np.nan), np.where(shown, fn.f(path), np.nan))
    art.start.set_data(path[:1], fn.f(path[:1]))


# --------------------------------------------------------------------------------------------
# A whole run


@dataclass
class _RunFigure:
    fig: LayeredFigure
    curve: _CurveArtists
    ax_gap: Any
    gap: Any
    title: Any
    headline: Any


def _run_figure() -> _RunFigure:
    c = plotting.COLORS
    with plotting.style():
        fig = LayeredFigure(figsize=(10.0, 4.4))
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.27, top=0.8, wspace=0.25)
        ax, ax_gap = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.35, 1.0]})
        art = _curve_artists(ax)
        legend_outside(ax, side="below", ncols=4, bbox_to_anchor=(0.5, -0.17))
        (gap,) = ax_gap.plot([], [], marker="o", markersize=3, color=c["vermillion"])
        ax_gap.set_yscale("log")
        plain_log_ticks(ax_gap.yaxis, numticks=7)
        ax_gap.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax_gap.set_xlabel("step $k$")
        ax_gap.set_ylabel("$f(x_k) - f^*$")
        fixed_title(ax_gap, "distance to the lowest value")
        title = fixed_title(ax, "")
        headline = fig.suptitle("", fontsize=11)
        fig.add_dynamic(art.path, art.start, gap, title, headline)
    return _RunFigure(fig, art, ax_gap, gap, title, headline)


def _draw_gaps(f: _RunFigure, losses: np.ndarray, f_min: float, n: int) -> None:
    gap = np.maximum(losses - f_min, 1e-16)  # log axis: floor exact zeros
    f.gap.set_data(np.arange(gap.size), gap)
    f.ax_gap.set_xlim(-0.5, nice_number(max(n, 1)) + 0.5)
    f.ax_gap.set_ylim(*decade_limits(gap, low=1e-17))


def descent_explorer(function: str = "square", lr: float = 0.2, x0: float | None = None,
                     n_steps: int = 10) -> Explorer:
    """The iterates of gradient descent on the curve, and the gap ``f(x_k) − f*`` per step.

    Controls: the function, the learning rate ``η`` (log slider, 0.001 to 2), the start ``x₀``
    (its range follows the function) and the number of steps (1 to 100). The title reports how
    the run ended (within the step budget, or diverged: ``|x|`` beyond 1e6) and the regime near
    the minimum it is heading for (:func:`gdutils.theory.gd_regime`). With the defaults it is
    the course's first example: ``x²`` from 10 with ``η = 0.2`` for ten steps.

    ``state`` holds ``function, lr, x0, n_steps, path`` (iterates including ``x₀``),
    ``losses``, ``status``, ``x_final``, ``regime`` and ``message``.
    """
    _check_function(function)
    fns = {name: make() for name, make in FUNCTIONS.items()}
    picker = widgets.dropdown("function", list(fns), value=function)
    start = _start_slider(function, x0)
    follow_window(picker, start, _WINDOWS, _STARTS)
    controls = {
        "function": picker,
        "lr": widgets.log_slider("η", lr, 1e-3, 2.0),
        "x0": start,
        "n_steps": widgets.int_slider("steps", int(n_steps), 1, 100),
    }
    f = _run_figure()

    def update(v: dict[str, Any]) -> dict[str, Any]:
        name, eta, x_start, n = v["function"], float(v["lr"]), float(v["x0"]), int(v["n_steps"])
        fn = fns[name]
        res = descent.gradient_descent_1d(fn.df, x_start, eta, n, f=fn.f, on_divergence="stop",
                                          divergence_threshold=DIVERGENCE_THRESHOLD)
        path = np.array(res.path)
        _draw_curve(f.curve, name, fn, path)
        _draw_gaps(f, np.array(res.losses), fn.f_min, n)
        regime, regime_text = _regime_text(fn, name, eta, float(path[-1]))
        if res.diverged:
            ending = f"diverged at step {res.n_iter}: |x| = {abs(path[-1]):.2g} > {DIVERGENCE_THRESHOLD:.0e}"
        else:
            ending = f"after {res.n_iter} steps x = {path[-1]:.6g}, f′(x) = {float(fn.df(path[-1])):.2g}"
        f.title.set_text(f"{name}: η = {eta:.3g}, x₀ = {x_start:.2f}")
        f.headline.set_text(f"{ending}\n{regime_text}")
        return {
            "function": name, "lr": eta, "x0": x_start, "n_steps": n,
            "path": path, "losses": np.array(res.losses), "status": res.status,
            "x_final": float(path[-1]), "regime": regime, "message": res.message,
        }

    return Explorer(f.fig, controls, update,
                    caption="Try η = 0.05, 0.2, 0.75, 1.0 and 1.1 on x²; on the double well, "
                            "move the start across the hump near x = 0.17.")


# --------------------------------------------------------------------------------------------
# One step at a time


@dataclass
class _StepFigure:
    fig: LayeredFigure
    curve: _CurveArtists
    tangent: Any
    arrow: Any
    landing: Any
    title: Any


def _step_figure() -> _StepFigure:
    c = plotting.COLORS
    with plotting.style():
        fig = LayeredFigure(figsize=(8.8, 4.2))
        fig.subplots_adjust(left=0.09, right=0.7, bottom=0.12, top=0.84)
        ax = fig.add_subplot()
        art = _curve_artists(ax)
        (tangent,) = ax.plot([], [], color=c["black"], linewidth=1.2, label="tangent at $x_k$")
        (arrow,) = ax.plot([], [], color=c["purple"], linestyle="--", linewidth=1.4,
                           label=r"next step $-\eta\, f'(x_k)$")
        (landing,) = ax.plot([], [], "v", color=c["purple"], markersize=7, label="$x_{k+1}$")
        legend_outside(ax, side="right")
        title = fixed_title(ax, "", fontsize=10)
        fig.add_dynamic(art.path, art.start, tangent, arrow, landing, title)
    return _StepFigure(fig, art, tangent, arrow, landing, title)


def _draw_step(f: _StepFigure, fn: functions.Function1D, x: float, slope: float, nxt: float) -> None:
    lo, hi = f.curve.ax.get_xlim()
    half = 0.18 * (hi - lo)
    fx = float(fn.f(x))
    f.tangent.set_data([x - half, x + half], [fx - slope * half, fx + slope * half])
    f.arrow.set_data([x, nxt], [fx, fx])
    f.landing.set_data([nxt], [fx])


def step_explorer(function: str = "square", lr: float = 0.2, x0: float | None = None) -> Explorer:
    """Gradient descent one step per button press.

    Controls: the function, ``η`` (log slider; changing it mid-run continues from the current
    point with the new step size) and the start ``x₀`` (changing it, or the function, starts
    over). Buttons: "step", "10 steps", "reset". The plot shows the path so far, the tangent at
    the current point (its slope is ``f'(x)``) and an arrow to where the next step
    ``x − η f'(x)`` lands. A step that would take ``|x|`` beyond 1e6 is refused and reported.

    ``state`` holds ``path`` (every iterate so far, starting with ``x₀``), ``k`` (steps taken),
    ``x``, ``slope``, ``next_x``, ``status`` ("running" or "diverged") and the control values.
    """
    _check_function(function)
    fns = {name: make() for name, make in FUNCTIONS.items()}
    picker = widgets.dropdown("function", list(fns), value=function)
    start = _start_slider(function, x0)
    follow_window(picker, start, _WINDOWS, _STARTS)
    controls = {"function": picker, "lr": widgets.log_slider("η", lr, 1e-3, 2.0), "x0": start}
    f = _step_figure()

    def restart(ex: Explorer) -> None:
        ex.memory["path"] = [float(ex.values["x0"])]
        ex.memory["status"] = "running"
        ex.memory["key"] = (ex.values["function"], float(ex.values["x0"]))

    def steps(ex: Explorer, count: int) -> None:
        if ex.memory.get("status") == "diverged":
            return
        fn = fns[ex.values["function"]]
        x = ex.memory["path"][-1]
        res = descent.gradient_descent_1d(fn.df, x, float(ex.values["lr"]), count,
                                          on_divergence="stop",
                                          divergence_threshold=DIVERGENCE_THRESHOLD)
        new = [float(p) for p in res.path[1:]]
        if res.diverged:
            new = new[:-1]  # the point beyond the threshold is reported, not drawn
            ex.memory["status"] = "diverged"
        ex.memory["path"].extend(new)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        memory = explorer_memory[0]
        key = (v["function"], float(v["x0"]))
        if memory.get("key") != key:
            memory.update(path=[key[1]], status="running", key=key)
        name, eta = v["function"], float(v["lr"])
        fn = fns[name]
        path = np.array(memory["path"])
        x = float(path[-1])
        slope = float(fn.df(x))
        nxt = x - eta * slope
        _draw_curve(f.curve, name, fn, path,
                    np.array([nxt]) if abs(nxt) < DIVERGENCE_THRESHOLD else None)
        _draw_step(f, fn, x, slope, nxt)
        k = path.size - 1
        if memory["status"] == "diverged":
            f.title.set_text(f"{name}, η = {eta:.3g}: diverged after step {k}\n(the next step "
                             f"would leave |x| > {DIVERGENCE_THRESHOLD:.0e}): lower η, press reset")
        else:
            f.title.set_text(f"{name}, η = {eta:.3g}: step {k}, x = {x:.6g}, f′(x) = {slope:.4g}\n"
                             f"next: x − η f′(x) = {x:.4g} − {eta:.3g}·({slope:.4g}) = {nxt:.6g}")
        return {"function": name, "lr": eta, "x0": key[1], "path": path, "k": k, "x": x,
                "slope": slope, "next_x": nxt, "status": memory["status"]}

    # update() runs once inside Explorer(...) before the explorer exists: give it a memory now
    # and hand the explorer the same dict afterwards.
    explorer_memory: list[dict[str, Any]] = [{}]
    ex = Explorer(f.fig, controls, update,
                  actions={"step": lambda e: steps(e, 1), "10 steps": lambda e: steps(e, 10),
                           "reset": restart},
                  caption="Press step; change η mid-run; a new start or function starts over.")
    ex.memory = explorer_memory[0]
    return ex
