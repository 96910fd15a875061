"""A class on a live JupyterHub, end to end, as a newcomer runs it (docs/instructors.md,
"Run a class"): ``hub/setup.sh`` and ``hub/start.sh`` with real unix users — an instructor and two
learners — nbgrader's exchange and chromium driving the learners' JupyterLab.

The instructor releases 02-gd-1d with ``gdcourse release --exchange`` (the exchange set
system-wide must be kept); ``learner1`` fetches it in the Assignments tab, types the four answers,
saves and submits; ``learner2`` submits the untouched copy. The instructor collects, grades in the
sandbox (13/16 and 0/16: the written answer waits for manual grading), writes and releases the
feedback with ``gdcourse feedback --release``, and releases learner1's again with plain ``nbgrader
release_feedback``; each learner reads their score in the fetched feedback. On the way: nobody reads
another learner's submission, notebooks or feedback, even knowing the path; the formgrader is the
instructor's only; Ctrl-C stops the hub, the proxy and every user's server.

The tests are steps of one scenario and run in this order; a step whose predecessor failed fails
at once instead of timing out.
"""

from __future__ import annotations

import contextlib
import json
import re
import stat
import time
from pathlib import Path
from typing import Any

import hubdriver
import pytest

from gdcourse import cells as sc

pytestmark = [pytest.mark.hub, pytest.mark.xdist_group("hub"), pytest.mark.timeout(600)]

A = "02-gd-1d"
SCORES = {"learner1": 13.0, "learner2": 0.0}      # of 16: 3 points are a written answer
MAX_SCORE = 16.0

_done: set[str] = set()


def needs(*steps: str) -> None:
    missing = [s for s in steps if s not in _done]
    if missing:
        pytest.fail(f"an earlier step of the scenario failed: {', '.join(missing)}")


def timed(hub: hubdriver.ClassHub, label: str, start: float) -> None:
    hub.timings[label] = time.monotonic() - start


def answers(hub: hubdriver.ClassHub) -> list[str]:
    """The solution code of each code answer cell of the assignment, in order."""
    nb = json.loads((hub.source / "solutions" / A / f"{A}.ipynb").read_text())
    return [sc.solution_code(sc.source_of(c)) for c in nb["cells"]
            if c["cell_type"] == "code" and sc.is_answer(c)]


def learner(hub: hubdriver.ClassHub, n: int) -> str:
    return hub.learners[n - 1]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def gdcourse(hub: hubdriver.ClassHub, *args: str, cwd: Path | None = None,
             check: bool = True) -> Any:
    return hub.run_as(hub.instructor, "gdcourse", *args, cwd=cwd or hub.course, check=check)


# -- the scenario ---------------------------------------------------------------------------------

def test_setup_gives_private_homes_and_an_exchange_no_learner_can_take(
        class_hub: hubdriver.ClassHub) -> None:
    hub = class_hub
    for user in hub.users:
        assert mode(hub.home(user)) == 0o700, f"{user}'s home is {oct(mode(hub.home(user)))}"
    assert mode(hub.exchange) == 0o1777
    course = hub.exchange / hubdriver.COURSE_ID
    st = course.stat()
    assert (st.st_uid, mode(course)) == (hub.uid(hub.instructor), 0o2755)
    assert mode(course / "inbound") == 0o2733 and mode(course / "feedback") == 0o2711
    # the system-wide nbgrader configuration, where every user's server reads it
    assert (hub.jupyter_etc / "nbgrader_config.py").is_file()
    # a learner reads neither the instructor's course (solutions, gradebook) nor another learner
    assert not hub.can_read(learner(hub, 1), hub.course / "solutions" / A / f"{A}.ipynb")
    assert not hub.can_read(learner(hub, 1), hub.home(learner(hub, 2)))
    _done.add("setup")


def test_release_from_the_instructors_terminal_publishes_in_the_shared_exchange(
        class_hub: hubdriver.ClassHub, browsers: Any) -> None:
    needs("setup")
    hub = class_hub
    start = time.monotonic()
    teacher = browsers(hub.instructor)
    hub.timings["instructor: log-in to JupyterLab (server spawned)"] = teacher.login()
    # typed in the instructor's JupyterLab terminal, as docs/instructors.md says: the hub's
    # environment (gdcourse on PATH, the course's config) must reach it
    status, out = teacher.terminal(f"which gdcourse && cd gdcourse && gdcourse release {A} --exchange")
    timed(hub, "instructor: log-in, terminal: gdcourse release --exchange", start)
    assert status == 0, out[-3000:]
    assert f"{hub.venv}/bin/gdcourse" in out, out[-3000:]
    released = hub.exchange / hubdriver.COURSE_ID / "outbound" / A / f"{A}.ipynb"
    assert released.is_file(), out[-3000:]
    assert str(hub.exchange) in out.replace("\r\n", "")
    # not the course-local fallback (finding 1)
    assert not (hub.course / "autograde" / "exchange" / hubdriver.COURSE_ID).exists()
    _done.add("release")


def test_learners_fetch_answer_save_and_submit_in_the_browser(
        class_hub: hubdriver.ClassHub, browsers: Any) -> None:
    needs("release")
    hub = class_hub
    for n in (1, 2):
        person = browsers(learner(hub, n))
        hub.timings[f"learner{n}: log-in to JupyterLab (server spawned)"] = person.login()
        start = time.monotonic()
        person.assignments()
        # what the learner sees: the released assignment, with a Fetch button
        row = person.row("released", A)
        row.wait_for(state="visible", timeout=60_000)
        assert "Fetch" in row.inner_text()
        person.fetch(A)
        person.open_notebook(A, A)
        if n == 1:
            person.answer(answers(hub))
        person.save()
        person.submit(A)
        timed(hub, f"learner{n}: fetch, open, {'answer, ' if n == 1 else ''}save, submit", start)
    saved = json.loads((hub.home(learner(hub, 1)) / hubdriver.COURSE_ID / A / f"{A}.ipynb")
                       .read_text())
    typed = [sc.source_of(c) for c in saved["cells"]
             if c["cell_type"] == "code" and sc.is_answer(c)]
    assert typed == answers(hub), "the answers typed in the editor are not what was saved"
    _done.add("submit")


def test_a_submission_is_readable_by_its_learner_and_the_instructors_only(
        class_hub: hubdriver.ClassHub) -> None:
    needs("submit")
    hub = class_hub
    inbound = hub.exchange / hubdriver.COURSE_ID / "inbound"
    subs = {p.name.split("+")[0]: p for p in inbound.iterdir()}
    assert set(subs) == set(hub.learners), sorted(subs)
    instructors_gid = hub.gid(hub.groups["instructors"])
    for user, folder in subs.items():
        assert (folder.stat().st_uid, folder.stat().st_gid) == (hub.uid(user), instructors_gid)
        assert mode(folder) == 0o770, f"{folder}: {oct(mode(folder))}"
        for f in folder.iterdir():
            assert mode(f) == 0o640, f"{f}: {oct(mode(f))}"
    one, two = learner(hub, 1), learner(hub, 2)
    # the other learner, even knowing every path (finding 4)
    assert not hub.can_read(two, subs[one] / f"{A}.ipynb")
    assert not hub.can_read(two, subs[one])
    assert not hub.can_read(two, inbound)
    assert not hub.can_read(two, hub.home(one) / hubdriver.COURSE_ID / A / f"{A}.ipynb")
    # the learner themself and the instructor (through the group) can
    assert hub.can_read(one, subs[one] / f"{A}.ipynb")
    assert hub.can_read(hub.instructor, subs[one] / f"{A}.ipynb")
    _done.add("private")


def test_collect_and_grade_in_the_sandbox(class_hub: hubdriver.ClassHub) -> None:
    needs("submit")
    hub = class_hub
    start = time.monotonic()
    gdcourse(hub, "collect", A)
    timed(hub, "instructor: gdcourse collect", start)
    start = time.monotonic()
    graded = gdcourse(hub, "grade", A, check=False)
    timed(hub, "instructor: gdcourse grade (2 submissions)", start)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert "bwrap" in graded.stdout, graded.stdout       # sandboxed, as the instructor
    rows = json.loads(gdcourse(hub, "export", "--format", "json").stdout)["rows"]
    got = {r["student_id"]: (float(r["score"]), float(r["max_score"]), r["status"]) for r in rows}
    want = {learner(hub, n): (SCORES[f"learner{n}"], MAX_SCORE, "ok") for n in (1, 2)}
    assert got == want
    # nbgrader's own gradebook says the same (the formgrader and `nbgrader export` read it)
    from nbgrader.api import Gradebook

    db = hub.course / "autograde" / "gradebook.db"
    with Gradebook(f"sqlite:///{db}", hubdriver.COURSE_ID) as gb:
        for n in (1, 2):
            sub = gb.find_submission(A, learner(hub, n))
            assert (sub.score, sub.max_score) == (SCORES[f"learner{n}"], MAX_SCORE)
    _done.add("graded")


def test_feedback_released_two_ways_is_private_and_shows_the_score(
        class_hub: hubdriver.ClassHub, browsers: Any) -> None:
    needs("graded")
    hub = class_hub
    one, two = learner(hub, 1), learner(hub, 2)
    start = time.monotonic()
    released = hub.exchange / hubdriver.COURSE_ID / "feedback"
    # gdcourse's own way, for both
    gdcourse(hub, "feedback", A, "--release")
    pages = sorted(released.glob("*.html"))
    assert len(pages) == 2
    # the documented plain-nbgrader way (finding 3: it needs submission_secret.txt), for
    # learner1, whose page is removed first so that only nbgrader can bring it back
    (mine,) = [p for p in pages if hubdriver.acl_readers(p) == [hub.uid(one)]]
    mine.unlink()
    hub.run_as(hub.instructor, "nbgrader", "release_feedback", A, f"--student={one}",
               cwd=hub.course / "autograde")
    assert mine.is_file(), "plain nbgrader release_feedback did not release learner1's page"
    timed(hub, "instructor: feedback --release, plain nbgrader release_feedback", start)
    assert sorted(released.glob("*.html")) == pages
    readers = {p: hubdriver.acl_readers(p) for p in pages}
    for page, uids in readers.items():
        assert mode(page) & 0o007 == 0, f"{page} is readable by others: {oct(mode(page))}"
        assert len(uids) == 1, (page, uids)
        owner = next(u for u in (one, two) if hub.uid(u) == uids[0])
        other = two if owner == one else one
        assert hub.can_read(owner, page) and not hub.can_read(other, page)
    for n, user in ((1, one), (2, two)):
        person = browsers(user)
        start = time.monotonic()
        person.fetch_feedback(A)
        text = person.read_feedback(A)
        timed(hub, f"learner{n}: fetch feedback, open it", start)
        score = f"Score: {SCORES[f'learner{n}']:.1f} / {MAX_SCORE:.1f}"
        assert re.search(rf"{A}\s*\({re.escape(score)}\)", text) or score in text, text[:1500]
    _done.add("feedback")


def test_the_formgrader_is_the_instructors_only(class_hub: hubdriver.ClassHub,
                                                 browsers: Any) -> None:
    needs("graded")
    hub = class_hub
    start = time.monotonic()
    teacher = browsers(hub.instructor)
    assert "Formgrader" in teacher.menu("Nbgrader")
    teacher.page.locator(hubdriver.MENU_ITEM, has_text=re.compile(r"^Formgrader$")).click()
    frame = teacher.page.frame_locator("#formgrader iframe")
    frame.get_by_role("link", name=A, exact=True).first.wait_for(state="visible",
                                                                   timeout=90_000)
    timed(hub, "instructor: formgrader lists the assignment", start)
    person = browsers(learner(hub, 1))
    items = [i for i in person.menu("Nbgrader") if i]    # commands not registered stay hidden
    person.close_menu()
    assert items == ["Assignment List"], items
    answer = person.page.request.get(f"{hub.url}/user/{learner(hub, 1)}/formgrader")
    assert answer.status == 404, answer.status
    _done.add("formgrader")


def test_ctrl_c_stops_the_hub_the_proxy_and_every_server(class_hub: hubdriver.ClassHub) -> None:
    needs("setup")
    hub = class_hub
    import psutil

    proxies = hub.proxy_pids()
    servers = hubdriver.processes_of(hub.uids())
    assert proxies, "no configurable-http-proxy under the hub"
    assert servers, "no user server is running: nothing to stop"
    seconds = hub.interrupt(timeout=60)
    hub.timings["Ctrl-C: everything stopped"] = seconds
    watched = list(servers)
    for pid in proxies:
        with contextlib.suppress(psutil.Error):
            watched.append(psutil.Process(pid))
    _gone, alive = psutil.wait_procs(watched, timeout=15)
    assert not alive, f"still running after Ctrl-C: {[p.pid for p in alive]}"
    assert not hubdriver.processes_of(hub.uids())
