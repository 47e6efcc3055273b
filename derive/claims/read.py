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

from dataclasses import dataclass

from derive.claims.ast import Claim, Derivative, Node, Symbol
from derive.claims.latex import parse_claim
from derive.errors import NotationError

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
    return "latex"


def read_claim(text: str, syntax: str | None = None, means: str | None = None) -> tuple[ClaimReading, ...]:
    """Every plausible reading of a claim text, the preferred one first (raises ParseError when none)."""
    syntax = syntax or detect_syntax(text)
    return (ClaimReading((parse_claim(text),), syntax),)


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
