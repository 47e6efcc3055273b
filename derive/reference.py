"""Prints the checked derivation as the strings of the NumPy reference module.

The emitted module's loss and gradient lines are printed from the derivation's expressions, not typed
into the template: the loss from the log-sum-exp form (the ``linearity`` step of the log-sum-exp route),
the logit gradient from the exact result ``a_i sum_j y_j - y_i`` and, for integer labels, from the same
result under the one-hot assumption. A small table maps index-form pieces to NumPy names; anything the
table does not cover raises instead of printing something wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sympy
from sympy import Derivative, Indexed, KroneckerDelta, Sum

from derive import symbols as s
from derive.derivation import Derivation, sigmoid_logit_gradient
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
    """The NumPy spelling of a canonical index-form piece (``Sum(y[s])``, ``y[i]``, ...)."""
    if isinstance(expr, Sum) and len(expr.limits) == 1:
        body = expr.function
        index = expr.limits[0][0]
        if isinstance(body, Indexed) and body.base == s.y and body.indices == (index,):
            return Piece("targets.sum(axis=-1)", "1")
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


def gradient_statements(logit_route: Derivation) -> tuple[list[str], list[str]]:
    """In-place statements turning ``grad`` (the probabilities) into dH/dz, dense and labels.

    The exact result has the form a_i * F - G: ``grad *= F`` then ``grad -= G``. With one-hot targets
    (labels), F = 1 and G = delta_ic, printed as a scatter into the labels' entries.
    """
    i = _free_index(logit_route)
    exact = canonical(logit_route.result_unassumed)
    scale = exact.coeff(s.a[i])
    rest = sympy.expand(exact - s.a[i] * scale)
    dense: list[str] = []
    if scale != 1:
        dense.append(f"grad *= {_match(scale).dense.replace('axis=-1)', 'axis=-1, keepdims=True)')}")
    if rest != -s.y[i]:
        raise UnprintableError(f"unexpected remainder {rest} in the logit gradient")
    dense.append("grad -= targets")
    one_hot = apply_assumptions(exact, [Assumption.ONE_HOT])
    labels: list[str] = []
    label_scale = sympy.expand(one_hot).coeff(s.a[i])
    if label_scale != 1:
        raise UnprintableError(f"one-hot gradient scale {label_scale} is not 1")
    label_rest = sympy.expand(one_hot - s.a[i])
    if not (isinstance(-label_rest, KroneckerDelta)):
        raise UnprintableError(f"unexpected one-hot remainder {label_rest}")
    labels.append("grad[rows, labels] -= 1")
    return dense, labels


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


def hessian_scale_expressions() -> tuple[str, str]:
    """The per-row factor of the softmax cross-entropy Hessian, dense and labels, printed from the checked
    derivation ``hessian_logits``: its result is (sum_n y_n) (a_i delta_ij - a_i a_j)."""
    from derive.derivation import hessian_logits
    from derive.loss import Model

    result = hessian_logits(Model()).result
    sums = [factor for factor in sympy.Mul.make_args(result) if isinstance(factor, Sum)]
    if len(sums) != 1:
        raise UnprintableError(f"the Hessian {result} has no single target-sum factor")
    piece = _match(sums[0])
    return piece.dense, piece.labels


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


def reference_context(
    logit_route: Derivation, lse_route: Derivation, derivations: Sequence[Derivation]
) -> dict[str, object]:
    """Everything the reference-module template shows, printed from the derivations."""
    loss_dense, loss_labels = loss_expressions(lse_route)
    dense, labels = gradient_statements(logit_route)
    sigmoid_statements = sigmoid_gradient_statements(sigmoid_logit_gradient(Model(loss_kind="sigmoid-bce")))
    # Hardcoded: the Hessian is not derived by the engine yet (TODO: derive.derivation.hessian_logits).
    hessian_dense, hessian_labels = hessian_scale_expressions()
    return {
        "derivation_lines": derivation_lines(derivations),
        "loss_dense_expression": loss_dense,
        "loss_label_expression": loss_labels,
        "grad_logits_dense_statements": dense,
        "grad_logits_label_statements": labels,
        "grad_weights_expression": "inputs.T @ grad_logits",
        "grad_bias_expression": "grad_logits.sum(axis=0)",
        "grad_inputs_expression": "grad_logits @ weights.T",
        "sigmoid_grad_statements": sigmoid_statements,
        "hessian_scale_expression": hessian_dense,
        "hessian_scale_label_expression": hessian_labels,
    }
