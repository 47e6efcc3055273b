"""output/ is exactly what `derive` generates now (golden files), and it is byte-for-byte reproducible."""

from __future__ import annotations

import filecmp
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from derive.cli import main
from derive.emit import PRESERVED, write_output

pytestmark = pytest.mark.slow  # every test here runs a whole build

ROOT = Path(__file__).resolve().parents[1]
REGENERATE = "regenerate it with `derive` (or `derive build --out output`) and commit output/"


def generated_files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.relative_to(folder).parts[0] not in PRESERVED
    }


def _build(folder: Path) -> None:
    err = io.StringIO()
    assert main(["build", "--out", str(folder / "output")], io.StringIO(), err) == 0, err.getvalue()
    assert "skipped" not in err.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def fresh_build(made_once: Callable[..., Path]) -> Path:
    """A build made once per test run (the tests only read it)."""
    return made_once("build", _build) / "output"


def test_committed_output_lists_the_same_files_as_a_fresh_build(fresh_build: Path) -> None:
    assert sorted(generated_files(ROOT / "output")) == sorted(generated_files(fresh_build)), REGENERATE


def test_committed_output_is_byte_identical_to_a_fresh_build(fresh_build: Path) -> None:
    committed, fresh = generated_files(ROOT / "output"), generated_files(fresh_build)
    different = [name for name in fresh if committed.get(name) != fresh[name]]
    assert not different, f"output/ is stale ({', '.join(different)}): {REGENERATE}"


def test_a_second_build_is_byte_identical(fresh_build: Path, tmp_path: Path) -> None:
    again = tmp_path / "output"
    assert main(["build", "--out", str(again)], io.StringIO(), io.StringIO()) == 0
    comparison = filecmp.dircmp(fresh_build, again)
    assert not comparison.diff_files and not comparison.left_only and not comparison.right_only


def test_generated_files_carry_no_dates_versions_or_absolute_paths(fresh_build: Path) -> None:
    import derive

    for name, content in generated_files(fresh_build).items():
        if name.endswith(".pdf"):
            continue
        text = content.decode("utf-8")
        assert str(ROOT) not in text and "/tmp/" not in text, name
        assert f"{derive.__version__}" not in text, name
        assert "2026" not in text and "2025" not in text, name


def test_a_failed_build_leaves_the_previous_output_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "output"
    write_output(out, {"keep.txt": "previous"})
    from derive import emit, pipeline
    from derive.errors import EmitError

    def broken(template: str, context: object) -> str:
        raise EmitError(f"template {template}: broken on purpose")

    monkeypatch.setattr(emit, "render", broken)
    err = io.StringIO()
    assert main(["build", "--out", str(out)], io.StringIO(), err) != 0
    assert (out / "keep.txt").read_text() == "previous"
    assert len(err.getvalue().strip().splitlines()) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".output.")]
    assert pipeline  # the pipeline module is what the CLI calls


def test_without_tex_the_build_says_so_in_one_line_and_keeps_the_previous_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from derive import tex

    out = tmp_path / "output"
    write_output(out, {"proof.pdf": b"%PDF-previous"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.txt").write_text("private")
    (out / "benchmark").symlink_to(elsewhere)
    (out / "notes.txt").write_text("the user's notes")

    def no_tex(source: str, *, timeout: float = 120.0) -> bytes:
        raise tex.TexUnavailableError("pdflatex is not installed (not found on PATH)")

    monkeypatch.setattr(tex, "compile_pdf", no_tex)
    err = io.StringIO()
    assert main(["build", "--out", str(out)], io.StringIO(), err) == 0
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 2
    assert "proof.pdf skipped" in lines[0] and "the previous proof.pdf is kept" in lines[0]
    assert "benchmark is a symbolic link: kept as it is, not followed" in lines[1]
    assert (out / "proof.pdf").read_bytes() == b"%PDF-previous"
    assert (out / "proof.tex").read_text().startswith("\\")
    assert (out / "benchmark").is_symlink() and os.listdir(elsewhere) == ["secret.txt"]
    assert (out / "notes.txt").read_text() == "the user's notes"
