"""Plain nbgrader with the shipped configuration, and the nbgrader internals gdcourse overrides."""

from __future__ import annotations

import hashlib
import inspect
import shutil
import sys

import nbformat
import pytest

from gdcourse.commands.config import load_course
from gdcourse.commands.gradebook import run_nbgrader

from .course_builder import REPO

sys.path.insert(0, str(REPO / "tests"))
import nbtools  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.grading]

A = "05-classification"
# a correct sigmoid that computes both branches, so numpy warns about overflow on stderr
WARNING_SIGMOID = '''import numpy as np

def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))

def bce_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    return float(np.mean(np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - y * z))
'''


def test_a_correct_answer_that_warns_on_stderr_keeps_its_points(tmp_path):
    course = tmp_path / "course"
    (course / "autograde").mkdir(parents=True)
    (course / "course").mkdir()
    shutil.copytree(REPO / "solutions" / A, course / "solutions" / A)
    shutil.copy(REPO / "autograde" / "nbgrader_config.py", course / "autograde")
    learner = nbformat.read(REPO / "course" / A / f"{A}.ipynb", as_version=4)
    nb = nbtools.apply_mistake(nbtools.correct_submission(A, learner), {"ex1-answer": WARNING_SIGMOID})
    for student in ("warns", "warns-no-ignore"):
        d = course / "autograde" / "submitted" / student / A
        d.mkdir(parents=True)
        nbformat.write(nb, d / f"{A}.ipynb")
    c = load_course(course)
    run_nbgrader(c, "generate_assignment", A, "--force", "--create",
                 f"--CourseDirectory.release_directory={tmp_path / 'release'}")
    run_nbgrader(c, "autograde", A, "--force", "--create", "--student=warns")
    # the control: nbgrader's own default (the filter off) costs the warning cell its points
    run_nbgrader(c, "autograde", A, "--force", "--create", "--student=warns-no-ignore",
                 "--IgnorePattern.enabled=False")
    got = nbtools.read_gradebook(course / "autograde" / "gradebook.db", A)
    full = sum(got["warns"].max_scores.values())
    assert sum(got["warns"].scores.values()) == full, got["warns"].scores
    assert sum(got["warns-no-ignore"].scores.values()) < full, got["warns-no-ignore"].scores


# nbgrader internals that gdcourse.commands.gradebook.StagedAutograde relies on: the whole source
# of the classes it reaches into. A new nbgrader that changes them fails here; re-check
# StagedAutograde, update the hashes, and raise the upper bound in pyproject.toml.
PINNED = {
    "nbgrader.converters.autograde:Autograde": "8ed4b2293357d5dc",
    "nbgrader.converters.base:BaseConverter._format_source": "740a3471a323b5c4",
}


def _digest(dotted: str) -> str:
    import importlib

    module, _, attrs = dotted.partition(":")
    obj = importlib.import_module(module)
    for name in attrs.split("."):
        obj = getattr(obj, name)
    return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:16]


@pytest.mark.parametrize("dotted", sorted(PINNED))
def test_overridden_nbgrader_internals_are_unchanged(dotted):
    import nbgrader

    assert nbgrader.__version__.startswith("0.9."), nbgrader.__version__
    assert _digest(dotted) == PINNED[dotted], (
        f"{dotted} changed in nbgrader {nbgrader.__version__}: re-check StagedAutograde "
        f"(gdcourse/commands/gradebook.py), then update PINNED to {_digest(dotted)!r}")


def test_staged_autograde_reads_what_it_overrides():
    from nbgrader.converters.autograde import Autograde

    src = inspect.getsource(Autograde)
    assert "self._sanitizing" in src and "def _input_directory" in src


def test_nbgrader_release_feedback_works_after_gdcourse_grade(tmp_path):
    # the documented way to return feedback on a hub: gdcourse grade + feedback, then plain
    # `nbgrader release_feedback`, which needs the submission's secret beside the feedback
    from .course_builder import correct, gdcourse, make_course, submit

    root = make_course(tmp_path / "c")
    nb = submit(root, "alice", correct())
    (nb.parent / "submission_secret.txt").write_text("ab" * 64)
    (nb.parent / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    for step in (("release", "00-fixture", "--exchange"), ("grade", "00-fixture"), ("feedback", "00-fixture")):
        proc = gdcourse(root, *step)
        assert proc.returncode == 0, (step, proc.stdout, proc.stderr)
    fb = root / "autograde" / "feedback" / "alice" / "00-fixture"
    assert (fb / "submission_secret.txt").read_text() == "ab" * 64
    out = run_nbgrader(load_course(root), "release_feedback", "00-fixture")
    assert "Feedback released" in out.stdout + out.stderr
    released = list((root / "autograde" / "exchange" / "gdcourse" / "feedback").glob("*.html"))
    assert len(released) == 1
