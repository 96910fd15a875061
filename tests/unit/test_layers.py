"""The layers are contracts (pyproject.toml, import-linter), and the contracts are live."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).parent / "lint-imports"


def _lint(cwd: Path, pythonpath: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_the_layer_contracts_are_kept() -> None:
    proc = _lint(ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def test_a_core_module_importing_the_display_layer_breaks_the_contract(tmp_path: Path) -> None:
    # a copy of the packages with one wrong import: the maths core reaching for plotting
    shutil.copytree(ROOT / "gdutils", tmp_path / "gdutils",
                    ignore=shutil.ignore_patterns("__pycache__", "datasets"))
    shutil.copytree(ROOT / "autograde" / "gdcourse", tmp_path / "gdcourse",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    optim = tmp_path / "gdutils" / "optim.py"
    optim.write_text(optim.read_text() + "\nfrom gdutils.display import plotting  # wrong\n")
    proc = _lint(tmp_path, pythonpath=str(tmp_path))
    assert proc.returncode != 0, proc.stdout[-2000:]
    assert "BROKEN" in proc.stdout and "gdutils.optim -> gdutils.display" in proc.stdout, proc.stdout[-3000:]
