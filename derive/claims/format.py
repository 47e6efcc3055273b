"""The claim IR back to LaTeX: clean, MathJax-safe, and read back by the reader to the same IR."""

from __future__ import annotations

from fractions import Fraction
from typing import Final

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
    Size,
    Sum,
    Symbol,
    Transpose,
    Undefined,
)
from derive.claims.lexicon import LETTER_COMMANDS

__all__ = ["format_claim", "format_node"]

_DECORATION_COMMANDS: Final = {
    "hat": "hat",
    "bold": "mathbf",
    "cal": "mathcal",
    "tilde": "tilde",
    "bar": "bar",
    "bb": "mathbb",
    "dot": "dot",
    "rm": "mathit",
}
_DOTS: Final = {"h": "\\cdots", "v": "\\vdots", "d": "\\ddots"}


def _wrap(latex: str) -> str:
    return f"\\left({latex}\\right)"


def _format_number(value: Fraction) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value.denominator == 1:
        return f"{sign}{value.numerator}"
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return f"{sign}\\frac{{{value.numerator}}}{{{value.denominator}}}"
    places = max(twos, fives)
    digits = str(value.numerator * 10**places // value.denominator).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def _format_name(name: str) -> str:
    primes = len(name) - len(name.rstrip("'"))
    stem = name.rstrip("'")
    if stem in LETTER_COMMANDS:
        text = f"\\{stem}"
    elif len(stem) == 1 or stem.isdigit():
        text = stem
    else:
        text = f"\\operatorname{{{stem}}}"
    return text + "'" * primes


def _format_index(node: Node, alone: bool) -> str:
    text = format_node(node)
    if alone and isinstance(node, Number) and node.value.denominator == 1 and len(text) == 2:
        return f"{{{text}}}"  # a lone two-digit index would read as two indices
    return text


def _format_symbol(symbol: Symbol) -> str:
    base = _format_name(symbol.name)
    if symbol.decoration is not None:
        command = _DECORATION_COMMANDS[symbol.decoration]
        if command == "mathbf" and symbol.name in LETTER_COMMANDS:
            command = "boldsymbol"
        base = f"\\{command}{{{base}}}"
    elif symbol.name == "Sigma" and (symbol.indices or symbol.example or symbol.layer or symbol.transposed):
        base = "{\\Sigma}"  # \Sigma_{j} would be a sum
    if symbol.indices:
        alone = len(symbol.indices) == 1
        base += "_{" + ",".join(_format_index(index, alone) for index in symbol.indices) + "}"
    superscripts: list[str] = []
    if symbol.example is not None and symbol.layer is not None:
        base = f"{{{base}^{{[{format_node(symbol.layer)}]}}}}"  # {x^{[l]}}^{(n)}: one superscript each
    elif symbol.layer is not None:
        superscripts.append(f"[{format_node(symbol.layer)}]")
    if symbol.example is not None:
        superscripts.append(f"({format_node(symbol.example)})")
    if symbol.transposed and superscripts:
        superscripts[-1] += "^{\\top}"
    if superscripts:
        base += "^{" + "".join(superscripts) + "}"
    base += "'" * symbol.primes
    if symbol.transposed and not superscripts:
        base += "^{\\top}"
    return base


_TIGHT: Final = (
    Number, Symbol, Call, Div, Pow, Log, Exp, Transpose, KroneckerDelta, Cases, Index, Indicator, Matrix,
    Dots, Max, Size, Probability,
)  # fmt: skip


def _is_tight(node: Node) -> bool:
    """Nodes that never need parentheses as a factor (a derivative written as a fraction is one)."""
    if isinstance(node, Derivative):
        return _derivative_is_fraction(node)
    if isinstance(node, Differential):
        return isinstance(node.of, (Symbol, Call))
    return isinstance(node, _TIGHT)


def _format_factor(node: Node, last: bool) -> str:
    if _is_tight(node) or (last and isinstance(node, (Sum, Derivative))):
        return format_node(node)
    return _wrap(format_node(node))


def _format_add_term(node: Node) -> str:
    return _wrap(format_node(node)) if isinstance(node, Add) else format_node(node)


def _format_neg_operand(node: Node) -> str:
    if isinstance(node, (Add, Hadamard, Neg, Outer)):
        return _wrap(format_node(node))
    return format_node(node)


def _format_sum(node: Sum) -> str:
    out = "\\sum"
    clauses: list[str] = []
    if node.index is not None:
        index = _format_name(node.index)
        if node.lower is not None:
            clauses.append(f"{index} = {format_node(node.lower)}")
        clauses.extend(f"{index} \\neq {_format_name(name)}" for name in node.excluded)
        if node.over is not None:
            clauses.append(f"{index} \\in \\mathcal{{{_format_name(node.over)}}}")
        if not clauses:
            clauses.append(index)
    elif node.lower is not None:
        clauses.append(format_node(node.lower))
    if len(clauses) == 1:
        out += f"_{{{clauses[0]}}}"
    elif clauses:
        out += "_{\\substack{" + " \\\\ ".join(clauses) + "}}"
    if node.upper is not None:
        out += f"^{{{format_node(node.upper)}}}"
    body = node.body
    wrapped = isinstance(body, (Add, Neg)) or (not clauses and node.upper is None and not _is_tight(body))
    return f"{out} {_wrap(format_node(body)) if wrapped else format_node(body)}"


def _derivative_is_fraction(node: Derivative) -> bool:
    return isinstance(node.of, (Symbol, Call, Log, Exp, Number, Index))


def _format_wrt(wrt: Node, power: str) -> str:
    text = format_node(wrt)
    if not isinstance(wrt, (Symbol, Call, Index)):
        text = _wrap(text)
    return f"{text}{power}"


def _format_derivative(node: Derivative) -> str:
    power = "" if node.order == 1 else f"^{{{node.order}}}"
    wrt = _format_wrt(node.wrt, power)
    if _derivative_is_fraction(node):
        return f"\\frac{{\\partial{power} {format_node(node.of)}}}{{\\partial {wrt}}}"
    return f"\\frac{{\\partial{power}}}{{\\partial {wrt}}} {_wrap(format_node(node.of))}"


def _format_condition_sides(condition: Condition) -> str:
    op = "=" if condition.op == "=" else "\\neq"
    return f"{format_node(condition.left)} {op} {format_node(condition.right)}"


def _format_case_condition(condition: Condition | None) -> str:
    if condition is None:
        return "\\text{otherwise}"
    return f"\\text{{if }} {_format_condition_sides(condition)}"


def _format_matrix(node: Matrix) -> str:
    rows = " \\\\ ".join(" & ".join(format_node(cell) for cell in row) for row in node.rows)
    return f"\\begin{{bmatrix}} {rows} \\end{{bmatrix}}"


def _format_max(node: Max) -> str:
    body = format_node(node.body)
    if node.index is None:
        return f"\\max{_wrap(body)}"
    body = body if isinstance(node.body, (Symbol, Call)) else _wrap(body)
    return f"\\max_{{{_format_name(node.index)}}} {body}"


def format_node(node: Node) -> str:
    """Render a node as clean, MathJax-safe LaTeX that the reader reads back to the same node."""
    if isinstance(node, Number):
        return _format_number(node.value)
    if isinstance(node, Symbol):
        return _format_symbol(node)
    if isinstance(node, Call):
        return f"{_format_symbol(node.function)}{_wrap(', '.join(format_node(a) for a in node.args))}"
    if isinstance(node, Add):
        parts = [_format_add_term(node.terms[0])]
        for term in node.terms[1:]:
            if isinstance(term, Neg):
                parts.append(f" - {_format_neg_operand(term.operand)}")
            else:
                parts.append(f" + {_format_add_term(term)}")
        return "".join(parts)
    if isinstance(node, Mul):
        count = len(node.factors)
        return " \\cdot ".join(_format_factor(f, k == count - 1) for k, f in enumerate(node.factors))
    if isinstance(node, Div):
        return f"\\frac{{{format_node(node.numerator)}}}{{{format_node(node.denominator)}}}"
    if isinstance(node, Pow):
        base = node.base
        simple = isinstance(base, (Number, Symbol, Call, KroneckerDelta)) and not (
            isinstance(base, Symbol) and (base.transposed or base.primes)
        )
        base_text = format_node(base) if simple else _wrap(format_node(base))
        return f"{base_text}^{{{format_node(node.exponent)}}}"
    if isinstance(node, Neg):
        return f"-{_format_neg_operand(node.operand)}"
    if isinstance(node, Log):
        return f"\\log{_wrap(format_node(node.arg))}"
    if isinstance(node, Exp):
        return f"e^{{{format_node(node.arg)}}}"
    if isinstance(node, Transpose):
        return f"{_wrap(format_node(node.operand))}^{{\\top}}"
    if isinstance(node, (Hadamard, Outer)):
        operator = "\\odot" if isinstance(node, Hadamard) else "\\otimes"
        left = format_node(node.left)
        if isinstance(node.left, (Add, Neg, Sum, Derivative)) and not _is_tight(node.left):
            left = _wrap(left)
        right = format_node(node.right)
        if isinstance(node.right, (Add, Neg, Sum, Mul, Hadamard, Outer, Derivative)) and not _is_tight(
            node.right
        ):
            right = _wrap(right)
        return f"{left} {operator} {right}"
    if isinstance(node, Sum):
        return _format_sum(node)
    if isinstance(node, Derivative):
        return _format_derivative(node)
    if isinstance(node, KroneckerDelta):
        return f"\\delta_{{{format_node(node.i)},{format_node(node.j)}}}"
    if isinstance(node, Cases):
        rows = " \\\\ ".join(f"{format_node(e)} & {_format_case_condition(c)}" for e, c in node.branches)
        return f"\\begin{{cases}} {rows} \\end{{cases}}"
    if isinstance(node, Indicator):
        return f"\\mathbb{{1}}\\left[{_format_condition_sides(node.condition)}\\right]"
    if isinstance(node, Index):
        indices = ",".join(_format_index(i, len(node.indices) == 1) for i in node.indices)
        return f"{_wrap(format_node(node.base))}_{{{indices}}}"
    if isinstance(node, Matrix):
        return _format_matrix(node)
    if isinstance(node, Dots):
        return _DOTS[node.direction]
    if isinstance(node, Differential):
        of = format_node(node.of)
        return f"\\mathrm{{d}} {of if isinstance(node.of, (Symbol, Call)) else _wrap(of)}"
    if isinstance(node, Max):
        return _format_max(node)
    if isinstance(node, Size):
        return f"\\operatorname{{size}}{_wrap(_format_name(node.index))}"
    if isinstance(node, Probability):
        event = (
            _format_condition_sides(node.event)
            if isinstance(node.event, Condition)
            else format_node(node.event)
        )
        given = ", ".join(format_node(g) for g in node.given)
        return f"P\\left({event} \\mid {given}\\right)" if given else f"P\\left({event}\\right)"
    if isinstance(node, Undefined):
        return "\\text{(no value)}"
    raise TypeError(f"not an AST node: {node!r}")


def format_claim(claim: Claim) -> str:
    """Render a whole claim as one LaTeX chain, with its index conditions."""
    chain = " = ".join(format_node(side) for side in claim.sides)
    if claim.conditions:
        chain += ", \\quad \\text{if } " + ", ".join(_format_condition_sides(c) for c in claim.conditions)
    return chain
