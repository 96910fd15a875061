"""gdutils.explorers.generalisation: degree / size / λ controls, validation and learning curves,
and the early-stopping path, checked against gdutils' reference code."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.axes import Axes

from gdutils import data, losses, training
from gdutils.display import widgets
from gdutils.display.explorers import generalisation as gx
from gdutils.display.explorers._layers import LayeredFigure


@pytest.fixture(scope="module")
def poly_explorer():
    return gx.polynomial_explorer(static=False)


def test_features_and_fit() -> None:
    x = np.array([0.5, -1.0, 2.0])
    F = gx.polynomial_features(x, 3)
    assert np.array_equal(F, np.column_stack([x, x ** 2, x ** 3]))
    assert gx.polynomial_features(x[:, None], 2).shape == (3, 2)
    with pytest.raises(ValueError):
        gx.polynomial_features(np.zeros((3, 2)), 2)
    with pytest.raises(ValueError):
        gx.polynomial_features(x, -1)
    d = gx.polynomial_data()
    xt, yt = d.train(20)
    w, b = gx.fit_polynomial(xt, yt, 3, 0.0)
    coef = np.polynomial.polynomial.polyfit(xt, yt, 3)  # an independent least-squares fit
    assert np.allclose(np.r_[b, w], coef, rtol=1e-8, atol=1e-10)
    assert gx.fit_polynomial(xt, yt, 0)[1] == pytest.approx(yt.mean())


def test_degree_slider_draws_the_ridge_fit(poly_explorer) -> None:
    ex = poly_explorer
    ex.set(degree=7, **{"training points": 30, "L2 penalty": True, "λ": 1e-2})
    st = ex.state
    d = gx.polynomial_data()
    xt, yt = d.train(30)
    w, b = losses.ridge(gx.polynomial_features(xt, 7), yt, 1e-2, penalise_bias=False)
    assert st["degree"] == 7 and st["n_train"] == 30 and st["lam"] == pytest.approx(1e-2)
    assert np.allclose(st["w"], w) and st["b"] == pytest.approx(b)
    assert st["train_mse"] == pytest.approx(np.mean((gx.polynomial_features(xt, 7) @ w + b - yt) ** 2))
    assert st["val_mse"] == pytest.approx(st["val_curve"][7])
    assert np.allclose(st["y_plot"], gx.polynomial_features(st["x_plot"], 7) @ w + b)


def test_validation_curve_over_and_under_fits(poly_explorer) -> None:
    ex = poly_explorer
    ex.set(degree=3, **{"training points": 20, "L2 penalty": False, "right panel": "validation curve"})
    st = ex.state
    assert st["lam"] == 0.0
    tc, vc = st["train_curve"], st["val_curve"]
    assert np.all(np.diff(tc) <= 1e-9), "nested least-squares fits: training error never rises"
    assert 2 <= st["best_degree"] <= 5
    assert vc[12] > 100 * vc[st["best_degree"]] and vc[0] > 5 * vc[st["best_degree"]]
    ex.set(**{"L2 penalty": True, "λ": 1e-3})
    assert ex.state["val_curve"][12] < 2 * vc[st["best_degree"]], "the penalty tames degree 12"


def test_learning_curve_gap_closes_with_data(poly_explorer) -> None:
    ex = poly_explorer
    ex.set(degree=8, **{"training points": 20, "L2 penalty": False, "right panel": "learning curve"})
    st = ex.state
    assert np.array_equal(st["sizes"], gx.LEARNING_CURVE_SIZES)
    gap = st["lc_val"] - st["lc_train"]
    assert gap[-1] < 0.2 * gap[list(st["sizes"]).index(20)]
    d = gx.polynomial_data()
    assert st["lc_val"][-1] < 1.5 * d.noise ** 2




def test_gd_curves_fall_then_rise() -> None:
    tr, va = gx.gd_polynomial_curves(None, epochs=3000)
    assert tr.shape == va.shape == (3001,)
    assert np.all(np.diff(tr) <= 1e-12), "full-batch GD with step 1/L never increases the training loss"
    best = int(np.argmin(va))
    assert 50 < best < 2000 and va[-1] > 2 * va[best]


def test_gd_curves_match_a_hand_written_loop() -> None:
    d = gx.polynomial_data()
    xt, yt = d.train(20)
    F = gx.polynomial_features(xt, 10)
    s = data.Standardiser().fit(F)
    A = np.hstack([s.transform(F), np.ones((20, 1))])
    L = np.linalg.eigvalsh(2 * A.T @ A / 20).max()
    th = np.zeros(11)
    for _ in range(25):
        th = th - (1 / L) * 2 / 20 * A.T @ (A @ th - yt)
    tr, _ = gx.gd_polynomial_curves(None, epochs=25)
    assert tr[-1] == pytest.approx(np.mean((A @ th - yt) ** 2), rel=1e-10)


def test_early_stopping_explorer_applies_the_patience_rule() -> None:
    ex = gx.early_stopping_explorer(static=False)
    for training_kind in ("full batch", "mini-batches of 4"):
        for p in (5, 20, 100):
            ex.set(training=training_kind, patience=p, min_delta=0.0)
            st = ex.state
            best, stop = training.early_stopping_epochs(st["val_loss"], p)
            assert (st["best_epoch"], st["stop_epoch"]) == (best, stop)
            assert st["epochs_saved"] == len(st["val_loss"]) - 1 - stop
            assert st["best_val"] == pytest.approx(st["val_loss"][best])
    ex.set(training="full batch", patience=20)
    early = ex.state["best_val"]
    ex.set(patience=100)
    assert ex.state["best_val"] < early / 5, "too little patience stops on an early bump"
    before = (ex.state["best_epoch"], ex.state["stop_epoch"])
    ex.set(**{"log epochs": True})
    assert ex.figure.axes[0].get_xscale() == "symlog"
    assert (ex.state["best_epoch"], ex.state["stop_epoch"]) == before


def test_early_stopping_explorer_on_given_curves() -> None:
    val = np.array([3.0, 2.0, 1.0, 1.5, 1.2, 1.1, 0.9, 2.0, 3.0])
    ex = gx.early_stopping_explorer(val * 0.5, val, patience=2, static=False)
    assert "training" not in ex.controls
    assert (ex.state["best_epoch"], ex.state["stop_epoch"]) == (2, 4)
    ex.set(patience=4)
    assert (ex.state["best_epoch"], ex.state["stop_epoch"]) == (6, 8)
    ex.set(min_delta=0.05)
    assert ex.state["best_epoch"] == training.early_stopping_epochs(val, 4, 0.05)[0]
    with pytest.raises(ValueError):
        gx.early_stopping_explorer(val[:3], val, static=True)




def test_standardiser_is_a_reference_of_notebook_12() -> None:
    from gdutils import checks

    with checks.forbid_reference("12-generalisation"), pytest.raises(checks.DelegationError):
        data.Standardiser()


def test_redraws_are_cheap(poly_explorer) -> None:
    import time

    def cpu(ex):
        costs = []
        for _ in range(3):
            start = time.process_time()
            ex.redraw()
            costs.append(time.process_time() - start)
        return min(costs)

    poly_explorer.set(degree=9, **{"right panel": "validation curve"})
    assert cpu(poly_explorer) < 0.3
    assert cpu(gx.early_stopping_explorer(static=False)) < 0.3


# --------------------------------------------------------------------------------------------
# the layered redraw: the frame shown is the frame a full draw gives, and drags stay cheap


def _shown(ex) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(ex.png)).convert("RGBA"))


def _moves(ex, seed: int) -> list[dict]:
    """Every other value of every control, then random settings (back and forth: cached layers)."""
    moves = [{c: v} for c, w in ex.controls.items() for v in widgets.alternative_values(w)]
    rng = np.random.default_rng(seed)
    for _ in range(8):
        name = list(ex.controls)[int(rng.integers(len(ex.controls)))]
        options = widgets.alternative_values(ex.controls[name])
        moves.append({name: options[int(rng.integers(len(options)))]})
    return moves


@pytest.mark.parametrize("make", [
    lambda: gx.polynomial_explorer(static=False),
    lambda: gx.early_stopping_explorer(static=False),
    lambda: gx.early_stopping_explorer(np.linspace(2.0, 1.0, 40),
                                       np.r_[np.linspace(3, 1, 20), np.linspace(1, 2, 20)],
                                       patience=3, static=False),
], ids=["polynomial", "early stopping", "early stopping, given curves"])
def test_cached_frame_equals_a_fresh_render(make) -> None:
    ex = make()
    assert isinstance(ex.figure, LayeredFigure)
    # no whole Axes redrawn per frame: only lines, points and titles
    assert not any(isinstance(a, Axes) for a in ex.figure.dynamic)
    for move in _moves(ex, seed=12):
        ex.set(**move)
        fresh = ex.figure.render_rgba(widgets.DPI, cached=False)
        # exactly equal: the dynamic artists are drawn the same way over either static layer
        assert np.array_equal(_shown(ex), fresh), f"after {move} the cached frame differs"


def test_drags_keep_the_static_layer() -> None:
    ex = gx.polynomial_explorer(static=False)
    before = ex.figure.n_static_renders
    for k in [*range(16), *range(14, -1, -1)]:
        ex.set(degree=k)      # the validation curve does not depend on the degree
    ex.set(**{"right panel": "learning curve"})
    for m in range(8, 201, 6):
        ex.set(**{"training points": m})      # nor the learning curve on the size
    assert ex.figure.n_static_renders - before <= 1
    es = gx.early_stopping_explorer(static=False)
    before = es.figure.n_static_renders
    for p in range(1, 201, 7):
        es.set(patience=p, min_delta=round(0.001 * (p % 50), 3))
    assert es.figure.n_static_renders == before


def test_mse_axis_moves_in_steps_of_three_decades() -> None:
    assert gx._mse_limits(np.array([0.03, 0.09, 2.0])) == (1e-2, 1e1)
    assert gx._mse_limits(np.array([0.03, 50.0])) == (1e-2, 1e4)
    assert gx._mse_limits(np.array([1e-4, 3e6])) == (1e-5, 1e7)
    assert gx._mse_limits(np.array([1e-4, 1e12])) == (1e-5, 1e7)    # capped: runs off the top


def test_nothing_diagnostic_is_printed_or_drawn(capsys) -> None:
    import re

    from matplotlib.text import Text

    for ex in (gx.polynomial_explorer(static=False), gx.early_stopping_explorer(static=False)):
        for move in _moves(ex, seed=3):
            ex.set(**move)
            texts = " | ".join(t.get_text() for t in ex.figure.findobj(Text))
            assert not re.search(r"\d\s*ms\b|redraw|render|timing|seconds", texts), texts
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_lambda_is_written_as_a_learner_reads_it() -> None:
    assert gx._lam_text(0.0) == "λ = 0"
    assert gx._lam_text(0.0316) == "λ = 0.0316"
    assert gx._lam_text(1e-8) == "λ = 10⁻⁸"
    assert gx._lam_text(5.01e-6) == "λ = 5 × 10⁻⁶"
    assert gx._lam_text(9.97e-5) == "λ = 10⁻⁴"
    assert gx._lam_text(2e3) == "λ = 2 × 10³"
