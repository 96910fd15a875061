"""gdutils.optim: update rules checked by hand on tiny cases, closed forms, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdutils import checks, optim
from gdutils.optim import SGD, Adagrad, Adam, AdamW, RMSprop

ALL = [SGD, Adagrad, RMSprop, Adam, AdamW]


def quad_grad(A: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient of f(x) = ½ xᵀAx − bᵀx."""
    return A @ x - b


# ---------------------------------------------------------------------------------------------
# SGD


def test_sgd_on_a_diagonal_quadratic_follows_the_closed_form() -> None:
    # f = ½ Σ a_i x_i²: each coordinate contracts by (1 − lr·a_i) per step
    a = np.array([0.5, 2.0, 3.9])
    x0 = np.array([1.0, -2.0, 0.5])
    x = x0.copy()
    opt = SGD([x], lr=0.25)
    for _ in range(30):
        opt.step([a * x])
    np.testing.assert_allclose(x, (1 - 0.25 * a) ** 30 * x0, rtol=1e-12, atol=1e-300)


def test_sgd_default_learning_rate_is_torchs() -> None:
    x = np.array([1.0])
    SGD([x]).step([np.array([1.0])])
    assert x[0] == pytest.approx(1.0 - 1e-3, abs=1e-15)


def test_sgd_momentum_by_hand() -> None:
    lr, mu = 0.1, 0.9
    x = np.array([1.0])
    opt = SGD([x], lr=lr, momentum=mu)
    g1, g2, g3 = 2.0, -1.0, 0.5
    opt.step([np.array([g1])])
    b = g1  # b₁ = g₁
    expect = 1.0 - lr * b
    assert x[0] == pytest.approx(expect, abs=1e-15)
    opt.step([np.array([g2])])
    b = mu * b + g2
    expect -= lr * b
    assert x[0] == pytest.approx(expect, abs=1e-15)
    opt.step([np.array([g3])])
    b = mu * b + g3
    expect -= lr * b
    assert x[0] == pytest.approx(expect, abs=1e-15)
    assert opt.state[0]["momentum_buffer"][0] == pytest.approx(b, abs=1e-15)
    assert opt.state[0]["step"] == 3 and opt.t == 3


def test_sgd_dampening_spares_the_first_step() -> None:
    lr, mu, tau = 0.1, 0.5, 0.75
    x = np.array([0.0])
    opt = SGD([x], lr=lr, momentum=mu, dampening=tau)
    opt.step([np.array([4.0])])
    assert opt.state[0]["momentum_buffer"][0] == 4.0  # not (1 − τ)·4
    opt.step([np.array([8.0])])
    assert opt.state[0]["momentum_buffer"][0] == pytest.approx(mu * 4.0 + (1 - tau) * 8.0)
    assert x[0] == pytest.approx(-lr * 4.0 - lr * (mu * 4.0 + (1 - tau) * 8.0))


def test_sgd_nesterov_by_hand() -> None:
    lr, mu = 0.1, 0.9
    x = np.array([1.0])
    opt = SGD([x], lr=lr, momentum=mu, nesterov=True)
    opt.step([np.array([2.0])])
    assert x[0] == pytest.approx(1.0 - lr * (2.0 + mu * 2.0))  # b₁ = g, d = g + μb
    opt.step([np.array([1.0])])
    b = mu * 2.0 + 1.0
    assert x[0] == pytest.approx(1.0 - lr * 3.8 - lr * (1.0 + mu * b))


def test_sgd_nesterov_equals_sutskever_lookahead_reparametrised() -> None:
    # Sutskever: v ← μv − γ∇f(x + μv); x ← x + v.  torch's θ is the look-ahead point x + μv.
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    bvec = np.array([1.0, -1.0])
    lr, mu = 0.05, 0.8
    theta = np.array([2.0, -1.0])
    opt = SGD([theta], lr=lr, momentum=mu, nesterov=True)
    x, v = theta.copy(), np.zeros(2)
    for _ in range(40):
        opt.step([quad_grad(A, bvec, theta)])
        v = mu * v - lr * quad_grad(A, bvec, x + mu * v)
        x = x + v
        np.testing.assert_allclose(theta, x + mu * v, rtol=1e-12, atol=1e-14)


def test_heavy_ball_matches_sutskever_until_the_learning_rate_changes() -> None:
    A = np.diag([1.0, 10.0])
    bvec = np.array([1.0, 1.0])
    lr, mu = 0.05, 0.9
    theta = np.array([3.0, -2.0])
    opt = SGD([theta], lr=lr, momentum=mu)
    x, v = theta.copy(), np.zeros(2)
    for _ in range(25):
        opt.step([quad_grad(A, bvec, theta)])
        v = mu * v - lr * quad_grad(A, bvec, x)
        x = x + v
    np.testing.assert_allclose(theta, x, rtol=1e-12)
    # halve the learning rate: torch rescales the whole buffer, Sutskever's v keeps the past
    opt.lr = lr / 2
    b_before = opt.state[0]["momentum_buffer"].copy()
    g = quad_grad(A, bvec, theta)
    expected = theta - (lr / 2) * (mu * b_before + g)
    opt.step([g])
    np.testing.assert_allclose(theta, expected, rtol=1e-14)
    v = mu * v - (lr / 2) * quad_grad(A, bvec, x)
    x = x + v
    assert np.max(np.abs(theta - x)) > 1e-3


def test_sgd_weight_decay_is_added_to_the_gradient() -> None:
    x = np.array([2.0, -1.0])
    g = np.array([0.5, 0.5])
    g_before = g.copy()
    SGD([x], lr=0.1, weight_decay=0.2).step([g])
    np.testing.assert_allclose(
        x, np.array([2.0, -1.0]) - 0.1 * (g_before + 0.2 * np.array([2.0, -1.0]))
    )
    np.testing.assert_array_equal(g, g_before)  # the caller's gradient is not modified


def test_sgd_momentum_with_weight_decay_buffers_the_decayed_gradient() -> None:
    x = np.array([1.0])
    opt = SGD([x], lr=0.1, momentum=0.5, weight_decay=0.1)
    opt.step([np.array([1.0])])
    assert opt.state[0]["momentum_buffer"][0] == pytest.approx(1.1)
    assert x[0] == pytest.approx(1.0 - 0.11)


def test_zero_learning_rate_leaves_params_alone_but_updates_state() -> None:
    x = np.array([1.0, 2.0])
    opt = Adam([x], lr=0.0)
    opt.step([np.array([1.0, -1.0])])
    np.testing.assert_array_equal(x, [1.0, 2.0])
    assert opt.t == 1 and np.all(opt.state[0]["exp_avg"] != 0)


# ---------------------------------------------------------------------------------------------
# Adagrad


def test_adagrad_first_step_and_accumulation_by_hand() -> None:
    lr, eps = 0.5, 1e-10
    x = np.array([1.0, 1.0])
    opt = Adagrad([x], lr=lr)
    g1 = np.array([3.0, -0.25])
    opt.step([g1])
    np.testing.assert_allclose(x, 1.0 - lr * g1 / (np.abs(g1) + eps), rtol=1e-15)
    g2 = np.array([4.0, 0.25])
    x1 = x.copy()
    opt.step([g2])
    s = g1**2 + g2**2
    np.testing.assert_allclose(opt.state[0]["sum"], s)
    np.testing.assert_allclose(x, x1 - lr * g2 / (np.sqrt(s) + eps), rtol=1e-15)


def test_adagrad_lr_decay_and_initial_accumulator() -> None:
    lr, decay, s0 = 0.1, 0.5, 2.0
    x = np.array([0.0])
    opt = Adagrad([x], lr=lr, lr_decay=decay, initial_accumulator_value=s0)
    np.testing.assert_array_equal(opt.state[0]["sum"], [s0])  # created at construction
    expected, s = 0.0, s0
    for t, g in enumerate([1.0, 2.0, -1.0, 0.5], start=1):
        opt.step([np.array([g])])
        s += g * g
        expected -= lr / (1 + (t - 1) * decay) * g / (math.sqrt(s) + 1e-10)
        assert x[0] == pytest.approx(expected, abs=1e-15)


def test_adagrad_eps_is_outside_the_root() -> None:
    # g = 1e-8, ε = 1e-10: √(g²) + ε ≈ 1.01e-8 → a step ≈ lr; ε inside the root would give 1e-3·lr
    x = np.array([0.0])
    Adagrad([x], lr=1.0).step([np.array([1e-8])])
    assert x[0] == pytest.approx(-1e-8 / (1e-8 + 1e-10), rel=1e-12)


# ---------------------------------------------------------------------------------------------
# RMSprop


def test_rmsprop_first_step_has_no_bias_correction() -> None:
    lr, alpha, eps = 0.01, 0.99, 1e-8
    g = np.array([2.0, -3.0, 1e-9])
    x = np.zeros(3)
    RMSprop([x], lr=lr, alpha=alpha).step([g])
    np.testing.assert_allclose(x, -lr * g / (math.sqrt(1 - alpha) * np.abs(g) + eps), rtol=1e-14)
    assert x[0] == pytest.approx(-lr * 10.0, rel=1e-6)  # ≈ 10 lr for α = 0.99


def test_rmsprop_centered_first_step() -> None:
    lr, alpha = 0.01, 0.9
    g = np.array([2.0])
    x = np.zeros(1)
    RMSprop([x], lr=lr, alpha=alpha, centered=True).step([g])
    # v − ḡ² = (1−α)g² − (1−α)²g² = α(1−α)g²
    assert x[0] == pytest.approx(-lr * 2.0 / (math.sqrt(alpha * (1 - alpha)) * 2.0 + 1e-8))


def test_rmsprop_momentum_two_steps_by_hand() -> None:
    lr, alpha, mu, eps = 0.1, 0.5, 0.9, 1e-8
    x = np.array([0.0])
    opt = RMSprop([x], lr=lr, alpha=alpha, momentum=mu)
    v = b = theta = 0.0
    for g in (1.0, -2.0):
        opt.step([np.array([g])])
        v = alpha * v + (1 - alpha) * g * g
        b = mu * b + g / (math.sqrt(v) + eps)
        theta -= lr * b
        assert x[0] == pytest.approx(theta, abs=1e-15)
    assert set(opt.state[0]) == {"step", "square_avg", "momentum_buffer"}


def test_rmsprop_centered_with_constant_gradient_never_gives_nan() -> None:
    x = np.array([1.0, -1.0])
    opt = RMSprop([x], lr=1e-3, alpha=0.5, centered=True)
    for _ in range(200):
        opt.step([np.array([0.3, 1e-3])])
    assert np.all(np.isfinite(x))


# ---------------------------------------------------------------------------------------------
# Adam and AdamW


@pytest.mark.parametrize("cls", [Adam, AdamW])
def test_adam_first_step_is_lr_g_over_abs_g_plus_eps(cls: type) -> None:
    lr, eps = 1e-3, 1e-8
    g = np.array([5.0, -0.01, 1e-8, -1e-12, 0.0])
    x = np.ones(5)
    cls([x], lr=lr, weight_decay=0.0).step([g])
    np.testing.assert_allclose(x, 1.0 - lr * g / (np.abs(g) + eps), rtol=1e-14, atol=0)
    # with g = 1e-8 the step is lr/2 (ε outside the root); ε inside would give ≈ 1e-4·lr
    assert 1.0 - x[2] == pytest.approx(lr / 2, rel=1e-8)


def test_adam_with_a_constant_gradient_moves_lr_per_step() -> None:
    # bias correction makes m̂ = g and v̂ = g² exactly when g is constant
    lr = 0.01
    g = np.array([0.3, -7.0])
    x = np.zeros(2)
    opt = Adam([x], lr=lr)
    for t in range(1, 51):
        opt.step([g])
        np.testing.assert_allclose(x, -t * lr * g / (np.abs(g) + 1e-8), rtol=1e-12)
    assert opt.state[0]["step"] == 50
    np.testing.assert_allclose(opt.state[0]["exp_avg"], (1 - 0.9**50) * g, rtol=1e-12)
    np.testing.assert_allclose(opt.state[0]["exp_avg_sq"], (1 - 0.999**50) * g**2, rtol=1e-12)


def test_adam_two_steps_by_hand_with_custom_betas() -> None:
    lr, b1, b2, eps = 0.1, 0.5, 0.75, 1e-6
    x = np.array([1.0])
    opt = Adam([x], lr=lr, betas=(b1, b2), eps=eps)
    m = v = 0.0
    theta = 1.0
    for t, g in enumerate((1.0, -3.0), start=1):
        opt.step([np.array([g])])
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta -= lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        assert x[0] == pytest.approx(theta, abs=1e-15)


def test_adam_learning_rate_change_applies_from_the_next_step() -> None:
    x = np.array([0.0])
    opt = Adam([x], lr=0.1)
    opt.step([np.array([1.0])])
    assert x[0] == pytest.approx(-0.1, rel=1e-7)
    opt.lr = 0.01
    opt.step([np.array([1.0])])
    assert x[0] == pytest.approx(-0.11, rel=1e-6)


def test_amsgrad_uses_the_running_maximum_of_v() -> None:
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    x = np.array([0.0])
    opt = Adam([x], lr=lr, amsgrad=True)
    m = v = vmax = theta = 0.0
    for t, g in enumerate((10.0, 0.1, 0.1), start=1):
        opt.step([np.array([g])])
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = max(vmax, v)
        theta -= lr * (m / (1 - b1**t)) / (math.sqrt(vmax / (1 - b2**t)) + eps)
        assert x[0] == pytest.approx(theta, rel=1e-13)
    st = opt.state[0]
    assert st["max_exp_avg_sq"][0] == pytest.approx(vmax) and st["exp_avg_sq"][0] < vmax


def test_adam_weight_decay_is_l2_and_adamw_is_decoupled() -> None:
    lr, wd = 0.1, 0.5
    g = np.array([0.2])
    x_adam, x_adamw = np.array([2.0]), np.array([2.0])
    Adam([x_adam], lr=lr, weight_decay=wd).step([g])
    AdamW([x_adamw], lr=lr, weight_decay=wd).step([g])
    g_l2 = 0.2 + wd * 2.0
    assert x_adam[0] == pytest.approx(2.0 - lr * g_l2 / (abs(g_l2) + 1e-8), abs=1e-15)
    assert x_adamw[0] == pytest.approx(2.0 * (1 - lr * wd) - lr * 0.2 / (0.2 + 1e-8), abs=1e-15)


def test_adamw_default_weight_decay_is_torchs() -> None:
    assert AdamW([np.zeros(1)]).weight_decay == 1e-2
    assert Adam([np.zeros(1)]).weight_decay == 0.0
    x = np.array([1.0])
    AdamW([x]).step([np.array([0.0])])  # zero gradient: only the decay acts
    assert x[0] == pytest.approx(1.0 - 1e-3 * 1e-2, abs=1e-16)


# ---------------------------------------------------------------------------------------------
# In-place updates, several parameters, state and reset


@pytest.mark.parametrize("cls", ALL)
def test_updates_views_in_place_and_keeps_identity(cls: type) -> None:
    buffer = np.arange(1.0, 9.0)
    W = buffer[:6].reshape(2, 3)
    b = buffer[6:]
    opt = cls([W, b], lr=0.1)
    assert opt.params[0] is W and opt.params[1] is b
    opt.step([np.ones((2, 3)), np.ones(2)])
    assert np.all(buffer < np.arange(1.0, 9.0))  # the views wrote through to the buffer


@pytest.mark.parametrize("cls", ALL)
def test_params_are_independent(cls: type) -> None:
    # a gradient on one array must not move another
    a, b = np.array([1.0, 2.0]), np.array([[3.0]])
    opt = cls([a, b], lr=0.1)
    opt.step([np.array([1.0, -1.0]), np.zeros((1, 1))])
    expected_b = 3.0 * (1 - 0.1 * opt.weight_decay) if cls is AdamW else 3.0
    assert b[0, 0] == pytest.approx(expected_b)
    assert not np.array_equal(a, [1.0, 2.0])


@pytest.mark.parametrize("cls", ALL)
def test_step_does_not_modify_the_gradients(cls: type) -> None:
    x = np.array([1.0, -2.0])
    g = np.array([0.5, 0.25])
    kwargs = {"weight_decay": 0.1}
    if cls is SGD:
        kwargs["momentum"] = 0.9
    opt = cls([x], lr=0.1, **kwargs)
    for _ in range(3):
        opt.step([g])
    np.testing.assert_array_equal(g, [0.5, 0.25])


@pytest.mark.parametrize("cls", ALL)
def test_reset_restarts_the_optimiser(cls: type) -> None:
    kwargs = {"momentum": 0.9} if cls in (SGD, RMSprop) else {}
    x = np.array([1.0, -1.0])
    opt = cls([x], lr=0.1, **kwargs)
    for g in ([1.0, 2.0], [-1.0, 0.5], [3.0, 3.0]):
        opt.step([np.array(g)])
    opt.reset()
    assert opt.t == 0
    start = x.copy()
    opt.step([np.array([1.0, 2.0])])
    y = start.copy()
    cls([y], lr=0.1, **kwargs).step([np.array([1.0, 2.0])])
    np.testing.assert_array_equal(x, y)  # identical to a fresh optimiser's first step


def test_state_keys_follow_torch() -> None:
    x = np.zeros(2)
    g = [np.ones(2)]
    sgd = SGD([x], lr=0.1, momentum=0.9)
    sgd.step(g)
    assert set(sgd.state[0]) == {"step", "momentum_buffer"}
    plain = SGD([x], lr=0.1)
    plain.step(g)
    assert "momentum_buffer" not in plain.state[0]
    rms = RMSprop([x], centered=True)
    rms.step(g)
    assert set(rms.state[0]) == {"step", "square_avg", "grad_avg"}
    adam = Adam([x])
    assert adam.state == [{}]
    adam.step(g)
    assert set(adam.state[0]) == {"step", "exp_avg", "exp_avg_sq"}
    ada = Adagrad([x])
    assert set(ada.state[0]) == {"step", "sum"}


@pytest.mark.parametrize("cls", ALL)
def test_repr_names_the_class_and_learning_rate(cls: type) -> None:
    text = repr(cls([np.zeros(3)], lr=0.125))
    assert text.startswith(cls.__name__ + "(") and "lr=0.125" in text and "t=0" in text


def test_hyperparameters_can_change_between_steps() -> None:
    x = np.array([0.0])
    opt = SGD([x], lr=0.1)
    opt.step([np.array([1.0])])
    opt.momentum = 0.5  # buffer starts now, with b = g
    opt.step([np.array([1.0])])
    assert x[0] == pytest.approx(-0.2)
    assert opt.state[0]["momentum_buffer"][0] == 1.0


# ---------------------------------------------------------------------------------------------
# Validation


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize(
    "params, match",
    [
        ([], "empty"),
        (np.zeros(3), "single array"),
        ([np.zeros(3, dtype=np.float32)], r"params\[0\] must have dtype float64"),
        ([np.zeros(3), np.arange(3)], r"params\[1\] must have dtype float64"),
        ([[1.0, 2.0]], r"params\[0\] must be a float64 numpy array"),
        ({1, 2}, "ordered list"),
        (42, "list of float64"),
    ],
)
def test_bad_params_are_refused(cls: type, params: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        cls(params)


def test_duplicate_and_read_only_params_are_refused() -> None:
    x = np.zeros(2)
    with pytest.raises(ValueError, match="more than once"):
        SGD([x, x])
    ro = np.zeros(2)
    ro.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        Adam([ro])


def test_params_may_be_a_tuple_or_generator() -> None:
    a, b = np.zeros(1), np.zeros(2)
    assert SGD((a, b)).params[1] is b
    assert SGD(p for p in (a, b)).params[0] is a


@pytest.mark.parametrize("cls", ALL)
def test_bad_grads_are_refused(cls: type) -> None:
    opt = cls([np.zeros((2, 3)), np.zeros(3)])
    with pytest.raises(ValueError, match="expected 2 gradients"):
        opt.step([np.zeros((2, 3))])
    with pytest.raises(
        ValueError, match=r"grads\[1\] has shape \(3, 1\), but params\[1\] has shape \(3,\)"
    ):
        opt.step([np.zeros((2, 3)), np.zeros((3, 1))])
    with pytest.raises(ValueError, match=r"grads\[0\] has shape \(3, 2\)"):
        opt.step([np.zeros((3, 2)), np.zeros(3)])
    with pytest.raises(ValueError, match=r"grads\[0\] must have dtype float64"):
        opt.step([np.zeros((2, 3), dtype=np.float32), np.zeros(3)])
    with pytest.raises(ValueError, match=r"grads\[1\] must be a numpy array"):
        opt.step([np.zeros((2, 3)), [0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="wrap it in a list"):
        opt.step(np.zeros(3))
    assert opt.t == 0  # nothing happened


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda p: SGD(p, lr=-0.1), r"lr must be a finite number >= 0, got -0\.1"),
        (lambda p: SGD(p, lr=float("nan")), "lr must be a finite number"),
        (lambda p: SGD(p, lr="0.1"), "lr must be a finite number"),
        (lambda p: SGD(p, momentum=-0.5), "momentum must be a finite number >= 0"),
        (lambda p: SGD(p, momentum=0.9, dampening=1.5), r"dampening must be a number in \[0, 1\]"),
        (lambda p: SGD(p, weight_decay=-1e-3), "weight_decay must be a finite number >= 0"),
        (
            lambda p: SGD(p, nesterov=True),
            "Nesterov momentum requires a momentum and zero dampening",
        ),
        (lambda p: SGD(p, nesterov=True, momentum=0.9, dampening=0.1), "zero dampening"),
        (lambda p: SGD(p, nesterov=1), "nesterov must be True or False"),
        (lambda p: Adagrad(p, lr_decay=-1.0), "lr_decay must be a finite number >= 0"),
        (lambda p: Adagrad(p, eps=0.0), r"eps must be a finite number > 0, got 0\.0"),
        (lambda p: Adagrad(p, initial_accumulator_value=-1.0), "initial_accumulator_value"),
        (lambda p: RMSprop(p, alpha=1.0), r"alpha must be a number in \[0, 1\)"),
        (lambda p: RMSprop(p, alpha=-0.1), r"alpha must be a number in \[0, 1\)"),
        (lambda p: RMSprop(p, eps=-1e-8), "eps must be a finite number > 0"),
        (lambda p: RMSprop(p, momentum=-1.0), "momentum must be a finite number >= 0"),
        (lambda p: RMSprop(p, centered="yes"), "centered must be True or False"),
        (lambda p: Adam(p, betas=(1.0, 0.999)), r"betas\[0\] must be a number in \[0, 1\), got 1\.0"),
        (lambda p: Adam(p, betas=(0.9, -0.1)), r"betas\[1\] must be a number in \[0, 1\)"),
        (lambda p: Adam(p, betas=0.9), "betas must be a pair"),
        (lambda p: Adam(p, betas=(0.9, 0.99, 0.999)), "betas must be a pair"),
        (lambda p: Adam(p, eps=0.0), "eps must be a finite number > 0"),
        (lambda p: Adam(p, weight_decay=-0.1), "weight_decay must be a finite number >= 0"),
        (lambda p: AdamW(p, lr=-1.0), "lr must be a finite number >= 0"),
        (lambda p: AdamW(p, amsgrad=None), "amsgrad must be True or False"),
    ],
)
def test_bad_hyperparameters_are_refused(make, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make([np.zeros(2)])


def test_assigning_a_bad_value_later_is_refused() -> None:
    opt = Adam([np.zeros(2)])
    with pytest.raises(ValueError, match="lr must be a finite number >= 0"):
        opt.lr = -1e-3
    assert opt.lr == 1e-3
    sgd = SGD([np.zeros(2)], momentum=0.9, nesterov=True)
    sgd.momentum = 0.0
    with pytest.raises(ValueError, match="Nesterov"):
        sgd.step([np.zeros(2)])


def test_defaults_are_torchs() -> None:
    p = [np.zeros(1)]
    s = SGD(p)
    assert (s.lr, s.momentum, s.dampening, s.nesterov, s.weight_decay) == (1e-3, 0, 0, False, 0)
    a = Adagrad(p)
    assert (a.lr, a.lr_decay, a.weight_decay, a.eps, a.initial_accumulator_value) == (
        1e-2,
        0,
        0,
        1e-10,
        0,
    )
    r = RMSprop(p)
    assert (r.lr, r.alpha, r.eps, r.weight_decay, r.momentum, r.centered) == (
        1e-2,
        0.99,
        1e-8,
        0,
        0,
        False,
    )
    for cls, wd in ((Adam, 0.0), (AdamW, 1e-2)):
        o = cls(p)
        assert (o.lr, o.betas, o.eps, o.weight_decay, o.amsgrad) == (
            1e-3,
            (0.9, 0.999),
            1e-8,
            wd,
            False,
        )


# ---------------------------------------------------------------------------------------------
# Reference tags


def test_reference_tags() -> None:
    assert SGD.__gd_reference__ == ("10-momentum",)
    for cls in (Adagrad, RMSprop, Adam, AdamW):
        assert cls.__gd_reference__ == ("11-adaptive",)
    assert "gdutils.optim.Adam" in checks.references_for("11-adaptive")


def test_forbidden_reference_refuses_construction_and_step() -> None:
    x = np.zeros(2)
    opt = Adam([x])
    with checks.forbid_reference("11-adaptive"):
        with pytest.raises(checks.DelegationError, match="gdutils.optim.Adam"):
            Adam([x])
        with pytest.raises(checks.DelegationError, match="Adam.step"):
            opt.step([np.ones(2)])
        SGD([x], lr=0.1).step([np.ones(2)])  # another exercise's reference still works
    with checks.forbid_reference("10-momentum"):
        with pytest.raises(checks.DelegationError):
            SGD([x])
    opt.step([np.ones(2)])  # outside the block, fine


def test_module_exports() -> None:
    assert set(optim.__all__) >= {"SGD", "Adagrad", "RMSprop", "Adam", "AdamW"}
