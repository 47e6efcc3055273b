"""`derive check` end to end: exit codes, formats, notation guesses, assumptions, the API, batch mode."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from derive.claims import CheckResult, check
from derive.claims.command import add_check_arguments, run_check
from derive.claims.mapping import CONTEXT_RULES, GUESSES
from derive.claims.report import render_markdown, render_text
from derive.claims.run import check_batch
from derive.errors import DeriveError, NotationError


def run(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    add_check_arguments(parser)
    args = parser.parse_args(list(argv))
    out, err = io.StringIO(), io.StringIO()
    code = run_check(args, out, err)
    return code, out.getvalue(), err.getvalue()


GRADIENT = r"\frac{\partial H}{\partial z_j} = a_j - y_j"


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        ((GRADIENT, "--assume", "onehot"), 0),
        ((GRADIENT, "--assume", "sum-to-one"), 0),
        ((GRADIENT,), 4),
        ((r"\frac{\partial H}{\partial z_j} = y_j - a_j",), 1),
        ((r"\frac{\partial H}{\partial z_j} = \alpha_j",), 2),
        (("a_j - y_j", "--wrt", "z_j", "--assume", "onehot"), 0),
    ],
)
def test_exit_codes(argv: tuple[str, ...], code: int) -> None:
    assert run(*argv)[0] == code


def test_json_output_has_the_documented_fields() -> None:
    code, out, _ = run(r"\frac{\partial L}{\partial o_k} = p_k - y_k", "--format", "json")
    data = json.loads(out)
    assert code == 4
    for key in ("verdict", "condition", "counterexample", "mapping", "steps", "first_wrong_step"):
        assert key in data
    assert data["verdict"] == "holds_if"
    readings = {entry["page"]: entry["canonical"] for entry in data["mapping"]}
    assert readings == {"L": "H", "o": "z", "p": "a", "y": "y"}  # every symbol, canonical letters too
    assert [entry["page"] for entry in data["mapping"] if not entry["guessed"]] == ["y"]
    assert next(e for e in data["mapping"] if e["page"] == "y")["reason"] == "canonical"
    assert data["steps"][0]["latex"] == "p_{k} - y_{k}"


def test_lines_starting_with_equals_are_checked_against_each_other_or_by_wrt() -> None:
    # the left side elided: without --wrt the steps are checked against each other (noted)
    code, out, _ = run("= a_j - y_j\n= p_j - t_j", "--format", "json")
    assert code == 0 and any("left side is elided" in note for note in json.loads(out)["notes"])
    code, _, err = run("= a_j - y_j")
    assert code == 2 and "--means" in err
    code, out, _ = run("= a_j - y_j\n= \\hat{y}_j - t_j", "--wrt", "z_j", "--format", "json")
    data = json.loads(out)
    assert code == 4 and len(data["steps"]) == 2


def test_unknown_symbol_names_it_and_suggests_a_let() -> None:
    code, out, err = run(r"\frac{\partial H}{\partial z_j} = \theta_j - y_j")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "theta" in err and "--let" in err


def test_let_overrides_a_guess() -> None:
    code, out, _ = run(
        r"\frac{\partial C}{\partial o_k} = Q_k - P_k",
        "--let",
        "o_k=z_k",
        "--let",
        "C=H",
        "--let",
        "P_j=y_j",
        "--let",
        "Q_j=a_j",
        "--format",
        "json",
    )
    data = json.loads(out)
    assert code == 4
    assert not any(entry["guessed"] for entry in data["mapping"])


def test_bare_e_partial_and_mathrm_never_become_variables() -> None:
    for text in (
        r"\frac{\partial H}{\partial z_j} = e a_j - y_j",
        r"\partial = a_j",
        r"\frac{\partial H}{\partial z_j} = \mathrm{e} - y_j",
    ):
        code, _, err = run(text)
        assert code == 2 and err.startswith("derive: ")


def test_tables_are_consistent() -> None:
    assert set(CONTEXT_RULES) <= set(GUESSES)


def test_sigmoid_bce() -> None:
    assert run(r"L'(u) = \sigma(u) - p", "--loss", "sigmoid-bce")[0] == 0
    assert run(r"L'(u) = p - \sigma(u)", "--loss", "sigmoid-bce")[0] == 1


def test_convention_w_x() -> None:
    claim = r"\frac{\partial H}{\partial W_{ji}} = (a_j - y_j) x_i"
    assert run(claim, "--convention", "W_x", "--assume", "onehot")[0] == 0
    # without the option, the index conflict of the default convention is resolved by the W_x reading,
    # which is shown as the reading's choice
    code, out, _ = run(claim, "--assume", "onehot")
    assert code == 0 and "reading: z = W x + b" in out


def test_vector_forms() -> None:
    assert run("x (a - y)^T", "--wrt", "W", "--assume", "onehot")[0] == 0
    assert run(r"\frac{\partial a}{\partial z} = \text{diag}(a) - a a^T")[0] == 0
    assert run(r"\frac{\partial H}{\partial z} = W^T x")[0] == 1


def test_text_and_markdown_reports() -> None:
    result = check(
        r"\frac{\partial H}{\partial W_{i,j}} = -P_j(x)(1-a_j(x))x_i",
        at=("x=[1.9,0.4]", "W=[[0.1,0.5],[0.1,0.5]]", "y=[1,0]"),
    )
    assert isinstance(result, CheckResult)
    text = render_text(result)
    assert "verdict: fails" in text and "1.35858" in text and "$" not in text
    markdown = result._repr_markdown_()
    assert markdown == render_markdown(result)
    assert "❌" in markdown and "$i = 1,\\ j = 2$" in markdown


def test_api_raises_on_bad_notation() -> None:
    with pytest.raises(NotationError):
        check(r"\frac{\partial H}{\partial z_j} = \theta_j")


def test_at_with_wrong_shapes_is_bad_input() -> None:
    code, _, err = run(GRADIENT, "--at", "z=[1,2]", "--at", "y=[1,0,0]")
    assert code == 2 and err.count("\n") == 1


def test_batch_mode(tmp_path: Path) -> None:
    lines = [
        {"claim": GRADIENT, "assume": ["onehot"], "id": "a"},
        "this is not json",
        {"claim": r"\frac{\partial H}{\partial z_j} = y_j - a_j"},
        {"claim": "a_j - y_j", "wrt": "z_j", "let": []},
        {"claim": GRADIENT, "bogus": 1},
    ]
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    out = io.StringIO()
    status = check_batch(path, out)
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert status == 2
    assert [r.get("verdict", "error") for r in results] == ["holds", "error", "fails", "holds_if", "error"]
    assert [r["line"] for r in results] == [1, 2, 3, 4, 5]
    assert results[0]["id"] == "a"
    assert results[1]["exit_code"] == 2


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\frac{\partial L}{\partial z_i} = \text{softmax}(z)_i - y_i", "holds_if"),
        (r"\frac{\partial \ell}{\partial z_k} = \sigma(z)_k - y_k", "holds_if"),
        (r"\frac{\partial L}{\partial z_i} = \text{softmax}(z)_j - y_i", "fails"),
    ],
)
def test_an_entry_of_the_softmax_written_after_the_call_is_understood(claim: str, verdict: str) -> None:
    assert check(claim).verdict == verdict


@pytest.mark.parametrize(
    ("loss", "claim", "verdict"),
    [
        (
            "label-smoothing",
            r"\frac{\partial L}{\partial z_i} = p_i - (1-\epsilon) y_i - \frac{\epsilon}{k}",
            "holds_if",
        ),
        ("label-smoothing", r"\frac{\partial L}{\partial z_i} = p_i - y_i", "fails"),
        ("temperature", r"\frac{\partial L}{\partial z_i} = \frac{p_i - y_i}{T}", "holds_if"),
        ("temperature", r"\frac{\partial L}{\partial z_i} = p_i - y_i", "fails"),
        (
            "weight-decay",
            r"\frac{\partial L}{\partial W_{ij}} = x_i (p_j - y_j) + \lambda W_{ij}",
            "holds_if",
        ),
        ("weight-decay", r"\frac{\partial L}{\partial W_{ij}} = x_i (p_j - y_j)", "fails"),
        # a batch: the penalty once, beside the mean of the examples' losses (it was left out), and the
        # smoothed targets of every example (they were the plain ones)
        ("weight-decay", r"\frac{\partial L}{\partial W} = \frac{1}{N} X^T (A - Y) + \lambda W", "holds_if"),
        ("weight-decay", r"\frac{\partial L}{\partial W} = \frac{1}{N} X^T (A - Y)", "fails"),
        ("label-smoothing", r"\frac{\partial L}{\partial Z} = \frac{1}{N} (A - Y)", "fails"),
        (
            "label-smoothing",
            r"\frac{\partial L}{\partial Z} = \frac{1}{N} (A - (1 - \epsilon) Y - \frac{\epsilon}{k})",
            "holds_if",
        ),
    ],
)
def test_claims_about_the_loss_variants_are_checked_with_their_parameters(
    loss: str, claim: str, verdict: str
) -> None:
    result = check(claim, loss=loss)
    assert result.verdict == verdict
    if verdict == "fails":
        assert result.counterexample is not None


#: Checks the claims twice in one fresh process: the first check forks a cold worker, the warm-up runs
#: before the second worker, so the second round of checks runs in warm workers.
_COLD_THEN_WARM = """
import json, sys
from derive.claims import check
import derive.claims.run as run
claims = json.loads(sys.argv[1])
cold = [check(claim).as_dict() for claim in claims[:1]]
rounds = [[check(claim).as_dict() for claim in claims] for _ in range(2)]
assert run._warm
print(json.dumps({"cold": cold, "rounds": rounds}))
"""


def test_a_warmed_process_gives_the_same_results_as_a_cold_worker() -> None:
    claims = [
        r"\frac{\partial L}{\partial z_i} = a_i - y_i",
        r"\frac{\partial L}{\partial z_j} = a_j (1 - a_j)",
        "dL/dW = x (a - y)^T",
        "dscores = probs.copy()\ndscores[range(N), y] -= 1\ndscores /= N",
    ]
    done = subprocess.run([sys.executable, "-c", _COLD_THEN_WARM, json.dumps(claims)],
                          capture_output=True, text=True, timeout=300, check=True)
    results = json.loads(done.stdout)
    first_cold, first_warm = results["cold"][0], results["rounds"][1][0]
    assert first_cold == first_warm
    assert results["rounds"][0] == results["rounds"][1]
    assert {result["verdict"] for result in results["rounds"][1]} >= {"holds_if", "fails"}


@pytest.mark.parametrize(
    ("claim", "verdicts"),
    [
        # the penalty's scale is not written: (lambda/2) ||W||^2 and lambda ||W||^2 are both judged
        (r"\frac{\partial L}{\partial W_{ij}} = x_i (a_j - y_j) + \lambda W_{ij}", ["fails", "holds_if"]),
        (r"\frac{\partial L}{\partial W} = x (a - y)^T + 2\lambda W", ["fails", "holds_if"]),
        (r"\frac{\partial L}{\partial W} = x (y - a)^T + \lambda W", ["fails", "fails"]),
        (
            "dS = probs.copy()\ndS[range(N), y] -= 1\ndW = X.T.dot(dS) / N\ndW += reg * W\n",
            ["fails", "holds"],
        ),
    ],
)
def test_a_penalty_term_in_a_gradient_by_w_reads_the_loss_as_weight_decay(
    claim: str, verdicts: list[str]
) -> None:
    result = check(claim)
    assert sorted(str(r["verdict"]) for r in result.readings) == verdicts
    assert any("says the loss has an L2 penalty on W" in note for note in result.notes)
    assert result.verdict == ("fails" if verdicts == ["fails", "fails"] else "ambiguous")
    # the user's own --loss weight-decay keeps the one scale derive documents, (lambda / 2) ||W||^2
    if "2\\lambda" not in claim and "y - a" not in claim:
        assert check(claim, loss="weight-decay").verdict in ("holds", "holds_if")


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("dp_i/dz_j = p_i * (1 - p_j) if i == j else p_i * p_j", "fails"),
        ("dp_i/dz_j = p_i * (1 - p_j) if i == j else -p_i * p_j", "holds"),
        (r"\frac{\partial p_i}{\partial z_j} = p_i(1-p_i) \text{ if } i = j \text{ else } p_i p_j", "fails"),
        (r"\frac{\partial p_i}{\partial z_j} = p_i(1-p_i) \text{ if } i = j \text{ else } -p_i p_j", "holds"),
        ("dL/dz_j = p_j - 1 when j = y, otherwise p_j + 1", "fails"),
    ],
)
def test_the_formula_after_else_is_the_other_branch(claim: str, verdict: str) -> None:
    # the else branch was dropped and the claim judged where its condition holds only (a wrong holds)
    assert check(claim).verdict == verdict


def test_a_formula_after_else_that_does_not_read_is_refused_not_dropped() -> None:
    for claim in ("dp_i/dz_j = p_i * (1 - p_j) if i == j else p_i *", "dp_i/dz_j = p_i if i == j else so"):
        with pytest.raises(DeriveError):
            check(claim)


DP = r"\frac{\partial p_i}{\partial z_j} = "


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (DP + r"p_i(1-p_i) \text{ if } i=j \text{ and } -p_ip_j \text{ if } i\neq j", "holds"),
        ("dp_i/dz_j = p_i(1-p_i) if i=j; -p_i p_j if i!=j", "holds"),
        ("dp_i/dz_j = p_i(1-p_i) (i=j), -p_i p_j (i!=j)", "holds"),
        (DP + r"p_i(1-p_i) \text{ for } i=j, \quad p_ip_j \text{ for } i\neq j", "fails"),
    ],
)
def test_an_expression_with_its_own_condition_is_the_next_branch(claim: str, verdict: str) -> None:
    # the second branch had no left side and the text was refused
    assert check(claim).verdict == verdict


@pytest.mark.parametrize(
    "remark",
    [
        r"\quad\text{(one-hot } y\text{)}",
        r"\quad (\text{one-hot } y)",
        r"\quad\text{(for one-hot } y\text{)}.",
    ],
)
def test_a_remark_in_parentheses_around_a_symbol_is_one_remark(remark: str) -> None:
    # the symbol inside split the remark: its y was a second formula with no left side (refused)
    assert check(r"\frac{\partial L}{\partial z_j} = p_j - y_j " + remark).verdict == "holds_if"


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [("z = Wx + b", "holds"), ("Z = XW + b", "holds"), ("dL/dx = W^T (softmax(Wx + b) - y)", "holds_if")],
)
def test_the_weights_typed_beside_the_input_in_plain_text_are_a_product(claim: str, verdict: str) -> None:
    # "Wx" was one unknown name in plain text (refused)
    assert check(claim).verdict == verdict


def test_eps_in_plain_text_is_epsilon() -> None:
    # "eps" was an unknown symbol; epsilon and ε were read
    result = check("dL/dz_i = p_i - (1 - eps) y_i - eps/k", loss="label-smoothing")
    assert result.verdict == check("dL/dz_i = p_i - (1 - ε) y_i - ε/k", loss="label-smoothing").verdict
    assert result.verdict == "holds_if"


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [("dsigma/dz = sigma(z)*(1-sigma(z))", "holds"), ("dsigma/dz = sigma(z)*(1+sigma(z))", "fails")],
)
def test_sigma_spelled_out_in_plain_text_is_the_sigmoid_as_sigma_is(claim: str, verdict: str) -> None:
    # the σ spelling read the sigmoid's derivative; "sigma" was refused (a k x k Jacobian against a vector)
    assert check(claim).verdict == verdict


def test_a_texts_own_definition_of_a_guessed_letter_is_applied_to_its_other_equations() -> None:
    # "Let u_k = e^{z_k}": u was guessed as the logits and the definition judged as a claim: a wrong fails
    text = r"Let $u_k = e^{z_k}$. Then $\frac{\partial H}{\partial z_k} = \frac{u_k}{\sum_j u_j} - y_k$"
    result = check(text)
    assert result.verdict == "holds_if" and not result.parts
    assert any("the text's own definition" in note and "u_k = e^{z_k}" in note for note in result.notes)
    # label smoothing's q written after the claim: q had been read as the output and p as the targets
    smoothed = check("∂L/∂zᵢ = pᵢ − qᵢ, qᵢ = (1−ε)yᵢ + ε/K", loss="label-smoothing", assume=("onehot",))
    assert smoothed.verdict == "holds"
    # the model's own letters are still judged: a_j = e^{z_j} is a false claim, not a definition
    judged = check(r"$a_j = e^{z_j}$ and $\frac{\partial H}{\partial z_j} = a_j - y_j$")
    assert judged.verdict == "fails"


@pytest.mark.parametrize(
    ("claim", "define"),
    [
        (r"\frac{\partial L}{\partial z_k} = p_k - 1\{k = y\}", (r"L = -\log(p_y)",)),
        ("dNLL/dz = softmax(z) - onehot(y)", ("NLL = -log_softmax(z)[y]",)),
        (r"\frac{\partial L}{\partial z_i} = w_c (p_i - y_i)", (r"L = -\sum_k w_k y_k \log p_k",)),
    ],
)
def test_a_defined_loss_at_the_true_class_is_proved_for_every_class(claim: str, define: tuple[str]) -> None:
    # delta(c, j) e^{z_j - z_c} was not seen to be delta(c, j): each was undecided
    result = check(claim, define=define, assume=("onehot",))
    assert result.verdict == "holds" and "proved symbolically" in result.explanation
    wrong = check(claim.replace("p_", "2 p_", 1).replace("softmax(z)", "2 softmax(z)"), define=define)
    assert wrong.verdict == "fails"


@pytest.mark.parametrize(
    ("claim", "define", "verdict"),
    [
        # distillation with the student's and the teacher's softmax in the same --define
        (
            r"\frac{\partial L}{\partial s_i} = T (p_i - q_i)",
            r"L = T^2 \sum_i q_i \log\frac{q_i}{p_i}, \quad p = \mathrm{softmax}(s/T), \quad q = "
            r"\mathrm{softmax}(t/T)",
            "holds",
        ),
        # label smoothing: eps/K is right, eps/(K-1) is not (both failed: q was read as the output)
        (
            r"\frac{\partial L}{\partial z_k} = p_k - (1-\epsilon) y_k - \epsilon/K",
            r"L = -\sum_k q_k \log p_k, \quad q_k = (1-\epsilon) y_k + \epsilon/K",
            "holds",
        ),
        (
            r"\frac{\partial L}{\partial z_k} = p_k - (1-\epsilon) y_k - \epsilon/(K-1)",
            r"L = -\sum_k q_k \log p_k, \quad q_k = (1-\epsilon) y_k + \epsilon/K",
            "fails",
        ),
        # a definition after "\text{with }"
        (
            r"\frac{\partial L}{\partial z_k} = 2(q_k - y_k)",
            r"L = -\sum_k y_k \log q_k, \quad \text{with } q_k = \frac{e^{2z_k}}{\sum_j e^{2z_j}}",
            "holds",
        ),
        # z-loss, its partition function after "where"
        (
            r"\frac{\partial L}{\partial z_i} = 2 \log(Z) p_i",
            r"L = (\log Z)^2 \text{ where } Z = \sum_j e^{z_j}",
            "holds",
        ),
    ],
)
def test_a_define_with_several_definitions_is_read_as_each(claim: str, define: str, verdict: str) -> None:
    # the definitions after the first were dropped and their symbols guessed: wrong fails
    result = check(claim, define=(define,), assume=("onehot",), notation="p = softmax(z)")
    assert result.verdict == verdict


def test_words_that_define_z_as_the_partition_function_define_it() -> None:
    # "Z = sum_j exp(z_j)": Z was read as the batch's logits (no finite value)
    words = "Z = sum_j exp(z_j), p = softmax(z)"
    result = check("dL_z/dz_i = 2 log(Z) p_i", define=("L_z = (log Z)^2",), notation=words)
    assert result.verdict == "holds"
    assert check("dL_z/dz_i = log(Z) p_i", define=("L_z = (log Z)^2",), notation=words).verdict == "fails"


def test_softmax_of_the_logits_at_a_temperature_is_the_softmax_at_one() -> None:
    # under --loss temperature the output is softmax(z/T): softmax(z) was read as it, a wrong holds of the
    # "forgot z/T" mistake
    options = {"loss": "temperature", "assume": ("onehot",)}
    assert check("dL/dz_i = (softmax(z)_i - y_i)/T", **options).verdict == "fails"  # type: ignore[arg-type]
    assert check("dL/dz_i = (softmax(z/T)_i - y_i)/T", **options).verdict == "holds"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("chain", "options"),
    [
        (
            "dL/dz_j = (dL/dp_y)(dp_y/dz_j) = (-1/p_y)(-p_y p_j) = p_j",
            {"define": (r"L = -\log p_y",), "where": ("j != y",)},
        ),
        ("dL/dz_j = dL/dp_y · dp_y/dz_j = (-1/p_y)(p_y(1 - p_y))", {"where": ("j = y",)}),
    ],
)
def test_the_chain_rule_through_the_true_class_is_one_term(chain: str, options: dict[str, object]) -> None:
    # y repeated in dL/dp_y dp_y/dz_j was summed as the chain rule's implied sum: true chains failed
    result = check(chain, **options)  # type: ignore[arg-type]
    assert result.verdict == "holds"
    assert check(chain.replace("(-1/p_y)", "(1/p_y)"), **options).verdict == "fails"  # type: ignore[arg-type]


@pytest.mark.parametrize("claim", ["d/dx BCEWithLogits(x, y) = sigmoid(x) - y", "dL/dx = sigmoid(x) - y"])
def test_the_sigmoid_of_the_input_itself_reads_it_as_the_logits(claim: str) -> None:
    # x was the features, and PyTorch's loss name BCEWithLogits the logits: each true claim failed
    result = check(claim)
    assert result.verdict == "holds" and any("x=z" in choice for choice in result.choices)
    assert check(claim.replace("sigmoid(x) - y", "2 sigmoid(x) - y")).verdict == "fails"


def test_a_row_vector_outer_product_of_example_i_reads_i_as_the_example() -> None:
    # cs231n's x_i^T (p_i - y_i): x was read as the logits, and the right gradient was a wrong fails
    right = r"\frac{\partial L_i}{\partial W} = x_i^T(p_i - y_i)"
    result = check(right, assume=("onehot",), notation="x_i is row i of X (1 x D), Z = XW + b")
    assert result.verdict == "holds" and any("example index" in choice for choice in result.choices)
    assert check(right.replace("- y_i", "- 2 y_i"), assume=("onehot",)).verdict == "fails"
    # a column vector times a row: (p_n - y_n) x_n^T with z = W x + b
    column = r"\frac{\partial L_n}{\partial W} = (p_n - y_n) x_n^T"
    assert check(column, assume=("onehot",), convention="W_x").verdict == "holds"


@pytest.mark.parametrize(
    "text", [r"L = \frac{1}{N}\sum_{i=1}^N L_i", r"E = \sum_{n=1}^N E_n", r"J = \frac{1}{m}\sum_i \ell^{(i)}"]
)
def test_a_batch_loss_by_its_examples_losses_is_a_definition(text: str) -> None:
    # the examples' losses were read as the whole loss: L = 1/N sum L_i was "holds if y is one-hot on
    # classes 1, 2", E = sum E_n a wrong fails
    from derive.errors import DefinitionNotClaimError

    with pytest.raises(DefinitionNotClaimError, match="examples' losses"):
        check(text)


def test_an_examples_loss_summed_in_a_gradient_is_refused() -> None:
    # 1/N sum_i dL_i/dW read L_i as the whole loss: a true identity (linearity) was a wrong fails
    with pytest.raises(NotationError, match="loss of one example"):
        check(r"\frac{\partial L}{\partial W} = \frac{1}{N}\sum_{i=1}^N \frac{\partial L_i}{\partial W}")


@pytest.mark.parametrize(
    "text",
    [
        r"L = -\frac{1}{N}\sum_{n=1}^N \sum_k y_{nk} \log a_{nk}",
        r"L = -\frac{1}{N}\sum_{n=1}^N \sum_{k=1}^K Y_{nk} \log P_{nk}",
    ],
)
def test_a_batch_loss_written_entry_by_entry_is_proved(text: str) -> None:
    # y_{nk} in a loss read its n as a class (a nonsense holds_if); the double sum was undecided
    result = check(text)
    assert result.verdict == "holds" and "proved symbolically" in result.explanation
    assert check(text.replace(r"\frac{1}{N}", r"\frac{2}{N}")).verdict == "fails"


@pytest.mark.parametrize(
    "penalty", [r"\lambda \sum_{i,j} W_{ij}^2", r"\lambda \sum_{ij} W_{ij}^2", "λ Σ_ij W_ij²"]
)
def test_a_double_sum_in_one_subscript_sums_both_indices(penalty: str) -> None:
    # \sum_{i,j} was refused and Σ_ij summed i alone (j was read as the true class): an L2 penalty's
    # gradient failed
    words = "p = softmax(z), z = W^T x + b"
    loss = "-Σ_j y_j log p_j" if "Σ" in penalty else r"-\sum_j y_j \log p_j"  # plain text, or LaTeX
    define = (f"L = {loss} + {penalty}",)
    claim = r"\frac{\partial L}{\partial W_{ij}} = x_i (p_j - y_j) + 2 \lambda W_{ij}"
    assert check(claim, define=define, notation=words).verdict == "holds_if"
    assert check(claim.replace("2 \\lambda", "\\lambda"), define=define, notation=words).verdict == "fails"


def test_a_class_weight_w_in_a_definition_without_an_input_is_no_model_weight() -> None:
    # L = -w_y log a_y: w was read as the model's weights W (undecided, or a wrong fails)
    define = (r"L = -w_y \log a_y",)
    claim = r"\frac{\partial L}{\partial z_i} = w_y (a_i - \delta_{iy})"
    result = check(claim, define=define)
    assert result.verdict == "holds"
    assert any(e["page"] == "w" and e["canonical"] == "v" for e in result.mapping)
    assert check(claim.replace("- \\delta", "- 2\\delta"), define=define).verdict == "fails"


def test_an_examples_superscript_in_a_definition_fits_a_batch_in_columns() -> None:
    # Ng's J with y_k^{(i)} and dW = 1/m (A - Y) X^T (examples as columns): y_k^{(i)} was transposed with
    # the page's matrices, a wrong fails (and "no value for Y[3, 1]" with --assume onehot)
    define = (r"J = -\frac{1}{m}\sum_{i=1}^m\sum_{k} y_k^{(i)}\log a_k^{(i)}",)
    claim = r"\frac{\partial J}{\partial W} = \frac{1}{m}(A - Y)X^T"
    assert check(claim, define=define).verdict == "holds_if"
    assert check(claim, define=define, assume=("onehot",)).verdict == "holds"
    assert check(claim.replace("(A - Y)", "(Y - A)"), define=define, assume=("onehot",)).verdict == "fails"


@pytest.mark.parametrize(
    "claim", ["d/dx BCELoss(x, y) = sigmoid(x) - y", "d/dx binary_cross_entropy(x, y) = sigmoid(x) - y"]
)
def test_a_loss_of_probabilities_called_with_x_does_not_make_x_the_logits(claim: str) -> None:
    # these take probabilities: reading their x as the logits (as BCEWithLogits's) was a wrong holds
    assert check(claim).verdict == "fails"


def test_a_sentence_about_a_formula_ends_at_its_full_stop() -> None:
    # "with $p_k = ...$. Then $CLAIM$": the claim was read as part of the words after "with" and never
    # judged: a false claim got holds (from the first equation alone)
    text = (
        r"Let $L = -\sum_k y_k \log p_k$ with $p_k = \frac{e^{z_k}}{\sum_j e^{z_j}}$. "
        r"Then $\frac{\partial L}{\partial z_k} = p_k(1-p_k)$."
    )
    assert check(text).verdict == "fails"
    assert check(text.replace("p_k(1-p_k)", "p_k - y_k")).verdict == "holds_if"
