"""Limits: one set of ranges for the options, and a hard wall-clock limit in a worker process.

``signal.alarm`` only works on the main thread and cannot stop C code; a forked worker can always be
killed. The worker's result comes back through a pipe; on timeout the worker is killed.

Every worker is tied to the process that started it: on Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` makes
the kernel kill it when its parent dies (even by SIGKILL); where that is not available, a watchdog thread
polls the parent's pid and ends the worker when the parent is gone. A worker never holds the caller's
terminal streams (stdin, stdout and stderr point to /dev/null), so a caller reading derive's stderr sees
it close when derive ends.

Workers are plain ``os.fork`` children rather than ``multiprocessing`` processes, so they can also be
started from a daemonic process (a ``multiprocessing.Pool`` worker), which ``multiprocessing`` forbids.
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from derive.errors import CheckTimeoutError, DeriveError, InternalError, UsageError

T = TypeVar("T")

# --------------------------------------------------------------------------------------------------------
# One set of ranges (``derive prove``, ``derive check``, the batch lines and the Python API)
# --------------------------------------------------------------------------------------------------------

MIN_CLASSES, MAX_CLASSES = 2, 64
MAX_TIMEOUT = 3600.0

#: Largest batch line (bytes); a longer line is an error for that line only.
MAX_LINE_BYTES = 200_000


def classes_value(value: object) -> int | None:
    """``k`` (None: symbolic) or a whole number of classes from 2 to 64; anything else is a UsageError."""
    if value is None or value == "k":
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 4:
        number = int(value)
    if number is None or not MIN_CLASSES <= number <= MAX_CLASSES:
        shown = repr(value) if isinstance(value, str) else str(value)[:40]
        raise UsageError(
            f"--classes takes k or a whole number from {MIN_CLASSES} to {MAX_CLASSES}, not {shown[:40]}"
        )
    return number


def timeout_value(value: object, option: str = "--timeout") -> float:
    """Seconds, more than 0 and at most 3600; anything else is a UsageError naming ``option``."""
    seconds: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = float(value)
        except ValueError:
            seconds = None
    if seconds is None or not math.isfinite(seconds) or not 0 < seconds <= MAX_TIMEOUT:
        raise UsageError(
            f"{option} takes seconds, more than 0 and at most {MAX_TIMEOUT:g}, not {str(value)[:40]}"
        )
    return seconds


# --------------------------------------------------------------------------------------------------------
# Worker processes tied to their parent
# --------------------------------------------------------------------------------------------------------

#: prctl option: the signal the kernel sends a process when its parent thread dies (linux/prctl.h).
PR_SET_PDEATHSIG = 1

#: How often a worker's watchdog checks that its parent is still alive (seconds).
WATCHDOG_PERIOD = 0.2


def die_with_parent() -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux); False where unsupported.

    Safe to call between fork and exec (``preexec_fn``): it only calls ``prctl``.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(WATCHDOG_PERIOD)
        if os.getppid() != parent:
            os._exit(EXIT_ORPHANED)


#: Exit status of a worker whose parent died.
EXIT_ORPHANED = 1


def become_worker(parent: int) -> None:
    """In a freshly forked child: die with ``parent``, default signals, no terminal streams."""
    for number in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if number is not None:
            signal.signal(number, signal.SIG_DFL)
    tied = die_with_parent()
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(EXIT_ORPHANED)
    if not tied:
        # Only where the kernel cannot do it: a second thread slows SymPy work in the worker measurably.
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="derive-watchdog").start()
    keep_stderr = bool(os.environ.get("DERIVE_DEBUG"))
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1) if keep_stderr else (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


class Worker:
    """``target(*args)`` in a child process tied to this one (see the module docstring)."""

    def __init__(self, target: Callable[..., None], args: tuple[Any, ...]) -> None:
        self._target = target
        self._args = args
        self.pid: int | None = None
        self.returncode: int | None = None
        self._process: Any = None

    def start(self) -> None:
        if not hasattr(os, "fork"):
            self._start_spawned()
            return
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 0
            try:
                become_worker(parent)
                self._target(*self._args)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        self.pid = pid

    def _start_spawned(self) -> None:  # pragma: no cover - platforms without fork (Windows)
        if multiprocessing.current_process().daemon:
            raise DeriveError(
                "derive cannot start its time-limited worker from a daemonic process (such as a "
                "multiprocessing.Pool worker) on a platform without fork; call it from a normal process"
            )
        self._process = multiprocessing.get_context("spawn").Process(
            target=self._target, args=self._args, daemon=True
        )
        self._process.start()
        self.pid = self._process.pid

    def is_alive(self) -> bool:
        if self._process is not None:  # pragma: no cover - spawn platforms
            return bool(self._process.is_alive())
        if self.pid is None or self.returncode is not None:
            return False
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            self.returncode = -1
            return False
        if pid == 0:
            return True
        self.returncode = os.waitstatus_to_exitcode(status)
        return False

    def kill(self) -> None:
        if self._process is not None:  # pragma: no cover - spawn platforms
            self._process.kill()
            return
        if self.is_alive() and self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def join(self, timeout: float = 5.0) -> None:
        """Wait until the child has ended (and reap it), at most ``timeout`` seconds."""
        if self._process is not None:  # pragma: no cover - spawn platforms
            self._process.join(timeout)
            return
        deadline = time.monotonic() + timeout
        delay = 0.001
        while self.is_alive() and time.monotonic() < deadline:
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def stop(self) -> None:
        """Kill the child if it still runs, and reap it."""
        self.kill()
        self.join()


def _child(
    connection: multiprocessing.connection.Connection, function: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    try:
        connection.send(("ok", function(*args)))
    except DeriveError as error:
        connection.send(("error", error))
    except RecursionError:
        connection.send(("error", DeriveError("the work is nested too deeply")))
    except BaseException:
        connection.send(("crash", traceback.format_exc(limit=5)))
    finally:
        connection.close()


class Limited:
    """Work running in a worker process under a wall-clock limit; :meth:`result` waits for it.

    Start several before waiting for any: independent work then runs on every core.
    """

    def __init__(
        self, function: Callable[..., Any], args: tuple[Any, ...], seconds: float, what: str
    ) -> None:
        self._receiver, sender = multiprocessing.Pipe(duplex=False)
        self._worker = Worker(_child, (sender, function, args))
        self._deadline = time.monotonic() + seconds
        self._seconds = seconds
        self._what = what
        try:
            self._worker.start()
        finally:
            sender.close()

    def result(self) -> Any:
        """The function's return value; its ``DeriveError``, or ``CheckTimeoutError`` past the limit."""
        try:
            if not self._receiver.poll(max(0.0, self._deadline - time.monotonic())):
                raise CheckTimeoutError(f"{self._what} did not finish within {self._seconds:g} s")
            status, payload = self._receiver.recv()
        except EOFError as error:
            raise DeriveError(f"{self._what}: the worker process died") from error
        finally:
            self.stop()
        if status == "ok":
            return payload
        if status == "error":
            raise payload
        raise InternalError(
            f"{self._what}: internal error in the worker: {payload.strip().splitlines()[-1]}"
        )

    def stop(self) -> None:
        """End the worker (if it still runs) and release its pipe."""
        self._worker.stop()
        self._receiver.close()


def run_with_limit(function: Callable[..., T], args: tuple[Any, ...], seconds: float, what: str) -> T:
    """``function(*args)`` in a worker process; ``CheckTimeoutError`` after ``seconds`` of wall clock."""
    result: T = Limited(function, args, seconds, what).result()
    return result
