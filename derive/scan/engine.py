"""The engine: Dask distributed, an optional extra (``pip install 'derive[scale]'``).

:func:`open_engine` gives a :class:`distributed.Client` on a ``LocalCluster`` of one worker process per core
(one thread each: a task forks its own time-limited worker processes, so threads would only compete for
the same core), or on an existing cluster (``--scheduler ADDRESS``). The local cluster is closed on every
way out (a result, an error, Ctrl-C, SIGTERM); if derive itself is killed, Dask's worker processes exit when
their parent does, and the processes they forked are tied to them (:mod:`derive.limits`).

Without the extra, :func:`require_engine` raises a one-line :class:`~derive.errors.UsageError` that says how
to install it; :func:`engine_available` lets ``derive check --batch`` fall back to its own worker pool.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

from derive.errors import EXIT_RESOURCE, DeriveError, UsageError

INSTALL_HINT = "derive scan needs the scale extra (Dask distributed): python -m pip install 'derive[scale]'"

#: ``DERIVE_ENGINE=local`` makes ``derive check --batch`` use its own worker pool even with Dask installed.
ENGINE_VARIABLE = "DERIVE_ENGINE"

#: The environment of the local cluster's worker processes: Dask's defaults (one thread for numerical
#: libraries) without MALLOC_TRIM_THRESHOLD_ (None unsets a variable of Dask's defaults).
PRE_SPAWN_ENVIRON: dict[str, object] = {
    "MALLOC_TRIM_THRESHOLD_": None,
    "OMP_NUM_THREADS": 1,
    "MKL_NUM_THREADS": 1,
    "OPENBLAS_NUM_THREADS": 1,
}

#: Seconds to wait for an existing scheduler, and for the local cluster to stop.
CONNECT_TIMEOUT = 10.0
CLOSE_TIMEOUT = 20


class EngineError(DeriveError):
    """The engine could not be started or reached (exit code 6: not the user's input)."""

    exit_code = EXIT_RESOURCE


def engine_available() -> bool:
    """Whether Dask distributed is installed (and not switched off with ``DERIVE_ENGINE=local``)."""
    if os.environ.get(ENGINE_VARIABLE, "").lower() == "local":
        return False
    return importlib.util.find_spec("distributed") is not None


def require_engine() -> None:
    """A one-line UsageError (how to install it) when Dask distributed is missing."""
    if importlib.util.find_spec("distributed") is None:
        raise UsageError(INSTALL_HINT)


def default_workers() -> int:
    """One worker process per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - platforms without sched_getaffinity
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def open_engine(
    workers: int | None = None, scheduler: str | None = None, connect_timeout: float = CONNECT_TIMEOUT
) -> Iterator[Any]:
    """A Dask client: on ``scheduler`` if given (waiting at most ``connect_timeout`` seconds for it), else
    on a new local cluster of ``workers`` processes."""
    require_engine()
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=connect_timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise EngineError(f"cannot reach the Dask scheduler at {scheduler}: {describe(error)}") from None
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.close(timeout=CLOSE_TIMEOUT)
        return
    count = workers or default_workers()
    # Quiet logs (derive's stderr is for derive's own lines); no dashboard (no web server, no bokeh).
    # An interrupt while the cluster starts or stops is held until it has (a half-built cluster could not
    # be closed), then raised.
    with _interrupts_held():
        with dask.config.set(
            {
                "distributed.worker.daemon": True,
                "distributed.logging.distributed": "critical",
                # Dask's default MALLOC_TRIM_THRESHOLD_=65536 makes glibc hand memory back after small
                # frees: SymPy, which allocates and frees without end, runs slower with it.
                "distributed.nanny.pre-spawn-environ": PRE_SPAWN_ENVIRON,
            }
        ):
            cluster = LocalCluster(
                n_workers=count,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                scheduler_port=0,
                dashboard_address=None,
                # the scheduler's HTTP routes (health, metrics) still listen: on a free loopback port, not
                # on 8787 (taken by any other cluster on the machine, and a warning on stderr then)
                scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.CRITICAL,
            )
        try:
            client = Client(cluster, set_as_default=False)
        except BaseException:
            with contextlib.suppress(Exception):
                cluster.close(timeout=CLOSE_TIMEOUT)
            raise
    try:
        yield client
    finally:
        with _interrupts_held():
            with contextlib.suppress(Exception):
                client.close(timeout=CLOSE_TIMEOUT)
            with contextlib.suppress(Exception):
                cluster.close(timeout=CLOSE_TIMEOUT)


#: The signals that end derive like Ctrl-C (see derive.cli).
_INTERRUPTS = tuple(
    number
    for number in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None))
    if number is not None
)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP for the block, then raise KeyboardInterrupt if one came (main thread
    only; elsewhere signals are not delivered to this thread anyway)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {
        number: signal.signal(number, lambda number, frame: received.append(number)) for number in _INTERRUPTS
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if received:
        raise KeyboardInterrupt(signal.Signals(received[0]).name)


def _reason(error: BaseException) -> str:
    return " ".join(str(error).split())[:200] or type(error).__name__


def describe(error: BaseException) -> str:
    """An engine's exception in one line: its kind and message (a missing derive on a worker says so)."""
    text = f"{type(error).__name__}: {_reason(error)}"
    if isinstance(error, ModuleNotFoundError) or "No module named 'derive" in text:
        text += " (is derive, with the scale extra, installed on every worker?)"
    return text[:400]


def derive_version() -> str:
    """The version of derive a worker runs (called on every worker)."""
    from derive import __version__

    return __version__


def worker_threads(client: Any) -> int:
    """The number of task threads the cluster has now (at least 1)."""
    try:
        info = client.scheduler_info(n_workers=-1)
    except TypeError:  # older distributed: no n_workers argument
        info = client.scheduler_info()
    except Exception:  # a cluster that is restarting a worker: try again at the next refill
        return 1
    return max(1, sum(int(worker.get("nthreads", 1)) for worker in info.get("workers", {}).values()))
