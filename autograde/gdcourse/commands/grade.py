"""``gdcourse grade``: every submission of an assignment, in worker processes, one writer."""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import json
import multiprocessing as mp
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from . import gradebook, normalize, results
from .config import Course
from .progress import Progress
from .sandbox import SandboxPool, SandboxSettings, probe
from .verdict import GradeSettings, grade_notebook, read_files, reference_tags, worst

_POOL: SandboxPool | None = None
_SETTINGS: GradeSettings | None = None


def settings_from(course: Course, **overrides: Any) -> tuple[GradeSettings, int]:
    g = course.grade_settings()
    o = {k: v for k, v in overrides.items() if v is not None}
    sb = SandboxSettings(mode=o.get("sandbox", g.sandbox), memory_mb=g.memory_mb, nproc=g.nproc,
                         fsize_mb=g.fsize_mb, uid_base=g.uid_base,
                         extra_paths=[str(Path(p).resolve()) for p in g.extra_paths])
    gs = GradeSettings(cell_timeout=float(o.get("cell_timeout", g.cell_timeout)),
                       timeout=float(o.get("timeout", g.timeout)),
                       show_hidden=bool(o.get("show_hidden", g.show_hidden)), sandbox=sb,
                       reference_modules=tuple(g.reference_modules))
    return gs, int(o.get("workers", g.workers))


def needs_matplotlib(sources: dict[str, dict]) -> bool:
    words = ("matplotlib", "plt.", "gdutils.plotting", "explorers", "widgets", "plotting")
    return any(w in "".join(c.get("source", "")) for nb in sources.values() for c in nb.get("cells", [])
               if c.get("cell_type") == "code" for w in words)


def _init_worker(slots: Any, settings: GradeSettings) -> None:
    global _POOL, _SETTINGS
    _SETTINGS = settings
    _POOL = SandboxPool(settings.sandbox, slot=slots.get())
    _POOL.prestart()


def grade_one(student: str, assignment: str, subdir: str, sources: dict[str, dict],
              settings: GradeSettings, pool: SandboxPool) -> dict:
    t0 = time.monotonic()
    mapping, warns, invalid = normalize.pick_notebooks(list(sources), subdir)
    skip = {str(Path(p).relative_to(subdir)) for p in mapping.values() if p}
    files = read_files(subdir, settings.max_file_bytes, skip) if not invalid else {}
    nbs: dict[str, dict] = {}
    status = "ok"
    reasons: list[str] = []
    warnings: list[str] = []
    sandbox = ""
    staged: dict[str, dict] = {}
    for name, src in sources.items():
        path = mapping.get(name)
        student_nb, why = (None, invalid)
        if invalid is None and path:
            student_nb, why = normalize.read_json_notebook(path)
        res = grade_notebook(src, student_nb, assignment=assignment, name=name, settings=settings,
                             pool=pool, files=files, invalid=why, warnings=warns)
        warns = []
        status = worst(status, res.status)
        reasons += res.reasons
        warnings += res.warnings
        sandbox = res.sandbox or sandbox
        d = res.to_dict()
        staged[name] = d.pop("nb")
        nbs[name] = d
    score = sum(n["score"] for n in nbs.values())
    max_score = sum(n["max_score"] for n in nbs.values())
    return {
        "student": student, "assignment": assignment, "status": status,
        "reason": "; ".join(dict.fromkeys(reasons)), "warnings": list(dict.fromkeys(warnings)),
        "sandbox": sandbox, "notebooks": nbs, "auto_score": score, "auto_max_score": max_score,
        "graded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - t0, 3), "_staged": staged,
    }


def _task(student: str, assignment: str, subdir: str, sources: dict[str, dict]) -> dict:
    assert _POOL is not None and _SETTINGS is not None
    try:
        return grade_one(student, assignment, subdir, sources, _SETTINGS, _POOL)
    except Exception:  # noqa: BLE001 - a pipeline error, reported, never a silent 0
        return {"student": student, "assignment": assignment, "status": "error",
                "reason": "grader error: " + traceback.format_exc(limit=3)[-800:], "warnings": [],
                "notebooks": {}, "_staged": {}}


@dataclass
class BatchReport:
    records: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sandbox: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors


def submissions(course: Course, assignment: str, students: list[str] | None) -> list[tuple[str, Path]]:
    sub = course.path("submitted")
    out = []
    if sub.is_dir():
        for sdir in sorted(sub.iterdir()):
            if sdir.is_dir() and (sdir / assignment).is_dir() and (not students or sdir.name in students):
                out.append((sdir.name, sdir / assignment))
    return out


def grade_assignment(course: Course, assignment: str, *, students: list[str] | None = None,
                     workers: int | None = None, timeout: float | None = None,
                     cell_timeout: float | None = None, sandbox: str | None = None,
                     show_hidden: bool | None = None, out: TextIO | None = None,
                     err: TextIO | None = None) -> BatchReport:
    out = out or sys.stdout
    err = err or sys.stderr
    t0 = time.monotonic()
    settings, nworkers = settings_from(course, workers=workers, timeout=timeout, cell_timeout=cell_timeout,
                                       sandbox=sandbox, show_hidden=show_hidden)
    report = BatchReport()
    for p in settings.sandbox.extra_paths:
        if p not in sys.path:
            sys.path.append(p)
    sources = {name: json.loads(p.read_text()) for name, p in course.source_notebooks(assignment).items()}
    # preload matplotlib in the (pre-started) runners only when the assignment plots
    settings.sandbox.preload_matplotlib = needs_matplotlib(sources)
    gradebook.ensure_assignment(course, assignment)
    info = probe(settings.sandbox.mode)
    report.sandbox = info.label
    if info.warning:
        banner = "!" * 78
        err.write(f"{banner}\n!! WARNING: {info.warning}\n!! Grades are computed anyway; the export says so.\n{banner}\n")
    reference_tags(tuple(settings.reference_modules))  # import once, before the workers fork
    todo = submissions(course, assignment, students)
    if students:
        missing_students = [s for s in students if s not in {t[0] for t in todo}]
    else:
        seen = {t[0] for t in todo}
        missing_students = [s for s in gradebook.roster(course) if s not in seen]
    progress = Progress(len(todo), f"grading {assignment}", err)
    recs: list[dict] = []
    if todo:
        ctx = mp.get_context("fork")
        slots = ctx.Queue()
        for i in range(max(1, nworkers)):
            slots.put(i)
        with cf.ProcessPoolExecutor(max_workers=max(1, nworkers), mp_context=ctx,
                                    initializer=_init_worker, initargs=(slots, settings)) as ex:
            futs = {ex.submit(_task, s, assignment, str(d), sources): s for s, d in todo}
            for fut in cf.as_completed(futs):
                try:
                    rec = fut.result()
                except Exception as exc:  # noqa: BLE001 - a worker died: pipeline failure
                    rec = {"student": futs[fut], "assignment": assignment, "status": "error",
                           "reason": f"worker failed: {exc}", "warnings": [], "notebooks": {}, "_staged": {}}
                recs.append(rec)
                progress.step(f"{rec['student']}: {rec['status']}")
    recs.sort(key=lambda r: r["student"])
    good = [r for r in recs if r["status"] != "error"]
    report.errors += [f"{r['student']}: {r['reason']}" for r in recs if r["status"] == "error"]
    staging = Path(tempfile.mkdtemp(prefix="staged-", dir=course.autograde))
    try:
        for r in good:
            gradebook.stage(staging, r["student"], assignment, r["_staged"],
                            course.path("submitted") / r["student"] / assignment)
        if good:
            try:
                gradebook.store(course, assignment, staging, [r["student"] for r in good])
                report.errors += gradebook.verify(course, assignment, good)
            except Exception as exc:  # noqa: BLE001
                report.errors.append(f"storing in the gradebook failed: {exc}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for r in good:
        r.pop("_staged", None)
        results.save(course, r)
    for s in missing_students:
        rec = {"student": s, "assignment": assignment, "status": "missing", "reason": "no submission",
               "warnings": [], "sandbox": "", "notebooks": {}, "auto_score": 0.0,
               "auto_max_score": None,
               "graded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        results.save(course, rec)
        recs.append(rec)
    report.records = recs
    report.seconds = time.monotonic() - t0
    summary(report, assignment, out)
    return report


def summary(report: BatchReport, assignment: str, out: TextIO) -> None:
    rows = [("student", "score", "status", "reason")]
    for r in sorted(report.records, key=lambda r: r["student"]):
        score = "" if r.get("auto_max_score") is None else f"{r.get('auto_score', 0):g}/{r['auto_max_score']:g}"
        reason = r.get("reason") or ("; ".join(r.get("warnings", [])[:1]) if r.get("warnings") else "")
        rows.append((r["student"], score, r["status"], reason[:90]))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    out.write(f"\n{assignment}: {len(report.records)} students, sandbox: {report.sandbox}, "
              f"{report.seconds:.1f} s\n")
    for i, row in enumerate(rows):
        out.write("  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True)) + "  " + row[3] + "\n")
        if i == 0:
            out.write("  ".join("-" * w for w in widths) + "  ------\n")
    if report.errors:
        out.write("\nPIPELINE ERRORS:\n" + "\n".join(f"  {e}" for e in report.errors) + "\n")
    out.flush()
