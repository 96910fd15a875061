"""Explorers for generalisation: over-fitting, regularisation and early stopping (notebook 12).

Two factories, each returning a :class:`gdutils.widgets.Explorer`:

* :func:`polynomial_explorer` — polynomial regression of noisy samples of a cubic: sliders for
  the degree, the number of training points and the L2 penalty λ (log slider, with a switch);
  left the data and the fitted curve, right either the *validation curve* (training and
  validation error against the degree) or the *learning curve* (against the number of training
  points).
* :func:`early_stopping_explorer` — training and validation loss against epochs, and what the
  patience rule does with them: sliders for the patience and ``min_delta``; the best epoch, the
  epoch where training stops and the epochs the rule waited in between. By default the curves
  come from gradient descent on degree-10 polynomial features (full batch or mini-batches);
  any curves can be passed in (e.g. a :class:`gdutils.training.History`).

Both run on gdutils' reference code (:func:`gdutils.losses.ridge`,
:func:`gdutils.training.early_stopping_epochs`), never on a learner's answers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from gdutils import data, losses, training
from gdutils.display import plotting, widgets
from gdutils.display.explorers.landscapes import fast_log_axis
from gdutils.display.widgets import Explorer

__all__ = [
    "PolynomialData",
    "polynomial_data",
    "polynomial_features",
    "fit_polynomial",
    "polynomial_mse",
    "gd_polynomial_curves",
    "polynomial_explorer",
    "early_stopping_explorer",
    "MAX_DEGREE",
    "LEARNING_CURVE_SIZES",
]

#: largest degree offered by :func:`polynomial_explorer`
MAX_DEGREE = 15
#: training-set sizes of the learning curve
LEARNING_CURVE_SIZES = (8, 10, 12, 15, 20, 30, 50, 75, 100, 150, 200)


class PolynomialData:
    """Noisy samples of a cubic on [−1, 1]: a pool of training points and a validation set.

    Attributes
    ----------
    x_pool, y_pool : (200,) float64
        Training candidates, in random order (the first ``m`` are a random training set of
        size ``m``).
    x_val, y_val : (100,) float64
        The validation set, drawn from the same distribution.
    coef : (4,) float64
        The true cubic, constant term first.
    noise : float
        Standard deviation of the noise (the best achievable validation MSE is about noise²).
    """

    def __init__(self, noise: float = 0.3, seed: int = 26) -> None:
        X, y, coef = data.make_polynomial(n=300, degree=3, noise=noise, seed=seed)
        x = X[:, 0]
        self.x_pool, self.y_pool = x[:200].copy(), y[:200].copy()
        self.x_val, self.y_val = x[200:].copy(), y[200:].copy()
        self.coef = coef
        self.noise = float(noise)

    def truth(self, x: ArrayLike) -> np.ndarray:
        """The noiseless cubic at ``x``."""
        return np.polynomial.polynomial.polyval(np.asarray(x, dtype=np.float64), self.coef)

    def train(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The first ``n`` points of the pool."""
        if not 1 <= int(n) <= self.x_pool.size:
            raise ValueError(f"n must lie in [1, {self.x_pool.size}], got {n}")
        return self.x_pool[: int(n)], self.y_pool[: int(n)]


def polynomial_data(noise: float = 0.3, seed: int = 26) -> PolynomialData:
    """The data of notebook 12's polynomial experiments (see :class:`PolynomialData`)."""
    return PolynomialData(noise=noise, seed=seed)


def polynomial_features(x: ArrayLike, degree: int) -> np.ndarray:
    """``[x, x², …, x^degree]`` as an ``(n, degree)`` matrix (no constant column: the model's
    bias ``b`` plays that part).

    >>> polynomial_features(np.array([2.0, -1.0]), 3)
    array([[ 2.,  4.,  8.],
           [-1.,  1., -1.]])
    """
    xa = np.asarray(x, dtype=np.float64)
    if xa.ndim == 2 and xa.shape[1] == 1:
        xa = xa[:, 0]
    if xa.ndim != 1:
        raise ValueError(f"x must have shape (n,) or (n, 1), got {xa.shape}")
    if isinstance(degree, bool) or int(degree) != degree or degree < 0:
        raise ValueError(f"degree must be an integer >= 0, got {degree!r}")
    return xa[:, None] ** np.arange(1, int(degree) + 1)


def fit_polynomial(x: ArrayLike, y: ArrayLike, degree: int, lam: float = 0.0) -> tuple[np.ndarray, float]:
    """Fit ``ŷ = Σⱼ wⱼ xʲ + b`` by ridge regression (:func:`gdutils.losses.ridge`, bias not
    penalised); ``lam = 0`` is least squares (minimum-norm when under-determined)."""
    ya = np.asarray(y, dtype=np.float64)
    if degree == 0:
        return np.zeros(0), float(np.mean(ya))
    return losses.ridge(polynomial_features(x, degree), ya, lam)


def polynomial_mse(x: ArrayLike, y: ArrayLike, w: np.ndarray, b: float) -> float:
    """Mean squared error of the polynomial ``(w, b)`` on ``(x, y)``."""
    ya = np.asarray(y, dtype=np.float64)
    pred = polynomial_features(x, w.size) @ w + b
    r = pred - ya
    return float(np.mean(r * r))


def _log_ticks(ax: Any, lo: float, hi: float) -> None:
    """Plain-text log ticks on the y-axis, with 2 and 5 between decades when the range is short."""
    from matplotlib import ticker

    subs = (1.0, 2.0, 5.0) if hi / lo < 50 else (1.0,)
    ax.yaxis.set_major_locator(ticker.LogLocator(base=10.0, subs=subs, numticks=8))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _pos: f"{v:.2g}"))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())


# --------------------------------------------------------------------------------------------
# Degree, λ and the size of the training set


def polynomial_explorer(
    *,
    degree: int = 3,
    n_train: int = 20,
    lam: float = 1e-3,
    regularise: bool = False,
    curve: str = "validation curve",
    static: bool | None = None,
) -> Explorer:
    """Polynomial regression with degree, training-set size and λ controls.

    Left: the training points, the validation points, the true cubic and the fitted polynomial.
    Right: the *validation curve* (training and validation MSE against the degree, for the
    current size and λ) or the *learning curve* (against the training-set size, for the current
    degree and λ), on a log axis; the current setting is marked.

    Controls: ``degree`` (0…15), ``training points`` (8…200), ``λ`` (log slider 1e-8…10),
    ``L2 penalty`` (off: λ = 0), ``right panel`` (validation curve / learning curve).

    ``state``: ``degree``, ``n_train``, ``lam`` (0 when the penalty is off), ``w``, ``b``,
    ``train_mse``, ``val_mse``, ``degrees``, ``train_curve``, ``val_curve`` (validation curve),
    ``best_degree``, ``sizes``, ``lc_train``, ``lc_val`` (learning curve), ``x_plot``,
    ``y_plot``.
    """
    d = polynomial_data()
    xs = np.linspace(-1.0, 1.0, 300)
    ys_true = d.truth(xs)
    y_all = np.concatenate([d.y_pool, d.y_val])
    lo, hi = float(y_all.min()), float(y_all.max())
    pad = 0.25 * (hi - lo)
    degrees = np.arange(MAX_DEGREE + 1)
    sizes = np.array(LEARNING_CURVE_SIZES)

    with plotting.style():
        fig = Figure(figsize=(10.5, 4.3))
        ax, ax_c = fig.subplots(1, 2)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.85, wspace=0.25)
        ax.scatter(d.x_val, d.y_val, s=10, color=plotting.COLORS["orange"], alpha=0.55,
                   label="validation points", zorder=2)
        train_pts = ax.scatter([], [], s=26, color=plotting.COLORS["blue"], edgecolor="white",
                               linewidth=0.5, label="training points", zorder=3)
        ax.plot(xs, ys_true, linestyle="--", color=plotting.COLORS["black"], linewidth=1.2,
                label="true cubic")
        (fit_line,) = ax.plot([], [], color=plotting.COLORS["vermillion"], linewidth=2.0,
                              label="fitted polynomial", zorder=4)
        ax.set_xlim(-1.05, 1.05)
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.legend(loc="best", fontsize=8)
        (c_train,) = ax_c.plot([], [], marker="o", markersize=3.5,
                               color=plotting.COLORS["blue"], label="training MSE")
        (c_val,) = ax_c.plot([], [], marker="o", markersize=3.5,
                             color=plotting.COLORS["vermillion"], label="validation MSE")
        noise_line = ax_c.axhline(d.noise**2, color="0.45", linestyle=":", linewidth=1.0,
                                  label="noise variance")
        (marker,) = ax_c.plot([], [], marker="o", markersize=11, markerfacecolor="none",
                              markeredgecolor=plotting.COLORS["black"], linestyle="none",
                              label="current setting")
        fast_log_axis(ax_c)
        ax_c.set_ylabel("mean squared error (log scale)")
        ax_c.legend(loc="upper left", fontsize=8)
    del noise_line

    def update(v: dict[str, Any]) -> dict[str, Any]:
        deg = int(v["degree"])
        m = int(v["training points"])
        lam_v = float(v["λ"]) if v["L2 penalty"] else 0.0
        xt, yt = d.train(m)
        w, b = fit_polynomial(xt, yt, deg, lam_v)
        tr = polynomial_mse(xt, yt, w, b)
        va = polynomial_mse(d.x_val, d.y_val, w, b)
        train_pts.set_offsets(np.column_stack([xt, yt]))
        y_plot = polynomial_features(xs, deg) @ w + b
        fit_line.set_data(xs, np.clip(y_plot, lo - 10 * pad, hi + 10 * pad))
        tc = np.empty(degrees.size)
        vc = np.empty(degrees.size)
        for i, k in enumerate(degrees):
            wk, bk = fit_polynomial(xt, yt, int(k), lam_v)
            tc[i] = polynomial_mse(xt, yt, wk, bk)
            vc[i] = polynomial_mse(d.x_val, d.y_val, wk, bk)
        lt = np.empty(sizes.size)
        lv = np.empty(sizes.size)
        for i, s in enumerate(sizes):
            xs_, ys_ = d.train(int(s))
            ws, bs = fit_polynomial(xs_, ys_, deg, lam_v)
            lt[i] = polynomial_mse(xs_, ys_, ws, bs)
            lv[i] = polynomial_mse(d.x_val, d.y_val, ws, bs)
        floor = 1e-4
        if v["right panel"] == "validation curve":
            c_train.set_data(degrees, np.maximum(tc, floor))
            c_val.set_data(degrees, np.maximum(vc, floor))
            marker.set_data([deg], [max(va, floor)])
            ax_c.set_xscale("linear")
            ax_c.set_xlim(-0.5, MAX_DEGREE + 0.5)
            ax_c.set_xlabel("degree of the polynomial")
            ax_c.set_title(f"Validation curve ({m} training points, λ = {lam_v:.3g})")
            shown = np.concatenate([tc, vc])
        else:
            c_train.set_data(sizes, np.maximum(lt, floor))
            c_val.set_data(sizes, np.maximum(lv, floor))
            marker.set_data([m], [max(va, floor)])
            ax_c.set_xscale("log")
            ax_c.set_xlim(sizes[0] * 0.85, sizes[-1] * 1.15)
            ax_c.set_xlabel("number of training points (log scale)")
            ax_c.set_title(f"Learning curve (degree {deg}, λ = {lam_v:.3g})")
            shown = np.concatenate([lt, lv])
        shown = np.maximum(shown[np.isfinite(shown)], floor)
        y_lo = min(float(shown.min()), d.noise**2) / 2
        y_hi = min(float(shown.max()), 1e7) * 3
        ax_c.set_ylim(y_lo, y_hi)
        _log_ticks(ax_c, y_lo, y_hi)
        ax.set_title(f"Degree {deg}, {m} training points\n"
                     f"train MSE {tr:.3g} · validation MSE {va:.3g}")
        return {
            "degree": deg, "n_train": m, "lam": lam_v, "w": w, "b": b,
            "train_mse": tr, "val_mse": va, "degrees": degrees.copy(), "train_curve": tc,
            "val_curve": vc, "best_degree": int(degrees[int(np.argmin(vc))]),
            "sizes": sizes.copy(), "lc_train": lt, "lc_val": lv, "x_plot": xs, "y_plot": y_plot,
        }

    controls = {
        "degree": widgets.int_slider("degree", degree, 0, MAX_DEGREE),
        "training points": widgets.int_slider("training points", n_train, 8, 200),
        "λ": widgets.log_slider("λ", lam, 1e-8, 10.0),
        "L2 penalty": widgets.checkbox("L2 penalty", regularise),
        "right panel": widgets.toggle("right panel", ["validation curve", "learning curve"],
                                      value=curve),
    }
    return Explorer(fig, controls, update, static=static,
                    caption="Training error only ever falls as the degree grows; validation "
                            "error tells you when the model starts fitting the noise.")


# --------------------------------------------------------------------------------------------
# Early stopping


def gd_polynomial_curves(
    batch_size: int | None = None,
    *,
    degree: int = 10,
    n_train: int = 20,
    epochs: int = 3000,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation MSE per epoch of gradient descent on polynomial features.

    The ``degree`` features of the first ``n_train`` points of :func:`polynomial_data` are
    standardised with the training statistics, then fitted by full-batch gradient descent
    (``batch_size=None``, step ``1/L`` with ``L`` the largest curvature) or by mini-batch SGD
    (a fresh permutation every epoch, step ``0.5/L``). GD fits the smooth, well-determined
    directions first and the noise last, so the validation error falls, then rises.

    Returns
    -------
    train_mse, val_mse : (epochs + 1,) float64
        Entry ``e`` is measured after ``e`` epochs (entry 0: the starting point ``θ = 0``).
    """
    d = polynomial_data()
    xt, yt = d.train(n_train)
    scaler = data.Standardiser().fit(polynomial_features(xt, degree))
    A = np.hstack([scaler.transform(polynomial_features(xt, degree)), np.ones((n_train, 1))])
    Av = np.hstack([scaler.transform(polynomial_features(d.x_val, degree)),
                    np.ones((d.x_val.size, 1))])
    L = float(np.linalg.eigvalsh(2.0 * A.T @ A / n_train).max())
    theta = np.zeros(A.shape[1])
    tr = np.empty(epochs + 1)
    va = np.empty(epochs + 1)
    rng = np.random.default_rng(seed)
    step = (1.0 if batch_size is None else 0.5) / L

    def record(e: int) -> None:
        r = A @ theta - yt
        tr[e] = float(r @ r) / n_train
        rv = Av @ theta - d.y_val
        va[e] = float(rv @ rv) / rv.size

    record(0)
    for e in range(1, epochs + 1):
        if batch_size is None:
            theta = theta - step * (2.0 / n_train) * (A.T @ (A @ theta - yt))
        else:
            for Ab, yb in data.minibatches(A, yt, batch_size, rng):
                theta = theta - step * (2.0 / len(yb)) * (Ab.T @ (Ab @ theta - yb))
        record(e)
    return tr, va


def early_stopping_explorer(
    train_loss: ArrayLike | None = None,
    val_loss: ArrayLike | None = None,
    *,
    patience: int = 100,
    min_delta: float = 0.0,
    max_patience: int = 200,
    title: str | None = None,
    static: bool | None = None,
) -> Explorer:
    """What the patience rule does with a validation curve.

    Without curves, the explorer trains degree-10 polynomials on 20 points by gradient descent
    (:func:`gd_polynomial_curves`), full batch or mini-batches of 4 (a ``training`` toggle);
    with ``train_loss`` and ``val_loss`` (one value per epoch) it shows those.

    The plot: both losses against epochs (log scale), the best epoch (star), the epoch where
    the rule stops (dashed line), the epochs it waited in between (shaded) and the curves after
    the stop (faded: what early stopping saves).

    Controls: ``patience`` (1…``max_patience``), ``min_delta`` (0…0.05), ``log epochs`` (a
    log-scaled epoch axis, to see the first epochs), and ``training`` when the curves are built
    in.

    ``state``: ``best_epoch``, ``stop_epoch`` (from
    :func:`gdutils.training.early_stopping_epochs`), ``best_val``, ``stop_val``, ``final_val``,
    ``epochs_saved`` (epochs not run), ``train_loss``, ``val_loss``.
    """
    builtin = train_loss is None and val_loss is None
    if builtin:
        curves = {"full batch": gd_polynomial_curves(None),
                  "mini-batches of 4": gd_polynomial_curves(4, epochs=1000)}
    else:
        if val_loss is None:
            raise ValueError("pass val_loss (and optionally train_loss)")
        v = np.asarray(val_loss, dtype=np.float64)
        t = np.full_like(v, np.nan) if train_loss is None else np.asarray(train_loss, dtype=np.float64)
        if v.ndim != 1 or v.size < 2 or t.shape != v.shape:
            raise ValueError("train_loss and val_loss must be 1-D arrays of the same length >= 2")
        curves = {"given": (t, v)}

    with plotting.style():
        fig = Figure(figsize=(9.0, 4.3))
        ax = fig.subplots()
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.13, top=0.9)
        (tr_line,) = ax.plot([], [], color=plotting.COLORS["blue"], label="training loss")
        (va_line,) = ax.plot([], [], color=plotting.COLORS["vermillion"], label="validation loss")
        (tr_after,) = ax.plot([], [], color=plotting.COLORS["blue"], alpha=0.25)
        (va_after,) = ax.plot([], [], color=plotting.COLORS["vermillion"], alpha=0.25,
                              label="after the stop (not run)")
        (best_pt,) = ax.plot([], [], marker="*", markersize=15, linestyle="none",
                             color=plotting.COLORS["black"], label="best epoch (restored)",
                             zorder=5)
        stop_line = ax.axvline(0.0, color=plotting.COLORS["black"], linestyle="--",
                               linewidth=1.2, label="stop")
        span = ax.axvspan(0.0, 1.0, color=plotting.COLORS["sky_blue"], alpha=0.2,
                          label="waiting (patience)")
        fast_log_axis(ax)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss (log scale)")
        ax.legend(loc="upper right", fontsize=8)

    def update(vals: dict[str, Any]) -> dict[str, Any]:
        key = vals.get("training", "given")
        tr, va = curves[key]
        p = int(vals["patience"])
        delta = float(vals["min_delta"])
        best, stop = training.early_stopping_epochs(va, p, delta)
        best = 0 if best is None else best
        e = np.arange(va.size)
        tr_line.set_data(e[: stop + 1], tr[: stop + 1])
        va_line.set_data(e[: stop + 1], va[: stop + 1])
        tr_after.set_data(e[stop:], tr[stop:])
        va_after.set_data(e[stop:], va[stop:])
        best_pt.set_data([best], [va[best]])
        stop_line.set_xdata([stop, stop])
        span.set_x(best)
        span.set_width(max(stop - best, 0))
        finite = np.concatenate([tr[np.isfinite(tr)], va[np.isfinite(va)]])
        finite = finite[finite > 0]
        if vals["log epochs"]:
            ax.set_xscale("symlog", linthresh=10.0)
        else:
            ax.set_xscale("linear")
        ax.set_xlim(0, va.size - 1)
        y_lo, y_hi = float(finite.min()) / 1.5, float(finite.max()) * 1.5
        ax.set_ylim(y_lo, y_hi)
        _log_ticks(ax, y_lo, y_hi)
        saved = va.size - 1 - stop
        ax.set_title((title + ": " if title else "")
                     + f"patience {p}: best epoch {best} (val {va[best]:.3g}), stop at {stop} "
                     f"(val {va[stop]:.3g}); {saved} epochs saved")
        return {"best_epoch": int(best), "stop_epoch": int(stop), "best_val": float(va[best]),
                "stop_val": float(va[stop]), "final_val": float(va[-1]),
                "epochs_saved": int(saved), "train_loss": tr, "val_loss": va}

    controls: dict[str, Any] = {
        "patience": widgets.int_slider("patience", patience, 1, max_patience),
        "min_delta": widgets.slider("min_delta", min_delta, 0.0, 0.05, 0.001),
        "log epochs": widgets.checkbox("log epochs", False),
    }
    if builtin:
        controls["training"] = widgets.toggle("training", list(curves), value="full batch")
    return Explorer(fig, controls, update, static=static,
                    caption="Stop when the validation loss has not improved for `patience` "
                            "epochs, then put back the weights of the best epoch.")
