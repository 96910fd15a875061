"""gdutils.display.explorers.initialisation: every control redraws, and the data drawn are
gdutils.nn.stack_statistics' measurements next to the variance map's predictions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdutils import nn
from gdutils.display.explorers import initialisation


def test_defaults_draw_a_tanh_stack_at_the_lecun_scale() -> None:
    ex = initialisation.init_scale_explorer(static=True)
    s = ex.state
    assert s["depth"] == 20 and s["std"] == pytest.approx(1 / math.sqrt(initialisation.WIDTH))
    ref = nn.stack_statistics(20, initialisation.WIDTH, "tanh", std=s["std"], n=initialisation.BATCH, seed=0)
    for key in ("pre_std", "pre_std_theory", "back_norm", "back_norm_theory", "grad_norm"):
        np.testing.assert_allclose(s[key], ref[key], rtol=1e-12)
    assert s["backward_factor"] == pytest.approx(ref["factor"])
    line = ex.figure.axes[0].lines[0]
    np.testing.assert_allclose(line.get_ydata(), ref["pre_std"], rtol=1e-12)


@pytest.mark.parametrize(("scheme", "scale", "expected"), [("he", 1.0, 1.0), ("lecun", 1.0, 0.5), ("he", 2.0, 4.0)])
def test_relu_factors_per_layer_are_the_variance_argument(scheme: str, scale: float, expected: float) -> None:
    ex = initialisation.init_scale_explorer(activation="relu", scheme=scheme, scale=scale, static=True)
    assert ex.state["backward_factor"] == pytest.approx(expected)
    assert ex.state["forward_factor"] == pytest.approx(expected)
    # the gradient handed to layer 1, relative to the top: the factor's square root per layer
    theory = ex.state["back_norm_theory"]
    assert theory[0] / theory[-1] == pytest.approx(expected ** ((ex.state["depth"] - 1) / 2), rel=1e-9)


def test_controls_change_what_is_drawn() -> None:
    ex = initialisation.init_scale_explorer(static=True)
    before = ex.state["back_norm"].copy()
    ex.set(depth=35)
    assert ex.state["back_norm"].shape == (35,)
    ex.set(depth=20, scale=3.0)
    assert not np.allclose(ex.state["back_norm"], before)
    assert "per layer" in ex.figure.axes[1].get_title()
    with pytest.raises(ValueError):
        initialisation.init_scale_explorer(scheme="orthogonal")
