"""What a claim means: the page's own definitions (--define), prose conditions (--where), claims without a
left side (--means), the true class, implied sums, max shifts, and ambiguous readings."""

from __future__ import annotations

import math

import pytest

from derive.claims.ast import Add as AddNode
from derive.claims.ast import Claim, Derivative, Div, Exp, Max, Neg, Sum, Symbol
from derive.claims.latex import parse_claim
from derive.claims.mapping import imply_sums, map_claim
from derive.claims.read import ClaimReading
from derive.claims.run import check_claim
from derive.claims.verdict import (
    CheckOptions,
    MappedReading,
    evaluate_readings,
    numeric_decider,
)
from derive.errors import (
    DeriveError,
    NotationError,
    ParseError,
    UnstatedGradientError,
    UnstatedMeaningError,
    UsageError,
)

SOFTMAX_DEFINITION = r"s_k = \frac{e^{z_k}}{\sum_j e^{z_j}}"
FOCAL = r"\text{FL} = -\alpha (1-p_t)^\gamma \log p_t"


def _check(claim: str, **options: object) -> object:
    return check_claim(CheckOptions(claim, timeout=60, **options))  # type: ignore[arg-type]


def test_a_definition_of_the_softmax_makes_its_symbol_the_softmax_output() -> None:
    result = _check(
        r"\frac{\partial C}{\partial z_i} = s_i - y_i",
        define=(r"C = -\sum_k y_k \ln s_k", SOFTMAX_DEFINITION),
    )
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    readings = {entry["page"]: entry for entry in result.mapping}  # type: ignore[attr-defined]
    assert readings["s"]["canonical"] == "a" and "definition" in str(readings["s"]["reason"])
    assert readings["C"]["canonical"] == "H"


def test_a_focal_loss_is_checked_against_the_pages_own_definition() -> None:
    wrong = _check(
        r"\frac{\partial \text{FL}}{\partial z_j} = \alpha (1-p_t)^\gamma (p_j - \delta_{jt})",
        define=(FOCAL,),
    )
    assert wrong.verdict == "fails"  # type: ignore[attr-defined]
    right = _check(
        r"\frac{\partial \text{FL}}{\partial z_j} = \alpha (1-p_t)^\gamma "
        r"(1 - \frac{\gamma p_t \log p_t}{1 - p_t}) (p_j - \delta_{jt})",
        define=(FOCAL,),
    )
    assert right.verdict in ("holds", "undecided")  # type: ignore[attr-defined]
    readings = {entry["page"]: entry for entry in right.mapping}  # type: ignore[attr-defined]
    assert readings["t"]["canonical"] == "c"  # the index free in the definition is the true class
    assert "parameter" in str(readings["gamma"]["reason"])


def test_distillation_needs_the_temperature_factor() -> None:
    defines = (
        r"L = -T^2 \sum_j p_j \log q_j",
        r"q_j = \frac{e^{z_j/T}}{\sum_k e^{z_k/T}}",
        r"p_j = \frac{e^{v_j/T}}{\sum_k e^{v_k/T}}",
    )
    assert _check(r"\frac{\partial L}{\partial z_i} = T (q_i - p_i)", define=defines).verdict == "holds"  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial L}{\partial z_i} = q_i - p_i", define=defines).verdict == "fails"  # type: ignore[attr-defined]


def test_where_restricts_the_claim_to_the_true_class() -> None:
    result = _check("p_k - 1", means=r"\frac{\partial H}{\partial z_k}", where=("k = c",), assume=("onehot",))
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    off = _check(r"\frac{\partial H}{\partial z_j} = a_j", where=("j != c",), assume=("onehot",))
    assert off.verdict == "holds"  # type: ignore[attr-defined]
    everywhere = _check(r"\frac{\partial H}{\partial z_j} = a_j", assume=("onehot",))
    assert everywhere.verdict == "fails"  # type: ignore[attr-defined]


def test_means_gives_a_left_side_to_a_named_result() -> None:
    result = _check(r"\text{gradient} = \text{output} - \text{label}", means=r"\frac{\partial H}{\partial a}")
    assert result.verdict == "fails"  # type: ignore[attr-defined]


def test_definitions_that_refer_to_each_other_in_a_cycle_are_refused() -> None:
    with pytest.raises(NotationError, match="cycle"):
        map_claim(parse_claim(r"\frac{\partial H}{\partial z_j} = g_j"), defines=("g_j = f_j", "f_j = g_j"))


def test_an_unknown_symbol_that_is_differentiated_by_is_suggested_as_the_logits() -> None:
    with pytest.raises(NotationError, match=r"--let 'g_j=z_j'"):
        map_claim(parse_claim(r"\frac{\partial H}{\partial g_j} = a_j - y_j"))


def test_implied_sums_sum_an_index_the_left_side_does_not_have() -> None:
    side = parse_claim(r"\frac{\partial H}{\partial z_k} = \frac{e^{z_i}}{e^{z_m}} y_i").sides[1]
    summed = imply_sums(side, {"k"})
    assert isinstance(summed, Sum) and summed.index == "i"
    claim = r"\frac{\partial H}{\partial z_k} = -y_k + \hat{y}_k y_i"
    assert _check(claim, implied_sums=True).verdict == "holds"  # type: ignore[attr-defined]
    # without the convention, i is read as written (for every i: fails) and as the true class (holds)
    assert _check(claim).verdict == "ambiguous"  # type: ignore[attr-defined]
    assert _check(claim, let=("i=c",)).verdict == "holds"  # type: ignore[attr-defined]


def _softmax_with_shift(index: str) -> Div:
    shift = Max("q", Symbol("z", (Symbol("q"),)))
    numerator = Exp(AddNode((Symbol("z", (Symbol(index),)), Neg(shift))))
    body = Exp(AddNode((Symbol("z", (Symbol("n2"),)), Neg(shift))))
    return Div(numerator, Sum("n2", None, None, body))


def test_a_max_that_cancels_in_a_softmax_is_read_as_a_shift() -> None:
    claim = Claim(
        (
            Derivative(Symbol("H"), Symbol("z", (Symbol("j"),))),
            AddNode((_softmax_with_shift("j"), Neg(Symbol("y", (Symbol("j"),))))),
        ),
        "test",
    )
    mapped = map_claim(claim)
    assert mapped.sides[0].expr is not None and "mu" not in str(mapped.sides[0].expr)
    assert any("cancels" in note for note in mapped.notes)


def test_a_max_that_does_not_cancel_is_refused() -> None:
    shifted = Exp(AddNode((Symbol("z", (Symbol("j"),)), Neg(Max("q", Symbol("z", (Symbol("q"),)))))))
    claim = Claim((Derivative(Symbol("H"), Symbol("z", (Symbol("j"),))), shifted), "test")
    mapped = map_claim(claim)
    assert mapped.sides[0].expr is None and "does not cancel" in str(mapped.sides[0].error)


def test_readings_that_disagree_are_ambiguous() -> None:
    options = CheckOptions("x", timeout=60)
    holds = map_claim(parse_claim(r"\frac{\partial H}{\partial z_j} = a_j \sum_n y_n - y_j"))
    fails = map_claim(parse_claim(r"\frac{\partial H}{\partial z_j} = a_j"))
    readings = [
        MappedReading(ClaimReading((), "latex", ("one reading",)), (holds,)),
        MappedReading(ClaimReading((), "latex", ("another reading",)), (fails,)),
    ]
    result = evaluate_readings(readings, options, numeric_decider, symbolic=False)
    assert result.verdict == "ambiguous" and result.exit_code == 5
    assert [r["verdict"] for r in result.readings] == ["undecided", "fails"]
    same = evaluate_readings(readings[:1] * 2, options, numeric_decider, symbolic=False)
    assert same.verdict == "undecided" and "readings" in same.notes[-1]


def _read_as(result: object, page: str, canonical: str) -> bool:
    """Whether a result's notation reads the page's symbol as the canonical one."""
    mapping = result.mapping  # type: ignore[attr-defined]
    return any(entry["page"] == page and entry["canonical"] == canonical for entry in mapping)


def test_p_beside_y_is_read_as_the_output() -> None:
    # X^T (Y - P): P the probabilities, Y the targets ("both are the targets" gives way)
    result = _check(r"\frac{\partial L}{\partial W} = \frac{1}{N} X^T (Y - P)")
    assert result.verdict == "fails"  # type: ignore[attr-defined]
    assert _read_as(result, "P", "a")
    assert _check(r"\frac{\partial L}{\partial W} = \frac{1}{N} X^T (P - Y)").verdict == "holds_if"  # type: ignore[attr-defined]


def test_y_next_to_t_reads_y_as_the_output() -> None:
    # Bishop's and Hinton's t is the targets: "t the output, y the targets" is no reading
    claim = r"\frac{\partial C}{\partial z_i} = -\sum_{k=1}^K t_k (\delta_{ki} - y_i) = y_i - t_i"
    result = _check(claim)
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("y read as the softmax output" in c for c in result.choices)  # type: ignore[attr-defined]
    assert _check(claim, let=("y=a",)).verdict == "holds_if"  # type: ignore[attr-defined]


def test_a_definition_of_a_new_symbol_is_named_as_a_definition_not_judged() -> None:
    from derive.errors import DefinitionNotClaimError

    with pytest.raises(DefinitionNotClaimError, match="--define"):
        _check(FOCAL)
    assert _check(r"p_k = \frac{e^{z_k}}{\sum_j e^{z_j}}").verdict == "holds"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "claim",
    [
        r"\frac{\partial L}{\partial z_j} = \hat{y}_j - 1, j = c",
        r"\frac{\partial L}{\partial z_j} = \hat{y}_j - 1,\quad j = c",
        r"\frac{\partial L}{\partial z_j} = \hat{y}_j - 1 \quad \text{if } j = t",
    ],
)
def test_a_class_letter_only_in_the_claims_condition_is_the_true_class(claim: str) -> None:
    result = _check(claim)
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    readings = {entry["page"]: entry for entry in result.mapping}  # type: ignore[attr-defined]
    letter = "t" if claim.endswith("t") else "c"
    assert readings[letter]["guessed"] and "the true class" in str(readings[letter]["reason"])


def test_the_same_condition_with_the_wrong_value_fails() -> None:
    # for j = c the derivative is a_c - 1, not a_c: a counterexample at the true class
    result = _check(r"\frac{\partial L}{\partial z_j} = \hat{y}_j,\quad j = c")
    assert result.verdict == "fails"  # type: ignore[attr-defined]
    assert "true class c" in result.counterexample["indices"]  # type: ignore[attr-defined]


def test_a_derivative_written_on_the_right_is_the_left_side() -> None:
    result = _check(r"\hat{y}_i - y_i = \frac{\partial L}{\partial z_i}")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert result.lhs_latex.startswith(r"\frac{\partial L}")  # type: ignore[attr-defined]
    counterexample = result.counterexample  # type: ignore[attr-defined]
    z, y, i = counterexample["values"]["z"], counterexample["values"]["y"], counterexample["indices"]["i"] - 1
    a_i = math.exp(z[i]) / sum(math.exp(v) for v in z)
    assert counterexample["claimed"] == pytest.approx(a_i - y[i], rel=1e-5)  # the page's a_i - y_i


def test_an_index_over_classes_and_features_reads_with_the_other_convention() -> None:
    # W_{ij} with i the class (z = W x + b): the default convention reads i as a feature and conflicts
    result = _check(r"\frac{\partial L}{\partial W_{ij}} = (a_i - y_i) x_j")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("z = W x + b" in choice for choice in result.choices)  # type: ignore[attr-defined]
    direct = _check(r"\frac{\partial L}{\partial W_{ij}} = (a_i - y_i) x_j", convention="W_x")
    assert direct.verdict == "holds_if" and not direct.choices  # type: ignore[attr-defined]


def test_a_derivative_of_the_targets_reads_y_as_the_output_and_says_so() -> None:
    # dy_i/dz_j is 0 by the model: the page means the softmax output by y (the targets are data), and a
    # verdict on 0 would be wrong; the reading is shown as the choice it is
    claim = r"\frac{\partial y_i}{\partial z_j} = y_i (\delta_{ij} - y_j)"
    result = _check(claim)
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("y read as the softmax output" in c for c in result.choices)  # type: ignore[attr-defined]
    wrong = _check(r"\frac{\partial y_i}{\partial z_j} = y_i (1 - y_j)")
    assert wrong.verdict == "fails"  # type: ignore[attr-defined]
    assert _check(claim, let=("y=a",)).verdict == "holds"  # type: ignore[attr-defined]
    assert not _check(claim, let=("y=a",)).choices  # type: ignore[attr-defined]


def test_a_sum_written_without_its_index_runs_over_the_one_index_the_left_side_lacks() -> None:
    claim = r"\frac{\partial L}{\partial o_i} = - \sum y_k \frac{1}{p_k} \frac{\partial p_k}{\partial o_i}"
    result = _check(claim)
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("read as a sum over k" in note for note in result.notes)  # type: ignore[attr-defined]


def test_a_sum_with_bounds_but_no_index_runs_over_its_bodys_one_free_index() -> None:
    # \sum\limits_{1}^{N} -\hat{y}_i \log p_i (a focal-loss page): the bounds are there, the index is not
    lets = (r"\hat{y}=y", "p=a")
    result = _check(r"E = \sum\limits_{1}^{N} -\hat{y}_i \log(p_i)", let=lets)
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("read as a sum over i" in note for note in result.notes)  # type: ignore[attr-defined]
    wrong = _check(r"E = \sum\limits_{1}^{N} -\hat{y}_i \log(1 - p_i)", let=lets)
    assert wrong.verdict == "fails"  # type: ignore[attr-defined]


def test_the_one_free_index_of_a_loss_and_the_letter_c_are_the_true_class() -> None:
    # L = -\log a_c was judged for every c (at c = 1, true class c = 2: a wrong fails)
    for claim in (r"L = -\log a_c", r"L = -z_k + \log \sum_j e^{z_j}"):
        result = _check(claim)
        assert result.verdict == "holds", claim  # type: ignore[attr-defined]
        assert any("read as the true class" in note for note in result.notes)  # type: ignore[attr-defined]
    assert _check(r"L = -\log a_c + 1").verdict == "fails"  # type: ignore[attr-defined]
    result = _check(r"\frac{\partial L}{\partial z_i} = a_i - \delta_{ic}")
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    # a vector's entry index is not a class: \mathbf{a} = e^{z_i} is no claim about the true class
    assert not any("true class" in n for n in _check(r"\mathbf{a} = e^{z_i}").notes)  # type: ignore[attr-defined]


def test_f_with_a_class_index_is_the_class_scores_when_differentiated_by() -> None:
    result = _check(r"\frac{\partial L_i}{\partial f_k} = p_k - \mathbb{1}(y_i = k)")
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    readings = {entry["page"]: entry for entry in result.mapping}  # type: ignore[attr-defined]
    assert readings["f"]["canonical"] == "z" and readings["f"]["guessed"]
    assert _check(r"\frac{\partial L_i}{\partial f_k} = p_k").verdict == "fails"  # type: ignore[attr-defined]


def test_the_argument_of_a_softmax_is_read_as_the_logits_and_the_choice_is_shown() -> None:
    claim = r"\operatorname{softmax}(\mathbf{x}) = e^{\mathbf{x} - \operatorname{logsumexp}(\mathbf{x})}"
    result = _check(claim)
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert result.choices == (r"\mathbf{x} read as the logits (\mathbf{x}=z)",)  # type: ignore[attr-defined]
    wrong = _check(r"\operatorname{softmax}(\mathbf{x}) = e^{\mathbf{x} - \log \sum_i x_i}")
    assert wrong.verdict == "fails"  # type: ignore[attr-defined]


def test_logsumexp_is_the_log_of_the_sum_of_exponentials() -> None:
    holds = _check(r"\frac{\partial}{\partial z_i} \operatorname{logsumexp}(z) = a_i")
    fails = _check(r"\frac{\partial}{\partial z_i} \operatorname{LSE}(z) = e^{z_i}")
    assert (holds.verdict, fails.verdict) == ("holds", "fails")  # type: ignore[attr-defined]


def test_a_label_named_index_on_the_right_only_is_the_true_class() -> None:
    # crossentropy = -log softmax(Z)_target: target is the label, so this is the loss (with one-hot y)
    claim = r"L = -\log\frac{e^{Z_{target}}}{\sum_{i=1}^n e^{Z_i}}"
    result = _check(claim)
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    readings = {entry["page"]: entry for entry in result.mapping}  # type: ignore[attr-defined]
    assert readings["Z"]["canonical"] == "z"  # one index and no batch: the vector
    assert _check(r"L = -\log\frac{e^{Z_{target}}}{\sum_{i=1}^n e^{2 Z_i}}").verdict == "fails"  # type: ignore[attr-defined]


def test_a_text_that_defines_the_targets_by_the_logits_means_its_output() -> None:
    # y_i = e^{x_i} / sum_k e^{x_k}: the targets are data, so this y is the page's softmax output
    result = _check(r"y_i = \frac{e^{x_i}}{\sum_k e^{x_k}}")
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("y read as the softmax output" in c for c in result.choices)  # type: ignore[attr-defined]
    assert _check(r"y_i = \frac{e^{x_i}}{\sum_k e^{2 x_k}}").verdict == "fails"  # type: ignore[attr-defined]


def test_a_condition_in_words_beside_a_formula_is_never_dropped() -> None:
    # (where y_i = 1 is read: see test_where_the_targets_entry_is_one_restricts_to_the_true_class)
    with pytest.raises(NotationError, match=r"condition in words .*where.* p_i = 1"):
        _check(r"L = - \sum_i \log p_i \text{ where } p_i = 1")
    # a range of the index is no condition, and a comment justifying a step is none either
    assert (
        _check(r"y_i = \frac{e^{z_i}}{\sum_k e^{z_k}}, \text{for } i=1,\dots, K", let=("y=a",)).verdict
        == "holds"
    )  # type: ignore[attr-defined]


def test_a_numbered_loss_is_the_pages_own_not_the_built_in_one() -> None:
    with pytest.raises(NotationError, match=r"--let 'C_\{2\}=H' if it is the loss"):
        _check(r"\frac{\partial C_2}{\partial z_i} = a_i - y_i")
    assert _check(r"\frac{\partial C_2}{\partial z_i} = a_i - y_i", let=("C_{2}=H",)).verdict == "holds_if"  # type: ignore[attr-defined]


def test_a_name_in_an_exponent_is_what_the_softmax_is_applied_to() -> None:
    # s_j in e^{s_j} are the scores (s is otherwise read as the output); a in e^{a_j} reads as the logits
    result = _check(r"p_k = \frac{e^{s_k}}{\sum_i e^{s_i}}")
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    readings = {entry["page"]: entry["canonical"] for entry in result.mapping}  # type: ignore[attr-defined]
    assert readings["s"] == "z" and readings["p"] == "a"
    exponent = _check(r"\frac{\partial}{\partial a_j} \log \sum_k e^{a_k} = \frac{e^{a_j}}{\sum_k e^{a_k}}")
    assert exponent.verdict == "holds" and exponent.choices == ("a read as the logits (a=z)",)  # type: ignore[attr-defined]


def test_a_batch_differential_whose_mean_or_sum_is_unwritten_is_ambiguous() -> None:
    # dZ = A - Y (Ng's notes) is the gradient of the summed loss; without its 1/m, not of the mean (it was
    # refused: which one is meant is not written)
    result = _check(r"dZ^{[L]} = A^{[L]} - y")
    assert result.verdict == "ambiguous"  # type: ignore[attr-defined]
    assert [reading["verdict"] for reading in result.readings] == ["fails", "holds_if"]  # type: ignore[attr-defined]
    assert _check(r"dZ^{[L]} = A^{[L]} - y", batch_loss="sum").verdict == "holds_if"  # type: ignore[attr-defined]
    assert _check(r"dZ = Y - A", batch_loss="sum").verdict == "fails"  # type: ignore[attr-defined]
    # inside a formula, Ng's dZ (the summed loss's gradient) sits beside a mean's dW: no one loss reads both
    # (as dH/dZ of either, dW = \frac{1}{m} dZ X^T would be a wrong fails), so the whole text is refused
    for text in (r"dW = \frac{1}{m} dZ X^T", r"dZ^{[l - 1]} = dZ^{[l]} W^T"):
        with pytest.raises(UnstatedMeaningError, match="inside a formula"):
            _check(text, batch_loss="sum")


def test_a_loss_named_binary_cross_entropy_is_read_with_the_sigmoid_loss_and_says_so() -> None:
    result = _check(r"\frac{\partial BCE}{\partial z} = \sigma(z) - y")
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("the loss read as sigmoid-bce" in c for c in result.choices)  # type: ignore[attr-defined]


def test_a_loss_letter_with_two_indices_is_no_loss_and_a_parametrized_function_is_refused() -> None:
    # J_{ij} is never the loss: written with one vector it is the softmax's Jacobian entry (a shown choice)
    jacobian = _check(r"J_{ij} = a_i (\delta_{ij} - a_j)")
    assert jacobian.verdict == "holds"  # type: ignore[attr-defined]
    assert any("Jacobian entry" in c for c in jacobian.choices)  # type: ignore[attr-defined]
    with pytest.raises(NotationError, match=r"symbol \$J\$ is not a recognized notation"):
        _check(r"J_{ij} = a_i (\delta_{ij} - z_j)")  # two vectors: what J is stays unsaid
    # h_w(x): the model with weights w applied to the input is its output (noted); a subscript that names
    # parameters on a function of something else than the input stays refused
    model = _check(r"h_w(x) = \frac{e^{z_j}}{\sum_k e^{z_k}}")
    assert model.verdict == "holds"  # type: ignore[attr-defined]
    assert any("read as the model's output" in n for n in model.notes)  # type: ignore[attr-defined]
    with pytest.raises(NotationError, match="names the parameters of the function"):
        _check(r"h_w(z) = \frac{e^{z_j}}{\sum_k e^{z_k}}")


def test_y_beside_a_guessed_target_name_is_the_output_not_a_second_name_for_the_targets() -> None:
    # dL/dlogits = y - target: y - y would be 0, two names for one vector; y as the output is the reading
    result = _check("dL/dlogits = y - target")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("y read as the softmax output" in c for c in result.choices)  # type: ignore[attr-defined]
    assert _check("dL/dlogits = target - y").verdict == "fails"  # type: ignore[attr-defined]


def test_a_derivative_by_the_targets_is_refused() -> None:
    # code's dLdy is by the network's output, which the code calls y: never a gradient by the labels
    with pytest.raises(NotationError, match="a derivative by the targets y"):
        _check(r"\frac{\partial H}{\partial y_i} = a_i - y_i")


def test_two_readings_a_text_needs_are_chosen_together_and_shown() -> None:
    # softmax(x) pages: x is the logits (not the input) and y, differentiated by x, the softmax output
    result = _check(r"\frac{\partial y_i}{\partial x_j} = -y_i y_j \quad \text{for } i \neq j")
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("x=z" in c and "y=a" in c for c in result.choices)  # type: ignore[attr-defined]
    wrong = _check(r"\frac{\partial y_i}{\partial x_j} = y_i y_j \quad \text{for } i \neq j")
    assert wrong.verdict == "fails"  # type: ignore[attr-defined]


def test_a_derivative_by_a_name_read_as_the_targets_reads_it_as_the_page_writes_it() -> None:
    # e^{y_i} and d/dy_i: the page's y is what its softmax is applied to (its logits)
    result = _check(r"\frac{\partial L}{\partial y_i} = \frac{e^{y_i}}{\sum_j e^{y_j}} - t_i")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert result.choices == ("y read as the logits (y=z)",)  # type: ignore[attr-defined]
    # dL/dP_j with P guessed as the targets: what the page differentiates by is its output
    by_output = _check(r"\frac{\partial L}{\partial P_j} = -\frac{y_j}{P_j}")
    assert by_output.verdict == "holds"  # type: ignore[attr-defined]
    assert _read_as(by_output, "P", "a")  # beside the targets y: the output
    assert _check(r"\frac{\partial L}{\partial P_j} = \frac{y_j}{P_j}").verdict == "fails"  # type: ignore[attr-defined]
    # a derivative by y where y is only the targets stays refused
    with pytest.raises(NotationError, match="derivative by the targets"):
        _check(r"\frac{\partial L}{\partial y_i} = -\log a_i")


def test_an_inequality_after_a_comma_and_a_space_is_the_claims_condition() -> None:
    result = _check(r"\frac{\partial L}{\partial z_j} = a_j, \quad j \neq c")
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial L}{\partial z_j} = a_j, \quad j = c").verdict == "fails"  # type: ignore[attr-defined]


def test_where_the_targets_entry_is_one_restricts_to_the_true_class() -> None:
    # "-\sum_i \log p_i where y_i = 1" (a blog's loss): the sum runs over the true class only
    result = _check(r"L = -\sum_i \log p_i \text{ where } y_i = 1", let=("p=a",))
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("restrict the sum over i" in note for note in result.notes)  # type: ignore[attr-defined]
    assert _check(r"L = -\sum_i \log p_i \text{ where } y_i = 0", let=("p=a",)).verdict == "fails"  # type: ignore[attr-defined]
    # on a free index, the words are an index condition
    right = _check(r"\frac{\partial L}{\partial z_i} = p_i - 1 \text{ where } y_i = 1", let=("p=a",))
    assert right.verdict == "holds"  # type: ignore[attr-defined]
    wrong = _check(r"\frac{\partial L}{\partial z_i} = p_i - 1 \quad \text{if } y_i = 0", let=("p=a",))
    assert wrong.verdict == "fails"  # type: ignore[attr-defined]
    # other words stay refused, never dropped
    with pytest.raises(NotationError, match="condition in words"):
        _check(r"\frac{\partial L}{\partial z_i} = p_i - 1 \text{ where } p_i = 1", let=("p=a",))


def test_a_models_vector_with_two_indices_sums_over_the_examples() -> None:
    # a_{iq}: row i is an example; the sum over i runs to the number of examples, not of classes (it ran to
    # k and gave "no finite value": a wrong fails)
    right = _check(r"\frac{\partial L}{\partial b_q} = \sum_{i=1}^{m} (a_{iq} - y_{iq})/m")
    assert right.verdict == "holds_if"  # type: ignore[attr-defined]
    summed = r"\frac{\partial L}{\partial b_q} = \sum_{i=1}^{m} (a_{iq} - y_{iq})"
    assert _check(summed, batch_loss="mean").verdict == "fails"  # type: ignore[attr-defined]
    # a numbered size as a sum's limit (n_1: the classes here) is the size of what the sum runs over
    chain = (
        r"\frac{\partial L}{\partial b_q} = \sum_{i=1}^{m} \sum_{j=1}^{n_1} "
        r"\frac{\partial L}{\partial z_{ij}} \frac{\partial z_{ij}}{\partial b_q} "
        r"= \sum_{i=1}^{m} \frac{\partial L}{\partial z_{iq}}"
    )
    result = _check(chain)
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any(entry["page"] == "n_{1}" for entry in result.mapping)  # type: ignore[attr-defined]


def test_a_batch_loss_written_as_a_sum_over_the_examples_is_read_as_that_sum() -> None:
    # L = -sum_n sum_c Y_nc log A_nc defines the summed loss; against the mean it was a wrong fails
    result = _check(r"L = -\sum_{n=1}^N \sum_{c} Y_{nc} \log A_{nc}")
    assert result.verdict in ("holds", "undecided")  # type: ignore[attr-defined]
    assert any("sum over its examples" in note for note in result.notes)  # type: ignore[attr-defined]
    assert _check(r"L = -2 \sum_{n=1}^N \sum_{c} Y_{nc} \log A_{nc}").verdict == "fails"  # type: ignore[attr-defined]
    # a gradient does not say which loss it is about: a bare dL/dZ = A - Y holds for the sum, fails for the
    # mean (tests below)
    assert _check(r"\frac{\partial L}{\partial Z_{ij}} = A_{ij} - Y_{ij}").verdict == "ambiguous"  # type: ignore[attr-defined]


_SUMMED_GRADIENT = r"\frac{\partial L}{\partial W} = X^T (P - Y)"


def test_a_batch_gradient_without_1_over_n_is_ambiguous_between_the_mean_and_the_sum() -> None:
    # it was a silent fails: the batch's loss read as the mean, which the claim does not say
    result = _check(_SUMMED_GRADIENT)
    assert result.verdict == "ambiguous"  # type: ignore[attr-defined]
    verdicts = [reading["verdict"] for reading in result.readings]  # type: ignore[attr-defined]
    assert verdicts == ["fails", "holds_if"]
    assert "--batch-loss mean or --batch-loss sum" in result.explanation  # type: ignore[attr-defined]
    # said by the user, or by the page's words
    assert _check(_SUMMED_GRADIENT, batch_loss="sum").verdict == "holds_if"  # type: ignore[attr-defined]
    assert _check(_SUMMED_GRADIENT, batch_loss="mean").verdict == "fails"  # type: ignore[attr-defined]
    worded = _check(_SUMMED_GRADIENT, notation="the loss is summed over the examples")
    assert worded.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("--batch-loss sum (the page's words" in note for note in worded.notes)  # type: ignore[attr-defined]
    averaged = _check(_SUMMED_GRADIENT, notation="L is the mean over the batch")
    assert averaged.verdict == "fails"  # type: ignore[attr-defined]
    # or by the text itself: code whose loss takes a mean, a chain that writes 1/N
    code = "def grad(X, P, Y):\n    loss = -np.mean(np.sum(Y * np.log(P), axis=1))\n    dW = X.T @ (P - Y)\n"
    taken = _check(code, syntax="python", means="dH/dW")
    assert taken.verdict == "fails"  # type: ignore[attr-defined]
    assert any("the text itself takes a mean" in note for note in taken.notes)  # type: ignore[attr-defined]


def test_a_batch_gradient_that_writes_1_over_n_or_fails_both_ways_is_not_ambiguous() -> None:
    mean = r"\frac{\partial L}{\partial W} = \frac{1}{N} X^T (P - Y)"
    assert _check(mean).verdict == "holds_if"  # type: ignore[attr-defined]
    assert _check(mean, batch_loss="sum").verdict == "fails"  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial L}{\partial W} = X^T (Y - P)").verdict == "fails"  # type: ignore[attr-defined]
    with pytest.raises(UsageError, match="--batch-loss 'median': use mean or sum"):
        _check(mean, batch_loss="median")


def test_a_chains_conclusion_that_reads_only_with_another_reading_gets_that_reading() -> None:
    # softmax(x) as the last line: x is the logits, for every step of the chain (shown as a choice)
    chain = "d/dx_i logsumexp(x) = exp(x_i) / sum(exp(x)) = softmax(x)"
    result = _check(chain)
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("x read as the logits (x=z)" in c for c in result.choices)  # type: ignore[attr-defined]
    assert _check(chain.replace("exp(x_i) / sum", "exp(2 x_i) / sum")).verdict == "fails"  # type: ignore[attr-defined]


def test_a_subscript_yi_is_the_entry_at_the_label_of_example_i() -> None:
    # cs231n writes f_yi, s_{yi} for f_{y_i}; a comma or a space keeps two indices (W_{y,i})
    result = _check("Loss = -f_yi + log(sum_j(e^(f_j)))", let=("f=z",))
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("read as the label's entry" in c for c in result.choices)  # type: ignore[attr-defined]
    assert _check("Loss = -f_yi + sum_j(e^(f_j))", let=("f=z",)).verdict == "fails"  # type: ignore[attr-defined]
    from derive.claims.latex import format_node
    from derive.claims.read import read_claim

    assert format_node(read_claim(r"W_{y,i} = 1")[0].claims[0].sides[0]) == "W_{y,i}"


def test_the_softmax_named_without_its_argument_as_what_is_differentiated_is_its_value() -> None:
    claim = (
        r"\frac{\partial \sigma}{\partial \mathbf{z}} = "
        r"\text{diag}(\sigma(\mathbf{z})) - \sigma(\mathbf{z}) \sigma(\mathbf{z})^\top"
    )
    result = _check(claim)
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    reasons = [str(entry["reason"]) for entry in result.mapping]  # type: ignore[attr-defined]
    assert any("the function the left side differentiates" in reason for reason in reasons)
    assert _check(claim.replace("- \\sigma", "+ \\sigma")).verdict == "fails"  # type: ignore[attr-defined]
    # a bare sigma elsewhere stays refused
    with pytest.raises(NotationError, match="without an argument"):
        _check(r"\frac{\partial L}{\partial z_i} = \sigma - y_i")


def test_an_index_only_the_right_side_has_is_read_as_written_and_as_the_true_class() -> None:
    claim = r"\frac{\partial L}{\partial z_i} = a_i - \delta_{ik}"
    result = _check(claim)
    assert result.verdict == "ambiguous"  # type: ignore[attr-defined]
    verdicts = sorted(str(reading["verdict"]) for reading in result.readings)  # type: ignore[attr-defined]
    assert verdicts == ["fails", "holds"]
    assert _check(claim, let=("k=c",)).verdict == "holds"  # type: ignore[attr-defined]
    assert _check(claim.replace(r"a_i - ", r"a_i - 2")).verdict == "fails"  # type: ignore[attr-defined]


def test_log_softmax_is_the_log_of_the_softmax_and_its_label_entry_is_the_true_class() -> None:
    # the label indexing an entry of a call (softmax(z)[y]) is the true class, as in a_y; it used to be
    # judged for every y, a wrong fails
    losses = ("L = -log_softmax(z)[y]", "L = -log(softmax(z)[y])", r"L = -\operatorname{log\_softmax}(z)_c")
    for loss in losses:
        result = _check(loss)
        assert result.verdict == "holds", (loss, result.explanation)  # type: ignore[attr-defined]
        assert any("read as the true class" in note for note in result.notes)  # type: ignore[attr-defined]
    assert _check("L = log_softmax(z)[y]").verdict == "fails"  # type: ignore[attr-defined]
    identity = _check("−log_softmax(z)[y] = −z_y + logsumexp(z)")  # the same y on both sides: every y
    assert identity.verdict == "holds" and not identity.assumptions  # type: ignore[attr-defined]
    assert _check("−log_softmax(z)[y] = z_y - logsumexp(z)").verdict == "fails"  # type: ignore[attr-defined]
    gradient = _check("dL/dz = exp(log_softmax(z)) - y")
    assert gradient.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any(entry["canonical"] == "log-softmax" for entry in gradient.mapping)  # type: ignore[attr-defined]


def test_a_primed_sigmoid_output_is_its_derivative_by_its_input() -> None:
    result = _check("a_i' = a_i(1-a_i)", loss="sigmoid-bce")
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("derivative of the sigmoid output by its input" in n for n in result.notes)  # type: ignore[attr-defined]
    assert _check("a_i' = a_i(1+a_i)", loss="sigmoid-bce").verdict == "fails"  # type: ignore[attr-defined]
    # the softmax's a' has no one meaning (which input?): still refused
    with pytest.raises(NotationError, match="primed symbol"):
        _check("a_i' = a_i(1-a_i)")


def test_two_names_guessed_as_one_vector_are_told_apart() -> None:
    batch = _check("dL/dW = X^T (P - Y) / N")  # P and Y both guessed the targets: P is the output
    assert batch.verdict == "holds_if"  # type: ignore[attr-defined]
    assert _read_as(batch, "P", "a")
    scores = _check(r"\frac{\partial L}{\partial s_i} = p_i - y_i")  # s and p both the output: s the logits
    assert scores.verdict == "holds_if"  # type: ignore[attr-defined]
    assert _read_as(scores, "s", "z")
    assert _check(r"\frac{\partial L}{\partial s_i} = p_i + y_i").verdict == "fails"  # type: ignore[attr-defined]
    # a comparison with the true class is not a second name for the targets: one reading
    delta = _check(r"\frac{\partial L}{\partial z_k} = \frac{e^{z_k}}{\sum_j e^{z_j}} - \delta_{ky}")
    assert delta.verdict == "holds"  # type: ignore[attr-defined]


def test_a_vector_equal_to_a_sum_over_a_vectors_entries_is_refused() -> None:
    # a sum over j (a class's letter, no limit) would add a vector's entries: refused; over n, the
    # examples' letter, it reads as a sum over the examples (test_a_sum_over_the_examples_written_...)
    with pytest.raises(NotationError, match="a sum over the entries of a vector"):
        _check(r"\frac{\partial L}{\partial b} = \frac{1}{N}\sum_j (p_j - y_j)")
    summed = _check(r"\frac{\partial L}{\partial b} = \frac{1}{N}\sum_n (p_n - y_n)")
    assert summed.verdict == "holds_if"  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial L}{\partial b} = 0").verdict == "fails"  # type: ignore[attr-defined]


def test_the_basis_vector_of_the_true_class_is_the_one_hot_target() -> None:
    result = _check(r"\nabla_z \ell = p - e_y")
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert "onehot" in result.assumptions  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial L}{\partial z} = p + e_y").verdict == "fails"  # type: ignore[attr-defined]
    # bold or arrowed, e is a vector's name, never Euler's number (it was refused as a bare e)
    bold = _check(r"\frac{\partial \ell}{\partial \mathbf{z}} = \mathbf{p} - \mathbf{e}_y")
    assert bold.verdict == "holds"  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial L}{\partial z} = p + \vec{e}_y").verdict == "fails"  # type: ignore[attr-defined]
    with pytest.raises(ParseError, match="bare 'e'"):
        _check(r"\frac{\partial L}{\partial z} = p - e")
    # e with a class index is not a basis vector (pages write e_j for e^{z_j}): still asked for
    with pytest.raises(NotationError, match="symbol \\$e\\$"):
        _check(r"\frac{\partial L}{\partial z_j} = \frac{e_j}{\sum_k e_k} - y_j")


def test_d_before_a_bold_vector_is_read_as_a_differential_too() -> None:
    # d\mathbf{z} was only the letter d (the number of features) times z: a wrong fails. Read as d times
    # z, it is no claim about the loss: the differential reading wins, and says so.
    result = _check(r"d\mathbf{z} = \mathbf{a} - \mathbf{y}")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert result.choices == ("d z read as a differential",)  # type: ignore[attr-defined]
    assert _check(r"d\mathbf{z} = \mathbf{y} - \mathbf{a}").verdict == "fails"  # type: ignore[attr-defined]


def test_a_sum_without_an_index_over_a_batch_runs_over_its_examples() -> None:
    # db = \frac{1}{m} \sum dZ (numpy's sum over the examples' axis) was refused: "a sum without an index
    # must sum the entries of one vector"
    result = _check(r"db = \frac{1}{m}\sum (A - Y)")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("read as a sum over its examples" in note for note in result.notes)  # type: ignore[attr-defined]
    assert _check(r"db = \frac{1}{m}\sum (Y - A)").verdict == "fails"  # type: ignore[attr-defined]
    with pytest.raises(NotationError, match="the left side is a scalar"):
        _check(r"L = \sum (A - Y)")


def test_a_transposed_differential_is_the_transposed_gradient() -> None:
    # x dz^T was read as the gradient by z^T, which did not multiply: refused
    assert _check(r"dW = x dz^T").verdict == "holds"  # type: ignore[attr-defined]
    assert _check(r"dW = -x dz^T").verdict == "fails"  # type: ignore[attr-defined]


def test_a_gradient_that_does_not_say_what_it_is_by_takes_means_wrt_or_the_words() -> None:
    # \nabla L with no subscript was a parse error; it is refused in one line that says what to add
    with pytest.raises(UnstatedGradientError, match=r"\$\\nabla L\$ does not say what it is the gradient by"):
        _check(r"\nabla L = p - y")
    assert _check(r"\nabla L = p - y", means="dL/dz").verdict == "holds_if"  # type: ignore[attr-defined]
    assert _check(r"\nabla L = y - p", wrt="z").verdict == "fails"  # type: ignore[attr-defined]
    worded = _check(r"∇L = p − y", notation="the gradient w.r.t. the logits z")
    assert worded.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("--means 'dH/dz' (the page's words" in note for note in worded.notes)  # type: ignore[attr-defined]


def test_a_class_letter_only_in_a_cases_condition_is_the_true_class() -> None:
    # it was judged for every c (a wrong fails): a cases condition's letters were not seen as used
    cases = (
        r"\frac{\partial L}{\partial z_i} = "
        r"\begin{cases} \hat{y}_i - 1 & i = c \\ \hat{y}_i & \text{otherwise}\end{cases}"
    )
    assert _check(cases).verdict == "holds"  # type: ignore[attr-defined]
    # another letter: read as written and as the true class, as \delta_{ik} is
    other = r"\frac{\partial L}{\partial z_i} = \begin{cases} p_i - 1 & i = k \\ p_i & i \neq k\end{cases}"
    result = _check(other)
    assert result.verdict == "ambiguous"  # type: ignore[attr-defined]
    assert [reading["verdict"] for reading in result.readings] == ["fails", "holds"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        (r"\frac{\partial L}{\partial z_i} = \hat{y}_i - 1 \text{ if } i = c, \quad \hat{y}_i \text{ else}",
         "holds"),
        ("dL/dz_i = p_i if i = y, p_i - 1 otherwise", "fails"),
        (r"\frac{\partial L}{\partial z_i} = p_i - 1 \text{ if } i = y \text{ and } p_i \text{ otherwise}",
         "holds"),
    ],
)
def test_an_expression_followed_by_otherwise_is_the_other_branch(text: str, verdict: str) -> None:
    # the lone "p_i otherwise" was a second equation with no left side: refused
    result = _check(text)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert "begin{cases}" in result.steps[-1].latex  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "indicator", [r"\mathbb{I}[i = y]", r"\mathbb{I}\{i = y\}", r"\mathbb{I}_{i = y}", r"\mathbb{I}(i = y)"]
)
def test_blackboard_i_is_the_indicator_function(indicator: str) -> None:
    # \mathbb{I} was an unknown symbol (\mathbb{1} was read)
    assert _check(rf"\frac{{\partial L}}{{\partial z_i}} = p_i - {indicator}").verdict == "holds"  # type: ignore[attr-defined]
    assert _check(rf"\frac{{\partial L}}{{\partial z_i}} = p_i + {indicator}").verdict == "fails"  # type: ignore[attr-defined]


def test_a_target_built_by_a_one_hot_function_is_one_hot() -> None:
    # onehot(y) was read as targets of any sum: holds_if where the labels are class indices
    result = _check("dL/dz = softmax(z) - onehot(y)")
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("builds one-hot targets from labels" in note for note in result.notes)  # type: ignore[attr-defined]
    # a vector named one-hot is the page's targets: the claim needs them to sum to 1, and says so
    assert _check("dL/dz = softmax(z) - y_onehot").verdict == "holds_if"  # type: ignore[attr-defined]


def test_one_examples_gradient_that_writes_n_is_the_batch_means() -> None:
    # N, the number of examples, says the loss is a batch's mean: its gradient by one example's logits is
    # that example's gradient divided by N (it was a wrong fails against the one-example loss)
    mean = r"\frac{\partial L}{\partial z^{(n)}} = \frac{1}{N}(p^{(n)} - y^{(n)})"
    result = _check(mean)
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("says the loss is a batch's mean" in note for note in result.notes)  # type: ignore[attr-defined]
    assert _check(mean, batch_loss="sum").verdict == "fails"  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial L}{\partial z_i} = N(p_i - y_i)").verdict == "fails"  # type: ignore[attr-defined]
    code = _check("dscores = probs - y_onehot\ndscores /= N\n", syntax="python")
    assert code.verdict == "holds_if"  # type: ignore[attr-defined]
    # the shared weights' gradient is a sum over the examples: one example's term over N is not it
    shared = r"\frac{\partial L}{\partial W} = \frac{1}{N} x (p - y)^T"
    assert _check(shared).verdict == "fails"  # type: ignore[attr-defined]


def test_a_function_name_before_a_bracket_of_its_own_value_is_a_product() -> None:
    # \sigma(1 - \sigma) was sigma applied to 1 - sigma: a wrong fails of the sigmoid's derivative
    sigmoid = _check(r"\frac{d\sigma}{dz} = \sigma(1-\sigma)", loss="sigmoid-bce")
    assert sigmoid.verdict == "holds" and not sigmoid.readings  # type: ignore[attr-defined]
    assert _check(r"\frac{d\sigma}{dz} = \sigma(1+\sigma)", loss="sigmoid-bce").verdict == "fails"  # type: ignore[attr-defined]
    # applied to the logits, it is still a call
    called = _check(r"\frac{\partial \sigma(z)}{\partial z} = \sigma(z)(1-\sigma(z))", loss="sigmoid-bce")
    assert called.verdict == "holds"  # type: ignore[attr-defined]


def test_a_run_of_unicode_subscripts_is_one_subscript() -> None:
    # δᵢⱼ was δ_i_j: "double subscript"
    assert _check("∂sᵢ/∂zⱼ = sᵢ(δᵢⱼ − sⱼ)").verdict == "holds"  # type: ignore[attr-defined]
    assert _check("∂sᵢ/∂zⱼ = sᵢ(δᵢⱼ + sⱼ)").verdict == "fails"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("dsoftmax_i/dz_j = softmax_i * (delta_ij - softmax_j)", "holds"),
        (r"\frac{\partial \text{softmax}_i}{\partial z_j} = \text{softmax}_i(\delta_{ij} - \text{softmax}_j)",
         "holds"),
        (r"\frac{\partial \text{softmax}_i}{\partial z_j} = \text{softmax}_i(1 - \text{softmax}_j)", "fails"),
        ("dL/dz_i = softmax_i - y_i", "holds_if"),
    ],
)
def test_an_entry_of_the_softmax_written_by_its_name_is_the_output(text: str, verdict: str) -> None:
    # softmax_i was an unknown symbol; softmax_i(delta_ij - softmax_j) a softmax applied to its own values
    assert _check(text).verdict == verdict  # type: ignore[attr-defined]


def test_the_softmax_of_an_expression_is_read() -> None:
    # it was refused: "softmax is only understood applied to the logits z"
    logits = _check(r"\frac{\partial L}{\partial W} = x(\text{softmax}(W^T x + b) - y)^T")
    assert logits.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("the model's logits (its argument)" in str(e["reason"]) for e in logits.mapping)  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial L}{\partial W} = x(\text{softmax}(W^T x + b) + y)^T").verdict == "fails"  # type: ignore[attr-defined]
    # another expression: its softmax written out, judged as it is
    doubled = _check(r"\frac{\partial L}{\partial z} = \text{softmax}(2z) - y")
    assert doubled.verdict == "fails"  # type: ignore[attr-defined]
    assert any("written out" in note for note in doubled.notes)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        (r"J = \text{diag}(p) - p p^T", "holds"),
        (r"J = \text{diag}(p) + p p^T", "fails"),
        (r"\mathbf{J} = \operatorname{diag}(\mathbf{s}) - \mathbf{s}\mathbf{s}^\top", "holds"),
    ],
)
def test_j_equal_to_a_square_matrix_of_the_output_is_the_softmax_jacobian(text: str, verdict: str) -> None:
    # J was read as the loss: "the left side is a scalar but the right side is a matrix of shape k x k"
    result = _check(text)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert any("read as the softmax's Jacobian" in choice for choice in result.choices)  # type: ignore[attr-defined]
    # a matrix of the targets is no Jacobian of the output: still refused
    with pytest.raises(NotationError, match="the left side is a scalar"):
        _check(r"J = \text{diag}(y) - y y^T")


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        (r"\frac{\partial L}{\partial z_y} = p_y - 1", "holds"),
        (r"\frac{\partial L}{\partial z_y} = p_y", "fails"),
        (r"\frac{\partial L}{\partial z_{target}} = p_{target} - 1", "holds"),
    ],
)
def test_the_targets_letter_as_an_index_of_the_left_side_is_the_true_class(text: str, verdict: str) -> None:
    # dL/dz_y was judged for every y (a wrong fails): the label as an index is the true class on the left too
    assert _check(text).verdict == verdict  # type: ignore[attr-defined]


def test_a_y_the_softmax_is_applied_to_and_differentiated_by_is_the_logits() -> None:
    # dL/dy with softmax(y) on the right: y is what the softmax is applied to (it was refused as the targets)
    result = _check(r"\frac{\partial L}{\partial y} = \frac{1}{batch\_size}(softmax(y) - t)")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert "y read as the logits (y=z)" in result.choices  # type: ignore[attr-defined]
    readings = {entry["page"]: entry["canonical"] for entry in result.mapping}  # type: ignore[attr-defined]
    assert readings["batch_size"] == "N"


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("dL/dz_k = p_k - 1{k = y}", "holds"),
        ("dL/dz_k = p_k - I(k = y)", "holds"),
        ("dL/dz_k = p_k + I(k = y)", "fails"),
        ("dL/dz_k = p_k - 1{k != y}", "fails"),
    ],
)
def test_plain_text_indicators(text: str, verdict: str) -> None:
    # 1{k = y} was a parse error in plain text (braces group there); I(k = y) a condition in a call
    assert _check(text).verdict == verdict  # type: ignore[attr-defined]


_COLUMNS_CHOICE = "the batch's examples read as columns"


def test_a_batch_whose_shapes_fit_only_columns_is_read_with_the_examples_as_columns() -> None:
    # Ng's notes: Z = W X + b with X of shape d x N; as rows, (A - Y) X^T does not multiply (refused)
    result = _check(r"\frac{\partial J}{\partial W} = \frac{1}{m} (A - Y) X^T")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any(_COLUMNS_CHOICE in choice for choice in result.choices)  # type: ignore[attr-defined]
    assert any("z = W x, without b" in note for note in result.notes)  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial J}{\partial W} = \frac{1}{m} (Y - A) X^T").verdict == "fails"  # type: ignore[attr-defined]
    by_input = _check(r"\frac{\partial J}{\partial X} = \frac{1}{m} W^T (A - Y)")
    assert by_input.verdict == "holds_if"  # type: ignore[attr-defined]
    # columns are read with z = W x + b only: X (A - Y)^T would need W^T x, the transposition mistake's
    # shape under columns, so it is refused, never read by whichever convention fits
    with pytest.raises(NotationError, match="cannot multiply"):
        _check(r"\frac{\partial J}{\partial W} = \frac{1}{m} X (A - Y)^T")
    # rows that fit stay rows
    rows = _check(r"\frac{\partial J}{\partial W} = \frac{1}{m} X^T (A - Y)")
    assert rows.verdict == "holds_if"  # type: ignore[attr-defined]
    assert not any(_COLUMNS_CHOICE in choice for choice in rows.choices)  # type: ignore[attr-defined]
    # the batch's loss as the sum: the written 1/m is then wrong
    summed = _check(r"\frac{\partial J}{\partial W} = \frac{1}{m} (A - Y) X^T", batch_loss="sum")
    assert summed.verdict == "fails"  # type: ignore[attr-defined]


def test_a_hatted_capital_is_the_batch_output() -> None:
    claim = (
        r"\frac{\partial \mathcal{L}}{\partial \mathbf{W}} = "
        r"\frac{1}{N}\mathbf{X}^\top(\hat{\mathbf{Y}} - \mathbf{Y})"
    )
    assert _check(claim).verdict == "holds_if"  # type: ignore[attr-defined]
    swapped = claim.replace(r"(\hat{\mathbf{Y}} - \mathbf{Y})", r"(\mathbf{Y} - \hat{\mathbf{Y}})")
    assert _check(swapped).verdict == "fails"  # type: ignore[attr-defined]


def test_bold_capitals_are_a_batch_as_plain_ones_are() -> None:
    # \mathbf{A} - \mathbf{Y} was read as one example's vectors: the batch mean's gradient got fails
    mean = _check(r"\frac{\partial L}{\partial \mathbf{Z}} = \frac{1}{N}(\mathbf{A} - \mathbf{Y})")
    assert mean.verdict == "holds_if"  # type: ignore[attr-defined]
    summed = _check(r"\frac{\partial L}{\partial \mathbf{Z}} = \mathbf{A} - \mathbf{Y}", batch_loss="mean")
    assert summed.verdict == "fails"  # type: ignore[attr-defined]
    # one index and no batch anywhere: the page's capital is still one example's vector
    entry = _check(r"\frac{\partial L}{\partial \mathbf{Z}_i} = \mathbf{A}_i - \mathbf{Y}_i")
    assert entry.verdict == "holds_if"  # type: ignore[attr-defined]
    # a hatted capital beside batch capitals is the batch output
    by_output = _check(
        r"\frac{\partial L}{\partial \hat{\mathbf{Y}}} = -\frac{1}{m} (\mathbf{Y} \oslash \hat{\mathbf{Y}})"
    )
    assert by_output.verdict == "holds"  # type: ignore[attr-defined]


def test_a_gradient_by_w_with_the_shape_of_w_under_z_equals_w_x_is_read_so() -> None:
    # (y-hat - y) x^T is k x d: W's shape under z = W x + b, never under z = W^T x + b
    claim = r"\frac{\partial L}{\partial W} = (\hat{y} - y) x^T"
    result = _check(claim)
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("z = W x + b" in choice for choice in result.choices)  # type: ignore[attr-defined]
    assert _check(claim.replace(r"(\hat{y} - y)", r"(y - \hat{y})")).verdict == "fails"  # type: ignore[attr-defined]
    # a convention the user (or the page) says is kept: the transposed shape is refused under it
    transposed = _check(claim, convention="Wt_x")  # the convention said: the transpose of dH/dW fails
    assert transposed.verdict == "fails" and "its transpose holds" in transposed.explanation  # type: ignore[attr-defined]
    # a product with W that conforms only under z = W x + b says so too
    for conforming in (
        r"\frac{\partial \ell}{\partial W} = (\mathrm{softmax}(Wx) - y) x^\top",
        r"\frac{\partial L}{\partial x} = W^T (p - y)",
    ):
        assert _check(conforming).verdict == "holds_if"  # type: ignore[attr-defined]
    with pytest.raises(NotationError, match="cannot multiply"):
        _check(r"\frac{\partial L}{\partial x} = W^T (p - y)", convention="Wt_x")


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\frac{\partial p_i}{\partial a_j} = p_i(\delta_{ij} - p_j)", "holds"),
        (r"\frac{\partial y_k}{\partial a_j} = y_k(\delta_{kj} - y_j)", "holds"),  # Bishop: y = softmax(a)
        (r"\frac{\partial p_i}{\partial a_j} = p_i \delta_{ij}", "fails"),
    ],
)
def test_the_output_differentiated_by_another_name_for_the_output_is_by_the_logits(
    claim: str, verdict: str
) -> None:
    # p and a both read as the output made dp/da the identity: a wrong fails for Bishop's a_j, the logits
    result = _check(claim)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert any("a read as the logits (a=z)" in choice for choice in result.choices)  # type: ignore[attr-defined]


def test_nielsens_output_error_delta_l_is_the_gradient_by_the_output_layers_logits() -> None:
    result = _check(r"\delta^L_j = a^L_j - y_j")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("output layer's error" in choice for choice in result.choices)  # type: ignore[attr-defined]
    assert _check(r"\delta^{[L]} = y - a^{[L]}").verdict == "fails"  # type: ignore[attr-defined]
    # with no layer written it is the error of the one layer derive models (Bishop's delta_k), shown
    for claim in (r"\delta = a - y", r"\delta_k = y_k - t_k", "δ = a − y"):
        result = _check(claim)
        assert result.verdict == "holds_if"  # type: ignore[attr-defined]
        assert any("output layer's error" in choice for choice in result.choices)  # type: ignore[attr-defined]
    assert _check(r"\delta_j = a_j(1 - a_j)").verdict == "fails"  # type: ignore[attr-defined]
    # a numbered layer may be a hidden one: a definition of a new symbol; so is a delta named for a
    # derivative of one entry (the claim is then the rest of the chain)
    with pytest.raises(NotationError, match="defines"):
        _check(r"\delta^{(2)} = a - y")
    named = _check(r"\delta_j = \frac{\partial a_j}{\partial z_j} = a_j(1-a_j)")
    assert named.verdict == "holds"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("gradient of cross entropy wrt logits = p - y", "holds_if"),  # was "logits = p - y": a wrong fails
        ("derivative of L w.r.t. z_i = p_i - y_i", "holds_if"),  # w.r.t. is one word, not w times r times t
        ("gradient wrt W = x (y - p)^T", "fails"),
    ],
)
def test_words_right_before_a_formula_say_what_its_first_side_is_the_derivative_by(
    claim: str, verdict: str
) -> None:
    result = _check(claim)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert "\\partial" in result.lhs_latex  # type: ignore[attr-defined]


def test_words_naming_another_loss_before_a_formula_are_refused() -> None:
    with pytest.raises(ParseError, match="gradient of another loss"):
        _check("gradient of the focal loss wrt logits = p - y")
    # the derivative of something that is not the loss (the output) is not the loss's: refused
    with pytest.raises(ParseError, match="that is not the loss"):
        _check("the gradient of the output wrt z_i = p_i - y_i")


def test_a_definition_of_one_entry_written_without_its_index_takes_the_right_sides_index() -> None:
    # softmax = e^{z_i} / \sum_j e^{z_j}: i was read as the true class, and dL/dz = softmax(z) - y failed
    softmax = r"softmax = e^{z_i} / \sum_j e^{z_j}"
    assert _check("dL/dz = softmax(z) - y", define=(softmax,)).verdict == "holds_if"  # type: ignore[attr-defined]
    assert _check("dL/dz_i = softmax_i - y_i", define=(softmax,)).verdict == "holds_if"  # type: ignore[attr-defined]
    assert _check("dL/dz_i = y_i - softmax_i", define=(softmax,)).verdict == "fails"  # type: ignore[attr-defined]
    # a loss's lone index is the true class, as before: L = -log p_c
    loss = _check("dL/dz_j = p_j - y_j", define=(r"L = -\log p_i",))
    assert loss.verdict in ("holds", "undecided")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"J_{ij} = p_i(\delta_{ij} - p_j)", "holds"),
        (r"J_{ij} = s_i \delta_{ij} - s_i s_j", "holds"),
        (r"J_{ij} = p_i(\delta_{ij} + p_j)", "fails"),
    ],
)
def test_an_entry_of_a_left_side_named_j_is_the_softmaxs_jacobian_entry(claim: str, verdict: str) -> None:
    result = _check(claim)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert any("Jacobian entry" in choice for choice in result.choices)  # type: ignore[attr-defined]


def test_a_trailing_where_clause_that_defines_a_symbol_by_a_formula_is_its_definition() -> None:
    defined = _check(r"dL/dz_i = s_i - y_i, where s_i = e^{z_i}/\sum_j e^{z_j}")
    assert defined.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("--define" in note for note in defined.notes)  # type: ignore[attr-defined]
    # a value is a point, not a definition: still refused as a condition in words
    with pytest.raises(NotationError, match="condition in words"):
        _check(r"dL/dz_i = s_i - y_i, where s_i = 0.5")


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"The derivative $\frac{\partial L}{\partial z_i}$ is $p_i - y_i$.", "holds_if"),
        (r"When I take $\frac{\partial L}{\partial z_i}$, I get $$y_i - p_i$$", "fails"),
        (r"$\frac{\partial L}{\partial z}$ is computed as $p - y$ where $p = softmax(z)$", "holds_if"),
    ],
)
def test_a_lone_derivative_said_to_be_a_lone_expression_is_one_claim(claim: str, verdict: str) -> None:
    assert _check(claim).verdict == verdict  # type: ignore[attr-defined]


def test_a_lone_derivative_beside_an_expression_without_such_words_is_no_claim() -> None:
    with pytest.raises(NotationError, match="no left side"):
        _check(r"We know $\frac{\partial L}{\partial z_i}$ and $p_i$ are related.")


def test_a_reading_whose_steps_differentiate_the_targets_gives_way() -> None:
    # y the output, t the targets (Bishop, Hinton): read with t as the output and y as the targets, the
    # step's dy_i/dz_j would be 0 (data) and the chain would fail: that reading gives way
    chain = (
        r"\frac{\partial E}{\partial z_j} = \sum_i \frac{\partial E}{\partial y_i} "
        r"\frac{\partial y_i}{\partial z_j} = \sum_i -\frac{t_i}{y_i} y_i(\delta_{ij} - y_j) = y_j - t_j"
    )
    result = _check(chain)
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("y read as the softmax output" in c for c in result.choices)  # type: ignore[attr-defined]
    assert _check(chain.replace("= y_j - t_j", "= t_j - y_j")).verdict == "fails"  # type: ignore[attr-defined]


def test_the_double_struck_one_is_the_indicator() -> None:
    assert _check("∂L/∂zᵢ = pᵢ − 𝟙[i = y]").verdict == "holds"  # type: ignore[attr-defined]
    assert _check("∂L/∂zᵢ = pᵢ + 𝟙[i = y]").verdict == "fails"  # type: ignore[attr-defined]


def test_outer_in_a_formula_is_the_outer_product() -> None:
    assert _check("dL/dW = outer(x, p - y)").verdict == "holds_if"  # type: ignore[attr-defined]
    assert _check("dL/dW = outer(x, y - p)").verdict == "fails"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\frac{\partial E_n}{\partial a_k} = y_k - t_k", "holds_if"),  # Bishop (4.106): a the activations
        (r"\frac{\partial E_n}{\partial a_k} = t_k - y_k", "fails"),
        (r"\frac{\partial E}{\partial a_k} = \sum_j t_j (y_k - \delta_{jk})", "holds"),
    ],
)
def test_bishops_activations_beside_y_and_t_are_the_logits(claim: str, verdict: str) -> None:
    # y and t both read as the targets made the right side 0 for one-hot targets: a wrong fails. A
    # reading that tells the page's two names apart (y the output, a the logits) is preferred, shown.
    result = _check(claim)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert any("a as the logits" in c for c in result.choices)  # type: ignore[attr-defined]
    # a alone beside t is the output, as written
    assert _check(r"\frac{\partial L}{\partial a_k} = -t_k/a_k").verdict == "holds"  # type: ignore[attr-defined]


def test_a_name_the_softmax_is_applied_to_is_the_logits() -> None:
    result = _check(r"\frac{\partial \ell}{\partial \theta} = \mathrm{softmax}(\theta) - e_y")
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    readings = {entry["page"]: entry for entry in result.mapping}  # type: ignore[attr-defined]
    assert readings[r"\theta"]["canonical"] == "z" and "applied to" in str(readings[r"\theta"]["reason"])
    assert _check(r"\frac{\partial L}{\partial v} = softmax(v) + y").verdict == "fails"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\frac{d\sigma}{dz} = \sigma(1-\sigma)", "holds"),
        (r"\sigma'(z) = \sigma(z)(1-\sigma(z))", "holds"),
        (r"\frac{\partial \sigma(z)}{\partial z} = \sigma(z)(1+\sigma(z))", "fails"),
    ],
)
def test_the_sigmoids_derivative_written_as_a_vector_is_elementwise(claim: str, verdict: str) -> None:
    # under the softmax the left side is a k x k Jacobian and the claim was refused; σ also names the
    # sigmoid, whose Jacobian is diagonal: read so, shown as the reading's choice
    result = _check(claim)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert any("σ read as the sigmoid" in c for c in result.choices)  # type: ignore[attr-defined]


def test_the_softmaxs_derivative_written_as_a_vector_stays_refused() -> None:
    with pytest.raises(NotationError, match="k x k"):
        _check(r"\frac{\partial s}{\partial z} = s(1-s)")


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\frac{\partial L}{\partial w} = (\sigma(w^T x) - y) x", "holds"),
        (r"\frac{\partial L}{\partial w} = (y - \sigma(w^T x)) x", "fails"),
        (r"\frac{\partial L}{\partial \mathbf{w}} = (\sigma(\mathbf{w}^T\mathbf{x}+b)-y)\mathbf{x}", "holds"),
        ("dL/dw = (sigmoid(w.x + b) - y) * x", "holds"),
    ],
)
def test_logistic_regression_with_a_weight_vector_is_one_sigmoid_output(claim: str, verdict: str) -> None:
    result = _check(claim)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    said = ("sigmoid of one output", "logistic regression's one sigmoid output", "applies the sigmoid")
    assert any(s in c for c in result.choices for s in said)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\frac{\partial L}{\partial b} = \sigma(w^T x + b) - y", "holds"),
        (r"\frac{\partial L}{\partial w_j} = (\sigma(w^T x + b) - y) x_j", "holds"),
        (r"\frac{\partial L}{\partial b} = y - \sigma(w^T x + b)", "fails"),
    ],
)
def test_the_sigmoid_of_written_out_logits_is_proved_not_only_sampled(claim: str, verdict: str) -> None:
    # 1/(1 + e^{-b - w^T x}): the negated logits written out are folded into z_1 (it was undecided)
    assert _check(claim, loss="sigmoid-bce").verdict == verdict  # type: ignore[attr-defined]
    # sigma(w^T x + b) is logistic regression's model: the same verdict without --loss (it was holds_if,
    # the softmax's condition on targets that are one binary label)
    assert _check(claim).verdict == verdict  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("∇_W L = xᵀ(ŷ − y)", "holds_if"),  # a row-vector page: x^T (ŷ − y) is d x k
        ("∇_W L = xᵀ(y − ŷ)", "fails"),
    ],
)
def test_a_product_of_vectors_that_conforms_only_as_rows_reads_them_as_rows(claim: str, verdict: str) -> None:
    result = _check(claim)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert any("vectors read as rows" in c for c in result.choices)  # type: ignore[attr-defined]


def test_a_product_of_vectors_that_conforms_as_columns_is_not_read_as_rows() -> None:
    result = _check(r"\frac{\partial L}{\partial W} = x (p - y)^T")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert not any("rows" in c for c in result.choices)  # type: ignore[attr-defined]


def test_a_text_writing_both_complements_is_also_read_as_the_binary_cross_entropy() -> None:
    # the BCE's derivative by its output: under the softmax's loss it fails; the text's 1 - y and 1 - ŷ
    # say the binary cross-entropy: both readings are shown, and they disagree
    claim = r"\frac{\partial L}{\partial \hat{y}} = -\frac{y}{\hat{y}} + \frac{1-y}{1-\hat{y}}"
    result = _check(claim)
    assert result.verdict == "ambiguous"  # type: ignore[attr-defined]
    verdicts = {r["choices"][-1] if r["choices"] else "": r["verdict"] for r in result.readings}  # type: ignore[attr-defined]
    assert sorted(verdicts.values()) == ["fails", "holds"]
    assert _check(claim, loss="sigmoid-bce").verdict == "holds"  # type: ignore[attr-defined]
    wrong = r"\frac{\partial L}{\partial \hat{y}} = \frac{y}{\hat{y}} - \frac{1-y}{1-\hat{y}}"
    assert _check(wrong).verdict == "fails"  # type: ignore[attr-defined]
    # one complement alone (the softmax's -y(1 - ŷ)) is no reason
    assert _check(r"\frac{\partial L}{\partial z} = -y(1-\hat y)").verdict == "fails"  # type: ignore[attr-defined]


def test_a_letter_before_the_weights_times_the_input_is_applied_to_them_not_multiplied() -> None:
    # s(w^T x_i), s the sigmoid, x_i the examples: read as s times w^T x_i (s the output), the binary
    # cross-entropy's reading judged a right gradient wrong; applied to them, it is refused instead
    claim = (
        r"\frac{\partial NLL}{\partial w} = \sum_{i = 1}^{n} (1 - y)\frac{x_i(1 - s(w^Tx_i))s(w^Tx_i)}"
        r"{1 - s(w^Tx_i)}-y\frac{x_i(1 - s(w^Tx_i))s(w^Tx_i)}{s(w^Tx_i)}"
    )
    with pytest.raises(NotationError, match="a function applied to an expression"):
        _check(claim)


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("The gradient of the cross-entropy loss with respect to the logits is simply p - y.", "holds_if"),
        ("The gradient of the cross-entropy loss with respect to the logits is simply y - p.", "fails"),
        ("The gradient of the loss with respect to the logits is $p - y$.", "holds_if"),
    ],
)
def test_words_saying_a_lone_expression_is_the_losss_gradient_make_it_one(claim: str, verdict: str) -> None:
    result = _check(claim)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert result.as_dict()["lhs"].startswith(r"\frac{\partial H}{\partial z}")  # type: ignore[attr-defined]


def test_words_saying_a_lone_expression_is_another_gradient_are_refused() -> None:
    with pytest.raises(ParseError, match="another loss"):
        _check("The gradient of the focal loss with respect to the logits is p - y")
    with pytest.raises(NotationError, match="no left side"):
        _check("The gradient of the output with respect to z is: p - y")


def test_t_beside_y_is_the_targets_not_the_output() -> None:
    # Bishop's and Hinton's t is the targets: y is then the output; t read as the output is no reading
    result = _check(r"\frac{\partial E}{\partial z_j} = y_j - t_j")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial E}{\partial z_j} = t_j - y_j").verdict == "fails"  # type: ignore[attr-defined]


MATH_SE_ANSWER = r"""$$\frac{\partial L}{\partial o_i}=-\sum_k y_k\frac{\partial \log p_k}{\partial o_i}$$
$$=-\sum_k y_k\frac{1}{p_k}\frac{\partial p_k}{\partial o_i}$$
$$=-y_i(1-p_i)-\sum_{k\neq i}y_k\frac{1}{p_k}({-p_kp_i})$$
$$=-y_i(1-p_i)+\sum_{k\neq i}y_k({p_i})$$
$$=-y_i+y_ip_i+\sum_{k\neq i}y_k({p_i})$$
$$=p_i\left(\sum_ky_k\right)-y_i = p_i-y_i$$

given that $\sum_k y_k = 1$."""


def test_a_chain_continued_over_displays_is_one_chain_and_its_stated_sum_is_noted() -> None:
    # each display after the first starts with '=' (its left side elided): the chain goes on; y_k({p_i})
    # is y_k times p_i (it was read as the value y_k, which made step 3 wrong); "given that \sum_k y_k = 1"
    # states the condition the verdict names
    result = _check(MATH_SE_ANSWER)
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert len(result.steps) == 7 and result.first_wrong_step is None  # type: ignore[attr-defined]
    assert any("state that the targets sum to 1" in note for note in result.notes)  # type: ignore[attr-defined]
    wrong = MATH_SE_ANSWER.replace("$$=-y_i+y_ip_i+", "$$=-y_i-y_ip_i+")
    assert _check(wrong).first_wrong_step == 4  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\frac{\partial L}{\partial w} = (\hat{y} - y)x", "holds"),
        (r"\frac{\partial L}{\partial w} = (y - \hat{y})x", "fails"),
    ],
)
def test_a_gradient_by_one_weight_vector_is_logistic_regressions(claim: str, verdict: str) -> None:
    # under the softmax (ŷ - y) x does not conform; by one vector w there is one sigmoid output
    result = _check(claim)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert any("one vector of weights" in c for c in result.choices)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("dL/dz_i = sum_{j!=i} y_j p_i - y_i(1-p_i)", "holds"),
        ("dL/dz_i = sum_{j != i} y_j p_i + y_i(1-p_i)", "fails"),
        ("dL/dz_i = p_i sum_{j=1}^{K} y_j - y_i", "holds"),
    ],
)
def test_a_plain_text_sum_takes_a_braced_subscript_with_a_condition(claim: str, verdict: str) -> None:
    # sum_{j!=i} was read as a name with a subscript: "a script must be one expression"
    assert _check(claim).verdict == verdict  # type: ignore[attr-defined]


SOFTMAX_JACOBIAN_WRITTEN_OUT = (
    r"\frac{\partial s}{\partial z} = \begin{bmatrix} s_1(1-s_1) & -s_1 s_2 & \cdots & -s_1 s_n \\"
    r" -s_2 s_1 & s_2(1-s_2) & \cdots & -s_2 s_n \\ \vdots & \vdots & \ddots & \vdots \\"
    r" -s_n s_1 & -s_n s_2 & \cdots & s_n(1-s_n) \end{bmatrix}"
)


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (SOFTMAX_JACOBIAN_WRITTEN_OUT, "holds"),
        (SOFTMAX_JACOBIAN_WRITTEN_OUT.replace("-s", "s"), "fails"),
        (SOFTMAX_JACOBIAN_WRITTEN_OUT + r" = \mathrm{diag}(s) - s s^T", "holds"),
        (  # the left side J, the second row not written, an empty cell in the row of ellipses
            r"J = \begin{pmatrix} p_1(1-p_1) & -p_1p_2 & \dots & -p_1p_K \\ \vdots & & \ddots & \vdots \\"
            r" -p_Kp_1 & -p_Kp_2 & \dots & p_K(1-p_K)\end{pmatrix}",
            "holds",
        ),
    ],
)
def test_a_matrix_written_out_with_ellipses_is_read_by_its_general_entry(claim: str, verdict: str) -> None:
    result = _check(claim)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert any("matrix written entry by entry" in note for note in result.notes)  # type: ignore[attr-defined]


GRADIENT_W_WRITTEN_OUT = (
    r"\frac{\partial L}{\partial W} = \begin{bmatrix} x_1(a_1 - y_1) & x_1(a_2-y_2) & \cdots & x_1(a_k - y_k)"
    r" \\ x_2(a_1 - y_1) & x_2(a_2-y_2) & \cdots & x_2(a_k - y_k) \\ \vdots & \vdots & \ddots & \vdots \\"
    r" x_d(a_1 - y_1) & x_d(a_2-y_2) & \cdots & x_d(a_k - y_k) \end{bmatrix}"
)


def test_a_written_out_matrix_is_compared_row_by_row_as_laid_out() -> None:
    # rows over the features, columns over the classes: dL/dW under z = W^T x + b
    result = _check(GRADIENT_W_WRITTEN_OUT)
    assert result.verdict == "holds_if" and not result.choices  # type: ignore[attr-defined]
    # the transposed layout is W's under z = W x + b: read so, and said
    transposed = (
        r"\frac{\partial L}{\partial W} = \begin{bmatrix} x_1(a_1 - y_1) & x_2(a_1-y_1) & \cdots &"
        r" x_d(a_1 - y_1) \\ x_1(a_2 - y_2) & x_2(a_2-y_2) & \cdots & x_d(a_2 - y_2) \\"
        r" \vdots & \vdots & \ddots & \vdots \\"
        r" x_1(a_k - y_k) & x_2(a_k-y_k) & \cdots & x_d(a_k - y_k) \end{bmatrix}"
    )
    flipped = _check(transposed)
    assert flipped.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("z = W x + b" in c for c in flipped.choices)  # type: ignore[attr-defined]
    with pytest.raises(NotationError, match="check --convention"):
        _check(transposed, convention="Wt_x")


def test_a_written_out_matrix_is_never_a_number_and_needs_one_pattern() -> None:
    with pytest.raises(NotationError, match="scalar but the right side is a vector"):
        _check(r"L = \begin{bmatrix} a_1 \\ \vdots \\ a_k \end{bmatrix}")
    for wrong in (r"s_n(1-s_1) \end", r"s_n(1+s_n) \end"):  # one diagonal entry off the pattern
        broken = SOFTMAX_JACOBIAN_WRITTEN_OUT.replace(r"s_n(1-s_n) \end", wrong)
        with pytest.raises(NotationError, match="not one pattern on its diagonal"):
            _check(broken)


ROW_Q = (
    r"\frac{\partial a_q}{\partial z} = a_q \begin{bmatrix} -a_1 & \cdots & 1 - a_q & \cdots & -a_k"
    r" \end{bmatrix}"
)
GRADIENT_Z_WRITTEN_OUT = (
    r"\frac{\partial L}{\partial z} = \begin{bmatrix} a_1 - y_1 \\ a_2 - y_2 \\ \vdots \\ a_k - y_k"
    r" \end{bmatrix}"
)


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [(ROW_Q, "holds"), (ROW_Q.replace("1 - a_q", "1 + a_q"), "fails"), (GRADIENT_Z_WRITTEN_OUT, "holds_if")],
)
def test_every_written_entry_of_a_vector_counts(claim: str, verdict: str) -> None:
    # the entry between two ellipses stands in for the entry at its index (it was left out: a row of
    # the softmax's Jacobian, -a_j at every j, was judged wrong)
    assert _check(claim).verdict == verdict  # type: ignore[attr-defined]


def test_a_written_entry_that_does_not_fit_the_pattern_is_refused() -> None:
    with pytest.raises(NotationError, match="entry 2 of the written-out vector"):
        _check(GRADIENT_Z_WRITTEN_OUT.replace("a_2 - y_2", "a_2 + y_2"))


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("∂S_i/∂z_j = S_i(δ_ij − S_j)", "holds"),
        ("∂S_i/∂z_j = S_i(δ_ij + S_j)", "fails"),
        (r"\frac{\partial S_i}{\partial z_j} = S_i(\delta_ij - S_j)", "holds"),
    ],
)
def test_delta_with_two_unbraced_index_letters_is_the_kronecker_delta(claim: str, verdict: str) -> None:
    # δ_ij was one name "ij" (unicode) or δ_i times j (LaTeX): both refused
    assert _check(claim).verdict == verdict  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"), [("dL/dz_k = p_k - 𝟙{k=y}", "holds"), ("dL/dz_k = p_k + 𝟙{k=y}", "fails")]
)
def test_the_double_struck_one_takes_braces(claim: str, verdict: str) -> None:
    assert _check(claim).verdict == verdict  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\frac{\partial L}{\partial W_{:,j}} = (p_j - y_j) x", "holds_if"),
        (r"\frac{\partial L}{\partial W_{:,j}} = (p_j + y_j) x", "fails"),
        (r"\frac{\partial L}{\partial Z_{i,:}} = \frac{1}{N}(A_{i,:} - Y_{i,:})", "holds_if"),
    ],
)
def test_a_colon_index_is_a_slice_of_every_entry_of_its_axis(claim: str, verdict: str) -> None:
    assert _check(claim).verdict == verdict  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict", "loss"),
    [
        ("∂L/∂z_i = p_i - (1-ε) y_i - ε/K", "holds_if", "label-smoothing"),
        ("∂L/∂z_i = p_i - (1+ε) y_i - ε/K", "fails", "label-smoothing"),
        (r"\frac{\partial L}{\partial z_i} = \frac{1}{T}(q_i - y_i)", "holds_if", "temperature"),
    ],
)  # fmt: skip
def test_a_gradient_written_with_a_losss_parameter_is_read_with_that_loss(
    claim: str, verdict: str, loss: str
) -> None:
    # ε and T were unknown symbols under the default loss (refused): they are the smoothing strength
    # and the temperature, a reading shown
    result = _check(claim)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert any(f"the loss read as {loss}" in c for c in result.choices)  # type: ignore[attr-defined]


def test_a_t_that_nothing_is_divided_by_is_not_a_temperature() -> None:
    # P - T: Bishop's targets; read as the temperature it gave a wrong fails
    with pytest.raises(NotationError):
        _check(r"\frac{\delta L}{\delta y} = \frac{1}{batch\_size}(softmax(y) - T)")


def test_the_pages_words_saying_softmax_keep_sigma_and_w_the_softmaxs() -> None:
    # σ's derivative as a vector is the softmax's classic mistake when the page says σ is the softmax:
    # never read as the sigmoid then (it gave a wrong holds)
    with pytest.raises(NotationError, match="k x k"):
        _check(r"\frac{d\sigma}{dz} = \sigma(1-\sigma)", notation="sigma is the softmax")
    # w the softmax's weights: (ŷ - y) x is their outer product (z = W x + b), never one sigmoid output
    words = "w weights, softmax output yhat"
    softmax = _check(r"\frac{\partial L}{\partial w} = (\hat{y} - y)x", notation=words)
    assert softmax.verdict == "holds_if"  # type: ignore[attr-defined]
    assert not any("sigmoid" in c for c in softmax.choices)  # type: ignore[attr-defined]
    sigmoid = _check(r"\frac{d\sigma}{dz} = \sigma(1-\sigma)", notation="sigma the sigmoid")
    assert sigmoid.verdict == "holds"  # type: ignore[attr-defined]


def test_logistic_regression_in_statistics_notation_reads_with_one_sigmoid_output() -> None:
    # Ng's notes: theta^T x makes theta the weights, h_theta(x) is the model's output, and a sum over the
    # example superscript is a batch (the 1/m is the mean); theta_j is one weight per feature
    body = r"\sum_{i=1}^m (h_\theta(x^{(i)}) - y^{(i)}) x_j^{(i)}"
    ng = r"\frac{\partial J}{\partial \theta_j} = \frac{1}{m}" + body
    result = _check(ng)
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("one sigmoid output" in c for c in result.choices)  # type: ignore[attr-defined]
    assert any("read as the model's output" in n for n in result.notes)  # type: ignore[attr-defined]
    flipped = ng.replace(r"(h_\theta(x^{(i)}) - y^{(i)})", r"(y^{(i)} - h_\theta(x^{(i)}))")
    assert _check(flipped).verdict == "fails"  # type: ignore[attr-defined]
    written = _check(
        r"\nabla_\theta J = \frac{1}{m}\sum_{i=1}^m (\sigma(\theta^T x^{(i)}) - y^{(i)}) x^{(i)}"
    )
    assert written.verdict == "holds"  # type: ignore[attr-defined]
    theta = {e["page"]: e for e in written.mapping}["\\theta"]  # type: ignore[attr-defined]
    assert theta["canonical"] == "W" and "parametrizes the model" in theta["reason"]
    batch = _check(r"\frac{\partial L}{\partial \theta} = \frac{1}{m} X^T (\sigma(X\theta) - y)")
    assert batch.verdict == "holds"  # type: ignore[attr-defined]
    # without the 1/m: the gradient of the sum over the examples, not of their mean; which one J is, is
    # not written
    unscaled = _check(r"\frac{\partial J}{\partial \theta_j} = " + body)
    assert unscaled.verdict == "ambiguous"  # type: ignore[attr-defined]
    assert "--batch-loss" in unscaled.explanation  # type: ignore[attr-defined]


def test_an_example_index_written_as_a_subscript_after_w_transposed() -> None:
    # w^T x_i makes x_i a vector: i is the example index, and y_i example i's label (a shown choice)
    claim = r"\frac{\partial J}{\partial w} = \frac{1}{m}\sum_{i=1}^m (\sigma(w^T x_i) - y_i) x_i"
    result = _check(claim)
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("read as the example index" in c for c in result.choices)  # type: ignore[attr-defined]
    wrong = _check(r"\frac{\partial J}{\partial w} = \frac{1}{m}\sum_{i=1}^m (\sigma(w^T x_i) - y_i) x_i^2")
    assert wrong.verdict == "fails"  # type: ignore[attr-defined]
    # without w^T x_i nothing says i is an example: a refusal, as before
    with pytest.raises(NotationError):
        _check(r"\frac{\partial J}{\partial w} = \frac{1}{m}\sum_{i=1}^m (a_i - y_i) x_i")


def test_a_label_with_no_index_in_the_sum_over_the_examples_is_the_examples_label() -> None:
    # stats.SE writes \sum_i (s(w^T x_i) - y) x_i: y with no index next to example i's input is example i's
    # label. Read with x_i as feature i of x (w^T times a number) this right gradient failed.
    mean = _check(r"\frac{\partial L}{\partial w} = \frac{1}{N}\sum_{i=1}^N x_i (\sigma(w^T x_i) - y)")
    assert mean.verdict == "holds"  # type: ignore[attr-defined]
    assert any("y with no index in the sum over i read as y^{(i)}" in c for c in mean.choices)  # type: ignore[attr-defined]
    summed = _check(r"\frac{\partial L}{\partial w} = \sum_{i=1}^N (\sigma(w^T x_i) - y) x_i")
    assert summed.verdict == "ambiguous"  # type: ignore[attr-defined]  # the mean fails, the sum holds
    assert sorted(r["verdict"] for r in summed.readings) == ["fails", "holds"]  # type: ignore[attr-defined]
    wrong = _check(r"\frac{\partial L}{\partial w} = \frac{1}{N}\sum_{i=1}^N x_i (\sigma(w^T x_i) + y)")
    assert wrong.verdict == "fails"  # type: ignore[attr-defined]


def test_a_losss_value_summed_over_the_examples_is_a_batchs_not_n_copies_of_one_example() -> None:
    # -\sum_i [y_i log s_i + ...] was read for one example, every term that example's loss: N equal terms
    # were N times the loss, and the right summed NLL failed. Its mean is still read for one example.
    summed = _check(
        r"L = -\sum_{i=1}^N [y_i \log \sigma(w^T x_i) + (1-y_i) \log(1-\sigma(w^T x_i))]"
    )
    assert summed.verdict == "holds"  # type: ignore[attr-defined]
    assert any("read as the sum over its examples" in note for note in summed.notes)  # type: ignore[attr-defined]
    mean = _check(
        r"L = -\frac{1}{N}\sum_{i=1}^N [y_i \log \sigma(w^T x_i) + (1-y_i) \log(1-\sigma(w^T x_i))]"
    )
    assert mean.verdict == "holds"  # type: ignore[attr-defined]
    labels = _check(r"L = -\sum_{i=1}^m \log p^{(i)}_{t^{(i)}}")
    assert labels.verdict != "fails"  # type: ignore[attr-defined]
    wrong = _check(r"L = -\sum_{i=1}^N [y_i \log \sigma(w^T x_i) + \log(1-\sigma(w^T x_i))]")
    assert wrong.verdict == "fails"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "claim",
    [
        r"\frac{\partial L}{\partial z} = \sigma(z) - 1",
        r"\frac{\partial L}{\partial w} = (\sigma(w^T x) - 1) x",
    ],
)
def test_a_sigmoid_claim_true_only_for_a_label_of_1_fails(claim: str) -> None:
    # sigma(z) - 1 for sigma(z) - y was holds_if "the targets sum to 1": for a lone label that says only
    # that it is 1, and a reader takes the condition for the usual one-hot one
    for result in (_check(claim, loss="sigmoid-bce"), _check(claim)):
        assert result.verdict == "fails"  # type: ignore[attr-defined]
        assert result.counterexample is not None  # type: ignore[attr-defined]
    right = claim.replace("- 1", "- y")
    assert _check(right, loss="sigmoid-bce").verdict == "holds"  # type: ignore[attr-defined]


def test_a_derivative_by_the_output_with_its_complement_is_also_read_with_the_binary_cross_entropy() -> None:
    # (ŷ - y)/(ŷ(1 - ŷ)) is the BCE's dL/dŷ; read only with the softmax (dH/da = -y/a) it was a plain fails
    bce = _check(r"\frac{\partial L}{\partial \hat{y}} = \frac{\hat{y} - y}{\hat{y}(1-\hat{y})}")
    assert bce.verdict == "ambiguous"  # type: ignore[attr-defined]
    assert sorted(r["verdict"] for r in bce.readings) == ["fails", "holds"]  # type: ignore[attr-defined]
    wrong = _check(r"\frac{\partial L}{\partial \hat{y}} = \frac{y - \hat{y}}{\hat{y}(1-\hat{y})}")
    assert wrong.verdict == "fails"  # type: ignore[attr-defined]  # wrong both ways
    softmax = _check(r"\frac{\partial L}{\partial \hat{y}_i} = -\frac{y_i}{\hat{y}_i}")
    assert softmax.verdict == "holds"  # type: ignore[attr-defined]  # no complement: the softmax alone


def test_a_log_likelihood_is_the_loss_negated_and_summed() -> None:
    # CS229's l(theta) is the log-likelihood: its gradient (y - h) x_j holds as that, fails as a loss; the
    # text does not say which, so the verdict is ambiguous with both readings shown
    cs229 = (
        r"\frac{\partial \ell(\theta)}{\partial \theta_j} = "
        r"\sum_{i=1}^m (y^{(i)} - h_\theta(x^{(i)})) x_j^{(i)}"
    )
    result = _check(cs229)
    assert result.verdict == "ambiguous"  # type: ignore[attr-defined]
    verdicts = sorted(r["verdict"] for r in result.readings)  # type: ignore[attr-defined]
    assert verdicts == ["fails", "holds"]
    said = _check(cs229, notation=r"\ell(\theta) is the log-likelihood")
    assert said.verdict == "holds"  # type: ignore[attr-defined]
    assert _check(cs229, notation="the negative log-likelihood").verdict == "ambiguous"  # type: ignore[attr-defined]
    # log L(w): the log of the likelihood is one name, never the log of a loss
    logl = _check(r"\nabla_w \log L(w) = \sum_i (y_i - \sigma(w^T x_i)) x_i")
    assert logl.verdict == "holds"  # type: ignore[attr-defined]
    assert any("log-likelihood" in c for c in logl.choices)  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial \log \mathcal{L}}{\partial z_i} = p_i - y_i").verdict == "fails"  # type: ignore[attr-defined]
    # a loss written as l with no parameters stays the loss
    assert _check(r"\frac{\partial \ell}{\partial z_i} = p_i - y_i").verdict == "holds_if"  # type: ignore[attr-defined]


def test_a_sum_over_the_examples_written_with_subscripts() -> None:
    # dL/db = 1/N sum_n (p_n - y_n): the sum runs to N, so p_n is example n's output (a shown choice)
    bias = _check(r"\frac{\partial L}{\partial b} = \frac{1}{N} \sum_{n=1}^N (p_n - y_n)")
    assert bias.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("the sum over n runs over the examples" in c for c in bias.choices)  # type: ignore[attr-defined]
    wrong = _check(r"\frac{\partial L}{\partial b} = \frac{1}{N} \sum_{n=1}^N (y_n - p_n)")
    assert wrong.verdict == "fails"  # type: ignore[attr-defined]
    # x_i (\hat y_i - y_i)^T is an outer product: x_i is example i's vector; n, the sum's limit, is its size
    outer = _check(
        r"\frac{\partial \mathcal{L}}{\partial \mathbf{W}} = \frac{1}{n}\sum_{i=1}^n "
        r"\mathbf{x}_i (\hat{\mathbf{y}}_i - \mathbf{y}_i)^\top"
    )
    assert outer.verdict == "holds_if"  # type: ignore[attr-defined]
    n = {e["page"]: e for e in outer.mapping}["n"]  # type: ignore[attr-defined]
    assert n["canonical"] == "N" and "examples" in n["reason"]
    # x_{ni} in a gradient by the weights is the batch's input
    entry = _check(r"\frac{\partial L}{\partial W_{ij}} = \frac{1}{N}\sum_n x_{ni} (p_{nj} - y_{nj})")
    assert entry.verdict == "holds_if"  # type: ignore[attr-defined]
    wrong_sign = _check(r"\frac{\partial L}{\partial W_{ij}} = \frac{1}{N}\sum_n x_{ni} (p_{nj} + y_{nj})")
    assert wrong_sign.verdict == "fails"  # type: ignore[attr-defined]


def test_the_kl_divergence_differentiated_is_the_cross_entropy_and_never_k_times_l() -> None:
    # KL(p || q) was read as K (the number of classes) times L(p, q): a wrong verdict on a right gradient
    result = _check(r"\frac{\partial KL(p||q)}{\partial z_i} = q_i - p_i")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("read as the cross-entropy" in n for n in result.notes)  # type: ignore[attr-defined]
    assert not any("product" in c for c in result.choices)  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial KL(p||q)}{\partial z_i} = p_i - q_i").verdict == "fails"  # type: ignore[attr-defined]
    subscripted = _check(r"\frac{\partial D_{KL}(y \| \hat y)}{\partial z_i} = \hat y_i - y_i")
    assert subscripted.verdict == "holds_if"  # type: ignore[attr-defined]
    # the reverse divergence has another gradient, and the divergence's value is not the loss's: refused
    with pytest.raises(NotationError, match="targets first and the output second"):
        _check(r"\frac{\partial KL(q||p)}{\partial z_i} = q_i - p_i")
    with pytest.raises(NotationError, match="read only differentiated"):
        _check(r"KL(p||q) = \sum_i p_i \log \frac{p_i}{q_i}")


def test_softmax_regression_as_ufldl_writes_it() -> None:
    # theta^{(j)}: class j's weights (the weights are shared by the examples); P(y^{(i)} = j | x^{(i)}; theta)
    # is example i's probability of class j (it was read as one example's a_j: a wrong fails)
    ufldl = (
        r"\nabla_{\theta^{(j)}} J(\theta) = - \frac{1}{m} \sum_{i=1}^{m} \left[ x^{(i)} "
        r"\left( 1\{ y^{(i)} = j\} - P(y^{(i)} = j | x^{(i)}; \theta) \right) \right]"
    )
    result = _check(ufldl)
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("weights of class j" in n for n in result.notes)  # type: ignore[attr-defined]
    assert _check(ufldl.replace("= - \\frac", "= \\frac")).verdict == "fails"  # type: ignore[attr-defined]
    named_w = ufldl.replace("\\theta^{(j)}", "w_j").replace("\\theta", "w")
    assert _check(named_w).verdict == "holds"  # type: ignore[attr-defined]


def test_a_name_for_the_derivative_then_the_derivative_then_its_value() -> None:
    result = _check(r"g = \nabla_z \ell = p - y")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("g names the derivative" in c for c in result.choices)  # type: ignore[attr-defined]
    assert _check(r"\delta_j = \frac{\partial L}{\partial z_j} = y_j - p_j").verdict == "fails"  # type: ignore[attr-defined]
    with pytest.raises(NotationError):
        _check(r"g = p - y")  # a definition of g, nothing to check


def test_the_hidden_layer_and_the_layer_before_the_last() -> None:
    # h differentiated by beside another output is the hidden layer: the last layer's input
    hidden = _check(r"\frac{\partial L}{\partial h} = W (\hat{y} - y)")
    assert hidden.verdict == "holds_if"  # type: ignore[attr-defined]
    assert {e["page"]: e for e in hidden.mapping}["h"]["canonical"] == "x"  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial L}{\partial h} = W (\hat{y} + y)").verdict == "fails"  # type: ignore[attr-defined]
    # Nielsen's a^{L-1}_k: the activations of the layer before the last are its input
    nielsen = _check(r"\frac{\partial C}{\partial w^L_{jk}} = a^{L-1}_k (a^L_j - y_j)")
    assert nielsen.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("the last layer's input x" in n for n in nielsen.notes)  # type: ignore[attr-defined]
    wrong = _check(r"\frac{\partial C}{\partial w^L_{jk}} = a^{L-1}_k (a^L_j + y_j)")
    assert wrong.verdict == "fails"  # type: ignore[attr-defined]


def test_a_loss_defined_as_a_function_of_the_parameters_is_the_pages_loss() -> None:
    # J(theta) = ... defines J (it was silently not applied to a plain J, and theta, h's subscript, was
    # taken for a free index of the definition: the true class)
    bce = (
        r"J(\theta) = -\frac{1}{m}\sum_{i=1}^m \left[y^{(i)}\log h_\theta(x^{(i)}) + "
        r"(1-y^{(i)})\log(1-h_\theta(x^{(i)}))\right]"
    )
    result = _check(r"\nabla_\theta J = \frac{1}{m} X^T (h_\theta(X) - y)", define=(bce,))
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    j = {e["page"]: e for e in result.mapping}["J"]  # type: ignore[attr-defined]
    assert j["canonical"] == "defined"
    wrong = _check(r"\nabla_\theta J = \frac{1}{m} X^T (y - h_\theta(X))", define=(bce,))
    assert wrong.verdict == "fails"  # type: ignore[attr-defined]


def test_the_chain_rules_repeated_index_is_summed() -> None:
    # dL/da_j da_j/dz_i: j repeated in a product of derivatives is the chain rule's implied sum (it was
    # judged for every j: a wrong fails, or j as the true class)
    chain = r"\frac{\partial L}{\partial a_j}\frac{\partial a_j}{\partial z_i}"
    result = _check(r"\frac{\partial L}{\partial z_i} = " + chain)
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("the chain rule's implied sum" in c for c in result.choices)  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial L}{\partial z_i} = -" + chain).verdict == "fails"  # type: ignore[attr-defined]


def test_a_text_that_names_another_loss_is_not_judged_as_the_cross_entropy() -> None:
    # "For the squared error loss, dL/dz_i = yhat_i - y_i" was judged as the cross-entropy: a wrong holds_if
    for text in (
        r"For the squared error loss, $\frac{\partial L}{\partial z_i} = \hat y_i - y_i$",
        r"\frac{\partial L}{\partial z_i} = \hat y_i - y_i \text{ (MSE loss)}",
        r"For the focal loss, $\frac{\partial L}{\partial z_i} = p_i - y_i$",
    ):
        with pytest.raises(NotationError, match="another one than the cross-entropy"):
            _check(text)
    # the words name the cross-entropy, or the claim is not about the loss: judged as before
    ce = _check(r"For cross-entropy, $\frac{\partial L}{\partial z_i} = p_i - y_i$")
    assert ce.verdict == "holds_if"  # type: ignore[attr-defined]
    jacobian = _check(r"Unlike MSE, $\frac{\partial p_i}{\partial z_j} = p_i(\delta_{ij} - p_j)$")
    assert jacobian.verdict == "holds"  # type: ignore[attr-defined]
    # given its definition, the page's loss is checked
    mse = _check(
        r"For the squared error loss, $\frac{\partial L}{\partial z_i} = \hat y_i - y_i$",
        define=(r"L = \frac{1}{2}\sum_j (\hat y_j - y_j)^2",),
    )
    assert mse.verdict == "fails"  # type: ignore[attr-defined]


def test_a_batch_claim_by_one_examples_logits_without_its_index_is_refused() -> None:
    # the batch's loss does not depend on a z of no example: it was judged against a derivative of 0
    with pytest.raises(NotationError, match="has no example index"):
        _check(r"\frac{\partial L}{\partial z_k} = \frac{1}{N}\sum_{n=1}^N (p_{nk} - y_{nk})")
    assert _check(r"\frac{\partial L}{\partial z_i} = \frac{1}{N}(p_i - y_i)").verdict == "holds_if"  # type: ignore[attr-defined]


def test_c_on_the_left_is_also_read_as_the_true_class() -> None:
    # dL/dz_c = p_c - 1: for every class it fails, for the true class (pages' c) it holds: ambiguous
    result = _check(r"\frac{\partial L}{\partial z_c} = p_c - 1")
    assert result.verdict == "ambiguous"  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial L}{\partial z_c} = p_c - 1", let=("c=c",)).verdict == "holds"  # type: ignore[attr-defined]
    # written with the targets, it is a formula for every class: one reading
    assert _check(r"\frac{\partial L}{\partial z_c} = p_c - y_c").verdict == "holds_if"  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial L}{\partial z_c} = p_c + 1").verdict == "fails"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        # f'(u) is d f(u)/du: the diagonal entry, not a column of the Jacobian (was a wrong fails)
        (r"\text{softmax}'(z_i) = \text{softmax}(z_i)(1-\text{softmax}(z_i))", "holds"),
        (r"\text{softmax}'(z_j) = \text{softmax}(z_j)", "fails"),
        (r"\sigma'(z) = \sigma(z)(1-\sigma(z))", "holds"),
        (r"\sigma'(z) = \sigma(z)", "fails"),
    ],
)
def test_a_primed_function_is_the_derivative_by_its_argument(claim: str, verdict: str) -> None:
    assert _check(claim).verdict == verdict  # type: ignore[attr-defined]


CHAIN_RULE = r"\sum_i \frac{\partial E}{\partial y_i}\frac{\partial y_i}{\partial z_j}"


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        # the chain rule through y_i: y depends on z, so it is the output (was a wrong fails: dy/dz = 0)
        (rf"\frac{{\partial E}}{{\partial z_j}} = {CHAIN_RULE}", "holds"),
        (rf"\frac{{\partial E}}{{\partial z_j}} = {CHAIN_RULE} = y_j - t_j", "holds_if"),
        (rf"\frac{{\partial E}}{{\partial z_j}} = {CHAIN_RULE} = y_j - 1", "fails"),
    ],
)
def test_a_step_that_differentiates_y_by_the_logits_reads_y_as_the_output(claim: str, verdict: str) -> None:
    result = _check(claim)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert any("y read as the softmax output" in choice for choice in result.choices)  # type: ignore[attr-defined]


def test_a_stray_partial_and_an_arrow_between_equations() -> None:
    # \frac{\partial t_j}{y_j} (a typo) read as a derivative of the targets gives way to t_j/y_j, shown
    chain = (
        r"\frac{\partial L}{\partial z_i} = -\frac{t_i}{y_i}y_i(1-y_i) "
        r"- \sum_{i\ne j} \frac{\partial t_j}{y_j}(-y_i y_j) = -t_i + y_i\sum_j t_j"
    )
    result = _check(chain)
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("stray" in choice for choice in result.choices)  # type: ignore[attr-defined]
    # \sum_{i \ne j} beside a left side by z_i runs over j: every class but i
    wrong = _check(r"\frac{\partial L}{\partial z_i} = -y_i(1-y_i) + \sum_{i\ne j} y_j y_i + 1")
    assert wrong.verdict == "fails"  # type: ignore[attr-defined]
    # \Rightarrow, \implies and ⇒ separate two equations, as "then" does
    for arrow in (r"\Rightarrow", r"\implies", "⇒"):
        result = _check(rf"L = -\log(p_y) {arrow} \frac{{\partial L}}{{\partial z_k}} = p_k - 1\{{k = y\}}")
        assert result.verdict == "holds"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "claim",
    [
        # the sigmoid applied (by name or written out) with no softmax: its loss is the binary
        # cross-entropy (each was a wrong fails under the softmax's)
        r"\frac{\partial L}{\partial z} = \frac{1}{1+e^{-z}} - y",
        "dz = sigmoid(z) - y",
        "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\ndef grad(z, y):\n    return sigmoid(z) - y",
    ],
)
def test_the_sigmoid_applied_reads_the_binary_cross_entropy(claim: str) -> None:
    result = _check(claim)
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("applies the sigmoid" in choice for choice in result.choices)  # type: ignore[attr-defined]
    wrong = _check(claim.replace("- y", "+ y"))
    assert wrong.verdict == "fails"  # type: ignore[attr-defined]


def test_row_vectors_whose_outer_product_fits_z_equals_w_x() -> None:
    # (p - y)^T x: rows make it an outer product of shape k x d, which fits z = W x + b (both shown)
    result = _check(r"\frac{\partial L}{\partial W} = (p - y)^T x")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    choices = " ".join(result.choices)  # type: ignore[attr-defined]
    assert "read as rows" in choices and "z = W x + b" in choices
    assert _check(r"\frac{\partial L}{\partial W} = (y - p)^T x").verdict == "fails"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("one_hot_labels", "target"),
        ("oneHotEncoding", "target"),
        ("true_labels", "target"),
        ("pred_probs", "output"),
        ("class_scores", "logits"),
        ("total_loss", "loss"),
        ("label_smoothing", None),  # a parameter, not the labels
        ("log_probs", None),  # a log of the output, not the output
        ("dlogits", None),
        ("softmax_logits", None),  # two roles: no guess
    ],
)
def test_the_words_of_a_compound_name_say_its_role(name: str, role: str | None) -> None:
    from derive.claims.mapping import compound_role

    assert compound_role(name) == role


def test_theta_differentiated_by_beside_the_input_is_the_weights() -> None:
    latex = r"\frac{\partial J}{\partial \theta} = \frac{1}{m} X^T (h - y)"
    for claim in (latex, "dJ/dtheta = 1/m * X' * (h - y)"):
        assert _check(claim).verdict == "holds_if"  # type: ignore[attr-defined]
    assert _check("dJ/dtheta = 1/m * X' * (y - h)").verdict == "fails"  # type: ignore[attr-defined]
    # with no input written theta may be the logits (cs224d): still refused without a --let
    with pytest.raises(NotationError):
        _check(r"\frac{\partial J}{\partial \theta} = h - y")
    assert _check("dL/dlogits = probs - one_hot_labels").verdict == "holds_if"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\frac{\partial e^{z}}{\partial z} = e^{z}", "holds"),
        (r"\frac{d}{dx} x^2 = 2x", "holds"),
        (r"\frac{d}{dx} x^2 = x", "fails"),
    ],
)
def test_a_vector_for_an_elementwise_functions_jacobian_is_its_diagonal(claim: str, verdict: str) -> None:
    result = _check(claim)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert any("read as its diagonal" in c for c in result.choices)  # type: ignore[attr-defined]


def test_the_softmax_jacobian_equated_with_a_vector_stays_refused() -> None:
    # a(1 - a) may be the diagonal entries or a wrong Jacobian: nothing in the text says which
    with pytest.raises(NotationError, match="k x k"):
        _check(r"\frac{\partial a}{\partial z} = a(1-a)")


def test_grad_and_nabla_with_a_subscript_in_plain_text_are_the_gradient_operator() -> None:
    assert _check("grad_z L = softmax(z) - y").verdict == "holds_if"  # type: ignore[attr-defined]
    assert _check("nabla_z L = y - softmax(z)").verdict == "fails"  # type: ignore[attr-defined]


def test_a_condition_in_words_that_is_not_read_is_dropped_only_for_a_formula_that_holds_without_it() -> None:
    # what holds without a condition holds under it too: judged without it, said in a note
    text = "# grad_z = yhat * (sum(y)) - y\n# when sum(y) = 1, we get the normal case."
    result = _check(text)
    assert result.verdict == "holds"  # type: ignore[attr-defined]
    assert any("is not read" in note for note in result.notes)  # type: ignore[attr-defined]
    # otherwise the condition might be what makes it hold: refused, as before
    with pytest.raises(NotationError, match="condition in words"):
        _check("# grad_z = yhat - 2 y\n# when sum(y) = 1, we get the normal case.")


def test_a_stated_convention_is_kept_and_the_words_can_state_it() -> None:
    # --convention Wt_x: the indices' other reading (z = W x + b) is not taken (it gave a wrong holds_if)
    transposed = _check(r"\frac{\partial L}{\partial w_{ij}} = (p_i - y_i) x_j", convention="Wt_x")
    assert transposed.verdict == "fails" and "its transpose holds" in transposed.explanation  # type: ignore[attr-defined]
    right = _check(r"\frac{\partial L}{\partial w_{ij}} = (p_j - y_j) x_i", convention="Wt_x")
    assert right.verdict == "holds_if"  # type: ignore[attr-defined]
    # the page's words "z = W x + b" say the convention: W (y - p) is then the transposition mistake
    by_x = r"\frac{\partial L}{\partial \mathbf{x}} = \mathbf{W}^T(\hat{\mathbf{y}} - \mathbf{y})"
    result = _check(by_x, notation="z = W x + b")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert any("the page's words" in note for note in result.notes)  # type: ignore[attr-defined]
    with pytest.raises(NotationError, match="cannot multiply"):
        _check(by_x.replace("^T", ""), notation="z = W x + b")


def test_the_true_class_reading_of_c_with_a_hatted_output() -> None:
    # \hat{y}_c is the output, not the targets: c may be the true class (both readings judged)
    result = _check(r"\frac{\partial L}{\partial z_c} = \hat{y}_c - 1")
    assert result.verdict == "ambiguous"  # type: ignore[attr-defined]
    # where the page's index is c, the true class is called c* (not "holds for c = c")
    fails = _check(r"\frac{\partial L}{\partial z_c} = a_c")
    assert "c^*" in fails.explanation  # type: ignore[attr-defined]


def test_a_transposed_or_bold_j_is_no_loss() -> None:
    # J^T dL/da: the Jacobian, not the loss (it was read as H, and the first step got a wrong fails)
    chain = (
        r"\frac{\partial \mathcal{L}}{\partial \mathbf{z}} = \mathbf{J}^\top \frac{\partial \mathcal{L}}"
        r"{\partial \mathbf{a}} = (\operatorname{diag}(\mathbf{a}) - \mathbf{a}\mathbf{a}^\top)"
        r"(-\mathbf{y} \oslash \mathbf{a}) = \mathbf{a} - \mathbf{y}"
    )
    result = _check(chain)
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert [step.verdict for step in result.steps] == ["unreadable", "holds", "holds_if"]  # type: ignore[attr-defined]


def test_sigma_primed_inside_a_product_is_the_sigmoids_derivative() -> None:
    # Nielsen's quadratic-cost delta passed off as the cross-entropy's: it was refused as "σ without an
    # argument"; σ'(z) is now dσ(z)/dz wherever it stands
    claim = r"\frac{\partial C}{\partial z} = (a - y)\sigma'(z)"
    assert _check(claim, loss="sigmoid-bce").verdict == "fails"  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial C}{\partial z} = \frac{a - y}{\sigma'(z)} \sigma'(z)", loss="sigmoid-bce").verdict == "holds"  # type: ignore[attr-defined]  # noqa: E501


def test_a_run_of_unicode_superscripts_is_one_superscript() -> None:
    # ŷ⁽ⁿ⁾ is \hat{y}^{(n)}, example n's output (the ⁽ was refused as an unknown character)
    assert _check("∂L/∂b = (1/N) Σ_n (ŷ⁽ⁿ⁾ − y⁽ⁿ⁾)").verdict == "holds_if"  # type: ignore[attr-defined]
    assert _check("∂L/∂b = (1/N) Σ_n (y⁽ⁿ⁾ − ŷ⁽ⁿ⁾)").verdict == "fails"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        # c compared in an indicator is the true class, as in \delta_{jc} (each was a wrong fails)
        (r"\frac{\partial L}{\partial z_j} = p_j - [j = c]", "holds"),
        (r"\frac{\partial L}{\partial z_j} = p_j - \mathbb{1}[j = c]", "holds"),
        ("dL/dz_j = p_j - 1{j = c}", "holds"),
        (r"\frac{\partial L}{\partial z_j} = p_j + [j = c]", "fails"),
    ],
)
def test_c_in_an_indicator_is_the_true_class(claim: str, verdict: str) -> None:
    assert _check(claim).verdict == verdict  # type: ignore[attr-defined]


def test_otherwise_completes_the_formula_before_it_or_is_refused() -> None:
    # the same left side restated before "otherwise" completes the conditioned formula before it
    assert _check("dL/dx_i = s_i - 1 if i == y\ndL/dx_i = s_i otherwise").verdict == "holds"  # type: ignore[attr-defined]
    assert _check("dL/dx_i = s_i - 1 if i == y\ndL/dx_i = s_i + 1 otherwise").verdict == "fails"  # type: ignore[attr-defined]
    # alone it was judged for every index (a wrong fails): refused now
    with pytest.raises(ParseError, match="otherwise"):
        _check("dL/dz_i = p_i otherwise")


def test_soft_targets_called_a_probability_distribution_stay_the_targets() -> None:
    result = _check("dL/dz = softmax(z) - y", notation="y is the true probability distribution")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    # words that say the output still map y to it
    bishop = _check("dE/dz_j = y_j - t_j", notation="y the predicted probabilities, t targets")
    assert bishop.verdict == "holds_if"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("claim", "verdict"), [(r"\frac{1}{K}(\sigma(z_k) - y_k)", "holds"), (r"\frac{1}{K}(y_k - \sigma(z_k))", "fails")])  # noqa: E501
def test_a_defined_binary_cross_entropy_reads_sigma_as_the_sigmoid(claim: str, verdict: str) -> None:
    # σ in the page's own BCE was read as the softmax output (the right gradient got a wrong fails)
    bce = r"L = -\frac{1}{K}\sum_{k=1}^K [y_k \log \sigma(z_k) + (1-y_k)\log(1-\sigma(z_k))]"
    result = _check(rf"\frac{{\partial L}}{{\partial z_k}} = {claim}", define=(bce,))
    assert result.verdict == verdict  # type: ignore[attr-defined]


def test_a_defined_loss_with_a_lone_index_keeps_its_name_and_its_true_class() -> None:
    # FL = -(1 - p_i)^gamma log p_i: a loss (a logarithm, no exponential), its lone i the true class; FL was
    # read as an entry FL_i and the claim's FL was "not a recognized notation"
    entry = _check(
        r"\frac{\partial FL}{\partial z_j} = \gamma (1-p_j)^{\gamma} p_j \log p_j - (1-p_j)^{\gamma+1}",
        define=(r"FL = -(1-p_i)^\gamma \log p_i",),
    )
    assert entry.verdict == "fails"  # type: ignore[attr-defined]
    assert "holds for $j = c$" in entry.explanation  # type: ignore[attr-defined]
    # the definition's t is the true class, and so is the left side's t of the defined loss's derivative
    # (it was any class: a wrong fails)
    at_t = _check(
        r"\frac{\partial FL}{\partial z_t} = \gamma (1-p_t)^{\gamma} p_t \log p_t - (1-p_t)^{\gamma+1}",
        define=(r"FL = -(1-p_t)^\gamma \log p_t",),
    )
    assert at_t.verdict == "holds"  # type: ignore[attr-defined]


def test_bishops_defined_error_reads_t_as_the_targets_and_y_as_the_output() -> None:
    # E = -sum_k t_k ln y_k by the activations a_k: t the targets, y the output, a the logits (t was read as
    # the output: a wrong fails)
    result = _check(r"\frac{\partial E}{\partial a_k} = y_k - t_k", define=(r"E = -\sum_k t_k \ln y_k",))
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    wrong = _check(r"\frac{\partial E}{\partial a_k} = t_k - y_k", define=(r"E = -\sum_k t_k \ln y_k",))
    assert wrong.verdict == "fails"  # type: ignore[attr-defined]


def test_a_complex_value_under_a_derivative_is_no_value_not_an_internal_error() -> None:
    # (1 - p)^gamma with p read as the logits is complex at some points: an internal TypeError (exit 70),
    # then a refusal (every sample had p > 1 somewhere); the samples with no real truth are drawn again
    right = r"\gamma (1-p)^{\gamma-1}\log p - \frac{(1-p)^\gamma}{p}"
    for rhs, verdict in ((right, "holds"), (f"-({right})", "fails")):
        result = _check(
            rf"\frac{{\partial FL}}{{\partial p}} = {rhs}",
            define=(r"FL = -(1-p)^\gamma \log p",),
            loss="sigmoid-bce",
        )
        assert result.verdict == verdict  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "define", "verdict"),
    [
        (r"\frac{\partial H}{\partial x} = W (a - y)", "z = W^T x + b", "holds_if"),
        (r"\frac{\partial H}{\partial W} = (a - y) x^T", "z = W x + b", "holds_if"),
        (r"\frac{\partial H}{\partial W_{ij}} = x_j(a_i-y_i)", r"z_j = \sum_i W_{ji} x_i + b_j", "holds_if"),
    ],
)
def test_a_definition_of_the_logits_by_the_weights_states_the_convention(
    claim: str, define: str, verdict: str
) -> None:
    # the shapes alone chose the other convention for the transposed claims (each was a wrong holds_if)
    assert _check(claim, define=(define,)).verdict == verdict  # type: ignore[attr-defined]
    transposed = {"W (a - y)": "W^T (a - y)", "(a - y) x^T": "x (a - y)^T", "x_j(a_i-y_i)": "x_i(a_j-y_j)"}
    wrong = next(claim.replace(right, other) for right, other in transposed.items() if right in claim)
    if "W^T (a - y)" in wrong:
        with pytest.raises(DeriveError, match="cannot multiply"):  # a product that does not conform
            _check(wrong, define=(define,))
    else:  # the transpose of the gradient
        assert _check(wrong, define=(define,)).verdict == "fails"  # type: ignore[attr-defined]


def test_bold_p_beside_bold_y_is_the_output() -> None:
    # \mathbf{P} was read as the targets beside \mathbf{Y}: P - Y = 0, a wrong fails
    result = _check(r"\frac{\partial L}{\partial \mathbf{Z}} = \frac{1}{N}(\mathbf{P} - \mathbf{Y})")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        # (1^T y) p - y is the exact gradient for any targets; 1 - alone would make it p - y (holds_if)
        (r"\frac{\partial L}{\partial z} = (\mathbf{1}^\top \mathbf{y})\mathbf{p}-\mathbf{y}", "holds"),
        (r"\frac{\partial L}{\partial z_i} = p_i \mathbf{1}^\top y - y_i", "holds"),
        # 1^T (P - Y) sums the batch's rows: db of the mean loss; without 1/N it is wrong for the mean
        (r"\frac{\partial L}{\partial b} = \frac{1}{N}\mathbf{1}^T(P - Y)", "holds_if"),
        (r"\frac{\partial L}{\partial b} = \frac{1}{N}(P - Y)^\top \mathbf{1}", "holds_if"),
        (r"\frac{\partial L}{\partial b} = \frac{1}{N}(P - Y) \mathbf{1}", "refused"),
        (r"\frac{\partial L}{\partial b} = \frac{1}{N}\mathbf{1}_N^T(P - Y)", "refused"),
    ],
)
def test_a_vector_of_ones_sums_never_reads_as_the_number_one(claim: str, verdict: str) -> None:
    if verdict == "refused":
        with pytest.raises(DeriveError):
            _check(claim)
    else:
        assert _check(claim).verdict == verdict  # type: ignore[attr-defined]
    assert _check(r"\frac{\partial L}{\partial z_j} = p_j - \mathbb{1}_{j=c}").verdict == "holds"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\frac{\partial y_k}{\partial a_j} = y_k(I_{kj} - y_j)", "holds"),
        (r"\frac{\partial y_k}{\partial a_j} = y_k(I_{kj} - y_k)", "fails"),
        (r"D_j S_i = S_i(\delta_{ij} - S_j)", "holds"),
        (r"D_{j}S_{i} = S_i(1 - S_j)", "fails"),
        (r"\frac{\partial E_n}{\partial a_{nj}} = y_{nj} - t_{nj}", "holds_if"),
        (r"\frac{\partial E_n}{\partial a_j} = y_{nj}(1 - t_{nj})", "fails"),
    ],
)
def test_textbook_notation_identity_entries_bendersky_operator_bishop_example_loss(
    claim: str, verdict: str
) -> None:
    # Bishop's I_{kj} is the identity matrix's entry, Bendersky's D_j S_i the derivative of S_i by the j-th
    # logit, and Bishop's E_n with example n's own entries only a claim about one example (each had been
    # refused); the readings are shown
    result = _check(claim)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    shown = " ".join((*result.notes, *result.choices))  # type: ignore[attr-defined]
    assert any(word in shown for word in ("identity matrix", "operator D_j", "one example's loss"))


def test_a_bishop_example_loss_beside_a_sum_over_its_example_stays_refused() -> None:
    with pytest.raises(DeriveError, match="loss of one example"):
        _check(r"\frac{\partial E_n}{\partial a_{nj}} = \sum_n (y_{nj} - t_{nj})")


def test_an_example_superscript_with_a_transpose_is_read() -> None:
    # x^{(n)\top}: example n, transposed (it was a parse error at \top)
    batch = r"\frac{1}{N}\sum_n \mathbf{x}^{(n)} (\mathbf{p}^{(n)} - \mathbf{y}^{(n)})^\top"
    result = _check(rf"\frac{{\partial L}}{{\partial W}} = {batch}")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    transposed = r"(\mathbf{p}^{(n)} - \mathbf{y}^{(n)}) \mathbf{x}^{(n)\top}"
    # k x d where z = W^T x + b has W d x k: the transpose of the gradient
    claim = rf"\frac{{\partial L}}{{\partial W}} = \frac{{1}}{{N}}\sum_n {transposed}"
    assert _check(claim, convention="Wt_x").verdict == "fails"  # type: ignore[attr-defined]


@pytest.mark.parametrize("delta", [r"\delta_{iy}", "[i = y]"])
def test_an_entry_of_an_applied_softmax_indexed_by_y_keeps_y_an_index_on_both_sides(delta: str) -> None:
    # softmax(z)_y's y was not seen as an index, so the right side's delta_{iy} compared with the true class
    # while the left side's y was any class (a wrong fails)
    left = r"\frac{\partial}{\partial z_i}\left(-\log(\text{softmax}(z)_y)\right)"
    assert _check(rf"{left} = \text{{softmax}}(z)_i - {delta}").verdict == "holds"  # type: ignore[attr-defined]
    assert _check(rf"{left} = \text{{softmax}}(z)_i + {delta}").verdict == "fails"  # type: ignore[attr-defined]


def test_class_js_weights_times_x_i_make_i_the_example_index() -> None:
    # w_j^T x_i: x_i is example i's vector, so 1{y_i = j} is example i's one-hot target (x_i was read as one
    # feature and y_i compared with one true class: a wrong fails)
    claim = (
        r"\frac{\partial L}{\partial w_j} = \frac{1}{N}\sum_{i=1}^N \left(\frac{e^{w_j^T x_i}}"
        r"{\sum_k e^{w_k^T x_i}} - 1\{y_i = j\}\right)x_i"
    )
    assert _check(claim).verdict == "holds"  # type: ignore[attr-defined]
    assert _check(claim.replace("- 1\\{", "+ 1\\{")).verdict == "fails"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("dL/dW = X^T (softmax(X W) - Y) / N", "holds_if"),
        ("dL/dW = X^T (softmax(X W + b) - Y) / N", "holds_if"),
        (r"\frac{\partial L}{\partial W} = \frac{1}{N} X^T(\text{softmax}(XW + b) - Y)", "holds_if"),
        ("dL/dW = X^T (softmax(X W - b) - Y) / N", "fails"),
        ("dL/dW = X^T (softmax(2 X W) - Y) / N", "fails"),
    ],
)
def test_the_softmax_of_a_batchs_product_is_read(claim: str, verdict: str) -> None:
    # softmax(X W + b): the batch's logits, the bias added to every row (it was refused)
    assert _check(claim).verdict == verdict  # type: ignore[attr-defined]


DJ = r"\frac{\partial J}"


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("d(softmax)/dz = diag(p) - p p^T", "holds"),
        (r"\frac{\partial \sigma}{\partial z} = \mathrm{diag}(p) - pp^T", "holds"),
        (DJ + r"{\partial Z} = \frac{1}{N}(\mathrm{softmax}(Z) - Y) = \frac{1}{N}(P - Y)", "holds_if"),
        (DJ + r"{\partial W} = \frac{1}{N}\sum_n x_n (p_n - y_n)^T = \frac{1}{N} X^T (P - Y)", "holds_if"),
        (DJ + r"{\partial W} = \frac{1}{N}\sum_n x_n (p_n - y_n)^T = \frac{1}{N} X^T (Y - P)", "fails"),
    ],
)
def test_p_beside_the_softmax_applied_is_its_value_not_the_targets(claim: str, verdict: str) -> None:
    # softmax(z) or sigma named as the output made p "the target probability": P - Y = 0, a wrong fails
    assert _check(claim).verdict == verdict  # type: ignore[attr-defined]


def test_a_unicode_minus_keeps_the_binary_cross_entropys_reading() -> None:
    # 1 − y with U+2212 hid the BCE reading: the right derivative got a wrong fails
    result = _check("∂L/∂ŷ = −y/ŷ + (1−y)/(1−ŷ)")
    assert result.verdict == "ambiguous"  # type: ignore[attr-defined]
    assert _check("∂L/∂ŷ = −y/ŷ + (1−y)/(1−ŷ)", loss="sigmoid-bce").verdict == "holds"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\frac{\partial \log p_y}{\partial z} = e_y - p", "holds"),
        (r"\frac{\partial \log p_y}{\partial z} = p - e_y", "fails"),
        (r"\frac{\partial L}{\partial z} = p - e_y", "holds"),
    ],
)
def test_e_y_beside_p_y_is_the_basis_vector_of_that_index(claim: str, verdict: str) -> None:
    # p_y's y is any class of the left side, e_y compared with the true class: a wrong fails
    assert _check(claim).verdict == verdict  # type: ignore[attr-defined]


def test_a_chain_wrong_under_every_reading_shows_the_latest_first_wrong_step() -> None:
    # c as any class made step 0 wrong; with c the true class step 0 holds and step 1 is the wrong one
    result = _check(
        r"\frac{\partial L}{\partial z_c} = -\frac{1}{a_c}\frac{\partial a_c}{\partial z_c} "
        r"= -\frac{1}{a_c}a_c(1 + a_c) = -1 - a_c"
    )
    assert result.verdict == "fails"  # type: ignore[attr-defined]
    assert result.first_wrong_step == 1  # type: ignore[attr-defined]
    assert any("differ on the first wrong step" in note for note in result.notes)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [("dL/dz_i = p_i - y_i", ("fails",)), ("dL/dz_i = 2*(p_i - y_i)", ("holds", "undecided"))],
)
def test_a_define_in_plain_text_that_python_also_parses_is_read_as_math(
    claim: str, verdict: tuple[str, ...]
) -> None:
    # 'L = -2*log(p_t)' was read as code and dropped: L guessed as the built-in loss (a wrong holds_if); the
    # right claim is proved or, where no proof is found, undecided with every sample agreeing
    result = _check(claim, define=("L = -2*log(p_t)", "p = softmax(z)"))
    assert result.verdict in verdict  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "options", "verdict"),
    [
        # \mathbb{1}_{\{i=j\}}: the indicator with its condition in set braces (it was the one-hot target)
        (r"\frac{\partial p_i}{\partial z_j} = p_i(\mathbb{1}_{\{i=j\}} - p_j)", {}, "holds"),
        (r"\frac{\partial p_i}{\partial z_j} = p_i(\mathbb{1}_{\{i=j\}} - p_i)", {}, "fails"),
        # y_hat_i, p_hat_i in plain text: a name and its index (refused)
        ("dL/dz_i = y_hat_i - y_i", {}, "holds_if"),
        ("dL/dz_i = p_hat_i * (1 - p_hat_i)", {}, "fails"),
        # a list's label before a formula is no factor ((b) had been the bias times the derivative)
        ("(b) dL/dz_j = p_j - y_j", {}, "holds_if"),
        ("2. dL/dz_j = p_j - y_j", {}, "holds_if"),
        # the words' definitions that the used ones refer to are used too (S had been the output)
        (
            r"\frac{\partial L}{\partial z_i} = p_i - y_i",
            {"notation": r"S = \sum_k e^{z_k}, p_i = e^{z_i}/S", "assume": ("onehot",)},
            "holds",
        ),
        # the logits written entry by entry in the words state the convention (a transposed claim held)
        (
            r"\frac{\partial L}{\partial w_{kj}} = (p_k - y_k)x_j",
            {"notation": r"z_k = \sum_j w_{kj} x_j + b_k", "assume": ("onehot",)},
            "holds",
        ),
        (
            r"\frac{\partial L}{\partial w_{kj}} = (p_j - y_j)x_k",
            {"notation": r"z_k = \sum_j w_{kj} x_j + b_k", "assume": ("onehot",)},
            "fails",
        ),
        # "the desired output" is the targets, though it says output (a - y had been 0)
        (
            r"\frac{\partial E}{\partial z_j} = y_j - t_j",
            {"notation": "t the target output, y the network output", "assume": ("onehot",)},
            "holds",
        ),
        # sum_j written without its backslash in LaTeX words is a sum (it was a vector named sum)
        (r"\frac{\partial L}{\partial z_j} = \hat y_j - y_j", {"notation": r"L = -sum_j y_j log \hat y_j"},
         "holds_if"),
        # Raschka's x^{[i]}: example i, not a layer
        (r"\frac{\partial H}{\partial w_j} = \frac{1}{N}\sum_{i=1}^N x^{[i]}(a^{[i]}_j - y^{[i]}_j)", {},
         "holds_if"),
        # the gradient by one example's input under a batch's mean (it was judged as a single example's)
        (r"\frac{\partial L}{\partial \mathbf x^{(n)}} = \frac{1}{N}W(\mathbf p^{(n)} - \mathbf y^{(n)})",
         {"assume": ("onehot",)}, "holds"),
        # a defined sigmoid output is the variable differentiated by (dL/ds had been 0)
        (
            "dL/ds = (s - y)/(s*(1-s))",
            {"define": ("L = -y*log(s) - (1-y)*log(1-s)", "s = 1/(1+exp(-z))")},
            "holds",
        ),
        (
            "dL/ds = (s - y)/(s*(1+s))",
            {"define": ("L = -y*log(s) - (1-y)*log(1-s)", "s = 1/(1+exp(-z))")},
            "fails",
        ),
    ],
)
def test_fifth_round_readings(claim: str, options: dict[str, object], verdict: str) -> None:
    if verdict == "refused":
        with pytest.raises(DeriveError):
            _check(claim, **options)
    else:
        assert _check(claim, **options).verdict == verdict  # type: ignore[attr-defined]


def test_a_list_label_is_shown_as_a_reading() -> None:
    result = _check("(b) dL/dz_j = p_j - y_j")
    assert any("list's label" in c for c in result.choices)  # type: ignore[attr-defined]


def test_a_prime_on_a_defined_symbol_is_refused_never_dropped() -> None:
    # the quotient rule written with primes (e_i' Σ - e_i Σ') beside words that define e_i and Σ: applying the
    # definitions had dropped the primes, so the first side read as 0 and a right chain got a wrong fails
    first = r"\frac{e_i' \sum - e_i \sum'}{\sum^2}"
    chain = rf"{first} = \frac{{e_i}}{{\sum}}\left(1 - \frac{{e_i}}{{\sum}}\right) = p_i(1 - p_i)"
    with pytest.raises(DeriveError, match="prime on a defined symbol"):
        _check(chain, notation=r"p = softmax(x); e_i = exp(x_i), \sum = sum_k exp(x_k)")


@pytest.mark.parametrize(
    ("claim", "convention", "transpose"),
    [
        # the transposition mistake under a stated convention fails, saying its transpose is right (it was
        # refused: "check --convention")
        (r"\nabla_W L = \mathbf{x}(\mathbf{p} - \mathbf{y})^T", "W_x", "holds"),
        (r"\frac{\partial L}{\partial W} = (\mathbf{p} - \mathbf{y})\mathbf{x}^T", "Wt_x", "holds"),
        (r"\frac{\partial L}{\partial W_{ij}} = x_j(p_i - y_i)", "Wt_x", "holds"),
        (r"\frac{\partial L}{\partial W_{ij}} = x_j(p_i + y_i)", "Wt_x", "fails too"),
    ],
)
def test_a_transposed_gradient_under_a_stated_convention_fails_as_the_transpose(
    claim: str, convention: str, transpose: str
) -> None:
    result = _check(claim, convention=convention, assume=("onehot",))
    assert result.verdict == "fails"  # type: ignore[attr-defined]
    assert f"its transpose {transpose}" in result.explanation  # type: ignore[attr-defined]
    # the right layout holds, and with no convention stated the shapes choose one (shown), never a fails
    right = _check(r"\frac{\partial L}{\partial W} = \mathbf{x}(\mathbf{p}-\mathbf{y})^T", assume=("onehot",))
    assert right.verdict == "holds"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "options", "verdict"),
    [
        # \delta_{k\ell}: two indices (it was one, k times ell, and refused)
        (r"\frac{\partial p_k}{\partial z_\ell} = p_k(\delta_{k\ell} - p_\ell)", {}, "holds"),
        (r"\frac{\partial p_k}{\partial z_\ell} = p_k(\delta_{k\ell} - p_k)", {}, "fails"),
        # diag(p)^{-1} is the diagonal of 1/p, not 1/diag(p) entry by entry (a wrong fails: no finite value)
        (r"\frac{\partial L}{\partial \mathbf z} = -(\mathrm{diag}(\mathbf p) - \mathbf p\mathbf p^\top)"
         r"\mathrm{diag}(\mathbf p)^{-1}\mathbf y", {}, "holds"),
        (r"\frac{\partial L}{\partial \mathbf z} = (\mathrm{diag}(\mathbf p) - \mathbf p\mathbf p^\top)"
         r"\mathrm{diag}(\mathbf p)^{-1}\mathbf y", {}, "fails"),
        # a defined score matrix S = XW + 1 b^T is the batch's logits (S had been the output: a right
        # chain rule step failed), and XW in a definition is a product
        (
            r"\frac{\partial \mathcal J}{\partial W} = X^T \frac{\partial \mathcal J}{\partial S}"
            r" = \frac1n X^T(\hat Y - Y)",
            {"define": (r"\mathcal J = -\frac1n \sum_{i=1}^n\sum_{k=1}^c Y_{ik}\log \hat Y_{ik}",
                        r"S = XW + \mathbf 1\mathbf b^T")},
            "holds_if",
        ),
    ],
)
def test_sixth_round_readings(claim: str, options: dict[str, object], verdict: str) -> None:
    assert _check(claim, **options).verdict == verdict  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        # Nielsen's \sum_x runs over the training inputs (it was read as a sum over the classes: k/N off)
        (r"\frac{\partial H}{\partial b_j} = \frac{1}{N}\sum_{x}(a_j-y_j)", "holds"),
        (r"\frac{\partial C}{\partial b^L_j} = \frac{1}{n}\sum_x (a^L_j - y_j)", "holds"),
        (r"\frac{\partial C}{\partial w^L_{jk}} = \frac{1}{n}\sum_x a^{L-1}_k(a^L_j - y_j)", "holds"),
        (r"\frac{\partial C}{\partial b^L_j} = \frac{1}{n}\sum_x (y_j - a^L_j)", "fails"),
    ],
)
def test_a_sum_over_the_input_runs_over_the_training_inputs(claim: str, verdict: str) -> None:
    result = _check(claim, assume=("onehot",))
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert any("sum over the training inputs" in c for c in result.choices)  # type: ignore[attr-defined]


def test_a_texts_own_shifted_logits_are_applied() -> None:
    # \tilde{z}_k = z_k - \max_j z_j beside the softmax written with it (the definition was refused because a
    # shift alone does not cancel; where it is used, inside the softmax, it does)
    text = (
        r"Compute with $\tilde{z}_k = z_k - \max_j z_j$: "
        r"$$\text{softmax}(\mathbf{z})_k = \frac{e^{\tilde{z}_k}}{\sum_j e^{\tilde{z}_j}}$$"
    )
    assert _check(text).verdict == "holds"  # type: ignore[attr-defined]
    with pytest.raises(DeriveError, match="does not cancel"):  # shifted above, not below: refused
        _check(text.replace(r"\sum_j e^{\tilde{z}_j}", r"\sum_j e^{z_j}"))


@pytest.mark.parametrize(
    "claim",
    [
        # example i's loss has no 1/N (it held as the batch mean's), nor a gradient by another example's
        # logits read as its own (it failed): both stay refused
        r"\frac{\partial L_i}{\partial z_{ij}} = \frac{1}{N}(p_{ij} - y_{ij})",
        r"\frac{\partial L_i}{\partial z_{kj}} = 0 \quad (k \neq i)",
    ],
)
def test_one_examples_loss_is_not_read_beside_the_batch(claim: str) -> None:
    with pytest.raises(DeriveError, match="loss of one example"):
        _check(claim, assume=("onehot",))
    right = _check(r"\frac{\partial L_i}{\partial z_{ij}} = p_{ij} - y_{ij}", assume=("onehot",))
    assert right.verdict == "holds"  # type: ignore[attr-defined]


def test_every_line_of_a_numbered_list_loses_its_label() -> None:
    result = _check("1. dL/dz_i = p_i - y_i\n2. dp_i/dz_i = p_i(1 + p_i)\n")
    assert result.verdict == "fails"  # type: ignore[attr-defined]
    assert _check("1. dL/dz_i = p_i - y_i\n2. dp_i/dz_i = p_i(1 - p_i)\n").verdict == "holds_if"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("options", "claim", "verdict"),
    [
        # the mean said (option or words): one example's gradient is divided by N (without 1/N it held)
        ({"batch_loss": "mean"}, r"\frac{\partial L}{\partial z^{(n)}} = p^{(n)} - y^{(n)}", "fails"),
        ({"batch_loss": "mean"}, r"\frac{\partial L}{\partial z^{(n)}} = (p^{(n)}-y^{(n)})/N", "holds"),
        ({"batch_loss": "sum"}, r"\frac{\partial L}{\partial z^{(n)}} = p^{(n)} - y^{(n)}", "holds"),
        ({"notation": "L the mean cross-entropy over the N examples of the batch"},
         r"\frac{\partial L}{\partial z^{(n)}} = p^{(n)} - y^{(n)}", "fails"),
    ],
)
def test_the_mean_said_divides_one_examples_gradient(
    options: dict[str, object], claim: str, verdict: str
) -> None:
    assert _check(claim, assume=("onehot",), **options).verdict == verdict  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        # a bare I is the identity over the classes, and 1 p^T of one example is k x k (both were refused)
        (r"\frac{\partial p}{\partial z} = \mathrm{diag}(p)(I - \mathbf{1}p^\top)", "holds"),
        (r"\frac{\partial \log \mathbf{p}}{\partial \mathbf{z}} = I - \mathbf{1}\mathbf{p}^\top", "holds"),
        (r"\frac{\partial \log \mathbf{p}}{\partial \mathbf{z}} = I - \mathbf{1}\mathbf{z}^\top", "fails"),
    ],
)
def test_the_identity_matrix_and_a_row_on_every_row(claim: str, verdict: str) -> None:
    result = _check(claim)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert any("identity matrix" in note for note in result.notes)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "options", "verdict"),
    [
        # cs231n's scores s beside the softmax's p: s is the logits and p the output (s was read as the output
        # and p as the targets: every right claim failed)
        (r"\frac{\partial L}{\partial s_{ij}} = \frac{1}{N}\left(p_{ij} - \mathbb{1}[j = y_i]\right)", {},
         "holds"),
        (r"\frac{\partial L}{\partial s_{ij}} = \frac{1}{N}\left(\mathbb{1}[j = y_i] - p_{ij}\right)", {},
         "fails"),
        ("dL/ds_k = p_k - [k == y]", {}, "holds"),
        ("∂L/∂s_y = p_y − 1", {}, "holds"),
        # s written as a value on the right is the output, as before (p the targets)
        (r"\frac{\partial L}{\partial s_i} = -\frac{p_i}{s_i}", {}, "holds"),
        # P beside the one-hot target written as a comparison, or beside Y, is the output (it was the targets)
        (r"\frac{\partial L}{\partial Z_{ij}} = \frac{1}{N}\left(P_{ij} - \mathbb{1}[j = y_i]\right)", {},
         "holds"),
        (r"\frac{\partial L}{\partial W} = \frac{1}{N}(X^TP - X^TY)", {}, "holds_if"),
        # y_i = 1 in cases, i a class: the target's entry is 1 (it was read as "the true class is class 1")
        (r"\frac{\partial L}{\partial z_i} = \begin{cases} p_i - 1 & \text{if } y_i = 1 \\ p_i & "
         r"\text{otherwise}\end{cases}", {}, "holds"),
        (r"\frac{\partial L}{\partial z_i} = \begin{cases} p_i & \text{if } y_i = 0 \\ p_i - 1 & "
         r"\text{otherwise}\end{cases}", {}, "holds"),
        (r"\frac{\partial L}{\partial z_i} = \begin{cases} p_i & \text{if } y_i = 1 \\ p_i - 1 & "
         r"\text{otherwise}\end{cases}", {}, "fails"),
        # \sum_{k \neq y}: the excluded y is the true class, as everywhere else in the claim (it was free)
        (r"\frac{\partial L}{\partial z_y} = \frac{e^{z_y}}{e^{z_y} + \sum_{k\neq y} e^{z_k}} - 1", {},
         "holds"),
        (r"\frac{\partial L}{\partial z_y} = \frac{e^{z_y}}{e^{z_y} + \sum_{k\neq y} e^{z_k}}", {},
         "fails"),
        # e_y beside a class weight w_y: the true class's one-hot vector (y was read as a free index)
        (r"\frac{\partial L}{\partial z} = w_y (\mathrm{softmax}(z) - e_y)",
         {"define": (r"L = -w_y \log \mathrm{softmax}(z)_y",),
          "notation": "y the class label, w_y its weight"},
         "holds"),
        # words writing the division by T leave no T = 1 reading; a formula followed by words is a definition
        (r"\frac{\partial L}{\partial z_i} = p_i - y_i",
         {"notation": "p = softmax(z/T) with temperature T, y one-hot, L cross entropy"}, "fails"),
        (r"\frac{\partial L}{\partial z_i} = \frac{1}{T}(p_i - y_i)",
         {"notation": "p = softmax(z/T) with temperature T, y one-hot, L cross entropy"}, "holds_if"),
        (r"\frac{\partial C}{\partial z_i} = q_i - p_i",
         {"notation": "q_i = exp(z_i/T) / sum_j exp(z_j/T) the soft output of the student at temperature "
                      "T, p_i the soft targets of the teacher, C = -sum_i p_i log q_i"}, "fails"),
        # the teacher's softmax is not the model's output (p = softmax(v) made q - p read as a - a)
        (r"\frac{\partial L}{\partial z_i} = q_i - p_i",
         {"notation": "q = softmax(z) the student output, p = softmax(v) the teacher output, "
                      "L = -sum_i p_i log q_i"}, "holds_if"),
        # "k is the true label": the index k is the true class
        (r"\frac{\partial L}{\partial z_i} = \begin{cases} \hat{y}_i - 1, & \text{if } i = k\\ \hat{y}_i, & "
         r"\text{otherwise}\end{cases}", {"notation": "k is the true label"}, "holds"),
        (r"\frac{\partial L}{\partial z_i} = \begin{cases} \hat{y}_i, & \text{if } i = k\\ \hat{y}_i - 1, & "
         r"\text{otherwise}\end{cases}", {"notation": "k is the true label"}, "fails"),
    ],
)
def test_seventh_round_readings(claim: str, options: dict[str, object], verdict: str) -> None:
    assert _check(claim, **options).verdict == verdict  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "penalty", "verdict"),
    [
        # a norm: the root of the sum of squares (it was refused: "'||' (a norm) is not supported")
        (r"\frac{\partial L}{\partial W} = (p - y)x^T + \lambda W", r"\frac{\lambda}{2}\|W\|_F^2",
         "holds_if"),
        (r"\frac{\partial L}{\partial W} = (p - y)x^T + 2\lambda W", r"\frac{\lambda}{2}\|W\|^2", "fails"),
        (r"\frac{\partial L}{\partial W} = (p - y)x^T + \lambda W",
         r"\frac{\lambda}{2}\left\lVert W\right\rVert_2^2", "holds_if"),
        ("dL/dW = (p - y) x^T + lambda W", "lambda/2 ||W||^2", "holds_if"),
    ],
)
def test_a_norm_in_a_penalty_is_read(claim: str, penalty: str, verdict: str) -> None:
    define = rf"L = -\sum_j y_j \log p_j + {penalty}"
    assert _check(claim, define=(define,), convention="W_x").verdict == verdict  # type: ignore[attr-defined]


def test_a_norm_other_than_the_two_norm_and_a_lone_double_bar() -> None:
    with pytest.raises(DeriveError, match="only the 2-norm and the Frobenius norm"):
        _check(r"\frac{\partial L}{\partial W} = (p - y)x^T", define=(r"L = H + \lambda\|W\|_1",))
    # one double bar between brackets stays a separator: KL(y || softmax(z)) is the divergence
    divergence = _check(r"\frac{\partial}{\partial z} KL(y \| softmax(z)) = softmax(z) - y")
    assert divergence.verdict == "holds_if"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "options", "verdict"),
    [
        # plain text's asides: a question mark, a check mark, "i.e.", a // comment, markdown bold, ∀i
        ("dL/dz = p - y, right?", {}, "holds_if"),
        ("I get dL/dz = y - p, is that right?", {}, "fails"),
        ("**dL/dz = p - y**", {}, "holds_if"),
        ("dL/dz = p - y ✓", {}, "holds_if"),
        ("dL/dz_i = p_i - y_i ∀i", {}, "holds_if"),
        ("dL/dz = p - y  // y is one-hot", {}, "holds_if"),
        ("dL/dz = p - y (see eq. 3)", {}, "holds_if"),
        # B, alone as a divisor, is the batch size
        (r"\nabla_Z \mathcal{L} = (\mathrm{softmax}(Z) - Y)/B", {}, "holds_if"),
        # => is "implies" in plain text (it was read as JavaScript), and the wrong step is found
        ("dp_k/dz_k = p_k (1 - p_k) => dL/dz_k = -y_k (1 - p_k)", {"assume": ("onehot",)}, "fails"),
        # a run of one Unicode subscript ends the symbol: pᵢpⱼ is p_i p_j (it was one name p_ip_j)
        ("∂pᵢ/∂zⱼ = δᵢⱼpᵢ − pᵢpⱼ", {}, "holds"),
        ("∂pᵢ/∂zⱼ = δᵢⱼ − pᵢpⱼ", {}, "fails"),
        # d/dz_k (...): the bracket is what the operator differentiates, not z_k's arguments
        ("d/dz_k (-log p_y) = p_k - 1[k=y]", {}, "holds"),
        ("d/dz_k (-log p_y) = p_k", {}, "fails"),
        ("d/dz (-log softmax(z)[y]) = softmax(z) - e_y", {}, "holds"),
        # W_2 differentiated by is layer 2's weights, and h beside the output is its input
        (r"\frac{\partial L}{\partial W_2} = (\hat{y} - y)h^T", {}, "holds_if"),
        (r"\frac{\partial L}{\partial W_2} = (\hat{y} - y)h^T",
         {"notation": r"h hidden activations, z = W_2 h + b_2, \hat{y} = softmax(z)"}, "holds_if"),
        (r"\frac{\partial L}{\partial W_2} = (y - \hat{y})h^T", {}, "fails"),
    ],
)
def test_eighth_round_readings(claim: str, options: dict[str, object], verdict: str) -> None:
    assert _check(claim, **options).verdict == verdict  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        # Ng: \mathcal{J} is the loss, and A^{[1]} beside A^{[2]} is the last layer's input X (columns)
        (r"\frac{\partial \mathcal{J}}{\partial W^{[2]}} = \frac{1}{m}(A^{[2]} - Y)A^{[1]T}", "holds_if"),
        (r"\frac{\partial \mathcal{J}}{\partial W^{[2]}} = \frac{1}{m}(Y - A^{[2]})A^{[1]T}", "fails"),
        # cases on y_i = 1 and y_i = 0 (0 was "not a positive integer")
        (r"\frac{\partial L}{\partial z_i} = \begin{cases} p_i - 1 & y_i = 1 \\ p_i & y_i = 0\end{cases}",
         "holds"),
        # an index range written as inequalities after the formula
        (r"\frac{\partial L}{\partial z_i} = p_i - y_i \quad (1 \le i \le K)", "holds_if"),
        # e_i with the index p_i has: the standard basis vector of i
        (r"\frac{\partial p_i}{\partial z} = p_i(e_i - p)", "holds"),
        (r"\frac{\partial p_i}{\partial z} = p_i(p - e_i)", "fails"),
    ],
)
def test_ninth_round_readings(claim: str, verdict: str) -> None:
    assert _check(claim).verdict == verdict  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "options", "verdict"),
    [
        # softmax(z/T) in words is a temperature, though the word is not said
        (r"\frac{\partial L}{\partial z_i} = p_i - y_i", {"notation": "p = softmax(z/T), y one-hot labels"},
         "fails"),
        # two softmaxes in words: the one of z is the output, the other a fixed distribution (the targets)
        (r"\frac{\partial L}{\partial z_i} = p_i - q_i", {"notation": "p = softmax(z), q = softmax(v)"},
         "holds_if"),
        # "k is the true label" beside z_k on the left side
        (r"\frac{\partial L}{\partial z_k} = p_k - 1", {"notation": "p = softmax(z), k is the true label"},
         "holds"),
        # a norm inside a sum
        (r"\frac{\partial L}{\partial w_j} = (p_j - y_j) x + \lambda w_j",
         {"define": (r"L = -\sum_j y_j \log p_j + \frac{\lambda}{2}\sum_j \|w_j\|^2",)}, "holds_if"),
        (r"\frac{\partial L}{\partial w_j} = (p_j - y_j) x + 2\lambda w_j",
         {"define": (r"L = -\sum_j y_j \log p_j + \frac{\lambda}{2}\sum_j \|w_j\|^2",)}, "fails"),
    ],
)
def test_regression_probe_readings(claim: str, options: dict[str, object], verdict: str) -> None:
    assert _check(claim, **options).verdict == verdict  # type: ignore[attr-defined]


def test_second_regression_probe_readings() -> None:
    # x beside layer 2's weights is the network's input, not the layer's: refused (it held)
    with pytest.raises(NotationError, match="x beside layer 2's weights"):
        _check(r"\frac{\partial L}{\partial W_2} = (\hat y - y) x^T")
    # "k is the true label" applies to k inside a subscript pair (\delta_{jk}); it was ambiguous
    delta = _check("dL/dz_j = p_j - δ_{jk}", notation="k is the true label")
    assert delta.verdict == "holds"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\nabla^2_z L = \mathrm{diag}(p) - pp^T", "holds_if"),  # (sum_j y_j)(diag(p) - pp^T)
        (r"\nabla_z^2 L = \mathrm{diag}(p) - p p^\top", "holds_if"),
        (r"\nabla_z^2 L = \mathrm{diag}(p) + pp^T", "fails"),
        (r"\nabla_z^2 L = I - pp^T", "fails"),
    ],
)
def test_the_hessian_written_with_nabla_squared_is_read(claim: str, verdict: str) -> None:
    result = _check(claim)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert r"\partial z^{\top}" in result.lhs_latex  # type: ignore[attr-defined]


def test_a_higher_power_of_nabla_is_refused_in_one_line() -> None:
    with pytest.raises(ParseError, match="only the second power"):
        _check(r"\nabla^3_z L = 0")


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("d(-log p_y)/dz = p - onehot(y)", "holds"),
        ("d(-log softmax_y)/dz = softmax(z) - onehot(y)", "holds"),
        ("d(-log_softmax(z)[y])/dz = softmax(z) - onehot(y)", "holds"),
        ("d(-log p_y)/dz = onehot(y) - p", "fails"),
    ],
)
def test_onehot_of_the_index_of_p_y_is_that_index_basis_vector(claim: str, verdict: str) -> None:
    # the y of p_y and of onehot(y) is one class (the targets' class drawn apart had made right claims fail)
    result = _check(claim)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert "basis vector" in {entry["canonical"] for entry in result.mapping}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("dL/dz_i = p_i - 1 for the correct class, p_i otherwise", "holds"),
        ("dL/dz_i = p_i - 1 for the true class and p_i for the others", "holds"),
        ("dL/dz_i = p_i - 1 when i is the true class", "holds"),
        (r"\frac{\partial L}{\partial z_i} = p_i - 1 \text{ for the correct class}", "holds"),
        ("dL/dz_j = p_j for the other classes", "holds"),
        ("dL/dz_i = p_i - 1 for the true class and p_i - 1 for the others", "fails"),
        ("dL/dz_i = p_i for the correct class, p_i otherwise", "fails"),
    ],
)
def test_words_that_say_the_index_is_the_true_class_are_its_condition(claim: str, verdict: str) -> None:
    # the words had been dropped (and the branch after them with them): each claim was judged for every i
    assert _check(claim).verdict == verdict  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\frac{\partial L}{\partial a_i} = \hat{y}_i - y_i", "holds_if"),
        (r"\frac{\partial L}{\partial a_i} = p_i - y_i", "holds_if"),
        (r"\frac{\partial L}{\partial a_i} = \hat{y}_i (1 - \hat y_i)", "fails"),
        (r"\frac{\partial L}{\partial a_i} = -\frac{y_i}{a_i}", "holds"),  # no other output: a is the output
    ],
)
def test_a_differentiated_by_beside_another_output_is_the_logits(claim: str, verdict: str) -> None:
    # a and \hat{y} both read as the output had failed the right claim
    assert _check(claim).verdict == verdict  # type: ignore[attr-defined]


@pytest.mark.parametrize(("rhs", "verdict"), [("p_c - 1", "holds"), ("p_c", "fails")])
def test_the_left_index_the_loss_definition_makes_the_true_class_is_it(rhs: str, verdict: str) -> None:
    # L = -log p_c makes c the true class; dL/dz_c had been read at any class c (a right claim failed)
    result = _check(rf"\frac{{\partial L}}{{\partial z_c}} = {rhs}", define=(r"L = -\log p_c",))
    assert result.verdict == verdict  # type: ignore[attr-defined]


def test_a_reading_that_takes_the_log_of_the_targets_gives_way() -> None:
    # t read as the output put the log on the targets (-sum_j t_j ln y_j with y the targets): an ambiguous
    right = _check(r"\frac{\partial}{\partial z_i}\left(-\sum_j t_j \ln y_j\right) = y_i - t_i")
    assert right.verdict == "holds_if"  # type: ignore[attr-defined]
    wrong = _check(r"\frac{\partial}{\partial z_i}\left(-\sum_j t_j \ln y_j\right) = t_i - y_i")
    assert wrong.verdict == "fails"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("factor", "verdict"), [("2", "holds_if"), ("", "fails")])
def test_a_defined_name_with_a_label_subscript_is_not_an_index_pattern(factor: str, verdict: str) -> None:
    # L_z = lambda (log Z)^2 had matched L_{CE} too (its z read as an index): the sum was twice the z-loss
    result = _check(
        rf"\frac{{\partial (L_{{CE}} + L_z)}}{{\partial z_i}} = p_i - y_i + {factor}\lambda\log(Z) p_i",
        define=(r"L_z = \lambda (\log Z)^2", r"Z = \sum_j e^{z_j}", r"L_{CE} = -\sum_j y_j\log p_j"),
    )
    assert result.verdict == verdict  # type: ignore[attr-defined]


@pytest.mark.parametrize("index", ["2", "3"])
def test_a_claim_about_a_numbered_class_is_proved_for_the_sizes_that_have_it(index: str) -> None:
    # dL/dz_2 = p_2 - y_2 was undecided: the sum's delta at class 2 left "2 <= k" open
    result = _check(f"dL/dz_{index} = p_{index} - y_{index}")
    assert result.verdict == "holds_if"  # type: ignore[attr-defined]
    assert _check(f"dL/dz_{index} = y_{index} - p_{index}").verdict == "fails"  # type: ignore[attr-defined]


def test_a_batchs_binary_complements_in_capitals_give_the_bce_reading() -> None:
    # 1 - Y and 1 - A (a batch's targets and outputs): judged with the softmax alone, a wrong fails
    result = _check("dA = -(Y / A) + (1 - Y) / (1 - A)")
    assert result.verdict == "ambiguous"  # type: ignore[attr-defined]
    assert any("sigmoid-bce" in str(r["choices"]) for r in result.readings)  # type: ignore[attr-defined]


def test_a_run_of_the_models_letters_is_not_one_name_beside_one_of_them_alone() -> None:
    # Xw as one name beside X alone had held 1/m X (sigma(Xw) - y), a missing transpose (X is m x n)
    with pytest.raises(DeriveError):
        _check(r"\nabla_w J = \frac{1}{m} X(\sigma(Xw) - y)")
    right = _check(r"\nabla_w J = \frac{1}{m} X^T(\sigma(Xw) - y)")
    assert right.verdict == "holds"  # type: ignore[attr-defined]
    # a word (yhat) beside its letter y is still one name
    assert _check(r"\frac{\partial L}{\partial z} = yhat - y").verdict == "holds_if"  # type: ignore[attr-defined]


def test_a_row_vector_pages_diag_minus_outer_product_holds_as_rows() -> None:
    # diag(s) - s^T s: as columns s^T s is a number beside a matrix (it failed, added to every entry);
    # a row-vector page's s^T s is the outer product: read as rows, shown, and proved
    claim = r"\frac{\partial \mathbf{s}}{\partial \mathbf{z}} = "
    claim += r"\mathrm{diag}(\mathbf{s}) - \mathbf{s}^\top\mathbf{s}"
    result = check_claim(CheckOptions(claim, timeout=60))
    assert result.verdict == "holds"
    assert any("vectors read as rows" in c for c in result.choices)  # type: ignore[attr-defined]
    # the same with a wrong sign still fails as rows, and the column form is unchanged
    wrong = check_claim(CheckOptions(r"\frac{\partial s}{\partial z} = \mathrm{diag}(s) + s^T s", timeout=60))
    assert wrong.verdict == "fails"
    columns = r"\frac{\partial s}{\partial z} = \mathrm{diag}(s) - s s^T"
    assert check_claim(CheckOptions(columns, timeout=60)).verdict == "holds"


def test_a_bare_superscript_i_on_the_data_is_an_example_index() -> None:
    # x^i, y^i without the parentheses of x^{(i)}: example i (it was read as a power only: "symbol i")
    claim = r"\frac{\partial J}{\partial w_k} = -\frac{1}{n}\sum_{i=1}^{n} x^i (1\{y^i = k\} - p_{ik})"
    result = check_claim(CheckOptions(claim, timeout=60))
    assert result.verdict == "holds"
    assert any("read as example i" in c for c in result.choices)  # type: ignore[attr-defined]
    wrong = check_claim(CheckOptions(claim.replace("- p_{ik}", "+ p_{ik}"), timeout=60))
    assert wrong.verdict == "fails"


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\frac{\partial L}{\partial z_i} = \sum_{j=0}^{K-1} y_j (p_i - \delta_{ij})", "holds"),
        (r"\frac{\partial L}{\partial z_i} = \sum_{j=0} y_j (p_i - \delta_{ij})", "holds"),
        (r"\frac{\partial L}{\partial z_i} = \sum_{j=0}^{K-1} y_j (p_i + \delta_{ij})", "fails"),
        (r"\frac{\partial L}{\partial z_i} = \frac{e^{z_i}}{\sum_{j=0}^{C-1} e^{z_j}} - y_i", "holds_if"),
    ],
)
def test_a_sum_numbered_from_zero_runs_over_the_same_entries(claim: str, verdict: str) -> None:
    # \sum_{j=0}^{K-1} was refused ("sum limit K - 1"), and \sum_{j=0} was an internal error
    assert check_claim(CheckOptions(claim, timeout=60)).verdict == verdict


def test_a_sum_from_zero_to_the_size_is_refused_in_one_line() -> None:
    with pytest.raises(NotationError, match="from 0"):
        check_claim(CheckOptions(r"\frac{\partial L}{\partial z_i} = \sum_{j=0}^{K} y_j (p_i - \delta_{ij})"))


@pytest.mark.parametrize(
    ("rows", "verdict"),
    [
        (r"p_i - 1 & \text{if } i = y \\ p_i & \text{otherwise}", "holds"),
        (r"p_i - 1 & i = y \\ p_i & i \neq y", "holds"),
        (r"p_i & \text{if } i = y \\ p_i - 1 & \text{otherwise}", "fails"),
    ],
)
def test_an_array_opened_by_a_lone_brace_is_cases(rows: str, verdict: str) -> None:
    # \left\{ \begin{array}{ll} ... \end{array} \right. (cases before the cases environment) was refused
    brace = rf"\left\{{\begin{{array}}{{ll}} {rows} \end{{array}}\right."
    claim = r"\frac{\partial L}{\partial z_i} = " + brace
    assert check_claim(CheckOptions(claim, timeout=60)).verdict == verdict


def test_a_plain_text_derivative_of_a_call_inside_a_chain_is_read() -> None:
    # −Σ_k y_k ∂log(p_k)/∂z_i: the ∂ before a function's call was "not part of a derivative"
    chain = "∂L/∂z_i = −Σ_k y_k ∂log(p_k)/∂z_i = −Σ_k y_k (δ_ik − p_i) = p_i Σ_k y_k − y_i = p_i − y_i"
    assert check_claim(CheckOptions(chain, timeout=60)).verdict == "holds_if"
    wrong = check_claim(CheckOptions("∂L/∂z_i = −Σ_k y_k ∂log(p_k)/∂z_i = −Σ_k y_k (δ_ik + p_i)", timeout=60))
    assert wrong.verdict == "fails"


@pytest.mark.parametrize(
    "text",
    [
        "The derivative of the cross-entropy w.r.t. `z` is `p - y`",
        "The derivative of the cross-entropy w.r.t. $z$ is $p - y$",
        "The derivative of the cross-entropy w.r.t. z is `p - y`",
    ],
)
def test_the_variable_named_in_the_words_is_not_a_formula_of_its_own(text: str) -> None:
    # $z$ after "w.r.t." was a formula with no left side, and a code span after "is" was not the gradient
    assert check_claim(CheckOptions(text, timeout=60)).verdict == "holds_if"
    assert check_claim(CheckOptions(text.replace("p - y", "p + y"), timeout=60)).verdict == "fails"


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("∂ℒ/∂𝐳 = 𝐩 − 𝐲", "holds_if"),  # script L, mathematical bold letters
        ("∂𝐿/∂𝑧ᵢ = 𝑝ᵢ − 𝑦ᵢ", "holds_if"),  # mathematical italic letters
        ("∂ℒ/∂𝐖 = 𝐱(𝐩 − 𝐲)ᵀ", "holds_if"),
        ("∂ℒ/∂𝐳 = 𝐩 + 𝐲", "fails"),
        ("∂L/∂zₓ = pₓ − yₓ", "holds_if"),  # a subscript letter beyond i, j, k, n
    ],
)
def test_unicode_math_letters_are_read_as_their_letters(claim: str, verdict: str) -> None:
    # they were refused as look-alike letters (Cyrillic and fullwidth letters still are: test_claims_safety)
    assert check_claim(CheckOptions(claim, timeout=60)).verdict == verdict


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("\\sigma' = \\sigma(1-\\sigma)", "holds"),
        ("\\sigma^{\\prime} = \\sigma (1 - \\sigma)", "holds"),
        ("σ' = σ(1 − σ)", "holds"),
        ("\\sigma' = \\sigma(1+\\sigma)", "fails"),
    ],
)
def test_a_primed_sigma_without_its_argument_is_the_sigmoid_derivative(claim: str, verdict: str) -> None:
    # sigma named bare beside its own prime, in a text that writes no softmax: the sigmoid at the logits (it
    # was refused, "a primed symbol is not understood"); s' = s(1 - s) still needs the words "s sigmoid"
    result = check_claim(CheckOptions(claim, timeout=60))
    assert result.verdict == verdict
    assert any("the sigmoid the text differentiates" in str(m) for m in result.mapping)


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("The formula for dsoftmax / dx = (diag(softmax) - softmax * softmax').", "holds"),
        ("The formula for dsoftmax / dx = (diag(softmax) + softmax * softmax').", "fails"),
    ],
)
def test_a_primed_softmax_in_plain_text_may_be_its_transpose(claim: str, verdict: str) -> None:
    # TensorFlow's docstring: ' is MATLAB's transpose (as a derivative, softmax' is not understood), and x
    # beside the k x k right side is the softmax's own input, the logits; both choices are shown
    result = check_claim(CheckOptions(claim, timeout=60))
    assert result.verdict == verdict
    said = " ".join(result.choices)
    assert "softmax' read as the transpose of softmax" in said and "x read as the logits" in said


_APART = (
    r"$\frac{\partial s(x)}{\partial x} = s(x)(1 - s(x))\ \ \ \ \frac{\partial s(w^Tx_i)}{\partial w} = "
    r"x_i(1 - s(w^Tx_i))s(w^Tx_i) \ \ \ \ \frac{\partial log(x)}{\partial x} = \frac{1}{x}$"
)


@pytest.mark.parametrize(
    ("text", "verdict"),
    [(_APART, "holds"), (_APART.replace(r"= \frac{1}{x}", r"= \frac{1}{x^2}"), "fails")],
)
def test_formulas_that_do_not_read_together_are_read_one_by_one(text: str, verdict: str) -> None:
    # stats.SE: one-variable calculus (x a number) beside the model's gradient (x_i a vector) in one line:
    # read together, x was one vector and the first formula's shapes did not fit (refused)
    words = "logistic regression; s sigmoid, w weights, x_i inputs, y labels"
    result = check_claim(CheckOptions(text, notation=words, timeout=60))
    assert result.verdict == verdict
    assert len(result.parts) == 3
    assert any(note.startswith("each formula read on its own") for note in result.notes)


def test_formulas_beside_words_are_not_read_apart() -> None:
    # a word between them may be about all of them (the squared error loss): they are never split
    text = _APART.replace(r"\ \ \ \ \frac{\partial log", r"$ for the squared error $\frac{\partial log")
    with pytest.raises(DeriveError):
        check_claim(CheckOptions(text, notation="s sigmoid, w weights, x_i inputs", timeout=60))


_WORDED = (
    "\\begin{align*}\n\\frac{\\partial L}{\\partial z_i} &= -\\sum_k y_k (\\delta_{ki} - p_i) \\\\\n"
    "WORDS &= \\frac{1}{N}(p_i - y_i)\n\\end{align*}"
)


@pytest.mark.parametrize("words", ["\\text{for the whole batch}", "算上Batch后："])
def test_a_row_after_words_with_no_left_side_leaves_the_chain_undecided(words: str) -> None:
    # the words say what the row is (often another quantity: the batch's mean): the text was refused for
    # its missing left side; the chain before it is judged, and a holding chain is not decided (the row may
    # be a wrong last step), a failing one fails
    result = check_claim(CheckOptions(_WORDED.replace("WORDS", words), timeout=60))
    assert result.verdict == "undecided"
    assert "holds up to the row it could not judge" in result.explanation
    wrong = _WORDED.replace("WORDS", words).replace("- p_i) \\\\", "+ p_i) \\\\")
    assert check_claim(CheckOptions(wrong, timeout=60)).verdict == "fails"


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("J_{softmax} = \\text{diag}(p) - pp^T", "holds"),
        ("J_{\\text{softmax}} = \\mathrm{diag}(p) - p p^\\top", "holds"),
        ("J_{softmax} = \\text{diag}(p) + pp^T", "fails"),
    ],
)
def test_a_jacobian_subscripted_by_the_softmax_is_its_jacobian(claim: str, verdict: str) -> None:
    # J_{softmax} was "the left side is a scalar" (J alone was read as the softmax's Jacobian already)
    result = check_claim(CheckOptions(claim, timeout=60))
    assert result.verdict == verdict
    assert any("read as the softmax's Jacobian" in choice for choice in result.choices)


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("dL/dW = (y_hat - y) * x", "holds_if"),  # the classes by the features: z = W x + b (shown)
        ("dL/dW = (y_hat + y) * x", "fails"),
        ("\\frac{\\partial L}{\\partial W} = x (p - y)", "holds_if"),
    ],
)
def test_a_class_vector_times_a_feature_vector_is_their_outer_product(claim: str, verdict: str) -> None:
    # it was "cannot multiply a vector of length k and a vector of length d": no other product fits
    result = check_claim(CheckOptions(claim, timeout=60))
    assert result.verdict == verdict
    assert any("is their outer product" in note for note in result.notes)


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("dLoss/dLogits = Softmax(Logits) - Target", "holds_if"),
        ("\\nabla_{w_j} E = \\sum_{n=1}^N (y_{nj} - t_{nj}) \\phi_n", "ambiguous"),  # Bishop: E summed
        ("\\frac{\\partial L}{\\partial w_k} = \\frac{1}{N}\\sum_n (p_{nk} - t_{nk}) \\phi_n", "holds_if"),
    ],
)
def test_capitalized_role_words_and_bishops_phi_are_read(claim: str, verdict: str) -> None:
    # Target and Logits were unknown symbols, and phi (Bishop's basis functions of the input) too
    assert check_claim(CheckOptions(claim, timeout=60)).verdict == verdict


def test_phi_applied_is_no_input() -> None:
    # phi(z), an activation function applied, is not Bishop's phi: it stays an unknown symbol
    with pytest.raises(NotationError, match="phi"):
        check_claim(CheckOptions("\\frac{\\partial L}{\\partial z} = \\phi(z) - y", timeout=60))


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        # TensorFlow's stable binary cross-entropy, written with max and abs: right, but no symbolic proof
        ("max(z, 0) - z*y + log(1 + exp(-abs(z))) = log(1 + exp(z)) - z*y", "undecided"),
        ("max(z, 0) - z*y + log(1 + exp(-abs(z))) = log(1 + exp(z)) + z*y", "fails"),
        ("d/dz (max(z, 0) - z*y + log(1 + exp(-abs(z)))) = sigmoid(z) - y", "undecided"),
        ("d/dz (max(z, 0) - z*y + log(1 + exp(-abs(z)))) = sigmoid(z) + y", "fails"),
    ],
)
def test_max_of_two_values_and_abs_are_read_entry_by_entry(claim: str, verdict: str) -> None:
    # max(x, 0) and abs(x) were unknown symbols; they are evaluated numerically (the larger value and its
    # slope), and a wrong claim fails with a counterexample
    assert check_claim(CheckOptions(claim, timeout=60)).verdict == verdict


@pytest.mark.parametrize(
    ("chain", "verdict", "first_wrong"),
    [
        (r"= \frac{e^{z_i}}{\sum_k e^{z_k}} \left(1 - \frac{e^{z_i}}{\sum_k e^{z_k}}\right) = a_i (1 - a_i)",
         "holds", None),
        (r"= a_i (1 - a_i) \\ = a_i - a_i^2 \\ = a_i + a_i^2", "fails", 1),
    ],
)  # fmt: skip
def test_a_chain_whose_left_side_is_elided_checks_its_steps_against_each_other(
    chain: str, verdict: str, first_wrong: int | None
) -> None:
    # the continuation of a display whose left side was on the line before: the steps are still checkable
    result = _check(chain)
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert result.first_wrong_step == first_wrong  # type: ignore[attr-defined]
    assert any("left side is elided" in note for note in result.notes)  # type: ignore[attr-defined]


def test_one_expression_after_an_elided_left_side_is_an_expression_not_a_claim() -> None:
    with pytest.raises(DeriveError, match="an expression with no left side"):
        _check(r"= -\log a_c")


@pytest.mark.parametrize(("batch_loss", "verdict"), [("mean", "ambiguous"), ("sum", "holds")])
def test_a_bold_vector_with_the_subscript_n_may_be_example_ns(batch_loss: str, verdict: str) -> None:
    # Bishop's x_n: entry n of one example's vector, or example n's vector of a batch (then the mean's 1/N
    # is missing); both readings are judged and shown
    claim = r"\frac{\partial L}{\partial \mathbf{z}_n} = \mathbf{p}_n - \mathbf{y}_n"
    result = check_claim(
        CheckOptions(claim, let=(r"\mathbf{p}=a",), batch_loss=batch_loss, assume=("onehot",))  # type: ignore[arg-type]
    )
    assert result.verdict == verdict
    if verdict == "ambiguous":
        assert any("read as example n's vector" in str(r) for r in result.readings)


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\frac{\partial p}{\partial z} = (I - \mathbf{p}\mathbf{1}^T)\mathrm{diag}(\mathbf{p})", "holds"),
        (r"\frac{\partial p}{\partial z} = \mathrm{diag}(\mathbf{p})(I - \mathbf{p}\mathbf{1}^T)", "fails"),
    ],
)  # fmt: skip
def test_a_column_times_the_ones_row_is_the_column_in_every_column(claim: str, verdict: str) -> None:
    assert check_claim(CheckOptions(claim, let=("p=a", r"\mathbf{p}=a"))).verdict == verdict


@pytest.mark.parametrize(
    ("define", "claim", "verdict"),
    [
        (r"L = \frac{1}{m}\sum_i L^{(i)}", r"\frac{\partial L}{\partial Z_{ik}} = P_{ik} - Y_{ik}", "fails"),
        ("L = (1/N) sum_n L_n", r"\frac{\partial L}{\partial Z_{ik}} = (P_{ik} - Y_{ik})/N", "holds_if"),
        (r"L = \sum_n L_n", r"\frac{\partial L}{\partial Z_{ik}} = P_{ik} - Y_{ik}", "holds_if"),
    ],
)
def test_a_loss_defined_as_its_examples_mean_or_sum_is_the_batch_loss(
    define: str, claim: str, verdict: str
) -> None:
    # as a definition it refers to itself (refused as a cycle); it says how the batch's loss is made
    result = check_claim(CheckOptions(claim, define=(define,), let=("P=A",)))
    assert result.verdict == verdict
    assert any("read as --batch-loss" in note for note in result.notes)


@pytest.mark.parametrize(
    ("claim", "notation", "verdict"),
    [
        (r"\frac{\partial L}{\partial z_i} = p_i - q_i", "", "ambiguous"),
        (r"\frac{\partial L}{\partial z_i} = p_i - q_i", "p = softmax(z), q the targets", "holds_if"),
        (r"\frac{\partial L}{\partial z_i} = p_i - q_i", "q = softmax(z), p the target vector", "fails"),
    ],
)
def test_p_and_q_with_no_words_are_read_both_ways(claim: str, notation: str, verdict: str) -> None:
    # information theory's H(p, q) has p the targets; pages as often name the softmax output p: both
    # readings are judged unless the words say which (p - q alone was a silent fails)
    result = check_claim(CheckOptions(claim, notation=notation or None))
    assert result.verdict == verdict


@pytest.mark.parametrize(
    ("difference", "batch_loss", "verdict"),
    [
        (r"\mathbf{y}_n - \mathbf{t}_n", "sum", "holds"),
        (r"\mathbf{t}_n - \mathbf{y}_n", "sum", "fails"),
        (r"\mathbf{y}_n - \mathbf{t}_n", "mean", "fails"),
    ],
)
def test_bishops_sum_over_n_of_bold_vectors_at_n_is_a_sum_over_the_examples(
    difference: str, batch_loss: str, verdict: str
) -> None:
    # \boldsymbol{\phi}_n is example n's basis vector (it was read as entry n of one vector: refused), and
    # --let y=a applies to the bold \mathbf{y} too (bold is vector typesetting)
    claim = rf"\nabla_{{W}} E = \sum_{{n=1}}^{{N}} \boldsymbol{{\phi}}_n ({difference})^\top"
    options = CheckOptions(
        claim, let=("y=a", "t=y", r"\phi=x", "E=H"), convention="Wt_x", batch_loss=batch_loss,  # type: ignore[arg-type]
        assume=("onehot",),
    )
    assert check_claim(options).verdict == verdict


def test_the_letter_a_claim_divides_by_or_takes_the_log_of_is_the_output() -> None:
    # -p_i/q_i [q_i(1-q_i)]: the cross-entropy's log is of q, so q is the output (no second reading)
    chain = (
        r"\frac{\partial L}{\partial z_i} = -\frac{p_i}{q_i} [q_i(1-q_i)] + \sum_{j \neq i} \frac{p_j}{q_j}"
        r" [q_i q_j] = q_i - p_i"
    )
    assert check_claim(CheckOptions(chain)).verdict == "holds_if"
