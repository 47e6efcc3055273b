"""Claims of one-variable calculus (derive.claims.scalar): the sigmoid's derivative, a regularizer's, a
factor of the focal loss, read where the model's reading of the text fails, and only there."""

from __future__ import annotations

import pytest
import sympy

from derive.claims.latex import parse_claim
from derive.claims.run import check_claim
from derive.claims.scalar import scalar_claim
from derive.claims.verdict import CheckOptions, CheckResult
from derive.equivalence import decide
from derive.errors import DeriveError

SCALAR = "read as one-variable calculus"


def _check(claim: str, **options: object) -> CheckResult:
    return check_claim(CheckOptions(claim, timeout=60, **options))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\frac{d\sigma(x)}{dx} = \sigma(x)(1-\sigma(x))", "holds"),
        (r"\frac{d\sigma(x)}{dx} = \sigma(x)(1+\sigma(x))", "fails"),
        ("d/dx sigmoid(x) = sigmoid(x)*(1-sigmoid(x))", "holds"),
        (r"\frac{d}{dx}\log(1+e^{x}) = \sigma(x)", "holds"),
        (r"\frac{d}{dx}\log(1+e^{x}) = \sigma(-x)", "fails"),
        (r"\frac{d}{dw} ( \frac{1}{2} \lambda w^2) = \lambda w", "holds"),
        (r"\frac{d}{dw} ( \frac{1}{2} \lambda w^2) = \frac{1}{2} \lambda w", "fails"),
        (r"\frac{d}{dt} (1-t)^\gamma = -\gamma (1-t)^{\gamma-1}", "holds"),
        (r"\frac{d}{dt} (1-t)^\gamma = \gamma (1-t)^{\gamma-1}", "fails"),
        (r"\frac{d}{dx} \tanh(x) = 1 - \tanh^2(x)", "holds"),
        (r"\frac{d}{dx} \tanh(x) = 1 + \tanh^2(x)", "fails"),
    ],
)
def test_an_identity_of_one_variable_calculus_is_judged_as_one(claim: str, verdict: str) -> None:
    result = _check(claim)
    assert result.verdict == verdict
    assert any(SCALAR in choice for choice in result.choices)
    assert result.explanation.startswith("proved symbolically;") or verdict == "fails"
    if verdict == "fails":
        # the counterexample is a point of the variable and the constants, with no number of classes
        assert result.counterexample is not None and result.counterexample["classes"] is None
        assert result.counterexample["values"]


def test_the_truth_is_the_derivative_of_the_formula_and_each_letter_is_shown() -> None:
    result = _check(r"\frac{d}{dw} ( \frac{1}{2} \lambda w^2) = \lambda w")
    shown = {entry["page"]: entry["canonical"] for entry in result.mapping}
    assert shown == {"w": "a real variable", "lambda": "a real number"}
    claim = scalar_claim(parse_claim(r"\frac{d}{dw} ( \frac{1}{2} \lambda w^2) = \lambda w"))
    assert claim is not None
    lam, w = sympy.Symbol("lambda", real=True), sympy.Symbol("w", real=True)
    assert sympy.simplify(claim.sides[0] - lam * w) == 0


def test_a_chain_of_one_variable_calculus_names_its_first_wrong_step() -> None:
    result = _check(r"\frac{d}{dx}\sigma(x) = \frac{e^{-x}}{1+e^{-x}} = \sigma(x)(1-\sigma(x))")
    assert result.verdict == "fails"
    assert result.first_wrong_step == 0
    assert result.conclusion is not None and result.conclusion["verdict"] == "holds"


@pytest.mark.parametrize(
    "claim",
    [
        r"\frac{d}{dz}(z a) = a",  # a (an output) may depend on z: never a constant
        r"\frac{d}{dx} f(x) = f(x)",  # an unknown function
        r"\frac{d}{dx}\left(p x\right) = p",  # p (a probability) may depend on x
    ],
)
def test_a_letter_that_may_depend_on_the_variable_keeps_the_text_refused(claim: str) -> None:
    assert scalar_claim(parse_claim(claim)) is None
    with pytest.raises(DeriveError):
        _check(claim)


@pytest.mark.parametrize(
    "claim",
    [
        r"\frac{\partial \sigma(z_i)}{\partial z_i} = \sigma(z_i)(1-\sigma(z_i))",  # an index: the model's
        r"\frac{\partial}{\partial z} \sum_j e^{z_j} = e^{z}",  # a sum
        r"\frac{dL}{dx} = x",  # the left side names a loss, not a formula
        r"\frac{d}{dx} 5 = 0",  # the formula does not write the variable
    ],
)
def test_a_text_with_an_index_a_sum_or_a_named_loss_is_not_one_variable_calculus(claim: str) -> None:
    assert scalar_claim(parse_claim(claim)) is None


def test_an_option_that_names_the_models_symbols_leaves_no_scalar_reading() -> None:
    with pytest.raises(DeriveError):
        _check(r"\frac{d}{dw} ( \frac{1}{2} \lambda w^2) = \lambda w", let=("w=z",))


def test_a_sample_with_no_real_value_is_skipped_not_a_crash() -> None:
    t, g = sympy.Symbol("t", real=True), sympy.Symbol("g", real=True)
    # (1 - t)^(g - 1) at t > 1 has no real value: those samples are skipped, the others decide
    outcome = decide(sympy.diff((1 - t) ** g, t), g * (1 - t) ** (g - 1))
    assert outcome.verdict == "refuted"
    assert outcome.counterexample is not None
