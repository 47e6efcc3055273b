"""The command line: argparse, ``main(argv) -> exit code``. The only module that prints.

The exit codes are defined in :mod:`derive.errors` (``derive --help`` lists them). Every error is one line
on stderr: a user's mistake (``DeriveError``), an interrupt (SIGINT, SIGTERM and SIGHUP alike), a resource
error of this process (out of memory, a system error), or a bug of ours (``internal error``). A reader that
closes stdout early (``derive ... | head -1``) ends the command quietly.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn, TextIO, cast

from derive import __version__
from derive.choices import CONVENTIONS, FORMATS, PROVE_LOSSES, VARIANT_NAMES, WRT_CHOICES
from derive.errors import (
    EXIT_FAILS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_RESOURCE,
    EXIT_UNDECIDED,
    DeriveError,
    UsageError,
    exit_codes_help,
    message,
)
from derive.limits import MAX_CLASSES, MAX_TIMEOUT, MIN_CLASSES, classes_value, timeout_value
from derive.progress import finish, for_stream


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2 (argparse prints the whole usage)."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("derive").strip()
        raise UsageError(f"{command}: {message}" if command else message)


def parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    top = _Parser(
        prog="derive",
        description="Checked derivations of the softmax cross-entropy gradient. Without a command: build.",
        epilog=exit_codes_help(),
        formatter_class=formatter,
    )
    top.add_argument("--version", action="version", version=f"derive {__version__}")
    commands = top.add_subparsers(dest="command", parser_class=_Parser)

    build = commands.add_parser(
        "build",
        help="regenerate output/ (the default command)",
        description="Regenerate the output folder. It is replaced as a whole, atomically; only the files "
        "listed in its derive-manifest.json are derive's, everything else in it is kept. A folder that is "
        "not empty and has no manifest is refused (--force adopts it), and so are a folder holding .git, "
        "the current folder and its parents, and a symbolic link.",
        epilog=exit_codes_help(),
        formatter_class=formatter,
    )
    build.add_argument("--out", type=Path, default=Path("output"), help="output folder (default: output)")
    build.add_argument(
        "--force",
        action="store_true",
        help="write into a folder without a manifest, replacing files of the same names (never a folder "
        "holding .git, the current folder or its parents)",
    )

    prove = commands.add_parser(
        "prove",
        help="derive a gradient step by step, every step checked",
        epilog=exit_codes_help(),
        formatter_class=formatter,
    )
    prove.add_argument(
        "--classes",
        default="k",
        metavar="K|k",
        help=f"number of classes, {MIN_CLASSES}..{MAX_CLASSES}, or k for a proof valid for every k "
        "(default: k)",
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
    prove.add_argument(
        "--timeout",
        default="300",
        metavar="S",
        help=f"wall-clock limit in seconds, more than 0 and at most {MAX_TIMEOUT:g} (default: 300)",
    )

    bench = commands.add_parser("bench", help="time the emitted NumPy module against peers")
    bench.add_argument("--out", type=Path, default=Path("output") / "benchmark")
    bench.add_argument("--module", type=Path, default=Path("output") / "softmax_cross_entropy.py")
    bench.add_argument("--quick", action="store_true", help="tiny sizes, few repeats (a smoke run)")
    bench.add_argument(
        "--corpus",
        type=Path,
        default=None,
        metavar="FILE",
        help="check every item of a JSON Lines corpus (with its note on its notation, and with no options) "
        "and report the read rate by format",
    )
    bench.add_argument(
        "--derivation",
        action="store_true",
        help="time the checked derivation for symbolic k and k = 2..64 instead",
    )
    bench.add_argument(
        "--claims",
        type=Path,
        metavar="JSONL",
        help="time `derive check` over a JSON Lines file of claims (the lines of `derive check --batch`)",
    )
    bench.add_argument(
        "--scan",
        type=Path,
        metavar="DUMP",
        help="time `derive scan` on a dump with 1 and 2 workers against one process (needs the scale extra)",
    )
    bench.add_argument("--repeats", type=int, default=2, metavar="N", help="repeats of --scan (default: 2)")

    from derive.claims.command import add_check_arguments, check_epilog

    check = commands.add_parser(
        "check", help="verify a posted derivative claim", epilog=check_epilog(), formatter_class=formatter
    )
    add_check_arguments(check)

    serve = commands.add_parser(
        "serve",
        help="a local web page that checks a pasted post (needs the serve extra)",
        epilog=exit_codes_help(),
        formatter_class=formatter,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    serve.add_argument(
        "--timeout", default="10", help="default time limit per formula in seconds (default: 10)"
    )
    from derive.scan.command import EPILOG, add_scan_arguments

    scan = commands.add_parser(
        "scan",
        help="check the posts of a Stack Exchange data dump about these gradients (needs the scale extra)",
        description="Stream a dump's Posts.xml, choose the posts about these gradients, check each as "
        "`derive check --post` does on Dask distributed, and write one JSON line per post and a summary.",
        epilog=EPILOG,
        formatter_class=formatter,
    )
    add_scan_arguments(scan)
    return top


# --------------------------------------------------------------------------------------------------------
# main: one line per error, an exit code for each kind
# --------------------------------------------------------------------------------------------------------


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    out = _Output(stdout or sys.stdout)
    stderr = stderr or sys.stderr
    try:
        with _terminate_as_interrupt():
            args = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
            code = _dispatch(args, cast(TextIO, out), stderr)
            out.flush()
            return code
    except DeriveError as error:
        print(message(error), file=stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("derive: interrupted", file=stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        print("derive: out of memory", file=stderr)
        return EXIT_RESOURCE
    except OSError as error:  # not the user's input (those are DeriveErrors): the system's
        print(message(_system_error(error)), file=stderr)
        return EXIT_RESOURCE
    except Exception as error:  # a bug of ours: one line for the user, the traceback on request
        if os.environ.get("DERIVE_DEBUG"):
            raise
        what = f"{type(error).__name__}: {error}"
        print(message(f"internal error ({what}); rerun with DERIVE_DEBUG=1 for the traceback"), file=stderr)
        return EXIT_INTERNAL


def _system_error(error: OSError) -> str:
    what = error.strerror or type(error).__name__
    if isinstance(error, _OutputError):
        return f"cannot write the output: {what}"
    return f"{what}: {error.filename}" if error.filename else what


class _OutputError(OSError):
    """Writing stdout failed (a full disk, an I/O error)."""


class _Output:
    """stdout that ends quietly when its reader goes away (``reader_gone``), and turns a failing write into
    one :class:`_OutputError`. Either way the real stream is pointed at /dev/null, so the interpreter's
    last flush at exit has nothing to complain about."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.reader_gone = False

    def write(self, text: str) -> int:
        if not self.reader_gone:
            self._guarded(lambda: self.stream.write(text))
        return len(text)

    def flush(self) -> None:
        if not self.reader_gone:
            self._guarded(self.stream.flush)

    def _guarded(self, action: object) -> None:
        try:
            action()  # type: ignore[operator]
        except BrokenPipeError:
            self.reader_gone = True
            self._silence()
        except OSError as error:
            self._silence()
            raise _OutputError(error.errno, error.strerror) from None

    def _silence(self) -> None:
        try:
            fd = self.stream.fileno()
        except (OSError, ValueError, AttributeError):
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP end derive like Ctrl-C: workers killed, one line, exit 130 (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    numbers = [signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])]
    previous = {number: signal.signal(number, _interrupt) for number in numbers}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _dispatch(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from derive import pipeline

    command = args.command or "build"
    if command == "build":
        out_dir = getattr(args, "out", Path("output"))
        progress = for_stream(stderr)  # a live line on a terminal, nothing in a pipe or a file
        try:
            result = pipeline.build(out_dir, force=getattr(args, "force", False), progress=progress)
        finally:
            finish(progress)
        for note in result.notes:
            print(message(note), file=stderr)
        stdout.write(f"wrote {len(result.files)} files to {result.out_dir}\n")
        return EXIT_OK
    if command == "prove":
        if args.batch and args.wrt not in ("W", "b"):
            raise UsageError("--batch goes with --wrt W or --wrt b")
        request = pipeline.ProveRequest(
            classes_value(args.classes), args.wrt, args.batch, args.convention, args.loss, args.variant
        )
        text, derivations = pipeline.prove_output(request, args.format, timeout_value(args.timeout))
        stdout.write(text)
        verdicts = {step.verdict for d in derivations for step in d.steps}
        if "refuted" in verdicts:
            return EXIT_FAILS
        return EXIT_UNDECIDED if "undecided" in verdicts else EXIT_OK
    if command == "bench" and args.corpus is not None:
        from derive.claims.corpus import bench_corpus

        stdout.write(bench_corpus(args.corpus))
        return EXIT_OK
    if command == "bench" and args.claims is not None:
        from derive.bench_claims import time_claims

        stdout.write(time_claims(args.claims))
        return EXIT_OK
    if command == "bench" and args.scan is not None:
        from derive.scan.bench import time_scan

        if not 1 <= args.repeats <= 20:
            raise UsageError(f"--repeats takes a whole number from 1 to 20, not {args.repeats}")
        stdout.write(time_scan(args.scan, repeats=args.repeats))
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
    if command == "serve":
        from derive.web.server import serve

        return serve(args.host, args.port, timeout_value(args.timeout), stdout)
    if command == "scan":
        from derive.scan.command import run_scan

        return run_scan(args, stdout, stderr)
    if command == "check":
        from derive.claims.command import run_check

        return run_check(args, stdout, stderr)
    raise UsageError(f"unknown command {command}")  # pragma: no cover - argparse rejects it first
