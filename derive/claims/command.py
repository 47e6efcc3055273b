"""The ``derive check`` subcommand: arguments and the run function (the CLI wires these in).

Exit codes: 0 holds, 1 fails, 2 bad input, 3 undecided (or timed out), 4 holds only under a condition.
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from derive.choices import ASSUME_CHOICES, CONVENTIONS, LOSSES
from derive.errors import DeriveError, UsageError
from derive.progress import finish, for_stream

if TYPE_CHECKING:  # the checker (SymPy) is imported when a check runs, not to build the parser
    from derive.claims.verdict import CheckOptions

#: Largest claim file or stdin text read (characters); the parser's own limit is lower.
MAX_READ = 1_000_000 + 1


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``check`` options to ``parser``."""
    parser.add_argument("claim", nargs="?", help="the claim as LaTeX, or - to read it from stdin")
    parser.add_argument("-f", "--file", help="read the claim from this file")
    parser.add_argument(
        "--batch", metavar="FILE", help="check a JSONL file of claims, one JSON result per line"
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
        "--assume",
        action="append",
        default=[],
        choices=sorted(ASSUME_CHOICES),
        help="assume the targets are one-hot or sum to 1 (repeatable)",
    )
    parser.add_argument(
        "--convention",
        choices=CONVENTIONS,
        default="Wt_x",
        help="z = W^T x + b (Wt_x, default) or z = W x + b (W_x)",
    )
    parser.add_argument("--loss", choices=LOSSES, default="softmax-ce", help="the model's loss")
    parser.add_argument(
        "--at",
        action="append",
        default=[],
        metavar="NAME=VALUES",
        help="also evaluate at your own values, e.g. 'x=[1.9,0.4]' (repeatable)",
    )
    parser.add_argument("--classes", type=int, default=None, help="the number of classes k")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    parser.add_argument("--timeout", type=float, default=10.0, help="wall-clock limit per claim in seconds")


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
    )


def run_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run ``derive check``; returns the exit code."""
    from derive.claims.report import render
    from derive.claims.run import check_batch, check_claim

    try:
        if getattr(args, "batch", None):
            if args.claim is not None or args.file is not None:
                raise UsageError("--batch takes the claims from its file; give no claim argument")
            if not (0 < args.timeout <= 600):
                raise UsageError("--timeout must be between 0 and 600 seconds")
            progress = for_stream(stderr)  # "checked 3 of 14" on a terminal; nothing in a pipe or a file
            try:
                return check_batch(args.batch, stdout, timeout=args.timeout, progress=progress)
            finally:
                finish(progress)
        options = options_from_args(args)
        result = check_claim(options)
        stdout.write(render(result, args.format))
        return result.exit_code
    except DeriveError as error:
        stderr.write(f"derive: {_one_line(str(error)) or type(error).__name__}\n")
        return error.exit_code
    except KeyboardInterrupt:
        stderr.write("derive: interrupted\n")
        return 130


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point (``python -m derive.claims.command``), for testing without the CLI."""
    parser = argparse.ArgumentParser(prog="derive check", description="verify a posted derivative claim")
    add_check_arguments(parser)
    args = parser.parse_args(argv)
    return run_check(args, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
