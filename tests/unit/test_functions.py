"""gdutils.functions: values, gradients and Hessians against finite differences; known minima."""

from __future__ import annotations

import numpy as np
import pytest

from gdutils import functions as F
from gdutils.functions import Function1D, TestFunction


def central_grad(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def central_jacobian(g, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((np.asarray(g(x + e)) - np.asarray(g(x - e))) / (2 * h))
    return np.stack(cols, axis=-1)


TWO_D = {
    "booth": F.booth(),
    "rosenbrock": F.rosenbrock(),
    "rosenbrock_a2_b10": F.rosenbrock(a=2.0, b=10.0),
    "beale": F.beale(),
    "himmelblau": F.himmelblau(),
    "rastrigin": F.rastrigin(),
    "bowl": F.quadratic_bowl((0.2, 4.0), angle=0.7),
    "quadratic": F.quadratic([[3.0, 1.0], [1.0, 2.0]], b=[1.0, -1.0], c=0.5),
}


def sample_points(fn, k=6, seed=0):
    rng = np.random.default_rng(seed)
    lo = np.array([fn.xlim[0], fn.ylim[0]])
    hi = np.array([fn.xlim[1], fn.ylim[1]])
    # stay inside the window, where the formulas are meant to be used
    return lo + (hi - lo) * rng.uniform(0.1, 0.9, size=(k, 2))


@pytest.mark.parametrize("name", sorted(TWO_D))
def test_gradient_matches_central_differences(name):
    fn = TWO_D[name]
    for x in sample_points(fn):
        fd = central_grad(fn, x)
        an = fn.grad(x)
        scale = max(1.0, float(np.max(np.abs(an))))
        np.testing.assert_allclose(an, fd, rtol=1e-6, atol=1e-6 * scale)


@pytest.mark.parametrize("name", sorted(TWO_D))
def test_hessian_matches_central_differences_of_gradient(name):
    fn = TWO_D[name]
    for x in sample_points(fn, seed=1):
        H = fn.hessian(x)
        assert H.shape == (2, 2)
        np.testing.assert_allclose(H, H.T, rtol=0, atol=1e-12 * max(1.0, np.abs(H).max()))
        fd = central_jacobian(fn.grad, x)
        scale = max(1.0, float(np.max(np.abs(H))))
        np.testing.assert_allclose(H, fd, rtol=1e-6, atol=1e-6 * scale)


@pytest.mark.parametrize("name", sorted(TWO_D))
def test_vectorised_over_leading_axes(name):
    fn = TWO_D[name]
    pts = sample_points(fn, k=12, seed=2).reshape(3, 4, 2)
    vals = fn(pts)
    grads = fn.grad(pts)
    hess = fn.hessian(pts)
    assert vals.shape == (3, 4) and grads.shape == (3, 4, 2) and hess.shape == (3, 4, 2, 2)
    for i in range(3):
        for j in range(4):
            assert vals[i, j] == pytest.approx(float(fn(pts[i, j])), rel=1e-14, abs=1e-14)
            np.testing.assert_allclose(grads[i, j], fn.grad(pts[i, j]), rtol=1e-14, atol=1e-14)
            np.testing.assert_allclose(hess[i, j], fn.hessian(pts[i, j]), rtol=1e-14, atol=1e-14)
    assert fn.f(pts[0, 0]) == fn(pts[0, 0])


@pytest.mark.parametrize("name", sorted(TWO_D))
def test_minima_are_stationary_with_known_value(name):
    fn = TWO_D[name]
    assert fn.minima, "every test function lists at least one minimum"
    for m in fn.minima:
        assert m.shape == (2,) and m.dtype == np.float64
        assert np.linalg.norm(fn.grad(m)) < 1e-9
        assert float(fn(m)) == pytest.approx(fn.f_min, abs=1e-12)
        assert np.all(np.linalg.eigvalsh(fn.hessian(m)) > 0), "a minimum has a PD Hessian"


def test_window_and_formula_metadata():
    for fn in TWO_D.values():
        assert fn.xlim[0] < fn.xlim[1] and fn.ylim[0] < fn.ylim[1]
        assert isinstance(fn.latex, str) and fn.latex.startswith("f(")
        assert fn.name and fn.contour_scale in ("log", "quadratic", "linear")
        for m in fn.minima[:1]:
            assert fn.xlim[0] <= m[0] <= fn.xlim[1] and fn.ylim[0] <= m[1] <= fn.ylim[1]


def test_latex_is_valid_mathtext():
    from matplotlib.mathtext import MathTextParser

    parser = MathTextParser("path")
    fns = list(TWO_D.values()) + [F.square(), F.double_well(), F.cosine_bump()]
    for fn in fns:
        parser.parse(f"${fn.latex}$")  # raises ValueError on bad syntax


def test_himmelblau_minima_solve_the_two_equations_independently():
    # f = 0 exactly where x² + y = 11 and x + y² = 7; eliminating y = 11 − x² gives
    # x⁴ − 22x² + x + 114 = 0.
    roots = np.roots([1.0, 0.0, -22.0, 1.0, 114.0])
    assert np.all(np.abs(roots.imag) < 1e-9)
    expected = sorted((float(x), float(11 - x**2)) for x in roots.real)
    got = sorted(tuple(m) for m in F.himmelblau().minima)
    np.testing.assert_allclose(np.array(got), np.array(expected), rtol=0, atol=1e-12)
    assert len(F.HIMMELBLAU_MINIMA) == 4


def test_himmelblau_course_plan_values():
    mins = F.himmelblau().minima
    np.testing.assert_array_equal(mins[0], [3.0, 2.0])
    # the course plan quotes (−2.805118, 3.131312): digits truncated, y = 3.1313125…
    assert np.all(np.abs(mins[1] - [-2.805118, 3.131312]) < 1e-6)
    assert np.round(mins[1], 6).tolist() == [-2.805118, 3.131313]
    assert np.round(mins[2], 6).tolist() == [-3.77931, -3.283186]
    assert np.round(mins[3], 6).tolist() == [3.584428, -1.848127]
    for m in mins:
        assert abs(float(F.himmelblau()(m))) < 1e-25


def test_rosenbrock_minimum_and_hessian():
    fn = F.rosenbrock()
    np.testing.assert_array_equal(fn.minima[0], [1.0, 1.0])
    np.testing.assert_array_equal(fn.hessian([1.0, 1.0]), [[802.0, -400.0], [-400.0, 200.0]])
    g = F.rosenbrock(a=2.0, b=10.0)
    np.testing.assert_array_equal(g.minima[0], [2.0, 4.0])
    assert float(g([2.0, 4.0])) == 0.0
    assert float(fn([0.0, 0.0])) == 1.0
    assert float(fn([-1.0, 1.0])) == 4.0
    with pytest.raises(ValueError, match="b > 0"):
        F.rosenbrock(b=0.0)


def test_known_values_of_classic_functions():
    assert float(F.booth()([1.0, 3.0])) == 0.0
    assert float(F.booth()([0.0, 0.0])) == 74.0
    assert float(F.beale()([3.0, 0.5])) == 0.0
    assert float(F.beale()([0.0, 0.0])) == pytest.approx(1.5**2 + 2.25**2 + 2.625**2)
    assert float(F.himmelblau()([0.0, 0.0])) == 170.0
    assert float(F.rastrigin()([0.0, 0.0])) == 0.0
    assert float(F.rastrigin()([1.0, 0.0])) == pytest.approx(1.0, abs=1e-12)
    r3 = F.rastrigin(A=5.0, d=3)
    assert r3.dim == 3 and float(r3([0.5, 0.0, 0.0])) == pytest.approx(0.25 + 10.0)
    np.testing.assert_allclose(r3.hessian(np.zeros(3)), np.eye(3) * (2 + 4 * np.pi**2 * 5))
    with pytest.raises(ValueError):
        F.rastrigin(d=0)
    with pytest.raises(ValueError):
        F.rastrigin(A=-1.0)


def test_quadratic_matches_formula_and_closed_form_minimum():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    fn = F.quadratic(A, b, c=0.5)
    x = np.array([0.3, -1.7])
    assert float(fn(x)) == pytest.approx(0.5 * x @ A @ x - b @ x + 0.5, rel=1e-14)
    np.testing.assert_allclose(fn.grad(x), A @ x - b, rtol=1e-14)
    xstar = np.linalg.solve(A, b)
    np.testing.assert_allclose(fn.minima[0], xstar, rtol=1e-14)
    assert fn.f_min == pytest.approx(0.5 - 0.5 * b @ xstar, rel=1e-14)
    np.testing.assert_allclose(fn.eigenvalues, np.linalg.eigvalsh(A))
    np.testing.assert_array_equal(fn.A, A)
    np.testing.assert_array_equal(fn.b, b)
    # 3-D works too
    q3 = F.quadratic(np.diag([1.0, 2.0, 3.0]))
    assert q3.dim == 3 and float(q3([1.0, 1.0, 1.0])) == 3.0


@pytest.mark.parametrize(
    "A, match",
    [
        ([[1.0, 2.0], [0.0, 1.0]], "symmetric"),
        ([[1.0, 0.0], [0.0, -1.0]], "positive definite"),
        ([[1.0, 0.0], [0.0, 0.0]], "positive definite"),
        ([1.0, 2.0], "square"),
        ([[1.0, np.nan], [np.nan, 1.0]], "finite"),
    ],
)
def test_quadratic_rejects_bad_matrices(A, match):
    with pytest.raises(ValueError, match=match):
        F.quadratic(A)


def test_quadratic_rejects_bad_b():
    with pytest.raises(ValueError, match=r"b must have shape \(2,\)"):
        F.quadratic(np.eye(2), b=[1.0, 2.0, 3.0])


def test_quadratic_bowl_eigenvalues_and_orientation():
    theta = 0.6
    fn = F.quadratic_bowl((0.5, 8.0), angle=theta)
    vals, vecs = np.linalg.eigh(fn.A)
    np.testing.assert_allclose(vals, [0.5, 8.0], rtol=1e-12)
    # the flat direction (smallest curvature) points along the rotated x-axis
    assert abs(vecs[:, 0] @ [np.cos(theta), np.sin(theta)]) == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_array_equal(fn.minima[0], [0.0, 0.0])
    assert fn.f_min == 0.0
    np.testing.assert_array_equal(F.quadratic_bowl((1.0, 10.0)).A, np.diag([1.0, 10.0]))
    assert F.quadratic_bowl((1.0, 2.0, 3.0)).dim == 3
    with pytest.raises(ValueError, match="2-D"):
        F.quadratic_bowl((1.0, 2.0, 3.0), angle=0.1)
    with pytest.raises(ValueError, match="positive"):
        F.quadratic_bowl((0.0, 1.0))


@pytest.mark.parametrize("bad", [[1.0, 2.0, 3.0], 1.0, [[1.0], [2.0]]])
def test_wrong_last_dimension_is_a_named_valueerror(bad):
    fn = F.rosenbrock()
    shape = np.shape(bad)
    with pytest.raises(ValueError) as info:
        fn(bad)
    assert str(info.value) == f"x must have shape (..., 2), got {shape}"
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
        fn.grad(bad)
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
        fn.hessian(bad)


def test_functions_are_immutable_and_hand_out_copies():
    fn = F.himmelblau()
    with pytest.raises(AttributeError):
        fn.name = "other"
    with pytest.raises(AttributeError):
        fn.f_min = 1.0
    mins = fn.minima
    mins[0][0] = 99.0
    assert fn.minima[0][0] == 3.0
    q = F.quadratic_bowl()
    A = q.A
    A[0, 0] = -5.0
    assert q.A[0, 0] == 1.0
    x = np.array([1.0, 2.0])
    q.grad(x)
    q(x)
    np.testing.assert_array_equal(x, [1.0, 2.0])
    assert "Himmelblau" in repr(fn)


def test_pytest_does_not_collect_the_class():
    assert TestFunction.__test__ is False and Function1D.__test__ is False


# --------------------------------------------------------------------------------------------
# 1-D functions

ONE_D = {"square": F.square(), "double_well": F.double_well(), "cosine_bump": F.cosine_bump()}


@pytest.mark.parametrize("name", sorted(ONE_D))
def test_1d_derivatives_match_central_differences(name):
    fn = ONE_D[name]
    xs = np.linspace(fn.xlim[0], fn.xlim[1], 17)
    h = 1e-6
    fd1 = (fn.f(xs + h) - fn.f(xs - h)) / (2 * h)
    fd2 = (fn.df(xs + h) - fn.df(xs - h)) / (2 * h)
    np.testing.assert_allclose(fn.df(xs), fd1, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(fn.d2f(xs), fd2, rtol=1e-6, atol=1e-5)
    assert fn.f(xs).shape == fn.df(xs).shape == fn.d2f(xs).shape == xs.shape
    assert fn(2.0) == fn.f(2.0) and np.ndim(fn.f(2.0)) == 0 and np.ndim(fn.d2f(2.0)) == 0


@pytest.mark.parametrize("name", sorted(ONE_D))
def test_1d_minima_are_local_minima(name):
    fn = ONE_D[name]
    for m in fn.minima:
        assert abs(fn.df(m)) < 1e-12 and fn.d2f(m) > 0
    assert fn.f_min == min(fn.f(m) for m in fn.minima)
    assert fn.f(fn.argmin) == fn.f_min
    assert list(fn.minima) == sorted(fn.minima)


def test_square_values():
    sq = F.square()
    assert sq.f(3.0) == 9.0 and sq.df(3.0) == 6.0 and sq.d2f(3.0) == 2.0
    assert sq.minima == (0.0,) and sq.f_min == 0.0


def test_double_well_minima_from_the_cubic_independently():
    fn = F.double_well()
    roots = np.sort(np.roots([4.0, 0.0, -6.0, 1.0]).real)  # f'(x) = 4x³ − 6x + 1
    minima = [r for r in roots if 12 * r**2 - 6 > 0]
    np.testing.assert_allclose(fn.minima, minima, rtol=0, atol=1e-12)
    assert len(fn.minima) == 2
    left, right = fn.minima
    assert fn.f(left) < fn.f(right) - 1.0, "the two wells have clearly different depths"
    assert fn.argmin == left


def test_cosine_bump_has_a_global_minimum_at_zero_and_side_minima():
    fn = F.cosine_bump()
    assert fn.argmin == 0.0 and fn.f_min == -1.0
    assert len(fn.minima) == 3
    assert fn.minima[0] == pytest.approx(-fn.minima[2], abs=1e-12)
    assert 2.5 < fn.minima[2] < np.pi


def test_function1d_is_immutable():
    with pytest.raises(AttributeError):
        F.square().minima = (1.0,)


@pytest.mark.parametrize("make", [F.booth, F.rosenbrock, F.beale, F.himmelblau, F.saddle])
def test_one_point_and_a_batch_give_the_same_gradient_bits(make) -> None:
    # one point takes a shortcut (np.array of two scalars, not np.stack): same numbers, same shape
    fn = make()
    pts = np.random.default_rng(3).normal(scale=2.0, size=(4, 5, 2))
    batch = fn.grad(pts)
    assert batch.shape == (4, 5, 2) and batch.dtype == np.float64
    for idx in np.ndindex(4, 5):
        one = fn.grad(pts[idx])
        assert one.shape == (2,) and one.dtype == np.float64
        assert np.array_equal(one, batch[idx])
