"""The one validation of outside names (gdcourse.commands.names): each rule its docstrings state."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdcourse.commands.names import (
    RefusedName,
    assignment_id,
    csv_safe,
    format_submission_time,
    inside,
    map_student_id,
    parse_submission_time,
    relative_file,
    shown,
    student_id,
)

HOSTILE_IDS = [
    "../../x", "../../../../evil-student", "/abs", "/etc/passwd", "alice/../bob", "alice/bob",
    "a\\b", "", ".", "..", "*", "a*", '=HYPERLINK("x")', "-2-3", "@SUM(A1:A9)", "+1", "_x",
    "a" * 65, "a" * 300, "a\x00b", "a b", "a\tb", "a\nb", "a\rb", "a\x1bb", "\u202eevil", "José",
    "李", "ａ",
]


@pytest.mark.parametrize("raw", HOSTILE_IDS)
def test_student_id_refuses_hostile_ids_with_one_line(raw):
    with pytest.raises(RefusedName) as info:
        student_id(raw)
    msg = str(info.value)
    assert "\n" not in msg and "\r" not in msg and "\x00" not in msg and "\x1b" not in msg
    assert msg.startswith("student id ") and "refused: " in msg
    assert len(msg) < 200  # the value is shortened
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("raw", ["alice", "a", "A1", "1001", "ada.lovelace", "ada_l", "ada-l",
                                 "ada@uni.edu", "a+b", "0x", "a" * 64, "a..b"])
def test_student_id_accepts_the_documented_pattern(raw):
    assert student_id(raw) == raw


def test_student_id_refusal_names_the_offending_character():
    with pytest.raises(RefusedName, match=r"character '/' not allowed"):
        student_id("alice/../bob")
    with pytest.raises(RefusedName, match="must start with an ASCII letter or digit"):
        student_id("=HYPERLINK(\"x\")")
    with pytest.raises(RefusedName, match="longer than 64 characters"):
        student_id("a" * 65)
    with pytest.raises(RefusedName, match="empty"):
        student_id("")
    with pytest.raises(RefusedName, match="not a string"):
        student_id(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["..", ".", "a/b", "/abs/path", "", "-x", "a+b", "a b", "a" * 65,
                                 "a\x00", "02-gd-1d/../x"])
def test_assignment_id_refuses(raw):
    with pytest.raises(RefusedName, match="^assignment "):
        assignment_id(raw)


@pytest.mark.parametrize("raw", ["00-fixture", "02-gd-1d", "a.b_c-d", "A" * 64])
def test_assignment_id_accepts(raw):
    assert assignment_id(raw) == raw


@pytest.mark.parametrize("raw,sid", [
    ("José", "Jose"), ("Ada Lovelace", "Ada_Lovelace"), ("  Ada   Lovelace ", "Ada_Lovelace"),
    ("Zoë Ångström", "Zoe_Angstrom"), ("Straße", "Strasse"), ("Søren Łukasz", "Soren_Lukasz"),
    ("Ada\u00a0Lovelace", "Ada_Lovelace"), ("ｆｕｌｌ", "full"), ("Œdipe", "OEdipe"),
])
def test_map_student_id_folds_unicode_and_spaces_and_says_so(raw, sid):
    got, note = map_student_id(raw)
    assert got == sid
    assert note is not None and repr(raw) in note and repr(sid) in note


def test_map_student_id_leaves_valid_ids_alone():
    assert map_student_id("alice") == ("alice", None)
    assert map_student_id("a+b") == ("a+b", None)


@pytest.mark.parametrize("raw", ["李雷", "../x", "", "   ", "a\tb", "=HYPERLINK(\"x\")",
                                 "＝HYPERLINK(1)", "-2-3", "@SUM(A1:A9)", "x" * 300, "a/b",
                                 "O'Brien", "a\x00"])
def test_map_student_id_refuses_what_folding_cannot_fix(raw):
    with pytest.raises(RefusedName) as info:
        map_student_id(raw)
    assert "\n" not in str(info.value)


def test_map_student_id_asks_for_a_map_when_no_ascii_spelling():
    with pytest.raises(RefusedName, match="no ASCII spelling.*--map"):
        map_student_id("李雷")


@pytest.mark.parametrize("raw", ["02-gd-1d (1).ipynb", "00-fixture.ipynb", "data/x.csv",
                                 "Résumé – copie.ipynb", "a/b/c/d/e/f/g/h", "x" * 255,
                                 "日本語.ipynb", " spaced .txt"])
def test_relative_file_accepts(raw):
    assert relative_file(raw) == raw


@pytest.mark.parametrize("raw,rule", [
    ("", "empty"), ("/etc/passwd", "absolute path"), ("a//b", "empty path component"),
    ("a/", "empty path component"), ("../x", "'..' path component"),
    ("a/../../x", "'..' path component"), ("./x", "'.' path component"),
    ("a\\..\\x", "backslash"), ("a\x00b", "control character"), ("a\nb", "control character"),
    ("a\u2028b", "control character"), ("x" * 256, "longer than 255 bytes"),
    ("é" * 128, "longer than 255 bytes"), ("a/b/c/d/e/f/g/h/i", "deeper than 8"),
    ("/".join(["x" * 200] * 6), "longer than 1024 bytes"), ("bad\udcff.txt", "not valid UTF-8"),
])
def test_relative_file_refuses(raw, rule):
    with pytest.raises(RefusedName, match=rule):
        relative_file(raw)


def test_relative_file_depth_can_be_raised():
    assert relative_file("a/b/c/d/e/f/g/h/i", max_depth=9)


def test_inside_keeps_paths_in_the_root(tmp_path):
    root = tmp_path / "course"
    (root / "sub").mkdir(parents=True)
    assert inside(root, "sub", "x") == (root / "sub" / "x").resolve()
    for parts in [("..", "x"), ("/etc/passwd",), ("sub", "..", "..", "x"), (".",), ()]:
        with pytest.raises(RefusedName):
            inside(root, *parts)


def test_inside_follows_existing_symlinks_before_checking(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", root / "link")
    with pytest.raises(RefusedName, match="not inside"):
        inside(root, "link", "x")
    os.symlink(root / "real", root / "internal")
    assert inside(root, "internal", "x") == (root / "real" / "x").resolve()


@given(st.text(max_size=80))
def test_accepted_names_are_always_one_safe_component(raw):
    for check in (student_id, assignment_id):
        try:
            name = check(raw)
        except RefusedName as exc:
            assert "\n" not in str(exc)
            continue
        assert name not in ("", ".", "..") and "/" not in name and "\\" not in name
        assert not name.startswith(("=", "+", "-", "@"))
        assert inside(Path("/srv/course"), name) == Path("/srv/course") / name


@pytest.mark.parametrize("text,expected", [
    ("2024-05-01 12:00:00.123456 UTC", datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)),
    ("2024-05-01 12:00:00 UTC", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ("2024-05-01 12:00:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ("2024-05-01T14:00:00+02:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ("2024-05-01 14:00:00.5 +0200", datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)),
    (" 2024-05-01 12:00:00 UTC\n", datetime(2024, 5, 1, 12, tzinfo=UTC)),
])
def test_parse_submission_time_reads_nbgrader_and_iso(text, expected):
    got = parse_submission_time(text)
    assert got == expected and got.tzinfo is UTC


@pytest.mark.parametrize("text", ["", "garbage", "5", "yesterday", "2024-13-45 12:00:00",
                                  "2024-05-01", "2024-05-01 12:00:00 " + "x" * 80,
                                  "2024-02-30 10:00:00 UTC", None, 12])
def test_parse_submission_time_never_raises(text):
    assert parse_submission_time(text) is None  # type: ignore[arg-type]


def test_format_submission_time_is_nbgrader_format_and_round_trips():
    when = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert format_submission_time(when) == "2024-05-01 12:00:00.123456 UTC"
    assert parse_submission_time(format_submission_time(when)) == when


@pytest.mark.parametrize("value,expected", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("-2-3", "'-2-3"), ("+1", "'+1"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("alice", "alice"),
    ("", ""), ("a=b", "a=b"), (" =1", " =1"),
])
def test_csv_safe_neutralises_formula_starts(value, expected):
    assert csv_safe(value) == expected


@pytest.mark.parametrize("value", [-2.5, 0, 3, 8.0, None, True])
def test_csv_safe_leaves_numbers_alone(value):
    assert csv_safe(value) is value


def test_shown_escapes_and_shortens():
    assert shown("a\nb\x1b[2J") == repr("a\nb\x1b[2J")
    long = shown("x" * 300)
    assert len(long) < 130 and "300 chars" in long
