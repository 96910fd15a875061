"""Every control of every explorer shows a full, non-empty label in JupyterLab.

What a learner sees of a control's text, in ipywidgets 8 (``@jupyter-widgets/controls``):

* a slider, menu or row of toggle buttons shows its ``description`` on its left, in a
  ``.widget-label`` that is hidden when the description is empty and cut with an ellipsis at
  ``style.description_width`` (80 px unless set; ``"initial"`` is the text's natural width);
* a check box shows its ``description`` on its *right*, in a span inside a
  ``.widget-label-basic`` (overflow hidden, ellipsis) as wide as the widget's layout lets it be
  (300 px by default); the label on its left only holds a zero-width space, for the indentation;
* a toggle button shows its option's text, cut at ``style.button_width``; a menu shows the
  chosen option's text;
* an action button shows its ``description``.

A text made only of spaces or zero-width characters is no label. Widths are estimated from the
text's length at a little under the widgets' 13 px font, so the checks never ask for more room
than the text needs. New explorers are found by :func:`gdutils.display.explorers.factories`.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from gdutils import explorers

FACTORIES = explorers.factories()

# characters that take no room on screen: a label made of these (and spaces) is empty
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# widths that let a text take its natural size
_NATURAL = {"initial", "auto", "max-content", "fit-content"}
# a lower bound of the widgets' 13 px sans-serif, per character (so: never too strict)
_MIN_CHAR_PX = 5.5
# the defaults of ipywidgets' style sheet (--jp-widgets-inline-label-width, -inline-width)
_DEFAULT_LABEL_PX = 80
_DEFAULT_INLINE_PX = 300


def _shown(text: Any) -> str:
    return str(text or "").translate(_INVISIBLE).strip()


def _px(width: Any, default: float) -> float:
    """A CSS width as pixels: inf for a natural width, ``default`` when unset."""
    w = str(width or "").strip()
    if not w:
        return default
    if w in _NATURAL:
        return float("inf")
    m = re.fullmatch(r"([0-9.]+)px", w)
    # a percentage or a calc() depends on the page: not a cut this test can decide
    return float(m.group(1)) if m else float("inf")


def _needs_px(text: str) -> float:
    return len(text) * _MIN_CHAR_PX


def _label_problems(name: str, widget: Any) -> list[str]:
    kind = type(widget).__name__
    description = _shown(getattr(widget, "description", ""))
    problems = []
    if not description:
        problems.append(f"{name!r} ({kind}): empty description {widget.description!r}")
    elif kind == "Checkbox":
        room = _px(widget.layout.width, _DEFAULT_INLINE_PX) - 20   # the box and its margin
        if room < _needs_px(description):
            problems.append(f"{name!r}: check box text {description!r} cut at {room:.0f} px")
    else:
        room = _px(getattr(widget.style, "description_width", ""), _DEFAULT_LABEL_PX)
        if room < _needs_px(description):
            problems.append(f"{name!r}: description {description!r} cut at {room:.0f} px")
    if kind in ("ToggleButtons", "Dropdown"):
        options = [str(label) for label in widget._options_labels]
        empty = [o for o in options if not _shown(o)]
        if empty:
            problems.append(f"{name!r}: options without text {empty!r}")
    if kind == "ToggleButtons":
        room = _px(getattr(widget.style, "button_width", ""), float("inf")) - 16
        cut = [o for o in widget._options_labels if room < _needs_px(str(o))]
        if cut:
            problems.append(f"{name!r}: toggle buttons {cut!r} cut at {room:.0f} px")
    return problems


def _make(factory):
    return factory(static=False) if "static" in factory.__code__.co_varnames else factory()


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_control_shows_a_full_label(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    ex = _make(FACTORIES[name])
    try:
        problems = [p for control, widget in ex.controls.items()
                    for p in _label_problems(control, widget)]
        problems += [f"button {label!r}: no text" for label in ex.actions if not _shown(label)]
        assert not problems, f"{name}: " + "; ".join(problems)
    finally:
        ex.close()


def test_the_checks_see_an_empty_or_cut_label() -> None:
    from gdutils.display import widgets

    assert _label_problems("c", widgets.checkbox("\u200b", True))
    assert _label_problems("t", widgets.toggle("", ["a", "b"]))
    assert _label_problems("d", widgets.dropdown("pick", [" ", "b"]))
    narrow = widgets.checkbox("a rather long description of the box", True)
    narrow.layout.width = "60px"
    assert _label_problems("n", narrow)
    default = widgets.slider("a description longer than eighty pixels", 0.5, 0.0, 1.0)
    default.style.description_width = ""
    assert _label_problems("s", default)
    assert not _label_problems("ok", widgets.checkbox("B = 8, lr = 0.05", True))
    assert not _label_problems("ok", widgets.toggle("x-axis", ["epochs", "examples processed"]))
