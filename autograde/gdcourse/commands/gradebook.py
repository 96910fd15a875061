"""Saving our verdicts through nbgrader, so the formgrader, manual grading and nbgrader's own
export keep working on the same gradebook.

The parent process is the only writer. It stages, for each graded submission, the rebuilt
notebook whose test cells already carry our outputs (empty when trusted code saw the test pass,
an error otherwise), then runs nbgrader's own ``Autograde`` converter on the staging folder with
execution replaced by nothing: nbgrader records the submission, timestamps and late penalties,
copies the notebook to ``autograded/``, and scores each grade cell from those outputs exactly as it
always does. Afterwards every auto score in the gradebook is compared with our verdicts.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from nbgrader.converters.autograde import Autograde
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    DeduplicateIds,
    LimitOutput,
    NbGraderPreprocessor,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)
from traitlets import Unicode

from .config import Course


class DropGraderMetadata(NbGraderPreprocessor):
    """Remove our private cell metadata before nbgrader stores the notebook."""

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        cell.metadata.pop("gdcourse_origin", None)
        return cell, resources


class StagedAutograde(Autograde):
    """nbgrader's Autograde reading our pre-graded notebooks instead of executing anything."""

    staged_directory = Unicode("", help="absolute folder laid out as <student>/<assignment>/").tag(config=True)

    @property
    def _input_directory(self) -> str:
        if self._sanitizing:
            return self.staged_directory
        return self.coursedir.autograded_directory

    def _format_source(self, assignment_id: str, student_id: str, escape: bool = False) -> str:
        if self._sanitizing:
            import re

            base = re.escape(self.staged_directory) if escape else self.staged_directory
            return os.path.join(base, student_id, assignment_id)
        return super()._format_source(assignment_id, student_id, escape=escape)

    sanitize_preprocessors = [DropGraderMetadata, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
                              CheckCellMetadata]
    autograde_preprocessors = [LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]


def nbgrader_env(course: Course) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.pop("MPLBACKEND", None)
    return env


def run_nbgrader(course: Course, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run a plain nbgrader command with the course config (from ``autograde/``)."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=course.autograde, env=nbgrader_env(course), capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def has_assignment(course: Course, assignment: str) -> bool:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(course.db_url, course.course_id) as gb:
        try:
            a = gb.find_assignment(assignment)
        except MissingEntry:
            return False
        return len(a.notebooks) > 0


def ensure_assignment(course: Course, assignment: str) -> None:
    """Register the assignment in the gradebook (from solutions/) without touching course/."""
    course.autograde.mkdir(exist_ok=True)
    if has_assignment(course, assignment):
        return
    with tempfile.TemporaryDirectory(prefix="gdrelease-") as tmp:
        run_nbgrader(course, "generate_assignment", assignment, "--force",
                     f"--CourseDirectory.release_directory={tmp}")


def _quiet_logger(course: Course) -> logging.Logger:
    log = logging.getLogger("gdcourse.nbgrader")
    log.propagate = False
    log.setLevel(logging.INFO)
    if not log.handlers:
        logs = course.autograde / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        h = logging.FileHandler(logs / "nbgrader.log")
        h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(h)
    return log


def store(course: Course, assignment: str, staged: Path, students: list[str]) -> None:
    """Run nbgrader's Autograde converter over the staged notebooks (one student at a time, so
    a failure is attributed to one submission)."""
    import warnings

    from traitlets.config import Config

    errors = []
    for student in students:
        cfg = Config(course.config)
        cfg.merge(Config({"StagedAutograde": {"staged_directory": str(staged)},
                          "BaseConverter": {"force": True}}))
        cd = course.coursedir(assignment_id=assignment, student_id=student)
        conv = StagedAutograde(coursedir=cd, config=cfg)
        conv.log = _quiet_logger(course)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                conv.start()
            except Exception as exc:  # noqa: BLE001 - reported per student
                errors.append(f"{student}: {exc}")
    if errors:
        raise RuntimeError("nbgrader could not store: " + "; ".join(errors))


def stage(staged: Path, student: str, assignment: str, notebooks: dict[str, dict],
          submitted: Path | None) -> None:
    import nbformat

    dest = staged / student / assignment
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name, nb in notebooks.items():
        node = nbformat.from_dict(nb)
        nbformat.write(node, dest / f"{name}.ipynb")
    ts = submitted / "timestamp.txt" if submitted else None
    if ts and ts.is_file():
        shutil.copy(ts, dest / "timestamp.txt")


def verify(course: Course, assignment: str, records: list[dict]) -> list[str]:
    """Compare the gradebook's auto scores with our verdicts; return the disagreements."""
    from nbgrader.api import Gradebook, MissingEntry

    problems = []
    with Gradebook(course.db_url, course.course_id) as gb:
        for rec in records:
            for nb_name, nbres in rec["notebooks"].items():
                for gid, v in nbres["tests"].items():
                    try:
                        g = gb.find_grade(gid, nb_name, assignment, rec["student"])
                    except MissingEntry:
                        problems.append(f"{rec['student']}: no grade for {nb_name}/{gid}")
                        continue
                    if g.auto_score is None or abs(float(g.auto_score) - float(v["points"])) > 1e-9:
                        problems.append(f"{rec['student']}: {gid} auto score {g.auto_score} != {v['points']}")
    return problems


def roster(course: Course) -> list[str]:
    """Students known to the gradebook or seen in any submitted folder."""
    from nbgrader.api import Gradebook

    names: set[str] = set()
    if (course.autograde / "gradebook.db").exists() or not course.db_url.startswith("sqlite"):
        with Gradebook(course.db_url, course.course_id) as gb:
            names |= {s.id for s in gb.students}
    sub = course.path("submitted")
    if sub.is_dir():
        names |= {p.name for p in sub.iterdir() if p.is_dir() and not p.name.startswith(".")}
    return sorted(names)
