"""The one table of operations that a proxy may ask of the side that owns an object.

A test (trusted side) holds proxies of the learner's objects; the learner's code (in the sandbox)
holds proxies of the objects a test passes in (callbacks, data sets). Every use of a proxy is one
request naming an operation from :data:`OPERATIONS` and its arguments (data or handles). The owner
looks the name up here and nowhere else.

Imported by the trusted grader as ``gdcourse.inside.ops`` and, as a plain file, by the kernel in
the sandbox: standard library only.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

#: binary operators: ``a + b`` on a proxy ``a`` is the request ``("add", a, b)``; the reflected
#: form ``b + a`` (``__radd__``) is ``("radd", a, b)``
BINARY = ("add", "sub", "mul", "truediv", "floordiv", "matmul", "pow", "mod")
COMPARE = ("eq", "ne", "lt", "le", "gt", "ge")
UNARY = ("neg", "pos", "abs", "invert")


def _reflected(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    return lambda a, b: fn(b, a)


OPERATIONS: dict[str, Callable[..., Any]] = {
    "call": lambda f, *a, **k: f(*a, **k),
    "getattr": getattr,
    "setattr": setattr,
    "len": len,
    "iter": iter,
    "next": next,
    "bool": bool,
    "float": float,
    "int": int,
    "complex": complex,
    "index": operator.index,
    "str": str,
    "repr": repr,
    "neg": operator.neg,
    "pos": operator.pos,
    "abs": abs,
    "invert": operator.invert,
    "getitem": operator.getitem,
    "setitem": operator.setitem,
    "delitem": operator.delitem,
    "contains": operator.contains,
    **{name: getattr(operator, name) for name in BINARY},
    **{"r" + name: _reflected(getattr(operator, name)) for name in BINARY},
    **{name: getattr(operator, name) for name in COMPARE},
}

#: what learner code may do with an object a test passed in: use it (call it, read its public
#: attributes, iterate, index, compute with it), never change it
ON_TEST_OBJECTS = frozenset(
    {"call", "getattr", "len", "iter", "next", "bool", "float", "int", "getitem", "contains", "neg",
     "abs", "pos"}
    | set(BINARY) | {"r" + n for n in BINARY} | set(COMPARE)
)
