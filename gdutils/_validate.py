"""Checks of scalar arguments, shared by every gdutils module: one wording for one rule.

Every message reads ``"<name> must be <rule>, got <value>"``, and every check returns the value
converted to the plain Python type the caller works with. Booleans (Python's and numpy's) are
never accepted as numbers: ``lr=True`` is a mistake, not 1.0.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

_BOOLS = (bool, np.bool_)


def _fail(name: str, rule: str, value: Any) -> ValueError:
    return ValueError(f"{name} must be {rule}, got {value!r}")


def count(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an ``int`` >= ``minimum``."""
    if isinstance(value, _BOOLS) or not isinstance(value, numbers.Integral) or value < minimum:
        raise _fail(name, f"an integer >= {minimum}", value)
    return int(value)


def real(name: str, value: Any) -> float:
    """``value`` as a finite ``float``."""
    if isinstance(value, _BOOLS) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise _fail(name, "a finite real number", value)
    return float(value)


def positive(name: str, value: Any) -> float:
    """``value`` as a finite ``float`` > 0."""
    if isinstance(value, _BOOLS) or not isinstance(value, numbers.Real) or not (
            math.isfinite(value) and value > 0):
        raise _fail(name, "a finite number > 0", value)
    return float(value)


def non_negative(name: str, value: Any) -> float:
    """``value`` as a finite ``float`` >= 0."""
    if isinstance(value, _BOOLS) or not isinstance(value, numbers.Real) or not (
            math.isfinite(value) and value >= 0):
        raise _fail(name, "a finite number >= 0", value)
    return float(value)


def fraction(name: str, value: Any, *, one: bool = False) -> float:
    """``value`` as a ``float`` in ``[0, 1)`` (or ``[0, 1]`` with ``one=True``)."""
    rule = "a number in [0, 1]" if one else "a number in [0, 1)"
    if isinstance(value, _BOOLS) or not isinstance(value, numbers.Real):
        raise _fail(name, rule, value)
    v = float(value)
    if not (0.0 <= v <= 1.0 if one else 0.0 <= v < 1.0):
        raise _fail(name, rule, value)
    return v


def flag(name: str, value: Any) -> bool:
    """``value`` as a ``bool`` (only ``True`` or ``False``)."""
    if not isinstance(value, _BOOLS):
        raise _fail(name, "True or False", value)
    return bool(value)


def rng(name: str, value: Any) -> np.random.Generator:
    """A ``np.random.Generator`` from a Generator (used as is), an int seed, or None (seed 0)."""
    if value is None:
        return np.random.default_rng(0)
    if isinstance(value, np.random.Generator):
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, _BOOLS):
        return np.random.default_rng(int(value))
    raise _fail(name, "a numpy Generator (np.random.default_rng(seed)), an int seed or None",
                value)
