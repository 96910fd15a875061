"""Every explorer in gdutils.explorers, whoever wrote it, keeps the same promises.

* Under nbgrader (``NBGRADER_EXECUTION``) it shows exactly one static image and no widget.
* Interactively, every control changes the figure it drives, and sliders redraw while dragged.
* Every panel has a title and labelled axes.

New explorers are found by :func:`gdutils.display.explorers.factories`, so they are covered from the day
they exist.
"""

from __future__ import annotations

from typing import Any

import IPython.display
import pytest

from gdutils import explorers, widgets

FACTORIES = explorers.factories()


def test_there_are_explorers_for_the_course() -> None:
    assert len(FACTORIES) >= 12


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_static_under_nbgrader_shows_one_image(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    ex = FACTORIES[name]()
    assert ex.static and ex.n_draws == 1
    shown: list = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    ex._ipython_display_()
    images = [o for o in shown if isinstance(o, IPython.display.Image)]
    assert len(images) == 1 and images[0].data == ex.png and ex.png.startswith(b"\x89PNG")
    assert not any(type(o).__module__.startswith("ipywidgets") for o in shown)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_control_changes_the_figure(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    ex = _make(FACTORIES[name])
    assert not ex.static
    assert ex.controls, "an explorer needs at least one control"
    inert = []
    for control, widget in ex.controls.items():
        if hasattr(widget, "continuous_update"):
            assert widget.continuous_update is True, f"{control}: sliders must follow a drag"
        assert widgets.alternative_values(widget), f"{control}: no other value to try"
        if not _moves_the_figure(FACTORIES[name], control):
            inert.append(control)
    assert not inert, f"moving {inert} did not change the figure"


def _moves_the_figure(factory, control: str) -> bool:
    """Does moving ``control`` change the picture, in at least one reachable state?

    A control may act only in some states: λ needs "L2 penalty" ticked, the penalty needs a λ
    large enough to see, more steps change nothing once a run has converged. So try its other
    values from the defaults, then with every check box flipped, then with every other control
    moved — each time on a fresh explorer, because some controls reshape others (a slider whose
    range follows the chosen function).
    """
    probe = _make(factory)
    defaults = probe.values
    flipped = {c: not v for c, v in defaults.items() if isinstance(v, bool) and c != control}
    moved = {c: widgets.alternative_values(w)[0] for c, w in probe.controls.items()
             if c != control and widgets.alternative_values(w)}
    for changes in ({}, flipped, moved):
        for value in widgets.alternative_values(probe.controls[control]):
            ex = probe if not changes and value is widgets.alternative_values(probe.controls[control])[0] else _make(factory)
            try:
                for c, v in changes.items():  # one at a time, in order
                    ex.set(**{c: v})
                before = ex.png
                ex.set(**{control: value})
            except ValueError:  # not reachable in this state (a range that follows a choice)
                continue
            if ex.png != before:
                return True
    return False


def _make(factory):
    return factory(static=False) if "static" in factory.__code__.co_varnames else factory()


def _is_twin(ax, figure) -> bool:
    box = ax.get_position().bounds
    return any(other is not ax and other.get_position().bounds == box for other in figure.axes)


def _is_diagram(ax) -> bool:
    return not ax.get_xticks().size and not ax.get_yticks().size


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_panel_is_titled_and_labelled(name: str) -> None:
    ex = FACTORIES[name]()
    for ax in ex.figure.axes:
        if not ax.get_visible() or not ax.axison or ax.get_label() == "<colorbar>":
            continue
        title = ax.get_title() or ax.get_title("left") or ax.get_title("right")
        if _is_twin(ax, ex.figure):  # a second y axis on a titled panel
            assert ax.get_ylabel(), f"{name}: a twin axis without a label"
            continue
        assert title or ex.figure.get_suptitle(), f"{name}: a panel without a title"
        if _is_diagram(ax):  # boxes and arrows, no scale: a title is what it needs
            continue
        assert ax.get_xlabel() and ax.get_ylabel(), f"{name}: panel {title!r} lacks an axis label"


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_frame_equals_a_fresh_full_render(name: str) -> None:
    """A frame drawn over a cached static layer is, pixel for pixel, the frame a full draw gives.

    The static layer must hold nothing a control changes; explorers without a
    :class:`LayeredFigure` draw in full anyway and pass trivially.
    """
    import io

    import numpy as np
    from PIL import Image

    factory = FACTORIES[name]
    ex = factory(static=True) if "static" in factory.__code__.co_varnames else factory()
    render = getattr(ex.figure, "render_rgba", None)
    if render is None:
        return

    def assert_frame_is_a_full_draw(what: str) -> None:
        frame = np.asarray(Image.open(io.BytesIO(ex.png)).convert("RGBA"))
        fresh = render(widgets.DPI, cached=False)
        assert frame.shape == fresh.shape, what
        differ = int(np.any(frame != fresh, axis=2).sum())
        assert differ == 0, f"{what}: {differ} pixels differ from a full draw"

    assert_frame_is_a_full_draw("the first frame")
    for control, widget in ex.controls.items():
        for value in widgets.alternative_values(widget):
            ex.set(**{control: value})
            assert_frame_is_a_full_draw(f"{control} = {value!r}")
        # a drag's drafts are drawn at another resolution, then the settled frame at this one
        ex.redraw(draft=True)
        ex.redraw()
        assert_frame_is_a_full_draw(f"{control}: a full frame after a draft")


def _changing_texts(fig) -> dict[int, Any]:
    """The figure's texts that are not tick labels (a log axis's ``$10^{k}$`` labels are a
    handful of strings, each parsed once and cached by matplotlib), by identity."""
    from matplotlib.text import Text

    ticks = {id(label) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
             for tick in (*axis.majorTicks, *axis.minorTicks) for label in (tick.label1, tick.label2)}
    return {id(t): t for t in fig.findobj(Text) if id(t) not in ticks}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_a_text_a_control_changes_is_plain_text(name: str) -> None:
    """Texts that change with a slider (titles with numbers, verdicts) are Unicode, not
    mathtext: matplotlib parses every new mathtext string, about 10 ms, a third of a frame of a
    drag. A menu's or a toggle's few texts are parsed once each and cached by matplotlib, and
    static labels are drawn once into the static layer: they keep their mathtext."""
    from matplotlib import cbook

    ex = _make(FACTORIES[name])
    texts = _changing_texts(ex.figure)
    before = {k: t.get_text() for k, t in texts.items()}
    mathtext = set()
    for control, widget in ex.controls.items():
        slider = hasattr(widget, "continuous_update")
        for value in widgets.alternative_values(widget)[:2]:
            try:
                ex.set(**{control: value})
            except ValueError:
                continue
            for k, t in _changing_texts(ex.figure).items():
                s = t.get_text()
                if (slider and s != before.get(k) and t.get_parse_math()
                        and cbook.is_math_text(s)):
                    mathtext.add(f"{control}: {s!r}")
                before[k] = s
    assert not mathtext, f"{name}: texts that change with a slider are mathtext: {sorted(mathtext)}"
