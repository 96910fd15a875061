"""The quadratic model: what theory predicts for gradient descent and heavy-ball momentum.

On a quadratic ``f(x) = ½ (x − x*)ᵀH(x − x*)`` with ``H`` symmetric positive definite, each
eigen-direction of ``H`` evolves on its own. Gradient descent with step ``α`` multiplies the error
along an eigenvector with eigenvalue ``λ`` by ``1 − αλ`` every step, so everything about its speed
and stability follows from the eigenvalues ``μ = λmin`` and ``L = λmax``.

Where this stops being true: a smooth function is close to its quadratic model only *near* a
minimum ``x*``, and only when the Hessian ``H = ∇²f(x*)`` there is positive definite. Then the
predictions below hold locally (for iterates that stay close to ``x*``). They say nothing far from
the minimum, nor where ``H`` is singular: ``f(x) = x⁴`` has ``f''(0) = 0``, so its "bound" ``2/λ``
is infinite, yet gradient descent with ``η = 0.1`` from ``x₀ = 10`` diverges — the curvature where
the iterate *is*, ``f''(10) = 1200``, is what matters there. At a saddle (an eigenvalue ``λ < 0``)
the factor ``1 − αλ > 1`` makes that component grow: gradient descent escapes (see
:func:`stationary_point`).

* condition number ``κ = L/μ`` (:func:`condition_number`);
* stable step sizes ``0 < α < 2/L`` (:func:`gd_stable_lr`);
* the best fixed step ``α* = 2/(μ + L)`` (:func:`gd_optimal_lr`);
* the rate, the error ratio per step, ``ρ(α) = maxᵢ |1 − αλᵢ|`` (:func:`gd_rate`);
* steps to a tolerance ``⌈log(tol/e₀) / log ρ⌉`` (:func:`iterations_to_tolerance`);
* the heavy-ball rate, the spectral radius of ``[[1+β−αλ, −β], [1, 0]]`` maximised over λ
  (:func:`heavy_ball_rate`), its optimum ``α* = 4/(√L + √μ)²``, ``β* = ((√κ−1)/(√κ+1))²``
  with rate ``√β*`` (:func:`heavy_ball_optimal`) and its stability region
  (:func:`heavy_ball_stable`);

plus the exponential-average facts of notebook 10 (:func:`ema_window`, :func:`ema_half_life`)
and the sampling fact of notebook 09 (:func:`fraction_unseen_with_replacement`).

Everything is vectorised: step sizes and momenta may be arrays (a whole rate map in one call).
Eigenvalues may be given as a 1-D array, as a symmetric matrix (a Hessian), or as a
:class:`gdutils.functions.Quadratic`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from gdutils import _validate

__all__ = [
    "eigenvalues",
    "condition_number",
    "gd_stable_lr",
    "gd_optimal_lr",
    "gd_rate",
    "iterations_to_tolerance",
    "heavy_ball_rate",
    "heavy_ball_optimal",
    "heavy_ball_stable",
    "ema_window",
    "ema_half_life",
    "fraction_unseen_with_replacement",
    "gd_regime",
    "StationaryPoint",
    "stationary_point",
    "sgd_noise_floor",
    "critical_momentum",
    "first_order_lower_bound",
    "nesterov_guarantee",
    "gd_filter",
    "ridge_filter",
    "early_stopping_lambda",
]


def _out(a: np.ndarray) -> Any:
    return a[()] if a.ndim == 0 else a


def eigenvalues(eigs_or_matrix: Any) -> np.ndarray:
    """Eigenvalues as a 1-D float64 array, ascending.

    Accepts a 1-D sequence of eigenvalues, a symmetric ``(d, d)`` matrix (a Hessian), or any
    object with an ``eigenvalues`` attribute (a :class:`gdutils.functions.Quadratic`).
    """
    if hasattr(eigs_or_matrix, "eigenvalues") and not isinstance(eigs_or_matrix, np.ndarray):
        eigs_or_matrix = eigs_or_matrix.eigenvalues
    a = np.asarray(eigs_or_matrix, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError("eigenvalues (or the matrix) must be finite")
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim == 1:
        if a.size == 0:
            raise ValueError("need at least one eigenvalue, got an empty array")
        return np.sort(a)
    if a.ndim == 2 and a.shape[0] == a.shape[1]:
        scale = max(1.0, float(np.max(np.abs(a))))
        if not np.allclose(a, a.T, rtol=1e-10, atol=1e-12 * scale):
            raise ValueError("the matrix must be symmetric (a Hessian is)")
        return np.linalg.eigvalsh(0.5 * (a + a.T))
    raise ValueError(
        f"expected eigenvalues of shape (d,) or a symmetric matrix of shape (d, d), got {a.shape}"
    )


def _positive_eigs(eigs: Any) -> np.ndarray:
    lam = eigenvalues(eigs)
    if lam[0] <= 0:
        raise ValueError(
            f"the quadratic must be positive definite (all eigenvalues > 0); smallest is {lam[0]:g}"
        )
    return lam


def condition_number(eigs_or_matrix: Any) -> float:
    """κ = λmax / λmin of a positive (semi-)definite matrix or of its eigenvalues.

    ``inf`` when the smallest eigenvalue is 0; a negative eigenvalue is a ``ValueError`` (the
    point is not a minimum).

    >>> condition_number([0.2, 4.0])
    20.0
    """
    lam = eigenvalues(eigs_or_matrix)
    if lam[0] < 0:
        raise ValueError(
            f"condition number of a minimum needs eigenvalues >= 0; smallest is {lam[0]:g} "
            "(this is a saddle or a maximum)"
        )
    if lam[0] == 0:
        return float("inf")
    return float(lam[-1] / lam[0])


def gd_stable_lr(eigs: Any) -> float:
    """The largest stable step size of gradient descent on a quadratic: ``2 / λmax``.

    Every eigen-component is multiplied by ``1 − αλ`` per step, which shrinks only if
    ``|1 − αλ| < 1``, i.e. ``0 < α < 2/λ`` for every λ: the largest eigenvalue sets the bound.
    """
    lam = _positive_eigs(eigs)
    return float(2.0 / lam[-1])


def gd_optimal_lr(eigs: Any) -> float:
    """The fixed step size that minimises the GD rate on a quadratic: ``2 / (λmin + λmax)``.

    It balances the slowest and the fastest direction, ``|1 − αμ| = |1 − αL|``, giving the rate
    ``(κ − 1) / (κ + 1)``.
    """
    lam = _positive_eigs(eigs)
    return float(2.0 / (lam[0] + lam[-1]))


def gd_rate(lr: ArrayLike, eigs: Any) -> Any:
    """The per-step error contraction of GD on a quadratic: ``ρ(α) = maxᵢ |1 − α λᵢ|``.

    Parameters
    ----------
    lr : float or array_like
        Step size(s) α, any shape.
    eigs : eigenvalues, symmetric matrix or Quadratic

    Returns
    -------
    float or ndarray
        Same shape as ``lr``. ``ρ < 1`` converges (error ≤ ρᵏ e₀), ``ρ ≥ 1`` does not.
    """
    lam = eigenvalues(eigs)
    a = np.asarray(lr, dtype=np.float64)
    return _out(np.max(np.abs(1.0 - a[..., None] * lam), axis=-1))


def iterations_to_tolerance(rate: ArrayLike, tol: float, initial_error: ArrayLike = 1.0) -> Any:
    """The number of steps ``k`` after which ``e₀ ρᵏ ≤ tol``: ``⌈log(tol / e₀) / log ρ⌉``.

    ``0`` when ``e₀ ≤ tol`` already, ``1`` when ``ρ = 0``, ``inf`` when ``ρ ≥ 1`` (never).
    Vectorised over ``rate`` and ``initial_error``; returns float (so ``inf`` fits).
    """
    r = np.asarray(rate, dtype=np.float64)
    e0 = np.asarray(initial_error, dtype=np.float64)
    tol = float(tol)
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    if np.any(r < 0) or np.any(np.isnan(r)):
        raise ValueError("rate must be >= 0")
    if np.any(e0 < 0) or np.any(np.isnan(e0)):
        raise ValueError("initial_error must be >= 0")
    r, e0 = np.broadcast_arrays(r, e0)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.log(tol / e0) / np.log(r)
        # −1e-9 guards exact cases (ρ = 0.5, tol = 1/8 → 3, not 4 from round-off)
        k = np.ceil(k - 1e-9)
    k = np.where(r >= 1, np.inf, k)
    k = np.where(r == 0, 1.0, k)
    k = np.where(e0 <= tol, 0.0, k)
    return _out(np.asarray(k, dtype=np.float64))


def heavy_ball_rate(lr: ArrayLike, beta: ArrayLike, eigs: Any) -> Any:
    """The asymptotic rate of heavy-ball momentum on a quadratic.

    With torch's convention (``b ← βb + g``, ``x ← x − αb``), equivalently Polyak's
    ``x₊ = x − α∇f(x) + β(x − x₋)``, the error along an eigenvector with eigenvalue λ obeys
    ``e₊ = (1 + β − αλ) e − β e₋``: the iteration matrix ``[[1+β−αλ, −β], [1, 0]]`` has the
    characteristic polynomial ``z² − Tz + β`` with ``T = 1 + β − αλ``. Its roots are

    * complex when ``T² < 4β``: both have modulus ``√β`` (not ``2√β``: the product of the roots is β);
    * real otherwise: the larger modulus is ``(|T| + √(T² − 4β)) / 2``.

    The rate is the largest root modulus over all eigenvalues; ``lr`` and ``beta`` broadcast
    (a whole (α, β) map in one call). ``β = 0`` gives back :func:`gd_rate`.
    """
    lam = eigenvalues(eigs)
    a = np.asarray(lr, dtype=np.float64)[..., None]
    b = np.asarray(beta, dtype=np.float64)[..., None]
    T = 1.0 + b - a * lam
    disc = T * T - 4.0 * b
    # complex pair: |z|² = z·z̄ = β
    complex_mod = np.sqrt(np.abs(b))
    real_mod = 0.5 * (np.abs(T) + np.sqrt(np.maximum(disc, 0.0)))
    rho = np.where(disc < 0, complex_mod, real_mod)
    return _out(np.max(rho, axis=-1))


def heavy_ball_optimal(eigs: Any) -> tuple[float, float, float]:
    """Polyak's optimal heavy-ball parameters for a quadratic with eigenvalues in [μ, L].

    ``α* = (2 / (√L + √μ))²``, ``β* = ((√κ − 1) / (√κ + 1))²`` and the rate ``√β* =
    (√κ − 1)/(√κ + 1)``: the √κ speed-up over gradient descent's ``(κ − 1)/(κ + 1)``.

    Returns
    -------
    (lr, beta, rate) : tuple of float
    """
    lam = _positive_eigs(eigs)
    mu, L = float(lam[0]), float(lam[-1])
    sq_kappa = np.sqrt(L / mu)
    lr = (2.0 / (np.sqrt(L) + np.sqrt(mu))) ** 2
    rate = (sq_kappa - 1.0) / (sq_kappa + 1.0)
    return float(lr), float(rate**2), float(rate)


def heavy_ball_stable(lr: ArrayLike, beta: ArrayLike, eigs: Any) -> Any:
    """Whether heavy ball converges on the quadratic: ``0 ≤ β < 1`` and ``0 < αλ < 2 + 2β`` ∀λ.

    Vectorised over ``lr`` and ``beta`` (boolean array of their broadcast shape).
    """
    lam = eigenvalues(eigs)
    a = np.asarray(lr, dtype=np.float64)[..., None]
    b = np.asarray(beta, dtype=np.float64)[..., None]
    al = a * lam
    ok = (b >= 0) & (b < 1) & (al > 0) & (al < 2 + 2 * b)
    return _out(np.all(ok, axis=-1))


def ema_window(beta: ArrayLike) -> Any:
    """The effective window of an exponential moving average: ``1 / (1 − β)``.

    The weights ``(1 − β)βᵏ`` sum to 1 and have mean age ``β/(1 − β)``; ``1/(1 − β)`` is the
    number of recent values that carry most of the weight (10 for β = 0.9).
    """
    b = np.asarray(beta, dtype=np.float64)
    if np.any(~((b >= 0) & (b < 1))):
        raise ValueError("beta must be in [0, 1)")
    return _out(1.0 / (1.0 - b))


def ema_half_life(beta: ArrayLike) -> Any:
    """Steps until a value's weight in an EMA halves: ``ln ½ / ln β`` (≈ 6.58 for β = 0.9)."""
    b = np.asarray(beta, dtype=np.float64)
    if np.any(~((b >= 0) & (b < 1))):
        raise ValueError("beta must be in [0, 1)")
    with np.errstate(divide="ignore"):
        return _out(np.log(0.5) / np.log(b) + 0.0)


def fraction_unseen_with_replacement(n: ArrayLike) -> Any:
    """Expected fraction of n examples never drawn in n draws with replacement: ``(1 − 1/n)ⁿ``.

    Tends to ``1/e ≈ 0.368`` as n grows: an "epoch" of sampling with replacement misses about
    37 % of the data, which is why mini-batch iterators shuffle a permutation instead.
    """
    m = np.asarray(n, dtype=np.float64)
    if np.any(~(m >= 1)) or np.any(m != np.floor(m)):
        raise ValueError("n must be a positive integer")
    with np.errstate(divide="ignore"):  # n = 1: log(0) = -inf, exp(-inf) = 0, as it should
        return _out(np.exp(m * np.log1p(-1.0 / m)))


# ---------------------------------------------------------------------------------------------
# One dimension: the three regimes of notebook 02

GD_REGIMES = ("monotone", "oscillating", "cycling", "diverging")


def gd_regime(lr: float, curvature: float = 2.0) -> str:
    r"""How gradient descent behaves on a parabola ``f(x) = ½ c (x − x*)²`` with step ``η``.

    Each step multiplies the distance to the minimum by ``r = 1 − ηc`` (since
    ``f'(x) = c (x − x*)``), so ``x_k − x* = rᵏ (x₀ − x*)``:

    * ``0 ≤ r < 1`` (``0 < ηc ≤ 1``): ``"monotone"`` — every step lands on the same side, closer;
    * ``−1 < r < 0`` (``1 < ηc < 2``): ``"oscillating"`` — it jumps over the minimum each step,
      but lands closer: it still converges;
    * ``r = −1`` (``ηc = 2``): ``"cycling"`` — it bounces between ``x₀`` and its mirror image;
    * ``r < −1`` (``ηc > 2``): ``"diverging"`` — every jump overshoots further.

    For ``f(x) = x²`` (``c = 2``) the boundaries are ``η = 0.5`` and ``η = 1``. Near a minimum
    ``x*`` of a smooth function with ``f''(x*) > 0`` the same holds locally, with
    ``c = f''(x*)``; it does not hold where ``f'' = 0`` (``x⁴`` at 0) or far from ``x*``.

    Parameters
    ----------
    lr : float
        Step size ``η > 0``.
    curvature : float, default 2.0
        ``c = f''`` > 0.

    Returns
    -------
    str
        One of :data:`GD_REGIMES`.

    >>> [gd_regime(lr) for lr in (0.2, 0.75, 1.0, 1.1)]
    ['monotone', 'oscillating', 'cycling', 'diverging']
    """
    for name, value in (("lr", lr), ("curvature", curvature)):
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise ValueError(f"{name} must be a positive number, got {value!r}")
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive, finite number, got {value!r}")
    r = 1.0 - float(lr) * float(curvature)
    if r >= 0.0:
        return "monotone"
    if r > -1.0:
        return "oscillating"
    if r == -1.0:
        return "cycling"
    return "diverging"


# ---------------------------------------------------------------------------------------------
# Beyond the convex quadratic: stationary points, noise, and what momentum can and cannot do


class StationaryPoint(NamedTuple):
    """What the second-derivative test says at a point where the gradient vanishes.

    ``kind`` is ``"minimum"``, ``"maximum"``, ``"saddle"`` or ``"degenerate"``; ``direction`` the
    unit eigenvector of the smallest eigenvalue (the direction of most negative curvature at a
    saddle or a maximum, the flattest one at a minimum); ``factor`` the number ``1 − η λmin`` that
    one gradient-descent step with step ``η`` multiplies that component by (``> 1``: it grows,
    gradient descent escapes); ``eigenvalues`` ascending.
    """

    kind: str
    direction: np.ndarray
    factor: float
    eigenvalues: np.ndarray


def stationary_point(hessian: Any, lr: float = 0.0, tol: float = 1e-10) -> StationaryPoint:
    """Classify a stationary point by the eigenvalues of its Hessian, and say how GD leaves it.

    * all eigenvalues ``> tol``: ``"minimum"`` (``f`` curves up in every direction);
    * all ``< −tol``: ``"maximum"``;
    * some ``> tol`` and some ``< −tol``: ``"saddle"``;
    * otherwise (an eigenvalue with ``|λ| <= tol`` and no sign change): ``"degenerate"`` — the
      second-order test is inconclusive (``x⁴``, ``−x⁴`` and ``x³`` all have ``f''(0) = 0``).

    Near the point, gradient descent multiplies the component along the eigenvector of ``λ`` by
    ``1 − ηλ`` per step: along a direction of negative curvature that factor exceeds 1, so the
    deviation grows geometrically — an escape, slow only while the deviation is tiny (the
    plateau near a saddle lasts about ``ln(r/|y₀|) / ln(1 − ηλmin)`` steps).

    Parameters
    ----------
    hessian : array_like, shape (d, d)
        Symmetric.
    lr : float, default 0.0
        The step size ``η >= 0`` used for ``factor``.
    tol : float, default 1e-10
        Eigenvalues with ``|λ| <= tol`` count as zero.

    Returns
    -------
    StationaryPoint

    >>> stationary_point([[2.0, 0.0], [0.0, -1.0]], lr=0.1).kind
    'saddle'
    >>> round(stationary_point([[2.0, 0.0], [0.0, -1.0]], lr=0.1).factor, 12)
    1.1
    """
    H = np.asarray(hessian, dtype=np.float64)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.size == 0:
        raise ValueError(f"hessian must have shape (d, d), got {H.shape}")
    lam = eigenvalues(H)  # checks symmetry and finiteness
    lr = _validate.non_negative("lr", lr)
    tol = _validate.non_negative("tol", tol)
    _, V = np.linalg.eigh(0.5 * (H + H.T))
    pos, neg = bool(np.any(lam > tol)), bool(np.any(lam < -tol))
    if pos and neg:
        kind = "saddle"
    elif np.all(lam > tol):
        kind = "minimum"
    elif np.all(lam < -tol):
        kind = "maximum"
    else:
        kind = "degenerate"
    direction = V[:, 0].copy()
    return StationaryPoint(kind, direction, float(1.0 - lr * lam[0]), lam)


def sgd_noise_floor(
    lr: ArrayLike,
    hessian: Any,
    noise_cov: Any,
    *,
    beta: ArrayLike = 0.0,
    batch_size: int = 1,
    n: int | None = None,
) -> Any:
    r"""The loss a constant-step SGD (or heavy ball) settles at on a quadratic with noisy gradients.

    Model: ``L(θ) = L* + ½ eᵀHe`` with ``e = θ − θ*``, and every step sees ``∇L(θ) + ξ`` with
    independent noise of mean 0 and covariance ``noise_cov / batch_size`` (``noise_cov`` the
    covariance of one example's gradient at ``θ*``; with ``n`` given, batches of distinct examples
    and the finite-population factor ``(n − B)/(n − 1)``). The iterates do not converge: they
    fluctuate in a *noise ball* whose stationary expected excess loss is, exactly,

    .. math::

        \mathbb E[L] - L^* = \sum_i \frac{(1+\beta)\,\alpha\, s_i}
                                     {2B\,(1-\beta)\,(2(1+\beta) - \alpha\lambda_i)}

    with ``λ_i`` the eigenvalues of ``H`` and ``s_i = v_iᵀ Σ v_i`` the noise variance along their
    eigenvectors. For a small step it is about ``α tr(Σ) / (4B(1 − β))``: proportional to the
    step, inversely proportional to the batch, and momentum acts like the larger learning rate
    ``α/(1 − β)``. With no noise at the minimum (interpolation: every example is fitted exactly,
    ``Σ = 0``) the floor is 0 and constant-step SGD converges.

    Parameters
    ----------
    lr : float or array_like
        Step size α (vectorised).
    hessian : eigenvalues (d,) or symmetric matrix (d, d), positive definite
    noise_cov : array_like
        With eigenvalues given, the variances ``s_i`` along the eigenvectors, shape ``(d,)``
        (ascending eigenvalue order); with a matrix, the ``(d, d)`` covariance.
    beta : float or array_like, default 0
        Heavy-ball momentum in ``[0, 1)`` (torch's convention).
    batch_size : int, default 1
    n : int, optional
        Data set size for batches of distinct examples.

    Returns
    -------
    float or ndarray
        ``inf`` where the step is unstable (``αλmax >= 2(1 + β)``).
    """
    H = np.asarray(hessian, dtype=np.float64)
    if H.ndim == 2:
        lam = _positive_eigs(H)
        _, V = np.linalg.eigh(0.5 * (H + H.T))
        S = np.asarray(noise_cov, dtype=np.float64)
        if S.shape != H.shape:
            raise ValueError(f"noise_cov must have shape {H.shape} like the Hessian, got {S.shape}")
        s = np.einsum("ji,jk,ki->i", V, S, V)
    else:
        order = np.argsort(np.asarray(hessian, dtype=np.float64).ravel())
        lam = _positive_eigs(hessian)
        s = np.asarray(noise_cov, dtype=np.float64).ravel()
        if s.shape != lam.shape:
            raise ValueError(f"noise_cov must have shape {lam.shape} (one variance per eigenvalue), "
                             f"got {np.shape(noise_cov)}")
        s = s[order]
    if np.any(s < -1e-12 * max(1.0, float(np.max(np.abs(s))))):
        raise ValueError("noise_cov must be positive semi-definite (variances >= 0)")
    B = _validate.count("batch_size", batch_size)
    scale = 1.0 / B
    if n is not None:
        n = _validate.count("n", n)
        if B > n:
            raise ValueError(f"batch_size must be <= n, got {B} > {n}")
        scale *= (n - B) / (n - 1) if n > 1 else 0.0
    a = np.asarray(lr, dtype=np.float64)[..., None]
    b = np.asarray(beta, dtype=np.float64)[..., None]
    if np.any(a <= 0) or np.any((b < 0) | (b >= 1)):
        raise ValueError("lr must be > 0 and beta in [0, 1)")
    denom = 2.0 * (1.0 - b) * (2.0 * (1.0 + b) - a * lam)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = (1.0 + b) * a * np.maximum(s, 0.0) * scale / denom
    floor = np.where(np.all(a * lam < 2.0 * (1.0 + b), axis=-1), np.sum(terms, axis=-1), np.inf)
    return _out(np.asarray(floor, dtype=np.float64))


def critical_momentum(lr: ArrayLike, eigenvalue: ArrayLike) -> Any:
    """The momentum that critically damps one eigen-direction: ``β_c = (1 − √(αλ))²``.

    The heavy-ball error along an eigenvector obeys ``z² − (1 + β − αλ) z + β = 0``; its roots
    are real (no oscillation) for ``β <= β_c`` and complex (a damped oscillation of modulus
    ``√β``) above it. At ``β = β_c`` the double root ``√β_c = |1 − √(αλ)|`` is the fastest
    non-oscillating decay, the error shrinking like ``k·(√β_c)ᵏ``. Polyak's optimum puts both
    ``λmin`` and ``λmax`` at critical damping. Defined for ``0 < αλ < 4`` (then ``0 <= β_c < 1``).

    >>> round(float(critical_momentum(0.25, 1.0)), 12)
    0.25
    """
    al = np.asarray(lr, dtype=np.float64) * np.asarray(eigenvalue, dtype=np.float64)
    if np.any(~((al > 0) & (al < 4))):
        raise ValueError("critical damping needs 0 < lr * eigenvalue < 4")
    return _out((1.0 - np.sqrt(al)) ** 2)


def first_order_lower_bound(kappa: ArrayLike) -> Any:
    """No first-order method beats the rate ``(√κ − 1)/(√κ + 1)`` on every smooth, strongly
    convex function with condition number κ (Nesterov, 2004, Theorem 2.1.13).

    Heavy ball with Polyak's parameters reaches it on quadratics; on general smooth strongly
    convex functions it may not even converge, while Nesterov's method guarantees
    ``1 − 1/√κ`` (:func:`nesterov_guarantee`) — the same ``√κ`` scaling, a slightly worse constant.
    """
    k = np.asarray(kappa, dtype=np.float64)
    if np.any(~(k >= 1)):
        raise ValueError("kappa must be >= 1")
    r = np.sqrt(k)
    return _out((r - 1.0) / (r + 1.0))


def nesterov_guarantee(kappa: ArrayLike) -> Any:
    """The rate Nesterov's method guarantees on every L-smooth, μ-strongly convex function:
    ``1 − 1/√κ`` per step for ``f − f*`` (with ``α = 1/L``, ``β = (√κ − 1)/(√κ + 1)``)."""
    k = np.asarray(kappa, dtype=np.float64)
    if np.any(~(k >= 1)):
        raise ValueError("kappa must be >= 1")
    return _out(1.0 - 1.0 / np.sqrt(k))


def gd_filter(lr: float, steps: ArrayLike, eigs: Any) -> Any:
    """How much of each eigen-direction gradient descent from 0 has fitted after ``t`` steps.

    On the quadratic ``½ (θ − θ*)ᵀH(θ − θ*)`` started at ``θ = 0``, the component of ``θ_t`` along
    an eigenvector is ``1 − (1 − αλ)ᵗ`` times that of ``θ*``: directions with large eigenvalues
    are fitted first, small ones last. Returns shape ``steps.shape + (d,)``.
    """
    lam = eigenvalues(eigs)
    t = np.asarray(steps, dtype=np.float64)[..., None]
    return _out(1.0 - (1.0 - float(lr) * lam) ** t)


def ridge_filter(lam_penalty: ArrayLike, eigs: Any) -> Any:
    """The same for the ridge minimiser of ``L + λ‖θ‖²``: ``h / (h + 2λ)`` per eigenvalue ``h``
    of ``L``'s Hessian. Returns shape ``lam_penalty.shape + (d,)``."""
    h = eigenvalues(eigs)
    lp = np.asarray(lam_penalty, dtype=np.float64)[..., None]
    return _out(h / (h + 2.0 * lp))


def early_stopping_lambda(lr: ArrayLike, steps: ArrayLike) -> Any:
    """The ridge penalty that early stopping after ``t`` steps of size ``α`` resembles:
    ``λ ≈ 1/(2αt)`` (the course's ridge ``L + λ‖θ‖²``; the two filters ``1 − (1 − αh)ᵗ`` and
    ``h/(h + 2λ)`` agree for small and large ``αht`` and differ by at most about 0.2 in between)."""
    a = np.asarray(lr, dtype=np.float64)
    t = np.asarray(steps, dtype=np.float64)
    if np.any(a <= 0) or np.any(t <= 0):
        raise ValueError("lr and steps must be > 0")
    return _out(1.0 / (2.0 * a * t))
