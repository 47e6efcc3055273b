"""derive: a symbolic derivation verifier for the softmax cross-entropy gradient.

From Python, :func:`prove` gives the checked derivations ``derive prove`` prints, and
:func:`derive.claims.check` the verdict ``derive check`` gives; both results render as Markdown in a
notebook. The emitted NumPy reference implementation is importable too:

>>> from derive.reference_impl import softmax_cross_entropy
>>> import numpy as np
>>> loss, grad = softmax_cross_entropy.loss_and_grad_logits(np.array([[2.0, 0.0]]), np.array([0]))
>>> round(float(loss), 6), grad.round(6).tolist()
(0.126928, [[-0.119203, 0.119203]])

Importing ``derive`` is cheap: SymPy is loaded only when a proof or a check runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from derive.pipeline import Proof

__version__ = "0.1.0"

__all__ = ["Proof", "__version__", "prove"]


def __getattr__(name: str) -> object:
    if name == "Proof":  # loaded on first use: it imports SymPy
        from derive.pipeline import Proof

        return Proof
    raise AttributeError(f"module 'derive' has no attribute {name!r}")


def prove(
    wrt: str = "z",
    *,
    classes: int | str = "k",
    batch: bool = False,
    convention: str = "Wt_x",
    loss: str = "softmax-ce",
    variant: str = "plain",
    timeout: float = 300.0,
) -> Proof:
    """Derive and check a gradient step by step: the derivations ``derive prove`` prints, as values.

    The arguments are those of the command: ``wrt`` one of ``z``, ``W``, ``b``, ``x``, ``jacobian``,
    ``hessian``; ``classes`` ``"k"`` (one proof for every k) or a number from 2 to 64; ``batch`` for the
    batch means (with ``wrt`` W or b); ``convention`` ``"Wt_x"`` or ``"W_x"``; ``loss`` ``"softmax-ce"``
    or ``"sigmoid-bce"``; ``variant`` ``"plain"``, ``"label-smoothing"``, ``"temperature"`` or
    ``"weight-decay"``. The work runs in a worker process under ``timeout`` seconds (so it also works off
    the main thread). Raises :class:`derive.errors.DeriveError` for bad arguments (a ``UsageError``) or
    when the time limit passes (a ``CheckTimeoutError``).

    >>> from derive import prove
    >>> proof = prove("z")
    >>> proof.verdict, [d.name for d in proof.derivations]
    ('proved', ['logits', 'logits_lse'])
    >>> print(proof.derivations[0].result)
    a[i] - y[i]
    >>> print(proof.derivations[0].result_unassumed)
    a[i]*Sum(y[n], (n, 1, k)) - y[i]
    >>> [step.rule for step in proof.derivations[0].steps][-2:]
    ['kronecker_delta_sum', 'targets_sum_to_one']
    >>> print(str(proof).splitlines()[0])
    dH/dz through the softmax Jacobian
    >>> prove("W", classes=3).derivations[0].steps[-1].verdict
    'proved'

    ``str(proof)`` is the command's text output; ``proof.latex()`` and ``proof.json()`` are its other
    formats, and ``proof.markdown()`` is what a notebook shows.
    """
    from derive import pipeline
    from derive.derivation import VARIANTS, WRT_CHOICES
    from derive.errors import UsageError
    from derive.loss import CONVENTIONS

    if classes in ("k", None):
        count: int | None = None
    elif isinstance(classes, int) and not isinstance(classes, bool) and 2 <= classes <= 64:
        count = classes
    else:
        raise UsageError(f"classes must be 'k' or a whole number from 2 to 64, not {classes!r}")
    checks = {
        "wrt": (wrt, WRT_CHOICES),
        "convention": (convention, CONVENTIONS),
        "loss": (loss, ("softmax-ce", "sigmoid-bce")),
        "variant": (variant, ("plain", *VARIANTS)),
    }
    for name, (value, choices) in checks.items():
        if value not in choices:
            raise UsageError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    if batch and wrt not in ("W", "b"):
        raise UsageError("batch=True goes with wrt='W' or wrt='b'")
    if not 0 < timeout <= 3600:
        raise UsageError(f"timeout must be between 0 and 3600 seconds, not {timeout!r}")
    request = pipeline.ProveRequest(count, wrt, batch, convention, loss, variant)  # type: ignore[arg-type]
    return pipeline.Proof(request, tuple(pipeline.prove(request, timeout)))
