"""gdutils.display.explorers.saddles: gradient descent escapes the saddle of x² − y² after the
predicted plateau, and Newton's method lands on it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdutils import descent, functions
from gdutils.display.explorers import saddles


@pytest.mark.parametrize(("y0", "lr"), [(1e-4, 0.1), (1e-8, 0.1), (0.1, 0.3), (3e-6, 0.45)])
def test_escape_prediction_matches_the_run(y0: float, lr: float) -> None:
    ex = saddles.saddle_explorer(y0=y0, lr=lr, static=True)
    s = ex.state
    predicted = math.ceil(math.log(1 / y0) / math.log(1 + 2 * lr) - 1e-12)
    assert s["predicted_escape"] == predicted == saddles.escape_steps(y0, lr)
    if predicted <= 60:
        assert s["escape_step"] == predicted
    fn = functions.saddle()
    ref = descent.gradient_descent(fn.grad, [saddles.X0, y0], lr, max_iter=60, tol=None,
                                   divergence_threshold=1e6, on_divergence="stop")
    n = len(s["path"])
    np.testing.assert_allclose(s["path"], ref.path[:n], rtol=1e-12)


def test_the_plateau_grows_with_log_one_over_y0() -> None:
    short = saddles.saddle_explorer(y0=1e-2, static=True).state["plateau_steps"]
    long = saddles.saddle_explorer(y0=1e-4, static=True).state["plateau_steps"]
    assert long - short == pytest.approx(math.log(1e2) / math.log(1.2), abs=2)  # within 60 steps


def test_newton_lands_on_the_saddle() -> None:
    ex = saddles.saddle_explorer(static=True)
    ex.set(method="Newton")
    s = ex.state
    assert np.all(s["path"][1] == 0.0) and s["escape_step"] is None
    assert "saddle" in ex.figure.axes[0].get_title()
    with pytest.raises(ValueError):
        saddles.escape_steps(0.0, 0.1)
    assert saddles.escape_steps(2.0, 0.1) == 0
