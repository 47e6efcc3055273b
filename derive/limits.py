"""A hard wall-clock limit for symbolic work, in a worker process (works off the main thread).

``signal.alarm`` only works on the main thread and cannot stop C code; a forked worker can always be
killed. The worker's result comes back through a pipe; on timeout the worker is terminated.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from derive.errors import CheckTimeoutError, DeriveError

T = TypeVar("T")


def _child(
    connection: multiprocessing.connection.Connection, function: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    try:
        connection.send(("ok", function(*args)))
    except DeriveError as error:
        connection.send(("error", error))
    except BaseException:
        connection.send(("crash", traceback.format_exc(limit=5)))
    finally:
        connection.close()


class Limited:
    """Work running in a forked worker under a wall-clock limit; :meth:`result` waits for it.

    Start several before waiting for any: independent work then runs on every core.
    """

    def __init__(
        self, function: Callable[..., Any], args: tuple[Any, ...], seconds: float, what: str
    ) -> None:
        context = multiprocessing.get_context("fork")
        self._receiver, sender = context.Pipe(duplex=False)
        self._worker = context.Process(target=_child, args=(sender, function, args), daemon=True)
        self._deadline = time.monotonic() + seconds
        self._seconds = seconds
        self._what = what
        self._worker.start()
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
        raise DeriveError(f"{self._what}: internal error in the worker: {payload.strip().splitlines()[-1]}")

    def stop(self) -> None:
        """End the worker (if it still runs) and release its pipe."""
        if self._worker.is_alive():
            self._worker.kill()
        self._worker.join(timeout=5)
        self._receiver.close()


def run_with_limit(function: Callable[..., T], args: tuple[Any, ...], seconds: float, what: str) -> T:
    """``function(*args)`` in a forked worker; ``CheckTimeoutError`` after ``seconds`` of wall clock."""
    result: T = Limited(function, args, seconds, what).result()
    return result
