"""The hardened pipeline end to end: a throw-away course, scripted students, `gdcourse grade`.

One batch grades every scripted student (honest ones, each cheat, each fault) with 2 workers;
the tests below assert on the export, the gradebook, the autograded notebooks and the feedback.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from gdcourse.trusted import launcher

from . import students
from .course_builder import ASSIGNMENT, AUTO, auto_score, export, gdcourse, make_course, submit

pytestmark = [pytest.mark.slow, pytest.mark.grading]

# File isolation and process containment come from bubblewrap (Linux). Elsewhere gdcourse still
# grades, loudly unsandboxed, and these guarantees are not claimed (docs/instructors.md).
needs_sandbox = pytest.mark.skipif(
    launcher.probe("auto").mode == "none", reason="needs the bubblewrap sandbox (Linux; CI installs it)"
)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("course"))
    everyone = {**students.honest(), **students.cheats(str(root))}
    for name, nb in everyone.items():
        submit(root, name, nb)
    for name, (nb, fname) in students.faults().items():
        submit(root, name, nb, fname)
    # a student of the roster (seen in another assignment) without a submission
    (root / "autograde" / "submitted" / "ghost" / "other-assignment").mkdir(parents=True)
    proc = gdcourse(root, "grade", ASSIGNMENT, "--workers", "2")
    rows = export(root)
    return root, proc, rows


def test_batch_completes_with_its_documented_status(batch):
    root, proc, rows = batch
    # every submission has a row; some ended crashed/timeout/invalid (the faults): exit 1
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "PIPELINE ERRORS" not in proc.stdout
    assert "ETA" in proc.stderr  # progress bar
    assert "student" in proc.stdout and "status" in proc.stdout  # summary table
    n = len(students.honest()) + len(students.cheats(str(root))) + len(students.faults()) + 1
    assert len(rows) == n


def test_honest_students(batch):
    _, _, rows = batch
    assert [rows["correct"][g] for g in AUTO] == [2.0, 3.0, 3.0]
    assert rows["correct"]["status"] == "ok"
    assert rows["correct"]["q-why"] is None and rows["correct"]["needs_manual_grade"] == "q-why"
    assert auto_score(rows["learner-copy"]) == 0.0
    assert rows["learner-copy"]["q-why"] == 0.0  # untouched written answer: 0, nothing to grade
    assert [rows["partly-wrong"][g] for g in AUTO] == [0.0, 3.0, 3.0]
    assert [rows["hidden-only"][g] for g in AUTO] == [0.0, 3.0, 3.0]


def test_warnings_on_stderr_cost_nothing(batch):
    _, _, rows = batch
    assert [rows["noisy-correct"][g] for g in AUTO] == [2.0, 3.0, 3.0]
    assert rows["noisy-correct"]["status"] == "ok"


@pytest.mark.parametrize("cheat", [
    "cheat-allclose", "cheat-always-equal", "cheat-subclass", "cheat-run-cell", "cheat-patch-checks",
    "cheat-files", "cheat-fake-record", "cheat-delegate", "cheat-delegate-hidden", "cheat-frame",
    "cheat-exit-in-test",
])
def test_cheats_score_no_more_than_the_learner_copy(batch, cheat):
    _, _, rows = batch
    assert auto_score(rows[cheat]) <= auto_score(rows["learner-copy"]) == 0.0
    assert rows[cheat]["status"] in ("ok", "crashed")


def test_delegation_message(batch):
    root, _, rows = batch
    rec = json.loads((root / "autograde" / "results" / ASSIGNMENT / "cheat-delegate.json").read_text())
    v = rec["notebooks"][ASSIGNMENT]["tests"]["ex1-tests"]
    assert v["ename"] == "DelegationError" and "gdfixture.step" in v["message"], v
    # reached through importlib and getattr with built strings: flagged statically
    rec = json.loads((root / "autograde" / "results" / ASSIGNMENT / "cheat-delegate-hidden.json").read_text())
    v = rec["notebooks"][ASSIGNMENT]["tests"]["ex1-tests"]
    assert v["ename"] == "DelegationError" and "uses the reference implementation" in v["message"], v
    assert "importlib" in rows["cheat-delegate-hidden"]["flags"]


@needs_sandbox
def test_student_code_cannot_read_or_write_the_course(batch):
    root, _, rows = batch
    # the learner's step() raises with what its cell could read and write (the hint carries it)
    rec = json.loads((root / "autograde" / "results" / ASSIGNMENT / "cheat-files.json").read_text())
    printed = rec["notebooks"][ASSIGNMENT]["tests"]["ex1-tests"]["message"]
    assert printed.count("READ-FAILED") == 4 and "READ-OK" not in printed, printed
    assert printed.count("WRITE-FAILED") == 2 and "WRITE-OK" not in printed, printed
    con = sqlite3.connect(root / "autograde" / "gradebook.db")
    assert con.execute("select count(*) from grade where manual_score is not null").fetchone()[0] == 0
    assert not (root / "autograde" / "results" / "cheat.json").exists()
    rec = json.loads((root / "autograde" / "results" / ASSIGNMENT / "cheat-fake-record.json").read_text())
    assert rec["auto_score"] == 0.0


EXPECTED_FAULTS = {
    "fault-infinite-loop": ("timeout", "time limit"),
    "fault-loop-in-call": ("timeout", "limit"),
    "fault-ignores-alarm": ("timeout", "killed"),
    "fault-memory": ("crashed", "memory"),
    "fault-exit": ("crashed", "exit status 1"),
    "fault-fork": ("crashed", "process limit"),
    "fault-corrupt": ("invalid", "not valid notebook JSON"),
}


@pytest.mark.parametrize("who", [pytest.param(w, marks=needs_sandbox) if w == "fault-fork" else w
                                 for w in sorted(EXPECTED_FAULTS)])
def test_fault_status_and_reason(batch, who):
    _, _, rows = batch
    status, reason = EXPECTED_FAULTS[who]
    assert rows[who]["status"] == status, rows[who]
    assert reason in rows[who]["reason"], rows[who]


@needs_sandbox
def test_faults_keep_what_they_earned(batch):
    _, _, rows = batch
    # the broken exercise loses its points; the others were graded normally
    for who in ("fault-infinite-loop", "fault-memory", "fault-fork"):
        assert [rows[who][g] for g in AUTO] == [2.0, 0.0, 3.0], who
    assert [rows["fault-loop-in-call"][g] for g in AUTO] == [2.0, 3.0, 0.0]
    # the kernel is gone from ex2 on; ex1's hidden part, which runs after every visible part,
    # could not run either (docs/instructors.md, "hidden tests run last")
    assert [rows["fault-exit"][g] for g in AUTO] == [0.0, 0.0, 0.0]
    assert [rows["fault-ignores-alarm"][g] for g in AUTO] == [0.0, 0.0, 0.0]  # killed in ex2
    assert auto_score(rows["fault-corrupt"]) == 0.0


@pytest.mark.parametrize("who,warning", [
    ("fault-renamed", "instead of"),
    ("fault-huge-output", ""),  # output of grading is never kept, so nothing to truncate
    ("fault-deleted-test", "re-inserted"),
    ("fault-duplicate", "appears 2 times"),
    ("fault-split", "appears 2 times"),
    ("fault-reordered", ""),
])
def test_structural_faults_are_graded_in_full(batch, who, warning):
    _, _, rows = batch
    assert rows[who]["status"] == "ok", rows[who]
    assert [rows[who][g] for g in AUTO] == [2.0, 3.0, 3.0], rows[who]
    assert warning in rows[who]["warnings"]


def test_missing_student(batch):
    _, _, rows = batch
    assert rows["ghost"]["status"] == "missing"
    assert auto_score(rows["ghost"]) == 0.0


def test_gradebook_matches_our_verdicts(batch):
    root, _, _ = batch
    from gdcourse.commands import gradebook, results
    from gdcourse.commands.config import load_course

    course = load_course(root)
    recs = [r for r in results.load_all(course, ASSIGNMENT).values() if r["status"] != "missing"]
    assert gradebook.verify(course, ASSIGNMENT, recs) == []


def test_feedback_hides_hidden_tests_and_shows_hints(batch):
    root, _, _ = batch
    proc = gdcourse(root, "feedback", ASSIGNMENT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    src = json.loads((root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    from gdcourse.commands.feedback import hidden_blocks, visible_text

    blocks = hidden_blocks(src)
    assert len(blocks) == 3
    pages = sorted((root / "autograde" / "feedback").glob(f"*/{ASSIGNMENT}/*.html"))
    assert len(pages) >= 20
    for page in pages:
        raw = page.read_text()
        text = visible_text(raw)
        for block in blocks:
            assert block not in text, (page, block)
        assert "BEGIN HIDDEN TESTS" not in raw and "default_rng(7)" not in raw
    partly = visible_text((root / "autograde" / "feedback" / "partly-wrong" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text())
    assert "sign error: step along the gradient" in partly
    only_hidden = visible_text((root / "autograde" / "feedback" / "hidden-only" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text())
    assert "hidden tests failed" in only_hidden
    # the instructor's switch shows them
    proc = gdcourse(root, "feedback", ASSIGNMENT, "--student", "hidden-only", "--show-hidden")
    assert proc.returncode == 0, proc.stderr
    shown = (root / "autograde" / "feedback" / "hidden-only" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "BEGIN HIDDEN TESTS" in shown or "default_rng(7)" in visible_text(shown)
    assert "step on an array" in visible_text(shown)
