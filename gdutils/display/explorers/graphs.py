"""Computation graphs drawn with their values and gradients (notebook 07).

* :func:`draw_graph` — the graph ending at a :class:`gdutils.autograd.Value`, as boxes and arrows
  in a layered layout (inputs on the left, the output on the right): each box shows the node's
  name or operation, its value and its gradient; each arrow carries the local derivative
  ``∂user/∂input``. Returns a :class:`GraphDrawing` whose :meth:`~GraphDrawing.update` rewrites
  the numbers of a graph of the same shape, so an explorer moves text, not boxes.
* :func:`graph_explorer` — pick an expression of two inputs ``a`` and ``b``, move them with
  sliders, and watch the forward values and the gradients change; the gradients of ``a`` and
  ``b`` are compared with centred finite differences in the title. A check box hides the
  gradients (predict them first).
* :func:`graph_layout` — the layout as plain data (depth = longest path from an input).

Everything runs on :mod:`gdutils.autograd` (gdutils' own engine), never on a learner's answers.
No graphviz: boxes are matplotlib text boxes, arrows are annotations clipped to the boxes. Each
box is two texts in the same place and font: the box with the node's name (static: arrows are
clipped to it) and, over it, the numbers (dynamic: redrawn when a slider moves).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from matplotlib.axes import Axes

from gdutils import autograd, gradcheck
from gdutils.autograd import Value
from gdutils.display import plotting, widgets
from gdutils.display.explorers._axes import fixed_title
from gdutils.display.explorers._layers import LayeredFigure
from gdutils.display.widgets import Explorer

__all__ = [
    "EXPRESSIONS",
    "GraphDrawing",
    "build_expression",
    "draw_graph",
    "graph_explorer",
    "graph_layout",
]

#: Expressions of two inputs ``a`` and ``b`` offered by :func:`graph_explorer`, by menu label.
#: Each uses an input more than once, so some gradient is a sum over several paths.
EXPRESSIONS: dict[str, Callable[[Value, Value], Value]] = {
    "tanh(a·b + a)": lambda a, b: (a * b + a).tanh(),
    "(a + b)·(a − b)": lambda a, b: (a + b) * (a - b),
    "relu(a·b) + exp(b)": lambda a, b: (a * b).relu() + b.exp(),
    "a·a·b": lambda a, b: a * a * b,
}

_OP_TEXT = {"+": "+", "*": "×", "-": "−", "/": "÷", "neg": "−x", "exp": "exp", "log": "log",
            "tanh": "tanh", "relu": "relu", "sigmoid": "σ"}
_FILL = {"leaf": "#d6ebf7", "const": "#eeeeee", "op": "#fbe7c4", "root": "#cdeee2"}
_EDGE = {"leaf": plotting.COLORS["blue"], "const": "0.45", "op": plotting.COLORS["orange"],
         "root": plotting.COLORS["green"]}


def build_expression(name: str, a: float, b: float) -> Value:
    """The graph of ``EXPRESSIONS[name]`` at ``(a, b)``, with ``backward()`` already run.

    Inputs are labelled ``"a"`` and ``"b"``, the output ``"f"``.
    """
    if name not in EXPRESSIONS:
        raise ValueError(f"expression must be one of {list(EXPRESSIONS)}, got {name!r}")
    va, vb = Value(a, label="a"), Value(b, label="b")
    out = EXPRESSIONS[name](va, vb)
    out.label = "f"
    out.backward()
    return out


def _op_text(op: str) -> str:
    if op.startswith("**"):
        return "x^" + op[2:]
    return _OP_TEXT.get(op, op)


def _kind(node: Mapping[str, Any], is_root: bool) -> str:
    if is_root:
        return "root"
    if node["op"]:
        return "op"
    return "leaf" if node["label"] else "const"


def graph_layout(nodes: Sequence[Mapping[str, Any]],
                 edges: Sequence[Mapping[str, Any]]) -> dict[int, tuple[float, float]]:
    """Positions ``{node id: (x, y)}`` for :func:`gdutils.autograd.trace` data.

    ``x`` is the node's depth (the longest path from an input), so named inputs sit at 0 and
    every arrow points right; a constant (an unnamed leaf such as the ``2`` of ``2·x``) sits
    just left of its first user instead. Within a column, nodes are ordered by the mean height
    of the nodes that use them and spaced one unit apart. The output (last node) is at
    height 0.
    """
    n = len(nodes)
    kids: dict[int, list[int]] = {i: [] for i in range(n)}
    users: dict[int, list[int]] = {i: [] for i in range(n)}
    for e in edges:
        kids[e["target"]].append(e["source"])
        users[e["source"]].append(e["target"])
    depth = [0] * n
    for i in range(n):  # nodes come in topological order: children first
        if kids[i]:
            depth[i] = 1 + max(depth[c] for c in kids[i])
    for i in range(n):
        if not kids[i] and not nodes[i]["label"] and users[i]:
            depth[i] = max(0, min(depth[u] for u in users[i]) - 1)
    y: dict[int, float] = {}
    columns: dict[int, list[int]] = {}
    for i in range(n):
        columns.setdefault(depth[i], []).append(i)
    for d in sorted(columns, reverse=True):
        col = columns[d]
        want = {i: (sum(y[u] for u in users[i]) / len(users[i]) if users[i] else 0.0) for i in col}
        # constants go below the nodes sharing their user: arcs over long arrows go above
        col.sort(key=lambda i: (want[i], 0 if not (kids[i] or nodes[i]["label"]) else 1, i))
        centre = sum(want.values()) / len(col)
        for k, i in enumerate(col):
            y[i] = centre + (k - (len(col) - 1) / 2.0)
    return {i: (float(depth[i]), float(y[i])) for i in range(n)}


_NUMBER = "{:+8.3f}"   # fixed width: a box keeps its size whatever the numbers


def _node_lines(node: Mapping[str, Any], kind: str, show_grads: bool) -> tuple[str, str, str]:
    """The three lines of a node's box: its name or operation, its value, its gradient."""
    if kind == "const":
        head = f"{node['data']:.4g}"
    elif kind in ("leaf",):
        head = node["label"]
    else:
        head = _op_text(node["op"]) + (f"  ({node['label']})" if node["label"] else "")
    grad = _NUMBER.format(node["grad"]) if show_grads else "?".rjust(8)
    return head, "value " + _NUMBER.format(node["data"]), "grad  " + grad


def _node_text(node: Mapping[str, Any], kind: str, show_grads: bool) -> str:
    return "\n".join(_node_lines(node, kind, show_grads))


def _box_text(lines: tuple[str, str, str]) -> str:
    """The box's own text: the name, and blanks where the numbers go."""
    return "\n".join([lines[0], " " * len(lines[1]), " " * len(lines[2])])


def _numbers_text(lines: tuple[str, str, str]) -> str:
    """The numbers, with blanks where the name goes (the same layout as the box's text)."""
    return "\n".join([" " * len(lines[0]), lines[1], lines[2]])


@dataclass
class GraphDrawing:
    """The artists of a drawn graph, for cheap updates of a graph with the same shape.

    ``node_boxes`` are the boxes with the nodes' names (arrows are clipped to them),
    ``node_texts`` the numbers drawn over them, ``edge_texts`` the local derivatives.
    """

    ax: Axes
    positions: dict[int, tuple[float, float]]
    node_texts: list[Any] = field(default_factory=list)
    edge_texts: list[Any] = field(default_factory=list)
    arrows: list[Any] = field(default_factory=list)
    badges: list[Any] = field(default_factory=list)
    signature: tuple = ()
    node_boxes: list[Any] = field(default_factory=list)

    def update(self, root: Value, *, show_grads: bool = True, show_locals: bool = True) -> tuple:
        """Rewrite the numbers for ``root``'s graph; returns ``(nodes, edges)`` as traced.

        Raises ``ValueError`` if the graph's shape differs from the drawn one.
        """
        nodes, edges = autograd.trace(root)
        if _signature(nodes, edges) != self.signature:
            raise ValueError("the graph has a different shape: draw it again with draw_graph")
        for i, node in enumerate(nodes):
            kind = _kind(node, i == len(nodes) - 1)
            self.node_texts[i].set_text(_numbers_text(_node_lines(node, kind, show_grads)))
        for text, e in zip(self.edge_texts, edges, strict=True):
            text.set_text(f"{e['local_grad']:.3g}")
            text.set_visible(show_locals)
        return nodes, edges


def _signature(nodes: Sequence[Mapping[str, Any]], edges: Sequence[Mapping[str, Any]]) -> tuple:
    return (tuple((n["op"], n["label"]) for n in nodes),
            tuple((e["source"], e["target"]) for e in edges))


def draw_graph(root: Value, ax: Axes | None = None, *, show_grads: bool = True,
               show_locals: bool = True, title: str | None = None,
               numbering: Sequence[Value] | None = None) -> GraphDrawing:
    """Draw the computation graph ending at ``root`` (values, gradients, local derivatives).

    Parameters
    ----------
    root : gdutils.autograd.Value
        The output; run ``root.backward()`` first to show gradients.
    ax : matplotlib Axes, optional
        Drawn into (a new figure otherwise).
    show_grads, show_locals : bool
        Show each node's gradient / each arrow's local derivative.
    title : str, optional
    numbering : sequence of Values, optional
        An order of the nodes (e.g. a topological order); each box gets a badge ``#k`` with
        its position in it, so two orders can be compared side by side.

    Returns
    -------
    GraphDrawing
    """
    if not isinstance(root, Value):
        raise ValueError(f"root must be a gdutils.autograd.Value, got {type(root).__name__}")
    nodes, edges = autograd.trace(root)
    pos = graph_layout(nodes, edges)
    with plotting.style():
        if ax is None:
            import matplotlib.pyplot as plt

            width = 2.0 + 2.1 * (1 + max(p[0] for p in pos.values()))
            height = 1.6 + 1.15 * (1 + max(p[1] for p in pos.values()) - min(p[1] for p in pos.values()))
            _, ax = plt.subplots(figsize=(min(width, 12.0), min(max(height, 2.8), 7.0)))
        drawing = GraphDrawing(ax=ax, positions=pos, signature=_signature(nodes, edges))
        for i, node in enumerate(nodes):
            kind = _kind(node, i == len(nodes) - 1)
            x, y = pos[i]
            lines = _node_lines(node, kind, show_grads)
            font = {"ha": "center", "va": "center", "fontsize": 9, "family": "monospace"}
            drawing.node_boxes.append(ax.text(
                x, y, _box_text(lines), zorder=3, **font,
                bbox={"boxstyle": "round,pad=0.45", "fc": _FILL[kind], "ec": _EDGE[kind],
                      "lw": 1.3}))
            drawing.node_texts.append(ax.text(x, y, _numbers_text(lines), zorder=3.5, **font))
        multiplicity: dict[tuple[int, int], int] = {}
        for e in edges:
            key = (e["source"], e["target"])
            multiplicity[key] = multiplicity.get(key, 0) + 1
        seen: dict[tuple[int, int], int] = {}
        for e in edges:
            s, t = e["source"], e["target"]
            k = seen.get((s, t), 0)
            seen[(s, t)] = k + 1
            if multiplicity[(s, t)] > 1:  # x·x: two arrows between the same boxes, bent apart
                rad = 0.35 * (-1 if k % 2 == 0 else 1) * (1 + k // 2)
            elif _blocked(pos, s, t):  # a long arrow that would cross boxes: arc over them
                rad = -0.42
            else:
                rad = 0.0
            arrow = ax.annotate(
                "", xy=pos[t], xytext=pos[s], zorder=2,
                arrowprops={"arrowstyle": "-|>", "color": "0.35", "lw": 1.1,
                            "connectionstyle": f"arc3,rad={rad}", "shrinkA": 0, "shrinkB": 0,
                            "patchA": drawing.node_boxes[s].get_bbox_patch(),
                            "patchB": drawing.node_boxes[t].get_bbox_patch()})
            drawing.arrows.append(arrow)
            label = ax.annotate(
                f"{e['local_grad']:.3g}", xy=(0.0, 0.0),
                xycoords=_on_arc(ax, pos[s], pos[t], rad, 0.5 if rad else 0.6),
                ha="center", va="center", fontsize=9, color="0.2", zorder=4,
                visible=show_locals,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9})
            drawing.edge_texts.append(label)
        if numbering is not None:
            where = {id(v): k for k, v in enumerate(numbering)}
            order = autograd.topological_order(root)
            for i, v in enumerate(order):
                k = where.get(id(v))
                if k is None:
                    continue
                drawing.badges.append(ax.annotate(
                    f"#{k}", xy=(0.0, 1.0), xycoords=drawing.node_boxes[i],
                    xytext=(-7, 7), textcoords="offset points", ha="center", va="center",
                    fontsize=8, color="white", fontweight="bold", zorder=5,
                    bbox={"boxstyle": "circle,pad=0.2", "fc": plotting.COLORS["vermillion"],
                          "ec": "none"}))
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
        arcs_above = any(_blocked(pos, e["source"], e["target"]) for e in edges)
        ax.set_ylim(min(ys) - 0.75, max(ys) + (1.35 if arcs_above else 0.75))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        for side in ("left", "bottom", "top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_xlabel("forward pass: values flow left → right;   backward pass: gradients flow "
                      "right → left", fontsize=9)
        ax.set_ylabel("")
        ax.set_title(title if title is not None else "Computation graph")
    return drawing


def _blocked(pos: Mapping[int, tuple[float, float]], s: int, t: int) -> bool:
    """Does the straight segment from s to t pass through another node's box?"""
    (x0, y0), (x1, y1) = pos[s], pos[t]
    for i, (x, y) in pos.items():
        if i in (s, t) or not (min(x0, x1) < x < max(x0, x1)):
            continue
        y_line = y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        if abs(y - y_line) < 0.45:
            return True
    return False


def _on_arc(ax: Axes, start: tuple[float, float], end: tuple[float, float], rad: float,
            t: float) -> Callable[[Any], Any]:
    """Coordinates (for an annotation) of the point at parameter t on matplotlib's arc3 curve.

    arc3 joins the two centres with a quadratic Bézier whose control point sits ``rad`` times
    the chord length off the chord's middle, in display space; evaluated at draw time, so the
    label follows the arrow whatever the figure's size.
    """
    from matplotlib.transforms import Affine2D

    def transform(_renderer: Any) -> Any:
        (x0, y0), (x2, y2) = ax.transData.transform([start, end])
        cx = (x0 + x2) / 2.0 + rad * (y2 - y0)
        cy = (y0 + y2) / 2.0 - rad * (x2 - x0)
        u = 1.0 - t
        return Affine2D().translate(u * u * x0 + 2 * u * t * cx + t * t * x2,
                                    u * u * y0 + 2 * u * t * cy + t * t * y2)

    return transform


def _fd(name: str, a: float, b: float) -> tuple[float, float]:
    f = EXPRESSIONS[name]
    da = gradcheck.centred_difference(lambda z: f(Value(z), Value(b)).data, a, 1e-6)
    db = gradcheck.centred_difference(lambda z: f(Value(a), Value(z)).data, b, 1e-6)
    return da, db


def _path_counts(root: Value) -> dict[str, int]:
    """How many paths lead from the output to each input ``a`` and ``b``."""
    from gdutils.backprop import path_products

    order = autograd.topological_order(root)
    by_label = {n.label: n for n in order if n.label in ("a", "b") and not n._op}
    return {k: (len(path_products(root, by_label[k])) if k in by_label else 0) for k in ("a", "b")}


def graph_explorer(expression: str = "tanh(a·b + a)", a: float = 0.5, b: float = -1.5, *,
                   static: bool | None = None) -> Explorer:
    """Move the inputs of a small expression and watch values and gradients flow.

    Controls: the expression (:data:`EXPRESSIONS`), sliders for ``a`` and ``b`` in [−3, 3],
    check boxes to show the gradients and the local derivatives. The title compares
    ``∂f/∂a`` and ``∂f/∂b`` from the backward pass with centred finite differences.

    ``explorer.state`` holds ``expression``, ``value`` (f), ``grads`` and
    ``finite_differences`` (dicts with keys ``"a"``, ``"b"``), ``n_paths`` (number of paths
    from f to each input) and the traced ``nodes`` and ``edges``.
    """
    if expression not in EXPRESSIONS:
        raise ValueError(f"expression must be one of {list(EXPRESSIONS)}, got {expression!r}")
    with plotting.style():
        fig = LayeredFigure(figsize=(10.0, 4.0))
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.09, top=0.9)  # no layout engine: cheap redraws
        ax = fig.add_subplot()
    holder: dict[str, Any] = {"drawing": None, "expression": None}

    def redraw_graph(name: str, root: Value, v: dict[str, Any]) -> GraphDrawing:
        """A new expression: boxes and arrows from scratch (the static layer), numbers on top."""
        ax.clear()
        drawing = draw_graph(root, ax, show_grads=v["gradients"], show_locals=v["local derivatives"])
        # arrows end at the boxes' outlines, which exist only once the boxes have been drawn: a
        # layout pass first, or the cached static layer would keep arrows without heads
        fig.draw_without_rendering()
        holder.update(drawing=drawing, expression=name, title=fixed_title(ax, "", fontsize=9.5))
        fig.static_key = name
        fig.set_dynamic(*drawing.node_texts, *drawing.edge_texts, holder["title"])
        return drawing

    def update(v: dict[str, Any]) -> dict[str, Any]:
        name = v["expression"]
        root = build_expression(name, float(v["a"]), float(v["b"]))
        drawing = holder["drawing"] if holder["expression"] == name else redraw_graph(name, root, v)
        nodes, edges = drawing.update(root, show_grads=v["gradients"],
                                      show_locals=v["local derivatives"])
        leaves = {n["label"]: n for n in nodes if n["label"] in ("a", "b") and not n["op"]}
        grads = {k: leaves[k]["grad"] if k in leaves else 0.0 for k in ("a", "b")}
        fd_a, fd_b = _fd(name, float(v["a"]), float(v["b"]))
        n_paths = _path_counts(root)
        if v["gradients"]:
            def paths(k: str) -> str:
                return f"{n_paths[k]} path" + ("" if n_paths[k] == 1 else "s")

            holder["title"].set_text(
                f"f = {name} = {root.data:.4f}      ∂f/∂a = {grads['a']:.4f} "
                f"(finite diff. {fd_a:.4f}, {paths('a')})      ∂f/∂b = {grads['b']:.4f} "
                f"({fd_b:.4f}, {paths('b')})")
        else:
            holder["title"].set_text(f"f = {name} = {root.data:.4f}      gradients hidden: "
                                     "predict them, then tick “gradients”")
        return {"expression": name, "value": root.data, "grads": grads,
                "finite_differences": {"a": fd_a, "b": fd_b}, "n_paths": n_paths,
                "nodes": nodes, "edges": edges}

    controls = {
        "expression": widgets.dropdown("expression", list(EXPRESSIONS), value=expression),
        "a": widgets.slider("a", float(a), -3.0, 3.0, 0.05),
        "b": widgets.slider("b", float(b), -3.0, 3.0, 0.05),
        "gradients": widgets.checkbox("gradients", True),
        "local derivatives": widgets.checkbox("local derivatives", True),
    }
    return Explorer(fig, controls, update, static=static,
                    caption="Each arrow carries ∂(user)/∂(input). A box's grad is the sum, over "
                            "its outgoing arrows, of (arrow × the user's grad): the chain rule "
                            "summed over paths.")

