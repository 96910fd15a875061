"""Warm-up and sweep schedules, the learning-rate range test, the update-to-weight ratio,
initialisation scales and the signal through a deep stack, gradient clipping, and the max-margin
direction — against closed forms, simulations and (where it is installed) PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdutils import checks, data, linear_models, nn, schedules, training

# ---------------------------------------------------------------------------------------------
# schedules


def test_warmup_cosine_shape() -> None:
    s = schedules.WarmupCosine(0.1, warmup_steps=10, total_steps=110, lr_min=0.01)
    t = np.arange(0, 200)
    lr = s(t)
    assert s(0) == 0.0 and s(5) == pytest.approx(0.05) and s(10) == pytest.approx(0.1)
    assert s(60) == pytest.approx(0.055) and s(110) == pytest.approx(0.01) and s(150) == pytest.approx(0.01)
    assert np.all(np.diff(lr[:11]) > 0) and np.all(np.diff(lr[10:111]) <= 0)
    # flat at both ends of the decay
    assert abs(s(11) - s(10)) < 1e-4 and abs(s(110) - s(109)) < 1e-4
    assert np.allclose(schedules.WarmupCosine(0.3, 0, 40)(t), schedules.Cosine(0.3, 40)(t))
    for bad in ((0.1, 5, 5), (0.1, -1, 5), (0.1, 2, 10, 0.5)):
        with pytest.raises(ValueError):
            schedules.WarmupCosine(*bad)


def test_warmup_cosine_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1)
    W, T = 10, 110
    sched = torch.optim.lr_scheduler.SequentialLR(opt, [
        torch.optim.lr_scheduler.LinearLR(opt, start_factor=1e-12, end_factor=1.0, total_iters=W),
        torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=T - W, eta_min=0.01)], milestones=[W])
    theirs = []
    for _ in range(T + 1):
        theirs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    ours = schedules.WarmupCosine(0.1, W, T, lr_min=0.01)(np.arange(T + 1))
    assert np.allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_exponential_sweep() -> None:
    s = schedules.ExponentialSweep(1e-4, 1.0, 5)
    assert np.allclose(s(np.arange(5)), [1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    assert s(10) == pytest.approx(1.0)
    ratios = np.diff(np.log(schedules.ExponentialSweep(1e-3, 10.0, 41)(np.arange(41))))
    assert np.allclose(ratios, ratios[0])
    with pytest.raises(ValueError):
        schedules.ExponentialSweep(1.0, 0.5, 10)


# ---------------------------------------------------------------------------------------------
# the range test and the update ratio


def test_lr_range_test_follows_its_rules() -> None:
    A = np.diag([1.0, 4.0])
    calls = []

    def bowl(theta):
        calls.append(theta.copy())
        return 0.5 * float(theta @ A @ theta), A @ theta

    theta0 = np.array([1.0, 1.0])
    lrs, losses = training.lr_range_test(bowl, theta0, 1e-3, 10.0, 41)
    assert np.array_equal(theta0, [1.0, 1.0]) and lrs.shape == losses.shape
    assert np.allclose(lrs, schedules.ExponentialSweep(1e-3, 10.0, 41)(np.arange(lrs.size)))
    assert lrs[-1] > 0.5  # it ran past the stability bound 2/λmax before blowing up
    # the recorded losses are those at the start of each step; the stopping one is not recorded
    theta = np.array([1.0, 1.0])
    for k in range(lrs.size):
        assert losses[k] == pytest.approx(0.5 * theta @ A @ theta)
        theta = theta - lrs[k] * A @ theta
    assert 0.5 * theta @ A @ theta > 4 * losses.min()
    # never more than n_steps, and a NaN stops it
    lrs2, _ = training.lr_range_test(lambda th: (float("nan"), th), np.ones(2), 1e-3, 1.0, 10)
    assert lrs2.size == 0
    with pytest.raises(ValueError):
        training.lr_range_test(bowl, theta0, 1e-3, 10.0, 41, blowup=1.0)


def test_lr_range_test_finds_the_edge_of_a_noisy_quadratic() -> None:
    rng = np.random.default_rng(0)
    lam = np.array([0.5, 3.0])

    def noisy(theta):
        return 0.5 * float(lam @ theta**2) + 1.0, lam * theta + 0.3 * rng.standard_normal(2)

    lrs, losses = training.lr_range_test(noisy, np.array([2.0, 2.0]), 1e-4, 10.0, 200)
    assert 0.5 * (2 / 3.0) < lrs[-1] < 4 * (2 / 3.0)


def test_update_ratios() -> None:
    before = [np.array([3.0, 4.0]), np.ones((2, 2))]
    after = [np.array([3.0, 4.5]), np.ones((2, 2))]
    assert np.allclose(training.update_ratios(before, after), [0.1, 0.0])
    with pytest.raises(ValueError):
        training.update_ratios(before, after[:1])


# ---------------------------------------------------------------------------------------------
# initialisation and the deep-stack probe


def test_init_std_matches_torch_init() -> None:
    torch = pytest.importorskip("torch")
    assert nn.init_std("he", 50) == pytest.approx(math.sqrt(2 / 50))
    assert nn.init_std("lecun", 50) == pytest.approx(math.sqrt(1 / 50))
    for act in ("relu", "tanh", "linear"):
        assert nn.GAINS[act] == pytest.approx(torch.nn.init.calculate_gain(act))
    torch.manual_seed(0)
    w = torch.empty(400, 300, dtype=torch.float64)  # torch: (fan_out, fan_in)
    torch.nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert float(w.std()) == pytest.approx(nn.init_std("he", 300), rel=0.01)
    torch.nn.init.xavier_normal_(w, gain=torch.nn.init.calculate_gain("tanh"))
    assert float(w.std()) == pytest.approx(nn.init_std("xavier", 300, 400, "tanh"), rel=0.01)


def test_second_moments_match_monte_carlo() -> None:
    z = np.random.default_rng(1).standard_normal(400_000)
    for q in (0.1, 1.0, 4.0):
        zq = math.sqrt(q) * z
        assert nn.second_moment("relu", q) == pytest.approx(np.mean(np.maximum(zq, 0) ** 2), rel=0.01)
        assert nn.second_moment("tanh", q) == pytest.approx(np.mean(np.tanh(zq) ** 2), rel=0.01)
        assert nn.derivative_second_moment("tanh", q) == pytest.approx(np.mean((1 - np.tanh(zq) ** 2) ** 2), rel=0.01)
        assert nn.derivative_second_moment("relu", q) == 0.5


def test_he_keeps_relu_stacks_steady_and_the_factor_decides() -> None:
    he = nn.stack_statistics(30, 64, "relu", scheme="he", seed=0)
    assert he["factor"] == pytest.approx(1.0) and np.allclose(he["pre_std_theory"], math.sqrt(2))
    lecun = nn.stack_statistics(30, 64, "relu", scheme="lecun", seed=0)
    assert lecun["factor"] == pytest.approx(0.5)
    ratio = lecun["back_norm_theory"][0] / lecun["back_norm_theory"][-1]
    assert ratio == pytest.approx(0.5 ** (29 / 2), rel=1e-9)
    assert lecun["back_norm"][0] / lecun["back_norm"][-1] < 1e-3
    # tanh: measured and predicted agree closely (the map is exact in the wide limit)
    t = nn.stack_statistics(20, 128, "tanh", scheme="lecun", n=64, seed=1)
    assert np.allclose(t["pre_std"], t["pre_std_theory"], rtol=0.15)
    assert np.allclose(t["back_norm"], t["back_norm_theory"], rtol=0.25)
    with pytest.raises(ValueError):
        nn.stack_statistics(3, 8, "swish")


# ---------------------------------------------------------------------------------------------
# clipping


def test_clip_grad_norm_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for scale, max_norm in ((5.0, 1.0), (0.01, 1.0), (50.0, 0.3)):
        gs = [rng.normal(size=(3, 4)) * scale, rng.normal(size=4) * scale]
        ps = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in gs]
        for p, g in zip(ps, gs):
            p.grad = torch.tensor(g.copy())
        theirs = float(torch.nn.utils.clip_grad_norm_(ps, max_norm))
        mine = [g.copy() for g in gs]
        ours = nn.clip_grad_norm(mine, max_norm)
        assert ours == pytest.approx(theirs, rel=1e-12)
        for p, m in zip(ps, mine):
            assert np.allclose(p.grad.numpy(), m, rtol=1e-12, atol=0)


def test_clip_grad_norm_rules() -> None:
    g = [np.array([3.0]), np.array([4.0])]
    assert nn.clip_grad_norm(g, 1.0) == 5.0
    assert np.allclose(np.concatenate(g), [0.6, 0.8], rtol=1e-5)
    short = [np.array([0.3, 0.4])]
    nn.clip_grad_norm(short, 1.0)
    assert np.array_equal(short[0], [0.3, 0.4])
    assert nn.clip_grad_norm([np.zeros(3)], 1.0) == 0.0
    with pytest.raises(ValueError):
        nn.clip_grad_norm([[1.0, 2.0]], 1.0)
    with pytest.raises(ValueError):
        nn.clip_grad_norm([np.ones(2)], 0.0)
    assert "gdutils.nn.clip_grad_norm" in checks.references_for("08-backprop-layers")


# ---------------------------------------------------------------------------------------------
# the max-margin direction


def test_max_margin_of_two_points() -> None:
    X = np.array([[2.0, 1.0], [-1.0, 1.0]])
    u, margin = linear_models.max_margin_direction(X, np.array([1, 0]))
    # the best u satisfies both constraints with equal margins; check optimality by brute force
    angles = np.linspace(0, 2 * np.pi, 100_001)
    U = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    best = np.max(np.minimum(U @ X[0], -(U @ X[1])))
    assert margin == pytest.approx(best, rel=1e-5) and np.linalg.norm(u) == pytest.approx(1.0)


def test_max_margin_kkt_and_gradient_descent_direction() -> None:
    X, y = data.make_separable(60, seed=2, margin=1.0)
    X1 = np.hstack([X, np.ones((60, 1))])
    u, margin = linear_models.max_margin_direction(X1, y)
    m = (2 * y - 1) * (X1 @ u)
    assert m.min() == pytest.approx(margin, rel=1e-6)
    theta = np.zeros(3)
    for _ in range(20_000):
        p = np.exp(-np.logaddexp(0.0, -(X1 @ theta)))
        theta = theta - X1.T @ (p - y) / 60
    cos = theta @ u / np.linalg.norm(theta)
    assert cos > 0.998  # gradient descent's direction approaches u, slowly
    with pytest.raises(ValueError, match="separable"):
        linear_models.max_margin_direction(np.array([[1.0], [2.0]]), np.array([1, 0]))
