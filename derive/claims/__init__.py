"""Checking posted derivative claims: parse (``latex``), map notation (``mapping``), judge (``verdict``),
run under a time limit (``run``), render (``report``), and the ``check`` subcommand (``command``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from derive.claims.verdict import CheckOptions, CheckResult, StepResult

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
    convention: str = "Wt_x",
    loss: str = "softmax-ce",
    at: Sequence[str] = (),
    classes: int | None = None,
    timeout: float = 10.0,
) -> CheckResult:
    """Check a derivative claim (LaTeX) in a worker process under ``timeout`` seconds.

    Returns a :class:`CheckResult` (``.verdict``, ``.condition``, ``.counterexample``, ``.steps`` ...; it
    renders itself as Markdown in a notebook). Raises :class:`derive.errors.DeriveError` on bad input.
    """
    from derive.claims.run import check_claim
    from derive.claims.verdict import CheckOptions
    from derive.loss import Convention, LossKind

    options = CheckOptions(
        claim=claim,
        wrt=wrt,
        let=tuple(let),
        assume=tuple(assume),
        convention=cast(Convention, convention),
        loss=cast(LossKind, loss),
        at=tuple(at),
        classes=classes,
        timeout=timeout,
    )
    return check_claim(options)
