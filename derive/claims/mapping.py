r"""Page notation -> canonical SymPy: which page symbol means which canonical quantity, and index forms.

A parsed claim (:mod:`derive.claims.ast`) names things the way its page does: ``L``, ``E``, ``CE`` for the
loss, ``p_k``, ``\hat{y}_j``, ``o_j`` for the softmax output, ``t_j`` for the targets, ``o_k`` or ``u``
for the
logits ...  This module maps every symbol to the canonical glossary of :mod:`derive.symbols`, builds SymPy
objects with constructors only (``Indexed``, ``Idx``, ``Symbol`` with whitelisted names; never ``sympify``
or ``eval``), and records every guess so the report can show it.

Resolution order for a symbol: an explicit ``--let`` (``P_j=y_j``: page symbol with its index pattern ->
canonical expression), then the canonical names themselves, then the recognized notations of
:data:`GUESSES` (reported as guesses), with the context rules of :data:`CONTEXT_RULES` for the ambiguous
letters.  Anything else is a :class:`~derive.errors.NotationError` that names the symbol and suggests the
``--let`` to add.

Vectors and matrices get an index-form meaning (:class:`Tensor`): an unindexed vector symbol is its entry at
a placeholder index; arithmetic is element-wise; ``u v^T`` is the outer product (entry (i, j) = u_i v_j);
``u^T v`` the inner product; ``W^T x`` contracts (sum_i W_ij x_i); ``diag(s)`` is s_i delta_ij; ``1_t`` is the
one-hot vector of the true class t (the targets y, under the one-hot assumption).
"""

from __future__ import annotations

import contextvars
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from fractions import Fraction
from typing import Final, Literal, TypeGuard, cast, get_args

import sympy

from derive import symbols as s
from derive.choices import CONVENTION_PRODUCT
from derive.claims import lexicon as lx
from derive.claims.ast import (
    NORM,
    ONES,
    UNSTATED_WRT,
    Add,
    Call,
    Cases,
    Claim,
    Condition,
    Derivative,
    Differential,
    Div,
    Dots,
    Exp,
    Hadamard,
    Index,
    Indicator,
    KroneckerDelta,
    Log,
    Matrix,
    Max,
    Mul,
    Neg,
    Node,
    Number,
    Outer,
    Pow,
    Probability,
    Size,
    Sum,
    Symbol,
    Transpose,
    Undefined,
)
from derive.claims.latex import format_node, parse_claim, read_math
from derive.equivalence import Assumption
from derive.errors import (
    IndexConflictError,
    NotationError,
    NotationHintError,
    ParseError,
    UnappliedConditionError,
    UnstatedGradientError,
    UnstatedMeaningError,
)
from derive.loss import Convention, LossKind, Model

# --------------------------------------------------------------------------------------------------------
# Tables (data): the recognized notation
# --------------------------------------------------------------------------------------------------------

Role = Literal["loss", "output", "target", "logits", "weights", "bias", "input", "fixed"]
Kind = Literal["class", "feature", "example"]

#: Names of the log-sum-exp function, log sum_j e^{v_j}.
LOGSUMEXP_FUNCTIONS: Final = frozenset({"logsumexp", "LogSumExp", "LSE", "lse"})

#: Names of the log of the softmax, entry by entry (PyTorch's ``F.log_softmax``, JAX's ``log_softmax``).
LOG_SOFTMAX_FUNCTIONS: Final = frozenset({"log_softmax", "logsoftmax", "LogSoftmax", "logSoftmax"})

#: Names of the binary cross-entropy (of sigmoid outputs): read as the loss only with --loss sigmoid-bce.
BCE_NAMES: Final = frozenset({"BCE", "bce", "binary_cross_entropy", "log_loss", "logloss"})

#: The value of code that computes none (an undefined function: numeric evaluation refuses it).
_NO_VALUE: Final = sympy.Function("no_value")

ROLES: Final[tuple[Role, ...]] = ("loss", "output", "target", "logits", "weights", "bias", "input", "fixed")

#: The canonical base of each role, for one example and for a batch.
ROLE_BASE: Final[dict[Role, str]] = {
    "loss": "H",
    "output": "a",
    "target": "y",
    "logits": "z",
    "weights": "W",
    "bias": "b",
    "input": "x",
    "fixed": "v",
}
BATCH_BASE: Final[dict[Role, str]] = {
    "loss": "H",
    "output": "A",
    "target": "Y",
    "logits": "Z",
    "weights": "W",
    "bias": "b",
    "input": "X",
    "fixed": "v",
}

#: What a role is called in reports.
ROLE_WORDS: Final[dict[Role, str]] = {
    "loss": "the loss",
    "output": "the softmax output",
    "target": "the targets",
    "logits": "the logits",
    "weights": "the weights",
    "bias": "the bias",
    "input": "the input",
    "fixed": "a fixed vector over the classes (not differentiated: teacher logits, a direction)",
}

#: Canonical names: mapped to themselves, never reported as guesses.
CANONICAL: Final[dict[str, Role]] = {
    "H": "loss",
    "a": "output",
    "y": "target",
    "z": "logits",
    "x": "input",
    "W": "weights",
    "b": "bias",
}
CANONICAL_BATCH: Final[dict[str, Role]] = {"A": "output", "Y": "target", "Z": "logits", "X": "input"}

#: Set while a formula is judged without the conditions in words it comes with (see
#: :class:`~derive.errors.UnappliedConditionError`).
WORD_CONDITIONS_DROPPED: Final[contextvars.ContextVar[bool]] = contextvars.ContextVar(
    "word_conditions_dropped", default=False
)

#: Recognized page notations (name, decoration) -> role. Each use is reported as a guess.
#: Names pages and code use for each role (plain, no decoration); every use is reported as a guess.
WORD_GUESSES: Final[dict[Role, tuple[str, ...]]] = {
    "loss": (
        "L", "E", "J", "C", "ell", "CE", "l", "Loss", "loss", "cost", "Cost", "xent", "nll", "NLL",
        "ce", "cross_entropy", "crossentropy", "CrossEntropy", "losses", "cost_function", "BCE", "bce",
        "binary_cross_entropy", "log_loss", "logloss", "nll_loss",
    ),
    "output": (
        "p", "s", "h", "o", "S", "Q", "SM", "sigma", "q", "probs", "prob", "probabilities", "probas",
        "yhat", "y_hat", "Yhat", "Y_hat", "y_pred", "ypred", "Y_pred", "pred", "preds", "prediction",
        "predictions", "output", "outputs", "out", "softmax_output", "softmax_out", "sm", "activations",
        "activation", "y_tilde", "Probs", "Output", "Outputs", "Prediction", "Predictions",
    ),
    "target": (
        "t", "P", "labels", "label", "targets", "target", "y_true", "ytrue", "Y_true", "onehot",
        "one_hot", "y_onehot", "gt", "truth", "ground_truth", "targ", "tgt", "Y_onehot", "Target", "Targets",
        "Label", "Labels",
    ),
    "logits": ("u", "logits", "logit", "scores", "score", "net", "pre_softmax", "Logits", "Scores"),
    "weights": ("w", "weights", "weight", "Weights"),
    "bias": ("bias", "biases"),
    # phi: Bishop's basis functions of the input, phi_n = phi(x_n)
    "input": ("inputs", "features", "image", "images", "img", "phi"),
    "fixed": (),
}  # fmt: skip

#: The words a compound name (``one_hot_labels``, ``predProbs``, ``class_scores``) is made of, by role.
_ROLE_WORDS: Final[dict[Role, frozenset[str]]] = {
    "target": frozenset({"label", "labels", "target", "targets", "onehot", "truth", "gt", "true", "gold"}),
    "output": frozenset({
        "prob", "probs", "probability", "probabilities", "proba", "probas", "pred", "preds", "predicted",
        "prediction", "predictions", "output", "outputs", "softmax", "activation", "activations", "yhat",
    }),
    "logits": frozenset({"logit", "logits", "score", "scores"}),
    "loss": frozenset({"loss", "cost", "xent", "nll", "crossentropy", "entropy", "bce"}),
}  # fmt: skip
#: Words that make a compound name a gradient or a function of its role's value, not that value.
_NOT_A_VALUE_WORDS: Final = frozenset(
    "d grad grads gradient delta diff deriv derivative dl dz log max sum exp mask idx index indices shape "
    "size len num n count weight weights smoothing temperature scale factor alpha gamma eps epsilon ignore "
    "reduction mean avg fn func function type dim axis lr rate".split()
)


def name_words(name: str) -> list[str]:
    """The words a code name is made of, lower case (``one_hot_labels``, ``predProbs``, ``CELoss``)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name).replace("_", " ")
    return spaced.lower().replace("one hot", "onehot").split()


def compound_role(name: str) -> Role | None:
    """The role the words of a compound name say (``one_hot_labels``: the targets; ``pred_probs``: the
    output; ``class_scores``: the logits), when they name exactly one role and nothing that makes the name
    a gradient, a log, a count or an index of it."""
    words = name_words(name)
    if len(words) < 2 or _NOT_A_VALUE_WORDS & set(words):
        return None
    roles = {role for role, vocabulary in _ROLE_WORDS.items() if vocabulary & set(words)}
    if "teacher" in words:
        # teacher_probs, teacher_soft: a distillation's targets; teacher_logits: no role of the model's
        return "target" if roles <= {"output", "target"} else None
    if "loss" in roles:
        return "loss"  # a loss's name names its input too: BCEWithLogits, softmax_cross_entropy, nll_loss
    if len(roles) != 1:
        return None
    (role,) = roles
    return role


#: Recognized page notations (name, decoration) -> role. Each use is reported as a guess.
GUESSES: Final[dict[tuple[str, str | None], Role]] = {
    **{(name, None): role for role, names in WORD_GUESSES.items() for name in names},
    ("L", "cal"): "loss",
    ("H", "cal"): "loss",
    ("J", "cal"): "loss",
    ("E", "cal"): "loss",
    ("y", "hat"): "output",
    ("Y", "hat"): "output",
    ("p", "hat"): "output",
    ("P", "hat"): "output",
    ("a", "hat"): "output",
    ("a", "tilde"): "input",
}

#: An accent spelled out after a letter in plain text or code (``p_hat``, ``Phat``, ``a_tilde``).
_SPELLED_ACCENT: Final = re.compile(r"(?P<letter>[A-Za-z])_?(?P<accent>hat|tilde)")

#: The ambiguous letters and the rule that settles each (applied in :meth:`Mapper._resolve_role`).
CONTEXT_RULES: Final[dict[tuple[str, str | None], str]] = {
    ("o", None): "the logits when the claim differentiates by o and writes no z; else the softmax output",
    (
        "p",
        None,
    ): "the targets when another symbol is the softmax output and none is a target; else the output",
    ("S", None): "the batch softmax output when the claim is about a batch; else the softmax output",
    ("s", None): "the logits (scores) when the claim differentiates by s beside another output (p, \\hat y); "
    "else the softmax output",
    ("P", None): "the output when the claim writes the targets (Y, or a comparison with the true class: "
    "1[j = y_i]); else the targets",
    ("h", None): "the hidden layer (the last layer's input) when the claim differentiates by h beside "
    "another output; else the softmax output",
}

#: Size names: the number of classes, features or examples.
SIZE_NAMES: Final[dict[str, Kind]] = {
    "k": "class",
    "K": "class",
    "m": "example",
    "n": "example",  # \frac{1}{n} X^T (P - Y); as an index (\sum_n, x_n) it stays an index
    "N": "example",
    "M": "example",
    "batch_size": "example",
    "batchsize": "example",
    "batchSize": "example",
    "BATCH_SIZE": "example",
    "B": "example",  # (\mathrm{softmax}(Z) - Y)/B: the batch size (a bias is b)
    "n_samples": "example",
    "num_samples": "example",
    "numSamples": "example",
    "num_examples": "example",
    "num_train": "example",
    "n_batch": "example",
    "num_classes": "class",
    "n_classes": "class",
    "numClasses": "class",
    "d": "feature",
    "D": "feature",
}

_PLURAL: Final[dict[Kind, str]] = {"class": "classes", "feature": "features", "example": "examples"}

#: Functions the mapper understands, by what they do.
SOFTMAX_FUNCTIONS: Final = frozenset({"softmax", "sigma", "sigmoid"})
OTHER_FUNCTIONS: Final = frozenset({"diag", "outer", NORM})

#: Names a claim's index may not keep (sizes, the engine's summation and true-class indices).
RESERVED_INDEX_NAMES: Final = frozenset({"k", "d", "N", "c", "e", *s.SUMMATION_NAMES})

#: Index names that say "the label" (Z_{target}, p_{label}): the true class where the left side lacks them.
LABEL_INDEX_NAMES: Final = frozenset({"target", "label", "gt", "true", "cls"})

#: Names of the true class in ``\delta_{yj}`` and ``1_t``.
TRUE_CLASS_NAMES: Final = frozenset({"y", "t", "c", "ell", *LABEL_INDEX_NAMES})


def _check_tables() -> None:
    for table in (CANONICAL, CANONICAL_BATCH):
        assert all(role in ROLES for role in table.values()), "unknown role in a canonical table"
    assert all(role in ROLES for role in GUESSES.values()), "unknown role in GUESSES"
    assert not {name for name, deco in GUESSES if deco is None} & set(CANONICAL), "a guess shadows a name"
    assert set(CONTEXT_RULES) <= set(GUESSES), "a context rule for an unlisted notation"
    assert not set(SIZE_NAMES) & {name for name, deco in GUESSES if deco is None}, "a size shadows a guess"
    assert set(ROLE_BASE) == set(BATCH_BASE) == set(ROLES) == set(ROLE_WORDS), "role tables drift"
    assert {str(b) for b in (s.a, s.y, s.z, s.x, s.W, s.b, s.v)} == {ROLE_BASE[r] for r in ROLES} - {"H"}


_check_tables()

_BASES: Final[dict[str, sympy.IndexedBase]] = {
    "a": s.a,
    "y": s.y,
    "z": s.z,
    "x": s.x,
    "W": s.W,
    "b": s.b,
    "A": s.A,
    "Y": s.Y,
    "Z": s.Z,
    "X": s.X,
    "v": s.v,
}
_VARIABLE_BASES: Final = frozenset(_BASES)


#: The batch matrix of each single-example vector (a row per example).
_BATCH_OF: Final[dict[str, str]] = {"a": "A", "y": "Y", "z": "Z", "x": "X"}
#: How the refusal of a batch's differential inside a formula begins (the verdict refuses the whole text).
UNSTATED_DIFFERENTIAL: Final = "a batch's differential"

#: A name that says its targets are one-hot.
_ONE_HOT_NAME: Final = re.compile(r"one_?hot", re.I)

#: The batch matrices, whose examples a page may write as columns.
_COLUMN_BASES: Final = frozenset(_BATCH_OF.values())


def base_axes(base: str, convention: Convention) -> tuple[Kind, ...]:
    """The index kinds of a canonical base, in order."""
    if base == "W":
        return ("feature", "class") if convention == "Wt_x" else ("class", "feature")
    return {
        "a": ("class",),
        "y": ("class",),
        "z": ("class",),
        "b": ("class",),
        "x": ("feature",),
        "A": ("example", "class"),
        "Y": ("example", "class"),
        "Z": ("example", "class"),
        "X": ("example", "feature"),
        "v": ("class",),
        "H": (),
    }[base]  # type: ignore[return-value]


# --------------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MappingEntry:
    """One page symbol and what it was read as."""

    page: str
    canonical: str
    guessed: bool
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {
            "page": self.page,
            "canonical": self.canonical,
            "guessed": self.guessed,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Tensor:
    """A mapped value in index form: ``expr`` is its entry at the placeholder indices ``axes``."""

    expr: sympy.Expr
    axes: tuple[sympy.Idx, ...] = ()
    kinds: tuple[Kind, ...] = ()
    row: bool = False

    @property
    def is_scalar(self) -> bool:
        return not self.axes


@dataclass(frozen=True)
class MappedSide:
    """One side of the chain, in canonical form, with the page LaTeX it came from."""

    latex: str
    expr: sympy.Expr | None
    error: str | None = None
    restriction: sympy.Expr | None = None


@dataclass(frozen=True)
class MappedClaim:
    """A whole claim in canonical form: the left side, the right sides, the model and the readings."""

    lhs: sympy.Expr
    lhs_latex: str
    sides: tuple[MappedSide, ...]
    model: Model
    mapping: tuple[MappingEntry, ...]
    notes: tuple[str, ...]
    assumptions: tuple[Assumption, ...]
    index_names: dict[str, str] = field(default_factory=dict)
    free_indices: tuple[sympy.Idx, ...] = ()
    #: The user or the page's words said whether a batch's loss is the mean or the sum (``model.batch_sum``).
    batch_loss_said: bool = False
    #: One example's gradient read as the batch mean's (divided by N), because the right side writes N.
    mean_of_examples: bool = False
    #: A right side with the transposed shape of the left side's, compared transposed (it fails as written).
    transposed_right: bool = False

    def page_index(self, name: str) -> str:
        """The page's name of an engine index (``c`` is the true class)."""
        return self.index_names.get(name, name)


@dataclass(frozen=True)
class Let:
    """A ``--let`` (page symbol pattern -> canonical expression) or a ``--define`` (page symbol pattern ->
    its definition in page notation, ``definition`` True).

    ``pattern`` holds the index names of the left side, or literal numbers (``O_3``, ``\\delta_1``: a
    numbered symbol, matched only with that number); ``layer`` is the left side's layer label, if any.
    """

    text: str
    name: str
    decoration: str | None
    call: bool
    pattern: tuple[str, ...]
    target: Node
    definition: bool = False
    layer: Node | None = None
    recognized: bool = False
    #: A definition written as a call with arguments that are not variables (``y(ls)``) defines only that.
    args: tuple[Node, ...] = ()
    #: Chosen by a reading (``x=z``: the name holds the logits), not given by the user: shown as a guess.
    chosen: bool = False

    @property
    def label(self) -> str:
        if self.chosen:
            return "a reading's choice:"
        return "--define" if self.definition or self.recognized else "--let"


# --------------------------------------------------------------------------------------------------------
# AST helpers
# --------------------------------------------------------------------------------------------------------


def _children(node: object) -> Iterable[Node]:
    if isinstance(node, Cases):
        for expr, _ in node.branches:
            yield expr
        return
    if isinstance(node, Matrix):
        for row in node.rows:
            yield from (entry for entry in row if _is_node(entry))
        return
    for f in fields(node):  # type: ignore[arg-type]
        value = getattr(node, f.name)
        if isinstance(value, tuple):
            for item in value:
                if _is_node(item):
                    yield item
        elif _is_node(value):
            yield value


_NODE_TYPES: Final = get_args(Node)


def _is_node(value: object) -> bool:
    return isinstance(value, _NODE_TYPES)


#: Names of the Kullback-Leibler divergence (``KL(p || q)``; ``D_{KL}`` is D with the index KL).
KL_NAMES: Final = frozenset({"KL", "KLD", "kl_div", "kl_divergence", "KLDiv", "D_KL", "DKL"})


def _is_kl(function: Symbol) -> bool:
    if function.decoration is not None or function.primes:
        return False
    if function.name in KL_NAMES and not function.indices:
        return True
    return (
        function.name == "D"
        and len(function.indices) == 1
        and isinstance(function.indices[0], Symbol)
        and function.indices[0].name in ("KL", "kl")
    )


#: The letters pages use for a model's parameters (its weights): ``h_\\theta``, ``J(w)``, ``\\ell(\\beta)``.
PARAMETER_LETTERS: Final = frozenset({"w", "W", "theta", "beta"})


def _model_parameter(node: Node) -> bool:
    """A subscript that names a model's parameters (``h_w``, ``h_\\theta``), not an index."""
    return isinstance(node, Symbol) and not node.indices and node.name in PARAMETER_LETTERS


def _model_call(node: Node) -> bool:
    """``h_\\theta(x)``: a function whose subscript names the model's parameters, applied to something."""
    return (
        isinstance(node, Call)
        and bool(node.args)
        and bool(node.function.indices)
        and all(_model_parameter(i) for i in node.function.indices)
    )


def _class_of_weights(symbol: Symbol, base: str | None) -> Symbol:
    """``\\theta^{(j)}`` (UFLDL's softmax regression) as ``\\theta_j``: the weights are shared by the
    examples, so a parenthesised superscript on them is the class whose weight vector it is."""
    if base == "W" and symbol.example is not None and not symbol.indices:
        return replace(symbol, indices=(symbol.example,), example=None)
    return symbol


def _is_input(node: Node) -> bool:
    return isinstance(node, Symbol) and node.name in ("x", "X") and node.decoration in (None, "bold")


def _weighting(factors: Sequence[Node]) -> set[str]:
    """The names that multiply the input in a product: ``\\theta^T x``, ``x^T \\theta``, ``X \\theta``."""
    found: set[str] = set()
    for left, right in itertools.pairwise(factors):
        if isinstance(left, Symbol) and left.transposed and not left.indices and _is_input(right):
            found.add(left.name)
        if (
            isinstance(left, Symbol)
            and _is_input(left)
            and isinstance(right, Symbol)
            and not right.indices
            and not right.transposed
            # X \theta (the batch's scores); x^T \theta only for the parameters' own letters (x^T \delta is
            # a product with the error, not the weights)
            and ((left.name == "X" and not left.transposed) or right.name in ("theta", "beta", "w"))
        ):
            found.add(right.name)
    return found - {"x", "X"}


#: The letters of one example's own vectors, which a sum over the training inputs gives that example's.
_PER_EXAMPLE: Final = frozenset({"a", "y", "z", "p", "t", "o", "s", "delta"})


def summed_over_inputs(claims: Sequence[Claim]) -> tuple[tuple[Claim, ...], str] | None:
    r"""Nielsen's ``\frac{1}{n}\sum_x (a_j - y_j)``: a sum whose index is the input x runs over the
    training inputs (the examples), and the vectors in its body without an example are that example's;
    the claims so rewritten (the index named n), and the choice that says so. None when no sum is over x
    (a sum over x had been read as a sum over the classes)."""
    nodes = [node for claim in claims for side in claim.sides for node in walk(side)]
    if not any(isinstance(node, Sum) and node.index == "x" for node in nodes):
        return None
    used = {n.name for n in nodes if isinstance(n, Symbol)}
    example = next(letter for letter in ("n", "m", "r", "u") if letter not in used)

    class Theirs(_Rewriter):
        def __call__(self, node: Node) -> Node | None:
            if isinstance(node, Symbol) and node.name in _PER_EXAMPLE and node.example is None:
                return replace(node, example=Symbol(example))
            return None

    class Over(_Rewriter):
        def __call__(self, node: Node) -> Node | None:
            if isinstance(node, Sum) and node.index == "x":
                return replace(node, index=example, body=_transform(node.body, Theirs()))
            return None

    rewritten = tuple(replace(c, sides=tuple(_transform(side, Over()) for side in c.sides)) for c in claims)
    return rewritten, f"\\sum_x read as a sum over the training inputs (example {example})"


def examples_subscripted(
    claims: Sequence[Claim], summed: bool = False
) -> tuple[tuple[Claim, ...], str] | None:
    r"""The claims with an example index written as a subscript read as one (``x_i`` as ``x^{(i)}``),
    and the choice that says so, when the text writes ``w^T x_i`` (one vector of weights times x with one
    index: x_i is a vector, example i's input, and the index's other symbols, y_i, are example i's too),
    or with ``summed``, when one sum's index runs to the number of examples or has no limit (``\sum_{n=1}^N
    (p_n - y_n)`` by a vector: the sum is over the examples); None when it does not."""
    found: set[str] = set()
    for claim in claims:
        for side in claim.sides:
            for node in walk(side):
                if isinstance(node, Mul) and not summed:
                    found.update(_example_subscripts(node.factors))
                if isinstance(node, Sum) and summed and node.index and _to_examples(node.index, node.upper):
                    found.add(node.index)
    if len(found) != 1:
        return None
    index = found.pop()

    class Examples(_Rewriter):
        def __call__(self, node: Node) -> Node | None:
            if (
                isinstance(node, Symbol)
                and node.example is None
                and len(node.indices) == 1
                and _plain_index(node.indices[0]) == index
                and not _model_parameter(replace(node, indices=()))
            ):
                return replace(node, indices=(), example=node.indices[0])
            return None

    class LabelOfTheExample(_Rewriter):
        """A bare y in the sum over the examples (``\\sum_i (s(w^T x_i) - y) x_i``): example i's label."""

        def __call__(self, node: Node) -> Node | None:
            if isinstance(node, Sum) and node.index == index:
                body = _transform(node.body, Bare())
                return replace(node, body=body) if body != node.body else None
            return None

    class Bare(_Rewriter):
        def __call__(self, node: Node) -> Node | None:
            if (
                isinstance(node, Symbol)
                and node.name == "y"
                and node.decoration is None
                and not node.indices
                and node.example is None
                and not node.transposed
            ):
                return replace(node, example=Symbol(index))
            return None

    rewritten = tuple(
        replace(claim, sides=tuple(_transform(side, Examples()) for side in claim.sides)) for claim in claims
    )
    labelled = tuple(
        replace(claim, sides=tuple(_transform(side, LabelOfTheExample()) for side in claim.sides))
        for claim in rewritten
    )
    said = (
        f"{index} read as the example index (x_{index} as x^{{({index})}}): "
        + (
            f"the sum over {index} runs over the examples"
            if summed
            else f"w^T x_{index} or x_{index} v^T makes x_{index} a vector"
        )
    )
    if labelled != rewritten:
        said += f"; y with no index in the sum over {index} read as y^{{({index})}}"
    return (labelled, said) if labelled != tuple(claims) else None


def _to_examples(index: str, upper: Node | None) -> bool:
    """A sum's upper limit that is the number of examples (N, m, n, batch_size), or none written on an
    example's letter."""
    if upper is None:
        return index in ("n", "i", "m")  # \sum_n: an example's letter; \sum_j stays a sum over classes
    name = _plain_index(upper)
    return name is not None and (SIZE_NAMES.get(name) == "example" or name == "n")


def _plain_index(node: Node) -> str | None:
    return node.name if isinstance(node, Symbol) and not node.indices and node.example is None else None


def _input_vector_index(node: Node) -> str | None:
    """The one index of the input x written with one plain index and no example (``x_i``), or None."""
    if isinstance(node, Symbol) and _is_input(node) and node.name == "x" and len(node.indices) == 1:
        return _plain_index(node.indices[0]) if node.example is None else None
    return None


def _example_subscripts(factors: Sequence[Node]) -> set[str]:
    """The indices of x in ``w^T x_i`` (a vector of weights, transposed, times x with one index)."""
    found: set[str] = set()
    for left, right in itertools.pairwise(factors):
        if (
            (name := _input_vector_index(left)) is not None
            and not cast(Symbol, left).transposed
            and (isinstance(right, Transpose) or (isinstance(right, Symbol) and right.transposed))
        ):
            found.add(name)  # x_i (\hat y_i - y_i)^T: an outer product, so x_i is a vector
        if (
            isinstance(left, Symbol)
            and left.transposed
            and left.name in ("w", "theta", "beta")
            and isinstance(right, Symbol)
            and _is_input(right)
            and right.name == "x"
            and len(right.indices) == 1
            and right.example is None
            # w^T x_i, or class j's weights w_j^T x_i (another index than x's)
            and (not left.indices or (left.indices != right.indices and len(left.indices) == 1))
        ):
            name = _plain_index(right.indices[0])
            if name is not None:
                found.add(name)
        # x_i^T (p_i - y_i), (p_i - y_i)^T x_i: an outer product of example i's row vectors (cs231n)
        # (p_n - y_n) x_n^T too: one side transposed, either order
        for vector, other in ((left, right), (right, left)):
            name = _input_vector_index(vector)
            if name is None or isinstance(other, Symbol):
                continue
            if isinstance(other, Transpose) != cast(Symbol, vector).transposed:
                inner = other.operand if isinstance(other, Transpose) else other
                if name in free_index_names(inner):
                    found.add(name)
    return found


def numbered_layers(nodes: Sequence[Node]) -> tuple[list[Node], list[str]]:
    """``\\partial L/\\partial W_2 = (\\hat y - y) h^T``: a capital W with a whole number, differentiated by,
    is layer 2's weights (as W^{[2]}), and so are W_2 and b_2 wherever the claim writes them (never row 2
    of W); the nodes rewritten, and a note for each layer."""
    layers: set[Node] = set()
    for node in nodes:
        for sub in walk(node):
            if isinstance(sub, Derivative) and _numbered_weights(sub.wrt):
                layers.add(sub.wrt.indices[0])
    later = [n for n in layers if isinstance(n, Number) and n.value > 1]
    if later and any(_is_input(n) and cast(Symbol, n).layer is None for node in nodes for n in walk(node)):
        # \partial L/\partial W_2 = (\hat y - y) x^T: layer 2's input is the layer before's output, not x
        raise NotationError(
            f"x beside layer {format_node(later[0])}'s weights: x is the network's input, and that layer's "
            "input is the output of the layer before (write it, as h or a^{[1]}, or say what x is with --let)"
        )
    if not layers:
        return list(nodes), []

    class Layered(_Rewriter):
        def __call__(self, node: Node) -> Node | None:
            if not isinstance(node, Symbol) or node.name not in ("W", "b"):
                return None
            if _numbered_weights(replace(node, name="W")) and node.indices[0] in layers:
                return replace(node, indices=(), layer=node.indices[0])
            return None

    said = [
        f"W_{format_node(n)} is read as layer {format_node(n)}'s weights (W^{{[{format_node(n)}]}}), not an "
        "entry of W"
        for n in sorted(layers, key=format_node)
    ]
    return [_transform(node, Layered()) for node in nodes], said


def _numbered_weights(node: Node) -> TypeGuard[Symbol]:
    """``W_2``: the capital W with one whole number as its subscript (and no layer written)."""
    return (
        isinstance(node, Symbol)
        and node.name == "W"
        and _plain(node.decoration) is None
        and node.layer is None
        and len(node.indices) == 1
        and isinstance(node.indices[0], Number)
        and node.indices[0].value.denominator == 1
    )


def _compared(node: Node) -> tuple[Node, ...]:
    """The two sides an indicator or a Kronecker delta compares (none for other nodes)."""
    if isinstance(node, Indicator):
        return (node.condition.left, node.condition.right)
    if isinstance(node, KroneckerDelta):
        return (node.i, node.j)
    return ()


def walk(node: Node) -> Iterable[Node]:
    """Every node of ``node``, itself first (depth first)."""
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(_children(current))


def _transform(node: Node, fn: _Rewriter) -> Node:
    """Rebuild ``node`` bottom-up, letting ``fn`` replace any node (``fn`` returns None to keep it)."""
    replaced = fn(node)
    if replaced is not None:
        return replaced
    if isinstance(node, Cases):
        return Cases(tuple((_transform(e, fn), c) for e, c in node.branches))
    changes: dict[str, object] = {}
    for f in fields(node):
        value = getattr(node, f.name)
        if isinstance(value, tuple) and value and all(_is_node(v) for v in value):
            changes[f.name] = tuple(_transform(v, fn) for v in value)
        elif _is_node(value):
            changes[f.name] = _transform(value, fn)
    if not changes:
        return node
    rebuilt: Node = replace(node, **changes)  # type: ignore[arg-type]
    return rebuilt


class _Rewriter:
    def __call__(self, node: Node) -> Node | None:  # pragma: no cover - protocol
        raise NotImplementedError


def excluded_index_summed(claim: Claim) -> Claim:
    r"""The claim with each ``\sum_{i \neq j}`` read as a sum over the index its left side does not have."""
    if len(claim.sides) < 2:
        return claim
    rewriter = ExcludedIndexSummed(free_index_names(claim.sides[0]))
    return replace(claim, sides=(claim.sides[0], *(_transform(side, rewriter) for side in claim.sides[1:])))


class ExcludedIndexSummed(_Rewriter):
    r"""``\sum_{i \neq j} \frac{t_j}{y_j} \frac{\partial y_j}{\partial x_i}`` beside a left side by ``x_i``:
    the sum runs over j, every class but i. Which letter of ``i \neq j`` is summed is the one the left side
    does not have and the summand uses; the page's order of the two says nothing."""

    def __init__(self, free: set[str]) -> None:
        self.free = free

    def __call__(self, node: Node) -> Node | None:
        if not (isinstance(node, Sum) and node.index in self.free and len(node.excluded) == 1):
            return None
        other = node.excluded[0]
        if other in self.free or other not in free_index_names(node.body):
            return None
        assert node.index is not None
        return replace(node, index=other, excluded=(node.index,), body=_transform(node.body, self))


def _name_and_decoration(symbol: Symbol) -> tuple[str, str | None]:
    """A symbol's letter and decoration, with a code name's accented letter (``ŷ``) read as ``\\hat{y}``."""
    decoration = _plain(symbol.decoration)
    if decoration is None and not symbol.name.isascii():
        letters = unicodedata.normalize("NFD", symbol.name)
        accent = lx.COMBINING_ACCENTS.get(letters[1:])
        if len(letters) == 2 and letters[0].isascii() and letters[0].isalpha() and accent is not None:
            return letters[0], accent
    return symbol.name, decoration


def _plain(decoration: str | None) -> str | None:
    """Bold is vector typesetting, not a different symbol."""
    return None if decoration == "bold" else decoration


def _basis_of_the_true_class(symbol: Symbol) -> bool:
    """``e_y``, ``e_c``, ``e_{label}``: one index, a name for the true class, and nothing else."""
    if len(symbol.indices) != 1 or symbol.primes or symbol.layer is not None:
        return False
    index = symbol.indices[0]
    return isinstance(index, Symbol) and not index.indices and index.name in TRUE_CLASS_NAMES


def _symbol_label(symbol: Symbol) -> str:
    return format_node(replace(symbol, indices=(), example=None, transposed=False))


# --------------------------------------------------------------------------------------------------------
# --let
# --------------------------------------------------------------------------------------------------------

_CANONICAL_VALUE_NAMES: Final = frozenset({*CANONICAL, *CANONICAL_BATCH, *SIZE_NAMES})

#: The right side of ``--let 'i=c'``: the page's index ``i`` is the true class.
TRUE_CLASS_TARGET: Final = "c"


_CODE_NAME_EQUATION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=(?!=)(.+)$", re.S)


def _split_equation(text: str, option: str, example: str) -> tuple[Symbol | Call, Node]:
    named = _CODE_NAME_EQUATION.match(text)
    if named and ("_" in named[1] or "." in named[1]):
        # a code name on the left (pro_, _alpha, grad_losses): one symbol, whatever a math reader makes of it
        right = read_math(named[2].strip())[0].claims[0]
        if len(right.sides) == 1:
            name, indices = named[1].replace(".", "_"), cast(tuple[Node, ...], ())
            subscript = re.match(r"^(.*[A-Za-z0-9])_([A-Za-z0-9])$", name)  # _pt_i: the name _pt at index i
            if subscript:
                name, indices = subscript[1], (Symbol(subscript[2]),)
            return Symbol(name, indices), right.sides[0]
    readings = [reading.claims[0] for reading in read_math(text) if len(reading.claims) == 1]
    # the reading whose left side is one symbol (y(ls) as a call, not y times l times s)
    symbol_left = [c for c in readings if len(c.sides) == 2 and isinstance(c.sides[0], (Symbol, Call))]
    # S = XW + b: the reading with the model's letters side by side as a product, not one name XW
    claim = (
        min(symbol_left, key=lambda c: _model_letter_runs(c.sides[1]))
        if symbol_left
        else readings[0] if readings else parse_claim(text)
    )
    if len(claim.sides) == 2 and isinstance(claim.sides[0], Mul):
        claim = replace(claim, sides=(_joined_name(claim.sides[0]), claim.sides[1]))
    if len(claim.sides) != 2:
        raise NotationError(f"{option} {text!r} must have the form {example}")
    left, target = claim.sides
    symbol = left.function if isinstance(left, Call) else left
    if not isinstance(symbol, Symbol) or not isinstance(left, (Symbol, Call)):
        raise NotationError(f"{option} {text!r}: the left side must be one page symbol such as P_j or y(x)")
    return left, target


def _model_letter_runs(node: Node) -> int:
    """How many names of ``node`` are runs of the model's own letters (``XW``, ``Wx``), which a definition
    means as their product."""
    return sum(
        1
        for n in walk(node)
        if isinstance(n, Symbol)
        and len(n.name) > 1
        and n.name.isalpha()
        and all(letter in CANONICAL or letter in CANONICAL_BATCH for letter in n.name)
        and not is_known_name(n)
    )


def _pattern(symbol: Symbol, option: str, text: str) -> tuple[str, ...]:
    pattern: list[str] = []
    for index in symbol.indices:
        if isinstance(index, Symbol) and not index.indices:
            pattern.append(index.name)
        elif isinstance(index, Number) and index.value.denominator == 1:
            pattern.append(str(index.value.numerator))
        else:
            raise NotationError(
                f"{option} {text!r}: index patterns must be letters or numbers (P_j, W_{{ij}}, O_3)"
            )
    return tuple(pattern)


def parse_let(text: str) -> Let:
    """``'P_j=y_j'`` -> a :class:`Let`; the right side must use canonical names only."""
    left, target = _split_equation(text, "--let", "PAGE_SYMBOL=CANONICAL (e.g. 'P_j=y_j')")
    symbol = left.function if isinstance(left, Call) else left
    pattern = _pattern(symbol, "--let", text)
    if isinstance(target, Symbol) and target.name == TRUE_CLASS_TARGET and not target.indices:
        if pattern or isinstance(left, Call):
            raise NotationError(f"--let {text!r}: only a plain index name can be the true class c")
        return Let(text, symbol.name, _plain(symbol.decoration), False, (), target)
    target = _rename_indices(target, {TRUE_CLASS_TARGET: Symbol(TRUE_CLASS_INDEX)})
    if isinstance(target, Symbol) and not target.indices and not pattern and not isinstance(left, Call):
        # another name for the symbol (a parameter of a definition, a name the page uses elsewhere)
        return Let(text, symbol.name, _plain(symbol.decoration), False, (), target, layer=symbol.layer)
    for node in walk(target):
        if (
            isinstance(node, Symbol)
            and node.name not in _CANONICAL_VALUE_NAMES
            and node.name not in pattern
            and not _is_index_of(node, target)
        ):
            raise NotationError(
                f"--let {text!r}: ${format_node(node)}$ is not a canonical symbol "
                f"(use H, a, y, z, x, W, b, k, N, X, Y, A, Z; a page's own definition goes in --define)"
            )
        if isinstance(node, Call) and node.function.name not in SOFTMAX_FUNCTIONS | OTHER_FUNCTIONS:
            raise NotationError(f"--let {text!r}: function ${format_node(node.function)}$ is not understood")
    return Let(
        text,
        symbol.name,
        _plain(symbol.decoration),
        isinstance(left, Call),
        pattern,
        target,
        layer=symbol.layer,
    )


#: Marks a definition's subscript that is a label of its name (``L_z``), matched literally, not an index.
LABEL_MARK: Final = "'"


def parse_definition(text: str) -> Let:
    """``'C = -\\sum_k y_k \\ln s_k'`` -> a definition: the page symbol C stands for its right side, which is
    itself in page notation (other definitions, recognized names, the page's own parameters). Code defines
    the loss it computes: ``--define 'zloss = torch.logsumexp(z, dim=-1) ** 2'``."""
    from derive.claims.code import detect_code

    code = detect_code(text) is not None
    if code and CODE_MARKERS.search(text):
        return _code_definition(text)
    try:
        left, target = _split_equation(
            text, "--define", "SYMBOL = DEFINITION (e.g. 's_k = e^{z_k}/\\sum_j e^{z_j}')"
        )
    except ParseError:
        if code:  # a text that is code and not math (its own calls, keywords)
            return _code_definition(text)
        raise
    symbol = left.function if isinstance(left, Call) else left
    loose = sorted(free_index_names(target))
    plain = isinstance(symbol, Symbol) and not symbol.indices and not isinstance(left, Call)
    name = symbol.name if isinstance(symbol, Symbol) else ""
    loss = "loss" in (CANONICAL.get(name), GUESSES.get((name, None)), compound_role(name))
    # a logarithm and no exponential: a loss (FL = -(1 - p_i)^\gamma \log p_i), not a softmax's entry
    loss = loss or (
        any(isinstance(n, Log) for n in walk(target)) and not any(isinstance(n, Exp) for n in walk(target))
    )
    if plain and not loss and loose in (["i"], ["j"]):
        # softmax = e^{z_i} / \sum_j e^{z_j}: the name of one entry, written without its index (a loss's
        # lone index, L = -\log p_i, is the true class)
        symbol = replace(symbol, indices=(Symbol(loose[0]),))
    pattern = _pattern(symbol, "--define", text)
    if not loose and isinstance(symbol, Symbol) and len(pattern) == 1 and pattern[0].isalpha():
        # L_z = \lambda (\log Z)^2: a subscript the right side does not use is part of the name (a label),
        # never an index that L_{CE} would match too
        pattern = (LABEL_MARK + pattern[0],)
    args: tuple[Node, ...] = ()
    if isinstance(left, Call) and not all(_is_variable_argument(arg) for arg in left.args):
        args = left.args  # y(ls): a name of its own, not y as a function
    return Let(
        text,
        symbol.name,
        _plain(symbol.decoration),
        isinstance(left, Call),
        pattern,
        target,
        definition=True,
        layer=symbol.layer,
        args=args,
    )


#: What only code writes (a library's call, a keyword, a line break): such a --define is read as code.
CODE_MARKERS: Final = re.compile(
    r"\b(?:np|numpy|torch|tf|jnp|F|nn|scipy|math)\.|\bdef\b|\breturn\b|\bimport\b|\n"
)


def _code_definition(text: str) -> Let:
    """The loss that code computes (the value the code reader reads as its loss, or its one value), as a
    definition of that name."""
    from derive.claims.code import detect_code, read_code

    found = detect_code(text)
    assert found is not None
    reading = read_code(text, "python" if found[0] == "python" else "code")
    name = reading.loss if reading.loss is not None else reading.result
    value = reading.values.get(name) if name is not None else None
    if value is None:
        raise NotationError("--define: the code computes no value that reads as a loss")
    symbol = Symbol(value.name, tuple(Symbol(axis) for axis in value.axes))
    pattern = _pattern(symbol, "--define", text)
    return Let(text, symbol.name, None, False, pattern, value.node, definition=True)


def _is_variable_argument(arg: Node) -> bool:
    """An argument that names a model variable (``J(w)``, ``CE(y, \\hat{y})``, ``L(z)``)."""
    return isinstance(arg, Symbol) and is_known_name(arg)


def free_index_names(node: Node) -> set[str]:
    """Index names used in ``node`` and not bound by one of its sums."""
    used: set[str] = set()
    bound: set[str] = set()
    # h in h_\theta(x): the subscript names the model's parameters, not an index
    models = {id(n.function) for n in walk(node) if isinstance(n, Call) and _model_call(n)}
    for current in walk(node):
        if isinstance(current, Symbol) and id(current) not in models:
            for index in current.indices:
                if isinstance(index, Symbol) and not index.indices:
                    used.add(index.name)
        elif isinstance(current, KroneckerDelta):
            for index in (current.i, current.j):
                if isinstance(index, Symbol) and not index.indices:
                    used.add(index.name)
        elif isinstance(current, Index):  # an entry of an expression: softmax(z)[y], (a - y)_j
            for index in current.indices:
                if isinstance(index, Symbol) and not index.indices:
                    used.add(index.name)
        elif isinstance(current, Indicator):  # [j = c], \mathbb{1}\{i = c\}: the indices it compares
            for side in (current.condition.left, current.condition.right):
                if isinstance(side, Symbol) and not side.indices and side.decoration is None:
                    used.add(side.name)
        elif isinstance(current, Cases):  # a branch's condition compares indices: i = c
            for _, condition in current.branches:
                for side in (condition.left, condition.right) if condition is not None else ():
                    if isinstance(side, Symbol) and not side.indices and side.decoration is None:
                        used.add(side.name)
        elif isinstance(current, Sum) and current.index is not None:
            bound.add(current.index)
        elif isinstance(current, Max) and current.index is not None:
            bound.add(current.index)
    return used - bound


def _joined_name(node: Mul) -> Node:
    """``SM_i`` parses as S times M_i; in a --let pattern it is the one name SM_i."""
    letters = [f for f in node.factors if isinstance(f, Symbol) and f.decoration is None and not f.primes]
    if len(letters) == len(node.factors) and all(not f.indices for f in letters[:-1]):
        return replace(letters[-1], name="".join(f.name for f in letters))
    return node


def _is_index_of(candidate: Symbol, root: Node) -> bool:
    for node in walk(root):
        if isinstance(node, Symbol) and any(i is candidate for i in node.indices):
            return True
        if isinstance(node, KroneckerDelta) and (node.i is candidate or node.j is candidate):
            return True
        if isinstance(node, Sum) and node.index == candidate.name:
            return True
    return False


def _rename_indices(node: Node, env: dict[str, Node]) -> Node:
    """Substitute index names (inside subscripts, deltas, entries, indicators, case conditions and the
    exclusions of sums)."""

    def index(item: Node) -> Node:
        return env.get(item.name, item) if isinstance(item, Symbol) and not item.indices else item

    def condition(item: Condition) -> Condition:
        return Condition(index(item.left), item.op, index(item.right))

    class Rename(_Rewriter):
        def __call__(self, current: Node) -> Node | None:
            if isinstance(current, Symbol) and current.indices:
                return replace(current, indices=tuple(index(i) for i in current.indices))
            if isinstance(current, KroneckerDelta):
                return KroneckerDelta(index(current.i), index(current.j))
            if isinstance(current, Index):
                return Index(_transform(current.base, self), tuple(index(i) for i in current.indices))
            if isinstance(current, Indicator):
                return Indicator(condition(current.condition))
            if isinstance(current, Cases):
                return Cases(
                    tuple(
                        (_transform(e, self), condition(c) if c is not None else None)
                        for e, c in current.branches
                    )
                )
            if isinstance(current, Sum) and current.excluded:
                excluded = tuple(
                    renamed.name if isinstance(renamed := env.get(name), Symbol) else name
                    for name in current.excluded
                )
                return replace(current, excluded=excluded, body=_transform(current.body, self))
            return None

    return _transform(node, Rename())


def _rename_bound(node: Node, avoid: set[str], fresh: Iterable[int]) -> Node:
    """Rename the summation indices of ``node`` that are in ``avoid`` (capture-avoiding substitution)."""
    counter = iter(fresh)

    class Bound(_Rewriter):
        def __call__(self, current: Node) -> Node | None:
            if isinstance(current, (Sum, Max)) and current.index in avoid:
                new = f"{current.index}{next(counter)}"
                body = _rename_bound(current.body, avoid, counter)
                body = _rename_indices(body, {current.index: Symbol(new)})
                return replace(current, index=new, body=body)
            return None

    return _transform(node, Bound())


def _is_true_class_let(let: Let) -> bool:
    return (
        not let.definition
        and isinstance(let.target, Symbol)
        and let.target.name == TRUE_CLASS_TARGET
        and not let.target.indices
        and not let.pattern
    )


def is_known_name(symbol: Symbol) -> bool:
    """A canonical name or a recognized notation (not a new symbol of the page; C_2 is one)."""
    if _numbered_loss(symbol):
        return False
    decoration = _plain(symbol.decoration)
    return (decoration is None and (symbol.name in CANONICAL or symbol.name in CANONICAL_BATCH)) or (
        symbol.name,
        decoration,
    ) in GUESSES


#: Words that make prose beside a formula a condition on it ("where y_i = 1"; a comment "# chain rule: ...
#: = 1" justifies a step and is not one).
_CONDITION_WORD: Final = re.compile(
    r"^(?![\s~]*(#|//|%))[^=]*\b"
    r"(where|if|when|whenever|with|for|given|assuming|provided|such that|s\.t\.|unless)\b",
    re.IGNORECASE,
)

#: A relation in a qualifier (prose kept beside a formula), and the harmless kind: a range of an index.
#: "where y_i = 1", "\\text{ for } t_{k} = 0": the targets' entry at an index is 1 (the true class) or 0.
_TARGET_AT: Final = re.compile(
    r"^\s*(?:where|if|for|when|with)\s+(?P<name>[yt])_\{?(?P<index>[a-z])\}?\s*=\s*(?P<value>[01])\s*[.,;]?\s*$",
    re.IGNORECASE,
)
#: Words that state the targets sum to 1: "given that \sum_k y_k = 1", "since sum(t) = 1".
_TARGETS_SUM_TO_ONE: Final = re.compile(
    r"^\s*(?:where|if|when|with|given(?:\s+that)?|since|as|because|assuming|provided(?:\s+that)?|and)\s+"
    r"(?:\$\s*)?(?:\\sum|sum|Σ|∑)\s*(?:_\{?\s*(?P<i>[a-z])\s*\}?(?:\^\{?\s*\w+\s*\}?)?)?\s*\(?\s*"
    r"(?:y|t|Y|T|labels?|targets?)(?:_\{?\s*[a-z]\s*\}?)?\s*\)?\s*=\s*1\s*(?:\$\s*)?[.,;]?\s*$",
    re.IGNORECASE,
)
_TEXT_WRAPPER: Final = re.compile(r"\\(?:text|mathrm|textrm|mbox)\s*\{([^{}]*)\}|\\q?quad|\\[,;:!]")
_RELATION: Final = re.compile(r"=|\\neq?\b|\\[lg]eq?\b|<|>|\\in\b|≠|≤|≥")
_RANGE: Final = re.compile(
    r"^[^=]*\b[A-Za-z]\w*\s*=\s*[01]\s*,.*(\\[lc]?dots|\.\.\.|…|\\ldots)[^=]*$|"
    r"^[^=]*\b[A-Za-z]\w*\s*=\s*[01]\s*(\.\.|,\s*[12]\s*,?)[^=]*$"
)


def _numbered_loss(symbol: Symbol) -> bool:
    """A loss letter with a number for its index (C_2): the page's own loss, not H."""
    role = GUESSES.get((symbol.name, _plain(symbol.decoration)))
    return role == "loss" and bool(symbol.indices) and all(isinstance(i, Number) for i in symbol.indices)


#: A positive constant at most this large, added to a value, only keeps a log or a division finite.
STABILIZER = Fraction(1, 10**6)


def _inverse_of_a_diagonal(node: Node) -> bool:
    r"""``\mathrm{diag}(p)^{-1}``: a diagonal matrix's inverse (never read entry by entry: 1/0 off it)."""
    return (
        isinstance(node, Pow)
        and node.exponent == Neg(Number(Fraction(1)))
        and isinstance(node.base, Call)
        and node.base.function.name in ("diag", "diagflat", "Diag", "Diagonal")
        and len(node.base.args) == 1
    )


def _is_stabilizer(term: Node) -> bool:
    return isinstance(term, Number) and 0 < term.value <= STABILIZER


def _is_value_at_entry(node: Call) -> bool:
    """``P(x_j)``, ``Q(x_j)``: a target or output symbol applied to an indexed input is its entry j."""
    if len(node.args) != 1 or node.function.indices or node.function.primes:
        return False
    arg = node.args[0]
    if not (isinstance(arg, Symbol) and len(arg.indices) == 1 and arg.name in ("x", "X")):
        return False
    role = CANONICAL.get(node.function.name) or GUESSES.get(
        (node.function.name, _plain(node.function.decoration))
    )
    return role in ("output", "target")


def _standing_in_for(body: Node, running: str, middle: Node) -> str | None:
    """The index q such that ``middle`` holds the running entries of ``body`` at q (``y_i`` in ``p - y_i``
    for the pattern ``p y_r``): the place of the written-out sum that ``middle`` takes."""
    leaves = [
        n
        for n in walk(body)
        if isinstance(n, (Symbol, Index)) and any(i == Symbol(running) for i in n.indices)
    ]
    used = set(walk(middle))
    found = {
        name
        for name in free_index_names(middle)
        if leaves and all(_rename_indices(leaf, {running: Symbol(name)}) in used for leaf in leaves)
    }
    return found.pop() if len(found) == 1 else None


def _pattern_of(first: Node, last: Node, fresh: str) -> tuple[Node, Number, Node] | None:
    """``first`` with the number that runs up to ``last``'s symbol replaced by the index ``fresh``:
    ``(a_1, a_k)`` -> ``(a_fresh, 1, k)``; None when the two entries are not one pattern."""
    found: list[tuple[Number, Node]] = []

    def walk(a: object, b: object) -> object:
        if a == b:
            return a
        if isinstance(a, Number) and isinstance(b, Symbol) and all(isinstance(i, Number) for i in b.indices):
            # a_1 ... a_k, and a_1 ... a_{n_1}: the last is a size's name (n_1 is one name)
            found.append((a, b))
            return Symbol(fresh)
        if type(a) is not type(b):
            raise ValueError
        if isinstance(a, tuple):
            assert isinstance(b, tuple)
            if len(a) != len(b):
                raise ValueError
            return tuple(walk(x, y) for x, y in zip(a, b, strict=True))
        if isinstance(a, (*_NODE_TYPES, Condition)):
            changes = {f.name: walk(getattr(a, f.name), getattr(b, f.name)) for f in fields(a)}  # type: ignore[arg-type]
            return replace(a, **changes)  # type: ignore[type-var]
        raise ValueError

    try:
        body = walk(first, last)
    except ValueError:
        return None
    if not found or len({(n.value, str(sym)) for n, sym in found}) != 1:
        return None
    return body, found[0][0], found[0][1]  # type: ignore[return-value]


def _entry_template(cells: Sequence[tuple[Node, Node, Node]], row: str, column: str) -> Node | None:
    """The one expression in the indices ``row`` and ``column`` that each cell's entry is, at the cell's
    row and column labels (numbers, or the symbol of the last): where the entries differ, each must be its
    cell's row label (-> ``row``) or each its column label (-> ``column``). None when there is no such
    expression, or too few cells to tell (two rows and two columns at least, or two diagonal cells)."""
    spread = len({c[1] for c in cells}) >= 2 and len({c[2] for c in cells}) >= 2
    if len(cells) < 2 or (row != column and not spread):
        return None

    def walk(items: list[object]) -> object:
        first = items[0]
        if all(item == first for item in items):
            return first
        if all(item == cell[1] for item, cell in zip(items, cells, strict=True)):
            return Symbol(row)
        if all(item == cell[2] for item, cell in zip(items, cells, strict=True)):
            return Symbol(column)
        if any(type(item) is not type(first) for item in items):
            raise ValueError
        if isinstance(first, tuple):
            if any(len(item) != len(first) for item in items):  # type: ignore[arg-type]
                raise ValueError
            return tuple(walk([item[k] for item in items]) for k in range(len(first)))  # type: ignore[index]
        if isinstance(first, (*_NODE_TYPES, Condition)):
            changes = {f.name: walk([getattr(item, f.name) for item in items]) for f in fields(first)}  # type: ignore[arg-type]
            return replace(first, **changes)  # type: ignore[type-var]
        raise ValueError

    try:
        return walk([cell[0] for cell in cells])  # type: ignore[return-value]
    except ValueError:
        return None


Path = tuple[int, ...]


def _index_occurrences(node: Node, path: Path = ()) -> Iterable[tuple[str, Path]]:
    """Every use of an index name in ``node``, with the path of the expression node that uses it."""
    if isinstance(node, Symbol):
        for index in (*node.indices, *([node.example] if node.example is not None else [])):
            if isinstance(index, Symbol) and not index.indices:
                yield index.name, path
    elif isinstance(node, (KroneckerDelta, Index)):
        names = (node.i, node.j) if isinstance(node, KroneckerDelta) else node.indices
        for index in names:
            if isinstance(index, Symbol) and not index.indices:
                yield index.name, path
    for position, child in enumerate(_ordered_children(node)):
        yield from _index_occurrences(child, (*path, position))


def _ordered_children(node: Node) -> list[Node]:
    if isinstance(node, Cases):
        return [expr for expr, _ in node.branches]
    children: list[Node] = []
    for f in fields(node):
        value = getattr(node, f.name)
        if isinstance(value, tuple):
            children += [item for item in value if _is_node(item) and not isinstance(node, Symbol)]
        elif _is_node(value) and not isinstance(node, Symbol):
            children.append(value)
    return children


def _wrap_at(node: Node, path: Path, wrap: Callable[[Node], Node]) -> Node:
    """``node`` with the descendant at ``path`` replaced by ``wrap`` of it."""
    if not path:
        return wrap(node)
    target = _ordered_children(node)[path[0]]
    rebuilt = _wrap_at(target, path[1:], wrap)

    if isinstance(node, Cases):
        return Cases(tuple((rebuilt if e is target else e, c) for e, c in node.branches))
    changes: dict[str, object] = {}
    for f in fields(node):
        value = getattr(node, f.name)
        if value is target:
            changes[f.name] = rebuilt
        elif isinstance(value, tuple) and any(item is target for item in value):
            changes[f.name] = tuple(rebuilt if item is target else item for item in value)
    return replace(node, **changes)  # type: ignore[arg-type]


def _term_scope(root: Node, path: Path) -> Path:
    """The nearest term holding the node at ``path``: a symbol, or the argument of a function or power, is
    summed as the factor it belongs to (a lone e^{z_m} in a denominator is sum_m e^{z_m})."""
    chain = [root]
    for step in path:
        chain.append(_ordered_children(chain[-1])[step])
    depth = len(path)
    while depth > 0:
        current, parent = chain[depth], chain[depth - 1]
        in_function = isinstance(parent, (Exp, Log, Call, Neg, Transpose)) or (
            isinstance(parent, Pow) and path[depth - 1] == 1
        )
        if isinstance(current, (Symbol, KroneckerDelta, Index)) or in_function:
            depth -= 1
            continue
        break
    return path[:depth]


def imply_sums(node: Node, keep: set[str]) -> Node:
    """The implied-summation convention (Einstein's, and pages that write a lone e^{z_m} for the sum): an
    index that is not in ``keep`` (the left side's free indices) is summed over the smallest expression
    holding every use of it."""
    bound = {current.index for current in walk(node) if isinstance(current, Sum)}
    uses: dict[str, list[Path]] = {}
    for name, path in _index_occurrences(node):
        if name not in keep and name not in bound:
            uses.setdefault(name, []).append(path)
    scopes: list[tuple[Path, str]] = []

    def scope(paths: list[Path], name: str) -> None:
        common: list[int] = []
        for column in zip(*paths, strict=False):
            if len(set(column)) != 1:
                break
            common.append(column[0])
        at = node
        for position in common:
            at = _ordered_children(at)[position]
        if isinstance(at, Add) and len(paths) > 1:  # uses in different terms are separate sums
            groups: dict[int, list[Path]] = {}
            for use in paths:
                groups.setdefault(use[len(common)], []).append(use)
            for group in groups.values():
                scope(group, name)
            return
        scopes.append((_term_scope(node, tuple(common)), name))

    for name, paths in uses.items():
        scope(paths, name)
    for path, name in sorted(scopes, key=lambda item: -len(item[0])):
        node = _wrap_at(node, path, lambda inner, name=name: Sum(name, None, None, inner))  # type: ignore[misc]
    return node


def _shown(node: Node) -> str:
    """LaTeX of a node, with the engine's true class shown as c."""

    class Show(_Rewriter):
        def __call__(self, current: Node) -> Node | None:
            if isinstance(current, Symbol) and current.name == TRUE_CLASS_INDEX:
                return replace(current, name="c")
            return None

    return format_node(_rename_indices(_transform(node, Show()), {TRUE_CLASS_INDEX: Symbol("c")}))


#: The engine's name for an index that is the true class (never a page's own index name).
TRUE_CLASS_INDEX: Final = "c*"


# --------------------------------------------------------------------------------------------------------
# The mapper
# --------------------------------------------------------------------------------------------------------

_DISPLAY_NAMES: Final[dict[Kind, tuple[str, ...]]] = {
    "class": ("j", "i", "q", "u", "v", "w"),
    "feature": ("i", "j", "p", "u", "v", "w"),
    "example": ("t", "u", "v", "w", "g", "h"),
}


#: The loss variants' scalar parameters as pages write them (used only with the matching --loss).
PARAMETER_NAMES: dict[str, sympy.Symbol] = {
    "epsilon": s.epsilon, "varepsilon": s.epsilon, "T": s.T, "tau": s.T, "lambda": s.lam,
}  # fmt: skip
PARAMETER_WORDS: dict[sympy.Symbol, str] = {
    s.epsilon: "smoothing strength", s.T: "temperature", s.lam: "weight-decay strength",
}  # fmt: skip
assert set(PARAMETER_NAMES.values()) == set(PARAMETER_WORDS) == set(s.PARAMETERS), "parameter tables drift"
#: Code names for the smoothing strength, read so only under --loss label-smoothing (else eps is an offset).
_SMOOTHING_NAMES: Final = frozenset({"eps", "smoothing", "label_smoothing", "ls", "alpha"})
#: The loss whose parameter a name is, read from a gradient under the default loss (λ is weight decay's
#: only beside W: see the verdict's penalty reading).
_PARAMETER_LOSS: dict[sympy.Symbol, LossKind] = {s.epsilon: "label-smoothing", s.T: "temperature"}


@dataclass
class _Resolution:
    role: Role | None
    base: str | None
    guessed: bool
    reason: str
    size: Kind | None = None
    onehot: bool = False
    parameter: sympy.Symbol | None = None


def _batch_let(let: Let, nodes: Sequence[Node]) -> Let:
    """``--let X=z`` for a name written with two indices (``X_{ij}`` of code, rows the examples): the
    batch Z, as a canonical z_{ij} is read."""
    target = let.target
    if let.definition or let.pattern or not isinstance(target, Symbol) or target.indices:
        return let
    if target.name not in _BATCH_OF or target.decoration is not None:
        return let
    for node in nodes:
        for sub in walk(node):
            if isinstance(sub, Symbol) and sub.name == let.name and len(sub.indices) == 2:
                return replace(let, target=Symbol(_BATCH_OF[target.name]))
    return let


class Mapper:
    """Maps the sides of one claim (sharing indices, sizes and the model) to canonical SymPy."""

    def __init__(
        self,
        nodes: Sequence[Node],
        lets: Sequence[Let] = (),
        *,
        loss: LossKind = "softmax-ce",
        convention: Convention = "Wt_x",
        classes: int | None = None,
        parameters: Iterable[str] = (),
        bias_written: bool = False,
        columns: bool = False,
        rows: bool = False,
        diagonal: bool = False,
        transposed: bool = False,
        code: bool = False,
    ) -> None:
        self._bias_written = bias_written
        #: The claim is code's: an entry with one index (``y[i]``) is a number, never a vector of the batch.
        self.code = code
        #: A right side whose matrix has the transposed shape of the left side's is compared transposed
        #: (the claim then fails as the transpose of what it claims; ``transposed_used`` says it was).
        self.transposed = transposed
        self.transposed_used = False
        #: The page's vectors are rows (x^T (y - p) is an outer product), not columns.
        self.rows = rows
        #: A vector where an elementwise function's square Jacobian stands is that Jacobian's diagonal.
        self.diagonal = diagonal
        #: The indices of the vectors (one) and matrices (row, column) written out entry by entry.
        self.written_out: list[tuple[str, ...]] = []
        #: A batch's examples are its matrices' columns (Z = W X + b, X of shape d x N: Ng's notes), not rows.
        self.columns = columns
        self.lets = tuple(_batch_let(let, nodes) for let in lets if not _is_true_class_let(let))
        self.true_class_names = {let.name for let in lets if _is_true_class_let(let)}
        self.parameter_names = frozenset(p for p in parameters if not p.startswith("["))
        self.vector_names = frozenset(p[1:] for p in parameters if p.startswith("["))
        self.loss = loss
        self.convention = convention
        self.entries: dict[str, MappingEntry] = {}
        self.notes: list[str] = []
        self.assumptions: list[Assumption] = []
        self._placeholders = itertools.count(1)
        self._fresh = itertools.count(1)
        self._depth = 0
        self._layers: set[Node] = {
            sub.layer
            for node in nodes
            for sub in walk(node)
            if isinstance(sub, Symbol) and sub.layer is not None
        }
        #: The page symbols the claim differentiates by (a definition is not put in place of one).
        self._variables = {
            (sub.wrt.function if isinstance(sub.wrt, Call) else sub.wrt).name
            for node in nodes
            for sub in walk(node)
            if isinstance(sub, Derivative) and isinstance(sub.wrt, (Symbol, Call))
        }
        self.nodes = [self.preprocess(node) for node in nodes]
        self._scan_names()
        self._scan_kinds()
        for name in self._upper_limits:  # resolved again, now that the sums' index kinds are known
            self._resolved.pop((name, None, False), None)
        self.batch = (
            any(r.base in CANONICAL_BATCH for r in self._resolved.values())
            or self._two_axes()
            or self._summed_examples()
        )
        self.classes = self._class_count(classes)
        self.features: sympy.Expr | int = self._explicit_sizes.get("feature", s.d)
        self.model = Model(
            classes=self.classes,
            features=self.features,
            convention=convention,
            batch=self.batch,
            loss_kind=loss,
            bias=self._writes_bias(),
        )
        self.index_names: dict[str, str] = {}
        self.restriction: sympy.Expr | None = None
        self.loss_node: Node = Symbol("H")

    # -- preprocessing: --let and --define substitution and a few fixed rewrites ----------------------

    def preprocess(self, node: Node) -> Node:
        mapper = self

        class Pre(_Rewriter):
            def __call__(self, current: Node) -> Node | None:
                if isinstance(current, Mul) and [
                    f.name if isinstance(f, Symbol) and not f.indices and f.decoration is None else None
                    for f in current.factors
                ] == ["C", "E"]:
                    mapper.note("CE is read as one name (the cross-entropy loss), not C times E")
                    return Symbol("CE")
                if isinstance(current, Call) and _is_value_at_entry(current):
                    entry = replace(current.function, indices=current.args[0].indices)  # type: ignore[union-attr]
                    mapper.note(
                        f"${format_node(current)}$ is read as ${format_node(entry)}$ (the value for entry "
                        f"{format_node(current.args[0].indices[0])})"  # type: ignore[union-attr]
                    )
                    current = entry
                    return mapper._apply_let(current) or current
                if isinstance(current, Symbol) and mapper._previous_layer(current):
                    # Nielsen's a^{L-1}_k: the activations of the layer before the last are its input
                    mapper.note(
                        f"${format_node(current)}$ (the layer before the last one's activations) is read as "
                        f"the last layer's input {'X' if current.name.isupper() else 'x'}"
                    )
                    current = replace(current, name="X" if current.name.isupper() else "x", layer=None)
                    return mapper._apply_let(current) or current
                if _inverse_of_a_diagonal(current):
                    # diag(p)^{-1}: the inverse of a diagonal matrix is the diagonal of the reciprocals
                    assert isinstance(current, Pow) and isinstance(current.base, Call)
                    entries = Div(Number(Fraction(1)), current.base.args[0])
                    return _transform(Call(current.base.function, (entries,)), self)
                if isinstance(current, Symbol) and _is_identity(current, entry=True):
                    # Bishop's y_k(I_{kj} - y_j): an entry of the identity matrix, unless the page says
                    if (defined := mapper._apply_let(current)) is not None:
                        return defined
                    mapper.note(
                        f"${format_node(current)}$ is read as an entry of the identity matrix "
                        "(a Kronecker delta)"
                    )
                    return KroneckerDelta(current.indices[0], current.indices[1])
                operated = mapper._derivative_operator(current) if isinstance(current, Mul) else None
                if operated is not None:
                    return _transform(operated, self)
                if isinstance(current, (Symbol, Call)):
                    return mapper._apply_let(current)
                if isinstance(current, Derivative):
                    # d/dz_j differentiates by the variable z_j, whatever a definition says z_j is.
                    return Derivative(
                        _transform(current.of, self), mapper._keep_variable(current.wrt), current.order
                    )
                if isinstance(current, Add) and any(isinstance(term, Dots) for term in current.terms):
                    return mapper._written_out_sum(current)
                if isinstance(current, Add) and any(_is_stabilizer(term) for term in current.terms):
                    kept = tuple(_transform(term, self) for term in current.terms if not _is_stabilizer(term))
                    mapper.note("a tiny constant added for numerical stability (such as 1e-15) is read as 0")
                    return kept[0] if len(kept) == 1 else Add(kept)
                if isinstance(current, Matrix):
                    return mapper._vector_entry(current) or mapper._matrix_entry(current)
                return None

        return _transform(node, Pre())

    def _derivative_operator(self, product: Mul) -> Node | None:
        """Bendersky's ``D_j S_i``: the derivative of ``S_i`` by the j-th logit, where the page does not
        say what ``D`` is (a reading, noted)."""
        factors = list(product.factors)
        for at, (first, second) in enumerate(itertools.pairwise(factors)):
            if (
                isinstance(first, Symbol)
                and first.name == "D"
                and first.decoration is None
                and len(first.indices) == 1
                and isinstance(first.indices[0], Symbol)
                and first.example is None
                and first.layer is None
                and not first.primes
                and not first.transposed
                and isinstance(second, (Symbol, Call))
                and self._apply_let(first) is None
            ):
                wrt = Symbol(ROLE_BASE["logits"], first.indices)
                self.note(
                    f"${format_node(first)} {format_node(second)}$ is read as the derivative of "
                    f"${format_node(second)}$ by ${format_node(wrt)}$ (the operator D_j of the j-th input)"
                )
                rest = [*factors[:at], Derivative(second, wrt), *factors[at + 2 :]]
                return rest[0] if len(rest) == 1 else Mul(tuple(rest))
        return None

    def _previous_layer(self, symbol: Symbol) -> bool:
        """``a^{L-1}``, ``h^{[l-1]}``, ``a^{(1)}`` beside ``a^{(2)}``: the activations of the layer before
        another layer the claim writes (and no --let names it)."""
        activations = symbol.name in ("a", "h", "o", "A", "H")
        if symbol.layer is None or not activations or symbol.decoration is not None:
            return False
        if any(let.name == symbol.name and let.layer == symbol.layer for let in self.lets):
            return False
        layer = symbol.layer
        if isinstance(layer, Number):
            return Number(layer.value + 1) in self._layers
        return (
            isinstance(layer, Add)
            and len(layer.terms) == 2
            and layer.terms[1] == Neg(Number(Fraction(1)))
            and layer.terms[0] in self._layers
        )

    def _keep_variable(self, wrt: Node) -> Node:
        """The variable of a derivative: --let mappings apply, definitions do not."""
        if isinstance(wrt, (Symbol, Call)):
            symbol = wrt.function if isinstance(wrt, Call) else wrt
            for let in self.lets:
                if not let.definition:
                    target = self._instantiate(let, wrt, symbol)
                    if target is not None:
                        self.record(_shown(wrt), _shown(target), let.chosen, f"{let.label} {let.text}")
                        return target
        return wrt

    def _fresh_index(self) -> str:
        return f"q{next(self._fresh)}"

    def _written_out_sum(self, node: Add) -> Node | None:
        """``a_1 + \\cdots + a_k`` (first term, ellipsis, last term) -> the sum it stands for; with a term
        between two ellipses (``p y_1 + \\dots + (p - y_i) + \\dots + p y_n``), that term stands in for
        the term at the index it mentions."""
        terms = list(node.terms)
        position = next(i for i, term in enumerate(terms) if isinstance(term, Dots))
        if position == 0 or position == len(terms) - 1:
            return None
        first, last = terms[position - 1], terms[position + 1]
        middle: Node | None = None
        end = position + 2
        if end + 1 < len(terms) and isinstance(terms[end], Dots):
            middle, last, end = last, terms[end + 1], end + 2
        fresh = self._fresh_index()
        pattern = _pattern_of(self.preprocess(first), self.preprocess(last), fresh)
        if pattern is None:
            self._dots_reason = (
                f"the terms around the ellipsis, ${format_node(first)}$ and ${format_node(last)}$, are not "
                "one pattern"
            )
            return None
        body, lower, upper = pattern
        start = position - 1
        while start > 0:  # a_1 + a_2 + \cdots + a_k: every written term of the pattern is part of the sum
            earlier = _pattern_of(self.preprocess(terms[start - 1]), self.preprocess(last), fresh)
            if earlier is None or earlier[0] != body or earlier[1].value != lower.value - 1:
                break
            start, lower = start - 1, earlier[1]
        first = terms[start]
        shown = f"{format_node(first)} + \\cdots + {format_node(last)}"
        summed: Node = Sum(fresh, lower, upper, body)
        if middle is not None:
            middle = self.preprocess(middle)
            at = _standing_in_for(body, fresh, middle)
            if at is None:
                self._dots_reason = (
                    f"${format_node(middle)}$ between the ellipses of ${shown}$ is not one of its terms"
                )
                return None
            summed = Add((Sum(fresh, lower, upper, body, excluded=(at,)), middle))
            self.note(f"${shown}$ is read as a sum whose term at {at} is ${format_node(middle)}$")
        else:
            self.note(f"${shown}$ is read as a sum")
        rest = [self.preprocess(t) for t in terms[:start] + terms[end:]]
        return Add((*rest, summed)) if rest else summed

    def _vector_entry(self, node: Matrix) -> Node | None:
        r"""A vector written as first entries, ellipsis, last entry -> its general entry (a free index); with
        an entry between two ellipses (``-a_1, \cdots, 1 - a_q, \cdots, -a_n``), that entry stands in for
        the entry at the index it mentions. Every written entry must fit the pattern."""
        entries = (
            [row[0] for row in node.rows]
            if all(len(r) == 1 for r in node.rows)
            else (list(node.rows[0]) if len(node.rows) == 1 else [])
        )
        if len(entries) < 3 or not isinstance(entries[-2], Dots):
            return None
        dots = [position for position, entry in enumerate(entries) if isinstance(entry, Dots)]
        middle: Node | None = None
        if len(dots) == 2 and dots[1] - dots[0] == 2:
            middle = entries[dots[0] + 1]
        elif len(dots) != 1:
            return None
        leading, last = entries[: dots[0]], entries[-1]
        fresh = self._fresh_index()
        self.written_out.append((fresh,))
        pattern = _pattern_of(self.preprocess(leading[0]), self.preprocess(last), fresh) if leading else None
        if pattern is None:
            raise NotationError(
                f"the first and last entries of the vector, ${format_node(entries[0])}$ and "
                f"${format_node(last)}$, are not one pattern"
            )
        body, lower, _ = pattern
        if lower.value != 1:
            raise NotationError("a written-out vector must start at entry 1")
        for position, entry in enumerate(leading[1:], start=2):
            again = _pattern_of(self.preprocess(entry), self.preprocess(last), fresh)
            if again is None or again[0] != body or again[1].value != position:
                raise NotationError(
                    f"entry {position} of the written-out vector, ${format_node(entry)}$, does not fit the "
                    f"pattern of its first and last entries"
                )
        if middle is not None:
            middle = self.preprocess(middle)
            at = _standing_in_for(body, fresh, middle)
            if at is None:
                raise NotationError(
                    f"${format_node(middle)}$ between the ellipses of the written-out vector is not one of "
                    "its entries"
                )
            delta = KroneckerDelta(Symbol(fresh), Symbol(at))
            body = Add((Mul((delta, middle)), Mul((Add((Number(Fraction(1)), Neg(delta))), body))))
            self.note(f"the vector written entry by entry has ${format_node(middle)}$ at entry {at}")
        self.note("the vector written entry by entry is read through its general entry")
        return body

    def _matrix_entry(self, node: Matrix) -> Node | None:
        r"""A square matrix written out with ellipses (rows 1, 2, ..., \vdots, n; in each, entries 1, 2, ...,
        \cdots, n) -> its general entry (i, j): the diagonal's pattern and the other entries' pattern, each
        found from the written entries and checked against every one of them."""
        rows = node.rows
        width = len(rows[0]) if rows else 0
        if len(rows) < 3 or width < 3 or any(len(row) != width for row in rows):
            return None
        if not all(isinstance(entry, Dots) for entry in rows[-2]):
            return None
        written = [*rows[:-2], rows[-1]]  # each: entries 1, 2, ..., \cdots, the last
        if any(
            not isinstance(row[-2], Dots) or any(isinstance(e, Dots) for e in (*row[:-2], row[-1]))
            for row in written
        ):
            return None
        cells = {
            (r, c): self.preprocess(row[column])
            for r, row in enumerate(written)
            for c, column in enumerate([*range(width - 2), width - 1])
        }
        last_row, last_col = len(written) - 1, width - 2
        # the last row's and the last column's label: the size their entries run up to (n, K, n_1)
        def run_to(first: tuple[int, int], last: tuple[int, int], start: int) -> Node | None:
            pattern = _pattern_of(cells[first], cells[last], self._fresh_index())
            return pattern[2] if pattern is not None and pattern[1].value == start else None

        # from the first entry of the row (column) to the last, or from the second (off the diagonal)
        rows_run = run_to((0, 0), (last_row, 0), 1) or (
            run_to((1, 0), (last_row, 0), 2) if last_row > 1 else None
        )
        columns_run = run_to((0, 0), (0, last_col), 1) or (
            run_to((0, 1), (0, last_col), 2) if last_col > 1 else None
        )
        corner = run_to((0, 0), (last_row, last_col), 1)  # the diagonal's run: a square matrix
        rows_run, columns_run = rows_run or corner or columns_run, columns_run or corner or rows_run
        sizes = [run for run in (rows_run, columns_run) if run is not None]
        if len(sizes) != 2:
            raise NotationError(
                "the entries of the matrix written out entry by entry do not say how far its rows and "
                "columns run: write its general entry (a_{ij})"
            )
        last_of_rows, last_of_columns = sizes

        def label(position: int, final: int, last: Node) -> Node:
            return last if position == final else Number(Fraction(position + 1))

        row_index, col_index = self._fresh_index(), self._fresh_index()
        self.written_out.append((row_index, col_index))
        labelled = [
            (entry, label(r, last_row, last_of_rows), label(c, last_col, last_of_columns))
            for (r, c), entry in cells.items()
        ]
        whole = _entry_template(labelled, row_index, col_index)
        if whole is not None:
            body = whole
        else:
            diagonal = [cell for cell in labelled if cell[1] == cell[2]]
            others = [cell for cell in labelled if cell[1] != cell[2]]
            on = _entry_template(diagonal, row_index, row_index)
            off = _entry_template(others, row_index, col_index)
            if on is None or off is None or last_of_rows != last_of_columns:
                raise NotationError(
                    "the entries of the matrix written out entry by entry are not one pattern on its "
                    "diagonal and one off it: write its general entry (a_{ij})"
                )
            delta = KroneckerDelta(Symbol(row_index), Symbol(col_index))
            body = Add((Mul((delta, on)), Mul((Add((Number(Fraction(1)), Neg(delta))), off))))
        self.note("the matrix written entry by entry is read through its general entry")
        return body

    def _apply_let(self, node: Symbol | Call) -> Node | None:
        symbol = node.function if isinstance(node, Call) else node
        for let in self.lets:
            if let.definition and symbol.name in self._variables:
                # a variable the claim differentiates by keeps its place, defined or not (a_k = w_k^T phi in
                # place of a in dE/da_j left no variable); a definition of a model quantity is a mapping
                continue
            target = self._instantiate(let, node, symbol)
            if target is None:
                continue
            if let.definition and symbol.primes:
                # e_i' with e_i defined: the prime says a derivative but not by what (applying the definition
                # had dropped the prime: the quotient rule's e_i' Σ - e_i Σ' read as 0, a wrong fails)
                raise NotationError(
                    f"${format_node(symbol)}$: a prime on a defined symbol does not say what it is the "
                    "derivative by; write the derivative as a fraction of differentials"
                )
            if let.definition:
                self.record(_symbol_label(symbol), "defined", False, f"--define {let.text}")
            elif not let.pattern:
                self.record(_symbol_label(symbol), _shown(let.target), let.chosen, f"{let.label} {let.text}")
            else:
                self.record(_shown(node), _shown(target), let.chosen, f"{let.label} {let.text}")
            if let.definition:
                if self._depth > 20:
                    raise NotationError(
                        f"the definitions refer to each other in a cycle (at --define {let.text})"
                    )
                self._depth += 1
                try:
                    target = self.preprocess(target)
                finally:
                    self._depth -= 1
            return target
        return None

    def _instantiate(self, let: Let, node: Symbol | Call, symbol: Symbol) -> Node | None:
        """The let's target for this use of the page symbol, or None when the let does not apply."""
        if (let.name, let.decoration) != _name_and_decoration(symbol):
            return None
        if let.call and not isinstance(node, Call) and not let.definition:
            return None
        parameters = all(
            isinstance(arg, Symbol) and not arg.indices and arg.name in PARAMETER_LETTERS | {"b"}
            for arg in let.args
        )
        if let.definition and let.args and not (isinstance(node, Call) and node.args == let.args):
            # y(ls) is not y; J(\theta), J(W, b) (a function of the model's parameters) is the page's J
            if isinstance(node, Call) or not parameters:
                return None
        if let.layer is not None and symbol.layer is not None and let.layer != symbol.layer:
            return None
        indices = list(symbol.indices)
        variables: dict[str, Node] = {}
        literals = [name for name in let.pattern if name.isdigit() or name.startswith(LABEL_MARK)]
        if len(indices) < len(let.pattern):
            if let.pattern or not isinstance(let.target, Symbol):
                return None
        for name in let.pattern:
            index = indices.pop(0)
            if name.isdigit():
                if not (isinstance(index, Number) and str(index.value) == name):
                    return None
            elif name.startswith(LABEL_MARK):
                label = name[len(LABEL_MARK) :]
                if not (isinstance(index, Symbol) and index.name == label and not index.indices):
                    return None
            else:
                variables[name] = index
        target = let.target
        if let.definition:
            target = self._capture_free(target, set(let.pattern), variables)
        elif variables:
            target = _rename_indices(target, variables)
        if indices:
            if literals or variables:
                return None
            if isinstance(target, Symbol) and not target.indices:
                target = replace(target, indices=tuple(indices))
            else:
                target = Index(target, tuple(indices))
        if isinstance(target, Symbol):
            target = replace(
                target,
                example=symbol.example or target.example,
                transposed=symbol.transposed != target.transposed,
            )
        elif symbol.transposed:
            target = Transpose(target)
        return target

    def _capture_free(self, target: Node, pattern: set[str], variables: dict[str, Node]) -> Node:
        """A definition's right side at the page's indices: bound indices renamed apart first, and an index
        that is free in the definition but not on its left side read as the true class."""
        avoid = {name for index in variables.values() for name in free_index_names(index)} | set(variables)
        target = _rename_bound(target, avoid, self._fresh)
        loose = free_index_names(target) - pattern
        env: dict[str, Node] = dict(variables)
        for name in sorted(loose):
            env[name] = Symbol(TRUE_CLASS_INDEX)
            self.record(
                name, "c", True, "an index free in a definition but not on its left side: the true class"
            )
        return _rename_indices(target, env) if env else target

    # -- bookkeeping ----------------------------------------------------------------------------------

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def record(self, page: str, canonical: str, guessed: bool, reason: str) -> None:
        self.entries.setdefault(page, MappingEntry(page, canonical, guessed, reason))

    # -- pass 1: which names are present, which are differentiated by ---------------------------------

    def _value_symbols(self) -> Iterable[tuple[Symbol, bool]]:
        """Every symbol in value position (not an index), with whether it is a function being called."""
        for root in self.nodes:
            index_ids: set[int] = set()
            for node in walk(root):
                if isinstance(node, Symbol):
                    index_ids.update(id(i) for i in node.indices)
                    if node.example is not None:
                        index_ids.add(id(node.example))
                elif isinstance(node, KroneckerDelta):
                    index_ids.update((id(node.i), id(node.j)))
                elif isinstance(node, Sum):
                    for limit in (node.lower, node.upper):
                        if limit is not None:
                            index_ids.add(id(limit))
            for node in walk(root):
                if isinstance(node, Call):
                    index_ids.add(id(node.function))
                    yield node.function, True
                elif isinstance(node, Symbol) and id(node) not in index_ids and not _is_ones(node):
                    if not _is_identity(node):
                        yield node, False

    def _loss_of_probabilities(self, name: str) -> bool:
        """Whether the left side differentiates a loss called with ``name`` whose own name does not say it
        takes logits (``BCELoss(x, y)``, ``binary_cross_entropy(p, y)`` take probabilities; ``NLLLoss``
        log-probabilities; ``BCEWithLogits(x, y)`` the logits)."""
        lhs = self.nodes[0] if self.nodes else None
        if not isinstance(lhs, Derivative) or not isinstance(lhs.of, Call):
            return False
        called = lhs.of.function.name if isinstance(lhs.of.function, Symbol) else ""
        takes = any(isinstance(arg, Symbol) and arg.name == name for arg in lhs.of.args)
        return takes and "logit" not in called.lower()

    def _input_written(self) -> bool:
        """Whether the claim or a definition it uses writes the input x (or X)."""
        targets = [let.target for let in self.lets if let.definition]
        roots = (*self.nodes, *targets)
        return any(isinstance(n, Symbol) and n.name in ("x", "X") for root in roots for n in walk(root))

    def _scan_names(self) -> None:
        self._wrt_names: set[str] = set()
        self._numerator_names: set[str] = set()
        self._exponent_names: set[str] = set()  # names inside e^{...}: f in e^{f_j} is a score
        self._activated_names: dict[str, str] = {}  # softmax(v), sigma(v): v -> the function
        self._divisor_names: set[str] = set()  # names a quotient divides by, alone
        self._weighting_names: set[str] = set()  # theta^T x, x^T theta, h_theta(x): theta -> the weights
        differentiated: set[int] = set()  # the functions derivatives are of
        divergences: list[Call] = []  # KL(p || q), D_{KL}(p || q)
        for root in self.nodes:
            for node in walk(root):
                if isinstance(node, Derivative):
                    differentiated.add(id(node.of))
                if isinstance(node, Call) and _is_kl(node.function):
                    divergences.append(node)
                if isinstance(node, Mul):
                    self._weighting_names.update(_weighting(node.factors))
                if isinstance(node, Probability):
                    # P(y = j | x; \theta): what the probability is conditioned on besides the input is the
                    # model's parameters, its weights
                    self._weighting_names.update(
                        g.name
                        for g in node.given
                        if isinstance(g, Symbol) and not _is_input(g) and not g.indices
                    )
                if isinstance(node, Call) and _model_call(node):
                    # h_theta(x): the subscript names the parameters of the model (its weights)
                    self._weighting_names.update(cast(Symbol, i).name for i in node.function.indices)
                if isinstance(node, Exp):
                    self._exponent_names.update(n.name for n in walk(node.arg) if isinstance(n, Symbol))
                if isinstance(node, Div) and isinstance(node.denominator, Symbol):
                    self._divisor_names.add(node.denominator.name)  # 1/T, z/T: a scale such as a temperature
                if (
                    isinstance(node, Call)
                    and node.function.name in SOFTMAX_FUNCTIONS
                    and len(node.args) == 1
                    and isinstance(node.args[0], Symbol)
                ):
                    self._activated_names[node.args[0].name] = node.function.name
                if isinstance(node, Derivative):
                    wrt = node.wrt.function if isinstance(node.wrt, Call) else node.wrt
                    if isinstance(wrt, Symbol):
                        self._wrt_names.add(wrt.name)
                    of = node.of.function if isinstance(node.of, Call) else node.of
                    if isinstance(of, Symbol):
                        self._numerator_names.add(of.name)
        # dJ/d\theta = X^T (h - y): the parameters differentiated by, beside the input, are the weights (with
        # no input written, \theta may be the logits: cs224d's softmax(\theta))
        inputs = any(isinstance(n, Symbol) and _is_input(n) for root in self.nodes for n in walk(root))
        if inputs:
            self._weighting_names.update(self._wrt_names & {"theta", "beta"})
        # n in \frac{1}{n} \sum_{i=1}^n: a name a sum runs to is that sum's size wherever it is written
        self._upper_limits: dict[str, str] = {
            sub.upper.name: sub.index
            for root in self.nodes
            for sub in walk(root)
            if isinstance(sub, Sum)
            and sub.index is not None
            and isinstance(sub.upper, Symbol)
            and not sub.upper.indices
            and sub.upper.decoration is None
            and sub.upper.name not in SIZE_NAMES
            and sub.upper.name not in CANONICAL
        }
        # 1[j = y_i], \delta_{j y}: the claim writes the one-hot target as a comparison with the labels
        self._compares_labels = any(
            isinstance(side, Symbol) and side.name in ("y", "c")
            for root in self.nodes
            for node in walk(root)
            for side in _compared(node)
        )
        # KL(p || q) only where it is differentiated: its gradient is the cross-entropy's, its value is not
        self._divergence_differentiated = all(id(call) in differentiated for call in divergences)
        self._present: list[tuple[Symbol, bool]] = list(self._value_symbols())
        self._resolved: dict[tuple[str, str | None, bool], _Resolution] = {}
        # Unambiguous names first, then the context rules can look at them.
        self._failed: dict[tuple[str, str | None, bool], NotationError] = {}
        ordered = sorted(
            self._present, key=lambda item: (item[0].name, _plain(item[0].decoration)) in CONTEXT_RULES
        )
        for symbol, called in ordered:
            try:
                self._resolution(symbol, called)
            except NotationError:
                continue

    def _key(self, symbol: Symbol, called: bool) -> tuple[str, str | None, bool]:
        return (
            symbol.name,
            _plain(symbol.decoration),
            called and symbol.name in SOFTMAX_FUNCTIONS | OTHER_FUNCTIONS,
        )

    def _resolution(self, symbol: Symbol, called: bool) -> _Resolution:
        key = self._key(symbol, called)
        if key in self._failed:
            raise self._failed[key]
        if key not in self._resolved:
            try:
                self._resolved[key] = self._resolve(symbol, called)
            except NotationError as error:
                # Kept for the side that uses the symbol: one unreadable step does not sink the chain.
                self._failed[key] = error
                raise
        return self._resolved[key]

    def _by_weights(self) -> bool:
        """Whether the claim's left side is a derivative by the weights (W, W_{ij}, w_j)."""
        first = self.nodes[0] if self.nodes else None
        while isinstance(first, Derivative) and isinstance(first.of, Derivative):
            first = first.of
        if not isinstance(first, Derivative) or not isinstance(first.wrt, Symbol):
            return False
        try:
            return self._resolution(replace(first.wrt, indices=()), False).base == "W"
        except NotationError:
            return False

    def _summed_examples(self) -> bool:
        """A sum over the example index of symbols written with it (``\\sum_{i=1}^m (h_\\theta(x^{(i)}) -
        y^{(i)}) x^{(i)}``) in a derivative's claim: the claim is about a batch, one example per term. A
        loss's value written as their mean (``\\frac{1}{m} \\sum_i -\\log p^{(i)}_{t^{(i)}}``) is read for
        one example: every term is that example's loss, and the mean of equal terms is that loss; written as
        their sum (no 1/m), it is a batch's (read for one example, N equal terms were N times its loss)."""
        if not self.nodes:
            return False
        value = not isinstance(self.nodes[0], (Derivative, Differential))
        for node in self.nodes:
            for sub in walk(node):
                if isinstance(sub, Sum) and any(
                    isinstance(inner, Symbol)
                    and isinstance(inner.example, Symbol)
                    and inner.example.name == sub.index
                    for inner in walk(sub.body)
                ):
                    if not value or not self._averaged(sub):
                        return True
        return False

    def _averaged(self, total: Sum) -> bool:
        """Whether the claim divides by the number of terms of ``total`` (``\\frac{1}{m}``, ``/ m``)."""
        if total.upper is None:
            return False
        for node in self.nodes:
            for sub in walk(node):
                if isinstance(sub, Div) and sub.denominator == total.upper:
                    return True
        return False

    def _two_axes(self) -> bool:
        """A vector of the model written with two indices (``z_{ij}`` of code, rows the examples): the
        claim is about a batch, as :meth:`_vector` reads it."""
        for node in self.nodes:
            for sub in walk(node):
                if isinstance(sub, Symbol) and len(sub.indices) == 2:
                    resolution = self._resolved.get(self._key(sub, False))
                    if resolution is not None and resolution.base in _BATCH_OF:
                        return True
        return False

    def _roles_present(self, exclude: str, names_only: bool = False) -> set[Role]:
        r"""The roles the claim's other symbols were read as (``names_only``: page names, not the softmax
        applied or named as a function, softmax(z), \sigma)."""
        roles: set[Role] = set()
        for (name, _, _), resolution in self._resolved.items():
            if names_only and name in SOFTMAX_FUNCTIONS:
                continue
            if name != exclude and resolution.role is not None:
                roles.add(resolution.role)
        return roles

    def _other_named(self, name: str, role: Role) -> bool:
        r"""Whether the claim writes another name that reads in ``role`` (the output: p, a, \hat y)."""
        return any(
            symbol.name != name
            and not called
            and (
                GUESSES.get((symbol.name, _plain(symbol.decoration))) == role
                or (
                    role in (CANONICAL.get(symbol.name), CANONICAL_BATCH.get(symbol.name))
                    and symbol.decoration is None
                )
            )
            for symbol, called in self._present
        )

    def _scores(self, name: str) -> bool:
        r"""Whether ``name`` is differentiated by beside another output and written nowhere else but in an
        exponential or a softmax (``\partial L/\partial s_j = p_j - 1[j = y]``: the class scores), where
        ``-p_j/s_j`` or ``s_i(\delta_{ij} - s_j)`` use it as a value: the output."""

        def elsewhere(node: Node) -> bool:
            if isinstance(node, Symbol):
                return node.name == name
            if isinstance(node, Derivative):
                return elsewhere(node.of)
            if isinstance(node, Exp) or (isinstance(node, Call) and node.function.name in SOFTMAX_FUNCTIONS):
                return False
            return any(elsewhere(child) for child in _children(node))

        if name not in self._wrt_names or not self._other_named(name, "output"):
            return False
        return not any(elsewhere(root) for root in self.nodes)

    def _softmax_differentiated(self) -> bool:
        """Whether the left side differentiates the softmax (or sigma) itself, named or applied."""
        lhs = self.nodes[0] if self.nodes else None
        if not isinstance(lhs, Derivative):
            return False
        of = lhs.of.function if isinstance(lhs.of, Call) else lhs.of
        return isinstance(of, Symbol) and of.name in SOFTMAX_FUNCTIONS

    def _differentiated_output(self, symbol: Symbol) -> bool:
        """``\\partial\\sigma/\\partial\\mathbf{z}`` (and a bare sigma beside it on the right): the softmax
        (or the sigmoid, with --loss sigmoid-bce) named without its argument is its value at the logits."""
        lhs = self.nodes[0] if self.nodes else None
        if symbol.primes or not isinstance(lhs, Derivative) or not isinstance(lhs.of, Symbol):
            return False
        of = lhs.of
        if of.name != symbol.name or of.indices or of.primes or of.decoration != symbol.decoration:
            return False
        sigmoid = self.loss == "sigmoid-bce"
        return (symbol.name == "softmax" and not sigmoid) or symbol.name == "sigma" or (
            symbol.name == "sigmoid" and sigmoid
        )

    def _primed_sigmoid(self, symbol: Symbol) -> bool:
        """``\\sigma' = \\sigma (1 - \\sigma)`` with one sigmoid output: sigma named without its argument,
        beside its own derivative written as a prime, is its value at the logits."""
        if self.loss != "sigmoid-bce" or symbol.name not in ("sigma", "sigmoid") or symbol.indices:
            return False
        return any(
            isinstance(n, Symbol) and n.name == symbol.name and n.primes == 1 and not n.indices
            for root in self.nodes
            for n in walk(root)
        )

    def _resolve(self, symbol: Symbol, called: bool) -> _Resolution:
        name, decoration = _name_and_decoration(symbol)
        label = _symbol_label(symbol)
        if called and name in SOFTMAX_FUNCTIONS | OTHER_FUNCTIONS:
            return _Resolution("output" if name in SOFTMAX_FUNCTIONS else None, None, False, "function")
        if name in SOFTMAX_FUNCTIONS and len(symbol.indices) == 1 and not symbol.primes and not called:
            # softmax_i, \text{softmax}_j: an entry of the softmax, its output
            said = f"{label}: an entry of the softmax, its output"
            return _Resolution("output", "a", True, said)
        if name in SOFTMAX_FUNCTIONS and not symbol.indices:
            if self._differentiated_output(symbol):
                said = f"{label}, the function the left side differentiates: its value {label}(z)"
                return _Resolution("output", "a", True, said)
            if self._primed_sigmoid(symbol):
                plain = _symbol_label(replace(symbol, primes=0))
                said = f"{plain}, the sigmoid the text differentiates ({plain}'): its value {plain}(z)"
                return _Resolution("output", "a", True, said)
            raise NotationError(
                f"${label}$ without an argument (or primed, as a derivative) is not understood; "
                "write the softmax Jacobian as $\\frac{\\partial a_i}{\\partial z_j}$"
            )
        if (
            name == "e"
            and decoration in (None, "bold")
            and len(symbol.indices) == 1
            and isinstance(symbol.indices[0], Symbol)
            and not symbol.indices[0].indices
            and symbol.indices[0].name in ("i", "j", "k", "l", "m", "n")
            and self._indexes_another(symbol.indices[0].name, symbol)
        ):
            # p_i(e_i - p): e with the index another symbol has is that index's standard basis vector
            said = "the standard basis vector of an index the claim uses"
            return _Resolution("target", "y", True, said, onehot=True)
        if name == "e" and decoration is None and _basis_of_the_true_class(symbol):
            # e_y, \mathbf{e}_c: the standard basis vector of the true class (Euler's e takes no subscript)
            said = "the standard basis vector of the true class is the one-hot target"
            return _Resolution("target", "y", True, said, onehot=True)
        if name.isdigit():
            if name == "1" and symbol.indices:
                return _Resolution("target", "y", True, "one-hot vector of the true class", onehot=True)
            raise NotationError(
                f"the number ${label}$ with a subscript is not understood; "
                f"add --let '{label}_t=y' if it is the one-hot target"
            )
        if decoration is None and name in CANONICAL:
            if CANONICAL[name] == "output" and name in self._exponent_names:
                # e^{a_j} / sum_k e^{a_k}: the page's a is what the softmax is applied to, the logits
                raise NotationHintError(
                    f"${name}$ is exponentiated (e^{{{name}_j}}) as logits are, but {name} is the softmax "
                    f"output; if {name} is the logits here, add --let '{name}={ROLE_BASE['logits']}'",
                    (f"{name}={'Z' if name == 'A' else 'z'}",),
                )
            return _Resolution(CANONICAL[name], name, False, "canonical")
        if decoration is None and name in CANONICAL_BATCH:
            batch_role = CANONICAL_BATCH[name]
            if batch_role != "input" and self._batch_capitals() is False:
                # Z_i, Z_{target} with one index, and no batch anywhere: the page's capital is the vector
                vector = ROLE_BASE[batch_role]
                return _Resolution(batch_role, vector, True, f"{name} with one index, no batch: a vector")
            return _Resolution(batch_role, name, False, "canonical (batch)")
        if decoration is None and name in SIZE_NAMES and not symbol.indices and not called:
            return _Resolution(None, None, name not in ("k", "N", "d"), "size", size=SIZE_NAMES[name])
        if name in self._upper_limits and not symbol.indices and not called and decoration is None:
            kind = getattr(self, "kinds", {}).get(self._upper_limits[name], "class")
            return _Resolution(None, None, True, f"upper limit of a sum over {_PLURAL[kind]}", size=kind)
        parameter = PARAMETER_NAMES.get(name)
        if parameter is None and self.loss == "label-smoothing" and name in _SMOOTHING_NAMES:
            parameter = s.epsilon  # eps, ls: the smoothing strength, only under --loss label-smoothing
        if parameter is not None and not symbol.indices and not called and decoration is None:
            if parameter in Model(loss_kind=self.loss).parameters:
                return _Resolution(
                    None,
                    None,
                    True,
                    f"the {PARAMETER_WORDS[parameter]} of --loss {self.loss}",
                    parameter=parameter,
                )
        owner = _PARAMETER_LOSS.get(parameter) if parameter is not None else None
        if owner == "temperature" and name not in self._divisor_names:
            owner = None  # P - T: a T that nothing is divided by is no temperature (Bishop's targets)
        if owner is not None and self.loss == "softmax-ce" and self._wrt_names and not called:
            # (1 - \epsilon) y_i + \epsilon/K, \frac{1}{T}(q_i - y_i): a gradient written with the smoothing
            # strength or the temperature is of that loss (a reading, shown)
            raise NotationHintError(
                f"${label}$ is the {PARAMETER_WORDS[parameter]} of --loss {owner}, and the loss is "
                f"{self.loss}; add --loss {owner} if the page's loss is that",
                losses=(owner,),
            )
        role = GUESSES.get((name, decoration))
        if called and role == "input":
            role = None  # \phi(z): an activation function applied, not Bishop's basis functions of the input
        if role is None and decoration is None and (spelled := _SPELLED_ACCENT.fullmatch(name)):
            role = GUESSES.get((spelled["letter"], spelled["accent"]))  # p_hat, Phat: as \hat{p}
        compound = compound_role(name) if role is None and decoration is None else None
        if compound is not None:
            role = compound  # one_hot_labels, pred_probs, class_scores: the words of a name say its role
        if role == "loss" and name in BCE_NAMES and self.loss != "sigmoid-bce":
            raise NotationHintError(
                f"${label}$ names the binary cross-entropy, and the loss is {self.loss}; "
                "add --loss sigmoid-bce if the page's outputs are sigmoids",
                losses=("sigmoid-bce",),
            )
        if _numbered_loss(symbol) or (role == "loss" and len(symbol.indices) >= 2):
            # C_1, C_2: numbered losses are the page's own (often two different ones); J_ij: a Jacobian
            role = None
        if role == "loss" and symbol.transposed:
            # \mathbf{J}^\top \frac{\partial L}{\partial a}: a loss is a number, never transposed (a Jacobian,
            # here): not guessed as the loss
            role = None
        if role == "output" and name in self._exponent_names and len(symbol.indices) <= 1 and not called:
            # s_j in e^{s_j}: what the softmax is applied to, the class scores
            return _Resolution("logits", "z", True, f"{label} in an exponent (e^{{{label}_j}}): the scores")
        if (
            role is None
            and (name, decoration) == ("f", None)
            and len(symbol.indices) == 1
            and not called
            and (name in self._wrt_names or name in self._exponent_names)
        ):
            # f_j, the class scores f = W x (cs231n's notation), differentiated by or exponentiated
            return _Resolution("logits", "z", True, "f_j differentiated by or in e^{f_j}: the class scores")
        if role is None and name.startswith("_") and decoration is None:
            role = GUESSES.get((name.lstrip("_"), None))  # self._labels -> _labels, a private name
        if role is None and name in self._weighting_names and decoration in (None, "bold") and not called:
            # \theta^T x, x^T \theta, h_\theta(x), P(y | x; \theta): the model's parameters are the weights
            said = f"{label} parametrizes the model ({label}^T x, h_{label}(x), P(y | x; {label})): "
            said += "the weights"
            return _Resolution("weights", "W", True, said)
        if role is None and name in self._activated_names and len(symbol.indices) <= 1 and not called:
            # softmax(\theta), \sigma(v): a name the activation is applied to is the logits
            said = f"{label} is what {self._activated_names[name]} is applied to: the logits"
            return _Resolution("logits", "z", True, said)
        if (
            role == "weights"
            and decoration is None
            and name == "w"
            and name in self.vector_names
            and len(symbol.indices) == 1
            and not called
            and not self._input_written()
        ):
            # L = -w_y \log p_y: a class weight of the definition (no input x anywhere: no model weights)
            role = None
        if role is None and name in self.vector_names and len(symbol.indices) == 1 and not called:
            return _Resolution(
                "fixed", "v", True, "a vector over the classes in your definition, not differentiated"
            )
        if role is None and name in self.parameter_names and not symbol.indices and not called:
            known = PARAMETER_NAMES.get(name) if decoration is None else None
            return _Resolution(
                None,
                None,
                True,
                "a parameter of your definition (a positive number, sampled)",
                parameter=known
                if known is not None
                else s.page_parameter(
                    format_node(replace(symbol, indices=(), example=None, transposed=False, layer=None))
                ),
            )
        if role is None:
            raise NotationError(
                f"symbol ${label}$ is not a recognized notation; say what it is with "
                f"{self._suggestion(symbol, label)} (canonical: H loss, z logits, a softmax output, "
                f"y targets, x input, W weights, b bias)"
            )
        reason = f"recognized notation for {ROLE_WORDS[role]}"
        if (name, decoration) == ("o", None):
            has_logits = "logits" in self._roles_present("o")
            if "o" in self._wrt_names and not has_logits:
                role, reason = "logits", "o is differentiated by and no z is written: read as the logits"
            else:
                reason = "o read as the output (softmax) of the layer"
        elif (name, decoration) == ("h", None) and self._other_named("h", "output") and (
            name in self._wrt_names or self._by_weights()
        ):
            # \partial L/\partial h = W^T (\hat y - y), \partial L/\partial W_2 = (\hat y - y) h^T: h beside
            # another output, differentiated by or beside a derivative by the weights, is the hidden layer,
            # the last layer's input
            role, reason = "input", "h beside another output: the hidden layer (the last layer's input)"
        elif (name, decoration) == ("p", None):
            # the Jacobian of the softmax (d softmax/dz = diag(p) - p p^T) has no targets: there the softmax's
            # own name is p's value, not another output beside it
            others = self._roles_present("p", names_only=self._softmax_differentiated())
            if "output" in others and "target" not in others and not self._compares_labels:
                role, reason = "target", "p read as the target probability (another symbol is the output)"
        elif (name, decoration) == ("s", None) and self._scores("s"):
            # cs231n: \partial L/\partial s_j = p_j - 1[j = y_i], s the class scores beside the softmax p
            role, reason = "logits", "s is differentiated by beside another output: the scores (logits)"
        elif (name, decoration) == ("P", None) and (
            self._compares_labels or self._other_named("P", "target")
        ):
            role, reason = "output", "P beside the targets (Y, or a comparison with the true class): output"
        elif (name, decoration) == ("S", None) and self._batch_hint():
            return _Resolution("output", "A", True, "S read as the batch softmax output")
        elif name in ("Y", "P") and decoration == "hat" and self._batch_capitals():
            return _Resolution("output", "A", True, reason + " (a batch, as the page's capitals are)")
        if len(symbol.indices) == 2 and role in ("output", "target", "logits", "input"):
            return _Resolution(role, BATCH_BASE[role], True, reason + " (a batch: two indices)")
        return _Resolution(role, ROLE_BASE[role], True, reason)

    def _suggestion(self, symbol: Symbol, label: str) -> str:
        """An option that fits the role the symbol plays in the claim (never ``=H`` by default)."""
        rank = len(symbol.indices)
        if _numbered_loss(symbol):
            numbered = format_node(symbol)
            return f"--let '{numbered}=H' if it is the loss, or --define '{numbered} = ...' for its own"
        if symbol.name in self._wrt_names:
            if rank == 2:
                return f"--let '{label}_{{ij}}=W_{{ij}}' if it is the weights"
            return f"--let '{label}_j=z_j' if it is the logits (or x_j, b_j)"
        if symbol.name in self._numerator_names and rank == 0:
            return f"--let '{label}=H' if it is the loss, or --define '{label} = ...' for another loss"
        if rank == 1:
            return f"--let '{label}_j=a_j' (the softmax output) or --let '{label}_j=y_j' (the targets)"
        if rank == 2:
            return f"--let '{label}_{{mj}}=A_{{mj}}' (a batch of outputs) or --let '{label}_{{ij}}=W_{{ij}}'"
        return f"--define '{label} = ...' (what it stands for), or --let if it is a canonical quantity"

    def _writes_bias(self) -> bool:
        """A claim that writes the weights but never a bias is about z = W^T x (the code computes X W)."""
        bases = {resolution.base for resolution in self._resolved.values()}
        if "W" in bases and "b" not in bases and not self._bias_written:
            product = CONVENTION_PRODUCT[self.convention]
            self.note(f"no bias is written: the logits are read as z = {product}, without b")
            return False
        return True

    def _batch_capitals(self) -> bool | None:
        """Whether the claim writes a batch's canonical capital (X, Y, Z, A; bold is the same letter) other
        than as one example's vector with one index (``Z_i``); None when it writes none."""
        uses = [s for s, _ in self._present if s.name in CANONICAL_BATCH and _plain(s.decoration) is None]
        if not uses:
            return None
        return any(len(s.indices) != 1 or s.example is not None for s in uses)

    def _batch_hint(self) -> bool:
        return any(r.base in CANONICAL_BATCH for r in self._resolved.values())

    def resolve(self, symbol: Symbol, called: bool = False) -> _Resolution:
        if symbol.name in self.true_class_names and not symbol.indices and not called:
            # --let t=c, and p_k - t: a class number where a vector's entry goes (the one-hot vector of the
            # true class is meant, or the claim is wrong): never the targets' guess in its place
            label = _symbol_label(symbol)
            raise NotationError(
                f"${label}$ is the true class (--let {label}=c), a class number, but the claim uses it as a "
                "value; if it is the one-hot vector of the true class, "
                + (f"say --let {label}=y" if label != "y" else "leave out --let y=c")
            )
        resolution = self._resolution(symbol, called)
        if resolution.base is not None and resolution.guessed and not resolution.onehot:
            self.record(_symbol_label(symbol), resolution.base, True, resolution.reason)
        elif resolution.base is not None and resolution.reason.startswith("canonical"):
            # every symbol's reading is shown, canonical letters read as canonical too (b is the bias)
            self.record(_symbol_label(symbol), resolution.base, False, resolution.reason)
        return resolution

    # -- pass 2: index kinds and explicit sizes -------------------------------------------------------

    def _scan_kinds(self) -> None:
        self.kinds: dict[str, Kind] = {}
        self._conflicts: set[str] = set()
        self._input_names: set[tuple[str, str]] = set()  # page names read as the input x, and a hint
        self._explicit_sizes: dict[Kind, int] = {}
        self._sum_uppers: list[tuple[str, Node]] = []
        indexed: list[Symbol] = []
        entries: list[Node] = []
        models: set[int] = set()  # h in h_\theta(x): the subscript names the model's parameters, no index
        for root in self.nodes:
            for node in walk(root):
                if isinstance(node, Call) and isinstance(node.function, Symbol) and node.function.indices:
                    if _model_call(node):
                        models.add(id(node.function))
                        continue
                    indexed.append(node.function)
                elif isinstance(node, Symbol) and id(node) in models:
                    continue
                elif isinstance(node, Symbol) and (node.indices or node.example is not None):
                    indexed.append(node)
                elif isinstance(node, Index) and isinstance(node.base, Call) and len(node.indices) == 1:
                    entries.append(node.indices[0])  # softmax(z)_y: the class y of the function's value
                elif isinstance(node, Sum) and node.index is not None and node.upper is not None:
                    self._sum_uppers.append((node.index, node.upper))
        # Matrices first: their indices say which are examples, so that a vector indexed by an example
        # (y_hat_n beside X_{n,i}) is read as a column of the batch, not as a vector over classes.
        for symbol in sorted(indexed, key=lambda s: -len(s.indices)):
            self._record_kinds(symbol, False)
        for entry in entries:
            if isinstance(entry, Symbol) and not entry.indices:
                self.kinds.setdefault(entry.name, "class")
        for index, upper in self._sum_uppers:
            kind = self.kinds.get(index, "class")
            if isinstance(upper, Number):
                value = int(upper.value)
                if upper.value.denominator != 1 or value < 1 or value > 64:
                    raise NotationError(f"sum limit ${format_node(upper)}$ is not a size between 1 and 64")
                previous = self._explicit_sizes.setdefault(kind, value)
                if previous != value:
                    raise NotationError(
                        f"the sums disagree on the number of {_PLURAL[kind]}: {previous} and {value}"
                    )

    def _record_kinds(self, symbol: Symbol, called: bool) -> None:
        try:
            resolution = self._resolution(symbol, called)
        except NotationError:
            return
        if resolution.base is None or resolution.onehot:
            return
        symbol = _class_of_weights(symbol, resolution.base)
        if isinstance(symbol.example, Symbol) and not symbol.example.indices:
            previous = self.kinds.setdefault(symbol.example.name, "example")
            if previous != "example":
                self._conflicts.add(symbol.example.name)
        axes = self._page_axes(resolution.base)
        derivative_claim = bool(self.nodes) and isinstance(self.nodes[0], (Derivative, Differential))
        # L = -\frac{1}{N} \sum_n \sum_k y_{nk} \log a_{nk}: the loss of a batch, written entry by entry
        first = self.nodes[0] if self.nodes else None
        loss_claim = isinstance(first, Symbol) and not first.indices and (
            first.name == "H" or GUESSES.get((first.name, first.decoration)) == "loss"
        )
        # p_{nk} = \frac{e^{z_{nk}}}{\sum_j e^{z_{nj}}}: a batch's output defined entry by entry
        entries_claim = (
            isinstance(first, Symbol)
            and len(first.indices) == 2
            and (
                first.name in ("a", "y", "z")
                or GUESSES.get((first.name, first.decoration)) in ("output", "logits")
            )
        )
        batch_claim = derivative_claim or loss_claim or entries_claim
        if len(symbol.indices) == 2 and resolution.base in ("a", "y", "z") and batch_claim:
            # a_{iq} in a derivative's claim: a class vector of the model with two indices is the batch
            # (rows the examples), as built. Not x_{ij} (code's x is often the logits), nor a claim about a
            # value (sigma_i = log sum_j y_ij ...: a per-example quantity of the page's own, or a summed
            # batch loss), which the index check refuses as before
            axes = self._page_axes(_BATCH_OF[resolution.base])
        if len(symbol.indices) == 2 and resolution.base == "x" and self._by_weights():
            # x_{ni} in a gradient by the weights: the batch's input (x is no logits there)
            axes = self._page_axes("X")
        if len(symbol.indices) == 1 and len(axes) == 2:
            axes = (self._weight_vector_kind(),) if resolution.base == "W" else ("example",)
        if self._is_column(resolution.base, symbol.indices):
            return
        for index, kind in zip(symbol.indices, axes, strict=False):
            if isinstance(index, Symbol) and not index.indices:
                previous = self.kinds.setdefault(index.name, kind)
                if previous != kind:
                    self._conflicts.add(index.name)
                if resolution.base in ("x", "X"):
                    self._input_names.add((symbol.name, "Z" if len(symbol.indices) == 2 else "z"))

    def _class_count(self, classes: int | None) -> sympy.Expr | int:
        explicit = self._explicit_sizes.get("class")
        if classes is not None:
            if explicit is not None and explicit != classes:
                self.note(f"--classes {classes} overrides the claim's own sum limit {explicit}")
            return classes
        if explicit is not None:
            self.note(f"the number of classes k = {explicit} is taken from the claim's sum limits")
            return explicit
        if self.loss == "sigmoid-bce" and not any(kind == "class" for kind in self.kinds.values()):
            self.note("no class index is written: one sigmoid output (k = 1)")
            return 1
        return s.k

    # -- indices --------------------------------------------------------------------------------------

    def size(self, kind: Kind) -> sympy.Expr | int:
        return {"class": self.classes, "feature": self.features, "example": s.N}[kind]

    def size_expr(self, kind: Kind) -> sympy.Expr:
        return as_expr(self.size(kind))

    def index(self, name: str, kind: Kind | None = None) -> sympy.Idx:
        if name in self._conflicts:
            transposed = self.convention == "Wt_x"
            reads = "z = W^T x + b reads W_{ij} as feature i, class j" if transposed else (
                "z = W x + b reads W_{ij} as class i, feature j"
            )
            hint = "; for z = W x + b use --convention W_x" if transposed else ""
            lets: list[str] = []
            roots = (*self.nodes, *(let.target for let in self.lets if let.definition))
            for page, logits in sorted(self._input_names):
                if logged(page, roots) and not _exponentiated(page, roots):
                    # log(x) and never exp(x): x holds probabilities (a loss layer's input), not logits
                    output = "A" if logits == "Z" else "a"
                    hint += f"; if {page} holds probabilities (its log is taken), add --let {page}={output}"
                    lets.append(f"{page}={output}")
                    continue
                # code often calls the logits x (softmax_loss(x, y) in cs231n): a likely mapping, named
                hint += f"; if {page} holds the logits (scores), add --let {page}={logits}"
                lets.append(f"{page}={logits}")
            message = f"index {name} is used both for classes and for features ({reads}{hint})"
            raise IndexConflictError(message, tuple(lets))
        kind = kind or self.kinds.get(name, "class")
        engine = name
        if (
            name in RESERVED_INDEX_NAMES
            or name.endswith("_")
            or name.startswith("sigma")
            or name.startswith("ph")
        ):
            engine = f"{name}'"
        self.index_names[engine] = name
        return sympy.Idx(engine, (1, self.size(kind)))

    def true_class(self) -> sympy.Idx:
        """The engine's stand-in for the true class; :func:`resolve_true_class` writes it out."""
        return sympy.Idx(TRUE_CLASS_INDEX, (1, self.size("class")))

    def index_value(self, node: Node, kind: Kind) -> sympy.Expr:
        if isinstance(node, Symbol) and (node.name == TRUE_CLASS_INDEX or node.name in self.true_class_names):
            if not node.indices:
                return self.true_class()
        if kind == "class" and isinstance(node, Symbol) and (node.indices or node.example is not None):
            if self._label(node) is not None:  # p_{n, y_n}: the entry at the label of example n
                self._add_assumption(Assumption.ONE_HOT, "an index that is a label: the targets are one-hot")
                return self.true_class()
        if isinstance(node, Number):
            if node.value.denominator != 1 or node.value < 1:
                raise NotationError(f"index ${format_node(node)}$ is not a positive integer")
            return sympy.Integer(int(node.value))
        if isinstance(node, Symbol) and not node.indices and node.decoration is None:
            return self.index(node.name, self.kinds.get(node.name, kind))
        raise NotationError(
            f"index expression ${format_node(node)}$ is not supported (use a letter or a number)"
        )

    def placeholder(self, kind: Kind) -> sympy.Idx:
        return sympy.Idx(f"ph{next(self._placeholders)}", (1, self.size(kind)))

    # -- building -------------------------------------------------------------------------------------

    def build(self, node: Node) -> Tensor:
        method = getattr(self, f"_build_{type(node).__name__.lower()}")
        result: Tensor = method(node)
        return result

    def _build_number(self, node: Number) -> Tensor:
        return Tensor(sympy.Rational(node.value.numerator, node.value.denominator))

    def _build_symbol(self, node: Symbol) -> Tensor:
        if _is_ones(node):
            return Tensor(sympy.Integer(1))  # \mathbf{1} - p: ones, entry by entry
        if _is_identity(node):
            # I - \mathbf{1} p^\top, diag(p) - p p^\top = diag(p)(I - ...): the identity over the classes
            self.note(f"${format_node(node)}$ is read as the identity matrix over the classes (k x k)")
            row, column = self.placeholder("class"), self.placeholder("class")
            return Tensor(sympy.KroneckerDelta(row, column), (row, column), ("class", "class"))
        if node.primes == 1 and self.loss == "sigmoid-bce" and not node.transposed:
            derivative = self._sigmoid_prime(node)
            if derivative is not None:
                return derivative
        if node.primes:
            raise NotationError(
                f"${format_node(node)}$: a primed symbol is not understood; write the derivative "
                "as a fraction of differentials"
            )
        resolution = self.resolve(node)
        weights = _class_of_weights(node, resolution.base)
        if weights is not node:
            class_index = format_node(weights.indices[0])
            self.note(f"${format_node(node)}$ is read as the weights of class {class_index}")
            node = weights
        if resolution.size is not None:
            if resolution.guessed:
                self.record(
                    node.name, str(self.size(resolution.size)), True, f"number of {_PLURAL[resolution.size]}"
                )
            return Tensor(self.size_expr(resolution.size))
        if resolution.parameter is not None:
            self.record(node.name, str(resolution.parameter), True, resolution.reason)
            return Tensor(resolution.parameter)
        assert resolution.base is not None
        index = node.indices[0] if len(node.indices) == 1 else None
        if (
            resolution.onehot
            and isinstance(index, Symbol)
            and index.name not in self.true_class_names
            and self._indexes_another(index.name, node)
        ):
            # \partial \log p_y / \partial z = e_y - p: y is the left side's index of p, any class; e_y is
            # the basis vector of that index, not the true class's one-hot target
            vector = self._vector("y", (), node.transposed)
            said = f"the standard basis vector of the index {index.name} that {format_node(node)} shares"
            self.record(format_node(node), "basis vector", True, said)
            axis = vector.axes[0]
            return replace(vector, expr=sympy.KroneckerDelta(axis, self.index(index.name, "class")))
        if resolution.onehot:
            self._add_assumption(
                Assumption.ONE_HOT,
                f"${format_node(node)}$ is the one-hot vector of the true class: the targets are one-hot",
            )
            self.record(format_node(node), "y", True, resolution.reason)
            return self._vector("y", (), node.transposed)
        if resolution.base == "H":
            if node.indices and self.batch:
                raise NotationError(
                    f"${format_node(node)}$ is the loss of one example of a batch, not the batch's loss H; "
                    f"say what it is with --define"
                )
            if node.indices:
                self.note(f"the index of ${format_node(node)}$ is dropped: it is read as the loss H")
            return Tensor(s.H)
        batch_base = _BATCH_OF.get(resolution.base) if self.batch else None
        if node.example is not None:
            if not self.batch:
                self.note(f"the example superscript of ${format_node(node)}$ is dropped (one example)")
            else:
                base = batch_base or resolution.base
                # y_k^{(i)}: example i's entry k, whatever the batch's layout on the page
                return self._vector(base, (node.example, *node.indices), node.transposed, engine_order=True)
        if batch_base is not None and not node.indices:
            self.note(f"${format_node(node)}$ is read as the batch {batch_base} (the claim is about a batch)")
            return self._vector(batch_base, (), node.transposed)
        labels = self.code and self.batch and self.loss == "softmax-ce"
        if labels and self._is_column(resolution.base, node.indices):
            label = self._label(node)
            if label:
                return self._label_value(node, label[0])
        return self._vector(resolution.base, node.indices, node.transposed)

    def _label_value(self, node: Symbol, row: sympy.Expr) -> Tensor:
        """``probs - y.reshape(-1, 1)``: code's targets with one axis, along the examples, are one number per
        example, its class label; as a value, the label's number (1-based: sum_n n Y_{row,n} for one-hot
        targets), never its one-hot row."""
        shown = format_node(node)
        self._add_assumption(Assumption.ONE_HOT, f"${shown}$ is a class label: the targets are one-hot")
        said = "code's targets with one axis, along the examples: one number per example, used as a value"
        self.record(shown, "the label of the example", True, said + " (not its one-hot row)")
        n = sympy.Idx(f"n{next(self._fresh)}", (1, self.size_expr("class")))
        return Tensor(sympy.Sum(n * s.Y[row, n], (n, 1, self.size_expr("class"))))

    def _weight_vector_kind(self) -> Kind:
        """What the one index of w_j runs over: the classes, or the features with one sigmoid output."""
        return "feature" if self.loss == "sigmoid-bce" else "class"

    def _page_axes(self, base: str) -> tuple[Kind, ...]:
        """The index kinds of a canonical base as the page writes them: a batch matrix's are reversed when
        its examples are columns."""
        axes = base_axes(base, self.convention)
        return axes[::-1] if self.columns and base in _COLUMN_BASES else axes

    def _is_column(self, base: str | None, indices: Sequence[Node]) -> bool:
        """A single-example vector indexed by an example index: a column of the batch matrix."""
        if base not in _BATCH_OF or len(indices) != 1:
            return False
        index = indices[0]
        return isinstance(index, Symbol) and not index.indices and self.kinds.get(index.name) == "example"

    def _indexes_another(self, name: str, own: Symbol) -> bool:
        """Whether a symbol of the claim other than ``own`` has the index ``name`` (p_y beside e_y)."""
        for root in self.nodes:
            for node in walk(root):
                if isinstance(node, Symbol) and (node == own or node.name == own.name):
                    continue
                # p_y, and (softmax(z))_y, beside e_y
                if isinstance(node, (Symbol, Index)) and any(
                    isinstance(i, Symbol) and i.name == name for i in node.indices
                ):
                    return True
        return False

    def _vector(
        self, base: str, indices: Sequence[Node], transposed: bool, engine_order: bool = False
    ) -> Tensor:
        if self._is_column(base, indices):
            base, indices = _BATCH_OF[base], (indices[0],)
        elif base in _BATCH_OF and len(indices) == 2:
            base = _BATCH_OF[base]  # z_{ij} of code: a batch (rows are examples)
        columns = self.columns and base in _COLUMN_BASES
        if columns and len(indices) == 2 and not engine_order:
            indices = (indices[1], indices[0])  # Z_{ji}: class j of example i
        axes = base_axes(base, self.convention)
        if len(indices) > len(axes):
            raise NotationError(f"{base} takes {len(axes)} indices, not {len(indices)}")
        slots: list[sympy.Expr] = []
        given: list[Node | None] = list(indices) + [None] * (len(axes) - len(indices))
        if len(indices) == 1 and len(axes) == 2:
            # w_j is the weight vector of class j (w_i the weight of feature i for one sigmoid output);
            # X_m the row of example m.
            position = axes.index(self._weight_vector_kind()) if base == "W" else 0
            given = [None, None]
            given[position] = indices[0]
        free: list[sympy.Idx] = []
        kinds: list[Kind] = []
        for node, kind in zip(given, axes, strict=True):
            if isinstance(node, Dots):
                node = None  # W_{:,j}: every entry of that axis (a slice), the column j
            if node is None and kind == "class" and self.classes == 1:
                slots.append(sympy.Integer(1))
            elif node is None:
                placeholder = self.placeholder(kind)
                slots.append(placeholder)
                free.append(placeholder)
                kinds.append(kind)
            else:
                slots.append(self.index_value(node, kind))
        expr = _BASES[base][tuple(slots)]
        tensor = Tensor(expr, tuple(free), tuple(kinds))
        if columns and len(free) == 2:
            tensor = _transpose(tensor)  # the page's matrix is the engine's (rows the examples) transposed
        if self.rows and len(free) == 1:
            tensor = replace(tensor, row=True)  # the page's vectors are rows
        return _transpose(tensor) if transposed else tensor

    def _build_call(self, node: Call) -> Tensor:
        function = node.function
        if _is_kl(function):
            return self._divergence(node)
        if function.name in SOFTMAX_FUNCTIONS and not function.indices:
            return self._softmax_call(node)
        if function.name in SOFTMAX_FUNCTIONS and len(function.indices) == 1 and not function.primes:
            # softmax(z)_i (parsed as softmax_i(z)): entry i of the vector softmax(z).
            vector = self._softmax_call(Call(replace(function, indices=()), node.args))
            if len(vector.axes) != 1 or vector.kinds[0] != "class":
                raise NotationError(f"${format_node(node)}$: an entry of a non-vector is not understood")
            entry = self.index_value(function.indices[0], "class")
            return Tensor(vector.expr.xreplace({vector.axes[0]: entry}), (), ())
        if function.name in LOG_SOFTMAX_FUNCTIONS and len(function.indices) <= 1 and not function.primes:
            # log_softmax(z) = log softmax(z), entry by entry: read as the log of the softmax call
            softmax = self._build_call(Call(replace(function, name="softmax"), node.args))
            self.record(format_node(node), "log-softmax", False, "log_softmax(v) = log softmax(v)")
            return _elementwise(softmax, sympy.log)
        if function.name in LOGSUMEXP_FUNCTIONS and not function.indices and not function.primes:
            # logsumexp(z) = log sum_j e^{z_j}: a standard function, read as written out
            if len(node.args) != 1:
                raise NotationError(f"${format_node(node)}$ takes one vector")
            vector = self.build(node.args[0])
            if len(vector.axes) != 1:
                raise NotationError(f"${format_node(node)}$: logsumexp of a non-vector is not understood")
            axis = vector.axes[0]
            bound = sympy.Idx(f"{axis.name}'{next(self._placeholders)}", (axis.lower, axis.upper))
            entry = vector.expr.xreplace({axis: bound})
            self.record(format_node(node), "log-sum-exp", False, "logsumexp(v) = log sum_j e^{v_j}")
            return Tensor(sympy.log(sympy.Sum(sympy.exp(entry), (bound, axis.lower, axis.upper))))
        plain = not function.indices and not function.primes
        if function.name in ("max", "maximum") and len(node.args) == 2 and plain:
            # max(x, 0): the larger of two values, entry by entry (TensorFlow's stable binary cross-entropy)
            left, right = (self.build(arg) for arg in node.args)
            self.note(f"${format_node(node)}$ is the larger of its two arguments, entry by entry")
            return _combine(left, right, lambda u, v: sympy.Max(u, v), "compare")
        if function.name == "abs" and len(node.args) == 1 and plain:
            return _elementwise(self.build(node.args[0]), sympy.Abs)
        if function.name == "diag":
            if len(node.args) != 1:
                raise NotationError("diag takes one vector")
            vector = self.build(node.args[0])
            if len(vector.axes) != 1:
                raise NotationError("diag of a non-vector is not understood")
            other = self.placeholder(vector.kinds[0])
            return Tensor(
                vector.expr * sympy.KroneckerDelta(vector.axes[0], other),
                (vector.axes[0], other),
                (vector.kinds[0], vector.kinds[0]),
            )
        if function.name == NORM and not function.indices and not function.primes and len(node.args) == 1:
            # \|W\|: the root of the sum of the squares of every entry (Frobenius for a matrix)
            value = self.build(node.args[0])
            squares = value.expr**2
            for axis in value.axes:
                squares = sympy.Sum(squares, (axis, axis.lower, axis.upper))
            return Tensor(sympy.sqrt(squares))
        if function.name == "outer" and not function.indices and not function.primes:
            # outer(u, v) = u v^T (numpy's np.outer, written in a formula)
            if len(node.args) != 2:
                raise NotationError("outer takes two vectors")
            u, v = self.build(node.args[0]), self.build(node.args[1])
            if len(u.axes) != 1 or len(v.axes) != 1:
                raise NotationError("outer of a non-vector is not understood")
            second = v.axes[0]
            if second == u.axes[0]:
                second = self.placeholder(v.kinds[0])
                v = Tensor(v.expr.xreplace({v.axes[0]: second}), (second,), v.kinds)
            return Tensor(u.expr * v.expr, (u.axes[0], second), (u.kinds[0], v.kinds[0]))
        if _model_call(node):
            model = self._model_output(node)
            if model is not None:
                return model
            raise NotationError(
                f"${format_node(node)}$: the subscript names the parameters of the function, not an index "
                "(h_w(x) is the model with weights w); write its entries or say what it is with --let"
            )
        resolution = self.resolve(function)
        label = node.args[0] if len(node.args) == 1 else None
        if (
            resolution.role == "target"
            and _ONE_HOT_NAME.search(function.name)
            and isinstance(label, Symbol)
            and not label.indices
            and label.name not in self.true_class_names
            and self._indexes_another(label.name, label)
            and not self.batch
        ):
            # d(-log p_y)/dz = p - onehot(y): y is the index of p_y, and onehot(y) that index's basis vector
            # (the targets' one-hot class drawn on its own had made a right claim fail)
            vector = self._vector("y", (), function.transposed)
            said = f"the standard basis vector of the index {label.name} that another symbol of the claim has"
            self.record(format_node(node), "basis vector", True, said)
            axis = vector.axes[0]
            return replace(vector, expr=sympy.KroneckerDelta(axis, self.index(label.name, "class")))
        if resolution.role == "target" and node.args and _ONE_HOT_NAME.search(function.name):
            # onehot(y), one_hot(labels): one-hot vectors built from class labels, one-hot by construction
            said = f"{function.name}(...) builds one-hot targets from labels"
            self._add_assumption(Assumption.ONE_HOT, said)
        if resolution.base != "H" and not all(self._is_argument_variable(arg) for arg in node.args):
            raise NotationError(
                f"${format_node(node)}$: a function applied to an expression is not understood"
            )
        if node.args and resolution.base != "H":
            if not any(n.startswith("symbols written as functions of the input") for n in self.notes):
                self.note(
                    f"symbols written as functions of the input, such as ${format_node(node)}$, are read "
                    "as their values"
                )
        return self._build_symbol(function)

    def _divergence(self, node: Call) -> Tensor:
        """``KL(y || a)`` differentiated by the model's variables: the Kullback-Leibler divergence of the
        output from the targets is the cross-entropy less the targets' entropy, which the model's variables
        do not change, so its gradient is the loss's. Its value, or the reverse divergence, is refused."""
        shown = format_node(node)
        if not self._divergence_differentiated:
            raise NotationError(
                f"${shown}$ is the Kullback-Leibler divergence: it is read only differentiated by the "
                "model's variables (its gradient is the cross-entropy's); give its value with --define"
            )
        roles: list[Role | None] = []
        for arg in node.args:
            # KL(y || softmax(z)): the softmax of the logits is the output
            applied = isinstance(arg, Call) and arg.function.name in SOFTMAX_FUNCTIONS and len(arg.args) == 1
            inner = arg.args[0] if isinstance(arg, Call) and applied else arg
            try:
                role = self.resolve(inner).role if isinstance(inner, Symbol) else None
            except NotationError:
                role = None
            roles.append(("output" if role == "logits" else None) if applied else role)
        if roles != ["target", "output"]:
            raise NotationError(
                f"${shown}$: the divergence is read with the targets first and the output second "
                "(KL(y || a), whose gradient is the cross-entropy's); say what its arguments are with --let, "
                "or give it with --define"
            )
        self.note(
            f"${shown}$ is read as the cross-entropy: the divergence differs from it by the targets' "
            "entropy, which does not depend on the model's variables"
        )
        return Tensor(s.H)

    def _model_output(self, node: Call) -> Tensor | None:
        """``h_\\theta(x)``, ``h_w(x^{(i)})``: the model with parameters theta applied to the input (of one
        example) is the output, when the function's name is the output's and its parameters are the
        weights; None when not."""
        function = replace(node.function, indices=())
        if len(node.args) != 1 or not isinstance(node.args[0], Symbol):
            return None
        arg = node.args[0]
        try:
            if self.resolve(arg).base not in ("x", "X") or self.resolve(function).role != "output":
                return None
            if any(self.resolve(cast(Symbol, i)).role != "weights" for i in node.function.indices):
                return None
        except NotationError:
            return None
        self.note(
            f"${format_node(node)}$ is read as the model's output: {format_node(function)} with weights "
            f"{', '.join(format_node(i) for i in node.function.indices)} applied to the input"
        )
        return self._build_symbol(replace(function, example=arg.example, indices=arg.indices))

    def _sigmoid_prime(self, node: Symbol) -> Tensor | None:
        """``s'`` for the sigmoid's output s: its derivative by its own input, ds/dz entry by entry (a
        sigmoid is a function of one number; the softmax's s' has no such one meaning and stays refused)."""
        plain = replace(node, primes=0)
        try:
            if self.resolve(plain).base not in ("a", "A"):
                return None
        except NotationError:
            return None
        output = self.build(plain)
        if not isinstance(output.expr, sympy.Indexed):
            return None
        logits = _BASES["z" if str(output.expr.base) == "a" else "Z"][output.expr.indices]
        self.note(
            f"${format_node(node)}$ is read as the derivative of the sigmoid output by its input, "
            f"$\\frac{{d {format_node(plain)}}}{{d {format_node(Symbol('z', plain.indices))}}}$"
        )
        return replace(output, expr=sympy.Derivative(output.expr, logits))

    def _is_argument_variable(self, arg: Node) -> bool:
        return isinstance(arg, Symbol)

    def _softmax_call(self, node: Call) -> Tensor:
        name = node.function.name
        if node.function.primes:
            raise NotationError(
                f"${format_node(node)}$: the derivative of the softmax written as a prime is not "
                "understood; write it as $\\frac{\\partial a_i}{\\partial z_j}$"
            )
        if len(node.args) != 1:
            raise NotationError(f"${format_node(node)}$ takes one argument")
        argument = self.build(node.args[0])
        expr = argument.expr
        if isinstance(expr, sympy.Indexed) and str(expr.base) in ("z", "Z") and self.loss == "temperature":
            # the model's output is softmax(z/T): softmax(z) written out is the softmax at T = 1, not it
            self.note(f"${format_node(node)}$ is the softmax of the logits at T = 1 (not the output at T)")
            return _softmax_of(argument)
        if isinstance(expr, sympy.Indexed) and str(expr.base) in ("z", "Z"):
            wanted_sigmoid = name == "sigmoid" or (name == "sigma" and self.loss == "sigmoid-bce")
            if wanted_sigmoid == (self.loss == "sigmoid-bce"):
                base = "a" if str(expr.base) == "z" else "A"
                self.record(
                    format_node(node),
                    base,
                    name != "softmax" or self.loss != "softmax-ce",
                    f"{name} of the logits is the model's output",
                )
                return Tensor(_BASES[base][expr.indices], argument.axes, argument.kinds, argument.row)
        argument_node = node.args[0]
        if name in ("sigmoid", "sigma") and self.loss == "sigmoid-bce":
            if (
                isinstance(argument_node, Symbol)
                and isinstance(expr, sympy.Indexed)
                and str(expr.base) in ("x", "X")
                and "logits" not in self._roles_present(argument_node.name)
                and not self._loss_of_probabilities(argument_node.name)
            ):
                # sigmoid(x) - y: the sigmoid of the input itself, as the sigmoid of the logits is written
                page = format_node(replace(argument_node, transposed=False, indices=()))
                raise NotationHintError(
                    f"${format_node(node)}$: the sigmoid is applied to the input x itself (add --let "
                    f"'{page}=z' if {page} holds the logits)",
                    (f"{page}={'Z' if len(argument.axes) == 2 else 'z'}",),
                )
            return _elementwise(argument, lambda e: 1 / (1 + sympy.exp(-e)))
        written = name != "sigmoid" and not isinstance(argument_node, Symbol)
        if written and name == "softmax" and argument.kinds == ("example", "class") and self.batch:
            row, column = argument.axes
            if _same_up_to_dummies(argument.expr, self.model.batch_logit(row, column)):
                # softmax(X W + b): the argument is the batch's logits, so this is the batch's output
                said = f"{name} of the batch's logits (its argument) is the batch's output"
                self.record(format_node(node), "A", True, said)
                return Tensor(_BASES["A"][row, column], argument.axes, argument.kinds, argument.row)
            self.note(f"${format_node(node)}$ is the softmax of its argument over the classes, written out")
            return _softmax_of(argument)
        if written and argument.kinds == ("class",):
            if _same_up_to_dummies(argument.expr, self.model.logit(argument.axes[0])):
                # softmax(W^T x + b): the argument is the model's logits, so this is its output
                said = f"{name} of the model's logits (its argument) is the model's output"
                self.record(format_node(node), "a", True, said)
                return Tensor(s.a[argument.axes[0]], argument.axes, argument.kinds, argument.row)
            # softmax(z / T), softmax(2 z): the softmax of the expression over the classes, written out
            self.note(f"${format_node(node)}$ is the softmax of its argument over the classes, written out")
            return _softmax_of(argument)
        lets: tuple[str, ...] = ()
        if (
            isinstance(argument_node, Symbol)
            and not argument_node.indices
            and "logits" not in self._roles_present(argument_node.name)
        ):
            page = format_node(replace(argument_node, transposed=False))
            lets = (f"{page}={'Z' if len(argument.axes) == 2 else 'z'}",)
        raise NotationHintError(
            f"${format_node(node)}$: {name} is only understood applied to the logits z "
            "(add --let to say which symbol is the logits)",
            lets,
        )

    def _build_add(self, node: Add) -> Tensor:
        terms = [(term, self.build(term)) for term in node.terms]
        if not self.rows and any(len(t.axes) == 2 for _, t in terms):
            # diag(s) - s^T s: a matrix beside an inner product of vectors, which as columns is a number;
            # a row-vector page's s^T s is the outer product (the error lets the rows reading be tried)
            for term, tensor in terms:
                if tensor.is_scalar and (vector := _inner_product(term)) is not None:
                    shape = _shape_word(self.build(vector))
                    raise NotationError(
                        f"cannot add a matrix and the number ${format_node(term)}$ (cannot multiply a "
                        f"{shape} by a {shape} into a matrix: they are read as columns)"
                    )
        result = terms[0][1]
        for _, tensor in terms[1:]:
            result = _combine(*_bias_on_rows(result, tensor), lambda u, v: u + v, "add")
        return result

    def _build_neg(self, node: Neg) -> Tensor:
        operand = self.build(node.operand)
        return replace(operand, expr=-operand.expr)

    def _build_mul(self, node: Mul) -> Tensor:
        result: Tensor | None = None
        summing = False  # a ones row vector waits for what it sums: 1^T (P - Y)
        spreading = False
        for factor in node.factors:
            if _is_ones(factor):
                assert isinstance(factor, Symbol)
                if factor.transposed and (result is None or result.is_scalar) and not summing:
                    summing = True
                elif not factor.transposed and result is None and not summing:
                    spreading = True  # \mathbf{1} \mathbf{b}^\top: the row b on every example's row
                elif not factor.transposed and result is not None and not summing and _sums_last(result):
                    result = _summed(result, len(result.axes) - 1)
                elif (
                    factor.transposed
                    and result is not None
                    and len(result.axes) == 1
                    and not result.row
                    and not summing
                    and not getattr(self, "batch", False)
                ):
                    # p 1^T: the column p in every column (k x k, one example's vector)
                    axis = self.placeholder("class")
                    result = Tensor(result.expr, (*result.axes, axis), (*result.kinds, "class"))
                else:
                    raise NotationError(_ONES_ONLY)
                continue
            tensor = self.build(factor)
            if spreading:
                if not (len(tensor.axes) == 1 and tensor.row):
                    raise NotationError(_ONES_ONLY)
                # 1 b^T: b on every example's row of a batch; 1 p^T of one example: k x k
                kind: Kind = "example" if getattr(self, "batch", False) else "class"
                axis = self.placeholder(kind)
                tensor = Tensor(tensor.expr, (axis, *tensor.axes), (kind, *tensor.kinds))
                spreading = False
            if summing:
                if tensor.is_scalar or (len(tensor.axes) == 1 and tensor.row):
                    raise NotationError(_ONES_ONLY)
                tensor = _summed(tensor, 0)
                summing = False
            result = tensor if result is None else self._product(result, tensor)
        if result is None or summing or spreading:
            raise NotationError(_ONES_ONLY)
        return result

    def _build_hadamard(self, node: Hadamard) -> Tensor:
        return _combine(self.build(node.left), self.build(node.right), lambda u, v: u * v, "multiply")

    def _build_div(self, node: Div) -> Tensor:
        return _combine(
            self.build(node.numerator), self.build(node.denominator), lambda u, v: u / v, "divide"
        )

    def _build_pow(self, node: Pow) -> Tensor:
        base = self.build(node.base)
        exponent = self.build(node.exponent)
        if not exponent.is_scalar:
            raise NotationError("a power with a vector exponent is not understood")
        if not base.is_scalar:
            self.note(f"${format_node(node)}$ is read element-wise")
        return replace(base, expr=base.expr**exponent.expr)

    def _build_log(self, node: Log) -> Tensor:
        return _elementwise(self.build(node.arg), sympy.log)

    def _build_exp(self, node: Exp) -> Tensor:
        return _elementwise(self.build(node.arg), sympy.exp)

    def _build_transpose(self, node: Transpose) -> Tensor:
        return _transpose(self.build(node.operand))

    def _build_kroneckerdelta(self, node: KroneckerDelta) -> Tensor:
        return Tensor(self._equal(node.i, node.j, _shown(node)))

    def _build_indicator(self, node: Indicator) -> Tensor:
        return Tensor(self._condition(node.condition))

    def _equal(self, left: Node, right: Node, shown: str) -> sympy.Expr:
        """1 where two indices are equal, else 0; an index that is the true class or a label (the class
        of an example) gives the one-hot target instead; an entry of the targets compared with 1 or 0
        (``\text{if } y_i = 1``, i a class) is that entry (or 1 minus it) of one-hot targets."""
        for side, other in ((left, right), (right, left)):
            if isinstance(other, Number) and other.value in (0, 1) and self._target_entry(side):
                said = f"${shown}$ compares an entry of the targets with {other.value}: one-hot"
                self._add_assumption(Assumption.ONE_HOT, said)
                self.record(shown, "y", True, "an entry of the one-hot targets compared with 1 or 0")
                entry = self.build(side).expr
                return entry if other.value == 1 else 1 - entry
        for side, other in ((left, right), (right, left)):
            label = self._label(side)
            if label is None:
                continue
            self._add_assumption(
                Assumption.ONE_HOT, f"${shown}$ compares with the true class: the targets are one-hot"
            )
            self.record(shown, "y", True, "a comparison with the true class is the one-hot target")
            column = self.index_value(other, "class")
            if label == () and self.batch:
                label = (self._example_index(shown),)
            if label == () or not self.batch:
                return s.y[column]
            return s.Y[label[0], column]
        names = [i.name if isinstance(i, Symbol) and not i.indices else None for i in (left, right)]
        kinds = [self.kinds.get(n, "class") if n else "class" for n in names]
        return sympy.KroneckerDelta(self.index_value(left, kinds[0]), self.index_value(right, kinds[1]))

    def _example_index(self, shown: str) -> sympy.Expr:
        """The one example index of a batch claim (the true class of a batch claim is that example's)."""
        names = sorted({name for name, kind in self.kinds.items() if kind == "example"})
        if len(names) != 1:
            raise NotationError(
                f"${shown}$: the true class of which example? (the batch claim has "
                f"{'no' if not names else 'several'} example indices)"
            )
        return self.index(names[0], "example")

    def _target_entry(self, node: Node) -> bool:
        """Whether ``node`` is an entry of one example's targets at a class index (``y_i`` beside ``z_i``),
        not the label of example i."""
        if not isinstance(node, Symbol) or len(node.indices) != 1 or node.example is not None or self.batch:
            return False
        index = node.indices[0]
        if not isinstance(index, Symbol) or index.indices or self.kinds.get(index.name, "class") != "class":
            return False
        try:
            return self._resolution(replace(node, indices=()), False).role == "target"
        except NotationError:
            return False

    def _label(self, node: Node) -> tuple[sympy.Expr, ...] | None:
        """``()`` when ``node`` names the true class of the one example; ``(row,)`` for the label of example
        ``row`` of a batch (``y_n`` with integer labels y, ``y^{(i)}``); None when it is a plain index."""
        if not isinstance(node, Symbol) or node.decoration is not None or node.primes:
            return None
        if node.name == TRUE_CLASS_INDEX or node.name in self.true_class_names:
            return () if not node.indices else None
        if not node.indices and node.example is None:
            return () if node.name in ("y", "t") and node.name not in self.kinds else None
        if (node.indices and node.example is not None) or len(node.indices) > 1:
            return None
        try:
            resolution = self._resolution(replace(node, indices=(), example=None), False)
        except NotationError:
            return None
        if resolution.role != "target":
            return None
        row = node.example if node.example is not None else node.indices[0]
        return (self.index_value(row, "example"),) if self.batch else ()

    def _build_index(self, node: Index) -> Tensor:
        """An entry of an expression: ``softmax(z)_i`` is read as ``softmax_i(z)``; ``(a_k)_i``, ``(a - y)_j``
        pick the entry of the vector."""
        if isinstance(node.base, Call) and not node.base.function.indices:
            return self.build(Call(replace(node.base.function, indices=node.indices), node.base.args))
        base = self.build(node.base)
        if len(node.indices) != len(base.axes):
            raise NotationError(
                f"${format_node(node)}$: {len(node.indices)} indices on a {_shape_word(base)}"
            )
        entry = base.expr.xreplace(
            {
                axis: self.index_value(index, kind)
                for axis, index, kind in zip(base.axes, node.indices, base.kinds, strict=True)
            }
        )
        return Tensor(entry)

    def _build_outer(self, node: Outer) -> Tensor:
        """``u \\otimes v``: entry (i, j) is u_i v_j."""
        left, right = self.build(node.left), self.build(node.right)
        if len(left.axes) != 1 or len(right.axes) != 1:
            raise NotationError(f"${format_node(node)}$: an outer product of two vectors is understood, only")
        return Tensor(left.expr * right.expr, left.axes + right.axes, left.kinds + right.kinds)

    def _build_undefined(self, node: Undefined) -> Tensor:
        """A value the code does not compute: no number at any point, so the claim fails wherever the truth
        has a value."""
        self.note(
            f"the code has no value here: {node.reason} (with the inputs' shapes as read, at every size "
            "checked, which is 2 or more)"
        )
        return Tensor(_NO_VALUE(sympy.Integer(0)))

    def _build_probability(self, node: Probability) -> Tensor:
        """``P(y = k | x; w)``: the model's probability of class k, the softmax output a_k; ``P(y | x)`` is
        the probability of the true class."""
        event = node.event
        if isinstance(event, Condition) and event.op == "=":
            for label, index in ((event.left, event.right), (event.right, event.left)):
                if isinstance(label, Symbol) and self._label(replace(label, indices=())) is not None:
                    given = [g.example for g in node.given if isinstance(g, Symbol) and g.example is not None]
                    example = label.example or (given[0] if given else None)
                    if self.batch and example is not None:
                        # P(y^{(i)} = j | x^{(i)}; \theta): example i's probability of class j (a batch)
                        said = "the model's probability of a class (a batch)"
                        self.record(format_node(node), "A", True, said)
                        return self._vector("A", (example, index), False)
                    self.record(
                        format_node(node), "a", True, "the model's probability of a class: the softmax output"
                    )
                    return self._vector("a", (index,), False)
        if isinstance(event, Symbol) and self._label(replace(event, indices=())) is not None:
            self.record(format_node(node), "a_c", True, "the probability of the true class")
            return Tensor(s.a[self.true_class()])
        raise NotationError(f"${format_node(node)}$: a probability other than the model's class probability")

    def _build_dots(self, node: Dots) -> Tensor:
        raise NotationError(
            getattr(self, "_dots_reason", None)
            or "an ellipsis is only understood between the first and the last entry of a written-out sum "
            "or vector (a_1 + \\cdots + a_k)"
        )

    def _build_matrix(self, node: Matrix) -> Tensor:
        raise NotationError(
            "a matrix written out entry by entry is only understood as a vector with an ellipsis "
            "(first entry, \\vdots, last entry)"
        )

    def _build_differential(self, node: Differential) -> Tensor:
        # dZ = A - Y of a batch (Andrew Ng's notes) on the left: the gradient of the summed loss, or (without
        # its 1/m) of the mean; the verdict says so when they disagree (--batch-loss). Inside a formula
        # (dW = \frac{1}{m} dZ X^T) Ng's dZ is the summed loss's gradient beside the mean's dW: no one loss
        # reads both, so it is refused.
        of = node.of.function if isinstance(node.of, Call) else node.of
        batch = isinstance(of, Symbol) and self._resolution(of, False).base in ("Z", "A")
        if batch and node is not self.nodes[0]:
            raise UnstatedMeaningError(
                f"{UNSTATED_DIFFERENTIAL} $d{format_node(node.of)}$ inside a formula: the gradient of the "
                "summed loss (Ng's notes) or of the mean is not written, and the rest of the formula may use "
                "the other; write it as a derivative, or check its definition dZ = ... on its own"
            )
        self.note(
            f"$d{format_node(node.of)}$ is read as the gradient of the loss by ${format_node(node.of)}$"
        )
        if isinstance(node.of, Symbol) and node.of.transposed:
            # x dz^T: the transpose of the gradient by z, not the gradient by the transpose
            return _transpose(self.build(Derivative(self.loss_node, replace(node.of, transposed=False))))
        return self.build(Derivative(self.loss_node, node.of))

    def _build_max(self, node: Max) -> Tensor:
        # max_i x_{ij} (np.max(x, axis=0) on a batch): a shift for each class does not cancel in a softmax
        # over the classes; one for each example (a row's max) does
        left = free_index_names(node.body) - ({node.index} if node.index is not None else set())
        if node.index is not None and any(self.kinds.get(name) == "class" for name in left):
            raise NotationError(
                f"the max in ${format_node(node)}$ is taken for each class (over {node.index}): a shift "
                "that differs between classes does not cancel in a softmax over them: not read"
            )
        self.note(
            f"${format_node(node)}$ is read as a shift of the logits; it must cancel (checked numerically)"
        )
        return Tensor(s.shift)

    def _build_size(self, node: Size) -> Tensor:
        kind = self.kinds.get(node.index, "class")
        return Tensor(self.size_expr(kind))

    def _build_sum(self, node: Sum) -> Tensor:
        if node.index is None:
            # \sum y_k \log p_k, \sum_{1}^{N} x_i: the sum runs over its body's one index that the left
            # side does not have (a definition's one expression has no left side here)
            left = free_index_names(self.nodes[0]) if len(self.nodes) > 1 else set()
            loose = sorted(free_index_names(node.body) - left)
            if len(loose) == 1:
                self.note(f"a sum written without its index is read as a sum over {loose[0]}")
                return self._build_sum(replace(node, index=loose[0]))
        body = self.build(node.body)
        if node.index is None:
            if len(body.axes) == 2 and body.kinds.count("example") == 1:
                # db = \frac{1}{m} \sum dZ (numpy's sum over the examples' axis): a vector per class
                self.note("a sum written without its index over a batch is read as a sum over its examples")
                place = body.kinds.index("example")
                axis = body.axes[place]
                rest = body.axes[1 - place], body.kinds[1 - place]
                return Tensor(sympy.Sum(body.expr, (axis, 1, axis.upper)), (rest[0],), (rest[1],))
            if len(body.axes) != 1:
                raise NotationError("a sum without an index must sum the entries of one vector")
            axis = body.axes[0]
            return Tensor(sympy.Sum(body.expr, (axis, 1, axis.upper)))
        kind = self.kinds.get(node.index, "class")
        index = self.index(node.index, kind)
        lower: sympy.Expr = sympy.Integer(1)
        upper_node = node.upper
        if node.lower == Number(Fraction(0)) and (upper_node is None or _less_one(upper_node) is not None):
            # \sum_{j=0}^{K-1}: the same K classes numbered from 0 (a numbering, not another sum)
            self.note(f"the sum over {node.index} from 0 is read over the same entries numbered from 1")
            upper_node = None if upper_node is None else _less_one(upper_node)
        elif node.lower is not None:
            lower = self._limit(node.lower, kind)
            if lower.is_number and lower < 1:
                raise NotationError(
                    f"a sum over {node.index} from {lower} that does not end one before the size is not "
                    "understood (from 0 to K - 1 is read)"
                )
        upper: sympy.Expr = self.size_expr(kind)
        if upper_node is not None:
            upper = self._limit(upper_node, kind)
        expr = body.expr
        for excluded in node.excluded:
            # \sum_{k \neq y}: the excluded index read as any other (y the true class where it is one)
            expr = expr * (1 - sympy.KroneckerDelta(index, self.index_value(Symbol(excluded), kind)))
        if node.over is not None:
            self.note(f"the sum over the set {node.over} is read as a sum over every class")
        # Each sum binds its own engine index, so a page that reuses a free index name as a summation
        # index (sum_i p_i y_i - y_i) keeps the two apart.
        bound = sympy.Idx(f"{index.name}'{next(self._placeholders)}", (index.lower, index.upper))
        expr = expr.xreplace({index: bound})
        return Tensor(sympy.Sum(expr, (bound, lower, upper)), body.axes, body.kinds, body.row)

    def _limit(self, node: Node, kind: Kind) -> sympy.Expr:
        if isinstance(node, Number):
            return sympy.Integer(int(node.value))
        if isinstance(node, Symbol) and not node.indices:
            size = self.size_expr(kind)
            if node.name not in ("k", "d", "N"):
                self.record(node.name, str(size), True, f"upper limit of a sum over {_PLURAL[kind]}")
            return size
        if isinstance(node, Symbol) and node.indices and all(isinstance(i, Number) for i in node.indices):
            # n_1, n_{2}: a layer's size, numbered; here the size of what the sum runs over
            size = self.size_expr(kind)
            self.record(format_node(node), str(size), True, f"upper limit of a sum over {_PLURAL[kind]}")
            return size
        raise NotationError(f"sum limit ${format_node(node)}$ is not understood")

    def _build_derivative(self, node: Derivative) -> Tensor:
        of = self.build(node.of)
        wrt_node = node.wrt.function if isinstance(node.wrt, Call) else node.wrt
        wrt = self.build(wrt_node)
        variable = wrt.expr
        if not (isinstance(variable, sympy.Indexed) and str(variable.base) in _VARIABLE_BASES):
            raise NotationError(
                f"cannot differentiate by ${format_node(node.wrt)}$: it is not a variable "
                "of the model (z, a, W, b, x)"
            )
        if of.row and wrt.axes:
            of = replace(of, row=False)
        return Tensor(
            sympy.Derivative(of.expr, (variable, node.order)), of.axes + wrt.axes, of.kinds + wrt.kinds
        )

    def _build_cases(self, node: Cases) -> Tensor:
        total: sympy.Expr = sympy.S.Zero
        covered: sympy.Expr = sympy.S.Zero
        axes: tuple[sympy.Idx, ...] = ()
        kinds: tuple[Kind, ...] = ()
        otherwise: Tensor | None = None
        for expr_node, condition in node.branches:
            branch = self.build(expr_node)
            if branch.axes:
                raise NotationError("cases of vectors are not understood; write them entry-wise")
            if condition is None:
                otherwise = branch
                continue
            indicator = self._condition(condition)
            total += indicator * branch.expr
            covered += indicator
        if otherwise is not None:
            total += (1 - covered) * otherwise.expr
        elif sympy.expand(covered) != 1:  # i = j with i \neq j covers every index value
            self.restriction = covered if self.restriction is None else self.restriction * covered
            self.note("the cases do not cover every index value: the claim is checked where a case applies")
        return Tensor(total, axes, kinds)

    def _condition(self, condition: Condition) -> sympy.Expr:
        relation = "=" if condition.op == "=" else "\\neq"
        shown = f"{_shown(condition.left)} {relation} {_shown(condition.right)}"
        delta = self._equal(condition.left, condition.right, shown)
        return delta if condition.op == "=" else 1 - delta

    # -- products -------------------------------------------------------------------------------------

    def _product(self, left: Tensor, right: Tensor) -> Tensor:
        if left.is_scalar or right.is_scalar:
            return _combine(left, right, lambda u, v: u * v, "multiply")
        if len(left.axes) == 1 and len(right.axes) == 1:
            if not left.row and right.row:
                return Tensor(left.expr * right.expr, left.axes + right.axes, left.kinds + right.kinds)
            if left.row and not right.row:
                return _contract(left, 0, right, 0)
            if left.kinds == right.kinds == ("feature",):
                # w \cdot x, w.x: weights and input over the features make the dot product
                self.note("a product of two vectors over the features written side by side is a dot product")
                return _contract(left, 0, right, 0)
            if {*left.kinds, *right.kinds} == {"class", "feature"} and not self._by_one_weight_vector():
                # (y_hat - y) * x: a vector over the classes times one over the features has no element-wise
                # or dot product; it is their outer product (the classes by the features)
                self.note("a vector over the classes times one over the features is their outer product")
                return Tensor(left.expr * right.expr, left.axes + right.axes, left.kinds + right.kinds)
            self.note("a product of two vectors written side by side is read element-wise")
            return _combine(left, right, lambda u, v: u * v, "multiply")
        if len(right.axes) == 1:
            return _contract(left, len(left.axes) - 1, right, 0)
        if len(left.axes) == 1:
            result = _contract(left, 0, right, 0)
            return replace(result, row=True)
        return _contract(left, len(left.axes) - 1, right, 0)

    def _by_one_weight_vector(self) -> bool:
        """Whether the left side is by one vector of weights (``w``, ``\\theta``), logistic regression's,
        where a product of two vectors is never the softmax's outer product."""
        lhs = self.nodes[0] if self.nodes else None
        while isinstance(lhs, Neg):
            lhs = lhs.operand
        wrt = lhs.wrt if isinstance(lhs, Derivative) else None
        return isinstance(wrt, Symbol) and wrt.name in ("w", "theta") and not wrt.indices

    def _add_assumption(self, assumption: Assumption, why: str) -> None:
        if assumption not in self.assumptions:
            self.assumptions.append(assumption)
            self.note(why)


_ONES_ONLY: Final = (
    "a product with the vector of ones: only 1^T M (sums over rows), M 1 (sums along rows), 1 b^T (b on "
    "every row) and p 1^T (p in every column) are read"
)


def _is_identity(node: Node, entry: bool = False) -> bool:
    r"""A bare ``I`` (``\mathbf{I}``, ``\mathbb{I}``): the identity matrix, unless the page defines it; with
    ``entry``, Bishop's ``I_{kj}``: its entry at two index letters."""
    if not (
        isinstance(node, Symbol)
        and node.name == "I"
        and node.decoration in (None, "bold", "bb", "rm")
        and node.example is None
        and node.layer is None
        and not node.primes
    ):
        return False
    if not entry:
        return not node.indices
    return not node.transposed and len(node.indices) == 2 and all(
        isinstance(i, Symbol) and not i.indices and len(i.name) == 1 for i in node.indices
    )


def _is_ones(node: Node) -> bool:
    r"""``\mathbf{1}``, ``\mathbf{1}^\top``: the vector of ones."""
    return isinstance(node, Symbol) and replace(node, transposed=False) == ONES


def _sums_last(tensor: Tensor) -> bool:
    """Whether ``M 1`` sums ``M``'s last axis: a matrix, or a row vector (``v^T 1``)."""
    return len(tensor.axes) >= 2 or (len(tensor.axes) == 1 and tensor.row)


def _summed(tensor: Tensor, axis: int) -> Tensor:
    """``tensor`` summed over one axis (a product with the vector of ones); 1^T M is a row."""
    bound = tensor.axes[axis]
    rest = tensor.axes[:axis] + tensor.axes[axis + 1 :]
    kinds = tensor.kinds[:axis] + tensor.kinds[axis + 1 :]
    return Tensor(sympy.Sum(tensor.expr, (bound, 1, bound.upper)), rest, kinds, row=axis == 0 and bool(rest))


def _same_up_to_dummies(left: sympy.Expr, right: sympy.Expr) -> bool:
    """Whether two expressions are equal once their sums' bound indices are renamed alike."""

    def canonical(expr: sympy.Expr) -> sympy.Expr:
        renamed: dict[sympy.Basic, sympy.Idx] = {}
        sums = [node for node in sympy.preorder_traversal(expr) if isinstance(node, sympy.Sum)]
        for total in sums:
            for limit in total.limits:
                renamed.setdefault(limit[0], sympy.Idx(f"bound{len(renamed)}", (limit[1], limit[2])))
        return expr.xreplace(renamed)

    return bool(sympy.expand(canonical(left) - canonical(right)) == 0)


def _softmax_of(tensor: Tensor) -> Tensor:
    """The softmax of ``tensor`` over its class axis: e^{v_j} / sum_q e^{v_q}."""
    axis = tensor.axes[tensor.kinds.index("class")]
    bound = sympy.Idx(f"{axis.name}'s", (axis.lower, axis.upper))
    total = sympy.Sum(sympy.exp(tensor.expr.xreplace({axis: bound})), (bound, axis.lower, axis.upper))
    return replace(tensor, expr=sympy.exp(tensor.expr) / total)


def _elementwise(tensor: Tensor, fn: object) -> Tensor:
    return replace(tensor, expr=fn(tensor.expr))  # type: ignore[operator]


def _transpose(tensor: Tensor) -> Tensor:
    if len(tensor.axes) <= 1:
        return replace(tensor, row=not tensor.row) if tensor.axes else tensor
    return Tensor(tensor.expr, tuple(reversed(tensor.axes)), tuple(reversed(tensor.kinds)))


def _unify(left: Tensor, right: Tensor, what: str) -> sympy.Expr:
    """``right.expr`` with its placeholders renamed to ``left``'s (shapes must agree)."""
    if left.kinds != right.kinds:
        raise NotationError(f"cannot {what} a {_shape_word(left)} and a {_shape_word(right)}")
    return right.expr.xreplace(dict(zip(right.axes, left.axes, strict=True)))


def _bias_on_rows(left: Tensor, right: Tensor) -> tuple[Tensor, Tensor]:
    """``X W + b``: the bias vector added to every row of a batch's matrix (as NumPy broadcasts it)."""
    for matrix, vector, flipped in ((left, right, False), (right, left, True)):
        bases = {x.base for x in vector.expr.atoms(sympy.Indexed)}
        bias = bases == {s.b} and vector.kinds == ("class",)  # b, -b
        if bias and matrix.kinds == ("example", "class"):
            spread = Tensor(vector.expr.xreplace({vector.axes[0]: matrix.axes[1]}), matrix.axes, matrix.kinds)
            return (spread, matrix) if flipped else (matrix, spread)
    return left, right


def _less_one(node: Node) -> Node | None:
    """``K - 1`` (a sum's upper limit when it counts from 0): K; None for anything else."""
    if isinstance(node, Add) and len(node.terms) == 2 and node.terms[1] == Neg(Number(Fraction(1))):
        return node.terms[0]
    return None


def _inner_product(node: Node) -> Symbol | None:
    """``s^T s`` (or its negation): a transposed vector times an untransposed one of the same name (that
    vector, untransposed); None for anything else."""
    while isinstance(node, Neg):
        node = node.operand
    if not isinstance(node, Mul) or len(node.factors) != 2:
        return None
    left, right = node.factors
    if not (isinstance(left, Symbol) and isinstance(right, Symbol)):
        return None
    if not left.transposed or right.transposed or left.indices or right.indices or left.name != right.name:
        return None
    return right


def _combine(left: Tensor, right: Tensor, op: object, what: str) -> Tensor:
    if right.is_scalar:
        return replace(left, expr=op(left.expr, right.expr))  # type: ignore[operator]
    if left.is_scalar:
        return replace(right, expr=op(left.expr, right.expr))  # type: ignore[operator]
    return replace(left, expr=op(left.expr, _unify(left, right, what)))  # type: ignore[operator]


def _contract(left: Tensor, left_axis: int, right: Tensor, right_axis: int) -> Tensor:
    if left.kinds[left_axis] != right.kinds[right_axis]:
        raise NotationError(
            f"cannot multiply a {_shape_word(left)} by a {_shape_word(right)}: the inner dimensions differ"
        )
    bound = left.axes[left_axis]
    right_expr = right.expr.xreplace({right.axes[right_axis]: bound})
    axes = (
        left.axes[:left_axis]
        + left.axes[left_axis + 1 :]
        + right.axes[:right_axis]
        + right.axes[right_axis + 1 :]
    )
    kinds = (
        left.kinds[:left_axis]
        + left.kinds[left_axis + 1 :]
        + right.kinds[:right_axis]
        + right.kinds[right_axis + 1 :]
    )
    return Tensor(sympy.Sum(left.expr * right_expr, (bound, 1, bound.upper)), axes, kinds)


#: The letter of the size each kind of axis runs up to.
_KIND_LETTER: Final[dict[Kind, str]] = {"class": "k", "feature": "d", "example": "N"}


def _shape_word(tensor: Tensor) -> str:
    if not tensor.axes:
        return "scalar"
    if len(tensor.axes) == 1:
        return f"vector of length {_KIND_LETTER[tensor.kinds[0]]}"
    return "matrix of shape " + " x ".join(_KIND_LETTER[kind] for kind in tensor.kinds)


# --------------------------------------------------------------------------------------------------------
# Whole claims
# --------------------------------------------------------------------------------------------------------


def map_claim(
    claim: Claim,
    *,
    wrt: str | None = None,
    lets: Sequence[str] = (),
    loss: LossKind = "softmax-ce",
    convention: Convention = "Wt_x",
    classes: int | None = None,
    defines: Sequence[str] = (),
    where: Sequence[str] = (),
    means: str | Node | None = None,
    definitions: Sequence[tuple[str, tuple[str, ...], Node]] = (),
    implied_sums: bool = False,
    chosen_lets: Sequence[str] = (),
    columns: bool = False,
    rows: bool = False,
    diagonal: bool = False,
    transposed: bool = False,
    code: bool = False,
) -> MappedClaim:
    """Map a parsed claim (chain) to canonical SymPy: the left side, each right side, the model.

    ``chosen_lets`` are mappings a reading chose (not the user): applied as ``lets``, shown as guesses.
    ``columns`` reads a batch's matrices with the examples as columns (X of shape d x N); ``rows`` reads
    the page's vectors as rows (``x^T (p - y)`` an outer product).

    ``defines`` are the page's own definitions (``--define``; ``definitions`` the same, already read, from
    code), ``where`` index conditions that restrict the
    claim (``--where 'j != c'``), ``means`` the left side of a claim written without one (``--means``: a
    derivative such as ``dH/dz``, as text or already read), ``implied_sums`` the convention that an index
    the left side does not have is summed (Einstein's).
    """
    targets_at: list[tuple[str, str, int, str]] = []
    stated: list[str] = []
    dropped: list[str] = []
    for qualifier in claim.qualifiers:
        if _TARGETS_SUM_TO_ONE.match(_TEXT_WRAPPER.sub(r" \1 ", qualifier)):
            # "given that \sum_k y_k = 1": the condition the verdict names itself, not a restriction
            stated.append(" ".join(qualifier.split())[:80])
            continue
        if _CONDITION_WORD.search(qualifier) and _RELATION.search(qualifier) and not _RANGE.search(qualifier):
            # "where y_i = 1" is read (below); "with p < 1": a condition the text says in words is never
            # silently dropped
            shown = " ".join(qualifier.split())[:80]
            target_at = _TARGET_AT.match(_TEXT_WRAPPER.sub(r" \1 ", qualifier))
            if target_at is None:
                if WORD_CONDITIONS_DROPPED.get():
                    # judged without it: only a verdict of holds is kept (it then holds under it too)
                    dropped.append(shown)
                    continue
                raise UnappliedConditionError(
                    f"the formula comes with a condition in words ({shown}) that is not applied; state an "
                    "index condition with --where, or check the formula without it"
                )
            targets_at.append((target_at["name"], target_at["index"], int(target_at["value"]), shown))
    parsed_lets = [parse_let(text) for text in lets]
    parsed_lets += [replace(parse_let(text), chosen=True) for text in chosen_lets]
    page_definitions = [parse_definition(text) for text in defines] + [
        Let(f"{name} (defined by the code)", name, None, False, pattern, target, definition=True)
        for name, pattern, target in definitions
    ]
    parameters = _definition_parameters(page_definitions)
    sides = list(claim.sides)
    lhs_node = _left_side(claim, sides, wrt, means)
    (lhs_node, *sides), said = numbered_layers([lhs_node, *sides])
    if means is None and wrt is None and _elided_left(claim.source):
        # "= e_i/S (1 - e_i/S) = p_i (1 - p_i)": the line before held the left side; the steps written
        # are checked against each other
        said.append(
            "the chain's left side is elided (it starts with '='): its steps are checked against each "
            "other, from the first one written"
        )
    for target, index, value, shown in targets_at:
        if any(isinstance(n, Sum) and n.index == index for side in sides for n in walk(side)):
            sides = [_restricted_sums(side, target, index, value) for side in sides]
            at = f"{target}_{index}"
            weight = at if value == 1 else f"1 - {at}"
            said.append(
                f"the words ({shown}) restrict the sum over {index} to where {at} = {value}: read as "
                f"weighting it by {weight} (one-hot targets)"
            )
        else:
            where = (*where, f"{index} {'=' if value == 1 else '!='} c")
            said.append(f"the words ({shown}) say {index} {'is' if value == 1 else 'is not'} the true class")
    if implied_sums:
        keep = free_index_names(lhs_node)
        sides = [imply_sums(side, keep) for side in sides]
    prepared, notes, entries = _recognize_definitions(
        page_definitions,
        parsed_lets,
        parameters,
        loss=loss,
        convention=convention,
        classes=classes,
        context=(lhs_node, *sides),
    )
    inline = [_true_class_condition(condition, lhs_node, sides) for condition in claim.conditions]
    conditions = [
        *(condition for condition, _ in inline),
        *(_at_claim_index(parse_condition(text), lhs_node, sides) for text in where),
    ]
    true_class = _true_class_names(prepared, lhs_node, sides)
    mapper = Mapper(
        [lhs_node, *sides],
        [*parsed_lets, *prepared, *true_class],
        loss=loss,
        convention=convention,
        classes=classes,
        parameters=parameters,
        bias_written=any(
            isinstance(node, Symbol) and node.name == "b"
            for d in page_definitions
            for node in walk(d.target)
        ),
        columns=columns,
        rows=rows,
        diagonal=diagonal,
        transposed=transposed,
        code=code,
    )
    for note in notes:
        mapper.note(note)
    for let in true_class:
        mapper.note(f"the index {let.name} is on the right side only: read as the true class")
    for words in stated:
        mapper.note(f"the words ({words}) state that the targets sum to 1: the verdict names that condition")
    for words in dropped:
        mapper.note(
            f"the condition in words ({words}) is not read; the formula is judged without it, and a formula "
            "that holds without a condition holds under it too"
        )
    for note in said:
        mapper.note(note)
    for entry in entries:
        mapper.entries.setdefault(entry.page, entry)
    for _, name in inline:
        if name is not None:
            mapper.record(name, "c", True, "a class letter only in the claim's condition: the true class")
    lhs_pre, *side_nodes = mapper.nodes
    lhs = mapper.build(lhs_pre)
    lhs = replace(lhs, expr=_finish(lhs.expr, mapper, "the left side"))
    _refuse_derivative_of_targets(lhs.expr, lhs_node, mapper, (lhs_node, *sides))
    _refuse_derivative_of_output_by_output(lhs.expr, lhs_node, mapper)
    lhs_restriction = mapper.restriction
    for condition in conditions:
        indicator = mapper._condition(condition)
        lhs_restriction = indicator if lhs_restriction is None else lhs_restriction * indicator
    if lhs_restriction is not None:
        lhs_restriction = _finish(lhs_restriction, mapper, "the condition")
    mapped: list[MappedSide] = []
    for number, (original, node) in enumerate(zip(sides, side_nodes, strict=True)):
        latex = format_node(original)
        mapper.restriction = None
        try:
            rhs = mapper.build(node)
            expr = _finish(_align(lhs, rhs, mapper), mapper, f"${latex}$")
        except NotationHintError as hinted:
            if number == len(sides) - 1:
                raise  # the conclusion reads only with another reading (softmax(x): x the logits): try it
            mapped.append(MappedSide(latex, None, str(hinted)))
            continue
        except NotationError as error:
            mapped.append(MappedSide(latex, None, str(error)))
            continue
        # a step that differentiates the targets (the chain rule's dy_i/dz_j) says what y is in every step
        _refuse_derivative_of_targets(rhs.expr, original, mapper, (lhs_node, *sides), by_targets=False)
        restriction = mapper.restriction
        if restriction is not None:
            restriction = _finish(restriction, mapper, "a case condition")
        if lhs_restriction is not None:
            restriction = lhs_restriction if restriction is None else restriction * lhs_restriction
        mapped.append(MappedSide(latex, expr, None, restriction))
    mean_of_examples = _one_example_of_a_mean(lhs.expr, mapped, mapper)
    if mapper.batch and not mean_of_examples and loss_derivative_by(lhs.expr, s.z, s.a):
        # dL/dz_k = 1/N sum_n (p_nk - y_nk): the batch's loss does not depend on a z of no example (its
        # derivative would be 0): which example's logits is meant is not written
        raise NotationError(
            f"${format_node(lhs_node)}$ differentiates by one example's vector, which has no example index, "
            "but the claim is about a batch: write the example's index (z_{n,k}), or the loss of one example"
        )
    if mean_of_examples:
        # dL/dz = (p - y)/N: N, the number of examples, says the loss is a batch's mean; its gradient by one
        # example's logits (or output) is that example's own gradient divided by N
        mapper.note(MEAN_OF_EXAMPLES)
        lhs = replace(lhs, expr=lhs.expr / s.N)
    result = _display_names(lhs, mapped, mapper)
    return replace(result, lhs_latex=format_node(lhs_node), mean_of_examples=mean_of_examples)


def loss_derivative_by(lhs: sympy.Expr, *vectors: sympy.IndexedBase) -> bool:
    """Whether ``lhs`` is a derivative of the loss by entries of one example's ``vectors`` (``z_k``, ``a_k``;
    not the batch's Z, A)."""
    return (
        isinstance(lhs, sympy.Derivative)
        and lhs.expr == s.H
        and all(isinstance(v, sympy.Indexed) and v.base in vectors for v, _ in lhs.variable_count)
    )


#: The note of a one-example gradient read as a batch mean's.
MEAN_OF_EXAMPLES: Final = (
    "N (the number of examples) says the loss is a batch's mean: the left side is read as its gradient by "
    "one example's vector, that example's gradient divided by N"
)


def _one_example_of_a_mean(lhs: sympy.Expr, sides: Sequence[MappedSide], mapper: Mapper) -> bool:
    """A claim about one example (no batch) whose right side writes N, the number of examples, and whose
    left side is the loss's gradient by that example's logits, output or input (never by the shared W or
    b)."""
    if mapper.batch or not isinstance(lhs, sympy.Derivative) or lhs.expr != s.H:
        return False
    by = {str(v.base.label) for v in lhs.variables if isinstance(v, sympy.Indexed)}
    by |= {str(v) for v in lhs.variables if isinstance(v, sympy.Symbol)}
    written = any(side.expr is not None and side.expr.has(s.N) for side in sides)
    return bool(by) and by <= {"z", "a", "x"} and written


def logged(name: str, nodes: Sequence[Node]) -> bool:
    """Whether the text takes the logarithm of ``name`` itself (``log(x)``, ``\\log p_i``)."""
    return any(
        isinstance(sub, Log) and isinstance(sub.arg, Symbol) and sub.arg.name == name
        for node in nodes
        for sub in walk(node)
    )


def _exponentiated(name: str, nodes: Sequence[Node]) -> bool:
    r"""Whether the text writes ``name`` in an exponential (``e^{y_1}``, ``\exp(y_i)``) or applies the
    softmax to it (``softmax(y)``)."""
    arguments = [
        argument
        for node in nodes
        for sub in walk(node)
        for argument in (
            (sub.arg,)
            if isinstance(sub, Exp)
            else sub.args
            if isinstance(sub, Call) and sub.function.name in SOFTMAX_FUNCTIONS
            else ()
        )
    ]
    return any(isinstance(sub, Symbol) and sub.name == name for arg in arguments for sub in walk(arg))


def _refuse_derivative_of_targets(
    lhs: sympy.Expr, node: Node, mapper: Mapper, nodes: Sequence[Node], by_targets: bool = True
) -> None:
    """A left side that differentiates the targets (dy_i/dz_j) is 0 by the model: the page means something
    else by y (usually the softmax output), and a verdict on 0 would judge a claim the page never made. A
    right side is checked for that too (the chain rule's dE/dy_i dy_i/dz_j), not (``by_targets`` False) for
    a derivative by the targets, which a right side may write beside the one it is by."""
    for derivative in lhs.atoms(sympy.Derivative):
        bases = {str(x.base.label) for x in derivative.expr.atoms(sympy.Indexed)}
        if bases and bases <= {"y", "Y"} and not derivative.expr.has(s.H):
            pages = sorted(e.page for e in mapper.entries.values() if e.canonical in ("y", "Y")) or ["y"]
            output = any(e.canonical in ("a", "A") for e in mapper.entries.values())
            if not by_targets and (pages[0] not in ("y", "Y") or output):
                continue  # a right side's d t_j beside the output's own name: a slip, not another reading
            lets = [f"{pages[0]}=a"]  # the targets are data: what the page differentiates is its output
            together: tuple[tuple[str, ...], ...] = ()
            if pages[0] not in ("y", "Y") and "y" in pages:
                # -\sum_k t_k \ln y_k by a_k (Bishop): t beside y is the targets, y the output, and the
                # page's own a, which the left side is by, the logits (the activations)
                by = {str(v.base.label) for v in derivative.variables if isinstance(v, sympy.Indexed)}
                own_a = any(e.page == "a" and e.canonical == "a" for e in mapper.entries.values())
                if by == {"a"} and own_a:
                    together = (("y=a", "a=z"),)
                else:
                    lets.append("y=a")
            raise NotationHintError(
                f"${format_node(node)}$ differentiates the targets ({pages[0]} read as y), which do not "
                f"depend on the logits; if {pages[0]} is the model's output here, add --let '{pages[0]}=a'",
                lets=tuple(lets),
                together=together,
            )
        if not by_targets:
            continue
        variables = [v for v in derivative.variables if isinstance(v, sympy.Indexed)]
        if any(str(v.base.label) in ("y", "Y") for v in variables):
            # dL/dy: no training gradient is by the targets (code's dLdy is by the network's output)
            message = (
                f"${format_node(node)}$ is a derivative by the targets y, which are data; say what the "
                "derivative is by with --means (for example 'dL/dz') or --let"
            )
            by = {str(v.base.label) for v in variables} & {"y", "Y"}
            pages = sorted(e.page for e in mapper.entries.values() if e.canonical in by)
            if len(pages) == 1 and pages[0] not in ("y", "Y") and mapper.entries[pages[0]].guessed:
                # dL/dP_1 with P guessed as the targets: what a page differentiates by is its output
                raise NotationHintError(message, lets=(f"{pages[0]}=a",))
            applied = [page for page in pages if _exponentiated(page, nodes)]
            if len(applied) == 1:
                # e^{y_1} or softmax(y), and d/dy_1: the page's y is what the softmax is applied to (logits)
                raise NotationHintError(message, lets=(f"{applied[0]}=z",))
            raise NotationError(message)


def _refuse_derivative_of_output_by_output(lhs: sympy.Expr, node: Node, mapper: Mapper) -> None:
    r"""``\frac{\partial p_i}{\partial a_j}`` with p and a both read as the softmax output: the derivative of
    the output by itself is the identity, which no page derives. The name it is by is what the output is a
    function of, the logits (Bishop's a_j, the activations): that reading is offered."""
    for derivative in lhs.atoms(sympy.Derivative):
        of = {str(x.base.label) for x in derivative.expr.atoms(sympy.Indexed)}
        by = {str(v.base.label) for v in derivative.variables if isinstance(v, sympy.Indexed)}
        if not (of and by and of | by <= {"a", "A"}):
            continue
        pages = [
            (d.of.name, d.wrt.name)
            for d in walk(node)
            if isinstance(d, Derivative) and isinstance(d.of, Symbol) and isinstance(d.wrt, Symbol)
        ]
        for of_page, by_page in pages:
            entry = mapper.entries.get(by_page)
            if of_page != by_page and entry is not None and entry.canonical in ("a", "A"):
                logits = "z" if entry.canonical == "a" else "Z"
                raise NotationHintError(
                    f"${format_node(node)}$ differentiates the output by the output ({of_page} and {by_page} "
                    f"both read as {entry.canonical}); if {by_page} is what the softmax is applied to, add "
                    f"--let '{by_page}={logits}'",
                    lets=(f"{by_page}={logits}",),
                )


def map_definition(
    claim: Claim,
    *,
    lets: Sequence[str] = (),
    defines: Sequence[str] = (),
    loss: LossKind = "softmax-ce",
    convention: Convention = "Wt_x",
) -> str:
    """A text that defines a symbol derive does not know (``FL = -\\alpha (1 - p_t)^\\gamma \\log p_t``):
    returns the symbol's name when the right side reads (raises NotationError otherwise)."""
    if len(claim.sides) != 2 or not isinstance(claim.sides[0], (Symbol, Call)):
        raise NotationError("not a definition of one symbol")
    left = claim.sides[0]
    symbol = left.function if isinstance(left, Call) else left
    definition = Let(
        claim.source,
        symbol.name,
        _plain(symbol.decoration),
        isinstance(left, Call),
        _pattern(symbol, "the definition", claim.source),
        claim.sides[1],
        definition=True,
    )
    others = [parse_definition(text) for text in defines]
    parameters = _definition_parameters([definition, *others])
    mapper = Mapper(
        [definition.target],
        [*(parse_let(text) for text in lets), *others],
        loss=loss,
        convention=convention,
        parameters=parameters,
    )
    _finish(mapper.build(mapper.nodes[0]).expr, mapper, "the definition")
    return _symbol_label(symbol)


def _left_side(claim: Claim, sides: list[Node], wrt: str | None, means: str | Node | None) -> Node:
    """The claim's left side (removed from ``sides``), from the claim itself, --wrt or --means."""
    first = sides[0]
    unstated = isinstance(first, Derivative) and first.wrt == Symbol(UNSTATED_WRT)
    if means is not None:
        meant = _read_means(means) if isinstance(means, str) else means
        if len(sides) > 1 and (unstated or not isinstance(sides[0], (Derivative, Differential))):
            sides.pop(0)  # a name for the result ("gradient", "grad_z", \nabla L): --means says what it is
        elif len(sides) > 1 and _by_the_same(first, meant):
            sides.pop(0)  # grad_W = ... read as dL/dW, and --means 'dH/dW': the option says it fully
        elif len(sides) > 1:
            raise NotationError(
                "the claim has its own left side (a derivative); --means is for a claim without one"
            )
        return meant
    if wrt is not None:
        wrt_claim = parse_claim(wrt)
        if len(wrt_claim.sides) != 1:
            raise NotationError(f"--wrt {wrt!r} must be one variable such as W_{{ij}} or z_j")
        if isinstance(first, Derivative) and len(sides) > 1:
            sides.pop(0)
            return Derivative(first.of, wrt_claim.sides[0]) if unstated else first
        return Derivative(Symbol("H"), wrt_claim.sides[0])
    if isinstance(first, Derivative) and unstated:
        raise UnstatedGradientError(
            f"$\\nabla {format_node(first.of)}$ does not say what it is the gradient by; say it with "
            "--means 'dH/dz' (or --wrt z)"
        )
    if _elided_left(claim.source) and len(sides) < 2:
        raise NotationError(
            "the chain starts with '=' (its left side is elided): give the left side, --means or --wrt"
        )
    if len(sides) < 2:
        raise NotationError(
            "the claim has no left side: write LHS = RHS, or say what it is with --means 'dH/dz'"
        )
    if len(sides) == 2 and _is_derivative(sides[1]) and not _is_derivative(sides[0]):
        return sides.pop(1)  # a_i - y_i = dL/dz_i: the derivative is what the claim is about
    return sides.pop(0)


def _by_the_same(written: Node, meant: Node) -> bool:
    """Whether a claim's own left side and --means are derivatives by the same variable (by its name)."""
    if not isinstance(written, Derivative) or not isinstance(meant, Derivative):
        return False
    by, meant_by = written.wrt, meant.wrt
    return isinstance(by, Symbol) and isinstance(meant_by, Symbol) and by.name == meant_by.name


def _is_derivative(node: Node) -> bool:
    return isinstance(node, (Derivative, Differential)) or (
        isinstance(node, Neg) and isinstance(node.operand, (Derivative, Differential))
    )


def _read_means(text: str) -> Node:
    claim = parse_claim(text)
    if len(claim.sides) != 1:
        raise NotationError(
            f"--means {text!r} must be one derivative such as 'dH/dz' or '\\partial L/\\partial W'"
        )
    return claim.sides[0]


_CONDITION_SPLIT: Final = (
    ("!=", "!="),
    ("\\neq", "!="),
    ("\\ne", "!="),
    ("\u2260", "!="),
    ("==", "="),
    ("=", "="),
)


def _at_claim_index(condition: Condition, lhs: Node, sides: Sequence[Node]) -> Condition:
    """``--where 'j != c'`` for a claim whose one free index has another name (code names its own indices):
    the condition is about that index."""
    used = free_index_names(lhs).union(*(free_index_names(side) for side in sides))
    own = sorted(free_index_names(lhs))
    named = [s for s in (condition.left, condition.right) if isinstance(s, Symbol) and not s.indices]
    names = {s.name for s in named if s.name != TRUE_CLASS_INDEX}
    if len(names) == 1 and not names & used and len(own) == 1:
        return _renamed_condition(condition, names.pop(), own[0])
    return condition


def _true_class_condition(
    condition: Condition, lhs: Node, sides: Sequence[Node]
) -> tuple[Condition, str | None]:
    r"""An inline condition ``, \quad j = c`` whose class letter (c, t, \ell) appears nowhere else in the
    claim names the true class (nothing else could give it a value); returns the name so read, if any."""
    present = {n.name for root in (lhs, *sides) for n in walk(root) if isinstance(n, Symbol)}
    present |= free_index_names(lhs).union(*(free_index_names(side) for side in sides))
    for side in (condition.left, condition.right):
        if (
            isinstance(side, Symbol)
            and not side.indices
            and side.name in TRUE_CLASS_NAMES
            and side.name not in present
        ):
            return _renamed_condition(condition, side.name, TRUE_CLASS_INDEX), side.name
    return condition, None


def _renamed_condition(condition: Condition, old: str, new: str) -> Condition:
    def rename(side: Node) -> Node:
        return Symbol(new) if isinstance(side, Symbol) and side.name == old and not side.indices else side

    return Condition(rename(condition.left), condition.op, rename(condition.right))


def parse_condition(text: str) -> Condition:
    """``'j != c'`` (``\\neq``, ``\\ne``, ``==``, ``=``) -> a :class:`Condition`; c is the true class."""
    for token, op in _CONDITION_SPLIT:
        left, sep, right = text.partition(token)
        if sep and left.strip() and right.strip():
            sides = []
            for part in (left, right):
                parsed = parse_claim(part.strip())
                if len(parsed.sides) != 1:
                    break
                node = parsed.sides[0]
                if isinstance(node, Symbol) and node.name == "c" and not node.indices:
                    node = Symbol(TRUE_CLASS_INDEX)
                sides.append(node)
            if len(sides) == 2:
                return Condition(sides[0], op, sides[1])  # type: ignore[arg-type]
    raise NotationError(
        f"--where {text!r} must be an index condition such as 'j != c' or 'i = j' (c the true class)"
    )


def _role_of_name(symbol: Symbol) -> Role | None:
    """The role a symbol's name has on its own: canonical, or the usual guess (L, J, E, Loss: the loss)."""
    if symbol.decoration is None and symbol.name in CANONICAL:
        return CANONICAL[symbol.name]
    return GUESSES.get((symbol.name, _plain(symbol.decoration)))


def _restricted_sums(node: Node, name: str, index: str, value: int) -> Node:
    """Every sum over ``index`` restricted to where ``name_index`` is ``value``: for 0/1 targets, weighted
    by the entry (1) or by one minus it (0)."""
    from derive.claims.code_index import map_children

    if isinstance(node, Sum) and node.index == index:
        entry: Node = Symbol(name, (Symbol(index),))
        weight = entry if value == 1 else Add((Number(Fraction(1)), Neg(entry)))
        body = _restricted_sums(node.body, name, index, value)
        return replace(node, body=Mul((weight, body)))
    return map_children(node, lambda child: _restricted_sums(child, name, index, value))


def right_only_indices(lhs: Node, sides: Sequence[Node]) -> set[str] | None:
    """The indices free on the right side(s) that the left side does not write (``k`` in
    ``dL/dz_i = a_i - \\delta_{ik}``); None when a sum written without its index may bind them."""
    if any(isinstance(n, Sum) and n.index is None for side in sides for n in walk(side)):
        return None
    mentioned = free_index_names(lhs) | {n.name for n in walk(lhs) if isinstance(n, Symbol)}
    return set().union(*(free_index_names(side) for side in sides)) - mentioned


def _true_class_names(definitions: Sequence[Let], lhs: Node, sides: Sequence[Node]) -> list[Let]:
    """An index free in a definition (not on its left side) is the page's true class; the claim's own use
    of that index name, where the left side does not have it, is read the same way, and so is a label
    letter (y, t, \\ell, c) used as an index on the right side only (a_y), or the one free index of the
    right side when the left side is the loss (L = -\\log a_k)."""
    loose: set[str] = {"y", "t", "ell", "c", *LABEL_INDEX_NAMES}  # the label as an index: a_y, z_t, a_c
    defined: set[str] = set()  # L = -\log p_c: the page's own definition makes c its true class
    for definition in definitions:
        if definition.definition:
            defined |= free_index_names(definition.target) - set(definition.pattern)
    loose |= defined
    # dL/dz_y, dL/dz_{target}: the targets' own letter or a label's name as an index is the true class on
    # the left side of the loss's derivative too (never c, which pages also use for "a class")
    own = free_index_names(lhs)
    of = lhs.of if isinstance(lhs, Derivative) and isinstance(lhs.of, Symbol) else None
    # the loss by its name, or a name the page defines as a number (FL = -(1 - p_t)^\gamma \log p_t)
    of_loss = of is not None and (
        _role_of_name(of) == "loss"
        or any(d.definition and d.name == of.name and not d.pattern for d in definitions)
    )
    if of_loss:  # an identity (-\log a_y = -z_y + ..., dp_t/dz_i = ...) holds for every y or t
        own -= {"y", "t", *LABEL_INDEX_NAMES}
    used = set().union(*(free_index_names(side) for side in (lhs, *sides))) if sides else set()
    loss = isinstance(lhs, Symbol) and not lhs.indices and _role_of_name(lhs) == "loss"
    right_only = right_only_indices(lhs, sides)
    if loss and right_only is not None and len(right_only) == 1:
        # L = -\log a_k, Loss = -f_{y_i} + ...: a loss's one free index, which nothing else gives a value,
        # is the true class (never where an index-less sum may bind it, nor on a vector's entries)
        loose |= right_only
    # dL/dz_c beside L = -\log p_c: the left side's c is the definition's true class too
    names = sorted(((loose & used) - own) | (defined & own & used))
    return [Let(f"{name}=c", name, None, False, (), Symbol(TRUE_CLASS_TARGET)) for name in names]


def _definition_parameters(definitions: Sequence[Let]) -> frozenset[str]:
    """Plain scalar names in the definitions (the page's own parameters unless they mean something else),
    and, marked with a leading ``[``, names of vectors they use (a fixed vector, unless known)."""
    names: set[str] = set()
    for definition in definitions:
        # a function the definition calls (loss_ce(P, Y)) is no parameter: a constant would make its value's
        # derivative 0; an unknown function stays unknown (refused)
        called = {id(n.function) for n in walk(definition.target) if isinstance(n, Call)}
        for node in walk(definition.target):
            if id(node) in called:
                continue
            if isinstance(node, Symbol) and not node.indices and not _is_index_of(node, definition.target):
                names.add(node.name)
            elif isinstance(node, Symbol) and len(node.indices) == 1:
                names.add(f"[{node.name}")  # a vector the definition uses (teacher logits)
    return frozenset(names)


def _recognize_definitions(
    definitions: Sequence[Let],
    lets: Sequence[Let],
    parameters: frozenset[str],
    *,
    loss: LossKind,
    convention: Convention,
    classes: int | None,
    context: Sequence[Node] = (),
) -> tuple[list[Let], list[str], list[MappingEntry]]:
    """Definitions of canonical quantities become mappings (``s_k = e^{z_k}/\\sum_j e^{z_j}`` makes s the
    softmax output a); the others stay definitions, substituted where the page symbol is used."""
    prepared: list[Let] = []
    notes: list[str] = []
    entries: list[MappingEntry] = []
    for definition in definitions:
        others = [d for d in definitions if d is not definition]
        canonical = _recognize(definition, [*lets, *others], parameters, loss, convention, classes, context)
        if canonical is None:
            prepared.append(definition)
            continue
        indices = tuple(Symbol(name) for name in definition.pattern)
        target = Symbol(canonical, indices=indices)
        prepared.append(replace(definition, definition=False, target=target, recognized=True))
        label = _symbol_label(Symbol(definition.name, decoration=definition.decoration))
        entries.append(
            MappingEntry(
                label, canonical, False, f"your definition (--define) is {_CANONICAL_WORDS[canonical]}"
            )
        )
    return prepared, notes, entries


_CANONICAL_WORDS: Final = {
    "a": "the softmax output", "z": "the logits", "H": "the cross-entropy loss",
    "A": "the batch softmax output", "Z": "the batch logits",
}  # fmt: skip


def _recognize(
    definition: Let,
    lets: Sequence[Let],
    parameters: frozenset[str],
    loss: LossKind,
    convention: Convention,
    classes: int | None,
    context: Sequence[Node] = (),
) -> str | None:
    """The canonical quantity a definition defines, checked numerically, or None. The claim's own
    formulas are the context that settles what the definition's letters are (o differentiated by there is
    the logits)."""
    from derive.equivalence import numeric_check

    if any(not name.isalpha() for name in definition.pattern) or len(definition.pattern) > 1:
        return None
    try:
        mapper = Mapper(
            [definition.target, *context],
            lets,
            loss=loss,
            convention=convention,
            classes=classes,
            parameters=parameters,
        )
        tensor = mapper.build(mapper.nodes[0])
        if len(tensor.axes) == 1 and len(definition.pattern) == 1:
            # z_j = w_j^T x + b: the vector b is read at the definition's index j
            tensor = Tensor(
                tensor.expr.xreplace({tensor.axes[0]: mapper.index(definition.pattern[0], tensor.kinds[0])})
            )
        expr = _finish(tensor.expr, mapper, "the definition")
        if not definition.pattern and tensor.kinds == ("example", "class") and mapper.model.batch:
            # S = XW + \mathbf{1}\mathbf{b}^\top: a batch's matrix of logits, entry by entry
            logits = mapper.model.batch_logit(tensor.axes[0], tensor.axes[1])
            found = numeric_check(logits, expr, mapper.model, mapper.assumptions, max_cases=6)
            return "Z" if found[1] is None else None
        if tensor.axes:
            return None
        candidates: list[tuple[str, sympy.Expr]] = []
        if not definition.pattern:
            candidates.append(("H", s.H))
            if loss == "sigmoid-bce" and not mapper.model.batch:
                # s = 1/(1 + e^{-z}): the one sigmoid output (k = 1), so dL/ds is by the output
                one = mapper.index(mapper._fresh_index(), "class")
                candidates += [("a", s.a[one]), ("z", mapper.model.logit(one))]
        else:
            index = mapper.index(definition.pattern[0], "class")
            candidates += [("a", s.a[index]), ("z", mapper.model.logit(index))]
        for name, candidate in candidates:
            if name == "H" and (mapper.model.batch or loss != "softmax-ce"):
                continue
            _, counterexample, _, _ = numeric_check(
                candidate, expr, mapper.model, mapper.assumptions, max_cases=6
            )
            if counterexample is None:
                return name
    except (NotationError, ArithmeticError, ValueError, TypeError):
        return None
    except Exception:  # the numeric evaluator's own errors: not recognized, the claim will say why
        return None
    return None


def _finish(expr: sympy.Expr, mapper: Mapper, where: str) -> sympy.Expr:
    """Write out the true class and remove a cancelling max shift."""
    expr = resolve_true_class(expr, mapper)
    if expr.has(s.shift):
        expr = _without_shift(expr, mapper, where)
    return _folded_logits(expr, mapper.model)


#: Up to this many classes, written-out logits at a constant class are folded too.
_FOLDED_CONSTANT_CLASSES: Final = 3


def _folded_logits(expr: sympy.Expr, model: Model) -> sympy.Expr:
    """The model's logits written out (code's ``softmax(X @ W)``: exp(sum_i X_mi W_ij)) as the logits
    themselves, z_j or Z_mj: the same value, in the form the symbolic decision works with."""
    if not expr.has(s.W):
        return expr

    def logits(e: sympy.Basic) -> sympy.Expr | None:
        if not isinstance(e, (sympy.Sum, sympy.Add)):
            return None
        free = [x for x in e.free_symbols if isinstance(x, sympy.Idx)]
        classes: list[sympy.Expr] = [x for x in free if x.upper == model.classes]
        concrete = model.classes if isinstance(model.classes, (int, sympy.Integer)) else None
        if not classes and concrete is not None and int(concrete) <= _FOLDED_CONSTANT_CLASSES:
            # a concrete class (one sigmoid output: z_1 = w^T x + b): try each
            found = [logits_at(e, free, sympy.Integer(j)) for j in range(1, int(concrete) + 1)]
            return next((f for f in found if f is not None), None)
        if len(classes) != 1:
            return None
        return logits_at(e, [x for x in free if x != classes[0]], classes[0])

    def logits_at(e: sympy.Basic, free: list[sympy.Idx], j: sympy.Expr) -> sympy.Expr | None:
        if model.batch:
            rows = [x for x in free if x.upper == model.examples]
            if len(free) == 1 and len(rows) == 1 and e.dummy_eq(model.batch_logit(rows[0], j)):
                return s.Z[rows[0], j]
        elif not free and e.dummy_eq(model.logit(j)):
            return s.z[j]
        return None

    def signed(e: sympy.Basic) -> sympy.Expr | None:
        # exp(-b - w^T x), as the sigmoid's 1/(1 + e^{-z}) is written out: the negated logits
        found = logits(e)
        if found is None and isinstance(e, sympy.Add):
            negated = logits(-e)
            return None if negated is None else -negated
        return found

    folded = {e: found for e in sympy.preorder_traversal(expr) if (found := signed(e)) is not None}
    return expr.xreplace(folded) if folded else expr


def resolve_true_class(expr: sympy.Expr, mapper: Mapper) -> sympy.Expr:
    """An entry at the true class c is the target-weighted sum over classes (one-hot targets): x_c is
    sum_n y_n x_n, d f / d z_c is sum_n y_n d f / d z_n, and y_c is 1."""
    marker = mapper.true_class()
    if not expr.has(marker):
        return expr
    mapper._add_assumption(Assumption.ONE_HOT, "the true class c is where the one-hot targets are 1")

    def target(n: sympy.Expr, row: sympy.Expr | None) -> sympy.Expr:
        return s.y[n] if row is None else s.Y[row, n]

    def row_of(indexed: sympy.Indexed) -> sympy.Expr | None:
        return (
            indexed.indices[0]
            if str(indexed.base) in ("A", "Z", "Y", "X") and len(indexed.indices) == 2
            else None
        )

    def through(derivative: sympy.Derivative) -> sympy.Expr:
        variable = derivative.variables[0]
        if not (isinstance(variable, sympy.Indexed) and marker in variable.indices):
            return derivative
        n = sympy.Idx(f"n{next(mapper._fresh)}", (1, mapper.size_expr("class")))
        moved = variable.base[tuple(n if i == marker else i for i in variable.indices)]
        inner = sympy.Derivative(derivative.expr, moved)
        return sympy.Sum(target(n, row_of(variable)) * inner, (n, 1, mapper.size_expr("class")))

    def entry(indexed: sympy.Indexed) -> sympy.Expr:
        if str(indexed.base) in ("y", "Y"):
            return sympy.S.One
        n = sympy.Idx(f"n{next(mapper._fresh)}", (1, mapper.size_expr("class")))
        moved = indexed.base[tuple(n if i == marker else i for i in indexed.indices)]
        return sympy.Sum(target(n, row_of(indexed)) * moved, (n, 1, mapper.size_expr("class")))

    expr = expr.replace(lambda e: isinstance(e, sympy.Derivative) and e.has(marker), through)
    expr = expr.replace(lambda e: isinstance(e, sympy.Indexed) and marker in e.indices, entry)
    expr = expr.replace(
        lambda e: isinstance(e, sympy.KroneckerDelta) and marker in e.args,
        lambda e: s.y[next(a for a in e.args if a != marker)],
    )
    if expr.has(marker):
        raise NotationError("the true class c is used where it cannot be written out")
    return expr


def _without_shift(expr: sympy.Expr, mapper: Mapper, where: str) -> sympy.Expr:
    """``max(z)`` read as a constant shift is sound only where the value does not depend on it."""
    from derive.equivalence import numeric_check

    unshifted = expr.xreplace({s.shift: sympy.S.Zero})
    try:
        _, counterexample, _, _ = numeric_check(
            expr, unshifted, mapper.model, mapper.assumptions, max_cases=4
        )
    except Exception as error:
        raise NotationError(
            f"the max in {where} could not be checked to cancel ({type(error).__name__})"
        ) from None
    if counterexample is not None:
        raise NotationError(
            f"the max in {where} does not cancel (it is not only a shift inside a softmax): not read"
        )
    mapper.note(f"the max in {where} cancels: the value is the same for every shift")
    return unshifted


def _elided_left(source: str) -> bool:
    text = source.strip()
    for prefix in (
        "$$",
        "$",
        "\\[",
        "\\begin{align*}",
        "\\begin{align}",
        "\\begin{aligned}",
        "\\begin{eqnarray}",
        "\\begin{split}",
        "&",
    ):
        text = text.removeprefix(prefix).strip()
    return text.startswith("=")


def _align(lhs: Tensor, rhs: Tensor, mapper: Mapper) -> sympy.Expr:
    written_names = {name for indices in mapper.written_out for name in indices}
    written = [i for i in _free_claim_indices(rhs.expr) if str(i) in written_names]
    if lhs.is_scalar and written:
        # a vector or matrix written out entry by entry is one, never a number at some index
        sizes = [_size_word(i, mapper) for i in written]
        shape = f"vector of length {sizes[0]}" if len(sizes) == 1 else "matrix of shape " + " x ".join(sizes)
        raise NotationError(f"the left side is a scalar but the right side is a {shape}")
    laid_out = _laid_out(lhs, rhs, mapper)
    if laid_out is not None:
        return laid_out
    if lhs.kinds == rhs.kinds:
        return _unify(lhs, rhs, "compare")
    if lhs.is_scalar and not rhs.is_scalar:
        free = _free_claim_indices(lhs.expr)
        substitution: dict[sympy.Idx, sympy.Idx] = {}
        for axis, kind in zip(rhs.axes, rhs.kinds, strict=True):
            candidates = [
                i for i in free if i.upper == mapper.size_expr(kind) and i not in substitution.values()
            ]
            if len(candidates) < 1:
                break
            substitution[axis] = candidates[0]
        if len(substitution) == len(rhs.axes):
            names = ", ".join(mapper.index_names.get(str(i), str(i)) for i in substitution.values())
            mapper.note(f"the vector on the right is read entry-wise, at index {names} of the left side")
            return rhs.expr.xreplace(substitution)
    if rhs.is_scalar and not lhs.is_scalar:
        own = set(_free_claim_indices(lhs.expr))
        loose = [i for i in _free_claim_indices(rhs.expr) if i not in own]
        if not loose and rhs.expr.has(sympy.Sum):
            # dL/db = \sum_n (p_n - y_n): summing the entries of vectors gives a number, so the page's sum
            # most likely runs over something else (the examples); a number for every entry is not meant
            raise NotationError(
                f"the left side is a {_shape_word(lhs)} but the right side is a number (a sum over the "
                "entries of a vector); if the sum runs over the examples, write their index too "
                "(p_{n,j} - y_{n,j}), or say what the index is with --let"
            )
        if not loose:
            return rhs.expr
        substitution = {}
        for axis, kind in zip(lhs.axes, lhs.kinds, strict=True):
            match = next(
                (i for i in loose if i.upper == mapper.size_expr(kind) and i not in substitution), None
            )
            if match is not None:
                substitution[match] = axis
        if len(substitution) == len(loose):
            return rhs.expr.xreplace(substitution)
    if mapper.diagonal and _elementwise_jacobian(lhs) and rhs.kinds == lhs.kinds[:1]:
        # d log(x)/dx = 1/x: an elementwise function's Jacobian is diagonal, and the vector is its diagonal
        row, column = lhs.axes
        mapper.note(
            "the vector on the right is read as the diagonal of the left side's Jacobian (an elementwise "
            "function's derivative: 0 off the diagonal)"
        )
        return rhs.expr.xreplace({rhs.axes[0]: row}) * sympy.KroneckerDelta(row, column)
    if mapper.transposed and len(lhs.axes) == 2 == len(rhs.axes) and lhs.kinds == rhs.kinds[::-1]:
        mapper.transposed_used = True
        return rhs.expr.xreplace({rhs.axes[0]: lhs.axes[1], rhs.axes[1]: lhs.axes[0]})
    raise NotationError(
        f"the left side is a {_shape_word(lhs)} but the right side is a {_shape_word(rhs)}"
        + (" (check --convention)" if len(lhs.axes) == 2 == len(rhs.axes) else "")
    )


def _elementwise_jacobian(lhs: Tensor) -> bool:
    """Whether the left side is the square Jacobian of a function applied to each entry of one vector of
    the model (log x, e^z, x^2 by x): no sum, no softmax output, no loss in what it differentiates."""
    derivative = lhs.expr
    return (
        isinstance(derivative, sympy.Derivative)
        and len(lhs.axes) == 2
        and lhs.kinds[0] == lhs.kinds[1]
        and not derivative.expr.has(sympy.Sum, s.a, s.A, s.H)
    )


def _size_word(index: sympy.Idx, mapper: Mapper) -> str:
    """The letter of the size an index runs up to: k (classes), d (features), N (examples)."""
    found = (word for kind, word in _KIND_LETTER.items() if index.upper == mapper.size_expr(kind))
    return next(found, str(index.upper))


def _laid_out(lhs: Tensor, rhs: Tensor, mapper: Mapper) -> sympy.Expr | None:
    """A matrix written out entry by entry against a matrix left side: its rows are the left side's first
    axis and its columns the second, as written (never matched by what the indices run over, which
    would hide a transposed layout)."""
    if not rhs.is_scalar or len(lhs.axes) != 2:
        return None
    free = {str(i): i for i in _free_claim_indices(rhs.expr)}
    layout = next((names for names in mapper.written_out if all(n in free for n in names)), None)
    if layout is None or len(layout) != 2:
        return None
    rows, columns = free[layout[0]], free[layout[1]]
    if (rows.upper, columns.upper) != (lhs.axes[0].upper, lhs.axes[1].upper):
        written = " x ".join(_size_word(i, mapper) for i in (rows, columns))
        raise NotationError(
            f"the left side is a {_shape_word(lhs)} but the right side is a matrix of shape {written}"
            " (check --convention)"
        )
    mapper.note("the matrix written entry by entry is compared row by row and column by column")
    return rhs.expr.xreplace({rows: lhs.axes[0], columns: lhs.axes[1]})


def _free_claim_indices(expr: sympy.Expr) -> list[sympy.Idx]:
    bound: set[sympy.Basic] = set()
    found: list[sympy.Idx] = []
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Sum):
            bound.update(limit[0] for limit in node.limits)
        elif isinstance(node, sympy.Idx) and node not in found:
            found.append(node)
    return [i for i in found if i not in bound]


def _display_names(lhs: Tensor, sides: list[MappedSide], mapper: Mapper) -> MappedClaim:
    """Rename the left side's placeholders to letters the page does not use."""
    used = set(mapper.index_names.values()) | set(mapper.index_names)
    renaming: dict[sympy.Idx, sympy.Idx] = {}
    for axis, kind in zip(lhs.axes, lhs.kinds, strict=True):
        name = next(
            n for n in (*_DISPLAY_NAMES[kind], *(f"{kind[0]}{i}" for i in range(1, 99))) if n not in used
        )
        used.add(name)
        engine = f"{name}'" if name in RESERVED_INDEX_NAMES else name
        mapper.index_names[engine] = name
        renaming[axis] = sympy.Idx(engine, (axis.lower, axis.upper))
    lhs_expr = lhs.expr.xreplace(renaming)
    renamed = [
        replace(
            side,
            expr=side.expr.xreplace(renaming) if side.expr is not None else None,
            restriction=side.restriction.xreplace(renaming) if side.restriction is not None else None,
        )
        for side in sides
    ]
    for side in renamed:
        if side.expr is not None and any(str(i).startswith("ph") for i in _free_claim_indices(side.expr)):
            raise NotationError("a vector on the right has no matching index on the left side")
    free = tuple(_free_claim_indices(lhs_expr))
    return MappedClaim(
        lhs=lhs_expr,
        lhs_latex="",
        sides=tuple(renamed),
        model=mapper.model,
        mapping=tuple(mapper.entries.values()),
        notes=tuple(mapper.notes),
        assumptions=tuple(mapper.assumptions),
        index_names=dict(mapper.index_names),
        free_indices=free,
        transposed_right=mapper.transposed_used,
    )


def as_expr(value: sympy.Expr | int) -> sympy.Expr:
    """A size as a SymPy expression (constructor only)."""
    return sympy.Integer(value) if isinstance(value, int) else value


def number(value: Fraction) -> sympy.Rational:
    """An exact SymPy rational (constructor only)."""
    return sympy.Rational(value.numerator, value.denominator)
