"""The one place where equality is decided, with honest outcomes.

:func:`decide` compares two expressions over the notation of :mod:`derive.symbols` (they may contain
unevaluated derivatives and the defined quantities H, a, z) under explicit assumptions, and answers

- ``proved``: the symbolic residual, after carrying out derivatives and definitions, is 0 under the
  stated assumptions, and high-precision samples agree;
- ``refuted``: a concrete point (every variable, every free index and the number of classes) where the
  two sides differ, with both values, evaluated from exact rationals at 50 significant digits;
- ``undecided``: no symbolic proof, and every numeric sample agrees.

Cheap sound tools come first (linearity of sums, ``together``/``expand`` of the numerator); ``simplify`` is
only a last resort. A symbolic zero is never trusted alone: the numeric samples must agree too.
"""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

import mpmath
import sympy
from sympy import Add, Indexed, KroneckerDelta, Mul, Piecewise, Sum
from sympy.concrete.delta import _has_simple_delta, deltasummation
from sympy.core.relational import GreaterThan, LessThan, Relational, StrictGreaterThan, StrictLessThan

from derive import symbols as s
from derive.loss import HALF, Convention, LossKind, Model, expand_concrete_sums
from derive.numeric import DIGITS, Evaluator, Key, NumericEvaluationError

Verdict = Literal["proved", "refuted", "undecided"]

#: How many more points a case draws when the truth has no value at one (outside its formula's domain).
REDRAWS = 8

#: The relative gap that counts as a real difference at ``DIGITS`` significant digits.
RELATIVE_GAP = mpmath.mpf("1e-30")


class Assumption(Enum):
    """An assumption on the inputs a step or a verdict may use. The value is its statement."""

    SUM_TO_ONE = "the targets sum to 1: sum_j y_j = 1"
    ONE_HOT = "the targets are one-hot: y_j = delta_jc for a true class c"

    @property
    def latex(self) -> str:
        return {
            Assumption.SUM_TO_ONE: r"\sum_{j} y_j = 1",
            Assumption.ONE_HOT: r"y_j = \delta_{jc}",
        }[self]

    @property
    def slug(self) -> str:
        return {Assumption.SUM_TO_ONE: "sum-to-one", Assumption.ONE_HOT: "onehot"}[self]


@dataclass(frozen=True)
class Counterexample:
    """A concrete point where two expressions differ."""

    classes: int
    indices: dict[str, int]
    values: dict[str, object]
    lhs: float
    rhs: float  # nan: the right side has no value at this point (log 0, a division by zero)

    def as_dict(self) -> dict[str, object]:
        return {
            "classes": self.classes,
            "indices": self.indices,
            "values": self.values,
            "lhs": self.lhs,
            "rhs": self.rhs,
        }


@dataclass(frozen=True)
class Outcome:
    """What :func:`decide` found, and under which assumptions."""

    verdict: Verdict
    assumptions: tuple[Assumption, ...]
    residual: sympy.Expr | None = None
    counterexample: Counterexample | None = None
    samples: int = 0
    failing_cases: tuple[dict[str, int], ...] = field(default=())
    holding_cases: tuple[dict[str, int], ...] = field(default=())


# -- symbolic canonical form -----------------------------------------------------------------------


def _bounds(expr: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr] | None:
    if isinstance(expr, sympy.Idx) and expr.lower is not None:
        return expr.lower, expr.upper
    if expr.is_number or isinstance(expr, sympy.Symbol):
        return expr, expr
    return None


def _implied_by_ranges(relation: Relational) -> bool | None:
    """True when an index-range fact settles ``relation`` (``k >= i`` for i in 1..k)."""
    if isinstance(relation, (LessThan, StrictLessThan)):
        small, large, strict = relation.lhs, relation.rhs, isinstance(relation, StrictLessThan)
    elif isinstance(relation, (GreaterThan, StrictGreaterThan)):
        small, large, strict = relation.rhs, relation.lhs, isinstance(relation, StrictGreaterThan)
    else:
        return None
    if not strict and small.is_Integer and small >= 1 and large in (s.k, s.d, s.N):
        return True  # 2 <= k: a claim about class 2 (dL/dz_2) is about the sizes that have it
    small_bounds, large_bounds = _bounds(small), _bounds(large)
    if small_bounds is None or large_bounds is None:
        return None
    gap = sympy.expand(large_bounds[0] - small_bounds[1])
    if gap.is_positive if strict else gap.is_nonnegative:
        return True
    gap = sympy.expand(small_bounds[0] - large_bounds[1])
    if gap.is_nonnegative if strict else gap.is_positive:
        return False
    return None


def resolve_index_ranges(expr: sympy.Expr) -> sympy.Expr:
    """Settle ``Piecewise`` conditions that only restate that an index lies in its range."""
    if not expr.has(Piecewise):
        return expr

    def settle(condition: sympy.Basic) -> sympy.Basic:
        return condition.replace(
            lambda e: isinstance(e, Relational) and _implied_by_ranges(e) is not None,
            lambda e: sympy.true if _implied_by_ranges(e) else sympy.false,
        )

    def pick(piecewise: Piecewise) -> sympy.Expr:
        pieces = [(value, settle(condition)) for value, condition in piecewise.args]
        return Piecewise(*pieces)

    return expr.replace(lambda e: isinstance(e, Piecewise), pick)


def _sum_depth(expr: sympy.Basic) -> int:
    if isinstance(expr, Sum):
        return len(expr.limits) + _sum_depth(expr.function)
    return max((_sum_depth(arg) for arg in expr.args), default=0)


def split_sums(expr: sympy.Expr) -> sympy.Expr:
    """Linearity of sums: split sums of terms, pull out factors free of the index, name dummies canonically.

    Two sums that differ only in the name of their index come out identical, so that a residual made of
    them cancels by ordinary algebra. A sum of a Kronecker delta is carried out (the free index is in range).
    """
    if not expr.has(Sum):
        return expr
    if isinstance(expr, Sum):
        body = split_sums(expr.function)
        for limit in expr.limits:
            body = _split_one(body, limit)
        return body
    if not expr.args:
        return expr
    return expr.func(*(split_sums(arg) for arg in expr.args))


def _split_one(body: sympy.Expr, limit: tuple[sympy.Expr, ...]) -> sympy.Expr:
    index, lower, upper = limit
    total: sympy.Expr = sympy.S.Zero
    for term in Add.make_args(sympy.expand(body)):
        dependent = [f for f in Mul.make_args(term) if f.has(index)]
        constant = Mul(*[f for f in Mul.make_args(term) if not f.has(index)])
        if not dependent:
            total += constant * (upper - lower + 1)
            continue
        inner = Mul(*dependent)
        if _has_simple_delta(inner, index):
            summed = resolve_index_ranges(deltasummation(inner, (index, lower, upper)))
            total += constant * split_sums(summed)
            continue
        total += constant * Sum(inner, (index, lower, upper))
    return total


def rename_dummies(expr: sympy.Expr) -> sympy.Expr:
    """Name every summation index after its nesting depth, so alpha-equivalent sums are identical."""
    if not expr.has(Sum):
        return expr
    if isinstance(expr, Sum) and len(expr.limits) > 1:
        # a double sum: its indices named like those of the same sums written one inside the other
        body = rename_dummies(expr.function)
        depth = _sum_depth(body)
        limits = []
        for offset, (index, lower, upper) in enumerate(expr.limits):
            name = sympy.Idx(f"sigma{depth + offset}", (lower, upper))
            body = body.xreplace({index: name})
            limits.append((name, lower, upper))
        return Sum(body, *limits)
    if isinstance(expr, Sum) and len(expr.limits) == 1:
        body = rename_dummies(expr.function)
        index, lower, upper = expr.limits[0]
        name = sympy.Idx(f"sigma{_sum_depth(body)}", (lower, upper))
        return Sum(body.xreplace({index: name}), (name, lower, upper))
    return expr.func(*(rename_dummies(arg) for arg in expr.args))


#: Concrete sums of at most this many terms are written out in the symbolic check; longer ones are kept
#: in index form and proved exactly like symbolic k (the numeric samples still write everything out).
WRITE_OUT_SUMS_UP_TO = 3


def canonical(expr: sympy.Expr) -> sympy.Expr:
    """Bring sums and logs to one form (no general ``doit``: SymPy's symbolic summation can run away)."""
    expr = expand_concrete_sums(expr, WRITE_OUT_SUMS_UP_TO)
    expr = sympy.expand_log(expr, force=True)
    expr = split_sums(expr)
    return rename_dummies(resolve_index_ranges(expr))


def apply_assumptions(
    expr: sympy.Expr, assumptions: Iterable[Assumption], classes: sympy.Expr | int | None = None
) -> sympy.Expr:
    """Use the assumptions symbolically: a target sum is 1; one-hot targets are Kronecker deltas."""
    assumptions = tuple(assumptions)
    if Assumption.ONE_HOT in assumptions:
        true_class = sympy.Idx("c", (1, s.k))
        expr = expr.replace(
            lambda e: isinstance(e, Indexed) and e.base == s.y,
            lambda e: KroneckerDelta(e.indices[0], true_class),
        )
        expr = canonical(expr)
    if assumptions:
        every_class = s.k if classes is None else classes
        expr = expr.replace(lambda e: _is_target_sum(e, every_class), lambda e: sympy.S.One)
        if isinstance(classes, int) or getattr(classes, "is_Integer", False):
            expr = _eliminate_last_target(expr, int(classes))  # type: ignore[arg-type]
    return expr


def _eliminate_last_target(expr: sympy.Expr, last: int) -> sympy.Expr:
    """Written-out targets that sum to 1: the last one is 1 minus the others (y_K = 1 - sum_{j<K} y_j)."""

    def others(e: Indexed) -> sympy.Expr:
        row = e.indices[:-1]
        return 1 - Add(*(e.base[(*row, j)] for j in range(1, last)))

    return expr.replace(
        lambda e: isinstance(e, Indexed) and e.base in (s.y, s.Y) and e.indices[-1] == last, others
    )


def _is_target_sum(expr: sympy.Basic, classes: sympy.Expr | int) -> bool:
    """A sum of the targets over every class (a row of Y for a batch)."""
    if not isinstance(expr, Sum) or len(expr.limits) != 1:
        return False
    index, lower, upper = expr.limits[0]
    body = expr.function
    if lower != 1 or upper != classes:
        return False
    if isinstance(body, Indexed) and body.base == s.y and body.indices == (index,):
        return True
    return isinstance(body, Indexed) and body.base == s.Y and body.indices[1:] == (index,)


def symbolic_residual(
    lhs: sympy.Expr, rhs: sympy.Expr, model: Model, assumptions: Sequence[Assumption]
) -> sympy.Expr:
    """lhs - rhs over independent variables, in canonical form, under the assumptions."""
    level = model.bottom_level(lhs, rhs)
    residual = canonical(model.evaluate(lhs, level) - model.evaluate(rhs, level))
    return rename_dummies(apply_assumptions(residual, assumptions, model.classes))


def is_zero(residual: sympy.Expr) -> bool:
    """Cheap, sound zero test: the numerator of the combined fraction expands to 0; failing that, sums
    with the same range are merged and their combined body must be 0 (sufficient, not necessary)."""
    if residual == 0:
        return True
    numerator, _ = sympy.fraction(sympy.together(residual))
    if sympy.expand(numerator) == 0:
        return True
    if _merged_sums_vanish(residual):
        return True
    if residual.has(KroneckerDelta):
        matched = _deltas_matched(residual)
        if matched != residual:
            return is_zero(matched)
    return False


def _deltas_matched(expr: sympy.Expr) -> sympy.Expr:
    """Each term with a factor delta(a, b) of free indices, its other factors at b = a: the same value
    (delta(c, k) e^{z_k - z_c} is delta(c, k)), which the numerator test alone cannot see."""
    terms = []
    for term in Add.make_args(sympy.expand(expr)):
        bound = {limit[0] for inner in term.atoms(Sum) for limit in inner.limits}
        factors = Mul.make_args(term)
        for delta in [f for f in factors if isinstance(f, KroneckerDelta)]:
            first, second = delta.args
            if first in bound or second in bound or not second.free_symbols:
                continue
            term = delta * (term / delta).subs(second, first)
        terms.append(term)
    return Add(*terms)


def _merged_sums_vanish(residual: sympy.Expr) -> bool:
    groups: dict[tuple[sympy.Basic, ...], list[sympy.Expr]] = {}
    rest: list[sympy.Expr] = []
    for term in Add.make_args(sympy.expand(residual)):
        sums = [f for f in Mul.make_args(term) if isinstance(f, Sum)]
        if len(sums) != 1 or len(sums[0].limits) != 1:
            rest.append(term)
            continue
        outer = Mul(*[f for f in Mul.make_args(term) if not isinstance(f, Sum)])
        groups.setdefault(sums[0].limits[0], []).append(outer * sums[0].function)
    if not groups:
        return False
    remainder = Add(*rest)
    if remainder != 0:
        numerator, _ = sympy.fraction(sympy.together(remainder))
        if sympy.expand(numerator) != 0:
            return False
    return all(is_zero(Add(*bodies)) for bodies in groups.values())


# -- numeric samples -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    classes: int
    features: int
    examples: int


def _free_indices(*exprs: sympy.Expr) -> list[sympy.Idx]:
    found: dict[str, sympy.Idx] = {}
    bound: set[sympy.Idx] = set()
    for expr in exprs:
        for node in sympy.preorder_traversal(expr):
            if isinstance(node, sympy.Idx):
                found.setdefault(str(node), node)
            elif isinstance(node, Sum):
                bound.update(limit[0] for limit in node.limits)
    return [found[name] for name in sorted(found) if found[name] not in bound]


def _index_upper(index: sympy.Idx, sizes: Sizes) -> int:
    upper = index.upper
    value = sympy.sympify(upper, strict=True).xreplace(
        {
            s.k: sympy.Integer(sizes.classes),
            s.d: sympy.Integer(sizes.features),
            s.N: sympy.Integer(sizes.examples),
        }
    )
    return int(value) if value.is_Integer else sizes.classes


#: Largest denominator of a sampled value.
SAMPLE_DENOMINATOR = 997


def _random_value(rng: random.Random, low: float, high: float) -> sympy.Rational:
    return sympy.Rational(*nearest_fraction(rng.uniform(low, high), SAMPLE_DENOMINATOR))


def nearest_fraction(value: float, max_denominator: int) -> tuple[int, int]:
    """``Fraction(value).limit_denominator(max_denominator)`` as (numerator, denominator), the same
    continued-fraction steps on plain integers: several times faster, and the samples are drawn by the
    ten thousand."""
    numerator, denominator = value.as_integer_ratio()
    if denominator <= max_denominator:
        return numerator, denominator
    p0, q0, p1, q1 = 0, 1, 1, 0
    n, d = numerator, denominator
    while True:
        a = n // d
        q2 = q0 + a * q1
        if q2 > max_denominator:
            break
        p0, q0, p1, q1 = p1, q1, p0 + a * p1, q2
        n, d = d, n - a * d
    k = (max_denominator - q0) // q1
    if 2 * d * (q0 + k * q1) <= denominator:
        return p1, q1
    return p0 + k * p1, q0 + k * q1


def _independent_bases(model: Model, level: int) -> tuple[str, ...]:
    if model.batch:
        return ("X", "W", "b", "Y") if level >= 3 else ("Z", "W", "b", "X", "Y")
    return ("W", "x", "b", "y", "v") if level >= 3 else ("z", "W", "x", "b", "y", "v")


def relevant_bases(model: Model, level: int, *exprs: sympy.Expr) -> tuple[str, ...]:
    """The independent variables at ``level`` that the expressions depend on (through definitions too)."""
    mentioned = {
        node.base.label.name
        for expr in exprs
        for node in sympy.preorder_traversal(expr)
        if isinstance(node, Indexed)
    }
    uses_loss = any(expr.has(s.H) for expr in exprs)
    defined = mentioned & {"a", "A", "z", "Z"} or uses_loss
    wanted: set[str] = set(mentioned)
    if uses_loss:
        wanted |= {"Y"} if model.batch else {"y"}
    if defined:
        wanted |= (
            ({"X", "W", "b"} if model.batch else {"W", "x", "b"})
            if level >= 3
            else ({"Z"} if model.batch else {"z"})
        )
    return tuple(base for base in _independent_bases(model, level) if base in wanted)


def sample_point(
    model: Model, level: int, rng: random.Random, assumptions: Sequence[Assumption], true_class: int | None
) -> dict[Key, sympy.Rational]:
    """A random point of every independent variable at ``level``: exact rationals; targets per assumption."""
    point: dict[Key, sympy.Rational] = {}
    for base in _independent_bases(model, level):
        shape = model.shape(base)
        if base in ("y", "Y"):
            rows = [()] if base == "y" else [(m,) for m in range(1, shape[0] + 1)]
            classes = shape[-1]
            for row in rows:
                entries = [_random_value(rng, 0.05, 1.5) for _ in range(classes)]
                if Assumption.ONE_HOT in assumptions:
                    c = true_class if true_class is not None else rng.randrange(1, classes + 1)
                    entries = [sympy.Integer(1 if j == c else 0) for j in range(1, classes + 1)]
                elif Assumption.SUM_TO_ONE in assumptions:
                    total = sum(entries)
                    entries = [e / total for e in entries]
                for j, value in enumerate(entries, start=1):
                    point[(base, (*row, j))] = value
            continue
        for position in itertools.product(*(range(1, n + 1) for n in shape)):
            point[(base, position)] = _random_value(rng, -2.0, 2.0)
    return point


def _values_table(point: dict[Key, sympy.Rational]) -> dict[str, object]:
    table: dict[str, object] = {}
    for (base, position), value in point.items():
        if not position:  # a scalar parameter
            table[base] = round(float(value), 6)
        elif len(position) == 1:
            entries = table.setdefault(base, [])
            assert isinstance(entries, list)
            entries.append(round(float(value), 6))
        else:
            rows = table.setdefault(base, [])
            assert isinstance(rows, list)
            while len(rows) < position[0]:
                rows.append([])
            rows[position[0] - 1].append(round(float(value), 6))
    return table


#: Values of expressions at sample points, shared by the steps of one chain (``before`` of a step is the
#: ``after`` of the previous one): key (expression, model, level, the point, the index values).
ValueCache = dict[tuple[object, ...], mpmath.mpf]


def parameters_of(expr: sympy.Expr) -> set[sympy.Symbol]:
    """The scalar parameters an expression uses (not the names of its indexed variables)."""
    labels = {indexed.base.label for indexed in expr.atoms(Indexed)}
    return {symbol for symbol in expr.free_symbols - labels if s.is_parameter(symbol)}


def numeric_check(
    lhs: sympy.Expr,
    rhs: sympy.Expr,
    model: Model,
    assumptions: Sequence[Assumption],
    *,
    seed: int = 0,
    max_cases: int = 12,
    points: int = 1,
    sizes: Sequence[Sizes] | None = None,
    cache: ValueCache | None = None,
) -> tuple[int, Counterexample | None, list[dict[str, int]], list[dict[str, int]]]:
    """Compare both sides at seeded random points; returns samples, first counterexample, and the index
    cases that failed and held (index name -> value, with the true class ``c`` for one-hot targets)."""
    rng = random.Random(seed)
    if sizes is None:
        sizes = _default_sizes(model)
    free = _free_indices(lhs, rhs)
    written = parameters_of(lhs) | parameters_of(rhs)
    parameters = sorted(written | set(model.parameters), key=str)
    level = model.bottom_level(lhs, rhs)
    samples = 0
    first: Counterexample | None = None
    failing: list[dict[str, int]] = []
    holding: list[dict[str, int]] = []
    concrete_sizes = dict.fromkeys(_fixed_sizes(model, size) for size in sizes)
    undefined: NumericEvaluationError | None = None  # the first case where a side has no value
    for size in concrete_sizes:
        concrete = _written_out(model, size)
        sizes_env = _sizes_env(size)
        ranges = [range(1, _index_upper(index, size) + 1) for index in free]
        true_classes: list[int | None] = [None]
        if Assumption.ONE_HOT in assumptions:
            true_classes = list(range(1, size.classes + 1))
        cases = [(combo, c) for combo in itertools.product(*ranges) for c in true_classes]
        if len(cases) > max_cases:
            cases = rng.sample(cases, max_cases)
        for combo, c in cases:
            env: dict[sympy.Symbol, int] = {**sizes_env, **dict(zip(free, combo, strict=True))}
            case = {str(index): value for index, value in zip(free, combo, strict=True)}
            if c is not None:
                case["c"] = c
            case_failed = False
            for _ in range(points):
                for retry in range(REDRAWS + 1):
                    point = _sample_with_parameters(concrete, level, rng, assumptions, c, parameters)
                    with mpmath.workdps(DIGITS):
                        evaluator = Evaluator(concrete, point)
                        where = (concrete, level, frozenset(point.items()), tuple(env.items()))
                        try:
                            lv = _cached_value(cache, (lhs, *where), evaluator, lhs, level, env)
                            break
                        except NumericEvaluationError as error:
                            # No true value here ((1 - t)^gamma at t > 1): another point, a few times
                            if retry == REDRAWS:
                                undefined = undefined or error
                                case_failed = True
                if case_failed:
                    break  # nothing to compare, and no proof rests on this case
                with mpmath.workdps(DIGITS):
                    try:
                        rv = _cached_value(cache, (rhs, *where), evaluator, rhs, level, env)
                    except NumericEvaluationError as error:
                        # The claim has no value (log 0, 1/0) where the truth has one: it is wrong here.
                        undefined = undefined or error
                        rv = mpmath.nan
                    samples += 1
                    gap = abs(lv - rv)
                    scale = max(abs(lv), abs(rv), mpmath.mpf(1))
                    differs = not gap <= RELATIVE_GAP * scale
                if differs:
                    case_failed = True
                    if first is None:
                        shown = {*relevant_bases(concrete, level, lhs, rhs), *(p.name for p in parameters)}
                        first = Counterexample(
                            classes=size.classes,
                            indices=case,
                            values=_values_table({k: v for k, v in point.items() if k[0] in shown}),
                            lhs=float(lv),
                            rhs=float(rv),
                        )
                    break
            (failing if case_failed else holding).append(case)
    if first is None and undefined is not None:
        raise undefined
    return samples, first, failing, holding


def varies(expr: sympy.Expr, model: Model, assumptions: Sequence[Assumption] = (), points: int = 2) -> bool:
    """True when ``expr`` takes different values at two seeded sample points of ``model`` (so it is not a
    constant); False when it takes the same value, or has no value there. A fast question to ask before
    ``simplify``, which can take minutes on a long expression that is plainly not constant."""
    rng = random.Random(0)
    size = _fixed_sizes(model, _default_sizes(model)[0])
    concrete = _written_out(model, size)
    env = {**_sizes_env(size), **dict.fromkeys(_free_indices(expr), 1)}
    level = model.bottom_level(expr)
    parameters = sorted(parameters_of(expr) | set(model.parameters), key=str)
    values = []
    for _ in range(points):
        point = _sample_with_parameters(concrete, level, rng, assumptions, 1, parameters)
        with mpmath.workdps(DIGITS):
            try:
                values.append(Evaluator(concrete, point).evaluate(expr, level, None, env).value)
            except (NumericEvaluationError, ZeroDivisionError, OverflowError):
                return False
    return any(not abs(value - values[0]) <= RELATIVE_GAP * max(abs(value), 1) for value in values[1:])


def _fixed_sizes(model: Model, size: Sizes) -> Sizes:
    """``size``, with the sizes the model fixes itself (a concrete number of classes) kept."""
    return Sizes(
        model.classes if isinstance(model.classes, int) else size.classes,
        model.features if isinstance(model.features, int) else size.features,
        model.examples if isinstance(model.examples, int) else size.examples,
    )


def _written_out(model: Model, size: Sizes) -> Model:
    """The model at concrete sizes (cached, see :func:`_concrete_model`)."""
    return _concrete_model(
        size.classes,
        size.features,
        size.examples,
        model.convention,
        model.batch,
        model.loss_kind,
        model.bias,
        model.batch_sum,
        model.penalty_scale,
    )


def _sizes_env(size: Sizes) -> dict[sympy.Symbol, int]:
    return {s.k: size.classes, s.d: size.features, s.N: size.examples}


def _sample_with_parameters(
    concrete: Model,
    level: int,
    rng: random.Random,
    assumptions: Sequence[Assumption],
    true_class: int | None,
    parameters: Sequence[sympy.Symbol],
) -> dict[Key, sympy.Rational]:
    """A sample point (:func:`sample_point`) with a value for each scalar parameter, drawn after it."""
    point = sample_point(concrete, level, rng, assumptions, true_class)
    for parameter in parameters:
        point[(parameter.name, ())] = _random_value(rng, *s.parameter_range(parameter))
    return point


def _cached_value(
    cache: ValueCache | None,
    key: tuple[object, ...],
    evaluator: Evaluator,
    expr: sympy.Expr,
    level: int,
    env: dict[sympy.Symbol, int],
) -> mpmath.mpf:
    if cache is not None and key in cache:
        return cache[key]
    try:
        value = evaluator.evaluate(expr, level, None, env).value
    except ZeroDivisionError:
        raise NumericEvaluationError("a division by zero") from None
    except OverflowError:
        raise NumericEvaluationError("a number too large to evaluate") from None
    if isinstance(value, mpmath.mpc):
        if value.imag != 0:
            # (1 - t)^gamma at t > 1: no real value here (the point is outside the formula's domain)
            raise NumericEvaluationError("a power of a negative number (no real value)")
        value = value.real
    if cache is not None:
        cache[key] = value
    return value


@functools.lru_cache(maxsize=64)
def _concrete_model(
    classes: int,
    features: int,
    examples: int,
    convention: Convention,
    batch: bool,
    loss_kind: LossKind,
    bias: bool = True,
    batch_sum: bool = False,
    penalty_scale: sympy.Rational = HALF,
) -> Model:
    """Concrete models are cached: their written-out definitions are built once."""
    return Model(classes, features, examples, convention, batch, loss_kind, bias, batch_sum, penalty_scale)


def _default_sizes(model: Model) -> list[Sizes]:
    if isinstance(model.classes, int):
        return [Sizes(model.classes, 2, 2)]
    return [Sizes(2, 2, 2), Sizes(3, 3, 2), Sizes(5, 2, 3)]


def _zero_for_every_index(
    residual: sympy.Expr, model: Model, assumptions: Sequence[Assumption] = ()
) -> bool:
    """``is_zero`` of the residual, case by case over free indices whose range is a number (the assumptions
    are applied again in each case: an index value can bring back a target they eliminate)."""
    concrete = [i for i in _free_indices(residual) if sympy.sympify(i.upper, strict=True).is_Integer]
    if not concrete or is_zero(residual):
        return is_zero(residual)
    ranges = [range(int(i.lower), int(i.upper) + 1) for i in concrete]
    combos = list(itertools.product(*ranges))
    if len(combos) > MAX_INDEX_CASES:
        return False
    for combo in combos:
        case = residual.xreplace({i: sympy.Integer(v) for i, v in zip(concrete, combo, strict=True)})
        case = canonical(apply_assumptions(canonical(case), assumptions, model.classes))
        if not is_zero(case):
            return False
    return True


#: The most index cases a concrete-k residual is checked over, one by one.
MAX_INDEX_CASES = 4096


# -- the decision ----------------------------------------------------------------------------------


def _simplified(residual: sympy.Expr) -> sympy.Expr:
    """``sympy.simplify``, or the residual as it is when SymPy itself fails on it (its ``sum_simplify``
    raises StopIteration on some sums of sums): no proof, not an error of the claim."""
    try:
        return sympy.simplify(residual)
    except (StopIteration, TypeError, ValueError, AttributeError, IndexError, NotImplementedError):
        return residual


def decide(
    lhs: sympy.Expr,
    rhs: sympy.Expr,
    model: Model | None = None,
    assumptions: Sequence[Assumption] = (),
    *,
    seed: int = 0,
    max_cases: int = 12,
    try_simplify: bool = True,
    sizes: Sequence[Sizes] | None = None,
    cache: ValueCache | None = None,
    sampled: Outcome | None = None,
) -> Outcome:
    """Decide whether ``lhs == rhs`` under ``assumptions``: proved, refuted (with a point) or undecided.

    ``sampled`` is the outcome of the numeric half alone (the same samples: same seed, cases and sizes)
    when the caller already has it; its samples are then not drawn again.
    """
    model = model or Model()
    assumptions = tuple(assumptions)
    lhs, rhs = sympy.sympify(lhs, strict=True), sympy.sympify(rhs, strict=True)  # numbers only, never text
    if sampled is not None:
        if sampled.verdict == "refuted":
            return sampled
        samples, counterexample = sampled.samples, None
        failing, holding = list(sampled.failing_cases), list(sampled.holding_cases)
    else:
        samples, counterexample, failing, holding = numeric_check(
            lhs, rhs, model, assumptions, seed=seed, max_cases=max_cases, sizes=sizes, cache=cache
        )
    if counterexample is not None:
        return Outcome("refuted", assumptions, None, counterexample, samples, tuple(failing), tuple(holding))
    residual = symbolic_residual(lhs, rhs, model, assumptions)
    if _zero_for_every_index(residual, model, assumptions):
        return Outcome("proved", assumptions, sympy.S.Zero, None, samples, (), tuple(holding))
    if try_simplify:
        simplified = _simplified(residual)
        if _zero_for_every_index(simplified, model, assumptions):
            return Outcome("proved", assumptions, sympy.S.Zero, None, samples, (), tuple(holding))
        residual = simplified
    return Outcome("undecided", assumptions, residual, None, samples, (), tuple(holding))
