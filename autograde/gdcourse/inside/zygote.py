"""The zygote: one pre-imported Python inside the sandbox that forks a fresh kernel per notebook.

Started once per batch by the trusted launcher (``python zygote.py CONFIG_JSON``, under bubblewrap
where it works), it imports numpy, IPython, matplotlib and the assignment's gdutils modules once,
then serves requests on a control socket (fd 3) from the grader's parent process:

``spawn``  (with two file descriptors: the kernel's ends of its pipes to the judge) fork a kernel:
           in "root" and "userns" modes it gets its own mount, pid and IPC namespaces, a fresh
           tmpfs for its home and ``/tmp``, its own memory and pids cgroup where the grader
           provides them, then drops to an unprivileged uid (root mode: one per worker slot) or
           drops every capability (userns mode), applies rlimits and serves the judge;
``kill``   kill a kernel and everything it started; report its cgroup's memory and pids events;
``exit``   stop.

A kernel is the first process of its own pid namespace: when it dies, every process it started
dies with it, and no two submissions ever share a file system, a process or a uid's leftovers.
The zygote never runs learner code and never talks to a kernel: it only forks.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import json
import os
import signal
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND = 32, 4096
MS_REC, MS_PRIVATE = 0x4000, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
PR_CAPBSET_DROP, PR_SET_SECUREBITS = 24, 28
# SECBIT_NOROOT, _NO_SETUID_FIXUP, _KEEP_CAPS_LOCKED and their locks: uid 0 in a user namespace
# gains nothing from execve
SECUREBITS_LOCKED_DOWN = 0x01 | 0x02 | 0x04 | 0x08 | 0x20
_LIBC = ctypes.CDLL(None, use_errno=True)


class ZygoteError(Exception):
    """A request the zygote could not carry out (reported to the grader, never fatal)."""


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise ZygoteError(f"{what}: {os.strerror(err)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    enc = (lambda s: s.encode() if s is not None else None)
    _check(_LIBC.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def _read(path: str) -> str:
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return ""


# ---------------------------------------------------------------------------------------------
# cgroups (paths prepared by the grader: v1 "memory"/"pids" folders, or one v2 folder)


class Cgroups:
    """Per-kernel cgroups below the batch's folders, created before a fork and removed after."""

    def __init__(self, spec: dict) -> None:
        self.version = spec.get("version")
        self.bases: dict[str, str] = {k: v for k, v in spec.items() if k in ("memory", "pids", "unified")}
        self.memory_bytes = int(spec.get("memory_mb", 0)) << 20
        self.pids = int(spec.get("pids_max", 0))

    def folders(self, kid: int) -> list[str]:
        return [os.path.join(base, f"k{kid}") for base in self.bases.values()]

    def create(self, kid: int) -> None:
        for ctl, base in self.bases.items():
            d = os.path.join(base, f"k{kid}")
            os.mkdir(d)
            if self.version == 1 and ctl == "memory":
                _write(os.path.join(d, "memory.limit_in_bytes"), str(self.memory_bytes))
                swap = os.path.join(d, "memory.memsw.limit_in_bytes")
                if os.path.exists(swap):
                    with contextlib.suppress(OSError):
                        _write(swap, str(self.memory_bytes))
            elif self.version == 1 and ctl == "pids":
                _write(os.path.join(d, "pids.max"), str(self.pids))
            elif self.version == 2:
                _write(os.path.join(d, "memory.max"), str(self.memory_bytes))
                with contextlib.suppress(OSError):
                    _write(os.path.join(d, "memory.swap.max"), "0")
                _write(os.path.join(d, "pids.max"), str(self.pids))

    def join(self, kid: int) -> None:
        for d in self.folders(kid):
            _write(os.path.join(d, "cgroup.procs"), str(os.getpid()))

    def stats(self, kid: int) -> dict:
        out = {"oom_kill": 0, "pids_max_hit": 0, "memory_peak": 0}
        for ctl, base in self.bases.items():
            d = os.path.join(base, f"k{kid}")
            if self.version == 1 and ctl == "memory":
                out["oom_kill"] = _field(_read(os.path.join(d, "memory.oom_control")), "oom_kill")
                peak = _read(os.path.join(d, "memory.max_usage_in_bytes")).strip()
                out["memory_peak"] = int(peak) if peak.isdigit() else 0
                out["memory_failcnt"] = int(_read(os.path.join(d, "memory.failcnt")).strip() or 0)
            elif ctl == "pids" or (self.version == 2):
                out["pids_max_hit"] = _field(_read(os.path.join(d, "pids.events")), "max")
            if self.version == 2:
                out["oom_kill"] = _field(_read(os.path.join(d, "memory.events")), "oom_kill")
                peak = _read(os.path.join(d, "memory.peak")).strip()
                out["memory_peak"] = int(peak) if peak.isdigit() else 0
        return out

    def remove(self, kid: int) -> None:
        for d in self.folders(kid):
            for _ in range(200):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)  # the last processes are still being torn down


def _field(text: str, name: str) -> int:
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == name and parts[1].isdigit():
            return int(parts[1])
    return 0


# ---------------------------------------------------------------------------------------------
# Dropping privileges


def _drop_to_uid(uid: int) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # from root to a non-zero uid: every capability is cleared
    _check(_LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _drop_all_capabilities() -> None:
    """uid 0 inside a user namespace: keep the uid, lose every capability for good."""
    _check(_LIBC.prctl(PR_SET_SECUREBITS, SECUREBITS_LOCKED_DOWN, 0, 0, 0), "securebits")
    for cap in range(64):
        if _LIBC.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    _check(_LIBC.syscall(126 if os.uname().machine == "x86_64" else 91,  # capset
                         ctypes.byref(header), ctypes.byref(data)), "capset")
    _check(_LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


# ---------------------------------------------------------------------------------------------


class Zygote:
    """The zygote's state: its configuration, control socket and kernels."""

    def __init__(self, config: dict) -> None:
        self.config = config
        self.mode = config["mode"]  # root | userns | none
        self.limits = dict(config.get("limits", {}))
        self.cgroups = Cgroups(config.get("cgroups") or {}) if config.get("cgroups") else None
        self.kernels: dict[int, dict] = {}
        self.control = socket.socket(fileno=int(config.get("control_fd", 3)))

    # -- start-up ---------------------------------------------------------------------------
    def preload(self) -> dict:
        """Import the heavy modules once, before any fork."""
        import numpy  # noqa: F401
        from IPython.core import interactiveshell  # noqa: F401

        failed = []
        try:
            import matplotlib

            matplotlib.use("agg")
            import matplotlib.pyplot  # noqa: F401
        except Exception as exc:  # noqa: BLE001 - an assignment without plots still grades
            failed.append(f"matplotlib: {exc}")
        import kernel  # noqa: F401
        for name in self.config.get("preload", []):
            try:
                importlib.import_module(str(name))
            except Exception as exc:  # noqa: BLE001 - the kernel will report it where it matters
                failed.append(f"{name}: {type(exc).__name__}: {exc}"[:300])
        return {"failed": failed}

    # -- requests -----------------------------------------------------------------------------
    def send(self, msg: dict) -> None:
        """Send one JSON message on the control socket."""
        self.control.send(json.dumps(msg).encode())

    def serve(self) -> None:
        """Answer requests on the control socket until it closes or ``exit`` arrives."""
        while True:
            try:
                data, fds, _flags, _addr = socket.recv_fds(self.control, 1 << 16, 4)
            except OSError:
                return
            if not data:
                return
            try:
                msg = json.loads(data)
                op = msg.get("op")
                if op == "spawn":
                    reply = self.spawn(int(msg["kid"]), int(msg.get("slot", 0)), fds)
                elif op == "kill":
                    reply = self.kill(int(msg["kid"]))
                elif op == "exit":
                    for kid in list(self.kernels):
                        self.kill(kid)
                    self.send({"ok": True})
                    return
                else:
                    reply = {"error": f"unknown op {op!r}"}
            except Exception as exc:  # noqa: BLE001 - reported to the grader
                reply = {"error": f"{type(exc).__name__}: {exc}"[:500]}
            finally:
                for fd in fds:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self.send(reply)

    def spawn(self, kid: int, slot: int, fds: list[int]) -> dict:
        """Fork kernel ``kid`` on the two pipe ends in ``fds``."""
        if len(fds) != 2:
            raise ZygoteError("spawn needs the kernel's two pipe ends")
        if kid in self.kernels:
            raise ZygoteError(f"kernel {kid} exists")
        uid = int(self.config.get("uid_base", 64000)) + slot
        workdir = None
        if self.mode == "none":
            workdir = self._private_dir(kid, uid)
        if self.cgroups is not None:
            self.cgroups.create(kid)
        report_r, report_w = os.pipe()
        c1 = os.fork()
        if c1 == 0:  # pragma: no cover - runs in the child
            code = 70
            try:
                os.close(report_r)
                self.control.close()
                self._child(kid, uid, fds, report_w, workdir)
            except BaseException as exc:  # noqa: BLE001
                with contextlib.suppress(Exception):
                    os.write(report_w, json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
            os._exit(code)
        os.close(report_w)
        info = _read_all(report_r, 30.0)
        os.close(report_r)
        try:
            report = json.loads(info or b"{}")
        except ValueError:
            report = {}
        self.kernels[kid] = {"c1": c1, "c2": report.get("c2"), "uid": uid, "workdir": workdir}
        if "error" in report or (self.mode != "none" and not report.get("c2")):
            self.kill(kid)
            raise ZygoteError(report.get("error", "the kernel did not start"))
        return {"ok": True, "kid": kid}

    def _private_dir(self, kid: int, uid: int) -> str:
        base = self.config["workbase"]
        path = os.path.join(base, f"k{kid}-{os.urandom(6).hex()}")
        os.mkdir(path, 0o700)
        for sub in ("work", "tmp"):
            os.mkdir(os.path.join(path, sub), 0o700)
        if os.geteuid() == 0 and self.config.get("drop_uid"):
            for d in (path, os.path.join(path, "work"), os.path.join(path, "tmp")):
                os.chown(d, uid, uid)
        return path

    # -- in the forked child -----------------------------------------------------------------
    def _child(self, kid: int, uid: int, fds: list[int], report_w: int, workdir: str | None) -> None:
        os.setsid()
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if self.cgroups is not None:
            self.cgroups.join(kid)
        limits = dict(self.limits)
        if self.mode == "none":
            os.environ.update(HOME=workdir, TMPDIR=os.path.join(workdir, "tmp"),
                              MPLCONFIGDIR=os.path.join(workdir, "tmp", "matplotlib"),
                              IPYTHONDIR=os.path.join(workdir, "tmp", "ipython"))
            _forget_temp_dir()
            os.chdir(os.path.join(workdir, "work"))
            if os.geteuid() == 0 and self.config.get("drop_uid"):
                _drop_to_uid(uid)
            os.write(report_w, json.dumps({"c2": os.getpid()}).encode())
            os.close(report_w)
            self._become_kernel(fds, dict(limits, pidns=False))
        _check(_LIBC.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC), "unshare")
        _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
        for base in (self.cgroups.bases.values() if self.cgroups else ()):
            _LIBC.umount2(base.encode(), MNT_DETACH)
        home = self.config.get("home", "/home/student")
        _mount("tmpfs", home, "tmpfs", MS_NOSUID | MS_NODEV,
               f"size={int(self.config.get('tmpfs_mb', 512))}m,mode=0755")
        # /tmp is shared with the zygote and may hold binds (a checkout, a venv under /tmp):
        # a tmpfs over it would hide them, so the kernel sees it read-only, binds and all, and
        # writes its temporary files in its own home (TMPDIR)
        _mount("/tmp", "/tmp", None, MS_BIND | MS_REC, None)
        _mount(None, "/tmp", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
        with contextlib.suppress(ZygoteError, OSError):
            _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
        c2 = os.fork()
        if c2 == 0:
            os.close(report_w)
            self._init_of_namespace(uid, home, fds, limits)
        os.write(report_w, json.dumps({"c2": c2}).encode())
        os.close(report_w)
        for fd in fds:
            os.close(fd)
        while True:  # stay until the kernel (the namespace's init) is gone, then report its fate
            try:
                _pid, status = os.waitpid(c2, 0)
                os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
            except ChildProcessError:
                os._exit(0)
            except InterruptedError:
                continue

    def _init_of_namespace(self, uid: int, home: str, fds: list[int], limits: dict) -> None:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
        work = os.path.join(home, "work")
        tmp = os.path.join(home, ".tmp")
        os.mkdir(work, 0o755)
        os.mkdir(tmp, 0o700)
        if self.mode == "root":
            for d in (home, work, tmp):
                os.chown(d, uid, uid)
        os.environ.update(HOME=home, TMPDIR=tmp, MPLCONFIGDIR=os.path.join(tmp, "matplotlib"),
                          IPYTHONDIR=os.path.join(tmp, "ipython"))
        _forget_temp_dir()
        os.chdir(work)
        if self.mode == "root":
            _drop_to_uid(uid)
        else:
            _drop_all_capabilities()
        self._become_kernel(fds, dict(limits, pidns=True))

    def _become_kernel(self, fds: list[int], limits: dict) -> None:
        import kernel

        rfd, wfd = fds
        os.dup2(rfd, 3)
        os.dup2(wfd, 4)
        os.closerange(5, 65536)
        kernel.serve(3, 4, limits)

    # -- ending a kernel ----------------------------------------------------------------------
    def kill(self, kid: int) -> dict:
        """Kill kernel ``kid`` and everything it started; its exit status and cgroup events."""
        k = self.kernels.pop(kid, None)
        if k is None:
            return {"ok": True, "gone": True}
        target = k.get("c2") or k["c1"]
        with contextlib.suppress(OSError):
            os.kill(target, signal.SIGKILL)
        if self.mode == "none":
            with contextlib.suppress(OSError):
                os.killpg(k["c1"], signal.SIGKILL)
            if os.geteuid() == 0 and self.config.get("drop_uid"):
                _kill_uid(k["uid"])
        status = None
        with contextlib.suppress(ChildProcessError):
            _pid, raw = os.waitpid(k["c1"], 0)
            status = os.waitstatus_to_exitcode(raw)
        stats = self.cgroups.stats(kid) if self.cgroups is not None else {}
        if self.cgroups is not None:
            self.cgroups.remove(kid)
        if k.get("workdir"):
            import shutil

            shutil.rmtree(k["workdir"], ignore_errors=True)
        return {"ok": True, "status": status, **stats}


def _forget_temp_dir() -> None:
    # the zygote's imports may have asked tempfile for its folder, which it then caches
    import tempfile

    tempfile.tempdir = None


def _kill_uid(uid: int) -> None:
    """Kill every process of ``uid`` (what a kernel left behind without a pid namespace)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _read_all(fd: int, timeout: float) -> bytes:
    import select

    chunks = []
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
        if b"}" in chunk:
            break
    return b"".join(chunks)


def main() -> None:
    """``python zygote.py CONFIG_JSON``: start, preload, serve."""
    config = json.loads(sys.argv[1])
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    zygote = Zygote(config)
    info = zygote.preload()
    zygote.send({"ready": True, "pid": os.getpid(), **info})
    zygote.serve()
    os._exit(0)


if __name__ == "__main__":
    main()
