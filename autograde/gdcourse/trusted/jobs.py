"""One submission, graded in one fenced judge process; its result checked by the parent.

The grader's parent process (the batch, or :mod:`gdcourse.api`) reads a submission's files,
asks the zygote for one kernel per notebook, and forks a **judge**: a fresh process that fences
itself (:func:`.fence.enter`), parses the learner's notebooks, runs them in their kernels and the
instructor's tests in itself (:mod:`.judge`), and sends back plain data — the learner's contents
and the verdicts — on a pipe. It never writes a file.

The parent then **validates** that data (known grade_ids only, strings only, sizes bounded),
re-assembles the graded notebook itself from the source and the learner's contents, decides the
points from the source's metadata, and only then hands a record to the writer. Whatever happens
to the judge — an exception of any kind, a memory limit, a signal, a broken pipe — ends *that*
submission with ``crashed`` and a reason.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from .. import cells as sc
from . import fence, judge
from .build import Contributions, Graded, assemble, blank, extract, parse_notebook
from .judge import HIDDEN_FAILED, JudgeSettings, NotebookVerdicts, TestVerdict, worst
from .launcher import Zygote
from .proxies import KernelLink

MAX_RESULT = 64 << 20  # bytes a judge may send back


@dataclass
class Submission:
    """What the parent read from one student's folder (bytes, never parsed here)."""

    student: str
    assignment: str
    notebooks: dict[str, bytes | None]  # source notebook name -> submitted bytes (None: absent)
    filenames: dict[str, str] = field(default_factory=dict)  # name -> submitted file name
    files: dict[str, bytes] = field(default_factory=dict)  # data files for the working copy
    warnings: list[str] = field(default_factory=list)
    invalid: str | None = None


@dataclass
class GradeSettings:
    """How one submission is graded (from ``c.GdGrade`` and the command line)."""

    cell_timeout: float = 30.0
    timeout: float = 600.0
    show_hidden: bool = False
    reference_modules: tuple[str, ...] = ("gdutils",)
    judge_memory_mb: int = 2048
    uid_base: int = 64000
    readonly: tuple[str, ...] = ()  # folders no judge may change (the course)
    imports: tuple[str, ...] = ()  # folders a judge must be able to import from
    max_file_bytes: int = 20 << 20


@dataclass
class Job:
    """A judge at work (parent side)."""

    sub: Submission
    slot: int
    pid: int
    fd: int
    kids: dict[str, int]
    started: float
    deadline: float
    buffer: bytearray = field(default_factory=bytearray)
    killed: set[str] = field(default_factory=set)
    stats: dict[str, dict] = field(default_factory=dict)
    judge_cgroup: str | None = None
    timed_out: bool = False


_NEXT_KID = [0]


def _next_kid() -> int:
    _NEXT_KID[0] += 1
    return _NEXT_KID[0]


def start(sub: Submission, sources: dict[str, dict], zygote: Zygote, slot: int,
          settings: GradeSettings, expected_gdutils: str | None, keep_open: tuple[int, ...] = (),
          cgroups: Any = None) -> Job:
    """Spawn one kernel per notebook and fork the judge; returns at once."""
    kids: dict[str, int] = {}
    channels: dict[str, tuple[int, int]] = {}
    try:
        for name in sources:
            kid = _next_kid()
            channels[name] = zygote.spawn(kid, slot)
            kids[name] = kid
    except BaseException:
        for name, (r, w) in channels.items():
            os.close(r)
            os.close(w)
            zygote.kill(kids[name])
        raise
    judge_cg = None
    folders: list[str] = []
    if cgroups is not None:
        judge_cg = f"judge-{_next_kid()}"
        folders = [str(p) for p in cgroups.make(judge_cg, settings.judge_memory_mb, 64)]
    rfd, wfd = os.pipe()
    now = time.monotonic()
    deadline = now + settings.timeout
    fence_spec = fence.JudgeFence(slot=slot, uid_base=settings.uid_base,
                                  memory_mb=settings.judge_memory_mb,
                                  cpu_seconds=int(settings.timeout) + 60,
                                  readonly=list(settings.readonly), cgroup_folders=folders,
                                  imports=list(settings.imports))
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the judge; ends with os._exit
        code = 1
        try:
            os.close(rfd)
            keep = {wfd, *[fd for pair in channels.values() for fd in pair]}
            _close_all_but(keep)
            _judge_main(sub, sources, channels, wfd, settings, fence_spec, deadline, expected_gdutils)
            code = 0
        except BaseException:  # noqa: BLE001 - reported as this submission's crash
            with contextlib.suppress(BaseException):
                _send(wfd, {"error": traceback.format_exc(limit=6)[-3000:]})
        os._exit(code)
    os.close(wfd)
    for r, w in channels.values():
        os.close(r)
        os.close(w)
    os.set_blocking(rfd, False)
    return Job(sub, slot, pid, rfd, kids, now, deadline + 15.0, judge_cgroup=judge_cg)


def _close_all_but(keep: set[int]) -> None:
    try:
        fds = [int(n) for n in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd > 2 and fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _send(fd: int, msg: dict) -> None:
    data = (json.dumps(msg, default=str) + "\n").encode()
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _judge_main(sub: Submission, sources: dict[str, dict], channels: dict[str, tuple[int, int]],
                out_fd: int, settings: GradeSettings, spec: fence.JudgeFence, deadline: float,
                expected_gdutils: str | None) -> None:
    """The judge process: fence, then grade every notebook of the submission."""
    label = fence.enter(spec)
    result: dict[str, Any] = {"fence": label, "notebooks": {}}
    cfg = JudgeSettings(assignment=sub.assignment, cell_timeout=settings.cell_timeout,
                        deadline=deadline, reference_modules=settings.reference_modules,
                        expected_gdutils=expected_gdutils)
    for name, src in sources.items():
        r, w = channels[name]
        link = KernelLink(r, w, on_stop=lambda n=name: _send(out_fd, {"kill": n}))
        data = sub.notebooks.get(name)
        invalid = sub.invalid
        nb = None
        if invalid is None and data is not None:
            nb, invalid = parse_notebook(data, sub.filenames.get(name, f"{name}.ipynb"))
        elif invalid is None:
            invalid = f"{name}.ipynb is missing from the submission"
        contrib = extract(src, nb) if nb is not None else Contributions(invalid=invalid)
        if contrib.invalid is None:
            graded = assemble(src, contrib)
            verdicts = judge.grade_notebook(graded, link, cfg, name=name, files=sub.files)
        else:
            link.stop()
            verdicts = NotebookVerdicts(name=name, status="invalid", reasons=[contrib.invalid])
        result["notebooks"][name] = {"contributions": contrib.to_dict(),
                                     "verdicts": verdicts.to_dict()}
        if verdicts.fatal:
            break
    _send(out_fd, {"result": result})


# ---------------------------------------------------------------------------------------------
# Parent side


def read_available(job: Job) -> bool:
    """Read what the judge sent; True at end of file."""
    while True:
        try:
            chunk = os.read(job.fd, 1 << 20)
        except BlockingIOError:
            return False
        except OSError:
            return True
        if not chunk:
            return True
        job.buffer += chunk
        if len(job.buffer) > MAX_RESULT:
            return True


def handle_messages(job: Job, zygote: Zygote) -> None:
    """Act on the judge's kill requests as they arrive (a kernel that ignored its time limit
    must not spin until the judge is done)."""
    while b"\n" in job.buffer:
        line, _, rest = bytes(job.buffer).partition(b"\n")
        try:
            msg = json.loads(line)
        except ValueError:
            return
        if isinstance(msg, dict) and "kill" in msg:
            name = str(msg["kill"])
            if name in job.kids and name not in job.killed:
                job.killed.add(name)
                job.stats[name] = zygote.kill(job.kids[name])
            job.buffer = bytearray(rest)
        else:
            return


def kill(job: Job, zygote: Zygote) -> None:
    """Stop the judge and its kernels now."""
    with contextlib.suppress(OSError):
        os.killpg(job.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.kill(job.pid, signal.SIGKILL)
    for name, kid in job.kids.items():
        if name not in job.killed:
            job.killed.add(name)
            job.stats[name] = zygote.kill(kid)


def finish(job: Job, zygote: Zygote, sources: dict[str, dict], settings: GradeSettings,
           cgroups: Any = None, sandbox_label: str = "") -> dict:
    """Reap the judge, kill its kernels, validate its result; the record of the submission."""
    kill_needed = job.timed_out
    if kill_needed:
        kill(job, zygote)
    status = None
    with contextlib.suppress(ChildProcessError):
        _pid, raw = os.waitpid(job.pid, 0)
        status = os.waitstatus_to_exitcode(raw)
    with contextlib.suppress(OSError):
        os.close(job.fd)
    handle_messages(job, zygote)
    for name, kid in job.kids.items():
        if name not in job.killed:
            job.killed.add(name)
            job.stats[name] = zygote.kill(kid)
    judge_oom = judge_peak = 0
    if cgroups is not None and job.judge_cgroup:
        judge_oom = cgroups.oom_kills(job.judge_cgroup)
        judge_peak = cgroups.peak_mb(job.judge_cgroup)
        cgroups.remove(job.judge_cgroup)
    result, problem = _parse_result(job.buffer)
    if job.timed_out:
        problem = f"the submission ran past the {settings.timeout:g} s limit and was stopped"
    elif problem is not None:
        if judge_oom or status == -signal.SIGKILL:
            problem = ("the tests' process was killed: it exceeded its memory limit "
                       f"({settings.judge_memory_mb} MB) on data the answer sent back")
        elif status is not None and status < 0:
            problem = f"the tests' process died (signal {-status})"
        else:
            problem = f"the tests' process failed: {problem}"
    rec = build_record(job, result, problem, sources, settings, sandbox_label)
    if judge_peak:
        rec["judge_memory_peak_mb"] = judge_peak
    return rec


def _parse_result(buffer: bytearray) -> tuple[dict | None, str | None]:
    last_error = None
    for line in bytes(buffer).split(b"\n"):
        if not line.strip():
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            return None, "malformed result"
        if isinstance(msg, dict) and isinstance(msg.get("result"), dict):
            return msg["result"], None
        if isinstance(msg, dict) and "error" in msg:
            last_error = str(msg["error"])[-1500:]
    return None, last_error or "no result"


def _points(src: dict) -> dict[str, float]:
    return {sc.grade_id(c): float(sc.nbmeta(c).get("points", 0) or 0)
            for c in src["cells"] if sc.is_test(c)}


def _verdict(d: Any) -> TestVerdict:
    if not isinstance(d, dict) or type(d.get("passed")) is not bool:
        raise ValueError("malformed verdict")
    part = d.get("failed_part")
    if part not in (None, "visible", "hidden"):
        raise ValueError("malformed verdict")
    return TestVerdict(d["passed"], part, None if d.get("ename") is None else str(d["ename"])[:100],
                       None if d.get("message") is None else str(d["message"])[:4000])


def _strs(value: Any, n: int = 100) -> list[str]:
    return [str(v)[:1000] for v in value][:n] if isinstance(value, list) else []


def build_record(job: Job, result: dict | None, problem: str | None, sources: dict[str, dict],
                 settings: GradeSettings, sandbox_label: str) -> dict:
    """The submission's record (the parent's own assembly of what the judge reported)."""
    sub = job.sub
    status = "ok"
    reasons: list[str] = []
    warnings: list[str] = list(sub.warnings)
    flags: list[str] = []
    notebooks: dict[str, dict] = {}
    staged: dict[str, dict] = {}
    fatal = None
    for name, src in sources.items():
        points = _points(src)
        nb_res = (result or {}).get("notebooks", {}).get(name) if problem is None else None
        graded: Graded | None = None
        verdicts: dict[str, TestVerdict] = {}
        nb_status, nb_reasons, nb_warnings, nb_flags = "ok", [], [], []
        try:
            if not isinstance(nb_res, dict):
                raise ValueError(problem or "no result for this notebook")
            contrib = Contributions.from_dict(nb_res.get("contributions"), src)
            v = nb_res.get("verdicts") or {}
            if not isinstance(v, dict):
                raise ValueError("malformed verdicts")
            nb_status = v.get("status") if v.get("status") in judge.STATUS_ORDER else "crashed"
            nb_reasons, nb_warnings, nb_flags = (_strs(v.get("reasons")), _strs(v.get("warnings")),
                                                 _strs(v.get("flags")))
            if v.get("fatal"):
                fatal = str(v["fatal"])[:500]
            tests = v.get("tests") or {}
            if not isinstance(tests, dict) or not set(tests) <= set(points):
                raise ValueError("verdicts for unknown test cells")
            verdicts = {g: _verdict(tests[g]) for g in tests}
            graded = assemble(src, contrib) if contrib.invalid is None else blank(src)
            if contrib.invalid is not None:
                nb_status = "invalid"
        except ValueError as exc:
            graded = blank(src)
            nb_status = "crashed" if problem is None or not job.timed_out else "timeout"
            nb_reasons = [problem or f"the tests' process sent a malformed result ({exc})"]
        for gid in points:
            if gid not in verdicts:
                msg = f"not graded: {nb_reasons[0]}" if nb_reasons else "not graded"
                verdicts[gid] = TestVerdict(False, "visible", "NotGraded", msg)
        stats = job.stats.get(name) or {}
        if stats.get("oom_kill"):
            nb_status = worst(nb_status, "crashed")
            nb_reasons.append(f"memory limit of the sandbox ({settings_memory(stats)}) hit: "
                              f"{stats['oom_kill']} process(es) killed")
        for i, r in enumerate(nb_reasons):
            if r.startswith("the kernel died in") and stats.get("status") not in (None, 0):
                nb_reasons[i] = r.replace("the kernel died", f"the kernel died (exit status {stats['status']})", 1)
        tests_out = {}
        for gid, pts in points.items():
            t = verdicts[gid]
            tests_out[gid] = {"max_points": pts, "points": pts if t.passed else 0.0,
                              "passed": t.passed, "failed_part": t.failed_part, "ename": t.ename,
                              "message": t.message}
        _write_test_outputs(graded, verdicts, settings.show_hidden)
        graded.nb["metadata"]["gdcourse"] = {"graded": True}  # outputs are ours (feedback)
        staged[name] = graded.nb
        notebooks[name] = {"name": name, "status": nb_status, "reasons": nb_reasons,
                           "warnings": list(dict.fromkeys(graded.warnings + nb_warnings)),
                           "flags": nb_flags, "tests": tests_out,
                           "score": sum(t["points"] for t in tests_out.values()),
                           "max_score": sum(points.values())}
        status = worst(status, nb_status)
        reasons += nb_reasons
        warnings += notebooks[name]["warnings"]
        flags += nb_flags
    if "NOT SANDBOXED" in sandbox_label:
        warnings.append(sandbox_label)
    return {
        "student": sub.student, "assignment": sub.assignment, "status": status,
        "reason": "; ".join(dict.fromkeys(reasons)), "warnings": list(dict.fromkeys(warnings)),
        "flags": list(dict.fromkeys(flags)), "sandbox": sandbox_label,
        "fence": str((result or {}).get("fence", ""))[:300],
        "notebooks": notebooks,
        "auto_score": sum(n["score"] for n in notebooks.values()),
        "auto_max_score": sum(n["max_score"] for n in notebooks.values()),
        "graded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - job.started, 3),
        "_staged": staged, "_fatal": fatal,
    }


def settings_memory(stats: dict) -> str:
    """How much memory a sandbox used, for a reason string."""
    peak = int(stats.get("memory_peak") or 0)
    return f"{peak >> 20} MB used" if peak else "its memory limit"


def _error(ename: str, message: str) -> dict:
    return {"output_type": "error", "ename": ename, "evalue": message,
            "traceback": [f"{ename}: {message}"]}


def _write_test_outputs(graded: Graded, verdicts: dict[str, TestVerdict], show_hidden: bool) -> None:
    """Each test cell shows its verdict: passed, the visible hint, or "hidden tests failed"."""
    for cell, slot in zip(graded.nb["cells"], graded.slots, strict=True):
        if slot.kind != "test" or slot.grade_id is None:
            continue
        v = verdicts[slot.grade_id]
        has_hidden = bool(sc.split_hidden(slot.test_source or "")[1].strip())
        if v.passed:
            text = ("Tests passed (visible and hidden).\n" if has_hidden else "Tests passed.\n")
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": text}]
        elif v.failed_part == "hidden" and not show_hidden:
            cell["outputs"] = [_error("HiddenTestsFailed", HIDDEN_FAILED)]
        elif v.failed_part == "hidden":
            cell["outputs"] = [_error(v.ename or "AssertionError", f"(hidden test) {v.message or ''}")]
        else:
            cell["outputs"] = [_error(v.ename or "AssertionError", v.message or "")]


def run_one(sub: Submission, sources: dict[str, dict], zygote: Zygote, settings: GradeSettings,
            expected_gdutils: str | None, sandbox_label: str, cgroups: Any = None) -> dict:
    """Grade one submission and wait for it (the API and tests; the batch runs several)."""
    import select

    job = start(sub, sources, zygote, 0, settings, expected_gdutils, cgroups=cgroups)
    while True:
        left = job.deadline - time.monotonic()
        if left <= 0:
            job.timed_out = True
            break
        r, _, _ = select.select([job.fd], [], [], min(left, 1.0))
        if r:
            eof = read_available(job)
            handle_messages(job, zygote)
            if eof:
                break
    return finish(job, zygote, sources, settings, cgroups, sandbox_label)


# ---------------------------------------------------------------------------------------------
# Reading a submission folder (parent side: bytes only, no symlink ever followed)

_SKIP_DIRS = (".ipynb_checkpoints", "__MACOSX", "__pycache__")
MAX_FILES = 200


def read_submission(folder: str, student: str, assignment: str, source_names: list[str],
                    max_bytes: int = 20 << 20) -> Submission:
    """The notebooks and data files of one submitted folder.

    Symbolic links and special files are skipped (never followed), hidden files and editor
    folders ignored, ``timestamp.txt`` left to nbgrader. A notebook submitted under another name
    is accepted when the pairing is unambiguous (one source notebook missing, one unknown
    notebook submitted), with a warning."""
    import stat

    sub = Submission(student, assignment, {n: None for n in source_names})
    found: dict[str, str] = {}
    data_files: list[tuple[str, str]] = []
    skipped_links: list[str] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")
                         and not os.path.islink(os.path.join(root, d)))
        for f in sorted(files):
            path = os.path.join(root, f)
            rel = os.path.relpath(path, folder)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
                skipped_links.append(rel)
                continue
            if f.startswith(".") or f == "timestamp.txt" or f == "submission_secret.txt":
                continue
            if f.endswith(".ipynb"):
                found.setdefault(os.path.splitext(f)[0], path)
            else:
                data_files.append((rel, path))
    if skipped_links:
        sub.warnings.append("links and special files ignored: " + ", ".join(skipped_links[:5]))
    mapping = {n: found.get(n) for n in source_names}
    unmatched = [n for n, p in mapping.items() if p is None]
    unknown = [p for n, p in found.items() if n not in mapping]
    if unmatched:
        if len(unmatched) == 1 and len(unknown) == 1:
            mapping[unmatched[0]] = unknown[0]
            sub.warnings.append(f"notebook submitted as {os.path.basename(unknown[0])!r} instead of "
                                f"{unmatched[0] + '.ipynb'!r}: graded as that notebook")
        elif not found:
            sub.invalid = "no notebook in the submission"
        elif len(source_names) == 1 or unknown:
            names = ", ".join(sorted(os.path.basename(p) for p in unknown)) or "none"
            sub.invalid = f"cannot tell which submitted notebook is {unmatched[0]}.ipynb (found: {names})"
    for name, path in mapping.items():
        if path is None:
            continue
        sub.filenames[name] = os.path.basename(path)
        try:
            sub.notebooks[name] = _read_nofollow(path, 50 << 20)
        except OSError as exc:
            sub.invalid = f"{os.path.basename(path)} could not be read ({exc.strerror})"
    total = 0
    for rel, path in data_files[:MAX_FILES]:
        try:
            size = os.lstat(path).st_size
            if total + size > max_bytes:
                sub.warnings.append(f"{rel} left out: the submission's files exceed {max_bytes >> 20} MB")
                continue
            sub.files[rel] = _read_nofollow(path, max_bytes)
            total += size
        except OSError:
            continue
    if len(data_files) > MAX_FILES:
        sub.warnings.append(f"only the first {MAX_FILES} data files were used")
    return sub


def _read_nofollow(path: str, limit: int) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OSError(27, "File too large")
    return data
