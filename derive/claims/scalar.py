"""Claims of one-variable calculus: ``d/dx (1/2 lambda x^2) = lambda x``, ``d sigma(x)/dx = sigma(x)(1 -
sigma(x))``, ``d/dp (-(1-p)^gamma log p) = ...``.

Pages state such steps beside their gradients (the sigmoid's derivative, a regularizer's, a factor of the
focal loss). They name no symbol of the model: no index, sum, vector or loss. When the model's reading of
a text fails, this reading is tried: every letter is a real number, the one the left side differentiates
by is the variable, and the left side is the derivative of the formula it writes out. It is shown as the
reading's choice, and applies only where nothing in the text could depend on the variable unseen: a
letter that pages use for a function of the logits (a, p, s, o, h, a loss) is never a constant here, and
the formula differentiated must write the variable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import sympy

from derive.claims.ast import (
    Add,
    Call,
    Claim,
    Derivative,
    Div,
    Exp,
    Log,
    Mul,
    Neg,
    Node,
    Number,
    Pow,
    Symbol,
)
from derive.claims.latex import format_node
from derive.claims.mapping import walk


def _sigmoid(u: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-u))


#: The functions of one variable a scalar identity may apply.
FUNCTIONS: Final[dict[str, Callable[[sympy.Expr], sympy.Expr]]] = {
    "sigma": _sigmoid,
    "sigmoid": _sigmoid,
    "tanh": lambda u: sympy.tanh(u).rewrite(sympy.exp),  # the numeric evaluator knows exp, not tanh
    "exp": sympy.exp,
    "log": sympy.log,
    "ln": sympy.log,
    "sqrt": sympy.sqrt,
    "softplus": lambda u: sympy.log(1 + sympy.exp(u)),
}

#: Letters pages use for what depends on the logits (an output, a probability, a score, a hidden value, a
#: function, the loss): never read as a constant, since the text may mean them as functions of the variable.
DEPENDENT: Final = frozenset("a p q s o h f g u v L H J C E l ell y_hat yhat".split())

#: Names of a loss: never the variable.
_LOSSES: Final = frozenset("L H J C E l ell".split())


class _NotScalar(Exception):
    """The text is not a claim of one-variable calculus."""


@dataclass(frozen=True)
class ScalarClaim:
    """A claim read as one-variable calculus: each side as SymPy (the first one's derivative carried out),
    the variable, the other letters (constants) and whether a sigmoid is applied."""

    sides: tuple[sympy.Expr, ...]
    variable: str
    constants: tuple[str, ...]
    sigmoid: bool


def scalar_claim(claim: Claim) -> ScalarClaim | None:
    """The claim as one-variable calculus, or None when it is not one (see the module's docstring)."""
    if len(claim.sides) < 2 or claim.conditions or claim.qualifiers:
        return None
    first = claim.sides[0]
    if not isinstance(first, Derivative) or not _plain(first.wrt) or isinstance(first.of, Symbol):
        return None
    assert isinstance(first.wrt, Symbol)
    variable = first.wrt.name
    written = (n for n in walk(first.of) if isinstance(n, Symbol) and _plain(n))
    if variable in _LOSSES or all(n.name != variable for n in written):
        return None
    builder = _Builder(variable)
    try:
        sides = [builder.build(side) for side in claim.sides]
    except _NotScalar:
        return None
    return ScalarClaim(tuple(sides), variable, tuple(sorted(builder.constants - {variable})), builder.sigmoid)


def _plain(node: Node) -> bool:
    """A letter with nothing on it: no index, prime, transpose, decoration or layer."""
    return (
        isinstance(node, Symbol)
        and not node.indices
        and node.example is None
        and not node.primes
        and not node.transposed
        and node.decoration is None
        and node.layer is None
    )


class _Builder:
    def __init__(self, variable: str) -> None:
        self.variable = variable
        self.constants: set[str] = set()
        self.sigmoid = False
        self.symbols: dict[str, sympy.Symbol] = {}

    def symbol(self, name: str) -> sympy.Symbol:
        if name not in self.symbols:
            self.symbols[name] = sympy.Symbol(name, real=True)
        return self.symbols[name]

    def build(self, node: Node) -> sympy.Expr:
        if isinstance(node, Number):
            return sympy.Rational(node.value.numerator, node.value.denominator)
        if isinstance(node, Symbol):
            if not _plain(node) or (node.name in DEPENDENT and node.name != self.variable):
                raise _NotScalar
            if node.name == "e":
                return sympy.E
            if not node.name.replace("_", "").isalpha():
                raise _NotScalar
            self.constants.add(node.name)
            return self.symbol(node.name)
        if isinstance(node, Add):
            return sympy.Add(*(self.build(term) for term in node.terms))
        if isinstance(node, Mul):
            return sympy.Mul(*(self.build(factor) for factor in node.factors))
        if isinstance(node, Div):
            return self.build(node.numerator) / self.build(node.denominator)
        if isinstance(node, Pow):
            return sympy.Pow(self.build(node.base), self.build(node.exponent))
        if isinstance(node, Neg):
            return -self.build(node.operand)
        if isinstance(node, Log):
            return sympy.log(self.build(node.arg))
        if isinstance(node, Exp):
            return sympy.exp(self.build(node.arg))
        if isinstance(node, Call):
            function = node.function
            if not _plain(function) or function.name not in FUNCTIONS or len(node.args) != 1:
                raise _NotScalar
            self.sigmoid = self.sigmoid or function.name in ("sigma", "sigmoid")
            return FUNCTIONS[function.name](self.build(node.args[0]))
        if isinstance(node, Derivative):
            if not _plain(node.wrt) or isinstance(node.of, Symbol):
                raise _NotScalar
            assert isinstance(node.wrt, Symbol)
            by = self.build(node.wrt)
            return sympy.diff(self.build(node.of), by, node.order)
        raise _NotScalar


def describe(claim: Claim, scalar: ScalarClaim) -> str:
    """The reading's choice, as shown."""
    said = (
        f"read as one-variable calculus: every letter a real number, {scalar.variable} the variable "
        f"${format_node(claim.sides[0])}$ differentiates by"
    )
    if scalar.sigmoid:
        said += "; \\sigma the logistic sigmoid 1/(1 + e^{-x})"
    return said + " (the text writes no index, sum, vector or loss)"
