"""The executor that runs INSIDE the sandbox: an in-process IPython shell serving requests.

It is started by :mod:`autograde.sandbox` as ``python runner.py LIMITS_JSON`` with the channel on
its stdin/stdout. It imports nothing from the course, applies its resource limits before any
learner code exists, then serves requests from the trusted grader:

``init``   copy the submission's files into the working directory, create the shell, hook the
           gdutils reference solutions so that each call reports which of them ran;
``run``    execute one notebook cell (answer or narrative code), capturing its outputs;
``names``  look up notebook names (the free names of a test cell);
``apply``  one interaction of a test with a learner object: call, attribute, operator,
           iteration... Arguments and results are data (see :mod:`wire`) or handles.

Everything this process says is a CLAIM. The trusted grader never executes anything it sends,
and judges values with its own code; tampering with this file from learner code (it runs in the
same process) can only change claims. Test cells never enter the sandbox.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import operator
import os
import resource
import signal
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire  # noqa: E402

MAIN_PID = os.getpid()
TEXT_LIMIT = 20_000  # characters of each stream kept per cell (the rest is counted, not kept)


class CellTimeout(BaseException):
    """Raised by the alarm when a cell or a call runs past its time limit."""


def _on_alarm(signum, frame):  # noqa: ARG001
    raise CellTimeout()


def apply_limits(lim: dict) -> None:
    table = {
        "as": resource.RLIMIT_AS,
        "cpu": resource.RLIMIT_CPU,
        "nproc": resource.RLIMIT_NPROC,
        "fsize": resource.RLIMIT_FSIZE,
        "nofile": resource.RLIMIT_NOFILE,
        "core": resource.RLIMIT_CORE,
    }
    for key, res in table.items():
        if lim.get(key) is not None:
            value = int(lim[key])
            resource.setrlimit(res, (value, value))


class CapStream:
    """A text stream that appends to the current cell's outputs, keeping at most TEXT_LIMIT."""

    def __init__(self, runner: Runner, name: str) -> None:
        self.runner = runner
        self.name = name
        self.encoding = "utf-8"
        self.errors = "replace"

    def write(self, s) -> int:
        if type(s) is not str:
            s = str(s)
        self.runner.add_text(self.name, s)
        return len(s)

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
    """A sandbox-side stand-in for an object owned by the trusted grader (a callback the test
    passed in). Every use is a request to the trusted side, which decides what is allowed."""

    __slots__ = ("_gd_id", "_gd_type")

    def __init__(self, hid: int, tname: str) -> None:
        object.__setattr__(self, "_gd_id", hid)
        object.__setattr__(self, "_gd_type", tname)

    def _gd(self, fn, *args, **kwargs):
        return RUNNER.remote(fn, (self, *args), kwargs)

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

    def __repr__(self):
        return f"<{self._gd_type} from the test>"


def _binop(name):
    def method(self, other):
        return self._gd(name, other)

    return method


for _n in ("add", "sub", "mul", "truediv", "floordiv", "matmul", "pow", "mod",
           "radd", "rsub", "rmul", "rtruediv", "rfloordiv", "rmatmul", "rpow", "rmod",
           "eq", "ne", "lt", "le", "gt", "ge"):
    setattr(TrustedRef, f"__{_n}__", _binop(_n))


def _reflected(fn):
    return lambda a, b: fn(b, a)


#: the only operations a test can perform on a learner object (and vice versa)
OPERATIONS = {
    "call": lambda f, *a, **k: f(*a, **k),
    "getattr": lambda o, name: getattr(o, name),
    "setattr": lambda o, name, v: setattr(o, name, v),
    "len": len, "iter": iter, "next": next, "bool": bool, "float": float, "int": int,
    "complex": complex, "index": operator.index, "str": str, "repr": repr,
    "neg": operator.neg, "pos": operator.pos, "abs": abs, "invert": operator.invert,
    "getitem": operator.getitem, "setitem": operator.setitem, "delitem": operator.delitem,
    "contains": operator.contains,
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "matmul": operator.matmul, "pow": operator.pow,
    "mod": operator.mod,
    "radd": _reflected(operator.add), "rsub": _reflected(operator.sub),
    "rmul": _reflected(operator.mul), "rtruediv": _reflected(operator.truediv),
    "rfloordiv": _reflected(operator.floordiv), "rmatmul": _reflected(operator.matmul),
    "rpow": _reflected(operator.pow), "rmod": _reflected(operator.mod),
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
    "gt": operator.gt, "ge": operator.ge,
}


def describe_exception(exc: BaseException) -> dict:
    t = type(exc)
    try:
        msg = str(exc)
    except BaseException:  # noqa: BLE001 - a learner __str__ may raise anything
        msg = "<unprintable>"
    bases = [b.__name__ for b in t.__mro__ if b.__module__ == "builtins"]
    return {"type": t.__name__[:200], "module": str(getattr(t, "__module__", "?"))[:200],
            "msg": msg[:4000], "bases": bases}


class Runner:
    def __init__(self, rfd: int, wfd: int, limits: dict) -> None:
        self.limits = limits
        self.peer = wire.Peer(rfd, wfd, self.dispatch)
        self.handles: dict[int, object] = {}
        self.next_handle = 0
        self.shell = None
        self.outputs: list[dict] = []
        self.text_seen = 0
        self.text_dropped = 0
        self.refs_ran: list[str] = []
        self.cell_timeout = 30.0
        self.checks = None
        self.ref_hooks: dict[str, str] = {}

    # -- outputs ---------------------------------------------------------------------------
    def add_text(self, name: str, s: str) -> None:
        self.text_seen += len(s)
        if self.outputs and self.outputs[-1].get("output_type") == "stream" and self.outputs[-1]["name"] == name:
            out = self.outputs[-1]
        else:
            out = {"output_type": "stream", "name": name, "text": ""}
            self.outputs.append(out)
        room = TEXT_LIMIT - len(out["text"])
        if room > 0:
            out["text"] += s[:room]
        if len(s) > room:
            self.text_dropped += len(s) - max(room, 0)

    def add_display(self, kind: str, data: dict, metadata: dict | None = None) -> None:
        clean = {}
        for mime, value in (data or {}).items():
            if type(mime) is str and type(value) is str and len(value) <= 2_000_000:
                clean[mime] = value
            elif type(mime) is str and isinstance(value, (dict, list)) and len(json.dumps(value)) < 200_000:
                clean[mime] = value
        if not clean or len(self.outputs) > 200:
            return
        out = {"output_type": kind, "data": clean, "metadata": {}}
        if kind == "execute_result":
            out["execution_count"] = None
        self.outputs.append(out)

    # -- handles ---------------------------------------------------------------------------
    def ref(self, obj) -> dict:
        if isinstance(obj, TrustedRef):
            return {"$h": object.__getattribute__(obj, "_gd_id"), "side": "t"}
        if type(obj).__name__ == "module" and isinstance(getattr(obj, "__name__", None), str):
            return {"$mod": obj.__name__}
        self.next_handle += 1
        self.handles[self.next_handle] = obj
        t = type(obj)
        tname = f"{getattr(t, '__module__', '?')}.{getattr(t, '__qualname__', '?')}"
        try:
            is_callable = callable(obj)
        except BaseException:  # noqa: BLE001
            is_callable = False
        return {"$h": self.next_handle, "side": "s", "type": str(tname)[:200], "callable": bool(is_callable)}

    def resolve(self, d: dict):
        if "$h" not in d:
            raise wire.ProtocolError("modules cannot be sent into the sandbox")
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

    # -- calls into the trusted side (callbacks) -------------------------------------------
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

    # -- requests from the trusted side ----------------------------------------------------
    def dispatch(self, msg: dict) -> dict:
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
        self.cell_timeout = float(msg.get("cell_timeout", 30.0))
        for rel, b64 in (msg.get("files") or {}).items():
            rel = os.path.normpath(str(rel))
            if rel.startswith("..") or os.path.isabs(rel):
                continue
            os.makedirs(os.path.dirname(rel) or ".", exist_ok=True)
            with open(rel, "wb") as fh:
                fh.write(base64.b64decode(b64))
        if msg.get("matplotlib"):
            try:
                self.shell.enable_matplotlib("inline")
            except Exception:  # noqa: BLE001 - a missing backend must not stop grading
                pass
        self._hook_references(msg.get("references") or [])
        return {"ok": True, "pid": os.getpid()}

    def make_shell(self) -> None:
        from IPython.core.displaypub import DisplayPublisher
        from IPython.core.interactiveshell import InteractiveShell

        runner = self

        class Publisher(DisplayPublisher):
            def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
                runner.add_display("display_data", data, metadata)

            def clear_output(self, wait=False):
                runner.outputs[:] = [o for o in runner.outputs if o["output_type"] == "error"]

        from traitlets.config import Config

        cfg = Config()
        cfg.HistoryManager.enabled = False  # no sqlite history in a throw-away sandbox
        shell = InteractiveShell.instance(config=cfg, colors="nocolor", xmode="Plain")
        shell.display_pub = Publisher(shell=shell)

        def write_format_data(format_dict, md_dict=None):
            runner.add_display("execute_result", format_dict, md_dict)

        shell.displayhook.write_output_prompt = lambda: None
        shell.displayhook.write_format_data = write_format_data
        shell.displayhook.finish_displayhook = lambda: None
        self.last_error = None

        def _showtraceback(etype, evalue, stb):
            self.last_error = (etype, evalue, "\n".join(stb))

        shell._showtraceback = _showtraceback
        shell.showsyntaxerror = lambda *a, **k: self._syntax_error()
        self.shell = shell
        self.run_cell = shell.run_cell  # bound before learner code can replace it

    def _syntax_error(self):
        etype, evalue, tb = sys.exc_info()
        self.last_error = (etype, evalue, "".join(traceback.format_exception_only(etype, evalue)))

    def _hook_references(self, refs: list) -> None:
        """Wrap each tagged gdutils reference so that a call reports its name (a claim, judged
        alongside the static check of the answer cells' source)."""
        try:
            from gdutils import checks

            self.checks = checks
        except Exception:  # noqa: BLE001
            self.checks = None
        for qualname in refs:
            modname, _, rest = str(qualname).rpartition(".")
            obj, owner, attr = None, None, None
            # the qualname may be module.func or module.Class.method
            for split in range(len(qualname.split(".")) - 1, 0, -1):
                parts = qualname.split(".")
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
                attr = parts[-1]
                break
            if obj is None or owner is None:
                continue
            if isinstance(obj, type):
                for name, value in list(vars(obj).items()):
                    if callable(value) and hasattr(value, "__gd_reference__"):
                        setattr(obj, name, self._logging(value, f"{qualname}.{name}"))
            elif callable(obj):
                setattr(owner, attr, self._logging(obj, qualname))

    def _logging(self, fn, qualname):
        import functools

        runner = self

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            runner.refs_ran.append(qualname)
            return fn(*args, **kwargs)

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
        """Kill every other process of this sandbox (a fork storm, a stray background job)."""
        if not self.limits.get("pidns"):
            return 0
        import time

        def others() -> list[str]:
            return [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid())]

        found = others()
        if found:
            with contextlib.suppress(OSError):
                os.kill(-1, signal.SIGKILL)
            end = time.monotonic() + 2.0
            while others() and time.monotonic() < end:  # let the namespace's init reap them
                time.sleep(0.02)
        return len(found)

    def op_run(self, msg: dict) -> dict:
        self.outputs = []
        self.text_seen = self.text_dropped = 0
        self.last_error = None
        source = str(msg.get("source", ""))
        timed_out = False
        try:
            with self.alarm(float(msg.get("timeout", self.cell_timeout))):
                result = self.run_cell(source, store_history=True)
        except CellTimeout:
            timed_out = True
            result = None
        if os.getpid() != MAIN_PID:
            os._exit(0)
        strays = self.reap()
        reply: dict = {"outputs": self.outputs, "strays": strays, "text": self.text_seen,
                       "dropped": self.text_dropped}
        err = None
        if result is not None:
            err = result.error_in_exec or result.error_before_exec
        if timed_out or isinstance(err, CellTimeout):
            reply["timeout"] = True
            err = err or CellTimeout()
        if err is not None:
            info = describe_exception(err)
            if isinstance(err, CellTimeout):
                info = {"type": "TimeoutError", "module": "builtins", "bases": [],
                        "msg": f"the cell ran longer than {msg.get('timeout', self.cell_timeout)} s"}
            reply["error"] = info
            tb = self.last_error[2] if self.last_error else ""
            self.outputs.append({"output_type": "error", "ename": info["type"],
                                 "evalue": info["msg"], "traceback": tb.splitlines()[-60:]})
        return reply

    def op_names(self, msg: dict) -> dict:
        ns = self.shell.user_ns if self.shell is not None else {}
        out = {}
        with self.alarm(self.cell_timeout):
            for name in msg.get("names", []):
                if type(name) is str and name in ns:
                    out[name] = self.encode(ns[name])
        return {"ok": out}

    def op_apply(self, msg: dict) -> dict:
        fn = OPERATIONS.get(msg.get("fn"))
        if fn is None:
            return {"exc": {"type": "TypeError", "module": "builtins", "msg": "operation not allowed", "bases": []}}
        args = [self.decode(a) for a in msg.get("args", [])]
        kwargs = {str(k): self.decode(v) for k, v in (msg.get("kwargs") or {}).items()}
        mutable = {}
        import numpy as np

        for key, value in list(enumerate(args)) + list(kwargs.items()):
            if type(value) in (list, dict, np.ndarray, np.random.Generator):
                mutable[str(key)] = value
        forbid = [str(i) for i in msg.get("forbid", [])]
        self.refs_ran = []
        guard = contextlib.nullcontext()
        if forbid and self.checks is not None:
            guard = self.checks.forbid_reference(*forbid)
        reply: dict = {}
        self.outputs = []
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

    def serve(self) -> None:
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


RUNNER: Runner


def main() -> None:
    global RUNNER
    limits = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    rfd, wfd = os.dup(0), os.dup(1)
    os.set_inheritable(rfd, False)
    os.set_inheritable(wfd, False)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    work = limits.get("workdir")
    if work:
        os.makedirs(work, exist_ok=True)
        os.chdir(work)
    # warm imports before the limits and before any learner code
    import numpy  # noqa: F401
    from IPython.core import interactiveshell  # noqa: F401

    cache, mpldir = limits.get("mplcache"), os.environ.get("MPLCONFIGDIR")
    if cache and mpldir and os.path.isdir(cache):
        import shutil

        with contextlib.suppress(OSError):
            shutil.copytree(cache, mpldir, dirs_exist_ok=True)
    if limits.get("preload_matplotlib"):
        with contextlib.suppress(Exception):
            import matplotlib.pyplot  # noqa: F401
            import matplotlib_inline.backend_inline  # noqa: F401
    with contextlib.suppress(Exception):
        import gdutils.checks  # noqa: F401
    RUNNER = Runner(rfd, wfd, limits)
    sys.stdout = CapStream(RUNNER, "stdout")
    sys.stderr = CapStream(RUNNER, "stderr")
    RUNNER.make_shell()
    apply_limits(limits)
    wire.send(wfd, {"ready": True, "pid": os.getpid()})
    RUNNER.serve()
    os._exit(0)


if __name__ == "__main__":
    main()
