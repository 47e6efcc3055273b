"""A test-only NumPy interpreter of the claim IR in index form (used to check the code reader numerically).

It gives every index name a range from the arrays it indexes (``x[i, j]`` with x of shape (4, 3) makes i run
over 4 values and j over 3), then evaluates a value entry by entry.  Index values are counted from 0; a number
written as an index (``x_1``) is counted from 1, as on the page.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping

import numpy as np

from derive.claims.ast import (
    Add,
    Call,
    Cases,
    Condition,
    Derivative,
    Div,
    Exp,
    Indicator,
    KroneckerDelta,
    Log,
    Max,
    Mul,
    Neg,
    Node,
    Number,
    Pow,
    Size,
    Sum,
    Symbol,
)
from derive.claims.code import CodeReading, CodeValue


def stem(index: str) -> str:
    return re.sub(r"\d+$", "", index)


def sizes_of(reading: CodeReading, env: Mapping[str, object]) -> dict[str, int]:
    """The range of every index stem, from the inputs' shapes where the IR indexes them."""
    sizes: dict[str, int] = {}

    def walk(node: Node) -> None:
        if isinstance(node, Symbol) and node.indices and node.name in env:
            shape = np.shape(env[node.name])
            if len(shape) == len(node.indices):
                for index, length in zip(node.indices, shape, strict=True):
                    if isinstance(index, Symbol) and not index.indices:
                        sizes.setdefault(stem(index.name), int(length))
        for child in _children(node):
            walk(child)

    for value in reading.values.values():
        walk(value.node)
    return sizes


def _children(node: Node | Condition) -> list[Node]:
    out: list[Node] = []
    for name in getattr(node, "__dataclass_fields__", {}):
        value = getattr(node, name)
        out.extend(_nodes(value))
    return out


def _nodes(value: object) -> list[Node]:
    if isinstance(value, tuple):
        return [n for item in value for n in _nodes(item)]
    if hasattr(value, "__dataclass_fields__") and not isinstance(value, (str, int)):
        return [value]  # type: ignore[list-item]
    return []


class Evaluator:
    def __init__(self, env: Mapping[str, object], sizes: Mapping[str, int]) -> None:
        self.env = env
        self.sizes = sizes

    def index(self, node: Node, at: dict[str, int]) -> int:
        """A node in an index position: an index name, a number (from 1) or a label entry."""
        if isinstance(node, Number):
            return int(node.value) - 1
        if isinstance(node, Symbol) and not node.indices and node.name in at:
            return at[node.name]
        value = self.value(node, at)
        assert float(value).is_integer(), f"not an index: {node}"
        return int(value)

    def condition(self, condition: Condition, at: dict[str, int]) -> bool:
        left, right = self.index(condition.left, at), self.index(condition.right, at)
        return left == right if condition.op == "=" else left != right

    def value(self, node: Node, at: dict[str, int]) -> float:
        if isinstance(node, Number):
            return float(node.value)
        if isinstance(node, Symbol):
            if not node.indices:
                if node.name in at:
                    return float(at[node.name])
                return float(np.asarray(self.env[node.name]))
            array = np.asarray(self.env[node.name])
            position = tuple(self.index(i, at) for i in node.indices)
            return float(array[position])
        if isinstance(node, Add):
            return sum(self.value(t, at) for t in node.terms)
        if isinstance(node, Mul):
            return math.prod(self.value(f, at) for f in node.factors)
        if isinstance(node, Div):
            return self.value(node.numerator, at) / self.value(node.denominator, at)
        if isinstance(node, Pow):
            return float(self.value(node.base, at) ** self.value(node.exponent, at))
        if isinstance(node, Neg):
            return -self.value(node.operand, at)
        if isinstance(node, Log):
            return math.log(self.value(node.arg, at))
        if isinstance(node, Exp):
            return math.exp(self.value(node.arg, at))
        if isinstance(node, Sum):
            assert node.index is not None
            return sum(
                self.value(node.body, {**at, node.index: k}) for k in range(self.sizes[stem(node.index)])
            )
        if isinstance(node, Max):
            assert node.index is not None
            return max(
                self.value(node.body, {**at, node.index: k}) for k in range(self.sizes[stem(node.index)])
            )
        if isinstance(node, Size):
            return float(self.sizes[node.index])
        if isinstance(node, KroneckerDelta):
            return 1.0 if self.index(node.i, at) == self.index(node.j, at) else 0.0
        if isinstance(node, Indicator):
            return 1.0 if self.condition(node.condition, at) else 0.0
        if isinstance(node, Cases):
            for branch, condition in node.branches:
                if condition is None or self.condition(condition, at):
                    return self.value(branch, at)
            raise AssertionError("no branch holds")
        if isinstance(node, Call) and node.function.name in ("tanh", "abs"):
            function = math.tanh if node.function.name == "tanh" else abs
            return float(function(self.value(node.args[0], at)))
        if isinstance(node, Derivative):
            raise AssertionError("a derivative is not evaluated here")
        raise AssertionError(f"no value for {type(node).__name__}")


def evaluate(value: CodeValue, env: Mapping[str, object], sizes: Mapping[str, int]) -> np.ndarray:
    """The value as an array (axes in order), evaluated entry by entry."""
    evaluator = Evaluator(env, sizes)
    shape = tuple(sizes[stem(axis)] for axis in value.axes)
    out = np.empty(shape)
    for position in itertools.product(*(range(n) for n in shape)):
        out[position] = evaluator.value(value.node, dict(zip(value.axes, position, strict=True)))
    return out
