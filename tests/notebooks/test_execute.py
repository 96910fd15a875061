"""Every solution notebook runs top to bottom: no errors, nothing on stderr, within budget."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import nbtools  # noqa: E402

BUDGET_SECONDS = 30.0
ASSIGNMENTS = nbtools.assignments()


def execute(path: Path, workdir: Path, env: dict[str, str] | None = None) -> tuple[nbformat.NotebookNode, float]:
    nb = nbformat.read(path, as_version=4)
    shutil.copy(path, workdir / path.name)
    saved = dict(os.environ)
    os.environ.pop("MPLBACKEND", None)
    os.environ.update(env or {})
    try:
        start = time.perf_counter()
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}).execute()
        return nb, time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(saved)


def problems(nb: nbformat.NotebookNode) -> list[str]:
    out = []
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []):
            if o.output_type == "error":
                out.append(f"cell {i}: {o.ename}: {o.evalue}")
            elif o.output_type == "stream" and o.name == "stderr":
                out.append(f"cell {i} wrote to stderr: {o.text[:300]}")
    return out


@pytest.mark.skipif(not ASSIGNMENTS, reason="no solution notebooks yet")
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_runs_clean(assignment: str, tmp_path: Path) -> None:
    nb, seconds = execute(nbtools.source_path(assignment), tmp_path)
    assert not problems(nb), "\n".join(problems(nb))
    assert seconds < BUDGET_SECONDS, f"{assignment} took {seconds:.1f} s (budget {BUDGET_SECONDS} s)"
    figures = sum(
        1 for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
        or "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    )
    assert figures >= 2, f"{assignment}: only {figures} figures/widgets were displayed"
