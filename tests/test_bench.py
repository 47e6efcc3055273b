"""The benchmark report: every row says whether its targets are met, and the peers run when installed.

Timings are never asserted (they belong to benchmarks); these tests check what the report says about
given numbers, and that the peer code paths run.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from derive import bench
from derive.bench import TARGET_FROM_ELEMENTS, CaseResult

ROOT = Path(__file__).resolve().parents[1]
MODULE_PATH = ROOT / "output" / "softmax_cross_entropy.py"
ENV = {"torch": "2.x", "jax": "0.x", "torch threads": "2"}


def _case(n: int, k: int, targets: str, emitted: float, floor: float, torch: float | None) -> CaseResult:
    return CaseResult(
        case=f"{n} × {k}", n=n, k=k, dtype="float32", targets=targets, emitted_ms=emitted, naive_ms=None,
        torch_ms=torch, jax_ms=None, floor_ms=floor, emitted_extra_memory=0.0, naive_extra_memory=None,
        compiled_ms=None, copy_ms=floor / 2,
    )  # fmt: skip


def test_a_large_case_within_both_targets_is_marked_met() -> None:
    result = _case(65536, 100, "labels", emitted=2.4, floor=1.0, torch=4.0)
    assert result.verdicts() == {"floor": True, "PyTorch": True}
    assert "| met |" in bench._markdown([result], ENV, [], quick=False)


def test_dense_targets_have_their_own_floor_limit() -> None:
    assert _case(65536, 100, "dense", emitted=2.9, floor=1.0, torch=None).verdicts() == {"floor": True}
    assert _case(65536, 100, "labels", emitted=2.9, floor=1.0, torch=None).verdicts() == {"floor": False}


def test_a_missed_target_is_named_in_its_row_and_in_the_summary() -> None:
    slow = _case(8192, 1000, "labels", emitted=3.0, floor=1.0, torch=3.5)
    text = bench._markdown([slow], ENV, [], quick=False)
    assert "| NOT met (floor, PyTorch) |" in text
    assert "NOT met in 1 of 1 cases (worst 3.00, 8192 × 1000 float32)" in text
    assert "NOT met in 1 of 1 cases (worst 0.86, 8192 × 1000 float32 labels)" in text


def test_small_cases_carry_no_target() -> None:
    small = _case(4096, 10, "labels", emitted=9.0, floor=1.0, torch=1.0)
    assert small.n * small.k < TARGET_FROM_ELEMENTS and small.verdicts() == {}
    assert f"no case from {TARGET_FROM_ELEMENTS:,} elements up" in bench._markdown([small], ENV, [], False)


#: Run in a child process: JAX starts threads, and the test process forks claim workers afterwards.
PEER_SMOKE = """
import sys
from pathlib import Path
from derive import bench
torch, jax = bench._optional("torch"), bench._optional("jax")
assert torch is not None and jax is not None
module = bench._load_module(Path(sys.argv[1]))
for kind in ("labels", "dense"):
    result = bench._logit_case(module, torch, jax, 32, 5, "float64", kind, 3, 0.1, compile_peer=False)
    assert result.torch_ms is not None and result.jax_ms is not None and result.copy_ms is not None
bce = bench._bce_case(module, torch, jax, 16, 4, "float32", 3, 0.1)
assert bce.torch_ms is not None and bce.jax_ms is not None
print("peers timed")
"""


@pytest.mark.slow
def test_the_peers_are_timed_side_by_side_when_installed() -> None:
    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("jax") is None:
        pytest.skip("PyTorch and JAX come with the [bench] extra")
    result = subprocess.run(
        [sys.executable, "-c", PEER_SMOKE, str(MODULE_PATH)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0 and result.stdout.strip() == "peers timed", result.stderr[-2000:]
