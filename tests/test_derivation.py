"""The checked derivations: every step proved, for symbolic k and concrete k; the mistakes refuted."""

from __future__ import annotations

import pytest
import sympy
from sympy import Derivative, KroneckerDelta, Sum

from derive import symbols as s
from derive.derivation import (
    RULES,
    all_derivations,
    batch_gradients,
    diagonal_only_mistake,
    logit_gradient_route_jacobian,
    softmax_jacobian,
    weight_gradient,
)
from derive.equivalence import Assumption
from derive.loss import Model
from derive.numeric import evaluate_at

IRIS_POINT = {
    ("x", (1,)): sympy.Rational(19, 10),
    ("x", (2,)): sympy.Rational(2, 5),
    ("W", (1, 1)): sympy.Rational(1, 10),
    ("W", (2, 1)): sympy.Rational(1, 10),
    ("W", (1, 2)): sympy.Rational(1, 2),
    ("W", (2, 2)): sympy.Rational(1, 2),
    ("b", (1,)): 0,
    ("b", (2,)): 0,
    ("y", (1,)): 1,
    ("y", (2,)): 0,
}


@pytest.fixture(scope="module")
def symbolic_k() -> list:
    return all_derivations(Model())


def test_every_step_is_proved_for_symbolic_k(symbolic_k: list) -> None:
    for derivation in symbolic_k:
        assert set(derivation.verdicts) == {"proved"}, derivation.name


@pytest.mark.parametrize("classes", [2, 3, 7])
def test_every_step_is_proved_for_concrete_k(classes: int) -> None:
    for derivation in all_derivations(Model(classes=classes)):
        assert set(derivation.verdicts) == {"proved"}, (classes, derivation.name)


def test_every_step_cites_a_known_rule(symbolic_k: list) -> None:
    assert all(step.rule in RULES for derivation in symbolic_k for step in derivation.steps)


def test_logit_gradient_without_assumptions_is_softmax_times_target_sum_minus_target() -> None:
    derivation = logit_gradient_route_jacobian(Model())
    i = s.class_index("i")
    n = s.class_index("n")
    assert derivation.result_unassumed == s.a[i] * Sum(s.y[n], (n, 1, s.k)) - s.y[i]
    assert derivation.steps[-2].assumptions == ()


def test_logit_gradient_is_softmax_minus_target_when_targets_sum_to_one() -> None:
    derivation = logit_gradient_route_jacobian(Model())
    i = s.class_index("i")
    assert derivation.result == s.a[i] - s.y[i]
    last = derivation.steps[-1]
    assert last.rule == "targets_sum_to_one"
    assert last.assumptions == (Assumption.SUM_TO_ONE,)
    assert last.verdict == "proved"


def test_the_simplified_step_is_refuted_without_its_assumption() -> None:
    from derive.equivalence import decide

    derivation = logit_gradient_route_jacobian(Model())
    outcome = decide(derivation.result_unassumed, derivation.result, Model())
    assert outcome.verdict == "refuted"
    assert outcome.counterexample is not None


def test_residual_without_the_assumption_is_target_sum_minus_one_times_softmax() -> None:
    from derive.equivalence import is_zero, symbolic_residual

    i = s.class_index("i")
    n = s.class_index("n")
    residual = symbolic_residual(Derivative(s.H, s.z[i]), s.a[i] - s.y[i], Model(), ())
    expected = symbolic_residual((Sum(s.y[n], (n, 1, s.k)) - 1) * s.a[i], sympy.S.Zero, Model(), ())
    assert is_zero(residual - expected)


def test_full_softmax_jacobian_is_proved_with_kronecker_delta() -> None:
    derivation = softmax_jacobian(Model())
    i, j = s.class_index("i"), s.class_index("j")
    assert derivation.result == s.a[j] * (KroneckerDelta(i, j) - s.a[i])
    assert set(derivation.verdicts) == {"proved"}


def test_diagonal_only_jacobian_step_is_refuted_with_a_counterexample() -> None:
    derivation = diagonal_only_mistake(Model())
    step = next(step for step in derivation.steps if step.rule == "diagonal_only")
    assert step.verdict == "refuted"
    example = step.outcome.counterexample
    assert example is not None
    assert abs(example.lhs - example.rhs) > 1e-6
    assert "z" in example.values


def test_weight_gradient_under_the_w_x_convention_is_proved() -> None:
    derivation = weight_gradient(Model(convention="W_x"))
    assert set(derivation.verdicts) == {"proved"}
    assert derivation.quantity.variables[0].indices[0].name == "j"  # W_ji: class first


def test_batch_mean_gradients_are_proved() -> None:
    weights, bias = batch_gradients(Model())
    assert set(weights.verdicts) == {"proved"} and set(bias.verdicts) == {"proved"}
    assert weights.result.has(s.X) and weights.result.has(s.A) and weights.result.has(s.Y)


def test_iris_instance_logits_and_softmax_match_the_seed() -> None:
    model = Model(classes=2, features=2, examples=1)
    z = [float(evaluate_at(s.z[j], model, IRIS_POINT, 3)) for j in (1, 2)]
    a = [float(evaluate_at(s.a[j], model, IRIS_POINT, 3)) for j in (1, 2)]
    assert z == pytest.approx([0.23, 1.15], abs=1e-12)
    assert a == pytest.approx([0.284958, 0.715042], abs=5e-7)


def test_iris_instance_weight_gradient_from_the_derived_expression() -> None:
    model = Model(classes=2, features=2, examples=1)
    derivation = weight_gradient(Model(classes=2, features=2))
    i, j = derivation.quantity.variables[0].indices
    grad = [
        [float(evaluate_at(derivation.result, model, IRIS_POINT, 3, {i: row, j: col})) for col in (1, 2)]
        for row in (1, 2)
    ]
    expected = [[-1.35858, 1.35858], [-0.28602, 0.28602]]
    for row, expected_row in zip(grad, expected, strict=True):
        assert row == pytest.approx(expected_row, abs=5e-6)
    exact = [
        [float(evaluate_at(derivation.result_unassumed, model, IRIS_POINT, 3, {i: r, j: c})) for c in (1, 2)]
        for r in (1, 2)
    ]
    for row, grad_row in zip(exact, grad, strict=True):
        assert row == pytest.approx(grad_row, abs=1e-12)  # one-hot targets sum to 1


@pytest.mark.parametrize("wrt", ["z", "W", "b", "x", "jacobian"])
def test_sigmoid_binary_cross_entropy_derivations_are_proved_without_assumptions(wrt: str) -> None:
    from derive.derivation import derivations_for

    for derivation in derivations_for(wrt, Model(loss_kind="sigmoid-bce")):
        assert set(derivation.verdicts) == {"proved"}, derivation.name
        assert derivation.assumptions == ()


def test_sigmoid_logit_gradient_is_sigmoid_minus_target() -> None:
    from derive.derivation import sigmoid_logit_gradient

    derivation = sigmoid_logit_gradient(Model(loss_kind="sigmoid-bce"))
    i = s.class_index("i")
    assert derivation.result == s.a[i] - s.y[i]


def test_an_extra_sigmoid_derivative_factor_is_refuted_for_binary_cross_entropy() -> None:
    from derive.equivalence import decide

    i = s.class_index("i")
    wrong = (s.a[i] - s.y[i]) * s.a[i] * (1 - s.a[i])
    outcome = decide(Derivative(s.H, s.z[i]), wrong, Model(loss_kind="sigmoid-bce"))
    assert outcome.verdict == "refuted" and outcome.counterexample is not None


@pytest.mark.parametrize("classes", [None, 3])
def test_label_smoothing_gradient_is_softmax_minus_smoothed_targets(classes: int | None) -> None:
    from derive.derivation import label_smoothing_gradient

    model = Model() if classes is None else Model(classes=classes)
    derivation = label_smoothing_gradient(model)
    assert set(derivation.verdicts) == {"proved"}
    assert derivation.result.has(s.epsilon) and derivation.assumptions == ()


def test_temperature_gradient_is_divided_by_the_temperature() -> None:
    from derive.derivation import temperature_gradient
    from derive.equivalence import decide

    derivation = temperature_gradient(Model())
    assert set(derivation.verdicts) == {"proved"}
    without_division = derivation.result * s.T
    outcome = decide(derivation.quantity, without_division, Model(), [Assumption.SUM_TO_ONE])
    assert outcome.verdict == "refuted" and "T" in outcome.counterexample.values  # type: ignore[union-attr]


def test_weight_decay_adds_lambda_times_the_weight() -> None:
    from derive.derivation import weight_decay_gradient
    from derive.equivalence import decide

    derivation = weight_decay_gradient(Model())
    assert set(derivation.verdicts) == {"proved"}
    i, j = derivation.quantity.variables[0].indices
    forgot_penalty = s.x[i] * (s.a[j] - s.y[j])
    assert decide(derivation.quantity, forgot_penalty, Model(), [Assumption.SUM_TO_ONE]).verdict == "refuted"


def test_hessian_is_target_sum_times_diag_minus_outer_product() -> None:
    from derive.derivation import hessian_logits

    derivation = hessian_logits(Model())
    assert set(derivation.verdicts) == {"proved"}
    i, j = s.class_index("i"), s.class_index("j")
    assert derivation.result.has(KroneckerDelta(i, j)) and derivation.result.has(s.a[i] * s.a[j])


def test_hessian_quadratic_form_is_a_variance_and_its_rows_sum_to_zero() -> None:
    from derive.derivation import hessian_null_space, hessian_quadratic_form

    assert set(hessian_quadratic_form(Model()).verdicts) == {"proved"}
    assert set(hessian_null_space(Model(classes=4)).verdicts) == {"proved"}


def test_a_hessian_without_the_target_sum_is_refuted() -> None:
    from derive.equivalence import decide

    i, j = s.class_index("i"), s.class_index("j")
    wrong = s.a[i] * (KroneckerDelta(i, j) - s.a[j])
    assert decide(Derivative(s.H, s.z[i], s.z[j]), wrong, Model()).verdict == "refuted"


def test_logistic_regression_batch_mean_needs_no_assumption() -> None:
    weights, bias = batch_gradients(Model(loss_kind="sigmoid-bce"))
    assert set(weights.verdicts) == {"proved"} and set(bias.verdicts) == {"proved"}
    assert weights.assumptions == () and weights.result == weights.result_unassumed
