"""gdutils.widgets.Explorer: controls drive one figure; static under nbgrader; testable state."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from own_thread import in_own_thread

from gdutils import widgets


def _explorer(static: bool | None = None) -> widgets.Explorer:
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    (line,) = ax.plot([], [])
    ax.set(xlabel="x", ylabel="y", title="demo")

    def update(values):
        x = np.linspace(0.0, 1.0, 20)
        y = values["a"] * x ** values["p"] + values.get("shift", 0.0)
        line.set_data(x, y)
        ax.relim()
        ax.autoscale_view()
        return {"y": y}

    def step(ex: widgets.Explorer) -> None:
        ex.memory["steps"] = ex.memory.get("steps", 0) + 1

    controls = {
        "a": widgets.log_slider("a", 1.0, 1e-2, 1e2),
        "p": widgets.int_slider("p", 1, 1, 4),
        "kind": widgets.dropdown("kind", {"one": 1, "two": 2}, value=1),
    }
    return widgets.Explorer(fig, controls, update, actions={"step": step}, static=static, caption="demo")


def test_initial_draw_and_state() -> None:
    ex = _explorer(static=False)
    assert ex.n_draws == 1
    assert ex.state["y"][-1] == pytest.approx(1.0)
    assert ex.png.startswith(b"\x89PNG")
    assert ex.last_draw_seconds < 2.0


def test_set_redraws_once_and_changes_the_image() -> None:
    ex = _explorer(static=False)
    png0 = ex.png
    ex.set(a=10.0, p=2)
    assert ex.n_draws == 2  # one redraw for two controls
    assert ex.state["y"][-1] == pytest.approx(10.0)
    assert ex.png != png0


def test_moving_a_widget_redraws_like_a_learner_would() -> None:
    ex = _explorer(static=False)
    ex.controls["a"].value = 100.0
    assert ex.n_draws == 2
    assert ex.state["y"][-1] == pytest.approx(100.0)
    box = ex.widget
    assert ex._image.value == ex.png  # the displayed image follows
    assert len(box.children) >= 3


def test_buttons() -> None:
    ex = _explorer(static=False)
    ex.press("step")
    ex.press("step")
    assert ex.memory["steps"] == 2 and ex.n_draws == 3
    with pytest.raises(ValueError, match="no button"):
        ex.press("jump")


def test_bad_values_are_clear_errors() -> None:
    ex = _explorer(static=False)
    with pytest.raises(ValueError, match="unknown control"):
        ex.set(b=1.0)
    with pytest.raises(ValueError, match="outside its range"):
        ex.set(a=1e6)
    with pytest.raises(ValueError, match="rejected"):
        ex.set(kind=3)
    with pytest.raises(ValueError):
        widgets.log_slider("lr", 0.0, 0.0, 1.0)
    with pytest.raises(ValueError):
        widgets.slider("x", 5.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="Figure"):
        widgets.Explorer("not a figure", {}, lambda v: {})  # type: ignore[arg-type]


def test_static_under_nbgrader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    ex = _explorer()
    assert ex.static
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: shown.extend(objs))
    ex._ipython_display_()
    kinds = [type(o).__name__ for o in shown]
    assert kinds == ["Image", "Markdown"]  # one static figure, no widgets
    # moving a control does nothing visible in static mode, but set() still recomputes for tests
    ex.set(a=2.0)
    assert ex.state["y"][-1] == pytest.approx(2.0)


def test_interactive_display_shows_the_widget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    ex = _explorer()
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: shown.extend(objs))
    ex._ipython_display_()
    assert shown == [ex.widget]


def test_redraw_is_cheap() -> None:
    ex = _explorer(static=False)
    for a in (0.5, 2.0, 5.0):
        ex.set(a=a)
    assert ex.last_draw_seconds < 2.0  # a sanity bound; bench/explorers.py measures speed


def test_on_grid_is_the_step_the_browser_slider_stands_on() -> None:
    log = widgets.log_slider("a", 1.0, 1e-2, 1e2)              # 20 steps a decade
    assert widgets.on_grid(log, 0.5) == pytest.approx(10 ** (round(20 * np.log10(0.5)) / 20))
    assert widgets.on_grid(log, 10 ** -0.35) == pytest.approx(10 ** -0.35)
    lin = widgets.slider("b", 0.5, 0.0, 0.99, 0.01)
    assert widgets.on_grid(lin, 0.4026) == pytest.approx(0.40)
    assert widgets.on_grid(lin, 2.0) == pytest.approx(0.99)     # clamped, as the browser does
    assert widgets.on_grid(widgets.int_slider("n", 10, 10, 200, 10), 57) == 60
    assert widgets.on_grid(widgets.dropdown("d", ["x", "y"]), "y") == "y"


def test_a_slider_sending_back_its_step_after_set_does_not_redraw() -> None:
    """The browser's slider stands on its steps only: given 0.4026 by ``set`` (an explorer's
    "optimal" button), it sends 0.40 back. The figure keeps showing the exact value."""
    in_own_thread(_echo_scenario)


def _echo_scenario() -> None:
    fig = Figure(figsize=(4, 3))
    fig.subplots()
    drawn = []

    def update(values):
        drawn.append((values["a"], values["b"]))
        return dict(values)

    controls = {"a": widgets.log_slider("a", 1.0, 1e-2, 1e2),
                "b": widgets.slider("b", 0.5, 0.0, 0.99, 0.01)}
    ex = widgets.Explorer(fig, controls, update, static=False)
    ex.set(a=0.537, b=0.4026)
    assert drawn[-1] == (0.537, 0.4026) and ex.n_draws == 2
    # what the browser sends back: one change per slider, each its nearest step (ipywidgets
    # applies a browser's message through set_state)
    ex.controls["a"].set_state({"value": widgets.on_grid(ex.controls["a"], 0.537)})
    ex.controls["b"].set_state({"value": 0.4})
    assert ex.n_draws == 2 and ex.state == {"a": 0.537, "b": 0.4026}
    # the learner's own move afterwards redraws, and so does a move back onto that step
    ex.controls["b"].set_state({"value": 0.41})
    ex.controls["b"].set_state({"value": 0.4})
    assert ex.n_draws == 4 and drawn[-1][1] == 0.4
    # a value already on a step expects nothing back: a later change to it redraws
    ex.set(b=0.3)
    n = ex.n_draws
    ex.controls["b"].set_state({"value": 0.31})
    assert ex.n_draws == n + 1
    # code that assigns the step itself is no echo: it is drawn
    ex.set(b=0.4026)
    n = ex.n_draws
    ex.controls["b"].value = 0.4
    assert ex.n_draws == n + 1 and drawn[-1][1] == 0.4


def test_an_echo_that_never_came_does_not_swallow_a_later_move(monkeypatch) -> None:
    monkeypatch.setattr(widgets, "ECHO_S", -1.0)    # the wait for the echo is over at once
    in_own_thread(_late_move_scenario)


def _late_move_scenario() -> None:
    fig = Figure(figsize=(4, 3))
    fig.subplots()
    ex = widgets.Explorer(fig, {"b": widgets.slider("b", 0.5, 0.0, 0.99, 0.01)},
                          lambda v: dict(v), static=False)
    ex.set(b=0.4026)                       # shown nowhere: no browser sends 0.40 back
    n = ex.n_draws
    ex.controls["b"].set_state({"value": 0.4})     # the learner, much later
    assert ex.n_draws == n + 1 and ex.state["b"] == 0.4


def test_every_explorer_draws_under_one_lock() -> None:
    # matplotlib shares FreeType faces between figures: a slider's redraw in the kernel's
    # subshell thread and another explorer's pre-render in the main thread once failed with
    # "FT_Load_Glyph ... invalid outline"; drawing is serialised across explorers
    a, b = _explorer(static=False), _explorer(static=False)
    assert a._lock is b._lock
    import threading

    errors: list[BaseException] = []

    def drag(ex: widgets.Explorer, values: list[float]) -> None:
        try:
            for v in values:
                ex.set(a=v)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=drag, args=(ex, list(np.geomspace(0.02, 50, 25))))
               for ex in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert a.n_draws == b.n_draws == 26


def test_the_browser_sending_back_the_drawn_value_does_not_redraw() -> None:
    # a slider view sends 0.9000000000000001 back for 0.9 once shown (steps computed in JS)
    def scenario() -> None:
        fig = Figure(figsize=(4, 3))
        fig.subplots()
        ex = widgets.Explorer(fig, {"b": widgets.slider("b", 0.9, 0.0, 0.99, 0.01)},
                              lambda v: dict(v), static=False)
        ex.controls["b"].set_state({"value": 0.9000000000000001})
        assert ex.n_draws == 1
        ex.controls["b"].set_state({"value": 0.91})    # a real move is drawn
        assert ex.n_draws == 2 and ex.state["b"] == 0.91

    in_own_thread(scenario)
