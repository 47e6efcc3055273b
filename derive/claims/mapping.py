r"""Page notation -> canonical SymPy: which page symbol means which canonical quantity, and index forms.

A parsed claim (:mod:`derive.claims.ast`) names things the way its page does: ``L``, ``E``, ``CE`` for the
loss, ``p_k``, ``\hat{y}_j``, ``o_j`` for the softmax output, ``t_j`` for the targets, ``o_k`` or ``u``
for the
logits ...  This module maps every symbol to the canonical glossary of :mod:`derive.symbols`, builds SymPy
objects with constructors only (``Indexed``, ``Idx``, ``Symbol`` with whitelisted names; never ``sympify``
or ``eval``), and records every guess so the report can show it.

Resolution order for a symbol: an explicit ``--let`` (``P_j=y_j``: page symbol with its index pattern ->
canonical expression), then the canonical names themselves, then the recognized notations of
:data:`GUESSES` (reported as guesses), with the context rules of :data:`CONTEXT_RULES` for the ambiguous
letters.  Anything else is a :class:`~derive.errors.NotationError` that names the symbol and suggests the
``--let`` to add.

Vectors and matrices get an index-form meaning (:class:`Tensor`): an unindexed vector symbol is its entry at
a placeholder index; arithmetic is element-wise; ``u v^T`` is the outer product (entry (i, j) = u_i v_j);
``u^T v`` the inner product; ``W^T x`` contracts (sum_i W_ij x_i); ``diag(s)`` is s_i delta_ij; ``1_t`` is the
one-hot vector of the true class t (the targets y, under the one-hot assumption).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from fractions import Fraction
from typing import Final, Literal

import sympy

from derive import symbols as s
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
    Index,
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
from derive.claims.latex import format_node, parse_claim
from derive.equivalence import Assumption
from derive.errors import NotationError
from derive.loss import Convention, LossKind, Model

# --------------------------------------------------------------------------------------------------------
# Tables (data): the recognized notation
# --------------------------------------------------------------------------------------------------------

Role = Literal["loss", "output", "target", "logits", "weights", "bias", "input"]
Kind = Literal["class", "feature", "example"]

ROLES: Final[tuple[Role, ...]] = ("loss", "output", "target", "logits", "weights", "bias", "input")

#: The canonical base of each role, for one example and for a batch.
ROLE_BASE: Final[dict[Role, str]] = {
    "loss": "H",
    "output": "a",
    "target": "y",
    "logits": "z",
    "weights": "W",
    "bias": "b",
    "input": "x",
}
BATCH_BASE: Final[dict[Role, str]] = {
    "loss": "H",
    "output": "A",
    "target": "Y",
    "logits": "Z",
    "weights": "W",
    "bias": "b",
    "input": "X",
}

#: What a role is called in reports.
ROLE_WORDS: Final[dict[Role, str]] = {
    "loss": "the loss",
    "output": "the softmax output",
    "target": "the targets",
    "logits": "the logits",
    "weights": "the weights",
    "bias": "the bias",
    "input": "the input",
}

#: Canonical names: mapped to themselves, never reported as guesses.
CANONICAL: Final[dict[str, Role]] = {
    "H": "loss",
    "a": "output",
    "y": "target",
    "z": "logits",
    "x": "input",
    "W": "weights",
    "b": "bias",
}
CANONICAL_BATCH: Final[dict[str, Role]] = {"A": "output", "Y": "target", "Z": "logits", "X": "input"}

#: Recognized page notations (name, decoration) -> role. Each use is reported as a guess.
GUESSES: Final[dict[tuple[str, str | None], Role]] = {
    ("L", None): "loss",
    ("L", "cal"): "loss",
    ("E", None): "loss",
    ("J", None): "loss",
    ("C", None): "loss",
    ("ell", None): "loss",
    ("CE", None): "loss",
    ("l", None): "loss",
    ("H", "cal"): "loss",
    ("Loss", None): "loss",
    ("loss", None): "loss",
    ("y", "hat"): "output",
    ("p", None): "output",
    ("p", "hat"): "output",
    ("s", None): "output",
    ("h", None): "output",
    ("o", None): "output",
    ("S", None): "output",
    ("Q", None): "output",
    ("SM", None): "output",
    ("sigma", None): "output",
    ("a", "hat"): "output",
    ("q", None): "output",
    ("t", None): "target",
    ("P", None): "target",
    ("u", None): "logits",
    ("w", None): "weights",
    ("a", "tilde"): "input",
}

#: The ambiguous letters and the rule that settles each (applied in :meth:`Mapper._resolve_role`).
CONTEXT_RULES: Final[dict[tuple[str, str | None], str]] = {
    ("o", None): "the logits when the claim differentiates by o and writes no z; else the softmax output",
    (
        "p",
        None,
    ): "the targets when another symbol is the softmax output and none is a target; else the output",
    ("S", None): "the batch softmax output when the claim is about a batch; else the softmax output",
}

#: Size names: the number of classes, features or examples.
SIZE_NAMES: Final[dict[str, Kind]] = {
    "k": "class",
    "K": "class",
    "m": "example",
    "N": "example",
    "M": "example",
    "d": "feature",
    "D": "feature",
}

#: Functions the mapper understands, by what they do.
SOFTMAX_FUNCTIONS: Final = frozenset({"softmax", "sigma", "sigmoid"})
OTHER_FUNCTIONS: Final = frozenset({"diag"})

#: Names a claim's index may not keep (sizes, the engine's summation and true-class indices).
RESERVED_INDEX_NAMES: Final = frozenset({"k", "d", "N", "c", "e", *s.SUMMATION_NAMES})

#: Names of the true class in ``\delta_{yj}`` and ``1_t``.
TRUE_CLASS_NAMES: Final = frozenset({"y", "t", "c", "ell"})


def _check_tables() -> None:
    for table in (CANONICAL, CANONICAL_BATCH):
        assert all(role in ROLES for role in table.values()), "unknown role in a canonical table"
    assert all(role in ROLES for role in GUESSES.values()), "unknown role in GUESSES"
    assert not {name for name, deco in GUESSES if deco is None} & set(CANONICAL), "a guess shadows a name"
    assert set(CONTEXT_RULES) <= set(GUESSES), "a context rule for an unlisted notation"
    assert not set(SIZE_NAMES) & {name for name, deco in GUESSES if deco is None}, "a size shadows a guess"
    assert set(ROLE_BASE) == set(BATCH_BASE) == set(ROLES) == set(ROLE_WORDS), "role tables drift"
    assert {str(b) for b in (s.a, s.y, s.z, s.x, s.W, s.b)} == {ROLE_BASE[r] for r in ROLES} - {"H"}


_check_tables()

_BASES: Final[dict[str, sympy.IndexedBase]] = {
    "a": s.a,
    "y": s.y,
    "z": s.z,
    "x": s.x,
    "W": s.W,
    "b": s.b,
    "A": s.A,
    "Y": s.Y,
    "Z": s.Z,
    "X": s.X,
}
_VARIABLE_BASES: Final = frozenset(_BASES)


def base_axes(base: str, convention: Convention) -> tuple[Kind, ...]:
    """The index kinds of a canonical base, in order."""
    if base == "W":
        return ("feature", "class") if convention == "Wt_x" else ("class", "feature")
    return {
        "a": ("class",),
        "y": ("class",),
        "z": ("class",),
        "b": ("class",),
        "x": ("feature",),
        "A": ("example", "class"),
        "Y": ("example", "class"),
        "Z": ("example", "class"),
        "X": ("example", "feature"),
        "H": (),
    }[base]  # type: ignore[return-value]


# --------------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MappingEntry:
    """One page symbol and what it was read as."""

    page: str
    canonical: str
    guessed: bool
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {
            "page": self.page,
            "canonical": self.canonical,
            "guessed": self.guessed,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Tensor:
    """A mapped value in index form: ``expr`` is its entry at the placeholder indices ``axes``."""

    expr: sympy.Expr
    axes: tuple[sympy.Idx, ...] = ()
    kinds: tuple[Kind, ...] = ()
    row: bool = False

    @property
    def is_scalar(self) -> bool:
        return not self.axes


@dataclass(frozen=True)
class MappedSide:
    """One side of the chain, in canonical form, with the page LaTeX it came from."""

    latex: str
    expr: sympy.Expr | None
    error: str | None = None
    restriction: sympy.Expr | None = None


@dataclass(frozen=True)
class MappedClaim:
    """A whole claim in canonical form: the left side, the right sides, the model and the readings."""

    lhs: sympy.Expr
    lhs_latex: str
    sides: tuple[MappedSide, ...]
    model: Model
    mapping: tuple[MappingEntry, ...]
    notes: tuple[str, ...]
    assumptions: tuple[Assumption, ...]
    index_names: dict[str, str] = field(default_factory=dict)
    free_indices: tuple[sympy.Idx, ...] = ()

    def page_index(self, name: str) -> str:
        """The page's name of an engine index (``c`` is the true class)."""
        return self.index_names.get(name, name)


@dataclass(frozen=True)
class Let:
    """A ``--let`` mapping: page symbol pattern -> canonical expression."""

    text: str
    name: str
    decoration: str | None
    call: bool
    pattern: tuple[str, ...]
    target: Node


# --------------------------------------------------------------------------------------------------------
# AST helpers
# --------------------------------------------------------------------------------------------------------


def _children(node: object) -> Iterable[Node]:
    if isinstance(node, Cases):
        for expr, _ in node.branches:
            yield expr
        return
    for f in fields(node):  # type: ignore[arg-type]
        value = getattr(node, f.name)
        if isinstance(value, tuple):
            for item in value:
                if _is_node(item):
                    yield item
        elif _is_node(value):
            yield value


def _is_node(value: object) -> bool:
    return isinstance(
        value,
        (
            Number,
            Symbol,
            Call,
            Add,
            Mul,
            Div,
            Pow,
            Neg,
            Log,
            Exp,
            Transpose,
            Hadamard,
            Sum,
            Derivative,
            KroneckerDelta,
            Cases,
            Index,
        ),
    )


def _walk(node: Node) -> Iterable[Node]:
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(_children(current))


def _transform(node: Node, fn: _Rewriter) -> Node:
    """Rebuild ``node`` bottom-up, letting ``fn`` replace any node (``fn`` returns None to keep it)."""
    replaced = fn(node)
    if replaced is not None:
        return replaced
    if isinstance(node, Cases):
        return Cases(tuple((_transform(e, fn), c) for e, c in node.branches))
    changes: dict[str, object] = {}
    for f in fields(node):
        value = getattr(node, f.name)
        if isinstance(value, tuple) and value and all(_is_node(v) for v in value):
            changes[f.name] = tuple(_transform(v, fn) for v in value)
        elif _is_node(value):
            changes[f.name] = _transform(value, fn)
    if not changes:
        return node
    rebuilt: Node = replace(node, **changes)  # type: ignore[arg-type]
    return rebuilt


class _Rewriter:
    def __call__(self, node: Node) -> Node | None:  # pragma: no cover - protocol
        raise NotImplementedError


def _plain(decoration: str | None) -> str | None:
    """Bold is vector typesetting, not a different symbol."""
    return None if decoration == "bold" else decoration


def _symbol_label(symbol: Symbol) -> str:
    return format_node(replace(symbol, indices=(), example=None, transposed=False))


# --------------------------------------------------------------------------------------------------------
# --let
# --------------------------------------------------------------------------------------------------------

_CANONICAL_VALUE_NAMES: Final = frozenset({*CANONICAL, *CANONICAL_BATCH, *SIZE_NAMES})


def parse_let(text: str) -> Let:
    """``'P_j=y_j'`` -> a :class:`Let`; the right side must use canonical names only."""
    claim = parse_claim(text)
    if len(claim.sides) == 2 and isinstance(claim.sides[0], Mul):
        claim = replace(claim, sides=(_joined_name(claim.sides[0]), claim.sides[1]))
    if len(claim.sides) != 2:
        raise NotationError(f"--let {text!r} must have the form PAGE_SYMBOL=CANONICAL (e.g. 'P_j=y_j')")
    left, target = claim.sides
    call = isinstance(left, Call)
    symbol = left.function if isinstance(left, Call) else left
    if not isinstance(symbol, Symbol):
        raise NotationError(f"--let {text!r}: the left side must be one page symbol such as P_j or y(x)")
    pattern: list[str] = []
    for index in symbol.indices:
        if not (isinstance(index, Symbol) and not index.indices):
            raise NotationError(f"--let {text!r}: index patterns must be single letters (P_j, W_{{ij}})")
        pattern.append(index.name)
    for node in _walk(target):
        if (
            isinstance(node, Symbol)
            and node.name not in _CANONICAL_VALUE_NAMES
            and node.name not in pattern
            and not _is_index_of(node, target)
        ):
            raise NotationError(
                f"--let {text!r}: ${format_node(node)}$ is not a canonical symbol "
                f"(use H, a, y, z, x, W, b, k, N, X, Y, A, Z)"
            )
        if isinstance(node, Call) and node.function.name not in SOFTMAX_FUNCTIONS | OTHER_FUNCTIONS:
            raise NotationError(f"--let {text!r}: function ${format_node(node.function)}$ is not understood")
    return Let(text, symbol.name, _plain(symbol.decoration), call, tuple(pattern), target)


def _joined_name(node: Mul) -> Node:
    """``SM_i`` parses as S times M_i; in a --let pattern it is the one name SM_i."""
    letters = [f for f in node.factors if isinstance(f, Symbol) and f.decoration is None and not f.primes]
    if len(letters) == len(node.factors) and all(not f.indices for f in letters[:-1]):
        return replace(letters[-1], name="".join(f.name for f in letters))
    return node


def _is_index_of(candidate: Symbol, root: Node) -> bool:
    for node in _walk(root):
        if isinstance(node, Symbol) and any(i is candidate for i in node.indices):
            return True
        if isinstance(node, KroneckerDelta) and (node.i is candidate or node.j is candidate):
            return True
        if isinstance(node, Sum) and node.index == candidate.name:
            return True
    return False


def _rename_indices(node: Node, env: dict[str, Node]) -> Node:
    """Substitute index names (inside subscripts, deltas, sums and case conditions)."""

    class Rename(_Rewriter):
        def __call__(self, current: Node) -> Node | None:
            if isinstance(current, Symbol) and current.indices:
                return replace(
                    current,
                    indices=tuple(
                        env.get(i.name, i) if isinstance(i, Symbol) and not i.indices else i
                        for i in current.indices
                    ),
                )
            if isinstance(current, KroneckerDelta):
                return KroneckerDelta(
                    *(env.get(i.name, i) if isinstance(i, Symbol) else i for i in (current.i, current.j))
                )
            return None

    return _transform(node, Rename())


# --------------------------------------------------------------------------------------------------------
# The mapper
# --------------------------------------------------------------------------------------------------------

_DISPLAY_NAMES: Final[dict[Kind, tuple[str, ...]]] = {
    "class": ("j", "i", "q", "u", "v", "w"),
    "feature": ("i", "j", "p", "u", "v", "w"),
    "example": ("t", "u", "v", "w", "g", "h"),
}


#: The loss variants' scalar parameters as pages write them (used only with the matching --loss).
PARAMETER_NAMES: dict[str, sympy.Symbol] = {
    "epsilon": s.epsilon, "varepsilon": s.epsilon, "T": s.T, "tau": s.T, "lambda": s.lam,
}  # fmt: skip
PARAMETER_WORDS: dict[sympy.Symbol, str] = {
    s.epsilon: "smoothing strength", s.T: "temperature", s.lam: "weight-decay strength",
}  # fmt: skip
assert set(PARAMETER_NAMES.values()) == set(PARAMETER_WORDS) == set(s.PARAMETERS), "parameter tables drift"


@dataclass
class _Resolution:
    role: Role | None
    base: str | None
    guessed: bool
    reason: str
    size: Kind | None = None
    onehot: bool = False
    parameter: sympy.Symbol | None = None


class Mapper:
    """Maps the sides of one claim (sharing indices, sizes and the model) to canonical SymPy."""

    def __init__(
        self,
        nodes: Sequence[Node],
        lets: Sequence[Let] = (),
        *,
        loss: LossKind = "softmax-ce",
        convention: Convention = "Wt_x",
        classes: int | None = None,
    ) -> None:
        self.lets = tuple(lets)
        self.loss = loss
        self.convention = convention
        self.entries: dict[str, MappingEntry] = {}
        self.notes: list[str] = []
        self.assumptions: list[Assumption] = []
        self._placeholders = itertools.count(1)
        self.nodes = [self.preprocess(node) for node in nodes]
        self._scan_names()
        self._scan_kinds()
        self.batch = any(r.base in CANONICAL_BATCH for r in self._resolved.values())
        self.classes = self._class_count(classes)
        self.features: sympy.Expr | int = self._explicit_sizes.get("feature", s.d)
        self.model = Model(
            classes=self.classes,
            features=self.features,
            convention=convention,
            batch=self.batch,
            loss_kind=loss,
        )
        self.index_names: dict[str, str] = {}
        self.restriction: sympy.Expr | None = None

    # -- preprocessing: --let substitution and a few fixed rewrites -----------------------------------

    def preprocess(self, node: Node) -> Node:
        mapper = self

        class Pre(_Rewriter):
            def __call__(self, current: Node) -> Node | None:
                if isinstance(current, Mul) and [
                    f.name if isinstance(f, Symbol) and not f.indices and f.decoration is None else None
                    for f in current.factors
                ] == ["C", "E"]:
                    mapper.note("CE is read as one name (the cross-entropy loss), not C times E")
                    return Symbol("CE")
                if isinstance(current, (Symbol, Call)):
                    return mapper._apply_let(current)
                return None

        return _transform(node, Pre())

    def _apply_let(self, node: Symbol | Call) -> Node | None:
        symbol = node.function if isinstance(node, Call) else node
        for let in self.lets:
            if let.name != symbol.name or let.decoration != _plain(symbol.decoration):
                continue
            if let.call and not isinstance(node, Call):
                continue
            target = let.target
            if len(let.pattern) == len(symbol.indices):
                target = _rename_indices(target, dict(zip(let.pattern, symbol.indices, strict=True)))
            elif not let.pattern and isinstance(target, Symbol) and not target.indices:
                target = replace(target, indices=symbol.indices)
            else:
                continue
            if isinstance(target, Symbol):
                target = replace(
                    target,
                    example=symbol.example or target.example,
                    transposed=symbol.transposed != target.transposed,
                )
            elif symbol.transposed:
                target = Transpose(target)
            self.record(format_node(node), format_node(target), False, f"--let {let.text}")
            return target
        return None

    # -- bookkeeping ----------------------------------------------------------------------------------

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def record(self, page: str, canonical: str, guessed: bool, reason: str) -> None:
        self.entries.setdefault(page, MappingEntry(page, canonical, guessed, reason))

    # -- pass 1: which names are present, which are differentiated by ---------------------------------

    def _value_symbols(self) -> Iterable[tuple[Symbol, bool]]:
        """Every symbol in value position (not an index), with whether it is a function being called."""
        for root in self.nodes:
            index_ids: set[int] = set()
            for node in _walk(root):
                if isinstance(node, Symbol):
                    index_ids.update(id(i) for i in node.indices)
                    if node.example is not None:
                        index_ids.add(id(node.example))
                elif isinstance(node, KroneckerDelta):
                    index_ids.update((id(node.i), id(node.j)))
                elif isinstance(node, Sum):
                    for limit in (node.lower, node.upper):
                        if limit is not None:
                            index_ids.add(id(limit))
            for node in _walk(root):
                if isinstance(node, Call):
                    index_ids.add(id(node.function))
                    yield node.function, True
                elif isinstance(node, Symbol) and id(node) not in index_ids:
                    yield node, False

    def _scan_names(self) -> None:
        self._wrt_names: set[str] = set()
        for root in self.nodes:
            for node in _walk(root):
                if isinstance(node, Derivative):
                    wrt = node.wrt.function if isinstance(node.wrt, Call) else node.wrt
                    if isinstance(wrt, Symbol):
                        self._wrt_names.add(wrt.name)
        self._present: list[tuple[Symbol, bool]] = list(self._value_symbols())
        self._resolved: dict[tuple[str, str | None, bool], _Resolution] = {}
        # Unambiguous names first, then the context rules can look at them.
        self._failed: dict[tuple[str, str | None, bool], NotationError] = {}
        ordered = sorted(
            self._present, key=lambda item: (item[0].name, _plain(item[0].decoration)) in CONTEXT_RULES
        )
        for symbol, called in ordered:
            try:
                self._resolution(symbol, called)
            except NotationError:
                continue

    def _key(self, symbol: Symbol, called: bool) -> tuple[str, str | None, bool]:
        return (
            symbol.name,
            _plain(symbol.decoration),
            called and symbol.name in SOFTMAX_FUNCTIONS | OTHER_FUNCTIONS,
        )

    def _resolution(self, symbol: Symbol, called: bool) -> _Resolution:
        key = self._key(symbol, called)
        if key in self._failed:
            raise self._failed[key]
        if key not in self._resolved:
            try:
                self._resolved[key] = self._resolve(symbol, called)
            except NotationError as error:
                # Kept for the side that uses the symbol: one unreadable step does not sink the chain.
                self._failed[key] = error
                raise
        return self._resolved[key]

    def _roles_present(self, exclude: str) -> set[Role]:
        roles: set[Role] = set()
        for (name, _, _), resolution in self._resolved.items():
            if name != exclude and resolution.role is not None:
                roles.add(resolution.role)
        return roles

    def _resolve(self, symbol: Symbol, called: bool) -> _Resolution:
        name, decoration = symbol.name, _plain(symbol.decoration)
        label = _symbol_label(symbol)
        if called and name in SOFTMAX_FUNCTIONS | OTHER_FUNCTIONS:
            return _Resolution("output" if name in SOFTMAX_FUNCTIONS else None, None, False, "function")
        if name in SOFTMAX_FUNCTIONS:
            raise NotationError(
                f"${label}$ without an argument (or primed, as a derivative) is not understood; "
                "write the softmax Jacobian as $\\frac{\\partial a_i}{\\partial z_j}$"
            )
        if name.isdigit():
            if name == "1" and symbol.indices:
                return _Resolution("target", "y", True, "one-hot vector of the true class", onehot=True)
            raise NotationError(
                f"the number ${label}$ with a subscript is not understood; "
                f"add --let '{label}_t=y' if it is the one-hot target"
            )
        if decoration is None and name in CANONICAL:
            return _Resolution(CANONICAL[name], name, False, "canonical")
        if decoration is None and name in CANONICAL_BATCH:
            return _Resolution(CANONICAL_BATCH[name], name, False, "canonical (batch)")
        if decoration is None and name in SIZE_NAMES and not symbol.indices and not called:
            return _Resolution(None, None, name not in ("k", "N", "d"), "size", size=SIZE_NAMES[name])
        parameter = PARAMETER_NAMES.get(name)
        if parameter is not None and not symbol.indices and not called and decoration is None:
            if parameter in Model(loss_kind=self.loss).parameters:
                return _Resolution(
                    None,
                    None,
                    True,
                    f"the {PARAMETER_WORDS[parameter]} of --loss {self.loss}",
                    parameter=parameter,
                )
        role = GUESSES.get((name, decoration))
        if role is None:
            suggestion = f"{label}_j=a_j" if symbol.indices else f"{label}=H"
            raise NotationError(
                f"symbol ${label}$ is not a recognized notation; say what it is with "
                f"--let '{suggestion}' (canonical: H loss, z logits, a softmax output, "
                f"y targets, x input, W weights, b bias)"
            )
        reason = f"recognized notation for {ROLE_WORDS[role]}"
        if (name, decoration) == ("o", None):
            has_logits = "logits" in self._roles_present("o")
            if "o" in self._wrt_names and not has_logits:
                role, reason = "logits", "o is differentiated by and no z is written: read as the logits"
            else:
                reason = "o read as the output (softmax) of the layer"
        elif (name, decoration) == ("p", None):
            others = self._roles_present("p")
            if "output" in others and "target" not in others:
                role, reason = "target", "p read as the target probability (another symbol is the output)"
        elif (name, decoration) == ("S", None) and self._batch_hint():
            return _Resolution("output", "A", True, "S read as the batch softmax output")
        return _Resolution(role, ROLE_BASE[role], True, reason)

    def _batch_hint(self) -> bool:
        return any(r.base in CANONICAL_BATCH for r in self._resolved.values())

    def resolve(self, symbol: Symbol, called: bool = False) -> _Resolution:
        resolution = self._resolution(symbol, called)
        if resolution.base is not None and resolution.guessed and not resolution.onehot:
            self.record(_symbol_label(symbol), resolution.base, True, resolution.reason)
        return resolution

    # -- pass 2: index kinds and explicit sizes -------------------------------------------------------

    def _scan_kinds(self) -> None:
        self.kinds: dict[str, Kind] = {}
        self._conflicts: set[str] = set()
        self._explicit_sizes: dict[Kind, int] = {}
        self._sum_uppers: list[tuple[str, Node]] = []
        for root in self.nodes:
            for node in _walk(root):
                if isinstance(node, Call) and isinstance(node.function, Symbol) and node.function.indices:
                    self._record_kinds(node.function, False)
                elif isinstance(node, Symbol) and node.indices:
                    self._record_kinds(node, False)
                elif isinstance(node, Sum) and node.index is not None and node.upper is not None:
                    self._sum_uppers.append((node.index, node.upper))
        for index, upper in self._sum_uppers:
            kind = self.kinds.get(index, "class")
            if isinstance(upper, Number):
                value = int(upper.value)
                if upper.value.denominator != 1 or value < 1 or value > 64:
                    raise NotationError(f"sum limit ${format_node(upper)}$ is not a size between 1 and 64")
                previous = self._explicit_sizes.setdefault(kind, value)
                if previous != value:
                    raise NotationError(
                        f"the sums disagree on the number of {kind}es: {previous} and {value}"
                    )

    def _record_kinds(self, symbol: Symbol, called: bool) -> None:
        try:
            resolution = self._resolution(symbol, called)
        except NotationError:
            return
        if resolution.base is None or resolution.onehot:
            return
        axes = base_axes(resolution.base, self.convention)
        if len(symbol.indices) == 1 and len(axes) == 2:
            axes = ("class",) if resolution.base == "W" else ("example",)
        for index, kind in zip(symbol.indices, axes, strict=False):
            if isinstance(index, Symbol) and not index.indices:
                previous = self.kinds.setdefault(index.name, kind)
                if previous != kind:
                    self._conflicts.add(index.name)

    def _class_count(self, classes: int | None) -> sympy.Expr | int:
        explicit = self._explicit_sizes.get("class")
        if classes is not None:
            if explicit is not None and explicit != classes:
                self.note(f"--classes {classes} overrides the claim's own sum limit {explicit}")
            return classes
        if explicit is not None:
            self.note(f"the number of classes k = {explicit} is taken from the claim's sum limits")
            return explicit
        if self.loss == "sigmoid-bce" and not any(kind == "class" for kind in self.kinds.values()):
            self.note("no class index is written: one sigmoid output (k = 1)")
            return 1
        return s.k

    # -- indices --------------------------------------------------------------------------------------

    def size(self, kind: Kind) -> sympy.Expr | int:
        return {"class": self.classes, "feature": self.features, "example": s.N}[kind]

    def size_expr(self, kind: Kind) -> sympy.Expr:
        return as_expr(self.size(kind))

    def index(self, name: str, kind: Kind | None = None) -> sympy.Idx:
        if name in self._conflicts:
            raise NotationError(
                f"index {name} is used both for classes and for features (z = W^T x + b reads W_{{ij}} as "
                "feature i, class j; for z = W x + b use --convention W_x)"
            )
        kind = kind or self.kinds.get(name, "class")
        engine = name
        if (
            name in RESERVED_INDEX_NAMES
            or name.endswith("_")
            or name.startswith("sigma")
            or name.startswith("ph")
        ):
            engine = f"{name}'"
        self.index_names[engine] = name
        return sympy.Idx(engine, (1, self.size(kind)))

    def index_value(self, node: Node, kind: Kind) -> sympy.Expr:
        if isinstance(node, Number):
            if node.value.denominator != 1 or node.value < 1:
                raise NotationError(f"index ${format_node(node)}$ is not a positive integer")
            return sympy.Integer(int(node.value))
        if isinstance(node, Symbol) and not node.indices and node.decoration is None:
            return self.index(node.name, self.kinds.get(node.name, kind))
        raise NotationError(
            f"index expression ${format_node(node)}$ is not supported (use a letter or a number)"
        )

    def placeholder(self, kind: Kind) -> sympy.Idx:
        return sympy.Idx(f"ph{next(self._placeholders)}", (1, self.size(kind)))

    # -- building -------------------------------------------------------------------------------------

    def build(self, node: Node) -> Tensor:
        method = getattr(self, f"_build_{type(node).__name__.lower()}")
        result: Tensor = method(node)
        return result

    def _build_number(self, node: Number) -> Tensor:
        return Tensor(sympy.Rational(node.value.numerator, node.value.denominator))

    def _build_symbol(self, node: Symbol) -> Tensor:
        if node.primes:
            raise NotationError(
                f"${format_node(node)}$: a primed symbol is not understood; write the derivative "
                "as a fraction of differentials"
            )
        resolution = self.resolve(node)
        if resolution.size is not None:
            if resolution.guessed:
                self.record(
                    node.name, str(self.size(resolution.size)), True, f"number of {resolution.size}es"
                )
            return Tensor(self.size_expr(resolution.size))
        if resolution.parameter is not None:
            self.record(node.name, str(resolution.parameter), True, resolution.reason)
            return Tensor(resolution.parameter)
        assert resolution.base is not None
        if resolution.onehot:
            self._add_assumption(
                Assumption.ONE_HOT,
                f"${format_node(node)}$ is the one-hot vector of the true class: the targets are one-hot",
            )
            self.record(format_node(node), "y", True, resolution.reason)
            return self._vector("y", (), node.transposed)
        if resolution.base == "H":
            if node.indices:
                self.note(f"the index of ${format_node(node)}$ is dropped: it is read as the loss H")
            return Tensor(s.H)
        if node.example is not None:
            if not self.batch:
                self.note(f"the example superscript of ${format_node(node)}$ is dropped (one example)")
            else:
                return self._vector(resolution.base, (node.example, *node.indices), node.transposed)
        return self._vector(resolution.base, node.indices, node.transposed)

    def _vector(self, base: str, indices: Sequence[Node], transposed: bool) -> Tensor:
        axes = base_axes(base, self.convention)
        if len(indices) > len(axes):
            raise NotationError(f"{base} takes {len(axes)} indices, not {len(indices)}")
        slots: list[sympy.Expr] = []
        given: list[Node | None] = list(indices) + [None] * (len(axes) - len(indices))
        if len(indices) == 1 and len(axes) == 2:
            # w_j is the weight vector of class j; X_m the row of example m.
            position = axes.index("class") if base == "W" else 0
            given = [None, None]
            given[position] = indices[0]
        free: list[sympy.Idx] = []
        kinds: list[Kind] = []
        for node, kind in zip(given, axes, strict=True):
            if node is None and kind == "class" and self.classes == 1:
                slots.append(sympy.Integer(1))
            elif node is None:
                placeholder = self.placeholder(kind)
                slots.append(placeholder)
                free.append(placeholder)
                kinds.append(kind)
            else:
                slots.append(self.index_value(node, kind))
        expr = _BASES[base][tuple(slots)]
        tensor = Tensor(expr, tuple(free), tuple(kinds))
        return _transpose(tensor) if transposed else tensor

    def _build_index(self, node: Index) -> Tensor:
        """``softmax(z)_i``: the entry of a vector-valued function, read as ``softmax_i(z)``."""
        base = node.base
        if isinstance(base, Call) and not base.function.indices:
            return self.build(Call(replace(base.function, indices=node.indices), base.args))
        raise NotationError(f"${format_node(node)}$: an entry of an expression is not understood")

    def _build_call(self, node: Call) -> Tensor:
        function = node.function
        if function.name in SOFTMAX_FUNCTIONS and not function.indices:
            return self._softmax_call(node)
        if function.name in SOFTMAX_FUNCTIONS and len(function.indices) == 1 and not function.primes:
            # softmax(z)_i (parsed as softmax_i(z)): entry i of the vector softmax(z).
            vector = self._softmax_call(Call(replace(function, indices=()), node.args))
            if len(vector.axes) != 1 or vector.kinds[0] != "class":
                raise NotationError(f"${format_node(node)}$: an entry of a non-vector is not understood")
            entry = self.index_value(function.indices[0], "class")
            return Tensor(vector.expr.xreplace({vector.axes[0]: entry}), (), ())
        if function.name == "diag":
            if len(node.args) != 1:
                raise NotationError("diag takes one vector")
            vector = self.build(node.args[0])
            if len(vector.axes) != 1:
                raise NotationError("diag of a non-vector is not understood")
            other = self.placeholder(vector.kinds[0])
            return Tensor(
                vector.expr * sympy.KroneckerDelta(vector.axes[0], other),
                (vector.axes[0], other),
                (vector.kinds[0], vector.kinds[0]),
            )
        resolution = self.resolve(function)
        if resolution.base != "H" and not all(self._is_argument_variable(arg) for arg in node.args):
            raise NotationError(
                f"${format_node(node)}$: a function applied to an expression is not understood"
            )
        if node.args and resolution.base != "H":
            if not any(n.startswith("symbols written as functions of the input") for n in self.notes):
                self.note(
                    f"symbols written as functions of the input, such as ${format_node(node)}$, are read "
                    "as their values"
                )
        return self._build_symbol(function)

    def _is_argument_variable(self, arg: Node) -> bool:
        return isinstance(arg, Symbol)

    def _softmax_call(self, node: Call) -> Tensor:
        name = node.function.name
        if node.function.primes:
            raise NotationError(
                f"${format_node(node)}$: the derivative of the softmax written as a prime is not "
                "understood; write it as $\\frac{\\partial a_i}{\\partial z_j}$"
            )
        if len(node.args) != 1:
            raise NotationError(f"${format_node(node)}$ takes one argument")
        argument = self.build(node.args[0])
        expr = argument.expr
        if isinstance(expr, sympy.Indexed) and str(expr.base) in ("z", "Z"):
            wanted_sigmoid = name == "sigmoid" or (name == "sigma" and self.loss == "sigmoid-bce")
            if wanted_sigmoid == (self.loss == "sigmoid-bce"):
                base = "a" if str(expr.base) == "z" else "A"
                self.record(
                    format_node(node),
                    base,
                    name != "softmax" or self.loss != "softmax-ce",
                    f"{name} of the logits is the model's output",
                )
                return Tensor(_BASES[base][expr.indices], argument.axes, argument.kinds, argument.row)
        if name in ("sigmoid", "sigma") and self.loss == "sigmoid-bce":
            return _elementwise(argument, lambda e: 1 / (1 + sympy.exp(-e)))
        raise NotationError(
            f"${format_node(node)}$: {name} is only understood applied to the logits z "
            "(add --let to say which symbol is the logits)"
        )

    def _build_add(self, node: Add) -> Tensor:
        result = self.build(node.terms[0])
        for term in node.terms[1:]:
            result = _combine(result, self.build(term), lambda u, v: u + v, "add")
        return result

    def _build_neg(self, node: Neg) -> Tensor:
        operand = self.build(node.operand)
        return replace(operand, expr=-operand.expr)

    def _build_mul(self, node: Mul) -> Tensor:
        result = self.build(node.factors[0])
        for factor in node.factors[1:]:
            result = self._product(result, self.build(factor))
        return result

    def _build_hadamard(self, node: Hadamard) -> Tensor:
        return _combine(self.build(node.left), self.build(node.right), lambda u, v: u * v, "multiply")

    def _build_div(self, node: Div) -> Tensor:
        return _combine(
            self.build(node.numerator), self.build(node.denominator), lambda u, v: u / v, "divide"
        )

    def _build_pow(self, node: Pow) -> Tensor:
        base = self.build(node.base)
        exponent = self.build(node.exponent)
        if not exponent.is_scalar:
            raise NotationError("a power with a vector exponent is not understood")
        if not base.is_scalar:
            self.note(f"${format_node(node)}$ is read element-wise")
        return replace(base, expr=base.expr**exponent.expr)

    def _build_log(self, node: Log) -> Tensor:
        return _elementwise(self.build(node.arg), sympy.log)

    def _build_exp(self, node: Exp) -> Tensor:
        return _elementwise(self.build(node.arg), sympy.exp)

    def _build_transpose(self, node: Transpose) -> Tensor:
        return _transpose(self.build(node.operand))

    def _build_kroneckerdelta(self, node: KroneckerDelta) -> Tensor:
        names = [i.name if isinstance(i, Symbol) and not i.indices else None for i in (node.i, node.j)]
        for position, name in enumerate(names):
            other = (node.i, node.j)[1 - position]
            if name in TRUE_CLASS_NAMES and name not in self.kinds and name in ("y", "t"):
                self._add_assumption(
                    Assumption.ONE_HOT,
                    f"${format_node(node)}$ compares with the true class {name}: the targets are one-hot",
                )
                self.record(
                    format_node(node), "y", True, f"delta with the true class {name} is the one-hot target"
                )
                return Tensor(s.y[self.index_value(other, "class")])
        kinds = [self.kinds.get(n, "class") if n else "class" for n in names]
        return Tensor(
            sympy.KroneckerDelta(self.index_value(node.i, kinds[0]), self.index_value(node.j, kinds[1]))
        )

    def _build_sum(self, node: Sum) -> Tensor:
        body = self.build(node.body)
        if node.index is None:
            if len(body.axes) != 1:
                raise NotationError("a sum without an index must sum the entries of one vector")
            axis = body.axes[0]
            return Tensor(sympy.Sum(body.expr, (axis, 1, axis.upper)))
        kind = self.kinds.get(node.index, "class")
        index = self.index(node.index, kind)
        lower: sympy.Expr = sympy.Integer(1)
        if node.lower is not None:
            lower = self._limit(node.lower, kind)
        upper: sympy.Expr = self.size_expr(kind)
        if node.upper is not None:
            upper = self._limit(node.upper, kind)
        expr = body.expr
        for excluded in node.excluded:
            expr = expr * (1 - sympy.KroneckerDelta(index, self.index(excluded)))
        if node.over is not None:
            self.note(f"the sum over the set {node.over} is read as a sum over every class")
        # Each sum binds its own engine index, so a page that reuses a free index name as a summation
        # index (sum_i p_i y_i - y_i) keeps the two apart.
        bound = sympy.Idx(f"{index.name}'{next(self._placeholders)}", (index.lower, index.upper))
        expr = expr.xreplace({index: bound})
        return Tensor(sympy.Sum(expr, (bound, lower, upper)), body.axes, body.kinds, body.row)

    def _limit(self, node: Node, kind: Kind) -> sympy.Expr:
        if isinstance(node, Number):
            return sympy.Integer(int(node.value))
        if isinstance(node, Symbol) and not node.indices:
            size = self.size_expr(kind)
            if node.name not in ("k", "d", "N"):
                self.record(node.name, str(size), True, f"upper limit of a sum over {kind}es")
            return size
        raise NotationError(f"sum limit ${format_node(node)}$ is not understood")

    def _build_derivative(self, node: Derivative) -> Tensor:
        of = self.build(node.of)
        wrt_node = node.wrt.function if isinstance(node.wrt, Call) else node.wrt
        wrt = self.build(wrt_node)
        variable = wrt.expr
        if not (isinstance(variable, sympy.Indexed) and str(variable.base) in _VARIABLE_BASES):
            raise NotationError(
                f"cannot differentiate by ${format_node(node.wrt)}$: it is not a variable "
                "of the model (z, a, W, b, x)"
            )
        if of.row and wrt.axes:
            of = replace(of, row=False)
        return Tensor(
            sympy.Derivative(of.expr, (variable, node.order)), of.axes + wrt.axes, of.kinds + wrt.kinds
        )

    def _build_cases(self, node: Cases) -> Tensor:
        total: sympy.Expr = sympy.S.Zero
        covered: sympy.Expr = sympy.S.Zero
        axes: tuple[sympy.Idx, ...] = ()
        kinds: tuple[Kind, ...] = ()
        otherwise: Tensor | None = None
        for expr_node, condition in node.branches:
            branch = self.build(expr_node)
            if branch.axes:
                raise NotationError("cases of vectors are not understood; write them entry-wise")
            if condition is None:
                otherwise = branch
                continue
            indicator = self._condition(condition)
            total += indicator * branch.expr
            covered += indicator
        if otherwise is not None:
            total += (1 - covered) * otherwise.expr
        else:
            self.restriction = covered if self.restriction is None else self.restriction * covered
            self.note("the cases do not cover every index value: the claim is checked where a case applies")
        return Tensor(total, axes, kinds)

    def _condition(self, condition: Condition) -> sympy.Expr:
        delta = sympy.KroneckerDelta(
            self.index_value(condition.left, "class"), self.index_value(condition.right, "class")
        )
        return delta if condition.op == "=" else 1 - delta

    # -- products -------------------------------------------------------------------------------------

    def _product(self, left: Tensor, right: Tensor) -> Tensor:
        if left.is_scalar or right.is_scalar:
            return _combine(left, right, lambda u, v: u * v, "multiply")
        if len(left.axes) == 1 and len(right.axes) == 1:
            if not left.row and right.row:
                return Tensor(left.expr * right.expr, left.axes + right.axes, left.kinds + right.kinds)
            if left.row and not right.row:
                return _contract(left, 0, right, 0)
            self.note("a product of two vectors written side by side is read element-wise")
            return _combine(left, right, lambda u, v: u * v, "multiply")
        if len(right.axes) == 1:
            return _contract(left, len(left.axes) - 1, right, 0)
        if len(left.axes) == 1:
            result = _contract(left, 0, right, 0)
            return replace(result, row=True)
        return _contract(left, len(left.axes) - 1, right, 0)

    def _add_assumption(self, assumption: Assumption, why: str) -> None:
        if assumption not in self.assumptions:
            self.assumptions.append(assumption)
            self.note(why)


def _elementwise(tensor: Tensor, fn: object) -> Tensor:
    return replace(tensor, expr=fn(tensor.expr))  # type: ignore[operator]


def _transpose(tensor: Tensor) -> Tensor:
    if len(tensor.axes) <= 1:
        return replace(tensor, row=not tensor.row) if tensor.axes else tensor
    return Tensor(tensor.expr, tuple(reversed(tensor.axes)), tuple(reversed(tensor.kinds)))


def _unify(left: Tensor, right: Tensor, what: str) -> sympy.Expr:
    """``right.expr`` with its placeholders renamed to ``left``'s (shapes must agree)."""
    if left.kinds != right.kinds:
        raise NotationError(f"cannot {what} a {_shape_word(left)} and a {_shape_word(right)}")
    return right.expr.xreplace(dict(zip(right.axes, left.axes, strict=True)))


def _combine(left: Tensor, right: Tensor, op: object, what: str) -> Tensor:
    if right.is_scalar:
        return replace(left, expr=op(left.expr, right.expr))  # type: ignore[operator]
    if left.is_scalar:
        return replace(right, expr=op(left.expr, right.expr))  # type: ignore[operator]
    return replace(left, expr=op(left.expr, _unify(left, right, what)))  # type: ignore[operator]


def _contract(left: Tensor, left_axis: int, right: Tensor, right_axis: int) -> Tensor:
    if left.kinds[left_axis] != right.kinds[right_axis]:
        raise NotationError(
            f"cannot multiply a {_shape_word(left)} by a {_shape_word(right)}: the inner dimensions differ"
        )
    bound = left.axes[left_axis]
    right_expr = right.expr.xreplace({right.axes[right_axis]: bound})
    axes = (
        left.axes[:left_axis]
        + left.axes[left_axis + 1 :]
        + right.axes[:right_axis]
        + right.axes[right_axis + 1 :]
    )
    kinds = (
        left.kinds[:left_axis]
        + left.kinds[left_axis + 1 :]
        + right.kinds[:right_axis]
        + right.kinds[right_axis + 1 :]
    )
    return Tensor(sympy.Sum(left.expr * right_expr, (bound, 1, bound.upper)), axes, kinds)


def _shape_word(tensor: Tensor) -> str:
    if not tensor.axes:
        return "scalar"
    words = {"class": "k", "feature": "d", "example": "N"}
    if len(tensor.axes) == 1:
        return f"vector of length {words[tensor.kinds[0]]}"
    return "matrix of shape " + " x ".join(words[kind] for kind in tensor.kinds)


# --------------------------------------------------------------------------------------------------------
# Whole claims
# --------------------------------------------------------------------------------------------------------


def map_claim(
    claim: Claim,
    *,
    wrt: str | None = None,
    lets: Sequence[str] = (),
    loss: LossKind = "softmax-ce",
    convention: Convention = "Wt_x",
    classes: int | None = None,
) -> MappedClaim:
    """Map a parsed claim (chain) to canonical SymPy: the left side, each right side, the model."""
    parsed_lets = [parse_let(text) for text in lets]
    sides = list(claim.sides)
    if wrt is not None:
        wrt_claim = parse_claim(wrt)
        if len(wrt_claim.sides) != 1:
            raise NotationError(f"--wrt {wrt!r} must be one variable such as W_{{ij}} or z_j")
        lhs_node: Node = Derivative(Symbol("H"), wrt_claim.sides[0])
        if isinstance(sides[0], Derivative) and len(sides) > 1:
            lhs_node = sides.pop(0)
    else:
        if _elided_left(claim.source):
            raise NotationError(
                "the chain starts with '=' (its left side is elided): give the left side or --wrt"
            )
        if len(sides) < 2:
            raise NotationError(
                "the claim has no left side: write LHS = RHS, or give --wrt with a right side"
            )
        lhs_node = sides.pop(0)
    mapper = Mapper([lhs_node, *sides], parsed_lets, loss=loss, convention=convention, classes=classes)
    lhs_pre, *side_nodes = mapper.nodes
    lhs = mapper.build(lhs_pre)
    lhs_restriction = mapper.restriction
    for condition in claim.conditions:
        indicator = mapper._condition(condition)
        lhs_restriction = indicator if lhs_restriction is None else lhs_restriction * indicator
    mapped: list[MappedSide] = []
    for original, node in zip(sides, side_nodes, strict=True):
        latex = format_node(original)
        mapper.restriction = None
        try:
            rhs = mapper.build(node)
            expr = _align(lhs, rhs, mapper)
        except NotationError as error:
            mapped.append(MappedSide(latex, None, str(error)))
            continue
        restriction = mapper.restriction
        if lhs_restriction is not None:
            restriction = lhs_restriction if restriction is None else restriction * lhs_restriction
        mapped.append(MappedSide(latex, expr, None, restriction))
    return replace(_display_names(lhs, mapped, mapper), lhs_latex=format_node(lhs_node))


def _elided_left(source: str) -> bool:
    text = source.strip()
    for prefix in (
        "$$",
        "$",
        "\\[",
        "\\begin{align*}",
        "\\begin{align}",
        "\\begin{aligned}",
        "\\begin{eqnarray}",
        "\\begin{split}",
        "&",
    ):
        text = text.removeprefix(prefix).strip()
    return text.startswith("=")


def _align(lhs: Tensor, rhs: Tensor, mapper: Mapper) -> sympy.Expr:
    if lhs.kinds == rhs.kinds:
        return _unify(lhs, rhs, "compare")
    if lhs.is_scalar and not rhs.is_scalar:
        free = _free_claim_indices(lhs.expr)
        substitution: dict[sympy.Idx, sympy.Idx] = {}
        for axis, kind in zip(rhs.axes, rhs.kinds, strict=True):
            candidates = [
                i for i in free if i.upper == mapper.size_expr(kind) and i not in substitution.values()
            ]
            if len(candidates) < 1:
                break
            substitution[axis] = candidates[0]
        if len(substitution) == len(rhs.axes):
            names = ", ".join(mapper.index_names.get(str(i), str(i)) for i in substitution.values())
            mapper.note(f"the vector on the right is read entry-wise, at index {names} of the left side")
            return rhs.expr.xreplace(substitution)
    if rhs.is_scalar and not lhs.is_scalar and not _free_claim_indices(rhs.expr):
        return rhs.expr
    raise NotationError(
        f"the left side is a {_shape_word(lhs)} but the right side is a {_shape_word(rhs)}"
        + (" (check --convention)" if len(lhs.axes) == 2 == len(rhs.axes) else "")
    )


def _free_claim_indices(expr: sympy.Expr) -> list[sympy.Idx]:
    bound: set[sympy.Basic] = set()
    found: list[sympy.Idx] = []
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Sum):
            bound.update(limit[0] for limit in node.limits)
        elif isinstance(node, sympy.Idx) and node not in found:
            found.append(node)
    return [i for i in found if i not in bound]


def _display_names(lhs: Tensor, sides: list[MappedSide], mapper: Mapper) -> MappedClaim:
    """Rename the left side's placeholders to letters the page does not use."""
    used = set(mapper.index_names.values()) | set(mapper.index_names)
    renaming: dict[sympy.Idx, sympy.Idx] = {}
    for axis, kind in zip(lhs.axes, lhs.kinds, strict=True):
        name = next(
            n for n in (*_DISPLAY_NAMES[kind], *(f"{kind[0]}{i}" for i in range(1, 99))) if n not in used
        )
        used.add(name)
        engine = f"{name}'" if name in RESERVED_INDEX_NAMES else name
        mapper.index_names[engine] = name
        renaming[axis] = sympy.Idx(engine, (axis.lower, axis.upper))
    lhs_expr = lhs.expr.xreplace(renaming)
    renamed = [
        replace(
            side,
            expr=side.expr.xreplace(renaming) if side.expr is not None else None,
            restriction=side.restriction.xreplace(renaming) if side.restriction is not None else None,
        )
        for side in sides
    ]
    for side in renamed:
        if side.expr is not None and any(str(i).startswith("ph") for i in _free_claim_indices(side.expr)):
            raise NotationError("a vector on the right has no matching index on the left side")
    free = tuple(_free_claim_indices(lhs_expr))
    return MappedClaim(
        lhs=lhs_expr,
        lhs_latex="",
        sides=tuple(renamed),
        model=mapper.model,
        mapping=tuple(mapper.entries.values()),
        notes=tuple(mapper.notes),
        assumptions=tuple(mapper.assumptions),
        index_names=dict(mapper.index_names),
        free_indices=free,
    )


def as_expr(value: sympy.Expr | int) -> sympy.Expr:
    """A size as a SymPy expression (constructor only)."""
    return sympy.Integer(value) if isinstance(value, int) else value


def number(value: Fraction) -> sympy.Rational:
    """An exact SymPy rational (constructor only)."""
    return sympy.Rational(value.numerator, value.denominator)
