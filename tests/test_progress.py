"""Long commands show progress on stderr when it is a terminal, and nothing extra otherwise."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from derive import pipeline
from derive.cli import main
from derive.progress import TerminalProgress, for_stream, quiet


class Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _fake_build(out_dir: Path, timeout: float = 600.0, progress: pipeline.Progress = quiet) -> object:
    progress("checking the derivations")
    progress("compiling the proof with pdflatex")
    return pipeline.BuildResult(out_dir, ("README.md",), ())


def test_progress_goes_to_a_terminal_on_one_rewritten_line() -> None:
    stream = Terminal()
    progress = for_stream(stream)
    assert isinstance(progress, TerminalProgress)
    progress("checking the derivations")
    progress("compiling the proof")
    progress.done()
    text = stream.getvalue()
    assert text.count("\r\x1b[K") == 3 and "\n" not in text
    assert "derive: " in text and "compiling the proof" in text and text.endswith("\r\x1b[K")


def test_files_and_pipes_get_no_progress() -> None:
    assert for_stream(io.StringIO()) is quiet


def test_the_build_reports_its_stages_on_a_terminal_and_is_quiet_in_a_pipe(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(pipeline, "build", _fake_build)
    terminal, piped = Terminal(), io.StringIO()
    assert main(["build", "--out", str(tmp_path)], io.StringIO(), terminal) == 0
    assert "checking the derivations" in terminal.getvalue() and terminal.getvalue().endswith("\r\x1b[K")
    assert main(["build", "--out", str(tmp_path)], io.StringIO(), piped) == 0
    assert piped.getvalue() == ""
