"""The output folder contract (issue 9, items 1-4): never lose a user's file, never follow a link, never a
moment without an output folder.

Most tests call :func:`derive.emit.write_output` (the one writer) or the CLI on folders it refuses before
any work; the kill tests run a writer in a subprocess and SIGKILL it at each step of the write.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from derive import emit, pipeline
from derive.cli import main
from derive.emit import MANIFEST, previous_file, write_output
from derive.errors import EmitError, UsageError

ROOT = Path(__file__).resolve().parents[1]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every entry under ``folder`` (links not followed): its type, size and content hash."""
    entries: dict[str, tuple[int, int, str]] = {}
    for root, folders, names in os.walk(folder):
        for name in folders + names:
            path = Path(root, name)
            info = path.lstat()
            digest = ""
            if stat.S_ISREG(info.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            elif stat.S_ISLNK(info.st_mode):
                digest = os.readlink(path)
            entries[str(path.relative_to(folder))] = (stat.S_IFMT(info.st_mode), info.st_size, digest)
    return entries


def files_of(version: str) -> dict[str, bytes | str]:
    return {
        "README.md": f"readme {version}\n",
        "proof.pdf": f"%PDF {version}".encode(),
        "reports/a.md": f"report a {version}\n",
        **{f"data/{n:03d}.txt": f"{version} {n}\n" * 50 for n in range(60)},
    }


def generated(folder: Path) -> dict[str, bytes]:
    """The files the manifest lists, with their bytes."""
    listed = json.loads((folder / MANIFEST).read_text())["files"]
    return {name: (folder / name).read_bytes() for name in listed}


def as_bytes(files: dict[str, bytes | str]) -> dict[str, bytes]:
    return {name: data.encode() if isinstance(data, str) else data for name, data in files.items()}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


# ---- refusals ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("clone") / "project"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True, timeout=120)
    return target


@pytest.mark.parametrize("argv", [["build", "--out", "."], ["build", "--out", ".", "--force"], []])
def test_build_into_the_top_of_a_clone_is_refused_and_everything_is_kept(
    clone: Path, argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(clone)
    before = snapshot(clone)
    if not argv:  # plain `derive` in a clone whose output/ is replaced by a folder the user made
        monkeypatch.chdir(clone / "derive")
        argv = ["build", "--out", ".."]
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "refusing" in err
    assert snapshot(clone) == before
    assert not leftovers(clone)


def test_a_folder_holding_a_user_file_is_refused_with_everything_kept(tmp_path: Path) -> None:
    out = tmp_path / "output"
    out.mkdir()
    (out / "thesis.tex").write_text("my thesis")
    before = snapshot(out)
    code, _, err = run("build", "--out", str(out))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "--force" in err and MANIFEST in err
    assert snapshot(out) == before and not leftovers(out)


def test_force_writes_derives_files_into_a_folder_and_touches_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "output"
    out.mkdir()
    (out / "thesis.tex").write_text("my thesis")
    (out / "README.md").write_text("an old readme of the user's")
    with pytest.raises(UsageError):
        write_output(out, files_of("new"))
    write_output(out, files_of("new"), force=True)
    assert (out / "thesis.tex").read_text() == "my thesis"
    assert generated(out) == as_bytes(files_of("new"))
    assert not leftovers(out)


@pytest.mark.parametrize("force", [[], ["--force"]])
@pytest.mark.parametrize("kind", ["file", "symlink"])
def test_a_target_that_is_a_file_or_a_link_is_refused(tmp_path: Path, kind: str, force: list[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "output"
    if kind == "file":
        out.write_text("not a folder")
    else:
        out.symlink_to(elsewhere)
    code, _, err = run("build", "--out", str(out), *force)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "refusing" in err
    assert not any(elsewhere.iterdir())
    assert out.is_symlink() if kind == "symlink" else out.read_text() == "not a folder"


def test_a_read_only_target_is_one_line_and_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "output"
    write_output(out, files_of("old"))
    inode = out.stat().st_ino
    out.chmod(0o555)
    try:
        code, _, err = run("build", "--out", str(out))
        assert code == 1 and len(err.strip().splitlines()) == 1 and "read-only" in err
        assert "internal error" not in err
        assert out.stat().st_ino == inode and stat.S_IMODE(out.stat().st_mode) == 0o555
        assert generated(out) == as_bytes(files_of("old"))
    finally:
        out.chmod(0o755)


def test_a_read_only_parent_is_one_line(tmp_path: Path) -> None:
    parent = tmp_path / "parent"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        code, _, err = run("build", "--out", str(parent / "output"))
        assert code == 1 and len(err.strip().splitlines()) == 1 and "read-only" in err
        assert list(parent.iterdir()) == []
    finally:
        parent.chmod(0o755)


def test_an_unwritable_system_folder_is_one_line_not_an_internal_error() -> None:
    code, _, err = run("build", "--out", "/proc/nope")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "internal error" not in err


# ---- the manifest: exactly derive's files are replaced ------------------------------------------------


def test_a_build_replaces_exactly_the_files_of_its_manifest(tmp_path: Path) -> None:
    out = tmp_path / "output"
    write_output(out, {**files_of("old"), "reports/stale.md": "a report the new build drops"})
    (out / "notes.txt").write_text("the user's notes")
    (out / "reports" / "mine.md").write_text("the user's own report")
    (out / "benchmark").mkdir()
    (out / "benchmark" / "results.json").write_text('{"ms": 1}')
    benchmark_inode = (out / "benchmark" / "results.json").stat().st_ino
    write_output(out, files_of("new"))
    assert generated(out) == as_bytes(files_of("new"))
    assert not (out / "reports" / "stale.md").exists()
    assert (out / "notes.txt").read_text() == "the user's notes"
    assert (out / "reports" / "mine.md").read_text() == "the user's own report"
    assert (out / "benchmark" / "results.json").stat().st_ino == benchmark_inode
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["generator"] == "derive" and manifest["files"] == sorted(files_of("new"))
    assert not leftovers(out)


def test_a_generated_name_taken_by_a_user_file_is_refused_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "output"
    write_output(out, files_of("old"))
    (out / "reports" / "b.md").write_text("the user's report")
    with pytest.raises(UsageError, match=r"reports/b\.md"):
        write_output(out, {**files_of("new"), "reports/b.md": "derive's report"})
    assert (out / "reports" / "b.md").read_text() == "the user's report"
    assert generated(out) == as_bytes(files_of("old"))
    write_output(out, {**files_of("new"), "reports/b.md": "derive's report"}, force=True)
    assert (out / "reports" / "b.md").read_text() == "derive's report"


# ---- links are never followed -----------------------------------------------------------------------


@pytest.fixture()
def secret(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("private")
    return outside


def test_a_symlinked_proof_pdf_is_not_followed(tmp_path: Path, secret: Path) -> None:
    out = tmp_path / "output"
    write_output(out, files_of("old"))
    (out / "proof.pdf").unlink()
    (out / "proof.pdf").symlink_to(secret / "secret.txt")
    content, why = previous_file(out, "proof.pdf")
    assert content is None and why is not None and "symbolic link" in why
    previous, note = pipeline.previous_pdf(out, "pdflatex is not on PATH")
    assert previous is None and "kept" not in note and "symbolic link" in note
    files = {name: data for name, data in files_of("new").items() if name != "proof.pdf"}
    warnings = write_output(out, files)
    assert (out / "proof.pdf").is_symlink() and os.readlink(out / "proof.pdf") == str(secret / "secret.txt")
    assert any("proof.pdf is a symbolic link" in line for line in warnings)
    assert (secret / "secret.txt").read_text() == "private"


def test_a_symlinked_benchmark_folder_is_kept_as_a_link_and_not_followed(
    tmp_path: Path, secret: Path
) -> None:
    out = tmp_path / "output"
    write_output(out, files_of("old"))
    (out / "benchmark").symlink_to(secret)
    before = snapshot(secret)
    warnings = write_output(out, files_of("new"))
    assert (out / "benchmark").is_symlink() and os.readlink(out / "benchmark") == str(secret)
    assert [line for line in warnings if "benchmark" in line] == [
        f"{out}/benchmark is a symbolic link: kept as it is, not followed"
    ]
    assert snapshot(secret) == before
    assert not (out / "benchmark" / "secret.txt").is_symlink()  # the folder was not copied in


@pytest.mark.parametrize("kind", ["dev-zero", "fifo"])
def test_a_proof_pdf_that_is_a_device_or_a_fifo_is_never_read(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "output"
    write_output(out, files_of("old"))
    (out / "proof.pdf").unlink()
    if kind == "fifo":
        os.mkfifo(out / "proof.pdf")
    else:
        (out / "proof.pdf").symlink_to("/dev/zero")
    result: list[tuple[bytes | None, str | None]] = []
    reader = threading.Thread(target=lambda: result.append(previous_file(out, "proof.pdf")), daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # the old code blocks opening the FIFO: unblock it, then fail
        with open(out / "proof.pdf", "wb"):
            pass
        pytest.fail("reading the previous proof.pdf hung on a FIFO")
    assert result[0][0] is None and result[0][1] is not None
    warnings = write_output(out, {k: v for k, v in files_of("new").items() if k != "proof.pdf"})
    assert any("proof.pdf" in line for line in warnings)


def test_without_an_earlier_pdf_the_note_does_not_say_it_was_kept(tmp_path: Path) -> None:
    previous, note = pipeline.previous_pdf(tmp_path / "output", "pdflatex is not on PATH")
    assert previous is None
    assert "kept" not in note and "no earlier" in note
    write_output(tmp_path / "output", files_of("old"))
    previous, note = pipeline.previous_pdf(tmp_path / "output", "pdflatex is not on PATH")
    assert previous == b"%PDF old" and "the previous proof.pdf is kept" in note


# ---- atomic and exclusive ----------------------------------------------------------------------------

WRITER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from test_output_folder import files_of
from derive.emit import write_output
for line in write_output(Path(sys.argv[1]), files_of(sys.argv[2])):
    print(line, flush=True)
"""


def writer(out: Path, version: str, tmp_path: Path, pause_at: str = "", seconds: float = 60.0,
           no_exchange: bool = False, until: Path | None = None) -> tuple[subprocess.Popen[str], Path]:
    report = tmp_path / f"paused-{version}-{time.monotonic_ns()}"
    env = {**os.environ, "DERIVE_TEST_HOOKS": "1", "DERIVE_TEST_PAUSE_AT": pause_at,
           "DERIVE_TEST_PAUSE_FILE": str(report), "DERIVE_TEST_PAUSE_SECONDS": str(seconds)}
    if until is not None:
        env["DERIVE_TEST_PAUSE_UNTIL"] = str(until)
    if no_exchange:
        env["DERIVE_TEST_NO_EXCHANGE"] = "1"
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(out), version, str(Path(__file__).parent)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return process, report


def wait_for(report: Path, phase: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if report.exists() and phase in report.read_text().split():
            return
        if process.poll() is not None:
            pytest.fail(f"the writer ended before {phase}: {process.stderr.read() if process.stderr else ''}")
        time.sleep(0.02)
    pytest.fail(f"the writer never reached {phase}")


def state(out: Path) -> str:
    """'old' or 'new' when the folder is exactly one whole version with the user's files; else a failure."""
    assert out.is_dir(), "the output folder is missing"
    found = generated(out)
    version = next(v for v in ("old", "new") if found == as_bytes(files_of(v)))
    assert (out / "notes.txt").read_text() == "the user's notes"
    assert (out / "benchmark" / "results.json").read_text() == '{"ms": 1}'
    return version


@pytest.fixture()
def old_output(tmp_path: Path) -> Path:
    out = tmp_path / "output"
    write_output(out, files_of("old"))
    (out / "notes.txt").write_text("the user's notes")
    (out / "benchmark").mkdir()
    (out / "benchmark" / "results.json").write_text('{"ms": 1}')
    return out


@pytest.mark.parametrize(
    ("phase", "expected"), [("writing", "old"), ("written", "old"), ("linked", "old"), ("swapped", "new")]
)
def test_a_build_killed_at_each_step_leaves_the_old_or_the_new_output(
    old_output: Path, tmp_path: Path, phase: str, expected: str
) -> None:
    process, report = writer(old_output, "new", tmp_path, pause_at=phase)
    wait_for(report, phase, process)
    process.kill()
    process.wait()
    assert state(old_output) == expected
    write_output(old_output, files_of("new"))  # the next build cleans up what the killed one left
    assert state(old_output) == "new" and not leftovers(old_output)


@pytest.mark.parametrize("delay", [0.05 * n for n in range(1, 9)])
def test_a_build_killed_at_any_moment_leaves_the_old_or_the_new_output(
    old_output: Path, tmp_path: Path, delay: float
) -> None:
    # Every step pauses briefly, so the kill lands at a different point of the write each time.
    process, report = writer(old_output, "new", tmp_path, pause_at="writing,written,linked,swapped",
                             seconds=0.04)
    wait_for(report, "writing", process)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert state(old_output) in ("old", "new")
    write_output(old_output, files_of("new"))
    assert state(old_output) == "new" and not leftovers(old_output)


def test_without_an_atomic_exchange_a_kill_between_the_renames_is_undone_by_the_next_build(
    old_output: Path, tmp_path: Path
) -> None:
    process, report = writer(old_output, "new", tmp_path, pause_at="between-renames", no_exchange=True)
    wait_for(report, "between-renames", process)
    process.kill()
    process.wait()
    # (Where the system has no atomic exchange there is this one moment without the folder.)
    assert not old_output.exists() and any(".derive-old-" in name for name in leftovers(old_output))
    previous, _ = pipeline.previous_pdf(old_output, "no TeX")  # a reader does not create the folder
    assert previous is None and not old_output.exists()
    write_output(old_output, files_of("new"))
    assert state(old_output) == "new" and not leftovers(old_output)


def test_the_swap_is_one_atomic_exchange_here(old_output: Path) -> None:
    staging = old_output.parent / "other"
    staging.mkdir()
    (staging / "marker").write_text("x")
    assert emit._exchange(staging, old_output)
    assert (old_output / "marker").exists() and (staging / MANIFEST).exists()


def test_concurrent_builds_take_turns_and_keep_the_benchmark(old_output: Path, tmp_path: Path) -> None:
    release = tmp_path / "release"
    first, report = writer(old_output, "new", tmp_path, pause_at="linked", until=release)
    wait_for(report, "linked", first)  # the first build holds the lock, paused until released
    second, second_report = writer(old_output, "old", tmp_path, pause_at="waiting", seconds=0)
    wait_for(second_report, "waiting", second)  # the second one finds the lock taken
    release.touch()
    second_out, second_err = second.communicate(timeout=60)
    first.communicate(timeout=60)
    assert first.returncode == 0 and second.returncode == 0, second_err
    assert "waited" in second_out  # the second build waited for the first one's lock
    assert state(old_output) == "old"  # the second build ran last, after the first one
    assert not leftovers(old_output)


def test_a_failed_write_leaves_the_folder_as_it_was(
    old_output: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(old_output)

    def broken(*args: object, **kwargs: object) -> bool:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(emit, "_exchange", broken)
    with pytest.raises(EmitError, match="No space left"):
        write_output(old_output, files_of("new"))
    assert snapshot(old_output) == before and not leftovers(old_output)


def test_the_pdflatex_timeout_kills_its_whole_process_group(tmp_path: Path) -> None:
    from derive.tex import TexCompileError, _run_group

    script = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        "open('grandchild', 'w').write(str(child.pid))\n"
        "time.sleep(120)\n"
    )
    with pytest.raises(TexCompileError, match="timed out"):
        _run_group([sys.executable, "-c", script], str(tmp_path), dict(os.environ), 3.0, 1)
    grandchild = int((tmp_path / "grandchild").read_text())
    time.sleep(0.5)
    assert not alive(grandchild)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its reaper does not)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return fields[0] not in ("Z", "X")
