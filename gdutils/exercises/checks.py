"""Assertions for exercise tests that name the learner's mistake.

Every graded test in the course is written with these helpers. They are strict about what an
answer *is* (``type(x) is np.ndarray``, dtype, shape) before they compare values, and when a value
is wrong they try to say *why*: a flipped sign, a result ``n`` times too large, a float32
computation, a ``(n, 1)`` column where ``(n,)`` was expected, or one of the classic mistakes the
test computed on purpose (``mistakes={"forward difference instead of centred": wrong_value}``).

They raise :class:`ExerciseError`, a subclass of :class:`AssertionError`, whose message is the hint
the learner sees.

The delegation guard lives here too: reference implementations in ``gdutils`` are tagged with
:func:`reference`, and a test runs the learner's code inside :func:`forbid_reference` so that an
answer which merely calls ``gdutils``' own solution of the same exercise fails with a message
saying so.

Examples
--------
>>> import numpy as np
>>> check_array(np.array([2.0, 4.0]), np.array([2.0, 4.0]), name="grad")
>>> check_array(np.array([-2.0, -4.0]), np.array([2.0, 4.0]), name="grad")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
gdutils.exercises.checks.ExerciseError: `grad` has the wrong values: ...the sign is flipped...
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import importlib
import inspect
import math
import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

from gdutils.exercises.references import REFERENCES as _TABLE

__all__ = [
    "ExerciseError",
    "DelegationError",
    "check_type",
    "check_array",
    "check_scalar",
    "check_int",
    "check_true",
    "check_raises",
    "check_unchanged",
    "describe",
    "diagnose",
    "reference",
    "forbid_reference",
    "references_for",
    "active_forbidden",
    "REFERENCES",
]

# Captured at import time: a learner who later rebinds np.allclose in the kernel does not change
# what these helpers compute. (The hardened grader goes further and re-runs every test outside
# the learner's kernel; see docs/instructors.md.)
_isclose = np.isclose
_asarray = np.asarray
_isfinite = np.isfinite
_ndarray = np.ndarray

F = TypeVar("F", bound=Callable[..., Any])


class ExerciseError(AssertionError):
    """A test failed; the message says what is wrong and, where it can, why."""


class DelegationError(ExerciseError):
    """The answer called gdutils' own reference solution of the exercise under test."""


# ---------------------------------------------------------------------------------------------
# Describing values


def describe(x: Any) -> str:
    """A short, exact description of a value's kind, for error messages.

    >>> describe(np.zeros((3, 1)))
    'a numpy array of shape (3, 1) and dtype float64'
    >>> describe([1.0, 2.0])
    'a list of length 2'
    """
    t = type(x)
    if t is np.ndarray:
        return f"a numpy array of shape {x.shape} and dtype {x.dtype}"
    if isinstance(x, np.ndarray):
        return f"a {t.__module__}.{t.__qualname__} (a numpy array subclass)"
    if x is None:
        return "None (did the function forget to `return`?)"
    if t in (list, tuple, dict, set):
        return f"a {t.__name__} of length {len(x)}"
    if t is bool or t is np.bool_:
        return f"the boolean {x!r}"
    if t in (int, float) or isinstance(x, np.generic):
        return f"the {t.__name__} {x!r}"
    name = getattr(t, "__gd_typename__", None) or f"{t.__module__}.{t.__qualname__}"
    return f"an object of type {name}"


def _fmt(x: Any, limit: int = 6) -> str:
    if type(x) is np.ndarray:
        if x.size <= limit:
            return np.array2string(x, precision=6, separator=", ")
        flat = x.ravel()
        head = ", ".join(f"{v:.6g}" for v in flat[:limit])
        return f"[{head}, ...] (shape {x.shape})"
    if isinstance(x, float | np.floating):
        return f"{float(x):.10g}"
    return repr(x)


# ---------------------------------------------------------------------------------------------
# Type, shape and dtype


def check_type(got: Any, expected: type | tuple[type, ...], *, name: str) -> None:
    """Fail unless ``type(got)`` is exactly one of ``expected`` (subclasses do not count)."""
    types = expected if isinstance(expected, tuple) else (expected,)
    if type(got) not in types:
        want = " or ".join(t.__name__ for t in types)
        raise ExerciseError(f"`{name}` should be a {want}, but it is {describe(got)}.")


def _check_array_kind(
    got: Any, *, name: str, shape: Sequence[int | None] | None, dtype: str | None
) -> np.ndarray:
    if type(got) is not _ndarray:
        hint = ""
        if type(got) in (list, tuple):
            hint = " Wrap it with np.array(...) or compute it with numpy operations."
        elif isinstance(got, numbers.Number):
            hint = " Return one value per entry, as an array."
        raise ExerciseError(f"`{name}` should be a numpy array, but it is {describe(got)}.{hint}")
    if dtype is not None and got.dtype != np.dtype(dtype):
        if got.dtype == np.float32 or got.dtype == np.float16:
            raise ExerciseError(
                f"`{name}` is in {got.dtype}: the course computes in float64, and "
                f"{got.dtype} loses digits (round-off grows as steps shrink). Use float64."
            )
        if got.dtype.kind in "iub":
            raise ExerciseError(
                f"`{name}` has integer dtype {got.dtype}: integer arithmetic truncates. "
                "Start from floats (e.g. np.asarray(x, dtype=float))."
            )
        raise ExerciseError(f"`{name}` should have dtype {np.dtype(dtype)}, not {got.dtype}.")
    if shape is not None:
        want = tuple(shape)
        ok = len(want) == got.ndim and all(w is None or w == g for w, g in zip(want, got.shape, strict=True))
        if not ok:
            raise ExerciseError(_shape_message(name, got.shape, want))
    return got


def _shape_message(name: str, got: tuple[int, ...], want: tuple[int | None, ...]) -> str:
    shown = "(" + ", ".join("any" if w is None else str(w) for w in want) + ("," if len(want) == 1 else "") + ")"
    msg = f"`{name}` has shape {got}, expected {shown}."
    if len(want) == 1 and len(got) == 2 and want[0] in (got[0], None) and got[1] == 1:
        msg += (
            " It is a column (n, 1) where a flat vector (n,) was expected: a (n,1) array broadcast"
            " against a (n,) array gives an (n, n) matrix. Use .ravel() or index with [:, 0]."
        )
    elif len(want) == 2 and len(got) == 1 and want[1] == 1:
        msg += " It is flat (n,) where a column (n, 1) was expected."
    elif len(got) == len(want) == 2 and got == (want[1], want[0]):
        msg += " It looks transposed: check the order of the factors in your matrix product."
    elif len(got) == len(want) and len(got) >= 1:
        diffs = [g - w for g, w in zip(got, want) if w is not None]
        if diffs and all(d == 0 for d in diffs[1:]) and abs(diffs[0]) == 1:
            more = "one entry too many" if diffs[0] > 0 else "one entry too few"
            msg += f" That is {more} along the first axis (off by one)."
    elif len(got) == 0 and len(want) >= 1:
        msg += " It is a single number where an array was expected."
    return msg


# ---------------------------------------------------------------------------------------------
# Values


def diagnose(
    got: np.ndarray | float,
    expected: np.ndarray | float,
    *,
    n: int | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> str | None:
    """Name a simple relation between a wrong answer and the right one, if there is one.

    Recognises a flipped sign, an answer ``n`` times too large or too small (sum instead of
    mean), a factor of 2 (the 2 in the derivative of a square), NaN or infinity, and "all
    zeros". Returns ``None`` when nothing fits.

    >>> diagnose(np.array([-1.0, 2.0]), np.array([1.0, -2.0]))
    'the sign is flipped: are you stepping *along* the gradient instead of against it, or is a minus sign missing?'
    """
    g = _asarray(got, dtype=float)
    e = _asarray(expected, dtype=float)
    if g.shape != e.shape:
        return None
    if not bool(np.all(_isfinite(g))):
        kind = "NaN" if bool(np.any(np.isnan(g))) else "infinity"
        return (
            f"it contains {kind}: an overflow (exp of a large number), log(0), a division by "
            "zero, or a diverging iteration?"
        )
    if e.size == 0:
        return None

    def close(a: np.ndarray, b: np.ndarray) -> bool:
        return bool(np.all(_isclose(a, b, rtol=rtol, atol=atol)))

    if not close(e, 0 * e) and close(g, 0 * g):
        return "it is all zeros: is a result computed but never stored or returned?"
    if close(g, -e):
        return (
            "the sign is flipped: are you stepping *along* the gradient instead of against it, "
            "or is a minus sign missing?"
        )
    if n is not None and n > 1:
        if close(g, n * e):
            return f"it is {n}× too large: average over the {n} examples instead of summing."
        if close(g, e / n):
            return f"it is {n}× too small: sum over the examples before dividing only once, by {n}."
        if close(g, -n * e):
            return f"it is {n}× too large and has the wrong sign."
    if close(g, 2 * e):
        return "it is exactly twice the expected value: is a factor 2 counted twice?"
    if close(g, e / 2):
        return "it is exactly half the expected value: the derivative of a square carries a factor 2."
    return None


def _mistake_message(
    got: np.ndarray | float, mistakes: Mapping[str, Any] | None, rtol: float, atol: float
) -> str | None:
    if not mistakes:
        return None
    g = _asarray(got, dtype=float)
    for message, wrong in mistakes.items():
        if callable(wrong):
            try:
                hit = bool(wrong(got))
            except Exception:  # a predicate that cannot judge this answer is not a match
                hit = False
        else:
            w = _asarray(wrong, dtype=float)
            hit = w.shape == g.shape and bool(np.all(_isclose(g, w, rtol=rtol, atol=atol)))
        if hit:
            return message
    return None


def check_array(
    got: Any,
    expected: Any,
    *,
    name: str,
    rtol: float = 1e-7,
    atol: float = 1e-10,
    shape: Sequence[int | None] | None = None,
    dtype: str | None = "float64",
    n: int | None = None,
    mistakes: Mapping[str, Any] | None = None,
) -> None:
    """Fail unless ``got`` is a numpy array equal to ``expected`` within tolerance.

    Checks, in order: the type is exactly ``np.ndarray``; the dtype (float64 by default); the
    shape (``expected``'s shape unless ``shape`` is given, ``None`` entries match anything); that
    no value is NaN or infinite where ``expected`` is finite; and finally the values, with
    ``|got - expected| <= atol + rtol·|expected|`` element-wise.

    Parameters
    ----------
    got : Any
        The learner's answer.
    expected : array_like
        The right answer, computed by the test.
    name : str
        What the answer is called in the exercise (appears in the message).
    rtol, atol : float
        Relative and absolute tolerance.
    shape : sequence of int or None, optional
        Expected shape; defaults to ``np.shape(expected)``.
    dtype : str or None
        Required dtype; ``None`` skips the check.
    n : int, optional
        The number of examples, so a sum-instead-of-mean answer is recognised.
    mistakes : mapping of str to array_like or callable, optional
        Known wrong answers: ``{hint: wrong_value}`` or ``{hint: predicate(got) -> bool}``. If
        ``got`` matches one, the hint is the message.

    Raises
    ------
    ExerciseError
        With a message that names the mistake where one is recognised.
    """
    exp = _asarray(expected, dtype=float if dtype and np.dtype(dtype).kind == "f" else None)
    want_shape = tuple(shape) if shape is not None else exp.shape
    arr = _check_array_kind(got, name=name, shape=want_shape, dtype=dtype)
    if arr.shape != exp.shape:
        # a wildcard shape was requested; values are not comparable
        return
    if bool(np.all(_isclose(arr, exp, rtol=rtol, atol=atol, equal_nan=False))):
        return
    hint = _mistake_message(arr, mistakes, rtol=max(rtol, 1e-6), atol=max(atol, 1e-9))
    if hint is None:
        hint = diagnose(arr, exp, n=n, rtol=max(rtol, 1e-6), atol=max(atol, 1e-9))
    with np.errstate(all="ignore"):
        err = float(np.max(np.abs(arr.astype(float) - exp))) if arr.size else 0.0
    msg = f"`{name}` has the wrong values: expected {_fmt(exp)}, got {_fmt(arr)}"
    msg += f" (largest difference {err:.3g})."
    if hint:
        msg += f" Hint: {hint}"
    raise ExerciseError(msg)


def _as_real_scalar(got: Any, *, name: str) -> float:
    t = type(got)
    if t is bool or t is np.bool_:
        raise ExerciseError(f"`{name}` should be a number, but it is {describe(got)}.")
    if t is float or t is int or t is np.float64 or t is np.int64:
        return float(got)
    if t is np.float32 or t is np.float16:
        raise ExerciseError(
            f"`{name}` is a {t.__name__}: the course computes in float64, and {t.__name__} loses "
            "digits. Use float64."
        )
    if t is np.ndarray:
        if got.shape == ():
            return _as_real_scalar(got[()], name=name)
        raise ExerciseError(
            f"`{name}` should be a single number, but it is {describe(got)}. "
            + ("Take its only entry with .item() or reduce it (sum or mean)." if got.size == 1 else "Reduce it to one number (sum or mean?).")
        )
    if isinstance(got, np.generic) and np.issubdtype(type(got), np.number):
        return float(got)
    raise ExerciseError(f"`{name}` should be a number, but it is {describe(got)}.")


def check_scalar(
    got: Any,
    expected: float,
    *,
    name: str,
    rtol: float = 1e-7,
    atol: float = 1e-10,
    n: int | None = None,
    mistakes: Mapping[str, Any] | None = None,
) -> None:
    """Fail unless ``got`` is one real number (``float``, ``int``, ``np.float64``, or a 0-d
    float64 array) equal to ``expected`` within ``atol + rtol·|expected|``.

    Subclasses of ``float`` and objects that merely compare equal are rejected. See
    :func:`check_array` for ``n`` and ``mistakes``.
    """
    value = _as_real_scalar(got, name=name)
    exp = float(expected)
    if math.isfinite(exp) and not math.isfinite(value):
        raise ExerciseError(
            f"`{name}` is {value}, expected {exp:.10g}. Hint: "
            + (diagnose(np.array([value]), np.array([exp])) or "")
        )
    if abs(value - exp) <= atol + rtol * abs(exp):
        return
    hint = _mistake_message(value, mistakes, rtol=max(rtol, 1e-6), atol=max(atol, 1e-9))
    if hint is None:
        hint = diagnose(np.array([value]), np.array([exp]), n=n, rtol=max(rtol, 1e-6), atol=max(atol, 1e-9))
    msg = f"`{name}` is {value:.10g}, expected {exp:.10g}."
    if hint:
        msg += f" Hint: {hint}"
    raise ExerciseError(msg)


def check_int(got: Any, expected: int, *, name: str, hint: str | None = None) -> None:
    """Fail unless ``got`` is an ``int`` (or numpy integer) equal to ``expected``."""
    t = type(got)
    if t is bool or not (t is int or (isinstance(got, np.integer) and t is not np.bool_)):
        raise ExerciseError(f"`{name}` should be an integer, but it is {describe(got)}.")
    if int(got) != int(expected):
        msg = f"`{name}` is {int(got)}, expected {int(expected)}."
        if abs(int(got) - int(expected)) == 1:
            msg += " That is off by one."
        if hint:
            msg += f" Hint: {hint}"
        raise ExerciseError(msg)


def check_true(condition: Any, message: str) -> None:
    """Fail with ``message`` unless ``condition`` is exactly ``True`` (a ``bool`` or ``np.bool_``)."""
    if not ((type(condition) is bool or type(condition) is np.bool_) and bool(condition)):
        raise ExerciseError(message)


def check_raises(
    exceptions: type[BaseException] | tuple[type[BaseException], ...],
    fn: Callable[..., Any],
    *args: Any,
    name: str,
    match: str | None = None,
    hint: str | None = None,
    **kwargs: Any,
) -> BaseException:
    """Fail unless ``fn(*args, **kwargs)`` raises one of ``exceptions``; return the exception.

    ``match`` is a substring the message must contain (case-insensitive).
    """
    excs = exceptions if isinstance(exceptions, tuple) else (exceptions,)
    wanted = " or ".join(e.__name__ for e in excs)
    try:
        result = fn(*args, **kwargs)
    except excs as exc:
        if match is not None and match.lower() not in str(exc).lower():
            raise ExerciseError(
                f"`{name}` raised {type(exc).__name__} as it should, but its message should "
                f"mention {match!r}; it says {str(exc)!r}."
            ) from None
        return exc
    except ExerciseError:
        raise
    except Exception as exc:
        raise ExerciseError(
            f"`{name}` should raise {wanted}, but raised {type(exc).__name__}: {exc}"
            + (f" Hint: {hint}" if hint else "")
        ) from None
    raise ExerciseError(
        f"`{name}` should raise {wanted}, but it returned {describe(result)}."
        + (f" Hint: {hint}" if hint else "")
    )


def check_unchanged(before: np.ndarray, after: Any, *, name: str) -> None:
    """Fail if an input array was modified in place by the learner's function.

    ``before`` is a copy taken by the test before the call; ``after`` is the array the test
    passed in.
    """
    if type(after) is not _ndarray or after.shape != before.shape or not bool(
        np.array_equal(after, before, equal_nan=True)
    ):
        raise ExerciseError(
            f"your function changed the caller's `{name}` in place. Work on a copy "
            "(x = np.array(x0, dtype=float)) or use `x = x - ...` instead of `x -= ...`."
        )


# ---------------------------------------------------------------------------------------------
# The delegation guard

#: exercise id -> dotted names of the functions and classes that solve it: gdutils' own table
#: (:data:`gdutils.exercises.references.REFERENCES`), plus whatever code outside gdutils marks
#: with :func:`reference`
REFERENCES: dict[str, list[str]] = {k: list(v) for k, v in _TABLE.items()}

_forbidden: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "gdutils_forbidden_references", default=frozenset()
)


def _qualname(obj: Any) -> str:
    return f"{obj.__module__}.{obj.__qualname__}"


def _guarded(fn: Callable[..., Any], ids: tuple[str, ...], qualname: str) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        active = _forbidden.get()
        if active and active.intersection(ids):
            raise DelegationError(
                f"your answer calls {qualname}, gdutils' own solution of this exercise. "
                "The point of the exercise is to write it yourself: the tests do not accept "
                "the reference implementation."
            )
        return fn(*args, **kwargs)

    wrapper.__gd_reference__ = ids  # type: ignore[attr-defined]
    return wrapper


def _ids(exercise_ids: tuple[str, ...]) -> tuple[str, ...]:
    # "A:ex" is also forbidden by a test that forbids the whole assignment "A"
    return tuple(dict.fromkeys(exercise_ids + tuple(i.split(":", 1)[0] for i in exercise_ids if ":" in i)))


def _guard(obj: Any, ids: tuple[str, ...], qualname: str) -> Any:
    """``obj`` made to refuse to run inside :func:`forbid_reference` of ``ids``: a function is
    wrapped; a class has its ``__init__`` and public methods wrapped in place."""
    if inspect.isclass(obj):
        for attr, value in list(vars(obj).items()):
            if attr == "__init__" or (not attr.startswith("_") and inspect.isfunction(value)):
                setattr(obj, attr, _guarded(value, ids, f"{qualname}.{attr}"))
        obj.__gd_reference__ = ids  # type: ignore[attr-defined]
        return obj
    return _guarded(obj, ids, qualname)


def _apply_table(table: Mapping[str, tuple[str, ...]]) -> None:
    """Guard every object the table names (once: applying it again changes nothing)."""
    by_path: dict[str, list[str]] = {}
    for exercise, paths in table.items():
        for path in paths:
            by_path.setdefault(path, []).append(exercise)
    for path, exercises in by_path.items():
        module_name, _, name = path.rpartition(".")
        module = importlib.import_module(module_name)
        obj = getattr(module, name)
        if getattr(obj, "__gd_reference__", None) is not None:
            continue
        guarded = _guard(obj, _ids(tuple(exercises)), path)
        if guarded is not obj:
            setattr(module, name, guarded)


def reference(*exercise_ids: str) -> Callable[[F], F]:
    """Mark a function or class outside gdutils as the reference solution of exercises
    (gdutils' own are listed in :mod:`gdutils.exercises.references`).

    ``exercise_ids`` are ``"<assignment>"`` or ``"<assignment>:<exercise>"`` strings, e.g.
    ``"02-gd-1d"``. Inside :func:`forbid_reference` with a matching id, calling the function
    (or instantiating the class, or calling one of its public methods) raises
    :class:`DelegationError`. Outside it, the decorated object behaves exactly as before.
    """
    if not exercise_ids:
        raise ValueError("reference() needs at least one exercise id, e.g. reference('02-gd-1d')")
    ids = _ids(tuple(exercise_ids))

    def decorate(obj: F) -> F:
        qualname = _qualname(obj)
        for i in exercise_ids:
            REFERENCES.setdefault(i, []).append(qualname)
        return _guard(obj, ids, qualname)  # type: ignore[return-value]

    return decorate


@contextlib.contextmanager
def forbid_reference(*exercise_ids: str) -> Iterator[None]:
    """Inside this block, gdutils' reference solutions of ``exercise_ids`` refuse to run.

    Use it in a test around the call to the learner's function::

        with checks.forbid_reference("02-gd-1d"):
            history = gradient_descent_1d(df, x0=10.0, lr=0.2, n_steps=10)
    """
    # "A" forbids every reference of assignment A; "A:ex" only those tagged with that exercise.
    token = _forbidden.set(_forbidden.get() | frozenset(exercise_ids))
    try:
        yield
    finally:
        _forbidden.reset(token)


def active_forbidden() -> frozenset[str]:
    """The exercise ids forbidden at this point (inside :func:`forbid_reference` blocks).

    The hardened grader reads this when it forwards a call to the learner's code, so that the
    learner's kernel refuses reference solutions exactly where the test asked it to.
    """
    return _forbidden.get()


def references_for(assignment: str) -> list[str]:
    """Qualified names of every reference solution tagged for ``assignment`` (any exercise)."""
    out: list[str] = []
    for key, names in REFERENCES.items():
        if key == assignment or key.startswith(assignment + ":"):
            out.extend(n for n in names if n not in out)
    return out


_apply_table(_TABLE)
