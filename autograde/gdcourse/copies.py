"""The one owner of the notebooks built from a source notebook: the learner copy and submissions.

* :func:`learner_copy` — what learners get: nbgrader's own ``generate_assignment`` run on the
  source in a throw-away course (solutions replaced by stubs, hidden tests removed, cells locked
  and checksummed exactly as nbgrader releases them). Cached per source file and content.
* :func:`correct_submission` — the learner copy with every answer filled in from the worked
  solution (markers removed) and a written answer in each manually graded cell: what a learner
  who solved everything submits.
* :func:`with_answers` — a submission with some answer cells replaced (the classic mistakes of
  ``tests/mistakes/``, or any other answer).

``gdcourse release`` publishes learner copies with the same nbgrader command on the real course
(it also registers the assignment in the gradebook); the tests, the benchmarks and the API build
theirs here.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import cells as sc

WRITTEN_ANSWER = "A written answer, in my own words."


def _load(nb: Any) -> tuple[dict, str]:
    """``(notebook, its JSON text)`` from a path or a notebook dict."""
    if isinstance(nb, dict):
        text = json.dumps(nb, sort_keys=True)
        return json.loads(text), text
    text = Path(os.fspath(nb)).read_text(encoding="utf-8")
    return json.loads(text), text


def _nbgrader_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.pop("MPLBACKEND", None)
    return env


@functools.lru_cache(maxsize=64)
def _generated(text: str, name: str) -> str:
    with tempfile.TemporaryDirectory(prefix="gd-copy-") as tmp:
        course = Path(tmp)
        (course / "source" / name).mkdir(parents=True)
        (course / "source" / name / f"{name}.ipynb").write_text(text)
        (course / "nbgrader_config.py").write_text(
            "c = get_config()\n"
            f"c.CourseDirectory.root = {str(course)!r}\n"
            f"c.CourseDirectory.db_url = 'sqlite:///{course / 'gradebook.db'}'\n")
        proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", name,
                               "--force", "--create"], cwd=course, env=_nbgrader_env(),
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"nbgrader generate_assignment failed:\n{proc.stdout[-2000:]}\n"
                               f"{proc.stderr[-2000:]}")
        return (course / "release" / name / f"{name}.ipynb").read_text()


def learner_copy(source_nb: Any) -> dict:
    """The learner copy nbgrader releases for ``source_nb`` (a path or a notebook dict), read
    as nbformat reads it (cell sources as single strings)."""
    import nbformat

    nb, text = _load(source_nb)
    name = (Path(os.fspath(source_nb)).stem if not isinstance(source_nb, dict)
            else "nb-" + hashlib.sha256(text.encode()).hexdigest()[:12])
    return nbformat.reads(_generated(text, name), as_version=4)


def correct_submission(source_nb: Any, replace: dict[str, str] | None = None,
                       learner: dict | None = None) -> dict:
    """The learner copy (or ``learner``) with every answer filled from the solution of
    ``source_nb``; ``replace`` maps answer-cell grade_ids to other sources."""
    src, _ = _load(source_nb)
    nb = copy.deepcopy(learner) if learner is not None else learner_copy(source_nb)
    answers = {sc.grade_id(c): c for c in src["cells"] if sc.is_answer(c)}
    for cell in nb["cells"]:
        gid = sc.grade_id(cell)
        if gid in answers:
            if cell["cell_type"] == "code":
                cell["source"] = sc.solution_code(sc.source_of(answers[gid]))
            else:
                cell["source"] = WRITTEN_ANSWER
    return with_answers(nb, replace or {})


def with_answers(nb: dict, replace: dict[str, str]) -> dict:
    """``nb`` with the answer cells named in ``replace`` (grade_id -> source) rewritten;
    ``KeyError`` for a grade_id the notebook does not have."""
    out = copy.deepcopy(nb)
    found = set()
    for cell in out["cells"]:
        gid = sc.grade_id(cell)
        if gid in replace:
            cell["source"] = replace[gid]
            found.add(gid)
    missing = set(replace) - found
    if missing:
        raise KeyError(f"no answer cells with grade_id {sorted(missing)}")
    return out


def write(nb: dict, path: str | os.PathLike) -> None:
    """Write a notebook as nbgrader and JupyterLab do (nbformat 4, one-space indent)."""
    import nbformat

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.from_dict(nb), os.fspath(path))


__all__ = ["learner_copy", "correct_submission", "with_answers", "write", "WRITTEN_ANSWER"]
