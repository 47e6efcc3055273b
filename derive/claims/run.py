"""The hard wall-clock limit (a worker process per claim) and the batch mode.

Each claim is checked in a child process (:class:`derive.limits.Worker`: tied to this process, so it dies
with it), never under ``signal.alarm``, so the limit works off the main thread too.  The worker reports
twice through a pipe: first the verdict the numeric samples alone support (every would-be proof is
``undecided`` there), then the full verdict with symbolic proofs.  When the limit passes, the parent kills
the worker and reports the numeric verdict if it arrived (noting the timeout), or a
:class:`~derive.errors.CheckTimeoutError` otherwise.

:func:`check_batch` reads JSON Lines (one JSON object per line, lines split on ``\\n`` only), streamed with
bounded memory, and checks them on two such workers (one claim per process, so a bad or slow claim can
only lose its own line). It writes one JSON object per non-blank input line, in input order, each with
the input's ``line`` number and, when the line gave one, its ``id``.
"""

from __future__ import annotations

import collections
import contextlib
import json
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from derive import errors
from derive.claims.mapping import WORD_CONDITIONS_DROPPED
from derive.claims.verdict import (
    CheckOptions,
    CheckResult,
    Decider,
    MappedReading,
    combine_apart,
    error_result,
    evaluate_readings,
    formulas_apart,
    map_other_values,
    map_readings,
    numeric_decider,
    sample_sizes,
    symbolic_decider,
    with_other_values,
)
from derive.equivalence import Outcome
from derive.errors import (
    EXIT_INTERNAL,
    EXIT_UNDECIDED,
    EXIT_USAGE,
    CheckTimeoutError,
    DeriveError,
    UnappliedConditionError,
    UsageError,
)
from derive.limits import MAX_LINE_BYTES, Worker
from derive.progress import Progress, quiet

#: Workers in the batch pool.
BATCH_WORKERS = 2

#: Address-space limit of a worker (bytes): a runaway simplification fails instead of swapping.
WORKER_MEMORY_LIMIT = 3 * 1024**3

#: Test-only hooks (enabled by DERIVE_TEST_HOOKS=1): a claim text starting with one of these prefixes makes
#: the worker sleep before its numeric report or after it, to exercise the time limit deterministically.
HOOK_SLEEP_BEFORE = "#sleep-before-numeric "
HOOK_SLEEP_AFTER = "#sleep-after-numeric "


class CheckCrashedError(DeriveError):
    """The worker process died without a result."""


# --------------------------------------------------------------------------------------------------------
# The worker
# --------------------------------------------------------------------------------------------------------


def _caching_deciders() -> tuple[Decider, Decider]:
    """A numeric decider that remembers its outcomes, and a symbolic one that reuses them (same seed, same
    cases, same sizes: :func:`decide` would draw the same samples and find the same counterexample again),
    so the second pass only adds the symbolic proof."""
    sampled: dict[tuple[Any, ...], Outcome] = {}

    def key(lhs: Any, rhs: Any, model: Any, assumptions: Any) -> tuple[Any, ...]:
        return (lhs, rhs, model, tuple(assumptions), sample_sizes())

    def numeric(lhs: Any, rhs: Any, model: Any, assumptions: Any) -> Outcome:
        outcome = numeric_decider(lhs, rhs, model, assumptions)
        sampled[key(lhs, rhs, model, assumptions)] = outcome
        return outcome

    def symbolic(lhs: Any, rhs: Any, model: Any, assumptions: Any) -> Outcome:
        return symbolic_decider(lhs, rhs, model, assumptions, sampled.get(key(lhs, rhs, model, assumptions)))

    numeric.numeric_only = True  # type: ignore[attr-defined]
    return numeric, symbolic


def _limit_memory() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_LIMIT, WORKER_MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass


def _hook(options: CheckOptions) -> tuple[CheckOptions, str | None]:
    if os.environ.get("DERIVE_TEST_HOOKS") != "1":
        return options, None
    for prefix in (HOOK_SLEEP_BEFORE, HOOK_SLEEP_AFTER):
        if options.claim.startswith(prefix):
            return replace(options, claim=options.claim[len(prefix) :]), prefix
    return options, None


def _worker(options: CheckOptions, connection: Connection) -> None:
    _limit_memory()
    try:
        options, hook = _hook(options)
        if hook == HOOK_SLEEP_BEFORE:
            time.sleep(3600)
        unapplied: UnappliedConditionError | None = None
        apart: list[tuple[CheckOptions, list[MappedReading]]] = []
        together = ""
        try:
            mapped = map_readings(options)
        except UnappliedConditionError as error:
            # a condition in words that is not read: judged without it, and kept only if it holds so
            unapplied, token = error, WORD_CONDITIONS_DROPPED.set(True)
            try:
                mapped = map_readings(options)
            except DeriveError:
                raise error from None
            finally:
                WORD_CONDITIONS_DROPPED.reset(token)
        except DeriveError as error:
            # formulas that do not read together (one-variable calculus beside the model's gradient): each
            # read on its own, or the error
            apart, together, mapped = formulas_apart(options, error), str(error), []
        numeric, symbolic = _caching_deciders()
        others = map_other_values(mapped, options)  # the code's other gradients (db beside dW)
        judged = mapped[0].reading.judged if mapped else None

        def evaluate(decider: Decider, exact: bool) -> CheckResult:
            nonlocal apart, together
            if not apart:
                try:
                    result = evaluate_readings(mapped, options, decider, symbolic=exact)
                    return with_other_values(result, judged, others, options, decider, symbolic=exact)
                except DeriveError as error:
                    apart, together = formulas_apart(options, error), str(error)
            parts = [evaluate_readings(m, alone, decider, symbolic=exact) for alone, m in apart]
            return combine_apart(parts, together)

        if unapplied is None:
            connection.send(("numeric", evaluate(numeric, False)))
        if hook == HOOK_SLEEP_AFTER:
            time.sleep(3600)
        final = evaluate(symbolic, True)
        if unapplied is not None and final.verdict != "holds":
            raise unapplied
        connection.send(("final", final))
    except DeriveError as error:
        connection.send(("error", type(error).__name__, _one_line(str(error)), error.exit_code))
    except RecursionError:
        connection.send(("error", "InputTooLargeError", "claim is nested too deeply to check", EXIT_USAGE))
    except MemoryError:
        limit = WORKER_MEMORY_LIMIT / 1024**3
        connection.send(("error", "CheckResourceError", f"the check ran out of memory ({limit:g} GiB)",
                         EXIT_UNDECIDED))
    except Exception as error:  # a bug of ours: reported as such, never as the user's fault
        message = _one_line(f"internal error ({type(error).__name__}: {error})")
        connection.send(("error", "InternalError", message, EXIT_INTERNAL))
    finally:
        connection.close()


# --------------------------------------------------------------------------------------------------------
# Warming this process before it forks more workers
# --------------------------------------------------------------------------------------------------------

#: Claims of our own, one of each common shape (LaTeX by the logits, the weights and the bias; plain text;
#: code), read in this process (never input, and never checked here: every check runs in a worker). A
#: worker is a fork of this process: it starts with whatever this process has loaded and built (SymPy's
#: lazy imports, the grammars, the models' written-out definitions, SymPy's cache), and everything it
#: builds is lost when it ends. Without the warm-up every worker builds all of that again (about half of
#: a typical 0.2-0.5 s check).
WARM_UP_CLAIMS = (
    r"\frac{\partial L}{\partial z_i} = a_i - y_i",
    r"\frac{\partial L}{\partial W} = x (a - y)^T",
    "dL/db = a - y",
    "dscores = probs.copy()\ndscores[range(N), y] -= 1",
)

_warm_up_lock = threading.Lock()
_workers_started = 0
_warm = False


def _before_fork() -> None:
    """Warm this process (once) before it starts its second worker.

    A process that checks one claim (``derive check``) never pays for the warm-up (about 0.4 s);
    one that checks several (a batch, a post, the corpus, the Python API called again) pays it once, and
    every later worker starts warm. Verdicts do not depend on it: a cold worker gives the same result
    (tests/test_claims_check.py).
    """
    global _workers_started
    with _warm_up_lock:
        _workers_started += 1
        if _workers_started < 2:
            return
    warm_up()


def warm_up() -> None:
    """Read and map :data:`WARM_UP_CLAIMS` in this process, once, so every worker forked later starts warm.

    Only reading and mapping run here (parsing, building the claims' and the models' expressions, and
    loading what ``simplify`` imports on first use); the checks themselves always run in a time-limited
    worker. ``derive build`` calls it before forking the seed posts' processes.
    """
    global _warm
    with _warm_up_lock:
        if _warm:
            return
        _warm = True
        try:
            import sympy

            sympy.simplify(sympy.Symbol("x") + 1)  # SymPy imports its units package on a first simplify
            for claim in WARM_UP_CLAIMS:
                map_readings(CheckOptions(claim))
        except Exception:  # only speed is lost: the workers build what they need themselves
            return


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line[:500] if line else "error"


def _rebuild(kind: str, message: str, exit_code: int) -> DeriveError:
    cls = getattr(errors, kind, None)
    if kind == "CheckCrashedError":
        cls = CheckCrashedError
    if isinstance(cls, type) and issubclass(cls, DeriveError):
        error = cls(message)
    else:
        error = DeriveError(message)
    error.exit_code = exit_code
    return error


# --------------------------------------------------------------------------------------------------------
# Running claims: at most N workers at once
# --------------------------------------------------------------------------------------------------------


@dataclass
class _Job:
    """A running worker and what it has reported."""

    key: int
    options: CheckOptions
    worker: Worker
    connection: Connection
    deadline: float
    numeric: CheckResult | None = None
    outcome: CheckResult | DeriveError | None = None

    def receive(self) -> bool:
        """Read one message; True when the job is finished."""
        try:
            message = self.connection.recv()
        except (EOFError, OSError):
            self.outcome = CheckCrashedError("the checker process died without a result")
            return True
        if message[0] == "numeric":
            self.numeric = message[1]
            return False
        if message[0] == "final":
            self.outcome = message[1]
            return True
        self.outcome = _rebuild(message[1], message[2], message[3])
        return True

    def expire(self) -> None:
        """The time limit passed: use the numeric verdict if there is one."""
        if self.numeric is not None:
            self.outcome = replace(
                self.numeric,
                notes=(
                    *self.numeric.notes,
                    f"the symbolic check did not finish within {self.options.timeout:g} s; "
                    "the verdict rests on the numeric samples",
                ),
            )
        else:
            self.outcome = CheckTimeoutError(
                f"no result within the time limit of {self.options.timeout:g} s (not even numeric samples)"
            )

    def stop(self) -> None:
        self.worker.stop()
        self.connection.close()


class _Runner:
    """Claims in worker processes; :meth:`close` kills whatever still runs (also on an interrupt)."""

    def __init__(self) -> None:
        self.running: list[_Job] = []

    def start(self, key: int, options: CheckOptions) -> None:
        _before_fork()
        receiver, sender = multiprocessing.Pipe(duplex=False)
        worker = Worker(_worker, (options, sender))
        try:
            worker.start()
        except BaseException:
            receiver.close()
            raise
        finally:
            sender.close()
        self.running.append(_Job(key, options, worker, receiver, time.monotonic() + options.timeout))

    def finished(self) -> list[tuple[int, CheckResult | DeriveError]]:
        """Wait until at least one job is done (or its limit passed); their (key, outcome)."""
        done: list[tuple[int, CheckResult | DeriveError]] = []
        while self.running and not done:
            timeout = max(0.0, min(job.deadline for job in self.running) - time.monotonic())
            ready = wait([job.connection for job in self.running], timeout=timeout)
            for job in list(self.running):
                finished = False
                if job.connection in ready:
                    finished = job.receive()
                if not finished and time.monotonic() >= job.deadline:
                    # Drain a report that arrived right at the deadline before giving up.
                    while not finished and job.connection.poll(0):
                        finished = job.receive()
                    if not finished:
                        job.expire()
                        finished = True
                if finished:
                    job.stop()
                    self.running.remove(job)
                    assert job.outcome is not None
                    done.append((job.key, job.outcome))
        return done

    def close(self) -> None:
        while self.running:
            self.running.pop().stop()


def check_claim(options: CheckOptions) -> CheckResult:
    """Check one claim in a worker process under ``options.timeout`` (raises DeriveError on bad input)."""
    runner = _Runner()
    try:
        runner.start(0, options)
        for _, outcome in runner.finished():
            if isinstance(outcome, DeriveError):
                raise outcome
            return outcome
    finally:
        runner.close()
    raise CheckCrashedError("no result")  # pragma: no cover


# --------------------------------------------------------------------------------------------------------
# Batch: JSON Lines, streamed
# --------------------------------------------------------------------------------------------------------

#: Largest batch line in bytes; a longer line gets an error object and the rest of it is skipped unread.

#: Bytes read from the input at a time.
READ_CHUNK = 1 << 16

#: Most results waiting for an earlier line's verdict before reading stops until that verdict comes.
MAX_PENDING = 256

_BOM = b"\xef\xbb\xbf"


def raw_lines(stream: BinaryIO, limit: int = MAX_LINE_BYTES) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) for each line, split on ``b"\\n"`` only; ``None`` for a line over ``limit``
    bytes (whose bytes are skipped, never held). Memory stays bounded whatever the input."""
    number = 0
    buffer = bytearray()
    overlong = False
    read = getattr(stream, "read1", stream.read)
    while True:
        chunk = read(READ_CHUNK)
        if not chunk:
            break
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            piece = chunk[start:] if end < 0 else chunk[start:end]
            if not overlong and len(buffer) + len(piece) > limit:
                overlong = True
                buffer.clear()
            if not overlong:
                buffer += piece
            if end < 0:
                break
            number += 1
            yield number, None if overlong else bytes(buffer)
            buffer.clear()
            overlong = False
            start = end + 1
    if buffer or overlong:
        number += 1
        yield number, None if overlong else bytes(buffer)


@dataclass(frozen=True)
class BatchLine:
    """One non-blank input line: its number, its ``id`` (if it gave one), and its options or its error."""

    number: int
    options: CheckOptions | None
    error: DeriveError | None
    id: object = None
    has_id: bool = False

    def record(self) -> dict[str, object]:
        """The start of this line's result object: ``line`` and, if given, ``id``."""
        return {"line": self.number, **({"id": self.id} if self.has_id else {})}


def batch_lines(stream: BinaryIO, default_timeout: float | None = None) -> Iterator[BatchLine]:
    """Every non-blank line of a JSON Lines stream, read as claim options (or the line's own error)."""
    for number, raw in raw_lines(stream):
        if raw is None:
            yield BatchLine(number, None, UsageError(f"line {number} is longer than {MAX_LINE_BYTES} bytes"))
            continue
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            yield BatchLine(
                number, None, UsageError(f"line {number} is not valid UTF-8 (byte {error.start + 1})")
            )
            continue
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            yield BatchLine(number, None, UsageError(f"line {number} is not a JSON object"))
            continue
        if not isinstance(data, dict):
            yield BatchLine(number, None, UsageError(f"line {number} is not a JSON object"))
            continue
        has_id, ident = "id" in data, data.get("id")
        if default_timeout is not None and "timeout" not in data:
            data = {**data, "timeout": default_timeout}
        try:
            options = CheckOptions.from_mapping(data)
        except DeriveError as error:
            yield BatchLine(number, None, _prefixed(error, number), ident, has_id)
            continue
        yield BatchLine(number, options, None, ident, has_id)


def _prefixed(error: DeriveError, number: int) -> DeriveError:
    prefixed = type(error)(f"line {number}: {error}")
    prefixed.exit_code = error.exit_code
    return prefixed


@contextlib.contextmanager
def open_batch(path: str | Path) -> Iterator[BinaryIO]:
    """The batch input as bytes: ``-`` is stdin; a file that cannot be opened is a UsageError."""
    if str(path) == "-":
        yield sys.stdin.buffer
        return
    try:
        handle = open(path, "rb")
    except OSError as error:
        raise UsageError(f"cannot read batch file {path}: {error.strerror or type(error).__name__}") from None
    with handle:
        yield handle


def check_batch(
    path: str | Path,
    out: TextIO,
    *,
    timeout: float | None = None,
    workers: int = BATCH_WORKERS,
    progress: Progress = quiet,
) -> int:
    """Check every claim of a JSON Lines file (``-`` is stdin); write one JSON result per line, in order.

    Returns 0 when every line was checked (whatever the verdicts), 2 when some line was bad input or could
    not be checked. Stops early, quietly, when nobody reads ``out`` any more.

    With the engine installed (the ``scale`` extra, Dask distributed) the claims run as tasks on it, on a
    local cluster of ``workers`` processes (:mod:`derive.scan.batch`; ``DERIVE_ENGINE=local`` keeps this
    pool); the lines, time limits and results are the same.
    """
    from derive.scan.engine import engine_available

    if engine_available():
        from derive.scan.batch import check_batch_on_engine

        return check_batch_on_engine(path, out, timeout=timeout, workers=workers)
    status = 0
    pending: collections.deque[BatchLine] = collections.deque()
    results: dict[int, dict[str, object]] = {}
    runner = _Runner()

    done = 0

    def flush() -> None:
        nonlocal status, done
        while pending and pending[0].number in results:
            record = results.pop(pending.popleft().number)
            if "error" in record:
                status = EXIT_USAGE
            out.write(json.dumps(record) + "\n")
            out.flush()
            done += 1
            progress(f"checked {done} claims")

    with open_batch(path) as stream:
        lines = batch_lines(stream, timeout)
        exhausted = False
        try:
            while not getattr(out, "reader_gone", False):
                while not exhausted and len(runner.running) < workers and len(pending) < MAX_PENDING:
                    line = next(lines, None)
                    if line is None:
                        exhausted = True
                        break
                    pending.append(line)
                    if line.options is None:
                        assert line.error is not None
                        results[line.number] = {**line.record(), **error_result(line.error)}
                        flush()
                    else:
                        runner.start(line.number, line.options)
                if not runner.running:
                    # Nothing runs, so every pending line has its result and was written.
                    if exhausted:
                        break
                    continue
                by_number = {line.number: line for line in pending}
                for number, outcome in runner.finished():
                    head = by_number[number].record()
                    if isinstance(outcome, DeriveError):
                        results[number] = {**head, **error_result(outcome)}
                    else:
                        results[number] = {**head, **outcome.as_dict(), "exit_code": outcome.exit_code}
                flush()
            flush()
        finally:
            runner.close()
    return status
