"""Checks of scalar arguments shared by gdutils modules: one wording for one rule everywhere."""

from __future__ import annotations

import math
import numbers
from typing import Any


def count(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an ``int`` >= ``minimum``; ``ValueError`` naming ``name`` otherwise (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def positive(name: str, value: Any) -> float:
    """``value`` as a finite ``float`` > 0; ``ValueError`` naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return value


def non_negative(name: str, value: Any) -> float:
    """``value`` as a finite ``float`` >= 0; ``ValueError`` naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    value = float(value)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value
