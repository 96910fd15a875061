"""gdutils.averages: exponential moving averages against independent oracles (the explicit
weighted sum, Adam's first moment, torch's Adam state) and the course facts about their window."""

from __future__ import annotations

import numpy as np
import pytest

from gdutils import averages, checks, optim, theory


def weighted_sum(x: np.ndarray, beta: float) -> np.ndarray:
    """s_t = (1 − β) Σ_{k ≤ t} β^{t−k} x_k, computed directly for every t (the closed form)."""
    T = len(x)
    out = np.empty(T)
    for t in range(T):
        ages = np.arange(t, -1, -1)
        out[t] = (1 - beta) * np.sum(beta**ages * x[: t + 1])
    return out


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.99])
def test_ema_is_the_weighted_sum(beta: float) -> None:
    x = np.random.default_rng(3).normal(size=40)
    np.testing.assert_allclose(averages.ema(x, beta), weighted_sum(x, beta), rtol=1e-12, atol=1e-14)


def test_ema_of_a_constant_is_biased_towards_zero_until_debiased() -> None:
    x = np.full(30, 5.0)
    t = np.arange(1, 31)
    np.testing.assert_allclose(averages.ema(x, 0.9), 5.0 * (1 - 0.9**t), rtol=1e-13)
    np.testing.assert_allclose(averages.ema(x, 0.9, debias=True), 5.0, rtol=1e-13)


def test_beta_zero_returns_the_values() -> None:
    x = np.array([3.0, -1.0, 2.5])
    np.testing.assert_array_equal(averages.ema(x, 0.0), x)
    np.testing.assert_array_equal(averages.ema(x, 0.0, debias=True), x)


def test_columns_are_averaged_independently() -> None:
    X = np.random.default_rng(0).normal(size=(25, 3))
    got = averages.ema(X, 0.8, debias=True)
    assert got.shape == (25, 3)
    for j in range(3):
        np.testing.assert_allclose(got[:, j], averages.ema(X[:, j], 0.8, debias=True), rtol=1e-14)


def test_ema_is_adams_first_moment() -> None:
    # feed the values as gradients to Adam: exp_avg is the EMA with β₁, m̂ its debiased version
    x = np.random.default_rng(1).normal(size=12)
    p = np.zeros(1)
    opt = optim.Adam([p], lr=1e-3, betas=(0.8, 0.999))
    for t, g in enumerate(x, start=1):
        opt.step([np.array([g])])
        m = opt.state[0]["exp_avg"][0]
        assert m == pytest.approx(averages.ema(x[:t], 0.8)[-1], rel=1e-12)
        assert m / (1 - 0.8**t) == pytest.approx(averages.ema(x[:t], 0.8, debias=True)[-1], rel=1e-12)


@pytest.mark.torch
def test_ema_matches_torch_adams_exp_avg() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).normal(size=15)
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=1e-3, betas=(0.9, 0.999))
    got = []
    for g in x:
        p.grad = torch.tensor([g], dtype=torch.float64)
        opt.step()
        got.append(float(opt.state[p]["exp_avg"][0]))
    np.testing.assert_allclose(got, averages.ema(x, 0.9), rtol=1e-12)


def test_weights_sum_to_one_minus_beta_to_the_t_and_reproduce_the_average() -> None:
    beta, T = 0.9, 20
    w = averages.ema_weights(beta, T)
    assert w.sum() == pytest.approx(1 - beta**T, rel=1e-13)
    assert averages.ema_weights(beta, T, debias=True).sum() == pytest.approx(1.0, rel=1e-13)
    x = np.random.default_rng(4).normal(size=T)
    assert float(w @ x[::-1]) == pytest.approx(averages.ema(x, beta)[-1], rel=1e-12)


def test_window_and_half_life_facts_for_beta_0_9() -> None:
    # window 1/(1 − β) = 10; half-life: the weight of a value halves after ln ½ / ln 0.9 steps
    assert theory.ema_window(0.9) == pytest.approx(10.0)
    h = theory.ema_half_life(0.9)
    assert round(float(h), 2) == 6.58
    w = averages.ema_weights(0.9, 50)
    # the weights are (1 − β)βᵃ: halving point measured by interpolation on log weights
    a = np.interp(np.log(w[0] / 2), np.log(w[::-1]), np.arange(50)[::-1])
    assert a == pytest.approx(h, rel=1e-9)
    # the newest ⌈window⌉ values carry 1 − β¹⁰ ≈ 65 % of the weight
    assert w[:10].sum() == pytest.approx(1 - 0.9**10)


@pytest.mark.parametrize(
    "values, beta",
    [(np.zeros((2, 2, 2)), 0.5), (np.array([]), 0.5), ([1.0, np.nan], 0.5), ([1.0], 1.0),
     ([1.0], -0.1), ([1.0], True), ([1.0], "0.9")],
)
def test_ema_rejects_bad_input(values, beta) -> None:
    with pytest.raises(ValueError):
        averages.ema(values, beta)


def test_ema_weights_rejects_bad_input() -> None:
    for args in [(0.9, 0), (0.9, 2.5), (1.0, 3)]:
        with pytest.raises(ValueError):
            averages.ema_weights(*args)


def test_ema_does_not_modify_its_input_and_is_tagged() -> None:
    x = np.array([1.0, 2.0, 3.0])
    averages.ema(x, 0.5, debias=True)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    assert "gdutils.averages.ema" in checks.references_for("10-momentum")
    with checks.forbid_reference("10-momentum"), pytest.raises(checks.DelegationError):
        averages.ema(x, 0.5)
