"""Learner notebooks in a real JupyterLab, before anything is solved.

* The explorers work: run every cell (answer cells raise NotImplementedError, and so does every
  cell that uses them — that is expected; Run All stops at an error, so the run carries on from
  the next cell), then every explorer's slider moves its figure. The learner copy shows as many explorers as its solution notebook did.
* The nbgrader Validate button runs and reports: failures for the unsolved notebook, success for
  the same notebook with the solutions typed in.
"""

from __future__ import annotations

import re
from typing import Any

import labdriver
import nbformat
import nbtools
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

FIXTURE = "fixture-learner-demo"
FIXTURE_PATH = "browser-fixtures/learner-demo/learner-demo.ipynb"
FIXTURE_SOURCE = "browser-fixtures/source/learner-demo/learner-demo.ipynb"
LEARNERS = [FIXTURE] + nbtools.assignments()
# Validate executes the notebook inside the server: the fixture, and the first course notebook
# (which exercises the shipped nbgrader config on real content).
VALIDATED = [FIXTURE] + nbtools.assignments()[:1]
MAX_EXPLORERS = 6


def _learner_path(name: str, learner_copy: Any) -> str:
    return FIXTURE_PATH if name == FIXTURE else learner_copy(name)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", LEARNERS)
def test_explorers_work_before_solving(name: str, notebooks: labdriver.Notebooks,
                                       learner_copy: Any) -> None:
    page = notebooks.open(_learner_path(name, learner_copy))
    seconds = page.run_all_past_errors()
    errors = page.error_outputs()
    print(f"{name}: ran all cells (past errors) in {seconds:.1f} s; {len(errors)} error outputs (expected: unsolved)")
    assert any("NotImplementedError" in e for e in errors), (
        f"{name}: no answer cell raised NotImplementedError — is this really the learner copy?\n"
        + "\n".join(errors))
    explorers = page.explorers()
    solved = labdriver.EXPLORER_COUNTS.get(name)   # known when the solution ran in this session
    if name == FIXTURE:
        assert len(explorers) == 1, f"the learner fixture has one explorer, found {explorers}"
    elif solved is not None:
        assert len(explorers) == solved, (
            f"{name}: the solution notebook shows {solved} slider explorers, the unsolved learner "
            f"copy {len(explorers)}: an explorer depends on an exercise?\n" + "\n".join(errors))
    checks = [page.move_slider(k) for k in range(min(len(explorers), MAX_EXPLORERS))]
    for c in checks:
        print(f"{name}: cell {c.cell} slider {c.slider!r} {c.readout_before} -> {c.readout_after}: "
              f"image changed={c.changed} in {c.seconds:.2f} s")
    frozen = [c for c in checks if not c.changed or c.readout_before == c.readout_after]
    assert not frozen, f"{name}: sliders that did not change their figure: {frozen}"


def _correct_submission(name: str, root: Any, learner: str) -> nbformat.NotebookNode:
    if name != FIXTURE:
        return nbtools.correct_submission(name, nbformat.read(root / learner, as_version=4))
    return nbtools.correct_submission(
        FIXTURE,
        nbformat.read(root / FIXTURE_PATH, as_version=4),
        source=nbformat.read(root / FIXTURE_SOURCE, as_version=4),
    )


@pytest.mark.timeout(400)
@pytest.mark.parametrize("name", VALIDATED)
def test_validate_button_reports(name: str, notebooks: labdriver.Notebooks, learner_copy: Any,
                                 lab_server: labdriver.LabServer) -> None:
    # unsolved: the test cells fail, and the dialog lists them
    learner = _learner_path(name, learner_copy)
    page = notebooks.open(learner)
    result = page.validate()
    print(f"{name} (unsolved): {result['title']!r} {result['outcome']!r}")
    assert result["title"] == "Validation Results", result
    assert result["outcome"] == "validation-failed", result
    assert "The following cell failed" in result["text"], result
    assert "NotImplementedError" in result["text"], result

    # solved: the same notebook with the solutions typed in passes
    rel = f"submissions/{name}/{name}.ipynb"
    target = lab_server.root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(_correct_submission(name, lab_server.root, learner), target)
    page = notebooks.open(rel)
    result = page.validate()
    print(f"{name} (solved): {result['title']!r} {result['outcome']!r}")
    assert result["title"] == "Validation Results", result
    assert result["outcome"] == "validation-success", result
    assert re.search(r"Success! Your notebook passes all the tests", result["text"]), result
