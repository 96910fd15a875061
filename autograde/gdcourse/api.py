"""Grade one notebook without a course directory or a gradebook.

>>> from gdcourse.api import grade_submission
>>> res = grade_submission("solutions/02-gd-1d/02-gd-1d.ipynb", submission_nb)   # doctest: +SKIP
>>> res.status, res.failed(), res.score, res.max_score                          # doctest: +SKIP

The same sandbox, the same fenced judge and the same trusted verdicts as ``gdcourse grade``; no
nbgrader app, no database. One sandbox (a zygote) is started on the first call and kept for the
process's lifetime, so a series of calls (the round trips of every assignment's classic mistakes)
pays Python's start-up once; each call forks a fresh kernel and a fresh judge.
"""

from __future__ import annotations

import atexit
import json
import os
from dataclasses import dataclass, field
from typing import Any

from .trusted import jobs, launcher

_ZYGOTES: dict[tuple, launcher.Zygote] = {}


@dataclass
class Verdict:
    """One test cell's outcome."""

    passed: bool
    points: float
    max_points: float
    failed_part: str | None = None
    ename: str | None = None
    message: str | None = None


@dataclass
class Result:
    """The outcome of :func:`grade_submission`."""

    status: str
    score: float
    max_score: float
    tests: dict[str, Verdict] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    nb: dict | None = None  # the graded notebook (test cells carry their verdicts)
    sandbox: str = ""

    def failed(self) -> list[str]:
        """grade_ids of the test cells that did not pass."""
        return [g for g, t in self.tests.items() if not t.passed]


def _zygote(settings: launcher.SandboxSettings, preload: list[str]) -> launcher.Zygote:
    key = (settings.mode, settings.memory_mb, settings.cell_timeout, tuple(settings.extra_paths),
           tuple(preload))
    z = _ZYGOTES.get(key)
    if z is None or not z.alive():
        info = launcher.probe(settings.mode)
        z = launcher.Zygote(settings, info, preload=preload)
        _ZYGOTES[key] = z
    return z


@atexit.register
def _close() -> None:
    for z in _ZYGOTES.values():
        z.close()
    _ZYGOTES.clear()


def _load(nb: Any) -> dict:
    if isinstance(nb, dict):
        return json.loads(json.dumps(nb))
    with open(os.fspath(nb), encoding="utf-8") as fh:
        return json.load(fh)


def grade_submission(source_nb: Any, submission_nb: Any, *, assignment: str | None = None,
                     workdir: str | None = None, timeout: float = 600.0,
                     cell_timeout: float = 30.0, sandbox: str = "auto", show_hidden: bool = False,
                     reference_modules: tuple[str, ...] = ("gdutils",),
                     extra_paths: tuple[str, ...] = ()) -> Result:
    """Grade ``submission_nb`` (a path, a notebook dict, or raw bytes) against ``source_nb``.

    ``assignment`` defaults to the source notebook's file stem (it selects which gdutils
    reference solutions the delegation guard forbids). ``workdir``: a folder whose other files
    (data, helper modules) are placed in the learner's working copy.
    """
    src = _load(source_nb)
    if assignment is None:
        assignment = ("assignment" if isinstance(source_nb, dict)
                      else os.path.splitext(os.path.basename(os.fspath(source_nb)))[0])
    name = assignment
    if isinstance(submission_nb, bytes):
        data = submission_nb
    elif isinstance(submission_nb, dict):
        data = json.dumps(submission_nb).encode()
    else:
        with open(os.fspath(submission_nb), "rb") as fh:
            data = fh.read()
    sub = jobs.Submission("api", assignment, {name: data}, {name: f"{name}.ipynb"})
    if workdir:
        extra = jobs.read_submission(workdir, "api", assignment, [])
        sub.files = extra.files
    settings = launcher.SandboxSettings(mode=sandbox, cell_timeout=cell_timeout,
                                        extra_paths=[os.path.realpath(p) for p in extra_paths])
    info = launcher.probe(sandbox)
    z = _zygote(settings, launcher.preload_modules([src]))
    gs = jobs.GradeSettings(cell_timeout=cell_timeout, timeout=timeout, show_hidden=show_hidden,
                            reference_modules=tuple(reference_modules),
                            imports=launcher.judge_imports(settings))
    rec = jobs.run_one(sub, {name: src}, z, gs, launcher.expected_gdutils(info), info.label)
    if rec.get("_fatal"):
        raise launcher.SandboxError(rec["_fatal"])
    nbres = rec["notebooks"][name]
    tests = {g: Verdict(t["passed"], t["points"], t["max_points"], t["failed_part"], t["ename"],
                        t["message"]) for g, t in nbres["tests"].items()}
    return Result(status=rec["status"], score=rec["auto_score"], max_score=rec["auto_max_score"],
                  tests=tests, reasons=nbres["reasons"], warnings=rec["warnings"],
                  flags=rec["flags"], nb=rec["_staged"][name], sandbox=info.label)
