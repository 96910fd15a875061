"""``gdcourse collect``: submissions from nbgrader's exchange or from an LMS zip download.

Accepted zip layouts (the student id is taken from the names; ``--map CSV`` with columns
``lms_id,student_id`` renames LMS ids to course ids):

* a folder per student: ``<student_id>/<anything>.ipynb`` (nested folders allowed);
* Moodle's "download all submissions": ``<Full Name>_<id>_assignsubmission_file_/<file>.ipynb``
  → student ``<id>``;
* Canvas's flat download: ``<name>[_LATE]_<user id>_<submission id>_<file>.ipynb`` → student
  ``<user id>``;
* a flat file ``<student_id>__<file>.ipynb`` (two underscores).

Each student's files land in ``autograde/submitted/<student>/<assignment>/`` (replacing a previous
collection for that student). The notebook keeps its uploaded name; grading matches a single
renamed notebook with a warning. Unsafe entries (absolute paths, ``..``, links) and oversized
files are refused.
"""

from __future__ import annotations

import csv
import re
import shutil
import zipfile
from pathlib import PurePosixPath

from .config import Course

MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_[a-z]+_?$")
CANVAS = re.compile(r"^(?P<name>[A-Za-z0-9\-]+?)(?:_LATE|_late)?_(?P<id>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
GENERIC = re.compile(r"^(?P<id>[A-Za-z0-9][A-Za-z0-9._\-]*?)__(?P<file>.+)$")
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@\-]{0,99}$")
MAX_FILE = 50 << 20
MAX_TOTAL = 500 << 20


def student_of(entry: str) -> tuple[str, str] | None:
    """``(student_id, path inside the student's folder)`` for one zip entry, or None."""
    parts = PurePosixPath(entry).parts
    if not parts or parts[-1].startswith(".") or "__MACOSX" in parts or ".ipynb_checkpoints" in parts:
        return None
    if len(parts) >= 2:
        head = parts[0]
        m = MOODLE.match(head)
        sid = m.group("id") if m else head
        return sid, "/".join(parts[1:])
    name = parts[0]
    m = CANVAS.match(name)
    if m:
        return m.group("id"), m.group("file")
    m = GENERIC.match(name)
    if m:
        return m.group("id"), m.group("file")
    return None


def from_zip(course: Course, assignment: str, zip_path: str, mapping: str | None = None) -> dict[str, list[str]]:
    rename: dict[str, str] = {}
    if mapping:
        with open(mapping, newline="") as fh:
            for row in csv.DictReader(fh):
                rename[row["lms_id"].strip()] = row["student_id"].strip()
    per_student: dict[str, list[tuple[zipfile.ZipInfo, str]]] = {}
    skipped: list[str] = []
    total = 0
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = info.filename.replace("\\", "/")
            p = PurePosixPath(name)
            if p.is_absolute() or ".." in p.parts or (info.external_attr >> 16) & 0o170000 == 0o120000:
                skipped.append(name)
                continue
            who = student_of(name)
            if who is None:
                skipped.append(name)
                continue
            sid, rel = who
            sid = rename.get(sid, sid)
            if not SAFE_ID.match(sid) or info.file_size > MAX_FILE:
                skipped.append(name)
                continue
            total += info.file_size
            if total > MAX_TOTAL:
                raise ValueError(f"{zip_path} expands to more than {MAX_TOTAL >> 20} MB")
            per_student.setdefault(sid, []).append((info, rel))
        base = course.path("submitted")
        for sid, entries in per_student.items():
            dest = base / sid / assignment
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir(parents=True)
            for info, rel in entries:
                target = dest / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    return {"collected": sorted(per_student), "skipped": skipped}


def from_exchange(course: Course, assignment: str) -> None:
    from .gradebook import run_nbgrader

    run_nbgrader(course, "collect", assignment, "--update")
