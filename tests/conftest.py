"""Test-suite wide rules.

* Tiers: tests under ``tests/unit`` are the fast tier; everything under ``tests/notebooks``,
  ``tests/grading``, ``tests/integration``, ``tests/browser`` and ``tests/hub`` is marked
  ``slow`` (and with its tier's marker); unit tests of the widget explorers (they render
  figures) carry ``explorers``. ``pytest -m "not slow and not explorers"`` is the fast tier: seconds.
* Under ``CI=true`` a skipped test is a failure: nothing may silently not run in CI.
* The test process draws with matplotlib's Agg backend. We select it here, in-process, and never
  export ``MPLBACKEND``: kernels started by the tests inherit the environment and would stop
  producing inline figures.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
_TIERS = {"notebooks": "notebooks", "grading": "grading", "integration": "grading", "browser": "browser",
          "hub": "hub"}
_skipped: list[str] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).resolve().relative_to(ROOT / "tests").parts
        tier = _TIERS.get(parts[0]) if len(parts) > 1 else None
        if tier:
            item.add_marker(pytest.mark.slow)
            item.add_marker(getattr(pytest.mark, tier))
        elif "explorers" in item.nodeid:
            # widget explorers draw real figures: tens of seconds in all, so not in the fast tier
            item.add_marker(pytest.mark.explorers)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # With pytest-xdist, the controller sees every worker's reports; workers stay silent.
    if hasattr(session.config, "workerinput"):
        return
    if _in_ci() and _skipped and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    if _in_ci() and _skipped and not hasattr(config, "workerinput"):
        terminalreporter.section("CI: skipped tests are failures", red=True)
        for nodeid in _skipped:
            terminalreporter.write_line(f"SKIPPED IN CI: {nodeid}")
