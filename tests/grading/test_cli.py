"""The instructor's path with the CLI: release -> collect (LMS zip) -> grade -> feedback -> export."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from gdcourse.commands.collect import student_of

from .course_builder import ASSIGNMENT, correct, gdcourse, make_course, with_answers

pytestmark = [pytest.mark.slow, pytest.mark.grading]


def test_lms_names():
    assert student_of("Ada Lovelace_1234_assignsubmission_file_/00-fixture.ipynb") == ("1234", "00-fixture.ipynb")
    assert student_of("lovelaceada_5678_91011_00-fixture.ipynb") == ("5678", "00-fixture.ipynb")
    assert student_of("lovelaceada_LATE_5678_91011_00-fixture-1.ipynb") == ("5678", "00-fixture-1.ipynb")
    assert student_of("ada__00-fixture.ipynb") == ("ada", "00-fixture.ipynb")
    assert student_of("ada/sub/00-fixture.ipynb") == ("ada", "sub/00-fixture.ipynb")
    assert student_of("__MACOSX/ada/._00-fixture.ipynb") is None
    assert student_of("notes.txt") is None


def test_release_collect_grade_feedback_export(tmp_path):
    root = make_course(tmp_path / "course")
    proc = gdcourse(root, "lint")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = gdcourse(root, "release", ASSIGNMENT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    released = json.loads((root / "course" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    text = json.dumps(released)
    assert "BEGIN HIDDEN TESTS" not in text and "default_rng(7)" not in text
    assert "raise NotImplementedError" in text

    good = correct()
    zpath = tmp_path / "download.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("Ada Lovelace_1001_assignsubmission_file_/00-fixture.ipynb", json.dumps(good))
        zf.writestr("babbagecharles_1002_5551_00-fixture.ipynb", json.dumps(released))
        zf.writestr("hopper__00-fixture-1.ipynb",
                    json.dumps(with_answers(good, ex1="def step(x, lr, df):\n    return x + lr * df(x)\n")))
        zf.writestr("../evil/00-fixture.ipynb", json.dumps(good))
    proc = gdcourse(root, "collect", ASSIGNMENT, "--zip", str(zpath))
    # 1: something was refused (the ../evil entry), the others were collected
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "'../evil/00-fixture.ipynb': '..' path component" in proc.stdout
    assert not (tmp_path / "evil").exists()

    proc = gdcourse(root, "grade", ASSIGNMENT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = gdcourse(root, "feedback", ASSIGNMENT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / "autograde" / "feedback" / "hopper" / ASSIGNMENT / f"{ASSIGNMENT}.html").exists()

    out = tmp_path / "grades.csv"
    proc = gdcourse(root, "export", "--format", "csv", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert set(rows) == {"1001", "1002", "hopper"}
    header = out.read_text().splitlines()[0].split(",")
    assert header[:2] == ["student_id", "assignment"]
    assert {"ex1-tests", "ex2-tests", "ex3-tests", "q-why", "score", "max_score", "status", "reason"} <= set(header)
    assert float(rows["1001"]["score"]) == 8.0 and rows["1001"]["status"] == "ok"
    assert rows["1001"]["q-why"] == "" and rows["1001"]["needs_manual_grade"] == "q-why"
    assert float(rows["1002"]["score"]) == 0.0
    assert float(rows["hopper"]["ex1-tests"]) == 0.0 and float(rows["hopper"]["score"]) == 6.0
    assert "instead of" in rows["hopper"]["warnings"]  # renamed notebook accepted
    proc = gdcourse(root, "export", "--format", "json")
    data = json.loads(proc.stdout)
    assert data["columns"][:2] == ["student_id", "assignment"] and len(data["rows"]) == 3


def test_plain_nbgrader_reads_the_same_config(tmp_path):
    root = make_course(tmp_path / "plain")
    proc = gdcourse(root, "release", ASSIGNMENT)
    assert proc.returncode == 0
    from gdcourse.commands.config import load_course
    from gdcourse.commands.gradebook import run_nbgrader

    course = load_course(root)
    out = run_nbgrader(course, "db", "assignment", "list")
    assert ASSIGNMENT in out.stdout + out.stderr
