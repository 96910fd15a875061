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
:func:`gdutils.training.early_stopping_epochs`), never on a learner's answers. Each figure is a
:class:`~gdutils.display.explorers._layers.LayeredFigure`: axes, ticks and legends are
rendered once per set of axis limits (the MSE axis moves in whole decades), and a control change
redraws only the curves, points and titles.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.ticker import FixedLocator, FuncFormatter, MultipleLocator, NullLocator
from numpy.typing import ArrayLike

from gdutils import data, losses, training
from gdutils.display import plotting, widgets
from gdutils.display.explorers._axes import (
    decade_limits,
    fast_log_axis,
    few_ticks,
    fixed_title,
    legend_outside,
)
from gdutils.display.explorers._layers import LayeredFigure
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

_VALIDATION, _LEARNING = "validation curve", "learning curve"
# smallest MSE drawn on the log axis: an interpolating fit's training error is round-off
_MSE_FLOOR = 1e-4
# top of the MSE axis at most: an unpenalised degree-15 fit to 8 points would squash the rest
_MSE_CEILING = 1e7


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _lam_text(lam: float) -> str:
    """``λ = 0.001``, ``λ = 5 × 10⁻⁷`` (no ``1e-07`` in a learner's figure).

    Plain Unicode, not mathtext: the text changes with a slider, and matplotlib parses each new
    mathtext string (about 10 ms, a third of a frame).
    """
    if lam == 0.0:
        return "λ = 0"
    if 1e-3 <= lam < 1e3:
        return f"λ = {lam:.3g}"
    exponent = math.floor(math.log10(lam))
    mantissa = float(f"{lam / 10.0 ** exponent:.2g}")
    if mantissa >= 10.0:            # 9.96e-5 rounds up to the next decade
        mantissa, exponent = 1.0, exponent + 1
    power = "10" + str(exponent).translate(_SUPERSCRIPTS)
    return f"λ = {power}" if mantissa == 1.0 else f"λ = {mantissa:g} × {power}"


def _mse_limits(values: np.ndarray) -> tuple[float, float]:
    """Limits of the MSE axis: whole decades, widened to steps of three decades.

    The curves' range changes with every slider; in steps of three decades (bottom 10⁻² or
    10⁻⁵, top 10¹, 10⁴ or 10⁷) a drag crosses a step rarely, so the static layer (ticks, grid,
    legend) is seldom re-rendered, and the picture does not jump on every move.
    """
    lo, hi = decade_limits(values, low=_MSE_FLOOR, high=_MSE_CEILING)
    lo_e, hi_e = round(math.log10(lo)), round(math.log10(hi))
    lo_e = -2 - 3 * max(math.ceil((-2 - lo_e) / 3), 0)
    hi_e = min(1 + 3 * max(math.ceil((hi_e - 1) / 3), 0), round(math.log10(_MSE_CEILING)))
    return 10.0 ** lo_e, 10.0 ** hi_e


def _validation_curve(d: PolynomialData, m: int, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation MSE for every degree 0 … MAX_DEGREE (first ``m`` points, ``lam``)."""
    xt, yt = d.train(m)
    tc = np.empty(MAX_DEGREE + 1)
    vc = np.empty(MAX_DEGREE + 1)
    for k in range(MAX_DEGREE + 1):
        w, b = fit_polynomial(xt, yt, k, lam)
        tc[k] = polynomial_mse(xt, yt, w, b)
        vc[k] = polynomial_mse(d.x_val, d.y_val, w, b)
    return tc, vc


def _learning_curve(d: PolynomialData, degree: int, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation MSE for every size of :data:`LEARNING_CURVE_SIZES`."""
    lt = np.empty(len(LEARNING_CURVE_SIZES))
    lv = np.empty(len(LEARNING_CURVE_SIZES))
    for i, size in enumerate(LEARNING_CURVE_SIZES):
        xs, ys = d.train(size)
        w, b = fit_polynomial(xs, ys, degree, lam)
        lt[i] = polynomial_mse(xs, ys, w, b)
        lv[i] = polynomial_mse(d.x_val, d.y_val, w, b)
    return lt, lv


@dataclass
class _PolynomialFigure:
    fig: LayeredFigure
    ax_fit: Any
    ax_curve: Any
    train_pts: Any
    fit_line: Any
    fit_title: Any
    c_train: Any
    c_val: Any
    here: Any
    curve_title: Any
    #: which curve the right panel's static layer (scale, ticks, label) is set up for
    mode: str = ""


def _polynomial_figure(d: PolynomialData, xs: np.ndarray,
                       y_limits: tuple[float, float]) -> _PolynomialFigure:
    c = plotting.COLORS
    with plotting.style():
        fig = LayeredFigure(figsize=(10.5, 4.3))
        # fixed positions (no layout engine on each frame); room under each panel for its legend
        ax = fig.add_axes((0.065, 0.28, 0.405, 0.575))
        ax_c = fig.add_axes((0.58, 0.28, 0.405, 0.575))

        # left: training in blue and validation in vermillion, as on the right; the fit in green
        val_pts = ax.scatter(d.x_val, d.y_val, s=10, color=c["vermillion"], alpha=0.5,
                             linewidth=0, label="validation points")
        train_pts = ax.scatter([], [], s=26, color=c["blue"], edgecolor="white", linewidth=0.5,
                               label="training points", zorder=3)
        (truth,) = ax.plot(xs, d.truth(xs), linestyle="--", color=c["black"], linewidth=1.2,
                           label="true cubic $f(x)$")
        (fit_line,) = ax.plot([], [], color=c["green"], linewidth=2.0,
                              label="fitted polynomial $\\hat{y}(x)$", zorder=4)
        ax.set_xlim(-1.05, 1.05)
        ax.set_ylim(*y_limits)
        few_ticks(ax)
        ax.set_xlabel("$x$")
        ax.set_ylabel("$y$")
        legend_outside(ax, side="below", ncols=2, bbox_to_anchor=(0.5, -0.16),
                       handles=[train_pts, val_pts, truth, fit_line])
        fit_title = fixed_title(ax, "", fontsize=10)

        # right: the validation or the learning curve (the x axis is set up by _curve_axis)
        (c_train,) = ax_c.plot([], [], marker="o", markersize=3.5, color=c["blue"],
                               label="training MSE")
        (c_val,) = ax_c.plot([], [], marker="o", markersize=3.5, color=c["vermillion"],
                             label="validation MSE")
        ax_c.axhline(d.noise**2, color="0.45", linestyle=":", linewidth=1.0,
                     label="noise variance $\\sigma^2$")
        (here,) = ax_c.plot([], [], marker="o", markersize=11, markerfacecolor="none",
                            markeredgecolor=c["black"], linestyle="none", label="current setting")
        fast_log_axis(ax_c)
        ax_c.set_ylabel("mean squared error (log scale)")
        legend_outside(ax_c, side="below", ncols=2, bbox_to_anchor=(0.5, -0.16))
        curve_title = fixed_title(ax_c, "", fontsize=10)
        fig.add_dynamic(train_pts, fit_line, c_train, c_val, here, fit_title, curve_title)
    return _PolynomialFigure(fig, ax, ax_c, train_pts, fit_line, fit_title, c_train, c_val, here,
                             curve_title)


def _curve_axis(f: _PolynomialFigure, mode: str) -> None:
    """Set up the right panel's x axis for ``mode`` (only when the mode changes)."""
    if f.mode == mode:
        return
    ax = f.ax_curve
    # set_xscale re-creates the ticks: in the course style, like the rest of the figure
    with plotting.style():
        if mode == _VALIDATION:
            ax.set_xscale("linear")
            ax.set_xlim(-0.5, MAX_DEGREE + 0.5)
            ax.xaxis.set_major_locator(MultipleLocator(3))
            ax.set_xlabel("degree of the polynomial")
        else:
            ax.set_xscale("log")
            ax.set_xlim(LEARNING_CURVE_SIZES[0] * 0.85, LEARNING_CURVE_SIZES[-1] * 1.15)
            ax.xaxis.set_major_locator(FixedLocator([10, 20, 50, 100, 200]))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
            ax.set_xlabel("number of training points (log scale)")
        ax.xaxis.set_minor_locator(NullLocator())
    f.fig.static_key = mode                  # the x label differs, whatever the limits
    f.mode = mode


def _draw_fit(f: _PolynomialFigure, xt: np.ndarray, yt: np.ndarray, xs: np.ndarray,
              y_plot: np.ndarray, deg: int, tr: float, va: float) -> None:
    f.train_pts.set_offsets(np.column_stack([xt, yt]))
    lo, hi = f.ax_fit.get_ylim()
    # a wild fit far off the panel: clipped well outside it (the line still leaves the frame)
    f.fit_line.set_data(xs, np.clip(y_plot, lo - 10 * (hi - lo), hi + 10 * (hi - lo)))
    f.fit_title.set_text(f"Degree {deg}, {xt.size} training points\n"
                         f"training MSE {tr:.3g} · validation MSE {va:.3g}")


def _draw_curves(f: _PolynomialFigure, mode: str, x: np.ndarray, train: np.ndarray,
                 val: np.ndarray, here_x: float, va: float, noise_var: float,
                 title: str) -> None:
    _curve_axis(f, mode)
    shown_train = np.clip(train, _MSE_FLOOR, None)
    shown_val = np.clip(val, _MSE_FLOOR, None)
    f.c_train.set_data(x, shown_train)
    f.c_val.set_data(x, shown_val)
    f.here.set_data([here_x], [max(va, _MSE_FLOOR)])
    f.ax_curve.set_ylim(*_mse_limits(np.concatenate([shown_train, shown_val, [va, noise_var]])))
    f.curve_title.set_text(title)


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
    y_all = np.concatenate([d.y_pool, d.y_val])
    lo, hi = float(y_all.min()), float(y_all.max())
    pad = 0.25 * (hi - lo)
    degrees = np.arange(MAX_DEGREE + 1)
    sizes = np.array(LEARNING_CURVE_SIZES)
    f = _polynomial_figure(d, xs, (lo - pad, hi + pad))
    # each curve depends on two of the three sliders: dragging the third only looks them up
    validation_curve = functools.lru_cache(maxsize=256)(
        lambda m, lam_v: _validation_curve(d, m, lam_v))
    learning_curve = functools.lru_cache(maxsize=256)(
        lambda deg, lam_v: _learning_curve(d, deg, lam_v))

    def update(v: dict[str, Any]) -> dict[str, Any]:
        deg = int(v["degree"])
        m = int(v["training points"])
        lam_v = float(v["λ"]) if v["L2 penalty"] else 0.0
        xt, yt = d.train(m)
        w, b = fit_polynomial(xt, yt, deg, lam_v)
        tr = polynomial_mse(xt, yt, w, b)
        va = polynomial_mse(d.x_val, d.y_val, w, b)
        y_plot = polynomial_features(xs, deg) @ w + b
        tc, vc = (a.copy() for a in validation_curve(m, lam_v))
        lt, lv = (a.copy() for a in learning_curve(deg, lam_v))
        _draw_fit(f, xt, yt, xs, y_plot, deg, tr, va)
        if v["right panel"] == _VALIDATION:
            _draw_curves(f, _VALIDATION, degrees, tc, vc, deg, va, d.noise**2,
                         f"Validation curve ({m} training points, {_lam_text(lam_v)})")
        else:
            _draw_curves(f, _LEARNING, sizes, lt, lv, m, va, d.noise**2,
                         f"Learning curve (degree {deg}, {_lam_text(lam_v)})")
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
        "right panel": widgets.toggle("right panel", [_VALIDATION, _LEARNING], value=curve),
    }
    return Explorer(f.fig, controls, update, static=static,
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


@dataclass
class _StoppingFigure:
    fig: LayeredFigure
    ax: Any
    tr_line: Any
    va_line: Any
    tr_after: Any
    va_after: Any
    best_pt: Any
    stop_line: Any
    span: Any
    title: Any
    #: the curves and the epoch scale the static layer is set up for
    axes_for: tuple[str, bool] | None = None


def _stopping_figure() -> _StoppingFigure:
    c = plotting.COLORS
    with plotting.style():
        fig = LayeredFigure(figsize=(9.0, 4.3))
        ax = fig.add_axes((0.085, 0.245, 0.89, 0.665))
        span = ax.axvspan(0.0, 1.0, color=c["sky_blue"], alpha=0.2, label="waiting (patience)")
        (tr_line,) = ax.plot([], [], color=c["blue"], label="training loss")
        (va_line,) = ax.plot([], [], color=c["vermillion"], label="validation loss")
        (tr_after,) = ax.plot([], [], color=c["blue"], alpha=0.25)
        (va_after,) = ax.plot([], [], color=c["vermillion"], alpha=0.25,
                              label="after the stop (not run)")
        stop_line = ax.axvline(0.0, color=c["black"], linestyle="--", linewidth=1.2,
                               label="stop")
        (best_pt,) = ax.plot([], [], marker="*", markersize=15, linestyle="none",
                             color=c["black"], label="best epoch (restored)", zorder=5)
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss (log scale)")
        # the legend fills columns first: the two losses, then the stop, then the rule's marks
        legend_outside(ax, side="below", ncols=3, bbox_to_anchor=(0.5, -0.16),
                       handles=[tr_line, va_line, va_after, best_pt, stop_line, span])
        title = fixed_title(ax, "", fontsize=10)
        # drawn in this order over the static layer: the shading under the curves, the star on top
        fig.add_dynamic(span, tr_line, va_line, tr_after, va_after, stop_line, best_pt, title)
    return _StoppingFigure(fig, ax, tr_line, va_line, tr_after, va_after, best_pt, stop_line,
                           span, title)


def _epoch_axes(f: _StoppingFigure, key: str, log_epochs: bool, n: int,
                y_limits: tuple[float, float]) -> None:
    """Scale and limits for one set of curves (only when the curves or the scale change)."""
    if f.axes_for == (key, log_epochs):
        return
    ax = f.ax
    # set_xscale re-creates the ticks: in the course style, like the rest of the figure
    with plotting.style():
        if log_epochs:
            ax.set_xscale("symlog", linthresh=10.0)
            # plain 10, 100, 1000: no mathtext to typeset in the static layer
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        else:
            ax.set_xscale("linear")
        ax.set_xlim(0, n - 1)
        ax.set_ylim(*y_limits)
        _log_ticks(ax, *y_limits)
    f.axes_for = (key, log_epochs)


def _draw_stopping(f: _StoppingFigure, tr: np.ndarray, va: np.ndarray, best: int, stop: int,
                   title: str) -> None:
    e = np.arange(va.size)
    f.tr_line.set_data(e[: stop + 1], tr[: stop + 1])
    f.va_line.set_data(e[: stop + 1], va[: stop + 1])
    f.tr_after.set_data(e[stop:], tr[stop:])
    f.va_after.set_data(e[stop:], va[stop:])
    f.best_pt.set_data([best], [va[best]])
    f.stop_line.set_xdata([stop, stop])
    f.span.set_x(best)
    f.span.set_width(max(stop - best, 0))
    f.title.set_text(title)


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
    y_limits = {}
    for key, (tr, va) in curves.items():
        finite = np.concatenate([tr[np.isfinite(tr)], va[np.isfinite(va)]])
        finite = finite[finite > 0]
        y_limits[key] = (float(finite.min()) / 1.5, float(finite.max()) * 1.5)
    f = _stopping_figure()

    def update(vals: dict[str, Any]) -> dict[str, Any]:
        key = vals.get("training", "given")
        tr, va = curves[key]
        p = int(vals["patience"])
        delta = float(vals["min_delta"])
        best, stop = training.early_stopping_epochs(va, p, delta)
        best = 0 if best is None else best
        saved = va.size - 1 - stop
        _epoch_axes(f, key, bool(vals["log epochs"]), va.size, y_limits[key])
        _draw_stopping(f, tr, va, best, stop,
                       (title + ": " if title else "")
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
    return Explorer(f.fig, controls, update, static=static,
                    caption="Stop when the validation loss has not improved for `patience` "
                            "epochs, then put back the weights of the best epoch.")
