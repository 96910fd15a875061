"""Explorers for classification by gradient descent: logistic regression's decision boundary over
the iterations, and the decision threshold with its confusion matrix.

Two factories, each returning a :class:`gdutils.widgets.Explorer`:

* :func:`decision_boundary_explorer` — logistic regression trained by
  :func:`gdutils.descent.gradient_descent` (the loop of notebook 03) on two classes in the
  plane; an iteration slider walks the run, a log slider sets the step size, a drop-down picks
  overlapping or linearly separable data. Left: the predicted probability, the boundary
  ``p = 0.5`` and the lines ``p = 0.1, 0.9``; right: the cross-entropy and ``‖w‖`` against the
  iterations.
* :func:`threshold_explorer` — one trained model, a threshold slider: predict class 1 when
  ``p ≥ threshold``. Left: the data and the line where ``p = threshold``; middle: the confusion
  matrix; right: precision and recall against the threshold.

Everything runs on gdutils' reference code (:mod:`gdutils.losses`, :mod:`gdutils.descent`),
never on a learner's answers. Each figure is built once (``_boundary_figure``,
``_threshold_figure``) as a :class:`~gdutils.display.explorers._layers.LayeredFigure` and updated
panel by panel; the classes are told apart by marker shape as well as colour, with dark edges
so that points stay visible on a shaded region of their own colour.

:func:`confusion_counts` is public because the notebook and the tests use it too.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib import ticker
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Polygon

from gdutils import data, descent, losses
from gdutils.display import plotting, widgets
from gdutils.display.explorers._axes import decade_limits, fixed_title, nice_number
from gdutils.display.explorers._layers import LayeredFigure, PixelImage
from gdutils.display.widgets import Explorer

__all__ = [
    "decision_boundary_explorer",
    "threshold_explorer",
    "confusion_counts",
    "fit_logistic",
    "DATASETS",
]

#: The data sets of :func:`decision_boundary_explorer`, by menu label.
DATASETS = ("overlapping blobs", "separable")

_PROB_CMAP = LinearSegmentedColormap.from_list(
    "gd_prob", [plotting.COLORS["blue"], "#ffffff", plotting.COLORS["orange"]]
)
#: class 0 and class 1: colour, marker (shape tells them apart on any background)
_CLASS_STYLE = {0: {"color": plotting.COLORS["blue"], "marker": "o"},
                1: {"color": plotting.COLORS["orange"], "marker": "^"}}


def _dataset(name: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if name == "overlapping blobs":
        return data.make_blobs(n, centers=np.array([[-1.2, -0.8], [1.2, 0.8]]), std=1.1, seed=seed)
    if name == "separable":
        return data.make_separable(n, seed=seed, margin=0.4)
    raise ValueError(f"dataset must be one of {DATASETS}, got {name!r}")


def fit_logistic(
    X: np.ndarray, y: np.ndarray, lr: float, n_steps: int
) -> descent.DescentResult:
    """Logistic regression by :func:`gdutils.descent.gradient_descent` from ``w = 0, b = 0``.

    The parameters are packed as ``θ = (w₁, …, w_d, b)``; the result's ``path`` has shape
    ``(n_steps + 1, d + 1)`` and ``losses`` holds the mean cross-entropy at every iterate.
    """
    d = X.shape[1]
    yf = np.asarray(y, dtype=np.float64)

    def grad(theta: np.ndarray) -> np.ndarray:
        dw, db = losses.logistic_gradient(X, yf, theta[:d], theta[d])
        return np.append(dw, db)

    def loss(theta: np.ndarray) -> float:
        return losses.binary_cross_entropy_with_logits(X @ theta[:d] + theta[d], yf)

    return descent.gradient_descent(grad, np.zeros(d + 1), lr, max_iter=n_steps, tol=None, f=loss,
                                    on_divergence="stop")


def confusion_counts(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, Any]:
    """Counts and rates of the rule "predict 1 when ``p ≥ threshold``".

    Parameters
    ----------
    y : (n,) labels in {0, 1}
    p : (n,) predicted probabilities of class 1
    threshold : float

    Returns
    -------
    dict
        ``tp, fp, fn, tn`` (ints), ``confusion`` (2×2: rows the true class 0/1, columns the
        predicted class 0/1), ``precision = tp/(tp+fp)`` (1.0 by convention when nothing is
        predicted positive: no false alarms), ``recall = tp/(tp+fn)``, ``accuracy``.
    """
    ya = np.asarray(y)
    pa = np.asarray(p, dtype=np.float64)
    if ya.ndim != 1 or pa.shape != ya.shape:
        raise ValueError(f"y and p must both have shape (n,), got {ya.shape} and {pa.shape}")
    pred = pa >= threshold
    pos = ya == 1
    tp = int(np.sum(pred & pos))
    fp = int(np.sum(pred & ~pos))
    fn = int(np.sum(~pred & pos))
    tn = int(np.sum(~pred & ~pos))
    return {
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "confusion": np.array([[tn, fp], [fn, tp]]),
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "accuracy": (tp + tn) / ya.size,
    }


def _line(w: np.ndarray, b: float, level: float, xlim: tuple[float, float],
          ylim: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Points of the line ``w·x + b = level`` across the window (empty when ``w = 0``)."""
    if abs(w[1]) >= abs(w[0]) and w[1] != 0:
        xs = np.array(xlim)
        return xs, (level - b - w[0] * xs) / w[1]
    if w[0] != 0:
        ys = np.array(ylim)
        return (level - b - w[1] * ys) / w[0], ys
    return np.array([]), np.array([])


def _window(X: np.ndarray, pad: float = 0.6) -> tuple[tuple[float, float], tuple[float, float]]:
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def _logit(q: float) -> float:
    return float(np.log(q) - np.log1p(-q))


def _scatter_classes(ax: Any, X: np.ndarray, y: np.ndarray, size: float) -> dict[int, Any]:
    return {c: ax.scatter(X[y == c, 0], X[y == c, 1], s=size, edgecolor="0.15", linewidth=0.5,
                          label=f"class {c}", zorder=3, **_CLASS_STYLE[c]) for c in (0, 1)}


def _half_plane(w: np.ndarray, b: float, level: float, xlim: tuple[float, float],
                ylim: tuple[float, float]) -> np.ndarray:
    """The corners of the part of the window where ``w·x + b ≥ level`` (a convex polygon)."""
    box = [(xlim[0], ylim[0]), (xlim[1], ylim[0]), (xlim[1], ylim[1]), (xlim[0], ylim[1])]
    out: list[tuple[float, float]] = []
    for i, p in enumerate(box):                 # Sutherland–Hodgman against one line
        q = box[(i + 1) % 4]
        fp = w[0] * p[0] + w[1] * p[1] + b - level
        fq = w[0] * q[0] + w[1] * q[1] + b - level
        if fp >= 0:
            out.append(p)
        if (fp >= 0) != (fq >= 0):
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return np.array(out) if out else np.zeros((0, 2))


# --------------------------------------------------------------------------------------------
# Decision boundary over iterations


@dataclass
class _BoundaryFigure:
    fig: LayeredFigure
    ax: Any
    ax_loss: Any
    ax_norm: Any
    image: PixelImage
    points: dict[int, Any]
    boundary: Any
    low: Any
    high: Any
    loss_curve: Any
    loss_dot: Any
    norm_curve: Any
    norm_dot: Any
    title: Any


#: cells of the shading across the window: about three device pixels each (no visible steps
#: in the smooth probability) and about a millisecond to compute
_SHADE_CELLS = 240
#: the shading's opacity over the white axes (it used to be an ``imshow`` with this alpha)
_SHADE_ALPHA = 0.4
#: bottom of the loss axis and top of the weight-norm axis move between these steps only
_LOSS_BOTTOMS = (1e-1, 1e-2, 1e-4, 1e-8)
_NORM_TOPS = (1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 50.0, 100.0)


def _shade_lut() -> np.ndarray:
    """256 opaque uint8 colours: the probability colour map at :data:`_SHADE_ALPHA` on white.

    Opaque pixels let :class:`PixelImage` draw the shading in one copy; the blend is the one
    a translucent image would give over the white axes.
    """
    rgba = _PROB_CMAP(np.linspace(0.0, 1.0, 256))
    rgb = _SHADE_ALPHA * rgba[:, :3] + (1.0 - _SHADE_ALPHA)
    return np.concatenate([np.round(255 * rgb), np.full((256, 1), 255.0)], axis=1).astype(np.uint8)


def _class_points(ax: Any, size: float) -> dict[int, Any]:
    """One line of markers per class: drawn on every frame, over the shading, and cheaper to
    draw than a scatter."""
    return {c: ax.plot([], [], linestyle="none", markersize=np.sqrt(size), markeredgecolor="0.15",
                       markeredgewidth=0.5, label=f"class {c}", zorder=3, **_CLASS_STYLE[c])[0]
            for c in (0, 1)}


def _boundary_figure(xlim: tuple[float, float], ylim: tuple[float, float],
                     max_iter: int) -> _BoundaryFigure:
    c = plotting.COLORS
    with plotting.style():
        fig = LayeredFigure(figsize=(10.5, 4.7))
        ax, ax_loss = fig.subplots(1, 2, width_ratios=(1.0, 1.0))
        fig.subplots_adjust(left=0.06, right=0.92, bottom=0.24, top=0.86, wspace=0.28)
        image = PixelImage(ax, np.full((2, 2, 4), 255, np.uint8), (*xlim, *ylim), zorder=0)
        points = _class_points(ax, 18)
        (boundary,) = ax.plot([], [], color="black", linewidth=1.8, label="boundary $p = 0.5$")
        (low,) = ax.plot([], [], color="0.3", linewidth=1.0, linestyle="--",
                         label="$p = 0.1$ and $p = 0.9$")
        (high,) = ax.plot([], [], color="0.3", linewidth=1.0, linestyle="--")
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.grid(False)                # the shading covers the whole axes
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        (loss_curve,) = ax_loss.plot([], [], color=c["vermillion"], label="cross-entropy (left axis)")
        (loss_dot,) = ax_loss.plot([], [], marker="o", color=c["vermillion"])
        ax_norm = ax_loss.twinx()
        ax_norm.grid(False)
        (norm_curve,) = ax_norm.plot([], [], color=c["blue"], linestyle="--",
                                     label=r"$\|w\|$ (right axis)")
        (norm_dot,) = ax_norm.plot([], [], marker="s", color=c["blue"])
        ax_loss.set_xlim(0, max_iter)
        ax_loss.set_yscale("log")
        ax_loss.yaxis.set_major_locator(ticker.LogLocator(base=10.0, subs=(1.0, 2.0, 5.0),
                                                          numticks=12))
        ax_loss.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax_loss.yaxis.set_minor_formatter(ticker.NullFormatter())
        ax_loss.set_xlabel("iteration")
        ax_loss.set_ylabel("mean cross-entropy (log scale)")
        ax_norm.set_ylabel(r"weight norm $\|w\|$")
        ax_norm.spines["right"].set_visible(True)
        fixed_title(ax_loss, "Loss and weight norm during training")
        handles = [*points.values(), boundary, low, loss_curve, norm_curve]
        fig.legend(handles=handles, loc="lower center", ncols=6, fontsize=8, frameon=False)
        title = fixed_title(ax, "", fontsize=10)
        # drawing order: the points over the shading, the lines over the points
        fig.add_dynamic(image, *points.values(), boundary, low, high, loss_curve, loss_dot,
                        norm_curve, norm_dot, title)
    return _BoundaryFigure(fig, ax, ax_loss, ax_norm, image, points, boundary, low, high,
                           loss_curve, loss_dot, norm_curve, norm_dot, title)


def _draw_model(f: _BoundaryFigure, w: np.ndarray, b: float, xs: np.ndarray, ys: np.ndarray,
                lut: np.ndarray, xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
    """The predicted probability and the lines p = 0.1, 0.5, 0.9 of the model (w, b)."""
    # w·x + b on the grid as an outer sum: the cells are a product of xs and ys
    z = (w[1] * ys)[:, None] + (w[0] * xs + b)[None, :]
    with np.errstate(over="ignore", invalid="ignore"):
        p = np.nan_to_num(losses.sigmoid(z), nan=0.5)
    f.image.set_data(lut[np.rint(p * 255.0).astype(np.intp)])
    f.boundary.set_data(*_line(w, b, 0.0, xlim, ylim))
    f.low.set_data(*_line(w, b, _logit(0.1), xlim, ylim))
    f.high.set_data(*_line(w, b, _logit(0.9), xlim, ylim))


def _draw_training(f: _BoundaryFigure, ls: np.ndarray, norms: np.ndarray, t: int) -> None:
    """The loss and the weight norm of the whole run, with the current iteration marked."""
    iters = np.arange(ls.size)
    f.loss_curve.set_data(iters, ls)
    f.loss_dot.set_data([t], [ls[t]])
    f.norm_curve.set_data(iters, norms)
    f.norm_dot.set_data([t], [norms[t]])
    # limits in coarse steps: the static layer (ticks of both axes) is re-rendered only when
    # a run crosses one, a few times over the whole lr slider
    lo, hi = decade_limits(ls, min_decades=1)
    f.ax_loss.set_ylim(next((q for q in _LOSS_BOTTOMS if q <= lo), lo), hi)
    top = 1.05 * max(float(np.max(norms)), 1e-3)
    f.ax_norm.set_ylim(0.0, next((q for q in _NORM_TOPS if q >= top), nice_number(top)))


def decision_boundary_explorer(
    *,
    n: int = 200,
    lr: float = 0.5,
    max_iter: int = 200,
    dataset: str = "overlapping blobs",
    seed: int = 0,
    static: bool | None = None,
) -> Explorer:
    """Logistic regression's decision boundary, iteration by iteration.

    Gradient descent (:func:`fit_logistic`) starts at ``w = 0, b = 0``, where every point has
    ``p = 0.5``. Controls: ``iteration`` (0…max_iter), ``lr`` (log slider 0.01…20) and
    ``dataset`` (:data:`DATASETS`). The dashed lines ``p = 0.1`` and ``p = 0.9`` lie
    ``2·logit(0.9)/‖w‖`` apart: as ``‖w‖`` grows the model grows more confident.

    ``state`` holds ``iteration``, ``lr``, ``dataset``, ``w`` ((2,)), ``b``, ``loss``,
    ``accuracy``, ``weight_norm``, ``path`` ((k+1, 3), rows ``(w₁, w₂, b)``), ``losses`` and
    ``norms`` ((k+1,)), ``loss_went_up`` (a step increased the loss: lr too large), and the
    data ``X``, ``y``.
    """
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}, got {dataset!r}")
    sets = {name: _dataset(name, n, seed) for name in DATASETS}
    windows = {name: _window(Xd) for name, (Xd, _) in sets.items()}
    xlim = (min(w[0][0] for w in windows.values()), max(w[0][1] for w in windows.values()))
    ylim = (min(w[1][0] for w in windows.values()), max(w[1][1] for w in windows.values()))
    # the centres of the shading's cells (PixelImage spreads the cells over the window)
    xs = xlim[0] + (np.arange(_SHADE_CELLS) + 0.5) * (xlim[1] - xlim[0]) / _SHADE_CELLS
    ys = ylim[0] + (np.arange(_SHADE_CELLS) + 0.5) * (ylim[1] - ylim[0]) / _SHADE_CELLS
    lut = _shade_lut()
    f = _boundary_figure(xlim, ylim, max_iter)
    # a run depends on the data set and lr only: the iteration slider, and a drag of lr back
    # over values already seen, replay runs from here
    runs: OrderedDict[tuple[str, float], tuple[descent.DescentResult, np.ndarray]] = OrderedDict()

    def run(name: str, lr_v: float) -> tuple[descent.DescentResult, np.ndarray]:
        key = (name, lr_v)
        if key in runs:
            runs.move_to_end(key)
        else:
            X, y = sets[name]
            res = fit_logistic(X, y, lr_v, max_iter)
            runs[key] = (res, np.linalg.norm(res.path[:, :2], axis=1))
            if len(runs) > 32:
                runs.popitem(last=False)
        return runs[key]

    def update(v: dict[str, Any]) -> dict[str, Any]:
        name = v["dataset"]
        lr_v = float(v["lr"])
        X, y = sets[name]
        res, norms = run(name, lr_v)
        t = min(int(v["iteration"]), res.n_iter)
        path, ls = res.path, res.losses
        w, b = path[t, :2], float(path[t, 2])
        for c in (0, 1):
            f.points[c].set_data(X[y == c, 0], X[y == c, 1])
        _draw_model(f, w, b, xs, ys, lut, xlim, ylim)
        _draw_training(f, ls, norms, t)
        acc = float(np.mean((X @ w + b >= 0) == (y == 1)))
        went_up = bool(np.any(np.diff(ls) > 1e-12))
        f.title.set_text(f"iteration {t}: loss {ls[t]:.3f}, accuracy {acc:.0%}, ‖w‖ = {norms[t]:.2f}"
                         + ("\nthe loss went up at some step: lr too large" if went_up else ""))
        return {
            "iteration": t, "lr": lr_v, "dataset": name, "w": w.copy(), "b": b,
            "loss": float(ls[t]), "accuracy": acc, "weight_norm": float(norms[t]),
            "path": path, "losses": ls, "norms": norms, "loss_went_up": went_up, "X": X, "y": y,
        }

    controls = {
        "iteration": widgets.int_slider("iteration", max_iter, 0, max_iter),
        "lr": widgets.log_slider("step size lr", lr, 0.01, 20.0),
        "dataset": widgets.dropdown("data", list(DATASETS), value=dataset),
    }
    return Explorer(f.fig, controls, update, static=static,
                    caption="Logistic regression trained by gradient descent from w = 0. "
                            "Shading: the predicted probability of class 1 (blue 0, white 0.5, "
                            "orange 1).")


# --------------------------------------------------------------------------------------------
# Threshold and confusion matrix


@dataclass
class _ThresholdFigure:
    fig: LayeredFigure
    region: Any
    cut: Any
    cm_image: Any
    cells: list[list[Any]]
    cm_title: Any
    marker: Any
    p_dot: Any
    r_dot: Any


def _threshold_figure(X: np.ndarray, y: np.ndarray, xlim: tuple[float, float],
                      ylim: tuple[float, float], ts: np.ndarray, precisions: np.ndarray,
                      recalls: np.ndarray) -> _ThresholdFigure:
    c = plotting.COLORS
    with plotting.style():
        fig = LayeredFigure(figsize=(11.4, 4.5))
        ax, ax_cm, ax_pr = fig.subplots(1, 3, width_ratios=(1.15, 0.8, 1.0))
        fig.subplots_adjust(left=0.05, right=0.98, bottom=0.24, top=0.87, wspace=0.34)
        region = Polygon(np.zeros((0, 2)), closed=True, facecolor=c["orange"], alpha=0.18,
                         edgecolor="none", label="predicted class 1", zorder=1)
        ax.add_patch(region)
        scatter = _scatter_classes(ax, X, y, 16)
        (cut,) = ax.plot([], [], color="black", linewidth=1.8, label="$p$ = threshold")
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        fixed_title(ax, "Predicted class 1 in the orange region")
        cm_image = ax_cm.imshow(np.zeros((2, 2)), cmap="Blues", vmin=0, vmax=len(y))
        cells = [[ax_cm.text(j, i, "", ha="center", va="center", fontsize=12) for j in (0, 1)]
                 for i in (0, 1)]
        ax_cm.set_xticks([0, 1], ["0", "1"])
        ax_cm.set_yticks([0, 1], ["0", "1"])
        ax_cm.grid(False)
        ax_cm.set_xlabel("predicted class")
        ax_cm.set_ylabel("true class")
        cm_title = fixed_title(ax_cm, "", fontsize=10)
        (prec,) = ax_pr.plot(ts, precisions, color=c["blue"], label=r"precision $tp\,/\,(tp + fp)$")
        (rec,) = ax_pr.plot(ts, recalls, color=c["vermillion"], label=r"recall $tp\,/\,(tp + fn)$")
        marker = ax_pr.axvline(0.5, color="0.3", linestyle=":", linewidth=1.2)
        (p_dot,) = ax_pr.plot([], [], marker="o", color=c["blue"])
        (r_dot,) = ax_pr.plot([], [], marker="o", color=c["vermillion"])
        ax_pr.set_xlim(0.0, 1.0)
        ax_pr.set_ylim(0.0, 1.05)
        ax_pr.set_xlabel("threshold")
        ax_pr.set_ylabel("rate")
        fixed_title(ax_pr, "Precision and recall against the threshold")
        fig.legend(handles=[*scatter.values(), region, cut, prec, rec], loc="lower center",
                   ncols=6, fontsize=8, frameon=False)
        fig.add_dynamic(region, cut, cm_image, *cells[0], *cells[1], cm_title, marker, p_dot, r_dot)
    return _ThresholdFigure(fig, region, cut, cm_image, cells, cm_title, marker, p_dot, r_dot)


def _draw_confusion(f: _ThresholdFigure, counts: dict[str, Any], n: int, t: float) -> None:
    cm = counts["confusion"]
    f.cm_image.set_data(cm)
    names = [["tn", "fp"], ["fn", "tp"]]
    for i in (0, 1):
        for j in (0, 1):
            f.cells[i][j].set_text(f"{names[i][j]} = {cm[i, j]}")
            f.cells[i][j].set_color("white" if cm[i, j] > 0.6 * n else "black")
    f.cm_title.set_text(f"threshold {t:.2f}: precision {counts['precision']:.2f}, "
                        f"recall {counts['recall']:.2f}")


def threshold_explorer(
    *,
    threshold: float = 0.5,
    n_neg: int = 240,
    n_pos: int = 60,
    seed: int = 2,
    static: bool | None = None,
) -> Explorer:
    """Move the decision threshold of a trained logistic regression; watch the confusion matrix.

    The data are two overlapping Gaussian classes, ``n_neg`` of class 0 and ``n_pos`` of the
    rarer class 1; the model is :func:`fit_logistic` run for 500 steps with ``lr = 1``. Control:
    ``threshold`` (0.01…0.99): predict class 1 when ``p ≥ threshold``.

    ``state`` holds ``threshold``, ``tp``, ``fp``, ``fn``, ``tn``, ``confusion`` (2×2, rows the
    true class), ``precision``, ``recall``, ``accuracy`` (see :func:`confusion_counts`),
    ``thresholds``, ``precisions`` and ``recalls`` (the curves drawn on the right), the model
    ``w``, ``b``, its probabilities ``p`` and the data ``X``, ``y``.
    """
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal([-1.0, -0.5], 1.0, (n_neg, 2)),
                        rng.normal([1.2, 0.8], 1.0, (n_pos, 2))])
    y = np.concatenate([np.zeros(n_neg, np.int64), np.ones(n_pos, np.int64)])
    res = fit_logistic(X, y, 1.0, 500)
    w, b = res.x[:2], float(res.x[2])
    p = losses.sigmoid(X @ w + b)
    ts = np.linspace(0.01, 0.99, 99)
    curves = [confusion_counts(y, p, t) for t in ts]
    precisions = np.array([c["precision"] for c in curves])
    recalls = np.array([c["recall"] for c in curves])
    xlim, ylim = _window(X)
    f = _threshold_figure(X, y, xlim, ylim, ts, precisions, recalls)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        t = float(v["threshold"])
        c = confusion_counts(y, p, t)
        f.cut.set_data(*_line(w, b, _logit(t), xlim, ylim))
        f.region.set_xy(_half_plane(w, b, _logit(t), xlim, ylim))
        _draw_confusion(f, c, len(y), t)
        f.marker.set_xdata([t, t])
        f.p_dot.set_data([t], [c["precision"]])
        f.r_dot.set_data([t], [c["recall"]])
        return {"threshold": t, **c, "thresholds": ts, "precisions": precisions,
                "recalls": recalls, "w": w.copy(), "b": b, "p": p, "X": X, "y": y}

    controls = {"threshold": widgets.slider("threshold", threshold, 0.01, 0.99, 0.01,
                                            readout_format=".2f")}
    return Explorer(f.fig, controls, update, static=static,
                    caption=f"{n_neg} points of class 0, {n_pos} of class 1. Raising the threshold "
                            "trades recall (positives found) for precision (alarms that are right).")
