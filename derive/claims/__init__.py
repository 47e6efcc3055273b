"""Checking posted derivative claims: parse (``latex``), map notation (``mapping``), judge (``verdict``),
run under a time limit (``run``), render (``report``), and the ``check`` subcommand (``command``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from derive.choices import BatchLoss
    from derive.claims.verdict import CheckOptions, CheckResult, StepResult, Syntax

__all__ = ["CheckOptions", "CheckResult", "StepResult", "check"]


def __getattr__(name: str) -> object:
    if name in ("CheckOptions", "CheckResult", "StepResult"):  # loaded on first use: they import SymPy
        from derive.claims import verdict

        return getattr(verdict, name)
    raise AttributeError(f"module 'derive.claims' has no attribute {name!r}")


def check(
    claim: str,
    *,
    wrt: str | None = None,
    let: Sequence[str] = (),
    assume: Sequence[str] = (),
    convention: str | None = None,
    loss: str = "softmax-ce",
    at: Sequence[str] = (),
    classes: int | None = None,
    timeout: float = 10.0,
    define: Sequence[str] = (),
    where: Sequence[str] = (),
    means: str | None = None,
    syntax: str | None = None,
    implied_sums: bool = False,
    reading: int | None = None,
    notation: str | None = None,
    batch_loss: str | None = None,
) -> CheckResult:
    """Check a derivative claim (LaTeX, plain text or code) in a worker process under ``timeout`` seconds.

    ``define`` holds the page's own definitions (``'s_k = e^{z_k}/\\sum_j e^{z_j}'``), ``where`` index
    conditions stated in prose (``'j != c'``, c the true class), ``means`` what a claim without a left side
    computes (``'dH/dz'``), ``syntax`` forces ``latex``, ``text``, ``python`` or ``code``, ``implied_sums``
    reads an index the left side does not have as summed (Einstein's convention), ``reading`` picks one
    reading of a text that has several, ``notation`` the page's words on its notation (``'X logits, y
    one-hot labels; p = softmax(x)'``: read into ``let``/``where``/``loss``, each shown with its words),
    ``batch_loss`` says whether a batch's loss is the ``mean`` over its examples or their ``sum``.

    Returns a :class:`CheckResult` (``.verdict``, ``.condition``, ``.counterexample``, ``.steps`` ...; it
    renders itself as Markdown in a notebook). Raises :class:`derive.errors.DeriveError` on bad input.
    """
    from derive.claims.run import check_claim
    from derive.claims.verdict import CheckOptions
    from derive.loss import Convention, LossKind

    options = CheckOptions(
        claim=claim,
        wrt=wrt,
        let=_listed(let),
        assume=_listed(assume),
        convention=cast("Convention | None", convention),
        loss=cast(LossKind, loss),
        at=_listed(at),
        classes=classes,
        timeout=timeout,
        define=tuple(define),
        where=tuple(where),
        means=means,
        syntax=cast("Syntax | None", syntax),
        implied_sums=implied_sums,
        reading=reading,
        notation=notation,
        batch_loss=cast("BatchLoss | None", batch_loss),
    )
    return check_claim(options)


def _listed(values: Sequence[str]) -> tuple[str, ...]:
    """A tuple of the values; a bare string is passed on as it is, for CheckOptions to refuse it by name
    (``tuple("z=[1,2]")`` would split it into characters)."""
    return cast(tuple[str, ...], values) if isinstance(values, str) else tuple(values)
