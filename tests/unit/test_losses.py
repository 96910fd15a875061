"""gdutils.losses: values against naive formulas, gradients against finite differences,
closed forms against gradient descent, and stability at extreme logits."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from gdutils import checks, losses


def central_diff(f, x, h=1e-6):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        g[idx] = (f(x + e) - f(x - e)) / (2 * h)
    return g


@pytest.fixture
def regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.7 + 0.1 * rng.normal(size=30)
    return X, y


@pytest.fixture
def classification():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(25, 3))
    labels = rng.integers(0, 4, 25)
    return X, labels


# --------------------------------------------------------------------------------------------
# Regression


def test_mse_value_and_shapes():
    pred = np.array([1.0, 2.0, 4.0])
    y = np.array([1.0, 0.0, 1.0])
    assert losses.mse(pred, y) == pytest.approx((0 + 4 + 9) / 3)
    assert isinstance(losses.mse(pred, y), float)
    with pytest.raises(ValueError, match="broadcast"):
        losses.mse(pred[:, None], y)
    with pytest.raises(ValueError, match="broadcast"):
        losses.mse(pred, y[:, None])
    with pytest.raises(ValueError, match=r"\(3,\)"):
        losses.mse(pred[:2], y)


def test_linear_predict(regression):
    X, _ = regression
    w = np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(
        losses.linear_predict(X, w, 1.5), [row @ w + 1.5 for row in X], rtol=1e-14
    )
    with pytest.raises(ValueError, match=r"w must have shape \(3,\)"):
        losses.linear_predict(X, w[:2], 0.0)
    with pytest.raises(ValueError, match="single number"):
        losses.linear_predict(X, w, np.zeros(3))


def test_mse_gradient_matches_finite_differences(regression):
    X, y = regression
    w = np.array([0.3, 0.1, -0.4])
    b = -0.2
    dw, db = losses.mse_gradient(X, y, w, b)
    fd_w = central_diff(lambda v: losses.mse(X @ v + b, y), w)
    fd_b = central_diff(lambda v: losses.mse(X @ w + v[0], y), [b])[0]
    np.testing.assert_allclose(dw, fd_w, rtol=1e-7)
    assert db == pytest.approx(fd_b, rel=1e-7)
    assert dw.shape == (3,) and isinstance(db, float)
    # the mean, not the sum: n times smaller than the gradient of the summed loss
    fd_sum = central_diff(lambda v: np.sum((X @ v + b - y) ** 2), w)
    np.testing.assert_allclose(dw * len(y), fd_sum, rtol=1e-7)


def test_least_squares_solves_the_normal_equations(regression):
    X, y = regression
    w, b = losses.least_squares(X, y)
    A = np.hstack([X, np.ones((len(X), 1))])
    theta = np.linalg.solve(A.T @ A, A.T @ y)
    np.testing.assert_allclose(w, theta[:-1], rtol=1e-10)
    assert b == pytest.approx(theta[-1], rel=1e-10)
    dw, db = losses.mse_gradient(X, y, w, b)
    assert np.linalg.norm(dw) < 1e-12 and abs(db) < 1e-12


def test_least_squares_recovers_exact_truth():
    X = np.random.default_rng(3).normal(size=(10, 2))
    w_true = np.array([2.0, -1.0])
    w, b = losses.least_squares(X, X @ w_true - 3.0)
    np.testing.assert_allclose(w, w_true, rtol=1e-12)
    assert b == pytest.approx(-3.0, rel=1e-12)


@pytest.mark.parametrize("penalise_bias", [False, True])
def test_ridge_is_the_minimiser_of_the_stated_objective(regression, penalise_bias):
    X, y = regression
    lam = 0.3
    w, b = losses.ridge(X, y, lam, penalise_bias=penalise_bias)

    def J(theta):
        wv, bv = theta[:-1], theta[-1]
        r = X @ wv + bv - y
        return np.mean(r**2) + lam * (wv @ wv + (bv**2 if penalise_bias else 0.0))

    theta = np.append(w, b)
    np.testing.assert_allclose(central_diff(J, theta), 0.0, atol=1e-8)
    assert J(theta) == pytest.approx(
        losses.ridge_loss(X, y, w, b, lam, penalise_bias=penalise_bias), rel=1e-14
    )
    # gradient descent on the same objective converges to the closed form
    wg, bg = np.zeros(3), 0.0
    for _ in range(3000):
        dw, db = losses.ridge_gradient(X, y, wg, bg, lam, penalise_bias=penalise_bias)
        wg, bg = wg - 0.1 * dw, bg - 0.1 * db
    np.testing.assert_allclose(wg, w, rtol=1e-9)
    assert bg == pytest.approx(b, rel=1e-9)


def test_ridge_against_independent_normal_equations(regression):
    X, y = regression
    n, d = X.shape
    lam = 0.5
    # stationarity of (1/n)‖Xw + b − y‖² + lam‖w‖² in (w, b)
    M = np.zeros((d + 1, d + 1))
    M[:d, :d] = X.T @ X / n + lam * np.eye(d)
    M[:d, d] = X.sum(axis=0) / n
    M[d, :d] = X.sum(axis=0) / n
    M[d, d] = 1.0
    rhs = np.append(X.T @ y / n, y.mean())
    sol = np.linalg.solve(M, rhs)
    w, b = losses.ridge(X, y, lam)
    np.testing.assert_allclose(w, sol[:d], rtol=1e-10)
    assert b == pytest.approx(sol[d], rel=1e-10)


def test_ridge_limits_and_validation(regression):
    X, y = regression
    w0, b0 = losses.ridge(X, y, 0.0)
    wl, bl = losses.least_squares(X, y)
    np.testing.assert_allclose(w0, wl, rtol=1e-10)
    assert b0 == pytest.approx(bl, rel=1e-10)
    norms = [np.linalg.norm(losses.ridge(X, y, lam)[0]) for lam in (0.0, 0.1, 1.0, 10.0)]
    assert norms == sorted(norms, reverse=True)
    with pytest.raises(ValueError, match="lam"):
        losses.ridge(X, y, -1.0)


def test_ridge_gradient_matches_finite_differences(regression):
    X, y = regression
    w, b, lam = np.array([0.2, -0.1, 0.4]), 0.3, 0.7
    for pb in (False, True):
        dw, db = losses.ridge_gradient(X, y, w, b, lam, penalise_bias=pb)
        fd_w = central_diff(lambda v, pb=pb: losses.ridge_loss(X, y, v, b, lam, pb), w)
        fd_b = central_diff(lambda v, pb=pb: losses.ridge_loss(X, y, w, v[0], lam, pb), [b])[0]
        np.testing.assert_allclose(dw, fd_w, rtol=1e-7)
        assert db == pytest.approx(fd_b, rel=1e-7)


# --------------------------------------------------------------------------------------------
# Binary classification

EXTREME = np.array([-1000.0, -50.0, -1.0, 0.0, 1.0, 50.0, 1000.0])


def test_sigmoid_values_symmetry_and_no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = losses.sigmoid(EXTREME)
        ls = losses.log_sigmoid(EXTREME)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    np.testing.assert_allclose(losses.sigmoid(-EXTREME), 1.0 - s, atol=1e-16)
    z = np.linspace(-20, 20, 41)
    np.testing.assert_allclose(losses.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14)
    # log σ(z) = −log(1 + e⁻ᶻ); log1p is accurate where log(1/(1 + tiny)) is not
    np.testing.assert_allclose(losses.log_sigmoid(z), -np.log1p(np.exp(-z)), rtol=1e-13)
    assert ls[0] == -1000.0 and ls[-1] == 0.0 and np.all(np.isfinite(ls))
    assert losses.sigmoid(0.0) == 0.5 and np.ndim(losses.sigmoid(0.0)) == 0
    assert losses.sigmoid(np.zeros((2, 3))).shape == (2, 3)


def test_bce_with_logits_value_and_stability():
    z = np.array([0.5, -1.5, 2.0])
    y = np.array([1.0, 0.0, 0.0])
    p = 1 / (1 + np.exp(-z))
    naive = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert losses.binary_cross_entropy_with_logits(z, y) == pytest.approx(naive, rel=1e-13)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert losses.binary_cross_entropy_with_logits([1000.0], [0.0]) == 1000.0
        assert losses.binary_cross_entropy_with_logits([-1000.0], [1.0]) == 1000.0
        assert losses.binary_cross_entropy_with_logits([1000.0, -1000.0], [1, 0]) == 0.0
    with pytest.raises(ValueError, match="broadcast"):
        losses.binary_cross_entropy_with_logits(z[:, None], y)
    with pytest.raises(ValueError, match="labels 0 and 1"):
        losses.binary_cross_entropy_with_logits(z, [2.0, 0.0, 1.0])


def test_logistic_gradient_matches_finite_differences():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 3))
    y = (rng.random(40) < 0.5).astype(float)
    w, b = np.array([0.5, -0.3, 0.8]), 0.1

    def L(wv, bv):
        return losses.binary_cross_entropy_with_logits(X @ wv + bv, y)

    dw, db = losses.logistic_gradient(X, y, w, b)
    np.testing.assert_allclose(dw, central_diff(lambda v: L(v, b), w), rtol=1e-7)
    assert db == pytest.approx(central_diff(lambda v: L(w, v[0]), [b])[0], rel=1e-7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dw, db = losses.logistic_gradient(X, y, 1e4 * w, b)
    assert np.all(np.isfinite(dw)) and math.isfinite(db)


# --------------------------------------------------------------------------------------------
# Multi-class


def test_softmax_rows_sum_to_one_and_shift_invariance():
    Z = np.random.default_rng(5).normal(size=(6, 4))
    P = losses.softmax(Z)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(P, np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(losses.softmax(Z + 123.0), P, rtol=1e-12)
    np.testing.assert_allclose(losses.log_softmax(Z), np.log(P), rtol=1e-12, atol=1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = losses.softmax(np.array([[1000.0, -1000.0, 0.0]]))
        lbig = losses.log_softmax(np.array([[1000.0, -1000.0, 0.0]]))
    np.testing.assert_array_equal(big, [[1.0, 0.0, 0.0]])
    np.testing.assert_array_equal(lbig, [[0.0, -2000.0, -1000.0]])


def test_cross_entropy_value_and_stability(classification):
    _, labels = classification
    Z = np.random.default_rng(6).normal(size=(25, 4))
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    naive = -np.mean(np.log(P[np.arange(25), labels]))
    assert losses.cross_entropy(Z, labels) == pytest.approx(naive, rel=1e-13)
    assert losses.cross_entropy(np.zeros((3, 5)), [0, 1, 4]) == pytest.approx(math.log(5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert losses.cross_entropy(np.array([[1000.0, -1000.0]]), [1]) == 2000.0


@pytest.mark.parametrize(
    "labels, match",
    [
        (np.eye(3)[[0, 1, 2]], "one-hot"),
        (np.array([0.0, 1.0, 2.0]), "integers"),
        (np.array([0, 1, 3]), "lie in"),
        (np.array([0, 1]), r"\(3,\)"),
    ],
)
def test_cross_entropy_rejects_bad_labels(labels, match):
    with pytest.raises(ValueError, match=match):
        losses.cross_entropy(np.zeros((3, 3)), labels)


def test_softmax_gradient_matches_finite_differences(classification):
    X, labels = classification
    rng = np.random.default_rng(7)
    W = rng.normal(size=(3, 4))
    b = rng.normal(size=4)
    dW, db = losses.softmax_gradient(X, labels, W, b)
    assert dW.shape == (3, 4) and db.shape == (4,)
    fd_W = central_diff(lambda V: losses.cross_entropy(X @ V + b, labels), W)
    fd_b = central_diff(lambda v: losses.cross_entropy(X @ W + v, labels), b)
    np.testing.assert_allclose(dW, fd_W, rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(db, fd_b, rtol=1e-6, atol=1e-10)
    with pytest.raises(ValueError, match=r"W must have shape \(3, k\)"):
        losses.softmax_gradient(X, labels, W.T, b)


def test_one_hot_and_accuracy():
    np.testing.assert_array_equal(losses.one_hot([2, 0, 1]), np.eye(3)[[2, 0, 1]])
    assert losses.one_hot([0, 1], k=4).shape == (2, 4)
    assert losses.one_hot([0, 1]).dtype == np.float64
    with pytest.raises(ValueError):
        losses.one_hot([0, 5], k=3)
    assert losses.accuracy(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2])) == 0.75
    with pytest.raises(ValueError, match="argmax"):
        losses.accuracy(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError):
        losses.accuracy(np.zeros(3), np.zeros(4))


# --------------------------------------------------------------------------------------------
# Reference tags

TAGS = {
    "04-linear-regression": ["mse", "mse_gradient", "least_squares"],
    "05-classification": [
        "sigmoid",
        "log_sigmoid",
        "binary_cross_entropy_with_logits",
        "logistic_gradient",
        "softmax",
        "log_softmax",
        "cross_entropy",
        "softmax_gradient",
    ],
    "12-generalisation": ["ridge", "ridge_loss", "ridge_gradient"],
}


@pytest.mark.parametrize("exercise", sorted(TAGS))
def test_reference_tags(exercise):
    names = checks.references_for(exercise)
    for fn in TAGS[exercise]:
        assert f"gdutils.losses.{fn}" in names
    with checks.forbid_reference(exercise), pytest.raises(checks.DelegationError):
        if exercise == "12-generalisation":
            losses.ridge(np.eye(2), np.zeros(2), 0.1)
        else:
            getattr(losses, TAGS[exercise][0])(np.zeros(2), np.zeros(2))


def test_untagged_helpers_work_inside_any_guard():
    with checks.forbid_reference("04-linear-regression", "05-classification", "12-generalisation"):
        losses.linear_predict(np.eye(2), np.ones(2), 0.0)
        losses.one_hot([0, 1])
        losses.accuracy(np.array([0]), np.array([0]))
