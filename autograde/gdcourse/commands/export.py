"""``gdcourse export``: one row per (student, assignment), one column per graded question.

Scores come from nbgrader's gradebook (so manual grades entered in the formgrader count); the
status, reason, sandbox, warnings and flags come from our results store. A manually graded
question that nobody graded yet is left empty and listed in ``needs_manual_grade``.

Student ids, reasons and warnings can carry text a student chose, so every CSV cell a spreadsheet
would run as a formula (a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets a leading
``'`` (OWASP, "CSV Injection"; :func:`~gdcourse.commands.names.csv_safe`); ``raw=True``
(``gdcourse export --raw``) writes the cells exactly. JSON is always exact.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .. import cells as sc
from . import results
from .config import Course
from .names import csv_safe

BASE = ["student_id", "assignment"]
TAIL = ["score", "max_score", "status", "reason", "needs_manual_grade", "sandbox", "warnings",
        "flags"]


def _joined(value: Any) -> str:
    # records written by other versions may hold a string or nothing instead of a list
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " | ".join(str(v) for v in value)
    return str(value)


def _question_order(course: Course, assignment: str) -> list[tuple[str, str]]:
    try:
        order = []
        for name, path in course.source_notebooks(assignment).items():
            nb = json.loads(path.read_text())
            order += [(name, sc.grade_id(c)) for c in nb["cells"] if sc.nbmeta(c).get("grade") and sc.grade_id(c)]
        return order
    except FileNotFoundError:
        return []


def rows(course: Course, assignment: str | None = None) -> tuple[list[str], list[dict]]:
    """``(columns, rows)`` of the export, scores from nbgrader's gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    store = results.load_all(course, assignment)
    out: list[dict] = []
    columns: list[str] = []
    with Gradebook(course.db_url, course.course_id) as gb:
        assignments = [a.name for a in gb.assignments if assignment is None or a.name == assignment]
        students = sorted({s.id for s in gb.students} | {s for (_, s) in store})
        prefix = len(assignments) > 1
        for a in sorted(assignments):
            arec = gb.find_assignment(a)
            known = {(nb.name, gc.name): gc for nb in arec.notebooks for gc in nb.grade_cells}
            order = [q for q in _question_order(course, a) if q in known]
            order += sorted(q for q in known if q not in order)
            qcols = [(f"{a}:{g}" if prefix else g) for _, g in order]
            columns += [c for c in qcols if c not in columns]
            for s in students:
                rec = store.get((a, s))
                row: dict[str, Any] = {"student_id": s, "assignment": a}
                manual: list[str] = []
                total = 0.0
                max_total = 0.0
                try:
                    gb.find_submission(a, s)
                    submitted = True
                except MissingEntry:
                    submitted = False
                for (nb_name, gid), col in zip(order, qcols, strict=True):
                    gc = known[(nb_name, gid)]
                    max_total += float(gc.max_score)
                    if not submitted:
                        row[col] = 0.0
                        continue
                    try:
                        g = gb.find_grade(gid, nb_name, a, s)
                    except MissingEntry:
                        row[col] = 0.0
                        continue
                    if g.needs_manual_grade:
                        row[col] = None
                        manual.append(gid)
                    else:
                        row[col] = float(g.score)
                        total += float(g.score)
                if rec is None and not submitted:
                    status, reason = "missing", "no submission"
                elif rec is None:
                    status, reason = "ok", "graded by plain nbgrader (no gdcourse record)"
                else:
                    status, reason = rec.get("status", "ok"), rec.get("reason", "")
                row.update(score=total, max_score=max_total, status=status, reason=reason,
                           needs_manual_grade=" ".join(manual),
                           sandbox=(rec or {}).get("sandbox", ""),
                           warnings=_joined((rec or {}).get("warnings")),
                           flags=_joined((rec or {}).get("flags")))
                out.append(row)
    return BASE + columns + TAIL, out


def render(course: Course, fmt: str = "csv", assignment: str | None = None, *,
           raw: bool = False) -> str:
    """The export as text.

    Parameters
    ----------
    course
        The course.
    fmt
        ``"csv"`` or ``"json"``.
    assignment
        Only this assignment (default: all).
    raw
        CSV only: write cells exactly; by default a cell starting with ``=``, ``+``, ``-``,
        ``@``, tab or carriage return gets a leading ``'``. JSON is always exact.

    Returns
    -------
    str
        The CSV (RFC 4180: one header line, one line per row, CRLF line ends) or the JSON
        document.
    """
    columns, data = rows(course, assignment)
    if fmt == "json":
        return json.dumps({"columns": columns, "rows": data}, indent=1)
    cell = (lambda v: v) if raw else csv_safe
    buf = io.StringIO(newline="")
    # RFC 4180 line ends: the writer then quotes cells holding "\r" too, so they survive
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([cell(c) for c in columns])
    for r in data:
        w.writerow([cell("" if r.get(c) is None else r.get(c)) for c in columns])
    return buf.getvalue()
