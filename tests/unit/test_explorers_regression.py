"""gdutils.explorers.regression: move every control as a learner would and check the data drawn.

The oracle is a plain numpy gradient-descent loop on (w, b), written here independently of
gdutils.linear_models, and the normal equations solved with np.linalg.lstsq.
"""

from __future__ import annotations

import numpy as np
import pytest

from gdutils.display.explorers import regression


def _gd(X: np.ndarray, y: np.ndarray, lr: float, k: int) -> tuple[np.ndarray, float]:
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    for _ in range(k):
        r = X @ w + b - y
        w, b = w - lr * 2.0 / n * (X.T @ r), b - lr * 2.0 / n * r.sum()
    return w, b


def _standardised() -> tuple[np.ndarray, np.ndarray, float, float]:
    X, y = regression.line_data()
    mu, sd = X.mean(axis=0), X.std(axis=0)
    return (X - mu) / sd, y, float(mu[0]), float(sd[0])


def _lstsq(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    A = np.hstack([X, np.ones((len(X), 1))])
    return np.linalg.lstsq(A, y, rcond=None)[0]


def test_line_data_is_seeded_and_shaped() -> None:
    X, y = regression.line_data()
    X2, y2 = regression.line_data()
    assert X.shape == (40, 1) and y.shape == (40,)
    np.testing.assert_array_equal(X, X2)
    assert 2.0 <= X.min() and X.max() <= 10.0
    with pytest.raises(ValueError):
        regression.line_data(n=1)


@pytest.mark.parametrize("k", [0, 1, 20, 300])
def test_line_fit_iteration_slider_shows_the_kth_iterate(k: int) -> None:
    ex = regression.line_fit_explorer(static=True)
    ex.set(iteration=k, lr=0.01)
    X, y = regression.line_data()
    w, b = _gd(X, y, 0.01, k)
    assert ex.state["iteration"] == k
    assert ex.state["w"] == pytest.approx(w[0], rel=1e-9, abs=1e-12)
    assert ex.state["b"] == pytest.approx(b, rel=1e-9, abs=1e-12)
    ws, bs = _lstsq(X, y)
    assert ex.state["w_star"] == pytest.approx(ws) and ex.state["b_star"] == pytest.approx(bs)


def test_line_fit_standardised_line_is_drawn_in_original_units() -> None:
    ex = regression.line_fit_explorer(static=True)
    ex.set(standardise=True, lr=0.1, iteration=15)
    Z, y, mu, sd = _standardised()
    w, b = _gd(Z, y, 0.1, 15)
    assert ex.state["w"] == pytest.approx(w[0] / sd, rel=1e-9)
    assert ex.state["b"] == pytest.approx(b - w[0] * mu / sd, rel=1e-9)
    # the best line does not depend on the scaling
    X, _ = regression.line_data()
    ws, bs = _lstsq(X, y)
    assert ex.state["w_star"] == pytest.approx(ws, rel=1e-9)
    assert ex.state["b_star"] == pytest.approx(bs, rel=1e-9)


def test_line_fit_standardised_with_lr_one_half_lands_in_one_step() -> None:
    # one standardised feature: H = 2I, so η = 1/2 solves the problem in a single step
    ex = regression.line_fit_explorer(static=True)
    ex.set(standardise=True, lr=0.5, iteration=1)
    assert ex.state["kappa"] == pytest.approx(1.0)
    assert ex.state["lr_stable"] == pytest.approx(1.0)
    assert ex.state["w"] == pytest.approx(ex.state["w_star"], rel=1e-12)
    assert ex.state["b"] == pytest.approx(ex.state["b_star"], rel=1e-12)
    assert ex.state["losses"][1] == pytest.approx(ex.state["loss_star"], rel=1e-12)


def test_line_fit_raw_feature_is_ill_conditioned_and_diverges_above_the_bound() -> None:
    ex = regression.line_fit_explorer(static=True)
    X, _ = regression.line_data()
    A = np.hstack([X, np.ones((40, 1))])
    lam = np.linalg.eigvalsh(2.0 / 40 * A.T @ A)
    assert ex.state["kappa"] == pytest.approx(lam[-1] / lam[0], rel=1e-9)
    assert ex.state["kappa"] > 300
    assert ex.state["lr_stable"] == pytest.approx(2.0 / lam[-1], rel=1e-9)
    ex.set(lr=0.025)
    assert ex.state["diverged"] and ex.state["status"] == "diverged"
    assert ex.state["iteration"] <= 300 and np.isfinite(ex.state["w"])
    ex.set(lr=0.02)
    assert not ex.state["diverged"]


def test_loss_surface_path_and_losses_match_the_oracle() -> None:
    ex = regression.loss_surface_explorer(static=True)
    ex.set(lr=0.01, steps=50)
    X, y = regression.line_data()
    path = ex.state["path"]
    assert path.shape == (51, 2)
    np.testing.assert_array_equal(path[0], [0.0, 0.0])
    w, b = _gd(X, y, 0.01, 50)
    np.testing.assert_allclose(path[-1], [w[0], b], rtol=1e-9)
    A = np.hstack([X, np.ones((40, 1))])
    np.testing.assert_allclose(ex.state["losses"], [np.mean((A @ t - y) ** 2) for t in path])
    np.testing.assert_allclose(ex.state["theta_star"], _lstsq(X, y), rtol=1e-9)


def test_loss_surface_standardise_makes_the_bowl_round() -> None:
    ex = regression.loss_surface_explorer(static=True)
    raw_kappa = ex.state["kappa"]
    ex.set(standardise=True)
    assert ex.state["kappa"] == pytest.approx(1.0)
    assert raw_kappa > 300
    assert ex.state["lr_optimal"] == pytest.approx(0.5)
    Z, y, _, _ = _standardised()
    np.testing.assert_allclose(ex.state["theta_star"], _lstsq(Z, y), rtol=1e-9)
    ex.set(lr=0.5, steps=3)
    assert ex.state["rate"] == pytest.approx(0.0, abs=1e-12)
    assert ex.state["losses"][1] == pytest.approx(ex.state["loss_star"], rel=1e-12)


def test_loss_surface_flags_divergence() -> None:
    ex = regression.loss_surface_explorer(static=True)
    ex.set(lr=0.03)
    assert ex.state["diverged"] and ex.state["rate"] > 1
    assert np.all(np.isfinite(ex.state["path"]))




