"""Reading a claim: which syntax it is in, and every plausible reading of it, as claims in the IR.

One stage for three surface syntaxes. LaTeX and plain text go through the math reader
(:mod:`derive.claims.latex`), code through the code reader (:mod:`derive.claims.code`); both give the IR of
:mod:`derive.claims.ast`. A code claim has no left side: the result the code computes (inferred from its
names, or named by the user) becomes the right side, ``--means`` the left side, and the values the code
defines (its own loss) become definitions, exactly as ``--define`` would give them.

A text can have several plausible readings (``yhat`` as one name or as four letters); each is returned with
the choices it made, the preferred one first. The verdict stage judges each and reports ``ambiguous`` when
they disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from derive.claims.ast import Claim, Condition, Derivative, Neg, Node, Symbol
from derive.claims.latex import detect_math_syntax, parse_claim, read_math
from derive.errors import DeriveError, NotationError

#: The most readings of one text that are judged.
MAX_READINGS = 4


@dataclass(frozen=True)
class ClaimReading:
    """One reading of a claim text: the claims it holds, and what it chose where the text allows several."""

    claims: tuple[Claim, ...]
    syntax: str
    choices: tuple[str, ...] = ()
    #: Values the text itself defines (code: its own loss), as (name, index pattern, definition) triples.
    definitions: tuple[tuple[str, tuple[str, ...], Node], ...] = ()
    #: The left side implied by the text (code: ``--means`` with the result's indices).
    means: Node | None = None
    notes: tuple[str, ...] = ()


def detect_syntax(text: str) -> str:
    """``latex``, ``text``, ``python`` or ``code``."""
    from derive.claims.code import detect_code

    found = detect_code(text)
    if found is not None:
        return found[0]
    return detect_math_syntax(text)


def read_claim(text: str, syntax: str | None = None, means: str | None = None) -> tuple[ClaimReading, ...]:
    """Every plausible reading of a claim text, the preferred one first (raises ParseError when none)."""
    if syntax is not None:
        return _read(text, syntax, means)
    detected = detect_syntax(text)
    if detected not in ("python", "code"):
        return _read(text, detected, means)
    try:
        return _read(text, detected, means)
    except DeriveError as code_error:
        # Code-like math (dSM[i]/dx[k] is SM[i] * ...) reads as math when it does not read as code.
        try:
            readings = _read(text, detect_math_syntax(text), means)
        except DeriveError:
            raise code_error from None
        note = f"read as math: as {detected} it did not read ({' '.join(str(code_error).split())[:120]})"
        return tuple(replace(r, notes=(*r.notes, note)) for r in readings)


def _read(text: str, syntax: str, means: str | None) -> tuple[ClaimReading, ...]:
    if syntax in ("python", "code"):
        return (_read_code_claim(text, syntax, means),)
    math_syntax: Literal["latex", "text"] = "text" if syntax == "text" else "latex"
    return tuple(
        ClaimReading(_conditions_joined(reading.claims), syntax, reading.choices)
        for reading in read_math(text, math_syntax)
    )


def _is_index_name(node: Node) -> bool:
    return isinstance(node, Symbol) and not node.indices and node.decoration is None and len(node.name) == 1


def _conditions_joined(claims: tuple[Claim, ...]) -> tuple[Claim, ...]:
    r"""``... = a_j - 1,\quad j = c``: an "equation" of two index letters after a claim is that claim's
    condition (an index equal to an index is never a claim about the loss)."""
    joined: list[Claim] = []
    for claim in claims:
        if joined and len(claim.sides) == 2 and all(_is_index_name(side) for side in claim.sides):
            last = joined[-1]
            condition = Condition(claim.sides[0], "=", claim.sides[1])
            joined[-1] = replace(last, conditions=(*last.conditions, condition))
        else:
            joined.append(claim)
    return tuple(joined)


#: ``--means`` for code: ``dL/dx``, ``d cross_entropy / d y_pred``, ``-dFL/dz``, optionally naming the code
#: value it is about first: ``dW = dH/dW``.
_CODE_MEANS = re.compile(
    r"^\s*(?:(?P<value>[A-Za-z_][\w.]*)\s*=\s*)?(?P<sign>-)?\s*(?:d|\\partial|∂)\s*\(?\s*(?P<of>[A-Za-z_][\w.]*)"
    r"\s*\)?\s*/\s*(?:d|\\partial|∂)\s*\(?\s*(?P<wrt>[A-Za-z_][\w.]*)\s*\)?\s*$"
)

#: Result names that say which input they are the gradient by: dW, grad_W, W_grad, dL_dW, dloss_dlogits.
_GRADIENT_OF = (
    re.compile(r"^d(?:[A-Za-z]+_?d)?(?P<wrt>[A-Za-z]\w*)$"),
    re.compile(r"^grad_?(?P<wrt>[A-Za-z]\w*)$"),
    re.compile(r"^(?P<wrt>[A-Za-z]\w*?)_?grad$"),
)


def _read_code_claim(text: str, syntax: str, means: str | None) -> ClaimReading:
    from derive.claims.code import read_code
    from derive.claims.mapping import walk

    reading = read_code(text, "python" if syntax == "python" else "code")
    notes = list(reading.notes)
    value_name, sign, of, wrt = None, "", None, None
    if means is not None:
        match = _CODE_MEANS.match(means)
        if match is None:
            raise NotationError(
                f"--means {means!r}: for code write 'dL/dx' with names of the code or canonical ones "
                "(optionally 'dW = dL/dW' to name the value)"
            )
        value_name, sign, of, wrt = match["value"], match["sign"] or "", match["of"], match["wrt"]
    name = value_name or reading.result
    if name is None or name not in reading.values:
        raise NotationError(
            f"the code computes no value that reads as a gradient ({reading.result_reason}); "
            "name it with --means 'dW = dH/dW'"
        )
    value = reading.values[name]
    if value_name is None:
        notes.append(f"the claimed value is {name}: {reading.result_reason} (inferred)")
    if wrt is None:
        wrt = _inferred_wrt(name, reading.inputs)
        if wrt is None:
            raise NotationError(
                f"say what {name} is the derivative of, with --means 'dH/dz' (the code's names or "
                "canonical ones)"
            )
        of = reading.loss if reading.loss is not None else "H"
        notes.append(
            f"{name} is read as d{of}/d{wrt} (inferred from its name"
            + (f"; {reading.loss_reason}" if reading.loss is not None else "; the built-in loss H")
            + "); say otherwise with --means"
        )
    assert of is not None
    definitions: list[tuple[str, tuple[str, ...], Node]] = []
    if of in reading.values and of != name:
        loss = reading.values[of]
        if not any(isinstance(n, Symbol) and n.name == wrt for n in walk(loss.node)):
            # loss = loss_ce(P, Y) with loss_ce not in the text: read as is, its derivative would be 0
            raise NotationError(
                f"the code's {of} does not depend on {wrt} as read (it calls something the text does not "
                f"define); say what {of} is with --define, or use the built-in loss with --means 'dH/d{wrt}'"
            )
        definitions.append((of, loss.axes, loss.node))
    wrt_node = Symbol(wrt, tuple(Symbol(axis) for axis in value.axes))
    lhs: Node = Derivative(Symbol(of), wrt_node)
    if sign:
        lhs = Neg(lhs)
    claim = Claim((value.node,), text)
    return ClaimReading(
        (claim,),
        syntax,
        choices=(),
        definitions=tuple(definitions),
        means=lhs,
        notes=tuple(notes),
    )


def _inferred_wrt(name: str, inputs: dict[str, int]) -> str | None:
    """The input a result name says it is the gradient by (``dW`` -> W, ``dx`` -> X when only X is an
    input), or a name the notation reads as the logits, weights or bias (``dscores`` -> the logits)."""
    from derive.claims.mapping import CANONICAL, CANONICAL_BATCH, GUESSES

    for pattern in _GRADIENT_OF:
        match = pattern.match(name)
        if match is None:
            continue
        wrt = match["wrt"]
        if wrt in inputs:
            return wrt
        folded = [n for n in inputs if n.lower() == wrt.lower()]
        if len(folded) == 1:
            return folded[0]
        role = CANONICAL.get(wrt) or CANONICAL_BATCH.get(wrt) or GUESSES.get((wrt, None))
        # never the input: a layer's "inputs" (dinputs) are its logits, not the model's x
        if role in ("logits", "weights", "bias"):
            return wrt
    return None


def code_left_side(means: str, indices: tuple[str, ...]) -> Node:
    """``--means 'dL/dx'`` for a code result with free indices ``indices``: the derivative by the entry of x
    at those indices."""
    claim = parse_claim(means)
    if len(claim.sides) != 1 or not isinstance(claim.sides[0], Derivative):
        raise NotationError(f"--means {means!r} must be one derivative such as 'dH/dz'")
    derivative = claim.sides[0]
    wrt = derivative.wrt
    if isinstance(wrt, Symbol) and not wrt.indices and indices:
        wrt = Symbol(wrt.name, tuple(Symbol(i) for i in indices), decoration=wrt.decoration)
    return Derivative(derivative.of, wrt, derivative.order)
