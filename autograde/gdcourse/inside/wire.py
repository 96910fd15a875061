"""The data codec and framing spoken between the trusted grader and the sandboxed runner.

Only *data* crosses the sandbox boundary, never pickles: ``None``, ``bool``, ``int``, ``float``,
``complex``, ``str``, tuples/lists/dicts of data, ``np.ndarray`` with a numeric or boolean dtype
(raw bytes + dtype + shape), numpy scalars and ``np.random.Generator`` (bit-generator state).
Types are kept EXACTLY: a ``float`` subclass or an ``ndarray`` subclass is not data, it travels as
an opaque handle. Every other object becomes a numbered handle ``{"$h": id, "side": ..., "type":
...}``; the side that owns the object answers later operations on it.

Modules, classes and functions are never data: they travel as handles, so the trusted side never
imports, evaluates or looks up a name that the learner chose.

This file is imported both by the trusted grader (``gdcourse.inside.wire``) and, as a plain file,
by the kernel inside the sandbox: it depends on the standard library and numpy only.

Framing: 8-byte big-endian length, then UTF-8 JSON.
"""

from __future__ import annotations

import base64
import json
import os
import select
import time
from collections.abc import Callable
from typing import Any

try:  # numpy is optional for the codec itself; every course environment has it
    import numpy as np
except ImportError:  # pragma: no cover
    np = None  # type: ignore[assignment]

#: largest message accepted (bytes); a bigger one is a protocol error, never an allocation
MAX_MESSAGE = 64 * 1024 * 1024
_MAX_DEPTH = 64
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed message."""


class ChannelClosed(ProtocolError):
    """The other side closed the channel (it exited or was killed)."""


class ChannelTimeout(Exception):
    """No message arrived before the deadline."""


def _numpy_scalar_types() -> tuple[type, ...]:
    if np is None:
        return ()
    names = [
        "bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
        "float16", "float32", "float64", "complex64", "complex128", "longdouble", "clongdouble",
    ]
    return tuple({getattr(np, n) for n in names if hasattr(np, n)})


_NP_SCALARS = frozenset(_numpy_scalar_types())


# ---------------------------------------------------------------------------------------------
# Encoding


def encode(x: Any, ref: Callable[[Any], dict], _depth: int = 0) -> Any:
    """Encode ``x`` as JSON-able data; ``ref(obj)`` encodes anything that is not data."""
    if _depth > _MAX_DEPTH:
        return ref(x)
    t = type(x)
    if x is None or t is bool or t is str or t is int:
        return x
    if t is float:
        if x != x or x in (float("inf"), float("-inf")):
            return {"$f": repr(x)}
        return x
    if t is complex:
        return {"$c": [encode(x.real, ref), encode(x.imag, ref)]}
    if t is list:
        return [encode(v, ref, _depth + 1) for v in x]
    if t is tuple:
        return {"$t": [encode(v, ref, _depth + 1) for v in x]}
    if t is dict:
        return {"$d": [[encode(k, ref, _depth + 1), encode(v, ref, _depth + 1)] for k, v in x.items()]}
    if np is not None:
        if t is np.ndarray and x.dtype.kind in "biufc" and x.dtype.fields is None:
            raw = np.ascontiguousarray(x).tobytes()
            return {"$nd": [x.dtype.str, list(x.shape), base64.b64encode(raw).decode(), bool(x.flags.writeable)]}
        if t in _NP_SCALARS:
            return {"$ns": [x.dtype.str, base64.b64encode(x.tobytes()).decode()]}
        if t is np.random.Generator:
            bg = x.bit_generator
            name = type(bg).__name__
            if name in _BIT_GENERATORS:
                return {"$rng": [name, encode(bg.state, ref, _depth + 1)]}
    return ref(x)


# ---------------------------------------------------------------------------------------------
# Decoding (strict: anything unexpected is a ProtocolError)


def decode(v: Any, handle: Callable[[dict], Any], _depth: int = 0) -> Any:
    """Decode what :func:`encode` produced; ``handle(d)`` resolves ``{"$h": ...}`` references."""
    if _depth > _MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    t = type(v)
    if v is None or t is bool or t is str or t is int or t is float:
        return v
    if t is list:
        return [decode(i, handle, _depth + 1) for i in v]
    if t is not dict or len(v) == 0:
        raise ProtocolError(f"unexpected value of type {t.__name__}")
    if "$h" in v:
        return handle(v)
    if len(v) != 1:
        raise ProtocolError("malformed tagged value")
    (tag, body), = v.items()
    if tag == "$f":
        if body not in ("nan", "inf", "-inf"):
            raise ProtocolError("bad float")
        return float(body)
    if tag == "$c":
        re, im = (decode(b, handle, _depth + 1) for b in _pair(body))
        if type(re) is not float or type(im) is not float:
            raise ProtocolError("bad complex")
        return complex(re, im)
    if tag == "$t":
        if type(body) is not list:
            raise ProtocolError("bad tuple")
        return tuple(decode(i, handle, _depth + 1) for i in body)
    if tag == "$d":
        if type(body) is not list:
            raise ProtocolError("bad dict")
        out = {}
        for item in body:
            k, val = _pair(item)
            key = decode(k, handle, _depth + 1)
            try:
                hash(key)
            except TypeError:
                raise ProtocolError("unhashable dict key") from None
            out[key] = decode(val, handle, _depth + 1)
        return out
    if np is None:
        raise ProtocolError(f"cannot decode {tag} without numpy")
    if tag == "$nd":
        if type(body) is not list or len(body) != 4:
            raise ProtocolError("bad array")
        dt, shape, b64, writeable = body
        dtype = _dtype(dt)
        if type(shape) is not list or not all(type(s) is int and s >= 0 for s in shape):
            raise ProtocolError("bad array shape")
        raw = base64.b64decode(b64.encode(), validate=True) if type(b64) is str else None
        n = 1
        for s in shape:
            n *= s
        if raw is None or len(raw) != n * dtype.itemsize:
            raise ProtocolError("array bytes do not match dtype and shape")
        arr = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        if writeable is False:
            arr.flags.writeable = False
        return arr
    if tag == "$ns":
        dt, b64 = _pair(body)
        dtype = _dtype(dt)
        raw = base64.b64decode(b64.encode(), validate=True) if type(b64) is str else b""
        if len(raw) != dtype.itemsize:
            raise ProtocolError("bad numpy scalar")
        return np.frombuffer(raw, dtype=dtype)[0]
    if tag == "$rng":
        name, state = _pair(body)
        if name not in _BIT_GENERATORS:
            raise ProtocolError("unknown bit generator")
        bg = getattr(np.random, name)()
        try:
            bg.state = decode(state, handle, _depth + 1)
        except (TypeError, ValueError, KeyError) as exc:
            raise ProtocolError(f"bad generator state: {exc}") from None
        return np.random.Generator(bg)
    raise ProtocolError(f"unknown tag {tag!r}")


def _pair(body: Any) -> tuple[Any, Any]:
    if type(body) is not list or len(body) != 2:
        raise ProtocolError("expected a pair")
    return body[0], body[1]


def _dtype(dt: Any) -> Any:
    if type(dt) is not str or len(dt) > 8:
        raise ProtocolError("bad dtype")
    try:
        dtype = np.dtype(dt)
    except TypeError:
        raise ProtocolError("bad dtype") from None
    if dtype.kind not in "biufc" or dtype.fields is not None or dtype.itemsize > 32:
        raise ProtocolError("dtype is not numeric data")
    return dtype


# ---------------------------------------------------------------------------------------------
# Framing


def send(fd: int, message: dict) -> None:
    """Write one framed message (8-byte length, UTF-8 JSON)."""
    data = json.dumps(message, allow_nan=True, separators=(",", ":")).encode()
    if len(data) > MAX_MESSAGE:
        raise ProtocolError(f"message of {len(data)} bytes exceeds the limit")
    buf = memoryview(len(data).to_bytes(8, "big") + data)
    while buf:
        n = os.write(fd, buf)
        buf = buf[n:]


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    chunks = []
    while n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChannelTimeout()
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                raise ChannelTimeout()
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise ChannelClosed("channel closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def recv(fd: int, deadline: float | None = None) -> dict:
    """Read one message; ``deadline`` is a ``time.monotonic()`` value (None: wait forever)."""
    size = int.from_bytes(_read_exact(fd, 8, deadline), "big")
    if size > MAX_MESSAGE:
        raise ProtocolError(f"message of {size} bytes exceeds the limit")
    try:
        msg = json.loads(_read_exact(fd, size, deadline))
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"malformed message: {exc}") from None
    if type(msg) is not dict:
        raise ProtocolError("a message must be an object")
    return msg


class Peer:
    """One end of the request/response channel; nested requests (callbacks) are served while
    waiting for a response, so either side can call into the other at any depth."""

    def __init__(self, rfd: int, wfd: int, dispatch: Callable[[dict], dict]) -> None:
        self.rfd = rfd
        self.wfd = wfd
        self.dispatch = dispatch
        self._next = 0

    def request(self, message: dict, deadline: float | None = None) -> dict:
        """Send ``message`` and serve nested requests until its reply arrives."""
        self._next += 1
        rid = self._next
        message["id"] = rid
        send(self.wfd, message)
        while True:
            msg = recv(self.rfd, deadline)
            if "re" in msg:
                if msg["re"] != rid:
                    raise ProtocolError("response out of order")
                return msg
            self.answer(msg)

    def answer(self, msg: dict) -> None:
        """Dispatch one request and send the reply."""
        reply = self.dispatch(msg)
        reply["re"] = msg.get("id")
        send(self.wfd, reply)
