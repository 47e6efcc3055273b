"""``derive check --post FILE|-``: the options of ``derive check`` applied to a whole post.

Options given on the command line override what the post says: ``--at`` replaces the post's values,
``--define`` its definitions, ``--where`` adds to its conditions; ``--let``, ``--assume``, ``--convention``,
``--loss``, ``--classes``, ``--wrt``, ``--means``, ``--syntax`` and ``--timeout`` apply to every item.
Exit codes as for one claim, over the whole post: 1 when a claim fails, else 3 when one is undecided, else 4
when one holds only under a condition, else 0; 2 when nothing in the post could be checked.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from derive.claims.verdict import CheckOptions
from derive.errors import EXIT_INTERRUPTED, DeriveError, InputTooLargeError, UsageError
from derive.post import check_post
from derive.post.extract import MAX_POST_CHARS
from derive.post.judge import PostOptions
from derive.post.report import render_post


def read_post_source(source: str, stdin: TextIO) -> str:
    """The post's text from a file or ``-`` (stdin), refusing more than :data:`MAX_POST_CHARS`."""
    if source == "-":
        text = stdin.read(MAX_POST_CHARS + 1)
    else:
        try:
            with open(source, encoding="utf-8") as handle:
                text = handle.read(MAX_POST_CHARS + 1)
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"cannot read {source}: {type(error).__name__}") from None
    if len(text) > MAX_POST_CHARS:
        raise InputTooLargeError(f"the post is longer than {MAX_POST_CHARS} characters")
    return text


def post_options(args: argparse.Namespace) -> PostOptions:
    """The :class:`PostOptions` of ``derive check``'s parsed arguments."""
    if getattr(args, "claim", None) is not None or getattr(args, "file", None) is not None:
        raise UsageError("--post takes the post from its file; give no claim argument or -f")
    if getattr(args, "batch", None):
        raise UsageError("give --post or --batch, not both")
    if getattr(args, "reading", None) is not None:
        raise UsageError("--reading picks a reading of one claim; check that claim without --post")
    # The limits and forms of --timeout and --classes are derive check's own (CheckOptions validates them).
    checked = CheckOptions(claim="", timeout=args.timeout, classes=args.classes)
    return PostOptions(
        wrt=args.wrt,
        let=tuple(args.let),
        assume=tuple(args.assume),
        convention=args.convention,
        loss=args.loss,
        at=tuple(args.at),
        classes=checked.classes,
        timeout=checked.timeout,
        define=tuple(getattr(args, "define", None) or ()),
        where=tuple(getattr(args, "where", None) or ()),
        means=getattr(args, "means", None),
        syntax=getattr(args, "syntax", None),
        notation=getattr(args, "notation", None),
        implied_sums=bool(getattr(args, "implied_sums", False)),
        batch_loss=getattr(args, "batch_loss", None),
    )


def run_post(args: argparse.Namespace, stdout: TextIO, stderr: TextIO, stdin: TextIO | None = None) -> int:
    """Run ``derive check --post``; returns the exit code (errors are one line on stderr)."""
    try:
        options = post_options(args)
        text = read_post_source(args.post, stdin or sys.stdin)
        result = check_post(text, options)
        stdout.write(render_post(result, args.format))
        return result.exit_code
    except DeriveError as error:
        stderr.write(f"derive: {' '.join(str(error).split())[:500] or type(error).__name__}\n")
        return error.exit_code
    except KeyboardInterrupt:
        stderr.write("derive: interrupted\n")
        return EXIT_INTERRUPTED
