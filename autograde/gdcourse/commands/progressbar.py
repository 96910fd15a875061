"""A progress bar with an ETA on stderr (a plain line per item when stderr is not a terminal)."""

from __future__ import annotations

import sys
import time


class Progress:
    """A progress bar with an ETA (a plain line per step when not a terminal)."""

    def __init__(self, total: int, label: str = "grading", stream=None) -> None:
        self.total = total
        self.done = 0
        self.label = label
        self.stream = stream or sys.stderr
        self.t0 = time.monotonic()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def eta(self) -> str:
        """Estimated time left, from the mean time per step so far."""
        if self.done == 0:
            return "?"
        left = (time.monotonic() - self.t0) / self.done * (self.total - self.done)
        return f"{left:.0f}s"

    def step(self, note: str = "") -> None:
        """One more item done: redraw the bar with ``note``."""
        self.done += 1
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "." * (width - filled)
        line = f"{self.label} [{bar}] {self.done}/{self.total} ETA {self.eta()}"
        if note:
            line += f"  {note}"
        if self.tty:
            self.stream.write("\r" + line[:150].ljust(150))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
