"""`derive scan` on Dask distributed, end to end: the same verdicts as `derive check --post` one post at a
time; a worker killed mid-scan, a scan interrupted and resumed, posts that hang or crash their worker; every
process ends with derive; `derive check --batch` on the same engine gives the same lines as its own pool.

These run the real command (`python -m derive scan`) on a local cluster of two worker processes, with the
test hooks of derive.scan.task (DERIVE_TEST_HOOKS=1) to make a post slow, hang, crash or kill its worker.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pty
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scan_dump import Row, forum_dump, write_dump

from derive.cli import main
from derive.errors import EXIT_INTERRUPTED
from derive.scan.engine import EngineError
from derive.scan.run import check_versions
from derive.scan.task import (
    HOOK_CRASH_POST,
    HOOK_HANG_POST,
    HOOK_KILL_WORKER,
    HOOK_SLOW_POST,
    HOOK_TASK_FAILS,
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process table")

GRADIENT = r"\frac{\partial L}{\partial z_j} = p_j - y_j"
WRONG = r"\frac{\partial L}{\partial z_j} = p_j (1 - p_j) y_j"


# ---- helpers --------------------------------------------------------------------------------------------


def post_body(formula: str, *hooks: str) -> str:
    return f"<p>The softmax gradient is</p>\n<p>$$\n{formula}\n$$</p>" + "".join(
        f"\n{hook}" for hook in hooks
    )


def small_dump(path: Path, bodies: list[str]) -> list[int]:
    """One softmax question per body (ids 1..n), plus a question on another topic that must be skipped."""
    rows = [
        Row(n, 1, body, title="Softmax gradient", tags=("softmax",)) for n, body in enumerate(bodies, start=1)
    ]
    rows.append(
        Row(len(bodies) + 1, 1, "<p>$$\\int x\\,dx = x^2/2$$</p>", title="Integral", tags=("calculus",))
    )
    write_dump(path, rows)
    return list(range(1, len(bodies) + 1))


def start_scan(
    dump: Path, out: Path, *args: str, env: dict[str, str] | None = None, stderr: Any = subprocess.PIPE
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "derive", "scan", str(dump), "--out", str(out), "--workers", "2", *args],
        env={**os.environ, "DERIVE_TEST_HOOKS": "1", **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )


def records(out: Path) -> list[dict[str, Any]]:
    path = out / "posts.jsonl"
    if not path.exists():
        return []
    return [
        json.loads(line)
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
        if line.endswith("\n")
    ]


def wait_for_records(out: Path, count: int, process: subprocess.Popen[str], seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if len(records(out)) >= count:
            return
        if process.poll() is not None:
            pytest.fail(f"the scan ended early: {process.returncode} {process.communicate()}")
        time.sleep(0.1)
    pytest.fail(f"fewer than {count} posts after {seconds} s")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
                found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def dask_workers(pid: int) -> list[int]:
    """The engine's worker processes: derive's children started by multiprocessing's spawn (not its
    resource tracker)."""
    found = []
    for child in children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            found.append(child)
    return found


def wait_gone(pids: list[int], seconds: float = 15) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.1)
    return [pid for pid in pids if alive(pid)]


def finish(process: subprocess.Popen[str], seconds: float = 300) -> tuple[str, str]:
    try:
        return process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


# ---- without the engine -----------------------------------------------------------------------------------


def test_without_the_scale_extra_derive_scan_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name)
    )
    err = io.StringIO()
    code = main(["scan", str(tmp_path / "Posts.xml"), "--out", str(tmp_path / "scan")], io.StringIO(), err)
    assert code == 2
    hint = "derive scan needs the scale extra (Dask distributed): python -m pip install 'derive[scale]'"
    assert err.getvalue() == f"derive: {hint}\n"
    assert not (tmp_path / "scan").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ("--connect-timeout", "1"),
            "--connect-timeout is the wait for an existing cluster: give --scheduler too",
        ),
        (
            ("--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "soon"),
            "--connect-timeout takes seconds, more than 0 and at most 3600, not soon",
        ),
        (("--post-timeout", "0"), "--post-timeout takes seconds, more than 0 and at most 3600, not 0"),
    ],
)
def test_a_bad_wait_option_is_one_line_naming_it_and_exit_2(
    tmp_path: Path, extra: tuple[str, ...], message: str
) -> None:
    err = io.StringIO()
    argv = ["scan", str(tmp_path / "Posts.xml"), "--out", str(tmp_path / "scan"), *extra]
    assert main(argv, io.StringIO(), err) == 2
    assert err.getvalue() == f"derive: {message}\n"
    assert not (tmp_path / "scan").exists()


# ---- the same verdicts as derive check --post, post by post ---------------------------------------------


def check_post_one_by_one(body: str, tmp_path: Path) -> tuple[int, dict[str, Any] | None, str]:
    """`derive check --post FILE --format json` on one post's body, as a user would run it."""
    path = tmp_path / "post.html"
    path.write_text(body, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", "--post", str(path), "--format", "json", "--timeout", "60"], out, err)
    return code, (json.loads(out.getvalue()) if out.getvalue() else None), err.getvalue()


@pytest.mark.slow
def test_a_scan_gives_the_same_verdicts_as_derive_check_post_on_each_post(tmp_path: Path) -> None:
    dump = forum_dump(corpus_every=18)
    path = write_dump(tmp_path / "Posts.xml", dump.rows)
    # stderr is a terminal: the progress line is drawn there.
    leader, follower = pty.openpty()
    seen: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(leader, seen), daemon=True)
    reader.start()
    process = start_scan(path, tmp_path / "scan", "--timeout", "60", stderr=follower)
    os.close(follower)
    out, _ = finish(process, 900)
    reader.join(10)
    os.close(leader)
    assert process.returncode == 0, (out, b"".join(seen))
    terminal = b"".join(seen).decode("utf-8", "replace")
    assert "posts done" in terminal and "posts/s" in terminal and "left" in terminal, terminal

    found = records(tmp_path / "scan")
    assert sorted(r["post_id"] for r in found) == sorted(dump.chosen)  # each chosen post once, none else
    bodies = {row.id: row.body for row in dump.rows}
    verdicts = 0
    for record in found:
        code, report, err = check_post_one_by_one(bodies[record["post_id"]], tmp_path)
        if record["status"] == "no formulas":
            assert code == 2 and err == "derive: no formula or code found in the post\n"
            continue
        assert record["status"] == "checked" and report is not None, (record, err)
        assert report["format"] == "html"
        expected = [
            (i["number"], i["kind"], i["status"]) for i in report["items"] if i["status"] != "not a claim"
        ]
        assert [(c["number"], c["kind"], c["status"]) for c in record["claims"]] == expected, record[
            "post_id"
        ]
        assert (record["exit_code"], record["summary"]) == (report["exit_code"], report["summary"])
        verdicts += sum(1 for c in record["claims"] if c["status"] in ("holds", "holds_if", "fails"))
    assert verdicts >= 10  # the comparison is about real verdicts, not only unread formulas
    summary = json.loads((tmp_path / "scan" / "summary.json").read_text())
    assert summary["posts"] == len(dump.chosen)
    assert (tmp_path / "scan" / "summary.png").read_bytes().startswith(b"\x89PNG")
    assert "## Formulas per verdict" in (tmp_path / "scan" / "summary.md").read_text()


def _drain(fd: int, seen: list[bytes]) -> None:
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            return
        if not data:
            return
        seen.append(data)


# ---- faults ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_worker_killed_mid_scan_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    ids = small_dump(
        tmp_path / "Posts.xml", [post_body(GRADIENT if n % 2 else WRONG, HOOK_SLOW_POST) for n in range(10)]
    )
    process = start_scan(tmp_path / "Posts.xml", tmp_path / "scan")
    wait_for_records(tmp_path / "scan", 2, process)
    workers = dask_workers(process.pid)
    assert len(workers) == 2
    started = descendants(process.pid)
    os.kill(workers[0], signal.SIGKILL)
    _, err = finish(process)
    assert process.returncode == 0, err
    assert not wait_gone(started), "processes left after the scan finished"
    found = records(tmp_path / "scan")
    assert sorted(r["post_id"] for r in found) == ids  # every post, once
    assert {r["status"] for r in found} == {"checked"}  # the killed worker's posts were redone elsewhere
    assert workers[0] not in {r["pid"] for r in found[2:]} or len(found) == 2
    assert {r["exit_code"] for r in found} == {1, 4}  # the wrong formula fails, the other holds if sum y = 1


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_scan_resumes_and_has_every_post_exactly_once(tmp_path: Path, signum: int) -> None:
    ids = small_dump(tmp_path / "Posts.xml", [post_body(GRADIENT, HOOK_SLOW_POST) for _ in range(8)])
    process = start_scan(tmp_path / "Posts.xml", tmp_path / "scan")
    wait_for_records(tmp_path / "scan", 3, process)
    started = descendants(process.pid)
    process.send_signal(signum)
    _, err = finish(process, 60)
    assert not wait_gone(started), "processes left after the scan was stopped"
    if signum != signal.SIGKILL:
        assert process.returncode == EXIT_INTERRUPTED and err.endswith("derive: interrupted\n"), err
    before = (tmp_path / "scan" / "posts.jsonl").read_text().splitlines(keepends=True)
    done = [json.loads(line)["post_id"] for line in before if line.endswith("\n")]
    assert 3 <= len(done) < len(ids)

    again = start_scan(tmp_path / "Posts.xml", tmp_path / "scan")
    out, err = finish(again)
    assert again.returncode == 0, err
    assert f"({len(ids) - len(done)} checked now, {len(done)} before)" in out
    found = records(tmp_path / "scan")
    assert sorted(r["post_id"] for r in found) == ids
    assert [r["post_id"] for r in found[: len(done)]] == done  # the first run's lines are kept as they were


@pytest.mark.slow
def test_posts_that_hang_crash_or_kill_their_worker_do_not_stop_the_scan(tmp_path: Path) -> None:
    bodies = [
        post_body(GRADIENT),
        post_body(GRADIENT, HOOK_HANG_POST),
        post_body(WRONG),
        post_body(GRADIENT, HOOK_CRASH_POST),
        post_body(GRADIENT, HOOK_KILL_WORKER),
        post_body(WRONG),
    ]
    ids = small_dump(tmp_path / "Posts.xml", bodies)
    process = start_scan(
        tmp_path / "Posts.xml",
        tmp_path / "scan",
        "--post-timeout",
        "4",
        env={"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"},  # give up on the killer after 2 runs
    )
    _, err = finish(process)
    assert process.returncode == 0, err
    by_id = {r["post_id"]: r for r in records(tmp_path / "scan")}
    assert sorted(by_id) == ids
    assert [by_id[n]["status"] for n in ids] == ["checked", "error", "checked", "error", "error", "checked"]
    assert by_id[2]["error_kind"] == "CheckTimeoutError" and "within 4 s" in by_id[2]["error"]
    assert by_id[4]["error_kind"] == "CheckCrashedError"
    assert by_id[5]["error_kind"] == "WorkerDiedError"
    assert [by_id[n]["exit_code"] for n in (1, 3, 6)] == [4, 1, 1]
    summary = json.loads((tmp_path / "scan" / "summary.json").read_text())
    assert summary["errors_by_kind"] == {"CheckCrashedError": 1, "CheckTimeoutError": 1, "WorkerDiedError": 1}


def test_a_scan_with_nothing_left_to_do_starts_no_engine_and_changes_nothing(tmp_path: Path) -> None:
    ids = small_dump(tmp_path / "Posts.xml", [post_body(GRADIENT)])
    first = start_scan(tmp_path / "Posts.xml", tmp_path / "scan")
    finish(first)
    assert first.returncode == 0 and [r["post_id"] for r in records(tmp_path / "scan")] == ids
    lines = (tmp_path / "scan" / "posts.jsonl").read_bytes()
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["scan", str(tmp_path / "Posts.xml"), "--out", str(tmp_path / "scan"), "--workers", "2"], out, err
    )
    assert code == 0 and "(0 checked now, 1 before)" in out.getvalue(), err.getvalue()
    assert (tmp_path / "scan" / "posts.jsonl").read_bytes() == lines


def test_a_failure_of_the_engine_stops_the_scan_and_records_nothing_for_that_post(tmp_path: Path) -> None:
    ids = small_dump(tmp_path / "Posts.xml", [post_body(GRADIENT, HOOK_TASK_FAILS)])
    process = start_scan(tmp_path / "Posts.xml", tmp_path / "scan")
    _, err = finish(process)
    assert process.returncode == 6
    assert err == (
        f"derive: the engine could not run post {ids[0]}: RuntimeError: the task failed outside the post's "
        "check\n"
    )
    assert records(tmp_path / "scan") == []  # not done: a scan started again does it


def test_an_unreachable_scheduler_is_one_line_and_exit_code_6(tmp_path: Path) -> None:
    small_dump(tmp_path / "Posts.xml", [post_body(GRADIENT)])
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "derive",
            "scan",
            str(tmp_path / "Posts.xml"),
            "--out",
            str(tmp_path / "scan"),
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--connect-timeout",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 6
    assert process.stderr.startswith("derive: cannot reach the Dask scheduler at tcp://127.0.0.1:9: ")
    assert process.stderr.count("\n") == 1


class Workers:
    def __init__(self, versions: dict[str, str]) -> None:
        self.versions = versions

    def run(self, function: object) -> dict[str, str]:
        return self.versions


def test_workers_with_another_version_of_derive_are_refused() -> None:
    from derive import __version__

    check_versions(Workers({"tcp://worker-7:4000": __version__}))
    with pytest.raises(EngineError, match=r"the worker tcp://worker-7:4000 runs derive 0\.0\.1"):
        check_versions(Workers({"tcp://worker-7:4000": "0.0.1"}))


# ---- derive check --batch on the same engine -------------------------------------------------------------


@contextlib.contextmanager
def _dashboard_port_taken() -> Iterator[None]:
    """Dask's default dashboard port 8787 in use, as when another cluster runs on the machine."""
    with socket.socket() as taken:
        with contextlib.suppress(OSError):  # in use already: the same situation
            taken.bind(("0.0.0.0", 8787))
            taken.listen()
        yield


def batch_output(path: Path, env: dict[str, str]) -> Iterator[str]:
    result = subprocess.run(
        [sys.executable, "-m", "derive", "check", "--batch", str(path), "--timeout", "60"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2 and result.stderr == "", result.stderr  # 2: one line is bad input
    return iter(result.stdout.splitlines())


def test_check_batch_gives_the_same_lines_on_the_engine_and_on_its_own_pool(tmp_path: Path) -> None:
    lines = [
        {"id": "a", "claim": GRADIENT, "assume": ["onehot"]},
        {"id": "b", "claim": WRONG},
        {"id": "c", "claim": "\\input{/etc/passwd}"},
        {"id": "d", "claim": r"\frac{\partial a_i}{\partial z_j} = a_i(\delta_{ij} - a_j)"},
    ]
    path = tmp_path / "claims.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with _dashboard_port_taken():  # another cluster on the machine: no warning reaches derive's stderr
        engine = list(batch_output(path, {}))
    local = list(batch_output(path, {"DERIVE_ENGINE": "local"}))
    assert engine == local
    assert [json.loads(line)["id"] for line in engine] == ["a", "b", "c", "d"]
    assert [json.loads(line).get("verdict") for line in engine] == ["holds", "fails", None, "holds"]
