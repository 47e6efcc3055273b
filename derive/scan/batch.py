"""``derive check --batch`` on the engine: the same JSON Lines in, the same objects out, in input order.

Lines are read with :mod:`derive.claims.run`'s public functions (:func:`~derive.claims.run.open_batch`,
:func:`~derive.claims.run.batch_lines`) and each claim is a task that runs
:func:`~derive.claims.run.check_claim` in an engine worker: the claim's own forked worker under its hard time
limit, as in the local pool. At most :data:`~derive.claims.run.MAX_PENDING` lines are in flight; results are
written in input order as soon as every earlier line has its result.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any, TextIO

from derive.claims.run import MAX_PENDING, BatchLine, CheckCrashedError, batch_lines, check_claim, open_batch
from derive.claims.verdict import CheckOptions, error_result
from derive.errors import EXIT_USAGE, DeriveError
from derive.scan.engine import EngineError, describe, open_engine
from derive.scan.task import warm_up


def check_line(options: CheckOptions) -> dict[str, object]:
    """One claim's result object (the task run by an engine worker; never raises for the claim's own
    problems)."""
    warm_up()
    try:
        result = check_claim(options)
    except DeriveError as error:
        return error_result(error)
    return {**result.as_dict(), "exit_code": result.exit_code}


def check_batch_on_engine(
    path: str | Path,
    out: TextIO,
    *,
    timeout: float | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> int:
    """:func:`derive.claims.run.check_batch` on Dask: 0 when every line was checked, 2 when some line was
    bad input or could not be checked."""
    status = 0
    with open_batch(path) as stream:
        lines = batch_lines(stream, timeout)
        first = next(lines, None)
        if first is None:
            return status
        with open_engine(workers, scheduler) as client:
            pending: collections.deque[tuple[BatchLine, Any]] = collections.deque()
            waiting: list[BatchLine] = [first]
            exhausted = False
            while not getattr(out, "reader_gone", False):
                while not exhausted and len(pending) < MAX_PENDING:
                    line = waiting.pop() if waiting else next(lines, None)
                    if line is None:
                        exhausted = True
                        break
                    if line.options is None:
                        assert line.error is not None
                        pending.append((line, error_result(line.error)))
                    else:
                        pending.append((line, client.submit(check_line, line.options, pure=False)))
                if not pending:
                    break
                line, outcome = pending.popleft()
                record = {**line.record(), **(outcome if isinstance(outcome, dict) else _result(outcome))}
                if "error" in record:
                    status = EXIT_USAGE
                out.write(json.dumps(record) + "\n")
                out.flush()
    return status


def _result(future: Any) -> dict[str, object]:
    from distributed import KilledWorker

    try:
        result: dict[str, object] = future.result()
        return result
    except KilledWorker:
        return error_result(CheckCrashedError("the engine's worker process died each time it ran this claim"))
    except Exception as error:  # the engine's, not the claim's (the task never raises for a claim)
        raise EngineError(f"the engine could not run a claim: {describe(error)}") from None
