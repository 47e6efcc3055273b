"""The ``derive check`` subcommand: arguments and the run function (the CLI wires these in).

Exit codes (defined in :mod:`derive.errors`): 0 holds, 1 fails, 2 bad input, 3 undecided (or timed out),
4 holds only under a condition. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from derive.choices import ASSUME_CHOICES, BATCH_LOSSES, CONVENTIONS, LOSSES
from derive.errors import DeriveError, UsageError, exit_codes_help, message
from derive.limits import MAX_CLASSES, MAX_LINE_BYTES, MAX_TIMEOUT, MIN_CLASSES, timeout_value
from derive.progress import finish, for_stream

if TYPE_CHECKING:  # the checker (SymPy) is imported when a check runs, not to build the parser
    from derive.claims.verdict import CheckOptions

#: Largest claim file or stdin text read (characters); the parser's own limit is lower.
MAX_READ = 1_000_000 + 1

#: The default time limit per claim (seconds).
DEFAULT_TIMEOUT = 10.0

BATCH_FORMAT = f"""\
batch input (--batch FILE, or - for stdin) is JSON Lines: one JSON object per line, UTF-8 (a BOM is
accepted), lines split on \\n only, at most {MAX_LINE_BYTES} bytes each, blank lines skipped. Fields:
"claim" (required) and optionally "id", "wrt", "let", "define", "where", "means", "syntax",
"implied_sums" (true/false), "reading", "notation", "assume", "convention", "loss", "batch_loss", "at",
"classes", "timeout", with
the meaning of the options of the same name ("let", "define", "where", "assume" and "at" take a string or
a list of strings). Example:
  {{"id": "q1", "claim": "\\\\frac{{\\\\partial H}}{{\\\\partial z_j}} = a_j - y_j", "assume": ["onehot"]}}
Output: one JSON object per non-blank input line, in input order, with "line" (1-based) and the input's
"id", then the verdict fields, or "error", "kind" and "exit_code" for a line that could not be checked.
The batch exits 0 when every line was checked, 2 when some line could not be."""


def add_model_arguments(parser: argparse.ArgumentParser, scope: str = "") -> None:
    """``--assume``, ``--convention`` and ``--loss``: the model, the same for ``check`` and ``scan``
    (``scope`` ends their help, such as ", for every post")."""
    parser.add_argument(
        "--assume",
        action="append",
        default=[],
        choices=sorted(ASSUME_CHOICES),
        help=f"assume the targets are one-hot or sum to 1{scope} (repeatable)",
    )
    parser.add_argument(
        "--convention",
        choices=CONVENTIONS,
        default=None,
        help="z = W^T x + b (Wt_x, the default) or z = W x + b (W_x); when not given, a claim whose shapes "
        "fit only W_x is read with it (shown)",
    )
    parser.add_argument("--loss", choices=LOSSES, default="softmax-ce", help="the model's loss")
    parser.add_argument(
        "--batch-loss",
        choices=BATCH_LOSSES,
        help="a batch's loss is the mean over its examples or their sum (default: a gradient written "
        "without 1/N that holds only as the sum is ambiguous)",
    )


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``check`` options to ``parser``."""
    parser.add_argument("claim", nargs="?", help="the claim as LaTeX, or - to read it from stdin")
    parser.add_argument("-f", "--file", help="read the claim from this file")
    parser.add_argument(
        "--batch", metavar="FILE", help="check a JSON Lines file of claims, one JSON result per line"
    )
    parser.add_argument(
        "--post",
        metavar="FILE",
        help="check a whole post (Markdown, Stack Exchange HTML or text; - for stdin), "
        "every formula in order",
    )
    parser.add_argument("--wrt", help="the variable the right side is the derivative by, e.g. 'W_{ij}'")
    parser.add_argument(
        "--let",
        action="append",
        default=[],
        metavar="PAGE=CANONICAL",
        help="map a page symbol to the canonical notation, e.g. 'P_j=y_j' (repeatable)",
    )
    parser.add_argument(
        "--define",
        action="append",
        default=[],
        metavar="SYMBOL=DEFINITION",
        help="the page's own definition of a symbol, in its notation, e.g. "
        "'s_k = e^{z_k}/\\sum_j e^{z_j}' or a loss 'FL = -\\alpha (1-p_t)^\\gamma \\log p_t' (repeatable)",
    )
    parser.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="CONDITION",
        help="an index condition the page states in prose, e.g. 'j != c' (c the true class) (repeatable)",
    )
    parser.add_argument(
        "--means",
        metavar="DERIVATIVE",
        help="what a claim without a left side (or code) computes, e.g. 'dH/dz' or 'dL/dW'",
    )
    parser.add_argument(
        "--notation",
        metavar="WORDS",
        help="the page's words on its notation, e.g. 'X logits (N x C), y one-hot; p = softmax(x)': read "
        "into --let/--where/--loss, each shown with its words",
    )
    parser.add_argument(
        "--implied-sums",
        action="store_true",
        help="an index the left side does not have is summed (Einstein's convention)",
    )
    parser.add_argument(
        "--reading",
        type=int,
        default=None,
        metavar="N",
        help="judge only reading N of a text that has several (see an 'ambiguous' verdict)",
    )
    parser.add_argument(
        "--syntax",
        choices=("latex", "text", "python", "code"),
        default=None,
        help="the claim's syntax (default: detected)",
    )
    add_model_arguments(parser)
    parser.add_argument(
        "--at",
        action="append",
        default=[],
        metavar="NAME=VALUES",
        help="also evaluate at your own values, e.g. 'x=[1.9,0.4]' (repeatable, each name once)",
    )
    parser.add_argument(
        "--classes",
        default=None,
        metavar="K|k",
        help=f"the number of classes, {MIN_CLASSES}..{MAX_CLASSES}, or k for every k (default: as written)",
    )
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    parser.add_argument(
        "--timeout",
        default=str(DEFAULT_TIMEOUT),
        metavar="S",
        help=f"wall-clock limit per claim in seconds, more than 0 and at most {MAX_TIMEOUT:g} "
        f"(default: {DEFAULT_TIMEOUT:g})",
    )


def check_epilog() -> str:
    """The end of ``derive check --help``: the exit codes and the batch line format."""
    return exit_codes_help() + "\n\n" + BATCH_FORMAT


def _read(source: str, stdin: TextIO) -> str:
    if source == "-":
        text = stdin.read(MAX_READ)
    else:
        try:
            with open(source, encoding="utf-8") as handle:
                text = handle.read(MAX_READ)
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"cannot read {source}: {type(error).__name__}") from None
    return text


def options_from_args(args: argparse.Namespace, stdin: TextIO | None = None) -> CheckOptions:
    """The :class:`CheckOptions` of parsed arguments."""
    from derive.claims.verdict import CheckOptions

    stdin = stdin or sys.stdin
    if args.file is not None and args.claim is not None:
        raise UsageError("give the claim as an argument or with -f, not both")
    if args.file is not None:
        text = _read(args.file, stdin)
    elif args.claim is None:
        raise UsageError("no claim: give it as an argument, with -f FILE, or - for stdin")
    elif args.claim == "-":
        text = _read("-", stdin)
    else:
        text = args.claim
    return CheckOptions(
        claim=text,
        wrt=args.wrt,
        let=tuple(args.let),
        assume=tuple(args.assume),
        convention=args.convention,
        loss=args.loss,
        at=tuple(args.at),
        classes=args.classes,
        timeout=args.timeout,
        define=tuple(args.define),
        where=tuple(args.where),
        means=args.means,
        syntax=args.syntax,
        implied_sums=args.implied_sums,
        reading=args.reading,
        notation=args.notation,
        batch_loss=args.batch_loss,
    )


def run_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run ``derive check``; returns the exit code (bad input: one line on ``stderr``)."""
    if getattr(args, "post", None):
        from derive.post.command import run_post

        return run_post(args, stdout, stderr)
    from derive.claims.report import render
    from derive.claims.run import check_batch, check_claim

    try:
        if getattr(args, "batch", None):
            if args.claim is not None or args.file is not None:
                raise UsageError("--batch takes the claims from its file; give no claim argument")
            progress = for_stream(stderr)  # "checked 3 claims" on a terminal; nothing in a pipe or a file
            try:
                return check_batch(args.batch, stdout, timeout=timeout_value(args.timeout), progress=progress)
            finally:
                finish(progress)
        options = options_from_args(args)
        result = check_claim(options)
        stdout.write(render(result, args.format))
        return result.exit_code
    except DeriveError as error:
        stderr.write(message(error) + "\n")
        return error.exit_code
