"""Judging one notebook: run the learner's code in its kernel, the instructor's tests here.

The judge executes the graded notebook (see :mod:`.build`) in two phases:

1. **In notebook order**: every code cell that is not a test runs in the learner's kernel
   (answers, learner cells, narrative code); every test cell's *visible* part runs here, in the
   judge, with the test's free names bound to proxies of the learner's objects.
2. **Then** the *hidden* part of every test cell whose visible part passed, in order, in the
   namespace its visible part left.

So every message a learner can see (a visible test's hint) was produced before any hidden input
was sent into the sandbox, and nothing learner code prints reaches the feedback: the feedback is
safe by construction, not by searching pages afterwards.

A test passes only when this trusted execution completes without an exception (positive evidence).
Learner code can change what its kernel claims, never the code that judges it.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import pkgutil
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from .. import cells as sc
from . import static
from .build import Graded
from .proxies import InteractionTimeout, KernelDied, KernelLink, Session

HIDDEN_FAILED = ("hidden tests failed: the answer passes the visible checks but not the hidden "
                 "ones (other inputs or edge cases). Re-read the exercise's specification.")
STATUS_ORDER = {"ok": 0, "timeout": 1, "crashed": 2, "invalid": 3, "missing": 4}
#: gdutils modules that only draw: never reference solutions, and slow to import
_DISPLAY_MODULES = {"plotting", "widgets", "explorers"}


def worst(a: str, b: str) -> str:
    """The more serious of two statuses."""
    return a if STATUS_ORDER[a] >= STATUS_ORDER[b] else b


@functools.lru_cache(maxsize=8)
def reference_tags(modules: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """qualname -> the exercise ids that forbid it.

    gdutils' own reference solutions are a table in its exercise-checks layer
    (``gdutils.checks.REFERENCES``); packages other than gdutils in ``modules`` mark theirs with
    ``@checks.reference``, so their non-display modules are imported first."""
    try:
        from gdutils import checks
    except ImportError:
        return {}
    for name in modules:
        if name == "gdutils":
            continue
        try:
            pkg = importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module being written must not stop grading
            continue
        for info in pkgutil.iter_modules(getattr(pkg, "__path__", [])):
            if info.name.startswith("_") or info.name in _DISPLAY_MODULES:
                continue
            try:
                importlib.import_module(f"{name}.{info.name}")
            except Exception:  # noqa: BLE001
                pass
    tags: dict[str, set[str]] = {}
    for key, names in checks.REFERENCES.items():
        for q in names:
            tags.setdefault(q, set()).update({key, key.split(":", 1)[0]})
    return {q: frozenset(t) for q, t in tags.items()}


@dataclass
class JudgeSettings:
    """What the judge needs to know besides the notebook."""

    assignment: str
    cell_timeout: float = 30.0
    deadline: float = float("inf")  # time.monotonic() by which the submission must be done
    reference_modules: tuple[str, ...] = ("gdutils",)
    expected_gdutils: str | None = None  # where the kernel must import gdutils from


@dataclass
class TestVerdict:
    """The outcome of one test cell (points are decided by the parent, from the source)."""

    passed: bool
    failed_part: str | None = None  # visible | hidden | None
    ename: str | None = None
    message: str | None = None


@dataclass
class NotebookVerdicts:
    """Everything the judge reports about one notebook (plain data)."""

    name: str
    status: str = "ok"
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    tests: dict[str, TestVerdict] = field(default_factory=dict)
    fatal: str | None = None  # the grader itself is broken (not this submission's fault)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def _part_code(grade_id: str, source: str) -> tuple[Any, Any]:
    """(visible code, hidden code or None), compiled; a cell whose parts do not compile apart
    (hidden tests inside a block) runs whole, as hidden: its messages are never shown."""
    visible, hidden = sc.split_hidden(source)
    try:
        v = compile(visible, f"<gdtest {grade_id} visible>", "exec")
        h = compile(hidden, f"<gdtest {grade_id} hidden>", "exec") if hidden.strip() else None
        return v, h
    except SyntaxError:
        return None, compile(source, f"<gdtest {grade_id} whole>", "exec")


def _run(code: Any, ns: dict, part: str) -> TestVerdict | None:
    """Execute one part of a test; None when it passed."""
    try:
        exec(code, ns)  # noqa: S102 - the instructor's test code
    except InteractionTimeout as exc:
        return TestVerdict(False, part, "TimeoutError", str(exc))
    except KernelDied as exc:
        return TestVerdict(False, part, "KernelDied", str(exc))
    except MemoryError:
        return TestVerdict(False, part, "MemoryError",
                           "the test ran out of memory on what the answer sent back")
    except BaseException as exc:  # noqa: BLE001 - any exception is a failed test
        return TestVerdict(False, part, type(exc).__name__, str(exc)[:4000])
    return None


def grade_notebook(graded: Graded, link: KernelLink, cfg: JudgeSettings, *, name: str,
                   files: dict[str, bytes] | None = None) -> NotebookVerdicts:
    """Run the notebook ``graded`` against the kernel behind ``link``; judge every test."""
    import base64

    t0 = time.monotonic()
    res = NotebookVerdicts(name=name, warnings=list(graded.warnings))
    tags = reference_tags(tuple(cfg.reference_modules))
    refs = {q for q, t in tags.items() if cfg.assignment in t}
    learner = [(_where(s, i), s.run) for i, s in enumerate(graded.slots)
               if s.kind in ("answer", "learner") and s.run]
    deleg = static.analyse(learner, refs)
    res.flags = list(deleg.flags)
    if any(deleg.tainted.values()):
        res.warnings.append("the answer refers to gdutils' reference solution: "
                            + ", ".join(sorted({q for qs in deleg.tainted.values() for q in qs})))
    session = Session(link, cell_timeout=cfg.cell_timeout, deadline=cfg.deadline,
                      tainted=deleg.tainted, ref_tags=tags)
    ev = session.events
    memory_hit = process_hit = False
    try:
        link.connect(session.dispatch)
        session.context = "start-up"
        enc = {k: base64.b64encode(v).decode() for k, v in (files or {}).items()}
        reply = session.request({"op": "init", "files": enc, "references": sorted(refs)}, 120.0)
        where = reply.get("gdutils")
        if not reply.get("ok"):
            raise KernelDied("the kernel refused to start")
        if cfg.expected_gdutils and where != cfg.expected_gdutils:
            res.fatal = (f"the sandbox imports gdutils from {str(where)[:200]}, not from "
                         f"{cfg.expected_gdutils} as the grader does: refusing to grade")
            link.stop()
            return res
    except (KernelDied, InteractionTimeout) as exc:
        ev.died = ev.died or f"the sandbox did not start: {exc}"

    pending: list[tuple[str, Any, dict]] = []
    for i, slot in enumerate(graded.slots):
        if slot.kind == "test":
            gid = slot.grade_id or f"cell-{i}"
            session.context = f"cell {gid}"
            why = _flagged(slot.test_source or "", deleg)
            if why:
                res.tests[gid] = TestVerdict(False, "visible", "DelegationError", why)
                continue
            if ev.died:
                res.tests[gid] = TestVerdict(False, "visible", "NotGraded", f"not run: {ev.died}")
                continue
            ns: dict[str, Any] = {"__name__": "__gdtest__", "__builtins__": builtins}
            try:
                visible, hidden = _part_code(gid, slot.test_source or "")
                ns.update(session.fetch_names(sorted(sc.free_names(slot.test_source or ""))))
            except SyntaxError as exc:
                res.tests[gid] = TestVerdict(False, "visible", "SyntaxError", f"the test does not compile: {exc}")
                continue
            except (InteractionTimeout, KernelDied) as exc:
                res.tests[gid] = TestVerdict(False, "visible", type(exc).__name__, str(exc))
                continue
            verdict = _run(visible, ns, "visible") if visible is not None else None
            if verdict is not None:
                res.tests[gid] = verdict
            elif hidden is not None:
                pending.append((gid, hidden, ns))
            else:
                res.tests[gid] = TestVerdict(True)
            continue
        if slot.kind not in ("answer", "learner", "narrative") or not slot.run or ev.died:
            continue
        session.context = f"cell {_where(slot, i)}"
        try:
            reply = session.run_cell(slot.run)
        except (KernelDied, InteractionTimeout):
            continue
        err = reply.get("error") if isinstance(reply.get("error"), dict) else None
        if err and err.get("type") == "MemoryError":
            memory_hit = True
            res.reasons.append(f"memory limit hit in {session.context}")
        elif err and (err.get("type") == "BlockingIOError" or
                      (type(reply.get("strays")) is int and reply["strays"] > 8)):
            process_hit = True
            res.reasons.append(f"process limit hit in {session.context}; stray processes killed")
        elif err and slot.kind != "narrative":
            res.warnings.append(f"{session.context} raised {str(err.get('type'))[:60]} while grading")
        elif err:
            res.warnings.append(f"narrative {session.context} raised {str(err.get('type'))[:60]} "
                                "while grading (a learner answer it needs may be broken)")

    for gid, hidden, ns in pending:
        session.context = f"cell {gid} (hidden part)"
        if ev.died:
            res.tests[gid] = TestVerdict(False, "hidden", "NotGraded", f"not run: {ev.died}")
            continue
        verdict = _run(hidden, ns, "hidden")
        res.tests[gid] = verdict if verdict is not None else TestVerdict(True)

    link.stop()
    if ev.died and not ev.killed_for_timeout:
        res.status = "crashed"
        res.reasons.insert(0, ev.died)
    elif memory_hit or process_hit:
        res.status = "crashed"
    if ev.timeouts:
        res.status = worst(res.status, "timeout")
        res.reasons.insert(0, ev.timeouts[0])
    res.seconds = round(time.monotonic() - t0, 3)
    return res


def _where(slot: Any, index: int) -> str:
    return slot.grade_id or f"#{index + 1}"


def _flagged(test_source: str, deleg: static.Delegation) -> str | None:
    try:
        used = sc.free_names(test_source)
    except SyntaxError:
        return None
    hits = sorted(n for n in used if n in deleg.flagged)
    if not hits:
        return None
    name = hits[0]
    how = ", ".join(deleg.flagged[name][:3])
    return (f"uses the reference implementation: `{name}` is reached indirectly ({how}). "
            "Write the exercise with plain code; the tests do not accept code that loads or "
            "inspects other code.")
