"""How mini-batches sample the data: gradient noise, and permutations against sampling with
replacement (notebook 09).

A mini-batch gradient is the mean of ``B`` of the ``n`` per-example gradients ``gᵢ``. Drawn
uniformly, it is an *unbiased* estimate of the full gradient ``ḡ = (1/n) Σᵢ gᵢ``, and its
mean squared error is, with ``σ² = (1/n) Σᵢ ‖gᵢ − ḡ‖²`` the spread of the per-example
gradients::

    E ‖ĝ_B − ḡ‖² = σ²/B · (n − B)/(n − 1)     B distinct examples (a slice of a permutation)
    E ‖ĝ_B − ḡ‖² = σ²/B                         B draws with replacement

Both fall like ``1/B``; only the first is exactly 0 at ``B = n`` (the finite-population
correction ``(n − B)/(n − 1)``). :func:`gradient_noise` measures it, :func:`gradient_noise_theory`
predicts it.

The other half of the story is coverage: an "epoch" of ``n`` draws with replacement misses
about ``(1 − 1/n)ⁿ ≈ 1/e ≈ 36.8 %`` of the examples (see
:func:`gdutils.theory.fraction_unseen_with_replacement`) while a permutation sees every one
exactly once; :func:`epoch_orders` and :func:`times_seen` produce the evidence.

>>> rng = np.random.default_rng(0)
>>> G = rng.standard_normal((200, 3))
>>> float(gradient_noise(G, 200, n_draws=5, rng=rng)) < 1e-25   # the whole set: no noise
True
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "per_example_mse_gradients",
    "gradient_noise",
    "gradient_noise_theory",
    "epoch_orders",
    "times_seen",
    "ORDERINGS",
]

#: the ways of choosing the examples of each epoch that :func:`epoch_orders` knows
ORDERINGS = ("no shuffling", "shuffle once", "fresh permutation", "with replacement")


def _matrix(G: ArrayLike, name: str = "G") -> np.ndarray:
    arr = np.asarray(G)
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if arr.ndim != 2 or arr.shape[0] < 1:
        raise ValueError(f"{name} must have shape (n, d) with n >= 1, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def _int(name: str, value: Any, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        rng = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ValueError(f"{name} must be {rng}, got {value}")
    return value


def _generator(rng: Any) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(f"rng must be a np.random.Generator or a non-negative int seed, got {rng!r}")


def per_example_mse_gradients(X: ArrayLike, y: ArrayLike, w: ArrayLike, b: float) -> np.ndarray:
    """Per-example gradients of the squared error ``(xᵢ·w + b − yᵢ)²`` with respect to ``(w, b)``.

    Row ``i`` is ``2 rᵢ [xᵢ, 1]`` with ``rᵢ = xᵢ·w + b − yᵢ``; their mean over the rows is the
    gradient of the mean squared error (:func:`gdutils.losses.mse_gradient`, stacked).

    Returns
    -------
    G : (n, d + 1) float64
        Columns ``0 … d−1`` are ``∂/∂w``, the last column is ``∂/∂b``.
    """
    Xa = _matrix(X, "X")
    n, d = Xa.shape
    ya = np.asarray(y, dtype=np.float64)
    if ya.shape != (n,):
        raise ValueError(f"y must have shape ({n},), got {ya.shape}")
    wa = np.asarray(w, dtype=np.float64)
    if wa.shape != (d,):
        raise ValueError(f"w must have shape ({d},), got {wa.shape}")
    if np.ndim(b) != 0:
        raise ValueError(f"b must be a single number, got shape {np.shape(b)}")
    r = Xa @ wa + float(b) - ya
    return 2.0 * r[:, None] * np.hstack([Xa, np.ones((n, 1))])


def gradient_noise(
    G: ArrayLike, batch_size: int, n_draws: int, rng: np.random.Generator | int
) -> float:
    """Measured mean squared error of the mini-batch gradient: ``mean over draws of ‖ĝ − ḡ‖²``.

    Each draw picks ``batch_size`` *distinct* rows of ``G`` uniformly at random (as a slice of a
    fresh permutation would) and averages them into ``ĝ``; ``ḡ`` is the mean of all rows.

    Parameters
    ----------
    G : (n, d) array_like
        Per-example gradients, one row per example.
    batch_size : int
        ``1 <= batch_size <= n``.
    n_draws : int
        Number of mini-batches drawn (``>= 1``).
    rng : np.random.Generator or int

    Returns
    -------
    float
        Close to :func:`gradient_noise_theory` for many draws; exactly 0 (up to round-off) when
        ``batch_size == n``.
    """
    Ga = _matrix(G)
    n = Ga.shape[0]
    B = _int("batch_size", batch_size, 1, n)
    draws = _int("n_draws", n_draws, 1)
    gen = _generator(rng)
    g_full = Ga.mean(axis=0)
    total = 0.0
    for _ in range(draws):
        idx = gen.choice(n, size=B, replace=False)
        dev = Ga[idx].mean(axis=0) - g_full
        total += float(dev @ dev)
    return total / draws


def gradient_noise_theory(G: ArrayLike, batch_size: ArrayLike, replace: bool = False) -> Any:
    """The expected ``‖ĝ_B − ḡ‖²`` of a mini-batch gradient of ``B`` examples.

    ``σ²/B · (n − B)/(n − 1)`` for distinct examples, ``σ²/B`` with replacement, where
    ``σ² = (1/n) Σᵢ ‖gᵢ − ḡ‖²``. Vectorised over ``batch_size``.

    >>> G = np.array([[1.0], [-1.0]])     # σ² = 1, n = 2
    >>> gradient_noise_theory(G, np.array([1, 2]))
    array([1., 0.])
    >>> gradient_noise_theory(G, 2, replace=True)
    0.5
    """
    Ga = _matrix(G)
    n = Ga.shape[0]
    B = np.asarray(batch_size, dtype=np.float64)
    if np.any(B < 1) or np.any(B != np.floor(B)) or (not replace and np.any(B > n)):
        raise ValueError(f"batch_size must be an integer in [1, {n}] (or >= 1 with replacement)")
    dev = Ga - Ga.mean(axis=0)
    sigma2 = float(np.mean(np.sum(dev * dev, axis=1)))
    out = sigma2 / B if replace else (sigma2 / B) * ((n - B) / (n - 1) if n > 1 else 0.0 * B)
    return float(out) if np.ndim(out) == 0 else out


def epoch_orders(n: int, n_epochs: int, ordering: str, rng: np.random.Generator | int) -> np.ndarray:
    """The example indices visited in each epoch, for each way of ordering them.

    ``ordering`` is one of :data:`ORDERINGS`:

    * ``"no shuffling"``: ``0, 1, …, n−1`` every epoch;
    * ``"shuffle once"``: one permutation, reused every epoch;
    * ``"fresh permutation"``: a new permutation each epoch (the right way);
    * ``"with replacement"``: ``n`` independent uniform draws each epoch.

    Returns
    -------
    (n_epochs, n) int64 array
        Row ``e`` is the order of epoch ``e``.
    """
    n = _int("n", n, 1)
    n_epochs = _int("n_epochs", n_epochs, 1)
    gen = _generator(rng)
    if ordering == "no shuffling":
        return np.tile(np.arange(n), (n_epochs, 1))
    if ordering == "shuffle once":
        return np.tile(gen.permutation(n), (n_epochs, 1))
    if ordering == "fresh permutation":
        return np.stack([gen.permutation(n) for _ in range(n_epochs)])
    if ordering == "with replacement":
        return gen.integers(0, n, size=(n_epochs, n))
    raise ValueError(f"ordering must be one of {ORDERINGS}, got {ordering!r}")


def times_seen(orders: ArrayLike, n: int) -> np.ndarray:
    """How many times each of the ``n`` examples appears in each epoch.

    Parameters
    ----------
    orders : (n_epochs, m) int array
        As returned by :func:`epoch_orders`.

    Returns
    -------
    (n_epochs, n) int64 array
        ``counts[e, i]``; the fraction of zeros in a row is the fraction of examples that epoch
        never saw.

    >>> times_seen(np.array([[0, 0, 2]]), 3)
    array([[2, 0, 1]])
    """
    o = np.asarray(orders)
    if o.ndim != 2 or o.dtype.kind not in "iu":
        raise ValueError(f"orders must be an (n_epochs, m) integer array, got {o.shape} {o.dtype}")
    n = _int("n", n, 1)
    if o.size and (o.min() < 0 or o.max() >= n):
        raise ValueError(f"orders must hold indices in [0, {n})")
    return np.stack([np.bincount(row, minlength=n) for row in o]).astype(np.int64)
