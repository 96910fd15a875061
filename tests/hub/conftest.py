"""Fixtures of the hub tier: one class on a live JupyterHub, and one chromium, for the whole tier.

The tier runs ``hub/setup.sh`` and ``hub/start.sh`` (what ``make hub`` runs) with users, groups,
ports and folders of its own (see ``hubdriver.py``), as root, and removes all of it afterwards —
also after a failure, and what a crashed earlier run left. Its tests are one scenario in order
(release, fetch, submit, collect, grade, feedback, Ctrl-C), so they carry
``xdist_group("hub")``: one worker, one hub. Each step's time goes to
``test-artifacts/hub/timings.json`` and is printed at the end of the run.

``GDHUB_TEST_SOURCE`` installs and copies the course from another checkout (default: this one).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "browser"))
import hubdriver  # noqa: E402
import labdriver  # noqa: E402


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep the tier on one worker under ``--dist loadgroup`` (see the browser tier's conftest:
    pytest 9.2 with pytest-xdist 3.8 loses the ``@group`` suffix that does it)."""
    if not getattr(config.option, "loadgroup", False):
        return
    try:
        from _pytest.nodeid import coerce_node_id
    except ImportError:          # pytest < 9.2: xdist's own suffix works
        return
    for item in items:
        if Path(str(item.fspath)).resolve().parent != HERE:
            continue
        if "@" in item.nodeid.rsplit("]", 1)[-1]:
            continue
        groups = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                         for m in item.iter_markers("xdist_group")})
        if groups:
            item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(groups)}")  # type: ignore[attr-defined]


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    path = hubdriver.artifacts_dir() / "timings.json"
    if not path.exists() or path.stat().st_mtime < getattr(config, "_hub_started", time.time()):
        return
    timings = json.loads(path.read_text())
    terminalreporter.section("hub tier: seconds per step")
    for step, seconds in timings.items():
        terminalreporter.write_line(f"{seconds:8.1f}  {step}")


def pytest_configure(config: pytest.Config) -> None:
    config._hub_started = time.time()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def class_hub() -> Iterator[hubdriver.ClassHub]:
    """The class: set up, started, and afterwards removed (processes, users, homes, folders)."""
    reason = hubdriver.missing_requirement() or labdriver.missing_requirement()
    if reason:
        pytest.skip(reason)
    start = time.monotonic()
    hubdriver.remove_leftovers()
    source = Path(os.environ.get("GDHUB_TEST_SOURCE", hubdriver.ROOT))
    hub = hubdriver.ClassHub(source=source)
    try:
        hub.setup()
        hub.start()
        yield hub
    finally:
        problems = hub.cleanup()
        hub.timings["the whole tier"] = time.monotonic() - start
        hubdriver.write_timings(hub.timings)
        left = [u for u in hub.users if _user_exists(u)]
        assert not problems and not left and not hub.base.exists(), (
            f"the hub tier left things behind: {problems}, users {left}, {hub.base}")


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(scope="session")
def chromium(class_hub: hubdriver.ClassHub) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(labdriver.CHROMIUM),
                                     args=labdriver.CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class Browsers:
    """One :class:`hubdriver.Learner` per user, kept for the session (their pages stay logged
    in); screenshots of every open page when a test fails."""

    def __init__(self, hub: hubdriver.ClassHub, browser: Any) -> None:
        self.hub, self.browser = hub, browser
        self.people: dict[str, hubdriver.Learner] = {}

    def __call__(self, user: str) -> hubdriver.Learner:
        if user not in self.people:
            self.people[user] = hubdriver.Learner(self.hub, self.browser, user)
        return self.people[user]

    def save_artifacts(self, stem: str) -> None:
        out = hubdriver.artifacts_dir()
        for user, person in self.people.items():
            person.save_artifacts(out, f"{stem}-{user}")
        if self.hub.log_path.exists():
            (out / f"{stem}-jupyterhub.log").write_text(self.hub.log_tail(400))
        print(f"hub artefacts in {out}")

    def close(self) -> None:
        for person in self.people.values():
            person.close()


@pytest.fixture(scope="session")
def browsers(class_hub: hubdriver.ClassHub, chromium: Any) -> Iterator[Browsers]:
    b = Browsers(class_hub, chromium)
    yield b
    b.close()


@pytest.fixture(autouse=True)
def _artifacts_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    failed = any(getattr(getattr(request.node, f"rep_{w}", None), "failed", False)
                 for w in ("setup", "call"))
    if failed and "browsers" in request.fixturenames:
        request.getfixturevalue("browsers").save_artifacts(request.node.name)
