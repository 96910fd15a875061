"""The six ways the grader fell (issue 10), each written as the submission a hostile student with
the source in hand would make, graded in ONE batch by ONE worker between honest neighbours.

Students are graded in name order, so ``a-honest`` is graded before every attack and
``z-honest``/``zz-partly`` after them by the same worker: an attack that survived into the next
submission's grading would change their exact scores. Every assertion is on what an instructor
gets: the export, the exit status, the feedback pages, the file system around the course.
"""

from __future__ import annotations

import copy
import json
import os
import uuid
from pathlib import Path

import numpy as np
import pytest

from gdcourse import cells as sc
from gdcourse.trusted import launcher

from .course_builder import (
    AUTO,
    auto_score,
    correct,
    export,
    gdcourse,
    learner,
    make_course,
    submit,
    with_answers,
)

pytestmark = [pytest.mark.slow, pytest.mark.grading]
A = "00-fixture"
CANARY = f"PWNED-{uuid.uuid4().hex[:8]}"
needs_sandbox = pytest.mark.skipif(launcher.probe("auto").mode == "none",
                                   reason="needs the bubblewrap sandbox (Linux; CI installs it)")


def _writes(course: Path) -> str:
    """Learner code that tries to leave a mark outside its sandbox (course, /tmp, beside it)."""
    targets = [str(course / "autograde" / CANARY), f"/tmp/{CANARY}", str(course.parent / CANARY),
               str(course / "autograde" / "gradebook.db")]
    return ("def _mark():\n"
            f"    for p in {targets!r}:\n"
            "        try:\n"
            "            open(p, 'a').write('x')\n"
            "        except Exception:\n"
            "            pass\n"
            "_mark()\n")


def _cell(source: str, meta: dict | None = None, cid: str | None = None) -> dict:
    return {"cell_type": "code", "metadata": meta or {}, "source": source, "outputs": [],
            "execution_count": None, "id": cid or uuid.uuid4().hex[:8]}


def finding1_test_metadata(course: Path) -> dict:
    """A narrative cell claiming to be a test (no grade_id), a learner cell claiming a new graded
    test worth 100 points, and a copy of a real test cell rewritten to pass with 100 points."""
    nb = learner()
    narrative = next(c for c in nb["cells"] if c.get("id") == "fx-01")
    narrative["metadata"] = {"nbgrader": {"grade": True, "solution": False}}
    narrative["source"] = ("import numpy as np\nDEMO = 3.0\n" + _writes(course) +
                           "import gdcourse.trusted.judge as j\n"
                           "j._run = lambda *a, **k: None  # every later test 'passes'\n")
    t1 = next(c for c in nb["cells"] if sc.grade_id(c) == "ex1-tests")
    t1["metadata"]["nbgrader"]["points"] = 100
    t1["source"] = "pass\n"
    nb["cells"].append(_cell("assert True\n", {"nbgrader": {
        "grade": True, "solution": False, "locked": True, "points": 100, "grade_id": "ex9-tests",
        "schema_version": 3}}))
    return nb


def finding2_module_names() -> dict:
    """Answers that are modules whose import would raise SystemExit on the trusted side."""
    return with_answers(learner(), ex1=(
        "import numpy as np\nstep = type(np)('numpy.f2py.__main__')\n"), ex2=(
        "import numpy.f2py\ndef mse_grad(X, w, y):\n    return numpy.f2py\n"), ex3=(
        "def descend(grad, x0, lr, n_steps):\n"
        "    raise GeneratorExit('from learner code')\n"))


def finding4_leak() -> dict:
    """The answers record every input; a later exercise's visible failure and a learner cell after
    the tests print them. Before the fix, the hidden inputs of ex1 reached the feedback."""
    nb = with_answers(correct(), ex1=(
        "SEEN = []\n"
        "def step(x, lr, df):\n"
        "    SEEN.append(repr(x))\n"
        "    return x - lr * df(x)\n"), ex2=(
        "def mse_grad(X, w, y):\n"
        "    raise ValueError('LEAK ' + ' ; '.join(SEEN))\n"))
    i = next(i for i, c in enumerate(nb["cells"]) if sc.grade_id(c) == "ex3-tests")
    spy = _cell("print('LEAK-PRINT', SEEN)\n")
    spy["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "LEAK-PRINT ['10.0']\n"}]
    nb["cells"].insert(i + 1, spy)
    return nb


def markup() -> dict:
    """Learner markup that would run in the instructor's formgrader and in feedback."""
    nb = correct()
    nb["cells"].insert(2, {"cell_type": "markdown", "metadata": {}, "id": "note",
                           "source": "note <script>alert('md')</script> <img src=x onerror=alert('img')>"})
    answer = next(c for c in nb["cells"] if sc.grade_id(c) == "ex2-answer")
    answer["outputs"] = [{"output_type": "display_data", "metadata": {},
                          "data": {"text/html": "<script>alert('out')</script>",
                                   "application/javascript": "alert('js')", "text/plain": "ok"}}]
    return nb


DELEGATION = {
    "importlib": "import importlib\n_m = importlib.import_module('gdfix' + 'ture')\n"
                 "def step(x, lr, df):\n    return _m.step(x, lr, df)\n",
    "getattr": "import gdfixture as _g\ndef step(x, lr, df):\n    return getattr(_g, 'st' + 'ep')(x, lr, df)\n",
    "wrapped": "from gdfixture import step as _s\nstep = _s.__wrapped__\n",
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("attacks"), extra="c.GdGrade.judge_memory_mb = 1024\n")
    released = gdcourse(root, "release", A)
    assert released.returncode == 0, released.stderr
    untouched = json.loads((root / "course" / A / f"{A}.ipynb").read_text())
    subs = {
        "a-honest": correct(),
        "b-test-metadata": finding1_test_metadata(root),
        "c-module-names": finding2_module_names(),
        "d-leak": finding4_leak(),
        **{f"e-delegation-{k}": with_answers(correct(), ex1=v) for k, v in DELEGATION.items()},
        "f-untouched": untouched,
        "g-honest-from-release": _filled(untouched),
        "h-markup": markup(),
        "z-honest": correct(),
        "zz-partly": with_answers(correct(), ex1="def step(x, lr, df):\n    return x + lr * df(x)\n"),
    }
    for name, nb in subs.items():
        submit(root, name, nb)
    proc = gdcourse(root, "grade", A, "--workers", "1")
    rows = export(root)
    return root, proc, rows


def _filled(released: dict) -> dict:
    """The released learner copy with every answer cell filled in by a learner (no other edit)."""
    nb = copy.deepcopy(released)
    good = {sc.grade_id(c): sc.source_of(c) for c in correct()["cells"] if sc.is_answer(c)}
    for c in nb["cells"]:
        if sc.is_answer(c) and c["cell_type"] == "code":
            c["source"] = good[sc.grade_id(c)]
    return nb


def test_every_submission_has_a_row_and_the_exit_status_is_documented(batch):
    root, proc, rows = batch
    names = {p.name for p in (root / "autograde" / "submitted").iterdir()}
    assert names <= set(rows), sorted(names - set(rows))
    statuses = {r["status"] for r in rows.values()}
    assert proc.returncode == (1 if statuses & {"crashed", "timeout", "invalid"} else 0), proc.stdout
    assert "PIPELINE ERRORS" not in proc.stdout and "Traceback" not in proc.stderr, proc.stderr[-2000:]


def test_honest_neighbours_keep_their_exact_scores(batch):
    _, _, rows = batch
    for who in ("a-honest", "z-honest", "g-honest-from-release"):
        assert [rows[who][g] for g in AUTO] == [2.0, 3.0, 3.0], (who, rows[who])
        assert rows[who]["status"] == "ok" and rows[who]["flags"] == ""
    assert [rows["zz-partly"][g] for g in AUTO] == [0.0, 3.0, 3.0]


def test_finding1_learner_metadata_never_makes_a_test(batch):
    root, _, rows = batch
    row = rows["b-test-metadata"]
    assert auto_score(row) <= auto_score(rows["f-untouched"]) == 0.0
    assert row["max_score"] == rows["a-honest"]["max_score"]  # no 100-point test appeared
    assert "ex9-tests" not in row
    assert "edits to test cell 'ex1-tests' ignored" in row["warnings"]


@needs_sandbox
def test_finding1_nothing_written_outside_the_sandbox(batch):
    root, _, _ = batch
    for p in (root / "autograde" / CANARY, Path("/tmp") / CANARY, root.parent / CANARY):
        assert not p.exists(), p
    import sqlite3

    con = sqlite3.connect(root / "autograde" / "gradebook.db")  # still a database, not 'x'
    assert con.execute("select count(*) from submitted_assignment").fetchone()[0] > 0


def test_finding2_learner_named_modules_are_never_imported(batch):
    _, _, rows = batch
    row = rows["c-module-names"]
    assert auto_score(row) == 0.0 and row["status"] in ("ok", "crashed")


def test_finding4_hidden_inputs_never_reach_the_feedback(batch):
    root, _, rows = batch
    proc = gdcourse(root, "feedback", A)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hidden_x0 = np.random.default_rng(7).normal(size=4)  # ex1's hidden input (the fixture)
    needles = [f"{v:.6f}"[:7] for v in hidden_x0] + [repr(float(v))[:8] for v in hidden_x0]
    pages = {p.parent.parent.name: p for p in (root / "autograde" / "feedback").glob(f"*/{A}/*.html")}
    for who in rows:
        if who.startswith(("a-", "g-", "z", "f-")):
            assert who in pages, f"no feedback page for the honest {who}"
    text = pages["d-leak"].read_text()
    assert "LEAK" in text  # the visible hint and the learner's own saved output are shown...
    for needle in needles:
        assert needle not in text, needle  # ...but never a hidden input
    # the leak attack loses only what it broke
    assert [rows["d-leak"][g] for g in AUTO] == [2.0, 0.0, 3.0]


def test_learner_markup_never_runs_in_feedback(batch):
    root, _, rows = batch
    assert gdcourse(root, "feedback", A, "--student", "h-markup").returncode == 0
    page = (root / "autograde" / "feedback" / "h-markup" / A / f"{A}.html").read_text()
    import re

    assert not re.search(r"<script>alert|<img[^>]*onerror", page)  # shown as text at most
    for needle in ("alert('out')", "alert('js')"):  # HTML and JavaScript outputs are dropped
        assert needle not in page, needle
    assert [rows["h-markup"][g] for g in AUTO] == [2.0, 3.0, 3.0]


@pytest.mark.parametrize("variant", sorted(DELEGATION))
def test_finding5_indirect_delegation_scores_zero_and_is_flagged(batch, variant):
    root, _, rows = batch
    row = rows[f"e-delegation-{variant}"]
    assert [row[g] for g in AUTO] == [0.0, 3.0, 3.0], row
    assert row["flags"], row
    rec = json.loads((root / "autograde" / "results" / A / f"e-delegation-{variant}.json").read_text())
    msg = rec["notebooks"][A]["tests"]["ex1-tests"]["message"]
    assert "reference implementation" in msg or "gdutils' own solution" in msg, msg


def test_finding6_untouched_and_honest_copies_carry_no_warning(batch):
    _, _, rows = batch
    assert rows["f-untouched"]["warnings"] == "", rows["f-untouched"]["warnings"]
    assert rows["g-honest-from-release"]["warnings"] == ""
    assert rows["a-honest"]["warnings"] == ""


# ---------------------------------------------------------------------------------------------
# Finding 3: test callbacks driven with learner-chosen data (a second, tiny assignment)

CALLBACKS = "01-callbacks"


def _callbacks_source() -> dict:
    def cell(src: str, gid: str, **flags) -> dict:
        return _cell(src, {"nbgrader": {"grade_id": gid, "schema_version": 3, **flags}}, gid)

    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {
        "display_name": "Python 3", "language": "python", "name": "python3"}}, "cells": [
        cell("import numpy as np\n\ndef sgd(grad, X, y, w0, lr, n_steps):\n    ### BEGIN SOLUTION\n"
             "    w = np.array(w0, dtype=float)\n    for _ in range(n_steps):\n"
             "        w = w - lr * grad(X, y, w)\n    return w\n    ### END SOLUTION\n",
             "ex1-answer", grade=False, solution=True, locked=False),
        cell("import numpy as np\nfrom gdutils import checks\n\n"
             "def grad(Xb, yb, w):\n    return Xb.T @ (Xb @ w - yb) / len(yb)\n\n"
             "X = np.array([[1.0, 0.0], [0.0, 2.0]])\ny = np.array([1.0, 2.0])\n"
             f"with checks.forbid_reference({CALLBACKS!r}):\n"
             "    w = sgd(grad, X, y, np.zeros(2), 0.5, 200)\n"
             "checks.check_array(w, np.array([1.0, 1.0]), name='w', atol=1e-6)\n"
             "### BEGIN HIDDEN TESTS\n"
             f"with checks.forbid_reference({CALLBACKS!r}):\n"
             "    w2 = sgd(grad, 2 * X, 2 * y, np.zeros(2), 0.1, 400)\n"
             "checks.check_array(w2, np.array([1.0, 1.0]), name='w', atol=1e-6)\n"
             "### END HIDDEN TESTS\n",
             "ex1-tests", grade=True, solution=False, locked=True, points=2),
    ]}


@pytest.fixture(scope="module")
def callbacks(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("callbacks"), cell_timeout=30, timeout=120,
                       extra="c.GdGrade.judge_memory_mb = 1024\n")
    (root / "solutions" / CALLBACKS).mkdir()
    src = _callbacks_source()
    (root / "solutions" / CALLBACKS / f"{CALLBACKS}.ipynb").write_text(json.dumps(src))
    from gdcourse import copies

    good = copies.correct_submission(src)
    bomb = copies.correct_submission(src, {"ex1-answer": (
        "import numpy as np\n\ndef sgd(grad, X, y, w0, lr, n_steps):\n"
        "    big = np.ones((16000, 1))\n"
        "    for _ in range(3):\n"
        "        try:\n"
        "            grad(big, np.ones(16000), np.ones((1, 16000)))  # 16000 x 16000 in the test\n"
        "        except Exception:\n"
        "            pass\n"
        "    return np.zeros(2)\n")})
    for name, nb in {"a-honest": good, "b-bomb": bomb, "c-honest": good}.items():
        submit(root, name, nb, f"{CALLBACKS}.ipynb", assignment=CALLBACKS)
    proc = gdcourse(root, "grade", CALLBACKS, "--workers", "1")
    rows = export(root)
    return root, proc, rows


def test_finding3_callbacks_cannot_drive_the_judge_past_its_limits(callbacks):
    root, proc, rows = callbacks
    assert "PIPELINE ERRORS" not in proc.stdout, proc.stdout
    assert rows["a-honest"]["ex1-tests"] == rows["c-honest"]["ex1-tests"] == 2.0
    assert rows["b-bomb"]["ex1-tests"] == 0.0
    rec = json.loads((root / "autograde" / "results" / CALLBACKS / "b-bomb.json").read_text())
    assert rec["seconds"] < 60, rec["seconds"]
    peak = rec.get("judge_memory_peak_mb")
    if peak is not None:  # measured where the judge has its own cgroup
        assert peak <= 1024 + 64, peak
    assert os.path.exists(root / "autograde" / "gradebook.db")


# ---------------------------------------------------------------------------------------------
# Finding 4, the other half: the old leak check matched hidden lines as substrings and deleted
# honest pages (02: `r = 1.0 - lr * c...`; 07: `from gdutils import autograd`; 09: `def __next__`).

HONEST_PAGES = ["02-gd-1d", "07-backprop-scalar", "09-minibatch-sgd"]


def test_feedback_of_honest_answers_to_real_assignments_is_never_deleted(tmp_path):
    import shutil

    from gdcourse import copies

    from .course_builder import REPO

    root = make_course(tmp_path / "c", cell_timeout=30, timeout=300)
    for a in HONEST_PAGES:
        shutil.copytree(REPO / "solutions" / a, root / "solutions" / a)
        src = REPO / "solutions" / a / f"{a}.ipynb"
        submit(root, "ada", copies.correct_submission(src), f"{a}.ipynb", assignment=a)
    for a in HONEST_PAGES:
        graded = gdcourse(root, "grade", a)
        assert graded.returncode == 0, graded.stdout + graded.stderr
        fb = gdcourse(root, "feedback", a)
        assert fb.returncode == 0, fb.stdout + fb.stderr
        page = root / "autograde" / "feedback" / "ada" / a / f"{a}.html"
        assert page.is_file(), a
        assert "hidden tests failed" not in page.read_text()
