"""Explorers for mini-batch stochastic gradient descent (notebook 09).

Two factories, each returning a :class:`gdutils.widgets.Explorer`:

* :func:`sgd_paths_explorer` — linear regression with one feature, so the loss lives in the
  plane of ``(w, b)``: SGD trajectories on its contours for a chosen batch size, learning rate
  (log slider), schedule and number of epochs, several runs with different shuffles to show the
  noise, next to full-batch gradient descent run for the same number of epochs; and the loss
  gap ``L − L*`` against epochs.
* :func:`loss_vs_time_explorer` — the same regression in more dimensions on a larger data set,
  trained once per batch size when the explorer is built (with measured wall-clock times);
  the controls choose the x-axis (epochs, examples processed, or seconds) and which batch sizes
  to show, so a redraw only moves lines.

Both run on :mod:`gdutils` reference code (:func:`gdutils.data.minibatches`-style fresh
permutations, :mod:`gdutils.schedules`), never on a learner's answers. Each figure is built once
(``_paths_figure``, ``_time_figure``) as a
:class:`~gdutils.display.explorers._layers.LayeredFigure` whose static layer (contours, axes,
tick labels) is kept as a bitmap; a change of a control redraws only lines, titles and, for the
batch-size check boxes, the legend. The SGD runs are memoised by the controls they depend on.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox, IdentityTransform

from gdutils import data, schedules
from gdutils.display import plotting, widgets
from gdutils.display.explorers._axes import (
    decade_limits,
    fast_log_axis,
    few_ticks,
    fixed_title,
    legend_outside,
)
from gdutils.display.explorers._layers import LayeredFigure
from gdutils.display.widgets import Explorer

__all__ = [
    "regression_problem",
    "sgd_runs",
    "sgd_paths_explorer",
    "timed_runs",
    "loss_vs_time_explorer",
    "conditioned_regression",
    "TIME_RACE",
    "BATCH_SIZES",
    "THETA0_OFFSET",
]

#: default start of :func:`sgd_paths_explorer`, relative to the least-squares solution
THETA0_OFFSET = np.array([-3.0, 3.0])

#: batch sizes offered by :func:`sgd_paths_explorer` (the data set has 256 examples)
BATCH_SIZES = (1, 4, 16, 64, 256)

# Beyond this size a trajectory has left every window: the run is flagged as diverged.
_BLOW_UP = 1e6


# --------------------------------------------------------------------------------------------
# The 2-D problem: y ≈ w x + b


class RegressionProblem:
    """A one-feature linear regression and the quadratic loss ``L(w, b)`` over the plane.

    ``L(w, b) = mean((x w + b − y)²)`` is evaluated from five moments of the data, so a whole
    grid or path costs a handful of flops per point.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x = np.asarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.float64)
        self.n = self.x.size
        m = self.x, self.y
        self._mxx = float(np.mean(m[0] * m[0]))
        self._mx = float(np.mean(m[0]))
        self._mxy = float(np.mean(m[0] * m[1]))
        self._my = float(np.mean(m[1]))
        self._myy = float(np.mean(m[1] * m[1]))
        A = np.array([[self._mxx, self._mx], [self._mx, 1.0]])
        self.minimiser = np.linalg.solve(A, np.array([self._mxy, self._my]))
        self.f_min = float(self(self.minimiser))
        self.hessian = 2.0 * A

    def __call__(self, theta: np.ndarray) -> Any:
        t = np.asarray(theta, dtype=np.float64)
        w, b = t[..., 0], t[..., 1]
        with np.errstate(over="ignore", invalid="ignore"):
            return (w * w * self._mxx + 2 * w * b * self._mx + b * b - 2 * w * self._mxy
                    - 2 * b * self._my + self._myy)

    def grad(self, theta: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
        """Gradient of the mean squared error on the examples ``idx`` (all if ``None``)."""
        w, b = theta
        x = self.x if idx is None else self.x[idx]
        y = self.y if idx is None else self.y[idx]
        r = x * w + b - y
        return np.array([2.0 * np.mean(r * x), 2.0 * np.mean(r)])


def regression_problem(n: int = 256, noise: float = 0.5, seed: int = 3) -> RegressionProblem:
    """The data of :func:`sgd_paths_explorer`: ``y = w·x + b + noise`` with ``n`` examples.

    The feature is shifted and scaled (mean 1, std 1.5) so that the loss valley is tilted and
    the noise of single-example gradients is easy to see.
    """
    X, y, _, _ = data.make_regression(n, d=1, noise=noise, seed=seed)
    x = 1.0 + 1.5 * X[:, 0]
    return RegressionProblem(x, y)


def sgd_runs(
    problem: RegressionProblem,
    theta0: Sequence[float],
    batch_size: int,
    lr: Any,
    n_epochs: int,
    seeds: Sequence[int],
) -> tuple[np.ndarray, np.ndarray]:
    """Mini-batch SGD runs, one per seed, vectorised across runs.

    Run ``r`` draws a fresh permutation from ``np.random.default_rng(seeds[r])`` every epoch
    (exactly what :func:`gdutils.data.minibatches` does with that Generator), takes one step
    per batch (the last batch may be partial) with the step ``lr(t)`` (``t`` counts steps from
    0), and stops moving if it blows up (``|θ| > 1e6`` or non-finite).

    Returns
    -------
    paths : (runs, n_steps + 1, 2) float64
        Parameters after every step, starting at ``theta0``; a diverged run repeats its last
        finite point.
    diverged : (runs,) bool
    """
    n = problem.n
    B = int(batch_size)
    runs = len(seeds)
    n_epochs = int(n_epochs)
    rngs = [np.random.default_rng(s) for s in seeds]
    sched = lr if callable(lr) else (lambda _t, c=float(lr): c)
    # every batch of every epoch, for all runs at once: (runs, b) index arrays, in step order
    starts = range(0, n, B)
    batches: list[np.ndarray] = []
    for _ in range(n_epochs):
        orders = np.stack([g.permutation(n) for g in rngs])
        batches.extend(orders[:, s:s + B] for s in starts)
    n_steps = len(batches)
    steps = np.asarray(sched(np.arange(n_steps)) if n_steps else np.zeros(0), dtype=np.float64)
    if steps.shape != (n_steps,):
        steps = np.array([float(sched(t)) for t in range(n_steps)])
    w_path = np.empty((runs, n_steps + 1))
    b_path = np.empty((runs, n_steps + 1))
    w = np.full(runs, float(theta0[0]))
    b = np.full(runs, float(theta0[1]))
    w_path[:, 0], b_path[:, 0] = w, b
    x, y = problem.x, problem.y
    with np.errstate(all="ignore"):
        for t, idx in enumerate(batches):
            xb = x[idx]
            r = xb * w[:, None] + b[:, None] - y[idx]
            c = 2.0 * steps[t] / idx.shape[1]
            w = w - c * np.add.reduce(r * xb, axis=1)
            b = b - c * np.add.reduce(r, axis=1)
            w_path[:, t + 1] = w
            b_path[:, t + 1] = b
        paths = np.stack([w_path, b_path], axis=-1)
        bad = ~np.all(np.isfinite(paths), axis=-1) | (np.max(np.abs(paths), axis=-1) > _BLOW_UP)
    diverged = np.any(bad, axis=1)
    for r_ in np.flatnonzero(diverged):
        first = int(np.argmax(bad[r_]))
        paths[r_, first:] = paths[r_, first - 1]  # freeze at the last finite point
    return paths, diverged


def _full_batch_path(problem: RegressionProblem, theta0: np.ndarray, lr: Any,
                     n_steps: int) -> tuple[np.ndarray, bool]:
    theta = np.asarray(theta0, dtype=np.float64).copy()
    path = [theta.copy()]
    sched = lr if callable(lr) else (lambda _t, c=float(lr): c)
    with np.errstate(all="ignore"):
        for t in range(n_steps):
            new = theta - float(sched(t)) * problem.grad(theta)
            if not np.all(np.isfinite(new)) or np.max(np.abs(new)) > _BLOW_UP:
                return np.array(path), True
            theta = new
            path.append(theta.copy())
    return np.array(path), False


# --------------------------------------------------------------------------------------------
# The SGD paths explorer: the runs (memoised), a figure builder and one update per panel

#: most runs the explorer shows (the ``runs`` slider's maximum)
_MAX_RUNS = 5
# one colour per shuffle, on viridis contours: no orange next to vermillion, no yellow
_RUN_COLOURS = tuple(plotting.COLORS[c] for c in ("vermillion", "blue", "green", "purple",
                                                  "sky_blue"))
# the loss axis ends at the first of these that holds the run: it moves in a few steps, so the
# static layer is re-rendered only when the epochs slider crosses one
_EPOCH_SPANS = (1, 2, 3, 5, 10)
# smallest loss gap drawn (an exact fit reaches round-off)
_GAP_FLOOR = 1e-16


@dataclass
class _SgdRuns:
    """SGD for one choice of the controls (every run the slider offers) and full-batch GD."""

    batch_size: int
    steps_per_epoch: int
    n_steps: int
    lrs: np.ndarray
    paths: np.ndarray          # (_MAX_RUNS, n_steps + 1, 2)
    diverged: np.ndarray       # (_MAX_RUNS,)
    gaps: np.ndarray           # (_MAX_RUNS, n_steps + 1): L − L*
    epoch_axis: np.ndarray
    gd_path: np.ndarray
    gd_diverged: bool
    gd_gaps: np.ndarray


def _sgd_runs(problem: RegressionProblem, x0: np.ndarray, batch_size: int, lr0: float,
              schedule: str, n_epochs: int, seed: int) -> _SgdRuns:
    steps_per_epoch = -(-problem.n // batch_size)
    n_steps = steps_per_epoch * n_epochs
    sched = schedules.make_schedule(schedule, lr0, n_steps)
    # every run the slider offers, at once: the runs slider then only picks how many to show
    # (each run has its own Generator, so run r is the same whatever the number of runs)
    seeds = [seed * 100 + r for r in range(_MAX_RUNS)]
    paths, diverged = sgd_runs(problem, x0, batch_size, sched, n_epochs, seeds)
    gd_path, gd_div = _full_batch_path(problem, x0,
                                       schedules.make_schedule(schedule, lr0, n_epochs), n_epochs)
    with np.errstate(over="ignore", invalid="ignore"):
        gaps = np.maximum(problem(paths) - problem.f_min, _GAP_FLOOR)
        gd_gaps = np.maximum(problem(gd_path) - problem.f_min, _GAP_FLOOR)
    return _SgdRuns(batch_size, steps_per_epoch, n_steps,
                    np.asarray(sched(np.arange(n_steps)), dtype=np.float64), paths, diverged,
                    gaps, np.arange(n_steps + 1) / steps_per_epoch, gd_path, gd_div, gd_gaps)


@dataclass
class _PathsFigure:
    """The two panels' changing artists (contours, axes and legend are the static layer)."""

    fig: LayeredFigure
    ax_loss: Any
    runs: list[Any]
    gd: Any
    run_gaps: list[Any]
    gd_gaps: Any
    path_title: Any
    loss_title: Any


def _paths_figure(problem: RegressionProblem, x0: np.ndarray, xlim: tuple[float, float],
                  ylim: tuple[float, float]) -> _PathsFigure:
    c = plotting.COLORS
    centre = problem.minimiser
    grid = plotting.contour_grid(problem, xlim, ylim, resolution=120)
    with plotting.style():
        fig = LayeredFigure(figsize=(10.5, 4.4))
        # fixed positions (no layout pass per frame); the contour panel is square
        ax = fig.add_axes((0.065, 0.2, 0.3, 0.69))
        ax_loss = fig.add_axes((0.48, 0.2, 0.5, 0.69))

        levels = problem.f_min + (float(grid.Z.max()) - problem.f_min) * (
            np.linspace(0, 1, 16)[1:] ** 2)
        ax.contour(grid.X, grid.Y, grid.Z, levels=levels, cmap="viridis", linewidths=0.8,
                   alpha=0.8)
        ax.plot([centre[0]], [centre[1]], marker="*", markersize=13, linestyle="none",
                color=c["black"], zorder=5)
        ax.plot([x0[0]], [x0[1]], marker="o", markersize=7, linestyle="none", color=c["black"],
                zorder=5)
        runs = [ax.plot([], [], linewidth=0.9, marker="o", markersize=1.8, color=colour,
                        alpha=0.85, zorder=3)[0] for colour in _RUN_COLOURS]
        (gd,) = ax.plot([], [], color=c["black"], linewidth=1.6, marker="s", markersize=4,
                        linestyle="--", zorder=4)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect("equal")
        few_ticks(ax)
        ax.set_xlabel("weight $w$")
        ax.set_ylabel("bias $b$")
        path_title = fixed_title(ax, "", fontsize=10, loc="left")

        run_gaps = [ax_loss.plot([], [], linewidth=1.0, color=colour, alpha=0.85)[0]
                    for colour in _RUN_COLOURS]
        (gd_gaps,) = ax_loss.plot([], [], color=c["black"], linestyle="--", marker="s",
                                  markersize=4)
        fast_log_axis(ax_loss)
        ax_loss.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax_loss.set_xlabel("epochs (passes over the data)")
        ax_loss.set_ylabel("$L(w, b) - L^*$ (log scale)")
        loss_title = fixed_title(ax_loss, "", fontsize=10, loc="left")

        # one legend for both panels, under them: off the data. Proxies, because the runs'
        # markers come and go with the number of steps
        proxies = [
            Line2D([], [], marker="*", markersize=11, linestyle="none", color=c["black"],
                   label="minimum $(w^*, b^*)$"),
            Line2D([], [], marker="o", markersize=6, linestyle="none", color=c["black"],
                   label="start $\\theta_0$"),
            Line2D([], [], color=_RUN_COLOURS[0], linewidth=1.4,
                   label="SGD runs (one colour per shuffle)"),
            Line2D([], [], color=c["black"], linewidth=1.6, marker="s", markersize=4,
                   linestyle="--", label="full-batch GD (one step per epoch)"),
        ]
        fig.legend(handles=proxies, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncols=4,
                   fontsize=8.5, frameon=False, handlelength=2.2, columnspacing=1.6)
        fig.add_dynamic(*runs, gd, *run_gaps, gd_gaps, path_title, loss_title)
    return _PathsFigure(fig, ax_loss, runs, gd, run_gaps, gd_gaps, path_title, loss_title)


def _shown_steps(n_steps: int) -> np.ndarray:
    """At most about 700 of the steps ``0 … n_steps`` (the last included): what is drawn."""
    return np.unique(np.r_[np.arange(0, n_steps + 1, -(-(n_steps + 1) // 700)), n_steps])


def _draw_paths(f: _PathsFigure, r: _SgdRuns, n_runs: int, shown: np.ndarray) -> None:
    # markers are what costs at render time: only for short runs
    marker = "o" if r.n_steps <= 150 else "None"
    for i, line in enumerate(f.runs):
        if i < n_runs:
            line.set_data(r.paths[i, shown, 0], r.paths[i, shown, 1])
            line.set_marker(marker)
        else:
            line.set_data([], [])
    f.gd.set_data(r.gd_path[:, 0], r.gd_path[:, 1])
    note = ": diverged!" if bool(np.any(r.diverged[:n_runs])) else ""
    f.path_title.set_text(f"batch size {r.batch_size}, {r.steps_per_epoch} "
                          f"step{'s' if r.steps_per_epoch > 1 else ''} per epoch{note}")


def _draw_gaps(f: _PathsFigure, r: _SgdRuns, n_runs: int, shown: np.ndarray, n_epochs: int,
               schedule: str, lr0: float) -> None:
    for i, line in enumerate(f.run_gaps):
        if i < n_runs:
            line.set_data(r.epoch_axis[shown], r.gaps[i, shown])
        else:
            line.set_data([], [])
    f.gd_gaps.set_data(np.arange(len(r.gd_path)), r.gd_gaps)
    f.ax_loss.set_xlim(0.0, float(next(s for s in _EPOCH_SPANS if s >= n_epochs)))
    # whole decades in coarse steps (a diverging run reaches 1e12 within a few steps of lr):
    # the static layer stays put over most changes
    lo, hi = decade_limits(np.concatenate([r.gaps[:n_runs].ravel(), r.gd_gaps]),
                           low=_GAP_FLOOR, high=1e12)
    f.ax_loss.set_ylim(next((b for b in (1e-2, 1e-4, 1e-8) if b <= lo), _GAP_FLOOR),
                       next((t for t in (1e2, 1e4, 1e8) if t >= hi), 1e12))
    # short: a title's glyphs are most of what a frame costs to draw
    f.loss_title.set_text(f"{schedule} schedule, initial lr {lr0:.3g}")


def sgd_paths_explorer(
    *,
    batch_size: int = 16,
    lr: float = 0.05,
    schedule: str = "constant",
    epochs: int = 3,
    runs: int = 3,
    seed: int = 0,
    theta0: Sequence[float] | None = None,
    static: bool | None = None,
) -> Explorer:
    """SGD trajectories in the ``(w, b)`` plane of a linear regression, for any batch size.

    Left: the contours of ``L(w, b)``, ``runs`` SGD trajectories (each with its own shuffles)
    and full-batch gradient descent run for the same number of *epochs* (one step per epoch).
    Right: ``L − L*`` against epochs, on a log axis. ``theta0`` defaults to the least-squares
    solution plus :data:`THETA0_OFFSET`.

    Controls: ``batch size`` (1, 4, 16, 64, 256 = the whole set), ``lr`` (log slider
    0.001…1), ``schedule`` (constant, step, exponential, 1/t, cosine; see
    :func:`gdutils.schedules.make_schedule`), ``epochs`` (1…10), ``runs`` (1…5), ``seed``.

    ``state``: ``paths`` ((runs, k+1, 2)), ``gd_path`` ((epochs+1, 2)), ``losses``
    ((runs, k+1), ``L − L*``), ``epoch_axis`` ((k+1,)), ``steps_per_epoch``, ``n_steps``,
    ``lrs`` ((k,)), ``diverged`` ((runs,) bool), ``gd_diverged``, ``final_gap`` ((runs,)),
    ``gd_final_gap``, ``minimiser``.
    """
    problem = regression_problem()
    centre = problem.minimiser
    x0 = centre + THETA0_OFFSET if theta0 is None else np.asarray(theta0, dtype=np.float64)
    if x0.shape != (2,):
        raise ValueError(f"theta0 must have shape (2,), got {x0.shape}")
    if batch_size not in BATCH_SIZES:
        raise ValueError(f"batch_size must be one of {BATCH_SIZES}, got {batch_size!r}")
    mid = 0.5 * (x0 + centre)
    half = 0.5 * float(np.max(np.abs(x0 - centre))) + 1.2
    f = _paths_figure(problem, x0, (mid[0] - half, mid[0] + half), (mid[1] - half, mid[1] + half))

    # the runs depend on every control but "runs": moving that slider only redraws
    @functools.lru_cache(maxsize=8)
    def compute(B: int, lr0: float, schedule: str, n_epochs: int, seed: int) -> _SgdRuns:
        return _sgd_runs(problem, x0, B, lr0, schedule, n_epochs, seed)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        lr0 = float(v["lr"])
        n_epochs = int(v["epochs"])
        n_runs = int(v["runs"])
        r = compute(int(v["batch size"]), lr0, str(v["schedule"]), n_epochs, int(v["seed"]))
        # long runs are thinned for drawing only (the state keeps every step)
        shown = _shown_steps(r.n_steps)
        _draw_paths(f, r, n_runs, shown)
        _draw_gaps(f, r, n_runs, shown, n_epochs, str(v["schedule"]), lr0)
        # copies: the runs are memoised, and a state is the caller's to change
        gaps = r.gaps[:n_runs].copy()
        return {
            "paths": r.paths[:n_runs].copy(),
            "gd_path": r.gd_path.copy(),
            "losses": gaps,
            "epoch_axis": r.epoch_axis.copy(),
            "steps_per_epoch": r.steps_per_epoch,
            "n_steps": r.n_steps,
            "lrs": r.lrs.copy(),
            "diverged": r.diverged[:n_runs].copy(),
            "gd_diverged": r.gd_diverged,
            "final_gap": gaps[:, -1],
            "gd_final_gap": float(r.gd_gaps[-1]),
            "minimiser": centre.copy(),
        }

    controls = {
        "batch size": widgets.dropdown("batch size", {str(b) + (" (all)" if b == problem.n else ""): b
                                                      for b in BATCH_SIZES}, value=batch_size),
        "lr": widgets.log_slider("lr", lr, 1e-3, 1.0),
        "schedule": widgets.dropdown("schedule", list(schedules.SCHEDULES), value=schedule),
        "epochs": widgets.int_slider("epochs", epochs, 1, 10),
        "runs": widgets.int_slider("runs", runs, 1, _MAX_RUNS),
        "seed": widgets.int_slider("seed", seed, 0, 20),
    }
    return Explorer(f.fig, controls, update, static=static,
                    caption="Each run shuffles differently. Small batches take many cheap, noisy "
                            "steps per epoch; full-batch GD takes one exact step per epoch.")


# --------------------------------------------------------------------------------------------
# Loss against epochs, examples and seconds


def timed_runs(
    X: np.ndarray,
    y: np.ndarray,
    batch_sizes: Sequence[int],
    lr: float | Sequence[float],
    epochs: int,
    seed: int = 0,
    checkpoints_per_epoch: int = 20,
) -> dict[int, dict[str, np.ndarray]]:
    """Train linear regression ``ŷ = Xw + b`` by mini-batch SGD for each batch size, timing it.

    Fresh permutation every epoch (:func:`gdutils.data.minibatches`), constant step ``lr`` (one
    per batch size if a sequence). The full training loss is evaluated about
    ``checkpoints_per_epoch`` times per epoch (or after every step, if there are fewer) —
    *outside* the timed region, so ``seconds`` counts only the training steps.

    Returns
    -------
    dict batch_size → {"epochs", "examples", "seconds", "loss"} of equal-length 1-D arrays,
    the first entry being the starting point (epoch 0, 0 s).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, d = X.shape
    lrs = [float(lr)] * len(batch_sizes) if np.ndim(lr) == 0 else [float(v) for v in lr]  # type: ignore[arg-type]
    if len(lrs) != len(batch_sizes):
        raise ValueError("give one lr, or one per batch size")
    out: dict[int, dict[str, np.ndarray]] = {}

    # L(θ) = θᵀMθ − 2θᵀv + c with θ = (w, b): O(d²) per evaluation from moments computed once,
    # so checkpoints cost nothing next to the steps (and wake no BLAS threads)
    A = np.hstack([X, np.ones((n, 1))])
    M = A.T @ A / n
    v = A.T @ y / n
    c = float(y @ y) / n

    def loss(w: np.ndarray, b: float) -> float:
        th = np.append(w, b)
        return float(th @ M @ th - 2.0 * th @ v + c)

    for B, step in zip(batch_sizes, lrs):
        B = int(min(B, n))
        rng = np.random.default_rng(seed)
        w = np.zeros(d)
        b = 0.0
        steps_per_epoch = -(-n // B)
        every = max(1, steps_per_epoch // checkpoints_per_epoch)
        rec = {"epochs": [0.0], "examples": [0.0], "seconds": [0.0], "loss": [loss(w, b)]}
        seconds = 0.0
        seen = 0
        for e in range(epochs):
            k = 0
            tic = time.perf_counter()
            for Xb, yb in data.minibatches(X, y, B, rng):
                r = Xb @ w + b - yb
                w = w - step * (2.0 / len(yb)) * (Xb.T @ r)
                b = b - step * 2.0 * float(np.mean(r))
                k += 1
                seen += len(yb)
                if k % every == 0 or k == steps_per_epoch:
                    seconds += time.perf_counter() - tic
                    rec["epochs"].append(e + k / steps_per_epoch)
                    rec["examples"].append(float(seen))
                    rec["seconds"].append(seconds)
                    rec["loss"].append(loss(w, b))
                    tic = time.perf_counter()
        out[B] = {key: np.array(val, dtype=np.float64) for key, val in rec.items()}
    return out


def conditioned_regression(
    n: int, d: int = 10, kappa: float = 100.0, noise: float = 1.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A linear regression whose loss has condition number about ``kappa``.

    Feature ``j`` is standard normal times ``s_j``, with ``s`` spaced geometrically from 1 down
    to ``1/√kappa`` (so the Hessian ``2 E[xxᵀ]`` has eigenvalues from 2 down to ``2/kappa``);
    ``y = Xw + 0.5 + noise·ε`` with ``w`` drawn from ``N(0, 4)``. Standardising the features
    would make it easy (notebook 04); here the point is the cost of each step.

    Returns
    -------
    X : (n, d) float64, y : (n,) float64
    """
    if n < 1 or d < 1 or not kappa >= 1:
        raise ValueError("need n >= 1, d >= 1 and kappa >= 1")
    rng = np.random.default_rng(seed)
    s = np.logspace(0.0, -0.5 * np.log10(kappa), d)
    X = rng.standard_normal((n, d)) * s
    w = 2.0 * rng.standard_normal(d)
    y = X @ w + 0.5 + noise * rng.standard_normal(n)
    return X, y


#: default batch sizes and steps of :func:`loss_vs_time_explorer` (0 = the whole data set);
#: each step is about the largest that is stable and not too noisy for its batch size
TIME_RACE = {8: 0.05, 64: 0.2, 512: 0.5, 0: 0.9}


# the batch sizes' curves, in order: no orange next to vermillion
_SIZE_COLOURS = tuple(plotting.COLORS[c] for c in ("blue", "vermillion", "green", "purple",
                                                   "sky_blue", "black", "orange", "yellow"))
# the x-axis toggle's options and the keys of timed_runs they show
_TIME_AXES = {"epochs": "epochs", "examples processed": "examples",
              "seconds (measured)": "seconds"}
# smallest loss gap drawn
_TIME_FLOOR = 1e-12


class _FadedEntries(Artist):
    """Translucent white boxes over some entries of a legend: those entries look switched off.

    The legend stays in the static layer (its text would be most of a frame's cost); this
    artist is dynamic and costs a few rectangles. It reads the entries' places when it is
    drawn, after the legend, so it follows the legend at any resolution.
    """

    def __init__(self, entries: dict[Any, tuple[Any, Any]], zorder: float) -> None:
        super().__init__()
        self._entries = entries
        #: the keys of the entries drawn faded
        self.faded: set[Any] = set()
        self._box = Rectangle((0.0, 0.0), 1.0, 1.0, facecolor="white", edgecolor="none",
                              alpha=0.8, transform=IdentityTransform())
        self.set_zorder(zorder)

    def draw(self, renderer: Any) -> None:
        if not self.get_visible():
            return
        pad = renderer.points_to_pixels(1.5)
        for key in self.faded:
            handle, text = self._entries[key]
            box = Bbox.union([handle.get_window_extent(renderer),
                              text.get_window_extent(renderer)]).padded(pad)
            self._box.set_bounds(box.x0, box.y0, box.width, box.height)
            self._box.draw(renderer)
        self.stale = False


@dataclass
class _TimeFigure:
    """The changing artists: one curve per batch size, and the legend's faded entries."""

    fig: LayeredFigure
    ax: Any
    lines: dict[int, Any]
    faded: _FadedEntries


def _time_figure(sizes: Sequence[int], labels: dict[int, str]) -> _TimeFigure:
    with plotting.style():
        fig = LayeredFigure(figsize=(7.5, 4.3))
        ax = fig.add_axes((0.11, 0.26, 0.86, 0.65))
        lines = {B: ax.plot([], [], marker="o", markersize=2.5, linewidth=1.4,
                            color=_SIZE_COLOURS[i % len(_SIZE_COLOURS)], label=labels[B])[0]
                 for i, B in enumerate(sizes)}
        fast_log_axis(ax)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
        ax.set_ylabel("training loss gap $L - L_{\\min}$ (log scale)")
        # under the axes, off the data, listing every run; a hidden curve's entry is faded
        legend = legend_outside(ax, side="below", bbox_to_anchor=(0.5, -0.17), ncols=2,
                                fontsize=8.5)
        faded = _FadedEntries({B: (h, t) for B, h, t in
                               zip(sizes, legend.legend_handles, legend.get_texts())},
                              zorder=legend.get_zorder() + 1)
        fig.add_artist(faded)
        fig.add_dynamic(*lines.values(), faded)
    return _TimeFigure(fig, ax, lines, faded)


def _draw_curves(f: _TimeFigure, runs: dict[int, dict[str, np.ndarray]], l_min: float,
                 key: str, shown: Sequence[int]) -> tuple[dict[int, np.ndarray],
                                                          dict[int, np.ndarray]]:
    xs: dict[int, np.ndarray] = {}
    ys: dict[int, np.ndarray] = {}
    for B, line in f.lines.items():
        show = B in shown
        line.set_visible(show)
        if show:
            xs[B] = runs[B][key]
            ys[B] = np.maximum(runs[B]["loss"] - l_min, _TIME_FLOOR)
            line.set_data(xs[B], ys[B])
        else:
            line.set_data([], [])
    f.faded.faded = {B for B in f.lines if B not in shown}
    return xs, ys


def _set_time_axes(f: _TimeFigure, runs: dict[int, dict[str, np.ndarray]], l_min: float,
                   key: str, axis_label: str, n: int) -> None:
    # limits over every run, whichever are shown: ticking a batch size on or off leaves the
    # axes (and the static layer) as they are, and the curves stay comparable
    right = max(float(run[key][-1]) for run in runs.values())
    f.ax.set_xlim(0.0, right * 1.02 if right > 0 else 1.0)
    gaps = np.concatenate([run["loss"] - l_min for run in runs.values()])
    f.ax.set_ylim(*decade_limits(np.maximum(gaps, _TIME_FLOOR), low=_TIME_FLOOR, high=1e12))
    f.ax.set_xlabel(axis_label)
    fixed_title(f.ax, f"Linear regression, n = {n}: loss against {axis_label}", fontsize=10)
    f.fig.static_key = key


def loss_vs_time_explorer(
    X: np.ndarray | None = None,
    y: np.ndarray | None = None,
    *,
    batch_sizes: Sequence[int] = tuple(TIME_RACE),
    lr: float | Sequence[float] = tuple(TIME_RACE.values()),
    epochs: int = 5,
    seed: int = 0,
    static: bool | None = None,
) -> Explorer:
    """The training loss of linear regression against epochs, examples processed, or seconds.

    ``X``, ``y`` default to :func:`conditioned_regression` with ``n = 20 000``. Each batch size
    (``0`` means the whole set: full-batch gradient descent) is trained once with its step from
    ``lr``, timed, when the explorer is built (see :func:`timed_runs`); the controls only change
    what is shown. The loss axis is the gap ``L − L_min`` to the least-squares optimum, on a
    log scale; both axes span every run, shown or not, so that curves stay comparable.

    Controls: ``x-axis`` (epochs, examples processed, seconds), one check box per batch size.

    ``state``: ``x`` and ``y`` (dicts batch size → arrays drawn, for the shown sizes),
    ``runs`` (every run, see :func:`timed_runs`), ``l_min``, ``axis``.
    """
    if X is None or y is None:
        X, y = conditioned_regression(20_000, seed=seed)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = X.shape[0]
    sizes = [int(b) if int(b) > 0 else n for b in batch_sizes]
    runs = timed_runs(X, y, sizes, lr, epochs, seed=seed)
    A = np.hstack([X, np.ones((n, 1))])
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    r = A @ theta - y
    l_min = float(r @ r) / n
    steps = [float(lr)] * len(sizes) if np.ndim(lr) == 0 else [float(v) for v in lr]  # type: ignore[arg-type]
    labels = {B: (f"B = {B}, lr = {a:g}" if B < n else f"full batch (B = {n}), lr = {a:g}")
              for B, a in zip(sizes, steps)}
    f = _time_figure(sizes, labels)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        key = _TIME_AXES[v["x-axis"]]
        _set_time_axes(f, runs, l_min, key, v["x-axis"], n)
        xs, ys = _draw_curves(f, runs, l_min, key, [B for B in sizes if v[labels[B]]])
        return {"x": xs, "y": ys, "runs": runs, "l_min": l_min, "axis": key}

    controls: dict[str, Any] = {
        "x-axis": widgets.toggle("x-axis", list(_TIME_AXES), value="epochs"),
    }
    for B in sizes:
        controls[labels[B]] = widgets.checkbox(labels[B], True)
    return Explorer(f.fig, controls, update, static=static,
                    caption="Every curve was trained once, with measured times; the x-axis "
                            "changes the question from 'how many passes over the data?' to "
                            "'how much computing time?'.")
