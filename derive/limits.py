"""A hard wall-clock limit for symbolic work, in a worker process (works off the main thread).

``signal.alarm`` only works on the main thread and cannot stop C code; a forked worker can always be
killed. The worker's result comes back through a pipe; on timeout the worker is terminated.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
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


def run_with_limit(function: Callable[..., T], args: tuple[Any, ...], seconds: float, what: str) -> T:
    """``function(*args)`` in a forked worker; ``CheckTimeoutError`` after ``seconds`` of wall clock."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_child, args=(sender, function, args), daemon=True)
    worker.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise CheckTimeoutError(f"{what} did not finish within {seconds:g} s")
        status, payload = receiver.recv()
    except EOFError as error:
        raise DeriveError(f"{what}: the worker process died") from error
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join(timeout=5)
        receiver.close()
    if status == "ok":
        return payload
    if status == "error":
        raise payload
    raise DeriveError(f"{what}: internal error in the worker: {payload.strip().splitlines()[-1]}")
