"""``gdcourse collect`` against hostile students and clumsy LMSs (issue 14).

Every zip and exchange folder is built here. Each test runs the real command line and checks:
nothing written outside the course (a canary folder around it is snapshotted, the exchange with it),
other students' submissions byte-identical, no traceback, every student in the summary.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import re
import stat
import struct
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gdcourse.commands import collect

from .course_builder import ASSIGNMENT, correct, export, gdcourse, make_course

A = ASSIGNMENT
NB = f"{A}.ipynb"
T1 = (2025, 3, 1, 10, 0, 0)
T2 = (2025, 3, 1, 11, 0, 0)
T3 = (2025, 3, 1, 12, 0, 0)
STATUS_LINE = re.compile(r"^  (\S+)\s+(collected|unchanged|kept-older|refused)\s+(\S+ \S+|-)\s")


def nb(tag: str, depth: int = 0) -> bytes:
    # nested by text: json.dumps itself would recurse too deep
    meta = '{"n": [' * depth + json.dumps({"tag": tag}) + "]}" * depth
    return (json.dumps({"cells": [{"cell_type": "markdown", "metadata": "META", "source": tag,
                                   "id": "c1"}],
                        "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
            .replace('"META"', meta).encode())


# --------------------------------------------------------------------------------------------
# a course inside a canary folder


class Course:
    def __init__(self, tmp_path: Path) -> None:
        self.outer = tmp_path / "outer"
        self.exchange = self.outer / "exchange"
        self.root = make_course(self.outer / "course", extra=(
            f"c.Exchange.root = {str(self.exchange)!r}\n"
            "c.CourseDirectory.course_id = 'testcourse'\n"))
        (self.outer / "canary.txt").write_text("canary")
        self.inbound = self.exchange / "testcourse" / "inbound"
        self.inbound.mkdir(parents=True)
        self.submitted = self.root / "autograde" / "submitted"
        self.superseded = self.root / "autograde" / "superseded"
        self.zips = self.outer / "zips"
        self.zips.mkdir()

    def previous(self, student: str, tag: str, assignment: str = A) -> None:
        d = self.submitted / student / assignment
        d.mkdir(parents=True)
        (d / NB).write_bytes(nb(tag))
        (d / "timestamp.txt").write_text("2025-01-01 00:00:00.000000 UTC\n")

    def zip(self, entries: list, name: str = "download.zip") -> Path:
        path = self.zips / name
        with zipfile.ZipFile(path, "w") as zf:
            for e in entries:
                info, data = e if isinstance(e, tuple) else (e, b"")
                if isinstance(info, str):
                    info = entry(info)
                zf.writestr(info, data)
        return path

    def run(self, *args: str) -> subprocess.CompletedProcess:
        proc = gdcourse(self.root, *args)
        assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
        return proc

    def outside(self) -> dict[str, object]:
        return tree(self.outer, skip=self.root)

    def students(self, skip: set[str] = frozenset()) -> dict[str, object]:
        return {k: v for k, v in tree(self.submitted).items() if k.split("/")[0] not in skip}


def entry(name: str, when: tuple = T1, mode: int | None = None,
          compress: int = zipfile.ZIP_STORED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = compress
    if mode is not None:
        info.external_attr = mode << 16
    return info


def tree(base: Path, skip: Path | None = None) -> dict[str, object]:
    """Every path under ``base`` with its type and content (links: their target)."""
    out: dict[str, object] = {}
    if not base.exists():
        return out
    for dirpath, dirs, files in os.walk(base):
        if skip is not None and Path(dirpath) == skip.parent:
            dirs[:] = [d for d in dirs if Path(dirpath) / d != skip]
        for name in dirs + files:
            p = Path(dirpath) / name
            st = p.lstat()
            rel = p.relative_to(base).as_posix()
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISREG(st.st_mode):
                out[rel] = ("file", hashlib.sha256(p.read_bytes()).hexdigest(),
                            stat.S_IMODE(st.st_mode))
            else:
                out[rel] = ("other", stat.S_IFMT(st.st_mode))
    return out


def statuses(stdout: str) -> dict[str, str]:
    return {m[1]: m[2] for line in stdout.splitlines() if (m := STATUS_LINE.match(line))}


def times(stdout: str) -> dict[str, str]:
    return {m[1]: m[3] for line in stdout.splitlines() if (m := STATUS_LINE.match(line))}


def block(stdout: str, student: str) -> str:
    """The summary lines of one student (its row and the indented details below it)."""
    lines = stdout.splitlines()
    for i, line in enumerate(lines):
        m = STATUS_LINE.match(line)
        if m and m[1] == student:
            out = [line]
            for more in lines[i + 1:]:
                if not more.startswith("      "):
                    break
                out.append(more)
            return "\n".join(out)
    raise AssertionError(f"{student} not in the summary:\n{stdout}")


def patch_sizes(path: Path, name: str, size: int) -> None:
    """Make the zip lie: ``name``'s uncompressed size becomes ``size`` in both headers."""
    b = bytearray(path.read_bytes())
    raw = name.encode()
    for sig, name_at, len_at, size_at in ((b"PK\x01\x02", 46, 28, 24), (b"PK\x03\x04", 30, 26, 22)):
        i = b.find(sig)
        while i >= 0:
            n = struct.unpack_from("<H", b, i + len_at)[0]
            if bytes(b[i + name_at:i + name_at + n]) == raw:
                struct.pack_into("<I", b, i + size_at, size)
            i = b.find(sig, i + 4)
    path.write_bytes(bytes(b))


def corrupt_data(path: Path, name: str) -> None:
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    b = bytearray(path.read_bytes())
    n, m = struct.unpack_from("<HH", b, info.header_offset + 26)
    b[info.header_offset + 30 + n + m] ^= 0xFF
    path.write_bytes(bytes(b))


@pytest.fixture
def course(tmp_path) -> Course:
    return Course(tmp_path)


def sub(c: Course, student: str, name: str = NB) -> bytes:
    return (c.submitted / student / A / name).read_bytes()


# --------------------------------------------------------------------------------------------
# zip: paths, links, names


def test_zip_slip_absolute_paths_links_and_special_entries_are_refused(course):
    course.previous("bob", "bob-before")
    abs_target = course.outer / "abs-evil.txt"
    z = course.zip([
        ("ada/" + NB, nb("ada")),
        ("ada/../../../../../evil.txt", b"x"),
        ("../../../../evil2.txt", b"x"),
        ("ada\\..\\..\\..\\..\\..\\evil3.txt", b"x"),
        (str(abs_target), b"x"),
        (entry("ada/link", mode=stat.S_IFLNK | 0o777), b"/etc/passwd"),
        (entry("ada/fifo", mode=stat.S_IFIFO | 0o644), b""),
        (entry("ada/dev", mode=stat.S_IFCHR | 0o644), b""),
        (entry("carol/link", mode=stat.S_IFLNK | 0o777), str(course.outer / "canary.txt").encode()),
    ])
    before_out, before_bob = course.outside(), course.students({"ada", "carol"})
    proc = course.run("collect", A, "--zip", str(z))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert course.outside() == before_out
    assert course.students({"ada", "carol"}) == before_bob
    assert not abs_target.exists() and not (course.outer / "evil.txt").exists()
    st = statuses(proc.stdout)
    assert st["ada"] == "collected" and st["carol"] == "refused" and "bob" not in st
    assert sorted(p.name for p in (course.submitted / "ada" / A).iterdir()) == [NB, "timestamp.txt"]
    ada = block(proc.stdout, "ada")
    for why in ["'..' path component", "symbolic link entry", "FIFO entry",
                "character device entry"]:
        assert why in ada, ada
    assert "every file in it was refused" in block(proc.stdout, "carol")
    assert "'../../../../evil2.txt': '..' path component" in proc.stdout
    assert f"{str(abs_target)!r}: absolute path" in proc.stdout
    assert not (course.submitted / "carol").exists()


def test_long_names_and_a_file_that_is_also_a_folder(course):
    long_student = "s" * 100
    z = course.zip([
        ("ada/" + NB, nb("ada")),
        ("ada/" + "a" * 300 + ".ipynb", nb("long")),
        (f"{long_student}/{NB}", nb("x")),
        ("bob/x", b"file"),
        ("bob/x/y.txt", b"inside"),
        ("bob/" + NB, nb("bob")),
        ("carol/" + NB, nb("carol")),
    ])
    before = course.outside()
    proc = course.run("collect", A, "--zip", str(z))
    assert proc.returncode == 1
    assert course.outside() == before
    assert statuses(proc.stdout) == {"ada": "collected", "bob": "collected", "carol": "collected"}
    assert "a component is longer than 255 bytes" in block(proc.stdout, "ada")
    assert "both a file and a folder" in block(proc.stdout, "bob")
    assert (course.submitted / "bob" / A / "x" / "y.txt").read_bytes() == b"inside"
    assert "longer than 64 characters" in proc.stdout
    assert sub(course, "carol") == nb("carol")


@pytest.mark.parametrize("raw", ['=HYPERLINK("x")', "-2-3", "@SUM(A1:A9)", "*", "...", "+1",
                                 "a\x1bb", "李"])
def test_hostile_student_folders_are_refused_by_name(course, raw):
    z = course.zip([(f"{raw}/{NB}", nb("x")), ("ok/" + NB, nb("ok"))])
    proc = course.run("collect", A, "--zip", str(z))
    assert proc.returncode == 1
    assert statuses(proc.stdout) == {"ok": "collected"}
    assert "refused, no student (1)" in proc.stdout and repr(f"{raw}/{NB}") in proc.stdout
    assert sorted(p.name for p in course.submitted.iterdir()) == ["ok"]


# --------------------------------------------------------------------------------------------
# zip: damaged archives, sizes, limits


def test_corrupt_crc_keeps_the_previous_submission_and_collects_the_others(course):
    course.previous("alice", "alice-before")
    course.previous("zed", "zed-before")
    before_alice = course.students({"zed"})
    z = course.zip([("alice/" + NB, nb("alice-new")), ("bob/" + NB, nb("bob")),
                    ("carol/" + NB, nb("carol"))])
    corrupt_data(z, "alice/" + NB)
    proc = course.run("collect", A, "--zip", str(z))
    assert proc.returncode == 1
    st = statuses(proc.stdout)
    assert st == {"alice": "kept-older", "bob": "collected", "carol": "collected"}
    text = block(proc.stdout, "alice")
    assert "CRC" in text and "download the zip again" in text and "previous submission stays" in text
    assert {k: v for k, v in course.students().items() if k.startswith("alice")} == {
        k: v for k, v in before_alice.items() if k.startswith("alice")}
    assert [p.name for p in (course.submitted / "alice").iterdir()] == [A]  # no staging left
    assert sub(course, "zed") == nb("zed-before")


@pytest.mark.parametrize("compress", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_an_entry_lying_about_its_size_fails_for_that_student_only(course, compress):
    course.previous("alice", "alice-before")
    before = course.students()
    z = course.zip([(entry("alice/" + NB, compress=compress), nb("x") + b" " * 5000),
                    ("bob/" + NB, nb("bob"))])
    patch_sizes(z, "alice/" + NB, 10)
    proc = course.run("collect", A, "--zip", str(z))
    assert proc.returncode == 1
    assert statuses(proc.stdout) == {"alice": "kept-older", "bob": "collected"}
    assert "not collected" in block(proc.stdout, "alice")
    assert {k: v for k, v in course.students().items() if k.startswith("alice")} == before


def test_a_bomb_is_refused_before_anything_is_written(course):
    course.previous("alice", "alice-before")
    before = course.students()
    entries = [(f"s{i}/{NB}", nb(str(i))) for i in range(11)]
    z = course.zip(entries)
    for name, _ in entries:
        patch_sizes(z, name, 49 << 20)
    proc = course.run("collect", A, "--zip", str(z))
    assert proc.returncode == 2
    assert "expands to 539 MB, more than the limit of 500 MB" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert course.students() == before


def test_one_file_over_the_limit_is_refused(course):
    z = course.zip([(entry("ada/big.bin", compress=zipfile.ZIP_DEFLATED), bytes(51 << 20)),
                    ("ada/" + NB, nb("ada"))])
    proc = course.run("collect", A, "--zip", str(z))
    assert proc.returncode == 1
    assert "larger than 50 MB" in block(proc.stdout, "ada")
    assert not (course.submitted / "ada" / A / "big.bin").exists()


def test_entry_limit_and_max_entries(course):
    path = course.zips / "many.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(30_000):
            zf.writestr(f"s{i}/{NB}", b"{}")
    proc = course.run("collect", A, "--zip", str(path))
    assert proc.returncode == 2
    assert "30000 entries, more than the limit of 20000" in proc.stderr
    assert "--max-entries" in proc.stderr
    assert not course.submitted.exists()
    small = course.zip([(f"s{i}/{NB}", nb(str(i))) for i in range(30)], "small.zip")
    proc = course.run("collect", A, "--zip", str(small), "--max-entries", "10")
    assert proc.returncode == 2 and not course.submitted.exists()
    proc = course.run("collect", A, "--zip", str(small), "--max-entries", "30")
    assert proc.returncode == 0 and len(statuses(proc.stdout)) == 30
    proc = course.run("collect", A, "--zip", str(small), "--max-entries", "0")
    assert proc.returncode == 2 and "must be at least 1" in proc.stderr


@pytest.mark.parametrize("content", [b"not a zip", None])
def test_an_unreadable_zip_is_one_line(course, content):
    path = course.zips / "bad.zip"
    if content is not None:
        path.write_bytes(content)
    proc = course.run("collect", A, "--zip", str(path))
    assert proc.returncode == 2
    assert proc.stderr.startswith("gdcourse collect: error: ")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_a_zip_with_only_litter_holds_no_submission(course):
    z = course.zip([("__MACOSX/ada/._x.ipynb", b""), ("ada/.DS_Store", b""),
                    ("ada/.ipynb_checkpoints/x.ipynb", b"{}"), ("ada/__pycache__/m.pyc", b"")])
    proc = course.run("collect", A, "--zip", str(z))
    assert proc.returncode == 2 and "holds no submission (4 entries ignored)" in proc.stderr


def test_deep_nesting_is_refused_before_parsing(course):
    course.previous("alice", "alice-before")
    before = course.students()
    z = course.zip([("alice/" + NB, nb("deep", depth=600)), ("bob/" + NB, nb("ok", depth=40))])
    proc = course.run("collect", A, "--zip", str(z))
    assert proc.returncode == 1
    assert statuses(proc.stdout) == {"alice": "kept-older", "bob": "collected"}
    assert "nests deeper than 100 levels" in block(proc.stdout, "alice")
    assert {k: v for k, v in course.students().items() if k.startswith("alice")} == before


def test_nesting_depth_counts_brackets_outside_strings_only():
    assert collect.nesting_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert collect.nesting_depth(b'"\\"[[[" [[]]') == 2
    assert collect.nesting_depth(b"[" * 100_000, limit=100) == 101


# --------------------------------------------------------------------------------------------
# zip: duplicates, time


@pytest.mark.parametrize("late_first", [True, False])
def test_canvas_late_resubmission_latest_by_lms_time_not_zip_order(course, late_first):
    late = (entry(f"lovelaceada_LATE_1234_777_{A}-1.ipynb", T2), nb("late"))
    first = (entry(f"lovelaceada_1234_555_{NB}", T1), nb("first"))
    data = (entry("lovelaceada_1234_556_data.csv", T1), b"x,y\n")
    z = course.zip([late, first, data] if late_first else [data, first, late])
    proc = course.run("collect", A, "--zip", str(z))
    assert proc.returncode == 0, proc.stdout
    assert statuses(proc.stdout) == {"1234": "collected"}
    assert sub(course, "1234", f"{A}-1.ipynb") == nb("late")
    assert sub(course, "1234", "data.csv") == b"x,y\n"  # the submission's other Canvas file
    assert not (course.submitted / "1234" / A / NB).exists()
    kept = list((course.superseded / A / "1234").iterdir())
    assert len(kept) == 1 and (kept[0] / NB).read_bytes() == nb("first")
    text = block(proc.stdout, "1234")
    assert "3 uploads: collected the latest" in text and "superseded:" in text
    assert "Canvas file 'lovelaceada_1234_556_data.csv' added" in text


def test_canvas_same_time_uses_the_file_id(course):
    z = course.zip([(entry(f"x_1234_900_{A}-1.ipynb", T1), nb("newer")),
                    (entry(f"x_1234_899_{NB}", T1), nb("older"))])
    proc = course.run("collect", A, "--zip", str(z))
    assert proc.returncode == 0 and sub(course, "1234", f"{A}-1.ipynb") == nb("newer")


def test_moodle_attempts_latest_wins_and_plugins_merge(course):
    z = course.zip([
        (entry(f"Ada Lovelace (2)_1234_assignsubmission_file_/{NB}", T2), nb("second")),
        (entry("Ada Lovelace (2)_1234_assignsubmission_onlinetext_/onlinetext.html", T2), b"<p>"),
        (entry(f"Ada Lovelace_1234_assignsubmission_file_/{NB}", T3), nb("third")),
        (entry(f"Ada Lovelace (1)_1234_assignsubmission_file_/{NB}", T1), nb("first")),
    ])
    proc = course.run("collect", A, "--zip", str(z), "--zip-timezone", "UTC")
    assert proc.returncode == 0
    assert sub(course, "1234") == nb("third")
    assert times(proc.stdout)["1234"] == "2025-03-01 12:00:00"
    kept = sorted(p.name for p in (course.superseded / A / "1234").iterdir())
    assert len(kept) == 2 and kept[0].startswith("20250301T100000Z")
    second = course.superseded / A / "1234" / kept[1]
    assert (second / "onlinetext.html").read_bytes() == b"<p>" and (second / NB).exists()
    assert "3 uploads" in block(proc.stdout, "1234")


def test_map_giving_two_lms_ids_to_one_student(course):
    ids = course.outer / "ids.csv"
    ids.write_text("lms_id,student_id\n1001,ada\n1002,ada\n1003,bob\n")
    z = course.zip([
        (entry(f"Ada One_1001_assignsubmission_file_/{NB}", T2), nb("from-1001")),
        (entry(f"Ada Two_1002_assignsubmission_file_/{NB}", T1), nb("from-1002")),
        (entry(f"Bob_1003_assignsubmission_file_/{NB}", T1), nb("bob")),
    ])
    proc = course.run("collect", A, "--zip", str(z), "--map", str(ids))
    assert proc.returncode == 0
    assert statuses(proc.stdout) == {"ada": "collected", "bob": "collected"}
    assert sub(course, "ada") == nb("from-1001")
    text = block(proc.stdout, "ada")
    assert "LMS id '1001' mapped to 'ada' by --map" in text
    assert "LMS id '1002' mapped to 'ada' by --map" in text and "superseded:" in text
    assert len(list((course.superseded / A / "ada").iterdir())) == 1


@pytest.mark.parametrize("rows,why", [
    ("lms_id,student_id\n1001,../x\n", "line 2: student id '../x' refused"),
    ("lms_id,student_id\n1001,a\n1001,b\n", "is mapped twice"),
    ("id,student\n1001,a\n", "needs the columns lms_id,student_id"),
    ("lms_id,student_id\n,a\n", "empty lms_id"),
])
def test_a_bad_map_is_refused_before_anything_is_written(course, rows, why):
    ids = course.outer / "ids.csv"
    ids.write_text(rows)
    z = course.zip([("1001/" + NB, nb("x"))])
    proc = course.run("collect", A, "--zip", str(z), "--map", str(ids))
    assert proc.returncode == 2 and why in proc.stderr and not course.submitted.exists()


@pytest.mark.parametrize("empty_is_later", [True, False])
def test_an_empty_upload_wins_only_when_it_is_later(course, empty_is_later):
    course.previous("ada", "ada-before")
    good_time, empty_time = (T1, T2) if empty_is_later else (T2, T1)
    z = course.zip([(entry("ada/", empty_time), b""),
                    (entry(f"ada__{NB}", good_time), nb("good"))])
    proc = course.run("collect", A, "--zip", str(z))
    assert proc.returncode == 0
    got = sorted(p.name for p in (course.submitted / "ada" / A).iterdir())
    kept = {p.name: sorted(q.name for q in p.iterdir())
            for p in (course.superseded / A / "ada").iterdir()}
    previous = [v for k, v in kept.items() if k.startswith("previous-")]
    assert previous == [[NB, "timestamp.txt"]]  # the collection it replaced
    if empty_is_later:
        assert got == ["timestamp.txt"]
        assert [NB, "timestamp.txt"] in [v for k, v in kept.items() if k.startswith("2025")]
    else:
        assert got == [NB, "timestamp.txt"] and sub(course, "ada") == nb("good")
        assert ["timestamp.txt"] in kept.values()


def test_student_timestamps_are_dropped_and_the_zip_time_written(course):
    utc = int(datetime(2025, 4, 2, 8, 30, tzinfo=UTC).timestamp())
    ut = struct.pack("<HHBi", 0x5455, 5, 1, utc)  # Info-ZIP's extended timestamp field
    with_ut = entry("carol/" + NB, T1)
    with_ut.extra = ut
    z = course.zip([
        ("ada/" + NB, nb("ada")), ("ada/timestamp.txt", b"garbage"),
        (entry("bob/" + NB, T2), nb("bob")), ("bob/timestamp.txt", b"1999-01-01 00:00:00 UTC"),
        (with_ut, nb("carol")),
        (entry("dave/" + NB, (1980, 0, 0, 0, 0, 0)), nb("dave")),
    ])
    proc = course.run("collect", A, "--zip", str(z), "--zip-timezone", "Europe/Paris")
    assert proc.returncode == 0, proc.stdout
    stamp = {s: course.submitted / s / A / "timestamp.txt" for s in ("ada", "bob", "carol", "dave")}
    assert stamp["ada"].read_text() == "2025-03-01 09:00:00.000000 UTC\n"  # 10:00 in Paris
    assert stamp["bob"].read_text() == "2025-03-01 10:00:00.000000 UTC\n"
    assert stamp["carol"].read_text() == "2025-04-02 08:30:00.000000 UTC\n"  # Info-ZIP UTC field
    assert not stamp["dave"].exists()
    assert "timestamp.txt was dropped" in block(proc.stdout, "ada")
    assert "no readable upload time" in block(proc.stdout, "dave")
    assert statuses(proc.stdout)["dave"] == "collected"


def test_unicode_and_spaced_folders_are_mapped_and_collisions_refused(course):
    z = course.zip([("Ada Lovelace/" + NB, nb("ada")), ("José/" + NB, nb("jose-accent")),
                    ("Jose/" + NB, nb("jose")), ("Zoë/" + NB, nb("zoe"))])
    proc = course.run("collect", A, "--zip", str(z))
    assert proc.returncode == 1
    st = statuses(proc.stdout)
    assert st == {"Ada_Lovelace": "collected", "Jose": "collected", "Zoe": "collected"}
    assert "name 'Ada Lovelace' mapped to 'Ada_Lovelace'" in block(proc.stdout, "Ada_Lovelace")
    assert "tell them apart with --map" in block(proc.stdout, "Jose")
    assert sub(course, "Jose") == nb("jose")


def test_recollecting_is_unchanged_then_a_newer_zip_replaces_and_keeps_the_old(course):
    z1 = course.zip([(entry("ada/" + NB, T1), nb("v1"))], "one.zip")
    assert statuses(course.run("collect", A, "--zip", str(z1)).stdout) == {"ada": "collected"}
    proc = course.run("collect", A, "--zip", str(z1))
    assert proc.returncode == 0 and statuses(proc.stdout) == {"ada": "unchanged"}
    z2 = course.zip([(entry("ada/" + NB, T2), nb("v2"))], "two.zip")
    proc = course.run("collect", A, "--zip", str(z2))
    assert statuses(proc.stdout) == {"ada": "collected"} and sub(course, "ada") == nb("v2")
    (old,) = (course.superseded / A / "ada").iterdir()
    assert old.name.startswith("previous-") and (old / NB).read_bytes() == nb("v1")


def test_an_interrupted_collect_is_recovered(course):
    course.previous("ada", "before")
    d = course.submitted / "ada"
    os.rename(d / A, d / f".previous-{A}-0123abcd")
    (d / f".incoming-{A}-deadbeef").mkdir()
    z = course.zip([("ada/" + NB, nb("broken"))])
    corrupt_data(z, "ada/" + NB)
    proc = course.run("collect", A, "--zip", str(z))
    assert statuses(proc.stdout) == {"ada": "kept-older"}
    assert sorted(p.name for p in d.iterdir()) == [A] and sub(course, "ada") == nb("before")


def test_a_student_folder_linked_out_of_the_course_is_refused(course):
    elsewhere = course.outer / "elsewhere"
    elsewhere.mkdir()
    course.submitted.mkdir(parents=True)
    os.symlink(elsewhere, course.submitted / "ada")
    z = course.zip([("ada/" + NB, nb("ada")), ("bob/" + NB, nb("bob"))])
    before = course.outside()
    proc = course.run("collect", A, "--zip", str(z))
    assert proc.returncode == 1
    assert statuses(proc.stdout) == {"ada": "refused", "bob": "collected"}
    assert "not inside" in block(proc.stdout, "ada")
    assert course.outside() == before and not any(elsewhere.iterdir())


def test_a_student_folder_linked_to_another_student_is_refused(course):
    course.previous("bob", "bob-before")
    os.symlink(course.submitted / "bob", course.submitted / "ada")
    before = course.students()
    z = course.zip([("ada/" + NB, nb("ada")), ("carol/" + NB, nb("carol"))])
    proc = course.run("collect", A, "--zip", str(z))
    assert proc.returncode == 1
    assert statuses(proc.stdout) == {"ada": "refused", "carol": "collected"}
    assert "is a symbolic link; remove it" in block(proc.stdout, "ada")
    assert {k: v for k, v in course.students().items() if not k.startswith("carol")} == before


def test_a_bad_zip_timezone_is_a_usage_error(course):
    z = course.zip([("ada/" + NB, nb("ada"))])
    proc = course.run("collect", A, "--zip", str(z), "--zip-timezone", "Mars/Olympus")
    assert proc.returncode == 2 and "unknown time zone" in proc.stderr
    assert not course.submitted.exists()


# --------------------------------------------------------------------------------------------
# the assignment argument


@pytest.mark.parametrize("assignment", ["..", ".", "../x", "/tmp", "a/b", "", "nope"])
def test_the_assignment_argument_is_checked_before_anything(course, assignment):
    course.previous("ada", "ada-a")
    course.previous("ada", "ada-b", assignment="other")
    course.previous("bob", "bob-a")
    before = course.students()
    z = course.zip([("ada/" + NB, nb("new"))])
    proc = course.run("collect", assignment, "--zip", str(z))
    assert proc.returncode == 2
    assert proc.stderr.startswith("gdcourse collect: error: ")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert course.students() == before and not course.superseded.exists()


# --------------------------------------------------------------------------------------------
# the exchange


def submit(c: Course, user: str, files: dict[str, bytes] | None = None, *, when: str | None = None,
           rnd: str = "AAAAAAAAAAAA", assignment: str = A) -> Path:
    stamp = when or datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    d = c.inbound / f"{user}+{assignment}+{stamp}+{rnd}"
    d.mkdir()
    for name, data in (files or {NB: nb(user)}).items():
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(data)
    (d / "timestamp.txt").write_text(stamp)
    (d / "submission_secret.txt").write_text("s3cret")
    return d


def ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def test_parse_inbound_splits_from_the_right():
    ts = "2025-01-01 10:00:00.000000 UTC"
    assert collect.parse_inbound(f"a+b+{A}+{ts}+XyZ", A) == ("a+b", ts, "XyZ")
    assert collect.parse_inbound(f"alice+{A}+{ts}", A) == ("alice", ts, "")
    assert collect.parse_inbound(f"alice+other+{ts}+XyZ", A) is None


def test_exchange_time_prefers_the_named_time_within_the_tolerance():
    now = datetime(2025, 1, 1, 12, tzinfo=UTC)
    named = "2025-01-01 11:55:00.000000 UTC"
    assert collect.exchange_time(named, now) == (now - timedelta(minutes=5), None)
    when, why = collect.exchange_time("2025-01-01 11:00:00.000000 UTC", now)
    assert when == now and "used the change time" in why
    when, why = collect.exchange_time("2099-01-01 00:00:00.000000 UTC", now)
    assert when == now and "folder name says 2099" in why


def test_exchange_never_follows_links_nor_copies_special_files(course):
    secret = course.outer / "secret.txt"
    secret.write_text("TOP SECRET")
    secret.chmod(0o600)
    os.symlink(course.root / "solutions" / A, course.inbound / f"alice+{A}+{ago(1)}+r1")
    os.symlink(course.outer / "missing", course.inbound / f"carol+{A}+{ago(1)}+r3")
    bob = submit(course, "bob")
    os.symlink(secret, bob / "data.txt")
    os.symlink(course.outer / "missing", bob / "broken.txt")
    os.mkfifo(bob / "pipe")
    (bob / "sub").mkdir()
    os.symlink(course.root, bob / "sub" / "course")
    with open(bob / "huge.bin", "wb") as fh:  # sparse: 51 MB on paper, nothing on disk
        fh.truncate(51 << 20)
    course.previous("zed", "zed-before")
    before_out, before_zed = course.outside(), course.students({"alice", "bob", "carol"})
    proc = course.run("collect", A)
    assert proc.returncode == 1
    assert course.outside() == before_out  # the exchange itself is untouched too
    assert course.students({"alice", "bob", "carol"}) == before_zed
    st = statuses(proc.stdout)
    assert st == {"alice": "refused", "bob": "collected", "carol": "refused"}
    assert "submission folder is a symbolic link" in block(proc.stdout, "alice")
    assert "never followed" in block(proc.stdout, "carol")
    text = block(proc.stdout, "bob")
    assert "'data.txt' is a symbolic link" in text and "'broken.txt' is a symbolic link" in text
    assert "'pipe' is a FIFO" in text and "'sub/course' is a symbolic link" in text
    assert "'huge.bin' is larger than 50 MB" in text
    got = sorted(p.relative_to(course.submitted / "bob" / A).as_posix()
                 for p in (course.submitted / "bob" / A).rglob("*"))
    assert got == [NB, "sub", "submission_secret.txt", "timestamp.txt"]
    for p in course.root.rglob("*"):
        if p.is_file() and not p.is_symlink():
            assert b"TOP SECRET" not in p.read_bytes(), p
    assert not (course.submitted / "alice").exists()


def test_exchange_odd_folders_are_reported_and_the_class_still_collected(course):
    garbage = submit(course, "carol", when="garbage time")
    submit(course, "d+e")
    submit(course, "frank", when="1999-01-01 00:00:00.000000 UTC")
    submit(course, "José")
    submit(course, "gina", assignment="other-assignment")
    (course.inbound / f"eve+{A}+{ago(1)}+r").write_bytes(b"a file, not a folder")
    (course.inbound / f"+{A}+{ago(1)}+r").mkdir()
    (course.inbound / f"=HYPERLINK(\"x\")+{A}+{ago(1)}+r").mkdir()
    (course.inbound / f"x+{A}").mkdir()
    proc = course.run("collect", A)
    assert proc.returncode == 1
    st = statuses(proc.stdout)
    assert st == {"carol": "collected", "d+e": "collected", "frank": "collected",
                  "Jose": "collected", "eve": "refused"}
    ctime = datetime.fromtimestamp(garbage.lstat().st_ctime, UTC)
    written = (course.submitted / "carol" / A / "timestamp.txt").read_text()
    assert written == ctime.strftime("%Y-%m-%d %H:%M:%S.%f UTC") + "\n"
    assert "'garbage time' in the folder name cannot be read" in block(proc.stdout, "carol")
    assert "folder name says 1999-01-01" in block(proc.stdout, "frank")
    assert not (course.submitted / "frank" / A / "timestamp.txt").read_text().startswith("1999")
    assert "mapped to 'Jose'" in block(proc.stdout, "Jose")
    assert "not a folder" in block(proc.stdout, "eve")
    assert "refused, no student (2)" in proc.stdout  # '' and '=HYPERLINK("x")'
    assert "student id '' refused: empty" in proc.stdout
    # another assignment's folder, or one without "+<assignment>+": not ours, not a problem
    assert "gina" not in proc.stdout and f"x+{A}'" not in proc.stdout
    # a previous collect with a garbage timestamp.txt never blocks the next one
    proc = course.run("collect", A)
    assert statuses(proc.stdout)["carol"] == "unchanged"


def test_exchange_duplicates_latest_by_time_and_backdating_loses(course):
    submit(course, "alice", {NB: nb("older")}, when=ago(8), rnd="zzzzzzzzzzzz")
    newer = ago(2)
    submit(course, "alice", {NB: nb("newer")}, when=newer, rnd="aaaaaaaaaaaa")
    submit(course, "bob", {NB: nb("honest")}, when=ago(5))
    submit(course, "bob", {NB: nb("backdated")}, when="2020-01-01 00:00:00.000000 UTC",
           rnd="BBBBBBBBBBBB")
    proc = course.run("collect", A)
    assert proc.returncode == 0, proc.stdout
    assert sub(course, "alice") == nb("newer")
    # within the tolerance of the folder's ctime, nbgrader's own time is kept
    assert sub(course, "alice", "timestamp.txt") == f"{newer}\n".encode()
    assert len(list((course.superseded / A / "alice").iterdir())) == 1
    # the backdated folder was created now: its ctime makes it the latest, not 2020
    assert sub(course, "bob") == nb("backdated")
    assert not times(proc.stdout)["bob"].startswith("2020")
    assert "2 uploads" in block(proc.stdout, "alice")
    again = course.run("collect", A)
    assert statuses(again.stdout) == {"alice": "unchanged", "bob": "unchanged"}
    assert "(kept before)" in again.stdout
    assert len(list((course.superseded / A / "alice").iterdir())) == 1


def _unused_uid() -> int:
    uid = 54321
    while True:
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
        uid += 1


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_exchange_owner_check_refuses_impersonation(course):
    nobody = pwd.getpwnam("nobody")
    frank = submit(course, "frank")
    os.chown(frank, nobody.pw_uid, -1)
    own = submit(course, "nobody")
    os.chown(own, nobody.pw_uid, -1)
    unknown = submit(course, "gina")
    uid = _unused_uid()
    os.chown(unknown, uid, -1)
    submit(course, "hana")  # owned by the user running collect: fine
    proc = course.run("collect", A)
    assert proc.returncode == 1
    st = statuses(proc.stdout)
    assert st == {"frank": "refused", "nobody": "collected", "gina": "collected",
                  "hana": "collected"}
    assert "owned by the user 'nobody'" in block(proc.stdout, "frank")
    assert f"owned by uid {uid}, unknown here" in block(proc.stdout, "gina")
    with open(course.root / "autograde" / "nbgrader_config_local.py", "a") as fh:
        fh.write("c.CollectApp.check_owner = False\n")
    proc = course.run("collect", A)
    assert statuses(proc.stdout)["frank"] == "collected"


def test_exchange_limits(course):
    for i in range(5):
        submit(course, f"s{i}")
    proc = course.run("collect", A, "--max-entries", "3")
    assert proc.returncode == 2 and "5 submissions" in proc.stderr
    assert not course.submitted.exists()
    many = {f"f{i}.txt": b"x" for i in range(40)}
    submit(course, "big", {NB: nb("big"), **many})
    proc = course.run("collect", A, "--max-entries", "30")
    assert proc.returncode == 1
    assert statuses(proc.stdout)["big"] == "refused"
    assert "more than 30 entries" in block(proc.stdout, "big")
    assert not (course.submitted / "big").exists() or not any((course.submitted / "big").iterdir())


def test_exchange_names_go_through_the_map(course):
    ids = course.outer / "ids.csv"
    ids.write_text("lms_id,student_id\nJosé,jgarcia\n")
    submit(course, "José")
    proc = course.run("collect", A, "--map", str(ids))
    assert proc.returncode == 0 and statuses(proc.stdout) == {"jgarcia": "collected"}
    assert "mapped to 'jgarcia' by --map" in proc.stdout


def test_exchange_without_inbound_is_one_line(course):
    os.rmdir(course.inbound)
    proc = course.run("collect", A)
    assert proc.returncode == 2 and "inbound folder" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_exchange_empty_is_fine(course):
    proc = course.run("collect", A)
    assert proc.returncode == 0 and "0 students" in proc.stdout


# --------------------------------------------------------------------------------------------
# through grading (these two run `gdcourse grade`)


def test_graded_after_a_zip_with_student_written_timestamps(course):
    good = json.dumps(correct()).encode()
    z = course.zip([
        (entry("ada/" + NB, T1), good), ("ada/timestamp.txt", b"garbage"),
        (entry("bob/" + NB, T2), good), ("bob/timestamp.txt", b"1999-01-01 00:00:00 UTC"),
    ])
    assert course.run("collect", A, "--zip", str(z), "--zip-timezone", "UTC").returncode == 0
    proc = course.run("grade", A)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = export(course.root)
    for s in ("ada", "bob"):
        assert rows[s]["status"] == "ok" and float(rows[s]["score"]) == 8.0, rows[s]
    from nbgrader.api import Gradebook

    from gdcourse.commands.config import load_course

    c = load_course(course.root)
    with Gradebook(c.db_url, c.course_id) as gb:
        assert gb.find_submission(A, "ada").timestamp == datetime(*T1)
        assert gb.find_submission(A, "bob").timestamp == datetime(*T2)


def test_graded_after_an_exchange_collect(course):
    good = json.dumps(correct()).encode()
    submit(course, "alice", {NB: good})
    os.symlink(course.root / "solutions" / A, course.inbound / f"mallory+{A}+{ago(1)}+r")
    proc = course.run("collect", A)
    assert statuses(proc.stdout) == {"alice": "collected", "mallory": "refused"}
    proc = course.run("grade", A)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = export(course.root)
    assert rows["alice"]["status"] == "ok" and float(rows["alice"]["score"]) == 8.0
    assert "mallory" not in rows
