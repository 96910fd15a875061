"""Starting the in-sandbox runner: bubblewrap where it works, a loud fallback where it does not.

The sandbox (``bwrap``) gets: new pid, network, IPC and UTS namespaces (no network at all, not even
loopback is needed: the channel is a pipe); a whitelist of read-only system paths (``/usr``,
``/etc``, the Python installation, the virtual environment and ``gdutils``) so that the course
directory, the gradebook, ``solutions/``, the exchange and other students' work simply do not
exist inside; a size-limited tmpfs as the working copy (``/home/student/work``) and ``/tmp``;
``--die-with-parent`` and ``--new-session``. As root, the runner then drops to an unprivileged
uid (one per worker slot, so process limits are per sandbox) with ``setpriv``, with no
capabilities. The runner applies its own rlimits (address space, CPU, processes, file size,
open files) before any learner code exists.

Where bwrap cannot run (not installed, no user namespaces, not Linux) the runner is started as a
plain subprocess with the same rlimits, in a temporary directory, as the unprivileged uid when we
are root — and every result says ``sandbox: NONE`` loudly.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import wire

RUNNER_DIR = "/opt/gdgrade"
MPL_CACHE_IN = "/opt/gdgrade/mplcache"
WORKDIR = "/home/student/work"
HERE = Path(__file__).resolve().parent


@dataclass
class SandboxSettings:
    mode: str = "auto"  # auto | bwrap | none
    memory_mb: int = 3072
    cpu_seconds: int = 900
    nproc: int = 64
    fsize_mb: int = 64
    nofile: int = 512
    tmpfs_mb: int = 512
    uid_base: int = 64000
    extra_paths: list[str] = field(default_factory=list)  # read-only, added to PYTHONPATH
    preload_matplotlib: bool = True


@dataclass
class SandboxInfo:
    mode: str  # "bwrap" or "none"
    detail: str
    warning: str | None = None

    @property
    def label(self) -> str:
        return self.detail if self.mode == "bwrap" else f"NONE ({self.warning})"


def _python_roots() -> list[str]:
    """Directories the runner's Python needs: the installation, the venv, import roots."""
    roots: list[str] = []
    for p in {sys.base_prefix, sys.prefix, os.path.dirname(os.path.realpath(sys.executable))}:
        roots.append(os.path.realpath(p))
    import gdutils

    roots.append(os.path.dirname(os.path.realpath(gdutils.__file__)))
    for entry in sys.path:
        if entry and os.path.isdir(entry) and "site-packages" in entry:
            roots.append(os.path.realpath(entry))
    out: list[str] = []
    for r in sorted(set(roots), key=len):
        if r.startswith(("/usr/", "/etc/")) or r in ("/usr", "/etc", "/"):
            continue
        if not any(r == o or r.startswith(o + "/") for o in out):
            out.append(r)
    return out


def _mpl_cache() -> str | None:
    """A matplotlib font cache built once by trusted code, copied into each sandbox (building it
    inside every fresh sandbox would cost about a second per submission)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "gdcourse", f"matplotlib-{os.geteuid()}")
    if not os.path.isdir(path) or not any(n.startswith("fontlist") for n in os.listdir(path)):
        os.makedirs(path, exist_ok=True)
        env = dict(os.environ, MPLCONFIGDIR=path)
        env.pop("MPLBACKEND", None)
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=False)
    return path if os.path.isdir(path) else None


def sandbox_env(extra_paths: list[str]) -> dict[str, str]:
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/home/student",
        "USER": "student",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TMPDIR": "/tmp",
        "NBGRADER_EXECUTION": "autograde",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "IPYTHONDIR": "/tmp/ipython",
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    if extra_paths:
        env["PYTHONPATH"] = os.pathsep.join(extra_paths)
    return env


def _ancestors(path: str) -> list[str]:
    parts = Path(path).parts[1:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def bwrap_argv(settings: SandboxSettings, slot: int, command: list[str]) -> list[str]:
    argv = ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net",
            "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() != 0:
        argv.append("--unshare-user")
    for p in ("/usr", "/etc"):
        argv += ["--ro-bind", p, p]
    for p in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(p):
            argv += ["--symlink", os.readlink(p), p]
        elif os.path.isdir(p):
            argv += ["--ro-bind", p, p]
    # The throw-away file systems come first: a checkout (and so the venv and gdutils) may live
    # under /tmp, and a tmpfs mounted after its bind would hide it.
    argv += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(64 << 20), "--tmpfs", "/tmp",
             "--perms", "0777", "--size", str(settings.tmpfs_mb << 20), "--tmpfs", "/home/student",
             "--perms", "0755", "--dir", RUNNER_DIR]
    made: set[str] = set()
    binds = _python_roots() + [os.path.realpath(p) for p in settings.extra_paths]
    for root in binds:
        if root.startswith("/usr/") or not os.path.exists(root):
            continue
        for anc in _ancestors(root):
            if anc not in made and anc not in ("/usr", "/etc", "/home", "/tmp"):
                argv += ["--perms", "0755", "--dir", anc]
                made.add(anc)
        argv += ["--ro-bind", root, root]
    for name in ("runner.py", "wire.py"):
        argv += ["--ro-bind", str(HERE / name), f"{RUNNER_DIR}/{name}"]
    cache = _mpl_cache()
    if cache:
        argv += ["--ro-bind", cache, MPL_CACHE_IN]
    argv += ["--chdir", "/home/student", "--"]
    if os.geteuid() == 0:
        uid = str(settings.uid_base + slot)
        argv += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    return argv + command


@functools.lru_cache(maxsize=4)
def probe(mode: str = "auto") -> SandboxInfo:
    """Find out once whether bubblewrap works here."""
    if mode == "none":
        return SandboxInfo("none", "none", "NOT SANDBOXED: sandboxing disabled by configuration "
                                           "(--sandbox none); learner code ran with rlimits only")
    why = None
    if not sys.platform.startswith("linux"):
        why = f"not Linux ({sys.platform})"
    elif shutil.which("bwrap") is None:
        why = "bubblewrap (bwrap) is not installed"
    elif os.geteuid() == 0 and shutil.which("setpriv") is None:
        why = "setpriv (util-linux) is missing"
    if why is None:
        argv = bwrap_argv(SandboxSettings(), 0, [sys.executable, "-c", "pass"])
        try:
            proc = subprocess.run(argv, capture_output=True, timeout=60, env=sandbox_env([]))
            if proc.returncode != 0:
                why = "bwrap failed: " + proc.stderr.decode(errors="replace").strip()[:300]
        except (OSError, subprocess.TimeoutExpired) as exc:
            why = f"bwrap failed: {exc}"
    if why is None:
        who = "an unprivileged uid via setpriv" if os.geteuid() == 0 else "the invoking user in a user namespace"
        return SandboxInfo("bwrap", f"bwrap ({who}, no network)")
    if mode == "bwrap":
        raise RuntimeError(f"sandbox required but unavailable: {why}")
    who = ("an unprivileged uid" if os.geteuid() == 0 and _fallback_uid(SandboxSettings().uid_base) is not None
           else "the grader's own user")
    return SandboxInfo("none", "none", f"NOT SANDBOXED: {why}; learner code ran as {who} with rlimits only, "
                                       "able to read what that user can read")


@functools.lru_cache(maxsize=16)
def _fallback_uid(uid: int) -> int | None:
    """Without bubblewrap, as root: drop to ``uid`` if that uid can run this Python at all
    (a Python under /root cannot be executed by another user)."""
    if os.geteuid() != 0:
        return None
    try:
        proc = subprocess.run([sys.executable, "-c", "pass"], preexec_fn=functools.partial(_preexec, uid, {}),
                              capture_output=True, timeout=60, cwd="/")
    except (OSError, subprocess.SubprocessError):
        return None
    return uid if proc.returncode == 0 else None


def _preexec(uid: int | None, limits: dict) -> None:  # runs in the child before exec
    os.setsid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the grader
    except OSError:
        pass
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)


class Sandbox:
    """One started runner. ``peer`` speaks to it; ``close()`` kills it (and everything it left)."""

    def __init__(self, settings: SandboxSettings, slot: int = 0) -> None:
        self.settings = settings
        self.slot = slot
        self.info = probe(settings.mode)
        self.tmpdir: str | None = None
        self.peer: wire.Peer | None = None
        self.ready = False
        limits = {
            "as": settings.memory_mb << 20,
            "cpu": settings.cpu_seconds,
            "nproc": settings.nproc,
            "fsize": settings.fsize_mb << 20,
            "nofile": settings.nofile,
            "core": 0,
            "preload_matplotlib": settings.preload_matplotlib,
        }
        env = sandbox_env([os.path.realpath(p) for p in settings.extra_paths])
        self._errfile = tempfile.TemporaryFile()
        if self.info.mode == "bwrap":
            limits["pidns"] = True
            limits["workdir"] = WORKDIR
            limits["mplcache"] = MPL_CACHE_IN
            cmd = [sys.executable, f"{RUNNER_DIR}/runner.py", json.dumps(limits)]
            argv = bwrap_argv(settings, slot, cmd)
            preexec = functools.partial(_preexec, None, limits)
            cwd = None
        else:
            self.tmpdir = tempfile.mkdtemp(prefix="gdgrade-")
            uid = _fallback_uid(settings.uid_base + slot)
            work = os.path.join(self.tmpdir, "work")
            os.makedirs(os.path.join(self.tmpdir, "tmp"))
            os.makedirs(work)
            if uid is not None:
                for d in (self.tmpdir, work, os.path.join(self.tmpdir, "tmp")):
                    os.chown(d, uid, uid)
            env.update(HOME=self.tmpdir, TMPDIR=os.path.join(self.tmpdir, "tmp"),
                       MPLCONFIGDIR=os.path.join(self.tmpdir, "tmp", "matplotlib"),
                       IPYTHONDIR=os.path.join(self.tmpdir, "tmp", "ipython"))
            limits["workdir"] = work
            limits["mplcache"] = _mpl_cache()
            argv = [sys.executable, str(HERE / "runner.py"), json.dumps(limits)]
            preexec = functools.partial(_preexec, uid, limits)
            cwd = work
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._errfile, env=env, cwd=cwd, preexec_fn=preexec,
                                     close_fds=True)
        self.started = time.monotonic()

    def wait_ready(self, dispatch, timeout: float = 120.0) -> None:
        self.peer = wire.Peer(self.proc.stdout.fileno(), self.proc.stdin.fileno(), dispatch)
        try:
            msg = wire.recv(self.peer.rfd, time.monotonic() + timeout)
        except (wire.ProtocolError, wire.ChannelTimeout) as exc:
            raise RuntimeError(f"the sandboxed runner did not start: {exc}; {self.stderr()}") from None
        if not msg.get("ready"):
            raise RuntimeError("the sandboxed runner did not start")
        self.ready = True

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stderr(self) -> str:
        try:
            self._errfile.seek(0)
            return self._errfile.read(4000).decode(errors="replace").strip()
        except (OSError, ValueError):
            return ""

    def exit_status(self, wait: float = 2.0) -> int | None:
        try:
            return self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.proc.kill()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        if self.info.mode == "none" and self.settings.uid_base is not None and os.geteuid() == 0:
            # kill what the learner left behind under the slot's uid (only that uid)
            uid = self.settings.uid_base + self.slot
            subprocess.run(["pkill", "-KILL", "-U", str(uid)], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        self._errfile.close()


class SandboxPool:
    """Keeps one runner started ahead of time, so the next submission does not wait for Python,
    numpy and IPython to import (the spare has no submission files until ``init``)."""

    def __init__(self, settings: SandboxSettings, slot: int = 0, spare: bool = True) -> None:
        self.settings = settings
        self.slot = slot
        self.spare_enabled = spare
        self._spare: Sandbox | None = None

    def take(self) -> Sandbox:
        sb, self._spare = self._spare, None
        if sb is None or not sb.alive():
            if sb is not None:
                sb.close()
            sb = Sandbox(self.settings, self.slot)
        return sb

    def prestart(self) -> None:
        if self.spare_enabled and self._spare is None:
            self._spare = Sandbox(self.settings, self.slot)

    def close(self) -> None:
        if self._spare is not None:
            self._spare.close()
            self._spare = None
