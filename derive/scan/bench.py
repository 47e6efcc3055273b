"""``derive bench --scan DUMP``: posts per second of ``derive scan`` with 1 and 2 worker processes, and the
engine's overhead per task against the same posts checked one after the other in this process.

Each repeat runs, on the posts a default scan chooses from the dump:

* **one process**: :func:`~derive.scan.task.check_dump_post` on each post in turn, here (the same task
  function, with its forked child per post and per claim; no engine);
* **the same tasks on the engine**: on a local cluster of one worker, started and warmed up
  (:func:`~derive.scan.task.warm_up`), each post as a task, one in flight at a time as a scan keeps them:
  the engine's overhead per post is the difference with the first run; the cluster's fixed cost (start,
  load derive, warm up, stop) is reported beside it;
* **derive scan end to end**: the real :func:`~derive.scan.scan` into a new temporary folder on a local
  cluster of 1, then 2 worker processes (wall clock: cluster start and stop, reading the dump, writing
  posts.jsonl and the summary with its plot);
* **empty tasks**: 400 tasks that do nothing, one after the other on one worker: the engine's own cost
  per task.

The load average of the machine is reported before and after (the machine is shared).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from derive.post import PostOptions
from derive.scan.dump import DumpPost, Selection, dump_file, select_posts
from derive.scan.engine import open_engine, require_engine
from derive.scan.run import ScanRequest, scan
from derive.scan.task import check_dump_post, warm_up

EMPTY_TASKS = 400


def _nothing(number: int) -> int:
    return number


def _engine_tasks(posts: list[DumpPost], options: PostOptions, post_timeout: float) -> tuple[float, float]:
    """On a started and warmed one-worker cluster: seconds for the same posts as tasks, one in flight at a
    time as a scan keeps them; and the cluster's fixed cost (start, load derive, warm up, stop)."""
    started = time.monotonic()
    with open_engine(1) as client:
        client.run(warm_up)
        ready = time.monotonic()
        for post in posts:
            client.submit(check_dump_post, post, options, post_timeout, pure=False).result()
        work = time.monotonic() - ready
    return work, time.monotonic() - started - work


def _empty_tasks() -> float:
    """Seconds per empty task on one worker, one in flight at a time as a scan keeps them."""
    with open_engine(1) as client:
        client.submit(_nothing, 0, pure=False).result()
        started = time.monotonic()
        for number in range(EMPTY_TASKS):
            client.submit(_nothing, number, pure=False).result()
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
        rows.append((repeat, "one process, no engine", time.monotonic() - started, None))
        work, fixed = _engine_tasks(posts, options, post_timeout)
        rows.append((repeat, "the same tasks on the engine, 1 worker", work + fixed, fixed))
        for workers in (1, 2):
            with tempfile.TemporaryDirectory(prefix="derive-bench-scan-") as folder:
                request = ScanRequest(
                    path, Path(folder) / "scan", Selection(), options, post_timeout, workers
                )
                started = time.monotonic()
                scan(request)
                wall = time.monotonic() - started
            plural = "s" if workers > 1 else ""
            rows.append((repeat, f"derive scan, {workers} worker{plural} (end to end)", wall, None))
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
        "| repeat | run | wall s | posts/s | of which engine start, warm-up, stop s |",
        "|---:|---|---:|---:|---:|",
    ]
    for repeat, run, wall, fixed in rows:
        shown = "–" if fixed is None else f"{fixed:.1f}"
        lines.append(f"| {repeat} | {run} | {wall:.1f} | {count / wall:.2f} | {shown} |")
    one = statistics.median(wall for _, run, wall, _ in rows if run.startswith("one process"))
    tasks = statistics.median(
        wall - (fixed or 0.0) for _, run, wall, fixed in rows if run.startswith("the same")
    )
    lines += [
        "",
        f"Engine overhead per post (the same posts as tasks on one started worker against one process, "
        f"medians): {(tasks - one) / count * 1000:+.0f} ms; an empty task costs "
        f"{statistics.median(per_task) * 1000:.1f} ms on the engine ({EMPTY_TASKS} tasks one after the "
        f"other, median of {len(per_task)}).",
        "",
    ]
    return "\n".join(lines)
