r"""Read a posted math text (LaTeX or plain text) into its readings: one pipeline, one stage per call.

    text --screen--> formulas (math delimiters, code spans, prose) --tokens--> LALR parse (math.lark)
         --build (once per set of choices)--> readings, preferred first

A text has several readings only where it genuinely allows them (a letter run such as ``yhat``, a
differential ``dW``, a call ``s(w^T x)``, a layer label ``W^{(L)}``); each reading says what it chose.
Nothing here evaluates the text: the output is the IR of :mod:`derive.claims.ast`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from lark.exceptions import UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError
from lark.tree import Tree

from derive.claims import lexicon as lx
from derive.claims.ast import Claim, Condition, Derivative, Dots, Reading, Symbol
from derive.claims.build import (
    MAX_DEPTH,
    Builder,
    Choices,
    Item,
    _Chain,
    _Conditions,
    _depth,
    _Prose,
    _Qualifier,
)
from derive.claims.formulas import Segment, Syntax, detect_syntax, find_formulas, screen, snippet, where
from derive.claims.grammar import parser
from derive.claims.lexer import OPERAND_START, Tok, make_token
from derive.claims.tokens import describe, tokenize
from derive.claims.words import OF_THE_LOSS, OTHER_LOSS, means_of_words
from derive.errors import InputTooLargeError, ParseError

MAX_READINGS: Final = 4

#: The alternatives tried after the preferred reading, in order, for each kind of choice met.
_ALTERNATIVES: Final = (
    ("runs", Choices(runs="letters")),
    ("runs", Choices(runs="names")),
    ("differentials", Choices(differentials=False)),
    ("calls", Choices(calls=True)),
    ("layers", Choices(layers=False)),
    ("jacobians", Choices(jacobians=False)),
    ("typos", Choices(typo_derivatives=False)),
    ("transposes", Choices(prime_transposes=True)),
)


def detect_math_syntax(text: str) -> Literal["latex", "text"]:
    """``latex`` when the text has a LaTeX command or math delimiter, else ``text`` (ASCII/unicode math)."""
    return detect_syntax(text)


@dataclass
class _Formula:
    segment: Segment
    tree: Tree[Any]
    tokens: list[Tok]


@dataclass
class _Parsed:
    """What the text holds, in order: formulas and the prose between them."""

    pieces: list[_Formula | str]
    syntax: Syntax
    repairs: list[str]


def read_math(text: str, syntax: Literal["latex", "text"] | None = None) -> tuple[Reading, ...]:
    """The readings of a math text, preferred first (at most four); ParseError when there is none."""
    if not isinstance(text, str):
        raise ParseError(f"claim text must be a string, not {type(text).__name__}")
    screen(text)
    if not text.strip():
        raise ParseError("empty claim: there is no formula to parse")
    try:
        parsed = _parse(text, syntax or detect_syntax(text))
        return _readings(text, parsed)
    except RecursionError:
        raise InputTooLargeError("claim is nested too deeply to parse") from None


def parse_claim(text: str, syntax: Literal["latex", "text"] | None = None) -> Claim:
    """The first claim of the preferred reading (the reader's compatibility entry point).  Pass
    ``syntax="latex"`` for a formula taken from math delimiters: ``w_j^Tx`` alone looks like plain text."""
    return read_math(text, syntax)[0].claims[0]


# --------------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------------

_NOT_ITEMS: Final = frozenset(
    {"ROWSEP", "NEWLINE", "SPACE", "COMMA", "SEMI", "SEPWORD", "PROSE", "PROSESEP", "QUALIFIER", "SIGNATURE",
     "LPAR", "RPAR", "LBRACK", "RBRACK", "DOTS", "EQNUM", "NOTE", "COLON"}
)  # fmt: skip


def _parse(text: str, syntax: Syntax) -> _Parsed:
    pieces: list[_Formula | str] = []
    repairs: list[str] = []
    for segment in find_formulas(text, syntax):
        if segment.kind == "prose":
            pieces.append(text[segment.start : segment.end])
            continue
        tokens = tokenize(text, segment, syntax)
        if all(token.type in _NOT_ITEMS for token in tokens):
            prose = " ".join(str(t.value) for t in tokens if t.type in ("PROSE", "PROSESEP", "QUALIFIER"))
            if prose:
                pieces.append(prose)
            continue
        try:
            tree = _parse_tokens(text, tokens)
        except ParseError:
            repaired = _repair(text, tokens)
            if repaired is None:
                raise
            tokens, notes = repaired
            tree = _parse_tokens(text, tokens)
            repairs.extend(notes)
        pieces.append(_Formula(segment, tree, tokens))
    if not any(isinstance(piece, _Formula) for piece in pieces):
        raise ParseError("no formula found: the text is prose")
    return _Parsed(pieces, syntax, repairs)


def _parse_tokens(text: str, tokens: list[Tok]) -> Tree[Any]:
    try:
        tree: Tree[Any] = parser().parse(tokens)
    except UnexpectedInput as error:
        raise _explain(text, tokens, error) from None
    return tree


def _unbalanced(text: str, tokens: list[Tok]) -> ParseError | None:
    """The first bracket that is never closed, or a closing bracket without an opening one."""
    pairs = {"LPAR": "RPAR", "CONDLPAR": "RPAR", "LBRACK": "RBRACK", "LBRACK_T": "RBRACK", "LSET": "RSET"}
    closers = {"RPAR": "(", "RBRACK": "[", "RSET": "\\{"}
    stack: list[Tok] = []
    for token in tokens:
        if token.type in pairs:
            stack.append(token)
        elif token.type in closers:
            if not stack or pairs[stack[-1].type] != token.type:
                if stack:
                    opened = stack[-1]
                    return ParseError(
                        f"the '{text[opened.start_pos]}' at {where(text, opened.start_pos)} is not closed "
                        f"before the '{text[token.start_pos]}' at {where(text, token.start_pos)}"
                    )
                return ParseError(f"unmatched '{text[token.start_pos]}' at {where(text, token.start_pos)}")
            stack.pop()
        elif (
            token.type in ("RBRACE", "ROWSEP", "NEWLINE", "END_CASES", "END_MATRIX")
            and stack
            and token.depth < stack[-1].depth
        ):
            opened = stack[-1]
            return ParseError(
                f"the '{text[opened.start_pos]}' at {where(text, opened.start_pos)} is never closed"
            )
    if stack:
        opened = stack[-1]
        return ParseError(
            f"the '{text[opened.start_pos]}' at {where(text, opened.start_pos)} is never closed"
        )
    return None


_OPENING: Final = {
    "LPAR": "RPAR",
    "CONDLPAR": "RPAR",
    "LBRACK": "RBRACK",
    "LBRACK_T": "RBRACK",
    "LSET": "RSET",
}
_CLOSING_TEXT: Final = {"RPAR": ")", "RBRACK": "]", "RSET": "\\}"}
_ROW_TAIL: Final = frozenset({"QUALIFIER", "PROSE", "EQNUM", "NOTE"})


def _repair(text: str, tokens: list[Tok]) -> tuple[list[Tok], list[str]] | None:
    """Brackets as a typo leaves them: an opening bracket never closed is closed at the end of its line (or
    group), and a closing bracket without an opening one is dropped.  The reading says so; this is only
    tried when the text has no reading as written."""
    if _unbalanced(text, tokens) is None:
        return None
    out: list[Tok] = []
    notes: list[str] = []
    open_: list[tuple[Tok, int]] = []  # opening bracket, brace depth

    def close(down_to: int, where_: str) -> None:
        tail: list[Tok] = []
        while out and out[-1].type in _ROW_TAIL:
            tail.insert(0, out.pop())
        while open_ and open_[-1][1] >= down_to:
            opening, _ = open_.pop()
            closing = _OPENING[opening.type]
            out.append(make_token(closing, _CLOSING_TEXT[closing], opening.start_pos, opening.start_pos))
            notes.append(
                f"typo: the '{text[opening.start_pos]}' at {where(text, opening.start_pos)} is never closed: "
                f"read as closed at the end of its {where_}"
            )
        out.extend(tail)

    braces = 0
    for index, token in enumerate(tokens):
        row_break = token.type in ("ROWSEP", "NEWLINE") or (index > 0 and token.newline and not token.in_env)
        if row_break and open_:
            close(0, "line")
        if token.type == "LBRACE":
            braces += 1
        elif token.type == "RBRACE":
            if open_ and open_[-1][1] >= braces:
                close(braces, "group")
            braces -= 1
        if token.type in _OPENING:
            open_.append((token, braces))
        elif token.type in _CLOSING_TEXT:
            if open_ and _OPENING[open_[-1][0].type] == token.type and open_[-1][1] == braces:
                open_.pop()
            else:
                closing_at = where(text, token.start_pos)
                notes.append(f"typo: the unmatched '{text[token.start_pos]}' at {closing_at} is dropped")
                continue
        out.append(token)
    if open_:
        close(0, "line")
    return out, notes


_HINTS: Final = {
    "PARTIAL": "\\partial is not part of a derivative (write \\frac{\\partial f}{\\partial x})",
    "BAR": "'|' (absolute value or norm) is not supported",
    "DBAR": "'||' (a norm) is not supported",
    "APPROX": "\\approx (an approximate equality) is not supported here",
    "ARROW": "an arrow (\\to) is not supported here",
    "IN": "'\\in' is not supported here",
    "NABLA": "\\nabla needs a subscript naming the variable, e.g. \\nabla_{z} L",
    "AMP": "'&' is only understood in cases and matrices",
    "OVER": "\\over must be inside braces: {a \\over b}",
    "FORALL": "\\forall is only understood after a formula",
}


def _explain(text: str, tokens: list[Tok], error: UnexpectedInput) -> ParseError:
    unbalanced = _unbalanced(text, tokens)
    if unbalanced is not None:
        return unbalanced
    token = getattr(error, "token", None)
    if isinstance(error, UnexpectedEOF) or token is None or token.type == "$END":
        last = tokens[-1] if tokens else None
        if last is not None and last.type in _HINTS:
            return ParseError(f"{_HINTS[last.type]} at {where(text, last.start_pos)}")
        if last is not None and last.type == "SUM":
            return ParseError(f"the sum has no body at {where(text, last.start_pos)}")
        return ParseError("the formula is incomplete at the end of input")
    assert isinstance(error, UnexpectedToken)
    position = token.start_pos if token.start_pos is not None else len(text)
    previous = next((t for t in reversed(tokens) if t.start_pos is not None and t.start_pos < position), None)
    if token.type in _HINTS:
        return ParseError(f"{_HINTS[token.type]} at {where(text, position)}")
    if previous is not None and previous.type in _HINTS:
        return ParseError(f"{_HINTS[previous.type]} at {where(text, previous.start_pos)}")
    if previous is not None and previous.type in ("ROWSEP", "NEWLINE") and token.type in OPERAND_START:
        return ParseError(
            f"a new line must continue the chain with '=' or hold an equation of its own, found "
            f"{describe(token)} at {where(text, position)} (near {snippet(text, position)})"
        )
    return ParseError(
        f"unexpected {describe(token)} at {where(text, position)} (near {snippet(text, position)})"
    )


# --------------------------------------------------------------------------------------------------------
# Readings
# --------------------------------------------------------------------------------------------------------


@dataclass
class _Built:
    reading: Reading | None
    error: ParseError | None
    kinds: list[str]


def _readings(text: str, parsed: _Parsed) -> tuple[Reading, ...]:
    first = _build(text, parsed, Choices())
    attempts = [first]
    for kind, choices in _ALTERNATIVES:
        if kind in first.kinds:
            attempts.append(_build(text, parsed, choices))
    readings: list[Reading] = []
    for attempt in attempts:
        reading = attempt.reading
        if reading is None or any(reading.claims == r.claims for r in readings):
            continue
        readings.append(reading)
        if len(readings) == MAX_READINGS:
            break
    if not readings:
        assert first.error is not None
        raise first.error
    return tuple(readings)


def _build(text: str, parsed: _Parsed, choices: Choices) -> _Built:
    made: dict[str, str] = dict.fromkeys(parsed.repairs, "")
    kinds: list[str] = []
    claims: list[Claim] = []
    try:
        items: list[Item | str] = []
        for piece in parsed.pieces:
            if isinstance(piece, str):
                items.append(piece)
                continue
            builder = Builder(text, choices, parsed.syntax)
            try:
                items.extend(builder.transform(piece.tree))
            except VisitError as error:
                if isinstance(error.orig_exc, (ParseError, RecursionError)):
                    raise error.orig_exc from None
                # A reader bug must not become a traceback for the user: one line, named as ours.
                raise ParseError(
                    f"internal error of the reader ({type(error.orig_exc).__name__}) on this text; "
                    "please report it"
                ) from None
            finally:
                for description, kind in builder.made.items():
                    made.setdefault(description, kind)
                kinds.extend(k for k in builder.kinds if k not in kinds)
            if builder.extra:
                raise ParseError("a cases row with '=' outside a claim is not understood")
        claims = _assemble(text, items, parsed)
    except ParseError as error:
        return _Built(None, error, kinds)
    if not claims:
        return _Built(None, ParseError("no formula found: the text is prose"), kinds)
    for claim in claims:
        if _depth(claim.sides) > MAX_DEPTH:
            return _Built(None, InputTooLargeError(f"formula nested deeper than {MAX_DEPTH} levels"), kinds)
    return _Built(Reading(tuple(claims), tuple(made)), None, kinds)


_QUALIFYING: Final = re.compile(
    r"\s*(for|where|when|with|if|given|s\.t\.|such that|provided)\b", re.IGNORECASE
)
_HEADING_CONDITION: Final = re.compile(
    r"^\s*#+\s*([A-Za-z])\s*(=|==|!=|\\neq|\\ne|\u2260)\s*([A-Za-z])\s*$", re.MULTILINE
)


#: Prose between a lone derivative and a lone expression that says they are equal:
#: "$\frac{\partial L}{\partial z_i}$ is $p_i - y_i$", "When I take $\partial NLL/\partial w$, I get $$...$$".
_LINKING: Final = re.compile(
    r"^\s*,?\s*(?:(?:then\s+|and\s+)?(?:I|we|you|one)\s+(?:get|obtain|have|find|got)|is(?:\s+(?:given\s+by|"
    r"equal\s+to|simply|just|(?:computed|calculated|written)\s+as))?|are|equals?|gives?|becomes|yields|"
    r"will\s+be|should\s+be|(?:simplifies|reduces|evaluates)\s+to|can\s+be\s+written\s+as|"
    r"turns\s+out\s+to\s+be|=)\s*:?\s*$",
    re.I,
)


def _linked(items: list[Item | str]) -> list[Item | str]:
    """A formula that is one derivative, words that say "is" or "I get", then a formula that is one
    expression: one claim, the derivative equal to the expression."""
    linked: list[Item | str] = []
    position = 0
    while position < len(items):
        item = items[position]
        following = items[position + 1 : position + 3]
        if (
            isinstance(item, _Chain)
            and len(item.sides) == 1
            and isinstance(item.sides[0], Derivative)
            and len(following) == 2
            and isinstance(following[0], str)
            and _LINKING.match(following[0])
            and isinstance(following[1], _Chain)
            and not following[1].elided
        ):
            value = following[1]
            linked.append(
                _Chain(
                    [*item.sides, *value.sides],
                    [*item.conditions, *value.conditions],
                    [*item.qualifiers, *value.qualifiers],
                    item.start,
                    value.end,
                )
            )
            position += 3
            continue
        linked.append(item)
        position += 1
    return linked


#: The end of a sentence in the prose between formulas ("... $p_k = ...$. Then $...$"): a sentence about the
#: last formula ("with $p_k = ...$") ends there, and the next formula is a claim of its own.
_SENTENCE_END: Final = re.compile(r"[.!?;]\s+\S|[.!?]\s*$")


def _ends_sentence(prose: str) -> bool:
    """Whether prose between formulas ends a sentence (or a paragraph)."""
    return "\n\n" in prose or _SENTENCE_END.search(prose) is not None


def _assemble(text: str, items: list[Item | str], parsed: _Parsed) -> list[Claim]:
    """Claims from the items of all formulas: conditions and qualifiers go to the claims they belong to."""
    items = _linked(items)
    chains: list[tuple[_Chain, list[Condition], list[str]]] = []
    pending: list[Condition] = []  # conditions before a chain (`if (i == j)` then ...)
    heading: list[Condition] = []  # a markdown heading that states a case (### i=j)
    qualifying = False  # in a sentence about the last formula (for all $p = 1, \ldots, m$ and ...)

    def qualify(words: str) -> None:
        qualifiers = chains[-1][2]
        if qualifying and qualifiers:
            qualifiers[-1] = f"{qualifiers[-1]} {words}".strip()
        else:
            qualifiers.append(words)

    words_since = False  # prose since the last chain (a chain continued with '=' follows it directly)
    for item in items:
        if isinstance(item, str):
            words_since = words_since or bool(item.strip(" \t\n$\\[]()"))
            cases = _HEADING_CONDITION.findall(item)
            if cases:
                left, op, right = cases[-1]
                heading = [Condition(Symbol(left), "=" if op in ("=", "==") else "!=", Symbol(right))]
            if chains and _QUALIFYING.match(item):
                qualifying = False
                qualify(" ".join(item.split()))
                qualifying = True
            elif qualifying and chains and item.strip() and not _ends_sentence(item):
                qualify(" ".join(item.split()))
            else:
                qualifying = False
            continue
        if isinstance(item, _Chain):
            if qualifying and chains and _inline(item, text):
                qualify(" ".join(text[item.start : item.end].split()))
                continue
            qualifying = False
            if len(item.sides) > 1 and any(isinstance(side, Dots) for side in item.sides):
                # a = b = \cdots: the ellipsis says that more follows; it is not a side
                item.sides = [side for side in item.sides if not isinstance(side, Dots)] or item.sides[:1]
            if _prose_noise(item, parsed) or _lone_ellipsis(item) or _named_variable(item, text):
                continue
            _said_derivative(item, text)
            conditions = heading + pending + item.conditions
            previous = chains[-1] if chains else None
            if (
                item.elided
                and previous is not None
                and not words_since
                and not pending
                and not item.qualifiers  # 算上Batch后：= ...: a label before the '=' starts a new claim
                and item.sides
            ):
                # $$a = b$$ then $$= c$$: a chain continued in the next display, its left side elided
                previous[0].sides.extend(item.sides)
                previous[0].end = item.end
                previous[1].extend(c for c in item.conditions if c not in previous[1])
                previous[2].extend(item.qualifiers)
                continue
            words_since = False
            if (
                previous is not None
                and not item.elided
                and len(item.sides) > 1
                and len(previous[0].sides) > 1
                and item.sides[0] == previous[0].sides[0]
                and conditions == previous[1]
            ):
                # A line that restates the left side continues the chain (dL/dz = a \\ dL/dz = b).
                previous[0].sides.extend(item.sides[1:])
                previous[0].end = item.end
                previous[2].extend(item.qualifiers)
                pending = []
                continue
            chains.append((item, conditions, list(item.qualifiers)))
            pending = []
            for extra in item.extra:
                chains.append(
                    (_Chain(list(extra.sides), [], [], item.start, item.end), list(extra.conditions), [])
                )
        elif isinstance(item, _Conditions):
            pending.extend(item.conditions)
        elif isinstance(item, _Qualifier):
            words_since = True
            if chains:
                qualify(item.text)
        elif isinstance(item, _Prose):
            continue
    if pending and chains:
        chains[-1][1].extend(pending)
    claims: list[Claim] = []
    single = len(chains) == 1
    for chain, conditions, qualifiers in chains:
        source = text if single else text[chain.start : chain.end]
        unique: list[Condition] = []
        for condition in conditions:
            if condition not in unique:
                unique.append(condition)
        claims.append(Claim(tuple(chain.sides), source, tuple(qualifiers), tuple(unique)))
    return claims


#: Words right before a formula that make its first side what a derivative is by: "gradient of cross
#: entropy wrt logits = p - y", "the derivative of the loss with respect to $z$ is ...".
_WRT_BEFORE: Final = re.compile(
    r"\b(?:gradients?|derivatives?|grad|partials?)\b(?P<of>[^.;:=\n$]{0,80}?)"
    r"\b(?:with\s+respect\s+to|w\.\s?r\.\s?t\.?|wrt)\s*(?:the\s+)?\$*\s*$",
    re.I,
)


def _said_derivative(chain: _Chain, text: str) -> None:
    """A formula whose first side is one name, right after words that say "the gradient of the loss with
    respect to": that side is what the loss's derivative is by (``logits = p - y`` alone would be a claim
    about the logits). The derivative of another loss, named in the words, is refused."""
    line_start = text.rfind("\n", 0, chain.start) + 1
    if len(chain.sides) == 1:
        _said_gradient(chain, text[line_start : chain.start])
        return
    before = _WRT_BEFORE.search(text[line_start : chain.start])
    if before is None or not isinstance(chain.sides[0], Symbol):
        return
    _refuse_another_loss(before)
    if not OF_THE_LOSS.fullmatch(before["of"]):
        said = " ".join(before[0].split())
        raise ParseError(
            f"the words before the formula say what it is the derivative of ({said}), and that is not the "
            "loss: say what it is with --means"
        )
    chain.sides[0] = Derivative(Symbol("H"), chain.sides[0])


#: Words right before a lone expression that say it is a gradient: "the gradient of the loss with respect
#: to the logits is simply", "the derivative of cross-entropy w.r.t. z equals".
GRADIENT_IS: Final = re.compile(
    r"\b(?:gradients?|derivatives?|grad|partials?)\b(?P<of>[^.;:=\n$]{0,80}?)"
    r"\b(?P<wrt>(?:with\s+respect\s+to|w\.\s?r\.\s?t\.?|wrt)\s+[^.;:=\n]{1,40}?)"
    r"(?:\s+(?:is|equals|becomes|gives|reduces\s+to|simplifies\s+to)(?:\s+(?:simply|just|then))?\s*[:$`]*|\s*:[\s$`]*)"
    r"\s*$",
    re.I,
)


def _said_gradient(chain: _Chain, words: str) -> None:
    """A lone expression right after words that say "the gradient of the loss with respect to the logits
    is": the loss's gradient by what the words name equals it. Another loss is refused."""
    said = GRADIENT_IS.search(words)
    if said is None:
        return
    _refuse_another_loss(said)
    if not OF_THE_LOSS.fullmatch(said["of"]):
        return  # "the gradient of the output w.r.t. z is": not the loss's, no claim
    means = means_of_words(words[said.start() : said.end("wrt")])
    if means is None:
        return
    letter = means[0].removeprefix("dH/d")
    chain.sides.insert(0, Derivative(Symbol("H"), Symbol(letter)))


def _refuse_another_loss(words: re.Match[str]) -> None:
    """Words before a formula that name another loss as what is differentiated (focal, MSE, KL, ...)."""
    if OTHER_LOSS.search(words["of"]):
        said = " ".join(words[0].split())
        raise ParseError(
            f"the words before the formula say it is the gradient of another loss ({said}): give that loss "
            "with --define and say what it is with --means"
        )


def _inline(chain: _Chain, text: str) -> bool:
    """A formula inside a qualifying sentence (``for all $p = 1, \\ldots, m$``) is part of the sentence."""
    before = text[: chain.start].rstrip()
    return before.endswith(("$", "\\(")) and not before.endswith("$$")


def _lone_ellipsis(chain: _Chain) -> bool:
    r"""``...`` on its own between formulas says that more follows; it is not a formula (as ``\cdots``
    alone is not)."""
    return len(chain.sides) == 1 and isinstance(chain.sides[0], Dots) and not chain.conditions


#: Words after a lone expression that make it a branch of the formula before it.
_BRANCH_WORDS: Final = re.compile(
    r"^\s*(?:otherwise|else|elsewhere|(?:for|when|if)\s+(?:the\s+|all\s+)?(?:others|other\s+\w+|"
    rf"(?:an?\s+)?{lx.OTHER_CLASS_WORDS}))\b",
    re.I,
)


def _prose_noise(chain: _Chain, parsed: _Parsed) -> bool:
    """In plain text, a lone symbol or a product of names between prose words is not a formula."""
    if parsed.syntax != "text" or len(chain.sides) != 1 or chain.conditions:
        return False
    if any(_BRANCH_WORDS.match(words) for words in chain.qualifiers):
        return False  # "p_i otherwise", "p_i for the others": the next branch of the formula before it
    side = chain.sides[0]
    from derive.claims.ast import Mul

    plain = isinstance(side, Symbol) or (
        isinstance(side, Mul) and all(isinstance(f, Symbol) for f in side.factors)
    )
    return plain and chain.elided is False and _from_text_segment(chain, parsed)


#: Words right before a lone symbol that make it the variable a derivative is by ("w.r.t. $z$ is ...").
_WRT_END: Final = re.compile(
    r"(?:with\s+respect\s+to|w\.\s?r\.\s?t\.?|wrt)\s*(?:the\s+)?[$`]*\\?\(?\s*$", re.I
)


def _named_variable(chain: _Chain, text: str) -> bool:
    """A lone symbol right after "with respect to" (``the derivative of the loss w.r.t. $z$ is $p - y$``):
    the variable the words name, not a formula of its own."""
    if len(chain.sides) != 1 or not isinstance(chain.sides[0], Symbol) or chain.conditions:
        return False
    line_start = text.rfind("\n", 0, chain.start) + 1
    return _WRT_END.search(text[line_start : chain.start]) is not None


def _from_text_segment(chain: _Chain, parsed: _Parsed) -> bool:
    """Whether the chain comes from plain text that has prose in it."""
    for piece in parsed.pieces:
        if isinstance(piece, _Formula) and piece.segment.start <= chain.start < max(
            piece.segment.end, chain.start + 1
        ):
            return piece.segment.kind == "text" and any(t.type in ("PROSE", "PROSESEP") for t in piece.tokens)
    return False


__all__ = ["MAX_READINGS", "detect_math_syntax", "parse_claim", "read_math"]

# The parser is loaded when the reader is imported, so that processes forked to check claims share it.
parser()
_ = (lx, replace)
