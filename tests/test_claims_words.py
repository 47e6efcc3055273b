"""The page's words on its notation (``--notation``), and the code readings they and the notation allow.

The notes here are written for these tests in the styles pages use (prose "where ..." clauses, terse
docstring notes, equations such as ``p = softmax(x)``); corpus items are never copied into tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from derive.claims import check
from derive.claims.run import check_claim
from derive.claims.verdict import CheckOptions
from derive.claims.words import read_words
from derive.errors import ExpressionNotClaimError, NotationError, UsageError


@pytest.mark.parametrize(
    ("words", "lets"),
    [
        ("where o are the logits and t the one-hot labels", {"o=z", "t=y"}),
        ("s: softmax output; q = softmax(u)", {"s=a", "q=a", "u=z"}),
        ("Let $o_k$ denote the logits", {"o=z"}),
        (r"where \(\hat{y}\) is the softmax output", {r"\hat{y}=a"}),
        ("scores (N x C) class scores, probs (N x C) softmax probabilities", {"scores=z", "probs=a"}),
        ("Yhat = S = softmax(U), T one-hot (m x k)", {"Yhat=a", "S=a", "U=z", "T=y"}),
        ("f class scores, y_i correct class", {"f=z"}),
        # a vector listed by its entries: the vector's letter and its entries' letter (y was the targets)
        ("Y = [y_1,y_2,y_3] logits, P = softmax(Y), T one-hot labels", {"Y=z", "y=z", "P=a", "T=y"}),
        ("s = (s_1, ..., s_k) the scores", {"s=z"}),
    ],
)
def test_role_words_become_lets(words: str, lets: set[str]) -> None:
    assert {let for let, _ in read_words(words).lets} == lets


@pytest.mark.parametrize(
    "words",
    [
        "p probability of the true class, alpha class weight, gamma focusing parameter",
        "sigma softmax, s sigmoid",  # the functions, not their outputs
        "z_t teacher logits, v_i teacher scores",  # one entry / a teacher's / a parameter
        "dy upstream gradient, idx target index",
        "FL focal loss",  # a loss the built-in model is not
        "the post explains the quotient rule",
    ],
)
def test_words_without_a_role_give_nothing(words: str) -> None:
    found = read_words(words)
    assert found.lets == () and found.loss is None


def test_a_product_in_a_softmax_is_not_read_as_the_logits() -> None:
    assert [let for let, _ in read_words("P = softmax(XW)").lets] == ["P=a"]


@pytest.mark.parametrize(
    ("words", "where"),
    [
        ("s = softmax(o), for i != j", ["i != j"]),
        ("when i = j", ["i = j"]),
        (r"only for k \neq c (c the correct class)", ["k != c"]),
        ("j ≠ t", ["j != c"]),
        ("i = j", []),  # an equation alone may be a name's definition, not a case
        ("y = t", []),
    ],
)
def test_a_case_the_words_state_is_a_where(words: str, where: list[str]) -> None:
    assert [w for w, _ in read_words(words).where] == where


@pytest.mark.parametrize(
    ("words", "claim", "verdict"),
    [
        ("p = softmax(z), for i != j", r"\frac{\partial p_i}{\partial z_j} = -p_i p_j", "holds"),
        ("p = softmax(z), when i = j", r"\frac{\partial p_i}{\partial z_j} = p_i (1 - p_i)", "holds"),
        ("p = softmax(z), when i = j", r"\frac{\partial p_i}{\partial z_j} = -p_i p_j", "fails"),
        # a letter the words call the true class is that class, not any class
        ("p = softmax(z), c the true class", r"\frac{\partial L}{\partial z_c} = p_c - 1", "holds"),
        ("p = softmax(z), c the true class", r"\frac{\partial L}{\partial z_c} = p_c", "fails"),
    ],
)
def test_cases_and_the_true_class_in_words_are_applied(words: str, claim: str, verdict: str) -> None:
    result = check(claim, notation=words)
    assert result.verdict == verdict, result.as_dict()
    assert any("the page's words" in note for note in result.notes)


def test_words_that_say_column_vectors_keep_a_product_of_columns() -> None:
    # p^T p of columns is a number: never read as rows (an outer product) when the words say columns
    with pytest.raises(NotationError):
        check(r"J = \mathrm{diag}(p) - p^T p", notation="p = softmax(z) column vector, J its Jacobian")


def test_label_smoothing_in_words_is_the_loss() -> None:
    words = read_words("z logits, onehot one-hot labels, label smoothing eps, K classes")
    assert words.loss is not None and words.loss[0] == "label-smoothing"
    code = "smooth = (1 - eps) * onehot + eps / K\ngrad = softmax(z) - smooth\n"
    result = check(code, notation="z logits, onehot one-hot labels, label smoothing eps, K classes")
    assert result.verdict == "holds_if", result.as_dict()
    wrong = code.replace("eps / K", "eps")
    assert check(wrong, notation="z logits, onehot one-hot labels, label smoothing eps").verdict == "fails"


def test_cases_and_binary_models_in_words() -> None:
    assert [w for w, _ in read_words("case j != target").where] == ["j != c"]
    assert [w for w, _ in read_words("case y_i = k").where] == ["k = c"]
    assert [w for w, _ in read_words("case r=q").where] == ["r = q"]
    binary = read_words("yhat sigmoid predictions, y binary targets")
    assert binary.loss is not None and binary.loss[0] == "sigmoid-bce"
    assert {let for let, _ in binary.lets} == {"yhat=a"}
    assert read_words("p = softmax(z); binary case also shown").loss is None  # softmax named: not binary


def test_notation_maps_a_claim_and_says_so() -> None:
    result = check(
        r"\frac{\partial E}{\partial o_j} = q_j - t_j", notation="o logits, t one-hot targets, q = softmax(o)"
    )
    assert result.verdict == "holds_if"  # t one-hot: the targets sum to 1
    said = " ".join(result.notes)
    assert "--let o=z (the page's words" in said and "--let t=y" in said
    plain = check(r"\frac{\partial E}{\partial o_j} = q_j - t_j")
    assert plain.verdict == "holds_if"  # the same verdict from the notation's own guesses


def test_the_users_options_win_over_the_words() -> None:
    claim = r"\frac{\partial L}{\partial u_j} = v_j - t_j"
    given = check(claim, let=["u=z", "v=a"], notation="v logits, t one-hot targets")
    assert given.verdict == "holds_if"
    assert not any("v=z" in note for note in given.notes)
    assert any("--let t=y (the page's words" in note for note in given.notes)


def test_words_about_symbols_the_claim_lacks_are_not_applied() -> None:
    result = check(r"\frac{\partial L}{\partial z_j} = p_j - y_j", notation="u logits; case r != q")
    assert not any("page's words" in note for note in result.notes)


def test_notation_is_checked_as_a_string() -> None:
    with pytest.raises(UsageError, match="--notation"):
        CheckOptions("x", notation=3)  # type: ignore[arg-type]


def test_cli_and_batch_take_notation(tmp_path) -> None:  # type: ignore[no-untyped-def]
    run = subprocess.run(
        [sys.executable, "-m", "derive", "check", r"\frac{\partial L}{\partial s_k} = p_k - y_k",
         "--notation", "s raw scores", "--format", "json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 4, run.stderr
    assert any("s=z" in note for note in json.loads(run.stdout)["notes"])
    batch = tmp_path / "claims.jsonl"
    line = {"claim": r"\frac{\partial L}{\partial s_k} = p_k - y_k", "notation": "s raw scores"}
    batch.write_text(json.dumps(line) + "\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "derive", "check", "--batch", str(batch)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert '"holds_if"' in run.stdout, run.stdout + run.stderr


@pytest.mark.parametrize(
    ("words", "batch_loss"),
    [
        ("X (N x d); the loss is summed over the batch", "sum"),
        ("L = sum over all samples, not averaged", "sum"),
        ("H mean CE; rows are examples", "mean"),
        ("the cost is averaged over the training examples", "mean"),
        ("sum over the classes j", None),
        ("summed over the batch, then averaged over the examples", None),
        ("J is the mean of the binary cross-entropy losses", "mean"),
        ("the loss is the average", "mean"),
        ("nn.CrossEntropyLoss(reduction='sum')", "sum"),
        ('F.cross_entropy(logits, y, reduction="mean")', "mean"),
    ],
)
def test_words_say_whether_a_batch_loss_is_the_mean_or_the_sum(words: str, batch_loss: str | None) -> None:
    said = read_words(words).batch_loss
    assert (said[0] if said else None) == batch_loss


@pytest.mark.parametrize(
    "text",
    [
        "dL/dz = a - y, where a = softmax(z)",
        "dL/dz = a - y  (where a = softmax(z))",
        r"\frac{\partial L}{\partial z} = a - y \quad (\text{where } a = \text{softmax}(z))",
    ],
)
def test_trailing_words_that_say_what_derive_reads_already_are_no_condition(text: str) -> None:
    # "where a = softmax(z)" was refused as a condition in words; in parentheses, a parse error
    result = check(text)
    assert result.verdict == "holds_if"
    assert any("say what derive reads already" in note for note in result.notes)


def test_words_in_parentheses_that_give_a_value_stay_refused() -> None:
    with pytest.raises(NotationError, match="condition in words"):
        check("dL/dz = (p - y) (where p_i = 1)")


def test_cli_and_batch_take_batch_loss(tmp_path) -> None:  # type: ignore[no-untyped-def]
    claim = r"\frac{\partial L}{\partial W} = X^T (P - Y)"
    run = subprocess.run(
        [sys.executable, "-m", "derive", "check", claim, "--batch-loss", "sum"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 4, run.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "derive", "check", claim, "--batch-loss", "median"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "--batch-loss" in bad.stderr
    batch = tmp_path / "claims.jsonl"
    lines = [{"claim": claim, "batch_loss": "mean"}, {"claim": claim}, {"claim": claim, "batch_loss": 2}]
    batch.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "derive", "check", "--batch", str(batch)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    results = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r.get("verdict") for r in results] == ["fails", "ambiguous", None]
    assert "'batch_loss' must be a str" in results[2]["error"]


# ---- code: what a result is the derivative of, when its name does not say -----------------------------

_GRAD_BY_LOGITS = textwrap.dedent(
    """
    def cross_entropy_backward(logits, labels):
        shifted = logits - np.max(logits, axis=1, keepdims=True)
        probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
        n = logits.shape[0]
        probs[range(n), labels] -= 1
        return probs {tail}
    """
)


@pytest.mark.parametrize(("tail", "verdict"), [("/ n", "holds"), ("", "ambiguous"), ("* n", "fails")])
def test_code_result_by_its_one_logits_input(tail: str, verdict: str) -> None:
    result = check(_GRAD_BY_LOGITS.format(tail=tail))
    assert result.verdict == verdict
    assert any("logits is the one input read as the logits" in note for note in result.notes)


def test_code_input_named_by_the_words() -> None:
    code = _GRAD_BY_LOGITS.format(tail="/ n").replace("logits", "X")
    # without the words: X is what the code exponentiates (its softmax), so the logits, a shown choice
    inferred = check(code)
    assert inferred.verdict == "holds"
    assert any("what the code exponentiates" in choice for choice in inferred.choices)
    assert check(code, notation="X scores (N x C), labels class indices").verdict == "holds"


@pytest.mark.parametrize(
    ("body", "verdict"),
    [
        ("return np.diag(p) - np.outer(p, p)", "holds"),
        ("return np.diag(p) - np.outer(p, 1 - p)", "fails"),
    ],
)
def test_code_softmax_jacobian_from_the_output(body: str, verdict: str) -> None:
    result = check(f"def softmax_derivative(p):\n    {body}\n")
    assert result.verdict == verdict
    assert any("read as the softmax Jacobian" in note for note in result.notes)


_COLUMNS = textwrap.dedent(
    """
    function g = ce_grad(z, y)
      n = size(z, 2);
      p = softmax(z);
      onehot = full(sparse(y, 1:n, 1));
      g = (p - onehot) {tail};
    end
    """
)


@pytest.mark.parametrize(("tail", "verdict"), [("/ n", "holds"), ("", "ambiguous")])
def test_code_whose_softmax_runs_over_columns_has_classes_in_rows(tail: str, verdict: str) -> None:
    result = check(_COLUMNS.format(tail=tail))
    assert result.verdict == verdict
    assert any("the classes are the rows" in choice for choice in result.choices)


def test_a_let_to_a_vector_for_a_name_with_two_indices_is_the_batch() -> None:
    code = _GRAD_BY_LOGITS.format(tail="/ n").replace("logits", "X")
    assert check(code, let=["X=z"]).verdict == "holds"  # was read as one vector, and failed


_LAYER = textwrap.dedent(
    """
    class SoftmaxWithLoss:
        def backward(self, dvalues, y_true):
            n = len(dvalues)
            grad = dvalues.copy()
            grad[range(n), y_true] -= 1
            self.dinputs = grad / n
    """
)


def test_a_layers_inputs_are_read_both_ways_and_disagreement_is_said() -> None:
    result = check(_LAYER, notation="dvalues softmax outputs, y_true labels")
    assert result.verdict == "ambiguous"
    assert [reading["verdict"] for reading in result.readings] == ["holds", "fails"]
    assert "dH/dZ" in str(result.readings[0]["choices"]) and "dH/ddvalues" in str(
        result.readings[1]["choices"]
    )


def test_a_per_example_loss_of_a_batch_is_not_the_batch_loss() -> None:
    # example n's loss by example n's own entries is one example's loss (shown); never the batch's
    result = check(r"\ell_n = -\sum_j Y_{nj} \log A_{nj}")
    assert result.verdict == "holds" and any("one example's loss" in c for c in result.choices)
    with pytest.raises(Exception, match="the loss of one example of a batch"):
        check(r"\ell_n = -\frac{1}{N}\sum_n \sum_j Y_{nj} \log A_{nj}")


def test_an_expression_on_its_own_is_named_as_such() -> None:
    from derive.errors import ExpressionNotClaimError

    with pytest.raises(ExpressionNotClaimError, match="expression with no left side"):
        check(r"-\sum_j y_j \log p_j")


def test_a_posts_own_words_on_its_notation_are_used_and_shown() -> None:
    from derive.post import PostOptions, check_post

    post = (
        "We train a linear classifier. Let $s$ denote the raw scores of the classes, and let $p$ be the "
        "softmax of $s$.\n\nThe gradient is\n\n$$\\frac{\\partial L}{\\partial s_k} = p_k - y_k$$\n"
    )
    result = check_post(post, PostOptions(timeout=60))
    judged = next(j for j in result.judged if j.item.kind == "claim")
    assert judged.result is not None and judged.result.verdict == "holds_if"
    assert any("--let s=z (the page's words" in note for note in judged.result.notes)
    # without the sentence, s and p are both guessed the output; s, which the left side differentiates
    # by, is then read as the logits: the tool's own choice, shown as such
    bare = check_post(
        "The gradient is\n\n$$\\frac{\\partial L}{\\partial s_k} = p_k - y_k$$\n", PostOptions()
    )
    claim = next(j for j in bare.judged if j.item.kind == "claim")
    assert claim.result is not None and claim.result.verdict == "holds_if"
    assert not any("the page's words" in note for note in claim.result.notes)
    assert any(e["page"] == "s" and e["canonical"] == "z" and e["guessed"] for e in claim.result.mapping)


def test_post_takes_the_users_notation_and_refuses_a_reading_number(tmp_path) -> None:  # type: ignore[no-untyped-def]
    post = tmp_path / "post.md"
    post.write_text(
        "The gradient is\n\n$$\\frac{\\partial L}{\\partial s_k} = p_k - y_k$$\n", encoding="utf-8"
    )
    run = subprocess.run(
        [sys.executable, "-m", "derive", "check", "--post", str(post), "--notation", "s raw scores"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "holds_if" in run.stdout and "--let s=z (the page's words" in run.stdout, run.stdout + run.stderr
    run = subprocess.run(
        [sys.executable, "-m", "derive", "check", "--post", str(post), "--reading", "1"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "--reading" in run.stderr


def test_words_about_yhat_apply_to_the_claims_hatted_capital_as_a_batch() -> None:
    notes = "Z = X W + b (m x n_1), Yhat = softmax(Z), Y one-hot, mean CE over m samples"
    claim = (
        r"\frac{\partial L}{\partial \hat{\mathbf{Y}}} = "
        r"-\frac{1}{m} \left(\mathbf{Y} \oslash \hat{\mathbf{Y}}\right)"
    )
    result = check(claim, notation=notes)
    assert result.verdict == "holds"
    assert any(r"--let \hat{Y}=A (the page's words" in note for note in result.notes)
    assert check(claim.replace(r"-\frac{1}{m}", "-"), notation=notes).verdict == "fails"


def test_a_capital_in_a_claim_with_one_examples_vectors_stays_a_vector() -> None:
    # z is one example's logits: P and Y are its vectors, as before
    result = check(r"\frac{\partial L}{\partial z} = P - Y", notation="P softmax output, Y one-hot, z logits")
    assert result.verdict == "holds_if"


def test_words_naming_a_temperature_choose_the_softmax_at_that_temperature() -> None:
    notes = "q_i student softmax at temperature T over logits z_i; p_i teacher soft targets"
    claim = r"q_i=exp\{z_i/T\}/\sum_j exp\{z_j/T\}"
    result = check(claim, notation=notes)
    assert result.verdict == "holds"
    assert any(note.startswith("--loss temperature (the page's words") for note in result.notes)
    assert check(claim.replace("z_i/T", "z_i"), notation=notes).verdict == "fails"
    # a claim without the temperature's symbol is read as written (T = 1) and, since the words say q is the
    # output at T, at T too: they disagree
    assert read_words("T temperature").loss == ("temperature", "T temperature")
    plain = check(r"q_i = \frac{e^{z_i}}{\sum_j e^{z_j}}", notation=notes)
    assert plain.verdict == "ambiguous" and not any(note.startswith("--loss") for note in plain.notes)
    # words that tie no name of the claim to the temperature keep the plain softmax alone
    alone = check(r"q_i = \frac{e^{z_i}}{\sum_j e^{z_j}}", notation="q_i softmax output; T temperature")
    assert alone.verdict == "holds"


def test_a_formula_in_the_words_defines_its_symbol_for_the_claim() -> None:
    words = read_words("a inputs; g_i = e^{a_i}, gamma = 2, f = W x_i class scores")
    assert words.defines == (("g_i = e^{a_i}", "g_i = e^{a_i}"), ("gamma = 2", "gamma = 2"))
    claim = r"\frac{\partial}{\partial a_j}g_i = \begin{cases} e^{a_i} & i=j \\ 0 & i\neq j \end{cases}"
    notes = "g_i = e^{a_i}"
    result = check(claim, notation=notes)
    assert result.verdict == "holds"
    assert "--define 'g_i = e^{a_i}' (the page's words)" in result.notes
    assert check(claim.replace(r"e^{a_i} & i=j", r"e^{a_j} a_i & i=j"), notation=notes).verdict == "fails"
    # a formula for a symbol the claim does not have, or one that does not read, adds nothing
    other = check(r"\frac{\partial L}{\partial z_i} = a_i - y_i", notation="g_i = e^{a_i}, u = q^2 + v")
    assert not any("--define" in note for note in other.notes)


def test_a_sigmoid_function_name_in_the_words_chooses_the_sigmoid_loss() -> None:
    assert read_words("docstring of sigmoid_cross_entropy_with_logits; x = logits").loss == (
        "sigmoid-bce",
        "sigmoid_cross_entropy_with_logits",
    )


@pytest.mark.parametrize(
    ("words", "means"),
    [
        ("gradient of the loss with respect to the logits", "dH/dz"),
        ("gradients w.r.t. unnormalized input z_k, q student softmax", "dH/dz"),
        ("the derivative of the cost with respect to the weights $W^{(2)}$", "dH/dW"),
        ("derivative wrt b", "dH/db"),
        # nothing: no w.r.t. phrase, the article "a", another loss, a role and a letter that disagree
        ("yhat softmax output, labels one-hot", None),
        ("gradient with respect to a single example", None),
        ("softmax focal loss; gradient w.r.t. logits", None),
        ("gradient w.r.t. the logits W", None),
    ],
)
def test_words_that_say_what_a_gradient_is_by(words: str, means: str | None) -> None:
    said = read_words(words).means
    assert (said[0] if said else None) == means


def test_an_expression_with_no_left_side_is_read_as_the_gradient_the_words_name() -> None:
    words = "gradient w.r.t. the logits z; yhat softmax output, labels one-hot"
    result = check("yhat - labels", notation=words)
    assert result.verdict == "holds_if"
    assert any("--means 'dH/dz' (the page's words" in note for note in result.notes)
    assert check("yhat + labels", notation=words).verdict == "fails"
    # without such words it stays a refusal that says what to give
    with pytest.raises(ExpressionNotClaimError, match="--means"):
        check("yhat - labels", notation="yhat softmax output, labels one-hot")
    # another loss named in the words: not the model's gradient, so still refused
    with pytest.raises(ExpressionNotClaimError):
        check("yhat - labels", notation="focal loss; " + words)


def test_a_formulas_trailing_words_on_a_symbol_are_read_as_its_notation() -> None:
    result = check("dL/dz = p - y, where p = softmax(z)")
    assert result.verdict == "holds_if"
    assert any("--let p=a (the page's words" in note for note in result.notes)
    assert check("dL/dz = p + y, where p = softmax(z)").verdict == "fails"
    latex = check(r"\frac{\partial L}{\partial o_i} = q_i - t_i \text{ where } q = \text{softmax}(o)")
    assert latex.verdict == "holds_if"
    assert any("--let o=z" in note for note in latex.notes)
    # words that give a value are a point, not notation: still refused
    with pytest.raises(NotationError, match="condition in words"):
        check("dL/dz_i = p_i - y_i, where p_i = 0.5")


def test_words_that_call_the_loss_another_loss_refuse_the_claim() -> None:
    # "L is the mean squared error": reading L as the cross-entropy gave a wrong holds_if
    from derive.claims.run import check_claim
    from derive.claims.verdict import CheckOptions
    from derive.errors import NotationError

    claim = r"\frac{\partial L}{\partial z_i} = \hat y_i - y_i"
    words = "L is the mean squared error, yhat = softmax(z)"
    assert read_words(words).other_losses == (("L", "L is the mean squared error"),)
    with pytest.raises(NotationError, match="another loss than the cross-entropy"):
        check_claim(CheckOptions(claim, notation=words))
    mse = r"L = \frac{1}{2}\sum_j (\hat y_j - y_j)^2"
    assert check_claim(CheckOptions(claim, notation=words, define=(mse,))).verdict == "fails"
    assert read_words("L the cross-entropy loss").other_losses == ()


def test_words_that_name_another_loss_with_no_symbol_refuse_a_claim_about_a_guessed_loss() -> None:
    # "MSE loss with a sigmoid output a": the words' "sigmoid" made the loss the binary cross-entropy, and
    # the MSE gradient (a - y) a (1 - a) x failed, (a - y) x held
    from derive.claims.run import check_claim
    from derive.claims.verdict import CheckOptions
    from derive.errors import NotationError

    words = "MSE loss with a sigmoid output a"
    mse_gradient = r"\frac{\partial L}{\partial w} = (a - y) a (1 - a) x"
    bce_gradient = r"\frac{\partial L}{\partial w} = (a - y) x"
    said = r"the page's words say the loss is another one .*\(\"MSE\"\)"
    for claim in (mse_gradient, bce_gradient):
        with pytest.raises(NotationError, match=said):
            check_claim(CheckOptions(claim, notation=words))
    mse = r"L = \frac{1}{2}(a - y)^2"
    assert check_claim(CheckOptions(mse_gradient, notation=words, define=(mse,))).verdict == "holds"
    assert check_claim(CheckOptions(bce_gradient, notation=words, define=(mse,))).verdict == "fails"
    # the user's own choice of loss wins over the words
    chosen = CheckOptions(bce_gradient, notation=words, loss="sigmoid-bce")
    assert check_claim(chosen).verdict == "holds"


def test_a_name_given_for_a_vector_and_that_vectors_own_letter_written_too_are_not_one_vector() -> None:
    # Bishop writes y_k for the softmax output and a_k for the logits: with y=a given (by --let or the
    # page's words) and a left as the model's own a, dE/da_k = y_k - t_k was judged as dE/d(softmax output)
    # and failed
    from derive.claims.run import check_claim
    from derive.claims.verdict import CheckOptions
    from derive.errors import NotationError

    claim = r"\frac{\partial E}{\partial a_k} = y_k - t_k"
    with pytest.raises(NotationError, match=r"the text writes \$a\$, and \$y\$ is read as \$a\$"):
        check_claim(CheckOptions(claim, let=("y=a", "t=y")))
    assert check_claim(CheckOptions(claim, let=("y=a", "t=y", "a=z"))).verdict == "holds_if"
    # a subscripted letter in the words is a symbol, not the article "a"
    assert read_words("a_k logits, y_k softmax outputs, t_k targets").lets[0] == ("a=z", "a_k logits")
    words = "a_k logits, y_k softmax outputs, t_k targets"
    assert check_claim(CheckOptions(claim, notation=words)).verdict == "holds_if"
    assert check_claim(CheckOptions(claim)).verdict == "holds_if"  # read so on its own (a shown choice)
    # the same letter in bold is the same vector
    bold = (
        r"\frac{\partial L}{\partial \mathbf{z}} = \mathbf{p} - \mathbf{y}, \quad "
        r"\frac{\partial L}{\partial z_i} = p_i - y_i"
    )
    assert check_claim(CheckOptions(bold, let=("p=a",))).verdict == "holds_if"


def test_a_letter_the_words_call_the_sigmoid_applied_to_the_scores_is_the_sigmoid() -> None:
    # stats.SE: "s sigmoid"; s(w^T x_i) was "a function applied to an expression is not understood"
    from derive.claims.run import check_claim
    from derive.claims.verdict import CheckOptions

    words = "logistic regression; s sigmoid, w weights, x_i inputs, y labels, NLL negative log-likelihood"
    assert read_words(words).sigmoids == (("s", "s sigmoid"),)
    mean = r"\frac{\partial L}{\partial w} = \frac{1}{N}\sum_{i=1}^N (s(w^T x_i) - y) x_i"
    result = check_claim(CheckOptions(mean, notation=words))
    assert result.verdict == "holds"
    assert any(note.startswith("s(...) read as the sigmoid") for note in result.notes)
    wrong = r"\frac{\partial L}{\partial w} = \frac{1}{N}\sum_{i=1}^N (s(w^T x_i) - y) s(w^T x_i) x_i"
    assert check_claim(CheckOptions(wrong, notation=words)).verdict == "fails"
    # s(1 - s) has the letter inside its bracket: a product with s, as written
    prime = check_claim(CheckOptions("s' = s(1-s)", notation=words))
    assert not any(note.startswith("s(...) read as the sigmoid") for note in prime.notes)
    assert prime.verdict == "holds"


def test_a_before_a_plural_role_word_is_a_symbol_not_the_article() -> None:
    # "a logits" (Bishop's activations): the words made the chain worse, refusing a as the output's letter
    chain = (
        r"\frac{\partial E}{\partial a_j} = -\sum_k t_k \frac{1}{y_k} y_k(\delta_{kj} - y_j) "
        r"= -t_j + y_j\sum_k t_k = y_j - t_j"
    )
    result = check(chain, notation="a logits, y = softmax(a), t targets")
    assert result.verdict == "holds_if"
    assert any("--let a=z" in note for note in result.notes)


def test_words_naming_the_output_at_a_temperature_read_the_claim_at_it_too() -> None:
    # q_i - p_i leaves out Hinton's 1/T: with the temperature dropped (the claim writes no T) it was a wrong
    # holds_if; at T = 1 as written it holds, at the words' T it fails
    words = "q_i is the softmax output at temperature T; p_i are the soft targets"
    result = check(r"\frac{\partial C}{\partial z_i} = q_i - p_i", notation=words)
    assert result.verdict == "ambiguous"
    verdicts = {str(reading["choices"]): reading["verdict"] for reading in result.readings}
    assert sorted(verdicts.values()) == ["fails", "holds_if"]
    assert any("--loss temperature" in choices for choices, v in verdicts.items() if v == "fails")


def test_a_layers_convention_in_the_words_is_read() -> None:
    # Nielsen's z^L = w^L a^{L-1} + b^L (W x + b): the words were not read, and his swapped indices held
    words = "z^L = w^L a^{L-1} + b^L"
    right = check(r"\frac{\partial C}{\partial w^L_{jk}} = a^{L-1}_k (a^L_j - y_j)", notation=words)
    assert right.verdict == "holds_if"
    transposed = check(r"\frac{\partial C}{\partial w^L_{jk}} = a^{L-1}_j (a^L_k - y_k)", notation=words)
    assert transposed.verdict == "fails" and "its transpose holds" in transposed.explanation


def test_words_that_fix_a_parameter_of_the_users_definition_are_applied() -> None:
    # gamma = 2 in the words: the --define'd loss's gamma (the claim does not write it) was sampled instead
    result = check(
        r"\frac{\partial FL}{\partial z_t} = (1-p_t)^2 (2 p_t \log p_t + p_t - 1)",
        define=(r"FL = -(1-p_t)^\gamma \log p_t", r"p = \mathrm{softmax}(z)"),
        notation="gamma = 2",
    )
    assert result.verdict == "holds"


def test_words_that_write_the_input_first_state_no_convention() -> None:
    # "Z = X W + b" was matched as a convention by an empty alternative (two corpus chains were refused)
    from derive.claims.verdict import _CONVENTION_IN_WORDS

    assert _CONVENTION_IN_WORDS.search("softmax regression: Z = X W + b (m x n_1)") is None
    assert _CONVENTION_IN_WORDS.search("z^L = w^L a^{L-1} + b^L") is not None


@pytest.mark.parametrize(
    ("means", "derivative"),
    [
        ("the gradient of the loss w.r.t. the logits", "dH/dz"),
        ("dL/dz_i for L = -sum_j y_j log a_j, a = softmax(z)", "dL/dz"),
        ("d CE/dz_k, the cross-entropy's gradient", "dCE/dz"),
    ],
)
def test_a_means_in_words_is_read_as_the_derivative_it_says(means: str, derivative: str) -> None:
    # a user (or a table of claims) gives what a value means in words: it was refused as "the text is prose"
    said = check("p_i - y_i", means=means)
    plain = check("p_i - y_i", means=derivative)
    assert said.verdict == plain.verdict == "holds_if"
    assert any(f"--means '{derivative}'" in note and "words of --means" in note for note in said.notes)


def test_a_means_in_words_that_names_no_derivative_of_the_model_is_one_clear_line() -> None:
    for means in ("the focal loss's gradient w.r.t. the logits", "what the backward pass returns"):
        with pytest.raises(UsageError, match="the words do not say one derivative"):
            check("p_i - y_i", means=means)
    code = "def grad(logits, y):\n    p = np.exp(logits) / np.exp(logits).sum()\n    g = p.copy()\n"
    code += "    g[y] -= 1\n    return g\n"
    said = "value returned by grad(): the gradient of the loss with respect to the logits"
    result = check(code, means=said)
    assert result.verdict == "holds"


@pytest.mark.parametrize(
    "words",
    [
        "the gradient of the softmax w.r.t. the logits",
        "p softmax output, y labels; the derivative of the output with respect to z",
        "gradient of logsumexp w.r.t. z",
    ],
)
def test_words_naming_the_gradient_of_something_else_than_the_loss_say_no_left_side(words: str) -> None:
    # "the gradient of the softmax w.r.t. the logits" was read as dH/dz: p - y was a wrong holds_if
    with pytest.raises(ExpressionNotClaimError):
        check("p - y", notation=words)


def test_means_words_name_the_weight_vector_and_the_input_of_the_softmax() -> None:
    from derive.claims.words import means_option

    weights = means_option("simplified gradient of the NLL w.r.t. w")
    assert weights == ("dH/dw", "gradient of the NLL w.r.t. w")
    inputs = ("gradient of cross-entropy (wrt the input of softmax)", "gradient of CE wrt input of softmax")
    for words in inputs:
        found = means_option(words)
        assert found is not None and found[0] == "dH/dz"


@pytest.mark.parametrize(
    ("words", "wrong"),
    [
        # the batch's logits by its inputs: rows are examples, each example's z = W^T x
        ("X is N x D, W is D x C, Z = XW + b", r"\frac{\partial L}{\partial W} = \frac{1}{N}(P - Y)^T X"),
        # bold letters (d2l, Goodfellow)
        (
            r"\mathbf{z} = \mathbf{W}^\top\mathbf{x} + \mathbf{b}",
            r"\frac{\partial L}{\partial \mathbf{W}} = (\mathbf{p} - \mathbf{y})\mathbf{x}^T",
        ),
        (
            r"\mathbf{o} = \mathbf{W}\mathbf{x} + \mathbf{b}",
            r"\frac{\partial l}{\partial w_{jk}} = (\hat y_k - y_k) x_j",
        ),
    ],
)
def test_a_convention_the_words_state_is_not_swapped_for_a_transposed_claim(words: str, wrong: str) -> None:
    # each transposed gradient was a wrong holds: the words' convention was not read, and the claim's
    # shapes chose the other one
    transposed = check(wrong, notation=words, assume=("onehot",))
    assert transposed.verdict == "fails" and "its transpose holds" in transposed.explanation


def test_a_definition_of_the_logits_entry_by_entry_in_plain_text_states_the_convention() -> None:
    # z_j = sum_i w_ij h_i (z = W^T h): the transposed gradient by h was a wrong holds_if (W x + b chosen)
    words = "o = softmax(z), t targets, E cross-entropy error, h hidden activations"
    define = ("z_j = sum_i w_ij h_i",)
    assert check("dE/dh_i = Σ_j w_ij (o_j - t_j)", notation=words, define=define).verdict == "holds_if"
    with pytest.raises(NotationError):
        check("dE/dh_i = Σ_j w_ji (o_j - t_j)", notation=words, define=define)


def test_words_that_put_the_examples_in_rows_keep_them_there() -> None:
    # "one example per row": (P - Y) X^T / m was read with the examples as columns, a wrong holds_if
    words = "X input matrix of shape (m, n), one example per row, P softmax probabilities, Y one-hot labels"
    with pytest.raises(NotationError):
        check("dJ/dW = (P - Y) @ X.T / m", notation=words)
    assert check("dJ/dW = X.T @ (P - Y) / m", notation=words).verdict == "holds_if"


@pytest.mark.parametrize(
    ("words", "right", "transposed"),
    [
        ("X is N x D, W is D x C", r"\frac{1}{N}X^T(P - Y)", r"\frac{1}{N}(P - Y)^T X"),
        (r"W \in \mathbb{R}^{D \times C}, x \in \mathbb{R}^D", r"x (p - y)^T", r"(p - y) x^T"),
        ("W is C x D, X is N x D", r"\frac{1}{N}(P - Y)^T X", r"\frac{1}{N}X^T(P - Y)"),
    ],
)
def test_the_shapes_of_the_weights_and_the_input_state_the_convention(
    words: str, right: str, transposed: str
) -> None:
    # W of D x C beside X of N x D is z = W^T x + b: the transposed gradient was read with the other
    # convention, a wrong holds
    result = check(rf"\frac{{\partial L}}{{\partial W}} = {right}", notation=words, assume=("onehot",))
    assert result.verdict == "holds"
    wrong = check(rf"\frac{{\partial L}}{{\partial W}} = {transposed}", notation=words, assume=("onehot",))
    assert wrong.verdict == "fails" and "its transpose holds" in wrong.explanation


def test_a_target_named_as_class_probabilities_stays_the_targets() -> None:
    from derive.claims.words import read_words

    # "target: class probabilities (soft labels)" had mapped the targets to the softmax output
    assert read_words("target: class probabilities (soft labels)").lets == (
        ("target=y", "target: class probabilities (soft labels)"),
    )
    assert read_words("probs: class probabilities").lets == (("probs=a", "probs: class probabilities"),)


@pytest.mark.parametrize(
    ("words", "convention"),
    [
        # "softmax(X W)" and "(N x K)" are no shapes of X or x: W (D x K) with X (N x D) is z = W^T x + b
        ("W (D x K), P = softmax(X W) (N x K), X (N x D)", "Wt_x"),
        ("W is D x C, x in R^D", "Wt_x"),
        ("W is C x D, x in R^D", "W_x"),
    ],
)
def test_shapes_in_words_are_read_from_the_shapes_only(words: str, convention: str) -> None:
    from derive.claims.verdict import _convention_of_shapes

    found = _convention_of_shapes(words)
    assert found is not None and found[0] == convention


_ONE_EXAMPLES_SHAPES = r"x \in \mathbb{R}^D, W \in \mathbb{R}^{D \times K}"
_HIDDEN = "h the hidden layer, z = Wh + b, p = softmax(z)"
_SOFT = "p = softmax(z), q the class probabilities (soft labels)"


@pytest.mark.parametrize(
    ("words", "claim", "verdict"),
    [
        # one example's shapes state the convention (a transposed claim held): W D x K is z = W^T x + b
        (_ONE_EXAMPLES_SHAPES, r"\frac{\partial L}{\partial W} = (p-y)x^T", "fails"),
        (_ONE_EXAMPLES_SHAPES, r"\frac{\partial L}{\partial W} = x(p-y)^T", "holds"),
        # z = Wh + b: h is the input, and W is k x d (W^T (p - y) is the gradient by h)
        (_HIDDEN, r"\frac{\partial L}{\partial h} = W^T(p - y)", "holds"),
        # z^{[i]} = W^T x^{[i]} + b: the transpose is no layer's label
        (r"z^{[i]} = W^T x^{[i]} + b", r"\frac{\partial L}{\partial W} = x(p-y)^T", "holds"),
        # soft labels in brackets are the targets (q had been read as the output: p - q was 0)
        (_SOFT, r"\frac{\partial L}{\partial z} = p - q", "holds_if"),
    ],
)
def test_the_regression_rounds_word_readings(words: str, claim: str, verdict: str) -> None:
    options = {"notation": words} if verdict == "holds_if" else {"notation": words, "assume": ("onehot",)}
    assert check(claim, **options).verdict == verdict  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("claim", "words", "verdict"),
    [
        # the smoothed targets as the page spells them in the claim and in its words (Unicode or LaTeX)
        ("dL/dz_i = p_i - ỹ_i", "ỹ the smoothed labels", "holds_if"),
        ("dL/dz_i = p_i - ỹ_i", "ỹ = (1-ε) y + ε/K are the smoothed labels", "holds_if"),
        ("dL/dz_i = p_i - (1-ε) ỹ_i", "ỹ = (1-ε) y + ε/K are the smoothed labels", "fails"),
        (
            r"\frac{\partial L}{\partial z_i} = p_i - \tilde y_i",
            r"\tilde{y}_i = (1-\epsilon) y_i + \epsilon/K",
            "holds_if",
        ),
        (r"\frac{\partial L}{\partial z_i} = p_i - \tilde{y}_i", "ỹ the smoothed labels", "holds_if"),
    ],
)
def test_an_accented_symbol_in_the_words_is_the_claims_whatever_its_spelling(
    claim: str, words: str, verdict: str
) -> None:
    result = check(claim, notation=words)
    assert result.verdict == verdict
    shown = {entry["page"]: entry["canonical"] for entry in result.mapping}
    assert shown[r"\tilde{y}"] in ("y", "defined")


def test_a_formula_in_the_words_may_define_an_accented_symbol() -> None:
    words = read_words(r"\tilde{y} = (1-\epsilon) y + \epsilon/K, the smoothed labels")
    assert [define for define, _ in words.defines] == [r"\tilde{y} = (1-\epsilon) y + \epsilon/K"]


@pytest.mark.parametrize(
    ("claim", "words"),
    [
        # "L = T^2 times ...": the formula goes on in words (it was cut to L = T^2: a wrong fails)
        (
            r"\frac{\partial L}{\partial z_i} = T\left(\mathrm{softmax}(z/T)_i - y_i\right)",
            "L = T^2 times the cross-entropy between y and softmax(z/T)",
        ),
        # Nielsen's delta^L names no loss: words that call the cost quadratic leave no cross-entropy reading
        (r"\delta^L = a^L - y", r"quadratic cost C = \frac{1}{2}\|y - a^L\|^2 with a^L = \sigma(z^L)"),
    ],
)
def test_words_that_make_the_loss_another_one_refuse_a_claim_that_does_not_name_it(
    claim: str, words: str
) -> None:
    assert not read_words(words).defines or all("T^2" not in d for d, _ in read_words(words).defines)
    with pytest.raises(NotationError, match="another one than the cross-entropy"):
        check(claim, notation=words)
    # H written by the claim is the cross-entropy itself, whatever the words
    assert check(r"\frac{\partial H}{\partial z} = a - y", notation=words).verdict == "holds_if"


@pytest.mark.parametrize(
    ("words", "claim", "verdict"),
    [
        # the loss's own formula in the words, after its name in words, with arguments, or with a remark
        (
            "p = softmax(z), c the true class, focal loss FL = -(1-p_c)^gamma log p_c",
            r"\frac{\partial FL}{\partial z_c} = (1-p_c)^{\gamma}(\gamma p_c \log p_c + p_c - 1)",
            "holds",
        ),
        (
            "p = softmax(z), c the true class, focal loss FL = -(1-p_c)^gamma log p_c",
            r"\frac{\partial FL}{\partial z_c} = (1-p_c)^{\gamma}(p_c - 1)",
            "fails",
        ),
        (
            "focal loss FL(p_t) = -(1-p_t)^gamma log(p_t), p_t the probability of the true class",
            r"\frac{\partial FL}{\partial p_t} = \gamma (1-p_t)^{\gamma-1}\log p_t - (1-p_t)^\gamma / p_t",
            "holds",
        ),
        (
            "a = softmax(z), L = 1/2 sum_j (a_j - y_j)^2 (MSE on the softmax)",
            r"\frac{\partial L}{\partial z_i} = (a_i - y_i)\,a_i(1-a_i)",
            "fails",
        ),
        (
            "a = softmax(z), L = 1/2 sum_j (a_j - y_j)^2 (MSE on the softmax)",
            r"\frac{\partial L}{\partial z_i} = a_i\Big((a_i - y_i) - \sum_j a_j (a_j - y_j)\Big)",
            "holds",
        ),
    ],
)
def test_a_loss_the_words_define_is_the_truth(words: str, claim: str, verdict: str) -> None:
    result = check(claim, notation=words)
    assert result.verdict == verdict, result.as_dict()
    assert any("--define" in note for note in result.notes), result.notes


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        # two names guessed as the output and none as the targets: never a - a = 0 (a wrong fails); a hatted
        # name is the prediction, so the other is the targets
        (r"\frac{\partial \ell}{\partial z_k} = \hat{p}_k - q_k", "holds_if"),
        (r"\frac{\partial \ell}{\partial z_k} = q_k - \hat{p}_k", "fails"),
        (r"\frac{\partial \ell}{\partial z_k} = s_k - q_k", "ambiguous"),  # either may be the targets
    ],
)
def test_two_names_guessed_as_the_output_are_told_apart(claim: str, verdict: str) -> None:
    assert check(claim).verdict == verdict


def test_words_that_write_one_example_as_a_row_state_the_convention() -> None:
    # "z = xW + b" (x a 1 x d row): W is d x k, so (p - y)^T x (k x d) is laid out wrongly; it was read
    # with z = W x + b, a wrong holds_if
    words = "x is a 1 x d row vector, z = xW + b, p = softmax(z), y one-hot"
    assert check(r"\frac{\partial L}{\partial W} = (p - y)^T x", notation=words).verdict == "fails"
    assert check(r"\frac{\partial L}{\partial W} = x^T (p - y)", notation=words).verdict == "holds_if"


def test_code_the_words_call_the_gradient_of_something_else_is_not_the_losss() -> None:
    # grad = np.exp(z - logsumexp(z)) was read as dH/dz (its name): a wrong fails
    with pytest.raises(NotationError, match="logsumexp"):
        check("grad = np.exp(z - logsumexp(z))", notation="gradient of logsumexp(z)")
    defined = check("grad = np.exp(z - logsumexp(z))", define=(r"F = \log\sum_j e^{z_j}",), means="dF/dz")
    assert defined.verdict == "holds"


def test_words_about_another_value_of_the_code_leave_the_claimed_one() -> None:
    # "dS is the derivative of softmax" (dS a step before dW): dW is still read as the loss's gradient
    code = "dS = probs.copy()\ndS[range(N), y] -= 1\ndW = X.T.dot(dS) / N\n"
    words = "probs = softmax(X W) (N x C); dS is the derivative of softmax w.r.t. scores"
    result = check(code, notation=words)
    assert result.verdict in ("holds", "holds_if", "ambiguous"), result.as_dict()


def test_a_function_the_words_define_keeps_its_argument() -> None:
    # g(x) = c/x in the words: read without its argument, g was a constant and dg/dx = -c/x^2 a wrong fails
    with pytest.raises(NotationError):
        check(r"\frac{\partial g(x)}{\partial x} = -\frac{c}{x^2}", notation="g(x) = c/x")


def test_a_where_that_names_the_true_class_is_its_letter() -> None:
    # --where 'c is the true class' was refused (not an index condition); the claim stayed ambiguous
    result = check(r"\frac{\partial L}{\partial z_c} = p_c - 1", let=("p=a",), where=("c is the true class",))
    assert result.verdict == "holds", result.as_dict()
    wrong = check(r"\frac{\partial L}{\partial z_k} = p_k", let=("p=a",), where=("k is the true class",))
    assert wrong.verdict == "fails"


def test_the_models_own_function_written_out_in_the_words_is_no_definition() -> None:
    # softmax(Z_i)=e^{Z_i}/sum: the softmax written out, not a page function of its own (with "sum" a
    # sampled number it gave a wrong fails)
    claim = r"\frac{\partial softmax(Z_i)}{\partial Z_i}=softmax(Z_i)\cdot (1-softmax(Z_i))"
    assert check(claim, notation="softmax(Z_i)=e^{Z_i}/sum").verdict == "holds"


def test_two_names_for_the_output_under_another_loss_are_refused() -> None:
    # under label smoothing q may be the smoothed targets: neither a - a nor q as the hard targets (both
    # wrong fails) is a reading; the text is refused with what to say
    with pytest.raises(NotationError, match="would both be a"):
        check("dL/dz_i = p_i - q_i", notation="p = softmax(z), label smoothing with eps")


@pytest.mark.parametrize(
    ("claim", "words", "verdict"),
    [
        # a formula after words that end in a colon is the page's definition (it was dropped, and the claim
        # judged against the built-in loss)
        (r"\frac{\partial L}{\partial z_i} = p_i - y_i",
         r"with an entropy bonus: L = -\sum_k y_k \log p_k - \beta \sum_k p_k \log p_k, p = softmax(z)",
         "fails"),
        (r"\frac{\partial L}{\partial z_i} = \frac{p_i - y_i}{\ln 2}",
         r"cross-entropy in bits: L = -\frac{1}{\ln 2}\sum_k y_k \ln p_k, p = softmax(z)", "holds_if"),
        (r"\frac{\partial L}{\partial z_i} = p_i - y_i",
         r"cross-entropy in bits: L = -\frac{1}{\ln 2}\sum_k y_k \ln p_k, p = softmax(z)", "fails"),
        (r"\frac{\partial L}{\partial z_i} = q_i - p_i",
         "Hinton et al.: q_i = exp(z_i/T)/sum_j exp(z_j/T), p the soft targets, L = -sum_i p_i log q_i",
         "fails"),
        (r"\frac{\partial L}{\partial z_i} = \frac{1}{T}(q_i - p_i)",
         "Hinton et al.: q_i = exp(z_i/T)/sum_j exp(z_j/T), p the soft targets, L = -sum_i p_i log q_i",
         "holds_if"),
        # a remark in brackets with a formula of its own after the definition
        (r"\frac{\partial L}{\partial z_i} = (p_i - y_i) p_i (1 - p_i)",
         "L = 1/2 sum_k (p_k-y_k)^2 (MSE on the softmax output p = softmax(z))", "fails"),
        (r"\frac{\partial L}{\partial z_i} = \sum_k (p_k - y_k) p_k (\delta_{ki} - p_i)",
         "L = 1/2 sum_k (p_k-y_k)^2 (MSE on the softmax output p = softmax(z))", "holds"),
        # the loss as the mean of the examples' losses: how the batch's loss is made (it was a definition
        # that referred to itself, and refused)
        (r"\frac{\partial L}{\partial Z_{nk}} = P_{nk} - Y_{nk}",
         r"L = \frac{1}{N}\sum_n L_n, P = softmax(Z) row by row", "fails"),
        (r"\frac{\partial L}{\partial Z_{nk}} = P_{nk} - Y_{nk}",
         r"L = \sum_{n=1}^N L_n, P = softmax(Z) row by row", "holds_if"),
        # the softmax's argument in the words states the convention: z = W x + b
        ("dL/dW = x (yhat - y)^T", "yhat = softmax(Wx + b), y one-hot", "fails"),
        ("dL/dW = (yhat - y) x^T", "yhat = softmax(Wx + b), y one-hot", "holds_if"),
    ],
)  # fmt: skip
def test_definitions_and_conventions_after_words_are_applied(claim: str, words: str, verdict: str) -> None:
    assert check_claim(CheckOptions(claim, notation=words)).verdict == verdict


def test_a_loss_the_words_define_that_does_not_read_refuses_the_claim() -> None:
    # left out, the claim would be judged against the natural-log loss (a wrong fails)
    words = r"L = -\sum_k y_k \log_2 p_k (in bits), p = softmax(z)"
    claim = r"\frac{\partial L}{\partial z_i} = \frac{p_i - y_i}{\ln 2}"
    with pytest.raises(NotationError, match="the page's words define the loss L"):
        check_claim(CheckOptions(claim, notation=words))


@pytest.mark.parametrize(
    "options",
    [
        {"let": ("p=a", "t=c")},
        {"notation": "p = softmax(z), t the integer class label"},
    ],
)
def test_the_true_class_used_as_a_value_is_refused_not_guessed_as_the_targets(
    options: dict[str, object],
) -> None:
    # p_k - t with t a class number: the user's (or the words') t=c was overridden by the targets' guess
    with pytest.raises(NotationError, match=r"\$t\$ is the true class"):
        check_claim(CheckOptions(r"\frac{\partial L}{\partial z_k} = p_k - t", **options))  # type: ignore[arg-type]
    indexed = CheckOptions(r"\frac{\partial L}{\partial z_k} = p_k - \delta_{kt}", **options)  # type: ignore[arg-type]
    assert check_claim(indexed).verdict == "holds"


def test_a_softmax_of_the_teachers_logits_is_the_targets_not_the_model() -> None:
    words = read_words("z (C,) student logits; q = softmax(teacher_logits) soft targets")
    assert {let for let, _ in words.lets} == {"q=y"}
