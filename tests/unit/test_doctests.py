"""Every example in gdutils' docstrings runs and prints what it says."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import gdutils

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(gdutils.__path__, prefix="gdutils.")
    if not m.ispkg or m.name.endswith("explorers")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
