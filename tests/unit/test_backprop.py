"""gdutils.backprop: generic topological order, the backward pass, paths and the training loop,
checked against gdutils.autograd, finite differences, closed forms and torch."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdutils import backprop, checks
from gdutils.autograd import Value
from gdutils.gradcheck import centred_difference


def _is_topological(order, graph, root) -> bool:
    reach, stack = set(), [root]
    while stack:
        n = stack.pop()
        if n not in reach:
            reach.add(n)
            stack.extend(graph[n])
    pos = {n: i for i, n in enumerate(order)}
    return (
        len(pos) == len(order)
        and set(order) == reach
        and order[-1] == root
        and all(pos[c] < pos[n] for n in order for c in graph[n])
    )


def _random_dag(n: int, seed: int) -> dict[int, list[int]]:
    rng = random.Random(seed)
    # node i may use any node j > i: a DAG whose root is 0
    return {i: sorted(rng.sample(range(i + 1, n), k=min(n - i - 1, rng.randint(0, 3))))
            for i in range(n)}


# ---------------------------------------------------------------------------------------------
# topological_order


def test_order_of_the_running_example() -> None:
    graph = {"L": ["s"], "s": ["p", "a"], "p": ["a", "b"], "a": [], "b": []}
    order = backprop.topological_order("L", graph.__getitem__)
    assert order == ["a", "b", "p", "s", "L"]
    assert _is_topological(order, graph, "L")


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), seed=st.integers(0, 10_000))
def test_order_is_topological_on_random_dags(n: int, seed: int) -> None:
    graph = _random_dag(n, seed)
    order = backprop.topological_order(0, graph.__getitem__)
    assert _is_topological(order, graph, 0)


def test_a_chain_far_deeper_than_the_recursion_limit() -> None:
    n = 100_000
    graph = {i: ([i + 1] if i < n else []) for i in range(n + 1)}
    order = backprop.topological_order(0, graph.__getitem__)
    assert order == list(range(n, -1, -1))


def test_shared_nodes_are_listed_once_and_unreachable_ones_not_at_all() -> None:
    graph = {"y": ["x", "x"], "x": [], "z": ["x"]}
    assert backprop.topological_order("y", graph.__getitem__) == ["x", "y"]
    # a ladder with 2**30 root-to-leaf paths is still linear work
    ladder = {k: [k - 1, k - 1] for k in range(1, 31)} | {0: []}
    assert backprop.topological_order(30, ladder.__getitem__) == list(range(31))


def test_order_on_autograd_values_matches_autograd() -> None:
    a, b = Value(0.3), Value(-1.2)
    f = ((a * b + a) ** 2).tanh() * (b - a).exp()
    mine = backprop.topological_order(f, lambda v: v._prev)
    from gdutils.autograd import topological_order as theirs

    assert {id(v) for v in mine} == {id(v) for v in theirs(f)}
    pos = {id(v): i for i, v in enumerate(mine)}
    assert all(pos[id(c)] < pos[id(v)] for v in mine for c in v._prev)


def test_order_rejects_cycles_and_bad_children() -> None:
    with pytest.raises(ValueError, match="cycle"):
        backprop.topological_order("a", {"a": ["b"], "b": ["a"]}.__getitem__)
    with pytest.raises(ValueError, match="callable"):
        backprop.topological_order("a", {"a": []})
    with pytest.raises(ValueError, match="None"):
        backprop.topological_order("a", lambda n: None)


def test_breadth_first_order_is_not_topological_on_the_trap() -> None:
    graph = {"L": ["p", "a"], "p": ["q"], "q": ["a"], "a": []}
    order = backprop.breadth_first_order("L", graph.__getitem__)
    assert sorted(order) == sorted(graph) and order[-1] == "L"
    assert not _is_topological(order, graph, "L")
    assert _is_topological(backprop.topological_order("L", graph.__getitem__), graph, "L")


# ---------------------------------------------------------------------------------------------
# backpropagate


def _expressions():
    return [
        lambda a, b: (a * b + a).tanh(),
        lambda a, b: (a + b) * (a - b),
        lambda a, b: (a * b).relu() + b.exp(),
        lambda a, b: ((a * a * b + 1.0) ** 2).tanh() * a - b / (a * a + 1.0),
        lambda a, b: (a * b).sigmoid() * (b * b + 0.5).log() + a ** 3,
    ]


@pytest.mark.parametrize("k", range(5))
def test_backpropagate_matches_autograd_and_finite_differences(k: int) -> None:
    f = _expressions()[k]
    a0, b0 = 0.7, -1.3
    a, b = Value(a0), Value(b0)
    out = f(a, b)
    backprop.backpropagate(out, backprop.topological_order(out, lambda v: v._prev))
    mine = (a.grad, b.grad)
    a2, b2 = Value(a0), Value(b0)
    f(a2, b2).backward()
    assert mine == pytest.approx((a2.grad, b2.grad), rel=1e-13, abs=1e-15)
    fd_a = centred_difference(lambda z: f(Value(z), Value(b0)).data, a0)
    fd_b = centred_difference(lambda z: f(Value(a0), Value(z)).data, b0)
    assert mine == pytest.approx((fd_a, fd_b), rel=1e-7, abs=1e-9)


@pytest.mark.torch
@pytest.mark.parametrize("k", range(5))
def test_backpropagate_matches_torch(k: int) -> None:
    torch = pytest.importorskip("torch")
    f = _expressions()[k]
    a0, b0 = 0.7, -1.3
    a, b = Value(a0), Value(b0)
    out = f(a, b)
    backprop.backpropagate(out, backprop.topological_order(out, lambda v: v._prev))
    ta = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    f(ta, tb).backward()
    assert (a.grad, b.grad) == pytest.approx((ta.grad.item(), tb.grad.item()), rel=1e-13)


def test_the_sum_over_paths_is_the_gradient() -> None:
    a, b = Value(0.5), Value(-1.5)
    f = (a * b + a).tanh()
    backprop.backpropagate(f, backprop.topological_order(f, lambda v: v._prev))
    paths = backprop.path_products(f, a)
    assert len(paths) == 2
    dt = 1.0 - math.tanh(0.5 * -1.5 + 0.5) ** 2
    assert sorted(p for _, p in paths) == pytest.approx(sorted([dt * -1.5, dt * 1.0]), rel=1e-14)
    assert sum(p for _, p in paths) == pytest.approx(a.grad, rel=1e-14)
    # x * x: one node, two edges, two paths
    x = Value(3.0)
    y = x * x
    assert [p for _, p in backprop.path_products(y, x)] == [3.0, 3.0]
    assert backprop.path_products(y, Value(1.0)) == []


def test_path_products_refuses_exponentially_many_paths() -> None:
    x = Value(1.0)
    y = x
    for _ in range(20):
        y = y * y
    with pytest.raises(ValueError, match="paths"):
        backprop.path_products(y, x, max_paths=1000)


def test_assignment_instead_of_accumulation_is_wrong() -> None:
    # what `=` would compute: only the last path's contribution
    a, b = Value(0.5), Value(-1.5)
    f = (a * b + a).tanh()
    order = backprop.topological_order(f, lambda v: v._prev)
    backprop.backpropagate(f, order)
    contributions = [p for _, p in backprop.path_products(f, a)]
    assert all(abs(c - a.grad) > 0.1 for c in contributions)


def test_a_wrong_order_gives_a_wrong_gradient_and_is_refused_when_checked() -> None:
    # out uses m directly and through q = tanh(m): a breadth-first order passes m's gradient
    # on to a before q has added its share
    a = Value(0.8)
    m = a * a
    out = (m.tanh() * 2.0) * m
    bfs = backprop.breadth_first_order(out, lambda v: v._prev)
    with pytest.raises(ValueError, match="before its input"):
        backprop.backpropagate(out, bfs)
    backprop.backpropagate(out, bfs, check_order=False)
    wrong = a.grad
    a2 = Value(0.8)
    m2 = a2 * a2
    out2 = (m2.tanh() * 2.0) * m2
    out2.backward()
    assert abs(wrong - a2.grad) > 0.1


def test_backpropagate_accumulates_and_validates() -> None:
    a = Value(2.0)
    out = a * a
    order = backprop.topological_order(out, lambda v: v._prev)
    backprop.backpropagate(out, order)
    assert a.grad == 4.0
    out.grad = 0.0
    backprop.backpropagate(out, order, seed=0.5)
    assert a.grad == 6.0  # 4 + 0.5·4: leaves accumulate
    with pytest.raises(ValueError, match="end with root"):
        backprop.backpropagate(out, order[:-1])
    with pytest.raises(ValueError, match="more than once"):
        backprop.backpropagate(out, [a, a, out])
    with pytest.raises(ValueError, match="misses"):
        backprop.backpropagate(out, [out])
    with pytest.raises(ValueError, match="seed"):
        backprop.backpropagate(out, order, seed=float("nan"))


def test_a_deep_chain_backpropagates_without_recursion() -> None:
    x = Value(0.3)
    y = x
    for _ in range(50_000):
        y = y * 0.9999 + 0.0001
    backprop.backpropagate(y, backprop.topological_order(y, lambda v: v._prev))
    assert x.grad == pytest.approx(0.9999 ** 50_000, rel=1e-9)


# ---------------------------------------------------------------------------------------------
# train


def _line_problem():
    xs = np.array([0.5, 1.5, -1.0, 2.0])
    ys = np.array([1.0, 2.5, -0.5, 3.5])

    def loss_fn(params):
        w, b = params
        total = Value(0.0)
        for x, y in zip(xs, ys, strict=True):
            total = total + (w * float(x) + b - float(y)) ** 2
        return total / float(len(xs))

    def closed_form(w, b, lr, n, zero=True):
        gw_acc = gb_acc = 0.0
        losses = []
        for _ in range(n):
            r = w * xs + b - ys
            losses.append(float(np.mean(r ** 2)))
            gw, gb = float(np.mean(2 * r * xs)), float(np.mean(2 * r))
            gw_acc = gw if zero else gw_acc + gw
            gb_acc = gb if zero else gb_acc + gb
            w, b = w - lr * gw_acc, b - lr * gb_acc
        return losses, w, b

    return loss_fn, closed_form


@pytest.mark.parametrize("zero", [True, False])
def test_train_matches_gradient_descent_in_closed_form(zero: bool) -> None:
    loss_fn, closed_form = _line_problem()
    w, b = Value(0.0), Value(0.0)
    losses = backprop.train([w, b], loss_fn, lr=0.05, n_steps=25, zero_grad=zero)
    want, w_end, b_end = closed_form(0.0, 0.0, 0.05, 25, zero)
    assert losses == pytest.approx(want, rel=1e-12)
    assert (w.data, b.data) == pytest.approx((w_end, b_end), rel=1e-12)


def test_forgetting_to_zero_the_gradients_hurts() -> None:
    loss_fn, _ = _line_problem()
    runs = {}
    for zero in (True, False):
        w, b = Value(0.0), Value(0.0)
        runs[zero] = backprop.train([w, b], loss_fn, lr=0.05, n_steps=60, zero_grad=zero)
    xs, ys = np.array([0.5, 1.5, -1.0, 2.0]), np.array([1.0, 2.5, -0.5, 3.5])
    A = np.column_stack([xs, np.ones_like(xs)])
    best = float(np.mean((A @ np.linalg.lstsq(A, ys, rcond=None)[0] - ys) ** 2))
    assert runs[True][-1] == pytest.approx(best, rel=1e-3)
    # accumulated gradients act like momentum that never forgets: the loss keeps oscillating
    assert min(runs[False][-10:]) > 2 * best


def test_train_validates_its_arguments() -> None:
    loss_fn, _ = _line_problem()
    w, b = Value(0.0), Value(0.0)
    assert backprop.train([w, b], loss_fn, 0.1, 0) == []
    for bad in (0.0, -1.0, float("inf"), "0.1"):
        with pytest.raises(ValueError, match="lr"):
            backprop.train([w, b], loss_fn, bad, 3)
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="n_steps"):
            backprop.train([w, b], loss_fn, 0.1, bad)


def test_the_references_are_guarded_for_notebook_07() -> None:
    graph = {"a": []}
    with checks.forbid_reference("07-backprop-scalar"):
        with pytest.raises(checks.DelegationError):
            backprop.topological_order("a", graph.__getitem__)
        with pytest.raises(checks.DelegationError):
            backprop.train([], lambda p: None, 0.1, 1)
        # the demonstration helpers are not solutions of an exercise
        assert backprop.breadth_first_order("a", graph.__getitem__) == ["a"]
