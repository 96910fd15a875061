"""Throw-away courses and scripted students for the grading tier."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from gdcourse import cells as sc
from gdcourse import copies

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
ASSIGNMENT = "00-fixture"
SOURCE = FIXTURES / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
PYLIB = FIXTURES / "pylib"


def make_course(root: Path, *, cell_timeout: float = 2.0, timeout: float = 60.0, extra: str = "") -> Path:
    (root / "solutions").mkdir(parents=True)
    (root / "course").mkdir()
    (root / "autograde").mkdir()
    shutil.copytree(SOURCE.parent, root / "solutions" / ASSIGNMENT)
    shutil.copy(REPO / "autograde" / "nbgrader_config.py", root / "autograde" / "nbgrader_config.py")
    (root / "autograde" / "nbgrader_config_local.py").write_text(
        "c = get_config()\n"
        f"c.GdGrade.cell_timeout = {cell_timeout}\n"
        f"c.GdGrade.timeout = {timeout}\n"
        "c.GdGrade.memory_mb = 1536\n"
        "c.GdGrade.nproc = 48\n"
        'c.GdGrade.reference_modules = ["gdutils", "gdfixture"]\n'
        f"c.GdGrade.extra_paths = [{str(PYLIB)!r}]\n" + extra
    )
    return root


def submit(course: Path, student: str, nb: dict | str | bytes, name: str = f"{ASSIGNMENT}.ipynb",
           assignment: str = ASSIGNMENT) -> Path:
    d = course / "autograde" / "submitted" / student / assignment
    d.mkdir(parents=True, exist_ok=True)
    p = d / name
    if isinstance(nb, dict):
        p.write_text(json.dumps(nb))
    elif isinstance(nb, bytes):
        p.write_bytes(nb)
    else:
        p.write_text(nb)
    return p


def correct() -> dict:
    return copies.correct_submission(SOURCE)


def learner() -> dict:
    return copies.learner_copy(SOURCE)


def with_answers(base: dict, **answers: str) -> dict:
    """``base`` with answer cells replaced: with_answers(nb, ex1="def step...")."""
    nb = copy.deepcopy(base)
    for cell in nb["cells"]:
        gid = sc.grade_id(cell)
        key = gid.split("-")[0] if gid else None
        if sc.is_answer(cell) and key in answers:
            cell["source"] = answers[key]
    return nb


def insert_after(nb: dict, grade_id: str, source: str) -> dict:
    nb = copy.deepcopy(nb)
    for i, cell in enumerate(nb["cells"]):
        if sc.grade_id(cell) == grade_id:
            nb["cells"].insert(i + 1, {"cell_type": "code", "metadata": {}, "source": source,
                                       "outputs": [], "execution_count": None, "id": f"x{i}{len(source)}"})
            return nb
    raise KeyError(grade_id)


def gdcourse(course: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    exe = os.path.join(os.path.dirname(sys.executable), "gdcourse")
    return subprocess.run([exe, "--course-dir", str(course), *args],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=course)


def export(course: Path) -> dict[str, dict]:
    proc = gdcourse(course, "export", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return {r["student_id"]: r for r in json.loads(proc.stdout)["rows"]}


AUTO = ("ex1-tests", "ex2-tests", "ex3-tests")


def auto_score(row: dict) -> float:
    return sum(float(row[g] or 0) for g in AUTO)
