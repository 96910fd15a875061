"""Grading one submission: normalise, execute in the sandbox, judge every test with trusted code.

The result is plain data (JSON-able dicts) so worker processes can hand it to the single writer.
Statuses: ``ok``; ``timeout`` (a cell or call ran past its limit, or the whole submission past
the overall limit); ``crashed`` (the kernel died, or hit the memory / process limit);
``invalid`` (corrupt JSON, unidentifiable notebook, none of the graded cells); ``missing`` is
decided by the caller (no submission at all).
"""

from __future__ import annotations

import base64
import functools
import importlib
import os
import time
from dataclasses import asdict, dataclass, field

from . import normalize, replay
from . import sourcecode as sc
from .sandbox import SandboxPool, SandboxSettings

STATUS_ORDER = {"ok": 0, "timeout": 1, "crashed": 2, "invalid": 3, "missing": 4}
HIDDEN_FAILED = ("hidden tests failed: the answer passes the visible checks but not the hidden "
                 "ones (other inputs or edge cases). Re-read the exercise's specification.")
DEFAULT_REFERENCE_MODULES = ("gdutils",)
_HEAVY = {"plotting", "widgets", "explorers"}


@dataclass
class GradeSettings:
    cell_timeout: float = 30.0
    timeout: float = 600.0
    show_hidden: bool = False
    sandbox: SandboxSettings = field(default_factory=SandboxSettings)
    reference_modules: tuple[str, ...] = DEFAULT_REFERENCE_MODULES
    max_file_bytes: int = 20 << 20


@dataclass
class TestVerdict:
    grade_id: str
    max_points: float
    points: float
    passed: bool
    failed_part: str | None = None
    ename: str | None = None
    message: str | None = None


@dataclass
class NotebookResult:
    name: str
    status: str = "ok"
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tests: dict[str, TestVerdict] = field(default_factory=dict)
    nb: dict | None = None
    sandbox: str = ""
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(t.points for t in self.tests.values())

    @property
    def max_score(self) -> float:
        return sum(t.max_points for t in self.tests.values())

    def passed(self, grade_id: str) -> bool:
        return self.tests[grade_id].passed

    def failed(self) -> list[str]:
        return [g for g, t in self.tests.items() if not t.passed]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"], d["max_score"] = self.score, self.max_score
        return d


def worst(a: str, b: str) -> str:
    return a if STATUS_ORDER[a] >= STATUS_ORDER[b] else b


# ---------------------------------------------------------------------------------------------
# gdutils reference solutions (the delegation guard)


@functools.lru_cache(maxsize=8)
def reference_tags(modules: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """qualname -> the exercise ids that forbid it (as ``checks.reference`` computes them)."""
    try:
        from gdutils import checks
    except ImportError:
        return {}
    for mod in modules:
        if mod == "gdutils":
            import gdutils

            for sub in sorted(getattr(gdutils, "_SUBMODULES", ())):
                if sub not in _HEAVY:
                    try:
                        importlib.import_module(f"gdutils.{sub}")
                    except Exception:  # noqa: BLE001 - a module being written must not stop grading
                        pass
        else:
            try:
                importlib.import_module(mod)
            except Exception:  # noqa: BLE001
                pass
    tags: dict[str, set[str]] = {}
    for key, names in checks.REFERENCES.items():
        for q in names:
            tags.setdefault(q, set()).update({key, key.split(":", 1)[0]})
    return {q: frozenset(t) for q, t in tags.items()}


def references_for(assignment: str, modules: tuple[str, ...]) -> dict[str, frozenset[str]]:
    tags = reference_tags(modules)
    return {q: t for q, t in tags.items() if assignment in t}


# ---------------------------------------------------------------------------------------------


def _tainted_names(nb: dict, refs: dict[str, frozenset[str]]) -> dict[str, set[str]]:
    """Static half of the delegation guard: the learner's names whose definition refers to a
    reference solution, directly or through other learner names (by AST, nothing executed)."""
    cells = []
    for c in nb["cells"]:
        if c["cell_type"] != "code" or c.get("metadata", {}).get("gdcourse_origin") != "learner":
            continue
        src = sc.source_of(c)
        try:
            cells.append((sc.referenced_qualnames(src, set(refs)), sc.bound_names(src), sc.free_names(src)))
        except SyntaxError:
            continue
    tainted: dict[str, set[str]] = {}
    changed = True
    while changed:
        changed = False
        for hits, bound, free in cells:
            found = set(hits)
            for name in free:
                found |= tainted.get(name, set())
            if not found:
                continue
            for name in bound:
                if not found <= tainted.get(name, set()):
                    tainted.setdefault(name, set()).update(found)
                    changed = True
    return tainted


def _error_output(ename: str, message: str) -> dict:
    return {"output_type": "error", "ename": ename, "evalue": message,
            "traceback": [f"{ename}: {message}"]}


def _fail_all(res: NotebookResult, nb: dict, message: str) -> None:
    for cell in nb["cells"]:
        if sc.is_test(cell):
            gid = sc.grade_id(cell)
            pts = float(sc.nbmeta(cell).get("points", 0) or 0)
            res.tests[gid] = TestVerdict(gid, pts, 0.0, False, "visible", "NotGraded", message)
            cell["outputs"] = [_error_output("NotGraded", message)]


def grade_notebook(source_nb: dict, student_nb: dict | None, *, assignment: str, name: str,
                   settings: GradeSettings, pool: SandboxPool, files: dict[str, bytes] | None = None,
                   invalid: str | None = None, warnings: list[str] | None = None) -> NotebookResult:
    t0 = time.monotonic()
    res = NotebookResult(name=name, warnings=list(warnings or []))
    norm = None
    if invalid is None and student_nb is not None:
        norm = normalize.normalise(source_nb, student_nb)
        res.warnings += norm.warnings
        invalid = norm.invalid
    if invalid is not None or norm is None or norm.nb is None:
        res.status = "invalid"
        res.reasons.append(invalid or "no notebook")
        res.nb = normalize.stub_notebook(source_nb)
        _fail_all(res, res.nb, f"not graded: the submission is invalid ({invalid})")
        res.seconds = time.monotonic() - t0
        return res
    nb = norm.nb
    res.nb = nb
    refs = references_for(assignment, tuple(settings.reference_modules))
    static = _tainted_names(nb, refs) if refs else {}
    if static:
        res.warnings.append("the answer refers to gdutils' reference solution: "
                            + ", ".join(sorted({q for qs in static.values() for q in qs})))
    code_all = "\n".join(sc.source_of(c) for c in nb["cells"] if c["cell_type"] == "code")
    wants_mpl = settings.sandbox.preload_matplotlib or any(
        w in code_all for w in ("matplotlib", "plt.", "plotting", "explorers", "widgets"))

    sb = pool.take()
    pool.prestart()
    session = replay.Session(sb, cell_timeout=settings.cell_timeout,
                             deadline=time.monotonic() + settings.timeout,
                             tainted=static, ref_tags=reference_tags(tuple(settings.reference_modules)))
    res.sandbox = sb.info.label
    if sb.info.warning:
        res.warnings.append(sb.info.warning)
    memory_hit = process_hit = output_hit = False
    try:
        try:
            sb.wait_ready(session.dispatch)
            session.context = "start-up"
            enc_files = {k: base64.b64encode(v).decode() for k, v in (files or {}).items()}
            reply = session.request({"op": "init", "files": enc_files, "cell_timeout": settings.cell_timeout,
                                     "matplotlib": wants_mpl, "references": sorted(refs)}, 120.0)
            if not reply.get("ok"):
                raise replay.KernelDied("the runner refused to start")
        except (RuntimeError, replay.KernelDied, replay.InteractionTimeout) as exc:
            session.events.died = session.events.died or f"the sandbox did not start: {exc}"
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            gid = sc.grade_id(cell)
            session.context = f"cell {gid}" if gid else f"cell {cell['id']}"
            if sc.is_test(cell):
                pts = float(sc.nbmeta(cell).get("points", 0) or 0)
                if session.events.died:
                    out = replay.TestOutcome(False, "visible", "KernelDied",
                                             f"not run: {session.events.died}", died=True)
                else:
                    out = replay.run_test(session, gid, sc.source_of(cell))
                v = TestVerdict(gid, pts, pts if out.passed else 0.0, out.passed, out.failed_part,
                                out.ename, out.message)
                res.tests[gid] = v
                cell["outputs"] = [] if out.passed else [_test_output(v, settings.show_hidden)]
                continue
            if session.events.died:
                continue
            try:
                reply = session.run_cell(sc.source_of(cell))
            except (replay.KernelDied, replay.InteractionTimeout):
                continue
            outs = reply.get("outputs") if isinstance(reply.get("outputs"), list) else []
            cell["outputs"] = [o for o in outs if isinstance(o, dict)][:100]
            err = reply.get("error") if isinstance(reply.get("error"), dict) else None
            if err and err.get("type") == "MemoryError":
                memory_hit = True
                res.reasons.append(f"memory limit ({settings.sandbox.memory_mb} MB) hit in {session.context}")
            if err and err.get("type") == "BlockingIOError" or (type(reply.get("strays")) is int and reply["strays"] > 8):
                process_hit = True
                res.reasons.append(f"process limit ({settings.sandbox.nproc}) hit in {session.context}; "
                                   "stray processes killed")
            if type(reply.get("dropped")) is int and reply["dropped"] > 0:
                output_hit = True
                res.warnings.append(f"output of {session.context} truncated "
                                    f"({reply.get('text', 0)} characters printed)")
    finally:
        sb.close()
    ev = session.events
    if ev.died and not ev.killed_for_timeout:
        res.status = "crashed"
        res.reasons.insert(0, ev.died)
    elif memory_hit or process_hit:
        res.status = "crashed"
    if ev.timeouts:
        res.status = worst(res.status, "timeout")
        res.reasons.insert(0, ev.timeouts[0])
    del output_hit
    res.seconds = time.monotonic() - t0
    return res


def _test_output(v: TestVerdict, show_hidden: bool) -> dict:
    if v.failed_part == "hidden" and not show_hidden:
        return _error_output("HiddenTestsFailed", HIDDEN_FAILED)
    msg = v.message or ""
    if v.failed_part == "hidden":
        msg = f"(hidden test) {msg}"
    return _error_output(v.ename or "AssertionError", msg)


def read_files(directory: str, max_bytes: int, skip: set[str]) -> dict[str, bytes]:
    """The submission's other files (data, helper modules) for the working copy."""
    out: dict[str, bytes] = {}
    total = 0
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in normalize.CHECKPOINT_DIRS]
        for f in files:
            path = os.path.join(root, f)
            rel = os.path.relpath(path, directory)
            if rel in skip or f.endswith(".ipynb") or f == "timestamp.txt" or os.path.islink(path):
                continue
            size = os.path.getsize(path)
            if total + size > max_bytes:
                continue
            total += size
            with open(path, "rb") as fh:
                out[rel] = fh.read()
    return out
