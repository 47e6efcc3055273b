"""The ``derive scan`` subcommand: its arguments and its run function (the CLI wires these in)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from derive.claims.command import DEFAULT_TIMEOUT, add_model_arguments
from derive.errors import EXIT_OK, UsageError
from derive.limits import MAX_TIMEOUT, timeout_value
from derive.scan.dump import DEFAULT_KEYWORDS, DEFAULT_TAGS, Selection
from derive.scan.engine import CONNECT_TIMEOUT

if TYPE_CHECKING:  # the checker (and SymPy) load only when a scan runs: derive --help stays fast
    from derive.scan.run import ScanRequest

#: The default time limit of a whole post, in units of the per-formula limit.
POST_TIMEOUT_FACTOR = 30

EPILOG = f"""\
A post is chosen when its question has one of the tags and its text (title or body) mentions one of the
keywords (--match any: either is enough). Default tags: {", ".join(DEFAULT_TAGS)}.
Default keywords: {", ".join(DEFAULT_KEYWORDS)}.

Output folder (--out): scan.json (what is scanned, and how), posts.jsonl (one JSON line per post, appended
as posts finish), summary.json, summary.md and summary.png (at the end). Run the same command again to
resume a stopped scan: posts already in posts.jsonl are skipped.

exit codes: 0 the scan finished (whatever the verdicts: see posts.jsonl), 2 bad input or usage,
6 the engine could not be started or reached, 130 interrupted (run it again to resume)."""


def add_scan_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dump", help="the dump's Posts.xml, or the folder that holds it")
    parser.add_argument(
        "--out", type=Path, default=Path("derive-scan"), help="the scan's folder (default: derive-scan)"
    )
    parser.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="choose posts whose question has this tag (repeatable; replaces the defaults)",
    )
    parser.add_argument("--any-tag", action="store_true", help="do not filter by tag")
    parser.add_argument(
        "--keyword",
        action="append",
        default=[],
        metavar="WORD",
        help="choose posts that mention this word (repeatable; replaces the defaults)",
    )
    parser.add_argument("--any-keyword", action="store_true", help="do not filter by keyword")
    parser.add_argument(
        "--match",
        choices=("all", "any"),
        default="all",
        help="all: both the tag and the keyword tests (default); any: either",
    )
    parser.add_argument(
        "--limit", type=int, default=None, metavar="N", help="check only the first N chosen posts"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes of the local cluster (default: one per core)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="use an existing Dask cluster, e.g. tcp://scheduler-host:8786, instead of a local one",
    )
    parser.add_argument(
        "--connect-timeout",
        default=None,
        metavar="S",
        help=f"seconds to wait for the --scheduler (default: {CONNECT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--timeout",
        default=str(DEFAULT_TIMEOUT),
        metavar="S",
        help=f"wall-clock limit per formula in seconds, at most {MAX_TIMEOUT:g} "
        f"(default: {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--post-timeout",
        default=None,
        metavar="S",
        help=f"wall-clock limit per post (default: {POST_TIMEOUT_FACTOR} times --timeout)",
    )
    add_model_arguments(parser, ", for every post")


def scan_request(args: argparse.Namespace) -> ScanRequest:
    """The :class:`~derive.scan.run.ScanRequest` of parsed arguments (validated)."""
    from derive.claims.verdict import CheckOptions
    from derive.post import PostOptions
    from derive.scan.run import ScanRequest

    timeout = timeout_value(args.timeout)
    post_timeout = (
        timeout_value(args.post_timeout, "--post-timeout")
        if args.post_timeout is not None
        else min(MAX_TIMEOUT, POST_TIMEOUT_FACTOR * timeout)
    )
    if args.workers is not None and not 1 <= args.workers <= 1024:
        raise UsageError(f"--workers takes a whole number from 1 to 1024, not {args.workers}")
    if args.workers is not None and args.scheduler is not None:
        raise UsageError("--workers sizes the local cluster; an existing cluster (--scheduler) has its own")
    connect_timeout: float = CONNECT_TIMEOUT
    if args.connect_timeout is not None:
        if args.scheduler is None:
            raise UsageError("--connect-timeout is the wait for an existing cluster: give --scheduler too")
        connect_timeout = timeout_value(args.connect_timeout, "--connect-timeout")
    if args.limit is not None and args.limit < 1:
        raise UsageError(f"--limit takes a whole number of posts, at least 1, not {args.limit}")
    selection = Selection(
        tags=None if args.any_tag else frozenset(t.lower() for t in (args.tag or DEFAULT_TAGS)),
        keywords=None if args.any_keyword else tuple(args.keyword or DEFAULT_KEYWORDS),
        match=args.match,
    )
    checked = CheckOptions(claim="", timeout=timeout)  # derive check's own validation of the options
    options = PostOptions(
        assume=tuple(args.assume),
        convention=args.convention,
        loss=args.loss,
        timeout=checked.timeout,
        batch_loss=args.batch_loss,
    )
    return ScanRequest(
        dump=Path(args.dump),
        out=args.out,
        selection=selection,
        options=options,
        post_timeout=post_timeout,
        workers=args.workers,
        scheduler=args.scheduler,
        limit=args.limit,
        connect_timeout=connect_timeout,
    )


def run_scan(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run ``derive scan``; errors propagate to the CLI (one line and an exit code)."""
    from derive.scan.engine import require_engine
    from derive.scan.run import scan

    require_engine()
    report = scan(scan_request(args), stderr)
    summary = report.summary
    stdout.write(
        f"scan: {summary['posts']} posts in {report.out} ({report.checked_now} checked now, "
        f"{report.done_before} before); {summary['posts_with_a_failing_formula']} with a failing formula; "
        f"{summary['formulas']} formulas: "
        + ", ".join(f"{count} {status}" for status, count in summary["formulas_by_status"].items())
        + "\n"
    )
    stdout.write(
        "wrote " + ", ".join(str(path) for path in (report.out / "posts.jsonl", *report.files)) + "\n"
    )
    return EXIT_OK
