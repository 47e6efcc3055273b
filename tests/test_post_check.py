"""Whole posts checked end to end (`derive check --post`): the seed documents say exactly what the issue
lists, with no options; posts assembled from ../shared/claims-dev/ get the dev verdicts; the command line's
options override the post; the reports are MathJax-safe."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import pytest

from derive.claims import CheckResult
from derive.cli import main
from derive.errors import NotationError
from derive.post import PostOptions, PostResult, check_post
from derive.post.classify import Item
from derive.post.context import PageContext
from derive.post.judge import Judged, judge_items
from derive.post.report import render_post_markdown

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "derive" / "post" / "seeds"
POSTS = Path(__file__).resolve().parent / "posts"
SHARED = ROOT.parent / "shared"
EXPECTED = {"correct": "holds", "correct_if_onehot": "holds_if", "incorrect": "fails"}


@cache
def checked(path: Path) -> PostResult:
    return check_post(path.read_text(encoding="utf-8"), PostOptions(timeout=60))


def at_line(result: PostResult, line: int) -> Judged:
    return next(
        j for j in result.judged if j.item.line == line and j.item.kind in ("claim", "definition", "numeric")
    )


# ---- seed 000: the forum question and answer ------------------------------------------------------------

FORUM = SEEDS / "000_3a8642f5cabd059b.txt"


def test_the_shipped_seeds_are_the_shared_seeds() -> None:
    if not (SHARED / "seeds").is_dir():  # pragma: no cover - the shared folder is part of the workspace
        pytest.skip("../shared/seeds not found")
    for seed in SEEDS.glob("*.txt"):
        assert seed.read_bytes() == (SHARED / "seeds" / seed.name).read_bytes()


def test_the_forum_post_numbers_are_read_from_the_post() -> None:
    values = {v.name: v.value for v in checked(FORUM).context.values}
    assert values == {"x": [1.9, 0.4], "W": [[0.1, 0.5], [0.1, 0.5]], "b": [0.0, 0.0], "y": [1, 0]}


def test_the_questions_softmax_with_the_index_typo_is_not_the_softmax() -> None:
    softmax = at_line(checked(FORUM), 23)
    assert softmax.item.kind == "definition" and softmax.status == "fails"
    assert softmax.result is not None and "1/2 for every input" in softmax.result.explanation
    assert not softmax.applied


def test_the_askers_attempt_holds_only_if_y_is_one_hot_on_class_1() -> None:
    attempt = at_line(checked(FORUM), 59)
    assert attempt.status == "holds_if"
    assert attempt.result is not None and attempt.result.condition == "y is one-hot on class 1"


def test_the_answers_formula_fails_off_the_true_class_at_the_posts_own_numbers() -> None:
    answer = at_line(checked(FORUM), 72)
    assert answer.status == "fails" and answer.result is not None
    counterexample = answer.result.counterexample
    assert counterexample is not None and counterexample["source"] == "--at"
    assert counterexample["indices"] == {"i": 1, "j": 2}
    assert counterexample["claimed"] == 0 and round(float(counterexample["true"]), 5) == 1.35858  # type: ignore[arg-type]
    assert "j = c" in answer.result.explanation


def test_the_answers_first_wrong_step_drops_the_sum_over_k() -> None:
    answer = at_line(checked(FORUM), 72)
    assert answer.result is not None and answer.result.first_wrong_step == 1
    assert "\\sum" in answer.result.steps[0].latex and "\\sum" not in answer.result.steps[1].latex


def test_the_worked_numbers_are_compared_with_the_posts_values() -> None:
    result = checked(FORUM)
    assert at_line(result, 35).status == "holds"  # z_1 = ... = 0.23
    assert at_line(result, 37).status == "holds"  # a_1 = softmax(z_1) = 0.284958
    assert at_line(result, 47).status == "fails"  # H = -1.0 x log(0.715042): the class-2 term, P_2 = 0


def test_the_forum_report_has_a_summary_and_every_formula_in_order() -> None:
    result = checked(FORUM)
    assert [j.item.number for j in result.judged] == list(range(1, len(result.judged) + 1))
    assert result.summary.startswith(f"{result.count('fails')} of {len(result.checked)} checked claims fail")
    assert result.exit_code == 1


# ---- seed 001: the blog post ----------------------------------------------------------------------------

BLOG = SEEDS / "001_7609a2e8a9123ac9.txt"


def test_the_blogs_case_1_fails_for_the_wrong_classes_it_is_about() -> None:
    case_1 = at_line(checked(BLOG), 47)
    assert case_1.status == "fails"
    assert case_1.where is not None and case_1.where.condition == "j != c"
    assert checked(BLOG).context.true_class == "\\ell"


def test_the_blogs_conclusion_holds_if_the_targets_sum_to_1() -> None:
    for line in (24, 81):  # "we want to show" and the recombination
        conclusion = at_line(checked(BLOG), line)
        assert conclusion.status == "holds_if"
        assert conclusion.result is not None and "sum to 1" in (conclusion.result.condition or "")


# ---- posts assembled from the dev claims ----------------------------------------------------------------

#: post file -> (case id, line of the case's claim, {secondary key: line})
DEV_POSTS: dict[str, tuple[str, int, dict[str, int]]] = {
    "c02_matrix_calculus_blog.md": ("C02", 17, {"jacobian_cases": 13}),
    "c05_math_se_question.html": ("C05", 7, {}),
    "c18_softmax_layer_answer.md": ("C18", 11, {"cases": 6}),
    "c21_differentiation_question.md": ("C21", 13, {}),
    "v20_distillation_blog.md": ("V20", 13, {}),
    "v23_postnetwork_page.txt": ("V23", 17, {"dL_dyhat": 13}),
}


@lru_cache(maxsize=1)
def dev_cases() -> dict[str, dict[str, Any]]:
    cases: dict[str, dict[str, Any]] = {}
    for name in ("claims.json", "claims2.json"):
        path = SHARED / "claims-dev" / name
        if not path.exists():  # pragma: no cover - the shared folder is part of the workspace
            pytest.skip(f"{path} not found")
        cases.update({case["id"]: case for case in json.loads(path.read_text(encoding="utf-8"))["cases"]})
    return cases


@pytest.mark.parametrize("name", sorted(DEV_POSTS))
def test_a_post_assembled_from_a_dev_case_gets_the_dev_verdict(name: str) -> None:
    case_id, line, secondary = DEV_POSTS[name]
    case = dev_cases()[case_id]
    result = checked(POSTS / name)
    claim = at_line(result, line)
    assert claim.status == EXPECTED[case["verdict"]], (claim.status, claim.error, claim.result)
    if claim.result is not None and len(claim.result.steps) > 1 and case.get("steps"):
        assert claim.result.first_wrong_step == case["first_wrong_step"]
    for key, secondary_line in secondary.items():
        recorded = next(s for s in case["secondary_claims"] if s["key"] == key)
        assert at_line(result, secondary_line).status == EXPECTED[recorded["verdict"]]


# ---- the checking: options, retries, definitions (a stand-in checker records the calls) -----------------


class RecordingChecker:
    """Stands in for derive.claims.check: records each call, refuses what it is told to refuse (``refuse``
    returns the error message, or None)."""

    def __init__(self, refuse: Callable[[str, dict[str, Any]], str | None]) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refuse = refuse

    def __call__(
        self,
        claim: str,
        *,
        wrt: str | None = None,
        let: Any = (),
        assume: Any = (),
        convention: str = "Wt_x",
        loss: str = "softmax-ce",
        at: Any = (),
        classes: int | None = None,
        timeout: float = 10.0,
        define: Any = (),
        where: Any = (),
        means: str | None = None,
        syntax: str | None = None,
    ) -> CheckResult:
        options = {"at": tuple(at), "define": tuple(define), "where": tuple(where), "let": tuple(let)}
        self.calls.append((claim, options))
        message = self.refuse(claim, options)
        if message is not None:
            raise NotationError(message)
        return CheckResult(claim, "", "holds", None, None, None, (), (), None)


def _judge(text: str, checker: RecordingChecker, options: PostOptions | None = None) -> list[Judged]:
    from derive.post.classify import classify
    from derive.post.context import read_context
    from derive.post.extract import read_post

    post = read_post(text)
    items: list[Item] = [classify(n, s) for n, s in enumerate(post.math_and_code, start=1)]
    context: PageContext = read_context(post, items)
    return judge_items(items, context, options or PostOptions(), checker)


POST = (
    "With $$x=[1, 2]$$ and $$y=[0, 1]$$, let $$S = \\sum_t e^{z_t}$$.\n\n"
    "For $$j=1$$ we get\n\n$$\\frac{\\partial H}{\\partial z_j} = \\frac{e^{z_j}}{S} - y_j$$\n"
)


def test_the_claim_gets_the_posts_values_its_condition_and_the_definitions_it_writes() -> None:
    checker = RecordingChecker(lambda claim, options: None)
    _judge(POST, checker)
    claim, options = checker.calls[-1]
    assert claim.startswith("\\frac{\\partial H}")
    assert options["at"] == ("x=[1, 2]", "y=[0, 1]")
    assert options["where"] == ("j = 1",)
    assert options["define"] == ("S = \\sum_t e^{z_t}",)


def test_command_line_values_and_definitions_replace_the_posts() -> None:
    checker = RecordingChecker(lambda claim, options: None)
    _judge(POST, checker, PostOptions(at=("x=[3, 4]",), define=("S = 1",), where=("j != c",)))
    _, options = checker.calls[-1]
    assert options["at"] == ("x=[3, 4]",)
    assert options["define"] == ("S = 1",)
    assert options["where"] == ("j != c", "j = 1")


def test_values_that_do_not_fit_are_dropped_for_that_claim_only() -> None:
    def refuse(claim: str, options: dict[str, Any]) -> str | None:
        if options["at"] and "partial" in claim:
            return "--at W has shape 2x2, which does not fit x and y"
        return None

    checker = RecordingChecker(refuse)
    judged = _judge(POST, checker)
    claim = judged[-1]
    assert claim.status == "holds" and claim.at == ()
    assert any("values do not fit" in note for note in claim.notes)


def test_a_definition_the_checker_refuses_is_dropped_and_said_so() -> None:
    checker = RecordingChecker(
        lambda claim, options: "refused" if "S = \\sum_t e^{z_t}" in options["define"] else None
    )
    claim = _judge(POST, checker)[-1]
    assert claim.status == "holds"
    assert [(use.symbol, use.used) for use in claim.definitions] == [("S", False)]


# ---- the command line ------------------------------------------------------------------------------------


def _run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    import sys

    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = main(argv, out, err)
    finally:
        sys.stdin = old
    return code, out.getvalue(), err.getvalue()


def test_derive_check_post_reads_stdin_and_exits_with_the_worst_verdict() -> None:
    post = (
        "$$\\frac{\\partial H}{\\partial z_j} = a_j - y_j$$\n\n$$\\frac{\\partial H}{\\partial z_j} = 0$$\n"
    )
    code, out, err = _run(["check", "--post", "-", "--format", "json"], post)
    assert code == 1, err
    report = json.loads(out)
    assert [item["status"] for item in report["items"]] == ["holds_if", "fails"]
    assert report["summary"].startswith("1 of 2 checked claims fail")


def test_an_option_of_the_command_line_overrides_the_post() -> None:
    post = "$$\\frac{\\partial H}{\\partial z_j} = a_j - y_j$$\n"
    code, out, _ = _run(["check", "--post", "-", "--assume", "onehot"], post)
    assert code == 0 and "holds" in out


def test_a_post_and_a_claim_together_is_a_usage_error_in_one_line() -> None:
    code, out, err = _run(["check", "x", "--post", "-"], "")
    assert code == 2 and out == "" and err.count("\n") == 1 and "--post" in err


def test_a_post_with_no_formula_is_bad_input_in_one_line() -> None:
    code, _, err = _run(["check", "--post", "-"], "Just words, nothing to check.\n")
    assert code == 2 and err.startswith("derive: no formula") and err.count("\n") == 1


def test_a_missing_post_file_is_one_line() -> None:
    code, _, err = _run(["check", "--post", "/nonexistent/post.md"])
    assert code == 2 and err.startswith("derive: cannot read") and err.count("\n") == 1


# ---- MathJax-safe Markdown --------------------------------------------------------------------------------


def test_every_formula_of_the_post_reports_renders_with_mathjax() -> None:
    import subprocess

    from test_markdown_mathjax import HERE, _node_ready, formulas

    node = _node_ready()
    found: list[str] = []
    for path in (FORUM, BLOG, *sorted(POSTS.iterdir())):
        markdown = render_post_markdown(checked(path))
        found.extend(formulas(markdown))
    assert len(found) > 100
    result = subprocess.run(
        [node, str(HERE / "render.js")],
        input=json.dumps(sorted(set(found))),
        capture_output=True,
        text=True,
        cwd=HERE,
        timeout=300,
    )
    assert result.returncode == 0 and not json.loads(result.stdout or "[]"), result.stdout


def test_a_code_block_is_read_as_code_and_checked_with_means() -> None:
    post = "The backward pass:\n\n```python\ndef backward(self):\n    return self.probs - self.labels\n```\n"
    result = check_post(post, PostOptions(means="dH/dz", timeout=60))
    code = result.judged[0]
    assert code.item.kind == "code" and code.status == "holds_if", code.error


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("当 $i = j$ 时：", "当 $i \\neq j$ 时："),  # Chinese: "when i = j"
        ("$i = j$ のとき", "$i \\neq j$ のとき"),  # Japanese: "when i = j", the cue after the formula
    ],
)
def test_conditions_introduced_in_chinese_or_japanese_are_applied(first: str, second: str) -> None:
    # both were found as conditions but not applied: each case of the Jacobian got a wrong fails
    lhs = "\\frac{\\partial \\hat{y}_i}{\\partial z_j}"
    post = (
        f"{first}\n\n$${lhs} = \\hat{{y}}_i(1 - \\hat{{y}}_i)$$\n\n"
        f"{second}\n\n$${lhs} = -\\hat{{y}}_i \\hat{{y}}_j$$\n"
    )
    result = check_post(post, PostOptions(timeout=60))
    verdicts = [j.result.verdict for j in result.judged if j.item.kind == "claim" and j.result is not None]
    assert verdicts == ["holds", "holds"]


def test_a_formula_using_a_symbol_whose_definition_is_not_read_is_not_judged_with_a_guess() -> None:
    # q_k's definition is not read (an L1 norm): q guessed as the softmax output would judge another formula
    post = (
        "The target is $q_k = \\frac{y_k}{\\|y\\|_1}$ and the loss is $L = -\\sum_k q_k \\log p_k$ where "
        "$p = \\mathrm{softmax}(z)$. The gradient:\n\n$$\\frac{\\partial L}{\\partial z_k} = p_k - y_k$$\n"
    )
    result = check_post(post, PostOptions(timeout=60))
    claim = next(j for j in result.judged if j.item.kind == "claim")
    assert claim.result is None
    assert "defines q (item 1) in a way that is not read" in (claim.error or "")


@pytest.mark.parametrize(
    ("gradient", "verdict"),
    [("p_k - (1-\\epsilon)y_k - \\frac{\\epsilon}{K}", "holds_if"), ("p_k - y_k", "fails")],
)
def test_a_definitions_own_parameters_are_read_as_parameters(gradient: str, verdict: str) -> None:
    # q_k = (1 - epsilon) y_k + epsilon/K: epsilon is the definition's parameter (the definition was not
    # applied, and q guessed as the softmax output gave the right gradient a wrong fails)
    post = (
        "With label smoothing the target is $q_k = (1-\\epsilon)y_k + \\frac{\\epsilon}{K}$ and the loss is "
        "$L = -\\sum_k q_k \\log p_k$ where $p = \\mathrm{softmax}(z)$. The gradient:\n\n"
        f"$$\\frac{{\\partial L}}{{\\partial z_k}} = {gradient}$$\n"
    )
    result = check_post(post, PostOptions(timeout=60))
    claim = next(j for j in result.judged if j.item.kind == "claim")
    assert claim.result is not None and claim.result.verdict == verdict


@pytest.mark.parametrize(
    "post",
    [
        "Let $p=\\text{softmax}(z)$. We get $\\frac{\\partial p_i}{\\partial z_j} = -p_i p_j$ when "
        "$i \\neq j$.\n",
        "$$\\frac{\\partial p_i}{\\partial z_j} = -p_i p_j$$ for $i \\neq j$ and "
        "$$\\frac{\\partial p_i}{\\partial z_j} = p_i(1-p_i)$$ for $i = j$.\n",
        "For $i = j$:\n\n$$\\frac{\\partial q_i}{\\partial o_j} = q_i(1-q_i)$$\n\nOtherwise:\n\n"
        "$$\\frac{\\partial q_i}{\\partial o_j} = -q_i q_j$$\n",
    ],
)
def test_a_condition_after_its_formula_and_otherwise_apply_to_the_right_formula(post: str) -> None:
    # "... when $i \neq j$" was ignored and given to the next formula; "Otherwise:" was not a condition
    # (each was a wrong fails)
    result = check_post(post, PostOptions(timeout=60))
    claims = [j for j in result.judged if j.item.kind == "claim"]
    assert claims and all(j.result is not None and j.result.verdict == "holds" for j in claims)
    wrong_post = post.replace("-p_i p_j", "p_i p_j").replace("-q_i q_j", "q_i q_j")
    wrong = check_post(wrong_post, PostOptions(timeout=60))
    assert any(j.result is not None and j.result.verdict == "fails" for j in wrong.judged)


def test_a_convention_the_pages_definition_states_holds_for_every_formula() -> None:
    # z = W^T x + b stated once: (y_hat - y) x^T (the other convention's) was read with the shapes' z = W x
    post = (
        "We write $z = W^T x + b$ where $W$ is $d \\times k$, $\\hat{y} = \\text{softmax}(z)$ and "
        "$L = -\\sum_k y_k \\log \\hat{y}_k$.\n\n$$\\frac{\\partial L}{\\partial W} = (\\hat{y} - y) x^T$$\n"
    )
    result = check_post(post, PostOptions(timeout=60))
    claim = next(j for j in result.judged if j.item.kind == "claim")
    assert claim.result is None or claim.result.verdict == "fails"  # it was a wrong holds_if
    assert any("the page's definition" in note for note in claim.notes)
    right = check_post(post.replace("(\\hat{y} - y) x^T", "x (\\hat{y} - y)^T"), PostOptions(timeout=60))
    assert next(j for j in right.judged if j.item.kind == "claim").result.verdict == "holds_if"  # type: ignore[union-attr]


def test_an_equation_after_words_ending_in_a_colon_is_read_in_plain_text() -> None:
    # "In vector form: dL/dz = ..." was skipped without a word (a line that starts with prose)
    post = "The gradient is simple.\n\nIn vector form: dL/dz_i = p_i - y_i\n\nand not: dL/dz_i = p_i + y_i\n"
    result = check_post(post, PostOptions(timeout=60))
    verdicts = [j.result.verdict for j in result.judged if j.item.kind == "claim" and j.result is not None]
    assert verdicts == ["holds_if", "fails"]


@pytest.mark.parametrize(
    ("words", "after"),
    [
        ("I believe that not just for $i = j$ but for every pair of indices,", ""),
        ("My professor says the following holds for all $i, j$ and not only when $i = j$:", ""),
        ("Many people think this formula is only valid if $i = j$, but I am sure that", " for all entries."),
        ("It is wrong to assume $i = j$ only; for all $i$ and $j$:", ""),
    ],
)
def test_a_condition_the_words_deny_is_not_the_formulas_case(words: str, after: str) -> None:
    # "not just for $i = j$" was applied as the claim's condition: p_i(1 - p_i) was a wrong holds
    post = f"Let $p = \\operatorname{{softmax}}(z)$. {words}\n\n$$\\frac{{\\partial p_i}}{{\\partial z_j}} = "
    post += f"p_i(1 - p_i)$$\n{after}\n"
    result = check_post(post, PostOptions(timeout=60))
    claim = next(j for j in result.judged if j.item.kind == "claim")
    assert claim.result is not None and claim.result.verdict == "fails"
    # the same condition said plainly is the formula's case
    plain = check_post(post.replace(words, "For $i = j$:").replace(after, ""), PostOptions(timeout=60))
    claim = next(j for j in plain.judged if j.item.kind == "claim")
    assert claim.result is not None and claim.result.verdict == "holds"


def test_a_display_that_defines_two_symbols_defines_each() -> None:
    # q_i = ..., \qquad p_i = ...: q was defined by p's right side and p guessed: two right claims failed
    post = (
        "Student logits $z$, teacher logits $v$, temperature $T$. Define\n"
        "$$q_i = \\frac{e^{z_i/T}}{\\sum_j e^{z_j/T}}, \\qquad "
        "p_i = \\frac{e^{v_i/T}}{\\sum_j e^{v_j/T}}.$$\n\n"
        "The loss is $$\\mathcal{L}_{KD} = -T^2\\sum_i p_i\\log q_i .$$\n\n"
        "Then $$\\frac{\\partial \\mathcal{L}_{KD}}{\\partial z_i} = T(q_i - p_i).$$\n\n"
        "Wrong: $\\frac{\\partial \\mathcal{L}_{KD}}{\\partial z_i} = T^2(q_i - p_i)$.\n"
    )
    result = check_post(post, PostOptions(timeout=60))
    definitions = [j.item.symbol for j in result.judged if j.item.kind == "definition"]
    assert definitions[:2] == ["q", "p"]
    verdicts = [j.result.verdict for j in result.judged if j.item.kind == "claim" and j.result is not None]
    assert verdicts == ["holds", "fails"]


_JACOBIAN_DIAGONAL = "$$\\frac{\\partial p_i}{\\partial z_j} = p_i(1 - p_i)$$"


@pytest.mark.parametrize(
    ("words", "after", "verdict"),
    [
        # the condition is the formula's case: the diagonal entry holds
        ("Careful: the following only holds when $i = j$:", "", "holds"),
        ("This is only valid if $i = j$:", "", "holds"),
        ("Only the case $i = j$ is different:", "", "holds"),
        ("For $i = j$, instead of the quotient rule we can use the log trick and get", "", "holds"),
        ("In the case $i = j$:", "and this holds for all $i$.", "holds"),
        # the words deny it: the formula is said for every entry, and fails
        ("The formula doesn't just hold when $i = j$, it holds in general:", "", "fails"),
        ("Regardless of whether $i = j$ or not, we have", "", "fails"),
        ("My TA says we don't need to restrict to $i = j$; the formula", "is valid everywhere.", "fails"),
        ("The asker wrongly assumed $i = j$ throughout and concluded", "for the whole Jacobian.", "fails"),
        ("不仅当 $i = j$ 时，对所有 $i, j$ 都有", "", "fails"),
        ("It is wrong to assume that the following only holds for $i = j$:", "", "fails"),
    ],
)
def test_a_condition_is_the_case_unless_the_words_deny_it(words: str, after: str, verdict: str) -> None:
    # the first fix of denied conditions dropped conditions stated plainly ("only holds when"): wrong fails
    post = f"Let $p = \\operatorname{{softmax}}(z)$. {words}\n\n{_JACOBIAN_DIAGONAL}\n\n{after}\n"
    result = check_post(post, PostOptions(timeout=60))
    claim = next(j for j in result.judged if j.item.kind == "claim")
    assert claim.result is not None and claim.result.verdict == verdict


def test_the_variable_a_formula_differentiates_by_keeps_its_place() -> None:
    # Bishop: a_k = w_k^T phi was put in place of a in dE/da_j (phi sampled as a number): a wrong fails
    post = (
        "Let $a_k = \\mathbf{w}_k^T \\boldsymbol{\\phi}$ be the activations and "
        "$y_k = \\frac{\\exp(a_k)}{\\sum_j \\exp(a_j)}$. The error is $E = -\\sum_k t_k \\ln y_k$.\n\n"
        "$$\\frac{\\partial E}{\\partial a_j} = y_j - t_j$$\n\n"
        "$$\\frac{\\partial E}{\\partial a_j} = t_j - y_j$$\n"
    )
    result = check_post(post, PostOptions(timeout=60))
    verdicts = [j.result.verdict for j in result.judged if j.item.kind == "claim" and j.result is not None]
    assert verdicts == ["holds_if", "fails"]


def test_a_batch_loss_defined_as_a_sum_judges_the_gradients_of_the_sum() -> None:
    # the display defining L (a sum) and p_{nk} was one definition of L with p dropped; the claims then
    # came out holds_if (with 1/N) and ambiguous (without), or unread once p was split off
    post = (
        "My loss is the sum over the batch,\n\n"
        "$$L = -\\sum_{n=1}^{N}\\sum_{k=1}^{K} y_{nk}\\log p_{nk}, \\qquad "
        "p_{nk} = \\frac{\\exp(z_{nk})}{\\sum_{j}\\exp(z_{nj})},$$\n\nand I computed "
        "$\\frac{\\partial L}{\\partial z_{nk}} = \\frac{1}{N}(p_{nk} - y_{nk})$. For the sum, "
        "$\\frac{\\partial L}{\\partial z_{nk}} = p_{nk} - y_{nk}$.\n"
    )
    result = check_post(post, PostOptions(timeout=60))
    verdicts = [j.result.verdict for j in result.judged if j.item.kind == "claim" and j.result is not None]
    assert verdicts == ["fails", "holds_if"]


def test_conditions_said_in_prose_without_delimiters_or_by_the_class_are_applied() -> None:
    # "For i = j" typed without $, "in the case where $i$ is the correct class", "otherwise" after it and
    # "in the case where $k = c$" after its formula: each per-case formula was a wrong fails
    post = (
        "Let $\\hat{y} = \\mathrm{softmax}(z)$ and $J = -\\sum_k y_k \\log \\hat{y}_k$, $y$ one-hot.\n\n"
        "For i = j the softmax derivative is\n\n$$\\frac{\\partial \\hat{y}_i}{\\partial z_j} = \\hat{y}_i - "
        "\\hat{y}_i^2$$\n\nand for i ≠ j it is\n\n$$\\frac{\\partial \\hat{y}_i}{\\partial z_j} = "
        "-\\hat{y}_i\\hat{y}_j .$$\n\nIn the case where $k$ is the correct class,\n\n"
        "$$\\frac{\\partial J}{\\partial z_k} = \\hat{y}_k - 1,$$\n\notherwise\n\n"
        "$$\\frac{\\partial J}{\\partial z_k} = \\hat{y}_k.$$\n\nThe first one again:\n\n"
        "$$\\frac{\\partial J}{\\partial z_k} = \\hat{y}_k - 1$$\n\nin the case where $k = c$.\n"
    )
    result = check_post(post, PostOptions(timeout=60))
    verdicts = [j.result.verdict for j in result.judged if j.item.kind == "claim" and j.result is not None]
    assert verdicts == ["holds"] * 5


def test_a_batch_definition_z_equals_xw_states_the_convention_of_the_page() -> None:
    # Z = XW + b: the transposed (P - Y)^T X / N was read with z = W x + b, a wrong holds_if
    post = (
        "The logits of the batch are\n$$Z = XW + b$$\nwith $\\hat{Y} = \\mathrm{softmax}(Z)$ row-wise. Then\n"
        "$$\\nabla_W J = \\frac{1}{N}(\\hat{Y} - Y)^\\top X$$\n"
    )
    result = check_post(post, PostOptions(timeout=60))
    claim = next(j for j in result.judged if j.item.kind == "claim")
    assert claim.result is None or claim.result.verdict == "fails"


@pytest.mark.parametrize(
    ("first", "second"), [("For i = j:", "Otherwise:"), ("For i = j we have", "and for i != j")]
)
def test_a_line_that_states_a_case_in_words_is_a_condition(first: str, second: str) -> None:
    # "For i = j:" on its own line was read as an equation (i = j) and not applied: two wrong fails
    post = (
        f"{first}\n\n$$\\frac{{\\partial p_i}}{{\\partial z_j}} = p_i(1 - p_i)$$\n\n{second}\n\n"
        "$$\\frac{\\partial p_i}{\\partial z_j} = -p_i p_j$$\n"
    )
    result = check_post(post, PostOptions(timeout=60))
    verdicts = [j.result.verdict for j in result.judged if j.item.kind == "claim" and j.result is not None]
    assert verdicts == ["holds", "holds"]


def test_a_loss_defined_with_an_unbraced_calligraphic_letter_is_applied() -> None:
    from derive.post import PostOptions, check_post

    # \mathcal J(W, b) = ... defines J for the formulas that write \mathcal J (it was an "identity" and every
    # later claim was refused as an unknown symbol); the asker's transposed dW fails as the transpose
    post = (
        "Let $S = XW + \\mathbf 1\\mathbf b^T$ and $\\hat Y = \\operatorname{softmax}(S)$ row-wise. "
        "The loss is\n"
        "$$\\mathcal J(W,\\mathbf b) = -\\frac1n \\sum_{i=1}^n\\sum_{k=1}^c Y_{ik}\\log \\hat Y_{ik}.$$\n"
        "I got $$\\frac{\\partial \\mathcal J}{\\partial W} = \\frac1n (\\hat Y - Y)^T X$$\n"
        "but it is $$\\frac{\\partial \\mathcal J}{\\partial W} = \\frac1n X^T(\\hat Y - Y).$$\n"
    )
    result = check_post(post, PostOptions(timeout=60))
    verdicts = [j.result.verdict if j.result else j.error for j in result.judged if j.item.kind == "claim"]
    assert verdicts[-2:] == ["fails", "holds_if"], verdicts


def test_a_formula_typed_inside_a_sentence_is_judged() -> None:
    # "someone says it should be ∂L/∂z_i = y_i - p_i. Who is right?": the formula was not listed at all
    # (no formula found, or exit 0 beside the post's other formulas)
    post = "Let $p = \\mathrm{softmax}(z)$. Someone says it should be ∂L/∂z_i = y_i - p_i. Who is right?\n"
    result = check_post(post, PostOptions(timeout=60))
    claim = next(j for j in result.judged if j.item.kind == "claim")
    assert claim.item.text == "∂L/∂z_i = y_i - p_i"
    assert claim.result is not None and claim.result.verdict == "fails"


def test_two_definitions_in_one_formula_are_both_applied() -> None:
    # $p = softmax(z / T), L = -sum y log p$ was one definition of p whose L part was judged (a wrong fails)
    post = (
        "Let $p = \\mathrm{softmax}(z / T), L = -\\sum_i y_i \\log p_i$.\n\n"
        "$$\\frac{\\partial L}{\\partial z_k} = \\frac{1}{T}(p_k - y_k)$$\n"
    )
    result = check_post(post, PostOptions(timeout=60))
    assert [j.item.kind for j in result.judged] == ["definition", "definition", "claim"]
    assert all(j.result is None or j.result.verdict != "fails" for j in result.judged)
    assert result.judged[-1].result is not None and result.judged[-1].result.verdict == "holds_if"


@pytest.mark.parametrize(
    ("post", "verdict"),
    [
        ("With softmax, the gradient of the loss with respect to the logits is $p + y$.\n", "fails"),
        ("The derivative of the cross-entropy w.r.t. `z` is `p - y`, so simple!\n", "holds_if"),
    ],
)
def test_an_expression_the_words_call_the_gradient_is_judged(post: str, verdict: str) -> None:
    # it was a mention ("no '='"), not checked: a post could exit 0 beside a wrong gradient in words
    result = check_post(post, PostOptions(timeout=60))
    claim = next(j for j in result.judged if j.item.kind == "claim")
    assert claim.result is not None and claim.result.verdict == verdict


def test_an_indented_plain_text_derivative_is_a_claim_not_code() -> None:
    # Markdown's four-space indent made these C code ("c code not understood"); no code assigns to dL/dz_i
    post = (
        "Notation: z are the logits and p = softmax(z).\n\n"
        "The log-softmax's derivative is\n\n"
        "    d(log p_i)/dz_j = delta_ij - p_j\n\n"
        "and a common slip is\n\n"
        "    d(log p_i)/dz_j = 1 - p_j\n"
    )
    result = check_post(post, PostOptions(timeout=60))
    claims = [j for j in result.judged if j.item.kind == "claim"]
    assert [j.status for j in claims] == ["holds", "fails"], [j.item for j in result.judged]


def test_a_function_after_words_stays_in_the_formula() -> None:
    # "is log p_i = ..." lost its log: p_i = z_i - logsumexp(z) was a wrong fails
    from derive.claims import check

    assert check("Log-softmax is log p_i = z_i - logsumexp(z), and", let=("p=a",)).verdict == "holds"
    assert check("we get log p_i = z_i + logsumexp(z)", let=("p=a",)).verdict == "fails"
