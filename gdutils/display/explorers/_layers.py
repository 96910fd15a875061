"""A Figure that renders its static layer once: cheap redraws for explorers with many panels.

:class:`gdutils.widgets.Explorer` turns its figure into a PNG after every control change with
``figure.savefig(buf, format="png", dpi=...)``. Most of that time goes into drawing text (tick
labels, legends, colour bars) that never changes. :class:`LayeredFigure` keeps a bitmap of
everything except the artists registered with :meth:`LayeredFigure.add_dynamic` (lines, titles,
or whole axes whose limits move) and, on the next PNG request, restores that bitmap and draws
only the dynamic artists on top — the blitting technique of interactive matplotlib backends,
applied to PNG output.

Any other ``savefig`` call (another format, a file name, ``bbox_inches`` …) draws the whole
figure as usual, so the figure stays an ordinary :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

__all__ = ["LayeredFigure"]


class LayeredFigure(Figure):
    """A :class:`~matplotlib.figure.Figure` whose static layer is rendered once.

    Register the artists that change between draws with :meth:`add_dynamic` (an ``Axes``
    counts as one artist, with everything in it). They are hidden while the static layer is
    rendered and drawn over it, in registration order, on every PNG request. Call
    :meth:`invalidate` after changing anything that is *not* registered.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._dynamic: list[Artist] = []
        self._background: Any = None
        self._background_key: tuple[Any, ...] | None = None
        #: how many times the static layer was rendered (for tests)
        self.n_static_renders = 0

    def add_dynamic(self, *artists: Artist) -> None:
        """Mark ``artists`` as redrawn on every PNG request."""
        for a in artists:
            if not isinstance(a, Artist):
                raise ValueError(f"expected matplotlib artists, got {type(a).__name__}")
            self._dynamic.append(a)
        self.invalidate()

    def invalidate(self) -> None:
        """Forget the static layer (re-rendered at the next PNG request)."""
        self._background = None
        self._background_key = None

    def savefig(self, fname: Any, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        fast = (
            not args
            and set(kwargs) <= {"format", "dpi"}
            and kwargs.get("format") == "png"
            and isinstance(fname, io.IOBase)
            and bool(self._dynamic)
        )
        if not fast:
            super().savefig(fname, *args, **kwargs)
            return
        dpi = kwargs.get("dpi")
        if dpi is not None and dpi != "figure" and float(dpi) != self.dpi:
            self.dpi = float(dpi)
        canvas = self.canvas if isinstance(self.canvas, FigureCanvasAgg) else FigureCanvasAgg(self)
        key = (self.dpi, tuple(np.round(self.get_size_inches(), 6)))
        if self._background is None or self._background_key != key:
            # Texts are emptied rather than hidden: an invisible axes title is placed far above
            # its axes by matplotlib's title layout, an empty one where it belongs.
            texts = [(a, a.get_text()) for a in self._dynamic if isinstance(a, Text)]
            shown = [(a, a.get_visible()) for a in self._dynamic if not isinstance(a, Text)]
            for a, _ in texts:
                a.set_text("")
            for a, _ in shown:
                a.set_visible(False)
            try:
                canvas.draw()
            finally:
                for a, visible in shown:
                    a.set_visible(visible)
                for a, text in texts:
                    a.set_text(text)
            self._background = canvas.copy_from_bbox(self.bbox)
            self._background_key = key
            self.n_static_renders += 1
        else:
            canvas.restore_region(self._background)
        renderer = canvas.get_renderer()
        for a in self._dynamic:
            if a.get_visible():
                a.draw(renderer)
        from PIL import Image

        rgba = np.asarray(canvas.buffer_rgba())
        Image.fromarray(rgba, "RGBA").save(fname, format="png", compress_level=1)
