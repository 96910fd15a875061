"""gdutils.explorers.momentum: move every control as a learner would and check the data drawn
against gdutils.descent, gdutils.theory and independent computations (companion matrices)."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

from gdutils import averages, checks, descent, functions, theory
from gdutils.display import widgets
from gdutils.display.explorers import momentum
from gdutils.display.explorers._layers import LayeredFigure

EIGS = momentum.MOMENTUM_EIGENVALUES


def companion_rate(lr: float, beta: float, lam: float) -> float:
    """Spectral radius of the heavy-ball iteration matrix for one eigenvalue (numpy's eigvals)."""
    M = np.array([[1 + beta - lr * lam, -beta], [1.0, 0.0]])
    return float(np.max(np.abs(np.linalg.eigvals(M))))


# --------------------------------------------------------------------------------------------
# helpers


def test_eigen_errors_project_on_the_eigenvectors() -> None:
    fn = functions.quadratic_bowl((0.5, 3.0), angle=0.7)
    path = np.random.default_rng(0).normal(size=(6, 2))
    e = momentum.eigen_errors(path, fn.A)
    lam, V = np.linalg.eigh(fn.A)
    np.testing.assert_allclose(e, path @ V, rtol=1e-12)
    # the quadratic in eigen-coordinates: f = ½ Σ λ_i e_i²
    np.testing.assert_allclose(fn(path), 0.5 * (e**2 @ lam), rtol=1e-12)
    with pytest.raises(ValueError):
        momentum.eigen_errors(path, np.eye(3))


def test_rate_map_matches_companion_matrices() -> None:
    a = np.array([0.1, 0.4, 0.7, 1.2])
    b = np.array([0.0, 0.3, 0.9])
    R = momentum.rate_map(EIGS, a, b)
    assert R.shape == (3, 4)
    for i, beta in enumerate(b):
        for j, lr in enumerate(a):
            want = max(companion_rate(lr, beta, lam) for lam in EIGS)
            assert R[i, j] == pytest.approx(want, rel=1e-9)


def test_heavy_ball_rate_is_tagged_for_notebook_10() -> None:
    assert "gdutils.theory.heavy_ball_rate" in checks.references_for("10-momentum")
    with checks.forbid_reference("10-momentum"), pytest.raises(checks.DelegationError):
        theory.heavy_ball_rate(0.1, 0.5, EIGS)


# --------------------------------------------------------------------------------------------
# the momentum explorer


def test_defaults_draw_gradient_descent_at_its_best_step() -> None:
    ex = momentum.momentum_explorer(static=True)
    s = ex.state
    assert s["beta"] == 0.0 and s["lr"] == pytest.approx(2 / 4.2)
    ref = descent.gradient_descent(functions.quadratic(np.diag(EIGS)).grad, momentum.MOMENTUM_START,
                                   2 / 4.2, max_iter=60, tol=None)
    np.testing.assert_allclose(s["path"], ref.path, rtol=1e-12, atol=1e-14)
    assert s["rate"] == pytest.approx(19 / 21)
    assert s["measured_rate"] == pytest.approx(19 / 21, rel=1e-6)
    assert s["gd_optimum"][0] == pytest.approx(2 / 4.2) and s["gd_optimum"][1] == pytest.approx(19 / 21)


def test_sliders_move_the_path_to_where_heavy_ball_ends() -> None:
    ex = momentum.momentum_explorer(static=True)
    ex.set(lr=0.3, beta=0.8, steps=120)
    fn = functions.quadratic(np.diag(EIGS))
    ref = descent.heavy_ball(fn.grad, momentum.MOMENTUM_START, 0.3, 0.8, 120)
    np.testing.assert_allclose(ex.state["path"], ref.path, rtol=1e-12, atol=1e-14)
    assert ex.state["path"].shape == (121, 2)
    # both roots complex here: the rate is √β for both eigenvalues, not 2√β
    assert ex.state["complex_roots"].all()
    np.testing.assert_allclose(ex.state["rates"], math.sqrt(0.8), rtol=1e-12)
    assert ex.state["measured_rate"] == pytest.approx(math.sqrt(0.8), rel=0.05)


def test_optimum_button_reaches_the_course_values_and_the_theory_rate() -> None:
    ex = momentum.momentum_explorer(static=True)
    ex.set(steps=200)
    ex.press("optimal α, β")
    s = ex.state
    lr, beta, rate = s["optimum"]
    assert round(lr, 6) == 0.667907 and round(beta, 6) == 0.402605 and round(rate, 6) == 0.634512
    assert s["lr"] == pytest.approx(lr) and s["beta"] == pytest.approx(beta)
    assert s["rate"] == pytest.approx(rate, rel=1e-9)
    # measured on the run: the double root at the optimum adds a factor k, so the fitted rate
    # approaches ρ* from above
    assert rate < s["measured_rate"] < rate * 1.03
    ex.press("gradient descent (β = 0)")
    assert ex.state["beta"] == 0.0 and ex.state["rate"] == pytest.approx(19 / 21)


def test_per_eigen_errors_follow_their_own_recurrence() -> None:
    ex = momentum.momentum_explorer(static=True)
    ex.set(lr=0.5, beta=0.3, steps=40)
    e = ex.state["errors"]
    # e(k+1) = (1 + β − αλ) e(k) − β e(k−1), with e(1) = (1 − αλ) e(0) (b₁ = g₁)
    for i, lam in enumerate(EIGS):
        T = 1 + 0.3 - 0.5 * lam
        assert e[1, i] == pytest.approx((1 - 0.5 * lam) * e[0, i], rel=1e-12)
        np.testing.assert_allclose(e[2:, i], T * e[1:-1, i] - 0.3 * e[:-2, i], rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(ex.state["velocities"][1:], np.diff(e, axis=0), rtol=1e-12)


@pytest.mark.parametrize("lr, beta", [(1.2, 0.0), (1.0, 0.9)])
def test_just_outside_the_stability_region_is_flagged(lr: float, beta: float) -> None:
    ex = momentum.momentum_explorer(static=True)
    ex.set(lr=lr, beta=beta, steps=200)
    # α λmax = 4α vs 2 + 2β: 4.8 > 2 and 4.0 > 3.8
    assert not ex.state["stable"] and ex.state["diverging"]
    assert ex.state["rate"] > 1
    norms = np.linalg.norm(ex.state["path"], axis=1)
    assert norms[-1] > 100 * norms[0]
    assert np.all(np.isfinite(ex.state["path"]))


@pytest.mark.parametrize("lr, beta", [(0.9, 0.9), (0.49, 0.0), (0.02, 0.5)])
def test_just_inside_the_stability_region_converges(lr: float, beta: float) -> None:
    ex = momentum.momentum_explorer(static=True)
    ex.set(lr=lr, beta=beta, steps=200)
    assert ex.state["stable"] and not ex.state["diverging"]
    assert ex.state["rate"] < 1
    norms = np.linalg.norm(ex.state["path"], axis=1)
    assert norms[-1] < norms[0]


def test_direction_control_and_rejected_values() -> None:
    ex = momentum.momentum_explorer(static=True)
    ex.set(direction=1)
    assert ex.state["direction"] == 1
    with pytest.raises(ValueError):
        ex.set(beta=1.5)
    with pytest.raises(ValueError):
        momentum.momentum_explorer(eigenvalues=(0.0, 1.0), static=True)


def test_sqrt_kappa_speed_up_in_the_theory_the_explorer_shows() -> None:
    # iterations to 1e-6 predicted from the rates: GD ∝ κ, heavy ball ∝ √κ
    ratios = []
    for kappa in (10.0, 100.0, 1000.0):
        eigs = (4.0 / kappa, 4.0)
        gd = theory.iterations_to_tolerance(theory.gd_rate(theory.gd_optimal_lr(eigs), eigs), 1e-6)
        hb = theory.iterations_to_tolerance(theory.heavy_ball_optimal(eigs)[2], 1e-6)
        ratios.append((gd, hb))
    (g1, h1), (g2, h2), (g3, h3) = ratios
    assert g3 / g2 == pytest.approx(10, rel=0.02) and g2 / g1 == pytest.approx(10, rel=0.02)
    assert h3 / h2 == pytest.approx(math.sqrt(10), rel=0.05)


# --------------------------------------------------------------------------------------------
# the EMA explorer


def test_ema_explorer_draws_the_reference_average_and_the_window_facts() -> None:
    ex = momentum.ema_explorer(static=True)
    s = ex.state
    x = momentum.noisy_signal(80)
    np.testing.assert_allclose(s["ema"], averages.ema(x, 0.9), rtol=1e-12)
    np.testing.assert_allclose(s["debiased"], averages.ema(x, 0.9, debias=True), rtol=1e-12)
    assert s["window"] == pytest.approx(10.0) and round(s["half_life"], 2) == 6.58
    assert s["weight_in_window"] == pytest.approx(1 - 0.9**10)
    ex.set(beta=0.5)
    assert ex.state["window"] == pytest.approx(2.0) and ex.state["half_life"] == pytest.approx(1.0)
    ex.set(beta=0.0)
    np.testing.assert_allclose(ex.state["ema"], x)


def test_noisy_signal_is_seeded() -> None:
    np.testing.assert_array_equal(momentum.noisy_signal(30, seed=1), momentum.noisy_signal(30, seed=1))
    assert not np.allclose(momentum.noisy_signal(30, seed=1), momentum.noisy_signal(30, seed=2))
    with pytest.raises(ValueError):
        momentum.noisy_signal(1)


# --------------------------------------------------------------------------------------------
# static mode, labels and the layered redraw (speed is measured in bench/explorers.py)


def test_layered_redraw_equals_a_full_draw_and_keeps_its_static_layer() -> None:
    from PIL import Image

    def full_draw(ex: widgets.Explorer) -> np.ndarray:
        buf = io.BytesIO()
        ex.figure.savefig(buf, format="png", dpi=widgets.DPI, facecolor="white")
        return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGBA"), dtype=float)

    ex = momentum.momentum_explorer(static=True)
    assert isinstance(ex.figure, LayeredFigure)
    # axes limits move in steps (decades, 1-2-5 numbers): a far move may re-render the static
    # layer, and the frame is still the one a full draw gives
    for lr, beta in [(0.3, 0.5), (0.9, 0.1), (1.3, 0.2)]:
        ex.set(lr=lr, beta=beta)
        fast = np.asarray(Image.open(io.BytesIO(ex.png)).convert("RGBA"), dtype=float)
        full = full_draw(ex)
        assert fast.shape == full.shape
        assert np.mean(np.abs(fast - full)) < 0.5  # same picture (anti-aliasing aside)
    # a drag of β over a few steps keeps it (the limits stay put)
    ex.set(lr=0.3, beta=0.5)
    before = ex.figure.n_static_renders
    for beta in (0.51, 0.52, 0.53, 0.52):
        ex.set(beta=beta)
    assert ex.figure.n_static_renders - before <= 1
