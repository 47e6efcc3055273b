"""Index-form arrays for the code reader: values, sizes, broadcasting, reductions and products.

An array value of code is held in *index form*: an IR expression (:mod:`derive.claims.ast`) with one free
index per axis.  While code is read, index names are private placeholders (``"\\ue000" + number``), each
bound to a *dimension* (the size it runs over); dimensions are merged when code shows that two sizes are
equal (``x - y`` element-wise, ``a @ b`` over the shared axis, ``range(N)`` indexing the rows of ``x``).  At
the end :mod:`derive.claims.code` gives every dimension a letter stem and every placeholder a readable name
(``i``, ``j``, ``j2`` ...: the letters of an index name its dimension, the digits tell copies apart).

An axis of size one (``keepdims=True``, ``reshape(-1, 1)``, a MATLAB column's second axis) has no index.
Bound indices (of ``Sum`` and ``Max``) are always fresh, so substitution never captures a name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from fractions import Fraction
from typing import Any, Final, get_args

from derive.claims.ast import (
    Add,
    Condition,
    Div,
    KroneckerDelta,
    Max,
    Mul,
    Neg,
    Node,
    Number,
    Pow,
    Size,
    Sum,
    Symbol,
    Undefined,
)

PLACEHOLDER: Final = "\ue000"
SIZE_MARK: Final = "\ue001"

ZERO: Final = Number(Fraction(0))
ONE: Final = Number(Fraction(1))


class Refusal(Exception):
    """A construct the reader gives no meaning (the message names it; ``at`` locates it)."""

    def __init__(self, message: str, at: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.at = at


@dataclass(frozen=True)
class Arr:
    """An array (or scalar, with no axes) in index form.

    ``axes`` holds the placeholder of each axis (None for an axis of size one) and ``dims`` its dimension.
    ``sources`` names the inputs whose assumed number of axes decided this value's; ``size_of`` marks a
    scalar that is the size of a dimension, ``index_of`` a scalar that is an index (a loop variable) over
    one; ``is_cond`` marks a comparison (``node`` is an ``Indicator``); ``default`` is a parameter's default
    value, used where code needs a constant (an axis number).
    """

    node: Node
    axes: tuple[str | None, ...] = ()
    dims: tuple[int | None, ...] = ()
    sources: frozenset[str] = frozenset()
    size_of: int | None = None
    index_of: int | None = None
    is_cond: bool = False
    default: object = None

    @property
    def rank(self) -> int:
        return len(self.axes)

    @property
    def proper(self) -> int:
        """The number of axes longer than one."""
        return sum(1 for axis in self.axes if axis is not None)


# --------------------------------------------------------------------------------------------------------
# Building IR with light simplification (identities only: the reader never evaluates)
# --------------------------------------------------------------------------------------------------------


def number(value: Fraction | int) -> Node:
    value = Fraction(value)
    return Neg(Number(-value)) if value < 0 else Number(value)


def constant_of(node: Node) -> Fraction | None:
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Neg) and isinstance(node.operand, Number):
        return -node.operand.value
    return None


def add(*terms: Node) -> Node:
    flat: list[Node] = []
    for term in terms:
        flat.extend(term.terms if isinstance(term, Add) else (term,))
    flat = [t for t in flat if constant_of(t) != 0]
    if not flat:
        return ZERO
    return flat[0] if len(flat) == 1 else Add(tuple(flat))


def neg(node: Node) -> Node:
    if isinstance(node, Neg):
        return node.operand
    if constant_of(node) == 0:
        return ZERO
    return Neg(node)


def sub(left: Node, right: Node) -> Node:
    return add(left, neg(right))


def mul(*factors: Node) -> Node:
    flat: list[Node] = []
    sign = 1
    for factor in factors:
        if isinstance(factor, Neg) and not isinstance(factor.operand, Number):
            sign = -sign
            factor = factor.operand
        flat.extend(factor.factors if isinstance(factor, Mul) else (factor,))
    if any(constant_of(f) == 0 for f in flat):
        return ZERO
    kept: list[Node] = []
    for f in flat:
        c = constant_of(f)
        if c == 1:
            continue
        if c == -1:
            sign = -sign
            continue
        kept.append(f)
    body: Node = ONE if not kept else kept[0] if len(kept) == 1 else Mul(tuple(kept))
    return neg(body) if sign < 0 else body


def div(numerator: Node, denominator: Node) -> Node:
    if constant_of(denominator) == 1:
        return numerator
    if constant_of(numerator) == 0:
        return ZERO
    return Div(numerator, denominator)


def power(base: Node, exponent: Node) -> Node:
    if constant_of(exponent) == 1:
        return base
    return Pow(base, exponent)


# --------------------------------------------------------------------------------------------------------
# Generic traversal of IR nodes
# --------------------------------------------------------------------------------------------------------

#: Every IR node type (read from the ``Node`` union, so nodes added to the IR are traversed too).
_NODE_TYPES: Final = (*get_args(Node), Condition)


def map_children(node: Node, function: Callable[[Node], Node]) -> Node:
    """Rebuild ``node`` with ``function`` applied to each direct child node (dataclass fields)."""
    changes: dict[str, Any] = {}
    for f in fields(node):
        value = getattr(node, f.name)
        new = _map_value(value, function)
        if new is not value:
            changes[f.name] = new
    return replace(node, **changes) if changes else node


def _map_value(value: object, function: Callable[[Node], Node]) -> object:
    if isinstance(value, _NODE_TYPES):
        return function(value)
    if isinstance(value, tuple):
        items = tuple(_map_value(v, function) for v in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


def children(node: Node) -> Iterable[Node]:
    for f in fields(node):
        yield from _values(getattr(node, f.name))


def _values(value: object) -> Iterable[Node]:
    if isinstance(value, _NODE_TYPES):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _values(item)


def is_placeholder(node: Node) -> bool:
    return isinstance(node, Symbol) and not node.indices and node.name.startswith(PLACEHOLDER)


def free_placeholders(node: Node) -> set[str]:
    """Placeholders that occur free in ``node``."""
    found: set[str] = set()

    def walk(n: Node, bound: frozenset[str]) -> None:
        if isinstance(n, Symbol) and n.name.startswith(PLACEHOLDER) and n.name not in bound:
            found.add(n.name)
        if isinstance(n, (Sum, Max)) and n.index is not None:
            bound = bound | {n.index}
        for child in children(n):
            walk(child, bound)

    walk(node, frozenset())
    return found


def contains(node: Node, predicate: Callable[[Node], bool]) -> bool:
    if predicate(node):
        return True
    return any(contains(child, predicate) for child in children(node))


# --------------------------------------------------------------------------------------------------------
# Dimensions and placeholders
# --------------------------------------------------------------------------------------------------------


class Dims:
    """Dimensions (sizes), merged with union-find, and the placeholders that run over them."""

    def __init__(self) -> None:
        self.parent: list[int] = []
        self.hint: list[str] = []
        self.size_name: dict[int, str] = {}
        self.of_placeholder: dict[str, int] = {}
        self.count = 0

    def new(self, hint: str) -> int:
        self.parent.append(len(self.parent))
        self.hint.append(hint)
        return len(self.parent) - 1

    def find(self, dim: int) -> int:
        while self.parent[dim] != dim:
            self.parent[dim] = self.parent[self.parent[dim]]
            dim = self.parent[dim]
        return dim

    def unify(self, a: int | None, b: int | None) -> None:
        if a is None or b is None:
            return
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            low, high = sorted((ra, rb))
            self.parent[high] = low
            if high in self.size_name and low not in self.size_name:
                self.size_name[low] = self.size_name[high]

    def fresh(self, dim: int) -> str:
        self.count += 1
        name = f"{PLACEHOLDER}{self.count}"
        self.of_placeholder[name] = dim
        return name

    def dim(self, placeholder: str) -> int:
        return self.of_placeholder[placeholder]

    def size(self, dim: int) -> Node:
        return Size(f"{SIZE_MARK}{dim}")


# --------------------------------------------------------------------------------------------------------
# Substitution of indices
# --------------------------------------------------------------------------------------------------------


def simple_index(node: Node) -> bool:
    """Whether a node may stand as a symbol's index as it is (a placeholder or a number)."""
    return is_placeholder(node) or isinstance(node, Number)


def substitute(node: Node, mapping: dict[str, Node], dims: Dims) -> Node:
    """Replace free placeholders (simultaneously).

    An input's entry at an index that is not an index (a label ``y_i``) becomes
    ``Sum(f, x_f * delta(f, y_i))``.
    """
    if not mapping:
        return node

    def go(n: Node) -> Node:
        if isinstance(n, Symbol):
            if not n.indices:
                return mapping.get(n.name, n)
            new: list[Node] = []
            wraps: list[tuple[str, Node]] = []
            for index in n.indices:
                if is_placeholder(index) and index.name in mapping:  # type: ignore[union-attr]
                    rep = mapping[index.name]  # type: ignore[union-attr]
                    if simple_index(rep):
                        new.append(rep)
                    else:
                        f = dims.fresh(dims.dim(index.name))  # type: ignore[union-attr]
                        new.append(Symbol(f))
                        wraps.append((f, rep))
                else:
                    new.append(go(index))
            out: Node = replace(n, indices=tuple(new))
            for f, rep in reversed(wraps):
                out = Sum(f, None, None, mul(out, KroneckerDelta(Symbol(f), rep)))
            return out
        return map_children(n, go)

    return go(node)


def rename(node: Node, mapping: dict[str, str], dims: Dims) -> Node:
    return substitute(node, {k: Symbol(v) for k, v in mapping.items() if k != v}, dims)


def sum_over(index: str, body: Node, dims: Dims) -> Node:
    """``Sum(index, body)``, with ``sum_f delta(f, x) g(f) = g(x)`` applied when ``x`` is an index."""
    factors = list(body.factors) if isinstance(body, Mul) else [body]
    for position, factor in enumerate(factors):
        if isinstance(factor, KroneckerDelta):
            for this, other in ((factor.i, factor.j), (factor.j, factor.i)):
                if (
                    isinstance(this, Symbol)
                    and this.name == index
                    and not this.indices
                    and is_placeholder(other)
                    and other != this
                ):
                    rest = factors[:position] + factors[position + 1 :]
                    dims.unify(dims.dim(index), dims.dim(other.name))  # type: ignore[union-attr]
                    return substitute(mul(*rest) if rest else ONE, {index: other}, dims)
    if index not in free_placeholders(body):
        return mul(dims.size(dims.dim(index)), body)
    return Sum(index, None, None, body)


# --------------------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------------------


def align(values: Sequence[Arr], dims: Dims, left: bool = False) -> tuple[list[Node], Arr]:
    """Broadcast values together (NumPy aligns the last axes; Julia, ``left``, the first).

    Returns each value's node renamed onto the common axes, and an empty-node ``Arr`` with those axes.
    """
    rank = max((v.rank for v in values), default=0)
    axes: list[str | None] = [None] * rank
    shape: list[int | None] = [None] * rank
    for v in values:
        pad = 0 if left else rank - v.rank
        for k, (axis, dim) in enumerate(zip(v.axes, v.dims, strict=True)):
            if axis is not None and axes[pad + k] is None:
                # s[:, None] * s[None, :]: one name on two axes would be the diagonal; the second is new
                taken = axis in axes and dim is not None
                axes[pad + k] = dims.fresh(dim) if taken and dim is not None else axis
                shape[pad + k] = dim
    nodes: list[Node] = []
    for v in values:
        pad = 0 if left else rank - v.rank
        mapping: dict[str, str] = {}
        for k, (axis, dim) in enumerate(zip(v.axes, v.dims, strict=True)):
            target = axes[pad + k]
            if axis is None or target is None:
                continue
            dims.unify(shape[pad + k], dim)
            if axis != target:
                mapping[axis] = target
        nodes.append(rename(v.node, mapping, dims))
    sources = frozenset().union(*(v.sources for v in values)) if values else frozenset()
    return nodes, Arr(ZERO, tuple(axes), tuple(shape), sources)


def with_node(shape: Arr, node: Node) -> Arr:
    return Arr(node, shape.axes, shape.dims, shape.sources)


def reduce_axes(value: Arr, positions: Sequence[int], kind: str, keepdims: bool, dims: Dims) -> Arr:
    """Sum, mean or max over the given axes (``kind`` is ``sum``, ``mean``, ``max`` or ``min``)."""
    node = value.node
    count: list[Node] = []
    for position in sorted(set(positions), reverse=True):  # the first axis's sum outermost
        axis = value.axes[position]
        if axis is None:
            continue
        dim = value.dims[position]
        assert dim is not None
        bound = dims.fresh(dim)
        body = rename(node, {axis: bound}, dims)
        if kind in ("sum", "mean"):
            node = sum_over(bound, body, dims)
            count.append(dims.size(dim))
        elif kind == "max":
            node = Max(bound, body)
        else:
            node = neg(Max(bound, neg(body)))
    if kind == "mean" and count:
        count.reverse()
        node = div(node, count[0] if len(count) == 1 else Mul(tuple(count)))
    keep = set(positions)
    axes: list[str | None] = []
    shape: list[int | None] = []
    for position, (axis, dim) in enumerate(zip(value.axes, value.dims, strict=True)):
        if position in keep:
            if keepdims:
                axes.append(None)
                shape.append(None)
        else:
            axes.append(axis)
            shape.append(dim)
    return Arr(node, tuple(axes), tuple(shape), value.sources)


def contract(left: Arr, right: Arr, left_axis: int, right_axis: int, dims: Dims, what: str) -> Arr:
    """The product of two arrays summed over one axis of each (matrix products, ``dot``)."""
    if {a for a in left.axes if a is not None} & {b for b in right.axes if b is not None}:
        right = refresh(right, dims)  # x @ x.T: the two sides need their own indices
    a_axis, a_dim = left.axes[left_axis], left.dims[left_axis]
    b_axis, b_dim = right.axes[right_axis], right.dims[right_axis]
    if (a_axis is None) != (b_axis is None):
        # One inner size is 1 and the other an axis of the model (2 or more at every size checked): the
        # code stops here with a size error, so the value it claims does not exist. Its shape is taken
        # as the product's with the short side transposed (the product that conforms): the other side's
        # remaining axes.
        long, axis = (right, right_axis) if a_axis is None else (left, left_axis)
        return Arr(
            Undefined(f"{what} is not defined: one inner size is 1, the other the size of an axis"),
            long.axes[:axis] + long.axes[axis + 1 :],
            long.dims[:axis] + long.dims[axis + 1 :],
            left.sources | right.sources,
        )
    a_node, b_node = left.node, right.node
    shared: str | None = None
    if a_axis is not None and b_axis is not None:
        dims.unify(a_dim, b_dim)
        assert a_dim is not None
        shared = dims.fresh(a_dim)
        a_node = rename(a_node, {a_axis: shared}, dims)
        b_node = rename(b_node, {b_axis: shared}, dims)
    body = mul(a_node, b_node)
    node = sum_over(shared, body, dims) if shared is not None else body
    axes = (
        left.axes[:left_axis]
        + left.axes[left_axis + 1 :]
        + right.axes[:right_axis]
        + right.axes[right_axis + 1 :]
    )
    shape = (
        left.dims[:left_axis]
        + left.dims[left_axis + 1 :]
        + right.dims[:right_axis]
        + right.dims[right_axis + 1 :]
    )
    return Arr(node, axes, shape, left.sources | right.sources)


def outer(left: Arr, right: Arr, dims: Dims) -> Arr:
    """Every product of an entry of ``left`` with an entry of ``right`` (the axes of both, in order)."""
    if {a for a in left.axes if a is not None} & {b for b in right.axes if b is not None}:
        right = refresh(right, dims)
    return Arr(
        mul(left.node, right.node),
        left.axes + right.axes,
        left.dims + right.dims,
        left.sources | right.sources,
    )


def refresh(value: Arr, dims: Dims) -> Arr:
    """The same array with fresh placeholders on its axes (to multiply an array by itself)."""
    mapping: dict[str, str] = {}
    axes: list[str | None] = []
    for axis, dim in zip(value.axes, value.dims, strict=True):
        if axis is None or dim is None:
            axes.append(None)
            continue
        new = dims.fresh(dim)
        mapping[axis] = new
        axes.append(new)
    return replace(value, node=rename(value.node, mapping, dims), axes=tuple(axes))


def transpose(value: Arr, order: Sequence[int] | None = None) -> Arr:
    positions = list(order) if order is not None else list(range(value.rank))[::-1]
    return replace(
        value,
        axes=tuple(value.axes[p] for p in positions),
        dims=tuple(value.dims[p] for p in positions),
    )
