"""An Agg canvas that keeps the glyphs it rasterised: cheap titles on every frame.

Matplotlib 3.11 draws text one glyph at a time, asking FreeType to rasterise each glyph at its
exact position on every draw. An explorer's titles change on every frame (they print the
values), so a third of a frame went into rasterising the same few dozen glyphs again.
:class:`GlyphCachingCanvas` keeps each glyph's bitmap by font, size, resolution and position
*within* a pixel (FreeType's 1/64 pixel grid): a glyph moved by whole pixels rasterises to the
same bitmap, moved. ``tests/unit/test_glyph_cache.py`` holds the result to matplotlib's own
pixels.

Only what that was checked on is cached: matplotlib 3.11's per-glyph text path, horizontal,
antialiased text without mathtext rules. Anything else (another matplotlib, rotated text) is
drawn by matplotlib as usual.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

__all__ = ["GlyphCachingCanvas", "glyph_cache_active"]

#: glyph bitmaps kept (a glyph of a 10-point title at 180 dpi is about 25 × 25 bytes)
KEEP_GLYPHS = 8192

_cache: OrderedDict[tuple[Any, ...], tuple[Any, int, int]] = OrderedDict()


def glyph_cache_active() -> bool:
    """Whether this matplotlib draws text the way the cache was checked against (3.11)."""
    parts = matplotlib.__version__.split(".")
    return (parts[:2] == ["3", "11"]
            and hasattr(RendererAgg, "_draw_text_glyphs_and_boxes"))


#: FreeType's identity transform (16.16 fixed point)
_IDENTITY = np.array([[0x10000, 0], [0, 0x10000]])


class _GlyphCachingRenderer(RendererAgg):
    def _draw_text_glyphs_and_boxes(self, gc: Any, x: float, y: float, angle: float,
                                    glyphs: Any, boxes: Any) -> None:
        glyphs = list(glyphs)
        if angle != 0 or list(boxes) or not gc.get_antialiased() or any(
                slant != 0 or extend != 1 for _, _, _, slant, extend, _, _ in glyphs):
            super()._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, boxes)
            return
        from matplotlib.backends.backend_agg import get_hinting_flag
        from matplotlib.ft2font import RenderMode

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
                _cache[key] = hit
                if len(_cache) > KEEP_GLYPHS:
                    _cache.popitem(last=False)
            buffer, left, top = hit
            # draw_text_image's y is downwards and names the bitmap's bottom side
            self._renderer.draw_text_image(buffer, left + ix,
                                           int(height) - (top + iy) + buffer.shape[0], 0, gc)


class GlyphCachingCanvas(FigureCanvasAgg):
    """A :class:`FigureCanvasAgg` whose renderer reuses rasterised glyphs (see the module)."""

    def get_renderer(self) -> Any:
        renderer = super().get_renderer()
        if type(renderer) is RendererAgg and glyph_cache_active():
            # the same object, with the glyph-caching text path; its pixels are untouched
            renderer.__class__ = _GlyphCachingRenderer
        return renderer
