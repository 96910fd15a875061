"""gdutils.data: seeded synthetic sets, splits, the Standardiser, mini-batches and the shipped data."""

from __future__ import annotations

import warnings
from importlib import resources

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdutils import checks, data

MAKERS = {
    "regression": lambda seed: data.make_regression(50, 3, 0.1, seed)[:2],
    "polynomial": lambda seed: data.make_polynomial(40, 3, 0.1, seed)[:2],
    "blobs": lambda seed: data.make_blobs(60, 3, 1.0, seed),
    "moons": lambda seed: data.make_moons(60, 0.1, seed),
    "spirals": lambda seed: data.make_spirals(20, 3, 0.2, seed),
    "separable": lambda seed: data.make_separable(60, seed),
}
CLASSIFICATION = {"blobs", "moons", "spirals", "separable"}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_makers_shapes_dtypes_and_seeding(name):
    X, y = MAKERS[name](0)
    assert X.ndim == 2 and y.shape == (X.shape[0],)
    assert X.dtype == np.float64
    assert y.dtype == (np.int64 if name in CLASSIFICATION else np.float64)
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(y))
    X2, y2 = MAKERS[name](0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = MAKERS[name](1)
    assert not np.array_equal(X, X3)
    X4, y4 = MAKERS[name](np.random.default_rng(0))  # a Generator works as the seed
    assert X4.shape == X.shape


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_makers_leave_global_random_state_alone(name):
    np.random.seed(123)
    before = np.random.random()
    np.random.seed(123)
    MAKERS[name](5)
    assert np.random.random() == before


@pytest.mark.parametrize("bad", [None, -1, 1.5, "0", True])
def test_seed_must_be_an_int_or_generator(bad):
    with pytest.raises(ValueError, match="seed"):
        data.make_moons(10, 0.1, bad)


def test_make_regression_truth_is_recoverable_without_noise():
    X, y, w, b = data.make_regression(40, 4, noise=0.0, seed=3)
    A = np.hstack([X, np.ones((40, 1))])
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(theta[:-1], w, rtol=1e-10)
    assert theta[-1] == pytest.approx(b, rel=1e-10)
    assert w.shape == (4,) and isinstance(b, float)


def test_make_regression_noise_level():
    X, y, w, b = data.make_regression(20000, 2, noise=0.5, seed=0)
    assert np.std(y - X @ w - b) == pytest.approx(0.5, rel=0.03)


def test_make_polynomial():
    X, y, coef = data.make_polynomial(30, degree=4, noise=0.0, seed=1, x_range=(-2.0, 3.0))
    assert X.shape == (30, 1) and coef.shape == (5,)
    assert X.min() >= -2.0 and X.max() <= 3.0
    x = X[:, 0]
    np.testing.assert_allclose(y, sum(c * x**j for j, c in enumerate(coef)), rtol=1e-12)
    with pytest.raises(ValueError):
        data.make_polynomial(10, 2, 0.1, 0, x_range=(1.0, 1.0))


def test_make_blobs_balanced_and_near_given_centres():
    C = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    X, y = data.make_blobs(301, C, std=0.5, seed=2)
    assert np.bincount(y).tolist() == [101, 100, 100]
    for c in range(3):
        np.testing.assert_allclose(X[y == c].mean(axis=0), C[c], atol=0.15)
    X, y, centres = data.make_blobs(90, 4, 1.0, 0, d=3, return_centers=True)
    assert X.shape == (90, 3) and centres.shape == (4, 3)
    assert set(np.unique(y)) == {0, 1, 2, 3}
    with pytest.raises(ValueError):
        data.make_blobs(10, np.zeros(3), 1.0, 0)


def test_make_moons_lie_on_their_arcs_without_noise():
    X, y = data.make_moons(101, noise=0.0, seed=0)
    assert np.bincount(y).tolist() == [51, 50]
    top, bottom = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(top[:, 0], top[:, 1]), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.hypot(bottom[:, 0] - 1.0, bottom[:, 1] - 0.5), 1.0, rtol=1e-12)
    assert np.all(top[:, 1] >= 0) and np.all(bottom[:, 1] <= 0.5)


def test_make_spirals():
    X, y = data.make_spirals(50, k=4, noise=0.0, seed=0)
    assert X.shape == (200, 2) and np.bincount(y).tolist() == [50] * 4
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.min() == pytest.approx(0.05) and r.max() == pytest.approx(1.0)


def _perceptron_separates(X, y, epochs=2000):
    A = np.hstack([X, np.ones((len(X), 1))])
    s = 2 * y - 1
    w = np.zeros(A.shape[1])
    for _ in range(epochs):
        wrong = 0
        for a, t in zip(A, s, strict=True):
            if t * (a @ w) <= 0:
                w += t * a
                wrong += 1
        if wrong == 0:
            return True
    return False


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_make_separable_is_linearly_separable(seed):
    X, y = data.make_separable(80, seed)
    assert set(np.unique(y)) == {0, 1}
    assert _perceptron_separates(X, y), "the perceptron converges only on separable data"


def test_makers_validate_sizes():
    with pytest.raises(ValueError):
        data.make_regression(0, 2)
    with pytest.raises(ValueError):
        data.make_moons(10, noise=-0.1)
    with pytest.raises(ValueError):
        data.make_spirals(10, k=1)


# --------------------------------------------------------------------------------------------
# Splits


def test_train_val_split_is_a_disjoint_cover():
    X = np.arange(40.0).reshape(20, 2)
    y = np.arange(20)
    Xtr, Xva, ytr, yva = data.train_val_split(X, y, val_fraction=0.25, seed=0)
    assert len(Xva) == 5 and len(Xtr) == 15
    assert sorted(np.concatenate([ytr, yva]).tolist()) == list(range(20))
    np.testing.assert_array_equal(Xtr[:, 0], 2 * ytr)  # rows stay paired with labels
    np.testing.assert_array_equal(Xva[:, 0], 2 * yva)
    again = data.train_val_split(X, y, 0.25, seed=0)
    np.testing.assert_array_equal(again[3], yva)
    assert not np.array_equal(data.train_val_split(X, y, 0.25, seed=1)[3], yva)
    Xtr[0, 0] = -1.0
    assert X.min() == 0.0, "the split returns copies"


def test_train_val_test_split():
    X = np.arange(30.0)[:, None]
    y = np.arange(30)
    Xtr, Xva, Xte, ytr, yva, yte = data.train_val_test_split(X, y, 0.2, 0.1, seed=0)
    assert (len(ytr), len(yva), len(yte)) == (21, 6, 3)
    assert sorted(np.concatenate([ytr, yva, yte]).tolist()) == list(range(30))
    np.testing.assert_array_equal(Xte[:, 0], yte)


@pytest.mark.parametrize("frac", [0.0, 1.0, -0.2, 1.5])
def test_split_fraction_validation(frac):
    with pytest.raises(ValueError, match="val_fraction"):
        data.train_val_split(np.zeros((10, 1)), np.zeros(10), frac)


def test_split_shape_validation():
    with pytest.raises(ValueError, match=r"\(n, 1\) column"):
        data.train_val_split(np.zeros((10, 1)), np.zeros((10, 1)))
    with pytest.raises(ValueError, match="same number of rows"):
        data.train_val_split(np.zeros((10, 1)), np.zeros(9))
    with pytest.raises(ValueError, match=r"\(n, d\)"):
        data.train_val_split(np.zeros(10), np.zeros(10))
    with pytest.raises(ValueError, match="non-empty training set"):
        data.train_val_test_split(np.zeros((3, 1)), np.zeros(3), 0.6, 0.3)


# --------------------------------------------------------------------------------------------
# Standardiser


def test_standardiser_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    Xtr = rng.normal(5.0, 3.0, (200, 3))
    Xte = rng.normal(-2.0, 0.5, (50, 3))
    s = data.Standardiser().fit(Xtr)
    Ztr = s.transform(Xtr)
    np.testing.assert_allclose(Ztr.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Ztr.std(axis=0), 1.0, rtol=1e-12)
    mu = Xtr.sum(axis=0) / len(Xtr)
    sd = np.sqrt(((Xtr - mu) ** 2).sum(axis=0) / len(Xtr))
    np.testing.assert_allclose(s.transform(Xte), (Xte - mu) / sd, rtol=1e-12)
    np.testing.assert_allclose(s.fit_transform(Xtr), Ztr)


def test_standardiser_constant_column_no_division_by_zero():
    X = np.array([[1.0, 7.0], [2.0, 7.0], [3.0, 7.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Z = data.Standardiser().fit_transform(X)
    np.testing.assert_array_equal(Z[:, 1], 0.0)
    assert np.all(np.isfinite(Z))
    X2 = np.full((4, 1), 0.1)  # mean has round-off, std ≈ 1e-17
    assert np.all(data.Standardiser().fit_transform(X2) == 0.0)


def test_standardiser_validation():
    s = data.Standardiser()
    with pytest.raises(RuntimeError, match="fit"):
        s.transform(np.zeros((2, 2)))
    s.fit(np.eye(3))
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        s.transform(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="reshape"):
        s.fit(np.zeros(5))
    with pytest.raises(ValueError, match="finite"):
        data.Standardiser().fit(np.array([[np.nan, 1.0]]))


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 30),
    st.integers(1, 5),
    st.floats(-1e3, 1e3),
    st.floats(1e-3, 1e3),
    st.integers(0, 2**31),
)
def test_standardiser_round_trip(n, d, loc, scale, seed):
    X = np.random.default_rng(seed).normal(loc, scale, (n, d))
    s = data.Standardiser().fit(X)
    back = s.inverse_transform(s.transform(X))
    np.testing.assert_allclose(back, X, rtol=1e-9, atol=1e-9 * (abs(loc) + scale))


# --------------------------------------------------------------------------------------------
# Mini-batches


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 60), st.integers(1, 70), st.booleans(), st.integers(0, 2**31))
def test_minibatches_one_epoch_is_a_permutation(n, batch_size, drop_last, seed):
    X = np.arange(n, dtype=float)[:, None] * np.array([1.0, -1.0])
    y = np.arange(n)
    rng = np.random.default_rng(seed)
    batches = list(data.minibatches(X, y, batch_size, rng, drop_last=drop_last))
    sizes = [len(yb) for _, yb in batches]
    full, rest = divmod(n, batch_size)
    expected_sizes = [batch_size] * full + ([rest] if rest and not drop_last else [])
    assert sizes == expected_sizes
    seen = np.concatenate([yb for _, yb in batches]) if batches else np.array([], int)
    if drop_last:
        assert len(set(seen.tolist())) == len(seen) == full * batch_size
    else:
        assert sorted(seen.tolist()) == list(range(n)), "every example exactly once"
    for Xb, yb in batches:
        np.testing.assert_array_equal(Xb[:, 0], yb)  # rows stay paired
        assert Xb.shape == (len(yb), 2)


@settings(max_examples=30, deadline=None)
@given(st.integers(10, 80), st.integers(1, 9), st.integers(0, 2**31))
def test_minibatches_fresh_permutation_each_epoch_and_reproducible(n, batch_size, seed):
    X = np.zeros((n, 1))
    y = np.arange(n)

    def epoch_orders(s):
        rng = np.random.default_rng(s)
        return [
            np.concatenate([yb for _, yb in data.minibatches(X, y, batch_size, rng)])
            for _ in range(2)
        ]

    first, second = epoch_orders(seed)
    assert not np.array_equal(first, second), "two epochs must use different orders"
    again = epoch_orders(seed)
    np.testing.assert_array_equal(first, again[0])
    np.testing.assert_array_equal(second, again[1])


def test_minibatches_no_shuffle_keeps_order_and_yields_copies():
    X = np.arange(10.0).reshape(5, 2)
    y = np.arange(5)
    batches = list(data.minibatches(X, y, 2, shuffle=False))
    np.testing.assert_array_equal(np.concatenate([b for _, b in batches]), y)
    batches[0][0][0, 0] = 99.0
    assert X[0, 0] == 0.0
    unsup = list(data.minibatches(X, None, 3, np.random.default_rng(0)))
    assert [yb for _, yb in unsup] == [None, None] and sum(len(xb) for xb, _ in unsup) == 5


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"batch_size": True}, "batch_size"),
        ({"y": np.arange(4)}, "same number of rows"),
        ({"y": np.arange(5)[:, None]}, "column"),
        ({"rng": None}, "rng"),
    ],
)
def test_minibatches_validation_happens_at_call_time(kwargs, match):
    args = {"X": np.zeros((5, 2)), "y": np.arange(5), "batch_size": 2}
    args["rng"] = np.random.default_rng(0)
    args |= kwargs
    with pytest.raises(ValueError, match=match):
        data.minibatches(**args)  # no iteration needed


def test_minibatches_is_the_reference_for_notebook_09():
    assert "gdutils.data.minibatches" in checks.references_for("09-minibatch-sgd")
    with checks.forbid_reference("09-minibatch-sgd"), pytest.raises(checks.DelegationError):
        data.minibatches(np.zeros((4, 1)), np.zeros(4), 2, np.random.default_rng(0))


# --------------------------------------------------------------------------------------------
# Shipped data


def test_load_iris():
    ds = data.load_iris()
    assert ds.X.shape == (150, 4) and ds.X.dtype == np.float64
    assert ds.y.shape == (150,) and ds.y.dtype == np.int64
    assert np.bincount(ds.y).tolist() == [50, 50, 50]
    assert ds.target_names == ("setosa", "versicolor", "virginica")
    assert len(ds.feature_names) == 4 and "petal" in ds.feature_names[2]
    np.testing.assert_array_equal(ds.X[0], [5.1, 3.5, 1.4, 0.2])
    # published feature means of Fisher's table (cm)
    np.testing.assert_allclose(ds.X.mean(axis=0), [5.843, 3.057, 3.758, 1.199], atol=6e-4)
    assert "10.24432/C56C76" in ds.citation and "Fisher" in ds.citation
    assert "CC BY 4.0" in ds.licence
    assert ds.images is None


def test_load_digits():
    ds = data.load_digits()
    assert ds.X.shape == (1797, 64) and ds.X.dtype == np.float64
    assert ds.y.dtype == np.int64
    assert np.bincount(ds.y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert ds.X.min() == 0.0 and ds.X.max() == 16.0
    assert np.all(ds.X == np.round(ds.X))
    assert ds.images.shape == (1797, 8, 8)
    np.testing.assert_array_equal(ds.images[5], ds.X[5].reshape(8, 8))
    assert ds.feature_names[9] == "pixel_1_1" and ds.target_names[3] == "3"
    assert "10.24432/C50P49" in ds.citation and "Alpaydin" in ds.citation
    assert "CC BY 4.0" in ds.licence


def test_loaders_return_copies_of_the_cache():
    a = data.load_digits()
    a.X[:] = -1.0
    a.y[:] = 0
    a.images[:] = -1.0
    b = data.load_digits()
    assert b.X.min() == 0.0 and np.bincount(b.y)[1] == 182
    i = data.load_iris()
    i.X[0, 0] = 100.0
    assert data.load_iris().X[0, 0] == 5.1
    assert b.X.flags.writeable


def test_datasets_ship_with_readme_and_licence():
    folder = resources.files("gdutils").joinpath("datasets")
    readme = folder.joinpath("README.md").read_text(encoding="utf-8")
    for needle in (
        "10.24432/C50P49",
        "10.24432/C56C76",
        "CC BY 4.0",
        "creativecommons.org/licenses/by/4.0",
    ):
        assert needle in readme
    licence = folder.joinpath("LICENSE.md").read_text(encoding="utf-8")
    assert "Attribution 4.0 International" in licence
