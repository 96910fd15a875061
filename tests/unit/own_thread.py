"""Run a test's body in a thread of its own, where no asyncio loop is running.

The browser tier's Playwright keeps an event loop marked running in the main thread of a pytest
worker that ran it. An explorer treats a browser's change inside a running loop as part of a
drag and may draw it later, on that loop; tests that drive changes themselves, or play the
kernel's loop with ``asyncio.run``, need a thread no one else's loop runs in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def in_own_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """Call ``fn(*args)`` in a new thread; return its result or raise its exception here."""
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["value"] = fn(*args)
        except BaseException as exc:  # re-raised in the caller's thread
            out["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out.get("value")
