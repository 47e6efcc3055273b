"""Specification of the claim parser: real posted notation in, our AST out; hostile text is refused."""

from __future__ import annotations

import time
from fractions import Fraction

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
    Div,
    Exp,
    Hadamard,
    KroneckerDelta,
    Log,
    Mul,
    Neg,
    Node,
    Number,
    Pow,
    Sum,
    Symbol,
    Transpose,
)
from derive.claims.latex import format_claim, format_node, parse_claim
from derive.errors import InputTooLargeError, ParseError

# ---- helpers -------------------------------------------------------------------------------------


def sym(name: str, *indices: str | int | Node, **kwargs: object) -> Symbol:
    """A symbol whose plain-letter or integer indices are written as str / int."""
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


def sides(text: str) -> tuple[Node, ...]:
    return parse_claim(text).sides


def only(text: str) -> Node:
    (side,) = sides(text)
    return side


x = Symbol("x")
P_j_x = call(sym("P", "j"), x)
a_j_x = call(sym("a", "j"), x)
W_ij = sym("W", "i", "j")
z_i = sym("z", example=Symbol("i"))

# ---- the real inputs -----------------------------------------------------------------------------

SEED_ANSWER = (
    r"\begin{align} \frac{\partial H}{\partial W_{i,j}} &= -\frac{\partial}{\partial W_{i,j}} "
    r"\left(\sum_{k=1}^2 P_k(x) \log Q_k(x) \right) \\ &= -\frac{\partial}{\partial W_{i,j}} "
    r"\left(P_j(x) \log Q_j(x) \right) \\ &=-\frac{P_j(x)}{Q_j(x)} \cdot "
    r"\frac{\partial Q_j(x)}{\partial W_{i,j}} \\ &= - \frac{P_j(x)}{a_j(x)} \cdot "
    r"\frac{\partial a_j(x)}{\partial z_j(x)} \cdot "
    r"\frac{\partial z_j(x)}{\partial W_{i,j}}\\ &=-P_j(x) (1-a_j(x)) x_i \end{align}"
)
ASKER_CHAIN = (
    r"\begin{align} \frac{\partial H}{\partial W_{i,1}} &=-\sum_{j=1}^2 \frac{P_j(x)}{a_1} \cdot "
    r"\frac{\partial a_1}{\partial z_1}\cdot x_i \\ &=-\frac{1}{a_1} \cdot \frac{\partial a_1}{\partial z_1}"
    r"\cdot x_i (P_1(x)+ P_2(x)) \end{align}"
)
WIKIPEDIA_SOFTMAX = (
    r"a_j = {\displaystyle \operatorname{softmax} {(z_j)}={\frac {e^{z_{j}}}{\sum _{i=1}^{2}e^{z_{j}}}}"
    r"\ \ \ \ {\text{ for }}j=1,2}"
)
BLOG_GRADIENT = (
    r"\nabla_{z^{(i)}} \text{CE}(y^{(i)}, \hat{y}^{(i)}) = \nabla_{z^{(i)}} \left( - \Sigma^k_{k=1} "
    r"\left( y^{(i)}_k \log(\text{softmax}(z^{(i)}_k)) \right) \right)"
)
BLOG_CASE_1 = (
    r"\begin{align*}\frac{\partial \text{CE}(y^{(i)}, \hat{y}^{(i)})}{\partial z^{(i)}_j} &= "
    r"\nabla_{z^{(i)}_j} \left( - \Sigma^k_{\substack{j=1 \\ j \neq \ell}} \left[ y^{(i)}_j "
    r"\log(\text{softmax}(z^{(i)}_j)) \right] \right) \\ &= - \Sigma^k_{\substack{j=1 \\ j \neq \ell}} "
    r"\left[ \frac{y^{(i)}_j}{\text{softmax}(z^{(i)})} \cdot \text{softmax'}(z^{(i)}) \right] \\ &= 0"
    r"\end{align*}"
)
EQNARRAY = (
    r"\frac{\partial L}{\partial o_i} &=& – \left (y_i (1 – p_i) + \sum_{k\neq i}-p_k y_k \right )\\ "
    r"&=&p_i y_i – y_i + \sum_{k\neq i} p_k y_k\\ &=& \left (\sum_i p_i y_i \right ) – y_i"
)
LOGISTIC_CHAIN = (
    r"L(u) &= -p \log(\sigma(u)) - (1-p)\log(1 - \sigma(u)) \\ &= -p\log( \frac{e^u}{1+e^u} ) - (1-p) "
    r"\log( \frac{1}{1+e^u}) \\ &= -pu +\log(1 + e^u)."
)
BIAS_CHAIN = (
    r"\frac{\partial C}{\partial b_j} &= -\delta_{yj} + \frac{1}{S}\frac{\partial S}{\partial b_j}\\ "
    r"&= -{y_j} + \frac{1}{S}\sum_{t\in\mathcal{O}}\exp(z_t) \frac{\partial z_t}{\partial b_j} \\ "
    r"&= -{y_j} + "
    r"\frac{\exp(z_j)}{S} \\ &= a_j - y_j"
)
CASES_CLAIM = (
    r"\frac{\partial p_i}{\partial o_k} = \begin{cases} p_k (1 - p_k) & \text{if }\; i=k \\ - p_k p_i & "
    r"\text{if }\; i\neq k \end{cases}"
)

REAL_INPUTS = [
    r"\frac{\partial H}{\partial W_{i,j}} = -P_j(x)(1-a_j(x))x_i",
    SEED_ANSWER,
    ASKER_CHAIN,
    WIKIPEDIA_SOFTMAX,
    BLOG_GRADIENT,
    BLOG_CASE_1,
    r"\frac{\partial L}{\partial o_k} = p_k - y_k",
    r"- \sum_i y_i \frac{\partial \log p_i}{\partial p_i} \frac{\partial p_i}{\partial o_k}",
    r"- y_k (1 - p_k) + \sum_{i\neq k} y_i p_k",
    EQNARRAY,
    r"=\color{blue}{p_i\left(\sum_ky_k\right)}-y_i=p_i-y_i",
    r"L’(u) = \sigma(u) - p.",
    LOGISTIC_CHAIN,
    r"{\partial h_i \over \partial z_j}= h_i(\delta_{ij}-h_j)",
    r"\frac{\partial E} {\partial w_{ij}}=\frac{\partial E} {\partial o_j} "
    r"\frac{\partial o_j} {\partial z_{j}} \frac{\partial z_j} {\partial w_{ij}}",
    r"\frac{\delta E}{\delta z_j} = t_j - o_j",
    r"\frac{\delta E_j}{\delta o_j}=\frac{\delta E_j}{\delta z_j}\div\frac{\delta o_j}{\delta z_j} = "
    r"\frac{t_j-o_j}{o_j(1-o_j)}",
    r"\frac{\partial E}{\partial z_j}=\sum_i\frac{\partial E}{\partial o_i}\frac{\partial o_i}{\partial z_j}",
    "dSM[i]/dx[k] is SM[i] * (dx[i]/dx[k] - SM[i])",
    BIAS_CHAIN,
    r"\mathbf J_{\mathbf X}(H) = \frac{1}{m} \Big(\mathbf S - \mathbf Y\Big)",
    r"\nabla_{\mathbf x} H &= -\frac{\mathbf y}{\mathbf s} "
    r"\bigg[\text{diag}(\mathbf s) -\mathbf s^\top \mathbf s \bigg]",
    r"x (y(x) - 1_t)^T",
    CASES_CLAIM,
    r"\frac{\partial L}{\partial z} = \sigma(z) - y",
    r"\frac{\partial L}{\partial z} = (\sigma(z) - y)\sigma(z)(1-\sigma(z))",
    r"\frac{\partial h_i}{\partial z_j} = h_i (1 - h_j) \;\;: i = j",
    r"\frac{\partial^2 H}{\partial z_i \partial z_j} = \frac{d^2 y}{dx^2}",
]


# ---- 1. the first real claim ---------------------------------------------------------------------


def test_partial_of_H_wrt_W_ij_is_a_derivative_of_symbol_H() -> None:
    left, _ = sides(REAL_INPUTS[0])
    assert left == Derivative(Symbol("H"), W_ij)


def test_minus_P_j_of_x_times_one_minus_a_j_of_x_times_x_i() -> None:
    _, right = sides(REAL_INPUTS[0])
    assert right == Neg(Mul((P_j_x, Add((num(1), Neg(a_j_x))), sym("x", "i"))))


# ---- 2. the seed answer chain --------------------------------------------------------------------


def test_seed_answer_align_is_the_left_side_plus_five_continuation_lines() -> None:
    assert len(sides(SEED_ANSWER)) == 6


def test_seed_answer_operator_form_applies_to_the_bracketed_sum() -> None:
    second = sides(SEED_ANSWER)[1]
    body = Mul((call(sym("P", "k"), x), Log(call(sym("Q", "k"), x))))
    assert second == Neg(Derivative(Sum("k", num(1), num(2), body), W_ij))


def test_seed_answer_chain_rule_step_differentiates_calls() -> None:
    fourth = sides(SEED_ANSWER)[4]
    assert isinstance(fourth, Neg) and isinstance(fourth.operand, Mul)
    _, da_dz, dz_dw = fourth.operand.factors
    assert da_dz == Derivative(a_j_x, call(sym("z", "j"), x))
    assert dz_dw == Derivative(call(sym("z", "j"), x), W_ij)


def test_seed_answer_last_side_equals_the_plain_equation() -> None:
    assert sides(SEED_ANSWER)[-1] == sides(REAL_INPUTS[0])[1]


# ---- 3. the asker's chain ------------------------------------------------------------------------


def test_asker_chain_sum_body_runs_over_the_dotted_product() -> None:
    left, middle, _ = sides(ASKER_CHAIN)
    assert left == Derivative(Symbol("H"), sym("W", "i", 1))
    assert isinstance(middle, Neg) and isinstance(middle.operand, Sum)
    assert isinstance(middle.operand.body, Mul) and len(middle.operand.body.factors) == 3


def test_asker_chain_x_i_before_a_parenthesised_sum_is_multiplication() -> None:
    last = sides(ASKER_CHAIN)[2]
    assert isinstance(last, Neg) and isinstance(last.operand, Mul)
    assert last.operand.factors[-2:] == (
        sym("x", "i"),
        Add((call(sym("P", 1), x), call(sym("P", 2), x))),
    )


# ---- 4. the Wikipedia softmax with a prose qualifier ---------------------------------------------


def test_softmax_definition_in_a_group_is_a_three_sided_chain() -> None:
    claim = parse_claim(WIKIPEDIA_SOFTMAX)
    exp_z_j = Exp(sym("z", "j"))
    assert claim.sides == (
        sym("a", "j"),
        call("softmax", sym("z", "j")),
        Div(exp_z_j, Sum("i", num(1), num(2), exp_z_j)),
    )


def test_for_j_equals_1_2_is_recorded_as_a_qualifier_not_math() -> None:
    assert parse_claim(WIKIPEDIA_SOFTMAX).qualifiers == (r"{\text{ for }}j=1,2",)


# ---- 5. the blog ---------------------------------------------------------------------------------


def test_nabla_of_CE_is_a_derivative_wrt_z_example_i() -> None:
    left, _ = sides(BLOG_GRADIENT)
    y_i = sym("y", example=Symbol("i"))
    y_hat_i = sym("y", example=Symbol("i"), decoration="hat")
    assert left == Derivative(call("CE", y_i, y_hat_i), z_i)


def test_capital_sigma_with_scripts_is_a_sum() -> None:
    _, right = sides(BLOG_GRADIENT)
    assert isinstance(right, Derivative) and isinstance(right.of, Neg)
    total = right.of.operand
    assert isinstance(total, Sum)
    assert (total.index, total.lower, total.upper) == ("k", num(1), Symbol("k"))
    z_k = sym("z", "k", example=Symbol("i"))
    assert total.body == Mul((sym("y", "k", example=Symbol("i")), Log(call("softmax", z_k))))


def test_blog_case_1_substack_excludes_ell_and_softmax_prime_is_a_derivative() -> None:
    chain = sides(BLOG_CASE_1)
    assert len(chain) == 4 and chain[-1] == num(0)
    second = chain[2]
    assert isinstance(second, Neg) and isinstance(second.operand, Sum)
    total = second.operand
    assert (total.index, total.lower, total.excluded) == ("j", num(1), ("ell",))
    assert isinstance(total.body, Mul)
    # softmax'(z) is the derivative of softmax(z) by z
    assert total.body.factors[1] == Derivative(call("softmax", z_i), z_i)


# ---- 6. other real pages -------------------------------------------------------------------------


def test_dL_do_k_equals_p_k_minus_y_k() -> None:
    assert sides(r"\frac{\partial L}{\partial o_k} = p_k - y_k") == (
        Derivative(Symbol("L"), sym("o", "k")),
        Add((sym("p", "k"), Neg(sym("y", "k")))),
    )


def test_log_without_parentheses_takes_the_next_factor() -> None:
    node = only(REAL_INPUTS[7])
    assert isinstance(node, Neg) and isinstance(node.operand, Sum)
    assert isinstance(node.operand.body, Mul)
    assert node.operand.body.factors[1] == Derivative(Log(sym("p", "i")), sym("p", "i"))


def test_sum_over_i_not_equal_k() -> None:
    node = only(REAL_INPUTS[8])
    assert isinstance(node, Add)
    assert node.terms[1] == Sum("i", None, None, Mul((sym("y", "i"), sym("p", "k"))), excluded=("k",))


def test_eqnarray_with_en_dashes_as_minus_has_four_sides() -> None:
    chain = sides(EQNARRAY)
    assert len(chain) == 4
    assert chain[3] == Add((Sum("i", None, None, Mul((sym("p", "i"), sym("y", "i")))), Neg(sym("y", "i"))))


def test_sum_body_may_start_with_a_minus() -> None:
    first = sides(EQNARRAY)[1]
    assert isinstance(first, Neg) and isinstance(first.operand, Add)
    assert first.operand.terms[1] == Sum("k", None, None, Neg(Mul((sym("p", "k"), sym("y", "k")))), ("i",))


def test_leading_equals_elides_the_left_side_and_sum_k_y_k_is_a_sum() -> None:
    chain = sides(REAL_INPUTS[10])
    assert chain == (
        Add((Mul((sym("p", "i"), Sum("k", None, None, sym("y", "k")))), Neg(sym("y", "i")))),
        Add((sym("p", "i"), Neg(sym("y", "i")))),
    )


def test_L_prime_of_u_with_unicode_quote_is_dL_du() -> None:
    u = Symbol("u")
    assert sides(r"L’(u) = \sigma(u) - p.") == (
        Derivative(Symbol("L"), u),
        Add((call("sigma", u), Neg(Symbol("p")))),
    )


def test_logistic_loss_chain_reads_e_to_the_u_as_exp() -> None:
    chain = sides(LOGISTIC_CHAIN)
    u, p = Symbol("u"), Symbol("p")
    assert chain[0] == call("L", u)
    assert chain[3] == Add((Neg(Mul((p, u))), Log(Add((num(1), Exp(u))))))


def test_over_fraction_and_kronecker_delta() -> None:
    left, right = sides(REAL_INPUTS[13])
    assert left == Derivative(sym("h", "i"), sym("z", "j"))
    assert right == Mul((sym("h", "i"), Add((KroneckerDelta(Symbol("i"), Symbol("j")), Neg(sym("h", "j"))))))


def test_w_ij_subscript_is_two_indices() -> None:
    left, right = sides(REAL_INPUTS[14])
    assert left == Derivative(Symbol("E"), sym("w", "i", "j"))
    assert isinstance(right, Mul) and len(right.factors) == 3


def test_delta_differentials_mean_partial_derivatives() -> None:
    assert sides(REAL_INPUTS[15])[0] == Derivative(Symbol("E"), sym("z", "j"))


def test_div_between_derivatives_is_a_quotient() -> None:
    chain = sides(REAL_INPUTS[16])
    assert chain[1] == Div(Derivative(sym("E", "j"), sym("z", "j")), Derivative(sym("o", "j"), sym("z", "j")))
    assert chain[2] == Div(
        Add((sym("t", "j"), Neg(sym("o", "j")))), Mul((sym("o", "j"), Add((num(1), Neg(sym("o", "j"))))))
    )


def test_code_style_derivative_with_is_as_equals() -> None:
    left, right = sides(REAL_INPUTS[18])
    sm_i = sym("SM", "i")
    assert left == Derivative(sm_i, sym("x", "k"))
    assert right == Mul((sm_i, Add((Derivative(sym("x", "i"), sym("x", "k")), Neg(sm_i)))))


def test_sum_over_a_set_and_exp_call() -> None:
    chain = sides(BIAS_CHAIN)
    assert len(chain) == 5
    assert chain[1] == Add(
        (
            Neg(KroneckerDelta(Symbol("y"), Symbol("j"))),
            Mul((Div(num(1), Symbol("S")), Derivative(Symbol("S"), sym("b", "j")))),
        )
    )
    second = chain[2]
    assert isinstance(second, Add) and isinstance(second.terms[1], Mul)
    total = second.terms[1].factors[1]
    assert isinstance(total, Sum) and total.over == "O" and total.index == "t"
    assert chain[3] == Add((Neg(sym("y", "j")), Div(Exp(sym("z", "j")), Symbol("S"))))


def test_bold_jacobian_is_a_derivative_wrt_the_subscript() -> None:
    left, right = sides(REAL_INPUTS[20])
    bold = {"decoration": "bold"}
    assert left == Derivative(Symbol("H"), sym("X", **bold))
    assert right == Mul((Div(num(1), Symbol("m")), Add((sym("S", **bold), Neg(sym("Y", **bold))))))


def test_nabla_with_bold_subscript_and_diag_call_and_transpose() -> None:
    left, right = sides(REAL_INPUTS[21])
    s = sym("s", decoration="bold")
    assert left == Derivative(Symbol("H"), sym("x", decoration="bold"))
    bracket = Add((call("diag", s), Neg(Mul((sym("s", decoration="bold", transposed=True), s)))))
    assert right == Neg(Mul((Div(sym("y", decoration="bold"), s), bracket)))


def test_one_hot_1_t_and_transpose_of_a_bracket() -> None:
    assert only(REAL_INPUTS[22]) == Mul((x, Transpose(Add((call("y", x), Neg(sym("1", "t")))))))


def test_cases_environment_gives_conditions_over_index_names() -> None:
    _, right = sides(CASES_CLAIM)
    p_k, p_i = sym("p", "k"), sym("p", "i")
    assert right == Cases(
        (
            (Mul((p_k, Add((num(1), Neg(p_k))))), Condition(sym("i"), "=", sym("k"))),
            (Neg(Mul((p_k, p_i))), Condition(sym("i"), "!=", sym("k"))),
        )
    )


def test_sigmoid_gradient_claims() -> None:
    z, y = Symbol("z"), Symbol("y")
    assert sides(REAL_INPUTS[24])[1] == Add((call("sigma", z), Neg(y)))
    assert sides(REAL_INPUTS[25])[1] == Mul(
        (Add((call("sigma", z), Neg(y))), call("sigma", z), Add((num(1), Neg(call("sigma", z)))))
    )


def test_forum_colon_condition_restricts_the_whole_claim() -> None:
    claim = parse_claim(REAL_INPUTS[26])
    assert claim.sides[1] == Mul((sym("h", "i"), Add((num(1), Neg(sym("h", "j"))))))
    assert claim.conditions == (Condition(sym("i"), "=", sym("j")),)


def test_mixed_second_partials_nest_and_d_squared_is_order_two() -> None:
    left, right = sides(REAL_INPUTS[27])
    assert left == Derivative(Derivative(Symbol("H"), sym("z", "j")), sym("z", "i"))
    assert right == Derivative(Symbol("y"), x, order=2)


@pytest.mark.parametrize("text", REAL_INPUTS)
def test_every_real_input_parses(text: str) -> None:
    assert isinstance(parse_claim(text), Claim)


# ---- notation rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("W_{ij}", sym("W", "i", "j")),
        ("W_{i,j}", sym("W", "i", "j")),
        ("W_{i j}", sym("W", "i", "j")),
        ("w_{11}", sym("w", 1, 1)),
        ("z_{j}", sym("z", "j")),
        ("W_{out}", sym("W", "out")),
        ("a_{i+1}", sym("a", Add((Symbol("i"), num(1))))),
        ("x^{(i)}_k", sym("x", "k", example=Symbol("i"))),
        ("SM[i]", sym("SM", "i")),
        ("a[i][j]", sym("a", "i", "j")),
        ("W[i,j]", sym("W", "i", "j")),
        (r"\hat{y}", sym("y", decoration="hat")),
        (r"\boldsymbol{x}", sym("x", decoration="bold")),
        (r"\vec{x}", sym("x", decoration="bold")),
        (r"\bm{x}", sym("x", decoration="bold")),
        (r"\mathcal{L}", sym("L", decoration="cal")),
        (r"\tilde a", sym("a", decoration="tilde")),
        (r"\bar{x}", sym("x", decoration="bar")),
        (r"\ell", Symbol("ell")),
        ("x^T", sym("x", transposed=True)),
        (r"x^\top", sym("x", transposed=True)),
        (r"x^{\top}", sym("x", transposed=True)),
        (r"x^\intercal", sym("x", transposed=True)),
        (r"y^\prime", sym("y", primes=1)),
        ("y''", sym("y", primes=2)),
        ("α_i", sym("alpha", "i")),
    ],
)
def test_symbol_notation(text: str, expected: Node) -> None:
    assert only(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Q(x_j)", call("Q", sym("x", "j"))),
        ("f(x)", call("f", x)),
        ("softmax(z)", call("softmax", Symbol("z"))),
        (r"\operatorname{softmax}(z)", call("softmax", Symbol("z"))),
        (r"\mathrm{softmax}(z)", call("softmax", Symbol("z"))),
        (r"\operatorname{diag}(x)", call("diag", x)),
        ("diag(x)", call("diag", x)),
        (r"\tanh x", call("tanh", x)),
        (r"\max(x, y)", call("max", x, Symbol("y"))),
        (r"\sigma(z_j)", call("sigma", sym("z", "j"))),
        (r"\log \sigma(u)", Log(call("sigma", Symbol("u")))),
        (r"\ln x", Log(x)),
        (r"\exp z", Exp(Symbol("z"))),
        (r"\exp(z)", Exp(Symbol("z"))),
        ("e^x", Exp(x)),
        ("e^{-x}", Exp(Neg(x))),
        ("P_j(1-a_j)", Mul((sym("P", "j"), Add((num(1), Neg(sym("a", "j"))))))),
        ("x_i(1-a)", Mul((sym("x", "i"), Add((num(1), Neg(Symbol("a"))))))),
    ],
)
def test_call_or_multiplication(text: str, expected: Node) -> None:
    assert only(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.5 x", Mul((Number(Fraction(1, 2)), x))),
        ("x**2", Pow(x, num(2))),
        ("x^2", Pow(x, num(2))),
        (r"a \times b", Mul((Symbol("a"), Symbol("b")))),
        ("a × b · c", Mul((Symbol("a"), Symbol("b"), Symbol("c")))),
        ("a * b", Mul((Symbol("a"), Symbol("b")))),
        (r"a \odot b", Hadamard(Symbol("a"), Symbol("b"))),
        ("a / b c", Mul((Div(Symbol("a"), Symbol("b")), Symbol("c")))),
        (r"\dfrac{a}{b}", Div(Symbol("a"), Symbol("b"))),
        (r"{a \over b}", Div(Symbol("a"), Symbol("b"))),
        ("a − b", Add((Symbol("a"), Neg(Symbol("b"))))),
        (r"\sqrt{x}", Pow(x, Number(Fraction(1, 2)))),
        (r"\boxed{x}", x),
        (r"\underbrace{x}_{\text{input}}", x),
        (r"\textcolor{red}{x}", x),
        (r"\sum\limits_{j} y_j", Sum("j", None, None, sym("y", "j"))),
        (
            r"\sum_{j=1}^{k} y_j \log p_j + c",
            Add((Sum("j", num(1), Symbol("k"), Mul((sym("y", "j"), Log(sym("p", "j"))))), Symbol("c"))),
        ),
        (r"\frac{d a_j}{d z_j}", Derivative(sym("a", "j"), sym("z", "j"))),
        (r"\frac{da_j}{dz_j}", Derivative(sym("a", "j"), sym("z", "j"))),
        (r"\partial L / \partial o_k", Derivative(Symbol("L"), sym("o", "k"))),
        (r"\nabla_{z} H", Derivative(Symbol("H"), Symbol("z"))),
    ],
)
def test_operator_notation(text: str, expected: Node) -> None:
    assert only(text) == expected


def test_delta_with_one_index_is_the_backprop_symbol() -> None:
    assert only(r"\delta_j") == sym("delta", "j")


def test_delta_with_comma_indices_is_kronecker() -> None:
    assert only(r"\delta_{i,j}") == KroneckerDelta(Symbol("i"), Symbol("j"))


def test_math_delimiters_labels_and_trailing_punctuation_are_stripped() -> None:
    for text in [
        r"$$x = y.$$",
        r"\[x = y,\]",
        r"\(x = y;\)",
        r"$x = y$",
        r"x = y \label{eq:1} \tag{3} \nonumber",
    ]:
        assert sides(text) == (x, Symbol("y")), text


def test_equation_and_split_environments_are_unwrapped() -> None:
    text = r"\begin{equation}\begin{split} x &= y \\ &= z \end{split}\end{equation}"
    assert sides(text) == (x, Symbol("y"), Symbol("z"))


def test_a_line_break_before_plus_continues_the_expression() -> None:
    assert sides(r"x &= a \\ &\quad + b") == (x, Add((Symbol("a"), Symbol("b"))))


def test_otherwise_branch_has_no_condition() -> None:
    node = only(r"\begin{cases} 1 & \text{if } i = j \\ 0 & \text{otherwise} \end{cases}")
    assert node == Cases(((num(1), Condition(sym("i"), "=", sym("j"))), (num(0), None)))


# ---- 7. hostile inputs ---------------------------------------------------------------------------

HOSTILE = [
    (r"\input{/etc/passwd}", r"\input is not allowed"),
    (r"\def\x{1} x", r"\def is not allowed"),
    (r"\csname foo\endcsname", r"\csname is not allowed"),
    ("__import__('os').system('ls')", "Python"),
    ("а_j = 1", "CYRILLIC SMALL LETTER A"),
    ("ａ + 1", "FULLWIDTH"),
    ("e + 1", "bare 'e'"),
    (r"\partial H", r"\partial is not part of a derivative"),
    (r"\foo{x}", r"unknown LaTeX command \foo at column 1"),
    (r"\frac{a}{b", "unbalanced '{'"),
    ("", "empty claim"),
    (r"\mathrm", "needs a braced argument"),
    (r"\approx", "not supported"),
]


@pytest.mark.parametrize(("text", "fragment"), HOSTILE)
def test_hostile_input_is_a_one_line_parse_error(text: str, fragment: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_claim(text)
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message


def test_cyrillic_lookalike_error_names_the_position() -> None:
    with pytest.raises(ParseError, match="column 1"):
        parse_claim("а_j = 1")


def test_unknown_command_error_names_its_column() -> None:
    with pytest.raises(ParseError, match=r"unknown LaTeX command \\foo at column 5"):
        parse_claim(r"x + \foo{y}")


def test_input_over_20000_characters_is_too_large_immediately() -> None:
    start = time.perf_counter()
    with pytest.raises(InputTooLargeError):
        parse_claim("a" * 1_000_000)
    assert time.perf_counter() - start < 0.1


def test_ten_thousand_nested_braces_are_too_large_fast() -> None:
    start = time.perf_counter()
    with pytest.raises(InputTooLargeError, match="nested deeper than 100"):
        parse_claim("{" * 10000 + "}" * 10000)
    assert time.perf_counter() - start < 0.1


def test_nesting_of_one_hundred_parentheses_is_still_accepted() -> None:
    assert only("(" * 100 + "x" + ")" * 100) == x


@pytest.mark.parametrize(
    "text",
    [
        "-" * 15000 + "x",
        r"\sum_i" * 3000 + "x",
        r"\frac{\partial}{\partial x}" * 700 + "f",
        "x" * 19999,
        "d" * 19999,
        "dx/" * 6000 + "dx",
    ],
)
def test_pathological_inputs_finish_quickly_without_recursion_error(text: str) -> None:
    start = time.perf_counter()
    try:
        parse_claim(text)
    except ParseError:
        pass
    assert time.perf_counter() - start < 2.0


def test_multiline_error_messages_give_line_and_column() -> None:
    with pytest.raises(ParseError, match="line 2, column 3"):
        parse_claim("x = y \\\\\n= \\foo")


# ---- round trip through format_node --------------------------------------------------------------


@pytest.mark.parametrize("text", REAL_INPUTS)
def test_format_node_round_trips_every_side(text: str) -> None:
    for side in sides(text):
        assert sides(format_node(side)) == (side,)


def test_format_claim_round_trips_a_chain() -> None:
    claim = parse_claim(SEED_ANSWER)
    assert parse_claim(format_claim(claim)).sides == claim.sides


def test_format_node_output_has_balanced_braces() -> None:
    for text in REAL_INPUTS:
        for side in sides(text):
            latex = format_node(side)
            assert latex.count("{") == latex.count("}")
            assert latex.count(r"\left(") == latex.count(r"\right)")


# ---- properties ----------------------------------------------------------------------------------

LATEX_TOKENS = [
    "x", "y_j", "W_{i,j}", "z^{(i)}", "a", "b", "d", "e", "1", "2", "0.5", " ", "+", "-", "=", "*", "/", "^",
    "_", "'", ",", ":", ".", "&", "(", ")", "[", "]", "{", "}", r"\\", r"\frac{", "}{", r"\partial ",
    r"\sum_{k=1}^{K} ", r"\sum_{i \neq k}", r"\log ", r"\exp", r"\sigma(", r"\left(", r"\right)", r"\cdot ",
    r"\odot ", "^T", r"\hat{y}", r"\mathbf{x}", r"\delta_{ij}", r"\text{softmax}", r"\text{if }", r"\over ",
    r"\nabla_{z} ", r"\begin{cases}", r"\end{cases}", r"\begin{align}", r"\end{align}",
    r"\mathbf J_{\mathbf X}",
    r"\Sigma^k_{", r"\substack{", "SM[i]", "dx", "e^{", "’", "–", "α", r"\foo", r"\text{ for }", "P_j(x)",
]  # fmt: skip

latex_strings = st.lists(st.sampled_from(LATEX_TOKENS), max_size=30).map("".join)


def parses_or_parse_error(text: str) -> Claim | None:
    try:
        return parse_claim(text)
    except ParseError as error:
        assert "\n" not in str(error)
        return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_any_text_gives_a_claim_or_a_parse_error(text: str) -> None:
    parses_or_parse_error(text)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(latex_strings)
def test_any_latex_ish_text_gives_a_claim_or_a_parse_error(text: str) -> None:
    parses_or_parse_error(text)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(latex_strings)
def test_whatever_parses_round_trips_through_format_node(text: str) -> None:
    claim = parses_or_parse_error(text)
    if claim is None:
        return
    for side in claim.sides:
        assert sides(format_node(side)) == (side,), format_node(side)


# A grammar-built strategy: mostly well-formed LaTeX, so the round trip is exercised on many parses.
ATOMS = [
    "x", "y_j", "W_{i,j}", "w_{ij}", "z^{(i)}_k", r"\hat{y}_i", r"\mathbf{s}^\top", r"\delta_{ij}",
    r"\delta_j", "P_j(x)", r"\text{CE}(y, \hat y)", "SM[i]", "1_t", "2", "0.5", r"\ell", "p'",
    r"\sigma(u)", "e^{u}",
]  # fmt: skip


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pair = st.tuples(children, children)
    return st.one_of(
        pair.map(lambda p: f"{p[0]} + {p[1]}"),
        pair.map(lambda p: f"{p[0]} - {p[1]}"),
        pair.map(lambda p: f"{p[0]} \\cdot {p[1]}"),
        pair.map(lambda p: f"{p[0]} {p[1]}"),
        pair.map(lambda p: f"\\frac{{{p[0]}}}{{{p[1]}}}"),
        pair.map(lambda p: f"{p[0]} \\odot {p[1]}"),
        children.map(lambda c: f"-{c}"),
        children.map(lambda c: f"\\left({c}\\right)"),
        children.map(lambda c: f"({c})^T"),
        children.map(lambda c: f"({c})^{{2}}"),
        children.map(lambda c: f"\\log({c})"),
        children.map(lambda c: f"\\exp({c})"),
        children.map(lambda c: f"e^{{{c}}}"),
        children.map(lambda c: f"\\sum_{{k=1}}^{{K}} {c}"),
        children.map(lambda c: f"\\sum_{{k \\neq i}} ({c})"),
        children.map(lambda c: f"\\frac{{\\partial}}{{\\partial z_j}} ({c})"),
        children.map(lambda c: f"\\nabla_{{\\mathbf x}} ({c})"),
        pair.map(
            lambda p: f"\\begin{{cases}} {p[0]} & \\text{{if }} i = k \\\\ {p[1]} & i \\neq k \\end{{cases}}"
        ),
    )


well_formed = st.recursive(st.sampled_from(ATOMS), _combine, max_leaves=8)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(well_formed)
def test_grammar_built_latex_parses_and_round_trips(text: str) -> None:
    for side in parse_claim(text).sides:
        assert sides(format_node(side)) == (side,), format_node(side)


@pytest.mark.parametrize(
    "claim",
    [
        r"\frac{\partial L}{\partial z_i} \overset{(a)}{=} p_i - y_i",
        r"\frac{\partial L}{\partial z_i} \stackrel{\text{chain rule}}{=} p_i - y_i",
        r"\frac{\mathrm d L}{\mathrm d z_i} = p_i - y_i",
        r"\frac{{\rm d}L}{{\rm d}z_i} = p_i - y_i",
        r"\frac{\partial L}{\partial z_i} = p_i - y_i \quad (i = 1,2,\dots,K)",
        r"\frac{\partial L}{\partial z_i} = p_i - y_i, \quad \forall i \in \{1, \ldots, K\}",
        r"\frac{\partial L}{\partial z_i} = p_i - y_i \qquad (*)",
        r"\frac{\partial L}{\partial z_i} = p_i - y_i \qquad (3)",
        r"\frac{\partial L}{\partial z_i} = p_i - y_i \qquad (A.1)",
        "ii) dL/dz_i = p_i - y_i",
    ],
)
def test_typesetting_that_says_nothing_is_read_through(claim: str) -> None:
    # labels over =, old font switches, trailing marks, equation numbers and index ranges (each refused)
    from derive.claims.run import check_claim
    from derive.claims.verdict import CheckOptions

    assert check_claim(CheckOptions(claim)).verdict == "holds_if"
    wrong = claim.replace("p_i - y_i", "p_i + y_i", 1)
    assert check_claim(CheckOptions(wrong)).verdict == "fails"


def test_otherwise_abbreviated_in_cases_is_otherwise() -> None:
    from derive.claims.run import check_claim
    from derive.claims.verdict import CheckOptions

    rows = r"p_i(1-p_i) & i=j \\ -p_ip_j & \text{o.w.}"
    cases = rf"\frac{{\partial p_i}}{{\partial z_j}} = \begin{{cases}} {rows}\end{{cases}}"
    assert check_claim(CheckOptions(cases)).verdict == "holds"
    assert check_claim(CheckOptions(cases.replace("-p_ip_j", "p_ip_j"))).verdict == "fails"


_JACOBIAN_LEFT = r"\frac{\partial S_i}{\partial z_j} = "


@pytest.mark.parametrize(
    ("cases", "verdict"),
    [
        # a case's condition in Chinese or Japanese (当 ... 时, のとき, 其他): read as "when", "otherwise"
        (
            r"\begin{cases} S_i(1-S_j), & \text{当 } i = j \\ -S_iS_j, & \text{当 } i \neq j \end{cases}",
            "holds",
        ),
        (
            r"\begin{cases} S_i(1-S_j) & \text{当 } i = j \text{ 时} \\ -S_iS_j & \text{其他} \end{cases}",
            "holds",
        ),
        (r"\begin{cases} S_i(1-S_j) & i = j \text{ のとき} \\ S_iS_j & \text{それ以外} \end{cases}", "fails"),
    ],
)
def test_a_case_condition_in_other_languages_is_read(cases: str, verdict: str) -> None:
    from derive.claims import check

    assert check(_JACOBIAN_LEFT + cases, let=("S=a",)).verdict == verdict


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        # L_{ce}: a lowercase name as a subscript (e is never an index: it was "a bare e")
        (r"\frac{\partial L_{ce}}{\partial z_i} = p_i - y_i", "holds_if"),
        (r"\frac{\partial L_{ce}}{\partial z_i} = p_i + y_i", "fails"),
        ("dL_ce/dz_i = p_i - y_i", "holds_if"),
        # two index letters stay two indices
        (r"\frac{\partial L}{\partial W_{ij}} = x_i (p_j - y_j)", "holds_if"),
    ],
)
def test_a_lowercase_name_as_a_losss_subscript_is_one_name(claim: str, verdict: str) -> None:
    from derive.claims import check

    assert check(claim).verdict == verdict
