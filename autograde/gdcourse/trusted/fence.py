"""Fences around what grading runs: cgroups per sandbox and per judge, and the judge's own limits.

The learner's kernel is one fence (the sandbox, see :mod:`.launcher` and ``inside/zygote.py``).
The judge — the process that runs the instructor's tests against the kernel — is the second: it
calls learner code and is called back with learner-chosen data, so it is limited too:

* a fresh process per submission, forked from the grader (nothing survives into the next one);
* its own memory and pids cgroup where the machine allows it, and rlimits always (address space,
  CPU time, no file may grow, no core dumps);
* as root: an unprivileged uid of its own; everywhere: the course directory mounted read-only in
  a private mount namespace (where namespaces are available), so it cannot touch the gradebook,
  the sources or other submissions. Only the grader's parent process, after validating the
  judge's result, writes anything.

Memory is limited per sandbox, not per process, where cgroups can be used: root with a writable
cgroup v1 ``memory``/``pids`` hierarchy, or a cgroup v2 root we may write. Elsewhere rlimits are
the fallback, and the run summary and the export say which was used.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 32, 4096, 0x4000, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
_LIBC = ctypes.CDLL(None, use_errno=True)


def _write(path: Path, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


@dataclass
class CgroupBatch:
    """This batch's cgroup folders: one per controller (v1) or one (v2), holding a child folder
    per kernel (created by the zygote) and per judge (created here)."""

    version: int
    bases: dict[str, Path] = field(default_factory=dict)  # controller (or "unified") -> folder

    @classmethod
    def create(cls, tag: str) -> tuple[CgroupBatch | None, str]:
        """The batch's folders, or ``(None, why not)``."""
        if os.geteuid() != 0:
            return None, "not root (no writable cgroup; per-process rlimits only)"
        v1 = {c: CGROUP_ROOT / c for c in ("memory", "pids")}
        name = f"gdcourse-{tag}"
        try:
            if all((p / "cgroup.procs").exists() for p in v1.values()):
                bases = {}
                for c, p in v1.items():
                    (p / "gdcourse").mkdir(exist_ok=True)
                    _cleanup_stale(p / "gdcourse")
                    d = p / "gdcourse" / name
                    d.mkdir()
                    bases[c] = d
                with contextlib.suppress(OSError):
                    _write(bases["memory"] / "memory.use_hierarchy", "1")
                return cls(1, bases), "cgroup v1 (memory and pids limited per sandbox)"
            if (CGROUP_ROOT / "cgroup.controllers").exists():
                have = (CGROUP_ROOT / "cgroup.controllers").read_text().split()
                if not {"memory", "pids"} <= set(have):
                    return None, "cgroup v2 without the memory and pids controllers"
                _write(CGROUP_ROOT / "cgroup.subtree_control", "+memory +pids")
                parent = CGROUP_ROOT / "gdcourse"
                parent.mkdir(exist_ok=True)
                _write(parent / "cgroup.subtree_control", "+memory +pids")
                _cleanup_stale(parent)
                d = parent / name
                d.mkdir()
                _write(d / "cgroup.subtree_control", "+memory +pids")
                return cls(2, {"unified": d}), "cgroup v2 (memory and pids limited per sandbox)"
        except OSError as exc:
            return None, f"cgroups not writable ({exc.strerror}); per-process rlimits only"
        return None, "no cgroup memory and pids controllers; per-process rlimits only"

    def zygote_spec(self, paths: dict[str, str], memory_mb: int, pids: int) -> dict:
        """What the zygote needs to make a cgroup per kernel (``paths``: where it sees each base)."""
        return {"version": self.version, "memory_mb": memory_mb, "pids_max": pids, **paths}

    def make(self, name: str, memory_mb: int, pids: int) -> list[Path]:
        """A child cgroup ``name`` with these limits; returns its folders."""
        folders = []
        for ctl, base in self.bases.items():
            d = base / name
            d.mkdir()
            if self.version == 1 and ctl == "memory":
                _write(d / "memory.limit_in_bytes", str(memory_mb << 20))
                if (d / "memory.memsw.limit_in_bytes").exists():
                    with contextlib.suppress(OSError):
                        _write(d / "memory.memsw.limit_in_bytes", str(memory_mb << 20))
            elif self.version == 1 and ctl == "pids":
                _write(d / "pids.max", str(pids))
            else:
                _write(d / "memory.max", str(memory_mb << 20))
                with contextlib.suppress(OSError):
                    _write(d / "memory.swap.max", "0")
                _write(d / "pids.max", str(pids))
            folders.append(d)
        return folders

    def oom_kills(self, name: str) -> int:
        """How many processes of cgroup ``name`` the kernel's OOM killer ended."""
        for ctl, base in self.bases.items():
            f = base / name / ("memory.oom_control" if self.version == 1 else "memory.events")
            if ctl in ("memory", "unified") and f.exists():
                for line in f.read_text().splitlines():
                    parts = line.split()
                    if len(parts) == 2 and parts[0] == "oom_kill":
                        return int(parts[1])
        return 0

    def peak_mb(self, name: str) -> int:
        """The most memory cgroup ``name`` ever used (MB)."""
        for ctl, base in self.bases.items():
            f = base / name / ("memory.max_usage_in_bytes" if self.version == 1 else "memory.peak")
            if ctl in ("memory", "unified") and f.exists():
                text = f.read_text().strip()
                return int(text) >> 20 if text.isdigit() else 0
        return 0

    def remove(self, name: str) -> None:
        for base in self.bases.values():
            _rmdir_cgroup(base / name)

    def close(self) -> None:
        for base in self.bases.values():
            if base.is_dir():
                for child in base.iterdir():
                    if child.is_dir():
                        _rmdir_cgroup(child)
                _rmdir_cgroup(base)


def _rmdir_cgroup(d: Path) -> None:
    for _ in range(300):
        try:
            d.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            # processes still inside (being killed): kill what is left, then retry
            with contextlib.suppress(OSError, ValueError):
                for pid in (d / "cgroup.procs").read_text().split():
                    os.kill(int(pid), signal.SIGKILL)
            time.sleep(0.01)


def _cleanup_stale(parent: Path) -> None:
    """Remove batch folders left by a grader that died (their pid is gone)."""
    for child in parent.iterdir():
        pid = child.name.split("-")[1] if child.name.count("-") >= 2 else ""
        if child.is_dir() and pid.isdigit() and not Path(f"/proc/{pid}").exists():
            for sub in child.iterdir():
                if sub.is_dir():
                    _rmdir_cgroup(sub)
            _rmdir_cgroup(child)


# ---------------------------------------------------------------------------------------------
# The judge process


@dataclass
class JudgeFence:
    """The limits a judge process puts on itself right after it is forked."""

    slot: int = 0
    uid_base: int = 64000
    memory_mb: int = 2048
    cpu_seconds: int = 900
    readonly: list[str] = field(default_factory=list)  # folders the judge must not change
    cgroup_folders: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)  # folders the judge must be able to read

    @property
    def uid(self) -> int:
        return self.uid_base + 1000 + self.slot


def _vm_size() -> int:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _readonly_view(folders: list[str], as_root: bool) -> bool:
    """A private mount namespace in which ``folders`` are read-only (bind-mounted on themselves)."""
    flags = CLONE_NEWNS if as_root else CLONE_NEWNS | CLONE_NEWUSER
    uid, gid = os.getuid(), os.getgid()
    if _LIBC.unshare(flags) != 0:
        return False
    if not as_root:
        with contextlib.suppress(OSError):
            _write(Path("/proc/self/setgroups"), "deny")
        try:
            _write(Path("/proc/self/uid_map"), f"{uid} {uid} 1")
            _write(Path("/proc/self/gid_map"), f"{gid} {gid} 1")
        except OSError:
            return False
    if _LIBC.mount(None, b"/", None, ctypes.c_ulong(MS_REC | MS_PRIVATE), None) != 0:
        return False
    ok = True
    for folder in folders:
        f = os.fsencode(folder)
        if _LIBC.mount(f, f, None, ctypes.c_ulong(MS_BIND | MS_REC), None) != 0 or \
                _LIBC.mount(None, f, None, ctypes.c_ulong(MS_BIND | MS_REMOUNT | MS_RDONLY), None) != 0:
            ok = False
    return ok


def _traversable(path: str) -> str | None:
    """The top-most ancestor of ``path`` that other users cannot enter, or None."""
    cur = "/"
    for part in Path(path).parts[1:]:
        cur = os.path.join(cur, part)
        try:
            if not os.stat(cur).st_mode & 0o001:
                return cur
        except OSError:
            return None
    return None


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> bool:
    enc = (lambda x: os.fsencode(x) if x is not None else None)
    return _LIBC.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) == 0


def _expose(paths: list[str]) -> bool:
    """In the judge's private mount namespace (as root): make ``paths`` reachable by any uid.

    A Python installed under a 0700 ``/root`` cannot be imported from by another user. The
    top-most closed ancestor is covered by an empty 0755 tmpfs, and the needed folders are
    bind-mounted back into it, read-only; the host is untouched."""
    blocked: dict[str, list[str]] = {}
    for p in paths:
        top = _traversable(p)
        if top is not None:
            blocked.setdefault(top, []).append(p)
    if not blocked:
        return True
    if not _mount("tmpfs", "/tmp", "tmpfs", 0, "size=1m,mode=0700"):
        return False
    staged: list[tuple[str, str]] = []
    for i, p in enumerate(q for qs in blocked.values() for q in qs):
        stage = f"/tmp/s{i}"
        os.mkdir(stage)
        if not _mount(p, stage, None, MS_BIND | MS_REC):
            return False
        staged.append((stage, p))
    for top in blocked:
        if not _mount("tmpfs", top, "tmpfs", 0, "size=1m,mode=0755"):
            return False
    for stage, p in staged:
        os.makedirs(p, mode=0o755, exist_ok=True)
        if not (_mount(stage, p, None, MS_BIND | MS_REC)
                and _mount(None, p, None, MS_BIND | MS_REMOUNT | MS_RDONLY)):
            return False
    return True


def enter(fence: JudgeFence) -> str:
    """Called first thing in a forked judge process; returns a one-line description."""
    os.setsid()
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    parts = []
    for folder in fence.cgroup_folders:
        _write(Path(folder) / "cgroup.procs", str(os.getpid()))
    if fence.cgroup_folders:
        parts.append(f"cgroup {fence.memory_mb} MB")
    root = os.geteuid() == 0
    private = _readonly_view(fence.readonly, root)
    if fence.readonly:
        parts.append("course read-only" if private else "course writable (no mount namespace)")
    if root and not (private and _expose(fence.imports)):
        root = False
        parts.insert(0, "uid 0 (could not make Python readable to an unprivileged uid)")
    if root:
        os.setgroups([])
        os.setresgid(fence.uid, fence.uid, fence.uid)
        os.setresuid(fence.uid, fence.uid, fence.uid)
        parts.insert(0, f"uid {fence.uid}")
        resource.setrlimit(resource.RLIMIT_NPROC, (32, 32))  # threads of numpy, never a fork storm
    _LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    limit = _vm_size() + (fence.memory_mb << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (fence.cpu_seconds, fence.cpu_seconds))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    parts.append(f"rlimits (+{fence.memory_mb} MB address space, {fence.cpu_seconds} s CPU, no file writes)")
    os.chdir("/")
    return ", ".join(parts)
