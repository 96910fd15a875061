"""Seconds to execute each solution notebook, against the floor measured in the same run.

The floor is what every notebook pays before its first line of content: starting a kernel and
importing the course's stack (numpy, matplotlib with the inline backend, ipywidgets and the
gdutils modules the notebooks use). Each notebook is executed top to bottom with nbclient in a
fresh kernel, one at a time, from a throw-away copy of its folder, as ``tests/notebooks`` does.

Usage::

    .venv/bin/python bench/notebooks.py [ASSIGNMENT ...] [--floor-repeats 3] [--json [FILE]]

``--json`` alone prints the results as JSON on stdout instead of the table; ``--json FILE``
writes them to FILE as well as printing the table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import nbformat  # noqa: E402
import nbtools  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

BUDGET_S = 30.0           # per notebook (docs/authoring.md)
AIM_S = 10.0
TOTAL_BUDGET_S = 180.0    # the twelve together

# What every course notebook imports before its content: the floor.
FLOOR_SOURCE = """\
%matplotlib inline
import numpy as np
import matplotlib.pyplot as plt
import ipywidgets
import gdutils
from gdutils import checks, plotting, widgets
import gdutils.display.explorers
"""


def _execute(nb: nbformat.NotebookNode, workdir: Path) -> float:
    # Kernels inherit the environment: an exported Agg backend would stop inline figures.
    os.environ.pop("MPLBACKEND", None)
    start = time.perf_counter()
    # the kernel's own stderr (a transport warning at start-up) is not the notebook's output
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(workdir)}}).execute(stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def floor_seconds(repeats: int) -> list[float]:
    """Kernel start plus the course's imports, ``repeats`` times in fresh kernels."""
    times = []
    for _ in range(repeats):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOR_SOURCE)])
        with tempfile.TemporaryDirectory(prefix="gd-bench-") as tmp:
            times.append(_execute(nb, Path(tmp)))
        errors = [o for o in nb.cells[0].outputs if o.output_type == "error"]
        if errors:
            raise RuntimeError(f"the floor's imports failed: {errors[0].ename}: {errors[0].evalue}")
    return times


def notebook_seconds(assignment: str) -> tuple[float, list[str]]:
    """Execute one solution notebook; (seconds, problems)."""
    src = nbtools.source_path(assignment)
    nb = nbformat.read(src, as_version=4)
    with tempfile.TemporaryDirectory(prefix="gd-bench-") as tmp:
        shutil.copy(src, Path(tmp) / src.name)
        try:
            seconds = _execute(nb, Path(tmp))
        except Exception as exc:  # a failing notebook is reported, the others still run
            return float("nan"), [f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"]
    problems = []
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []):
            if o.output_type == "error":
                problems.append(f"cell {i}: {o.ename}")
            elif o.output_type == "stream" and o.name == "stderr":
                problems.append(f"cell {i}: stderr")
    return seconds, problems


def machine() -> dict[str, Any]:
    import numpy

    return {"python": platform.python_version(), "numpy": numpy.__version__,
            "cores": os.cpu_count()}


def run(assignments: list[str], floor_repeats: int) -> dict[str, Any]:
    floors = floor_seconds(floor_repeats)
    floor = statistics.median(floors)
    rows = []
    for a in assignments:
        seconds, problems = notebook_seconds(a)
        rows.append({"assignment": a, "seconds": seconds, "above_floor": seconds - floor,
                     "problems": problems})
    done = [r["seconds"] for r in rows if r["seconds"] == r["seconds"]]
    total = sum(done)
    return {
        "benchmark": "notebooks",
        "floor_seconds": floor,
        "floor_all_seconds": floors,
        "notebooks": rows,
        "total_seconds": total,
        "total_above_floor": total - floor * len(done),
        "slowest": max(rows, key=lambda r: r["seconds"] if r["seconds"] == r["seconds"] else -1,
                       default=None),
        "budget_seconds": BUDGET_S,
        "total_budget_seconds": TOTAL_BUDGET_S,
        "over_budget": [r["assignment"] for r in rows if not r["seconds"] < BUDGET_S],
        "failed": [r["assignment"] for r in rows if r["problems"]],
        "machine": machine(),
    }


def table(res: dict[str, Any]) -> str:
    lines = [f"floor (kernel start + course imports): {res['floor_seconds']:.2f} s "
             f"(median of {len(res['floor_all_seconds'])}: "
             + ", ".join(f"{t:.2f}" for t in res["floor_all_seconds"]) + ")",
             "", f"{'notebook':<24} {'seconds':>8} {'above floor':>12}  notes"]
    for r in res["notebooks"]:
        notes = []
        if not r["seconds"] < BUDGET_S:
            notes.append(f"OVER the {BUDGET_S:.0f} s budget")
        elif r["seconds"] > AIM_S:
            notes.append(f"above the {AIM_S:.0f} s aim")
        if r["problems"]:
            notes.append("problems: " + "; ".join(r["problems"][:3]))
        lines.append(f"{r['assignment']:<24} {r['seconds']:>8.2f} {r['above_floor']:>12.2f}  "
                     + ", ".join(notes))
    lines.append(f"{'total':<24} {res['total_seconds']:>8.2f} {res['total_above_floor']:>12.2f}  "
                 f"({len(res['notebooks'])} notebooks; budget {TOTAL_BUDGET_S:.0f} s)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("assignments", nargs="*", help="assignment ids (default: every solution notebook)")
    p.add_argument("--floor-repeats", type=int, default=3)
    p.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                   help="print JSON (no FILE) or also write it to FILE")
    args = p.parse_args(argv)
    known = nbtools.assignments()
    unknown = sorted(set(args.assignments) - set(known))
    if unknown:
        p.error(f"no solution notebook for {unknown}; known: {known}")
    res = run(args.assignments or known, args.floor_repeats)
    if args.json == "-":
        print(json.dumps(res, indent=2))
    else:
        print(table(res))
        if args.json:
            Path(args.json).write_text(json.dumps(res, indent=2))
            print(f"wrote {args.json}")
    return 1 if res["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
