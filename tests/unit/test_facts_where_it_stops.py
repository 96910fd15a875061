"""The numbers the notebooks state where a rule stops being true (issue 15), recomputed as the
notebooks compute them: x⁴ against the parabola's step bound, ε^(2/3) and its constants, saddles
and Newton's method, the noise floor and interpolation, momentum under noise and off quadratics,
Adagrad's √t, early stopping as ridge, the max-margin direction, deep stacks and clipping, the
range test. A change in gdutils that moves one of them fails here, not silently in the prose."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdutils import data, descent, functions, gradcheck, linear_models, losses, nn, optim, theory
from gdutils.display.explorers import generalisation as gx
from gdutils.display.explorers import minibatch as mbx
from gdutils.display.explorers import networks, regression

EPS = np.finfo(np.float64).eps


# ---- 01: ε^(2/3) is an order of magnitude, the constants make the difference -----------------

def test_centred_difference_minimum_and_its_constants() -> None:
    hs = np.logspace(-16, 0, 129)
    nearby = np.linspace(0.9, 1.1, 101)
    typical = np.median(gradcheck.difference_errors(np.sin, np.cos, nearby, hs, "centred"), axis=1)
    assert EPS ** (2 / 3) == pytest.approx(3.67e-11, rel=1e-2)
    assert typical.min() == pytest.approx(2.6e-12, rel=0.05)
    C1 = math.cos(1.0) / 6
    branch = (hs >= 1e-12) & (hs <= 1e-9)
    C2 = float(np.median(typical[branch] * hs[branch] / EPS))
    E_model = 1.5 * (2 * C1) ** (1 / 3) * (C2 * EPS) ** (2 / 3)
    assert round(C1, 3) == 0.090 and 0.1 < C2 < 0.16
    assert typical.min() < E_model < EPS ** (2 / 3) / 3


# ---- 02/03: where the quadratic model stops ---------------------------------------------------

def test_quartic_step_bounds_are_local() -> None:
    q = functions.quartic()
    assert descent.gradient_descent_1d(q.df, 10.0, 0.1, 5, on_divergence="stop").path[1] == -390.0
    assert descent.gradient_descent_1d(q.df, 3.0, 0.1, 50, on_divergence="stop").diverged
    for x0 in (2.0, 1.0, 0.5):
        run = descent.gradient_descent_1d(q.df, x0, 0.1, 1000)
        assert abs(run.x) == pytest.approx(1 / math.sqrt(800 + 1 / x0**2), rel=0.01)


def test_himmelblau_has_four_minima_four_saddles_one_maximum() -> None:
    h = functions.himmelblau()
    found = []
    for sx in np.linspace(-4.5, 4.5, 5):
        for sy in np.linspace(-4.5, 4.5, 5):
            run = descent.newton(h.grad, h.hessian, [sx, sy], 30, tol=1e-9, on_divergence="stop")
            if run.converged and not any(np.allclose(run.x, p, atol=1e-6) for p in found):
                found.append(run.x)
    kinds = [theory.stationary_point(h.hessian(p)).kind for p in found]
    assert sorted(kinds) == ["maximum"] + ["minimum"] * 4 + ["saddle"] * 4


def test_saddle_plateaus_newton_and_backtracking() -> None:
    s = functions.saddle()
    for y0, steps in ((1e-1, 13), (1e-3, 38), (1e-6, 76), (1e-9, 114)):
        run = descent.gradient_descent(s.grad, [1.5, y0], 0.1, max_iter=120, tol=None,
                                       divergence_threshold=1e6, on_divergence="stop")
        assert int(np.flatnonzero(np.abs(run.path[:, 1]) >= 1)[0]) == steps
    rosen = functions.rosenbrock()
    assert descent.newton(rosen.grad, rosen.hessian, [-1.2, 1.0], 50, tol=1e-10).n_iter == 7
    bowl = functions.quadratic_bowl((0.04, 4.0), angle=math.radians(30))
    bt = descent.backtracking(bowl, bowl.grad, [-2.5, 2.0], lr0=10.0, max_iter=5000, tol=1e-6)
    fixed = descent.gradient_descent(bowl.grad, [-2.5, 2.0], theory.gd_optimal_lr(bowl.eigenvalues),
                                     max_iter=5000, tol=1e-6)
    assert (bt.n_iter, fixed.n_iter) == (369, 815) and bt.lrs.max() > theory.gd_stable_lr(bowl.eigenvalues)


def test_04_prints_two_steps_that_differ() -> None:
    X, _ = regression.line_data()
    H = linear_models.mse_hessian(X)
    assert f"{theory.gd_stable_lr(H):.6f}" == "0.021610" and f"{theory.gd_optimal_lr(H):.6f}" == "0.021552"


# ---- 05: the max-margin direction of (w, b) jointly, slowly --------------------------------

def test_separable_direction_approaches_the_joint_max_margin_slowly() -> None:
    X, y = data.make_separable(100, seed=1, margin=1.0)
    X1 = np.hstack([X, np.ones((100, 1))])
    u, _ = linear_models.max_margin_direction(X1, y)
    theta, angles = np.zeros(3), {}
    for t in range(1, 10_001):
        p = np.exp(-np.logaddexp(0.0, -(X1 @ theta)))
        theta = theta - X1.T @ (p - y) / 100
        if t in (10, 100, 1000, 10_000):
            angles[t] = math.degrees(math.acos(min(1.0, theta @ u / np.linalg.norm(theta))))
    assert [round(a, 2) for a in angles.values()] == [10.08, 5.27, 2.75, 1.62]
    assert angles[10_000] * math.log(10_000) > 0.5 * angles[10] * math.log(10)  # of order 1/log t


# ---- 08: overfitting needs the right conditions; deep stacks; clipping ------------------------

def test_healthy_networks_that_do_not_overfit_five_points() -> None:
    Xs, ys = data.make_spirals(80, 3, noise=0.2, seed=0)
    idx = np.concatenate([np.flatnonzero(ys == c)[:2] for c in range(3)])[:5]
    X5, y5 = Xs[idx], ys[idx]

    def run(lam: float, lr: float) -> tuple[float, int]:
        p = networks.init_two_layer(2, 16, 3, rng=1)
        loss = 0.0
        for _ in range(500):
            loss, g = networks.two_layer_loss(p, X5, y5)
            for k in p:
                p[k] -= lr * (g[k] + (lam * p[k] if k in ("W1", "W2") else 0.0))
        return loss, networks.dead_units(p, X5)

    with np.errstate(over="ignore"):
        assert run(0.0, 1.0)[0] < 0.01
        assert run(0.1, 1.0)[0] > 0.5 and run(0.0, 1e-3)[0] > 0.5
        loss30, dead30 = run(0.0, 30.0)
    assert loss30 > 0.5 and dead30 == 16


def test_deep_stack_factors() -> None:
    he = nn.stack_statistics(30, 64, "relu", scheme="he", seed=0)
    lecun = nn.stack_statistics(30, 64, "relu", scheme="lecun", seed=0)
    big = nn.stack_statistics(30, 64, "relu", std=1.5 * nn.init_std("he", 64), seed=0)
    assert he["factor"] == pytest.approx(1.0) and lecun["factor"] == pytest.approx(0.5)
    assert big["factor"] == pytest.approx(2.25)
    assert lecun["back_norm"][0] / lecun["back_norm"][-1] == pytest.approx(5.66e-5, rel=0.01)
    assert 2 ** (-14.5) == pytest.approx(lecun["back_norm_theory"][0] / lecun["back_norm_theory"][-1], rel=1e-9)


# ---- 09 and 10: noise floors, interpolation, momentum under noise -----------------------------

def _floor_problem() -> tuple[mbx.RegressionProblem, np.ndarray]:
    p = mbx.regression_problem()
    A = np.column_stack([p.x, np.ones(p.n)])
    G = 2 * A * (A @ p.minimiser - p.y)[:, None]
    return p, G.T @ G / p.n


def test_noise_floor_and_interpolation() -> None:
    p, S = _floor_problem()
    assert float(np.trace(S)) == pytest.approx(4.007, abs=1e-3)
    assert theory.sgd_noise_floor(0.05, p.hessian, S, batch_size=4) == pytest.approx(0.0150, abs=1e-4)
    exact = mbx.RegressionProblem(p.x, 1.3 * p.x - 3.8)
    paths, _ = mbx.sgd_runs(exact, exact.minimiser + mbx.THETA0_OFFSET, 4, 0.05, 5, seeds=range(5))
    gap = np.maximum(exact(paths) - exact.f_min, 0.0).mean(axis=0)
    assert gap[64 * 5] < 1e-12 * gap[0]


def test_momentum_floor_follows_lr_over_one_minus_beta() -> None:
    p, S = _floor_problem()
    same = [theory.sgd_noise_floor(lr, p.hessian, S, beta=b, batch_size=4)
            for lr, b in ((0.01, 0.0), (0.005, 0.5), (0.001, 0.9))]
    assert max(same) / min(same) < 1.05
    assert theory.sgd_noise_floor(0.01, p.hessian, S, beta=0.9, batch_size=4) > 9 * same[0]


def test_heavy_ball_cycles_on_the_lessard_recht_packard_function() -> None:
    def grad(x):
        v = x[0]
        return np.array([25 * v if v < 1 else (v + 24 if v < 2 else 25 * v - 24)])

    a, b, _ = theory.heavy_ball_optimal((1.0, 25.0))
    hb = descent.heavy_ball(grad, [3.3], a, b, 300)
    assert np.allclose(np.sort(hb.path[-3:, 0]), [-1.8024, 0.6465, 2.1159], atol=1e-4)
    assert abs(descent.nesterov(grad, [3.3], 1 / 25, 2 / 3, 300).x[0]) < 1e-8


def test_range_test_finds_the_edge_with_mini_batches() -> None:
    from gdutils import training

    p = mbx.regression_problem()
    bound = 2 / theory.eigenvalues(p.hessian)[-1]
    rng = np.random.default_rng(0)
    lrs, _ = training.lr_range_test(lambda th: (p(th), p.grad(th, rng.integers(0, p.n, 16))),
                                    p.minimiser + mbx.THETA0_OFFSET, 1e-4, 10.0, 100)
    assert round(bound, 3) == 0.271 and lrs[-1] / bound == pytest.approx(1.60, abs=0.01)


# ---- 11: Adagrad slows down, never stops ----------------------------------------------------

def test_adagrad_distance_grows_like_sqrt_t() -> None:
    x = np.zeros(1)
    opt = optim.Adagrad([x], lr=0.5)
    for _ in range(10_000):
        opt.step([np.array([3.0])])
    assert -x[0] == pytest.approx(99.27, abs=0.01)
    assert -x[0] / (2 * 0.5 * math.sqrt(10_000)) == pytest.approx(1.0, abs=0.01)


# ---- 12: early stopping is (almost) ridge -------------------------------------------------

def test_early_stopping_resembles_ridge() -> None:
    poly = gx.polynomial_data()
    x20, y20 = poly.train(20)
    scaler = data.Standardiser().fit(gx.polynomial_features(x20, 10))
    Z = scaler.transform(gx.polynomial_features(x20, 10))
    yc = y20 - y20.mean()
    H = 2 * Z.T @ Z / 20
    eta = 1 / theory.eigenvalues(H)[-1]
    w = np.zeros(10)
    gaps = {}
    for t in range(1, 3001):
        w = w - eta * (2 / 20) * Z.T @ (Z @ w - yc)
        if t in (10, 100, 1000, 3000):
            wr, _ = losses.ridge(Z, y20, theory.early_stopping_lambda(eta, t), penalise_bias=False)
            gaps[t] = np.linalg.norm(w - wr) / np.linalg.norm(wr)
    assert all(0.05 < g < 0.35 for g in gaps.values())
