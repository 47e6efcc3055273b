"""The emitted module at its edges: the inputs it refuses, PyTorch's BCE reductions, and the blocked kernel.

Regression tests of issue 9 (items 16 and 17) and of the block-shifted kernel of issue 10, against
``output/softmax_cross_entropy.py`` loaded by path, like ``test_reference_module.py``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULE_PATH = ROOT / "output" / "softmax_cross_entropy.py"

Array = npt.NDArray[Any]


@pytest.fixture(scope="module")
def sce() -> ModuleType:
    spec = importlib.util.spec_from_file_location("emitted_softmax_cross_entropy_inputs", MODULE_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _per_row_reference(logits: Array, labels: Array) -> tuple[Array, Array]:
    """Row by row, each row shifted by its own maximum, in float64 (the textbook stable form)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_sum_exp = np.log(np.exp(shifted).sum(axis=1))
    rows = np.arange(len(labels))
    losses = log_sum_exp - shifted[rows, labels]
    grad = np.exp(shifted - log_sum_exp[:, None])
    grad[rows, labels] -= 1
    return losses, grad


# --- item 16: dtypes, axes, parameters and arrays the module refuses with a clear ValueError -------------


@pytest.mark.parametrize("dtype", [np.float16, np.longdouble])
def test_float16_and_float128_logits_are_refused_naming_the_dtype(sce: ModuleType, dtype: type) -> None:
    if np.dtype(dtype) == np.float64:
        pytest.skip("longdouble is float64 on this platform")
    logits = np.zeros((2, 3), dtype=dtype)
    for call in (sce.cross_entropy, sce.grad_logits, sce.loss_and_grad_logits):
        with pytest.raises(ValueError, match=rf"float32 or float64.*{np.dtype(dtype)}"):
            call(logits, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"float32 or float64"):
        sce.softmax(logits)
    with pytest.raises(ValueError, match=r"float32 or float64"):
        sce.binary_cross_entropy_with_logits(logits, np.zeros((2, 3)))


def test_float16_logits_no_longer_overflow_silently_to_an_infinite_loss(sce: ModuleType) -> None:
    # k = 70,000 zeros: the true loss is log(70000) = 11.16; summing in float16 gave inf.
    with pytest.raises(ValueError, match="float16"):
        sce.cross_entropy(np.zeros((1, 70_000), dtype=np.float16), np.array([0]))
    loss = sce.cross_entropy(np.zeros((1, 70_000), dtype=np.float32), np.array([0]))
    assert loss == pytest.approx(np.log(70_000), rel=1e-6)


@pytest.mark.parametrize("axis", [5, -4, 3])
def test_softmax_axis_out_of_range_is_a_value_error(sce: ModuleType, axis: int) -> None:
    logits = np.zeros((2, 3, 4))
    for call in (sce.softmax, sce.log_softmax):
        with pytest.raises(ValueError, match=rf"axis {axis} is out of range.*3 dimensions"):
            call(logits, axis=axis)


def test_softmax_axis_that_is_not_an_integer_is_a_value_error(sce: ModuleType) -> None:
    with pytest.raises(ValueError, match="axis must be an integer"):
        sce.softmax(np.zeros((2, 3)), axis=1.0)


@pytest.mark.parametrize("name", ["label_smoothing", "temperature"])
@pytest.mark.parametrize("value", ["0.1", None, True, np.array([0.1])])
def test_parameters_that_are_not_real_numbers_are_value_errors(
    sce: ModuleType, name: str, value: object
) -> None:
    with pytest.raises(ValueError, match=rf"{name} must be a real number"):
        sce.cross_entropy(np.zeros((2, 3)), np.array([0, 1]), **{name: value})


def test_weight_decay_that_is_not_a_real_number_is_a_value_error(sce: ModuleType) -> None:
    inputs, weights, bias = np.ones((2, 2)), np.ones((2, 3)), np.zeros(3)
    with pytest.raises(ValueError, match="weight_decay must be a real number"):
        sce.loss_and_grads(inputs, weights, bias, np.array([0, 1]), weight_decay="0.1")


@pytest.mark.parametrize("temperature", [1e-320, 5e-324])
def test_a_temperature_whose_reciprocal_overflows_is_a_value_error(
    sce: ModuleType, temperature: float
) -> None:
    with pytest.raises(ValueError, match="temperature must be positive and finite, and at least"):
        sce.grad_logits(np.zeros((2, 3)), np.array([0, 1]), temperature=temperature)


def test_masked_arrays_are_refused_instead_of_losing_their_mask(sce: ModuleType) -> None:
    logits = np.ma.masked_array(np.zeros((2, 3)), mask=[[0, 1, 0], [0, 0, 0]])
    with pytest.raises(ValueError, match=r"logits is a masked array.*-inf"):
        sce.cross_entropy(logits, np.array([0, 1]))
    with pytest.raises(ValueError, match="targets is a masked array"):
        sce.cross_entropy(np.zeros((2, 3)), np.ma.masked_array(np.array([0, 1]), mask=[1, 0]))
    with pytest.raises(ValueError, match="logits is a masked array"):
        sce.softmax(logits)
    with pytest.raises(ValueError, match="targets is a masked array"):
        sce.binary_cross_entropy_with_logits(np.zeros((2, 3)), np.ma.masked_array(np.zeros((2, 3))))


def test_dense_integer_targets_too_large_for_the_dtype_are_value_errors(sce: ModuleType) -> None:
    targets = np.zeros((2, 3), dtype=np.int64)
    targets[1, 2] = 2**62
    with pytest.raises(ValueError, match=r"targets\[1, 2\] = 4611686018427387904 is not exactly"):
        sce.cross_entropy(np.zeros((2, 3)), targets)
    small = np.array([[0, 1, 0], [2, 0, 0]], dtype=np.int64)
    np.testing.assert_array_equal(
        sce.grad_logits(np.zeros((2, 3), dtype=np.float32), small),
        sce.grad_logits(np.zeros((2, 3), dtype=np.float32), small.astype(np.float32)),
    )


# --- item 17: binary cross-entropy reduces as PyTorch does ------------------------------------------------


def test_bce_mean_is_the_mean_over_all_elements_as_in_pytorch(sce: ModuleType) -> None:
    rng = np.random.default_rng(17)
    logits, targets = rng.standard_normal((4, 5)), rng.uniform(0, 1, size=(4, 5))
    elementwise = np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))
    mean = sce.binary_cross_entropy_with_logits(logits, targets)
    assert mean == pytest.approx(elementwise.mean(), rel=1e-14)
    expected = (1 / (1 + np.exp(-logits)) - targets) / logits.size
    grad = sce.grad_binary_cross_entropy_with_logits(logits, targets)
    np.testing.assert_allclose(grad, expected, rtol=1e-13)


def test_bce_of_an_empty_batch_sums_to_zero_and_its_mean_is_nan(sce: ModuleType) -> None:
    empty = np.zeros((0, 4), dtype=np.float32)
    total = sce.binary_cross_entropy_with_logits(empty, empty, reduction="sum")
    assert total == 0 and total.dtype == np.float32
    assert np.isnan(sce.binary_cross_entropy_with_logits(empty, empty))
    assert sce.binary_cross_entropy_with_logits(empty, empty, reduction="none").shape == (0,)
    assert sce.grad_binary_cross_entropy_with_logits(empty, empty, reduction="sum").shape == (0, 4)


# --- the blocked kernel -----------------------------------------------------------------------------------


def test_rows_far_below_their_block_maximum_match_a_row_by_row_shift(sce: ModuleType) -> None:
    # One block holds rows at 0, at -500 (their exponentials underflow under the block's shift, so they
    # are redone with their own maximum) and at +500 (the block is then shifted by its maximum).
    rng = np.random.default_rng(1010)
    logits = rng.standard_normal((30, 8))
    logits[::3] -= 500.0
    logits[1::3] += 500.0
    labels = rng.integers(0, 8, size=30)
    losses, grad = _per_row_reference(logits, labels)
    np.testing.assert_allclose(sce.cross_entropy(logits, labels, "none"), losses, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sce.grad_logits(logits, labels, "sum"), grad, rtol=1e-12, atol=1e-15)


def test_unshifted_blocks_neither_change_the_input_nor_lose_accuracy(sce: ModuleType) -> None:
    rng = np.random.default_rng(1011)
    logits = rng.uniform(-16, 16, size=(50, 6))
    logits[7] = -60.0 + rng.standard_normal(6)  # redone with its own maximum
    before = logits.copy()
    labels = rng.integers(0, 6, size=50)
    loss, grad = sce.loss_and_grad_logits(logits, labels, "none")
    np.testing.assert_array_equal(logits, before)
    losses, expected = _per_row_reference(logits, labels)
    np.testing.assert_allclose(loss, losses, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-15)


def test_loss_and_grads_overwriting_its_logits_in_place_stays_exact(sce: ModuleType) -> None:
    rng = np.random.default_rng(1012)
    inputs, weights, bias = rng.standard_normal((40, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5)
    labels = rng.integers(0, 5, size=40)
    result = sce.loss_and_grads(inputs, weights, bias, labels)
    loss, grad_logits = sce.loss_and_grad_logits(inputs @ weights + bias, labels)
    assert result.loss == pytest.approx(loss, rel=1e-14)
    np.testing.assert_allclose(result.grad_bias, grad_logits.sum(axis=0), rtol=1e-12, atol=1e-15)


def test_many_blocks_of_float32_dense_targets_match_float64(sce: ModuleType) -> None:
    rng = np.random.default_rng(1013)
    logits = rng.standard_normal((3000, 300))
    targets = rng.uniform(0, 1, size=(3000, 300))
    loss64, grad64 = sce.loss_and_grad_logits(logits, targets)
    loss32, grad32 = sce.loss_and_grad_logits(logits.astype(np.float32), targets.astype(np.float32))
    assert loss32.dtype == np.float32 and grad32.dtype == np.float32
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    np.testing.assert_allclose(grad32, grad64, rtol=1e-4, atol=1e-9)
