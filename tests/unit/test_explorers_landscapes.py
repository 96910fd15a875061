"""gdutils.explorers.landscapes: move every control as a learner would and check the data drawn."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdutils import descent, functions
from gdutils.display.explorers import landscapes

# --------------------------------------------------------------------------------------------
# helpers


def test_ellipse_points_lie_on_the_level_set() -> None:
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    c = np.array([0.5, -1.0])
    pts = landscapes.ellipse_points(A, c, 2.0, n=50)
    d = pts - c
    values = 0.5 * np.einsum("ni,ij,nj->n", d, A, d)
    np.testing.assert_allclose(values, 2.0, rtol=1e-12)
    np.testing.assert_allclose(pts[0], pts[-1], atol=1e-12)  # closed curve


@pytest.mark.parametrize(
    "args",
    [
        (np.eye(3), (0, 0), 1.0),
        (np.eye(2), (0, 0, 0), 1.0),
        (np.eye(2), (0, 0), -1.0),
        (np.diag([1.0, -1.0]), (0, 0), 1.0),
    ],
)
def test_ellipse_points_rejects_bad_input(args) -> None:
    with pytest.raises(ValueError):
        landscapes.ellipse_points(*args)


def test_quadratic_levels_are_increasing_up_to_top() -> None:
    lv = landscapes.quadratic_levels(18.0, 6)
    assert lv[-1] == pytest.approx(18.0)
    assert np.all(np.diff(lv) > 0) and lv[0] > 0


# --------------------------------------------------------------------------------------------
# bowl explorer


def test_bowl_defaults_draw_the_reference_run() -> None:
    ex = landscapes.bowl_explorer(static=True)
    s = ex.state
    fn = functions.quadratic_bowl((4.0 / 20.0, 4.0), angle=math.radians(30.0))
    ref = descent.gradient_descent(fn.grad, [-2.5, 2.0], 0.3, max_iter=40, tol=None)
    np.testing.assert_allclose(s["path"], ref.path, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(s["errors"], np.linalg.norm(ref.path, axis=1), rtol=1e-12)
    np.testing.assert_allclose(s["eigenvalues"], [0.2, 4.0], rtol=1e-12)
    assert s["status"] == "max_iter" and not s["diverging"]


def test_bowl_facts_for_eigenvalues_0_2_and_4() -> None:
    ex = landscapes.bowl_explorer(static=True)
    ex.set(kappa=20.0, angle=0.0)
    s = ex.state
    # closed forms: 2/(λmin+λmax) = 2/4.2 and (κ−1)/(κ+1) = 19/21
    assert s["lr_stable"] == pytest.approx(0.5)
    assert s["lr_optimal"] == pytest.approx(2 / 4.2)
    assert round(s["lr_optimal"], 6) == 0.476190
    ex.set(lr=round(2 / 4.2, 6))  # the slider snaps; stay within 1e-6 of the optimum
    assert ex.state["rate"] == pytest.approx(19 / 21, abs=1e-5)


def test_bowl_at_the_optimal_step_every_direction_contracts_by_rho() -> None:
    ex = landscapes.bowl_explorer(static=True)
    ex.set(kappa=20.0, angle=45.0, steps=60)
    lr = ex.state["lr_optimal"]
    # bypass the slider's snapping: call update with the exact optimum
    state = ex._update({**ex.values, "lr": lr})
    rho = 19 / 21
    ks = np.arange(61)
    np.testing.assert_allclose(state["errors"], state["errors"][0] * rho**ks, rtol=1e-9)


@pytest.mark.parametrize("kappa", [1.0, 5.0, 50.0, 100.0])
def test_bowl_stability_bound_does_not_move_with_kappa(kappa: float) -> None:
    ex = landscapes.bowl_explorer(static=True)
    ex.set(kappa=kappa)
    assert ex.state["lr_stable"] == pytest.approx(2 / landscapes.BOWL_LAMBDA_MAX)
    assert ex.state["kappa"] == pytest.approx(kappa, rel=1e-9)
    assert ex.state["eigenvalues"][0] == pytest.approx(4.0 / kappa)


def test_bowl_flags_divergence_above_two_over_lambda_max() -> None:
    ex = landscapes.bowl_explorer(static=True)
    ex.set(lr=0.56)  # just above 2/λmax = 0.5: |1 − 0.56·4| = 1.24
    assert ex.state["diverging"] and ex.state["rate"] == pytest.approx(1.24, rel=1e-3)
    assert ex.state["errors"][-1] > ex.state["errors"][0]
    ex.set(lr=1.0)  # |1 − 4| = 3: blows past the drawing limit, stopped and flagged
    assert ex.state["status"] == "diverged" and ex.state["diverging"]
    assert np.all(np.isfinite(ex.state["path"]))
    ex.set(lr=0.45)
    assert not ex.state["diverging"] and ex.state["errors"][-1] < ex.state["errors"][0]


def test_bowl_rotation_keeps_eigenvalues_and_moves_the_path() -> None:
    ex = landscapes.bowl_explorer(static=True)
    ex.set(angle=0.0)
    p0 = ex.state["path"].copy()
    ex.set(angle=60.0)
    np.testing.assert_allclose(ex.state["eigenvalues"], [0.2, 4.0], rtol=1e-12)
    assert not np.allclose(ex.state["path"], p0)


def test_bowl_steps_slider_sets_the_path_length() -> None:
    ex = landscapes.bowl_explorer(static=True)
    ex.set(steps=7)
    assert ex.state["path"].shape == (8, 2)


# --------------------------------------------------------------------------------------------
# classic functions


def test_classic_functions_each_choice_runs_its_own_function() -> None:
    ex = landscapes.classic_functions_explorer(static=True)
    ex.set(function="Booth", lr=0.05, steps=500)
    np.testing.assert_allclose(ex.state["x"], [1.0, 3.0], atol=1e-6)
    ex.set(function="Himmelblau", lr=0.01, steps=500)
    np.testing.assert_allclose(ex.state["x"], [3.0, 2.0], atol=1e-6)
    assert ex.state["f"] < 1e-10
    ex.set(function="Rosenbrock", lr=1e-3, steps=1000)
    ref = descent.gradient_descent(
        functions.rosenbrock().grad, [-1.2, 1.0], 1e-3, max_iter=1000, tol=1e-10
    )
    np.testing.assert_allclose(ex.state["x"], ref.x, rtol=1e-12)
    assert ex.state["losses"][-1] < ex.state["losses"][0]


def test_classic_functions_rosenbrock_bound_comes_from_the_hessian_at_the_minimum() -> None:
    ex = landscapes.classic_functions_explorer(static=True)
    # H(1, 1) = [[802, −400], [−400, 200]]: λmax = 501 + √(301² + 400²)
    lam_max = 501.0 + math.hypot(301.0, 400.0)
    assert ex.state["lr_stable_at_minimum"] == pytest.approx(2.0 / lam_max, rel=1e-12)


def test_classic_functions_flags_divergence() -> None:
    ex = landscapes.classic_functions_explorer(static=True)
    ex.set(function="Rosenbrock", lr=0.2)
    assert ex.state["diverged"] and ex.state["status"] == "diverged"
    assert np.all(np.isfinite(ex.state["path"]))


def test_classic_functions_rejects_unknown_names() -> None:
    with pytest.raises(ValueError):
        landscapes.classic_functions_explorer(name="Ackley", static=True)
    ex = landscapes.classic_functions_explorer(static=True)
    with pytest.raises(ValueError):
        ex.set(function="Ackley")


# --------------------------------------------------------------------------------------------
# Himmelblau basins


def test_basin_map_labels_agree_with_independent_runs() -> None:
    xs, labels = landscapes.himmelblau_basins()
    fn = functions.himmelblau()
    mins = np.array(fn.minima)
    rng = np.random.default_rng(0)
    for i, j in rng.integers(0, len(xs), size=(15, 2)):
        start = np.array([xs[j], xs[i]])
        end = descent.gradient_descent(
            fn.grad, start, landscapes.BASIN_LR, max_iter=landscapes.BASIN_STEPS, tol=None
        ).x
        dist = np.linalg.norm(mins - end, axis=1)
        expected = int(np.argmin(dist)) if dist.min() < 1e-3 else -1
        assert labels[i, j] == expected, (start, end)


def test_basin_map_every_minimum_owns_its_neighbourhood() -> None:
    xs, labels = landscapes.himmelblau_basins()
    for k, m in enumerate(functions.himmelblau().minima):
        i = int(np.argmin(np.abs(xs - m[1])))
        j = int(np.argmin(np.abs(xs - m[0])))
        assert labels[i, j] == k
    assert set(np.unique(labels)) <= {-1, 0, 1, 2, 3}
    assert np.all(np.bincount(labels[labels >= 0].ravel()) > 0.15 * labels.size)


def test_basin_map_returns_copies_and_validates() -> None:
    _, labels = landscapes.himmelblau_basins()
    labels[:] = 7
    assert np.all(landscapes.himmelblau_basins()[1] != 7)
    with pytest.raises(ValueError):
        landscapes.himmelblau_basins(lr=-1.0)


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_basin_explorer_start_near_each_minimum_reaches_it(k: int) -> None:
    m = functions.himmelblau().minima[k]
    ex = landscapes.basin_explorer(static=True)
    ex.set(x0=round(float(m[0]) + 0.3, 1), y0=round(float(m[1]) - 0.3, 1))
    assert ex.state["minimum_index"] == k
    np.testing.assert_allclose(ex.state["minimum"], m)
    np.testing.assert_allclose(ex.state["end"], m, atol=1e-3)
    # f = 0 at every minimum
    assert functions.himmelblau()(ex.state["minimum"]) == pytest.approx(0.0, abs=1e-20)


def test_basin_explorer_agrees_with_its_background_map() -> None:
    ex = landscapes.basin_explorer(static=True)
    xs, labels = landscapes.himmelblau_basins()
    for x0, y0 in [(4.0, 4.0), (-4.0, 4.0), (-1.0, -0.5), (0.5, -4.0), (-0.5, 0.5)]:
        ex.set(x0=x0, y0=y0)
        i = int(np.argmin(np.abs(xs - y0)))
        j = int(np.argmin(np.abs(xs - x0)))
        assert ex.state["minimum_index"] == labels[i, j]
        np.testing.assert_allclose(ex.state["path"][0], [x0, y0])


# --------------------------------------------------------------------------------------------
# static mode and redraw cost






@pytest.mark.parametrize("name", ["Rosenbrock", "Booth", "Himmelblau"])
def test_classic_functions_short_and_long_runs_agree(name: str) -> None:
    """Runs are computed to the smallest budget covering the steps slider: what is drawn for
    ``steps`` must not depend on whether a longer run was cached first."""
    import numpy as np
    keys = ("path", "losses", "status", "diverged", "x", "f")
    for lr in (1e-3, 0.02, 0.19):
        fresh = landscapes.classic_functions_explorer(name=name, lr=lr, n_steps=10, static=True)
        longer = landscapes.classic_functions_explorer(name=name, lr=lr, n_steps=5000, static=True)
        for steps in (10, 250, 260, 1000, 1010, 5000):
            fresh.set(steps=steps)
            longer.set(steps=steps)
            for k in keys:
                a, b = fresh.state[k], longer.state[k]
                assert np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True) if isinstance(
                    a, np.ndarray) else a == b, (name, lr, steps, k, a, b)
