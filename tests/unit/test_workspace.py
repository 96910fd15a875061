"""The learner's own copies (``gdcourse workspace`` and ``gdcourse restore``): fast, no kernels."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gdcourse.commands import cli
from gdcourse.commands import workspace as ws

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ("01-derivatives", "02-gd-1d")


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A small course/: two released notebooks and a data file beside one."""
    out = tmp_path / "course"
    for a in NOTEBOOKS:
        (out / a).mkdir(parents=True)
        shutil.copy(ROOT / "course" / a / f"{a}.ipynb", out / a / f"{a}.ipynb")
    (out / "02-gd-1d" / "points.csv").write_text("x\n1\n")
    (out / "02-gd-1d" / ".ipynb_checkpoints").mkdir()
    (out / "02-gd-1d" / ".ipynb_checkpoints" / "junk.ipynb").write_text("{}")
    return out


def run(course: Path, workspace: Path, *args: str) -> int:
    return cli.main([*args, "--course", str(course), "--workspace", str(workspace)])


def test_first_use_copies_everything(course: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    report = ws.sync(course, workspace)
    for a in NOTEBOOKS:
        assert (workspace / a / f"{a}.ipynb").read_bytes() == (course / a / f"{a}.ipynb").read_bytes()
    assert (workspace / "02-gd-1d" / "points.csv").read_text() == "x\n1\n"
    assert not (workspace / "02-gd-1d" / ".ipynb_checkpoints").exists()
    assert len(report.copied) == 3 and not report.kept
    assert not list(workspace.rglob("*.part")), "no temporary file may stay behind"


def test_second_run_keeps_the_learners_edit(course: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    ws.sync(course, workspace)
    mine = workspace / "02-gd-1d" / "02-gd-1d.ipynb"
    mine.write_text('{"my": "work"}')
    before = (course / "02-gd-1d" / "02-gd-1d.ipynb").read_bytes()
    report = ws.sync(course, workspace)
    assert mine.read_text() == '{"my": "work"}'
    assert mine in report.kept and not report.copied
    assert (course / "02-gd-1d" / "02-gd-1d.ipynb").read_bytes() == before, "course/ stays pristine"


def test_a_new_course_notebook_is_copied_in(course: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    ws.sync(course, workspace)
    (workspace / "02-gd-1d" / "02-gd-1d.ipynb").write_text('{"my": "work"}')
    (course / "03-gd-nd").mkdir()
    shutil.copy(ROOT / "course" / "03-gd-nd" / "03-gd-nd.ipynb", course / "03-gd-nd")
    report = ws.sync(course, workspace)
    assert report.copied == [workspace / "03-gd-nd" / "03-gd-nd.ipynb"]
    assert (workspace / "02-gd-1d" / "02-gd-1d.ipynb").read_text() == '{"my": "work"}'


def test_workspace_command_and_env_var(course: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    workspace = tmp_path / "elsewhere"
    monkeypatch.setenv(ws.WORKSPACE_ENV, str(workspace))
    assert cli.main(["workspace", "--course", str(course)]) == 0
    assert (workspace / "02-gd-1d" / "02-gd-1d.ipynb").is_file()
    assert "copied 2 new notebook(s)" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["02", "2", "02-gd-1d", "workspace/02-gd-1d/02-gd-1d.ipynb",
                                  "course/02-gd-1d/", "02-gd-1d.old-3.ipynb"])
def test_names_a_learner_may_use(course: Path, name: str) -> None:
    assert ws.resolve(name, course) == "02-gd-1d"


def test_restore_keeps_the_old_copy_and_never_overwrites_a_kept_one(course: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    ws.sync(course, workspace)
    mine = workspace / "02-gd-1d" / "02-gd-1d.ipynb"
    released = (course / "02-gd-1d" / "02-gd-1d.ipynb").read_bytes()
    mine.write_text('{"attempt": 1}')
    assert run(course, workspace, "restore", "02") == 0
    assert mine.read_bytes() == released
    first = workspace / "02-gd-1d" / "02-gd-1d.old-1.ipynb"
    assert first.read_text() == '{"attempt": 1}'

    mine.write_text('{"attempt": 2}')
    assert run(course, workspace, "restore", str(mine)) == 0
    assert first.read_text() == '{"attempt": 1}', "an earlier kept copy is never overwritten"
    assert (workspace / "02-gd-1d" / "02-gd-1d.old-2.ipynb").read_text() == '{"attempt": 2}'
    assert mine.read_bytes() == released


def test_restore_of_a_missing_copy_just_copies(course: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    target, kept = ws.restore("01-derivatives", course, workspace)
    assert kept is None and target.read_bytes() == (course / "01-derivatives" / "01-derivatives.ipynb").read_bytes()


@pytest.mark.parametrize("command", ["restore", "progress"])
def test_a_bad_name_exits_2_with_the_valid_names(course: Path, tmp_path: Path, capsys, command: str) -> None:
    workspace = tmp_path / "workspace"
    ws.sync(course, workspace)
    mine = workspace / "02-gd-1d" / "02-gd-1d.ipynb"
    mine.write_text('{"my": "work"}')
    assert run(course, workspace, command, "99") == 2
    err = capsys.readouterr().err
    assert "no notebook '99'" in err and "01-derivatives, 02-gd-1d" in err
    assert mine.read_text() == '{"my": "work"}', "nothing is lost"
    assert sorted(p.name for p in (workspace / "02-gd-1d").iterdir()) == ["02-gd-1d.ipynb", "points.csv"]
