"""gdutils.clustering: the k-means loss, its gradient, GD step = Lloyd, empty clusters, mini-batch.

Oracles: hand-computed values, centred finite differences of the loss, plain Python loops
(means, Sculley's one-point-at-a-time update), and torch autograd.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdutils import checks, clustering
from gdutils.data import make_blobs


def _data(seed: int = 0, n: int = 60, k: int = 3, d: int = 2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * 2.0
    C = rng.normal(size=(k, d))
    return X, C


def _loop_means(X: np.ndarray, C: np.ndarray, labels: np.ndarray) -> np.ndarray:
    out = C.copy()
    for j in range(C.shape[0]):
        members = [X[i] for i in range(X.shape[0]) if labels[i] == j]
        if members:
            out[j] = sum(members) / len(members)
    return out


def test_hand_example() -> None:
    X = np.array([[0.0, 0.0], [2.0, 0.0], [10.0, 0.0]])
    C = np.array([[0.5, 0.0], [9.0, 0.0]])
    np.testing.assert_array_equal(clustering.assign(X, C), [0, 0, 1])
    assert clustering.kmeans_loss(X, C) == pytest.approx((0.25 + 2.25 + 1.0) / 3, rel=1e-15)
    # (2/n) Σ (μ − x): cluster 0: (2/3)((0.5−0) + (0.5−2)) = −2/3; cluster 1: (2/3)(9 − 10) = −2/3
    np.testing.assert_allclose(clustering.kmeans_gradient(X, C), [[-2 / 3, 0.0], [-2 / 3, 0.0]])
    np.testing.assert_allclose(clustering.lloyd_step_sizes([0, 0, 1], 2), [3 / 4, 3 / 2])


def test_assign_ties_go_to_the_lowest_index() -> None:
    X = np.array([[0.0, 0.0]])
    C = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    assert clustering.assign(X, C).tolist() == [0]


def test_loss_with_given_labels_is_the_mean_of_squared_distances() -> None:
    X, C = _data(1)
    labels = np.random.default_rng(2).integers(0, 3, X.shape[0])
    expected = np.mean([np.sum((X[i] - C[labels[i]]) ** 2) for i in range(X.shape[0])])
    assert clustering.kmeans_loss(X, C, labels) == pytest.approx(expected, rel=1e-13)
    # nearest assignment gives the smallest loss over all assignments for these centroids
    assert clustering.kmeans_loss(X, C) <= clustering.kmeans_loss(X, C, labels)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_matches_finite_differences(seed: int) -> None:
    X, C = _data(seed)
    labels = clustering.assign(X, C)
    h = 1e-6
    fd = np.zeros_like(C)
    for j in range(C.shape[0]):
        for a in range(C.shape[1]):
            E = np.zeros_like(C)
            E[j, a] = h
            fd[j, a] = (clustering.kmeans_loss(X, C + E, labels) - clustering.kmeans_loss(X, C - E, labels)) / (2 * h)
    np.testing.assert_allclose(clustering.kmeans_gradient(X, C, labels), fd, rtol=1e-6, atol=1e-8)
    # with the nearest assignment recomputed inside, the same holds (no point sits on a boundary)
    fd2 = np.zeros_like(C)
    for j in range(C.shape[0]):
        for a in range(C.shape[1]):
            E = np.zeros_like(C)
            E[j, a] = h
            fd2[j, a] = (clustering.kmeans_loss(X, C + E) - clustering.kmeans_loss(X, C - E)) / (2 * h)
    np.testing.assert_allclose(clustering.kmeans_gradient(X, C), fd2, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("seed", range(5))
def test_one_gd_step_with_step_n_over_2nk_is_lloyds_update(seed: int) -> None:
    X, C = _data(seed, n=80, k=4)
    labels = clustering.assign(X, C)
    means = _loop_means(X, C, labels)
    np.testing.assert_allclose(clustering.lloyd_update(X, C), means, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(clustering.gd_step(X, C, lr="lloyd"), means, rtol=1e-12, atol=1e-12)
    eta = clustering.lloyd_step_sizes(labels, C.shape[0])
    np.testing.assert_allclose(clustering.gd_step(X, C, lr=eta), means, rtol=1e-12, atol=1e-12)
    # the same identity written by hand: μ − n/(2nⱼ) · (2nⱼ/n)(μ − x̄) = x̄
    g = clustering.kmeans_gradient(X, C, labels)
    sizes = clustering.cluster_sizes(labels, C.shape[0])
    hand = C - (X.shape[0] / (2.0 * np.maximum(sizes, 1)))[:, None] * g
    np.testing.assert_allclose(hand, means, rtol=1e-12, atol=1e-12)


def test_wrong_step_sizes_are_not_lloyd() -> None:
    X, C = _data(3)
    means = clustering.lloyd_update(X, C)
    labels = clustering.assign(X, C)
    sizes = clustering.cluster_sizes(labels, 3)
    for wrong in (1.0 / sizes, X.shape[0] / sizes):
        assert not np.allclose(clustering.gd_step(X, C, lr=wrong), means)


def test_empty_cluster_stays_put_without_warnings() -> None:
    X, _ = _data(4)
    C = np.array([[0.0, 0.0], [1.0, 1.0], [500.0, 500.0]])  # the last centroid gets no point
    labels = clustering.assign(X, C)
    assert clustering.cluster_sizes(labels, 3)[2] == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grad = clustering.kmeans_gradient(X, C)
        eta = clustering.lloyd_step_sizes(labels, 3)
        gd = clustering.gd_step(X, C)
        lloyd = clustering.lloyd_update(X, C)
        mb, counts = clustering.minibatch_step(C, np.zeros(3, np.int64), X[:10])
    np.testing.assert_array_equal(grad[2], [0.0, 0.0])
    assert eta[2] == 0.0
    for new in (gd, lloyd, mb):
        assert np.all(np.isfinite(new))
        np.testing.assert_array_equal(new[2], C[2])
    assert counts[2] == 0


def test_inputs_are_not_modified() -> None:
    X, C = _data(5)
    Xc, Cc = X.copy(), C.copy()
    counts = np.array([3, 0, 1])
    clustering.gd_step(X, C, lr=0.1)
    clustering.lloyd_update(X, C)
    clustering.minibatch_step(C, counts, X[:7])
    clustering.kmeans(X, C, max_iter=3)
    np.testing.assert_array_equal(X, Xc)
    np.testing.assert_array_equal(C, Cc)
    np.testing.assert_array_equal(counts, [3, 0, 1])


def test_global_step_size_moves_each_centroid_a_fraction_of_the_way() -> None:
    X, C = _data(6)
    labels = clustering.assign(X, C)
    sizes = clustering.cluster_sizes(labels, 3)
    means = clustering.lloyd_update(X, C)
    lr = 0.4
    # μ − lr·(2nⱼ/n)(μ − x̄): a fraction 2·lr·nⱼ/n of the way to the mean
    frac = 2 * lr * sizes / X.shape[0]
    expected = C + frac[:, None] * (means - C)
    np.testing.assert_allclose(clustering.gd_step(X, C, lr=lr), expected, rtol=1e-12)


def test_lloyd_loss_never_increases_and_reaches_a_fixed_point() -> None:
    X, _ = make_blobs(300, centers=4, std=0.8, seed=1)
    init = clustering.init_centroids(X, 4, seed=0)
    res = clustering.kmeans(X, init, max_iter=100)
    assert res.converged
    assert np.all(np.diff(res.losses) <= 1e-12)
    np.testing.assert_array_equal(clustering.lloyd_update(X, res.centroids), res.centroids)
    assert res.path.shape == (res.n_iter + 1, 4, 2)
    assert res.losses.shape == (res.n_iter + 1,)
    np.testing.assert_array_equal(res.seen, 300 * np.arange(res.n_iter + 1))
    # GD with the Lloyd step sizes is the same run (up to round-off, hence tol)
    gd = clustering.kmeans(X, init, max_iter=100, method="gd", lr="lloyd", tol=1e-12)
    assert gd.n_iter == res.n_iter
    np.testing.assert_allclose(gd.path, res.path, atol=1e-12)


def test_gd_with_a_small_global_step_converges_to_the_same_centroids_slowly() -> None:
    X, _ = make_blobs(200, centers=3, std=0.6, seed=2)
    init = clustering.init_centroids(X, 3, seed=1)
    lloyd = clustering.kmeans(X, init, max_iter=100)
    gd = clustering.kmeans(X, init, max_iter=400, method="gd", lr=0.5, tol=1e-12)
    np.testing.assert_allclose(gd.centroids, lloyd.centroids, atol=1e-8)
    assert gd.n_iter > lloyd.n_iter


def test_minibatch_step_equals_one_point_at_a_time() -> None:
    rng = np.random.default_rng(7)
    C = rng.normal(size=(3, 2))
    counts = np.array([4, 0, 2])
    Xb = rng.normal(size=(12, 2)) * 2
    labels = clustering.assign(Xb, C)
    new, new_counts = clustering.minibatch_step(C, counts, Xb, labels)
    # Sculley's loop: every point pulls its centroid with step 1/count
    mu, v = C.copy(), counts.copy()
    for x, j in zip(Xb, labels):
        v[j] += 1
        mu[j] = mu[j] + (x - mu[j]) / v[j]
    np.testing.assert_allclose(new, mu, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(new_counts, v)
    assert new_counts.dtype == np.int64


def test_minibatch_with_the_whole_data_and_zero_counts_is_lloyd() -> None:
    X, C = _data(8)
    new, counts = clustering.minibatch_step(C, np.zeros(3, np.int64), X)
    np.testing.assert_allclose(new, clustering.lloyd_update(X, C), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(counts, clustering.cluster_sizes(clustering.assign(X, C), 3))


def test_minibatch_kmeans_approaches_lloyds_loss() -> None:
    X, _ = make_blobs(1000, centers=3, std=0.7, seed=3)
    init = clustering.init_centroids(X, 3, seed=2)
    full = clustering.kmeans(X, init)
    mb = clustering.minibatch_kmeans(X, init, batch_size=20, n_steps=150, seed=0)
    assert mb.losses.shape == (151,)
    np.testing.assert_array_equal(mb.seen, 20 * np.arange(151))
    assert mb.losses[-1] < 1.05 * full.losses[-1]
    again = clustering.minibatch_kmeans(X, init, batch_size=20, n_steps=150, seed=0)
    np.testing.assert_array_equal(again.path, mb.path)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 5), n=st.integers(5, 40))
def test_property_lloyd_never_increases_the_loss(seed: int, k: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    C = rng.normal(size=(k, 2)) * 3
    before = clustering.kmeans_loss(X, C)
    after = clustering.kmeans_loss(X, clustering.lloyd_update(X, C))
    assert after <= before + 1e-12
    assert np.all(np.isfinite(clustering.gd_step(X, C)))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: clustering.kmeans_loss(np.zeros(5), np.zeros((2, 1))), r"shape \(n, d\)"),
        (lambda: clustering.kmeans_loss(np.zeros((5, 2)), np.zeros((2, 3))), r"shape \(k, 2\)"),
        (lambda: clustering.kmeans_loss(np.zeros((5, 2)), np.zeros((2, 2)), [0, 1]), r"shape \(5,\)"),
        (lambda: clustering.kmeans_gradient(np.zeros((3, 2)), np.zeros((2, 2)), [0, 1, 2]), "0 … 1"),
        (lambda: clustering.kmeans_gradient(np.zeros((3, 2)), np.zeros((2, 2)), [0.0, 1.0, 1.0]), "integer"),
        (lambda: clustering.gd_step(np.zeros((3, 2)), np.zeros((2, 2)), lr=[1.0, 2.0, 3.0]), r"shape \(2,\)"),
        (lambda: clustering.gd_step(np.zeros((3, 2)), np.zeros((2, 2)), lr=-1.0), ">= 0"),
        (lambda: clustering.gd_step(np.zeros((3, 2)), np.zeros((2, 2)), lr="fast"), "lloyd"),
        (lambda: clustering.kmeans_loss(np.array([[np.nan, 0.0]]), np.zeros((1, 2))), "finite"),
        (lambda: clustering.minibatch_step(np.zeros((2, 2)), [1, -1], np.zeros((3, 2))), "counts"),
        (lambda: clustering.init_centroids(np.zeros((3, 2)), 4), "at least 4"),
        (lambda: clustering.kmeans(np.zeros((3, 2)), np.zeros((1, 2)), method="sgd"), "method"),
        (lambda: clustering.lloyd_step_sizes(np.zeros((2, 2), int), 2), r"shape \(n,\)"),
        (lambda: clustering.minibatch_kmeans(np.zeros((3, 2)), np.zeros((1, 2)), 5, 1), "batch_size"),
    ],
)
def test_invalid_inputs_raise_value_errors(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_references_are_guarded_for_notebook_06() -> None:
    X, C = _data(9)
    names = checks.references_for("06-clustering")
    for fn in ("assign", "kmeans_loss", "kmeans_gradient", "gd_step", "lloyd_update", "minibatch_step"):
        assert f"gdutils.clustering.{fn}" in names
    with checks.forbid_reference("06-clustering"):
        with pytest.raises(checks.DelegationError):
            clustering.kmeans_gradient(X, C)
        with pytest.raises(checks.DelegationError):
            clustering.lloyd_update(X, C)
        # helpers that are not an exercise's answer stay usable
        clustering.init_centroids(X, 2, seed=0)
        clustering.cluster_sizes([0, 1, 1], 2)


@pytest.mark.torch
def test_gradient_matches_torch_autograd() -> None:
    torch = pytest.importorskip("torch")
    X, C = _data(10, n=50, k=4, d=3)
    labels = clustering.assign(X, C)
    Ct = torch.tensor(C, requires_grad=True, dtype=torch.float64)
    Xt = torch.tensor(X, dtype=torch.float64)
    loss = ((Xt - Ct[torch.tensor(labels)]) ** 2).sum(dim=1).mean()
    loss.backward()
    assert clustering.kmeans_loss(X, C, labels) == pytest.approx(loss.item(), rel=1e-13)
    np.testing.assert_allclose(clustering.kmeans_gradient(X, C, labels), Ct.grad.numpy(), rtol=1e-12, atol=1e-14)
