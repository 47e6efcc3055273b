"""Prints the checked derivation as the strings of the NumPy reference module.

The emitted module's loss and gradient lines are printed from the derivation's expressions, not typed
into the template: the loss from the log-sum-exp form (the ``linearity`` step of the log-sum-exp route),
the logit gradient from the exact result ``a_i sum_j y_j - y_i`` and, for integer labels, from the same
result under the one-hot assumption. A small table maps index-form pieces to NumPy names; anything the
table does not cover raises instead of printing something wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy
from sympy import Derivative, Indexed, KroneckerDelta, Sum

from derive import symbols as s
from derive.derivation import Derivation, all_derivations, extension_derivations
from derive.equivalence import Assumption, apply_assumptions, canonical
from derive.errors import EmitError
from derive.loss import Model


class UnprintableError(EmitError):
    """A piece of the derivation the NumPy printer has no name for."""


@dataclass(frozen=True)
class Piece:
    """How one index-form piece prints, per target kind."""

    dense: str
    labels: str


def _match(expr: sympy.Expr) -> Piece:
    """The NumPy spelling of a canonical index-form piece (``Sum(y[s])``, ``y[i]``, ...).

    The row sums of dense targets are computed once per block of rows (``target_sums``) and shared by the
    loss, the gradient and the finiteness check of the targets.
    """
    if isinstance(expr, Sum) and len(expr.limits) == 1:
        body = expr.function
        index = expr.limits[0][0]
        if isinstance(body, Indexed) and body.base == s.y and body.indices == (index,):
            return Piece("target_sums", "1")
        if isinstance(body, sympy.Mul) and set(body.args) == {s.y[index], s.z[index]}:
            return Piece("np.einsum('nk,nk->n', targets, logits)", "logits[rows, labels]")
        if isinstance(body, sympy.exp) and body.args[0] == s.z[index]:
            return Piece("np.exp(logits).sum(axis=-1)", "np.exp(logits).sum(axis=-1)")
    if isinstance(expr, sympy.log) and isinstance(expr.args[0], Sum):
        inner = expr.args[0]
        if inner.function == sympy.exp(s.z[inner.limits[0][0]]):
            return Piece("log_sum_exp", "log_sum_exp")
    raise UnprintableError(f"the NumPy printer has no name for {expr}")


def _print_sum_of_products(expr: sympy.Expr, kind: str) -> str:
    terms: list[str] = []
    ordered = sorted(
        sympy.Add.make_args(sympy.expand(expr)), key=lambda term: term.could_extract_minus_sign()
    )
    for term in ordered:
        coefficient, factors = term.as_coeff_mul()
        printed = [getattr(_match(factor), kind) for factor in factors]
        printed = [p for p in printed if p != "1"]
        body = " * ".join(printed) if printed else "1"
        if coefficient == -1:
            terms.append(f"- {body}")
        elif coefficient == 1:
            terms.append(f"+ {body}")
        else:
            raise UnprintableError(f"unexpected coefficient {coefficient} in {expr}")
    text = " ".join(terms)
    return text[2:] if text.startswith("+ ") else "-" + text[2:]


def loss_expressions(lse_route: Derivation) -> tuple[str, str]:
    """Per-row loss for dense targets and for labels, from the log-sum-exp form of H."""
    linear = next(step.after for step in lse_route.steps if step.rule == "linearity")
    assert isinstance(linear, Derivative)
    loss = canonical(linear.expr)
    dense = _print_sum_of_products(loss, "dense")
    labels = _print_sum_of_products(loss, "labels")
    return dense, labels


@dataclass(frozen=True)
class GradientPieces:
    """The logit gradient a_i F - G as the kernel applies it to ``grad`` = probabilities * ``unit``.

    ``unit`` is the factor every gradient entry carries (1/N for the mean, 1/T with a temperature), so the
    row factor F joins the one multiply that normalizes the exponentials, and G is subtracted times
    ``unit``: dense targets arrive already multiplied by it, and a one-hot G is a scatter of ``unit``.
    """

    dense_row_factor: str
    dense_statements: list[str]
    label_statements: list[str]


def gradient_statements(logit_route: Derivation) -> GradientPieces:
    """The pieces of the exact result a_i * F - G, for dense targets and for labels (one-hot targets:
    F = 1 and G = delta_ic, printed as a scatter into the labels' entries)."""
    i = _free_index(logit_route)
    exact = canonical(logit_route.result_unassumed)
    scale = exact.coeff(s.a[i])
    rest = sympy.expand(exact - s.a[i] * scale)
    if rest != -s.y[i]:
        raise UnprintableError(f"unexpected remainder {rest} in the logit gradient")
    dense_factor = _match(scale).dense if scale != 1 else "np.ones_like(target_sums)"
    one_hot = apply_assumptions(exact, [Assumption.ONE_HOT])
    label_scale = sympy.expand(one_hot).coeff(s.a[i])
    if label_scale != 1:
        raise UnprintableError(f"one-hot gradient scale {label_scale} is not 1")
    label_rest = sympy.expand(one_hot - s.a[i])
    if not (isinstance(-label_rest, KroneckerDelta)):
        raise UnprintableError(f"unexpected one-hot remainder {label_rest}")
    return GradientPieces(dense_factor, ["grad -= targets"], ["grad[rows, labels] -= unit"])


def sigmoid_gradient_statements(sigmoid_route: Derivation) -> list[str]:
    """In-place statements turning ``grad`` (the sigmoids) into dH/dz for sigmoid + BCE.

    The result has the form a_i - y_i for any targets (no assumption): ``grad -= targets``.
    """
    i = _free_index(sigmoid_route)
    exact = canonical(sigmoid_route.result)
    scale = sympy.expand(exact).coeff(s.a[i])
    if scale != 1:
        raise UnprintableError(f"sigmoid gradient scale {scale} is not 1")
    rest = sympy.expand(exact - s.a[i])
    if rest != -s.y[i]:
        raise UnprintableError(f"unexpected remainder {rest} in the sigmoid logit gradient")
    return ["grad -= targets"]


def hessian_scale_expressions(hessian: Derivation) -> tuple[str, str]:
    """The per-row factor of the softmax cross-entropy Hessian, dense and labels, printed from the checked
    derivation ``hessian``: its result is (sum_n y_n) (a_i delta_ij - a_i a_j)."""
    result = hessian.result
    sums = [factor for factor in sympy.Mul.make_args(result) if isinstance(factor, Sum)]
    if len(sums) != 1:
        raise UnprintableError(f"the Hessian {result} has no single target-sum factor")
    piece = _match(sums[0])
    return piece.dense, piece.labels


def label_smoothing_statements(smoothing_route: Derivation) -> list[str]:
    """In-place statements turning ``grad`` (the probabilities) into dH/dz for smoothed integer labels.

    Printed from the checked derivation ``label_smoothing``: its result has the form
    a_i - (1 - epsilon) delta_ic - epsilon / k, printed as a scatter of ``1 - label_smoothing`` into the
    labels' entries and a subtraction of ``label_smoothing / k`` everywhere.
    """
    i = _free_index(smoothing_route)
    result = sympy.expand(canonical(smoothing_route.result_unassumed))
    if result.coeff(s.a[i]) != 1:
        raise UnprintableError(f"label-smoothing gradient scale {result.coeff(s.a[i])} is not 1")
    rest = sympy.expand(result - s.a[i])
    deltas = [atom for atom in rest.atoms(KroneckerDelta) if i in atom.args]
    if len(deltas) != 1:
        raise UnprintableError(f"unexpected label-smoothing remainder {rest}")
    delta = deltas[0]
    scatter = sympy.expand(-rest.coeff(delta))
    spread = sympy.expand(-(rest - rest.coeff(delta) * delta))
    if scatter != 1 - s.epsilon:
        raise UnprintableError(f"unexpected one-hot weight {scatter} in the label-smoothing gradient")
    if spread != s.epsilon / smoothing_route.model.classes:
        raise UnprintableError(f"unexpected uniform term {spread} in the label-smoothing gradient")
    return ["grad[rows, labels] -= unit * (1 - label_smoothing)", "grad -= unit * label_smoothing / k"]


def temperature_factor(temperature_route: Derivation) -> str:
    """The 1/T factor of the checked derivation ``temperature`` (it joins the gradient's ``unit``).

    Its exact result is (softmax(z / T)_i sum_n y_n - y_i) / T: the gradient at the scaled logits z / T
    (the plain logit gradient) times 1 / T.
    """
    i = _free_index(temperature_route)
    result = temperature_route.result_unassumed
    outside = [factor for factor in sympy.Mul.make_args(result) if not factor.has(s.z[i])]
    if outside != [1 / s.T]:
        raise UnprintableError(f"the temperature gradient {result} has no single 1/T factor")
    inner = sympy.Mul(*[factor for factor in sympy.Mul.make_args(result) if factor.has(s.z[i])])
    if sympy.expand(inner).coeff(s.y[i]) != -1:
        raise UnprintableError(f"unexpected temperature gradient {inner} inside the 1/T factor")
    return "1 / temperature"


def weight_decay_pieces(decay_route: Derivation) -> tuple[str, str]:
    """The loss term and the dH/dW term of the checked derivation ``weight_decay``.

    Its quantity is d(H + lambda/2 sum_pq W_pq^2)/dW_ij and its result gains lambda W_ij: printed as
    ``weight_decay / 2 * sum(weights**2)`` (accumulated in float64) and ``weight_decay * weights``.
    """
    quantity = decay_route.quantity
    assert isinstance(quantity, Derivative)
    variable = quantity.variables[0]
    assert isinstance(variable, Indexed)
    penalty = sympy.expand(quantity.expr - s.H)
    sums = [factor for factor in sympy.Mul.make_args(penalty) if isinstance(factor, Sum)]
    if len(sums) != 1 or sympy.expand(penalty / sums[0]) != s.lam / 2:
        raise UnprintableError(f"unexpected weight-decay penalty {penalty}")
    body = sums[0].function
    if not (isinstance(body, sympy.Pow) and body.exp == 2 and isinstance(body.base, Indexed)):
        raise UnprintableError(f"the weight-decay penalty {penalty} is not a sum of squares")
    if body.base.base != variable.base or len(sums[0].limits) != len(variable.indices):
        raise UnprintableError(f"the weight-decay penalty {penalty} does not run over every weight")
    result = sympy.expand(decay_route.result_unassumed)
    extra = result.coeff(s.lam)
    if extra != variable or sympy.expand(result - s.lam * extra).has(s.lam):
        raise UnprintableError(f"unexpected weight-decay term in {result}")
    return (
        "weight_decay / 2 * np.square(weights, dtype=np.float64).sum()",
        "weight_decay * weights",
    )


def _free_index(derivation: Derivation) -> sympy.Idx:
    quantity = derivation.quantity
    assert isinstance(quantity, Derivative)
    variable = quantity.variables[0]
    assert isinstance(variable, Indexed)
    index = variable.indices[0]
    assert isinstance(index, sympy.Idx)
    return index


def derivation_lines(derivations: Sequence[Derivation]) -> list[str]:
    """Plain-text lines for the module docstring: each derivation's exact and assumed result."""
    lines = ["H(z, y) = -sum_j y_j log a_j,  a = softmax(z),  z = W^T x + b  (batch: z = X W + b)"]
    shown: set[tuple[sympy.Expr, sympy.Expr]] = set()
    for derivation in derivations:
        if (derivation.quantity, derivation.result) in shown:
            continue  # the same result by another route
        shown.add((derivation.quantity, derivation.result))
        lines.append(f"{sympy.sstr(derivation.quantity)} = {sympy.sstr(derivation.result_unassumed)}")
        if derivation.assumptions:
            when = "; ".join(assumption.value for assumption in derivation.assumptions)
            lines.append(f"    = {sympy.sstr(derivation.result)}    (when {when})")
    return lines


def checked_derivations() -> dict[str, Derivation]:
    """Every derivation the module is printed from, by name (computed here; the build shares its own)."""
    return {d.name: d for d in [*all_derivations(Model()), *extension_derivations()]}


#: The derivations whose results the module docstring lists, in order.
DOCSTRING_DERIVATIONS: tuple[str, ...] = (
    "jacobian",
    "logits",
    "logits_lse",
    "weights",
    "bias",
    "inputs",
    "batch_weights",
    "batch_bias",
)


def reference_context(derivations: Mapping[str, Derivation] | None = None) -> dict[str, object]:
    """Everything the reference-module template shows, printed from the checked ``derivations`` (by name:
    the main results and the extensions; computed when not given)."""
    if derivations is None:
        derivations = checked_derivations()
    loss_dense, loss_labels = loss_expressions(derivations["logits_lse"])
    gradient = gradient_statements(derivations["logits"])
    sigmoid_statements = sigmoid_gradient_statements(derivations["bce_logits"])
    hessian_dense, hessian_labels = hessian_scale_expressions(derivations["hessian"])
    decay_loss, decay_grad = weight_decay_pieces(derivations["weight_decay"])
    return {
        "derivation_lines": derivation_lines([derivations[name] for name in DOCSTRING_DERIVATIONS]),
        "loss_dense_expression": loss_dense,
        "loss_label_expression": loss_labels,
        "grad_logits_dense_row_factor": gradient.dense_row_factor,
        "grad_logits_dense_statements": gradient.dense_statements,
        "grad_logits_label_statements": gradient.label_statements,
        "grad_weights_expression": "inputs.T @ grad_logits",
        "grad_bias_expression": "grad_logits.sum(axis=0)",
        "grad_inputs_expression": "grad_logits @ weights.T",
        "sigmoid_grad_statements": sigmoid_statements,
        "hessian_scale_expression": hessian_dense,
        "hessian_scale_label_expression": hessian_labels,
        "label_smoothing_label_statements": label_smoothing_statements(derivations["label_smoothing"]),
        "temperature_grad_factor": temperature_factor(derivations["temperature"]),
        "weight_decay_loss_expression": decay_loss,
        "weight_decay_grad_expression": decay_grad,
    }
