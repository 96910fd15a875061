"""Explorers for adaptive optimisers (notebook 11): an optimiser race, and per-coordinate
effective learning rates on a rotated bowl.

Two factories, each returning a :class:`gdutils.widgets.Explorer`:

* :func:`race_explorer` — gradient descent, momentum, Adagrad, RMSprop and Adam race on
  Rosenbrock, Beale or a rotated quadratic (drop-down), each with its own learning-rate log
  slider (they jump to values tuned for the function when it changes); trajectories on the
  contours next to ``f(x_k) − f*`` on a log axis.
* :func:`effective_lr_explorer` — one optimiser on the bowl ``½ xᵀAx`` with eigenvalues
  :data:`ROTATION_EIGENVALUES` rotated by an angle (slider): the trajectory, and the
  per-coordinate effective learning rate (the factor that multiplies the gradient, e.g.
  ``lr/(√v̂ + ε)`` for Adam) against the step. Turning the bowl changes what Adam does; it
  changes nothing for gradient descent but the picture's orientation.

Helpers used by the notebook and the tests: :func:`make_optimizer`, :func:`race`,
:func:`effective_lr_history`, :func:`rotated_bowl`, :func:`steps_to_tolerance`,
:func:`rotation_sweep`.

Everything runs on :mod:`gdutils.optim` (torch's rules) and :mod:`gdutils.descent`, never on a
learner's answers.
"""

from __future__ import annotations

import functools
import math
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from numpy.typing import ArrayLike

from gdutils import descent, functions, optim
from gdutils.display import plotting, widgets
from gdutils.display.explorers._axes import (
    ellipse_points,
    fast_log_axis,
    fixed_title,
    quadratic_levels,
)
from gdutils.display.explorers._layers import LayeredFigure
from gdutils.display.widgets import Explorer

__all__ = [
    "OPTIMISERS",
    "RACE_FUNCTIONS",
    "ROTATION_EIGENVALUES",
    "ROTATION_START",
    "make_optimizer",
    "race_function",
    "race",
    "race_explorer",
    "rotated_bowl",
    "rotated_start",
    "effective_lr_history",
    "steps_to_tolerance",
    "rotation_sweep",
    "effective_lr_explorer",
]

#: the racers, in drawing order: name → description
OPTIMISERS: dict[str, str] = {
    "GD": "SGD(lr)",
    "momentum": "SGD(lr, momentum=0.9)",
    "Adagrad": "Adagrad(lr)",
    "RMSprop": "RMSprop(lr)",
    "Adam": "Adam(lr)",
}

#: the race courses: the function, its start, window, step budget and learning rates tuned by
#: hand for each optimiser (good, not optimal: the sliders are there to beat them)
RACE_FUNCTIONS: dict[str, dict[str, Any]] = {
    "Rosenbrock": {
        "make": functions.rosenbrock,
        "start": (-1.2, 1.0),
        "xlim": (-2.0, 2.0),
        "ylim": (-1.0, 3.0),
        "steps": 600,
        "lrs": {"GD": 2e-3, "momentum": 2e-3, "Adagrad": 0.5, "RMSprop": 0.01, "Adam": 0.1},
    },
    "Beale": {
        "make": functions.beale,
        "start": (1.0, 1.5),
        "xlim": (-1.0, 4.5),
        "ylim": (-1.5, 2.5),
        "steps": 600,
        "lrs": {"GD": 0.01, "momentum": 2e-3, "Adagrad": 0.5, "RMSprop": 0.01, "Adam": 0.1},
    },
    "rotated quadratic": {
        "make": lambda: functions.quadratic_bowl((0.5, 25.0), angle=math.radians(30.0)),
        "start": (-2.5, 2.0),
        "xlim": (-3.0, 3.0),
        "ylim": (-3.0, 3.0),
        "steps": 300,
        "lrs": {"GD": 0.07, "momentum": 0.03, "Adagrad": 0.5, "RMSprop": 0.03, "Adam": 0.1},
    },
}

#: the bowl of :func:`effective_lr_explorer` and :func:`rotation_sweep` (κ = 25)
ROTATION_EIGENVALUES = (1.0, 25.0)
#: its start before rotation (the start turns with the bowl, so GD's run is the same run turned)
ROTATION_START = (2.0, 1.0)

# beyond this distance a trajectory has left every window
_DRAW_LIMIT = 1e6
_FLOOR = 1e-16


def make_optimizer(name: str, lr: float) -> Callable[[list[np.ndarray]], optim.Optimizer]:
    """A factory ``params → optimiser`` for one of :data:`OPTIMISERS`, torch's defaults
    otherwise (momentum uses β = 0.9)."""
    if name not in OPTIMISERS:
        raise ValueError(f"optimiser must be one of {list(OPTIMISERS)}, got {name!r}")
    lr = float(lr)
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    makers: dict[str, Callable[[list[np.ndarray]], optim.Optimizer]] = {
        "GD": lambda p: optim.SGD(p, lr=lr),
        "momentum": lambda p: optim.SGD(p, lr=lr, momentum=0.9),
        "Adagrad": lambda p: optim.Adagrad(p, lr=lr),
        "RMSprop": lambda p: optim.RMSprop(p, lr=lr),
        "Adam": lambda p: optim.Adam(p, lr=lr),
    }
    return makers[name]


@functools.lru_cache(maxsize=8)
def race_function(name: str) -> functions.TestFunction:
    """The test function of the race course ``name`` (one of :data:`RACE_FUNCTIONS`)."""
    if name not in RACE_FUNCTIONS:
        raise ValueError(f"function must be one of {list(RACE_FUNCTIONS)}, got {name!r}")
    return RACE_FUNCTIONS[name]["make"]()


class _Trajectory:
    """One optimiser's run that can be extended: a slider that only adds steps (or a later
    redraw that shows fewer) reuses the steps already taken instead of starting again.

    The iterates are identical to a fresh run of any length: the same rule, the same
    arithmetic, in the same order. A run stops at the first iterate beyond the drawing limit;
    with ``keep_bad`` that iterate is stored (:func:`effective_lr_history`'s convention),
    without it the run ends at the last good one (the race's).
    """

    def __init__(self, optimiser: str, lr: float, grad: Callable[[np.ndarray], np.ndarray],
                 x0: ArrayLike, *, keep_bad: bool, effective: bool) -> None:
        self.optimiser = optimiser
        self.grad = grad
        self.keep_bad = keep_bad
        self.x = np.array(x0, dtype=np.float64)
        self.opt = make_optimizer(optimiser, lr)([self.x])
        self.path = np.empty((64, self.x.size))
        self.path[0] = self.x
        self.eff = np.empty((64, self.x.size)) if effective else None
        self.done = 0           # steps stored
        self.stopped = False    # the run left the drawing window: it is never extended again

    def _grow(self, n: int) -> None:
        size = max(n + 1, 2 * len(self.path))
        self.path = np.resize(self.path, (size, self.x.size))
        if self.eff is not None:
            self.eff = np.resize(self.eff, (size, self.x.size))

    def extend(self, n: int) -> None:
        """Take steps until ``n`` are stored or the run has left the drawing window."""
        if self.done >= n or self.stopped:
            return
        if n + 1 > len(self.path):
            self._grow(n)
        x, opt, path, eff = self.x, self.opt, self.path, self.eff
        with np.errstate(all="ignore"):
            for t in range(self.done + 1, n + 1):
                opt.step([np.asarray(self.grad(x.copy()), dtype=np.float64)])
                # one comparison catches NaN, inf and the drawing limit at once
                good = bool(np.abs(x).max() <= _DRAW_LIMIT)
                if good or self.keep_bad:
                    path[t] = x
                    if eff is not None:
                        eff[t - 1] = _effective_lr(self.optimiser, opt, t)
                    self.done = t
                if not good:
                    self.stopped = True
                    return

    def head(self, n: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The first ``n`` steps (fewer where the run stopped): copies of path and rates."""
        self.extend(n)
        m = min(self.done, n)
        eff = None if self.eff is None else self.eff[:m].copy()
        return self.path[: m + 1].copy(), eff


def _effective_lr(optimiser: str, opt: optim.Optimizer, t: int) -> np.ndarray | float:
    """The factor that multiplies the (averaged) gradient in step ``t``, per coordinate."""
    st = opt.state[0]
    if optimiser == "Adagrad":
        return opt.lr / (np.sqrt(st["sum"]) + opt.eps)
    if optimiser == "RMSprop":
        return opt.lr / (np.sqrt(st["square_avg"]) + opt.eps)
    if optimiser == "Adam":
        vhat = st["exp_avg_sq"] / (1.0 - opt.betas[1] ** t)
        return opt.lr / (np.sqrt(vhat) + opt.eps)
    return opt.lr


class _TrajectoryCache:
    """The last few :class:`_Trajectory` objects, by whatever determines the run."""

    def __init__(self, size: int = 240) -> None:
        # a log slider has 20 positions a decade: a drag back and forth over a few decades,
        # for every racer and course, stays cached (each run is at most ~100 kB)
        self.size = size
        self._runs: OrderedDict[Hashable, _Trajectory] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], _Trajectory]) -> _Trajectory:
        run = self._runs.get(key)
        if run is None:
            run = self._runs[key] = make()
            while len(self._runs) > self.size:
                self._runs.popitem(last=False)
        self._runs.move_to_end(key)
        return run


_RACE_RUNS = _TrajectoryCache()


@functools.lru_cache(maxsize=256)
def _run(function: str, optimiser: str, lr: float, n_steps: int) -> descent.DescentResult:
    """One racer's run: the optimiser's own ``step`` in a lean loop (a slider redraw runs up to
    five of these), stopped at the first iterate beyond the drawing limit, like
    :func:`gdutils.descent.run_optimizer` with ``on_divergence="stop"``. The steps come from a
    resumable run per (course, optimiser, lr), so dragging the step budget only adds steps."""
    fn = race_function(function)
    start = RACE_FUNCTIONS[function]["start"]
    traj = _RACE_RUNS.get((function, optimiser, lr),
                          lambda: _Trajectory(optimiser, lr, fn.grad, start, keep_bad=False,
                                              effective=False))
    path, _ = traj.head(n_steps)
    k = len(path) - 1
    with np.errstate(all="ignore"):
        losses = np.asarray(fn(path), dtype=np.float64)
    diverged = k < n_steps
    path.setflags(write=False)
    losses.setflags(write=False)
    last = path[-1].copy()
    last.setflags(write=False)
    name = type(traj.opt).__name__
    message = (f"{name} diverged at step {k + 1}: |x| left the drawing window" if diverged
               else f"{name} stopped after {n_steps} steps (the step budget).")
    return descent.DescentResult(x=last, path=path, losses=losses, n_iter=k,
                                 status="diverged" if diverged else "max_iter", message=message)


def race(
    function: str,
    lrs: dict[str, float] | None = None,
    n_steps: int | None = None,
) -> dict[str, descent.DescentResult]:
    """Run every optimiser of :data:`OPTIMISERS` on a race course.

    Parameters
    ----------
    function : str
        A key of :data:`RACE_FUNCTIONS`.
    lrs : dict, optional
        Learning rate per optimiser; missing ones take the course's tuned values.
    n_steps : int, optional
        Step budget (default: the course's).

    Returns
    -------
    dict of str → DescentResult
        In the order of :data:`OPTIMISERS`; a run that blows up stops with status
        ``"diverged"`` (never NaN). Results are cached: equal arguments give the same objects.
    """
    if function not in RACE_FUNCTIONS:
        raise ValueError(f"function must be one of {list(RACE_FUNCTIONS)}, got {function!r}")
    spec = RACE_FUNCTIONS[function]
    chosen = dict(spec["lrs"])
    for k, v in (lrs or {}).items():
        if k not in OPTIMISERS:
            raise ValueError(f"unknown optimiser {k!r}; expected some of {list(OPTIMISERS)}")
        chosen[k] = float(v)
    steps = int(spec["steps"] if n_steps is None else n_steps)
    if steps < 1:
        raise ValueError(f"n_steps must be >= 1, got {n_steps!r}")
    return {name: _run(function, name, chosen[name], steps) for name in OPTIMISERS}


# The race explorer: a figure builder and one update function per panel

#: one colour per racer, told apart from each other and from the grey contours (no orange next
#: to vermillion)
_RACE_COLOURS = {
    "GD": plotting.COLORS["blue"],
    "momentum": plotting.COLORS["orange"],
    "Adagrad": plotting.COLORS["green"],
    "RMSprop": plotting.COLORS["purple"],
    "Adam": plotting.COLORS["sky_blue"],
}
_RACE_LABELS = {"GD": "GD", "momentum": r"momentum ($\beta = 0.9$)", "Adagrad": "Adagrad",
                "RMSprop": "RMSprop", "Adam": "Adam"}
# x-axis ends for the step budget (slider 50…2000 in 50s): the gap panel's static layer is
# re-rendered only when the budget crosses one of these
_STEP_LIMITS = (100, 200, 300, 400, 600, 800, 1000, 1500, 2000)
# the gap panel's bottom in coarse steps: its static layer stays put over most of a drag
_GAP_BOTTOMS = (1e-4, 1e-8, 1e-12, _FLOOR)


def _step_ticks() -> MaxNLocator:
    """Step ticks at 1-2-2.5-5 multiples (0, 100, 200 … rather than 0, 80, 160 …)."""
    return MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10], integer=True)


def _step_limit(steps: int, ladder: Sequence[int]) -> int:
    return next((s for s in ladder if s >= steps), int(steps))


@dataclass
class _RaceFigure:
    """The race's changing artists (everything else is the static layer)."""

    fig: LayeredFigure
    ax: Any
    ax_gap: Any
    courses: dict[str, list[Any]]
    paths: dict[str, Any]
    gaps: dict[str, Any]
    blowups: dict[str, Any]
    title: Any
    gap_title: Any


def _race_figure() -> _RaceFigure:
    c = plotting.COLORS
    # contours in greys, darker towards the minimum: the five racers' colours stand out
    greys = ListedColormap(matplotlib.colormaps["Greys"](np.linspace(0.5, 0.22, 64)))
    with plotting.style():
        fig = LayeredFigure(figsize=(10.5, 4.6))
        # fixed positions (no layout engine per frame); the path panel is about square, so the
        # bowl's equal aspect barely moves it
        ax = fig.add_axes((0.065, 0.2, 0.29, 0.69))
        ax_gap = fig.add_axes((0.44, 0.2, 0.54, 0.69))
        courses: dict[str, list[Any]] = {}
        for key, spec in RACE_FUNCTIONS.items():
            fn = race_function(key)
            grid = plotting.contour_grid(fn, spec["xlim"], spec["ylim"], resolution=120)
            lv = plotting.contour_levels(grid.Z, 18, fn.contour_scale, fn.f_min)
            cs = ax.contour(grid.X, grid.Y, grid.Z, levels=lv, cmap=greys, linewidths=0.7)
            m = np.array(fn.minima).reshape(-1, 2)[:1]
            (star,) = ax.plot(m[:, 0], m[:, 1], marker="*", markersize=14, linestyle="none",
                              color=c["black"], zorder=5)
            (sq,) = ax.plot([spec["start"][0]], [spec["start"][1]], marker="s", markersize=7,
                            linestyle="none", color=c["black"], zorder=5)
            courses[key] = [cs, star, sq]
        paths, gaps, blowups = {}, {}, {}
        for name in OPTIMISERS:
            colour = _RACE_COLOURS[name]
            (paths[name],) = ax.plot([], [], marker="o", markersize=1.8, linewidth=1.2,
                                     color=colour, label=_RACE_LABELS[name], zorder=3)
            (gaps[name],) = ax_gap.plot([], [], color=colour, linewidth=1.4)
            # where a run left the drawing window (on the frame if it left the axes too)
            (blowups[name],) = ax_gap.plot([], [], marker="X", markersize=8, linestyle="none",
                                           color=colour, markeredgecolor=c["black"],
                                           markeredgewidth=0.6, clip_on=False, zorder=4)
        # few, round tick labels: text is most of a static render
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        fast_log_axis(ax_gap)
        ax_gap.xaxis.set_major_locator(_step_ticks())
        ax_gap.set_xlabel("step $k$")
        ax_gap.set_ylabel("$f(x_k) - f^*$")
        # one legend for both panels, under them: off the data
        handles = [*paths.values(),
                   Line2D([], [], marker="s", markersize=6, linestyle="none", color=c["black"],
                          label="start $x_0$"),
                   Line2D([], [], marker="*", markersize=11, linestyle="none", color=c["black"],
                          label="minimum $x^*$"),
                   Line2D([], [], marker="X", markersize=7, linestyle="none", color="white",
                          markeredgecolor=c["black"], markeredgewidth=0.8, label="diverged")]
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0),
                   ncols=len(handles), fontsize=8, frameon=False, handlelength=1.8,
                   columnspacing=1.4)
        title = fixed_title(ax, "", fontsize=10)
        gap_title = fixed_title(ax_gap, "", fontsize=10)
        # the start and the minimum are drawn over the paths that end on them (a static
        # artist would be under every dynamic one)
        marks = [a for group in courses.values() for a in group[1:]]
        # (the path panel's title names the course: static, like its contours)
        fig.add_dynamic(*paths.values(), *marks, *gaps.values(), *blowups.values(), gap_title)
    return _RaceFigure(fig, ax, ax_gap, courses, paths, gaps, blowups, title, gap_title)


def _show_course(f: _RaceFigure, key: str) -> None:
    """The static layer: this course's contours, minimum and start; its window."""
    spec = RACE_FUNCTIONS[key]
    f.fig.static_key = key
    for k, group in f.courses.items():
        for a in group:
            a.set_visible(k == key)
    f.ax.set_xlim(*spec["xlim"])
    f.ax.set_ylim(*spec["ylim"])
    f.ax.set_aspect("equal" if race_function(key).contour_scale == "quadratic" else "auto")
    f.title.set_text(f"{key}: paths from x₀")


def _draw_race_paths(f: _RaceFigure, paths: dict[str, np.ndarray]) -> None:
    for name, p in paths.items():
        f.paths[name].set_data(p[:, 0], p[:, 1])


def _draw_gaps(f: _RaceFigure, gaps: dict[str, np.ndarray], status: dict[str, str],
               steps: int, winner: str | None) -> None:
    shown = {name: np.where(g > _FLOOR, g, np.nan) for name, g in gaps.items()}
    lows = [float(np.nanmin(s)) for s in shown.values() if np.any(np.isfinite(s))]
    # every racer starts at the same point: the top is a decade above the common start (runs
    # that blow up leave through it), the bottom one of a few coarse steps
    g0 = max(float(next(iter(gaps.values()))[0]), 10 * _FLOOR)
    top = 10.0 ** (math.ceil(math.log10(g0) + 0.05) + 1)
    low = min(lows) if lows else 1.0
    bottom = next((b for b in _GAP_BOTTOMS if b <= low / 2), _FLOOR)
    f.ax_gap.set_xlim(0, _step_limit(steps, _STEP_LIMITS))
    f.ax_gap.set_ylim(bottom, top)
    for name, s in shown.items():
        f.gaps[name].set_data(np.arange(len(s)), s)
        if status[name] == "diverged":
            end = float(gaps[name][-1])
            y = min(end, top) if math.isfinite(end) else top
            f.blowups[name].set_data([len(s) - 1], [max(y, bottom)])
        else:
            f.blowups[name].set_data([], [])
    lost = [n for n, st in status.items() if st == "diverged"]
    text = f"f(xₖ) − f* over {steps} steps: " + (f"{winner} closest" if winner
                                                       else "no racer finished")
    if lost:
        # names while they fit on the panel; the crosses show which
        text += f"; diverged: {', '.join(lost)}" if len(lost) <= 2 else f"; {len(lost)} diverged"
    f.gap_title.set_text(text)


def race_explorer(
    *, function: str = "Rosenbrock", n_steps: int = 600, static: bool | None = None
) -> Explorer:
    """Five optimisers race on a test function, each with its own learning-rate log slider.

    Controls: ``function`` (drop-down of :data:`RACE_FUNCTIONS`; the sliders jump to the
    course's tuned learning rates when it changes), ``lr_GD``, ``lr_momentum``,
    ``lr_Adagrad``, ``lr_RMSprop``, ``lr_Adam`` (log sliders 1e-4…1), ``steps`` (50…2000).

    ``state`` holds ``function``, ``lrs`` (dict), ``paths``, ``gaps`` (``f − f*`` per step),
    ``final_gap`` and ``status`` (dicts by optimiser name) and ``winner`` (the smallest final
    gap among the runs that did not diverge).
    """
    if function not in RACE_FUNCTIONS:
        raise ValueError(f"function must be one of {list(RACE_FUNCTIONS)}, got {function!r}")
    f = _race_figure()

    def update(v: dict[str, Any]) -> dict[str, Any]:
        key = v["function"]
        if f.fig.static_key != key:
            _show_course(f, key)
        fn = race_function(key)
        lrs = {name: float(v[f"lr_{name}"]) for name in OPTIMISERS}
        steps = int(v["steps"])
        results = race(key, lrs, steps)
        paths = {name: np.array(res.path) for name, res in results.items()}
        gaps = {name: np.array(res.losses) - fn.f_min for name, res in results.items()}
        status = {name: res.status for name, res in results.items()}
        final = {name: float(gaps[name][-1]) if not res.diverged else float("inf")
                 for name, res in results.items()}
        ok = {n: g for n, g in final.items() if math.isfinite(g)}
        winner = min(ok, key=ok.get) if ok else None
        _draw_race_paths(f, paths)
        _draw_gaps(f, gaps, status, steps, winner)
        return {"function": key, "lrs": lrs, "paths": paths, "gaps": gaps, "final_gap": final,
                "status": status, "winner": winner}

    tuned = RACE_FUNCTIONS[function]["lrs"]
    controls: dict[str, Any] = {"function": widgets.dropdown("function", list(RACE_FUNCTIONS),
                                                             value=function)}
    for name in OPTIMISERS:
        controls[f"lr_{name}"] = widgets.log_slider(f"lr {name}", tuned[name], 1e-4, 1.0)
    controls["steps"] = widgets.int_slider("steps", int(n_steps), 50, 2000, 50)

    def retune(change: dict[str, Any]) -> None:
        # registered before the explorer's own observer: the sliders take the course's tuned
        # rates quietly, then the explorer redraws once, for the drop-down, with those rates
        with widgets.retargeting():
            for n, lr in RACE_FUNCTIONS[change["new"]]["lrs"].items():
                controls[f"lr_{n}"].value = lr

    controls["function"].observe(retune, names="value")
    return Explorer(f.fig, controls, update, static=static,
                    caption="Each optimiser has its own learning rate: try to make your favourite "
                            "win. Changing the function resets the rates to tuned values.")


# --------------------------------------------------------------------------------------------
# Effective learning rates and rotations


def rotated_bowl(angle_deg: float) -> functions.Quadratic:
    """The bowl ``½ xᵀAx`` with eigenvalues :data:`ROTATION_EIGENVALUES`, turned by ``angle_deg``."""
    return functions.quadratic_bowl(ROTATION_EIGENVALUES, angle=math.radians(float(angle_deg)))


def rotated_start(angle_deg: float) -> np.ndarray:
    """:data:`ROTATION_START` turned by ``angle_deg`` (so the bowl and the start turn together)."""
    a = math.radians(float(angle_deg))
    R = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return R @ np.asarray(ROTATION_START, dtype=np.float64)


def effective_lr_history(
    optimiser: str,
    grad: Callable[[np.ndarray], np.ndarray],
    x0: ArrayLike,
    lr: float,
    n_steps: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Run an optimiser and record, per step and per coordinate, its effective learning rate.

    The effective learning rate is the factor that multiplies the (averaged) gradient in the
    update, read from the optimiser's state after each step:

    ========  ==============================================
    GD        ``lr``
    momentum  ``lr`` (it multiplies the buffer ``b``)
    Adagrad   ``lr / (√s + ε)``, ``s`` the sum of squares
    RMSprop   ``lr / (√v + ε)``, ``v`` the average of squares
    Adam      ``lr / (√v̂ + ε)`` with ``v̂ = v/(1 − β₂ᵗ)`` (it multiplies ``m̂``)
    ========  ==============================================

    Returns
    -------
    path : ndarray, shape (n_steps + 1, d)
        The iterates, starting with ``x0``.
    eff : ndarray, shape (n_steps, d)
        ``eff[t − 1]`` is the effective learning rate used by step ``t``.
    """
    x = np.array(x0, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"x0 must have shape (d,), got {x.shape}")
    n = int(n_steps)
    if n < 1:
        raise ValueError(f"n_steps must be >= 1, got {n_steps!r}")
    path, eff = _Trajectory(optimiser, lr, grad, x, keep_bad=True, effective=True).head(n)
    assert eff is not None
    return path, eff


def steps_to_tolerance(path: ArrayLike, tol: float, minimiser: ArrayLike | None = None) -> int | None:
    """The first k with ``‖x_k − x*‖ ≤ tol`` (``None`` if the path never gets there)."""
    p = np.asarray(path, dtype=np.float64)
    xs = np.zeros(p.shape[1]) if minimiser is None else np.asarray(minimiser, dtype=np.float64)
    idx = np.flatnonzero(np.linalg.norm(p - xs, axis=1) <= tol)
    return int(idx[0]) if idx.size else None


def rotation_sweep(
    optimiser: str,
    lr: float,
    angles: Sequence[float],
    *,
    n_steps: int = 2000,
    tol: float = 1e-3,
) -> np.ndarray:
    """Steps an optimiser needs to reach ``‖x‖ ≤ tol`` on :func:`rotated_bowl` at each angle
    (degrees), starting from :func:`rotated_start` (``-1`` where it never gets there)."""
    out = []
    for a in angles:
        fn = rotated_bowl(a)
        path, _ = effective_lr_history(optimiser, fn.grad, rotated_start(a), lr, n_steps)
        k = steps_to_tolerance(path, tol)
        out.append(-1 if k is None else k)
    return np.array(out, dtype=np.int64)


# The effective-learning-rate explorer: a figure builder and one update function per panel

_EFF_OPTIMISERS = ["GD", "Adagrad", "RMSprop", "Adam"]
#: what multiplies the (averaged) gradient, per optimiser (α is lr)
_EFF_FORMULAS = {
    "GD": r"$\alpha$",
    "Adagrad": r"$\alpha/(\sqrt{s_t} + \epsilon)$",
    "RMSprop": r"$\alpha/(\sqrt{v_t} + \epsilon)$",
    "Adam": r"$\alpha/(\sqrt{\hat{v}_t} + \epsilon)$",
}
#: the effective-rate axis, fixed: every optimiser, angle, lr (1e-3…1) and step budget
#: (≤ 1000) stays within it (measured: 1.3e-6 … 12), so dragging never re-renders the static
#: layer and the curves can be compared between frames and optimisers
_EFF_RANGE = (1e-6, 1e2)
# x-axis ends for the steps slider (20…1000 in 10s)
_EFF_STEP_LIMITS = (50, 100, 200, 300, 400, 600, 800, 1000)
# the two coordinates' colours (the path is vermillion: no orange next to it)
_COORD_COLOURS = (plotting.COLORS["blue"], plotting.COLORS["purple"])


@functools.lru_cache(maxsize=64)
def _bowl_at(angle_deg: float) -> tuple[functions.Quadratic, np.ndarray, np.ndarray]:
    """The turned bowl, its start and its level-1 ellipse (the others are scaled copies)."""
    fn = rotated_bowl(angle_deg)
    return fn, rotated_start(angle_deg), ellipse_points(fn.A, (0.0, 0.0), 1.0)


@dataclass
class _EffFigure:
    """The explorer's changing artists (everything else is the static layer)."""

    fig: LayeredFigure
    ax: Any
    ax_eff: Any
    level_lines: list[Any]
    path: Any
    start: Any
    eff: list[Any]
    title: Any
    eff_title: Any


def _eff_figure(lam_max: float, n_levels: int) -> _EffFigure:
    c = plotting.COLORS
    cmap = matplotlib.colormaps["viridis"]
    with plotting.style():
        fig = LayeredFigure(figsize=(10.5, 4.4))
        ax = fig.add_axes((0.06, 0.24, 0.30, 0.6))
        ax_eff = fig.add_axes((0.44, 0.24, 0.54, 0.6))
        # the ellipses turn with the bowl: dynamic lines, cheap to redraw
        level_lines = [ax.plot([], [], color=cmap(j / n_levels), linewidth=0.8)[0]
                       for j in range(n_levels)]
        (star,) = ax.plot([0.0], [0.0], marker="*", markersize=13, color=c["black"],
                          linestyle="none", label="minimum $x^*$", zorder=5)
        (path,) = ax.plot([], [], marker="o", markersize=2.5, linewidth=1.2,
                          color=c["vermillion"], label="iterates $x_k$", zorder=3)
        (start,) = ax.plot([], [], marker="s", markersize=7, linestyle="none",
                           color=c["vermillion"], label="start $x_0$", zorder=4)
        ax.set_xlim(-3.0, 3.0)
        ax.set_ylim(-3.0, 3.0)
        ax.set_aspect("equal")
        ax.set_anchor("W")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        # x₂ dashed: where both coordinates get the same rate (GD) both lines stay visible
        eff = [ax_eff.plot([], [], color=col, linewidth=1.4, linestyle=style,
                           label=f"coordinate $x_{i + 1}$")[0]
               for i, (col, style) in enumerate(zip(_COORD_COLOURS, ("-", (0, (4, 2)))))]
        limit = ax_eff.axhline(2.0 / lam_max, color="0.4", linestyle="--", linewidth=1.0,
                               label=f"$2/\\lambda_{{max}} = {2.0 / lam_max:g}$ (GD's limit)")
        fast_log_axis(ax_eff)
        ax_eff.set_ylim(*_EFF_RANGE)
        ax_eff.xaxis.set_major_locator(_step_ticks())
        ax_eff.set_xlabel("step $t$")
        ax_eff.set_ylabel("effective learning rate")
        handles = [*ax.get_legend_handles_labels()[0], *eff, limit]
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0),
                   ncols=len(handles), fontsize=8, frameon=False, handlelength=1.8,
                   columnspacing=1.4)
        title = fixed_title(ax, "", fontsize=10, loc="left")
        eff_title = fixed_title(ax_eff, "", fontsize=10)
        # the minimum over the path that ends on it; with a fixed rate axis no control
        # re-renders the static layer but the steps slider crossing an axis end
        fig.add_dynamic(*level_lines, path, start, star, *eff, title, eff_title)
    return _EffFigure(fig, ax, ax_eff, level_lines, path, start, eff, title, eff_title)


def _draw_bowl(f: _EffFigure, unit: np.ndarray, levels: np.ndarray, x0: np.ndarray,
               path: np.ndarray) -> None:
    for line, level in zip(f.level_lines, levels):
        pts = unit * math.sqrt(level)
        line.set_data(pts[:, 0], pts[:, 1])
    f.path.set_data(path[:, 0], path[:, 1])
    f.start.set_data([x0[0]], [x0[1]])


def _draw_effective(f: _EffFigure, name: str, eff: np.ndarray, steps: int) -> None:
    t = np.arange(1, len(eff) + 1)
    for i, line in enumerate(f.eff):
        line.set_data(t, eff[:, i])
    f.ax_eff.set_xlim(0, _step_limit(steps, _EFF_STEP_LIMITS))
    f.eff_title.set_text(f"{name}: effective learning rate {_EFF_FORMULAS[name]}, "
                         "per coordinate")


def effective_lr_explorer(
    *,
    optimiser: str = "Adam",
    angle: float = 0.0,
    lr: float = 0.05,
    n_steps: int = 400,
    tol: float = 1e-3,
    static: bool | None = None,
) -> Explorer:
    """One optimiser on a bowl you can turn: trajectory and per-coordinate effective learning
    rates.

    The bowl is :func:`rotated_bowl` (eigenvalues :data:`ROTATION_EIGENVALUES`) and the start
    :func:`rotated_start` turns with it, so for gradient descent every angle gives the same run,
    turned. Left: contours and the trajectory. Right: the effective learning rate of each
    coordinate (:func:`effective_lr_history`) against the step, on a log axis, with GD's
    stability limit ``2/λmax`` for reference.

    Controls: ``optimiser`` (GD, Adagrad, RMSprop, Adam), ``angle`` (0…90°), ``lr`` (log
    slider 1e-3…1), ``steps`` (20…1000).

    ``state`` holds ``optimiser``, ``angle``, ``lr``, ``path``, ``eff`` ((k, 2)),
    ``steps_to_tol`` (first step with ``‖x_k‖ ≤ tol``, or None), ``final_distance`` and
    ``diverged``.
    """
    if optimiser not in _EFF_OPTIMISERS:
        raise ValueError(f"optimiser must be one of {_EFF_OPTIMISERS}, got {optimiser!r}")
    lam_max = max(ROTATION_EIGENVALUES)
    levels = quadratic_levels(0.5 * lam_max * 2.6**2, 12)
    f = _eff_figure(lam_max, len(levels))
    runs = _TrajectoryCache()

    def update(v: dict[str, Any]) -> dict[str, Any]:
        name = v["optimiser"]
        ang = float(v["angle"])
        lr_v = float(v["lr"])
        steps = int(v["steps"])
        fn, x0, unit = _bowl_at(ang)
        # a run depends on the optimiser, the angle and lr; the steps slider only cuts it
        traj = runs.get((name, ang, lr_v),
                        lambda: _Trajectory(name, lr_v, fn.grad, x0, keep_bad=True,
                                            effective=True))
        path, eff = traj.head(steps)
        assert eff is not None
        _draw_bowl(f, unit, levels, x0, path)
        _draw_effective(f, name, eff, steps)
        k = steps_to_tolerance(path, tol)
        diverged = len(path) < steps + 1
        reach = ("diverged" if diverged else
                 f"‖xₖ‖ ≤ {tol:g} after {k} steps" if k is not None else
                 f"‖xₖ‖ > {tol:g} after {steps} steps")
        f.title.set_text(f"{name}, lr = {lr_v:.3g}, bowl turned {ang:g}°\n{reach}")
        return {"optimiser": name, "angle": ang, "lr": lr_v, "path": path, "eff": eff,
                "steps_to_tol": k, "final_distance": float(np.linalg.norm(path[-1])),
                "diverged": diverged}

    controls = {
        "optimiser": widgets.dropdown("optimiser", _EFF_OPTIMISERS, value=optimiser),
        "angle": widgets.slider("bowl angle (°)", float(angle), 0.0, 90.0, 5.0),
        "lr": widgets.log_slider("lr", float(lr), 1e-3, 1.0),
        "steps": widgets.int_slider("steps", int(n_steps), 20, 1000, 10),
    }
    return Explorer(f.fig, controls, update, static=static,
                    caption="Turn the bowl: for GD only the picture turns; Adam's per-coordinate "
                            "steps see a different problem at every angle.")
