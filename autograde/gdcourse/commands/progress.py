"""``gdcourse progress``: which exercises of the learner's own copies pass their visible tests.

Each notebook runs top to bottom in a fresh kernel, outside JupyterLab, as nbgrader would run
it: ``NBGRADER_EXECUTION=1`` makes the course's explorers draw one static figure instead of
waiting for a browser. Errors do not stop the run (a failing exercise must not hide the next
one), and each test cell's outputs then say whether it passed and, if not, why.

This is the learner's own check, not grading: it runs their code unsandboxed, as JupyterLab
does, and only the tests the learner can see (the released copies hold no hidden tests). The
test cells run as released, whatever the learner's copy has in them: a test edited by mistake
must not report a pass the grader would not give.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .. import cells as sc
from .progressbar import Progress

CELL_TIMEOUT = 60.0
NOTEBOOK_TIMEOUT = 600.0
WORKERS = 2
NOT_ANSWERED = "not answered yet"
# The exceptions whose message is the whole hint: the course's checks raise ExerciseError (an
# AssertionError); any other exception is shown with its name ("NameError: ...").
_MESSAGE_ONLY = {"AssertionError", "ExerciseError", "DelegationError"}
_HINT_CHARS = 200

# nbclient logs every timeout and interrupt at ERROR level; the report says it more plainly.
_quiet = logging.getLogger("gdcourse.progress.nbclient")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False
_quiet.setLevel(logging.CRITICAL)


@dataclass
class TestResult:
    """One test cell's outcome.

    Attributes
    ----------
    grade_id : str
        The test cell's nbgrader ``grade_id``.
    passed : bool
        True when the cell ran without an error.
    hint : str
        Why it failed: the first line of the test's message, or ``"not answered yet"``.
    """

    grade_id: str
    passed: bool
    hint: str = ""


@dataclass
class NotebookReport:
    """What ``gdcourse progress`` found in one notebook.

    Attributes
    ----------
    assignment : str
        The assignment id, e.g. ``"02-gd-1d"``.
    tests : list of TestResult
        One per released test cell, in notebook order.
    problem : str or None
        Why the notebook could not be checked (fully), or None.
    notes : list of str
        Other things worth saying (a cell stopped after the time limit).
    written : int
        Written answers in the notebook: the instructor grades them, no test checks them.
    seconds : float
        How long the run took.
    """

    assignment: str
    tests: list[TestResult] = field(default_factory=list)
    problem: str | None = None
    notes: list[str] = field(default_factory=list)
    written: int = 0
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        """How many tests pass."""
        return sum(t.passed for t in self.tests)

    def render(self, ok: str = "✓", bad: str = "✗") -> str:
        """The plain-text block for the terminal (``ok``/``bad``: the marks to use)."""
        if not self.tests and self.problem:
            return f"{self.assignment}   could not be checked: {self.problem}"
        lines = [f"{self.assignment}   {self.passed}/{len(self.tests)} tests pass"]
        if self.problem:
            lines.append(f"  ! {self.problem}")
        lines += [f"  ! {n}" for n in self.notes]
        for t in self.tests:
            lines.append(f"  {ok} {t.grade_id}" if t.passed else f"  {bad} {t.grade_id}: {t.hint}")
        if self.written:
            lines.append(f"  ({self.written} written answer(s): your instructor reads them)")
        return "\n".join(lines)


class NotebookProblem(Exception):
    """A learner copy that cannot be run at all (missing, not a notebook)."""


def _restore_advice(assignment: str) -> str:
    return (f"`gdcourse restore {assignment.split('-', 1)[0]}` gets a fresh copy and keeps "
            "yours beside it")


def _read(path: Path, what: str) -> Any:
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise NotebookProblem(f"{what} {path} does not exist") from None
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same problem to a learner
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NotebookProblem(f"{what} {path} is not a readable notebook ({first[:120]})") from None
    if not isinstance(nb.get("cells"), list):
        raise NotebookProblem(f"{what} {path} has no list of cells")
    return nb


def prepare(assignment: str, learner: Path, release: Path) -> tuple[Any, list[str], list[str], int]:
    """The notebook to run, built from the learner's copy, with the released test cells.

    Parameters
    ----------
    assignment : str
        The assignment id.
    learner : Path
        The learner's copy (``workspace/<id>/<id>.ipynb``).
    release : Path
        The released notebook (``course/<id>/<id>.ipynb``).

    Returns
    -------
    (notebook, list of str, list of str, int)
        The notebook to execute (outputs cleared, nothing after its last test cell), the
        released test grade_ids in order, those missing from the learner's copy, and the number
        of written answers.

    Raises
    ------
    NotebookProblem
        The learner's copy is missing or is not a notebook.
    """
    released_nb = _read(release, "the released notebook")
    released_tests = {sc.grade_id(c): sc.source_of(c) for c in released_nb.cells
                      if sc.is_test(c) and sc.grade_id(c)}
    if not learner.exists():
        raise NotebookProblem(f"you have no copy {learner} yet: `gdcourse workspace` (or "
                              "`make lab`) makes it")
    try:
        nb = _read(learner, "your copy")
    except NotebookProblem as exc:
        raise NotebookProblem(f"{exc}: {_restore_advice(assignment)}") from None
    present = []
    for cell in nb.cells:
        if not isinstance(cell, dict):
            raise NotebookProblem(f"your copy {learner} has a malformed cell: {_restore_advice(assignment)}")
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        gid = sc.grade_id(cell)
        if sc.is_test(cell) and gid in released_tests:
            cell["source"] = released_tests[gid]
            present.append(gid)
    missing = [g for g in released_tests if g not in present]
    last = max((i for i, c in enumerate(nb.cells) if sc.is_test(c)), default=-1)
    # cells after the last test only draw and explain: running them would cost time for nothing
    nb.cells = nb.cells[: last + 1]
    written = sum(1 for c in released_nb.cells
                  if sc.is_answer(c) and c.get("cell_type") == "markdown" and sc.nbmeta(c).get("grade"))
    return nb, list(released_tests), missing, written


def _error(cell: Any) -> dict | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out
    return None


def _first_line(ename: str, evalue: str) -> str:
    line = next((ln.strip() for ln in str(evalue).splitlines() if ln.strip()), "")
    text = line if ename in _MESSAGE_ONLY and line else (f"{ename}: {line}" if line else ename)
    return text if len(text) <= _HINT_CHARS else text[: _HINT_CHARS - 1] + "…"


def read_results(nb: Any, order: list[str], missing: list[str], assignment: str,
                 cell_timeout: float) -> tuple[list[TestResult], list[str]]:
    """Pass or fail per test cell, from an executed notebook's outputs.

    A test fails as "not answered yet" when it (or an answer cell it depends on) stopped at the
    ``raise NotImplementedError()`` of the released stub. An answer cell that failed for another
    reason is named as the cause (the test then only sees a missing name).

    Parameters
    ----------
    nb : notebook
        The executed notebook (see :func:`prepare`).
    order : list of str
        The released test grade_ids, in notebook order.
    missing : list of str
        Test grade_ids absent from the learner's copy.
    assignment : str
        The assignment id (for advice in messages).
    cell_timeout : float
        The per-cell limit the run used (for messages).

    Returns
    -------
    (list of TestResult, list of str)
        One result per grade_id of ``order``, and notebook-wide notes.
    """
    results: dict[str, TestResult] = {}
    notes: list[str] = []
    pending: list[Any] = []  # answer cells since the last test cell
    answers: list[Any] = []  # the answer cells the current test cell checks
    for i, cell in enumerate(nb.cells):
        err = _error(cell)
        if err is not None and err.get("ename") == "KeyboardInterrupt":
            notes.append(f"cell {i + 1} ran longer than {cell_timeout:g} s and was stopped")
        if cell.get("cell_type") != "code":
            continue
        if sc.is_answer(cell):
            pending.append(cell)
            continue
        gid = sc.grade_id(cell)
        if not sc.is_test(cell) or gid not in order:
            continue
        if pending:
            # tests that follow one another (ex4-tests-stopping, ex4-tests-divergence) check
            # the same answers
            answers, pending = pending, []
        results[gid] = _judge(gid, cell, err, answers, cell_timeout)
    for gid in order:
        if gid in missing:
            results[gid] = TestResult(gid, False, "this test cell is missing from your copy: "
                                      + _restore_advice(assignment))
        elif gid not in results:
            results[gid] = TestResult(gid, False, "not run (the notebook stopped before it)")
    return [results[g] for g in order], notes


def _judge(gid: str, cell: Any, err: dict | None, answers: list[Any], cell_timeout: float) -> TestResult:
    if cell.get("execution_count") is None and err is None:
        return TestResult(gid, False, "not run (the notebook stopped before it)")
    if err is None:
        return TestResult(gid, True)
    answer_errors = [e for e in map(_error, answers) if e is not None]
    if err.get("ename") == "NotImplementedError" or any(
            e.get("ename") == "NotImplementedError" for e in answer_errors):
        return TestResult(gid, False, NOT_ANSWERED)
    if err.get("ename") == "KeyboardInterrupt":
        return TestResult(gid, False, f"took longer than {cell_timeout:g} s and was stopped "
                                      "(an endless loop?)")
    if answer_errors:
        e = answer_errors[0]
        return TestResult(gid, False, "your answer cell failed: "
                          + _first_line(e.get("ename", "Error"), e.get("evalue", "")))
    return TestResult(gid, False, _first_line(err.get("ename", "Error"), err.get("evalue", "")))


def _kernel_env() -> dict[str, str]:
    env = dict(os.environ)
    env["NBGRADER_EXECUTION"] = "1"
    # a backend chosen for some other process (tests select Agg) would stop inline figures
    env.pop("MPLBACKEND", None)
    return env


async def _run_one(assignment: str, learner: Path, release: Path, cell_timeout: float,
                   notebook_timeout: float) -> NotebookReport:
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    report = NotebookReport(assignment)
    t0 = time.monotonic()
    try:
        nb, order, missing, report.written = prepare(assignment, learner, release)
    except NotebookProblem as exc:
        report.problem = str(exc)
        return report
    client = NotebookClient(nb, timeout=cell_timeout, kernel_name="python3", allow_errors=True,
                            interrupt_on_timeout=True, log=_quiet,
                            resources={"metadata": {"path": str(learner.parent)}})
    try:
        # the kernel's own stderr holds only start-up chatter; cell output comes over the wire
        await asyncio.wait_for(client.async_execute(env=_kernel_env(), stderr=subprocess.DEVNULL),
                               notebook_timeout)
    except TimeoutError:
        report.problem = (f"the notebook did not finish within {notebook_timeout:g} s and was "
                          "stopped; the tests after that point did not run")
    except DeadKernelError:
        report.problem = ("the Python kernel died while running your notebook (out of memory?); "
                          "the tests after that point did not run")
    except Exception as exc:  # noqa: BLE001 - one broken notebook must not stop the others
        report.problem = f"could not run the notebook: {type(exc).__name__}: {exc}"
    report.tests, report.notes = read_results(nb, order, missing, assignment, cell_timeout)
    report.seconds = time.monotonic() - t0
    return report


async def _run_all(items: list[tuple[str, Path, Path]], workers: int, cell_timeout: float,
                   notebook_timeout: float, bar: Progress) -> list[NotebookReport]:
    gate = asyncio.Semaphore(workers)

    async def one(item: tuple[str, Path, Path]) -> NotebookReport:
        async with gate:
            report = await _run_one(*item, cell_timeout=cell_timeout,
                                    notebook_timeout=notebook_timeout)
        bar.step(f"{report.assignment} {report.passed}/{len(report.tests)}")
        return report

    return list(await asyncio.gather(*(one(it) for it in items)))


def check(items: list[tuple[str, Path, Path]], workers: int = WORKERS,
          cell_timeout: float = CELL_TIMEOUT, notebook_timeout: float = NOTEBOOK_TIMEOUT,
          stream: TextIO | None = None) -> list[NotebookReport]:
    """Run the visible tests of the learner's copies.

    Parameters
    ----------
    items : list of (str, Path, Path)
        ``(assignment id, learner's copy, released notebook)`` per notebook to check.
    workers : int, default 2
        Notebooks run at the same time (one kernel each).
    cell_timeout : float, default 60
        Seconds a cell may run before it is interrupted.
    notebook_timeout : float, default 600
        Seconds a whole notebook may take before its kernel is stopped.
    stream : text stream, optional
        Where the progress bar goes (default: stderr).

    Returns
    -------
    list of NotebookReport
        One per item, in the order given; a notebook that could not run has its ``problem`` set.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    bar = Progress(len(items), "checking", stream)
    n = min(workers, max(len(items), 1))
    return _run_in_own_loop(lambda: _run_all(items, n, cell_timeout, notebook_timeout, bar))


def _run_in_own_loop(make: Any) -> Any:
    """``asyncio.run(make())``, also where this thread already runs an event loop.

    Called from a Jupyter kernel's cell (or any caller inside a running loop) ``asyncio.run``
    refuses to start: the coroutine then runs in a fresh loop on a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="gd-progress") as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def marks(stream: TextIO) -> tuple[str, str]:
    """``("✓", "✗")``, or ASCII stand-ins when ``stream`` cannot encode them."""
    try:
        "✓✗".encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return "ok", "X "
    return "✓", "✗"

