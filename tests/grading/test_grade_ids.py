"""`gdcourse grade --student ID` never turns an id into a path (issue 14, finding 1)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from .course_builder import ASSIGNMENT, correct, export, gdcourse, make_course, submit

pytestmark = [pytest.mark.slow, pytest.mark.grading]

HOSTILE = ["../../../../evil-student", "/tmp/evil-absolute", "alice/../bob", "", ".", "..", "*",
           "bob/", "-x", "=HYPERLINK(\"x\")", "a" * 300, "al ice", "bob\n"]


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "logs" not in p.parts
            and not p.name.startswith("gradebook.db")}


def test_hostile_student_ids_are_refused_and_write_nothing(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "canary").write_text("canary")
    root = make_course(outside / "course")
    submit(root, "alice", correct())
    submit(root, "bob", correct())
    first = gdcourse(root, "grade", ASSIGNMENT)
    assert first.returncode == 0, first.stdout + first.stderr
    before_outside = sorted(p.name for p in outside.iterdir())
    before = _snapshot(root / "autograde")
    for sid in HOSTILE:
        proc = gdcourse(root, "grade", ASSIGNMENT, f"--student={sid}")
        assert proc.returncode == 2, (sid, proc.stdout, proc.stderr)
        assert proc.stderr.startswith("gdcourse grade: error:") and len(proc.stderr.splitlines()) == 1, proc.stderr
        assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in outside.iterdir()) == before_outside
    assert not Path("/tmp/evil-absolute").exists()
    assert _snapshot(root / "autograde") == before  # bob's and alice's results byte for byte
    rows = export(root)
    assert set(rows) == {"alice", "bob"} and rows["bob"]["score"] == 8.0
    rec = json.loads((root / "autograde" / "results" / ASSIGNMENT / "bob.json").read_text())
    assert rec["status"] == "ok"
