"""A slider whose range follows a function picker (the 1-D explorers of notebooks 01 and 02).

The 1-D test functions live on different windows (``x²`` on [−10, 10], the double well on
[−2, 2] …). When the learner picks another function, the position slider takes that function's
window; its value is kept when it still fits, otherwise it moves to the function's usual start.
The explorer redraws once, for the new function, with the slider already in its new range.

(``few_ticks`` and ``plain_log_ticks`` moved to ``_axes.py``; they are re-exported here for
modules that still import them from this one.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gdutils.display import widgets
from gdutils.display.explorers._axes import few_ticks, plain_log_ticks

__all__ = ["follow_window", "few_ticks", "plain_log_ticks"]


def follow_window(
    selector: Any,
    slider: Any,
    windows: Mapping[Any, tuple[float, float, float]],
    starts: Mapping[Any, float],
) -> None:
    """Give ``slider`` the range ``windows[selector.value] = (low, high, step)`` on every change.

    Register this before the :class:`~gdutils.widgets.Explorer` is built, so the slider is
    already in range when the explorer redraws for the new function; the slider's own changes
    here do not redraw (:func:`gdutils.widgets.retargeting`), the selector's change does, once.
    """

    def retarget(change: dict[str, Any]) -> None:
        lo, hi, step = windows[change["new"]]
        value = slider.value if lo <= slider.value <= hi else starts[change["new"]]
        with widgets.retargeting():
            # widen, move, then narrow: no intermediate range can clamp the value
            slider.min = min(slider.min, lo)
            slider.max = max(slider.max, hi)
            slider.value = value
            slider.min = lo
            slider.max = hi
            slider.step = step

    selector.observe(retarget, names="value")
