"""``gdcourse feedback``: nbgrader's feedback HTML, safe by construction.

What a graded notebook holds is decided when it is graded (see ``trusted/jobs.py``): learner cells
carry only the outputs the learner submitted (inert formats), never output produced while tests
ran; a test cell carries its verdict — "passed", the hint of a failed visible check, or "hidden
tests failed" — and nothing else. :class:`HideHiddenTests` (registered for ``GenerateFeedback``
in the course config, so plain ``nbgrader generate_feedback`` uses it too) then removes the hidden
region from every test cell's source; for notebooks graded by plain ``nbgrader autograde`` it also
replaces an error output that quotes a hidden line. The instructor's switch ``--show-hidden``
keeps everything and shows the hidden tests' own messages.

After generation every page is checked, as a last line of defence, for the whole hidden part of
any test cell: a page that shows one makes the command fail loudly, naming the page. Nothing is
deleted.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

from .. import cells as sc
from ..trusted.judge import HIDDEN_FAILED
from .config import Course

RESULTS_ENV = "GDCOURSE_RESULTS_DIR"


class HideHiddenTests(NbGraderPreprocessor):
    """Strip hidden tests (source and messages) from test cells of feedback notebooks."""

    show_hidden = Bool(False, help="keep hidden tests and their messages in feedback").tag(config=True)

    def preprocess(self, nb: Any, resources: Any) -> tuple[Any, Any]:
        self._details: dict[str, str] = {}
        # a notebook graded by gdcourse: its test outputs are verdicts written by trusted code
        self._ours = bool((nb.metadata.get("gdcourse") or {}).get("graded"))
        if self.show_hidden:
            info = resources.get("nbgrader", {}) if isinstance(resources, dict) else {}
            base = os.environ.get(RESULTS_ENV)
            try:
                path = Path(str(base)) / str(info.get("assignment")) / f"{info.get('student')}.json"
                tests = json.loads(path.read_text())["notebooks"][info.get("notebook")]["tests"]
                self._details = {g: v.get("message") or "" for g, v in tests.items()
                                 if v.get("failed_part") == "hidden"}
            except (OSError, ValueError, KeyError, TypeError):
                self._details = {}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        if not sc.is_test(cell):
            return cell, resources
        gid = sc.grade_id(cell)
        if self.show_hidden:
            if gid in self._details:
                for out in cell.get("outputs", []):
                    if out.get("output_type") == "error" and out.get("ename") == "HiddenTestsFailed":
                        out["evalue"] = f"(hidden test) {self._details[gid]}"
                        out["traceback"] = [f"HiddenTestsFailed: (hidden test) {self._details[gid]}"]
            return cell, resources
        hidden = sc.hidden_lines(cell.source)
        cell.source = sc.strip_hidden(cell.source)
        if self._ours:
            return cell, resources
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error":
                continue
            text = " ".join([str(out.get("evalue", ""))] + [str(t) for t in out.get("traceback", [])])
            text = re.sub(r"\x1b\[[0-9;]*m", "", text)
            if out.get("ename") == "HiddenTestsFailed" or any(h in text for h in hidden):
                out["ename"] = "HiddenTestsFailed"
                out["evalue"] = HIDDEN_FAILED
                out["traceback"] = [f"HiddenTestsFailed: {HIDDEN_FAILED}"]
        return cell, resources


def visible_text(page: str) -> str:
    """The text a reader sees in an HTML page (tags, scripts and styles removed, whitespace
    collapsed)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    return sc.normalise_ws(text)


def hidden_blocks(source_nb: dict) -> list[str]:
    """The whole hidden part of each test cell, whitespace-normalised (what feedback must never
    show)."""
    blocks = []
    for cell in source_nb.get("cells", []):
        if sc.is_test(cell):
            _, hidden = sc.split_hidden(sc.source_of(cell))
            block = sc.normalise_ws(hidden)
            if block:
                blocks.append(block)
    return blocks


def leaks(course: Course, assignment: str, html_file: Path) -> list[str]:
    """Hidden parts of test cells (of any notebook of the assignment) shown whole in a page."""
    text = visible_text(html_file.read_text(errors="replace"))
    found = []
    for nb_path in course.source_notebooks(assignment).values():
        for block in hidden_blocks(json.loads(nb_path.read_text())):
            if block in text:
                found.append(block)
    return found


def generate(course: Course, assignment: str, *, students: list[str] | None = None,
             show_hidden: bool = False) -> list[Path]:
    """Write the feedback pages; raise ``RuntimeError`` (keeping every page) if one shows a
    hidden test."""
    from . import names
    from .gradebook import run_nbgrader

    assignment = names.assignment_id(assignment)
    course.source_notebooks(assignment)  # a one-line error if the assignment does not exist
    students = [names.student_id(s) for s in students or []]
    args = ["generate_feedback", assignment, "--force"]
    if show_hidden:
        args.append("--HideHiddenTests.show_hidden=True")
    if len(students) == 1:
        args.append(f"--student={students[0]}")
    os.environ[RESULTS_ENV] = str(course.results_dir)
    run_nbgrader(course, *args)
    base = course.path("feedback")
    pages = sorted(base.glob(f"*/{assignment}/*.html"))
    if students:
        pages = [p for p in pages if p.parent.parent.name in students]
    if not show_hidden:
        bad = [f"{page}" for page in pages if leaks(course, assignment, page)]
        if bad:
            raise RuntimeError("feedback shows a hidden test (pages kept, do not release them): "
                               + "; ".join(bad[:10]))
    return pages


def release(course: Course, assignment: str, *, students: list[str] | None = None) -> None:
    """Publish the assignment's feedback pages in nbgrader's exchange, where learners fetch them.

    Plain ``nbgrader release_feedback`` with the course configuration (the exchange configured
    for the server, see ``autograde/nbgrader_config.py``), once per student when ``students``
    are named. It needs the ``timestamp.txt`` and ``submission_secret.txt`` that
    :func:`generate` leaves beside each page.

    Parameters
    ----------
    course
        The course.
    assignment
        A valid assignment name.
    students
        Only these students (default: every page of the assignment).

    Raises
    ------
    RuntimeError
        nbgrader failed (its output is in the message).
    """
    from . import names
    from .gradebook import run_nbgrader

    assignment = names.assignment_id(assignment)
    chosen = [names.student_id(s) for s in students or []]
    for student in chosen or [None]:
        args = ["release_feedback", assignment]
        if student is not None:
            args.append(f"--student={student}")
        run_nbgrader(course, *args)
