"""nbgrader round trips, per assignment, with plain nbgrader and the course's config conventions.

For each assignment, in a throw-away course directory: generate the learner copy (and prove the
committed copy is exactly that), then autograde the solution as a submission (full marks on every
autograded cell), the untouched learner copy (zero), and each wrong submission listed in
``tests/mistakes/<assignment>.py`` (exactly the listed test cells lose their points).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import nbtools  # noqa: E402

ASSIGNMENTS = nbtools.assignments()


def _cells(nb: nbformat.NotebookNode) -> list[tuple]:
    return [(c.cell_type, c.get("id"), c.source, dict(c.metadata)) for c in nb.cells]


@pytest.mark.skipif(not ASSIGNMENTS, reason="no solution notebooks yet")
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_plain_nbgrader_round_trip(assignment: str, tmp_path: Path) -> None:
    learner = nbtools.generate(assignment)
    committed = nbformat.read(nbtools.learner_path(assignment), as_version=4)
    assert _cells(committed) == _cells(learner), (
        f"course/{assignment} differs from what nbgrader generates from solutions/{assignment}: "
        f"run `python tests/nbtools.py release {assignment}`"
    )
    mistakes = nbtools.load_mistakes(assignment)
    assert mistakes, f"tests/mistakes/{assignment}.py is missing or empty"
    correct = nbtools.correct_submission(assignment, learner)
    subs = {"correct": correct, "untouched": learner}
    for name, m in mistakes.items():
        subs[f"m-{name}"] = nbtools.apply_mistake(correct, m["replace"])
    results = nbtools.plain_autograde(assignment, subs, tmp_path)

    tests = set(results["correct"].scores)
    assert results["correct"].failed() == set(), "the worked solution must get full marks"
    assert results["untouched"].passed() == set(), "the untouched learner copy must score zero"
    covered: set[str] = set()
    for name, m in mistakes.items():
        failed = results[f"m-{name}"].failed()
        assert failed == set(m["fails"]), f"mistake {name!r}: expected {sorted(m['fails'])} to fail, got {sorted(failed)}"
        covered |= failed
    assert covered == tests, f"no wrong submission exercises {sorted(tests - covered)}"
