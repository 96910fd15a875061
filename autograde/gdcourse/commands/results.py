"""Our own results store: one JSON file per (assignment, student) under ``autograde/results/``.

It holds what nbgrader's gradebook has no place for: the status (``ok``, ``timeout``,
``crashed``, ``invalid``, ``missing``), the reason, warnings, the sandbox used, and each test's
verdict with the part that failed and the hint (hidden messages too: the instructor may read
them, feedback never shows them unless asked).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .config import Course, atomic_write_json


def result_path(course: Course, assignment: str, student: str) -> Path:
    """The record file of one student and assignment."""
    return course.results_dir / assignment / f"{student}.json"


def save(course: Course, record: dict) -> None:
    """Write a record (atomically)."""
    atomic_write_json(result_path(course, record["assignment"], record["student"]), record)


def load(course: Course, assignment: str, student: str) -> dict | None:
    """One record, or None."""
    p = result_path(course, assignment, student)
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError):
        return None


def load_all(course: Course, assignment: str | None = None) -> dict[tuple[str, str], dict]:
    """Every record, by ``(assignment, student)``."""
    out: dict[tuple[str, str], dict] = {}
    base = course.results_dir
    if not base.is_dir():
        return out
    for adir in sorted(base.iterdir()):
        if not adir.is_dir() or (assignment and adir.name != assignment):
            continue
        for f in sorted(adir.glob("*.json")):
            try:
                rec: Any = json.loads(f.read_text())
            except (OSError, ValueError):
                continue
            out[(adir.name, f.stem)] = rec
    return out
