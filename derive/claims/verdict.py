"""Claim -> verdict: holds, holds_if (a named condition on the inputs), fails (with a counterexample) or
undecided.

Every equality goes through the engine's one checker, :func:`derive.equivalence.decide` (or, for the quick
first pass a time-limited worker reports before its symbolic work, the numeric half of it,
:func:`derive.equivalence.numeric_check`).  The logic for one equation ``lhs = rhs``:

1. decide with the given assumptions: proved -> ``holds``; undecided -> ``undecided``;
2. refuted -> try the weaker "the targets sum to 1", then "the targets are one-hot": the first that proves
   it gives ``holds_if`` with that condition;
3. still refuted under one-hot targets -> look at the index cases that held and failed: when the true class
   alone decides (no free claim index does), ``holds_if`` "y is one-hot on class c"; when it depends on the
   claim's own free index (j = c against j != c), ``fails`` with the cases explained; otherwise ``fails``.

A chain checks every right-hand side against the left side and names the first wrong step (0-based over
the right-hand sides). A chain is a correct derivation only when every step is: one false step makes it
``fails``; an undecided step makes it ``undecided``; a step that holds only under a condition makes it
``holds_if``. The last step's own verdict is reported separately as the ``conclusion``.

A claim with nothing to check is bad input (:class:`~derive.errors.MeaninglessClaimError`), never a
verdict: a condition that no index value satisfies (``: i \neq i``), an index out of range (``a_9`` with
k = 3), a division by zero (``1/0``, ``0/0``), a side that has no value at any sample point.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Final, Literal, cast

import mpmath
import sympy

from derive import symbols as s
from derive.choices import BATCH_LOSSES, CONVENTION_PRODUCT, BatchLoss
from derive.claims.ast import Call, Derivative, Differential, Div, Exp, Log, Matrix, Mul, Neg, Node, Symbol
from derive.claims.formulas import MAX_INPUT_CHARS
from derive.claims.latex import format_node
from derive.claims.mapping import (
    CANONICAL,
    CODE_MARKERS,
    GUESSES,
    MEAN_OF_EXAMPLES,
    PARAMETER_LETTERS,
    UNSTATED_DIFFERENTIAL,
    Let,
    MappedClaim,
    MappedSide,
    MappingEntry,
    as_expr,
    examples_subscripted,
    free_index_names,
    is_known_name,
    loss_derivative_by,
    map_claim,
    map_definition,
    right_only_indices,
    summed_over_inputs,
    walk,
)
from derive.claims.read import MAX_READINGS, ClaimReading, read_claim
from derive.equivalence import Assumption, Counterexample, Outcome, Sizes, decide, numeric_check, varies
from derive.errors import (
    EXIT_AMBIGUOUS,
    EXIT_CONDITIONAL,
    EXIT_FAILS,
    EXIT_OK,
    EXIT_UNDECIDED,
    DefinitionNotClaimError,
    DeriveError,
    ExpressionNotClaimError,
    IndexConflictError,
    InputTooLargeError,
    MeaninglessClaimError,
    NotationError,
    NotationHintError,
    ParseError,
    UnstatedGradientError,
    UnstatedMeaningError,
    UsageError,
)
from derive.limits import MAX_CLASSES, classes_value, timeout_value
from derive.loss import CONVENTIONS, LOSSES, Convention, LossKind, Model
from derive.numeric import DIGITS, Evaluator, Key, NumericEvaluationError

Verdict = Literal["holds", "holds_if", "fails", "undecided", "ambiguous"]
#: The surface syntax of a claim: LaTeX, plain text (ASCII or unicode math), Python, or other code.
Syntax = Literal["latex", "text", "python", "code"]
SYNTAXES: tuple[Syntax, ...] = ("latex", "text", "python", "code")
StepVerdict = Literal["holds", "holds_if", "fails", "undecided", "unreadable", "ambiguous"]

#: Exit code of each verdict (bad input is 2).
EXIT_CODES: dict[str, int] = {
    "holds": EXIT_OK,
    "fails": EXIT_FAILS,
    "undecided": EXIT_UNDECIDED,
    "holds_if": EXIT_CONDITIONAL,
    "ambiguous": EXIT_AMBIGUOUS,
}

#: Index cases compared per decision (all of them for small k).
MAX_CASES = 40

ASSUME_NAMES: dict[str, Assumption] = {
    "onehot": Assumption.ONE_HOT,
    "one-hot": Assumption.ONE_HOT,
    "sum-to-one": Assumption.SUM_TO_ONE,
}

CONDITION_TEXT: dict[Assumption, str] = {
    Assumption.SUM_TO_ONE: "the targets sum to 1 (y one-hot or a probability vector)",
    Assumption.ONE_HOT: "y is one-hot",
}

Decider = Callable[[sympy.Expr, sympy.Expr, Model, Sequence[Assumption]], Outcome]


#: The sizes the numeric samples use for the claim being judged, when its constant indices need larger
#: ones than the defaults (``a_7`` for symbolic k is sampled at k >= 7); None: the defaults.
_SAMPLE_SIZES: contextvars.ContextVar[tuple[Sizes, ...] | None] = contextvars.ContextVar(
    "sample_sizes", default=None
)


def symbolic_decider(
    lhs: sympy.Expr, rhs: sympy.Expr, model: Model, assumptions: Sequence[Assumption],
    sampled: Outcome | None = None,
) -> Outcome:
    """The full check: numeric samples (unless ``sampled`` has them, from :func:`numeric_decider`), then a
    symbolic proof."""
    return decide(
        lhs, rhs, model, assumptions, max_cases=MAX_CASES, sizes=_SAMPLE_SIZES.get(), sampled=sampled
    )


def sample_sizes() -> tuple[Sizes, ...] | None:
    """The sizes the numeric samples of the claim being judged use (None: the defaults)."""
    return _SAMPLE_SIZES.get()


def numeric_decider(
    lhs: sympy.Expr, rhs: sympy.Expr, model: Model, assumptions: Sequence[Assumption]
) -> Outcome:
    """Only the numeric half of :func:`decide`: agreement is ``undecided``, a difference ``refuted``."""
    samples, counterexample, failing, holding = numeric_check(
        lhs, rhs, model, assumptions, max_cases=MAX_CASES, sizes=_SAMPLE_SIZES.get()
    )
    verdict: Literal["refuted", "undecided"] = "refuted" if counterexample is not None else "undecided"
    return Outcome(verdict, tuple(assumptions), None, counterexample, samples, tuple(failing), tuple(holding))


# --------------------------------------------------------------------------------------------------------
# Options and results
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckOptions:
    """Everything ``derive check`` needs for one claim (the batch fields have the same names)."""

    claim: str
    wrt: str | None = None
    let: tuple[str, ...] = ()
    assume: tuple[str, ...] = ()
    #: z = W^T x + b (Wt_x) or z = W x + b (W_x); None when not said: Wt_x, unless only W_x fits the claim's
    #: shapes (a shown choice).
    convention: Convention | None = None
    loss: LossKind = "softmax-ce"
    at: tuple[str, ...] = ()
    classes: int | None = None
    timeout: float = 10.0
    define: tuple[str, ...] = ()
    where: tuple[str, ...] = ()
    means: str | None = None
    syntax: Syntax | None = None
    implied_sums: bool = False
    reading: int | None = None
    #: The page's words on its notation ("X logits, y one-hot; p = softmax(x)"), read into options.
    notation: str | None = None
    #: A batch's loss: the mean over its examples, or their sum (None: as the claim reads, see
    #: :func:`evaluate_claim`).
    batch_loss: BatchLoss | None = None
    #: A batch's examples are its matrices' columns (Z = W X + b, X of shape d x N); chosen by a reading
    #: when the claim's shapes do not fit rows, never a batch field.
    columns: bool = False
    #: The page's vectors are rows (``x^T (p - y)`` is an outer product); chosen by a reading when the
    #: claim's products do not conform with column vectors.
    rows: bool = False
    #: A vector equated with an elementwise function's square Jacobian is its diagonal (``d log(x)/dx =
    #: 1/x``); chosen by a reading when the shapes differ so.
    diagonal: bool = False
    #: A right side with the transposed shape of the left side's under a stated convention is compared
    #: transposed, and the claim fails as the transpose of what it claims; chosen by a reading.
    transposed: bool = False

    @property
    def model_convention(self) -> Convention:
        """The convention the model is built with (Wt_x when none is said)."""
        return self.convention or "Wt_x"

    def __post_init__(self) -> None:
        # The Python API passes these straight through: check every type, not only the values.
        if not isinstance(self.claim, str):
            raise UsageError("the claim must be a string")
        if self.wrt is not None and not isinstance(self.wrt, str):
            raise UsageError("--wrt must be a string such as 'z_j'")
        for option in ("let", "assume", "at"):
            value = getattr(self, option)
            if isinstance(value, str) or not isinstance(value, (tuple, list)):
                raise UsageError(f"{option} must be a list of strings, such as {_EXAMPLES[option]}")
            if not all(isinstance(item, str) for item in value):
                raise UsageError(f"every {option} entry must be a string, such as {_EXAMPLES[option]}")
            object.__setattr__(self, option, tuple(value))
        if self.notation is not None and not isinstance(self.notation, str):
            raise UsageError("--notation must be a string such as 'X logits, y one-hot labels'")
        if self.syntax is not None and self.syntax not in SYNTAXES:
            raise UsageError(f"--syntax {self.syntax!r}: use one of {', '.join(SYNTAXES)}")
        if self.wrt is not None and self.means is not None:
            raise UsageError("give --means or --wrt, not both (--means 'dH/dz' says more)")
        for name in self.assume:
            if name not in ASSUME_NAMES:
                raise UsageError(f"--assume {name[:40]!r}: use onehot or sum-to-one")
        if self.convention is not None and self.convention not in CONVENTIONS:
            raise UsageError(f"--convention {str(self.convention)[:40]!r}: use Wt_x or W_x")
        if self.batch_loss is not None and self.batch_loss not in BATCH_LOSSES:
            raise UsageError(f"--batch-loss {str(self.batch_loss)[:40]!r}: use mean or sum")
        if self.loss not in LOSSES:
            raise UsageError(f"--loss {str(self.loss)[:40]!r}: use one of {', '.join(LOSSES)}")
        if isinstance(self.claim, str) and len(self.claim) > MAX_INPUT_CHARS:
            # Refused here, before a worker is started: no reader is asked to scan a megabyte.
            raise InputTooLargeError(
                f"claim text is {len(self.claim)} characters; the limit is {MAX_INPUT_CHARS}"
            )
        object.__setattr__(self, "classes", classes_value(self.classes))
        object.__setattr__(self, "timeout", timeout_value(self.timeout))

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> CheckOptions:
        """Options from a batch line's JSON object (unknown fields are an error)."""
        allowed = {
            "claim", "wrt", "let", "assume", "convention", "loss", "at", "classes", "timeout", "id",
            "define", "where", "means", "syntax", "implied_sums", "reading", "notation", "batch_loss",
        }  # fmt: skip
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise UsageError(f"unknown field {unknown[0]!r}")
        if "claim" not in data:
            raise UsageError("a batch line needs a 'claim' field")

        def strings(name: str) -> tuple[str, ...]:
            value = data.get(name, ())
            if isinstance(value, str):
                return (value,)
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise UsageError(f"field {name!r} must be a string or a list of strings")
            return tuple(value)

        def flag(name: str) -> bool:
            value = data.get(name, False)
            if not isinstance(value, bool):
                raise UsageError(f"field {name!r} must be true or false")
            return value

        def optional(name: str, kind: type) -> object:
            value = data.get(name)
            if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
                raise UsageError(f"field {name!r} must be a {kind.__name__}")
            return value

        timeout = data.get("timeout", 10.0)
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool):
            raise UsageError("field 'timeout' must be a number")
        return cls(
            claim=data["claim"],  # type: ignore[arg-type]
            wrt=optional("wrt", str),  # type: ignore[arg-type]
            let=strings("let"),
            assume=strings("assume"),
            at=strings("at"),
            convention=optional("convention", str),  # type: ignore[arg-type]
            loss=optional("loss", str) or "softmax-ce",  # type: ignore[arg-type]
            classes=optional("classes", int),  # type: ignore[arg-type]
            timeout=float(timeout),
            define=strings("define"),
            where=strings("where"),
            means=optional("means", str),  # type: ignore[arg-type]
            syntax=optional("syntax", str),  # type: ignore[arg-type]
            implied_sums=flag("implied_sums"),
            reading=optional("reading", int),  # type: ignore[arg-type]
            notation=optional("notation", str),  # type: ignore[arg-type]
            batch_loss=optional("batch_loss", str),  # type: ignore[arg-type]
        )


#: Examples named by the type errors of the list options.
_EXAMPLES = {"let": "['P_j=y_j']", "assume": "['onehot']", "at": "['z=[1, 2]', 'y=[1, 0]']"}


@dataclass(frozen=True)
class StepResult:
    """The verdict of one right-hand side of the chain against its left side."""

    index: int
    latex: str
    verdict: StepVerdict
    condition: str | None = None
    condition_latex: str | None = None
    explanation: str = ""
    counterexample: dict[str, object] | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "index": self.index,
            "latex": self.latex,
            "verdict": self.verdict,
            "condition": self.condition,
            "explanation": self.explanation,
            "counterexample": self.counterexample,
        }


@dataclass(frozen=True)
class CheckResult:
    """What ``derive check`` found for one claim (plain data: picklable, JSON-ready)."""

    claim: str
    lhs_latex: str
    verdict: Verdict
    condition: str | None
    condition_latex: str | None
    counterexample: dict[str, object] | None
    mapping: tuple[dict[str, object], ...]
    steps: tuple[StepResult, ...]
    first_wrong_step: int | None
    notes: tuple[str, ...] = ()
    at_instance: dict[str, Any] | None = None
    assumptions: tuple[str, ...] = ()
    explanation: str = ""
    symbolic: bool = True
    classes: str = "k"
    #: For a chain: the last step's own verdict ({"verdict", "condition", "condition_latex"}), which can
    #: differ from the chain's (a right result reached through a false step).
    conclusion: dict[str, str | None] | None = None
    #: The choices of the reading this result is about (empty when the text has one reading).
    choices: tuple[str, ...] = ()
    #: With several plausible readings: each one's choices and verdict (``ambiguous`` when they disagree).
    readings: tuple[dict[str, object], ...] = ()
    #: With several equations in one text: the result of each.
    parts: tuple[CheckResult, ...] = ()

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def as_dict(self) -> dict[str, object]:
        return {
            "verdict": self.verdict,
            "condition": self.condition,
            "counterexample": self.counterexample,
            "mapping": list(self.mapping),
            "steps": [step.as_dict() for step in self.steps],
            "first_wrong_step": self.first_wrong_step,
            "explanation": self.explanation,
            "notes": list(self.notes),
            "assumptions": list(self.assumptions),
            "at_instance": self.at_instance,
            "lhs": self.lhs_latex,
            "claim": self.claim,
            "symbolic": self.symbolic,
            "classes": self.classes,
            "conclusion": self.conclusion,
            "choices": list(self.choices),
            "readings": list(self.readings),
            "parts": [part.as_dict() for part in self.parts],
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=False)

    def _repr_markdown_(self) -> str:
        from derive.claims.report import render_markdown

        return render_markdown(self)


# --------------------------------------------------------------------------------------------------------
# One equation
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Judgment:
    verdict: Verdict
    condition: str | None = None
    condition_latex: str | None = None
    explanation: str = ""
    counterexample: Counterexample | None = None
    extra: dict[str, object] = field(default_factory=dict)


def _assumed_text(assumptions: Sequence[Assumption]) -> str | None:
    if not assumptions:
        return None
    return " and ".join(CONDITION_TEXT[a] for a in assumptions) + " (assumed)"


def _assumed_latex(assumptions: Sequence[Assumption]) -> str | None:
    return ", ".join(a.latex for a in assumptions) if assumptions else None


def judge(
    lhs: sympy.Expr,
    rhs: sympy.Expr,
    claim: MappedClaim,
    base: Sequence[Assumption],
    decider: Decider,
    restriction: sympy.Expr | None = None,
) -> _Judgment:
    """The holds / holds_if / fails / undecided logic for one equation."""
    if restriction is not None:
        lhs, rhs = lhs * restriction, rhs * restriction
    model = claim.model
    base = tuple(base)
    first = decider(lhs, rhs, model, base)
    if first.verdict == "proved":
        proved = _proved_text(model, base, _sizeless(lhs, rhs))
        return _Judgment("holds", _assumed_text(base), _assumed_latex(base), proved)
    if first.verdict == "undecided" and _split_on_delta(lhs, rhs, model, base, decider):
        return _Judgment(
            "holds",
            _assumed_text(base),
            _assumed_latex(base),
            _proved_text(model, base).replace("proved", "proved case by case (equal and different indices)"),
        )
    if first.verdict == "undecided":
        return _Judgment(
            "undecided",
            _assumed_text(base),
            _assumed_latex(base),
            f"no symbolic proof either way; all {first.samples} numeric samples agree",
        )
    onehot: Outcome | None = first if Assumption.ONE_HOT in base else None
    ladder: list[tuple[Assumption, ...]] = []
    if not _uses_targets(lhs, rhs):
        return _Judgment(
            "fails", None, None, "the two sides differ (no targets are involved)", first.counterexample
        )
    # The softmax's targets are one distribution: a claim true only when they sum to 1 holds under that
    # condition. The sigmoids' targets are labels of their own (0 or 1 each): "they sum to 1" would only
    # say that a lone label is 1 (sigma(z) - 1 for sigma(z) - y), so no condition is tried.
    if Assumption.ONE_HOT not in base and model.loss_kind != "sigmoid-bce":
        if Assumption.SUM_TO_ONE not in base:
            ladder.append((*base, Assumption.SUM_TO_ONE))
        ladder.append((*(a for a in base if a is not Assumption.SUM_TO_ONE), Assumption.ONE_HOT))
    for assumptions in ladder:
        try:
            outcome = decider(lhs, rhs, model, assumptions)
        except NumericEvaluationError:
            continue  # no value under this assumption (log y_j with one-hot y): it does not make it hold
        added = next(a for a in assumptions if a not in base)
        if outcome.verdict == "proved":
            return _Judgment(
                "holds_if",
                CONDITION_TEXT[added],
                added.latex,
                f"it does not hold for arbitrary targets, but it holds when {CONDITION_TEXT[added]}",
                first.counterexample,
            )
        if outcome.verdict == "undecided":
            return _Judgment(
                "undecided",
                CONDITION_TEXT[added],
                added.latex,
                f"false for arbitrary targets; when {CONDITION_TEXT[added]} every numeric sample "
                "agrees but there is no symbolic proof",
                first.counterexample,
            )
        if Assumption.ONE_HOT in assumptions:
            onehot = outcome
    if onehot is not None and onehot.holding_cases and restriction is None:
        # (with a restriction, the cases it excludes "hold" vacuously: no split is said)
        split = _split(onehot, claim, base)
        if split is not None:
            return split
    shown = onehot if onehot is not None else first
    why = "it is false even for one-hot targets" if onehot is not None else "the two sides differ"
    return _Judgment("fails", None, None, why, shown.counterexample)


def _index_deltas(*exprs: sympy.Expr) -> list[tuple[sympy.Idx, sympy.Idx]]:
    pairs: list[tuple[sympy.Idx, sympy.Idx]] = []
    for expr in exprs:
        for node in sympy.preorder_traversal(expr):
            if isinstance(node, sympy.KroneckerDelta) and all(isinstance(a, sympy.Idx) for a in node.args):
                pair = (node.args[0], node.args[1])
                if pair not in pairs:
                    pairs.append(pair)
    return pairs


def _is_delta_of(pair: set[sympy.Idx]) -> Callable[[sympy.Basic], bool]:
    def test(expr: sympy.Basic) -> bool:
        return isinstance(expr, sympy.KroneckerDelta) and set(expr.args) == pair

    return test


def first_is_numeric(decider: Decider) -> bool:
    """Numeric-only deciders never prove, so case splits are pointless for them."""
    return bool(getattr(decider, "numeric_only", False))


def _split_on_delta(
    lhs: sympy.Expr, rhs: sympy.Expr, model: Model, base: Sequence[Assumption], decider: Decider
) -> bool:
    """Prove an equation with a Kronecker delta of two free indices in two cases: equal, and different."""
    if first_is_numeric(decider):
        return False
    for p, q in _index_deltas(lhs, rhs)[:2]:
        if p.upper != q.upper or p == q:
            continue
        try:
            equal = decider(lhs.xreplace({q: p}), rhs.xreplace({q: p}), model, base)
        except NumericEvaluationError:
            return False
        if equal.verdict != "proved":
            continue
        try:
            evaluated = [model.evaluate(side) for side in (lhs, rhs)]
        except Exception:
            return False
        pair = {p, q}
        unequal = [side.replace(_is_delta_of(pair), lambda e: sympy.S.Zero) for side in evaluated]
        try:
            if decider(unequal[0], unequal[1], model, base).verdict == "proved":
                return True
        except NumericEvaluationError:
            return False
    return False


def _uses_targets(*exprs: sympy.Expr) -> bool:
    return any(
        expr.has(s.H)
        or any(
            isinstance(node, sympy.Indexed) and str(node.base) in ("y", "Y")
            for node in sympy.preorder_traversal(expr)
        )
        for expr in exprs
    )


def _sizeless(*exprs: sympy.Expr) -> bool:
    """Expressions of numbers only (one-variable calculus): no vector, matrix or size of the model."""
    return not any(expr.atoms(sympy.Indexed) or expr.free_symbols & {s.k, s.d, s.N} for expr in exprs)


def _proved_text(model: Model, base: Sequence[Assumption], sizeless: bool = False) -> str:
    size = "every number of classes k" if not isinstance(model.classes, int) else f"k = {model.classes}"
    text = "proved symbolically" if sizeless else f"proved symbolically for {size}"
    if base:
        text += " under the assumption that " + " and ".join(CONDITION_TEXT[a] for a in base)
    return text + "; numeric samples agree"


def _determines(
    cases: Sequence[Mapping[str, int]],
    holding: Sequence[Mapping[str, int]],
    key: Callable[[Mapping[str, int]], object],
) -> bool:
    held = {key(case) for case in holding}
    failed = {key(case) for case in cases if case not in holding}
    return not held & failed


def _true_class_letter(claim: MappedClaim) -> tuple[str, str]:
    r"""The letter the verdict calls the true class (text, LaTeX): c, or c* where the page's own index is c
    (``\partial L/\partial z_c`` for any class c: "holds for c = c" would say nothing)."""
    if "c" in {claim.page_index(str(i)) for i in claim.free_indices}:
        return "c*", "c^*"
    return "c", "c"


def _split(outcome: Outcome, claim: MappedClaim, base: Sequence[Assumption]) -> _Judgment | None:
    holding = list(outcome.holding_cases)
    cases = holding + list(outcome.failing_cases)
    if not cases or "c" not in cases[0] or claim.model.batch:
        return None  # a batch's examples have their own true classes: no one class splits its cases
    class_indices = [str(i) for i in claim.free_indices if _is_class_index(i, claim.model)]
    for name in class_indices:
        if all(name in case for case in cases) and _determines(cases, holding, _same_as_true_class(name)):
            page = claim.page_index(name)
            equal_holds = any(case[name] == case["c"] for case in holding)
            good, bad = ("=", "\\neq") if equal_holds else ("\\neq", "=")
            good_word, bad_word = ("=", "!=") if equal_holds else ("!=", "=")
            c, c_tex = _true_class_letter(claim)
            text = (
                f"with one-hot targets it holds for ${_tex_index(page)} {good} {c_tex}$ ({c} the true class) "
                f"and fails for ${_tex_index(page)} {bad} {c_tex}$"
            )
            return _Judgment(
                "fails",
                None,
                None,
                text,
                outcome.counterexample,
                {
                    "holds_for": f"{page} {good_word} {c}",
                    "fails_for": f"{page} {bad_word} {c}",
                    "holds_for_latex": f"{_tex_index(page)} {good} {c_tex}",
                    "fails_for_latex": f"{_tex_index(page)} {bad} {c_tex}",
                    "split_index": name,
                },
            )
    if _determines(cases, holding, lambda c: c["c"]):
        classes = sorted({case["c"] for case in holding})
        listed = ", ".join(str(c) for c in classes)
        word = "class" if len(classes) == 1 else "classes"
        condition = f"y is one-hot on {word} {listed}"
        latex = (
            f"y_j = \\delta_{{j{classes[0]}}}"
            if len(classes) == 1
            else f"y \\text{{ one-hot on a class in }} \\{{{listed}\\}}"
        )
        if base:
            condition += " (besides the assumed " + " and ".join(CONDITION_TEXT[a] for a in base) + ")"
        return _Judgment(
            "holds_if",
            condition,
            latex,
            f"with one-hot targets it holds only when the true class is {listed}",
            outcome.counterexample,
        )
    return None


def _same_as_true_class(name: str) -> Callable[[Mapping[str, int]], object]:
    def key(case: Mapping[str, int]) -> object:
        return case[name] == case["c"]

    return key


def _tex_index(name: str) -> str:
    return "\\ell" if name == "ell" else name


def _is_class_index(index: sympy.Idx, model: Model) -> bool:
    return bool(as_expr(index.upper) == as_expr(model.classes))


# --------------------------------------------------------------------------------------------------------
# Counterexamples and the user's own instance
# --------------------------------------------------------------------------------------------------------


def _counterexample_dict(
    counterexample: Counterexample | None, claim: MappedClaim
) -> dict[str, object] | None:
    if counterexample is None:
        return None
    indices = {
        (f"true class {_true_class_letter(claim)[0]}" if name == "c" else claim.page_index(name)): value
        for name, value in counterexample.indices.items()
    }
    sizeless = _sizeless(claim.lhs, *(side.expr for side in claim.sides if side.expr is not None))
    return {
        "classes": None if sizeless else counterexample.classes,
        "indices": indices,
        "values": counterexample.values,
        "claimed": _finite(counterexample.rhs),
        "true": _finite(counterexample.lhs),
        "source": "random sample",
    }


#: The variables ``--at`` can give, and how many axes each has.
AT_NAMES: dict[str, int] = {"x": 1, "b": 1, "y": 1, "z": 1, "W": 2}


def parse_at(values: Sequence[str]) -> dict[str, object]:
    """``['x=[1.9,0.4]', 'W=[[0.1,0.5],[0.1,0.5]]']`` -> {'x': [...], 'W': [[...]]} (finite JSON numbers)."""
    table: dict[str, object] = {}
    for text in values:
        name, sep, value = text.partition("=")
        name = name.strip()
        if not sep or name not in AT_NAMES:
            raise UsageError(f"--at {text[:40]!r}: write NAME=[numbers] with NAME one of x, W, b, y, z")
        if name in table:
            raise UsageError(f"--at {name} is given twice; give each variable once")
        if len(value) > 20_000:
            raise UsageError("--at value too long")
        try:
            parsed = json.loads(value, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            raise UsageError(f"--at {name}: the value must be a number or a list of numbers") from None
        _check_numbers(parsed, name, 0)
        depth = 2 if isinstance(parsed, list) and parsed and isinstance(parsed[0], list) else 1
        if depth != AT_NAMES[name]:
            want = "a matrix (a list of rows)" if AT_NAMES[name] == 2 else "a list of numbers"
            raise UsageError(f"--at {name} must be {want}")
        table[name] = parsed
    return table


def _reject_constant(name: str) -> object:
    raise ValueError(name)


def _check_numbers(value: object, name: str, depth: int) -> None:
    if depth > 2:
        raise UsageError(f"--at {name}: at most a matrix")
    if isinstance(value, list):
        if not value or len(value) > MAX_CLASSES:
            raise UsageError(f"--at {name}: 1 to {MAX_CLASSES} entries per row")
        for item in value:
            _check_numbers(item, name, depth + 1)
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"--at {name}: the value must be a number or a list of numbers")
    elif isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"--at {name}: {value} is not a finite number (at most about 1.8e308)")
    elif isinstance(value, int) and abs(value) > 10**300:
        raise UsageError(f"--at {name}: a number with {len(str(abs(value)))} digits is too large")


def _exact(value: object) -> sympy.Rational:
    fraction = Fraction(str(value))
    return sympy.Rational(fraction.numerator, fraction.denominator)


def _at_point(table: Mapping[str, object], claim: MappedClaim) -> tuple[Model, dict[Key, sympy.Rational]]:
    """The user's point; every size it implies must agree (never truncated): an error names both."""
    model = claim.model
    point: dict[Key, sympy.Rational] = {}
    classes: dict[str, int] = {}  # which --at says how many classes
    features: dict[str, int] = {}
    for name, value in table.items():
        assert isinstance(value, list)
        if name == "W":
            rows: list[Any] = value
            width = len(rows[0])
            if any(not isinstance(row, list) or len(row) != width for row in rows):
                raise UsageError("--at W: every row needs the same length")
            n_rows, n_cols = len(rows), width
            w_features, w_classes = (n_rows, n_cols) if model.convention == "Wt_x" else (n_cols, n_rows)
            classes[f"W ({n_rows}x{n_cols}, convention {model.convention})"] = w_classes
            features[f"W ({n_rows}x{n_cols}, convention {model.convention})"] = w_features
            for r, row in enumerate(rows, start=1):
                for c, item in enumerate(row, start=1):
                    point[(name, (r, c))] = _exact(item)
            continue
        (classes if name in ("y", "z", "b") else features)[name] = len(value)
        for i, item in enumerate(value, start=1):
            point[(name, (i,))] = _exact(item)
    for sizes, what in ((classes, "classes"), (features, "features")):
        given = list(sizes.items())
        other = next(((name, n) for name, n in given if n != given[0][1]), None)
        if other is not None:
            raise UsageError(f"--at {given[0][0]} gives {given[0][1]} {what} but {other[0]} gives {other[1]}")
    if not classes:
        raise UsageError("--at must give y, z or W so the number of classes is known")
    k = next(iter(classes.values()))
    if not MIN_AT_CLASSES <= k:
        raise UsageError(f"--at gives {k} class; give at least {MIN_AT_CLASSES}")
    if isinstance(model.classes, int) and model.classes != k:
        raise UsageError(f"--at gives {k} classes but the claim has k = {model.classes}")
    d = next(iter(features.values()), 2)
    for j in range(1, k + 1):
        point.setdefault(("b", (j,)), sympy.Integer(0))
    concrete = Model(k, d, 2, model.convention, False, model.loss_kind, model.bias)
    return concrete, point


#: The fewest classes a point given with --at can have.
MIN_AT_CLASSES = 2


def at_instance(claim: MappedClaim, rhs: sympy.Expr, table: Mapping[str, object]) -> dict[str, object]:
    """Both sides at the user's own point, for every value of the free indices."""
    if claim.model.batch:
        raise UsageError("--at is not supported for batch claims")
    concrete, point = _at_point(table, claim)
    sizes = {s.k: int(concrete.classes), s.d: int(concrete.features), s.N: 2}
    free = [i for i in claim.free_indices]
    level = concrete.bottom_level(claim.lhs, rhs)
    ranges = []
    for index in free:
        upper = as_expr(index.upper).xreplace({k: sympy.Integer(v) for k, v in sizes.items()})
        ranges.append(range(1, int(upper) + 1))
    rows: list[dict[str, object]] = []
    evaluator = Evaluator(concrete, point)
    for combo in itertools.product(*ranges):
        env: dict[sympy.Symbol, int] = {**sizes, **dict(zip(free, combo, strict=True))}
        try:
            with mpmath.workdps(DIGITS):
                true = evaluator.evaluate(claim.lhs, level, None, env).value
                claimed = evaluator.evaluate(rhs, level, None, env).value
        except NumericEvaluationError as error:
            raise UsageError(f"--at: {error}") from None
        agree = abs(true - claimed) <= mpmath.mpf("1e-30") * max(abs(true), abs(claimed), 1)
        rows.append(
            {
                "indices": {claim.page_index(str(i)): v for i, v in zip(free, combo, strict=True)},
                "true": _finite(float(true)),
                "claimed": _finite(float(claimed)),
                "agrees": bool(agree),
            }
        )
    values = {name: value for name, value in table.items()}
    return {
        "values": values,
        "classes": int(concrete.classes),
        "cases": rows,
        "agrees": all(bool(row["agrees"]) for row in rows),
    }


# --------------------------------------------------------------------------------------------------------
# Whole claims
# --------------------------------------------------------------------------------------------------------


#: The most digits a number in a claim (or in --wrt and --let) may have; real claims use a handful, and
#: Python refuses to convert integers of over 4300 digits.
MAX_DIGITS = 100

_LONG_NUMBER = re.compile(rf"[0-9][0-9.]{{{MAX_DIGITS},}}")


def _screen_numbers(text: str, where: str) -> None:
    match = _LONG_NUMBER.search(text)
    if match is not None:
        raise ParseError(
            f"{where} has a number of {len(match.group(0))} digits at character {match.start() + 1}; "
            f"at most {MAX_DIGITS} digits are read"
        )


def map_options(options: CheckOptions) -> MappedClaim:
    """Parse and map a claim with one reading (raises DeriveError subclasses on bad input)."""
    return map_readings(options)[0].claims[0]


@dataclass(frozen=True)
class MappedReading:
    """One reading of the claim text, mapped: one MappedClaim per equation it holds."""

    reading: ClaimReading
    claims: tuple[MappedClaim, ...]


_PRODUCT_CHOICE: Final = re.compile(r"^(?P<name>\S+) read as a product of \d+ symbols$")


def _named_ones(
    readings: tuple[ClaimReading, ...], options: CheckOptions, named: tuple[tuple[str, str], ...]
) -> tuple[ClaimReading, ...]:
    """The readings left when those that split a name the options define or map (``--define 'zloss =
    ...'``: zloss is one name, not five letters) are dropped; all of them if every reading splits one."""
    from derive.claims.mapping import parse_definition

    names = {page for page, _ in named}
    for text in options.define:
        try:
            names.add(parse_definition(text).name)
        except DeriveError:
            continue
    kept = tuple(
        reading
        for reading in readings
        if not any((m := _PRODUCT_CHOICE.match(c)) and m["name"] in names for c in reading.choices)
    )
    return kept or readings


#: A row of a chain that starts with words and then ``&=`` (its left side not written): the words say what
#: the new right side is (算上Batch后：& = \frac{1}{M}[...], "with the batch:"), often another quantity.
_WORDED_ROW: Final = re.compile(r"\s*(?:\\text\s*\{[^{}]*\}|[^&=\\$]*[^\x00-\x7f][^&=\\$]*)\s*&?\s*=")


def _without_worded_rows(reading: ClaimReading) -> ClaimReading:
    """A reading without the rows that start with words and no left side after a chain (noted): the rest is
    judged, where the whole text was refused for that row's missing left side."""
    if len(reading.claims) < 2:
        return reading
    kept = [
        claim
        for claim in reading.claims
        if not (len(claim.sides) == 1 and claim.qualifiers and _WORDED_ROW.match(claim.source))
    ]
    if len(kept) == len(reading.claims) or not kept or len(kept[0].sides) < 2:
        return reading
    dropped = [claim for claim in reading.claims if claim not in kept]
    said = "; ".join(f"{c.qualifiers[0]!r}" for c in dropped)
    note = f"{_UNJUDGED_ROW} {said} is not judged: its left side is not written (the words may say it)"
    return replace(reading, claims=tuple(kept), notes=(*reading.notes, note))


def _unjudged_row(result: CheckResult) -> CheckResult:
    """A chain that holds up to a row it could not judge (:func:`_without_worded_rows`) is not decided: the
    row may be a wrong last step. A chain wrong before it fails as it is."""
    unjudged = next((n for n in result.notes if n.startswith(_UNJUDGED_ROW)), None)
    if unjudged is None or result.verdict not in ("holds", "holds_if"):
        return result
    held = "holds" if result.verdict == "holds" else f"holds if {result.condition}"
    return replace(
        result,
        verdict="undecided",
        condition=None,
        condition_latex=None,
        counterexample=None,
        explanation=f"the text {held} up to the row it could not judge ({unjudged})",
    )


_UNJUDGED_ROW: Final = "a row after the words"


def map_readings(options: CheckOptions) -> list[MappedReading]:
    """Read the claim text and map every plausible reading (raises the first reading's error when none
    maps). A text whose notation allows two meanings (``y`` as the targets, or as the outputs when another
    symbol is the targets) is mapped both ways."""
    _screen_numbers(options.claim, "the claim")
    for text in (options.wrt or "", options.means or "", *options.let, *options.define, *options.where):
        _screen_numbers(text, "an option")
    options, means_said = _with_means_in_words(options)
    options, class_said = _with_true_class_where(options)
    options, examples_said = _with_loss_of_examples(options)
    means_said = (*means_said, *class_said, *examples_said)
    options = _with_definitions_split(options)
    given = options
    options, said = _with_page_words(options)
    said = (*means_said, *said)
    options, penalty = _with_penalty_written(options)
    options, defined = _with_defined_convention(options)
    said = (*said, *penalty, *defined)
    named = tuple((p.strip(), c.strip()) for p, _, c in (let.partition("=") for let in options.let))
    readings = _named_ones(read_claim(options.claim, options.syntax, options.means, named), options, named)
    readings = tuple(_without_worded_rows(r) for r in readings)
    readings, options, said_defined = _own_definitions(readings, options)
    said = (*said, *said_defined)
    readings = _without_inferred_loss_gradients(readings, options)
    readings, options, said_after = _qualifier_words(readings, options)
    said = (*said, *said_after)
    if said:
        readings = tuple(replace(r, notes=(*r.notes, *said)) for r in readings)
    mapped: list[MappedReading] = []
    errors: list[DeriveError] = []
    for reading in readings[:MAX_READINGS]:
        over_inputs = summed_over_inputs(reading.claims)
        if over_inputs is not None:  # Nielsen's \sum_x: over the training inputs
            reading = replace(reading, claims=over_inputs[0], choices=(*reading.choices, over_inputs[1]))
        _refuse_examples_losses(reading)
        readings_found, error = _mapped_or_refitted(reading, options)
        without_name = _name_of_a_derivative(reading) if error is not None else None
        if without_name is not None:
            # g = \nabla_z \ell = p - y: g names the derivative that follows; the claim is the rest
            readings_found.extend(_mapped_or_refitted(without_name, options)[0])
        if error is not None:
            errors.append(error)
        examples = examples_subscripted(reading.claims)
        if examples is not None:
            # \sum_i (\sigma(w^T x_i) - y_i) x_i: w^T x_i says x_i is a vector, example i's input; a
            # reading of x_i as one feature of x (w^T times a number) is not what the text writes
            rewritten = replace(reading, claims=examples[0], choices=(*reading.choices, examples[1]))
            found_examples = _mapped_or_refitted(rewritten, options)[0]
            if found_examples or error is not None:
                readings_found = found_examples
        mapped.extend(readings_found)
    for found in list(mapped):
        if (unfit := _first_side_error(found)) is not None:
            mapped.extend(_refitted_readings(found.reading, options, unfit))
    unstated = [error for error in errors if isinstance(error, UnstatedMeaningError)]
    unstated += [
        UnstatedMeaningError(side.error)
        for m in mapped
        for claim in m.claims
        for side in claim.sides
        if side.error is not None and side.error.startswith(UNSTATED_DIFFERENTIAL)
    ]
    if unstated:
        raise unstated[0]  # what the text means is not written: no other reading answers that
    if not mapped:
        mapped = _scalar_readings(readings, options)
    if not mapped:
        refusal = _definition_instead(readings, options) or errors[0]
        fallback = readings[0].code_error if all(r.code_error is not None for r in readings) else None
        definition = isinstance(refusal, (DefinitionNotClaimError, ExpressionNotClaimError))
        if fallback is not None and not definition:
            # code the code reader refused, read as math only as a fallback: its refusal says what to do
            raise fallback
        if isinstance(refusal, (ExpressionNotClaimError, UnstatedGradientError)):
            said_means = _means_from_words(given)
            if said_means is not None:  # an expression with no left side, and the words say what it is
                return said_means
        raise refusal
    # Code read as math only as a fallback, whose every reading leaves the claimed side unread: the code's
    # own refusal says what to do (loss_ce(P, Y) as math is the loss of one example; as code, undefined)
    fallback = mapped[0].reading.code_error
    if fallback is not None and all(
        m.reading.code_error is not None and any(c.sides[-1].error for c in m.claims) for m in mapped
    ):
        raise fallback
    # A name split into letters one of which is read as the loss (KL as K times L, NLL as N L L) is no
    # product anyone writes: that reading is dropped, and when it is the only one the text is refused.
    multiplied = [_multiplies_the_loss(m) for m in mapped]
    if any(multiplied):
        kept_readings = [m for m, loss in zip(mapped, multiplied, strict=True) if loss is None]
        if not kept_readings:
            if errors:
                raise errors[0]  # what the text's other reading (the name as one) did not understand
            name = next(loss for loss in multiplied if loss is not None)
            raise NotationError(
                f"{name} is not a recognized name (read as letters it would multiply the loss); say what it "
                f"is with --define '{name} = ...'"
            )
        mapped = kept_readings
    # A reading that leaves a side unread (x(...) as a call, pu as one unknown name) gives way to one that
    # reads every side.
    unread = [sum(side.expr is None for claim in m.claims for side in claim.sides) for m in mapped]
    if min(unread) > 0 and (scalar := _scalar_readings(readings, options)):
        # d sigma(x)/dx = sigma(x)(1 - sigma(x)): the model's reading (x the input, sigma a softmax) leaves a
        # side unread; the text is one-variable calculus
        mapped, unread = [*mapped, *scalar], [*unread, *(0 for _ in scalar)]
    mapped = [m for m, count in zip(mapped, unread, strict=True) if count == min(unread)]
    # Two ways to the same reading (z = W x + b, then columns; columns alone) are one reading
    kept: dict[object, MappedReading] = {}
    for m in mapped:
        key = tuple(
            (c.lhs, tuple(side.expr for side in c.sides), c.model.convention, c.model.batch, _tempered(c))
            for c in m.claims
        )
        kept.setdefault(key, m)
    mapped = list(kept.values())
    # dW read as d times W (d the number of features) gives way to dW read as a differential: an equation
    # between d W and the right side is no claim about the loss
    if any(_DIFFERENTIAL.search(c) for m in mapped for c in m.reading.choices):
        mapped = [m for m in mapped if not any(_D_TIMES.search(c) for c in m.reading.choices)] or mapped
    # A reading that reads two page names as one vector by a guess (P and Y both the targets, s and p both
    # the output) gives way to readings that tell them apart.
    clashing = [_clashes(m, options.claim) for m in mapped]
    if any(clashing) and not all(clashing):
        mapped = [m for m, clash in zip(mapped, clashing, strict=True) if not clash]
    elif clashing and all(clashing) and all(
        m.reading.syntax in ("python", "code") or _two_letters_for_the_output(m) for m in mapped
    ):
        # two of the page's names guessed as one vector (student_logits and teacher_logits both the logits;
        # p and q both the output, no targets): its values would be compared with themselves (a
        # distillation gradient of 0 "held", p - q a wrong fails)
        raise NotationError(f"{_clash_names(mapped[0])}; say what each is with --let or --define")
    # A reading under which an option's name and the model's own letter, both written, are one vector
    # (--let y=a, and the text writes a_k too) gives way; when every reading does, the text is refused.
    taken = [_letter_taken(m) for m in mapped]
    if any(taken):
        mapped = [m for m, why in zip(mapped, taken, strict=True) if why is None]
        if not mapped:
            raise NotationError(next(why for why in taken if why is not None))
    # A reading of a run of letters as one name (Xw) beside one of its letters written on its own (X) gives
    # way to the others; when it is the only one, the text is refused with what the others met: it had
    # held 1/m X (sigma(Xw) - y), a missing transpose.
    beside = [_one_name_beside_its_letter(m) for m in mapped]
    if any(beside):
        if all(beside):
            if errors:
                raise errors[0]
            raise NotationError(f"{next(b for b in beside if b)}: read as one name beside its own letter")
        mapped = [m for m, why in zip(mapped, beside, strict=True) if why is None]
    # A reading that takes the logarithm of the targets (-\sum_j t_j \ln y_j with t the output) gives way
    # to one that takes it of the output: no loss pages write logs data.
    logged = [_logs_the_targets(m) for m in mapped]
    if any(logged) and not all(logged):
        mapped = [m for m, flag in zip(mapped, logged, strict=True) if not flag]
    # A reading under which a step differentiates the targets (\partial y_i/\partial z_j with y the
    # targets: 0, data do not depend on the logits) gives way to one under which it does not.
    differentiating = [_differentiates_targets(m) for m in mapped]
    if any(differentiating) and not all(differentiating):
        mapped = [m for m, flag in zip(mapped, differentiating, strict=True) if not flag]
    # A reading with no targets at all (kd_grad's q read as a second softmax output beside the one the code
    # computes) gives way to the reading of that name as the targets.
    compared = [any(_COMPARED_WITH_OUTPUT.search(c) for c in m.reading.choices) for m in mapped]
    if any(compared):
        mapped = [
            m for m, flag in zip(mapped, compared, strict=True)
            if flag or any(e.canonical in ("y", "Y") for c in m.claims for e in c.mapping)
        ]  # fmt: skip
    # \frac{\partial t_j}{y_j} read as a fraction (a stray \partial) only where its reading as a derivative
    # (a lost \partial, the likelier typo) has given way
    stray = [any(_STRAY_PARTIAL.search(c) for c in m.reading.choices) for m in mapped]
    if any(stray) and not all(stray):
        mapped = [m for m, flag in zip(mapped, stray, strict=True) if not flag]
    # (only now, after the readings that give way have gone, are the rest cut to the most judged)
    mapped = mapped[:MAX_READINGS]
    if options.batch_loss is not None:
        mapped = [_with_batch_loss(m, options.batch_loss, "") for m in mapped]
    elif (written := _batch_loss_written(options.claim)) is not None:
        mapped = [_with_batch_loss(m, written, f" (the text itself takes a {written})") for m in mapped]
    # Words that name another loss (the claim's own prose, or the page's words with no symbol for it: "MSE
    # loss with a sigmoid output a") leave a guessed loss symbol unread, unless the user chose the loss.
    other_loss, where_said = None, "the text says"
    if given.loss == "softmax-ce":
        other_loss = _other_loss_in_prose(options.claim)
        if other_loss is None and given.notation:
            in_words = _OTHER_LOSS_NAMED.search(given.notation)
            if in_words is not None:
                other_loss, where_said = in_words.group(0), "the page's words say"
    loss_unstated = any(_about_an_unstated_loss(c, options.claim) for m in mapped for c in m.claims)
    if other_loss is not None and loss_unstated:
        raise NotationError(
            f"{where_said} the loss is another one than the cross-entropy (\"{other_loss}\"): give it with "
            "--define (and what the claim is the gradient of with --means) to check the claim against it"
        )
    if penalty and any(c.lhs.has(s.H) for m in mapped for c in m.claims):
        # the built-in loss's penalty (a loss the page defines, code's own, has its scale written)
        mapped = [_with_penalty_scale(m, scale) for m in mapped for scale in _PENALTY_SCALES]
    if options.reading is not None:
        if not 1 <= options.reading <= len(mapped):
            raise UsageError(f"--reading {options.reading}: the text has {len(mapped)} reading(s)")
        return [mapped[options.reading - 1]]
    return mapped


def _multiplies_the_loss(found: MappedReading) -> str | None:
    """The name a reading splits into letters, one of which it reads as the loss (``KL`` as K L); None
    when it splits none so."""
    split = [m["name"] for c in found.reading.choices if (m := _PRODUCT_CHOICE.match(c))]
    if not split:
        return None
    losses = {
        e.page for claim in found.claims for e in claim.mapping if e.canonical == "H" and len(e.page) == 1
    }
    return next((name for name in split if set(name) & losses), None)


def _name_of_a_derivative(reading: ClaimReading) -> ClaimReading | None:
    r"""The reading without a chain's first side when that is a name the text gives the derivative after
    it (``g = \nabla_z \ell = p - y``, ``\delta = \frac{\partial L}{\partial z} = a - y``), shown as a choice;
    None when the chain does not start so."""
    if len(reading.claims) != 1 or len(reading.claims[0].sides) < 3:
        return None
    claim = reading.claims[0]
    first, second = claim.sides[:2]
    if not isinstance(first, Symbol) or first.example is not None or first.primes or first.transposed:
        return None
    if is_known_name(first) or not isinstance(second, Derivative):
        return None
    said = f"{format_node(first)} names the derivative after it (the claim is the rest of the chain)"
    return replace(
        reading, claims=(replace(claim, sides=claim.sides[1:]),), choices=(*reading.choices, said)
    )


#: A loss other than the cross-entropy named in a text's words (outside its formulas, or in \text{}).
_OTHER_LOSS_NAMED: Final = re.compile(
    r"\b(?:MSE|mean[- ]squared[- ]error|(?:sum\s+of\s+)?squared[- ]errors?|quadratic\s+(?:loss|cost)|"
    r"focal\s+loss|hinge\s+loss|huber\s+loss|dice\s+loss|triplet\s+loss|contrastive\s+loss|z-loss|"
    r"distillation\s+loss)\b"
    # the loss scaled ("L = T^2 times the cross-entropy"): not the built-in loss as it stands
    r"|(?:T\^\{?2\}?|T²|T\*\*2)\s*(?:times\b|\*|×|\\cdot|\\times)|\b(?:multiplied|scaled)\s+by\s+(?:T\^\{?2\}?|T²)",
    re.I,
)
#: A formula's delimiters, and the words inside \text{} (prose within the formula).
_MATH_SPAN: Final = re.compile(r"\$\$.*?\$\$|\$.*?\$|\\\(.*?\\\)|\\\[.*?\\\]", re.S)
_TEXT_COMMAND: Final = re.compile(r"\\(?:text|textrm|mbox|textit|textbf)\s*\{([^{}]*)\}")


def _other_loss_in_prose(text: str) -> str | None:
    """The words of a text (outside its formulas, or in ``\\text{}``) that name a loss other than the
    cross-entropy ("for the MSE loss", ``\\text{ (focal loss)}``), if any."""
    words = _MATH_SPAN.sub(" ", text) + " " + " ".join(_TEXT_COMMAND.findall(text))
    if "$" not in text and "\\(" not in text and "\\[" not in text:
        # no delimiters: the whole text is one formula or plain text; its commands are not words
        commands = re.sub(r"\\[A-Za-z]+\s*(?:\{[^{}]*\})?", " ", text)
        words = " ".join(_TEXT_COMMAND.findall(text)) + " " + commands
    found = _OTHER_LOSS_NAMED.search(words)
    return found.group(0) if found is not None else None


def _about_an_unstated_loss(claim: MappedClaim, text: str) -> bool:
    """A claim about the built-in loss whose page never named it as such: a guessed loss symbol, or none at
    all (Nielsen's delta^L read as dC/dz, which the text does not write as H)."""
    written = re.search(r"(?<![A-Za-z\\])H(?![A-Za-z])", text) is not None
    named = any(e.canonical == "H" and not e.guessed and (e.page != "H" or written) for e in claim.mapping)
    return _about_the_guessed_loss(claim) or (claim.lhs.has(s.H) and not named)


def _about_the_guessed_loss(claim: MappedClaim) -> bool:
    """A claim about the loss (its value or a derivative of it) whose loss symbol is a guess, not defined."""
    return claim.lhs.has(s.H) and any(e.canonical == "H" and e.guessed for e in claim.mapping)


def _scalar_readings(readings: Sequence[ClaimReading], options: CheckOptions) -> list[MappedReading]:
    """A text the model does not read, read as one-variable calculus (:mod:`derive.claims.scalar`) where
    it is one: with no option that names the model's symbols, and never code."""
    from derive.claims.scalar import describe, scalar_claim

    if options.let or options.define or options.means or options.wrt or options.where:
        return []
    found: list[MappedReading] = []
    for reading in readings:
        if reading.syntax in ("python", "code") or len(reading.claims) != 1:
            continue
        claim = reading.claims[0]
        scalar = scalar_claim(claim)
        if scalar is None:
            continue
        said = describe(claim, scalar)
        why = "one-variable calculus"
        entries = (
            MappingEntry(scalar.variable, "a real variable", True, why),
            *(MappingEntry(name, "a real number", True, why) for name in scalar.constants),
        )
        lhs, *rights = scalar.sides
        sides = tuple(MappedSide(format_node(n), e) for n, e in zip(claim.sides[1:], rights, strict=True))
        mapped = MappedClaim(lhs, format_node(claim.sides[0]), sides, Model(), entries, (), ())
        found.append(MappedReading(replace(reading, choices=(*reading.choices, said)), (mapped,)))
    return found


def _mapped_or_refitted(
    reading: ClaimReading, options: CheckOptions
) -> tuple[list[MappedReading], DeriveError | None]:
    """A reading mapped, or when it does not map, the readings its error points to, and that error."""
    try:
        return _readings_of(reading, options, (), None), None
    except NotationHintError as hinted:
        found = _hinted_readings(reading, options, hinted, (), None, depth=2)
        # no reading the hint names fits (the convention is stated, or the code's own forward pass fixes
        # it): a claim indexed as the transpose of what it claims fails so
        return found or _transposed_readings(reading, options, str(hinted)), hinted
    except DeriveError as error:
        return _refitted_readings(reading, options, str(error)), error


#: The right side of a formula that defines a symbol, not a value (where s_i = 0.5 is a point).
_DEFINING: Final = re.compile(r"e\^|\bexp\b|\\exp|\\frac|\\sum|\bsum\b|\blog\b|\\log|\\ln|softmax|sigma|/")


def _qualifier_words(
    readings: Sequence[ClaimReading], options: CheckOptions
) -> tuple[tuple[ClaimReading, ...], CheckOptions, tuple[str, ...]]:
    """A formula's trailing words that say what a symbol is ("where p = softmax(z)", "where o are the
    logits") are read as the page's words on its notation (``--notation``), shown the same way, instead of
    being refused as a condition in words. Words that also state a condition or a value stay as they are.
    """
    from derive.claims.words import read_words

    explained: list[str] = []
    confirmed: list[str] = []
    for reading in readings:
        for claim in reading.claims:
            for qualifier in claim.qualifiers:
                words = read_words(qualifier)
                # only what symbols are: a value (where p_i = 0.5) is a point, not a definition; a
                # formula for a symbol the claim uses is its definition only when it reads
                if words.where or qualifier in explained:
                    continue
                defines = [define for define, _ in words.defines]
                usable = all(
                    _DEFINING.search(define.partition("=")[2]) and _usable_definition(define, options, ())
                    for define in defines
                )
                if not usable:
                    continue
                if words.lets or words.confirms or defines:
                    explained.append(qualifier)
                if words.confirms and not words.lets:
                    confirmed.append(qualifier)
    if not explained:
        return tuple(readings), options, ()
    changed, said = _with_page_words(replace(options, notation="; ".join(explained)))
    said = (*said, *(f"the words ({q}) say what derive reads already" for q in confirmed))
    changed = replace(changed, notation=options.notation)
    kept = tuple(
        replace(
            reading,
            claims=tuple(
                replace(claim, qualifiers=tuple(q for q in claim.qualifiers if q not in explained))
                for claim in reading.claims
            ),
        )
        for reading in readings
    )
    return kept, changed, said


#: "where" between two definitions in one --define: ``L = (\log Z)^2 \text{ where } Z = \sum_j e^{z_j}``.
_WHERE_BETWEEN: Final = re.compile(
    r"(?:\\quad|\\qquad|,)?\s*(?:\\text\{\s*,?\s*(?:where|with)\s*\}|\b(?:where|with)\b)\s*", re.I
)


def _with_definitions_split(options: CheckOptions) -> CheckOptions:
    r"""The options with each ``--define`` that holds several definitions (``L = -\sum_k q_k \log p_k,
    \quad q_k = (1-\epsilon) y_k + \epsilon/K``; ``... where Z = \sum_j e^{z_j}``; ``\text{with } q_k =
    ...``) split into one per definition, as if each had been given on its own (the later ones had been
    dropped). A text whose pieces are not each a definition is kept as given."""
    from derive.claims.code import detect_code

    split: list[str] = []
    for define in options.define:
        if detect_code(define) is not None and CODE_MARKERS.search(define):
            split.append(define)
            continue
        parts: list[str] = []
        for piece in (p for p in _WHERE_BETWEEN.split(define) if p.strip()):
            try:
                claims = read_claim(piece)[0].claims
            except DeriveError:
                parts = []
                break
            if not all(len(c.sides) == 2 and isinstance(c.sides[0], (Symbol, Call)) for c in claims):
                parts = []
                break
            parts.extend([claim.source for claim in claims] if len(claims) > 1 else [piece])
        split.extend(parts if len(parts) > 1 else [define])
    return options if tuple(split) == options.define else replace(options, define=tuple(split))


def _own_definitions(
    readings: tuple[ClaimReading, ...], options: CheckOptions
) -> tuple[tuple[ClaimReading, ...], CheckOptions, tuple[str, ...]]:
    r"""A text of several equations that defines a symbol derive only guesses or does not know and uses it
    in its other equations (``Let $u_k = e^{z_k}$. Then $\frac{\partial H}{\partial z_k} = \frac{u_k}{\sum_j
    u_j} - y_k$``): the definition is the page's word, applied to the others as ``--define`` (shown), not
    judged as a claim about a guessed letter, as a post's definitions are (:mod:`derive.post.judge`). A
    definition that does not read, or a symbol the user defines or maps, is left as written."""
    if not readings or len(readings[0].claims) < 2:
        return readings, options, ()
    claims = readings[0].claims
    given = {let.partition("=")[0].strip() for let in options.let}
    defines: list[str] = []
    sources: set[str] = set()
    for claim in claims:
        if len(claim.sides) != 2 or claim.conditions or claim.qualifiers:
            continue
        left = claim.sides[0]
        symbol = left.function if isinstance(left, Call) else left
        if not isinstance(symbol, Symbol) or symbol.primes or _certainly_canonical(symbol):
            continue
        if any(isinstance(n, (Derivative, Differential)) for n in walk(claim.sides[1])):
            continue
        used = any(
            isinstance(n, Symbol) and (n.name, n.decoration) == (symbol.name, symbol.decoration)
            for other in claims
            if other is not claim
            for side in other.sides
            for n in walk(side)
        )
        name = format_node(replace(symbol, indices=()))
        if not used or name in given or symbol.name in given:
            continue
        try:
            map_definition(claim, lets=options.let, defines=(*options.define, *defines), loss=options.loss,
                           convention=options.model_convention)  # fmt: skip
        except DeriveError as error:
            # \tilde{z}_k = z_k - \max_j z_j: a shift that cancels only where it is used (inside a softmax)
            if "the max in the definition does not cancel" not in str(error):
                continue
        defines.append(claim.source)
        sources.add(claim.source)
    if not defines:
        return readings, options, ()
    kept = tuple(
        replace(r, claims=rest)
        for r in readings
        if (rest := tuple(c for c in r.claims if c.source not in sources))
    )
    if not kept:
        return readings, options, ()
    said = tuple(
        f"--define '{define}' (the text's own definition, used in its other equations: applied, not judged)"
        for define in defines
    )
    return kept, replace(options, define=(*options.define, *defines)), said


def _certainly_canonical(symbol: Symbol) -> bool:
    """The model's own letter (a, z, y, W, ...), not a notation derive only guesses (p, s, o)."""
    from derive.claims.mapping import CANONICAL, CANONICAL_BATCH

    return symbol.decoration is None and (symbol.name in CANONICAL or symbol.name in CANONICAL_BATCH)


def _without_inferred_loss_gradients(
    readings: tuple[ClaimReading, ...], options: CheckOptions
) -> tuple[ClaimReading, ...]:
    """Code whose value the reader took for the loss's gradient (by its name, ``grad``), where the page's
    words say it is the gradient of something else ("the gradient of logsumexp(z)"): those readings go;
    when none is left, one line says what to give."""
    if options.means or options.wrt or not options.notation:
        return readings
    from derive.claims.words import gradient_of_another

    found = gradient_of_another(options.notation)
    if found is None:
        return readings
    said, subject = found
    assigned = re.findall(r"(?m)^[ \t]*([A-Za-z_]\w*)[ \t]*(?:[-+*/]?=)(?!=)", options.claim)
    if subject is not None and subject in assigned and assigned[-1] != subject:
        return readings  # the words are about another of the code's values ("dS is ..." before dW = ...)

    def of_the_loss(reading: ClaimReading) -> bool:
        lhs = reading.means.operand if isinstance(reading.means, Neg) else reading.means
        code = reading.syntax in ("python", "code")
        return code and isinstance(lhs, Derivative) and lhs.of == Symbol("H")  # inferred: no --means

    kept = tuple(r for r in readings if not of_the_loss(r))
    if not kept:
        raise NotationError(
            f"the page's words say the code computes the {said}, not the loss's gradient: give it with "
            "--define 'F = ...' and --means 'dF/dz'"
        )
    return kept


def _with_true_class_where(options: CheckOptions) -> tuple[CheckOptions, tuple[str, ...]]:
    """``--where 'c is the true class'``: said as a condition, it names the letter for the true class, read
    as the page's words read it (``--let c=c``, ``--let k=c``), shown."""
    from derive.claims.words import read_words

    lets, where, said = list(options.let), [], []
    for condition in options.where:
        named = [let for let, _ in read_words(condition).lets if let.endswith("=c")]
        if len(named) != 1:  # an index condition (j != c): the words name no letter
            where.append(condition)
            continue
        lets.append(named[0])
        said.append(f"--where '{condition}' read as --let '{named[0]}' (the letter of the true class)")
    if not said:
        return options, ()
    return replace(options, let=tuple(lets), where=tuple(where)), tuple(said)


def _with_loss_of_examples(options: CheckOptions) -> tuple[CheckOptions, tuple[str, ...]]:
    """``--define 'L = \\frac{1}{N}\\sum_n L_n'``: the loss as the mean (or the sum) of its examples' own is
    how a batch's loss is made, read as ``--batch-loss`` (as a definition it refers to itself), shown."""
    from derive.claims.words import loss_of_examples

    kept, said, batch_loss = [], [], options.batch_loss
    for define in options.define:
        how = loss_of_examples(define)
        if how is None or (batch_loss is not None and batch_loss != how):
            kept.append(define)
            continue
        batch_loss = cast(BatchLoss, how)
        said.append(f"--define '{define}' read as --batch-loss {how} (a batch's loss from its examples')")
    if not said:
        return options, ()
    return replace(options, define=tuple(kept), batch_loss=batch_loss), tuple(said)


def _with_means_in_words(options: CheckOptions) -> tuple[CheckOptions, tuple[str, ...]]:
    """A ``--means`` written in words (``--means 'gradient of the loss w.r.t. the logits'``, ``'dL/dz_i
    for L = -sum_j y_j log a_j'``) read as the derivative they say (``dH/dz``), shown; one clear line when
    they say none."""
    if options.means is None:
        return options, ()
    from derive.claims.words import is_prose, means_option

    if not is_prose(options.means):
        return options, ()
    found = means_option(options.means)
    if found is None:
        raise UsageError(
            f"--means {options.means!r}: the words do not say one derivative of the model's loss (write "
            "it as 'dH/dz', 'dL/dW' or 'dloss/dlogits' with the text's names; a loss of the page's own "
            "goes in --define)"
        )
    note = f"--means '{found[0]}' (read from the words of --means: \"{found[1]}\")"
    return replace(options, means=found[0]), (note,)


def _means_from_words(options: CheckOptions) -> list[MappedReading] | None:
    """The readings of an expression with no left side as the gradient the page's words name ("the
    gradient w.r.t. the logits": ``--means 'dH/dz'``), with that choice shown; None when the words name
    none (or the user gave --means or --wrt)."""
    if options.means or options.wrt or not options.notation:
        return None
    from derive.claims.words import read_words

    means = read_words(options.notation).means
    if means is None:
        return None
    note = f"--means '{means[0]}' (the page's words: \"{means[1]}\")"
    try:
        mapped = map_readings(replace(options, means=means[0]))
    except DeriveError:
        return None
    return [replace(m, reading=replace(m.reading, notes=(*m.reading.notes, note))) for m in mapped]


def _differentiates_targets(mapped: MappedReading) -> bool:
    """Whether a side of the reading holds a derivative of the targets (y or Y alone)."""
    for claim in mapped.claims:
        for side in claim.sides:
            if side.expr is None:
                continue
            for derivative in side.expr.atoms(sympy.Derivative):
                bases = {str(x.base.label) for x in derivative.expr.atoms(sympy.Indexed)}
                if bases and bases <= {"y", "Y"}:
                    return True
    return False


def _clashes(mapped: MappedReading, text: str) -> bool:
    """Whether the reading maps two names the text writes (not calls such as softmax(z)) to one of the
    model's vectors, at least one of them by a guess."""
    code = mapped.reading.syntax in ("python", "code")
    for claim in mapped.claims:
        by_vector: dict[str, list[MappingEntry]] = {}
        for entry in claim.mapping:
            if entry.page == entry.canonical and (
                not _occurs(entry.page, text)
                or _mapped_away(entry.page, claim.mapping)
                or (code and _assigned(entry.page, text))
            ):
                # the model's own letter, listed for a mapping, not written by the page (or only as a
                # name the code assigns: cs231n's Z = np.sum(np.exp(shifted)), not the logits)
                continue
            if _COMPARISON.search(entry.page):
                continue  # i = k, 1\{y = j\}: a comparison with the true class, not a name for the targets
            if entry.canonical.lower() in ("a", "y", "z") and "(" not in entry.page:
                by_vector.setdefault(entry.canonical.lower(), []).append(entry)
        for entries in by_vector.values():
            # p and P, y and Y: one vector's entries and its batch, not two names
            if len({e.page.lower() for e in entries}) > 1 and any(e.guessed for e in entries):
                return True
    return False


def _assigned(name: str, text: str) -> bool:
    """Whether code assigns ``name`` (``Z = ...``, ``a, Z = ...``): a value of its own, not an input."""
    if not re.fullmatch(r"[A-Za-z_]\w*", name):
        return False
    others = r"[\w.]+[ \t]*"
    pattern = rf"(?m)^[ \t]*(?:{others},[ \t]*)*{name}[ \t]*(?:,[ \t]*{others})*=(?!=)"
    return re.search(pattern, text) is not None


def _two_letters_for_the_output(mapped: MappedReading) -> bool:
    r"""Two plain letters (``p_i - q_i``), not one vector's spellings (``\mathbf{x}`` and ``x``, Σ and
    σ(Z)), both read as the output, one at least by a guess, and nothing read as the targets."""
    entries = [entry for claim in mapped.claims for entry in claim.mapping]
    if any(entry.canonical in ("y", "Y") for entry in entries):
        return False
    outputs = _output_letters(entries)
    return len({_letter_of(e.page).lower() for e in outputs}) > 1 and any(e.guessed for e in outputs)


def _output_letters(entries: Sequence[MappingEntry]) -> list[MappingEntry]:
    """The page's one-letter names (maybe hatted or bold) read as the softmax output, not the model's own
    letter a (``a_j = Q(x_j)`` names one vector twice on purpose)."""
    return [
        e for e in entries
        if e.canonical in ("a", "A") and _PLAIN_OR_HAT.fullmatch(e.page)
        and _letter_of(e.page) not in ("a", "A")
    ]  # fmt: skip


def _clash_names(mapped: MappedReading) -> str:
    """The text's names a reading maps to one vector by a guess, in words."""
    for claim in mapped.claims:
        by_vector: dict[str, set[str]] = {}
        for entry in claim.mapping:
            if entry.page != entry.canonical and "(" not in entry.page and not _COMPARISON.search(entry.page):
                by_vector.setdefault(entry.canonical, set()).add(entry.page)
        for vector, pages in by_vector.items():
            if len({page.lower() for page in pages}) > 1:
                role = _ROLES.get(vector.lower(), vector)
                return f"{' and '.join(sorted(pages))} would both be {vector} ({role})"
    return "two of the text's names would be one vector"


def _letter_taken(mapped: MappedReading) -> str | None:
    """What is wrong when the reading maps a page name to one of the model's vectors by an option (``--let
    y=a``, or the page's words) while the same equation also writes that vector's own letter, read as the
    model's (``a_k``): two of the page's names would be one vector. None when it does not."""
    equations = mapped.reading.claims if len(mapped.reading.claims) == len(mapped.claims) else None
    for number, claim in enumerate(mapped.claims):
        sources = [equations[number]] if equations is not None else list(mapped.reading.claims)
        nodes = [node for source in sources for side in source.sides for node in walk(side)]
        symbols = [node for node in nodes if isinstance(node, Symbol)]
        written = {node.name for node in symbols if node.decoration in (None, "bold")}
        named = {node.name for node in symbols}
        for entry in claim.mapping:
            vector, letter = entry.canonical, _letter_of(entry.page)
            if (
                vector.lower() not in ("a", "y", "z")
                or entry.guessed
                or letter == vector  # z_{i}, \mathbf{z}: the vector's own letter
                or letter not in named  # an option about a name this equation does not have
                or _COMPARISON.search(entry.page)
            ):
                continue
            if vector in written and not _mapped_away(vector, claim.mapping):
                return (
                    f"the text writes ${vector}$, and ${entry.page}$ is read as ${vector}$ "
                    f"({_ROLES[vector.lower()]}): two of its names would be one vector; say what ${vector}$ "
                    f"is with --let '{vector}=...'"
                )
    return None


def _letter_of(page: str) -> str:
    """The name of a page's symbol without its decoration and scripts (``\\mathbf{z}_{i}``: z)."""
    bare = ""
    while bare != page:  # \hat{\mathbf{y}}: innermost first
        bare, page = page, re.sub(r"\\[A-Za-z]+\s*\{([^{}]*)\}", r"\1", page)
    return re.split(r"[_^({]", bare, maxsplit=1)[0]


#: What the model's vectors are, for messages.
_ROLES: Final = {"a": "the softmax output", "y": "the targets", "z": "the logits"}


def _mapped_away(letter: str, mapping: Sequence[MappingEntry]) -> bool:
    """Whether the page's own ``letter`` is mapped to another symbol (``a_{k} -> z_{k}``): the model's
    letter listed beside it is then not the page's."""
    own = re.compile(rf"{re.escape(letter)}(?![A-Za-z0-9])")
    return any(e.page != e.canonical and own.match(_unbold(e.page)) for e in mapping)


def _unbold(page: str) -> str:
    """A page name without its bold (``\\mathbf{y}^{(n)}``: ``y^{(n)}``): bold is vector typesetting."""
    return re.sub(r"\\(?:mathbf|boldsymbol|bm)\s*\{([^{}]*)\}", r"\1", page)


def _occurs(name: str, text: str) -> bool:
    # y_i, y^{(i)}, \hat{y}: the name, then an index or nothing; \hat{y} also as ŷ, \hat y, y + U+0302
    return any(
        re.search(rf"(?<![A-Za-z0-9_]){re.escape(spelling)}(?![A-Za-z0-9])", text) is not None
        for spelling in _spellings(name)
    )


def _index_occurs(index: str, text: str) -> bool:
    """Whether the claim writes the index letter (``p_i``, ``z_{ij}``, ``[i]``), not only inside a word."""
    return re.search(rf"(?<![A-Za-z\\]){re.escape(index)}(?![A-Za-z])", text) is not None


#: The combining accent of each accent command (``\hat{y}`` is also ``ŷ``, ``y`` + U+0302).
_COMBINING: Final = {"hat": "\u0302", "tilde": "\u0303", "bar": "\u0304"}


def _spellings(name: str) -> tuple[str, ...]:
    r"""The ways a page writes a name: an accented letter also as ``\hat y`` and in Unicode."""
    accented = re.fullmatch(r"\\(?P<accent>hat|tilde|bar)\{(?P<letter>[A-Za-z])\}", name)
    if accented is None:
        return (name,)
    accent, letter = accented["accent"], accented["letter"]
    combined = letter + _COMBINING[accent]
    return (name, f"\\{accent} {letter}", unicodedata.normalize("NFC", combined), combined)


#: The temperature's symbol in a claim.
_TEMPERATURE_SYMBOL: Final = re.compile(r"(?<![A-Za-z\\])(?:T|\\tau|τ)(?![A-Za-z])")
#: A name that notes write for a hatted symbol: ``Yhat``, ``y_hat``, ``hat_y``.
_HAT_NAME: Final = re.compile(r"(?P<a>[A-Za-z])_?hat|hat_?(?P<b>[A-Za-z])")


def _as_written(let: str, claim: str) -> str | None:
    """A let from the page's words in the claim's own spelling (None when the claim does not have its
    symbol): the words' ``Yhat=a`` is ``\\hat{Y}=A`` when the claim writes ``\\hat{\\mathbf{Y}}``. A capital
    letter the claim writes without indices, in a claim with no vector of one example (z, a, y, x), is a
    matrix: the words' ``P=a`` is then the batch, ``P=A``."""
    name, _, target = let.partition("=")
    if target == "c":  # "k is the true label": the index k, written as a subscript (z_k, p_{k}, \delta_{jk})
        letter = re.escape(name)
        alone = rf"(?<![A-Za-z0-9\\]){letter}(?![A-Za-z0-9])"
        written = re.search(rf"{alone}|_\{{[A-Za-z,\s]*(?<![\\]){letter}[A-Za-z,\s]*\}}", claim)
        return let if written is not None else None  # c=c too: "c the true class", not any class
    if _occurs(name, claim):
        letter, spelled = name, rf"(?<![A-Za-z0-9_\\]){re.escape(name)}(?![A-Za-z0-9])"
    else:
        hat = _HAT_NAME.fullmatch(name.strip())
        if hat is None:
            return None
        letter = hat["a"] or hat["b"]
        spelled = rf"\\(?:wide)?hat\s*\{{?\s*(?:\\(?:mathbf|boldsymbol|bm|vec)\s*\{{)?\s*{letter}(?![A-Za-z])"
        if re.search(spelled, claim) is None:
            return None
        name = rf"\hat{{{letter}}}"
    capital = len(letter) == 1 and letter.isupper() and target in ("z", "a", "y", "x")
    vectors = re.search(r"(?<![A-Za-z\\])[zayx](?![A-Za-z])", claim)  # z, \mathbf{y}: one example's
    if capital and vectors is None and not re.search(spelled + r"\}*\s*_", claim):
        target = target.upper()
    return f"{name}={target}" if name != target else None


def _with_page_words(options: CheckOptions) -> tuple[CheckOptions, tuple[str, ...]]:
    """The options with what the page's words (``--notation``) say added, and one line per addition. The
    user's own options win: a symbol the user maps, or a loss the user names, is left as given; an option
    about a symbol or index the claim does not have is not added."""
    if not options.notation:
        return options, ()
    from derive.claims.words import PageWords, read_words

    words = read_words(options.notation)
    mapped = {let.split("=")[0].strip() for let in options.let}
    defined = {d.partition("=")[0].strip().split("(")[0] for d in options.define}
    for name, said in words.other_losses:
        if name not in mapped and name not in defined and _as_written(f"{name}=H", options.claim) is not None:
            raise NotationError(
                f"the page's words say {name} is another loss than the cross-entropy (\"{said}\"): give it "
                f"with --define '{name} = ...' to check the claim against it"
            )
    lets = tuple(
        (written, said)
        for let, said in words.lets
        if (written := _as_written(let, options.claim)) is not None and let.split("=")[0] not in mapped
    )
    where = tuple(
        (condition, said)
        for condition, said in words.where
        if all(_index_occurs(i, options.claim) for i in re.findall(r"\b[a-z]\b", condition) if i != "c")
    )
    loss = words.loss if options.loss == "softmax-ce" else None
    if loss is not None and loss[0] == "temperature" and not _TEMPERATURE_SYMBOL.search(options.claim):
        loss = None  # a temperature the claim does not use (a name the words tie to it: another reading)
    defines: tuple[tuple[str, str], ...] = ()
    while True:  # S = sum_k e^{z_k}, p_i = e^{z_i}/S: a definition the used ones refer to is used too
        given = replace(options, define=(*options.define, *(define for define, _ in defines)))
        more = tuple(
            (define, said)
            for define, said in words.defines
            if (define, said) not in defines and _usable_definition(define, given, lets)
        )
        if not more:
            break
        defines = (*defines, *more)
    defines = tuple(pair for pair in words.defines if pair in defines)  # in the page's order
    for define, said in words.defines:
        if (define, said) not in defines:
            with_used = replace(options, define=(*options.define, *(d for d, _ in defines)))
            _refuse_an_unread_loss(define, said, with_used, mapped | defined, lets)
    batch_loss = words.batch_loss if options.batch_loss is None else None
    used = PageWords(lets, where, loss, defines, batch_loss=batch_loss)
    claim, renamed = options.claim, []
    for name, said in words.sigmoids:
        if len(name) == 1 and name not in mapped:
            applied = _applied_letter(claim, name)
            if applied != claim:  # s(w^T x) -> \sigma(w^T x)
                claim = applied
                renamed.append(f'{name}(...) read as the sigmoid \\sigma(...) (the page\'s words: "{said}")')
    convention = options.convention
    if convention is None:
        # yhat = softmax(Wx + b): the softmax's argument is the logits, z = Wx + b
        notation = _ACTIVATION_OF.sub("z = ", options.notation)
        stated = (
            _CONVENTION_IN_WORDS.search(notation)
            or _BATCH_CONVENTION_IN_WORDS.search(notation)
            or _ROW_CONVENTION_IN_WORDS.search(notation)
        )
        rows = _EXAMPLES_IN_ROWS.search(options.notation)
        if stated is not None:
            convention = "Wt_x" if stated["transposed"] else "W_x"
            said = " ".join(stated.group(0).split())
            activation = _ACTIVATION_OF.search(options.notation)
            if said.startswith("z = ") and said not in options.notation and activation is not None:
                said = activation.group(0) + said[len("z = ") :]  # as the words write it: softmax(Wx
            renamed.append(f'z = {CONVENTION_PRODUCT[convention]} + b (the page\'s words: "{said}")')
        elif rows is not None:
            # the batch's examples are its rows (Z = X W + b): never read as columns to fit a claim
            convention = "Wt_x"
            said = " ".join(rows.group(0).split())
            renamed.append(f"the batch's examples are rows, z = W^T x + b (the page's words: \"{said}\")")
        elif (shaped := _convention_of_shapes(options.notation)) is not None:
            convention, said = shaped
            product = CONVENTION_PRODUCT[convention]
            renamed.append(f"z = {product} + b (the shapes the page's words give: {said})")
        elif (entries := _convention_of_entries(options.notation)) is not None:
            convention, said = entries
            product = CONVENTION_PRODUCT[convention]
            renamed.append(f'z = {product} + b (the page\'s words write the logits entry by entry: "{said}")')
    changed = replace(
        options,
        claim=claim,
        convention=convention,
        batch_loss=cast(BatchLoss, batch_loss[0]) if batch_loss is not None else options.batch_loss,
        let=(*options.let, *(let for let, _ in lets)),
        where=(*options.where, *(condition for condition, _ in where)),
        loss=cast(LossKind, loss[0]) if loss is not None else options.loss,
        define=(*options.define, *(define for define, _ in defines)),
    )
    return changed, (*used.said(), *renamed)


def _with_defined_convention(options: CheckOptions) -> tuple[CheckOptions, tuple[str, ...]]:
    r"""A ``--define`` of the logits by the weights states the model's convention as the page's words do
    (``z = W^T x + b``; ``z_j = \sum_i W_{ji} x_i + b_j``: W x + b), unless the user states one."""
    if options.convention is not None:
        return options, ()
    for define in options.define:
        convention = convention_stated(define)
        if convention is not None:
            said = f"z = {CONVENTION_PRODUCT[convention]} + b (your definition {define.strip()[:60]})"
            return replace(options, convention=convention), (said,)
    return options, ()


def convention_stated(definition: str) -> Convention | None:
    r"""The convention a definition of the logits by the weights states (``z = W^T x + b``: Wt_x;
    ``z_j = \sum_i W_{ji} x_i + b_j``: W_x), or None."""
    stated = _CONVENTION_IN_WORDS.search(definition) or _BATCH_CONVENTION_IN_WORDS.search(definition)
    if stated is not None:
        return "Wt_x" if stated["transposed"] else "W_x"
    entry = _CONVENTION_BY_ENTRY.search(definition)
    if entry is None or entry["out"] not in entry["pair"] or entry["pair"][0] == entry["pair"][-1]:
        return None
    return "Wt_x" if entry["pair"][-1] == entry["out"] else "W_x"


#: A logit's entry defined by the weights' entries: ``z_j = \sum_i W_{ji} x_i + b_j``.
_CONVENTION_BY_ENTRY: Final = re.compile(
    r"^\s*(?:[zZos]|\w*logits?)_\{?(?P<out>[a-z])\}?\s*=\s*(?:\\sum|sum|Σ)_\{?[a-z](?:\s*=\s*\w+)?\}?(?:\^\{?\w+\}?)?\s*"
    r"(?:\\mathbf\{W\}|W|w)_\{?(?P<pair>[a-z]\s*,?\s*[a-z])\}?"
)
#: The model's convention in the page's words: ``z = W x + b``, ``z = W^T x``, ``logits = Wx``.
_CONVENTION_IN_WORDS: Final = re.compile(
    r"(?:\b[zZos]|\\(?:mathbf|boldsymbol|bm)\{[zZos]\}|\blogits|\bscores)(?P<layer>\^\s*\{?[\w\[\]]+\}?)?\s*=\s*"
    r"(?:\\mathbf\{W\}|\\boldsymbol\{W\}|W|(?(layer)w|(?!)))(?(layer)\^\s*\{?(?!T\b|\\top)[\w\[\]]+\}?)?"
    r"(?P<transposed>\s*(?:\^\s*\{?\s*(?:T|\\top|\\intercal|t)\s*\}?|'|\.T\b|ᵀ))?"
    r"\s*(?:\\cdot|\*|@)?\s*(?:\\mathbf\{[xh]\}|\\boldsymbol\{[xh]\}|x|h|(?(layer)a|(?!)))"
    r"(?(layer)\^\s*\{?[\w\[\]+-]+\}?)?"
    r"(?![A-Za-z])"
)


#: The logits written entry by entry: ``z_k = \sum_j w_{kj} x_j + b_k`` (W k x d), ``z_j = sum_i w_ij h_i``.
_LOGIT_ENTRIES: Final = re.compile(
    r"(?<![A-Za-z\\])(?:[zos]|\\mathbf\{[zos]\})_\{?(?P<out>[a-z])\}?\s*=\s*"
    r"(?:\\sum|sum|Σ)\s*_?\s*\{?\s*(?P<sum>[a-z])\b[^}\s]*\}?\s*(?:\^\s*\{?\w+\}?)?\s*"
    r"(?:w|W|\\theta|θ)_\{?(?P<first>[a-z])\s*,?\s*(?P<second>[a-z])\}?\s*(?:\\cdot|\*|·)?\s*"
    r"(?:x|h|a|\\phi|φ)_\{?(?P<input>[a-z])\}?"
)


def _convention_of_entries(words: str) -> tuple[Convention, str] | None:
    """The convention the logits' entries state: w_{kj} x_j summed over j into z_k is z = W x + b."""
    for found in _LOGIT_ENTRIES.finditer(words):
        out, summed, first, second, input_ = (found[n] for n in ("out", "sum", "first", "second", "input"))
        if summed != input_ or out == input_:
            continue
        if (first, second) == (out, input_):
            return "W_x", " ".join(found.group(0).split())
        if (first, second) == (input_, out):
            return "Wt_x", " ".join(found.group(0).split())
    return None


#: Words that put a batch's examples in its rows: "one example per row", "each row is an example", "rows
#: are samples", "examples in rows".
_EXAMPLES_IN_ROWS: Final = re.compile(
    r"\b(?:one|an?|each)\s+(?:example|sample|observation|data\s+point)s?\s+(?:per|in\s+each|on\s+each)\s+row\b|"
    r"\beach\s+row\s+(?:of\s+\w+\s+)?(?:is|holds)\s+(?:an?\s+|one\s+)?(?:example|sample|observation)\b|"
    r"\brows\s+(?:are|=)\s+(?:the\s+)?(?:examples|samples|observations)\b|"
    r"\b(?:examples|samples|observations)\s+(?:are\s+)?(?:in|as)\s+(?:the\s+)?rows\b",
    re.I,
)
#: A shape the page's words give a matrix or vector: ``W is D x C``, ``W: (D, C)``,
#: ``W \in \mathbb{R}^{D \times C}``, ``x \in R^D``, ``X (N x D)``.
_SHAPE_IN_WORDS: Final = re.compile(
    r"(?<![A-Za-z\\])(?P<name>[WXx]|\\mathbf\{[WXx]\}|\\theta|\\Theta|θ|Θ)\s*"
    r"(?:is|:|\\in|in(?=\s+(?:R|ℝ|\\mathbb))|∈|of\s+shape|has\s+shape)?\s*"
    r"(?:\\mathbb\{R\}|R|ℝ)?\s*\^?\s*"
    # bracketed, a comma may separate the sizes (W: (C, D)); bare, only x or × (x in R^D, W ...)
    r"(?:[({\[]\s*(?P<first>[A-Za-z]\w*)\s*(?:(?:x|×|\\times|,)\s*(?P<second>[A-Za-z]\w*))?\s*,?\s*[)}\]]"
    r"|(?P<bare>[A-Za-z]\w*)\s*(?:(?:x|×|\\times)\s*(?P<bare_second>[A-Za-z]\w*))?)"
)


#: A vector's one size said as such: ``x \in \mathbb{R}^D``, ``x is D``, ``x: (D,)``, ``x of shape D``.
_ONE_SIZE_SAID: Final = re.compile(r"\\in|∈|\bis\b|:|shape|\^|ℝ|\\mathbb")


def _convention_of_shapes(words: str) -> tuple[Convention, str] | None:
    """The convention the shapes of the weights and the input say: W (D x C) beside x of D features (or X
    of N x D) is z = W^T x + b; W (C x D) is z = W x + b. None when they do not say (no W shape, no input
    shape, or a square W)."""
    shapes: dict[str, tuple[str, str | None, str]] = {}
    for match in _SHAPE_IN_WORDS.finditer(words):
        name = match["name"][-2] if match["name"].startswith("\\mathbf") else match["name"]
        name = "W" if name in ("\\theta", "\\Theta", "θ", "Θ") else name  # θ (n x K): the weights
        first, second = match["first"] or match["bare"], match["second"] or match["bare_second"]
        if second is None and not _ONE_SIZE_SAID.search(match.group(0)):
            continue  # "softmax(X W)", "(N x K)": a product or another shape's x, not x of size K
        if name in shapes and shapes[name][1] is not None:
            continue  # a matrix's two sizes, said first, are kept
        shapes[name] = (first, second, " ".join(match.group(0).split()))
    weights = shapes.get("W")
    if weights is None or weights[1] is None or weights[0] == weights[1]:
        return None
    features = None
    if "X" in shapes and shapes["X"][1] is not None:
        features = shapes["X"][1]  # X: N x D, one example per row
    elif "x" in shapes and shapes["x"][1] is None:
        features = shapes["x"][0]  # x in R^D
    if features is None or features not in weights[:2]:
        return None
    said = f"{weights[2]}; {(shapes.get('X') or shapes['x'])[2]}"
    return ("Wt_x" if weights[0] == features else "W_x"), said


#: A batch's logits by its inputs in the page's words: ``Z = XW + b`` (examples in rows: each example's
#: ``z = W^T x``), ``\mathbf{Z} = \mathbf{W}\mathbf{X}`` (in columns: ``z = W x``).
_BATCH_CONVENTION_IN_WORDS: Final = re.compile(
    r"(?<![A-Za-z\\])(?:Z|O|S|\\(?:mathbf|boldsymbol|bm)\{[ZOS]\})\s*=\s*"
    r"(?:(?P<transposed>(?:X|\\(?:mathbf|boldsymbol|bm)\{X\})\s*(?:\\cdot|\*|@)?\s*(?:W|\\(?:mathbf|boldsymbol|bm)\{W\}))"
    r"|(?:W|\\(?:mathbf|boldsymbol|bm)\{W\})\s*(?:\\cdot|\*|@)?\s*(?:X|\\(?:mathbf|boldsymbol|bm)\{X\}))"
    r"(?![A-Za-z])(?!\s*(?:\^|'|\.T|ᵀ))"  # Z = X W^T is not Z = X W
)


#: An activation applied to a bracket in the page's words: ``softmax(``, ``\sigma(``, ``σ(``.
_ACTIVATION_OF: Final = re.compile(
    r"(?:\\(?:operatorname|mathrm|text)\{softmax\}|(?<![A-Za-z\\])softmax|\\sigma|(?<![A-Za-z\\])sigma|σ)"
    r"\s*(?:\\left)?\(\s*"
)


#: One example as a row: ``z = xW + b`` (x 1 x d, W d x k), the same product as z = W^T x.
_ROW_CONVENTION_IN_WORDS: Final = re.compile(
    r"(?<![A-Za-z\\])(?:z|o|s|logits|\\(?:mathbf|boldsymbol|bm)\{[zos]\})\s*=\s*"
    r"(?P<transposed>(?:x|h|\\(?:mathbf|boldsymbol|bm)\{[xh]\})\s*(?:\\cdot|\*|@)?\s*"
    r"(?:W|\\(?:mathbf|boldsymbol|bm)\{W\}))(?![A-Za-z])(?!\s*(?:\^|'|\.T|ᵀ))"
)


def _applied_letter(text: str, name: str) -> str:
    """``text`` with the letter ``name`` applied to a bracket written as ``\\sigma``: ``s(w^T x_i)``, but not
    ``s(1 - s)``, whose bracket has the letter itself (a product with it)."""
    letter = re.compile(rf"(?<![A-Za-z\\]){re.escape(name)}(?![A-Za-z])")
    out, at = [], 0
    for found in re.finditer(rf"(?<![A-Za-z\\]){re.escape(name)}(?=\s*(?:\\left\s*)?\()", text):
        start = text.index("(", found.end())
        depth, end = 0, start
        while end < len(text):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
            end += 1
        if depth != 0 or letter.search(text[start + 1 : end]):
            continue
        out.append(text[at : found.start()] + "\\sigma")
        at = found.end()
    return "".join(out) + text[at:]


def _usable_definition(define: str, options: CheckOptions, lets: Sequence[tuple[str, str]]) -> bool:
    """A definition from the page's words is used when the claim (or a definition the user gives) has its
    symbol, the user does not define that symbol, and it reads on its own (a definition that does not read
    is left out, never the reason a claim is refused)."""
    from derive.claims.mapping import parse_definition

    try:
        definition = parse_definition(define)
        name = _decorated_name(definition)
        if not any(_occurs(name, text) for text in (options.claim, *options.define)):
            return False  # neither the claim nor a definition the user gives has its symbol (gamma = 2)
        if any(_decorated_name(parse_definition(own)) == name for own in options.define):
            return False
    except DeriveError:
        return False
    return _definition_error(define, options, lets) is None


def _definition_error(
    define: str, options: CheckOptions, lets: Sequence[tuple[str, str]]
) -> DeriveError | None:
    """Why a definition from the page's words does not read on its own (None when it does, or reads with a
    reading the claim's own mapping offers: e^{a_i}, a the logits)."""
    try:
        claim = read_claim(define)[0].claims[0]
        map_definition(claim, lets=(*options.let, *(let for let, _ in lets)), defines=options.define,
                       loss=options.loss, convention=options.model_convention)  # fmt: skip
    except NotationHintError:
        return None
    except DeriveError as error:
        return error
    return None


def _refuse_an_unread_loss(
    define: str, said: str, options: CheckOptions, given: set[str], lets: Sequence[tuple[str, str]]
) -> None:
    """A loss the page's words define (``L = -sum_k y_k log_2 p_k``) that does not read, whose name the claim
    differentiates: left out, the claim would be judged against the built-in loss, so it is refused."""
    plain = define.partition("=")[0].split("(")[0].strip()
    loss = GUESSES.get((plain.lstrip("\\"), None)) == "loss"
    if plain in given or not loss or not _occurs(plain, options.claim):
        return
    error = _definition_error(define, options, lets)
    if error is not None:
        raise NotationError(
            f"the page's words define the loss {plain} (\"{said}\"), and the definition is not read "
            f"({' '.join(str(error).split())[:160]}): without it the claim would be judged against the "
            f"built-in loss; give --define '{plain} = ...' in a form derive reads"
        )


def _decorated_name(definition: Let) -> str:
    """A definition's name as pages write it: ``\\tilde{y}`` (the decoration kept), not ``y``."""
    if definition.decoration in _COMBINING:
        return f"\\{definition.decoration}{{{definition.name}}}"
    return definition.name


#: The model's inputs, parameters, logits and outputs: the targets (data) are never defined by them.
_MODEL_VALUES: Final = frozenset({"z", "Z", "a", "A", "W", "x", "X", "b"})


def _targets_defined(claims: Sequence[MappedClaim], options: CheckOptions) -> str | None:
    """The page name read as the targets that a claim defines by the logits (``y_i = e^{x_i}/...``): the
    targets are data, never a function of the logits, so the page means its output by that name."""
    if any(let.split("=")[0].strip().startswith(("y", "Y")) for let in options.let):
        return None
    for claim in claims:
        lhs = claim.lhs
        if not (isinstance(lhs, sympy.Indexed) and str(lhs.base) in ("y", "Y")):
            continue
        if any(
            side.expr is not None
            and any(str(x.base) in _MODEL_VALUES for x in side.expr.atoms(sympy.Indexed))
            for side in claim.sides
        ):
            pages = [e.page for e in claim.mapping if e.canonical in ("y", "Y") and e.page.isalpha()]
            return pages[0] if pages else str(lhs.base)
    return None


#: A name in code that says the binary cross-entropy: ``bce_grad``, ``binary_cross_entropy``, ``BCELoss``.
_BINARY_IN_CODE: Final = re.compile(
    r"\b\w*(?:(?<![A-Za-z])bce(?![a-z])|BCE)\w*|(?i:\b\w*binary_?cross_?entropy\w*|\b\w*sigmoid_cross_entropy\w*)"
)


def _sigmoid_written(reading: ClaimReading, options: CheckOptions) -> str | None:
    """Why the text itself says one sigmoid output and its binary cross-entropy (the choice shown), when the
    user did not choose a loss: logistic regression's model written (``\\sigma(w^T x + b)``), or code
    whose own names say the binary cross-entropy (``def bce_grad(y_pred, y_true)``)."""
    if options.loss != "softmax-ce":
        return None
    if _logistic_written(options):
        return "σ(w^T x) read as logistic regression's one sigmoid output (--loss sigmoid-bce)"
    if reading.syntax in ("python", "code") and "softmax" not in options.claim.lower():
        binary = _BINARY_IN_CODE.search(options.claim)
        if binary is not None:
            return f"the code's name {binary.group(0)} says the binary cross-entropy (--loss sigmoid-bce)"
        if re.search(r"(?<![\w.])(?:σ|logσ)\.?\s*\(", options.claim):
            return "the code applies σ, Julia's NNlib sigmoid (no softmax): --loss sigmoid-bce"
        if _binary_complements(options.claim.lower()):
            # (1 - y) * np.log(1 - p), np.divide(1 - Y, 1 - A): the binary cross-entropy's terms
            return "the code writes 1 - y and 1 - p, the binary cross-entropy's terms (--loss sigmoid-bce)"
    defined = " ".join(options.define)
    if defined and _binary_complements(defined) and "softmax" not in (defined + options.claim).lower():
        # --define 'L = -[y log σ(z) + (1 - y) log(1 - σ(z))]': the page's own loss is the BCE
        return "the definition writes the binary cross-entropy (1 - y, 1 - σ): --loss sigmoid-bce"
    applied = _SIGMOID_APPLIED.search(options.claim)
    if applied is not None and "softmax" not in options.claim.lower() and not _softmax_named_only(options):
        # sigmoid(z) - y, 1/(1 + e^{-z}) - y: no softmax is a sigmoid; its loss is the binary cross-entropy
        return "the text applies the sigmoid (no softmax): one sigmoid output per entry (--loss sigmoid-bce)"
    return None


#: The sigmoid applied, by its name (``sigmoid(z)``, ``torch.sigmoid(x)``, ``expit(z)``) or written out
#: (``1 / (1 + np.exp(-z))``, ``\frac{1}{1+e^{-z}}``).
_SIGMOID_APPLIED: Final = re.compile(
    r"(?<![\w.])(?:\w+\.)*(?:sigmoid|expit)\.?\s*\(|\\operatorname\{sigmoid\}|\\text\{sigmoid\}"
    r"|1\.?0?\s*/\s*\(\s*1\.?0?\s*\+\s*(?:\w+\.)*exp\s*\(\s*-"
    r"|\\frac\s*\{\s*1\s*\}\s*\{\s*1\s*\+\s*(?:e\s*\^|\\exp)\s*\{?\s*\(?\s*-"
    # its derivative primed with no argument (\sigma' = \sigma(1 - \sigma), σ'); \sigma'(t) may be a hidden
    # layer's, whose argument says which
    r"|(?:\\sigma|σ)\s*(?:'|\^\s*\{?\s*\\prime\s*\}?)(?!\s*(?:\(|\\left|\\big|\\Big))"
)


def _readings_of(
    reading: ClaimReading, options: CheckOptions, lets: tuple[str, ...], choice: str | None
) -> list[MappedReading]:
    """A reading mapped with ``options`` and the mappings a reading chose (``lets``, said by ``choice``),
    then the notation's other plausible meanings of it: a text that defines the targets by the logits
    (``y_i = e^{x_i} / sum_k e^{x_k}``) means its output by that name (the targets are data); ``y`` beside
    a guessed target name may be the output. Raises the mapping's error."""
    if choice is not None:
        reading = replace(reading, choices=(*reading.choices, choice))
    if reading.loss is not None and options.loss == "softmax-ce":
        options = replace(options, loss=reading.loss)  # the reading's choice (shown), not the user's
    sigmoid = _sigmoid_written(reading, options) if reading.loss is None else None
    if sigmoid is not None:
        options = replace(options, loss="sigmoid-bce")
        reading = replace(reading, choices=(*reading.choices, sigmoid))
    repeated = None if options.implied_sums else _chain_rule_index(reading)
    if repeated is not None and _the_true_class(repeated, options):
        repeated = None  # dL/dp_y dp_y/dz_j with y the label: one term, at the true class
    if repeated is not None:
        # dL/da_j da_j/dz_i: the chain rule's sum over j, implied
        said = f"{repeated} summed over (repeated in a product of derivatives: the chain rule's implied sum)"
        options = replace(options, implied_sums=True)
        reading = replace(reading, choices=(*reading.choices, said))
    likelihood = _log_likelihood(reading, options, lets)
    if likelihood is not None and likelihood[2]:
        return _likelihood_readings(likelihood[0], options, lets, likelihood[1])
    claims = _map_reading(reading, options, lets)
    defined = _targets_defined(claims, options)
    if defined is not None:
        lets = (*lets, f"{defined}=a")
        claims = _map_reading(reading, options, lets)
        said = f"{defined} read as the softmax output (the text defines it by the logits)"
        reading = replace(reading, choices=(*reading.choices, said))
    found = [MappedReading(reading, claims)]
    chosen = {let.split("=")[0].strip() for let in lets}
    variants = (
        *_notation_variants(claims, options, reading),
        *_loose_index_variants(reading, options),
        *_class_letter_variants(reading, options),
    )
    for more, said in variants:
        if {let.split("=")[0].strip() for let in more} & chosen:
            continue  # the reading already chose what that name is
        try:
            again = _map_reading(reading, options, (*lets, *more))
        except DeriveError:
            continue
        found.append(MappedReading(replace(reading, choices=(*reading.choices, said)), again))
    if likelihood is not None:
        found.extend(_likelihood_readings(likelihood[0], options, lets, likelihood[1]))
    text = " ".join((options.claim, *options.define)).translate(_MINUSES)  # 1 − y (U+2212), 1 – y
    why = None
    if _binary_complements(text):
        # -y/ŷ + (1 - y)/(1 - ŷ): the binary cross-entropy's two terms, whatever the page calls its loss
        why = "the text writes 1 - y, 1 - ŷ"
    elif _OUTPUT_COMPLEMENT.search(text) and any(loss_derivative_by(c.lhs, s.a) for c in claims):
        # the BCE's (ŷ - y)/(ŷ(1 - ŷ)): the softmax's dH/da = -y/a has no complement of the output
        why = "a derivative by ŷ, with 1 - ŷ"
    if options.loss == "softmax-ce" and why is not None:
        said = f"the loss read as the binary cross-entropy (--loss sigmoid-bce): {why}"
        with contextlib.suppress(DeriveError):
            found.extend(_readings_of(reading, replace(options, loss="sigmoid-bce"), lets, said))
    tempered = _tempered_name(options)
    if options.loss == "softmax-ce" and tempered is not None:
        # "q_i the softmax output at temperature T" and q_i - p_i, which writes no T: read at T too (Hinton's
        # gradient has a 1/T), and at T = 1 as written; words that write the division by T
        # ("p = softmax(z/T)") leave no T = 1 reading
        said = f"read at the page's temperature (--loss temperature): {tempered}"
        with contextlib.suppress(DeriveError):
            at_temperature = _readings_of(reading, replace(options, loss="temperature"), lets, said)
            found = at_temperature if _DIVIDED_BY_TEMPERATURE.search(tempered) else [*found, *at_temperature]
    return found


#: Words that write the logits divided by the temperature: ``softmax(z/T)``, ``\frac{z}{T}``.
_DIVIDED_BY_TEMPERATURE: Final = re.compile(
    r"/\s*\(?\s*(?:T|\\tau|τ)\b|\\frac\{[^{}]*\}\{\s*(?:T|\\tau)\s*\}"
)


#: A page entry that is the softmax applied (``softmax(Z)``, ``\sigma(z)``), not a name for its value.
_APPLIED_OUTPUT: Final = re.compile(r"\\operatorname\{(?:softmax|sigma|sigmoid)\}|\\sigma")


def _tempered(claim: MappedClaim) -> bool:
    """Whether a claim is read at a temperature (the same expressions read at T = 1 are another reading)."""
    return claim.model.loss_kind == "temperature"


def _tempered_name(options: CheckOptions) -> str | None:
    """The page's words on a name the claim uses as the softmax output at a temperature the claim does not
    write (``q_i is the softmax output at temperature T``), or None."""
    if not options.notation or _TEMPERATURE_SYMBOL.search(options.claim):
        return None
    from derive.claims.words import read_words

    words = read_words(options.notation)
    if words.loss is None or words.loss[0] != "temperature":
        return None
    for let, said in words.lets:
        tempered = re.search(r"(?i)temperature", said) or _DIVIDED_BY_TEMPERATURE.search(said)
        if tempered and _as_written(let, options.claim) is not None:
            return f'"{said}"'
    return None


#: theta as a model's parameters (``\theta^T x``, ``h_\theta``), not a name for the logits.
_PARAMETERS_OF_MODEL: Final = re.compile(r"\\theta\s*\^\s*\{?\s*(?:T|\\top)\b|h_\{?\s*\\theta")
#: Names that are a log-likelihood, never a loss.
_LIKELIHOOD_NAMES: Final = frozenset({"LL", "loglik", "loglikelihood", "log_likelihood", "log_lik"})
#: Words that say the page's function is the log-likelihood (not its negative, which is the loss).
_LIKELIHOOD_SAID: Final = re.compile(r"(?i)(?<!negative )(?<!negative-)\blog[- ]?likelihood\b")


def _log_likelihood(
    reading: ClaimReading, options: CheckOptions, lets: tuple[str, ...]
) -> tuple[ClaimReading, str, bool] | None:
    r"""The name of the function a claim differentiates when it may be a log-likelihood, the negative of
    the loss: ``\ell(\theta)`` (a function of the weights, as statistics texts write the log-likelihood),
    a name such as ``LL``, ``\log L(w)`` (the log of the likelihood L, read as one name), or a loss name
    the page's words call the log-likelihood. The flag says whether it is certainly one (a
    log-likelihood's name, or the words say so) or may also be the loss."""
    if options.means or len(reading.claims) != 1 or not reading.claims[0].sides:
        return None
    first = reading.claims[0].sides[0]
    lhs = first
    while isinstance(lhs, Derivative):
        lhs = lhs.of
    if isinstance(lhs, Log) and isinstance(first, Derivative):
        inner = lhs.arg.function if isinstance(lhs.arg, Call) else lhs.arg
        likelihood = isinstance(inner, Symbol) and inner.name == "L" and not inner.indices
        if likelihood and cast(Symbol, inner).decoration in (None, "cal"):
            claim = reading.claims[0]
            left = _with_innermost(first, Symbol("LL"))
            rewritten = replace(claim, sides=(left, *claim.sides[1:]))
            return replace(reading, claims=(rewritten,)), "LL", True
    function = lhs.function if isinstance(lhs, Call) else lhs
    if not isinstance(function, Symbol) or function.indices or function.decoration is not None:
        return None
    name = function.name
    if any(let.partition("=")[0].strip().lstrip("\\") == name for let in (*lets, *options.let)):
        return None  # the user (or a reading) said what it is
    said = _LIKELIHOOD_SAID.search(options.notation or "") is not None
    if name in _LIKELIHOOD_NAMES:
        return reading, name, True
    weights = isinstance(lhs, Call) and any(
        isinstance(arg, Symbol) and arg.name in PARAMETER_LETTERS for arg in lhs.args
    )
    by_parameters = (
        isinstance(lhs, Symbol)
        and _by_parameter_letter(reading.claims[0].sides[0])
        and _PARAMETERS_OF_MODEL.search(options.claim) is not None
    )
    if name == "ell" and (weights or said or by_parameters):
        return reading, "\\ell", said
    return None


def _with_innermost(node: Derivative, of: Node) -> Derivative:
    """A (nested) derivative with its innermost function replaced."""
    inner = _with_innermost(node.of, of) if isinstance(node.of, Derivative) else of
    return replace(node, of=inner)


def _by_parameter_letter(node: Node) -> bool:
    """A derivative by statistics' letter for the parameters (``\\partial/\\partial \\theta_j``)."""
    return (
        isinstance(node, Derivative)
        and isinstance(node.wrt, Symbol)
        and node.wrt.name in ("theta", "beta")
    )


def _likelihood_readings(
    reading: ClaimReading, options: CheckOptions, lets: tuple[str, ...], name: str
) -> list[MappedReading]:
    """The reading of the claim with ``name`` the log-likelihood: -H, the loss's negative, summed over a
    batch's examples (the log of the likelihood, a product over them), shown as a choice."""
    said = f"{name} read as the log-likelihood, -H (summed over the examples)"
    chosen = reading if said in reading.choices else replace(reading, choices=(*reading.choices, said))
    mapped = [MappedReading(chosen, _map_reading(chosen, options, (*lets, f"{name}=-H")))]
    summed = " (a log-likelihood sums its examples' log-probabilities)"
    return [_with_batch_loss(m, "sum", summed) for m in mapped]


#: ``1 - y``, ``(1 - t_i)``: the complement of a target, as the binary cross-entropy writes it.
_TARGET_COMPLEMENT: Final = re.compile(
    r"1\s*-\s*\(?\s*(?:y|t|labels?|targets?)(?![A-Za-z0-9])(?!\s*_?hat)"
)
#: ``1 - \hat{y}``, ``1 - p_i``, ``1 - \sigma(z)``: the complement of an output.
_OUTPUT_COMPLEMENT: Final = re.compile(
    r"1\s*-\s*\(?\s*(?:\\hat\s*\{?\s*y|ŷ|y\u0302|y_?hat|\\sigma|σ|sigmoid|[pashq]|\\bar\s*\{?\s*y|"
    r"\\tilde\s*\{?\s*y)"
    r"(?![A-Za-z])"
)


def _binary_complements(text: str) -> bool:
    """Whether a text writes both a target's and an output's complement to 1 (the binary cross-entropy's
    (1 - y) log(1 - ŷ) and its derivative's (1 - y)/(1 - ŷ))."""
    text = text.translate(_MINUSES)  # 1 − y (U+2212), 1 – y
    if _BATCH_TARGET_COMPLEMENT.search(text) and _BATCH_OUTPUT_COMPLEMENT.search(text):
        return True  # a batch's (1 - Y) / (1 - A)
    return bool(_TARGET_COMPLEMENT.search(text) and _OUTPUT_COMPLEMENT.search(text))


#: A batch's complements, ``1 - Y`` and ``1 - A`` (``1 - \hat{Y}``, ``1 - P``).
_BATCH_TARGET_COMPLEMENT: Final = re.compile(r"1\s*-\s*\(?\s*[YT](?![A-Za-z0-9])")
_BATCH_OUTPUT_COMPLEMENT: Final = re.compile(r"1\s*-\s*\(?\s*(?:\\hat\s*\{?\s*Y|[APSQ])(?![A-Za-z])")


#: Unicode minus signs as ASCII hyphen-minus.
_MINUSES: Final = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-"})


#: The choice that reads a name as the targets the code's own output is compared with.
_COMPARED_WITH_OUTPUT: Final = re.compile(r"read as the targets \(the text computes the output itself")

#: The choice that reads a typo's \partial as stray (a fraction), not as a derivative's.
_STRAY_PARTIAL: Final = re.compile(r"^typo: a stray \\partial")

#: The choices that read ``dW`` as a differential, and as d (the number of features) times W.
_DIFFERENTIAL: Final = re.compile(r"read as a differential")
_D_TIMES: Final = re.compile(r"read as (?:the letter )?d times ")

_COLUMNS_SAID: Final = "the batch's examples read as columns (Z = W X + b, X d x N)"

#: A shape error of a claim about a batch (N examples): its matrices may have the examples as columns.
_BATCH_SHAPES: Final = re.compile(r"(?:cannot multiply|the left side is) .*\b(?:N x|x N)\b")


#: A scalar left side against the softmax Jacobian's shape.
_SQUARE_RIGHT: Final = re.compile(r"the left side is a scalar but the right side is a matrix of shape k x k")


def _refitted_readings(reading: ClaimReading, options: CheckOptions, error: str) -> list[MappedReading]:
    """The readings a shape error of a reading (or of one of its sides) points to: a batch with the
    examples as columns, a left side named J that is the softmax's Jacobian."""
    return [
        *_column_readings(reading, options, error),
        *_jacobian_readings(reading, options, error),
        *_convention_readings(reading, options, error),
        *_sigmoid_readings(reading, options, error),
        *_row_readings(reading, options, error),
        *_example_sum_readings(reading, options, error),
        *_diagonal_readings(reading, options, error),
        *_one_example_readings(reading, options, error),
        *_transposed_readings(reading, options, error),
        *_softmax_input_readings(reading, options, error),
    ]


#: A left side by the input x (k x d) beside a right side that is a square matrix over the classes.
_BY_INPUT_SQUARE: Final = re.compile(
    r"left side is a matrix of shape k x d but the right side is a matrix of shape k x k(?: \(|$)"
)


def _softmax_input_readings(reading: ClaimReading, options: CheckOptions, error: str) -> list[MappedReading]:
    r"""``dsoftmax/dx = diag(softmax) - softmax softmax^T`` (TensorFlow's docstring): the left side's x, read
    as the model's input, gives a k x d Jacobian beside the right side's k x k one; x is the softmax's own
    input there, the logits (the reading is shown)."""
    named = {let.partition("=")[0].strip() for let in options.let}
    if not _BY_INPUT_SQUARE.search(error) or named & {"x", "X"} or _differentiated_by(reading) != "x":
        return []
    said = "x read as the logits (x=z): the softmax's input, as the right side's k x k Jacobian says"
    try:
        return _readings_of(reading, options, ("x=z",), said)
    except DeriveError:
        return []


def _transposed_readings(reading: ClaimReading, options: CheckOptions, error: str) -> list[MappedReading]:
    r"""``\frac{\partial L}{\partial W} = x (p - y)^\top`` under a convention the user or the page states
    (``--convention W_x``, words ``z = Wx + b``): the right side has the transposed shape of the left side's,
    the classic transposition mistake. It is compared transposed, and the claim fails as the transpose of
    what it claims (the verdict says so, and what its transpose gives); with no convention stated the other
    convention is read instead (``_convention_readings``)."""
    if options.transposed or options.columns:
        return []
    code = reading.syntax in ("python", "code")
    if _INDEX_CONFLICT.search(error) and (options.convention is not None or code):
        # dW = dscores.T.dot(X) beside scores = X.dot(W): dW_{ij} with i the class, where W_{ij} has i the
        # feature; read with the left side's indices swapped, it is the transpose of what it claims
        swapped = _left_indices_swapped(reading)
        if swapped is None:
            return []
        # code fixes its convention by its forward pass (X.dot(W), or x @ W.T): each is tried unless stated
        tried = [options] if options.convention is not None else [options, replace(options, convention="W_x")]
        found: list[MappedReading] = []
        for trial in tried:
            product = CONVENTION_PRODUCT[trial.model_convention]
            said = f"the left side's indices swapped: the value is the transpose's layout (z = {product} + b)"
            try:
                found = _readings_of(swapped, replace(trial, transposed=True), (), said)
            except DeriveError:
                continue
            break
        written = reading.means if reading.means is not None else reading.claims[0].sides[0]
        return [
            replace(
                m,
                claims=tuple(
                    replace(c, transposed_right=True, lhs_latex=format_node(written)) for c in m.claims
                ),
            )
            for m in found
        ]
    if options.convention is None or not _TRANSPOSED_SHAPE.search(error) or "cannot multiply" in error:
        return []
    said = f"the right side compared transposed (z = {CONVENTION_PRODUCT[options.convention]} + b, as stated)"
    try:
        return _readings_of(reading, replace(options, transposed=True), (), said)
    except DeriveError:
        return []


#: An index that runs over the classes in one place and the features in another (a transposed W).
_INDEX_CONFLICT: Final = re.compile(r"^index \w+ is used both for classes and for features")


def _left_indices_swapped(reading: ClaimReading) -> ClaimReading | None:
    """The reading with the two indices of the weights its left side differentiates by swapped (``dW_{ij}``
    read as ``dW_{ji}``), or None when its left side is not such a derivative."""
    def swapped(node: Node | None) -> Node | None:
        if not isinstance(node, Derivative) or not isinstance(node.wrt, Symbol) or len(node.wrt.indices) != 2:
            return None
        first, second = node.wrt.indices
        return replace(node, wrt=replace(node.wrt, indices=(second, first)))

    if (means := swapped(reading.means)) is not None:
        return replace(reading, means=means)
    claims = []
    for claim in reading.claims:
        left = swapped(claim.sides[0]) if claim.sides else None
        if left is None:
            return None
        claims.append(replace(claim, sides=(left, *claim.sides[1:])))
    return replace(reading, claims=tuple(claims)) if claims else None


#: The letters of one example's own vectors (their first index is the example in a batch's matrix).
_PER_EXAMPLE_LETTERS: Final = frozenset("ayzptosxfPYZASX")

#: A loss with an example's index in a claim about a batch (Bishop's E_n).
_ONE_EXAMPLES_LOSS: Final = re.compile(r"^\$(?P<loss>.+?)\$ is the loss of one example of a batch, not")


def _one_example_readings(reading: ClaimReading, options: CheckOptions, error: str) -> list[MappedReading]:
    r"""Bishop's ``\frac{\partial E_n}{\partial a_{nj}} = y_{nj} - t_{nj}``: the loss of example n, about that
    example's own entries only (each batch entry's first index, or its example superscript, is n), is a
    claim about one example: read with n dropped, shown as a choice. Any other use of n (a sum over it,
    another example's entry) keeps the refusal."""
    from derive.claims.ast import Claim, Sum
    from derive.claims.mapping import _Rewriter, _transform

    if len(reading.claims) != 1 or not _ONE_EXAMPLES_LOSS.search(error):
        return []
    lhs = reading.claims[0].sides[0]
    loss = lhs.of if isinstance(lhs, Derivative) else lhs
    if not (isinstance(loss, Symbol) and len(loss.indices) == 1 and isinstance(loss.indices[0], Symbol)):
        return []
    example = loss.indices[0]
    claim = reading.claims[0]
    nodes = [n for side in claim.sides for n in walk(side)]
    if any(isinstance(n, Sum) and n.index == example.name for n in nodes) or claim.conditions:
        return []
    if any(isinstance(n, Symbol) and n.name in ("N", "m") and not n.indices for n in nodes):
        return []  # 1/N beside example n's loss: its gradient has no 1/N (a batch's mean would)
    entries = [n for n in nodes if isinstance(n, Symbol) and n.name in _PER_EXAMPLE_LETTERS]
    if any(len(n.indices) >= 2 and n.indices[0] != example for n in entries):
        return []  # \partial L_i / \partial z_{kj}: another example's entry

    class Drop(_Rewriter):
        def __call__(self, node: Node) -> Node | None:
            if not isinstance(node, Symbol):
                return None
            if node == loss:
                return replace(node, indices=())
            if node.example == example:
                return replace(node, example=None)
            if len(node.indices) >= 2 and node.indices[0] == example:
                return replace(node, indices=node.indices[1:])
            if node.indices == (example,) and node.decoration == "bold":
                return replace(node, indices=())  # \boldsymbol{\phi}_n, \mathbf{x}_n: example n's vector
            return None

    sides = tuple(_transform(side, Drop()) for side in claim.sides)
    rewritten: Claim = replace(claim, sides=sides)
    if any(node == example for side in sides for node in walk(side)):
        return []  # n is still used: more than this example's entries
    said = (
        f"{format_node(loss)}, the loss of example {example.name}, with that example's entries only: "
        f"read as one example's loss ({example.name} dropped)"
    )
    try:
        return _readings_of(replace(reading, claims=(rewritten,)), options, (), said)
    except DeriveError:
        return []


def _diagonal_readings(reading: ClaimReading, options: CheckOptions, error: str) -> list[MappedReading]:
    r"""``\frac{\partial \log(x)}{\partial x} = \frac{1}{x}``: a vector where an elementwise function's
    square Jacobian stands is read as its diagonal (0 off it), shown as a choice. Not where σ is written
    (the sigmoid's own reading) or what is differentiated has the softmax in it (a_i(1 - a_i) for the
    softmax's Jacobian is one entry's, not a diagonal matrix: no reading says which is meant)."""
    if options.diagonal or not _SQUARE_AGAINST_VECTOR.search(error):
        return []
    if _SIGMOID_WRITTEN.search(options.claim) is not None:
        return []
    said = "a vector for an elementwise function's square Jacobian read as its diagonal"
    try:
        return _readings_of(reading, replace(options, diagonal=True), (), said)
    except DeriveError:
        return []


#: A sum over the entries of vectors where the left side is a vector or a matrix.
_SUMMED_ENTRIES: Final = re.compile(r"if the sum runs over the examples, write their index too")


def _refuse_examples_losses(reading: ClaimReading) -> None:
    r"""``L = \frac{1}{N} \sum_{i=1}^N L_i``, ``E = \sum_n E_n``: a loss written as the mean or sum of the
    same letter over the examples says how the page makes its batch's loss (a definition); derive has no
    loss of one example of a batch, and had read L_i as the whole loss (L compared with N times itself).
    The same loss of one example summed elsewhere (``\frac{1}{N}\sum_i \frac{\partial L_i}{\partial W}``)
    is refused."""
    from derive.claims.ast import Sum

    if len(reading.claims) != 1:
        return
    lhs = reading.claims[0].sides[0]
    plain_loss = (
        isinstance(lhs, Symbol)
        and not lhs.indices
        and lhs.example is None
        and (GUESSES.get((lhs.name, lhs.decoration)) == "loss" or lhs.name == "H")
    )
    own = (lhs.name, lhs.decoration) if plain_loss and isinstance(lhs, Symbol) else None
    for side in reading.claims[0].sides[1:]:
        for node in walk(side):
            if not isinstance(node, Sum) or not node.index:
                continue
            for n in walk(node.body):
                if not isinstance(n, Symbol):
                    continue
                same = (n.name, n.decoration) == own
                if not same and GUESSES.get((n.name, n.decoration)) != "loss":
                    continue  # J = \frac{1}{m} \sum_i \ell^{(i)}: another loss letter, one example's
                by_index = [str(getattr(i, "name", "")) for i in n.indices] == [node.index]
                if not (by_index or str(getattr(n.example, "name", "")) == node.index):
                    continue
                if not plain_loss:
                    raise NotationError(
                        f"${format_node(n)}$ summed over {node.index} is the loss of one example of a batch, "
                        "which derive does not model; write the batch's gradient itself (for example "
                        r"\frac{1}{N} X^T (P - Y))"
                    )
                raise DefinitionNotClaimError(
                    f"the text writes the batch's loss ${format_node(lhs)}$ by its examples' losses "
                    f"(${format_node(n)}$): that says how the batch's loss is made (--batch-loss mean, "
                    "or sum when it has no 1/N); it is a definition, not a claim derive checks"
                )


def _example_sum_readings(reading: ClaimReading, options: CheckOptions, error: str) -> list[MappedReading]:
    r"""``\partial L/\partial b = \frac{1}{N} \sum_{n=1}^N (p_n - y_n)``: a sum that would add the entries of
    vectors where the left side is a vector, whose index runs to the number of examples (or has no limit),
    reads with that index as the example index (p_n is example n's output), shown as a choice."""
    if not _SUMMED_ENTRIES.search(error):
        return []
    examples = examples_subscripted(reading.claims, summed=True)
    if examples is None:
        return []
    rewritten = replace(reading, claims=examples[0])
    try:
        return _readings_of(rewritten, options, (), examples[1])
    except DeriveError:
        return []


#: A product of vectors that does not conform when they are columns (x^T (p - y) of lengths d and k).
_VECTORS_DO_NOT_CONFORM: Final = re.compile(r"cannot multiply a vector of length \w+ by a vector of length")


#: Words that say a page's vectors are columns: then never read as rows.
_COLUMN_VECTORS_SAID: Final = re.compile(r"\bcolumn[- ]vectors?\b", re.I)


def _row_readings(reading: ClaimReading, options: CheckOptions, error: str) -> list[MappedReading]:
    r"""``\nabla_W L = x^T (\hat y - y)``: a product of vectors that does not conform with columns, read
    with the page's vectors as rows (a row-vector page's x^T v is an outer product), shown as a choice."""
    if options.rows or options.columns or not _VECTORS_DO_NOT_CONFORM.search(error):
        return []
    if options.notation and _COLUMN_VECTORS_SAID.search(options.notation):
        return []  # the page's words say its vectors are columns
    said = "the vectors read as rows (x^T v an outer product): as columns the products do not conform"
    # as rows, a shape error of its own may point further ((p - y)^T x is k x d: z = W x + b)
    chosen, as_rows = replace(reading, choices=(*reading.choices, said)), replace(options, rows=True)
    found = _mapped_or_refitted(chosen, as_rows)[0]
    for mapped in list(found):
        if (unfit := _first_side_error(mapped)) is not None:
            found.extend(_refitted_readings(mapped.reading, as_rows, unfit))
    return found


def _first_side_error(mapped: MappedReading) -> str | None:
    """The error of the first side of a reading that did not map (a shape a refit may point past)."""
    return next((side.error for claim in mapped.claims for side in claim.sides if side.error), None)


#: A square left side against a vector of its length: an elementwise function's derivative.
_SQUARE_AGAINST_VECTOR: Final = re.compile(
    r"the left side is a matrix of shape (\w+) x \1 but the right side is a vector of length \1"
)
#: An error of shapes (a product that does not conform, sides of different shapes).
_SHAPE_ERROR: Final = re.compile(r"cannot multiply|the left side is .* but the right side is")
#: Weights written as one vector (logistic regression's w, \mathbf{w}, \theta).
_WEIGHT_VECTOR: Final = re.compile(
    r"(?<![A-Za-z\\])w(?![A-Za-z])|\\(?:mathbf|boldsymbol|vec)\{w\}|\\theta(?![A-Za-z])"
)
#: Words that name the softmax, and words that name the sigmoid or its loss.
_SOFTMAX_SAID: Final = re.compile(r"(?i)soft_?max")
_SIGMOID_SAID: Final = re.compile(r"(?i)sigmoid|logistic|\bBCE\b|binary")


def _softmax_named_only(options: CheckOptions) -> bool:
    """Whether the page's words name the softmax and not the sigmoid (σ and w are then the softmax's)."""
    words = options.notation or ""
    return _SOFTMAX_SAID.search(words) is not None and _SIGMOID_SAID.search(words) is None


#: The sigmoid's names in a text.
#: (plain text spells it out: ``dsigma/dz = sigma(z)*(1-sigma(z))``)
_SIGMOID_WRITTEN: Final = re.compile(
    r"\\sigma(?![A-Za-z])|σ|\bsigmoid\b|\blogistic\b|(?:(?<![A-Za-z\\])|(?<=\bd))sigma(?![A-Za-z])"
)


def _sigmoid_readings(reading: ClaimReading, options: CheckOptions, error: str) -> list[MappedReading]:
    r"""``\frac{d\sigma}{dz} = \sigma(1 - \sigma)``: a text that writes the sigmoid (σ, which also names
    the softmax) and equates its derivative, a square Jacobian under the softmax, with a vector reads σ as
    the elementwise sigmoid (``--loss sigmoid-bce``), shown as a choice; the softmax's Jacobian is never a
    vector, so the claim is not judged as the softmax's (a loss the user chose is kept)."""
    if options.loss != "softmax-ce" or _softmax_named_only(options):
        return []  # the page's words say the softmax (σ its name, w a matrix of it): not the sigmoid
    sigmoid = _SIGMOID_WRITTEN.search(options.claim) is not None
    if sigmoid and _SQUARE_AGAINST_VECTOR.search(error):
        said = "σ read as the sigmoid, elementwise (--loss sigmoid-bce): a vector is no softmax Jacobian"
    elif sigmoid and _SHAPE_ERROR.search(error) and _WEIGHT_VECTOR.search(options.claim):
        said = "σ read as the sigmoid of one output (--loss sigmoid-bce): w is a vector of weights"
    elif _SHAPE_ERROR.search(error) and _by_one_weight_vector(reading):
        said = "one sigmoid output (--loss sigmoid-bce): the left side is by one vector of weights, w"
    else:
        return []
    try:
        return _readings_of(reading, replace(options, loss="sigmoid-bce"), (), said)
    except DeriveError:
        return []


#: A matrix left side against the transposed shape: the other convention's W.
_TRANSPOSED_SHAPE: Final = re.compile(
    r"the left side is a matrix of shape (\w+) x (\w+) but the right side is a matrix of shape \2 x \1 "
    r"\(check --convention\)|cannot multiply a matrix of shape (?:d x k|k x d) by a vector"
)


def _convention_readings(reading: ClaimReading, options: CheckOptions, error: str) -> list[MappedReading]:
    r"""A claim about W whose right side has the shape of W under z = W x + b (``\partial L/\partial W =
    (\hat y - y) x^T``, k x d), or a product with W that conforms only under it (``softmax(Wx)``, ``W^T (p -
    y)``), when no convention is said: read with that convention, shown as a choice (the shapes are what
    say it; a page that says z = W^T x gets the refusal)."""
    if options.convention is not None or options.columns or not _TRANSPOSED_SHAPE.search(error):
        return []
    other = replace(options, convention="W_x")
    said = "z = W x + b: the text's shapes fit it (W is k x d), not z = W^T x + b"
    try:
        return _readings_of(reading, other, (), said)
    except DeriveError:
        return []


def _jacobian_readings(reading: ClaimReading, options: CheckOptions, error: str) -> list[MappedReading]:
    r"""``J = \mathrm{diag}(p) - p p^T``: a left side named J (no indices) equal to a k x k matrix of the
    output is the softmax's Jacobian dp/dz, as code's ``softmax_grad`` is; the choice is shown."""
    if options.means or options.wrt or len(reading.claims) != 1:
        return []
    left, *rest = reading.claims[0].sides
    if not isinstance(left, Symbol) or left.name not in ("J", "Jacobian"):
        return []
    if len(left.indices) == 2 and f"symbol ${left.name}$ is not a recognized notation" in error:
        return _jacobian_entry_readings(reading, options, left, rest)
    # J_{softmax}, J_{\sigma}: the subscript names the function whose Jacobian it is
    of_softmax = len(left.indices) == 1 and isinstance(left.indices[0], Symbol) and (
        left.indices[0].name in ("softmax", "sigma", "sm", "S")
    )
    if not _SQUARE_RIGHT.search(error) or (left.indices and not of_softmax):
        return []
    def outputs(indexed: bool) -> set[str]:
        return {
            format_node(replace(node, indices=(), transposed=False))
            for side in rest
            for node in walk(side)
            if isinstance(node, Symbol)
            and bool(node.indices) == indexed
            and (CANONICAL.get(node.name) if node.decoration in (None, "bold") else None) != "target"
            and (
                GUESSES.get((node.name, None if node.decoration == "bold" else node.decoration)) == "output"
                or node.name == "a"
            )
        }

    # diag(p) - p p^T; or a matrix written out entry by entry (p_1(1 - p_1), -p_1 p_2, ...)
    written_out = any(isinstance(node, Matrix) for side in rest for node in walk(side))
    found = outputs(indexed=False) or (outputs(indexed=True) if written_out else set())
    if len(found) != 1:
        return []  # what the matrix is made of is not one output vector: the left side stays unread
    output = found.pop()
    said = f"{format_node(left)} read as the softmax's Jacobian d{output}/dz (the right side is k x k)"
    return _readings_meaning(reading, options, f"\\frac{{\\partial {output}}}{{\\partial z}}", said)


def _readings_meaning(
    reading: ClaimReading, options: CheckOptions, means: str, said: str
) -> list[MappedReading]:
    """The readings of ``reading`` with its left side read as ``means`` (a choice shown as ``said``); none
    when that does not read."""
    try:
        return _readings_of(reading, replace(options, means=means), (), said)
    except DeriveError:
        return []


def _jacobian_entry_readings(
    reading: ClaimReading, options: CheckOptions, left: Symbol, rest: Sequence[Node]
) -> list[MappedReading]:
    r"""``J_{ij} = y_i (\delta_{ij} - y_j)``: an entry of a left side named J, written with one vector of the
    right side (the output, or a name the reading then takes as it), is the softmax's Jacobian entry
    dy_i/dz_j; the choice is shown."""
    row, column = left.indices
    if not all(isinstance(i, Symbol) and not i.indices and len(i.name) == 1 for i in (row, column)):
        return []
    vectors = {
        format_node(replace(node, indices=()))
        for side in rest
        for node in walk(side)
        if isinstance(node, Symbol) and len(node.indices) == 1 and node.name != "delta"
    }
    if len(vectors) != 1 or vectors & {"z", "x", "b"}:
        return []
    output = vectors.pop()
    r, c = format_node(row), format_node(column)
    said = f"{format_node(left)} read as the softmax's Jacobian entry d{output}_{r}/dz_{c}"
    means = f"\\frac{{\\partial {output}_{{{r}}}}}{{\\partial z_{{{c}}}}}"
    return _readings_meaning(reading, options, means, said)


def _upstream_derivative(reading: ClaimReading) -> bool:
    """Whether the reading maps a code input to the loss's gradient by the logits (``dscores``), whose
    layout is the examples as rows: never read with the examples as columns."""
    return any("\\partial" in let for let in reading.lets)


def _column_readings(reading: ClaimReading, options: CheckOptions, error: str) -> list[MappedReading]:
    r"""A batch claim whose shapes do not fit with the examples as rows, read with them as columns and z = W x
    + b, as Ng's notes write a batch (``dW = \frac{1}{m} (A - Y) X^T``); the choice is shown."""
    if options.columns or options.convention == "Wt_x" or not _BATCH_SHAPES.search(error):
        return []
    if _upstream_derivative(reading):
        return []
    columns = replace(options, convention="W_x", columns=True)
    found: list[MappedReading] = []
    with contextlib.suppress(DeriveError):
        found.extend(_readings_of(reading, columns, (), f"{_COLUMNS_SAID}: as rows the shapes do not fit"))
    if _one_output_fits(reading, options):
        # Ng's logistic regression: dw = \frac{1}{m} X (A - Y)^T, w one vector of weights (one sigmoid output)
        one = replace(columns, loss="sigmoid-bce")
        said = f"{_COLUMNS_SAID}, one sigmoid output (--loss sigmoid-bce): the left side is by one vector w"
        with contextlib.suppress(DeriveError):
            found.extend(_readings_of(reading, one, (), said))
    return found


def _hinted_readings(
    reading: ClaimReading,
    options: CheckOptions,
    hinted: NotationHintError,
    lets: tuple[str, ...],
    choice: str | None,
    depth: int,
    tried: set[str] | None = None,
) -> list[MappedReading]:
    """The readings a notation error names, each judged with its choice shown; a reading that meets a
    second such error (x read as the logits, then y differentiated by them) takes that error's readings
    too, up to ``depth`` choices (never one that is a reading of its own one level up, in ``tried``)."""
    found: list[MappedReading] = []
    code = reading.syntax in ("python", "code")
    variants = _hint_variants(options, hinted, code=code, upstream=_upstream_derivative(reading))
    if choice is None and _one_output_fits(reading, options):
        # \partial J/\partial \theta_j = ... x_j^{(i)}, \sigma(X \theta): by one vector of weights, one weight
        # per feature (the softmax's w_j is class j's, which the text's indices or shapes do not fit)
        said = "one sigmoid output (--loss sigmoid-bce): the left side is by one vector of weights"
        variants.append((replace(options, loss="sigmoid-bce"), (), said))
    siblings = {let for _, more, _ in variants for let in more}
    for variant, more, said in variants:
        if more and (set(more) <= set(lets) or set(more) <= (tried or set())):
            continue  # chosen already, or a reading of its own one level up
        both = (*lets, *more)
        chosen = said if choice is None else f"{choice}; {said}"
        source = reading
        if variant.columns and reading.softmax_rows_assumed:
            # the code's softmax of no stated axis ran over each row: with the examples in columns it runs
            # over each column, a reading of its own (never the rows' softmax with the examples in columns)
            if reading.columns_reading is None:
                continue
            source, variant = reading.columns_reading, replace(variant, columns=False)
        try:
            readings = _readings_of(source, variant, both, chosen)
            if variant.columns and not any(claim.model.batch for r in readings for claim in r.claims):
                continue  # no batch: the same reading as z = W x + b alone
            found.extend(readings)
        except NotationHintError as again:
            if depth > 1:
                found.extend(_hinted_readings(reading, variant, again, both, chosen, depth - 1, siblings))
        except DeriveError:
            continue
    return found


def _hint_variants(
    options: CheckOptions, hinted: NotationHintError, code: bool = False, upstream: bool = False
) -> list[tuple[CheckOptions, tuple[str, ...], str]]:
    """The readings a notation error names: an index that runs over classes in one place and features in
    another reads with z = W x + b (W_{ij}: class i, feature j); a loss named BCE with the sigmoid loss; a
    name read as the input that holds the logits (code calls them x; softmax(x) says so) as the logits; a
    name read as the targets that the text differentiates by the logits as the softmax output.
    Each is judged as a reading with its choice shown, so readings that disagree are ``ambiguous``."""
    variants: list[tuple[CheckOptions, tuple[str, ...], str]] = []
    stated_rows = options.convention == "Wt_x"  # the user's z = W^T x + b: never the columns' W x
    columns_fit = code and not options.columns and not stated_rows and not upstream
    if isinstance(hinted, IndexConflictError) and columns_fit:
        # code whose indices fit with the examples as columns (dW = dZ @ X.T, X of shape d x N); a formula's
        # own indices say what they run over (\sum_{n=1}^N), so it is never read so
        columns = replace(options, convention="W_x", columns=True)
        variants.append((columns, (), _COLUMNS_SAID))
    for convention in hinted.conventions:
        # a convention the user (or the page's words) stated is kept: its refusal is the answer
        if options.convention is None and convention in CONVENTIONS and convention != "Wt_x":
            other = replace(options, convention=cast(Convention, convention))
            variants.append((other, (), "z = W x + b: the indices read W_{ij} as class i"))
    for loss in hinted.losses:
        if options.loss != loss and loss in LOSSES:
            variants.append((replace(options, loss=cast(LossKind, loss)), (), f"the loss read as {loss}"))
    for let in hinted.lets:
        page, _, canonical = let.partition("=")
        if code and canonical in ("z", "Z") and _times_the_weights(page, options.claim):
            continue  # S = X @ W.T: code that multiplies X by the weights computes the logits from it
        role = "the softmax output" if canonical in ("a", "A") else "the logits"
        variants.append((options, (let,), f"{page} read as {role} ({let})"))
    for lets in hinted.together:  # y=a and a=z: the page's y the output and its a the logits
        variants.append((options, lets, f"{' and '.join(lets)} read together"))
    return variants


def _times_the_weights(name: str, code: str) -> bool:
    """Whether a line of code multiplies ``name`` by the weights W (``X @ W.T``, ``np.dot(X, W)``)."""
    if not re.fullmatch(r"[A-Za-z_]\w*", name):
        return False
    product = r"(?:@|\*|\.dot\(|,)"
    pattern = rf"\b{name}\b[^\n;=]*?{product}[^\n;=]*?\bW\b|\bW\b[^\n;=]*?{product}[^\n;=]*?\b{name}\b"
    return re.search(pattern, code) is not None


def _definition_instead(readings: Sequence[ClaimReading], options: CheckOptions) -> DeriveError | None:
    """When no reading is a claim, but the text reads as the definition of a new symbol, say so."""
    for reading in readings:
        if len(reading.claims) != 1 or reading.means is not None or options.means or options.wrt:
            continue
        left = reading.claims[0].sides[0]
        symbol = left.function if isinstance(left, Call) else left
        if isinstance(symbol, Symbol) and is_known_name(symbol):
            continue  # a_j = ...: the model's own letter, not a new symbol
        try:
            name = map_definition(
                reading.claims[0],
                lets=options.let,
                defines=options.define,
                loss=options.loss,
                convention=options.model_convention,
            )
        except DeriveError:
            continue
        return DefinitionNotClaimError(
            f"the text defines ${name}$, a symbol derive does not know: it is a definition, not a claim; "
            f"give it with --define to check claims that use ${name}$"
        )
    return _expression_instead(readings, options)


def _expression_instead(readings: Sequence[ClaimReading], options: CheckOptions) -> DeriveError | None:
    """When the text is one expression with no left side whose every symbol reads, say so: it can be
    given with --define (a loss written on its own) or checked with --means."""
    if options.means or options.wrt:
        return None
    for reading in readings:
        if len(reading.claims) != 1 or len(reading.claims[0].sides) != 1 or reading.means is not None:
            continue
        claim = reading.claims[0]
        named = replace(claim, sides=(Symbol("\\text{expression}"), claim.sides[0]))
        try:
            map_definition(named, lets=options.let, defines=options.define, loss=options.loss,
                           convention=options.model_convention)  # fmt: skip
        except DeriveError:
            continue
        return ExpressionNotClaimError(
            f"the text is an expression with no left side (read as ${format_node(claim.sides[0])}$): to "
            "check it, say what it is with --means 'dH/dz'; to use it in other claims, --define 'NAME = ...'"
        )
    return None


def _map_reading(
    reading: ClaimReading, options: CheckOptions, lets: tuple[str, ...]
) -> tuple[MappedClaim, ...]:
    # --let 'y=c' where the code's y holds each example's true class: the code reading's y=y (the labels)
    labels = {let.partition("=")[0] for let in reading.lets if let.endswith("=y")}
    given = tuple(let for let in options.let if let.replace(" ", "") not in {f"{n}=c" for n in labels})
    return tuple(
        map_claim(
            claim,
            wrt=options.wrt,
            lets=given,
            chosen_lets=(*reading.lets, *lets),
            loss=options.loss,
            convention=options.model_convention,
            classes=options.classes,
            defines=options.define,
            where=options.where,
            means=reading.means if reading.means is not None else options.means,
            definitions=reading.definitions,
            implied_sums=options.implied_sums,
            columns=options.columns,
            rows=options.rows,
            diagonal=options.diagonal,
            transposed=options.transposed,
            code=reading.syntax in ("python", "code"),
        )
        for claim in reading.claims
    )


def _notation_variants(
    claims: Sequence[MappedClaim], options: CheckOptions, reading: ClaimReading
) -> list[tuple[tuple[str, ...], str]]:
    r"""Other plausible meanings of the notation, when two page names were guessed as one vector:

    * ``y`` written with another symbol guessed as the targets and no symbol read as the output is often
      the page's output (``y_i - t_i``), or that other symbol is the output (``X^T (P - Y)``: P the
      probabilities, Y the targets);
    * a name guessed as the softmax output that the left side differentiates by, beside another name
      guessed as the output, is the logits (``\partial L/\partial s_i = p_i - y_i``: s the scores)."""
    entries = [entry for claim in claims for entry in claim.mapping]
    variants: list[tuple[tuple[str, ...], str]] = []
    named = {let.split("=")[0].strip() for let in options.let}
    guessed_targets = [
        e
        for e in entries
        if e.guessed and e.canonical in ("y", "Y") and e.page not in ("y", "Y")
        and not _COMPARISON.search(e.page)
    ]
    outputs = [e for e in entries if e.canonical in ("a", "A")]
    # softmax(Z) applied is the output's value, not another name for it: P beside it may still be the output
    named_outputs = [e for e in outputs if not _APPLIED_OUTPUT.match(e.page)]
    writes_y = any(_letter_of(e.page) in ("y", "Y") for e in entries) or any(
        "y" in str(claim.lhs) + " ".join(str(side.expr) for side in claim.sides) for claim in claims
    )
    if guessed_targets and not named_outputs and writes_y and not any(name.startswith("y") for name in named):
        page, canonical = guessed_targets[0].page, guessed_targets[0].canonical
        variants.append((("y=a",), f"y read as the softmax output ({page} is the targets)"))
        y_targets = any(_letter_of(e.page) in ("y", "Y") and e.canonical in ("y", "Y") for e in entries)
        # P beside Y, or \mathbf{P} beside \mathbf{Y}: P the probabilities
        letter = _letter_of(page)
        bold = (rf"\mathbf{{{letter}}}", rf"\boldsymbol{{{letter}}}")
        plain = _PLAIN_NAME.fullmatch(letter) and page in (letter, *bold)
        if plain and page not in named and y_targets and letter in _TARGET_OR_OUTPUT:
            output = "A" if canonical == "Y" else "a"
            variants.append(((f"{page}={output}",), f"{page} read as the softmax output (y is the targets)"))
    for guess in guessed_targets:
        # p_n in one step and P in the next (\frac{1}{N} X^T (P - Y)): P is the batch of the output p
        letter = _letter_of(guess.page)
        if letter in ("P", "Q", "S") and any(_letter_of(e.page) == letter.lower() for e in named_outputs):
            said = f"{guess.page} read as the batch of {letter.lower()}, the softmax output"
            variants.append(((f"{guess.page}=A",), said))
    by = _differentiated_by(reading)
    if (
        guessed_targets
        and any(e.page in ("y", "Y") for e in entries)
        and by is not None
        and {e.page for e in outputs} == {by}
        and by in ("a", "A")
        and not named & {"y", "Y", by}
    ):
        # Bishop's dE/da_k = y_k - t_k: a the activations (the logits), y the output, t the targets
        logits, output = ("Z", "A") if by == "A" else ("z", "a")
        page = guessed_targets[0].page
        said = f"y read as the softmax output and {by} as the logits ({page} is the targets)"
        variants.append(((f"{'Y' if by == 'A' else 'y'}={output}", f"{by}={logits}"), said))
    targets_read = any(e.canonical in ("y", "Y") for e in entries)
    lone = [e for e in outputs if e.guessed and _PLAIN_NAME.fullmatch(e.page) and e.page not in named]
    own_output = _defines_the_output(reading)
    if not targets_read and len(lone) == 1 and own_output and lone[0].page not in ("a", "A"):
        # kd_grad(z, q, T): p = softmax(z / T) computed, and q (a name for an output) beside it: q is what
        # the output is compared with, the targets (with q as the output no target is left)
        page, target = lone[0].page, "Y" if lone[0].canonical == "A" else "y"
        said = f"{page} read as the targets (the text computes the output itself; {page} is compared with it)"
        variants.append(((f"{page}={target}",), said))
    # \hat{p}_k - q_k: two names guessed as the output and none as the targets; one of them is the targets
    # (a hatted name is the prediction, so the other one), each shown as a reading
    two = sorted({e.page for e in _output_letters(outputs)})
    by_guess = {e.page for e in outputs if e.guessed}
    guessed = [page for page in two if page not in named and page in by_guess]
    # (under another loss the targets may be its own, smoothed or a teacher's: no such guess)
    if len(two) == 2 and guessed and not targets_read and by not in two and options.loss == "softmax-ce":
        # a name the user (or the words) gave as the output, or a hatted one, is the output: the other not
        hatted = [page for page in guessed if page.startswith("\\hat")]
        one_hatted = len(guessed) == 2 and len(hatted) == 1
        candidates = [p for p in guessed if p not in hatted] if one_hatted else guessed
        for page in candidates:
            other = next(p for p in two if p != page)
            batch = any(e.page == page and e.canonical == "A" for e in outputs)
            said = f"{page} read as the targets ({other} is the softmax output: two names for one vector)"
            variants.append(((f"{page}={'Y' if batch else 'y'}",), said))
    # p_i - q_i: p read as the target probability beside another output (information theory's H(p, q));
    # pages as often name the softmax output p and the targets q
    p_targets = [e for e in entries if e.guessed and e.reason.startswith("p read as the target probability")]
    lone_outputs = sorted({e.page for e in _output_letters(outputs) if e.guessed and e.page not in named})
    # (the cross-entropy takes the log of the output: a name in a log or a denominator, -p_i/q_i or
    # \log q_j, and not the other, is the output, and the reading stands alone)
    logged = _logged_letters(reading)
    if (
        len(p_targets) == 1
        and p_targets[0].page not in named
        and len(lone_outputs) == 1
        and options.loss == "softmax-ce"
        and not (_letter_of(lone_outputs[0]) in logged and _letter_of(p_targets[0].page) not in logged)
    ):
        batch = p_targets[0].canonical == "Y"
        page, other = p_targets[0].page, lone_outputs[0]
        said = f"{page} read as the softmax output and {other} as the targets"
        variants.append(((f"{page}={'A' if batch else 'a'}", f"{other}={'Y' if batch else 'y'}"), said))
    guessed_outputs = {e.page for e in outputs if e.guessed}
    # \partial L/\partial a_i = \hat{y}_i - y_i: the model's own letter a, differentiated by beside a name
    # guessed as the output, is the logits too (as a and \hat{y} both the output, the claim fails)
    recognized = {e.page for e in outputs if e.guessed and not e.reason.startswith("a reading's choice")}
    canonical_by = by in ("a", "A") and bool(recognized)
    if (
        by is not None
        and (by in guessed_outputs or canonical_by)
        and len({e.page for e in outputs}) > 1
        and by not in named
    ):
        logits = "Z" if any(e.canonical == "A" and e.page == by for e in outputs) else "z"
        said = f"{by} read as the logits (the left side differentiates by it)"
        variants.append(((f"{by}={logits}",), said))
    return variants


def _logged_letters(reading: ClaimReading) -> set[str]:
    """The letters the text takes the log of or divides by (``\\log q_j``, ``\\frac{p_i}{q_i}``)."""
    letters: set[str] = set()
    for claim in reading.claims:
        for side in claim.sides:
            for node in walk(side):
                inner = node.arg if isinstance(node, Log) else None
                if isinstance(node, Div):
                    inner = node.denominator
                if inner is not None:
                    letters |= {n.name for n in walk(inner) if isinstance(n, Symbol)}
    return letters


#: A page name that is one letter, maybe hatted or bold (\hat{p}, q, \mathbf{s}), not a call or a word.
_PLAIN_OR_HAT: Final = re.compile(r"(?:\\(?:hat|mathbf|boldsymbol)\{[A-Za-z]\}|[A-Za-z])")
_ONE_NAME: Final = re.compile(r"^(?P<name>[A-Za-z]{2,4}) read as one name$")


def _one_name_beside_its_letter(mapped: MappedReading) -> str | None:
    """``Xw read as one name`` (every letter one of the model's) in a text that also writes X (or w) on its
    own: the choice, or None."""
    for choice in mapped.reading.choices:
        found = _ONE_NAME.match(choice)
        if found is None:
            continue
        model_letters = {*CANONICAL, *_MODEL_VALUES, "Y", "w"}
        if not set(found["name"]) <= model_letters:
            continue  # yhat, CE: a word, not the model's letters run together
        letters = set(found["name"])
        alone = {
            n.name
            for claim in mapped.reading.claims
            for side in claim.sides
            for n in walk(side)
            if isinstance(n, Symbol)
        }
        if letters & alone:
            return choice
    return None


def _logs_the_targets(mapped: MappedReading) -> bool:
    """Whether a reading takes the logarithm of the targets anywhere in its claims."""
    exprs = [e for c in mapped.claims for e in (c.lhs, *(side.expr for side in c.sides)) if e is not None]
    return any(
        isinstance(arg, sympy.Indexed) and str(arg.base) in ("y", "Y")
        for expr in exprs
        for log in expr.atoms(sympy.log)
        for arg in (log.args[0],)
    )


def _defines_the_output(reading: ClaimReading) -> bool:
    """Whether code computes the softmax output itself (a value of its own that exponentiates the logits,
    given to the check as a definition)."""
    return any(any(isinstance(n, Exp) for n in walk(node)) for _, _, node in reading.definitions) or (
        reading.syntax in ("python", "code")
        and any(isinstance(n, Exp) for claim in reading.claims for side in claim.sides for n in walk(side))
    )


#: A comparison with the true class read as the one-hot targets (\delta_{ky}, 1\{y = j\}, [y = j]): not a
#: name for the targets, so no reason to read y as something else.
_COMPARISON: Final = re.compile(r"\\delta|\\mathbb|\\mathbf\{1\}|1\\\{|[\[=≠]|\\neq?\b")

#: Names guessed as the targets that may also be the output beside y (``X^T (P - Y)``: P the
#: probabilities); Bishop's and Hinton's t, labels, targets, y_true never are.
_TARGET_OR_OUTPUT: Final = frozenset({"P"})

#: A page name a --let can map as it is (a letter, or a word).
_PLAIN_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def _one_output_fits(reading: ClaimReading, options: CheckOptions) -> bool:
    """Whether a reading under the softmax that meets a notation error may be logistic regression's: its
    left side is by one vector of weights (``w``, ``\\theta``, or one entry of it, ``\\theta_j``), and the
    page's words do not name the softmax alone."""
    if options.loss != "softmax-ce" or _softmax_named_only(options):
        return False
    return _by_one_weight_vector(reading, entries=True)


def _by_one_weight_vector(reading: ClaimReading, entries: bool = False) -> bool:
    r"""Whether the claim's left side is the derivative by one unindexed weight vector (``dL/dw``,
    ``\partial L/\partial \mathbf{w}``): logistic regression's one output."""
    if len(reading.claims) != 1 or not reading.claims[0].sides:
        return False
    lhs = reading.claims[0].sides[0]
    wrt = lhs.wrt if isinstance(lhs, Derivative) else lhs.of if isinstance(lhs, Differential) else None
    return (
        isinstance(wrt, Symbol)
        and wrt.name in ("w", "theta")
        and len(wrt.indices) <= (1 if entries else 0)
        and wrt.decoration in (None, "bold", "vec")
    )


def _differentiated_by(reading: ClaimReading) -> str | None:
    """The plain name the claim's left side differentiates by (``s`` in ``dL/ds_i``), if any."""
    if len(reading.claims) != 1 or not reading.claims[0].sides:
        return None
    lhs = reading.claims[0].sides[0]
    if not isinstance(lhs, Derivative):
        return None
    wrt = lhs.wrt.function if isinstance(lhs.wrt, Call) else lhs.wrt
    if isinstance(wrt, Symbol) and wrt.decoration is None and _PLAIN_NAME.fullmatch(wrt.name):
        return wrt.name
    return None


#: The sigmoid of one weight vector (lowercase w, theta) transposed times the input: logistic regression.
_LOGISTIC_MODEL: Final = re.compile(
    r"(?:\\sigma|σ|\bsigmoid)\s*(?:\\left)?\s*\(\s*(?:\\mathbf\{w\}|\\boldsymbol\{w\}|\\vec\{w\}|w|\\theta)"
    r"\s*\^\s*\{?\s*(?:T|\\top|\\intercal)\b"
)


def _logistic_written(options: CheckOptions) -> bool:
    """Whether the claim writes logistic regression's model, σ(w^T x), and the page's words do not name the
    softmax alone."""
    return not _softmax_named_only(options) and _LOGISTIC_MODEL.search(options.claim) is not None


def _the_true_class(index: str, options: CheckOptions) -> bool:
    r"""Whether an index is the true class, not a class to sum over: the label's own letter y, or an index
    the user's conditions compare (``--where 'j != y'``) or the user's definitions leave free (``--define
    'L = -\log p_t'``)."""
    if index == "y":
        return True
    pattern = re.compile(rf"(?<![A-Za-z\\]){re.escape(index)}(?![A-Za-z])")
    if any(pattern.search(where) for where in options.where):
        return True
    from derive.claims.mapping import parse_definition

    for define in options.define:
        with contextlib.suppress(DeriveError):
            definition = parse_definition(define)
            if index in free_index_names(definition.target) and index not in definition.pattern:
                return True
    return False


def _chain_rule_index(reading: ClaimReading) -> str | None:
    """The index a claim repeats in a product of two derivatives without summing it, which the left side
    does not have (``\\frac{\\partial L}{\\partial a_j}\\frac{\\partial a_j}{\\partial z_i}``): the chain
    rule's implied sum. None when there is none, more than one, or another index only the right side has
    (which an implied sum would sum too: the true class of ``\\delta_{iy}``)."""
    if len(reading.claims) != 1 or len(reading.claims[0].sides) < 2:
        return None
    lhs, *sides = reading.claims[0].sides
    own = free_index_names(lhs)
    found: set[str] = set()
    for side in sides:
        free = free_index_names(side)
        for node in walk(side):
            if not isinstance(node, Mul):
                continue
            derivatives = [f for f in node.factors if isinstance(f, Derivative)]
            if len(derivatives) < 2:
                continue
            counts: dict[str, int] = {}
            for factor in derivatives:
                for name in free_index_names(factor):
                    counts[name] = counts.get(name, 0) + 1
            found.update(name for name, n in counts.items() if n >= 2 and name not in own and name in free)
    if len(found) != 1 or right_only_indices(lhs, sides) != found:
        return None
    return found.pop()


def _class_letter_variants(reading: ClaimReading, options: CheckOptions) -> list[tuple[tuple[str, ...], str]]:
    """``\\partial L/\\partial z_c = p_c - 1``: the letter c as the index of the left side's derivative of the
    loss is read as written (every class) and also as the true class, which pages also call c; when the
    readings disagree the verdict says so (``--let 'c=c'`` picks the second)."""
    if options.means or options.wrt or len(reading.claims) != 1 or reading.means is not None:
        return []
    lhs = reading.claims[0].sides[0]
    named = {let.split("=")[0].strip() for let in options.let}
    if "c" in named or not isinstance(lhs, Derivative) or "c" not in free_index_names(lhs.wrt):
        return []
    of = lhs.of.function if isinstance(lhs.of, Call) else lhs.of
    if not isinstance(of, Symbol) or (GUESSES.get((of.name, None)) != "loss" and of.name != "H"):
        return []
    targets = [
        node
        for side in reading.claims[0].sides[1:]
        for node in walk(side)
        if isinstance(node, Symbol)
        and (
            (node.name in ("y", "t") and node.decoration in (None, "bold"))  # not \hat{y}, the output
            or GUESSES.get((node.name, None)) == "target"
        )
    ]
    if targets:
        return []  # p_c - y_c: written with the targets, a formula for every class
    return [(("c=c",), "c read as the true class (pages also write c for any class)")]


def _loose_index_variants(reading: ClaimReading, options: CheckOptions) -> list[tuple[tuple[str, ...], str]]:
    """``dL/dz_i = a_i - \\delta_{ik}``: one index that only the right side has, which nothing gives a value,
    is read "for every k" as written, and also as the true class (what such a page means): both readings
    are judged, and when they disagree the verdict says so (``--let 'k=c'`` picks the second)."""
    from derive.claims.mapping import TRUE_CLASS_NAMES, free_index_names, right_only_indices

    if options.implied_sums or options.means or options.wrt or len(reading.claims) != 1:
        return []
    claim = reading.claims[0]
    if len(claim.sides) < 2 or reading.means is not None:
        return []
    lhs, *sides = claim.sides
    loose = right_only_indices(lhs, sides)
    if loose is None:
        return []  # \sum y_k ...: the sum written without its index binds k
    conditions = {n.name for c in claim.conditions for n in (c.left, c.right) if isinstance(n, Symbol)}
    named = {let.split("=")[0].strip() for let in options.let}
    loose -= TRUE_CLASS_NAMES | {"d", "N", "e", *s.SUMMATION_NAMES} | conditions | named
    if len(loose) != 1 or not free_index_names(lhs):
        return []
    index = loose.pop()
    return [((f"{index}=c",), f"{index} read as the true class (only the right side has it)")]


#: How bad each verdict is, for a text with several equations (the worst one leads).
_SEVERITY: dict[str, int] = {"fails": 0, "ambiguous": 1, "undecided": 2, "holds_if": 3, "holds": 4}


def evaluate_readings(
    mapped: Sequence[MappedReading], options: CheckOptions, decider: Decider, *, symbolic: bool
) -> CheckResult:
    """Judge every reading; ``ambiguous`` when plausible readings disagree."""
    results = []
    for m in mapped:
        combined = _combine_parts([evaluate_claim(c, options, decider, symbolic=symbolic) for c in m.claims])
        notes = (*m.reading.notes, *combined.notes)
        results.append(_unjudged_row(replace(combined, choices=m.reading.choices, notes=notes)))
    if len(results) == 1:
        return results[0]
    summaries: tuple[dict[str, object], ...] = tuple(
        {
            "choices": list(result.choices),
            "verdict": result.verdict,
            "condition": result.condition,
            "explanation": result.explanation,
        }
        for result in results
    )
    first = results[0]
    if all((r.verdict, r.condition) == (first.verdict, first.condition) for r in results):
        note = f"the text has {len(results)} readings; they all give this verdict"
        steps = [r.first_wrong_step for r in results]
        if None not in steps and len(set(steps)) > 1:
            # a chain wrong under every reading: its first wrong step is where it goes wrong under the
            # reading that keeps it right longest (c the true class in -1/a_c da_c/dz_c)
            shown = max(results, key=lambda r: r.first_wrong_step or 0)
            said = ", ".join(f"reading {n}: step {step}" for n, step in enumerate(steps, 1))
            note += f"; they differ on the first wrong step ({said}): shown, the latest"
            return replace(shown, readings=summaries, notes=(*shown.notes, note))
        return replace(first, readings=summaries, notes=(*first.notes, note))
    listed = "; ".join(
        f"reading {n} ({', '.join(r.choices) or 'as written'}): {r.verdict}" for n, r in enumerate(results, 1)
    )
    return replace(
        first,
        verdict="ambiguous",
        condition=None,
        condition_latex=None,
        counterexample=None,
        explanation=f"the text can be read in {len(results)} ways and they disagree: {listed}; "
        f"pick one with --reading N (1 to {len(results)}), or rewrite the text so that it has one reading",
        readings=summaries,
    )


#: The readings of each other gradient a piece of code computes (``--means``, then its readings or why
#: it could not be read).
OtherValues = list[tuple[str, "list[MappedReading] | str"]]


def map_other_values(mapped: Sequence[MappedReading], options: CheckOptions) -> OtherValues:
    """Code that computes several gradients (``dW`` and ``db``) with no ``--means``: each other value's
    readings, with the ``--means`` its name gives (``db = dH/db``), so that a wrong ``db`` beside a right
    ``dW`` is never a ``holds``."""
    if options.means is not None or not mapped:
        return []
    found: OtherValues = [(f"{name} = ?", "its code is not read") for name in mapped[0].reading.unread]
    for means in mapped[0].reading.also:
        try:
            found.append((means, map_readings(replace(options, means=means))))
        except DeriveError as error:
            found.append((means, str(error)))
    return found


def with_other_values(
    result: CheckResult,
    judged: str | None,
    others: OtherValues,
    options: CheckOptions,
    decider: Decider,
    *,
    symbolic: bool,
) -> CheckResult:
    """The result of the code's claimed value with every other gradient's: the worst verdict leads (the
    claimed value's on a tie), every value is kept as a part, and the notes list each one's verdict."""
    if not others:
        return result
    parts, said, unread = [result], [f"{judged}: {result.verdict}"], []
    for means, readings in others:
        name = means.split("=")[0].strip()
        if isinstance(readings, str):
            said.append(f"{name}: not read ({readings})")
            unread.append(name)
            continue
        try:
            other = evaluate_readings(readings, replace(options, means=means), decider, symbolic=symbolic)
        except DeriveError as error:
            said.append(f"{name}: not judged ({error})")
            unread.append(name)
            continue
        parts.append(other)
        said.append(f"{name}: {other.verdict}")
    lead = min(parts, key=lambda part: _SEVERITY[part.verdict])
    summary = f"the code computes {len(others) + 1} gradients, each judged: " + "; ".join(said)
    if unread and lead.verdict in ("holds", "holds_if"):
        # a gradient that cannot be read may be the wrong one: the code as a whole is not decided
        return replace(
            lead,
            verdict="undecided",
            condition=None,
            condition_latex=None,
            explanation=f"{', '.join(unread)} could not be read, and the code is right only if every "
            f"gradient is: the others hold{' under a condition' if lead.verdict == 'holds_if' else ''}; "
            f'check one alone with --means "{unread[0]} = dH/d..."',
            parts=tuple(parts),
            notes=(*lead.notes, summary),
        )
    return replace(lead, parts=tuple(parts), notes=(*lead.notes, summary))


#: What may stand between formulas that are read one by one: math delimiters, spacing and punctuation.
_BETWEEN_FORMULAS: Final = re.compile(r"(?:\$|\\[\[\]()]|\\q?quad|\\[,;:! ]|\\\\|[\s,;.&]|~)*")


def formulas_apart(
    options: CheckOptions, together: DeriveError
) -> list[tuple[CheckOptions, list[MappedReading]]]:
    r"""Formulas that do not read together, read one by one: ``\frac{\partial s(x)}{\partial x} = s(x)(1 -
    s(x))\ \ \ \frac{\partial s(w^T x_i)}{\partial w} = ...`` (one-variable calculus beside the model's
    gradient), each with its own readings. Only derivative claims that share no words (a word beside them
    may be about all of them) and no definitions; raises ``together`` otherwise or when one does not read."""
    if options.means is not None or options.reading is not None or options.wrt is not None:
        raise together
    named = tuple((p.strip(), c.strip()) for p, _, c in (let.partition("=") for let in options.let))
    try:
        claims = read_claim(options.claim, options.syntax, None, named)[0].claims
    except DeriveError:
        raise together from None
    sources = [claim.source.strip() for claim in claims]
    derivatives = all(
        len(claim.sides) >= 2 and isinstance(_unsigned(claim.sides[0]), Derivative) for claim in claims
    )
    if len(claims) < 2 or not derivatives or len(set(sources)) < len(sources) or not all(sources):
        raise together
    rest = options.claim
    for source in sources:
        if source not in rest:
            raise together
        rest = rest.replace(source, " ", 1)
    if not _BETWEEN_FORMULAS.fullmatch(rest):
        raise together
    found: list[tuple[CheckOptions, list[MappedReading]]] = []
    for source in sources:
        alone = replace(options, claim=source)
        try:
            found.append((alone, map_readings(alone)))
        except DeriveError:
            raise together from None
    return found


def _unsigned(node: Node) -> Node:
    while isinstance(node, Neg):
        node = node.operand
    return node


def combine_apart(parts: list[CheckResult], together: str) -> CheckResult:
    """The results of formulas read one by one (:func:`formulas_apart`), the worst leading."""
    combined = _combine_parts(parts)
    return replace(combined, notes=(*combined.notes, f"each formula read on its own (together: {together})"))


def _combine_parts(parts: list[CheckResult]) -> CheckResult:
    """Several equations in one text: the worst verdict leads, every part is kept."""
    if len(parts) == 1:
        return parts[0]
    lead = min(parts, key=lambda part: _SEVERITY[part.verdict])
    summary = f"the text holds {len(parts)} equations; " + ", ".join(
        f"equation {n}: {part.verdict}" for n, part in enumerate(parts, 1)
    )
    return replace(lead, parts=tuple(parts), notes=(*lead.notes, summary))


def evaluate_claim(
    mapped: MappedClaim, options: CheckOptions, decider: Decider, *, symbolic: bool
) -> CheckResult:
    """Judge every step of a mapped claim with ``decider`` and assemble the result."""
    if mapped.transposed_right:
        return _as_transposed(_evaluate(mapped, options, decider, symbolic), mapped)
    sizes = meaningful_sizes(mapped)
    token = _SAMPLE_SIZES.set(sizes)
    try:
        summed = _summed_batch(mapped)
        result = _evaluate(mapped, options, decider, symbolic)
        if summed is None or result.verdict != "fails" or mapped.batch_loss_said:
            return result
        other = _evaluate(summed, options, decider, symbolic)
        if other.verdict not in ("holds", "holds_if", "undecided"):
            return result
        if mapped.lhs == s.H:
            note = (
                "the batch's loss is read as the sum over its examples, as the claim writes it (no 1/N); "
                "as the mean it fails"
            )
            return replace(other, notes=(*other.notes, note))
        return _mean_or_sum(result, other)
    finally:
        _SAMPLE_SIZES.reset(token)


def _as_transposed(transposed: CheckResult, mapped: MappedClaim) -> CheckResult:
    """A claim whose right side has the transposed shape of its left side's: it fails as written; what its
    transpose gives is said (holds: the claim is the transpose of the right gradient)."""
    product = CONVENTION_PRODUCT[mapped.model.convention]
    condition = transposed.condition
    verdict = {
        "holds": "holds" + (f" ({condition})" if condition else ""),
        "holds_if": f"holds when {condition}",
        "fails": "fails too",
    }.get(transposed.verdict, "is undecided")
    return replace(
        transposed,
        verdict="fails",
        condition=None,
        condition_latex=None,
        counterexample=None,
        explanation=(
            f"the right side is laid out as the transpose of the left side (with z = {product} + b): as "
            f"written the two differ; its transpose {verdict}"
            + (" (the claim is the transpose of the right gradient)" if transposed.verdict != "fails" else "")
        ),
        steps=tuple(replace(step, verdict="fails") for step in transposed.steps)
        if len(transposed.steps) == 1
        else transposed.steps,
    )


def _mean_or_sum(mean: CheckResult, summed: CheckResult) -> CheckResult:
    """A batch gradient with no 1/N that fails for the batch's mean loss and holds for their sum: pages
    define a batch's loss either way, and a gradient does not say which (forgetting the 1/N of a mean is
    also a classic mistake), so the verdict is ``ambiguous``, with both readings."""
    readings: tuple[dict[str, object], ...] = tuple(
        {
            "choices": [f"the batch's loss read as the {name} over its examples (--batch-loss {name})"],
            "verdict": result.verdict,
            "condition": result.condition,
            "explanation": result.explanation,
        }
        for name, result in (("mean", mean), ("sum", summed))
    )
    return replace(
        mean,
        verdict="ambiguous",
        condition=None,
        condition_latex=None,
        counterexample=None,
        explanation="the text can be read in 2 ways and they disagree: the batch's loss is the mean over its "
        f"examples or their sum, and the claim does not say which (no 1/N): as the mean it fails, as the sum "
        f"it {summed.verdict}; say which with --batch-loss mean or --batch-loss sum",
        readings=readings,
    )


#: A text that itself takes a mean (code's ``np.mean``, ``.mean()``, ``reduction='mean'``, a 1/N, the word):
#: its batch loss is the mean.
_MEAN_WRITTEN: Final = re.compile(
    r"\bmean\b|\breduce_mean\b|\baverage[ds]?\b|\bavg\b|\\frac\s*\{?\s*1\s*\}?\s*\{?\s*[NMmn]\b|"
    r"(?<![\w.])1\s*\.?\s*/\s*[NMmn]\b"
)
_SUM_WRITTEN: Final = re.compile(r"reduction\s*=\s*['\"]sum['\"]|\bsummed\b")


def _batch_loss_written(text: str) -> BatchLoss | None:
    """What the claim's own text says a batch's loss is (code that computes its loss with a mean, a 1/N
    in a chain), when it says one thing."""
    mean, summed = _MEAN_WRITTEN.search(text), _SUM_WRITTEN.search(text)
    if mean is not None and summed is None:
        return "mean"
    if summed is not None and mean is None:
        return "sum"
    return None


#: A page's name for the strength of an L2 penalty on the weights (weight decay).
_PENALTY_NAME: Final = r"(?:\\lambda|λ|lambda_?|reg|reg_strength|l2_?reg\w*|weight_?decay|wd)"
#: A term of a gradient that says the loss has such a penalty: ``\lambda W``, ``reg * W``, ``W * reg``.
_PENALTY_TERM: Final = re.compile(
    rf"(?<![A-Za-z_\\])(?P<name>{_PENALTY_NAME})\s*(?:\*|\\cdot|\\,)?\s*"
    r"(?:\\mathbf\{|\\boldsymbol\{|self\.)?W(?![A-Za-z])"
    rf"|(?<![\w.])W\s*\*\s*(?P<after>{_PENALTY_NAME})(?!\w)"
)
#: The two ways pages scale that penalty: (lambda / 2) ||W||^2 (gradient lambda W) and lambda ||W||^2.
_PENALTY_SCALES: Final = (sympy.Rational(1, 2), sympy.Integer(1))


def _with_penalty_written(options: CheckOptions) -> tuple[CheckOptions, tuple[str, ...]]:
    r"""A claim whose text adds ``\lambda W`` or ``reg * W`` (a gradient by W) says the loss has an L2 penalty
    on the weights: read with ``--loss weight-decay`` (the name read as its strength lambda), unless the
    user names another loss. Returns the options and, when the loss was read from the text (not given),
    the line that says so: how the page scales the penalty is not written then, and both ways are judged."""
    match = _PENALTY_TERM.search(options.claim)
    if match is None or options.loss not in ("softmax-ce", "weight-decay"):
        return options, ()
    name = match["name"] or match["after"]
    lets = options.let
    named = any(let.split("=")[0].strip() == name for let in lets)
    if name not in ("\\lambda", "λ", "lambda") and not named:
        lets = (*lets, f"{name}=\\lambda")
    if options.loss == "weight-decay":
        return replace(options, let=lets), ()
    said = (
        f"--loss weight-decay: the term {match[0].strip()} says the loss has an L2 penalty on W with "
        f"strength {name} (say otherwise with --loss)"
    )
    return replace(options, loss="weight-decay", let=lets), (said,)


def _with_penalty_scale(reading: MappedReading, scale: sympy.Rational) -> MappedReading:
    """The reading with weight decay's penalty ``scale`` lambda ||W||^2, shown as a choice."""
    half = scale == sympy.Rational(1, 2)
    written = "(λ/2) ‖W‖², its gradient λ W" if half else "λ ‖W‖², its gradient 2 λ W"
    claims = tuple(replace(c, model=replace(c.model, penalty_scale=scale, _cache={})) for c in reading.claims)
    choices = (*reading.reading.choices, f"the loss's penalty read as {written}")
    return replace(reading, claims=claims, reading=replace(reading.reading, choices=choices))


def _with_batch_loss(reading: MappedReading, batch_loss: BatchLoss, said: str) -> MappedReading:
    """The reading with the batch's loss the mean or the sum over its examples, as the user (or the page's
    words) said, for every claim about the built-in loss of a batch."""
    claims = []
    for claim in reading.claims:
        if claim.mean_of_examples and batch_loss == "sum":  # one example's gradient of the sum: its own
            notes = tuple(note for note in claim.notes if note != MEAN_OF_EXAMPLES)
            note = f"the batch's loss is the sum over its examples{said}: one example's gradient is its own"
            claim = replace(claim, lhs=claim.lhs * s.N, mean_of_examples=False, notes=(*notes, note))
        if batch_loss == "mean" and not claim.mean_of_examples and _by_one_examples_vector(claim):
            # dL/dz^{(n)} = p^{(n)} - y^{(n)} of the batch's mean: that example's gradient divided by N (the
            # claim without 1/N held)
            note = f"the batch's loss is the mean over its examples{said}: one example's gradient over N"
            claim = replace(claim, lhs=claim.lhs / s.N, mean_of_examples=True, notes=(*claim.notes, note))
        if _summed_batch(claim) is not None or claim.model.batch_sum:
            model = replace(claim.model, batch_sum=batch_loss == "sum", _cache={})
            note = f"the batch's loss is the {batch_loss} over its examples{said}"
            claim = replace(claim, model=model, batch_loss_said=True, notes=(*claim.notes, note))
        claims.append(claim)
    return replace(reading, claims=tuple(claims))


def _by_one_examples_vector(claim: MappedClaim) -> bool:
    """A claim about one example (its superscript dropped) whose left side is the loss's gradient by that
    example's logits, output or input."""
    if claim.model.batch or not isinstance(claim.lhs, sympy.Derivative) or claim.lhs.expr != s.H:
        return False
    if not any(note.startswith("the example superscript of") for note in claim.notes):
        return False
    by = {str(v.base.label) for v in claim.lhs.variables if isinstance(v, sympy.Indexed)}
    return bool(by) and by <= {"z", "a", "x"}


def _summed_batch(mapped: MappedClaim) -> MappedClaim | None:
    """A claim about a batch's loss (L = -sum_n sum_c t_nc log y_nc) or its gradient, read with the loss as
    the sum over the examples: pages define it either way."""
    model = mapped.model
    about_loss = mapped.lhs in (s.H, -s.H) or (
        isinstance(mapped.lhs, sympy.Derivative) and mapped.lhs.expr in (s.H, -s.H)
    )
    if not model.batch or model.batch_sum or not about_loss:
        return None
    if model.loss_kind == "temperature":
        return None
    return replace(mapped, model=replace(model, batch_sum=True, _cache={}))


def _evaluate(mapped: MappedClaim, options: CheckOptions, decider: Decider, symbolic: bool) -> CheckResult:
    base = list(mapped.assumptions)
    for name in options.assume:
        assumption = ASSUME_NAMES[name]
        if assumption not in base:
            base.append(assumption)
    if Assumption.ONE_HOT in base and Assumption.SUM_TO_ONE in base:
        base.remove(Assumption.SUM_TO_ONE)
    steps: list[StepResult] = []
    judgments: list[_Judgment | None] = []
    last = len(mapped.sides) - 1
    for number, side in enumerate(mapped.sides):
        error = side.error
        judgment: _Judgment | None = None
        if side.expr is not None:
            try:
                judgment = _judge_side(mapped, side, base, decider)
            except MeaninglessClaimError as meaningless:
                if number == last:
                    raise
                error = str(meaningless)
        if judgment is None:
            steps.append(StepResult(number, side.latex, "unreadable", explanation=error or ""))
            judgments.append(None)
            continue
        judgments.append(judgment)
        steps.append(
            StepResult(
                number,
                side.latex,
                judgment.verdict,
                judgment.condition,
                judgment.condition_latex,
                judgment.explanation,
                _counterexample_dict(judgment.counterexample, mapped),
            )
        )
    final_side, final = mapped.sides[-1], judgments[-1]
    if final is None:
        raise NotationError(final_side.error or "the claim could not be read")
    first_wrong = next((step.index for step in steps if step.verdict == "fails"), None)
    notes = list(mapped.notes)
    chain, conclusion = _chain_judgment(steps, judgments, final)
    if len(steps) > 1:
        unreadable = [step.index for step in steps if step.verdict == "unreadable"]
        if unreadable:
            notes.append(
                "steps " + ", ".join(map(str, unreadable)) + " could not be read and were not checked"
            )
    counterexample = _counterexample_dict(chain.counterexample, mapped)
    at: dict[str, object] | None = None
    if options.at:
        assert final_side.expr is not None
        at = at_instance(mapped, final_side.expr, parse_at(options.at))
        wrong = [row for row in at["cases"] if not row["agrees"]]  # type: ignore[attr-defined]
        if wrong and chain is final and final.verdict == "fails":
            row = wrong[0]
            counterexample = {
                "classes": at["classes"],
                "indices": row["indices"],
                "values": at["values"],
                "claimed": row["claimed"],
                "true": row["true"],
                "source": "--at",
            }
    if not symbolic:
        notes.append("numeric check only: the symbolic check did not finish")
    explanation = chain.explanation
    if chain.verdict == "fails" and counterexample is not None:
        explanation += (
            f"; for example at {_describe_indices(counterexample)} the claim gives "
            f"{_num(counterexample['claimed'])} and the truth is {_num(counterexample['true'])}"
        )
    if conclusion is not None and conclusion["verdict"] != chain.verdict:
        explanation += f"; the last line on its own: {conclusion_text(conclusion)}"
    explanation += _constant_note(final_side, mapped.model)
    return CheckResult(
        claim=options.claim,
        lhs_latex=mapped.lhs_latex,
        verdict=chain.verdict,
        condition=chain.condition,
        condition_latex=chain.condition_latex,
        counterexample=counterexample,
        mapping=tuple(entry.as_dict() for entry in mapped.mapping),
        steps=tuple(steps),
        first_wrong_step=first_wrong,
        notes=tuple(notes),
        at_instance=at,
        assumptions=tuple(a.slug for a in base),
        explanation=explanation,
        symbolic=symbolic,
        classes=str(mapped.model.classes),
        conclusion=conclusion,
    )


def _chain_judgment(
    steps: Sequence[StepResult], judgments: Sequence[_Judgment | None], final: _Judgment
) -> tuple[_Judgment, dict[str, str | None] | None]:
    """The verdict of the whole chain, and the last step's own verdict (None for a single equation).

    A derivation is correct only when every step is: the first false step makes the chain ``fails``
    (with that step's counterexample) even when the last line is right; an undecided step makes it
    ``undecided``; a step that needs a condition makes it ``holds_if`` that condition.
    """
    if len(steps) < 2:
        return final, None
    conclusion = {
        "verdict": final.verdict,
        "condition": final.condition,
        "condition_latex": final.condition_latex,
    }
    checked = [(step, judgment) for step, judgment in zip(steps, judgments, strict=True) if judgment]
    for verdict in ("fails", "undecided", "holds_if"):
        if final.verdict == verdict:
            return final, conclusion
        found = next(((step, j) for step, j in checked if j.verdict == verdict), None)
        if found is None:
            continue
        step, judgment = found
        if verdict == "holds_if":
            why = f"step {step.index} holds only when {judgment.condition}"
            return replace(judgment, explanation=why), conclusion
        what = "is wrong" if verdict == "fails" else "could not be decided"
        why = f"step {step.index} {what}: {judgment.explanation}"
        return replace(judgment, explanation=why), conclusion
    return final, conclusion


def conclusion_text(conclusion: Mapping[str, str | None]) -> str:
    """``holds``, ``holds if the targets sum to 1 ...``, ``fails`` or ``undecided``."""
    if conclusion["verdict"] == "holds_if":
        return f"holds if {conclusion['condition']}"
    return str(conclusion["verdict"])


def _judge_side(
    mapped: MappedClaim, side: MappedSide, base: Sequence[Assumption], decider: Decider
) -> _Judgment:
    assert side.expr is not None
    if side.restriction is not None and vacuous(side.restriction, mapped.model):
        raise MeaninglessClaimError(
            f"the condition of ${side.latex}$ holds for no index value, so the claim says nothing "
            "(a vacuous claim is never 'holds')"
        )
    try:
        return judge(mapped.lhs, side.expr, mapped, base, decider, side.restriction)
    except NumericEvaluationError as error:
        raise MeaninglessClaimError(
            f"${side.latex}$ has no value at any sample point where the two sides could be compared ({error})"
        ) from None


# --------------------------------------------------------------------------------------------------------
# Claims with nothing to check
# --------------------------------------------------------------------------------------------------------

#: The size each axis of a variable runs over (``W`` follows the convention).
_AXES: dict[str, tuple[str, ...]] = {
    "x": ("features",), "b": ("classes",), "z": ("classes",), "y": ("classes",), "a": ("classes",),
    "v": ("classes",), "X": ("examples", "features"), "Z": ("examples", "classes"),
    "Y": ("examples", "classes"), "A": ("examples", "classes"),
}  # fmt: skip

#: What each size is called in a message.
_SIZE_NAMES = {"classes": "k", "features": "d", "examples": "N"}


def _axes(base: str, model: Model) -> tuple[str, ...]:
    if base == "W":
        return ("features", "classes") if model.convention == "Wt_x" else ("classes", "features")
    return _AXES.get(base, ())


def meaningful_sizes(mapped: MappedClaim) -> tuple[Sizes, ...] | None:
    """Refuse a claim that divides by zero or names an index out of range (MeaninglessClaimError); the
    sample sizes its constant indices need (``a_7`` for symbolic k: k >= 7), or None for the defaults."""
    expressions = [mapped.lhs, *(side.expr for side in mapped.sides if side.expr is not None)]
    for expr in expressions:
        if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise MeaninglessClaimError(
                "the claim divides by zero (or is infinite), so it has no value to check"
            )
    model = mapped.model
    least: dict[str, int] = {}
    for expr in expressions:
        for node in sympy.preorder_traversal(expr):
            if not isinstance(node, sympy.Indexed):
                continue
            base = str(node.base)
            for axis, index in zip(_axes(base, model), node.indices, strict=False):
                if not (isinstance(index, sympy.Integer) and index >= 1):
                    continue
                value, size = int(index), getattr(model, axis)
                symbol = _SIZE_NAMES[axis]
                if isinstance(size, int) and value > size:
                    raise MeaninglessClaimError(
                        f"{base}_{value}: index {value} is out of range ({symbol} = {size})"
                    )
                if value > MAX_CLASSES:
                    raise MeaninglessClaimError(
                        f"{base}_{value}: index {value} is out of the range checked (at most {MAX_CLASSES})"
                    )
                least[axis] = max(least.get(axis, 0), value)
    if not least or model.batch:
        return None
    defaults = (Sizes(2, 2, 2), Sizes(3, 3, 2), Sizes(5, 2, 3))
    if all(
        size.classes >= least.get("classes", 0) and size.features >= least.get("features", 0)
        for size in defaults
    ):
        return None
    grown = (
        Sizes(
            max(size.classes, least.get("classes", 0) + offset),
            max(size.features, least.get("features", 0)),
            size.examples,
        )
        for offset, size in enumerate(defaults)
    )
    return tuple(dict.fromkeys(grown))


#: Most index combinations a condition is tried on.
_MAX_CONDITION_CASES = 4096


def vacuous(restriction: sympy.Expr, model: Model) -> bool:
    """Whether a claim's condition (a product of index indicators) holds for no index value at all."""
    if restriction == 0:
        return True
    free = sorted(restriction.atoms(sympy.Idx), key=str)
    if not free:
        return bool(restriction.is_number and restriction == 0)
    sizes = [model.classes] if isinstance(model.classes, int) else [2, 3, 5]
    for classes in sizes:
        bounds = {s.k: classes, s.d: 3, s.N: 2}
        ranges = []
        for index in free:
            upper = as_expr(index.upper).xreplace({key: sympy.Integer(v) for key, v in bounds.items()})
            if not upper.is_Integer:
                return False
            ranges.append(range(1, int(upper) + 1))
        if math.prod(len(r) for r in ranges) > _MAX_CONDITION_CASES:
            return False
        for combo in itertools.product(*ranges):
            value = restriction.xreplace({i: sympy.Integer(v) for i, v in zip(free, combo, strict=True)})
            if not value.is_number or value != 0:
                return False
    return True


def _constant_note(side: MappedSide, model: Model) -> str:
    """Say so when the claimed right side is a constant although it is written with variables."""
    expr = side.expr
    if expr is None or expr.is_number or expr.has(sympy.Derivative):
        return ""
    if not any(isinstance(node, sympy.Indexed) for node in sympy.preorder_traversal(expr)):
        return ""
    try:
        from derive.loss import expand_concrete_sums

        if varies(expr, model):  # most right sides: no simplification needed to know they are not constant
            return ""
        value = sympy.simplify(expand_concrete_sums(expr))
    except Exception:
        return ""
    if value.is_number:
        return f"; note that the right side is the constant {value} for every input"
    return ""


def _describe_indices(counterexample: Mapping[str, object]) -> str:
    indices = counterexample.get("indices") or {}
    assert isinstance(indices, dict)
    parts = [f"{name} = {value}" for name, value in indices.items()]
    return ", ".join(parts) if parts else "a sample point"


def _num(value: object) -> str:
    if value is None:
        return "no finite value"
    return f"{float(value):.6g}"  # type: ignore[arg-type]


def _finite(value: float) -> float | None:
    """A value for JSON: None where there is none (nan) or it is not finite."""
    return value if math.isfinite(value) else None


def error_result(error: DeriveError) -> dict[str, object]:
    """The JSON object of a claim that could not be checked."""
    return {
        "error": str(error).splitlines()[0] if str(error) else type(error).__name__,
        "kind": type(error).__name__,
        "exit_code": error.exit_code,
    }


numeric_decider.numeric_only = True  # type: ignore[attr-defined]
