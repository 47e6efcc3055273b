r"""Safe, reproducible compilation of a LaTeX document to PDF with ``pdflatex``.

The source is written to a private temporary directory and compiled there twice (so references resolve;
a third or fourth time while the log asks for a rerun) with

* ``-no-shell-escape``: ``\write18`` never runs a command;
* ``openin_any=p`` and ``openout_any=p`` (kpathsea's paranoid mode): no file outside the temporary
  directory (an absolute path, ``..``, a dot file) can be read by ``\input``/``\openin`` or written by
  ``\openout``; the TeX installation's own files are still found through its search paths;
* ``-interaction=nonstopmode -halt-on-error`` and a wall-clock timeout per run, so nothing waits for input;
  pdflatex runs in its own process group, which the timeout kills as a whole, and (on Linux) dies with
  derive;
* ``SOURCE_DATE_EPOCH=0`` and ``FORCE_SOURCE_DATE=1``: every date TeX knows is fixed. Together with
  ``\pdfinfoomitdate=1 \pdftrailerid{} \pdfsuppressptexinfo=-1`` in the document's preamble the PDF is the
  same bytes on every compile.

A log that reports an undefined reference is an error, like a LaTeX error.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from derive.errors import EmitError
from derive.limits import die_with_parent

#: The command, without the file name.
PDFLATEX_ARGS: tuple[str, ...] = ("-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error")

#: The preamble line that makes the PDF byte-reproducible (the proof template contains it).
REPRODUCIBLE_PREAMBLE = r"\pdfinfoomitdate=1 \pdftrailerid{} \pdfsuppressptexinfo=-1"

_UNDEFINED_REFERENCES = re.compile(
    r"undefined references|Reference `[^']*' on page \d+ undefined|LaTeX Warning: There were undefined")

#: pdflatex runs at least twice (references resolve on the second run), and again while the log asks for a
#: rerun (a resolved reference can move a label to another page), at most ``MAX_RUNS`` times.
MIN_RUNS = 2
MAX_RUNS = 4
_RERUN = re.compile(r"Rerun to get cross-references right|Label\(s\) may have changed")

#: What kpathsea prints when openin_any/openout_any refuse a file (on the terminal, not in the log).
_REFUSED = re.compile(r"Not (reading from|writing to) ")

#: How many log lines an error message carries at most.
LOG_LINES = 12


class TexUnavailableError(EmitError):
    """``pdflatex`` is not on PATH."""


class TexCompileError(EmitError):
    """``pdflatex`` failed, timed out, or left undefined references; ``log_lines`` holds the relevant log."""

    def __init__(self, message: str, log_lines: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.log_lines = log_lines


def tex_available() -> bool:
    """Whether ``pdflatex`` is on PATH."""
    return shutil.which("pdflatex") is not None


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "openin_any": "p",
        "openout_any": "p",
        "shell_escape": "f",
        "SOURCE_DATE_EPOCH": "0",
        "FORCE_SOURCE_DATE": "1",
        "LC_ALL": "C",
    })
    return env


def _relevant_lines(log: str) -> tuple[str, ...]:
    """The error lines of a log (``! ...`` and the line after), or its reference warnings, or its tail."""
    lines = log.splitlines()
    picked: list[str] = []
    for number, line in enumerate(lines):
        if line.startswith("!"):
            picked.extend(lines[number:number + 3])
        elif _UNDEFINED_REFERENCES.search(line):
            picked.append(line)
    if not picked:
        picked = [line for line in lines[-LOG_LINES:] if line.strip()]
    return tuple(line.rstrip() for line in picked[:LOG_LINES])


def _one_line(summary: str, lines: tuple[str, ...]) -> str:
    detail = " | ".join(line.strip() for line in lines if line.strip())
    return f"{summary}: {detail}" if detail else summary


def _run_group(
    command: list[str], workdir: str, env: dict[str, str], timeout: float, run: int
) -> subprocess.CompletedProcess[bytes]:
    """Run ``command`` in a new process group; on timeout (or an interrupt) kill the whole group."""
    process = subprocess.Popen(
        command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise TexCompileError(f"pdflatex timed out after {timeout:g} s (run {run})") from None
    except BaseException:
        _kill_group(process)
        raise
    return subprocess.CompletedProcess(command, process.returncode, output)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def compile_with_log(source: str, *, timeout: float = 120.0) -> tuple[bytes, str]:
    """Compile ``source`` (a whole document) and return the PDF bytes and the final log text."""
    executable = shutil.which("pdflatex")
    if executable is None:
        raise TexUnavailableError(
            "pdflatex is not on PATH; install TeX Live (texlive-latex-base) to build the PDF")
    with tempfile.TemporaryDirectory(prefix="derive-tex-") as workdir:
        tex_path = Path(workdir, "proof.tex")
        tex_path.write_text(source, encoding="utf-8")
        env = _environment()
        log = ""
        for run in range(1, MAX_RUNS + 1):
            completed = _run_group([executable, *PDFLATEX_ARGS, "proof.tex"], workdir, env, timeout, run)
            refused = tuple(line.strip() for line in completed.stdout.decode("utf-8", "replace").splitlines()
                            if _REFUSED.search(line))
            log_path = Path(workdir, "proof.log")
            log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
            pdf_path = Path(workdir, "proof.pdf")
            failed = (completed.returncode != 0 or not pdf_path.exists()
                      or any(line.startswith("!") for line in log.splitlines()))
            if failed:
                lines = tuple(dict.fromkeys(refused)) + _relevant_lines(log)
                raise TexCompileError(_one_line(f"pdflatex failed (run {run})", lines), lines)
            if run >= MIN_RUNS and not _RERUN.search(log):
                break
        else:
            raise TexCompileError(f"cross-references still changing after {MAX_RUNS} pdflatex runs")
        if _UNDEFINED_REFERENCES.search(log):
            lines = _relevant_lines(log)
            raise TexCompileError(_one_line("the document has undefined references", lines), lines)
        return Path(workdir, "proof.pdf").read_bytes(), log


def compile_pdf(source: str, *, timeout: float = 120.0) -> bytes:
    """Compile ``source`` with pdflatex (twice or more, sandboxed; see the module docstring); the PDF bytes.

    Raises :class:`TexUnavailableError` without pdflatex and :class:`TexCompileError` when the document has
    an error, an undefined reference, references that do not settle, or takes longer than ``timeout`` seconds
    per run.
    """
    return compile_with_log(source, timeout=timeout)[0]
