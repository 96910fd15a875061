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
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib
import numpy as np
from numpy.typing import ArrayLike

from gdutils import descent, functions, optim
from gdutils.display import plotting, widgets
from gdutils.display.explorers._layers import LayeredFigure
from gdutils.display.explorers.landscapes import ellipse_points, fast_log_axis, quadratic_levels
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


@functools.lru_cache(maxsize=256)
def _run(function: str, optimiser: str, lr: float, n_steps: int) -> descent.DescentResult:
    """One racer's run: the optimiser's own ``step`` in a lean loop (a slider redraw runs up to
    five of these), stopped at the first iterate beyond the drawing limit, like
    :func:`gdutils.descent.run_optimizer` with ``on_divergence="stop"``."""
    fn = race_function(function)
    x = np.array(RACE_FUNCTIONS[function]["start"], dtype=np.float64)
    opt = make_optimizer(optimiser, lr)([x])
    path = np.empty((n_steps + 1, x.size))
    path[0] = x
    k = 0
    with np.errstate(all="ignore"):
        for k in range(1, n_steps + 1):
            opt.step([fn.grad(x)])
            if not (np.all(np.isfinite(x)) and np.max(np.abs(x)) <= _DRAW_LIMIT):
                k -= 1
                break
            path[k] = x
        else:
            k = n_steps
        path = path[: k + 1].copy()
        losses = np.asarray(fn(path), dtype=np.float64)
    diverged = k < n_steps
    path.setflags(write=False)
    losses.setflags(write=False)
    last = path[-1].copy()
    last.setflags(write=False)
    name = type(opt).__name__
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
    colours = dict(zip(OPTIMISERS, plotting.PALETTE))
    with plotting.style():
        fig = LayeredFigure(figsize=(10.5, 4.6))
        ax, ax_gap = fig.subplots(1, 2, width_ratios=(1.0, 1.1))
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.86, wspace=0.22)
        course_artists: dict[str, list[Any]] = {}
        for key, spec in RACE_FUNCTIONS.items():
            fn = race_function(key)
            grid = plotting.contour_grid(fn, spec["xlim"], spec["ylim"], resolution=120)
            lv = plotting.contour_levels(grid.Z, 18, fn.contour_scale, fn.f_min)
            cs = ax.contour(grid.X, grid.Y, grid.Z, levels=lv, cmap="viridis", linewidths=0.7,
                            alpha=0.8)
            m = np.array(fn.minima).reshape(-1, 2)[:1]
            (star,) = ax.plot(m[:, 0], m[:, 1], marker="*", markersize=14, linestyle="none",
                              color="black", zorder=5)
            (sq,) = ax.plot([spec["start"][0]], [spec["start"][1]], marker="s", markersize=7,
                            linestyle="none", color="black", zorder=5)
            course_artists[key] = [cs, star, sq]
        lines = {}
        for name in OPTIMISERS:
            (lines[name],) = ax.plot([], [], marker="o", markersize=1.8, linewidth=1.2,
                                     color=colours[name], label=name, zorder=3)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.legend(loc="upper left", fontsize=8)
        gap_lines = {}
        for name in OPTIMISERS:
            (gap_lines[name],) = ax_gap.plot([], [], color=colours[name], label=name)
        fast_log_axis(ax_gap)
        ax_gap.set_xlabel("step k")
        ax_gap.set_ylabel("f(x_k) − f*")
        ax_gap.legend(loc="lower left", fontsize=8)
        fig.add_dynamic(*lines.values(), ax.title, ax_gap)
    shown = {"function": None}

    def update(v: dict[str, Any]) -> dict[str, Any]:
        key = v["function"]
        spec = RACE_FUNCTIONS[key]
        fn = race_function(key)
        changed = shown["function"] is not None and shown["function"] != key
        if shown["function"] != key:
            for k, group in course_artists.items():
                for a in group:
                    a.set_visible(k == key)
            ax.set_xlim(*spec["xlim"])
            ax.set_ylim(*spec["ylim"])
            ax.set_aspect("equal" if fn.contour_scale == "quadratic" else "auto")
            fig.invalidate()
            shown["function"] = key
        if changed:
            # a new course starts from its tuned rates (the sliders are moved to them right
            # after, by the drop-down's observer): no race is run with the old course's rates
            lrs = dict(spec["lrs"])
        else:
            lrs = {name: float(v[f"lr_{name}"]) for name in OPTIMISERS}
        steps = int(v["steps"])
        results = race(key, lrs, steps)
        paths, gaps, final, status = {}, {}, {}, {}
        lows, highs = [], []
        for name, res in results.items():
            p = np.array(res.path)
            g = np.array(res.losses) - fn.f_min
            paths[name], gaps[name], status[name] = p, g, res.status
            final[name] = float(g[-1]) if not res.diverged else float("inf")
            lines[name].set_data(p[:, 0], p[:, 1])
            g_shown = np.where(g > _FLOOR, g, np.nan)
            gap_lines[name].set_data(np.arange(len(g)), g_shown)
            gap_lines[name].set_label(f"{name} ({lrs[name]:.2g})" + (" diverged" if res.diverged else ""))
            fin = g_shown[np.isfinite(g_shown)]
            if fin.size:
                lows.append(float(fin.min()))
                highs.append(float(fin.max()))
        ax_gap.set_xlim(0, steps)
        lo = max(min(lows), 1e-16) if lows else 1e-6
        hi = max(highs) if highs else 1.0
        ax_gap.set_ylim(lo / 3.0, min(hi * 3.0, 1e13))
        ax_gap.legend(loc="lower left", fontsize=8)
        ok = {n: g for n, g in final.items() if math.isfinite(g)}
        winner = min(ok, key=ok.get) if ok else None
        ax.set_title(f"{key}: {steps} steps from the square"
                     + (f", closest: {winner}" if winner else ""), fontsize=10)
        ax_gap.set_title("distance to the minimum value (legend: lr)", fontsize=10)
        return {"function": key, "lrs": lrs, "paths": paths, "gaps": gaps, "final_gap": final,
                "status": status, "winner": winner}

    tuned = RACE_FUNCTIONS[function]["lrs"]
    controls: dict[str, Any] = {"function": widgets.dropdown("function", list(RACE_FUNCTIONS),
                                                             value=function)}
    for name in OPTIMISERS:
        controls[f"lr_{name}"] = widgets.log_slider(f"lr {name}", tuned[name], 1e-4, 1.0)
    controls["steps"] = widgets.int_slider("steps", int(n_steps), 50, 2000, 50)
    ex = Explorer(fig, controls, update, static=static,
                  caption="Each optimiser has its own learning rate: try to make your favourite "
                          "win. Changing the function resets the rates to tuned values.")

    def retune(change: dict[str, Any]) -> None:
        ex.set(**{f"lr_{n}": lr for n, lr in RACE_FUNCTIONS[change["new"]]["lrs"].items()})

    controls["function"].observe(retune, names="value")
    return ex


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
    opt = make_optimizer(optimiser, lr)([x])
    path = np.empty((n + 1, x.size))
    eff = np.empty((n, x.size))
    path[0] = x
    for t in range(1, n + 1):
        opt.step([np.asarray(grad(x.copy()), dtype=np.float64)])
        st = opt.state[0]
        if optimiser == "Adagrad":
            eff[t - 1] = opt.lr / (np.sqrt(st["sum"]) + opt.eps)
        elif optimiser == "RMSprop":
            eff[t - 1] = opt.lr / (np.sqrt(st["square_avg"]) + opt.eps)
        elif optimiser == "Adam":
            vhat = st["exp_avg_sq"] / (1.0 - opt.betas[1] ** t)
            eff[t - 1] = opt.lr / (np.sqrt(vhat) + opt.eps)
        else:
            eff[t - 1] = opt.lr
        path[t] = x
        if not np.all(np.isfinite(x)) or np.max(np.abs(x)) > _DRAW_LIMIT:
            return path[: t + 1].copy(), eff[:t].copy()
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
    choices = ["GD", "Adagrad", "RMSprop", "Adam"]
    if optimiser not in choices:
        raise ValueError(f"optimiser must be one of {choices}, got {optimiser!r}")
    lam_max = max(ROTATION_EIGENVALUES)
    levels = quadratic_levels(0.5 * lam_max * 2.6**2, 12)
    cmap = matplotlib.colormaps["viridis"]
    with plotting.style():
        fig = LayeredFigure(figsize=(10.5, 4.4))
        ax, ax_eff = fig.subplots(1, 2, width_ratios=(1.0, 1.15))
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.85, wspace=0.22)
        level_lines = [ax.plot([], [], color=cmap(j / len(levels)), linewidth=0.8)[0]
                       for j in range(len(levels))]
        ax.plot([0.0], [0.0], marker="*", markersize=13, color="black", linestyle="none",
                label="minimum")
        (path_line,) = ax.plot([], [], marker="o", markersize=2.5, linewidth=1.2,
                               color=plotting.COLORS["vermillion"], label="path", zorder=3)
        (start_mark,) = ax.plot([], [], marker="s", markersize=7, linestyle="none",
                                color=plotting.COLORS["vermillion"], label="start", zorder=4)
        ax.set_xlim(-3.0, 3.0)
        ax.set_ylim(-3.0, 3.0)
        ax.set_aspect("equal")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.legend(loc="lower right", fontsize=8)
        eff_lines = [ax_eff.plot([], [], color=c, label=f"coordinate $x_{i + 1}$")[0]
                     for i, c in enumerate((plotting.COLORS["blue"], plotting.COLORS["orange"]))]
        ax_eff.axhline(2.0 / lam_max, color="0.4", linestyle="--", linewidth=1.0,
                       label=f"2/λmax = {2.0 / lam_max:g} (GD's limit)")
        fast_log_axis(ax_eff)
        ax_eff.set_xlabel("step t")
        ax_eff.set_ylabel("effective learning rate")
        ax_eff.legend(loc="upper right", fontsize=8)
        fig.add_dynamic(*level_lines, path_line, start_mark, ax.title, ax_eff)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        name = v["optimiser"]
        ang = float(v["angle"])
        lr_v = float(v["lr"])
        steps = int(v["steps"])
        fn = rotated_bowl(ang)
        x0 = rotated_start(ang)
        for line, level in zip(level_lines, levels):
            pts = ellipse_points(fn.A, (0.0, 0.0), level)
            line.set_data(pts[:, 0], pts[:, 1])
        with np.errstate(all="ignore"):
            path, eff = effective_lr_history(name, fn.grad, x0, lr_v, steps)
        path_line.set_data(path[:, 0], path[:, 1])
        start_mark.set_data([x0[0]], [x0[1]])
        t = np.arange(1, len(eff) + 1)
        for i in range(2):
            eff_lines[i].set_data(t, eff[:, i])
        ax_eff.set_xlim(0, steps)
        lo = float(np.min(eff)) if eff.size else 1e-3
        hi = float(np.max(eff)) if eff.size else 1.0
        ax_eff.set_ylim(min(lo, 2.0 / lam_max) / 3.0, max(hi, 2.0 / lam_max) * 3.0)
        k = steps_to_tolerance(path, tol)
        diverged = len(path) < steps + 1
        reach = ("diverged" if diverged else
                 f"‖x‖ ≤ {tol:g} after {k} steps" if k is not None else
                 f"‖x‖ > {tol:g} after {steps} steps")
        ax.set_title(f"{name}, lr = {lr_v:.3g}, bowl turned by {ang:g}°: {reach}", fontsize=10)
        ax_eff.set_title(f"{name}: the step each coordinate gets per unit of gradient",
                         fontsize=10)
        return {"optimiser": name, "angle": ang, "lr": lr_v, "path": path, "eff": eff,
                "steps_to_tol": k, "final_distance": float(np.linalg.norm(path[-1])),
                "diverged": diverged}

    controls = {
        "optimiser": widgets.dropdown("optimiser", choices, value=optimiser),
        "angle": widgets.slider("bowl angle (°)", float(angle), 0.0, 90.0, 5.0),
        "lr": widgets.log_slider("lr", float(lr), 1e-3, 1.0),
        "steps": widgets.int_slider("steps", int(n_steps), 20, 1000, 10),
    }
    return Explorer(fig, controls, update, static=static,
                    caption="Turn the bowl: for GD only the picture turns; Adam's per-coordinate "
                            "steps see a different problem at every angle.")
