"""gdutils.gradcheck: difference quotients, numerical gradients and VJPs, layer checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdutils import checks, gradcheck
from gdutils.gradcheck import (
    centred_difference,
    check_layer,
    check_loss,
    forward_difference,
    numerical_gradient,
    numerical_vjp,
    rel_error,
)
from gdutils.nn import Linear, MSELoss, SoftmaxCrossEntropy

# ---------------------------------------------------------------------------------------------
# Scalar difference quotients


def test_difference_quotients_of_polynomials_are_exact_formulas() -> None:
    h = 1e-3
    # (x+h)² − x² = 2xh + h²  →  forward difference = 2x + h
    assert forward_difference(lambda x: x * x, 3.0, h) == pytest.approx(6.0 + h, rel=1e-10)
    # ((x+h)³ − (x−h)³) / 2h = 3x² + h²
    assert centred_difference(lambda x: x**3, 2.0, h) == pytest.approx(12.0 + h * h, rel=1e-10)
    # centred differences are exact for quadratics
    assert centred_difference(lambda x: 5 * x * x - x, 1.0, 0.25) == pytest.approx(9.0, rel=1e-14)


def test_forward_is_first_order_and_centred_second_order() -> None:
    exact = math.cos(1.0)
    fwd = [abs(forward_difference(math.sin, 1.0, h) - exact) for h in (1e-2, 5e-3)]
    ctr = [abs(centred_difference(math.sin, 1.0, h) - exact) for h in (1e-2, 5e-3)]
    assert fwd[0] / fwd[1] == pytest.approx(2.0, rel=0.02)  # halving h halves the error
    assert ctr[0] / ctr[1] == pytest.approx(4.0, rel=0.02)  # ... and quarters it
    assert ctr[1] < fwd[1] / 100


def test_round_off_dominates_for_tiny_h() -> None:
    exact = math.cos(1.0)
    err_good = abs(centred_difference(math.sin, 1.0, 1e-5) - exact)
    err_tiny = abs(centred_difference(math.sin, 1.0, 1e-13) - exact)
    assert err_good < 1e-9 and err_tiny > 100 * err_good  # the right arm of the V


@pytest.mark.parametrize("fn", [forward_difference, centred_difference])
@pytest.mark.parametrize(
    "x, h, match",
    [
        (1.0, 0.0, "h must be a finite number > 0"),
        (1.0, -1e-5, "h must be a finite number > 0"),
        (1.0, float("nan"), "h must be a finite number > 0"),
        (1.0, "1e-5", "h must be a finite number > 0"),
        (np.array([1.0, 2.0]), 1e-5, "x must be a real number"),
        (np.float32(1.0), 1e-5, "float64"),
        (float("inf"), 1e-5, "finite"),
        (True, 1e-5, "real number"),
    ],
)
def test_scalar_difference_validation(fn, x, h, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        fn(math.sin, x, h)


def test_scalar_difference_needs_a_scalar_function() -> None:
    with pytest.raises(ValueError, match="single real number"):
        centred_difference(lambda x: np.array([x, x]), 1.0)
    assert centred_difference(lambda x: np.float64(x) ** 2, np.float64(1.0)) == pytest.approx(2.0)


# ---------------------------------------------------------------------------------------------
# numerical_gradient


def test_numerical_gradient_of_a_quadratic_form() -> None:
    rng = np.random.default_rng(0)
    M = rng.standard_normal((6, 6))
    A = M @ M.T
    b = rng.standard_normal(6)
    x = rng.standard_normal(6)
    grad = numerical_gradient(lambda z: 0.5 * z @ A @ z + b @ z, x)
    np.testing.assert_allclose(grad, A @ x + b, rtol=1e-8, atol=1e-9)


def test_numerical_gradient_keeps_the_shape_and_restores_x_bitwise() -> None:
    x = np.array([[1.0, -0.0, 2.5], [1e-300, 3.0, -7.0]])
    before = x.copy()
    grad = numerical_gradient(lambda z: float(np.sum(z**3)), x)
    assert grad.shape == (2, 3) and grad.dtype == np.float64
    np.testing.assert_allclose(grad, 3 * before**2, rtol=1e-8, atol=1e-9)
    assert np.array_equal(x, before) and np.signbit(x[0, 1])  # even −0.0 is restored


def test_numerical_gradient_restores_x_when_f_raises() -> None:
    x = np.array([1.0, 2.0, 3.0])
    calls = []

    def f(z: np.ndarray) -> float:
        calls.append(z.copy())
        if len(calls) == 4:
            raise RuntimeError("boom")
        return float(z.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    assert calls[3][1] == 2.0 - 1e-5  # it did fail mid-perturbation


def test_numerical_gradient_on_views_and_0d() -> None:
    base = np.arange(12.0).reshape(3, 4)
    view = base[:, ::2]  # non-contiguous
    grad = numerical_gradient(lambda z: float(np.sum(z * z)), view)
    np.testing.assert_allclose(grad, 2 * view, rtol=1e-8)
    np.testing.assert_array_equal(base, np.arange(12.0).reshape(3, 4))
    x0 = np.array(2.0)
    assert numerical_gradient(lambda z: float(z) ** 3, x0) == pytest.approx(12.0, rel=1e-8)


@pytest.mark.parametrize(
    "x, h, match",
    [
        ([1.0, 2.0], 1e-5, "x must be a float64 numpy array"),
        (np.array([1, 2]), 1e-5, "dtype float64"),
        (np.array([1.0], dtype=np.float32), 1e-5, "dtype float64"),
        (np.array([1.0]), 0.0, "h must be a finite number > 0"),
    ],
)
def test_numerical_gradient_validation(x, h, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        numerical_gradient(lambda z: 0.0, x, h)


def test_numerical_gradient_refuses_read_only_and_vector_valued() -> None:
    ro = np.zeros(2)
    ro.setflags(write=False)
    with pytest.raises(ValueError, match="writeable"):
        numerical_gradient(lambda z: 0.0, ro)
    with pytest.raises(ValueError, match="numerical_vjp"):
        numerical_gradient(lambda z: z * 2, np.zeros(2))


# ---------------------------------------------------------------------------------------------
# rel_error


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (1.0, 1.0, 0.0),
        (1.0, -1.0, 1.0),
        (3.0, 1.0, 0.5),
        (0.0, 0.0, 0.0),
        (0.0, 1e-9, 0.1),  # the 1e-8 floor
        (np.array([1.0, 2.0]), np.array([1.0, 2.2]), 0.2 / 4.2),
        (np.array([[1.0, 100.0]]), np.array([[1.1, 100.0]]), 0.1 / 2.1),  # max, not mean
    ],
)
def test_rel_error_values(a, b, expected: float) -> None:
    assert rel_error(a, b) == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert type(rel_error(a, b)) is float


def test_rel_error_validation() -> None:
    with pytest.raises(ValueError, match="same shape"):
        rel_error(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="a contains NaN"):
        rel_error(np.array([np.nan]), np.array([1.0]))
    with pytest.raises(ValueError, match="b contains NaN or inf"):
        rel_error(np.array([1.0]), np.array([np.inf]))
    assert rel_error(np.zeros(0), np.zeros(0)) == 0.0


# ---------------------------------------------------------------------------------------------
# numerical_vjp


def test_numerical_vjp_of_a_linear_map_is_the_transpose_product() -> None:
    rng = np.random.default_rng(1)
    A = rng.standard_normal((4, 3))
    x = rng.standard_normal(3)
    dout = rng.standard_normal(4)
    np.testing.assert_allclose(numerical_vjp(lambda z: A @ z, x, dout), A.T @ dout, rtol=1e-8)


def test_numerical_vjp_of_an_elementwise_map() -> None:
    x = np.linspace(-2, 2, 10).reshape(2, 5)
    dout = np.arange(10.0).reshape(2, 5)
    vjp = numerical_vjp(np.tanh, x, dout)
    np.testing.assert_allclose(vjp, dout * (1 - np.tanh(x) ** 2), rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(x, np.linspace(-2, 2, 10).reshape(2, 5))


def test_numerical_vjp_validation() -> None:
    with pytest.raises(ValueError, match=r"shape of dout \(3,\)"):
        numerical_vjp(lambda z: z[:2], np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="dout must have dtype float64"):
        numerical_vjp(lambda z: z, np.zeros(3), np.zeros(3, dtype=np.float32))
    with pytest.raises(ValueError, match="h must be"):
        numerical_vjp(lambda z: z, np.zeros(3), np.zeros(3), h=-1.0)


# ---------------------------------------------------------------------------------------------
# check_layer / check_loss


class BrokenLinear(Linear):
    """The classic bug: the bias gradient summed over the wrong axis (here, wrong scale)."""

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dx = super().backward(dout)
        self.db[...] = dout.mean(axis=0)
        return dx


class WrongMask:
    """ReLU whose backward reuses the output as the mask value (a wrong derivative)."""

    params: list = []
    grads: list = []

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = np.maximum(x, 0)
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * self.out


def test_check_layer_passes_a_correct_layer_and_leaves_x_alone() -> None:
    rng = np.random.default_rng(2)
    layer = Linear(3, 4, rng)
    x = rng.standard_normal((5, 3))
    before = x.copy()
    W_before = layer.W.copy()
    errors = check_layer(layer, x, rng=0)
    assert set(errors) == {"dx", "W", "b"} and max(errors.values()) < 1e-8
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(layer.W, W_before)


def test_check_layer_catches_wrong_gradients() -> None:
    rng = np.random.default_rng(3)
    errors = check_layer(BrokenLinear(3, 4, rng), rng.standard_normal((5, 3)))
    assert errors["b"] > 0.1 and errors["W"] < 1e-8
    x = np.abs(rng.standard_normal((4, 3))) + 0.5
    assert check_layer(WrongMask(), x)["dx"] > 0.1
    assert set(check_layer(WrongMask(), x)) == {"dx"}


def test_check_loss() -> None:
    rng = np.random.default_rng(4)
    assert check_loss(MSELoss(), rng.standard_normal((3, 2)), rng.standard_normal((3, 2))) < 1e-8
    assert (
        check_loss(
            SoftmaxCrossEntropy(), rng.standard_normal((4, 3)), np.array([0, 2, 1, 2]), dout=2.5
        )
        < 1e-8
    )


def test_check_layer_works_while_the_exercises_are_forbidden() -> None:
    # the graders check a learner's layer with check_layer inside forbid_reference blocks
    rng = np.random.default_rng(5)

    class LearnersAffine:
        def __init__(self) -> None:
            self.W = rng.standard_normal((2, 3))
            self.b = rng.standard_normal(3)
            self.params = [self.W, self.b]

        def forward(self, x):
            self.x = x
            return x @ self.W + self.b

        def backward(self, dout):
            self.grads = [self.x.T @ dout, dout.sum(axis=0)]
            return dout @ self.W.T

    with checks.forbid_reference("01-derivatives", "08-backprop-layers"):
        errors = check_layer(LearnersAffine(), rng.standard_normal((4, 2)))
        with pytest.raises(checks.DelegationError):
            rel_error(1.0, 1.0)
        with pytest.raises(checks.DelegationError):
            numerical_vjp(lambda z: z, np.zeros(1), np.zeros(1))
    assert set(errors) == {"dx", "params[0]", "params[1]"} and max(errors.values()) < 1e-8


def test_reference_tags() -> None:
    names = checks.references_for("01-derivatives")
    for fn in ("forward_difference", "centred_difference", "numerical_gradient", "rel_error"):
        assert f"gdutils.gradcheck.{fn}" in names
        assert getattr(gradcheck, fn).__gd_reference__ == ("01-derivatives",)
    assert numerical_vjp.__gd_reference__ == ("08-backprop-layers",)
    with checks.forbid_reference("01-derivatives"):
        with pytest.raises(checks.DelegationError):
            centred_difference(math.sin, 0.0)
