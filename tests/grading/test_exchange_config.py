"""The exchange on a shared server, without a hub: where the course config puts the exchange, and
who can read a submission or a released feedback page.

* Finding 1 of the hub issue: with ``Exchange.root`` configured system-wide (``/etc/jupyter``, the
  environment's ``etc/jupyter``, ``~/.jupyter``), ``autograde/nbgrader_config.py`` keeps it —
  for ``gdcourse`` and for plain nbgrader, which loads the course file last — and only falls back
  to ``<course>/autograde/exchange`` when nothing configures one; ``GDCOURSE_EXCHANGE`` still wins.
* Finding 4: the hub's exchange plugins (``hub/gdcourse_hub``) make a submission ``0770``/``0640``
  with the group of ``inbound/`` (never readable by others, even while it is copied) and a
  released feedback page readable by its learner alone (a POSIX ACL). The read checks run
  probes as other uids, so they need root (as CI is).
"""

from __future__ import annotations

import json
import os
import pwd
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import jupyter_core.paths
import pytest
from traitlets.config import Config

from gdcourse.commands.config import load_course

from .course_builder import ASSIGNMENT, REPO, make_course

sys.path.insert(0, str(REPO / "hub"))
from gdcourse_hub import exchange as plugin  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.grading]

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="read probes as other uids need root")
NOBODY = pwd.getpwnam("nobody").pw_uid
OTHER = pwd.getpwnam("daemon").pw_uid


def system_config(folder: Path, root: str, kind: str = "py") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "py":
        path = folder / "nbgrader_config.py"
        path.write_text(f"c = get_config()\nc.Exchange.root = {root!r}\n")
    else:
        path = folder / "nbgrader_config.json"
        path.write_text(json.dumps({"Exchange": {"root": root}}))
    return path


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Jupyter's config path for the test, highest priority first (initially empty folders)."""
    folders = [str(tmp_path / name) for name in ("user", "env", "system")]
    monkeypatch.setattr(jupyter_core.paths, "jupyter_config_path", lambda: list(folders))
    monkeypatch.delenv("GDCOURSE_EXCHANGE", raising=False)
    return folders


def test_a_system_wide_exchange_root_is_kept(tmp_path: Path, config_path: list[str]) -> None:
    system_config(Path(config_path[2]), "/srv/nbgrader/exchange")
    course = load_course(make_course(tmp_path / "course"))
    assert course.config.Exchange.root == "/srv/nbgrader/exchange"
    assert not (course.autograde / "exchange").exists()


def test_a_json_config_counts_and_the_highest_priority_folder_wins(
        tmp_path: Path, config_path: list[str]) -> None:
    system_config(Path(config_path[2]), "/srv/system")
    system_config(Path(config_path[1]), "/srv/env", kind="json")
    course = load_course(make_course(tmp_path / "course"))
    assert course.config.Exchange.root == "/srv/env"
    system_config(Path(config_path[0]), "/home/me/exchange")
    assert load_course(course.root).config.Exchange.root == "/home/me/exchange"


def test_gdcourse_exchange_still_wins(tmp_path: Path, config_path: list[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    system_config(Path(config_path[2]), "/srv/nbgrader/exchange")
    monkeypatch.setenv("GDCOURSE_EXCHANGE", str(tmp_path / "mine"))
    assert load_course(make_course(tmp_path / "course")).config.Exchange.root == str(tmp_path / "mine")


def test_without_any_the_course_local_exchange_is_used_and_made(
        tmp_path: Path, config_path: list[str]) -> None:
    # another course's copy of the same config on the path is not "an exchange configured
    # elsewhere" (and must not send the scan round in circles)
    other = make_course(tmp_path / "other")
    Path(config_path[0]).mkdir()
    (Path(config_path[0]) / "nbgrader_config.py").write_text(
        (other / "autograde" / "nbgrader_config.py").read_text())
    course = load_course(make_course(tmp_path / "course"))
    assert course.config.Exchange.root == str(course.autograde / "exchange")
    assert (course.autograde / "exchange").is_dir()


def test_plain_nbgrader_and_gdcourse_release_into_the_system_exchange(tmp_path: Path) -> None:
    """The finding as it was seen: ``gdcourse release --exchange`` runs plain nbgrader from
    ``autograde/``, which loads the system-wide file first and the course file last."""
    system = tmp_path / "etc-jupyter"
    shared = tmp_path / "shared-exchange"
    shared.mkdir()
    shared.chmod(0o1777)
    system_config(system, str(shared))
    course = make_course(tmp_path / "course")
    env = {k: v for k, v in os.environ.items() if k != "GDCOURSE_EXCHANGE"}
    env.update(JUPYTER_CONFIG_PATH=str(system), JUPYTER_CONFIG_DIR=str(tmp_path / "no-user"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    proc = subprocess.run([sys.executable, "-m", "gdcourse.commands.cli", "--course-dir",
                           str(course), "release", ASSIGNMENT, "--exchange"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (shared / "gdcourse" / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    assert not (course / "autograde" / "exchange" / "gdcourse").exists()


# -- privacy: the hub's exchange plugins ----------------------------------------------------------

@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder other uids can traverse (pytest's tmp_path is under a 0700 folder)."""
    base = Path(tempfile.mkdtemp(prefix="gdxchg-", dir="/var/tmp"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        import shutil

        shutil.rmtree(base, ignore_errors=True)


def can_read(uid: int, path: Path, groups: tuple[int, ...] = ()) -> bool:
    code = ("import os, sys; p = sys.argv[1]\n"
            "try:\n    os.listdir(p) if os.path.isdir(p) else open(p, 'rb').read(1)\n"
            "except PermissionError:\n    sys.exit(3)\n")
    proc = subprocess.run(["/usr/bin/python3", "-c", code, str(path)], user=uid, group=65534,
                          extra_groups=list(groups), cwd="/", capture_output=True, text=True)
    assert proc.returncode in (0, 3), proc.stderr
    return proc.returncode == 0


def exchange_config(root: Path, **extra: object) -> Config:
    cfg = Config()
    cfg.Exchange.root = str(root)
    cfg.Exchange.path_includes_course = False
    cfg.CourseDirectory.course_id = "course101"
    cfg.CourseDirectory.assignment_id = "ps1"
    for key, value in extra.items():
        section, name = key.split("__")
        cfg[section][name] = value
    return cfg


def submit(base: Path, group: int) -> tuple[Path, list[int]]:
    """A learner's submission through :class:`PrivateSubmit`; returns the folder and the modes
    its folder had whenever a file was copied into it."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory

    exchange = base / "exchange"
    outbound = exchange / "course101" / "outbound" / "ps1"
    outbound.mkdir(parents=True)
    inbound = exchange / "course101" / "inbound"
    inbound.mkdir()
    os.chown(inbound, -1, group)
    inbound.chmod(0o2733)                  # nbgrader's inbound: setgid, writable, not listable
    (outbound / "ps1.ipynb").write_text("{}")
    work = base / "home" / "ps1"
    (work / "data").mkdir(parents=True)
    (work / "ps1.ipynb").write_text('{"answer": 42}')
    (work / "data" / "table.csv").write_text("x\n1\n")
    cfg = exchange_config(exchange, Exchange__assignment_dir=str(base / "home"),
                          Exchange__cache=str(base / "cache"))
    coursedir = CourseDirectory(config=cfg)
    sub = plugin.PrivateSubmit(coursedir=coursedir, authenticator=Authenticator(config=cfg),
                               config=cfg)
    seen: list[int] = []
    copy = sub.do_copy

    def watching_copy(src: str, dest: str, log: object = None) -> None:
        parent = Path(dest).parent
        if parent.parent == inbound:
            seen.append(stat.S_IMODE(parent.stat().st_mode) & 0o777)
        copy(src, dest)

    sub.do_copy = watching_copy  # type: ignore[method-assign]
    sub.start()
    (folder,) = list(inbound.iterdir())
    return folder, seen


@ROOT_ONLY
def test_a_submission_is_its_learners_and_the_instructors_groups_only(shared_dir: Path) -> None:
    group = 4242
    folder, seen = submit(shared_dir, group)
    assert seen == [0o700], f"the submission was open to others while copied: {seen}"
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert {p.name for p in files} == {"ps1.ipynb", "table.csv", "timestamp.txt",
                                        "submission_secret.txt"}
    for path in [folder, *folder.rglob("*")]:
        assert path.stat().st_gid == group, path
        want = 0o770 if path.is_dir() else 0o640
        assert stat.S_IMODE(path.stat().st_mode) & 0o777 == want, (path, oct(path.stat().st_mode))
    notebook = folder / "ps1.ipynb"
    assert json.loads(notebook.read_text()) == {"answer": 42}
    # another learner knowing the path reads nothing; a member of the instructors' group does
    assert not can_read(OTHER, notebook) and not can_read(OTHER, folder)
    assert can_read(OTHER, notebook, groups=(group,))
    # the learner's own cache is nbgrader's, secret included (fetch_feedback needs it)
    (cached,) = list((shared_dir / "cache" / "course101").iterdir())
    assert (cached / "submission_secret.txt").read_text() == (
        folder / "submission_secret.txt").read_text()


def release_feedback(base: Path, student: str) -> tuple[Path, list[str]]:
    """Release one feedback page with :class:`PrivateReleaseFeedback`; the page and the log."""
    import logging

    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import notebook_hash

    course = base / "course"
    page_dir = course / "feedback" / student / "ps1"
    page_dir.mkdir(parents=True)
    (page_dir / "ps1.html").write_text("<p>Score: 13.0 / 16.0</p>")
    (page_dir / "timestamp.txt").write_text("2026-01-01 10:00:00.000000 UTC")
    (page_dir / "submission_secret.txt").write_text("s3cret")
    exchange = base / "exchange"
    (exchange / "course101" / "feedback").mkdir(parents=True)
    cfg = exchange_config(exchange, CourseDirectory__root=str(course))
    messages: list[str] = []
    rel = plugin.PrivateReleaseFeedback(coursedir=CourseDirectory(config=cfg),
                                        authenticator=Authenticator(config=cfg), config=cfg)
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())  # type: ignore[method-assign]
    rel.log.addHandler(handler)
    try:
        rel.start()
    finally:
        rel.log.removeHandler(handler)
    name = notebook_hash(secret="s3cret", notebook_id="ps1")
    return exchange / "course101" / "feedback" / f"{name}.html", messages


@ROOT_ONLY
def test_a_released_feedback_page_is_readable_by_its_learner_alone(shared_dir: Path) -> None:
    page, _log = release_feedback(shared_dir, "nobody")
    assert page.read_text() == "<p>Score: 13.0 / 16.0</p>"
    assert stat.S_IMODE(page.stat().st_mode) == 0o640
    assert plugin.acl_readers(str(page)) == [NOBODY]
    assert can_read(NOBODY, page)
    assert not can_read(OTHER, page)
    assert not list(page.parent.glob("*-tmp.html"))


def test_feedback_for_a_student_without_an_account_falls_back_to_nbgraders_mode(
        shared_dir: Path) -> None:
    page, log = release_feedback(shared_dir, "lms-4711")
    assert stat.S_IMODE(page.stat().st_mode) == 0o644
    assert any("readable by anyone who knows its name" in m for m in log), log


def test_the_acl_encoding_round_trips() -> None:
    data = plugin.acl_for_reader(1234)
    assert len(data) == 4 + 5 * 8 and data[:4] == (2).to_bytes(4, "little")
