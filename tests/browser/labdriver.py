"""Drive a real JupyterLab in Debian's chromium: the browser tier's machinery.

* :class:`LabServer` runs ``jupyter lab`` on a free loopback port with a token, on a throw-away
  copy of the course (``solutions/``, ``course/``, ``autograde/`` and the tier's fixtures), from the
  copy's ``autograde/`` folder as ``make instructor`` does, so the formgrader and the Validate
  button read the shipped ``nbgrader_config.py``. News and update checks are off, the workspace
  lives in the throw-away folder, ``MPLBACKEND`` is unset. :meth:`LabServer.stop` ends the server's
  own process group and any kernel it started, nothing else.
* :class:`LabApp` keeps one JupyterLab page loaded for the session (a fresh one after a failed
  test); :class:`NotebookPage` opens one notebook in it and does what a learner does: Run All from
  the menu (carrying on past errors in learner copies), move a slider with the keyboard, press
  Validate. Every wait is on a DOM condition (with short polling), never a fixed sleep.

The tests use these through the fixtures in ``conftest.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "browser"
BIN = Path(sys.executable).parent

CHROMIUM = Path(os.environ.get("GD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}

# Bounded waits (seconds). Generous: CI machines have 2 shared cores.
SERVER_START_S = 90
KERNEL_IDLE_S = 90
RUN_ALL_S = 180          # a notebook's budget is 30 s; this only bounds a hang
IMAGE_CHANGE_S = 20
VALIDATE_S = 240         # nbgrader executes the whole notebook in the server process

WIDGET_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.widget-view+json"]'

# JupyterLab user settings for the tier: no news, no update checks, every cell in the DOM (so the
# tests see every output; the default windowing leaves far-away cells out of layout).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}

LAB_CONFIG = """\
c = get_config()  # noqa: F821
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.handlers.announcements.NeverCheckForUpdate"
# window.jupyterapp: the tests open notebooks through the app's own commands, in one loaded page
c.LabApp.expose_app_in_browser = True
"""


def artifacts_dir() -> Path:
    """Where failure screenshots and logs go: ``$CI_ARTIFACTS_DIR/browser`` or ``test-artifacts/browser``."""
    base = os.environ.get("CI_ARTIFACTS_DIR")
    out = Path(base) / "browser" if base else ROOT / "test-artifacts" / "browser"
    out.mkdir(parents=True, exist_ok=True)
    return out


def missing_requirement() -> str | None:
    """Why the tier cannot run here, or None when chromium and Playwright are both available."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"Playwright for Python is not installed ({exc}); pip install -e '.[test]'"
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return (f"chromium not found at {CHROMIUM} (apt-get install chromium, or set GD_CHROMIUM); "
                "Playwright cannot download browsers here")
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _copytree(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns(
            "__pycache__", ".ipynb_checkpoints", "*.db", "*.db-journal", "gradebook*"))
    else:
        dst.mkdir(parents=True, exist_ok=True)


def _copy_autograde(dst: Path) -> None:
    """What a fresh checkout's ``autograde/`` holds: its files and templates, without the
    git-ignored runtime folders (submissions, gradebook, exchange) or a local config override
    that someone's test run may have left behind."""
    dst.mkdir(parents=True)
    src = ROOT / "autograde"
    if not src.is_dir():
        return
    for path in src.iterdir():
        if (path.is_file() and path.name != "nbgrader_config_local.py" and path.suffix != ".db"
                and ".tmp" not in path.name):
            shutil.copy2(path, dst / path.name)
    if (src / "templates").is_dir():
        _copytree(src / "templates", dst / "templates")


class LabServer:
    """A JupyterLab server on a throw-away copy of the course.

    Layout of the copy (``self.root``, the server's root directory)::

        solutions/  course/  autograde/   copies of the repository's folders
        browser-fixtures/                 tests/fixtures/browser
        (the server runs with autograde/ as its working directory)
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.root = workdir / "lab"
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "jupyterlab.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._children: set[tuple[int, float]] = set()    # (pid, create time) of its kernels
        self._shutdowns: dict[str, threading.Thread] = {}
        self._log: Any = None

    # -- the copy ------------------------------------------------------------------------------

    def prepare(self) -> None:
        self.root.mkdir(parents=True)
        for name in ("solutions", "course"):
            _copytree(ROOT / name, self.root / name)
        _copy_autograde(self.root / "autograde")
        _copytree(FIXTURES, self.root / "browser-fixtures")
        settings = self.workdir / "lab-settings"
        for rel, values in LAB_SETTINGS.items():
            path = settings / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values, indent=1))
        config = self.workdir / "jupyter-config"
        config.mkdir()
        (config / "jupyter_lab_config.py").write_text(LAB_CONFIG)
        for d in ("workspaces", "runtime", "ipython"):
            (self.workdir / d).mkdir()

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        # Kernels inherit the server's environment: an exported Agg backend would stop inline plots.
        env.pop("MPLBACKEND", None)
        env.pop("NBGRADER_EXECUTION", None)
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"   # nbgrader shells out to alembic
        env["JUPYTERLAB_SETTINGS_DIR"] = str(self.workdir / "lab-settings")
        env["JUPYTERLAB_WORKSPACES_DIR"] = str(self.workdir / "workspaces")
        env["JUPYTER_CONFIG_DIR"] = str(self.workdir / "jupyter-config")   # no user-level config
        env["JUPYTER_RUNTIME_DIR"] = str(self.workdir / "runtime")
        env["IPYTHONDIR"] = str(self.workdir / "ipython")
        env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
        return env

    # -- process -------------------------------------------------------------------------------

    def start(self) -> None:
        self.prepare()
        cmd = [
            str(BIN / "jupyter"), "lab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(cmd, cwd=self.root / "autograde", env=self.env(),
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError, urllib.error.URLError):
                if self.api("GET", "/api/status") is not None:
                    return
            time.sleep(0.25)
        raise RuntimeError(f"jupyter lab did not answer within {SERVER_START_S} s:\n{self.log_tail()}")

    def _remember_children(self) -> None:
        # Kernels run in their own sessions, outside the server's process group: note their pids
        # while the server is alive so that stop() can end exactly those.
        if self.proc is None:
            return
        try:
            import psutil
        except ImportError:
            return
        with contextlib.suppress(psutil.Error):
            self._children |= {(p.pid, p.create_time())
                               for p in psutil.Process(self.proc.pid).children(recursive=True)}

    def stop(self) -> None:
        if self.proc is None:
            return
        for path in list(self._shutdowns):
            self.wait_shutdown(path)
        self._remember_children()
        with contextlib.suppress(Exception):
            for kernel in self.api("GET", "/api/kernels") or []:
                self.api("DELETE", f"/api/kernels/{kernel['id']}")
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._kill_leftover_children()
        if self._log is not None:
            self._log.close()
        self.proc = None

    def _kill_leftover_children(self) -> None:
        """Kill kernels the server started and did not end (same pid *and* start time, so a
        recycled pid of someone else's process is never touched)."""
        try:
            import psutil
        except ImportError:
            return
        for pid, created in self._children:
            with contextlib.suppress(psutil.Error):
                proc = psutil.Process(pid)
                if proc.create_time() == created:
                    proc.kill()

    def log_tail(self, n: int = 60) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    # -- REST ----------------------------------------------------------------------------------

    def api(self, method: str, path: str, body: Any = None, timeout: float = 10) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method=method,
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = resp.read()
        return json.loads(text) if text else {}

    def shutdown_sessions(self, path: str) -> None:
        """Shut down the kernel of every session on ``path`` (relative to the root).

        In a background thread: the server answers only once the kernel has exited (about a
        second), and the next notebook need not wait for that. :meth:`stop` joins the threads.
        """
        self._remember_children()

        def shutdown() -> None:
            with contextlib.suppress(Exception):
                for s in self.api("GET", "/api/sessions") or []:
                    if s.get("path") == path:
                        self.api("DELETE", f"/api/sessions/{s['id']}", timeout=60)

        self.wait_shutdown(path)
        thread = threading.Thread(target=shutdown, name=f"shutdown {path}", daemon=True)
        thread.start()
        self._shutdowns[path] = thread

    def wait_shutdown(self, path: str) -> None:
        """Wait until a pending shutdown of ``path``'s kernel has finished (before reopening it:
        JupyterLab would otherwise join the session that is being deleted)."""
        thread = self._shutdowns.pop(path, None)
        if thread is not None:
            thread.join(timeout=60)

    def lab_url(self, workspace: str, path: str | None = None) -> str:
        tail = f"/tree/{urllib.parse.quote(path)}" if path else ""
        return f"{self.base_url}/lab/workspaces/{workspace}{tail}?token={self.token}"


# -- the page ----------------------------------------------------------------------------------

_RUN_STATE_JS = r"""
() => {
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
  const code = cells.filter(c => c.classList.contains('jp-CodeCell'));
  const prompts = code.map(c => ((c.querySelector('.jp-InputArea-prompt') || {}).textContent || '').trim());
  const empty = code.map(c => {
    const ed = c.querySelector('.cm-content');
    return !ed || ed.textContent.trim() === '';
  });
  const bar = document.querySelector('#jp-main-statusbar');
  return {
    n: cells.length,
    prompts, empty,
    idle: !!bar && /\|\s*Idle/.test(bar.innerText),
    errors: document.querySelectorAll('.jp-Notebook ' +
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').length,
  };
}
"""

# Run All is finished when no cell is queued or running, the kernel is idle, and either the last
# non-empty code cell has an execution count or an error stopped the run.
_RUN_ALL_DONE_JS = r"""
() => {
  const s = (__STATE__)();
  if (!s.idle || s.prompts.some(p => p.includes('*'))) return false;
  if (s.errors > 0) return true;
  for (let i = s.prompts.length - 1; i >= 0; i--) {
    if (!s.empty[i]) return /\[\d+\]/.test(s.prompts[i]);
  }
  return true;
}
""".replace("__STATE__", _RUN_STATE_JS)

# A "run from cell `start` down" batch is finished when nothing is queued or running, the kernel is
# idle, and either a cell at or below `start` shows an error (cells below `start` never ran
# before, so the error is this batch's) or the last non-empty code cell has an execution count.
# Returns -1 while running, else the index of the erroring cell (or the cell count when clean).
_BATCH_DONE_JS = r"""
(start) => {
  const s = (__STATE__)();
  if (!s.idle || s.prompts.some(p => p.includes('*'))) return -1;
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
  for (let i = start; i < cells.length; i++) {
    if (cells[i].querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        && /\[\d+\]/.test((cells[i].querySelector('.jp-InputArea-prompt') || {}).textContent || ''))
      return i;
  }
  const code = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
  for (let k = code.length - 1; k >= 0; k--) {
    if (cells.indexOf(code[k]) < start) break;
    if (!s.empty[k]) return /\[\d+\]/.test(s.prompts[k]) ? cells.length : -1;
  }
  return cells.length;
}
""".replace("__STATE__", _RUN_STATE_JS)

# Select cell `first` alone, in command mode, and run it and every cell below it.
_RUN_ALL_BELOW_JS = r"""
(first) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  nb.mode = 'command';
  nb.activeCellIndex = first;
  nb.deselectAll();
  // not awaited: the batch's end is what the caller waits for, with its own deadline
  window.jupyterapp.commands.execute('notebook:run-all-below').catch(() => {});
  return true;
}
"""

_ERRORS_JS = r"""
() => {
  const out = [];
  document.querySelectorAll('.jp-Notebook .jp-Cell').forEach((cell, i) => {
    cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
      .forEach(o => out.push(`cell ${i}: ${o.innerText.trim().slice(0, 600)}`));
    cell.querySelectorAll('.jp-OutputArea-output').forEach(o => {
      if (/Error displaying widget|Failed to load model class/.test(o.innerText))
        out.push(`cell ${i}: widget failed to display: ${o.innerText.trim().slice(0, 300)}`);
    });
  });
  return out;
}
"""

# Every widget output has been rendered by the widget manager (views are created asynchronously,
# after the cell's reply), and every explorer image has its PNG.
_WIDGETS_RENDERED_JS = r"""
() => {
  const outs = [...document.querySelectorAll('.jp-Notebook __OUTPUT__')];
  if (!outs.every(o => o.querySelector('.jupyter-widgets, .widget-image') !== null)) return false;
  return [...document.querySelectorAll('.jp-Notebook .widget-image')].every(i => i.getAttribute('src'));
}
""".replace("__OUTPUT__", WIDGET_OUTPUT)

# Pair each explorer image with a slider of the same explorer (nearest common container inside
# one output) and tag both so Playwright can address them.
_TAG_EXPLORERS_JS = r"""
() => {
  document.querySelectorAll('[data-gd-probe]').forEach(e => e.removeAttribute('data-gd-probe'));
  let k = 0;
  const labels = [];
  for (const img of document.querySelectorAll('.jp-Notebook .widget-image')) {
    let box = img.parentElement, slider = null;
    while (box && !box.classList.contains('jp-OutputArea-output')) {
      slider = box.querySelector('.widget-slider');
      if (slider) break;
      box = box.parentElement;
    }
    if (!slider) continue;
    img.setAttribute('data-gd-probe', `img-${k}`);
    slider.setAttribute('data-gd-probe', `slider-${k}`);
    const cell = img.closest('.jp-Cell');
    const index = [...document.querySelectorAll('.jp-Notebook .jp-Cell')].indexOf(cell);
    const label = (slider.querySelector('.widget-label') || {}).innerText || '?';
    labels.push({cell: index, slider: label.trim()});
    k++;
  }
  return labels;
}
"""

_IMAGE_DIGEST_JS = r"""
async (sel) => {
  const img = document.querySelector(sel);
  if (!img || !img.getAttribute('src')) return null;
  try {
    const buf = await (await fetch(img.src)).arrayBuffer();
    const d = await crypto.subtle.digest('SHA-256', buf);
    return [...new Uint8Array(d)].map(b => b.toString(16).padStart(2, '0')).join('');
  } catch (e) {
    return null;   // the view revoked this blob URL while replacing the image: ask again
  }
}
"""


@dataclass
class SliderCheck:
    """One slider moved in one explorer, and what the image did."""

    cell: int
    slider: str
    readout_before: str
    readout_after: str
    changed: bool
    seconds: float


class LabApp:
    """One JupyterLab page kept open for the session; notebooks are opened in it one at a time.

    Loading JupyterLab takes several seconds; opening a notebook in a loaded app well under one.
    Isolation comes from :meth:`reset` (every main-area widget closed without saving, no dialog
    left) before each notebook, and from :meth:`discard` after a failed test: the next test then
    starts in a freshly loaded page and workspace.
    """

    def __init__(self, server: LabServer, context: Any) -> None:
        self.server = server
        self.context = context
        self.page: Any = None
        self.console: list[str] = []
        self.loads = 0

    def ensure(self) -> Any:
        if self.page is None or self.page.is_closed():
            self._load()
        else:
            self.reset()
        return self.page

    def _load(self) -> None:
        self.loads += 1
        page = self.context.new_page()
        page.set_default_timeout(30_000)
        page.on("console", lambda m: self.console.append(f"[{m.type}] {m.text}"))
        page.on("pageerror", lambda e: self.console.append(f"[pageerror] {e}"))
        page.on("dialog", lambda d: d.dismiss())     # a stray window.confirm must not hang a test
        self.page = page
        page.goto(self.server.lab_url(f"gd-{self.loads}"), wait_until="domcontentloaded",
                  timeout=60_000)
        page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000, polling=100)
        page.evaluate("async () => { await window.jupyterapp.restored; }")
        page.locator("#jp-main-statusbar").wait_for(state="visible")

    def reset(self) -> None:
        """Close every main-area widget without saving; reload the page if a dialog stays open."""
        if self.page.locator(".jp-Dialog").count():
            self.page.keyboard.press("Escape")
            if self.page.locator(".jp-Dialog").count():
                self.discard()
                self._load()
                return
        self.page.evaluate(_CLOSE_ALL_JS)
        self.page.wait_for_function(
            "() => document.querySelectorAll('.jp-NotebookPanel, #formgrader').length === 0",
            timeout=10_000, polling=50)

    def discard(self) -> None:
        if self.page is not None:
            with contextlib.suppress(Exception):
                self.page.close()
        self.page = None

    def close(self) -> None:
        self.discard()


# Dispose of (not close: closing a modified notebook asks whether to save) every main-area widget.
_CLOSE_ALL_JS = r"""
() => {
  const app = window.jupyterapp;
  for (const w of Array.from(app.shell.widgets('main'))) {
    if (w.context && w.context.model) w.context.model.dirty = false;
    w.dispose();
  }
}
"""


@dataclass
class NotebookPage:
    """One notebook open in the session's JupyterLab page."""

    server: LabServer
    app: LabApp
    path: str                         # relative to the server root
    console_from: int = 0

    @property
    def page(self) -> Any:
        return self.app.page

    @property
    def console(self) -> list[str]:
        return self.app.console[self.console_from:]

    def load(self) -> None:
        """Open the notebook (File > Open, through the app's command) and wait for all its cells
        and the status bar's ``| Idle``."""
        self.app.ensure()
        self.console_from = len(self.app.console)
        n_cells = len(nbformat.read(self.server.root / self.path, as_version=4).cells)
        self.server.wait_shutdown(self.path)
        # the app's list of running sessions is polled; refresh it so that a session this driver
        # deleted through the REST API is not joined again
        self.page.evaluate(
            "async (path) => { const app = window.jupyterapp;"
            " await app.serviceManager.sessions.refreshRunning();"
            " await app.commands.execute('docmanager:open', {path, factory: 'Notebook'}); }",
            self.path)
        self.page.wait_for_function(
            "(n) => document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell').length === n",
            arg=n_cells, timeout=60_000, polling=100)
        self.wait_idle()

    # -- kernel and execution ------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return self.page.evaluate(_RUN_STATE_JS)

    def wait_idle(self, timeout_s: float = KERNEL_IDLE_S) -> None:
        """Wait for the status bar's ``| Idle`` — and for this notebook's own kernel to be idle,
        so that a status left over from the notebook before can never pass for it."""
        status = self.page.locator("#jp-main-statusbar").get_by_text(re.compile(r"\|\s*Idle"))
        status.first.wait_for(state="visible", timeout=timeout_s * 1000)
        self.page.wait_for_function(
            "(path) => { const w = window.jupyterapp.shell.currentWidget;"
            " const k = w && w.context && w.context.path === path && w.sessionContext.session"
            "   && w.sessionContext.session.kernel;"
            " return !!k && k.status === 'idle'; }",
            arg=self.path, timeout=timeout_s * 1000, polling=100)
        status.first.wait_for(state="visible", timeout=timeout_s * 1000)

    def run_all(self, timeout_s: float = RUN_ALL_S) -> float:
        """Run > Run All Cells from the menu bar; wait until execution has finished. Returns seconds."""
        start = time.monotonic()
        self._menu("Run", "Run All Cells")
        self.page.wait_for_function(_RUN_ALL_DONE_JS, timeout=timeout_s * 1000, polling=250)
        self.wait_widgets()
        return time.monotonic() - start

    def _menu(self, top: str, item: str) -> None:
        self.page.locator("#jp-menu-panel .lm-MenuBar-itemLabel",
                          has_text=re.compile(f"^{re.escape(top)}$")).click()
        self.page.locator(".lm-Menu .lm-Menu-itemLabel",
                          has_text=re.compile(f"^{re.escape(item)}$")).click()

    def run_all_past_errors(self, timeout_s: float = RUN_ALL_S, max_batches: int = 60) -> float:
        """Run every cell, carrying on past errors, as a learner who has solved nothing does.

        Run All stops at the first error, so after each error this selects the next cell and
        uses Run > Run Selected Cell and All Below, until the last cell has run. Returns seconds.
        """
        start = time.monotonic()
        deadline = start + timeout_s
        first = 0
        n = self.state()["n"]
        for _ in range(max_batches):
            if first >= n:
                break
            # Run > Run Selected Cell and All Below from cell `first`, through the command the
            # menu item runs: a menu click that lands while the page still moves from the last
            # batch's outputs is lost, and the batch would then wait for cells that never run
            self.page.evaluate(_RUN_ALL_BELOW_JS, first)
            handle = self.page.wait_for_function(
                f"(start) => {{ const r = ({_BATCH_DONE_JS})(start); return r < 0 ? false : r + 1; }}",
                arg=first, timeout=max(1.0, deadline - time.monotonic()) * 1000, polling=250)
            first = int(handle.json_value())     # the cell after the error (or n: done)
        else:
            raise AssertionError(f"more than {max_batches} erroring cells: giving up")
        self.wait_widgets()
        return time.monotonic() - start

    def wait_widgets(self, timeout_s: float = 30) -> None:
        self.page.wait_for_function(_WIDGETS_RENDERED_JS, timeout=timeout_s * 1000, polling=250)

    def error_outputs(self) -> list[str]:
        """Every stderr/error output (and widget that failed to display), by cell index."""
        return list(self.page.evaluate(_ERRORS_JS))

    # -- explorers -----------------------------------------------------------------------------

    def explorers(self) -> list[dict[str, Any]]:
        """Explorers on the page (an image with a slider beside it), tagged for :meth:`move_slider`."""
        return list(self.page.evaluate(_TAG_EXPLORERS_JS))

    def image_digest(self, k: int) -> str | None:
        return self.page.evaluate(_IMAGE_DIGEST_JS, f'[data-gd-probe="img-{k}"]')

    def move_slider(self, k: int, timeout_s: float = IMAGE_CHANGE_S) -> SliderCheck:
        """Focus explorer ``k``'s slider handle, press ArrowRight (ArrowLeft at the top end), and
        wait until the image's PNG bytes differ from before (the kernel redraws and replaces the
        ``widgets.Image`` value; the page gets a new blob)."""
        info = self.explorers()[k]
        slider = self.page.locator(f'[data-gd-probe="slider-{k}"]')
        handle = slider.locator(".noUi-handle").first
        readout = slider.locator(".widget-readout").first
        slider.scroll_into_view_if_needed()
        before_png = self.image_digest(k)
        before = readout.inner_text()
        at_top = handle.evaluate("h => h.getAttribute('aria-valuenow') !== null && "
                                 "h.getAttribute('aria-valuenow') === h.getAttribute('aria-valuemax')")
        start = time.monotonic()
        for key in (("ArrowLeft", "ArrowRight") if at_top else ("ArrowRight", "ArrowLeft")):
            handle.focus()
            self.page.keyboard.press(key)
            with contextlib.suppress(Exception):
                self.page.wait_for_function(
                    "([sel, old]) => { const r = document.querySelector(sel);"
                    " return r && r.innerText !== old; }",
                    arg=[f'[data-gd-probe="slider-{k}"] .widget-readout', before],
                    timeout=2000, polling=50)
            if readout.inner_text() != before:
                break
        after = readout.inner_text()
        changed = False
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            digest = self.image_digest(k)
            if digest is not None and digest != before_png:
                changed = True
                break
            time.sleep(0.05)
        return SliderCheck(info["cell"], info["slider"], before, after, changed,
                           time.monotonic() - start)

    # -- nbgrader ------------------------------------------------------------------------------

    def validate(self, timeout_s: float = VALIDATE_S) -> dict[str, Any]:
        """Press the nbgrader Validate button; return the result dialog's title, outcome and text."""
        button = self.page.locator(".jp-NotebookPanel-toolbar .validate-button")
        button.get_by_text("Validate", exact=True).click()
        dialog = self.page.locator(".jp-Dialog")
        dialog.wait_for(state="visible", timeout=timeout_s * 1000)
        title = dialog.locator(".jp-Dialog-header").inner_text().strip()
        body = dialog.locator(".jp-Dialog-body")
        outcome = self.page.evaluate(
            "() => { const b = document.querySelector('.jp-Dialog-body');"
            " const sel = '[class*=\"validation-\"]';"
            " const hit = b && (b.matches(sel) ? b : b.querySelector(sel));"
            " return hit ? [...hit.classList].find(c => c.startsWith('validation-')) : null; }")
        result = {"title": title, "outcome": outcome, "text": body.inner_text()}
        dialog.get_by_role("button", name=re.compile("ok", re.I)).click()
        return result

    # -- teardown ------------------------------------------------------------------------------

    def save_artifacts(self, stem: str) -> list[Path]:
        out = artifacts_dir()
        paths = []
        if self.page is not None and not self.page.is_closed():
            with contextlib.suppress(Exception):
                shot = out / f"{stem}.png"
                self.page.screenshot(path=str(shot), full_page=True, timeout=15_000)
                paths.append(shot)
        log = out / f"{stem}.console.log"
        log.write_text("\n".join(self.console) + "\n")
        paths.append(log)
        return paths

    def close(self) -> None:
        if self.page is not None and not self.page.is_closed():
            with contextlib.suppress(Exception):
                self.page.evaluate(_CLOSE_ALL_JS)
        if self.path:
            self.server.shutdown_sessions(self.path)


# -- per-test bookkeeping ----------------------------------------------------------------------

# Explorers found per solution notebook in this session (test id -> count), so the learner tests
# can check that the learner copy shows as many before anything is solved.
EXPLORER_COUNTS: dict[str, int] = {}


def failed(node: Any) -> bool:
    """Whether a test's setup or call failed (the reports are attached by conftest's hook)."""
    return any(getattr(getattr(node, f"rep_{w}", None), "failed", False) for w in ("setup", "call"))


class Notebooks:
    """The notebooks one test opens in the session's JupyterLab page: keeps screenshots and logs
    when the test fails (and then discards the page), shuts their kernels down after."""

    def __init__(self, server: LabServer, app: LabApp) -> None:
        self.server = server
        self.app = app
        self.pages: list[NotebookPage] = []

    def open(self, path: str) -> NotebookPage:
        """Open ``path`` (relative to the server root), closing whatever was open before."""
        for page in self.pages:
            page.close()
        nb = NotebookPage(self.server, self.app, path)
        self.pages = [nb]        # before loading: a notebook that fails to load is screenshotted
        nb.load()
        return nb

    def page(self) -> Any:
        """The JupyterLab page with nothing open (e.g. for the formgrader)."""
        for page in self.pages:
            page.close()
        self.pages = [NotebookPage(self.server, self.app, "", len(self.app.console))]
        return self.app.ensure()

    def save_artifacts(self, nodeid: str) -> list[Path]:
        """Screenshot and console log of the page, and the server log, named after the test."""
        stem = re.sub(r"[^\w.-]+", "_", nodeid.split("::")[-1])
        saved: list[Path] = []
        for page in self.pages[-1:]:
            saved += page.save_artifacts(stem)
        log = artifacts_dir() / f"{stem}.jupyterlab.log"
        if self.server.log_path.exists():
            shutil.copy(self.server.log_path, log)
            saved.append(log)
        for p in saved:
            print(f"browser artefact: {p}")
        return saved

    def close(self, failed: bool = False) -> None:
        for page in self.pages:
            page.close()
        self.pages.clear()
        if failed:
            self.app.discard()     # the next test starts from a freshly loaded JupyterLab
