"""Starting the sandbox: one zygote per batch (see ``inside/zygote.py``), under bubblewrap.

The zygote gets new pid, network, IPC and UTS namespaces (no network at all: the channels are
pipes); a read-only whitelist of system paths (``/usr``, ``/etc``, the Python installation, the
virtual environment), the grader's own ``gdutils`` at ``/opt/gdgrade/lib/gdutils`` (first on the
import path, so the sandbox runs exactly the library the grader judges with) and the inside
modules at ``/opt/gdgrade/inside``. The course directory, the gradebook, ``solutions/``, the
exchange and other students' work do not exist inside. Each kernel it forks then gets its own
namespaces, file systems, cgroup and uid (see the zygote's docstring).

Modes (:func:`probe`):

``root``    bubblewrap run as root; kernels drop to ``uid_base + slot``;
``userns``  bubblewrap in an unprivileged user namespace (a normal user); kernels keep the one
            mapped uid and lose every capability;
``none``    no bubblewrap (not Linux, not installed, namespaces disabled): the zygote is a plain
            process; kernels get a private folder, rlimits, and (as root) an unprivileged uid.
            Every result then says ``NOT SANDBOXED`` loudly.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .fence import CgroupBatch

INSIDE = Path(__file__).resolve().parent.parent / "inside"
OPT = "/opt/gdgrade"
HOME = "/home/student"


class SandboxError(RuntimeError):
    """The sandbox could not be started or broke down: a failure of the grader, not of a
    submission."""


@dataclass
class SandboxSettings:
    """Limits of one kernel (the sandbox of one notebook of one submission)."""

    mode: str = "auto"  # auto | bwrap | userns | none
    memory_mb: int = 3072  # the whole sandbox (cgroup), and each process (address space)
    cpu_seconds: int = 900
    nproc: int = 64
    fsize_mb: int = 64
    nofile: int = 512
    tmpfs_mb: int = 512
    uid_base: int = 64000
    cell_timeout: float = 30.0
    extra_paths: list[str] = field(default_factory=list)  # read-only, on the import path


@dataclass
class SandboxInfo:
    """Which sandbox this machine gives (``mode``: root | userns | none)."""

    mode: str
    detail: str
    warning: str | None = None

    @property
    def label(self) -> str:
        return self.detail if self.mode != "none" else f"NONE ({self.warning})"


def _python_roots() -> list[str]:
    """Folders the sandboxed Python needs: the installation, the venv, site-packages."""
    roots = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix,
                                           os.path.dirname(os.path.realpath(sys.executable)))}
    for entry in sys.path:
        if entry and os.path.isdir(entry) and "-packages" in entry:
            roots.add(os.path.realpath(entry))
    out: list[str] = []
    for r in sorted(roots, key=len):
        if r.startswith(("/usr/", "/etc/")) or r in ("/usr", "/etc", "/"):
            continue
        if not any(r == o or r.startswith(o + "/") for o in out):
            out.append(r)
    return out


def judge_imports(settings: SandboxSettings) -> tuple[str, ...]:
    """Folders a judge process must be able to import from (Python, the venv, gdutils)."""
    return tuple(_python_roots() + [gdutils_dir()] + [os.path.realpath(p) for p in settings.extra_paths])


def gdutils_dir() -> str:
    """The folder of the gdutils package this grader imports (and judges with)."""
    import gdutils

    return os.path.dirname(os.path.realpath(gdutils.__file__))


def expected_gdutils(info: SandboxInfo) -> str:
    """Where a kernel must find gdutils: the bind in the sandbox, or the grader's own folder."""
    return f"{OPT}/lib/gdutils" if info.mode != "none" else gdutils_dir()


@functools.lru_cache(maxsize=1)
def mpl_cache() -> str | None:
    """A matplotlib font cache built once by trusted code and mounted read-only in the sandbox
    (building it in every fresh sandbox would cost about a second)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "gdcourse", f"matplotlib-{os.geteuid()}")
    if not os.path.isdir(path) or not any(n.startswith("fontlist") for n in os.listdir(path)):
        os.makedirs(path, exist_ok=True)
        env = dict(os.environ, MPLCONFIGDIR=path)
        env.pop("MPLBACKEND", None)
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120,
                       check=False)
    return path if os.path.isdir(path) else None


def sandbox_env(info: SandboxInfo, extra_paths: list[str]) -> dict[str, str]:
    """The zygote's (and so every kernel's) environment: nothing of the grader's."""
    lib = [f"{OPT}/lib"] if info.mode != "none" else [os.path.dirname(gdutils_dir())]
    cache = mpl_cache()
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": HOME,
        "USER": "student",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TMPDIR": "/tmp",
        "NBGRADER_EXECUTION": "autograde",
        "MPLBACKEND": "agg",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "PYTHONPATH": os.pathsep.join(lib + [os.path.realpath(p) for p in extra_paths]),
        "MPLCONFIGDIR": (f"{OPT}/mplcache" if info.mode != "none" else cache) or "/tmp/matplotlib",
        "IPYTHONDIR": "/tmp/ipython",
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    return env


def _ancestors(path: str) -> list[str]:
    parts = Path(path).parts[1:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def bwrap_argv(settings: SandboxSettings, userns: bool, cgroup_binds: dict[str, str],
               command: list[str]) -> list[str]:
    """bubblewrap's command line for the zygote."""
    argv = ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net",
            "--unshare-ipc", "--unshare-uts", "--cap-add", "ALL"]
    if userns:
        argv += ["--unshare-user", "--uid", "0", "--gid", "0"]
    for p in ("/usr", "/etc"):
        argv += ["--ro-bind", p, p]
    for p in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(p):
            argv += ["--symlink", os.readlink(p), p]
        elif os.path.isdir(p):
            argv += ["--ro-bind", p, p]
    # The throw-away file systems come first: a checkout (and so the venv) may live under /tmp,
    # and a tmpfs mounted after its bind would hide it.
    argv += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(64 << 20), "--tmpfs", "/tmp",
             "--perms", "0755", "--size", str(settings.tmpfs_mb << 20), "--tmpfs", HOME,
             "--perms", "0755", "--dir", OPT, "--perms", "0755", "--dir", f"{OPT}/lib",
             "--perms", "0755", "--dir", f"{OPT}/cg"]
    made: set[str] = set()
    for root in _python_roots() + [os.path.realpath(p) for p in settings.extra_paths]:
        if root.startswith("/usr/") or not os.path.exists(root):
            continue
        for anc in _ancestors(root):
            if anc not in made and anc not in ("/usr", "/etc", "/home", "/tmp"):
                argv += ["--perms", "0755", "--dir", anc]
                made.add(anc)
        argv += ["--ro-bind", root, root]
    argv += ["--ro-bind", str(INSIDE), f"{OPT}/inside",
             "--ro-bind", gdutils_dir(), f"{OPT}/lib/gdutils"]
    cache = mpl_cache()
    if cache:
        argv += ["--ro-bind", cache, f"{OPT}/mplcache"]
    for host, inside in cgroup_binds.items():
        argv += ["--dir", inside, "--bind", host, inside]
    argv += ["--chdir", HOME, "--"]
    return argv + command


@functools.lru_cache(maxsize=8)
def probe(mode: str = "auto") -> SandboxInfo:
    """Find out once whether bubblewrap works here, and how."""
    if mode == "none":
        return SandboxInfo("none", "none", "NOT SANDBOXED: sandboxing disabled by configuration "
                                           "(--sandbox none); learner code ran with rlimits only")
    why = None
    userns = mode == "userns" or os.geteuid() != 0
    if not sys.platform.startswith("linux"):
        why = f"not Linux ({sys.platform})"
    elif shutil.which("bwrap") is None:
        why = "bubblewrap (bwrap) is not installed"
    if why is None:
        argv = bwrap_argv(SandboxSettings(), userns, {}, [sys.executable, "-c", "import numpy"])
        try:
            proc = subprocess.run(argv, capture_output=True, timeout=60,
                                  env=sandbox_env(SandboxInfo("root", ""), []))
            if proc.returncode != 0:
                why = "bwrap failed: " + proc.stderr.decode(errors="replace").strip()[:300]
        except (OSError, subprocess.TimeoutExpired) as exc:
            why = f"bwrap failed: {exc}"
    if why is None:
        if userns:
            return SandboxInfo("userns", "bwrap (user namespace, no capabilities, no network)")
        return SandboxInfo("root", "bwrap (an unprivileged uid per worker, no network)")
    if mode in ("bwrap", "userns"):
        raise SandboxError(f"sandbox required but unavailable: {why}")
    who = "an unprivileged uid" if os.geteuid() == 0 else "the grader's own user"
    return SandboxInfo("none", "none", f"NOT SANDBOXED: {why}; learner code ran as {who} with "
                                       "rlimits only, able to read what that user can read")


@functools.lru_cache(maxsize=16)
def _uid_can_run_python(uid: int) -> bool:
    """Without bubblewrap, as root: can ``uid`` read this Python's files at all (a Python under a
    0700 /root cannot be used by another user)?"""
    def drop() -> None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)

    try:
        proc = subprocess.run([sys.executable, "-c", "import numpy, IPython"], preexec_fn=drop,
                              capture_output=True, timeout=60, cwd="/")
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def preload_modules(sources: list[dict]) -> list[str]:
    """gdutils (and other library) modules the source notebooks import: the zygote imports them
    once, so no kernel pays for them."""
    import ast

    import gdutils

    mods: list[str] = ["gdutils", gdutils.MODULES["checks"]]
    for nb in sources:
        for cell in nb.get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            src = cell.get("source", "")
            src = "".join(src) if isinstance(src, list) else str(src)
            try:
                tree = ast.parse(src)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                for n in names:
                    top = n.split(".")[0]
                    if top in ("gdutils", "numpy", "matplotlib", "ipywidgets", "scipy") and n not in mods:
                        mods.append(n)
    return mods


class Zygote:
    """The running zygote of a batch: ``spawn`` a kernel, ``kill`` it, ``close`` everything."""

    def __init__(self, settings: SandboxSettings, info: SandboxInfo, *, preload: list[str],
                 cgroups: CgroupBatch | None = None, label: str = "") -> None:
        self.settings = settings
        self.info = info
        self.workbase: str | None = None
        parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock = parent_sock
        limits = {
            "as": settings.memory_mb << 20,
            "cpu": settings.cpu_seconds,
            "nproc": settings.nproc,
            "fsize": settings.fsize_mb << 20,
            "nofile": settings.nofile,
            "core": 0,
            "cell_timeout": settings.cell_timeout,
        }
        config: dict = {"mode": info.mode, "uid_base": settings.uid_base, "limits": limits,
                        "tmpfs_mb": settings.tmpfs_mb, "home": HOME,
                        "preload": list(preload), "control_fd": child_sock.fileno(),
                        "batch": label}  # names the batch in `ps` (the course folder)
        binds: dict[str, str] = {}
        if cgroups is not None:
            if info.mode == "none":
                paths = {k: str(v) for k, v in cgroups.bases.items()}
            else:
                paths = {k: f"{OPT}/cg/{k}" for k in cgroups.bases}
                binds = {str(v): f"{OPT}/cg/{k}" for k, v in cgroups.bases.items()}
            config["cgroups"] = cgroups.zygote_spec(paths, settings.memory_mb, settings.nproc)
        env = sandbox_env(info, settings.extra_paths)
        self._errfile = tempfile.TemporaryFile()
        if info.mode == "none":
            self.workbase = tempfile.mkdtemp(prefix="gdgrade-")
            os.chmod(self.workbase, 0o711)
            config["workbase"] = self.workbase
            config["drop_uid"] = os.geteuid() == 0 and _uid_can_run_python(settings.uid_base)
            config["home"] = self.workbase
            argv = [sys.executable, str(INSIDE / "zygote.py"), json.dumps(config)]
            cwd = self.workbase
        else:
            cmd = [sys.executable, f"{OPT}/inside/zygote.py", json.dumps(config)]
            argv = bwrap_argv(settings, info.mode == "userns", binds, cmd)
            cwd = None
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self._errfile, env=env, cwd=cwd,
                                     pass_fds=(child_sock.fileno(),), start_new_session=True)
        child_sock.close()
        self.ready = self._recv(180.0)
        if not self.ready.get("ready"):
            err = self.stderr()
            self.close()
            raise SandboxError(f"the sandbox did not start: {self.ready.get('error', '')} {err}".strip())

    def stderr(self) -> str:
        """The first 4000 bytes the sandbox wrote on stderr."""
        try:
            self._errfile.seek(0)
            return self._errfile.read(4000).decode(errors="replace").strip()
        except (OSError, ValueError):
            return ""

    def _recv(self, timeout: float) -> dict:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 16)
        except (OSError, TimeoutError) as exc:
            return {"error": f"no answer from the sandbox ({exc})"}
        if not data:
            return {"error": "the sandbox closed its control channel"}
        try:
            return json.loads(data)
        except ValueError:
            return {"error": "malformed answer from the sandbox"}

    def alive(self) -> bool:
        """Is the zygote still running?"""
        return self.proc.poll() is None

    def spawn(self, kid: int, slot: int) -> tuple[int, int]:
        """Fork kernel ``kid``; returns the judge's ends of its channel ``(read_fd, write_fd)``."""
        to_kernel_r, to_kernel_w = os.pipe()
        from_kernel_r, from_kernel_w = os.pipe()
        try:
            socket.send_fds(self.sock, [json.dumps({"op": "spawn", "kid": kid, "slot": slot}).encode()],
                            [to_kernel_r, from_kernel_w])
            reply = self._recv(60.0)
        except OSError as exc:
            reply = {"error": str(exc)}
        finally:
            os.close(to_kernel_r)
            os.close(from_kernel_w)
        if not reply.get("ok"):
            os.close(to_kernel_w)
            os.close(from_kernel_r)
            raise SandboxError(f"could not start a kernel: {reply.get('error')} {self.stderr()}".strip())
        return from_kernel_r, to_kernel_w

    def kill(self, kid: int) -> dict:
        """Kill kernel ``kid`` and everything it started; its exit status and cgroup events."""
        try:
            self.sock.send(json.dumps({"op": "kill", "kid": kid}).encode())
            return self._recv(60.0)
        except OSError as exc:
            return {"error": str(exc)}

    def close(self) -> None:
        """Stop the zygote and every kernel; remove its folders."""
        with contextlib.suppress(OSError):
            self.sock.send(json.dumps({"op": "exit"}).encode())
            self._recv(5.0)
        with contextlib.suppress(OSError):
            self.sock.close()
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        if self.workbase:
            shutil.rmtree(self.workbase, ignore_errors=True)
        with contextlib.suppress(OSError, ValueError):
            self._errfile.close()


def wait_gone(pid: int, timeout: float = 5.0) -> None:
    """Wait until process ``pid`` no longer exists (at most ``timeout`` seconds)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.01)
