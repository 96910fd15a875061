"""gdutils.sampling: gradient noise against exact enumeration, coverage of an epoch."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gdutils import checks, losses, sampling, theory


def _G(n: int = 6, d: int = 2, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d)) + np.array([1.0, -2.0])[:d]


@pytest.mark.parametrize("B", [1, 2, 3, 5, 6])
def test_theory_equals_exact_enumeration_without_replacement(B: int) -> None:
    G = _G()
    g_bar = G.mean(axis=0)
    # every subset of B distinct rows is equally likely: the expectation is an exact average
    errs = [np.sum((G[list(s)].mean(axis=0) - g_bar) ** 2) for s in itertools.combinations(range(6), B)]
    assert sampling.gradient_noise_theory(G, B) == pytest.approx(np.mean(errs), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("B", [1, 2, 3])
def test_theory_equals_exact_enumeration_with_replacement(B: int) -> None:
    G = _G(n=5)
    g_bar = G.mean(axis=0)
    errs = [np.sum((G[list(s)].mean(axis=0) - g_bar) ** 2) for s in itertools.product(range(5), repeat=B)]
    assert sampling.gradient_noise_theory(G, B, replace=True) == pytest.approx(np.mean(errs), rel=1e-12)


def test_measured_noise_matches_theory_and_scales_like_one_over_B() -> None:
    G = np.random.default_rng(1).standard_normal((200, 3)) * [1.0, 3.0, 0.3]
    rng = np.random.default_rng(2)
    Bs = np.array([1, 4, 16, 64])
    measured = np.array([sampling.gradient_noise(G, int(B), 3000, rng) for B in Bs])
    predicted = sampling.gradient_noise_theory(G, Bs)
    assert np.allclose(measured, predicted, rtol=0.1)
    slope = np.polyfit(np.log(Bs), np.log(measured), 1)[0]
    assert -1.1 < slope < -0.85
    assert sampling.gradient_noise(G, 200, 10, rng) < 1e-25


def test_gradient_noise_validates_and_does_not_touch_G() -> None:
    G = _G()
    before = G.copy()
    sampling.gradient_noise(G, 2, 5, 0)
    assert np.array_equal(G, before)
    for bad in (0, 7, 2.5, True):
        with pytest.raises(ValueError):
            sampling.gradient_noise(G, bad, 5, 0)
    with pytest.raises(ValueError):
        sampling.gradient_noise(G[0], 1, 5, 0)
    with pytest.raises(ValueError):
        sampling.gradient_noise(G, 1, 0, 0)
    with pytest.raises(ValueError):
        sampling.gradient_noise(G, 1, 5, "seed")


def test_gradient_noise_is_the_reference_of_notebook_09() -> None:
    with checks.forbid_reference("09-minibatch-sgd"), pytest.raises(checks.DelegationError):
        sampling.gradient_noise(_G(), 2, 5, 0)


def test_per_example_gradients_average_to_the_mse_gradient() -> None:
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((30, 4)), rng.standard_normal(30)
    w, b = rng.standard_normal(4), 0.3
    G = sampling.per_example_mse_gradients(X, y, w, b)
    dw, db = losses.mse_gradient(X, y, w, b)
    assert G.shape == (30, 5)
    assert np.allclose(G.mean(axis=0), np.append(dw, db))
    # row i by finite differences of the single squared error
    i, h = 7, 1e-6
    f = lambda th: (X[i] @ th[:4] + th[4] - y[i]) ** 2  # noqa: E731
    th = np.append(w, b)
    fd = np.array([(f(th + h * e) - f(th - h * e)) / (2 * h) for e in np.eye(5)])
    assert np.allclose(G[i], fd, rtol=1e-6, atol=1e-8)
    with pytest.raises(ValueError):
        sampling.per_example_mse_gradients(X, y[:-1], w, b)


def test_epoch_orders_and_coverage() -> None:
    n = 50
    rng = np.random.default_rng(0)
    none = sampling.epoch_orders(n, 3, "no shuffling", rng)
    assert np.array_equal(none, np.tile(np.arange(n), (3, 1)))
    once = sampling.epoch_orders(n, 3, "shuffle once", rng)
    assert np.array_equal(once[0], once[2]) and not np.array_equal(once[0], np.arange(n))
    fresh = sampling.epoch_orders(n, 3, "fresh permutation", rng)
    assert not np.array_equal(fresh[0], fresh[1])
    assert np.all(sampling.times_seen(fresh, n) == 1)
    repl = sampling.epoch_orders(n, 3, "with replacement", rng)
    counts = sampling.times_seen(repl, n)
    assert np.all(counts.sum(axis=1) == n) and np.any(counts == 0)
    with pytest.raises(ValueError):
        sampling.epoch_orders(n, 3, "sorted", rng)
    with pytest.raises(ValueError):
        sampling.times_seen(np.array([[0, 5]]), 5)


def test_fraction_unseen_with_replacement_is_one_over_e() -> None:
    n = 20_000
    counts = sampling.times_seen(sampling.epoch_orders(n, 10, "with replacement", 1), n)
    measured = float(np.mean(counts == 0))
    assert measured == pytest.approx(float(theory.fraction_unseen_with_replacement(n)), abs=0.004)
    assert measured == pytest.approx(np.exp(-1), abs=0.004)
