"""Exponential moving averages: the memory inside momentum, RMSprop and Adam.

An exponential moving average (EMA) of a sequence ``x₁, x₂, …`` with decay ``β ∈ [0, 1)`` is

.. math::

    s_0 = 0, \\qquad s_t = \\beta\\, s_{t-1} + (1 - \\beta)\\, x_t
    \\quad\\Longleftrightarrow\\quad
    s_t = (1 - \\beta) \\sum_{k=1}^{t} \\beta^{\\,t-k}\\, x_k .

The weights ``(1 − β)βᵃ`` of a value ``a`` steps old sum to ``1 − βᵗ`` after ``t`` values, not
to 1: starting from ``s₀ = 0`` pulls the early averages towards 0. Dividing by ``1 − βᵗ``
(*bias correction*, :func:`ema` with ``debias=True``) removes that pull; it is what Adam does
to both of its averages (notebook 11). Momentum's buffer ``b ← βb + g`` is the same sum without
the factor ``1 − β`` (notebook 10): ``b_t = s_t / (1 − β)``.

The effective window ``1/(1 − β)`` and the half-life ``ln ½ / ln β`` live in
:mod:`gdutils.theory` (:func:`~gdutils.theory.ema_window`, :func:`~gdutils.theory.ema_half_life`).

>>> ema([1.0, 1.0, 1.0], beta=0.9)
array([0.1  , 0.19 , 0.271])
>>> ema([1.0, 1.0, 1.0], beta=0.9, debias=True)
array([1., 1., 1.])
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["ema", "ema_weights"]


def _beta(beta: object) -> float:
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
        raise ValueError(f"beta must be a number in [0, 1), got {beta!r}")
    b = float(beta)
    if not 0.0 <= b < 1.0:
        raise ValueError(f"beta must be in [0, 1), got {b}")
    return b


def ema(values: ArrayLike, beta: float, *, debias: bool = False) -> np.ndarray:
    """The exponential moving average of a sequence, one average per value.

    ``s₀ = 0`` and ``s_t = β s_{t−1} + (1 − β) x_t`` for ``t = 1 … T``; with ``debias=True``
    each average is divided by ``1 − βᵗ`` (the sum of its weights), as Adam does.

    Parameters
    ----------
    values : array_like, shape (T,) or (T, d)
        The sequence ``x₁ … x_T`` (along the first axis; each of the ``d`` columns is averaged
        on its own).
    beta : float
        Decay ``0 ≤ β < 1``; ``β = 0`` returns the values themselves.
    debias : bool, default False
        Divide ``s_t`` by ``1 − βᵗ``.

    Returns
    -------
    ndarray, same shape as ``values``, float64
        ``out[t − 1] = s_t`` (``s₀`` is not included).

    Raises
    ------
    ValueError
        If ``values`` is not 1-D or 2-D, is empty or not finite, or ``beta`` is outside [0, 1).
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim not in (1, 2) or x.shape[0] == 0:
        raise ValueError(f"values must have shape (T,) or (T, d) with T >= 1, got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("values must be finite")
    b = _beta(beta)
    out = np.empty_like(x)
    s = np.zeros(x.shape[1:])
    for t in range(x.shape[0]):
        s = b * s + (1.0 - b) * x[t]  # s_t = β s_{t−1} + (1 − β) x_t
        out[t] = s
    if debias:
        t = np.arange(1, x.shape[0] + 1, dtype=np.float64)
        out /= (1.0 - b**t).reshape((-1,) + (1,) * (x.ndim - 1))
    return out


def ema_weights(beta: float, t: int, *, debias: bool = False) -> np.ndarray:
    """The weight of each value in the EMA after ``t`` values: ``w[a] = (1 − β) βᵃ``.

    ``a = 0 … t − 1`` is the age (0 = the newest value), so ``s_t = Σₐ w[a] x_{t−a}``. The
    weights sum to ``1 − βᵗ``; with ``debias=True`` they are divided by that sum (they sum to 1).

    Returns
    -------
    ndarray, shape (t,)
    """
    b = _beta(beta)
    if isinstance(t, bool) or not isinstance(t, numbers.Integral) or t < 1:
        raise ValueError(f"t must be a positive integer, got {t!r}")
    w = (1.0 - b) * b ** np.arange(int(t), dtype=np.float64)
    if debias:
        w /= 1.0 - b ** int(t)
    return w
