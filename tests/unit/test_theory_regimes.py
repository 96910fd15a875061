"""gdutils.theory.gd_regime: the three regimes of gradient descent on a parabola (notebook 02)."""

from __future__ import annotations

import numpy as np
import pytest

from gdutils import checks, theory
from gdutils.theory import gd_regime


def _observed(lr: float, c: float, x0: float = 3.0, steps: int = 400) -> str:
    """Run gradient descent on f = ½ c x² and name what it did (the independent oracle)."""
    xs = [x0]
    for _ in range(steps):
        xs.append(xs[-1] - lr * c * xs[-1])
    xs = np.array(xs)
    if np.all(xs[1:] * xs[:-1] >= 0):
        return "monotone" if abs(xs[-1]) < abs(x0) or xs[-1] == 0 else "?"
    if abs(xs[-1]) < 1e-3 * abs(x0):
        return "oscillating"
    if abs(xs[-1]) > 1e3 * abs(x0):
        return "diverging"
    return "cycling" if np.allclose(np.abs(xs), abs(x0)) else "?"


def test_square_boundaries() -> None:
    assert [gd_regime(lr) for lr in (0.05, 0.2, 0.5)] == ["monotone"] * 3
    assert [gd_regime(lr) for lr in (0.51, 0.75, 0.99)] == ["oscillating"] * 3
    assert gd_regime(1.0) == "cycling"
    assert [gd_regime(lr) for lr in (1.01, 1.1, 3.0)] == ["diverging"] * 3


def test_matches_what_descent_does() -> None:
    rng = np.random.default_rng(2)
    for _ in range(200):
        c = float(rng.uniform(0.1, 20))
        lr = float(rng.uniform(0.01, 2.5)) / c
        if min(abs(lr * c - 1), abs(lr * c - 2)) < 0.05:
            continue  # near a boundary the 400-step oracle cannot tell
        assert gd_regime(lr, c) == _observed(lr, c), (lr, c)
    for lr, c in ((0.25, 4.0), (0.5, 4.0), (4.0, 0.5)):  # exact binary boundaries
        assert gd_regime(lr, c) == _observed(lr, c)


def test_curvature_scales_the_boundaries() -> None:
    assert gd_regime(0.1, 9.0) == "monotone"
    assert gd_regime(0.2, 9.0) == "oscillating"
    assert gd_regime(0.25, 9.0) == "diverging"


@pytest.mark.parametrize("bad", [0.0, -0.1, float("nan"), float("inf"), True, "0.1", None])
def test_validation(bad) -> None:
    with pytest.raises(ValueError):
        gd_regime(bad)
    with pytest.raises(ValueError):
        gd_regime(0.1, bad)


def test_it_is_a_reference_of_notebook_02() -> None:
    assert "gdutils.theory.gd_regime" in checks.references_for("02-gd-1d")
    assert theory.GD_REGIMES == ("monotone", "oscillating", "cycling", "diverging")
    with checks.forbid_reference("02-gd-1d"), pytest.raises(checks.DelegationError):
        gd_regime(0.1)
