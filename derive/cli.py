"""The command line: argparse, ``main(argv) -> exit code``. The only module that prints.

Exit codes: 0 success (every step proved / the claim holds), 1 a step refuted / the claim fails,
2 bad input, 3 undecided (or a time limit), 4 the claim holds only under a condition.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from derive import __version__
from derive.choices import (
    CONVENTIONS,
    FORMATS,
    MAX_CLASSES,
    MIN_CLASSES,
    PROVE_LOSSES,
    VARIANT_NAMES,
    WRT_CHOICES,
)
from derive.errors import DeriveError, UsageError
from derive.progress import finish, for_stream

EXIT_OK, EXIT_REFUTED, EXIT_USAGE, EXIT_UNDECIDED, EXIT_CONDITIONAL = 0, 1, 2, 3, 4
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug of ours, not the user's input


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2 (argparse prints the whole usage)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog.removeprefix('derive ')}: {message}")


def classes_value(text: str) -> int | None:
    """``k`` (symbolic) or an integer number of classes from 2 to 64."""
    if text == "k":
        return None
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"--classes takes k or a whole number, not {text!r}")
    value = int(text)
    if not MIN_CLASSES <= value <= MAX_CLASSES:
        raise argparse.ArgumentTypeError(
            f"--classes must be between {MIN_CLASSES} and {MAX_CLASSES}, not {value}"
        )
    return value


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--timeout takes seconds, not {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"--timeout must be between 0 and 3600 seconds, not {text}")
    return value


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="derive", description="Checked derivations of the softmax cross-entropy gradient.")
    top.add_argument("--version", action="version", version=f"derive {__version__}")
    commands = top.add_subparsers(dest="command", parser_class=_Parser)

    build = commands.add_parser("build", help="regenerate output/ (the default command)")
    build.add_argument("--out", type=Path, default=Path("output"), help="output folder (default: output)")

    prove = commands.add_parser("prove", help="derive a gradient step by step, every step checked")
    prove.add_argument(
        "--classes",
        type=classes_value,
        default=None,
        metavar="K|k",
        help="number of classes, 2..64, or k for a proof valid for every k (default: k)",
    )
    prove.add_argument(
        "--wrt", choices=WRT_CHOICES, default="z", help="differentiate with respect to (default: z)"
    )
    prove.add_argument(
        "--batch", action="store_true", help="the batch mean over N examples (with --wrt W or b)"
    )
    prove.add_argument(
        "--convention",
        choices=CONVENTIONS,
        default="Wt_x",
        help="z = W^T x + b (Wt_x, W is d x k) or z = W x + b (W_x, W is k x d)",
    )
    prove.add_argument(
        "--loss",
        choices=PROVE_LOSSES,
        default="softmax-ce",
        help="softmax + cross-entropy (default) or sigmoid + binary cross-entropy per class",
    )
    prove.add_argument(
        "--variant",
        choices=("plain", *VARIANT_NAMES),
        default="plain",
        help="label-smoothing (--wrt z), temperature (--wrt z) or weight-decay (--wrt W) "
        "instead of the plain loss",
    )
    prove.add_argument("--format", choices=FORMATS, default="text")
    prove.add_argument("--timeout", type=positive_seconds, default=300.0, help="wall-clock limit in seconds")

    bench = commands.add_parser("bench", help="time the emitted NumPy module against peers")
    bench.add_argument("--out", type=Path, default=Path("output") / "benchmark")
    bench.add_argument("--module", type=Path, default=Path("output") / "softmax_cross_entropy.py")
    bench.add_argument("--quick", action="store_true", help="tiny sizes, few repeats (a smoke run)")
    bench.add_argument(
        "--derivation",
        action="store_true",
        help="time the checked derivation for symbolic k and k = 2..64 instead",
    )
    bench.add_argument(
        "--claims",
        type=Path,
        metavar="JSONL",
        help="time `derive check` over a JSONL file of claims (one at a time, then in batch mode)",
    )

    try:
        from derive.claims.command import add_check_arguments
    except ImportError:  # pragma: no cover - the claims package is part of every installation
        pass
    else:
        check = commands.add_parser("check", help="verify a posted derivative claim")
        add_check_arguments(check)
    return top


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        args = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
        return _dispatch(args, stdout, stderr)
    except DeriveError as error:
        print(f"derive: {error}", file=stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("derive: interrupted", file=stderr)
        return 130
    except Exception as error:  # a bug of ours: one line for the user, the traceback on request
        if os.environ.get("DERIVE_DEBUG"):
            raise
        print(
            f"derive: internal error ({type(error).__name__}: {error}); rerun with DERIVE_DEBUG=1 "
            "for the traceback",
            file=stderr,
        )
        return EXIT_INTERNAL


def _dispatch(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from derive import pipeline

    command = args.command or "build"
    if command == "build":
        progress = for_stream(stderr)  # a live line on a terminal, nothing in a pipe or a file
        try:
            result = pipeline.build(getattr(args, "out", Path("output")), progress=progress)
        finally:
            finish(progress)
        for note in result.notes:
            print(f"derive: {note}", file=stderr)
        print(f"wrote {len(result.files)} files to {result.out_dir}", file=stdout)
        return EXIT_OK
    if command == "prove":
        if args.batch and args.wrt not in ("W", "b"):
            raise UsageError("--batch goes with --wrt W or --wrt b")
        request = pipeline.ProveRequest(
            args.classes, args.wrt, args.batch, args.convention, args.loss, args.variant
        )
        text, derivations = pipeline.prove_output(request, args.format, args.timeout)
        stdout.write(text)
        verdicts = {step.verdict for d in derivations for step in d.steps}
        if "refuted" in verdicts:
            return EXIT_REFUTED
        return EXIT_UNDECIDED if "undecided" in verdicts else EXIT_OK
    if command == "bench" and args.claims is not None:
        from derive.bench_claims import time_claims

        stdout.write(time_claims(args.claims))
        return EXIT_OK
    if command == "bench" and args.derivation:
        from derive.bench_prove import time_derivations

        stdout.write(time_derivations())
        return EXIT_OK
    if command == "bench":
        from derive.bench import run_benchmark

        if not args.module.is_file():
            raise UsageError(f"no emitted module at {args.module}; run `derive` first")
        progress = for_stream(stderr)
        try:
            stdout.write(run_benchmark(args.module, args.out, quick=args.quick, progress=progress))
        finally:
            finish(progress)
        return EXIT_OK
    if command == "check":
        from derive.claims.command import run_check

        return run_check(args, stdout, stderr)
    raise UsageError(f"unknown command {command}")  # pragma: no cover - argparse rejects it first
