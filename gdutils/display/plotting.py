"""Plots for the course, in one colour-blind-safe style.

The palette is Okabe & Ito's eight colours (:data:`PALETTE`, named in :data:`COLORS`). The
style is applied by the :func:`style` context manager inside every function here and never
written into the global ``rcParams``, so importing or calling this module changes nothing
else in a notebook. Use ``with style(): ...`` around your own plots to match.

Every function

* takes an optional ``ax`` (or returns a new Figure for multi-panel plots),
* labels both axes and sets a title,
* returns the Axes (or the Figure) and never calls ``plt.show()``.

For widget explorers that redraw often: compute a :func:`contour_grid` once and pass it as
``grid=`` to :func:`plot_contours`; draw trajectories with :func:`draw_paths`, which returns
the ``Line2D`` artists so later updates are ``line.set_data(path[:, 0], path[:, 1])``.
"""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from numpy.typing import ArrayLike

__all__ = [
    "COLORS",
    "PALETTE",
    "style",
    "contour_grid",
    "ContourGrid",
    "contour_levels",
    "plot_function_1d",
    "plot_path_1d",
    "plot_contours",
    "draw_paths",
    "plot_loss_curves",
    "plot_decision_boundary",
    "plot_race",
    "plot_error_vs_h",
]

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
#: deficiency.
COLORS: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky_blue": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}

#: The colour cycle, most distinguishable first (yellow and black last: yellow is faint on
#: white, black is kept for minima and reference lines).
PALETTE: tuple[str, ...] = tuple(COLORS.values())

_RC: dict[str, Any] = {
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "figure.figsize": (6.4, 4.4),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.framealpha": 0.85,
    "lines.linewidth": 1.8,
    "image.cmap": "viridis",
}

_MINIMUM_STYLE = {"marker": "*", "markersize": 13, "color": COLORS["black"], "linestyle": "none"}


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Apply the course style inside a ``with`` block; ``rcParams`` are restored afterwards."""
    with mpl.rc_context(_RC):
        yield


def _color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _new_axes(ax: Axes | None, figsize: tuple[float, float] | None = None) -> Axes:
    if ax is not None:
        if not isinstance(ax, Axes):
            raise ValueError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
        return ax
    _, new = plt.subplots(figsize=figsize)
    return new


def _title_of(fn: Any, fallback: str) -> str:
    name = getattr(fn, "name", None)
    latex = getattr(fn, "latex", None)
    if name and latex:
        return f"{name}: ${latex}$"
    return name or fallback


def _path_array(path: Any, dim: int, what: str = "path") -> np.ndarray:
    p = getattr(path, "path", path)  # a DescentResult or an array
    arr = np.asarray(p, dtype=np.float64)
    if dim == 1:
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"{what} must have shape (k,), got {arr.shape}")
    elif arr.ndim != 2 or arr.shape[1] != dim or arr.shape[0] == 0:
        raise ValueError(f"{what} must have shape (k, {dim}), got {arr.shape}")
    return arr


def _limits(lim: Any, name: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in lim)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high), got {lim!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be finite with low < high, got {lim!r}")
    return lo, hi


# --------------------------------------------------------------------------------------------
# 1-D


def _eval_1d(fn: Any, x: np.ndarray) -> np.ndarray:
    f = getattr(fn, "f", fn)
    if not callable(f):
        raise ValueError(f"fn must be a Function1D or a callable, got {type(fn).__name__}")
    with np.errstate(all="ignore"):
        try:
            y = np.asarray(f(x), dtype=np.float64)
            if y.shape == x.shape:
                return y
        except Exception:  # not vectorised: fall back to one call per point
            pass
        return np.array([float(f(v)) for v in x])


def plot_function_1d(
    fn: Any,
    xlim: tuple[float, float] | None = None,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    n: int = 400,
    show_minima: bool = True,
    label: str | None = None,
    color: str | None = None,
) -> Axes:
    """Draw ``f`` on ``xlim`` (default ``fn.xlim``), marking its minima with stars.

    ``fn`` is a :class:`gdutils.functions.Function1D` or any callable (then ``xlim`` is
    required).
    """
    with style():
        ax = _new_axes(ax)
        if xlim is None:
            if not hasattr(fn, "xlim"):
                raise ValueError("xlim is required when fn is a plain callable")
            xlim = fn.xlim
        lo, hi = _limits(xlim, "xlim")
        xs = np.linspace(lo, hi, int(n))
        ax.plot(xs, _eval_1d(fn, xs), color=color or COLORS["blue"], label=label or "f(x)")
        if show_minima and hasattr(fn, "minima"):
            mins = np.array([m for m in fn.minima if lo <= m <= hi], dtype=np.float64)
            if mins.size:
                ax.plot(mins, _eval_1d(fn, mins), label="minima", **_MINIMUM_STYLE)
        ax.set_xlim(lo, hi)
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
        ax.set_title(title if title is not None else _title_of(fn, "f(x)"))
        return ax


def plot_path_1d(
    fn: Any,
    path: Any,
    ax: Axes | None = None,
    *,
    xlim: tuple[float, float] | None = None,
    title: str | None = None,
    annotate: int = 10,
    color: str | None = None,
    label: str = "iterates",
    show_curve: bool = True,
) -> Axes:
    """The curve of ``f`` with the iterates ``(x_k, f(x_k))`` on it, joined and numbered.

    Parameters
    ----------
    fn : Function1D or callable
    path : array_like of shape (k,) or DescentResult
        Iterates including the start.
    xlim : pair, optional
        Default: ``fn.xlim`` widened to contain every iterate.
    annotate : int
        Number the first ``annotate`` iterates (0 = none).
    show_curve : bool
        ``False`` adds only the iterates (to overlay several runs on one curve).
    """
    p = _path_array(path, 1)
    with style():
        ax = _new_axes(ax)
        if xlim is None:
            base = getattr(fn, "xlim", (float(p.min()), float(p.max())))
            lo, hi = min(base[0], float(p.min())), max(base[1], float(p.max()))
            pad = 0.05 * (hi - lo) if hi > lo else 1.0
            if lo < base[0]:
                lo -= pad
            if hi > base[1]:
                hi += pad
            xlim = (lo, hi)
        if show_curve:
            plot_function_1d(fn, xlim, ax=ax, title=title, show_minima=True)
        c = color or COLORS["vermillion"]
        fp = _eval_1d(fn, p)
        ax.plot(p, fp, marker="o", markersize=5, linewidth=1.0, color=c, label=label, zorder=3)
        for k in range(min(int(annotate), p.size)):
            ax.annotate(
                str(k),
                (p[k], fp[k]),
                textcoords="offset points",
                xytext=(4, 6),
                fontsize=8,
                color=c,
            )
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
        ax.set_title(title if title is not None else _title_of(fn, "gradient descent"))
        ax.legend(loc="best")
        return ax


# --------------------------------------------------------------------------------------------
# 2-D contours


class ContourGrid(NamedTuple):
    """A function sampled on a grid: ``Z[i, j] = f(X[i, j], Y[i, j])``."""

    X: np.ndarray
    Y: np.ndarray
    Z: np.ndarray


def _eval_2d(fn: Any, pts: np.ndarray) -> np.ndarray:
    if not callable(fn):
        raise ValueError(f"fn must be a TestFunction or a callable, got {type(fn).__name__}")
    with np.errstate(all="ignore"):
        try:
            z = np.asarray(fn(pts), dtype=np.float64)
            if z.shape == pts.shape[:-1]:
                return z
        except Exception:  # not vectorised: evaluate point by point
            pass
        flat = pts.reshape(-1, 2)
        return np.array([float(fn(q)) for q in flat]).reshape(pts.shape[:-1])


def contour_grid(
    fn: Any,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    resolution: int = 200,
) -> ContourGrid:
    """Sample ``fn`` on a ``resolution × resolution`` grid (default window: ``fn.xlim/ylim``).

    Compute it once and pass it to :func:`plot_contours` as ``grid=`` when only the paths change.
    """
    if getattr(fn, "dim", 2) != 2:
        raise ValueError(f"contours need a function of 2 variables, got dim = {fn.dim}")
    xlim = xlim if xlim is not None else getattr(fn, "xlim", None)
    ylim = ylim if ylim is not None else getattr(fn, "ylim", None)
    if xlim is None or ylim is None:
        raise ValueError("xlim and ylim are required when fn is a plain callable")
    x0, x1 = _limits(xlim, "xlim")
    y0, y1 = _limits(ylim, "ylim")
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, numbers.Integral)
        or resolution < 2
    ):
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    X, Y = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    Z = _eval_2d(fn, np.stack([X, Y], axis=-1))
    return ContourGrid(X, Y, Z)


def contour_levels(
    Z: np.ndarray, n: int = 20, scale: str = "auto", f_min: float | None = None
) -> np.ndarray:
    """``n`` increasing contour levels for the values ``Z``.

    ``scale`` is ``"log"`` (geometric spacing above the minimum: for functions whose values
    span decades, like Rosenbrock), ``"quadratic"`` (levels ``f_min + c·t²``: evenly spaced
    ellipses for a bowl), ``"linear"``, or ``"auto"`` (log when the values above the minimum
    span more than three decades, else linear).
    """
    finite = Z[np.isfinite(Z)]
    if finite.size == 0:
        raise ValueError("the function is not finite anywhere on the grid")
    lo = float(finite.min()) if f_min is None else min(float(f_min), float(finite.min()))
    hi = float(finite.max())
    if hi <= lo:
        return np.array([lo, lo + 1.0])
    above = finite[finite > lo] - lo
    if scale == "auto":
        small = float(np.percentile(above, 1)) if above.size else hi - lo
        scale = "log" if (hi - lo) / max(small, 1e-300) > 1e3 else "linear"
    if scale == "log":
        first = max(float(np.percentile(above, 0.5)) if above.size else 0.0, (hi - lo) * 1e-9)
        return lo + np.geomspace(first, hi - lo, n)
    if scale == "quadratic":
        return lo + (hi - lo) * np.linspace(0.0, 1.0, n + 1)[1:] ** 2
    if scale == "linear":
        return np.linspace(lo, hi, n + 2)[1:-1]
    raise ValueError(f"scale must be 'auto', 'log', 'quadratic' or 'linear', got {scale!r}")


def _paths_dict(paths: Any) -> dict[str, np.ndarray]:
    if paths is None:
        return {}
    if isinstance(paths, Mapping):
        return {str(k): _path_array(v, 2, f"path {k!r}") for k, v in paths.items()}
    return {"path": _path_array(paths, 2)}


def draw_paths(
    ax: Axes,
    paths: Any,
    *,
    colors: Sequence[str] | None = None,
    markersize: float = 3.0,
    linewidth: float = 1.4,
) -> dict[str, Line2D]:
    """Draw trajectories on ``ax``; return ``{label: Line2D}`` for fast updates with ``set_data``.

    ``paths`` is a dict ``label → (k, 2) array or DescentResult`` or a single path. Each path is
    one line with a marker at every iterate; colours follow :data:`PALETTE` in dict order.
    """
    lines: dict[str, Line2D] = {}
    with style():
        for i, (label, p) in enumerate(_paths_dict(paths).items()):
            c = colors[i % len(colors)] if colors else _color(i)
            (line,) = ax.plot(
                p[:, 0],
                p[:, 1],
                marker="o",
                markersize=markersize,
                linewidth=linewidth,
                color=c,
                label=label,
                zorder=3,
            )
            lines[label] = line
    return lines


def plot_contours(
    fn: Any,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    paths: Any = None,
    minima: bool = True,
    levels: int | str | ArrayLike | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    *,
    grid: ContourGrid | None = None,
    resolution: int = 200,
    filled: bool = False,
    aspect: str | None = None,
) -> Axes:
    """Contour lines of a 2-D function, its minima and optional trajectories.

    Parameters
    ----------
    fn : TestFunction or callable
        A callable must accept points ``(..., 2)`` (or one ``(2,)`` point at a time).
    xlim, ylim : pair, optional
        Window; default ``fn.xlim``, ``fn.ylim`` (or the ``grid``'s).
    paths : dict of label → (k, 2) array or DescentResult, or one path, optional
    minima : bool
        Mark ``fn.minima`` with black stars.
    levels : int, {"auto", "log", "quadratic", "linear"}, or array, optional
        Number of levels, spacing, or the levels themselves. Default: 20 levels spaced by
        ``fn.contour_scale`` (log for Rosenbrock, Beale, Himmelblau) or chosen automatically.
    grid : ContourGrid, optional
        A precomputed :func:`contour_grid`, so redrawing skips evaluating the function.
    filled : bool
        Shade between levels as well.
    aspect : {"equal", "auto"}, optional
        Default ``"equal"`` for quadratic bowls (so angles and κ look right), else ``"auto"``.
    """
    if getattr(fn, "dim", 2) != 2:
        raise ValueError(f"contours need a function of 2 variables, got dim = {fn.dim}")
    path_map = _paths_dict(paths)  # validate before drawing anything
    if grid is None:
        grid = contour_grid(fn, xlim, ylim, resolution)
    elif not isinstance(grid, ContourGrid):
        raise ValueError("grid must be a ContourGrid from contour_grid()")
    X, Y, Z = grid
    scale = getattr(fn, "contour_scale", "auto")
    n = 20
    if levels is None:
        lv = contour_levels(Z, n, scale, getattr(fn, "f_min", None))
    elif isinstance(levels, str):
        lv = contour_levels(Z, n, levels, getattr(fn, "f_min", None))
    elif isinstance(levels, numbers.Integral) and not isinstance(levels, bool):
        if levels < 1:
            raise ValueError(f"levels must be >= 1, got {levels}")
        lv = contour_levels(Z, int(levels), scale, getattr(fn, "f_min", None))
    else:
        lv = np.asarray(levels, dtype=np.float64)
        if lv.ndim != 1 or lv.size == 0 or np.any(np.diff(lv) <= 0):
            raise ValueError("levels must be an increasing 1-D array")
    with style():
        ax = _new_axes(ax)
        Zm = np.where(np.isfinite(Z), Z, np.nan)
        if filled:
            ax.contourf(X, Y, Zm, levels=lv, cmap="viridis", alpha=0.35, extend="max")
        ax.contour(X, Y, Zm, levels=lv, cmap="viridis", linewidths=0.8, alpha=0.9)
        if minima and hasattr(fn, "minima"):
            m = np.array(fn.minima, dtype=np.float64).reshape(-1, 2)
            ax.plot(
                m[:, 0], m[:, 1], label="minimum" if len(m) == 1 else "minima", **_MINIMUM_STYLE
            )
        if path_map:
            draw_paths(ax, path_map)
        ax.set_xlim(float(X.min()), float(X.max()))
        ax.set_ylim(float(Y.min()), float(Y.max()))
        if aspect is None:
            aspect = "equal" if scale == "quadratic" else "auto"
        ax.set_aspect(aspect)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_title(title if title is not None else _title_of(fn, "contours of f"))
        if path_map or (minima and hasattr(fn, "minima")):
            ax.legend(loc="best")
        return ax


# --------------------------------------------------------------------------------------------
# Curves


def _curve_xy(label: str, value: Any) -> tuple[np.ndarray, np.ndarray]:
    if hasattr(value, "losses") and hasattr(value, "path"):
        if value.losses is None:
            raise ValueError(
                f"curve {label!r} is a DescentResult without losses: pass f= to the loop"
            )
        value = value.losses
    if isinstance(value, tuple) and len(value) == 2:
        x = np.asarray(value[0], dtype=np.float64)
        y = np.asarray(value[1], dtype=np.float64)
        if x.ndim != 1 or x.shape != y.shape:
            raise ValueError(
                f"curve {label!r}: (x, y) must be two 1-D arrays of equal length, got "
                f"{x.shape} and {y.shape}"
            )
    else:
        y = np.asarray(value, dtype=np.float64)
        if y.ndim != 1:
            raise ValueError(f"curve {label!r} must be a 1-D array, got shape {y.shape}")
        x = np.arange(y.size, dtype=np.float64)
    if y.size == 0:
        raise ValueError(f"curve {label!r} is empty")
    return x, y


def plot_loss_curves(
    curves: Mapping[str, Any] | ArrayLike,
    ax: Axes | None = None,
    logy: bool | str = True,
    xlabel: str = "iteration",
    ylabel: str = "loss",
    title: str | None = None,
) -> Axes:
    """Loss (or any positive quantity) against iterations, one line per entry.

    Parameters
    ----------
    curves : dict of label → values, or one array
        Values are a 1-D array (plotted against 0, 1, …), an ``(x, y)`` pair (e.g. loss against
        seconds), or a DescentResult with losses.
    logy : bool or "auto"
        ``True``: log y-axis; values ≤ 0 cannot be shown there and are left out (gaps), and if
        nothing positive remains it is a ``ValueError``. ``"auto"``: log only when all values
        are positive and span more than two decades. Non-finite values are always left out.
    """
    items = curves.items() if isinstance(curves, Mapping) else [("loss", curves)]
    data = [(str(k), *_curve_xy(str(k), v)) for k, v in items]
    if not data:
        raise ValueError("curves is empty")
    ys = np.concatenate([y for _, _, y in data])
    finite = ys[np.isfinite(ys)]
    if logy == "auto":
        use_log = finite.size > 0 and bool(np.all(finite > 0)) and finite.max() > 100 * finite.min()
    elif isinstance(logy, bool | np.bool_):
        use_log = bool(logy)
        if use_log and not np.any(finite > 0):
            raise ValueError("no positive values to draw on a log axis: pass logy=False")
    else:
        raise ValueError(f"logy must be True, False or 'auto', got {logy!r}")
    with style():
        ax = _new_axes(ax)
        for i, (label, x, y) in enumerate(data):
            shown = np.where(np.isfinite(y) & ((y > 0) | (not use_log)), y, np.nan)
            ax.plot(x, shown, color=_color(i), label=label)
        if use_log:
            ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title if title is not None else f"{ylabel} during training")
        if len(data) > 1 or data[0][0] != "loss":
            ax.legend(loc="best")
        return ax


def plot_error_vs_h(
    hs: ArrayLike,
    errors: Mapping[str, ArrayLike],
    ax: Axes | None = None,
    *,
    title: str | None = None,
    slopes: Sequence[float] = (),
    xlabel: str = "step size h",
    ylabel: str = "absolute error",
) -> Axes:
    """Error of finite-difference derivatives against the step ``h``, on log–log axes.

    Truncation error falls like ``hᵖ`` as ``h`` shrinks until round-off (∝ 1/h) takes over:
    the V shape of notebook 01. ``slopes`` adds dashed ``O(hᵖ)`` guide lines through the
    first curve's middle point. Errors equal to 0 cannot be shown on a log axis and are left
    out.
    """
    h = np.asarray(hs, dtype=np.float64)
    if h.ndim != 1 or h.size < 2 or not np.all(np.isfinite(h)) or np.any(h <= 0):
        raise ValueError(f"hs must be a 1-D array of at least 2 positive step sizes, got {h.shape}")
    if not isinstance(errors, Mapping) or not errors:
        raise ValueError("errors must be a non-empty dict of label → errors (one per h)")
    data = {}
    for label, e in errors.items():
        ea = np.abs(np.asarray(e, dtype=np.float64))
        if ea.shape != h.shape:
            raise ValueError(f"errors[{label!r}] must have shape {h.shape} like hs, got {ea.shape}")
        data[str(label)] = ea
    with style():
        ax = _new_axes(ax)
        for i, (label, ea) in enumerate(data.items()):
            shown = np.where(np.isfinite(ea) & (ea > 0), ea, np.nan)
            ax.plot(h, shown, marker="o", markersize=3, color=_color(i), label=label)
        first = next(iter(data.values()))
        ok = np.isfinite(first) & (first > 0)
        if slopes and np.any(ok):
            mid = np.flatnonzero(ok)[ok.sum() // 2]
            for p in slopes:
                guide = first[mid] * (h / h[mid]) ** p
                ax.plot(
                    h, guide, linestyle="--", linewidth=1.0, color="0.45", label=f"$O(h^{{{p:g}}})$"
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title if title is not None else "Derivative error against step size")
        ax.legend(loc="best")
        return ax


# --------------------------------------------------------------------------------------------
# Classification


def _predicted_labels(predict: Callable[[np.ndarray], Any], pts: np.ndarray) -> np.ndarray:
    out = np.asarray(predict(pts))
    m = pts.shape[0]
    if out.ndim == 2 and out.shape[0] == m:
        return out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] >= 0.5).astype(np.int64)
    if out.shape != (m,):
        raise ValueError(
            f"predict(points) must return labels of shape ({m},) (or scores of shape ({m}, k)), "
            f"got {out.shape}"
        )
    if out.dtype.kind == "f" and not np.all(out == np.round(out)):
        if np.all((out >= 0) & (out <= 1)):
            return (out >= 0.5).astype(np.int64)  # probabilities of class 1
        raise ValueError("predict returned non-integer values outside [0, 1]: return class labels")
    return out.astype(np.int64)


def plot_decision_boundary(
    predict: Callable[[np.ndarray], Any],
    X: ArrayLike,
    y: ArrayLike,
    ax: Axes | None = None,
    resolution: int = 200,
    *,
    title: str | None = None,
    class_names: Sequence[str] | None = None,
    margin: float = 0.1,
) -> Axes:
    """Shade the plane by predicted class and scatter the data coloured by true class.

    Parameters
    ----------
    predict : callable
        Maps points ``(m, 2)`` to labels ``(m,)``; scores ``(m, k)`` are arg-maxed and
        probabilities in [0, 1] thresholded at 0.5.
    X : (n, 2) array, y : (n,) integer labels
    margin : float
        Padding around the data, as a fraction of its range.
    """
    Xa = np.asarray(X, dtype=np.float64)
    ya = np.asarray(y)
    if Xa.ndim != 2 or Xa.shape[1] != 2 or Xa.shape[0] == 0:
        raise ValueError(f"X must have shape (n, 2), got {Xa.shape}")
    if ya.shape != (Xa.shape[0],):
        raise ValueError(f"y must have shape ({Xa.shape[0]},), got {ya.shape}")
    if ya.dtype.kind not in "iu" or (ya.size and ya.min() < 0):
        raise ValueError("y must hold non-negative integer class labels")
    if not callable(predict):
        raise ValueError("predict must be a callable mapping (m, 2) points to labels")
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, numbers.Integral)
        or resolution < 2
    ):
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    lo, hi = Xa.min(axis=0), Xa.max(axis=0)
    pad = margin * np.where(hi > lo, hi - lo, 1.0)
    gx, gy = np.meshgrid(
        np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
        np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution),
    )
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    with np.errstate(all="ignore"):
        labels = _predicted_labels(predict, pts).reshape(gx.shape)
    k = int(max(ya.max(), labels.max())) + 1
    cmap = ListedColormap([_color(c) for c in range(k)])
    with style():
        ax = _new_axes(ax)
        ax.contourf(gx, gy, labels, levels=np.arange(k + 1) - 0.5, cmap=cmap, alpha=0.22)
        if k > 1:
            ax.contour(gx, gy, labels, levels=np.arange(k - 1) + 0.5, colors="0.2", linewidths=0.8)
        for c in range(k):
            sel = ya == c
            if np.any(sel):
                name = class_names[c] if class_names is not None else f"class {c}"
                ax.scatter(
                    Xa[sel, 0],
                    Xa[sel, 1],
                    s=16,
                    color=_color(c),
                    edgecolor="white",
                    linewidth=0.4,
                    label=name,
                    zorder=3,
                )
        ax.set_xlim(gx.min(), gx.max())
        ax.set_ylim(gy.min(), gy.max())
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_title(title if title is not None else "Decision boundary")
        ax.legend(loc="best")
        return ax


# --------------------------------------------------------------------------------------------
# Races


def plot_race(
    fn: Any,
    results: Mapping[str, Any],
    *,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    title: str | None = None,
    logy: bool | str = True,
    grid: ContourGrid | None = None,
    levels: int | str | ArrayLike | None = None,
    figsize: tuple[float, float] = (11.0, 4.4),
) -> Figure:
    """Optimisers side by side: trajectories on the contours (left) and ``f(x) − f*`` (right).

    ``results`` maps a label to a DescentResult or a ``(k, 2)`` path; losses are taken from
    the result when present, else computed as ``fn(path)``. Colours match between panels.
    """
    if not isinstance(results, Mapping) or not results:
        raise ValueError("results must be a non-empty dict of label → DescentResult or path")
    paths = _paths_dict(results)
    f_min = float(getattr(fn, "f_min", 0.0))
    gaps = {}
    for label, value in results.items():
        losses = getattr(value, "losses", None)
        vals = np.asarray(losses if losses is not None else _eval_2d(fn, paths[str(label)]))
        gaps[str(label)] = vals - f_min
    with style():
        fig, (left, right) = plt.subplots(1, 2, figsize=figsize, layout="constrained")
        plot_contours(
            fn, xlim, ylim, paths=paths, levels=levels, ax=left, grid=grid, title="Trajectories"
        )
        plot_loss_curves(
            gaps, ax=right, logy=logy, ylabel="f(x) − f*", title="Distance to the minimum value"
        )
        fig.suptitle(title if title is not None else _title_of(fn, "optimiser race"))
        return fig
