"""Worker processes (issue 9, items 5 and 6): every process derive starts ends with it, and the Python
API works inside a daemonic ``multiprocessing.Pool`` worker."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from derive.claims import check
from derive.claims.run import HOOK_SLEEP_BEFORE
from derive.errors import EXIT_INTERRUPTED
from derive.limits import Worker, run_with_limit

GRADIENT = r"\frac{\partial H}{\partial z_j} = a_j - y_j"
SLOW = HOOK_SLEEP_BEFORE + GRADIENT  # the worker sleeps an hour (DERIVE_TEST_HOOKS=1)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _interruptible() -> None:
    # A test run started in the background of a non-interactive shell has SIGINT ignored, and a child
    # inherits that (Python then installs no Ctrl-C handler): derive is started as from a terminal.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_check(*argv: str, stdin: Path | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "DERIVE_TEST_HOOKS": "1"}
    with open(stdin or os.devnull, "rb") as source:
        return subprocess.Popen(
            [sys.executable, "-m", "derive", "check", *argv],
            env=env,
            stdin=source,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_interruptible,
        )


def workers_of(process: subprocess.Popen[str], count: int) -> list[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = [pid for pid in children(process.pid) if alive(pid)]
        if len(found) >= count:
            return found
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        time.sleep(0.05)
    pytest.fail("no worker process started")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process table from /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL, signal.SIGHUP, signal.SIGINT])
@pytest.mark.parametrize("mode", ["single", "batch"])
def test_killing_derive_check_leaves_no_worker_behind(signum: int, mode: str, tmp_path: Path) -> None:
    if mode == "single":
        process = start_check(SLOW, "--timeout", "600")
        workers = workers_of(process, 1)
    else:
        lines = tmp_path / "claims.jsonl"
        lines.write_text("".join(json.dumps({"claim": SLOW, "id": n}) + "\n" for n in range(4)))
        process = start_check("--batch", "-", "--timeout", "600", stdin=lines)
        workers = workers_of(process, 2)
    process.send_signal(signum)
    # A caller reading derive's stderr sees it close: no worker holds it any more.
    _, err = process.communicate(timeout=10)
    time.sleep(1.0)
    assert not [pid for pid in workers if alive(pid)], f"workers left after {signal.Signals(signum).name}"
    if signum != signal.SIGKILL:
        assert process.returncode == EXIT_INTERRUPTED
        assert err == "derive: interrupted\n"


def _sleep_forever() -> None:
    time.sleep(3600)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process table from /proc")
def test_a_worker_whose_parent_is_killed_exits_at_once() -> None:
    script = (
        "import sys, time\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_workers import _sleep_forever\n"
        "from derive.limits import Worker\n"
        "worker = Worker(_sleep_forever, ())\n"
        "worker.start()\n"
        "print(worker.pid, flush=True)\n"
        "time.sleep(3600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    assert alive(worker)
    parent.kill()
    parent.wait()
    time.sleep(1.0)
    assert not alive(worker)


def test_a_worker_is_reaped_when_stopped() -> None:
    worker = Worker(_sleep_forever, ())
    worker.start()
    assert worker.is_alive()
    worker.stop()
    assert not worker.is_alive() and worker.pid is not None
    assert not alive(worker.pid)


def _check_in_pool(claim: str) -> tuple[str, int]:
    result = check(claim, assume=["onehot"])
    return result.verdict, result.exit_code


def _prove_in_pool() -> str:
    from derive.pipeline import ProveRequest, prove

    derivations = prove(ProveRequest(classes=None, wrt="b"), timeout=120)
    return derivations[0].steps[-1].verdict


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork start method")
def test_the_api_works_inside_a_daemonic_pool_worker() -> None:
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(_check_in_pool, (GRADIENT,)) == ("holds", 0)
        assert pool.apply(_prove_in_pool) == "proved"


def test_the_time_limit_still_holds_in_a_worker() -> None:
    started = time.monotonic()
    from derive.errors import CheckTimeoutError

    with pytest.raises(CheckTimeoutError):
        run_with_limit(_sleep_forever, (), 0.5, "sleeping")
    assert time.monotonic() - started < 10


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        for child in children(frontier.pop()):
            if child not in found and alive(child):
                found.add(child)
                frontier.append(child)
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process table from /proc")
def test_killing_the_build_leaves_no_worker_behind(tmp_path: Path) -> None:
    # The build checks a seed post in a worker that starts claim workers of its own: kill the build while
    # they run, and every process of the tree ends.
    process = subprocess.Popen(
        [sys.executable, "-m", "derive", "build", "--out", str(tmp_path / "out")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    tree: set[int] = set()
    while time.monotonic() < deadline:
        tree |= _descendants(process.pid)
        if any(children(pid) for pid in tree):
            break  # a worker with workers of its own
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        time.sleep(0.02)
    else:
        pytest.fail("no nested worker started")
    tree |= _descendants(process.pid)
    process.kill()
    process.communicate(timeout=10)
    time.sleep(1.0)
    assert not [pid for pid in tree if alive(pid)], "workers left after the build was killed"
