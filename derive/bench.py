"""Benchmark of the emitted NumPy reference module against a naive NumPy version, PyTorch and JAX.

``run_benchmark(module_path, out_dir)`` times loss + gradient with respect to the logits (median of
several repeats after a warm-up, ``time.perf_counter``) for every (N, k) size, dtype and kind of
targets, plus the affine model ``loss_and_grads``; it writes ``benchmark.md``, ``benchmark.json``
and, when matplotlib is installed, ``benchmark.png`` into ``out_dir``, and returns the Markdown.

What is timed, per case:

* emitted: ``loss_and_grad_logits`` of the emitted module (or ``cross_entropy`` + ``grad_logits`` if
  the module has no combined entry point), from NumPy arrays to NumPy arrays;
* naive: unshifted softmax, its log, a materialized one-hot matrix, ``a - y``;
* PyTorch (CPU, its default thread count): ``F.cross_entropy`` forward and ``backward``;
* JAX (CPU): ``jax.jit(jax.value_and_grad(loss))``, inputs already on the device, compiled during
  the warm-up;
* exp floor: one single-threaded ``np.exp`` over an array of the same shape and dtype (allocating
  its output, as the gradient must be allocated).

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
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["run_benchmark"]

Array = npt.NDArray[Any]

SIZES: tuple[tuple[int, int], ...] = ((4096, 10), (65536, 100), (8192, 1000), (1024, 32000))
DTYPES: tuple[str, ...] = ("float32", "float64")
TARGET_KINDS: tuple[str, ...] = ("labels", "dense")
AFFINE_SHAPE = (65536, 784, 10)  # N, d, k of loss_and_grads
# Sigmoid + binary cross-entropy and the Hessian-vector product; quick mode runs only the first size.
BCE_SIZES: tuple[tuple[int, int], ...] = ((4096, 100), (65536, 100))
HVP_SIZES: tuple[tuple[int, int], ...] = ((512, 100), (4096, 100))
BCE_PREFIX = "BCE "
HVP_PREFIX = "HVP "
QUICK_AFFINE_SHAPE = (4096, 784, 10)
# Targets: emitted at most this fraction of PyTorch eager time, and this multiple of the exp floor,
# at every size from TARGET_FROM_ELEMENTS elements up.
TARGET_TORCH_RATIO = 0.7
TARGET_FLOOR_RATIO = 2.0
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

    @property
    def torch_ratio(self) -> float | None:
        return self.emitted_ms / self.torch_ms if self.torch_ms else None

    @property
    def floor_ratio(self) -> float:
        return self.emitted_ms / self.floor_ms


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
) -> CaseResult:
    """Time the emitted call, the naive one (if any) and the exp floor; peers are added by the caller."""
    n, k, dtype, targets = shape
    emitted, naive, floor = calls
    return CaseResult(
        case=case,
        n=n,
        k=k,
        dtype=dtype,
        targets=targets,
        emitted_ms=_median_ms(emitted, repeats, 1, budget_s),
        naive_ms=None if naive is None else _median_ms(naive, repeats, 1, budget_s),
        torch_ms=None,
        jax_ms=None,
        floor_ms=_median_ms(floor, repeats, 1, budget_s),
        emitted_extra_memory=_extra_memory(emitted, unit),
        naive_extra_memory=None if naive is None else _extra_memory(naive, unit),
        notes=list(notes),
    )


def _median_ms(call: Callable[[], object], repeats: int, warmup: int, budget_s: float) -> float:
    """Median wall time in ms of ``call`` over ``repeats`` runs (fewer, at least 3, past ``budget_s``)."""
    for _ in range(warmup):
        call()
    times: list[float] = []
    started = time.perf_counter()
    for i in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
        if i >= 2 and time.perf_counter() - started > budget_s:
            break
    return statistics.median(times) * 1e3


def _returned_bytes(value: object) -> int:
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, tuple | list):
        return sum(_returned_bytes(v) for v in value)
    return 0


def _extra_memory(call: Callable[[], object], unit_bytes: int) -> float:
    """Peak traced allocation during ``call`` beyond what it returns, in units of ``unit_bytes``."""
    gc.collect()
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
) -> CaseResult:
    logits, targets = _case_data(n, k, dtype, kind, seed=n * 7 + k)
    unit = n * k * logits.itemsize
    emitted = _emitted_call(module, logits, targets)
    naive = lambda: _naive(logits, targets)  # noqa: E731
    floor = lambda: np.exp(logits)  # noqa: E731
    result = _measured(f"{n} × {k}", (n, k, dtype, kind), (emitted, naive, floor), unit, repeats, budget_s)
    if torch is not None:
        result.torch_ms = _median_ms(_torch_call(torch, logits, targets), repeats, 1, budget_s)
    if jax is not None:
        result.jax_ms = _median_ms(_jax_call(jax, logits, targets), repeats, 2, budget_s)
    return result


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
    result = _measured(
        f"loss_and_grads {n} × {d} → {k}",
        (n, k, dtype, "labels"),
        (emitted, None, lambda: np.exp(floor_input)),
        n * k * np_dtype.itemsize,
        repeats,
        budget_s,
        ["extra memory beyond grad_weights, grad_bias and grad_inputs; includes the logits X W + b"],
    )
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

        result.torch_ms = _median_ms(torch_call, repeats, 1, budget_s)
    return result


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
        loss = -(targets * np.log(sigmoids) + (1 - targets) * np.log(1 - sigmoids)).sum() / n
        return np.asarray(loss), (sigmoids - targets) / n

    floor = lambda: np.exp(logits)  # noqa: E731
    unit = n * k * logits.itemsize
    result = _measured(
        f"{BCE_PREFIX}{n} × {k}",
        (n, k, dtype, "multi-label"),
        (emitted, naive, floor),
        unit,
        repeats,
        budget_s,
        ["sigmoid + binary cross-entropy: binary_cross_entropy_with_logits + its gradient"],
    )
    if torch is not None:
        functional = importlib.import_module("torch.nn.functional")
        z_data, t_data = torch.from_numpy(logits), torch.from_numpy(targets)

        def torch_call() -> object:
            z = z_data.detach().requires_grad_(True)
            loss = functional.binary_cross_entropy_with_logits(z, t_data, reduction="sum") / n
            loss.backward()
            return loss.detach(), z.grad

        result.torch_ms = _median_ms(torch_call, repeats, 1, budget_s)
    if jax is not None:
        jnp = importlib.import_module("jax.numpy")

        def loss(z: Any, t: Any) -> Any:
            terms = jnp.maximum(z, 0) - z * t + jnp.log1p(jnp.exp(-jnp.abs(z)))
            return terms.sum(axis=1).mean()

        step = jax.jit(jax.value_and_grad(loss))
        z_device, t_device = jax.device_put(logits), jax.device_put(targets)
        result.jax_ms = _median_ms(
            lambda: jax.block_until_ready(step(z_device, t_device)), repeats, 2, budget_s
        )
    return result


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


def _markdown(results: list[CaseResult], env: dict[str, str], notes: list[str], quick: bool) -> str:
    torch_missing = "n/a" if env["torch"] != "not installed" else "not installed"
    jax_missing = "n/a" if env["jax"] != "not installed" else "not installed"
    lines = [
        "# Softmax cross-entropy benchmark" + (" (quick)" if quick else ""),
        "",
        "Median wall time in ms of loss + gradient with respect to the logits (mean reduction). "
        "Ratios are emitted / PyTorch and emitted / exp floor. Extra memory is the peak traced "
        "allocation beyond the returned arrays, in units of N·k·itemsize.",
        "",
        "| N × k | dtype | targets | emitted ms | naive ms | PyTorch ms | JAX ms | exp floor ms "
        "| emitted / PyTorch | emitted / floor | emitted extra mem | naive extra mem |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.case} | {r.dtype} | {r.targets} | {r.emitted_ms:.3f} | {_ms(r.naive_ms, 'n/a')} "
            f"| {_ms(r.torch_ms, torch_missing)} | {_ms(r.jax_ms, jax_missing)} | {r.floor_ms:.3f} "
            f"| {_ratio(r.torch_ratio)} | {r.floor_ratio:.2f} | {r.emitted_extra_memory:.2f} "
            f"| {_ratio(r.naive_extra_memory)} |"
        )
    lines += ["", "## Targets", ""]
    big = [r for r in results if r.n * r.k >= TARGET_FROM_ELEMENTS and _is_softmax_logit_case(r)]
    if big:
        worst_torch = max((r.torch_ratio for r in big if r.torch_ratio is not None), default=None)
        worst_floor = max(r.floor_ratio for r in big)
        worst_memory = max(r.emitted_extra_memory for r in big)
        torch_verdict = (
            "PyTorch not measured"
            if worst_torch is None
            else f"worst {worst_torch:.2f} ({'met' if worst_torch <= TARGET_TORCH_RATIO else 'NOT met'})"
        )
        lines += [
            f"- emitted ≤ {TARGET_TORCH_RATIO}× PyTorch eager from {TARGET_FROM_ELEMENTS:,} elements up: "
            f"{torch_verdict}",
            f"- emitted ≤ {TARGET_FLOOR_RATIO}× the exp floor from {TARGET_FROM_ELEMENTS:,} elements up: "
            f"worst {worst_floor:.2f} ({'met' if worst_floor <= TARGET_FLOOR_RATIO else 'NOT met'})",
            f"- at most one N·k temporary beyond the output: worst {worst_memory:.2f} "
            f"({'met' if worst_memory <= 1.0 else 'NOT met'})",
        ]
    lines += ["", "## Environment", ""]
    lines += [f"- {key}: {value}" for key, value in env.items()]
    if notes:
        lines += ["", "## Notes", ""]
        lines += [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"


def _plot(results: list[CaseResult], path: Path) -> bool:
    """Write a grouped bar chart of the medians; False when matplotlib is not installed."""
    try:
        matplotlib = importlib.import_module("matplotlib")
    except ImportError:
        return False
    matplotlib.use("Agg")
    plt = importlib.import_module("matplotlib.pyplot")
    series: dict[str, list[float | None]] = {
        "emitted": [r.emitted_ms for r in results],
        "naive": [r.naive_ms for r in results],
        "PyTorch": [r.torch_ms for r in results],
        "JAX": [r.jax_ms for r in results],
        "exp floor": [r.floor_ms for r in results],
    }
    labels = [f"{r.case}\n{r.dtype} {r.targets}" for r in results]
    positions = np.arange(len(results))
    width = 0.16
    fig, ax = plt.subplots(figsize=(max(8.0, 0.9 * len(results)), 5.5))
    for i, (name, values) in enumerate(series.items()):
        heights = [v if v is not None else 0.0 for v in values]
        ax.bar(positions + (i - 2) * width, heights, width, label=name)
    ax.set_yscale("log")
    ax.set_ylabel("median ms (log scale)")
    ax.set_title("softmax cross-entropy: loss + gradient")
    ax.set_xticks(positions)
    ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def _environment(torch: ModuleType | None, jax: ModuleType | None) -> dict[str, str]:
    env = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "torch": "not installed" if torch is None else str(torch.__version__),
        "jax": "not installed" if jax is None else str(jax.__version__),
    }
    if torch is not None:
        env["torch threads"] = str(torch.get_num_threads())
    return env


# --- entry point -------------------------------------------------------------------------------------------


def run_benchmark(module_path: Path, out_dir: Path, *, quick: bool = False) -> str:
    """Benchmark the emitted module at ``module_path``; write the reports into ``out_dir``.

    Returns the Markdown report (also written to ``out_dir/benchmark.md``).  ``quick`` runs the two
    smallest sizes with few repeats, a smaller ``loss_and_grads`` case and only the smallest BCE and HVP
    sizes, for a smoke test.
    """
    module = _load_module(Path(module_path))
    torch = _optional("torch")
    jax = _optional("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
    sizes = sorted(SIZES, key=lambda s: s[0] * s[1])[:2] if quick else list(SIZES)
    repeats, budget_s = (3, 0.5) if quick else (9, 6.0)
    results = [
        _logit_case(module, torch, jax, n, k, dtype, kind, repeats, budget_s)
        for n, k in sizes
        for dtype in DTYPES
        for kind in TARGET_KINDS
    ]
    affine_shape = QUICK_AFFINE_SHAPE if quick else AFFINE_SHAPE
    results += [_affine_case(module, torch, affine_shape, dtype, repeats, budget_s) for dtype in DTYPES]
    has_bce = hasattr(module, "binary_cross_entropy_with_logits")
    has_hvp = hasattr(module, "hessian_vector_product")
    bce_sizes = BCE_SIZES[:1] if quick else BCE_SIZES
    hvp_sizes = HVP_SIZES[:1] if quick else HVP_SIZES
    if has_bce:
        results += [
            _bce_case(module, torch, jax, n, k, dtype, repeats, budget_s)
            for n, k in bce_sizes
            for dtype in DTYPES
        ]
    if has_hvp:
        results += [
            _hvp_case(module, n, k, dtype, repeats, budget_s) for n, k in hvp_sizes for dtype in DTYPES
        ]

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    env = _environment(torch, jax)
    notes = [
        "emitted = "
        + (
            "loss_and_grad_logits"
            if hasattr(module, "loss_and_grad_logits")
            else "cross_entropy + grad_logits"
        ),
        "the exp floor is single-threaded (NumPy); PyTorch uses its default thread count",
        "loss_and_grads: extra memory beyond grad_weights, grad_bias, grad_inputs, including the logits",
    ]
    if has_bce:
        notes.append(
            "BCE rows: sigmoid + binary cross-entropy (multi-label targets), emitted = "
            "binary_cross_entropy_with_logits + grad_binary_cross_entropy_with_logits; PyTorch = "
            "F.binary_cross_entropy_with_logits (sum / N) forward + backward; not part of the targets"
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
    if torch is None:
        notes.append("PyTorch is not installed: its column is empty")
    if jax is None:
        notes.append("JAX is not installed: its column is empty")
    if not _plot(results, out_dir / "benchmark.png"):
        notes.append("matplotlib is not installed: benchmark.png was not written")
    markdown = _markdown(results, env, notes, quick)
    (out_dir / "benchmark.md").write_text(markdown, encoding="utf-8")
    payload = {
        "quick": quick,
        "environment": env,
        "notes": notes,
        "results": [
            {**asdict(r), "emitted_over_torch": r.torch_ratio, "emitted_over_floor": r.floor_ratio}
            for r in results
        ],
    }
    (out_dir / "benchmark.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return markdown
