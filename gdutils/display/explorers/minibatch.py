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
permutations, :mod:`gdutils.schedules`), never on a learner's answers.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from gdutils import data, schedules
from gdutils.display import plotting, widgets
from gdutils.display.explorers.landscapes import fast_log_axis
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
    xlim = (mid[0] - half, mid[0] + half)
    ylim = (mid[1] - half, mid[1] + half)
    grid = plotting.contour_grid(problem, xlim, ylim, resolution=120)
    max_runs = 5
    colors = [plotting.COLORS[c] for c in ("vermillion", "blue", "green", "purple", "orange")]

    with plotting.style():
        fig = Figure(figsize=(10.5, 4.4))
        ax, ax_loss = fig.subplots(1, 2, width_ratios=(1.0, 1.1))
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.88, wspace=0.25)
        levels = problem.f_min + (float(grid.Z.max()) - problem.f_min) * (
            np.linspace(0, 1, 16)[1:] ** 2)
        ax.contour(grid.X, grid.Y, grid.Z, levels=levels, cmap="viridis", linewidths=0.8,
                   alpha=0.8)
        ax.plot([centre[0]], [centre[1]], marker="*", markersize=13, linestyle="none",
                color=plotting.COLORS["black"], label="minimum", zorder=5)
        run_lines = [ax.plot([], [], linewidth=0.9, marker="o", markersize=1.8, color=c,
                             alpha=0.85, label="SGD runs" if i == 0 else None, zorder=3)[0]
                     for i, c in enumerate(colors[:max_runs])]
        (gd_line,) = ax.plot([], [], color=plotting.COLORS["black"], linewidth=1.6, marker="s",
                             markersize=4, linestyle="--", label="full-batch GD", zorder=4)
        ax.plot([x0[0]], [x0[1]], marker="o", markersize=7, linestyle="none",
                color=plotting.COLORS["black"], label="start", zorder=5)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect("equal")
        ax.set_xlabel("weight w")
        ax.set_ylabel("bias b")
        ax.legend(loc="lower left", fontsize=8)
        loss_lines = [ax_loss.plot([], [], linewidth=1.0, color=c, alpha=0.85,
                                   label="SGD runs" if i == 0 else None)[0]
                      for i, c in enumerate(colors[:max_runs])]
        (gd_loss_line,) = ax_loss.plot([], [], color=plotting.COLORS["black"], linestyle="--",
                                       marker="s", markersize=4, label="full-batch GD")
        fast_log_axis(ax_loss)
        ax_loss.set_xlabel("epochs (passes over the data)")
        ax_loss.set_ylabel("L(w, b) − L*  (log scale)")
        ax_loss.legend(loc="upper right", fontsize=8)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        B = int(v["batch size"])
        lr0 = float(v["lr"])
        n_epochs = int(v["epochs"])
        n_runs = int(v["runs"])
        steps_per_epoch = -(-problem.n // B)
        n_steps = steps_per_epoch * n_epochs
        sched = schedules.make_schedule(v["schedule"], lr0, n_steps)
        seeds = [int(v["seed"]) * 100 + r for r in range(n_runs)]
        paths, diverged = sgd_runs(problem, x0, B, sched, n_epochs, seeds)
        gd_sched = schedules.make_schedule(v["schedule"], lr0, n_epochs)
        gd_path, gd_div = _full_batch_path(problem, x0, gd_sched, n_epochs)
        with np.errstate(over="ignore", invalid="ignore"):
            gaps = np.maximum(problem(paths) - problem.f_min, 1e-16)
            gd_gaps = np.maximum(problem(gd_path) - problem.f_min, 1e-16)
        epoch_axis = np.arange(n_steps + 1) / steps_per_epoch
        # long runs are thinned for drawing only (the state keeps every step)
        shown = np.unique(np.r_[np.arange(0, n_steps + 1, -(-(n_steps + 1) // 700)), n_steps])
        for i, (line, lline) in enumerate(zip(run_lines, loss_lines)):
            if i < n_runs:
                line.set_data(paths[i, shown, 0], paths[i, shown, 1])
                lline.set_data(epoch_axis[shown], gaps[i, shown])
                # markers are what costs at render time: only for short runs
                line.set_marker("o" if n_steps <= 150 else "None")
            else:
                line.set_data([], [])
                lline.set_data([], [])
        gd_line.set_data(gd_path[:, 0], gd_path[:, 1])
        gd_loss_line.set_data(np.arange(len(gd_path)), gd_gaps)
        finite = np.concatenate([gaps[np.isfinite(gaps)], gd_gaps[np.isfinite(gd_gaps)]])
        ax_loss.set_xlim(0.0, float(n_epochs))
        ax_loss.set_ylim(max(1e-8, float(finite.min()) / 3), float(finite.max()) * 3)
        note = " — diverged!" if bool(np.any(diverged)) else ""
        ax.set_title(f"SGD with batch size {B} ({steps_per_epoch} steps per epoch){note}")
        ax_loss.set_title(f"{v['schedule']} schedule, lr₀ = {lr0:.3g}: loss gap per epoch")
        lrs = np.asarray(sched(np.arange(n_steps)), dtype=np.float64)
        return {
            "paths": paths,
            "gd_path": gd_path,
            "losses": gaps,
            "epoch_axis": epoch_axis,
            "steps_per_epoch": steps_per_epoch,
            "n_steps": n_steps,
            "lrs": lrs,
            "diverged": diverged,
            "gd_diverged": gd_div,
            "final_gap": gaps[:, -1],
            "gd_final_gap": float(gd_gaps[-1]),
            "minimiser": centre.copy(),
        }

    controls = {
        "batch size": widgets.dropdown("batch size", {str(b) + (" (all)" if b == problem.n else ""): b
                                                      for b in BATCH_SIZES}, value=batch_size),
        "lr": widgets.log_slider("lr", lr, 1e-3, 1.0),
        "schedule": widgets.dropdown("schedule", list(schedules.SCHEDULES), value=schedule),
        "epochs": widgets.int_slider("epochs", epochs, 1, 10),
        "runs": widgets.int_slider("runs", runs, 1, max_runs),
        "seed": widgets.int_slider("seed", seed, 0, 20),
    }
    return Explorer(fig, controls, update, static=static,
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
    log scale.

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
    axis_names = {"epochs": "epochs", "examples processed": "examples",
                  "seconds (measured)": "seconds"}

    with plotting.style():
        fig = Figure(figsize=(7.5, 4.3))
        ax = fig.subplots()
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.13, top=0.9)
        lines = {B: ax.plot([], [], marker="o", markersize=2.5, linewidth=1.4,
                            color=plotting.PALETTE[i % len(plotting.PALETTE)],
                            label=labels[B])[0] for i, B in enumerate(sizes)}
        fast_log_axis(ax)
        ax.set_ylabel("training loss gap L − L_min (log scale)")

    def update(v: dict[str, Any]) -> dict[str, Any]:
        key = axis_names[v["x-axis"]]
        xs: dict[int, np.ndarray] = {}
        ys: dict[int, np.ndarray] = {}
        for B in sizes:
            show = bool(v[labels[B]])
            line = lines[B]
            line.set_visible(show)
            if show:
                xs[B] = runs[B][key]
                ys[B] = np.maximum(runs[B]["loss"] - l_min, 1e-12)
                line.set_data(xs[B], ys[B])
                line.set_label(labels[B])
            else:
                line.set_data([], [])
                line.set_label(f"_{labels[B]}")
        if xs:
            right = max(float(a.max()) for a in xs.values())
            ax.set_xlim(0.0, right * 1.02 if right > 0 else 1.0)
            lo = min(float(a.min()) for a in ys.values())
            hi = max(float(a.max()) for a in ys.values())
            ax.set_ylim(lo / 2, hi * 2)
            ax.legend(loc="upper right", fontsize=8)
        elif ax.get_legend() is not None:
            ax.get_legend().remove()
        ax.set_xlabel(v["x-axis"])
        ax.set_title(f"Linear regression, n = {n}: loss against {v['x-axis']}")
        return {"x": xs, "y": ys, "runs": runs, "l_min": l_min, "axis": key}

    controls: dict[str, Any] = {
        "x-axis": widgets.toggle("x-axis", list(axis_names), value="epochs"),
    }
    for B in sizes:
        controls[labels[B]] = widgets.checkbox(labels[B], True)
    return Explorer(fig, controls, update, static=static,
                    caption="Every curve was trained once, with measured times; the x-axis "
                            "changes the question from 'how many passes over the data?' to "
                            "'how much computing time?'.")
