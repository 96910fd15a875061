"""The committed notebooks are well-formed nbgrader sources and learner copies (fast checks).

That each learner copy is exactly what nbgrader generates from its source is proven in the grading
tier (tests/integration/test_roundtrip.py), because it needs nbgrader to run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import nbtools  # noqa: E402

ASSIGNMENTS = nbtools.assignments()
EXPECTED = [
    "01-derivatives", "02-gd-1d", "03-gd-nd", "04-linear-regression", "05-classification",
    "06-clustering", "07-backprop-scalar", "08-backprop-layers", "09-minibatch-sgd", "10-momentum",
    "11-adaptive", "12-generalisation",
]


def test_assignment_ids_follow_the_course_plan() -> None:
    unknown = sorted(set(ASSIGNMENTS) - set(EXPECTED))
    assert not unknown, f"unexpected assignments in solutions/: {unknown}"


def test_every_learner_copy_has_a_source() -> None:
    learner = sorted(p.name for p in nbtools.COURSE.iterdir() if p.is_dir()) if nbtools.COURSE.is_dir() else []
    assert learner == ASSIGNMENTS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_is_well_formed(assignment: str) -> None:
    assert nbtools.check_source(assignment) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_folder_holds_only_the_notebook(assignment: str) -> None:
    files = sorted(p.name for p in (nbtools.SOLUTIONS / assignment).iterdir() if p.name != ".ipynb_checkpoints")
    assert files == [f"{assignment}.ipynb"], "anything else in a solution folder is released to learners"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_learner_copy_has_no_solutions_or_outputs(assignment: str) -> None:
    nb = nbformat.read(nbtools.learner_path(assignment), as_version=4)
    text = nbformat.writes(nb)
    for marker in ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS"):
        assert marker not in text
    for cell in nb.cells:
        assert not cell.get("outputs") and not cell.get("execution_count")
