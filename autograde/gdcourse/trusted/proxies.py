"""The trusted end of the channel to a learner's kernel: proxies, callbacks, exceptions as data.

A test cell runs in the judge process with its free names bound to :class:`LearnerRef` proxies (or
to the data the learner's variables hold). Every interaction of the test with learner code — a
call, an attribute, an operator, iteration — is one request to the kernel in the sandbox,
answered with DATA of exact types (see :mod:`gdcourse.inside.wire`) or a handle to another
learner object. Mutable arguments (arrays, lists, dicts, ``np.random.Generator``) are copied in
and their post-call state is copied back. Exceptions come back as builtin classes (or gdutils'
``ExerciseError``/``DelegationError``) or as :class:`LearnerException` subclasses.

Nothing the learner names is ever imported, evaluated or looked up here: modules, classes and
functions of the learner are opaque handles, and the kernel can only ask for operations of
:data:`gdcourse.inside.ops.ON_TEST_OBJECTS` on the test's own objects.
"""

from __future__ import annotations

import builtins
import functools
import os
import time
import types
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..inside import ops, wire

try:
    from gdutils import checks as _checks
except Exception:  # pragma: no cover - gdutils is part of the course
    _checks = None


class LearnerException(Exception):
    """An exception raised by learner code whose class is not a builtin one."""


class KernelDied(Exception):
    """The sandbox is gone (crashed, killed, or spoke nonsense): no evidence is possible."""


class InteractionTimeout(BaseException):
    """A call into learner code ran past its time limit (not catchable by ``except Exception``)."""


_SAFE_EXC = {
    n: c for n, c in vars(builtins).items()
    if isinstance(c, type) and issubclass(c, Exception) and n not in ("Warning",)
}


@functools.lru_cache(maxsize=512)
def _exception_class(name: str, module: str, base_name: str) -> type:
    base = _SAFE_EXC.get(base_name, LearnerException)
    return type(name, (base,), {"__module__": f"learner.{module}"})


def make_exception(info: Any) -> BaseException:
    """An exception object for the data a kernel sent (never a learner class)."""
    if not isinstance(info, dict):
        return LearnerException("malformed exception")
    name = str(info.get("type", "Exception"))[:100] or "Exception"
    module = str(info.get("module", ""))[:100]
    msg = str(info.get("msg", ""))[:4000]
    if module == "builtins" and name in _SAFE_EXC:
        return _SAFE_EXC[name](msg)
    if _checks is not None and module == _checks.__name__ and name in ("ExerciseError", "DelegationError"):
        return getattr(_checks, name)(msg)
    bases = [b for b in info.get("bases", []) if isinstance(b, str) and b in _SAFE_EXC]
    if not name.isidentifier():
        name = "LearnerError"
    cls = _exception_class(name, module, bases[0] if bases else "")
    return cls(msg if bases else f"{module}.{name}: {msg}")


# ---------------------------------------------------------------------------------------------
# Proxies for learner objects


class LearnerRef:
    """A learner object that lives in the sandbox; each use is a request there."""

    __slots__ = ("_gd_session", "_gd_id", "_gd_type", "__weakref__")
    __array_ufunc__ = None  # numpy defers to our reflected operators instead of coercing
    __gd_typename__ = "learner object"

    def __init__(self, session: Session, hid: int, tname: str) -> None:
        object.__setattr__(self, "_gd_session", session)
        object.__setattr__(self, "_gd_id", hid)
        object.__setattr__(self, "_gd_type", tname)

    def _gd(self, fn: str, *args: Any, **kwargs: Any) -> Any:
        return object.__getattribute__(self, "_gd_session").apply(fn, (self, *args), kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._gd("call", *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._gd("getattr", name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._gd("setattr", name, value)

    def __bool__(self) -> bool:
        return _typed(self._gd("bool"), bool, "__bool__")

    def __len__(self) -> int:
        return _typed(self._gd("len"), int, "__len__")

    def __float__(self) -> float:
        return _typed(self._gd("float"), float, "__float__")

    def __int__(self) -> int:
        return _typed(self._gd("int"), int, "__int__")

    def __index__(self) -> int:
        return _typed(self._gd("index"), int, "__index__")

    def __complex__(self) -> complex:
        return _typed(self._gd("complex"), complex, "__complex__")

    def __iter__(self) -> Any:
        it = self._gd("iter")
        return it if isinstance(it, LearnerRef) else iter(it)

    def __next__(self) -> Any:
        return self._gd("next")

    def __contains__(self, item: Any) -> bool:
        return _typed(self._gd("contains", item), bool, "__contains__")

    def __getitem__(self, key: Any) -> Any:
        return self._gd("getitem", key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._gd("setitem", key, value)

    def __delitem__(self, key: Any) -> None:
        self._gd("delitem", key)

    def __neg__(self) -> Any:
        return self._gd("neg")

    def __pos__(self) -> Any:
        return self._gd("pos")

    def __abs__(self) -> Any:
        return self._gd("abs")

    def __invert__(self) -> Any:
        return self._gd("invert")

    def __hash__(self) -> int:
        return hash(("learner", object.__getattribute__(self, "_gd_id")))

    def __repr__(self) -> str:
        return f"<learner object of type {object.__getattribute__(self, '_gd_type')}>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __dir__(self) -> list[str]:
        return []


def _typed(value: Any, t: type, what: str) -> Any:
    if type(value) is not t:
        raise TypeError(f"{what} of a learner object returned {type(value).__name__}, not {t.__name__}")
    return value


def _binop(name: str) -> Any:
    def method(self: LearnerRef, other: Any) -> Any:
        return self._gd(name, other)

    method.__name__ = f"__{name}__"
    return method


for _n in ops.BINARY + tuple("r" + n for n in ops.BINARY) + ops.COMPARE:
    setattr(LearnerRef, f"__{_n}__", _binop(_n))


@functools.lru_cache(maxsize=256)
def _ref_class(tname: str) -> type:
    # one subclass per learner type, so hints can name it ("an object of type AlwaysEqual")
    short = tname.rsplit(".", 1)[-1] or "object"
    return type(f"Learner_{short}" if short.isidentifier() else "LearnerObject", (LearnerRef,),
                {"__slots__": (), "__gd_typename__": f"learner.{tname}"})


class Opaque:
    """A trusted object the sandbox may hold but not use."""

    __slots__ = ()


# ---------------------------------------------------------------------------------------------
# What learner code may do with the test's objects (callbacks the test passes in)


def usable(obj: Any) -> bool:
    """May learner code use this trusted object (call it, read its public attributes)?

    Functions and classes defined in test cells, numpy ufuncs, math functions, gdutils objects,
    bound methods and partials of those. Never modules, ``open``, ``eval`` and the like.
    """
    if isinstance(obj, np.ufunc):
        return True
    if isinstance(obj, types.FunctionType):
        return obj.__code__.co_filename.startswith("<gdtest") or str(obj.__module__ or "").startswith("gdutils")
    if isinstance(obj, types.MethodType):
        return usable(obj.__self__) or usable(obj.__func__)
    if isinstance(obj, functools.partial):
        return usable(obj.func)
    if isinstance(obj, types.BuiltinFunctionType):
        return getattr(obj.__self__, "__name__", None) in ("math", "cmath")
    if isinstance(obj, types.ModuleType):
        return False
    t = obj if isinstance(obj, type) else type(obj)
    mod = str(getattr(t, "__module__", "") or "")
    return mod == "__gdtest__" or mod.startswith("gdutils")


# ---------------------------------------------------------------------------------------------
# The session


@dataclass
class Events:
    """What happened to a kernel while it was judged: timeouts, strays, death."""

    timeouts: list[str] = field(default_factory=list)
    strays: int = 0
    died: str | None = None
    killed_for_timeout: bool = False


class KernelLink:
    """The judge's end of the pipes to one kernel. ``stop()`` closes them and asks the grader's
    parent (through ``on_stop``) to kill the kernel: the judge cannot signal into the sandbox."""

    def __init__(self, rfd: int, wfd: int, on_stop: Any = None) -> None:
        self.rfd, self.wfd = rfd, wfd
        self.peer: wire.Peer | None = None
        self.on_stop = on_stop
        self.stopped = False

    def connect(self, dispatch: Any, timeout: float = 120.0) -> None:
        """Wait for the kernel's ``ready`` message, then serve its callbacks with ``dispatch``."""
        self.peer = wire.Peer(self.rfd, self.wfd, dispatch)
        try:
            msg = wire.recv(self.rfd, time.monotonic() + timeout)
        except (wire.ProtocolError, wire.ChannelTimeout) as exc:
            raise KernelDied(f"the sandboxed kernel did not start ({type(exc).__name__})") from None
        if not msg.get("ready"):
            raise KernelDied("the sandboxed kernel did not start")

    def stop(self) -> None:
        """Close the channel and have the kernel killed (once)."""
        if self.stopped:
            return
        self.stopped = True
        for fd in (self.rfd, self.wfd):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.on_stop is not None:
            self.on_stop()


class Session:
    """The trusted side of one kernel: proxies, callbacks, the delegation guard."""

    def __init__(self, link: KernelLink, *, cell_timeout: float, deadline: float,
                 tainted: dict[str, set[str]], ref_tags: dict[str, frozenset[str]]) -> None:
        self.link = link
        self.cell_timeout = cell_timeout
        self.deadline = deadline
        self.tainted = tainted  # learner name -> reference qualnames its source refers to
        self.origin: dict[int, str] = {}  # learner handle -> the notebook name it came from
        self.ref_tags = ref_tags  # every known reference qualname -> tags
        self.trusted: dict[int, tuple[Any, bool]] = {}
        self.next_id = 0
        self.events = Events()
        self.context = ""  # which cell is running, for reasons

    # -- codec -----------------------------------------------------------------------------
    def ref(self, obj: Any) -> dict:
        if isinstance(obj, LearnerRef):
            return {"$h": object.__getattribute__(obj, "_gd_id"), "side": "s"}
        self.next_id += 1
        self.trusted[self.next_id] = (obj, usable(obj))
        t = type(obj)
        return {"$h": self.next_id, "side": "t", "type": f"{t.__module__}.{t.__qualname__}",
                "callable": callable(obj)}

    def resolve(self, d: dict) -> Any:
        hid = d.get("$h")
        if type(hid) is not int:
            raise wire.ProtocolError("bad handle")
        if d.get("side") == "s":
            tname = str(d.get("type", "object"))[:200]
            return _ref_class(tname)(self, hid, tname)
        if d.get("side") == "t" and hid in self.trusted:
            obj, ok = self.trusted[hid]
            return obj if ok else Opaque()
        raise wire.ProtocolError("unknown handle")

    def encode(self, x: Any) -> Any:
        return wire.encode(x, self.ref)

    def decode(self, x: Any) -> Any:
        return wire.decode(x, self.resolve)

    # -- transport -------------------------------------------------------------------------
    def request(self, msg: dict, timeout: float) -> dict:
        if self.events.died:
            raise KernelDied(self.events.died)
        if self.link.peer is None:
            raise KernelDied("no kernel")
        now = time.monotonic()
        overall = self.deadline <= now + timeout
        deadline = min(now + timeout, self.deadline)
        try:
            return self.link.peer.request(msg, deadline)
        except wire.ChannelTimeout:
            self.link.stop()
            self.events.killed_for_timeout = True
            why = ("the overall time limit was reached" if overall else
                   f"learner code ignored its {self.cell_timeout:g} s time limit and was killed "
                   f"after {timeout:.0f} s")
            self.events.died = f"killed: {why} ({self.context})"
            self.events.timeouts.append(self.events.died)
            raise InteractionTimeout(self.events.died) from None
        except wire.ChannelClosed:
            self.link.stop()
            self.events.died = f"the kernel died in {self.context}"
            raise KernelDied(self.events.died) from None
        except wire.ProtocolError as exc:
            self.link.stop()
            self.events.died = f"the kernel broke the protocol ({exc}) in {self.context}"
            raise KernelDied(self.events.died) from None

    def _grace(self) -> float:
        return self.cell_timeout + 10.0

    def run_cell(self, source: str) -> dict:
        """Execute one cell of learner or narrative code in the kernel."""
        reply = self.request({"op": "run", "source": source, "timeout": self.cell_timeout}, self._grace())
        if reply.get("timeout"):
            self.events.timeouts.append(f"{self.context} ran past the {self.cell_timeout:g} s cell time limit")
        self.events.strays += int(reply.get("strays") or 0) if type(reply.get("strays")) is int else 0
        return reply

    def fetch_names(self, names: list[str]) -> dict[str, Any]:
        """The values (data or proxies) of notebook names in the kernel."""
        reply = self.request({"op": "names", "names": names}, self._grace())
        if reply.get("timeout"):
            raise InteractionTimeout("looking up the notebook's names timed out")
        values = reply.get("ok")
        if not isinstance(values, dict):
            raise KernelDied("malformed reply")
        out = {k: self.decode(v) for k, v in values.items() if k in names}
        for k, v in out.items():
            if isinstance(v, LearnerRef):
                self.origin[object.__getattribute__(v, "_gd_id")] = k
        return out

    # -- one interaction -------------------------------------------------------------------
    def apply(self, fn: str, args: tuple, kwargs: dict) -> Any:
        """One operation on a learner object, judged by the delegation guard."""
        forbid = frozenset(_checks.active_forbidden()) if _checks is not None else frozenset()
        target = args[0] if args and isinstance(args[0], LearnerRef) else None
        origin = self.origin.get(object.__getattribute__(target, "_gd_id")) if target is not None else None
        if fn == "call" and forbid and origin in self.tainted:
            self._delegation({q: self.ref_tags.get(q, frozenset()) for q in self.tainted[origin]}, forbid)
        enc_args = [self.encode(a) for a in args]
        enc_kwargs = {k: self.encode(v) for k, v in kwargs.items()}
        mutable = {str(i): a for i, a in enumerate(args)
                   if type(a) in (list, dict, np.ndarray, np.random.Generator)}
        mutable.update({k: v for k, v in kwargs.items()
                        if type(v) in (list, dict, np.ndarray, np.random.Generator)})
        reply = self.request({"op": "apply", "fn": fn, "args": enc_args, "kwargs": enc_kwargs,
                              "forbid": sorted(forbid), "timeout": self.cell_timeout}, self._grace())
        if reply.get("timeout"):
            self.events.timeouts.append(f"a call in {self.context} ran past the {self.cell_timeout:g} s limit")
            raise InteractionTimeout(f"learner code ran past the {self.cell_timeout:g} s time limit")
        if type(reply.get("strays")) is int:
            self.events.strays += reply["strays"]
        post = reply.get("post")
        if isinstance(post, dict):
            for key, enc in post.items():
                if key in mutable:
                    _write_back(mutable[key], self.decode(enc))
        refs = reply.get("refs")
        if forbid and isinstance(refs, list):
            ran = {}
            for q in map(str, refs):
                key = q if q in self.ref_tags else q.rsplit(".", 1)[0]
                ran[q] = self.ref_tags.get(key, frozenset())
            self._delegation(ran, forbid)
        if "exc" in reply:
            raise make_exception(reply["exc"])
        if "ok" not in reply:
            raise KernelDied("malformed reply")
        value = self.decode(reply["ok"])
        if isinstance(value, LearnerRef) and origin is not None:
            self.origin.setdefault(object.__getattribute__(value, "_gd_id"), origin)
        return value

    def _delegation(self, refs: dict[str, frozenset[str]], forbid: frozenset[str]) -> None:
        for qualname, tags in sorted(refs.items()):
            if tags & forbid and _checks is not None:
                raise _checks.DelegationError(
                    f"your answer calls {qualname}, gdutils' own solution of this exercise. "
                    "The point of the exercise is to write it yourself: the tests do not accept "
                    "the reference implementation."
                )

    # -- callbacks from the sandbox ---------------------------------------------------------
    def dispatch(self, msg: dict) -> dict:
        """Serve a kernel's request on an object of the test (a callback)."""
        try:
            if msg.get("op") != "apply" or msg.get("fn") not in ops.ON_TEST_OBJECTS:
                raise TypeError("operation not allowed on an object of the test")
            fn = msg["fn"]
            raw_args = msg.get("args") or []
            if not raw_args or not isinstance(raw_args[0], dict) or raw_args[0].get("side") != "t":
                raise TypeError("operation not allowed")
            args = [self.decode(a) for a in raw_args]
            kwargs = {str(k): self.decode(v) for k, v in (msg.get("kwargs") or {}).items()}
            target = args[0]
            if isinstance(target, Opaque):
                raise TypeError("this object of the test cannot be used by learner code")
            if fn == "getattr":
                value = _public_attribute(target, args[1:], kwargs)
            else:
                value = ops.OPERATIONS[fn](*args, **kwargs)
            return {"ok": self.encode(value)}
        except (InteractionTimeout, KernelDied):
            raise
        except Exception as exc:  # noqa: BLE001 - returned to learner code as data
            return {"exc": {"type": type(exc).__name__ if type(exc).__name__ in _SAFE_EXC else "RuntimeError",
                            "module": "builtins", "msg": str(exc)[:2000], "bases": []}}


def _public_attribute(target: Any, args: list, kwargs: dict) -> Any:
    """``getattr(target, name)`` for learner code, where ``name`` must be a public attribute that
    the test's own object (or its class) defines: never a dunder, never a module's namespace."""
    if len(args) != 1 or kwargs or type(args[0]) is not str:
        raise TypeError("getattr on an object of the test takes one attribute name")
    name = args[0]
    if name.startswith("_") or not name.isidentifier():
        raise AttributeError("only public attributes of the test's objects are available")
    own = getattr(target, "__dict__", {}) if not isinstance(target, type) else {}
    declared = any(name in vars(k) for k in type(target).__mro__ if k is not object)
    if isinstance(target, type):
        declared = any(name in vars(k) for k in target.__mro__ if k is not object)
    if name not in own and not declared:
        raise AttributeError(f"the test's object has no public attribute {name!r}")
    value = getattr(target, name)
    if isinstance(value, types.ModuleType):
        raise AttributeError("modules of the test are not available to learner code")
    return value


def _write_back(orig: Any, new: Any) -> None:
    """Copy the post-call state of a mutable argument back into the test's object."""
    t = type(orig)
    if t is not type(new):
        return
    if t is np.ndarray:
        if orig.shape == new.shape and orig.dtype == new.dtype and orig.flags.writeable:
            np.copyto(orig, new)
    elif t is list:
        orig[:] = new
    elif t is dict:
        orig.clear()
        orig.update(new)
    elif t is np.random.Generator and type(orig.bit_generator) is type(new.bit_generator):
        orig.bit_generator.state = new.bit_generator.state
