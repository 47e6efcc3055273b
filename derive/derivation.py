"""Derivations as data: ordered steps (rule, before, after, assumptions), each checked by
:func:`derive.equivalence.decide`.

Every expression in a derivation stands for the same quantity (the first one, e.g. dH/dz_i); step t says
that expression t equals expression t + 1 by the named rule. Builders here write the steps in index form
once; a concrete number of classes only changes the model the same steps are built and checked with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy
from sympy import Derivative, KroneckerDelta, Sum, exp, log

from derive import choices
from derive import symbols as s
from derive.equivalence import Assumption, Outcome, Sizes, ValueCache, decide
from derive.errors import UsageError
from derive.loss import Model

#: Every rule a step may cite, with the justification the proof prints for it.
RULES: dict[str, str] = {
    "definition": "definition of the cross-entropy loss",
    "softmax_definition": "definition of the softmax",
    "logit_definition": "definition of the logits z = W^T x + b",
    "log_of_quotient": "log(p / q) = log p - log q, and log exp u = u",
    "linearity": "linearity of sums",
    "differentiate": "derivative of each term (d z_n / d z_i = delta_ni)",
    "kronecker_delta_sum": "sum_n f(n) delta_ni = f(i)",
    "chain_rule": "multivariable chain rule",
    "softmax_jacobian": "softmax Jacobian d a_n / d z_i = a_n (delta_ni - a_i); the factor a_n cancels",
    "log_derivative": "d log u / du = 1 / u, so dH/da_n = -y_n / a_n",
    "quotient_rule": "quotient rule",
    "cancel": "cancel common factors",
    "factor": "collect common factors",
    "logit_gradient": "the logit gradient dH/dz_n derived above, and the derivative of the logits",
    "targets_sum_to_one": "assumption: the targets sum to 1",
    "batch_mean": "the batch loss is the mean of the per-example losses",
    "diagonal_only": "(the common mistake) keep only the diagonal of the softmax Jacobian",
    "bce_definition": "definition of the binary cross-entropy, summed over the classes",
    "sigmoid_definition": "definition of the sigmoid a = 1 / (1 + exp(-z))",
    "weight_gradient": "the weight gradient dH/dW_ij derived above, and d(W_pq^2)/dW_ij = 2 W_ij delta",
    "hessian_from_jacobian": "differentiate the logit gradient with the softmax Jacobian (y is constant)",
    "hessian_result": "the Hessian d2H/dz_i dz_j derived above",
    "softmax_sums_to_one": "sum_i a_i = 1",
    "softplus_form": "log(1 / (1 + e^-z)) = -log(1 + e^-z) and log(1 - a) = -z - log(1 + e^-z)",
}


#: Where the numeric samples of a symbolic-k proof instantiate it (classes, features, examples).
PROOF_SAMPLE_SIZES: tuple[Sizes, ...] = (Sizes(2, 2, 2), Sizes(3, 2, 2))


@dataclass(frozen=True)
class Step:
    """One checked step: ``before = after`` by ``rule`` under ``assumptions``."""

    rule: str
    before: sympy.Expr
    after: sympy.Expr
    assumptions: tuple[Assumption, ...]
    outcome: Outcome

    @property
    def verdict(self) -> str:
        return self.outcome.verdict


@dataclass(frozen=True)
class Derivation:
    """A named chain of checked steps for one quantity."""

    name: str
    title: str
    quantity: sympy.Expr
    steps: tuple[Step, ...]
    result: sympy.Expr
    result_unassumed: sympy.Expr
    assumptions: tuple[Assumption, ...]
    model: Model

    @property
    def verdicts(self) -> tuple[str, ...]:
        return tuple(step.verdict for step in self.steps)


@dataclass(frozen=True)
class Move:
    """An unchecked step as a builder writes it."""

    rule: str
    after: sympy.Expr
    assumptions: tuple[Assumption, ...] = ()


def check_chain(
    name: str,
    title: str,
    quantity: sympy.Expr,
    moves: Sequence[Move],
    model: Model,
    *,
    unassumed_at: int | None = None,
    seed: int = 0,
) -> Derivation:
    """Check every move against the expression before it, and collect the derivation."""
    assert all(move.rule in RULES for move in moves), "a step cites an unknown rule"
    steps: list[Step] = []
    before = quantity
    held: tuple[Assumption, ...] = ()
    cache: ValueCache = {}  # the same seeded points for every step: each expression is evaluated once
    for move in moves:
        held = tuple(dict.fromkeys(held + move.assumptions))
        outcome = decide(
            before,
            move.after,
            model,
            held,
            seed=seed,
            max_cases=2,
            try_simplify=False,
            sizes=PROOF_SAMPLE_SIZES,
            cache=cache,
        )
        steps.append(Step(move.rule, before, move.after, held, outcome))
        before = move.after
    unassumed = moves[unassumed_at].after if unassumed_at is not None else moves[-1].after
    return Derivation(name, title, quantity, tuple(steps), moves[-1].after, unassumed, held, model)


# -- the builders ---------------------------------------------------------------------------------


def _sum(body_of: Callable[[sympy.Idx], sympy.Expr], model: Model, stem: str = "n") -> sympy.Expr:
    index = sympy.Idx(stem, (1, model.classes))
    return Sum(body_of(index), (index, 1, model.classes))


def target_sum(model: Model, stem: str = "n") -> sympy.Expr:
    """sum_n y_n."""
    return _sum(lambda n: s.y[n], model, stem)


def logit_gradient_route_lse(model: Model) -> Derivation:
    """dH/dz_i through log-sum-exp."""
    i = s.class_index("i", model.classes)
    lse = log(_sum(lambda m: exp(s.z[m]), model, "m"))
    moves = [
        Move("definition", Derivative(-_sum(lambda n: s.y[n] * log(s.a[n]), model), s.z[i])),
        Move(
            "softmax_definition",
            Derivative(
                -_sum(lambda n: s.y[n] * log(exp(s.z[n]) / _sum(lambda m: exp(s.z[m]), model, "m")), model),
                s.z[i],
            ),
        ),
        Move("log_of_quotient", Derivative(-_sum(lambda n: s.y[n] * (s.z[n] - lse), model), s.z[i])),
        Move(
            "linearity", Derivative(-_sum(lambda n: s.y[n] * s.z[n], model) + target_sum(model) * lse, s.z[i])
        ),
        Move(
            "differentiate",
            -_sum(lambda n: s.y[n] * KroneckerDelta(n, i), model)
            + target_sum(model)
            * _sum(lambda m: exp(s.z[m]) * KroneckerDelta(m, i), model, "m")
            / _sum(lambda m: exp(s.z[m]), model, "m"),
        ),
        Move(
            "kronecker_delta_sum",
            -s.y[i] + target_sum(model) * exp(s.z[i]) / _sum(lambda m: exp(s.z[m]), model, "m"),
        ),
        Move("softmax_definition", s.a[i] * target_sum(model) - s.y[i]),
        Move("targets_sum_to_one", s.a[i] - s.y[i], (Assumption.SUM_TO_ONE,)),
    ]
    return check_chain(
        "logits_lse", "dH/dz through log-sum-exp", Derivative(s.H, s.z[i]), moves, model, unassumed_at=-2
    )


def logit_gradient_route_jacobian(model: Model) -> Derivation:
    """dH/dz_i through the full softmax Jacobian."""
    i = s.class_index("i", model.classes)
    moves = [
        Move("chain_rule", _sum(lambda n: Derivative(s.H, s.a[n]) * Derivative(s.a[n], s.z[i]), model)),
        Move("log_derivative", _sum(lambda n: -s.y[n] / s.a[n] * Derivative(s.a[n], s.z[i]), model)),
        Move("softmax_jacobian", -_sum(lambda n: s.y[n] * (KroneckerDelta(n, i) - s.a[i]), model)),
        Move("linearity", -_sum(lambda n: s.y[n] * KroneckerDelta(n, i), model) + s.a[i] * target_sum(model)),
        Move("kronecker_delta_sum", s.a[i] * target_sum(model) - s.y[i]),
        Move("targets_sum_to_one", s.a[i] - s.y[i], (Assumption.SUM_TO_ONE,)),
    ]
    return check_chain(
        "logits", "dH/dz through the softmax Jacobian", Derivative(s.H, s.z[i]), moves, model, unassumed_at=-2
    )


def softmax_jacobian(model: Model) -> Derivation:
    """da_j/dz_i = a_j (delta_ij - a_i)."""
    i = s.class_index("i", model.classes)
    j = s.class_index("j", model.classes)
    total = _sum(lambda n: exp(s.z[n]), model)
    moves = [
        Move("softmax_definition", Derivative(exp(s.z[j]) / total, s.z[i])),
        Move(
            "quotient_rule",
            (
                exp(s.z[j]) * KroneckerDelta(i, j) * total
                - exp(s.z[j]) * _sum(lambda n: exp(s.z[n]) * KroneckerDelta(n, i), model)
            )
            / total**2,
        ),
        Move(
            "kronecker_delta_sum",
            (exp(s.z[j]) * KroneckerDelta(i, j) * total - exp(s.z[j]) * exp(s.z[i])) / total**2,
        ),
        Move("softmax_definition", s.a[j] * KroneckerDelta(i, j) - s.a[j] * s.a[i]),
        Move("factor", s.a[j] * (KroneckerDelta(i, j) - s.a[i])),
    ]
    return check_chain("jacobian", "the softmax Jacobian da_j/dz_i", Derivative(s.a[j], s.z[i]), moves, model)


def _through_logits(
    model: Model,
    variable: sympy.Expr,
    logit_derivative: Callable[[sympy.Idx], sympy.Expr],
    name: str,
    title: str,
    collapsed: sympy.Expr,
    collapsed_assumed: sympy.Expr,
) -> Derivation:
    """dH/dv = sum_n dH/dz_n dz_n/dv, then the logit gradient, the delta sum and the targets."""
    moves = [
        Move(
            "chain_rule",
            _sum(lambda n: Derivative(s.H, s.z[n]) * Derivative(model.logit(n), variable), model),
        ),
    ]
    if model.loss_kind == "sigmoid-bce":  # dH/dz_n = a_n - y_n for any targets: no assumption to state
        moves += [
            Move("logit_gradient", _sum(lambda n: (s.a[n] - s.y[n]) * logit_derivative(n), model)),
            Move("kronecker_delta_sum", collapsed_assumed),
        ]
        return check_chain(name, title, Derivative(s.H, variable), moves, model)
    moves += [
        Move(
            "logit_gradient",
            _sum(lambda n: (s.a[n] * target_sum(model, "m") - s.y[n]) * logit_derivative(n), model),
        ),
        Move("kronecker_delta_sum", collapsed),
        Move("targets_sum_to_one", collapsed_assumed, (Assumption.SUM_TO_ONE,)),
    ]
    return check_chain(name, title, Derivative(s.H, variable), moves, model, unassumed_at=-2)


def weight_gradient(model: Model) -> Derivation:
    """dH/dW_ij = x_i (a_j - y_j) (W_ji under the W_x convention)."""
    i = s.feature_index("i", model.features)
    j = s.class_index("j", model.classes)
    return _through_logits(
        model,
        model.weight(i, j),
        lambda n: s.x[i] * KroneckerDelta(n, j),
        "weights",
        "dH/dW",
        s.x[i] * (s.a[j] * target_sum(model, "m") - s.y[j]),
        s.x[i] * (s.a[j] - s.y[j]),
    )


def bias_gradient(model: Model) -> Derivation:
    """dH/db_j = a_j - y_j."""
    j = s.class_index("j", model.classes)
    return _through_logits(
        model,
        s.b[j],
        lambda n: KroneckerDelta(n, j),
        "bias",
        "dH/db",
        s.a[j] * target_sum(model, "m") - s.y[j],
        s.a[j] - s.y[j],
    )


def input_gradient(model: Model) -> Derivation:
    """dH/dx_i = sum_n W_in (a_n - y_n)."""
    i = s.feature_index("i", model.features)
    return _through_logits(
        model,
        s.x[i],
        lambda n: model.weight(i, n),
        "inputs",
        "dH/dx",
        _sum(lambda n: model.weight(i, n) * (s.a[n] * target_sum(model, "m") - s.y[n]), model),
        _sum(lambda n: model.weight(i, n) * (s.a[n] - s.y[n]), model),
    )


def _batch_sum(body_of: Callable[[sympy.Idx], sympy.Expr], model: Model) -> sympy.Expr:
    m = s.example_index("m", model.examples)
    return Sum(body_of(m), (m, 1, model.examples))


def batch_gradients(model: Model, which: Sequence[str] = ("W", "b")) -> list[Derivation]:
    """Batch mean: grad_W = X^T (A - Y) / N and grad_b = column means of A - Y (those named in ``which``)."""
    batch = Model(
        model.classes, model.features, model.examples, model.convention, batch=True, loss_kind=model.loss_kind
    )
    i = s.feature_index("i", batch.features)
    j = s.class_index("j", batch.classes)

    def row_target_sum(m: sympy.Idx) -> sympy.Expr:
        n = sympy.Idx("r", (1, batch.classes))
        return Sum(s.Y[m, n], (n, 1, batch.classes))

    def build(
        variable: sympy.Expr,
        logit_derivative: Callable[[sympy.Idx, sympy.Idx], sympy.Expr],
        factor: Callable[[sympy.Idx], sympy.Expr],
        name: str,
        title: str,
    ) -> Derivation:
        n = sympy.Idx("n", (1, batch.classes))
        # Sigmoid + BCE: dH/dZ_mn = (A_mn - Y_mn) / N for any targets, so there is no sum-to-one step.
        sigmoid = batch.loss_kind == "sigmoid-bce"

        def row_scale(m: sympy.Idx) -> sympy.Expr:
            return sympy.S.One if sigmoid else row_target_sum(m)

        moves = [
            Move(
                "chain_rule",
                _batch_sum(
                    lambda m: Sum(
                        Derivative(s.H, s.Z[m, n]) * Derivative(batch.batch_logit(m, n), variable),
                        (n, 1, batch.classes),
                    ),
                    batch,
                ),
            ),
            Move(
                "logit_gradient",
                _batch_sum(
                    lambda m: Sum(
                        (s.A[m, n] * row_scale(m) - s.Y[m, n]) * logit_derivative(m, n),
                        (n, 1, batch.classes),
                    ),
                    batch,
                )
                / batch.examples,
            ),
            Move(
                "kronecker_delta_sum",
                _batch_sum(lambda m: factor(m) * (s.A[m, j] * row_scale(m) - s.Y[m, j]), batch)
                / batch.examples,
            ),
        ]
        if sigmoid:
            return check_chain(name, title, Derivative(s.H, variable), moves, batch)
        moves.append(
            Move(
                "targets_sum_to_one",
                _batch_sum(lambda m: factor(m) * (s.A[m, j] - s.Y[m, j]), batch) / batch.examples,
                (Assumption.SUM_TO_ONE,),
            )
        )
        return check_chain(name, title, Derivative(s.H, variable), moves, batch, unassumed_at=-2)

    builders = {
        "W": lambda: build(
            batch.weight(i, j),
            lambda m, n: s.X[m, i] * KroneckerDelta(n, j),
            lambda m: s.X[m, i],
            "batch_weights",
            "batch mean: grad_W = X^T (A - Y) / N",
        ),
        "b": lambda: build(
            s.b[j],
            lambda m, n: KroneckerDelta(n, j),
            lambda m: sympy.S.One,
            "batch_bias",
            "batch mean: grad_b = column means of A - Y",
        ),
    }
    return [builders[name]() for name in which]


def diagonal_only_mistake(model: Model) -> Derivation:
    """The seed answer's error: dH/dz_j with only the diagonal of the softmax Jacobian (refuted)."""
    j = s.class_index("j", model.classes)
    moves = [
        Move("chain_rule", _sum(lambda n: Derivative(s.H, s.a[n]) * Derivative(s.a[n], s.z[j]), model)),
        Move("diagonal_only", Derivative(s.H, s.a[j]) * s.a[j] * (1 - s.a[j])),
        Move("log_derivative", -s.y[j] * (1 - s.a[j])),
    ]
    return check_chain(
        "mistake_diagonal",
        "the diagonal-only Jacobian (a common mistake)",
        Derivative(s.H, s.z[j]),
        moves,
        model,
    )


def sigmoid_logit_gradient(model: Model) -> Derivation:
    """Sigmoid + binary cross-entropy: dH/dz_i = a_i - y_i for any targets (no assumption)."""
    i = s.class_index("i", model.classes)

    def softplus(n: sympy.Expr) -> sympy.Expr:
        return log(1 + exp(-s.z[n]))

    moves = [
        Move(
            "bce_definition",
            Derivative(-_sum(lambda n: s.y[n] * log(s.a[n]) + (1 - s.y[n]) * log(1 - s.a[n]), model), s.z[i]),
        ),
        Move(
            "sigmoid_definition",
            Derivative(
                -_sum(
                    lambda n: (
                        s.y[n] * log(1 / (1 + exp(-s.z[n])))
                        + (1 - s.y[n]) * log(exp(-s.z[n]) / (1 + exp(-s.z[n])))
                    ),
                    model,
                ),
                s.z[i],
            ),
        ),
        Move("softplus_form", Derivative(_sum(lambda n: (1 - s.y[n]) * s.z[n] + softplus(n), model), s.z[i])),
        Move(
            "differentiate",
            _sum(
                lambda n: (
                    (1 - s.y[n]) * KroneckerDelta(n, i)
                    - exp(-s.z[n]) * KroneckerDelta(n, i) / (1 + exp(-s.z[n]))
                ),
                model,
            ),
        ),
        Move("kronecker_delta_sum", 1 - s.y[i] - exp(-s.z[i]) / (1 + exp(-s.z[i]))),
        Move("sigmoid_definition", s.a[i] - s.y[i]),
    ]
    return check_chain("bce_logits", "sigmoid + BCE: dH/dz", Derivative(s.H, s.z[i]), moves, model)


def sigmoid_jacobian(model: Model) -> Derivation:
    """da_j/dz_i = a_j (1 - a_j) delta_ij for the per-class sigmoid."""
    i = s.class_index("i", model.classes)
    j = s.class_index("j", model.classes)
    moves = [
        Move("sigmoid_definition", Derivative(1 / (1 + exp(-s.z[j])), s.z[i])),
        Move("quotient_rule", exp(-s.z[j]) * KroneckerDelta(i, j) / (1 + exp(-s.z[j])) ** 2),
        Move("sigmoid_definition", s.a[j] * (1 - s.a[j]) * KroneckerDelta(i, j)),
    ]
    return check_chain(
        "bce_jacobian", "the sigmoid Jacobian da_j/dz_i", Derivative(s.a[j], s.z[i]), moves, model
    )


#: What ``derive prove --wrt`` can ask for (the builders behind each choice are in derivations_for).
WRT_CHOICES: tuple[str, ...] = choices.WRT_CHOICES


def derivations_for(wrt: str, model: Model, batch: bool = False, variant: str = "plain") -> list[Derivation]:
    """The derivations ``derive prove`` reports for one choice of ``--wrt`` (and ``--variant``)."""
    if variant != "plain":
        variant_wrt, build = VARIANTS[variant]
        if wrt != variant_wrt or batch or model.loss_kind != "softmax-ce":
            raise UsageError(f"--variant {variant} goes with --wrt {variant_wrt}, softmax-ce and no --batch")
        return [build(model)]
    if batch:  # only the batch mean asked for (W or b), not both
        return batch_gradients(model, [wrt] if wrt in ("W", "b") else ["W", "b"])
    if model.loss_kind == "sigmoid-bce":
        sigmoid_builders: dict[str, list[Callable[[Model], Derivation]]] = {
            "z": [sigmoid_logit_gradient],
            "W": [weight_gradient],
            "b": [bias_gradient],
            "x": [input_gradient],
            "jacobian": [sigmoid_jacobian],
        }
        return [build(model) for build in sigmoid_builders[wrt]]
    builders: dict[str, list[Callable[[Model], Derivation]]] = {
        "z": [logit_gradient_route_jacobian, logit_gradient_route_lse],
        "W": [weight_gradient],
        "b": [bias_gradient],
        "x": [input_gradient],
        "jacobian": [softmax_jacobian],
        "hessian": [hessian_logits, hessian_quadratic_form, hessian_null_space],
    }
    return [build(model) for build in builders[wrt]]


def all_derivations(model: Model) -> list[Derivation]:
    """Everything: Jacobian, both routes to dH/dz, dH/dW, dH/db, dH/dx and the batch means."""
    derivations = [
        softmax_jacobian(model),
        logit_gradient_route_jacobian(model),
        logit_gradient_route_lse(model),
        weight_gradient(model),
        bias_gradient(model),
        input_gradient(model),
    ]
    derivations.extend(batch_gradients(model))
    return derivations


# -- variants of the loss (label smoothing, temperature, weight decay) -----------------------------------


def label_smoothing_gradient(model: Model) -> Derivation:
    """Smoothed targets t_n = (1 - epsilon) delta_nc + epsilon / k: dH/dz_i = a_i - t_i, for every epsilon."""
    i = s.class_index("i", model.classes)
    c = s.class_index("c", model.classes)

    def smoothed(n: sympy.Expr) -> sympy.Expr:
        return (1 - s.epsilon) * KroneckerDelta(n, c) + s.epsilon / model.classes

    moves = [
        Move("logit_gradient", s.a[i] * _sum(smoothed, model) - smoothed(i)),
        Move("kronecker_delta_sum", s.a[i] * ((1 - s.epsilon) + s.epsilon) - smoothed(i)),
        Move("cancel", s.a[i] - smoothed(i)),
    ]
    quantity = Derivative(-_sum(lambda n: smoothed(n) * log(s.a[n]), model), s.z[i])
    return check_chain("label_smoothing", "label smoothing: dH/dz", quantity, moves, model)


def temperature_gradient(model: Model) -> Derivation:
    """Logits divided by a temperature T: dH/dz_i = (softmax(z / T)_i sum_n y_n - y_i) / T."""
    i = s.class_index("i", model.classes)
    total = _sum(lambda m: exp(s.z[m] / s.T), model, "m")
    moves = [
        Move(
            "log_of_quotient",
            Derivative(-_sum(lambda n: s.y[n] * (s.z[n] / s.T - log(total)), model), s.z[i]),
        ),
        Move(
            "differentiate",
            -_sum(lambda n: s.y[n] * KroneckerDelta(n, i), model) / s.T
            + target_sum(model)
            * _sum(lambda m: exp(s.z[m] / s.T) * KroneckerDelta(m, i), model, "m")
            / (s.T * total),
        ),
        Move("kronecker_delta_sum", (exp(s.z[i] / s.T) / total * target_sum(model) - s.y[i]) / s.T),
        Move("targets_sum_to_one", (exp(s.z[i] / s.T) / total - s.y[i]) / s.T, (Assumption.SUM_TO_ONE,)),
    ]
    quantity = Derivative(-_sum(lambda n: s.y[n] * log(exp(s.z[n] / s.T) / total), model), s.z[i])
    return check_chain("temperature", "temperature T: dH/dz", quantity, moves, model, unassumed_at=-2)


def weight_decay_gradient(model: Model) -> Derivation:
    """H + lambda/2 ||W||^2: dH/dW_ij gains lambda W_ij."""
    i = s.feature_index("i", model.features)
    j = s.class_index("j", model.classes)
    p = s.feature_index("p", model.features)
    q = s.class_index("q", model.classes)
    penalty = s.lam / 2 * Sum(model.weight(p, q) ** 2, (p, 1, model.features), (q, 1, model.classes))
    variable = model.weight(i, j)
    moves = [
        Move("linearity", Derivative(s.H, variable) + Derivative(penalty, variable)),
        Move("weight_gradient", s.x[i] * (s.a[j] * target_sum(model, "m") - s.y[j]) + s.lam * variable),
        Move("targets_sum_to_one", s.x[i] * (s.a[j] - s.y[j]) + s.lam * variable, (Assumption.SUM_TO_ONE,)),
    ]
    return check_chain(
        "weight_decay",
        "L2 weight decay: dH/dW",
        Derivative(s.H + penalty, variable),
        moves,
        model,
        unassumed_at=-2,
    )


def hessian_logits(model: Model) -> Derivation:
    """d2H / dz_i dz_j = (sum_n y_n) a_i (delta_ij - a_j): (sum y) (diag(a) - a a^T)."""
    i = s.class_index("i", model.classes)
    j = s.class_index("j", model.classes)
    moves = [
        Move("logit_gradient", Derivative(s.a[i] * target_sum(model) - s.y[i], s.z[j])),
        Move("hessian_from_jacobian", target_sum(model) * s.a[i] * (KroneckerDelta(i, j) - s.a[j])),
        Move("factor", target_sum(model) * (s.a[i] * KroneckerDelta(i, j) - s.a[i] * s.a[j])),
    ]
    return check_chain("hessian", "the Hessian d2H/dz_i dz_j", Derivative(s.H, s.z[i], s.z[j]), moves, model)


def hessian_quadratic_form(model: Model) -> Derivation:
    """v^T (d2H/dz2) v = (sum y) sum_i a_i (v_i - sum_j a_j v_j)^2: a variance, so >= 0 when sum y >= 0."""
    i = s.class_index("i", model.classes)
    j = s.class_index("j", model.classes)

    def over_classes(body: sympy.Expr, index: sympy.Idx) -> sympy.Expr:
        return Sum(body, (index, 1, model.classes))

    mean = _sum(lambda m: s.a[m] * s.v[m], model, "m")
    quantity = over_classes(over_classes(s.v[i] * Derivative(s.H, s.z[i], s.z[j]) * s.v[j], j), i)
    moves = [
        Move(
            "hessian_result",
            over_classes(
                over_classes(
                    s.v[i] * s.v[j] * target_sum(model) * s.a[i] * (KroneckerDelta(i, j) - s.a[j]), j
                ),
                i,
            ),
        ),
        Move("kronecker_delta_sum", target_sum(model) * (over_classes(s.a[i] * s.v[i] ** 2, i) - mean**2)),
        Move("softmax_sums_to_one", target_sum(model) * over_classes(s.a[i] * (s.v[i] - mean) ** 2, i)),
    ]
    return check_chain("hessian_psd", "the Hessian is positive semi-definite", quantity, moves, model)


def hessian_null_space(model: Model) -> Derivation:
    """Every row of the Hessian sums to 0: the all-ones vector is in its null space."""
    i = s.class_index("i", model.classes)
    j = s.class_index("j", model.classes)
    moves = [
        Move(
            "hessian_result",
            Sum(target_sum(model) * s.a[i] * (KroneckerDelta(i, j) - s.a[j]), (j, 1, model.classes)),
        ),
        Move(
            "kronecker_delta_sum",
            target_sum(model) * (s.a[i] - s.a[i] * _sum(lambda m: s.a[m], model, "m")),
        ),
        Move("softmax_sums_to_one", sympy.S.Zero),
    ]
    quantity = Sum(Derivative(s.H, s.z[i], s.z[j]), (j, 1, model.classes))
    return check_chain("hessian_null", "the Hessian times the all-ones vector is 0", quantity, moves, model)


def extension_derivations() -> list[Derivation]:
    """Beyond plain softmax cross-entropy (symbolic k): sigmoid + BCE, label smoothing, temperature, weight
    decay and the Hessian with its positive semi-definiteness and null space."""
    return [
        sigmoid_logit_gradient(Model(loss_kind="sigmoid-bce")),
        label_smoothing_gradient(Model()),
        temperature_gradient(Model()),
        weight_decay_gradient(Model()),
        hessian_logits(Model()),
        hessian_quadratic_form(Model()),
        hessian_null_space(Model()),
    ]


#: ``derive prove --variant``: each variant's derivation, and the ``--wrt`` it answers.
VARIANTS: dict[str, tuple[str, Callable[[Model], Derivation]]] = {
    "label-smoothing": ("z", label_smoothing_gradient),
    "temperature": ("z", temperature_gradient),
    "weight-decay": ("W", weight_decay_gradient),
}

assert tuple(VARIANTS) == choices.VARIANT_NAMES, "derive.choices.VARIANT_NAMES must list every variant"
