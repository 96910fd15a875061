"""Fixtures of the browser tier: one JupyterLab server and one chromium for the whole session.

Under ``pytest -n 2 --dist loadgroup`` every browser test carries ``xdist_group("browser")``, so
they share one worker and therefore one server. When chromium or Playwright is missing the tier is
skipped with the reason (a failure under ``CI=true``, see tests/conftest.py).

On a failed test the page's screenshot, its console log and the server's log are saved to
``test-artifacts/browser/`` (or ``$CI_ARTIFACTS_DIR/browser/``) and their paths printed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import labdriver  # noqa: E402
import nbtools  # noqa: E402

# Order of the tier's modules: the harness self-check first, then the solutions (which record how
# many explorers each notebook shows), then the learner copies (compared with those counts).
_MODULE_ORDER = ["test_harness", "test_solutions", "test_learner", "test_formgrader"]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    slots = [i for i, item in enumerate(items) if Path(str(item.fspath)).resolve().parent == here]

    def rank(item: pytest.Item) -> int:
        stem = Path(str(item.fspath)).stem
        return _MODULE_ORDER.index(stem) if stem in _MODULE_ORDER else len(_MODULE_ORDER)

    # a stable sort keeps pytest's own order inside each module (one notebook's tests together)
    ordered = sorted((items[i] for i in slots), key=rank)
    for i, item in zip(slots, ordered, strict=True):
        items[i] = item
    _restore_loadgroup(config, ordered)


def _restore_loadgroup(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give this tier's tests their ``@browser`` node-id suffix under ``--dist loadgroup``.

    pytest 9.2 builds node ids from a structured ``_id``; pytest-xdist 3.8 still writes the old
    ``_nodeid`` attribute, so ``--dist loadgroup`` silently stops grouping and the tier would be
    split over both workers: two servers, two browsers, each notebook run twice
    (pytest-dev/pytest-xdist#1386). Runs after xdist's own hook, on workers only, and only where
    xdist's suffix did not take.
    """
    if not getattr(config.option, "loadgroup", False):
        return
    try:
        from _pytest.nodeid import coerce_node_id
    except ImportError:          # pytest < 9.2: xdist's own suffix works
        return
    for item in items:
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


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[labdriver.LabServer]:
    reason = labdriver.missing_requirement()
    if reason:
        pytest.skip(reason)
    server = labdriver.LabServer(tmp_path_factory.mktemp("jupyterlab"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser_context(lab_server: labdriver.LabServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(labdriver.CHROMIUM),
                                     args=labdriver.CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport=labdriver.VIEWPORT)
            yield context
            context.close()
        finally:
            browser.close()


@pytest.fixture(scope="session")
def lab_app(lab_server: labdriver.LabServer, browser_context: Any) -> Iterator[labdriver.LabApp]:
    """The JupyterLab page the tests open their notebooks in (reloaded after a failed test)."""
    app = labdriver.LabApp(lab_server, browser_context)
    yield app
    app.close()


@pytest.fixture
def notebooks(lab_server: labdriver.LabServer, lab_app: labdriver.LabApp,
              request: pytest.FixtureRequest) -> Iterator[labdriver.Notebooks]:
    nbs = labdriver.Notebooks(lab_server, lab_app)
    failed = False
    try:
        yield nbs
        failed = labdriver.failed(request.node)
        if failed:
            nbs.save_artifacts(request.node.nodeid)
    finally:
        nbs.close(failed=failed)


@pytest.fixture(scope="session")
def learner_copy(lab_server: labdriver.LabServer) -> Callable[[str], str]:
    """Path (relative to the server root) of the learner copy of an assignment.

    The committed ``course/<id>/<id>.ipynb`` when it exists; otherwise one generated on the spot
    by nbgrader from the source, so a notebook whose learner copy is not committed yet is still
    covered.
    """
    import nbformat

    def get(assignment: str) -> str:
        rel = f"course/{assignment}/{assignment}.ipynb"
        target = lab_server.root / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nbtools.generate(assignment), target)
        return rel

    return get
