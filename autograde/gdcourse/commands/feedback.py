"""``gdcourse feedback``: nbgrader's feedback HTML, without hidden tests.

:class:`HideHiddenTests` is registered for ``GenerateFeedback`` in the course config, so plain
``nbgrader generate_feedback`` strips hidden tests too. It removes the hidden region from every
test cell's source and replaces any test output that mentions a hidden line (a traceback from
plain nbgrader's execution) by a generic message. After generation, every HTML file is searched
(tags stripped, entities decoded) for the hidden lines; a file that still shows one is deleted and
the command fails.
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
from .config import Course
from ..trusted.verdict import HIDDEN_FAILED


class HideHiddenTests(NbGraderPreprocessor):
    show_hidden = Bool(False, help="keep hidden tests and their messages in feedback").tag(config=True)

    def preprocess(self, nb: Any, resources: Any) -> tuple[Any, Any]:
        self._details: dict[str, str] = {}
        if self.show_hidden:
            info = resources.get("nbgrader", {}) if isinstance(resources, dict) else {}
            path = Path(os.getcwd()) / "autograde" / "results" / str(info.get("assignment")) / f"{info.get('student')}.json"
            try:
                rec = json.loads(path.read_text())
                tests = rec["notebooks"][info.get("notebook")]["tests"]
                self._details = {g: v.get("message") or "" for g, v in tests.items() if v.get("failed_part") == "hidden"}
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
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    return sc.normalise_ws(text)


def secret_lines(source_nb: dict) -> list[str]:
    """Hidden-test lines that appear nowhere else in the notebook (the ones feedback must hide)."""
    public = set()
    for cell in source_nb["cells"]:
        src = sc.strip_hidden(sc.source_of(cell)) if sc.is_test(cell) else sc.source_of(cell)
        public |= {sc.normalise_ws(ln) for ln in src.splitlines()}
    return [ln for cell in source_nb["cells"] if sc.is_test(cell)
            for ln in sc.hidden_lines(sc.source_of(cell)) if sc.normalise_ws(ln) not in public]


def leaks(course: Course, assignment: str, html_file: Path) -> list[str]:
    """Hidden-test lines (of any notebook of the assignment) visible in a feedback page."""
    text = visible_text(html_file.read_text(errors="replace"))
    found = []
    for nb_path in course.source_notebooks(assignment).values():
        for line in secret_lines(json.loads(nb_path.read_text())):
            if sc.normalise_ws(line) in text:
                found.append(line)
    return found


def generate(course: Course, assignment: str, *, students: list[str] | None = None,
             show_hidden: bool = False) -> list[Path]:
    from .gradebook import run_nbgrader

    args = ["generate_feedback", assignment, "--force"]
    if show_hidden:
        args.append("--HideHiddenTests.show_hidden=True")
    if students and len(students) == 1:
        args.append(f"--student={students[0]}")
    run_nbgrader(course, *args)
    base = course.path("feedback")
    pages = sorted(base.glob(f"*/{assignment}/*.html"))
    if students:
        pages = [p for p in pages if p.parent.parent.name in students]
    if not show_hidden:
        bad = []
        for page in pages:
            lines = leaks(course, assignment, page)
            if lines:
                page.unlink()
                bad.append(f"{page}: {lines[0]!r}")
        if bad:
            raise RuntimeError("feedback would show hidden tests; files removed: " + "; ".join(bad))
    return pages
