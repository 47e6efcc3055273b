"""The hard wall-clock limit (a worker process per claim) and the batch pool.

Each claim is checked in a child process, never under ``signal.alarm``, so the limit works off the main
thread too.  The worker reports twice through a pipe: first the verdict the numeric samples alone support
(every would-be proof is ``undecided`` there), then the full verdict with symbolic proofs.  When the limit
passes, the parent kills the worker and reports the numeric verdict if it arrived (noting the timeout), or
a :class:`~derive.errors.CheckTimeoutError` otherwise.

:func:`check_batch` runs a JSONL file of claims on a pool of two such workers (one claim per process, so a
bad or slow claim can only lose its own line) and writes one JSON object per input line, in input order.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, TextIO

from derive import errors
from derive.claims.verdict import (
    CheckOptions,
    CheckResult,
    Decider,
    error_result,
    evaluate_claim,
    map_options,
    numeric_decider,
    symbolic_decider,
)
from derive.equivalence import Outcome
from derive.errors import CheckTimeoutError, DeriveError, UsageError
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


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


# --------------------------------------------------------------------------------------------------------
# The worker
# --------------------------------------------------------------------------------------------------------


def _caching_deciders() -> tuple[Decider, Decider]:
    """A numeric decider that remembers refutations, and a symbolic one that reuses them (same seed, same
    cases: :func:`decide` would find the same counterexample again)."""
    refuted: dict[tuple[Any, ...], Outcome] = {}

    def numeric(lhs: Any, rhs: Any, model: Any, assumptions: Any) -> Outcome:
        outcome = numeric_decider(lhs, rhs, model, assumptions)
        if outcome.verdict == "refuted":
            refuted[(lhs, rhs, model, tuple(assumptions))] = outcome
        return outcome

    def symbolic(lhs: Any, rhs: Any, model: Any, assumptions: Any) -> Outcome:
        known = refuted.get((lhs, rhs, model, tuple(assumptions)))
        return known if known is not None else symbolic_decider(lhs, rhs, model, assumptions)

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
        mapped = map_options(options)
        numeric, symbolic = _caching_deciders()
        connection.send(("numeric", evaluate_claim(mapped, options, numeric, symbolic=False)))
        if hook == HOOK_SLEEP_AFTER:
            time.sleep(3600)
        connection.send(("final", evaluate_claim(mapped, options, symbolic, symbolic=True)))
    except DeriveError as error:
        connection.send(("error", type(error).__name__, _one_line(str(error)), error.exit_code))
    except RecursionError:
        connection.send(("error", "InputTooLargeError", "claim is nested too deeply to check", 2))
    except MemoryError:
        connection.send(("error", "CheckCrashedError", "the check ran out of memory", 2))
    except Exception as error:
        connection.send(
            ("error", "DeriveError", _one_line(f"internal error: {type(error).__name__}: {error}"), 2)
        )
    finally:
        connection.close()


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line[:500] if line else "error"


def _raise(kind: str, message: str, exit_code: int) -> None:
    cls = getattr(errors, kind, None)
    if isinstance(cls, type) and issubclass(cls, DeriveError):
        raise cls(message)
    error = DeriveError(message)
    error.exit_code = exit_code
    raise error


# --------------------------------------------------------------------------------------------------------
# One claim
# --------------------------------------------------------------------------------------------------------


@dataclass
class _Job:
    """A running worker and what it has reported."""

    key: int
    options: CheckOptions
    process: Any
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
        try:
            _raise(message[1], message[2], message[3])
        except DeriveError as error:
            self.outcome = error
        return True

    def expire(self) -> None:
        """The time limit passed: use the numeric verdict if there is one."""
        if self.numeric is not None:
            self.outcome = replace(
                self.numeric,
                notes=(
                    *self.numeric.notes,
                    f"the symbolic check did not finish within {self.options.timeout:g} s; "
                    "the verdict rests on "
                    "the numeric samples",
                ),
            )
        else:
            self.outcome = CheckTimeoutError(
                f"no result within the time limit of {self.options.timeout:g} s (not even numeric samples)"
            )

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


def _start(key: int, options: CheckOptions) -> _Job:
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_worker, args=(options, sender), daemon=True)
    process.start()
    sender.close()
    return _Job(key, options, process, receiver, time.monotonic() + options.timeout)


def _run(
    jobs: Iterator[tuple[int, CheckOptions]], workers: int
) -> Iterator[tuple[int, CheckResult | DeriveError]]:
    """Run jobs with at most ``workers`` processes at once; yields (key, outcome) as they finish."""
    running: list[_Job] = []
    pending = iter(jobs)
    exhausted = False
    while running or not exhausted:
        while not exhausted and len(running) < workers:
            try:
                key, options = next(pending)
            except StopIteration:
                exhausted = True
                break
            running.append(_start(key, options))
        if not running:
            continue
        now = time.monotonic()
        timeout = max(0.0, min(job.deadline for job in running) - now)
        ready = wait([job.connection for job in running], timeout=timeout)
        for job in list(running):
            done = False
            if job.connection in ready:
                done = job.receive()
            if not done and time.monotonic() >= job.deadline:
                # Drain a report that arrived right at the deadline before giving up.
                while not done and job.connection.poll(0):
                    done = job.receive()
                if not done:
                    job.expire()
                    done = True
            if done:
                job.stop()
                running.remove(job)
                assert job.outcome is not None
                yield job.key, job.outcome


def check_claim(options: CheckOptions) -> CheckResult:
    """Check one claim in a worker process under ``options.timeout`` (raises DeriveError on bad input)."""
    for _, outcome in _run(iter([(0, options)]), 1):
        if isinstance(outcome, DeriveError):
            raise outcome
        return outcome
    raise CheckCrashedError("no result")  # pragma: no cover


# --------------------------------------------------------------------------------------------------------
# Batch
# --------------------------------------------------------------------------------------------------------

#: Largest batch file line (characters); longer lines get an error object.
MAX_LINE = 200_000


def _batch_jobs(
    lines: list[str], default_timeout: float | None, results: dict[int, dict[str, object]]
) -> Iterator[tuple[int, CheckOptions]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            if len(line) > MAX_LINE:
                raise UsageError(f"line {number} is longer than {MAX_LINE} characters")
            try:
                data = json.loads(line)
            except (ValueError, RecursionError):
                raise UsageError(f"line {number} is not a JSON object") from None
            if not isinstance(data, dict):
                raise UsageError(f"line {number} is not a JSON object")
            if default_timeout is not None and "timeout" not in data:
                data = {**data, "timeout": default_timeout}
            options = CheckOptions.from_mapping(data)
        except DeriveError as error:
            results[number] = {"line": number, **error_result(error)}
            continue
        except Exception as error:
            results[number] = {
                "line": number,
                "error": _one_line(str(error)),
                "kind": "UsageError",
                "exit_code": 2,
            }
            continue
        if isinstance(data.get("id"), (str, int)):
            results.setdefault(-number, {"id": data["id"]})
        yield number, options


def check_batch(
    path: str | Path,
    out: TextIO,
    *,
    timeout: float | None = None,
    workers: int = BATCH_WORKERS,
    progress: Progress = quiet,
) -> int:
    """Check every claim of a JSONL file (``-`` is stdin); write one JSON result per line, in order.

    Returns 0 when every line was checked (whatever the verdicts), 2 when some line was bad input or could
    not be checked.
    """
    if str(path) == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"cannot read batch file {path}: {error.__class__.__name__}") from None
    lines = text.splitlines()
    results: dict[int, dict[str, object]] = {}
    numbers = [n for n, line in enumerate(lines, start=1) if line.strip()]
    next_out = 0
    status = 0

    def flush() -> None:
        nonlocal next_out, status
        while next_out < len(numbers) and numbers[next_out] in results:
            number = numbers[next_out]
            record = results.pop(number)
            extra = results.pop(-number, {})
            if "error" in record:
                status = 2
            out.write(json.dumps({**record, **extra}) + "\n")
            out.flush()
            next_out += 1
            progress(f"checked {next_out} of {len(numbers)} claims")

    for number, outcome in _run(_batch_jobs(lines, timeout, results), workers):
        if isinstance(outcome, DeriveError):
            results[number] = {"line": number, **error_result(outcome)}
        else:
            results[number] = {"line": number, **outcome.as_dict(), "exit_code": outcome.exit_code}
        flush()
    flush()
    return status
