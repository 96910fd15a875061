"""Axis helpers shared by the explorers: titles at a fixed height, log axes with cheap tick
labels, limits that move in steps, legends off the data, and the ellipses of a quadratic.

Why these exist: an explorer redraws while a slider is dragged, and its figure is a
:class:`~gdutils.display.explorers._layers.LayeredFigure` that re-renders its static layer (tick
labels, legends, contours) only when an axes' limits change. Limits that follow the data
continuously would re-render it on every frame; limits that move in steps — whole decades on a
log axis (:func:`decade_limits`), 1–2–5 numbers on a linear one (:func:`nice_limits`) — change
only when the data cross a step, and stay still (easy to compare frames) in between.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter, NullLocator
from numpy.typing import ArrayLike

__all__ = [
    "fixed_title",
    "fast_log_axis",
    "plain_log_ticks",
    "few_ticks",
    "decade_limits",
    "nice_limits",
    "nice_number",
    "legend_outside",
    "ellipse_points",
    "quadratic_levels",
]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def fixed_title(ax: Any, text: str, **kwargs: Any) -> Any:
    """Set a title at a fixed height above the axes; returns the title's ``Text``.

    Matplotlib otherwise re-measures every tick label on each draw to place the title clear of
    them (a third of a redraw); the course's figures have nothing above the axes.
    """
    return ax.set_title(text, y=1.0, pad=6.0, **kwargs)


def power_of_ten(value: float, _pos: Any = None) -> str:
    """``10⁻⁶`` for 1e-6: the label of a decade in unicode superscripts ("" off the decades)."""
    if not value > 0:
        return ""
    exponent = math.log10(value)
    if abs(exponent - round(exponent)) > 1e-6:
        return ""
    return "10" + str(int(round(exponent))).translate(_SUPERSCRIPT)


def plain_log_ticks(axis: Any, numticks: int = 9) -> None:
    """Label a log axis 10⁻¹⁶ … 10⁰ without mathtext and without minor tick labels.

    Matplotlib's default log labels are mathtext (``$10^{-6}$``), whose typesetting costs tens
    of milliseconds per redraw; unicode superscripts look the same and cost nothing extra.
    """
    axis.set_major_locator(LogLocator(base=10.0, numticks=numticks))
    axis.set_major_formatter(FuncFormatter(power_of_ten))
    axis.set_minor_locator(NullLocator())
    axis.set_minor_formatter(NullFormatter())


def fast_log_axis(ax: Any, axis: str = "y", numticks: int = 7) -> None:
    """Put ``ax``'s ``axis`` ("x" or "y") on a log scale labelled 10⁻⁶ … (see :func:`plain_log_ticks`)."""
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    plain_log_ticks(ax.yaxis if axis == "y" else ax.xaxis, numticks=numticks)


def few_ticks(*axes: Any, nbins: int = 5) -> None:
    """At most about ``nbins`` tick labels on each axis of ``axes``: text is most of a redraw."""
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=nbins))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=nbins))


def decade_limits(values: ArrayLike, *, low: float = 1e-16, high: float = 1e16,
                  min_decades: int = 2) -> tuple[float, float]:
    """Log-axis limits: the finite positive ``values`` widened to whole powers of ten.

    Clipped to ``[low, high]`` and at least ``min_decades`` decades tall; ``(low·…)`` defaults
    when nothing is finite and positive. Such limits stay put while the data move within a
    decade (the explorer's static layer is not re-rendered).
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    if not v.size:
        lo_e, hi_e = math.log10(low), math.log10(low) + min_decades
    else:
        # a point within a twentieth of a decade of an edge gets the next decade: data never
        # sit on the frame
        lo_e = math.floor(math.log10(max(float(v.min()), low)) - 0.05)
        hi_e = math.ceil(math.log10(min(float(v.max()), high)) + 0.05)
    hi_e = max(hi_e, lo_e + min_decades)
    return 10.0 ** lo_e, 10.0 ** min(hi_e, math.ceil(math.log10(high)))


def nice_number(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10ᵏ that is ≥ ``x`` (for ``x > 0``)."""
    if not x > 0 or not math.isfinite(x):
        raise ValueError(f"x must be a positive finite number, got {x!r}")
    exp = math.floor(math.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10.0 ** exp >= x * (1 - 1e-12):
            return m * 10.0 ** exp
    return 10.0 ** (exp + 1)


def nice_limits(lo: float, hi: float, *, pad: float = 0.05) -> tuple[float, float]:
    """Linear limits around ``[lo, hi]`` (padded by ``pad`` of the span) that move in steps.

    The span is rounded up to a 1–2–2.5–5 number and the ends to multiples of a tenth of it,
    so small moves of the data leave the limits unchanged.
    """
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"limits must be finite, got {lo!r}, {hi!r}")
    if hi < lo:
        lo, hi = hi, lo
    span = max(hi - lo, 1e-12 * max(abs(lo), abs(hi), 1.0))
    step = nice_number(span * (1 + 2 * pad)) / 10.0
    return math.floor((lo - pad * span) / step) * step, math.ceil((hi + pad * span) / step) * step


def legend_outside(ax: Any, *, side: str = "right", **kwargs: Any) -> Any:
    """A legend beside the axes (``side="right"``) or above it (``"top"``), off the data.

    Leave room for it with ``subplots_adjust``. Keyword arguments go to ``ax.legend``.
    """
    opts: dict[str, Any] = {"fontsize": 8, "frameon": False, "borderaxespad": 0.0,
                            "handlelength": 1.8}
    if side == "right":
        opts.update(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    elif side == "top":
        opts.update(loc="lower left", bbox_to_anchor=(0.0, 1.02), ncols=3)
    elif side == "below":
        opts.update(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=3)
    else:
        raise ValueError(f"side must be 'right', 'top' or 'below', got {side!r}")
    opts.update(kwargs)
    return ax.legend(**opts)


# --------------------------------------------------------------------------------------------
# Ellipses of a 2-D quadratic (contours drawn as lines that move cheaply)


def ellipse_points(A: ArrayLike, centre: ArrayLike, level: float, n: int = 181) -> np.ndarray:
    """Points of the level set ``½ (x − c)ᵀA(x − c) = level`` of a 2-D quadratic.

    With ``A = V diag(λ) Vᵀ`` the set is an ellipse with semi-axes ``√(2·level/λᵢ)`` along the
    eigenvectors ``vᵢ``: ``x(t) = c + V [√(2ℓ/λ₁) cos t, √(2ℓ/λ₂) sin t]``.

    Parameters
    ----------
    A : array_like, shape (2, 2)
        Symmetric positive definite.
    centre : array_like, shape (2,)
    level : float
        ``> 0``.
    n : int
        Number of points (the first and the last coincide, closing the curve).

    Returns
    -------
    ndarray, shape (n, 2)
    """
    M = np.asarray(A, dtype=np.float64)
    c = np.asarray(centre, dtype=np.float64)
    if M.shape != (2, 2):
        raise ValueError(f"A must have shape (2, 2), got {M.shape}")
    if c.shape != (2,):
        raise ValueError(f"centre must have shape (2,), got {c.shape}")
    if not (np.isfinite(level) and level > 0):
        raise ValueError(f"level must be a positive number, got {level!r}")
    lam, V = np.linalg.eigh(0.5 * (M + M.T))
    if lam[0] <= 0:
        raise ValueError("A must be positive definite")
    t = np.linspace(0.0, 2.0 * np.pi, int(n))
    radii = np.sqrt(2.0 * float(level) / lam)
    unit = np.stack([radii[0] * np.cos(t), radii[1] * np.sin(t)], axis=-1)
    return c + unit @ V.T


def quadratic_levels(top: float, n: int = 14) -> np.ndarray:
    """``n`` levels ``top·(j/n)²``, ``j = 1 … n``: evenly spaced ellipses up to ``top``."""
    if not (np.isfinite(top) and top > 0):
        raise ValueError(f"top must be a positive number, got {top!r}")
    return float(top) * (np.arange(1, n + 1) / n) ** 2
