"""A Figure that renders its static layer once: cheap redraws for explorers.

:class:`gdutils.widgets.Explorer` turns its figure into pixels after every control change. Most
of a full draw goes into things that never change while a slider moves: tick labels, axis
labels, legends, colour bars, contour sets, heat maps. :class:`LayeredFigure` keeps a bitmap of
everything except the artists registered with :meth:`LayeredFigure.add_dynamic` (lines, points,
titles …) and, on the next frame, restores that bitmap and draws only the dynamic artists on top
— the blitting of interactive matplotlib backends, applied to an explorer's PNG.

The bitmap is kept per *key*: the rendering resolution, the figure's size, every axes' limits
and scales, and :attr:`LayeredFigure.static_key` (anything else the static layer depends on,
e.g. which test function is shown). An explorer whose axes rescale re-renders the static layer
only when the limits really change — give such axes limits that move in steps (whole decades,
"nice" numbers, see ``_axes.py``) and a drag within one step costs a dynamic redraw only. The
last few bitmaps are kept, so dragging back and forth does not re-render them either.

When only some axes' limits changed, only those panels are re-rendered: the newest bitmap is
restored, each changed panel's area (its tight box before and after, tick labels included) is
wiped back to the figure's background, and the panel is drawn there alone. That is exact only
where the area holds nothing else, so it falls back to a full render whenever the area touches
another panel or a static figure-level artist (a suptitle, a figure legend), or the figure has
a layout engine (which may move every panel).

The figure stays an ordinary :class:`matplotlib.figure.Figure`: ``savefig`` draws it in full.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Annotation, Text

from ._glyphs import GlyphCachingCanvas

__all__ = ["LayeredFigure", "PixelImage"]

#: static layers kept per figure and resolution, at least (each is one RGBA bitmap of the whole
#: figure; an explorer renders at two resolutions, the drafts of a drag and the full frames)
KEEP_BACKGROUNDS = 3
#: ... and as many more as fit in this many bytes per resolution: a drag back and forth over a
#: run that diverges crosses the same few limits again and again (9 static layers in 18 frames
#: of the momentum explorer's α), and a draft's layer is a quarter of a full frame's
KEEP_BACKGROUND_BYTES = 24 * 2**20


class LayeredFigure(Figure):
    """A :class:`~matplotlib.figure.Figure` whose static layer is rendered once per key.

    Register the artists that change between draws with :meth:`add_dynamic` (an ``Axes``
    counts as one artist, with everything in it). They are hidden while the static layer is
    rendered and drawn over it, in registration order, on every frame. Axes limits are part of
    the key, so an axes that rescales needs no registration; anything else the static layer
    depends on goes into :attr:`static_key`, or call :meth:`invalidate` after changing it.

    ``render_rgba(dpi, cached=False)`` renders the same frame without the cache: tests compare
    the two to prove that nothing a control changes was left in the static layer.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._dynamic: list[Artist] = []
        self._backgrounds: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._version = 0
        #: anything hashable the static layer depends on besides axes limits (set by update)
        self.static_key: Hashable = None
        #: how many times the static layer was rendered, in full or in part (tests, benchmarks)
        self.n_static_renders = 0
        #: how many of those re-rendered only the panels whose limits changed
        self.n_partial_renders = 0
        self._blank: tuple[tuple[Any, ...], np.ndarray] | None = None

    def add_dynamic(self, *artists: Artist) -> None:
        """Mark ``artists`` as redrawn on every frame."""
        for a in artists:
            if not isinstance(a, Artist):
                raise ValueError(f"expected matplotlib artists, got {type(a).__name__}")
            self._dynamic.append(a)
        self.invalidate()

    def set_dynamic(self, *artists: Artist) -> None:
        """Replace the dynamic artists (after the factory redrew a panel from scratch)."""
        self._dynamic = []
        self.add_dynamic(*artists)

    @property
    def dynamic(self) -> tuple[Artist, ...]:
        """The registered dynamic artists, in drawing order."""
        return tuple(self._dynamic)

    def invalidate(self) -> None:
        """Forget every static layer (re-rendered at the next frame)."""
        self._version += 1
        self._backgrounds.clear()

    def _static_axes(self) -> list[Any]:
        # a whole axes registered as dynamic is redrawn every frame: its limits do not matter
        dynamic = {id(a) for a in self._dynamic}
        return [ax for ax in self.axes if id(ax) not in dynamic]

    def _key(self) -> tuple[Any, ...]:
        limits = tuple(
            (ax.get_visible(), tuple(ax.viewLim.bounds), ax.get_xscale(), ax.get_yscale())
            for ax in self._static_axes()
        )
        w, h = self.get_size_inches()
        return (float(self.dpi), round(float(w), 6), round(float(h), 6), self._version,
                self.static_key, limits)

    def _canvas(self) -> FigureCanvasAgg:
        # titles print the values, so text is drawn on every frame: keep its glyphs
        if isinstance(self.canvas, GlyphCachingCanvas):
            return self.canvas
        return GlyphCachingCanvas(self)

    @contextmanager
    def _dynamic_hidden(self) -> Iterator[None]:
        # Texts are emptied rather than hidden: an invisible axes title is placed far above
        # its axes by matplotlib's title layout, an empty one where it belongs.
        texts = [(a, a.get_text()) for a in self._dynamic if isinstance(a, Text)]
        shown = [(a, a.get_visible()) for a in self._dynamic if not isinstance(a, Text)]
        for a, _ in texts:
            a.set_text("")
        for a, _ in shown:
            a.set_visible(False)
        try:
            yield
        finally:
            for a, visible in shown:
                a.set_visible(visible)
            for a, text in texts:
                a.set_text(text)

    def _boxes(self, renderer: Any, axes: list[Any]) -> list[_Box | None]:
        """Each axes' tight box in pixels (ticks and labels included), padded for antialiasing."""
        out: list[_Box | None] = []
        for ax in axes:
            bb = ax.get_tightbbox(renderer) if ax.get_visible() else None
            out.append(None if bb is None else _padded(bb))
        return out

    def _render_static(self, canvas: FigureCanvasAgg) -> _Background:
        with self._dynamic_hidden():
            canvas.draw()
            boxes = self._boxes(canvas.get_renderer(), self._static_axes())
        self.n_static_renders += 1
        return _Background(_pixels_of(canvas), boxes)

    def _blank_pixels(self, canvas: FigureCanvasAgg) -> np.ndarray:
        """The figure's background alone (its patch), as the canvas would hold it."""
        key = (float(self.dpi), tuple(self.bbox.bounds), self.patch.get_facecolor(),
               self.patch.get_edgecolor(), self.patch.get_linewidth(), self.patch.get_visible())
        if self._blank is None or self._blank[0] != key:
            renderer = canvas.get_renderer()
            renderer.clear()
            self.patch.draw(renderer)
            self._blank = (key, np.asarray(renderer.buffer_rgba()).copy())
        return self._blank[1]

    def _render_partial(self, canvas: FigureCanvasAgg, key: tuple[Any, ...]) -> _Background | None:
        """Re-render only the panels whose limits changed since the newest static layer, or
        return ``None`` where that would not give exactly the full render."""
        if self.get_layout_engine() is not None:
            return None
        # the newest static layer at this resolution (the key starts with the dpi)
        old_key, old = next(((k, b) for k, b in reversed(self._backgrounds.items())
                             if k[0] == key[0]), (None, None))
        if old_key is None:
            return None
        # the key ends with the static axes' limits; everything before them must be unchanged
        if old_key[:-1] != key[:-1] or len(old_key[-1]) != len(key[-1]):
            return None
        axes = self._static_axes()
        changed = [i for i, (a, b) in enumerate(zip(old_key[-1], key[-1], strict=True)) if a != b]
        if not changed or len(changed) == len(axes):
            return None
        renderer = canvas.get_renderer()
        with self._dynamic_hidden():
            new_boxes = self._boxes(renderer, [axes[i] for i in changed])
            figure_level = [_extent(a, renderer) for a in self._figure_artists()]
        areas = [_union(old.boxes[i], nb) for i, nb in zip(changed, new_boxes, strict=True)]
        others = [old.boxes[i] for i in range(len(axes)) if i not in changed] + figure_level
        if any(_overlap(area, other) for area in areas for other in others):
            return None
        blank = self._blank_pixels(canvas)
        _restore(canvas, old.bitmap)
        pixels = np.asarray(renderer.buffer_rgba())
        height, width = pixels.shape[:2]
        for area in areas:
            if area is None:
                continue
            x0, y0, x1, y1 = area
            # rows count from the top of the canvas, display y from its bottom
            r0, r1 = max(0, height - math.ceil(y1)), min(height, height - math.floor(y0))
            c0, c1 = max(0, math.floor(x0)), min(width, math.ceil(x1))
            pixels[r0:r1, c0:c1] = blank[r0:r1, c0:c1]
        with self._dynamic_hidden():
            for i in changed:
                axes[i].draw(renderer)
        boxes = list(old.boxes)
        for i, nb in zip(changed, new_boxes, strict=True):
            boxes[i] = nb
        self.n_static_renders += 1
        self.n_partial_renders += 1
        return _Background(_pixels_of(canvas), boxes)

    def _figure_artists(self) -> list[Artist]:
        """Visible figure-level artists that are part of the static layer."""
        dynamic = {id(a) for a in self._dynamic}
        found = [*self.texts, *self.legends, *self.artists, *self.lines, *self.patches,
                 *self.images, *self.subfigs]
        return [a for a in found if id(a) not in dynamic and a.get_visible()]

    def render_rgba(self, dpi: float | None = None, *, cached: bool = True) -> np.ndarray:
        """The current frame at ``dpi`` as an ``(h, w, 4)`` uint8 array (a view of the canvas).

        With ``cached=False`` the static layer is rendered afresh and not stored: the frame a
        full draw (with the dynamic artists on top) would give.
        """
        if dpi is not None and float(dpi) != float(self.dpi):
            self.set_dpi(float(dpi))
            # Arrows placed against others' last drawn extents (ending at a text box's outline)
            # would be drawn where they were at the old resolution: lay out again. Only then:
            # the pass costs 50-60 ms on a large figure, and a drag switches resolution twice.
            if self.findobj(_placed_by_layout, include_self=False):
                self.draw_without_rendering()
        canvas = self._canvas()
        if not self._dynamic:
            canvas.draw()
            return np.asarray(canvas.buffer_rgba())
        key = self._key()
        if not cached:
            with self._dynamic_hidden():
                canvas.draw()
        elif key in self._backgrounds:
            self._backgrounds.move_to_end(key)
            _restore(canvas, self._backgrounds[key].bitmap)
        else:
            self._backgrounds[key] = self._render_partial(canvas, key) or self._render_static(canvas)
            same_dpi = [k for k in self._backgrounds if k[0] == key[0]]
            keep = max(KEEP_BACKGROUNDS,
                       KEEP_BACKGROUND_BYTES // max(1, self._backgrounds[key].bitmap.nbytes))
            for old_key in same_dpi[:-keep]:
                del self._backgrounds[old_key]
        renderer = canvas.get_renderer()
        for a in self._dynamic:
            if a.get_visible():
                a.draw(renderer)
        return np.asarray(canvas.buffer_rgba())


def _pixels_of(canvas: FigureCanvasAgg) -> np.ndarray:
    """A copy of every pixel of the canvas.

    Not Agg's ``copy_from_bbox(figure.bbox)``: once the canvas had been re-created at another
    resolution and back, restoring that region left the top row of pixels transparent.
    """
    return np.asarray(canvas.get_renderer().buffer_rgba()).copy()


def _restore(canvas: FigureCanvasAgg, pixels: np.ndarray) -> None:
    np.copyto(np.asarray(canvas.get_renderer().buffer_rgba()), pixels)


def _placed_by_layout(artist: Artist) -> bool:
    """An artist whose geometry comes from other artists' drawn extents (annotation arrows)."""
    return isinstance(artist, (Annotation, FancyArrowPatch))


#: pixels added around each panel's tight box: antialiased edges reach a pixel beyond it
_PAD = 3.0

_Box = tuple[float, float, float, float]


class _Background(NamedTuple):
    bitmap: np.ndarray               # the canvas' (h, w, 4) pixels
    boxes: list[_Box | None]         # each static axes' padded tight box (None: invisible)


def _padded(bb: Any) -> _Box:
    return (bb.x0 - _PAD, bb.y0 - _PAD, bb.x1 + _PAD, bb.y1 + _PAD)


def _union(a: _Box | None, b: _Box | None) -> _Box | None:
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _overlap(a: _Box | None, b: _Box | None) -> bool:
    if a is None or b is None:
        return False
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _extent(artist: Artist, renderer: Any) -> _Box | None:
    try:
        bb = artist.get_window_extent(renderer)
    except Exception:  # an artist that cannot say where it is: assume everywhere
        return (-math.inf, -math.inf, math.inf, math.inf)
    if bb is None or not np.all(np.isfinite(bb.extents)):
        return (-math.inf, -math.inf, math.inf, math.inf)
    if bb.width == 0 and bb.height == 0:
        return None                  # an empty text
    return _padded(bb)


class PixelImage(Artist):
    """An RGBA ``uint8`` image over a data ``extent`` of an axes, sampled nearest-neighbour.

    For a heat map that changes on every frame (decision regions, probabilities): matplotlib's
    ``imshow`` resamples through float arrays and masks (about 20 ms at an explorer's size and
    resolution); this samples the rows and columns once per size of the axes and draws the
    result with one ``draw_image`` call (a few milliseconds). Row 0 of ``data`` is the bottom of
    the extent (``origin="lower"``). The image is clipped to the axes.
    """

    def __init__(self, ax: Any, data: np.ndarray, extent: tuple[float, float, float, float],
                 **kwargs: Any) -> None:
        super().__init__()
        self.axes = ax
        self.set_transform(ax.transData)
        self._extent = tuple(float(v) for v in extent)
        self._index: tuple[Any, ...] = ()
        self.set_data(data)
        self.set(**kwargs)
        ax.add_artist(self)

    def set_data(self, data: np.ndarray) -> None:
        """New pixels, ``(rows, cols, 4)`` uint8, row 0 at the bottom."""
        arr = np.asarray(data)
        if arr.ndim != 3 or arr.shape[2] != 4 or arr.dtype != np.uint8:
            raise ValueError(f"expected (rows, cols, 4) uint8 pixels, got {arr.shape} {arr.dtype}")
        self._data = arr
        self.stale = True

    def set_extent(self, extent: tuple[float, float, float, float]) -> None:
        self._extent = tuple(float(v) for v in extent)
        self.stale = True

    def get_extent(self) -> tuple[float, ...]:
        return self._extent

    def draw(self, renderer: Any) -> None:
        if not self.get_visible():
            return
        x0, x1, y0, y1 = self._extent
        (px0, py0), (px1, py1) = self.axes.transData.transform([(x0, y0), (x1, y1)])
        clip = self.axes.bbox
        left, right = max(min(px0, px1), clip.x0), min(max(px0, px1), clip.x1)
        bottom, top = max(min(py0, py1), clip.y0), min(max(py0, py1), clip.y1)
        w, h = int(round(right - left)), int(round(top - bottom))
        if w <= 0 or h <= 0:
            return
        rows, cols = self._data.shape[:2]
        key = (w, h, rows, cols, round(left, 3), round(bottom, 3), px0, px1, py0, py1)
        if not self._index or self._index[0] != key:
            # the data cell under the centre of each output pixel (Agg takes the bottom row first)
            xs = left + np.arange(w) + 0.5
            ys = bottom + np.arange(h) + 0.5
            ci = np.clip(((xs - px0) / (px1 - px0) * cols).astype(int), 0, cols - 1)
            ri = np.clip(((ys - py0) / (py1 - py0) * rows).astype(int), 0, rows - 1)
            self._index = (key, ri, ci)
        _, ri, ci = self._index
        # two 1-D takes: the same pixels as fancy indexing with a grid, many times faster
        pixels = self._data.take(ri, axis=0).take(ci, axis=1)
        gc = renderer.new_gc()
        gc.set_clip_rectangle(clip)
        renderer.draw_image(gc, int(round(left)), int(round(bottom)), pixels)
        gc.restore()
        self.stale = False
