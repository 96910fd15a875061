"""Parallel = serial, re-grading is idempotent, one student can be re-graded alone, and a machine
without a sandbox still grades, loudly."""

from __future__ import annotations

import json

import pytest

from .course_builder import (
    ASSIGNMENT,
    AUTO,
    correct,
    export,
    gdcourse,
    learner,
    make_course,
    submit,
    with_answers,
)

pytestmark = [pytest.mark.slow, pytest.mark.grading]

VOLATILE = ("sandbox", "warnings")


def _scores(rows):
    return {s: {k: v for k, v in r.items() if k not in VOLATILE} for s, r in rows.items()}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("small"))
    good = correct()
    subs = {
        "s1": good,
        "s2": learner(),
        "s3": with_answers(good, ex2="def mse_grad(X, w, y):\n    return (X.T @ (X @ w - y)) / X.shape[0]\n"),
        "s4": with_answers(good, ex3="def descend(grad, x0, lr, n_steps):\n    x0 -= lr * grad(x0)\n    return np.array([x0])\n"),
        "s5": with_answers(good, ex1="while True: pass\n"),
    }
    for s, nb in subs.items():
        submit(root, s, nb)
    return root


def test_parallel_equals_serial_and_regrading_is_idempotent(small):
    p1 = gdcourse(small, "grade", ASSIGNMENT, "--workers", "1")
    assert p1.returncode == 1, p1.stdout + p1.stderr  # s5 timed out: exit 1
    serial = _scores(export(small))
    p2 = gdcourse(small, "grade", ASSIGNMENT, "--workers", "2")
    assert p2.returncode == 1, p2.stdout + p2.stderr
    parallel = _scores(export(small))
    assert parallel == serial
    assert [serial["s3"][g] for g in AUTO] == [2.0, 0.0, 3.0]  # missing factor 2
    assert [serial["s4"][g] for g in AUTO] == [2.0, 3.0, 0.0]
    assert serial["s5"]["status"] == "timeout"
    p3 = gdcourse(small, "grade", ASSIGNMENT, "--workers", "2")
    assert p3.returncode == 1
    assert _scores(export(small)) == parallel
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{small}/autograde/gradebook.db", "gdcourse") as gb:
        assert len(gb.find_assignment(ASSIGNMENT).submissions) == 5  # no duplicates


def test_one_student_regraded_alone(small):
    results = small / "autograde" / "results" / ASSIGNMENT
    before = {p.stem: json.loads(p.read_text())["graded_at"] for p in results.glob("*.json")}
    mtimes = {p.stem: p.stat().st_mtime_ns for p in results.glob("*.json")}
    submit(small, "s2", correct())
    proc = gdcourse(small, "grade", ASSIGNMENT, "--student", "s2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "s1" not in proc.stdout.split("-------")[-1]
    after = {p.stem: p.stat().st_mtime_ns for p in results.glob("*.json")}
    assert {s for s in after if after[s] != mtimes[s]} == {"s2"}
    assert set(before) == set(after)
    rows = export(small)
    assert [rows["s2"][g] for g in AUTO] == [2.0, 3.0, 3.0]
    assert [rows["s1"][g] for g in AUTO] == [2.0, 3.0, 3.0]


def test_without_a_sandbox_it_grades_and_says_so(tmp_path):
    root = make_course(tmp_path / "nosb")
    submit(root, "u1", correct())
    proc = gdcourse(root, "grade", ASSIGNMENT, "--sandbox", "none")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "NOT SANDBOXED" in proc.stderr
    row = export(root)["u1"]
    assert [row[g] for g in AUTO] == [2.0, 3.0, 3.0]
    assert row["sandbox"].startswith("NONE") and "NOT SANDBOXED" in row["warnings"]
