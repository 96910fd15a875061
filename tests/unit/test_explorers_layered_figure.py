"""LayeredFigure: cached static layers, re-rendered in part where that is exact.

Every frame must equal a full draw pixel for pixel; the partial path (only the panels whose
limits moved) must be taken where panels stand apart, and refused where a changed panel's area
touches anything else.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from gdutils.display.explorers._layers import LayeredFigure

DPI = 100


def three_panels(suptitle: str | None = None) -> tuple[LayeredFigure, list]:
    fig = LayeredFigure(figsize=(9.0, 3.0))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.18, top=0.82, wspace=0.45)
    axes = fig.subplots(1, 3)
    lines = []
    for i, ax in enumerate(axes):
        ax.set_title(f"panel {i}")
        ax.set_xlabel("$x$")
        ax.set_ylabel("$y$")
        (line,) = ax.plot([0, 1], [0, i + 1], color="C1")
        lines.append(line)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 4)
    if suptitle:
        fig.suptitle(suptitle)
    fig.add_dynamic(*lines)
    return fig, list(axes)


def assert_full_draw(fig: LayeredFigure) -> None:
    frame = fig.render_rgba(DPI).copy()
    fresh = fig.render_rgba(DPI, cached=False).copy()
    differ = int(np.any(frame != fresh, axis=2).sum())
    assert differ == 0, f"{differ} pixels differ from a full draw"


def test_one_panel_rescaled_is_rendered_alone_and_exactly() -> None:
    fig, axes = three_panels()
    assert_full_draw(fig)
    assert (fig.n_static_renders, fig.n_partial_renders) == (1, 0)
    # wider tick labels than before: the wiped area must cover the old and the new labels
    axes[1].set_ylim(0, 250)
    assert_full_draw(fig)
    assert (fig.n_static_renders, fig.n_partial_renders) == (2, 1)
    axes[1].set_ylim(0, 2)
    axes[2].set_xlim(-5, 5)
    assert_full_draw(fig)
    assert fig.n_partial_renders == 2


def test_a_panel_hidden_and_shown_again() -> None:
    fig, axes = three_panels()
    assert_full_draw(fig)
    axes[0].set_visible(False)
    assert_full_draw(fig)
    axes[0].set_visible(True)
    axes[0].set_ylim(-1, 1)
    assert_full_draw(fig)
    assert fig.n_partial_renders == 2


def test_cached_layers_are_reused_when_limits_return() -> None:
    fig, axes = three_panels()
    fig.render_rgba(DPI)
    axes[0].set_ylim(0, 10)
    fig.render_rgba(DPI)
    axes[0].set_ylim(0, 4)
    assert_full_draw(fig)
    assert fig.n_static_renders == 2


def test_overlapping_panels_fall_back_to_a_full_render() -> None:
    fig, axes = three_panels()
    twin = axes[0].twinx()        # the same area as panel 0: wiping it would erase the twin
    twin.set_ylim(0, 1)
    assert_full_draw(fig)
    twin.set_ylim(0, 50)
    assert_full_draw(fig)
    assert fig.n_partial_renders == 0 and fig.n_static_renders == 2


def test_a_figure_title_over_the_area_falls_back() -> None:
    fig, axes = three_panels(suptitle="a title over every panel, long enough to reach them all " * 2)
    fig.subplots_adjust(top=0.9)          # the suptitle now reaches down into the panels' titles
    assert_full_draw(fig)
    axes[1].set_ylim(0, 99)
    assert_full_draw(fig)
    assert fig.n_partial_renders == 0


def test_a_layout_engine_falls_back() -> None:
    fig, axes = three_panels()
    fig.set_layout_engine("constrained")
    assert_full_draw(fig)
    axes[2].set_ylim(0, 1e6)
    assert_full_draw(fig)
    assert fig.n_partial_renders == 0


def test_a_new_static_key_renders_in_full() -> None:
    fig, axes = three_panels()
    fig.render_rgba(DPI)
    fig.static_key = "another function"
    axes[0].set_ylim(0, 9)
    assert_full_draw(fig)
    assert fig.n_partial_renders == 0 and fig.n_static_renders == 2


def test_a_new_resolution_lays_out_again_before_rendering() -> None:
    """Arrows that end at a text box's outline must end there at the new resolution too."""
    fig = LayeredFigure(figsize=(5.0, 2.5))
    ax = fig.add_subplot()
    box = ax.text(0.8, 0.5, "target", ha="center", va="center", bbox={"boxstyle": "round"})
    ax.annotate("", xy=(0.8, 0.5), xytext=(0.1, 0.5),
                arrowprops={"arrowstyle": "-|>", "patchB": box.get_bbox_patch(), "shrinkB": 0})
    value = ax.text(0.1, 0.8, "1.0")
    fig.add_dynamic(value)
    fig.draw_without_rendering()               # laid out at the default resolution
    for dpi in (DPI, 2 * DPI):
        frame = fig.render_rgba(dpi).copy()
        fresh = fig.render_rgba(dpi, cached=False).copy()
        assert int(np.any(frame != fresh, axis=2).sum()) == 0, dpi


def test_a_plain_figure_is_untouched() -> None:
    """Without dynamic artists every frame is a full draw (nothing cached)."""
    fig = LayeredFigure(figsize=(3.0, 2.0))
    fig.add_subplot().plot([0, 1], [1, 0])
    fig.render_rgba(DPI)
    assert fig.n_static_renders == 0
    assert isinstance(fig, Figure)


def test_add_dynamic_rejects_what_is_not_an_artist() -> None:
    fig, _ = three_panels()
    with pytest.raises(ValueError, match="matplotlib artists"):
        fig.add_dynamic("a line")  # type: ignore[arg-type]


def test_tick_labels_growing_into_a_neighbour_fall_back() -> None:
    fig, axes = three_panels()
    fig.render_rgba(DPI)
    axes[1].set_ylim(0, 123456)           # labels now reach into panel 0's area
    assert_full_draw(fig)
    assert fig.n_partial_renders == 0 and fig.n_static_renders == 2


def test_static_layers_kept_are_bounded_per_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    """A few layers at least, more while they fit in the byte budget, never more."""
    from gdutils.display.explorers import _layers

    fig, axes = three_panels()
    frame_bytes = fig.render_rgba(DPI).nbytes
    monkeypatch.setattr(_layers, "KEEP_BACKGROUND_BYTES", 5 * frame_bytes)
    for top in range(2, 12):
        axes[0].set_ylim(0, top)
        fig.render_rgba(DPI)
    assert len(fig._backgrounds) == 5
    for top in range(2, 12):               # at half the resolution, a quarter of the bytes
        axes[0].set_ylim(0, top)
        fig.render_rgba(DPI / 2)
    assert len(fig._backgrounds) == 5 + 10
    monkeypatch.setattr(_layers, "KEEP_BACKGROUND_BYTES", 0)
    axes[0].set_ylim(0, 99)
    fig.render_rgba(DPI)
    assert sum(k[0] == DPI for k in fig._backgrounds) == _layers.KEEP_BACKGROUNDS
