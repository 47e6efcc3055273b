"""Symbolic execution of claim code: Python ``ast`` nodes in, index-form values out (never executed).

The engine walks a whitelist of ``ast`` node types (other languages are translated into the same nodes by
:mod:`derive.claims.code_syntax`, with their own :class:`Dialect`) and keeps an environment from names to
values.  Arrays are :class:`~derive.claims.code_index.Arr` values in index form.  Inputs (parameters,
names used before they are assigned, attributes such as ``self.probs`` that the text does not assign,
results of functions that the text does not define) become IR symbols with one index per axis.

How many axes an input has is not written in code.  It is inferred: from the name (``alpha``, ``reg``,
``N``, ``grad_output`` are numbers; see :data:`SCALAR_NAMES`), from type annotations, and from use (an
``axis=1``, ``x[range(N), y]``, ``x.shape[1]``, element-wise use next to a larger array).  A use that needs
more axes than assumed raises :class:`Restart` and the text is read again with the revised assumption;
every assumption is reported in the notes.

Statements that the engine cannot read leave their targets *unreadable* (with the reason and the place);
the reading fails only if the result or the loss needs one of them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Final, TypeAlias

from derive.claims.ast import (
    Add,
    Cases,
    Condition,
    Indicator,
    KroneckerDelta,
    Mul,
    Neg,
    Node,
    Number,
    Sum,
    Symbol,
)
from derive.claims.code_index import (
    ONE,
    ZERO,
    Arr,
    Dims,
    Refusal,
    add,
    align,
    constant_of,
    contract,
    div,
    free_placeholders,
    is_placeholder,
    map_children,
    mul,
    neg,
    number,
    power,
    rename,
    sub,
    substitute,
    sum_over,
    with_node,
)

# --------------------------------------------------------------------------------------------------------
# Languages
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dialect:
    """How a language's arrays behave."""

    name: str
    one_based: bool = False
    matlab_shapes: bool = False  # every array has two axes; a vector is a column until code says otherwise
    left_broadcast: bool = False  # Julia broadcasting aligns the first axes
    reduce_first: bool = False  # sum(x) reduces the first axis longer than one (MATLAB)
    call_indexes: bool = False  # a(i) reads an entry of an array a (MATLAB, Armadillo, Eigen)


PYTHON: Final = Dialect("python")

#: Names of label arrays that are plural: one label per example (``probs[:, labels] -= 1`` writes at every
#: example's label in every row, never at one class).
_PLURAL_LABELS: Final = re.compile(r"\w*(?:labels|targets|classes|class_ids|label_ids)")

#: Languages whose ``b = a`` binds b to a's array (no copy): writing into one writes into both.
_REFERENCE_ARRAYS: Final = frozenset({"python", "julia", "javascript", "typescript", "lua", "java"})
#: Languages whose == compares two numbers (never two arrays entry by entry, as NumPy and MATLAB do).
_SCALAR_EQUALITY: Final = frozenset({"javascript", "typescript", "lua", "java", "c", "c++", "cuda", "julia"})

#: Inputs with these names are numbers (hyperparameters, sizes, the incoming gradient of a scalar loss)
#: unless code indexes or reduces them.
SCALAR_NAMES: Final = re.compile(
    r"_*(alpha|gamma|beta|reg|reg_strength|lam|lamb|lambda_?|lmbda|lr|learning_rate|eps|epsilon|ϵ|ε|α|β|γ|λ|τ|T|temp|"
    r"temperature|tau|smoothing|label_smoothing|scale|\w+_scale|\w+_factor|scale_\w+|margin|momentum|"
    r"\w*[a-z]Size|\w*[a-z]Count|num[A-Z]\w*|n[A-Z]\w*|weight_decay|decay|loss|cost|total|\w+_loss|loss_\w+|n|m|N|M|K|C|D|batch|batch_size|bs|n_samples|nsamples|num_\w+|n_\w+|\w+_size|\w+_count|"
    r"count|grad_output|grad_out|out_grad|dout|dloss|grad_losses?|upstream|step|order|total_classes|"
    r"block_idx|row_idx|col_offset|row|col|label|label_idx|\w+_idx|ignore_index|dY_scaled|\w+_stride\w*|"
    r"stride\w*|lse|\w+_max|max_\w+|sum_\w+|\w+_sum|dims?|axis)"
)
#: Inputs named by one capital letter are matrices (X, W, Y, A, Z, P): the page's own convention.
MATRIX_NAMES: Final = re.compile(r"[A-Z]\d?|[A-Z]_?(train|batch|hat|pred|true|T)|d[A-Z]\d?|\w+_[A-Z]\d?")

#: Biases are vectors, broadcast over the examples.
VECTOR_NAMES: Final = re.compile(r"b\d?|bias\w*|b_\w+")


def short_name(name: str) -> str:
    """An input's own name without the object it belongs to: ``self.W1`` and ``self.params['W1']`` are W1."""
    if (entry := re.fullmatch(r".*\[['\"](\w+)['\"]\]", name)) is not None:
        return entry[1]
    return name.split(".")[-1]


#: Inputs that hold a layer's weights (their rows or columns are the classes of a product they enter).
WEIGHT_NAMES: Final = re.compile(r"W\d?|W_\w+|w\d?|weights?\d?|weights?_\w+|theta\d?|Theta\d?")

#: Names that say an axis counts examples (``batch = y.size(0)``).
_SIZE_HINT: Final = re.compile(
    r"(batch|batch_size|bs|N|n_samples|nsamples|num_samples|num_examples|n_examples|num_train|m|"
    r"n_train|num_inputs)"
)

#: Module prefixes whose functions are looked up by their last name (np.exp -> exp).
MODULES: Final = frozenset(
    "np numpy torch tl F math jnp jax scipy special nn functional math_ops tf arma std Math cp "
    "nd Nd4j nnf libdevice".split()
)

#: Expression statements that do nothing to the values (printing, assertions).
SINKS: Final = frozenset(
    "print printf disp display assert puts println fprintf log.info console.log warn _check_sizes".split()
)


#: A value whose expression, written out, has more nodes than this is refused (code that squares a value
#: again and again would otherwise grow without bound).
MAX_EXPRESSION_NODES: Final = 5_000


def expanded_size(node: Node) -> int:
    """The number of nodes of ``node`` written out (shared parts counted each time), in linear time."""
    from derive.claims.code_index import children

    sizes: dict[int, int] = {}

    def size(n: Node) -> int:
        key = id(n)
        if key not in sizes:
            sizes[key] = min(1 + sum(size(c) for c in children(n)), 10 * MAX_EXPRESSION_NODES)
        return sizes[key]

    return size(node)


class Restart(Exception):
    """Inputs need another number of axes: read again (``changes``: name -> (rank, how))."""

    def __init__(self, changes: dict[str, tuple[int, str]], why: str) -> None:
        super().__init__(f"{', '.join(changes)}: ({why})")
        self.changes = changes
        self.why = why


# --------------------------------------------------------------------------------------------------------
# Values other than arrays
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Static:
    """A constant known while reading: a number, string, bool, None, Ellipsis."""

    value: object


@dataclass(frozen=True)
class Tup:
    items: tuple[Value, ...]


@dataclass(frozen=True)
class ShapeTup(Tup):
    """``x.shape``: the sizes of x's axes (unpacking it into more names asks for more axes)."""

    of: Arr | None = None


@dataclass(frozen=True)
class Func:
    node: ast.FunctionDef | ast.Lambda
    owner: str | None
    name: str


@dataclass(frozen=True)
class Lib:
    """A library module or function (``np``, ``np.exp``, ``torch.sum``, ``len``)."""

    path: str


@dataclass(frozen=True)
class Bound:
    """A method of a value, not yet called (``x.sum``)."""

    obj: Value
    name: str


@dataclass(frozen=True)
class SliceV:
    lower: Value | None
    upper: Value | None
    step: Value | None


@dataclass(frozen=True)
class Unread:
    """A value the engine could not read, with the reason (raised if the result needs it)."""

    message: str
    at: object = None


@dataclass(frozen=True)
class Obj:
    """An object whose attributes are values (``self``, a context): attributes live at ``path.attr``."""

    path: str


@dataclass(frozen=True)
class Ptr:
    """A Triton pointer: an array and an offset (of which only the vector part selects entries)."""

    name: str
    offset: Arr | None


@dataclass(frozen=True)
class Pairs:
    """MATLAB ``sub2ind(size(a), rows, cols)``: the entries at (rows(q), cols(q))."""

    rows: Arr
    cols: Arr


@dataclass(frozen=True)
class Argmax:
    """MATLAB's second output of ``max(x, [], d)``: the position of the largest entry along axis d."""

    of: Arr
    position: int


@dataclass(frozen=True)
class Lazy:
    """A parameter not yet used: an input when used as a value, an object when its attributes are."""

    name: str
    annotation: str | None
    default: object


@dataclass(frozen=True)
class SizeAttr:
    """NumPy's ``x.size`` (the number of entries) or torch's ``x.size(d)`` (a method)."""

    of: Arr


Value: TypeAlias = (
    Arr | Static | Tup | Func | Lib | Bound | SliceV | Unread | Obj | Ptr | Pairs | Lazy | SizeAttr | Argmax
)


@dataclass(frozen=True)
class Record:
    """A named value the text defines."""

    name: str
    value: Arr | Unread
    line: int
    kind: str  # "assignment", "return", "parameter"
    function: str | None
    reads: frozenset[str] = frozenset()  # the names the defining statement reads


@dataclass
class Loop:
    var: str
    dim: int
    accumulators: frozenset[str]
    #: Names the loop's body binds afresh (``p = ...``): a value of one pass, not carried between passes.
    fresh: frozenset[str] = frozenset()


@dataclass
class Frame:
    env: dict[str, Value]
    function: str | None
    owner: str | None
    record: bool = True
    loops: list[Loop] = field(default_factory=list)
    returned: Value | None = None
    done: bool = False
    tainted: Unread | None = None  # a loop that could not be read
    #: Names bound to one array by ``b = a`` (NumPy aliases: writing into one writes into all).
    shared: dict[str, frozenset[str]] = field(default_factory=dict)


class _Return(Exception):
    pass


_MAX_CALL_DEPTH: Final = 8
_MAX_LOOP_DEPTH: Final = 6


def _where(at: object) -> str:
    line = getattr(at, "lineno", None)
    column = getattr(at, "col_offset", None)
    if line is None:
        return ""
    return f"line {line}, column {(column or 0) + 1}: "


def _text(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # a translated node may not unparse; the message then names its type
        text = type(node).__name__
    return text if len(text) <= 60 else text[:57] + "..."


# --------------------------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------------------------


class Engine:
    """Reads one text (a module of ``ast`` statements) into records of index-form values."""

    def __init__(self, dialect: Dialect, plan: dict[str, tuple[int, str]]) -> None:
        self.dialect = dialect
        self.plan = plan
        self.dims = Dims()
        self.records: list[Record] = []
        self.returns: dict[str, list[str]] = {}
        self.return_heads: dict[str, str] = {}
        self.statement_reads: list[
            tuple[int, frozenset[str]]
        ] = []  # function -> the variable its one returned value is built on
        self.notes: list[str] = []
        #: A softmax ran over each column (MATLAB, Julia): a matrix's classes are its rows.
        self.classes_in_columns = False
        #: A softmax whose axis the code does not give ran over each row (NumPy's last axis) ...
        self.softmax_rows_assumed = False
        #: ... or is to run over each column (the reading with the examples in columns).
        self.softmax_columns = False
        #: Names imported from a module (``softmax`` -> ``scipy.special.softmax``).
        self.imported: dict[str, str] = {}
        self.class_labels: set[str] = set()
        self.inputs: dict[str, Arr] = {}
        self.rank_why: dict[str, str] = {}
        self.functions: dict[str, Func] = {}
        self.depth = 0
        self.taken_names: set[str] = set()
        self.libraries: set[str] = set()
        self._active_loops: list[str] = []
        self.free_names: set[str] = set()
        #: Functions the text calls without defining them, whose values are read as opaque inputs.
        self.opaque_calls: set[str] = set()
        self._scalar_test = False  # evaluating the test of an if (see :meth:`condition`)
        self._block_dim: int | None = None
        #: A hidden layer's output, read as an input from the line that multiplies it by a later layer's
        #: weights on (line -> names; see :func:`derive.claims.code.layer_inputs`).
        self.cuts: dict[int, tuple[str, ...]] = {}

    def block_dim(self) -> int:
        """The columns of a Triton row (every ``tl.arange`` of the text runs over them)."""
        if self._block_dim is None:
            self._block_dim = self.dims.new("columns of the row")
        return self._block_dim

    # ---- notes --------------------------------------------------------------------------------------

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # ---- inputs -------------------------------------------------------------------------------------

    def default_rank(self, name: str, annotation: str | None) -> tuple[int, str]:
        if name in self.plan:
            return self.plan[name]
        short = short_name(name)
        if annotation == "scalar":
            return 0, "type"
        if annotation == "array":
            if MATRIX_NAMES.fullmatch(short):
                return 2, "name"
            return 1, "type-array"
        if annotation == "matrix":
            return 2, "type"
        if SCALAR_NAMES.fullmatch(short):
            return 0, "name"
        if MATRIX_NAMES.fullmatch(short):
            return 2, "name"
        if VECTOR_NAMES.fullmatch(short):
            return 1, "name"
        return 1, "default"

    def input(self, name: str, at: object, annotation: str | None = None, default: object = None) -> Arr:
        if name in self.inputs:
            return self.inputs[name]
        rank, how = self.default_rank(name, annotation)
        self.plan.setdefault(name, (rank, how))
        if self.dialect.matlab_shapes and rank > 2:
            raise Refusal(f"{name} would need {rank} axes")
        axes: list[str | None] = []
        shape: list[int | None] = []
        for k in range(rank):
            dim = self.dims.new(f"axis {k} of {name}")
            axes.append(self.dims.fresh(dim))
            shape.append(dim)
        if self.dialect.matlab_shapes and rank == 1:
            axes.append(None)
            shape.append(None)
        node: Node = Symbol(name, tuple(Symbol(a) for a in axes if a is not None))
        sources = frozenset({name})
        value = Arr(node, tuple(axes), tuple(shape), sources, default=default)
        self.inputs[name] = value
        if how == "default" and rank >= 1:
            self.rank_why.setdefault(name, "assumed: the code does not fix it")
        return value

    def need_rank(self, value: Arr, rank: int, why: str, proper: bool = False) -> None:
        """Ask for at least ``rank`` axes (``proper``: axes longer than one); revise an input if possible."""
        have = value.proper if proper else value.rank
        if have >= rank:
            return
        open_sources = {n: self.plan.get(n, (0, "default")) for n in value.sources}
        revisable = {
            n: r
            for n, (r, how) in open_sources.items()
            if how in ("default", "type-array", "batch", "matched")
        }
        if not revisable:
            revisable = {n: r for n, (r, how) in open_sources.items() if how in ("name", "fixed")}
        if revisable:
            step = rank - have if len(revisable) == 1 else 1
            raise Restart({n: (r + step, "fixed") for n, r in revisable.items()}, why)
        raise Refusal(f"{why}: the value has {have} axes, not {rank}")

    def widen_input(self, value: Arr, what: str) -> None:
        """A MATLAB input assumed to be a column but multiplied as a matrix: read it as a matrix."""
        node = value.node
        while isinstance(node, Neg):
            node = node.operand
        for name in value.sources:
            base = self.inputs.get(name)
            rank, how = self.plan.get(name, (1, "default"))
            if base is not None and node == base.node and how == "default" and rank == 1:
                raise Restart({name: (2, "fixed")}, f"{what} uses it as a matrix")

    def argmax_labels(self, name: str, value: Argmax) -> Arr:
        """``[~, idx] = max(correct, [], 2)``: idx holds a class label per row (an input named idx)."""
        of = value.of
        axes = tuple(a for k, a in enumerate(of.axes) if k != value.position)
        dims = tuple(d for k, d in enumerate(of.dims) if k != value.position)
        if self.dialect.matlab_shapes:
            axes = tuple(a if k != value.position else None for k, a in enumerate(of.axes))
            dims = tuple(d if k != value.position else None for k, d in enumerate(of.dims))
        label = Arr(Symbol(name, tuple(Symbol(a) for a in axes if a is not None)), axes, dims)
        self.inputs[name] = label
        self.plan.setdefault(name, (sum(1 for a in axes if a), "exact"))
        self.class_labels.add(name)
        self.note(
            f"{name}: the position of the largest entry along axis {value.position + 1} of "
            f"{_text_node(of.node)} (read as class labels)"
        )
        return label

    def batch_hint(self, dim: int, name: str) -> None:
        """``batch = y.size(0)``: axis 0 of y runs over examples, so y (a vector by default) is a matrix."""
        if self.dialect.name != "python":
            return  # a vector's length (C++ v.size(), MATLAB numel) says nothing more
        hint = self.dims.hint[dim]
        match = re.fullmatch(r"axis 0 of (.+)", hint)
        if match is None:
            return
        source = match.group(1)
        rank, how = self.plan.get(source, (1, "default"))
        if how == "default" and rank == 1:
            raise Restart({source: (2, "batch")}, f"{name} counts its rows, so they are examples")

    def fix_rank(self, value: Arr, rank: int, why: str) -> None:
        """Ask for exactly ``rank`` axes of an input used as a label array."""
        for name in sorted(value.sources):
            old, how = self.plan.get(name, (0, "default"))
            if (
                old != rank
                and how in ("default", "name", "type-array", "batch")
                and value.node == self.inputs.get(name, value).node
            ):
                raise Restart({name: (rank, "exact")}, why)

    # ---- errors -------------------------------------------------------------------------------------

    def refuse(self, message: str, at: object) -> Refusal:
        return Refusal(message, at)

    # ---- conversion ---------------------------------------------------------------------------------

    def arr(self, value: Value, at: object) -> Arr:
        """A value as an array (numbers become constants; sizes and loop indices are scalars)."""
        if isinstance(value, Arr):
            return value
        if isinstance(value, Static):
            v = value.value
            if isinstance(v, bool):
                return Arr(number(int(v)))
            if isinstance(v, int):
                return Arr(number(v))
            if isinstance(v, float):
                if v != v or v in (float("inf"), float("-inf")):
                    raise self.refuse("an infinite or NaN constant", at)
                return Arr(number(Fraction(repr(v))))
            raise self.refuse(f"{v!r} used as a number", at)
        if isinstance(value, Lazy):
            return self.input(value.name, at, value.annotation, value.default)
        if isinstance(value, SizeAttr):
            return self.total_size(value.of)
        if isinstance(value, Unread):
            raise Refusal(value.message, value.at)
        if isinstance(value, Tup) and len(value.items) == 2 and isinstance(value.items[1], Argmax):
            return self.arr(value.items[0], at)  # MATLAB max(x, [], d) used as a value: the largest entries
        if isinstance(value, Tup):
            return self.stack(value, at)
        if isinstance(value, Ptr):
            raise self.refuse("a pointer used as a number (load it with tl.load)", at)
        if isinstance(value, Bound) and isinstance(value.obj, Arr) and isinstance(value.obj.node, Symbol):
            # info[col].max: a field of each entry of an input array
            base, symbol = value.obj, value.obj.node
            name = f"{symbol.name}.{value.name}"
            self.note(f"{name}: a field of the entries of {symbol.name} (an input)")
            field_value = Arr(Symbol(name, symbol.indices), base.axes, base.dims, base.sources)
            self.inputs.setdefault(name, field_value)
            return field_value
        if isinstance(value, Lib) and "." not in value.path and value.path not in ("range", "len"):
            # a bare name that is also a function name, used as a value: a variable of the page
            return self.input(value.path, at)
        raise self.refuse(f"{_kind(value)} used as an array", at)

    def stack(self, value: Tup, at: object) -> Arr:
        """A literal vector such as [1, 2] is not read; shapes (tuples of sizes) are handled elsewhere."""
        raise self.refuse("a literal list or tuple used as an array", at)

    def static(self, value: Value, at: object, what: str) -> object:
        if isinstance(value, Static):
            return value.value
        if isinstance(value, Arr) and value.default is not None:
            self.note(f"{what}: the parameter's default {value.default!r} is used")
            return value.default
        if isinstance(value, Lazy) and value.default is not None:
            self.note(f"{what}: the parameter's default {value.default!r} is used")
            return value.default
        if isinstance(value, Unread):
            raise Refusal(value.message, value.at)
        raise self.refuse(f"{what} must be a constant", at)

    def static_int(self, value: Value, at: object, what: str) -> int:
        v = self.static(value, at, what)
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.refuse(f"{what} must be an integer constant", at)
        return v

    def total_size(self, value: Arr) -> Arr:
        sizes = [
            self.dims.size(d)
            for a, d in zip(value.axes, value.dims, strict=True)
            if a is not None and d is not None
        ]
        if not sizes:
            return Arr(ONE)
        return Arr(
            mul(*sizes) if len(sizes) > 1 else sizes[0], size_of=None if len(sizes) > 1 else _only_dim(value)
        )

    def size_value(self, value: Arr, position: int, at: object) -> Arr:
        if position < 0:
            position += value.rank
        self.need_rank(
            value, position + 1, f"{_text(at) if isinstance(at, ast.AST) else 'size'} reads axis {position}"
        )
        if position < 0 or position >= value.rank:
            raise self.refuse("an axis out of range", at)
        dim = value.dims[position]
        if value.axes[position] is None or dim is None:
            return Arr(ONE)
        return Arr(self.dims.size(dim), size_of=dim)

    # ---- element-wise arithmetic -------------------------------------------------------------------

    def elementwise(self, combine: Callable[..., Node], values: Sequence[Arr], at: object) -> Arr:
        self.match_ranks(values, at)
        left = self.dialect.left_broadcast or self._column_bias(values)
        nodes, shape = align(values, self.dims, left=left)
        self.check_diagonal(values, at)
        return with_node(shape, combine(*nodes))

    def match_ranks(self, values: Sequence[Arr], at: object, derived: bool = False) -> None:
        """An input of assumed rank used element-wise next to a larger array takes that array's rank.

        ``derived``: also a value computed from such inputs (an assignment into a larger slot).
        """
        measure = (lambda v: v.proper) if self.dialect.matlab_shapes else (lambda v: v.rank)
        top = max((measure(v) for v in values), default=0)
        if derived:
            for v in values:
                if v.proper < top and v.sources:
                    revisable = {
                        n: self.plan.get(n, (0, "default"))[0]
                        for n in v.sources
                        if self.plan.get(n, (0, "default"))[1] in ("default", "type-array")
                    }
                    if revisable:
                        raise Restart(
                            {n: (r + 1, "matched") for n, r in revisable.items()},
                            "assigned into a larger part of an array",
                        )
        if not derived:
            # a value computed from inputs of assumed rank, next to a larger array: those inputs grow
            for v in values:
                if not 0 < measure(v) < top:
                    continue
                growing = {
                    n: r
                    for n in v.sources
                    for r, how in [self.plan.get(n, (1, "default"))]
                    if how == "default" and r == measure(v)
                }
                if growing:
                    raise Restart(
                        {n: (r + top - measure(v), "matched") for n, r in growing.items()},
                        f"its values meet a {top}-axis array element-wise",
                    )
        for v in values:
            if measure(v) >= top or not v.sources or (measure(v) == 0 and v.node != self._input_node(v)):
                continue
            for name in sorted(v.sources):
                rank, how = self.plan.get(name, (0, "default"))
                base = self.inputs.get(name)
                if how in ("default", "type-array") and base is not None and v.node == base.node:
                    raise Restart(
                        {name: (rank + top - measure(v), "matched")},
                        f"used element-wise with a {top}-axis array",
                    )

    def weights_rows(self, value: Arr) -> bool:
        """Whether a matrix's first axis runs over the rows of the weights and its last does not: ``W @ X``
        (Ng's layout, the examples in the columns) puts the classes in its rows, where ``X @ W`` and
        ``X @ W.T`` put them in its columns."""
        if value.rank != 2 or None in value.dims:
            return False
        weights = {
            self.dims.find(dim)
            for name, arr in self.inputs.items()
            if arr.rank == 2 and WEIGHT_NAMES.fullmatch(short_name(name))
            for dim in arr.dims
            if dim is not None
        }
        first, last = (self.dims.find(dim) for dim in value.dims if dim is not None)
        return first in weights and last not in weights

    def _column_bias(self, values: Sequence[Arr]) -> bool:
        """``np.dot(W, X) + b``: a bias named as a vector, added to a product whose rows are the classes, is
        the column of shape k x 1 that the page's layout needs (NumPy would align a vector with the last
        axis, the examples): it is aligned with the rows, and the notes say so."""
        if len(values) != 2:
            return False
        for bias, matrix in (values, reversed(values)):
            name = next(iter(bias.sources), "") if len(bias.sources) == 1 else ""
            base = self.inputs.get(name)
            if (
                base is not None
                and bias.node == base.node
                and bias.rank == 1
                and self.plan.get(name, (0, ""))[1] == "name"
                and VECTOR_NAMES.fullmatch(short_name(name))
                and self.weights_rows(matrix)
            ):
                self.note(f"{name} is read as a column (an entry per row of the weights), added to each one")
                return True
        return False

    def _input_node(self, value: Arr) -> Node | None:
        for name in value.sources:
            base = self.inputs.get(name)
            if base is not None:
                return base.node
        return None

    def check_diagonal(self, values: Sequence[Arr], at: object) -> None:
        """Refuse an array filled in a loop read whole next to a value of the same loop's index."""
        axes = {a for v in values for a in v.axes if a is not None}
        for v in values:
            ambient = free_placeholders(v.node) - {a for a in v.axes if a is not None}
            if ambient & axes:
                raise self.refuse("an array filled in this loop is read whole inside the loop", at)

    def binary(self, op: ast.operator, left: Value, right: Value, at: ast.AST) -> Value:
        if isinstance(left, Static) and isinstance(right, Static):
            folded = _fold(op, left.value, right.value)
            if folded is not None:
                return folded
        if isinstance(left, Tup) and isinstance(right, Tup) and isinstance(op, ast.Add):
            return Tup(left.items + right.items)
        if isinstance(left, Ptr) and isinstance(op, ast.Add):
            return self.pointer_offset(left, self.arr(right, at), at)
        if isinstance(left, Unread):
            return left
        if isinstance(right, Unread):
            return right
        a, b = self.arr(left, at), self.arr(right, at)
        if isinstance(op, ast.MatMult):
            return self.matmul(a, b, at)
        if isinstance(op, ast.Add):
            return self.elementwise(add, [a, b], at)
        if isinstance(op, ast.Sub):
            return self.elementwise(sub, [a, b], at)
        if isinstance(op, ast.Mult):
            return self.elementwise(mul, [a, b], at)
        if isinstance(op, ast.Div):
            return self.elementwise(div, [a, b], at)
        if isinstance(op, ast.Pow):
            return self.elementwise(power, [a, b], at)
        raise self.refuse(f"the operator {type(op).__name__} in {_text(at)}", at)

    def pointer_offset(self, pointer: Ptr, offset: Arr, at: object) -> Ptr:
        if pointer.offset is None:
            return Ptr(pointer.name, offset)
        return Ptr(pointer.name, self.elementwise(add, [pointer.offset, offset], at))

    # ---- products -----------------------------------------------------------------------------------

    def matmul(self, a: Arr, b: Arr, at: object) -> Arr:
        what = f"the product {_text(at)}" if isinstance(at, ast.AST) else "a matrix product"
        for scalar, other in ((a, b), (b, a)):
            if scalar.rank == 0 and other.rank >= 1 and scalar.node == self._input_node(scalar):
                for name in scalar.sources:
                    if self.plan.get(name, (0, "default"))[1] == "name":
                        raise Restart({name: (other.rank, "fixed")}, f"{what} multiplies it as a matrix")
        if a.rank == 0 or b.rank == 0:
            return self.elementwise(mul, [a, b], at)
        if self.dialect.matlab_shapes or self.dialect.name in ("julia",):
            # a column (n x 1) or row times a matrix: MATLAB and Julia have no 1-D special case here
            left = a if a.rank >= 2 else Arr(a.node, (*a.axes, None), (*a.dims, None), a.sources)
            right = b if b.rank >= 2 else Arr(b.node, (*b.axes, None), (*b.dims, None), b.sources)
            if left.proper == 0 or right.proper == 0:
                return self.elementwise(mul, [a, b], at)
            if (left.axes[-1] is None) != (right.axes[0] is None):
                short = left if left.axes[-1] is None else right
                self.widen_input(short, what)
            result = contract(left, right, left.rank - 1, 0, self.dims, what)
            if self.dialect.name == "julia" and b.rank == 1:
                result = Arr(result.node, result.axes[:-1], result.dims[:-1], result.sources)
            return result
        if a.rank == 1 and b.rank == 1:
            return contract(a, b, 0, 0, self.dims, what)
        if b.rank == 1:
            return contract(a, b, a.rank - 1, 0, self.dims, what)
        if a.rank == 1:
            return contract(a, b, 0, b.rank - 2, self.dims, what)
        if a.rank == 2 and b.rank == 2:
            return contract(a, b, 1, 0, self.dims, what)
        raise self.refuse(f"{what} of arrays with {a.rank} and {b.rank} axes", at)

    # ---- indexing -----------------------------------------------------------------------------------

    def selection(
        self, base: Arr, items: Sequence[Value], at: object
    ) -> tuple[list[tuple[str, Node | str | None]], Arr]:
        """Resolve subscripts against ``base``: per axis ``("full", None)``, ``("plain", placeholder)``,
        ``("match", node)``; plus the shape (an empty-node ``Arr``) of the selected part."""
        items = list(items)
        if any(isinstance(i, Static) and i.value is Ellipsis for i in items):
            k = next(n for n, i in enumerate(items) if isinstance(i, Static) and i.value is Ellipsis)
            fill = base.rank - (
                len(items) - 1 - sum(1 for i in items if isinstance(i, Static) and i.value is None)
            )
            items = items[:k] + [SliceV(None, None, None)] * max(fill, 0) + items[k + 1 :]
        consumed = [i for i in items if not (isinstance(i, Static) and i.value is None)]
        if self.dialect.matlab_shapes and len(consumed) == 1 and base.rank == 2:
            # linear indexing of a vector: the index runs along its one long axis
            if base.proper > 1:
                linear = consumed[0]
                if isinstance(linear, Pairs):
                    return self.pair_selection(base, linear, at)
                raise self.refuse("linear indexing of a matrix", at)
            long = 0 if base.axes[0] is not None or base.axes[1] is None else 1
            consumed = [SliceV(None, None, None)] * long + consumed + [SliceV(None, None, None)] * (1 - long)
            items = consumed
        if len(consumed) == 1 and isinstance(consumed[0], Pairs):
            return self.pair_selection(base, consumed[0], at)
        if len(consumed) == 1 and isinstance(consumed[0], Arr):
            strided = _strided_indices(consumed[0], self.dims)
            if strided is not None and len(strided) > 1:
                self.note(
                    f"{_describe(at)}: a flat index with strides read as the entry at each index in turn"
                )
                self.need_rank(
                    base, len(strided), f"{_describe(at)} is a flat index over {len(strided)} axes"
                )
                items = consumed = list(strided)
        self.need_rank(
            base,
            len(consumed),
            f"{_text(at) if isinstance(at, ast.AST) else 'an index'} has {len(consumed)} subscripts",
        )
        if len(consumed) > base.rank:
            raise self.refuse("more subscripts than axes", at)
        plan: list[tuple[str, Node | str | None]] = []
        advanced: list[tuple[int, Arr]] = []
        out_axes: list[tuple[str | None, int | None] | str] = []
        position = 0
        for item in items:
            if isinstance(item, Static) and item.value is None:
                out_axes.append((None, None))
                continue
            axis, dim = base.axes[position], base.dims[position]
            if isinstance(item, SliceV):
                if item.lower is not None or item.upper is not None or item.step is not None:
                    raise self.refuse("a slice with bounds", at)
                plan.append(("full", None))
                out_axes.append((axis, dim))
            elif (
                isinstance(item, Static) and isinstance(item.value, int) and not isinstance(item.value, bool)
            ):
                k = item.value
                if k < 0:
                    raise self.refuse("a negative subscript", at)
                if axis is None:
                    plan.append(("full", None))
                else:
                    plan.append(("match", number(k if self.dialect.one_based else k + 1)))
            else:
                index = self.arr(item, at)
                if index.is_cond:
                    raise self.refuse("indexing with a boolean mask", at)
                if index.rank == 0 and index.index_of is not None:
                    self.dims.unify(index.index_of, dim)
                    plan.append(("plain", _placeholder_name(index.node)))
                elif index.rank == 0:
                    if axis is None:
                        plan.append(("full", None))
                    else:
                        plan.append(("match", index.node))
                        self.label(index, dim, at)
                else:
                    plan.append(("advanced", None))
                    advanced.append((position, index))
                    out_axes.append("advanced")
            position += 1
        for _ in range(position, base.rank):
            plan.append(("full", None))
            out_axes.append((base.axes[position], base.dims[position]))
            position += 1
        # advanced (array) subscripts broadcast together
        shape_axes: list[str | None] = []
        shape_dims: list[int | None] = []
        if advanced and len(advanced) == 1 and len(consumed) == 1:
            ((_, only),) = advanced
            one_label = self.dialect.name != "python" or base.proper == 1
            if one_label and only.rank == 1 and only.node == self._input_node(only):
                for name in only.sources:
                    if self.plan.get(name, (1, "default"))[1] == "default":
                        raise Restart(
                            {name: (0, "exact")}, f"{_describe(at)} reads one entry at it: one label"
                        )
        if advanced:
            for _, index in advanced:
                self.fix_rank(
                    index, 1, f"{_text(at) if isinstance(at, ast.AST) else 'an index'} indexes with it"
                )
            nodes, common = align([a for _, a in advanced], self.dims)
            ranged = False
            for (position, index), node in zip(advanced, nodes, strict=True):
                axis_dim = base.dims[position]
                if index.rank == 1 and is_placeholder(node) and node.name == common.axes[-1]:  # type: ignore[union-attr]
                    self.dims.unify(common.dims[-1], axis_dim)
                    plan[position] = ("plain", _placeholder_name(node))
                    ranged = True
                else:
                    plan[position] = ("match", node)
                    self.label(index, axis_dim, at)
            for _, index in advanced if ranged else ():
                if index.rank == 1 and index.node == self._input_node(index):
                    self._one_label_per_row(index, at)
            shape_axes, shape_dims = list(common.axes), list(common.dims)
        axes: list[str | None] = []
        shape: list[int | None] = []
        placed = False
        for entry in out_axes:
            if entry == "advanced":
                if not placed:
                    axes.extend(shape_axes)
                    shape.extend(shape_dims)
                    placed = True
                continue
            assert isinstance(entry, tuple)
            axes.append(entry[0])
            shape.append(entry[1])
        return plan, Arr(ZERO, tuple(axes), tuple(shape), base.sources)

    def pair_selection(
        self, base: Arr, pairs: Pairs, at: object
    ) -> tuple[list[tuple[str, Node | str | None]], Arr]:
        nodes, common = align([pairs.rows, pairs.cols], self.dims, left=self.dialect.left_broadcast)
        plan: list[tuple[str, Node | str | None]] = []
        for position, node in enumerate(nodes):
            source = (pairs.rows, pairs.cols)[position]
            if is_placeholder(node) and source.node == Symbol(source.axes[0] or source.axes[-1] or ""):
                self.dims.unify(source.dims[0] if source.axes[0] else source.dims[-1], base.dims[position])
                plan.append(("plain", _placeholder_name(node)))
            else:
                plan.append(("match", node))
                self.label(source, base.dims[position], at)
                other = (pairs.rows, pairs.cols)[1 - position]
                if source.rank == 1 and other.rank == 1 and source.node == self._input_node(source):
                    self._one_label_per_row(source, at)
        return plan, common

    def _one_label_per_row(self, labels: Arr, at: object) -> None:
        """``probs[np.arange(N), y]``, ``sub2ind(size(p), 1:m, y)``: a label array paired with a range of
        rows holds one label per example; fixed, so that ``dscores[:, y] -= 1`` is not read as one label
        (it writes at every example's label in every row)."""
        for name in labels.sources:
            if self.plan.get(name, (1, "default")) == (1, "default"):
                raise Restart({name: (1, "exact")}, f"{_describe(at)} pairs it with the rows")

    def label(self, index: Arr, dim: int | None, at: object) -> None:
        """An array used as a subscript holds class labels (indices into ``dim``)."""
        for name in index.sources:
            base = self.inputs.get(name)
            if base is not None and _mentions(index.node, name):
                self.class_labels.add(name)
        if isinstance(index.node, Symbol) and index.node.name in self.inputs:
            self.class_labels.add(index.node.name)

    def read_index(self, base: Arr, items: Sequence[Value], at: object) -> Arr:
        plan, shape = self.selection(base, items, at)
        mapping: dict[str, Node] = {}
        for (kind, payload), axis in zip(plan, base.axes, strict=True):
            if axis is None or kind == "full":
                continue
            if isinstance(payload, str):
                mapping[axis] = Symbol(payload)
            elif payload is not None:
                mapping[axis] = payload
        return Arr(substitute(base.node, mapping, self.dims), shape.axes, shape.dims, base.sources)

    # ---- statements ---------------------------------------------------------------------------------

    def run(self, module: ast.Module) -> None:
        self.statement_reads = [
            (
                node.lineno,
                frozenset(
                    n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                ),
            )
            for node in ast.walk(module)
            if isinstance(node, ast.stmt)
            and not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.For, ast.If, ast.With))
        ]
        frame = Frame(env={}, function=None, owner=None)
        self.block(module.body, frame)

    def block(self, body: Sequence[ast.stmt], frame: Frame) -> None:
        for statement in body:
            if frame.done:
                return
            self.statement(statement, frame)

    def statement(self, node: ast.stmt, frame: Frame) -> None:
        for name in self.cuts.get(getattr(node, "lineno", -1), ()):
            self.cut(frame, name)
        try:
            self._statement(node, frame)
        except Refusal as refusal:
            at = refusal.at if refusal.at is not None else node
            located = refusal.message.startswith("line ")
            unread = Unread(refusal.message if located else f"{_where(at)}{refusal.message}", at)
            for name in _targets(node):
                self.bind(frame, name, unread, node)
            if isinstance(node, ast.For):
                # the loop may change values through other names (aliases): later returns are not known
                frame.tainted = unread
            if isinstance(node, ast.Return) or _returns_inside(node):
                # a return that cannot be read: what the function returns is not known
                frame.returned = unread
                frame.done = True
                if frame.function is not None and frame.record and not frame.loops:
                    self.record_return(frame, node, unread)

    def _statement(self, node: ast.stmt, frame: Frame) -> None:
        if isinstance(
            node, (ast.Import, ast.ImportFrom, ast.Pass, ast.Global, ast.Nonlocal, ast.Break, ast.Continue)
        ):
            if isinstance(node, (ast.Break, ast.Continue)):
                raise self.refuse("break/continue", node)
            if isinstance(node, ast.ImportFrom) and node.module is not None:
                # from scipy.special import softmax: the name is scipy's (its own default axis)
                for alias in node.names:
                    self.imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            return
        if isinstance(node, ast.FunctionDef):
            self.define(node, frame)
            return
        if isinstance(node, ast.ClassDef):
            self.class_def(node, frame)
            return
        if isinstance(node, ast.Assign):
            self.gradient_step(node, frame)
            value = self.expr(node.value, frame)
            for target in node.targets:
                self.assign(target, value, frame, node)
            return
        if isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.expr(node.value, frame), frame, node)
            return
        if isinstance(node, ast.AugAssign):
            self.gradient_step(node, frame)
            self.augassign(node, frame)
            return
        if isinstance(node, ast.Return):
            returned: Value = Static(None) if node.value is None else self.expr(node.value, frame)
            self.do_return(node, returned, frame)
            return
        if isinstance(node, ast.Expr):
            self.expression_statement(node, frame)
            return
        if isinstance(node, ast.If):
            self.if_statement(node, frame)
            return
        if isinstance(node, ast.For):
            self.for_loop(node, frame)
            return
        if isinstance(node, ast.With):
            self.block(node.body, frame)
            return
        if isinstance(node, ast.Assert):
            return
        raise self.refuse(f"the statement {type(node).__name__.lower()}", node)

    def expression_statement(self, node: ast.Expr, frame: Frame) -> None:
        call = node.value
        if isinstance(call, ast.Constant):
            return  # a docstring
        if isinstance(call, ast.Call):
            name = _dotted(call.func)
            if name is not None and (name in SINKS or name.split(".")[-1] in SINKS):
                return
            func = call.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "save_for_backward"
                and isinstance(func.value, ast.Name)
                and isinstance(owner := frame.env.get(func.value.id), Obj)
            ):
                # torch.autograd.Function: ctx.save_for_backward(p, target) keeps what backward's
                # ctx.saved_tensors gives back
                saved = Tup(tuple(self.expr(arg, frame) for arg in call.args))
                frame.env[f"{owner.path}.saved_tensors"] = saved
                return
            if name in ("exit", "sys.exit") and len(call.args) == 1:
                self.note("exit(...) read as the snippet's return statement")
                value = self.expr(call.args[0], frame)
                if frame.function is None:
                    label = f"line {node.lineno}"
                    self.record(frame, label, value, node, "return")
                    self.returns.setdefault(label, []).append(label)
                    frame.done = True
                    return
                self.do_return(node, value, frame)
                return
            if isinstance(call.func, ast.Attribute) and call.func.attr in _IN_PLACE:
                self.in_place(call, frame, node)
                return
            ufunc = name.split(".") if name is not None else []
            if len(ufunc) == 3 and ufunc[0] in ("np", "numpy") and ufunc[2] == "at":
                # np.add.at(p, (rows, y), -1): p[rows, y] += -1, unbuffered (the same entry twice counts
                # twice, as a scatter of the code's own index arrays does here: one entry per row)
                op = _UFUNC_AT.get(ufunc[1])
                if op is None or len(call.args) != 3 or call.keywords:
                    raise self.refuse(f"a call that writes into {_text(call.args[0])} in place", call)
                store = ast.Subscript(value=call.args[0], slice=call.args[1], ctx=ast.Store())
                augmented = ast.copy_location(ast.AugAssign(target=store, op=op, value=call.args[2]), node)
                ast.fix_missing_locations(augmented)
                self.note(f"line {node.lineno}: {_text(call)} is read as {_text(augmented)}")
                self.gradient_step(augmented, frame)
                self.augassign(augmented, frame)
                return
            written = _writes_in_place(call)
            if written is None and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                # p:div(s) in Torch7, arr.fill(0) in JavaScript, v.push_back(x) in C++, p.sort() in NumPy: a
                # method whose value a statement drops is called for what it does to its array
                array = func.value.id
                known = array in frame.env or array in self.inputs
                if known and (self.dialect.name != "python" or func.attr in _NUMPY_IN_PLACE_METHODS):
                    what = f"{_where(call)}a method call that may write into {array} in place ({_text(call)})"
                    self.bind(frame, array, Unread(what, call), node)  # never read as unchanged
                    return
            if written is not None:
                # p.exp_(), np.exp(p, out=p): the array changes where it is; not read (never ignored)
                raise self.refuse(f"a call that writes into {_text(written)} in place", call)
            if self.calls_text_function(call, frame):
                self.expr(call, frame)
                return
        value = self.expr(call, frame)
        written_first = _library_first_argument(call)
        if written_first is not None and written_first in frame.env and not isinstance(value, Arr):
            # a library call whose value a statement drops is called for what it does to its first argument:
            # never read as leaving it unchanged
            what = f"{_where(call)}a call that may write into {written_first} in place ({_text(call)})"
            self.bind(frame, written_first, Unread(what, call), node)
            return
        if isinstance(value, Unread) and _targets(node):
            raise Refusal(value.message, value.at)  # a store that cannot be read: its array is not known
        if isinstance(value, (Arr, Unread)) and not _is_trivial(call):
            name = f"line {node.lineno}"
            self.record(frame, name, value, node, "return")
            self.returns.setdefault(name, []).append(name)

    def calls_text_function(self, call: ast.Call, frame: Frame) -> bool:
        return isinstance(call.func, ast.Name) and isinstance(frame.env.get(call.func.id), Func)

    def do_return(self, node: ast.stmt, value: Value, frame: Frame) -> None:
        if frame.loops:
            raise self.refuse("return inside a loop", node)
        if frame.tainted is not None and not isinstance(value, Unread):
            value = frame.tainted
        frame.returned = value
        frame.done = True
        if frame.function is not None and frame.record:
            self.record_return(frame, node, value)

    def record_return(self, frame: Frame, node: ast.stmt, value: Value) -> None:
        function = frame.function
        assert function is not None
        source = getattr(node, "value", None)
        while isinstance(value, Tup) and isinstance(source, ast.List) and len(source.elts) == 1:
            value, source = value.items[0], source.elts[0]  # [[x]]: a value wrapped in one-entry lists
            self.note(f"{function} returns its value wrapped in a one-entry list")
        items = value.items if isinstance(value, Tup) else (value,)
        expressions: Sequence[ast.expr | None]
        if isinstance(node, ast.Return) and isinstance(source, ast.Tuple) and isinstance(value, Tup):
            expressions = source.elts
        else:
            expressions = [source]
        if isinstance(value, Tup) and isinstance(source, ast.List):
            unread = Unread(f"{_where(node)}{frame.function} returns a list literal", node)
            self.record(frame, function, unread, node, "return")
            self.returns[function] = [function]
            return
        kept = [
            (v, e)
            for v, e in zip(items, list(expressions) + [None] * len(items), strict=False)
            if not (isinstance(v, Static) and v.value is None)
        ]
        names: list[str] = []
        if len(kept) == 1:
            v, e = kept[0]
            if isinstance(v, (Arr, Unread, Lazy, SizeAttr, Static)):
                self.record(frame, function, self._arr_or_unread(v, node), node, "return")
                names.append(function)
                head = _head_name(e) if e is not None else None
                if head is not None:
                    self.return_heads[function] = head
        else:
            for k, (v, e) in enumerate(kept):
                if not isinstance(v, (Arr, Unread, Lazy, SizeAttr, Static)):
                    continue
                name = _head_name(e) if e is not None else None
                if name is None or isinstance(e, ast.Name):
                    name = name or f"{function}[{k}]"
                else:
                    self.note(f"{function} returns {_text(e)} as its {name}")  # type: ignore[arg-type]
                self.record(frame, name, self._arr_or_unread(v, node), node, "return")
                names.append(name)
        self.returns[function] = names

    def _arr_or_unread(self, value: Value, at: object) -> Arr | Unread:
        if isinstance(value, Unread):
            return value
        try:
            return self.arr(value, at)
        except Refusal as refusal:
            return Unread(f"{_where(refusal.at or at)}{refusal.message}", refusal.at or at)

    def record(self, frame: Frame, name: str, value: Value, node: ast.AST, kind: str) -> None:
        if not frame.record or frame.loops:
            return
        if name.startswith("self."):
            name = name[5:]
        reads = frozenset(
            n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
        )
        self.records.append(
            Record(
                name,
                self._arr_or_unread(value, node),
                getattr(node, "lineno", 0),
                kind,
                frame.function,
                reads,
            )
        )

    # ---- definitions --------------------------------------------------------------------------------

    def define(self, node: ast.FunctionDef, frame: Frame) -> None:
        function = Func(node, frame.owner, node.name)
        frame.env[node.name] = function
        self.functions[node.name] = function
        self.read_function(function, frame)

    def read_function(self, function: Func, outer_frame: Frame) -> None:
        """Read a function on its own: its parameters are inputs."""
        node = function.node
        assert isinstance(node, ast.FunctionDef)
        env = dict(outer_frame.env)
        frame = Frame(env=env, function=node.name, owner=function.owner, record=outer_frame.record)
        self.bind_parameters(node.args, frame, None, node)
        self.block(node.body, frame)
        # a method's attributes (self.x = ...) are shared with the other methods of its class
        for key, value in frame.env.items():
            if key.startswith("self.") or key.startswith("this."):
                outer_frame.env[key] = value

    def bind_parameters(
        self,
        args: ast.arguments,
        frame: Frame,
        values: list[Value] | None,
        at: ast.AST,
        keywords: dict[str, Value] | None = None,
    ) -> None:
        parameters = list(args.posonlyargs) + list(args.args)
        defaults = [None] * (len(parameters) - len(args.defaults)) + list(args.defaults)
        # torch.autograd.Function's forward(ctx, ...) and backward(ctx, ...): ctx is shared as self is
        is_method = bool(parameters) and parameters[0].arg in ("self", "cls", "this", "ctx")
        offset = 0
        for position, (parameter, default) in enumerate(zip(parameters, defaults, strict=True)):
            name = parameter.arg
            if position == 0 and is_method:
                frame.env[name] = Obj("self")
                offset = 1
                continue
            given: Value | None = None
            if values is not None and position - offset < len(values):
                given = values[position - offset]
            elif keywords is not None and name in keywords:
                given = keywords[name]
            if given is not None:
                frame.env[name] = given
                continue
            default_value = _constant(default)
            if isinstance(default, ast.Name):
                default_value = f"function:{default.id}"
            annotation = _annotation(parameter.annotation)
            frame.env[name] = Lazy(name, annotation, default_value)
            if frame.record and values is None and frame.function is not None:
                pass
        for parameter in args.kwonlyargs:
            frame.env[parameter.arg] = (keywords or {}).get(parameter.arg) or Lazy(
                parameter.arg, _annotation(parameter.annotation), None
            )
        if args.vararg is not None:
            frame.env[args.vararg.arg] = Unread("a *args parameter")
        if args.kwarg is not None:
            frame.env[args.kwarg.arg] = Unread("a **kwargs parameter")

    def class_def(self, node: ast.ClassDef, frame: Frame) -> None:
        inner = Frame(env=dict(frame.env), function=None, owner=node.name, record=frame.record)
        for statement in node.body:
            if isinstance(statement, ast.FunctionDef):
                function = Func(statement, node.name, statement.name)
                inner.env[statement.name] = function
                self.functions[statement.name] = function
                before = {key for key in inner.env if key.startswith("self.")}
                try:
                    self.read_function(function, inner)
                except Refusal as refusal:
                    self.record(
                        inner,
                        statement.name,
                        Unread(f"{_where(refusal.at)}{refusal.message}", refusal.at),
                        statement,
                        "return",
                    )
                if statement.name == "__init__":
                    # self.W = np.zeros((d, k)): an array's first value (a constant), not its value when
                    # the other methods run (they read the trained parameter)
                    for key, value in list(inner.env.items()):
                        first = key.startswith("self.") and key not in before
                        if first and isinstance(value, Arr) and value.rank and not value.sources:
                            del inner.env[key]
            elif isinstance(statement, (ast.Expr, ast.Pass)):
                continue
            else:
                self.statement(statement, inner)
        for key, value in inner.env.items():
            if key.startswith("self."):
                frame.env[key] = value

    def call_function(
        self, function: Func, args: list[Value], keywords: dict[str, Value], at: ast.AST, frame: Frame
    ) -> Value:
        if self.depth >= _MAX_CALL_DEPTH:
            raise self.refuse("calls nested too deeply", at)
        node = function.node
        inner = Frame(
            env=dict(frame.env), function=getattr(node, "name", "lambda"), owner=function.owner, record=False
        )
        if isinstance(node, ast.Lambda):
            self.bind_parameters(node.args, inner, args, at, keywords)
            self.depth += 1
            try:
                return self.expr(node.body, inner)
            finally:
                self.depth -= 1
        self.bind_parameters(node.args, inner, args, at, keywords)
        self.depth += 1
        try:
            self.block(node.body, inner)
        finally:
            self.depth -= 1
        for key, value in inner.env.items():
            if key.startswith("self."):
                frame.env[key] = value
        return inner.returned if inner.returned is not None else Static(None)

    # ---- assignment ---------------------------------------------------------------------------------

    def adopt(self, name: str, value: Value, frame: Frame) -> Value:
        """``W1 = self.params['W1']``: an input the text reaches through an object, named by the text's own
        local name from here on (the page's W1, not ``self.params['W1']``); its number of axes is still
        planned under the object's path."""
        if not isinstance(value, Arr) or not value.rank or len(value.sources) != 1 or name in frame.env:
            return value
        (path,) = value.sources
        if ("." not in path and "[" not in path) or self.inputs.get(path) is not value:
            return value
        if any(isinstance(v.node, Symbol) and v.node.name == name for v in self.inputs.values()):
            return value
        assert isinstance(value.node, Symbol)
        adopted = replace(value, node=Symbol(name, value.node.indices))
        self.inputs[path] = adopted
        return adopted

    def cut(self, frame: Frame, name: str) -> None:
        """From here on, the value of ``name`` (a hidden layer's output) is an input of its shape: what
        follows is the next layer, whose parameters' derivatives do not go through it."""
        value = frame.env.get(name)
        if not isinstance(value, Arr) or not value.rank or value is self.inputs.get(name):
            return
        axes = tuple(None if dim is None else self.dims.fresh(dim) for dim in value.dims)
        symbol = Symbol(name, tuple(Symbol(axis) for axis in axes if axis is not None))
        # its number of axes is its sources' (x, W1): a use that needs more axes grows those
        self.inputs[name] = Arr(symbol, axes, value.dims, value.sources or frozenset({name}))
        self.plan.setdefault(name, (value.rank, "cut"))
        frame.env[name] = self.inputs[name]

    def bind(self, frame: Frame, name: str, value: Value, node: ast.AST) -> None:
        if isinstance(value, Arr) and expanded_size(value.node) > MAX_EXPRESSION_NODES:
            value = Unread(f"{_where(node)}the expression of {name} is too large to read", node)
        if isinstance(value, Argmax):
            value = self.argmax_labels(name, value)
        if isinstance(value, Arr) and value.size_of is not None and _SIZE_HINT.fullmatch(name.split(".")[-1]):
            self.batch_hint(value.size_of, name)
        frame.env[name] = value
        if isinstance(value, (Arr, Unread)) or (
            isinstance(value, Static)
            and isinstance(value.value, (int, float))
            and not isinstance(value.value, bool)
        ):
            self.record(frame, name, value, node, "assignment")

    def assign(self, target: ast.expr, value: Value, frame: Frame, node: ast.AST) -> None:
        if isinstance(target, ast.Name):
            value = self.adopt(target.id, value, frame)
            self.bind(frame, target.id, value, node)
            self.share(frame, target.id, node)
            return
        if isinstance(target, ast.Attribute):
            path = self.attribute_path(target, frame)
            if path is None:
                raise self.refuse(f"assignment to {_text(target)}", target)
            self.bind(frame, path, value, node)
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            items = self.unpack(value, len(target.elts), node)
            for element, item in zip(target.elts, items, strict=True):
                if isinstance(element, ast.Name) and element.id == "_":
                    continue
                self.assign(element, item, frame, node)
            return
        if isinstance(target, ast.Subscript):
            self.assign_subscript(target, value, None, frame, node)
            return
        if isinstance(target, ast.Starred):
            raise self.refuse("a starred assignment", target)
        raise self.refuse(f"assignment to {_text(target)}", target)

    def unpack(self, value: Value, count: int, at: object) -> list[Value]:
        if isinstance(value, ShapeTup) and value.of is not None and len(value.items) < count:
            self.need_rank(
                value.of,
                count,
                f"{_text(at) if isinstance(at, ast.AST) else 'unpacking'} unpacks {count} sizes",
            )
        if isinstance(value, Tup):
            if len(value.items) != count:
                raise self.refuse(f"unpacking {len(value.items)} values into {count} names", at)
            return list(value.items)
        if isinstance(value, Unread):
            return [value] * count
        raise self.refuse(f"unpacking {_kind(value)} into {count} names", at)

    def attribute_path(self, node: ast.expr, frame: Frame) -> str | None:
        if isinstance(node, ast.Name):
            bound = frame.env.get(node.id)
            if isinstance(bound, Obj):
                return bound.path
            return node.id
        if isinstance(node, ast.Attribute):
            base = self.attribute_path(node.value, frame)
            return None if base is None else f"{base}.{node.attr}"
        return None

    def gradient_step(self, node: ast.Assign | ast.AugAssign, frame: Frame) -> None:
        """``self.w -= lr * (x.T @ delta)``, ``W = W - learning_rate * dW``: a gradient-descent step says what
        the gradient by the parameter is; it is recorded as ``d<parameter>`` (noted) unless the code names
        it so already."""
        step = _gradient_step(node)
        if step is None:
            return
        parameter, gradient = step
        name = f"d{parameter}"
        if isinstance(gradient, ast.Name) or name in frame.env:
            return  # W -= lr * dW: the gradient has its own name already
        try:
            value = self.expr(gradient, frame)
        except Refusal:
            return
        self.bind(frame, name, value, node)
        self.note(f"{name} is what the step of {parameter} subtracts (its rate times {_text(gradient)})")

    def augassign(self, node: ast.AugAssign, frame: Frame) -> None:
        from derive.claims.code import is_gradient_name

        target = node.target
        if (
            isinstance(target, ast.Name)
            and target.id not in frame.env
            and not frame.loops
            and isinstance(node.op, (ast.Add, ast.Sub))
            and is_gradient_name(target.id)
        ):
            # dW += reg * W - X.T @ (Y - P) / N, a fragment whose dW = np.zeros_like(W) is not quoted
            added = node.value if isinstance(node.op, ast.Add) else ast.UnaryOp(ast.USub(), node.value)
            self.assign(target, self.expr(ast.copy_location(added, node.value), frame), frame, node)
            sign = "+" if isinstance(node.op, ast.Add) else "-"
            self.note(f"{target.id} {sign}= ... with no {target.id} before it: read as starting from 0")
            return
        value = self.expr(node.value, frame)
        if isinstance(target, ast.Subscript):
            self.assign_subscript(target, value, node.op, frame, node)
            return
        current = self.expr(_load(target), frame)
        carried = isinstance(target, ast.Name) and all(target.id not in loop.fresh for loop in frame.loops)
        if frame.loops and carried and isinstance(node.op, (ast.Div, ast.Mult)) and isinstance(current, Arr):
            # dW /= N inside the loop over the examples scales what earlier passes added again: not read
            raise self.refuse(f"{_text(target)} scaled in place inside a loop", node)
        updated = self.binary(node.op, current, value, node)
        if isinstance(target, ast.Name) and isinstance(current, Arr):
            # dz -= y on an array is in place: every name bound to it by b = a sees it
            self.bind(frame, target.id, updated, node)
            self.written_in_place(frame, target.id, updated, node)
            return
        self.assign(target, updated, frame, node)

    def share(self, frame: Frame, name: str, node: ast.AST) -> None:
        """After ``name = ...``: ``b = a`` (a bare name bound to an array) makes b one array with a (NumPy,
        Julia, JavaScript, Lua and Java do not copy; MATLAB, R and C++ do); any other value leaves name's old
        array to the names still bound to it."""
        if self.dialect.name not in _REFERENCE_ARRAYS:
            return
        old = frame.shared.pop(name, frozenset())
        for other in old - {name}:
            frame.shared[other] = old - {name}
        source = node.value if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        bound = frame.env.get(source.id) if isinstance(source, ast.Name) else None
        if isinstance(source, ast.Name) and source.id != name and isinstance(bound, (Arr, Lazy)):
            group = frame.shared.get(source.id, frozenset({source.id})) | {name}
            for member in group:
                frame.shared[member] = group

    def written_in_place(self, frame: Frame, name: str, value: Value, node: ast.AST) -> None:
        """``name`` was written into in place: the names bound to the same array hold the new value too."""
        for other in frame.shared.get(name, frozenset()) - {name}:
            self.bind(frame, other, value, node)
            self.note(f"{other} is the same array as {name} ({other} = {name} does not copy): written too")

    def assign_subscript(
        self, target: ast.Subscript, value: Value, op: ast.operator | None, frame: Frame, node: ast.AST
    ) -> None:
        base_expr, subscripts = _flatten_subscript(target)
        name = (
            self.attribute_path(base_expr, frame)
            if isinstance(base_expr, (ast.Name, ast.Attribute))
            else None
        )
        if name is None:
            if isinstance(base_expr, ast.Subscript) or isinstance(base_expr, ast.Call):
                raise self.refuse(f"assignment to {_text(target)}", target)
            raise self.refuse(f"assignment to {_text(target)}", target)
        current = frame.env.get(name)
        if current is None or isinstance(current, Lazy):
            current = self.expr(_load(base_expr), frame)
        items_probe = [self.subscript_item(s, frame) for s in subscripts]
        if (
            (current is None or isinstance(current, Unread))
            and items_probe
            and all(isinstance(i, Arr) and i.index_of is not None for i in items_probe)
            and op is None
        ):
            # filled entry by entry over whole loops: its starting value is not needed
            dims = [i.index_of for i in items_probe]  # type: ignore[union-attr]
            current = Arr(ZERO, tuple(self.dims.fresh(d) for d in dims if d is not None), tuple(dims))
            self.note(f"{name} is filled entry by entry: its starting value is not needed")
        if isinstance(current, Unread):
            self.bind(frame, name, current, node)
            return
        keys = [self.subscript_item(s, frame) for s in subscripts]
        if len(keys) == 1 and isinstance(keys[0], Static) and isinstance(keys[0].value, str) and op is None:
            # a dictionary entry: a named value (one that cannot be read leaves the other entries readable)
            self.bind(frame, f"{name}[{keys[0].value!r}]", value, node)
            return
        if isinstance(value, Unread):
            self.bind(frame, name, value, node)
            return
        base = self.arr(current, target)
        items = [self.subscript_item(s, frame) for s in subscripts]
        if len(items) == 1 and isinstance(items[0], Tup):
            items = list(items[0].items)  # x[idx] = v with idx = (rows, y)
        if op is not None and frame.loops:
            # dW[:, y[i]] -= X[i] inside the loop over j: the same entries, written again on every pass
            var = frame.loops[-1].var
            used = [v.node for v in (*items, value) if isinstance(v, Arr)]
            if not any(var in free_placeholders(node) for node in used):
                raise self.refuse(
                    f"{_text(target)} written in place on every pass of the loop around it (the loop's "
                    "variable is not in it)",
                    target,
                )
        new = self.write(base, items, self.arr(value, node), op, target)
        self.bind(frame, name, new, node)
        self.written_in_place(frame, name, new, node)

    def write(
        self, base: Arr, items: Sequence[Value], value: Arr, op: ast.operator | None, at: object
    ) -> Arr:
        """``base[items] = value`` (``op`` None) or ``base[items] op= value``, as a new array."""
        plan, shape = self.selection(base, items, at)
        placed = {payload for kind, payload in plan if kind == "plain" and isinstance(payload, str)}
        for axis in shape.axes:
            if axis is not None and axis not in base.axes and axis not in placed:
                for item in items:
                    if isinstance(item, Lazy):
                        item = self.arr(item, at)
                    if isinstance(item, Arr) and item.rank == 1 and item.node == self._input_node(item):
                        for name in item.sources:
                            if _PLURAL_LABELS.fullmatch(name):
                                continue  # labels, targets: one per example, never one label for all
                            if len(plan) == 2 and plan[0][0] == "full":
                                # dscores[:, y] -= 1 beside a batch: the same class in every row (y one
                                # label) or every label in every row (y the examples' labels): the classic
                                # bug, never read as one class for the whole batch
                                said = f"{_describe(at)} writes in every row at the classes {name} holds"
                                fix = f"write [range(N), {name}] for that"
                                raise self.refuse(f"{said}, not at each row's own label ({fix})", at)
                            if self.plan.get(name, (1, "default"))[1] in ("default", "name"):
                                raise Restart(
                                    {name: (0, "exact")},
                                    f"{_describe(at)} assigns at it: one label",
                                )
                raise self.refuse("an assignment at several labels of one axis (a scatter)", at)
        loop_vars = self._loop_vars
        # the selected part's axes, and the axes of base they land on
        mapping: dict[str, str] = {}
        base_mapping: dict[str, str] = {}
        conditions: list[tuple[str, Node]] = []
        for (kind, node), axis in zip(plan, base.axes, strict=True):
            if axis is None or kind == "full":
                continue
            if kind == "plain":
                assert isinstance(node, str)
                if node in loop_vars or node not in shape.axes:
                    base_mapping[axis] = node  # the loop's (or an outer) index names the axis it fills
                else:
                    mapping[node] = axis
            else:
                assert node is not None and not isinstance(node, str)
                conditions.append((axis, node))
        if base_mapping:
            base = replace(
                base,
                node=rename(base.node, base_mapping, self.dims),
                axes=tuple(base_mapping.get(a, a) if a else None for a in base.axes),
            )
            conditions = [(base_mapping.get(a, a), substitute(n, {}, self.dims)) for a, n in conditions]
        shape_axes = tuple(mapping.get(a, a) if a is not None else None for a in shape.axes)
        shape = Arr(ZERO, shape_axes, shape.dims)
        conditions = [(a, rename(n, mapping, self.dims)) for a, n in conditions]
        if self.dialect.matlab_shapes and value.rank > shape.rank:
            # MATLAB: a column or row assigned at index pairs or a linear index: its entries in order
            value = Arr(
                value.node,
                tuple(a for a in value.axes if a is not None),
                tuple(d for a, d in zip(value.axes, value.dims, strict=True) if a is not None),
                value.sources,
            )
        self.match_ranks([shape, value], at, derived=True)
        nodes, target_shape = align([shape, value], self.dims)
        if target_shape.rank > shape.rank and target_shape.proper > shape.proper:
            extra = target_shape.proper - shape.proper
            try:
                why = f"{_describe(at)} assigns {extra} more axes than it selects"
                self.need_rank(base, base.rank + 1, why)
            except Refusal:
                pass
            raise self.refuse("the assigned value has more axes than the entries it is assigned to", at)
        assigned = rename(nodes[1], {}, self.dims)
        # express the value on base's axes: the aligned shape carries the selected axes' names
        value_node = assigned
        old = base.node
        if op is None:
            if not conditions:
                new = value_node
            elif constant_of(old) == 0:
                new = mul(value_node, *(KroneckerDelta(Symbol(a), n) for a, n in conditions))
            else:
                new = old
                guard = value_node
                for a, n in reversed(conditions):
                    guard = self.cases(Condition(Symbol(a), "=", n), guard, old)
                new = guard
        elif isinstance(op, (ast.Add, ast.Sub)):
            delta = mul(value_node, *(KroneckerDelta(Symbol(a), n) for a, n in conditions))
            new = add(old, delta) if isinstance(op, ast.Add) else sub(old, delta)
        elif isinstance(op, (ast.Mult, ast.Div)):
            combine = mul if isinstance(op, ast.Mult) else div
            if not conditions:
                new = combine(old, value_node)
            else:
                new = combine(old, value_node)
                for a, n in reversed(conditions):
                    new = Cases(((new, Condition(Symbol(a), "=", n)), (old, None)))
        else:
            raise self.refuse(f"the in-place operator {type(op).__name__}", at)
        return Arr(new, base.axes, base.dims, base.sources)

    @property
    def _loop_vars(self) -> set[str]:
        return set(self._active_loops)

    # ---- control flow -------------------------------------------------------------------------------

    def condition(self, node: ast.expr, frame: Frame) -> Value:
        """The test of an ``if`` or of ``a if c else b``: one truth value (Python refuses an array there), so
        its ``==`` compares two numbers, as in the languages whose ``==`` always does."""
        outer, self._scalar_test = self._scalar_test, True
        try:
            return self.expr(node, frame)
        finally:
            self._scalar_test = outer

    def if_statement(self, node: ast.If, frame: Frame) -> None:
        try:
            test = self.condition(node.test, frame)
        except Refusal as refusal:
            test = Unread(refusal.message, refusal.at)
        if isinstance(test, Static):
            self.block(node.body if test.value else node.orelse, frame)
            return
        if isinstance(test, Arr) and test.is_cond:
            self.branch_merge(node, test, frame)
            return
        if self.guard_is_identity(node, frame):
            return
        if not node.orelse and self.optional_block(node, frame):
            return
        if isinstance(test, Unread):
            raise Refusal(test.message, test.at)
        raise self.refuse(f"the condition {_text(node.test)} depends on the data", node.test)

    def guard_is_identity(self, node: ast.If, frame: Frame) -> bool:
        """``if s != 1: x *= s`` changes nothing when s == 1: read it as ``x *= s``."""
        compare = node.test
        if node.orelse or not (
            isinstance(compare, ast.Compare)
            and len(compare.ops) == 1
            and isinstance(compare.ops[0], ast.NotEq)
        ):
            return False
        left, right = compare.left, compare.comparators[0]
        if not isinstance(right, ast.Constant) or not isinstance(left, (ast.Name, ast.Attribute)):
            return False
        symbol = self.expr(left, frame)
        if isinstance(symbol, Lazy):
            symbol = self.arr(symbol, left)
        if not (isinstance(symbol, Arr) and isinstance(symbol.node, Symbol) and symbol.rank == 0):
            return False
        constant = self.arr(Static(right.value), right).node
        before = dict(frame.env)
        then = Frame(
            env=dict(frame.env), function=frame.function, owner=frame.owner, record=False, loops=frame.loops
        )
        self.block(node.body, then)
        changed = {k: v for k, v in then.env.items() if before.get(k) is not v}
        for key, value in changed.items():
            old = before.get(key)
            if isinstance(old, Lazy):
                old = self.arr(old, node)
            if not (isinstance(value, Arr) and isinstance(old, Arr)):
                return False
            if _replace_symbol(value.node, symbol.node, constant) != _simplify(old.node):
                return False
        self.note(
            f"line {node.lineno}: the test {_text(compare)} does not change the values (read without it)"
        )
        for key, value in changed.items():
            self.bind(frame, key, value, node)
        return True

    def optional_block(self, node: ast.If, frame: Frame) -> bool:
        """``if flag: v = ...`` where every value the block assigns is new: the block computes them."""
        assigned = set(_targets(node))
        if not assigned or any(name in frame.env for name in assigned) or _returns_inside(node):
            return False
        self.note(f"line {node.lineno}: the values under `if {_text(node.test)}` are read as computed")
        self.block(node.body, frame)
        return True

    def branch_merge(self, node: ast.If, test: Arr, frame: Frame) -> None:
        before = dict(frame.env)
        then = Frame(
            env=dict(frame.env), function=frame.function, owner=frame.owner, record=False, loops=frame.loops
        )
        self.block(node.body, then)
        other = Frame(
            env=dict(frame.env), function=frame.function, owner=frame.owner, record=False, loops=frame.loops
        )
        self.block(node.orelse, other)
        if then.done or other.done:
            if then.done and other.done and then.returned is not None and other.returned is not None:
                merged = self.merge_values(test, then.returned, other.returned, node)
                self.do_return(node, merged, frame)
                return
            raise self.refuse("a return under an index condition", node)
        for key in sorted(set(then.env) | set(other.env)):
            a, b = then.env.get(key), other.env.get(key)
            if a is b:
                continue
            if a is None or b is None:
                frame.env[key] = Unread(f"{_where(node)}{key} is defined on one branch only")
                continue
            merged = self.merge_values(test, a, b, node)
            self.bind(frame, key, merged, node)
        del before

    def merge_values(self, test: Arr, a: Value, b: Value, at: object) -> Value:
        if isinstance(a, Unread):
            return a
        if isinstance(b, Unread):
            return b
        x, y = self.arr(a, at), self.arr(b, at)
        nodes, shape = align([x, y, test], self.dims, left=self.dialect.left_broadcast)
        then_node, else_node, indicator = nodes
        assert isinstance(indicator, Indicator)
        condition = indicator.condition
        return with_node(shape, self.cases(condition, then_node, else_node))

    def cases(self, condition: Condition, then_node: Node, else_node: Node) -> Node:
        """``then if condition else other``; an update on one branch becomes an indicator term."""
        then_node = self.at_label(then_node, condition)
        if isinstance(then_node, type(else_node)) and then_node == else_node:
            return then_node
        for first, second, flip in ((then_node, else_node, False), (else_node, then_node, True)):
            extra = _difference(first, second)
            if extra is not None:
                switch: Node = self.indicator(condition if not flip else _negate(condition))
                return add(second, mul(switch, extra))
        return Cases(((then_node, condition), (else_node, None)))

    def at_label(self, node: Node, condition: Condition) -> Node:
        """Where ``p = e`` holds, an entry at the label e (``sum_f x_f delta(f, e)``) is the entry at p."""
        if condition.op != "=" or not is_placeholder(condition.left):
            return node
        index, label = condition.left, condition.right

        def go(n: Node) -> Node:
            if isinstance(n, Sum) and n.index is not None:
                factors = list(n.body.factors) if isinstance(n.body, Mul) else [n.body]
                for k, factor in enumerate(factors):
                    if not isinstance(factor, KroneckerDelta):
                        continue
                    if factor.i == Symbol(n.index) and factor.j == label:
                        rest = factors[:k] + factors[k + 1 :]
                        body = mul(*rest) if rest else ONE
                        return go(substitute(body, {n.index: index}, self.dims))
            return map_children(n, go)

        return go(node)

    def indicator(self, condition: Condition) -> Node:
        if condition.op == "=" and _index_like(condition.left) and _index_like(condition.right):
            return KroneckerDelta(condition.left, condition.right)
        return Indicator(condition)

    def compare(self, op: ast.cmpop, left: Value, right: Value, at: ast.AST) -> Value:
        if isinstance(op, (ast.Is, ast.IsNot)):
            if isinstance(right, Static) and right.value is None:
                present = not (isinstance(left, Static) and left.value is None)
                if isinstance(left, (Lazy, Arr, Ptr, Obj)) and not isinstance(left, Static):
                    self.note(f"{_text(at)}: the optional value is taken to be given")
                return Static(present if isinstance(op, ast.IsNot) else not present)
            raise self.refuse(f"the comparison {_text(at)}", at)
        if isinstance(left, Static) and isinstance(right, Static):
            folded = _compare_static(op, left.value, right.value)
            if folded is not None:
                return Static(folded)
        if not isinstance(op, (ast.Eq, ast.NotEq)):
            raise self.refuse(f"the comparison {_text(at)} (only = and != are index conditions)", at)
        a, b = self.arr(left, at), self.arr(right, at)
        if self.dialect.name in _SCALAR_EQUALITY or self._scalar_test:
            # i === y (JavaScript, C, Java, Lua, Julia): == compares two numbers, never an array entry by
            # entry, so an input compared with an index whose number of axes was only assumed is one label
            for one, another in ((a, b), (b, a)):
                plans = [(n, self.plan.get(n, (1, "default"))[1]) for n in one.sources]
                guessed = [n for n, how in plans if how in ("default", "name")]
                lone = one.rank == 1 and one.node == self._input_node(one) and len(one.sources) == 1
                if lone and guessed and another.rank == 0 and is_placeholder(another.node):
                    said = f"{_text(at)} compares it with an index: one label"
                    raise Restart({guessed[0]: (0, "exact")}, said)
        nodes, shape = align([a, b], self.dims, left=self.dialect.left_broadcast)
        condition = Condition(nodes[0], "=" if isinstance(op, ast.Eq) else "!=", nodes[1])
        bare = is_placeholder(nodes[0]) or is_placeholder(nodes[1])
        if not bare or not (_index_like(nodes[0]) and _index_like(nodes[1])):
            raise self.refuse(f"the comparison {_text(at)} depends on the data", at)
        for side, other in ((nodes[0], nodes[1]), (nodes[1], nodes[0])):
            if is_placeholder(other) and isinstance(side, Symbol) and side.name in self.inputs:
                self.class_labels.add(side.name)
        return Arr(Indicator(condition), shape.axes, shape.dims, shape.sources, is_cond=True)

    # ---- loops --------------------------------------------------------------------------------------

    def for_loop(self, node: ast.For, frame: Frame) -> None:
        if len(frame.loops) >= _MAX_LOOP_DEPTH:
            raise self.refuse("loops nested too deeply", node)
        if node.orelse:
            raise self.refuse("a for-else loop", node)
        if _is_block_loop(node.iter):
            self.note(
                f"line {node.lineno}: the loop over blocks of columns is read as one pass over the whole row"
            )
            self.assign_loop_target(node.target, Static("block"), frame, node)
            self.block(node.body, frame)
            return
        try:
            iterated = self.expr(node.iter, frame)
            if isinstance(iterated, Unread):
                raise Refusal(iterated.message, iterated.at)
        except Refusal:
            if not (
                isinstance(node.iter, ast.Call)
                and _dotted(node.iter.func) == "range"
                and len(node.iter.args) == 1
                and not isinstance(node.iter.args[0], ast.BinOp)  # range(N - 1) leaves a row out
            ):
                raise
            dim = self.dims.new(f"the range of {_text(node.iter)}")
            self.note(
                f"line {node.lineno}: the bound of {_text(node.iter)} is not read: "
                "the loop is taken to run over "
                "the whole axis it indexes"
            )
            placeholder = self.dims.fresh(dim)
            iterated = Arr(Symbol(placeholder), (placeholder,), (dim,))
        bindings, dim = self.iteration(iterated, node)
        var = self.dims.fresh(dim)
        accumulators = _accumulators(node.body)
        fresh = {
            target.id
            for statement in node.body
            for sub in ast.walk(statement)
            if isinstance(sub, ast.Assign)
            for target in sub.targets
            if isinstance(target, ast.Name)
        }
        loop = Loop(var, dim, frozenset(accumulators), frozenset(fresh))
        before = dict(frame.env)
        zeros: dict[str, Arr] = {}
        for name in accumulators:
            current = frame.env.get(name)
            if current is None or isinstance(current, Lazy):
                current = self.expr(
                    ast.Name(id=name, ctx=ast.Load(), lineno=node.lineno, col_offset=node.col_offset), frame
                )
                if isinstance(current, Arr):
                    # a fragment's accumulator (loss += ..., dW[:, j] += ... in a loop): its start, not
                    # shown, is 0 as in the function it comes from; an input start would make the sum's
                    # derivative that of an unknown
                    current = with_node(current, ZERO)
                    self.note(f"{name} is used before it is assigned: read as an accumulator starting at 0")
                else:
                    self.note(f"{name} is used before it is assigned (read as an input: its starting value)")
                before[name] = current
            if isinstance(current, Static) and isinstance(current.value, (int, float)):
                current = self.arr(current, node)
                before[name] = current
            if isinstance(current, Arr):
                zeros[name] = with_node(current, ZERO)
                frame.env[name] = zeros[name]
        index = Arr(Symbol(var), index_of=dim)
        self.assign_loop_target(node.target, bindings(index), frame, node)
        frame.loops.append(loop)
        self._active_loops.append(var)
        try:
            self.block(node.body, frame)
        finally:
            frame.loops.pop()
            self._active_loops.pop()
        for name in set(frame.env) | set(before):
            now = frame.env.get(name)
            if now is before.get(name):
                continue
            if name in zeros and isinstance(now, Arr):
                frame.env[name] = self.fold(before[name], now, var, node)
                self.record(frame, name, frame.env[name], node, "assignment")
                continue
            if isinstance(now, Arr) and var in free_placeholders(now.node) - set(a for a in now.axes if a):
                frame.env[name] = Unread(f"{_where(node)}{name} is only defined inside the loop")
            elif isinstance(now, Arr) and now.index_of is None and now not in self.inputs.values():
                self.record(frame, name, now, node, "assignment")
            elif isinstance(now, Unread) and not now.message.endswith("is read after its loop"):
                self.record(frame, name, now, node, "assignment")
        for target in _names(node.target):
            frame.env[target] = Unread(f"{_where(node)}the loop variable {target} is read after its loop")

    def fold(self, start: Value, delta: Arr, var: str, at: object) -> Arr:
        """The value after the loop: its start plus every iteration's increment."""
        base = self.arr(start, at)
        if var in [a for a in delta.axes if a]:
            total = delta
        elif var in free_placeholders(delta.node):
            total = replace(delta, node=sum_over(var, delta.node, self.dims))
        else:
            total = replace(delta, node=mul(self.dims.size(self.dims.dim(var)), delta.node))
        # the increment's axis names first: an enclosing loop's index may name them
        self.match_ranks([total, base], at)
        nodes, shape = align([total, base], self.dims, left=self.dialect.left_broadcast)
        return with_node(shape, add(nodes[1], nodes[0]))

    def iteration(self, iterated: Value, at: ast.AST) -> tuple[Callable[[Arr], Value], int]:
        """What a loop runs over: ``range(n)``, an array's rows, ``enumerate``/``zip`` of those."""
        if isinstance(iterated, Lazy):
            iterated = self.arr(iterated, at)
        if (
            isinstance(iterated, Tup)
            and iterated.items
            and isinstance(iterated.items[0], Static)
            and iterated.items[0].value == "enumerate"
        ):
            inner, dim = self.iteration(iterated.items[1], at)
            return (lambda index: Tup((index, inner(index)))), dim
        if (
            isinstance(iterated, Tup)
            and iterated.items
            and isinstance(iterated.items[0], Static)
            and iterated.items[0].value == "zip"
        ):
            parts = [self.iteration(item, at) for item in iterated.items[1:]]
            dim = parts[0][1]
            for _, other in parts[1:]:
                self.dims.unify(dim, other)
            return (lambda index: Tup(tuple(p(index) for p, _ in parts))), dim
        if isinstance(iterated, Arr) and iterated.rank >= 1:
            long = [(a, d) for a, d in zip(iterated.axes, iterated.dims, strict=True) if a is not None]
            own = (
                is_placeholder(iterated.node) and _placeholder_name(iterated.node) == long[0][0]
                if long
                else False
            )
            if len(long) == 1 and own:
                index_dim = long[0][1]
                assert index_dim is not None
                return (lambda index: index), index_dim
            self.need_rank(iterated, 1, "a loop over the entries of an array")
            row_dim = iterated.dims[0]
            if row_dim is None:
                raise self.refuse("a loop over an axis of size one", at)
            return (lambda index: self.read_index(iterated, [index], at)), row_dim
        if isinstance(iterated, Arr):
            self.need_rank(iterated, 1, "a loop over the entries of an array")
        raise self.refuse(f"a loop over {_text(at.iter) if isinstance(at, ast.For) else 'this'}", at)

    def assign_loop_target(self, target: ast.expr, value: Value, frame: Frame, node: ast.AST) -> None:
        if isinstance(target, ast.Name):
            frame.env[target.id] = value
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            items = self.unpack(value, len(target.elts), node)
            for element, item in zip(target.elts, items, strict=True):
                self.assign_loop_target(element, item, frame, node)
            return
        raise self.refuse(f"the loop target {_text(target)}", target)

    def range_value(self, args: list[Value], at: ast.AST, inclusive: bool = False) -> Arr:
        """``range(n)``, ``np.arange(n)``, ``1:n``: a vector whose entries are its own index."""
        if len(args) == 2:
            start = args[0]
            first = 1 if self.dialect.one_based else 0
            if not (isinstance(start, Static) and start.value == first):
                raise self.refuse("a range that does not start at the first index", at)
            args = [args[1]]
        if len(args) != 1:
            raise self.refuse("a range with a step", at)
        dim = self.size_dim(args[0], at)
        placeholder = self.dims.fresh(dim)
        if self.dialect.matlab_shapes:
            return Arr(Symbol(placeholder), (None, placeholder), (None, dim))
        return Arr(Symbol(placeholder), (placeholder,), (dim,))

    def size_dim(self, value: Value, at: ast.AST) -> int:
        """The dimension whose size a value is (``N = x.shape[0]``; an input ``N`` gets a new one)."""
        if isinstance(value, (Lazy,)):
            value = self.arr(value, at)
        if isinstance(value, Arr) and value.size_of is not None:
            return value.size_of
        if (
            isinstance(value, Arr)
            and value.rank == 0
            and isinstance(value.node, Symbol)
            and not value.node.indices
        ):
            name = value.node.name
            for dim, size_name in self.dims.size_name.items():
                if size_name == name:
                    return self.dims.find(dim)
            dim = self.dims.new(f"size {name}")
            self.dims.size_name[dim] = name
            return dim
        if isinstance(value, Arr) and value.rank == 0:
            if isinstance(value.node, Add) and any(isinstance(t, (Number, Neg)) for t in value.node.terms):
                # range(N - 1), i < k - 1: a size plus or minus a number leaves entries out (or runs past
                # the axis); read as the whole axis it gave a wrong holds
                raise self.refuse(f"the bound {_text(at)}, a size plus or minus a number", at)
            return self.dims.new(f"size {_text(at)}")
        if isinstance(value, Arr) and isinstance(value.node, Symbol) and value.node.name in self.inputs:
            name = value.node.name
            if self.plan.get(name, (1, "default"))[1] in ("default", "name", "type-array"):
                raise Restart({name: (0, "exact")}, f"{_text(at)} uses it as a size")
        if isinstance(value, Static) and isinstance(value.value, int):
            raise self.refuse("a range of a fixed length", at)
        if isinstance(value, Unread):
            raise Refusal(value.message, value.at)
        raise self.refuse(f"the size {_text(at)}", at)

    # ---- in-place methods ---------------------------------------------------------------------------

    def in_place(self, call: ast.Call, frame: Frame, node: ast.AST) -> None:
        assert isinstance(call.func, ast.Attribute)
        raise self.refuse(f"the in-place method {call.func.attr}", call)

    # ---- expressions --------------------------------------------------------------------------------

    def subscript_item(self, node: ast.expr, frame: Frame) -> Value:
        if isinstance(node, ast.Slice):
            return SliceV(
                None if node.lower is None else self.expr(node.lower, frame),
                None if node.upper is None else self.expr(node.upper, frame),
                None if node.step is None else self.expr(node.step, frame),
            )
        return self.expr(node, frame)

    def expr(self, node: ast.expr, frame: Frame) -> Value:
        from derive.claims.code_library import evaluate

        return evaluate(self, node, frame)


# --------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------

#: NumPy array methods that change their array (their value, None, is not the result).
_NUMPY_IN_PLACE_METHODS: Final = frozenset("fill sort put resize itemset partition setfield".split())
_IN_PLACE: Final = frozenset("scatter_add_ fill_ add_ sub_ mul_ div_ copy_ zero_ clamp_".split())


def _strided_indices(index: Arr, dims: Dims) -> list[Arr] | None:
    """``row * stride0 + i * stride1``: the loop indices of a flat index with strides, in order."""
    node = index.node
    terms = node.terms if isinstance(node, Add) else (node,)
    found: list[Arr] = []
    for term in terms:
        factors = term.factors if isinstance(term, Mul) else (term,)
        indices = [f for f in factors if is_placeholder(f)]
        others = [f for f in factors if not is_placeholder(f)]
        if len(indices) != 1 or any(not (isinstance(o, Symbol) and not o.indices) for o in others):
            return None
        found.append(Arr(indices[0], index_of=dims.dim(_placeholder_name(indices[0]))))
    return found


def _describe(at: object) -> str:
    return _text(at) if isinstance(at, ast.AST) else "this"


def _placeholder_name(node: Node) -> str:
    assert isinstance(node, Symbol)
    return node.name


def _text_node(node: Node) -> str:
    return node.name if isinstance(node, Symbol) else "the array"


def _kind(value: Value) -> str:
    return {
        Static: "a constant",
        Tup: "a tuple",
        Func: "a function",
        Lib: "a library function",
        Bound: "a method",
        SliceV: "a slice",
        Unread: "an unread value",
        Obj: "an object",
        Ptr: "a pointer",
        Pairs: "index pairs",
        Lazy: "a parameter",
        SizeAttr: "a size",
        Arr: "an array",
        Argmax: "an argmax",
    }[type(value)]


def _only_dim(value: Arr) -> int | None:
    dims = [d for a, d in zip(value.axes, value.dims, strict=True) if a is not None]
    return dims[0] if len(dims) == 1 else None


def _fold(op: ast.operator, a: object, b: object) -> Static | None:
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b)):
        return None
    x, y = a, b
    assert isinstance(x, (int, float)) and isinstance(y, (int, float))
    if isinstance(op, ast.Add):
        return Static(x + y)
    if isinstance(op, ast.Sub):
        return Static(x - y)
    if isinstance(op, ast.Mult):
        return Static(x * y)
    if isinstance(op, ast.FloorDiv) and y:
        return Static(x // y)
    if isinstance(op, ast.Div) and isinstance(x, int) and isinstance(y, int) and y and x % y == 0:
        return Static(x // y)
    return None


def _compare_static(op: ast.cmpop, a: object, b: object) -> bool | None:
    try:
        if isinstance(op, ast.Eq):
            return a == b
        if isinstance(op, ast.NotEq):
            return a != b
        if isinstance(op, ast.Lt):
            return bool(a < b)  # type: ignore[operator]
        if isinstance(op, ast.LtE):
            return bool(a <= b)  # type: ignore[operator]
        if isinstance(op, ast.Gt):
            return bool(a > b)  # type: ignore[operator]
        if isinstance(op, ast.GtE):
            return bool(a >= b)  # type: ignore[operator]
    except TypeError:
        return None
    return None


def _index_like(node: Node) -> bool:
    """An index or a label: a placeholder, a number, or a symbol whose indices are index-like."""
    if is_placeholder(node) or isinstance(node, Number):
        return True
    if isinstance(node, Symbol):
        return all(_index_like(i) for i in node.indices)
    return False


def _is_block_loop(node: ast.expr) -> bool:
    """Triton's ``for start in tl.static_range(...)`` / ``tl.range(...)``: blocks of one row's columns."""
    return isinstance(node, ast.Call) and _dotted(node.func) in ("tl.static_range", "tl.range")


def _has_index(node: Node) -> bool:
    return is_placeholder(node) or (isinstance(node, Symbol) and any(_has_index(i) for i in node.indices))


def _negate(condition: Condition) -> Condition:
    return Condition(condition.left, "!=" if condition.op == "=" else "=", condition.right)


def _difference(changed: Node, unchanged: Node) -> Node | None:
    """``x`` when ``changed`` is ``unchanged + x`` (an update made on one branch only)."""
    from derive.claims.ast import Add, Neg

    if isinstance(changed, Add) and changed.terms[:-1] == (unchanged,):
        return changed.terms[-1]
    if (
        isinstance(changed, Add)
        and isinstance(unchanged, Add)
        and changed.terms[: len(unchanged.terms)] == unchanged.terms
    ):
        rest = changed.terms[len(unchanged.terms) :]
        return add(*rest)
    del Neg
    return None


def _mentions(node: Node, name: str) -> bool:
    from derive.claims.code_index import contains

    return contains(node, lambda n: isinstance(n, Symbol) and n.name == name)


def _replace_symbol(node: Node, symbol: Node, by: Node) -> Node:
    from derive.claims.code_index import map_children

    def go(n: Node) -> Node:
        if n == symbol:
            return by
        return map_children(n, go)

    return _simplify(go(node))


def _simplify(node: Node) -> Node:
    from derive.claims.ast import Add, Div, Mul, Neg
    from derive.claims.code_index import map_children

    node = map_children(node, _simplify)
    if isinstance(node, Mul):
        return mul(*node.factors)
    if isinstance(node, Add):
        return add(*node.terms)
    if isinstance(node, Div):
        return div(node.numerator, node.denominator)
    if isinstance(node, Neg):
        return neg(node.operand)
    return node


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _is_trivial(node: ast.expr) -> bool:
    return isinstance(node, (ast.Name, ast.Constant, ast.Attribute))


def _head_name(node: ast.expr | None) -> str | None:
    """The variable a returned expression is built on (``dx`` in ``dx / m``)."""
    while isinstance(node, ast.BinOp):
        node = node.left
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return None


def _constant(node: ast.expr | None) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
    ):
        value = node.operand.value
        return -value if isinstance(value, (int, float)) else None
    return None


_SCALAR_TYPES: Final = frozenset(
    "int float double bool uint size_t int32_t int64_t uword Real Number Integer Float64 Float32 number "
    "ElemType DATATYPE long short unsigned".split()
)
_ARRAY_TYPES: Final = re.compile(
    r"(ndarray|Tensor|Array|AbstractArray|AbstractVector|Vector|vec|list|List|"
    r"array|Matrix|AbstractMatrix|mat|\w+\[\]|.*\*|std::vector.*|std::array.*)"
)


def _annotation(node: ast.expr | None) -> str | None:
    if node is None:
        return None
    text = _text(node)
    base = text.split("[")[0].split("{")[0].split(".")[-1]
    if text in ("scalar", "array", "matrix"):
        return text
    if base in _SCALAR_TYPES:
        return "scalar"
    if base in ("Matrix", "AbstractMatrix", "mat"):
        return "matrix"
    if _ARRAY_TYPES.fullmatch(text) or _ARRAY_TYPES.fullmatch(base):
        return "array"
    return None


#: Names of a gradient-descent step's rate.
_RATE_NAMES: Final = frozenset(
    {"lr", "learning_rate", "learningRate", "eta", "step_size", "stepsize", "alpha", "lr_", "rate", "step"}
)


#: The names of a model's parameters that a gradient step updates.
_PARAMETER_NAME: Final = re.compile(r"[WwBb]\d?|theta|Theta|weights?|bias(?:es)?|coef_?|intercept_?")


def _gradient_step(node: ast.Assign | ast.AugAssign) -> tuple[str, ast.expr] | None:
    """(parameter, gradient) of ``p -= rate * G`` or ``p = p - rate * G`` (p a name or an attribute such
    as ``self.w``), None for any other statement."""
    target: ast.expr
    if isinstance(node, ast.AugAssign):
        if not isinstance(node.op, ast.Sub):
            return None
        target, step = node.target, node.value
    else:
        difference = node.value
        subtracted = isinstance(difference, ast.BinOp) and isinstance(difference.op, ast.Sub)
        if len(node.targets) != 1 or not subtracted:
            return None
        assert isinstance(difference, ast.BinOp)
        target, step = node.targets[0], difference.right
        if ast.dump(difference.left) != ast.dump(_load(target)):
            return None
    if isinstance(target, ast.Name):
        parameter = target.id
    elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        parameter = target.attr
    else:
        return None
    if not _PARAMETER_NAME.fullmatch(parameter):
        return None  # loss -= alpha * reg: no parameter's step
    scale: ast.expr | None = None
    if isinstance(step, ast.BinOp) and isinstance(step.op, ast.Div) and isinstance(step.left, ast.BinOp):
        step, scale = step.left, step.right  # lr * X.T.dot(p) / N: the rate times X.T.dot(p) / N
    if not isinstance(step, ast.BinOp) or not isinstance(step.op, ast.Mult):
        return None
    for rate, gradient in ((step.left, step.right), (step.right, step.left)):
        if scale is not None:
            gradient = ast.copy_location(ast.BinOp(left=gradient, op=ast.Div(), right=scale), gradient)
        said = rate.attr if isinstance(rate, ast.Attribute) else getattr(rate, "id", None)
        if said in _RATE_NAMES:
            return parameter, gradient
    return None


def _load(node: ast.expr) -> ast.expr:
    """A copy of an assignment target as an expression to read."""
    loaded = _LoadCopier().visit(_clone(node))
    assert isinstance(loaded, ast.expr)
    return loaded


def _clone(node: ast.expr) -> ast.expr:
    import copy

    return copy.deepcopy(node)


class _LoadCopier(ast.NodeTransformer):
    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        if hasattr(node, "ctx"):
            node.ctx = ast.Load()
        return node


def _flatten_subscript(target: ast.Subscript) -> tuple[ast.expr, list[ast.expr]]:
    """``a[i][j]`` and ``a[i, j]`` both as (``a``, [i, j])."""
    items: list[ast.expr] = []
    node: ast.expr = target
    while isinstance(node, ast.Subscript):
        part = node.slice
        parts = list(part.elts) if isinstance(part, ast.Tuple) else [part]
        items = parts + items
        node = node.value
    return node, items


def _targets(node: ast.stmt) -> list[str]:
    names: list[str] = []
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    elif isinstance(node, (ast.For, ast.If, ast.With)):
        for statement in list(node.body) + list(getattr(node, "orelse", [])):
            names.extend(_targets(statement))
        return names
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and (
        written := _writes_in_place(node.value)
    ):
        return _names(written)
    elif isinstance(node, ast.Expr) and (first := _library_first_argument(node.value)) is not None:
        # np.frobnicate(p, y) as a statement, not read: it may write into p (never read as unchanged)
        return [first]
    elif (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and _dotted(node.value.func) == "tl.store"
    ):
        pointer = node.value.args[0] if node.value.args else None
        while isinstance(pointer, ast.BinOp):
            pointer = pointer.left
        if isinstance(pointer, ast.Name) and pointer.id.endswith("_ptr"):
            return [pointer.id[:-4]]
        return names
    for target in targets:
        names.extend(_names(target))
    return names


#: NumPy's functions of one array whose second positional argument is where the result goes (np.exp(p, p)).
_UNARY_UFUNCS: Final = frozenset(
    "exp log sqrt negative abs absolute tanh square reciprocal log1p expm1".split()
)


def _writes_in_place(call: ast.Call) -> ast.expr | None:
    """The array a call statement writes into, if it does: ``grad.div_(n)`` (PyTorch's trailing _),
    ``np.exp(p, out=p)``, ``np.divide(a, n, out=a)``, ``np.exp(p, p)``."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr.endswith("_") and not func.attr.startswith("_"):
        return func.value
    for keyword in call.keywords:
        if keyword.arg == "out":
            return keyword.value
    parts = (_dotted(func) or "").split(".")
    if parts[0] not in ("np", "numpy"):
        return None
    if parts[-1] in _UNARY_UFUNCS and len(call.args) == 2:
        return call.args[1]
    if parts[-1] in _WRITES_FIRST and call.args:
        return call.args[0]  # np.put_along_axis(dz, idx, 0.0, axis=1): dz is written
    return None


#: Array libraries whose functions a statement may call for what they write into their first argument.
_LIBRARIES: Final = frozenset({"np", "numpy", "torch", "jnp", "tf"})


def _library_first_argument(value: ast.expr) -> str | None:
    """The array name an array library's call passes first (``np.frobnicate(p, y)``: p), which a statement
    making that call may write into."""
    if not isinstance(value, ast.Call) or (_dotted(value.func) or "").split(".")[0] not in _LIBRARIES:
        return None
    first = value.args[0] if value.args else None
    return first.id if isinstance(first, ast.Name) else None

#: ``np.<ufunc>.at(a, indices, values)``: ``a[indices] <op>= values``.
_UFUNC_AT: Final[dict[str, ast.operator]] = {
    "add": ast.Add(), "subtract": ast.Sub(), "multiply": ast.Mult(), "divide": ast.Div(),
    "true_divide": ast.Div(),
}  # fmt: skip

#: NumPy functions that write into their first argument.
_WRITES_FIRST: Final = frozenset("put_along_axis put place putmask copyto fill_diagonal".split())


def _names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for element in target.elts for n in _names(element)]
    if isinstance(target, ast.Subscript):
        base, _ = _flatten_subscript(target)
        return _names(base)
    if isinstance(target, ast.Attribute):
        dotted = _dotted(target)
        if dotted is None:
            return []
        if dotted.startswith("self.") or dotted.startswith("this."):
            return ["self." + dotted.split(".", 1)[1]]
        return [dotted]
    return []


def _returns_inside(node: ast.stmt) -> bool:
    return any(isinstance(n, ast.Return) for n in ast.walk(node))


def _accumulators(body: Sequence[ast.stmt]) -> set[str]:
    """Names a loop body only adds to (``v += e``, ``v[...] -= e``, ``v = v + e``), never reads otherwise."""
    updated: set[str] = set()
    assigned: set[str] = set()
    reads: dict[str, int] = {}
    own_reads: dict[str, int] = {}

    def own(name: str, *parts: ast.AST) -> None:
        updated.add(name)
        own_reads[name] = own_reads.get(name, 0) + sum(_loads(part, name) for part in parts)

    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.Add, ast.Sub)):
                names = _names(node.target)
                if names:
                    own(names[0], node.target)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                names = _names(target)
                value = node.value
                if (
                    names
                    and isinstance(target, (ast.Name, ast.Subscript))
                    and isinstance(value, ast.BinOp)
                    and isinstance(value.op, (ast.Add, ast.Sub))
                    and ast.dump(_strip_ctx(value.left)) == ast.dump(_strip_ctx(target))
                ):
                    own(names[0], target, value.left)
                elif not isinstance(target, ast.Subscript):
                    assigned.update(names)
            elif isinstance(node, ast.AnnAssign):
                assigned.update(_names(node.target))
            elif isinstance(node, ast.For):
                assigned.update(_names(node.target))
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                reads[node.id] = reads.get(node.id, 0) + 1
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                dotted = _dotted(node)
                if dotted is not None and (dotted.startswith("self.") or dotted.startswith("this.")):
                    key = "self." + dotted.split(".", 1)[1]
                    reads[key] = reads.get(key, 0) + 1
    return {name for name in updated - assigned if reads.get(name, 0) <= own_reads.get(name, 0)}


def _loads(node: ast.AST, name: str) -> int:
    count = 0
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id == name:
            count += 1
        elif (
            isinstance(n, ast.Attribute)
            and name.startswith("self.")
            and _dotted(n) in (name, "this." + name[5:])
        ):
            count += 1
    return count


def _strip_ctx(node: ast.AST) -> ast.AST:
    return _LoadCopier().visit(_clone(node))  # type: ignore[arg-type]


__all__ = [
    "PYTHON",
    "Arr",
    "Bound",
    "Dialect",
    "Engine",
    "Frame",
    "Func",
    "Lazy",
    "Lib",
    "Obj",
    "Pairs",
    "Ptr",
    "Record",
    "Refusal",
    "Restart",
    "SizeAttr",
    "SliceV",
    "Static",
    "Tup",
    "Unread",
    "Value",
]
