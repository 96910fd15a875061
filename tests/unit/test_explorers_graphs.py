"""gdutils.explorers.graphs: the computation-graph explorer of notebook 07, driven like a learner.

Every control is moved with ``explorer.set(...)`` and the drawn data (``explorer.state``) is checked
against closed forms and finite differences; the static mode under nbgrader shows one image.
"""

from __future__ import annotations

import math

import pytest

from gdutils import autograd, backprop
from gdutils.display.explorers import graphs


def _tanh_grads(a: float, b: float) -> tuple[float, float]:
    t = math.tanh(a * b + a)
    return (1 - t * t) * (b + 1), (1 - t * t) * a


def test_default_view_is_the_running_example() -> None:
    ex = graphs.graph_explorer(static=True)
    st = ex.state
    assert st["expression"] == "tanh(a·b + a)"
    assert st["value"] == pytest.approx(math.tanh(0.5 * -1.5 + 0.5), rel=1e-14)
    ga, gb = _tanh_grads(0.5, -1.5)
    assert st["grads"] == pytest.approx({"a": ga, "b": gb}, rel=1e-13)
    assert st["finite_differences"] == pytest.approx(st["grads"], rel=1e-6)
    assert st["n_paths"] == {"a": 2, "b": 1}  # a is used twice
    assert len(st["nodes"]) == 5 and len(st["edges"]) == 5
    assert ex.png.startswith(b"\x89PNG")


def test_the_leaf_sliders_move_values_and_gradients() -> None:
    ex = graphs.graph_explorer(static=True)
    before = ex.png
    ex.set(a=1.2, b=0.4)
    ga, gb = _tanh_grads(1.2, 0.4)
    assert ex.state["value"] == pytest.approx(math.tanh(1.2 * 0.4 + 1.2))
    assert ex.state["grads"] == pytest.approx({"a": ga, "b": gb}, rel=1e-12)
    assert ex.png != before
    # the drawn boxes carry the new numbers
    texts = [t.get_text() for t in ex.figure.axes[0].texts]
    assert any("+1.200" in t for t in texts)


@pytest.mark.parametrize(
    ("name", "a", "b", "want", "paths"),
    [
        ("(a + b)·(a − b)", 1.5, -0.5, (3.0, 1.0), {"a": 2, "b": 2}),  # a² − b²
        ("relu(a·b) + exp(b)", 2.0, 0.5, (0.5, 2.0 + math.exp(0.5)), {"a": 1, "b": 2}),
        ("relu(a·b) + exp(b)", -2.0, 0.5, (0.0, math.exp(0.5)), {"a": 1, "b": 2}),  # relu off
        ("a·a·b", 1.5, -2.0, (2 * 1.5 * -2.0, 1.5**2), {"a": 2, "b": 1}),
    ],
)
def test_each_expression_against_its_closed_form(name, a, b, want, paths) -> None:
    ex = graphs.graph_explorer(static=True)
    ex.set(expression=name, a=a, b=b)
    assert ex.state["expression"] == name
    assert (ex.state["grads"]["a"], ex.state["grads"]["b"]) == pytest.approx(want, rel=1e-12, abs=1e-15)
    assert ex.state["finite_differences"] == pytest.approx(ex.state["grads"], rel=1e-6, abs=1e-8)
    assert ex.state["n_paths"] == paths


def test_switching_expressions_redraws_the_graph() -> None:
    ex = graphs.graph_explorer(static=True)
    ex.set(expression="(a + b)·(a − b)")
    n_boxes = sum(1 for t in ex.figure.axes[0].texts if "grad" in t.get_text())
    assert n_boxes == len(ex.state["nodes"]) == 5
    ex.set(expression="tanh(a·b + a)")
    n_boxes = sum(1 for t in ex.figure.axes[0].texts if "grad" in t.get_text())
    assert n_boxes == 5 and ex.state["n_paths"]["a"] == 2


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_hiding_gradients_and_local_derivatives() -> None:
    ex = graphs.graph_explorer(static=True)
    ex.set(gradients=False, **{"local derivatives": False})
    ax = ex.figure.axes[0]
    assert "predict" in ax.get_title()
    boxes = [t.get_text() for t in ax.texts if "value" in t.get_text()]
    assert boxes and all(t.splitlines()[-1].split() == ["grad", "?"] for t in boxes)
    # the local derivatives (numbers on the arrows) are hidden; the boxes' names stay
    locals_ = [t for t in ax.texts if _is_number(t.get_text())]
    assert locals_ and all(not t.get_visible() for t in locals_)
    assert ex.state["grads"]["a"] == pytest.approx(_tanh_grads(0.5, -1.5)[0])  # still computed




def test_unknown_expression_is_refused() -> None:
    with pytest.raises(ValueError, match="expression"):
        graphs.graph_explorer("a/b")
    with pytest.raises(ValueError, match="expression"):
        graphs.build_expression("nope", 1.0, 2.0)


def test_layout_points_every_arrow_rightwards_without_overlaps() -> None:
    for name in graphs.EXPRESSIONS:
        root = graphs.build_expression(name, 0.7, -0.3)
        nodes, edges = autograd.trace(root)
        pos = graphs.graph_layout(nodes, edges)
        assert len(set(pos.values())) == len(nodes)
        assert all(pos[e["source"]][0] < pos[e["target"]][0] for e in edges)
        assert pos[len(nodes) - 1][1] == 0.0  # the output at height 0


def test_draw_graph_numbers_an_order_and_refuses_a_different_shape() -> None:
    import matplotlib

    matplotlib.use("Agg")
    a = autograd.Value(0.8, label="a")
    m = a * a
    out = (m.tanh() * 2.0) * m
    out.backward()
    order = backprop.topological_order(out, lambda v: v._prev)
    drawing = graphs.draw_graph(out, numbering=order)
    assert len(drawing.badges) == len(order) == 6
    assert sorted(b.get_text() for b in drawing.badges) == sorted(f"#{k}" for k in range(6))
    with pytest.raises(ValueError, match="shape"):
        drawing.update(a * 2.0)
    nodes, _ = drawing.update(out, show_grads=False)
    assert nodes[-1]["grad"] == 1.0
    with pytest.raises(ValueError, match="Value"):
        graphs.draw_graph(3.0)
