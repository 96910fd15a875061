"""Wrong submissions for 07-backprop-scalar: the classic mistakes of a scalar autodiff engine.

Each mistake is the worked solution of one answer cell with one realistic change (patched from
the solution notebook, so the rest of the cell stays exactly right), or a full rewrite where the
mistake is a different algorithm (a recursive sort, a breadth-first order).
"""

from __future__ import annotations

import nbtools


def _patch(grade_id: str, old: str, new: str) -> str:
    return nbtools.patched_answer("07-backprop-scalar", grade_id, (old, new))


_RECURSIVE = '''
def topological_order(root, children):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for child in children(node):
                visit(child)
            order.append(node)

    visit(root)
    return order
'''

_NO_VISITED = '''
def topological_order(root, children):
    # post-order with an explicit stack, but no memory of visited nodes
    order = []
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        else:
            stack.append((node, True))
            for child in children(node):
                stack.append((child, False))
    return order
'''

_PREORDER = '''
def topological_order(root, children):
    # nodes in the order they are first reached: the root first
    order, seen = [], set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            order.append(node)
            stack.extend(children(node))
    return order
'''

_REVERSED_BFS = '''
from collections import deque


def topological_order(root, children):
    # breadth-first from the root, reversed: plausible, not topological
    seen, visit, queue = {root}, [root], deque([root])
    while queue:
        for child in children(queue.popleft()):
            if child not in seen:
                seen.add(child)
                visit.append(child)
                queue.append(child)
    return visit[::-1]
'''

MISTAKES = {
    # --- exercise 1: the operations and their local derivatives -------------------------------
    "mul-local-derivatives-swapped": {
        "replace": {"value-ops": _patch(
            "value-ops", '"*", (other.data, self.data)', '"*", (self.data, other.data)')},
        "fails": ["value-ops-tests"],
    },
    "tanh-derivative-from-the-input": {
        "replace": {"value-ops": _patch(
            "value-ops", '"tanh", (1.0 - t * t,)', '"tanh", (1.0 - self.data * self.data,)')},
        "fails": ["value-ops-tests"],
    },
    "power-rule-without-n": {
        "replace": {"value-ops": _patch(
            "value-ops", "(n * self.data ** (n - 1),)", "(self.data ** (n - 1),)")},
        "fails": ["value-ops-tests"],
    },
    "relu-derivative-one-at-zero": {
        "replace": {"value-ops": _patch("value-ops", "1.0 if x > 0 else 0.0", "1.0 if x >= 0 else 0.0")},
        "fails": ["value-ops-tests"],
    },
    "exp-derivative-one": {
        "replace": {"value-ops": _patch("value-ops", '"exp", (e,)', '"exp", (1.0,)')},
        "fails": ["value-ops-tests"],
    },
    "numbers-not-wrapped-in-add": {
        "replace": {"value-ops": _patch(
            "value-ops",
            "        other = other if isinstance(other, Value) else Value(other)\n"
            "        return Value(self.data + other.data",
            "        return Value(self.data + other.data")},
        "fails": ["value-ops-tests"],
    },
    # --- exercise 2: the topological order ---------------------------------------------------
    "recursive-depth-first-search": {
        "replace": {"topo-order": _RECURSIVE},
        "fails": ["topo-order-tests"],
    },
    "no-visited-set": {
        "replace": {"topo-order": _NO_VISITED},
        "fails": ["topo-order-tests"],
    },
    "pre-order-root-first": {
        "replace": {"topo-order": _PREORDER},
        "fails": ["topo-order-tests"],
    },
    "reversed-breadth-first": {
        "replace": {"topo-order": _REVERSED_BFS},
        "fails": ["topo-order-tests"],
    },
    # --- exercise 3: the backward pass -------------------------------------------------------
    "assign-instead-of-accumulate": {
        "replace": {"backprop": _patch(
            "backprop", "child.grad += local * node.grad", "child.grad = local * node.grad")},
        "fails": ["backprop-tests"],
    },
    "forward-traversal": {
        "replace": {"backprop": _patch("backprop", "for node in reversed(order):", "for node in order:")},
        "fails": ["backprop-tests"],
    },
    "root-not-seeded": {
        "replace": {"backprop": _patch("backprop", "    root.grad = 1.0\n", "")},
        "fails": ["backprop-tests"],
    },
    "resets-the-leaves-gradients": {
        "replace": {"backprop": _patch(
            "backprop", "    root.grad = 1.0\n",
            "    for node in order:\n        node.grad = 0.0\n    root.grad = 1.0\n")},
        "fails": ["backprop-tests"],
    },
    # --- exercise 4: the training loop -------------------------------------------------------
    "never-zeroes-gradients": {
        "replace": {"train": _patch("train", "        for p in params:\n            p.grad = 0.0\n", "")},
        "fails": ["train-tests"],
    },
    "zeroes-between-backward-and-update": {
        "replace": {"train": _patch(
            "train",
            "        backward(loss)\n",
            "        backward(loss)\n        for p in params:\n            p.grad = 0.0\n")},
        "fails": ["train-tests"],
    },
    "zeroes-after-the-update": {
        "replace": {"train": _patch(
            "train",
            "        for p in params:\n            p.grad = 0.0\n        loss = loss_fn(params)\n",
            "        loss = loss_fn(params)\n").replace(
            "            p.data -= lr * p.grad\n",
            "            p.data -= lr * p.grad\n            p.grad = 0.0\n")},
        "fails": ["train-tests"],
    },
    "gradient-ascent": {
        "replace": {"train": _patch(
            "train", "            p.data -= lr * p.grad\n", "            p.data += lr * p.grad\n")},
        "fails": ["train-tests"],
    },
    "records-the-value-not-the-number": {
        "replace": {"train": _patch("train", "losses.append(loss.data)", "losses.append(loss)")},
        "fails": ["train-tests"],
    },
}
