"""Small networks trained by gradient descent, and what their gradients cost (notebook 08).

* :func:`boundary_explorer` — a two-layer ReLU network trained by full-batch gradient descent on
  moons or spirals; sliders for the hidden width, the learning rate (log), the initial weight
  scale (log) and the step at which to look. Left: the decision regions and the data; right: the
  loss curve. Runs are cached per setting and keep snapshots, so moving the step slider only
  redraws.
* :func:`cost_explorer` — the *measured* cost of one gradient by finite differences and by
  backpropagation as the number of parameters grows (:func:`measure_costs`), on log–log axes, in
  seconds or in forward-pass equivalents; a slider picks a width and the title spells out the
  numbers.

Helpers the notebook uses too: :func:`two_layer_loss` (loss and gradients of a two-layer network
whose parameters are a dict, as in the exercises), :func:`init_two_layer`, :func:`predict`,
:func:`train_two_layer`, :func:`dead_units`, :func:`load_dataset`, :func:`measure_costs` and
:func:`plot_costs`.

Everything runs on gdutils' reference code (:mod:`gdutils.nn`, :mod:`gdutils.gradcheck`), never on
a learner's answers.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D

from gdutils import _validate, data, gradcheck, nn
from gdutils.display import plotting, widgets
from gdutils.display.explorers._axes import decade_limits, fast_log_axis, fixed_title
from gdutils.display.explorers._layers import LayeredFigure, PixelImage
from gdutils.display.widgets import Explorer

__all__ = [
    "DATASETS",
    "boundary_explorer",
    "cost_explorer",
    "dead_units",
    "init_two_layer",
    "load_dataset",
    "measure_costs",
    "plot_costs",
    "predict",
    "train_two_layer",
    "two_layer_loss",
]

#: The data sets of :func:`boundary_explorer`, by menu label.
DATASETS = ("moons", "spirals")

_PARAM_NAMES = ("W1", "b1", "W2", "b2")


def load_dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The explorer's data: 200 noisy moons (2 classes) or 3 spirals of 80 points."""
    if name == "moons":
        return data.make_moons(200, noise=0.15, seed=0)
    if name == "spirals":
        return data.make_spirals(80, 3, noise=0.2, seed=0)
    raise ValueError(f"dataset must be one of {DATASETS}, got {name!r}")


def init_two_layer(n_in: int, n_hidden: int, n_out: int, rng: np.random.Generator | int = 0,
                   scale: float = 1.0) -> dict[str, np.ndarray]:
    """Parameters ``{"W1": (n_in, n_hidden), "b1": (n_hidden,), "W2": (n_hidden, n_out),
    "b2": (n_out,)}``: torch's default ``U(−1/√fan_in, 1/√fan_in)`` times ``scale``."""
    n_in, n_hidden, n_out = (_validate.count(k, v) for k, v in
                             (("n_in", n_in), ("n_hidden", n_hidden), ("n_out", n_out)))
    scale = _validate.positive("scale", scale)
    gen = _validate.rng("rng", rng)
    first, second = nn.Linear(n_in, n_hidden, gen), nn.Linear(n_hidden, n_out, gen)
    return {"W1": first.W * scale, "b1": first.b * scale,
            "W2": second.W * scale, "b2": second.b * scale}


def _check_params(params: Any) -> dict[str, np.ndarray]:
    if not isinstance(params, dict) or set(params) != set(_PARAM_NAMES):
        raise ValueError(f"params must be a dict with keys {_PARAM_NAMES}")
    W1, b1, W2, b2 = (params[k] for k in _PARAM_NAMES)
    for k in _PARAM_NAMES:
        if not isinstance(params[k], np.ndarray) or params[k].dtype != np.float64:
            raise ValueError(f"params[{k!r}] must be a float64 numpy array")
    if W1.ndim != 2 or W2.ndim != 2 or b1.shape != (W1.shape[1],) or W2.shape[0] != W1.shape[1] \
            or b2.shape != (W2.shape[1],):
        raise ValueError("params must have shapes W1 (D, H), b1 (H,), W2 (H, K), b2 (K,); got "
                         + ", ".join(f"{k} {params[k].shape}" for k in _PARAM_NAMES))
    return params


def _layers(params: dict[str, np.ndarray]) -> tuple[nn.Linear, nn.ReLU, nn.Linear]:
    first = nn.Linear(*params["W1"].shape)
    second = nn.Linear(*params["W2"].shape)
    first.W, first.b = params["W1"], params["b1"]  # the caller's arrays, not copies
    second.W, second.b = params["W2"], params["b2"]
    return first, nn.ReLU(), second


def two_layer_loss(params: dict[str, np.ndarray], X: np.ndarray,
                   y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    r"""Mean softmax cross-entropy of ``affine → ReLU → affine`` and its gradients.

    .. math::

        h = \max(X W_1 + b_1, 0), \quad z = h W_2 + b_2, \quad
        L = \tfrac{1}{N}\textstyle\sum_n -\log \operatorname{softmax}(z_n)_{y_n}

    Parameters
    ----------
    params : dict
        ``W1 (D, H)``, ``b1 (H,)``, ``W2 (H, K)``, ``b2 (K,)``, float64.
    X : (N, D) float64
    y : (N,) integer labels in [0, K)

    Returns
    -------
    loss : float
    grads : dict
        Same keys and shapes as ``params``.
    """
    params = _check_params(params)
    first, relu, second = _layers(params)
    ce = nn.SoftmaxCrossEntropy()
    loss = ce.forward(second.forward(relu.forward(first.forward(X))), y)
    first.backward(relu.backward(second.backward(ce.backward())))
    grads = {"W1": first.dW.copy(), "b1": first.db.copy(), "W2": second.dW.copy(),
             "b2": second.db.copy()}
    return loss, grads


def predict(params: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """Class scores ``(N, K)`` of the two-layer network (no softmax)."""
    h = np.maximum(X @ params["W1"] + params["b1"], 0.0)
    return h @ params["W2"] + params["b2"]


def dead_units(params: dict[str, np.ndarray], X: np.ndarray) -> int:
    """Hidden ReLU units whose input is ≤ 0 on every example of ``X``.

    Such a unit outputs 0 everywhere and its mask blocks every gradient, so gradient descent
    can never revive it — what a too-large learning rate leaves behind.
    """
    with np.errstate(all="ignore"):
        pre = X @ params["W1"] + params["b1"]
    return int(np.sum(np.all(~(pre > 0), axis=0)))


def train_two_layer(X: np.ndarray, y: np.ndarray, width: int = 16, lr: float = 1.0,
                    init_scale: float = 1.0, n_steps: int = 400, seed: int = 0,
                    snapshot_every: int = 0) -> dict[str, Any]:
    """Full-batch gradient descent on a two-layer ReLU network from :func:`init_two_layer`.

    Stops early and reports ``status = "diverged"`` when the loss stops being finite or passes
    1e6 (too large a learning rate or initial scale).

    Returns
    -------
    dict
        ``params`` (final), ``losses`` (the loss before each step and after the last one:
        ``n_steps + 1`` values, fewer if the run diverged), ``accuracy``
        (training accuracy of the final parameters), ``status`` (``"ok"`` or ``"diverged"``),
        ``snapshots`` (``{step: params}`` every ``snapshot_every`` steps and at the end, if
        ``snapshot_every > 0``; only finite-loss states).
    """
    width = _validate.count("width", width)
    lr = _validate.positive("lr", lr)
    n_steps = int(n_steps)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (X.shape[0],) or y.dtype.kind not in "iu" or y.size == 0:
        raise ValueError(f"expected X of shape (N, D) and integer labels y of shape (N,), got "
                         f"X {X.shape} and y {y.shape} {y.dtype}")
    if int(np.min(y)) < 0:
        raise ValueError(f"labels must be class indices ≥ 0, got {int(np.min(y))}")
    k = int(np.max(y)) + 1
    params = init_two_layer(X.shape[1], width, k, seed, init_scale)
    # The arithmetic of nn.Linear → nn.ReLU → nn.Linear → nn.SoftmaxCrossEntropy without their
    # per-call checks, which are most of the time of so small a network; a test holds it to the
    # layers. Each bias rides along as the last column of its weights ([W b] @ [x; 1] = W x + b),
    # the learning rate is folded into ∂L/∂z, and arrays are stored transposed (a feature per
    # row, an example per column), so the hidden layer's element-wise steps run over contiguous
    # memory: a step is about twenty numpy calls, each costing more than its arithmetic here.
    n = X.shape[0]
    A1 = np.ascontiguousarray(np.vstack([params["W1"], params["b1"]]).T)   # (H, D+1)
    A2 = np.ascontiguousarray(np.vstack([params["W2"], params["b2"]]).T)   # (K, H+1)
    X1T = np.ascontiguousarray(np.hstack([X, np.ones((n, 1))]).T)         # (D+1, N)
    X1 = X1T.T
    h1T = np.ones((width + 1, n))                      # [h; 1], one column per example
    hT = h1T[:width]
    h1 = h1T.T
    W2 = A2[:, :width].T                               # (H, K), a view: follows A2's updates
    onehot = np.zeros((k, n))
    onehot[y, np.arange(n)] = 1.0
    step_n = lr / n
    step_onehot = step_n * onehot
    ones_k = np.ones(k)

    def as_params() -> dict[str, np.ndarray]:
        return {"W1": A1[:, :-1].T.copy(), "b1": A1[:, -1].copy(),
                "W2": A2[:, :-1].T.copy(), "b2": A2[:, -1].copy()}

    losses: list[float] = []
    snapshots: dict[int, dict[str, np.ndarray]] = {}
    status = "ok"
    with np.errstate(all="ignore"):
        for t in range(n_steps + 1):
            pre = A1 @ X1T                              # ∂pre/∂A1 = X1
            np.maximum(pre, 0.0, out=hT)                # ∂h/∂pre = [pre > 0]
            z = A2 @ h1T                                # ∂z/∂A2 = h1, ∂z/∂h = W2
            e = np.exp(z)
            total = ones_k @ e
            # L = mean(log Σ_j e^{z_j} − z_y): inf or NaN when a logit overflowed exp
            loss = (float(np.log(total).sum()) - float(np.vdot(z, onehot))) / n
            if not (loss <= 1e6 and total.min() >= 1e-30):
                # overflow, or an example whose exponentials all (nearly) underflowed: shift
                # each example's logits by its largest (every exponent ≤ 0, the largest 0)
                shifted = z - z.max(axis=0, keepdims=True)
                e = np.exp(shifted)
                total = ones_k @ e
                loss = float(np.sum(np.log(total)) - np.sum(shifted * onehot)) / n
                if not math.isfinite(loss) or loss > 1e6:
                    status = "diverged"
                    break
            losses.append(loss)
            if snapshot_every and (t % snapshot_every == 0 or t == n_steps):
                snapshots[t] = as_params()
            if t == n_steps:
                break
            e *= step_n / total
            e -= step_onehot                            # lr · ∂L/∂z = lr · (softmax − onehot) / N
            dh = W2 @ e
            dh *= pre > 0.0
            A2 -= e @ h1  # the same update as in notebook 02, for every parameter array
            A1 -= dh @ X1
        if snapshot_every and not snapshots:
            snapshots[0] = as_params()
        params = as_params()
        scores = predict(params, X)
    accuracy = float(np.mean(np.argmax(scores, axis=1) == y)) if np.all(np.isfinite(scores)) else 0.0
    return {"params": params, "losses": np.array(losses), "accuracy": accuracy, "status": status,
            "snapshots": snapshots}


# ---------------------------------------------------------------------------------------------
# Decision boundaries


def _region_colors(k: int) -> np.ndarray:
    """Light tints of the classes' colours, as opaque uint8 RGBA (the colour at 28 % on white).

    An opaque uint8 image is drawn three times faster than a translucent float one.
    """
    rgba = np.array([to_rgba(plotting.PALETTE[c]) for c in range(k)])
    tint = 1.0 - 0.28 * (1.0 - rgba[:, :3])
    return np.concatenate([np.round(255 * tint), np.full((k, 1), 255.0)], axis=1).astype(np.uint8)


#: the most classes a data set of :data:`DATASETS` has (one line of points per class)
_MAX_CLASSES = 3
#: loss-axis limits move between these (coarse steps: the static layer rarely changes)
_LOSS_BOTTOMS = (1e-1, 1e-2, 1e-4)
_LOSS_TOPS = (10.0, 1e3, 1e6)


@dataclass
class _BoundaryFigure:
    fig: LayeredFigure
    ax: Any
    ax_loss: Any
    image: PixelImage
    points: list[Any]
    curve: Any
    marker: Any
    title: Any
    loss_title: Any


def _boundary_figure(res: int) -> _BoundaryFigure:
    c = plotting.COLORS
    with plotting.style():
        fig = LayeredFigure(figsize=(10.5, 4.7))
        # fixed margins: a layout engine would measure every text at each redraw
        fig.subplots_adjust(left=0.065, right=0.985, bottom=0.2, top=0.9, wspace=0.22)
        ax, ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1.0]})
        # the regions change with every control: PixelImage draws them without imshow's
        # resampling (tens of milliseconds at this size)
        image = PixelImage(ax, np.full((res, res, 4), 255, np.uint8), (0.0, 1.0, 0.0, 1.0),
                           zorder=0)
        # one line of markers per class: much cheaper to draw than a scatter with a colour
        # per point, and drawn over the regions on every frame
        points = [ax.plot([], [], marker="o", markersize=math.sqrt(14.0), linestyle="none",
                          color=plotting.PALETTE[k], markeredgecolor="0.15",
                          markeredgewidth=0.4, zorder=3)[0] for k in range(_MAX_CLASSES)]
        ax.grid(False)                # the regions cover the whole axes
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        (curve,) = ax_loss.plot([], [], color=c["blue"], label="training loss")
        (marker,) = ax_loss.plot([], [], "o", color=c["vermillion"], label="the step shown")
        fast_log_axis(ax_loss, numticks=6)
        ax_loss.set_xlabel("step of gradient descent")
        ax_loss.set_ylabel("mean cross-entropy")
        region = Line2D([], [], marker="s", markersize=9, linestyle="none",
                        color=_region_colors(1)[0] / 255.0, label="region of a predicted class")
        point = Line2D([], [], marker="o", markersize=5, linestyle="none", color=c["blue"],
                       markeredgecolor="0.15", label="training point (colour: its class)")
        fig.legend(handles=[region, point, curve, marker], loc="lower center", ncols=4,
                   fontsize=8, frameon=False)
        title = fixed_title(ax, "", fontsize=10)
        loss_title = fixed_title(ax_loss, "", fontsize=10)
        # the points are drawn over the regions, so they are redrawn after them
        fig.add_dynamic(image, *points, curve, marker, title, loss_title)
    return _BoundaryFigure(fig, ax, ax_loss, image, points, curve, marker, title, loss_title)


def _show_dataset(f: _BoundaryFigure, X: np.ndarray, y: np.ndarray,
                  extent: tuple[float, float, float, float]) -> None:
    """The data set's points and window (the window's limits are in the static layer's key)."""
    for k, line in enumerate(f.points):
        line.set_data(X[y == k, 0], X[y == k, 1])
    f.image.set_extent(extent)
    f.ax.set_xlim(extent[0], extent[1])
    f.ax.set_ylim(extent[2], extent[3])


@dataclass
class _Snapshot:
    """What the explorer shows of one snapshot of a run (computed once, then replayed)."""

    pixels: np.ndarray
    accuracy: float
    dead: int


def _snapshot(params: dict[str, np.ndarray], pts: np.ndarray, X: np.ndarray, y: np.ndarray,
              res: int, colors: np.ndarray) -> _Snapshot:
    """The predicted class everywhere as pixels, the training accuracy (NaN if it blew up) and
    the dead units of one set of parameters."""
    with np.errstate(all="ignore"):
        scores = predict(params, pts)
        pred_X = predict(params, X)
    finite = bool(np.all(np.isfinite(scores)))
    if finite:
        pixels = colors[np.argmax(scores, axis=1).reshape(res, res)]
        accuracy = float(np.mean(np.argmax(pred_X, axis=1) == y))
    else:
        pixels, accuracy = np.full((res, res, 4), 255, np.uint8), float("nan")
    return _Snapshot(pixels, accuracy, dead_units(params, X))


def _loss_limits(losses: np.ndarray) -> tuple[float, float]:
    """Log limits around the finite positive losses, each end one of three coarse steps."""
    good = losses[np.isfinite(losses) & (losses > 0)] if losses.size else losses
    lo, hi = decade_limits(good, low=1e-4, high=1e6, min_decades=1)
    return (next((b for b in _LOSS_BOTTOMS if b <= lo), _LOSS_BOTTOMS[-1]),
            next((t for t in _LOSS_TOPS if t >= hi), _LOSS_TOPS[-1]))


def _draw_loss(f: _BoundaryFigure, losses: np.ndarray, step: int, max_steps: int) -> float:
    taken = len(losses)
    f.curve.set_data(np.arange(taken), losses if taken else [])
    loss_here = float(losses[step]) if step < taken else float("nan")
    f.marker.set_data([step], [loss_here])
    f.ax_loss.set_xlim(0, max_steps)
    f.ax_loss.set_ylim(*_loss_limits(losses))
    return loss_here


def _draw_titles(f: _BoundaryFigure, name: str, width: int, step: int, shot: _Snapshot,
                 lr: float, scale: float, diverged_at: int | None) -> None:
    accuracy, dead = shot.accuracy, shot.dead
    f.title.set_text(f"{name}: width {width}, step {step} — training accuracy "
                     + (f"{accuracy:.1%}" if math.isfinite(accuracy) else "n/a")
                     + (f", {dead} dead ReLU{'s' if dead != 1 else ''}" if dead else ""))
    f.loss_title.set_text("loss during training" + (
        f" — DIVERGED at step {diverged_at} (learning rate or init scale too large)"
        if diverged_at is not None else f" (lr {lr:.3g}, init ×{scale:.3g})"))


def boundary_explorer(dataset: str = "moons", width: int = 16, lr: float = 1.0,
                      init_scale: float = 1.0, *, max_steps: int = 500,
                      static: bool | None = None) -> Explorer:
    """A two-layer network learning moons or spirals: width, learning rate, init scale, step.

    Full-batch gradient descent from :func:`init_two_layer` (seed 0). Controls: the data set,
    the hidden width (2–64), the learning rate (log, 0.001–10), the initial weight scale (log,
    0.01–100; torch's default is 1) and the step to show (0–``max_steps``, snapshots every 25
    steps). ``explorer.state`` holds ``dataset``, ``step``, ``accuracy`` (training accuracy at
    that step), ``loss`` (at that step, NaN if the run diverged before it), ``dead_units`` (hidden
    units inactive on every training example at that step, see :func:`dead_units`), ``losses``
    (the whole run), ``status`` (``"ok"`` or ``"diverged"``) and ``diverged_at`` (the step, or
    None).

    A run depends on the data set, the width, the learning rate and the initial scale only:
    runs are memoised by those four values, and so is what each snapshot shows, so the step
    slider (and a return to an earlier setting) only replays them.
    """
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}, got {dataset!r}")
    max_steps = _validate.count("max_steps", max_steps)
    every = 25
    max_steps = max(every, (max_steps // every) * every)
    cache: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
    sets = {name: load_dataset(name) for name in DATASETS}
    colors = {name: _region_colors(int(y.max()) + 1) for name, (_, y) in sets.items()}
    res = 110
    grids = {}
    for name, (X, _) in sets.items():
        lo, hi = X.min(axis=0) - 0.35, X.max(axis=0) + 0.35
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], res), np.linspace(lo[1], hi[1], res))
        grids[name] = (np.column_stack([gx.ravel(), gy.ravel()]),
                       (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])))

    def run(name: str, w: int, rate: float, scale: float) -> dict[str, Any]:
        key = (name, w, round(rate, 12), round(scale, 12))
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        X, y = sets[name]
        out = train_two_layer(X, y, w, rate, scale, max_steps, seed=0, snapshot_every=every)
        out["shown"] = {}                  # step -> _Snapshot, filled as the slider visits
        cache[key] = out
        if len(cache) > 48:
            cache.popitem(last=False)
        return out

    f = _boundary_figure(res)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        name, width_v = v["dataset"], int(v["width"])
        lr_v, scale_v = float(v["lr"]), float(v["init scale"])
        X, y = sets[name]
        pts, extent = grids[name]
        _show_dataset(f, X, y, extent)
        out = run(name, width_v, lr_v, scale_v)
        step = max(s for s in out["snapshots"] if s <= int(v["step"]))
        if step not in out["shown"]:
            out["shown"][step] = _snapshot(out["snapshots"][step], pts, X, y, res, colors[name])
        shot = out["shown"][step]
        f.image.set_data(shot.pixels)
        losses = out["losses"]
        loss_here = _draw_loss(f, losses, step, max_steps)
        diverged_at = len(losses) - 1 if out["status"] == "diverged" else None
        _draw_titles(f, name, width_v, step, shot, lr_v, scale_v, diverged_at)
        return {"dataset": name, "step": step, "accuracy": shot.accuracy, "loss": loss_here,
                "dead_units": shot.dead,
                "losses": losses.copy(), "status": out["status"], "diverged_at": diverged_at,
                "n_cached": len(cache)}

    controls = {
        "dataset": widgets.dropdown("dataset", list(DATASETS), value=dataset),
        "width": widgets.int_slider("width", int(width), 2, 64),
        "lr": widgets.log_slider("lr", float(lr), 1e-3, 10.0),
        "init scale": widgets.log_slider("init scale", float(init_scale), 1e-2, 1e2),
        "step": widgets.int_slider("step", max_steps, 0, max_steps, every),
    }
    return Explorer(f.fig, controls, update, static=static,
                    caption="Full-batch gradient descent on a two-layer ReLU network. Tiny "
                            "initial weights start slowly; a huge initial scale starts from a huge "
                            "loss; too large a learning rate kills hidden units (a dead ReLU is "
                            "inactive on every example, so its gradient is 0 for good).")


# ---------------------------------------------------------------------------------------------
# The cost of a gradient


def _best_time(fn: Any, repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _measure_width(params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray, repeats: int,
                   fd_repeats: int) -> dict[str, float]:
    first, relu, second = _layers(params)
    ce = nn.SoftmaxCrossEntropy()
    calls = [0]

    def forward() -> float:
        calls[0] += 1
        return ce.forward(second.forward(relu.forward(first.forward(X))), y)

    def backprop() -> None:
        forward()
        first.backward(relu.backward(second.backward(ce.backward())))

    backprop()  # warm-up: the first call allocates the layers' buffers
    t_forward = _best_time(forward, repeats)
    t_backprop = _best_time(backprop, repeats)
    analytic = [g.copy() for g in (first.dW, first.db, second.dW, second.db)]
    t_fd = math.inf
    numeric: list[np.ndarray] = []
    for _ in range(max(1, fd_repeats)):
        calls[0] = 0
        start = time.perf_counter()
        # numerical_gradient perturbs each parameter array in place; the layers hold the arrays
        numeric = [gradcheck.numerical_gradient(lambda _p: forward(), p)
                   for p in (params["W1"], params["b1"], params["W2"], params["b2"])]
        t_fd = min(t_fd, time.perf_counter() - start)
    err = max(gradcheck.rel_error(a, b) for a, b in zip(analytic, numeric, strict=True))
    return {"n_params": sum(p.size for p in params.values()), "forward_s": t_forward,
            "backprop_s": t_backprop, "fd_s": t_fd, "fd_forward_calls": calls[0],
            "max_rel_error": err}


def measure_costs(widths: Sequence[int] = (2, 4, 8, 16, 32, 64, 128), n_in: int = 10,
                  n_out: int = 3, batch: int = 32, repeats: int = 7, fd_repeats: int = 2,
                  seed: int = 0) -> dict[str, np.ndarray]:
    """Time one gradient of a two-layer network by finite differences and by backpropagation.

    For each hidden width: ``P`` parameters; the best of ``repeats`` timings of one forward
    pass (the loss), of one forward + backward pass (the full gradient by backpropagation), and
    the best of ``fd_repeats`` timings of the full gradient by centred finite differences
    (:func:`gdutils.gradcheck.numerical_gradient` on every parameter array), whose forward
    passes are counted. Cost grows like ``P`` for finite differences (2P forward passes) and
    stays a small multiple of one forward pass for backpropagation.

    Returns
    -------
    dict of arrays (one entry per width)
        ``widths``, ``n_params``, ``forward_s``, ``backprop_s``, ``fd_s``, ``fd_forward_calls``,
        ``max_rel_error`` (finite differences vs backprop, a sanity check).
    """
    widths = [_validate.count("width", w) for w in widths]
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, n_in))
    y = rng.integers(0, n_out, batch)
    out: dict[str, list[float]] = {k: [] for k in ("widths", "n_params", "forward_s", "backprop_s",
                                                    "fd_s", "fd_forward_calls", "max_rel_error")}
    for w in widths:
        row = _measure_width(init_two_layer(n_in, w, n_out, rng), X, y, repeats, fd_repeats)
        row["widths"] = w
        for key, val in row.items():
            out[key].append(val)
    return {k: np.array(v) for k, v in out.items()}


def plot_costs(costs: dict[str, np.ndarray], ax: Axes | None = None, *,
               unit: str = "seconds", legend: str = "inside") -> Axes:
    """Log–log plot of :func:`measure_costs`: cost of one gradient against the parameter count.

    ``unit="seconds"`` plots times; ``unit="forward passes"`` divides by one forward pass.
    ``legend="right"`` puts the legend beside the axes (leave room for it) instead of in its
    upper left corner, above the curves.
    """
    if unit not in ("seconds", "forward passes"):
        raise ValueError(f"unit must be 'seconds' or 'forward passes', got {unit!r}")
    P = costs["n_params"]
    scale = costs["forward_s"] if unit == "forward passes" else np.ones_like(costs["forward_s"])
    with plotting.style():
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(6.8, 4.2))
        ax.loglog(P, costs["fd_s"] / scale, "o-", color=plotting.COLORS["vermillion"],
                  label="finite differences ($2P$ forward passes)")
        ax.loglog(P, costs["backprop_s"] / scale, "s-", color=plotting.COLORS["blue"],
                  label="backpropagation (1 forward + 1 backward)")
        ax.loglog(P, costs["forward_s"] / scale, "^--", color="0.45", label="one forward pass")
        # the count alone: 2P forward passes (the measurement adds the loop's own overhead)
        ax.loglog(P, 2 * P * costs["forward_s"] / scale, ":", color=plotting.COLORS["vermillion"],
                  alpha=0.7, label="exactly $2P$ forward passes")
        ax.set_xlabel("number of parameters $P$")
        ax.set_ylabel("cost of one gradient (" + ("s" if unit == "seconds"
                                                  else "in forward passes") + ")")
        ax.set_title("Cost of one gradient: finite differences vs backpropagation (measured)")
        if legend == "right":
            ax.legend(loc="upper left", bbox_to_anchor=(1.03, 1.0), fontsize=8, frameon=False,
                      borderaxespad=0.0)
        else:
            ax.legend(loc="upper left", fontsize=8)
    return ax


def cost_explorer(costs: dict[str, np.ndarray] | None = None, *,
                  static: bool | None = None) -> Explorer:
    """The measured cost plot, with a width picker and a choice of unit.

    ``costs`` comes from :func:`measure_costs` (measured now if omitted, about a second).
    ``explorer.state`` holds the picked ``width``, ``n_params``, ``fd_s``, ``backprop_s``,
    ``forward_s``, ``speedup`` (finite differences / backprop) and ``fd_forward_calls``.
    """
    if costs is None:
        costs = measure_costs()
    widths = [int(w) for w in costs["widths"]]
    units = ("seconds", "forward passes")
    with plotting.style():
        fig = LayeredFigure(figsize=(9.6, 4.4))
        # one axes per unit, built once and shown one at a time: switching the unit then swaps
        # two cached static layers instead of re-plotting the curves, ticks and legend
        panels: dict[str, tuple[Any, Any, Any]] = {}
        for unit in units:
            ax = fig.add_axes((0.09, 0.12, 0.53, 0.74), label=unit)
            plot_costs(costs, ax, unit=unit, legend="right")
            (mark,) = ax.plot([], [], "o", markersize=14, markerfacecolor="none",
                              markeredgecolor="black", markeredgewidth=1.5, zorder=5)
            panels[unit] = (ax, mark, fixed_title(ax, "", fontsize=9.5))
        fig.add_dynamic(*(a for _, mark, title in panels.values() for a in (mark, title)))

    def update(v: dict[str, Any]) -> dict[str, Any]:
        unit = v["unit"]
        i = widths.index(int(v["width"]))
        for name, (ax, mark, title) in panels.items():
            ax.set_visible(name == unit)
            mark.set_visible(name == unit)
            title.set_text("")
        fig.static_key = unit
        _, mark, title = panels[unit]
        scale = costs["forward_s"][i] if unit == "forward passes" else 1.0
        P = float(costs["n_params"][i])
        mark.set_data([P, P], [costs["fd_s"][i] / scale, costs["backprop_s"][i] / scale])
        speedup = float(costs["fd_s"][i] / costs["backprop_s"][i])
        title.set_text(
            f"width {widths[i]}: P = {int(P)} parameters\nfinite differences "
            f"{int(costs['fd_forward_calls'][i])} forward passes, {costs['fd_s'][i] * 1e3:.1f} ms; "
            f"backprop {costs['backprop_s'][i] * 1e3:.2f} ms (×{speedup:.0f})")
        return {"width": widths[i], "n_params": int(P), "fd_s": float(costs["fd_s"][i]),
                "backprop_s": float(costs["backprop_s"][i]),
                "forward_s": float(costs["forward_s"][i]), "speedup": speedup,
                "fd_forward_calls": int(costs["fd_forward_calls"][i])}

    controls = {
        "width": widgets.dropdown("hidden width", widths, value=widths[len(widths) // 2]),
        "unit": widgets.toggle("unit", list(units)),
    }
    return Explorer(fig, controls, update, static=static,
                    caption="Both gradients are exact to about 1e-9 (checked); only their cost "
                            "differs.")
