"""The ten dev claims (../shared/claims-dev/claims.json), their secondary claims, and the seed cases."""

from __future__ import annotations

import json

import pytest
from shared_data import shared_file

from derive.claims.run import check_claim
from derive.claims.verdict import CheckOptions, CheckResult

EXPECTED = {"correct": "holds", "correct_if_onehot": "holds_if", "incorrect": "fails"}

#: Per-case options taken from each case's ``notation`` / ``convention`` / ``y_domain`` fields, only where
#: a guess cannot be made (everything else is recognized notation).
OPTIONS: dict[str, dict[str, object]] = {
    "C11": {"loss": "sigmoid-bce"},
    "C24": {"let": ("x_k=z_k", "SM_i=a_i")},
    "C28": {"let": (r"S=\sum_{t=1}^{k} e^{z_t}",), "convention": "W_x"},
    "C31": {"let": ("X=Z", "m=N")},
    "C39": {"let": ("y(x)=a",), "wrt": "W"},
}


def _cases() -> list[dict[str, object]]:
    path = shared_file("claims-dev", "claims.json")  # a failure, not a skip, when CI is set
    return json.loads(path.read_text(encoding="utf-8"))["cases"]  # type: ignore[no-any-return]


def _options(case: dict[str, object], claim: str, **extra: object) -> CheckOptions:
    fields: dict[str, object] = dict(OPTIONS.get(str(case["id"]), {}))
    if case["y_domain"] == "class_index":
        fields["assume"] = ("onehot",)
    fields.update(extra)
    return CheckOptions(claim=claim, timeout=30, **fields)  # type: ignore[arg-type]


def _check(options: CheckOptions) -> CheckResult:
    return check_claim(options)


CASE_IDS = ["C02", "C05", "C11", "C18", "C20", "C21", "C24", "C28", "C31", "C39"]


def test_the_dev_file_has_the_ten_cases() -> None:
    assert [case["id"] for case in _cases()] == CASE_IDS


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_dev_claim_verdict(case_id: str) -> None:
    case = next(c for c in _cases() if c["id"] == case_id)
    result = _check(_options(case, str(case["claim_latex"])))
    assert result.verdict == EXPECTED[str(case["verdict"])], result.explanation
    if result.verdict == "holds_if":
        assert result.condition is not None and "sum to 1" in result.condition
    if result.verdict == "fails":
        assert result.counterexample is not None
        assert result.counterexample["claimed"] != result.counterexample["true"]


CHAINS = [c for c in CASE_IDS if c not in ("C31",)]  # C31's steps use \text{repeated row} (not mathematics)


@pytest.mark.parametrize("case_id", ["C02", "C05", "C11", "C28"])
def test_dev_chain_first_wrong_step(case_id: str) -> None:
    case = next(c for c in _cases() if c["id"] == case_id)
    steps = case["steps"]
    assert isinstance(steps, list)
    result = _check(_options(case, " \\\\ ".join(steps)))
    assert len(result.steps) == len(steps)
    assert result.first_wrong_step == case["first_wrong_step"]
    conditional = set(case["conditional_steps"])  # type: ignore[arg-type]
    for step in result.steps:
        if step.index in conditional:
            assert step.verdict == "holds_if"
        elif case["first_wrong_step"] is None:
            assert step.verdict == "holds", (step.index, step.explanation)


def test_c31_chain_with_prose_is_bad_input() -> None:
    case = next(c for c in _cases() if c["id"] == "C31")
    from derive.errors import ParseError

    with pytest.raises(ParseError):
        _check(_options(case, " \\\\ ".join(case["steps"])))  # type: ignore[arg-type]


SECONDARY = [
    ("C02", "jacobian_cases", {}, "holds"),
    ("C05", "answer", {"wrt": "o_i"}, "holds_if"),
    ("C21", "dE_do", {}, "fails"),
    ("C21", "answer_sum", {}, "holds"),
    ("C21", "answer_term", {}, "holds"),
]


@pytest.mark.parametrize(("case_id", "key", "extra", "expected"), SECONDARY)
def test_dev_secondary_claims(case_id: str, key: str, extra: dict[str, object], expected: str) -> None:
    case = next(c for c in _cases() if c["id"] == case_id)
    secondary = next(s for s in case["secondary_claims"] if s["key"] == key)  # type: ignore[attr-defined]
    result = _check(_options(case, secondary["claim_latex"], **extra))
    assert result.verdict == expected, result.explanation


def test_c18_secondary_cases_one_at_a_time() -> None:
    diagonal = _check(CheckOptions(r"{\partial h_i \over \partial z_j}= h_i(1-h_j)\;\;\;\;\;\;: i = j"))
    off = _check(CheckOptions(r"{\partial h_i \over \partial z_j}= -h_ih_j\;\;\;\;\;\;: i \ne j"))
    assert (diagonal.verdict, off.verdict) == ("holds", "holds")
    diagonal_only = _check(CheckOptions(r"{\partial h_i \over \partial z_j}= h_j(1-h_j)"))
    assert diagonal_only.verdict == "fails"


def test_c39_transposed_secondary_is_the_gradient_by_w_transposed() -> None:
    result = _check(CheckOptions(r"(y(x) - 1_t) x^T", let=("y(x)=a",), wrt="W^T", assume=("onehot",)))
    assert result.verdict == "holds"
    wrong_shape = pytest.raises(Exception)
    with wrong_shape:
        _check(CheckOptions(r"(y(x) - 1_t) x^T", let=("y(x)=a",), wrt="W", assume=("onehot",)))


def test_c20_chain_rule_product_fails_for_the_wrong_classes() -> None:
    case = next(c for c in _cases() if c["id"] == "C20")
    result = _check(_options(case, str(case["claim_latex"]), assume=("onehot",)))
    assert result.verdict == "fails"
    assert "j \\neq c" in result.explanation


# ---- the seed documents ------------------------------------------------------------------------------

SEED_FINAL = r"\frac{\partial H}{\partial W_{i,j}} = -P_j(x)(1-a_j(x))x_i"
SEED_AT = ("x=[1.9,0.4]", "W=[[0.1,0.5],[0.1,0.5]]", "y=[1,0]")
SEED_ANSWER = (
    r"\begin{align} \frac{\partial H}{\partial W_{i,j}} &= -\frac{\partial}{\partial W_{i,j}} "
    r"\left(\sum_{k=1}^2 P_k(x) \log Q_k(x) \right) \\ &= -\frac{\partial}{\partial W_{i,j}} "
    r"\left(P_j(x) \log Q_j(x) \right) \\ &=-\frac{P_j(x)}{Q_j(x)} \cdot "
    r"\frac{\partial Q_j(x)}{\partial W_{i,j}} \\ &= - \frac{P_j(x)}{a_j(x)} \cdot "
    r"\frac{\partial a_j(x)}{\partial z_j(x)} \cdot "
    r"\frac{\partial z_j(x)}{\partial W_{i,j}}\\ &=-P_j(x) (1-a_j(x)) x_i \end{align}"
)
ASKER_CHAIN = (
    r"\begin{align} \frac{\partial H}{\partial W_{i,1}} &=-\sum_{j=1}^2 \frac{P_j(x)}{a_1} \cdot "
    r"\frac{\partial a_1}{\partial z_1}\cdot x_i \\ &=-\frac{1}{a_1} \cdot \frac{\partial a_1}{\partial z_1}"
    r"\cdot x_i (P_1(x)+ P_2(x)) \end{align}"
)
QUESTION_SOFTMAX = (
    r"a_j = {\displaystyle \operatorname{softmax} {(z_j)}={\frac {e^{z_{j}}}{\sum _{i=1}^{2}e^{z_{j}}}}"
    r"\ \ \ \ {\text{ for }}j=1,2}"
)
BLOG_CASE_1 = (
    r"\begin{align*}\frac{\partial \text{CE}(y^{(i)}, \hat{y}^{(i)})}{\partial z^{(i)}_j} &= "
    r"\nabla_{z^{(i)}_j} \left( - \Sigma^k_{\substack{j=1 \\ j \neq \ell}} \left[ y^{(i)}_j "
    r"\log(\text{softmax}(z^{(i)}_j)) \right] \right) \\ &= - \Sigma^k_{\substack{j=1 \\ j \neq \ell}} "
    r"\left[ \frac{y^{(i)}_j}{\text{softmax}(z^{(i)})} \cdot \text{softmax'}(z^{(i)}) \right] "
    r"\\ &= 0\end{align*}"
)


@pytest.mark.parametrize("lets", [(), ("P_j=y_j", "Q_j=a_j")])
def test_seed_answer_final_formula_fails_only_off_the_true_class(lets: tuple[str, ...]) -> None:
    result = _check(CheckOptions(SEED_FINAL, let=lets))
    assert result.verdict == "fails"
    assert "j = c" in result.explanation and "j \\neq c" in result.explanation
    if not lets:
        assert any(entry["page"] == "P" and entry["canonical"] == "y" and entry["guessed"]
                   for entry in result.mapping)


def test_seed_answer_counterexample_at_the_seed_numbers() -> None:
    result = _check(CheckOptions(SEED_FINAL, at=SEED_AT))
    assert result.verdict == "fails"
    ce = result.counterexample
    assert ce is not None and ce["source"] == "--at"
    assert ce["indices"] == {"i": 1, "j": 2}
    assert ce["claimed"] == 0.0
    assert ce["true"] == pytest.approx(1.35858, abs=1e-5)
    assert result.at_instance is not None
    rows = {tuple(row["indices"].values()): row for row in result.at_instance["cases"]}
    assert rows[(1, 1)]["agrees"] and not rows[(1, 2)]["agrees"]


def test_seed_answer_chain_first_wrong_step_drops_the_sum() -> None:
    result = _check(CheckOptions(SEED_ANSWER))
    assert [step.verdict for step in result.steps][:2] == ["holds", "fails"]
    assert result.first_wrong_step == 1
    assert result.verdict == "fails"


@pytest.mark.parametrize("extra", [{}, {"classes": 2}])
def test_seed_asker_attempt_holds_only_for_class_one(extra: dict[str, object]) -> None:
    result = _check(CheckOptions(ASKER_CHAIN, **extra))  # type: ignore[arg-type]
    assert result.verdict == "holds_if"
    assert result.condition == "y is one-hot on class 1"
    assert [step.verdict for step in result.steps] == ["holds_if", "holds_if"]
    assert result.exit_code == 4


def test_seed_question_softmax_is_not_the_softmax() -> None:
    result = _check(CheckOptions(QUESTION_SOFTMAX))
    assert result.verdict == "fails"
    assert "1/2" in result.explanation
    assert result.steps[0].verdict == "holds" and result.first_wrong_step == 1


def test_blog_case_one_fails_with_onehot_targets() -> None:
    plain = _check(CheckOptions(r"\frac{\partial \text{CE}}{\partial z_j} = 0", assume=("onehot",)))
    assert plain.verdict == "fails"
    chain = _check(CheckOptions(BLOG_CASE_1))
    assert chain.verdict == "fails"
    assert chain.steps[1].verdict == "unreadable"


@pytest.mark.parametrize("claim", [
    r"\frac{\partial \text{CE}(y^{(i)}, \hat{y}^{(i)})}{\partial z^{(i)}_j} = \hat{y}^{(i)} - y^{(i)}",
    r"\nabla_{z^{(i)}} \text{CE}(y^{(i)}, \hat{y}^{(i)}) = \text{softmax}(z^{(i)}) - y^{(i)}",
])
def test_blog_final_result_holds_if_the_targets_sum_to_one(claim: str) -> None:
    result = _check(CheckOptions(claim))
    assert result.verdict == "holds_if"
    assert result.condition is not None and "sum to 1" in result.condition
