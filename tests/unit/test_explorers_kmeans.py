"""gdutils.explorers.kmeans: move the controls as a learner would, check the data drawn.

Oracles: Lloyd's update and the gradient step written here as plain loops over the clusters.
"""

from __future__ import annotations

import numpy as np
import pytest

from gdutils import clustering
from gdutils.display.explorers import kmeans as kx


def _lloyd_loop(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    labels = np.array([np.argmin([np.sum((x - c) ** 2) for c in C]) for x in X])
    out = C.copy()
    for j in range(len(C)):
        if np.any(labels == j):
            out[j] = X[labels == j].mean(axis=0)
    return out


def _gd_loop(X: np.ndarray, C: np.ndarray, lr: float) -> np.ndarray:
    labels = np.array([np.argmin([np.sum((x - c) ** 2) for c in C]) for x in X])
    out = C.copy()
    for j in range(len(C)):
        grad = 2.0 / len(X) * sum((C[j] - x) for x in X[labels == j]) if np.any(labels == j) else 0.0
        out[j] = C[j] - lr * grad
    return out


@pytest.fixture(scope="module")
def race():
    return kx.gd_vs_lloyd_explorer(static=True)


def test_paths_follow_lloyd_and_gradient_descent(race) -> None:
    race.set(iteration=30, lr=0.3, start=0)
    s = race.state
    X = s["X"]
    lp, gp = s["lloyd_path"], s["gd_path"]
    np.testing.assert_array_equal(lp[0], gp[0])  # the same start
    for t in range(3):
        np.testing.assert_allclose(lp[t + 1], _lloyd_loop(X, lp[t]), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(gp[t + 1], _gd_loop(X, gp[t], 0.3), rtol=1e-12, atol=1e-12)
    # both end in the same minimum here; Lloyd gets there first
    np.testing.assert_allclose(gp[-1], lp[-1], atol=1e-2)
    assert s["lloyd_converged_at"] < 10
    assert s["lloyd_losses"][5] < s["gd_losses"][5]
    for name in ("lloyd_losses", "gd_losses"):
        assert s[name].shape == (31,)
        assert np.all(np.diff(s[name]) <= 1e-12)
    assert not s["gd_loss_went_up"] and not s["gd_diverged"]


def test_gd_and_lloyd_can_end_in_different_minima(race) -> None:
    # from start 2 the small global step lets two centroids settle in one blob
    race.set(iteration=30, lr=0.3, start=2)
    s = race.state
    assert s["gd_losses"][-1] > 2 * s["lloyd_losses"][-1]


def test_iteration_slider_picks_the_centroids(race) -> None:
    race.set(iteration=4, lr=0.3, start=0)
    s = race.state
    np.testing.assert_array_equal(s["gd_centroids"], s["gd_path"][4])
    np.testing.assert_array_equal(s["lloyd_centroids"], s["lloyd_path"][4])
    np.testing.assert_array_equal(s["labels"], clustering.assign(s["X"], s["gd_path"][4]))
    assert s["gd_losses"][4] == pytest.approx(clustering.kmeans_loss(s["X"], s["gd_path"][4]))


def test_too_large_a_step_is_flagged_as_divergence(race) -> None:
    race.set(iteration=30, lr=2.9, start=4)
    s = race.state
    assert s["gd_diverged"] and s["gd_loss_went_up"]
    assert np.all(np.isfinite(s["gd_path"]))
    race.set(lr=0.3)
    assert not race.state["gd_diverged"]


def test_log_slider_for_the_step_size(race) -> None:
    assert type(race.controls["lr"]).__name__ == "FloatLogSlider"
    with pytest.raises(ValueError):
        race.set(lr=10.0)


def test_local_minima_per_seed() -> None:
    ex = kx.local_minima_explorer(static=True)
    ex.set(k=3, seed=0)
    s = ex.state
    X = s["X"]
    assert s["losses"].shape == (kx.N_SEEDS,)
    assert s["n_minima"] >= 2  # k = 3 on five blobs: several local minima
    assert s["best"] == s["losses"].min() < s["losses"].max()
    for seed in (0, 5, 11):
        ex.set(seed=seed)
        s = ex.state
        C = s["centroids"]
        np.testing.assert_allclose(_lloyd_loop(X, C), C, atol=1e-12)  # a fixed point of Lloyd
        assert s["loss"] == pytest.approx(clustering.kmeans_loss(X, C), rel=1e-12)
        assert s["loss"] == s["losses"][seed]
        init = clustering.init_centroids(X, 3, seed=seed)
        assert s["loss"] == pytest.approx(clustering.kmeans(X, init, max_iter=200).losses[-1])
    ex.set(k=8)
    assert ex.state["centroids"].shape == (8, 2)
    assert ex.state["best"] < s["best"]  # more centroids, smaller loss




def test_interactive_mode_redraws_while_a_slider_is_dragged(monkeypatch) -> None:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    ex = kx.local_minima_explorer()
    assert not ex.static
    assert all(w.continuous_update for w in ex.controls.values())
    draws = ex.n_draws
    ex.controls["seed"].value = 7
    assert ex.n_draws == draws + 1 and ex.state["seed"] == 7
    ex.close()
