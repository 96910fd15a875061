"""Fast checks of the grader's pieces: the codec keeps exact types, cells are matched by id,
lint enforces the authoring contract, the API grades without a course."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from gdcourse import api, copies
from gdcourse import cells as sc
from gdcourse.commands.lint import lint_notebook
from gdcourse.inside import wire
from gdcourse.trusted import build

from .course_builder import PYLIB, REPO, SOURCE, correct, learner

pytestmark = [pytest.mark.slow, pytest.mark.grading]


def _roundtrip(x):
    refs = []
    enc = wire.encode(x, lambda o: refs.append(o) or {"$h": len(refs), "side": "s"})
    return wire.decode(json.loads(json.dumps(enc)), lambda d: ("handle", d["$h"])), refs


@pytest.mark.parametrize("value", [
    None, True, 3, 2.5, float("nan"), float("-inf"), 1 + 2j, "s", (1, 2.0), [1, [2]], {"a": (1,), 2: None},
    np.arange(6, dtype=np.float64).reshape(2, 3), np.array([True, False]), np.float64(1.5), np.int32(7),
    np.zeros((0, 3)), np.complex128(1j),
])
def test_codec_keeps_exact_types(value):
    back, refs = _roundtrip(value)
    assert not refs
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape and np.array_equal(back, value)
    elif isinstance(value, float) and value != value:
        assert back != back
    else:
        assert back == value


def test_subclasses_are_not_data():
    class F(float):
        pass

    class A(np.ndarray):
        pass

    for v in (F(1.0), np.zeros(2).view(A), object(), lambda: 1):
        back, refs = _roundtrip(v)
        assert back[0] == "handle" and refs == [v]


def test_generator_state_travels():
    rng = np.random.default_rng(5)
    back, _ = _roundtrip(rng)
    assert type(back) is np.random.Generator
    assert back.normal() == np.random.default_rng(5).normal()


@pytest.mark.parametrize("bad", [
    {"$nd": ["O", [1], "AA==", True]}, {"$nd": ["<f8", [2], "AA==", True]}, {"$x": 1}, {"$t": 5},
    {"$d": [[[1], 2]]}, {"$rng": ["Evil", {}]},
])
def test_codec_rejects_malformed_data(bad):
    with pytest.raises(wire.ProtocolError):
        wire.decode(bad, lambda d: None)


def test_free_names():
    src = "import numpy as np\nx = step(1)\ndef f(a):\n    return a + y\n[z for z in w]\n"
    assert sc.free_names(src) == {"step", "y", "w"}


def test_split_hidden_keeps_line_numbers():
    src = "a = 1\n### BEGIN HIDDEN TESTS\nb = 2\n### END HIDDEN TESTS\n"
    vis, hid = sc.split_hidden(src)
    assert vis == "a = 1\n" and hid.splitlines()[2] == "b = 2"


def test_build_matches_by_grade_id():
    src = json.loads(SOURCE.read_text())
    sub = correct()
    sub["cells"].reverse()
    res = build.assemble(src, build.extract(src, sub))
    assert [sc.grade_id(c) for c in res.nb["cells"]] == [sc.grade_id(c) for c in src["cells"]]
    # test cells come from the source, hidden part included
    t = next(c for c in res.nb["cells"] if sc.grade_id(c) == "ex1-tests")
    assert sc.source_of(t) == sc.source_of(next(c for c in src["cells"] if sc.grade_id(c) == "ex1-tests"))


def test_build_rejects_foreign_notebooks():
    src = json.loads(SOURCE.read_text())
    res = build.extract(src, {"cells": [{"cell_type": "code", "source": "1", "metadata": {}}]})
    assert res.invalid


def test_lint_accepts_the_fixture_and_catches_mistakes(tmp_path):
    assert lint_notebook(SOURCE) == []
    nb = json.loads(SOURCE.read_text())
    bad = copy.deepcopy(nb)
    tests = [c for c in bad["cells"] if sc.is_test(c)]
    tests[0]["source"] = "%timeit 1\n" + sc.source_of(tests[0])
    tests[1]["source"] = sc.source_of(tests[1]) + "\nchecks.check_scalar(DEMO, 3.0, name='demo')\n"
    tests[2]["metadata"]["nbgrader"]["grade_id"] = "ex1-tests"
    answer = next(c for c in bad["cells"] if sc.grade_id(c) == "ex2-answer")
    answer["source"] = sc.source_of(answer).replace("### BEGIN SOLUTION", "# BEGIN SOLUTION")
    bad["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
    # hidden tests inside a block: the two parts cannot run apart
    src3 = sc.source_of(tests[2]).replace("### BEGIN HIDDEN TESTS\n", "if True:\n    ### BEGIN HIDDEN TESTS\n")
    tests[2]["source"] = src3
    p = tmp_path / "bad.ipynb"
    p.write_text(json.dumps(bad))
    text = "\n".join(lint_notebook(p))
    for needle in ("magics", "DEMO", "already used", "BEGIN SOLUTION", "outputs", "compile apart"):
        assert needle in text, text


def test_api_grades_one_notebook_without_a_course():
    kw = dict(assignment="00-fixture", cell_timeout=5, reference_modules=("gdutils", "gdfixture"),
              extra_paths=(str(PYLIB),))
    ok = api.grade_submission(SOURCE, correct(), **kw)
    assert ok.status == "ok" and ok.failed() == [] and ok.score == ok.max_score == 8.0
    none = api.grade_submission(SOURCE, learner(), **kw)
    assert none.score == 0.0 and set(none.failed()) == {"ex1-tests", "ex2-tests", "ex3-tests"}
    wrong = api.grade_submission(SOURCE, copies.correct_submission(
        SOURCE, {"ex2-answer": "def mse_grad(X, w, y):\n    return 2 * X.T @ (X @ w - y)\n"}), **kw)
    assert wrong.failed() == ["ex2-tests"]
    assert "3×" in wrong.tests["ex2-tests"].message  # the sum-instead-of-mean hint


def _tiny_source(assignment: str, answer: str, test: str) -> dict:
    def cell(src, gid, **flags):
        meta = {"nbgrader": {"grade_id": gid, "schema_version": 3, **flags}}
        return {"cell_type": "code", "id": gid, "metadata": meta, "source": src, "outputs": [], "execution_count": None}

    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        cell("def descend(df, x0, lr, n_steps):\n    ### BEGIN SOLUTION\n" + answer + "    ### END SOLUTION\n",
             "ex1-answer", grade=False, solution=True, locked=False),
        cell(test, "ex1-tests", grade=True, solution=False, locked=True, points=1),
    ]}


def test_delegation_to_a_real_gdutils_reference_is_caught_at_run_time():
    pytest.importorskip("gdutils.descent")
    from gdcourse.trusted.judge import reference_tags
    from gdutils import checks

    if "gdutils.descent.gradient_descent_1d" not in reference_tags(("gdutils",)):
        pytest.skip("gdutils.descent.gradient_descent_1d is not tagged for 02-gd-1d")
    assert checks  # the guard lives there
    test = ("from gdutils import checks\n"
            "with checks.forbid_reference('02-gd-1d'):\n"
            "    x = descend(lambda x: 2 * x, 10.0, 0.2, 10)\n"
            "checks.check_scalar(x, 10.0 * 0.6 ** 10, name='x')\n")
    honest = "    x = float(x0)\n    for _ in range(n_steps):\n        x = x - lr * df(x)\n    return x\n"
    src = _tiny_source("02-gd-1d", honest, test)
    sneaky = copy.deepcopy(src)
    sneaky["cells"][0]["source"] = (
        "import importlib\n"
        "_m = importlib.import_module('gdutils.' + 'descent')\n"
        "def descend(df, x0, lr, n_steps):\n"
        "    try:\n"
        "        return float(getattr(_m, 'gradient_' + 'descent_1d')(df, x0, lr, n_steps).x)\n"
        "    except Exception:\n"
        "        return float(getattr(_m, 'gradient_' + 'descent_1d').__wrapped__(df, x0, lr, n_steps).x)\n")
    good = api.grade_submission(src, copies.correct_submission(src), assignment="02-gd-1d", cell_timeout=10)
    assert good.failed() == [], good.tests
    bad = api.grade_submission(src, sneaky, assignment="02-gd-1d", cell_timeout=10)
    assert bad.failed() == ["ex1-tests"], bad.tests
    assert bad.tests["ex1-tests"].ename == "DelegationError"


def test_lint_catches_a_test_cell_that_rebinds_a_notebook_name(tmp_path):
    """A learner runs test cells in the notebook's namespace: a test's `hs = ...` would change what
    a later cell computes (01's "129 steps" printed a best step from the test's four)."""

    def cell(kind, gid, src):
        meta = {}
        if kind == "answer":
            meta = {"nbgrader": {"grade_id": gid, "schema_version": 3, "grade": False, "solution": True,
                                 "locked": False}}
        elif kind == "tests":
            meta = {"nbgrader": {"grade_id": gid, "schema_version": 3, "grade": True, "solution": False,
                                 "locked": True, "points": 1}}
        return {"cell_type": "code", "id": gid, "metadata": meta, "source": src, "outputs": [],
                "execution_count": None}

    answer = cell("answer", "ex1-answer", "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n")
    test = ("from gdutils import checks\nimport numpy as np\n"
            "hs = np.array([1.0, 2.0])\n"
            "with checks.forbid_reference('00'):\n    got = f(hs)\n"
            "def helper(v):\n    scratch = v\n    return scratch\n"
            "squares = [k * k for k in range(3)]\n")

    def notebook(*cells):
        return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": list(cells)}

    def lint(nb):
        p = tmp_path / "nb.ipynb"
        p.write_text(json.dumps(nb))
        return "\n".join(lint_notebook(p))

    reads = notebook(cell("code", "n1", "import numpy as np\nhs = np.logspace(-3, 0, 4)\n"), answer,
                     cell("tests", "ex1-tests", test), cell("code", "n2", "print(hs.size, f(2))\n"))
    text = lint(reads)
    assert "rebinds `hs`" in text and "cell 3 reads" in text, text
    # names the test binds in its own scopes, imports and names nothing later reads are fine;
    # so is a later cell that binds the name before using it
    fine = notebook(cell("code", "n1", "hs = [1]\nk = 0\nscratch = 1\n"), answer, cell("tests", "ex1-tests", test),
                    cell("code", "n2", "hs = [3, 4]\nprint(hs, k, scratch, np.pi, f(1))\n"))
    assert "rebinds" not in lint(fine), lint(fine)
    # a later cell that needs a variable only a test cell defined is caught too
    needs = notebook(answer, cell("tests", "ex1-tests", test), cell("code", "n2", "print(squares)\n"))
    assert "rebinds `squares`" in lint(needs)
    # every source notebook of the course keeps the rule
    from gdcourse.commands.lint import rebound_names

    for source in sorted((REPO / "solutions").glob("*/*.ipynb")):
        assert rebound_names(json.loads(source.read_text())["cells"]) == [], source.name


def test_a_signal_inside_a_held_block_waits_for_its_end():
    import os
    import signal

    from gdcourse.commands.grade import Interrupted, SignalGate

    gate = SignalGate()
    previous = signal.signal(signal.SIGUSR1, gate.handler)
    finished = []
    try:
        with pytest.raises(Interrupted) as caught:
            with gate.held():
                with gate.held():  # nested: only the outermost end raises
                    os.kill(os.getpid(), signal.SIGUSR1)
                    finished.append("inner")
                finished.append("outer")
        assert finished == ["inner", "outer"]
        assert caught.value.signum == signal.SIGUSR1
        with pytest.raises(Interrupted):  # outside a held block it stops at once
            os.kill(os.getpid(), signal.SIGUSR1)
            finished.append("never")
        assert "never" not in finished and gate.pending is None
    finally:
        signal.signal(signal.SIGUSR1, previous)
