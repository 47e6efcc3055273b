"""High-precision numeric evaluation with forward-mode differentiation: the independent numeric oracle.

:func:`evaluate_at` evaluates an expression over the notation of :mod:`derive.symbols` at a concrete point
(every independent variable a number, every size and free index concrete) with mpmath at
:data:`DIGITS` significant digits. A ``Derivative`` node is evaluated by forward-mode automatic
differentiation (dual numbers) of its written-out definition, never by SymPy's ``diff``, so the numeric
samples do not share code with the symbolic proof they check. Cost grows like k^2 for a chain-rule sum,
which keeps k = 64 cheap.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from typing import Any, cast

import mpmath
import numpy
import sympy
from sympy import Derivative, Indexed, KroneckerDelta, Sum

from derive import symbols as s
from derive.errors import DeriveError
from derive.loss import LEVEL_OF_BASE, Model

DIGITS = 50

Key = tuple[str, tuple[int, ...]]

#: A derivative (forward mode): one number, or a vector of derivatives by every entry of a variable at
#: once (a NumPy object array of mpf), so a chain-rule sum over k entries costs one pass, not k.
Slope = Any

#: The variables seeded in one forward pass, with their positions in the slope vector.
Seeds = dict[Key, int]


class NumericEvaluationError(DeriveError):
    """An expression the evaluator cannot reduce to a number (a construct or symbol it does not know)."""


class Dual:
    """value + derivative * epsilon, with epsilon^2 = 0 (immutable by convention: a plain class with slots,
    since the evaluator makes hundreds of thousands of them and a frozen dataclass's ``__init__`` costs
    several times more)."""

    __slots__ = ("slope", "value")

    def __init__(self, value: mpmath.mpf, slope: Slope) -> None:
        self.value = value
        self.slope = slope

    def __add__(self, other: Dual) -> Dual:
        return Dual(self.value + other.value, _plus(self.slope, other.slope))

    def __mul__(self, other: Dual) -> Dual:
        return Dual(self.value * other.value, _plus(self.slope * other.value, other.slope * self.value))

    def reciprocal(self) -> Dual:
        return Dual(1 / self.value, -self.slope / self.value**2)

    def power(self, exponent: Dual) -> Dual:
        if _is_zero_slope(exponent.slope):
            n = exponent.value
            if n == int(n):
                return Dual(self.value ** int(n), self.slope * (n * self.value ** (int(n) - 1)))
            value = mpmath.power(self.value, n)
            return Dual(value, self.slope * (n * mpmath.power(self.value, n - 1)))
        value = mpmath.power(self.value, exponent.value)
        return Dual(
            value,
            _plus(exponent.slope * mpmath.log(self.value), self.slope * (exponent.value / self.value))
            * value,
        )


# A slope that may be a NumPy object array always goes on the left of an mpf (``slope * value``,
# ``array + mpf``): with an mpf on the left, mpmath first formats the whole array into a TypeError message
# that is then discarded before NumPy takes over, which costs about 10 times the arithmetic itself.


def _plus(first: Slope, second: Slope) -> Slope:
    """``first + second`` with an array operand on the left."""
    if isinstance(second, numpy.ndarray) and not isinstance(first, numpy.ndarray):
        return second + first
    return first + second


@functools.lru_cache(maxsize=1 << 16)
def _dependencies(expr: sympy.Basic) -> frozenset[sympy.Basic]:
    """The symbols ``expr``'s value depends on: its free symbols and, since SymPy leaves them out of a
    derivative's free symbols when the differentiated expression does not mention them, the index symbols
    of every variable differentiated by (the i, j of d/dW_ij). Shared by every evaluator (an expression's
    symbols do not depend on the point)."""
    symbols = set(expr.free_symbols)
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, Derivative):
            for variable in node.variables:
                symbols |= variable.free_symbols
    return frozenset(symbols)


def _is_zero_slope(slope: Slope) -> bool:
    return not isinstance(slope, numpy.ndarray) and slope == 0


#: 0 and 1 are exact at every precision: one mpf of each serves every evaluation.
_ZERO = mpmath.mpf(0)
_ONE = mpmath.mpf(1)


def _constant(value: object) -> Dual:
    if isinstance(value, mpmath.mpc):
        # a slope through a complex value (a power of a negative base): no real value at this point
        raise NumericEvaluationError("a value that is not a real number")
    return Dual(mpmath.mpf(value), _ZERO)


class Evaluator:
    """Evaluates expressions at one point of the independent variables of a concrete model."""

    def __init__(self, model: Model, point: Mapping[Key, object]) -> None:
        if not model.is_concrete:
            raise NumericEvaluationError("numeric evaluation needs concrete sizes")
        self.model = model
        self.point = {key: mpmath.mpf(value) for key, value in point.items()}
        self._values: dict[Key, mpmath.mpf] = {}
        # The written-out definitions depend on the model only, so every evaluator of one model shares them.
        self._definitions = cast(
            dict[Key, "sympy.Expr | None"], model._cache.setdefault("numeric definitions", {})
        )
        self._gradients: dict[tuple[object, ...], Slope] = {}
        self._first_request: set[tuple[object, ...]] = set()
        # Without a seed every quantity is its value at the point, whatever the level (a free variable's
        # value, or its definition evaluated), so unseeded results are shared by every evaluation here: a
        # softmax denominator is summed once per point, not once per entry that mentions it.
        self._unseeded: dict[tuple[sympy.Basic, tuple[tuple[sympy.Symbol, int], ...]], Dual] = {}

    # -- primal values of every quantity at the point -------------------------------------------------

    def quantity(self, base: str, indices: tuple[int, ...]) -> mpmath.mpf:
        """The value of a (possibly defined) quantity at the point."""
        key = (base, indices)
        if key in self.point:
            return self.point[key]
        if key not in self._values:
            definition = self._definition(base, indices)
            if definition is None:
                raise NumericEvaluationError(f"no value for {base}{list(indices)}")
            self._values[key] = self.evaluate(definition, level=3).value
        return self._values[key]

    def _definition(self, base: str, indices: tuple[int, ...]) -> sympy.Expr | None:
        key = (base, indices)
        if key not in self._definitions:
            self._definitions[key] = self._build_definition(base, indices)
        return self._definitions[key]

    def _build_definition(self, base: str, indices: tuple[int, ...]) -> sympy.Expr | None:
        model = self.model
        index = [sympy.Integer(i) for i in indices]
        if base == "a":
            return model.softmax(index[0])
        if base == "A":
            return model.softmax(index[1], s.Z, row=index[0])
        if base == "z":
            return model.logit(index[0])
        if base == "Z":
            return model.batch_logit(index[0], index[1])
        if base == "H":
            return model.loss()
        return None

    # -- evaluation with one seeded variable -------------------------------------------------------

    def evaluate(
        self,
        expr: sympy.Expr,
        level: int = 3,
        seed: Seeds | None = None,
        env: Mapping[sympy.Symbol, int] | None = None,
    ) -> Dual:
        """Evaluate ``expr`` with quantities defined above ``level`` written out and ``seed`` varied."""
        env = dict(env or {})
        memo: dict[tuple[sympy.Basic, tuple[tuple[sympy.Symbol, int], ...]], Dual] = (
            self._unseeded if seed is None else {}
        )
        return self._eval(expr, level, seed, env, memo)

    def _index(self, index: sympy.Expr, env: Mapping[sympy.Symbol, int]) -> int:
        if index.is_Integer:
            return int(index)
        if index in env:
            return env[index]
        value = index.xreplace({symbol: sympy.Integer(v) for symbol, v in env.items()})
        if value.is_Integer:
            return int(value)
        raise NumericEvaluationError(f"index {index} has no value")

    def _eval(
        self,
        expr: sympy.Basic,
        level: int,
        seed: Seeds | None,
        env: dict[sympy.Symbol, int],
        memo: dict[tuple[sympy.Basic, tuple[tuple[sympy.Symbol, int], ...]], Dual],
    ) -> Dual:
        # Keyed by the index values the expression uses, not the whole environment: a row's softmax
        # denominator inside a sum over the columns is evaluated once per row, not once per column.
        if env:
            used = self._symbols_of(expr)
            key = (expr, tuple(item for item in env.items() if item[0] in used))
        else:
            key = (expr, ())
        if key in memo:
            return memo[key]
        result = self._eval_uncached(expr, level, seed, env, memo)
        memo[key] = result
        return result

    def _eval_uncached(
        self,
        expr: sympy.Basic,
        level: int,
        seed: Seeds | None,
        env: dict[sympy.Symbol, int],
        memo: dict[tuple[sympy.Basic, tuple[tuple[sympy.Symbol, int], ...]], Dual],
    ) -> Dual:
        if expr.is_Number:
            return _constant(
                mpmath.mpf(sympy.Rational(expr).p) / sympy.Rational(expr).q
                if expr.is_Rational
                else mpmath.mpf(str(sympy.Float(expr, DIGITS)))
            )
        if expr is sympy.S.Exp1:
            return _constant(mpmath.e)
        if isinstance(expr, sympy.Add):
            first, *rest = expr.args
            total = self._eval(first, level, seed, env, memo)
            for arg in rest:
                total = total + self._eval(arg, level, seed, env, memo)
            return total
        if isinstance(expr, sympy.Mul):
            first, *rest = expr.args
            product = self._eval(first, level, seed, env, memo)
            for arg in rest:
                product = product * self._eval(arg, level, seed, env, memo)
            return product
        if isinstance(expr, sympy.Pow):
            base = self._eval(expr.base, level, seed, env, memo)
            if expr.exp == -1:
                return base.reciprocal()
            return base.power(self._eval(expr.exp, level, seed, env, memo))
        if isinstance(expr, sympy.exp):
            inner = self._eval(expr.args[0], level, seed, env, memo)
            value = mpmath.exp(inner.value)
            return Dual(value, inner.slope * value)
        if isinstance(expr, sympy.log):
            inner = self._eval(expr.args[0], level, seed, env, memo)
            if inner.value <= 0:
                raise NumericEvaluationError("the logarithm of a number that is not positive")
            return Dual(mpmath.log(inner.value), inner.slope / inner.value)
        if isinstance(expr, sympy.Max):
            # max(x, 0) entry by entry: the larger value, and its own slope (a kink has no slope of its own)
            values = [self._eval(arg, level, seed, env, memo) for arg in expr.args]
            return max(values, key=lambda dual: dual.value)
        if isinstance(expr, sympy.Abs):
            inner = self._eval(expr.args[0], level, seed, env, memo)
            return inner if inner.value >= 0 else Dual(-inner.value, -inner.slope)
        if isinstance(expr, KroneckerDelta):
            left, right = (self._index(arg, env) for arg in expr.args)
            return _constant(1 if left == right else 0)
        if isinstance(expr, Sum):
            return self._sum(expr, level, seed, env, memo)
        if isinstance(expr, Derivative):
            return self._derivative(expr, seed, env)
        if isinstance(expr, Indexed):
            key = (expr.base.label.name, tuple(self._index(i, env) for i in expr.indices))
            return self._variable(key, level, seed, memo)
        if expr == s.H:
            return self._variable(("H", ()), level, seed, memo)
        if isinstance(expr, (sympy.Symbol, sympy.Idx)) and expr in env:
            return _constant(env[expr])  # an index as a number: a class label's value (sum_n n y_n)
        if isinstance(expr, sympy.Symbol) and (expr.name, ()) in self.point:
            return _constant(self.point[(expr.name, ())])  # a parameter of the loss (T, epsilon, lambda)
        raise NumericEvaluationError(f"cannot evaluate {expr.func.__name__} numerically")

    def _variable(
        self,
        key: Key,
        level: int,
        seed: Seeds | None,
        memo: dict[tuple[sympy.Basic, tuple[tuple[sympy.Symbol, int], ...]], Dual],
    ) -> Dual:
        base, indices = key
        defined_above = (LEVEL_OF_BASE.get(base, 0) if base != "H" else 0) < level
        if defined_above and base in ("a", "A", "z", "Z", "H"):
            if seed is None:
                return _constant(self.quantity(base, indices))
            definition = self._definition(base, indices)
            assert definition is not None
            return self._eval(definition, level, seed, {}, memo)
        if seed is not None and key in seed:
            return Dual(self.quantity(base, indices), self._unit(seed, key))
        return Dual(self.quantity(base, indices), _ZERO)

    def _unit(self, seed: Seeds, key: Key) -> Slope:
        if len(seed) == 1:
            return _ONE
        vector = numpy.full(len(seed), _ZERO, dtype=object)
        vector[seed[key]] = _ONE
        return vector

    def _sum(
        self,
        expr: Sum,
        level: int,
        seed: Seeds | None,
        env: dict[sympy.Symbol, int],
        memo: dict[tuple[sympy.Basic, tuple[tuple[sympy.Symbol, int], ...]], Dual],
    ) -> Dual:
        (index, lower, upper), *rest = expr.limits
        body = Sum(expr.function, *rest) if rest else expr.function
        low, high = self._index(lower, env), self._index(upper, env)
        total = _constant(0)
        for value in range(low, high + 1):
            inner = dict(env)
            inner[index] = value
            total = total + self._eval(body, level, seed, inner, memo)
        return total

    def _derivative(self, expr: Derivative, seed: Seeds | None, env: dict[sympy.Symbol, int]) -> Dual:
        if seed is not None:
            raise NumericEvaluationError("a derivative inside a derivative is not evaluated numerically")
        if len(expr.variables) == 2:
            return self._second_derivative(expr, env)
        if len(expr.variables) != 1:
            raise NumericEvaluationError("only first and second derivatives are evaluated numerically")
        variable = expr.variables[0]
        if not isinstance(variable, Indexed):
            raise NumericEvaluationError(f"cannot differentiate by {variable}")
        base = variable.base.label.name
        key = (base, tuple(self._index(i, env) for i in variable.indices))
        variable_level = LEVEL_OF_BASE.get(base, 1)
        seeds = self._entries(base)
        if key not in seeds:
            raise NumericEvaluationError(f"{base}{list(key[1])} is out of range")
        used = self._symbols_of(expr.expr)
        cache_key = (
            expr.expr,
            base,
            tuple((symbol, value) for symbol, value in env.items() if symbol in used),
        )
        if cache_key in self._gradients:
            return _constant(self._gradients[cache_key][seeds[key]])
        if cache_key not in self._first_request:
            # One entry asked for: a scalar forward pass. A second entry of the same gradient (a chain-rule
            # sum) switches to one vector pass for every entry at once.
            self._first_request.add(cache_key)
            return _constant(self._eval(expr.expr, variable_level, {key: 0}, dict(env), {}).slope)
        slope = self._eval(expr.expr, variable_level, seeds, dict(env), {}).slope
        if not isinstance(slope, numpy.ndarray):  # the expression does not depend on the variable: all 0
            slope = numpy.full(len(seeds), slope, dtype=object)
        self._gradients[cache_key] = slope
        return _constant(self._gradients[cache_key][seeds[key]])

    def _second_derivative(self, expr: Derivative, env: dict[sympy.Symbol, int]) -> Dual:
        """d2 f / dv dw: a central difference in w of the forward-mode derivative in v, at 40 extra digits
        (step 1e-30: truncation error about 1e-60, rounding about 1e-60, far below the checker's 1e-30)."""
        first, second = expr.variables
        if not isinstance(second, Indexed):
            raise NumericEvaluationError(f"cannot differentiate by {second}")
        base = second.base.label.name
        key = (base, tuple(self._index(i, env) for i in second.indices))
        if key not in self.point:
            raise NumericEvaluationError(f"a second derivative by {base} needs {base} as a free variable")
        inner = Derivative(expr.expr, first)
        with mpmath.workdps(DIGITS + 40):
            step = mpmath.mpf(10) ** -30
            sides = []
            for sign in (1, -1):
                moved = dict(self.point)
                moved[key] = moved[key] + sign * step
                evaluator = Evaluator(self.model, moved)
                sides.append(evaluator.evaluate(inner, LEVEL_OF_BASE.get(base, 1), None, env).value)
            return _constant((sides[0] - sides[1]) / (2 * step))

    def _symbols_of(self, expr: sympy.Expr) -> frozenset[sympy.Basic]:
        return _dependencies(expr)

    def _entries(self, base: str) -> Seeds:
        """Every entry of a variable, numbered: the positions of a gradient vector."""
        try:
            shape = self.model.shape(base)
        except KeyError:
            raise NumericEvaluationError(f"cannot differentiate by {base}") from None
        positions = itertools.product(*(range(1, n + 1) for n in shape))
        return {(base, position): number for number, position in enumerate(positions)}


def evaluate_at(
    expr: sympy.Expr,
    model: Model,
    point: Mapping[Key, object],
    level: int,
    env: Mapping[sympy.Symbol, int] | None = None,
) -> mpmath.mpf:
    """The value of ``expr`` at ``point`` (derivatives by forward-mode AD), at ``DIGITS`` digits."""
    with mpmath.workdps(DIGITS):
        return Evaluator(model, point).evaluate(expr, level, None, env).value
