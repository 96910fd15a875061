"""Widget explorers, one module per topic, each built on :class:`gdutils.widgets.Explorer`.

Import the module you need, e.g. ``from gdutils.display.explorers import descent1d``. Every factory returns
an :class:`~gdutils.widgets.Explorer`: display it in a notebook, or drive it from code with
``.set(...)``/``.press(...)`` and read ``.state``. Explorers run on gdutils' reference code, never on
the learner's answers, so they work before any exercise is solved; under ``NBGRADER_EXECUTION`` they
show one static figure.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

__all__ = ["factories"]


def _returns_explorer(fn: Callable[..., Any]) -> bool:
    ann = inspect.signature(fn).return_annotation
    text = ann if isinstance(ann, str) else getattr(ann, "__name__", str(ann))
    return "Explorer" in str(text)


def factories(package: str = __name__) -> dict[str, Callable[..., Any]]:
    """Every public explorer factory that runs with its defaults, as ``{"module.name": factory}``.

    A factory is a public function of a module in this package, annotated to return an
    :class:`~gdutils.widgets.Explorer`, whose parameters all have defaults. The tests and
    ``bench/explorers.py`` use this list, so a new explorer is tested and measured as soon as it
    exists. ``package`` names another package of explorer modules to scan (default: this one).
    """
    found: dict[str, Callable[..., Any]] = {}
    pkg = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        for name, fn in sorted(vars(module).items()):
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue
            if not _returns_explorer(fn):
                continue
            params = inspect.signature(fn).parameters.values()
            if all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
                found[f"{info.name}.{name}"] = fn
    return found
