"""The learner's kernel: an in-process IPython shell, inside the sandbox, serving the judge.

:mod:`zygote` forks one kernel per notebook of a submission, drops its privileges and limits,
then calls :func:`serve` with the two ends of a pipe pair to the trusted judge. The kernel
answers requests:

``init``   write the submission's files into the working directory, wrap gdutils' reference
           solutions so that each call reports its name;
``run``    execute one cell of learner or narrative code;
``names``  look up notebook names (the free names of a test cell), as data or handles;
``apply``  one interaction of a test with a learner object (see :mod:`ops`).

Everything this process says is a CLAIM. The judge never executes anything it sends and judges
values with its own code; learner code runs in this process and can change what it claims, never
the verdict. Nothing produced here reaches the feedback: outputs of cells are discarded (only an
error's type and a short message are reported, for the instructor).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import importlib
import json
import os
import resource
import signal
import sys
import traceback

import ops
import wire

TEXT_LIMIT = 1_000_000  # characters printed per cell before the rest is only counted
MAIN_PID = os.getpid()


class CellTimeout(BaseException):
    """Raised by the alarm when a cell or a call runs past its time limit."""


def _on_alarm(signum, frame):  # noqa: ARG001
    raise CellTimeout()


RLIMITS = {
    "as": resource.RLIMIT_AS,
    "cpu": resource.RLIMIT_CPU,
    "nproc": resource.RLIMIT_NPROC,
    "fsize": resource.RLIMIT_FSIZE,
    "nofile": resource.RLIMIT_NOFILE,
    "core": resource.RLIMIT_CORE,
}


def apply_limits(limits: dict) -> None:
    """Set the hard and soft rlimits named in ``limits`` (bytes, seconds, counts)."""
    for key, res in RLIMITS.items():
        if limits.get(key) is not None:
            value = int(limits[key])
            resource.setrlimit(res, (value, value))


class CountingStream:
    """stdout/stderr of learner code: counted and discarded (feedback never shows grading-time
    output, and hidden inputs must have nowhere to go)."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def write(self, s) -> int:
        n = len(s) if type(s) is str else len(str(s))
        self.kernel.printed += n
        return n

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError("no file descriptor")

    @property
    def closed(self) -> bool:
        return False


class TrustedRef:
    """A kernel-side stand-in for an object of the test (a callback, a data set). Every use is a
    request to the judge, which decides what is allowed (:data:`ops.ON_TEST_OBJECTS`)."""

    __slots__ = ("_gd_id", "_gd_type")

    def __init__(self, hid: int, tname: str) -> None:
        object.__setattr__(self, "_gd_id", hid)
        object.__setattr__(self, "_gd_type", tname)

    def _gd(self, fn, *args, **kwargs):
        return KERNEL.remote(fn, (self, *args), kwargs)

    def __call__(self, *args, **kwargs):
        return self._gd("call", *args, **kwargs)

    def __getattr__(self, name):
        return self._gd("getattr", name)

    def __len__(self):
        return self._gd("len")

    def __iter__(self):
        return self._gd("iter")

    def __next__(self):
        return self._gd("next")

    def __getitem__(self, key):
        return self._gd("getitem", key)

    def __bool__(self):
        return self._gd("bool")

    def __float__(self):
        return self._gd("float")

    def __neg__(self):
        return self._gd("neg")

    def __repr__(self):
        return f"<{self._gd_type} from the test>"


def _binop(name):
    def method(self, other):
        return self._gd(name, other)

    return method


for _n in ops.BINARY + tuple("r" + n for n in ops.BINARY) + ops.COMPARE:
    setattr(TrustedRef, f"__{_n}__", _binop(_n))


def describe_exception(exc: BaseException) -> dict:
    """An exception as data: its class name, module, message and builtin base classes."""
    t = type(exc)
    try:
        msg = str(exc)
    except BaseException:  # noqa: BLE001 - a learner __str__ may raise anything
        msg = "<unprintable>"
    bases = [b.__name__ for b in t.__mro__ if b.__module__ == "builtins"]
    return {"type": str(t.__name__)[:200], "module": str(getattr(t, "__module__", "?"))[:200],
            "msg": msg[:4000], "bases": bases}


class Kernel:
    """One learner notebook's namespace and the channel to its judge."""

    def __init__(self, rfd: int, wfd: int, limits: dict) -> None:
        self.limits = limits
        self.peer = wire.Peer(rfd, wfd, self.dispatch)
        self.handles: dict[int, object] = {}
        self.next_handle = 0
        self.shell = None
        self.printed = 0
        self.refs_ran: list[str] = []
        self.cell_timeout = float(limits.get("cell_timeout", 30.0))
        self.checks = None
        self.last_error = None

    # -- handles ---------------------------------------------------------------------------
    def ref(self, obj) -> dict:
        if isinstance(obj, TrustedRef):
            return {"$h": object.__getattribute__(obj, "_gd_id"), "side": "t"}
        self.next_handle += 1
        self.handles[self.next_handle] = obj
        t = type(obj)
        tname = f"{getattr(t, '__module__', '?')}.{getattr(t, '__qualname__', '?')}"
        try:
            is_callable = callable(obj)
        except BaseException:  # noqa: BLE001
            is_callable = False
        return {"$h": self.next_handle, "side": "s", "type": str(tname)[:200],
                "callable": bool(is_callable)}

    def resolve(self, d: dict):
        hid = d["$h"]
        if d.get("side") == "s":
            if type(hid) is not int or hid not in self.handles:
                raise wire.ProtocolError("unknown handle")
            return self.handles[hid]
        if d.get("side") == "t" and type(hid) is int:
            return TrustedRef(hid, str(d.get("type", "object"))[:200])
        raise wire.ProtocolError("bad handle")

    def encode(self, x):
        return wire.encode(x, self.ref)

    def decode(self, x):
        return wire.decode(x, self.resolve)

    # -- calls into the judge (callbacks) ---------------------------------------------------
    def remote(self, fn: str, args: tuple, kwargs: dict):
        msg = {"op": "apply", "fn": fn, "args": [self.encode(a) for a in args],
               "kwargs": {k: self.encode(v) for k, v in kwargs.items()}}
        reply = self.peer.request(msg)
        if "exc" in reply:
            info = reply["exc"]
            import builtins

            cls = getattr(builtins, str(info.get("type")), None)
            if not (isinstance(cls, type) and issubclass(cls, Exception)):
                cls = RuntimeError
            raise cls(str(info.get("msg", "")))
        return self.decode(reply.get("ok"))

    # -- requests from the judge -------------------------------------------------------------
    def dispatch(self, msg: dict) -> dict:
        """Route one request from the judge."""
        if os.getpid() != MAIN_PID:  # a forked copy must never speak on the channel
            os._exit(0)
        op = msg.get("op")
        try:
            if op == "init":
                return self.op_init(msg)
            if op == "run":
                return self.op_run(msg)
            if op == "names":
                return self.op_names(msg)
            if op == "apply":
                return self.op_apply(msg)
            if op == "ping":
                return {"ok": True}
            return {"error": f"unknown op {op!r}"}
        except CellTimeout:
            return {"timeout": True, "exc": {"type": "TimeoutError", "module": "builtins",
                                             "msg": "time limit exceeded", "bases": []}}

    def op_init(self, msg: dict) -> dict:
        """Write the submission's files and hook the reference solutions."""
        for rel, b64 in (msg.get("files") or {}).items():
            rel = os.path.normpath(str(rel))
            if rel.startswith("..") or os.path.isabs(rel):
                continue
            os.makedirs(os.path.dirname(rel) or ".", exist_ok=True)
            with open(rel, "wb") as fh:
                fh.write(base64.b64decode(b64))
        self._hook_references(msg.get("references") or [])
        try:
            import gdutils

            where = os.path.dirname(os.path.abspath(gdutils.__file__))
        except Exception as exc:  # noqa: BLE001 - reported: the judge refuses to grade
            where = f"ImportError: {exc}"
        return {"ok": True, "gdutils": where}

    def make_shell(self) -> None:
        """Create the IPython shell whose outputs go nowhere."""
        from IPython.core.displaypub import DisplayPublisher
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        class Discard(DisplayPublisher):
            def publish(self, data, metadata=None, source=None, *, transient=None, update=False,
                        **kw):
                pass

            def clear_output(self, wait=False):
                pass

        cfg = Config()
        cfg.HistoryManager.enabled = False  # no sqlite history in a throw-away sandbox
        shell = InteractiveShell.instance(config=cfg, colors="nocolor", xmode="Plain")
        shell.display_pub = Discard(shell=shell)
        shell.displayhook.write_output_prompt = lambda: None
        shell.displayhook.write_format_data = lambda *a, **k: None
        shell.displayhook.finish_displayhook = lambda: None
        # Figures are drawn by the Agg backend and never rendered: nobody sees grading output.
        shell.enable_gui = lambda gui=None: None
        shell.enable_matplotlib = lambda gui=None: (gui, "agg")

        def _showtraceback(etype, evalue, stb):
            self.last_error = (etype, evalue)

        shell._showtraceback = _showtraceback
        shell.showsyntaxerror = lambda *a, **k: self._syntax_error()
        shell.events.register("post_execute", _close_figures)
        self.shell = shell
        self.run_cell = shell.run_cell  # bound before learner code can replace it

    def _syntax_error(self):
        etype, evalue, _ = sys.exc_info()
        self.last_error = (etype, evalue)

    def _hook_references(self, refs: list) -> None:
        """Wrap each tagged gdutils reference so that a call reports its name (a claim, judged
        alongside the static check of the learner's source)."""
        try:
            from gdutils import checks

            self.checks = checks
        except Exception:  # noqa: BLE001
            self.checks = None
        for qualname in refs:
            parts = str(qualname).split(".")
            obj = owner = None
            for split in range(len(parts) - 1, 0, -1):
                try:
                    mod = importlib.import_module(".".join(parts[:split]))
                except Exception:  # noqa: BLE001
                    continue
                owner, obj = None, mod
                try:
                    for p in parts[split:]:
                        owner, obj = obj, getattr(obj, p)
                except AttributeError:
                    obj = None
                break
            if obj is None or owner is None:
                continue
            if isinstance(obj, type):
                for name, value in list(vars(obj).items()):
                    if callable(value) and hasattr(value, "__gd_reference__"):
                        setattr(obj, name, self._logging(value, f"{qualname}.{name}"))
            elif callable(obj):
                setattr(owner, parts[-1], self._logging(obj, qualname))

    def _logging(self, fn, qualname):
        kernel = self

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            kernel.refs_ran.append(qualname)
            return fn(*args, **kwargs)

        # no __wrapped__: the unwrapped reference is one attribute away otherwise
        del wrapper.__wrapped__
        return wrapper

    @contextlib.contextmanager
    def alarm(self, seconds: float):
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.01), 0.5)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def reap(self) -> int:
        """Kill every other process of this sandbox (a fork storm, a stray background job).

        The kernel is the first process of its own pid namespace, so ``kill(-1)`` reaches exactly
        the processes learner code started, and orphans are ours to reap."""
        if not self.limits.get("pidns"):
            return 0
        import time

        def others() -> list[str]:
            return [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]

        found = others()
        if found:
            with contextlib.suppress(OSError):
                os.kill(-1, signal.SIGKILL)
            end = time.monotonic() + 2.0
            while time.monotonic() < end:
                try:
                    pid, _ = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    pid = -1
                if not others():
                    break
                if pid <= 0:
                    time.sleep(0.01)
        return len(found)

    def op_run(self, msg: dict) -> dict:
        """Execute one cell; report its error (type and message) and stray processes."""
        self.printed = 0
        self.last_error = None
        source = str(msg.get("source", ""))
        timeout = float(msg.get("timeout", self.cell_timeout))
        timed_out = False
        try:
            with self.alarm(timeout):
                result = self.run_cell(source, store_history=True)
        except CellTimeout:
            timed_out = True
            result = None
        if os.getpid() != MAIN_PID:
            os._exit(0)
        reply: dict = {"strays": self.reap(), "printed": self.printed}
        err = None
        if result is not None:
            err = result.error_in_exec or result.error_before_exec
        if timed_out or isinstance(err, CellTimeout):
            reply["timeout"] = True
            reply["error"] = {"type": "TimeoutError", "module": "builtins", "bases": [],
                              "msg": f"the cell ran longer than {timeout:g} s"}
        elif err is not None:
            reply["error"] = describe_exception(err)
        return reply

    def op_names(self, msg: dict) -> dict:
        """Look up notebook names, as data or handles."""
        ns = self.shell.user_ns if self.shell is not None else {}
        out = {}
        with self.alarm(self.cell_timeout):
            for name in msg.get("names", []):
                if type(name) is str and name in ns:
                    out[name] = self.encode(ns[name])
        return {"ok": out}

    def op_apply(self, msg: dict) -> dict:
        """One operation on learner objects, with the delegation guard and write-back."""
        fn = ops.OPERATIONS.get(msg.get("fn"))
        if fn is None:
            return {"exc": {"type": "TypeError", "module": "builtins",
                            "msg": "operation not allowed", "bases": []}}
        args = [self.decode(a) for a in msg.get("args", [])]
        kwargs = {str(k): self.decode(v) for k, v in (msg.get("kwargs") or {}).items()}
        import numpy as np

        mutable = {str(key): value for key, value in list(enumerate(args)) + list(kwargs.items())
                   if type(value) in (list, dict, np.ndarray, np.random.Generator)}
        forbid = [str(i) for i in msg.get("forbid", [])]
        self.refs_ran = []
        guard = contextlib.nullcontext()
        if forbid and self.checks is not None:
            guard = self.checks.forbid_reference(*forbid)
        reply: dict = {}
        with self.alarm(float(msg.get("timeout", self.cell_timeout))):
            try:
                with guard:
                    value = fn(*args, **kwargs)
                reply["ok"] = self.encode(value)
            except CellTimeout:
                raise
            except BaseException as exc:  # noqa: BLE001 - every learner exception is data
                if os.getpid() != MAIN_PID:
                    os._exit(0)
                reply["exc"] = describe_exception(exc)
            reply["post"] = {k: self.encode(v) for k, v in mutable.items()}
        if os.getpid() != MAIN_PID:
            os._exit(0)
        reply["refs"] = list(dict.fromkeys(self.refs_ran))[:50]
        reply["strays"] = self.reap()
        return reply

    def serve_forever(self) -> None:
        """Answer the judge's requests until it closes the channel."""
        while True:
            try:
                msg = wire.recv(self.peer.rfd)
            except wire.ChannelClosed:
                return
            if msg.get("op") == "exit":
                return
            if "op" not in msg:  # a late reply to a callback abandoned by a timeout
                continue
            self.peer.answer(msg)


def _close_figures() -> None:
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        with contextlib.suppress(Exception):
            plt.close("all")


KERNEL: Kernel


def serve(rfd: int, wfd: int, limits: dict) -> None:
    """Run a kernel on the channel ``(rfd, wfd)`` until the judge closes it; never returns.

    Called in a freshly forked, already unprivileged process; applies ``limits`` (rlimits)
    before any learner code exists."""
    global KERNEL, MAIN_PID
    MAIN_PID = os.getpid()  # this module was imported in the zygote, before the fork
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    KERNEL = Kernel(rfd, wfd, limits)
    sys.stdout = CountingStream(KERNEL)
    sys.stderr = CountingStream(KERNEL)
    try:
        KERNEL.make_shell()
        apply_limits(limits)
        wire.send(wfd, {"ready": True, "pid": os.getpid()})
        KERNEL.serve_forever()
    except BaseException:  # noqa: BLE001 - the judge sees a closed channel
        with contextlib.suppress(Exception):
            os.write(2, traceback.format_exc().encode()[-2000:])
    os._exit(0)


def main() -> None:
    """``python kernel.py LIMITS_JSON``: a kernel on stdin/stdout, without a zygote (tests)."""
    limits = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    rfd, wfd = os.dup(0), os.dup(1)
    serve(rfd, wfd, limits)


if __name__ == "__main__":
    main()
