"""gdutils.explorers.classification: move the controls as a learner would, check the data drawn.

The oracle for the training runs is an independent numpy loop of gradient descent on the mean
logistic loss, written here from the formula dL/dθ = [Xᵀ(σ(z) − y), Σ(σ(z) − y)]/n.
"""

from __future__ import annotations

import numpy as np
import pytest

from gdutils import losses
from gdutils.display.explorers import classification as cx


def _gd_oracle(X: np.ndarray, y: np.ndarray, lr: float, n_steps: int) -> np.ndarray:
    theta = np.zeros(X.shape[1] + 1)
    path = [theta.copy()]
    for _ in range(n_steps):
        z = X @ theta[:-1] + theta[-1]
        p = 0.5 * (1.0 + np.tanh(0.5 * z))  # σ(z), another formula than gdutils'
        r = p - y
        theta = theta - lr * np.append(X.T @ r, r.sum()) / X.shape[0]
        path.append(theta.copy())
    return np.array(path)


@pytest.fixture(scope="module")
def boundary():
    return cx.decision_boundary_explorer(static=True)


def test_decision_boundary_default_path_matches_an_independent_gd_loop(boundary) -> None:
    boundary.set(iteration=200, lr=0.5, dataset="overlapping blobs")
    s = boundary.state
    X, y = s["X"], s["y"]
    oracle = _gd_oracle(X, y.astype(float), 0.5, 200)
    np.testing.assert_allclose(s["path"], oracle, rtol=1e-9, atol=1e-12)
    assert s["losses"].shape == (201,)
    z = X @ oracle[-1, :2] + oracle[-1, 2]
    expected_loss = np.mean(np.logaddexp(0.0, z) - y * z)
    assert s["loss"] == pytest.approx(expected_loss, rel=1e-10)
    assert np.all(np.diff(s["losses"]) <= 1e-12)  # a small step: the loss only goes down
    assert not s["loss_went_up"]


def test_iteration_slider_walks_the_run(boundary) -> None:
    boundary.set(iteration=0, lr=0.5, dataset="overlapping blobs")
    s = boundary.state
    np.testing.assert_array_equal(s["w"], [0.0, 0.0])
    assert s["loss"] == pytest.approx(np.log(2.0), rel=1e-12)  # p = 1/2 for every point
    boundary.set(iteration=37)
    s = boundary.state
    np.testing.assert_array_equal(s["w"], s["path"][37, :2])
    assert s["b"] == s["path"][37, 2]
    assert s["accuracy"] == pytest.approx(np.mean((s["X"] @ s["w"] + s["b"] >= 0) == (s["y"] == 1)))


def test_separable_data_weights_keep_growing(boundary) -> None:
    boundary.set(iteration=200, lr=0.5, dataset="separable")
    s = boundary.state
    assert s["accuracy"] == 1.0
    norms = s["norms"]
    assert np.all(np.diff(norms[1:]) > 0)  # still growing at the last step
    assert norms[200] > norms[100] > norms[50]
    # on overlapping data the norm levels off instead
    boundary.set(dataset="overlapping blobs")
    flat = boundary.state["norms"]
    assert flat[200] - flat[150] < 0.1 * (norms[200] - norms[150])


def test_a_too_large_step_is_flagged(boundary) -> None:
    boundary.set(iteration=200, lr=20.0, dataset="overlapping blobs")
    assert boundary.state["loss_went_up"]
    boundary.set(lr=0.5)
    assert not boundary.state["loss_went_up"]


def test_sliders_reject_values_outside_their_range(boundary) -> None:
    with pytest.raises(ValueError):
        boundary.set(lr=100.0)
    with pytest.raises(ValueError):
        boundary.set(dataset="moons")


def test_threshold_explorer_counts_match_the_rule() -> None:
    ex = cx.threshold_explorer(static=True)
    for t in (0.2, 0.5, 0.83):
        ex.set(threshold=t)
        s = ex.state
        y, p = s["y"], losses.sigmoid(s["X"] @ s["w"] + s["b"])
        pred = p >= t
        assert s["tp"] == int(np.sum(pred & (y == 1)))
        assert s["fp"] == int(np.sum(pred & (y == 0)))
        assert s["fn"] == int(np.sum(~pred & (y == 1)))
        assert s["tn"] == int(np.sum(~pred & (y == 0)))
        assert s["confusion"].sum() == y.size
        assert s["precision"] == pytest.approx(s["tp"] / (s["tp"] + s["fp"]))
        assert s["recall"] == pytest.approx(s["tp"] / (s["tp"] + s["fn"]))
    # raising the threshold never finds more positives
    ex.set(threshold=0.2)
    low = ex.state
    ex.set(threshold=0.8)
    high = ex.state
    assert high["tp"] + high["fp"] <= low["tp"] + low["fp"]
    assert high["recall"] <= low["recall"]
    assert high["precision"] >= low["precision"]


def test_confusion_counts_conventions() -> None:
    y = np.array([0, 1, 1, 0])
    c = cx.confusion_counts(y, np.array([0.1, 0.2, 0.3, 0.4]), 0.9)
    assert (c["tp"], c["fp"], c["fn"], c["tn"]) == (0, 0, 2, 2)
    assert c["precision"] == 1.0  # nothing predicted positive: no false alarm
    assert c["recall"] == 0.0
    c = cx.confusion_counts(y, np.array([0.5, 0.5, 0.2, 0.9]), 0.5)  # p = threshold counts as 1
    np.testing.assert_array_equal(c["confusion"], [[0, 2], [1, 1]])
    with pytest.raises(ValueError):
        cx.confusion_counts(y, np.zeros(3), 0.5)




def test_interactive_mode_has_the_controls(monkeypatch) -> None:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    ex = cx.decision_boundary_explorer()
    assert not ex.static
    assert set(ex.controls) == {"iteration", "lr", "dataset"}
    assert type(ex.controls["lr"]).__name__ == "FloatLogSlider"
    # sliders follow a drag (the widget protocol keeps only the latest value in flight)
    assert all(w.continuous_update for name, w in ex.controls.items() if name != "dataset")
    draws = ex.n_draws
    ex.controls["iteration"].value = 10  # as a learner dragging the slider
    assert ex.n_draws == draws + 1 and ex.state["iteration"] == 10
    ex.close()
