"""The gdutils package is consistent: every module is listed, importable lazily, and cheap to import."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import gdutils


def test_every_module_is_reachable_by_its_public_name() -> None:
    # `from gdutils import <name>` serves the notebooks: every module of every layer is listed
    found = {m.name.removeprefix("gdutils.") for m in pkgutil.walk_packages(gdutils.__path__, "gdutils.")
             if not any(part.startswith("_") for part in m.name.split("."))}
    listed = {v.removeprefix("gdutils.") for v in gdutils.MODULES.values()}
    assert {f for f in found if "explorers." not in f} == listed, (
        f"gdutils.MODULES is out of date: missing {sorted(found - listed)}")
    for name, dotted in gdutils.MODULES.items():
        assert getattr(gdutils, name).__name__ == dotted


def test_every_reference_in_the_table_exists_and_is_guarded() -> None:
    from gdutils import checks
    from gdutils.exercises.references import REFERENCES

    for exercise, paths in REFERENCES.items():
        for path in paths:
            module, _, name = path.rpartition(".")
            obj = getattr(importlib.import_module(module), name)
            assert exercise in obj.__gd_reference__, (exercise, path)
    assert checks.REFERENCES["02-gd-1d"][0] == "gdutils.descent.gradient_descent_1d"


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


def test_pyproject_lists_every_package() -> None:
    # an editable install works from the folders, a wheel only from this list: keep them equal
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = set()
    for base, name in ((root / "gdutils", "gdutils"), (root / "autograde" / "gdcourse", "gdcourse")):
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base)
            found.add(".".join([name, *rel.parts]))
    assert listed == found, f"pyproject.toml packages: missing {sorted(found - listed)}, stale {sorted(listed - found)}"
