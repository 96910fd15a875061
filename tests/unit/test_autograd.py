"""gdutils.autograd: the scalar Value engine against closed forms and finite differences."""

from __future__ import annotations

import json
import math
import sys
import time

import numpy as np
import pytest

from gdutils import autograd, checks
from gdutils.autograd import Value, topological_order, trace, zero_grad
from gdutils.gradcheck import centred_difference


def test_the_contract_example_matches_the_closed_form() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = (a * b + a**2).tanh()
    c.backward()
    t = math.tanh(2.0 * -3.0 + 4.0)
    assert c.data == pytest.approx(t, rel=1e-15)
    assert a.grad == pytest.approx((1 - t * t) * (-3.0 + 2 * 2.0), rel=1e-14)
    assert b.grad == pytest.approx((1 - t * t) * 2.0, rel=1e-14)
    assert c.grad == 1.0


UNARY = {
    "neg": (lambda v: -v, 0.7),
    "exp": (lambda v: v.exp(), 0.3),
    "log": (lambda v: v.log(), 1.7),
    "tanh": (lambda v: v.tanh(), -0.4),
    "relu+": (lambda v: v.relu(), 0.8),
    "relu-": (lambda v: v.relu(), -0.8),
    "sigmoid+": (lambda v: v.sigmoid(), 1.3),
    "sigmoid-": (lambda v: v.sigmoid(), -2.1),
    "square": (lambda v: v**2, -1.5),
    "cube": (lambda v: v**3, -1.5),
    "sqrt": (lambda v: v**0.5, 2.5),
    "inverse": (lambda v: v**-1, -0.6),
    "pow-neg-int": (lambda v: v**-2, -0.6),
    "radd": (lambda v: 2.5 + v, 0.1),
    "rsub": (lambda v: 2.5 - v, 0.1),
    "rmul": (lambda v: 2.5 * v, 0.1),
    "rdiv": (lambda v: 2.5 / v, 0.9),
    "sub-const": (lambda v: v - 4.0, 0.9),
    "div-const": (lambda v: v / 4.0, 0.9),
    "numpy-scalar": (lambda v: np.float64(3.0) * v + np.float64(1.0), 0.9),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_each_operation_against_centred_differences(name: str) -> None:
    f, x0 = UNARY[name]
    x = Value(x0)
    y = f(x)
    assert isinstance(y, Value)
    y.backward()
    numeric = centred_difference(lambda z: f(Value(z)).data, x0, 1e-6)
    assert x.grad == pytest.approx(numeric, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize(
    "f",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a * b,
        lambda a, b: a / b,
        lambda a, b: (a * b + a / b - b**2).tanh() * a.exp(),
        lambda a, b: (a * a * b).sigmoid() + (b * b + 1.0).log() - (a - b).relu(),
    ],
)
def test_binary_expressions_against_centred_differences(f) -> None:
    a0, b0 = 0.7, -1.3
    a, b = Value(a0), Value(b0)
    f(a, b).backward()
    assert a.grad == pytest.approx(
        centred_difference(lambda z: f(Value(z), Value(b0)).data, a0), rel=1e-7, abs=1e-9
    )
    assert b.grad == pytest.approx(
        centred_difference(lambda z: f(Value(a0), Value(z)).data, b0), rel=1e-7, abs=1e-9
    )


def test_gradients_accumulate_for_a_node_used_twice() -> None:
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0  # `=` instead of `+=` would give 3
    b = Value(-2.0)
    (b + b).backward()
    assert b.grad == 2.0
    # a diamond: d = x·y, e = d + d·x  → ∂e/∂x = y + 2xy,  ∂e/∂y = x + x²
    x, y = Value(1.5), Value(-0.5)
    d = x * y
    e = d + d * x
    e.backward()
    assert x.grad == pytest.approx(-0.5 + 2 * 1.5 * -0.5)
    assert y.grad == pytest.approx(1.5 + 1.5**2)
    assert d.grad == pytest.approx(1 + 1.5)


def test_a_100000_node_chain_needs_no_recursion() -> None:
    n = 100_000
    c = Value(1.000001)
    x = Value(0.5)
    y = x
    for _ in range(n):
        y = y * c
    assert sys.getrecursionlimit() < n
    start = time.perf_counter()
    y.backward()
    elapsed = time.perf_counter() - start
    assert x.grad == pytest.approx(1.000001**n, rel=1e-9)
    assert c.grad == pytest.approx(n * 0.5 * 1.000001 ** (n - 1), rel=1e-9)
    assert elapsed < 5.0


def test_a_deep_tanh_chain_against_the_derivative_product() -> None:
    x = Value(0.3)
    y, values = x, []
    for _ in range(2000):
        y = y.tanh()
        values.append(y.data)
    y.backward()
    assert x.grad == pytest.approx(math.prod(1 - v * v for v in values), rel=1e-10)


def test_leaf_gradients_accumulate_across_backward_calls_until_zeroed() -> None:
    a, b = Value(2.0), Value(5.0)
    c = a * b
    d = c + a
    d.backward()
    assert (a.grad, b.grad, c.grad) == (6.0, 2.0, 1.0)
    d.backward()
    assert (a.grad, b.grad) == (12.0, 4.0)  # leaves accumulate (forgot to zero)
    assert c.grad == 1.0  # intermediate gradients are recomputed
    zero_grad(d)
    assert a.grad == b.grad == c.grad == d.grad == 0.0
    d.backward()
    assert (a.grad, b.grad) == (6.0, 2.0)
    d.zero_grad()
    assert a.grad == 0.0


def test_backward_seed_scales_every_gradient() -> None:
    a = Value(1.5)
    y = (a * a).exp()
    y.backward(0.5)
    assert a.grad == pytest.approx(0.5 * 2 * 1.5 * math.exp(2.25))


def test_topological_order_puts_children_first_and_root_last() -> None:
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    pos = {id(v): i for i, v in enumerate(order)}
    assert order[-1] is e and len(order) == 5
    for node in order:
        for child in node._prev:
            assert pos[id(child)] < pos[id(node)]


def test_trace_exports_plain_data() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c.tanh()
    d.backward()
    nodes, edges = trace(d)
    json.dumps({"nodes": nodes, "edges": edges})  # plain data only
    assert [n["id"] for n in nodes] == list(range(4))
    by_label = {n["label"]: n for n in nodes}
    assert by_label["c"]["op"] == "*" and by_label["a"]["grad"] == pytest.approx(a.grad)
    assert nodes[-1]["op"] == "tanh" and nodes[-1]["grad"] == 1.0
    assert len(edges) == 3
    into_c = {(e["source"], e["local_grad"]) for e in edges if e["target"] == by_label["c"]["id"]}
    assert into_c == {(by_label["a"]["id"], -3.0), (by_label["b"]["id"], 2.0)}


def test_repr() -> None:
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(1, label="w")) == "Value(data=1.0, grad=0.0, label='w')"


def test_numbers_become_float_leaves() -> None:
    v = Value(3)
    assert type(v.data) is float
    y = 2 * v
    assert isinstance(y, Value) and y.data == 6.0
    assert float(Value(2.5)) == 2.5


@pytest.mark.parametrize(
    "thunk, exc, match",
    [
        (lambda: Value(0.0).log(), ValueError, "log of a non-positive number"),
        (lambda: Value(-1.0).log(), ValueError, "log of a non-positive number"),
        (lambda: Value(-8.0) ** 0.5, ValueError, "fractional power of a negative"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, "negative power of zero"),
        (lambda: Value(1.0) / Value(0.0), ZeroDivisionError, "equal to 0"),
        (lambda: 1.0 / Value(0.0), ZeroDivisionError, "equal to 0"),
        (lambda: Value(1000.0).exp(), OverflowError, "overflows"),
        (lambda: Value(1e200) * Value(1e200), ValueError, "not finite"),
        (lambda: Value(float("nan")), ValueError, "not finite"),
        (lambda: Value("1.0"), ValueError, "real number"),
        (lambda: Value(True), ValueError, "real number"),
        (lambda: Value(Value(1.0)), ValueError, "got a Value"),
        (lambda: Value(2.0) ** Value(2.0), TypeError, "number exponent"),
        (lambda: Value(2.0) + np.array([1.0, 2.0]), ValueError, "real number"),
    ],
)
def test_invalid_operations_raise_instead_of_nan(thunk, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        thunk()


def test_sigmoid_is_stable_and_sqrt_at_zero_does_not_poison_the_graph() -> None:
    lo, hi = Value(-1000.0).sigmoid(), Value(1000.0).sigmoid()
    assert lo.data == 0.0 and hi.data == 1.0
    x = Value(0.0)
    y = x**0.5 * 0.0 + x * 2.0  # the sqrt branch gets an upstream gradient of exactly 0
    y.backward()
    assert x.grad == 2.0


def test_nodes_without_local_derivatives_are_reported() -> None:
    a = Value(1.0)
    handmade = Value(2.0, (a,), "?")
    with pytest.raises(RuntimeError, match="no local derivatives"):
        handmade.backward()
    ok = Value(2.0, (a,), "double", "", (2.0,))
    ok.backward()
    assert a.grad == 2.0


def test_reference_tag_guards_the_class_and_keeps_operators_working() -> None:
    assert Value.__gd_reference__ == ("07-backprop-scalar",)
    assert "gdutils.autograd.Value" in checks.references_for("07-backprop-scalar")
    a = Value(2.0)
    b = a * a + 1  # dunder operators work outside the guard
    b.backward()
    assert a.grad == 4.0
    with checks.forbid_reference("07-backprop-scalar"):
        with pytest.raises(checks.DelegationError):
            Value(1.0)
        with pytest.raises(checks.DelegationError):
            a * 2.0  # builds a Value
        with pytest.raises(checks.DelegationError):
            b.backward()
        with pytest.raises(checks.DelegationError):
            a.tanh()
    with checks.forbid_reference("08-backprop-layers"):
        Value(1.0).tanh()


def test_module_exports() -> None:
    assert set(autograd.__all__) == {"Value", "topological_order", "zero_grad", "trace"}
