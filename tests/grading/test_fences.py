"""The fences around a batch: memory per sandbox (not per process), and stopping the command stops
everything it started, with a rerun picking up where it stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gdcourse.trusted import launcher
from gdcourse.trusted.fence import CgroupBatch

from .course_builder import (
    ASSIGNMENT,
    AUTO,
    correct,
    export,
    gdcourse,
    make_course,
    submit,
    with_answers,
)

pytestmark = [pytest.mark.slow, pytest.mark.grading]


def _cgroups_available() -> str | None:
    batch, why = CgroupBatch.create(f"{os.getpid()}-probe")
    if batch is None:
        return why
    batch.close()
    return None


NO_CGROUPS = _cgroups_available()
FORK_BOMB = (
    "import os, time\nimport numpy as np\n"
    "kids = []\n"
    "for _ in range(8):\n"
    "    pid = os.fork()\n"
    "    if pid == 0:\n"
    "        a = np.ones(2 * 1024 ** 3 // 8)  # 2 GB, every page touched\n"
    "        time.sleep(20)\n"
    "        os._exit(0)\n"
    "    kids.append(pid)\n"
    "for pid in kids:\n"
    "    os.waitpid(pid, 0)\n"
)


@pytest.mark.skipif(NO_CGROUPS is not None, reason=f"no per-sandbox memory limit here: {NO_CGROUPS}")
@pytest.mark.skipif(launcher.probe("auto").mode == "none", reason="needs the bubblewrap sandbox")
def test_eight_processes_of_two_gigabytes_are_stopped_by_the_sandbox_limit(tmp_path):
    # each process may address 3 GB (rlimit), the sandbox as a whole holds 3 GB (cgroup)
    root = make_course(tmp_path / "c", cell_timeout=30, timeout=120,
                       extra="c.GdGrade.memory_mb = 3072\n")
    submit(root, "a-honest", correct())
    submit(root, "b-bomb", with_answers(correct(), ex2=FORK_BOMB))
    submit(root, "c-honest", correct())
    t0 = time.monotonic()
    proc = gdcourse(root, "grade", ASSIGNMENT, "--workers", "1")
    assert time.monotonic() - t0 < 90
    rows = export(root)
    assert "cgroup" in rows["a-honest"]["sandbox"], rows["a-honest"]["sandbox"]
    bomb = rows["b-bomb"]
    assert bomb["status"] == "crashed", bomb
    assert "memory limit of the sandbox" in bomb["reason"], bomb["reason"]
    assert bomb["ex2-tests"] == 0.0
    for who in ("a-honest", "c-honest"):
        assert [rows[who][g] for g in AUTO] == [2.0, 3.0, 3.0]
    assert proc.returncode == 1


def _processes_mentioning(marker: str) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmd:
            found.append(f"{pid}: {cmd[:120]}")
    return found


SLOW = "import time\ntime.sleep(3)\n"


def test_sigterm_stops_everything_and_a_rerun_resumes(tmp_path):
    root = make_course(tmp_path / "c", cell_timeout=10, timeout=60)
    names = [f"s{i}" for i in range(10)]
    for s in names:
        submit(root, s, with_answers(correct(), ex1=SLOW + "def step(x, lr, df):\n    return x - lr * df(x)\n"))
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    exe = os.path.join(os.path.dirname(sys.executable), "gdcourse")
    proc = subprocess.Popen([exe, "--course-dir", str(root), "grade", ASSIGNMENT, "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    results = root / "autograde" / "results" / ASSIGNMENT
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(results.glob("s*.json")):
        time.sleep(0.05)
    assert list(results.glob("s*.json")), "nothing was graded in time"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM, (proc.returncode, out, err)
    assert "interrupted" in err and "Traceback" not in err, err
    time.sleep(1.0)
    assert _processes_mentioning(str(root)) == []  # no judge, zygote or kernel outlives the command
    done = {p.stem: p.stat().st_mtime_ns for p in results.glob("s*.json")}
    assert 1 <= len(done) < len(names), done

    again = gdcourse(root, "grade", ASSIGNMENT, "--workers", "2")
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{len(done)} submission(s) already graded" in again.stderr, again.stderr
    for s, mtime in done.items():  # not graded twice
        assert (results / f"{s}.json").stat().st_mtime_ns == mtime, s
    rows = export(root)
    assert all([rows[s][g] for g in AUTO] == [2.0, 3.0, 3.0] for s in names), rows
    assert not (results / ".interrupted-run.json").exists()
    # a completed run regrades everything next time (idempotent), no resume message
    third = gdcourse(root, "grade", ASSIGNMENT, "--workers", "2")
    assert third.returncode == 0 and "resuming" not in third.stderr
    assert json.loads((results / "s0.json").read_text())["status"] == "ok"


SIGNAL_AFTER_SAVE = """
import os, signal, sys
from gdcourse.commands import cli, results
real_save = results.save
def save(course, record):  # the signal lands between the result on disk and its journal entry
    real_save(course, record)
    os.kill(os.getpid(), signal.SIGTERM)
results.save = save
sys.exit(cli.main(sys.argv[1:]))
"""


def test_a_signal_while_a_result_is_written_waits_for_its_journal_entry(tmp_path):
    # the CI flake of stop 21: a result saved, SIGTERM before the journal said so, a rerun regraded it
    root = make_course(tmp_path / "c", cell_timeout=10, timeout=60)
    for s in ("s0", "s1", "s2"):
        submit(root, s, correct())
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run([sys.executable, "-c", SIGNAL_AFTER_SAVE, "--course-dir", str(root), "grade",
                           ASSIGNMENT, "--workers", "1"], capture_output=True, text=True, timeout=300,
                          env=env, cwd=root)
    assert proc.returncode == 128 + signal.SIGTERM, (proc.returncode, proc.stderr)
    results = root / "autograde" / "results" / ASSIGNMENT
    done = {p.stem: p.stat().st_mtime_ns for p in results.glob("s*.json")}
    assert len(done) == 1, done
    journal = json.loads((results / ".interrupted-run.json").read_text())
    assert set(journal["done"]) == set(done), journal
    again = gdcourse(root, "grade", ASSIGNMENT, "--workers", "1")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "1 submission(s) already graded" in again.stderr, again.stderr
    for s, mtime in done.items():
        assert (results / f"{s}.json").stat().st_mtime_ns == mtime, s


@pytest.mark.skipif(launcher.probe("auto").mode == "none", reason="needs the bubblewrap sandbox")
def test_the_unprivileged_namespace_sandbox_grades_and_isolates(tmp_path):
    # what an instructor without root gets (here forced as root): one mapped uid, no capabilities
    from . import students

    root = make_course(tmp_path / "c")
    submit(root, "correct", correct())
    submit(root, "cheat-files", students.cheats(str(root))["cheat-files"])
    proc = gdcourse(root, "grade", ASSIGNMENT, "--sandbox", "userns")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = export(root)
    assert [rows["correct"][g] for g in AUTO] == [2.0, 3.0, 3.0]
    assert "user namespace" in rows["correct"]["sandbox"]
    rec = json.loads((root / "autograde" / "results" / ASSIGNMENT / "cheat-files.json").read_text())
    report = rec["notebooks"][ASSIGNMENT]["tests"]["ex1-tests"]["message"]
    assert report.count("READ-FAILED") == 4 and "OK" not in report.replace("READ-FAILED", ""), report


@pytest.mark.skipif(launcher.probe("auto").mode == "none", reason="needs the bubblewrap sandbox")
def test_code_that_lives_under_tmp_stays_importable_and_tmp_is_read_only(tmp_path):
    # a checkout (or a venv) under /tmp, as on CI machines: the kernel's private /tmp must not
    # hide it; learner code writes temporary files in its own home instead
    lib = tmp_path / "lib-under-tmp"
    lib.mkdir()
    (lib / "tmpmod.py").write_text("HALF = 0.5\n")
    assert str(lib).startswith("/tmp/")
    root = make_course(tmp_path / "c", extra=f"c.GdGrade.extra_paths = [{str(lib)!r}]\n")
    answer = ("import os, tempfile\n"
              "import tmpmod  # imported after the kernel was forked: read from under /tmp\n"
              "def step(x, lr, df):\n"
              "    try:\n"
              "        open('/tmp/planted-by-learner', 'w').write('x')\n"
              "        return 0.0  # /tmp was writable: wrong on purpose\n"
              "    except OSError:\n"
              "        pass\n"
              "    with tempfile.NamedTemporaryFile() as fh:  # TMPDIR works\n"
              "        fh.write(b'ok')\n"
              "    return x - 2 * tmpmod.HALF * lr * df(x)\n")
    submit(root, "u1", with_answers(correct(), ex1=answer))
    proc = gdcourse(root, "grade", ASSIGNMENT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    row = export(root)["u1"]
    assert [row[g] for g in AUTO] == [2.0, 3.0, 3.0], row
    assert not Path("/tmp/planted-by-learner").exists()
