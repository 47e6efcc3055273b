"""The AST of a parsed derivative claim (page notation, before any mapping to canonical symbols).

The parser in :mod:`derive.claims.latex` produces these nodes; a later stage maps page notation to the
canonical symbols and builds SymPy objects.  Every node is a frozen (hashable, comparable) dataclass, so
two parses of the same text compare equal.

Nodes
-----
``Number(value)``
    A non-negative exact rational; decimals are exact (``0.5`` -> ``Fraction(1, 2)``).  Negation is ``Neg``.
``Symbol(name, indices, example, primes, transposed, decoration, layer)``
    A variable as written.  ``name`` is the stem (``"x"``, ``"sigma"``, ``"ell"``, ``"SM"``, ``"CE"``, a
    digit string such as ``"1"`` for a one-hot ``1_t`` or a bold ``\\mathbf{1}``); ``indices`` come from
    subscripts or code-style brackets; ``example`` is a parenthesised superscript ``x^{(i)}``; ``primes``
    counts ``'``; ``transposed`` marks ``^T``/``^\\top``; ``decoration`` is one of ``hat``, ``bold``, ``cal``,
    ``tilde``, ``bar``, ``bb``, ``dot``; ``layer`` is a layer label written as a superscript (``W^{[2]}``,
    ``w^l_{jk}``).  A multi-letter ``name`` (``yhat``, ``grad_output``, ``probs``) is one symbol.
``Call(function, args)``
    A named function or a symbol applied to variables: ``P_j(x)``, ``\\sigma(u)``, ``softmax(z)``.
``Add(terms)``, ``Mul(factors)``, ``Div(numerator, denominator)``, ``Pow(base, exponent)``, ``Neg(operand)``
    Arithmetic.  Subtraction is ``Add`` with a ``Neg`` term.  Grouping written on the page is kept as
    nesting (``a(bc)`` is ``Mul(a, Mul(b, c))``); juxtaposition at one level is one flat ``Mul``.
``Log(arg)``, ``Exp(arg)``
    Natural logarithm (``\\log`` and ``\\ln``) and exponential (``e^{x}``, ``\\exp(x)``).
``Transpose(operand)``
    ``(...)^T`` of a non-symbol; a transposed symbol uses ``Symbol.transposed`` instead.
``Hadamard(left, right)``
    Element-wise product ``\\odot``.
``Sum(index, lower, upper, body, excluded, over)``
    ``\\sum_{j=1}^{k} body``; ``excluded`` lists index names ruled out by ``\\neq``; ``over`` names a set
    (``\\sum_{t \\in \\mathcal{O}}`` -> ``"O"``).
``Derivative(of, wrt, order)``
    ``d^order(of) / d(wrt)^order``.  ``wrt`` is a ``Symbol`` or a ``Call`` (``\\partial z_j(x)``), or the
    expression a page differentiates by (``\\frac{\\delta P_1}{\\delta e^{y_1}}``).  Mixed
    partials nest: ``\\frac{\\partial^2 H}{\\partial z_i \\partial z_j}`` is
    ``Derivative(Derivative(H, z_j), z_i)``.  Operator forms are applied, so ``of`` is never empty.
    ``\nabla L`` with no subscript has the ``wrt`` ``Symbol(UNSTATED_WRT)``.
``KroneckerDelta(i, j)``
    ``\\delta_{ij}`` (``\\delta`` with exactly two indices).
``Cases(branches)``
    ``\\begin{cases}`` rows as ``(expression, Condition | None)``; ``None`` means "otherwise".
``Condition(left, op, right)``
    ``i = k`` or ``i \\neq k`` (``op`` is ``"="`` or ``"!="``); each side is an index or a label such as
    ``y``, ``y^{(i)}`` or ``t_n`` (a class index).
``Indicator(condition)``
    ``1\\{y = j\\}``, ``\\mathbb{1}[y=j]``, ``1_{i=j}``, the Iverson bracket ``[y = j]``: 1 where the
    condition holds, else 0.
``Index(base, indices)``
    An entry of an expression that is not a plain symbol: ``(a_k)_i``, ``\\mathrm{softmax}(z)_i``, code's
    ``probs[n, j]`` after lowering.
``Matrix(rows)``
    ``bmatrix``/``pmatrix``/``matrix`` rows (a column vector is one entry per row); entries may be ``Dots``.
``Dots(direction)``
    ``\\cdots``/``\\ldots``/``\\dots``/``...`` (``"h"``), ``\\vdots`` (``"v"``), ``\\ddots`` (``"d"``):
    "and so on", in a matrix or a sum written out (``a_1 + \\cdots + a_k``).
``Differential(of)``
    ``\\mathrm{d}w``, ``dw`` standing alone (not in a quotient): on pages and in code, the gradient of the
    loss by ``w``; the mapping decides (it may also be read as the product of ``d`` and ``w``).
``Max(index, body)``
    The largest ``body`` over ``index`` (``np.max(x, axis=1)``, ``\\max_j z_j``); ``index`` None: the largest
    entry of a vector-valued ``body`` (``\\max(z)``).  Pages use it as a shift that cancels in a softmax.
``Size(index)``
    The number of values ``index`` runs over (``x.shape[0]``, ``len(y)``, ``size(p, 2)`` after lowering).
``Probability(event, given)``
    A conditional probability ``P(y = k | x; w)``, ``P(y_i | x_i; W)``: ``event`` is a ``Condition`` or a
    node, ``given`` what it is conditioned on (pages use it for the softmax output).
``Outer(left, right)``
    ``\\otimes``: the outer (tensor, Kronecker) product.
``Undefined(reason)``
    A value code does not compute for any size the model has (a product of nonconforming arrays).
``Claim(sides, source, qualifiers, conditions)``
    The chain of expressions joined by ``=``; ``qualifiers`` keeps trailing prose that was dropped from the
    mathematics (``\\text{ for } j=1,2``); ``conditions`` are index conditions that restrict the whole claim
    (``, i = j``, ``(i \\neq k)``, ``\\text{if } j = c``, ``\\quad\\text{for } j \\ne y``).
``Reading(claims, choices)``
    One way to read a text: its claims (usually one; two equations joined by ``;\\quad`` give two) and the
    choices that reading made where the text allows several (``"yhat read as one name"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Final, Literal, TypeAlias


@dataclass(frozen=True)
class Number:
    """An exact non-negative rational number."""

    value: Fraction


@dataclass(frozen=True)
class Symbol:
    """A variable as written on the page (stem plus sub/superscript adornments)."""

    name: str
    indices: tuple[Node, ...] = ()
    example: Node | None = None
    primes: int = 0
    transposed: bool = False
    decoration: str | None = None
    layer: Node | None = None


@dataclass(frozen=True)
class Call:
    """A function applied to arguments."""

    function: Symbol
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Add:
    """A sum of two or more terms (subtraction is a ``Neg`` term)."""

    terms: tuple[Node, ...]


@dataclass(frozen=True)
class Mul:
    """A product of two or more factors."""

    factors: tuple[Node, ...]


@dataclass(frozen=True)
class Div:
    """A quotient."""

    numerator: Node
    denominator: Node


@dataclass(frozen=True)
class Pow:
    """A power."""

    base: Node
    exponent: Node


@dataclass(frozen=True)
class Neg:
    """Unary minus."""

    operand: Node


@dataclass(frozen=True)
class Log:
    """Natural logarithm."""

    arg: Node


@dataclass(frozen=True)
class Exp:
    """Exponential ``e^{arg}``."""

    arg: Node


@dataclass(frozen=True)
class Transpose:
    """Transpose of a non-symbol expression."""

    operand: Node


@dataclass(frozen=True)
class Hadamard:
    """Element-wise product."""

    left: Node
    right: Node


@dataclass(frozen=True)
class Sum:
    """A summation over one index."""

    index: str | None
    lower: Node | None
    upper: Node | None
    body: Node
    excluded: tuple[str, ...] = ()
    over: str | None = None


@dataclass(frozen=True)
class Derivative:
    """The derivative of ``of`` with respect to ``wrt`` (``order`` times)."""

    of: Node
    wrt: Node
    order: int = 1


#: ``\mathbf{1}``: the vector of ones, as long as what it multiplies (``\mathbf{1}^\top (P - Y)`` sums rows).
ONES: Final = Symbol("1", decoration="bold")

#: The function a norm ``\|W\|`` is read as: the root of the sum of the squares of every entry.
NORM: Final = "norm"

#: The ``wrt`` of a gradient that does not say what it is by (``\nabla L``): --means or the page's words say.
UNSTATED_WRT = "?"


@dataclass(frozen=True)
class KroneckerDelta:
    """The Kronecker delta of two indices."""

    i: Node
    j: Node


@dataclass(frozen=True)
class Condition:
    """An index condition (of a cases branch, an indicator, or a whole claim)."""

    left: Node
    op: Literal["=", "!="]
    right: Node


@dataclass(frozen=True)
class Indicator:
    """1 where ``condition`` holds, else 0."""

    condition: Condition


@dataclass(frozen=True)
class Index:
    """An entry of an expression that is not a plain symbol: ``(a_k)_i``, ``softmax(z)_i``."""

    base: Node
    indices: tuple[Node, ...]


@dataclass(frozen=True)
class Matrix:
    """A matrix or vector written out row by row (a column vector has one entry per row)."""

    rows: tuple[tuple[Node, ...], ...]


@dataclass(frozen=True)
class Dots:
    """An ellipsis: ``"h"`` (\\cdots, \\ldots), ``"v"`` (\\vdots) or ``"d"`` (\\ddots)."""

    direction: Literal["h", "v", "d"] = "h"


@dataclass(frozen=True)
class Max:
    """The largest ``body`` over ``index`` (None: the largest entry of a vector-valued ``body``)."""

    index: str | None
    body: Node


@dataclass(frozen=True)
class Size:
    """The number of values ``index`` runs over."""

    index: str


@dataclass(frozen=True)
class Differential:
    """``d w`` standing alone: the gradient of the loss by ``w`` (or a product; the mapping decides)."""

    of: Node


@dataclass(frozen=True)
class Probability:
    """A conditional probability ``P(event | given)``."""

    event: Node | Condition
    given: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Outer:
    """The outer (tensor, Kronecker) product ``left \\otimes right``."""

    left: Node
    right: Node


@dataclass(frozen=True)
class Undefined:
    """A value code computes for no size the model has: ``reason`` says why (a product whose inner sizes
    differ, which MATLAB, Julia and NumPy refuse at run time). A claim of it fails wherever the truth has a
    value."""

    reason: str


@dataclass(frozen=True)
class Cases:
    """A piecewise expression; a ``None`` condition means "otherwise"."""

    branches: tuple[tuple[Node, Condition | None], ...]


Node: TypeAlias = (
    Number
    | Symbol
    | Call
    | Add
    | Mul
    | Div
    | Pow
    | Neg
    | Log
    | Exp
    | Transpose
    | Hadamard
    | Sum
    | Derivative
    | KroneckerDelta
    | Cases
    | Indicator
    | Index
    | Matrix
    | Dots
    | Differential
    | Max
    | Size
    | Probability
    | Outer
    | Undefined
)


@dataclass(frozen=True)
class Claim:
    """A parsed claim: the chain ``sides[0] = sides[1] = ...`` and the text it came from."""

    sides: tuple[Node, ...]
    source: str
    qualifiers: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Reading:
    """One reading of a text: its claims and the choices made where the text allows several readings."""

    claims: tuple[Claim, ...]
    choices: tuple[str, ...] = ()
