"""gdutils.descent: reference loops against closed forms and hand-unrolled recurrences."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest

from gdutils import checks, descent
from gdutils.descent import DescentResult, DivergenceError
from gdutils.functions import quadratic, quadratic_bowl, rosenbrock, square

# --------------------------------------------------------------------------------------------
# 1-D


def test_1d_path_starts_at_x0_and_follows_the_closed_form():
    res = descent.gradient_descent_1d(lambda x: 2 * x, 10.0, 0.2, 10)
    expected = 10.0 * 0.6 ** np.arange(11)
    np.testing.assert_allclose(res.path, expected, rtol=1e-13)
    assert res.path.shape == (11,) and res.path.dtype == np.float64
    assert isinstance(res.x, float) and res.x == res.path[-1]
    assert res.n_iter == 10 and res.status == "max_iter" and res.losses is None


def test_1d_losses_when_f_given():
    fn = square()
    res = descent.gradient_descent_1d(fn.df, 3.0, 0.1, 5, f=fn.f)
    np.testing.assert_allclose(res.losses, res.path**2, rtol=1e-15)
    assert res.losses.shape == (6,)


def test_1d_tolerance_stops_at_the_first_small_gradient():
    res = descent.gradient_descent_1d(lambda x: 2 * x, 10.0, 0.25, 1000, tol=1e-3)
    assert res.status == "converged" and res.converged
    assert abs(2 * res.x) <= 1e-3 < abs(2 * res.path[-2])
    # 10·0.5ᵏ·2 ≤ 1e-3  ⇔  k ≥ log2(20000) ≈ 14.3
    assert res.n_iter == 15
    assert "converged" in res.message


def test_1d_tolerance_checked_after_the_last_step():
    # after exactly 3 steps of 0.5-contraction, |f'| = 2·10·0.125 = 2.5 ≤ tol
    res = descent.gradient_descent_1d(lambda x: 2 * x, 10.0, 0.25, 3, tol=2.5)
    assert res.status == "converged" and res.n_iter == 3


def test_1d_divergence_raises_with_a_hint():
    fn = square()
    with pytest.raises(DivergenceError) as info:
        descent.gradient_descent_1d(fn.df, 10.0, 1.1, 1000)
    err = info.value
    assert isinstance(err, ArithmeticError)
    msg = str(err)
    assert "lr = 1.1 is too large" in msg and "must be below 1 " in msg
    # |x_k| = 10·1.2ᵏ first exceeds 1e12 at k = ⌈log(1e11)/log(1.2)⌉
    k = math.ceil(math.log(1e11) / math.log(1.2))
    assert f"step {k}" in msg
    res = err.result
    assert res.status == "diverged" and res.diverged and res.n_iter == k
    assert np.all(np.isfinite(res.path)) and abs(res.path[-1]) > 1e12
    assert res.message == msg


def test_1d_divergence_stop_returns_the_blow_up():
    fn = square()
    res = descent.gradient_descent_1d(fn.df, 10.0, 1.1, 1000, f=fn.f, on_divergence="stop")
    assert res.status == "diverged"
    assert np.all(np.isfinite(res.path)) and np.all(np.isfinite(res.losses))
    assert len(res.losses) == len(res.path)


def test_1d_nan_gradient_is_reported_not_returned():
    def df(x):
        return float("nan") if abs(x) < 1 else 2 * x

    res = descent.gradient_descent_1d(df, 10.0, 0.3, 100, on_divergence="stop")
    assert res.status == "diverged" and "not finite" in res.message
    assert np.all(np.isfinite(res.path))


def test_1d_python_overflow_is_divergence_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError):
            descent.gradient_descent_1d(lambda x: math.exp(x), 700.0, 1.0, 10)
        with pytest.raises(DivergenceError):
            descent.gradient_descent_1d(lambda x: np.exp(x), 700.0, 1.0, 10)
        res = descent.gradient_descent_1d(
            lambda x: 4 * x**3, 3.0, 1.0, 50, f=lambda x: x**4, on_divergence="stop"
        )
    assert res.status == "diverged" and np.all(np.isfinite(res.path))


def test_1d_unstable_budgeted_run_says_so():
    res = descent.gradient_descent_1d(square().df, 10.0, 1.1, 10)
    assert res.status == "max_iter"
    assert "unstable" in res.message and "lr" in res.message


def test_1d_schedule():
    res = descent.gradient_descent_1d(lambda x: 2 * x, 1.0, lambda t: 0.1 / (t + 1), 4)
    x = 1.0
    for t in range(4):
        x = x - 0.1 / (t + 1) * 2 * x
    assert res.x == pytest.approx(x, rel=1e-15)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.0},
        {"lr": -0.1},
        {"lr": float("nan")},
        {"lr": "0.1"},
        {"n_steps": -1},
        {"n_steps": 2.5},
        {"x0": [1.0, 2.0]},
        {"x0": float("inf")},
        {"tol": -1.0},
        {"on_divergence": "ignore"},
    ],
)
def test_1d_bad_inputs(kwargs):
    args = {"df": lambda x: 2 * x, "x0": 1.0, "lr": 0.1, "n_steps": 3} | kwargs
    with pytest.raises(ValueError):
        descent.gradient_descent_1d(**args)


def test_1d_df_must_return_one_number():
    with pytest.raises(ValueError, match="one number"):
        descent.gradient_descent_1d(lambda x: np.array([x, x]), 1.0, 0.1, 3)


# --------------------------------------------------------------------------------------------
# n-D


def test_nd_matches_matrix_power_closed_form_and_keeps_x0():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    fn = quadratic(A)
    x0 = np.array([1.0, -2.0])
    x0_before = x0.copy()
    res = descent.gradient_descent(fn.grad, x0, 0.2, max_iter=7, tol=None)
    M = np.eye(2) - 0.2 * A
    expected = np.array([np.linalg.matrix_power(M, k) @ x0 for k in range(8)])
    np.testing.assert_allclose(res.path, expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(x0, x0_before)
    assert res.path.shape == (8, 2) and res.path.dtype == np.float64
    np.testing.assert_array_equal(res.x, res.path[-1])


def test_nd_integer_x0_and_lists_are_accepted():
    res = descent.gradient_descent(lambda x: 2 * x, [3, 4], 0.25, max_iter=2, tol=None)
    np.testing.assert_allclose(res.path[-1], [0.75, 1.0])


def test_nd_does_not_let_grad_mutate_the_iterate():
    def sneaky(x):
        g = 2 * x
        x[:] = 100.0  # a gradient function that scribbles on its argument
        return g

    res = descent.gradient_descent(sneaky, [1.0, 1.0], 0.25, max_iter=3, tol=None)
    np.testing.assert_allclose(res.path[-1], [0.125, 0.125])


def test_nd_converges_to_the_minimum_with_tolerance():
    fn = quadratic([[2.0, 0.5], [0.5, 1.0]], b=[1.0, 1.0])
    res = descent.gradient_descent(fn.grad, [0.0, 0.0], 0.5, max_iter=10000, tol=1e-10, f=fn)
    assert res.status == "converged"
    np.testing.assert_allclose(res.x, fn.minima[0], atol=1e-9)
    assert np.linalg.norm(fn.grad(res.x)) <= 1e-10 < np.linalg.norm(fn.grad(res.path[-2]))
    np.testing.assert_allclose(res.losses, [fn(p) for p in res.path], rtol=1e-15)


def test_nd_divergence_hint_names_the_bound():
    fn = quadratic_bowl((1.0, 10.0))
    with pytest.raises(DivergenceError) as info:
        descent.gradient_descent(fn.grad, [1.0, 1.0], 0.25, max_iter=1000)
    assert "lr = 0.25 is too large" in str(info.value)
    assert "below 0.2 " in str(info.value)  # 2/λmax = 2/10


def test_nd_rosenbrock_runs_and_stays_finite_when_diverging():
    fn = rosenbrock()
    res = descent.gradient_descent(fn.grad, [-1.5, 2.0], 0.01, 100, f=fn, on_divergence="stop")
    assert res.status == "diverged" and np.all(np.isfinite(res.path))
    assert np.all(np.isfinite(res.losses)) and len(res.losses) == len(res.path)


def test_nd_grad_shape_is_checked():
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        descent.gradient_descent(lambda x: x[:, None], [1.0, 2.0], 0.1, 3)
    with pytest.raises(ValueError, match=r"x0 must have shape \(d,\)"):
        descent.gradient_descent(lambda x: x, [[1.0, 2.0]], 0.1, 3)


def test_nd_schedule_and_zero_iterations():
    res = descent.gradient_descent(lambda x: x, [1.0], lambda t: 0.5**t, max_iter=3, tol=None)
    np.testing.assert_allclose(res.path[:, 0], [1.0, 0.0, 0.0, 0.0])
    res0 = descent.gradient_descent(lambda x: x, [1.0], 0.1, max_iter=0, tol=None)
    assert res0.n_iter == 0 and res0.path.shape == (1, 1)
    with pytest.raises(ValueError, match="schedule"):
        descent.gradient_descent(lambda x: x, [1.0], lambda t: -1.0, max_iter=3)


def test_result_is_frozen_and_read_only():
    res = descent.gradient_descent(lambda x: x, [1.0, 2.0], 0.1, max_iter=3, tol=None)
    assert isinstance(res, DescentResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.status = "converged"
    with pytest.raises(ValueError):
        res.path[0, 0] = 5.0
    assert "max_iter" in repr(res)


# --------------------------------------------------------------------------------------------
# Momentum, in torch's convention


def test_heavy_ball_first_steps_unrolled_by_hand():
    A = np.diag([1.0, 3.0])
    g = lambda x: A @ x  # noqa: E731
    lr, beta = 0.1, 0.9
    x0 = np.array([1.0, 1.0])
    g0 = g(x0)
    x1 = x0 - lr * g0  # b₁ = g₀
    b1 = g0
    b2 = beta * b1 + g(x1)
    x2 = x1 - lr * b2
    b3 = beta * b2 + g(x2)
    x3 = x2 - lr * b3
    res = descent.heavy_ball(g, x0, lr, beta, 3)
    np.testing.assert_allclose(res.path, [x0, x1, x2, x3], rtol=1e-15)


def test_heavy_ball_equals_polyak_form():
    fn = quadratic_bowl((0.3, 2.0), angle=0.4)
    lr, beta = 0.4, 0.7
    res = descent.heavy_ball(fn.grad, [2.0, -1.0], lr, beta, 30)
    p = res.path
    for k in range(1, 30):
        polyak = p[k] - lr * fn.grad(p[k]) + beta * (p[k] - p[k - 1])
        np.testing.assert_allclose(p[k + 1], polyak, rtol=1e-12, atol=1e-14)


def test_nesterov_first_steps_unrolled_by_hand():
    A = np.diag([1.0, 3.0])
    g = lambda x: A @ x  # noqa: E731
    lr, beta = 0.1, 0.9
    x0 = np.array([1.0, -1.0])
    b1 = g(x0)
    x1 = x0 - lr * (g(x0) + beta * b1)
    b2 = beta * b1 + g(x1)
    x2 = x1 - lr * (g(x1) + beta * b2)
    res = descent.nesterov(g, x0, lr, beta, 2)
    np.testing.assert_allclose(res.path, [x0, x1, x2], rtol=1e-15)


def test_momentum_zero_beta_is_gradient_descent():
    fn = quadratic_bowl()
    a = descent.heavy_ball(fn.grad, [1.0, 1.0], 0.1, 0.0, 20)
    b = descent.nesterov(fn.grad, [1.0, 1.0], 0.1, 0.0, 20)
    c = descent.gradient_descent(fn.grad, [1.0, 1.0], 0.1, 20, tol=None)
    np.testing.assert_allclose(a.path, c.path, rtol=1e-15)
    np.testing.assert_allclose(b.path, c.path, rtol=1e-15)


def test_heavy_ball_divergence_hint_uses_two_plus_two_beta():
    fn = quadratic_bowl((1.0, 10.0))
    with pytest.raises(DivergenceError, match=r"below 0\.3 ") as info:
        descent.heavy_ball(fn.grad, [1.0, 1.0], 0.35, 0.5, 2000)  # (2 + 1)/10 = 0.3
    assert info.value.result.status == "diverged"
    with pytest.raises(ValueError):
        descent.heavy_ball(fn.grad, [1.0, 1.0], 0.1, -0.5, 10)


# --------------------------------------------------------------------------------------------
# run_optimizer


class FakeSGD:
    """The gdutils.optim contract: update the given arrays in place."""

    def __init__(self, params, lr, momentum=0.0):
        self.params, self.lr, self.momentum = params, lr, momentum
        self.bufs = [None for _ in params]

    def step(self, grads):
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            b = g.copy() if self.bufs[i] is None else self.momentum * self.bufs[i] + g
            self.bufs[i] = b
            p -= self.lr * b


def test_run_optimizer_with_a_fake_sgd_equals_the_reference_loops():
    fn = quadratic_bowl((0.5, 3.0), angle=0.2)
    r1 = descent.run_optimizer(lambda p: FakeSGD(p, 0.2), fn.grad, [1.0, 2.0], 15, f=fn)
    r2 = descent.gradient_descent(fn.grad, [1.0, 2.0], 0.2, 15, tol=None, f=fn)
    np.testing.assert_allclose(r1.path, r2.path, rtol=1e-15)
    np.testing.assert_allclose(r1.losses, r2.losses, rtol=1e-15)
    r3 = descent.run_optimizer(lambda p: FakeSGD(p, 0.2, momentum=0.8), fn.grad, [1.0, 2.0], 15)
    r4 = descent.heavy_ball(fn.grad, [1.0, 2.0], 0.2, 0.8, 15)
    np.testing.assert_allclose(r3.path, r4.path, rtol=1e-15)


def test_run_optimizer_divergence_and_contract_errors():
    fn = quadratic_bowl((1.0, 10.0))
    res = descent.run_optimizer(
        lambda p: FakeSGD(p, 0.5), fn.grad, [1.0, 1.0], 100, on_divergence="stop"
    )
    assert res.status == "diverged" and "FakeSGD" in res.message and "lr = 0.5" in res.message

    class Rebinder(FakeSGD):
        def step(self, grads):
            self.params = [p - self.lr * g for p, g in zip(self.params, grads, strict=True)]

    with pytest.raises(ValueError, match="in place"):
        descent.run_optimizer(lambda p: Rebinder(p, 0.1), fn.grad, [1.0, 1.0], 5)
    with pytest.raises(ValueError, match="step"):
        descent.run_optimizer(lambda p: object(), fn.grad, [1.0, 1.0], 5)


def test_run_optimizer_with_gdutils_optim_if_available():
    optim = pytest.importorskip("gdutils.optim")
    fn = quadratic_bowl((0.5, 3.0), angle=0.2)
    r1 = descent.run_optimizer(
        lambda p: optim.SGD(p, lr=0.2, momentum=0.8), fn.grad, [1.0, 2.0], 25
    )
    r2 = descent.heavy_ball(fn.grad, [1.0, 2.0], 0.2, 0.8, 25)
    np.testing.assert_allclose(r1.path, r2.path, rtol=1e-13)
    r3 = descent.run_optimizer(
        lambda p: optim.SGD(p, lr=0.2, momentum=0.8, nesterov=True), fn.grad, [1.0, 2.0], 25
    )
    r4 = descent.nesterov(fn.grad, [1.0, 2.0], 0.2, 0.8, 25)
    np.testing.assert_allclose(r3.path, r4.path, rtol=1e-13)


# --------------------------------------------------------------------------------------------
# Reference tags


@pytest.mark.parametrize(
    "fn, exercise",
    [
        (descent.gradient_descent_1d, "02-gd-1d"),
        (descent.gradient_descent, "03-gd-nd"),
        (descent.heavy_ball, "10-momentum"),
        (descent.nesterov, "10-momentum"),
    ],
)
def test_reference_tags(fn, exercise):
    assert f"gdutils.descent.{fn.__name__}" in checks.references_for(exercise)
    with checks.forbid_reference(exercise), pytest.raises(checks.DelegationError):
        if fn is descent.gradient_descent_1d:
            fn(lambda x: 2 * x, 1.0, 0.1, 3)
        elif fn is descent.gradient_descent:
            fn(lambda x: 2 * x, [1.0], 0.1, 3)
        else:
            fn(lambda x: 2 * x, [1.0], 0.1, 0.5, 3)
    # untouched outside the guard, and not forbidden by other exercises
    with checks.forbid_reference("01-derivatives"):
        descent.gradient_descent_1d(lambda x: 2 * x, 1.0, 0.1, 3)


def test_non_finite_gradient_at_the_start_is_not_blamed_on_lr():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = descent.gradient_descent_1d(lambda x: 1e308 * x, 10.0, 1.0, 10, on_divergence="stop")
        res2 = descent.gradient_descent(
            lambda x: np.exp(x), [800.0, 1.0], 0.1, 10, on_divergence="stop"
        )
    assert res.status == "diverged" and "starting point" in res.message
    assert res.n_iter == 0 and res.path.tolist() == [10.0]
    assert "starting point" in res2.message


def test_non_finite_iterate_message_names_the_previous_value():
    res = descent.gradient_descent(
        lambda x: np.array([1e308]),
        [1e11],
        1e10,
        3,
        tol=None,
        divergence_threshold=1e300,
        on_divergence="stop",
    )
    assert res.status == "diverged" and "not finite" in res.message and "1e+11" in res.message


def test_a_finite_gradient_whose_norm_overflows_is_not_called_non_finite():
    # ‖g‖² = 2e400 overflows, yet every entry is finite: the step is taken and the run stops on
    # the divergence threshold, not on a "gradient is not finite" it never had
    res = descent.gradient_descent(lambda x: np.array([1e200, 1e200]), [0.0, 0.0], 1.0, 3,
                                   tol=1e-8, on_divergence="stop")
    assert res.status == "diverged"
    assert "exceeds" in res.message and "gradient" not in res.message.split(":")[1]
    assert np.array_equal(res.path[-1], [-1e200, -1e200])
