r"""Everything the LaTeX proof (``templates/proof.tex.j2``) shows, prepared as plain LaTeX strings.

:func:`proof_context` builds and checks the derivations of :mod:`derive.derivation`, prints every expression
with :func:`derive.latex_printer.to_latex`, evaluates the derived results at the seed's iris example, and
refutes the two common mistakes with :func:`derive.equivalence.decide`. The template only loops and
substitutes. No file I/O here, and nothing that changes between runs (no dates, versions or paths): the
same code gives the same context, string for string.

Every number in the document is computed here from a derived SymPy expression (evaluated from exact
rationals) and printed with 6 significant digits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import sympy
from sympy import Derivative, Indexed, Rational

from derive import symbols as s
from derive.derivation import (
    PROOF_SAMPLE_SIZES,
    RULES,
    Derivation,
    Step,
    all_derivations,
    bias_gradient,
    diagonal_only_mistake,
    extension_derivations,
    input_gradient,
    logit_gradient_route_jacobian,
    weight_gradient,
)
from derive.equivalence import Assumption, Counterexample, Outcome, decide
from derive.latex_printer import to_latex
from derive.loss import Model
from derive.numeric import DIGITS

#: Significant digits of every number the proof prints.
SIGNIFICANT_DIGITS = 6

#: The justification the proof prints for each rule of :data:`derive.derivation.RULES` (same wording, in
#: LaTeX; text mode, math in ``$...$``). ``\eqref`` points at the results proved earlier in the document.
RULE_LATEX: dict[str, str] = {
    "definition": r"definition of the cross-entropy loss",
    "softmax_definition": r"definition of the softmax",
    "logit_definition": r"definition of the logits $z = W^{\top} x + b$",
    "log_of_quotient": r"$\log(p/q) = \log p - \log q$, and $\log e^{u} = u$",
    "linearity": r"linearity of sums",
    "differentiate": r"derivative of each term ($\partial z_{n} / \partial z_{i} = \delta_{ni}$)",
    "kronecker_delta_sum": r"$\sum_{n} f(n)\, \delta_{ni} = f(i)$",
    "chain_rule": r"multivariable chain rule",
    "softmax_jacobian": r"softmax Jacobian \eqref{eq:jacobian}; the factor $a_{n}$ cancels",
    "log_derivative": r"$d \log u / d u = 1/u$, so $\partial H / \partial a_{n} = -y_{n} / a_{n}$",
    "quotient_rule": r"quotient rule",
    "cancel": r"cancel common factors",
    "factor": r"collect common factors",
    "logit_gradient": r"logit gradient \eqref{eq:logits-exact}, derivative of the logits",
    "targets_sum_to_one": r"assumption: the targets sum to 1",
    "batch_mean": r"the batch loss is the mean of the per-example losses",
    "diagonal_only": r"the common mistake: keep only the diagonal of the softmax Jacobian",
    "bce_definition": r"definition of the binary cross-entropy, summed over the classes",
    "sigmoid_definition": r"definition of the sigmoid $a = 1 / (1 + e^{-z})$",
    "weight_gradient": (
        r"weight gradient \eqref{eq:weights}, and "
        r"$\partial W_{pq}^{2} / \partial W_{ij} = 2 W_{ij}\, \delta_{pi} \delta_{qj}$"
    ),
    "hessian_from_jacobian": (
        r"differentiate the logit gradient \eqref{eq:logits-exact} with the Jacobian \eqref{eq:jacobian}"
    ),
    "hessian_result": r"the Hessian derived above",
    "softmax_sums_to_one": r"$\sum_{i} a_{i} = 1$",
    "softplus_form": (
        r"$\log \frac{1}{1 + e^{-z}} = -\log(1 + e^{-z})$, $\log(1 - a) = -z - \log(1 + e^{-z})$"
    ),
}

assert set(RULE_LATEX) == set(RULES), "every rule needs its LaTeX justification"

#: How each verdict is marked after a step; anything but ``proved`` is bold, so it cannot be missed.
VERDICT_MARKS: dict[str, str] = {
    "proved": r"checked: proved $\checkmark$",
    "refuted": r"\textbf{checked: REFUTED} $\times$",
    "undecided": r"\textbf{checked: NOT PROVED (undecided)}",
}

#: The seed's iris example: 2 features, 2 classes, W is d x k (rows: features i, columns: classes j).
IRIS_X: tuple[Rational, ...] = (Rational(19, 10), Rational(2, 5))
IRIS_W: tuple[tuple[Rational, ...], ...] = (
    (Rational(1, 10), Rational(1, 2)),
    (Rational(1, 10), Rational(1, 2)),
)
IRIS_B: tuple[Rational, ...] = (Rational(0), Rational(0))
IRIS_Y: tuple[Rational, ...] = (Rational(1), Rational(0))

#: The labels of the numbered results, by derivation name (referenced with ``\eqref``).
RESULT_LABELS: dict[str, str] = {
    "jacobian": "eq:jacobian",
    "weights": "eq:weights",
    "bias": "eq:bias",
    "inputs": "eq:inputs",
    "batch_weights": "eq:batch-weights",
    "batch_bias": "eq:batch-bias",
}

#: Titles of the derivations in the document (LaTeX text), by derivation name.
TITLES: dict[str, str] = {
    "jacobian": r"The softmax Jacobian $\partial a_{j} / \partial z_{i}$",
    "logits": r"Route 1: through the full softmax Jacobian",
    "logits_lse": r"Route 2: through log-sum-exp",
    "weights": r"The weights: $\partial H / \partial W_{ij}$",
    "bias": r"The biases: $\partial H / \partial b_{j}$",
    "inputs": r"The inputs: $\partial H / \partial x_{i}$",
    "batch_weights": r"Batch mean, weights: $\nabla_{W} H = X^{\top} (A - Y) / N$",
    "batch_bias": r"Batch mean, biases: $\nabla_{b} H = (A - Y)^{\top} \mathbf{1} / N$",
    "mistake_diagonal": r"The diagonal-only Jacobian",
    "bce_logits": r"Sigmoid and binary cross-entropy (multi-label targets)",
    "label_smoothing": r"Label smoothing: $t_{n} = (1 - \varepsilon)\, \delta_{nc} + \varepsilon / k$",
    "temperature": r"Temperature: logits divided by $T > 0$",
    "weight_decay": r"L2 weight decay: $H + \frac{\lambda}{2} \lVert W \rVert^{2}$",
    "hessian": (
        r"The Hessian with respect to the logits: "
        r"$\left(\sum_{n} y_{n}\right) \left(\operatorname{diag}(a) - a a^{\top}\right)$"
    ),
    "hessian_psd": r"The Hessian is positive semi-definite (a variance), so $H$ is convex in $z$",
    "hessian_null": r"The all-ones vector is in the Hessian's null space",
}


# -- numbers ---------------------------------------------------------------------------------------


def number(value: sympy.Expr | float) -> str:
    """``value`` with 6 significant digits, as LaTeX (``-1.35858``, ``0.23``, ``0``; never ``-0``)."""
    as_float = float(sympy.N(value, DIGITS)) if isinstance(value, sympy.Basic) else float(value)
    text = f"{as_float:.{SIGNIFICANT_DIGITS}g}"
    if text in ("-0", "0", "-0.0"):
        return "0"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def vector(values: Iterable[str]) -> str:
    """A row of numbers: ``(0.23,\\ 1.15)``."""
    return r"\left(" + r",\ ".join(values) + r"\right)"


def matrix(rows: Iterable[Iterable[str]]) -> str:
    """A matrix of numbers (amsmath ``pmatrix``)."""
    return r"\begin{pmatrix} " + r" \\ ".join(" & ".join(row) for row in rows) + r" \end{pmatrix}"


# -- derivations -----------------------------------------------------------------------------------


def _assumption_text(assumptions: Sequence[Assumption]) -> str:
    return ", ".join(f"${assumption.latex}$" for assumption in assumptions)


def step_note(step: Step, previous: Sequence[Assumption]) -> str:
    """The justification of one step (its rule, a new assumption, its verdict), as LaTeX text."""
    parts = [RULE_LATEX[step.rule]]
    new = [assumption for assumption in step.assumptions if assumption not in previous]
    if new:
        parts.append(f"assumes {_assumption_text(new)}")
    elif step.assumptions:
        parts.append(f"still assuming {_assumption_text(step.assumptions)}")
    parts.append(VERDICT_MARKS[step.verdict])
    return "; ".join(parts)


def counterexample_text(
    counterexample: Counterexample, lhs_name: str = "left side", rhs_name: str = "right side"
) -> str:
    """A counterexample as a LaTeX sentence: where (k, indices, values) and both sides' values."""
    where = [f"$k = {counterexample.classes}$"]
    where += [f"${name} = {value}$" for name, value in counterexample.indices.items()]
    for base, values in counterexample.values.items():
        if isinstance(values, list) and values and isinstance(values[0], list):
            shown = matrix([[number(v) for v in row] for row in values])
        else:
            shown = vector(number(v) for v in values) if isinstance(values, list) else str(values)
        where.append(f"${base} = {shown}$")
    return (
        f"at {', '.join(where)}: the {lhs_name} is ${number(counterexample.lhs)}$ and the {rhs_name} is "
        f"${number(counterexample.rhs)}$"
    )


def derivation_context(derivation: Derivation) -> dict[str, object]:
    """One derivation: its title, the quantity, every step (after, note), a status line and its result."""
    steps: list[dict[str, str]] = []
    previous: tuple[Assumption, ...] = ()
    for position, step in enumerate(derivation.steps, start=1):
        # ``end`` closes an align row: a line break after every row but the last.
        steps.append(
            {
                "after": to_latex(step.after),
                "note": step_note(step, previous),
                "end": r"\\" if position < len(derivation.steps) else "",
            }
        )
        previous = step.assumptions
    not_proved = [
        (number, step) for number, step in enumerate(derivation.steps, start=1) if step.verdict != "proved"
    ]
    if not not_proved:
        status = f"All {len(derivation.steps)} steps are proved."
    else:
        status = " ".join(
            rf"\textbf{{Step {number} ({RULE_LATEX[step.rule]}) is {step.verdict.upper()}}}"
            + (
                f", {counterexample_text(step.outcome.counterexample)}."
                if step.outcome.counterexample is not None
                else "."
            )
            for number, step in not_proved
        )
    return {
        "name": derivation.name,
        "title": TITLES.get(derivation.name, derivation.title),
        "quantity": to_latex(derivation.quantity),
        "steps": steps,
        "status": status,
        "verdicts": list(derivation.verdicts),
        "result": to_latex(derivation.result),
        "result_unassumed": to_latex(derivation.result_unassumed),
        "label": RESULT_LABELS.get(derivation.name, ""),
    }


# -- the iris example ------------------------------------------------------------------------------


def iris_model() -> Model:
    """The model of the iris example: k = 2 classes, d = 2 features, one example (every size concrete)."""
    return Model(classes=2, features=2, examples=1)


def iris_point() -> dict[sympy.Basic, sympy.Expr]:
    """The seed's numbers as a substitution of the independent variables (exact rationals)."""
    point: dict[sympy.Basic, sympy.Expr] = {}
    for i, row in enumerate(IRIS_W, start=1):
        for j, value in enumerate(row, start=1):
            point[s.W[i, j]] = value
    point.update({s.x[i]: value for i, value in enumerate(IRIS_X, start=1)})
    point.update({s.b[j]: value for j, value in enumerate(IRIS_B, start=1)})
    point.update({s.y[j]: value for j, value in enumerate(IRIS_Y, start=1)})
    return point


def evaluate_at_iris(
    expr: sympy.Expr, model: Model, indices: dict[sympy.Idx, int] | None = None
) -> sympy.Expr:
    """``expr`` (over a, z, y, W, x, b, with free indices) at the iris point, as an exact number."""
    if indices:
        expr = expr.xreplace({index: sympy.Integer(value) for index, value in indices.items()})
    value = model.evaluate(expr, level=3).xreplace(iris_point())
    remaining = [node for node in sympy.preorder_traversal(value) if isinstance(node, Indexed)]
    assert not remaining, f"the iris point misses {remaining}"
    return value


def same_number(first: sympy.Expr, second: sympy.Expr) -> bool:
    """Equal to 40 of the 50 digits the numbers are evaluated with (exact expressions with exponentials)."""
    scale = max(1, abs(sympy.N(first, DIGITS)))
    return bool(abs(sympy.N(first - second, DIGITS)) <= sympy.Float(10) ** -40 * scale)


def _free_index(expr: sympy.Expr, name: str) -> sympy.Idx:
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Idx) and str(node) == name:
            return node
    raise AssertionError(f"no index {name} in {expr}")


@dataclass(frozen=True)
class IrisNumbers:
    """The iris example evaluated from the derived results (exact SymPy numbers)."""

    z: tuple[sympy.Expr, ...]
    a: tuple[sympy.Expr, ...]
    loss: sympy.Expr
    logits: tuple[sympy.Expr, ...]
    weights: tuple[tuple[sympy.Expr, ...], ...]
    bias: tuple[sympy.Expr, ...]
    inputs: tuple[sympy.Expr, ...]
    derivations: dict[str, Derivation]


def at_iris_sizes(derivation: Derivation) -> Derivation:
    """A derivation proved for every k, d (and N) with its expressions instantiated at the iris sizes
    k = d = 2 (N = 1); its steps, proved for every size, are kept as they are."""
    sizes = {s.k: sympy.Integer(2), s.d: sympy.Integer(2), s.N: sympy.Integer(1)}
    return replace(
        derivation,
        quantity=derivation.quantity.xreplace(sizes),
        result=derivation.result.xreplace(sizes),
        result_unassumed=derivation.result_unassumed.xreplace(sizes),
        model=iris_model(),
    )


#: The derivations the iris section evaluates.
IRIS_DERIVATIONS: tuple[str, ...] = ("logits", "weights", "bias", "inputs")


def iris_numbers(derivations: Mapping[str, Derivation] | None = None) -> IrisNumbers:
    """z, a, H and every gradient at the seed's numbers, each from the derived expression at k = d = 2:
    the symbolic-k ``derivations`` (by name) instantiated there, or, when not given, the derivations built
    and checked for k = d = 2."""
    model = iris_model()
    if derivations is not None:
        derived = {name: at_iris_sizes(derivations[name]) for name in IRIS_DERIVATIONS}
    else:
        derived = {
            d.name: d
            for d in (
                logit_gradient_route_jacobian(model),
                weight_gradient(model),
                bias_gradient(model),
                input_gradient(model),
            )
        }
    classes, features = range(1, 3), range(1, 3)

    def at(derivation: Derivation, **indices: int) -> sympy.Expr:
        exact = derivation.result_unassumed
        bound = {_free_index(exact, name): value for name, value in indices.items()}
        value = evaluate_at_iris(exact, model, bound)
        assumed = evaluate_at_iris(
            derivation.result, model, {_free_index(derivation.result, name): v for name, v in indices.items()}
        )
        # The iris targets sum to 1, so the exact and the simplified results must agree.
        assert same_number(value, assumed), f"{derivation.name} at {indices}"
        return value

    return IrisNumbers(
        z=tuple(evaluate_at_iris(s.z[j], model) for j in classes),
        a=tuple(evaluate_at_iris(s.a[j], model) for j in classes),
        loss=evaluate_at_iris(s.H, model),
        logits=tuple(at(derived["logits"], i=j) for j in classes),
        weights=tuple(tuple(at(derived["weights"], i=i, j=j) for j in classes) for i in features),
        bias=tuple(at(derived["bias"], j=j) for j in classes),
        inputs=tuple(at(derived["inputs"], i=i) for i in features),
        derivations=derived,
    )


def iris_context(numbers: IrisNumbers) -> dict[str, object]:
    """The iris section: inputs and every computed quantity, with the derived formula it comes from."""
    derived = numbers.derivations
    inputs = [
        {"name": "x", "value": vector(number(v) for v in IRIS_X)},
        {"name": "W", "value": matrix([[number(v) for v in row] for row in IRIS_W])},
        {"name": "b", "value": vector(number(v) for v in IRIS_B)},
        {"name": "y", "value": vector(number(v) for v in IRIS_Y)},
    ]
    j = s.class_index("j", 2)
    model = iris_model()

    def gradient(name: str, value: str) -> dict[str, str]:
        return {
            "name": to_latex(derived[name].quantity),
            "formula": to_latex(derived[name].result_unassumed),
            "value": value,
        }

    outputs = [
        {"name": "z_{j}", "formula": to_latex(model.logit(j)), "value": vector(number(v) for v in numbers.z)},
        {
            "name": "a_{j}",
            "formula": to_latex(model.softmax(j)),
            "value": vector(number(v) for v in numbers.a),
        },
        {"name": "H", "formula": to_latex(model.loss()), "value": number(numbers.loss)},
        gradient("logits", vector(number(v) for v in numbers.logits)),
        gradient("weights", matrix([[number(v) for v in row] for row in numbers.weights])),
        gradient("bias", vector(number(v) for v in numbers.bias)),
        gradient("inputs", vector(number(v) for v in numbers.inputs)),
    ]
    return {
        "inputs": inputs,
        "outputs": outputs,
        "z": [number(v) for v in numbers.z],
        "a": [number(v) for v in numbers.a],
        "loss": number(numbers.loss),
        "logits": [number(v) for v in numbers.logits],
        "weights": [[number(v) for v in row] for row in numbers.weights],
        "bias": [number(v) for v in numbers.bias],
        "inputs_gradient": [number(v) for v in numbers.inputs],
        "all_proved": all(v == "proved" for d in numbers.derivations.values() for v in d.verdicts),
    }


# -- the common mistakes ---------------------------------------------------------------------------


def _case_text(case: dict[str, int]) -> str:
    """An index case as a tuple in the order (j, c): ``$(2, 1)$``."""
    return "$(" + ", ".join(str(case[name]) for name in sorted(case, key=("j", "c").index)) + ")$"


def mistake_derivations() -> tuple[Derivation, Derivation]:
    """The diagonal-only Jacobian, for every k (refuted) and at the iris sizes (for the seed's claim)."""
    return diagonal_only_mistake(Model()), diagonal_only_mistake(iris_model())


def diagonal_mistake_context(
    numbers: IrisNumbers, mistakes: tuple[Derivation, Derivation] | None = None
) -> dict[str, object]:
    """The seed answer's diagonal-only Jacobian: the refuted derivation, and its weight claim at the iris
    point (``mistakes``: :func:`mistake_derivations`, computed when not given)."""
    mistake, concrete = mistakes if mistakes is not None else mistake_derivations()
    refuted = [step for step in mistake.steps if step.verdict == "refuted"]
    assert refuted and refuted[0].outcome.counterexample is not None, "the diagonal-only step must be refuted"
    model = iris_model()
    i = s.feature_index("i", 2)
    j = s.class_index("j", 2)
    # Chain rule through z_j (dz_j/dW_ij = x_i) applied to the mistaken dH/dz_j: the seed's claim.
    claim = concrete.result * s.x[i]
    truth = numbers.derivations["weights"].result
    rows = []
    for feature in (1, 2):
        for cls in (1, 2):
            claimed = evaluate_at_iris(claim, model, {i: feature, j: cls})
            true = evaluate_at_iris(truth, model, {i: feature, j: cls})
            rows.append(
                {
                    "i": str(feature),
                    "j": str(cls),
                    "claimed": number(claimed),
                    "true": number(true),
                    "agree": "yes" if same_number(claimed, true) else r"\textbf{no}",
                }
            )
    wrong = [row for row in rows if row["agree"] != "yes"]
    summary = f"At the seed's numbers the claim gets ${len(wrong)}$ of the ${len(rows)}$ entries wrong"
    if wrong:
        first = wrong[0]
        summary += (
            f"; for $j = {first['j']}$, $i = {first['i']}$ it gives ${first['claimed']}$ where the "
            f"derivative is ${first['true']}$"
        )
    summary += "."
    return {
        "summary": summary,
        "derivation": derivation_context(mistake),
        "claim": to_latex(claim),
        "truth": to_latex(truth),
        "counterexample": counterexample_text(
            refuted[0].outcome.counterexample, "true side (full Jacobian)", "diagonal-only side"
        ),
        "rows": rows,
        "verdict": refuted[0].verdict,
    }


def case_one_context(numbers: IrisNumbers, logits: Derivation) -> dict[str, object]:
    """The blog's "Case 1": dH/dz_j = 0 for every class j but the true class, refuted; ``logits`` is the
    general-k logit gradient."""
    j = s.class_index("j", 2)
    general = decide(Derivative(s.H, s.z[j]), sympy.S.Zero, Model(classes=2), [Assumption.ONE_HOT])
    # The exact situation of Case 1 (j = 2 is not the true class c = 1), with its own counterexample.
    specific = decide(Derivative(s.H, s.z[2]), sympy.S.Zero, Model(classes=2), [Assumption.ONE_HOT])
    assert general.verdict == "refuted" and specific.counterexample is not None
    off_class = [case for case in general.failing_cases if case["j"] != case["c"]]
    return {
        "claim": r"\frac{\partial H}{\partial z_{j}} = 0 \quad (j \neq c)",
        "verdict": general.verdict,
        "outcome": _outcome_summary(general),
        "failing": ", ".join(_case_text(case) for case in general.failing_cases),
        "failing_off_class": ", ".join(_case_text(case) for case in off_class),
        "holding": ", ".join(_case_text(case) for case in general.holding_cases) or "none",
        "counterexample": counterexample_text(
            specific.counterexample, r"true $\partial H / \partial z_{2}$", "claimed value"
        ),
        "counterexample_class": str(specific.counterexample.indices.get("c", "")),
        "iris_true": number(numbers.logits[1]),
        "iris_a": number(numbers.a[1]),
        "truth": to_latex(
            _rename_index(logits.result_unassumed, "i", s.class_index("j", logits.model.classes))
        ),
    }


def _rename_index(expr: sympy.Expr, name: str, index: sympy.Idx) -> sympy.Expr:
    """``expr`` with its free index called ``name`` replaced by ``index`` (to print dH/dz_i as dH/dz_j)."""
    return expr.xreplace({_free_index(expr, name): index})


def _outcome_summary(outcome: Outcome) -> str:
    assumed = _assumption_text(outcome.assumptions) or "no assumption"
    return f"{outcome.verdict} under {assumed}, after {outcome.samples} numeric samples"


# -- the document ----------------------------------------------------------------------------------

#: The notation table: (key in :data:`derive.symbols.LATEX_NAMES` or an index, symbol, meaning). The
#: definitions in the meanings are printed from :class:`derive.loss.Model` by :func:`notation_rows`.
_NOTATION: tuple[tuple[str, str, str], ...] = (
    ("k", "k", r"number of classes; the proofs keep $k$ symbolic, so they hold for every $k \geq 2$"),
    ("d", "d", r"number of input features"),
    ("N", "N", r"number of examples in a batch"),
    ("x", "x_{i}", r"input feature $i$, $i = 1, \dots, d$"),
    ("W", "W_{ij}", r"weight from feature $i$ to class $j$ ($W$ is $d \times k$)"),
    ("b", "b_{j}", r"bias of class $j$"),
    ("z", "z_{j}", r"logit of class $j$: $z_{j} = {logit}$, i.e.\ $z = W^{\top} x + b$"),
    ("a", "a_{j}", r"softmax output (often written $\hat{y}_{j}$): $a_{j} = {softmax}$"),
    ("y", "y_{j}", r"target of class $j$ (any real numbers unless an assumption says otherwise)"),
    ("H", "H", r"the loss $H = {loss}$ (cross-entropy $H(P, Q)$ with $P = y$, $Q = a$)"),
    ("X", "X_{mi}", r"batch inputs, $N \times d$ (row $m$ is example $m$)"),
    ("Y", "Y_{mj}", r"batch targets, $N \times k$"),
    ("Z", "Z_{mj}", r"batch logits, $Z_{mj} = {batch_logit}$"),
    ("A", "A_{mj}", r"batch softmax outputs (row-wise), $N \times k$"),
    ("delta", r"\delta_{ij}", r"Kronecker delta: 1 if $i = j$, else 0"),
    ("c", "c", r"the true class of one-hot targets, $y_{j} = \delta_{jc}$"),
    ("v", "v_{j}", r"an arbitrary direction over the classes (the Hessian's quadratic form)"),
    ("parameters", r"\varepsilon, T, \lambda", r"label-smoothing strength, temperature, weight decay"),
)


def notation_rows() -> list[dict[str, str]]:
    """The rows of the notation table, with the definitions printed from the model."""
    model = Model()
    j = s.class_index("j")
    m = s.example_index("m")
    definitions = {
        "{logit}": to_latex(model.logit(j)),
        "{softmax}": to_latex(model.softmax(j)),
        "{loss}": to_latex(model.loss()),
        "{batch_logit}": to_latex(model.batch_logit(m, j)),
    }
    rows = []
    for key, symbol, meaning in _NOTATION:
        for placeholder, tex in definitions.items():
            meaning = meaning.replace(placeholder, tex)
        rows.append({"key": key, "symbol": symbol, "meaning": meaning})
    return rows


def checking_sentence() -> str:
    """How every step was checked, in one sentence."""
    classes = sorted({size.classes for size in PROOF_SAMPLE_SIZES})
    listed = " and ".join(f"$k = {k}$" for k in classes)
    return (
        r"Every step below was checked by machine: the difference of its two sides, with every "
        r"derivative carried out and every definition substituted, has the symbolic residual $0$ under "
        rf"the stated assumptions, for a symbolic number of classes $k$, and {DIGITS}-digit numeric "
        rf"samples at {listed} agree with it."
    )


def sum_to_one_context(logits: Derivation) -> dict[str, object]:
    """The explicit sum(y) = 1 step: the exact result, the simplified one, and the residual without it."""
    residual = sympy.factor(logits.result_unassumed - logits.result)
    check = decide(
        logits.result_unassumed - logits.result, residual, logits.model, seed=0, try_simplify=False
    )
    return {
        "exact": to_latex(logits.result_unassumed),
        "assumed": to_latex(logits.result),
        "residual": to_latex(residual),
        "residual_check": VERDICT_MARKS[check.verdict],
        "assumption": Assumption.SUM_TO_ONE.latex,
    }


def matrix_forms() -> list[dict[str, str]]:
    """The matrix reading of each proved index form (seed convention z = W^T x + b), with its equation."""
    return [
        {
            "lhs": r"\nabla_{W} H",
            "rhs": r"x\, (a - y)^{\top}",
            "entry": r"entry $(i, j)$ is \eqref{eq:weights}",
            "exact": r"\textstyle x\, \bigl(a \sum_{j} y_{j} - y\bigr)^{\top}",
        },
        {
            "lhs": r"\nabla_{b} H",
            "rhs": r"a - y",
            "entry": r"entry $j$ is \eqref{eq:bias}",
            "exact": r"\textstyle a \sum_{j} y_{j} - y",
        },
        {
            "lhs": r"\nabla_{x} H",
            "rhs": r"W\, (a - y)",
            "entry": r"entry $i$ is \eqref{eq:inputs}",
            "exact": r"\textstyle W\, \bigl(a \sum_{j} y_{j} - y\bigr)",
        },
    ]


def batch_matrix_forms() -> list[dict[str, str]]:
    """The batch means in matrix form, with the equation each restates."""
    return [
        {
            "lhs": r"\nabla_{W} H",
            "rhs": r"\frac{1}{N} X^{\top} (A - Y)",
            "entry": r"entry $(i, j)$ is \eqref{eq:batch-weights}",
        },
        {
            "lhs": r"\nabla_{b} H",
            "rhs": r"\frac{1}{N} (A - Y)^{\top} \mathbf{1}_{N}",
            "entry": r"entry $j$ is \eqref{eq:batch-bias}",
        },
    ]


@dataclass(frozen=True)
class WorkedExamples:
    """The iris numbers and the refuted diagonal-only Jacobian: the proof's concrete k = 2 material."""

    numbers: IrisNumbers
    diagonal: dict[str, object]


def worked_examples(
    derivations: Mapping[str, Derivation] | None = None,
    mistakes: tuple[Derivation, Derivation] | None = None,
) -> WorkedExamples:
    """The iris example (from the symbolic-k ``derivations`` when given) and the diagonal-only mistake
    (from ``mistakes`` when given: :func:`mistake_derivations`)."""
    numbers = iris_numbers(derivations)
    return WorkedExamples(numbers, diagonal_mistake_context(numbers, mistakes))


#: The symbolic-k derivations the proof shows, in order: the main results, then the extensions.
EXTENSION_NAMES: tuple[str, ...] = (
    "bce_logits",
    "label_smoothing",
    "temperature",
    "weight_decay",
    "hessian",
    "hessian_psd",
    "hessian_null",
)


def proof_context(
    derivations: dict[str, Derivation] | None = None, examples: WorkedExamples | None = None
) -> dict[str, object]:
    """Everything ``templates/proof.tex.j2`` needs, as LaTeX strings (deterministic).

    ``derivations`` (every symbolic-k derivation by name: :func:`derive.derivation.all_derivations` and
    :func:`derive.derivation.extension_derivations`) and ``examples`` are computed here when not given; the
    build passes the ones it computed once for the proof, the reference module and the derivation dump.
    """
    if derivations is None:
        derivations = {d.name: d for d in [*all_derivations(Model()), *extension_derivations()]}
    if examples is None:
        examples = worked_examples(derivations)
    numbers = examples.numbers
    exact_rows = [
        {
            "quantity": to_latex(derivations[name].quantity),
            "exact": to_latex(derivations[name].result_unassumed),
            "assumed": to_latex(derivations[name].result),
        }
        for name in ("logits", "weights", "bias", "inputs", "batch_weights")
    ]
    return {
        "title": r"The gradient of softmax cross-entropy:\\ a machine-checked derivation",
        "checking": checking_sentence(),
        "notation": notation_rows(),
        "sum_to_one_assumption": Assumption.SUM_TO_ONE.latex,
        "jacobian": derivation_context(derivations["jacobian"]),
        "logit_routes": [derivation_context(derivations[name]) for name in ("logits", "logits_lse")],
        "logit_result": to_latex(derivations["logits"].result),
        "logit_result_exact": to_latex(derivations["logits"].result_unassumed),
        "logit_quantity": to_latex(derivations["logits"].quantity),
        "sum_to_one": sum_to_one_context(derivations["logits"]),
        "parameters": [derivation_context(derivations[name]) for name in ("weights", "bias", "inputs")],
        "batch": [derivation_context(derivations[name]) for name in ("batch_weights", "batch_bias")],
        "exact_rows": exact_rows,
        "matrix_forms": matrix_forms(),
        "batch_matrix_forms": batch_matrix_forms(),
        "iris": iris_context(numbers),
        "diagonal": examples.diagonal,
        "case_one": case_one_context(numbers, derivations["logits"]),
        "extensions": [derivation_context(derivations[name]) for name in EXTENSION_NAMES],
    }
