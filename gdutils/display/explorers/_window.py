"""Small helpers shared by the 1-D explorers: a slider whose range follows a function picker,
and cheap tick labels for log axes.

The 1-D test functions live on different windows (``x²`` on [−10, 10], the double well on
[−2, 2] …). When the learner picks another function, the position slider takes that function's
window; its value is kept when it still fits, otherwise it moves to the function's usual start.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def follow_window(
    selector: Any,
    slider: Any,
    windows: Mapping[Any, tuple[float, float, float]],
    starts: Mapping[Any, float],
) -> None:
    """Give ``slider`` the range ``windows[selector.value] = (low, high, step)`` on every change.

    Register this before the :class:`~gdutils.widgets.Explorer` is built, so the slider is
    already in range when the explorer redraws for the new function.
    """

    def retarget(change: dict[str, Any]) -> None:
        lo, hi, step = windows[change["new"]]
        value = slider.value if lo <= slider.value <= hi else starts[change["new"]]
        # widen, move, then narrow: no intermediate range can clamp the value
        slider.min = min(slider.min, lo)
        slider.max = max(slider.max, hi)
        slider.value = value
        slider.min = lo
        slider.max = hi
        slider.step = step

    selector.observe(retarget, names="value")


def _power_of_ten(value: float, _pos: Any = None) -> str:
    if not value > 0:
        return ""
    exponent = round(math.log10(value))
    return "10" + str(exponent).translate(_SUPERSCRIPT)


def plain_log_ticks(axis: Any, numticks: int = 9) -> None:
    """Label a log axis 10⁻¹⁶ … 10⁰ in plain text, without minor ticks.

    Matplotlib's default log labels are mathtext, whose parsing costs tens of milliseconds per
    redraw; unicode superscripts look the same and cost nothing.
    """
    axis.set_major_locator(LogLocator(base=10.0, numticks=numticks))
    axis.set_major_formatter(FuncFormatter(_power_of_ten))
    axis.set_minor_locator(NullLocator())


def few_ticks(*axes: Any, nbins: int = 5) -> None:
    """At most about ``nbins`` tick labels on each axis of ``axes``: text is most of a redraw."""
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=nbins))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=nbins))
