"""``gdcourse progress`` on real learner copies of notebook 02 (each test starts kernels: slow).

An untouched copy reports "not answered yet"; an answer filled in from the solution passes; a
wrong answer shows the test's hint; an endless loop is stopped; a broken file is reported
clearly while the other notebooks still report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gdcourse import cells as sc
from gdcourse import copies
from gdcourse.commands import cli
from gdcourse.commands import progress as pg
from gdcourse.commands import workspace as ws

pytestmark = [pytest.mark.slow, pytest.mark.grading]

ROOT = Path(__file__).resolve().parents[2]
NB = "02-gd-1d"
RELEASED = ROOT / "course" / NB / f"{NB}.ipynb"


def solution(grade_id: str) -> str:
    """The worked answer of one cell, markers stripped: what a correct learner writes."""
    src = json.loads((ROOT / "solutions" / NB / f"{NB}.ipynb").read_text())
    for cell in src["cells"]:
        if sc.grade_id(cell) == grade_id:
            return sc.solution_code(sc.source_of(cell)) + "\n"
    raise KeyError(grade_id)


def learner_copy(tmp_path: Path, answers: dict[str, str]) -> Path:
    nb = copies.with_answers(json.loads(RELEASED.read_text()), answers)
    path = tmp_path / "workspace" / NB / f"{NB}.ipynb"
    path.parent.mkdir(parents=True)
    copies.write(nb, path)
    return path


def test_untouched_copy_and_a_broken_one(tmp_path: Path, capsys) -> None:
    course = tmp_path / "course"
    for a in ("01-derivatives", NB):
        (course / a).mkdir(parents=True)
        (course / a / f"{a}.ipynb").write_bytes((ROOT / "course" / a / f"{a}.ipynb").read_bytes())
    workspace = tmp_path / "workspace"
    ws.sync(course, workspace)
    (workspace / "01-derivatives" / "01-derivatives.ipynb").write_text('{"cells": [')  # cut short

    status = cli.main(["progress", "--course", str(course), "--workspace", str(workspace)])
    out = capsys.readouterr().out
    assert status == 0, out
    broken, untouched = out.split("\n\n")
    assert broken.startswith("01-derivatives   could not be checked:"), broken
    assert "not a readable notebook" in broken and "gdcourse restore 01" in broken
    assert untouched.startswith(f"{NB}   0/5 tests pass"), untouched
    assert untouched.count(": not answered yet") == 5, untouched
    assert "Traceback" not in out


def test_right_wrong_and_endless_answers(tmp_path: Path) -> None:
    path = learner_copy(tmp_path, {
        "ex1-answer": "def gd_step(x, lr, df):\n    return x + lr * df(x)\n",  # the sign error
        "ex2-answer": solution("ex2-answer"),
        "ex3-answer": "def regime(lr, curvature=2.0):\n    while True:\n        pass\n",
    })
    [report] = pg.check([(NB, path, RELEASED)], cell_timeout=5)
    got = {t.grade_id: t for t in report.tests}
    assert report.problem is None, report.problem
    assert got["ex2-tests"].passed, got["ex2-tests"]
    assert not got["ex1-tests"].passed
    assert "Hint: sign error" in got["ex1-tests"].hint, got["ex1-tests"].hint
    assert "longer than 5 s" in got["ex3-tests"].hint, got["ex3-tests"].hint
    assert got["ex4-tests-stopping"].hint == pg.NOT_ANSWERED
    assert report.passed == 1
    assert "✓ ex2-tests" in report.render() and "1/5 tests pass" in report.render()


def test_runs_inside_a_running_event_loop(tmp_path: Path) -> None:
    """From a Jupyter cell (or any caller already inside an event loop) it still reports."""
    import asyncio

    path = learner_copy(tmp_path, {"ex2-answer": solution("ex2-answer")})

    async def from_a_cell() -> list[pg.NotebookReport]:
        return pg.check([(NB, path, RELEASED)], cell_timeout=20)

    # The test's own loop runs on a thread of its own: a pytest worker that drove Playwright
    # before may already have a loop running on the main thread, and asyncio.run refuses that.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        [report] = pool.submit(lambda: asyncio.run(from_a_cell())).result()
    assert report.problem is None, report.problem
    assert {t.grade_id for t in report.tests if t.passed} == {"ex2-tests"}
