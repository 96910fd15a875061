"""How ``gdcourse progress`` reads a run's outputs (no kernel: outputs are written by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from gdcourse import cells as sc
from gdcourse.commands import progress as pg

ROOT = Path(__file__).resolve().parents[2]
NB = "02-gd-1d"
RELEASED = ROOT / "course" / NB / f"{NB}.ipynb"


def _error(ename: str, evalue: str) -> dict:
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[])


def test_a_deleted_test_cell_is_reported_and_edited_tests_run_as_released(tmp_path: Path) -> None:
    nb = json.loads(RELEASED.read_text())
    nb["cells"] = [c for c in nb["cells"] if sc.grade_id(c) != "ex2-tests"]
    for c in nb["cells"]:
        if sc.grade_id(c) == "ex1-tests":
            c["source"] = "pass  # the learner made the test pass"
    path = tmp_path / f"{NB}.ipynb"
    path.write_text(json.dumps(nb))
    run, order, missing, written = pg.prepare(NB, path, RELEASED)
    assert missing == ["ex2-tests"] and written == 1 and order[0] == "ex1-tests"
    ex1 = next(c for c in run.cells if sc.grade_id(c) == "ex1-tests")
    assert "gd_step(3.0, 0.1, df)" in ex1.source
    assert sc.is_test(run.cells[-1]), "nothing after the last test cell runs"
    tests, _ = pg.read_results(run, order, missing, NB, 60)
    assert "missing from your copy" in next(t.hint for t in tests if t.grade_id == "ex2-tests")


def test_outputs_become_verdicts(tmp_path: Path) -> None:
    run, order, missing, _ = pg.prepare(NB, RELEASED, RELEASED)
    by_id = {sc.grade_id(c): c for c in run.cells if sc.grade_id(c)}
    for c in run.cells:
        if c.cell_type == "code" and sc.grade_id(c) not in ("ex3-tests", "ex4-tests-divergence"):
            c.execution_count = 1  # run; the last test cell never ran
    by_id["ex1-tests"].outputs = [_error("ExerciseError", "\nthe sign is wrong\nmore detail")]
    by_id["ex2-answer"].outputs = [_error("SyntaxError", "invalid syntax (cell, line 3)")]
    by_id["ex2-tests"].outputs = [_error("NameError", "name 'descend' is not defined")]
    by_id["ex4-tests-stopping"].outputs = [_error("NotImplementedError", "")]
    tests, notes = pg.read_results(run, order, missing, NB, 60)
    got = {t.grade_id: t for t in tests}
    assert got["ex1-tests"].hint == "the sign is wrong"
    assert got["ex2-tests"].hint == "your answer cell failed: SyntaxError: invalid syntax (cell, line 3)"
    assert got["ex4-tests-stopping"].hint == pg.NOT_ANSWERED
    assert got["ex4-tests-divergence"].hint.startswith("not run")
    report = pg.NotebookReport(NB, tests, written=1)
    text = report.render(*pg.marks(type("S", (), {"encoding": "ascii"})()))
    assert text.splitlines()[0] == f"{NB}   0/5 tests pass" and "X  ex1-tests: the sign is wrong" in text
