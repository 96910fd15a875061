"""k-means as gradient descent: the loss, its gradient per centroid, one descent step, Lloyd's
update and mini-batch k-means (notebook 06).

Normalisation (a mean, like every loss in the course). For data ``X (n, d)``, centroids
``μ (k, d)`` and an assignment ``c(i) ∈ {0, …, k−1}`` of each point to a centroid::

    L(μ) = (1/n) Σᵢ ‖xᵢ − μ_c(i)‖²,      c(i) = argminⱼ ‖xᵢ − μⱼ‖²   (ties: the lowest j)

With the assignment held fixed (it is piecewise constant in ``μ``), the gradient for centroid
``j``, whose cluster ``Cⱼ`` has ``nⱼ`` points with mean ``x̄ⱼ``, is::

    ∂L/∂μⱼ = (2/n) Σ_{i ∈ Cⱼ} (μⱼ − xᵢ) = (2 nⱼ / n) (μⱼ − x̄ⱼ)

so a gradient step with the per-centroid step size ``ηⱼ = n / (2 nⱼ)`` lands exactly on
``x̄ⱼ``: **one gradient-descent step is Lloyd's update**. (For the un-normalised half sum
``½ Σᵢ ‖xᵢ − μ_c(i)‖²`` the same step size reads ``1/nⱼ``; the factor ``n/2`` converts between
the two.) An empty cluster (``nⱼ = 0``) has a zero gradient and no defined step size: its
centroid stays where it is — never NaN.

Mini-batch k-means (Sculley, 2010) is stochastic gradient descent on the same loss with
per-centroid step sizes ``1/vⱼ`` (half-sum convention), where ``vⱼ`` counts every point ever
assigned to centroid ``j``: each centroid is the running mean of the points it has seen.

>>> import numpy as np
>>> X = np.array([[0.0, 0.0], [2.0, 0.0], [10.0, 0.0]])
>>> mu = np.array([[0.5, 0.0], [9.0, 0.0]])
>>> assign(X, mu)
array([0, 0, 1])
>>> kmeans_loss(X, mu)  # (0.25 + 2.25 + 1) / 3
1.1666666666666667
>>> gd_step(X, mu, lr="lloyd")  # the cluster means
array([[ 1.,  0.],
       [10.,  0.]])
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "assign",
    "cluster_sizes",
    "kmeans_loss",
    "kmeans_gradient",
    "lloyd_step_sizes",
    "gd_step",
    "lloyd_update",
    "init_centroids",
    "KMeansResult",
    "kmeans",
    "minibatch_step",
    "minibatch_kmeans",
]


# --------------------------------------------------------------------------------------------
# Validation


def _data(X: ArrayLike) -> np.ndarray:
    Xa = np.asarray(X)
    if Xa.dtype.kind not in "biuf":
        raise ValueError(f"X must be numeric, got dtype {Xa.dtype}")
    Xa = Xa.astype(np.float64, copy=False)
    if Xa.ndim != 2 or Xa.shape[0] == 0 or Xa.shape[1] == 0:
        hint = ": for one feature use X.reshape(-1, 1)" if Xa.ndim == 1 else ""
        raise ValueError(f"X must have shape (n, d) with n, d >= 1, got {Xa.shape}{hint}")
    if not np.all(np.isfinite(Xa)):
        raise ValueError("X must be finite (no NaN or infinity)")
    return Xa


def _centroids(centroids: ArrayLike, d: int) -> np.ndarray:
    C = np.asarray(centroids)
    if C.dtype.kind not in "biuf":
        raise ValueError(f"centroids must be numeric, got dtype {C.dtype}")
    C = C.astype(np.float64, copy=False)
    if C.ndim != 2 or C.shape[0] == 0 or C.shape[1] != d:
        raise ValueError(f"centroids must have shape (k, {d}) with k >= 1, got {C.shape}")
    if not np.all(np.isfinite(C)):
        raise ValueError("centroids must be finite (no NaN or infinity)")
    return C


def _labels(labels: ArrayLike, n: int, k: int) -> np.ndarray:
    lab = np.asarray(labels)
    if lab.ndim != 1 or lab.shape[0] != n:
        raise ValueError(f"labels must have shape ({n},), got {lab.shape}")
    if lab.dtype.kind not in "iu":
        raise ValueError(f"labels must be integer cluster indices, got dtype {lab.dtype}")
    if lab.size and (lab.min() < 0 or lab.max() >= k):
        raise ValueError(f"labels must lie in 0 … {k - 1}, got values from {lab.min()} to {lab.max()}")
    return lab.astype(np.int64, copy=False)


def _labels_1d(labels: ArrayLike, k: int) -> np.ndarray:
    lab = np.asarray(labels)
    if lab.ndim != 1:
        raise ValueError(f"labels must have shape (n,), got {lab.shape}")
    return _labels(lab, lab.shape[0], k)


def _count(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _prepare(
    X: ArrayLike, centroids: ArrayLike, labels: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    Xa = _data(X)
    C = _centroids(centroids, Xa.shape[1])
    lab = _assign(Xa, C) if labels is None else _labels(labels, Xa.shape[0], C.shape[0])
    return Xa, C, lab


# --------------------------------------------------------------------------------------------
# Building blocks (unguarded, for the public functions below)


def _sq_distances(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    # Differences rather than ‖x‖² − 2x·μ + ‖μ‖²: exact, never negative (the sizes here are small).
    diff = X[:, None, :] - C[None, :, :]
    return np.einsum("nkd,nkd->nk", diff, diff)


def _assign(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    return np.argmin(_sq_distances(X, C), axis=1).astype(np.int64)


def _sizes(labels: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(labels, minlength=k).astype(np.int64)


def _sums(X: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    sums = np.zeros((k, X.shape[1]))
    np.add.at(sums, labels, X)
    return sums


def _loss(X: np.ndarray, C: np.ndarray, labels: np.ndarray) -> float:
    r = X - C[labels]
    return float(np.mean(np.einsum("nd,nd->n", r, r)))


def _gradient(X: np.ndarray, C: np.ndarray, labels: np.ndarray) -> np.ndarray:
    n, k = X.shape[0], C.shape[0]
    sizes = _sizes(labels, k)
    # (2/n) Σ_{i∈Cⱼ} (μⱼ − xᵢ) = (2/n) (nⱼ μⱼ − Σ_{i∈Cⱼ} xᵢ): zero for an empty cluster
    return (2.0 / n) * (sizes[:, None] * C - _sums(X, labels, k))


def _lloyd_lr(sizes: np.ndarray, n: int) -> np.ndarray:
    lr = np.zeros(sizes.shape)
    full = sizes > 0
    lr[full] = n / (2.0 * sizes[full])  # empty clusters: step 0, the centroid stays put
    return lr


def _means(X: np.ndarray, C: np.ndarray, labels: np.ndarray) -> np.ndarray:
    k = C.shape[0]
    sizes = _sizes(labels, k)
    out = C.copy()
    full = sizes > 0
    out[full] = _sums(X, labels, k)[full] / sizes[full, None]
    return out


def _minibatch(
    C: np.ndarray, counts: np.ndarray, Xb: np.ndarray, lab: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    k = C.shape[0]
    b = _sizes(lab, k)
    new_counts = counts + b
    out = C.copy()
    hit = b > 0  # a centroid without points in this batch keeps its place and its count
    means = _sums(Xb, lab, k)[hit] / b[hit, None]
    out[hit] = C[hit] - (b[hit] / new_counts[hit])[:, None] * (C[hit] - means)
    return out, new_counts


# --------------------------------------------------------------------------------------------
# The loss and its gradient


def assign(X: ArrayLike, centroids: ArrayLike) -> np.ndarray:
    """Index of the nearest centroid of every point: ``c(i) = argminⱼ ‖xᵢ − μⱼ‖²``.

    Parameters
    ----------
    X : array_like, shape (n, d)
    centroids : array_like, shape (k, d)

    Returns
    -------
    labels : ndarray of int64, shape (n,)
        Ties go to the lowest centroid index (``np.argmin``'s rule).
    """
    Xa = _data(X)
    return _assign(Xa, _centroids(centroids, Xa.shape[1]))


def cluster_sizes(labels: ArrayLike, k: int) -> np.ndarray:
    """``nⱼ``, the number of points assigned to each of the ``k`` centroids: ``(k,)`` int64."""
    k = _count(k, "k")
    return _sizes(_labels_1d(labels, k), k)


def kmeans_loss(X: ArrayLike, centroids: ArrayLike, labels: ArrayLike | None = None) -> float:
    """The k-means loss ``L = (1/n) Σᵢ ‖xᵢ − μ_c(i)‖²`` (a mean over the n points).

    Parameters
    ----------
    X : array_like, shape (n, d)
    centroids : array_like, shape (k, d)
    labels : array_like of int, shape (n,), optional
        The assignment ``c``; default: each point's nearest centroid (then this is the loss
        k-means minimises, a function of the centroids alone).

    Returns
    -------
    float
    """
    Xa, C, lab = _prepare(X, centroids, labels)
    return _loss(Xa, C, lab)


def kmeans_gradient(
    X: ArrayLike, centroids: ArrayLike, labels: ArrayLike | None = None
) -> np.ndarray:
    """Gradient of :func:`kmeans_loss` with respect to the centroids, the assignment held fixed.

    ``∂L/∂μⱼ = (2/n) Σ_{i ∈ Cⱼ} (μⱼ − xᵢ) = (2 nⱼ/n)(μⱼ − x̄ⱼ)``; a centroid with no points has
    gradient zero. With the nearest-centroid assignment (``labels=None``) this is the gradient
    of ``L(μ)`` wherever no point is equidistant from two centroids.

    Returns
    -------
    ndarray, shape (k, d)
    """
    Xa, C, lab = _prepare(X, centroids, labels)
    return _gradient(Xa, C, lab)


def lloyd_step_sizes(labels: ArrayLike, k: int) -> np.ndarray:
    """The per-centroid step sizes ``ηⱼ = n / (2 nⱼ)`` that turn a gradient step into Lloyd's
    update, for the mean loss of :func:`kmeans_loss`; ``0`` for an empty cluster (it stays put).

    Parameters
    ----------
    labels : array_like of int, shape (n,)
    k : int
        Number of centroids.

    Returns
    -------
    ndarray, shape (k,)
    """
    k = _count(k, "k")
    lab = _labels_1d(labels, k)
    if lab.size == 0:
        raise ValueError("labels must hold at least one point")
    return _lloyd_lr(_sizes(lab, k), lab.size)


def _check_lr(lr: Any, k: int, sizes: np.ndarray, n: int) -> np.ndarray:
    if isinstance(lr, str):
        if lr != "lloyd":
            raise ValueError(f"lr must be a number >= 0, an array of shape ({k},) or 'lloyd', got {lr!r}")
        return _lloyd_lr(sizes, n)
    if isinstance(lr, bool):
        raise ValueError(f"lr must be a number, got {lr!r}")
    arr = np.asarray(lr)
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"lr must be a number >= 0, an array of shape ({k},) or 'lloyd', got {lr!r}")
    arr = arr.astype(np.float64)
    if arr.ndim == 0:
        arr = np.full(k, float(arr))
    if arr.shape != (k,):
        raise ValueError(f"lr must be a number or have shape ({k},) (one step per centroid), got {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError("step sizes must be finite and >= 0")
    return arr


def gd_step(
    X: ArrayLike, centroids: ArrayLike, lr: Any = "lloyd", labels: ArrayLike | None = None
) -> np.ndarray:
    """One gradient-descent step on the k-means loss: ``μⱼ ← μⱼ − ηⱼ ∂L/∂μⱼ``.

    Parameters
    ----------
    X : array_like, shape (n, d)
    centroids : array_like, shape (k, d)
        Not modified.
    lr : float, array_like of shape (k,), or "lloyd"
        One step size for every centroid, one per centroid, or ``"lloyd"``: ``ηⱼ = n/(2nⱼ)``
        (see :func:`lloyd_step_sizes`), which makes the step equal to :func:`lloyd_update`.
    labels : array_like of int, shape (n,), optional
        The assignment; default: nearest centroids.

    Returns
    -------
    ndarray, shape (k, d)
        The new centroids; an empty cluster's centroid is returned unchanged.
    """
    Xa, C, lab = _prepare(X, centroids, labels)
    k = C.shape[0]
    eta = _check_lr(lr, k, _sizes(lab, k), Xa.shape[0])
    return C - eta[:, None] * _gradient(Xa, C, lab)


def lloyd_update(X: ArrayLike, centroids: ArrayLike, labels: ArrayLike | None = None) -> np.ndarray:
    """Lloyd's update: every centroid moves to the mean of its points (an empty one stays put).

    Returns
    -------
    ndarray, shape (k, d)
        ``x̄ⱼ`` for every non-empty cluster, ``μⱼ`` unchanged for an empty one. The input is not
        modified.
    """
    Xa, C, lab = _prepare(X, centroids, labels)
    return _means(Xa, C, lab)


def init_centroids(X: ArrayLike, k: int, seed: int | np.random.Generator = 0) -> np.ndarray:
    """``k`` distinct data points chosen at random (Forgy's initialisation), shape ``(k, d)``."""
    Xa = _data(X)
    k = _count(k, "k")
    if k > Xa.shape[0]:
        raise ValueError(f"k = {k} centroids need at least {k} points, got {Xa.shape[0]}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(_count(seed, "seed", 0))
    return Xa[rng.choice(Xa.shape[0], size=k, replace=False)].copy()


# --------------------------------------------------------------------------------------------
# Loops


@dataclass(frozen=True, eq=False)
class KMeansResult:
    """The outcome of a k-means run.

    Attributes
    ----------
    centroids : ndarray (k, d)
        The last centroids, ``path[-1]``.
    labels : ndarray (n,)
        The nearest-centroid assignment of every point to ``centroids``.
    path : ndarray (n_iter + 1, k, d)
        The centroids after every step, starting with the initial ones.
    losses : ndarray (n_iter + 1,)
        ``kmeans_loss`` (nearest assignment) at every entry of ``path``.
    n_iter : int
        Steps taken.
    converged : bool
        True when a step moved no centroid by more than ``tol``.
    seen : ndarray (n_iter + 1,)
        How many examples had been used after each step (``n`` per full step, the batch size
        per mini-batch step): the x-axis for comparing full and mini-batch runs.
    diverged : bool
        True when a step sent a centroid beyond ``divergence_threshold`` (a step size too large
        for its cluster); the path stops before that step.
    """

    centroids: np.ndarray
    labels: np.ndarray
    path: np.ndarray
    losses: np.ndarray
    n_iter: int
    converged: bool
    seen: np.ndarray
    diverged: bool = False

    def __repr__(self) -> str:
        return (f"KMeansResult(k={self.centroids.shape[0]}, n_iter={self.n_iter}, "
                f"loss={self.losses[-1]:.6g}, converged={self.converged})")


def _result(X: np.ndarray, path: list[np.ndarray], converged: bool, per_step: int,
            diverged: bool = False) -> KMeansResult:
    P = np.array(path)
    losses = np.array([_loss(X, C, _assign(X, C)) for C in P])
    seen = per_step * np.arange(P.shape[0], dtype=np.int64)
    last = P[-1].copy()
    for a in (P, losses, seen, last):
        a.setflags(write=False)
    return KMeansResult(centroids=last, labels=_assign(X, last), path=P, losses=losses,
                        n_iter=P.shape[0] - 1, converged=converged, seen=seen, diverged=diverged)


def kmeans(
    X: ArrayLike,
    init: ArrayLike,
    max_iter: int = 100,
    method: str = "lloyd",
    lr: Any = "lloyd",
    tol: float = 0.0,
    *,
    divergence_threshold: float = 1e8,
) -> KMeansResult:
    """Full-batch k-means from the centroids ``init``.

    Each step assigns every point to its nearest centroid, then moves the centroids:
    ``method="lloyd"`` to the cluster means, ``method="gd"`` by one :func:`gd_step` with step
    size ``lr`` (a number, one per centroid, or ``"lloyd"``, which is the same as Lloyd).
    Stops after ``max_iter`` steps, when no centroid moved by more than ``tol`` (Lloyd reaches
    an exact fixed point in finitely many steps), or when a step would send a centroid beyond
    ``divergence_threshold`` times the data's scale (``result.diverged``; gradient descent with
    a global step ``lr > n/nⱼ`` overshoots cluster ``j`` by more than it corrects).
    """
    Xa = _data(X)
    C = _centroids(init, Xa.shape[1]).copy()
    max_iter = _count(max_iter, "max_iter", 0)
    if method not in ("lloyd", "gd"):
        raise ValueError(f"method must be 'lloyd' or 'gd', got {method!r}")
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol >= 0:
        raise ValueError(f"tol must be a number >= 0, got {tol!r}")
    k, n = C.shape[0], Xa.shape[0]
    if method == "gd":
        _check_lr(lr, k, np.ones(k, np.int64), n)  # validate once, before the loop
    if (isinstance(divergence_threshold, bool) or not isinstance(divergence_threshold, numbers.Real)
            or not divergence_threshold > 0):
        raise ValueError(f"divergence_threshold must be a number > 0, got {divergence_threshold!r}")
    limit = float(divergence_threshold) * max(1.0, float(np.max(np.abs(Xa))), float(np.max(np.abs(C))))
    path = [C.copy()]
    converged = diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(max_iter):
            lab = _assign(Xa, C)
            if method == "lloyd":
                new = _means(Xa, C, lab)
            else:
                new = C - _check_lr(lr, k, _sizes(lab, k), n)[:, None] * _gradient(Xa, C, lab)
            if not np.all(np.isfinite(new)) or float(np.max(np.abs(new))) > limit:
                diverged = True
                break
            moved = float(np.max(np.abs(new - C)))
            C = new
            path.append(C.copy())
            if moved <= tol:
                converged = True
                break
    return _result(Xa, path, converged, n, diverged)


def minibatch_step(
    centroids: ArrayLike, counts: ArrayLike, X_batch: ArrayLike, labels: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """One step of mini-batch k-means: SGD with per-centroid step sizes ``1/count``.

    Every centroid ``j`` that receives ``bⱼ`` points of the batch (mean ``x̄ⱼ``) updates its
    count ``vⱼ ← vⱼ + bⱼ`` and moves ``μⱼ ← μⱼ − (bⱼ/vⱼ)(μⱼ − x̄ⱼ)`` — exactly what adding the
    batch's points one at a time with step ``1/vⱼ`` gives, so ``μⱼ`` is the running mean of all
    the points it has received. Centroids that receive no point keep their place and count.

    Parameters
    ----------
    centroids : array_like, shape (k, d)
    counts : array_like of int, shape (k,)
        Points received so far per centroid (start from zeros).
    X_batch : array_like, shape (b, d)
    labels : array_like of int, shape (b,), optional
        The batch's assignment; default: nearest centroids.

    Returns
    -------
    (new_centroids, new_counts) : ((k, d) float64, (k,) int64)
        New arrays; the inputs are not modified.
    """
    Xb = _data(X_batch)
    C = _centroids(centroids, Xb.shape[1])
    k = C.shape[0]
    v = np.asarray(counts)
    if v.shape != (k,) or v.dtype.kind not in "iu" or (v.size and v.min() < 0):
        raise ValueError(f"counts must be non-negative integers of shape ({k},), got {v.shape} {v.dtype}")
    lab = _assign(Xb, C) if labels is None else _labels(labels, Xb.shape[0], k)
    return _minibatch(C, v.astype(np.int64), Xb, lab)


def minibatch_kmeans(
    X: ArrayLike,
    init: ArrayLike,
    batch_size: int,
    n_steps: int,
    seed: int | np.random.Generator = 0,
) -> KMeansResult:
    """Mini-batch k-means: ``n_steps`` calls of :func:`minibatch_step` on batches drawn without
    replacement within a batch (a fresh random subset each step), counts starting at zero.

    ``result.seen`` counts examples used (``batch_size`` per step) and ``result.losses`` is the
    full-data loss after every step, for comparison with :func:`kmeans`.
    """
    Xa = _data(X)
    C = _centroids(init, Xa.shape[1]).copy()
    batch_size = _count(batch_size, "batch_size")
    if batch_size > Xa.shape[0]:
        raise ValueError(f"batch_size = {batch_size} exceeds the {Xa.shape[0]} points")
    n_steps = _count(n_steps, "n_steps", 0)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(_count(seed, "seed", 0))
    counts = np.zeros(C.shape[0], dtype=np.int64)
    path = [C.copy()]
    for _ in range(n_steps):
        batch = Xa[rng.choice(Xa.shape[0], size=batch_size, replace=False)]
        C, counts = _minibatch(C, counts, batch, _assign(batch, C))
        path.append(C.copy())
    return _result(Xa, path, False, batch_size)
