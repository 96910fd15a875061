"""``gdcourse grade``: every submission of an assignment, judged in parallel, one writer.

The parent process (this module) is the only one that writes: results, the gradebook (through
nbgrader), the batch journal. For each submission it reads the student's files, asks the batch's
sandbox (one zygote) for fresh kernels, and forks a fenced judge (:mod:`..trusted.jobs`); up to
``--workers`` judges run at once. Whatever a judge or a kernel does, that submission ends with a
row: ``ok``, ``timeout``, ``crashed`` or ``invalid`` with its reason.

Exit status: 0 when every submission was graded normally (``ok``), 1 when some ended ``crashed``,
``timeout`` or ``invalid`` (their rows say why), 2 when the pipeline itself failed (the sandbox
would not start, the gradebook could not be written, bad arguments). Ctrl-C or SIGTERM stop the
judges and the sandbox with the command (exit 130 / 143); running the same command again grades
only what the interrupted run had not finished.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import selectors
import shutil
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..trusted import jobs, launcher
from ..trusted.fence import CgroupBatch
from ..trusted.judge import reference_tags
from . import gradebook, names, results
from .config import Course, atomic_write_json
from .progressbar import Progress

EXIT_OK, EXIT_PROBLEMS, EXIT_PIPELINE = 0, 1, 2


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: stop the batch cleanly."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class SignalGate:
    """SIGINT and SIGTERM stop the batch, except while a result is being written.

    A signal that arrives inside :meth:`held` waits until the block ends, so a result on disk is
    always in the run's journal too: a rerun resumes without grading it twice, and the gradebook
    is never left half-written.
    """

    def __init__(self) -> None:
        self.depth = 0
        self.pending: int | None = None

    def handler(self, signum: int, _frame: Any) -> None:
        if self.depth:
            self.pending = self.pending or signum
            return
        raise Interrupted(signum)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
        if not self.depth and self.pending is not None:
            signum, self.pending = self.pending, None
            raise Interrupted(signum)


@dataclass
class BatchReport:
    """What one ``gdcourse grade`` run did."""

    records: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # failures of the pipeline itself
    refused: list[str] = field(default_factory=list)  # folders or ids that are not students
    sandbox: str = ""
    limits: str = ""  # how memory was limited: cgroups or rlimits
    seconds: float = 0.0
    interrupted: int | None = None  # the signal that stopped the run
    resumed: int = 0  # submissions an interrupted run had already graded

    @property
    def ok(self) -> bool:
        return not self.errors and self.interrupted is None

    @property
    def exit_status(self) -> int:
        if self.interrupted is not None:
            return 128 + self.interrupted
        if self.errors:
            return EXIT_PIPELINE
        if any(r.get("status") in ("crashed", "timeout", "invalid") for r in self.records):
            return EXIT_PROBLEMS
        return EXIT_OK


def settings_from(course: Course, **overrides: Any) -> tuple[launcher.SandboxSettings, jobs.GradeSettings, int, str]:
    """Sandbox and grading settings from ``c.GdGrade``, overridden by the command line."""
    g = course.grade_settings()
    o = {k: v for k, v in overrides.items() if v is not None}
    sb = launcher.SandboxSettings(mode=o.get("sandbox", g.sandbox), memory_mb=g.memory_mb,
                                  nproc=g.nproc, fsize_mb=g.fsize_mb, uid_base=g.uid_base,
                                  cell_timeout=float(o.get("cell_timeout", g.cell_timeout)),
                                  extra_paths=[str(Path(p).resolve()) for p in g.extra_paths])
    gs = jobs.GradeSettings(cell_timeout=sb.cell_timeout, timeout=float(o.get("timeout", g.timeout)),
                            show_hidden=bool(o.get("show_hidden", g.show_hidden)),
                            reference_modules=tuple(g.reference_modules),
                            judge_memory_mb=g.judge_memory_mb, uid_base=g.uid_base,
                            readonly=(str(course.root),), imports=launcher.judge_imports(sb))
    workers = int(o.get("workers", g.workers))
    if workers < 1:
        raise ValueError(f"--workers must be at least 1, not {workers}")
    return sb, gs, workers, str(o.get("cgroups", g.cgroups))


def submissions(course: Course, assignment: str, students: list[str] | None,
                report: BatchReport) -> list[tuple[str, Path]]:
    """``(student, folder)`` for every submission to grade; refusals go to ``report``."""
    base = course.path("submitted")
    out: list[tuple[str, Path]] = []
    if students:
        for raw in students:
            try:
                sid = names.student_id(raw)
                folder = names.inside(course.root, str(base.relative_to(course.root)), sid, assignment)
            except names.RefusedName as exc:
                report.refused.append(f"--student: {exc}")
                continue
            if _real_dir(folder) and _real_dir(folder.parent):
                out.append((sid, folder))
        return out
    if not base.is_dir():
        return out
    for entry in sorted(base.iterdir()):
        if entry.name.startswith("."):
            continue  # collect's staging folders
        try:
            sid = names.student_id(entry.name)
        except names.RefusedName as exc:
            report.refused.append(f"{entry.name!r} in {base}: {exc}")
            continue
        if entry.is_symlink():
            report.refused.append(f"{sid}: the folder is a symbolic link (not graded)")
            continue
        folder = entry / assignment
        if folder.is_symlink():
            report.refused.append(f"{sid}: {assignment} is a symbolic link (not graded)")
        elif _real_dir(entry) and _real_dir(folder):
            out.append((sid, folder))
    return out


def _real_dir(p: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(p).st_mode)
    except OSError:
        return False


def fingerprint(folder: Path) -> str:
    """A hash of a submission folder's regular files (names and bytes): has it changed?"""
    h = hashlib.sha256()
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            h.update(os.path.relpath(p, folder).encode(errors="replace") + b"\0")
            try:
                if stat.S_ISREG(os.lstat(p).st_mode):
                    with open(p, "rb") as fh:
                        for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                            h.update(chunk)
            except OSError:
                h.update(b"?")
    return h.hexdigest()


def _journal_path(course: Course, assignment: str) -> Path:
    return course.results_dir / assignment / ".interrupted-run.json"


def grade_assignment(course: Course, assignment: str, *, students: list[str] | None = None,
                     workers: int | None = None, timeout: float | None = None,
                     cell_timeout: float | None = None, sandbox: str | None = None,
                     show_hidden: bool | None = None, restart: bool = False,
                     out: TextIO | None = None, err: TextIO | None = None) -> BatchReport:
    """Grade every submission of ``assignment`` (or only ``students``); see the module doc."""
    out = out or sys.stdout
    err = err or sys.stderr
    t0 = time.monotonic()
    report = BatchReport()
    assignment = names.assignment_id(assignment)
    sources = {name: json.loads(p.read_text()) for name, p in course.source_notebooks(assignment).items()}
    sb, gs, nworkers, cgroups_mode = settings_from(course, workers=workers, timeout=timeout,
                                                   cell_timeout=cell_timeout, sandbox=sandbox,
                                                   show_hidden=show_hidden)
    todo = submissions(course, assignment, students, report)
    for r in report.refused:
        err.write(f"gdcourse grade: refused {r}\n")
    journal_file = _journal_path(course, assignment)
    prints = {s: fingerprint(folder) for s, folder in todo}
    if not students and not restart and journal_file.is_file():
        with contextlib.suppress(OSError, ValueError):
            journal = json.loads(journal_file.read_text())
            done = {s for s, fp in journal.get("done", {}).items()
                    if prints.get(s) == fp and results.load(course, assignment, s) is not None}
            todo = [(s, f) for s, f in todo if s not in done]
            report.resumed = len(done)
            if done:
                err.write(f"resuming an interrupted run: {len(done)} submission(s) already graded, "
                          f"{len(todo)} to go (--restart grades everything again)\n")
    if not students:
        journal = {"started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "done": {}}
        if report.resumed:
            with contextlib.suppress(OSError, ValueError):
                journal["done"] = json.loads(journal_file.read_text()).get("done", {})
        atomic_write_json(journal_file, journal)
    gradebook.ensure_assignment(course, assignment)
    info = launcher.probe(sb.mode)
    report.sandbox = info.label
    if info.warning:
        banner = "!" * 78
        err.write(f"{banner}\n!! WARNING: {info.warning}\n!! Grades are computed anyway; the "
                  f"export says so.\n{banner}\n")
    cgroups, why = (None, "cgroups disabled by configuration; per-process rlimits only")
    if cgroups_mode != "off":
        cgroups, why = CgroupBatch.create(f"{os.getpid()}-{os.urandom(3).hex()}")
    report.limits = why
    if cgroups is None and cgroups_mode == "required":
        raise launcher.SandboxError(f"cgroups required but unavailable: {why}")
    reference_tags(tuple(gs.reference_modules))  # import once, before judges are forked
    progress = Progress(len(todo), f"grading {assignment}", err)
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    gate = SignalGate()
    zygote = None
    try:
        for sig in previous:
            signal.signal(sig, gate.handler)
        if todo:
            zygote = launcher.Zygote(sb, info, preload=launcher.preload_modules(list(sources.values())),
                                     cgroups=cgroups, label=f"{course.root} {assignment}")
            _run_batch(course, assignment, todo, sources, zygote, gs, nworkers, report, progress,
                       cgroups, info, prints, journal_file if not students else None, gate)
    except Interrupted as exc:
        report.interrupted = exc.signum
    except launcher.SandboxError as exc:
        report.errors.append(str(exc))
    except Exception as exc:  # noqa: BLE001 - a failure of the grader itself: exit 2, say what
        report.errors.append(f"internal error: {type(exc).__name__}: {str(exc)[:500]}")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if zygote is not None:
            zygote.close()
        if cgroups is not None:
            cgroups.close()
    graded = {r["student"] for r in report.records}
    if report.interrupted is None and not report.errors:
        with contextlib.suppress(OSError):
            journal_file.unlink()
        known = set(gradebook.roster(course)) if not students else set()
        for s in sorted(known - graded - {t[0] for t in todo} - _done_before(course, assignment, report)):
            rec = {"student": s, "assignment": assignment, "status": "missing",
                   "reason": "no submission", "warnings": [], "flags": [], "sandbox": "",
                   "notebooks": {}, "auto_score": 0.0, "auto_max_score": None,
                   "graded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
            results.save(course, rec)
            report.records.append(rec)
    report.seconds = time.monotonic() - t0
    summary(report, assignment, out)
    if report.interrupted is not None:
        err.write(f"\ninterrupted: {len(graded)} of {len(todo)} submission(s) graded and kept; "
                  "run the same command again to grade the rest\n")
    return report


def _done_before(course: Course, assignment: str, report: BatchReport) -> set[str]:
    if not report.resumed:
        return set()
    return {s for (a, s) in results.load_all(course, assignment) if a == assignment}


def _run_batch(course: Course, assignment: str, todo: list[tuple[str, Path]],
               sources: dict[str, dict], zygote: launcher.Zygote, gs: jobs.GradeSettings,
               nworkers: int, report: BatchReport, progress: Progress, cgroups: Any,
               info: launcher.SandboxInfo, prints: dict[str, str], journal_file: Path | None,
               gate: SignalGate) -> None:
    """The event loop: keep ``nworkers`` judges busy, collect their results, write them."""
    label = f"{info.label}; memory: {report.limits}"
    queue = list(todo)
    running: dict[int, jobs.Job] = {}
    free = list(range(nworkers))
    sel = selectors.DefaultSelector()
    expected = launcher.expected_gdutils(info)
    staging = Path(tempfile.mkdtemp(prefix=".staged-", dir=course.results_dir.parent))
    try:
        while queue or running:
            while queue and free:
                student, folder = queue.pop(0)
                slot = free.pop(0)
                sub = jobs.read_submission(str(folder), student, assignment, list(sources),
                                           gs.max_file_bytes)
                try:
                    job = jobs.start(sub, sources, zygote, slot, gs, expected, cgroups=cgroups)
                except launcher.SandboxError:
                    if not zygote.alive():
                        raise
                    free.append(slot)
                    queue.insert(0, (student, folder))
                    time.sleep(0.1)
                    continue
                running[job.fd] = job
                sel.register(job.fd, selectors.EVENT_READ, job)
            now = time.monotonic()
            wait = min([j.deadline for j in running.values()], default=now + 1.0) - now
            events = sel.select(timeout=max(0.0, min(wait, 1.0)))
            finished: list[jobs.Job] = []
            for key, _mask in events:
                job = key.data
                eof = jobs.read_available(job)
                jobs.handle_messages(job, zygote)
                if eof:
                    finished.append(job)
            now = time.monotonic()
            for job in list(running.values()):
                if job not in finished and now >= job.deadline:
                    job.timed_out = True
                    finished.append(job)
            for job in finished:
                sel.unregister(job.fd)
                del running[job.fd]
                free.append(job.slot)
                rec = jobs.finish(job, zygote, sources, gs, cgroups, label)
                if rec.get("_fatal"):
                    report.errors.append(rec["_fatal"])
                    queue.clear()
                    continue
                with gate.held():
                    _write(course, assignment, rec, staging, report)
                    report.records.append(rec)
                    if journal_file is not None and not report.errors:
                        with contextlib.suppress(OSError, ValueError):
                            journal = json.loads(journal_file.read_text())
                            journal["done"][rec["student"]] = prints.get(rec["student"], "")
                            atomic_write_json(journal_file, journal)
                    progress.step(f"{rec['student']}: {rec['status']}")
            if not zygote.alive():
                raise launcher.SandboxError(f"the sandbox stopped unexpectedly: {zygote.stderr()[-500:]}")
    finally:
        for job in running.values():
            jobs.kill(job, zygote)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(job.pid, 0)
            with contextlib.suppress(OSError):
                os.close(job.fd)
            if cgroups is not None and job.judge_cgroup:
                cgroups.remove(job.judge_cgroup)
        sel.close()
        shutil.rmtree(staging, ignore_errors=True)


def _write(course: Course, assignment: str, rec: dict, staging: Path, report: BatchReport) -> None:
    """The single writer: stage the graded notebooks, store them through nbgrader, check the
    gradebook against our verdicts, save the record."""
    student = rec["student"]
    staged = rec.pop("_staged")
    rec.pop("_fatal", None)
    submitted = course.path("submitted") / student / assignment
    warning = gradebook.stage(staging, student, assignment, staged, submitted)
    if warning:
        rec["warnings"].append(warning)
    try:
        gradebook.store(course, assignment, staging, [student])
        problems = gradebook.verify(course, assignment, [rec])
    except Exception as exc:  # noqa: BLE001 - the gradebook write failed: a pipeline error
        problems = [f"{student}: storing in the gradebook failed: {str(exc)[:300]}"]
    report.errors += problems
    results.save(course, rec)
    shutil.rmtree(staging / student, ignore_errors=True)


def summary(report: BatchReport, assignment: str, out: TextIO) -> None:
    """The table printed at the end of a run."""
    rows = [("student", "score", "status", "reason")]
    for r in sorted(report.records, key=lambda r: r["student"]):
        score = "" if r.get("auto_max_score") is None else f"{r.get('auto_score', 0):g}/{r['auto_max_score']:g}"
        reason = r.get("reason") or ("; ".join(r.get("warnings", [])[:1]) if r.get("warnings") else "")
        if r.get("flags"):
            reason = (reason + "; " if reason else "") + "flags: " + "; ".join(r["flags"][:2])
        rows.append((r["student"], score, r["status"], reason[:100]))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    out.write(f"\n{assignment}: {len(report.records)} students, sandbox: {report.sandbox}, "
              f"memory: {report.limits}, {report.seconds:.1f} s\n")
    for i, row in enumerate(rows):
        out.write("  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True)) + "  " + row[3] + "\n")
        if i == 0:
            out.write("  ".join("-" * w for w in widths) + "  ------\n")
    if report.refused:
        out.write("\nNOT GRADED (names refused):\n" + "\n".join(f"  {r}" for r in report.refused) + "\n")
    if report.errors:
        out.write("\nPIPELINE ERRORS:\n" + "\n".join(f"  {e}" for e in report.errors) + "\n")
    out.flush()
