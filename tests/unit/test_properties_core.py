"""Property-based tests (hypothesis) for gradcheck, nn, optim and autograd."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gdutils.autograd import Value
from gdutils.gradcheck import check_layer, numerical_gradient, rel_error
from gdutils.nn import Linear, SoftmaxCrossEntropy
from gdutils.optim import Adam

FAST = settings(max_examples=30, deadline=None, database=None)

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
arrays = st.integers(1, 6).flatmap(
    lambda n: st.tuples(
        st.lists(finite, min_size=n, max_size=n), st.lists(finite, min_size=n, max_size=n)
    )
)


@FAST
@given(
    n_in=st.integers(1, 6),
    n_out=st.integers(1, 6),
    batch=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_linear_gradients_pass_the_check_for_any_shape(n_in, n_out, batch, seed) -> None:
    rng = np.random.default_rng(seed)
    layer = Linear(n_in, n_out, rng)
    x = rng.standard_normal((batch, n_in))
    errors = check_layer(layer, x, rng)
    assert set(errors) == {"dx", "W", "b"}
    assert max(errors.values()) < 1e-6


@FAST
@given(arrays)
def test_rel_error_is_symmetric_bounded_and_zero_only_for_equal(pair) -> None:
    a, b = (np.array(v) for v in pair)
    e = rel_error(a, b)
    assert e == rel_error(b, a)
    assert 0.0 <= e <= 1.0
    assert rel_error(a, a) == 0.0
    assert (e == 0.0) == bool(np.array_equal(a, b))


@FAST
@given(arrays, st.floats(min_value=1e-3, max_value=1e3))
def test_rel_error_is_scale_free_above_the_floor(pair, c) -> None:
    a, b = (np.array(v) for v in pair)
    big = (np.abs(a) + np.abs(b)) * min(c, 1.0) > 1e-6
    a, b = a[big], b[big]
    if a.size:
        assert math.isclose(rel_error(c * a, c * b), rel_error(a, b), rel_tol=1e-9, abs_tol=1e-15)


@FAST
@given(arrays)
def test_rel_error_of_opposite_signs_is_one(pair) -> None:
    a = np.array(pair[0])
    a = a[np.abs(a) > 1e-8]
    if a.size:
        assert rel_error(a, -a) == 1.0


@FAST
@given(
    st.lists(
        st.floats(min_value=1e-12, max_value=1e3).flatmap(lambda m: st.sampled_from([m, -m])),
        min_size=1,
        max_size=8,
    ),
    st.floats(min_value=1e-5, max_value=1.0),
)
def test_adam_first_step_is_lr_g_over_abs_g_plus_eps(grads, lr) -> None:
    g = np.array(grads)
    x = np.zeros_like(g)
    Adam([x], lr=lr).step([g])
    np.testing.assert_allclose(x, -lr * g / (np.abs(g) + 1e-8), rtol=1e-13, atol=0)


@FAST
@given(
    batch=st.integers(1, 6),
    k=st.integers(2, 6),
    seed=st.integers(0, 2**32 - 1),
    spread=st.sampled_from([1.0, 30.0, 1000.0]),
)
def test_cross_entropy_is_finite_shift_invariant_and_grad_rows_sum_to_zero(batch, k, seed, spread):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((batch, k)) * spread
    labels = rng.integers(0, k, size=batch)
    ce = SoftmaxCrossEntropy()
    loss = ce.forward(logits, labels)
    grad = ce.backward()
    assert np.isfinite(loss) and loss >= 0.0
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-15)
    shifted = ce.forward(logits + rng.uniform(-500, 500, size=(batch, 1)), labels)
    assert math.isclose(shifted, loss, rel_tol=1e-9, abs_tol=1e-9 * spread)


@FAST
@given(
    st.lists(st.floats(min_value=-2.0, max_value=2.0), min_size=3, max_size=3),
)
def test_value_gradient_matches_numerical_gradient(xs) -> None:
    def f_values(a: Value, b: Value, c: Value) -> Value:
        return (a * b + c.tanh() * a - (b * b + 1.0).log()).sigmoid() + (c - a) ** 2

    leaves = [Value(v) for v in xs]
    f_values(*leaves).backward()
    numeric = numerical_gradient(lambda z: f_values(*(Value(v) for v in z)).data, np.array(xs))
    np.testing.assert_allclose([v.grad for v in leaves], numeric, rtol=1e-6, atol=1e-8)
