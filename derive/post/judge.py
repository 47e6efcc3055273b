"""Every checkable item of a post -> a verdict, through the one checking API (:func:`derive.claims.check`,
a worker process per item under the time limit).

What each item is checked with:

* the post's numbers as ``at`` values (options given on the command line replace them);
* the prose condition that introduces it as ``where`` (only when its index is an index of the claim's
  left side: "consider j=1" before a claim about ``W_{i,1}`` restricts nothing);
* the page's definitions in effect (the last one of each symbol before the item, else the first after it)
  as ``define``.  A definition that contradicts the model it names (the question's "softmax" whose
  denominator sums ``e^{z_j}``) is judged itself and not applied;
* the options of the command line (``let``, ``assume``, ``convention``, ``loss``, ``classes``, ...).

When a value or a definition cannot be used with an item (``at`` values that do not fit it, a definition
the reader refuses), the item is checked again without it and the report says so: an item is never lost
to a neighbour's problem.  Items are checked one after the other (the worker processes are the
isolation; two cores are shared).
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from derive.claims import CheckResult
from derive.errors import DeriveError
from derive.post.classify import CHECKED_KINDS, Item
from derive.post.context import CLASS_INDEX, PageContext, Where, where_of

Checker = Callable[..., CheckResult]

#: The verdicts an item can get (the rest are "not read" and "not a claim").
VERDICTS = ("holds", "holds_if", "fails", "undecided", "ambiguous")

#: The exit code of a post: its worst verdict's (a failing claim first, then readings that disagree, ...).
POST_EXIT_ORDER: tuple[tuple[str, int], ...] = (
    ("fails", 1),
    ("ambiguous", 5),
    ("undecided", 3),
    ("holds_if", 4),
    ("holds", 0),
)

#: The model's own letters: a definition of one of them that does not read as a claim is not applied (the
#: checker knows what they are; the page's text is what it could not read).
CANONICAL_LETTERS = frozenset({"H", "z", "a", "y", "x", "W", "w", "b", "X", "Y", "Z", "A"})

#: Most items checked in one post (a long answer has 10-30 formulas); the rest are listed, not checked.
MAX_CHECKED = 60


@dataclass(frozen=True)
class PostOptions:
    """Options of ``derive check --post``: the command line's, which override what the post says."""

    wrt: str | None = None
    let: tuple[str, ...] = ()
    assume: tuple[str, ...] = ()
    convention: str | None = None
    loss: str = "softmax-ce"
    at: tuple[str, ...] = ()
    classes: int | None = None
    timeout: float = 10.0
    define: tuple[str, ...] = ()
    where: tuple[str, ...] = ()
    means: str | None = None
    syntax: str | None = None
    #: The user's words on the post's notation; read before the post's own sentences about it.
    notation: str | None = None
    implied_sums: bool = False
    batch_loss: str | None = None


@dataclass(frozen=True)
class DefinitionUse:
    """Which definition of a symbol an item was checked with."""

    symbol: str
    item: int  # the definition's item number
    text: str
    used: bool
    note: str = ""


@dataclass(frozen=True)
class Judged:
    """An item with what was found for it."""

    item: Item
    result: CheckResult | None = None
    error: str | None = None  # one line: why it was not read
    error_kind: str | None = None
    at: tuple[str, ...] = ()
    where: Where | None = None
    definitions: tuple[DefinitionUse, ...] = ()
    notes: tuple[str, ...] = ()
    numeric_match: bool | None = None  # a worked numeric line: does it match the post's numbers?
    applied: bool | None = None  # a definition: are the page's other formulas checked with it?

    @property
    def status(self) -> str:
        """holds, holds_if, fails, undecided, ambiguous; "definition" (applied, not judged); "not read";
        "not a claim"."""
        if self.item.kind == "definition" and self.result is None and self.error is None:
            return "definition"
        if self.item.kind == "numeric" and self.numeric_match is not None:
            return "holds" if self.numeric_match else "fails"
        if self.result is not None:
            return self.result.verdict
        if self.error is not None:
            return "not read"
        return "not a claim"


def supported_options(checker: Checker) -> frozenset[str]:
    """The keyword options the checking API takes (the reader of issue 8 adds ``define``, ``where``...)."""
    try:
        return frozenset(inspect.signature(checker).parameters)
    except (TypeError, ValueError):  # pragma: no cover - a builtin without a signature
        return frozenset()


def _default_checker() -> Checker:
    from derive.claims import check

    return check


def judge_items(
    items: Sequence[Item], context: PageContext, options: PostOptions, checker: Checker | None = None
) -> list[Judged]:
    """Check every claim, definition, code block and worked numeric line; the rest are listed as they are."""
    check = checker or _default_checker()
    supported = supported_options(check)
    at = options.at or context.at()
    words = "; ".join(w for w in (options.notation, context.words) if w)  # the user's first
    judged_definitions: dict[int, Judged] = {}
    checked = 0
    for item in items:
        if item.kind == "definition" and checked < MAX_CHECKED:
            judged_definitions[item.number] = _judge_definition(check, supported, item, options, at)
            checked += 1
    usable = {number: judged for number, judged in judged_definitions.items() if judged.applied}
    stated = _stated_convention(usable.values()) if options.convention is None else None
    claim_options = options if stated is None else replace(options, convention=stated[0])
    out: list[Judged] = []
    for item in items:
        if item.kind == "definition":
            judged = judged_definitions.get(item.number)
            if judged is None:
                out.append(Judged(item, notes=(f"not checked: more than {MAX_CHECKED} items in the post",)))
            else:
                out.append(judged)
            continue
        if item.kind not in CHECKED_KINDS:
            out.append(Judged(item))
            continue
        if checked >= MAX_CHECKED:
            out.append(Judged(item, notes=(f"not checked: more than {MAX_CHECKED} items in the post",)))
            continue
        checked += 1
        uses = _definitions_for(item, items, usable, judged_definitions)
        where = context.conditions.get(item.number)
        judged = _check_item(check, supported, item, claim_options, at, where, uses, words)
        if stated is not None and "convention" in supported:
            judged = replace(judged, notes=(*judged.notes, stated[1]))
        out.append(judged)
    return out


def _stated_convention(definitions: Iterable[Judged]) -> tuple[str, str] | None:
    """The model's convention a definition the page applies states (``z = W^T x + b``), for every formula
    of the page, and the note that says so."""
    from derive.choices import CONVENTION_PRODUCT
    from derive.claims.verdict import convention_stated

    for judged in definitions:
        text = definition_text(judged.item)
        convention = convention_stated(text)
        if convention is not None:
            product = CONVENTION_PRODUCT[convention]
            return convention, f"z = {product} + b: the page's definition [{judged.item.number}] ${text}$"
    return None


def _judge_definition(
    check: Checker, supported: frozenset[str], item: Item, options: PostOptions, at: tuple[str, ...]
) -> Judged:
    """Read a definition and decide whether the page's other formulas are checked with it.

    * It is first checked as a claim with the standard model.  A chain (``a_j = softmax(z_j) = \\frac{..}``)
      or a definition of a letter the checker knows for sure (``z_j = w_j^T x + b``) keeps that verdict:
      when it fails, it contradicts the model it names and is not applied.
    * A definition of a symbol the checker only guessed (``S``, ``p_i``, ``C``) or does not know (``FL``,
      a shorthand) is the page's word: it is shown as a definition and applied, when ``define`` reads it.
    * A definition the reader cannot read (an error other than an unknown symbol) is not applied.
    """
    judged = _check_item(check, supported, item, options, at, None, ())
    symbol = item.symbol or ""
    if judged.result is not None:
        guessed = _guessed(judged.result, symbol)
        if judged.result.verdict != "fails":
            return replace(judged, applied=True)
        if len(item.sides) == 2 and guessed:
            return replace(
                judged,
                result=None,
                applied=True,
                notes=(
                    *judged.notes,
                    f"the page defines {symbol} (without this definition the checker would guess what it is)",
                ),
            )
        return replace(
            judged,
            applied=False,
            notes=(
                *judged.notes,
                "not applied to the other formulas: it contradicts the model it names (they are checked "
                "against the standard definition)",
            ),
        )
    if judged.error_kind == "DefinitionNotClaimError" and symbol not in CANONICAL_LETTERS:
        # The checker read it as the definition of a symbol it does not know: the page's own word.
        return Judged(
            item,
            applied=True,
            notes=(f"the page defines {symbol}: a symbol the standard model does not have",),
        )
    if judged.error_kind == "NotationError" and "not a recognized notation" in (judged.error or ""):
        if "define" not in supported:
            return replace(judged, applied=False)
        readable = _check_item(
            check, supported, item, replace(options, define=(definition_text(item),)), (), None, ()
        )
        if readable.error is None:
            return Judged(
                item,
                applied=True,
                notes=(f"the page defines {symbol}: a symbol the standard model does not have",),
            )
        if "not a recognized notation" in (readable.error or ""):
            # p_i = e^{z_i/T} / ...: as a definition, a name it alone uses (T) is its own parameter; the
            # formulas that use p are checked with it (and say so if it does not read)
            return Judged(
                item,
                applied=True,
                notes=(f"the page defines {symbol}; its other unknown names are read as its parameters",),
            )
        return replace(readable, applied=False)
    return replace(judged, applied=False)


_WRAPPERS = re.compile(r"\\(?:hat|mathbf|boldsymbol|operatorname|mathrm|text)\s*\{|\\left|\\right|[{}\\]")


def _guessed(result: CheckResult, symbol: str) -> bool:
    """Whether the checker only guessed what a definition's symbol is."""
    stem = _WRAPPERS.sub("", symbol)
    for entry in result.mapping:
        page = _WRAPPERS.sub("", str(entry.get("page", "")))
        if page.startswith(stem) and entry.get("guessed"):
            return True
    return False


def _definitions_for(
    item: Item,
    items: Sequence[Item],
    usable: dict[int, Judged],
    judged: dict[int, Judged],
) -> tuple[DefinitionUse, ...]:
    """The definition in effect for each symbol the item writes (or a definition it uses writes): the last
    one before it, else the first after it."""
    chosen: dict[str, Item] = {}
    for other in items:
        if other.kind != "definition" or other.symbol is None or other.number == item.number:
            continue
        if other.number < item.number or other.symbol not in chosen:
            chosen[other.symbol] = other
    # the variable a formula differentiates by keeps its place in the reader (Mapper._apply_let): a_k =
    # w_k^T phi is not put in place of a in dE/da_j, and a definition of a model quantity (S = XW + b)
    # still says what the variable is
    relevant: set[str] = set()
    texts = [item.text]
    while texts:
        text = texts.pop()
        for symbol, definition in chosen.items():
            if symbol not in relevant and _mentions(text, symbol):
                relevant.add(symbol)
                if definition.number in usable:
                    texts.append(definition_text(definition).partition("=")[2])
    uses: list[DefinitionUse] = []
    for symbol, definition in chosen.items():
        if symbol not in relevant:
            continue
        if definition.number in usable:
            uses.append(DefinitionUse(symbol, definition.number, definition_text(definition), True))
        else:
            result = judged.get(definition.number)
            if result is not None and result.result is not None:
                why = "it contradicts the model it names"
            elif result is not None and result.error is not None:
                why = "it could not be read"
            else:
                why = "it was not checked"
            uses.append(DefinitionUse(symbol, definition.number, definition_text(definition), False, why))
    return tuple(sorted(uses, key=lambda use: use.item))


def _mentions(text: str, symbol: str) -> bool:
    """Whether a formula writes a symbol (a letter not inside a longer name or command)."""
    braced = re.fullmatch(r"(\\[A-Za-z]+)\{([A-Za-z])\}", symbol)
    if braced is not None:  # \mathcal{J}, written \mathcal J or \mathcal{ J } too
        command, letter = braced.groups()
        written = re.escape(command) + r"\s*(?:\{\s*" + letter + r"\s*\}|\s" + letter + r"(?![A-Za-z]))"
        return re.search(written, text) is not None
    if symbol.startswith("\\") or len(symbol) > 1:
        return symbol in text
    return re.search(r"(?<![A-Za-z\\])" + re.escape(symbol) + r"(?![A-Za-z])", text) is not None


def definition_text(item: Item) -> str:
    """A definition as ``LHS = RHS`` (the last side: ``a_j = softmax(z_j) = \\frac{..}{..}`` defines a_j by
    the fraction)."""
    if len(item.sides) >= 2:
        return f"{item.sides[0]} = {item.sides[-1]}"
    return item.text


def _check_item(
    check: Checker,
    supported: frozenset[str],
    item: Item,
    options: PostOptions,
    at: tuple[str, ...],
    where: Where | None,
    uses: tuple[DefinitionUse, ...],
    words: str = "",
) -> Judged:
    notes: list[str] = []
    applied_where: Where | None = None
    kwargs: dict[str, Any] = {
        "wrt": options.wrt,
        "let": options.let,
        "assume": options.assume,
        "convention": options.convention,
        "loss": options.loss,
        "classes": options.classes,
        "timeout": options.timeout,
    }
    extra_where = tuple(options.where)
    if where is not None and where.condition.startswith(CLASS_INDEX):
        indices = sorted(
            left_side_indices(item) - {"c"}, key=lambda name: item.sides[0].rfind(name) if item.sides else 0
        )
        where = (
            replace(where, condition=where.condition.replace(CLASS_INDEX, indices[-1])) if indices else None
        )
    if where is not None:
        index = where.condition.split()[0]
        if index in left_side_indices(item):
            if "where" in supported:
                extra_where = (*extra_where, where.condition)
                applied_where = where
            else:
                notes.append(
                    f"the condition {where.condition} ({where.source}) is not applied: "
                    "this checker has no where option"
                )
        else:
            notes.append(
                f"the condition {where.written} ({where.source}) restricts nothing here: "
                f"{index} is not an index of the left side"
            )
    if extra_where and "where" in supported:
        kwargs["where"] = extra_where
    defines = tuple(options.define) or tuple(use.text for use in uses if use.used)
    if defines and "define" in supported and item.kind != "definition":
        kwargs["define"] = defines
    else:
        uses = tuple(
            replace(use, used=False, note=use.note or "this checker has no define option") for use in uses
        )
    for name in ("means", "syntax", "batch_loss"):
        value = getattr(options, name)
        if value is not None and name in supported:
            kwargs[name] = value
    if words and "notation" in supported:
        kwargs["notation"] = words  # the user's and the post's words on its notation: each use is noted
    if options.implied_sums and "implied_sums" in supported:
        kwargs["implied_sums"] = True
    text = item.text
    if item.kind == "code":
        if "syntax" not in supported or not code_reader_available():
            return Judged(
                item,
                error="code is not read by this version of the checker (it has no code reader)",
                error_kind="ParseError",
            )
        kwargs.setdefault("syntax", code_syntax(item))
    outcome = _attempts(check, text, kwargs, at, uses)
    if isinstance(outcome, DeriveError):
        return Judged(
            item,
            error=one_line(str(outcome)) or type(outcome).__name__,
            error_kind=type(outcome).__name__,
            where=applied_where,
            definitions=tuple(replace(use, used=False, note=use.note or "not applied") for use in uses),
            notes=tuple(notes),
        )
    result, arguments, attempt_notes, uses = outcome
    unread = [use for use in uses if not use.used and use.note == "it could not be read"]
    guessed = [use for use in unread if _guessed(result, use.symbol)]
    if guessed:
        # q_k = (1-\epsilon) y_k + \epsilon/K not read: q guessed as the output would judge another formula
        use = guessed[0]
        return Judged(
            item,
            error=(
                f"the page defines {use.symbol} (item {use.item}) in a way that is not read, and this "
                f"formula uses {use.symbol}: it is not judged with a guess of what {use.symbol} is"
            ),
            error_kind="NotationError",
            where=applied_where,
            definitions=uses,
            notes=tuple(notes),
        )
    judged = Judged(
        item,
        result,
        at=tuple(arguments.get("at", ())),
        where=applied_where,
        definitions=uses,
        notes=(*notes, *attempt_notes),
    )
    if item.kind == "numeric":
        judged = replace(judged, numeric_match=numeric_match(item, result))
    return judged


#: Code fence languages read as Python; any other named language is read by the reader of other code.
PYTHON_LANGUAGES = frozenset({"python", "py", "python3", "numpy", "ipython", "pycon"})


@functools.lru_cache(maxsize=1)
def code_reader_available() -> bool:
    """Whether the checker reads code: a tiny Python function of ours (never the post's text) is read
    through the claim reader's ``python`` syntax.  Until the code reader is wired into the reader, code is
    reported as not read rather than read as LaTeX."""
    try:
        from derive.claims.read import read_claim

        read_claim("def backward(p, y):\n    return p - y\n", "python", "dH/dz")
    except (DeriveError, ImportError):
        return False
    return True


def code_syntax(item: Item) -> str:
    """``python`` or ``code`` for a code item: its fence's language, else what the code looks like."""
    language = (item.segment.language or "").split()[0].lower() if item.segment.language else ""
    if language:
        return "python" if language in PYTHON_LANGUAGES else "code"
    looks_python = re.search(r"^\s*(def |return |import |from \w+ import)|\bnp\.|\bself\.", item.text, re.M)
    return "python" if looks_python else "code"


def _attempts(
    check: Checker,
    text: str,
    kwargs: dict[str, Any],
    at: tuple[str, ...],
    uses: tuple[DefinitionUse, ...],
) -> tuple[CheckResult, dict[str, Any], list[str], tuple[DefinitionUse, ...]] | DeriveError:
    """Check with everything; when the values or a definition are what the checker refuses, without them
    (the values first, then one definition at a time, then every definition)."""
    notes: list[str] = []
    arguments: dict[str, Any] = {**kwargs, "at": at} if at else dict(kwargs)
    try:
        return check(text, **arguments), arguments, notes, uses
    except DeriveError as error:
        first_error = error
        if not _retryable(error, arguments):
            return error
    if at and _at_error(first_error):
        arguments = dict(kwargs)
        notes.append("the post's values do not fit this formula; checked without them")
        try:
            return check(text, **arguments), arguments, notes, uses
        except DeriveError as error:
            first_error = error
            if "define" not in arguments:
                return error
    defines = tuple(arguments.get("define", ()))
    if not defines:
        return first_error
    for dropped in defines if len(defines) > 1 else ():
        trial = {**arguments, "define": tuple(d for d in defines if d != dropped)}
        try:
            result = check(text, **trial)
        except DeriveError:
            continue
        kept = tuple(
            use if use.text != dropped else replace(use, used=False, note="it could not be applied here")
            for use in uses
        )
        return result, trial, notes, kept
    trial = {key: value for key, value in arguments.items() if key != "define"}
    try:
        result = check(text, **trial)
    except DeriveError as error:
        return error  # the formula's own problem, not the definitions'
    notes.append("the page's definitions could not be applied here; checked with the standard model")
    kept = tuple(replace(use, used=False, note=use.note or "it could not be applied here") for use in uses)
    return result, trial, notes, kept


def _at_error(error: DeriveError) -> bool:
    message = str(error)
    return "--at" in message or "at must" in message or "at gives" in message


def _retryable(error: DeriveError, arguments: dict[str, Any]) -> bool:
    """Another attempt may help: the values or the definitions were given and the error may be theirs."""
    return (bool(arguments.get("at")) and _at_error(error)) or "define" in arguments


def one_line(text: str) -> str:
    return " ".join(text.split())[:500]


_SUBSCRIPT = re.compile(r"_\s*(\{(?:[^{}]|\{[^{}]*\})*\}|\\?[A-Za-z0-9]+)")


def left_side_indices(item: Item) -> set[str]:
    """The index letters written in subscripts of an item's left side (``W_{i,j}`` -> {i, j})."""
    side = item.sides[0] if item.sides else item.text
    found: set[str] = set()
    for match in _SUBSCRIPT.finditer(side):
        script = match.group(1).strip("{}")
        found.update(re.findall(r"\\ell|[A-Za-z]", re.sub(r"\\(?!ell)[A-Za-z]+", "", script)))
    return found


# --------------------------------------------------------------------------------------------------------
# Worked numeric lines
# --------------------------------------------------------------------------------------------------------

_DECIMALS = re.compile(r"[-+]?\d*\.(\d+)")


def numeric_values(result: CheckResult) -> list[tuple[str, float, float]]:
    """A worked line at the post's values: (where, the true value, the value the post writes)."""
    instance = result.at_instance or {}
    rows = []
    for row in instance.get("cases", []):
        indices = row.get("indices") or {}
        where = ", ".join(f"{name} = {value}" for name, value in indices.items())
        rows.append((where, float(row["true"]), float(row["claimed"])))
    return rows


def numeric_match(item: Item, result: CheckResult) -> bool | None:
    """Whether a worked line's number is right at the post's values, to the digits it shows."""
    instance = result.at_instance
    if not instance or not item.sides:
        return None
    last = item.sides[-1]
    decimals = max((len(m) for m in _DECIMALS.findall(last)), default=0)
    tolerance = 0.5 * 10.0 ** (-decimals) * 1.0001 if decimals else 1e-9
    cases = instance.get("cases", [])
    if not cases:
        return None
    return all(abs(float(row["true"]) - float(row["claimed"])) <= tolerance for row in cases)


@dataclass(frozen=True)
class PostResult:
    """A whole post, checked."""

    format: str
    judged: tuple[Judged, ...]
    context: PageContext
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def checked(self) -> tuple[Judged, ...]:
        return tuple(j for j in self.judged if j.status in VERDICTS)

    def count(self, status: str) -> int:
        return sum(1 for j in self.judged if j.status == status)

    @property
    def summary(self) -> str:
        claims = [j for j in self.judged if j.item.kind in CHECKED_KINDS]
        checked = self.checked
        parts = [f"{self.count('fails')} of {len(checked)} checked {_plural(len(checked), 'claim')} fail"]
        for status, words in (
            ("holds_if", "hold only under a condition"),
            ("undecided", "undecided"),
            ("ambiguous", "ambiguous"),
        ):
            if self.count(status):
                parts.append(f"{self.count(status)} {words}")
        unread = sum(1 for j in claims if j.status == "not read")
        if unread:
            parts.append(f"{unread} not read")
        return "; ".join(parts)

    @property
    def exit_code(self) -> int:
        statuses = {j.status for j in self.judged}
        return next((code for status, code in POST_EXIT_ORDER if status in statuses), 2)


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


def where_text(judged: Judged) -> str:
    return where_of(judged.item)
