"""Every real assignment in solutions/, through the hardened grader (gdcourse.api): the worked
solution scores full marks, the untouched learner copy zero, and every wrong submission in
tests/mistakes/<assignment>.py loses exactly the test cells it lists."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gdcourse import api, copies

from .course_builder import REPO

sys.path.insert(0, str(REPO / "tests"))
import nbtools  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.grading]

SOURCES = sorted((REPO / "solutions").glob("*/*.ipynb"))


@pytest.mark.skipif(not SOURCES, reason="no assignment in solutions/ yet")
@pytest.mark.parametrize("source", SOURCES, ids=[p.parent.name for p in SOURCES])
def test_hardened_round_trip(source: Path) -> None:
    assignment = source.parent.name
    good = api.grade_submission(source, copies.correct_submission(source), assignment=assignment)
    assert good.status == "ok", good.reasons
    assert good.failed() == [], {g: good.tests[g].message for g in good.failed()}
    empty = api.grade_submission(source, copies.learner_copy(source), assignment=assignment)
    assert empty.score == 0.0
    for name, mistake in nbtools.load_mistakes(assignment).items():
        res = api.grade_submission(
            source, copies.correct_submission(source, replace=mistake["replace"]), assignment=assignment
        )
        assert res.status == "ok", (name, res.reasons)
        assert set(res.failed()) == set(mistake["fails"]), (
            f"mistake {name!r}: expected {sorted(mistake['fails'])} to fail, got {sorted(res.failed())}: "
            + "; ".join(f"{g}: {res.tests[g].message}" for g in res.failed())
        )
