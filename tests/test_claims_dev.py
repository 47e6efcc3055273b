"""The 40 dev claims (../shared/claims-dev/claims.json and claims2.json), their chains, and the seed cases."""

from __future__ import annotations

import json

import pytest
from shared_data import shared_file

from derive.claims.run import check_claim
from derive.claims.verdict import CheckOptions, CheckResult
from derive.errors import DeriveError

CLAIMS_FILES = ("claims.json", "claims2.json")
EXPECTED = {"correct": "holds", "correct_if_onehot": "holds_if", "incorrect": "fails"}

#: Per-case options, each derived from the case's ``notation`` / ``convention`` / ``y_domain`` /
#: ``lhs_meaning`` fields as a user reading the page would (everything else is read or recognized).
#: ``class_index`` pages get ``--assume onehot`` (see ``_options``).
OPTIONS: dict[str, dict[str, object]] = {
    "C11": {"loss": "sigmoid-bce"},
    "C24": {"let": ("x_k=z_k", "SM_i=a_i")},
    "C28": {"let": (r"S=\sum_{t=1}^{k} e^{z_t}",), "convention": "W_x"},
    "C31": {"let": ("X=Z", "m=N")},
    "C39": {"let": ("y(x)=a",), "wrt": "W", "convention": "Wt_x"},
    # claims2.json
    "V01": {"syntax": "python", "means": "dH/dZ"},
    "V02": {"syntax": "code", "means": "dJ/dz", "let": ("z_{ij}=Z_{ji}",)},
    "V03": {
        "syntax": "python",
        "means": "dFL/dZ",
        "let": ("pro_=p", "_pt_i=A_{i,c}", "_alpha=alpha", "_gamma=gamma"),
        "define": (r"FL = -\frac{1}{N} \sum_n \alpha (1 - p_{n,y_n})^\gamma \log p_{n,y_n}",),
    },
    "V04": {
        "syntax": "python",
        "means": "dFL/dz",
        "where": ("j != c",),
        "let": ("pro_=a", "pt_i=a_c", "_alpha=alpha", "_gamma=gamma"),
        "define": (r"FL = -\alpha (1-a_c)^\gamma \log a_c",),
    },
    "V05": {
        "syntax": "text",
        "means": "-dFL/dz_j",
        "let": ("i=c", "p=a", "pt=a_c"),
        "define": (r"FL = -\alpha (1-a_c)^2 \log a_c",),
    },
    "V06": {"let": (r"\theta=z",), "implied_sums": True},
    "V08": {"let": ("Z=z",), "where": ("i != c",)},
    "V09": {"syntax": "code", "means": "dL/dx", "let": ("x=z",)},
    "V10": {"syntax": "code", "means": "dL/dx", "let": ("x=z",)},
    "V11": {"where": ("k = c",)},
    "V12": {"means": r"\frac{\partial H}{\partial a}"},
    "V13": {"syntax": "text", "means": r"\frac{\partial H}{\partial z_k}", "where": ("k = c",)},
    "V14": {
        "syntax": "text",
        "means": "dH/dz",
        "loss": "label-smoothing",
        "define": (r"y(ls) = (1-\varepsilon) y + \varepsilon/K",),
    },
    "V15": {"let": ("x=z",)},
    "V16": {"let": ("x=z",)},
    "V17": {"syntax": "python", "loss": "sigmoid-bce", "means": "dH/dW"},
    "V18": {"loss": "sigmoid-bce"},
    "V19": {
        "loss": "sigmoid-bce",
        "define": (r"J(w) = -\sum_i [y^{(i)} \log \hat{y}^{(i)} + (1 - y^{(i)}) \log(1 - \hat{y}^{(i)})]",),
    },
    "V21": {
        "syntax": "python",
        "means": "dZL/dlogits",
        "let": ("logits=z", "logits_scale_factor=kappa", "grad_losses=1/N"),
        "define": (
            "ZL = (1/N) * log(sum_k exp(kappa * z_k))^2",
            "max_logits = max_k (kappa * z_k)",
            "sum_exp_logits = sum_k exp(kappa * z_k - max_logits)",
        ),
    },
    "V22": {
        "means": r"\frac{\partial \mathrm{LSE}}{\partial z_i}",
        "define": (r"\mathrm{LSE} = \log \sum_j e^{z_j}",),
    },
    "V24": {"syntax": "text", "loss": "sigmoid-bce"},
    "V25": {"syntax": "python", "means": "d cross_entropy / d y_pred"},
    "V26": {"syntax": "python", "means": "d Loss / d output"},
    "V27": {"let": ("a=z",)},
    "V28": {"syntax": "text", "let": ("x=z",), "define": (r"\mathrm{logsumexp}(x) = \log \sum_j e^{x_j}",)},
    "V29": {"syntax": "code", "means": "dH/dW"},
    "V30": {
        "syntax": "python",
        "let": ("x=z", "out_grad=g"),
        "means": "dL/dx",
        "define": (r"L = \sum_j g_j (x_j - \log \sum_k e^{x_k})",),
    },
}


def _all_cases() -> list[dict[str, object]]:
    cases: list[dict[str, object]] = []
    for name in CLAIMS_FILES:
        path = shared_file("claims-dev", name)  # a failure, not a skip, when CI is set
        cases += json.loads(path.read_text(encoding="utf-8"))["cases"]
    return cases


def _cases() -> list[dict[str, object]]:
    return [case for case in _all_cases() if str(case["id"]).startswith("C")]


def _case(case_id: str) -> dict[str, object]:
    return next(c for c in _all_cases() if c["id"] == case_id)


def _options(case: dict[str, object], claim: str, **extra: object) -> CheckOptions:
    fields: dict[str, object] = dict(OPTIONS.get(str(case["id"]), {}))
    if case["y_domain"] == "class_index":
        fields["assume"] = ("onehot",)
    fields.update(extra)
    return CheckOptions(claim=claim, timeout=30, **fields)  # type: ignore[arg-type]


def _check(options: CheckOptions) -> CheckResult:
    return check_claim(options)


CASE_IDS = ["C02", "C05", "C11", "C18", "C20", "C21", "C24", "C28", "C31", "C39"]
ALL_IDS = [*CASE_IDS, *(f"V{n:02d}" for n in range(1, 31))]

#: The dev claims the reader does not judge, each with why. They must be refused (bad input, exit 2), never
#: given a verdict: a refusal beats a wrong verdict.
MISSES: dict[str, str] = {
    "V07": "a gradient through a hidden layer (sigma'(t), W^{(1)}): the model has one layer",
    "V29": "a Julia loop over the layers (nlayers:-1:1) whose count the code does not fix",
}


def test_the_dev_files_have_the_forty_cases() -> None:
    assert [case["id"] for case in _all_cases()] == ALL_IDS


def _claim_text(case: dict[str, object]) -> str:
    return str(case["claim_latex"])


@pytest.mark.parametrize("case_id", ALL_IDS)
def test_dev_claim_verdict(case_id: str) -> None:
    case = _case(case_id)
    options = _options(case, _claim_text(case))
    if case_id in MISSES:
        with pytest.raises(DeriveError):
            _check(options)
        return
    result = _check(options)
    assert result.verdict == EXPECTED[str(case["verdict"])], (result.verdict, result.explanation)
    if result.verdict == "holds_if":
        assert result.condition is not None and "sum to 1" in result.condition
    if result.verdict == "fails":
        assert result.counterexample is not None
        assert result.counterexample["claimed"] != result.counterexample["true"]


def test_at_least_38_of_the_40_dev_claims_get_their_recorded_verdict() -> None:
    assert len(MISSES) <= 2, MISSES


#: The cases with a chain of steps (C31's steps use \\text{repeated row}, prose rather than mathematics).
CHAIN_IDS = [
    "C02",
    "C05",
    "C11",
    "C28",
    "V06",
    "V08",
    "V11",
    "V15",
    "V16",
    "V18",
    "V20",
    "V22",
    "V23",
    "V27",
    "V28",
]


def test_the_chain_cases_are_every_case_with_steps() -> None:
    with_steps = [c["id"] for c in _all_cases() if c.get("steps") and c["id"] != "C31"]
    assert with_steps == CHAIN_IDS


def _joined(case: dict[str, object]) -> str:
    steps = [str(step) for step in case["steps"]]  # type: ignore[union-attr]
    if case.get("claim_format", "latex") == "latex":
        return " \\\\ ".join(steps)
    return "\n".join(steps)


@pytest.mark.parametrize("case_id", CHAIN_IDS)
def test_dev_chain_first_wrong_step(case_id: str) -> None:
    case = _case(case_id)
    steps = case["steps"]
    assert isinstance(steps, list)
    result = _check(_options(case, _joined(case)))
    assert len(result.steps) == len(steps) - 1 or len(result.steps) == len(steps)
    offset = len(steps) - len(result.steps)
    expected = case["first_wrong_step"]
    assert result.first_wrong_step == (None if expected is None else int(expected) - offset), [
        (s.index, s.verdict, s.explanation) for s in result.steps
    ]
    conditional = {int(c) - offset for c in case["conditional_steps"]}  # type: ignore[union-attr]
    for step in result.steps:
        if step.index in conditional:
            assert step.verdict == "holds_if", (step.index, step.explanation)
        elif expected is None:
            assert step.verdict in ("holds", "unreadable"), (step.index, step.explanation)


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
    # the case says z = W^T x + b: W is D x K, the slide's K x D is its transpose (fails, and says so)
    claim = r"(y(x) - 1_t) x^T"
    wrong = _check(CheckOptions(claim, let=("y(x)=a",), wrt="W", assume=("onehot",), convention="Wt_x"))
    assert wrong.verdict == "fails" and "its transpose holds" in wrong.explanation
    # with no convention said, the shape says z = W x + b, and the reading says so
    shaped = _check(CheckOptions(r"(y(x) - 1_t) x^T", let=("y(x)=a",), wrt="W", assume=("onehot",)))
    assert shaped.verdict == "holds"
    assert any("z = W x + b: the text's shapes fit it" in choice for choice in shaped.choices)


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
        assert any(
            entry["page"] == "P" and entry["canonical"] == "y" and entry["guessed"]
            for entry in result.mapping
        )


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
    assert chain.first_wrong_step == 0
    # softmax'(z) is the derivative of softmax(z) by z, its vectors read entry-wise (the note says so)
    assert chain.steps[1].verdict == "fails"
    assert any("entry-wise" in note for note in chain.notes)


@pytest.mark.parametrize(
    "claim",
    [
        r"\frac{\partial \text{CE}(y^{(i)}, \hat{y}^{(i)})}{\partial z^{(i)}_j} = \hat{y}^{(i)} - y^{(i)}",
        r"\nabla_{z^{(i)}} \text{CE}(y^{(i)}, \hat{y}^{(i)}) = \text{softmax}(z^{(i)}) - y^{(i)}",
    ],
)
def test_blog_final_result_holds_if_the_targets_sum_to_one(claim: str) -> None:
    result = _check(CheckOptions(claim))
    assert result.verdict == "holds_if"
    assert result.condition is not None and "sum to 1" in result.condition


def test_the_benchmark_lines_carry_the_options_of_this_table() -> None:
    from dev_claims_jsonl import lines

    for line, case_id in zip(lines(), ALL_IDS, strict=True):
        data = json.loads(line)
        assert data.pop("id") == case_id
        case = _case(case_id)
        assert CheckOptions.from_mapping(data) == _options(case, _claim_text(case))
