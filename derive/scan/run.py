"""``derive scan``: one pipeline, one call per stage.

    dump --select--> posts not yet done --engine (a task per post)--> records, as they finish
         --append--> posts.jsonl --summarize--> summary.json, summary.md, summary.png

The dump is read in the main process, a bounded number of posts ahead of the engine (one per task thread),
so memory stays bounded; each finished post's record is appended at once, so a stopped scan
loses only the posts that were running. Started again with the same folder, the scan skips the posts in
``posts.jsonl`` and does the rest: each post is in the file exactly once.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from derive import __version__
from derive.post import PostOptions
from derive.scan.dump import DumpPost, Selection, dump_file, dump_identity, select_posts
from derive.scan.engine import (
    CONNECT_TIMEOUT,
    EngineError,
    derive_version,
    describe,
    open_engine,
    worker_threads,
)
from derive.scan.folder import (
    SUMMARY_JSON,
    SUMMARY_MARKDOWN,
    SUMMARY_PLOT,
    ScanFolder,
    open_folder,
)
from derive.scan.progress import Progress
from derive.scan.summary import summarize, summary_json, summary_markdown, summary_plot
from derive.scan.task import check_dump_post, error_record, options_dict

#: Posts in flight per task thread of the engine: one, so a task never waits on a worker behind another one
#: (a post that kills its worker then takes no innocent post down with it; the round trip to the next task
#: costs about 10 ms against about a second per post).
IN_FLIGHT_PER_THREAD = 1

#: Seconds between two looks at the engine's size (workers may come and go).
RESIZE_EVERY = 5.0


@dataclass(frozen=True)
class ScanRequest:
    """What ``derive scan`` was asked to do."""

    dump: Path
    out: Path
    selection: Selection
    options: PostOptions
    post_timeout: float
    workers: int | None = None
    scheduler: str | None = None
    limit: int | None = None
    connect_timeout: float = CONNECT_TIMEOUT


@dataclass(frozen=True)
class ScanReport:
    """What a scan did: posts checked in this run, posts already done before it, and the summary."""

    out: Path
    checked_now: int
    done_before: int
    summary: dict[str, Any]
    files: tuple[Path, ...]
    seconds: float


def scan(request: ScanRequest, progress_stream: TextIO | None = None) -> ScanReport:
    """Check every chosen post of the dump not yet in the folder; then write the summary."""
    started = time.monotonic()
    dump = dump_file(request.dump)
    identity = dump_identity(dump)
    state: dict[str, Any] = {
        "dump": identity,
        "selection": request.selection.as_dict(),
        "options": {**options_dict(request.options), "post_timeout": request.post_timeout},
    }
    with open_folder(request.out, state) as folder, open(dump, "rb") as stream:
        before = folder.lines_before
        progress = Progress(progress_stream, int(identity["size"]), before)
        chosen = select_posts(stream, request.selection)
        todo = _not_done(chosen, folder, request.limit, progress)
        checked = 0
        try:
            first = next(todo, None)
            if first is not None:
                checked = _run(request, folder, first, todo, progress)
        finally:
            progress.close()
        files, summary = _write_summary(folder, dump)
    return ScanReport(request.out, checked, before, summary, files, time.monotonic() - started)


def _not_done(posts: Any, folder: ScanFolder, limit: int | None, progress: Progress) -> Any:
    """The chosen posts (the first ``limit`` of them) that the folder does not have yet."""
    for count, post in enumerate(posts, start=1):
        if limit is not None and count > limit:
            return
        progress.read_to(post.offset)
        if post.id not in folder.done:
            yield post


def _run(request: ScanRequest, folder: ScanFolder, first: DumpPost, todo: Any, progress: Progress) -> int:
    """Every post of ``todo`` (after ``first``) as a task on the engine; records appended as they finish."""
    from distributed import as_completed

    run = uuid.uuid4().hex[:12]  # task keys of this run: a new run never picks up an old run's results
    checked = 0
    with open_engine(request.workers, request.scheduler, request.connect_timeout) as client:
        check_versions(client)
        flying: dict[Any, DumpPost] = {}
        completed = as_completed(loop=client.loop)
        capacity = IN_FLIGHT_PER_THREAD * worker_threads(client)
        sized = time.monotonic()
        waiting: list[DumpPost] = [first]

        def submit_more() -> None:
            nonlocal capacity, sized
            if time.monotonic() - sized > RESIZE_EVERY:
                capacity = IN_FLIGHT_PER_THREAD * worker_threads(client)
                sized = time.monotonic()
            while len(flying) < capacity:
                post = waiting.pop() if waiting else next(todo, None)
                if post is None:
                    return
                future = client.submit(
                    check_dump_post,
                    post,
                    request.options,
                    request.post_timeout,
                    key=f"derive-scan-{run}-{post.id}",
                    pure=False,
                )
                flying[future] = post
                completed.add(future)

        submit_more()
        for future in completed:
            post = flying.pop(future)
            if folder.append(_record(future, post)):
                checked += 1
                progress.finished_one()
            del future
            submit_more()
    return checked


def _record(future: Any, post: DumpPost) -> dict[str, Any]:
    """A finished task's record. A post whose worker died each time it ran it gets an error record of its
    own; any other failure is the engine's, not the post's (the task never raises for a post's problems):
    the scan stops with an EngineError and that post is not recorded, so a resumed scan does it again."""
    from distributed import KilledWorker

    try:
        record: dict[str, Any] = future.result()
        return record
    except KilledWorker:
        return error_record(
            post,
            "the engine's worker process died each time it ran this post (the post was retried)",
            "WorkerDiedError",
        )
    except Exception as error:
        raise EngineError(f"the engine could not run post {post.id}: {describe(error)}") from None


def check_versions(client: Any) -> None:
    """Every worker runs this version of derive (another version could give other verdicts)."""
    try:
        versions = client.run(derive_version)
    except Exception as error:
        raise EngineError(f"the engine's workers cannot run derive: {describe(error)}") from None
    other = {address: version for address, version in versions.items() if version != __version__}
    if other:
        address, version = next(iter(other.items()))
        raise EngineError(
            f"the worker {address} runs derive {version}, not {__version__}: install the same version on "
            "every worker"
        )


def _write_summary(folder: ScanFolder, dump: Path) -> tuple[tuple[Path, ...], dict[str, Any]]:
    summary = summarize(folder.records())
    plot = summary_plot(summary)
    files = [folder.write_file(SUMMARY_JSON, (json.dumps(summary_json(summary), indent=2) + "\n").encode())]
    if plot is not None:
        files.append(folder.write_file(SUMMARY_PLOT, plot))
    markdown = summary_markdown(summary, dump.name, SUMMARY_PLOT if plot is not None else None)
    files.append(folder.write_file(SUMMARY_MARKDOWN, markdown.encode("utf-8")))
    return tuple(files), summary
