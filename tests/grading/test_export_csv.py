"""``gdcourse export``: CSV cells a spreadsheet would run as formulas are neutralised (OWASP);
``--raw`` and JSON stay exact; the ``flags`` column follows ``warnings``."""

from __future__ import annotations

import csv
import io
import json

import pytest

from gdcourse.commands import results
from gdcourse.commands.config import load_course

from .course_builder import ASSIGNMENT, gdcourse, make_course

HOSTILE = {
    '=HYPERLINK("http:evil","click")': {"reason": "=1+1", "warnings": ["-2-3", "fine"],
                                          "flags": ["@SUM(A1:A9)", "copied cells"]},
    "-2-3": {"reason": "+cmd|' /C calc'!A0", "warnings": [], "flags": []},
    "@SUM(A1:A9)": {"reason": "\tTAB", "warnings": ["\rCR"]},
    "+1": {"reason": "plain reason", "warnings": "=a string, not a list", "flags": "-x"},
    "plain": {"reason": "ok", "warnings": ["a=b"], "flags": ["none-such"]},
}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    from nbgrader.api import Gradebook

    root = make_course(tmp_path_factory.mktemp("export") / "course")
    c = load_course(root)
    with Gradebook(c.db_url, c.course_id) as gb:
        gb.update_or_create_assignment(ASSIGNMENT)
        gb.update_or_create_student("=cmd|' /C calc'!A0")  # known to the gradebook only
    for student, rec in HOSTILE.items():
        results.save(c, {"assignment": ASSIGNMENT, "student": student, "status": "ok",
                         "sandbox": "bwrap", **rec})
    return root


def run(root, *args):
    # through a file read with newline="": a quoted "\r" inside a cell must survive
    out = root.parent / "export.out"
    proc = gdcourse(root, "export", *args, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    with open(out, newline="") as fh:
        return fh.read()


FORMULA = ("=", "+", "-", "@", "\t", "\r")


def test_csv_neutralises_every_formula_cell(course):
    text = run(course, "--format", "csv")
    table = list(csv.reader(io.StringIO(text)))
    header, body = table[0], table[1:]
    assert header[-2:] == ["warnings", "flags"]
    assert len(body) == len(HOSTILE) + 1
    for row in body:
        for cell in row:
            assert not cell.startswith(FORMULA), (cell, row)
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert set(rows) == {"'" + s if s.startswith(FORMULA) else s
                         for s in [*HOSTILE, "=cmd|' /C calc'!A0"]}
    first = rows["'" + '=HYPERLINK("http:evil","click")']
    assert first["reason"] == "'=1+1" and first["warnings"] == "'-2-3 | fine"
    assert first["flags"] == "'@SUM(A1:A9) | copied cells"
    assert rows["'-2-3"]["reason"] == "'+cmd|' /C calc'!A0" and rows["'-2-3"]["flags"] == ""
    at = rows["'@SUM(A1:A9)"]
    assert at["reason"] == "'\tTAB" and at["warnings"] == "'\rCR"
    assert rows["'@SUM(A1:A9)"]["flags"] == ""  # no flags in the record: empty
    assert rows["'+1"]["warnings"] == "'=a string, not a list" and rows["'+1"]["flags"] == "'-x"
    assert rows["plain"]["warnings"] == "a=b" and rows["plain"]["flags"] == "none-such"
    # numbers are untouched
    assert float(rows["plain"]["score"]) == 0.0 and rows["plain"]["status"] == "ok"
    missing = rows["'=cmd|' /C calc'!A0"]
    assert missing["status"] == "missing"


def test_csv_raw_is_exact(course):
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(run(course, "--raw")))}
    assert set(rows) == {*HOSTILE, "=cmd|' /C calc'!A0"}
    assert rows['=HYPERLINK("http:evil","click")']["reason"] == "=1+1"
    assert rows['=HYPERLINK("http:evil","click")']["flags"] == "@SUM(A1:A9) | copied cells"
    assert rows["@SUM(A1:A9)"]["warnings"] == "\rCR"


def test_json_is_exact(course):
    data = json.loads(run(course, "--format", "json"))
    assert data["columns"][-2:] == ["warnings", "flags"]
    rows = {r["student_id"]: r for r in data["rows"]}
    assert set(rows) == {*HOSTILE, "=cmd|' /C calc'!A0"}
    assert rows["-2-3"]["reason"] == "+cmd|' /C calc'!A0"
    assert rows['=HYPERLINK("http:evil","click")']["flags"] == "@SUM(A1:A9) | copied cells"
    assert rows["+1"]["warnings"] == "=a string, not a list"
    assert rows["plain"]["score"] == 0.0


def test_raw_does_not_change_json(course):
    assert run(course, "--format", "json", "--raw") == run(course, "--format", "json")


def test_csv_on_stdout_is_neutralised_too(course):
    proc = gdcourse(course, "export")
    assert proc.returncode == 0 and "'=1+1" in proc.stdout and ",=1+1" not in proc.stdout
