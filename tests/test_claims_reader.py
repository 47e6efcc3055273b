"""Specification of the reader beyond today's notation: one test per construct of issue 8, plain text,
readings, and any text giving readings or a one-line ParseError."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.claims.ast import (
    Add,
    Call,
    Cases,
    Claim,
    Condition,
    Derivative,
    Differential,
    Div,
    Dots,
    Exp,
    Hadamard,
    Index,
    Indicator,
    KroneckerDelta,
    Log,
    Matrix,
    Max,
    Mul,
    Neg,
    Node,
    Number,
    Outer,
    Pow,
    Probability,
    Reading,
    Sum,
    Symbol,
    Transpose,
)
from derive.claims.latex import MAX_READINGS, detect_math_syntax, format_node, parse_claim, read_math
from derive.errors import ParseError


def sym(name: str, *indices: str | int | Node, **kwargs: object) -> Symbol:
    nodes: list[Node] = []
    for index in indices:
        if isinstance(index, str):
            nodes.append(Symbol(index))
        elif isinstance(index, int):
            nodes.append(Number(Fraction(index)))
        else:
            nodes.append(index)
    return Symbol(name, tuple(nodes), **kwargs)  # type: ignore[arg-type]


def num(value: int | str) -> Number:
    return Number(Fraction(value))


def call(function: str | Symbol, *args: Node) -> Call:
    return Call(function if isinstance(function, Symbol) else Symbol(function), args)


def cond(left: str | Node, op: str, right: str | Node) -> Condition:
    return Condition(
        Symbol(left) if isinstance(left, str) else left,
        op,  # type: ignore[arg-type]
        Symbol(right) if isinstance(right, str) else right,
    )


def sides(text: str) -> tuple[Node, ...]:
    return parse_claim(text).sides


def only(text: str) -> Node:
    (side,) = sides(text)
    return side


def readings(text: str) -> tuple[Reading, ...]:
    return read_math(text)


x, y, z = Symbol("x"), Symbol("y"), Symbol("z")
i, j, k = Symbol("i"), Symbol("j"), Symbol("k")


# ---- matrices, ellipses ---------------------------------------------------------------------------


def test_bmatrix_with_vertical_dots_is_a_column_of_entries() -> None:
    node = only(r"\begin{bmatrix} p_1 - y_1 \\ \vdots \\ p_n - y_n \end{bmatrix}")
    p1 = Add((sym("p", 1), Neg(sym("y", 1))))
    pn = Add((sym("p", "n"), Neg(sym("y", "n"))))
    assert node == Matrix(((p1,), (Dots("v"),), (pn,)))


def test_pmatrix_and_matrix_rows_split_at_ampersands_with_ddots() -> None:
    node = only(r"\begin{pmatrix} a & \cdots \\ \vdots & \ddots \end{pmatrix}")
    assert node == Matrix(((Symbol("a"), Dots("h")), (Dots("v"), Dots("d"))))


def test_matrix_inside_left_right_parentheses() -> None:
    node = only(r"\left( \begin{matrix} x_1 \\ x_2 \end{matrix} \right)")
    assert node == Matrix(((sym("x", 1),), (sym("x", 2),)))


def test_a_sum_written_out_has_dots_inside_the_addition() -> None:
    assert only(r"a_1 + \cdots + a_k") == Add((sym("a", 1), Dots("h"), sym("a", "k")))


def test_boxed_numbers_side_by_side_are_a_row_vector() -> None:
    assert only(r"\boxed{0.090}\boxed{-0.775}") == Matrix(((num("0.090"), Neg(num("0.775"))),))


# ---- decorations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"\dot{x}", sym("x", decoration="dot")),
        (r"\Bbb{R}", sym("R", decoration="bb")),
        (r"\boldsymbol{\theta}", sym("theta", decoration="bold")),
        (r"\overrightarrow{w}", sym("w", decoration="bold")),
        (r"\mathbb{\hat{y}}", sym("y", decoration="hat")),
        (r"\hat{\mathbf{p}}", sym("p", decoration="hat")),
        (r"\hat{y_i}", sym("y", "i", decoration="hat")),
        (r"\mathbf{\hat{y}}_i", sym("y", "i", decoration="hat")),
    ],
)
def test_decorations_and_nested_decorations(text: str, expected: Node) -> None:
    assert only(text) == expected


def test_a_font_on_an_expression_is_typesetting() -> None:
    assert only(r"\bf{\hat{y} - y}") == Add((sym("y", decoration="hat"), Neg(y)))


def test_not_equals_is_a_condition() -> None:
    assert parse_claim(r"a_k = 0 \quad \text{if } k \not= i").conditions == (cond("k", "!=", "i"),)


def test_escaped_underscore_is_a_subscript_or_joins_a_name() -> None:
    assert only(r"z\_i") == sym("z", "i")
    assert only(r"\frac{1}{batch\_size}") == Div(num(1), Symbol("batch_size"))


@pytest.mark.parametrize("nabla", [r"\nabla", r"\bigtriangledown", r"\triangledown", "∇"])
def test_spellings_of_nabla(nabla: str) -> None:
    assert only(f"{nabla}_{{z}} L") == Derivative(Symbol("L"), z)


def test_empty_groups_and_empty_scripts_are_ignored() -> None:
    assert only(r"{}x_{i}") == sym("x", "i")
    assert only(r"\sum_{k}^{ } y_k") == Sum("k", None, None, sym("y", "k"))


# ---- derivatives -----------------------------------------------------------------------------------


def test_partial_with_a_subscript_is_an_operator() -> None:
    assert only(r"\partial_{o_j} L") == Derivative(Symbol("L"), sym("o", "j"))


def test_derivative_operator_applies_to_the_whole_product_that_follows() -> None:
    yhat_i = sym("y", "i", decoration="hat")
    node = only(r"\frac{d}{d\hat y_i} y_i \log \hat y_i")
    assert node == Derivative(Mul((sym("y", "i"), Log(yhat_i))), yhat_i)


def test_derivative_operator_stops_at_a_plus() -> None:
    assert only(r"\frac{\partial}{\partial z} a + b") == Add((Derivative(Symbol("a"), z), Symbol("b")))


def test_derivative_operator_stops_at_an_inline_slash() -> None:
    # the dev claim V28, read left to right: the derivative of the numerator, then divided
    x_i = sym("x", "i")
    total = Sum(None, None, None, Exp(Symbol("x")))
    assert only("d/dx_i exp(x_i) / sum(exp(x))") == Div(Derivative(Exp(x_i), x_i), total)
    assert only(r"\frac{\partial}{\partial z} \frac{a}{b}") == Derivative(Div(Symbol("a"), Symbol("b")), z)


def test_denominator_without_partial_is_still_a_derivative_and_says_so() -> None:
    reading, fraction = readings(r"\frac{\partial y_i}{x_i} = y_i (1-y_i)")
    assert reading.claims[0].sides[0] == Derivative(sym("y", "i"), sym("x", "i"))
    assert any("has no \\partial" in choice for choice in reading.choices)
    # or the numerator's \partial is the stray one: a fraction, the other reading, shown too
    assert fraction.claims[0].sides[0] == Div(sym("y", "i"), sym("x", "i"))
    assert any("stray" in choice for choice in fraction.choices)


def test_derivative_by_an_expression() -> None:
    exp_y = Exp(sym("y", 1))
    assert only(r"\frac{\delta P_1}{\delta e^{y_1}}") == Derivative(sym("P", 1), exp_y)


def test_plain_text_slash_derivatives() -> None:
    assert sides("dL/dz_i = p_i - y_i")[0] == Derivative(Symbol("L"), sym("z", "i"))
    assert only("d/dx_i logsumexp(x)") == Derivative(call("logsumexp", x), sym("x", "i"))
    assert only("∂L/∂z") == Derivative(Symbol("L"), z)
    assert only("dsoftmax / dx") == Derivative(Symbol("softmax"), x)


def test_mathtype_braces_around_a_derivative() -> None:
    assert only(r"\frac{{\partial {L_i}}}{{\partial {f_j}}}") == Derivative(sym("L", "i"), sym("f", "j"))


# ---- indices, scripts, layers ----------------------------------------------------------------------


def test_subscript_on_a_bracketed_group_is_an_entry() -> None:
    assert only(r"(a_k)_i") == Index(sym("a", "k"), (i,))


def test_subscript_after_a_call_is_an_entry_of_the_result() -> None:
    assert only(r"\text{softmax}(z)_i") == Index(call("softmax", z), (i,))
    assert only("softmax(x)[class]") == Index(call("softmax", x), (Symbol("class"),))


def test_primed_index_is_its_own_name() -> None:
    node = only(r"\sum_{i'} e^{z_{i'}}")
    assert node == Sum("i'", None, None, Exp(sym("z", "i'")))


def test_sum_from_zero() -> None:
    assert only(r"\sum_{j=0}^{k} a_j") == Sum("j", num(0), k, sym("a", "j"))


def test_semicolon_in_a_call_separates_the_parameters() -> None:
    assert only(r"f(z;\theta)") == call("f", z, Symbol("theta"))


def test_mismatched_delimiter_sizes_are_typesetting() -> None:
    assert only(r"\Biggl[ a + b \biggr] c") == Mul((Add((Symbol("a"), Symbol("b"))), Symbol("c")))


def test_index_tensor_subscript_is_four_indices() -> None:
    assert only(r"\mathbb{E}_{ijkl}") == sym("E", "i", "j", "k", "l", decoration="bb")


def test_named_subscript_stays_one_index() -> None:
    assert only(r"L_{\mathrm{KD}}") == sym("L", "KD")


@pytest.mark.parametrize(
    ("text", "layer"),
    [(r"W^{[2]}", num(2)), (r"W^{(2)}", num(2)), (r"W^{[l]}", Symbol("l"))],
)
def test_layer_superscripts(text: str, layer: Node) -> None:
    assert only(text) == Symbol("W", layer=layer)


def test_example_superscript_stays_an_example_index() -> None:
    assert only(r"x^{(i)}") == Symbol("x", example=i)


def test_layer_l_on_an_indexed_weight_has_a_power_reading_too() -> None:
    first, second = readings(r"w^l_{jk}")
    assert first.claims[0].sides == (Symbol("w", (j, k), layer=Symbol("l")),)
    assert second.claims[0].sides == (Pow(sym("w", "j", "k"), Symbol("l")),)


def test_layer_superscript_with_a_transpose_inside() -> None:
    node = only(r"A^{[l - 1]^T}")
    assert node == Symbol("A", transposed=True, layer=Add((Symbol("l"), Neg(num(1)))))


# ---- differentials and Jacobians -------------------------------------------------------------------


def test_mathrm_d_is_a_differential_with_a_product_reading() -> None:
    first, second = readings(r"\mathrm{d} W = X^T \cdot \mathrm{d} S")
    assert first.claims[0].sides[0] == Differential(Symbol("W"))
    assert second.claims[0].sides[0] == Mul((Symbol("d"), Symbol("W")))
    assert "read as a differential" in first.choices[0]


def test_dz_alone_is_a_differential_of_the_layer_variable() -> None:
    (first, *_) = readings(r"dZ^{[L]} = A^{[L]} - y")
    assert first.claims[0].sides[0] == Differential(Symbol("Z", layer=Symbol("L")))


def test_jacobian_notation() -> None:
    (first, second) = readings(r"J_x y")
    assert first.claims[0].sides == (Derivative(y, x),)
    assert second.claims[0].sides == (Mul((sym("J", "x"), y)),)


# ---- a whole text: several equations, chains, prose ------------------------------------------------


def test_two_equations_joined_by_semicolon_quad() -> None:
    (reading,) = readings(r"p_t = \mathrm{softmax}(z_t); \quad p_s = \mathrm{softmax}(z_s)")
    assert [claim.sides[0] for claim in reading.claims] == [sym("p", "t"), sym("p", "s")]


def test_two_equations_joined_by_comma_qquad() -> None:
    (reading,) = readings(r"a = b, \qquad c = d")
    assert [claim.sides for claim in reading.claims] == [
        (Symbol("a"), Symbol("b")),
        (Symbol("c"), Symbol("d")),
    ]


def test_a_wide_space_between_two_equations_separates_them() -> None:
    (reading,) = readings(r"p_k = q_k \hspace{1in} L_i = -\log p_{y_i}")
    assert len(reading.claims) == 2


def test_a_line_that_restates_the_left_side_continues_the_chain() -> None:
    text = r"\frac{\partial L}{\partial z_j} = \sum_i a_i \\ \frac{\partial L}{\partial z_j} = a_j - y_j"
    (reading,) = readings(text)
    (claim,) = reading.claims
    assert len(claim.sides) == 3


def test_align_rows_with_new_left_sides_are_new_chains() -> None:
    text = r"\begin{align*} a &= b \\ &= c \\ u &= v \end{align*}"
    (reading,) = readings(text)
    assert [claim.sides for claim in reading.claims] == [
        (Symbol("a"), Symbol("b"), Symbol("c")),
        (Symbol("u"), Symbol("v")),
    ]


def test_newline_as_a_row_separator_and_aligned_with_a_space() -> None:
    text = "\\begin {aligned} a &= b \\newline &= c \\end {aligned}"
    assert sides(text) == (Symbol("a"), Symbol("b"), Symbol("c"))


def test_three_backslashes_are_a_row_break() -> None:
    assert sides(r"a &= b \\\ &= c") == (Symbol("a"), Symbol("b"), Symbol("c"))


def test_equation_number_at_the_end_is_prose() -> None:
    claim = parse_claim(r"L = -\log p_t (1)")
    assert claim.sides == (Symbol("L"), Neg(Log(sym("p", "t"))))
    assert claim.qualifiers == ("(1)",)


def test_a_number_in_parentheses_without_an_equation_is_an_operand() -> None:
    # found by hypothesis: no relation in the row, so (2) is what the derivative applies to
    node = only(r"\sum_{k=1}^{K} \frac{\partial}{\partial z_j} (2)")
    assert node == Sum("k", num(1), Symbol("K"), Derivative(num(2), sym("z", "j")))


@pytest.mark.parametrize(
    "text",
    [
        "$$a = b$$",
        "$a = b$",
        r"\(a = b\)",
        r"\[a = b\]",
        r"\\(a = b\\)",
        "```math\na = b\n```",
        ".. math:: a = b",
    ],
)
def test_math_delimiters_are_stripped(text: str) -> None:
    assert sides(text) == (Symbol("a"), Symbol("b"))


def test_prose_around_formulas_yields_the_formulas() -> None:
    text = (
        "Let z be pre-softmax logits, p_i = softmax(z)_i = exp(z_i)/Σ_j exp(z_j).\n"
        "Cross entropy: L = -log p_y."
    )
    (reading,) = readings(text)
    first, second = reading.claims
    assert first.sides[0] == sym("p", "i")
    assert first.sides[2] == Div(Exp(sym("z", "i")), Sum("j", None, None, Exp(sym("z", "j"))))
    assert second.sides == (Symbol("L"), Neg(Log(sym("p", "y"))))


def test_prose_after_a_formula_is_a_qualifier() -> None:
    claim = parse_claim(r"$$a = b$$ for all $p = 1, \ldots, m$.")
    assert claim.sides == (Symbol("a"), Symbol("b"))
    assert claim.qualifiers and claim.qualifiers[0].startswith("for all")


def test_markdown_heading_states_the_case_of_the_formulas_under_it() -> None:
    (reading,) = readings("###i=j\n\n$f'(s)=s \\cdot (1-s)$\n\n###i!=j\n\n$f'(s)=-s^2$")
    assert [claim.conditions for claim in reading.claims] == [(cond("i", "=", "j"),), (cond("i", "!=", "j"),)]


def test_chinese_label_before_an_equals_is_a_new_claim() -> None:
    text = "\\begin{align*} a & = b \\\\\n算上Batch后：& = \\frac{1}{M} b \\end{align*}"
    (reading,) = readings(text)
    first, second = reading.claims
    assert first.sides == (Symbol("a"), Symbol("b"))
    assert second.sides == (Mul((Div(num(1), Symbol("M")), Symbol("b"))),)
    assert second.qualifiers == ("算上Batch后：",)


# ---- conditions and indicators ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        (r"a_i = b_i, i = j", cond("i", "=", "j")),
        (r"a_i = b_i \quad (i \neq k)", cond("i", "!=", "k")),
        (r"a_j = b_j \text{if } j = c", cond("j", "=", "c")),
        (r"a_j = b_j \quad\text{for } j \ne y", cond("j", "!=", "y")),
        (r"a_i = b_i \;: i = j", cond("i", "=", "j")),
        (r"{\rm if}~i=j,~ a_i = b_i", cond("i", "=", "j")),
    ],
)
def test_inline_conditions_restrict_the_claim(text: str, condition: Condition) -> None:
    assert parse_claim(text).conditions == (condition,)


def test_a_range_is_a_qualifier_not_a_condition() -> None:
    claim = parse_claim(r"y_i = \frac{e^{x_i}}{\sum_k e^{x_k}}, for~i=1,..., C")
    assert not claim.conditions
    assert claim.qualifiers == ("for~i=1,..., C",)


def test_subscript_with_a_condition_moves_the_condition_to_the_claim() -> None:
    claim = parse_claim(r"\frac{\partial y_{k=i}}{\partial z_i} = y_{k=i}(1 - y_i)")
    assert claim.sides[0] == Derivative(sym("y", "k"), sym("z", "i"))
    assert claim.conditions == (cond("k", "=", "i"),)


@pytest.mark.parametrize(
    "text",
    [
        r"1\{y = j\}",
        r"\mathbb{1}[y=j]",
        r"\mathbb{1}\{y = j\}",
        r"1_{y=j}",
        r"1\left\{y = j\right\}",
        r"[y = j]",
        r"\mathbb{1}(y = j)",
    ],
)
def test_indicator_spellings(text: str) -> None:
    assert only(text) == Indicator(cond("y", "=", "j"))


def test_the_label_as_the_true_class() -> None:
    assert parse_claim(r"a_i = b_i, i = y").conditions == (cond("i", "=", "y"),)


def test_cases_row_with_two_conditions_nests() -> None:
    node = only(
        r"\begin{cases} a & \text{if } p=i, q=j \\ b & \text{if } p=i, q\neq j"
        r" \\ 0 & \text{if } p\neq i \end{cases}"
    )
    inner = Cases(((Symbol("a"), cond("q", "=", "j")), (Symbol("b"), cond("q", "!=", "j"))))
    assert node == Cases(((inner, cond("p", "=", "i")), (num(0), cond("p", "!=", "i"))))


def test_a_chain_inside_a_cases_row_is_a_claim_of_its_own() -> None:
    (reading,) = readings(r"f = \begin{cases} a = b, & i=t \\ c, & i \neq t \end{cases}")
    assert reading.claims[1].sides == (Symbol("a"), Symbol("b"))
    assert reading.claims[1].conditions == (cond("i", "=", "t"),)


def test_conditional_probability() -> None:
    node = only(r"P(y = k | x; w)")
    assert node == Probability(cond("y", "=", Symbol("k")), (x, Symbol("w")))


# ---- functions, operators --------------------------------------------------------------------------


def test_max_over_an_index_and_of_a_vector() -> None:
    assert only(r"\max_j z_j") == Max("j", sym("z", "j"))
    assert only("max(z)") == Max(None, z)
    assert only(r"\max(x, y)") == call("max", x, y)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"a \odot b", Hadamard(Symbol("a"), Symbol("b"))),
        (r"a \circ b", Hadamard(Symbol("a"), Symbol("b"))),
        (r"a \oslash b", Div(Symbol("a"), Symbol("b"))),
        (r"a \otimes b", Outer(Symbol("a"), Symbol("b"))),
        (r"p_j.p_i", Mul((sym("p", "j"), sym("p", "i")))),
        (r"X.T.dot(D)", Mul((Symbol("X", transposed=True), Symbol("D")))),
    ],
)
def test_products(text: str, expected: Node) -> None:
    assert only(text) == expected


def test_log_base_e_is_the_natural_logarithm() -> None:
    assert only(r"\log_{e}(y)") == Log(y)


def test_color_underbrace_hspace_because_are_typesetting() -> None:
    assert only(r"{\color{Cyan} {x}} + \underbrace{y}_\text{data loss}") == Add((x, y))
    claim = parse_claim(r"\because \begin {aligned} F &= a \end {aligned}")
    assert claim.sides == (Symbol("F"), Symbol("a"))


def test_an_approximate_equality_is_a_qualifier() -> None:
    claim = parse_claim(r"C_1 \approx \frac{1}{N} \sum_i z_i")
    assert claim.sides == (sym("C", 1),)
    assert claim.qualifiers and claim.qualifiers[0].startswith("\\approx")


def test_a_function_signature_is_prose() -> None:
    text = r"\begin{aligned} L: \mathbb{R}^{m} \rightarrow \mathbb{R} \\ L(y) &= \frac{1}{m} y \end{aligned}"
    (reading,) = readings(text)
    assert [claim.sides[0] for claim in reading.claims] == [call("L", y)]


# ---- plain text (ASCII and unicode) ----------------------------------------------------------------


def test_ascii_claim_with_names_stars_and_powers() -> None:
    claim = parse_claim("grad_z = yhat_i * (1 - y_hat)**2 / sum_j exp(z_j)")
    # grad_z written alone is the gradient by z of the loss the text does not name
    assert claim.sides[0] == Derivative(Symbol("L"), Symbol("z"))
    total = Sum("j", None, None, Exp(sym("z", "j")))
    body = Mul((sym("yhat", "i"), Pow(Add((num(1), Neg(Symbol("y_hat")))), num(2))))
    assert claim.sides[1] == Div(body, total)


def test_multi_letter_names_in_text_are_one_symbol() -> None:
    assert only("label_smoothing * targ") == Mul((Symbol("label_smoothing"), Symbol("targ")))
    assert only("grad_output") == Symbol("grad_output")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("∂L/∂ŷ", Derivative(Symbol("L"), sym("y", decoration="hat"))),
        ("y\u0302 − y", Add((sym("y", decoration="hat"), Neg(y)))),
        ("Σ_j p_j", Sum("j", None, None, sym("p", "j"))),
        ("Σ(p)", Sum(None, None, None, Symbol("p"))),  # plain text's Σ without an index is still a sum
        ("Σp = 1", None),
        ("a · b × c", Mul((Symbol("a"), Symbol("b"), Symbol("c")))),
        ("Wᵀx", Mul((Symbol("W", transposed=True), x))),
        ("x²", Pow(x, num(2))),
        ("x₁ – x₂", Add((sym("x", 1), Neg(sym("x", 2))))),
        ("ɑ(1-p)ˠ", Mul((Symbol("alpha"), Pow(Add((num(1), Neg(Symbol("p")))), Symbol("gamma"))))),
        ("Ɣ = ɣ", None),
    ],
)
def test_unicode_math(text: str, expected: Node | None) -> None:
    if text == "Σp = 1":
        assert sides(text) == (Sum(None, None, None, Symbol("p")), num(1))
    elif expected is None:
        assert sides(text) == (Symbol("gamma"), Symbol("gamma"))
    else:
        assert only(text) == expected


def test_code_spans_and_comment_markers_in_text() -> None:
    (reading,) = readings("The gradient equation can be written as `q_k - p_k`")
    assert reading.claims[0].sides == (Add((sym("q", "k"), Neg(sym("p", "k")))),)
    assert sides("# dL/dp = -alpha") == (Derivative(Symbol("L"), Symbol("p")), Neg(Symbol("alpha")))


def test_if_then_in_code_spans_gives_the_claim_its_condition() -> None:
    claim = parse_claim("* `if (i == j)` then `delta = 1-p`")
    assert claim.sides == (Symbol("delta"), Add((num(1), Neg(Symbol("p")))))
    assert claim.conditions == (cond("i", "=", "j"),)


def test_html_sub_and_sup_tags() -> None:
    assert only("q<sub>i</sub><sup>2</sup>") == Pow(sym("q", "i"), num(2))


def test_julia_broadcasting_reads_as_the_same_formula() -> None:
    node = only("y .* log.(yhat) .- x ./ s")
    assert node == Add((Hadamard(y, Log(Symbol("yhat"))), Neg(Div(x, Symbol("s")))))


def test_keyword_arguments_are_qualifiers() -> None:
    claim = parse_claim("logsoftmax(x; dims = 1) = x .- log.(sum(exp.(x), dims = dims))")
    assert claim.sides[1] == Add((x, Neg(Log(Sum(None, None, None, Exp(x))))))
    assert "dims = 1" in claim.qualifiers


def test_is_between_two_formulas_is_equals() -> None:
    assert len(sides("dL/dz is p - y")) == 2


def test_plain_text_transpose_before_a_letter() -> None:
    # a seed post's w_j^Tx: the transpose of w_j times x (a longer word stays one exponent)
    w_t = Symbol("w", (Symbol("j"),), transposed=True)
    assert sides("z_j = w_j^Tx+b") == (sym("z", "j"), Add((Mul((w_t, Symbol("x"))), Symbol("b"))))
    assert only("x^Temp") == Pow(Symbol("x"), Symbol("Temp"))


# ---- readings --------------------------------------------------------------------------------------


def test_a_letter_run_in_latex_has_two_readings_name_first_when_long() -> None:
    first, second = readings(r"\frac{\partial L}{\partial z} = yhat - y")
    assert first.claims[0].sides[1] == Add((Symbol("yhat"), Neg(y)))
    assert second.claims[0].sides[1] == Add((Mul(tuple(Symbol(c) for c in "yhat")), Neg(y)))
    assert first.choices == ("yhat read as one name",)


def test_a_two_letter_run_is_a_product_first() -> None:
    first, second = read_math(r"a = pu", "latex")
    assert first.claims[0].sides[1] == Mul((Symbol("p"), Symbol("u")))
    assert second.claims[0].sides[1] == Symbol("pu")


def test_a_run_whose_product_reading_is_impossible_has_one_reading() -> None:
    (reading,) = readings(r"\frac{\partial ce}{\partial z} = a")  # c times e would be a bare e
    assert reading.claims[0].sides[0] == Derivative(Symbol("ce"), z)


def test_text_names_have_one_reading() -> None:
    (reading,) = readings("yhat - y")
    assert reading.claims[0].sides == (Add((Symbol("yhat"), Neg(y))),)


def test_a_one_letter_function_applied_to_an_expression_has_both_readings() -> None:
    first, second = readings(r"s(x + 1)")
    x1 = Add((x, num(1)))
    assert first.claims[0].sides == (Mul((Symbol("s"), x1)),)
    assert second.claims[0].sides == (call("s", x1),)
    # applied to the weights times the input (the logits written out): applied, never a product
    (applied,) = readings(r"s(w^T x)")
    assert applied.claims[0].sides == (call("s", Mul((Symbol("w", transposed=True), x))),)
    f_first, _ = readings(r"f(x + 1)")
    assert f_first.claims[0].sides == (call("f", Add((x, num(1)))),)


def test_a_subscripted_value_before_a_bracket_is_a_product_only() -> None:
    (reading,) = readings(r"y_i(1 - y_i)")
    assert reading.claims[0].sides == (Mul((sym("y", "i"), Add((num(1), Neg(sym("y", "i")))))),)


def test_never_more_than_four_readings() -> None:
    text = r"yhat + pu + \mathrm{d} w + s(x+1) + W^{(L)} + J_x y"
    assert 1 < len(readings(text)) <= MAX_READINGS


def test_a_missing_closing_bracket_is_read_as_closed_at_the_end_of_the_line_and_says_so() -> None:
    (reading,) = readings("d/dx_i log(sum(exp(x)) \n = softmax(x)")
    assert reading.claims[0].sides[0] == Derivative(Log(Sum(None, None, None, Exp(x))), sym("x", "i"))
    assert reading.choices and "never closed" in reading.choices[0]


# ---- syntax detection ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "syntax"),
    [
        (r"\frac{a}{b}", "latex"),
        ("$a = b$", "latex"),
        ("dL/dz = p - y", "text"),
        ("∂L/∂z = p − y", "text"),
        ("```math\na = b\n```", "latex"),
    ],
)
def test_detect_math_syntax(text: str, syntax: str) -> None:
    assert detect_math_syntax(text) == syntax


def test_syntax_can_be_forced() -> None:
    assert read_math("yhat", "latex") != read_math("yhat", "text")
    # a formula from $..$ is LaTeX even without a command: a script takes one character
    assert parse_claim("x^ab", "latex").sides == (Mul((Pow(Symbol("x"), Symbol("a")), Symbol("b"))),)
    assert parse_claim("x^ab").sides == (Pow(Symbol("x"), Symbol("ab")),)


# ---- refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a < b", "inequalities"),
        ("```java x.sub(y);```", "code"),
        (r"\left( e^{s} \right)^{'} = e^{s}", "prime on an expression"),
        ("just some words here", "prose"),
        ("p -> 1", "limit"),
        ("y = / x", "unexpected '/' at column 5"),  # found by hypothesis: nothing to divide
        ("..dxxα", "no formula"),  # found by hypothesis: an ellipsis alone is not a formula
        ("xx'x", "no formula"),  # found by hypothesis: a word with an apostrophe is prose
        ("x is is y", "no formula"),  # found by hypothesis: 'is' is equals only between two formulas
        ("x_'", "a prime ' must follow"),  # found by hypothesis
        ("\\partial_' x", "a prime ' must follow"),  # found by hypothesis
    ],
)
def test_refusals_are_one_line_and_name_the_construct(text: str, fragment: str) -> None:
    with pytest.raises(ParseError) as caught:
        read_math(text)
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


# ---- format round trip of the new nodes ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        r"\begin{bmatrix} a & \cdots \\ \vdots & \ddots \end{bmatrix}",
        r"(a_k)_i",
        r"\mathbb{1}[y=j] - p_j",
        r"\max_j z_j + \max(z)",
        r"\mathrm{d} W",
        r"a \otimes b",
        r"P(y = k | x; w)",
        r"W^{[2]} + x^{(i)} + A^{[l - 1]^T}",
        r"\sum_{i'} z_{i'}",
        r"\frac{\partial}{\partial z} (a b) c",
    ],
)
def test_new_nodes_round_trip_through_format_node(text: str) -> None:
    for side in sides(text):
        assert sides(format_node(side)) == (side,), format_node(side)


def test_a_braced_two_digit_index_is_one_index() -> None:
    # found by hypothesis: x[11 is the eleventh entry, written x_{{11}}; x_{11} is W_{1,1}-style
    eleventh = Symbol("x", (num(11),))
    assert only("x_{{11}}") == eleventh
    assert only(format_node(only("x[11]"))) == eleventh
    assert only("x_{11}") == Symbol("x", (num(1), num(1)))


def test_a_number_before_brackets_multiplies_them() -> None:
    # found by hypothesis: 2[i] is not an entry of the number 2
    assert only("2[i]") == Mul((num(2), Symbol("i")))


def test_de_is_not_a_differential_of_e() -> None:
    # found by hypothesis: a bare e is never a variable, so de is one name (or refused in LaTeX)
    assert [reading.claims[0].sides for reading in read_math("y = de")] == [(Symbol("y"), Symbol("de"))]


def test_a_prime_inside_a_plain_text_word() -> None:
    # found by hypothesis: x'y is x prime times y (a contraction such as that's stays a word)
    assert only("x'y") == Mul((Symbol("x", primes=1), Symbol("y")))
    assert parse_claim("dL/dz = p - y, that's it").qualifiers == ("that's it",)


def test_an_indicator_after_an_operator_keeps_its_one() -> None:
    # found by hypothesis: the 1 of \mathbb{1}[..] is part of the indicator after \odot too
    indicator = Indicator(Condition(Symbol("x"), "=", Symbol("y")))
    assert only(r"x \odot \mathbb{1}\left[x = y\right]") == Hadamard(Symbol("x"), indicator)


def test_a_quotient_of_differentials_is_a_derivative() -> None:
    # found by hypothesis: dx/+dx is written \frac{\mathrm{d} x}{\mathrm{d} x}, which reads as a derivative
    assert read_math("dy/+dx")[0].claims[0].sides == (Derivative(Symbol("y"), Symbol("x")),)


def test_an_ellipsis_side_says_more_follows() -> None:
    # found by hypothesis: P_j(x) = .. has no second side to check
    assert sides(r"a = b = \cdots") == (Symbol("a"), Symbol("b"))


def test_a_sum_of_a_function_name() -> None:
    # found by hypothesis: \sum_k \operatorname{softmax} sums the name (it is not a name for a sum)
    assert only(r"\sum_{k} \operatorname{softmax}") == Sum("k", None, None, Symbol("softmax"))


def test_a_layer_and_an_example_on_one_symbol_round_trip() -> None:
    # found by hypothesis: x^{[l]}^{(L)} is written {x^{[l]}}^{(L)}, one superscript each (MathJax-safe)
    node = only("x_i^{[l]}^{(n)}")
    assert node == Symbol("x", (Symbol("i"),), example=Symbol("n"), layer=Symbol("l"))
    assert format_node(node) == "{x_{i}^{[l]}}^{(n)}"
    assert only(format_node(node)) == node


def test_a_max_of_an_entry_round_trips() -> None:
    # found by hypothesis: \max_j (e^{y})_j keeps the entry inside the max
    node = only(r"\max_j e^y_j")
    assert isinstance(node, Max)
    assert only(format_node(node)) == node


def test_a_sigma_symbol_is_not_written_as_a_sum() -> None:
    # found by hypothesis: the name Sigma_j is written {\Sigma}_{j}, since \Sigma_{j} + x is a sum
    node = only(r"\frac{e_j}{\Sigma_j}")
    assert format_node(node) == r"\frac{e_{j}}{{\Sigma}_{j}}"
    assert only(format_node(Add((sym("Sigma", "j"), Symbol("x"))))) == Add((sym("Sigma", "j"), Symbol("x")))


def test_a_negated_product_is_written_without_extra_parentheses() -> None:
    # a seed post's worked numbers: -1.0 \times \log{(0.284958)}
    side = only(r"-1.0 \times \log{(0.284958)}")
    assert format_node(side) == r"-1 \cdot \log\left(0.284958\right)"
    assert only(format_node(side)) == side


# ---- properties ------------------------------------------------------------------------------------

PIECES = [
    "x", "y_j", "W_{i,j}", "yhat", "pu", r"\mathrm{d}", "dW", "s(", "f(", "P(", "|", ";", "1\\{", "\\}",
    r"\begin{bmatrix}", r"\end{bmatrix}", "&", r"\\", r"\cdots", r"\vdots", r"\odot", r"\otimes", "∂",
    "Σ_j", "ŷ", "y\u0302", "²", "ᵀ", "**", ".*", "`", "$", "$$", "# ", "\n", " = ", " + ", "(", ")", "[", "]",
    "{", "}", r"\text{if }", " i = j", r"\quad", r"\hspace{1in}", r"\approx", r"\in", "for all", " is ",
    "The result", "<sub>i</sub>", "dL/dz", "d/dx", r"\frac{\partial}{\partial z}", r"\max_j", "max(",
    r"\sum_{i'}", "^{[l]}",
    "^{(L)}", "_{k=i}", r"\delta{ij}", "(1)", r"\because", "算", "：", r"\not=", r"\_", "e^", "log(", "exp(",
]  # fmt: skip


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=25).map("".join))
def test_any_mix_of_notation_gives_readings_or_one_parse_error(text: str) -> None:
    for syntax in (None, "latex", "text"):
        try:
            found = read_math(text, syntax)  # type: ignore[arg-type]
        except ParseError as error:
            assert "\n" not in str(error) and "internal error" not in str(error)
            continue
        assert 1 <= len(found) <= MAX_READINGS
        assert all(isinstance(claim, Claim) for reading in found for claim in reading.claims)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_gives_readings_or_one_parse_error(text: str) -> None:
    for syntax in (None, "latex", "text"):
        try:
            found = read_math(text, syntax)  # type: ignore[arg-type]
        except ParseError as error:
            assert "\n" not in str(error) and "internal error" not in str(error)
            continue
        assert found and all(reading.claims for reading in found)


# ---- coverage of the real corpus -------------------------------------------------------------------

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "claims-corpus" / "equations.jsonl"


def test_the_reader_reads_at_least_97_percent_of_the_corpus_math() -> None:
    from derive.claims.math_coverage import corpus_items, measure

    if not CORPUS.exists():  # pragma: no cover - the shared folder is part of the workspace
        pytest.skip(f"{CORPUS} not found")
    coverage = measure(corpus_items(CORPUS))
    assert len(coverage.outcomes) == 195
    assert coverage.read / len(coverage.outcomes) >= 0.97, [o.error for o in coverage.refusals]


def test_coverage_report_lists_refusals(tmp_path: Path) -> None:
    import io

    from derive.claims.math_coverage import corpus_items, measure, report

    corpus = tmp_path / "equations.jsonl"
    lines = [
        {"id": "A1", "format": "latex", "text": r"\frac{\partial L}{\partial z} = p - y"},
        {"id": "A2", "format": "ascii_text", "text": "a < b"},
        {"id": "A3", "format": "python", "text": "x = 1"},
    ]
    corpus.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    out = io.StringIO()
    report("corpus", measure(corpus_items(corpus)), out, refusals=True, readings=False)
    text = out.getvalue()
    assert "1 of 2 read" in text and "refused A2 (ascii_text): '<'" in text


_ = (Transpose, KroneckerDelta, Cases)


@pytest.mark.parametrize(
    ("claim", "loss", "verdict"),
    [
        ("d²L/dz_i dz_j = p_i(δ_ij - p_j)", "softmax-ce", "holds_if"),
        ("d^2L/dz_i dz_j = p_i(delta_ij - p_j)", "softmax-ce", "holds_if"),
        ("d^2L/dz_i dz_j = -p_i p_j", "softmax-ce", "fails"),
        ("d^2 L / (dz_i dz_j) = p_i*(delta_ij - p_j)", "softmax-ce", "holds_if"),
        ("d²L/dz² = σ(z)(1 − σ(z))", "sigmoid-bce", "holds"),
        # with ∂ as the differential's mark
        ("∂²L/∂zᵢ∂zⱼ = pᵢδᵢⱼ − pᵢpⱼ", "softmax-ce", "holds_if"),
        ("∂^2 L/(∂z_i ∂z_j) = -p_i p_j", "softmax-ce", "fails"),
    ],
)
def test_a_second_derivative_in_plain_text_is_one(claim: str, loss: str, verdict: str) -> None:
    # d^2 L / dz_i dz_j was read as (d^2 L / dz_i) times dz_j: the softmax Hessian was a wrong fails
    from derive.claims import check

    assert check(claim, loss=loss).verdict == verdict  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "claim",
    [
        r"\frac{\partial \ell}{\partial W} = x(\hat{y} - y)^\top \quad (d \times K)",
        "dL/dW = X.T @ (P - Y) / N   (D x C)",
    ],
)
def test_a_shape_after_a_formula_is_a_remark_not_a_factor(claim: str) -> None:
    # (d \times K) after \quad was multiplied in: a right gradient was a wrong fails
    from derive.claims import check

    assert check(claim, assume=("onehot",)).verdict == "holds"
