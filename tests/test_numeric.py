"""The numeric oracle's sharing of work is sound: shared values never stand in for different ones."""

from __future__ import annotations

import mpmath
import sympy
from sympy import Derivative

from derive import symbols as s
from derive.loss import Model
from derive.numeric import DIGITS, Evaluator


def _point(model: Model) -> dict[tuple[str, tuple[int, ...]], object]:
    values = iter(range(2, 100))  # small integers: exact at any precision
    point: dict[tuple[str, tuple[int, ...]], object] = {}
    for base in ("x", "b", "y"):
        point.update({(base, (i,)): next(values) for i in range(1, model.shape(base)[0] + 1)})
    rows, columns = model.shape("W")
    point.update({("W", (i, j)): next(values) for i in range(1, rows + 1) for j in range(1, columns + 1)})
    return point


def test_a_derivative_by_w_ij_is_evaluated_anew_for_every_i_and_j_in_one_evaluator() -> None:
    # SymPy leaves i and j out of the free symbols of d z_1 / d W_ij (z_1 mentions W only through a
    # summation index), so a value shared by free symbols alone would be reused for every i, j.
    model = Model(classes=3, features=2, examples=1)
    i, j = s.feature_index("i", 2), s.class_index("j", 3)
    expr = Derivative(model.logit(sympy.Integer(1)), s.W[i, j])
    point = _point(model)
    with mpmath.workdps(DIGITS):
        evaluator = Evaluator(model, point)
        values = {
            (a, c): evaluator.evaluate(expr, 3, None, {i: a, j: c}).value for a in (1, 2) for c in (1, 2)
        }
    # d z_1 / d W_ij = x_i when j = 1, else 0.
    assert values[(1, 1)] == point[("x", (1,))] and values[(2, 1)] == point[("x", (2,))]
    assert values[(1, 2)] == 0 and values[(2, 2)] == 0


def test_an_inner_sum_shared_across_an_outer_index_keeps_its_own_indices() -> None:
    model = Model(classes=3, features=2, examples=1)
    n, m = sympy.Idx("n", (1, 3)), sympy.Idx("m", (1, 3))
    inner = sympy.Sum(s.y[m] * s.b[n], (m, 1, 3))  # depends on n, not on the outer sum's other indices
    expr = sympy.Sum(inner * s.b[n], (n, 1, 3))
    point = _point(model)
    with mpmath.workdps(DIGITS):
        value = Evaluator(model, point).evaluate(expr, 3).value
    total_y = sum(int(point[("y", (r,))]) for r in range(1, 4))  # type: ignore[call-overload]
    expected = sum(total_y * int(point[("b", (r,))]) ** 2 for r in range(1, 4))  # type: ignore[call-overload]
    assert value == expected


def test_a_derivative_of_what_does_not_depend_on_the_variable_is_zero_for_every_entry() -> None:
    # the second entry asked for switches to one vector pass; an expression free of z has a scalar slope
    model = Model(classes=3, features=2, examples=1)
    j = s.class_index("j", 3)
    expr = Derivative(s.y[sympy.Integer(1)], s.z[j])
    point = _point(model)
    with mpmath.workdps(DIGITS):
        evaluator = Evaluator(model, point)
        values = [evaluator.evaluate(expr, 3, None, {j: c}).value for c in (1, 2, 3)]
    assert values == [0, 0, 0]
