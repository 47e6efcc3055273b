"""The one equality checker: honest outcomes (proved, refuted with a point, undecided)."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import Derivative, KroneckerDelta, Sum, exp, log

from derive import symbols as s
from derive.equivalence import (
    Assumption,
    canonical,
    decide,
    is_zero,
    nearest_fraction,
    split_sums,
    varies,
)
from derive.loss import Model


def test_a_true_identity_is_proved() -> None:
    i = s.class_index("i")
    outcome = decide(Derivative(s.H, s.b[i]), Derivative(s.H, s.z[i]), Model())
    assert outcome.verdict == "proved"


def test_a_false_identity_is_refuted_with_both_values() -> None:
    i = s.class_index("i")
    outcome = decide(Derivative(s.H, s.z[i]), s.a[i] - s.y[i], Model())
    assert outcome.verdict == "refuted"
    example = outcome.counterexample
    assert example is not None and example.lhs != pytest.approx(example.rhs)
    assert set(example.values) == {"z", "y"}


def test_varies_tells_a_constant_from_an_expression_that_changes() -> None:
    i, j = s.class_index("i"), s.class_index("j")
    assert varies(s.a[i] - s.y[i], Model())
    assert varies(Sum(s.z[j] * s.a[j], (j, 1, s.k)), Model())
    assert not varies(Sum(s.a[j], (j, 1, s.k)), Model())  # the softmax sums to 1 at every point
    assert not varies(s.a[i] / s.a[i] + sympy.Rational(1, 2), Model())
    assert not varies(log(s.z[i] - s.z[i]), Model())  # no value at all: not shown to vary


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
@settings(max_examples=2000, deadline=None)
def test_nearest_fraction_is_fractions_limit_denominator(value: float) -> None:
    expected = Fraction(value).limit_denominator(997)
    assert nearest_fraction(value, 997) == (expected.numerator, expected.denominator)


def test_an_assumption_is_named_in_the_outcome() -> None:
    i = s.class_index("i")
    outcome = decide(Derivative(s.H, s.z[i]), s.a[i] - s.y[i], Model(), [Assumption.SUM_TO_ONE])
    assert outcome.verdict == "proved"
    assert outcome.assumptions == (Assumption.SUM_TO_ONE,)


def test_one_hot_case_split_names_the_index_cases() -> None:
    j = s.class_index("j")
    outcome = decide(
        Derivative(s.H, s.z[j]), -s.y[j] * (1 - s.a[j]), Model(classes=3), [Assumption.ONE_HOT], max_cases=100
    )
    assert outcome.verdict == "refuted"
    assert all(case["j"] != case["c"] for case in outcome.failing_cases)
    assert all(case["j"] == case["c"] for case in outcome.holding_cases)


def test_undecided_when_only_numbers_agree() -> None:
    # log(1 + e^z) - log(1 + e^-z) = z is true, but the cheap symbolic tools do not see it.
    left = log(1 + exp(s.z[1])) - log(1 + exp(-s.z[1]))
    outcome = decide(left, s.z[1], Model(classes=2), try_simplify=False)
    assert outcome.verdict == "undecided"
    assert outcome.counterexample is None and outcome.samples > 0


def test_sympy_failing_inside_simplify_leaves_the_claim_undecided(monkeypatch: pytest.MonkeyPatch) -> None:
    # SymPy's sum_simplify raises StopIteration on some batch Jacobians (a corpus item, E187): that is no
    # proof and no counterexample, never an internal error
    def broken(expr: sympy.Expr) -> sympy.Expr:
        raise StopIteration

    monkeypatch.setattr(sympy, "simplify", broken)
    left = log(1 + exp(s.z[1])) - log(1 + exp(-s.z[1]))
    outcome = decide(left, s.z[1], Model(classes=2))
    assert outcome.verdict == "undecided"
    assert outcome.counterexample is None and outcome.samples > 0


def test_sums_equal_up_to_the_name_of_their_index_cancel() -> None:
    n, m = s.class_index("n"), s.class_index("m")
    assert is_zero(canonical(Sum(s.y[n] * exp(s.z[n]), (n, 1, s.k)) - Sum(exp(s.z[m]) * s.y[m], (m, 1, s.k))))


def test_kronecker_delta_sum_picks_the_free_index() -> None:
    i, n = s.class_index("i"), s.class_index("n")
    assert split_sums(Sum(s.y[n] * KroneckerDelta(n, i), (n, 1, s.k))) == s.y[i]


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=2, max_value=6), st.integers(min_value=0, max_value=10**6))
def test_log_of_softmax_is_logit_minus_log_sum_exp_for_any_k(classes: int, seed: int) -> None:
    j = sympy.Idx("j", (1, classes))
    n = sympy.Idx("n", (1, classes))
    left = log(s.a[j])
    right = s.z[j] - log(Sum(exp(s.z[n]), (n, 1, classes)))
    assert decide(left, right, Model(classes=classes), seed=seed).verdict == "proved"


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10**6))
def test_a_perturbed_gradient_is_never_proved(seed: int) -> None:
    i = s.class_index("i")
    n = s.class_index("n")
    wrong = s.a[i] * Sum(s.y[n], (n, 1, s.k)) - s.y[i] + sympy.Rational(1, 1000) * s.a[i]
    assert decide(Derivative(s.H, s.z[i]), wrong, Model(), seed=seed).verdict == "refuted"


def test_a_kronecker_delta_matches_its_two_indices_in_the_rest_of_its_term() -> None:
    # delta(c, k) e^{z_k - z_c} is delta(c, k): a defined loss at the true class (-log p_c) was undecided
    c, k, n = s.class_index("c"), s.class_index("k'"), s.class_index("n")
    assert is_zero(KroneckerDelta(c, k) * exp(s.z[k] - s.z[c]) - KroneckerDelta(c, k))
    assert not is_zero(KroneckerDelta(c, k) * exp(s.z[k]) - KroneckerDelta(c, k))
    # a bound index is never substituted: the sum over n is not its term at n = c
    summed = KroneckerDelta(c, n) * Sum(exp(s.z[n]), (n, 1, s.k)) - KroneckerDelta(c, n) * exp(s.z[c])
    assert not is_zero(summed)
