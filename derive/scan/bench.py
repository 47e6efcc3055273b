"""``derive bench --scan DUMP``: posts per second of ``derive scan`` with 1 and 2 worker processes, and the
engine's overhead per task against the same posts checked one after the other in this process.

Each repeat runs, on the posts a default scan chooses from the dump:

* **one process**: :func:`~derive.scan.task.check_dump_post` on each post in turn, here (the same task
  function, with its forked child per post and per claim; no engine);
* **the engine**: the real :func:`~derive.scan.scan` into a new temporary folder on a local cluster of 1,
  then 2 worker processes (wall clock, cluster start and stop included), and the fixed cost alone: start
  the cluster, load derive and warm up each worker (:func:`~derive.scan.task.warm_up`), stop (so the time
  of the work itself is known);
* **empty tasks**: 400 tasks that do nothing, on one worker, one at a time as a scan submits them: the
  engine's own cost per task.

The load average of the machine is reported before and after (the machine is shared).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from derive.post import PostOptions
from derive.scan.dump import Selection, dump_file, select_posts
from derive.scan.engine import open_engine, require_engine
from derive.scan.run import ScanRequest, scan
from derive.scan.task import check_dump_post, warm_up

EMPTY_TASKS = 400


def _nothing(number: int) -> int:
    return number


def _engine_start_stop(workers: int) -> float:
    """The fixed cost of a scan's engine: start the cluster, load derive and warm up each worker, stop."""
    started = time.monotonic()
    with open_engine(workers) as client:
        client.run(warm_up)
    return time.monotonic() - started


def _empty_tasks() -> float:
    """Seconds per empty task on one worker, one in flight at a time as a scan keeps them."""
    from distributed import as_completed

    with open_engine(1) as client:
        client.submit(_nothing, 0, pure=False).result()
        started = time.monotonic()
        numbers = iter(range(EMPTY_TASKS))
        first = [client.submit(_nothing, next(numbers), pure=False)]
        completed = as_completed(first, loop=client.loop)
        for _ in completed:
            number = next(numbers, None)
            if number is not None:
                completed.add(client.submit(_nothing, number, pure=False))
        return (time.monotonic() - started) / EMPTY_TASKS


def time_scan(dump: Path, repeats: int = 2, timeout: float = 10.0) -> str:
    """The benchmark's Markdown report."""
    require_engine()
    path = dump_file(dump)
    with open(path, "rb") as stream:
        posts = list(select_posts(stream, Selection()))
    if not posts:
        return "No post of the dump is chosen by a default scan: nothing to time.\n"
    options = PostOptions(timeout=timeout)
    post_timeout = 30 * timeout
    load_before = os.getloadavg()
    rows: list[tuple[int, str, float, float | None]] = []
    per_task: list[float] = []
    warm_up()
    for repeat in range(1, repeats + 1):
        started = time.monotonic()
        for post in posts:
            check_dump_post(post, options, post_timeout)
        rows.append((repeat, "one process (no engine)", time.monotonic() - started, None))
        for workers in (1, 2):
            with tempfile.TemporaryDirectory(prefix="derive-bench-scan-") as folder:
                request = ScanRequest(
                    path, Path(folder) / "scan", Selection(), options, post_timeout, workers
                )
                started = time.monotonic()
                scan(request)
                wall = time.monotonic() - started
            rows.append(
                (
                    repeat,
                    f"derive scan, {workers} worker{'s' if workers > 1 else ''}",
                    wall,
                    _engine_start_stop(workers),
                )
            )
        per_task.append(_empty_tasks())
    load_after = os.getloadavg()
    return _report(path, len(posts), rows, per_task, load_before, load_after)


def _report(
    path: Path,
    count: int,
    rows: list[tuple[int, str, float, float | None]],
    per_task: list[float],
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
) -> str:
    lines = [
        f"`derive bench --scan` on {path.name}: {count} chosen posts; load average before "
        f"{load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f}, after "
        f"{load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f} (1 / 5 / 15 min)",
        "",
        "| repeat | run | wall s | posts/s | engine start, warm-up, stop s | work s | posts/s of the work |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for repeat, run, wall, engine in rows:
        work = wall - engine if engine is not None else wall
        lines.append(
            f"| {repeat} | {run} | {wall:.1f} | {count / wall:.2f} | "
            f"{'–' if engine is None else f'{engine:.1f}'} | {work:.1f} | {count / work:.2f} |"
        )
    one = statistics.median(wall for _, run, wall, _ in rows if run.startswith("one process"))
    single = statistics.median(
        wall - (engine or 0.0) for _, run, wall, engine in rows if run.endswith("1 worker")
    )
    lines += [
        "",
        f"Engine overhead per post (1 worker's work against one process, medians): "
        f"{(single - one) / count * 1000:+.0f} ms; an empty task costs "
        f"{statistics.median(per_task) * 1000:.1f} ms on the engine ({EMPTY_TASKS} tasks, medians of "
        f"{len(per_task)}).",
        "",
    ]
    return "\n".join(lines)
