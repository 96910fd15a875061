"""Scalar reverse-mode automatic differentiation (micrograd-style), for notebook 07.

A :class:`Value` wraps one float and remembers how it was computed: its children (the inputs
of the operation) and the *local derivatives* ∂out/∂child, computed beside the forward value.
``root.backward()`` then visits the graph in reverse topological order and applies the chain
rule, ``child.grad += local · node.grad``::

    a = Value(2.0, label="a"); b = Value(-3.0, label="b")
    c = (a * b + a ** 2).tanh()
    c.backward()
    a.grad, b.grad

Design choices, each one a mistake notebook 07 names:

* gradients are **accumulated** with ``+=``: a node used twice (``a * a``, or ``a`` above)
  receives both contributions;
* the topological order is computed **iteratively** (an explicit stack), so a chain of
  100 000 operations needs no recursion and hits no recursion limit;
* leaf gradients accumulate over calls to ``backward`` (as torch's ``.grad`` does), so a
  second ``backward`` without :func:`zero_grad` doubles them; gradients of intermediate nodes
  are recomputed from zero by each call.

Numbers mixed with Values (``2 * a``, ``1 - a``) become constant leaves. Invalid operations
raise instead of producing NaN: ``log`` of a non-positive number and a fractional power of a
negative number raise ``ValueError``; an overflow raises ``OverflowError``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = ["Value", "topological_order", "zero_grad", "trace"]


def _as_data(data: Any) -> float:
    if isinstance(data, bool) or not isinstance(data, numbers.Real):
        if isinstance(data, Value):
            raise ValueError("data must be a number, got a Value: use the Value itself")
        raise ValueError(f"data must be a real number, got {type(data).__name__}")
    return float(data)


class Value:
    """A scalar in a computation graph, with its gradient.

    Parameters
    ----------
    data : float
        The value (ints and numpy scalars are converted to float).
    _children : tuple of Value
        The operands this value was computed from (set by the operators).
    _op : str
        The operation's name, for display (``'+'``, ``'*'``, ``'tanh'``, …).
    label : str
        An optional name for display.
    _local : tuple of float, optional
        ∂self/∂child for each child (set by the operators; needed by ``backward`` for every
        node with children).

    Attributes
    ----------
    data : float
    grad : float
        ∂root/∂self after ``root.backward()``; 0 before.

    Notes
    -----
    Supported: ``+ - * /`` with Values or numbers on either side, ``-v``, ``v ** n`` for a
    number ``n``, and the methods :meth:`exp`, :meth:`log`, :meth:`tanh`, :meth:`relu`,
    :meth:`sigmoid`. Values hash by identity (``==`` is identity too), so they can be kept in
    sets and dicts while traversing a graph.
    """

    __slots__ = ("data", "grad", "_prev", "_local", "_op", "label")
    # numpy scalars on the left (np.float64(2) * v) defer to Value's reflected operators
    __array_ufunc__ = None

    def __init__(
        self,
        data: float,
        _children: tuple[Value, ...] = (),
        _op: str = "",
        label: str = "",
        _local: tuple[float, ...] | None = None,
    ) -> None:
        if type(data) is not float:
            data = _as_data(data)
        if not math.isfinite(data):
            what = f"the result of {_op!r}" if _op else "data"
            raise ValueError(f"{what} is not finite ({data}): an overflow or an invalid input")
        self.data = data
        self.grad = 0.0
        self._prev = tuple(_children)
        self._local = _local
        self._op = _op
        self.label = label

    # -- arithmetic ---------------------------------------------------------------------------

    def __add__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        # ∂(a+b)/∂a = 1, ∂(a+b)/∂b = 1
        return Value(self.data + other.data, (self, other), "+", "", (1.0, 1.0))

    def __radd__(self, other: float) -> Value:
        return self + other

    def __sub__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        # ∂(a−b)/∂a = 1, ∂(a−b)/∂b = −1
        return Value(self.data - other.data, (self, other), "-", "", (1.0, -1.0))

    def __rsub__(self, other: float) -> Value:
        return Value(other) - self

    def __mul__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        # ∂(ab)/∂a = b, ∂(ab)/∂b = a
        return Value(self.data * other.data, (self, other), "*", "", (other.data, self.data))

    def __rmul__(self, other: float) -> Value:
        return self * other

    def __truediv__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        b = other.data
        if b == 0.0:
            raise ZeroDivisionError(f"division of {self.data} by a Value equal to 0")
        q = self.data / b
        # ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b² = −q/b
        return Value(q, (self, other), "/", "", (1.0 / b, -q / b))

    def __rtruediv__(self, other: float) -> Value:
        return Value(other) / self

    def __neg__(self) -> Value:
        # ∂(−a)/∂a = −1
        return Value(-self.data, (self,), "neg", "", (-1.0,))

    def __pow__(self, n: float) -> Value:
        if isinstance(n, Value):
            raise TypeError("only a number exponent is supported: v ** 2, not v ** Value(2)")
        if isinstance(n, bool) or not isinstance(n, numbers.Real):
            raise TypeError(f"the exponent must be a real number, got {type(n).__name__}")
        n = float(n)
        x = self.data
        if x < 0.0 and not n.is_integer():
            raise ValueError(f"{x} ** {n}: a fractional power of a negative number is not real")
        if x == 0.0 and n < 0.0:
            raise ZeroDivisionError(f"0.0 ** {n}: a negative power of zero")
        try:
            y = x**n
        except OverflowError:
            raise OverflowError(f"{x} ** {n} overflows float64") from None
        # ∂(xⁿ)/∂x = n·xⁿ⁻¹ (0 for n = 0; unbounded at x = 0 for 0 < n < 1, as torch's inf)
        if n == 0.0:
            d = 0.0
        elif x == 0.0 and n < 1.0:
            d = math.inf
        else:
            d = n * x ** (n - 1.0)
        return Value(y, (self,), f"**{n:g}", "", (d,))

    # -- functions ----------------------------------------------------------------------------

    def exp(self) -> Value:
        """``e^x``; its derivative is itself."""
        try:
            y = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp({self.data}) overflows float64") from None
        return Value(y, (self,), "exp", "", (y,))  # ∂eˣ/∂x = eˣ

    def log(self) -> Value:
        """Natural logarithm; needs ``data > 0``."""
        x = self.data
        if x <= 0.0:
            raise ValueError(f"log of a non-positive number ({x})")
        return Value(math.log(x), (self,), "log", "", (1.0 / x,))  # ∂log x/∂x = 1/x

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        t = math.tanh(self.data)
        return Value(t, (self,), "tanh", "", (1.0 - t * t,))  # ∂tanh/∂x = 1 − tanh²

    def relu(self) -> Value:
        """``max(x, 0)``; derivative 1 for x > 0 and 0 otherwise (0 at the kink, as torch)."""
        x = self.data
        if x > 0.0:
            return Value(x, (self,), "relu", "", (1.0,))
        return Value(0.0, (self,), "relu", "", (0.0,))

    def sigmoid(self) -> Value:
        """Logistic function ``1/(1+e^{−x})``, computed without overflow for any x."""
        x = self.data
        e = math.exp(-abs(x))  # in (0, 1]
        r = 1.0 / (1.0 + e)
        s = r if x >= 0.0 else e * r
        # ∂σ/∂x = σ(1 − σ) = e/(1 + e)², accurate even where 1 − σ rounds to 0
        return Value(s, (self,), "sigmoid", "", (e * r * r,))

    # -- backward -----------------------------------------------------------------------------

    def backward(self, grad: float = 1.0) -> None:
        """Accumulate ∂self/∂node into ``node.grad`` for every node of the graph.

        ``grad`` seeds the root (∂L/∂self, 1 by default). Intermediate nodes' gradients are
        recomputed from zero; leaves' gradients accumulate across calls (use
        :func:`zero_grad` between independent backward passes).
        """
        # Kahn's algorithm: count each node's parents inside the graph, then visit a node only
        # once all its parents have passed their gradient to it (no recursion anywhere).
        n_parents: dict[Value, int] = {self: 0}
        stack = [self]
        while stack:
            node = stack.pop()
            prev = node._prev
            if not prev:
                continue
            if node._local is None or len(node._local) != len(prev):
                raise RuntimeError(
                    f"{node!r} has children but no local derivatives (_local): build "
                    "nodes with the operators, or pass _local=(∂out/∂child, ...)"
                )
            node.grad = 0.0  # intermediate gradients are recomputed, not accumulated
            for child in prev:
                count = n_parents.get(child)
                if count is None:
                    n_parents[child] = 1
                    stack.append(child)
                else:
                    n_parents[child] = count + 1
        self.grad += float(grad)
        ready = [self]
        while ready:
            node = ready.pop()
            g = node.grad  # complete: every parent has already contributed
            for child, local in zip(node._prev, node._local or (), strict=True):
                if g != 0.0:  # skip exact zeros: 0·∞ (√ at 0) would otherwise give NaN
                    child.grad += local * g  # chain rule; += as a child may have many parents
                count = n_parents[child] - 1
                n_parents[child] = count
                if count == 0:
                    ready.append(child)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 for every node of the graph that ends at this node."""
        zero_grad(self)

    # -- display ------------------------------------------------------------------------------

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        extra = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{extra})"


def topological_order(root: Value) -> list[Value]:
    """Every node the root depends on, children before parents, root last.

    Kahn's algorithm with explicit stacks (no recursion, so deep graphs are fine): count each
    node's parents inside the graph, then release a node once all its parents are placed.
    """
    if not isinstance(root, Value):
        raise ValueError(f"root must be a Value, got {type(root).__name__}")
    n_parents: dict[Value, int] = {root: 0}
    stack = [root]
    while stack:
        for child in stack.pop()._prev:
            count = n_parents.get(child)
            if count is None:
                n_parents[child] = 1
                stack.append(child)
            else:
                n_parents[child] = count + 1
    order: list[Value] = []  # parents before children; reversed at the end
    ready = [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for child in node._prev:
            count = n_parents[child] - 1
            n_parents[child] = count
            if count == 0:
                ready.append(child)
    order.reverse()
    return order


def zero_grad(root: Value) -> None:
    """Set ``grad = 0`` on every node of the graph ending at ``root``."""
    for node in topological_order(root):
        node.grad = 0.0


def trace(root: Value) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Export the graph ending at ``root`` as plain data, for drawing.

    Returns
    -------
    nodes : list of dict
        In topological order (root last), each ``{"id", "label", "op", "data", "grad"}``; ``id``
        is the node's position in this list.
    edges : list of dict
        ``{"source": child id, "target": parent id, "local_grad": ∂parent/∂child}``, from each
        operand to the result computed from it (the direction values flow).
    """
    order = topological_order(root)
    index = {id(node): i for i, node in enumerate(order)}
    nodes = [
        {"id": i, "label": n.label, "op": n._op, "data": n.data, "grad": n.grad}
        for i, n in enumerate(order)
    ]
    edges: list[dict[str, Any]] = []
    for n in order:
        locals_ = n._local if n._local is not None else (math.nan,) * len(n._prev)
        for child, local in zip(n._prev, locals_, strict=False):
            edges.append(
                {"source": index[id(child)], "target": index[id(n)], "local_grad": float(local)}
            )
    return nodes, edges
