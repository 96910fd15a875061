"""The gdutils package is consistent: every module is listed, importable lazily, and cheap to import."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import gdutils


def test_every_module_is_a_lazy_submodule() -> None:
    # The hardened grader imports gdutils._SUBMODULES to learn every reference tag: a module left
    # out of the list would let a learner call its reference solution unnoticed.
    found = {m.name for m in pkgutil.iter_modules(gdutils.__path__) if not m.name.startswith("_")}
    assert found == set(gdutils._SUBMODULES), (
        f"gdutils/__init__.py _SUBMODULES is out of date: missing {sorted(found - set(gdutils._SUBMODULES))}, "
        f"stale {sorted(set(gdutils._SUBMODULES) - found)}"
    )


def test_lazy_access_and_dir() -> None:
    assert gdutils.theory.gd_optimal_lr([1.0, 3.0]) == 0.5
    assert "optim" in dir(gdutils)
    try:
        gdutils.no_such_module  # noqa: B018
    except AttributeError as exc:
        assert "no_such_module" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("unknown attribute must raise AttributeError")


def test_import_gdutils_does_not_pull_matplotlib_or_widgets() -> None:
    code = "import sys, gdutils; import gdutils.optim, gdutils.nn; print('matplotlib' in sys.modules, 'ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
