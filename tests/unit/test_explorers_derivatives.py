"""gdutils.explorers.derivatives: move each control as a learner would and check the data drawn."""

from __future__ import annotations

import numpy as np
import pytest

from gdutils import functions, gradcheck
from gdutils.display.explorers import derivatives

# ---------------------------------------------------------------------------------------------
# The tangent line


def test_tangent_follows_x_and_has_the_exact_slope() -> None:
    ex = derivatives.tangent_explorer(function="double well", x=0.5, h=0.5)
    fn = functions.double_well()
    for x in (-1.5, 0.0, 1.25):
        ex.set(x=x)
        s = ex.state
        assert s["x"] == pytest.approx(x)
        assert s["fx"] == pytest.approx(x**4 - 3 * x**2 + x, rel=1e-12, abs=1e-12)
        assert s["slope"] == pytest.approx(4 * x**3 - 6 * x + 1, rel=1e-12, abs=1e-12)
        # the drawn tangent passes through (x, f(x)) with slope f'(x)
        (x1, y1), (x2, y2) = s["tangent"]
        assert (y2 - y1) / (x2 - x1) == pytest.approx(s["slope"], rel=1e-9, abs=1e-9)
        assert y1 + s["slope"] * (x - x1) == pytest.approx(s["fx"], rel=1e-9, abs=1e-9)
        assert s["forward"] == gradcheck.forward_difference(fn.f, x, 0.5)
        assert s["centred"] == gradcheck.centred_difference(fn.f, x, 0.5)


def test_secants_approach_the_tangent_centred_faster() -> None:
    ex = derivatives.tangent_explorer(function="cosine bump", x=1.0, h=1.0)
    fwd, cen = [], []
    for h in (0.01, 0.001):
        ex.set(h=h)
        fwd.append(ex.state["forward_error"])
        cen.append(ex.state["centred_error"])
    assert fwd[0] / fwd[1] == pytest.approx(10.0, rel=0.1)   # first order
    assert cen[0] / cen[1] == pytest.approx(100.0, rel=0.1)  # second order
    assert cen[1] < fwd[1]


def test_x_slider_follows_the_function_window() -> None:
    ex = derivatives.tangent_explorer(function="square", x=8.0)
    ex.set(function="double well")  # 8 is outside [-2, 2]: x moves to the usual start
    assert ex.controls["x"].max == pytest.approx(2.0)
    assert -2.0 <= ex.state["x"] <= 2.0
    ex.set(x=-1.0)
    ex.set(function="cosine bump")  # -1 fits: it stays
    assert ex.state["x"] == pytest.approx(-1.0)
    assert ex.controls["x"].min == pytest.approx(-4.5)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="function"):
        derivatives.tangent_explorer(function="cube")
    with pytest.raises(ValueError, match="window"):
        derivatives.tangent_explorer(function="double well", x=5.0)


# ---------------------------------------------------------------------------------------------
# The V


def test_float64_best_steps_match_the_theory() -> None:
    ex = derivatives.error_explorer()  # sin at 1, float64, median over nearby points
    s = ex.state
    eps = np.finfo(np.float64).eps
    assert s["theory_forward"] == pytest.approx(np.sqrt(eps))
    assert s["theory_centred"] == pytest.approx(np.cbrt(eps))
    assert 0.25 < s["best_h_forward"] / np.sqrt(eps) < 4
    assert 0.25 < s["best_h_centred"] / np.cbrt(eps) < 4
    # centred is far more accurate at its best
    assert s["min_error_centred"] < 1e-3 * s["min_error_forward"]
    assert s["min_error_forward"] < 1e-7 and s["min_error_centred"] < 1e-10


def test_float32_moves_the_bottom_of_the_v() -> None:
    ex = derivatives.error_explorer()
    ex.set(precision="float32")
    s = ex.state
    eps = np.finfo(np.float32).eps
    assert s["eps"] == eps
    assert 0.2 < s["best_h_forward"] / np.sqrt(eps) < 5
    assert 0.2 < s["best_h_centred"] / np.cbrt(eps) < 5
    assert s["min_error_centred"] > 1e-8  # float32 cannot do better than ~ε^(2/3)
    # steps below float32's resolution leave x + h == x: the forward estimate is 0
    assert s["forward"][0] == pytest.approx(abs(np.cos(1.0)), rel=1e-6)


def test_truncation_side_of_the_v_is_the_taylor_formula() -> None:
    ex = derivatives.error_explorer(function="x³ − 2x", x=1.5, median=False)
    s = ex.state
    hs, x = s["hs"], 1.5
    big = hs >= 1e-3
    # f = x³ − 2x: forward error 3xh + h², centred error h² (exact arithmetic)
    np.testing.assert_allclose(s["forward"][big], 3 * x * hs[big] + hs[big] ** 2, rtol=1e-6)
    np.testing.assert_allclose(s["centred"][big], hs[big] ** 2, rtol=1e-5)


def test_single_point_errors_are_the_reference_quotients() -> None:
    ex = derivatives.error_explorer(function="sin x", x=0.7, median=False)
    s = ex.state
    for i in (40, 90, 120):
        h = float(s["hs"][i])
        ref = abs(gradcheck.centred_difference(np.sin, 0.7, h) - np.cos(0.7))
        assert s["centred"][i] == pytest.approx(ref, rel=1e-6, abs=1e-15)


def test_every_control_redraws() -> None:
    ex = derivatives.error_explorer()
    png, draws = ex.png, ex.n_draws
    ex.set(function="exp x", x=-0.5, median=False)
    assert ex.n_draws == draws + 1 and ex.png != png
    assert ex.state["function"] == "exp x" and ex.state["x"] == pytest.approx(-0.5)




def test_default_view_shows_the_centred_secant_closer() -> None:
    s = derivatives.tangent_explorer().state
    assert s["centred_error"] < s["forward_error"]
