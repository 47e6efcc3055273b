"""The names the command line and the Python API accept, in one small module that imports no SymPy.

``derive --help`` builds its parser from these tables without loading the engine; the modules that give
the names a meaning (:mod:`derive.loss`, :mod:`derive.derivation`, :mod:`derive.prove_format`,
:mod:`derive.claims.verdict`) import them from here, and the tests check that each table matches.
"""

from __future__ import annotations

from typing import Literal

Convention = Literal["Wt_x", "W_x"]
CONVENTIONS: tuple[Convention, ...] = ("Wt_x", "W_x")
#: Each convention's product of the weights and the input, as messages write it (z = W^T x + b).
CONVENTION_PRODUCT: dict[Convention, str] = {"Wt_x": "W^T x", "W_x": "W x"}

#: ``softmax-ce``: a = softmax(z), H = -sum_j y_j log a_j.  ``sigmoid-bce``: a = sigmoid(z) per class,
#: H = -sum_j [y_j log a_j + (1 - y_j) log(1 - a_j)] (multi-label; k = 1 is logistic regression).
LossKind = Literal["softmax-ce", "sigmoid-bce", "label-smoothing", "temperature", "weight-decay"]
#: The softmax cross-entropy variants: targets smoothed to (1 - epsilon) y + epsilon / k; logits divided by a
#: temperature T (a = softmax(z / T)); an L2 penalty lambda / 2 sum W^2 added to H.
VARIANT_LOSSES: tuple[LossKind, ...] = ("label-smoothing", "temperature", "weight-decay")
LOSSES: tuple[LossKind, ...] = ("softmax-ce", "sigmoid-bce", *VARIANT_LOSSES)
#: The losses ``derive prove --loss`` derives (the variants go through ``--variant``).
PROVE_LOSSES: tuple[LossKind, ...] = ("softmax-ce", "sigmoid-bce")

#: ``derive check --batch-loss``: a batch's loss is the mean over its examples, or their sum.
BatchLoss = Literal["mean", "sum"]
BATCH_LOSSES: tuple[BatchLoss, ...] = ("mean", "sum")

#: What ``derive prove --wrt`` can ask for.
WRT_CHOICES: tuple[str, ...] = ("z", "W", "b", "x", "jacobian", "hessian")
#: ``derive prove --variant`` (besides ``plain``).
VARIANT_NAMES: tuple[str, ...] = ("label-smoothing", "temperature", "weight-decay")
#: ``derive prove --format``.
FORMATS: tuple[str, ...] = ("text", "latex", "json")
#: ``derive check --assume``.
ASSUME_CHOICES: tuple[str, ...] = ("one-hot", "onehot", "sum-to-one")

#: ``--classes``: a symbolic k or a number in this range (defined with the other limits).
from derive.limits import MAX_CLASSES, MIN_CLASSES  # noqa: E402  (a SymPy-free module)

__all__ = [
    "ASSUME_CHOICES",
    "BATCH_LOSSES",
    "CONVENTIONS",
    "CONVENTION_PRODUCT",
    "FORMATS",
    "LOSSES",
    "MAX_CLASSES",
    "MIN_CLASSES",
    "PROVE_LOSSES",
    "VARIANT_LOSSES",
    "VARIANT_NAMES",
    "WRT_CHOICES",
    "BatchLoss",
    "Convention",
    "LossKind",
]  # fmt: skip
