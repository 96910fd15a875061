"""gdutils.explorers.minibatch: move each control as a learner would and check what is drawn
against gdutils' reference loops."""

from __future__ import annotations

import io

import numpy as np
import pytest

from gdutils import data, schedules, training
from gdutils.display import widgets
from gdutils.display.explorers import minibatch as mbx


@pytest.fixture(scope="module")
def paths_explorer():
    return mbx.sgd_paths_explorer(static=False)


def _problem_data():
    p = mbx.regression_problem()
    return p, np.column_stack([p.x, np.ones(p.n)]), p.y


def _grad(theta, Ab, yb):
    return 2.0 / len(yb) * (Ab.T @ (Ab @ theta - yb))


class _Loader:
    """data.minibatches with one Generator for the whole run (a fresh permutation per epoch)."""

    def __init__(self, A, y, B, seed):
        self.A, self.y, self.B = A, y, B
        self.rng = np.random.default_rng(seed)

    def __iter__(self):
        return data.minibatches(self.A, self.y, self.B, self.rng)


def test_problem_minimiser_is_least_squares() -> None:
    p, A, y = _problem_data()
    assert np.allclose(p.minimiser, np.linalg.lstsq(A, y, rcond=None)[0])
    assert np.allclose(p.grad(p.minimiser), 0, atol=1e-10)
    theta = np.array([0.3, -1.0])
    assert p(theta) == pytest.approx(np.mean((A @ theta - y) ** 2))


@pytest.mark.parametrize("B, lr, schedule, epochs", [(16, 0.05, "constant", 3), (4, 0.1, "cosine", 2),
                                                      (1, 0.02, "1/t", 1), (64, 0.3, "step", 4)])
def test_paths_are_the_reference_sgd(paths_explorer, B, lr, schedule, epochs) -> None:
    ex = paths_explorer
    ex.set(**{"batch size": B, "lr": lr, "schedule": schedule, "epochs": epochs, "runs": 2, "seed": 3})
    st = ex.state
    p, A, y = _problem_data()
    theta0 = p.minimiser + mbx.THETA0_OFFSET
    steps_per_epoch = -(-256 // B)
    assert st["steps_per_epoch"] == steps_per_epoch and st["n_steps"] == steps_per_epoch * epochs
    sched = schedules.make_schedule(schedule, lr, st["n_steps"])
    assert np.allclose(st["lrs"], sched(np.arange(st["n_steps"])))
    for r in range(2):
        ref = training.sgd(_grad, theta0, _Loader(A, y, B, seed=3 * 100 + r), sched, epochs)
        assert np.allclose(st["paths"][r], ref, rtol=1e-10, atol=1e-10)
    assert st["paths"].shape == (2, st["n_steps"] + 1, 2)
    assert not np.any(st["diverged"])
    assert np.allclose(st["losses"][:, -1], st["final_gap"])


def test_full_batch_sgd_is_gradient_descent(paths_explorer) -> None:
    ex = paths_explorer
    ex.set(**{"batch size": 256, "lr": 0.1, "schedule": "constant", "epochs": 5, "runs": 3, "seed": 0})
    st = ex.state
    p, _, _ = _problem_data()
    theta = p.minimiser + mbx.THETA0_OFFSET
    gd = [theta.copy()]
    for _ in range(5):
        theta = theta - 0.1 * p.grad(theta)
        gd.append(theta.copy())
    # with B = n every run takes exactly the gradient-descent steps, whatever the shuffle
    for r in range(3):
        assert np.allclose(st["paths"][r], gd, rtol=1e-10)
    assert np.allclose(st["gd_path"], gd, rtol=1e-10)
    assert st["gd_final_gap"] == pytest.approx(p(gd[-1]) - p.f_min)


def test_small_batches_jitter_and_large_steps_diverge(paths_explorer) -> None:
    ex = paths_explorer
    ex.set(**{"batch size": 1, "lr": 0.05, "schedule": "constant", "epochs": 4, "runs": 3, "seed": 0})
    noisy = ex.state["losses"][:, -256:]  # last epoch: hovering, not converging
    assert np.all(noisy.max(axis=1) > 3 * noisy.min(axis=1))
    ex.set(lr=0.8)
    assert np.all(ex.state["diverged"])
    assert np.all(np.isfinite(ex.state["paths"]))  # drawn up to the blow-up, never NaN
    ex.set(**{"batch size": 4, "lr": 0.05, "schedule": "cosine", "epochs": 10})
    cosine = ex.state["final_gap"]
    ex.set(schedule="constant")
    assert np.mean(cosine) < np.mean(ex.state["final_gap"])


def _redraw_cpu_seconds(ex) -> float:
    import time

    costs = []
    for _ in range(3):
        start = time.process_time()  # CPU time: not inflated by other programs on the machine
        ex.redraw()
        costs.append(time.process_time() - start)
    return min(costs)


def test_redraw_is_cheap(paths_explorer, time_explorer) -> None:
    ex = paths_explorer
    ex.set(**{"batch size": 16, "lr": 0.05, "schedule": "constant", "epochs": 3, "runs": 3})
    # about 0.05 s of CPU per redraw here (PNG encoding included); the bound leaves room for
    # slower machines
    assert _redraw_cpu_seconds(ex) < 0.3
    assert _redraw_cpu_seconds(time_explorer) < 0.3


def _pixels_unlike_a_full_draw(ex) -> int:
    """Pixels of the frame shown (the PNG) that differ from the same figure drawn in full."""
    from PIL import Image

    shown = np.asarray(Image.open(io.BytesIO(ex.png)).convert("RGBA"))
    full = np.asarray(ex.figure.render_rgba(widgets.DPI, cached=False))
    assert shown.shape == full.shape
    return int(np.count_nonzero(np.any(shown != full, axis=-1)))


def _every_value_of_every_control(ex):
    for control, widget in ex.controls.items():
        for value in [*widgets.alternative_values(widget), widget.value]:
            yield control, value


def test_paths_frames_match_a_full_draw() -> None:
    # the static layer (contours, axes, legend) must hold nothing a control changes: every
    # frame, cached or not, is exactly what a full draw gives
    ex = mbx.sgd_paths_explorer(static=False)
    moves = [*_every_value_of_every_control(ex),
             ("lr", 1.0), ("epochs", 10), ("batch size", 1), ("runs", 5), ("lr", 0.001),
             ("epochs", 1), ("batch size", 256), ("lr", 0.05)]
    for control, value in moves:
        ex.set(**{control: value})
        assert _pixels_unlike_a_full_draw(ex) == 0, f"after {control} = {value!r}"


def test_time_frames_match_a_full_draw(time_explorer) -> None:
    ex = time_explorer
    sizes = [k for k in ex.controls if k != "x-axis"]
    moves = [*_every_value_of_every_control(ex),
             *[(k, False) for k in sizes], ("x-axis", "seconds (measured)"),
             *[(k, True) for k in sizes], ("x-axis", "epochs")]
    for control, value in moves:
        ex.set(**{control: value})
        assert _pixels_unlike_a_full_draw(ex) == 0, f"after {control} = {value!r}"


def test_moving_runs_and_seed_keeps_the_static_layer(paths_explorer) -> None:
    ex = paths_explorer
    ex.set(**{"batch size": 16, "lr": 0.05, "schedule": "constant", "epochs": 3, "runs": 3,
              "seed": 0})
    before = ex.figure.n_static_renders
    for runs, seed in [(1, 0), (5, 0), (2, 7), (4, 13), (3, 20)]:
        ex.set(runs=runs, seed=seed)
    assert ex.figure.n_static_renders == before


def test_fewer_runs_are_the_first_of_more(paths_explorer) -> None:
    # the runs are computed once for the most the slider offers; fewer shows the first ones
    ex = paths_explorer
    ex.set(**{"batch size": 4, "lr": 0.1, "schedule": "step", "epochs": 2, "runs": 5, "seed": 2})
    five = ex.state
    ex.set(runs=2)
    two = ex.state
    assert two["paths"].shape[0] == 2 and two["losses"].shape[0] == 2
    assert np.array_equal(two["paths"], five["paths"][:2])
    assert np.array_equal(two["final_gap"], five["final_gap"][:2])
    two["paths"][:] = 0.0  # the state is the caller's: changing it changes no later frame
    ex.set(runs=5)
    assert np.array_equal(ex.state["paths"], five["paths"])


def test_legend_fades_the_batch_sizes_hidden(time_explorer) -> None:
    ex = time_explorer
    sizes = [k for k in ex.controls if k != "x-axis"]
    for k in sizes:
        ex.set(**{k: True})
    ex.set(**{sizes[1]: False})
    (veil,) = [a for a in ex.figure.artists if hasattr(a, "faded")]
    assert veil.faded == {256}
    legend = ex.figure.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == sizes   # every run stays listed
    ex.set(**{sizes[1]: True})
    assert veil.faded == set()


def test_controls_reject_values_a_learner_cannot_pick(paths_explorer) -> None:
    with pytest.raises(ValueError):
        paths_explorer.set(**{"batch size": 3})
    with pytest.raises(ValueError):
        paths_explorer.set(lr=5.0)




@pytest.fixture(scope="module")
def time_explorer():
    X, y = mbx.conditioned_regression(3000, d=5, seed=1)
    return mbx.loss_vs_time_explorer(X, y, batch_sizes=(16, 256, 0), lr=(0.05, 0.3, 0.9), epochs=3,
                                     static=False)


def test_loss_vs_time_axes_and_toggles(time_explorer) -> None:
    ex = time_explorer
    labels = [k for k in ex.controls if k != "x-axis"]
    assert len(labels) == 3
    ex.set(**{"x-axis": "epochs"})
    st = ex.state
    assert set(st["x"]) == {16, 256, 3000}
    for x in st["x"].values():
        assert x[0] == 0.0 and x[-1] == pytest.approx(3.0)
        assert np.all(np.diff(x) > 0)
    ex.set(**{"x-axis": "seconds (measured)"})
    for x in ex.state["x"].values():
        assert np.all(np.diff(x) >= 0) and x[-1] > 0
    ex.set(**{"x-axis": "examples processed"})
    assert ex.state["x"][16][-1] == pytest.approx(3 * 3000)
    ex.set(**{labels[0]: False})
    assert 16 not in ex.state["x"]
    ex.set(**{labels[0]: True})


def test_full_batch_run_is_gradient_descent(time_explorer) -> None:
    X, y = mbx.conditioned_regression(3000, d=5, seed=1)
    run = time_explorer.state["runs"][3000]
    w, b = np.zeros(5), 0.0
    losses = [np.mean((X @ w + b - y) ** 2)]
    for _ in range(3):
        r = X @ w + b - y
        w, b = w - 0.9 * 2 / 3000 * (X.T @ r), b - 0.9 * 2 * np.mean(r)
        losses.append(np.mean((X @ w + b - y) ** 2))
    assert np.allclose(run["loss"], losses, rtol=1e-9)
    l_min = time_explorer.state["l_min"]
    assert np.all(run["loss"] >= l_min - 1e-12)


def test_conditioned_regression_has_the_stated_condition_number() -> None:
    X, _ = mbx.conditioned_regression(200_000, d=4, kappa=100.0, seed=0)
    eig = np.linalg.eigvalsh(X.T @ X / len(X))
    assert eig.max() / eig.min() == pytest.approx(100.0, rel=0.05)
