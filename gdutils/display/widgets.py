"""The widget explorer: controls that redraw one figure, with state pytest can inspect.

Every interactive figure in the course is an :class:`Explorer`. A factory (in
:mod:`gdutils.explorers`) builds a matplotlib ``Figure`` once, the controls, and an ``update``
function that moves the figure's artists to match the controls' values and returns the data it
drew. The explorer wires them together:

* in JupyterLab it shows the controls above a PNG image of the figure; changing a control calls
  ``update`` and replaces the image (no flicker, no new figure per change). Sliders redraw
  *while* they are dragged (see "Following a drag" below);
* under nbgrader (``NBGRADER_EXECUTION`` set) or with ``static=True`` it shows one static image
  drawn with the default values and displays no widgets, so grading never waits on a browser;
* in tests, ``explorer.set(lr=0.3)`` or ``explorer.press("step")`` changes a control exactly as a
  learner would, and ``explorer.state`` holds the data of the last draw.

Sizing
------
A figure of ``w × h`` inches is shown at ``w·CSS_DPI × h·CSS_DPI`` CSS pixels — its natural size
— and rendered at twice that (:data:`DPI`), so text stays sharp on high-density screens and is
never upscaled on ordinary ones. The image's layout says so (``width`` in CSS pixels,
``max-width: 100%``): without it JupyterLab stretches an ``ipywidgets.Image`` to the cell width.

Following a drag
----------------
Sliders send their value while they move (``continuous_update=True``). Latest value wins, with
no queue of stale frames: the widget protocol keeps at most one change of a control in flight
and merges the values a drag produces meanwhile into one, sent when the kernel reports idle
(``@jupyter-widgets/base`` ``WidgetModel``, "message throttle"). A single change is drawn
inside its handler. A change of a drag is drawn on the kernel's event loop just after its
handler returns: the kernel reports idle at once, so the browser sends the next value while this
frame is drawn rather than after it (the round trip overlaps the drawing: the drags of
``bench/explorers_browser.py`` went from 10–13 to 17–21 frames a second). Changes that arrive
before that frame is drawn are merged into it, and every frame reads the controls' values when
it is drawn, so the last frame is always drawn from the value the slider stopped at. Each PNG
carries the values it was drawn from in a ``tEXt`` chunk (``gd:values``), so a browser test can
check exactly that.

The frames *of* a drag are drafts: a change that arrives within :data:`DRAG_GAP_S` of the
previous frame is drawn at :data:`DRAFT_SCALE` device pixels per CSS pixel (same size on the
page, a quarter of the pixels to render, encode, send and decode), and :data:`SETTLE_S` after
the last change the kernel's event loop sends that frame again at full resolution, without
calling ``update``. A single move, ``set`` and the static view are always full resolution.
A drag's first draft would also pay for the static layer at the draft resolution (a quarter of
a second for the largest figures, whose mathtext is laid out again at each resolution): the
kernel renders that layer :data:`PREWARM_S` after the explorer is shown, while the learner
reads. Redraws, the settled frame and that pre-render hold one lock per explorer (comm handlers
run in a kernel thread of their own, cells in the main thread); the pre-render never waits for
a redraw that holds it, and tries again later.

A redraw runs with one BLAS thread (:func:`one_blas_thread`). NumPy's OpenBLAS splits a large
enough product (a network's scores on a plot's grid) across every core, and its worker then
spins, waiting for more, for up to a tenth of a second after each call: during a drag that took
a core from the browser that decodes the frames. Measured in ``bench/explorers_browser.py`` on 2
cores, dragging the boundary explorer's learning rate at width 62: the worker burnt 0.34 CPU
seconds a second, and the drag went from 8–9 to 12 frames a second without it.

Frames are cheap because a :class:`~gdutils.display.explorers._layers.LayeredFigure` keeps its
static layer as a bitmap, and :func:`encode_png` writes the PNG with a fast deflate (no
per-row filter search): see ``bench/explorers.py`` and ``bench/explorers_browser.py``.

Example
-------
>>> import numpy as np
>>> from matplotlib.figure import Figure
>>> fig = Figure(figsize=(4, 3)); ax = fig.subplots()
>>> (line,) = ax.plot([], [])
>>> def update(v):
...     x = np.linspace(0, 1, 50); y = v["a"] * x
...     line.set_data(x, y); ax.relim(); ax.autoscale_view()
...     return {"y": y}
>>> ex = Explorer(fig, {"a": slider("a", 1.0, 0.0, 2.0)}, update, static=True)
>>> ex.set(a=2.0)
>>> float(ex.state["y"][-1])
2.0
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

__all__ = [
    "Explorer",
    "grading",
    "slider",
    "int_slider",
    "log_slider",
    "dropdown",
    "checkbox",
    "toggle",
    "alternative_values",
    "on_grid",
    "retargeting",
    "encode_png",
    "png_text",
    "figure_rgba",
    "one_blas_thread",
    "CSS_DPI",
    "SCALE",
    "DPI",
]

UpdateFn = Callable[[dict[str, Any]], dict[str, Any]]
ActionFn = Callable[["Explorer"], None]

#: CSS pixels per figure inch: a figure ``w`` inches wide is shown ``w·CSS_DPI`` pixels wide.
#: (The inline backend shows static plots at 100; explorers are a little smaller so that the
#: controls and the figure fit on one screen together.)
CSS_DPI = 90
#: Device pixels per CSS pixel in an explorer's PNG: sharp on high-density screens.
SCALE = 2
#: The resolution explorer figures are rendered at.
DPI = CSS_DPI * SCALE
#: The PNG text chunk that records the control values a frame was drawn from.
VALUES_KEY = "gd:values"
#: A change that reaches the kernel this soon after the previous frame went out is part of a
#: drag (or a held key): the widget protocol sends a moving slider's next value as soon as the
#: kernel reports idle, so such changes arrive 10–40 ms apart, a learner's separate moves
#: hundreds of milliseconds apart.
DRAG_GAP_S = 0.08
#: While a drag streams values, frames are drawn at this many device pixels per CSS pixel
#: (a quarter of the pixels to render, encode, send and decode); once the values have been
#: still for :data:`SETTLE_S`, the same frame follows at :data:`SCALE`.
DRAFT_SCALE = 1
SETTLE_S = 0.15
#: How long after ``set`` a slider's step is taken for the browser sending it back (it comes
#: within a round trip, tens of milliseconds; a learner's own move needs far longer).
ECHO_S = 2.0
#: Once an explorer is shown, the kernel renders its static layer at the draft resolution when
#: it has been idle this long, so that the first frame of the first drag does not pay for it.
PREWARM_S = 1.0

# Control widths (CSS pixels): a slider's track stays long enough to drag with precision
# whatever its label; labels are never truncated (their width is "initial", i.e. natural).
_SLIDER_TRACK_PX = 210
_READOUT_PX = 62
_CHAR_PX = 7.6     # the widgets' 13 px font, generously: a label's width from its length


def grading() -> bool:
    """True while nbgrader executes the notebook (it sets ``NBGRADER_EXECUTION``)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def _widgets() -> Any:
    import ipywidgets

    return ipywidgets


def _label_px(text: str) -> int:
    return int(math.ceil(len(text) * _CHAR_PX)) + 8


def _slider_layout(description: str) -> Any:
    w = _widgets()
    return w.Layout(width=f"{_label_px(description) + _SLIDER_TRACK_PX + _READOUT_PX}px")


def slider(description: str, value: float, min: float, max: float, step: float | None = None,
           *, readout_format: str = ".3g") -> Any:
    """A float slider that redraws while it is dragged (latest value wins)."""
    w = _widgets()
    if not (min <= value <= max):
        raise ValueError(f"slider {description!r}: value {value} must lie in [{min}, {max}]")
    return w.FloatSlider(
        value=value, min=min, max=max, step=step if step is not None else (max - min) / 100,
        description=description, continuous_update=True, readout_format=readout_format,
        style={"description_width": "initial"}, layout=_slider_layout(description),
    )


def int_slider(description: str, value: int, min: int, max: int, step: int = 1) -> Any:
    """An integer slider that redraws while it is dragged."""
    w = _widgets()
    if not (min <= value <= max):
        raise ValueError(f"slider {description!r}: value {value} must lie in [{min}, {max}]")
    return w.IntSlider(value=value, min=min, max=max, step=step, description=description,
                       continuous_update=True, style={"description_width": "initial"},
                       layout=_slider_layout(description))


def log_slider(description: str, value: float, min: float, max: float,
               *, steps_per_decade: int = 20, readout_format: str = ".3g") -> Any:
    """A slider on a log scale (for learning rates, ε, λ …); ``min``/``max`` are values, not exponents."""
    w = _widgets()
    if not (0 < min <= value <= max):
        raise ValueError(f"log slider {description!r}: need 0 < min <= value <= max, "
                         f"got min={min}, value={value}, max={max}")
    return w.FloatLogSlider(
        value=value, base=10, min=math.log10(min), max=math.log10(max),
        step=1.0 / steps_per_decade, description=description, continuous_update=True,
        readout_format=readout_format, style={"description_width": "initial"},
        layout=_slider_layout(description),
    )


def dropdown(description: str, options: Mapping[str, Any] | list[Any], value: Any = None) -> Any:
    """A drop-down menu; ``options`` is a list or a ``{label: value}`` mapping.

    As wide as its label and its longest option, so no option is cut off.
    """
    w = _widgets()
    opts = list(options.items()) if isinstance(options, Mapping) else list(options)
    longest = max((len(str(o[0] if isinstance(o, tuple) else o)) for o in opts), default=4)
    kwargs: dict[str, Any] = {
        "options": opts, "description": description,
        "style": {"description_width": "initial"},
        # the menu's arrow takes about 30 px
        "layout": w.Layout(width=f"{_label_px(description) + _label_px('x' * longest) + 34}px"),
    }
    if value is not None:
        kwargs["value"] = value
    return w.Dropdown(**kwargs)


def checkbox(description: str, value: bool = False) -> Any:
    """A check box, as wide as its label."""
    w = _widgets()
    return w.Checkbox(value=value, description=description, indent=False,
                      layout=w.Layout(width="auto"))


def toggle(description: str, options: list[Any], value: Any = None) -> Any:
    """A row of toggle buttons (one of several options), each as wide as its text."""
    w = _widgets()
    return w.ToggleButtons(options=options, value=value if value is not None else options[0],
                           description=description,
                           style={"description_width": "initial", "button_width": "auto"},
                           # the widget's own box is a block: its buttons would go on a line of
                           # their own, under the label
                           layout=w.Layout(display="flex", flex_flow="row nowrap",
                                           align_items="center", width="auto"))


def _snap(widget: Any, v: float) -> float:
    step = getattr(widget, "step", None)
    if step:
        v = widget.min + round((v - widget.min) / step) * step
    return min(max(v, widget.min), widget.max)


def on_grid(widget: Any, value: Any) -> Any:
    """The value a slider in the browser shows for ``value``: its nearest step.

    The browser's slider (noUiSlider) can only stand on its steps, and once the kernel gives it
    a value between two steps it sends the nearest step back as a change of its own: a log
    slider on the step of the exponent, a linear one on ``min + k·step``. Other controls, and
    values already on a step, come back unchanged.
    """
    kind = type(widget).__name__
    if kind == "FloatLogSlider" and isinstance(value, int | float) and value > 0:
        return widget.base ** _snap(widget, math.log(value, widget.base))
    if kind in ("FloatSlider", "IntSlider") and isinstance(value, int | float):
        snapped = _snap(widget, value)
        return int(round(snapped)) if isinstance(widget.value, int) else snapped
    return value


def alternative_values(widget: Any) -> list[Any]:
    """Two values a control can take other than its current one (where it has two others).

    Sliders get values at 30 % and 70 % of their range (snapped to the step; log sliders on
    the log scale), menus and toggles their other options, check boxes the other state. Tests
    and ``bench/explorers.py`` use it to move every control of every explorer.
    """
    kind = type(widget).__name__
    if kind == "FloatLogSlider":
        values = [widget.base ** _snap(widget, widget.min + f * (widget.max - widget.min)) for f in (0.3, 0.7)]
    elif hasattr(widget, "min") and hasattr(widget, "max") and not isinstance(widget.value, bool):
        values = [_snap(widget, widget.min + f * (widget.max - widget.min)) for f in (0.3, 0.7, 0.1, 0.9)]
        if isinstance(widget.value, int):
            values = [int(round(v)) for v in values]
    elif getattr(widget, "_options_values", None):
        values = list(widget._options_values)
    elif isinstance(widget.value, bool):
        values = [not widget.value]
    else:
        values = []
    out: list[Any] = []
    for v in values:
        if not _same(v, widget.value) and not any(_same(v, o) for o in out):
            out.append(v)
    return out[:2]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(b, bool):
        return abs(a - b) <= 1e-9 * max(1.0, abs(b))
    return bool(a == b)


# -- quiet changes ---------------------------------------------------------------------------

_retargeting = 0


@contextlib.contextmanager
def retargeting() -> Iterator[None]:
    """Change controls without redrawing: for an observer that reshapes another control.

    A function picker that gives the position slider the new function's window moves that
    slider from inside the picker's own change; the explorer redraws once, for the picker,
    after the slider has its new range and value (``explorers._window.follow_window``).
    """
    global _retargeting
    _retargeting += 1
    try:
        yield
    finally:
        _retargeting -= 1


@functools.cache
def _blas_controller() -> Any:
    # the BLAS libraries loaded by then (numpy's, which this module imports) are the ones limited
    import threadpoolctl

    return threadpoolctl.ThreadpoolController().select(user_api="blas")


def one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """A context in which BLAS (NumPy's OpenBLAS, or MKL) uses one thread, restored on exit.

    An explorer's redraw multiplies small matrices, which gain nothing from a second thread,
    and a BLAS worker left spinning after a call competes with the browser for the CPU (see the
    module docstring). Scoped, so a learner's own code keeps every thread. Costs about 7 µs.
    """
    return _blas_controller().limit(limits=1)


_NOTHING = object()
#: held while any explorer draws (see ``Explorer.__init__``)
_DRAWING = threading.RLock()


def _from_browser(change: Any) -> bool:
    """Whether a control's change came from the browser, not from a cell's or a test's code.

    ipywidgets applies a message from the browser with the traits it sets locked
    (``Widget.set_state`` → ``Widget._property_lock``, in ipywidgets 7 and 8).
    """
    lock = getattr(change["owner"], "_property_lock", None)
    return bool(lock) and change["name"] in lock


def _running_loop() -> Any:
    """The asyncio loop running this call (the kernel's, in a comm handler), or ``None``."""
    import asyncio

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


# -- pixels and PNG ----------------------------------------------------------------------------

def figure_rgba(figure: Figure, dpi: float) -> np.ndarray:
    """The figure rendered at ``dpi`` by Agg, as an ``(h, w, 4)`` uint8 array.

    A figure with a ``render_rgba`` method (a ``LayeredFigure``) renders itself, redrawing only
    what changed; any other figure is drawn in full. The array may be a view of the canvas'
    buffer: encode or copy it before the next draw.
    """
    render = getattr(figure, "render_rgba", None)
    if render is not None:
        return np.asarray(render(dpi))
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if float(figure.dpi) != float(dpi):
        figure.set_dpi(dpi)
    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


_ADLER_BASE = 65521
# Images larger than this are deflated in two halves on two threads (zlib releases the GIL).
_PARALLEL_BYTES = 1 << 20
_pool: Any = None


def _adler32_combine(adler1: int, adler2: int, len2: int) -> int:
    """zlib's ``adler32_combine``: the checksum of A + B from those of A and B."""
    rem = len2 % _ADLER_BASE
    sum1 = adler1 & 0xFFFF
    sum2 = (rem * sum1) % _ADLER_BASE
    sum1 += (adler2 & 0xFFFF) + _ADLER_BASE - 1
    sum2 += ((adler1 >> 16) & 0xFFFF) + ((adler2 >> 16) & 0xFFFF) + _ADLER_BASE - rem
    sum1 %= _ADLER_BASE
    sum2 %= _ADLER_BASE
    return sum1 | (sum2 << 16)


def _deflate_rows(img: np.ndarray, lo: int, hi: int, level: int, last: bool) -> tuple[bytes, int, int]:
    """Rows ``lo:hi`` as PNG scanlines (filter byte 0), raw-deflated; with their Adler-32."""
    rows = img[lo:hi]
    h, w, c = rows.shape
    raw = np.empty((h, w * c + 1), dtype=np.uint8)
    raw[:, 0] = 0                                    # filter type "None"
    raw[:, 1:] = rows.reshape(h, w * c)
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    # a sync flush ends this part on a byte boundary: the next part's blocks follow it
    data = packer.compress(raw) + packer.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)
    return data, zlib.adler32(raw), raw.size


def _zlib_stream(img: np.ndarray, level: int) -> bytes:
    """The IDAT payload of ``img``: a zlib stream of its scanlines, deflated in parallel parts."""
    global _pool
    h = img.shape[0]
    parts = 2 if img.nbytes >= _PARALLEL_BYTES and h >= 2 and (os.cpu_count() or 1) > 1 else 1
    cuts = [round(h * i / parts) for i in range(parts + 1)]
    jobs = [(img, cuts[i], cuts[i + 1], level, i == parts - 1) for i in range(parts)]
    if parts == 1:
        done = [_deflate_rows(*jobs[0])]
    else:
        if _pool is None:
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="gd-png")
        done = list(_pool.map(lambda job: _deflate_rows(*job), jobs))
    adler = 1
    for _, part_adler, size in done:
        adler = _adler32_combine(adler, part_adler, size)
    # zlib header: deflate, 32 K window, no preset dictionary (0x78 0x01 passes the FCHECK)
    return b"\x78\x01" + b"".join(d for d, _, _ in done) + struct.pack(">I", adler)


def encode_png(rgba: np.ndarray, *, text: Mapping[str, str] | None = None, level: int = 1) -> bytes:
    """A PNG of an ``(h, w, 4)`` RGBA (or ``(h, w, 3)`` RGB) uint8 image, fast.

    Rows are stored unfiltered and deflated at ``level`` (1: fastest), in two halves on two
    threads for large images. Measured on explorer frames (1.2–2.5 Mpx): Pillow's adaptive
    filter search is 3–6× slower for 5–15 % fewer bytes; dropping the alpha channel makes the
    data a quarter smaller but costs a strided copy that takes longer than deflating the
    difference. ``text`` becomes ``tEXt`` chunks (Latin-1 keywords and values).
    """
    img = np.ascontiguousarray(rgba)
    if img.ndim != 3 or img.shape[2] not in (3, 4) or img.dtype != np.uint8:
        raise ValueError(f"expected an (h, w, 3|4) uint8 image, got {img.shape} {img.dtype}")
    h, w, channels = img.shape
    colour_type = 6 if channels == 4 else 2
    head = struct.pack(">IIBBBBB", w, h, 8, colour_type, 0, 0, 0)   # 8-bit, deflate, no interlace
    chunks = [b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", head)]
    for key, value in (text or {}).items():
        chunks.append(_chunk(b"tEXt", key.encode("latin-1") + b"\0" + value.encode("latin-1")))
    chunks += [_chunk(b"IDAT", _zlib_stream(img, level)), _chunk(b"IEND", b"")]
    return b"".join(chunks)


def png_text(png: bytes) -> dict[str, str]:
    """The ``tEXt`` chunks of a PNG, as ``{keyword: text}``."""
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG")
    out: dict[str, str] = {}
    pos = 8
    while pos + 8 <= len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind = png[pos + 4:pos + 8]
        if kind == b"tEXt":
            key, _, value = png[pos + 8:pos + 8 + length].partition(b"\0")
            out[key.decode("latin-1")] = value.decode("latin-1")
        if kind == b"IEND":
            break
        pos += 12 + length
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


class Explorer:
    """An interactive figure driven by controls.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        Built once by the factory (use ``Figure(...)``, not ``plt.figure``, so the inline backend
        does not display it a second time). A ``LayeredFigure`` redraws only its dynamic layer.
    controls : mapping of str to ipywidgets value widget
        The names are the keys of the ``values`` dict passed to ``update``.
    update : callable
        ``update(values) -> state``: moves the figure's artists to match ``values`` and returns
        the data it drew (arrays, numbers) for tests and curious learners.
    actions : mapping of str to callable, optional
        Buttons: ``{label: action(explorer)}``. An action may change ``explorer.memory`` (state
        that persists between draws, e.g. the iterate of a one-step button) or set controls;
        the figure is redrawn after it (once).
    static : bool, optional
        Force the static view (default: static while nbgrader executes the notebook).
    caption : str, optional
        A line of text shown under the controls.

    Attributes
    ----------
    state : dict
        What the last ``update`` returned.
    memory : dict
        Free-form state kept across draws (owned by the factory's ``update`` and actions).
    n_draws : int
        How many times the figure was redrawn.
    last_draw_seconds : float
        Kernel-side seconds of the last redraw: ``update``, rendering and PNG encoding.
    timings : dict
        The same redraw split into ``update``, ``render`` and ``encode`` seconds.
    drawn_values : dict
        The control values the current image was drawn from (also in the PNG's ``gd:values``).
    css_size : (int, int)
        The image's natural size in CSS pixels (the PNG is :data:`SCALE` times larger).
    """

    def __init__(
        self,
        figure: Figure,
        controls: Mapping[str, Any],
        update: UpdateFn,
        *,
        actions: Mapping[str, ActionFn] | None = None,
        static: bool | None = None,
        caption: str | None = None,
    ) -> None:
        if not isinstance(figure, Figure):
            raise ValueError(f"figure must be a matplotlib Figure, got {type(figure).__name__}")
        self.figure = figure
        self.controls: dict[str, Any] = dict(controls)
        self.actions: dict[str, ActionFn] = dict(actions or {})
        self.caption = caption
        self.static = grading() if static is None else bool(static)
        self.memory: dict[str, Any] = {}
        self.state: dict[str, Any] = {}
        self.drawn_values: dict[str, Any] = {}
        self.n_draws = 0
        self.last_draw_seconds = float("nan")
        self.timings: dict[str, float] = {}
        self._update = update
        self._image: Any = None
        self._buttons: dict[str, Any] = {}
        self._box: Any = None
        self._png: bytes = b""
        self._holding = False
        self._sent_at = -math.inf          # perf_counter() when the last frame went out
        self._settle: Any = None           # the pending full-resolution frame after a drag
        self._draft_handle: Any = None     # the pending draft of a drag (drawn after idle)
        # values the browser's sliders will send back after ``set`` gave them a value between
        # two steps: {control name: (the step it will send, until when it is expected)}
        self._echoes: dict[str, tuple[Any, float]] = {}
        self._prewarm_handle: Any = None   # the pending draft-resolution static layer
        self._closed = False
        # one drawing at a time, across every explorer: a cell's ``set`` and the pre-render run
        # in the main thread, a slider's change in ipykernel's subshell thread, and matplotlib
        # is not thread-safe (its text renders through FreeType faces shared by all figures:
        # two explorers drawing at once failed with "FT_Load_Glyph ... invalid outline")
        self._lock = _DRAWING
        #: whether the current image is a draft (drawn at DRAFT_SCALE during a drag)
        self.draft = False
        self.redraw()
        if not self.static:
            for widget in self.controls.values():
                widget.observe(self._on_change, names="value")

    # -- values and drawing -------------------------------------------------------------------

    @property
    def values(self) -> dict[str, Any]:
        """The controls' current values, by name."""
        return {name: w.value for name, w in self.controls.items()}

    @property
    def css_size(self) -> tuple[int, int]:
        w, h = self.figure.get_size_inches()
        return int(round(w * CSS_DPI)), int(round(h * CSS_DPI))

    def redraw(self, *, draft: bool = False) -> None:
        """Call ``update`` with the current values and refresh the image.

        ``draft=True`` renders at :data:`DRAFT_SCALE` instead of :data:`SCALE` (the frames of a
        drag; the image keeps its size on the page).
        """
        with self._lock, one_blas_thread():
            self._cancel_settle()
            start = time.perf_counter()
            values = self.values
            self.state = dict(self._update(values) or {})
            self.drawn_values = {k: _jsonable(v) for k, v in values.items()}
            self._publish(start, time.perf_counter(), draft)

    def _publish(self, start: float, drawn: float, draft: bool) -> None:
        """Render the figure as it stands, encode it and show it (the last part of a redraw)."""
        scale = DRAFT_SCALE if draft else SCALE
        rgba = figure_rgba(self.figure, CSS_DPI * scale)
        rendered = time.perf_counter()
        # as [name, value] pairs: the controls' order is the order they are shown in
        text = {VALUES_KEY: json.dumps({"n": self.n_draws + 1, "scale": scale,
                                        "values": [[k, v] for k, v in self.drawn_values.items()]})}
        # the static image is kept in the notebook file: spend a little more on making it small
        self._png = encode_png(rgba, text=text, level=6 if self.static else 1)
        self.draft = draft
        if self._image is not None:
            self._image.value = self._png
        self.n_draws += 1
        end = time.perf_counter()
        self._sent_at = end
        self.timings = {"update": drawn - start, "render": rendered - drawn, "encode": end - rendered}
        self.last_draw_seconds = end - start

    def _cancel_settle(self) -> None:
        if self._settle is not None:
            self._settle.cancel()
            self._settle = None

    def _settled(self) -> None:
        """The values stopped moving: show the draft's frame again at full resolution (the
        figure's artists still hold it, so ``update`` is not called again)."""
        with self._lock:
            self._settle = None
            if self.draft and not self._closed:
                now = time.perf_counter()
                with one_blas_thread():
                    self._publish(now, now, draft=False)

    def _prewarm(self, loop: Any = None) -> None:
        """Render the static layer at the draft resolution (nothing is shown). A redraw under
        way is not waited for: the pre-render tries again ``PREWARM_S`` later on ``loop``."""
        self._prewarm_handle = None
        if self._closed:
            return
        if not self._lock.acquire(blocking=False):
            if loop is not None:
                self._prewarm_handle = loop.call_later(PREWARM_S, self._prewarm, loop)
            return
        try:
            with one_blas_thread():
                figure_rgba(self.figure, CSS_DPI * DRAFT_SCALE)
        finally:
            self._lock.release()

    @property
    def png(self) -> bytes:
        """The PNG bytes of the current figure (rendered at :data:`DPI`)."""
        return self._png

    def _on_change(self, change: Any) -> None:
        if self._holding or _retargeting:
            return
        browser = _from_browser(change)
        name = next((n for n, w in self.controls.items() if w is change["owner"]), None)
        if self._echoes and self._is_echo(name, change["new"], browser):
            return
        if browser and self._drawn_already(name, change["new"]):
            return
        # Only the browser drags: a cell's or a test's assignment is drawn at once, in full.
        # A draft needs the kernel's event loop: it is drawn on the loop's next turn, and the
        # full frame follows on the loop once the drag stops.
        loop = _running_loop() if browser else None
        dragging = loop is not None and (self._draft_handle is not None
                                         or time.perf_counter() - self._sent_at < DRAG_GAP_S)
        if not dragging:
            self.redraw()
            return
        # Return at once and draw on the loop's next turn: the kernel reports idle as soon as
        # this handler returns, so the browser sends the drag's next value while this frame is
        # drawn instead of after it. A draft already waiting reads the values when it runs, so
        # values that arrive meanwhile are merged into it (latest wins).
        self._cancel_settle()
        if self._draft_handle is None:
            self._draft_handle = loop.call_soon(self._draw_draft, loop)

    def _is_echo(self, name: str | None, new: Any, browser: bool) -> bool:
        """Whether control ``name`` changing to ``new`` is the browser's slider sending back the
        step nearest to a value ``set`` gave it (the figure shows the exact value: no redraw).
        Any other change forgets the echoes still expected, so a learner's own move is never
        mistaken for one."""
        expected = self._echoes.pop(name, None) if name is not None else None
        if (browser and expected is not None and time.monotonic() < expected[1]
                and _same(new, expected[0])):
            return True
        self._echoes.clear()
        return False

    def _drawn_already(self, name: str | None, new: Any) -> bool:
        """Whether the browser sent a value the figure already shows, up to rounding: a slider
        view sends 0.9000000000000001 back for 0.9 once it is shown (its steps are computed in
        JavaScript), which would redraw every explorer of a notebook after Run All."""
        drawn = self.drawn_values.get(name, _NOTHING) if name is not None else _NOTHING
        return (isinstance(drawn, int | float) and not isinstance(drawn, bool)
                and isinstance(new, int | float) and not isinstance(new, bool)
                and _same(new, drawn))

    def _draw_draft(self, loop: Any) -> None:
        self._draft_handle = None
        if self._closed:
            return
        self.redraw(draft=True)
        self._settle = loop.call_later(SETTLE_S, self._settled)

    def set(self, **values: Any) -> None:
        """Set controls by name, as a learner would, then redraw once.

        A slider given a value between two of its steps (a computed optimum, say) shows the
        nearest step in the browser, which sends that step back as a change; the figure keeps
        the exact value (see :func:`on_grid`), until the next change of any control.

        Raises ``ValueError`` for an unknown control name or a value the control rejects.
        """
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; this explorer has "
                             f"{sorted(self.controls)}")
        self._holding = True
        try:
            for name, value in values.items():
                widget = self.controls[name]
                try:
                    widget.value = value
                except Exception as exc:  # traitlets.TraitError for a value outside the options
                    raise ValueError(f"control {name!r} rejected the value {value!r}: {exc}") from exc
                if not _same(widget.value, value):
                    # sliders clamp silently; a test or a learner asking for 5 on a 0..1 slider
                    # should hear about it
                    raise ValueError(f"control {name!r} cannot take {value!r} (it became "
                                     f"{widget.value!r}: outside its range?)")
                step = on_grid(widget, value)
                if not _same(step, value):
                    self._echoes[name] = (step, time.monotonic() + ECHO_S)
                else:
                    self._echoes.pop(name, None)
        finally:
            self._holding = False
        self.redraw()

    def press(self, label: str) -> None:
        """Press the button called ``label``, then redraw (once: not again after an action
        that set controls, which redrew already)."""
        if label not in self.actions:
            raise ValueError(f"no button {label!r}; this explorer has {sorted(self.actions)}")
        before = self.n_draws
        self.actions[label](self)
        if self.n_draws == before or self.memory:
            # an action that changed memory may have redrawn before changing it
            self.redraw()

    # -- display ------------------------------------------------------------------------------

    @property
    def widget(self) -> Any:
        """The ipywidgets container: controls, buttons, caption and the figure's image."""
        if self._box is None:
            w = _widgets()
            css_w, _ = self.css_size
            # natural size, never stretched to the cell (see the module's docstring); a cell
            # narrower than the figure shrinks it, keeping its proportions
            self._image = w.Image(value=self._png, format="png",
                                  layout=w.Layout(width=f"{css_w}px", max_width="100%",
                                                  height="auto"))
            self._image.add_class("gd-figure")
            for label in self.actions:
                button = w.Button(description=label, layout=w.Layout(width="auto"))
                button.on_click(lambda _b, label=label: self.press(label))
                self._buttons[label] = button
            # controls flow in rows as wide as the figure (at least 600 px), each at its
            # natural width: nothing truncated, nothing wrapped inside a control
            items = list(self.controls.values()) + list(self._buttons.values())
            for item in items:
                item.layout.margin = "2px 16px 2px 0"
            controls = w.Box(items, layout=w.Layout(display="flex", flex_flow="row wrap",
                                                    align_items="center",
                                                    width=f"{max(css_w, 600)}px",
                                                    max_width="100%"))
            controls.add_class("gd-controls")
            rows: list[Any] = [controls]
            if self.caption:
                caption = w.HTML(f"<small>{self.caption}</small>",
                                 layout=w.Layout(width=f"{max(css_w, 600)}px", max_width="100%"))
                caption.add_class("gd-caption")
                rows.append(caption)
            rows.append(self._image)
            self._box = w.VBox(rows)
            self._box.add_class("gd-explorer")
        return self._box

    def _ipython_display_(self) -> None:
        from IPython.display import Image, Markdown, display

        if self.static:
            # at its natural size: the PNG is SCALE times larger, for sharp text
            display(Image(data=self._png, format="png", width=self.css_size[0]))
            display(Markdown("*Static view: the controls are switched off while nbgrader runs "
                             "this notebook.*"))
        else:
            display(self.widget)
            loop = _running_loop()
            layered = hasattr(self.figure, "render_rgba")
            if loop is not None and layered and DRAFT_SCALE != SCALE and self._prewarm_handle is None:
                self._prewarm_handle = loop.call_later(PREWARM_S, self._prewarm, loop)

    def close(self) -> None:
        """Close the widgets (frees the kernel-side comms)."""
        self._closed = True
        self._cancel_settle()
        if self._draft_handle is not None:
            self._draft_handle.cancel()
            self._draft_handle = None
        if self._prewarm_handle is not None:
            self._prewarm_handle.cancel()
            self._prewarm_handle = None
        if self._box is not None:
            self._box.close()
        for widget in self.controls.values():
            widget.close()

    def __repr__(self) -> str:
        vals = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"Explorer({vals}; {self.n_draws} draws)"
