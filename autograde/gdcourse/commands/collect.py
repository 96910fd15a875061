"""``gdcourse collect``: submissions from an LMS zip or from nbgrader's exchange, safely.

Everything collected is input written by students (or by an LMS on their behalf), so:

* **Names** -- every student id, file name and ``--map`` target goes through
  :mod:`~gdcourse.commands.names` where it enters; Unicode names and spaces are mapped to safe ids
  (and said so), everything else is refused with a one-line reason. Every folder written is
  checked to lie inside the course after resolution.
* **Links and special files** -- never followed, never copied: zip entries that are symbolic links
  or special files are refused; in the exchange everything is ``lstat``-ed and opened with
  ``O_NOFOLLOW`` relative to its parent's descriptor, so a link swapped in mid-collect fails too.
* **Per-student transactions** -- a submission is unpacked into a hidden sibling
  ``submitted/<student>/.incoming-<assignment>-<hex>``, checked, and swapped in with ``rename``;
  the previous copy is moved to ``autograde/superseded/`` only after the swap. Any failure leaves
  the previous submission untouched and is reported for that student; the others go on.
* **Duplicates** -- several uploads for one student: the latest by the time the LMS or the exchange
  recorded (never the order in the zip) is collected, the others are kept in
  ``autograde/superseded/<assignment>/<student>/<label>/`` and listed in the summary.
* **Time** -- ``timestamp.txt`` is written by collect from the LMS's or the exchange's time; a
  student's own ``timestamp.txt`` is dropped. An unreadable time is reported and the submission is
  collected without one.
* **Limits** -- ``MAX_ENTRIES`` entries per zip or exchange (``--max-entries``), ``MAX_FILE`` per
  file, ``MAX_TOTAL`` per zip or exchange upload, notebooks nested at most ``MAX_NESTING`` deep.

Accepted zip layouts and the rules in full: ``docs/instructors.md``, section "Collecting
submissions". :func:`from_zip` and :func:`from_exchange` return a :class:`CollectReport`; a
:class:`CollectError` means nothing could be done and nothing was written.
"""

from __future__ import annotations

import csv
import io
import lzma
import os
import pwd
import re
import secrets
import shutil
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import BinaryIO, Protocol

from .config import Course
from .names import MAX_DEPTH as MAX_FILE_DEPTH
from .names import (
    RefusedName,
    assignment_id,
    format_submission_time,
    inside,
    map_student_id,
    parse_submission_time,
    relative_file,
    shown,
    student_id,
)

MAX_FILE = 50 << 20
MAX_TOTAL = 500 << 20
MAX_ENTRIES = 20_000
MAX_NESTING = 100
# nbgrader names the folder with the time submit started; the folder's ctime is set when submit
# finishes (its last chmod). More apart than this, the name was not written by nbgrader's clock.
CLOCK_TOLERANCE = timedelta(minutes=10)
TIMESTAMP = "timestamp.txt"
SUPERSEDED = "superseded"
IGNORED_FOLDERS = frozenset({"__MACOSX", ".ipynb_checkpoints", "__pycache__"})
SUPPORTED_COMPRESSION = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                                   zipfile.ZIP_LZMA})

MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_[a-z]+_?$")
CANVAS = re.compile(
    r"^(?P<name>[A-Za-z0-9\-]+?)(?P<late>_LATE|_late)?_(?P<id>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
FLAT = re.compile(r"^(?P<id>.+?)__(?P<file>.+)$")

_OLDEST = datetime.min.replace(tzinfo=UTC)
_READ = os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW
_WRITE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_NOTEBOOK_TOKENS = re.compile(rb'("[^"\\]*(?:\\.[^"\\]*)*")|([\[{])|([\]}])')


class CollectError(Exception):
    """The whole collect was refused before anything was written; ``str()`` is one line."""


class UploadFailed(Exception):
    """One upload could not be unpacked or checked; the previous submission stays."""


# --------------------------------------------------------------------------------------------
# the report


@dataclass
class StudentResult:
    """What happened to one student.

    ``status`` is ``collected`` (the upload is now the submission), ``unchanged`` (identical to
    the submission already collected), ``kept-older`` (nothing new could be collected; the
    previous submission stays) or ``refused`` (nothing could be collected and there was nothing
    before).
    """

    student: str
    status: str = "refused"
    reason: str = ""
    source: str = ""
    time: datetime | None = None
    notes: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


@dataclass
class CollectReport:
    """Every student and every entry of one collect, for the summary table."""

    assignment: str
    origin: str
    students: dict[str, StudentResult] = field(default_factory=dict)
    unassigned: list[str] = field(default_factory=list)
    ignored: int = 0

    def student(self, sid: str) -> StudentResult:
        return self.students.setdefault(sid, StudentResult(sid))

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.students.values())

    @property
    def problems(self) -> int:
        """Refused students, kept-older students, refused entries and unassigned entries."""
        per_student = sum(len(r.refused) + (r.status in ("refused", "kept-older"))
                          for r in self.students.values())
        return per_student + len(self.unassigned)

    @property
    def exit_status(self) -> int:
        """0 when everything found was collected (or unchanged), 1 when anything was refused."""
        return 1 if self.problems else 0

    def summary(self) -> str:
        """The table ``gdcourse collect`` prints: one line per student, then the details."""
        counts = ", ".join(f"{self.count(s)} {s}" for s in
                           ("collected", "unchanged", "kept-older", "refused"))
        n_sup = sum(len(r.superseded) for r in self.students.values())
        lines = [f"collect {self.assignment} from {self.origin}: {len(self.students)} students "
                 f"({counts}); {n_sup} superseded upload(s); {self.ignored} entries ignored "
                 f"(editor or OS litter, uploaded timestamp.txt)"]
        if self.students:
            width = max(7, *(len(s) for s in self.students))
            lines.append(f"  {'student':<{width}}  {'status':<10}  {'submitted (UTC)':<19}  source")
        for sid in sorted(self.students):
            r = self.students[sid]
            when = r.time.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if r.time else "-"
            lines.append(f"  {sid:<{width}}  {r.status:<10}  {when:<19}  {r.source or '-'}")
            if r.reason:
                lines.append(f"      reason: {r.reason}")
            lines += [f"      note: {n}" for n in r.notes]
            lines += [f"      refused: {x}" for x in r.refused]
            lines += [f"      superseded: {x}" for x in r.superseded]
        if self.unassigned:
            lines.append(f"  refused, no student ({len(self.unassigned)}):")
            lines += [f"      {x}" for x in self.unassigned]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# names inside a zip


@dataclass(frozen=True)
class EntryName:
    """Who a zip entry belongs to, and where it goes inside that student's submission."""

    raw_id: str
    rel: str
    layout: str
    key: tuple[str, ...]
    label: str
    canvas_file: int | None = None


def _ignored(parts: list[str]) -> bool:
    # editor and OS litter, never part of a submission (not a refusal: nothing hostile about it)
    if any(p in IGNORED_FOLDERS for p in parts):
        return True
    last = parts[-1] if parts else ""
    return last.startswith(".") or last.endswith(".pyc")


def parse_entry(path: str, *, is_dir: bool = False) -> EntryName | None:
    """The student and the relative path of one zip entry (``/``-separated), or None.

    Layouts: ``<id>/<path>`` (a folder per student), Moodle's
    ``<Full Name>_<id>_assignsubmission_<plugin>_/<path>``, Canvas's flat
    ``<name>[_LATE]_<user id>_<file id>_<file>``, and the flat ``<id>__<file>``. Nothing is
    validated here; the id and the path are checked by the caller.

    Parameters
    ----------
    path
        The entry name without a trailing ``/``.
    is_dir
        The entry is a folder (``ada/`` names the student's folder).

    Returns
    -------
    EntryName | None
        None when no layout matches.
    """
    parts = path.split("/")
    if len(parts) >= 2 or is_dir:
        head, rel = parts[0], "/".join(parts[1:])
        m = MOODLE.match(head)
        if m:
            return EntryName(m["id"], rel, "moodle", ("moodle", m["name"], m["id"]), head)
        return EntryName(head, rel, "folder", ("folder", head), head)
    m = CANVAS.match(path)
    if m:
        return EntryName(m["id"], m["file"], "canvas", ("canvas", m["id"], m["sub"]), path,
                         int(m["sub"]))
    m = FLAT.match(path)
    if m:
        return EntryName(m["id"], m["file"], "flat", ("flat", m["id"]), f"{m['id']}__*")
    return None


def student_of(entry: str) -> tuple[str, str] | None:
    """``(raw student id, path inside the student's folder)`` for one zip entry, or None.

    None for editor or OS litter (``__MACOSX``, ``.ipynb_checkpoints``, dot files) and for
    names that follow no layout (see :func:`parse_entry`).
    """
    parts = entry.split("/")
    if _ignored(parts):
        return None
    parsed = parse_entry(entry)
    return (parsed.raw_id, parsed.rel) if parsed else None


def read_map(path: str | os.PathLike) -> dict[str, str]:
    """The ``--map`` CSV (columns ``lms_id,student_id``) as a dict; every target is validated.

    Raises
    ------
    CollectError
        Unreadable file, missing columns, an invalid student id or an LMS id given twice with
        different targets, naming the line.
    """
    where = shown(str(path))
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CollectError(f"cannot read --map {where}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CollectError(f"--map {where} is not UTF-8 text") from None
    try:
        reader = csv.DictReader(io.StringIO(text))
        fields = [(f or "").strip() for f in reader.fieldnames or []]
        if not {"lms_id", "student_id"} <= set(fields):
            raise CollectError(f"--map {where} needs the columns lms_id,student_id")
        out: dict[str, str] = {}
        for row in reader:
            row = {(k or "").strip(): (v or "") for k, v in row.items() if isinstance(v, str)}
            lms, sid = row.get("lms_id", "").strip(), row.get("student_id", "").strip()
            line = reader.line_num
            if not lms:
                raise CollectError(f"--map {where} line {line}: empty lms_id")
            try:
                student_id(sid)
            except RefusedName as exc:
                raise CollectError(f"--map {where} line {line}: {exc}") from None
            lms = unicodedata.normalize("NFC", lms)
            if out.get(lms, sid) != sid:
                raise CollectError(f"--map {where} line {line}: lms_id {shown(lms)} is mapped "
                                   "twice")
            out[lms] = sid
    except csv.Error as exc:
        raise CollectError(f"--map {where} is not valid CSV: {exc}") from None
    return out


class _Ids:
    """Raw LMS or exchange names to course ids: ``--map`` first, then :func:`map_student_id`."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping

    def resolve(self, raw: str) -> tuple[str, str | None, bool]:
        """``(id, note, folded)``; raises RefusedName."""
        mapped = self.mapping.get(unicodedata.normalize("NFC", raw))
        if mapped is not None:
            note = None if mapped == raw else f"LMS id {shown(raw)} mapped to {mapped!r} by --map"
            return mapped, note, False
        sid, note = map_student_id(raw)
        return sid, note, note is not None


# --------------------------------------------------------------------------------------------
# uploads and where their bytes come from


@dataclass
class Upload:
    """One upload of one student (a zip folder or Canvas file, or an exchange folder)."""

    student: str
    label: str
    raw_id: str
    layout: str
    folded: bool = False
    time: datetime | None = None
    named_time: datetime | None = None
    canvas_file: int | None = None
    notes: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    invalid: str | None = None
    members: list[tuple[zipfile.ZipInfo, str]] = field(default_factory=list)
    dirs: list[str] = field(default_factory=list)
    times: list[datetime | None] = field(default_factory=list)
    folder: str | None = None
    identity: tuple[int, int] | None = None

    @property
    def order(self) -> tuple:
        # later is larger; the label only makes ties deterministic, whatever the zip's order
        return (self.time or _OLDEST, self.named_time or _OLDEST, self.canvas_file or -1,
                self.label)

    def rels(self) -> set[str]:
        return {rel for _, rel in self.members}

    def has_notebook(self) -> bool:
        return any(rel.endswith(".ipynb") for rel in self.rels())

    def describe(self) -> str:
        when = _fmt(self.time) if self.time else "time unknown"
        return f"{shown(self.label)} ({when})"


class _Source(Protocol):
    def extract(self, upload: Upload, dest: Path) -> list[str]: ...


def _fmt(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 160 else text[:160] + "..."


def _copy(src: BinaryIO, target: Path, limit: int, rel: str) -> int:
    fd = os.open(target, _WRITE, 0o644)
    n = 0
    with open(fd, "wb") as out:
        while chunk := src.read(1 << 20):
            n += len(chunk)
            if n > limit:
                raise UploadFailed(f"{shown(rel)} holds more than {limit} bytes "
                                   "(its declared size or the file limit)")
            out.write(chunk)
    return n


class _ZipSource:
    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf

    def extract(self, upload: Upload, dest: Path) -> list[str]:
        for d in upload.dirs:
            (dest / d).mkdir(parents=True, exist_ok=True)
        for info, rel in upload.members:
            try:
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                with self.zf.open(info) as src:
                    _copy(src, dest / rel, min(info.file_size, MAX_FILE), rel)
            except UploadFailed:
                raise
            except (zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError, OSError, ValueError,
                    NotImplementedError, RuntimeError) as exc:
                raise UploadFailed(f"entry {shown(info.filename)} is damaged ({_why(exc)}); "
                                   "download the zip again or ask for a new upload") from None
        return []


class _Budget:
    """Entries the exchange walk may still visit (``--max-entries``)."""

    def __init__(self, limit: int, used: int) -> None:
        self.limit, self.used = limit, used

    def take(self) -> None:
        self.used += 1
        if self.used > self.limit:
            raise UploadFailed(f"more than {self.limit} entries in the exchange for this "
                               f"assignment; raise the limit with --max-entries")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device")):
        if test(mode):
            return name
    return "special file"


class _ExchangeSource:
    def __init__(self, inbound_fd: int, budget: _Budget, report: CollectReport) -> None:
        self.inbound_fd, self.budget, self.report = inbound_fd, budget, report

    def extract(self, upload: Upload, dest: Path) -> list[str]:
        assert upload.folder is not None
        try:
            fd = os.open(upload.folder, _READ | os.O_DIRECTORY, dir_fd=self.inbound_fd)
        except OSError as exc:
            raise UploadFailed(f"the folder cannot be opened without following links: "
                               f"{_why(exc)}") from None
        try:
            st = os.fstat(fd)
            if (st.st_dev, st.st_ino) != upload.identity:
                raise UploadFailed("the folder was replaced while collecting")
            refused: list[str] = []
            self._walk(fd, "", dest, refused, [0])
            return refused
        finally:
            os.close(fd)

    def _walk(self, fd: int, prefix: str, dest: Path, refused: list[str], total: list[int]) -> None:
        try:
            names = sorted(os.listdir(fd))
        except OSError as exc:
            where = shown(prefix or ".")
            raise UploadFailed(f"folder {where} cannot be listed: {_why(exc)}") from None
        for name in names:
            rel = f"{prefix}/{name}" if prefix else name
            self.budget.take()
            if _ignored(rel.split("/")) or rel == TIMESTAMP:
                self.report.ignored += rel != TIMESTAMP
                continue
            try:
                relative_file(rel)
                st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except RefusedName as exc:
                refused.append(str(exc))
                continue
            except OSError as exc:
                refused.append(f"{shown(rel)}: {_why(exc)}")
                continue
            if stat.S_ISLNK(st.st_mode):
                try:
                    target = os.readlink(name, dir_fd=fd)
                except OSError:
                    target = "?"
                refused.append(f"{shown(rel)} is a symbolic link (to {shown(target)}): "
                               "never followed")
            elif stat.S_ISDIR(st.st_mode):
                try:
                    sub = os.open(name, _READ | os.O_DIRECTORY, dir_fd=fd)
                except OSError as exc:
                    refused.append(f"{shown(rel)}: {_why(exc)}")
                    continue
                try:
                    (dest / rel).mkdir()
                    self._walk(sub, rel, dest, refused, total)
                finally:
                    os.close(sub)
            elif stat.S_ISREG(st.st_mode):
                if st.st_size > MAX_FILE:
                    refused.append(f"{shown(rel)} is larger than {MAX_FILE >> 20} MB")
                    continue
                try:
                    src = os.open(name, _READ | os.O_NONBLOCK, dir_fd=fd)
                except OSError as exc:
                    refused.append(f"{shown(rel)} cannot be read: {_why(exc)}")
                    continue
                with open(src, "rb") as fh:
                    now = os.fstat(fh.fileno())
                    if not stat.S_ISREG(now.st_mode) or now.st_ino != st.st_ino:
                        raise UploadFailed(f"{shown(rel)} was replaced while collecting")
                    total[0] += _copy(fh, dest / rel, MAX_FILE, rel)
                if total[0] > MAX_TOTAL:
                    raise UploadFailed(f"the submission is larger than {MAX_TOTAL >> 20} MB")
            else:
                refused.append(f"{shown(rel)} is a {_kind(st.st_mode)}, not a regular file: "
                               "not copied")


# --------------------------------------------------------------------------------------------
# the transaction of one student


def nesting_depth(data: bytes, limit: int = MAX_NESTING) -> int:
    """How deep JSON ``data`` nests ``[`` and ``{``, counted without recursion.

    Strings are skipped (brackets inside them do not count). The scan stops as soon as the depth
    passes ``limit``, so the result is at most ``limit + 1``.

    Parameters
    ----------
    data
        The file's bytes (need not be valid JSON).
    limit
        The depth at which to stop counting.

    Returns
    -------
    int
        The deepest nesting seen, capped at ``limit + 1``.
    """
    depth = deepest = 0
    for m in _NOTEBOOK_TOKENS.finditer(data):
        if m.lastindex == 2:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif m.lastindex == 3:
            depth -= 1
    return deepest


def _check_notebooks(stage: Path) -> None:
    for dirpath, _, files in os.walk(stage):
        for f in sorted(files):
            if not f.endswith(".ipynb"):
                continue
            path = Path(dirpath) / f
            if nesting_depth(path.read_bytes()) > MAX_NESTING:
                rel = path.relative_to(stage).as_posix()
                raise UploadFailed(f"notebook {shown(rel)} nests deeper than {MAX_NESTING} levels "
                                   "(a corrupt or hostile file); ask the student to upload it "
                                   "again")


def _tree(root: Path) -> dict[str, bytes | None] | None:
    out: dict[str, bytes | None] = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(dirpath) / name
            st = p.lstat()
            rel = p.relative_to(root).as_posix()
            if stat.S_ISDIR(st.st_mode):
                out[rel] = None
            elif stat.S_ISREG(st.st_mode):
                out[rel] = p.read_bytes()
            else:
                return None
    return out


def _same_tree(a: Path, b: Path) -> bool:
    if a.is_symlink() or b.is_symlink() or not a.is_dir() or not b.is_dir():
        return False
    ta = _tree(a)
    return ta is not None and ta == _tree(b)


def _plain(base: Path, *parts: str) -> Path:
    """``base/parts`` unresolved, checked to resolve inside ``base`` with no link on the way.

    A link would be followed by every later rename, even one pointing to another student.
    """
    inside(base, *parts)
    path = base
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise RefusedName("path", "/".join(parts), f"{path} is a symbolic link; remove it")
    return path


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")[:80] or "upload"


class _Collector:
    """The per-student transactions shared by the zip and the exchange."""

    def __init__(self, course: Course, assignment: str, source: _Source,
                 report: CollectReport) -> None:
        self.course, self.assignment, self.source, self.report = course, assignment, source, report
        try:
            self.submitted = inside(course.root, str(course.path("submitted")))
            self.superseded = inside(course.root, "autograde", SUPERSEDED)
        except RefusedName as exc:
            raise CollectError(f"the course's folders are not inside the course: {exc}") from None
        self.stage_name = re.compile(rf"^\.incoming-{re.escape(assignment)}-[0-9a-f]{{8}}$")
        self.previous_name = re.compile(rf"^\.previous-{re.escape(assignment)}-[0-9a-f]{{8}}$")

    def rel(self, path: Path) -> str:
        return os.path.relpath(path, self.course.root)

    def settle_all(self, uploads: list[Upload]) -> None:
        by_student: dict[str, list[Upload]] = {}
        for u in uploads:
            by_student.setdefault(u.student, []).append(u)
        for sid, group in by_student.items():
            raws = {u.raw_id for u in group}
            if len(raws) > 1:
                # two different names folded to one id: probably two people; never merge on a guess
                for u in group:
                    if u.folded:
                        others = ", ".join(shown(r) for r in sorted(raws - {u.raw_id}))
                        u.invalid = (f"{shown(u.raw_id)} maps to {sid!r}, as does {others}; "
                                     "tell them apart with --map")
        for sid in sorted(set(by_student) | set(self.report.students)):
            res = self.report.student(sid)
            try:
                self.settle(res, by_student.get(sid, []))
            except RefusedName as exc:
                res.status, res.reason = "refused", str(exc)

    def settle(self, res: StudentResult, uploads: list[Upload]) -> None:
        for u in uploads:
            for n in u.notes:
                res.note(n)
            res.refused += u.refused
            if u.invalid:
                res.refused.append(f"upload {shown(u.label)} refused: {u.invalid}")
        student_dir = _plain(self.submitted, res.student)
        dest = _plain(self.submitted, res.student, self.assignment)
        self.recover(res, student_dir, dest)
        had_previous = os.path.lexists(dest)
        candidates = sorted((u for u in uploads if not u.invalid), key=lambda u: u.order,
                            reverse=True)
        if not candidates:
            res.status = "kept-older" if had_previous else "refused"
            res.reason = "no acceptable upload" + (
                "; the previous submission stays" if had_previous else "")
            return
        winner, merged, losers = _choose(candidates)
        for u in merged:
            res.note(f"Canvas file {shown(u.label)} added to the submission beside the notebook")
        if losers:
            res.note(f"{len(candidates)} uploads: collected the latest by upload time, "
                     f"{winner.describe()}")
            if losers[0].order[:3] == winner.order[:3]:
                res.note("the latest uploads have the same time; chose by name (check them)")
        if winner.time is None:
            res.note("no readable upload time: no timestamp.txt written")
        try:
            stage, refused = self.stage(student_dir, [winner, *merged], winner.time, check=True)
            res.refused += refused
            self.swap(res, student_dir, dest, stage)
            res.source, res.time = shown(winner.label), winner.time
        except (UploadFailed, OSError) as exc:
            res.status = "kept-older" if had_previous else "refused"
            res.reason = f"upload {shown(winner.label)} not collected: {_why(exc)}" + (
                "; the previous submission stays" if had_previous else "")
        for u in losers:
            self.keep_superseded(res, u)

    def stage(self, parent: Path, uploads: list[Upload], when: datetime | None, *,
              check: bool) -> tuple[Path, list[str]]:
        parent.mkdir(parents=True, exist_ok=True)
        stage = parent / f".incoming-{self.assignment}-{secrets.token_hex(4)}"
        stage.mkdir()
        try:
            refused: list[str] = []
            for u in uploads:
                refused += self.source.extract(u, stage)
            if check:
                _check_notebooks(stage)
            if when is not None:
                (stage / TIMESTAMP).write_text(format_submission_time(when) + "\n")
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        return stage, refused

    def swap(self, res: StudentResult, student_dir: Path, dest: Path, stage: Path) -> None:
        if not os.path.lexists(dest):
            os.rename(stage, dest)
            res.status = "collected"
            return
        if _same_tree(dest, stage):
            shutil.rmtree(stage)
            res.status = "unchanged"
            return
        old = student_dir / f".previous-{self.assignment}-{secrets.token_hex(4)}"
        os.rename(dest, old)
        try:
            os.rename(stage, dest)
        except OSError:
            os.rename(old, dest)
            shutil.rmtree(stage, ignore_errors=True)
            raise
        res.status = "collected"
        self.retire(res, old)

    def retire(self, res: StudentResult, old: Path) -> None:
        """Move a replaced submission to ``superseded/…/previous-<when>``."""
        try:
            base = _plain(self.superseded, self.assignment, res.student)
        except RefusedName as exc:
            res.refused.append(f"the replaced submission stays in {self.rel(old)}: {exc}")
            return
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = base / f"previous-{stamp}"
        try:
            base.mkdir(parents=True, exist_ok=True)
            shutil.move(old, target)
        except OSError as exc:
            res.refused.append(f"the replaced submission could not be moved to superseded "
                               f"({_why(exc)}); it is in {self.rel(old)}")
            return
        res.superseded.append(f"the previously collected submission -> {self.rel(target)}")

    def recover(self, res: StudentResult, student_dir: Path, dest: Path) -> None:
        """Clean what an interrupted collect of this student left behind."""
        if not student_dir.is_dir():
            return
        for p in sorted(student_dir.iterdir()):
            if self.stage_name.match(p.name):
                shutil.rmtree(p, ignore_errors=True)
            elif self.previous_name.match(p.name):
                if not os.path.lexists(dest):
                    os.rename(p, dest)
                    res.note("restored the submission an interrupted collect had set aside")
                else:
                    self.retire(res, p)

    def keep_superseded(self, res: StudentResult, upload: Upload) -> None:
        try:
            base = _plain(self.superseded, self.assignment, res.student)
        except RefusedName as exc:
            res.refused.append(f"superseded upload {upload.describe()} not kept: {exc}")
            return
        stamp = upload.time.strftime("%Y%m%dT%H%M%SZ") if upload.time else "unknown-time"
        label = f"{stamp}-{_slug(upload.label)}"
        try:
            stage, refused = self.stage(base, [upload], upload.time, check=False)
        except (UploadFailed, OSError) as exc:
            res.refused.append(f"superseded upload {upload.describe()} could not be kept: "
                               f"{_why(exc)}")
            return
        res.refused += [f"(superseded upload) {x}" for x in refused]
        for n in range(1, 1000):
            target = base / (label if n == 1 else f"{label}-{n}")
            if not os.path.lexists(target):
                os.rename(stage, target)
                res.superseded.append(f"{upload.describe()} -> {self.rel(target)}")
                return
            if _same_tree(target, stage):
                shutil.rmtree(stage)
                res.superseded.append(f"{upload.describe()} -> {self.rel(target)} (kept before)")
                return
        shutil.rmtree(stage, ignore_errors=True)
        res.refused.append(f"superseded upload {upload.describe()}: too many copies in {base}")


def _choose(cands: list[Upload]) -> tuple[Upload, list[Upload], list[Upload]]:
    """``(winner, merged, losers)`` among a student's uploads sorted latest first.

    The latest wins. Canvas lists every file of a submission as its own entry: when all uploads
    are Canvas files, the notebooks compete, and files without a notebook join the winner unless
    their names clash.
    """
    winner = cands[0]
    merged: list[Upload] = []
    if all(u.layout == "canvas" for u in cands):
        notebooks = [u for u in cands if u.has_notebook()]
        winner = notebooks[0] if notebooks else winner
        names = winner.rels()
        for u in cands:
            if u is not winner and not u.has_notebook() and names.isdisjoint(u.rels()):
                merged.append(u)
                names |= u.rels()
    losers = [u for u in cands if u is not winner and u not in merged]
    return winner, merged, losers


# --------------------------------------------------------------------------------------------
# zip


def _extended_mtime(extra: bytes) -> int | None:
    # Info-ZIP's "UT" extra field holds the exact UTC mtime; DOS date_time has no zone
    i = 0
    while i + 4 <= len(extra):
        tag = int.from_bytes(extra[i:i + 2], "little")
        size = int.from_bytes(extra[i + 2:i + 4], "little")
        body = extra[i + 4:i + 4 + size]
        if tag == 0x5455 and len(body) >= 5 and body[0] & 1:
            return int.from_bytes(body[1:5], "little", signed=True)
        i += 4 + size
    return None


def _entry_time(info: zipfile.ZipInfo, tz: tzinfo | None) -> datetime | None:
    try:
        ut = _extended_mtime(info.extra)
        if ut is not None:
            return datetime.fromtimestamp(ut, UTC)
        naive = datetime(*info.date_time)
        return (naive.replace(tzinfo=tz) if tz else naive.astimezone()).astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _entry_problem(info: zipfile.ZipInfo, path: str, is_dir: bool) -> str | None:
    try:
        relative_file(path, max_depth=MAX_FILE_DEPTH + 1)
    except RefusedName as exc:
        return exc.rule
    if is_dir:
        return None
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        return "symbolic link entry: never extracted"
    if kind not in (0, stat.S_IFREG):
        return f"{_kind(info.external_attr >> 16)} entry, not a regular file: never extracted"
    if info.flag_bits & 0x1:
        return "encrypted entry"
    if info.compress_type not in SUPPORTED_COMPRESSION:
        return f"compression method {info.compress_type} is not supported"
    if info.file_size > MAX_FILE:
        return f"larger than {MAX_FILE >> 20} MB ({info.file_size / 2**20:.0f} MB)"
    return None


def _plan_zip(zf: zipfile.ZipFile, ids: _Ids, report: CollectReport, max_entries: int,
              tz: tzinfo | None) -> list[Upload]:
    infos = zf.infolist()
    if len(infos) > max_entries:
        raise CollectError(f"the zip holds {len(infos)} entries, more than the limit of "
                           f"{max_entries}; nothing was collected (raise it with --max-entries)")
    declared = sum(i.file_size for i in infos)
    if declared > MAX_TOTAL:
        raise CollectError(f"the zip expands to {declared / 2**20:.0f} MB, more than the limit of "
                           f"{MAX_TOTAL >> 20} MB; nothing was collected")
    uploads: dict[tuple, Upload] = {}
    for info in infos:
        name = info.filename.replace("\\", "/")  # Windows tools write backslashes
        is_dir = name.endswith("/")
        path = name[:-1] if is_dir else name
        if _ignored(path.split("/")):
            report.ignored += 1
            continue
        entry = parse_entry(path, is_dir=is_dir)
        problem = _entry_problem(info, path, is_dir)
        upload = None
        if entry is not None:
            try:
                sid, note, folded = ids.resolve(entry.raw_id)
            except RefusedName as exc:
                report.unassigned.append(f"{shown(name)}: {problem or exc}")
                continue
            upload = uploads.get((sid, entry.key))
            if upload is None:
                upload = uploads[(sid, entry.key)] = Upload(
                    sid, entry.label, entry.raw_id, entry.layout, folded=folded,
                    canvas_file=entry.canvas_file, notes=[note] if note else [])
        if problem is None and entry is not None and entry.rel:
            try:
                relative_file(entry.rel)
            except RefusedName as exc:
                problem = exc.rule
        if upload is None:
            report.unassigned.append(f"{shown(name)}: {problem or 'no student id in the name'}")
            continue
        if problem:
            upload.refused.append(f"{shown(name)}: {problem}")
            continue
        upload.times.append(_entry_time(info, tz))
        assert entry is not None
        if is_dir:
            if entry.rel:
                upload.dirs.append(entry.rel)
        elif entry.rel == TIMESTAMP:
            report.ignored += 1
            upload.notes.append("its own timestamp.txt was dropped (the zip's time is used)")
        elif entry.rel in upload.rels():
            upload.invalid = (f"the zip holds {shown(entry.rel)} twice for this upload; "
                              "cannot tell which is the submission")
        else:
            upload.members.append((info, entry.rel))
    for u in uploads.values():
        _finish(u)
    return list(uploads.values())


def _finish(u: Upload) -> None:
    known = [t for t in u.times if t is not None]
    u.time = max(known) if known else None
    if len(known) < len(u.times):
        u.notes.append(f"some entries of {shown(u.label)} carry an unreadable time")
    folders = {"/".join(p.split("/")[:i]) for p in u.rels() | set(u.dirs)
               for i in range(1, p.count("/") + 1)} | set(u.dirs)
    for info, rel in list(u.members):
        if rel in folders:
            u.members.remove((info, rel))
            u.refused.append(f"{shown(info.filename)}: {shown(rel)} is both a file and a folder "
                             "in this upload; the file was refused")
    if u.refused and not u.members and not u.invalid:
        u.invalid = "every file in it was refused"


def from_zip(course: Course, assignment: str, zip_path: str | os.PathLike,
             mapping: str | os.PathLike | None = None, *, max_entries: int = MAX_ENTRIES,
             zip_timezone: tzinfo | None = None) -> CollectReport:
    """Collect ``assignment`` from an LMS download.

    Parameters
    ----------
    course
        The course.
    assignment
        A valid assignment name (checked again here).
    zip_path
        The zip file.
    mapping
        A ``--map`` CSV (``lms_id,student_id``), or None.
    max_entries
        Refuse zips with more entries than this.
    zip_timezone
        The zone of the zip's DOS times (no zone recorded); None for this machine's local zone.
        Entries carrying Info-ZIP's UTC time field use that instead.

    Returns
    -------
    CollectReport
        Every student and entry accounted for.

    Raises
    ------
    CollectError
        The zip cannot be read, holds too many entries or expands too far, the map is bad, or
        it holds no submission at all; nothing was written.
    """
    try:
        assignment_id(assignment)
    except RefusedName as exc:
        raise CollectError(str(exc)) from None
    ids = _Ids(read_map(mapping) if mapping else {})
    report = CollectReport(assignment, f"zip {shown(str(zip_path), 4096)}")
    try:
        zf = zipfile.ZipFile(zip_path)
    except OSError as exc:
        raise CollectError(f"cannot open {shown(str(zip_path))}: {_why(exc)}") from None
    except Exception as exc:  # noqa: BLE001 - a damaged zip raises many types, all "unreadable"
        raise CollectError(f"{shown(str(zip_path))} is not a readable zip: {_why(exc)}") from None
    with zf:
        uploads = _plan_zip(zf, ids, report, max_entries, zip_timezone)
        if not uploads and not report.unassigned:
            raise CollectError(f"{shown(str(zip_path))} holds no submission "
                               f"({report.ignored} entries ignored)")
        _Collector(course, assignment, _ZipSource(zf), report).settle_all(uploads)
    return report


# --------------------------------------------------------------------------------------------
# exchange


def parse_inbound(name: str, assignment: str) -> tuple[str, str, str] | None:
    """``(user, time text, random)`` of an inbound folder ``user+assignment+time[+random]``.

    Split from the right like nbgrader, so a ``+`` in the user name is fine; None when the name
    does not belong to ``assignment``.
    """
    parts = name.rsplit("+", 3)
    if len(parts) == 4 and parts[1] == assignment:
        return parts[0], parts[2], parts[3]
    parts = name.rsplit("+", 2)
    if len(parts) == 3 and parts[1] == assignment:
        return parts[0], parts[2], ""
    return None


def exchange_time(text: str, ctime: datetime) -> tuple[datetime, str | None]:
    """The submission time of an exchange folder and, when it is not the named one, why.

    The time in the folder name is nbgrader's; a student can write any name, but cannot set the
    folder's change time (ctime) back. The named time is used when it is readable and within
    ``CLOCK_TOLERANCE`` of the ctime; otherwise the ctime is.
    """
    named = parse_submission_time(text)
    if named is None:
        return ctime, (f"time {shown(text)} in the folder name cannot be read; "
                       "used the folder's change time")
    if abs(named - ctime) > CLOCK_TOLERANCE:
        return ctime, (f"folder name says {_fmt(named)} but the folder was last changed "
                       f"{_fmt(ctime)}; used the change time")
    return named, None


def _owner_problem(uid: int, user: str, check: bool) -> tuple[str | None, str | None]:
    """``(refusal, note)`` of nbgrader's owner check, refusing instead of only warning."""
    if not check or uid == os.geteuid():
        return None, None
    try:
        owner = pwd.getpwuid(uid).pw_name
    except KeyError:
        return None, f"folder owned by uid {uid}, unknown here: owner not checked"
    if owner == user:
        return None, None
    return (f"claims to be from {shown(user)} but is owned by the user {shown(owner)} "
            "(impersonation?); set c.CollectApp.check_owner = False if all students share one "
            "account"), None


def _exchange_root(course: Course) -> Path:
    section = course.config.get("Exchange", {})
    root = section.get("root", "/usr/local/share/nbgrader/exchange")
    return Path(str(root))


def from_exchange(course: Course, assignment: str, mapping: str | os.PathLike | None = None,
                  *, max_entries: int = MAX_ENTRIES) -> CollectReport:
    """Collect ``assignment`` from ``<Exchange.root>/<course_id>/inbound/``, following no link.

    Parameters
    ----------
    course
        The course.
    assignment
        A valid assignment name.
    mapping
        A ``--map`` CSV renaming exchange user names, or None.
    max_entries
        Refuse when the inbound folder holds more submissions of ``assignment``; the walk of
        their files shares the same budget.

    Returns
    -------
    CollectReport
        Every student and folder accounted for.

    Raises
    ------
    CollectError
        No readable inbound folder, too many submissions, or a bad map; nothing was written.
    """
    try:
        assignment_id(assignment)
    except RefusedName as exc:
        raise CollectError(str(exc)) from None
    ids = _Ids(read_map(mapping) if mapping else {})
    inbound = _exchange_root(course) / course.course_id / "inbound"
    report = CollectReport(assignment, f"the exchange {shown(str(inbound), 4096)}")
    try:
        fd = os.open(inbound, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise CollectError(f"cannot open the exchange's inbound folder {shown(str(inbound))}: "
                           f"{_why(exc)} (release with 'gdcourse release {assignment} --exchange',"
                           " or check c.Exchange.root)") from None
    try:
        try:
            names = sorted(os.listdir(fd))
        except OSError as exc:
            raise CollectError(f"cannot list {shown(str(inbound))}: {_why(exc)}") from None
        mine = [n for n in names if f"+{assignment}+" in n]
        if len(mine) > max_entries:
            raise CollectError(f"the exchange holds {len(mine)} submissions of {assignment}, more "
                               f"than the limit of {max_entries}; nothing was collected (raise it "
                               "with --max-entries)")
        others = set(course.assignments()) - {assignment}
        check = bool(course.config.get("CollectApp", {}).get("check_owner", True))
        uploads = []
        for name in mine:
            u = _plan_folder(fd, name, assignment, others, ids, report, check)
            if u is not None:
                uploads.append(u)
        source = _ExchangeSource(fd, _Budget(max_entries, len(mine)), report)
        _Collector(course, assignment, source, report).settle_all(uploads)
    finally:
        os.close(fd)
    return report


def _plan_folder(fd: int, name: str, assignment: str, others: set[str], ids: _Ids,
                 report: CollectReport, check: bool) -> Upload | None:
    parsed = parse_inbound(name, assignment)
    if parsed is None:
        if not any(parse_inbound(name, a) for a in others):
            report.unassigned.append(f"{shown(name)}: not named "
                                     "<student>+<assignment>+<time>+<random> like nbgrader's")
        return None
    user, when, _random = parsed
    try:
        sid, note, folded = ids.resolve(user)
    except RefusedName as exc:
        report.unassigned.append(f"{shown(name)}: {exc}")
        return None
    u = Upload(sid, name, user, "exchange", folded=folded, folder=name,
               notes=[note] if note else [])
    try:
        st = os.stat(name, dir_fd=fd, follow_symlinks=False)
    except OSError as exc:
        u.invalid = f"cannot be read: {_why(exc)}"
        return u
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.readlink(name, dir_fd=fd)
        except OSError:
            target = "?"
        u.invalid = f"the submission folder is a symbolic link (to {shown(target)}): never followed"
        return u
    if not stat.S_ISDIR(st.st_mode):
        kind = "file" if stat.S_ISREG(st.st_mode) else _kind(st.st_mode)
        u.invalid = f"not a folder but a {kind}"
        return u
    refusal, owner_note = _owner_problem(st.st_uid, user, check)
    if refusal:
        u.invalid = refusal
        return u
    if owner_note:
        u.notes.append(f"{shown(name)}: {owner_note}")
    u.identity = (st.st_dev, st.st_ino)
    ctime = datetime.fromtimestamp(st.st_ctime, UTC)
    u.time, time_note = exchange_time(when, ctime)
    u.named_time = parse_submission_time(when)
    if time_note:
        u.notes.append(f"{shown(name)}: {time_note}")
    return u
