"""Newton's method, Armijo backtracking, and the two test functions that show where the quadratic
model stops (x⁴ and the saddle x² − y²)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdutils import checks, descent, functions, theory


def test_quartic_and_saddle_are_what_they_say() -> None:
    q = functions.quartic()
    assert q.d2f(0.0) == 0.0 and q.f(0.0) == 0.0 and q.df(2.0) == 32.0
    # the notebook's counterexample: η = 0.1 from 10 lands at −390 and diverges
    run = descent.gradient_descent_1d(q.df, 10.0, 0.1, 20, on_divergence="stop")
    assert run.path[1] == -390.0 and run.diverged
    # below the local bound 1/(2x²) it converges, sublinearly: |x_k| ≈ 1/√(8ηk + 1/x0²)
    slow = descent.gradient_descent_1d(q.df, 1.0, 0.1, 1000)
    assert abs(slow.x) == pytest.approx(1 / math.sqrt(801), rel=0.01)
    s = functions.saddle()
    p = np.array([[1.0, 2.0], [-0.5, 0.25]])
    assert np.allclose(s(p), p[:, 0] ** 2 - p[:, 1] ** 2)
    assert s.minima == [] and theory.stationary_point(s.hessian([0.0, 0.0])).kind == "saddle"
    h = 1e-6
    assert np.allclose(s.grad(p[0]), [(s(p[0] + e) - s(p[0] - e)) / (2 * h) for e in np.eye(2) * h], atol=1e-6)


def test_newton_solves_a_quadratic_in_one_step() -> None:
    bowl = functions.quadratic_bowl((0.01, 100.0), angle=0.7)
    run = descent.newton(bowl.grad, bowl.hessian, [3.0, -2.0], 2)
    assert np.linalg.norm(run.path[1] - bowl.minimiser) < 1e-12
    # a general function: quadratic convergence near the minimum of Rosenbrock
    rosen = functions.rosenbrock()
    r = descent.newton(rosen.grad, rosen.hessian, [-1.2, 1.0], 50, tol=1e-10)
    assert r.converged and r.n_iter < 10 and np.allclose(r.x, [1.0, 1.0])


def test_newton_is_attracted_to_the_saddle_gradient_descent_escapes() -> None:
    s = functions.saddle()
    nt = descent.newton(s.grad, s.hessian, [1.5, 1e-4], 3)
    assert np.all(nt.path[1] == 0.0)
    gd = descent.gradient_descent(s.grad, [1.5, 1e-4], 0.1, max_iter=80, tol=None,
                                  divergence_threshold=1e3, on_divergence="stop")
    assert abs(gd.path[-1, 1]) > 1.0 and abs(gd.path[-1, 0]) < 1e-5


def test_newton_reports_a_singular_hessian() -> None:
    run = descent.newton(lambda x: np.array([4 * x[0] ** 3]), lambda x: np.array([[12 * x[0] ** 2]]),
                         [0.0], 3, on_divergence="stop")
    assert run.status in ("max_iter", "converged", "diverged")  # gradient 0 at 0: nothing to do
    flat = descent.newton(lambda x: np.array([1.0]), lambda x: np.zeros((1, 1)), [1.0], 3, on_divergence="stop")
    assert flat.diverged and "singular" in flat.message


def test_armijo_step_accepts_the_first_sufficient_decrease() -> None:
    A = np.diag([1.0, 10.0])
    f = lambda v: 0.5 * v @ A @ v  # noqa: E731
    x = np.array([0.05, 0.05])
    g = A @ x
    x_new, lr = descent.armijo_step(f, x, g, lr0=0.5, shrink=0.7, c=0.3)
    assert f(x_new) <= f(x) - 0.3 * lr * g @ g
    assert f(x - lr / 0.7 * g) > f(x) - 0.3 * (lr / 0.7) * g @ g   # the previous try failed
    assert np.array_equal(x, [0.05, 0.05])
    # every step below 2(1 − c)/L passes: the search ends at or above shrink times that
    for _ in range(20):
        x0 = np.random.default_rng(_).normal(size=2)
        _x, lr = descent.armijo_step(f, x0, A @ x0, lr0=10.0, c=1e-4)
        assert lr >= 0.5 * 2 * (1 - 1e-4) / 10.0
    with pytest.raises(ValueError, match="gradient"):
        descent.armijo_step(f, x, -g)  # uphill


def test_armijo_never_accepts_overflow() -> None:
    f = lambda v: float(np.exp(v @ v))  # noqa: E731
    with np.errstate(over="ignore"):
        x_new, lr = descent.armijo_step(f, np.array([1.5]), 2 * np.array([1.5]) * np.exp(2.25), lr0=1.0)
    assert np.isfinite(f(x_new)) and f(x_new) < f(np.array([1.5]))


def test_backtracking_needs_no_lambda_max() -> None:
    bowl = functions.quadratic_bowl((0.04, 4.0), angle=0.5)
    run = descent.backtracking(bowl, bowl.grad, [-2.5, 2.0], lr0=10.0, max_iter=5000, tol=1e-6)
    best = descent.gradient_descent(bowl.grad, [-2.5, 2.0], theory.gd_optimal_lr(bowl.eigenvalues),
                                    max_iter=5000, tol=1e-6)
    assert run.converged and run.n_iter < best.n_iter
    assert run.lrs.shape == (run.n_iter,) and np.all(run.lrs > 0)
    # each accepted step satisfies Armijo's condition
    for k in range(run.n_iter):
        g = bowl.grad(run.path[k])
        assert bowl(run.path[k + 1]) <= bowl(run.path[k]) - 1e-4 * run.lrs[k] * g @ g + 1e-15


def test_line_search_references_are_tagged_for_notebook_03() -> None:
    for name in ("gdutils.descent.armijo_step", "gdutils.descent.backtracking", "gdutils.theory.stationary_point"):
        assert name in checks.references_for("03-gd-nd")
    with checks.forbid_reference("03-gd-nd"), pytest.raises(checks.DelegationError):
        descent.armijo_step(lambda v: float(v @ v), np.ones(2), 2 * np.ones(2))
