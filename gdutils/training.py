"""Training loops: plain mini-batch SGD on a gradient function, and a full training loop for
:mod:`gdutils.nn` models with validation, early stopping and a live view.

* :func:`sgd` — the loop of notebook 09: one step per mini-batch, epoch after epoch, with a
  constant learning rate or a schedule ``lr(t)``; returns the path of the parameters.
* :class:`EarlyStopping` and :func:`early_stopping_epochs` — the patience rule of notebook 12.
* :func:`fit` — mini-batches (a fresh permutation every epoch), any :mod:`gdutils.optim`
  optimiser (weight decay is the optimiser's business: ``AdamW(..., weight_decay=1e-3)``), an
  optional per-step schedule, validation after every epoch, early stopping with patience that
  restores the best weights, and a :class:`TrainingView` that shows a progress bar and the loss
  curves *while* it trains (one image updated in place, no flicker). Under nbgrader
  (``NBGRADER_EXECUTION``) or with ``view="static"`` it shows only the final curves, once.

The early-stopping rule, precisely (Keras' and Lightning's): epoch ``e`` *improves* when
``v_e < best − min_delta`` (``best`` = the lowest value so far; a NaN never improves); the count
of epochs without improvement resets to 0 on an improvement and otherwise grows by 1; training
stops at the first epoch where the count reaches ``patience``. The best epoch is the last
improvement, so a run that stops early stops at ``best_epoch + patience``.

>>> early_stopping_epochs([3.0, 2.0, 2.5, 2.4, 2.6, 1.0], patience=3)
(1, 4)
"""

from __future__ import annotations

import io
import math
import numbers
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from gdutils import _validate
from gdutils import data as _data
from gdutils.checks import reference
from gdutils.schedules import LRScheduler

__all__ = [
    "sgd",
    "EarlyStopping",
    "early_stopping_epochs",
    "History",
    "TrainingView",
    "fit",
]


# ---------------------------------------------------------------------------------------------
# Mini-batch SGD on a gradient function (notebook 09)


@reference("09-minibatch-sgd")
def sgd(
    grad: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    theta0: ArrayLike,
    batches: Iterable[tuple[np.ndarray, np.ndarray]],
    lr: float | Callable[[int], float],
    n_epochs: int,
) -> np.ndarray:
    """Mini-batch stochastic gradient descent: ``θ ← θ − lr(t) · grad(θ, X_b, y_b)`` per batch.

    Parameters
    ----------
    grad : callable
        ``grad(theta, Xb, yb)`` → the gradient of the loss on that batch, shape of ``theta``.
    theta0 : (d,) array_like
        Starting point (not modified).
    batches : iterable of (Xb, yb)
        Iterated once per epoch (``for Xb, yb in batches``); a loader that draws a fresh
        permutation each time it is iterated gives a new order every epoch.
    lr : float or callable
        A constant step, or a schedule ``lr(t)`` of the number ``t = 0, 1, …`` of steps already
        taken (counted across epochs, not reset each epoch).
    n_epochs : int
        Passes over the data (``>= 0``).

    Returns
    -------
    path : (n_steps + 1, d) float64
        ``path[0] = theta0`` and ``path[k]`` the parameters after ``k`` steps.

    Examples
    --------
    >>> X = np.array([[1.0], [2.0]]); y = np.array([2.0, 4.0])
    >>> g = lambda th, Xb, yb: 2 * Xb.T @ (Xb @ th - yb) / len(yb)
    >>> sgd(g, [0.0], [(X[:1], y[:1]), (X[1:], y[1:])], lr=0.1, n_epochs=1)
    array([[0.  ],
           [0.4 ],
           [1.68]])
    """
    theta = np.array(theta0, dtype=np.float64)
    if theta.ndim != 1:
        raise ValueError(f"theta0 must have shape (d,), got {theta.shape}")
    n_epochs = _validate.count("n_epochs", n_epochs, minimum=0)
    if not callable(lr):
        lr = float(lr)
        if not (math.isfinite(lr) and lr >= 0):
            raise ValueError(f"lr must be a finite number >= 0 or a schedule lr(t), got {lr}")
    path = [theta.copy()]
    t = 0
    for _ in range(n_epochs):
        for Xb, yb in batches:
            g = np.asarray(grad(theta, Xb, yb), dtype=np.float64)
            if g.shape != theta.shape:
                raise ValueError(f"grad returned shape {g.shape}, expected {theta.shape}")
            step = float(lr(t)) if callable(lr) else lr
            theta = theta - step * g
            path.append(theta.copy())
            t += 1
    return np.array(path)


# ---------------------------------------------------------------------------------------------
# Early stopping (notebook 12)


@reference("12-generalisation")
class EarlyStopping:
    """The patience rule, fed one validation loss per epoch.

    Parameters
    ----------
    patience : int
        Stop after this many epochs in a row without improvement (``>= 1``).
    min_delta : float
        An epoch improves only if its loss is below ``best − min_delta``.

    Attributes
    ----------
    best : float
        Lowest loss seen (``inf`` before any improvement).
    best_epoch : int or None
        Epoch (0-based) of the last improvement.
    wait : int
        Epochs since the last improvement.
    epoch : int
        Index of the last epoch fed (``-1`` before any).
    improved : bool
        Whether the last epoch fed was an improvement (save the weights then).
    stopped : bool
        Whether the rule says stop.

    Examples
    --------
    >>> es = EarlyStopping(patience=2)
    >>> [es.update(v) for v in [1.0, 0.8, 0.9, 0.85]]
    [False, False, False, True]
    >>> es.best_epoch, es.epoch
    (1, 3)
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0) -> None:
        self.patience = _validate.count("patience", patience)
        self.min_delta = _validate.non_negative("min_delta", min_delta)
        self.reset()

    def reset(self) -> None:
        """Forget everything (a new run)."""
        self.best = math.inf
        self.best_epoch: int | None = None
        self.wait = 0
        self.epoch = -1
        self.improved = False
        self.stopped = False

    def update(self, value: float) -> bool:
        """Record the loss of the next epoch; return True when training should stop now."""
        v = float(value)
        self.epoch += 1
        # NaN < x is False: a NaN loss is never an improvement
        self.improved = v < self.best - self.min_delta
        if self.improved:
            self.best = v
            self.best_epoch = self.epoch
            self.wait = 0
        else:
            self.wait += 1
        self.stopped = self.wait >= self.patience
        return self.stopped

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}; "
                f"best={self.best:.4g} at epoch {self.best_epoch}, wait={self.wait})")


@reference("12-generalisation")
def early_stopping_epochs(
    val_losses: Sequence[float] | np.ndarray, patience: int, min_delta: float = 0.0
) -> tuple[int | None, int]:
    """Apply the patience rule to a whole validation curve.

    Returns
    -------
    (best_epoch, stop_epoch) : (int or None, int)
        ``stop_epoch`` is the epoch at which the rule stops training, or the last epoch
        (``len − 1``) if it never does; ``best_epoch`` the last improvement up to then
        (``None`` only if no value was finite).

    >>> early_stopping_epochs([1.0, 1.0, 1.0], patience=2)   # ties do not improve
    (0, 2)
    >>> early_stopping_epochs([5.0, 4.0, 3.0], patience=1)   # never stops: runs to the end
    (2, 2)
    """
    v = np.asarray(val_losses, dtype=np.float64)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"val_losses must be a non-empty 1-D sequence, got shape {v.shape}")
    es = EarlyStopping(patience, min_delta)
    for value in v:
        if es.update(value):
            break
    return es.best_epoch, es.epoch


# ---------------------------------------------------------------------------------------------
# History and the view


@dataclass
class History:
    """What :func:`fit` measured, one entry per epoch run.

    Attributes
    ----------
    train_loss : (E,) float64
        Mean training loss over the epoch's mini-batches (each weighted by its size), measured
        while the weights changed.
    val_loss, val_metric : (E,) float64 or None
        Validation loss and metric (e.g. accuracy) after each epoch.
    lr : (E,) float64
        Learning rate used by the epoch's last step.
    seconds : (E,) float64
        Cumulative seconds of training and validation at the end of each epoch (the view's
        drawing time is excluded and reported in ``view_seconds``).
    n_steps : int
        Optimiser steps taken.
    best_epoch : int or None
        Epoch with the lowest validation loss seen by early stopping (or overall).
    stopped_early : bool
        Whether early stopping ended the run before ``epochs``.
    restored_best : bool
        Whether the weights were reset to those of ``best_epoch`` at the end.
    metric_name : str or None
    view_seconds : float
        Time spent drawing the view, the final image included.
    view_draws : int
        Number of images the view rendered.
    view_live_seconds : float
        The part of ``view_seconds`` spent redrawing *during* training (kept within
        :data:`OVERHEAD` of the run).
    """

    train_loss: np.ndarray
    val_loss: np.ndarray | None
    val_metric: np.ndarray | None
    lr: np.ndarray
    seconds: np.ndarray
    n_steps: int
    best_epoch: int | None
    stopped_early: bool
    restored_best: bool
    metric_name: str | None = None
    view_seconds: float = 0.0
    view_draws: int = 0
    view_live_seconds: float = 0.0

    @property
    def epochs_run(self) -> int:
        """Number of epochs run."""
        return int(self.train_loss.size)

    @property
    def stopped_epoch(self) -> int:
        """The last epoch run (0-based)."""
        return self.epochs_run - 1

    @property
    def best_val_loss(self) -> float | None:
        """Validation loss at ``best_epoch``."""
        if self.val_loss is None or self.best_epoch is None:
            return None
        return float(self.val_loss[self.best_epoch])

    @property
    def best_val_metric(self) -> float | None:
        """Validation metric at ``best_epoch`` (the restored model's, when restored)."""
        if self.val_metric is None or self.best_epoch is None:
            return None
        return float(self.val_metric[self.best_epoch])

    def __repr__(self) -> str:
        parts = [f"{self.epochs_run} epochs", f"{self.n_steps} steps"]
        if self.best_epoch is not None:
            parts.append(f"best epoch {self.best_epoch}")
        if self.stopped_early:
            parts.append("stopped early")
        if self.restored_best:
            parts.append("best weights restored")
        return f"History({', '.join(parts)})"


#: the largest fraction of a training run the live view may spend redrawing while it trains
OVERHEAD = 0.1
#: assumed cost (seconds) of the first redraw, before one has been measured
FIRST_DRAW_GUESS = 0.05
#: resolution of the view's PNG images
DPI = 72


def _plain_log_axis(ax: Any) -> None:
    """A log y-axis with plain-text tick labels (mathtext labels cost time at every redraw)."""
    from matplotlib import ticker

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(ticker.LogLocator(base=10.0, subs=(1.0, 2.0, 5.0), numticks=8))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _pos: f"{v:.2g}"))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the course
        return False
    ip = get_ipython()
    return ip is not None and hasattr(ip, "kernel")


def _resolve_view(view: str) -> str:
    from gdutils.widgets import grading

    if view not in ("auto", "live", "static", "none"):
        raise ValueError(f"view must be 'auto', 'live', 'static' or 'none', got {view!r}")
    if view != "auto":
        return view
    if not _in_kernel():
        return "none"
    return "static" if grading() else "live"


class TrainingView:
    """A progress bar and the loss curves of a training run, redrawn in place while it trains.

    The figure is a :class:`matplotlib.figure.Figure` built once; each redraw moves its lines
    (``set_data``) and replaces the bytes of one ``ipywidgets.Image``, so the picture updates
    without flicker and without new outputs. The progress bar and its text move after every
    epoch (cheap). The curves are redrawn during training only within a time budget: at most
    every ``update_every`` epochs, not before ``min_interval`` seconds, and only while the
    drawing done so far plus one more draw stays within :data:`OVERHEAD` (10 %) of the time
    elapsed (:meth:`may_redraw`) — so on a slow machine it simply redraws less often. The final
    image, which the static view draws too, is drawn once at the end.

    Parameters
    ----------
    epochs : int
        The epoch budget (the progress bar's maximum).
    mode : {"live", "static", "none"}
        ``"live"``: widgets updated during training. ``"static"``: one image at the end (what
        nbgrader gets). ``"none"``: draw nothing (still usable in tests via :meth:`render`).
    has_val : bool
        Whether validation curves are drawn.
    metric_name : str or None
        Name of the validation metric; ``None`` hides the metric panel.
    update_every : int
        Redraw at most every this many epochs.
    min_interval : float
        No redraw before this many seconds of training.
    title : str
    display : callable, optional
        Replaces ``IPython.display.display`` (tests).

    Attributes
    ----------
    n_draws : int
        Images rendered so far.
    draw_seconds : float
        Total time spent rendering.
    live_seconds : float
        Time spent on the redraws *during* training (the part the budget limits).
    png : bytes
        The last image.
    """

    def __init__(
        self,
        epochs: int,
        *,
        mode: str = "live",
        has_val: bool = True,
        metric_name: str | None = None,
        update_every: int = 1,
        min_interval: float = 0.3,
        title: str = "Training",
        display: Callable[[Any], Any] | None = None,
    ) -> None:
        if mode not in ("live", "static", "none"):
            raise ValueError(f"mode must be 'live', 'static' or 'none', got {mode!r}")
        self.epochs = _validate.count("epochs", epochs)
        self.mode = mode
        self.has_val = bool(has_val)
        self.metric_name = metric_name
        self.update_every = _validate.count("update_every", update_every)
        self.min_interval = _validate.non_negative("min_interval", min_interval)
        self.title = title
        self._display = display
        self.n_draws = 0
        self.draw_seconds = 0.0
        self.live_seconds = 0.0
        self.png = b""
        self._t0 = time.perf_counter()
        self._progress: Any = None
        self._label: Any = None
        self._image: Any = None
        self._box: Any = None
        self._build_figure()

    # -- the figure, built once ---------------------------------------------------------------
    def _build_figure(self) -> None:
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D

        from gdutils.plotting import COLORS, style

        with style():
            n_axes = 2 if self.metric_name else 1
            # a fixed layout: "constrained" would re-solve the layout at every redraw
            self.figure = Figure(figsize=(9.0 if n_axes == 2 else 5.5, 3.4))
            axes = self.figure.subplots(1, n_axes)
            axes = list(np.atleast_1d(axes))
            if n_axes == 2:
                self.figure.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.82, wspace=0.28)
            else:
                self.figure.subplots_adjust(left=0.14, right=0.97, bottom=0.15, top=0.82)
            self.ax_loss = axes[0]
            self.ax_metric = axes[1] if n_axes == 2 else None
            (self.line_train,) = self.ax_loss.plot([], [], color=COLORS["blue"], label="training")
            (self.line_val,) = self.ax_loss.plot([], [], color=COLORS["vermillion"],
                                                 label="validation")
            self.line_val.set_visible(self.has_val)
            self.best_line = self.ax_loss.axvline(0.0, color=COLORS["black"], linestyle=":",
                                                  linewidth=1.2, label="best epoch")
            self.best_line.set_visible(False)
            _plain_log_axis(self.ax_loss)
            self.ax_loss.set_xlim(0.0, float(self.epochs))  # until there is data to fit
            self.ax_loss.set_ylim(0.01, 10.0)
            self.ax_loss.set_xlabel("epoch")
            self.ax_loss.set_ylabel("loss (log scale)")
            self.ax_loss.set_title("Loss")
            # a proxy, so the legend shows the dotted line before the first best epoch exists
            best_proxy = Line2D([], [], color=COLORS["black"], linestyle=":", linewidth=1.2)
            handles, labels = [self.line_train], ["training"]
            if self.has_val:
                handles.append(self.line_val)
                labels.append("validation")
                handles.append(best_proxy)
                labels.append("best epoch")
            self.ax_loss.legend(handles, labels, loc="upper right")
            if self.ax_metric is not None:
                (self.line_metric,) = self.ax_metric.plot([], [], color=COLORS["green"],
                                                          label=f"validation {self.metric_name}")
                self.best_metric_line = self.ax_metric.axvline(
                    0.0, color=COLORS["black"], linestyle=":", linewidth=1.2, label="best epoch")
                self.best_metric_line.set_visible(False)
                self.ax_metric.set_xlim(0.0, float(self.epochs))
                self.ax_metric.set_ylim(0.0, 1.0)
                self.ax_metric.set_xlabel("epoch")
                self.ax_metric.set_ylabel(f"validation {self.metric_name}")
                self.ax_metric.set_title(f"Validation {self.metric_name}")
                self.ax_metric.legend([self.line_metric, best_proxy],
                                      [f"validation {self.metric_name}", "best epoch"],
                                      loc="lower right")
            self.figure.suptitle(self.title)

    def render(self, history: dict[str, Sequence[float]], best_epoch: int | None) -> bytes:
        """Move the lines to ``history`` (lists ``train_loss``, ``val_loss``, ``val_metric``)
        and return the PNG."""
        start = time.perf_counter()
        train = np.asarray(history.get("train_loss", []), dtype=np.float64)
        e = np.arange(train.size)
        self.line_train.set_data(e, train)
        values = [train]
        if self.has_val:
            val = np.asarray(history.get("val_loss", []), dtype=np.float64)
            self.line_val.set_data(np.arange(val.size), val)
            values.append(val)
        finite = np.concatenate(values)
        finite = finite[np.isfinite(finite) & (finite > 0)]
        right = max(1.0, float(train.size - 1)) if train.size else float(self.epochs)
        self.ax_loss.set_xlim(0.0, right)
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
            self.ax_loss.set_ylim(lo / 1.3, hi * 1.3)
        if best_epoch is not None:
            self.best_line.set_xdata([best_epoch, best_epoch])
            self.best_line.set_visible(True)
        if self.ax_metric is not None:
            m = np.asarray(history.get("val_metric", []), dtype=np.float64)
            self.line_metric.set_data(np.arange(m.size), m)
            self.ax_metric.set_xlim(0.0, right)
            fm = m[np.isfinite(m)]
            if fm.size:
                lo, hi = float(fm.min()), float(fm.max())
                pad = max(0.01, 0.08 * (hi - lo))
                self.ax_metric.set_ylim(max(0.0, lo - pad), min(1.0, hi + pad) + 0.005)
            if best_epoch is not None:
                self.best_metric_line.set_xdata([best_epoch, best_epoch])
                self.best_metric_line.set_visible(True)
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=DPI)
        self.png = buf.getvalue()
        self.n_draws += 1
        self.draw_seconds += time.perf_counter() - start
        return self.png

    def may_redraw(self, elapsed: float) -> bool:
        """Whether a redraw now keeps the live drawing within budget.

        ``elapsed`` is the time since training started. A redraw is allowed once
        ``min_interval`` has passed and if the redraws so far plus one more (estimated at the
        average cost of a draw, or :data:`FIRST_DRAW_GUESS` before any was measured) fit in
        ``OVERHEAD × elapsed``.
        """
        if elapsed < self.min_interval:
            return False
        cost = self.draw_seconds / self.n_draws if self.n_draws else FIRST_DRAW_GUESS
        return self.live_seconds + cost <= OVERHEAD * elapsed

    # -- display ------------------------------------------------------------------------------
    def _show(self, obj: Any) -> None:
        if self._display is not None:
            self._display(obj)
        else:
            from IPython.display import display

            display(obj)

    def start(self) -> None:
        """Show the progress bar and the empty axes (live mode only)."""
        if self.mode != "live":
            return
        import ipywidgets as w

        self._progress = w.IntProgress(value=0, min=0, max=self.epochs, description="epoch 0",
                                       style={"description_width": "initial"})
        self._label = w.HTML("starting…")
        self._image = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto"))
        self._box = w.VBox([w.HBox([self._progress, self._label]), self._image])
        self._t0 = time.perf_counter()
        # the empty axes at once (the learner sees where the curves will go); this first draw
        # also measures what a draw costs here, and counts against the budget
        self._image.value = self.render({}, None)
        self.live_seconds = self.draw_seconds
        self._show(self._box)

    def update(self, epoch: int, history: dict[str, Sequence[float]], best_epoch: int | None,
               text: str) -> None:
        """After each epoch: move the progress bar; redraw the curves when one is due."""
        if self.mode != "live":
            return
        self._progress.value = epoch + 1
        self._progress.description = f"epoch {epoch + 1}/{self.epochs}"
        self._label.value = text
        if (epoch + 1) % self.update_every == 0 and self.may_redraw(time.perf_counter() - self._t0):
            before = self.draw_seconds
            self._image.value = self.render(history, best_epoch)
            self.live_seconds += self.draw_seconds - before

    def finish(self, history: dict[str, Sequence[float]], best_epoch: int | None,
               text: str) -> None:
        """Final image: redrawn in place (live) or shown once (static)."""
        if self.mode == "none":
            return
        png = self.render(history, best_epoch)
        if self.mode == "live":
            self._image.value = png
            self._label.value = text
            self._progress.bar_style = "success"
        else:
            from IPython.display import Image

            self._show(Image(data=png, format="png"))


# ---------------------------------------------------------------------------------------------
# The training loop


def _accuracy(pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(pred, axis=1) == y))


def _metric(metric: Any, loss_fn: Any) -> tuple[Callable[[np.ndarray, np.ndarray], float] | None, str | None]:
    if metric == "auto":
        from gdutils.nn import SoftmaxCrossEntropy

        return (_accuracy, "accuracy") if isinstance(loss_fn, SoftmaxCrossEntropy) else (None, None)
    if metric is None:
        return None, None
    if metric == "accuracy":
        return _accuracy, "accuracy"
    if callable(metric):
        return metric, getattr(metric, "__name__", "metric")
    raise ValueError(f"metric must be 'auto', 'accuracy', None or a callable, got {metric!r}")


def fit(
    model: Any,
    loss_fn: Any,
    optimizer: Any,
    X: ArrayLike,
    y: ArrayLike,
    *,
    X_val: ArrayLike | None = None,
    y_val: ArrayLike | None = None,
    batch_size: int = 32,
    epochs: int = 20,
    seed: int | np.random.Generator = 0,
    early_stopping: EarlyStopping | int | None = None,
    restore_best: bool = True,
    schedule: Callable[[int], float] | None = None,
    metric: Any = "auto",
    view: str = "auto",
    static: bool | None = None,
    update_every: int = 1,
    min_interval: float = 0.3,
    title: str = "Training",
    drop_last: bool = False,
    display: Callable[[Any], Any] | None = None,
) -> History:
    """Train a :mod:`gdutils.nn` model with mini-batches, validation and early stopping.

    Each epoch draws a fresh permutation from one Generator (:func:`gdutils.data.minibatches`),
    and for every mini-batch runs ``loss_fn(model(Xb), yb)``, ``model.backward(...)``,
    ``optimizer.step(model.grads)`` (and ``schedule`` if given, once per step). After the epoch
    it evaluates the validation set, feeds the validation loss to early stopping, and keeps a
    copy of the weights of the best epoch.

    Parameters
    ----------
    model : object with forward, backward, params, grads
        E.g. :class:`gdutils.nn.Sequential`; trained in place.
    loss_fn : object with forward(pred, target) -> float and backward() -> dpred
        :class:`gdutils.nn.SoftmaxCrossEntropy` or :class:`gdutils.nn.MSELoss`.
    optimizer : gdutils.optim optimiser
        Built on ``model.params``. Weight decay, if any, is set there (``AdamW``, or
        ``weight_decay=`` of ``SGD``/``Adam`` for the L2 form).
    X, y : training data, ``(n, d)`` and ``(n,)`` (or ``(n, k)`` targets for MSE)
    X_val, y_val : validation data, optional
        Needed for early stopping.
    batch_size, epochs : int
    seed : int or np.random.Generator
        The shuffling randomness (one Generator for the whole run).
    early_stopping : EarlyStopping, int or None
        An :class:`EarlyStopping` (reset at the start), or an int patience.
    restore_best : bool
        With validation data: at the end, put back the weights of the epoch with the lowest
        validation loss (in place).
    schedule : callable, optional
        ``lr(t)`` per step, applied with :class:`gdutils.schedules.LRScheduler`.
    metric : "auto", "accuracy", None or callable
        Validation metric ``metric(pred, y) -> float``; "auto" is accuracy for
        ``SoftmaxCrossEntropy``.
    view : {"auto", "live", "static", "none"}
        "auto": live in a Jupyter kernel, static under nbgrader, none outside a kernel.
    static : bool, optional
        ``True`` forces the static view (the final curves, shown once), like the explorers'
        ``static=``.
    update_every, min_interval : throttle of the live view (see :class:`TrainingView`).
    title : str
        Title of the view's figure.
    drop_last : bool
        Drop each epoch's last partial batch.
    display : callable, optional
        Replaces ``IPython.display.display`` (tests).

    Returns
    -------
    History

    Raises
    ------
    ValueError
        Bad arguments, or early stopping without validation data.
    FloatingPointError
        The training loss became NaN or infinite (lower the learning rate).
    """
    epochs = _validate.count("epochs", epochs)
    batch_size = _validate.count("batch_size", batch_size)
    Xa = np.asarray(X, dtype=np.float64)
    ya = np.asarray(y)
    if Xa.ndim != 2 or len(ya) != len(Xa):
        raise ValueError(f"X must have shape (n, d) and y n rows, got {Xa.shape} and {ya.shape}")
    has_val = X_val is not None
    if has_val != (y_val is not None):
        raise ValueError("pass both X_val and y_val, or neither")
    if has_val:
        Xv = np.asarray(X_val, dtype=np.float64)
        yv = np.asarray(y_val)
        if Xv.ndim != 2 or Xv.shape[1] != Xa.shape[1] or len(yv) != len(Xv):
            raise ValueError(f"X_val must have shape (m, {Xa.shape[1]}) and y_val m rows, got "
                             f"{Xv.shape} and {yv.shape}")
    if isinstance(early_stopping, numbers.Integral) and not isinstance(early_stopping, bool):
        early_stopping = EarlyStopping(patience=int(early_stopping))
    if early_stopping is not None:
        if not isinstance(early_stopping, EarlyStopping):
            raise ValueError("early_stopping must be an EarlyStopping, an int patience, or None")
        if not has_val:
            raise ValueError("early stopping needs validation data: pass X_val and y_val")
        early_stopping.reset()
    metric_fn, metric_name = _metric(metric, loss_fn) if has_val else (None, None)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    scheduler = LRScheduler(optimizer, schedule) if schedule is not None else None

    mode = _resolve_view(view)
    if static:
        mode = "static"
    shown = TrainingView(epochs, mode=mode, has_val=has_val, metric_name=metric_name,
                         update_every=update_every, min_interval=min_interval, title=title,
                         display=display)
    shown.start()

    log: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "val_metric": []}
    lrs: list[float] = []
    seconds: list[float] = []
    best_loss = math.inf
    best_epoch: int | None = None
    best_params: list[np.ndarray] | None = None
    n_steps = 0
    stopped_early = False
    elapsed = 0.0
    text = ""
    for epoch in range(epochs):
        t0 = time.perf_counter()
        total, count = 0.0, 0
        for Xb, yb in _data.minibatches(Xa, ya, batch_size, rng, drop_last=drop_last):
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
                pred = model.forward(Xb)
            loss = float(loss_fn.forward(pred, yb)) if np.all(np.isfinite(pred)) else math.inf
            if not math.isfinite(loss):
                raise FloatingPointError(
                    f"the training loss became {loss} at epoch {epoch}, step {n_steps}: the run "
                    "diverged (try a smaller learning rate)")
            model.backward(loss_fn.backward())
            step_lr = float(optimizer.lr)
            optimizer.step(model.grads)
            if scheduler is not None:
                scheduler.step()
            n_steps += 1
            total += loss * len(yb)
            count += len(yb)
        log["train_loss"].append(total / max(count, 1))
        lrs.append(step_lr if count else float(optimizer.lr))
        stop = False
        if has_val:
            pred = model.forward(Xv)
            val_loss = float(loss_fn.forward(pred, yv))
            log["val_loss"].append(val_loss)
            if metric_fn is not None:
                log["val_metric"].append(float(metric_fn(pred, yv)))
            if early_stopping is not None:
                stop = early_stopping.update(val_loss)
                improved = early_stopping.improved
                best_epoch = early_stopping.best_epoch
            else:
                improved = val_loss < best_loss
                if improved:
                    best_loss, best_epoch = val_loss, epoch
            if improved and restore_best:
                best_params = [p.copy() for p in model.params]
        elapsed += time.perf_counter() - t0
        seconds.append(elapsed)
        text = _progress_text(epoch, log, metric_name, best_epoch)
        shown.update(epoch, log, best_epoch, text)
        if stop:
            stopped_early = epoch < epochs - 1
            break

    restored = False
    last = len(log["train_loss"]) - 1
    if restore_best and best_params is not None and best_epoch is not None and best_epoch != last:
        for p, saved in zip(model.params, best_params, strict=True):
            p[...] = saved
        restored = True
    if restored:
        text += f" · restored the weights of epoch {best_epoch}"
    shown.finish(log, best_epoch, text)

    def arr(key: str) -> np.ndarray | None:
        return np.array(log[key], dtype=np.float64) if log[key] else None

    return History(
        train_loss=np.array(log["train_loss"], dtype=np.float64),
        val_loss=arr("val_loss"),
        val_metric=arr("val_metric"),
        lr=np.array(lrs, dtype=np.float64),
        seconds=np.array(seconds, dtype=np.float64),
        n_steps=n_steps,
        best_epoch=best_epoch,
        stopped_early=stopped_early,
        restored_best=restored,
        metric_name=metric_name,
        view_seconds=shown.draw_seconds,
        view_draws=shown.n_draws,
        view_live_seconds=shown.live_seconds,
    )


def _progress_text(epoch: int, log: dict[str, list[float]], metric_name: str | None,
                   best_epoch: int | None) -> str:
    parts = [f"train loss {log['train_loss'][-1]:.4f}"]
    if log["val_loss"]:
        parts.append(f"val loss {log['val_loss'][-1]:.4f}")
    if log["val_metric"] and metric_name:
        parts.append(f"val {metric_name} {100 * log['val_metric'][-1]:.1f} %"
                     if metric_name == "accuracy" else f"val {metric_name} {log['val_metric'][-1]:.4g}")
    if best_epoch is not None:
        parts.append(f"best epoch {best_epoch}")
    return " · ".join(parts)
