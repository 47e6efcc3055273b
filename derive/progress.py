"""Progress of long commands on stderr: one line rewritten in place on a terminal, nothing otherwise.

A pipeline stage calls ``progress("checking the derivations")`` as it starts; :func:`for_stream` gives the
callable for a stream: a live line when the stream is a terminal, a no-op when it is a file or a pipe
(CI logs, ``2> log``, tests), so redirected output never carries progress noise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

#: What a stage calls with a short description of the work it starts.
Progress = Callable[[str], None]


def quiet(_: str) -> None:
    """Progress that shows nothing."""


class TerminalProgress:
    """Rewrites one stderr line: ``derive: 1.2 s  checking the derivations``; :meth:`done` clears it."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._started = time.monotonic()

    def __call__(self, message: str) -> None:
        elapsed = time.monotonic() - self._started
        self._stream.write(f"\r\x1b[Kderive: {elapsed:4.1f} s  {message}")
        self._stream.flush()

    def done(self) -> None:
        self._stream.write("\r\x1b[K")
        self._stream.flush()


def is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is an interactive terminal (False for files, pipes and ``io.StringIO``)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


def for_stream(stream: TextIO) -> Progress:
    """Live progress on ``stream`` when it is a terminal, else :func:`quiet`."""
    return TerminalProgress(stream) if is_terminal(stream) else quiet


def finish(progress: Progress) -> None:
    """Clear a live progress line (nothing for quiet progress)."""
    if isinstance(progress, TerminalProgress):
        progress.done()
