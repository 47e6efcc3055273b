"""The progress line of a scan on a terminal: posts done, the rate, and the time left.

The time left is estimated from the dump's bytes: the share of the file read so far in this run, at this
run's pace (the number of posts still to come is not known until the dump has been read). The line is
rewritten in place at most a few times a second, and only when the stream is a terminal.
"""

from __future__ import annotations

import time
from typing import TextIO

#: Least seconds between two redraws.
REDRAW = 0.25


def duration(seconds: float) -> str:
    """``42 s``, ``12 min``, ``3.5 h``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Progress:
    """``scan: 120 posts done (40 before), 1.3 posts/s, 37% of the dump read, about 4 min left``."""

    def __init__(self, stream: TextIO | None, total_bytes: int, before: int) -> None:
        self.stream = stream if stream is not None and _is_terminal(stream) else None
        self.total = max(1, total_bytes)
        self.before = before
        self.done = 0
        self.position = 0
        self.start_position: int | None = None
        self.started = time.monotonic()
        self._drawn = 0.0
        self._width = 0

    def read_to(self, position: int) -> None:
        if self.start_position is None:
            self.start_position = position
        self.position = max(self.position, position)

    def finished_one(self) -> None:
        self.done += 1
        self.draw()

    def line(self) -> str:
        elapsed = max(1e-9, time.monotonic() - self.started)
        rate = self.done / elapsed
        share = min(1.0, self.position / self.total)
        parts = [f"scan: {self.done + self.before} posts done"]
        if self.before:
            parts[0] += f" ({self.before} before)"
        parts.append(f"{rate:.2f} posts/s")
        parts.append(f"{100 * share:.0f}% of the dump read")
        read = self.position - (self.start_position or 0)
        if read > 0 and self.done:
            left = (self.total - self.position) * elapsed / read
            parts.append(f"about {duration(left)} left")
        return ", ".join(parts)

    def draw(self, force: bool = False) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if not force and now - self._drawn < REDRAW:
            return
        self._drawn = now
        text = self.line()
        padding = " " * max(0, self._width - len(text))
        self._width = len(text)
        self.stream.write(f"\r{text}{padding}")
        self.stream.flush()

    def close(self) -> None:
        if self.stream is not None and self._width:
            self.draw(force=True)
            self.stream.write("\n")
            self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
