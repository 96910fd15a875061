"""nbgrader round trips, per assignment, with PLAIN nbgrader (what the formgrader and the learners'
Validate button use).

For each assignment, in a throw-away course directory: generate the learner copy (and prove the
committed copy is exactly that), then autograde the solution as a submission (full marks on every
autograded cell), the untouched learner copy (zero), and one combined wrong submission holding one
mistake per answer cell from ``tests/mistakes/<assignment>.py`` (exactly the union of their listed
test cells loses its points: the exercises are decoupled).

Every mistake individually, and the cheats, go through the hardened grader in
``tests/grading/test_real_assignments.py``: plain nbgrader pays a kernel start per submission,
which for some 250 wrong submissions would cost CI more than ten minutes for no extra evidence.
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
    tests_covered = set().union(*(set(m["fails"]) for m in mistakes.values()))
    correct = nbtools.correct_submission(assignment, learner)
    combined, expected_fail = _one_mistake_per_answer_cell(mistakes)
    subs = {
        "correct": correct,
        "untouched": learner,
        "combined": nbtools.apply_mistake(correct, combined),
    }
    results = nbtools.plain_autograde(assignment, subs, tmp_path)

    tests = set(results["correct"].scores)
    assert results["correct"].failed() == set(), "the worked solution must get full marks"
    assert results["untouched"].passed() == set(), "the untouched learner copy must score zero"
    assert results["combined"].failed() == expected_fail, (
        f"one mistake per answer cell: expected exactly {sorted(expected_fail)} to fail, "
        f"got {sorted(results['combined'].failed())}"
    )
    assert tests_covered == tests, f"no wrong submission exercises {sorted(tests - tests_covered)}"


def _one_mistake_per_answer_cell(mistakes: dict) -> tuple[dict[str, str], set[str]]:
    """Pick, for each answer cell, the first mistake that touches only that cell."""
    replace: dict[str, str] = {}
    fails: set[str] = set()
    for m in mistakes.values():
        cells = set(m["replace"])
        if cells & set(replace):
            continue
        replace.update(m["replace"])
        fails |= set(m["fails"])
    return replace, fails
