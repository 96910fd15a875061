"""Grade one notebook without a course directory or a gradebook.

>>> from autograde.api import grade_submission, correct_submission
>>> res = grade_submission("solutions/02-gd-1d/02-gd-1d.ipynb", submission_nb)   # doctest: +SKIP
>>> res.status, res.failed(), res.score, res.max_score                          # doctest: +SKIP

Same sandbox, same trusted verdicts as ``gdcourse grade``; no nbgrader app, no database. A runner
is kept started ahead of time between calls, so a series of calls (the round-trip tests of every
assignment's classic mistakes) pays Python's start-up only once.
"""

from __future__ import annotations

import atexit
import copy
import json
import os
from typing import Any

from . import sourcecode as sc
from .sandbox import SandboxPool, SandboxSettings
from .verdict import GradeSettings, NotebookResult, grade_notebook

_POOLS: dict[tuple, SandboxPool] = {}


def _pool(settings: SandboxSettings) -> SandboxPool:
    key = (settings.mode, settings.memory_mb, settings.nproc, tuple(settings.extra_paths))
    if key not in _POOLS:
        _POOLS[key] = SandboxPool(settings, slot=90 + len(_POOLS) % 10)
    return _POOLS[key]


@atexit.register
def _close_pools() -> None:
    for pool in _POOLS.values():
        pool.close()


def _load(nb: Any) -> dict:
    if isinstance(nb, dict):
        return copy.deepcopy(dict(nb))
    with open(os.fspath(nb), encoding="utf-8") as fh:
        return json.load(fh)


def grade_submission(source_nb: Any, submission_nb: Any, *, assignment: str | None = None,
                     workdir: str | None = None, timeout: float = 600.0, cell_timeout: float = 30.0,
                     sandbox: str = "auto", show_hidden: bool = False,
                     reference_modules: tuple[str, ...] = ("gdutils",),
                     extra_paths: tuple[str, ...] = ()) -> NotebookResult:
    """Grade ``submission_nb`` (a path or a notebook dict) against ``source_nb``.

    ``assignment`` defaults to the source notebook's file stem (it selects which gdutils
    reference solutions the delegation guard forbids). ``workdir``: files placed in the learner's
    working copy (data files, helper modules), read from this directory. Returns a
    :class:`~autograde.verdict.NotebookResult`: ``status``, ``tests[grade_id].passed``,
    ``failed()``, ``score``, ``max_score``, ``warnings``, ``reasons``, ``nb`` (executed).
    """
    src = _load(source_nb)
    if assignment is None:
        assignment = os.path.splitext(os.path.basename(os.fspath(source_nb)))[0] if not isinstance(source_nb, dict) else "assignment"
    sb = SandboxSettings(mode=sandbox, extra_paths=list(extra_paths))
    settings = GradeSettings(cell_timeout=cell_timeout, timeout=timeout, show_hidden=show_hidden,
                             sandbox=sb, reference_modules=tuple(reference_modules))
    files: dict[str, bytes] = {}
    if workdir:
        from .verdict import read_files

        files = read_files(workdir, settings.max_file_bytes, set())
    try:
        student = _load(submission_nb)
        invalid = None
    except (OSError, ValueError) as exc:
        student, invalid = None, f"not valid notebook JSON ({exc})"
    return grade_notebook(src, student, assignment=assignment, name=assignment, settings=settings,
                          pool=_pool(sb), files=files, invalid=invalid)


def correct_submission(source_nb: Any, replace: dict[str, str] | None = None) -> dict:
    """The source notebook as a learner who solved everything would submit it: solution code
    without the markers, hidden tests removed from test cells; ``replace`` maps answer-cell
    grade_ids to replacement sources (the tests/mistakes/ convention)."""
    nb = _load(source_nb)
    replace = dict(replace or {})
    for cell in nb["cells"]:
        gid = sc.grade_id(cell)
        src = sc.source_of(cell)
        if sc.is_answer(cell):
            cell["source"] = replace.pop(gid) if gid in replace else (
                sc.solution_code(src) if cell["cell_type"] == "code" else src)
        elif sc.is_test(cell):
            cell["source"] = sc.strip_hidden(src)
    if replace:
        raise KeyError(f"no answer cells with grade_id {sorted(replace)}")
    return nb


def learner_copy(source_nb: Any) -> dict:
    """The released learner notebook (solutions replaced by stubs, hidden tests removed)."""
    nb = _load(source_nb)
    for cell in nb["cells"]:
        if sc.is_answer(cell):
            cell["source"] = sc.learner_stub(cell)
        elif sc.is_test(cell):
            cell["source"] = sc.strip_hidden(sc.source_of(cell))
    return nb
