r"""From a parse tree of ``math.lark`` to the claim IR (:mod:`derive.claims.ast`): one method per rule.

A :class:`Builder` is run once per reading.  Where the text allows several readings, it follows its
:class:`Choices` and records, in :attr:`Builder.made`, what it chose and that an alternative exists:

* ``runs``: a run of letters in LaTeX (``yhat``, ``pu``, ``NLL``) is one name or a product of letters.
  By default a run of three or more letters, an upper-case run (``CE``) or a run with digits (``c1``) is a
  name, and two lower-case letters (``pu``) are a product.
* ``differentials``: ``\mathrm{d}w`` or ``dW`` standing alone is a differential (the gradient of the loss
  by ``w``, as pages and code write it) or a product ``d`` times ``w`` (LaTeX) / one name (plain text).
* ``calls``: a one-letter symbol before parentheses that hold an expression (``s(w^T x)``) is a product
  (as ``x_i(1-a)`` is) or a function call.
* ``layers``: a superscript such as ``W^{(L)}`` or ``w^l_{jk}`` is a layer label or an example index / a
  power.
* ``jacobians``: ``J_x y`` is the Jacobian of ``y`` by ``x`` or the product of ``J_x`` and ``y``.
* ``typos``: ``\frac{\partial t_j}{y_j}`` is a derivative whose denominator lost its ``\partial`` or a
  fraction whose numerator has a stray one.

Judgment calls that have no alternative are recorded in the reading's choices too; those that read a
typo as what it almost certainly means (a derivative whose denominator lacks its ``\partial``, a
``\delta{ij}`` written for ``\delta_{ij}``, an unbalanced bracket) start with ``typo:``.  Everything that
cannot be read is a :class:`~derive.errors.ParseError` naming the construct and where it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from fractions import Fraction
from typing import Any, Final, Literal

from lark import v_args
from lark.tree import Meta
from lark.visitors import Transformer_NonRecursive

from derive.claims import lexicon as lx
from derive.claims.ast import (
    NORM,
    ONES,
    UNSTATED_WRT,
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
    Sum,
    Symbol,
    Transpose,
)
from derive.claims.formulas import where
from derive.claims.lexer import Tok
from derive.claims.tokens import describe
from derive.errors import ParseError

ChoiceKind = Literal["runs", "differentials", "calls", "layers", "jacobians", "typos", "transposes"]


@dataclass(frozen=True)
class Choices:
    """How to read what the text leaves open (see the module docstring)."""

    runs: Literal["auto", "names", "letters"] = "auto"
    differentials: bool = True
    calls: bool = False
    layers: bool = True
    jacobians: bool = True
    typo_derivatives: bool = True
    #: plain text's ``s'`` (a vector's name) read as MATLAB's transpose rather than a derivative
    prime_transposes: bool = False


# --------------------------------------------------------------------------------------------------------
# Intermediate values (between rules; never in the IR)
# --------------------------------------------------------------------------------------------------------


@dataclass
class _Relation:
    left: Node
    op: str  # "=", "!=", "in"
    right: Node


@dataclass
class _Script:
    items: list[Any]  # Node | _Relation | "top" | int (primes) | "slice" | Tok (an unbraced token)
    braced: bool
    token: Tok | None = None
    substack: bool = False


@dataclass
class _Sub:
    script: _Script


@dataclass
class _Sup:
    script: _Script


@dataclass
class _Args:
    items: list[Any]  # Node | _Relation
    separators: list[str]


@dataclass
class _Bracket:
    args: _Args


@dataclass
class _Power:
    node: Node


@dataclass
class _Mark:
    kind: str  # "prime" | "transpose"


_TOP: Final = _Mark("top")
_SLICE: Final = _Mark("slice")


@dataclass
class _Name:
    """A symbol token whose reading (name or letters, differential or not) the factor decides."""

    token: Tok
    decoration: str | None = None


@dataclass
class _Decorated:
    node: Node | _Name
    decoration: str


@dataclass
class _Func:
    name: str
    token: Tok
    index: Node | None = None
    power: Node | None = None
    primes: int = 0


@dataclass
class _List:
    nodes: list[Node]
    bracket: str


#: Letters whose superscript i or n may be an example's index (x^i, y^i): the data and what the model
#: computes per example.
_EXAMPLE_BASES: Final = frozenset("xytahzpo")


@dataclass
class _Acc:
    """A symbol being built from its stem and scripts."""

    name: str
    token: Tok
    decoration: str | None = None
    indices: tuple[Node, ...] = ()
    example: Node | None = None
    layer: Node | None = None
    primes: int = 0
    transposed: bool = False
    power: Node | None = None
    differential: bool = False
    number: bool = False  # a number with a subscript (1_t)
    has_subscript: bool = False


@dataclass
class _Op:
    op: str
    node: Node
    rest: list[Node] = field(default_factory=list)  # factors juxtaposed after the operand (a \cdot x (1-b))


@dataclass
class _Factors:
    nodes: list[Node]


@dataclass
class _Quotient:
    """A term with an inline ``/``: ``node`` as read anywhere, and the product before the first ``/``
    (``head``) with the items from that ``/`` on (``after``), for a derivative operator to stop there."""

    node: Node
    head: Node
    after: list[Any]


@dataclass
class _Conditions:
    conditions: list[Condition]


@dataclass
class _Qualifier:
    text: str


@dataclass
class _Prose:
    text: str


@dataclass
class _Chain:
    sides: list[Node]
    conditions: list[Condition]
    qualifiers: list[str]
    start: int
    end: int
    elided: bool = False
    extra: list[Claim] = field(default_factory=list)


@dataclass
class _Braced:
    sides: list[Node]
    conditions: list[Condition]
    qualifiers: list[str]


@dataclass
class _DNum:
    negations: int
    order: int
    of: Node | None


@dataclass
class _Dden:
    items: list[tuple[Node, int]]
    lenient: bool = False


Item = _Chain | _Conditions | _Qualifier | _Prose


# --------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------


def _div(numerator: Node, denominator: Node) -> Node:
    """A quotient; of two differentials it is a derivative, however it is spelled (``dx/+dx``)."""
    if isinstance(numerator, Differential) and isinstance(denominator, Differential):
        return Derivative(numerator.of, denominator.of)
    return Div(numerator, denominator)


def _mul(nodes: list[Node]) -> Node:
    return nodes[0] if len(nodes) == 1 else Mul(tuple(nodes))


def _is_variable(node: Node) -> bool:
    return isinstance(node, Symbol) or (isinstance(node, Call) and isinstance(node.function, Symbol))


def _index_like(node: Node) -> bool:
    if isinstance(node, Symbol):
        return not node.indices and node.decoration is None and node.example is None and not node.transposed
    if isinstance(node, Number):
        return node.value.denominator == 1
    if isinstance(node, Neg):
        return _index_like(node.operand)
    if isinstance(node, Add):
        return all(_index_like(term) for term in node.terms)
    return False


def _one(value: Any) -> Node:
    if isinstance(value, _Factors):
        return _mul(value.nodes)
    if isinstance(value, _Quotient):
        return value.node
    assert not isinstance(value, (_Name, _Acc, _Func, _List)), value
    node: Node = value
    return node


def _tokens(children: list[Any], *kinds: str) -> list[Tok]:
    return [c for c in children if isinstance(c, Tok) and c.type in kinds]


_ACCENTS: Final = frozenset({"hat", "tilde", "bar", "dot"})


def _mentions_weights_and_input(node: object) -> bool:
    """Whether ``node`` writes the weights and the input (``w^T x_i``, ``W x + b``): the logits written
    out, which a one-letter name before them is applied to, never multiplied by."""
    return _any_symbol(node, lambda n: n.name in ("w", "W", "theta")) and _any_symbol(
        node, lambda n: n.name in ("x", "X")
    )


def _mentions_value(node: object, symbol: Symbol) -> bool:
    r"""Whether ``node`` writes ``symbol`` as a value, not called: ``\sigma(1 - \sigma)`` is sigma times
    (1 - sigma), never sigma applied to an expression of its own value."""
    # any entry of it: softmax_i(\delta_{ij} - softmax_j)
    return _any_symbol(node, lambda n: (n.name, n.decoration) == (symbol.name, symbol.decoration))


def _any_symbol(node: object, test: Callable[[Symbol], bool]) -> bool:
    """Whether a symbol ``node`` writes as a value (a called function's name is not one) passes ``test``."""
    if isinstance(node, Symbol):
        return test(node)
    if isinstance(node, Call):
        return any(_any_symbol(arg, test) for arg in node.args)
    if isinstance(node, tuple):
        return any(_any_symbol(item, test) for item in node)
    if is_dataclass(node):
        return any(_any_symbol(getattr(node, f.name), test) for f in fields(node))
    return False


def _indicator_name(name: str, decoration: str | None) -> bool:
    r"""``\mathbb{1}``, ``\mathbf{1}``, ``\mathbb{I}``: the indicator's names, applied to a condition."""
    return (name == "1" and decoration in ("bb", "bold")) or (name == "I" and decoration == "bb")


def _decorate(old: str | None, new: str) -> str:
    """Nested decorations: an accent wins over a font (``\\mathbb{\\hat{y}}`` is hat y)."""
    if old is None:
        return new
    if old in _ACCENTS:
        return old
    return new if new in _ACCENTS else old


def _depth(node: Any) -> int:
    """Nesting depth of an IR value (iterative, so a deep value cannot overflow the stack)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(current, tuple):
            stack.extend((item, depth) for item in current)
        elif hasattr(current, "__dataclass_fields__"):
            for name in current.__dataclass_fields__:
                value = getattr(current, name)
                if isinstance(value, (tuple, Condition)) or hasattr(value, "__dataclass_fields__"):
                    stack.append((value, depth + 1))
    return deepest


MAX_DEPTH: Final = 120


# --------------------------------------------------------------------------------------------------------
# The builder
# --------------------------------------------------------------------------------------------------------


class Builder(Transformer_NonRecursive):
    """Parse tree -> items of a reading (chains, conditions, qualifiers, prose)."""

    def __init__(self, text: str, choices: Choices, syntax: str) -> None:
        super().__init__()
        self.text = text
        self.choices = choices
        self.syntax = syntax
        self.made: dict[str, str] = {}  # what was chosen, in order (description -> kind)
        self.kinds: list[ChoiceKind] = []  # choice kinds met that have an alternative
        self.lifted: list[Condition] = []  # conditions written in subscripts (y_{k=i})
        self.notes: list[str] = []  # keyword arguments and other prose found inside formulas
        self.extra: list[Claim] = []  # chains inside cases rows
        self.bare: dict[int, Tok] = {}  # id(node) -> the token of a bare symbol (for subscripts)
        self.groups: dict[int, str] = {}  # id(node) -> the bracket of the group it came from

    # ---- bookkeeping ---------------------------------------------------------------------------------

    def fail(self, message: str, token: Tok | None = None) -> ParseError:
        if token is None:
            return ParseError(" ".join(message.split()))
        return ParseError(" ".join(f"{message} at {where(self.text, token.start_pos)}".split()))

    def choose(self, kind: ChoiceKind | None, description: str) -> None:
        if kind is not None and kind not in self.kinds:
            self.kinds.append(kind)
        self.made.setdefault(description, kind or "")

    def _prime_transposes(self, name: str) -> bool:
        """Plain text that multiplies by ``name'`` (``softmax * softmax'``, ``p*p'``): MATLAB's transpose or a
        derivative, two readings (the choice recorded); whether this reading takes the transpose."""
        if self.syntax != "text" or re.search(rf"\*\s*{re.escape(name)}'", self.text) is None:
            return False
        transposes = self.choices.prime_transposes
        said = f"the transpose of {name} (MATLAB's ')" if transposes else "a derivative"
        self.choose("transposes", f"{name}' read as {said}")
        return transposes

    def source(self, token: Tok) -> str:
        return self.text[token.start_pos : token.end_pos]

    # ---- a text ----------------------------------------------------------------------------------------

    def start(self, children: list[Any]) -> list[Item]:
        items: list[Item] = []
        for child in children:
            if isinstance(child, (_Chain, _Conditions, _Qualifier, _Prose)):
                items.append(child)
            elif isinstance(child, Tok) and child.type == "PROSE":
                items.append(_Prose(str(child.value)))
            elif isinstance(child, Tok) and child.type == "SIGNATURE":
                items.append(_Qualifier(str(child.value)))
        return items

    def _chain(self, children: list[Any], meta: Meta, elided: bool) -> _Chain:
        sides: list[Node] = []
        conditions: list[Condition] = []
        qualifiers: list[str] = []
        for child in children:
            if isinstance(child, list):
                sides.extend(child)
            elif isinstance(child, _Braced):
                sides.extend(child.sides)
                conditions.extend(child.conditions)
                qualifiers.extend(child.qualifiers)
            elif isinstance(child, _Conditions):
                conditions.extend(child.conditions)
            elif isinstance(child, _Qualifier):
                qualifiers.append(child.text)
            elif isinstance(child, Tok) and child.type in ("PROSE", "NOTE", "EQNUM"):
                qualifiers.append(str(child.value))
        conditions = self.lifted + conditions
        qualifiers = qualifiers + self.notes
        chain = _Chain(sides, conditions, qualifiers, meta.start_pos, meta.end_pos, elided, self.extra)
        self.lifted, self.notes, self.extra = [], [], []
        return chain

    @v_args(meta=True)
    def chain(self, meta: Meta, children: list[Any]) -> _Chain:
        return self._chain(children, meta, elided=False)

    @v_args(meta=True)
    def elided(self, meta: Meta, children: list[Any]) -> _Chain:
        return self._chain(children, meta, elided=True)

    @v_args(meta=True)
    def labelled(self, meta: Meta, children: list[Any]) -> _Chain:
        label = _tokens(children, "PROSE")
        chain = self._chain([c for c in children if c not in label], meta, elided=True)
        chain.qualifiers[:0] = [str(t.value) for t in label]
        return chain

    def side(self, children: list[Any]) -> list[Node]:
        return [_one(children[0])]

    def braced_chain(self, children: list[Any]) -> _Braced:
        braced = _Braced([], [], [])
        for child in children:
            if isinstance(child, list):
                braced.sides.extend(child)
            elif isinstance(child, _Braced):
                braced.sides.extend(child.sides)
                braced.conditions.extend(child.conditions)
                braced.qualifiers.extend(child.qualifiers)
            elif isinstance(child, _Conditions):
                braced.conditions.extend(child.conditions)
            elif isinstance(child, _Qualifier):
                braced.qualifiers.append(child.text)
            elif isinstance(child, Tok) and child.type in ("PROSE", "EQNUM"):
                braced.qualifiers.append(str(child.value))
        return braced

    def lead_conditions(self, children: list[Any]) -> _Conditions:
        return self.conditions(children)

    def lead_word(self, children: list[Any]) -> _Qualifier:
        return _Qualifier(str(children[0].value))

    def bare_conditions(self, children: list[Any]) -> _Conditions:
        return self.conditions(children)

    def conditions(self, children: list[Any]) -> _Conditions:
        return _Conditions([self.condition(c) for c in children if isinstance(c, _Relation)])

    def qualifier(self, children: list[Any]) -> _Qualifier:
        return _Qualifier(str(children[0].value))

    def condition(self, relation: _Relation, token: Tok | None = None) -> Condition:
        if relation.op == "in":
            raise self.fail("'\\in' is not understood inside a condition", token)
        op: Literal["=", "!="] = "=" if relation.op == "=" else "!="
        return Condition(relation.left, op, relation.right)

    # ---- arithmetic ------------------------------------------------------------------------------------

    def expr(self, children: list[Any]) -> Node:
        terms: list[Node] = [_one(children[0])]
        for index in range(1, len(children), 2):
            sign = children[index]
            term = _one(children[index + 1])
            terms.append(Neg(term) if sign.type == "MINUS" else term)
        return terms[0] if len(terms) == 1 else Add(tuple(terms))

    def signed(self, children: list[Any]) -> Node | _Quotient:
        if len(children) == 1 and isinstance(children[0], _Quotient):
            return children[0]
        node = _one(children[-1])
        for token in reversed(children[:-1]):
            if token.type == "MINUS":
                node = Neg(node)
        return node

    def body(self, children: list[Any]) -> Node | _Quotient:
        value: Node | _Quotient = children[0]
        return value

    def term(self, children: list[Any]) -> Node | _Quotient:
        node = self._fold([], children)
        for index, item in enumerate(children):
            if index > 0 and isinstance(item, _Op) and item.op == "DIVOP":
                return _Quotient(node, self._fold([], children[:index]), children[index:])
        return node

    def _operand(self, body: Any, operator: Callable[[Node], Node]) -> Node:
        """A derivative operator applies to the product that follows, up to an inline ``/``: ``d/dx_i
        exp(x_i) / sum(exp(x))`` is ``(d/dx_i exp(x_i)) / sum(exp(x))``, read left to right."""
        if isinstance(body, _Quotient):
            return self._fold([operator(body.head)], body.after)
        return operator(_one(body))

    def _fold(self, factors: list[Node], children: list[Any]) -> Node:
        children = list(children)
        for position, item in enumerate(children):
            if item is None:
                continue
            if isinstance(item, _Op):
                following = children[position + 1] if position + 1 < len(children) else None
                after: list[Any] = following.nodes if isinstance(following, _Factors) else [following]
                if not item.rest and self._is_one(item.node) and isinstance(after[0], Indicator):
                    item = _Op(item.op, after[0])  # x \odot \mathbb{1}[..]: the 1 belongs to the indicator
                    children[position + 1] = _Factors(after[1:]) if len(after) > 1 else None
                if item.op in ("MULOP",):
                    factors.append(item.node)
                elif item.op in ("DIVOP", "OSLASH"):
                    factors = [_div(_mul(factors), item.node)]
                elif item.op == "ODOT":
                    factors = [Hadamard(_mul(factors), item.node)]
                else:
                    factors = [Outer(_mul(factors), item.node)]
                factors.extend(item.rest)
                continue
            nodes = item.nodes if isinstance(item, _Factors) else [item]
            for node in nodes:
                if isinstance(node, Indicator) and factors and self._is_one(factors[-1]):
                    factors[-1] = node  # 1\{k = i\}: the 1 is part of the indicator's notation
                elif factors and self._jacobian_operator(factors[-1]):
                    factors[-1] = self.jacobian(factors[-1], node)
                else:
                    factors.append(node)
        return _mul(factors)

    @staticmethod
    def _jacobian_operator(node: Node) -> bool:
        """``J_x`` (the Jacobian by x) written before what it differentiates: ``J_x y``."""
        return (
            isinstance(node, Symbol)
            and node.name == "J"
            and len(node.indices) == 1
            and isinstance(node.indices[0], Symbol)
            and node.decoration in (None, "bold")
            and node.example is None
            and node.layer is None
            and not node.primes
            and not node.transposed
        )

    def jacobian(self, operator: Node, of: Node) -> Node:
        assert isinstance(operator, Symbol)
        label = f"J_{_plain(operator.indices[0])} {_plain(of)}"
        if self.choices.jacobians:
            self.choose("jacobians", f"{label} read as the Jacobian of {_plain(of)}")
            return Derivative(of, operator.indices[0])
        self.choose("jacobians", f"{label} read as a product")
        return Mul((operator, of))

    @staticmethod
    def _is_one(node: Node) -> bool:
        return (isinstance(node, Number) and node.value == 1) or (
            isinstance(node, Symbol)
            and (node.name == "1" or _indicator_name(node.name, node.decoration))
            and not node.indices
        )

    def _op(self, children: list[Any]) -> _Op:
        op = children[0].type
        operand = children[-1]
        nodes = operand.nodes if isinstance(operand, _Factors) else [_one(operand)]
        node = nodes[0]
        for token in reversed(children[1:-1]):
            if token.type == "MINUS":
                node = Neg(node)
        return _Op(op, node, nodes[1:])

    def opfactor(self, children: list[Any]) -> _Op:
        return self._op(children)

    def opgreedy(self, children: list[Any]) -> _Op:
        return self._op(children)

    # ---- sums ------------------------------------------------------------------------------------------

    def sumsub(self, children: list[Any]) -> _Sub:
        return _Sub(children[1])

    def sumsup(self, children: list[Any]) -> _Sup:
        return _Sup(children[1])

    def sum(self, children: list[Any]) -> Node:
        token = children[0]
        lower_script = next((c.script for c in children if isinstance(c, _Sub)), None)
        upper_script = next((c.script for c in children if isinstance(c, _Sup)), None)
        body = _one(children[-1])
        index: str | None = None
        lower: Node | None = None
        excluded: list[str] = []
        over: str | None = None
        names: list[str] = []
        if lower_script is not None:
            for item in self.script_items(lower_script):
                name, low, exclude, member = self.sum_clause(item, token)
                if name is not None:
                    names.append(name)
                    if index is not None and name != index:
                        if len(set(names)) == 2 and len(names) == 2 and low is None and lower is None:
                            continue  # \sum_{i,j}: a double sum, built below
                        raise self.fail("the sum's subscript names two different indices", token)
                    index = name
                if low is not None:
                    if lower is not None:
                        raise self.fail("the sum has two lower limits", token)
                    lower = low
                if exclude is not None:
                    excluded.append(exclude)
                if member is not None:
                    over = member
        upper = self.script_node(upper_script, token) if upper_script is not None else None
        if len(set(names)) == 2:
            if lower is not None or upper is not None or excluded or over is not None:
                raise self.fail("the sum's subscript names two different indices", token)
            return Sum(names[0], None, None, Sum(names[1], None, None, body))  # \sum_{i,j} W_{ij}^2
        return Sum(index, lower, upper, body, tuple(excluded), over)

    def sum_clause(self, item: Any, token: Tok) -> tuple[str | None, Node | None, str | None, str | None]:
        if isinstance(item, _Relation):
            if isinstance(item.left, Number):
                return None, item.right, None, None  # \sum_{1=1}^{n}: the index is not named
            name = self.index_name(item.left, token)
            if item.op == "=":
                return name, item.right, None, None
            if item.op == "!=":
                if isinstance(item.right, Number):
                    return name, None, self.number_text(item.right), None  # \sum_{k \neq 1}
                return name, None, self.index_name(item.right, token), None
            if isinstance(item.right, Symbol):
                return name, None, None, item.right.name
            raise self.fail("\\sum_{t \\in S} needs a set name", token)
        if isinstance(item, Number):
            return None, item, None, None  # \sum_{1}^{N}: from 1, the index is not named
        return self.index_name(item, token), None, None, None

    def index_name(self, node: Any, token: Tok) -> str:
        node = self.as_index(node)
        if isinstance(node, Symbol) and not node.indices and node.example is None:
            return node.name
        raise self.fail("the summation index must be a letter", token)

    # ---- factors ---------------------------------------------------------------------------------------

    def number(self, children: list[Any]) -> Node:
        return Number(Fraction(str(children[0].value)))

    def dots(self, children: list[Any]) -> Node:
        direction: Literal["h", "v", "d"] = children[0].value
        return Dots(direction)

    def symbol(self, children: list[Any]) -> Any:
        child = children[0]
        if isinstance(child, _Decorated):
            return child
        return _Name(child)

    def decorated(self, children: list[Any]) -> _Decorated:
        decoration = str(children[0].value)
        inner = next(c for c in children[1:] if not (isinstance(c, Tok) and c.type in ("LBRACE", "RBRACE")))
        if isinstance(inner, Tok):
            if inner.type == "NUMBER":
                return _Decorated(Symbol(str(inner.value)), decoration)
            return _Decorated(_Name(inner), decoration)
        return _Decorated(inner, decoration)

    def group(self, children: list[Any]) -> Node:
        node = _one(children[1])
        self.groups[id(node)] = str(children[0].value)
        return node

    def sequence(self, children: list[Any]) -> _List:
        return _List([_one(c) for c in children if not isinstance(c, Tok)], str(children[0].value))

    def iverson(self, children: list[Any]) -> Node:
        return Indicator(self.condition(children[1], children[0]))

    def boxrow(self, children: list[Any]) -> Node:
        return Matrix((tuple(_one(c) for c in children if not isinstance(c, Tok)),))

    def frac(self, children: list[Any]) -> Node:
        parts = [c for c in children if not isinstance(c, Tok) or c.type in ("LETTER", "NUMBER", "RUN")]
        numerator, denominator = (self.argument(p) for p in parts[:2])
        return _div(numerator, denominator)

    def argument(self, part: Any) -> Node:
        if isinstance(part, Tok):
            return (
                self.finish(self.materialize(_Name(part))) if part.type != "NUMBER" else self.number([part])
            )
        return _one(part)

    def over(self, children: list[Any]) -> Node:
        numerator, denominator = (_one(c) for c in children if not isinstance(c, Tok))
        return _div(numerator, denominator)

    def sqrt(self, children: list[Any]) -> Node:
        return Pow(_one(children[2]), Number(Fraction(1, 2)))

    def norm(self, children: list[Any]) -> Node:
        return Call(Symbol(NORM), (_one(children[1]),))

    def function_name(self, children: list[Any]) -> _Func:
        token = children[0]
        return _Func(str(token.value), token)

    def funcapp(self, children: list[Any]) -> Node:
        return self.apply_function(children)

    def funcgreedy(self, children: list[Any]) -> Node:
        return self.apply_function(children)

    def apply_function(self, children: list[Any]) -> Node:
        token = children[0]
        func = _Func(str(token.value), token)
        for post in children[1:-1]:
            self.function_post(func, post)
        argument = children[-1]
        return self.call_function(func, _Args([_one(argument)], []))

    def sum_symbol(self, children: list[Any]) -> Any:
        token = children[0]
        self.choose(None, f"{self.source(token)} without anything to sum read as a name for a sum")
        return _Acc("Sigma" if token.value == "Sigma" else "sum", token)

    def differential(self, children: list[Any]) -> Node:
        of = _one(children[1])
        if self.choices.differentials:
            self.choose("differentials", f"d {_plain(of)} read as a differential")
            return Differential(of)
        self.choose("differentials", f"d {_plain(of)} read as the letter d times {_plain(of)}")
        return Mul((Symbol("d"), of))

    # ---- posts: scripts, calls, brackets ---------------------------------------------------------------

    def sub(self, children: list[Any]) -> _Sub:
        script: _Script = children[1]
        if str(children[0].value) == "typo":
            self.choose(None, "typo: \\delta{..} read as \\delta_{..}")
        return _Sub(script)

    def sup(self, children: list[Any]) -> _Sup:
        return _Sup(children[1])

    def script(self, children: list[Any]) -> _Script:
        if len(children) == 1:
            return _Script(
                [children[0]], braced=False, token=children[0] if isinstance(children[0], Tok) else None
            )
        items = [c for c in children if not isinstance(c, Tok) or c.type not in ("LBRACE", "RBRACE", "COMMA")]
        return _Script(items, braced=True, token=children[0])

    def substack(self, children: list[Any]) -> _Script:
        items = [c for c in children if not isinstance(c, Tok)]
        return _Script(items, braced=True, token=children[0], substack=True)

    def top(self, children: list[Any]) -> _Mark:
        return _TOP

    def primes(self, children: list[Any]) -> int:
        return len(children)

    def slice(self, children: list[Any]) -> _Mark:
        return _SLICE

    def relation(self, children: list[Any]) -> _Relation:
        left, op, right = children
        return _Relation(_one(left), {"EQ": "=", "NEQ": "!=", "IN": "in"}[op.type], _one(right))

    def callargs(self, children: list[Any]) -> _Args:
        return self.arguments(children[1:-1])

    def arguments(self, children: list[Any]) -> _Args:
        items: list[Any] = []
        separators: list[str] = []
        for child in children:
            if isinstance(child, Tok):
                separators.append(child.type)
            elif isinstance(child, _Relation):
                items.append(child)
            else:
                items.append(_one(child))
        return _Args(items, separators)

    def bracket_index(self, children: list[Any]) -> _Bracket:
        return _Bracket(self.arguments(children[1:-1]))

    def starstar(self, children: list[Any]) -> _Power:
        nodes = [c for c in children if not isinstance(c, Tok)]
        atom = self.finish(self.materialize(nodes[0]))
        if len(nodes) > 1:
            atom = self.finish(self.apply_post(self.materialize(nodes[0]), nodes[1])[0])
        for token in reversed(_tokens(children, "PLUS", "MINUS")):
            if token.type == "MINUS":
                atom = Neg(atom)
        return _Power(atom)

    def factor(self, children: list[Any]) -> _Factors:
        base = children[0]
        done: list[Node] = []
        current = self.materialize(base, done)
        for token in children[1:]:
            post = (
                _Mark("prime" if token.type == "PRIME" else "transpose") if isinstance(token, Tok) else token
            )
            current, more = self.apply_post(current, post)
            done.extend(more)
        node = self.finish(current)
        if not children[1:] and isinstance(base, _Name) and len(done) == 0:
            self.bare[id(node)] = base.token
        return _Factors([*done, node])

    # ---- symbols and their readings --------------------------------------------------------------------

    def materialize(self, base: Any, done: list[Node] | None = None) -> Any:
        """A symbol token becomes an accumulator (letters before it, in a product reading, go to done)."""
        if isinstance(base, _Decorated):
            inner = base.node
            if isinstance(inner, _Name):
                acc = self.materialize(inner, [])
                if isinstance(acc, _Acc):
                    acc.decoration = _decorate(acc.decoration, base.decoration)
                    return acc
                return acc
            if isinstance(inner, _Decorated):
                acc = self.materialize(inner, done)
                if isinstance(acc, _Acc):
                    acc.decoration = _decorate(acc.decoration, base.decoration)
                return acc
            node = _one(inner)
            if node == Number(Fraction(1)) and base.decoration in ("bold", "bb"):
                # \mathbf{1}: the vector of ones (a product with it sums); \mathbf{1}_y: one-hot
                return _Acc("1", Tok("NUMBER", "1"), number=True, decoration=base.decoration)
            if isinstance(node, Symbol):
                return self.acc_of(node, base.decoration)
            if base.decoration in lx.FONT_DECORATIONS:
                return node  # \mathbf{\hat{y} - y}: a font on an expression is typesetting
            raise ParseError(f"a decoration ({base.decoration}) of an expression is not understood")
        if not isinstance(base, _Name):
            if isinstance(base, _Factors):
                return _mul(base.nodes)
            return base
        token = base.token
        value = str(token.value)
        if token.type in ("LETTER", "D", "DELTA"):
            return _Acc(value, token, decoration=base.decoration)
        if token.type == "DRUN" and self.differential_run(value):
            if self.choices.differentials:
                self.choose("differentials", f"{value} read as a differential")
                return _Acc(value[1:], token, decoration=base.decoration, differential=True)
            if token.fixed:
                self.choose("differentials", f"{value} read as one name")
                return _Acc(value, token, decoration=base.decoration)
            self.choose("differentials", f"{value} read as d times {value[1:]}")
            if done is not None:
                done.append(Symbol("d"))
            return self.run(_Name(replace_token(token, value[1:])), done)
        return self.run(base, done)

    @staticmethod
    def differential_run(value: str) -> bool:
        """``dw``, ``dZ``, ``dScore`` (d and one letter, or d and a capitalized name) may be differentials;
        ``de`` is not (a bare e is never a variable)."""
        rest = value[1:]
        return (len(rest) == 1 and rest != "e") or rest[0].isupper()

    def run(self, name: _Name, done: list[Node] | None) -> _Acc:
        token = name.token
        value = str(token.value)
        if token.fixed or len(value) == 1 or name.decoration is not None:
            return _Acc(value, token, decoration=name.decoration)
        prefer_name = len(value) >= 3 or value.isupper() or any(c.isdigit() for c in value)
        mode = self.choices.runs
        as_name = prefer_name if mode == "auto" else mode == "names"
        if as_name:
            self.choose("runs", f"{value} read as one name")
            return _Acc(value, token)
        self.choose("runs", f"{value} read as a product of {len(value)} symbols")
        pieces = re.findall(r"[A-Za-z]|\d+", value)
        if done is None:
            raise self.fail(f"{value} cannot be read as a product here", token)
        for piece in pieces[:-1]:
            done.append(Number(Fraction(piece)) if piece.isdigit() else self.letter(piece, token))
        last = pieces[-1]
        if last.isdigit():
            return _Acc(last, token, number=True)
        return _Acc(last, token)

    def letter(self, name: str, token: Tok) -> Node:
        if name == "e" and not token.fixed:
            raise self.fail(
                "a bare 'e' is not read as a variable; write e^{x} or \\exp(x) for the exponential", token
            )
        return Symbol(name)

    def acc_of(self, symbol: Symbol, decoration: str) -> _Acc:
        return _Acc(
            symbol.name,
            Tok("LETTER", symbol.name),
            decoration=None if decoration == "rm" else _decorate(symbol.decoration, decoration),
            indices=symbol.indices,
            example=symbol.example,
            layer=symbol.layer,
            primes=symbol.primes,
            transposed=symbol.transposed,
            has_subscript=bool(symbol.indices),
        )

    def apply_post(self, current: Any, post: Any) -> tuple[Any, list[Node]]:
        """Apply a script, prime, call or bracket to what is being built; returns (current, finished)."""
        if isinstance(current, _Func):
            return self.function_post(current, post), []
        if isinstance(current, _List):
            if isinstance(post, _Args):
                raise self.fail("a comma list in brackets is only allowed as function arguments")
            current = self.finish(current)
        if isinstance(current, Number) and isinstance(post, _Sub):
            if current.value.denominator != 1:
                raise ParseError("a subscript must follow a symbol (it follows a decimal number)")
            current = _Acc(self.number_text(current), Tok("NUMBER", "1"), number=True)
        if isinstance(current, _Acc):
            return self.symbol_post(current, post)
        node: Node = current
        if (
            isinstance(node, Symbol)
            and self.groups.get(id(node)) == "{"
            and (not node.indices or isinstance(post, _Sup))
        ):
            # {Z}_i is Z_i; {x_i^{[l]}}^{(n)} is x_i with layer l and example n
            return self.symbol_post(self.acc_of(node, node.decoration or "rm"), post)
        if isinstance(post, _Sub) and isinstance(node, Call) and node.function == Symbol(NORM):
            # \|W\|_2, \|W\|_F: the sum of squares' root (the 2-norm of a vector, Frobenius of a matrix)
            which = self.indices(post.script, node)
            if which not in ((Number(Fraction(2)),), (Symbol("F"),)):
                said = "only the 2-norm and the Frobenius norm (\\|W\\|_2, \\|W\\|_F) are read"
                raise self.fail(said, post.script.token)
            return node, []
        if isinstance(post, _Sub):
            return Index(node, self.indices(post.script, node)), []
        if isinstance(post, _Sup):
            kind, value, transposed = self.superscript(post.script, node)
            result = node
            if kind == "transpose":
                result = Transpose(node)
            elif kind in ("power", "example", "layer"):
                result = Pow(node, value)
            elif kind == "prime":
                raise self.fail(
                    "a prime on an expression is not understood (the variable is not named)",
                    post.script.token,
                )
            if transposed:
                result = Transpose(result)
            return result, []
        if isinstance(post, _Mark):
            if post.kind == "transpose":
                return Transpose(node), []
            raise ParseError("a prime ' must follow a function name or a symbol")
        if isinstance(post, _Power):
            return Pow(node, post.node), []
        if isinstance(post, _Args):
            return self.product_args(node, post)
        if isinstance(post, _Bracket):
            if self.index_bracket(post.args) and not isinstance(node, Number):  # 2[i] is 2 times i
                return Index(node, tuple(post.args.items)), []
            return self.product_args(node, post.args)
        raise AssertionError(post)

    @staticmethod
    def number_text(number: Number) -> str:
        value = number.value
        return str(value.numerator) if value.denominator == 1 else str(float(value))

    def product_args(self, node: Node, args: _Args) -> tuple[Any, list[Node]]:
        """``x (1-a)``: a group written after a factor multiplies it."""
        if len(args.items) != 1 or isinstance(args.items[0], _Relation):
            if len(args.items) == 1 and isinstance(args.items[0], _Relation):
                return Indicator(self.condition(args.items[0])), [node]
            raise ParseError("function arguments must be variables (found an expression in the list)")
        inner = args.items[0]
        self.groups[id(inner)] = "("
        return inner, [node]

    def index_bracket(self, args: _Args) -> bool:
        return (
            bool(args.items)
            and all(not isinstance(i, _Relation) and _index_like(i) for i in args.items)
            and all(s == "COMMA" for s in args.separators)
        )

    def symbol_post(self, acc: _Acc, post: Any) -> tuple[Any, list[Node]]:
        if isinstance(post, _Sub):
            if acc.has_subscript:
                raise self.fail("double subscript", post.script.token)
            if acc.number or _indicator_name(acc.name, acc.decoration):
                relation = self.single_relation(post.script)
                if relation is not None:
                    return Indicator(self.condition(relation)), []
                items = post.script.items
                if len(items) == 1 and isinstance(items[0], Indicator):
                    return items[0], []  # \mathbb{1}_{\{i=j\}}: the condition in set braces
            acc.indices = acc.indices + self.indices(post.script, None)
            acc.has_subscript = True
            return acc, []
        if isinstance(post, _Sup):
            return self.symbol_superscript(acc, post.script)
        if isinstance(post, _Mark):
            if post.kind == "prime":
                if acc.power is not None:
                    raise ParseError("a prime after a power is not understood")
                if self.syntax == "text" and _matrix_transposed_by_prime(acc):
                    # X' * (h - y): plain text as MATLAB/Octave writes it; a data matrix has no derivative
                    acc.transposed = True
                    self.choose(None, f"{acc.name}' read as the transpose of {acc.name} (MATLAB's ')")
                    return acc, []
                if acc.name[:1].islower() and _bare(acc) and self._prime_transposes(acc.name):
                    acc.transposed = True
                    return acc, []
                acc.primes += 1
            else:
                acc.transposed = True
            return acc, []
        if isinstance(post, _Power):
            if acc.power is not None or acc.differential:
                return Pow(self.finish(acc), post.node), []
            acc.power = post.node
            return acc, []
        if isinstance(post, _Args):
            return self.symbol_call(acc, post)
        if isinstance(post, _Bracket):
            if self.index_bracket(post.args) and acc.power is None and not acc.differential:
                acc.indices = acc.indices + tuple(self.as_index(i) for i in post.args.items)
                acc.has_subscript = True
                return acc, []
            node = self.finish(acc)
            if self.index_bracket(post.args):
                return Index(node, tuple(post.args.items)), []
            return self.product_args(node, post.args)
        raise AssertionError(post)

    def symbol_superscript(self, acc: _Acc, script: _Script) -> tuple[Any, list[Node]]:
        if acc.name == "e" and not acc.indices and acc.decoration is None and not acc.number:
            value = self.script_node(script, script.token)
            return Exp(value), []
        kind, value, transposed = self.superscript(script, None, acc)
        if kind == "transpose":
            acc.transposed = True
        elif kind == "prime":
            acc.primes += int(value) if isinstance(value, int) else 1
        elif kind == "example" and acc.example is None:
            acc.example = value
        elif kind == "layer" and acc.layer is None:
            acc.layer = value
        elif kind == "power" and acc.power is None:
            acc.power = value
        else:
            raise self.fail("double superscript", script.token)
        if transposed:
            acc.transposed = True
        return acc, []

    def superscript(
        self, script: _Script, base: Node | None, acc: _Acc | None = None
    ) -> tuple[str, Any, bool]:
        """(kind, value, transposed): kind is transpose, prime, example, layer or power."""
        items = script.items
        if len(items) == 2 and items[1] is _TOP and acc is not None:  # x^{(n)\top}, W^{[2]\top}
            kind, value, _ = self.superscript(_Script(items[:1], braced=True, token=script.token), base, acc)
            if kind in ("example", "layer"):
                return kind, value, True
        if len(items) == 1:
            item = items[0]
            if item is _TOP or (isinstance(item, Tok) and item.type == "TOP"):
                return "transpose", None, False
            if isinstance(item, Tok) and item.type == "LETTER" and item.value == "T":
                return "transpose", None, False
            if isinstance(item, int) or (isinstance(item, Tok) and item.type == "PRIME"):
                return "prime", item if isinstance(item, int) else 1, False
            node = self.as_node(item)
            if isinstance(node, Symbol) and node == Symbol("T"):
                return "transpose", None, False
            bracket = self.groups.get(id(node))
            transposed = False
            if bracket is None and isinstance(node, Transpose) and self.groups.get(id(node.operand)):
                bracket, node, transposed = self.groups[id(node.operand)], node.operand, True
            if (
                bracket is None
                and isinstance(node, Mul)
                and len(node.factors) == 2
                and node.factors[1] == Symbol("T")
            ):
                first = node.factors[0]
                if self.groups.get(id(first)) in ("(", "["):
                    bracket, node, transposed = self.groups[id(first)], first, True
            if acc is not None and bracket == "[":
                if isinstance(node, Symbol) and not node.indices and node.name in ("i", "n"):
                    said = f"{acc.name}^{{[{node.name}]}} read as example {node.name} (a layer is l)"
                    self.choose(None, said)
                    return "example", node, transposed  # Raschka's x^{[i]}: the i-th example
                return "layer", node, transposed
            if acc is not None and bracket == "(":
                return self.parenthesized_superscript(node, acc, transposed)
            if acc is not None and isinstance(node, Symbol) and node in (Symbol("l"), Symbol("L")):
                if acc.has_subscript or acc.name.isupper() or acc.name in ("w", "a", "z", "b", "delta"):
                    return self.layer_or_power(f"{acc.name}^{node.name}", node)
            if acc is not None and isinstance(node, Symbol) and not node.indices and node.name in ("i", "n"):
                if acc.name in _EXAMPLE_BASES and not acc.number:
                    # x^i, y^i (a sum over the examples): example i, as x^{(i)} writes it, or a power
                    return self.example_or_power(f"{acc.name}^{node.name}", node)
            if acc is None or not _next_layer(node):
                return "power", node, transposed
        else:
            node = self.script_node(script, script.token)
        if acc is not None and _next_layer(node) and (
            acc.has_subscript or acc.name in ("w", "a", "z", "b", "delta", "h")
        ):
            # a^{L-1}_k, w^{l+1}: the layer before or after layer L (Nielsen's notation)
            return self.layer_or_power(f"{acc.name}^{{{_plain(node)}}}", node)
        return "power", node, False

    def layer_or_power(self, label: str, node: Node) -> tuple[str, Any, bool]:
        """A superscript that is a layer's label (``w^L``, ``a^{L-1}``) or a power: the choice the text
        leaves open, the layer first."""
        if self.choices.layers:
            self.choose("layers", f"{label} read as layer {_plain(node)}")
            return "layer", node, False
        self.choose("layers", f"{label} read as a power")
        return "power", node, False

    def example_or_power(self, label: str, node: Node) -> tuple[str, Any, bool]:
        """``x^i``: example i of the data (the superscript an index, without the parentheses of ``x^{(i)}``)
        or a power: the choice the text leaves open, the example first."""
        if self.choices.layers:
            self.choose("layers", f"{label} read as example {_plain(node)}")
            return "example", node, False
        self.choose("layers", f"{label} read as a power")
        return "power", node, False

    def parenthesized_superscript(self, node: Node, acc: _Acc, transposed: bool) -> tuple[str, Any, bool]:
        if isinstance(node, Symbol) and not node.indices and node.name in lx.EXAMPLE_LETTERS:
            return "example", node, transposed
        if isinstance(node, Number):
            return "layer", node, transposed
        label = f"{acc.name}^{{({_plain(node)})}}"
        if self.choices.layers:
            self.choose("layers", f"{label} read as layer {_plain(node)}")
            return "layer", node, transposed
        self.choose("layers", f"{label} read as example {_plain(node)}")
        return "example", node, transposed

    def symbol_call(self, acc: _Acc, args: _Args) -> tuple[Any, list[Node]]:
        items = self.keyword_arguments(args.items)
        relations = [i for i in items if isinstance(i, _Relation)]
        if acc.number or _indicator_name(acc.name, acc.decoration) or acc.name == "I":
            if len(items) == 1 and relations:  # 1(k = y), I(k = y), \mathbb{1}[k = y]: the indicator
                return Indicator(self.condition(relations[0])), []
            if acc.number and not acc.indices:
                return self.product_args(self.finish(acc), args)  # 2(x + 1)
        if acc.name in ("P", "p") and ("BAR" in args.separators or relations):
            return self.probability(acc, args, items), []
        if relations:
            raise ParseError("a condition inside a function's arguments is not understood")
        symbol = self.finish_symbol(replace(acc, power=None, differential=False))
        assert isinstance(symbol, Symbol) or isinstance(symbol, KroneckerDelta)
        if isinstance(symbol, KroneckerDelta) or acc.power is not None or acc.transposed or acc.differential:
            return self.product_args(self.finish(acc), args)
        if self.is_jacobian(symbol) and len(items) == 1:
            return Derivative(items[0], symbol.indices[0]), []
        if symbol.primes:
            if len(items) != 1:
                raise ParseError("a primed function must be applied to one variable")
            if symbol.name == "sigma" and not symbol.indices:
                # \sigma'(z) is the derivative of \sigma(z) by z, wherever it stands
                return Derivative(Call(replace(symbol, primes=0), tuple(items)), items[0], symbol.primes), []
            return Derivative(replace(symbol, primes=0), items[0], symbol.primes), []  # L'(u): dL/du
        if any(_mentions_value(item, symbol) for item in items):
            return self.product_args(symbol, args)  # \sigma(1 - \sigma): its value times a bracket
        callable_name = len(symbol.name) > 1 and not symbol.name.isdigit() and symbol.name not in lx.GREEK
        if callable_name or (symbol.name == "sigma" and not symbol.indices):
            return Call(symbol, tuple(items)), []
        if symbol.indices and len(items) == 1 and isinstance(items[0], Symbol) and items[0].indices:
            return self.product_args(symbol, args)  # y_k(p_i): an entry times an entry, never a call
        if items and all(_is_variable(i) for i in items) and not symbol.name.isdigit():
            return Call(symbol, tuple(items)), []
        if not items or symbol.name.isdigit() or symbol.indices or symbol.decoration is not None:
            return self.product_args(symbol, args)  # x_i(1 - a): a value times a bracket
        if any(_mentions_weights_and_input(item) for item in items):
            return Call(symbol, tuple(items)), []  # s(w^T x_i), h(Wx + b): an activation of the logits
        # f(x + 1), s(w^T x): a one-letter function applied to an expression, or a product.
        label = f"{_plain(symbol)}(...)"
        call_first = symbol.name in lx.FUNCTION_LETTERS
        if self.choices.calls != call_first:
            self.choose("calls", f"{label} read as a function call")
            return Call(symbol, tuple(items)), []
        self.choose("calls", f"{label} read as a product")
        return self.product_args(symbol, args)

    @staticmethod
    def is_jacobian(symbol: Symbol) -> bool:
        if symbol.name != "J" or len(symbol.indices) != 1 or symbol.example is not None:
            return False
        index = symbol.indices[0]
        return symbol.decoration == "bold" or (isinstance(index, Symbol) and index.decoration == "bold")

    def keyword_arguments(self, items: list[Any]) -> list[Any]:
        """``dims = 1``, ``axis=1``: options of a function, kept as prose (qualifiers)."""
        kept: list[Any] = []
        for item in items:
            if (
                isinstance(item, _Relation)
                and item.op == "="
                and isinstance(item.left, Symbol)
                and len(item.left.name) > 1
                and not item.left.indices
            ):
                self.notes.append(f"{item.left.name} = {_plain(item.right)}")
            else:
                kept.append(item)
        return kept

    def probability(self, acc: _Acc, args: _Args, items: list[Any]) -> Node:
        if "BAR" in args.separators:
            split = args.separators.index("BAR") + 1
            event_items, given = items[:split], items[split:]
        else:
            event_items, given = items[:1], items[1:]
        if len(event_items) != 1:
            raise ParseError("a probability needs one event before '|'")
        event = event_items[0]
        event_value: Node | Condition = self.condition(event) if isinstance(event, _Relation) else event
        if any(isinstance(g, _Relation) for g in given):
            raise ParseError("a condition after '|' is not understood")
        return Probability(event_value, tuple(given))

    def function_post(self, func: _Func, post: Any) -> Any:
        if isinstance(post, _Sub):
            items = post.script.items
            if (
                len(items) == 1
                and isinstance(items[0], Tok)
                and items[0].type == "LETTER"
                and items[0].value == "e"
            ):
                func.index = Symbol("e")  # \log_e, \log_{e}: the natural logarithm
            else:
                func.index = self.script_node(post.script, post.script.token)
            return func
        if isinstance(post, _Sup):
            kind, value, _ = self.superscript(post.script, None)
            if kind == "prime":
                func.primes += value if isinstance(value, int) else 1
            elif kind == "power":
                func.power = value
            else:
                raise ParseError(f"a superscript on the function {func.name} is not understood")
            return func
        if isinstance(post, _Mark) and post.kind == "prime":
            func.primes += 1
            return func
        if isinstance(post, _Args):
            return self.call_function(func, post)
        raise ParseError(f"the function {func.name} is not understood here")

    def call_function(self, func: _Func, args: _Args) -> Node:
        items = self.keyword_arguments(args.items)
        if any(isinstance(i, _Relation) for i in items):
            raise self.fail(f"a condition inside {func.name}(...) is not understood", func.token)
        name = func.name
        result: Node
        if func.primes:
            # f'(u) is the derivative of f(u) by u: softmax'(z_i) is da_i/dz_i, never a Jacobian's column
            if len(items) != 1:
                raise self.fail(f"{name}' must be applied to one variable", func.token)
            unprimed = self.call_function(replace(func, primes=0, power=None), args)
            result = Derivative(unprimed, items[0], func.primes)
        elif name in ("log", "exp"):
            if len(items) != 1:
                raise self.fail(f"{name} takes one argument", func.token)
            if name == "log" and func.index is not None and func.index != Symbol("e"):
                raise self.fail("a logarithm to a base other than e is not supported", func.token)
            result = Log(items[0]) if name == "log" else Exp(items[0])
        elif name == "max" and len(items) == 1:
            index = func.index
            result = Max(self.index_name(index, func.token) if index is not None else None, items[0])
        elif name == "sum" and len(items) == 1:
            result = Sum(None, None, None, items[0])
        else:
            indices = (func.index,) if func.index is not None else ()
            function = Symbol(name, indices)
            if indices and len(items) == 1 and _mentions_value(items[0], function):
                # \text{softmax}_i(\delta_{ij} - \text{softmax}_j): entry i times a bracket of its values
                result = Mul((function, items[0]))
            else:
                result = Call(function, tuple(items))
        if func.power is not None:
            result = Pow(result, func.power)
        return result

    def single_relation(self, script: _Script) -> _Relation | None:
        if len(script.items) == 1 and isinstance(script.items[0], _Relation):
            return script.items[0]
        return None

    # ---- subscripts ------------------------------------------------------------------------------------

    def as_node(self, item: Any) -> Node:
        if isinstance(item, Tok):
            if item.type == "NUMBER":
                return Number(Fraction(str(item.value)))
            if item.type in ("TOP",):
                return Symbol("T")
            if item.type == "PRIME":
                raise self.fail("a prime ' must follow a function name or a symbol", item)
            return self.finish(self.materialize(_Name(item), []))
        if isinstance(item, (_Decorated, _Name)):
            return self.finish(self.materialize(item, []))
        return _one(item)

    def as_index(self, node: Any) -> Node:
        """An index: primes are part of its name (``i'``), so a primed index differs from ``i``."""
        node = self.as_node(node) if not isinstance(node, (Number, Symbol)) else node
        if isinstance(node, Symbol) and node.primes and not node.indices and node.decoration is None:
            return Symbol(node.name + "'" * node.primes)
        return node

    def script_items(self, script: _Script) -> list[Any]:
        return list(script.items)

    def script_node(self, script: _Script | None, token: Tok | None) -> Node:
        if script is None or len(script.items) != 1 or isinstance(script.items[0], _Relation):
            raise self.fail("a script must be one expression", token)
        item = script.items[0]
        if isinstance(item, (_Mark, int)):
            raise self.fail("this script is not understood", token)
        return self.as_node(item)

    def indices(self, script: _Script, base: Node | None) -> tuple[Node, ...]:
        """Subscript -> indices: ``W_{ij}``, ``W_{i,j}`` and ``W_{i j}`` give two, ``W_{out}`` one, and
        ``y_{k=i}`` gives ``k`` (the condition ``k = i`` restricts the claim)."""
        items = script.items
        if len(items) == 2 and script.token is not None:
            label = self.label_entry(items, self.braced_source(script.token))
            if label is not None:
                return (label,)
        if len(items) > 1:
            return tuple(self.index_item(item, script) for item in items)
        item = items[0]
        if isinstance(item, (_Relation, _Mark, int)):
            return (self.index_item(item, script),)
        node = self.as_node(item)
        if (
            isinstance(node, Number)
            and node.value.denominator == 1
            and len(str(node.value)) == 2
            and id(node) not in self.groups  # x_{{11}} is the eleventh entry
        ):
            return tuple(Number(Fraction(int(digit))) for digit in str(node.value))  # w_{11}
        if isinstance(node, Mul) and all(_simple_index(f) for f in node.factors):
            return tuple(self.as_index(f) for f in node.factors)  # W_{i j}
        return (self.index_item(node, script),)

    def braced_source(self, token: Tok) -> str:
        """The text of a braced subscript from its opening brace to the matching one ('' when the reader
        made the brace up around an unbraced run such as ``_yi``)."""
        if self.source(token) != "{":
            return ""
        depth = 0
        for position in range(token.start_pos, len(self.text)):
            depth += {"{": 1, "}": -1}.get(self.text[position], 0)
            if depth == 0:
                return self.text[token.start_pos : position + 1]
        return self.text[token.start_pos :]

    def label_entry(self, items: list[Any], source: str) -> Node | None:
        """``f_yi``, ``s_{yi}`` (cs231n): the entry at the label of example i, ``f_{y_i}`` (never with a comma
        or a space between the letters, ``W_{y,i}``)."""
        if len(items) != 2 or re.search(r"[,\s~]|\\[,;: !]", source):
            return None
        first, row = (self.as_node(item) if not isinstance(item, Symbol) else item for item in items)
        if not (isinstance(first, Symbol) and first.name == "y" and _plain_index(first) and _label_row(row)):
            return None
        assert isinstance(row, Symbol)
        self.choose(None, f"_{{y{row.name}}} read as the label's entry _{{y_{row.name}}}")
        return Symbol("y", (Symbol(row.name),))

    def index_item(self, item: Any, script: _Script) -> Node:
        if item is _SLICE:
            self.choose(None, "':' read as every index (a slice)")
            return Dots("h")
        if isinstance(item, _Relation):
            if item.op == "in":
                raise self.fail("'\\in' is not understood in a subscript", script.token)
            self.lifted.append(self.condition(item))
            return self.as_index(item.left)
        if isinstance(item, (_Mark, int)):
            raise self.fail("this subscript is not understood", script.token)
        return self.as_index(item)

    # ---- finishing -------------------------------------------------------------------------------------

    def finish(self, current: Any) -> Node:
        if isinstance(current, _Acc):
            return self.finish_symbol(current)
        if isinstance(current, _Func):
            if current.name in ("log", "exp"):
                raise self.fail(f"the function {current.name} needs an argument", current.token)
            symbol = Symbol(
                current.name, (current.index,) if current.index is not None else (), primes=current.primes
            )
            plain = current.index is None and current.power is None and current.primes == 1
            if plain and current.name == "softmax" and self._prime_transposes(current.name):
                return replace(symbol, primes=0, transposed=True)  # softmax * softmax' (no argument)
            return symbol if current.power is None else Pow(symbol, current.power)
        if isinstance(current, _List):
            if current.bracket in ("[", "{"):
                return Matrix((tuple(current.nodes),))
            raise ParseError("a comma list in brackets is only allowed as function arguments")
        if isinstance(current, _Factors):
            return _mul(current.nodes)
        node: Node = current
        return node

    def finish_symbol(self, acc: _Acc) -> Node:
        if (
            acc.name == "e"
            and not acc.indices
            and acc.power is None
            and not acc.primes
            and acc.decoration is None
        ):
            if acc.example is None and acc.layer is None and not acc.differential and not acc.token.fixed:
                raise self.fail(
                    "a bare 'e' is not read as a variable; write e^{x} or \\exp(x) for the exponential",
                    acc.token,
                )
        if acc.number and not acc.indices and acc.name == "1" and acc.decoration in ("bold", "bb"):
            node: Node = replace(ONES, transposed=acc.transposed)
        elif acc.number and not acc.indices:
            node = Number(Fraction(acc.name))
        else:
            node = Symbol(
                acc.name, acc.indices, acc.example, acc.primes, acc.transposed, acc.decoration, acc.layer
            )
        if (
            acc.name == "delta"
            and acc.decoration is None
            and len(acc.indices) == 2
            and acc.example is None
            and acc.primes == 0
            and not acc.transposed
            and acc.layer is None
        ):
            node = KroneckerDelta(acc.indices[0], acc.indices[1])
        if acc.differential:
            node = Differential(node)
        if acc.power is not None:
            node = Pow(node, acc.power)
        return node

    # ---- derivatives -----------------------------------------------------------------------------------

    def dorder(self, children: list[Any]) -> int:
        script: _Script = children[1]
        node = self.script_node(script, script.token)
        if isinstance(node, Number) and node.value.denominator == 1 and node.value >= 1:
            return int(node.value)
        raise self.fail("a derivative order must be a positive integer", script.token)

    def dnum(self, children: list[Any]) -> _DNum:
        negations = sum(1 for c in children if isinstance(c, Tok) and c.type == "MINUS")
        order = next((c for c in children if isinstance(c, int) and not isinstance(c, bool)), 1)
        of = _one(children[-1])
        return _DNum(negations, order, of)

    def dop(self, children: list[Any]) -> _DNum:
        order = next((c for c in children if isinstance(c, int) and not isinstance(c, bool)), 1)
        return _DNum(0, order, None)

    def ditem(self, children: list[Any]) -> tuple[Node, int]:
        wrt = _one(children[1])
        order = 1
        if isinstance(wrt, Pow) and isinstance(wrt.exponent, Number) and wrt.exponent.value.denominator == 1:
            order = int(wrt.exponent.value)
            wrt = wrt.base
        if isinstance(wrt, Number) or order < 1:
            raise self.fail("a derivative must be taken with respect to a variable", children[0])
        return wrt, order

    def dden(self, children: list[Any]) -> _Dden:
        return _Dden([c for c in children if isinstance(c, tuple)])

    def dden_plain(self, children: list[Any]) -> _Dden:
        return _Dden([(_one(children[0]), 1)], lenient=True)

    def derivative(self, numerator: _DNum, denominator: _Dden, token: Tok, of: Node | None = None) -> Node:
        items = denominator.items
        if not items:
            raise self.fail("the derivative has no variable in its denominator", token)
        total = sum(order for _, order in items)
        if total != numerator.order and not denominator.lenient:
            raise self.fail(
                f"derivative order mismatch: numerator order {numerator.order}, denominator order {total}",
                token,
            )
        node = numerator.of if of is None else of
        assert node is not None
        if denominator.lenient:
            wrt = items[0][0]
            if of is None and numerator.order == 1 and not numerator.negations:
                # \frac{\partial t_j}{y_j}: a derivative whose denominator lost its \partial, or a
                # fraction whose numerator has a stray one
                fraction = f"{_plain(node)}/{_plain(wrt)}"
                if not self.choices.typo_derivatives:
                    self.choose("typos", f"typo: a stray \\partial, read as the fraction {fraction}")
                    return Div(node, wrt)
                kind: ChoiceKind | None = "typos"
            else:
                kind = None
            self.choose(kind, f"typo: a derivative by {_plain(wrt)} (its denominator has no \\partial)")
        for wrt, order in reversed(items):
            node = Derivative(node, wrt, order if not denominator.lenient else numerator.order)
        for _ in range(numerator.negations):
            node = Neg(node)
        return node

    def frac_derivative(self, children: list[Any]) -> Node:
        numerator = next(c for c in children if isinstance(c, _DNum))
        denominator = next(c for c in children if isinstance(c, _Dden))
        return self.derivative(numerator, denominator, children[0])

    def over_derivative(self, children: list[Any]) -> Node:
        return self.frac_derivative(children)

    def frac_operator(self, children: list[Any]) -> Node:
        numerator = next(c for c in children if isinstance(c, _DNum))
        denominator = next(c for c in children if isinstance(c, _Dden))
        return self._operand(
            children[-1], lambda of: self.derivative(numerator, denominator, children[0], of=of)
        )

    def slash_derivative(self, children: list[Any]) -> Node:
        ordered = isinstance(children[1], int) and not isinstance(children[1], bool)
        of = _one(children[2 if ordered else 1])
        items = [c for c in children if isinstance(c, tuple)]
        if not ordered and len(items) == 1:
            wrt, order = items[0]
            return Derivative(of, wrt, order)
        return self.derivative(_DNum(0, children[1] if ordered else 1, of), _Dden(items), children[0])

    def slash_operator(self, children: list[Any]) -> Node:
        wrt, order = children[2]
        return self._operand(children[3], lambda of: Derivative(of, wrt, order))

    def partial_operator(self, children: list[Any]) -> Node:
        sub: _Sub = children[1]
        wrt = self.script_node(sub.script, children[0])
        return self._operand(children[2], lambda of: Derivative(of, wrt))

    def nabla(self, children: list[Any]) -> Node:
        if len(children) == 2:  # \nabla L: the gradient by what the page does not write (--means says)
            return self._operand(children[1], lambda of: Derivative(of, Symbol(UNSTATED_WRT)))
        if len(children) == 4:  # \nabla_z^2 L, \nabla^2_z L: the Hessian, d/dz (dL/dz^T)
            sub = next(c for c in children[1:3] if isinstance(c, _Sub))
            sup = next(c for c in children[1:3] if isinstance(c, _Sup))
            if self.script_node(sup.script, children[0]) != Number(Fraction(2)):
                raise self.fail("only the second power of \\nabla (the Hessian) is read", children[0])
            by = self.script_node(sub.script, children[0])
            by_row = replace(by, transposed=True) if isinstance(by, Symbol) else Transpose(by)
            return self._operand(children[3], lambda of: Derivative(Derivative(of, by_row), by))
        sub = children[1]
        wrt = self.script_node(sub.script, children[0])
        return self._operand(children[2], lambda of: Derivative(of, wrt))

    # ---- cases and matrices ----------------------------------------------------------------------------

    def case_condition(self, children: list[Any]) -> list[Condition]:
        return [self.condition(c) for c in children if isinstance(c, _Relation)]

    def otherwise(self, children: list[Any]) -> list[Condition] | None:
        word = str(children[0].value)
        if word not in lx.OTHERWISE_WORDS:
            raise self.fail(f"a cases row has {word!r} where a condition belongs", children[0])
        return None

    def case_row(self, children: list[Any]) -> tuple[Node, list[Condition] | None]:
        values = [_one(c) for c in children[:-1] if not isinstance(c, Tok)]
        conditions: list[Condition] | None = children[-1]
        if len(values) > 1:
            self.extra.append(Claim(tuple(values), "", (), tuple(conditions or ())))
        return values[0], conditions

    def cases(self, children: list[Any]) -> Node:
        rows: list[tuple[Node, list[Condition] | None]] = [c for c in children if isinstance(c, tuple)]
        return _cases(rows)

    def matrix_cell(self, children: list[Any]) -> list[Node]:
        return [_one(c) for c in children if not isinstance(c, Tok)]

    def empty_cell(self, children: list[Any]) -> list[Node]:
        return [Dots("v")]  # \vdots & & \ddots: the row of ellipses leaves a cell empty

    def matrix_row(self, children: list[Any]) -> tuple[Node, ...]:
        return tuple(node for cell in children if isinstance(cell, list) for node in cell)

    def matrix(self, children: list[Any]) -> Node:
        return Matrix(tuple(c for c in children if isinstance(c, tuple)))


def _cases(rows: list[tuple[Node, list[Condition] | None]]) -> Node:
    """A row with several conditions (``if p=i, q=j``) nests: rows that share a first condition form a
    cases of their own under it."""
    branches: list[tuple[Node, Condition | None]] = []
    index = 0
    while index < len(rows):
        value, conditions = rows[index]
        if conditions is None or len(conditions) == 1:
            branches.append((value, conditions[0] if conditions else None))
            index += 1
            continue
        first = conditions[0]
        group: list[tuple[Node, list[Condition] | None]] = []
        while index < len(rows) and rows[index][1] and rows[index][1][0] == first:  # type: ignore[index]
            row_value, row_conditions = rows[index]
            assert row_conditions is not None
            group.append((row_value, row_conditions[1:]))
            index += 1
        branches.append((_cases(group), first))
    return Cases(tuple(branches))


def _plain_run(symbol: Symbol) -> bool:
    return (
        symbol.name.isalpha()
        and symbol.name.isascii()
        and symbol.name not in lx.GREEK
        and not symbol.indices
        and symbol.decoration is None
        and symbol.example is None
        and symbol.layer is None
        and not symbol.primes
    )


def _next_layer(node: Node) -> bool:
    """``L-1``, ``l+1``: a layer letter and one more or less."""
    if not isinstance(node, Add) or len(node.terms) != 2 or node.terms[0] not in (Symbol("l"), Symbol("L")):
        return False
    step = node.terms[1]
    return step == Number(Fraction(1)) or step == Neg(Number(Fraction(1)))


def _matrix_transposed_by_prime(acc: _Acc) -> bool:
    """``X'``: the input matrix (or the weights) with one prime, nothing else written on it."""
    return acc.name in ("X", "W") and _bare(acc)


def _bare(acc: _Acc) -> bool:
    """A name with nothing written on it yet (no index, decoration, prime, transpose or power): its prime
    may be plain text's transpose."""
    return (
        not acc.indices
        and acc.decoration is None
        and acc.primes == 0
        and not acc.transposed
        and acc.power is None
    )


def _label_row(node: Node) -> bool:
    """The example index of a label subscript (``i`` in ``f_yi``)."""
    return isinstance(node, Symbol) and node.name in ("i", "n", "m") and _plain_index(node)


def _simple_index(node: Node) -> bool:
    if isinstance(node, Number):
        return node.value.denominator == 1 and 0 <= node.value < 10
    if not isinstance(node, Symbol):
        return False
    named = len(node.name) == 1 or node.name in lx.GREEK or node.name == "ell"  # \delta_{k\ell}: two indices
    return named and _plain_index(node)


def _plain_index(symbol: Symbol) -> bool:
    return (
        not symbol.indices and symbol.decoration is None and symbol.example is None and symbol.layer is None
    )


def _plain(node: Node) -> str:
    """A short plain rendering for messages and choices."""
    if isinstance(node, Symbol):
        text = node.name if node.name not in lx.GREEK else f"\\{node.name}"
        if node.indices:
            text += "_" + "".join(_plain(i) for i in node.indices)
        return text
    if isinstance(node, Number):
        return str(node.value)
    if isinstance(node, Add):
        return " + ".join(_plain(t) for t in node.terms).replace("+ -", "- ")
    if isinstance(node, Neg):
        return f"-{_plain(node.operand)}"
    return type(node).__name__.lower()


def replace_token(token: Tok, value: str) -> Tok:
    from derive.claims.tokens import retype

    new = retype(token, "RUN" if len(value) > 1 else "LETTER", value)
    new.start_pos = token.start_pos + 1
    return new


__all__ = ["MAX_DEPTH", "Builder", "ChoiceKind", "Choices", "Item", "describe"]
