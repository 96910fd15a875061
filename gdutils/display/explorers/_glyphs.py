"""An Agg canvas that keeps the glyphs it rasterised: cheap titles on every frame.

Matplotlib 3.11 draws text one glyph at a time, asking FreeType to rasterise each glyph at its
exact position on every draw. An explorer's titles change on every frame (they print the
values), so a third of a frame went into rasterising the same few dozen glyphs again.
:class:`GlyphCachingCanvas` keeps each glyph's bitmap by font, size, resolution and position
*within* a pixel (FreeType's 1/64 pixel grid): a glyph moved by whole pixels rasterises to the
same bitmap, moved. ``tests/unit/test_glyph_cache.py`` holds the result to matplotlib's own
pixels.

It keeps each plain text's layout too (the glyphs and their offsets, by text, font, size and
resolution): FreeType's shaping costs about half a millisecond a text, and a panel re-rendered
during a drag lays out the same tick labels again.

Its renderer also keeps more parsed mathtext than matplotlib does (50 expressions, shared by
every resolution): an explorer draws its drafts at one resolution and its settled frames at
another, and a figure with a few log axes and a mathtext legend holds more than 25 expressions,
so each change of resolution parsed all of them again (a quarter of a second for the momentum
explorer), and so did every new tick label of a moving log axis.

Only what that was checked on is cached: matplotlib 3.11's per-glyph text path, horizontal,
antialiased text without mathtext rules. Anything else (another matplotlib, rotated text) is
drawn by matplotlib as usual.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.ft2font import RenderMode
from matplotlib.mathtext import MathTextParser

__all__ = ["GlyphCachingCanvas", "glyph_cache_active", "math_cache_active"]

#: glyph bitmaps kept (a glyph of a 10-point title at 180 dpi is about 25 × 25 bytes)
KEEP_GLYPHS = 8192
#: text layouts kept (a tick label's is a few glyphs)
KEEP_LAYOUTS = 4096
#: parsed mathtext expressions kept, by expression, resolution and font (matplotlib keeps 50)
KEEP_MATH = 1024

_cache: OrderedDict[tuple[Any, ...], tuple[Any, int, int]] = OrderedDict()
_layouts: OrderedDict[tuple[Any, ...], list[tuple[Any, int, float, float]]] = OrderedDict()


def _keep(cache: OrderedDict[Any, Any], key: Any, value: Any, bound: int) -> None:
    """Store ``value``, then drop the oldest entries beyond ``bound``."""
    cache[key] = value
    while len(cache) > bound:
        cache.popitem(last=False)


def glyph_cache_active() -> bool:
    """Whether this matplotlib draws text the way the cache was checked against (3.11)."""
    parts = matplotlib.__version__.split(".")
    return (parts[:2] == ["3", "11"]
            and hasattr(RendererAgg, "_draw_text_glyphs_and_boxes"))


#: FreeType's identity transform (16.16 fixed point)
_IDENTITY = np.array([[0x10000, 0], [0, 0x10000]])


class _GlyphCachingRenderer(RendererAgg):
    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float,
                  ismath: Any = False, mtext: Any = None) -> None:
        if ismath:
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            return
        flags = get_hinting_flag()
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        # the font properties as matplotlib hashes them (FontProperties.__hash__)
        key = (s, tuple(prop.__dict__.values()), self.dpi, flags, features, language)
        try:
            items = _layouts.get(key)
        except TypeError:                  # an unhashable feature list: lay out as usual
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            return
        if items is None:
            font = self._prepare_font(prop)
            items = [(item.ft_object, item.glyph_index, item.x, item.y)
                     for item in font._layout(s, flags=flags, features=features,
                                              language=language)]
            _keep(_layouts, key, items, KEEP_LAYOUTS)
        size = prop.get_size_in_points()
        self._draw_text_glyphs_and_boxes(
            gc, x, y, angle, ((ft, size, index, 0, 1, dx, dy) for ft, index, dx, dy in items), [])

    def _draw_text_glyphs_and_boxes(self, gc: Any, x: float, y: float, angle: float,
                                    glyphs: Any, boxes: Any) -> None:
        glyphs = list(glyphs)
        if angle != 0 or list(boxes) or not gc.get_antialiased() or any(
                slant != 0 or extend != 1 for _, _, _, slant, extend, _, _ in glyphs):
            super()._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, boxes)
            return
        load_flags = get_hinting_flag()
        height = self.height
        for font, size, glyph_index, _slant, _extend, dx, dy in glyphs:
            # FreeType's 26.6 fixed point, as matplotlib computes it (y upwards)
            fx = round(0x40 * (x + dx))
            fy = round(0x40 * (height - y + dy))
            ix, sub_x = divmod(fx, 0x40)
            iy, sub_y = divmod(fy, 0x40)
            key = (font.fname, size, self.dpi, glyph_index, sub_x, sub_y, load_flags)
            hit = _cache.get(key)
            if hit is None:
                font.set_size(size, self.dpi)
                font._set_transform(_IDENTITY, [sub_x, sub_y])
                bitmap = font._render_glyph(glyph_index, load_flags, RenderMode.NORMAL)
                hit = (bitmap.buffer.copy(), bitmap.left, bitmap.top)
                _keep(_cache, key, hit, KEEP_GLYPHS)
            buffer, left, top = hit
            # draw_text_image's y is downwards and names the bitmap's bottom side
            self._renderer.draw_text_image(buffer, left + ix,
                                           int(height) - (top + iy) + buffer.shape[0], 0, gc)


class _LargerMathCache(MathTextParser):
    """Matplotlib's mathtext parser with a larger cache of parsed expressions (the same
    function, so the same result)."""

    _parse_cached = functools.lru_cache(KEEP_MATH)(
        getattr(MathTextParser._parse_cached, "__wrapped__", MathTextParser._parse_cached))


@functools.cache
def _math_parser() -> MathTextParser:
    # the output RendererAgg asks for: paths, which it rasterises itself
    return _LargerMathCache("path")


def math_cache_active() -> bool:
    """Whether this matplotlib parses mathtext the way the larger cache was checked against."""
    return glyph_cache_active() and hasattr(MathTextParser._parse_cached, "__wrapped__")


class GlyphCachingCanvas(FigureCanvasAgg):
    """A :class:`FigureCanvasAgg` whose renderer reuses rasterised glyphs (see the module)."""

    def get_renderer(self) -> Any:
        renderer = super().get_renderer()
        if type(renderer) is RendererAgg and glyph_cache_active():
            # the same object, with the glyph-caching text path; its pixels are untouched
            renderer.__class__ = _GlyphCachingRenderer
            if math_cache_active() and isinstance(renderer.mathtext_parser, MathTextParser):
                renderer.mathtext_parser = _math_parser()
        return renderer
