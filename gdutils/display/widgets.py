"""The widget explorer: controls that redraw one figure, with state pytest can inspect.

Every interactive figure in the course is an :class:`Explorer`. A factory (in
:mod:`gdutils.explorers`) builds a matplotlib ``Figure`` once, the controls, and an ``update``
function that moves the figure's artists to match the controls' values and returns the data it
drew. The explorer wires them together:

* in JupyterLab it shows the controls above a PNG image of the figure; changing a control calls
  ``update`` and replaces the image (no flicker, no new figure per change);
* under nbgrader (``NBGRADER_EXECUTION`` set) or with ``static=True`` it shows one static image
  drawn with the default values and displays no widgets, so grading never waits on a browser;
* in tests, ``explorer.set(lr=0.3)`` or ``explorer.press("step")`` changes a control exactly as a
  learner would, and ``explorer.state`` holds the data of the last draw.

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

import io
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

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
]

UpdateFn = Callable[[dict[str, Any]], dict[str, Any]]
ActionFn = Callable[["Explorer"], None]

# PNG resolution of explorer images: sharp enough on a laptop screen, cheap enough to redraw in
# well under 0.15 s.
DPI = 90


def grading() -> bool:
    """True while nbgrader executes the notebook (it sets ``NBGRADER_EXECUTION``)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def _widgets() -> Any:
    import ipywidgets

    return ipywidgets


def slider(description: str, value: float, min: float, max: float, step: float | None = None,
           *, readout_format: str = ".3g") -> Any:
    """A float slider that redraws on release (``continuous_update=False``)."""
    w = _widgets()
    if not (min <= value <= max):
        raise ValueError(f"slider {description!r}: value {value} must lie in [{min}, {max}]")
    return w.FloatSlider(
        value=value, min=min, max=max, step=step if step is not None else (max - min) / 100,
        description=description, continuous_update=False, readout_format=readout_format,
        style={"description_width": "initial"},
    )


def int_slider(description: str, value: int, min: int, max: int, step: int = 1) -> Any:
    """An integer slider that redraws on release."""
    w = _widgets()
    if not (min <= value <= max):
        raise ValueError(f"slider {description!r}: value {value} must lie in [{min}, {max}]")
    return w.IntSlider(value=value, min=min, max=max, step=step, description=description,
                       continuous_update=False, style={"description_width": "initial"})


def log_slider(description: str, value: float, min: float, max: float,
               *, steps_per_decade: int = 20, readout_format: str = ".3g") -> Any:
    """A slider on a log scale (for learning rates, ε, λ …); ``min``/``max`` are values, not exponents."""
    import math

    w = _widgets()
    if not (0 < min <= value <= max):
        raise ValueError(f"log slider {description!r}: need 0 < min <= value <= max, "
                         f"got min={min}, value={value}, max={max}")
    return w.FloatLogSlider(
        value=value, base=10, min=math.log10(min), max=math.log10(max),
        step=1.0 / steps_per_decade, description=description, continuous_update=False,
        readout_format=readout_format, style={"description_width": "initial"},
    )


def dropdown(description: str, options: Mapping[str, Any] | list[Any], value: Any = None) -> Any:
    """A drop-down menu; ``options`` is a list or a ``{label: value}`` mapping."""
    w = _widgets()
    opts = list(options.items()) if isinstance(options, Mapping) else list(options)
    kwargs: dict[str, Any] = {"options": opts, "description": description,
                              "style": {"description_width": "initial"}}
    if value is not None:
        kwargs["value"] = value
    return w.Dropdown(**kwargs)


def checkbox(description: str, value: bool = False) -> Any:
    """A check box."""
    return _widgets().Checkbox(value=value, description=description, indent=False)


def toggle(description: str, options: list[Any], value: Any = None) -> Any:
    """A row of toggle buttons (one of several options)."""
    w = _widgets()
    return w.ToggleButtons(options=options, value=value if value is not None else options[0],
                           description=description, style={"description_width": "initial"})


def _snap(widget: Any, v: float) -> float:
    step = getattr(widget, "step", None)
    if step:
        v = widget.min + round((v - widget.min) / step) * step
    return min(max(v, widget.min), widget.max)


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


class Explorer:
    """An interactive figure driven by controls.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        Built once by the factory (use ``Figure(...)``, not ``plt.figure``, so the inline backend
        does not display it a second time).
    controls : mapping of str to ipywidgets value widget
        The names are the keys of the ``values`` dict passed to ``update``.
    update : callable
        ``update(values) -> state``: moves the figure's artists to match ``values`` and returns
        the data it drew (arrays, numbers) for tests and curious learners.
    actions : mapping of str to callable, optional
        Buttons: ``{label: action(explorer)}``. An action may change ``explorer.memory`` (state
        that persists between draws, e.g. the iterate of a one-step button) and is followed by a
        redraw.
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
        Kernel-side seconds of the last redraw, PNG encoding included.
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
        self.n_draws = 0
        self.last_draw_seconds = float("nan")
        self._update = update
        self._image: Any = None
        self._buttons: dict[str, Any] = {}
        self._box: Any = None
        self._png: bytes = b""
        self._holding = False
        self.redraw()
        if not self.static:
            for widget in self.controls.values():
                widget.observe(self._on_change, names="value")

    # -- values and drawing -------------------------------------------------------------------

    @property
    def values(self) -> dict[str, Any]:
        """The controls' current values, by name."""
        return {name: w.value for name, w in self.controls.items()}

    def redraw(self) -> None:
        """Call ``update`` with the current values and refresh the image."""
        start = time.perf_counter()
        self.state = dict(self._update(self.values) or {})
        self._png = self._render_png()
        if self._image is not None:
            self._image.value = self._png
        self.n_draws += 1
        self.last_draw_seconds = time.perf_counter() - start

    def _render_png(self) -> bytes:
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=DPI)
        return buf.getvalue()

    @property
    def png(self) -> bytes:
        """The PNG bytes of the current figure."""
        return self._png

    def _on_change(self, _change: Any) -> None:
        if not self._holding:
            self.redraw()

    def set(self, **values: Any) -> None:
        """Set controls by name, as a learner would, then redraw once.

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
        finally:
            self._holding = False
        self.redraw()

    def press(self, label: str) -> None:
        """Press the button called ``label``, then redraw."""
        if label not in self.actions:
            raise ValueError(f"no button {label!r}; this explorer has {sorted(self.actions)}")
        self.actions[label](self)
        self.redraw()

    # -- display ------------------------------------------------------------------------------

    @property
    def widget(self) -> Any:
        """The ipywidgets container (controls, buttons and image)."""
        if self._box is None:
            w = _widgets()
            self._image = w.Image(value=self._png, format="png",
                                  layout=w.Layout(max_width="100%", height="auto"))
            for label in self.actions:
                button = w.Button(description=label)
                button.on_click(lambda _b, label=label: self.press(label))
                self._buttons[label] = button
            rows: list[Any] = []
            controls = list(self.controls.values())
            for i in range(0, len(controls), 3):
                rows.append(w.HBox(controls[i:i + 3]))
            if self._buttons:
                rows.append(w.HBox(list(self._buttons.values())))
            if self.caption:
                rows.append(w.HTML(f"<small>{self.caption}</small>"))
            rows.append(self._image)
            self._box = w.VBox(rows)
        return self._box

    def _ipython_display_(self) -> None:
        from IPython.display import Image, Markdown, display

        if self.static:
            display(Image(data=self._png, format="png"))
            display(Markdown("*Static view: the controls are switched off while nbgrader runs "
                             "this notebook.*"))
        else:
            display(self.widget)

    def close(self) -> None:
        """Close the widgets (frees the kernel-side comms)."""
        if self._box is not None:
            self._box.close()
        for widget in self.controls.values():
            widget.close()

    def __repr__(self) -> str:
        vals = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"Explorer({vals}; {self.n_draws} draws)"
