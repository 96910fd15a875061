"""Reverse-mode differentiation on any computation graph: order, backward pass, paths, training.

The pieces of notebook 07, written for *any* node type, so they work on
:class:`gdutils.autograd.Value`, on a learner's own ``Value`` class and on graphs given as plain
data (``{"L": ["s"], "s": ["p", "a"], ...}``):

* :func:`topological_order` — every node the root depends on, each after all of its inputs,
  root last; iterative (an explicit stack), so a chain 100 000 nodes deep is fine;
* :func:`backpropagate` — the backward pass along such an order: ``child.grad += local ·
  node.grad``, the chain rule summed over every path;
* :func:`path_products` — the same gradient written out as a sum over paths (for teaching);
* :func:`breadth_first_order` — a plausible but *wrong* order, to show what goes wrong;
* :func:`train` — gradient descent with an autodiff engine, zeroing gradients between steps.

Nodes used with :func:`backpropagate` and :func:`path_products` follow the convention of
:mod:`gdutils.autograd`: ``node._prev`` is the tuple of inputs, ``node._local`` the tuple of
local derivatives ``∂node/∂input`` aligned with it, ``node.grad`` a float.

>>> from gdutils.autograd import Value
>>> a, b = Value(0.5), Value(-1.5)
>>> f = (a * b + a).tanh()
>>> order = topological_order(f, lambda v: v._prev)
>>> order[-1] is f, len(order)
(True, 5)
>>> backpropagate(f, order)
>>> round(a.grad, 6), round(sum(p for _, p in path_products(f, a)), 6)
(-0.470007, -0.470007)
"""

from __future__ import annotations

import numbers
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

from gdutils import _validate

__all__ = [
    "topological_order",
    "breadth_first_order",
    "backpropagate",
    "path_products",
    "train",
]

Children = Callable[[Any], Iterable[Any]]


def _value_children(node: Any) -> tuple[Any, ...]:
    return tuple(node._prev)


def _value_locals(node: Any) -> tuple[float, ...]:
    loc = node._local
    return tuple(loc) if loc is not None else ()


def _check_children(children: Any) -> Children:
    if not callable(children):
        raise ValueError(
            "children must be a callable: children(node) -> the nodes `node` was computed from, "
            f"got {type(children).__name__}"
        )
    return children


def _child_list(children: Children, node: Any) -> list[Any]:
    out = children(node)
    if out is None:
        raise ValueError(f"children({node!r}) returned None: return () for a leaf")
    return list(out)


def topological_order(root: Hashable, children: Children) -> list[Any]:
    """Every node ``root`` depends on, each after all of its inputs; ``root`` last.

    A depth-first post-order computed with an explicit stack (no recursion), so it works on
    graphs of any depth. A node reached along several paths is listed once.

    Parameters
    ----------
    root : hashable
        The output node.
    children : callable
        ``children(node)`` returns the nodes ``node`` was computed from (its inputs); ``()``
        for a leaf. For :class:`gdutils.autograd.Value`: ``lambda v: v._prev``.

    Returns
    -------
    list
        The nodes reachable from ``root`` (root included), each exactly once, every node after
        all of its children.

    Raises
    ------
    ValueError
        If ``children`` is not callable, returns ``None``, or the graph has a cycle.

    Examples
    --------
    >>> graph = {"L": ["s"], "s": ["p", "a"], "p": ["a", "b"], "a": [], "b": []}
    >>> topological_order("L", graph.__getitem__)
    ['a', 'b', 'p', 's', 'L']
    """
    children = _check_children(children)
    order: list[Any] = []
    finished: set[Any] = set()
    on_path: set[Any] = {root}
    # each frame: (node, its remaining children); a node is finished once they are exhausted
    stack: list[tuple[Any, Any]] = [(root, iter(_child_list(children, root)))]
    while stack:
        node, pending = stack[-1]
        for child in pending:
            if child in finished:
                continue
            if child in on_path:
                raise ValueError(f"the graph has a cycle through {child!r}: it is not a DAG")
            on_path.add(child)
            stack.append((child, iter(_child_list(children, child))))
            break
        else:
            stack.pop()
            on_path.discard(node)
            finished.add(node)
            order.append(node)
    return order


def breadth_first_order(root: Hashable, children: Children) -> list[Any]:
    """The reverse of a breadth-first visit from ``root``: plausible, and *not* topological.

    Every node appears once and the root comes last, but a node reached first along a short
    path is placed as if that were its only use: in ``L = f(p, a), p = g(q), q = h(a)`` it puts
    ``q`` before its own input ``a``. Backpropagating along it gives wrong gradients — which is
    what it is for (notebook 07 shows it).

    >>> graph = {"L": ["p", "a"], "p": ["q"], "q": ["a"], "a": []}
    >>> breadth_first_order("L", graph.__getitem__)
    ['q', 'a', 'p', 'L']
    """
    children = _check_children(children)
    seen = {root}
    visit = [root]
    queue = deque([root])
    while queue:
        for child in _child_list(children, queue.popleft()):
            if child not in seen:
                seen.add(child)
                visit.append(child)
                queue.append(child)
    visit.reverse()
    return visit


def backpropagate(root: Any, order: Sequence[Any], *, seed: float = 1.0,
                  check_order: bool = True) -> None:
    r"""The backward pass: fill ``node.grad = ∂root/∂node`` for every node of ``order``.

    Sets ``root.grad = seed`` (1 by default), then visits ``order`` from the root backwards
    and, for each node and each of its inputs, adds ``local · node.grad`` to the input's
    ``grad`` — the chain rule; the ``+=`` sums the contributions of every path:

    .. math::

        \frac{\partial L}{\partial c} = \sum_{p\,:\,c \in p} \frac{\partial L}{\partial p}
        \frac{\partial p}{\partial c}

    Gradients are *added* to what the nodes hold (leaves accumulate across calls, as in
    torch): start from zeroed gradients.

    Parameters
    ----------
    root : node
        The output; must be the last element of ``order``.
    order : sequence of nodes
        Every node of the graph, each after all of its inputs (:func:`topological_order`).
        Nodes have ``_prev`` (inputs), ``_local`` (∂node/∂input, aligned) and ``grad``.
    seed : float, default 1.0
        ``∂L/∂root``.
    check_order : bool, default True
        Validate ``order`` first (every node once, inputs before their users, root last).
        ``False`` runs along any order — notebook 07 does that to show a wrong order's result.

    Raises
    ------
    ValueError
        If ``order`` is empty or does not end with ``root``, lists a node twice, places a node
        before one of its inputs or misses an input; if a node's ``_local`` does not match its
        ``_prev``; or if ``seed`` is not a finite number.
    """
    seed = _validate.real("seed", seed)
    nodes = list(order)
    if not nodes or nodes[-1] is not root:
        raise ValueError("order must end with root (the root is processed first, from the end)")
    position = {id(n): i for i, n in enumerate(nodes)}
    if check_order:
        if len(position) != len(nodes):
            raise ValueError("order lists a node more than once")
        for i, node in enumerate(nodes):
            for child in _value_children(node):
                j = position.get(id(child))
                if j is None:
                    raise ValueError(f"order misses {child!r}, an input of {node!r}")
                if j >= i:
                    raise ValueError(
                        f"order places {node!r} before its input {child!r}: every node must "
                        "come after all of its inputs"
                    )
    root.grad = seed
    for node in reversed(nodes):
        prev, local = _value_children(node), _value_locals(node)
        if len(prev) != len(local):
            raise ValueError(
                f"{node!r} has {len(prev)} inputs but {len(local)} local derivatives"
            )
        g = node.grad
        for child, d in zip(prev, local, strict=True):
            child.grad += d * g  # += : a node used by several nodes collects every path


def path_products(root: Any, leaf: Any, children: Children | None = None,
                  local: Callable[[Any], Sequence[float]] | None = None,
                  *, max_paths: int = 10_000) -> list[tuple[list[Any], float]]:
    r"""Every path from ``root`` down to ``leaf``, with the product of local derivatives on it.

    The chain rule for a graph: ``∂root/∂leaf = Σ_paths Π_edges (local derivative)``. The sum
    of the returned products equals what :func:`backpropagate` accumulates in ``leaf.grad``
    (backpropagation computes the same sum without listing the paths, whose number can grow
    exponentially with depth).

    Parameters
    ----------
    root, leaf : nodes
    children, local : callables, optional
        ``children(node)`` and ``local(node)`` (aligned); default ``node._prev`` and
        ``node._local``.
    max_paths : int
        Raise instead of listing more paths than this.

    Returns
    -------
    list of (list of nodes, float)
        Each path from ``root`` to ``leaf`` (both included) and its product; an empty list if
        ``leaf`` is not reachable. A node used twice by the same parent (``x * x``) gives two
        paths.

    Raises
    ------
    ValueError
        If there are more than ``max_paths`` paths, or ``local`` does not match ``children``.
    """
    children = _check_children(children) if children is not None else _value_children
    local = local if local is not None else _value_locals
    out: list[tuple[list[Any], float]] = []
    stack: list[tuple[Any, list[Any], float]] = [(root, [root], 1.0)]
    while stack:
        node, path, product = stack.pop()
        if node is leaf:
            out.append((path, product))
            if len(out) > max_paths:
                raise ValueError(f"more than {max_paths} paths from root to leaf")
            continue
        kids = list(children(node))
        locs = list(local(node))
        if len(kids) != len(locs):
            raise ValueError(f"{node!r} has {len(kids)} inputs but {len(locs)} local derivatives")
        # pushed in reverse so paths come out in the order of the inputs
        for child, d in reversed(list(zip(kids, locs, strict=True))):
            stack.append((child, path + [child], product * float(d)))
    return out


def _default_backward(loss: Any) -> None:
    loss.backward()


def train(params: Sequence[Any], loss_fn: Callable[[Sequence[Any]], Any], lr: float,
          n_steps: int, backward: Callable[[Any], None] | None = None,
          *, zero_grad: bool = True) -> list[float]:
    """Gradient descent on scalar parameters with an autodiff engine.

    Each step: set every parameter's ``grad`` to 0 (unless ``zero_grad=False``, which shows
    what forgetting it does), build the loss, run the backward pass, then
    ``p.data -= lr * p.grad`` for every parameter.

    Parameters
    ----------
    params : sequence of nodes
        Leaves with ``data`` and ``grad`` (e.g. :class:`gdutils.autograd.Value`), updated in
        place.
    loss_fn : callable
        ``loss_fn(params)`` builds a fresh graph and returns its root.
    lr : float
        Learning rate, > 0.
    n_steps : int
        Number of updates, >= 0.
    backward : callable, optional
        ``backward(loss)`` adds ∂loss/∂node to every node's ``grad``; default
        ``loss.backward()``.
    zero_grad : bool, default True

    Returns
    -------
    list of float
        The loss before each update (length ``n_steps``).

    Raises
    ------
    ValueError
        If ``lr`` is not a positive number or ``n_steps`` not a non-negative integer.

    Examples
    --------
    >>> from gdutils.autograd import Value
    >>> w = Value(0.0)
    >>> losses = train([w], lambda p: (p[0] - 3.0) ** 2, lr=0.25, n_steps=3)
    >>> losses, w.data
    ([9.0, 2.25, 0.5625], 2.625)
    """
    lr = _validate.real("lr", lr)
    if lr <= 0:
        raise ValueError(f"lr must be positive, got {lr}")
    if isinstance(n_steps, bool) or not isinstance(n_steps, numbers.Integral) or n_steps < 0:
        raise ValueError(f"n_steps must be a non-negative integer, got {n_steps!r}")
    params = list(params)
    backward = backward if backward is not None else _default_backward
    losses: list[float] = []
    for _ in range(int(n_steps)):
        if zero_grad:
            for p in params:
                p.grad = 0.0  # leaves keep their gradient between graphs: clear it
        loss = loss_fn(params)
        losses.append(float(loss.data))
        backward(loss)
        for p in params:
            p.data -= lr * p.grad
    return losses
