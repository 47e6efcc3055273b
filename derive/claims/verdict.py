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

A chain checks every right-hand side against the left side; the result is the last step's, and the report
names the first wrong step (0-based over the right-hand sides).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Literal

import mpmath
import sympy

from derive import symbols as s
from derive.claims.mapping import MappedClaim, MappedSide, as_expr, map_claim, map_definition
from derive.claims.read import MAX_READINGS, ClaimReading, read_claim
from derive.equivalence import Assumption, Counterexample, Outcome, decide, numeric_check
from derive.errors import DefinitionNotClaimError, DeriveError, NotationError, UsageError
from derive.loss import CONVENTIONS, LOSSES, Convention, LossKind, Model
from derive.numeric import DIGITS, Evaluator, Key, NumericEvaluationError

Verdict = Literal["holds", "holds_if", "fails", "undecided", "ambiguous"]
#: The surface syntax of a claim: LaTeX, plain text (ASCII or unicode math), Python, or other code.
Syntax = Literal["latex", "text", "python", "code"]
SYNTAXES: tuple[Syntax, ...] = ("latex", "text", "python", "code")
StepVerdict = Literal["holds", "holds_if", "fails", "undecided", "unreadable", "ambiguous"]

#: Exit code of each verdict (bad input is 2).
EXIT_CODES: dict[str, int] = {"holds": 0, "fails": 1, "undecided": 3, "holds_if": 4, "ambiguous": 5}

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


def symbolic_decider(
    lhs: sympy.Expr, rhs: sympy.Expr, model: Model, assumptions: Sequence[Assumption]
) -> Outcome:
    """The full check: numeric samples, then a symbolic proof."""
    return decide(lhs, rhs, model, assumptions, max_cases=MAX_CASES)


def numeric_decider(
    lhs: sympy.Expr, rhs: sympy.Expr, model: Model, assumptions: Sequence[Assumption]
) -> Outcome:
    """Only the numeric half of :func:`decide`: agreement is ``undecided``, a difference ``refuted``."""
    samples, counterexample, failing, holding = numeric_check(
        lhs, rhs, model, assumptions, max_cases=MAX_CASES
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
    convention: Convention = "Wt_x"
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

    def __post_init__(self) -> None:
        if not isinstance(self.claim, str):
            raise UsageError("the claim must be a string")
        if self.syntax is not None and self.syntax not in SYNTAXES:
            raise UsageError(f"--syntax {self.syntax!r}: use one of {', '.join(SYNTAXES)}")
        if self.wrt is not None and self.means is not None:
            raise UsageError("give --means or --wrt, not both (--means 'dH/dz' says more)")
        for name in self.assume:
            if name not in ASSUME_NAMES:
                raise UsageError(f"--assume {name!r}: use onehot or sum-to-one")
        if self.convention not in CONVENTIONS:
            raise UsageError(f"--convention {self.convention!r}: use Wt_x or W_x")
        if self.loss not in LOSSES:
            raise UsageError(f"--loss {self.loss!r}: use softmax-ce or sigmoid-bce")
        if self.classes is not None and not (isinstance(self.classes, int) and 1 <= self.classes <= 64):
            raise UsageError("--classes must be an integer from 1 to 64")
        if not (0 < self.timeout <= 600):
            raise UsageError("--timeout must be between 0 and 600 seconds")

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> CheckOptions:
        """Options from a batch line's JSON object (unknown fields are an error)."""
        allowed = {
            "claim", "wrt", "let", "assume", "convention", "loss", "at", "classes", "timeout", "id",
            "define", "where", "means", "syntax", "implied_sums", "reading",
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
            convention=optional("convention", str) or "Wt_x",  # type: ignore[arg-type]
            loss=optional("loss", str) or "softmax-ce",  # type: ignore[arg-type]
            classes=optional("classes", int),  # type: ignore[arg-type]
            timeout=float(timeout),
            define=strings("define"),
            where=strings("where"),
            means=optional("means", str),  # type: ignore[arg-type]
            syntax=optional("syntax", str),  # type: ignore[arg-type]
            implied_sums=flag("implied_sums"),
            reading=optional("reading", int),  # type: ignore[arg-type]
        )


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
        return _Judgment("holds", _assumed_text(base), _assumed_latex(base), _proved_text(model, base))
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
    if Assumption.ONE_HOT not in base:
        if Assumption.SUM_TO_ONE not in base:
            ladder.append((*base, Assumption.SUM_TO_ONE))
        ladder.append((*(a for a in base if a is not Assumption.SUM_TO_ONE), Assumption.ONE_HOT))
    for assumptions in ladder:
        outcome = decider(lhs, rhs, model, assumptions)
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
    if onehot is not None and onehot.holding_cases:
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
        equal = decider(lhs.xreplace({q: p}), rhs.xreplace({q: p}), model, base)
        if equal.verdict != "proved":
            continue
        try:
            evaluated = [model.evaluate(side) for side in (lhs, rhs)]
        except Exception:
            return False
        pair = {p, q}
        unequal = [side.replace(_is_delta_of(pair), lambda e: sympy.S.Zero) for side in evaluated]
        if decider(unequal[0], unequal[1], model, base).verdict == "proved":
            return True
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


def _proved_text(model: Model, base: Sequence[Assumption]) -> str:
    size = "every number of classes k" if not isinstance(model.classes, int) else f"k = {model.classes}"
    text = f"proved symbolically for {size}"
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


def _split(outcome: Outcome, claim: MappedClaim, base: Sequence[Assumption]) -> _Judgment | None:
    holding = list(outcome.holding_cases)
    cases = holding + list(outcome.failing_cases)
    if not cases or "c" not in cases[0]:
        return None
    class_indices = [str(i) for i in claim.free_indices if _is_class_index(i, claim.model)]
    for name in class_indices:
        if all(name in case for case in cases) and _determines(cases, holding, _same_as_true_class(name)):
            page = claim.page_index(name)
            equal_holds = any(case[name] == case["c"] for case in holding)
            good, bad = ("=", "\\neq") if equal_holds else ("\\neq", "=")
            good_word, bad_word = ("=", "!=") if equal_holds else ("!=", "=")
            text = (
                f"with one-hot targets it holds for ${_tex_index(page)} {good} c$ (c the true class) and "
                f"fails for ${_tex_index(page)} {bad} c$"
            )
            return _Judgment(
                "fails",
                None,
                None,
                text,
                outcome.counterexample,
                {
                    "holds_for": f"{page} {good_word} c",
                    "fails_for": f"{page} {bad_word} c",
                    "holds_for_latex": f"{_tex_index(page)} {good} c",
                    "fails_for_latex": f"{_tex_index(page)} {bad} c",
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
        ("true class c" if name == "c" else claim.page_index(name)): value
        for name, value in counterexample.indices.items()
    }
    return {
        "classes": counterexample.classes,
        "indices": indices,
        "values": counterexample.values,
        "claimed": counterexample.rhs,
        "true": counterexample.lhs,
        "source": "random sample",
    }


def parse_at(values: Sequence[str]) -> dict[str, object]:
    """``['x=[1.9,0.4]', 'W=[[0.1,0.5],[0.1,0.5]]']`` -> {'x': [...], 'W': [[...]]} (JSON numbers only)."""
    table: dict[str, object] = {}
    for text in values:
        name, sep, value = text.partition("=")
        name = name.strip()
        if not sep or name not in ("x", "W", "b", "y", "z", "X", "Y", "Z"):
            raise UsageError(f"--at {text[:40]!r}: write NAME=[numbers] with NAME one of x, W, b, y, z")
        if len(value) > 20_000:
            raise UsageError("--at value too long")
        try:
            parsed = json.loads(value, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            raise UsageError(f"--at {name}: the value must be a number or a list of numbers") from None
        _check_numbers(parsed, name, 0)
        table[name] = parsed
    return table


def _reject_constant(name: str) -> object:
    raise ValueError(name)


def _check_numbers(value: object, name: str, depth: int) -> None:
    if depth > 2:
        raise UsageError(f"--at {name}: at most a matrix")
    if isinstance(value, list):
        if not value or len(value) > 64:
            raise UsageError(f"--at {name}: 1 to 64 entries per row")
        for item in value:
            _check_numbers(item, name, depth + 1)
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"--at {name}: the value must be a number or a list of numbers")


def _exact(value: object) -> sympy.Rational:
    fraction = Fraction(str(value))
    return sympy.Rational(fraction.numerator, fraction.denominator)


def _at_point(table: Mapping[str, object], claim: MappedClaim) -> tuple[Model, dict[Key, sympy.Rational]]:
    model = claim.model
    point: dict[Key, sympy.Rational] = {}
    shapes: dict[str, tuple[int, ...]] = {}
    for name, value in table.items():
        if isinstance(value, list) and value and isinstance(value[0], list):
            rows: list[Any] = value
            width = len(rows[0])
            if any(not isinstance(row, list) or len(row) != width for row in rows):
                raise UsageError(f"--at {name}: every row needs the same length")
            shapes[name] = (len(rows), width)
            for r, row in enumerate(rows, start=1):
                for c, item in enumerate(row, start=1):
                    point[(name, (r, c))] = _exact(item)
        else:
            items = value if isinstance(value, list) else [value]
            shapes[name] = (len(items),)
            for i, item in enumerate(items, start=1):
                point[(name, (i,))] = _exact(item)
    classes: int | None = next((shapes[n][0] for n in ("y", "z", "b") if n in shapes), None)
    features: int | None = shapes["x"][0] if "x" in shapes else None
    if "W" in shapes and len(shapes["W"]) == 2:
        n_rows, n_cols = shapes["W"]
        w_features, w_classes = (n_rows, n_cols) if model.convention == "Wt_x" else (n_cols, n_rows)
        classes = classes or w_classes
        features = features or w_features
        if (classes, features) != (w_classes, w_features):
            raise UsageError(
                f"--at W has shape {n_rows}x{n_cols}, which does not fit x and y "
                f"(convention {model.convention})"
            )
    if classes is None:
        raise UsageError("--at must give y, z or W so the number of classes is known")
    if isinstance(model.classes, int) and model.classes != classes:
        raise UsageError(f"--at gives {classes} classes but the claim has k = {model.classes}")
    features = features or 2
    for j in range(1, classes + 1):
        point.setdefault(("b", (j,)), sympy.Integer(0))
    concrete = Model(classes, features, 2, model.convention, False, model.loss_kind, model.bias)
    return concrete, point


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
                "true": float(true),
                "claimed": float(claimed),
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


def map_options(options: CheckOptions) -> MappedClaim:
    """Parse and map a claim with one reading (raises DeriveError subclasses on bad input)."""
    return map_readings(options)[0].claims[0]


@dataclass(frozen=True)
class MappedReading:
    """One reading of the claim text, mapped: one MappedClaim per equation it holds."""

    reading: ClaimReading
    claims: tuple[MappedClaim, ...]


def map_readings(options: CheckOptions) -> list[MappedReading]:
    """Read the claim text and map every plausible reading (raises the first reading's error when none
    maps). A text whose notation allows two meanings (``y`` as the targets, or as the outputs when another
    symbol is the targets) is mapped both ways."""
    readings = read_claim(options.claim, options.syntax, options.means)
    mapped: list[MappedReading] = []
    errors: list[DeriveError] = []
    for reading in readings[:MAX_READINGS]:
        try:
            claims = _map_reading(reading, options, ())
        except DeriveError as error:
            errors.append(error)
            continue
        mapped.append(MappedReading(reading, claims))
        for lets, choice in _notation_variants(claims, options):
            try:
                variant = _map_reading(reading, options, lets)
            except DeriveError:
                continue
            mapped.append(MappedReading(replace(reading, choices=(*reading.choices, choice)), variant))
    if not mapped:
        raise _definition_instead(readings, options) or errors[0]
    mapped = mapped[:MAX_READINGS]
    if options.reading is not None:
        if not 1 <= options.reading <= len(mapped):
            raise UsageError(f"--reading {options.reading}: the text has {len(mapped)} reading(s)")
        return [mapped[options.reading - 1]]
    return mapped


def _definition_instead(readings: Sequence[ClaimReading], options: CheckOptions) -> DeriveError | None:
    """When no reading is a claim, but the text reads as the definition of a new symbol, say so."""
    for reading in readings:
        if len(reading.claims) != 1 or reading.means is not None or options.means or options.wrt:
            continue
        try:
            name = map_definition(
                reading.claims[0],
                lets=options.let,
                defines=options.define,
                loss=options.loss,
                convention=options.convention,
            )
        except DeriveError:
            continue
        return DefinitionNotClaimError(
            f"the text defines ${name}$, a symbol derive does not know: it is a definition, not a claim; "
            f"give it with --define to check claims that use ${name}$"
        )
    return None


def _map_reading(
    reading: ClaimReading, options: CheckOptions, lets: tuple[str, ...]
) -> tuple[MappedClaim, ...]:
    return tuple(
        map_claim(
            claim,
            wrt=options.wrt,
            lets=(*options.let, *lets),
            loss=options.loss,
            convention=options.convention,
            classes=options.classes,
            defines=options.define,
            where=options.where,
            means=reading.means if reading.means is not None else options.means,
            definitions=reading.definitions,
            implied_sums=options.implied_sums,
        )
        for claim in reading.claims
    )


def _notation_variants(
    claims: Sequence[MappedClaim], options: CheckOptions
) -> list[tuple[tuple[str, ...], str]]:
    """Other plausible meanings of the notation: ``y`` written with another symbol guessed as the targets
    and no symbol read as the output is often the page's output (``y_i - t_i``)."""
    if any(let.split("=")[0].strip().startswith("y") for let in options.let):
        return []
    entries = [entry for claim in claims for entry in claim.mapping]
    guessed_targets = [
        e for e in entries if e.guessed and e.canonical in ("y", "Y") and e.page not in ("y", "Y")
    ]
    outputs = [e for e in entries if e.canonical in ("a", "A")]
    writes_y = any(
        "y" in str(claim.lhs) + " ".join(str(side.expr) for side in claim.sides) for claim in claims
    )
    if guessed_targets and not outputs and writes_y:
        return [(("y=a",), f"y read as the softmax output ({guessed_targets[0].page} is the targets)")]
    return []


#: How bad each verdict is, for a text with several equations (the worst one leads).
_SEVERITY: dict[str, int] = {"fails": 0, "ambiguous": 1, "undecided": 2, "holds_if": 3, "holds": 4}


def evaluate_readings(
    mapped: Sequence[MappedReading], options: CheckOptions, decider: Decider, *, symbolic: bool
) -> CheckResult:
    """Judge every reading; ``ambiguous`` when plausible readings disagree."""
    results = [
        replace(
            _combine_parts([evaluate_claim(c, options, decider, symbolic=symbolic) for c in m.claims]),
            choices=m.reading.choices,
        )
        for m in mapped
    ]
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
    base = list(mapped.assumptions)
    for name in options.assume:
        assumption = ASSUME_NAMES[name]
        if assumption not in base:
            base.append(assumption)
    if Assumption.ONE_HOT in base and Assumption.SUM_TO_ONE in base:
        base.remove(Assumption.SUM_TO_ONE)
    steps: list[StepResult] = []
    judgments: list[_Judgment | None] = []
    for number, side in enumerate(mapped.sides):
        if side.expr is None:
            steps.append(StepResult(number, side.latex, "unreadable", explanation=side.error or ""))
            judgments.append(None)
            continue
        judgment = _judge_side(mapped, side, base, decider)
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
    if len(steps) > 1:
        if first_wrong is not None and final.verdict in ("holds", "holds_if"):
            notes.append(f"the chain reaches a right result through a false step (step {first_wrong})")
        unreadable = [step.index for step in steps if step.verdict == "unreadable"]
        if unreadable:
            notes.append(
                "steps " + ", ".join(map(str, unreadable)) + " could not be read and were not checked"
            )
    counterexample = _counterexample_dict(final.counterexample, mapped)
    at: dict[str, object] | None = None
    if options.at:
        assert final_side.expr is not None
        at = at_instance(mapped, final_side.expr, parse_at(options.at))
        wrong = [row for row in at["cases"] if not row["agrees"]]  # type: ignore[attr-defined]
        if wrong and final.verdict == "fails":
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
    explanation = final.explanation
    if final.verdict == "fails" and counterexample is not None:
        explanation += (
            f"; for example at {_describe_indices(counterexample)} the claim gives "
            f"{_num(counterexample['claimed'])} and the truth is {_num(counterexample['true'])}"
        )
    explanation += _constant_note(final_side)
    return CheckResult(
        claim=options.claim,
        lhs_latex=mapped.lhs_latex,
        verdict=final.verdict,
        condition=final.condition,
        condition_latex=final.condition_latex,
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
    )


def _judge_side(
    mapped: MappedClaim, side: MappedSide, base: Sequence[Assumption], decider: Decider
) -> _Judgment:
    assert side.expr is not None
    try:
        return judge(mapped.lhs, side.expr, mapped, base, decider, side.restriction)
    except NumericEvaluationError as error:
        return _Judgment("undecided", explanation=f"could not be evaluated numerically: {error}")


def _constant_note(side: MappedSide) -> str:
    """Say so when the claimed right side is a constant although it is written with variables."""
    expr = side.expr
    if expr is None or expr.is_number or expr.has(sympy.Derivative):
        return ""
    if not any(isinstance(node, sympy.Indexed) for node in sympy.preorder_traversal(expr)):
        return ""
    try:
        from derive.loss import expand_concrete_sums

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
    return f"{float(value):.6g}"  # type: ignore[arg-type]


def error_result(error: DeriveError) -> dict[str, object]:
    """The JSON object of a claim that could not be checked."""
    return {
        "error": str(error).splitlines()[0] if str(error) else type(error).__name__,
        "kind": type(error).__name__,
        "exit_code": error.exit_code,
    }


numeric_decider.numeric_only = True  # type: ignore[attr-defined]
