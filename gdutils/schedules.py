"""Learning-rate schedules: how the step size changes as training goes on.

A schedule is a callable ``lr(t)`` of the step index ``t = 0, 1, 2, …`` (the number of steps
already taken), the convention of :mod:`gdutils.descent`, whose loops accept one wherever they
accept a number. Every schedule here is vectorised (``lr(np.arange(100))`` gives the whole
curve, for plots) and immutable. The five classic shapes:

=====================  ===============================================  ======================
class                  ``lr(t)``                                        torch equivalent
=====================  ===============================================  ======================
:class:`Constant`      ``lr0``                                          (no scheduler)
:class:`StepDecay`     ``lr0 · γ^⌊t / step_size⌋``                      ``StepLR``
:class:`Exponential`   ``lr0 · γ^t``                                    ``ExponentialLR``
:class:`InverseTime`   ``lr0 / (1 + decay · t)``                        ``LambdaLR`` with 1/t
:class:`Cosine`        ``lr_min + (lr0 − lr_min)(1 + cos(π t/T))/2``    ``CosineAnnealingLR``
=====================  ===============================================  ======================

Two more shapes serve practice rather than decay: :class:`WarmupCosine` (a linear warm-up from 0
to ``lr_max`` over the first ``W`` steps, then cosine decay; torch: ``LinearLR`` then
``CosineAnnealingLR`` in a ``SequentialLR``) and :class:`ExponentialSweep` (``lr_min`` to
``lr_max`` geometrically: the learning-rate range test).

Why decay at all: when the gradients are noisy *at the minimum* (different examples pull in
different directions there), stochastic gradient descent with a constant step does not converge
but hovers around the minimum in a "noise ball" whose size grows with the step (about
``lr·σ²/(4B)`` in excess loss for batches of ``B``, see
:func:`gdutils.theory.sgd_noise_floor`); shrinking the step shrinks the ball. When every example
can be fitted exactly (interpolation: noiseless regression, separable data, a network that
memorises its training set) the noise vanishes at the minimum and a constant step converges.
Robbins and Monro's conditions (``Σ lr = ∞``, ``Σ lr² < ∞``, with unbiased gradients of bounded
variance on a smooth, strongly convex loss) guarantee convergence; the 1/t shape is one schedule
that meets them (any ``t^(-p)`` with ``½ < p <= 1`` does too). Step, exponential and cosine
decay, run for a fixed budget, are what practitioners use.

:class:`LRScheduler` applies a schedule to a :mod:`gdutils.optim` optimiser, like torch's
schedulers: call ``scheduler.step()`` after each ``optimizer.step(...)``.

>>> sched = Cosine(0.1, total_steps=100)
>>> float(sched(0)), float(sched(50)), float(sched(100)), float(sched(150))
(0.1, 0.05, 0.0, 0.0)
>>> StepDecay(1.0, step_size=10, gamma=0.5)(np.array([0, 9, 10, 25]))
array([1.  , 1.  , 0.5 , 0.25])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from gdutils import _validate

__all__ = [
    "Schedule",
    "Constant",
    "StepDecay",
    "Exponential",
    "InverseTime",
    "Cosine",
    "WarmupCosine",
    "ExponentialSweep",
    "SCHEDULES",
    "make_schedule",
    "LRScheduler",
]


def _factor(name: str, value: Any) -> float:
    value = _validate.positive(name, value)
    if value > 1:
        raise ValueError(f"{name} must lie in (0, 1] (a decay factor), got {value}")
    return value


def _steps(t: ArrayLike) -> np.ndarray:
    arr = np.asarray(t)
    if arr.dtype.kind not in "iuf" or arr.dtype == np.bool_:
        raise ValueError(f"t must be a step index (an int >= 0 or an array of them), got {t!r}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError("t must be >= 0 and finite (the number of steps already taken)")
    return arr


def _out(a: np.ndarray) -> Any:
    return float(a) if a.ndim == 0 else a


class Schedule:
    """Base class: ``lr(t)`` for ``t`` an int (returns a float) or an array (returns an array).

    Subclasses implement ``_rate(t)`` on a float64 array of step indices ``t >= 0``.

    Attributes
    ----------
    lr0 : float
        The learning rate at ``t = 0``.
    """

    name = "schedule"
    lr0: float

    def __call__(self, t: ArrayLike) -> Any:
        return _out(self._rate(_steps(t)))

    def _rate(self, t: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__:
            raise AttributeError(f"{type(self).__name__} is immutable: build a new schedule")
        object.__setattr__(self, name, value)

    def _params(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({inner})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._params() == other._params()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(self._params().items())))


class Constant(Schedule):
    """``lr(t) = lr0`` for every step."""

    name = "constant"

    def __init__(self, lr0: float) -> None:
        self.lr0 = _validate.positive("lr0", lr0)

    def _rate(self, t: np.ndarray) -> np.ndarray:
        return np.full_like(t, self.lr0)


class StepDecay(Schedule):
    """``lr(t) = lr0 · gamma^⌊t / step_size⌋``: multiply by ``gamma`` every ``step_size`` steps.

    torch's ``StepLR(optimizer, step_size, gamma)`` when ``scheduler.step()`` follows every
    optimiser step.

    >>> StepDecay(0.1, step_size=2, gamma=0.5)(np.arange(6))
    array([0.1  , 0.1  , 0.05 , 0.05 , 0.025, 0.025])
    """

    name = "step"

    def __init__(self, lr0: float, step_size: int, gamma: float = 0.1) -> None:
        self.lr0 = _validate.positive("lr0", lr0)
        self.step_size = _validate.count("step_size", step_size)
        self.gamma = _factor("gamma", gamma)

    def _rate(self, t: np.ndarray) -> np.ndarray:
        return self.lr0 * self.gamma ** np.floor(t / self.step_size)


class Exponential(Schedule):
    """``lr(t) = lr0 · gamma^t``: a constant factor per step (torch's ``ExponentialLR``).

    The rate halves every ``ln 2 / ln(1/gamma)`` steps.
    """

    name = "exponential"

    def __init__(self, lr0: float, gamma: float) -> None:
        self.lr0 = _validate.positive("lr0", lr0)
        self.gamma = _factor("gamma", gamma)

    def _rate(self, t: np.ndarray) -> np.ndarray:
        return self.lr0 * self.gamma**t


class InverseTime(Schedule):
    """``lr(t) = lr0 / (1 + decay · t)``: the classic 1/t decay of stochastic approximation.

    For large ``t`` it behaves like ``lr0 / (decay · t)``: the sum of the steps diverges (SGD can
    still travel any distance) while the sum of their squares converges (the noise it injects
    is finite) — Robbins and Monro's conditions. ``decay = 0`` is a constant rate.

    >>> InverseTime(1.0, decay=1.0)(np.array([0, 1, 3]))
    array([1.  , 0.5 , 0.25])
    """

    name = "1/t"

    def __init__(self, lr0: float, decay: float) -> None:
        self.lr0 = _validate.positive("lr0", lr0)
        self.decay = _validate.non_negative("decay", decay)

    def _rate(self, t: np.ndarray) -> np.ndarray:
        return self.lr0 / (1.0 + self.decay * t)


class Cosine(Schedule):
    r"""Cosine decay from ``lr0`` to ``lr_min`` over ``total_steps`` steps, then ``lr_min``.

    .. math::

        \text{lr}(t) = \text{lr}_{\min} + \tfrac12 (\text{lr}_0 - \text{lr}_{\min})
            \bigl(1 + \cos(\pi \min(t, T) / T)\bigr)

    It starts flat (large steps while the loss is high), falls fastest in the middle and lands
    softly on ``lr_min``.

    Notes
    -----
    torch's ``CosineAnnealingLR(optimizer, T_max=T, eta_min=lr_min)`` gives the same values for
    ``t <= T``; after ``T`` torch keeps following the cosine, which climbs back up to ``lr0``
    at ``2T``. Here the rate stays at ``lr_min`` after ``T`` (a schedule that "restarts" by
    accident is a classic bug; use restarts on purpose if you want them).
    """

    name = "cosine"

    def __init__(self, lr0: float, total_steps: int, lr_min: float = 0.0) -> None:
        self.lr0 = _validate.positive("lr0", lr0)
        self.total_steps = _validate.count("total_steps", total_steps)
        self.lr_min = _validate.non_negative("lr_min", lr_min)
        if self.lr_min > self.lr0:
            raise ValueError(f"lr_min ({self.lr_min}) must not exceed lr0 ({self.lr0})")

    def _rate(self, t: np.ndarray) -> np.ndarray:
        frac = np.minimum(t, self.total_steps) / self.total_steps
        return self.lr_min + 0.5 * (self.lr0 - self.lr_min) * (1.0 + np.cos(np.pi * frac))


class WarmupCosine(Schedule):
    r"""A linear warm-up over ``warmup_steps`` steps, then cosine decay to ``lr_min`` at ``total_steps``.

    .. math::

        \text{lr}(t) = \begin{cases}
            \text{lr}_{\max}\, t / W & t < W \\
            \text{lr}_{\min} + \tfrac12 (\text{lr}_{\max} - \text{lr}_{\min})
              \bigl(1 + \cos(\pi\,(\min(t, T) - W) / (T - W))\bigr) & t \ge W
        \end{cases}

    It rises from 0 to ``lr_max`` in a straight line, reaching it at ``t = W``, then follows half
    a cosine period — flat at both ends — down to ``lr_min`` at ``t = T`` and stays there. The
    warm-up keeps the first steps small while the loss is far from any minimum and (for Adam) the
    second-moment estimates are still based on a handful of gradients. ``warmup_steps = 0`` is
    plain :class:`Cosine`. The same values as Hugging Face's
    ``get_cosine_schedule_with_warmup``, and as torch's ``LinearLR`` (start factor → 0) followed
    by ``CosineAnnealingLR(T_max=T − W)`` in a ``SequentialLR``.

    >>> sched = WarmupCosine(0.1, warmup_steps=10, total_steps=110)
    >>> [round(float(sched(t)), 6) for t in (0, 5, 10, 60, 110, 200)]
    [0.0, 0.05, 0.1, 0.05, 0.0, 0.0]
    """

    name = "warm-up + cosine"

    def __init__(self, lr_max: float, warmup_steps: int, total_steps: int, lr_min: float = 0.0) -> None:
        self.lr_max = _validate.positive("lr_max", lr_max)
        self.warmup_steps = _validate.count("warmup_steps", warmup_steps, 0)
        self.lr0 = 0.0 if self.warmup_steps else self.lr_max
        self.total_steps = _validate.count("total_steps", total_steps)
        self.lr_min = _validate.non_negative("lr_min", lr_min)
        if self.total_steps <= self.warmup_steps:
            raise ValueError(f"total_steps must exceed warmup_steps, got {self.total_steps} <= "
                             f"{self.warmup_steps}")
        if self.lr_min > self.lr_max:
            raise ValueError(f"lr_min ({self.lr_min}) must not exceed lr_max ({self.lr_max})")

    def _rate(self, t: np.ndarray) -> np.ndarray:
        W, T = self.warmup_steps, self.total_steps
        frac = (np.clip(t, W, T) - W) / (T - W)
        decay = self.lr_min + 0.5 * (self.lr_max - self.lr_min) * (1.0 + np.cos(np.pi * frac))
        if W == 0:
            return decay
        return np.where(t < W, self.lr_max * t / W, decay)


class ExponentialSweep(Schedule):
    """``lr(t) = lr_min · (lr_max / lr_min)^(t / (n − 1))`` for ``t < n``, then ``lr_max``.

    The schedule of a learning-rate range test: ``n`` steps spaced evenly on a log scale from
    ``lr_min`` (step 0) to ``lr_max`` (step ``n − 1``), so every decade gets the same number of
    steps (:func:`gdutils.training.lr_range_test`).

    >>> ExponentialSweep(1e-4, 1.0, 5)(np.arange(5))
    array([1.e-04, 1.e-03, 1.e-02, 1.e-01, 1.e+00])
    """

    name = "sweep"

    def __init__(self, lr_min: float, lr_max: float, n_steps: int) -> None:
        self.lr0 = _validate.positive("lr_min", lr_min)
        self.lr_max = _validate.positive("lr_max", lr_max)
        self.n_steps = _validate.count("n_steps", n_steps, 2)
        if self.lr_max <= self.lr0:
            raise ValueError(f"lr_max must exceed lr_min, got {self.lr_max} <= {self.lr0}")

    def _rate(self, t: np.ndarray) -> np.ndarray:
        frac = np.minimum(t, self.n_steps - 1) / (self.n_steps - 1)
        return self.lr0 * (self.lr_max / self.lr0) ** frac


#: name → schedule class, for menus (the explorers' schedule selector)
SCHEDULES: dict[str, type[Schedule]] = {
    cls.name: cls for cls in (Constant, StepDecay, Exponential, InverseTime, Cosine)
}


def make_schedule(name: str, lr0: float, total_steps: int) -> Schedule:
    """A schedule by name, with decay settings scaled to a run of ``total_steps`` steps.

    Convenient defaults so every shape ends a run of ``total_steps`` steps near ``lr0 / 10``
    or lower: ``"constant"``; ``"step"`` (×0.3 at each third of the run); ``"exponential"``
    (``lr0/100`` at the end); ``"1/t"`` (``lr0/10`` at the end); ``"cosine"`` (0 at the end).

    >>> make_schedule("1/t", 0.5, total_steps=91)(91)
    0.05
    """
    total_steps = _validate.count("total_steps", total_steps)
    if name == "constant":
        return Constant(lr0)
    if name == "step":
        return StepDecay(lr0, step_size=max(1, math.ceil(total_steps / 3)), gamma=0.3)
    if name == "exponential":
        return Exponential(lr0, gamma=0.01 ** (1.0 / total_steps))
    if name == "1/t":
        return InverseTime(lr0, decay=9.0 / total_steps)
    if name == "cosine":
        return Cosine(lr0, total_steps=total_steps)
    raise ValueError(f"unknown schedule {name!r}; choose one of {sorted(SCHEDULES)}")


class LRScheduler:
    """Drive an optimiser's ``lr`` with a schedule, as torch's learning-rate schedulers do.

    On construction it sets ``optimizer.lr = schedule(0)``; each :meth:`step` (call it after
    ``optimizer.step(...)``) advances ``t`` and sets ``optimizer.lr = schedule(t)``.

    Parameters
    ----------
    optimizer : object with a writable ``lr`` attribute
        A :mod:`gdutils.optim` optimiser.
    schedule : callable
        ``lr(t)`` for ``t = 0, 1, …``.

    Attributes
    ----------
    t : int
        Steps taken so far.

    Examples
    --------
    >>> from gdutils.optim import SGD
    >>> w = np.zeros(1)
    >>> opt = SGD([w], lr=1.0)
    >>> sched = LRScheduler(opt, StepDecay(1.0, step_size=2, gamma=0.5))
    >>> lrs = []
    >>> for _ in range(4):
    ...     lrs.append(opt.lr); opt.step([np.ones(1)]); sched.step()
    >>> lrs
    [1.0, 1.0, 0.5, 0.5]
    """

    def __init__(self, optimizer: Any, schedule: Any) -> None:
        if not hasattr(optimizer, "lr"):
            raise ValueError("optimizer must have an `lr` attribute (a gdutils.optim optimiser)")
        if not callable(schedule):
            raise ValueError(f"schedule must be a callable lr(t), got {schedule!r}")
        self.optimizer = optimizer
        self.schedule = schedule
        self.t = 0
        self._apply()

    def _apply(self) -> None:
        value = float(self.schedule(self.t))
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"the schedule returned lr({self.t}) = {value}; it must be finite and >= 0")
        self.optimizer.lr = value

    def step(self) -> None:
        """Advance one step and set the optimiser's learning rate for the next one."""
        self.t += 1
        self._apply()

    @property
    def lr(self) -> float:
        """The learning rate the optimiser will use for its next step."""
        return float(self.optimizer.lr)

    def __repr__(self) -> str:
        return f"LRScheduler({self.schedule!r}, t={self.t})"
