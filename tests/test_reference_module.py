"""Numeric tests of the emitted NumPy reference module ``output/softmax_cross_entropy.py``.

The module is imported by path, so these tests check exactly the file that ``derive`` wrote.  Every
random point comes from ``numpy.random.default_rng`` with a fixed seed; Hypothesis runs derandomized.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import mpmath
import numpy as np
import numpy.typing as npt
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

ROOT = Path(__file__).resolve().parents[1]
MODULE_PATH = ROOT / "output" / "softmax_cross_entropy.py"
KS = range(2, 11)
H_COMPLEX = 1e-30

Array = npt.NDArray[Any]


@functools.cache
def _load_module() -> ModuleType:
    if not MODULE_PATH.exists():
        pytest.skip(f"{MODULE_PATH.relative_to(ROOT)} has not been emitted (run `derive` first)")
    spec = importlib.util.spec_from_file_location("emitted_softmax_cross_entropy", MODULE_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sce() -> ModuleType:
    return _load_module()


# --- helpers --------------------------------------------------------------------------------------


def _point(k: int, seed: int, n: int = 4, dense: bool = False, scale: float = 2.0) -> tuple[Array, Array]:
    """Seeded logits (n, k) and targets: integer labels, or dense positive rows that do not sum to 1."""
    rng = np.random.default_rng(seed)
    logits = scale * rng.standard_normal((n, k))
    if dense:
        return logits, rng.uniform(0.1, 1.5, size=(n, k))
    return logits, rng.integers(0, k, size=n)


def _one_hot(labels: Array, k: int) -> Array:
    return np.eye(k)[labels]


def _rel_err(got: npt.ArrayLike, ref: npt.ArrayLike) -> float:
    """Normwise relative error: max |got - ref| / max |ref| (max |ref| of 0 means absolute error)."""
    got_a = np.asarray(got, dtype=np.float64)
    ref_a = np.asarray(ref, dtype=np.float64)
    scale = float(np.max(np.abs(ref_a))) or 1.0
    return float(np.max(np.abs(got_a - ref_a))) / scale


def _dense_targets(targets: Array, k: int) -> Array:
    return _one_hot(targets, k) if targets.ndim == 1 else targets


def _mp_loss_and_grad(logits: Array, targets: Array, dps: int = 50) -> tuple[float, Array]:
    """Independent reference: summed loss sum_n (lse_n * sum_j y_nj - sum_j y_nj z_nj), grad a*sum(y) - y."""
    n, k = logits.shape
    y = _dense_targets(targets, k)
    with mpmath.workdps(dps):
        total = mpmath.mpf(0)
        grad = np.empty((n, k))
        for r in range(n):
            z = [mpmath.mpf(float(v)) for v in logits[r]]
            yr = [mpmath.mpf(float(v)) for v in y[r]]
            top = max(z)
            sum_exp = mpmath.fsum(mpmath.exp(v - top) for v in z)
            lse = top + mpmath.log(sum_exp)
            y_sum = mpmath.fsum(yr)
            total += mpmath.fsum(yj * (lse - zj) for yj, zj in zip(yr, z, strict=True))
            for j in range(k):
                a_j = mpmath.exp(z[j] - top) / sum_exp
                grad[r, j] = float(a_j * y_sum - yr[j])
        return float(total), grad


def _complex_step_grad(sce: ModuleType, logits: Array, targets: Array, **options: float) -> Array:
    grad = np.empty_like(logits)
    for index in np.ndindex(*logits.shape):
        z = logits.astype(np.complex128)
        z[index] += 1j * H_COMPLEX
        grad[index] = np.imag(sce.cross_entropy(z, targets, reduction="sum", **options)) / H_COMPLEX
    return grad


def _central_difference_grad(
    sce: ModuleType, logits: Array, targets: Array, h: float = 1e-6, **options: float
) -> Array:
    grad = np.empty_like(logits)
    for index in np.ndindex(*logits.shape):
        plus = logits.copy()
        minus = logits.copy()
        plus[index] += h
        minus[index] -= h
        up = sce.cross_entropy(plus, targets, reduction="sum", **options)
        down = sce.cross_entropy(minus, targets, reduction="sum", **options)
        grad[index] = (up - down) / (2 * h)
    return grad


# --- gradients against independent references -----------------------------------------------------


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
@pytest.mark.parametrize("k", KS)
def test_grad_logits_matches_central_differences_for_k_2_to_10(sce: ModuleType, k: int, dense: bool) -> None:
    logits, targets = _point(k, seed=100 + k, dense=dense)
    reference = _central_difference_grad(sce, logits, targets)
    assert _rel_err(sce.grad_logits(logits, targets, reduction="sum"), reference) < 1e-6


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
@pytest.mark.parametrize("k", KS)
def test_grad_logits_matches_complex_step_for_k_2_to_10(sce: ModuleType, k: int, dense: bool) -> None:
    logits, targets = _point(k, seed=200 + k, dense=dense)
    reference = _complex_step_grad(sce, logits, targets)
    assert _rel_err(sce.grad_logits(logits, targets, reduction="sum"), reference) < 1e-13


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
@pytest.mark.parametrize("k", KS)
def test_loss_and_grad_match_mpmath_at_50_digits_in_float64_for_k_2_to_10(
    sce: ModuleType, k: int, dense: bool
) -> None:
    logits, targets = _point(k, seed=300 + k, dense=dense)
    loss_ref, grad_ref = _mp_loss_and_grad(logits, targets)
    assert _rel_err(sce.cross_entropy(logits, targets, reduction="sum"), loss_ref) <= 1e-13
    assert _rel_err(sce.grad_logits(logits, targets, reduction="sum"), grad_ref) <= 1e-13


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
@pytest.mark.parametrize("k", KS)
def test_loss_and_grad_match_mpmath_within_1e_5_in_float32_for_k_2_to_10(
    sce: ModuleType, k: int, dense: bool
) -> None:
    logits64, targets = _point(k, seed=400 + k, dense=dense)
    logits = logits64.astype(np.float32)
    if dense:
        targets = targets.astype(np.float32)
    loss_ref, grad_ref = _mp_loss_and_grad(
        logits.astype(np.float64), np.asarray(targets, dtype=np.float64) if dense else targets
    )
    assert _rel_err(sce.cross_entropy(logits, targets, reduction="sum"), loss_ref) <= 1e-5
    assert _rel_err(sce.grad_logits(logits, targets, reduction="sum"), grad_ref) <= 1e-5


@pytest.mark.parametrize("k", [3, 5])
def test_grad_logits_matches_sympy_diff_of_explicit_cross_entropy_for_k_3_and_5(
    sce: ModuleType, k: int
) -> None:
    z = sympy.symbols(f"z0:{k}", real=True)
    y = sympy.symbols(f"y0:{k}", real=True)
    denominator = sum(sympy.exp(zn) for zn in z)
    h = -sum(y[j] * sympy.log(sympy.exp(z[j]) / denominator) for j in range(k))
    logits, targets = _point(k, seed=500 + k, n=1, dense=True)
    values = {
        **dict(zip(z, logits[0].tolist(), strict=True)),
        **dict(zip(y, targets[0].tolist(), strict=True)),
    }
    loss_ref = float(h.evalf(30, subs=values))
    grad_ref = np.array([float(sympy.diff(h, z[m]).evalf(30, subs=values)) for m in range(k)])
    assert _rel_err(sce.cross_entropy(logits, targets, reduction="sum"), loss_ref) <= 1e-13
    assert _rel_err(sce.grad_logits(logits, targets, reduction="sum")[0], grad_ref) <= 1e-13


@pytest.mark.parametrize("k", KS)
def test_loss_and_grads_match_complex_step_for_weights_bias_and_inputs(sce: ModuleType, k: int) -> None:
    rng = np.random.default_rng(600 + k)
    n, d = 5, 3
    inputs, weights, bias = rng.standard_normal((n, d)), rng.standard_normal((d, k)), rng.standard_normal(k)
    labels = rng.integers(0, k, size=n)

    def loss(x: Array, w: Array, b: Array) -> complex:
        return complex(sce.cross_entropy(x @ w + b, labels, reduction="mean"))

    def complex_step(which: int, shape: tuple[int, ...]) -> Array:
        grad = np.empty(shape)
        for index in np.ndindex(*shape):
            args = [inputs.astype(complex), weights.astype(complex), bias.astype(complex)]
            args[which][index] += 1j * H_COMPLEX
            grad[index] = loss(*args).imag / H_COMPLEX
        return grad

    result = sce.loss_and_grads(inputs, weights, bias, labels)
    assert _rel_err(result.loss, loss(inputs, weights, bias).real) <= 1e-13
    assert _rel_err(result.grad_inputs, complex_step(0, inputs.shape)) <= 1e-13
    assert _rel_err(result.grad_weights, complex_step(1, weights.shape)) <= 1e-13
    assert _rel_err(result.grad_bias, complex_step(2, bias.shape)) <= 1e-13


@pytest.mark.parametrize("k", [2, 5, 10])
def test_loss_and_grads_match_central_differences_for_dense_targets(sce: ModuleType, k: int) -> None:
    rng = np.random.default_rng(700 + k)
    inputs, weights, bias = rng.standard_normal((6, 4)), rng.standard_normal((4, k)), rng.standard_normal(k)
    targets = rng.uniform(0.0, 1.0, size=(6, k))
    result = sce.loss_and_grads(inputs, weights, bias, targets, reduction="sum")
    h = 1e-6
    for got, array in (
        (result.grad_inputs, inputs),
        (result.grad_weights, weights),
        (result.grad_bias, bias),
    ):
        reference = np.empty_like(array)
        for index in np.ndindex(*array.shape):
            saved = array[index]
            array[index] = saved + h
            up = sce.cross_entropy(inputs @ weights + bias, targets, reduction="sum")
            array[index] = saved - h
            down = sce.cross_entropy(inputs @ weights + bias, targets, reduction="sum")
            array[index] = saved
            reference[index] = (up - down) / (2 * h)
        assert _rel_err(got, reference) < 1e-6


# --- semantics ------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", KS)
def test_dense_targets_not_summing_to_one_give_a_times_sum_minus_y(sce: ModuleType, k: int) -> None:
    logits, targets = _point(k, seed=800 + k, dense=True)
    assert not np.allclose(targets.sum(axis=1), 1.0)
    a = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = a * targets.sum(axis=1, keepdims=True) - targets
    assert _rel_err(sce.grad_logits(logits, targets, reduction="sum"), expected) < 1e-14
    assert _rel_err(sce.grad_logits(logits, targets, reduction="sum"), a - targets) > 1e-3


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("k", KS)
def test_integer_labels_equal_one_hot_dense_results(sce: ModuleType, k: int, reduction: str) -> None:
    logits, labels = _point(k, seed=900 + k, n=7)
    one_hot = _one_hot(labels, k)
    np.testing.assert_allclose(
        sce.cross_entropy(logits, labels, reduction),
        sce.cross_entropy(logits, one_hot, reduction),
        rtol=1e-14,
    )
    np.testing.assert_allclose(
        sce.grad_logits(logits, labels, reduction),
        sce.grad_logits(logits, one_hot, reduction),
        rtol=1e-14,
        atol=1e-16,
    )


def test_reductions_mean_is_sum_over_n_and_sum_is_sum_of_none(sce: ModuleType) -> None:
    logits, labels = _point(6, seed=1000, n=9)
    per_row = sce.cross_entropy(logits, labels, reduction="none")
    assert per_row.shape == (9,)
    np.testing.assert_allclose(sce.cross_entropy(logits, labels, reduction="sum"), per_row.sum(), rtol=1e-14)
    np.testing.assert_allclose(
        sce.cross_entropy(logits, labels, reduction="mean"), per_row.mean(), rtol=1e-14
    )
    np.testing.assert_allclose(
        sce.grad_logits(logits, labels, reduction="mean"),
        sce.grad_logits(logits, labels, reduction="sum") / 9,
        rtol=1e-14,
    )


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
def test_loss_and_grad_logits_equals_cross_entropy_and_grad_logits(sce: ModuleType, dense: bool) -> None:
    logits, targets = _point(7, seed=1100, n=50, dense=dense)
    for reduction in ("mean", "sum", "none"):
        both = sce.loss_and_grad_logits(logits, targets, reduction)
        np.testing.assert_array_equal(both.loss, sce.cross_entropy(logits, targets, reduction))
        np.testing.assert_array_equal(both.grad_logits, sce.grad_logits(logits, targets, reduction))


def test_many_rows_spanning_several_chunks_match_row_by_row_results(sce: ModuleType) -> None:
    rng = np.random.default_rng(1200)
    logits = rng.standard_normal((20000, 7))
    labels = rng.integers(0, 7, size=20000)
    per_row = sce.cross_entropy(logits, labels, reduction="none")
    grad = sce.grad_logits(logits, labels, reduction="sum")
    for r in (0, 9361, 9362, 19999):
        np.testing.assert_allclose(per_row[r], sce.cross_entropy(logits[r : r + 1], labels[r : r + 1], "sum"))
        np.testing.assert_allclose(grad[r], sce.grad_logits(logits[r : r + 1], labels[r : r + 1], "sum")[0])


def test_log_softmax_equals_log_of_softmax_and_both_accept_any_axis(sce: ModuleType) -> None:
    logits = np.random.default_rng(1300).standard_normal((3, 4, 5))
    for axis in (0, 1, -1):
        np.testing.assert_allclose(
            sce.log_softmax(logits, axis), np.log(sce.softmax(logits, axis)), rtol=1e-13
        )
        np.testing.assert_allclose(sce.softmax(logits, axis).sum(axis=axis), 1.0, rtol=1e-14)


# --- extreme values and masking ---------------------------------------------------------------------


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
@pytest.mark.parametrize("k", [2, 5, 10])
def test_logits_of_magnitude_1e4_in_float64_are_finite_and_match_mpmath(
    sce: ModuleType, k: int, dense: bool
) -> None:
    rng = np.random.default_rng(1400 + k)
    logits = rng.uniform(-1e4, 1e4, size=(6, k))
    logits[0, 0], logits[1, -1] = 1e4, -1e4
    logits[2] = 1e4 - rng.uniform(0, 3, size=k)  # close to the top: every class has mass
    targets = rng.uniform(0, 1, size=(6, k)) if dense else rng.integers(0, k, size=6)
    loss = sce.cross_entropy(logits, targets, reduction="none")
    grad = sce.grad_logits(logits, targets, reduction="sum")
    assert np.isfinite(loss).all() and np.isfinite(grad).all()
    for r in range(6):
        loss_ref, grad_ref = _mp_loss_and_grad(logits[r : r + 1], targets[r : r + 1])
        assert abs(loss[r] - loss_ref) <= 1e-13 * max(abs(loss_ref), 1.0)
        assert _rel_err(grad[r], grad_ref[0]) <= 1e-13


def test_float32_logits_of_magnitude_80_are_finite_and_match_mpmath(sce: ModuleType) -> None:
    rng = np.random.default_rng(1500)
    logits = rng.uniform(-80, 80, size=(8, 6)).astype(np.float32)
    logits[0] = 80.0
    logits[1] = -80.0
    labels = rng.integers(0, 6, size=8)
    loss = sce.cross_entropy(logits, labels, reduction="none")
    grad = sce.grad_logits(logits, labels, reduction="sum")
    assert loss.dtype == np.float32 and grad.dtype == np.float32
    assert np.isfinite(loss).all() and np.isfinite(grad).all()
    loss_ref, grad_ref = _mp_loss_and_grad(logits.astype(np.float64), labels)
    assert _rel_err(loss.sum(dtype=np.float64), loss_ref) <= 1e-5
    assert _rel_err(grad, grad_ref) <= 1e-5


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
def test_masked_logit_has_zero_probability_and_zero_gradient(sce: ModuleType, dense: bool) -> None:
    logits, labels = _point(5, seed=1600, n=3)
    labels[:] = [0, 1, 2]
    logits[:, 4] = -np.inf
    logits[0, 3] = -np.inf
    targets = _one_hot(labels, 5) if dense else labels
    assert (sce.softmax(logits)[:, 4] == 0).all() and sce.softmax(logits)[0, 3] == 0
    grad = sce.grad_logits(logits, targets)
    assert (grad[:, 4] == 0).all() and grad[0, 3] == 0
    loss = sce.cross_entropy(logits, targets, reduction="none")
    assert np.isfinite(loss).all()
    unmasked = sce.cross_entropy(logits[1:, :4], targets[1:, :4] if dense else labels[1:], reduction="none")
    np.testing.assert_allclose(loss[1:], unmasked, rtol=1e-14)


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
def test_masked_target_class_gives_infinite_loss_and_gradient_minus_y(sce: ModuleType, dense: bool) -> None:
    logits, _ = _point(4, seed=1700, n=2)
    logits[0, 2] = -np.inf
    labels = np.array([2, 1])
    targets = _one_hot(labels, 4) if dense else labels
    loss = sce.cross_entropy(logits, targets, reduction="none")
    assert loss[0] == np.inf and np.isfinite(loss[1])
    assert sce.cross_entropy(logits, targets) == np.inf
    grad = sce.grad_logits(logits, targets, reduction="sum")
    assert grad[0, 2] == -1.0 and np.isfinite(grad).all()


def test_row_with_every_logit_masked_raises_value_error(sce: ModuleType) -> None:
    logits = np.zeros((3, 4))
    logits[1] = -np.inf
    for call in (sce.cross_entropy, sce.grad_logits, sce.loss_and_grad_logits):
        with pytest.raises(ValueError, match=r"logits\[1, :\] is -inf everywhere"):
            call(logits, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="-inf everywhere"):
        sce.softmax(logits)


# --- dtypes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_output_keeps_the_input_dtype(sce: ModuleType, dtype: type, dense: bool) -> None:
    logits64, targets = _point(6, seed=1800, n=5, dense=dense)
    logits = logits64.astype(dtype)
    if dense:
        targets = targets.astype(dtype)
    assert sce.softmax(logits).dtype == dtype
    assert sce.log_softmax(logits).dtype == dtype
    for reduction in ("mean", "sum", "none"):
        assert np.asarray(sce.cross_entropy(logits, targets, reduction)).dtype == dtype
        assert sce.grad_logits(logits, targets, reduction).dtype == dtype
        both = sce.loss_and_grad_logits(logits, targets, reduction)
        assert np.asarray(both.loss).dtype == dtype and both.grad_logits.dtype == dtype
    rng = np.random.default_rng(1801)
    inputs, weights, bias = (rng.standard_normal(s).astype(dtype) for s in ((5, 3), (3, 6), (6,)))
    result = sce.loss_and_grads(inputs, weights, bias, targets)
    assert np.asarray(result.loss).dtype == dtype
    assert result.grad_weights.dtype == result.grad_bias.dtype == result.grad_inputs.dtype == dtype
    assert sce.grad_logits(logits, targets).shape == logits.shape


def test_float64_dense_targets_with_float32_logits_keep_float32(sce: ModuleType) -> None:
    logits, targets = _point(4, seed=1900, dense=True)
    grad = sce.grad_logits(logits.astype(np.float32), targets)
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, sce.grad_logits(logits, targets), rtol=1e-5, atol=1e-7)


# --- properties (Hypothesis, derandomized) ------------------------------------------------------------

_rows = st.integers(1, 6)
_classes = st.integers(2, 10)
_finite = st.floats(-50, 50, allow_nan=False, allow_infinity=False)


@st.composite
def _logits_and_probabilities(draw: st.DrawFn) -> tuple[Array, Array]:
    n, k = draw(_rows), draw(_classes)
    logits = draw(hnp.arrays(np.float64, (n, k), elements=_finite))
    weights = draw(hnp.arrays(np.float64, (n, k), elements=st.floats(0.01, 1.0)))
    return logits, weights / weights.sum(axis=1, keepdims=True)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(_logits_and_probabilities())
def test_gradient_rows_sum_to_zero_when_targets_sum_to_one(case: tuple[Array, Array]) -> None:
    sce = _load_module()
    logits, targets = case
    grad = sce.grad_logits(logits, targets, reduction="sum")
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-14)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(_logits_and_probabilities(), st.floats(-1e3, 1e3, allow_nan=False))
def test_adding_a_constant_to_a_row_changes_neither_loss_nor_gradient(
    case: tuple[Array, Array], shift: float
) -> None:
    sce = _load_module()
    logits, targets = case
    shifted = logits.copy()
    shifted[0] += shift
    scale = 1e-12 * (1 + abs(shift))
    np.testing.assert_allclose(
        sce.cross_entropy(shifted, targets, "none"),
        sce.cross_entropy(logits, targets, "none"),
        rtol=scale,
        atol=scale,
    )
    np.testing.assert_allclose(
        sce.grad_logits(shifted, targets), sce.grad_logits(logits, targets), rtol=scale, atol=scale
    )


@settings(derandomize=True, max_examples=60, deadline=None)
@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6), elements=_finite)
)
def test_softmax_rows_sum_to_one(logits: Array) -> None:
    sce = _load_module()
    np.testing.assert_allclose(sce.softmax(logits).sum(axis=-1), 1.0, rtol=1e-14)


# --- invalid input ----------------------------------------------------------------------------------


def test_targets_of_wrong_shape_raise_value_error_naming_both_shapes(sce: ModuleType) -> None:
    logits = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"targets shape \(4, 2\) does not match logits shape \(4, 3\)"):
        sce.cross_entropy(logits, np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"targets shape \(5,\) does not match logits shape \(4, 3\)"):
        sce.grad_logits(logits, np.zeros(5, dtype=int))


def test_label_out_of_range_raises_value_error_naming_first_bad_row_and_value(sce: ModuleType) -> None:
    with pytest.raises(ValueError, match=r"targets\[2\] = 3 is out of range.*\[0, 3\)"):
        sce.cross_entropy(np.zeros((5, 3)), np.array([0, 1, 3, -1, 7]))
    with pytest.raises(ValueError, match=r"targets\[0\] = -1 is out of range"):
        sce.grad_logits(np.zeros((2, 3)), np.array([-1, 0]))


@pytest.mark.parametrize("bad", [np.nan, np.inf], ids=["nan", "plus_inf"])
def test_nan_or_plus_inf_logit_raises_value_error_naming_first_position(sce: ModuleType, bad: float) -> None:
    logits = np.zeros((70000, 3))
    logits[40000, 2] = bad
    logits[50000, 0] = bad
    for call in (sce.cross_entropy, sce.grad_logits, sce.loss_and_grad_logits):
        with pytest.raises(ValueError, match=rf"logits\[40000, 2\] is {bad}"):
            call(logits, np.zeros(70000, dtype=int))
    with pytest.raises(ValueError, match=r"logits\[\d+, \d+\]"):
        sce.softmax(logits)


def test_non_finite_dense_target_raises_value_error_naming_position(sce: ModuleType) -> None:
    targets = np.full((3, 4), 0.25)
    targets[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"targets\[2, 1\] is nan"):
        sce.cross_entropy(np.zeros((3, 4)), targets)


def test_integer_logits_raise_value_error_naming_the_dtype(sce: ModuleType) -> None:
    with pytest.raises(ValueError, match=r"logits must be a floating-point array.*int64"):
        sce.cross_entropy(np.zeros((2, 3), dtype=np.int64), np.array([0, 1]))


def test_float_labels_of_shape_n_raise_value_error(sce: ModuleType) -> None:
    with pytest.raises(
        ValueError, match=r"targets of shape \(2,\) are class labels and must have an integer dtype"
    ):
        sce.grad_logits(np.zeros((2, 3)), np.array([0.0, 1.0]))


def test_complex_logits_are_accepted_only_by_cross_entropy(sce: ModuleType) -> None:
    logits = np.zeros((2, 3), dtype=np.complex128)
    assert np.isfinite(sce.cross_entropy(logits, np.array([0, 1])))
    for call in (sce.grad_logits, sce.loss_and_grad_logits):
        with pytest.raises(ValueError, match="complex logits are accepted only by cross_entropy"):
            call(logits, np.array([0, 1]))


def test_unknown_reduction_raises_value_error_listing_the_three(sce: ModuleType) -> None:
    for call in (sce.cross_entropy, sce.grad_logits, sce.loss_and_grad_logits):
        with pytest.raises(ValueError, match=r"reduction must be one of 'mean', 'sum', 'none', got 'avg'"):
            call(np.zeros((2, 3)), np.array([0, 1]), "avg")


def test_loss_and_grads_with_mismatched_shapes_or_dtypes_raises_value_error(sce: ModuleType) -> None:
    x, w, b = np.zeros((4, 3)), np.zeros((3, 5)), np.zeros(5)
    labels = np.zeros(4, dtype=int)
    with pytest.raises(ValueError, match=r"inputs \(4, 3\), weights \(2, 5\), bias \(5,\)"):
        sce.loss_and_grads(x, np.zeros((2, 5)), b, labels)
    with pytest.raises(ValueError, match="share one floating dtype, got float32, float64, float64"):
        sce.loss_and_grads(x.astype(np.float32), w, b, labels)
    with pytest.raises(ValueError, match=r"targets shape \(4, 3\) does not match logits shape \(4, 5\)"):
        sce.loss_and_grads(x, w, b, np.zeros((4, 3)))


def test_logits_that_are_not_a_matrix_raise_value_error(sce: ModuleType) -> None:
    with pytest.raises(ValueError, match=r"logits must have shape \(N, k\), got shape \(3,\)"):
        sce.cross_entropy(np.zeros(3), np.array([0, 1, 2]))


# --- sigmoid + binary cross-entropy -------------------------------------------------------------------

BCE_KS = range(1, 7)


def _bce_point(k: int, seed: int, n: int = 4, scale: float = 3.0) -> tuple[Array, Array]:
    """Seeded logits (n, k) and multi-label targets in [0, 1] (some exactly 0 or 1)."""
    rng = np.random.default_rng(seed)
    logits = scale * rng.standard_normal((n, k))
    targets = rng.uniform(0, 1, size=(n, k))
    targets[0, 0] = 1.0
    targets[-1, -1] = 0.0
    return logits, targets


def _mp_bce_loss_and_grad(logits: Array, targets: Array, dps: int = 50) -> tuple[Array, Array]:
    """Independent reference: per-row -sum_j [y log s + (1 - y) log(1 - s)] and s - y, s = 1/(1+e^-z)."""
    n, k = logits.shape
    losses = np.empty(n)
    grad = np.empty((n, k))
    with mpmath.workdps(dps):
        for r in range(n):
            total = mpmath.mpf(0)
            for j in range(k):
                z = mpmath.mpf(float(logits[r, j]))
                y = mpmath.mpf(float(targets[r, j]))
                log_s = -mpmath.log(1 + mpmath.exp(-z))
                log_one_minus_s = -mpmath.log(1 + mpmath.exp(z))
                total -= y * log_s + (1 - y) * log_one_minus_s
                grad[r, j] = float(1 / (1 + mpmath.exp(-z)) - y)
            losses[r] = float(total)
    return losses, grad


def _bce_complex_step_grad(sce: ModuleType, logits: Array, targets: Array) -> Array:
    grad = np.empty_like(logits)
    for index in np.ndindex(*logits.shape):
        z = logits.astype(np.complex128)
        z[index] += 1j * H_COMPLEX
        grad[index] = np.imag(sce.binary_cross_entropy_with_logits(z, targets, reduction="sum")) / H_COMPLEX
    return grad


def _bce_central_difference_grad(sce: ModuleType, logits: Array, targets: Array, h: float = 1e-6) -> Array:
    grad = np.empty_like(logits)
    for index in np.ndindex(*logits.shape):
        plus = logits.copy()
        minus = logits.copy()
        plus[index] += h
        minus[index] -= h
        up = sce.binary_cross_entropy_with_logits(plus, targets, reduction="sum")
        down = sce.binary_cross_entropy_with_logits(minus, targets, reduction="sum")
        grad[index] = (up - down) / (2 * h)
    return grad


@pytest.mark.parametrize("k", BCE_KS)
def test_bce_loss_and_grad_match_mpmath_at_50_digits_in_float64_for_k_1_to_6(sce: ModuleType, k: int) -> None:
    logits, targets = _bce_point(k, seed=3000 + k)
    loss_ref, grad_ref = _mp_bce_loss_and_grad(logits, targets)
    bce, grad = sce.binary_cross_entropy_with_logits, sce.grad_binary_cross_entropy_with_logits
    assert _rel_err(bce(logits, targets, reduction="none"), loss_ref) <= 1e-14
    assert _rel_err(bce(logits, targets, reduction="sum"), loss_ref.sum()) <= 1e-14
    assert _rel_err(grad(logits, targets, reduction="sum"), grad_ref) <= 1e-14


@pytest.mark.parametrize("k", BCE_KS)
def test_bce_grad_matches_complex_step_for_k_1_to_6(sce: ModuleType, k: int) -> None:
    logits, targets = _bce_point(k, seed=3100 + k)
    reference = _bce_complex_step_grad(sce, logits, targets)
    got = sce.grad_binary_cross_entropy_with_logits(logits, targets, reduction="sum")
    assert _rel_err(got, reference) < 1e-13


@pytest.mark.parametrize("k", BCE_KS)
def test_bce_grad_matches_central_differences_for_k_1_to_6(sce: ModuleType, k: int) -> None:
    logits, targets = _bce_point(k, seed=3200 + k)
    reference = _bce_central_difference_grad(sce, logits, targets)
    got = sce.grad_binary_cross_entropy_with_logits(logits, targets, reduction="sum")
    assert _rel_err(got, reference) < 1e-6


def test_bce_grad_is_sigmoid_minus_targets_scaled_by_the_reduction(sce: ModuleType) -> None:
    logits, targets = _bce_point(5, seed=3300, n=7)
    expected = sce.sigmoid(logits) - targets
    grad = sce.grad_binary_cross_entropy_with_logits
    np.testing.assert_allclose(grad(logits, targets, reduction="sum"), expected, rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(grad(logits, targets, reduction="none"), expected, rtol=1e-15, atol=1e-16)
    # "mean" is PyTorch's: the mean over all N * k = 7 * 5 elements.
    np.testing.assert_allclose(grad(logits, targets), expected / 35, rtol=1e-15, atol=1e-17)
    losses = sce.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    mean = sce.binary_cross_entropy_with_logits(logits, targets)
    assert mean == pytest.approx(losses.sum() / 35, rel=1e-15)


def test_bce_logits_of_magnitude_1e4_in_float64_are_finite_and_match_mpmath(sce: ModuleType) -> None:
    rng = np.random.default_rng(3400)
    logits = rng.uniform(-1e4, 1e4, size=(6, 5))
    logits[0], logits[1] = 1e4, -1e4
    targets = rng.uniform(0, 1, size=(6, 5))
    targets[0, :2], targets[1, :2] = (1.0, 0.0), (0.0, 1.0)
    loss = sce.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    grad = sce.grad_binary_cross_entropy_with_logits(logits, targets, reduction="sum")
    assert np.isfinite(loss).all() and np.isfinite(grad).all()
    loss_ref, grad_ref = _mp_bce_loss_and_grad(logits, targets)
    np.testing.assert_allclose(loss, loss_ref, rtol=1e-14)
    np.testing.assert_allclose(grad, grad_ref, rtol=1e-14, atol=1e-16)
    assert np.isfinite(sce.log_sigmoid(logits)).all()
    np.testing.assert_array_equal(sce.sigmoid(np.array([1e4, -1e4])), [1.0, 0.0])
    np.testing.assert_array_equal(sce.log_sigmoid(np.array([1e4, -1e4])), [0.0, -1e4])


def test_sigmoid_and_log_sigmoid_match_mpmath_and_are_consistent(sce: ModuleType) -> None:
    z = np.linspace(-40, 40, 81)
    with mpmath.workdps(50):
        s_ref = np.array([float(1 / (1 + mpmath.exp(-mpmath.mpf(float(v))))) for v in z])
        log_ref = np.array([float(-mpmath.log(1 + mpmath.exp(-mpmath.mpf(float(v))))) for v in z])
    np.testing.assert_allclose(sce.sigmoid(z), s_ref, rtol=1e-15)
    np.testing.assert_allclose(sce.log_sigmoid(z), log_ref, rtol=1e-15)
    np.testing.assert_allclose(sce.sigmoid(z) + sce.sigmoid(-z), 1.0, rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_outputs_keep_the_input_dtype(sce: ModuleType, dtype: type) -> None:
    logits64, targets64 = _bce_point(6, seed=3500, n=5)
    logits = logits64.astype(dtype)
    assert sce.sigmoid(logits).dtype == dtype and sce.log_sigmoid(logits).dtype == dtype
    for targets in (targets64.astype(dtype), targets64):  # mixed precision targets keep the logits dtype
        for reduction in ("mean", "sum", "none"):
            loss = sce.binary_cross_entropy_with_logits(logits, targets, reduction)
            grad = sce.grad_binary_cross_entropy_with_logits(logits, targets, reduction)
            assert np.asarray(loss).dtype == dtype and grad.dtype == dtype and grad.shape == logits.shape


def test_bce_float32_logits_of_magnitude_80_are_finite_and_match_mpmath(sce: ModuleType) -> None:
    rng = np.random.default_rng(3600)
    logits = rng.uniform(-80, 80, size=(8, 6)).astype(np.float32)
    logits[0], logits[1] = 80.0, -80.0
    targets = rng.uniform(0, 1, size=(8, 6)).astype(np.float32)
    loss = sce.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    grad = sce.grad_binary_cross_entropy_with_logits(logits, targets, reduction="sum")
    assert np.isfinite(loss).all() and np.isfinite(grad).all()
    loss_ref, grad_ref = _mp_bce_loss_and_grad(logits.astype(np.float64), targets.astype(np.float64))
    assert _rel_err(loss, loss_ref) <= 1e-5
    assert _rel_err(grad, grad_ref) <= 1e-5


def test_bce_invalid_input_raises_value_error_naming_what_and_where(sce: ModuleType) -> None:
    bce, grad = sce.binary_cross_entropy_with_logits, sce.grad_binary_cross_entropy_with_logits
    logits, targets = _bce_point(3, seed=3700)
    with pytest.raises(ValueError, match=r"targets shape \(4,\) does not match logits shape \(4, 3\)"):
        bce(logits, np.array([0, 1, 2, 0]))
    bad = targets.copy()
    bad[2, 1] = 1.5
    with pytest.raises(ValueError, match=r"targets\[2, 1\] is 1.5: .* must be in \[0, 1\]"):
        grad(logits, bad)
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"targets\[2, 1\] is nan"):
        bce(logits, bad)
    for value in (np.nan, np.inf, -np.inf):
        z = logits.copy()
        z[1, 2] = value
        with pytest.raises(ValueError, match=r"logits\[1, 2\] is .*finite logits"):
            bce(z, targets)
    with pytest.raises(ValueError, match="complex"):
        grad(logits.astype(np.complex128), targets)
    with pytest.raises(ValueError, match="dtype int64"):
        bce(np.zeros((2, 2), dtype=np.int64), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="reduction must be one of"):
        bce(logits, targets, reduction="max")
    with pytest.raises(ValueError, match=r"logits\[0\] is nan"):
        sce.sigmoid(np.array([np.nan, 1.0]))


# --- Hessian of the softmax cross-entropy -------------------------------------------------------------

HESSIAN_KS = range(2, 7)


def _hessian_by_central_differences(sce: ModuleType, logits: Array, targets: Array, h: float = 1e-5) -> Array:
    """Column m of every row's Hessian from grad_logits (reduction "sum": the rows are independent)."""
    n, k = logits.shape
    hessian = np.empty((n, k, k))
    for m in range(k):
        plus = logits.copy()
        minus = logits.copy()
        plus[:, m] += h
        minus[:, m] -= h
        up = sce.grad_logits(plus, targets, reduction="sum")
        down = sce.grad_logits(minus, targets, reduction="sum")
        hessian[:, :, m] = (up - down) / (2 * h)
    return hessian


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
@pytest.mark.parametrize("k", HESSIAN_KS)
def test_hessian_matches_central_differences_of_grad_logits(sce: ModuleType, k: int, dense: bool) -> None:
    logits, targets = _point(k, seed=4000 + k, dense=dense)
    hessian = sce.hessian_logits(logits, targets)
    assert hessian.shape == (4, k, k)
    assert _rel_err(hessian, _hessian_by_central_differences(sce, logits, targets)) < 1e-8


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
def test_hessian_is_symmetric(sce: ModuleType, dense: bool) -> None:
    logits, targets = _point(7, seed=4100, n=5, dense=dense)
    hessian = sce.hessian_logits(logits, targets)
    np.testing.assert_array_equal(hessian, hessian.transpose(0, 2, 1))


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
def test_hessian_rows_sum_to_zero_when_targets_sum_to_one(sce: ModuleType, dense: bool) -> None:
    logits, targets = _point(6, seed=4200, n=5, dense=dense)
    if dense:
        targets = targets / targets.sum(axis=1, keepdims=True)
    hessian = sce.hessian_logits(logits, targets)
    np.testing.assert_allclose(hessian @ np.ones(6), 0.0, atol=1e-15)
    np.testing.assert_allclose(sce.hessian_vector_product(logits, targets, np.ones((5, 6))), 0.0, atol=1e-15)


@pytest.mark.parametrize("k", HESSIAN_KS)
def test_hessian_is_positive_semidefinite_for_nonnegative_targets(sce: ModuleType, k: int) -> None:
    logits, targets = _point(k, seed=4300 + k, n=6, dense=True, scale=5.0)
    targets[0] = 0.0  # a zero row gives the zero matrix
    eigenvalues = np.linalg.eigvalsh(sce.hessian_logits(logits, targets))
    assert eigenvalues.min() >= -1e-12
    np.testing.assert_array_equal(sce.hessian_logits(logits, targets)[0], 0.0)


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
@pytest.mark.parametrize("k", HESSIAN_KS)
def test_hessian_vector_product_equals_hessian_times_vector(sce: ModuleType, k: int, dense: bool) -> None:
    logits, targets = _point(k, seed=4400 + k, n=5, dense=dense)
    vectors = np.random.default_rng(4450 + k).standard_normal((5, k))
    expected = np.einsum("nij,nj->ni", sce.hessian_logits(logits, targets), vectors)
    got = sce.hessian_vector_product(logits, targets, vectors)
    assert got.shape == (5, k)
    assert _rel_err(got, expected) < 1e-14


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
@pytest.mark.parametrize("k", HESSIAN_KS)
def test_hessian_vector_product_matches_finite_differences_of_grad_logits_along_v(
    sce: ModuleType, k: int, dense: bool
) -> None:
    logits, targets = _point(k, seed=4500 + k, n=5, dense=dense)
    vectors = np.random.default_rng(4550 + k).standard_normal((5, k))
    h = 1e-5
    up = sce.grad_logits(logits + h * vectors, targets, reduction="sum")
    down = sce.grad_logits(logits - h * vectors, targets, reduction="sum")
    assert _rel_err(sce.hessian_vector_product(logits, targets, vectors), (up - down) / (2 * h)) < 1e-8


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
def test_hessian_and_hessian_vector_product_keep_float32(sce: ModuleType, dense: bool) -> None:
    logits, targets = _point(5, seed=4600, dense=dense)
    vectors = np.random.default_rng(4601).standard_normal(logits.shape)
    logits32 = logits.astype(np.float32)
    hessian = sce.hessian_logits(logits32, targets)
    product = sce.hessian_vector_product(logits32, targets, vectors.astype(np.float32))
    assert hessian.dtype == np.float32 and product.dtype == np.float32
    np.testing.assert_allclose(hessian, sce.hessian_logits(logits, targets), atol=1e-6)
    np.testing.assert_allclose(product, sce.hessian_vector_product(logits, targets, vectors), atol=1e-5)


def test_hessian_vector_product_with_bad_vectors_raises_value_error(sce: ModuleType) -> None:
    logits, labels = _point(4, seed=4700)
    with pytest.raises(ValueError, match=r"vectors shape \(4, 3\) does not match logits shape \(4, 4\)"):
        sce.hessian_vector_product(logits, labels, np.zeros((4, 3)))
    vectors = np.zeros((4, 4))
    vectors[1, 2] = np.inf
    with pytest.raises(ValueError, match=r"vectors\[1, 2\] is inf"):
        sce.hessian_vector_product(logits, labels, vectors)
    with pytest.raises(ValueError, match=r"targets\[0\] = 9 is out of range"):
        sce.hessian_logits(logits, np.array([9, 0, 0, 0]))


# --- label smoothing, temperature and weight decay ------------------------------------------------------

SMOOTHING_TEMPERATURE = [(0.1, 1.0), (0.0, 0.5), (0.0, 3.0), (0.25, 0.7)]
_ST_IDS = ["eps0.1", "T0.5", "T3", "eps0.25_T0.7"]


def _mp_smoothed_loss_and_grad(
    logits: Array, targets: Array, eps: float, temperature: float, dps: int = 50
) -> tuple[float, Array]:
    """Independent reference: t = (1 - eps) y + eps / k, z' = z / T.

    Summed loss sum_n sum_j t_j (lse' - z'_j); gradient with respect to the original z:
    (softmax(z') sum(t) - t) / T.
    """
    n, k = logits.shape
    y = _dense_targets(targets, k)
    with mpmath.workdps(dps):
        e, big_t = mpmath.mpf(eps), mpmath.mpf(temperature)
        total = mpmath.mpf(0)
        grad = np.empty((n, k))
        for r in range(n):
            z = [mpmath.mpf(float(v)) / big_t for v in logits[r]]
            t = [(1 - e) * mpmath.mpf(float(v)) + e / k for v in y[r]]
            top = max(z)
            sum_exp = mpmath.fsum(mpmath.exp(v - top) for v in z)
            lse = top + mpmath.log(sum_exp)
            t_sum = mpmath.fsum(t)
            total += mpmath.fsum(tj * (lse - zj) for tj, zj in zip(t, z, strict=True))
            for j in range(k):
                grad[r, j] = float((mpmath.exp(z[j] - top) / sum_exp * t_sum - t[j]) / big_t)
        return float(total), grad


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
@pytest.mark.parametrize(("eps", "temperature"), SMOOTHING_TEMPERATURE, ids=_ST_IDS)
@pytest.mark.parametrize("k", KS)
def test_smoothing_and_temperature_grad_matches_central_differences_and_complex_step(
    sce: ModuleType, k: int, eps: float, temperature: float, dense: bool
) -> None:
    logits, targets = _point(k, seed=5000 + k, dense=dense)
    options = {"label_smoothing": eps, "temperature": temperature}
    grad = sce.grad_logits(logits, targets, reduction="sum", **options)
    assert _rel_err(grad, _central_difference_grad(sce, logits, targets, **options)) < 1e-6
    assert _rel_err(grad, _complex_step_grad(sce, logits, targets, **options)) < 1e-13


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
@pytest.mark.parametrize(("eps", "temperature"), SMOOTHING_TEMPERATURE, ids=_ST_IDS)
@pytest.mark.parametrize("k", KS)
def test_smoothing_and_temperature_match_mpmath_at_50_digits_in_float64(
    sce: ModuleType, k: int, eps: float, temperature: float, dense: bool
) -> None:
    logits, targets = _point(k, seed=5100 + k, dense=dense)
    options = {"label_smoothing": eps, "temperature": temperature}
    loss_ref, grad_ref = _mp_smoothed_loss_and_grad(logits, targets, eps, temperature)
    assert _rel_err(sce.cross_entropy(logits, targets, reduction="sum", **options), loss_ref) <= 1e-13
    assert _rel_err(sce.grad_logits(logits, targets, reduction="sum", **options), grad_ref) <= 1e-13
    both = sce.loss_and_grad_logits(logits, targets, reduction="sum", **options)
    assert _rel_err(both.loss, loss_ref) <= 1e-13 and _rel_err(both.grad_logits, grad_ref) <= 1e-13


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
@pytest.mark.parametrize(("eps", "temperature"), SMOOTHING_TEMPERATURE, ids=_ST_IDS)
def test_smoothing_and_temperature_keep_float32_and_match_mpmath_within_1e_5(
    sce: ModuleType, eps: float, temperature: float, dense: bool
) -> None:
    logits64, targets = _point(6, seed=5200, n=5, dense=dense)
    logits = logits64.astype(np.float32)
    if dense:
        targets = targets.astype(np.float32)
    options = {"label_smoothing": eps, "temperature": temperature}
    loss_ref, grad_ref = _mp_smoothed_loss_and_grad(
        logits.astype(np.float64),
        np.asarray(targets, dtype=np.float64) if dense else targets,
        eps,
        temperature,
    )
    for reduction in ("mean", "sum", "none"):
        assert np.asarray(sce.cross_entropy(logits, targets, reduction, **options)).dtype == np.float32
        assert sce.grad_logits(logits, targets, reduction, **options).dtype == np.float32
        both = sce.loss_and_grad_logits(logits, targets, reduction, **options)
        assert np.asarray(both.loss).dtype == np.float32 and both.grad_logits.dtype == np.float32
    assert _rel_err(sce.cross_entropy(logits, targets, reduction="sum", **options), loss_ref) <= 1e-5
    assert _rel_err(sce.grad_logits(logits, targets, reduction="sum", **options), grad_ref) <= 1e-5


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("k", [2, 5, 10])
def test_smoothed_labels_equal_explicitly_smoothed_dense_targets(
    sce: ModuleType, k: int, reduction: str
) -> None:
    logits, labels = _point(k, seed=5300 + k, n=7)
    eps = 0.2
    smoothed = (1 - eps) * _one_hot(labels, k) + eps / k
    np.testing.assert_allclose(
        sce.cross_entropy(logits, labels, reduction, label_smoothing=eps),
        sce.cross_entropy(logits, smoothed, reduction),
        rtol=1e-14,
    )
    np.testing.assert_allclose(
        sce.grad_logits(logits, labels, reduction, label_smoothing=eps),
        sce.grad_logits(logits, smoothed, reduction),
        rtol=1e-13,
        atol=1e-16,
    )
    # the documented closed forms for labels
    a = sce.softmax(logits)
    rows = np.arange(7)
    lse = np.log(np.exp(logits).sum(axis=1))
    per_row = (1 - eps) * (lse - logits[rows, labels]) + eps * (lse - logits.mean(axis=1))
    np.testing.assert_allclose(
        sce.cross_entropy(logits, labels, "none", label_smoothing=eps), per_row, rtol=1e-14
    )
    expected = a - (1 - eps) * _one_hot(labels, k) - eps / k
    np.testing.assert_allclose(
        sce.grad_logits(logits, labels, "sum", label_smoothing=eps), expected, rtol=1e-13, atol=1e-16
    )


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
@pytest.mark.parametrize("temperature", [0.25, 2.0])
def test_temperature_gradient_is_the_gradient_at_z_over_t_times_one_over_t(
    sce: ModuleType, temperature: float, dense: bool
) -> None:
    logits, targets = _point(6, seed=5400, n=5, dense=dense)
    np.testing.assert_allclose(
        sce.cross_entropy(logits, targets, "none", temperature=temperature),
        sce.cross_entropy(logits / temperature, targets, "none"),
        rtol=1e-14,
    )
    np.testing.assert_allclose(
        sce.grad_logits(logits, targets, "sum", temperature=temperature),
        sce.grad_logits(logits / temperature, targets, "sum") / temperature,
        rtol=1e-13,
        atol=1e-16,
    )


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
def test_neutral_defaults_give_bit_identical_results_and_the_options_are_keyword_only(
    sce: ModuleType, dense: bool
) -> None:
    logits, targets = _point(7, seed=5500, n=9, dense=dense)
    neutral = {"label_smoothing": 0.0, "temperature": 1.0}
    for reduction in ("mean", "sum", "none"):
        np.testing.assert_array_equal(
            sce.cross_entropy(logits, targets, reduction, **neutral),
            sce.cross_entropy(logits, targets, reduction),
        )
        np.testing.assert_array_equal(
            sce.grad_logits(logits, targets, reduction, **neutral),
            sce.grad_logits(logits, targets, reduction),
        )
    rng = np.random.default_rng(5501)
    inputs, weights, bias = rng.standard_normal((9, 3)), rng.standard_normal((3, 7)), rng.standard_normal(7)
    plain = sce.loss_and_grads(inputs, weights, bias, targets)
    same = sce.loss_and_grads(inputs, weights, bias, targets, **neutral, weight_decay=0.0)
    for got, expected in zip(same, plain, strict=True):
        np.testing.assert_array_equal(got, expected)
    with pytest.raises(TypeError):
        sce.cross_entropy(logits, targets, "mean", 0.1)
    with pytest.raises(TypeError):
        sce.loss_and_grads(inputs, weights, bias, targets, "mean", 0.0, 1.0, 0.1)


def _affine_point(k: int, seed: int, n: int = 5, d: int = 3, dense: bool = False) -> tuple[Array, ...]:
    rng = np.random.default_rng(seed)
    inputs, weights, bias = rng.standard_normal((n, d)), rng.standard_normal((d, k)), rng.standard_normal(k)
    targets = rng.uniform(0.0, 1.0, size=(n, k)) if dense else rng.integers(0, k, size=n)
    return inputs, weights, bias, targets


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
@pytest.mark.parametrize("k", [2, 5, 10])
def test_loss_and_grads_with_all_options_match_complex_step_and_central_differences(
    sce: ModuleType, k: int, dense: bool, reduction: str
) -> None:
    inputs, weights, bias, targets = _affine_point(k, seed=5600 + k, dense=dense)
    eps, temperature, lam = 0.15, 0.8, 0.3

    def loss(x: Array, w: Array, b: Array) -> complex:
        data = sce.cross_entropy(x @ w + b, targets, reduction, label_smoothing=eps, temperature=temperature)
        return complex(data) + lam / 2 * complex(np.sum(w * w))  # w * w, not |w|^2: analytic in w

    result = sce.loss_and_grads(
        inputs,
        weights,
        bias,
        targets,
        reduction,
        label_smoothing=eps,
        temperature=temperature,
        weight_decay=lam,
    )
    assert _rel_err(result.loss, loss(inputs, weights, bias).real) <= 1e-13
    h = 1e-6
    for which, got in enumerate((result.grad_inputs, result.grad_weights, result.grad_bias)):
        shape = got.shape
        step, central = np.empty(shape), np.empty(shape)
        for index in np.ndindex(*shape):
            args = [inputs.astype(complex), weights.astype(complex), bias.astype(complex)]
            args[which][index] += 1j * H_COMPLEX
            step[index] = loss(*args).imag / H_COMPLEX
            plus = [inputs.copy(), weights.copy(), bias.copy()]
            minus = [inputs.copy(), weights.copy(), bias.copy()]
            plus[which][index] += h
            minus[which][index] -= h
            central[index] = (loss(*plus).real - loss(*minus).real) / (2 * h)
        assert _rel_err(got, step) <= 1e-13
        assert _rel_err(got, central) < 1e-6


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("n", [1, 4, 16])
def test_weight_decay_penalty_is_added_once_per_batch_not_per_example(
    sce: ModuleType, n: int, reduction: str
) -> None:
    inputs, weights, bias, labels = _affine_point(6, seed=5700 + n, n=n)
    lam = 0.7
    plain = sce.loss_and_grads(inputs, weights, bias, labels, reduction)
    decayed = sce.loss_and_grads(inputs, weights, bias, labels, reduction, weight_decay=lam)
    assert decayed.loss - plain.loss == pytest.approx(lam / 2 * np.sum(weights**2), rel=1e-13)
    np.testing.assert_allclose(
        decayed.grad_weights - plain.grad_weights, lam * weights, rtol=1e-13, atol=1e-15
    )
    np.testing.assert_array_equal(decayed.grad_bias, plain.grad_bias)
    np.testing.assert_array_equal(decayed.grad_inputs, plain.grad_inputs)


def test_weight_decay_matches_mpmath_at_50_digits(sce: ModuleType) -> None:
    inputs, weights, bias, labels = _affine_point(5, seed=5800, n=6, d=4)
    lam = 0.45
    result = sce.loss_and_grads(inputs, weights, bias, labels, "sum", weight_decay=lam)
    logits = inputs @ weights + bias
    loss_ref, grad_logits_ref = _mp_loss_and_grad(logits, labels)
    with mpmath.workdps(50):
        penalty = mpmath.mpf(lam) / 2 * mpmath.fsum(mpmath.mpf(float(v)) ** 2 for v in weights.ravel())
        loss_ref = float(mpmath.mpf(loss_ref) + penalty)
    assert _rel_err(result.loss, loss_ref) <= 1e-13
    assert _rel_err(result.grad_weights, inputs.T @ grad_logits_ref + lam * weights) <= 1e-13


@pytest.mark.parametrize("dense", [False, True], ids=["labels", "dense"])
def test_loss_and_grads_with_options_keep_float32(sce: ModuleType, dense: bool) -> None:
    inputs, weights, bias, targets = (
        np.asarray(v).astype(np.float32) if i < 3 or dense else v
        for i, v in enumerate(_affine_point(4, seed=5900, dense=dense))
    )
    options = {"label_smoothing": 0.1, "temperature": 1.5, "weight_decay": 0.2}
    for reduction in ("mean", "sum"):
        result = sce.loss_and_grads(inputs, weights, bias, targets, reduction, **options)
        assert np.asarray(result.loss).dtype == np.float32
        assert result.grad_weights.dtype == result.grad_bias.dtype == result.grad_inputs.dtype == np.float32
        reference = sce.loss_and_grads(
            *(np.asarray(v, dtype=np.float64) for v in (inputs, weights, bias)), targets, reduction, **options
        )
        assert _rel_err(result.loss, reference.loss) <= 1e-5
        assert _rel_err(result.grad_weights, reference.grad_weights) <= 1e-5


def test_bad_smoothing_temperature_or_weight_decay_raises_value_error_naming_the_parameter(
    sce: ModuleType,
) -> None:
    logits, labels = _point(4, seed=6000)
    inputs, weights, bias, _ = _affine_point(4, seed=6001, n=4)
    calls = (sce.cross_entropy, sce.grad_logits, sce.loss_and_grad_logits)
    for eps in (-0.1, 1.0, 1.5, np.nan):
        for call in calls:
            with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\)"):
                call(logits, labels, label_smoothing=eps)
        with pytest.raises(ValueError, match="label_smoothing"):
            sce.loss_and_grads(inputs, weights, bias, labels, label_smoothing=eps)
    for temperature in (0.0, -1.0, np.inf, np.nan):
        for call in calls:
            with pytest.raises(ValueError, match="temperature must be positive and finite"):
                call(logits, labels, temperature=temperature)
        with pytest.raises(ValueError, match="temperature"):
            sce.loss_and_grads(inputs, weights, bias, labels, temperature=temperature)
    for lam in (-0.5, np.inf, np.nan):
        with pytest.raises(ValueError, match="weight_decay must be nonnegative and finite"):
            sce.loss_and_grads(inputs, weights, bias, labels, weight_decay=lam)
    with pytest.raises(ValueError, match="weight_decay must be 0 with reduction='none'"):
        sce.loss_and_grads(inputs, weights, bias, labels, "none", weight_decay=0.1)
    assert sce.loss_and_grads(inputs, weights, bias, labels, "none", weight_decay=0.0).loss.shape == (4,)


# --- the emitted source -------------------------------------------------------------------------------


def _source() -> str:
    if not MODULE_PATH.exists():
        pytest.skip("the reference module has not been emitted")
    return MODULE_PATH.read_text(encoding="utf-8")


def test_emitted_module_passes_ruff_check(tmp_path: Path) -> None:
    if importlib.util.find_spec("ruff") is None and shutil.which("ruff") is None:
        pytest.skip("ruff is not installed")
    command = (
        [sys.executable, "-m", "ruff"] if importlib.util.find_spec("ruff") else [str(shutil.which("ruff"))]
    )
    copy = tmp_path / "softmax_cross_entropy.py"  # outside output/, which the project config excludes
    copy.write_text(_source(), encoding="utf-8")
    result = subprocess.run(
        [*command, "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_emitted_module_has_no_absolute_paths_dates_or_versions() -> None:
    source = _source()
    assert not re.search(r"(?<![\w.])/(?:home|root|tmp|work|usr|opt|Users|var)/", source)
    assert not re.search(r"[A-Za-z]:\\", source)
    assert not re.search(r"\b(?:19|20)\d\d-\d\d-\d\d\b", source)
    assert not re.search(r"\b\d+\.\d+\.\d+\b", source)
    assert "__version__" not in source and not re.search(r"(?i)\bversion\b", source)


def test_emitted_module_imports_only_numpy_and_the_standard_library() -> None:
    tree = ast.parse(_source())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    assert roots - {"numpy"} <= set(sys.stdlib_module_names), roots


def test_emitted_module_docstring_shows_the_derivation_and_its_origin(sce: ModuleType) -> None:
    doc = sce.__doc__ or ""
    assert "Generated by ``derive`` from the checked derivation" in doc
    assert "H(z, y)" in doc and "Derivative(H, z[i])" in doc and "Derivative(H, W[i, j])" in doc
    assert "a[i] - y[i]" in doc  # the assumed form, printed from the derivation


# --- benchmark smoke test -------------------------------------------------------------------------------


def test_quick_benchmark_writes_table_json_and_markdown(tmp_path: Path) -> None:
    if not MODULE_PATH.exists():
        pytest.skip("the reference module has not been emitted")
    from derive.bench import run_benchmark

    table = run_benchmark(MODULE_PATH, tmp_path, quick=True, peers=False)
    for size in ("64 × 10", "256 × 100"):
        for dtype in ("float32", "float64"):
            for targets in ("labels", "dense"):
                assert re.search(rf"\| {size} \| {dtype} \| {targets} \|", table), (size, dtype, targets)
    assert "8192 × 1000" not in table and "65536 × 100" not in table  # quick: tiny sizes only
    assert "loss_and_grads" in table
    for dtype in ("float32", "float64"):
        assert re.search(rf"\| BCE 64 × 10 \| {dtype} \| multi-label \|", table), dtype
        assert re.search(rf"\| HVP 64 × 10 \| {dtype} \| labels \|", table), dtype
    assert "BCE 65536 × 100" not in table and "HVP 4096 × 100" not in table
    assert (tmp_path / "benchmark.md").read_text(encoding="utf-8") == table
    assert (tmp_path / "benchmark.json").exists()
    if importlib.util.find_spec("matplotlib") is not None:
        assert (tmp_path / "benchmark.png").stat().st_size > 0
    else:
        assert "matplotlib is not installed" in table
