"""gdutils.theory: the course plan's facts, each from an independent computation or a measured run."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdutils import descent, theory
from gdutils.functions import quadratic_bowl, rosenbrock, square

EIGS = (0.2, 4.0)


def measured_rate(path, start, stop):
    """Per-step contraction fitted to log‖x_k‖ over steps start..stop (minimum at 0)."""
    k = np.arange(start, stop)
    logs = np.log(np.linalg.norm(path[start:stop], axis=1))
    slope = np.polyfit(k, logs, 1)[0]
    return math.exp(slope)


# --------------------------------------------------------------------------------------------
# Gradient descent on a quadratic


def test_gd_optimal_step_and_rate_course_values():
    lr = theory.gd_optimal_lr(EIGS)
    rate = theory.gd_rate(lr, EIGS)
    assert lr == pytest.approx(2 / 4.2, rel=1e-15)
    assert rate == pytest.approx((20 - 1) / (20 + 1), rel=1e-14)  # (κ − 1)/(κ + 1), κ = 20
    assert round(lr, 6) == 0.476190
    assert round(float(rate), 6) == 0.904762


def test_gd_rate_matches_a_measured_run():
    fn = quadratic_bowl(EIGS, angle=0.4)
    lr = theory.gd_optimal_lr(fn)
    res = descent.gradient_descent(fn.grad, [2.0, -1.5], lr, max_iter=120, tol=None)
    assert measured_rate(res.path, 20, 120) == pytest.approx(theory.gd_rate(lr, EIGS), rel=1e-6)


def test_gd_rate_is_max_over_eigenvalues_and_vectorised():
    lrs = np.array([[0.1, 0.3], [0.5, 0.6]])
    got = theory.gd_rate(lrs, [1.0, 3.0])
    assert got.shape == (2, 2)
    for i in range(2):
        for j in range(2):
            a = lrs[i, j]
            assert got[i, j] == pytest.approx(max(abs(1 - a), abs(1 - 3 * a)), rel=1e-15)


def test_stable_step_bound_uses_the_largest_eigenvalue():
    assert theory.gd_stable_lr(EIGS) == 0.5  # 2/λmax, not 2/λmin = 10
    assert theory.gd_stable_lr(np.diag([4.0, 0.2])) == 0.5
    fn = quadratic_bowl(EIGS, angle=1.0)
    bound = theory.gd_stable_lr(fn)
    below = descent.gradient_descent(fn.grad, [1.0, 1.0], 0.99 * bound, max_iter=2000, tol=1e-10)
    assert below.status == "converged"
    above = descent.gradient_descent(
        fn.grad, [1.0, 1.0], 1.01 * bound, max_iter=20000, tol=1e-10, on_divergence="stop"
    )
    assert above.status == "diverged"
    assert theory.gd_rate(0.99 * bound, EIGS) < 1 < theory.gd_rate(1.01 * bound, EIGS)


def test_iterations_to_tolerance_matches_measured_iterations():
    # start on the slow eigenvector so the error is exactly e0·ρᵏ
    fn = quadratic_bowl((0.5, 3.0))
    lr = 0.3
    rate = theory.gd_rate(lr, fn)  # |1 − 0.3·0.5| = 0.85 dominates |1 − 0.9| = 0.1
    x0 = np.array([5.0, 0.0])
    tol = 1e-6
    predicted = theory.iterations_to_tolerance(rate, tol, initial_error=5.0)
    res = descent.gradient_descent(fn.grad, x0, lr, max_iter=1000, tol=None)
    errors = np.linalg.norm(res.path, axis=1)
    measured = int(np.argmax(errors <= tol))
    assert predicted == measured
    assert predicted == math.ceil(math.log(tol / 5.0) / math.log(0.85))


def test_iterations_to_tolerance_edge_cases():
    assert theory.iterations_to_tolerance(0.5, 0.125) == 3.0  # exact power: not 4
    assert theory.iterations_to_tolerance(1.0, 1e-3) == math.inf
    assert theory.iterations_to_tolerance(1.5, 1e-3) == math.inf
    assert theory.iterations_to_tolerance(0.5, 1e-3, initial_error=1e-4) == 0.0
    assert theory.iterations_to_tolerance(0.0, 1e-3) == 1.0
    got = theory.iterations_to_tolerance(np.array([0.1, 0.5, 0.9, 1.0]), 1e-6)
    np.testing.assert_array_equal(got, [6.0, 20.0, 132.0, np.inf])
    with pytest.raises(ValueError):
        theory.iterations_to_tolerance(0.5, 0.0)
    with pytest.raises(ValueError):
        theory.iterations_to_tolerance(-0.5, 1e-3)


def test_condition_number():
    assert theory.condition_number(EIGS) == 20.0
    assert theory.condition_number(np.array([[2.0, 0.0], [0.0, 8.0]])) == 4.0
    assert theory.condition_number(quadratic_bowl((1.0, 10.0), angle=0.3)) == pytest.approx(10.0)
    assert theory.condition_number([0.0, 1.0]) == math.inf
    with pytest.raises(ValueError, match="saddle"):
        theory.condition_number([-1.0, 1.0])
    with pytest.raises(ValueError, match="symmetric"):
        theory.condition_number([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError):
        theory.condition_number(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="positive definite"):
        theory.gd_stable_lr([-1.0, 2.0])


def test_rosenbrock_condition_number_at_the_minimum():
    H = rosenbrock().hessian([1.0, 1.0])
    tr, det = np.trace(H), np.linalg.det(H)
    root = math.sqrt(tr * tr - 4 * det)
    expected = (tr + root) / (tr - root)  # closed form for 2×2: eigenvalues (tr ± √(tr² − 4 det))/2
    kappa = theory.condition_number(H)
    assert kappa == pytest.approx(expected, rel=1e-9)
    assert round(kappa) == 2508


# --------------------------------------------------------------------------------------------
# Heavy ball


def test_heavy_ball_optimum_course_values():
    lr, beta, rate = theory.heavy_ball_optimal(EIGS)
    L, mu = 4.0, 0.2
    assert lr == pytest.approx(4 / (math.sqrt(L) + math.sqrt(mu)) ** 2, rel=1e-14)
    k = math.sqrt(L / mu)
    assert beta == pytest.approx(((k - 1) / (k + 1)) ** 2, rel=1e-14)
    assert rate == pytest.approx(math.sqrt(beta), rel=1e-14)
    assert (round(lr, 6), round(beta, 6), round(rate, 6)) == (0.667907, 0.402605, 0.634512)
    # and the rate function agrees at the optimum
    assert theory.heavy_ball_rate(lr, beta, EIGS) == pytest.approx(rate, rel=1e-6)


def test_heavy_ball_rate_matches_eigenvalues_of_iteration_matrices():
    rng = np.random.default_rng(0)
    eigs = np.array([0.2, 1.3, 4.0])
    lrs = rng.uniform(0.0, 1.2, 300)
    betas = rng.uniform(0.0, 0.99, 300)
    got = theory.heavy_ball_rate(lrs, betas, eigs)
    assert got.shape == (300,)
    for a, b, r in zip(lrs, betas, got, strict=True):
        radii = [
            np.max(np.abs(np.linalg.eigvals(np.array([[1 + b - a * lam, -b], [1.0, 0.0]]))))
            for lam in eigs
        ]
        # near a double root eigvals is only accurate to about √ε
        assert r == pytest.approx(max(radii), rel=1e-6, abs=1e-7)


def test_heavy_ball_with_zero_momentum_is_gradient_descent():
    lrs = np.linspace(0.01, 0.6, 25)
    np.testing.assert_allclose(
        theory.heavy_ball_rate(lrs, 0.0, EIGS), theory.gd_rate(lrs, EIGS), rtol=1e-14
    )


def test_complex_root_rate_is_sqrt_beta_not_two_sqrt_beta():
    lr, beta = 0.5, 0.6  # T² < 4β for both eigenvalues: complex roots
    for lam in EIGS:
        T = 1 + beta - lr * lam
        assert T * T < 4 * beta
    rate = theory.heavy_ball_rate(lr, beta, EIGS)
    assert rate == pytest.approx(math.sqrt(beta), rel=1e-14)
    assert rate != pytest.approx(2 * math.sqrt(beta))
    fn = quadratic_bowl(EIGS, angle=0.3)
    res = descent.heavy_ball(fn.grad, [2.0, 1.0], lr, beta, n_steps=400)
    # complex roots: the norm oscillates; fit over a long window
    assert measured_rate(res.path, 50, 400) == pytest.approx(math.sqrt(beta), rel=5e-3)


def test_heavy_ball_optimal_rate_matches_a_measured_run():
    lr, beta, rate = theory.heavy_ball_optimal(EIGS)
    fn = quadratic_bowl(EIGS, angle=0.8)
    res = descent.heavy_ball(fn.grad, [3.0, -2.0], lr, beta, n_steps=300)
    measured = measured_rate(res.path, 150, 300)
    # a double root decays like k·ρᵏ, which adds about (ln 2)/150 to the fitted log-rate
    assert measured == pytest.approx(rate, rel=1e-2)
    gd = descent.gradient_descent(fn.grad, [3.0, -2.0], theory.gd_optimal_lr(EIGS), 300, tol=None)
    assert measured < measured_rate(gd.path, 150, 300) - 0.2, "momentum is much faster here"


def test_heavy_ball_stability_region_agrees_with_spectral_radius():
    A, B = np.meshgrid(np.linspace(0.01, 1.6, 60), np.linspace(0.0, 0.98, 50))
    stable = theory.heavy_ball_stable(A, B, EIGS)
    rate = theory.heavy_ball_rate(A, B, EIGS)
    assert stable.shape == A.shape and stable.dtype == bool
    away = np.abs(rate - 1.0) > 1e-9
    np.testing.assert_array_equal(stable[away], (rate < 1)[away])
    assert not theory.heavy_ball_stable(0.1, 1.0, EIGS)
    assert not theory.heavy_ball_stable(0.1, -0.1, EIGS)
    # the bound 0 < αλ < 2 + 2β: with β = 0.5 the stable steps reach 3/λmax
    assert theory.heavy_ball_stable(0.99 * 3 / 4.0, 0.5, EIGS)
    assert not theory.heavy_ball_stable(1.01 * 3 / 4.0, 0.5, EIGS)


# --------------------------------------------------------------------------------------------
# Averages and sampling


def test_ema_window_and_half_life():
    assert theory.ema_window(0.9) == pytest.approx(10.0, rel=1e-14)
    hl = theory.ema_half_life(0.9)
    assert round(float(hl), 2) == 6.58
    assert 0.9**hl == pytest.approx(0.5, rel=1e-12)
    np.testing.assert_allclose(theory.ema_window(np.array([0.0, 0.5, 0.99])), [1.0, 2.0, 100.0])
    with pytest.raises(ValueError):
        theory.ema_window(1.0)
    with pytest.raises(ValueError):
        theory.ema_half_life(-0.1)


def test_ema_weights_measured():
    # feed an impulse into v ← βv + (1 − β)x; the weight of a value k steps old is (1 − β)βᵏ
    beta = 0.9
    v, weights = 0.0, []
    for t in range(400):
        v = beta * v + (1 - beta) * (1.0 if t == 0 else 0.0)
        weights.append(v)
    weights = np.array(weights)
    assert sum(weights) == pytest.approx(1.0, rel=1e-12)
    ages = np.arange(400)
    assert ages @ weights + 1 == pytest.approx(theory.ema_window(beta), rel=1e-9)  # mean age + 1
    first_half = int(np.argmax(weights <= weights[0] / 2))
    assert first_half == math.ceil(theory.ema_half_life(beta))


def test_fraction_unseen_with_replacement():
    assert theory.fraction_unseen_with_replacement(1) == 0.0
    assert theory.fraction_unseen_with_replacement(2) == pytest.approx(0.25)
    big = theory.fraction_unseen_with_replacement(10**6)
    assert big == pytest.approx(math.exp(-1), abs=1e-6)
    assert round(float(big), 3) == 0.368
    rng = np.random.default_rng(0)
    n = 20000
    seen = np.zeros(n, bool)
    seen[rng.integers(0, n, n)] = True
    assert 1 - seen.mean() == pytest.approx(theory.fraction_unseen_with_replacement(n), abs=0.015)
    with pytest.raises(ValueError):
        theory.fraction_unseen_with_replacement(0)
    with pytest.raises(ValueError):
        theory.fraction_unseen_with_replacement(2.5)


# --------------------------------------------------------------------------------------------
# The 1-D facts of notebook 02


@pytest.mark.parametrize("lr, stated", [(0.2, 0.0604662), (0.05, 3.4867844), (1.1, 61.917364)])
def test_ten_steps_on_x_squared(lr, stated):
    fn = square()
    res = descent.gradient_descent_1d(fn.df, x0=10.0, lr=lr, n_steps=10)
    closed_form = 10.0 * (1 - 2 * lr) ** 10
    assert res.x == pytest.approx(closed_form, rel=1e-12)
    assert res.x == pytest.approx(stated, abs=5e-7)
    assert res.n_iter == 10 and len(res.path) == 11
    if lr > 1:
        assert abs(res.x) > 10.0, "η = 1.1 moves away from the minimum"
        assert theory.gd_rate(lr, [2.0]) > 1
