"""Losses and their gradients for linear models, written to be numerically stable.

Conventions (course-wide): losses are *means* over the ``n`` examples; ``X (n, d)``,
``w (d,)``, scalar ``b``, ``y (n,)``; for ``k`` classes ``W (d, k)``, ``b (k,)``, logits
``Z (n, k)`` and integer labels ``(n,)``.

Regression (notebook 04):  ``L(w, b) = (1/n) Σᵢ (xᵢ·w + b − yᵢ)²``, with
``∂L/∂w = (2/n) Xᵀr`` and ``∂L/∂b = (2/n) Σᵢ rᵢ`` for the residual ``r = Xw + b − y``.

Classification (notebook 05): the logistic loss ``(1/n) Σᵢ [log(1 + eᶻⁱ) − yᵢzᵢ]`` and the
softmax cross-entropy ``(1/n) Σᵢ [logsumexp(zᵢ) − zᵢ,yᵢ]`` have gradients of the same form as
regression's: ``Xᵀ(p − y)/n`` with the predicted probabilities ``p``.

Nothing here overflows for logits of ±1000 or emits a warning.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "mse",
    "linear_predict",
    "mse_gradient",
    "least_squares",
    "ridge",
    "ridge_loss",
    "ridge_gradient",
    "sigmoid",
    "log_sigmoid",
    "binary_cross_entropy_with_logits",
    "logistic_gradient",
    "softmax",
    "log_softmax",
    "cross_entropy",
    "softmax_gradient",
    "one_hot",
    "accuracy",
]


# --------------------------------------------------------------------------------------------
# Validation


def _float(a: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def _vector(a: ArrayLike, name: str, n: int | None = None) -> np.ndarray:
    arr = _float(a, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        raise ValueError(
            f"{name} must have shape ({'n' if n is None else n},), got {arr.shape}: a (n, 1) "
            "column broadcasts against an (n,) vector into an (n, n) matrix. Use .ravel()."
        )
    if arr.ndim != 1 or (n is not None and arr.shape[0] != n):
        raise ValueError(f"{name} must have shape ({'n' if n is None else n},), got {arr.shape}")
    return arr


def _matrix(a: ArrayLike, name: str) -> np.ndarray:
    arr = _float(a, name)
    if arr.ndim != 2:
        hint = ": for one feature use X.reshape(-1, 1)" if arr.ndim == 1 else ""
        raise ValueError(f"{name} must have shape (n, d), got {arr.shape}{hint}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must have at least one row")
    return arr


def _scalar(b: Any, name: str = "b") -> float:
    if np.ndim(b) != 0:
        raise ValueError(f"{name} must be a single number, got shape {np.shape(b)}")
    return float(b)


def _labels(labels: ArrayLike, n: int | None = None, k: int | None = None) -> np.ndarray:
    lab = np.asarray(labels)
    if lab.ndim == 2:
        raise ValueError(
            f"labels must be integer class indices of shape (n,), got shape {lab.shape}: if "
            "they are one-hot rows, convert with labels.argmax(axis=1)"
        )
    if lab.ndim != 1 or (n is not None and lab.shape[0] != n):
        raise ValueError(f"labels must have shape ({'n' if n is None else n},), got {lab.shape}")
    if lab.dtype.kind not in "iu":
        raise ValueError(
            f"labels must be integers (class indices), got dtype {lab.dtype}; "
            "use labels.astype(int) if they are whole numbers"
        )
    if lab.size and (lab.min() < 0 or (k is not None and lab.max() >= k)):
        raise ValueError(
            f"labels must lie in 0 … {'k-1' if k is None else k - 1}, got values from "
            f"{lab.min()} to {lab.max()}"
        )
    return lab.astype(np.int64, copy=False)


def _xy_wb(X: ArrayLike, y: ArrayLike, w: ArrayLike, b: Any) -> tuple[np.ndarray, ...]:
    Xa = _matrix(X, "X")
    n, d = Xa.shape
    ya = _vector(y, "y", n)
    wa = _vector(w, "w", d)
    return Xa, ya, wa, np.float64(_scalar(b))


# --------------------------------------------------------------------------------------------
# Regression


def mse(pred: ArrayLike, y: ArrayLike) -> float:
    """Mean squared error ``(1/n) Σᵢ (predᵢ − yᵢ)²`` (torch's ``MSELoss``).

    Both arguments must have shape ``(n,)``: a ``(n, 1)`` prediction against an ``(n,)`` target
    would silently broadcast into an ``(n, n)`` matrix, so it is a ``ValueError``.
    """
    ya = _vector(y, "y")
    pa = _vector(pred, "pred", ya.shape[0])
    if ya.size == 0:
        raise ValueError("mse of zero examples is undefined")
    r = pa - ya
    return float(np.mean(r * r))


def linear_predict(X: ArrayLike, w: ArrayLike, b: float) -> np.ndarray:
    """The linear model ``ŷ = Xw + b``: ``X (n, d)``, ``w (d,)``, scalar ``b`` → ``(n,)``."""
    Xa = _matrix(X, "X")
    wa = _vector(w, "w", Xa.shape[1])
    return Xa @ wa + _scalar(b)


def mse_gradient(X: ArrayLike, y: ArrayLike, w: ArrayLike, b: float) -> tuple[np.ndarray, float]:
    """Gradient of ``L(w, b) = (1/n) ‖Xw + b − y‖²``.

    With ``r = Xw + b − y``: ``∂L/∂w = (2/n) Xᵀr`` of shape ``(d,)`` and ``∂L/∂b = (2/n) Σ r``.

    Returns
    -------
    (dw, db) : ((d,) ndarray, float)
    """
    Xa, ya, wa, ba = _xy_wb(X, y, w, b)
    n = Xa.shape[0]
    r = Xa @ wa + ba - ya
    dw = (2.0 / n) * (Xa.T @ r)
    db = (2.0 / n) * float(np.sum(r))
    return dw, db


def least_squares(X: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, float]:
    """The minimiser of the mean squared error of ``Xw + b``: the normal equations, with bias.

    Solves ``min ‖[X 1] θ − y‖²`` with ``np.linalg.lstsq`` (no explicit inverse, and the
    minimum-norm solution when ``X`` is rank-deficient).

    Returns
    -------
    (w, b) : ((d,) ndarray, float)
    """
    Xa = _matrix(X, "X")
    ya = _vector(y, "y", Xa.shape[0])
    A = np.hstack([Xa, np.ones((Xa.shape[0], 1))])
    theta = np.linalg.lstsq(A, ya, rcond=None)[0]
    return theta[:-1].copy(), float(theta[-1])


def _ridge_parts(X: ArrayLike, y: ArrayLike, lam: Any) -> tuple[np.ndarray, np.ndarray, float]:
    Xa = _matrix(X, "X")
    ya = _vector(y, "y", Xa.shape[0])
    if np.ndim(lam) != 0 or not float(lam) >= 0 or not np.isfinite(float(lam)):
        raise ValueError(f"lam must be a finite number >= 0, got {lam!r}")
    return Xa, ya, float(lam)


def ridge(
    X: ArrayLike, y: ArrayLike, lam: float, penalise_bias: bool = False
) -> tuple[np.ndarray, float]:
    """Closed-form ridge regression for the mean-MSE objective.

    Minimises exactly::

        J(w, b) = (1/n) ‖Xw + b − y‖² + lam ‖w‖²          (penalise_bias=False)
        J(w, b) = (1/n) ‖Xw + b − y‖² + lam (‖w‖² + b²)   (penalise_bias=True)

    which is what gradient descent with ``dw = mse_gradient + 2·lam·w`` converges to (see
    :func:`ridge_gradient`). With an unpenalised bias, centring gives
    ``(X̃ᵀX̃ + n·lam·I) w = X̃ᵀỹ`` and ``b = ȳ − x̄·w``; it is solved as a least-squares problem
    with ``√(n·lam)·I`` rows appended, which also covers ``lam = 0``.

    Returns
    -------
    (w, b) : ((d,) ndarray, float)
    """
    Xa, ya, lam = _ridge_parts(X, y, lam)
    n, d = Xa.shape
    if penalise_bias:
        A = np.hstack([Xa, np.ones((n, 1))])
        rows = np.sqrt(n * lam) * np.eye(d + 1)
        theta = np.linalg.lstsq(
            np.vstack([A, rows]), np.concatenate([ya, np.zeros(d + 1)]), rcond=None
        )[0]
        return theta[:-1].copy(), float(theta[-1])
    x_mean = Xa.mean(axis=0)
    y_mean = float(ya.mean())
    Xc = Xa - x_mean
    yc = ya - y_mean
    rows = np.sqrt(n * lam) * np.eye(d)
    w = np.linalg.lstsq(np.vstack([Xc, rows]), np.concatenate([yc, np.zeros(d)]), rcond=None)[0]
    return w, y_mean - float(x_mean @ w)


def ridge_loss(
    X: ArrayLike, y: ArrayLike, w: ArrayLike, b: float, lam: float, penalise_bias: bool = False
) -> float:
    """The ridge objective ``(1/n) ‖Xw + b − y‖² + lam ‖w‖²`` (``+ lam b²`` if penalise_bias)."""
    Xa, ya, wa, ba = _xy_wb(X, y, w, b)
    _, _, lam = _ridge_parts(Xa, ya, lam)
    r = Xa @ wa + ba - ya
    penalty = float(wa @ wa) + (float(ba) ** 2 if penalise_bias else 0.0)
    return float(np.mean(r * r)) + lam * penalty


def ridge_gradient(
    X: ArrayLike, y: ArrayLike, w: ArrayLike, b: float, lam: float, penalise_bias: bool = False
) -> tuple[np.ndarray, float]:
    """Gradient of :func:`ridge_loss`: ``dw = (2/n) Xᵀr + 2 lam w``, ``db = (2/n) Σ r``
    (``+ 2 lam b`` if penalise_bias)."""
    Xa, ya, wa, ba = _xy_wb(X, y, w, b)
    _, _, lam = _ridge_parts(Xa, ya, lam)
    n = Xa.shape[0]
    r = Xa @ wa + ba - ya
    dw = (2.0 / n) * (Xa.T @ r) + 2.0 * lam * wa
    db = (2.0 / n) * float(np.sum(r)) + (2.0 * lam * float(ba) if penalise_bias else 0.0)
    return dw, db


# --------------------------------------------------------------------------------------------
# Binary classification


def _out(a: np.ndarray) -> Any:
    return a[()] if a.ndim == 0 else a


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # e = exp(−|z|) ≤ 1 never overflows; pick the algebraically equal form for each sign
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(z: np.ndarray) -> np.ndarray:
    # log(1 + eᶻ) = max(z, 0) + log(1 + e^(−|z|)): no overflow, no log(0)
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def sigmoid(z: ArrayLike) -> Any:
    """The logistic function ``σ(z) = 1 / (1 + e⁻ᶻ)``, elementwise and overflow-free.

    For ``z < 0`` it uses the equal form ``eᶻ / (1 + eᶻ)``, so ``exp`` only ever sees
    non-positive arguments: ``sigmoid(±1000)`` is exactly 1 or 0 with no warning.
    """
    return _out(_sigmoid(_float(z, "z")))


def log_sigmoid(z: ArrayLike) -> Any:
    """``log σ(z) = −log(1 + e⁻ᶻ) = min(z, 0) − log(1 + e^(−|z|))``, stable for any z."""
    za = _float(z, "z")
    return _out(-_softplus(-za))


def _bce_check(z: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    ya = _vector(y, "y")
    za = _vector(z, "z", ya.shape[0])
    if ya.size == 0:
        raise ValueError("the loss of zero examples is undefined")
    if np.any((ya < 0) | (ya > 1)):
        raise ValueError("y must hold labels 0 and 1 (or probabilities in [0, 1])")
    return za, ya


def binary_cross_entropy_with_logits(z: ArrayLike, y: ArrayLike) -> float:
    """Mean binary cross-entropy of labels ``y ∈ {0, 1}`` given logits ``z`` (both ``(n,)``).

    ``−(1/n) Σ [y log σ(z) + (1 − y) log(1 − σ(z))] = (1/n) Σ [log(1 + eᶻ) − yz]``, computed
    as ``max(z, 0) − yz + log(1 + e^(−|z|))``: never ``log(0)``, never overflow (torch's
    ``BCEWithLogitsLoss``).
    """
    za, ya = _bce_check(z, y)
    return float(np.mean(_softplus(za) - ya * za))


def logistic_gradient(
    X: ArrayLike, y: ArrayLike, w: ArrayLike, b: float
) -> tuple[np.ndarray, float]:
    """Gradient of the mean logistic loss of ``z = Xw + b``.

    ``∂L/∂z = (σ(z) − y)/n``, so ``dw = Xᵀ(σ(z) − y)/n`` and ``db = mean(σ(z) − y)`` — the same
    form as linear regression's gradient (without the 2).

    Returns
    -------
    (dw, db) : ((d,) ndarray, float)
    """
    Xa, ya, wa, ba = _xy_wb(X, y, w, b)
    r = _sigmoid(Xa @ wa + ba) - ya
    return Xa.T @ r / Xa.shape[0], float(np.mean(r))


# --------------------------------------------------------------------------------------------
# Multi-class classification


def _log_softmax(Z: np.ndarray) -> np.ndarray:
    shifted = Z - np.max(Z, axis=-1, keepdims=True)  # largest entry 0: exp cannot overflow
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _logits(Z: ArrayLike) -> np.ndarray:
    Za = _float(Z, "Z")
    if Za.ndim == 0 or Za.shape[-1] == 0:
        raise ValueError(f"Z must have shape (n, k) (classes on the last axis), got {Za.shape}")
    return Za


def softmax(Z: ArrayLike) -> np.ndarray:
    """Row-wise softmax ``pᵢⱼ = exp(zᵢⱼ) / Σₖ exp(zᵢₖ)`` over the last axis.

    Subtracting each row's maximum first leaves the result unchanged and keeps ``exp`` ≤ 1.
    """
    Za = _logits(Z)
    shifted = Za - np.max(Za, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(Z: ArrayLike) -> np.ndarray:
    """Row-wise ``log softmax(Z) = Z − logsumexp(Z)``, with the max subtracted inside."""
    return _log_softmax(_logits(Z))


def cross_entropy(Z: ArrayLike, labels: ArrayLike) -> float:
    """Mean softmax cross-entropy ``−(1/n) Σᵢ log softmax(zᵢ)[yᵢ]`` (torch's ``CrossEntropyLoss``).

    ``Z`` are logits of shape ``(n, k)``; ``labels`` integer class indices of shape ``(n,)``
    (one-hot rows are a ``ValueError`` with a hint).
    """
    Za = _logits(Z)
    if Za.ndim != 2:
        raise ValueError(f"Z must have shape (n, k), got {Za.shape}")
    n, k = Za.shape
    if n == 0:
        raise ValueError("the loss of zero examples is undefined")
    lab = _labels(labels, n, k)
    return float(-np.mean(_log_softmax(Za)[np.arange(n), lab]))


def softmax_gradient(
    X: ArrayLike, labels: ArrayLike, W: ArrayLike, b: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of the mean cross-entropy of ``Z = XW + b``.

    ``∂L/∂Z = (softmax(Z) − onehot(labels)) / n``, so ``dW = Xᵀ(P − Y)/n`` of shape ``(d, k)``
    and ``db = mean(P − Y, axis=0)`` of shape ``(k,)``.
    """
    Xa = _matrix(X, "X")
    n, d = Xa.shape
    Wa = _float(W, "W")
    if Wa.ndim != 2 or Wa.shape[0] != d:
        raise ValueError(f"W must have shape ({d}, k), got {Wa.shape}")
    k = Wa.shape[1]
    ba = _vector(b, "b", k)
    lab = _labels(labels, n, k)
    P = np.exp(_log_softmax(Xa @ Wa + ba))
    P[np.arange(n), lab] -= 1.0
    return Xa.T @ P / n, P.mean(axis=0)


def one_hot(labels: ArrayLike, k: int | None = None) -> np.ndarray:
    """``(n, k)`` float64 matrix with a 1 in column ``labels[i]`` of row ``i``.

    ``k`` defaults to ``max(labels) + 1``.
    """
    lab = _labels(labels)
    if k is None:
        k = int(lab.max()) + 1 if lab.size else 0
    elif isinstance(k, bool) or int(k) != k or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    k = int(k)
    if lab.size and lab.max() >= k:
        raise ValueError(f"labels must lie in 0 … {k - 1}, got a {lab.max()}")
    out = np.zeros((lab.size, k))
    out[np.arange(lab.size), lab] = 1.0
    return out


def accuracy(pred_labels: ArrayLike, labels: ArrayLike) -> float:
    """Fraction of predicted labels equal to the true ones, in [0, 1].

    Both ``(n,)``. Accuracy is a score to report, not a loss to descend: it is piecewise
    constant in the parameters, so its gradient is zero almost everywhere.
    """
    p = np.asarray(pred_labels)
    t = np.asarray(labels)
    if p.ndim == 2:
        raise ValueError(
            f"pred_labels must be labels of shape (n,), got {p.shape}: for scores or "
            "probabilities of shape (n, k) take pred.argmax(axis=1)"
        )
    if p.ndim != 1 or t.ndim != 1 or p.shape != t.shape:
        raise ValueError(
            f"pred_labels and labels must both have shape (n,), got {p.shape} and {t.shape}"
        )
    if p.size == 0:
        raise ValueError("accuracy of zero examples is undefined")
    return float(np.mean(p == t))
