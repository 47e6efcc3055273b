"""Expressions and library functions for the code reader: what ``np.exp``, ``x.sum(axis=1)``, ``softmax``,
``diag``, ``repmat``, ``tl.load`` ... mean in index form.

Functions are looked up by their last name (``np.exp``, ``torch.exp``, ``tl.exp``, ``std::exp`` and MATLAB's
``exp`` are all :data:`FUNCTIONS` ``["exp"]``); the reader's :class:`~derive.claims.code_engine.Dialect` says
where languages differ (MATLAB reduces the first long axis and keeps it, NumPy reduces every axis).  A
function that is not in the tables and not defined in the text is read as an input named after it (its
value is whatever the page means by that name), and the reading says so.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Final

from derive.claims.ast import (
    Condition,
    Derivative,
    Exp,
    Indicator,
    KroneckerDelta,
    Log,
    Node,
    Symbol,
)
from derive.claims.code_engine import (
    Arr,
    Bound,
    Engine,
    Frame,
    Func,
    Lazy,
    Lib,
    Obj,
    Pairs,
    Ptr,
    Refusal,
    SizeAttr,
    SliceV,
    Static,
    Tup,
    Unread,
    Value,
    _text,
)
from derive.claims.code_index import (
    ONE,
    ZERO,
    add,
    align,
    div,
    is_placeholder,
    mul,
    neg,
    number,
    outer,
    reduce_axes,
    rename,
    sub,
    transpose,
    with_node,
)

# --------------------------------------------------------------------------------------------------------
# Expressions
# --------------------------------------------------------------------------------------------------------

_BUILTINS: Final = frozenset(
    "range xrange len sum max min abs float int list zip enumerate print isinstance hasattr reversed round "
    "exit tuple sorted any all".split()
)
_GRID: Final = frozenset({"blockIdx", "blockDim", "gridDim"})


def evaluate(engine: Engine, node: ast.expr, frame: Frame) -> Value:
    if isinstance(node, ast.Constant):
        return Static(node.value)
    if isinstance(node, ast.Name):
        return _name(engine, node, frame)
    if isinstance(node, ast.Attribute):
        return _attribute(engine, node, frame)
    if isinstance(node, ast.Subscript):
        return _subscript(engine, node, frame)
    if isinstance(node, ast.Call):
        return _call(engine, node, frame)
    if isinstance(node, ast.BinOp):
        left = evaluate(engine, node.left, frame)
        right = evaluate(engine, node.right, frame)
        grid = _grid_arithmetic(node.op, left, right)
        if grid is not None:
            return grid
        return engine.binary(node.op, left, right, node)
    if isinstance(node, ast.UnaryOp):
        operand = evaluate(engine, node.operand, frame)
        if isinstance(node.op, ast.Not):
            if isinstance(operand, Static):
                return Static(not operand.value)
            if isinstance(operand, Arr) and operand.is_cond and isinstance(operand.node, Indicator):
                c = operand.node.condition
                flipped = Condition(c.left, "!=" if c.op == "=" else "=", c.right)
                return replace(operand, node=Indicator(flipped))
            raise Refusal(f"the negation {_text(node)}", node)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.USub):
            if isinstance(operand, Static) and operand.value in ("inf", "Inf"):
                return Static(float("-inf"))
            if (
                isinstance(operand, Static)
                and isinstance(operand.value, (int, float))
                and not isinstance(operand.value, bool)
            ):
                return Static(-operand.value)
            if isinstance(operand, Unread):
                return operand
            value = engine.arr(operand, node)
            return replace(value, node=neg(value.node), size_of=None, index_of=None, is_cond=False)
        raise Refusal(f"the operator {type(node.op).__name__} in {_text(node)}", node)
    if isinstance(node, ast.Compare):
        if len(node.ops) != 1:
            raise Refusal(f"the chained comparison {_text(node)}", node)
        left = evaluate(engine, node.left, frame)
        right = evaluate(engine, node.comparators[0], frame)
        guard = _bounds_guard(engine, node.ops[0], left, right, node)
        if guard is not None:
            return guard
        return engine.compare(node.ops[0], left, right, node)
    if isinstance(node, ast.BoolOp):
        values = []
        for part in node.values:
            try:
                values.append(evaluate(engine, part, frame))
            except Refusal as refusal:
                values.append(Unread(refusal.message, refusal.at))
        if all(isinstance(v, Static) for v in values):
            flags = [bool(v.value) for v in values]  # type: ignore[union-attr]
            return Static(all(flags) if isinstance(node.op, ast.And) else any(flags))
        if isinstance(node.op, ast.Or) and any(isinstance(v, Static) and v.value for v in values):
            return Static(True)
        if isinstance(node.op, ast.And) and any(isinstance(v, Static) and not v.value for v in values):
            return Static(False)
        raise Refusal(f"the condition {_text(node)}", node)
    if isinstance(node, ast.IfExp):
        test = engine.condition(node.test, frame)
        if isinstance(test, Static):
            return evaluate(engine, node.body if test.value else node.orelse, frame)
        if isinstance(test, Arr) and test.is_cond:
            return engine.merge_values(
                test, evaluate(engine, node.body, frame), evaluate(engine, node.orelse, frame), node
            )
        if isinstance(test, Unread):
            return test
        raise Refusal(f"the condition {_text(node.test)} depends on the data", node.test)
    if isinstance(node, (ast.Tuple, ast.List)):
        if any(isinstance(e, ast.Starred) for e in node.elts):
            raise Refusal("a starred expression", node)
        return Tup(tuple(evaluate(engine, e, frame) for e in node.elts))
    if isinstance(node, ast.Dict) and all(
        isinstance(key, ast.Constant) and isinstance(key.value, str) for key in node.keys
    ):
        # grads = {"dw": dw, "db": db} (Ng's assignments): its values, as a returned tuple's are
        return Tup(tuple(evaluate(engine, value, frame) for value in node.values))
    if isinstance(node, ast.Lambda):
        return Func(node, None, "lambda")
    if isinstance(node, ast.Slice):
        return engine.subscript_item(node, frame)
    if isinstance(node, (ast.ListComp, ast.GeneratorExp)):
        return _comprehension(engine, node, frame)
    raise Refusal(f"the expression {type(node).__name__} ({_text(node)})", node)


def _comprehension(engine: Engine, node: ast.ListComp | ast.GeneratorExp, frame: Frame) -> Value:
    """``[e / s for e in exps]``, ``(math.exp(v) for v in logits)`` (pure Python, as micrograd writes it):
    the element for each entry of what is iterated (``range(n)``, a list, ``enumerate``, ``zip``), along
    a new first axis. One ``for`` without ``if`` is read."""
    if len(node.generators) != 1 or node.generators[0].ifs or node.generators[0].is_async:
        raise Refusal(f"the comprehension {_text(node)} (one `for` without `if` is read)", node)
    generator = node.generators[0]
    iterated = evaluate(engine, generator.iter, frame)
    if isinstance(iterated, Unread):
        return iterated
    bindings, dim = engine.iteration(iterated, node)
    var = engine.dims.fresh(dim)
    saved = dict(frame.env)  # the comprehension's variables are its own (Python 3 scoping)
    try:
        engine.assign_loop_target(generator.target, bindings(Arr(Symbol(var), index_of=dim)), frame, node)
        element = evaluate(engine, node.elt, frame)
    finally:
        frame.env.clear()
        frame.env.update(saved)
    if isinstance(element, Unread):
        return element
    value = engine.arr(element, node)
    return Arr(value.node, (var, *value.axes), (dim, *value.dims), sources=value.sources)


def _grid_arithmetic(op: ast.operator, left: Value, right: Value) -> Value | None:
    """CUDA's ``blockIdx.x * blockDim.x + threadIdx.x`` is the thread's index."""

    def grid(v: Value) -> bool:
        return isinstance(v, Static) and v.value == "grid"

    if grid(left) and grid(right):
        return left
    block = [v for v in (left, right) if isinstance(v, Static) and v.value == "block"]
    if block:
        other = right if block[0] is left else left
        if isinstance(other, Arr) and other.rank == 1 and is_placeholder(other.node):
            return other  # a block's start plus tl.arange: the column index
        return block[0]
    if isinstance(op, ast.Add):
        for a, b in ((left, right), (right, left)):
            if grid(a) and isinstance(b, Arr) and b.index_of is not None:
                return b
    return None


def _bounds_guard(engine: Engine, op: ast.cmpop, left: Value, right: Value, at: ast.AST) -> Value | None:
    """``row < M`` (an index against a size) only keeps threads or blocks in range: it holds."""
    if not isinstance(op, (ast.Lt, ast.LtE)):
        return None
    if isinstance(left, Arr) and (
        left.index_of is not None or (left.rank == 1 and is_placeholder(left.node))
    ):
        engine.note(f"{_text(at)} is read as a bounds test that holds")
        return Static(True)
    return None


#: A name for the exponential of the logits (``exp_scores``, ``exp_logits``, ``expZ``).
_EXP_OF_LOGITS: Final = re.compile(r"exp_?(?P<base>scores|logits|Scores|Logits|[zZ])")


def _name(engine: Engine, node: ast.Name, frame: Frame) -> Value:
    name = node.id
    if name.endswith("_ptr") and (name not in frame.env or isinstance(frame.env[name], Lazy)):
        return Ptr(name, None)
    if name in frame.env:
        return frame.env[name]
    if name in engine.functions:
        return engine.functions[name]
    if name in _GRID:
        return Obj(name)
    if name == "threadIdx":
        return Obj(name)
    if (
        name in MODULE_NAMES
        or name in _BUILTINS
        or (name in FUNCTIONS and not name[0].isupper() and engine.dialect.name != "python")
    ):
        return Lib(name)
    if name in ("True", "true"):
        return Static(True)
    if name in ("False", "false"):
        return Static(False)
    if name in ("None", "nothing", "nullptr", "NULL", "null", "undefined"):
        return Static(None)
    if name in _PYTHON_FUNCTIONS and engine.dialect.name == "python":
        return Lib(name)
    if name.endswith("offsets") and "tl" in engine.libraries:
        call = ast.Call(func=node, args=[], keywords=[])
        value = _arange_triton(CallInfo(engine, call, frame, [], {}, name))
        engine.note(f"{name} (defined before the text) is read as the columns of the row")
        frame.env[name] = value
        return value
    if INDEX_NAMES.fullmatch(name):
        dim = engine.dims.new(f"the range of {name}")
        index = Arr(Symbol(engine.dims.fresh(dim)), index_of=dim)
        engine.note(f"{name} is not defined in the text: read as an index")
        frame.env[name] = index
        return index
    exponential = _EXP_OF_LOGITS.fullmatch(name)
    if exponential is not None:
        # exp_scores (cs231n's), exp_logits: the exponential of the scores, as the name says
        base = exponential["base"]
        scores = engine.arr(_name(engine, ast.Name(id=base, ctx=ast.Load(), lineno=node.lineno,
                                                   col_offset=node.col_offset), frame), node)  # fmt: skip
        engine.note(f"{name} is not defined in the text: read as exp({base}) (its name)")
        value = replace(scores, node=Exp(scores.node), size_of=None, index_of=None, is_cond=False)
        frame.env[name] = value
        return value
    value = engine.input(name, node)
    engine.note(f"{name} is not defined in the text (an input)")
    engine.free_names.add(name)
    frame.env[name] = value
    return value


#: Names that, used without a definition, are indices (an enclosing loop's variable, a thread's row).
INDEX_NAMES: Final = re.compile(r"[ijk]|ii|jj|row|col|index|idx|sample|n_?idx|row_?index|col_?index")

MODULE_NAMES: Final = frozenset(
    "np numpy torch tl F math jnp jax scipy special nn functional math_ops tf arma std Math cp Nd4j "
    "libdevice nnf".split()
)
#: Bare names read as functions in Python when the text does not define them.
_PYTHON_FUNCTIONS: Final = frozenset(
    "softmax log_softmax logsoftmax sigmoid logsumexp stable_softmax expit tl_arange".split()
)


def _attribute(engine: Engine, node: ast.Attribute, frame: Frame) -> Value:
    base_node = node.value
    if isinstance(base_node, ast.Name) and base_node.id in _GRID:
        return Static("grid")
    if isinstance(base_node, ast.Name) and base_node.id == "threadIdx":
        key = f"threadIdx.{node.attr}"
        found = frame.env.get(key)
        if isinstance(found, Arr):
            return found
        dim = engine.dims.new("threads")
        value = Arr(Symbol(engine.dims.fresh(dim)), index_of=dim)
        frame.env[key] = value
        return value
    base = _attribute_base(engine, base_node, node.attr, frame)
    if isinstance(base, Lib):
        return Lib(f"{base.path}.{node.attr}")
    if isinstance(base, Unread):
        return base
    if isinstance(base, Obj):
        full = f"{base.path}.{node.attr}"
        if full in frame.env:
            found = frame.env[full]
            if isinstance(found, Lazy):
                return engine.arr(found, node)
            return found
        if full.endswith("_ptr"):
            return Ptr(node.attr, None)
        created = engine.input(_input_name(engine, full), node)
        frame.env[full] = created
        return created
    if isinstance(base, (Arr, Lazy, SizeAttr)):
        return _array_attribute(engine, engine.arr(base, node), node.attr, node)
    if isinstance(base, (Tup, Static, Func)):
        return Bound(base, node.attr)
    raise Refusal(f"the attribute {_text(node)}", node)


def _attribute_base(engine: Engine, node: ast.expr, attribute: str, frame: Frame) -> Value:
    """What ``node`` is when an attribute is read from it: an object, an array or a module."""
    if not isinstance(node, ast.Name):
        return evaluate(engine, node, frame)
    name = node.id
    array_use = attribute in ARRAY_ATTRIBUTES or attribute in METHODS
    if name in frame.env:
        value = frame.env[name]
        if isinstance(value, Lazy) and not array_use:
            return Obj(name)
        return value
    if name in MODULE_NAMES:
        return Lib(name)
    if name in engine.functions:
        return engine.functions[name]
    if array_use:
        return evaluate(engine, node, frame)
    return Obj(name)


#: Attributes and methods that make the object they are read from an array.
ARRAY_ATTRIBUTES: Final = frozenset("T mT H shape size ndim length dtype".split())


def _input_name(engine: Engine, path: str) -> str:
    """``self.probs`` -> ``probs`` unless the text also uses ``probs`` as a plain name."""
    last = path.split(".")[-1]
    return path if last in engine.taken_names else last


def _array_attribute(engine: Engine, value: Arr, attribute: str, at: ast.AST) -> Value:
    if attribute in ("T", "mT", "H"):
        if value.rank == 1 and engine.dialect.name == "julia":
            # x' of a Julia vector is a row (1 x n): (p - y) * x' is an outer product
            return Arr(value.node, (None, *value.axes), (None, *value.dims), value.sources)
        return transpose(value)
    if attribute == "shape":
        from derive.claims.code_engine import ShapeTup

        return ShapeTup(tuple(engine.size_value(value, k, at) for k in range(value.rank)), value)
    if attribute == "size":
        return SizeAttr(value)
    if attribute == "length":  # JavaScript
        return engine.size_value(value, 0, at)
    if attribute == "ndim":
        return Static(value.rank)
    if attribute in ("dtype", "device"):
        return Static(attribute)
    return Bound(value, attribute)


def _subscript(engine: Engine, node: ast.Subscript, frame: Frame) -> Value:
    if (
        isinstance(node.value, ast.Attribute)
        and node.value.attr == "shape"
        and not isinstance(node.slice, (ast.Slice, ast.Tuple))
    ):
        owner = evaluate(engine, node.value.value, frame)
        if isinstance(owner, (Arr, Lazy)):
            k = engine.static_int(evaluate(engine, node.slice, frame), node, "the axis of shape[...]")
            return engine.size_value(engine.arr(owner, node), k, node)
    base = evaluate(engine, node.value, frame)
    part = node.slice
    items_nodes = list(part.elts) if isinstance(part, ast.Tuple) else [part]
    items = [engine.subscript_item(i, frame) for i in items_nodes]
    if len(items) == 1 and isinstance(items[0], Static) and isinstance(items[0].value, str):
        path = (
            engine.attribute_path(node.value, frame)
            if isinstance(node.value, (ast.Name, ast.Attribute))
            else None
        )
        if path is not None:
            key = f"{path}[{items[0].value!r}]"
            if key in frame.env:
                return frame.env[key]
            created = engine.input(key, node)  # a dictionary entry the text does not define
            frame.env[key] = created
            return created
    if isinstance(base, Unread):
        return base
    if isinstance(base, Tup):
        if len(items) == 1 and isinstance(items[0], Static) and isinstance(items[0].value, int):
            k = items[0].value
            if -len(base.items) <= k < len(base.items):
                return base.items[k]
        raise Refusal(f"the subscript {_text(node)} of a tuple", node)
    if isinstance(base, Ptr):
        raise Refusal("a subscript of a pointer", node)
    if isinstance(base, (Arr, Lazy, SizeAttr)):
        array = engine.arr(base, node)
        if len(items) == 1 and isinstance(items[0], Tup):
            items = list(items[0].items)  # x[idx] with idx = (rows, y)
        return engine.read_index(array, items, node)
    if isinstance(base, Lib) and base.path.split(".")[-1] == "eye":
        raise Refusal("a subscript of np.eye without its size", node)
    raise Refusal(f"the subscript {_text(node)} of {type(base).__name__.lower()}", node)


@dataclass
class CallInfo:
    engine: Engine
    node: ast.Call
    frame: Frame
    args: list[Value]
    kwargs: dict[str, Value]
    name: str

    def arr(self, k: int) -> Arr:
        if k >= len(self.args):
            raise Refusal(f"{self.name} with {len(self.args)} argument(s), fewer than it takes", self.node)
        return self.engine.arr(self.args[k], self.node)

    def has(self, k: int) -> bool:
        return len(self.args) > k

    def kw(self, *names: str) -> Value | None:
        for name in names:
            if name in self.kwargs:
                return self.kwargs[name]
        return None

    def refuse(self, what: str) -> Refusal:
        return Refusal(f"{what} in {_text(self.node)}", self.node)


def _call(engine: Engine, node: ast.Call, frame: Frame) -> Value:
    function = evaluate(engine, node.func, frame)
    if any(isinstance(a, ast.Starred) for a in node.args):
        raise Refusal(f"a starred argument in {_text(node)}", node)
    args = [evaluate(engine, a, frame) for a in node.args]
    kwargs = {k.arg: evaluate(engine, k.value, frame) for k in node.keywords if k.arg is not None}
    for value in list(args) + list(kwargs.values()):
        if isinstance(value, Unread) and not isinstance(function, Func):
            return value
    if isinstance(function, Unread):
        return function
    autograd = _dotted_name(node.func)
    if (
        autograd is not None
        and autograd.split(".")[-1] in ("grad", "elementwise_grad")
        and len(args) == 1
        and isinstance(args[0], Func)
    ):
        return Bound(args[0], "__grad__")
    if isinstance(function, Func):
        return engine.call_function(function, args, kwargs, node, frame)
    if isinstance(function, Bound) and isinstance(function.obj, Func) and function.name == "__grad__":
        return _autograd(CallInfo(engine, node, frame, args, kwargs, "grad"), function.obj)
    if isinstance(function, Lib):
        name = function.path.split(".")[-1]
        info = CallInfo(engine, node, frame, args, kwargs, function.path)
        if name == "grad" and len(args) == 1 and isinstance(args[0], Func):
            return Bound(args[0], "__grad__")
        handler = FUNCTIONS.get(name)
        if handler is None:
            raise Refusal(f"the function {function.path}", node)
        try:
            return handler(info)
        except IndexError:
            # A handler reads the arguments the function takes; a call with fewer is not read.
            raise Refusal(f"{function.path} with {len(args)} argument(s), too few", node) from None
    if isinstance(function, Bound):
        info = CallInfo(engine, node, frame, args, kwargs, function.name)
        if isinstance(function.obj, Func) and function.name == "__grad__":
            return _autograd(info, function.obj)
        if isinstance(function.obj, (Arr, SizeAttr, Lazy)):
            method = METHODS.get(function.name)
            if method is None:
                raise Refusal(f"the method .{function.name}()", node)
            return method(info, engine.arr(function.obj, node))
        raise Refusal(f"the method .{function.name}() of {type(function.obj).__name__.lower()}", node)
    if isinstance(function, SizeAttr):
        if not args:
            of = function.of
            if engine.dialect.name in ("python", "lua"):
                from derive.claims.code_engine import ShapeTup

                return ShapeTup(tuple(engine.size_value(of, k, node) for k in range(of.rank)), of)
            return engine.size_value(of, 0, node)  # C++ v.size(): the length
        if len(args) == 1:
            k = engine.static_int(args[0], node, "the axis of size()")
            return engine.size_value(function.of, k - 1 if engine.dialect.one_based else k, node)
        raise Refusal(f"size() with {len(args)} arguments", node)
    if (
        isinstance(function, Lazy)
        and isinstance(function.default, str)
        and function.default.startswith("function:")
    ):
        name = function.default.split(":", 1)[1]
        engine.note(f"{function.name}(...) uses the parameter's default function {name}")
        handler = FUNCTIONS.get(name)
        if handler is not None:
            return handler(CallInfo(engine, node, frame, args, kwargs, name))
    if isinstance(function, (Arr, Lazy)) and engine.dialect.name != "python":
        # MATLAB a(i), C++ m(i, j): an entry; f(x) of an undefined f with array arguments: a function
        defined = (
            isinstance(node.func, ast.Name)
            and node.func.id in frame.env
            and not _created_free(engine, node.func.id)
        )
        if (defined and engine.dialect.call_indexes) or all(_index_like_argument(a) for a in args):
            return engine.read_index(engine.arr(function, node), args, node)
        if isinstance(node.func, ast.Name):
            return _opaque(engine, node, args, frame)
    if isinstance(function, Arr) and isinstance(node.func, ast.Name):
        return _opaque(engine, node, args, frame)
    if isinstance(function, Lazy):
        raise Refusal(f"the parameter {function.name} called as a function", node)
    if isinstance(function, Obj):
        raise Refusal(f"the method {_text(node.func)}", node)
    raise Refusal(f"the call {_text(node)}", node)


def _dotted_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _created_free(engine: Engine, name: str) -> bool:
    """Whether ``name`` was made an input because the text uses it without defining it."""
    return name in engine.free_names


def _index_like_argument(value: Value) -> bool:
    """A subscript: a slice, a constant, a loop index, a range, index pairs, a label."""
    if isinstance(value, (SliceV, Pairs)):
        return True
    if isinstance(value, Static):
        return isinstance(value.value, int) and not isinstance(value.value, bool)
    if isinstance(value, Arr):
        return (
            value.index_of is not None
            or (value.rank >= 1 and is_placeholder(value.node))
            or (value.rank == 0 and value.is_cond is False and _is_label_entry(value.node))
        )
    return False


def _is_label_entry(node: Node) -> bool:
    return isinstance(node, Symbol) and bool(node.indices) and all(is_placeholder(i) for i in node.indices)


def _opaque(engine: Engine, node: ast.Call, args: list[Value], frame: Frame) -> Value:
    assert isinstance(node.func, ast.Name)
    return unknown_function(engine, node.func.id, node, args)


def engine_frame(engine: Engine) -> Frame:
    return Frame(env={}, function=None, owner=None, record=False)


def _autograd(info: CallInfo, function: Func) -> Value:
    """``grad(f)(x, ...)``: automatic differentiation, read as the derivative of f by its first argument."""
    engine = info.engine
    value = engine.arr(
        engine.call_function(function, info.args, info.kwargs, info.node, info.frame), info.node
    )
    wrt = info.arr(0)
    if value.rank != 0:
        raise info.refuse("the gradient of a function whose value is not a number")
    engine.note(
        f"{_text(info.node)}: automatic differentiation, read as the derivative of {function.name} "
        "by its first argument"
    )
    return Arr(Derivative(value.node, wrt.node), wrt.axes, wrt.dims, wrt.sources)


#: Constructors of zero arrays that a text calls but does not define (TensorZero(1, 1, 1, n), MatZero(n, n)).
ZERO_CONSTRUCTORS: Final = re.compile(
    r"(tensor|mat|matrix|array|vec|vector)zeros?|zeros?(tensor|mat|matrix|array)"
)

#: Helpers that the text calls but does not define, read by their name (the reading notes it).
NAMED_HELPERS: Final = {
    "mulmat": "matmul",
    "matmul": "matmul",
    "matmult": "matmul",
    "softmax": "softmax",
    "stablesoftmax": "softmax",
    "logsoftmax": "log_softmax",
    "sigmoid": "sigmoid",
}


def unknown_function(engine: Engine, name: str, node: ast.Call, args: list[Value]) -> Value:
    """A function neither in the tables nor defined in the text: its value is an input named after it."""
    key = name.lower().replace("_", "")
    if ZERO_CONSTRUCTORS.fullmatch(key) and args and all(isinstance(a, (Static, Arr, Lazy)) for a in args):
        engine.note(f"{name}(...) is not defined in the text: read as an array of zeros of that shape")
        return _filled(ZERO)(CallInfo(engine, node, engine_frame(engine), list(args), {}, name))
    if key in NAMED_HELPERS and NAMED_HELPERS[key] == "matmul" and len(args) == 2:
        engine.note(f"{name}(...) is not defined in the text: read as the matrix product its name says")
        return engine.matmul(engine.arr(args[0], node), engine.arr(args[1], node), node)
    if key in NAMED_HELPERS and len(args) == 1:
        engine.note(f"{name}(...) is not defined in the text: read as the {NAMED_HELPERS[key]} its name says")
        info = CallInfo(engine, node, engine_frame(engine), list(args), {}, NAMED_HELPERS[key])
        return FUNCTIONS[NAMED_HELPERS[key]](info)
    engine.note(f"{name}(...) is not defined in the text: its value is read as an input named {name}")
    engine.opaque_calls.add(name)
    return engine.input(name, node)


# --------------------------------------------------------------------------------------------------------
# Axes
# --------------------------------------------------------------------------------------------------------


def _axis_positions(info: CallInfo, value: Arr, axis: Value | None) -> list[int] | None:
    """Axis numbers from an ``axis``/``dim``/``dims`` argument (None: all axes)."""
    engine = info.engine
    if axis is None or (isinstance(axis, Static) and axis.value is None):
        return None
    items = axis.items if isinstance(axis, Tup) else (axis,)
    positions: list[int] = []
    for item in items:
        k = engine.static_int(item, info.node, "the axis")
        if engine.dialect.one_based:
            k -= 1
        if k < 0:
            engine.need_rank(value, -k, f"{_text(info.node)} names axis {k}")
            k += value.rank
        engine.need_rank(value, k + 1, f"{_text(info.node)} names axis {k}")
        positions.append(k)
    return positions


def reduction(info: CallInfo, value: Arr, kind: str, axis: Value | None, keepdims: bool) -> Arr:
    engine = info.engine
    positions = _axis_positions(info, value, axis)
    if positions is None:
        if engine.dialect.reduce_first:
            long = [k for k, a in enumerate(value.axes) if a is not None]
            positions = [long[0]] if long else [0]
            keepdims = True
        else:
            positions = list(range(value.rank))
    if engine.dialect.matlab_shapes:
        keepdims = True
    if engine.dialect.name == "julia" and axis is not None:
        keepdims = True
    return reduce_axes(value, positions, kind, keepdims, engine.dims)


def _keep(info: CallInfo) -> bool:
    keep = info.kw("keepdims", "keepdim")
    return bool(isinstance(keep, Static) and keep.value)


# --------------------------------------------------------------------------------------------------------
# Function tables
# --------------------------------------------------------------------------------------------------------

Handler = Callable[[CallInfo], Value]
MethodHandler = Callable[[CallInfo, Arr], Value]


def _unary(build: Callable[[Node], Node]) -> Handler:
    def handler(info: CallInfo) -> Value:
        if len(info.args) != 1:
            raise info.refuse(f"{info.name} with {len(info.args)} arguments")
        value = info.arr(0)
        return replace(
            value, node=build(value.node), size_of=None, index_of=None, is_cond=False, default=None
        )

    return handler


def _sigmoid(node: Node) -> Node:
    return div(ONE, add(ONE, Exp(neg(node))))


def _sqrt(node: Node) -> Node:
    from derive.claims.code_index import power

    return power(node, number(Fraction(1, 2)))


def _square(node: Node) -> Node:
    from derive.claims.code_index import power

    return power(node, number(2))


def _call_node(name: str) -> Callable[[Node], Node]:
    def build(node: Node) -> Node:
        from derive.claims.ast import Call

        return Call(Symbol(name), (node,))

    return build


def _softmax_axis(info: CallInfo, value: Arr) -> Value | None:
    axis = info.kw("axis", "dim", "dims")
    if axis is None and len(info.args) > 1:
        axis = info.args[1]
    if axis is None:
        engine = info.engine
        if value.proper <= 1:
            return None
        called = info.node.func
        name = called.id if isinstance(called, ast.Name) else _text(called)
        if engine.imported.get(name, name).endswith("special.softmax"):
            # scipy.special.softmax(Z) with no axis normalizes over every entry of the array
            raise Refusal(f"{_text(info.node)}: scipy's softmax with no axis runs over the whole array")
        if engine.dialect.matlab_shapes or engine.dialect.name == "julia":
            engine.note(f"{_text(info.node)}: softmax over the first axis (each column)")
            engine.classes_in_columns = True
            return Static(1 if engine.dialect.one_based else 0)
        weights_rows = engine.weights_rows(value)
        if weights_rows or engine.softmax_columns:
            # softmax(np.dot(W, X) + b): the weights' product has the classes in its rows; or the reading
            # asked for (the code's gradient has the examples in columns: dZ @ X.T)
            said = "W X has the classes as rows" if weights_rows else "the examples in columns"
            engine.note(f"{_text(info.node)}: softmax over the first axis (each column): {said}")
            engine.classes_in_columns = True
            return Static(0)
        engine.note(f"{_text(info.node)}: softmax over the last axis (each row)")
        engine.softmax_rows_assumed = True
        return Static(-1)
    return axis


def softmax(info: CallInfo) -> Value:
    value = info.arr(0)
    axis = _softmax_axis(info, value)
    exps = replace(value, node=Exp(value.node), size_of=None, index_of=None)
    total = reduction(info, exps, "sum", axis, True)
    return info.engine.elementwise(div, [exps, total], info.node)


def log_softmax(info: CallInfo) -> Value:
    value = info.arr(0)
    axis = _softmax_axis(info, value)
    exps = replace(value, node=Exp(value.node), size_of=None, index_of=None)
    total = reduction(info, exps, "sum", axis, True)
    return info.engine.elementwise(sub, [value, replace(total, node=Log(total.node))], info.node)


def logsumexp(info: CallInfo) -> Value:
    value = info.arr(0)
    axis = info.kw("axis", "dim", "dims")
    if axis is None and len(info.args) > 1:
        axis = info.args[1]
    exps = replace(value, node=Exp(value.node), size_of=None, index_of=None)
    total = reduction(info, exps, "sum", axis, _keep(info))
    return replace(total, node=Log(total.node))


def _reducer(kind: str) -> Handler:
    def handler(info: CallInfo) -> Value:
        engine = info.engine
        name = info.name.split(".")[-1]
        if kind in ("max", "min") and len(info.args) == 2 and not (isinstance(info.args[1], Static)):
            return _elementwise_extreme(info, kind)
        if (
            kind in ("max", "min")
            and len(info.args) == 2
            and engine.dialect.name != "python"
            and not engine.dialect.one_based
        ):
            return _elementwise_extreme(info, kind)
        if not info.args:
            raise info.refuse(f"{name} without arguments")
        first = info.args[0]
        if isinstance(first, Tup):
            raise info.refuse(f"{name} of a list")
        value = info.arr(0)
        axis = info.kw("axis", "dim", "dims")
        if _flux_dims(info, next((k.value for k in info.node.keywords if k.arg == "dims"), None)):
            axis = Static(1)
        if axis is None and len(info.args) >= 2:
            if engine.dialect.matlab_shapes and kind in ("max", "min"):
                if len(info.args) == 3 and isinstance(info.args[1], Tup) and not info.args[1].items:
                    axis = info.args[2]
                elif len(info.args) == 2:
                    return _elementwise_extreme(info, kind)
            else:
                axis = info.args[1]
        python_builtin = info.name in ("sum", "max", "min") and engine.dialect.name == "python"
        if python_builtin:
            # Python's sum/max iterate over the first axis
            engine.need_rank(value, 1, f"{_text(info.node)} iterates over an array")
            return reduce_axes(value, [0], kind, False, engine.dims)
        torch_tuple = kind in ("max", "min") and info.name.startswith("torch") and axis is not None
        result = reduction(info, value, kind, axis, _keep(info))
        if engine.dialect.matlab_shapes and kind in ("max", "min") and axis is not None:
            from derive.claims.code_engine import Argmax

            position = engine.static_int(axis, info.node, "the axis") - 1
            return Tup((result, Argmax(value, position)))
        if torch_tuple:
            return Tup((result, Unread(f"the indices returned by {_text(info.node)}", info.node)))
        return result

    return handler


def _flux_dims(info: CallInfo, written: ast.expr | None) -> bool:
    """Flux's ``sum(x; dims)``, ``size(y, dims)``: the loss's own keyword ``dims``, an input here, read as
    its default 1 (the classes of each column), shown."""
    if info.engine.dialect.name != "julia" or not (isinstance(written, ast.Name) and written.id == "dims"):
        return False
    info.engine.note(f"{_text(info.node)}: dims, the function's keyword, read as its default 1")
    return True


def _aggregate(info: CallInfo) -> Value:
    """Flux's ``agg(...)``: a loss's aggregation keyword, ``mean`` by default (shown)."""
    info.engine.note(f"{_text(info.node)}: agg, the loss's aggregation keyword, read as its default mean")
    return _reducer("mean")(info)


def _elementwise_extreme(info: CallInfo, kind: str) -> Value:
    """``max(a, b)``: a numerical guard when one side is a small constant, else a call."""
    engine = info.engine
    a, b = info.arr(0), info.arr(1)
    for value, other in ((a, b), (b, a)):
        c = _constant(other.node)
        if c is not None and 0 < abs(c) < Fraction(1, 1000):
            engine.note(
                f"{_text(info.node)} read as "
                f"{_text(info.node.args[0] if value is a else info.node.args[1])} "
                "(a guard against a tiny value)"
            )
            return value
    from derive.claims.ast import Call

    return engine.elementwise(lambda x, y: Call(Symbol(kind), (x, y)), [a, b], info.node)


def _extreme(kind: str) -> Handler:
    """``maximum``: Julia's ``maximum(z)`` (``dims=...``) reduces as ``max`` does; numpy's
    ``maximum(a, b)`` is elementwise."""
    reduce = _reducer(kind)
    return lambda info: reduce(info) if len(info.args) == 1 else _elementwise_extreme(info, kind)


def _constant(node: Node) -> Fraction | None:
    from derive.claims.code_index import constant_of

    return constant_of(node)


def _clip(info: CallInfo) -> Value:
    engine = info.engine
    value = info.arr(0)
    bounds = [
        info.args[k] if info.has(k) else info.kw(("a_min", "min")[k - 1], ("a_max", "max")[k - 1])
        for k in (1, 2)
    ]
    for bound in bounds:
        if bound is None or (isinstance(bound, Static) and bound.value is None):
            continue
        b = engine.arr(bound, info.node)
        c = _constant(b.node)
        if c is None:
            raise info.refuse("a clip to a bound that is not a constant")
        if not (abs(c) < Fraction(1, 1000) or abs(1 - c) < Fraction(1, 1000)):
            raise info.refuse(f"a clip to {float(c)}")
    engine.note(f"{_text(info.node)} read as its first argument (a guard against log(0))")
    return value


def _gather(info: CallInfo) -> Value:
    """MATLAB's gather(x) brings a GPU array to the host: x itself. torch.gather(x, dim, index) picks entries
    (it was read as x: a wrong fails): refused."""
    if len(info.args) != 1 or info.kwargs:
        raise info.refuse(f"{info.name} picking entries by an index array")
    return _identity(info)


def _identity(info: CallInfo) -> Value:
    if info.args and isinstance(info.args[0], Static) and info.args[0].value in ("inf", "-inf", "Inf"):
        return Static(float(str(info.args[0].value)))
    if not info.args:
        raise info.refuse(f"{info.name} without arguments")
    value = info.args[0]
    if isinstance(value, Lazy):
        return info.arr(0)
    return value


def _integer_cast(info: CallInfo) -> Value:
    """``(int)(label)``: a number; an input cast to an integer is one label, not an array."""
    engine = info.engine
    value = info.args[0] if info.args else None
    if isinstance(value, (Arr, Lazy)) and engine.dialect.name != "python":
        array = info.arr(0)
        if array.rank >= 1 and array.node == engine._input_node(array):
            from derive.claims.code_engine import Restart

            for name in array.sources:
                if engine.plan.get(name, (1, "default"))[1] == "default":
                    raise Restart({name: (0, "exact")}, f"{_text(info.node)} casts it to an integer")
        return array
    if isinstance(value, (Arr, Lazy)):
        from derive.claims.ast import Div
        from derive.claims.mapping import walk

        if any(isinstance(n, Div) for n in walk(info.arr(0).node)):
            # int(1 / N) is 0 for N > 1: a cast that truncates a quotient is not read as the quotient
            raise info.engine.refuse(f"{_text(info.node)} truncates a quotient to a whole number", info.node)
    return _identity(info)


def _nan_to_num(info: CallInfo) -> Value:
    info.engine.note(f"{_text(info.node)} read as its argument (it only replaces NaN and infinities)")
    return info.arr(0)


def _power(info: CallInfo) -> Value:
    from derive.claims.code_index import power

    return info.engine.elementwise(power, [info.arr(0), info.arr(1)], info.node)


def _binary(build: Callable[[Node, Node], Node]) -> Handler:
    def handler(info: CallInfo) -> Value:
        return info.engine.elementwise(build, [info.arr(0), info.arr(1)], info.node)

    return handler


def _dot(info: CallInfo) -> Value:
    return info.engine.matmul(info.arr(0), info.arr(1), info.node)


def _outer(info: CallInfo) -> Value:
    a, b = info.arr(0), info.arr(1)
    flat_a = Arr(
        a.node,
        tuple(x for x in a.axes if x),
        tuple(d for x, d in zip(a.axes, a.dims, strict=True) if x),
        a.sources,
    )
    flat_b = Arr(
        b.node,
        tuple(x for x in b.axes if x),
        tuple(d for x, d in zip(b.axes, b.dims, strict=True) if x),
        b.sources,
    )
    return outer(flat_a, flat_b, info.engine.dims)


def _diag(info: CallInfo) -> Value:
    """``diag(s)`` of a vector: s_i delta_ij; of a matrix: its diagonal."""
    engine = info.engine
    value = info.arr(0)
    long = [(a, d) for a, d in zip(value.axes, value.dims, strict=True) if a is not None]
    if len(long) == 1:
        ((axis, dim),) = long
        assert dim is not None
        other = engine.dims.fresh(dim)
        node = mul(rename(value.node, {axis: axis}, engine.dims), KroneckerDelta(Symbol(axis), Symbol(other)))
        return Arr(node, (axis, other), (dim, dim), value.sources)
    if len(long) == 2 and info.name.split(".")[-1] in ("diag", "diagonal"):
        (a0, d0), (a1, d1) = long
        engine.dims.unify(d0, d1)
        node = rename(value.node, {a1: a0}, engine.dims)
        axes: tuple[str | None, ...] = (a0, None) if engine.dialect.matlab_shapes else (a0,)
        dims: tuple[int | None, ...] = (d0, None) if engine.dialect.matlab_shapes else (d0,)
        return Arr(node, axes, dims, value.sources)
    engine.need_rank(value, 1, f"{_text(info.node)} needs a vector", proper=True)
    raise info.refuse(f"diag of an array with {len(long)} long axes")


def _diag_embed(info: CallInfo) -> Value:
    engine = info.engine
    value = info.arr(0)
    engine.need_rank(value, 1, f"{_text(info.node)}")
    axis, dim = value.axes[-1], value.dims[-1]
    if axis is None or dim is None:
        raise info.refuse("diag_embed of an axis of size one")
    other = engine.dims.fresh(dim)
    node = mul(value.node, KroneckerDelta(Symbol(axis), Symbol(other)))
    return Arr(node, (*value.axes, other), (*value.dims, dim), value.sources)


def _like(fill: Node) -> Handler:
    def handler(info: CallInfo) -> Value:
        value = info.arr(0)
        return Arr(fill, value.axes, value.dims, value.sources)

    return handler


def _shape_from(info: CallInfo, values: list[Value]) -> tuple[tuple[str | None, ...], tuple[int | None, ...]]:
    engine = info.engine
    if len(values) == 1 and isinstance(values[0], Tup):
        values = list(values[0].items)
    if len(values) == 1 and isinstance(values[0], Arr) and values[0].rank >= 1 and values[0].size_of is None:
        # torch.zeros(x:size()) and MATLAB zeros(size(x)): the shape of x
        shaped = values[0]
        return shaped.axes, shaped.dims
    axes: list[str | None] = []
    dims: list[int | None] = []
    for value in values:
        if isinstance(value, Static) and value.value == 1:
            axes.append(None)
            dims.append(None)
            continue
        if isinstance(value, Static) and isinstance(value.value, str):
            continue
        dim = engine.size_dim(value, info.node)
        axes.append(engine.dims.fresh(dim))
        dims.append(dim)
    if engine.dialect.matlab_shapes and len(axes) == 1:
        axes.append(
            axes[0] and engine.dims.fresh(dims[0]) if dims[0] is not None else None
        )  # zeros(n) is n x n
        dims.append(dims[0])
    return tuple(axes), tuple(dims)


def _filled(fill: Node) -> Handler:
    def handler(info: CallInfo) -> Value:
        shape_args = [a for a in info.args if not (isinstance(a, Static) and isinstance(a.value, str))]
        axes, dims = _shape_from(info, shape_args)
        sources = frozenset().union(*(a.sources for a in _shape_sources(shape_args)))
        return Arr(fill, axes, dims, sources)

    return handler


def _shape_sources(values: list[Value]) -> list[Arr]:
    found: list[Arr] = []
    for value in values:
        if isinstance(value, Tup):
            from derive.claims.code_engine import ShapeTup

            if isinstance(value, ShapeTup) and value.of is not None:
                found.append(value.of)
        elif isinstance(value, Arr):
            found.append(value)
    return found


def _eye(info: CallInfo) -> Value:
    engine = info.engine
    if len(info.args) != 1:
        raise info.refuse("eye with several sizes")
    dim = engine.size_dim(info.args[0], info.node)
    a, b = engine.dims.fresh(dim), engine.dims.fresh(dim)
    return Arr(KroneckerDelta(Symbol(a), Symbol(b)), (a, b), (dim, dim))


def _range(info: CallInfo) -> Value:
    if info.name.startswith("tl.") or info.name == "tl_arange":
        return _arange_triton(info)
    args = [a for a in info.args]
    return info.engine.range_value(args, info.node)


def _len(info: CallInfo) -> Value:
    engine = info.engine
    if info.args and isinstance(info.args[0], Tup):
        return Static(len(info.args[0].items))
    value = info.arr(0)
    if engine.dialect.matlab_shapes and info.name in ("length", "numel"):
        if info.name == "numel":
            return engine.total_size(value)
        long = [k for k, a in enumerate(value.axes) if a is not None]
        if len(long) > 1:
            raise info.refuse("length of a matrix")
        return engine.size_value(value, long[0] if long else 0, info.node)
    if info.name == "numel":
        return engine.total_size(value)
    return engine.size_value(value, 0, info.node)


def _size(info: CallInfo) -> Value:
    engine = info.engine
    value = info.arr(0)
    if len(info.args) == 1 and engine.dialect.matlab_shapes:
        return Tup(tuple(engine.size_value(value, k, info.node) for k in range(value.rank)))
    if len(info.args) == 1:
        return Tup(tuple(engine.size_value(value, k, info.node) for k in range(value.rank)))
    if _flux_dims(info, info.node.args[1] if len(info.node.args) > 1 else None):
        return engine.size_value(value, 0, info.node)
    k = engine.static_int(info.args[1], info.node, "the axis of size()")
    return engine.size_value(value, k - 1 if engine.dialect.one_based else k, info.node)


def _columns(info: CallInfo) -> Value:
    value = info.arr(0)
    info.engine.need_rank(value, 2, f"{_text(info.node)}", proper=True)
    return info.engine.size_value(value, 1 if info.name == "columns" else 0, info.node)


def _transpose(info: CallInfo) -> Value:
    value = info.arr(0)
    if len(info.args) == 3:
        a = info.engine.static_int(info.args[1], info.node, "an axis")
        b = info.engine.static_int(info.args[2], info.node, "an axis")
        order = list(range(value.rank))
        order[a], order[b] = order[b], order[a]
        return transpose(value, order)
    if value.rank == 1 and info.engine.dialect.name == "julia":
        return Arr(value.node, (None, *value.axes), (None, *value.dims), value.sources)
    return transpose(value)


def reshape(info: CallInfo, value: Arr, sizes: list[Value]) -> Arr:
    """Reshapes that only add or remove axes of size one (``reshape(-1, 1)``, ``view(n, 1)``)."""
    engine = info.engine
    if len(sizes) == 1 and isinstance(sizes[0], Tup):
        sizes = list(sizes[0].items)
    long = [(a, d) for a, d in zip(value.axes, value.dims, strict=True) if a is not None]
    targets: list[str] = []
    for size in sizes:
        if isinstance(size, Static) and size.value == 1:
            targets.append("one")
        elif isinstance(size, Static) and size.value == -1:
            targets.append("long")
        elif isinstance(size, (Arr, Lazy)):
            targets.append("long")
        else:
            raise info.refuse("a reshape to a fixed size")
    wanted = targets.count("long")
    if wanted != len(long):
        engine.need_rank(value, wanted, f"{_text(info.node)} keeps {wanted} long axes", proper=True)
        if wanted == 1 and len(long) == 0:
            raise info.refuse("a reshape of a number")
        engine.need_rank(value, wanted, f"{_text(info.node)} keeps {wanted} long axes", proper=True)
        raise info.refuse("a reshape that merges or splits axes")
    axes: list[str | None] = []
    dims: list[int | None] = []
    remaining = list(long)
    for target in targets:
        if target == "one":
            axes.append(None)
            dims.append(None)
        else:
            axis, dim = remaining.pop(0)
            axes.append(axis)
            dims.append(dim)
    return Arr(value.node, tuple(axes), tuple(dims), value.sources)


def _reshape_function(info: CallInfo) -> Value:
    return reshape(info, info.arr(0), list(info.args[1:]))


def _squeeze(info: CallInfo, value: Arr) -> Value:
    axes = tuple(a for a in value.axes if a is not None)
    dims = tuple(d for a, d in zip(value.axes, value.dims, strict=True) if a is not None)
    return Arr(value.node, axes, dims, value.sources)


def _unsqueeze(info: CallInfo, value: Arr, axis_value: Value) -> Value:
    k = info.engine.static_int(axis_value, info.node, "the axis of unsqueeze")
    if k < 0:
        k += value.rank + 1
    axes = list(value.axes)
    dims = list(value.dims)
    axes.insert(k, None)
    dims.insert(k, None)
    return Arr(value.node, tuple(axes), tuple(dims), value.sources)


def _where(info: CallInfo) -> Value:
    engine = info.engine
    if len(info.args) != 3:
        raise info.refuse("where without three arguments")
    test = info.args[0]
    if isinstance(test, Arr) and test.is_cond:
        return engine.merge_values(test, info.args[1], info.args[2], info.node)
    raise info.refuse("a condition that depends on the data")


def _repmat(info: CallInfo) -> Value:
    """MATLAB ``repmat(a, r, c)`` where a has size one along each repeated axis: a broadcast."""
    engine = info.engine
    value = info.arr(0)
    counts = info.args[1:]
    if len(counts) == 1 and isinstance(counts[0], Tup):
        counts = list(counts[0].items)
    if len(counts) != value.rank:
        raise info.refuse("repmat with another number of counts")
    axes = list(value.axes)
    dims = list(value.dims)
    for k, count in enumerate(counts):
        if isinstance(count, Static) and count.value == 1:
            continue
        if axes[k] is not None:
            raise info.refuse("repmat that tiles a long axis")
        dim = engine.size_dim(count, info.node)
        axes[k] = engine.dims.fresh(dim)
        dims[k] = dim
    return Arr(value.node, tuple(axes), tuple(dims), value.sources)


def _sparse(info: CallInfo) -> Value:
    """MATLAB ``sparse(rows, cols, v[, m, n])``: the matrix with v at each (rows(q), cols(q))."""
    engine = info.engine
    if len(info.args) not in (3, 5):
        raise info.refuse("sparse with this many arguments")
    rows, cols, fill = _vector(info, info.arr(0)), _vector(info, info.arr(1)), info.arr(2)
    if len(info.args) == 5:
        row_dim = engine.size_dim(info.args[3], info.node)
        col_dim = engine.size_dim(info.args[4], info.node)
    else:
        row_dim = engine.dims.new("classes (the largest label)")
        col_dim = cols.dims[0] if cols.dims and cols.dims[0] is not None else engine.dims.new("columns")
        engine.note(f"{_text(info.node)}: a one-hot matrix with a row per class")
    a, b = engine.dims.fresh(row_dim), engine.dims.fresh(col_dim)
    base = Arr(ZERO, (a, b), (row_dim, col_dim))
    fill = _vector(info, fill) if fill.proper else Arr(fill.node)
    return engine.write(base, [Pairs(rows, cols)], fill, None, info.node)


def _sub2ind(info: CallInfo) -> Value:
    if len(info.args) != 3:
        raise info.refuse("sub2ind with this many arguments")
    return Pairs(_vector(info, info.arr(1)), _vector(info, info.arr(2)))


def _vector(info: CallInfo, value: Arr) -> Arr:
    """A row or column as a plain vector (MATLAB pairs vectors entry by entry whatever their orientation)."""
    long = [(a, d) for a, d in zip(value.axes, value.dims, strict=True) if a is not None]
    if len(long) > 1:
        raise info.refuse("a matrix where a vector of indices is expected")
    if not long:
        return value
    ((axis, dim),) = long
    return Arr(value.node, (axis,), (dim,), value.sources, value.size_of, value.index_of)


def _einsum(info: CallInfo) -> Value:
    engine = info.engine
    spec = info.args[0]
    if not (isinstance(spec, Static) and isinstance(spec.value, str)) or "->" not in spec.value:
        raise info.refuse("einsum without an explicit output")
    inputs_text, output_text = spec.value.replace(" ", "").split("->")
    operands = [info.arr(k) for k in range(1, len(info.args))]
    letters = inputs_text.split(",")
    for ls, op in zip(letters, operands, strict=False):
        engine.need_rank(op, len(ls), f"{_text(info.node)} has {len(ls)} subscripts for it")
    if len(letters) != len(operands) or any(
        len(ls) != op.rank for ls, op in zip(letters, operands, strict=True)
    ):
        raise info.refuse("einsum subscripts that do not match the operands")
    placeholder: dict[str, str] = {}
    dims_of: dict[str, int] = {}
    nodes: list[Node] = []
    for ls, op in zip(letters, operands, strict=True):
        op = _refresh_if_shared(engine, op, nodes)
        mapping: dict[str, str] = {}
        for letter, axis, dim in zip(ls, op.axes, op.dims, strict=True):
            if axis is None or dim is None:
                raise info.refuse("einsum over an axis of size one")
            if letter in placeholder:
                engine.dims.unify(dims_of[letter], dim)
                mapping[axis] = placeholder[letter]
            else:
                placeholder[letter] = axis
                dims_of[letter] = dim
        nodes.append(rename(op.node, mapping, engine.dims))
    node = mul(*nodes)
    from derive.claims.code_index import sum_over

    for letter in placeholder:
        if letter not in output_text:
            fresh = engine.dims.fresh(dims_of[letter])
            node = sum_over(fresh, rename(node, {placeholder[letter]: fresh}, engine.dims), engine.dims)
    axes = tuple(placeholder[letter] for letter in output_text)
    dims = tuple(dims_of[letter] for letter in output_text)
    return Arr(node, axes, dims, frozenset().union(*(o.sources for o in operands)))


def _refresh_if_shared(engine: Engine, op: Arr, nodes: list[Node]) -> Arr:
    from derive.claims.code_index import free_placeholders, refresh

    used: set[str] = set()
    for node in nodes:
        used |= free_placeholders(node)
    if used & {a for a in op.axes if a}:
        return refresh(op, engine.dims)
    return op


def _iterate(kind: str) -> Handler:
    def handler(info: CallInfo) -> Value:
        return Tup((Static(kind), *info.args))

    return handler


def _argmax(info: CallInfo) -> Value:
    raise info.refuse("argmax (class labels from scores)")


def _one_hot(info: CallInfo) -> Value:
    """``F.one_hot(labels, num_classes)``, ``tf.one_hot(labels, depth)``, ``jax.nn.one_hot(labels,
    num_classes)``: the rows of the identity at the labels, ``np.eye(num_classes)[labels]``."""
    node = info.node
    sizes = [*node.args[1:2], *(k.value for k in node.keywords if k.arg in ("num_classes", "depth"))]
    if not node.args or len(sizes) != 1:
        raise info.refuse("one_hot without its number of classes")
    eye = ast.Call(ast.Attribute(ast.Name("np", ast.Load()), "eye", ast.Load()), [sizes[0]], [])
    rows = ast.copy_location(ast.Subscript(ast.copy_location(eye, node), node.args[0], ast.Load()), node)
    ast.fix_missing_locations(rows)
    return evaluate(info.engine, rows, info.frame)


def _load(info: CallInfo) -> Value:
    """Triton ``tl.load(ptr + offsets, mask=..., other=...)``: the entries of the pointed array."""
    engine = info.engine
    pointer = info.args[0]
    if not isinstance(pointer, Ptr):
        if isinstance(pointer, (Arr, Lazy)):
            raise info.refuse("a load from something that is not a pointer")
        raise info.refuse("a load")
    array = _pointed(engine, pointer, info.node)
    if info.kw("mask") is not None:
        engine.note(f"{_text(info.node)}: the mask only skips entries past the end of the row")
    return array


def _pointed(engine: Engine, pointer: Ptr, at: ast.AST) -> Arr:
    """The array a pointer reads: its vector offsets index it; number offsets (the row) are implicit."""
    name = pointer.name[:-4] if pointer.name.endswith("_ptr") else pointer.name
    offset = pointer.offset
    vector_axes: list[tuple[str, int]] = []
    if offset is not None:
        for axis, dim in zip(offset.axes, offset.dims, strict=True):
            if axis is not None and dim is not None:
                vector_axes.append((axis, dim))
    if not vector_axes:
        engine.note(f"{name}: an entry at the program's own row is read as a number per row")
        value = Arr(Symbol(name))
        engine.inputs.setdefault(name, value)
        return value
    if len(vector_axes) > 1:
        raise Refusal("a load of a block with several axes", at)
    ((axis, dim),) = vector_axes
    value = Arr(Symbol(name, (Symbol(axis),)), (axis,), (dim,))
    engine.inputs.setdefault(name, value)
    return value


def _store(info: CallInfo) -> Value:
    """Triton ``tl.store(ptr + offsets, value)``: assigns the pointed array (returns nothing)."""
    engine = info.engine
    pointer = info.args[0]
    if not isinstance(pointer, Ptr):
        raise info.refuse("a store to something that is not a pointer")
    target = _pointed(engine, pointer, info.node)
    value = engine.arr(info.args[1], info.node)
    name = pointer.name[:-4] if pointer.name.endswith("_ptr") else pointer.name
    if target.rank:
        nodes, shape = align([target, value], engine.dims)
        stored = with_node(shape, nodes[1])
        stored = Arr(stored.node, target.axes, target.dims, value.sources)
    else:
        stored = value
    engine.bind(info.frame, name, stored, info.node)
    return Static(None)


def _arange_triton(info: CallInfo) -> Value:
    """``tl.arange(0, BLOCK)`` (and a block's ``start + tl.arange``): the column index of the row."""
    engine = info.engine
    dim = engine.block_dim()
    placeholder = engine.dims.fresh(dim)
    return Arr(Symbol(placeholder), (placeholder,), (dim,))


def _program_id(info: CallInfo) -> Value:
    return Static("grid")


def _pointer_of(info: CallInfo) -> Value:
    raise info.refuse("pointer arithmetic")


def _to(info: CallInfo, value: Arr) -> Value:
    return value


def _range_inclusive(info: CallInfo) -> Value:
    """MATLAB/Julia ``a:b`` and Lua's ``for i = a, b``: from the first index to b."""
    engine = info.engine
    if len(info.args) != 2:
        raise info.refuse("a range")
    start = info.args[0]
    if not (isinstance(start, Static) and start.value == (1 if engine.dialect.one_based else 0)):
        raise info.refuse("a range that does not start at the first index")
    return engine.range_value([info.args[1]], info.node)


def _refuse_with(message: str) -> Handler:
    def handler(info: CallInfo) -> Value:
        raise info.refuse(message)

    return handler


def _mrdivide(info: CallInfo) -> Value:
    """MATLAB/Julia ``a / b``: division by a number (a matrix right-division is not read)."""
    engine = info.engine
    right = info.arr(1)
    if right.proper:
        raise info.refuse("a matrix right-division a / B")
    return engine.elementwise(div, [info.arr(0), right], info.node)


def _mpower(info: CallInfo) -> Value:
    engine = info.engine
    base = info.arr(0)
    if base.proper:
        raise info.refuse("a matrix power")
    from derive.claims.code_index import power

    return engine.elementwise(power, [base, info.arr(1)], info.node)


def _percent(info: CallInfo) -> Value:
    """C++ ``a % b`` of arrays of numbers: Armadillo's element-wise product (the remainder needs integers)."""
    engine = info.engine
    if engine.dialect.name in ("c++", "c", "cuda"):
        engine.note(f"{_text(info.node)}: % of arrays read as Armadillo's element-wise product")
        return engine.elementwise(mul, [info.arr(0), info.arr(1)], info.node)
    raise info.refuse("the remainder operator %")


def _type_test(info: CallInfo) -> Value:
    info.engine.note(f"{_text(info.node)}: a type test, taken to hold (it only picks a number type)")
    return Static(True)


def _reduce_loss(info: CallInfo, value: Arr, default: str) -> Value:
    reduction = info.kw("reduction")
    how = reduction.value if isinstance(reduction, Static) else default
    engine = info.engine
    if how == "none":
        return value
    if how == "sum":
        return reduce_axes(value, list(range(value.rank)), "sum", False, engine.dims)
    if how == "batchmean" and value.rank >= 1 and value.axes[0] is not None and value.dims[0] is not None:
        total = reduce_axes(value, list(range(value.rank)), "sum", False, engine.dims)
        return replace(total, node=div(total.node, engine.dims.size(value.dims[0])))
    if how in ("mean", "elementwise_mean", "batchmean"):
        return reduce_axes(value, list(range(value.rank)), "mean", False, engine.dims)
    raise info.refuse(f"the reduction {how!r}")


def _cross_entropy(info: CallInfo) -> Value:
    """torch ``F.cross_entropy(logits, labels)``: the mean over rows of -log softmax at each row's label."""
    engine = info.engine
    logits, labels = info.arr(0), info.arr(1)
    engine.need_rank(logits, 2, f"{_text(info.node)} takes logits with a row per example")
    exps = replace(logits, node=Exp(logits.node), size_of=None, index_of=None)
    total = reduce_axes(exps, [1], "sum", True, engine.dims)
    log_probs = engine.elementwise(sub, [logits, replace(total, node=Log(total.node))], info.node)
    dim = logits.dims[0]
    assert dim is not None
    row = engine.dims.fresh(dim)
    rows = Arr(Symbol(row), (row,), (dim,))
    picked = engine.read_index(log_probs, [rows, labels], info.node)
    engine.note(
        f"{_text(info.node)}: torch's cross-entropy of logits and class labels (its log-softmax over axis 1)"
    )
    return _reduce_loss(info, replace(picked, node=neg(picked.node)), "mean")


def _kl_div(info: CallInfo) -> Value:
    """torch ``F.kl_div(input, target)``, ``nn.KLDivLoss()(input, target)``: target (log target - input)."""
    engine = info.engine
    inputs, target = info.arr(0), info.arr(1)
    terms = engine.elementwise(lambda x, t: mul(t, sub(Log(t), x)), [inputs, target], info.node)
    engine.note(f"{_text(info.node)}: torch's KL divergence (input holds log-probabilities)")
    return _reduce_loss(info, terms, "mean")


def _kl_div_module(info: CallInfo) -> Value:
    if info.args:
        raise info.refuse("KLDivLoss with arguments")
    return Lib("__kl_div__")


#: Activations of hidden layers: kept as functions (a later layer reads their output as its input).
_ACTIVATIONS: Final = ("relu", "relu6", "gelu", "elu", "selu", "silu", "softplus", "leaky_relu")

FUNCTIONS: Final[dict[str, Handler]] = {
    "cross_entropy": _cross_entropy,
    "kl_div": _kl_div,
    "__kl_div__": _kl_div,
    "KLDivLoss": _kl_div_module,
    "__range__": _range_inclusive,
    "__range_step__": _refuse_with("a range with a step"),
    "__mrdivide__": _mrdivide,
    "__mpower__": _mpower,
    "__xor__": _refuse_with("^ (a bitwise XOR in this language)"),
    "__mod__": lambda info: _percent(info),
    "__backslash__": _refuse_with("a left division"),
    "__partial_loop__": _refuse_with("a loop that does not count up from 0 by 1 to a bound"),
    "__isa__": lambda info: _type_test(info),
    "exp": _unary(Exp),
    "expf": _unary(Exp),
    "log": _unary(Log),
    "logf": _unary(Log),
    "log1p": _unary(lambda n: Log(add(ONE, n))),
    "sqrt": _unary(_sqrt),
    "square": _unary(_square),
    "negative": _unary(neg),
    "reciprocal": _unary(lambda n: div(ONE, n)),
    "sigmoid": _unary(_sigmoid),
    "expit": _unary(_sigmoid),
    "σ": _unary(_sigmoid),  # Flux's and NNlib's σ, logσ
    "logσ": _unary(lambda n: Log(_sigmoid(n))),
    "logsigmoid": _unary(lambda n: Log(_sigmoid(n))),
    "log_sigmoid": _unary(lambda n: Log(_sigmoid(n))),
    "tanh": _unary(_call_node("tanh")),
    **{name: _unary(_call_node(name)) for name in _ACTIVATIONS},
    "abs": _unary(_call_node("abs")),
    "fabs": _unary(_call_node("abs")),
    "softmax": softmax,
    "stable_softmax": softmax,
    "log_softmax": log_softmax,
    "logsoftmax": log_softmax,
    "logsumexp": logsumexp,
    "sum": _reducer("sum"),
    "reduce_sum": _reducer("sum"),
    "nansum": _reducer("sum"),
    "mean": _reducer("mean"),
    "agg": _aggregate,
    "reduce_mean": _reducer("mean"),
    "max": _reducer("max"),
    "amax": _reducer("max"),
    "min": _reducer("min"),
    "amin": _reducer("min"),
    # Julia's maximum(z) (dims=...) reduces, as max does; numpy's maximum(a, b) is elementwise
    "maximum": _extreme("max"),
    "fmax": lambda info: _elementwise_extreme(info, "max"),
    "fmaxf": lambda info: _elementwise_extreme(info, "max"),
    "minimum": _extreme("min"),
    "clip": _clip,
    "clamp": _clip,
    "power": _power,
    "pow": _power,
    "add": _binary(add),
    "bsxfun_plus": _binary(add),  # MATLAB's bsxfun(@plus, A, B) (see code_syntax)
    "bsxfun_minus": _binary(sub),
    "bsxfun_times": _binary(mul),
    "bsxfun_rdivide": _binary(div),
    "subtract": _binary(sub),
    "multiply": _binary(mul),
    "divide": _binary(div),
    "true_divide": _binary(div),
    "dot": _dot,
    "matmul": _dot,
    "mm": _dot,
    "outer": _outer,
    "diag": _diag,
    "diagflat": _diag,
    "diagmat": _diag,
    "diag_embed": _diag_embed,
    "diagonal": _diag,
    "zeros_like": _like(ZERO),
    "empty_like": _like(ZERO),
    "similar": _like(ZERO),
    "ones_like": _like(ONE),
    "zeros": _filled(ZERO),
    "ones": _filled(ONE),
    "eye": _eye,
    "identity": _eye,
    "range": _range,
    "xrange": _range,
    "arange": _range,
    "len": _len,
    "length": _len,
    "numel": _len,
    "size": _size,
    "columns": _columns,
    "rows": _columns,
    "transpose": _transpose,
    "trans": _transpose,
    "reshape": _reshape_function,
    "copy": _identity,
    "int": lambda info: _integer_cast(info),
    "uint": lambda info: _integer_cast(info),
    "size_t": lambda info: _integer_cast(info),
    "array": _identity,
    "asarray": _identity,
    "tensor": _identity,
    "float": _identity,
    "double": _identity,
    "list": _identity,
    "gather": _gather,
    "full": _identity,
    "unthunk": _identity,
    "nan_to_num": _nan_to_num,
    "where": _where,
    "repmat": _repmat,
    "sparse": _sparse,
    "sub2ind": _sub2ind,
    "einsum": _einsum,
    "enumerate": _iterate("enumerate"),
    "zip": _iterate("zip"),
    "argmax": _argmax,
    "one_hot": _one_hot,
    "load": _load,
    "store": _store,
    "program_id": _program_id,
    "tl_arange": _range,
    "static_range": _range,
}


def _method_reduce(kind: str) -> MethodHandler:
    def handler(info: CallInfo, value: Arr) -> Value:
        axis = info.kw("axis", "dim", "dims")
        if axis is None and info.args:
            axis = info.args[0]
        result = reduction(info, value, kind, axis, _keep(info))
        if (kind in ("max", "min") and info.kw("dim") is not None) or (
            kind in ("max", "min") and info.args and "torch" in info.engine.libraries
        ):
            return Tup((result, Unread(f"the indices returned by {_text(info.node)}", info.node)))
        return result

    return handler


def _method_unary(build: Callable[[Node], Node]) -> MethodHandler:
    def handler(info: CallInfo, value: Arr) -> Value:
        return replace(value, node=build(value.node), size_of=None, index_of=None, is_cond=False)

    return handler


def _method_size(info: CallInfo, value: Arr) -> Value:
    engine = info.engine
    if not info.args:
        return Tup(tuple(engine.size_value(value, k, info.node) for k in range(value.rank)))
    k = engine.static_int(info.args[0], info.node, "the axis of size()")
    return engine.size_value(value, k - 1 if engine.dialect.one_based else k, info.node)


def _method_transpose(info: CallInfo, value: Arr) -> Value:
    if len(info.args) == 2:
        a = info.engine.static_int(info.args[0], info.node, "an axis")
        b = info.engine.static_int(info.args[1], info.node, "an axis")
        order = list(range(value.rank))
        a, b = a % max(value.rank, 1), b % max(value.rank, 1)
        order[a], order[b] = order[b], order[a]
        return transpose(value, order)
    return transpose(value)


def _method_map(info: CallInfo, value: Arr) -> Value:
    """JavaScript ``xs.map((x, k) => ...)``: the function applied to each entry (and its index)."""
    engine = info.engine
    function = info.args[0] if info.args else None
    if not isinstance(function, Func):
        raise info.refuse("map without a function")
    engine.need_rank(value, 1, f"{_text(info.node)} maps over an array")
    axis, dim = value.axes[0], value.dims[0]
    if axis is None or dim is None:
        raise info.refuse("map over an axis of size one")
    entry = engine.read_index(value, [Arr(Symbol(axis), index_of=dim)], info.node)
    index = Arr(Symbol(axis), index_of=dim)
    parameters = function.node.args.args
    arguments: list[Value] = [entry, index]
    arguments = arguments[: len(parameters)]
    result = engine.arr(engine.call_function(function, arguments, {}, info.node, info.frame), info.node)
    return Arr(result.node, (axis, *result.axes), (dim, *result.dims), result.sources | value.sources)


def _method_reduce_function(info: CallInfo, value: Arr) -> Value:
    """JavaScript ``xs.reduce((a, b) => a + b, 0)``: the sum of the entries (with a start of 0); any other
    function is refused."""
    function = info.args[0] if info.args else None
    if not isinstance(function, Func) or not isinstance(function.node, ast.Lambda):
        raise info.refuse("reduce without an arrow function")
    parameters = [argument.arg for argument in function.node.args.args]
    body = function.node.body
    adds = (
        len(parameters) == 2
        and isinstance(body, ast.BinOp)
        and isinstance(body.op, ast.Add)
        and {getattr(body.left, "id", None), getattr(body.right, "id", None)} == set(parameters)
    )
    start = info.args[1] if len(info.args) > 1 else Static(0)
    if not adds or not (isinstance(start, Static) and start.value == 0):
        raise info.refuse("reduce with a function other than a sum from 0")
    return reduction(replace(info, args=[]), value, "sum", None, False)


def _method_binary(build: Callable[[Node, Node], Node]) -> MethodHandler:
    def handler(info: CallInfo, value: Arr) -> Value:
        return info.engine.elementwise(build, [value, info.arr(0)], info.node)

    return handler


def _as_function(function: Handler) -> MethodHandler:
    """``logits.softmax(dim=1)``, ``x.log_softmax(-1)``: the function with the array as its first argument."""

    def handler(info: CallInfo, value: Arr) -> Value:
        return function(replace(info, args=[value, *info.args]))

    return handler


METHODS: Final[dict[str, MethodHandler]] = {
    "softmax": _as_function(softmax),
    "log_softmax": _as_function(log_softmax),
    "sum": _method_reduce("sum"),
    "mean": _method_reduce("mean"),
    "max": _method_reduce("max"),
    "min": _method_reduce("min"),
    "exp": _method_unary(Exp),
    "log": _method_unary(Log),
    "sqrt": _method_unary(_sqrt),
    "sigmoid": _method_unary(_sigmoid),
    "copy": _to,
    "clone": _to,
    "detach": _to,
    "astype": _to,
    "to": _to,
    "float": _to,
    "double": _to,
    "numpy": _to,
    "cpu": _to,
    "contiguous": _to,
    "t": lambda info, value: transpose(value),
    "transpose": _method_transpose,
    "reshape": lambda info, value: reshape(info, value, list(info.args)),
    "view": lambda info, value: reshape(info, value, list(info.args)),
    "squeeze": _squeeze,
    "unsqueeze": lambda info, value: _unsqueeze(info, value, info.args[0] if info.args else Static(None)),
    "dot": lambda info, value: info.engine.matmul(value, info.arr(0), info.node),
    "size": _method_size,
    "map": _method_map,
    "reduce": _method_reduce_function,
    "sub": _method_binary(sub),
    "mul": _method_binary(mul),
    "add": _method_binary(add),
    "div": _method_binary(div),
}


ARRAY_ATTRIBUTES_ALL: Final = ARRAY_ATTRIBUTES | set(METHODS)


def _numbers() -> None:
    """Import-time consistency checks of the tables (a misspelt entry fails at import)."""
    assert all(callable(h) for h in FUNCTIONS.values())
    assert all(callable(h) for h in METHODS.values())
    assert not (MODULE_NAMES & set(FUNCTIONS)), "a module name shadows a function"


_numbers()
