"""The glyph-caching canvas draws exactly the pixels matplotlib's own Agg canvas draws."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gdutils.display.explorers import _glyphs
from gdutils.display.explorers._glyphs import GlyphCachingCanvas, glyph_cache_active


def _figure(title: str) -> Figure:
    fig = Figure(figsize=(5, 3))
    ax = fig.subplots()
    ax.set_title(title, fontsize=10)
    # positions that are not whole pixels, unicode, mathtext (with a fraction's rule), rotation
    ax.text(0.123, 0.377, "x₁ = 3.14159, η = 0.0316 — gÿ", transform=ax.transAxes)
    ax.text(0.5, 0.5, "rotated", rotation=30)
    ax.text(0.2, 0.8, r"$\frac{n}{2n_j}$ and $L_{\min}$", transform=ax.transAxes)
    ax.set_xlabel("step of gradient descent")
    ax.set_ylabel("loss")
    fig.suptitle("a 7-point suptitle", fontsize=7, x=0.4137)
    return fig


def _pixels(fig: Figure, canvas_type: type, dpi: float) -> np.ndarray:
    fig.set_dpi(dpi)
    canvas = canvas_type(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


@pytest.mark.parametrize("dpi", [90, 180, 123.7])
def test_cached_glyphs_give_matplotlibs_pixels(dpi: float) -> None:
    _glyphs._cache.clear()
    for title in ("width 16, step 500 — accuracy 97.5%", "width 17, step 475 — accuracy 98.0%"):
        expected = _pixels(_figure(title), FigureCanvasAgg, dpi)
        for _ in range(2):   # the first draw fills the cache, the second draws from it
            np.testing.assert_array_equal(_pixels(_figure(title), GlyphCachingCanvas, dpi),
                                          expected)
    if glyph_cache_active():
        assert _glyphs._cache, "the text path changed: nothing was cached"


@pytest.mark.parametrize(("cache", "bound", "keep"), [("_cache", "KEEP_GLYPHS", 5),
                                                       ("_layouts", "KEEP_LAYOUTS", 3)])
def test_the_caches_are_bounded(cache: str, bound: str, keep: int,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Filled under the default bound, then drawn into under a smaller one: never above it."""
    kept = getattr(_glyphs, cache)
    kept.clear()
    try:
        _pixels(_figure("many different glyphs: abcdefghijklmnop"), GlyphCachingCanvas, 90)
        monkeypatch.setattr(_glyphs, bound, keep)
        _pixels(_figure("bounded"), GlyphCachingCanvas, 123.7)
        assert len(kept) <= keep
    finally:
        kept.clear()


def test_other_matplotlib_versions_draw_as_usual(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_glyphs.matplotlib, "__version__", "3.12.0")
    assert not glyph_cache_active()
    fig = _figure("plain")
    canvas = GlyphCachingCanvas(fig)
    canvas.draw()
    assert type(canvas.get_renderer()).__name__ == "RendererAgg"


def test_kept_layouts_give_matplotlibs_pixels() -> None:
    """The second draw of the same texts takes their layouts from the cache: same pixels."""
    _glyphs._layouts.clear()
    expected = _pixels(_figure("a title drawn twice"), FigureCanvasAgg, 90)
    first = _pixels(_figure("a title drawn twice"), GlyphCachingCanvas, 90)
    if glyph_cache_active():
        assert _glyphs._layouts, "the text path changed: no layout was kept"
    kept = len(_glyphs._layouts)
    again = _pixels(_figure("a title drawn twice"), GlyphCachingCanvas, 90)
    assert len(_glyphs._layouts) == kept
    np.testing.assert_array_equal(first, expected)
    np.testing.assert_array_equal(again, expected)
    _glyphs._layouts.clear()
