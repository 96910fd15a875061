"""gdutils.theory beyond the convex quadratic with exact gradients: stationary points, the SGD
noise floor (with momentum), critical damping, the first-order lower bound, and early stopping
as ridge — each against a closed form, a simulation or an independent computation."""

from __future__ import annotations

import numpy as np
import pytest

from gdutils import checks, theory

# ---------------------------------------------------------------------------------------------
# stationary points


@pytest.mark.parametrize(("eigs", "kind"), [
    ((2.0, 0.5), "minimum"), ((-1.0, -3.0), "maximum"), ((2.0, -1.0), "saddle"),
    ((2.0, 0.0), "degenerate"), ((-2.0, 0.0), "degenerate"), ((0.0, 0.0), "degenerate"),
    ((1e-12, 3.0), "degenerate"), ((1e-9, 3.0), "minimum"), ((-1e-12, 3.0, -2.0), "saddle"),
])
def test_stationary_point_kinds_follow_the_second_derivative_test(eigs: tuple, kind: str) -> None:
    rng = np.random.default_rng(len(eigs))
    Q, _ = np.linalg.qr(rng.normal(size=(len(eigs), len(eigs))))
    H = Q @ np.diag(eigs) @ Q.T
    assert theory.stationary_point((H + H.T) / 2).kind == kind


def test_stationary_point_direction_and_escape_factor() -> None:
    H = np.array([[1.0, 2.0, 0.0], [2.0, 1.0, 0.5], [0.0, 0.5, 2.0]])  # diagonal positive, a saddle
    sp = theory.stationary_point(H, lr=0.1)
    lam, V = np.linalg.eigh(H)
    assert sp.kind == "saddle" and np.allclose(sp.eigenvalues, lam)
    assert abs(abs(sp.direction @ V[:, 0]) - 1) < 1e-12 and np.isclose(np.linalg.norm(sp.direction), 1)
    assert sp.factor == pytest.approx(1 - 0.1 * lam[0]) and sp.factor > 1  # escape
    # one gradient step near the saddle multiplies that component by exactly the factor
    x = 1e-3 * sp.direction
    assert (x - 0.1 * H @ x) @ sp.direction == pytest.approx(sp.factor * 1e-3, rel=1e-12)


def test_stationary_point_rejects_bad_input() -> None:
    for bad in (np.ones(3), np.array([[1.0, 2.0], [0.0, 1.0]]), np.full((2, 2), np.nan)):
        with pytest.raises(ValueError):
            theory.stationary_point(bad)
    with pytest.raises(ValueError, match="lr"):
        theory.stationary_point(np.eye(2), lr=-1.0)


# ---------------------------------------------------------------------------------------------
# the noise floor of SGD and of the heavy ball


def _simulate(lr: float, beta: float, lam: float, sigma: float, steps: int, runs: int, seed: int) -> float:
    """Mean excess loss ½λe² of heavy ball on a 1-D quadratic with additive noise (torch's rule)."""
    rng = np.random.default_rng(seed)
    e = np.zeros(runs)
    b = np.zeros(runs)
    total, count = 0.0, 0
    for t in range(steps):
        g = lam * e + sigma * rng.standard_normal(runs)
        b = beta * b + g
        e = e - lr * b
        if t >= steps // 4:
            total += float(np.mean(0.5 * lam * e * e))
            count += 1
    return total / count


@pytest.mark.parametrize(("lr", "beta"), [(0.1, 0.0), (0.5, 0.0), (0.05, 0.5), (0.02, 0.9), (1.5, 0.6)])
def test_noise_floor_matches_simulation(lr: float, beta: float) -> None:
    lam, sigma = 2.0, 0.7
    predicted = theory.sgd_noise_floor(lr, [lam], [sigma**2], beta=beta)
    measured = _simulate(lr, beta, lam, sigma, 4000, 400, seed=int(100 * lr + 10 * beta))
    assert measured == pytest.approx(predicted, rel=0.06)


def test_noise_floor_closed_forms_and_limits() -> None:
    # GD: ½λ·Var(e) with Var(e) = α²s/(1 − (1 − αλ)²) = αs/(λ(2 − αλ))
    lr, lam, s = 0.3, 2.0, 1.7
    assert theory.sgd_noise_floor(lr, [lam], [s]) == pytest.approx(lr * s / (2 * (2 - lr * lam)))
    # small steps: ≈ α tr(Σ)/(4B(1 − β)), momentum acts like the rate α/(1 − β)
    small = theory.sgd_noise_floor(1e-5, [1.0, 3.0], [2.0, 5.0], beta=0.9, batch_size=4)
    assert small == pytest.approx(1e-5 * 7.0 / (4 * 4 * 0.1), rel=1e-3)
    assert theory.sgd_noise_floor(1e-4, [1.0], [1.0], beta=0.9) == pytest.approx(
        theory.sgd_noise_floor(1e-3, [1.0], [1.0]), rel=2e-3)
    # interpolation: no noise at the minimum, no floor; unstable steps: no stationary state
    assert theory.sgd_noise_floor(0.1, [1.0, 2.0], [0.0, 0.0]) == 0.0
    assert theory.sgd_noise_floor(1.1, [2.0], [1.0]) == np.inf
    assert np.isfinite(theory.sgd_noise_floor(1.1, [2.0], [1.0], beta=0.5))  # momentum widens the region
    # batches of distinct examples: the finite-population factor, zero at B = n
    assert theory.sgd_noise_floor(0.1, [1.0], [1.0], batch_size=10, n=10) == 0.0
    assert theory.sgd_noise_floor(0.1, [1.0], [1.0], batch_size=5, n=11) == pytest.approx(
        theory.sgd_noise_floor(0.1, [1.0], [1.0], batch_size=5) * 6 / 10)


def test_noise_floor_with_matrices_rotates_into_the_eigenbasis() -> None:
    rng = np.random.default_rng(2)
    Q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    lam = np.array([0.5, 1.0, 4.0])
    H = Q @ np.diag(lam) @ Q.T
    s = np.array([0.3, 2.0, 1.0])
    S = Q @ np.diag(s) @ Q.T + 0.0 * np.eye(3)
    assert theory.sgd_noise_floor(0.2, (H + H.T) / 2, (S + S.T) / 2, beta=0.3) == pytest.approx(
        theory.sgd_noise_floor(0.2, lam, s, beta=0.3), rel=1e-10)
    # a vectorised lr gives one floor per step size
    assert np.shape(theory.sgd_noise_floor(np.array([0.1, 0.2]), lam, s)) == (2,)
    with pytest.raises(ValueError):
        theory.sgd_noise_floor(0.1, lam, s[:2])
    with pytest.raises(ValueError):
        theory.sgd_noise_floor(0.1, [-1.0, 2.0], [1.0, 1.0])


# ---------------------------------------------------------------------------------------------
# momentum: critical damping and what is guaranteed


@pytest.mark.parametrize("al", [0.01, 0.3, 1.0, 2.5, 3.99])
def test_critical_momentum_is_the_smallest_double_root(al: float) -> None:
    beta = theory.critical_momentum(al, 1.0)
    roots = np.roots([1.0, -(1 + beta - al), beta])
    assert abs(roots[0] - roots[1]) < 1e-5 and 0 <= beta < 1
    # just below: real roots; just above: complex roots of modulus √β
    for b, complex_expected in ((max(beta - 1e-3, 0.0), False), (min(beta + 1e-3, 0.999), True)):
        r = np.roots([1.0, -(1 + b - al), b])
        assert bool(np.any(np.abs(r.imag) > 1e-9)) == complex_expected or b == 0.0
    assert theory.heavy_ball_rate(al, beta, [1.0]) == pytest.approx(np.sqrt(beta), abs=1e-6)


def test_polyaks_optimum_puts_both_ends_at_critical_damping() -> None:
    lr, beta, _ = theory.heavy_ball_optimal((0.2, 4.0))
    assert theory.critical_momentum(lr, 0.2) == pytest.approx(beta, abs=1e-12)
    assert theory.critical_momentum(lr, 4.0) == pytest.approx(beta, abs=1e-12)
    for bad in (0.0, 4.0, -1.0):
        with pytest.raises(ValueError):
            theory.critical_momentum(bad, 1.0)
    assert "gdutils.theory.critical_momentum" in checks.references_for("10-momentum")


def test_first_order_bounds() -> None:
    assert theory.first_order_lower_bound(20) == pytest.approx(theory.heavy_ball_optimal((0.2, 4.0))[2])
    assert theory.nesterov_guarantee(25) == pytest.approx(0.8)
    k = np.array([1.0, 4.0, 100.0, 1e4])
    assert np.all(theory.first_order_lower_bound(k) <= theory.nesterov_guarantee(k))
    gd = np.array([theory.gd_rate(theory.gd_optimal_lr((1.0, kk)), (1.0, kk)) for kk in k])
    assert np.all(theory.nesterov_guarantee(k)[1:] < gd[1:])
    with pytest.raises(ValueError):
        theory.first_order_lower_bound(0.5)


# ---------------------------------------------------------------------------------------------
# early stopping and ridge


def test_gd_filter_is_what_gradient_descent_fits() -> None:
    rng = np.random.default_rng(4)
    A = rng.normal(size=(30, 5)) * np.array([3.0, 1.0, 0.3, 0.1, 0.03])
    y = rng.normal(size=30)
    H = 2 * A.T @ A / 30
    lam, V = np.linalg.eigh(H)
    theta_star = np.linalg.lstsq(A, y, rcond=None)[0]
    lr, t = 1.0 / lam[-1], 50
    theta = np.zeros(5)
    for _ in range(t):
        theta = theta - lr * 2 * A.T @ (A @ theta - y) / 30
    fitted = (V.T @ theta) / (V.T @ theta_star)
    assert np.allclose(fitted, theory.gd_filter(lr, t, lam), rtol=1e-8, atol=1e-10)
    # ridge: the minimiser of mean(r²) + λ‖θ‖² keeps h/(h + 2λ) of each direction
    pen = theory.early_stopping_lambda(lr, t)
    ridge = np.linalg.solve(A.T @ A / 30 + pen * np.eye(5), A.T @ y / 30)
    assert np.allclose((V.T @ ridge) / (V.T @ theta_star), theory.ridge_filter(pen, lam), rtol=1e-8)
    # the two filters agree at both ends and differ by at most about 0.2 in between
    x = np.logspace(-4, 4, 2000)
    diff = np.abs((1 - np.exp(-x)) - x / (1 + x))
    assert diff.max() < 0.21 and diff[0] < 1e-4 and diff[-1] < 1e-3
    assert pen == pytest.approx(1 / (2 * lr * t))
