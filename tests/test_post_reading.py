"""Reading a whole post: segments with positions, what each formula is, the numbers and conditions around
the claims (no checking here: these tests run no worker)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.errors import DeriveError, InputTooLargeError
from derive.post.classify import classify, condition_parts, defined_symbol, split_definitions, split_sides
from derive.post.context import read_context
from derive.post.extract import MAX_POST_CHARS, detect_format, read_post
from derive.post.judge import code_syntax


def _math(text: str, post_format: str | None = None) -> list[str]:
    post = read_post(text, post_format)  # type: ignore[arg-type]
    return [segment.text for segment in post.segments if segment.kind == "math"]


def _items(text: str) -> list[tuple[str, str]]:
    post = read_post(text)
    return [(classify(n, s).kind, s.text) for n, s in enumerate(post.math_and_code, start=1)]


# ---- segments -------------------------------------------------------------------------------------------


def test_markdown_math_delimiters_are_found_in_order_with_their_lines() -> None:
    text = "Let $a$ be.\n\n$$b = 1$$\n\nAnd \\(c\\) then \\[d\\]\n\\begin{align} e &= f \\end{align}\n"
    post = read_post(text)
    math = [(s.text, s.line, s.display) for s in post.segments if s.kind == "math"]
    assert math == [
        ("a", 1, False),
        ("b = 1", 3, True),
        ("c", 5, False),
        ("d", 5, True),
        ("\\begin{align} e &= f \\end{align}", 6, True),
    ]


def test_a_dollar_amount_is_not_math_but_an_escaped_dollar_is_prose() -> None:
    assert _math("It costs $5 and $10 today. A \\$ sign and $x$.") == ["x"]


def test_code_fences_spans_and_indented_blocks_are_code() -> None:
    text = (
        "Text `dx = p - y` here.\n\n```python\ndef f(x):\n    return x\n```\n\n    probs[range(N), y] -= 1\n"
    )
    post = read_post(text)
    code = [(s.text, s.display, s.language) for s in post.segments if s.kind == "code"]
    assert code == [
        ("dx = p - y", False, None),
        ("def f(x):\n    return x", True, "python"),
        ("probs[range(N), y] -= 1", True, None),
    ]


def test_a_list_continuation_is_not_an_indented_code_block() -> None:
    post = read_post("- item one\n\n    continued text\n")
    assert all(segment.kind == "prose" for segment in post.segments)


def test_math_inside_code_is_code() -> None:
    assert _math("```\n$x$ = 1\n```\n") == []


def test_stack_exchange_html_keeps_the_mathjax_source_and_drops_scripts() -> None:
    html = (
        "<p>With $p_j = \\frac{e^{o_j}}{\\sum_k e^{o_k}}$ &amp; more</p>\n"
        "<script>alert(1)</script><pre><code>dx = probs - y\n</code></pre>\n<p>and <code>a &lt; b</code></p>"
    )
    assert detect_format(html) == "html"
    post = read_post(html)
    kinds = [(s.kind, s.text) for s in post.segments if s.kind != "prose"]
    assert kinds == [
        ("math", "p_j = \\frac{e^{o_j}}{\\sum_k e^{o_k}}"),
        ("code", "dx = probs - y"),
        ("code", "a < b"),
    ]
    assert "alert" not in post.text
    assert post.segments[1].line == 1


def test_plain_text_equation_lines_are_math_and_sentences_are_prose() -> None:
    text = "The gradient is simple.\n\ndL/dz_i = p_i - y_i\n\nso y=1 for this example, as the text says.\n"
    assert detect_format(text) == "text"
    assert _math(text) == ["dL/dz_i = p_i - y_i"]


def test_a_post_over_the_limit_is_refused_at_once() -> None:
    with pytest.raises(InputTooLargeError):
        read_post("x" * (MAX_POST_CHARS + 1))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab$\\`()[]{}=\n <>/p&;#~ 4")), max_size=300))
def test_any_text_gives_segments_that_stay_inside_it_or_a_project_error(text: str) -> None:
    try:
        post = read_post(text)
    except DeriveError:
        return
    for segment in post.segments:
        assert 0 <= segment.start <= segment.end <= len(post.text)
        assert segment.line >= 1 and segment.column >= 1


# ---- what each formula is -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("$$x=[1.9, 0.4]$$", "values"),
        ("$$w_{11}=0.1, w_{21}=0.1, w_{12}=0.5, w_{22}=0.5$$", "values"),
        ("$$j=1$$", "condition"),
        ("$j \\neq \\ell$", "condition"),
        ("$$\\begin{array}{c|c} a & b \\\\ \\hline 1 & 2 \\end{array}$$", "table"),
        ("$z^{(i)} \\in \\mathbb{R}^k$", "mention"),
        ("$$H(P,Q)=-\\sum_{j=1}^2 P(x_j)\\, \\log Q(x_j)$$", "definition"),
        ("$$z_j=w_j^Tx+b \\ \\ {\\text{ for }}j=1,2$$", "definition"),
        ("$$\\frac{da_j}{dz_j} = a_j(1-a_j) \\ \\ \\text{for } j=1,2$$", "claim"),
        ("$$\\nabla_{z} \\text{CE} = \\hat{y} - y$$", "claim"),
        ("$$L'(u) = \\sigma(u) - p$$", "claim"),
        ("$$z_1 = w_{11}x_1 + w_{21}x_2 + b_1 = 0.23$$", "numeric"),
        ("```\nreturn probs - labels\n```", "code"),
        ("`np.exp`", "mention"),
    ],
)
def test_each_formula_is_classified(text: str, kind: str) -> None:
    assert _items(text)[0][0] == kind


def test_sides_split_at_top_level_equals_only() -> None:
    assert split_sides("a_j = {b = c} = d \\neq e") == ("a_j", "{b = c}", "d \\neq e")
    assert split_sides("\\frac{dL}{dz} = p \\quad \\text{for } j = 1") == ("\\frac{dL}{dz}", "p")


def test_the_symbol_a_definition_defines() -> None:
    assert defined_symbol("H(P,Q)") == "H"
    assert defined_symbol("a_j") == "a"
    assert defined_symbol("\\hat{y}_i") == "\\hat{y}"
    assert defined_symbol("\\frac{a}{b}") is None


def test_conditions_are_index_comparisons() -> None:
    assert condition_parts("j \\neq \\ell") == ("j", "!=", "\\ell")
    assert condition_parts("x = 1") is None


# ---- values and conditions around the claims ------------------------------------------------------------


SEED_LIKE = (
    "Consider $$x=[1.9, 0.4]$$ which belongs to class 1, so y=1.\n\n"
    "Assume all $$b$$s are 0.0, and the weights are\n\n"
    "$$w_{11}=0.1, w_{21}=0.1, w_{12}=0.5, w_{22}=0.5$$\n\n"
    "where y=0 denotes the other class.\n\n"
    "consider $$j=1$$, the derivative is\n\n"
    "$$\\frac{\\partial H}{\\partial W_{i,j}} = x_i (a_j - y_j)$$\n"
)


def test_the_post_numbers_become_values_with_their_source() -> None:
    post = read_post(SEED_LIKE)
    items = [classify(n, s) for n, s in enumerate(post.math_and_code, start=1)]
    context = read_context(post, items)
    assert context.at() == ("x=[1.9, 0.4]", "W=[[0.1, 0.5], [0.1, 0.5]]", "b=[0.0, 0.0]", "y=[1, 0]")
    sources = {value.name: value.source for value in context.values}
    assert sources["x"] == "equation 1, line 1" and sources["y"] == "prose, line 1"


def test_a_table_column_gives_values_by_index() -> None:
    text = (
        "$$x=[1, 2]$$\n\n$$\\begin{array}{c|c|c} a_j = Q(x_j) & j & y_j=P(x_j) \\\\ \\hline "
        "0.3 & 1 & 100\\% \\\\ 0.7 & 2 & 0\\% \\end{array}$$\n"
    )
    post = read_post(text)
    context = read_context(post, [classify(n, s) for n, s in enumerate(post.math_and_code, start=1)])
    assert ("y", [1.0, 0.0]) in [(v.name, v.value) for v in context.values]


def test_a_condition_before_a_claim_restricts_it_and_the_true_class_symbol_is_c() -> None:
    text = (
        "Let $\\ell$ denote the index of the true label.\n\n"
        "That is, assume $j \\neq \\ell$. Then:\n\n"
        "$$\\frac{\\partial L}{\\partial z_j} = 0$$\n"
    )
    post = read_post(text)
    items = [classify(n, s) for n, s in enumerate(post.math_and_code, start=1)]
    context = read_context(post, items)
    assert context.true_class == "\\ell"
    assert context.conditions[3].condition == "j != c"


def test_a_condition_without_a_cue_word_is_not_taken() -> None:
    text = "Above, $j = 1$ was done.\n\n$$\\frac{\\partial L}{\\partial z_j} = a_j - y_j$$\n"
    post = read_post(text)
    items = [classify(n, s) for n, s in enumerate(post.math_and_code, start=1)]
    assert read_context(post, items).conditions == {}


def test_a_condition_said_in_words_names_the_class_index_for_the_judge() -> None:
    text = "For the true class the gradient is\n\n$$\\frac{\\partial L}{\\partial z_j} = a_j - 1$$\n"
    post = read_post(text)
    items = [classify(n, s) for n, s in enumerate(post.math_and_code, start=1)]
    where = read_context(post, items).conditions[1]
    assert where.condition == "{class index} = c" and where.written == "For the true class"


@pytest.mark.parametrize(
    ("text", "syntax"),
    [
        ("```python\nreturn p - y\n```", "python"),
        ("```matlab\ndz = p - Y;\n```", "code"),
        ("```\ndef f(x):\n    return np.exp(x)\n```", "python"),
        ("```\ndz = (p - Y) / size(p, 2);\n```", "code"),
    ],
)
def test_code_is_read_as_python_or_other_code_by_its_fence_or_its_look(text: str, syntax: str) -> None:
    post = read_post(text)
    assert code_syntax(classify(1, post.math_and_code[0])) == syntax


def test_a_display_that_starts_with_equals_continues_the_chain_before_it() -> None:
    # math.SE's usual layout: one chain of equalities over several displays, each after the first
    # starting with '='
    text = "So\n\n$$\\frac{dL}{dz} = a$$\n$$= b$$\n\n$$= c$$\n\nThen $$= d$$\n"
    math = [s.text for s in read_post(text).segments if s.kind == "math"]
    assert math == ["\\frac{dL}{dz} = a = b = c", "= d"]  # words between: not the same chain


# ---- formulas outside math delimiters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "formulas"),
    [
        ("Someone says it should be ∂L/∂z_k = p_k - y_k. Who is right?", ["∂L/∂z_k = p_k - y_k"]),
        ("and so we get dL/dz_i = p_i - y_i, which is nice", ["dL/dz_i = p_i - y_i"]),
        ("I get dL/dz = exp(z)/sum exp(z) - y is what I get", ["dL/dz = exp(z)/sum exp(z) - y"]),
        ("we have dE/dw = x (y - t) for each weight", ["dE/dw = x (y - t)"]),
        ("a word like odd/dz = 3 or dL/dz alone is not one", []),
    ],
)
def test_a_derivative_equation_typed_inside_a_sentence_is_a_formula(text: str, formulas: list[str]) -> None:
    # such formulas were dropped silently: a post could exit 0 with a wrong formula unchecked
    assert _math(text) == formulas
    assert all(s.delimiter == "prose" for s in read_post(text).segments if s.kind == "math")


def test_a_math_fence_is_latex_and_a_plain_block_of_derivative_lines_is_one_formula_per_line() -> None:
    post = (
        "```math\n\\frac{\\partial L}{\\partial z_i} = p_i - y_i\n```\n\n"
        "```\ndL/dz_i = p_i * (1 - p_i) - y_i\n\n∂L/∂z = p - y\n```\n\n"
        "```\ngrad = probs - y\n```\n\n```python\ndL_dz = p - y\n```\n"
    )
    items = _items(post)
    assert items[:3] == [
        ("claim", "\\frac{\\partial L}{\\partial z_i} = p_i - y_i"),
        ("claim", "dL/dz_i = p_i * (1 - p_i) - y_i"),
        ("claim", "∂L/∂z = p - y"),
    ]
    # a block that is code (no derivative written as a fraction) stays code, as does a Python fence
    assert [kind for kind, _ in items[3:]] == ["code", "code"]


@pytest.mark.parametrize(
    ("span", "kind"),
    [("`p = softmax(z)`", "definition"), ("`dW = X.T @ (p - y)`", "code"), ("`delta = p - y`", "code"),
     ("`y`", "mention")],
)
def test_a_code_span_that_defines_a_name_is_a_definition(span: str, kind: str) -> None:
    # `p = softmax(z)` was read as code whose result is a gradient ("say what p is the derivative of")
    assert [k for k, _ in _items(f"With {span} we get it.")] == [kind]


@pytest.mark.parametrize(
    ("text", "formulas"),
    [
        ("Let $p = \\mathrm{softmax}(z / T), L = -\\sum_i y_i \\log p_i$.",
         ["p = \\mathrm{softmax}(z / T)", "L = -\\sum_i y_i \\log p_i"]),
        ("$$p_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}, \\quad L = -\\log p_y$$",
         ["p_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}", "L = -\\log p_y"]),
        # values, a claim first, commas inside a call or a subscript: one formula
        ("$x = 1, y = 2$", ["x = 1, y = 2"]),
        ("$\\frac{\\partial L}{\\partial z} = p - y, p = s(z)$",
         ["\\frac{\\partial L}{\\partial z} = p - y, p = s(z)"]),
        ("$a = f(x, y), b_{i,j} = 2$", ["a = f(x, y), b_{i,j} = 2"]),
    ],
)
def test_two_definitions_in_one_formula_are_two_formulas(text: str, formulas: list[str]) -> None:
    # the second definition had been judged as a claim about the first (p = softmax(z/T), L = ...: fails)
    pieces = [piece for segment in read_post(text).math_and_code for piece in split_definitions(segment)]
    assert [piece.text for piece in pieces] == formulas
    assert all(piece.source.startswith("$") for piece in pieces)
    assert len(pieces) == 1 or all(text[piece.start : piece.end] == piece.text for piece in pieces)
