"""Input handling (issue 9, items 12-15): no internal error from input, `--at` never truncates, batch
input is JSON Lines read with bounded memory, one set of limits and messages, documented exit codes."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from derive import errors
from derive.claims import check
from derive.claims.command import add_check_arguments, run_check
from derive.claims.run import MAX_LINE_BYTES, check_batch
from derive.cli import main
from derive.errors import (
    EXIT_CONDITIONAL,
    EXIT_INTERNAL,
    EXIT_RESOURCE,
    EXIT_USAGE,
    DeriveError,
    UsageError,
)

ROOT = Path(__file__).resolve().parents[1]
GRADIENT = r"\frac{\partial H}{\partial z_i} = a_i - y_i"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def run_check_args(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    add_check_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = run_check(parser.parse_args(list(argv)), out, err)
    return code, out.getvalue(), err.getvalue()


def derive(*argv: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "derive", *argv], capture_output=True, text=True, timeout=120, **kwargs
    )


def one_user_error(code: int, err: str) -> None:
    assert code not in (0, EXIT_INTERNAL), err
    assert len(err.strip().splitlines()) == 1 and err.startswith("derive: ")
    assert "internal error" not in err and "Traceback" not in err


# ---- 12: no internal errors from input ---------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ("\\frac{\\partial H}{\\partial z_i} = " + "9" * 4400,),
        ("\\frac{\\partial H}{\\partial z_i} = 0." + "0" * 5000 + "1",),
        (GRADIENT, "--at", "z=[1e309]"),
        (GRADIENT, "--at", "z=[1e309, 1]", "--at", "y=[1, 0]"),
        (GRADIENT, "--at", "z=[" + "9" * 400 + ", 1]"),
        (GRADIENT, "--wrt", "z_" + "1" * 5000),
    ],
)
def test_input_that_cannot_be_read_is_a_one_line_user_error(argv: tuple[str, ...]) -> None:
    code, out, err = run_check_args(*argv)
    assert code == EXIT_USAGE and out == ""
    one_user_error(code, err)


@pytest.mark.parametrize(
    "claim",
    [
        r"\frac{\partial H}{\partial z_i} = e^{e^{e^{e^{100}}}}",
        r"a_j = \frac{e^{z_j}}{P\sum_n e^{z_n}}",
    ],
)
def test_claims_whose_values_overflow_or_divide_by_zero_get_a_verdict_not_an_internal_error(
    claim: str,
) -> None:
    code, out, err = run_check_args(claim)
    assert code not in (EXIT_INTERNAL, EXIT_USAGE), err
    assert out.startswith("verdict: ") and "internal error" not in out + err


@pytest.mark.parametrize(
    ("keyword", "value"),
    [("at", [5]), ("at", "z=[1,2]"), ("let", [None]), ("assume", "onehot"), ("classes", 1.5), ("wrt", 3)],
)
def test_the_python_api_refuses_wrong_types_with_a_derive_error(keyword: str, value: object) -> None:
    with pytest.raises(UsageError) as caught:
        check(GRADIENT, **{keyword: value})  # type: ignore[arg-type]
    assert keyword in str(caught.value) and "internal" not in str(caught.value)


def test_a_closed_stdout_ends_quietly_with_the_verdict_code() -> None:
    reader, writer = os.pipe()
    os.close(reader)  # nobody reads: every write is a broken pipe
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "derive", "check", GRADIENT, "--format", "json"],
            stdout=writer, stderr=subprocess.PIPE, text=True, timeout=120,
        )
    finally:
        os.close(writer)
    assert completed.stderr == ""
    assert completed.returncode == EXIT_CONDITIONAL


def test_a_full_disk_on_stdout_is_one_line_with_the_resource_code() -> None:
    with open("/dev/full", "w") as full:
        completed = subprocess.run(
            [sys.executable, "-m", "derive", "prove", "--wrt", "b", "--format", "json"],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=300,
        )
    assert completed.returncode == EXIT_RESOURCE
    assert completed.stderr.count("\n") == 1 and "No space left" in completed.stderr


@pytest.mark.parametrize(
    ("raised", "words"),
    [(MemoryError(), "out of memory"), (PermissionError(13, "Permission denied", "/x"), "Permission denied")],
)
def test_a_resource_error_in_the_main_process_is_one_line_with_its_own_code(
    monkeypatch: pytest.MonkeyPatch, raised: BaseException, words: str
) -> None:
    from derive import pipeline

    def fail(*args: object, **kwargs: object) -> None:
        raise raised

    monkeypatch.setattr(pipeline, "prove_output", fail)
    code, _, err = run("prove")
    assert code == EXIT_RESOURCE
    assert len(err.strip().splitlines()) == 1 and words in err and "internal error" not in err


def test_a_bug_of_ours_is_still_called_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from derive import pipeline

    def fail(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(pipeline, "prove_output", fail)
    code, _, err = run("prove")
    assert code == EXIT_INTERNAL and err.startswith("derive: internal error (KeyError")


# ---- 13: --at never truncates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "words"),
    [
        (("z=[1,2,3]", "y=[1,0]"), ("z", "3", "y", "2")),
        (("y=[1,0]", "b=[0,0,0]"), ("y", "2", "b", "3")),
        (("x=[1,2,3]", "W=[[1,2],[3,4]]", "y=[1,0]"), ("x", "3", "W", "2")),
        (("z=[1,2]", "z=[1,0]"), ("z", "twice")),
        (("z=[[1,2]]",), ("z", "list of numbers")),
        (("W=[1,2]", "y=[1,0]"), ("W", "matrix")),
    ],
)
def test_at_values_that_do_not_fit_are_an_error_naming_them(
    at: tuple[str, ...], words: tuple[str, ...]
) -> None:
    argv = [GRADIENT]
    for value in at:
        argv += ["--at", value]
    code, out, err = run_check_args(*argv)
    assert code == EXIT_USAGE and out == ""
    one_user_error(code, err)
    assert all(word in err for word in words), err


def test_at_values_that_fit_are_all_used() -> None:
    result = check(GRADIENT, at=["z=[1,2,3]", "y=[1,0,0]"])
    assert result.at_instance is not None and len(result.at_instance["cases"]) == 3  # type: ignore[arg-type]


# ---- 14: batch input is JSON Lines --------------------------------------------------------------------


def batch(data: bytes, tmp_path: Path) -> tuple[int, list[dict[str, object]]]:
    path = tmp_path / "claims.jsonl"
    path.write_bytes(data)
    out = io.StringIO()
    status = check_batch(path, out)
    return status, [json.loads(line) for line in out.getvalue().splitlines()]


def line(**fields: object) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode("utf-8") + b"\n"


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])  # str.splitlines splits on these
def test_only_newline_ends_a_batch_line(separator: str, tmp_path: Path) -> None:
    data = line(id=f"a{separator}b", claim=GRADIENT) + line(id="next", claim=GRADIENT)
    status, results = batch(data, tmp_path)
    assert status == 0
    assert [r["id"] for r in results] == [f"a{separator}b", "next"]
    assert [r["line"] for r in results] == [1, 2]


def test_a_line_that_is_not_utf8_is_an_error_for_that_line_only(tmp_path: Path) -> None:
    data = line(id=1, claim=GRADIENT) + b'{"id": 2, "claim": "\xff\xfe"}\n' + line(id=3, claim=GRADIENT)
    status, results = batch(data, tmp_path)
    assert status == EXIT_USAGE
    assert [r.get("verdict", "error") for r in results] == ["holds_if", "error", "holds_if"]
    assert "UTF-8" in str(results[1]["error"]) and results[1]["line"] == 2


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    status, results = batch(b"\xef\xbb\xbf" + line(id="bom", claim=GRADIENT), tmp_path)
    assert status == 0 and results[0]["id"] == "bom" and results[0]["verdict"] == "holds_if"


def test_every_result_echoes_the_id_errors_included(tmp_path: Path) -> None:
    data = (
        line(id="ok", claim=GRADIENT)
        + line(id="unknown-field", claim=GRADIENT, bogus=1)
        + line(id="bad-claim", claim=r"\frac{\partial H}{\partial z_i} = \theta_i")
        + line(id=7, claim=GRADIENT, timeout=0)
        + line(id=None, claim=GRADIENT)
    )
    status, results = batch(data, tmp_path)
    assert status == EXIT_USAGE
    assert [r["id"] for r in results] == ["ok", "unknown-field", "bad-claim", 7, None]
    assert [("error" in r) for r in results] == [False, True, True, True, False]


def peak_memory(pid: int) -> int:
    """The peak resident memory of process ``pid`` so far (bytes), from /proc."""
    for text in Path(f"/proc/{pid}/status").read_text().splitlines():
        if text.startswith("VmHWM:"):
            return int(text.split()[1]) * 1024
    raise AssertionError("no VmHWM")  # pragma: no cover


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the peak memory from /proc")
def test_batch_input_is_streamed_with_bounded_memory_and_a_line_limit() -> None:
    size = 300 * 2**20  # one line of 300 MB, then a claim
    process = subprocess.Popen(
        [sys.executable, "-m", "derive", "check", "--batch", "-"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    peaks: list[int] = []

    def feed() -> None:
        assert process.stdin is not None
        chunk = b"x" * 2**20
        for number in range(size // len(chunk)):
            process.stdin.write(chunk)
            if number == 4:  # derive is reading the line: its memory before the line
                peaks.append(peak_memory(process.pid))
        process.stdin.flush()
        peaks.append(peak_memory(process.pid))  # all but a pipe's worth of the line has been read
        process.stdin.write(b"\n" + line(id="after", claim=GRADIENT))
        process.stdin.close()

    feeder = threading.Thread(target=feed)
    feeder.start()
    out = process.stdout.read()
    feeder.join()
    assert process.wait() == 0 or process.returncode == EXIT_USAGE
    growth = peaks[1] - peaks[0]
    assert growth < 32 * 2**20, f"memory grew by {growth // 2**20} MB while reading a {size // 2**20} MB line"
    results = [json.loads(text) for text in out.decode().splitlines()]
    assert [r["line"] for r in results] == [1, 2]
    assert f"longer than {MAX_LINE_BYTES} bytes" in str(results[0]["error"])
    assert results[1]["id"] == "after" and results[1]["verdict"] == "holds_if"


def test_bench_claims_reads_the_batch_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from derive import bench_claims

    good = tmp_path / "good.jsonl"
    good.write_bytes(line(id="a", claim=GRADIENT))
    timed: list[object] = []
    monkeypatch.setattr(bench_claims, "check_claim", timed.append)
    monkeypatch.setattr(bench_claims, "check_batch", lambda path, out: 0)
    code, out, err = run("bench", "--claims", str(good))
    assert code == 0, err
    assert len(timed) == 1 and "| 1 |" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(line(id="a", claim=GRADIENT) + b"{not json\n")
    code, _, err = run("bench", "--claims", str(bad))
    assert code == EXIT_USAGE and "line 2" in err and len(err.strip().splitlines()) == 1


# ---- 15: one set of limits and messages ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "65", "abc", "-2", "2.5"])
def test_classes_has_the_same_range_and_message_in_check_and_prove(value: str) -> None:
    prove = run("prove", "--classes", value)
    checked = run("check", GRADIENT, "--classes", value)
    assert prove[0] == checked[0] == EXIT_USAGE
    assert prove[2] == checked[2]
    assert "from 2 to 64" in prove[2]


@pytest.mark.parametrize("value", ["0", "-1", "3601", "nan", "inf", "soon"])
def test_timeout_has_the_same_range_and_message_everywhere(value: str, tmp_path: Path) -> None:
    prove = run("prove", "--timeout", value)
    checked = run("check", GRADIENT, "--timeout", value)
    batched = run("check", "--batch", "-", "--timeout", value)
    assert prove[0] == checked[0] == batched[0] == EXIT_USAGE
    assert prove[2] == checked[2] == batched[2]
    assert "more than 0 and at most 3600" in prove[2]


@pytest.mark.parametrize("value", [0.5, 3600])
def test_the_ends_of_the_timeout_range_are_accepted(value: float) -> None:
    from derive.limits import timeout_value

    assert timeout_value(value) == value and timeout_value(str(value)) == value


@pytest.mark.parametrize(
    "argv",
    [["--bogus"], ["check", "--bogus"], ["prove", "--wrt", "q"], ["frobnicate"], ["check"], ["build", "--x"]],
)
def test_errors_carry_one_prefix(argv: list[str]) -> None:
    code, _, err = run(*argv)
    assert code == EXIT_USAGE
    assert err.startswith("derive: ") and "derive: derive" not in err and err.count("\n") == 1


def test_the_message_prefix_is_never_doubled() -> None:
    assert errors.message(DeriveError("derive: derive: x")) == "derive: x"


@pytest.mark.parametrize("command", [[], ["check"], ["prove"], ["build"]])
def test_help_lists_every_exit_code(command: list[str]) -> None:
    completed = derive(*command, "--help")
    assert completed.returncode == 0
    for code, meaning in errors.EXIT_CODES:
        assert f"{code:>3}  {meaning}" in completed.stdout


def test_check_help_describes_the_batch_line_format() -> None:
    text = derive("check", "--help").stdout
    assert "JSON Lines" in text and '"claim" (required)' in text and '"id"' in text
    assert f"{MAX_LINE_BYTES} bytes" in text


def test_the_readme_documents_every_exit_code() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code, meaning in errors.EXIT_CODES:
        assert f"| {code} | {meaning} |" in readme


def test_exit_codes_are_numbers_in_one_place_only() -> None:
    for path in (ROOT / "derive").rglob("*.py"):
        if path.name == "errors.py":
            continue
        source = path.read_text(encoding="utf-8")
        for literal in ("return 130", "return 70", "exit_code = 1", "exit_code = 2", "exit_code = 3"):
            assert literal not in source, (path.name, literal)
