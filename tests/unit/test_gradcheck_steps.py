"""gdutils.gradcheck.difference_errors and optimal_step: the V shape of notebook 01."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdutils import checks, gradcheck
from gdutils.gradcheck import difference_errors, optimal_step

HS = np.logspace(-16, 0, 129)


def test_optimal_steps_are_roots_of_epsilon() -> None:
    e64, e32 = np.finfo(np.float64).eps, np.finfo(np.float32).eps
    assert optimal_step("forward") == pytest.approx(math.sqrt(e64))
    assert optimal_step("centred") == pytest.approx(e64 ** (1 / 3))
    assert optimal_step("forward", "float32") == pytest.approx(math.sqrt(e32))
    assert optimal_step("centred", np.float32) == pytest.approx(e32 ** (1 / 3))
    with pytest.raises(ValueError, match="method"):
        optimal_step("backward")
    with pytest.raises(ValueError, match="dtype"):
        optimal_step("forward", "float16")


def test_truncation_errors_match_taylor_closed_forms() -> None:
    # f = x³: forward error 3xh + h², centred error h² — exact, whatever h
    hs = np.array([1.0, 0.5, 0.1, 1e-2, 1e-3])
    x = 2.0
    cube, dcube = (lambda z: z**3), (lambda z: 3 * z**2)
    np.testing.assert_allclose(difference_errors(cube, dcube, x, hs, "forward"), 3 * x * hs + hs**2, rtol=1e-8)
    # (round-off adds about ε·|f|/h ≈ 2e-12 at h = 1e-3)
    np.testing.assert_allclose(difference_errors(cube, dcube, x, hs, "centred"), hs**2, rtol=1e-6, atol=1e-11)


def test_single_point_agrees_with_the_scalar_references() -> None:
    for method, ref in (("forward", gradcheck.forward_difference), ("centred", gradcheck.centred_difference)):
        errs = difference_errors(np.sin, np.cos, 0.3, HS, method)
        for i in (20, 64, 100, 128):
            h = float(HS[i])
            assert errs[i] == pytest.approx(abs(ref(np.sin, 0.3, h) - math.cos(0.3)), rel=1e-6, abs=1e-15)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_typical_error_bottoms_out_near_the_theory(dtype: str) -> None:
    pts = np.linspace(0.9, 1.1, 101)
    for method in ("forward", "centred"):
        errs = difference_errors(np.exp, np.exp, pts, HS, method, dtype)
        assert errs.shape == (HS.size, pts.size)
        typical = np.median(errs, axis=1)
        best = HS[np.argmin(typical)]
        assert 0.2 < best / optimal_step(method, dtype) < 5
        # the two arms of the V: slope −1 (round-off) on the left, p on the right
        i_small, i_big = np.searchsorted(HS, [best / 1e2, best * 1e2])
        assert typical[i_small] > 30 * typical.min() and typical[i_big] > 30 * typical.min()


def test_float32_is_really_float32() -> None:
    # below float32's resolution at x = 1 (about 6e-8), x + h == x and the estimate is 0
    errs = difference_errors(np.sin, np.cos, 1.0, np.array([1e-9]), "forward", "float32")
    assert errs[0] == pytest.approx(math.cos(1.0), rel=1e-6)
    errs64 = difference_errors(np.sin, np.cos, 1.0, np.array([1e-9]), "forward", "float64")
    assert errs64[0] < 1e-6


def test_validation() -> None:
    with pytest.raises(ValueError, match="method"):
        difference_errors(np.sin, np.cos, 1.0, HS, "backward")
    with pytest.raises(ValueError, match="hs"):
        difference_errors(np.sin, np.cos, 1.0, [1e-3, -1e-3])
    with pytest.raises(ValueError, match="x must"):
        difference_errors(np.sin, np.cos, float("nan"), HS)
    with pytest.raises(ValueError, match="float32"):
        difference_errors(lambda z: np.sin(z.astype(np.float64)), np.cos, 1.0, HS, dtype="float32")
    with pytest.raises(ValueError, match="vectorised"):
        difference_errors(np.sin, lambda z: 1.0, np.array([0.5, 1.0]), HS)


def test_it_is_a_reference_of_notebook_01() -> None:
    assert "gdutils.gradcheck.difference_errors" in checks.references_for("01-derivatives")
    with checks.forbid_reference("01-derivatives"), pytest.raises(checks.DelegationError):
        difference_errors(np.sin, np.cos, 1.0, HS)
