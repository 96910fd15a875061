"""Data for the course: seeded synthetic sets, splits, standardisation, mini-batches, and two
small real data sets shipped with the package.

Conventions: ``X`` is float64 of shape ``(n, d)``; ``y`` is ``(n,)`` — float64 targets for
regression, int64 labels ``0 … k−1`` for classification. Randomness never comes from global
state: every function takes ``seed`` (an int, or a ``np.random.Generator`` to draw from), so the
same call gives the same data on every machine.

>>> X, y = make_moons(200, noise=0.1, seed=0)
>>> X.shape, y.shape, X.dtype, y.dtype
((200, 2), (200,), dtype('float64'), dtype('int64'))
"""

from __future__ import annotations

import functools
import gzip
import io
import numbers
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from gdutils import _validate

__all__ = [
    "make_regression",
    "make_polynomial",
    "make_blobs",
    "make_moons",
    "make_spirals",
    "make_separable",
    "train_val_split",
    "train_val_test_split",
    "Standardiser",
    "minibatches",
    "Dataset",
    "load_digits",
    "load_iris",
]

Seed = int | np.random.Generator


def _rng(seed: Any, name: str = "seed") -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(
            f"{name} must be a non-negative int or a np.random.Generator, got {seed!r} "
            "(no global random state: pass e.g. seed=0)"
        )
    return np.random.default_rng(int(seed))


def _nonneg(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def _shuffled(
    rng: np.random.Generator, X: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(len(X))
    return np.ascontiguousarray(X[order]), np.ascontiguousarray(y[order])


def _split_counts(n: int, k: int) -> list[int]:
    # as even as possible: the first n % k classes get one extra example
    return [n // k + (1 if j < n % k else 0) for j in range(k)]


# --------------------------------------------------------------------------------------------
# Synthetic data


def make_regression(
    n: int = 100, d: int = 1, noise: float = 0.1, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """A linear regression problem ``y = Xw + b + noise·ε`` with known truth.

    ``X`` and ``ε`` are standard normal; the true ``w`` (d,) and ``b`` are standard normal too.

    Returns
    -------
    X : (n, d) float64
    y : (n,) float64
    w : (d,) float64, the true weights
    b : float, the true bias
    """
    n = _validate.count("n", n)
    d = _validate.count("d", d)
    noise = _nonneg(noise, "noise")
    rng = _rng(seed)
    w = rng.standard_normal(d)
    b = float(rng.standard_normal())
    X = rng.standard_normal((n, d))
    y = X @ w + b + noise * rng.standard_normal(n)
    return X, y, w, b


def make_polynomial(
    n: int = 30,
    degree: int = 3,
    noise: float = 0.1,
    seed: Seed = 0,
    x_range: tuple[float, float] = (-1.0, 1.0),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Noisy samples of a random polynomial of one variable (for over-fitting experiments).

    ``x`` is uniform on ``x_range``; ``y = Σⱼ cⱼ xʲ + noise·ε`` with ``c`` standard normal.

    Returns
    -------
    X : (n, 1) float64
        The inputs as a one-column matrix (the course's ``X (n, d)`` shape).
    y : (n,) float64
    coef : (degree + 1,) float64
        True coefficients, constant term first (``np.polynomial.polynomial.polyval(x, coef)``).
    """
    n = _validate.count("n", n)
    degree = _validate.count("degree", degree, minimum=0)
    noise = _nonneg(noise, "noise")
    lo, hi = (float(v) for v in x_range)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range!r}")
    rng = _rng(seed)
    coef = rng.standard_normal(degree + 1)
    x = rng.uniform(lo, hi, n)
    y = np.polynomial.polynomial.polyval(x, coef) + noise * rng.standard_normal(n)
    return x[:, None], y, coef


def make_blobs(
    n: int = 300,
    centers: int | ArrayLike = 3,
    std: float = 1.0,
    seed: Seed = 0,
    *,
    d: int = 2,
    box: tuple[float, float] = (-6.0, 6.0),
    return_centers: bool = False,
) -> tuple[np.ndarray, ...]:
    """Gaussian clusters: ``n`` points split as evenly as possible between ``k`` centres.

    Parameters
    ----------
    centers : int or array_like of shape (k, d)
        Number of clusters (centres drawn uniformly in ``box``ᵈ) or the centres themselves.
    std : float
        Standard deviation of every cluster.
    return_centers : bool
        Also return the ``(k, d)`` centres (the truth for k-means).

    Returns
    -------
    X : (n, d) float64, y : (n,) int64 cluster index, [centers : (k, d) float64]
    """
    n = _validate.count("n", n)
    std = _nonneg(std, "std")
    rng = _rng(seed)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = _validate.count("centers", centers)
        d = _validate.count("d", d)
        C = rng.uniform(box[0], box[1], (k, d))
    else:
        C = np.array(centers, dtype=np.float64)
        if C.ndim != 2 or C.shape[0] < 1:
            raise ValueError(f"centers must be an int or an array of shape (k, d), got {C.shape}")
        k, d = C.shape
    counts = _split_counts(n, k)
    y = np.repeat(np.arange(k, dtype=np.int64), counts)
    X = C[y] + std * rng.standard_normal((n, d))
    X, y = _shuffled(rng, X, y)
    return (X, y, C) if return_centers else (X, y)


def make_moons(n: int = 200, noise: float = 0.1, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles (class 0 on top, class 1 below), plus Gaussian noise.

    Not linearly separable: the standard first test of a non-linear classifier.
    """
    n = _validate.count("n", n, minimum=2)
    noise = _nonneg(noise, "noise")
    rng = _rng(seed)
    n0, n1 = _split_counts(n, 2)
    t0 = rng.uniform(0.0, np.pi, n0)
    t1 = rng.uniform(0.0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    X = np.concatenate([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return _shuffled(rng, X, y)


def make_spirals(
    n_per_class: int = 100, k: int = 3, noise: float = 0.2, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``k`` interleaved spiral arms in the plane, one class per arm.

    Arm ``j`` at radius ``r ∈ [0.05, 1]`` has angle ``2πj/k + 4r`` plus ``noise``-scaled
    Gaussian jitter (in radians): a data set no linear model can separate.

    Returns
    -------
    X : (n_per_class·k, 2) float64, y : int64 labels 0 … k−1
    """
    n_per_class = _validate.count("n_per_class", n_per_class)
    k = _validate.count("k", k, minimum=2)
    noise = _nonneg(noise, "noise")
    rng = _rng(seed)
    r = np.tile(np.linspace(0.05, 1.0, n_per_class), k)
    y = np.repeat(np.arange(k, dtype=np.int64), n_per_class)
    angle = 2 * np.pi * y / k + 4.0 * r + noise * rng.standard_normal(r.size)
    X = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    return _shuffled(rng, X, y)


def make_separable(
    n: int = 100, seed: Seed = 0, *, d: int = 2, margin: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Two classes separated by a hyperplane with a gap of at least ``2·margin``.

    Points are standard normal scaled by 2; those closer than ``margin`` to a random hyperplane
    ``wᵀx + b = 0`` (‖w‖ = 1) are discarded, the rest are labelled by the side they fall on.
    Logistic regression on such data has no finite minimiser: the weights grow forever.

    Returns
    -------
    X : (n, d) float64, y : (n,) int64 in {0, 1} (both classes present)
    """
    n = _validate.count("n", n, minimum=2)
    d = _validate.count("d", d)
    margin = _nonneg(margin, "margin")
    rng = _rng(seed)
    w = rng.standard_normal(d)
    w /= np.linalg.norm(w)
    b = 0.5 * rng.standard_normal()
    kept: list[np.ndarray] = []
    total = 0
    while total < n:
        cand = 2.0 * rng.standard_normal((2 * n, d))
        cand = cand[np.abs(cand @ w + b) >= margin]
        kept.append(cand)
        total += len(cand)
    X = np.concatenate(kept)[:n]
    y = (X @ w + b > 0).astype(np.int64)
    # make sure both classes occur: move the first point across the plane if one is missing
    for label in (0, 1):
        if not np.any(y == label):
            s = X[0] @ w + b
            X[0] = X[0] - 2 * s * w
            y[0] = label
    return X, y


# --------------------------------------------------------------------------------------------
# Splits and scaling


def _check_xy(X: ArrayLike, y: ArrayLike | None) -> tuple[np.ndarray, np.ndarray | None]:
    Xa = np.asarray(X)
    if Xa.ndim != 2:
        raise ValueError(f"X must have shape (n, d), got {Xa.shape}")
    if y is None:
        return Xa, None
    ya = np.asarray(y)
    if ya.ndim == 2 and ya.shape[1] == 1:
        raise ValueError(
            f"y must have shape (n,), got {ya.shape}: a (n, 1) column broadcasts into (n, n) "
            "matrices in arithmetic with (n,) arrays; use y.ravel()"
        )
    if ya.ndim == 0 or len(ya) != len(Xa):
        raise ValueError(
            f"X and y must have the same number of rows: len(X) = {len(Xa)}, y has shape {ya.shape}"
        )
    return Xa, ya


def _split_sizes(n: int, fractions: Sequence[float]) -> list[int]:
    sizes = []
    for name, frac in zip(
        ("val_fraction", "test_fraction")[: len(fractions)], fractions, strict=True
    ):
        if isinstance(frac, bool) or not isinstance(frac, numbers.Real) or not 0 < frac < 1:
            raise ValueError(f"{name} must be strictly between 0 and 1, got {frac!r}")
        sizes.append(max(1, int(round(frac * n))))
    if n - sum(sizes) < 1:
        raise ValueError(
            f"cannot split {n} examples into a non-empty training set and held-out sets of "
            f"sizes {sizes}: use more data or smaller fractions"
        )
    return sizes


def train_val_split(
    X: ArrayLike, y: ArrayLike, val_fraction: float = 0.2, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into training and validation sets.

    The validation set has ``round(val_fraction·n)`` examples (at least 1, leaving at least 1
    for training). Returns copies, in scikit-learn's order.

    Returns
    -------
    X_train, X_val, y_train, y_val
    """
    Xa, ya = _check_xy(X, y)
    n = len(Xa)
    (n_val,) = _split_sizes(n, [val_fraction])
    order = _rng(seed).permutation(n)
    val, train = order[:n_val], order[n_val:]
    return Xa[train].copy(), Xa[val].copy(), ya[train].copy(), ya[val].copy()  # type: ignore[index]


def train_val_test_split(
    X: ArrayLike,
    y: ArrayLike,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: Seed = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into training, validation and test sets (disjoint, covering all rows).

    Returns
    -------
    X_train, X_val, X_test, y_train, y_val, y_test
    """
    Xa, ya = _check_xy(X, y)
    n = len(Xa)
    n_val, n_test = _split_sizes(n, [val_fraction, test_fraction])
    order = _rng(seed).permutation(n)
    val, test, train = order[:n_val], order[n_val : n_val + n_test], order[n_val + n_test :]
    return (
        Xa[train].copy(),
        Xa[val].copy(),
        Xa[test].copy(),
        ya[train].copy(),  # type: ignore[index]
        ya[val].copy(),  # type: ignore[index]
        ya[test].copy(),  # type: ignore[index]
    )


class Standardiser:
    """Per-feature standardisation ``z = (x − mean) / std`` with statistics from training data.

    Fit on the training set only, then transform every split with the *same* statistics (using
    the validation or test set's own statistics leaks information and shifts the inputs).
    A constant feature (std = 0) gets scale 1, so it becomes 0 instead of NaN.

    Attributes
    ----------
    mean_ : (d,) float64
    scale_ : (d,) float64
        The population standard deviation (``ddof=0``), with 1 for constant features.

    Examples
    --------
    >>> s = Standardiser().fit(np.array([[1.0, 5.0], [3.0, 5.0]]))
    >>> s.transform(np.array([[2.0, 5.0], [3.0, 6.0]]))
    array([[0., 0.],
           [1., 1.]])
    """

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    @staticmethod
    def _matrix(X: ArrayLike) -> np.ndarray:
        Xa = np.asarray(X, dtype=np.float64)
        if Xa.ndim != 2:
            raise ValueError(
                f"X must have shape (n, d), got {Xa.shape}"
                + (": for a single feature use X.reshape(-1, 1)" if Xa.ndim == 1 else "")
            )
        return Xa

    def fit(self, X: ArrayLike) -> Standardiser:
        """Learn ``mean_`` and ``scale_`` from ``X`` (n, d); returns ``self``."""
        Xa = self._matrix(X)
        if len(Xa) == 0:
            raise ValueError("cannot fit on an empty X")
        if not np.all(np.isfinite(Xa)):
            raise ValueError("X must be finite to fit a Standardiser")
        mean = Xa.mean(axis=0)
        std = Xa.std(axis=0)
        # a constant column has std ≈ 0 up to round-off: treat it as exactly constant
        tiny = 1e-12 * np.maximum(1.0, np.abs(mean))
        self.mean_ = mean
        self.scale_ = np.where(std > tiny, std, 1.0)
        return self

    def _fitted(self, X: ArrayLike) -> np.ndarray:
        if self.mean_ is None or self.scale_ is None:
            raise RuntimeError("this Standardiser is not fitted yet: call fit(X_train) first")
        Xa = self._matrix(X)
        if Xa.shape[1] != self.mean_.size:
            raise ValueError(
                f"X must have shape (n, {self.mean_.size}) like the data it was fitted on, "
                f"got {Xa.shape}"
            )
        return Xa

    def transform(self, X: ArrayLike) -> np.ndarray:
        """``(X − mean_) / scale_`` as a new array."""
        Xa = self._fitted(X)
        return (Xa - self.mean_) / self.scale_

    def fit_transform(self, X: ArrayLike) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: ArrayLike) -> np.ndarray:
        """Undo :meth:`transform`: ``Z·scale_ + mean_``."""
        Za = self._fitted(Z)
        return Za * self.scale_ + self.mean_

    def __repr__(self) -> str:
        state = "unfitted" if self.mean_ is None else f"d={self.mean_.size}"
        return f"Standardiser({state})"


# --------------------------------------------------------------------------------------------
# Mini-batches


def minibatches(
    X: ArrayLike,
    y: ArrayLike | None,
    batch_size: int,
    rng: Seed | None = None,
    shuffle: bool = True,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """One epoch of mini-batches ``(Xb, yb)``.

    Each call draws a *fresh* permutation from ``rng``, so calling it once per epoch with the
    same Generator gives a different order every epoch, reproducibly. Every example appears
    exactly once per epoch (no sampling with replacement). The last batch holds the
    ``n % batch_size`` leftover examples unless ``drop_last`` is true.

    Parameters
    ----------
    X : array_like, shape (n, d)
    y : array_like, shape (n,), or None
        With ``None`` (unsupervised, e.g. k-means) the batches are ``(Xb, None)``.
    batch_size : int
        ``>= 1``; a value above ``n`` gives one batch of all examples.
    rng : np.random.Generator or int
        Required when ``shuffle`` is true. Pass one Generator for the whole training run: an
        int seed would repeat the same order every epoch.
    shuffle : bool
        ``False`` keeps the data order (for evaluation).
    drop_last : bool
        Drop the final partial batch.

    Yields
    ------
    Xb : (b, d) ndarray, yb : (b,) ndarray or None
        Copies: modifying a batch never changes ``X`` or ``y``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.arange(10.0).reshape(5, 2); y = np.arange(5)
    >>> [len(yb) for _, yb in minibatches(X, y, 2, rng)]
    [2, 2, 1]
    """
    Xa, ya = _check_xy(X, y)
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    batch_size = int(batch_size)
    n = len(Xa)
    if shuffle:
        if rng is None:
            raise ValueError(
                "shuffle=True needs rng: pass rng=np.random.default_rng(seed) once and reuse it "
                "every epoch (or shuffle=False)"
            )
        order = _rng(rng, "rng").permutation(n)
    else:
        order = np.arange(n)
    stop = n - n % batch_size if drop_last else n
    return _batches(Xa, ya, order, batch_size, stop)


def _batches(
    X: np.ndarray, y: np.ndarray | None, order: np.ndarray, batch_size: int, stop: int
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    for start in range(0, stop, batch_size):
        idx = order[start : min(start + batch_size, stop)]
        yield X[idx], (None if y is None else y[idx])  # fancy indexing copies


# --------------------------------------------------------------------------------------------
# Real data sets


@dataclass(frozen=True, eq=False)
class Dataset:
    """A small real data set shipped with gdutils.

    Attributes
    ----------
    X : (n, d) float64
    y : (n,) int64 labels
    feature_names, target_names : tuple of str
    description, citation, licence : str
    images : (n, h, w) float64 or None
        The inputs as images, for the digits.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    description: str
    citation: str
    licence: str
    images: np.ndarray | None = None

    def __repr__(self) -> str:
        return f"Dataset(X: {self.X.shape}, y: {self.y.shape}, classes={list(self.target_names)})"


_LICENCE = "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"

_DIGITS_CITATION = (
    "Alpaydin, E. & Kaynak, C. (1998). Optical Recognition of Handwritten Digits [Dataset]. "
    "UCI Machine Learning Repository. https://doi.org/10.24432/C50P49"
)
_IRIS_CITATION = (
    "Fisher, R. A. (1936). Iris [Dataset]. UCI Machine Learning Repository. "
    "https://doi.org/10.24432/C56C76"
)


def _resource_bytes(name: str) -> bytes:
    return resources.files("gdutils").joinpath("datasets", name).read_bytes()


@functools.cache
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    raw = gzip.decompress(_resource_bytes("digits.csv.gz"))
    table = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.float64)
    if table.ndim != 2 or table.shape[1] != 65:
        raise RuntimeError(f"digits.csv.gz is damaged: expected 65 columns, got {table.shape}")
    X = np.ascontiguousarray(table[:, :64])
    y = table[:, 64].astype(np.int64)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


@functools.cache
def _iris_arrays() -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    text = _resource_bytes("iris.csv").decode("ascii")
    header, _, body = text.partition("\n")
    fields = header.strip().split(",")
    n, d = int(fields[0]), int(fields[1])
    table = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.float64)
    if table.shape != (n, d + 1):
        raise RuntimeError(f"iris.csv is damaged: expected {(n, d + 1)}, got {table.shape}")
    X = np.ascontiguousarray(table[:, :d])
    y = table[:, d].astype(np.int64)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y, tuple(fields[2:])


def load_digits() -> Dataset:
    """The UCI optical-recognition digits: 1797 images of 8×8 pixels, labels 0–9.

    ``X`` (1797, 64) holds pixel counts 0–16 as float64 (row-major, ``images[i] ==
    X[i].reshape(8, 8)``); ``y`` the digit. Offline, from the package; parsed once, then
    every call returns fresh copies.
    """
    X, y = _digits_arrays()
    X = X.copy()
    return Dataset(
        X=X,
        y=y.copy(),
        feature_names=tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8)),
        target_names=tuple(str(i) for i in range(10)),
        description=(
            "Optical Recognition of Handwritten Digits (UCI): 1797 digits written by 13 people, "
            "scanned and reduced to 8x8 images whose pixels count the ink in 4x4 blocks (0-16)."
        ),
        citation=_DIGITS_CITATION,
        licence=_LICENCE,
        images=X.reshape(-1, 8, 8).copy(),
    )


def load_iris() -> Dataset:
    """Fisher's iris flowers: 150 examples, 4 measurements in cm, 3 species (50 each).

    Offline, from the package; parsed once, then every call returns fresh copies.
    """
    X, y, names = _iris_arrays()
    return Dataset(
        X=X.copy(),
        y=y.copy(),
        feature_names=(
            "sepal length (cm)",
            "sepal width (cm)",
            "petal length (cm)",
            "petal width (cm)",
        ),
        target_names=names,
        description=(
            "Iris (Fisher, 1936): sepal and petal length and width of 150 flowers, 50 of each "
            "of the species setosa, versicolor and virginica."
        ),
        citation=_IRIS_CITATION,
        licence=_LICENCE,
    )
