"""Linear regression fitted by gradient descent, and the curvature that sets its speed.

The model is ``ŷ = Xw + b`` with ``X (n, d)``, ``w (d,)`` and a scalar ``b``; the loss is the
mean squared error ``L(w, b) = (1/n) ‖Xw + b − y‖²`` (course convention). Stack the parameters
as ``θ = (w, b)`` of shape ``(d + 1,)`` and the inputs as ``A = [X 1]`` of shape ``(n, d + 1)``:
then ``L(θ) = (1/n) ‖Aθ − y‖²`` is a quadratic whose Hessian is the constant

    H = (2/n) AᵀA    (:func:`mse_hessian`),

so everything :mod:`gdutils.theory` says about quadratics applies: gradient descent is stable for
``η < 2/λmax(H)``, fastest at ``η = 2/(λmin + λmax)``, and needs about ``κ(H)/2 · ln(1/tol)``
steps. Standardising the features changes ``H`` — that is why it speeds descent up.

>>> import numpy as np
>>> X = np.array([[0.0], [1.0], [2.0]]); y = np.array([1.0, 3.0, 5.0])
>>> fit = fit_gd(X, y, lr=0.1, n_steps=2000)
>>> np.round(fit.w, 6), round(fit.b, 6), fit.status
(array([2.]), 1.0, 'max_iter')
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from gdutils import descent

__all__ = ["LinearFit", "design_matrix", "mse_hessian", "fit_gd", "max_margin_direction"]


def _matrix(X: ArrayLike) -> np.ndarray:
    Xa = np.asarray(X, dtype=np.float64)
    if Xa.ndim != 2:
        hint = ": for a single feature use X.reshape(-1, 1)" if Xa.ndim == 1 else ""
        raise ValueError(f"X must have shape (n, d), got {Xa.shape}{hint}")
    if Xa.shape[0] == 0 or Xa.shape[1] == 0:
        raise ValueError(f"X must have at least one row and one column, got {Xa.shape}")
    if not np.all(np.isfinite(Xa)):
        raise ValueError("X must be finite")
    return Xa


def _targets(y: ArrayLike, n: int) -> np.ndarray:
    ya = np.asarray(y, dtype=np.float64)
    if ya.ndim == 2 and ya.shape[1] == 1:
        raise ValueError(
            f"y must have shape ({n},), got {ya.shape}: a (n, 1) column broadcasts against an "
            "(n,) prediction into an (n, n) matrix. Use y.ravel()."
        )
    if ya.shape != (n,):
        raise ValueError(f"y must have shape ({n},), got {ya.shape}")
    if not np.all(np.isfinite(ya)):
        raise ValueError("y must be finite")
    return ya


def design_matrix(X: ArrayLike) -> np.ndarray:
    """``A = [X 1]``: the inputs with a column of ones appended, shape ``(n, d + 1)``.

    With ``θ = (w, b)``, ``Aθ = Xw + b``.
    """
    Xa = _matrix(X)
    return np.hstack([Xa, np.ones((Xa.shape[0], 1))])


def mse_hessian(X: ArrayLike) -> np.ndarray:
    """The Hessian of ``L(w, b) = (1/n) ‖Xw + b − y‖²`` with respect to ``θ = (w, b)``.

    ``H = (2/n) AᵀA`` with ``A = [X 1]``, shape ``(d + 1, d + 1)``; the last row and column
    belong to the bias. It does not depend on ``y``, ``w`` or ``b``: the loss is quadratic.
    Its block ``(2/n) XᵀX`` is the curvature in ``w`` alone.

    Parameters
    ----------
    X : array_like, shape (n, d)

    Returns
    -------
    ndarray, shape (d + 1, d + 1)
        Symmetric positive semi-definite.
    """
    A = design_matrix(X)
    H = (2.0 / A.shape[0]) * (A.T @ A)
    return 0.5 * (H + H.T)


@dataclass(frozen=True, eq=False)
class LinearFit:
    """The outcome of :func:`fit_gd`.

    Attributes
    ----------
    w : ndarray, shape (d,)
        Final weights.
    b : float
        Final bias.
    path : ndarray, shape (k + 1, d + 1)
        ``θ_j = (w_j, b_j)`` after ``j`` steps, starting with ``θ_0``.
    losses : ndarray, shape (k + 1,)
        ``L(θ_j)`` along the path.
    status : {"converged", "max_iter", "diverged"}
        As in :class:`gdutils.descent.DescentResult`.
    message : str
    """

    w: np.ndarray
    b: float
    path: np.ndarray
    losses: np.ndarray
    status: str
    message: str

    @property
    def n_iter(self) -> int:
        """Number of steps taken."""
        return int(self.path.shape[0] - 1)

    @property
    def diverged(self) -> bool:
        return self.status == "diverged"


def fit_gd(
    X: ArrayLike,
    y: ArrayLike,
    lr: float,
    n_steps: int,
    *,
    w0: ArrayLike | None = None,
    b0: float = 0.0,
    tol: float | None = None,
    divergence_threshold: float = 1e12,
) -> LinearFit:
    """Fit ``ŷ = Xw + b`` by gradient descent on the mean squared error.

    Every step updates both parameters with the gradient at the *current* point::

        r = Xw + b − y,   w ← w − η (2/n) Xᵀr,   b ← b − η (2/n) Σᵢ rᵢ

    Parameters
    ----------
    X : array_like, shape (n, d)
    y : array_like, shape (n,)
        A ``(n, 1)`` column is a ``ValueError`` (it would broadcast into ``(n, n)``).
    lr : float
        Step size ``η > 0``.
    n_steps : int
        Step budget.
    w0, b0 : optional
        Starting point; zeros by default.
    tol : float, optional
        Stop when ``‖∇L‖ <= tol``; ``None`` runs every step.
    divergence_threshold : float
        A parameter beyond this in absolute value counts as divergence. A diverging run is
        returned (status ``"diverged"``, path up to the blow-up), never raised, and never NaN.

    Returns
    -------
    LinearFit
    """
    Xa = _matrix(X)
    n, d = Xa.shape
    ya = _targets(y, n)
    if isinstance(n_steps, bool) or not isinstance(n_steps, numbers.Integral) or n_steps < 0:
        raise ValueError(f"n_steps must be a non-negative integer, got {n_steps!r}")
    w_start = np.zeros(d) if w0 is None else np.array(w0, dtype=np.float64)
    if w_start.shape != (d,):
        raise ValueError(f"w0 must have shape ({d},), got {w_start.shape}")
    if np.ndim(b0) != 0:
        raise ValueError(f"b0 must be a single number, got shape {np.shape(b0)}")
    A = np.hstack([Xa, np.ones((n, 1))])

    def loss(theta: np.ndarray) -> float:
        r = A @ theta - ya
        return float(np.mean(r * r))

    def grad(theta: np.ndarray) -> np.ndarray:
        r = A @ theta - ya  # ∂L/∂r = 2r/n, ∂r/∂θ = A
        return (2.0 / n) * (A.T @ r)

    res = descent.gradient_descent(
        grad,
        np.append(w_start, float(b0)),
        lr,
        max_iter=int(n_steps),
        tol=tol,
        f=loss,
        divergence_threshold=divergence_threshold,
        on_divergence="stop",
    )
    path = np.array(res.path)
    losses = np.array(res.losses)
    path.setflags(write=False)
    losses.setflags(write=False)
    return LinearFit(
        w=path[-1, :d].copy(),
        b=float(path[-1, d]),
        path=path,
        losses=losses,
        status=res.status,
        message=res.message,
    )


def max_margin_direction(
    X: ArrayLike, y: ArrayLike, *, tol: float = 1e-9, max_sweeps: int = 20000
) -> tuple[np.ndarray, float]:
    """The unit vector ``u`` that maximises the smallest margin ``min_i y_i (u · x_i)``.

    This is the hard-margin support-vector machine *through the origin*: minimise ``½‖θ‖²``
    subject to ``y_i θ·x_i >= 1``, solved by coordinate ascent on its dual
    (``α_i ← max(0, α_i + (1 − y_i θ·x_i)/‖x_i‖²)``, ``θ = Σ α_i y_i x_i``). On linearly
    separable data, gradient descent on the logistic loss converges *in direction* to this ``u``
    (Soudry et al., 2018), slowly: the angle shrinks like ``1/log t``. When the bias is folded
    into the weights as a column of ones, ``X`` includes that column and ``u`` is the max-margin
    direction of ``(w, b)`` jointly — not in general the widest-margin line of the plane, whose
    bias is not penalised.

    Parameters
    ----------
    X : array_like, shape (n, d)
    y : array_like, shape (n,)
        Labels in {0, 1} or {−1, +1}.
    tol : float
        Stop when no constraint is violated by more than ``tol`` and every active one holds to
        ``tol``.
    max_sweeps : int

    Returns
    -------
    (u, margin) : (ndarray of shape (d,), float)
        ``margin = min_i y_i u·x_i = 1/‖θ‖``.

    Raises
    ------
    ValueError
        If the data are not separable through the origin (the dual grows without bound) or the
        sweeps run out.
    """
    Xa = _matrix(X)
    ya = np.asarray(y, dtype=np.float64).ravel()
    if ya.shape != (Xa.shape[0],):
        raise ValueError(f"y must have shape ({Xa.shape[0]},), got {np.shape(y)}")
    if set(np.unique(ya)) <= {0.0, 1.0}:
        ya = 2.0 * ya - 1.0
    if not set(np.unique(ya)) <= {-1.0, 1.0}:
        raise ValueError("y must hold labels 0/1 or -1/+1")
    Z = Xa * ya[:, None]  # the constraints read z_i · θ >= 1
    sq = np.sum(Z * Z, axis=1)
    if np.any(sq == 0):
        raise ValueError("an example is the zero vector: no direction separates it")
    alpha = np.zeros(len(Z))
    theta = np.zeros(Xa.shape[1])
    for _ in range(int(max_sweeps)):
        for i in range(len(Z)):
            new = max(0.0, alpha[i] + (1.0 - float(Z[i] @ theta)) / sq[i])
            if new != alpha[i]:
                theta += (new - alpha[i]) * Z[i]
                alpha[i] = new
        m = Z @ theta
        active = alpha > 0
        if np.all(m >= 1.0 - tol) and np.all(np.abs(m[active] - 1.0) <= tol):
            norm = float(np.linalg.norm(theta))
            return theta / norm, 1.0 / norm
        if float(np.linalg.norm(theta)) > 1e12:
            break
    raise ValueError("the data are not separable through the origin (or max_sweeps is too small)")
