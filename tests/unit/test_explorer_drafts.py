"""Frames of a drag are drafts; the full-resolution frame follows once the values settle.

The widget protocol sends a dragged slider's next value as soon as the kernel is idle again, so
the changes of a drag reach the kernel moments after the previous frame went out. Those frames
are drawn at ``DRAFT_SCALE``; ``SETTLE_S`` after the last change the same frame is sent again at
``SCALE``, without calling ``update`` again. Here a real asyncio loop plays the kernel's.
"""

from __future__ import annotations

import asyncio
import json
import struct

import numpy as np
from matplotlib.figure import Figure
from own_thread import in_own_thread

from gdutils import widgets
from gdutils.display.explorers._layers import LayeredFigure


def _explorer(layered: bool = False) -> tuple[widgets.Explorer, list[float]]:
    fig = (LayeredFigure if layered else Figure)(figsize=(4, 3))
    ax = fig.subplots()
    ax.set(xlim=(0, 1), ylim=(0, 2), xlabel="x", ylabel="y")
    (line,) = ax.plot([], [])
    title = ax.set_title("")
    if layered:
        fig.add_dynamic(line, title)
    calls: list[float] = []

    def update(values):
        calls.append(values["a"])
        x = np.linspace(0.0, 1.0, 20)
        line.set_data(x, values["a"] * x)
        title.set_text(f"a = {values['a']:.2f}")
        return {"a": values["a"]}

    controls = {"a": widgets.slider("a", 1.0, 0.0, 2.0, 0.01)}
    return widgets.Explorer(fig, controls, update, static=False), calls


def _run(coro):
    """``asyncio.run`` in a thread without a running loop."""
    return in_own_thread(asyncio.run, coro)


def _frame(png: bytes) -> tuple[int, dict]:
    """The PNG's pixel width and its gd:values record."""
    (width,) = struct.unpack(">I", png[16:20])
    return width, json.loads(widgets.png_text(png)[widgets.VALUES_KEY])


async def _drag(ex: widgets.Explorer, values: list[float], gap_s: float) -> list[bytes]:
    """Change the slider as the browser does during a drag; the frames sent, in order."""
    frames = []
    await asyncio.sleep(widgets.DRAG_GAP_S + 0.05)   # the learner reaches for the slider
    for v in values:
        ex.controls["a"].set_state({"value": v})   # as the browser's message is applied
        await asyncio.sleep(gap_s)          # the loop turns: a pending draft is drawn
        frames.append(ex.png)
    return frames


def test_a_drag_sends_drafts_then_the_full_frame() -> None:
    ex, calls = _explorer()
    full_w = ex.css_size[0] * widgets.SCALE

    async def scenario() -> tuple[list[bytes], bytes]:
        frames = await _drag(ex, [1.1, 1.2, 1.3, 1.4], gap_s=0.01)
        n_updates = len(calls)
        await asyncio.sleep(widgets.SETTLE_S + 0.2)
        assert len(calls) == n_updates, "the settled frame must not call update again"
        return frames, ex.png

    frames, settled = _run(scenario())
    widths = [_frame(f)[0] for f in frames]
    # the first change follows a quiet spell: a full frame; the rest of the drag: drafts
    assert widths[0] == full_w
    assert widths[1:] == [ex.css_size[0] * widgets.DRAFT_SCALE] * 3
    width, record = _frame(settled)
    assert width == full_w and record["scale"] == widgets.SCALE and not ex.draft
    assert dict(record["values"])["a"] == 1.4 == _frame(frames[-1])[1]["values"][0][1]
    assert ex.state["a"] == 1.4


def test_a_draft_is_drawn_after_the_handler_returns_with_the_latest_values() -> None:
    """The handler of a drag's change returns at once (the kernel reports idle, and the browser
    sends the next value while the draft is drawn); changes that arrive before the draft is
    drawn are merged into it: one frame, the latest values, no stale frame."""
    ex, calls = _explorer()

    async def scenario() -> None:
        await _drag(ex, [1.1], gap_s=0.01)              # a full frame: the drag starts
        n = ex.n_draws
        for v in (1.2, 1.3, 1.4):                       # three changes, one turn of the loop
            ex.controls["a"].set_state({"value": v})
        assert ex.n_draws == n, "a drag's change must not be drawn inside its handler"
        await asyncio.sleep(0)
        assert ex.n_draws == n + 1 and ex.draft
        assert calls[-1] == 1.4 and 1.2 not in calls and 1.3 not in calls
        assert _frame(ex.png)[1]["values"] == [["a", 1.4]]
        await asyncio.sleep(widgets.SETTLE_S + 0.2)     # then the full frame, same values
        assert not ex.draft and _frame(ex.png)[1]["values"] == [["a", 1.4]]

    _run(scenario())


def test_a_cells_assignment_is_drawn_at_once_in_full() -> None:
    """Only the browser drags: code assigning a control (a cell, a test) inside a running loop,
    right after a frame went out, gets its frame before the assignment returns, in full."""
    ex, calls = _explorer()

    async def scenario() -> None:
        await _drag(ex, [1.1, 1.2], gap_s=0.0)         # the browser: a draft
        for v in (0.3, 0.4):
            ex.controls["a"].value = v
            assert calls[-1] == v and not ex.draft
            assert _frame(ex.png)[0] == ex.css_size[0] * widgets.SCALE

    _run(scenario())


def test_close_drops_a_pending_draft() -> None:
    ex, _ = _explorer()

    async def scenario() -> None:
        await _drag(ex, [1.1], gap_s=0.01)
        n = ex.n_draws
        ex.controls["a"].set_state({"value": 1.2})      # a draft, pending
        ex.close()
        await asyncio.sleep(widgets.SETTLE_S + 0.2)
        assert ex.n_draws == n

    _run(scenario())


def test_separate_moves_are_full_frames() -> None:
    ex, _ = _explorer()

    async def scenario() -> list[bytes]:
        return await _drag(ex, [0.5, 0.6, 0.7], gap_s=widgets.DRAG_GAP_S + 0.05)

    frames = _run(scenario())
    assert {_frame(f)[0] for f in frames} == {ex.css_size[0] * widgets.SCALE}


def test_no_event_loop_no_draft() -> None:
    # without a running loop nothing could send the full frame later: never a draft
    def moves() -> None:
        ex, _ = _explorer()
        for v in (0.2, 0.3, 0.4):
            ex.controls["a"].set_state({"value": v})
            assert _frame(ex.png)[0] == ex.css_size[0] * widgets.SCALE and not ex.draft

    in_own_thread(moves)


def test_set_never_drafts_and_cancels_a_pending_settle() -> None:
    ex, calls = _explorer()

    async def scenario() -> None:
        await _drag(ex, [1.1, 1.2], gap_s=0.0)
        assert ex.draft
        ex.set(a=0.3)                         # a full frame now; the pending one is dropped
        assert not ex.draft
        n = ex.n_draws
        await asyncio.sleep(widgets.SETTLE_S + 0.2)
        assert ex.n_draws == n

    _run(scenario())
    assert _frame(ex.png)[1]["values"] == [["a", 0.3]]


def test_close_drops_the_pending_settle() -> None:
    ex, _ = _explorer()

    async def scenario() -> None:
        await _drag(ex, [1.1, 1.2], gap_s=0.0)
        n = ex.n_draws
        ex.close()
        await asyncio.sleep(widgets.SETTLE_S + 0.2)
        assert ex.n_draws == n

    _run(scenario())


def test_a_layered_figure_keeps_a_static_layer_per_resolution() -> None:
    ex, _ = _explorer(layered=True)
    fig = ex.figure

    async def scenario() -> None:
        for _ in range(3):   # drag, settle, drag, settle ...
            await _drag(ex, [1.1, 1.2, 1.3], gap_s=0.0)
            await asyncio.sleep(widgets.SETTLE_S + 0.1)

    _run(scenario())
    # one static render at each resolution, then only the dynamic artists
    assert fig.n_static_renders == 2
    # and a draft is the full frame at a quarter of the pixels: same picture, smaller
    draft = widgets.figure_rgba(fig, widgets.CSS_DPI * widgets.DRAFT_SCALE).copy()
    full = widgets.figure_rgba(fig, widgets.DPI)
    assert full.shape[1] == draft.shape[1] * widgets.SCALE // widgets.DRAFT_SCALE


def test_a_redraw_runs_with_one_blas_thread_and_restores_the_learners() -> None:
    """OpenBLAS's worker spins after a threaded product and takes a core from the browser:
    ``update`` and the render run with one BLAS thread; the learner's count comes back after."""
    threadpoolctl = __import__("threadpoolctl")
    blas = threadpoolctl.ThreadpoolController().select(user_api="blas")
    if not blas.lib_controllers:
        raise AssertionError("numpy's BLAS is not visible to threadpoolctl: nothing is limited")

    def counts() -> list[int]:
        return [lib.num_threads for lib in blas.lib_controllers]

    seen: list[list[int]] = []
    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.set(xlabel="x", ylabel="y", title="t")

    def update(values):
        seen.append(counts())
        np.ones((300, 300)) @ np.ones((300, 300))     # large enough to be threaded otherwise
        return {}

    with blas.limit(limits=2):
        learners = counts()
        ex = widgets.Explorer(fig, {"a": widgets.slider("a", 1.0, 0.0, 2.0, 0.1)}, update,
                              static=False)
        ex.set(a=1.5)
        after = counts()
    assert learners == [2] * len(learners)
    assert seen and all(c == [1] * len(c) for c in seen), seen
    assert after == learners


def _shown(ex: widgets.Explorer, monkeypatch) -> None:
    """Display the explorer as a notebook would (the widgets are built, nothing is sent)."""
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: None)
    ex._ipython_display_()


def test_once_shown_the_draft_layer_is_ready_before_the_first_drag(monkeypatch) -> None:
    monkeypatch.setattr(widgets, "PREWARM_S", 0.05)

    async def main():
        ex, _ = _explorer(layered=True)
        shown_png = ex.png
        before = ex.figure.n_static_renders
        _shown(ex, monkeypatch)
        await asyncio.sleep(0.2)
        prewarmed = ex.figure.n_static_renders
        png_after_prewarm = ex.png
        frames = await _drag(ex, [1.2, 1.3, 1.4], 0.01)
        return ex, before, prewarmed, shown_png, png_after_prewarm, frames

    ex, before, prewarmed, shown_png, png_after_prewarm, frames = _run(main())
    assert prewarmed == before + 1, "the static layer at the draft resolution was not rendered"
    assert png_after_prewarm == shown_png, "the pre-render must not change what is shown"
    assert [_frame(f)[1]["scale"] for f in frames[1:]] == [widgets.DRAFT_SCALE] * 2
    assert ex.figure.n_static_renders == prewarmed, "the drag's drafts rendered their layer again"


def test_the_pre_render_gives_way_to_a_redraw_and_to_close(monkeypatch) -> None:
    import threading

    ex, _ = _explorer(layered=True)
    before = ex.figure.n_static_renders
    held, release = threading.Event(), threading.Event()

    def redraw_in_progress() -> None:
        with ex._lock:
            held.set()
            release.wait(5)

    other = threading.Thread(target=redraw_in_progress)
    other.start()
    held.wait(5)
    ex._prewarm()                        # a comm handler is drawing: skip, do not wait
    release.set()
    other.join()
    assert ex.figure.n_static_renders == before

    monkeypatch.setattr(widgets, "PREWARM_S", 0.05)

    async def shown_then_closed():
        _shown(ex, monkeypatch)
        ex.close()
        await asyncio.sleep(0.2)

    _run(shown_then_closed())
    assert ex.figure.n_static_renders == before


def test_a_pre_render_that_met_a_redraw_tries_again(monkeypatch) -> None:
    import threading

    monkeypatch.setattr(widgets, "PREWARM_S", 0.05)
    ex, _ = _explorer(layered=True)
    before = ex.figure.n_static_renders
    release = threading.Event()

    def redraw_in_progress() -> None:
        with ex._lock:
            release.wait(5)

    async def main():
        other = threading.Thread(target=redraw_in_progress)
        other.start()
        _shown(ex, monkeypatch)
        await asyncio.sleep(0.12)          # the first try met the redraw
        met = ex.figure.n_static_renders
        release.set()
        other.join()
        await asyncio.sleep(0.2)
        return met

    met = _run(main())
    assert met == before
    assert ex.figure.n_static_renders == before + 1
