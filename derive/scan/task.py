"""One post of a scan, checked where the engine runs it: the task function and the record it returns.

:func:`check_dump_post` runs in an engine worker (a Dask worker process, which may be daemonic and runs
tasks on threads). It checks the post exactly as ``derive check --post`` does (:func:`derive.post.check_post`,
the body read as HTML), inside a forked child under a hard time limit for the whole post
(:func:`derive.limits.run_with_limit`); the child forks one time-limited worker per claim, as always. So a
post that hangs, crashes or runs out of memory loses only its own record (an ``error`` record), never the
engine's worker, and every process it started ends with it.

The record (one JSON line of ``posts.jsonl``): ``post_id``, ``question_id``, ``type``, ``score``, ``status``
(``checked``, ``no formulas`` or ``error``), ``exit_code`` and ``summary`` (as ``derive check --post``),
``claims`` (every formula and code block that is not plain text: its number, kind, line, column, status and
verdict details), ``seconds``, ``host`` and ``pid`` (where it ran), ``error`` and ``error_kind``.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from dataclasses import asdict
from typing import Any

from derive.errors import CheckTimeoutError, DeriveError, ParseError
from derive.limits import run_with_limit
from derive.post import PostOptions, PostResult, check_post
from derive.scan.dump import DumpPost

#: Test-only hooks (enabled by DERIVE_TEST_HOOKS=1, as in derive.claims.run): a body holding one of these
#: markers makes the task kill its own engine worker, or the post's child crash or hang.
HOOK_KILL_WORKER = "<!-- derive-test: kill-worker -->"
HOOK_CRASH_POST = "<!-- derive-test: crash-post -->"
HOOK_HANG_POST = "<!-- derive-test: hang-post -->"
HOOK_SLOW_POST = "<!-- derive-test: slow-post -->"  # sleeps 0.75 s, then checks the post as usual
HOOK_TASK_FAILS = "<!-- derive-test: task-fails -->"  # the task itself raises: an engine-side failure

#: The message of a post without formulas (check_post's own ParseError).
NO_FORMULAS = "no formula or code found in the post"


#: The claim :func:`warm_up` checks (the checker's standard gradient: read, sampled and proved).
WARM_UP_CLAIM = r"\frac{\partial H}{\partial z_j} = a_j - y_j"

_warm = threading.Lock()
_warmed = False


def warm_up() -> None:
    """Once per engine worker process: check one claim of ours in this process (no fork, about a second),
    so the checker's lazy imports and caches are loaded before per-claim workers are forked from it; each
    worker would otherwise load them again (about 1 s more per claim)."""
    global _warmed
    with _warm:
        if _warmed:
            return
        _warmed = True
        from derive.claims.verdict import (
            CheckOptions,
            evaluate_readings,
            map_readings,
            numeric_decider,
            symbolic_decider,
        )

        options = CheckOptions(WARM_UP_CLAIM)
        try:
            readings = map_readings(options)
            evaluate_readings(readings, options, numeric_decider, symbolic=False)
            evaluate_readings(readings, options, symbolic_decider, symbolic=True)
        except Exception:  # pragma: no cover - a warm-up only; the real checks report their own errors
            pass


def check_dump_post(post: DumpPost, options: PostOptions, post_timeout: float) -> dict[str, Any]:
    """The record of one post (never raises for the post's own problems)."""
    warm_up()
    started = time.monotonic()
    if os.environ.get("DERIVE_TEST_HOOKS") == "1":
        if HOOK_KILL_WORKER in post.body:
            os.kill(os.getpid(), signal.SIGKILL)
        if HOOK_TASK_FAILS in post.body:
            raise RuntimeError("the task failed outside the post's check")
    try:
        record = run_with_limit(_checked_record, (post, options), post_timeout, f"post {post.id}")
    except CheckTimeoutError:
        record = error_record(
            post, f"the post's check did not finish within {post_timeout:g} s", "CheckTimeoutError"
        )
    except DeriveError as error:
        died = type(error) is DeriveError and str(error).endswith("the worker process died")
        message = "the post's check process died without a result" if died else _one_line(str(error))
        record = error_record(post, message, "CheckCrashedError" if died else type(error).__name__)
    record["seconds"] = round(time.monotonic() - started, 3)
    record["host"] = socket.gethostname()
    record["pid"] = os.getpid()
    return record


def _checked_record(post: DumpPost, options: PostOptions) -> dict[str, Any]:
    """In the post's own child process: check it, and turn the result into plain data."""
    if os.environ.get("DERIVE_TEST_HOOKS") == "1":
        if HOOK_CRASH_POST in post.body:
            os._exit(70)
        if HOOK_HANG_POST in post.body:
            time.sleep(3600)
        if HOOK_SLOW_POST in post.body:
            time.sleep(0.75)
    try:
        result = check_post(post.body, options, "html")
    except ParseError as error:
        if str(error) == NO_FORMULAS:
            return {
                **head(post),
                "status": "no formulas",
                "exit_code": None,
                "summary": NO_FORMULAS,
                "claims": [],
                "error": None,
                "error_kind": None,
            }
        raise
    return post_record(post, result)


def head(post: DumpPost) -> dict[str, Any]:
    """The fields of a record that say which post it is."""
    return {"post_id": post.id, "question_id": post.question_id, "type": post.type, "score": post.score}


def post_record(post: DumpPost, result: PostResult) -> dict[str, Any]:
    """A checked post: its summary and every formula that is not plain text, as ``derive check --post``
    reports them."""
    claims = []
    for judged in result.judged:
        if judged.status == "not a claim":
            continue
        item = judged.item
        entry: dict[str, Any] = {
            "number": item.number,
            "kind": item.kind,
            "line": item.segment.line,
            "column": item.segment.column,
            "status": judged.status,
            "text": item.text[:500],
        }
        if judged.result is not None:
            entry.update(
                lhs=judged.result.lhs_latex,
                condition=judged.result.condition,
                first_wrong_step=judged.result.first_wrong_step,
                explanation=judged.result.explanation[:500],
            )
        if judged.error is not None:
            entry.update(error=judged.error, error_kind=judged.error_kind)
        claims.append(entry)
    return {
        **head(post),
        "status": "checked",
        "exit_code": result.exit_code,
        "summary": result.summary,
        "claims": claims,
        "error": None,
        "error_kind": None,
    }


def error_record(post: DumpPost, error: str, kind: str) -> dict[str, Any]:
    """A post that could not be checked: the one-line reason."""
    return {
        **head(post),
        "status": "error",
        "exit_code": None,
        "summary": "",
        "claims": [],
        "error": error,
        "error_kind": kind,
    }


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500] or "error"


def options_dict(options: PostOptions) -> dict[str, object]:
    """The post options as JSON (recorded in the scan folder, compared when a scan resumes)."""
    return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(options).items()}
