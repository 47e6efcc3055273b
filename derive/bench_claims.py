"""Times ``derive check`` over a JSONL file of claims (the batch format): per claim, one at a time, then
the whole file in batch mode on both cores. ``derive bench --claims FILE``. A benchmark, not a test."""

from __future__ import annotations

import io
import statistics
import time
from pathlib import Path

from derive.claims.run import batch_lines, check_batch, check_claim, open_batch
from derive.claims.verdict import CheckOptions
from derive.errors import DeriveError, UsageError


def _options(path: Path) -> list[CheckOptions]:
    """The claims of a JSON Lines file, read exactly as ``derive check --batch`` reads them."""
    options: list[CheckOptions] = []
    with open_batch(path) as stream:
        for line in batch_lines(stream):
            if line.error is not None:
                raise UsageError(f"cannot read claims from {path}: {line.error}")
            assert line.options is not None
            options.append(line.options)
    return options


def time_claims(path: Path) -> str:
    """A Markdown table: median and 95th percentile per claim, and batch throughput (claims per second)."""
    records = _options(path)
    seconds: list[float] = []
    for record in records:
        start = time.perf_counter()
        try:
            check_claim(record)
        except DeriveError:
            pass  # bad input is timed too: it must be fast
        seconds.append(time.perf_counter() - start)
    seconds.sort()
    start = time.perf_counter()
    check_batch(path, io.StringIO())
    batch = time.perf_counter() - start
    p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
    rows = [
        "| claims | median per claim (s) | 95th percentile (s) | slowest (s) | batch, 2 workers (s) "
        "| claims/s |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {len(seconds)} | {statistics.median(seconds):.2f} | {p95:.2f} | {seconds[-1]:.2f} | {batch:.2f} "
        f"| {len(seconds) / batch:.1f} |",
    ]
    return "\n".join(rows) + "\n"
