"""gdutils.linear_models: the MSE Hessian and linear regression by gradient descent.

Oracles: finite differences of gdutils.losses.mse_gradient, the closed form of gradient descent
on a quadratic, θ_k − θ* = (I − ηH)ᵏ(θ₀ − θ*), the normal equations (np.linalg.lstsq), and torch's
autograd Hessian.
"""

from __future__ import annotations

import numpy as np
import pytest

from gdutils import checks, linear_models, losses


def _problem(n: int = 30, d: int = 3, seed: int = 0, offset: float = 2.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * np.arange(1, d + 1) + offset
    y = X @ rng.normal(size=d) + 0.7 + 0.1 * rng.normal(size=n)
    return X, y


def test_design_matrix_appends_ones() -> None:
    X, _ = _problem(5, 2)
    A = linear_models.design_matrix(X)
    assert A.shape == (5, 3)
    np.testing.assert_array_equal(A[:, :2], X)
    np.testing.assert_array_equal(A[:, 2], 1.0)


def test_hessian_matches_finite_differences_of_the_gradient() -> None:
    X, y = _problem()
    d = X.shape[1]

    def grad(theta: np.ndarray) -> np.ndarray:
        dw, db = losses.mse_gradient(X, y, theta[:d], theta[d])
        return np.append(dw, db)

    theta = np.random.default_rng(1).normal(size=d + 1)
    # centred differences of the gradient, one column per coordinate (exact up to round-off:
    # the gradient is linear in θ)
    H_fd = np.column_stack(
        [(grad(theta + 1e-4 * e) - grad(theta - 1e-4 * e)) / 2e-4 for e in np.eye(d + 1)]
    )
    H = linear_models.mse_hessian(X)
    assert H.shape == (d + 1, d + 1)
    np.testing.assert_allclose(H, H_fd, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(H, H.T)
    assert np.linalg.eigvalsh(H)[0] > 0


@pytest.mark.torch
def test_hessian_matches_torch_autograd() -> None:
    torch = pytest.importorskip("torch")
    X, y = _problem(20, 2, seed=3)
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)

    def loss(theta):
        return torch.mean((Xt @ theta[:-1] + theta[-1] - yt) ** 2)

    H_torch = torch.autograd.functional.hessian(loss, torch.zeros(3, dtype=torch.float64))
    np.testing.assert_allclose(linear_models.mse_hessian(X), H_torch.numpy(), rtol=1e-12)


def test_fit_gd_follows_the_closed_form_of_gd_on_a_quadratic() -> None:
    X, y = _problem()
    d = X.shape[1]
    H = linear_models.mse_hessian(X)
    A = linear_models.design_matrix(X)
    theta_star = np.linalg.lstsq(A, y, rcond=None)[0]
    lr = 1.0 / np.linalg.eigvalsh(H)[-1]
    fit = linear_models.fit_gd(X, y, lr, 25)
    M = np.eye(d + 1) - lr * H
    for k in (0, 1, 7, 25):
        expected = theta_star + np.linalg.matrix_power(M, k) @ (np.zeros(d + 1) - theta_star)
        np.testing.assert_allclose(fit.path[k], expected, rtol=1e-9, atol=1e-9)
    assert fit.path.shape == (26, d + 1) and fit.n_iter == 25
    np.testing.assert_allclose(fit.losses, [np.mean((A @ t - y) ** 2) for t in fit.path])


def test_fit_gd_converges_to_the_normal_equations() -> None:
    X, y = _problem(offset=0.0)
    H = linear_models.mse_hessian(X)
    lam = np.linalg.eigvalsh(H)
    fit = linear_models.fit_gd(X, y, 2.0 / (lam[0] + lam[-1]), 5000, tol=1e-12)
    w, b = losses.least_squares(X, y)
    assert fit.status == "converged"
    np.testing.assert_allclose(fit.w, w, rtol=1e-9, atol=1e-10)
    assert fit.b == pytest.approx(b, rel=1e-9, abs=1e-10)


def test_fit_gd_starts_where_asked_and_leaves_inputs_alone() -> None:
    X, y = _problem(10, 2)
    X0, y0, w0 = X.copy(), y.copy(), np.array([1.0, -1.0])
    fit = linear_models.fit_gd(X, y, 0.01, 3, w0=w0, b0=2.0)
    np.testing.assert_array_equal(fit.path[0], [1.0, -1.0, 2.0])
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(w0, [1.0, -1.0])
    with pytest.raises(ValueError):
        fit.path[0, 0] = 5.0  # read-only


def test_fit_gd_reports_divergence_without_nan() -> None:
    X, y = _problem()
    lam_max = np.linalg.eigvalsh(linear_models.mse_hessian(X))[-1]
    fit = linear_models.fit_gd(X, y, 2.2 / lam_max, 10_000, divergence_threshold=1e6)
    assert fit.diverged and fit.status == "diverged"
    assert np.all(np.isfinite(fit.path)) and np.all(np.isfinite(fit.losses))
    assert fit.n_iter < 10_000


@pytest.mark.parametrize(
    "args",
    [
        (np.ones(5), np.ones(5)),  # X must be 2-D
        (np.ones((5, 1)), np.ones((5, 1))),  # a column y broadcasts: refused
        (np.ones((5, 1)), np.ones(4)),
        (np.full((5, 1), np.nan), np.ones(5)),
    ],
)
def test_fit_gd_validates_shapes(args) -> None:
    with pytest.raises(ValueError):
        linear_models.fit_gd(*args, 0.1, 3)
    if args[0].ndim == 1:
        with pytest.raises(ValueError, match="reshape"):
            linear_models.mse_hessian(args[0])


def test_fit_gd_validates_options() -> None:
    X, y = _problem(6, 2)
    with pytest.raises(ValueError):
        linear_models.fit_gd(X, y, 0.1, -1)
    with pytest.raises(ValueError):
        linear_models.fit_gd(X, y, 0.1, 3, w0=np.zeros(3))
    with pytest.raises(ValueError):
        linear_models.fit_gd(X, y, -0.1, 3)


def test_fit_gd_is_the_reference_of_notebook_04() -> None:
    X, y = _problem(6, 2)
    with checks.forbid_reference("04-linear-regression"):
        with pytest.raises(checks.DelegationError):
            linear_models.fit_gd(X, y, 0.1, 3)
    assert "gdutils.linear_models.fit_gd" in checks.references_for("04-linear-regression")
