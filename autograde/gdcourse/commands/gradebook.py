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
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from nbgrader.converters.autograde import Autograde
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    DeduplicateIds,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)
from traitlets import Unicode

from .config import Course


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

    sanitize_preprocessors = [DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata]
    autograde_preprocessors = [LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]


def nbgrader_env(course: Course) -> dict[str, str]:
    """The environment plain nbgrader runs in (alembic on PATH)."""
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
    """Is the assignment registered in the gradebook with its notebooks?"""
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
          submitted: Path | None) -> str | None:
    """Write one student's graded notebooks where :class:`StagedAutograde` reads them, with the
    submission time and nbgrader's feedback secret when they are valid. Returns a warning for
    the record, or None.

    ``timestamp.txt`` is written by ``gdcourse collect`` from the LMS or the exchange; one that
    does not parse (say, a student wrote it) is left out, and the submission is graded without a
    time (no late penalty) rather than failing in nbgrader."""
    import nbformat

    from . import names

    dest = staged / student / assignment
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name, nb in notebooks.items():
        nbformat.write(nbformat.from_dict(nb), dest / f"{name}.ipynb")
    warning = None
    text = _small_regular_file(submitted / "timestamp.txt") if submitted else None
    if text is not None:
        when = names.parse_submission_time(text)
        if when is None:
            warning = ("the submission time (timestamp.txt) cannot be read: graded without a "
                       "time, so no late penalty applies")
        else:
            (dest / "timestamp.txt").write_text(names.format_submission_time(when))
    secret = _small_regular_file(submitted / "submission_secret.txt") if submitted else None
    if secret is not None and re.fullmatch(r"[0-9a-fA-F]{16,256}\s*", secret):
        (dest / "submission_secret.txt").write_text(secret.strip())
    return warning


def _small_regular_file(path: Path, limit: int = 4096) -> str | None:
    """The text of a regular file (never through a symbolic link), or None."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            return fh.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return None


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
