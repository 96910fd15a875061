"""gdutils.explorers.adaptive: move every control as a learner would and check the data drawn
against gdutils.optim runs and closed forms (effective learning rates, rotation invariance)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdutils import descent, functions, optim
from gdutils.display.explorers import adaptive

# --------------------------------------------------------------------------------------------
# helpers


@pytest.mark.parametrize("name", list(adaptive.OPTIMISERS))
def test_make_optimizer_builds_torch_rules(name: str) -> None:
    x = np.array([1.0, -2.0])
    opt = adaptive.make_optimizer(name, 0.1)([x])
    assert opt.lr == 0.1
    expected = {"GD": optim.SGD, "momentum": optim.SGD, "Adagrad": optim.Adagrad,
                "RMSprop": optim.RMSprop, "Adam": optim.Adam}[name]
    assert type(opt) is expected
    if name == "momentum":
        assert opt.momentum == 0.9
    with pytest.raises(ValueError):
        adaptive.make_optimizer("Lion", 0.1)
    with pytest.raises(ValueError):
        adaptive.make_optimizer(name, -1.0)


def test_race_runs_every_optimiser_like_run_optimizer() -> None:
    res = adaptive.race("Beale", {"Adam": 0.05}, n_steps=100)
    assert list(res) == list(adaptive.OPTIMISERS)
    fn = functions.beale()
    ref = descent.run_optimizer(lambda p: optim.Adam(p, lr=0.05), fn.grad, (1.0, 1.5), 100, f=fn)
    np.testing.assert_allclose(res["Adam"].path, ref.path, rtol=1e-12)
    tuned = adaptive.RACE_FUNCTIONS["Beale"]["lrs"]["GD"]
    ref = descent.run_optimizer(lambda p: optim.SGD(p, lr=tuned), fn.grad, (1.0, 1.5), 100, f=fn)
    np.testing.assert_allclose(res["GD"].path, ref.path, rtol=1e-12)
    with pytest.raises(ValueError):
        adaptive.race("Ackley")
    with pytest.raises(ValueError):
        adaptive.race("Beale", {"Lion": 0.1})


@pytest.mark.parametrize("function", list(adaptive.RACE_FUNCTIONS))
def test_tuned_learning_rates_make_progress_on_every_course(function: str) -> None:
    res = adaptive.race(function)
    f0 = float(res["GD"].losses[0])
    for name, r in res.items():
        assert not r.diverged, (function, name)
        assert r.losses[-1] < 0.1 * f0, (function, name, r.losses[-1])


def test_effective_lr_matches_the_optimisers_state_formulas() -> None:
    fn = functions.quadratic_bowl((1.0, 25.0))
    x0 = np.array([2.0, 1.0])
    path, eff = adaptive.effective_lr_history("Adam", fn.grad, x0, 0.05, 30)
    assert path.shape == (31, 2) and eff.shape == (30, 2)
    # recompute Adam's v̂ by hand from the path (g_t = A x_{t−1})
    v = np.zeros(2)
    for t in range(1, 31):
        g = fn.grad(path[t - 1])
        v = 0.999 * v + 0.001 * g**2
        np.testing.assert_allclose(eff[t - 1], 0.05 / (np.sqrt(v / (1 - 0.999**t)) + 1e-8), rtol=1e-10)
    path_ada, eff_ada = adaptive.effective_lr_history("Adagrad", fn.grad, x0, 0.5, 5)
    s = np.cumsum([fn.grad(p) ** 2 for p in path_ada[:5]], axis=0)  # s_t = Σ_{k ≤ t} g_k²
    np.testing.assert_allclose(eff_ada, 0.5 / (np.sqrt(s) + 1e-10), rtol=1e-10)
    _, eff_gd = adaptive.effective_lr_history("GD", fn.grad, x0, 0.07, 5)
    np.testing.assert_array_equal(eff_gd, 0.07)


def test_adams_first_effective_step_is_lr_per_coordinate() -> None:
    # step 1: m̂ = g and √v̂ = |g|, so every coordinate moves by lr·g/(|g| + ε) ≈ lr
    fn = functions.quadratic_bowl((1.0, 25.0))
    path, eff = adaptive.effective_lr_history("Adam", fn.grad, [2.0, 1.0], 0.05, 1)
    g = fn.grad(np.array([2.0, 1.0]))
    np.testing.assert_allclose(path[1] - path[0], -0.05 * g / (np.abs(g) + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(np.abs(path[1] - path[0]), 0.05, rtol=1e-6)


def test_gd_is_rotation_invariant_and_adam_is_not() -> None:
    angles = [0.0, 30.0, 45.0, 90.0]
    gd = adaptive.rotation_sweep("GD", 0.07, angles)
    adam = adaptive.rotation_sweep("Adam", 0.05, angles)
    assert np.all(gd == gd[0]) and gd[0] > 0
    # the axis-aligned bowls (0° and 90°) are mirror images for Adam too; the diagonal is slower
    assert adam[0] == adam[3]
    assert adam[2] > 2 * adam[0]


def test_rotated_start_turns_with_the_bowl() -> None:
    for a in (0.0, 33.0, 90.0):
        fn = adaptive.rotated_bowl(a)
        x0 = adaptive.rotated_start(a)
        assert float(fn(x0)) == pytest.approx(float(adaptive.rotated_bowl(0.0)(np.array(adaptive.ROTATION_START))))
    np.testing.assert_allclose(adaptive.rotated_start(90.0), [-1.0, 2.0], atol=1e-12)


def test_steps_to_tolerance() -> None:
    path = np.array([[1.0, 0.0], [0.1, 0.0], [0.001, 0.0], [0.0, 0.0]])
    assert adaptive.steps_to_tolerance(path, 0.01) == 2
    assert adaptive.steps_to_tolerance(path, 1e-9) == 3
    assert adaptive.steps_to_tolerance(path[:2], 1e-9) is None


# --------------------------------------------------------------------------------------------
# the race explorer


def test_race_explorer_draws_the_race_and_names_the_winner() -> None:
    ex = adaptive.race_explorer(static=True)
    s = ex.state
    assert s["function"] == "Rosenbrock"
    ref = adaptive.race("Rosenbrock", n_steps=600)
    for name in adaptive.OPTIMISERS:
        np.testing.assert_allclose(s["paths"][name], ref[name].path)
        np.testing.assert_allclose(s["gaps"][name], ref[name].losses - 0.0)
    assert s["winner"] == min(s["final_gap"], key=s["final_gap"].get)


def test_race_sliders_change_one_optimiser() -> None:
    ex = adaptive.race_explorer(static=True)
    before = {k: v.copy() for k, v in ex.state["paths"].items()}
    ex.set(lr_Adam=0.02, steps=300)
    fn = functions.rosenbrock()
    ref = descent.run_optimizer(lambda p: optim.Adam(p, lr=0.02), fn.grad, (-1.2, 1.0), 300, f=fn)
    np.testing.assert_allclose(ex.state["paths"]["Adam"], ref.path, rtol=1e-12)
    np.testing.assert_allclose(ex.state["paths"]["GD"], before["GD"][:301])


def test_race_function_change_retunes_the_sliders() -> None:
    ex = adaptive.race_explorer(static=True)
    ex.set(function="rotated quadratic")
    assert ex.state["lrs"] == adaptive.RACE_FUNCTIONS["rotated quadratic"]["lrs"]
    assert ex.state["function"] == "rotated quadratic"
    ex.set(function="Beale", lr_GD=0.003)  # an explicit value given with the change wins
    assert ex.state["lrs"]["GD"] == pytest.approx(0.003)
    assert ex.state["lrs"]["Adam"] == adaptive.RACE_FUNCTIONS["Beale"]["lrs"]["Adam"]


def test_race_flags_a_diverging_optimiser_without_nan() -> None:
    ex = adaptive.race_explorer(static=True)
    ex.set(lr_GD=0.1)  # far above 2/λmax ≈ 0.002 on Rosenbrock
    assert ex.state["status"]["GD"] == "diverged"
    assert math.isinf(ex.state["final_gap"]["GD"]) and ex.state["winner"] != "GD"
    assert np.all(np.isfinite(ex.state["paths"]["GD"]))


# --------------------------------------------------------------------------------------------
# the effective-learning-rate explorer


def test_effective_lr_explorer_rotation_matters_for_adam_only() -> None:
    ex = adaptive.effective_lr_explorer(static=True)
    k0 = ex.state["steps_to_tol"]
    ex.set(angle=45.0)
    k45 = ex.state["steps_to_tol"]
    assert k0 is not None and k45 is not None and k45 > 2 * k0
    ex.set(optimiser="GD", lr=0.07)
    g45 = ex.state["steps_to_tol"]
    ex.set(angle=0.0)
    assert ex.state["steps_to_tol"] == g45
    np.testing.assert_array_equal(ex.state["eff"], 0.07)


def test_effective_lr_explorer_state_matches_the_history_helper() -> None:
    ex = adaptive.effective_lr_explorer(static=True)
    ex.set(optimiser="RMSprop", lr=0.01, angle=20.0, steps=50)
    fn = adaptive.rotated_bowl(20.0)
    path, eff = adaptive.effective_lr_history("RMSprop", fn.grad, adaptive.rotated_start(20.0), 0.01, 50)
    np.testing.assert_allclose(ex.state["path"], path)
    np.testing.assert_allclose(ex.state["eff"], eff)
    assert not ex.state["diverged"]
    ex.set(optimiser="GD", lr=0.1)  # 0.1 > 2/25: diverges, stopped and flagged
    assert ex.state["diverged"] and np.all(np.isfinite(ex.state["path"]))


# --------------------------------------------------------------------------------------------
# runs reused across redraws: extending or cutting one gives what a fresh run gives


def _cold_race(function: str, lrs: dict, n_steps: int) -> dict:
    adaptive._run.cache_clear()
    adaptive._RACE_RUNS._runs.clear()
    return adaptive.race(function, lrs, n_steps)


@pytest.mark.parametrize("lr_gd", [2e-3, 0.1])  # converging, and diverging after a few steps
def test_race_runs_cut_and_extended_match_fresh_runs(lr_gd: float) -> None:
    lrs = {"GD": lr_gd}
    cold_long = _cold_race("Rosenbrock", lrs, 900)
    k = cold_long["GD"].n_iter
    budgets = [900, 300, 1200, 50] + ([k, k + 1, max(k - 1, 1)] if k < 900 else [])
    warm = {n: adaptive.race("Rosenbrock", lrs, n) for n in budgets}   # one resumed run each
    for n in budgets:
        cold = _cold_race("Rosenbrock", lrs, n)
        for name in adaptive.OPTIMISERS:
            np.testing.assert_array_equal(warm[n][name].path, cold[name].path)
            np.testing.assert_array_equal(warm[n][name].losses, cold[name].losses)
            assert warm[n][name].status == cold[name].status
            assert warm[n][name].n_iter == cold[name].n_iter
    fn = functions.rosenbrock()
    ref = descent.run_optimizer(lambda p: optim.SGD(p, lr=2e-3), fn.grad, (-1.2, 1.0), 1200, f=fn)
    if lr_gd == 2e-3:
        np.testing.assert_allclose(warm[1200]["GD"].path, ref.path, rtol=1e-12)


def test_effective_lr_explorer_steps_cut_and_extend_the_same_run() -> None:
    ex = adaptive.effective_lr_explorer(static=True)
    fn = adaptive.rotated_bowl(30.0)
    x0 = adaptive.rotated_start(30.0)
    for lr, steps in ((0.05, 300), (0.05, 120), (0.05, 800), (0.3, 800), (0.3, 40)):
        ex.set(angle=30.0, lr=lr, steps=steps)
        path, eff = adaptive.effective_lr_history("Adam", fn.grad, x0, lr, steps)
        np.testing.assert_array_equal(ex.state["path"], path)
        np.testing.assert_array_equal(ex.state["eff"], eff)
        assert ex.state["diverged"] == (len(path) < steps + 1)


def test_effective_lr_rates_stay_within_the_fixed_axis() -> None:
    lo, hi = adaptive._EFF_RANGE
    for name in ("GD", "Adagrad", "RMSprop", "Adam"):
        for angle in (0.0, 45.0, 90.0):
            fn = adaptive.rotated_bowl(angle)
            for lr in (1e-3, 0.03, 1.0):
                with np.errstate(all="ignore"):
                    _, eff = adaptive.effective_lr_history(name, fn.grad,
                                                           adaptive.rotated_start(angle), lr, 1000)
                eff = eff[np.isfinite(eff)]
                assert lo <= eff.min() and eff.max() <= hi, (name, angle, lr)


# --------------------------------------------------------------------------------------------
# static mode, labels, layered figure (speed is measured in bench/explorers.py)


@pytest.mark.parametrize("factory", [adaptive.race_explorer, adaptive.effective_lr_explorer])
def test_cached_frames_equal_full_renders_after_every_control(factory) -> None:
    """The static layer holds nothing a control changes: after each change the cached frame is
    pixel for pixel the frame rendered from scratch, and the PNG shows it."""
    from gdutils.display import widgets

    ex = factory(static=False)
    for control, widget in ex.controls.items():
        for value in widgets.alternative_values(widget):
            ex.set(**{control: value})
            cached = np.array(ex.figure.render_rgba(widgets.DPI))
            fresh = np.array(ex.figure.render_rgba(widgets.DPI, cached=False))
            assert cached.shape == fresh.shape
            assert np.array_equal(cached, fresh), (control, value,
                                                   int(np.any(cached != fresh, axis=-1).sum()))
            assert widgets.encode_png(cached) == widgets.encode_png(
                np.array(ex.figure.render_rgba(widgets.DPI)))


def test_race_legend_is_off_the_data_and_colours_are_distinct() -> None:
    from gdutils.display import plotting

    ex = adaptive.race_explorer(static=True)
    fig = ex.figure
    assert not any(ax.get_legend() for ax in fig.axes)
    (legend,) = fig.legends
    renderer = fig.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    for ax in fig.axes:
        assert not box.overlaps(ax.get_window_extent(renderer))
    colours = [line.get_color() for line in legend.get_lines()[: len(adaptive.OPTIMISERS)]]
    assert len(set(colours)) == len(adaptive.OPTIMISERS)
    assert not {plotting.COLORS["orange"], plotting.COLORS["vermillion"]} <= set(colours)


def test_function_change_redraws_once_with_the_tuned_rates() -> None:
    ex = adaptive.race_explorer(static=False)
    n = ex.n_draws
    ex.controls["function"].value = "Beale"          # as a learner picks it
    assert ex.n_draws == n + 1
    assert ex.state["lrs"] == adaptive.RACE_FUNCTIONS["Beale"]["lrs"]
    assert ex.values["lr_Adam"] == pytest.approx(adaptive.RACE_FUNCTIONS["Beale"]["lrs"]["Adam"])

def test_layered_figure_other_savefig_calls_draw_everything(tmp_path) -> None:
    ex = adaptive.effective_lr_explorer(static=True)
    n = ex.figure.n_static_renders
    ex.figure.savefig(tmp_path / "full.png", dpi=50)
    assert (tmp_path / "full.png").stat().st_size > 1000
    assert ex.figure.n_static_renders == n
    with pytest.raises(ValueError):
        ex.figure.add_dynamic("not an artist")
