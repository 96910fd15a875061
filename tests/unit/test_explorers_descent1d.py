"""gdutils.explorers.descent1d: move each control, press each button, check the data drawn."""

from __future__ import annotations

import numpy as np
import pytest

from gdutils import descent, functions
from gdutils.display.explorers import descent1d


def _closed_form(x0: float, lr: float, k: int) -> float:
    return x0 * (1 - 2 * lr) ** k  # f(x) = x²: each step multiplies x by 1 − 2η


# ---------------------------------------------------------------------------------------------
# A whole run


def test_defaults_are_the_course_example() -> None:
    ex = descent1d.descent_explorer()  # x², x0 = 10, η = 0.2, ten steps
    s = ex.state
    assert s["path"].shape == (11,) and s["path"][0] == 10.0
    assert s["x_final"] == pytest.approx(0.0604662, abs=5e-8)
    np.testing.assert_allclose(s["path"], [_closed_form(10, 0.2, k) for k in range(11)], rtol=1e-12)
    assert s["status"] == "max_iter" and s["regime"] == "monotone"


@pytest.mark.parametrize(
    ("lr", "regime", "final"),
    [(0.05, "monotone", 3.4867844), (0.75, "oscillating", 10 * 0.5**10),
     (1.0, "cycling", 10.0), (1.1, "diverging", 61.917364224)],
)
def test_learning_rate_slider_three_regimes(lr: float, regime: str, final: float) -> None:
    ex = descent1d.descent_explorer()
    ex.set(lr=lr)
    s = ex.state
    assert s["regime"] == regime
    assert s["x_final"] == pytest.approx(final, rel=1e-7)
    ref = descent.gradient_descent_1d(lambda x: 2 * x, 10.0, lr, 10)
    np.testing.assert_allclose(s["path"], ref.path, rtol=1e-12)
    signs = np.sign(s["path"])
    assert np.all(signs == 1) if regime == "monotone" else np.all(signs[1:] * signs[:-1] < 0)


def test_divergence_is_flagged_and_never_drawn_as_nan() -> None:
    ex = descent1d.descent_explorer()
    ex.set(lr=1.1, n_steps=100)
    s = ex.state
    assert s["status"] == "diverged"
    assert np.all(np.isfinite(s["path"])) and np.all(np.isfinite(s["losses"]))
    # 10·1.2ᵏ passes 1e6 at k = 64: the loop stops there
    k = int(np.ceil(np.log(1e6 / 10) / np.log(1.2)))
    assert s["path"].size == k + 1
    assert abs(s["path"][-2]) <= descent1d.DIVERGENCE_THRESHOLD < abs(s["path"][-1])
    assert "diverged" in s["message"]


def test_the_start_decides_the_minimum_on_the_double_well() -> None:
    fn = functions.double_well()
    left, right = fn.minima
    ex = descent1d.descent_explorer(function="double well", lr=0.05, x0=2.0, n_steps=100)
    assert ex.state["x_final"] == pytest.approx(right, abs=1e-6)
    ex.set(x0=-0.5)
    assert ex.state["x_final"] == pytest.approx(left, abs=1e-6)
    # the hump between the wells sits where f'(x) = 0 between them: starts on either side split
    ex.set(x0=0.3)
    assert ex.state["x_final"] == pytest.approx(right, abs=1e-6)
    ex.set(x0=0.1)
    assert ex.state["x_final"] == pytest.approx(left, abs=1e-6)


def test_function_picker_moves_the_start_into_the_new_window() -> None:
    ex = descent1d.descent_explorer()  # square, x0 = 10
    ex.set(function="double well")
    assert ex.controls["x0"].max == pytest.approx(2.5)
    assert ex.state["x0"] == pytest.approx(2.0)
    assert ex.state["function"] == "double well"
    ex.set(x0=-1.0, function="cosine bump")
    assert ex.state["x0"] == pytest.approx(-1.0)


def test_steps_slider() -> None:
    ex = descent1d.descent_explorer()
    ex.set(n_steps=3)
    np.testing.assert_allclose(ex.state["path"], [10.0, 6.0, 3.6, 2.16], rtol=1e-12)
    assert ex.state["losses"] == pytest.approx(ex.state["path"] ** 2)


# ---------------------------------------------------------------------------------------------
# One step at a time


def test_step_button_takes_one_step() -> None:
    ex = descent1d.step_explorer()  # x², x0 = 10, η = 0.2
    assert ex.state["k"] == 0 and ex.state["next_x"] == pytest.approx(6.0)
    ex.press("step")
    ex.press("step")
    np.testing.assert_allclose(ex.state["path"], [10.0, 6.0, 3.6], rtol=1e-12)
    assert ex.state["slope"] == pytest.approx(7.2)
    ex.press("10 steps")
    assert ex.state["k"] == 12
    assert ex.state["x"] == pytest.approx(_closed_form(10, 0.2, 12), rel=1e-12)


def test_changing_lr_continues_and_reset_starts_over() -> None:
    ex = descent1d.step_explorer()
    ex.press("step")  # 10 -> 6
    ex.set(lr=0.05)
    ex.press("step")  # 6 -> 5.4 with the new step size
    np.testing.assert_allclose(ex.state["path"], [10.0, 6.0, 5.4], rtol=1e-12)
    ex.press("reset")
    assert ex.state["k"] == 0 and ex.state["x"] == 10.0
    ex.press("step")
    ex.set(x0=4.0)  # a new start starts over
    assert ex.state["k"] == 0 and ex.state["x"] == 4.0


def test_a_diverging_step_is_refused_and_reported() -> None:
    ex = descent1d.step_explorer(lr=2.0)  # factor 1 − 2η = −3: |x| = 10·3ᵏ
    for _ in range(2):
        ex.press("10 steps")
    s = ex.state
    assert s["status"] == "diverged"
    assert np.all(np.abs(s["path"]) <= descent1d.DIVERGENCE_THRESHOLD)
    assert s["k"] == 10  # 10·3¹⁰ ≈ 5.9e5 is the last point below 1e6
    ex.press("step")
    assert ex.state["k"] == 10  # nothing more happens until reset
    ex.press("reset")
    assert ex.state["status"] == "running" and ex.state["k"] == 0


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="function"):
        descent1d.descent_explorer(function="rosenbrock")
    with pytest.raises(ValueError, match="x0"):
        descent1d.step_explorer(function="double well", x0=5.0)


