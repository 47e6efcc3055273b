"""Benchmark of the emitted NumPy reference module against a naive NumPy version, PyTorch and JAX.

``run_benchmark(module_path, out_dir)`` times loss + gradient with respect to the logits for every (N, k)
size, dtype and kind of targets, plus the affine model ``loss_and_grads``, BCE and the Hessian-vector
product. The NumPy implementations of a case (emitted, naive, exp floor, copy limit) are timed side by
side, in rounds (each round runs each once, in a rotating order, after two warm-up calls), so a change of
load on a shared machine hits them alike; then PyTorch (eager and compiled) the same way, then JAX (their
thread pools keep spinning after a call, which would slow a NumPy call timed right after). The report
gives the median of each (``time.perf_counter``). It writes
``benchmark.md``, ``benchmark.json`` and, when matplotlib is installed, ``benchmark.png`` into ``out_dir``,
and returns the Markdown.

What is timed, per case:

* emitted: ``loss_and_grad_logits`` of the emitted module (or ``cross_entropy`` + ``grad_logits`` if
  the module has no combined entry point), from NumPy arrays to NumPy arrays;
* naive: unshifted softmax, its log, a materialized one-hot matrix, ``a - y``;
* PyTorch eager (CPU, 2 threads): ``F.cross_entropy`` forward and ``backward``;
* torch.compile (CPU, 2 threads): the closed form (log-sum-exp loss, softmax minus the targets) compiled
  with ``torch.compile``, compiled during the warm-up;
* JAX (CPU): ``jax.jit(jax.value_and_grad(loss))``, inputs already on the device, compiled during
  the warm-up;
* exp floor: one single-threaded ``np.exp`` over the logits (allocating its output, as the gradient
  must be allocated);
* copy limit: one ``np.copyto`` of the logits into a freshly allocated array: the memory traffic any
  gradient needs (read the logits, write the gradient), with no arithmetic.

Two more families of rows, when the emitted module has the functions:

* ``BCE N × k`` (multi-label targets): ``binary_cross_entropy_with_logits`` +
  ``grad_binary_cross_entropy_with_logits`` (mean over rows of the per-row sums); naive = unshifted
  ``1 / (1 + exp(-z))`` and its logs; PyTorch = ``F.binary_cross_entropy_with_logits`` (sum / N)
  forward and ``backward``; JAX = the same loss under ``jax.jit(jax.value_and_grad(...))``.
* ``HVP N × k`` (integer labels): ``hessian_vector_product``; the naive column forms every row's
  k × k Hessian with ``hessian_logits`` and multiplies it by the vectors.

Peak extra memory of the NumPy paths is measured with ``tracemalloc`` (NumPy reports its buffers to
it) and given in units of N*k*itemsize beyond the returned arrays.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import json
import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from derive.progress import Progress, quiet

__all__ = ["run_benchmark"]

Array = npt.NDArray[Any]

SIZES: tuple[tuple[int, int], ...] = ((4096, 10), (65536, 100), (8192, 1000), (1024, 32000))
#: Quick mode (the test suite's smoke run): tiny sizes, the same code paths.
QUICK_SIZES: tuple[tuple[int, int], ...] = ((64, 10), (256, 100))
DTYPES: tuple[str, ...] = ("float32", "float64")
TARGET_KINDS: tuple[str, ...] = ("labels", "dense")
AFFINE_SHAPE = (65536, 784, 10)  # N, d, k of loss_and_grads
# Sigmoid + binary cross-entropy and the Hessian-vector product; quick mode runs only the first size.
BCE_SIZES: tuple[tuple[int, int], ...] = ((4096, 100), (65536, 100))
HVP_SIZES: tuple[tuple[int, int], ...] = ((512, 100), (4096, 100))
QUICK_BCE_SIZES: tuple[tuple[int, int], ...] = ((64, 10),)
QUICK_HVP_SIZES: tuple[tuple[int, int], ...] = ((64, 10),)
BCE_PREFIX = "BCE "
HVP_PREFIX = "HVP "
QUICK_AFFINE_SHAPE = (256, 32, 10)
#: PyTorch's threads: the machine has 2 cores (NumPy's elementwise work is single-threaded).
TORCH_THREADS = 2
# Targets, at every size from TARGET_FROM_ELEMENTS elements up: emitted at most this fraction of PyTorch
# eager time, and at most this multiple of the exp floor (integer labels, dense targets).
TARGET_TORCH_RATIO = 0.7
TARGET_FLOOR_RATIO = {"labels": 2.5, "dense": 3.0}
TARGET_FROM_ELEMENTS = 65536 * 100


@dataclass
class CaseResult:
    """Median milliseconds (None where not measured) and peak extra memory of one case."""

    case: str
    n: int
    k: int
    dtype: str
    targets: str
    emitted_ms: float
    naive_ms: float | None
    torch_ms: float | None
    jax_ms: float | None
    floor_ms: float
    emitted_extra_memory: float
    naive_extra_memory: float | None
    notes: list[str] = field(default_factory=list)
    compiled_ms: float | None = None
    copy_ms: float | None = None

    @property
    def torch_ratio(self) -> float | None:
        return self.emitted_ms / self.torch_ms if self.torch_ms else None

    @property
    def compiled_ratio(self) -> float | None:
        return self.emitted_ms / self.compiled_ms if self.compiled_ms else None

    @property
    def floor_ratio(self) -> float:
        return self.emitted_ms / self.floor_ms

    @property
    def copy_ratio(self) -> float | None:
        return self.emitted_ms / self.copy_ms if self.copy_ms else None

    @property
    def has_targets(self) -> bool:
        """Whether the targets apply: a softmax loss + gradient case from TARGET_FROM_ELEMENTS up."""
        return self.n * self.k >= TARGET_FROM_ELEMENTS and _is_softmax_logit_case(self)

    def verdicts(self) -> dict[str, bool]:
        """Each target of this case: met or not (empty when no target applies)."""
        if not self.has_targets:
            return {}
        met = {"floor": self.floor_ratio <= TARGET_FLOOR_RATIO[self.targets]}
        if self.torch_ratio is not None:
            met["PyTorch"] = self.torch_ratio <= TARGET_TORCH_RATIO
        return met


# --- loading -------------------------------------------------------------------------------------------


def _load_module(module_path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmarked_softmax_cross_entropy", module_path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {module_path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except Exception:  # an optional framework that is absent or broken is reported, not fatal
        return None


# --- measuring -----------------------------------------------------------------------------------------


def _measured(
    case: str,
    shape: tuple[int, int, str, str],
    calls: tuple[Callable[[], object], Callable[[], object] | None, Callable[[], object]],
    unit: int,
    repeats: int,
    budget_s: float,
    notes: Sequence[str] = (),
    peers: Mapping[str, Callable[[], object] | None] | None = None,
) -> CaseResult:
    """Time the emitted call, the naive one (if any), the exp floor and the ``peers`` (``torch``,
    ``compiled``, ``jax``, ``copy``) side by side, and the extra memory of the NumPy paths."""
    n, k, dtype, targets = shape
    emitted, naive, floor = calls
    available = {name: call for name, call in (peers or {}).items() if call is not None}
    # Three groups, each timed side by side: NumPy (single-threaded), then PyTorch, then JAX. Their thread
    # pools keep spinning for a while after a call, which would slow whatever runs right after them.
    numpy_group: dict[str, Callable[[], object]] = {"emitted": emitted, "floor": floor}
    if naive is not None:
        numpy_group["naive"] = naive
    numpy_group.update({name: available[name] for name in ("copy",) if name in available})
    ms = _side_by_side(numpy_group, repeats, budget_s)
    groups: tuple[tuple[str, ...], ...] = (("torch", "compiled"), ("jax",))
    for group in groups:
        members: dict[str, Callable[[], object]] = {m: available[m] for m in group if m in available}
        if members:
            ms.update(_side_by_side(members, repeats, budget_s))
    return CaseResult(
        case=case,
        n=n,
        k=k,
        dtype=dtype,
        targets=targets,
        emitted_ms=ms["emitted"],
        naive_ms=ms.get("naive"),
        torch_ms=ms.get("torch"),
        jax_ms=ms.get("jax"),
        floor_ms=ms["floor"],
        emitted_extra_memory=_extra_memory(emitted, unit),
        naive_extra_memory=None if naive is None else _extra_memory(naive, unit),
        notes=list(notes),
        compiled_ms=ms.get("compiled"),
        copy_ms=ms.get("copy"),
    )


def _side_by_side(
    calls: Mapping[str, Callable[[], object]], repeats: int, budget_s: float
) -> dict[str, float]:
    """Median wall time in ms of each call, timed in rounds: every round runs each call once (in a
    rotating order), so a change of load on a shared machine hits every implementation alike.

    Each call is warmed up twice first (JIT compilation happens there). At least 3 rounds, at most
    ``repeats``; no new round starts after about ``budget_s`` seconds per call.
    """
    names = list(calls)
    for name in names:
        for _ in range(2):
            calls[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    # As timeit does: no garbage collection while timing (a collection in a large process, the test
    # suite's, costs more than the call itself).
    enabled = gc.isenabled()
    gc.disable()
    try:
        started = time.perf_counter()
        for round_number in range(repeats):
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                t0 = time.perf_counter()
                calls[name]()
                times[name].append(time.perf_counter() - t0)
            if round_number >= 2 and time.perf_counter() - started > budget_s * len(names):
                break
    finally:
        if enabled:
            gc.enable()
    return {name: statistics.median(values) * 1e3 for name, values in times.items()}


def _returned_bytes(value: object) -> int:
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, tuple | list):
        return sum(_returned_bytes(v) for v in value)
    return 0


def _extra_memory(call: Callable[[], object], unit_bytes: int) -> float:
    """Peak traced allocation during ``call`` beyond what it returns, in units of ``unit_bytes``."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        result = call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return max(0, peak - base - _returned_bytes(result)) / unit_bytes


# --- the implementations --------------------------------------------------------------------------------


def _emitted_call(module: ModuleType, logits: Array, targets: Array) -> Callable[[], object]:
    if hasattr(module, "loss_and_grad_logits"):
        combined = module.loss_and_grad_logits
        return lambda: tuple(combined(logits, targets, "mean"))
    cross_entropy, grad_logits = module.cross_entropy, module.grad_logits
    return lambda: (cross_entropy(logits, targets, "mean"), grad_logits(logits, targets, "mean"))


def _naive(logits: Array, targets: Array) -> tuple[Array, Array]:
    """Textbook version: unshifted softmax, log, one-hot matrix, a - y (mean reduction)."""
    n, k = logits.shape
    exps = np.exp(logits)
    probabilities = exps / exps.sum(axis=1, keepdims=True)
    if targets.ndim == 1:
        y = np.zeros((n, k), dtype=logits.dtype)
        y[np.arange(n), targets] = 1
    else:
        y = targets
    loss = -(y * np.log(probabilities)).sum() / n
    grad = (probabilities * y.sum(axis=1, keepdims=True) - y) / n
    return np.asarray(loss), grad


def _closed_form(torch: ModuleType, dense: bool) -> Callable[[Any, Any], tuple[Any, Any]]:
    """Loss and gradient in closed form (mean reduction), for ``torch.compile``."""
    functional = importlib.import_module("torch.nn.functional")

    def labels_form(z: Any, t: Any) -> tuple[Any, Any]:
        n, k = z.shape
        loss = (torch.logsumexp(z, dim=1) - z.gather(1, t[:, None]).squeeze(1)).mean()
        grad = (torch.softmax(z, dim=1) - functional.one_hot(t, k).to(z.dtype)) / n
        return loss, grad

    def dense_form(z: Any, t: Any) -> tuple[Any, Any]:
        n = z.shape[0]
        sums = t.sum(dim=1)
        loss = (torch.logsumexp(z, dim=1) * sums - (t * z).sum(dim=1)).mean()
        grad = (torch.softmax(z, dim=1) * sums[:, None] - t) / n
        return loss, grad

    return dense_form if dense else labels_form


def _compiled_call(torch: ModuleType, logits: Array, targets: Array) -> Callable[[], object]:
    compiled = torch.compile(_closed_form(torch, targets.ndim == 2))
    z = torch.from_numpy(logits)
    t = torch.from_numpy(targets.astype(np.int64) if targets.ndim == 1 else targets)
    return lambda: compiled(z, t)


def _copy_limit(logits: Array) -> Callable[[], object]:
    """The memory-traffic limit: read the logits once and write a freshly allocated array once."""

    def call() -> Array:
        out = np.empty_like(logits)
        np.copyto(out, logits)
        return out

    return call


def _torch_call(torch: ModuleType, logits: Array, targets: Array) -> Callable[[], object]:
    functional = importlib.import_module("torch.nn.functional")
    z_data = torch.from_numpy(logits)
    t_data = torch.from_numpy(targets.astype(np.int64) if targets.ndim == 1 else targets)

    def call() -> object:
        z = z_data.detach().requires_grad_(True)
        loss = functional.cross_entropy(z, t_data)
        loss.backward()
        return loss.detach(), z.grad

    return call


def _jax_call(jax: ModuleType, logits: Array, targets: Array) -> Callable[[], object]:
    jnp = importlib.import_module("jax.numpy")
    if targets.ndim == 1:

        def loss(z: Any, t: Any) -> Any:
            return -jnp.take_along_axis(jax.nn.log_softmax(z), t[:, None], axis=1).mean()

    else:

        def loss(z: Any, t: Any) -> Any:
            return -(t * jax.nn.log_softmax(z)).sum(axis=1).mean()

    step = jax.jit(jax.value_and_grad(loss))
    z_device = jax.device_put(logits)
    t_device = jax.device_put(targets.astype(np.int32) if targets.ndim == 1 else targets)
    return lambda: jax.block_until_ready(step(z_device, t_device))


# --- the cases -------------------------------------------------------------------------------------------


def _case_data(n: int, k: int, dtype: str, kind: str, seed: int) -> tuple[Array, Array]:
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, k)).astype(dtype)
    if kind == "labels":
        return logits, rng.integers(0, k, size=n)
    dense = rng.random((n, k)).astype(dtype)
    dense /= dense.sum(axis=1, keepdims=True)
    return logits, dense


def _logit_case(
    module: ModuleType,
    torch: ModuleType | None,
    jax: ModuleType | None,
    n: int,
    k: int,
    dtype: str,
    kind: str,
    repeats: int,
    budget_s: float,
    compile_peer: bool,
) -> CaseResult:
    logits, targets = _case_data(n, k, dtype, kind, seed=n * 7 + k)
    unit = n * k * logits.itemsize
    emitted = _emitted_call(module, logits, targets)
    naive = lambda: _naive(logits, targets)  # noqa: E731
    floor = lambda: np.exp(logits)  # noqa: E731
    peers = {
        "copy": _copy_limit(logits),
        "torch": None if torch is None else _torch_call(torch, logits, targets),
        "compiled": _compiled_call(torch, logits, targets) if torch is not None and compile_peer else None,
        "jax": None if jax is None else _jax_call(jax, logits, targets),
    }
    return _measured(
        f"{n} × {k}", (n, k, dtype, kind), (emitted, naive, floor), unit, repeats, budget_s, peers=peers
    )


def _affine_case(
    module: ModuleType,
    torch: ModuleType | None,
    shape: tuple[int, int, int],
    dtype: str,
    repeats: int,
    budget_s: float,
) -> CaseResult:
    n, d, k = shape
    rng = np.random.default_rng(20240 + n)
    np_dtype = np.dtype(dtype)
    inputs = rng.standard_normal((n, d)).astype(np_dtype)
    weights = (rng.standard_normal((d, k)) / np.sqrt(d)).astype(np_dtype)
    bias = rng.standard_normal(k).astype(np_dtype)
    labels = rng.integers(0, k, size=n)
    emitted = lambda: tuple(module.loss_and_grads(inputs, weights, bias, labels))  # noqa: E731
    floor_input = rng.standard_normal((n, k)).astype(np_dtype)
    torch_call: Callable[[], object] | None = None
    if torch is not None:
        functional = importlib.import_module("torch.nn.functional")
        x_data, w_data, b_data = (torch.from_numpy(a) for a in (inputs, weights, bias))
        t_data = torch.from_numpy(labels.astype(np.int64))

        def torch_call() -> object:
            x = x_data.detach().requires_grad_(True)
            w = w_data.detach().requires_grad_(True)
            b = b_data.detach().requires_grad_(True)
            loss = functional.cross_entropy(x @ w + b, t_data)
            loss.backward()
            return loss.detach(), w.grad, b.grad, x.grad

    return _measured(
        f"loss_and_grads {n} × {d} → {k}",
        (n, k, dtype, "labels"),
        (emitted, None, lambda: np.exp(floor_input)),
        n * k * np_dtype.itemsize,
        repeats,
        budget_s,
        ["extra memory beyond grad_weights, grad_bias and grad_inputs; includes the logits X W + b"],
        peers={"torch": torch_call},
    )


def _bce_case(
    module: ModuleType,
    torch: ModuleType | None,
    jax: ModuleType | None,
    n: int,
    k: int,
    dtype: str,
    repeats: int,
    budget_s: float,
) -> CaseResult:
    rng = np.random.default_rng(30000 + n * 7 + k)
    logits = rng.standard_normal((n, k)).astype(dtype)
    targets = rng.random((n, k)).astype(dtype)
    loss_fn, grad_fn = module.binary_cross_entropy_with_logits, module.grad_binary_cross_entropy_with_logits
    emitted = lambda: (loss_fn(logits, targets, "mean"), grad_fn(logits, targets, "mean"))  # noqa: E731

    def naive() -> tuple[Array, Array]:
        sigmoids = 1 / (1 + np.exp(-logits))
        loss = -(targets * np.log(sigmoids) + (1 - targets) * np.log(1 - sigmoids)).mean()
        return np.asarray(loss), (sigmoids - targets) / (n * k)

    floor = lambda: np.exp(logits)  # noqa: E731
    peers: dict[str, Callable[[], object] | None] = {"copy": _copy_limit(logits)}
    if torch is not None:
        functional = importlib.import_module("torch.nn.functional")
        z_data, t_data = torch.from_numpy(logits), torch.from_numpy(targets)

        def torch_call() -> object:
            z = z_data.detach().requires_grad_(True)
            loss = functional.binary_cross_entropy_with_logits(z, t_data)  # the mean over N * k elements
            loss.backward()
            return loss.detach(), z.grad

        peers["torch"] = torch_call
    if jax is not None:
        jnp = importlib.import_module("jax.numpy")

        def loss(z: Any, t: Any) -> Any:
            terms = jnp.maximum(z, 0) - z * t + jnp.log1p(jnp.exp(-jnp.abs(z)))
            return terms.mean()

        step = jax.jit(jax.value_and_grad(loss))
        z_device, t_device = jax.device_put(logits), jax.device_put(targets)
        peers["jax"] = lambda: jax.block_until_ready(step(z_device, t_device))
    return _measured(
        f"{BCE_PREFIX}{n} × {k}",
        (n, k, dtype, "multi-label"),
        (emitted, naive, floor),
        n * k * logits.itemsize,
        repeats,
        budget_s,
        ["sigmoid + binary cross-entropy: binary_cross_entropy_with_logits + its gradient"],
        peers=peers,
    )


def _hvp_case(module: ModuleType, n: int, k: int, dtype: str, repeats: int, budget_s: float) -> CaseResult:
    rng = np.random.default_rng(40000 + n * 7 + k)
    logits = rng.standard_normal((n, k)).astype(dtype)
    labels = rng.integers(0, k, size=n)
    vectors = rng.standard_normal((n, k)).astype(dtype)
    emitted = lambda: module.hessian_vector_product(logits, labels, vectors)  # noqa: E731
    formed = lambda: np.einsum("nij,nj->ni", module.hessian_logits(logits, labels), vectors)  # noqa: E731
    floor = lambda: np.exp(logits)  # noqa: E731
    unit = n * k * logits.itemsize
    return _measured(
        f"{HVP_PREFIX}{n} × {k}",
        (n, k, dtype, "labels"),
        (emitted, formed, floor),
        unit,
        repeats,
        budget_s,
        ["Hessian-vector product; the naive column forms the (N, k, k) Hessian and multiplies"],
    )


def _is_softmax_logit_case(result: CaseResult) -> bool:
    return not result.case.startswith(("loss_and_grads", BCE_PREFIX, HVP_PREFIX))


# --- reporting ---------------------------------------------------------------------------------------------


def _ms(value: float | None, missing: str) -> str:
    return missing if value is None else f"{value:.3f}"


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _target_cell(result: CaseResult) -> str:
    verdicts = result.verdicts()
    if not verdicts:
        return "–"
    if all(verdicts.values()):
        return "met"
    return "NOT met (" + ", ".join(name for name, met in verdicts.items() if not met) + ")"


def _markdown(results: list[CaseResult], env: dict[str, str], notes: list[str], quick: bool) -> str:
    torch_missing = env["torch"] if env["torch"] in ("not installed", "not run") else "n/a"
    jax_missing = env["jax"] if env["jax"] in ("not installed", "not run") else "n/a"
    lines = [
        "# Softmax cross-entropy benchmark" + (" (quick)" if quick else ""),
        "",
        "Median wall time in ms of loss + gradient with respect to the logits (mean reduction), every "
        "implementation side by side in one run. Ratios are emitted / peer: emitted / exp floor (one "
        "single-threaded `np.exp` of the logits, allocating its result), emitted / PyTorch eager "
        f"({env.get('torch threads', '–')} threads), emitted / torch.compile, emitted / copy limit (one "
        "`np.copyto` of the logits into a new array: the memory traffic alone). Extra memory is the peak "
        "traced allocation beyond the returned arrays, in units of N·k·itemsize.",
        "",
        "| N × k | dtype | targets | emitted ms | naive ms | PyTorch ms | torch.compile ms | JAX ms "
        "| exp floor ms | copy ms | / exp floor | / PyTorch | / torch.compile | / copy | extra mem "
        "| target |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.case} | {r.dtype} | {r.targets} | {r.emitted_ms:.3f} | {_ms(r.naive_ms, 'n/a')} "
            f"| {_ms(r.torch_ms, torch_missing)} | {_ms(r.compiled_ms, torch_missing)} "
            f"| {_ms(r.jax_ms, jax_missing)} | {r.floor_ms:.3f} | {_ms(r.copy_ms, 'n/a')} "
            f"| {r.floor_ratio:.2f} | {_ratio(r.torch_ratio)} | {_ratio(r.compiled_ratio)} "
            f"| {_ratio(r.copy_ratio)} | {r.emitted_extra_memory:.2f} | {_target_cell(r)} |"
        )
    lines += ["", "## Targets", ""]
    big = [r for r in results if r.has_targets]
    if big:
        for kind, limit in TARGET_FLOOR_RATIO.items():
            rows = [r for r in big if r.targets == kind]
            if not rows:
                continue
            missed = [r for r in rows if r.floor_ratio > limit]
            worst = max(rows, key=lambda r: r.floor_ratio)
            lines.append(
                f"- {kind}: emitted ≤ {limit}× the exp floor from {TARGET_FROM_ELEMENTS:,} elements up: "
                + (
                    f"met ({len(rows)} of {len(rows)} cases; worst {worst.floor_ratio:.2f})"
                    if not missed
                    else f"NOT met in {len(missed)} of {len(rows)} cases (worst {worst.floor_ratio:.2f}, "
                    f"{worst.case} {worst.dtype})"
                )
            )
        measured = [r for r in big if r.torch_ratio is not None]
        if measured:
            missed = [r for r in measured if r.torch_ratio is not None and r.torch_ratio > TARGET_TORCH_RATIO]
            worst = max(measured, key=lambda r: r.torch_ratio or 0.0)
            lines.append(
                f"- emitted ≤ {TARGET_TORCH_RATIO}× PyTorch eager from {TARGET_FROM_ELEMENTS:,} elements up: "
                + (
                    f"met ({len(measured)} of {len(measured)} cases; worst {worst.torch_ratio:.2f})"
                    if not missed
                    else f"NOT met in {len(missed)} of {len(measured)} cases (worst {worst.torch_ratio:.2f}, "
                    f"{worst.case} {worst.dtype} {worst.targets})"
                )
            )
        else:
            lines.append("- emitted ≤ 0.7× PyTorch eager: PyTorch not measured")
        worst_memory = max(r.emitted_extra_memory for r in big)
        lines.append(
            f"- at most one N·k temporary beyond the output: worst {worst_memory:.2f} "
            f"({'met' if worst_memory <= 1.0 else 'NOT met'})"
        )
    else:
        lines.append(f"- no case from {TARGET_FROM_ELEMENTS:,} elements up in this run")
    lines += ["", "## Environment", ""]
    lines += [f"- {key}: {value}" for key, value in env.items()]
    if notes:
        lines += ["", "## Notes", ""]
        lines += [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"


def _plot(results: list[CaseResult], path: Path) -> bool:
    """Two panels: median ms of every implementation (log scale), and emitted / exp floor with the
    targets; False when matplotlib is not installed."""
    try:
        matplotlib = importlib.import_module("matplotlib")
    except ImportError:
        return False
    matplotlib.use("Agg")
    plt = importlib.import_module("matplotlib.pyplot")
    series: dict[str, list[float | None]] = {
        "emitted": [r.emitted_ms for r in results],
        "PyTorch eager": [r.torch_ms for r in results],
        "torch.compile": [r.compiled_ms for r in results],
        "JAX": [r.jax_ms for r in results],
        "exp floor": [r.floor_ms for r in results],
        "copy limit": [r.copy_ms for r in results],
    }
    labels = [f"{r.case}\n{r.dtype} {r.targets}" for r in results]
    positions = np.arange(len(results))
    width = 0.8 / len(series)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(9.0, 0.9 * len(results)), 11.0))
    for i, (name, values) in enumerate(series.items()):
        heights = [v if v is not None else 0.0 for v in values]
        top.bar(positions + (i - (len(series) - 1) / 2) * width, heights, width, label=name)
    top.set_yscale("log")
    top.set_ylabel("median ms (log scale)")
    top.set_title("softmax cross-entropy: loss + gradient, side by side")
    top.legend(fontsize=8, ncol=3)
    # The ratios of the loss + gradient cases only (loss_and_grads, BCE and HVP compare other work with
    # the exp of their logits).
    cases = [r for r in results if _is_softmax_logit_case(r)]
    spots = np.arange(len(cases))
    colors = [
        "tab:gray" if not r.has_targets else ("tab:green" if all(r.verdicts().values()) else "tab:red")
        for r in cases
    ]
    bottom.bar(spots, [r.floor_ratio for r in cases], 0.6, color=colors)
    for kind, limit in TARGET_FLOOR_RATIO.items():
        color = "black" if kind == "labels" else "tab:purple"
        bottom.axhline(limit, linestyle="--", linewidth=1, color=color)
        label = f"target {kind} {limit}×"
        bottom.text(len(cases) - 0.5, limit, label, va="bottom", ha="right", fontsize=8)
    bottom.set_ylabel("emitted / exp floor")
    bottom.set_title("loss + gradient: green, targets met; red, a target missed; gray, no target (small)")
    bottom.set_xticks(spots)
    case_labels = [f"{r.case}\n{r.dtype} {r.targets}" for r in cases]
    bottom.set_xticklabels(case_labels, rotation=60, ha="right", fontsize=7)
    top.set_xticks(positions)
    top.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
    top.tick_params(labelbottom=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
    return True


def _environment(torch: ModuleType | None, jax: ModuleType | None, peers: bool) -> dict[str, str]:
    absent = "not installed" if peers else "not run"
    env = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "cores": str(os.cpu_count()),
        "torch": absent if torch is None else str(torch.__version__),
        "jax": absent if jax is None else str(jax.__version__),
    }
    if torch is not None:
        env["torch threads"] = str(torch.get_num_threads())
    return env


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


# --- entry point -------------------------------------------------------------------------------------------


def run_benchmark(
    module_path: Path,
    out_dir: Path,
    *,
    quick: bool = False,
    peers: bool = True,
    progress: Progress = quiet,
) -> str:
    """Benchmark the emitted module at ``module_path``; write the reports into ``out_dir``.

    Returns the Markdown report (also written to ``out_dir/benchmark.md``).  ``quick`` is a smoke run:
    tiny sizes, few repeats, the same code paths, and no ``torch.compile`` (its compilation alone takes
    seconds per case).  ``peers=False`` times the NumPy paths only (PyTorch and JAX are not imported).
    The load average (1, 5, 15 minutes) is recorded at the start and the end: on a shared machine only
    runs at low load are comparable.
    """
    module = _load_module(Path(module_path))
    progress("loading the peers")
    torch = _optional("torch") if peers else None
    jax = _optional("jax") if peers else None
    if torch is not None:
        torch.set_num_threads(TORCH_THREADS)
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
    load_before = _load()
    sizes = list(QUICK_SIZES) if quick else list(SIZES)
    repeats, budget_s = (3, 0.2) if quick else (9, 6.0)
    compile_peer = torch is not None and not quick
    results = []
    for n, k in sizes:
        for dtype in DTYPES:
            for kind in TARGET_KINDS:
                progress(f"{n} × {k} {dtype} {kind}")
                results.append(
                    _logit_case(module, torch, jax, n, k, dtype, kind, repeats, budget_s, compile_peer)
                )
    affine_shape = QUICK_AFFINE_SHAPE if quick else AFFINE_SHAPE
    for dtype in DTYPES:
        progress(f"loss_and_grads {dtype}")
        results.append(_affine_case(module, torch, affine_shape, dtype, repeats, budget_s))
    has_bce = hasattr(module, "binary_cross_entropy_with_logits")
    has_hvp = hasattr(module, "hessian_vector_product")
    bce_sizes = QUICK_BCE_SIZES if quick else BCE_SIZES
    hvp_sizes = QUICK_HVP_SIZES if quick else HVP_SIZES
    if has_bce:
        for n, k in bce_sizes:
            for dtype in DTYPES:
                progress(f"BCE {n} × {k} {dtype}")
                results.append(_bce_case(module, torch, jax, n, k, dtype, repeats, budget_s))
    if has_hvp:
        for n, k in hvp_sizes:
            for dtype in DTYPES:
                progress(f"HVP {n} × {k} {dtype}")
                results.append(_hvp_case(module, n, k, dtype, repeats, budget_s))

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    env = _environment(torch, jax, peers)
    env["load average at start (1, 5, 15 min)"] = load_before
    env["load average at end (1, 5, 15 min)"] = _load()
    notes = [
        "emitted = "
        + (
            "loss_and_grad_logits"
            if hasattr(module, "loss_and_grad_logits")
            else "cross_entropy + grad_logits"
        ),
        "the exp floor and the copy limit are single-threaded NumPy; PyTorch and torch.compile use "
        f"{TORCH_THREADS} threads; torch.compile compiles the closed form (log-sum-exp loss, softmax "
        "minus the targets), not F.cross_entropy with autograd",
        f"targets: from {TARGET_FROM_ELEMENTS:,} elements up, emitted ≤ {TARGET_FLOOR_RATIO['labels']}× the "
        f"exp floor with labels, ≤ {TARGET_FLOOR_RATIO['dense']}× with dense targets, and ≤ "
        f"{TARGET_TORCH_RATIO}× PyTorch eager",
        "loss_and_grads: extra memory beyond grad_weights, grad_bias, grad_inputs, including the logits",
    ]
    if quick:
        notes.append("quick run: tiny sizes and few repeats (a smoke test; the timings mean nothing)")
        if torch is not None:
            notes.append("quick run: torch.compile is not measured")
    if has_bce:
        notes.append(
            "BCE rows: sigmoid + binary cross-entropy (multi-label targets), emitted = "
            "binary_cross_entropy_with_logits + grad_binary_cross_entropy_with_logits (mean over N·k "
            "elements, as PyTorch); PyTorch = F.binary_cross_entropy_with_logits forward + backward; not "
            "part of the targets"
        )
    else:
        notes.append("the module has no binary_cross_entropy_with_logits: no BCE rows")
    if has_hvp:
        notes.append(
            "HVP rows: emitted = hessian_vector_product; the naive column forms the Hessian with "
            "hessian_logits (N·k·k elements) and multiplies it by the vectors; not part of the targets"
        )
    else:
        notes.append("the module has no hessian_vector_product: no HVP rows")
    if not peers:
        notes.append("NumPy only: the peers were not run")
    elif torch is None:
        notes.append("PyTorch is not installed: its columns are empty")
    if peers and jax is None:
        notes.append("JAX is not installed: its column is empty")
    progress("writing the report")
    if not _plot(results, out_dir / "benchmark.png"):
        notes.append("matplotlib is not installed: benchmark.png was not written")
    markdown = _markdown(results, env, notes, quick)
    (out_dir / "benchmark.md").write_text(markdown, encoding="utf-8")
    payload = {
        "quick": quick,
        "environment": env,
        "notes": notes,
        "results": [
            {
                **asdict(r),
                "emitted_over_floor": r.floor_ratio,
                "emitted_over_torch": r.torch_ratio,
                "emitted_over_torch_compile": r.compiled_ratio,
                "emitted_over_copy": r.copy_ratio,
                "targets_met": r.verdicts(),
            }
            for r in results
        ],
    }
    (out_dir / "benchmark.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return markdown
