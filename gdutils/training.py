"""Training loops: plain mini-batch SGD on a gradient function, and a full training loop for
:mod:`gdutils.nn` models with validation and early stopping.

* :func:`sgd` — the loop of notebook 09: one step per mini-batch, epoch after epoch, with a
  constant learning rate or a schedule ``lr(t)``; returns the path of the parameters.
* :class:`EarlyStopping` and :func:`early_stopping_epochs` — the patience rule of notebook 12.
* :func:`lr_range_test` — an exponential sweep of the learning rate that finds where training
  stops being stable; :func:`update_ratios` — the size of one update relative to the weights,
  a health check of the learning rate (about ``1e-3`` per step is the usual rule of thumb).
* :func:`fit` — mini-batches (a fresh permutation every epoch), any :mod:`gdutils.optim`
  optimiser (weight decay is the optimiser's business: ``AdamW(..., weight_decay=1e-3)``), an
  optional per-step schedule, validation after every epoch, early stopping with patience that
  restores the best weights, and callbacks told after every epoch — the live view that shows a
  progress bar and the loss curves while it trains is one, in the display layer
  (:class:`gdutils.display.training_view.TrainingView`).

The early-stopping rule, precisely (Keras' and Lightning's): epoch ``e`` *improves* when
``v_e < best − min_delta`` (``best`` = the lowest value so far; a NaN never improves); the count
of epochs without improvement resets to 0 on an improvement and otherwise grows by 1; training
stops at the first epoch where the count reaches ``patience``. The best epoch is the last
improvement, so a run that stops early stops at ``best_epoch + patience``.

>>> early_stopping_epochs([3.0, 2.0, 2.5, 2.4, 2.6, 1.0], patience=3)
(1, 4)
"""

from __future__ import annotations

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
from gdutils.schedules import LRScheduler

__all__ = [
    "sgd",
    "EarlyStopping",
    "early_stopping_epochs",
    "History",
    "Callback",
    "fit",
    "lr_range_test",
    "update_ratios",
]


# ---------------------------------------------------------------------------------------------
# Mini-batch SGD on a gradient function (notebook 09)


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
        Cumulative seconds of training and validation at the end of each epoch (callbacks,
        such as a live view, excluded).
    n_steps : int
        Optimiser steps taken.
    best_epoch : int or None
        Epoch with the lowest validation loss seen by early stopping (or overall).
    stopped_early : bool
        Whether early stopping ended the run before ``epochs``.
    restored_best : bool
        Whether the weights were reset to those of ``best_epoch`` at the end.
    metric_name : str or None
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


class Callback:
    """What :func:`fit` tells a callback (subclass it, or pass any object with these methods).

    ``on_train_begin(info)`` once, with ``info = {"epochs", "has_val", "metric_name"}``;
    ``on_epoch_end(epoch, log, best_epoch, text)`` after each epoch, where ``log`` holds the lists
    ``train_loss``, ``val_loss`` and ``val_metric`` so far and ``text`` a one-line summary;
    ``on_train_end(log, best_epoch, text)`` once at the end. The live view
    :class:`gdutils.display.training_view.TrainingView` is one.
    """

    def on_train_begin(self, info: dict[str, Any]) -> None:
        """The run starts."""

    def on_epoch_end(self, epoch: int, log: dict[str, list[float]], best_epoch: int | None,
                     text: str) -> None:
        """An epoch ended."""

    def on_train_end(self, log: dict[str, list[float]], best_epoch: int | None, text: str) -> None:
        """The run is over (the best weights are already restored)."""


def _training_data(X: ArrayLike, y: ArrayLike, X_val: ArrayLike | None,
                   y_val: ArrayLike | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    Xa = np.asarray(X, dtype=np.float64)
    ya = np.asarray(y)
    if Xa.ndim != 2 or len(ya) != len(Xa):
        raise ValueError(f"X must have shape (n, d) and y n rows, got {Xa.shape} and {ya.shape}")
    if (X_val is None) != (y_val is None):
        raise ValueError("pass both X_val and y_val, or neither")
    if X_val is None:
        return Xa, ya, None, None
    Xv = np.asarray(X_val, dtype=np.float64)
    yv = np.asarray(y_val)
    if Xv.ndim != 2 or Xv.shape[1] != Xa.shape[1] or len(yv) != len(Xv):
        raise ValueError(f"X_val must have shape (m, {Xa.shape[1]}) and y_val m rows, got "
                         f"{Xv.shape} and {yv.shape}")
    return Xa, ya, Xv, yv


def _early_stopping(early_stopping: EarlyStopping | int | None, has_val: bool) -> EarlyStopping | None:
    if isinstance(early_stopping, numbers.Integral) and not isinstance(early_stopping, bool):
        early_stopping = EarlyStopping(patience=int(early_stopping))
    if early_stopping is None:
        return None
    if not isinstance(early_stopping, EarlyStopping):
        raise ValueError("early_stopping must be an EarlyStopping, an int patience, or None")
    if not has_val:
        raise ValueError("early stopping needs validation data: pass X_val and y_val")
    early_stopping.reset()
    return early_stopping


def _train_epoch(model: Any, loss_fn: Any, optimizer: Any, batches: Iterable[tuple[np.ndarray, np.ndarray]],
                 scheduler: LRScheduler | None, epoch: int, steps_before: int) -> tuple[float, float, int]:
    """One pass over the mini-batches: ``(mean loss, lr of the last step, steps taken)``."""
    total, count, steps = 0.0, 0, 0
    step_lr = float(optimizer.lr)
    for Xb, yb in batches:
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
            pred = model.forward(Xb)
        loss = float(loss_fn.forward(pred, yb)) if np.all(np.isfinite(pred)) else math.inf
        if not math.isfinite(loss):
            raise FloatingPointError(
                f"the training loss became {loss} at epoch {epoch}, step {steps_before + steps}: "
                "the run diverged (try a smaller learning rate)")
        model.backward(loss_fn.backward())
        step_lr = float(optimizer.lr)
        optimizer.step(model.grads)
        if scheduler is not None:
            scheduler.step()
        steps += 1
        total += loss * len(yb)
        count += len(yb)
    return total / max(count, 1), step_lr, steps


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
    drop_last: bool = False,
    callbacks: Sequence[Any] = (),
) -> History:
    """Train a :mod:`gdutils.nn` model with mini-batches, validation and early stopping.

    Each epoch draws a fresh permutation from one Generator (:func:`gdutils.data.minibatches`),
    and for every mini-batch runs ``loss_fn(model(Xb), yb)``, ``model.backward(...)``,
    ``optimizer.step(model.grads)`` (and ``schedule`` if given, once per step). After the epoch
    it evaluates the validation set, feeds the validation loss to early stopping, and keeps a
    copy of the weights of the best epoch. It draws nothing: a live view is a callback.

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
    drop_last : bool
        Drop each epoch's last partial batch.
    callbacks : sequence of :class:`Callback`
        Told when the run starts, after every epoch and at the end, e.g.
        ``[gdutils.display.training_view.TrainingView(title=...)]``.

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
    Xa, ya, Xv, yv = _training_data(X, y, X_val, y_val)
    has_val = Xv is not None
    stopper = _early_stopping(early_stopping, has_val)
    metric_fn, metric_name = _metric(metric, loss_fn) if has_val else (None, None)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    scheduler = LRScheduler(optimizer, schedule) if schedule is not None else None
    for cb in callbacks:
        cb.on_train_begin({"epochs": epochs, "has_val": has_val, "metric_name": metric_name})

    log: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "val_metric": []}
    lrs: list[float] = []
    seconds: list[float] = []
    best_loss, best_epoch, best_params = math.inf, None, None
    n_steps, elapsed, stopped_early, text = 0, 0.0, False, ""
    for epoch in range(epochs):
        t0 = time.perf_counter()
        batches = _data.minibatches(Xa, ya, batch_size, rng, drop_last=drop_last)
        loss, lr, steps = _train_epoch(model, loss_fn, optimizer, batches, scheduler, epoch, n_steps)
        n_steps += steps
        log["train_loss"].append(loss)
        lrs.append(lr)
        stop = False
        if has_val:
            pred = model.forward(Xv)
            val_loss = float(loss_fn.forward(pred, yv))
            log["val_loss"].append(val_loss)
            if metric_fn is not None:
                log["val_metric"].append(float(metric_fn(pred, yv)))
            if stopper is not None:
                stop = stopper.update(val_loss)
                improved, best_epoch = stopper.improved, stopper.best_epoch
            else:
                improved = val_loss < best_loss
                if improved:
                    best_loss, best_epoch = val_loss, epoch
            if improved and restore_best:
                best_params = [p.copy() for p in model.params]
        elapsed += time.perf_counter() - t0
        seconds.append(elapsed)
        text = _progress_text(epoch, log, metric_name, best_epoch)
        for cb in callbacks:
            cb.on_epoch_end(epoch, log, best_epoch, text)
        if stop:
            stopped_early = epoch < epochs - 1
            break

    last = len(log["train_loss"]) - 1
    restored = bool(restore_best and best_params is not None and best_epoch is not None
                    and best_epoch != last)
    if restored:
        for p, saved in zip(model.params, best_params, strict=True):
            p[...] = saved
        text += f" · restored the weights of epoch {best_epoch}"
    for cb in callbacks:
        cb.on_train_end(log, best_epoch, text)
    return History(
        train_loss=np.array(log["train_loss"], dtype=np.float64),
        val_loss=np.array(log["val_loss"], dtype=np.float64) if log["val_loss"] else None,
        val_metric=np.array(log["val_metric"], dtype=np.float64) if log["val_metric"] else None,
        lr=np.array(lrs, dtype=np.float64),
        seconds=np.array(seconds, dtype=np.float64),
        n_steps=n_steps,
        best_epoch=best_epoch,
        stopped_early=stopped_early,
        restored_best=restored,
        metric_name=metric_name,
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


# ---------------------------------------------------------------------------------------------
# Choosing the learning rate in practice (notebooks 09 and 12)


def lr_range_test(
    loss_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    theta0: ArrayLike,
    lr_min: float,
    lr_max: float,
    n_steps: int,
    blowup: float = 4.0,
) -> tuple[np.ndarray, np.ndarray]:
    """The learning-rate range test: train while the learning rate grows geometrically.

    Step ``t = 0, 1, …, n_steps − 1`` uses ``lr_t = lr_min · (lr_max/lr_min)^(t/(n_steps − 1))``
    (:class:`gdutils.schedules.ExponentialSweep`: from ``lr_min`` at the first step to ``lr_max``
    at the last, evenly spaced on a log scale). At each step the loss and gradient are evaluated
    at the current parameters; if the loss is not finite or exceeds ``blowup`` times the smallest
    loss recorded so far, the test stops there (that loss is not recorded). Otherwise
    ``(lr_t, loss_t)`` is recorded and ``θ ← θ − lr_t · grad``.

    Read the result on log axes: the loss falls slowly while ``lr`` is small, fastest a little
    below the largest stable rate, and blows up beyond it. On a quadratic with full-batch
    gradients the blow-up starts just past ``2/λmax`` (notebook 03's bound), found without
    knowing any eigenvalue. A common choice is a rate several times below the blow-up.

    Parameters
    ----------
    loss_and_grad : callable
        ``loss_and_grad(theta)`` → ``(loss, grad)``; it may draw a new mini-batch each call.
    theta0 : array_like, shape (d,)
        Starting parameters (not modified).
    lr_min, lr_max : float
        ``0 < lr_min < lr_max``.
    n_steps : int
        At least 2.
    blowup : float, default 4.0
        The factor above the best loss that counts as divergence (> 1).

    Returns
    -------
    (lrs, losses) : tuple of two float64 arrays of the same length (the steps recorded)
    """
    from gdutils.schedules import ExponentialSweep

    sweep = ExponentialSweep(lr_min, lr_max, n_steps)
    blowup = _validate.positive("blowup", blowup)
    if blowup <= 1:
        raise ValueError(f"blowup must be > 1, got {blowup}")
    theta = np.array(theta0, dtype=np.float64)
    if theta.ndim != 1:
        raise ValueError(f"theta0 must have shape (d,), got {theta.shape}")
    lrs: list[float] = []
    losses: list[float] = []
    best = math.inf
    with np.errstate(all="ignore"):
        for t in range(sweep.n_steps):
            loss, g = loss_and_grad(theta.copy())
            loss = float(loss)
            if not math.isfinite(loss) or loss > blowup * best:
                break
            lr = float(sweep(t))
            lrs.append(lr)
            losses.append(loss)
            best = min(best, loss)
            theta = theta - lr * np.asarray(g, dtype=np.float64)
    return np.array(lrs, dtype=np.float64), np.array(losses, dtype=np.float64)


def update_ratios(before: Sequence[ArrayLike], after: Sequence[ArrayLike]) -> np.ndarray:
    """``‖after_i − before_i‖ / ‖before_i‖`` for each parameter array: how big one update is.

    A health check of the learning rate: around ``1e-3`` per step is the usual rule of thumb
    (Karpathy, CS231n); ``1e-1`` means each step rewrites a tenth of the weights (too large),
    ``1e-6`` that they barely move (too small). An array of zeros gives ``inf`` (or ``nan`` if it
    did not move).
    """
    if len(before) != len(after):
        raise ValueError(f"before and after must list the same arrays, got {len(before)} and {len(after)}")
    out = []
    for b, a in zip(before, after):
        b = np.asarray(b, dtype=np.float64)
        a = np.asarray(a, dtype=np.float64)
        if a.shape != b.shape:
            raise ValueError(f"shapes differ: {b.shape} before, {a.shape} after")
        with np.errstate(divide="ignore", invalid="ignore"):
            out.append(np.linalg.norm(a - b) / np.linalg.norm(b))
    return np.array(out, dtype=np.float64)
