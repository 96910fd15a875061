"""gdutils.checks: strict comparisons whose failure messages name the mistake."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdutils import checks
from gdutils.exercises.checks import ExerciseError


def fails(fn, *args, **kwargs) -> str:
    with pytest.raises(ExerciseError) as info:
        fn(*args, **kwargs)
    return str(info.value)


# --- check_array -------------------------------------------------------------------------------


def test_equal_arrays_pass() -> None:
    checks.check_array(np.array([1.0, 2.0]), [1.0, 2.0], name="w")
    checks.check_array(np.array([1.0, 2.0 + 1e-12]), np.array([1.0, 2.0]), name="w")


@pytest.mark.parametrize(
    "got, needle",
    [
        ([1.0, 2.0], "should be a numpy array, but it is a list"),
        ((1.0, 2.0), "a tuple"),
        (3.0, "should be a numpy array, but it is the float 3.0"),
        (None, "forget to `return`"),
        (np.array([1.0, 2.0], dtype=np.float32), "float32"),
        (np.array([1, 2]), "integer dtype"),
        (np.array([[1.0], [2.0]]), "column (n, 1)"),
        (np.array([1.0, 2.0, 3.0]), "off by one"),
        (np.array([-1.0, -2.0]), "sign is flipped"),
        (np.array([2.0, 4.0]), "twice"),
        (np.array([0.5, 1.0]), "factor 2"),
        (np.array([0.0, 0.0]), "all zeros"),
        (np.array([np.nan, 2.0]), "NaN"),
        (np.array([np.inf, 2.0]), "infinity"),
    ],
)
def test_wrong_arrays_are_named(got, needle) -> None:
    assert needle in fails(checks.check_array, got, np.array([1.0, 2.0]), name="w")


def test_array_subclass_is_not_an_array() -> None:
    class Sneaky(np.ndarray):
        def __eq__(self, other):  # noqa: D105 - a cheat: equal to anything
            return np.ones(np.shape(other), dtype=bool)

    got = np.zeros(2).view(Sneaky)
    msg = fails(checks.check_array, got, np.array([1.0, 2.0]), name="w")
    assert "subclass" in msg


def test_object_equal_to_everything_is_rejected() -> None:
    class AlwaysEqual:
        def __eq__(self, other):
            return True

        __hash__ = None

    assert "object of type" in fails(checks.check_array, AlwaysEqual(), np.array([1.0]), name="w")
    assert "should be a number" in fails(checks.check_scalar, AlwaysEqual(), 1.0, name="loss")


def test_n_times_too_large_names_the_batch() -> None:
    msg = fails(checks.check_array, np.array([64.0, -128.0]), np.array([1.0, -2.0]), name="grad", n=64)
    assert "64× too large" in msg and "average" in msg
    msg = fails(checks.check_array, np.array([1 / 64, -2 / 64]), np.array([1.0, -2.0]), name="grad", n=64)
    assert "64× too small" in msg


def test_transposed_matrix() -> None:
    msg = fails(checks.check_array, np.zeros((3, 2)), np.zeros((2, 3)), name="dW")
    assert "transposed" in msg


def test_named_mistakes_take_precedence() -> None:
    right = np.array([1.0, 2.0])
    forward = np.array([1.1, 2.1])
    msg = fails(checks.check_array, forward, right, name="d", mistakes={"forward difference used": forward})
    assert "forward difference used" in msg
    msg = fails(checks.check_array, np.array([5.0, 5.0]), right, name="d",
                mistakes={"all fives": lambda g: bool(np.all(g == 5.0))})
    assert "all fives" in msg


def test_mistake_predicate_that_raises_is_ignored() -> None:
    msg = fails(checks.check_array, np.array([5.0, 5.0]), np.array([1.0, 2.0]), name="d",
                mistakes={"boom": lambda g: 1 / 0})
    assert "boom" not in msg


def test_wildcard_shape() -> None:
    checks.check_array(np.zeros((4, 2)), np.zeros((1, 2)), name="path", shape=(None, 2))
    assert "expected (any, 3)" in fails(checks.check_array, np.zeros((4, 2)), np.zeros((1, 2)), name="p", shape=(None, 3))


def test_tolerances() -> None:
    checks.check_array(np.array([1.001]), np.array([1.0]), name="x", rtol=1e-2)
    fails(checks.check_array, np.array([1.001]), np.array([1.0]), name="x")


def test_integer_arrays_when_asked() -> None:
    checks.check_array(np.array([1, 2]), np.array([1, 2]), name="labels", dtype="int64")
    assert "dtype int64" in fails(checks.check_array, np.array([1.0, 2.0]), np.array([1, 2]), name="labels", dtype="int64")


# --- check_scalar / check_int / check_true ------------------------------------------------------


@pytest.mark.parametrize("good", [2.0, 2, np.float64(2.0), np.array(2.0), np.int64(2)])
def test_scalar_kinds_accepted(good) -> None:
    checks.check_scalar(good, 2.0, name="loss")


@pytest.mark.parametrize(
    "bad, needle",
    [
        (True, "should be a number"),
        (np.float32(2.0), "float32"),
        (np.array([2.0]), ".item()"),
        (np.array([1.0, 2.0]), "sum or mean"),
        ("2.0", "should be a number"),
        (-2.0, "sign is flipped"),
        (float("nan"), "NaN"),
    ],
)
def test_scalar_mistakes(bad, needle) -> None:
    assert needle in fails(checks.check_scalar, bad, 2.0, name="loss")


def test_float_subclass_rejected() -> None:
    class F(float):
        def __eq__(self, other):
            return True

    assert "should be a number" in fails(checks.check_scalar, F(0.0), 2.0, name="loss")


def test_check_int() -> None:
    checks.check_int(3, 3, name="n")
    checks.check_int(np.int64(3), 3, name="n")
    assert "off by one" in fails(checks.check_int, 4, 3, name="n_iter")
    assert "integer" in fails(checks.check_int, 3.0, 3, name="n")
    assert "integer" in fails(checks.check_int, True, 1, name="n")


def test_check_true_needs_a_real_bool() -> None:
    checks.check_true(True, "no")
    checks.check_true(np.bool_(True), "no")
    assert fails(checks.check_true, False, "said no") == "said no"
    assert fails(checks.check_true, 1, "not a bool") == "not a bool"
    assert fails(checks.check_true, np.array([True]), "array") == "array"


# --- check_raises / check_unchanged ------------------------------------------------------------


def test_check_raises() -> None:
    def boom(x):
        raise ValueError("x must have shape (3,)")

    exc = checks.check_raises(ValueError, boom, 1, name="f", match="shape")
    assert isinstance(exc, ValueError)
    assert "should mention" in fails(checks.check_raises, ValueError, boom, 1, name="f", match="dtype")
    assert "returned the int 1" in fails(checks.check_raises, ValueError, lambda: 1, name="f")
    msg = fails(checks.check_raises, ValueError, lambda: 1 / 0, name="f", hint="check the input first")
    assert "ZeroDivisionError" in msg and "check the input first" in msg


def test_check_unchanged() -> None:
    x = np.array([1.0, 2.0])
    before = x.copy()
    checks.check_unchanged(before, x, name="x0")
    x -= 1
    assert "in place" in fails(checks.check_unchanged, before, x, name="x0")


# --- the delegation guard ------------------------------------------------------------------------


@checks.reference("99-test:square")
def _ref_square(x: float) -> float:
    return x * x


@checks.reference("99-test")
class _RefThing:
    def __init__(self, a: float) -> None:
        self.a = a

    def value(self) -> float:
        return self.a

    def __add__(self, other: _RefThing) -> _RefThing:
        return _RefThing(self.a + other.a)


def test_reference_runs_normally_outside_the_guard() -> None:
    assert _ref_square(3.0) == 9.0
    assert (_RefThing(1.0) + _RefThing(2.0)).value() == 3.0
    assert _ref_square.__name__ == "_ref_square"


def test_guard_refuses_reference_functions_and_classes() -> None:
    with checks.forbid_reference("99-test"):
        msg = fails(_ref_square, 3.0)
        assert "_ref_square" in msg and "write it yourself" in msg
        with pytest.raises(checks.DelegationError):
            _RefThing(1.0)
    assert _ref_square(2.0) == 4.0  # the guard is gone after the block


def test_guard_by_exercise_only_refuses_that_exercise() -> None:
    with checks.forbid_reference("99-test:square"):
        fails(_ref_square, 3.0)
        assert _RefThing(1.0).value() == 1.0
    with checks.forbid_reference("98-other"):
        assert _ref_square(3.0) == 9.0


def test_guard_catches_delegation_inside_a_learner_function() -> None:
    def learner_square(x):
        return _ref_square(x)  # "my" answer just calls the reference

    with checks.forbid_reference("99-test"), pytest.raises(checks.DelegationError):
        learner_square(2.0)


def test_references_registry() -> None:
    names = checks.references_for("99-test")
    assert any(n.endswith("_ref_square") for n in names)
    assert any(n.endswith("_RefThing") for n in names)
    assert checks.references_for("no-such-assignment") == []
    with pytest.raises(ValueError):
        checks.reference()


def test_guard_is_exception_safe() -> None:
    with pytest.raises(RuntimeError), checks.forbid_reference("99-test"):
        raise RuntimeError
    assert _ref_square(2.0) == 4.0


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False).filter(lambda v: abs(v) > 1e-3), min_size=1, max_size=8))
def test_sign_flip_is_always_recognised(values) -> None:
    expected = np.array(values)
    msg = fails(checks.check_array, -expected, expected, name="g")
    assert "sign is flipped" in msg


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=0, max_size=8))
def test_an_array_always_equals_itself(values) -> None:
    a = np.array(values, dtype=float)
    checks.check_array(a.copy(), a, name="a")


def test_describe() -> None:
    assert checks.describe(np.zeros((2, 3))) == "a numpy array of shape (2, 3) and dtype float64"
    assert checks.describe({"a": 1}) == "a dict of length 1"
