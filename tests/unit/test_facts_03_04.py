"""The numbers notebooks 03-gd-nd and 04-linear-regression state, recomputed as the notebooks do.

Each notebook prints these from code; this file pins the key ones (the course plan's "facts") so a
change in gdutils that moves them fails here, not silently in the prose.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdutils import data, descent, functions, linear_models, losses, theory
from gdutils.display.explorers import landscapes, regression

# --------------------------------------------------------------------------------------------
# 03-gd-nd


def test_bowl_0_2_and_4_optimal_step_and_rate() -> None:
    lam = [0.2, 4.0]
    assert round(theory.gd_optimal_lr(lam), 6) == 0.476190
    assert round(theory.gd_rate(theory.gd_optimal_lr(lam), lam), 6) == 0.904762
    assert theory.gd_stable_lr(lam) == pytest.approx(0.5)
    assert theory.condition_number(lam) == pytest.approx(20.0)


def test_rosenbrock_minimum_and_its_condition_number() -> None:
    fn = functions.rosenbrock()
    np.testing.assert_array_equal(fn.minima[0], [1.0, 1.0])
    assert fn([1.0, 1.0]) == 0.0
    np.testing.assert_array_equal(fn.grad([1.0, 1.0]), [0.0, 0.0])
    assert round(theory.condition_number(fn.hessian([1.0, 1.0]))) == 2508


def test_himmelblau_has_four_minima_with_value_zero() -> None:
    fn = functions.himmelblau()
    mins = np.array(fn.minima)
    assert mins.shape == (4, 2)
    assert len({tuple(np.round(m, 6)) for m in mins}) == 4
    for m in mins:
        assert fn(m) == pytest.approx(0.0, abs=1e-25)
        assert np.all(np.linalg.eigvalsh(fn.hessian(m)) > 0)  # genuine minima
    np.testing.assert_allclose(mins[0], [3.0, 2.0])
    np.testing.assert_allclose(mins[1], [-2.805118, 3.131312], atol=1e-6)


def _table_row(kappa: float, which: str) -> tuple[int, int]:
    fn = functions.quadratic_bowl((4.0 / kappa, 4.0), angle=math.radians(30))
    lam = fn.eigenvalues
    eta = theory.gd_optimal_lr(lam) if which == "best" else 1.0 / lam[-1]
    start = np.array([-2.5, 2.0])
    rho = theory.gd_rate(eta, lam)
    predicted = int(theory.iterations_to_tolerance(rho, 1e-6, np.linalg.norm(start)))
    run = descent.gradient_descent(fn.grad, start, eta, max_iter=predicted + 10, tol=None)
    measured = int(np.flatnonzero(np.linalg.norm(run.path, axis=1) <= 1e-6)[0])
    return predicted, measured


@pytest.mark.parametrize("kappa", [2, 5, 20, 100])
def test_predicted_equals_measured_at_the_best_step(kappa: int) -> None:
    predicted, measured = _table_row(kappa, "best")
    assert predicted == measured


@pytest.mark.parametrize("kappa", [2, 5, 20, 100])
def test_prediction_is_an_upper_bound_at_one_over_lambda_max(kappa: int) -> None:
    predicted, measured = _table_row(kappa, "safe")
    assert measured <= predicted
    assert measured >= 0.85 * predicted  # and a close one


def test_steps_grow_like_kappa() -> None:
    ratio = _table_row(100, "best")[1] / _table_row(5, "best")[1]
    assert ratio == pytest.approx(20.0, rel=0.05)


def test_rosenbrock_local_rate_matches_the_quadratic_theory() -> None:
    fn = functions.rosenbrock()
    run = descent.gradient_descent(fn.grad, [-1.2, 1.0], 1e-3, max_iter=20000, tol=1e-8)
    dist = np.linalg.norm(run.path - 1.0, axis=1)
    measured = (dist[20000] / dist[10000]) ** (1 / 10000)
    lam_min = theory.eigenvalues(fn.hessian([1.0, 1.0]))[0]
    assert measured == pytest.approx(1 - 1e-3 * lam_min, abs=2e-5)
    assert math.log(10) / (1e-3 * lam_min) == pytest.approx(5765, rel=0.01)


def test_himmelblau_basins_are_roughly_equal() -> None:
    _, labels = landscapes.himmelblau_basins()
    fractions = np.bincount(labels[labels >= 0].ravel(), minlength=4) / labels.size
    assert np.all((fractions > 0.2) & (fractions < 0.3))


# --------------------------------------------------------------------------------------------
# 04-linear-regression


def test_sunshine_data_is_ill_conditioned_raw_and_round_standardised() -> None:
    X, y = regression.line_data()
    H = linear_models.mse_hessian(X)
    assert 300 < theory.condition_number(H) < 450
    Z = data.Standardiser().fit_transform(X)
    H_std = linear_models.mse_hessian(Z)
    np.testing.assert_allclose(H_std, 2 * np.eye(2), atol=1e-12)
    # the best step 1/2 lands on the normal-equation solution in one step
    fit = linear_models.fit_gd(Z, y, 0.5, 1)
    w, b = losses.least_squares(Z, y)
    np.testing.assert_allclose(fit.path[1], np.append(w, b), rtol=1e-12)


def test_sunshine_raw_predicted_equals_measured() -> None:
    X, y = regression.line_data()
    H = linear_models.mse_hessian(X)
    eta = theory.gd_optimal_lr(H)
    w, b = losses.least_squares(X, y)
    theta = np.append(w, b)
    e0 = np.linalg.norm(theta)
    predicted = int(theory.iterations_to_tolerance(theory.gd_rate(eta, H), 1e-6 * e0, e0))
    run = linear_models.fit_gd(X, y, eta, predicted + 5)
    measured = int(np.flatnonzero(np.linalg.norm(run.path - theta, axis=1) <= 1e-6 * e0)[0])
    assert 2000 < predicted < 3000
    assert measured == predicted


def test_gd_reaches_the_normal_equations() -> None:
    X, y = regression.line_data()
    Z = data.Standardiser().fit_transform(X)
    fit = linear_models.fit_gd(Z, y, 0.3, 200)
    w, b = losses.least_squares(Z, y)
    np.testing.assert_allclose(fit.w, w, rtol=1e-10)
    assert fit.b == pytest.approx(b, rel=1e-10)
