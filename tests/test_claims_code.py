"""The code reader: Python/NumPy and other languages read (never run) into index-form claim IR.

Each lowering is checked twice: at IR level (the shape of the expression, in a compact text form) and
numerically (the IR evaluated by a test-only NumPy interpreter at random inputs agrees with running our own
snippet; only test snippets written here are ever run, never corpus or claim text).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pytest
from code_ir_eval import evaluate, sizes_of, stem
from hypothesis import given
from hypothesis import strategies as st

from derive.claims.ast import KroneckerDelta, Max, Size, Sum, Symbol, Undefined
from derive.claims.code import CodeReading, detect_code, read_code
from derive.claims.code_coverage import plain
from derive.claims.run import check_claim
from derive.claims.verdict import CheckOptions
from derive.errors import DeriveError, ParseError

RNG_SEED = 20260607


def value_text(reading: CodeReading, name: str | None = None) -> str:
    value = reading.values[name or reading.result or ""]
    return f"{list(value.axes)} {plain(value.node)}"


def run_snippet(source: str, function: str, inputs: Mapping[str, object]) -> np.ndarray:
    """Run one of OUR test snippets (never corpus text) with NumPy."""
    namespace: dict[str, object] = {"np": np}
    exec(compile(textwrap.dedent(source), "<test snippet>", "exec"), namespace)  # noqa: S102 - our own snippet
    callable_ = namespace[function]
    accepted = inspect.signature(callable_).parameters  # type: ignore[arg-type]
    result = callable_(**{k: v for k, v in inputs.items() if k in accepted})  # type: ignore[operator]
    return np.asarray(result, dtype=float)


def assert_reads_like_numpy(
    source: str,
    function: str,
    make_inputs: Callable[[np.random.Generator], dict[str, object]],
    value: str | None = None,
    syntax: str = "python",
    language: str | None = None,
    reference: str | None = None,
) -> CodeReading:
    """The reading of ``source`` evaluated entry by entry equals the snippet run by NumPy (3 random draws).

    For another language, ``reference`` is the same computation written in Python.
    """
    reading = read_code(textwrap.dedent(source), syntax, language)  # type: ignore[arg-type]
    name = value or reading.result
    assert name is not None
    rng = np.random.default_rng(RNG_SEED)
    for _ in range(3):
        inputs = make_inputs(rng)
        expected = run_snippet(reference or source, function, inputs)
        sizes = sizes_of(reading, inputs)
        for axis, length in zip(reading.values[name].axes, expected.shape, strict=False):
            sizes.setdefault(stem(axis), length)
        got = evaluate(reading.values[name], inputs, sizes)
        assert got.shape == expected.shape, f"{got.shape} != {expected.shape}: {value_text(reading, name)}"
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, err_msg=value_text(reading, name))
    return reading


def logits_and_labels(n: int = 4, k: int = 3) -> Callable[[np.random.Generator], dict[str, object]]:
    def make(rng: np.random.Generator) -> dict[str, object]:
        return {"x": rng.normal(size=(n, k)), "y": rng.integers(0, k, size=n)}

    return make


# --------------------------------------------------------------------------------------------------------
# Python/NumPy lowerings, one idea per test
# --------------------------------------------------------------------------------------------------------


def test_exp_of_an_input_is_exp_of_its_entry() -> None:
    reading = read_code("def f(x):\n    return np.exp(x)\n")
    assert value_text(reading) == "['i'] exp(x[i])"


def test_row_max_shift_is_a_max_over_the_row_index() -> None:
    source = """
    def f(x):
        return x - np.max(x, axis=1, keepdims=True)
    """
    reading = assert_reads_like_numpy(source, "f", logits_and_labels())
    node = reading.values["f"].node
    assert any(isinstance(n, Max) for n in _walk(node))
    assert value_text(reading) == "['i', 'j'] x[i, j] - max_j2(x[i, j2])"


def test_softmax_over_rows_divides_by_the_row_sum() -> None:
    source = """
    def f(x):
        e = np.exp(x - np.max(x, axis=1, keepdims=True))
        return e / np.sum(e, axis=1, keepdims=True)
    """
    assert_reads_like_numpy(source, "f", logits_and_labels())


def test_an_entry_at_the_label_is_a_sum_with_a_kronecker_delta() -> None:
    source = """
    def f(probs, y):
        N = probs.shape[0]
        return probs[range(N), y]
    """
    reading = read_code(textwrap.dedent(source))
    assert value_text(reading) == "['i'] sum_j(probs[i, j] * delta(j, y[i]))"
    assert reading.class_labels == frozenset({"y"})
    assert_reads_like_numpy(
        source, "f", lambda rng: {"probs": rng.random((5, 3)), "y": rng.integers(0, 3, size=5)}
    )


def test_subtracting_one_at_the_labels_subtracts_a_kronecker_delta() -> None:
    source = """
    def f(x, y):
        N = x.shape[0]
        dx = x.copy()
        dx[np.arange(N), y] -= 1
        dx /= N
        return dx
    """
    reading = assert_reads_like_numpy(source, "f", logits_and_labels())
    assert value_text(reading) == "['i', 'j'] (x[i, j] - delta(j, y[i])) / size(i)"


def test_ones_assigned_at_the_labels_of_zeros_are_a_kronecker_delta() -> None:
    source = """
    def f(x, y):
        t = np.zeros_like(x)
        t[range(x.shape[0]), y] = 1
        return t
    """
    reading = assert_reads_like_numpy(source, "f", logits_and_labels())
    assert value_text(reading) == "['i', 'j'] delta(j, y[i])"


def test_a_value_assigned_at_the_labels_of_an_array_is_a_case_split() -> None:
    source = """
    def f(x, y):
        d = x * 2.0
        d[np.arange(x.shape[0]), y] = x[np.arange(x.shape[0]), y] - 1
        return d
    """
    reading = assert_reads_like_numpy(source, "f", logits_and_labels())
    assert value_text(reading).startswith("['i', 'j'] {")


def test_sizes_are_size_nodes() -> None:
    reading = read_code("def f(x):\n    n = x.shape[0]\n    m = len(x)\n    return x / n / m\n")
    assert reading.values["n"].node == Size("i")
    assert reading.values["m"].node == Size("i")


def test_a_mean_over_all_entries_divides_by_every_size() -> None:
    source = """
    def f(V):
        return np.mean(V * V)
    """
    reading = assert_reads_like_numpy(source, "f", lambda rng: {"V": rng.normal(size=(3, 4))}, value="f")
    assert value_text(reading, "f") == "[] sum_i(sum_j(V[i, j] * V[i, j])) / (size(i) * size(j))"


def test_matrix_products_sum_over_the_shared_axis() -> None:
    source = """
    def f(X, D, A, B):
        return X.T @ D + np.dot(X.T, D) + A @ B
    """
    reading = assert_reads_like_numpy(
        source,
        "f",
        lambda rng: {
            "X": rng.normal(size=(5, 3)),
            "D": rng.normal(size=(5, 2)),
            "A": rng.normal(size=(3, 4)),
            "B": rng.normal(size=(4, 2)),
        },
    )
    assert isinstance(reading.values["f"].node.terms[0], Sum)  # type: ignore[union-attr]


def test_softmax_jacobian_from_diagflat_and_outer_product() -> None:
    source = """
    def f(s):
        c = s.reshape(-1, 1)
        return np.diagflat(c) - np.dot(c, c.T)
    """
    reading = assert_reads_like_numpy(source, "f", lambda rng: {"s": rng.random(4)})
    assert value_text(reading) == "['i', 'i2'] s[i] * delta(i, i2) - s[i] * s[i2]"


def test_outer_and_diag() -> None:
    source = """
    def f(s):
        return np.outer(s, s) + np.diag(s)
    """
    assert_reads_like_numpy(source, "f", lambda rng: {"s": rng.random(3)})


def test_powers_and_logs_are_element_wise() -> None:
    source = """
    def f(p, y):
        return -(y * np.log(p) + (1 - y) * np.log(1 - p)) + np.power(1 - p, 2) + p ** 3
    """
    assert_reads_like_numpy(source, "f", lambda rng: {"p": rng.uniform(0.1, 0.9, 5), "y": rng.random(5)})


def test_keepdims_false_reshape_and_squeeze_broadcast_like_numpy() -> None:
    source = """
    def f(x):
        m = np.max(x, axis=1).reshape(-1, 1)
        s = np.sum(np.exp(x - m), axis=1, keepdims=True).squeeze()
        return np.log(s)
    """
    assert_reads_like_numpy(source, "f", logits_and_labels())


def test_a_loop_filling_a_jacobian_with_an_index_condition_gives_cases() -> None:
    source = """
    def f(s):
        n = len(s)
        jac = np.zeros((n, n))
        for i in range(n):
            for j in range(n):
                if i != j:
                    jac[i][j] = -s[i] * s[j]
                else:
                    jac[i][j] = s[i] * (1 - s[i])
        return jac
    """
    reading = assert_reads_like_numpy(source, "f", lambda rng: {"s": rng.random(4)})
    assert value_text(reading) == ("['i', 'i2'] {-(s[i] * s[i2]) if i != i2; s[i] * (1 - s[i]) otherwise}")


def test_a_loop_accumulating_over_examples_sums_over_them() -> None:
    source = """
    def f(X, W, y):
        N = X.shape[0]
        dW = np.zeros_like(W)
        loss = 0.0
        for i in range(N):
            scores = X[i].dot(W)
            p = np.exp(scores) / np.sum(np.exp(scores))
            loss -= np.log(p[y[i]])
            for j in range(W.shape[1]):
                if j == y[i]:
                    dW[:, j] += (p[j] - 1) * X[i]
                else:
                    dW[:, j] += p[j] * X[i]
        return dW / N
    """
    reading = assert_reads_like_numpy(
        source,
        "f",
        lambda rng: {"X": rng.normal(size=(4, 3)), "W": rng.normal(size=(3, 2)), "y": rng.integers(0, 2, 4)},
    )
    assert reading.inputs == {"X": 2, "W": 2, "y": 1}


def test_the_loop_and_the_vectorized_gradients_agree() -> None:
    vectorized = """
    def f(X, W, y):
        N = X.shape[0]
        scores = X.dot(W)
        probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
        probs[np.arange(N), y] -= 1
        return X.T.dot(probs) / N
    """
    assert_reads_like_numpy(
        vectorized,
        "f",
        lambda rng: {"X": rng.normal(size=(4, 3)), "W": rng.normal(size=(3, 2)), "y": rng.integers(0, 2, 4)},
    )


def test_a_class_reads_attributes_across_methods() -> None:
    source = """
    class Loss:
        def forward(self, x, t):
            e = np.exp(x)
            self.p = e / e.sum(axis=1, keepdims=True)
            self.t = t
            return -np.mean(np.sum(t * np.log(self.p), axis=1))

        def backward(self):
            return (self.p - self.t) / self.p.shape[0]
    """
    reading = read_code(textwrap.dedent(source))
    assert (reading.result, reading.loss) == ("backward", "forward")
    assert reading.result_reason == "function backward returns it"
    reference = """
    def backward(x, t):
        p = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
        return (p - t) / x.shape[0]
    """
    rng = np.random.default_rng(RNG_SEED)
    inputs = {"x": rng.normal(size=(3, 4)), "t": rng.random((3, 4))}
    expected = run_snippet(reference, "backward", inputs)
    got = evaluate(reading.values["backward"], inputs, sizes_of(reading, inputs))
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_einsum_sums_over_the_letters_not_in_the_output() -> None:
    source = """
    def f(a, b):
        return np.einsum('ij,ik->ijk', a, b)
    """
    assert_reads_like_numpy(
        source, "f", lambda rng: {"a": rng.normal(size=(2, 3)), "b": rng.normal(size=(2, 4))}
    )


def test_a_guard_that_changes_nothing_is_read_away() -> None:
    source = """
    def f(x, scale):
        y = x * 1.0
        if scale != 1.0:
            y *= scale
        return y
    """
    reading = read_code(textwrap.dedent(source))
    assert value_text(reading) == "['i'] x[i] * scale"
    assert any("does not change the values" in note for note in reading.notes)


# --------------------------------------------------------------------------------------------------------
# Inference of the result and the loss, and what the reading reports
# --------------------------------------------------------------------------------------------------------


def test_a_gradient_name_marks_the_result() -> None:
    reading = read_code("dscores = probs\ndscores[range(N), y] -= 1\ndscores /= N\n")
    assert reading.result == "dscores"
    assert reading.result_reason == "dscores names a gradient"
    assert value_text(reading) == "['i', 'j'] (probs[i, j] - delta(j, y[i])) / size(i)"
    assert any("N is read as the size" in note for note in reading.notes)


def test_a_returned_expression_is_named_after_the_value_it_is_built_on() -> None:
    source = """
    def f(x, y):
        p = np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)
        m = len(y)
        dx = p.copy()
        dx[range(m), y] -= 1
        loss = -np.sum(np.log(p[range(m), y])) / m
        return loss, dx / m
    """
    reading = read_code(textwrap.dedent(source))
    assert (reading.result, reading.loss) == ("dx", "loss")
    assert value_text(reading).endswith("/ size(i)")


def test_a_bare_expression_is_a_value() -> None:
    reading = read_code("(out_grad - sum(out_grad) * softmax(x))", "python")
    assert reading.result == "line 1"
    assert (
        value_text(reading) == "['i'] out_grad[i] - sum_i2(out_grad[i2]) * (exp(x[i]) / sum_i3(exp(x[i3])))"
    )


def test_a_numpy_default_rank_is_reported() -> None:
    reading = read_code("def f(z, y):\n    return z - y\n")
    assert "z: 1 axis assumed (the code does not fix it)" in reading.notes


def test_names_of_numbers_are_numbers() -> None:
    reading = read_code("def f(x, alpha, gamma):\n    return alpha * x ** gamma\n")
    assert reading.inputs == {"x": 1, "alpha": 0, "gamma": 0}


def test_index_names_avoid_reserved_letters_and_the_text_names() -> None:
    reading = read_code("def f(i, x):\n    return x * i\n")
    assert "i" not in reading.values["f"].axes
    for letter in "kdNcenmlr":
        assert letter not in reading.values["f"].axes


# --------------------------------------------------------------------------------------------------------
# Other languages (one grammar); each checked against the same computation written in Python
# --------------------------------------------------------------------------------------------------------


MATLAB_SOFTMAX_DIFF = """
function [dz, J] = softmax_diff(z, y)
    n = numel(y);
    p = softmax(z);
    Y = full(sparse(y, 1:n, 1));
    J = -mean(log(p(sub2ind(size(p), y, 1:n))));
    dz = (p - Y) / size(p, 2);
end
"""
PYTHON_SOFTMAX_DIFF = """
def softmax_diff(z, y):
    p = np.exp(z) / np.exp(z).sum(axis=0, keepdims=True)
    Y = np.zeros_like(z)
    Y[y, np.arange(z.shape[1])] = 1
    return (p - Y) / z.shape[1]
"""


def test_matlab_columns_are_samples_and_sparse_builds_the_one_hot_matrix() -> None:
    def make(rng: np.random.Generator) -> dict[str, object]:
        return {"z": rng.normal(size=(3, 5)), "y": rng.integers(0, 3, size=5)}

    reading = assert_reads_like_numpy(
        MATLAB_SOFTMAX_DIFF,
        "softmax_diff",
        make,
        syntax="code",
        language="matlab",
        reference=PYTHON_SOFTMAX_DIFF,
    )
    assert (reading.result, reading.loss) == ("dz", "J")
    assert reading.class_labels == frozenset({"y"})
    assert (
        value_text(reading) == "['i', 'j'] (exp(z[i, j]) / sum_i2(exp(z[i2, j])) - delta(i, y[j])) / size(j)"
    )


def test_matlab_outer_product_with_transpose_and_elementwise_operators() -> None:
    source = """
    function J = jac(y)
        J = diag(y) - y * y';
    end
    """
    reference = """
    def jac(y):
        return np.diag(y) - np.outer(y, y)
    """
    assert_reads_like_numpy(
        source, "jac", lambda rng: {"y": rng.random(4)}, syntax="code", language="matlab", reference=reference
    )


def test_matlab_loop_fills_and_accumulates() -> None:
    source = """
    n = length(x);
    y_hat = zeros(n, 1);
    denom = sum(exp(x));
    L = 0;
    for k = 1:n
        y_hat(k) = exp(x(k)) / denom;
        L = L + y(k) * log(y_hat(k));
    end
    dLdy = (y_hat - y)';
    """
    reading = read_code(textwrap.dedent(source), "code", "matlab")
    assert value_text(reading, "dLdy") == "['i'] exp(x[i]) / sum_i2(exp(x[i2])) - y[i]"
    assert value_text(reading, "L") == "[] sum_i(y[i] * log(exp(x[i]) / sum_i2(exp(x[i2]))))"


def test_a_non_conformable_matlab_product_has_no_value() -> None:
    # (k x 1) * (k x k): MATLAB stops with a size error, so d is no number at all; a claim of it fails
    source = "function d = f(x)\n    a = 1 ./ x;\n    d = a * (diag(x) - x * x');\nend\n"
    reading = read_code(source, "code", "matlab")
    value = reading.values["d"]
    assert isinstance(value.node, Undefined)
    assert value.node.reason.startswith("the product a * (diag(x) - x * x")
    assert "is not defined" in value.node.reason
    assert len(value.axes) == 1  # shaped as the conforming product (a' * ...) would be


def test_a_claim_of_code_with_no_value_fails_with_no_claimed_number() -> None:
    source = "function d = f(z)\n    a = exp(z) / sum(exp(z));\n    d = (1 ./ a) * (diag(a) - a * a');\nend\n"
    result = check_claim(CheckOptions(source, syntax="code", means="d = dH/dz"))
    assert result.verdict == "fails"
    assert result.counterexample is not None
    assert result.counterexample["claimed"] is None and result.counterexample["true"] is not None
    assert any("is not defined" in note for note in result.notes)


def test_julia_broadcasting_and_keyword_dims() -> None:
    source = """
    function vjp(dy::AbstractArray, y::AbstractArray; dims = 1)
        g = dy .* y
        return g .- y .* sum(g; dims)
    end
    """
    reference = """
    def vjp(dy, y):
        g = dy * y
        return g - y * g.sum(axis=0, keepdims=True)
    """
    assert_reads_like_numpy(
        source,
        "vjp",
        lambda rng: {"dy": rng.normal(size=4), "y": rng.random(4)},
        syntax="code",
        language="julia",
        reference=reference,
    )


def test_lua_torch_method_calls_and_one_based_label() -> None:
    source = """
    function Criterion:backward(input, target)
        local e = torch.exp(input)
        local grad = e / torch.sum(e)
        grad[target] = grad[target] - 1
        return grad
    end
    """
    reading = read_code(textwrap.dedent(source), "code", "lua")
    assert value_text(reading) == "['i'] exp(input[i]) / sum_i2(exp(input[i2])) - delta(i, target)"
    assert reading.class_labels == frozenset({"target"})
    assert reading.inputs == {"input": 1, "target": 0}


def test_c_loops_with_an_index_condition() -> None:
    source = """
    void backward(float *logits, int label, float *grad, int n) {
        float total = 0;
        for (int j = 0; j < n; ++j) {
            total += expf(logits[j]);
        }
        for (int i = 0; i < n; ++i) {
            float p = expf(logits[i]) / total;
            if (i == label) {
                p -= 1;
            }
            grad[i] = p;
        }
    }
    """
    reading = read_code(textwrap.dedent(source), "code", "c")
    assert value_text(reading, "grad") == "['i'] exp(logits[i]) / sum_i2(exp(logits[i2])) - delta(i, label)"
    reference = """
    def grad(logits, label):
        p = np.exp(logits) / np.exp(logits).sum()
        p[label] -= 1
        return p
    """
    rng = np.random.default_rng(RNG_SEED)
    inputs: dict[str, object] = {"logits": rng.normal(size=5), "label": 2, "n": 5}
    got = evaluate(reading.values["grad"], inputs, sizes_of(reading, inputs))
    expected = run_snippet(reference, "grad", {"logits": inputs["logits"], "label": 2})
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_c_caret_is_refused_as_xor() -> None:
    with pytest.raises(ParseError, match=r"\^ \(a bitwise XOR in this language\)"):
        read_code("float f(float x) { return x ^ 2; }", "code", "c")


def test_javascript_map_with_an_arrow_function_is_element_wise() -> None:
    source = """
    export function d(outputs: number[], oneHot: number[]): number[] {
      return outputs.map((p: number, k: number): number => p - oneHot[k]);
    }
    """
    reading = read_code(textwrap.dedent(source), "code", "typescript")
    assert value_text(reading) == "['i'] outputs[i] - oneHot[i]"


def test_r_functions_return_their_last_expression() -> None:
    source = """
    grad = function(y, yhat){
      -y / yhat + (1 - y) / (1 - yhat)
    }
    """
    reading = read_code(textwrap.dedent(source), "code", "r")
    assert value_text(reading) == "['i'] (-y[i]) / yhat[i] + (1 - y[i]) / (1 - yhat[i])"


def test_triton_loads_and_stores_read_one_row() -> None:
    source = """
    logits = tl.load(logits_ptr + tl.arange(0, BLOCK), mask=tl.arange(0, BLOCK) < n_cols)
    lse = tl.load(lse_ptr + row_idx)
    probs = tl.exp(logits - lse)
    is_label = tl.arange(0, BLOCK) == label_idx
    probs = tl.where(is_label, probs - 1.0, probs)
    tl.store(dlogits_ptr + tl.arange(0, BLOCK), probs, mask=tl.arange(0, BLOCK) < n_cols)
    """
    reading = read_code(textwrap.dedent(source), "python")
    assert value_text(reading, "dlogits") == "['i'] exp(logits[i] - lse) - delta(i, label_idx)"


def test_unsupported_languages_are_refused_by_name() -> None:
    with pytest.raises(ParseError, match="code in APL is not read"):
        read_code("z←t softmax_backwardpass target", "code", "apl")


# --------------------------------------------------------------------------------------------------------
# Detection, refusals and safety
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dx = probs.copy()\ndx[range(N), y] -= 1", ("python", "python")),
        ("function [L, g] = f(x, y)\n  L = sum(y .* log(x));\n  g = -y ./ x;\nend", ("code", "matlab")),
        ("local grad = torch.exp(input)\nfor i = 1, n do\n  grad[i] = 0\nend", ("code", "lua")),
        ("\\frac{\\partial L}{\\partial z_i} = p_i - y_i", None),
        ("dL/dz_i = p_i - y_i", None),
    ],
)
def test_detect_code_tells_code_from_math(text: str, expected: tuple[str, str] | None) -> None:
    assert detect_code(text) == expected


def test_a_data_dependent_condition_is_refused_with_its_place() -> None:
    source = "def f(x):\n    if x.sum() > 0:\n        return x\n    return -x\n"
    with pytest.raises(ParseError, match=r"^line 2, column 8: the comparison x.sum\(\) > 0"):
        read_code(source)


def test_an_unreadable_side_value_is_left_out_with_a_note() -> None:
    reading = read_code("dx = p - y\nname = str(dx).upper()\n")
    assert reading.result == "dx"
    assert "name" not in reading.values
    assert any(note.startswith("name (line 2) is not read") for note in reading.notes)


def test_reading_never_runs_the_code(tmp_path: Path) -> None:
    target = tmp_path / "written"
    source = f"open({str(target)!r}, 'w').write('x')\nimport os\nos.remove({str(tmp_path)!r})\ndx = p - y\n"
    reading = read_code(source)
    assert reading.result == "dx"
    assert not target.exists() and tmp_path.exists()


def test_over_long_code_is_refused_at_once() -> None:
    with pytest.raises(ParseError, match="over the limit"):
        read_code("x = 1\n" * 5000)


@given(st.text(max_size=60))
def test_any_text_is_read_or_refused_in_one_line_as_python(text: str) -> None:
    try:
        reading = read_code(text, "python")
    except ParseError as error:
        assert "\n" not in str(error)
    else:
        assert isinstance(reading, CodeReading)


@given(
    st.text(alphabet=st.sampled_from(list("xyz=+-*/().;[]'{} \n1fornd:^,")), max_size=40),
    st.sampled_from(["matlab", "julia", "c", "lua", "javascript", "r"]),
)
def test_any_text_is_read_or_refused_in_one_line_as_other_code(text: str, language: str) -> None:
    try:
        reading = read_code(text, "code", language)
    except ParseError as error:
        assert "\n" not in str(error)
    else:
        assert isinstance(reading, CodeReading)


def _walk(node: object) -> list[object]:
    found = [node]
    for name in getattr(node, "__dataclass_fields__", {}):
        value = getattr(node, name)
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if hasattr(item, "__dataclass_fields__"):
                found.extend(_walk(item))
    return found


del KroneckerDelta, Symbol


# --------------------------------------------------------------------------------------------------------
# Loops over rows, strided indices, library losses; refusing rather than guessing
# --------------------------------------------------------------------------------------------------------


def test_a_loop_over_zipped_rows_fills_one_row_per_example() -> None:
    source = """
    def f(output, dvalues):
        dinputs = np.empty_like(dvalues)
        for index, (single_output, single_dvalues) in enumerate(zip(output, dvalues)):
            s = single_output.reshape(-1, 1)
            jacobian = np.diagflat(s) - np.dot(s, s.T)
            dinputs[index] = np.dot(jacobian, single_dvalues)
        return dinputs
    """
    reading = assert_reads_like_numpy(
        source, "f", lambda rng: {"output": rng.random((3, 4)), "dvalues": rng.normal(size=(3, 4))}
    )
    assert reading.inputs == {"output": 2, "dvalues": 2}


def test_a_flat_index_with_strides_reads_one_entry_per_index() -> None:
    source = """
    void k(float *Md, int *labels, float *grad, int M, int N, int s0, int s1) {
        int row = blockIdx.x * blockDim.x + threadIdx.x;
        if (row < M) {
            for (int i = 0; i < N; ++i) {
                float p = expf(Md[row * s0 + i * s1]);
                grad[row * s0 + i * s1] = p;
            }
        }
    }
    """
    reading = read_code(textwrap.dedent(source), "code", "cuda")
    assert value_text(reading, "grad") == "['i', 'j'] exp(Md[i, j])"
    assert any("a flat index with strides" in note for note in reading.notes)


def test_torch_cross_entropy_is_the_mean_negative_log_softmax_at_the_labels() -> None:
    source = """
    def f(x, y):
        return F.cross_entropy(x, y)
    """
    reference = """
    def f(x, y):
        logp = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
        return -logp[np.arange(x.shape[0]), y].mean()
    """
    assert_reads_like_numpy(source, "f", logits_and_labels(), reference=reference)


def test_torch_kl_divergence_with_its_default_mean() -> None:
    source = """
    def f(a, b):
        return nn.KLDivLoss()(a, b)
    """
    reference = """
    def f(a, b):
        return (b * (np.log(b) - a)).mean()
    """
    assert_reads_like_numpy(
        source, "f", lambda rng: {"a": rng.normal(size=5), "b": rng.random(5)}, reference=reference
    )


def test_a_return_after_a_loop_that_cannot_be_read_is_refused() -> None:
    source = """
    def f(layers, grads):
        for layer, grad in zip(layers, reversed(grads)):
            grad[0] += layer.W
        return grads
    """
    with pytest.raises(ParseError, match="the function reversed"):
        read_code(textwrap.dedent(source))


def test_a_value_with_an_index_the_text_does_not_define_is_refused() -> None:
    with pytest.raises(ParseError, match="depends on an index that the text does not define"):
        read_code("dW[j, :] += p[j] * X[:, i]\n")


def test_an_early_return_under_a_data_condition_is_refused_not_skipped() -> None:
    source = """
    def grad(dy, y):
        if not within_gradient(y):
            return dy
        return dy * y
    """
    with pytest.raises(ParseError):
        read_code(textwrap.dedent(source))


def test_a_triton_store_that_cannot_be_read_refuses_the_gradient() -> None:
    source = """
    probs = tl.exp(logits - lse)
    if HAS_SMOOTHING:
        probs = probs - smoothing
    else:
        probs = probs - 1.0
    grad_scale = dloss * scale
    tl.store(dlogits_ptr + col_offsets, grad_scale * probs)
    """
    with pytest.raises(ParseError, match=r"HAS_SMOOTHING depends on the data \(needed for dlogits\)"):
        read_code(textwrap.dedent(source), "python")


def test_matlab_argmax_of_a_one_hot_matrix_gives_labels() -> None:
    source = """
    function dx = g(scores, correct)
        N = size(scores, 1);
        p = exp(scores) ./ repmat(sum(exp(scores), 2), 1, size(scores, 2));
        [~, idx] = max(correct, [], 2);
        lin = sub2ind(size(p), (1:length(idx))', idx);
        dx = p;
        dx(lin) = p(lin) - 1;
        dx = dx / N;
    end
    """
    reading = read_code(textwrap.dedent(source), "code", "matlab")
    assert (
        value_text(reading)
        == "['i', 'j'] (exp(scores[i, j]) / sum_j2(exp(scores[i, j2])) - delta(j, idx[i])) / size(i)"
    )
    assert reading.class_labels == frozenset({"idx"})


def test_an_expression_that_grows_without_bound_is_refused() -> None:
    source = "def f(x):\n" + "    x = x * x + x\n" * 40 + "    dx = x\n    return dx\n"
    with pytest.raises(ParseError, match="too large to read"):
        read_code(source)


def test_long_code_in_another_language_is_refused_at_once() -> None:
    with pytest.raises(ParseError, match="over the limit"):
        read_code("x = 1;\n" * 1000, "code", "matlab")


CS231N_LOSS = """\
def softmax_loss(x, y):
    probs = np.exp(x - np.max(x, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    N = x.shape[0]
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
"""


def test_code_that_names_its_logits_x_is_read_with_x_as_the_logits_and_says_so() -> None:
    # x is the canonical input; with the class index on it, the reading that maps x to the logits is the
    # one that reads, and the choice is shown (never silent)
    result = check_claim(CheckOptions(CS231N_LOSS))
    assert result.verdict == "holds"
    assert any("x read as the logits (x=Z)" in choice for choice in result.choices)
    assert any("dx is read as dloss/dx (inferred" in note for note in result.notes)
    assert check_claim(CheckOptions(CS231N_LOSS, let=("x=Z",))).verdict == "holds"


def test_what_a_gradient_name_is_by_is_inferred_across_case_and_from_the_notation() -> None:
    # dx of an input named X; dscores of scores the snippet never defines (the logits by their name)
    upper = (
        CS231N_LOSS.replace("(x, y)", "(X, y)")
        .replace("np.exp(x", "np.exp(X")
        .replace("np.max(x", "np.max(X")
        .replace("x.shape", "X.shape")
    )
    result = check_claim(CheckOptions(upper))
    assert result.verdict == "holds" and any("dx is read as dloss/dX" in n for n in result.notes)
    snippet = "N = num_examples\ndscores = probs\ndscores /= N\ndscores[range(N), y] -= 1.0 / N\n"
    result = check_claim(CheckOptions(snippet, syntax="python"))
    assert result.verdict == "holds" and any("dscores is read as dH/dscores" in n for n in result.notes)
    # a layer's inputs are its logits or the probabilities, never the model's x: dinputs is read both ways
    result = check_claim(CheckOptions("dinputs = probs.copy()\ndinputs[range(N), y] -= 1\n", syntax="python"))
    chosen = " ".join(str(reading["choices"]) for reading in result.readings)
    assert "dH/dZ" in chosen and "dH/dprobs" in chosen and "dH/dX" not in chosen


@pytest.mark.parametrize(
    ("line", "verdict"),
    [
        ("dlogits = p - y", "holds_if"),
        ("d_z = probs - targets", "holds_if"),
        ("grad_logits = y - p", "fails"),
        ("dL_dz = p - y", "holds_if"),
    ],
)
def test_one_line_assigning_to_a_gradient_name_is_also_read_as_python(line: str, verdict: str) -> None:
    # as math, dlogits is an unknown symbol that the line defines; as code, its name says dH/dlogits
    result = check_claim(CheckOptions(line))
    assert result.verdict == verdict
    name = line.split()[0]
    assert any(f"read as Python: {name} names a gradient" in choice for choice in result.choices)
    assert any(f"{name} is read as dH/d" in note for note in result.notes)


@pytest.mark.parametrize(
    ("gradient", "verdict"),
    [("dZ @ X.T / m", "holds_if"), ("-dZ @ X.T / m", "fails"), ("X @ dZ.T / m", None)],
)
def test_code_whose_batch_examples_are_columns_is_read_so(gradient: str, verdict: str | None) -> None:
    # dW = dZ @ X.T / m (X of shape d x N, Ng's layout): with the examples as rows an index runs over
    # classes and features at once (refused); read with them as columns and z = W x + b, as a shown choice
    snippet = f"dZ = A - Y\ndW = {gradient}\n"
    if verdict is None:  # the shape of z = W^T x under columns: never read by whichever convention fits
        with pytest.raises(DeriveError, match="used both for classes and for features"):
            check_claim(CheckOptions(snippet, syntax="python"))
        return
    result = check_claim(CheckOptions(snippet, syntax="python"))
    assert result.verdict == verdict
    assert result.choices == ("the batch's examples read as columns (Z = W X + b, X d x N)",)


def test_code_the_code_reader_refuses_is_refused_with_its_reason_not_a_math_readings() -> None:
    # the math fallback read this MATLAB as a formula and refused it with "a matrix written out entry by
    # entry": the code reader's own reason is the one that says what to do
    source = (
        "function [J, grad] = costFunction(theta, X, y)\nm = length(y);\nh = sigmoid(X * theta);\n"
        "J = (1 / m) * sum(-y .* log(h) - (1 - y) .* log(1 - h));\ngrad = (1 / m) * X(2:end, :)' * (h - y);\n"
        "end\n"
    )
    with pytest.raises(DeriveError, match="a range that does not start at the first index"):
        check_claim(CheckOptions(source, loss="sigmoid-bce"))


@pytest.mark.parametrize("helper", ["my_loss", "mse_loss", "bce_loss", "focal_ce"])
def test_a_code_loss_that_calls_an_undefined_function_is_refused_not_differentiated_as_a_constant(
    helper: str,
) -> None:
    source = (
        f"def grad(X, Y, W):\n    P = softmax(X @ W)\n    loss = {helper}(P, Y)\n"
        "    dW = X.T @ (P - Y) / X.shape[0]\n    return dW, loss\n"
    )
    with pytest.raises(DeriveError, match="does not depend on W as read"):
        check_claim(CheckOptions(source))


@pytest.mark.parametrize(
    ("helper", "gradient", "verdict"),
    [
        ("loss_ce", "X.T @ (P - Y) / n", "holds_if"),
        ("cross_entropy", "X.T @ (P - Y) / n", "holds_if"),
        ("crossEntropy", "X.T @ (Y - P) / n", "fails"),
        ("nll_loss", "X.T @ (P - Y) / n", "holds_if"),
        ("cross_entropy", "X.T @ (P + Y) / n", "fails"),
    ],
)
def test_a_code_loss_that_calls_an_undefined_cross_entropy_is_the_built_in_loss(
    helper: str, gradient: str, verdict: str
) -> None:
    # loss = loss_ce(P, Y), the helper defined elsewhere on the page: its name says what it is
    source = (
        f"def grad_softmax(X, Y, W):\n    P = softmax(X @ W)\n    n = X.shape[0]\n    loss = {helper}(P, Y)\n"
        f"    dW = {gradient}\n    return dW, loss\n"
    )
    result = check_claim(CheckOptions(source))
    assert result.verdict == verdict, result.explanation
    assert any(f"read as the built-in cross-entropy (the name {helper} says so)" in n for n in result.notes)


CPP_GRADIENT_BY_LOGITS = """\
struct CrossEntropy {
    // derivative of the loss with respect to the logits a
    template <typename T, uint kClasses>
    static auto gradient(std::array<T, kClasses> a, const int label)
    {
        std::array<T, kClasses> g = soft_max(a);
        g[label] -= 1;
        return g;
    }
};
"""

PYTHON_GRADIENT_BY_OUTPUTS = '''\
def grad(self, outputs, targets):
    """Gradient of the error with respect to the model outputs.

    returns: an array shaped like outputs
    """
    batch_size = outputs.shape[0]
    return -(targets / outputs) / batch_size
'''


def test_a_comment_at_the_results_definition_says_what_it_is_the_gradient_by() -> None:
    # "the logits a": a would read as the softmax output; the words make it the logits, shown as a choice
    result = check_claim(CheckOptions(CPP_GRADIENT_BY_LOGITS))
    assert result.verdict == "holds"
    assert any("a=z: the code's words" in choice for choice in result.choices)
    wrong = check_claim(CheckOptions(CPP_GRADIENT_BY_LOGITS.replace("g[label] -= 1;", "g[label] -= 2;")))
    assert wrong.verdict == "fails"
    # a docstring: the model outputs (read as the softmax output by the notation's words)
    notes = "outputs probabilities, targets one-hot"
    result = check_claim(CheckOptions(PYTHON_GRADIENT_BY_OUTPUTS, notation=notes))
    assert result.verdict == "holds"
    assert any("with respect to the model outputs" in note for note in result.notes)
    wrong = check_claim(
        CheckOptions(PYTHON_GRADIENT_BY_OUTPUTS.replace("-(targets", "(outputs - targets"),
                     notation="outputs probabilities, targets one-hot")
    )  # fmt: skip
    assert wrong.verdict == "fails"


@pytest.mark.parametrize(
    ("source", "notation", "name"),
    [
        # x.size(0) with x assumed a vector: the classes or a batch? A verdict would rest on that guess
        (
            "def backward(self, grad_output):\n    n = self.x.size(0)\n"
            "    grad_input = -grad_output * self.target / self.x / n\n    return grad_input, None\n",
            "x probabilities, target one-hot",
            "backward",
        ),
    ],
)
def test_no_reading_is_inferred_from_words_about_another_value_or_from_a_guessed_size(
    source: str, notation: str | None, name: str
) -> None:
    with pytest.raises(DeriveError, match=f"say what {name} is the derivative of"):
        check_claim(CheckOptions(source, syntax="python", notation=notation))


def test_words_about_an_intermediate_value_do_not_choose_the_results_reading() -> None:
    # the comment is about d, not the returned s - t: "gradient" of the output alone is read both ways (by
    # the logits: holds; by s: fails), never by s alone as the words about d would have it
    source = (
        "def gradient(s, t):\n    # derivative of the cross entropy with respect to s\n"
        "    d = -t / s\n    return s - t\n"
    )
    result = check_claim(CheckOptions(source, syntax="python"))
    assert result.verdict == "ambiguous"
    assert sorted(str(r["verdict"]) for r in result.readings) == ["fails", "holds_if"]


def test_with_respect_to_the_softmax_is_read_as_either_side_of_it() -> None:
    source = (
        "export function dLossWRTSoftmax(outputs: number[], oneHot: number[]): number[] {\n"
        "  return outputs.map((p: number, k: number): number => p - oneHot[k]);\n"
        "}\n"
    )
    result = check_claim(CheckOptions(source, notation="outputs softmax probabilities, oneHot target"))
    assert result.verdict == "ambiguous"
    verdicts = {str(reading["choices"]): reading["verdict"] for reading in result.readings}
    assert sorted(verdicts.values()) == ["fails", "holds_if"]
    assert any("the logits z" in choices for choices in verdicts)


def test_a_loss_layers_backward_takes_its_upstream_gradient_as_one_and_reads_both_inputs() -> None:
    source = (
        "def backward(self, grad_output):\n"
        "    batch = self.y.size(0)\n"
        "    grad_input = grad_output * (self.y - self.t) / batch\n"
        "    return grad_input, None\n"
    )
    result = check_claim(CheckOptions(source, notation="self.y softmax output, self.t one-hot targets"))
    assert result.verdict == "ambiguous"  # the logits (holds) or the probabilities (fails): not written
    verdicts = {str(reading["choices"]): reading["verdict"] for reading in result.readings}
    assert sorted(verdicts.values()) == ["fails", "holds_if"]
    assert all("grad_output=1" in choices for choices in verdicts)
    # the user says which: one verdict
    by_logits = check_claim(
        CheckOptions(source, notation="self.y softmax output, self.t one-hot targets", means="dH/dZ")
    )
    assert by_logits.verdict == "holds_if"


def test_a_number_that_indexes_one_examples_classes_is_the_true_class() -> None:
    # p[k] -= 1: k is the example's class; read as any class, the gradient would be wrong for k != c
    source = "def gradient(z, k):\n    p = np.exp(z) / np.sum(np.exp(z))\n    p[k] -= 1\n    return p\n"
    result = check_claim(CheckOptions(source))
    assert result.verdict == "holds"
    assert any(choice.startswith("k=c") for choice in result.choices)
    assert check_claim(CheckOptions(source.replace("p[k] -= 1", "p[k] -= 2"))).verdict == "fails"
    # a vector that indexes each example's classes is the labels, whatever its name
    batch = (
        "def softmax_grad(scores, idxCorrect):\n    N = scores.shape[0]\n    e = np.exp(scores)\n"
        "    probs = e / e.sum(axis=1, keepdims=True)\n    probs[np.arange(N), idxCorrect] -= 1\n"
        "    return probs / N\n"
    )
    result = check_claim(CheckOptions(batch))
    assert result.verdict == "holds"
    assert any(choice.startswith("idxCorrect=y: the labels") for choice in result.choices)
    assert check_claim(CheckOptions(batch.replace("] -= 1", "] -= 2"))).verdict == "fails"


Z_LOSS_CODE = "lse = torch.logsumexp(z, dim=-1)\nzloss = lse ** 2\n"


def test_code_that_computes_only_a_loss_is_a_definition_usable_with_define() -> None:
    from derive.errors import DefinitionNotClaimError

    with pytest.raises(DefinitionNotClaimError, match="computes its loss zloss and no gradient"):
        check_claim(CheckOptions(Z_LOSS_CODE))
    claim = r"\frac{\partial zloss}{\partial z_j} = 2 \log(\sum_k e^{z_k}) a_j"
    result = check_claim(CheckOptions(claim, define=(Z_LOSS_CODE,)))
    assert result.verdict == "holds"
    assert not result.readings  # zloss is the defined name, never five letters
    wrong = check_claim(CheckOptions(claim.replace(" a_j", ""), define=(Z_LOSS_CODE,)))
    assert wrong.verdict == "fails"


def test_delta_of_the_output_layer_is_the_gradient_by_its_logits() -> None:
    # Nielsen's network.py: CrossEntropyCost.delta(z, a, y) returns (a - y)
    source = "def delta(z, a, y):\n    return (a - y)\n"
    result = check_claim(CheckOptions(source, notation="a sigmoid output activations, y targets"))
    assert result.verdict == "holds"
    assert any("output layer's error" in note for note in result.notes)
    assert check_claim(CheckOptions(source.replace("(a - y)", "(y - a)"))).verdict == "fails"
    # another cost's delta calls a function the text does not define: no reading
    quadratic = "def delta(z, a, y):\n    return sigmoid_prime(z) * (a - y)\n"
    with pytest.raises(DeriveError, match="say what delta is the derivative of"):
        check_claim(CheckOptions(quadratic, syntax="python"))


def test_define_with_code_that_does_not_read_is_one_line_and_exit_2() -> None:
    import subprocess
    import sys

    for code in ("def f(:\n  pass\n", "x = np.arange(3)\ny = x + 1\n"):
        run = subprocess.run(
            [sys.executable, "-m", "derive", "check", "dL/dz_j = a_j", "--define", code],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert run.returncode == 2 and run.stdout == "", run.stderr
        assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr


GET_LOSS_MATLAB = """\
function [lossResult, dx] = getLoss(obj, scores, correct)
    N = size(scores,1);
    C = size(scores,2);
    scoresFix = scores - repmat(max(scores,[],2), 1, C);
    sumProb = repmat(sum(exp(scoresFix),2), 1, C);
    probabilities = exp(scoresFix) ./ sumProb;
    [~, idxCorrect] = max(correct,[],2);
    probCorrect = diag(probabilities(:,idxCorrect));
    lossResult = -sum(log(probCorrect))/N;
    linIdx = sub2ind(size(probabilities), (1:length(idxCorrect))', idxCorrect);
    dx = probabilities;
    dx(linIdx) = probCorrect - 1;
    dx = dx/N;
end
"""


def test_a_gradient_returned_beside_the_loss_is_by_the_one_input_the_loss_depends_on() -> None:
    # the CS231n pattern: [loss, dx] = getLoss(scores, correct); dx names no input, the loss uses scores only
    result = check_claim(CheckOptions(GET_LOSS_MATLAB))
    assert result.verdict == "holds"
    assert any("dx is read as dlossResult/dscores" in note for note in result.notes)
    assert check_claim(CheckOptions(GET_LOSS_MATLAB.replace("dx = dx/N;", "dx = dx;"))).verdict == "fails"
    # probabilities as the input: the loss alone, or a softmax and its loss as one layer; both judged
    probs = (
        "def cross_entropy(probs, y):\n    N = probs.shape[0]\n"
        "    loss = -np.sum(np.log(probs[np.arange(N), y])) / N\n    grad = probs.copy()\n"
        "    grad[np.arange(N), y] -= 1\n    grad /= N\n    return loss, grad\n"
    )
    both = check_claim(CheckOptions(probs))
    assert both.verdict == "ambiguous"
    assert sorted(str(r["verdict"]) for r in both.readings) == ["fails", "holds"]
    # an intermediate value (grad, then back = grad / n) is not the claimed one: back, the backward's value
    intermediate = (
        "log_softmax = scores - logsumexp(scores, axis=-1, keepdims=True)\nn = scores.shape[0]\n"
        "loss = -log_softmax[np.arange(n), y_true].sum() / n\ngrad = np.exp(log_softmax)\n"
        "grad[np.arange(n), y_true] -= 1.0\nback = grad / n\n"
    )
    backward = check_claim(CheckOptions(intermediate, syntax="python"))
    assert backward.verdict == "holds"
    assert any(note.startswith("the claimed value is back") for note in backward.notes)
    # a name that says the logits (dscores) while the loss takes the softmax output (probs): the loss
    # depends on the scores through probs, said in a note (it was refused)
    named = check_claim(CheckOptions(probs.replace("grad", "dscores")))
    assert named.verdict in ("holds", "undecided")
    assert any("depends on the logits scores through it" in note for note in named.notes)
    flipped = probs.replace("grad", "dscores").replace("-= 1", "+= 1")
    assert check_claim(CheckOptions(flipped)).verdict == "fails"


def test_a_function_named_as_a_defined_losss_derivative_is_its_derivative() -> None:
    source = (
        "crossEntropy = function(y, yhat){\n  pos = y * log(yhat)\n  neg = (1 - y) * log(1 - yhat)\n"
        "  -(pos + neg)\n}\ncrossEntropyGrad = function(y, yhat){\n  -y / yhat + (1 - y) / (1 - yhat)\n}\n"
    )
    result = check_claim(CheckOptions(source))
    assert result.verdict == "holds"
    assert any("read as dcrossEntropy/dyhat" in note for note in result.notes)
    assert any("a loss per entry: its entries are summed" in note for note in result.notes)
    wrong = source.replace("-y / yhat + (1 - y)", "-y / yhat - (1 - y)")
    assert check_claim(CheckOptions(wrong)).verdict == "fails"


SOFTMAX_PRIME = "def softmax_prime(x):\n    s = x.reshape(-1, 1)\n    return np.diagflat(s) - s @ s.T\n"


@pytest.mark.parametrize(
    ("source", "verdict"),
    [
        (SOFTMAX_PRIME, "holds"),
        (SOFTMAX_PRIME.replace("- s @", "+ s @"), "fails"),
        (
            "def softmax_grad(x):\n    s = np.exp(x) / np.sum(np.exp(x))\n"
            "    return np.diag(s) - np.outer(s, s)\n",
            "holds",
        ),
    ],
)
def test_a_function_named_as_the_softmaxs_derivative_is_its_jacobian(source: str, verdict: str) -> None:
    result = check_claim(CheckOptions(source))
    assert result.verdict == verdict
    assert any("softmax Jacobian" in note for note in result.notes)


LOOP_FRAGMENT = """\
for i in range(num_train):
    scores = X[i].dot(W)
    denom = np.sum(np.exp(scores))
    loss += np.log(denom) - scores[y[i]]
    for j in range(num_class):
        p = np.exp(scores[j]) / denom
        if j != y[i]:
            dW[:, j] += p * X[i]
        else:
            dW[:, j] += (p - 1) * X[i]
loss = loss / num_train
dW = dW / num_train
"""


def test_a_fragments_accumulators_start_at_zero() -> None:
    # CS231n's loop without its first lines (loss = 0.0, dW = np.zeros_like(W)): the sums start at 0
    result = check_claim(CheckOptions(LOOP_FRAGMENT))
    assert result.verdict in ("holds", "undecided")  # numeric samples agree; the symbolic proof may not
    said = "dW is used before it is assigned: read as an accumulator starting at 0"
    assert any(said in note for note in result.notes)
    wrong = check_claim(CheckOptions(LOOP_FRAGMENT.replace("(p - 1) * X[i]", "p * X[i]")))
    assert wrong.verdict == "fails"


@pytest.mark.parametrize(
    ("source", "verdict"),
    [
        ("grad_logits = (F.softmax(logits, dim=1) - F.one_hot(targets, num_classes)) / N", "holds"),
        ("dlogits = (tf.nn.softmax(logits) - tf.one_hot(labels, depth=k)) / N", "holds"),
        ("grad_logits = (F.one_hot(targets, num_classes) - F.softmax(logits, dim=1)) / N", "fails"),
    ],
)
def test_one_hot_of_the_labels_is_the_identitys_rows_at_them(source: str, verdict: str) -> None:
    assert check_claim(CheckOptions(source)).verdict == verdict


def test_a_generic_gradient_of_the_weights_and_data_is_by_the_weights_and_proved() -> None:
    source = "def grad(W, X, y):\n    p = softmax(X @ W)\n    return X.T @ (p - y) / len(X)\n"
    result = check_claim(CheckOptions(source))
    # the logits written out (softmax(X @ W)) are folded back into Z: a symbolic proof, not undecided
    assert result.verdict == "holds_if"
    assert any("W is the one input besides the data" in note for note in result.notes)
    assert check_claim(CheckOptions(source.replace("(p - y)", "(y - p)"))).verdict == "fails"
    # two parameters (W and b): which one is not said
    two = "def grad(W, b, X, y):\n    p = softmax(X @ W + b)\n    return X.T @ (p - y) / len(X)\n"
    with pytest.raises(DeriveError, match="say what grad is the derivative of"):
        check_claim(CheckOptions(two))


@pytest.mark.parametrize(
    ("source", "verdict"),
    [
        ("grad = y_pred - y_true", "ambiguous"),  # by the logits (softmax and loss): holds; by y_pred: fails
        ("grad = y_true - y_pred", "fails"),  # wrong both ways
        (
            "def cross_entropy_grad(probs, y):\n    grad = probs.copy()\n    grad[range(len(y)), y] -= 1\n"
            "    return grad / len(y)\n",
            "ambiguous",
        ),
    ],
)
def test_a_gradient_named_by_no_variable_of_the_output_alone_is_read_both_ways(
    source: str, verdict: str
) -> None:
    result = check_claim(CheckOptions(source))
    assert result.verdict == verdict
    assert len(result.readings) == 2


def test_words_that_name_the_logits_of_code_with_only_the_output_read_it_by_the_logits() -> None:
    source = "# gradient w.r.t. the logits\ngrad = (probs - targets) / N\n"
    result = check_claim(CheckOptions(source, syntax="python"))
    assert result.verdict == "holds_if"
    assert not result.readings  # the words chose one reading: by the logits, not by probs
    swapped = source.replace("(probs - targets)", "(targets - probs)")
    wrong = check_claim(CheckOptions(swapped, syntax="python"))
    assert wrong.verdict == "fails"


@pytest.mark.parametrize(
    ("source", "verdict"),
    [
        ("function g = sigmoidGradient(z)\ng = sigmoid(z) .* (1 - sigmoid(z));\nend\n", "holds"),
        ("def sigmoid_prime(z):\n    return sigmoid(z) * (1 - sigmoid(z))\n", "holds"),
        ("def sigmoid_grad(x):\n    s = 1 / (1 + np.exp(-x))\n    return s * (1 - s)\n", "holds"),
        ("def sigmoid_grad(x):\n    s = 1 / (1 + np.exp(-x))\n    return s * (1 + s)\n", "fails"),
    ],
)
def test_a_function_named_as_the_sigmoids_derivative_is_its_elementwise_derivative(
    source: str, verdict: str
) -> None:
    # sigmoidGradient(z) was read as the gradient of the softmax's loss by z: a wrong fails
    result = check_claim(CheckOptions(source))
    assert result.verdict == verdict
    assert any("the sigmoid's derivative" in choice for choice in result.choices)


@pytest.mark.parametrize(
    ("body", "verdict"),
    [
        ("return -(y_true / y_pred) + (1 - y_true) / (1 - y_pred)", "holds"),
        ("return (y_pred - y_true) / (y_pred * (1 - y_pred))", "holds"),
        ("return -(y_true / y_pred)", "fails"),  # the softmax cross-entropy's dH/da: not the BCE's
    ],
)
def test_code_named_for_the_binary_cross_entropy_is_judged_with_it(body: str, verdict: str) -> None:
    # def bce_grad(y_pred, y_true) with --means 'dL/dy_pred': judged with the softmax cross-entropy, the
    # binary cross-entropy's right gradient by the prediction failed
    source = f"def bce_grad(y_pred, y_true):\n    {body}\n"
    result = check_claim(CheckOptions(source, syntax="python", means="dL/dy_pred"))
    assert result.verdict == verdict
    assert "the code's name bce_grad says the binary cross-entropy (--loss sigmoid-bce)" in result.choices


def test_a_function_named_as_another_activations_derivative_is_refused() -> None:
    with pytest.raises(DeriveError, match="derivative of tanh"):
        check_claim(CheckOptions("def tanh_prime(x):\n    return 1 - np.tanh(x)**2\n"))


def test_a_gradient_computed_from_the_output_only_through_a_product_is_not_by_the_output() -> None:
    # Ng's logistic regression: grad = X' * (h - y) has as many axes as h, but they are X's (the
    # features): it is no gradient by h or by the logits of h (a wrong fails before)
    source = "J = -1/m * sum(y .* log(h) + (1 - y) .* log(1 - h));\ngrad = 1/m * X' * (h - y);\n"
    with pytest.raises(DeriveError, match="say what grad is the derivative of"):
        check_claim(CheckOptions(source))


DELTA_CROSS_ENTROPY = """\
def delta_cross_entropy(X, y):
    m = y.shape[0]
    grad = softmax(X)
    grad[range(m), y] -= 1
    grad = grad / m
    return grad
"""


def test_the_one_input_the_code_exponentiates_is_the_logits_its_result_is_by() -> None:
    result = check_claim(CheckOptions(DELTA_CROSS_ENTROPY))
    assert result.verdict == "holds"
    assert any("what the code exponentiates" in choice for choice in result.choices)
    assert check_claim(CheckOptions(DELTA_CROSS_ENTROPY.replace("-= 1", "+= 1"))).verdict == "fails"


def test_a_code_loss_of_the_softmax_output_depends_on_the_logits_through_it() -> None:
    # the softmax's backward given the output p: the loss is written in p alone (it was refused as a
    # loss that does not depend on z)
    source = "loss = -np.sum(y * np.log(p))\ndp = -y / p\ndz = p * (dp - np.sum(dp * p))\n"
    assert check_claim(CheckOptions(source)).verdict == "holds"
    assert check_claim(CheckOptions(source.replace("(dp - np", "(dp + np"))).verdict == "fails"


SOFTMAX_BACKWARD = "grad_x = grad_softmax * softmax - sum(grad_softmax * softmax) * softmax\n"


def test_the_softmaxs_backward_from_an_upstream_gradient_is_read_for_every_upstream_gradient() -> None:
    # TensorFlow's docstring: the upstream gradient by the output is read as the cross-entropy's -y/a,
    # any vector as y varies
    result = check_claim(CheckOptions(SOFTMAX_BACKWARD, syntax="python"))
    assert result.verdict == "holds"
    assert any("the softmax's backward" in choice for choice in result.choices)
    wrong = SOFTMAX_BACKWARD.replace("sum(grad_softmax * softmax)", "sum(grad_softmax)")
    assert check_claim(CheckOptions(wrong, syntax="python")).verdict == "fails"


def test_javascript_strict_equality_and_a_camel_case_gradient_name() -> None:
    # === is == on numbers; dLogits names the gradient by the logits as d_logits does
    js = "const dLogits = probs.map((p, i) => p - (i === label ? 1 : 0));"
    result = check_claim(CheckOptions(js))
    assert result.verdict == "holds"
    wrong = check_claim(CheckOptions(js.replace("p - (", "p + (")))
    assert wrong.verdict == "fails"
    line = check_claim(CheckOptions("dLogits = probs - onehot"))
    assert line.verdict == "holds_if"


CPP_WEIGHT_GRADIENT = """\
  // gradient, first with respect to the scores
  std::vector<double> dscores = probabilities;
  dscores[y] -= 1.0;
  // then into the weights
  for (size_t row = 0; row < classes_dim_; ++row) {
    const double g = dscores[row];
    for (size_t col = 0; col < data_dim_; ++col) {
      dW_(row, col) += g * image[col];
    }
  }
  const float loss = -std::log(probabilities[y]);
"""


@pytest.mark.parametrize(("sign", "verdict"), [("", "holds"), ("-", "fails")])
def test_cpp_weight_gradient_with_comments_and_a_member_name(sign: str, verdict: str) -> None:
    # "// then into ..." is a comment's prose, not Lua's then; dW_ (a C++ member) is the gradient by W;
    # the loss written in the probabilities depends on W through the logits
    text = CPP_WEIGHT_GRADIENT.replace("+= g *", f"+= {sign}g *")
    result = check_claim(CheckOptions(text))
    assert result.verdict == verdict
    assert any("depends on the logits, of the weights" in note for note in result.notes)


ALIASED = """\
def grads(x, W, y):
    z = W.T @ x
    p = np.exp(z) / np.sum(np.exp(z))
    loss = -np.log(p[y])
    dz = COPY
    dz[y] -= 1
    onehot = np.zeros_like(p)
    onehot[y] = 1
    dW = np.outer(x, p - onehot)
    return loss, dW
"""


@pytest.mark.parametrize(("copy", "verdict"), [("p", "fails"), ("p.copy()", "holds")])
def test_numpy_b_equals_a_is_one_array_written_in_place(copy: str, verdict: str) -> None:
    # dz = p does not copy: dz[y] -= 1 lowers p too, so dW uses p - 1 at y twice (was a wrong holds)
    assert check_claim(CheckOptions(ALIASED.replace("COPY", copy))).verdict == verdict


def test_matlab_b_equals_a_copies() -> None:
    # Octave copies on assignment: the loss computed from p after dx -= t is still of the softmax output
    text = (
        "function [loss, dx] = ce_grad(z, t)\n  p = exp(z) / sum(exp(z));\n  dx = p;\n"
        "  dx -= t;\n  loss = -sum(t .* log(p));\nendfunction"
    )
    assert check_claim(CheckOptions(text)).verdict == "holds_if"


SHIFTED = """\
def softmax_loss(x, y):
    N = x.shape[0]
    shifted = x - np.max(x, AXIS)
    probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
"""


def test_a_max_for_each_class_is_no_shift_that_cancels() -> None:
    assert check_claim(CheckOptions(SHIFTED.replace("AXIS", "axis=1, keepdims=True"))).verdict == "holds"
    # the max over the examples differs between classes: it does not cancel (was a wrong holds)
    with pytest.raises(DeriveError):
        check_claim(CheckOptions(SHIFTED.replace("AXIS", "axis=0")))


BCE_MEAN = """\
def bce_grad(logits, targets):
    N, C = logits.shape
    p = torch.sigmoid(logits)
    loss = -(targets * torch.log(p) + (1 - targets) * torch.log(1 - p)).mean()
    return (p - targets) / SCALE
"""


@pytest.mark.parametrize(("scale", "verdict"), [("N", "fails"), ("(N * C)", "holds")])
def test_means_naming_the_loss_by_a_letter_is_the_codes_own_loss(scale: str, verdict: str) -> None:
    # .mean() over every entry: its gradient is (p - t)/(N C), not the built-in loss's (p - t)/N
    text = BCE_MEAN.replace("SCALE", scale)
    assert check_claim(CheckOptions(text, means="dL/dlogits")).verdict == verdict
    # with no --means both losses are readings: they disagree, and the verdict says so
    assert check_claim(CheckOptions(text)).verdict == "ambiguous"


def test_tiny_offsets_in_a_code_loss_are_read_as_zero() -> None:
    text = (
        "def gradient(a, label):\n    p = np.exp(a) / np.sum(np.exp(a))\n"
        "    loss = -np.log(p[label] + 1e-5)\n    g = p.copy()\n    g[label] -= 1\n    return g\n"
    )
    assert check_claim(CheckOptions(text)).verdict == "holds"


@pytest.mark.parametrize(("result", "verdict"), [("s * (dout - np.sum(dout * s))", "holds"),
                                                  ("s * (dout - np.sum(dout))", "fails")])  # fmt: skip
def test_an_upstream_gradient_without_targets_is_a_vector(result: str, verdict: str) -> None:
    # a softmax's backward with no targets: its upstream gradient is no loss layer's 1 (it was a wrong fails
    # as a number, then refused): a vector, the gradient by the softmax output, and the product is checked
    text = f"def softmax_backward(dout, s):\n    return {result}\n"
    assert check_claim(CheckOptions(text, means="dH/dz")).verdict == verdict


KD_GRAD = """\
def kd_grad(z, q, T):
    p = np.exp(z / T) / np.sum(np.exp(z / T))
    loss = -T * T * np.sum(q * np.log(p))
    return RESULT
"""


@pytest.mark.parametrize(("result", "verdict"), [("T * (p - q)", "holds_if"), ("(p - q) / T", "fails")])
def test_an_output_name_beside_the_output_the_code_computes_is_the_targets(result: str, verdict: str) -> None:
    # q read as a second softmax output left no targets: T (p - q) was a wrong fails ("claim gives 0")
    outcome = check_claim(CheckOptions(KD_GRAD.replace("RESULT", result), means="dloss/dz"))
    assert outcome.verdict == verdict
    assert any("q read as the targets" in choice for choice in outcome.choices)


IN_PLACE_DIVIDED = """\
def ce_backward(logits, labels):
    n = logits.shape[0]
    p = torch.softmax(logits, dim=1)
    grad = p.clone()
    grad[torch.arange(n), labels] -= 1.0
    STATEMENT
    return grad / n
"""


@pytest.mark.parametrize(
    "statement", ["grad.div_(n)", "grad.mul_(0.5)", "np.divide(grad, n, out=grad)", "np.exp(grad, grad)"]
)
def test_a_call_that_writes_in_place_is_refused_never_ignored(statement: str) -> None:
    # grad.div_(n) then grad / n divides twice: ignored, it gave a wrong holds
    with pytest.raises(DeriveError, match=r"in place|in-place"):
        check_claim(CheckOptions(IN_PLACE_DIVIDED.replace("STATEMENT", statement), batch_loss="mean"))
    plain = IN_PLACE_DIVIDED.replace("    STATEMENT\n", "")
    assert check_claim(CheckOptions(plain, batch_loss="mean")).verdict == "holds"


def test_a_truncating_cast_and_a_loop_bound_that_is_no_size_are_refused() -> None:
    # int(1 / N) is 0 for N > 1; range(N - 1) leaves a row out: each gave a wrong holds
    scaled = (
        "def grad(X, W, y):\n    N = X.shape[0]\n    s = X.dot(W)\n"
        "    p = np.exp(s) / np.sum(np.exp(s), axis=1, keepdims=True)\n"
        "    p[np.arange(N), y] -= 1\n    return X.T.dot(p) * SCALE\n"
    )
    with pytest.raises(DeriveError, match="truncates"):
        check_claim(CheckOptions(scaled.replace("SCALE", "int(1 / N)")))
    assert check_claim(CheckOptions(scaled.replace("SCALE", "float(1 / N)"))).verdict == "holds"
    looped = (
        "def ce_grad(logits, labels):\n    N = logits.shape[0]\n    d = np.zeros_like(logits)\n"
        "    for i in range(BOUND):\n        p = np.exp(logits[i]) / np.sum(np.exp(logits[i]))\n"
        "        d[i] = p\n        d[i, labels[i]] -= 1\n    return d / N\n"
    )
    with pytest.raises(DeriveError, match="plus or minus a number"):
        check_claim(CheckOptions(looped.replace("BOUND", "N - 1"), batch_loss="mean"))
    assert check_claim(CheckOptions(looped.replace("BOUND", "N"), batch_loss="mean")).verdict == "holds"


def test_matlab_several_outputs_are_assigned_not_an_internal_error() -> None:
    text = "function g = softmax_grad(Z, Y)\n  [k, m] = size(Z);\n  g = (exp(Z) - Y) / m;\nend\n"
    try:
        check_claim(CheckOptions(text, syntax="code"))
    except DeriveError as error:
        assert "internal error" not in str(error)


NAIVE = """\
def softmax_loss_naive(W, X, y, reg):
    loss = 0.0
    dW = np.zeros_like(W)
    num_train = X.shape[0]
    num_classes = W.shape[1]
    for i in range(num_train):
        scores = X[i].dot(W)
        scores -= np.max(scores)
        p = np.exp(scores) / np.sum(np.exp(scores))
        loss += -np.log(p[y[i]])
        for j in range(num_classes):
            dW[:, j] += p[j] * X[i]
WRITE
    loss = loss / num_train + 0.5 * reg * np.sum(W * W)
    dW = dW / num_train + reg * W
    return loss, dW
"""


def test_a_write_repeated_on_every_pass_of_a_loop_is_refused() -> None:
    # inside the loop over j the label's column is lowered k times (it gave a wrong holds)
    with pytest.raises(DeriveError, match="every pass"):
        check_claim(CheckOptions(NAIVE.replace("WRITE", "            dW[:, y[i]] -= X[i]")))
    assert check_claim(CheckOptions(NAIVE.replace("WRITE", "        dW[:, y[i]] -= X[i]"))).verdict == "holds"


def test_an_accumulator_scaled_inside_its_loop_is_refused() -> None:
    text = NAIVE.replace("WRITE", "        dW[:, y[i]] -= X[i]\n        dW /= num_train").replace(
        "dW = dW / num_train + reg * W", "dW = dW + reg * W"
    )
    with pytest.raises(DeriveError, match="scaled in place inside a loop"):
        check_claim(CheckOptions(text))


COLUMN_SOFTMAX_MATLAB = """\
function [dW, db] = backward(W, b, X, Y)
  m = size(X, 2);
  Z = W * X + b;
  A = exp(Z) ./ sum(exp(Z), 1);
  dZ = A - Y;
  dW = dZ * X' / m;
end
"""


def test_a_written_out_softmax_over_each_column_in_matlab_has_the_classes_in_rows() -> None:
    # it was judged against a softmax over each row: the right dW got a wrong fails (its examples as rows
    # do not fit W * X, and give way)
    assert check_claim(CheckOptions(COLUMN_SOFTMAX_MATLAB)).verdict == "holds_if"
    # nothing but the softmax says where the classes are: both ways, and they disagree
    alone = check_claim(CheckOptions("P = exp(Z) ./ sum(exp(Z), 1);\ndZ = (P - Y) / size(Z, 2);\n"))
    assert alone.verdict == "ambiguous"
    # X * W with the examples as rows: the sum over each column is over the examples (a slip)
    slip = "m = size(X, 1);\nZ = X * W;\nP = exp(Z) ./ sum(exp(Z));\ngrad = X' * (P - Y) / m;\n"
    assert check_claim(CheckOptions(slip)).verdict == "fails"


NG_PYTHON = """\
def backward(W, X, Y):
    m = X.shape[1]
    Z = np.dot(W, X)
    A = np.exp(Z) / np.sum(np.exp(Z), axis=0, keepdims=True)
    dZ = A - Y
    dW = np.dot(dZ, X.T) / m
    return dW
"""


def test_a_numpy_softmax_over_each_column_is_read_both_ways_unless_labels_index_the_rows() -> None:
    # NumPy stores by rows: a softmax over axis 0 has the classes in rows (Ng's course) or is a slip
    both = check_claim(CheckOptions("P = np.exp(Z) / np.sum(np.exp(Z), axis=0)\ndZ = (P - Y) / Z.shape[1]\n"))
    assert both.verdict == "ambiguous"
    assert [r["verdict"] for r in both.readings] == ["holds_if", "fails"]
    # W X with the examples as columns reads one way only (the other reading does not conform), and the
    # function's one returned value dW says what it is the gradient by
    ng = check_claim(CheckOptions(NG_PYTHON))
    assert ng.verdict == "holds_if"
    assert "backward returns dW, read by its name" in ng.notes
    # labels that index each row say the examples are the rows: axis 0 sums over them (a slip)
    slip = SHIFTED.replace("AXIS", "axis=1, keepdims=True").replace(
        "axis=1, keepdims=True)\n    loss", "axis=0)\n    loss"
    )
    assert check_claim(CheckOptions(slip)).verdict == "fails"


SIZED_BY_A_GUESS = """\
def ce_backward(logits, targets):
    n = logits.shape[0]
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    return (p - targets) / n
"""


def test_a_size_of_an_input_whose_axes_the_code_does_not_fix_is_read_both_ways() -> None:
    # n = logits.shape[0] is the classes of one example's vector or the examples of a batch: the two
    # readings disagree (one example's was a wrong fails of the batch's right gradient)
    result = check_claim(CheckOptions(SIZED_BY_A_GUESS))
    assert result.verdict == "ambiguous"
    verdicts = {str(reading["choices"]): reading["verdict"] for reading in result.readings}
    assert sorted(verdicts.values()) == ["fails", "holds_if"]
    assert any("batch's matrices" in choice for choice, verdict in verdicts.items() if verdict == "holds_if")
    # a size the code fixes (a batch it indexes by rows) is read one way
    fixed = SIZED_BY_A_GUESS.replace("(logits, targets)", "(logits, labels)").replace(
        "return (p - targets) / n", "p[np.arange(n), labels] -= 1\n    return p / n"
    )
    assert check_claim(CheckOptions(fixed)).verdict == "holds"


@pytest.mark.parametrize(
    "text",
    [
        "def ce_grad(z, label):\n    p = np.exp(z) / np.sum(np.exp(z))\n    loss = -np.log(p[label])\n"
        "    grad = p - label\n    return loss, grad\n",
        "def softmax_loss(x, y):\n    N = x.shape[0]\n"
        "    probs = np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)\n"
        "    loss = -np.sum(np.log(probs[np.arange(N), y])) / N\n    dx = (probs - y[:, None]) / N\n"
        "    return loss, dx\n",
    ],
)
def test_class_labels_used_as_numbers_are_refused(text: str) -> None:
    # p - label subtracts the label's number, not its one-hot vector (it was read as y: a wrong holds)
    with pytest.raises(DeriveError, match="holds class labels"):
        check_claim(CheckOptions(text))


TORCH7 = """\
function ce_grad(z, target)
  local p = torch.exp(z)
  p:div(p:sum())
  local grad = p:clone()
  grad[target] = grad[target] - 1
  return grad
end
"""


def test_a_method_call_whose_value_is_dropped_is_read_as_writing_its_array() -> None:
    # Torch7's p:div(s) divides p in place; it was dropped (the right gradient got a wrong fails)
    with pytest.raises(DeriveError, match="may write into p in place"):
        check_claim(CheckOptions(TORCH7))



def test_two_inputs_guessed_as_one_vector_are_refused() -> None:
    # student and teacher logits both read as Z: the KD gradient compared 0 with 0 (a wrong holds); the
    # teacher's logits are no variable of the model's (refused, as the two would be one vector)
    text = (
        "def kd_grad(student_logits, teacher_logits, T):\n    N = student_logits.shape[0]\n"
        "    p = np.exp(student_logits / T) / np.sum(np.exp(student_logits / T), axis=1, keepdims=True)\n"
        "    q = np.exp(teacher_logits / T) / np.sum(np.exp(teacher_logits / T), axis=1, keepdims=True)\n"
        "    grad = T * (q - p) / N\n    return grad\n"
    )
    with pytest.raises(DeriveError, match=r"would both be Z|teacher_logits"):
        check_claim(CheckOptions(text, means="grad = dH/dstudent_logits"))


@pytest.mark.parametrize(
    ("statement", "match"),
    [
        ("np.put_along_axis(dz, y[:, None], 0.0, axis=1)", "writes into dz in place"),
        ("np.copyto(dz, p)", "writes into dz in place"),
    ],
)
def test_numpy_functions_that_write_their_first_argument_are_refused(statement: str, match: str) -> None:
    text = (
        "def grad(z, y):\n    N = z.shape[0]\n    p = np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)\n"
        f"    dz = p.copy()\n    {statement}\n    dz[np.arange(N), y] -= 1\n    return dz / N\n"
    )
    with pytest.raises(DeriveError, match=match):
        check_claim(CheckOptions(text))


def test_scipys_softmax_with_no_axis_is_refused() -> None:
    # scipy.special.softmax(Z) normalizes over the whole array (it was read row by row: a wrong holds)
    text = (
        "from scipy.special import softmax\ndef grad(Z, y):\n    N = Z.shape[0]\n    dZ = softmax(AXIS)\n"
        "    dZ[np.arange(N), y] -= 1\n    return dZ / N\n"
    )
    with pytest.raises(DeriveError, match="no axis runs over the whole array"):
        check_claim(CheckOptions(text.replace("AXIS", "Z")))
    assert check_claim(CheckOptions(text.replace("AXIS", "Z, axis=1"))).verdict == "holds"


def test_an_array_a_constructor_sets_is_not_its_value_in_the_other_methods() -> None:
    # self.W = np.zeros(...) in __init__ was read as W's value in forward: e^0 (a wrong fails)
    text = """\
class Softmax:
    def __init__(self, d, k):
        self.W = np.zeros((d, k))
    def forward(self, X, Y):
        self.X, self.Y = X, Y
        Z = X @ self.W
        self.P = np.exp(Z) / np.sum(np.exp(Z), axis=1, keepdims=True)
    def backward(self):
        m = self.X.shape[0]
        self.dW = self.X.T @ (self.P - self.Y) / m
"""
    assert check_claim(CheckOptions(text)).verdict == "holds_if"


NG_COST_FUNCTION = """\
function [J, grad] = costFunction(theta, X, y)
m = length(y);
h = sigmoid(X * theta);
J = (1 / m) * (-y' * log(h) - (1 - y)' * log(1 - h));
grad = (1 / m) * (X' * (h - y));
end
"""

EX2_PORT = """\
def sigmoid(z):
    return 1 / (1 + np.exp(-z))

def costFunction(theta, X, y):
    m = y.size
    h = sigmoid(X.dot(theta))
    return -1 / m * (np.log(h).T.dot(y) + np.log(1 - h).T.dot(1 - y))

def gradient(theta, X, y):
    m = y.size
    h = sigmoid(X.dot(theta))
    return 1 / m * X.T.dot(h - y)
"""


def test_ngs_logistic_cost_function_is_read_without_means() -> None:
    # length(y) beside X * theta is the number of X's rows, no guess: grad beside J is dJ/dtheta (refused)
    assert check_claim(CheckOptions(NG_COST_FUNCTION)).verdict == "holds"
    assert check_claim(CheckOptions(NG_COST_FUNCTION.replace("(h - y)", "(y - h)"))).verdict == "fails"
    # theta is the parameters in code too, and a helper's own z is not another input of the gradient
    assert check_claim(CheckOptions(EX2_PORT)).verdict == "holds"


def test_a_second_returned_gradient_is_judged_too() -> None:
    # return dW, db: db was left out without a word (a wrong db = np.mean(dZ) went unnoticed)
    text = (
        "def grads(X, W, b, Y):\n    N = X.shape[0]\n    Z = X @ W + b\n"
        "    P = np.exp(Z) / np.sum(np.exp(Z), axis=1, keepdims=True)\n    dZ = (P - Y) / N\n"
        "    dW = X.T @ dZ\n    db = np.mean(dZ)\n    return dW, db\n"
    )
    result = check_claim(CheckOptions(text))  # db is judged too, and says why it is not read
    assert any("each judged: dW: holds_if; db: not judged" in note for note in result.notes)
    with pytest.raises(DeriveError, match="right side is a number"):  # db itself, as the note says
        check_claim(CheckOptions(text, means="db = dH/db"))
    right = text.replace("np.mean(dZ)", "np.sum(dZ, axis=0)")
    assert check_claim(CheckOptions(right, means="db = dH/db")).verdict == "holds_if"


@pytest.mark.parametrize(
    "outer", ["s[:, None] * s[None, :]", "s[None, :] * s[:, None]", "s.reshape(-1, 1) * s.reshape(1, -1)"]
)
def test_an_outer_product_by_broadcasting_has_two_axes(outer: str) -> None:
    # s[:, None] * s[None, :] had one name on both axes: s_j s_j, and the right Jacobian a wrong fails
    code = f"def softmax_jacobian(s):\n    return np.diag(s) - {outer}\n"
    assert check_claim(CheckOptions(code)).verdict == "holds"
    wrong = code.replace("np.diag(s) - ", "np.diag(s) + ")
    assert check_claim(CheckOptions(wrong)).verdict == "fails"


def test_labels_paired_with_the_rows_hold_one_label_per_example() -> None:
    # dscores[:, y] -= 1 writes at every example's label in every row: with y read as one label (as
    # probs[np.arange(N), y] allows) the bug was a wrong holds; now it is refused
    code = textwrap.dedent(
        """\
        def softmax_loss(W, X, y):
            N = X.shape[0]
            scores = X.dot(W)
            probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
            loss = -np.sum(np.log(probs[np.arange(N), y])) / N
            dscores = probs.copy()
            dscores[{rows}, y] -= 1
            dW = X.T.dot(dscores) / N
            return loss, dW
        """
    )
    with pytest.raises(DeriveError, match=r"several labels|writes in every row at the classes y holds"):
        check_claim(CheckOptions(code.format(rows=":"), timeout=60))
    assert check_claim(CheckOptions(code.format(rows="np.arange(N)"), timeout=60)).verdict == "holds"


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        # grad = probs is the same array: the write through grad is in what the function returns
        (
            "def softmax_grad(probs, label):\n    grad = probs\n    grad[label] -= 1\n"
            "    return probs\n",
            "holds",
        ),
        (
            "function softmaxGrad(probs, label) {\n  const grad = probs;\n  grad[label] -= 1;\n"
            "  return probs;\n}\n",
            "holds",
        ),
        # the label's 1 taken away twice: through the alias, then again
        (
            "def ce_grad(probs, labels):\n    N, C = probs.shape\n    d = probs\n"
            "    d[np.arange(N), labels] -= 1\n"
            "    Y = np.eye(C)[labels]\n    return (probs - Y) / N\n",
            "fails",
        ),
    ],
)
def test_an_input_bound_to_another_name_is_one_array(code: str, verdict: str) -> None:
    # the write through an alias of an input was missed: a wrong fails and a wrong holds
    assert check_claim(CheckOptions(code, means="dH/dz")).verdict == verdict


def test_julia_broadcast_calls_and_keywords_say_julia_not_matlab() -> None:
    # exp.(z), log.(p), softmax(z; dims=1): read as MATLAB, which copies arrays (g = p then aliased nothing)
    julia = "function crossentropy_grad(z, c)\n    p = exp.(z) ./ sum(exp.(z))\n    g = p\n"
    julia += "    g[c] = g[c] - 1\n"
    julia += "    return p\nend\n"
    assert detect_code(julia) == ("code", "julia")
    assert check_claim(CheckOptions(julia, means="dH/dz")).verdict == "holds"
    keywords = "using NNlib\nfunction f(W, x, y)\n    p = softmax(W * x; dims=1)\n"
    keywords += "    dW = (p .- y) * x' ./ size(x, 2)\n"
    assert detect_code(keywords + "    return dW\nend\n") == ("code", "julia")
    comment = "# W: K x d, X: d x N\nfunction loss_and_grad(W, X, Y)\n    N = size(X, 2)\n    Z = W * X\n"
    comment += "    P = exp.(Z) ./ sum(exp.(Z), dims=1)\n    J = -sum(Y .* log.(P)) / N\n"
    assert detect_code(comment + "    dW = (P .- Y) * X'\n    return J, dW\nend\n") == ("code", "julia")
    matlab = "function g = grad(z, y)\n  p = exp(z) ./ sum(exp(z));\n  g = p - y;\nend\n"
    assert detect_code(matlab) == ("code", "matlab")


def test_a_code_value_named_h_is_not_the_built_in_loss() -> None:
    # H = softmax(X @ W) (a "hypothesis") was taken as the loss H: the right gradient was a wrong fails
    code = (
        "def backward(X, Y, W):\n    m = X.shape[0]\n"
        "    H = np.exp(X @ W) / np.sum(np.exp(X @ W), axis=1, keepdims=True)\n"
        "    dW = X.T @ (H - Y) / m\n    return dW\n"
    )
    assert check_claim(CheckOptions(code, timeout=60)).verdict == "holds_if"
    assert check_claim(CheckOptions(code.replace("(H - Y)", "(Y - H)"), timeout=60)).verdict == "fails"


def test_shapes_the_docstring_gives_the_inputs_are_read() -> None:
    # axis=-1 works on one vector and on a batch: the code was read for one example, and a batch gradient
    # missing its 1/N was a wrong holds_if
    code = textwrap.dedent(
        '''\
        def softmax_ce_grad(logits, labels):
            """Gradient of the mean cross-entropy over the batch w.r.t. logits.
            logits: (N, C), labels: (N, C) one-hot."""
            e = np.exp(logits - logits.max(axis=-1, keepdims=True))
            probs = e / e.sum(axis=-1, keepdims=True)
            return {value}
        '''
    )
    assert check_claim(CheckOptions(code.format(value="probs - labels"), timeout=60)).verdict == "fails"
    right = check_claim(CheckOptions(code.format(value="(probs - labels) / logits.shape[0]"), timeout=60))
    assert right.verdict == "holds_if"


@pytest.mark.parametrize("rows", [":", "i"])
def test_a_plural_label_array_over_every_row_is_a_scatter(rows: str) -> None:
    # probs[:, labels] -= 1 writes at every example's label in every row: labels read as one class was a
    # wrong holds
    loop = "    for i in range(N):\n    " if rows == "i" else ""
    code = (
        "def grad(logits, labels):\n    N = logits.shape[0]\n"
        "    probs = np.exp(logits) / np.sum(np.exp(logits), axis=1, keepdims=True)\n"
        f"{loop}    probs[{rows}, labels] -= 1\n    return probs / N\n"
    )
    with pytest.raises(DeriveError, match="several labels"):
        check_claim(CheckOptions(code, means="dH/dZ", timeout=60))


def test_an_input_the_code_multiplies_by_the_weights_is_not_read_as_the_logits() -> None:
    # W of shape (C, D): the right gradient was ambiguous with a spurious "X read as the logits" reading
    code = textwrap.dedent(
        '''\
        def loss_grad(W, X, y, reg):
            """W: (C, D) one row per class, X: (N, D), y: (N,) labels."""
            N = X.shape[0]
            S = X @ W.T
            P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
            loss = -np.log(P[np.arange(N), y]).mean() + 0.5 * reg * np.sum(W * W)
            P[np.arange(N), y] -= 1
            dW = P.T @ X / N + reg * W
            return loss, dW
        '''
    )
    assert check_claim(CheckOptions(code, timeout=60)).verdict == "holds"
    assert check_claim(CheckOptions(code.replace("/ N + reg", "+ reg"), timeout=60)).verdict == "fails"


def test_a_julia_vector_transposed_is_a_row_in_an_outer_product() -> None:
    # (P[:, n] - Y[:, n]) * X[:, n]' in a loop: x' was read as a vector, the product undefined: a wrong fails
    code = (
        "function ce_grad(W, X, Y)\n    Z = W * X\n    P = exp.(Z) ./ sum(exp.(Z); dims=1)\n"
        "    G = zeros(size(W))\n    for n in 1:size(X, 2)\n        G += (P[:, n] - Y[:, n]) * X[:, n]'\n"
        "    end\n    return G / size(X, 2)\nend\n"
    )
    assert check_claim(CheckOptions(code, means="dH/dW", timeout=60)).verdict == "holds_if"
    wrong = code.replace("return G / size(X, 2)", "return G")
    assert check_claim(CheckOptions(wrong, means="dH/dW", timeout=60)).verdict in ("fails", "ambiguous")


def test_code_that_runs_only_for_a_square_input_is_refused() -> None:
    # np.eye(N)[labels] with N the rows: read as the one-hot matrix, the code held (it runs only when N = C)
    code = (
        "def grad(logits, labels):\n    N, C = logits.shape\n"
        "    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)\n"
        "    Y = np.eye({size})[labels]\n    return (probs - Y) / N\n"
    )
    with pytest.raises(DeriveError, match="runs only when logits is square"):
        check_claim(CheckOptions(code.format(size="N"), timeout=60))
    assert check_claim(CheckOptions(code.format(size="C"), timeout=60)).verdict == "holds"


@pytest.mark.parametrize(
    "said",
    [
        "    # x: logits (N, C); t: one-hot targets (N, C)\n",
        '    """\n    x -- logits, shape (N, C)\n    t -- one-hot targets, shape (N, C)\n    """\n',
        '    """\n    x: logits of shape [batch_size, num_classes]\n    t: targets [B, C]\n    """\n',
        "    # x.shape == (N, C), t.shape == (N, C)\n",
        '    """\n    x : ndarray of shape (N, C)\n    t : ndarray of shape (N, C)\n    """\n',
    ],
)
def test_shapes_in_the_usual_docstring_styles_are_read(said: str) -> None:
    # a softmax over the whole batch (np.sum with no axis) read for one example was a wrong holds_if
    code = f"def grad(x, t):\n{said}    p = np.exp(x) / np.sum(np.exp(x))\n    return p - t\n"
    assert check_claim(CheckOptions(code, means="dL/dz", timeout=60)).verdict == "fails"


@pytest.mark.parametrize(("db", "verdict"), [("db = dz", "holds_if"), ("db = 2 * dz", "holds_if")])
def test_means_by_a_variable_judges_the_value_named_for_it(db: str, verdict: str) -> None:
    # --means 'dL/dW' on code that computes dW and then db: dW is judged (db, the last value, had been
    # judged as dL/dW: a wrong fails), and the choice is said
    text = f"dz = a - y\ndW = np.outer(dz, x)\n{db}\n"
    result = check_claim(CheckOptions(text, means="dL/dW", convention="W_x"))
    assert result.verdict == verdict
    assert any("the claimed value is dW" in note for note in result.notes)
    transposed = text.replace("outer(dz, x)", "outer(x, dz)")  # dW transposed: fails as the transpose
    wrong = check_claim(CheckOptions(transposed, means="dL/dW", convention="W_x"))
    assert wrong.verdict == "fails" and "its transpose holds" in wrong.explanation


def test_a_transposed_weight_gradient_in_code_fails_as_the_transpose() -> None:
    # scores = X.dot(W) fixes W as features x classes; dscores.T.dot(X) is classes x features: the classic
    # transposition bug fails, saying the transpose is right (it was refused for an index used both ways)
    code = (
        "def grad(X, y, W):\n    scores = X.dot(W)\n"
        "    p = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)\n"
        "    dscores = p.copy()\n    dscores[np.arange(X.shape[0]), y] -= 1\n    dscores /= X.shape[0]\n"
        "    dW = DW\n    return dW\n"
    )
    wrong = check_claim(CheckOptions(code.replace("DW", "dscores.T.dot(X)")))
    assert wrong.verdict == "fails" and "its transpose holds" in wrong.explanation
    assert check_claim(CheckOptions(code.replace("DW", "X.T.dot(dscores)"))).verdict == "holds"


def test_gradients_returned_in_a_dict_are_read() -> None:
    # grads = {"dW": dW, "db": db}, as deeplearning.ai's assignments return them (the dict was refused)
    code = (
        "def grads(X, y, W, b):\n    scores = X.dot(W) + b\n"
        "    p = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)\n"
        "    dscores = p.copy()\n    dscores[np.arange(X.shape[0]), y] -= 1\n    dscores /= X.shape[0]\n"
        "    dW = X.T.dot(dscores)\n    db = np.sum(dscores, axis=0)\n    return {\"W\": dW, \"b\": db}\n"
    )
    assert check_claim(CheckOptions(code, means="dW = dL/dW")).verdict == "holds"
    summed = code.replace("    dscores /= X.shape[0]\n", "")  # no 1/N: not the mean's gradient
    assert check_claim(CheckOptions(summed, means="dW = dL/dW")).verdict in ("fails", "ambiguous")


@pytest.mark.parametrize(("scale", "verdict"), [(" / X.shape[0]", "holds"), ("", "ambiguous")])
def test_a_gradient_descent_step_says_what_the_gradient_is(scale: str, verdict: str) -> None:
    # W -= lr * G: G is the gradient by W (the code had no value named for it, and was refused)
    code = (
        "def train_step(X, y, W, lr):\n    scores = X.dot(W)\n"
        "    p = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)\n"
        f"    p[np.arange(X.shape[0]), y] -= 1\n    W -= lr * X.T.dot(p){scale}\n    return W\n"
    )
    result = check_claim(CheckOptions(code))
    assert result.verdict == verdict
    assert any("what the step of W subtracts" in note for note in result.notes)


def test_a_step_that_is_no_parameters_is_not_a_gradient() -> None:
    from derive.claims.code_engine import _gradient_step

    statement = ast.parse("loss -= alpha * reg").body[0]
    assert isinstance(statement, ast.AugAssign) and _gradient_step(statement) is None
    update = ast.parse("self.w = self.w - learning_rate * (x.T @ delta)").body[0]
    assert isinstance(update, ast.Assign)
    found = _gradient_step(update)
    assert found is not None and found[0] == "w" and ast.unparse(found[1]) == "x.T @ delta"


def test_a_transposed_weight_gradient_under_an_nn_linear_forward_fails() -> None:
    # logits = x @ W.T + b (W: classes x features): grad_W = x.T @ grad_logits is the transpose (refused)
    code = (
        "logits = x @ W.T + b\nprobs = torch.softmax(logits, dim=1)\n"
        "grad_logits = (probs - F.one_hot(target, C).float()) / N\nGRAD\ngrad_b = grad_logits.sum(0)\n"
    )
    wrong = check_claim(CheckOptions(code.replace("GRAD", "grad_W = x.T @ grad_logits"), means="dL/dW"))
    assert wrong.verdict == "fails" and "its transpose holds" in wrong.explanation
    right = check_claim(CheckOptions(code.replace("GRAD", "grad_W = grad_logits.T @ x"), means="dL/dW"))
    assert right.verdict == "holds"


_NG_LAYOUT = (
    "def propagate(W, b, X, Y):\n    m = X.shape[1]\n    Z = np.dot(W, X) + b\n    A = softmax(Z)\n"
    "    cost = -1 / m * np.sum(Y * np.log(A))\n    dZ = A - Y\n    dW = DW\n"
    "    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)\n    return dW, db\n"
)


@pytest.mark.parametrize(
    ("dw", "verdict"),
    [
        ("1 / m * np.dot(dZ, X.T)", "holds_if"),
        ("np.dot(dZ, X.T)", "fails"),  # the mean's 1/m is missing
        ("1 / m * np.dot(X, dZ.T)", "fails"),  # the transpose
    ],
)
def test_ng_column_layout_with_its_bias_is_read(dw: str, verdict: str) -> None:
    # Z = np.dot(W, X) + b (examples in the columns, b of shape k x 1): an undefined softmax of W X runs over
    # each column, and b is a column (the code was refused; without b, its softmax ran over the examples)
    result = check_claim(CheckOptions(_NG_LAYOUT.replace("DW", dw), means="dL/dW"))
    assert result.verdict == verdict
    assert any("softmax over the first axis" in note for note in result.notes)
    assert any("b is read as a column" in note for note in result.notes)
    if dw.startswith("1 / m * np.dot(X"):
        assert "its transpose holds" in result.explanation
    bias = check_claim(CheckOptions(_NG_LAYOUT.replace("DW", dw), means="dL/db"))
    assert bias.verdict == "holds_if"


_TWO_LAYERS = (
    "def loss(self, X, y):\n    W1, b1 = self.params['W1'], self.params['b1']\n"
    "    W2, b2 = self.params['W2'], self.params['b2']\n    N, D = X.shape\n"
    "    hidden = np.maximum(0, np.dot(X, W1) + b1)\n    scores = np.dot(hidden, W2) + b2\n"
    "    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)\n"
    "    loss = -np.sum(np.log(probs[range(N), y])) / N\n"
    "    dscores = probs.copy()\n    dscores[range(N), y] -= 1\n    dscores /= N\n    grads = {}\n"
    "    grads['W2'] = DW2\n    grads['b2'] = np.sum(dscores, axis=0)\n"
    "    dhidden = np.dot(dscores, W2.T)\n    dhidden[hidden <= 0] = 0\n"
    "    grads['W1'] = np.dot(X.T, dhidden)\n    return loss, grads\n"
)


@pytest.mark.parametrize(
    ("dw2", "verdict"),
    [
        ("np.dot(hidden.T, dscores)", "holds"),
        ("np.dot(dscores.T, hidden)", "fails"),
        ("hidden.T.dot(probs)", "fails"),
    ],
)
def test_a_later_layer_of_a_network_is_read_with_its_input_as_x(dw2: str, verdict: str) -> None:
    # cs231n's two-layer net: the derivatives by W2 and b2 do not go through the relu layer, so its output
    # is the layer's input X (shown); W2 = self.params['W2'] is W2, and the unread relu mask of dW1 leaves
    # the dictionary's other entries readable (the whole code was refused)
    code = _TWO_LAYERS.replace("DW2", dw2)
    result = check_claim(CheckOptions(code, means="dL/dW2"))
    assert result.verdict == verdict
    assert any("hidden=X" in choice and "W2=W" in choice for choice in result.choices)
    assert check_claim(CheckOptions(code, means="dL/db2")).verdict == "holds"
    # the first layer's derivative goes through the relu: never read with the cut
    with pytest.raises(DeriveError):
        check_claim(CheckOptions(code, means="dL/dW1"))


def test_a_later_layer_in_columns_and_in_torch_is_read() -> None:
    ng = (
        "def backward(X, Y, W1, b1, W2, b2):\n    m = X.shape[1]\n    Z1 = np.dot(W1, X) + b1\n"
        "    A1 = np.tanh(Z1)\n    Z2 = np.dot(W2, A1) + b2\n    A2 = softmax(Z2)\n    dZ2 = A2 - Y\n"
        "    dW2 = (1 / m) * np.dot(dZ2, A1.T)\n    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)\n"
        "    return dW2, db2\n"
    )
    assert check_claim(CheckOptions(ng, means="dL/dW2")).verdict == "holds_if"
    summed = ng.replace("(1 / m) * np.dot(dZ2", "np.dot(dZ2")
    assert check_claim(CheckOptions(summed, means="dL/dW2")).verdict == "fails"
    torch = (
        "h = torch.relu(x @ W1 + b1)\nlogits = h @ W2 + b2\np = torch.softmax(logits, dim=1)\n"
        "loss = -(y * torch.log(p)).sum(dim=1).mean()\ngrad_logits = (p - y) / x.shape[0]\n"
        "grad_W2 = h.T @ grad_logits\n"
    )
    assert check_claim(CheckOptions(torch, means="dL/dW2")).verdict == "holds_if"
    by_x = torch.replace("h.T @ grad_logits", "x.T @ grad_logits")  # the first layer's input: wrong
    with pytest.raises(DeriveError):  # x and h would both read as X: refused, never judged
        check_claim(CheckOptions(by_x, means="dL/dW2"))


def test_a_softmax_of_no_axis_runs_over_each_column_when_the_examples_are_columns() -> None:
    # A = softmax(Z); dW = dZ @ X.T / m (Ng): with the examples as columns the softmax runs over each
    # column; read over each row (NumPy's default) beside columns, a right fragment failed
    result = check_claim(CheckOptions("A = softmax(Z)\ndZ = A - Y\ndW = dZ @ X.T / m\n"))
    assert result.verdict == "holds_if"
    assert any("softmax over the first axis" in note for note in result.notes)
    # without 1/m: the mean (fails) or the sum (holds) of the examples
    assert check_claim(CheckOptions("A = softmax(Z)\ndZ = A - Y\ndW = dZ @ X.T\n")).verdict == "ambiguous"


def test_a_label_written_in_every_row_of_a_batch_is_refused() -> None:
    # dscores[:, y] -= 1 writes at the classes y holds in every row (the classic bug): it was read as one
    # class c for the whole batch, and held; one example's p[y] -= 1 is still read
    with pytest.raises(DeriveError, match=r"writes in every row at the classes y holds"):
        check_claim(CheckOptions("dscores = probs.copy()\ndscores[:, y] -= 1\ndscores /= N\n"))
    one = "def grad(x, y):\n    p = np.exp(x) / np.sum(np.exp(x))\n    p[y] -= 1\n    return p\n"
    assert check_claim(CheckOptions(one)).verdict == "holds"


@pytest.mark.parametrize(
    ("db", "verdict"),
    [("(probs - Y).mean(axis=0)", "holds_if"), ("(Y - probs).mean(axis=0)", "fails")],
)
def test_every_gradient_the_code_computes_is_judged(db: str, verdict: str) -> None:
    # return dW, db (and straight-line code assigning both): only one was judged, so a wrong db beside a
    # right dW held; each is judged now, the worst verdict leads and the notes list each one's
    code = "def backward(X, Y, W, b):\n    probs = softmax(X @ W + b)\n"
    code += "    dW = X.T @ (probs - Y) / X.shape[0]\n"
    code += f"    db = {db}\n    return dW, db\n"
    result = check_claim(CheckOptions(code))
    assert result.verdict == verdict
    assert any(f"each judged: dW: holds_if; db: {verdict}" in note for note in result.notes)
    assert len(result.parts) == 2
    straight = code.replace("def backward(X, Y, W, b):\n", "").replace("    ", "")
    straight = straight.replace("return dW, db\n", "")
    assert check_claim(CheckOptions(straight)).verdict == verdict
    # a value the user names with --means is judged alone
    assert check_claim(CheckOptions(code, means="dW = dH/dW")).parts == ()


_AUTOGRAD_FUNCTION = """\
class SoftmaxCE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, logits, target):
        p = logits.softmax(dim=1)
        ctx.save_for_backward(p, target)
        n = logits.shape[0]
        return LOSS

    @staticmethod
    def backward(ctx, grad_output):
        p, target = ctx.saved_tensors
        n = p.shape[0]
        grad = p.clone()
        grad[torch.arange(n), target] -= 1
        return grad_output * GRAD, None
"""


@pytest.mark.parametrize(
    ("loss", "grad", "verdict"),
    [
        ("-torch.log(p[torch.arange(n), target]).mean()", "grad / n", "holds"),
        ("-torch.log(p[torch.arange(n), target]).mean()", "grad", "fails"),
        ("-torch.log(p[torch.arange(n), target]).sum()", "grad", "holds"),
        ("-torch.log(p[torch.arange(n), target]).sum()", "grad / n", "fails"),
    ],
)
def test_a_torch_autograd_function_is_read(loss: str, grad: str, verdict: str) -> None:
    # ctx.save_for_backward / ctx.saved_tensors carry forward's values to backward (refused: "unpacking an
    # array into 2 names"), logits.softmax(dim=1) is the softmax, and backward is the gradient of forward
    code = _AUTOGRAD_FUNCTION.replace("LOSS", loss).replace("GRAD", grad)
    assert check_claim(CheckOptions(code)).verdict == verdict


def test_a_gradient_that_cannot_be_read_leaves_the_code_undecided() -> None:
    # cs231n's two-layer net with a relu mask (dh[h <= 0] = 0, not read): W2 and b2 hold, W1 and b1 cannot
    # be judged, so the code as a whole is undecided (it held, from the layer that could be read); one
    # value named with --means is judged alone
    result = check_claim(CheckOptions(_TWO_LAYERS.replace("DW2", "np.dot(hidden.T, dscores)")))
    assert result.verdict == "undecided"
    assert "grads['W1'] could not be read" in result.explanation
    wrong = check_claim(CheckOptions(_TWO_LAYERS.replace("DW2", "np.dot(X.T, dscores)")))
    assert wrong.verdict in ("fails", "undecided")  # X where the layer's input is: never holds
    # an entry of a dictionary other than the first is judged (its --means was refused, and W left out)
    code = (
        "def loss(W, b, X, y):\n    N = X.shape[0]\n    scores = X.dot(W) + b\n"
        "    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)\n"
        "    dscores = probs.copy()\n    dscores[range(N), y] -= 1\n    dscores /= N\n    grads = {}\n"
        "    grads['b'] = np.sum(dscores, axis=0)\n    grads['W'] = X.T.dot(dscores) * N\n    return grads\n"
    )
    # (no loss in the code: W's N times the mean's gradient is the sum's, so mean or sum is not said)
    assert check_claim(CheckOptions(code)).verdict in ("fails", "ambiguous")


def test_an_autograd_function_whose_forward_is_not_read_is_refused() -> None:
    # its backward is the gradient of its forward: with the forward unread, the built-in mean is no
    # stand-in (a backward dividing a summed loss by N held)
    code = _AUTOGRAD_FUNCTION.replace("LOSS", "logits.gather(1, target[:, None]).sum()")
    code = code.replace("GRAD", "grad")
    with pytest.raises(DeriveError, match="the autograd Function's backward is the gradient of its forward"):
        check_claim(CheckOptions(code))


def test_a_square_matrix_named_j_is_not_a_loss() -> None:
    # J = np.diag(s) - np.outer(s, s): a Jacobian named J, not the code's loss (it was "a loss, not a claim")
    code = "s = np.exp(z) / np.sum(np.exp(z))\nJ = np.diag(s) - np.outer(s, s)\n"
    with pytest.raises(DeriveError, match="say what J is the derivative of"):
        check_claim(CheckOptions(code))


@pytest.mark.parametrize(
    "code",
    [
        "loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\ndz = (p - y) / len(y)",
        "dA = -(np.divide(Y, A) - np.divide(1 - Y, 1 - A))",
        "class CrossEntropy:\n    def loss(self, y, p):\n"
        "        return - y * np.log(p) - (1 - y) * np.log(1 - p)\n\n"
        "    def gradient(self, y, p):\n        return - (y / p) + (1 - y) / (1 - p)\n",
    ],
)
def test_code_that_writes_the_binary_cross_entropys_terms_is_read_with_the_sigmoid_too(code: str) -> None:
    # judged with the softmax alone, each of these right BCE gradients failed
    result = check_claim(CheckOptions(code, timeout=60))
    assert result.verdict == "ambiguous"
    choices = [*result.choices, *(c for reading in result.readings for c in reading["choices"])]  # type: ignore[attr-defined]
    assert any("sigmoid-bce" in choice for choice in choices)
    assert any(reading["verdict"] == "holds" for reading in result.readings) or "sum" in result.explanation


def test_labels_broadcast_as_numbers_over_the_classes_fail() -> None:
    # y.reshape(-1, 1) makes the labels a column: each row's label number is subtracted from every class
    # (it held under "the targets sum to 1", read as the one-hot rows entry-wise)
    result = check_claim(CheckOptions("dscores = (probs - y.reshape(-1, 1)) / N", timeout=60))
    assert result.verdict == "fails"
    assert any(entry["canonical"] == "the label of the example" for entry in result.mapping)
    # the right forms, with the labels compared or indexed, still hold
    for right in ("dscores = probs - (np.arange(C) == y[:, None])\ndscores /= N",
                  "dscores = probs - np.eye(C)[y]\ndscores /= N"):
        assert check_claim(CheckOptions(right, timeout=60)).verdict == "holds"


CS231N_SOFTMAX_LOSS = """\
def softmax_loss(x, y):
    shifted = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted), axis=1, keepdims=True)
    log_probs = shifted - np.log(Z)
    probs = np.exp(log_probs)
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
"""


def test_a_local_named_like_a_model_letter_is_not_a_second_name_for_it() -> None:
    # cs231n's softmax_loss: its own Z (the row sums) beside x read as the logits Z was refused as "two of
    # the code's names would be one vector"
    assert check_claim(CheckOptions(CS231N_SOFTMAX_LOSS, timeout=60)).verdict == "holds"
    wrong = CS231N_SOFTMAX_LOSS.replace("y] -= 1", "y] += 1")
    assert check_claim(CheckOptions(wrong, timeout=60)).verdict == "fails"


UFLDL_SOFTMAX_COST = """\
function [J, grad] = softmaxCost(theta, X, y, m)
  M = theta * X;
  M = bsxfun(@minus, M, max(M, [], 1));
  P = exp(M) ./ sum(exp(M));
  groundTruth = full(sparse(y, 1:m, 1));
  J = -sum(sum(groundTruth .* log(P))) / m;
  grad = -(groundTruth - P) * X' / m;
end
"""

JULIA_GRAD_LOGITS = """\
function grad_logits(z, y)
    p = exp.(z .- maximum(z))
    p ./= sum(p)
    p[y] -= 1
    return p
end
"""


@pytest.mark.parametrize(
    ("code", "wrong"),
    [
        # MATLAB's bsxfun(@minus, ...) (UFLDL's softmax exercise) was not understood at '@minus'
        (UFLDL_SOFTMAX_COST, ("grad = -(groundTruth - P)", "grad = (groundTruth - P)")),
        # Julia's maximum(z) with one argument (a reduction) was refused as missing its second argument,
        # and the name grad_logits beside the input z was "two of the code's names would be one vector"
        (JULIA_GRAD_LOGITS, ("p[y] -= 1", "p[y] += 1")),
    ],
)
def test_matlab_bsxfun_and_julia_maximum_are_read(code: str, wrong: tuple[str, str]) -> None:
    assert check_claim(CheckOptions(code, timeout=60)).verdict == "holds"
    assert check_claim(CheckOptions(code.replace(*wrong), timeout=60)).verdict == "fails"


JS_GRAD = """\
function softmaxCrossEntropyGrad(logits, label) {
  const max = Math.max(...logits);
  const exps = logits.map(v => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  const grad = exps.map(v => v / sum);
  grad[label] -= 1;
  return grad;
}
"""


def test_javascript_spread_and_a_summing_reduce_are_read() -> None:
    # Math.max(...logits) was not understood at '...', and reduce had no meaning
    assert check_claim(CheckOptions(JS_GRAD, timeout=60)).verdict == "holds"
    assert check_claim(CheckOptions(JS_GRAD.replace("-= 1", "+= 1"), timeout=60)).verdict == "fails"
    product = JS_GRAD.replace("(a, b) => a + b, 0)", "(a, b) => a * b, 1)")
    with pytest.raises(DeriveError, match="reduce with a function other than a sum"):
        check_claim(CheckOptions(product, timeout=60))


C_GRAD = """\
void softmax_xent_grad(const float *z, int label, float *grad, int n) {
    float m = z[0];
    for (int i = 1; i < n; i++) if (z[i] > m) m = z[i];
    float s = 0.0f;
    for (int i = 0; i < n; i++) { grad[i] = expf(z[i] - m); s += grad[i]; }
    for (int i = 0; i < n; i++) grad[i] /= s;
    grad[label] -= 1.0f;
}
"""

JAVA_GRAD = """\
double[] gradient(double[] z, int y) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) max = Math.max(max, v);
    double sum = 0;
    double[] g = new double[z.length];
    for (int i = 0; i < z.length; i++) { g[i] = Math.exp(z[i] - max); sum += g[i]; }
    for (int i = 0; i < z.length; i++) g[i] = g[i] / sum - (i == y ? 1 : 0);
    return g;
}
"""


@pytest.mark.parametrize(
    ("code", "wrong"),
    [
        (C_GRAD, ("grad[label] -= 1.0f", "grad[label] += 1.0f")),
        (C_GRAD.replace("if (z[i] > m) m = z[i];", "m = fmaxf(m, z[i]);"), ("-= 1.0f", "+= 1.0f")),
        (JAVA_GRAD, ("(i == y ? 1 : 0)", "(i == y ? 2 : 0)")),
    ],
)
def test_a_running_max_loop_and_java_arrays_are_read(code: str, wrong: tuple[str, str]) -> None:
    # a running max from the first entry (a loop from 1) and Java's double[], new double[n] and for-each
    # were refused
    assert check_claim(CheckOptions(code, timeout=60)).verdict == "holds"
    assert check_claim(CheckOptions(code.replace(*wrong), timeout=60)).verdict == "fails"


def test_a_running_max_from_another_start_is_not_read_as_the_max() -> None:
    # m = 0, then the loop from 1: not the array's max (the loop is refused, as before)
    with pytest.raises(DeriveError, match="does not count up from 0"):
        check_claim(CheckOptions(C_GRAD.replace("float m = z[0];", "float m = 0;"), timeout=60))


_LAYER_CLASS = """\
class CrossEntropy(Function):
    def forward(self, x, target):
        self.x, self.target = x, target
        return -(target * torch.log(x)).sum()

    def backward(self, grad_output):
        return GRAD, None
"""


@pytest.mark.parametrize(
    ("grad", "verdict"),
    [("-grad_output * self.target / self.x", "holds"), ("-grad_output * self.target * self.x", "fails")],
)
def test_a_backward_beside_a_forward_is_the_gradient_by_its_first_input(grad: str, verdict: str) -> None:
    # an old-style Function (no ctx, no autograd import): backward is the gradient of forward by x, the
    # forward's first input; x, whose log the loss takes, is read as probabilities (it was read as the
    # logits, and the log of a logit has no value), and the result was refused ("say what backward is")
    result = check_claim(CheckOptions(_LAYER_CLASS.replace("GRAD", grad), timeout=60))
    assert result.verdict == verdict
    said = " ".join((*result.notes, *result.choices))
    assert "a backward beside a forward(x, ...) is the gradient by its first input" in said
    assert "x=a" in said


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        ("dW -= np.dot(X.T, Y - P) / N", "holds_if"),
        ("dW -= np.dot(X.T, P - Y) / N", "fails"),
        ("dW += np.dot(X.T, P - Y) / N", "holds_if"),
        ("dW += reg * W - np.dot(X.T, Y - P)", "ambiguous"),  # (λ/2) or λ times ‖W‖²: both fail or differ
    ],
)
def test_a_gradient_added_to_before_it_is_set_starts_from_zero(code: str, verdict: str) -> None:
    # a quoted fragment whose dW = np.zeros_like(W) is not in the quote: dW was an unknown symbol
    result = check_claim(CheckOptions(f"N, D = X.shape\n{code}", let=("Y=y", "P=a"), timeout=60))
    assert result.verdict == verdict, result.explanation
    assert any("with no dW before it: read as starting from 0" in note for note in result.notes)


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        ("dW = np.dot(X.T, dscores)\ndb = dscores.sum(axis=0)", "holds"),
        ("dW = np.dot(X.T, dscores) / N\ndb = dscores.sum(axis=0)", "fails"),
        ("dW = np.dot(X.T, dscores)\ndb = dscores.sum(axis=0) / N", "fails"),
        ("dW = np.dot(X.T, dscores)\ndb = dscores.sum(axis=0)".replace("dscores", "dZ"), "holds"),
    ],
)
def test_an_input_named_as_the_gradient_by_the_scores_is_upstream(code: str, verdict: str) -> None:
    # cs231n's dW = np.dot(X.T, dscores) quoted without the lines that compute dscores: dscores, named as
    # the loss's gradient by the scores, is dH/dZ (shown), and dW and db are judged by the chain rule (it
    # was an unknown symbol); an extra 1/N fails
    result = check_claim(CheckOptions(f"N, K = dscores.shape\n{code}", timeout=60))
    assert result.verdict == verdict, result.explanation
    assert any("the chain rule's upstream gradient" in choice for choice in result.choices)


_SOFTMAX_BACKWARD = """\
def backward(self, dvalues):
    self.dinputs = np.empty_like(dvalues)
    for index, (single_output, single_dvalues) in enumerate(zip(self.output, dvalues)):
        s = single_output.reshape(-1, 1)
        jacobian_matrix = np.diagflat(s) - np.dot(s, s.T)
        self.dinputs[index] = np.dot(jacobian_matrix, single_dvalues)
"""


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        (_SOFTMAX_BACKWARD, "holds"),
        (_SOFTMAX_BACKWARD.replace("np.diagflat(s) - np.dot", "np.diagflat(s) + np.dot"), "fails"),
    ],
)
def test_a_softmax_layers_upstream_gradient_is_by_its_output(code: str, verdict: str) -> None:
    # nnfs's softmax backward: dvalues, flowing in from above into a layer whose output is the softmax's,
    # is dH/dA (shown), and dinputs is judged by the chain rule (dvalues was an unknown symbol)
    result = check_claim(CheckOptions(code, timeout=60))
    assert result.verdict == verdict, result.explanation
    assert any("the loss's gradient by the softmax output" in choice for choice in result.choices)


_JS_GRAD = """\
function grad(z, y) {
  const m = Math.max(...z);
  const e = z.map(v => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v, i) => v / s - (i === y ? 1 : 0));
}
"""


@pytest.mark.parametrize(
    ("code", "verdict"),
    [(_JS_GRAD, "holds"), (_JS_GRAD.replace("? 1 : 0", "? 2 : 0"), "fails")],
)
def test_a_label_compared_with_an_index_where_equality_never_broadcasts_is_one_label(
    code: str, verdict: str
) -> None:
    # JavaScript's i === y compares two numbers: y, whose axes nothing else fixes, is one label (as a
    # vector of labels the result was a batch's, and "say what grad is the derivative of")
    result = check_claim(CheckOptions(code, timeout=60))
    assert result.verdict == verdict
    assert any("the index y is on the right side only: read as the true class" in n for n in result.notes)


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        ("logits.grad = F.softmax(logits, dim=1) - F.one_hot(y, num_classes=K)", "ambiguous"),  # mean or sum
        ("logits.grad = (F.softmax(logits, dim=1) - F.one_hot(y, num_classes=K)) / logits.shape[0]", "holds"),
        ("logits.grad = (F.softmax(logits, dim=1) + F.one_hot(y, num_classes=K)) / logits.shape[0]", "fails"),
    ],
)
def test_a_tensors_grad_attribute_is_the_gradient_by_it(code: str, verdict: str) -> None:
    # logits.grad = ...: "say what logits.grad is the derivative of"
    assert check_claim(CheckOptions(code, timeout=60)).verdict == verdict


# --------------------------------------------------------------------------------------------------------
# Options that say what the code's names are
# --------------------------------------------------------------------------------------------------------

_JACOBIAN_CODE = """
def softmax_grad(s):
    s = s.reshape(-1, 1)
    return np.diagflat(s) - np.dot(s, s.T)
"""


@pytest.mark.parametrize(
    ("code", "options", "verdict"),
    [
        # --means 'da/dz' (or the code's own 'ds/dz') on a matrix of the softmax output: its Jacobian
        (_JACOBIAN_CODE, {"means": "da/dz", "let": ("s=a",)}, "holds"),
        (_JACOBIAN_CODE, {"means": "ds/dz"}, "holds"),
        # a function's last line quoted alone
        ("return np.outer(s, s) - np.diag(s)", {"means": "da/dz", "let": ("s=a",)}, "fails"),
        ("return np.diag(s) - np.outer(s, s)", {}, "holds"),
        # --let 'y=c' on the labels the code indexes each example's classes with: the labels
        (
            "dscores = probs.copy()\ndscores[range(N), y] -= 1\ndscores /= N",
            {"means": "dL/dscores", "let": ("probs=A", "scores=Z", "y=c"), "batch_loss": "mean"},
            "holds",
        ),
        # --let on a name with an accented letter (ŷ), and Julia's x .- y beside a transposing quote
        ("dW = x * (ŷ .- y)'", {"means": "dH/dW", "let": ("ŷ=a",), "syntax": "code"}, "holds_if"),
        ("dW = x * (yhat .- y)'", {"let": ("yhat=a",)}, "holds_if"),
        ("dW = x * (y .- yhat)'", {"let": ("yhat=a",)}, "fails"),
        # a C loop header with an undeclared counter is code
        ("for (i = 0; i < K; i++) dz[i] = p[i] - y[i];", {"let": ("p=a",)}, "holds_if"),
        ("for (i = 0; i < K; i++) dz[i] = y[i] - p[i];", {"let": ("p=a",)}, "fails"),
        # grad beside the forward it differentiates: by the one parameter (not the number m)
        ("h = sigmoid(X * theta);\ngrad = (1/m) * X' * (h - y);", {}, "holds"),
        ("h = sigmoid(X * theta);\ngrad = (1/m) * X' * (y - h);", {}, "fails"),
        # the smoothing strength's code name, under --loss label-smoothing only
        (
            "smooth = (1 - eps) * onehot + eps / K\ngrad = softmax(z) - smooth",
            {"means": "dL/dz", "let": ("onehot=y", "K=k"), "loss": "label-smoothing", "assume": ("onehot",)},
            "holds",
        ),
    ],
)
def test_options_name_what_the_code_computes(code: str, options: dict[str, object], verdict: str) -> None:
    result = check_claim(CheckOptions(code, **options))  # type: ignore[arg-type]
    assert result.verdict == verdict, result.as_dict()


def test_a_grad_name_with_means_by_the_same_variable_is_the_left_side() -> None:
    # grad_W reads as dL/dW; --means 'dH/dW' says the same: no "its own left side" refusal
    result = check_claim(CheckOptions("grad_W = x (p - y)^T", let=("p=a",), means="dH/dW"))
    assert result.verdict == "holds_if", result.as_dict()


def test_a_let_to_a_batch_letter_fixes_the_codes_axes() -> None:
    # --let z=Z says z is a batch's matrix: the one-example reading (z.shape[0] the classes) is not a reading
    code = (
        "z = z - z.max(axis=-1, keepdims=True)\n"
        "p = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)\n"
        "dz = (p - y) / z.shape[0]\n"
    )
    options = CheckOptions(code, means="dL/dz", let=("z=Z", "y=Y"), batch_loss="mean")
    assert check_claim(options).verdict == "holds_if"
    assert check_claim(CheckOptions(code, means="dL/dz")).verdict == "ambiguous"  # unsaid: both readings


@pytest.mark.parametrize(
    ("code", "options", "verdict"),
    [
        # a softmax layer's backward, with the gradient from above named grad_output (a loss layer's number
        # 1 by its name): with no targets it is a vector, and the Jacobian-vector product is checked
        (
            "def softmax_backward(grad_output, s):\n"
            "    return s * (grad_output - (grad_output * s).sum(axis=-1, keepdims=True))\n",
            {},
            "holds",
        ),
        (
            "def softmax_backward(grad_output, s):\n"
            "    return s * (grad_output - (grad_output * s).sum(axis=-1, keepdims=True))\n",
            {"means": "dL/dz", "let": ("s=a",)},
            "holds",
        ),
        # the diagonal alone: wrong
        ("def softmax_backward(grad_output, s):\n    return s * (1 - s) * grad_output\n", {}, "fails"),
        ("def backward(grad_output, s):\n    return s * (1 - s) * grad_output\n", {"let": ("s=a",)}, "fails"),
    ],
)
def test_a_softmax_layers_backward_takes_a_vector_from_above(
    code: str, options: dict[str, object], verdict: str
) -> None:
    assert check_claim(CheckOptions(code, **options)).verdict == verdict  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        # Flux's losses as its docstrings write them: agg (mean by default), @. (every operator broadcast),
        # sum(x; dims) (dims 1 by default), ϵ and γ numbers, logσ the log of the sigmoid
        ("agg(@.(-y * log(ŷ + ϵ) - (1 - y) * log(1 - ŷ + ϵ)))", r"\log\left(1 - ŷ_{i} + ϵ\right)"),
        ("agg(-sum(y .* log.(ŷ .+ ϵ); dims))", r"-\sum_{i} y_{i} \cdot \log\left(ŷ_{i} + ϵ\right)"),
        ("agg(sum(@. -y * (1 - ŷ)^γ * log(ŷ); dims))", r"\left(1 - ŷ_{i}\right)^{γ}"),
        ("agg(@.((1 - y) * ŷ - logσ(ŷ)))", r"\log\left(\frac{1}{1 + e^{-ŷ_{i}}}\right)"),
        # a lone expression that starts with a minus is no diff's removed line
        ("-sum(y .* log.(p); dims=1)", r"\log\left(p"),
        # a sentence, then the code indented under it
        ("When `y` is one-hot, it is smoothed as\n\n    y .* (1 - α) .+ α / size(y, dims)", r"\frac{α}{"),
    ],
)
def test_a_lone_julia_expression_is_read_as_a_definition(code: str, shown: str) -> None:
    from derive.errors import ExpressionNotClaimError

    with pytest.raises(ExpressionNotClaimError) as raised:
        check_claim(CheckOptions(code))
    assert shown in str(raised.value)


@pytest.mark.parametrize(
    ("code", "verdict"),
    [("dz = σ.(z) .- y", "holds"), ("dz = sigmoid.(z) .- y", "holds"), ("dz = σ.(z) .- y .+ 1", "fails")],
)
def test_julias_broadcast_sigmoid_is_the_binary_model(code: str, verdict: str) -> None:
    assert check_claim(CheckOptions(code)).verdict == verdict


def test_a_function_header_of_four_words_is_code_not_a_sentence() -> None:
    # "def backward(self, dout):" has four words; read as a sentence before indented code, the function's
    # return (dx * dout / N) was dropped for dx (a wrong fails)
    code = (
        "def backward(self, dout):\n    dx = self.probs.copy()\n    dx[np.arange(self.N), self.y] -= 1\n"
        "    return dx * dout / self.N\n"
    )
    options = CheckOptions(
        code, means="dL/dx", let=("probs=A", "x=Z", "y=c", "N=N"), batch_loss="mean", syntax="python"
    )
    assert check_claim(options).verdict == "holds"


MICROGRAD_SOFTMAX = """\
def softmax(logits):
    m = max(logits)
    exps = [math.exp(v - m) for v in logits]
    s = sum(exps)
    return [e / s for e in exps]

"""

_PROBS = "    probs = softmax(logits)\n"


@pytest.mark.parametrize(
    ("body", "verdict"),
    [
        (_PROBS + "    return [p - (1 if i == target else 0) for i, p in enumerate(probs)]\n", "holds"),
        (_PROBS + "    return [(1 if i == target else 0) - p for i, p in enumerate(probs)]\n", "fails"),
        ("    exps = [math.exp(v) for v in logits]\n    s = sum(math.exp(v) for v in logits)\n"
         "    return [e / s - t for e, t in zip(exps, onehot)]\n", "holds_if"),
        (_PROBS + "    return [p * (1 - p) - t for p, t in zip(probs, onehot)]\n", "fails"),
    ],
)  # fmt: skip
def test_pure_python_list_comprehensions_are_read_entry_by_entry(body: str, verdict: str) -> None:
    # micrograd-style code: lists built by comprehensions, a generator summed, enumerate and zip; the label
    # compared with the index inside `... if i == target else ...` is one number (Python's if needs one)
    targets = "onehot" if "onehot" in body else "target"
    source = MICROGRAD_SOFTMAX + f"def grad_logits(logits, {targets}):\n" + body
    result = check_claim(CheckOptions(source, syntax="python"))
    assert result.verdict == verdict, result.explanation


def test_a_comprehension_with_a_condition_is_refused_in_one_line() -> None:
    source = "def grad(probs, target):\n    return [p - 1 for i, p in enumerate(probs) if i == target]\n"
    with pytest.raises(DeriveError, match="one `for` without `if` is read"):
        check_claim(CheckOptions(source, syntax="python"))


@pytest.mark.parametrize(
    ("gradient", "verdict"),
    [("dscores = (probs - Y) / N\n", "holds_if"), ("dscores = (exp_scores - Y) / N\n", "fails")],
)
def test_exp_scores_not_defined_in_a_fragment_is_the_exponential_of_the_scores(
    gradient: str, verdict: str
) -> None:
    # cs231n's name, in a fragment quoted without the line that computes it
    source = "probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)\n" + gradient
    result = check_claim(CheckOptions(source, syntax="python"))
    assert result.verdict == verdict, result.explanation
    assert any("read as exp(scores) (its name)" in note for note in result.notes)


_ADD_AT = """\
def ce_grad(z, y):
    N = z.shape[0]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    {line}
    return p / N
"""


@pytest.mark.parametrize(
    ("line", "verdict"),
    [
        ("np.add.at(p, (np.arange(N), y), -1)", "holds"),
        ("np.subtract.at(p, (np.arange(N), y), 1)", "holds"),
        ("np.add.at(p, (np.arange(N), y), 1)", "fails"),
    ],
)
def test_a_ufuncs_at_writes_into_its_array(line: str, verdict: str) -> None:
    # np.add.at(p, idx, -1) is p[idx] += -1; it was dropped without a word (a right gradient failed)
    result = check_claim(CheckOptions(_ADD_AT.format(line=line), means="dH/dz", batch_loss="mean"))
    assert result.verdict == verdict, result.explanation


def test_a_library_call_statement_that_is_not_read_leaves_its_array_unknown() -> None:
    # np.frobnicate(p, y) may write into p: p is never read as unchanged after it
    source = _ADD_AT.format(line="np.frobnicate(p, y)")
    with pytest.raises(DeriveError, match=r"np\.frobnicate"):
        check_claim(CheckOptions(source, means="dH/dz", batch_loss="mean"))


_KD_GRAD = """\
def kd_grad(student_logits, teacher_probs, T):
    z = student_logits / T
    p = np.exp(z - z.max())
    p /= p.sum()
    loss = -T ** 2 * np.sum(teacher_probs * np.log(p))
    grad = {gradient}
    return loss, grad
"""


@pytest.mark.parametrize(
    ("gradient", "verdict"), [("T * (p - teacher_probs)", "holds_if"), ("p - teacher_probs", "fails")]
)
def test_a_teachers_probabilities_are_the_targets(gradient: str, verdict: str) -> None:
    # teacher_probs was guessed as the softmax output (probs), so p - teacher_probs read as 0
    source = _KD_GRAD.format(gradient=gradient)
    options = CheckOptions(source, means="dloss/dstudent_logits", loss="temperature")
    assert check_claim(options).verdict == verdict


_RESHAPED = "def softmax_grad(softmax):\n    s = softmax.reshape(-1, 1)\n"


@pytest.mark.parametrize(
    ("source", "verdict"),
    [
        # the Stack Overflow answer: the code's own s is the softmax output reshaped to a column
        (_RESHAPED + "    return np.diagflat(s) - np.dot(s, s.T)\n", "holds"),
        (_RESHAPED + "    return np.diagflat(s) - np.dot(s.T, s)\n", "fails"),
        # a column stated in a comment: s s^T is the outer product it is there
        ("def softmax_grad(s):\n    # s: (C, 1) column vector\n    return np.diagflat(s) - np.dot(s, s.T)\n",
         "holds"),
    ],
)  # fmt: skip
def test_the_softmax_jacobian_of_a_column(source: str, verdict: str) -> None:
    result = check_claim(CheckOptions(source, means="ds/dz", syntax="python"))
    assert result.verdict == verdict, result.explanation


def test_a_size_named_like_a_loss_is_never_the_loss() -> None:
    # N, C = X.shape[0], W.shape[1]: C (the classes) was taken for the loss --means 'dL/dW' names
    source = (
        "def grad_W(W, X, y):\n    N, C = X.shape[0], W.shape[1]\n    Z = X @ W\n"
        "    P = np.exp(Z - Z.max(axis=1, keepdims=True))\n    P /= P.sum(axis=1, keepdims=True)\n"
        "    return X.T @ (P - np.eye(C)[y]) / N\n"
    )
    assert check_claim(CheckOptions(source, means="dL/dW")).verdict == "holds"


def test_a_row_stated_in_a_comment_of_code_that_writes_no_product_is_read_as_the_code_uses_it() -> None:
    # "Shape noted for s: (1, n)" beside np.diag(s) of a 1-D array: the code's own use decides
    source = (
        "def softmax_grad(s):\n    # Shape noted for s: (1, n).\n    jacobian_m = np.diag(s)\n"
        "    n = len(jacobian_m)\n"
        "    for i in range(n):\n        for j in range(n):\n            if i != j:\n"
        "                jacobian_m[i][j] = -s[i] * s[j]\n            else:\n"
        "                jacobian_m[i][j] = s[i] * (1 - s[i])\n    return jacobian_m\n"
    )
    assert check_claim(CheckOptions(source, means="ds/dz", syntax="python")).verdict == "holds"
