"""A class on a live JupyterHub, for the hub tier: set-up, users, processes, the learners' browser.

* :class:`ClassHub` runs ``hub/setup.sh`` and ``hub/start.sh`` exactly as ``make hub`` does, but
  with names and places of its own: users ``gdt<tag>-instructor``, ``gdt<tag>-learner1``,
  ``gdt<tag>-learner2`` (GECOS :data:`MARK`), groups ``gdt<tag>-instructors``/``-learners``, the
  prefix (venv, proxy, hub state), the exchange and the system-wide nbgrader configuration (the
  venv's ``etc/jupyter``, so that no other test's Jupyter sees it) under one world-traversable
  folder in ``/var/tmp``, and free loopback ports. :meth:`ClassHub.cleanup` removes every process, user,
  home, group and folder it made; :func:`remove_leftovers` does the same for a run that died.
* :meth:`ClassHub.run_as` runs a command as one of its users with the environment the hub gives
  that user's terminal (the instructor's ``gdcourse``/``nbgrader`` commands).
* :class:`Learner` is one user in chromium: log in, the Assignments tab (fetch, submit, fetch
  feedback), answer cells in the editor, save, read the feedback page, the Nbgrader menu.
"""

from __future__ import annotations

import contextlib
import grp
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HUB = ROOT / "hub"
sys.path.insert(0, str(HUB))
from gdcourse_hub.exchange import acl_readers  # noqa: E402 - the hub's plugin, for the checks

__all__ = ["ClassHub", "Learner", "acl_readers", "missing_requirement", "remove_leftovers"]
MARK = "gdcourse hub test"            # GECOS of the tier's users: how leftovers are recognised
TMP_PREFIX = "gdhub-test-"
# Not /tmp: the grader gives every sandboxed kernel a fresh /tmp, which would hide a venv there.
# /var/tmp is world-traversable too (every user's server runs the hub's venv).
TMP_BASE = Path("/var/tmp")
NAME_RE = re.compile(r"^gdt[0-9a-f]{6}-(instructors?|learner\d+|learners)$")
COURSE_ID = "gdcourse"

SETUP_S = 600         # a venv install from PyPI on a cold cache
HUB_START_S = 60
SPAWN_S = 180         # two shared cores: a server start with the course imported


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def missing_requirement() -> str | None:
    """Why the tier cannot run here, or None."""
    if os.geteuid() != 0:
        return "the hub tier creates unix users and runs JupyterHub: it needs root"
    for tool, hint in (("useradd", "passwd"), ("node", "nodejs"), ("npm", "npm"),
                       ("bwrap", "bubblewrap")):
        if shutil.which(tool) is None:
            return f"{tool} not found (apt-get install {hint})"
    probe = subprocess.run(["/usr/bin/python3", "-c", "import sys, venv, ensurepip; "
                            "sys.exit(sys.version_info < (3, 11))"], capture_output=True)
    if probe.returncode != 0:
        return "/usr/bin/python3 is not Python >= 3.11 with venv (apt-get install python3-venv)"
    return None


# -- processes and users -------------------------------------------------------------------------

def processes_of(uids: set[int]) -> list[Any]:
    """Processes running as any of ``uids`` (real or effective)."""
    import psutil

    found = []
    for proc in psutil.process_iter(["uids"]):
        with contextlib.suppress(psutil.Error):
            u = proc.info["uids"]
            if u and (u.real in uids or u.effective in uids):
                found.append(proc)
    return found


def kill_all(uids: set[int], timeout: float = 10) -> int:
    """Kill every process of ``uids`` (only the tier's own users); return how many there were."""
    import psutil

    procs = processes_of(uids)
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.kill()
    psutil.wait_procs(procs, timeout=timeout)
    return len(procs)


def kill_running_from(folder: Path) -> int:
    """Kill the processes started from a dead run's folder (its hub and proxy run as root, from
    the venv and the proxy in there); return how many there were."""
    import psutil

    needle = str(folder) + os.sep
    procs = []
    for proc in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error):
            if any(needle in arg for arg in proc.info["cmdline"] or []):
                procs.append(proc)
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.kill()
    psutil.wait_procs(procs, timeout=10)
    return len(procs)


def remove_user(name: str) -> None:
    """Remove a user of the tier, its home and its personal group; kill its processes first."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return
    if entry.pw_gecos.split(",")[0] != MARK:
        raise RuntimeError(f"refusing to remove {name}: not a user of the hub tier")
    kill_all({entry.pw_uid})
    subprocess.run(["userdel", "--remove", name], capture_output=True)
    if Path(entry.pw_dir).exists() and Path(entry.pw_dir).name == name:
        shutil.rmtree(entry.pw_dir, ignore_errors=True)      # userdel leaves it if it is busy


def remove_group(name: str) -> None:
    with contextlib.suppress(KeyError):
        grp.getgrnam(name)
        subprocess.run(["groupdel", name], capture_output=True)


def remove_leftovers() -> list[str]:
    """Remove what a crashed run of the tier left: its users (recognised by name *and* GECOS),
    their processes, homes and groups, and temporary folders whose owner process is gone."""
    removed = []
    for entry in pwd.getpwall():
        if NAME_RE.match(entry.pw_name) and entry.pw_gecos.split(",")[0] == MARK:
            remove_user(entry.pw_name)
            removed.append(f"user {entry.pw_name}")
    for g in grp.getgrall():
        if NAME_RE.match(g.gr_name) and not g.gr_mem:
            remove_group(g.gr_name)
            removed.append(f"group {g.gr_name}")
    for folder in TMP_BASE.glob(f"{TMP_PREFIX}*"):
        try:
            pid = int((folder / "owner.pid").read_text())
        except (OSError, ValueError):
            pid = 0
        if pid and Path(f"/proc/{pid}").exists():
            continue            # a run in progress (another pytest session)
        stopped = kill_running_from(folder)
        if stopped:
            removed.append(f"{stopped} process(es) of the hub in {folder}")
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(f"folder {folder}")
    return removed


# -- the hub -------------------------------------------------------------------------------------

@dataclass
class ClassHub:
    """A class on this machine: set up by ``hub/setup.sh``, served by ``hub/start.sh``."""

    source: Path = ROOT
    n_learners: int = 2
    tag: str = field(default_factory=lambda: secrets.token_hex(3))
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=TMP_BASE))
        # every user's server runs the venv in here: the folder must be traversable by all
        self.base.chmod(0o755)
        (self.base / "owner.pid").write_text(str(os.getpid()))
        self.prefix = self.base / "prefix"
        self.exchange = self.base / "exchange"
        self.venv = self.prefix / "venv"
        self.jupyter_etc = self.venv / "etc" / "jupyter"
        self.instructor = f"gdt{self.tag}-instructor"
        self.learners = [f"gdt{self.tag}-learner{i}" for i in range(1, self.n_learners + 1)]
        self.groups = {"instructors": f"gdt{self.tag}-instructors",
                       "learners": f"gdt{self.tag}-learners"}
        self.port, self.hub_port, self.api_port = _free_port(), _free_port(), _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.base / "jupyterhub.log"
        self._log: Any = None

    # -- names -----------------------------------------------------------------------------

    @property
    def users(self) -> list[str]:
        return [self.instructor, *self.learners]

    def uids(self) -> set[int]:
        out = set()
        for name in self.users:
            with contextlib.suppress(KeyError):
                out.add(pwd.getpwnam(name).pw_uid)
        return out

    def uid(self, user: str) -> int:
        return pwd.getpwnam(user).pw_uid

    def gid(self, group: str) -> int:
        return grp.getgrnam(group).gr_gid

    def home(self, user: str) -> Path:
        return Path(pwd.getpwnam(user).pw_dir)

    @property
    def course(self) -> Path:
        return self.home(self.instructor) / "gdcourse"

    # -- set-up and start ------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GDHUB_", "JUPYTER"))}
        env.update({
            "GDHUB_PREFIX": str(self.prefix), "GDHUB_EXCHANGE": str(self.exchange),
            "GDHUB_COURSE_ID": COURSE_ID,
            "GDHUB_INSTRUCTOR_GROUP": self.groups["instructors"],
            "GDHUB_LEARNER_GROUP": self.groups["learners"],
            "GDHUB_BIND_URL": self.url,
            "GDHUB_HUB_BIND_URL": f"http://127.0.0.1:{self.hub_port}",
            "GDHUB_PROXY_API_URL": f"http://127.0.0.1:{self.api_port}",
            "GDHUB_SOURCE": str(self.source), "GDHUB_USER_COMMENT": MARK,
            "GDHUB_AUTHENTICATOR": "shared-password", "GDCOURSE_HUB_PASSWORD": self.password,
        })
        env.pop("MPLBACKEND", None)
        return env

    def setup(self) -> None:
        start = time.monotonic()
        cmd = [str(HUB / "setup.sh"), "--course", "--instructor", self.instructor]
        for name in self.learners:
            cmd += ["--learner", name]
        proc = subprocess.run(cmd, env=self.env(), capture_output=True, text=True,
                              timeout=SETUP_S)
        (self.base / "setup.log").write_text(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            raise RuntimeError(f"hub/setup.sh failed ({proc.returncode}):\n"
                               f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        self.timings["set-up (venv, proxy, users, exchange)"] = time.monotonic() - start

    def start(self) -> None:
        start = time.monotonic()
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        # a session of its own, like a terminal's foreground job: stop() sends it Ctrl-C
        self.proc = subprocess.Popen([str(HUB / "start.sh")], env=self.env(), stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + HUB_START_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited with {self.proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError, urllib.error.URLError):
                with urllib.request.urlopen(f"{self.url}/hub/login", timeout=5) as resp:
                    if resp.status == 200:
                        self.timings["hub start"] = time.monotonic() - start
                        return
            time.sleep(0.25)
        raise RuntimeError(f"the hub did not answer within {HUB_START_S} s:\n{self.log_tail()}")

    def proxy_pids(self) -> list[int]:
        import psutil

        if self.proc is None:
            return []
        with contextlib.suppress(psutil.Error):
            return [p.pid for p in psutil.Process(self.proc.pid).children(recursive=True)
                    if "configurable-http-proxy" in " ".join(p.cmdline())]
        return []

    def interrupt(self, timeout: float = 60) -> float:
        """Ctrl-C, as a terminal sends it (SIGINT to the foreground process group); return the
        seconds until the hub exited."""
        assert self.proc is not None
        start = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGINT)
        self.proc.wait(timeout=timeout)
        return time.monotonic() - start

    def stop(self) -> None:
        """Stop the hub if it still runs (Ctrl-C, then SIGKILL to its group)."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.interrupt(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, n: int = 80) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def cleanup(self) -> list[str]:
        """Remove everything this hub made, whatever state it is in; return what was left over."""
        problems = []
        self.stop()
        uids = self.uids()
        if uids:
            left = kill_all(uids)
            if left:
                problems.append(f"{left} process(es) of the tier's users outlived the hub")
        for name in self.users:
            remove_user(name)
        for g in self.groups.values():
            remove_group(g)
        for name in self.users:
            if Path("/home", name).exists():
                problems.append(f"/home/{name} not removed")
        shutil.rmtree(self.base, ignore_errors=True)
        return problems

    # -- as a user ---------------------------------------------------------------------------

    def user_env(self, user: str) -> dict[str, str]:
        """The environment the hub gives ``user``'s server, hence their terminal."""
        home = str(self.home(user))
        env = {"HOME": home, "USER": user, "LOGNAME": user, "SHELL": "/bin/bash",
               "LANG": "C.UTF-8", "PATH": f"{self.venv}/bin:/usr/local/bin:/usr/bin:/bin",
               "JUPYTER_PREFER_ENV_PATH": "0"}
        if user == self.instructor:
            env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
                [str(self.course / "autograde"), str(self.prefix / "etc" / "instructor")])
        else:
            env["JUPYTER_CONFIG_PATH"] = str(self.prefix / "etc" / "learner")
        return env

    def run_as(self, user: str, *cmd: str, cwd: Path | None = None, check: bool = True,
               timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run ``cmd`` as ``user`` (their groups, their environment), from ``cwd`` (default: home)."""
        entry = pwd.getpwnam(user)
        groups = os.getgrouplist(user, entry.pw_gid)
        proc = subprocess.run(list(cmd), cwd=cwd or entry.pw_dir, env=self.user_env(user),
                              user=entry.pw_uid, group=entry.pw_gid, extra_groups=groups,
                              capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} as {user} exited {proc.returncode}:\n"
                                 f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        return proc

    def can_read(self, user: str, path: Path) -> bool:
        """Whether ``user`` can open ``path`` for reading (or list it, for a folder)."""
        code = ("import os, sys; p = sys.argv[1]\n"
                "try:\n"
                "    os.listdir(p) if os.path.isdir(p) else open(p, 'rb').read(1)\n"
                "except PermissionError:\n"
                "    sys.exit(3)\n")
        proc = self.run_as(user, "/usr/bin/python3", "-c", code, str(path), check=False, cwd=Path("/"))
        if proc.returncode not in (0, 3):
            raise AssertionError(f"probe of {path} as {user} failed: {proc.stderr}")
        return proc.returncode == 0


# -- a user in the browser -----------------------------------------------------------------------

MENU_BAR = "#jp-menu-panel .lm-MenuBar-itemLabel"
MENU_ITEM = ".lm-Menu .lm-Menu-itemLabel"


class Learner:
    """One hub user in a chromium context of their own (their own cookies)."""

    def __init__(self, hub: ClassHub, browser: Any, user: str) -> None:
        self.hub = hub
        self.user = user
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"[{m.type}] {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"[pageerror] {e}"))

    def login(self) -> float:
        """Log in on the hub's page; wait for JupyterLab (the server is spawned). Seconds."""
        start = time.monotonic()
        page = self.page
        page.goto(f"{self.hub.url}/hub/login", wait_until="domcontentloaded")
        page.fill("#username_input", self.user)
        page.fill("#password_input", self.hub.password)
        page.click("#login_submit")
        page.wait_for_url(re.compile(rf".*/user/{re.escape(self.user)}/lab.*"),
                          timeout=SPAWN_S * 1000)
        page.locator("#jp-main-statusbar").wait_for(state="visible", timeout=SPAWN_S * 1000)
        return time.monotonic() - start

    def menu(self, top: str) -> list[str]:
        """Open a menu of the menu bar; return its item labels (the menu stays open)."""
        self.page.locator(MENU_BAR, has_text=re.compile(f"^{re.escape(top)}$")).click()
        self.page.locator(MENU_ITEM).first.wait_for(state="visible")
        return [t.strip() for t in self.page.locator(MENU_ITEM).all_inner_texts()]

    def close_menu(self) -> None:
        self.page.keyboard.press("Escape")

    # -- a terminal ---------------------------------------------------------------------------

    def terminal(self, command: str, timeout_s: float = 300) -> tuple[int, str]:
        """Type ``command`` into a new terminal of this user's server, as JupyterLab's terminal
        does (its REST API and websocket, from the logged-in page); return its exit status and
        output. The terminal is the one *File > New > Terminal* opens: same shell, environment
        and working directory (the home)."""
        result = self.page.evaluate(_TERMINAL_JS, [command, timeout_s * 1000])
        return int(result["status"]), str(result["output"])

    # -- the Assignments tab ---------------------------------------------------------------

    def assignments(self) -> Any:
        """Nbgrader > Assignment List; return the tab's root element."""
        if not self.page.locator("#assignments").is_visible():
            self.menu("Nbgrader")
            self.page.locator(MENU_ITEM, has_text=re.compile(r"^Assignment List$")).click()
        tab = self.page.locator("#assignments")
        tab.wait_for(state="visible")
        return tab

    def refresh_assignments(self) -> None:
        self.assignments().locator("#refresh_assignments_list").click()

    def row(self, listing: str, assignment: str) -> Any:
        """The row of ``assignment`` in ``released``, ``fetched`` or ``submitted``."""
        return (self.page.locator(f"#{listing}_assignments_list .list_item")
                .filter(has_text=assignment).first)

    def fetch(self, assignment: str) -> None:
        self.assignments()
        self.row("released", assignment).get_by_role("button", name="Fetch").click()
        self.row("fetched", assignment).wait_for(state="visible", timeout=60_000)

    def open_notebook(self, assignment: str, notebook: str) -> None:
        """Open a fetched notebook from the Assignments tab (expand the row, click its name)."""
        row = self.row("fetched", assignment)
        link = row.locator(".assignment-notebooks .nested_list_item a",
                           has_text=re.compile(f"^{re.escape(notebook)}$")).first
        if not link.is_visible():
            row.locator("a.assignment-notebooks-link").click()     # expand the notebooks
        link.click()
        self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(
            state="visible", timeout=60_000)

    def answer(self, sources: list[str]) -> None:
        """Replace the stub of each answer cell (``# YOUR CODE HERE``), in order, as typed text."""
        for source in sources:
            cell = (self.page.locator(".jp-NotebookPanel:visible .jp-CodeCell")
                    .filter(has_text="YOUR CODE HERE").first)
            editor = cell.locator(".cm-content").first
            editor.scroll_into_view_if_needed()
            editor.click()
            self.page.keyboard.press("Control+a")
            self.page.keyboard.insert_text(source)
            self.page.keyboard.press("Escape")          # command mode: the edit is committed

    def save(self) -> None:
        """File > Save (Ctrl+S); wait until the tab is no longer marked unsaved."""
        self.page.keyboard.press("Control+s")
        self.page.wait_for_function(
            "() => !document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')",
            timeout=30_000, polling=100)

    def submit(self, assignment: str) -> None:
        self.assignments()
        self.row("fetched", assignment).get_by_role("button", name="Submit").click()
        self.row("submitted", assignment).wait_for(state="visible", timeout=60_000)

    def fetch_feedback(self, assignment: str) -> None:
        """Fetch Feedback; wait for the row's "(view feedback)" link."""
        self.assignments()
        self.refresh_assignments()
        row = self.page.locator("#submitted_assignments_list")
        row.get_by_role("button", name="Fetch Feedback").first.click()
        row.get_by_text("(view feedback)").first.wait_for(state="visible", timeout=60_000)

    def read_feedback(self, notebook: str) -> str:
        """Follow "(view feedback)" to the folder, open ``<notebook>.html``; return its text."""
        self.page.locator("#submitted_assignments_list").get_by_text("(view feedback)").first.click()
        item = self.page.locator(".jp-DirListing-item", has_text=f"{notebook}.html").first
        item.wait_for(state="visible", timeout=30_000)
        item.dblclick()
        frame = self.page.frame_locator(".jp-HTMLViewer:visible iframe").first
        body = frame.locator("body")
        body.get_by_text(re.compile(r"Score:")).first.wait_for(state="visible", timeout=60_000)
        return body.inner_text()

    def save_artifacts(self, out: Path, stem: str) -> None:
        out.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):
            self.page.screenshot(path=str(out / f"{stem}.png"), full_page=True, timeout=15_000)
        (out / f"{stem}.console.log").write_text("\n".join(self.console) + "\n")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.context.close()


# A terminal through the server's API, from the page (its cookies, its XSRF token). The marker's
# typed form (``@@DONE""=``) differs from its output (``@@DONE=<status>``), so the echo of the
# command line never ends the wait.
_TERMINAL_JS = r"""
async ([command, timeoutMs]) => {
  const cfg = JSON.parse(document.getElementById('jupyter-config-data').textContent);
  const base = cfg.baseUrl;
  const m = document.cookie.match(/(?:^|; )_xsrf=([^;]*)/);
  const headers = {'X-XSRFToken': m ? decodeURIComponent(m[1]) : ''};
  const made = await fetch(base + 'api/terminals', {method: 'POST', headers});
  if (!made.ok) throw new Error('cannot open a terminal: ' + made.status);
  const name = (await made.json()).name;
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + base
    + 'terminals/websocket/' + name;
  try {
    return await new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      let out = '';
      const timer = setTimeout(() => { ws.close(); reject(new Error('timeout: ' + out.slice(-3000))); },
                               timeoutMs);
      ws.onopen = () => ws.send(JSON.stringify(['stdin', command + '; echo "@@DONE""=$?"\r']));
      ws.onmessage = (ev) => {
        const msg = JSON.parse(ev.data);
        if (msg[0] !== 'stdout') return;
        out += msg[1];
        const done = out.match(/@@DONE=(\d+)/);
        if (done) { clearTimeout(timer); ws.close(); resolve({status: done[1], output: out}); }
      };
      ws.onerror = () => { clearTimeout(timer); reject(new Error('terminal websocket error')); };
    });
  } finally {
    await fetch(base + 'api/terminals/' + name, {method: 'DELETE', headers});
  }
}
"""


def artifacts_dir() -> Path:
    """``$CI_ARTIFACTS_DIR/hub`` or ``test-artifacts/hub``."""
    base = os.environ.get("CI_ARTIFACTS_DIR")
    out = Path(base) / "hub" if base else ROOT / "test-artifacts" / "hub"
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_timings(timings: dict[str, float]) -> Path:
    path = artifacts_dir() / "timings.json"
    path.write_text(json.dumps(timings, indent=1))
    return path
