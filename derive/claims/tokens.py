r"""From posted text to the token stream of the grammar: screening, formulas, characters, tokens.

Four stages, each of which can only raise :class:`~derive.errors.ParseError` (or its subclass
``InputTooLargeError``) with one line that names what was not understood and where (``column N`` or
``line L, column C`` of the original text):

1. :func:`screen`: over 20,000 characters or brackets nested deeper than 100 is refused at once, and so
   are TeX programming commands (``\input``, ``\def`` ...) and Python-looking text (``__import__``).
2. :func:`find_formulas`: the formulas of a text.  Math delimiters (``$..$``, ``$$..$$``, ``\(..\)``,
   ``\[..\]``, Jekyll's ``\\(..\\)``, a ```` ```math ```` block, reST ``.. math::``) and, in plain text,
   code spans (`` `...` ``) mark formulas; the rest is prose.  A text without delimiters is one formula,
   whose prose words the lexer marks.
3. :func:`normalize`: characters.  Every non-ASCII character must be in ``lexicon.CHAR_REWRITES`` (or be a
   letter with a combining accent, or East Asian prose); look-alike letters are refused, naming them.
   In plain text, comment and quote markers are dropped and HTML ``<sub>``/``<sup>`` become scripts.
4. :func:`tokenize`: the lexer (LaTeX commands through the lexicon's tables) and its passes: letter runs
   (LaTeX), prose words, spaces that separate equations, trailing punctuation, equation numbers.

Offsets always refer to the original text, so a message points at what the user wrote.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, Literal

from lark import Token

from derive.claims import lexicon as lx
from derive.errors import InputTooLargeError, ParseError

Syntax = Literal["latex", "text"]

MAX_INPUT_CHARS: Final = 20_000
MAX_NESTING: Final = 100
#: Tokens in one formula: enough for any posted formula (the longest corpus item has about 600), small
#: enough that a deeply nested formula stays far from the interpreter's recursion limit.
MAX_TOKENS: Final = 1_500


class Tok(Token):
    r"""A grammar token that remembers how it was written.

    ``start_pos``/``end_pos`` are offsets in the original text.  ``gap`` is the width (em) of the white
    space before it, ``newline`` whether that space holds a line break, ``plain`` whether a letter was
    typed directly (it may join a word), ``fixed`` whether a name is one symbol for sure (``\text{xent}``,
    a plain-text word), ``sized`` whether a bracket followed ``\left``/``\big``.
    """

    start_pos: int
    end_pos: int
    gap: float
    newline: bool
    spaced: bool
    plain: bool
    fixed: bool
    sized: bool
    depth: int
    in_env: bool
    in_table: bool


def make_token(
    kind: str,
    value: str,
    start: int,
    end: int,
    *,
    gap: float = 0.0,
    newline: bool = False,
    plain: bool = False,
    fixed: bool = False,
    sized: bool = False,
) -> Tok:
    token = Tok(kind, value, start_pos=start, end_pos=end)
    token.gap = gap
    token.newline = newline
    token.spaced = newline or gap > 0
    token.depth = 0
    token.in_env = False
    token.in_table = False
    token.plain = plain
    token.fixed = fixed
    token.sized = sized
    return token


def retype(token: Tok, kind: str, value: str | None = None) -> Tok:
    """The same token (position and flags) with another type or value."""
    new = make_token(
        kind,
        token.value if value is None else value,
        token.start_pos,
        token.end_pos,
        gap=token.gap,
        newline=token.newline,
        plain=token.plain,
        fixed=token.fixed,
        sized=token.sized,
    )
    new.spaced = token.spaced
    new.depth = token.depth
    new.in_env = token.in_env
    new.in_table = token.in_table
    return new


# --------------------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------------------


def where(text: str, offset: int) -> str:
    """``column N`` (one-line text) or ``line L, column C`` (1-based) of an offset."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line + 1}, column {column}" if "\n" in text else f"column {column}"


def snippet(text: str, offset: int) -> str:
    piece = text[offset : offset + 24]
    piece = "".join(c if c.isprintable() else " " for c in piece).strip()
    return repr(piece) if piece else "end of input"


def one_line(message: str) -> str:
    return " ".join(message.split())


def fail(text: str, offset: int, message: str, *, near: bool = False) -> ParseError:
    suffix = f" (near {snippet(text, offset)})" if near else ""
    return ParseError(one_line(f"{message} at {where(text, offset)}{suffix}"))


# --------------------------------------------------------------------------------------------------------
# Stage 1: screening
# --------------------------------------------------------------------------------------------------------

_PYTHON_RE: Final = re.compile(
    r"__|\bimport\s+[A-Za-z_]|\blambda\s+[A-Za-z_]\w*\s*:|\bexec\s*\(|\beval\s*\(|\bos\.system"
)
_COMMAND_RE: Final = re.compile(r"\\([A-Za-z]+)")


def screen(text: str) -> None:
    """Refuse, fast, what no reader should look at (size, nesting, TeX programming, Python)."""
    if len(text) > MAX_INPUT_CHARS:
        raise InputTooLargeError(f"claim text is {len(text)} characters; the limit is {MAX_INPUT_CHARS}")
    depth = 0
    for offset, char in enumerate(text):
        if char in "{([":
            depth += 1
            if depth > MAX_NESTING:
                raise InputTooLargeError(
                    f"brackets nested deeper than {MAX_NESTING} levels at {where(text, offset)}"
                )
        elif char in "})]":
            depth -= 1
    for match in _COMMAND_RE.finditer(text):
        if match.group(1) in lx.FORBIDDEN_COMMANDS:
            raise ParseError(
                f"LaTeX command \\{match.group(1)} is not allowed (at {where(text, match.start())})"
            )
    python = _PYTHON_RE.search(text)
    if python:
        raise ParseError(
            f"{python.group(0)!r} at {where(text, python.start())} looks like Python code, not a formula"
        )


# --------------------------------------------------------------------------------------------------------
# Stage 2: formulas in a text
# --------------------------------------------------------------------------------------------------------

SegmentKind = Literal["display", "inline", "whole", "code", "text", "prose"]


@dataclass(frozen=True)
class Segment:
    """A piece of the original text: a formula to read (any kind but ``prose``) or prose between them.

    ``jekyll``: backslashes are doubled (``\\(1\\{k = i\\}\\)``).  ``lines``: a line break separates
    equations (undelimited text, plain text), rather than being white space inside a display formula.
    """

    start: int
    end: int
    kind: SegmentKind
    jekyll: bool = False
    lines: bool = False


_CODE_LANGUAGES: Final = frozenset(
    "python py java javascript js typescript ts c cpp c++ cuda julia lua matlab octave r rust go q apl "
    "bash sh shell".split()
)
_MATH_FENCES: Final = frozenset({"math", "latex", "tex", "katex", ""})
_FENCE_RE: Final = re.compile(r"```[ \t]*([A-Za-z+]*)")
_DELIMITERS: Final = (
    ("\\\\[", "\\\\]", "display", True),
    ("\\\\(", "\\\\)", "inline", True),
    ("$$", "$$", "display", False),
    ("\\[", "\\]", "display", False),
    ("\\(", "\\)", "inline", False),
    ("$", "$", "inline", False),
)


def detect_syntax(text: str) -> Syntax:
    """LaTeX when the text has a command, a math delimiter or a ```` ```math ```` block; else plain text."""
    if re.search(r"\\[A-Za-z]|\$|\\\(|\\\[|```\s*(math|latex|tex)\b|\.\.\s+math::", text):
        return "latex"
    return "text"


def _code_fence_error(text: str, offset: int, language: str) -> ParseError:
    return fail(
        text,
        offset,
        f"a ```{language} block is code, not a formula: read it with the code reader (--syntax code)",
    )


def _fences(text: str) -> list[Segment] | None:
    """Segments of a text made of ```` ``` ```` blocks (None when it has none)."""
    if "```" not in text:
        return None
    segments: list[Segment] = []
    position = 0
    for match in _FENCE_RE.finditer(text):
        if match.start() < position:
            continue
        language = match.group(1).lower()
        close = text.find("```", match.end())
        if close < 0:
            raise fail(text, match.start(), "a ``` block is never closed")
        if language in _CODE_LANGUAGES or language not in _MATH_FENCES:
            raise _code_fence_error(text, match.start(), language or "code")
        if match.start() > position:
            segments.append(Segment(position, match.start(), "prose"))
        segments.append(Segment(match.end(), close, "display"))
        position = close + 3
    if position < len(text):
        segments.append(Segment(position, len(text), "prose"))
    return segments


def _rest_math(text: str) -> list[Segment] | None:
    """reST ``.. math::``: the rest of the line (and any indented lines after it) is a formula."""
    match = re.search(r"\.\.\s+math::", text)
    if match is None:
        return None
    start = match.end()
    end = len(text)
    line_end = text.find("\n", start)
    if line_end >= 0:
        end = line_end
        for following in re.finditer(r"\n([ \t]+)\S[^\n]*", text[line_end:]):
            if following.start() != end - line_end:
                break
            end = line_end + following.end()
    segments: list[Segment] = []
    if match.start() > 0:
        segments.append(Segment(0, match.start(), "prose"))
    segments.append(Segment(start, end, "display", lines=True))
    if end < len(text):
        segments.append(Segment(end, len(text), "prose"))
    return segments


def _delimited(text: str) -> list[Segment] | None:
    """Segments of a text with math delimiters (None when it has none)."""
    segments: list[Segment] = []
    position = 0
    prose_start = 0
    found = False
    while position < len(text):
        best: tuple[int, str, str, str, bool] | None = None
        for opening, closing, kind, jekyll in _DELIMITERS:
            index = text.find(opening, position)
            while index > 0 and opening == "$" and text[index - 1] == "\\":
                index = text.find(opening, index + 1)
            if index < 0:
                continue
            if (
                opening.startswith("\\")
                and not opening.startswith("\\\\")
                and text[index - 1 : index] == "\\"
            ):
                continue  # \\( is Jekyll's, \\[ a row break before a bracket
            if best is None or index < best[0] or (index == best[0] and len(opening) > len(best[1])):
                best = (index, opening, closing, kind, jekyll)
        if best is None:
            break
        index, opening, closing, kind, jekyll = best
        close = text.find(closing, index + len(opening))
        while close > 0 and closing == "$" and text[close - 1] == "\\":
            close = text.find(closing, close + 1)
        if close < 0:
            if opening in ("$", "$$"):
                raise fail(text, index, f"math delimiter {opening} is never closed")
            position = index + len(opening)
            continue
        found = True
        if index > prose_start:
            segments.append(Segment(prose_start, index, "prose"))
        segments.append(
            Segment(index + len(opening), close, "display" if kind == "display" else "inline", jekyll=jekyll)
        )
        position = prose_start = close + len(closing)
    if not found:
        return None
    if prose_start < len(text):
        segments.append(Segment(prose_start, len(text), "prose"))
    return segments


_BRIDGE_RE: Final = re.compile(r"\s*(\*\*)?[-+*/=0-9.\s]*(\*\*)?\s*")


def _code_spans(text: str) -> list[Segment]:
    """Plain text: code spans are formulas; the text between them is read for formulas too."""
    spans: list[tuple[int, int]] = []
    position = 0
    while True:
        start = text.find("`", position)
        if start < 0:
            break
        end = text.find("`", start + 1)
        if end < 0:
            raise fail(text, start, "a ` code span is never closed")
        spans.append((start + 1, end))
        position = end + 1
    # Spans joined by operators only (`a` = `b`, `x*` **-1** `*y`) are one formula.
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if (
            merged
            and _BRIDGE_RE.fullmatch(text[merged[-1][1] + 1 : start - 1])
            and _bridges(text[merged[-1][1] + 1 : start - 1])
        ):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    segments: list[Segment] = []
    position = 0
    for start, end in merged:
        if _has_words(text[position : start - 1]):
            segments.append(Segment(position, start - 1, "text", lines=True))
        segments.append(Segment(start, end, "code"))
        position = end + 1
    if _has_words(text[position:]):
        segments.append(Segment(position, len(text), "text", lines=True))
    return segments


def _has_words(text: str) -> bool:
    """Whether text around code spans holds anything but markdown (``[`f(x)`](@ref)``, bullets)."""
    return any(c.isalnum() for c in re.sub(r"\]\([^)\s]*\)", " ", text))


def _bridges(between: str) -> bool:
    """Text between two code spans that continues one formula: an operator or a bold number."""
    if "\n" in between:
        return False
    stripped = between.replace("**", "").strip()
    return (bool(stripped) and stripped[0] in "=+-*/") or stripped.startswith(("-", "+")) or stripped == ""


def _unwrap_sentence(text: str, segment: Segment) -> Segment:
    """A plain-text item in parentheses, ``(loss = ..., where i ...)``, is read without them."""
    start, end = segment.start, segment.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == "."):
        end -= 1
    if start < end and text[start] == "(" and _matching(text, start, end, "(", ")") == end - 1:
        return Segment(start + 1, end - 1, segment.kind, lines=segment.lines)
    return segment


def find_formulas(text: str, syntax: Syntax) -> list[Segment]:
    """The formula and prose segments of a text, in order."""
    if syntax == "text":
        if "```" in text:
            fence = _FENCE_RE.search(text)
            assert fence is not None
            raise _code_fence_error(text, fence.start(), fence.group(1) or "code")
        if "`" in text:
            return _code_spans(text)
        return [_unwrap_sentence(text, Segment(0, len(text), "text", lines=True))]
    for finder in (_fences, _rest_math, _delimited):
        segments = finder(text)
        if segments is not None:
            return segments
    return [Segment(0, len(text), "whole", lines=True)]


# --------------------------------------------------------------------------------------------------------
# Stage 3: characters
# --------------------------------------------------------------------------------------------------------

PROSE_MARK: Final = "\x01"  # stands for a run of prose characters (the lexer makes it a PROSE token)


@dataclass
class Chars:
    """Normalized ASCII text of one segment and, for each character, its offset in the original text."""

    text: str
    offsets: list[int]
    prose: dict[int, tuple[int, int]] = field(default_factory=dict)  # PROSE_MARK index -> original span


_LINE_MARKER_RE: Final = re.compile(r"[ \t]*(?:#+|//+|>|\*(?=\s))[ \t]?")
_HTML_SCRIPT_RE: Final = re.compile(r"</?(sub|sup)>", re.IGNORECASE)


def _bold_marker(text: str, index: int) -> bool:
    """``**`` next to a backtick (markdown bold between code spans) is markup."""
    before = text[index - 2 : index].strip()
    after = text[index + 2 : index + 4].strip()
    return before.endswith("`") or after.startswith("`")


def _accented_word(text: str, index: int) -> tuple[int, int] | None:
    """The span of a word that mixes ASCII letters and accented letters (``L'Hôpital``): prose."""
    start = index
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "'"):
        start -= 1
    end = index + 1
    while end < len(text) and (text[end].isalpha() or text[end] == "'" or unicodedata.combining(text[end])):
        end += 1
    word = text[start:end]
    ascii_letters = sum(1 for c in word if c.isascii() and c.isalpha())
    return (start, end) if ascii_letters >= 2 else None


def normalize(original: str, segment: Segment, syntax: Syntax) -> Chars:
    """ASCII text for the lexer, with offsets; non-ASCII characters rewritten or refused."""
    out: list[str] = []
    offsets: list[int] = []
    prose: dict[int, tuple[int, int]] = {}

    def emit(chunk: str, offset: int) -> None:
        out.extend(chunk)
        offsets.extend([offset] * len(chunk))

    def emit_prose(start: int, stop: int) -> None:
        emit(" ", start)
        prose[len(out)] = (start, stop)
        emit(PROSE_MARK, start)
        emit(" ", stop)

    index = segment.start
    end = segment.end
    plain_text = syntax == "text" or segment.kind in ("code", "text")
    at_line_start = True
    while index < end:
        char = original[index]
        if plain_text and at_line_start:
            marker = _LINE_MARKER_RE.match(original, index, end)
            if marker and original[index : marker.end()].strip():
                index = marker.end()
                at_line_start = False
                continue
        at_line_start = char == "\n"
        if segment.jekyll and original.startswith("\\\\", index):
            emit("\\", index)
            index += 2
            continue
        if plain_text and char == "<":
            html = _HTML_SCRIPT_RE.match(original, index, end)
            if html:
                closing = html.group(0).startswith("</")
                emit("}" if closing else ("_{" if html.group(1).lower() == "sub" else "^{"), index)
                index = html.end()
                continue
        if plain_text and char == "#":
            line_end = original.find("\n", index, end)
            line_end = end if line_end < 0 else line_end
            emit_prose(index, line_end)
            index = line_end
            continue
        if char.isascii():
            if (ord(char) < 32 and char not in "\t\n\r") or ord(char) == 127:
                raise fail(original, index, f"control character U+{ord(char):04X}")
            accent = lx.COMBINING_ACCENTS.get(original[index + 1]) if index + 1 < end else None
            if accent is not None and char.isalpha():
                emit(f"\\{accent}{{{char}}}", index)
                index += 2
            elif plain_text and (char == '"' or (char == "`" and segment.kind == "code")):
                emit(" ", index)
                index += 1
            elif (
                segment.kind == "code" and original.startswith("**", index) and _bold_marker(original, index)
            ):
                emit("  ", index)  # **-1** between two code spans is markdown bold, not a power
                index += 2
            else:
                emit(char, index)
                index += 1
            continue
        if lx.is_prose_character(char):
            start = index
            while index < end and (
                lx.is_prose_character(original[index])
                or (original[index].isascii() and original[index].isalnum())
            ):
                index += 1
            emit_prose(start, index)
            continue
        if char in lx.COMBINING_ACCENTS:
            raise fail(original, index, f"combining accent U+{ord(char):04X} does not follow a letter")
        if char not in lx.CHAR_REWRITES and unicodedata.category(char).startswith("L"):
            span = _accented_word(original, index) if unicodedata.decomposition(char) else None
            if span is not None:  # a word of prose such as L'Hôpital
                while offsets and offsets[-1] >= span[0]:
                    out.pop()
                    offsets.pop()
                emit_prose(span[0], span[1])
                index = span[1]
                continue
        target = lx.CHAR_REWRITES.get(char)
        if target is None:
            name = unicodedata.name(char, "unnamed character")
            raise ParseError(
                one_line(
                    f"character {char!r} (U+{ord(char):04X} {name}) at {where(original, index)} is not "
                    "accepted; write the formula in ASCII LaTeX (look-alike letters are refused)"
                )
            )
        emit(target, index)
        index += 1
    return Chars("".join(out), offsets, prose)


# --------------------------------------------------------------------------------------------------------
# Stage 4: tokens
# --------------------------------------------------------------------------------------------------------

#: Tokens that end an operand and tokens that start one: a big space or a line break between the two
#: separates equations; a ``.`` between the two is a multiplication.
OPERAND_END: Final = frozenset(
    "LETTER RUN DRUN D DELTA NUMBER RPAR RBRACK RBRACE RSET PRIME TOP DOTS END_CASES END_MATRIX FUNC "
    "POSTT SUM FNAME".split()
)
OPERAND_START: Final = frozenset(
    "LETTER RUN DRUN D DIFF DELTA NUMBER LPAR LBRACK LBRACE LSET FRAC SQRT PARTIAL NABLA SUM FUNC DECOR "
    "BEGIN_CASES BEGIN_MATRIX DOTS BOXED".split()
)
_WORD_TOKENS: Final = frozenset({"LETTER", "RUN", "DRUN", "D", "DELTA"})
_BINARY: Final = frozenset("PLUS MINUS MULOP DIVOP ODOT OSLASH OTIMES EQ NEQ POW SUB STARSTAR".split())

_UNDERSCORE_NAME_RE: Final = re.compile(r"[A-Za-z]{3,}(?:(?:\\_|_)[A-Za-z]{3,}[A-Za-z0-9]*)+")
_SCRIPT_WORD_RE: Final = re.compile(r"-?(?:[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*|\d+(?:\.\d+)?)")
_TEXT_WORD_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*(?:'[a-z]+)*")
_PROSE_WORD_RE: Final = re.compile(r"[A-Za-z][a-z]+(?:'[a-z]+)*|[a-z]+'[a-z]+")
_LATEX_CONNECTIVES: Final = frozenset(
    {"if", "for", "where", "when", "otherwise", "else", "and", "with", "since"}
)
_REFUSED_CHARS: Final = {
    "<": "'<' (inequalities are not claims we check)",
    ">": "'>' (inequalities are not claims we check)",
    "!": "'!' (a factorial) is not supported",
    "?": "'?' is not understood",
    "`": "unexpected character '`'",
    '"': "unexpected character '\"'",
    "%": "'%' is not understood",
}


def is_prose_word(token: Tok) -> bool:
    """A word that reads as English (``result``, ``there's``), not as a symbol (``x``, ``CE``, ``dp``)."""
    value = str(token.value)
    if token.type not in ("RUN", "DRUN") or _PROSE_WORD_RE.fullmatch(value) is None:
        return False
    return len(value) >= 3 or value.lower() in lx.SHORT_WORDS


class _Lexer:
    """Characters of one formula -> raw tokens (before the passes)."""

    def __init__(self, original: str, chars: Chars, syntax: Syntax, start: int = 0, stop: int | None = None):
        self.original = original
        self.chars = chars
        self.s = chars.text
        self.syntax = syntax
        self.i = start
        self.stop = len(self.s) if stop is None else stop
        self.tokens: list[Tok] = []
        self.gap = 0.0
        self.spaced = False
        self.newline = False
        self.sized = False

    # ---- helpers ---------------------------------------------------------------------------------------

    def offset(self, index: int) -> int:
        if index < len(self.chars.offsets):
            return self.chars.offsets[index]
        return self.chars.offsets[-1] + 1 if self.chars.offsets else 0

    def fail(self, message: str, index: int | None = None) -> ParseError:
        return fail(self.original, self.offset(self.i if index is None else index), message)

    def emit(self, kind: str, value: str, start: int, end: int | None = None, **flags: bool) -> Tok:
        stop = self.i if end is None else end
        end_offset = self.offset(stop - 1) + 1 if stop > start else self.offset(start)
        token = make_token(
            kind,
            value,
            self.offset(start),
            end_offset,
            gap=self.gap if self.spaced else 0.0,
            newline=self.newline,
            sized=self.sized and kind in ("LPAR", "RPAR", "LBRACK", "RBRACK", "LSET", "RSET", "BAR"),
            **flags,
        )
        token.spaced = self.spaced
        self.tokens.append(token)
        self.gap = 0.0
        self.spaced = False
        self.newline = False
        self.sized = False
        return token

    def space(self, width: float) -> None:
        self.spaced = True
        self.gap += width

    def peek_past_spaces(self, index: int) -> str:
        while index < self.stop and self.s[index] in " \t\r\n":
            index += 1
        return self.s[index] if index < self.stop else ""

    def previous(self) -> Tok | None:
        return self.tokens[-1] if self.tokens else None

    def after_script(self) -> bool:
        previous = self.previous()
        return previous is not None and previous.type in ("SUB", "POW") and not self.spaced

    # ---- main loop -------------------------------------------------------------------------------------

    def run(self) -> list[Tok]:
        s = self.s
        while self.i < self.stop:
            c = s[self.i]
            if c in " \t\r":
                self.space(0.0)
                self.i += 1
            elif c == "\n":
                self.space(0.0)
                self.newline = True
                self.i += 1
            elif c == "~":
                self.space(lx.TILDE_SPACE)
                self.i += 1
            elif c == PROSE_MARK:
                start, end = self.chars.prose[self.i]
                self.i += 1
                token = self.emit("PROSE", self.original[start:end].strip(), self.i - 1)
                token.end_pos = end
            elif c == "%" and self.syntax == "latex":
                while self.i < self.stop and s[self.i] != "\n":
                    self.i += 1
            elif c == "\\":
                self.backslash()
            elif c.isalpha():
                if self.syntax == "text":
                    self.word()
                else:
                    self.letters()
            elif c.isdigit() or (c == "." and s[self.i + 1 : self.i + 2].isdigit() and not self.after_word()):
                self.number()
            elif c == ".":
                self.dot()
            else:
                self.symbol(c)
        return self.tokens

    def after_word(self) -> bool:
        return self.i > 0 and (self.s[self.i - 1].isalnum() or self.s[self.i - 1] in ")]}")

    # ---- numbers, dots, symbols ------------------------------------------------------------------------

    def number(self) -> None:
        s = self.s
        start = self.i
        if self.syntax == "latex" and self.after_script() and s[start].isdigit():
            self.i += 1  # x_12 is x_1 times 2 in TeX: a script takes one digit
            self.emit("NUMBER", s[start], start)
            return
        while self.i < self.stop and s[self.i].isdigit():
            self.i += 1
        if self.i + 1 < self.stop and s[self.i] == "." and s[self.i + 1].isdigit():
            self.i += 1
            while self.i < self.stop and s[self.i].isdigit():
                self.i += 1
        self.emit("NUMBER", s[start : self.i], start)

    def dot(self) -> None:
        s = self.s
        start = self.i
        nxt = s[start + 1 : start + 2]
        if s.startswith("...", start):
            self.i += 3
            self.emit("DOTS", "h", start)
        elif s.startswith("..", start):
            self.i += 2
            self.emit("DOTS", "h", start)
        elif nxt == "*":
            self.i += 2
            self.emit("ODOT", ".*", start)
        elif nxt == "/":
            self.i += 2
            self.emit("OSLASH", "./", start)
        elif nxt == "^":
            self.i += 2
            self.emit("POW", "^", start)
            self.text_script()
        elif nxt in "+-" and nxt:
            self.i += 2
            self.emit("PLUS" if nxt == "+" else "MINUS", nxt, start)
        elif nxt == "'":
            self.i += 2
            self.emit("PRIME", "'", start)
        elif nxt == "(" and self.after_word():
            self.i += 1  # Julia's broadcasting call log.(x) is log(x)
        elif re.match(r"\.T\b", s[start : start + 3]) and self.after_word():
            self.i += 2
            self.emit("POSTT", "T", start)
        elif s.startswith(".dot(", start) and self.after_word():
            self.i += 4
            self.emit("MULOP", "dot", start)
        elif re.match(r"\.[A-Za-z_]\w*\(", s[start:]) and self.after_word():
            method = re.match(r"\.([A-Za-z_]\w*)", s[start:])
            assert method is not None
            raise self.fail(f"the method call .{method.group(1)}(...) is code, not a formula (--syntax code)")
        else:
            self.i += 1
            self.emit("DOT", ".", start)

    def symbol(self, c: str) -> None:
        s = self.s
        start = self.i
        two = s[start : start + 2]
        simple = {
            "+": "PLUS", "(": "LPAR", ")": "RPAR", "]": "RBRACK", "{": "LBRACE", "}": "RBRACE",
            "_": "SUB", ",": "COMMA", ";": "SEMI", "&": "AMP", "'": "PRIME",
        }  # fmt: skip
        if two == "**":
            self.i += 2
            self.emit("STARSTAR", "**", start)
        elif two in ("==", ":="):
            self.i += 2
            self.emit("EQ", "=", start)
        elif two == "!=":
            self.i += 2
            self.emit("NEQ", "!=", start)
        elif two == "->" and self.syntax == "text":
            raise self.fail("'->' (a limit or a mapping) is not a claim we check")
        elif two == "||":
            self.i += 2
            self.emit("DBAR", "||", start)
        elif two == "@." and self.syntax == "text":
            self.i += 2  # Julia's @. broadcasts every operation: the formula reads the same without it
            self.space(0.0)
        elif c in simple:
            self.i += 1
            self.emit(simple[c], c, start)
        elif c == "-":
            self.i += 1
            self.emit("MINUS", "-", start)
        elif c == "*" or c == "@":
            self.i += 1
            self.emit("MULOP", c, start)
        elif c == "/":
            self.i += 1
            self.emit("DIVOP", "/", start)
        elif c == "=":
            self.i += 1
            self.emit("EQ", "=", start)
        elif c == ":":
            self.i += 1
            self.emit("COLON", ":", start)
        elif c == "|":
            self.i += 1
            self.emit("BAR", "|", start)
        elif c == "[":
            self.i += 1
            previous = self.previous()
            script = len(self.tokens) >= 2 and self.tokens[-2].type in ("SUB", "POW")
            tight = (
                not self.spaced
                and not self.sized
                and not script
                and previous is not None
                and previous.type in OPERAND_END
                and start > 0
                and (s[start - 1].isalnum() or s[start - 1] in ")]}'")
            )
            self.emit("LBRACK_T" if tight else "LBRACK", "[", start)
        elif c == "^":
            self.i += 1
            self.emit("POW", "^", start)
            if self.syntax == "text":
                self.text_script()
        elif c in _REFUSED_CHARS:
            raise self.fail(_REFUSED_CHARS[c])
        else:
            raise self.fail(f"unexpected character {c!r}")

    # ---- plain-text words and scripts ------------------------------------------------------------------

    def word(self) -> None:
        s = self.s
        start = self.i
        match = _TEXT_WORD_RE.match(s, start, self.stop)
        assert match is not None
        word = match.group(0)
        self.i = match.end()
        if "'" in word:
            self.emit("RUN", word, start, fixed=True)
            return
        if word in lx.DECLARATION_WORDS and re.match(r"[ \t]+[A-Za-z_]", s[self.i : self.i + 2]):
            self.space(0.0)
            return
        parts = word.split("_")
        head, sub = word, None
        if len(parts) == 2 and parts[0] and parts[1] and len(parts[1]) <= 2 and parts[1].isalnum():
            head, sub = parts
        head_end = start + len(head)
        self.text_word(head, start, head_end, has_script=sub is not None)
        if sub is not None:
            self.emit("SUB", "_", head_end, head_end + 1)
            if sub.isdigit():
                self.emit("NUMBER", sub, head_end + 1, self.i)
            elif len(sub) == 2 and index_letters(sub):
                self.emit("LBRACE", "{", head_end + 1, head_end + 1)
                self.emit("LETTER", sub[0], head_end + 1, head_end + 2)
                self.emit("COMMA", ",", head_end + 2, head_end + 2)
                self.emit("LETTER", sub[1], head_end + 2, head_end + 3)
                self.emit("RBRACE", "}", head_end + 3, head_end + 3)
            else:
                self.emit("LETTER" if len(sub) == 1 else "RUN", sub, head_end + 1, self.i, fixed=True)

    def text_word(self, head: str, start: int, end: int, *, has_script: bool) -> None:
        if head in lx.GREEK_WORDS:
            self.emit("DELTA" if head == "delta" else "LETTER", head, start, end)
        elif head == "sum" and has_script:
            self.emit("SUM", "sum", start, end)
        elif head in lx.FUNCTION_WORDS or head == "sum":
            self.emit("FUNC", lx.FUNCTION_WORDS.get(head, head), start, end)
        elif head.lower() in lx.SEPARATOR_WORDS and not has_script:
            self.emit("SEPWORD", head.lower(), start, end)
        elif head.lower() in lx.CONNECTIVES and not has_script:
            self.emit("TEXTWORD", head.lower(), start, end)
        elif head[0] == "d" and len(head) >= 2 and head[1].isalpha():
            self.emit("DRUN", head, start, end, fixed=True)
        elif len(head) == 1:
            self.emit("D" if head == "d" else "LETTER", head, start, end)
        else:
            self.emit("RUN", head, start, end, fixed=True)

    def text_script(self) -> None:
        """Plain text ``^``: the exponent is the next word (with its own subscript), number or group."""
        s = self.s
        index = self.i
        while index < self.stop and s[index] in " \t":
            index += 1
        if index >= self.stop:
            return
        c = s[index]
        if c == "(":
            close = _matching(s, index, self.stop, "(", ")")
            if close is None:
                return
            self.i = index
            self.emit("LBRACE", "{", index, index + 1)
            self.i = index + 1
            inner = _Lexer(self.original, self.chars, self.syntax, index + 1, close)
            inner.run()
            self.tokens.extend(inner.tokens)
            self.i = close + 1
            self.emit("RBRACE", "}", close, close + 1)
            return
        word = _SCRIPT_WORD_RE.match(s, index, self.stop)
        if word is None or c == "{":
            return
        self.emit("LBRACE", "{", index, index)
        inner = _Lexer(self.original, self.chars, self.syntax, index, word.end())
        inner.run()
        self.tokens.extend(inner.tokens)
        self.i = word.end()
        self.emit("RBRACE", "}", word.end(), word.end())

    # ---- LaTeX letters ---------------------------------------------------------------------------------

    def letters(self) -> None:
        s = self.s
        start = self.i
        if not (start > 0 and s[start - 1].isalpha()) and not self.after_script():
            joined = _UNDERSCORE_NAME_RE.match(s, start, self.stop)
            if joined:
                self.i = joined.end()
                self.emit("RUN", joined.group(0).replace("\\_", "_"), start, fixed=True)
                return
        self.i += 1
        self.emit("LETTER", s[start], start, plain=True)

    # ---- backslash -------------------------------------------------------------------------------------

    def backslash(self) -> None:
        s = self.s
        start = self.i
        if start + 1 >= self.stop:
            raise self.fail("a lone backslash at the end")
        d = s[start + 1]
        if d.isascii() and d.isalpha():
            end = start + 1
            while end < self.stop and s[end].isascii() and s[end].isalpha():
                end += 1
            name = s[start + 1 : end]
            if end < self.stop and s[end] == "*" and name in ("operatorname", "tag", "hspace"):
                end += 1
                name += "*" if name != "operatorname" else ""
            self.i = end
            self.command(name, start)
            return
        self.i = start + 2
        if d == "\\":
            self.emit("ROWSEP", "\\\\", start)
        elif d in lx.SPACE_ESCAPES:
            self.space(lx.SPACE_ESCAPES[d])
        elif d in "()[]":
            kind = {"(": "LPAR", ")": "RPAR", "[": "LBRACK", "]": "RBRACK"}[d]
            self.emit(kind, d, start)
        elif d in "{}":
            self.emit("LSET" if d == "{" else "RSET", d, start)
        elif d == "|":
            self.emit("DBAR", "||", start)
        elif d == "_":
            self.emit("SUB", "_", start)
        else:
            raise self.fail(f"unexpected escape \\{d}", start)

    def skip_spaces(self) -> None:
        while self.i < self.stop and self.s[self.i] in " \t\r\n":
            self.i += 1

    def raw_argument(self, command: str) -> tuple[int, int]:
        r"""The span of a braced argument (for \text, \label, \color, \begin ...); advances past it."""
        self.skip_spaces()
        s = self.s
        if self.i >= self.stop or s[self.i] != "{":
            raise self.fail(f"\\{command} needs a braced argument")
        close = _matching(s, self.i, self.stop, "{", "}")
        if close is None:
            raise self.fail(f"unbalanced '{{' after \\{command}")
        span = (self.i + 1, close)
        self.i = close + 1
        return span

    def command(self, name: str, start: int) -> None:
        if name in lx.FORBIDDEN_COMMANDS:
            raise self.fail(f"LaTeX command \\{name} is not allowed", start)
        if name in lx.SPACE_COMMANDS:
            if name.startswith("hspace"):
                self.raw_argument(name)
            self.space(lx.SPACE_COMMANDS[name])
            return
        if name in lx.DROPPED_COMMANDS:
            if name in lx.SIZE_COMMANDS:
                self.skip_spaces()
                if self.s[self.i : self.i + 1] == ".":
                    self.i += 1  # the null delimiter \left. or \right.
                else:
                    self.sized = True
            self.space(0.0)
            return
        if name in lx.DROPPED_WITH_ARGUMENT:
            self.raw_argument(name)
            self.space(0.0)
            return
        if name in lx.KEEP_SECOND_ARGUMENT:
            self.raw_argument(name)
            self.space(0.0)
            return
        if name in lx.KEEP_ARGUMENT_DROP_SCRIPT:
            self.emit("MARK", lx.KEEP_ARGUMENT_DROP_SCRIPT[name], start)
            return
        if name in lx.TEXT_COMMANDS:
            self.text_command(name, start)
            return
        if name in ("begin", "end"):
            first, last = self.raw_argument(name)
            env = self.s[first:last].strip()
            self.environment(name, env, start)
            return
        if name in lx.DECORATIONS:
            self.emit("DECOR", lx.DECORATIONS[name], start)
            return
        if name in lx.LETTER_COMMANDS:
            if name == "delta":
                self.emit("DELTA", "delta", start)
            elif name == "Sigma" and self.peek_past_spaces(self.i) in ("_", "^"):
                self.emit("SUM", "Sigma", start)
            else:
                self.emit("LETTER", name, start)
            return
        if name in lx.FUNCTION_COMMANDS:
            self.emit("FUNC", lx.FUNCTION_COMMANDS[name], start)
            return
        if name in lx.COMMAND_TOKENS:
            kind, value = lx.COMMAND_TOKENS[name]
            if kind == "NOT":
                self.skip_spaces()
                if self.s[self.i : self.i + 1] == "=":
                    self.i += 1
                    self.emit("NEQ", "!=", start)
                    return
                raise self.fail("\\not is only understood before '=' (\\not=)", start)
            self.emit(kind, value, start)
            return
        if name in lx.UNSUPPORTED_COMMANDS:
            raise self.fail(f"\\{name} ({lx.UNSUPPORTED_COMMANDS[name]}) is not supported", start)
        raise self.fail(f"unknown LaTeX command \\{name}", start)

    def environment(self, name: str, env: str, start: int) -> None:
        if env in lx.CHAIN_ENVIRONMENTS:
            self.emit("BEGIN_CHAIN" if name == "begin" else "END_CHAIN", env, start)
        elif env in lx.CASES_ENVIRONMENTS:
            self.emit("BEGIN_CASES" if name == "begin" else "END_CASES", env, start)
        elif env in lx.MATRIX_ENVIRONMENTS:
            if name == "begin" and env == "array":
                self.raw_argument("begin{array}")
            self.emit("BEGIN_MATRIX" if name == "begin" else "END_MATRIX", env, start)
        else:
            raise self.fail(f"environment {{{env}}} is not supported", start)

    def text_command(self, name: str, start: int) -> None:
        s = self.s
        if name == "rm":  # a font switch: {\rm if}, {\rm d} x
            self.skip_spaces()
            first = self.i
            while self.i < self.stop and s[self.i].isalpha():
                self.i += 1
            last = self.i
        else:
            first, last = self.raw_argument(name)
        content = s[first:last]
        words = " ".join(content.replace("\\_", "_").split())
        if not words:
            self.space(0.0)
            return
        if PROSE_MARK in content:
            self.emit("PROSE", self.original[self.offset(start) : self.offset(last - 1) + 1], start)
            return
        if "\\" in words or "$" in words or "{" in words:
            raise self.fail(f"LaTeX inside \\{name}{{...}} is not supported", start)
        lowered = words.lower()
        if lowered in lx.SEPARATOR_WORDS:
            self.emit("SEPWORD", lowered, start)
            return
        if lowered in lx.CONNECTIVES:
            self.emit("TEXTWORD", lowered, start)
            return
        if words == "d" and name in ("mathrm", "rm", "text", "textrm", "operatorname"):
            self.emit("DIFF", "d", start)
            return
        match = re.fullmatch(r"([A-Za-z][A-Za-z0-9_]*)('*)", words)
        if match is not None:
            base, primes = match.groups()
            if base in lx.FUNCTION_WORDS and not self.after_script():
                self.emit("FUNC", lx.FUNCTION_WORDS[base], start)
            elif len(base) == 1:
                self.emit("LETTER", base, start)
            else:
                self.emit("RUN", base, start, fixed=True)
            for _ in primes:
                self.emit("PRIME", "'", start)
            self.space(0.0)
            return
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*\s*\(.*\)", words):
            inner = _Lexer(self.original, self.chars, "text", first, last)
            inner.gap, inner.spaced = self.gap, self.spaced
            self.tokens.extend(inner.run())
            self.gap, self.spaced = 0.0, True
            return
        self.emit("PROSE", words, start)


def _matching(s: str, index: int, stop: int, opening: str, closing: str) -> int | None:
    depth = 0
    for position in range(index, stop):
        if s[position] == opening and (position == 0 or s[position - 1] != "\\" or opening == "("):
            depth += 1
        elif s[position] == closing and (position == 0 or s[position - 1] != "\\" or closing == ")"):
            depth -= 1
            if depth == 0:
                return position
    return None


# --------------------------------------------------------------------------------------------------------
# Passes over the tokens
# --------------------------------------------------------------------------------------------------------


class _Builder:
    """A new token list; a dropped token gives its white space to the next one kept."""

    def __init__(self) -> None:
        self.out: list[Tok] = []
        self.gap = 0.0
        self.newline = False
        self.spaced = False

    def drop(self, token: Tok) -> None:
        self.gap += token.gap
        self.newline = self.newline or token.newline
        self.spaced = self.spaced or token.spaced

    def keep(self, token: Tok) -> None:
        if self.spaced or self.newline:
            token = retype(token, token.type)
            token.gap += self.gap
            token.newline = token.newline or self.newline
            token.spaced = True
        self.out.append(token)
        self.gap = 0.0
        self.newline = False
        self.spaced = False


def _brace_pairs(original: str, tokens: list[Tok]) -> dict[int, int]:
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for index, token in enumerate(tokens):
        if token.type == "LBRACE":
            stack.append(index)
        elif token.type == "RBRACE":
            if not stack:
                raise fail(original, token.start_pos, "unmatched '}'")
            opened = stack.pop()
            pairs[opened] = index
            pairs[index] = opened
    if stack:
        raise ParseError(
            f"unbalanced '{{' opened at {where(original, tokens[stack[-1]].start_pos)} is never closed"
        )
    return pairs


def _script_end(tokens: list[Tok], index: int, pairs: dict[int, int]) -> int:
    """The index after the script argument that starts at ``index``."""
    if index >= len(tokens):
        return index
    return pairs[index] + 1 if tokens[index].type == "LBRACE" else index + 1


def _marks_and_empty_groups(original: str, tokens: list[Tok]) -> list[Tok]:
    pairs = _brace_pairs(original, tokens)
    dropped: set[int] = set()
    for index, token in enumerate(tokens):
        if token.type == "MARK":
            dropped.add(index)
            argument = index + 1
            if argument >= len(tokens) or tokens[argument].type != "LBRACE":
                raise fail(original, token.start_pos, "\\underbrace needs a braced argument")
            script = pairs[argument] + 1
            if (
                token.value
                and script < len(tokens)
                and tokens[script].type == {"_": "SUB", "^": "POW"}[token.value]
            ):
                dropped.update(range(script, _script_end(tokens, script + 1, pairs)))
        elif (
            token.type == "LBRACE"
            and index + 2 < len(tokens)
            and tokens[index + 1].type in ("TEXTWORD", "SEPWORD", "PROSE")
            and tokens[index + 2].type == "RBRACE"
        ):
            dropped.update((index, index + 2))  # {\text{ for }}, {\rm if}
            tokens[index + 1].start_pos = token.start_pos
            tokens[index + 1].end_pos = tokens[index + 2].end_pos
        elif (
            token.type == "LBRACE"
            and index + 1 < len(tokens)
            and tokens[index + 1].type in ("SUB", "POW")
            and index > 0
            and tokens[index - 1].type not in ("SUB", "POW")
            and not token.spaced
        ):
            dropped.update((index, pairs[index]))  # L{_i}: a script written inside braces
        elif token.type == "LBRACE" and index + 1 < len(tokens) and tokens[index + 1].type == "RBRACE":
            before = tokens[index - 1] if index > 0 else None
            if before is not None and before.type in ("SUB", "POW"):
                dropped.update((index - 1, index, index + 1))
            elif before is None or before.type not in ("FRAC", "RBRACE", "SQRT"):
                dropped.update((index, index + 1))
    builder = _Builder()
    for index, token in enumerate(tokens):
        if index in dropped:
            builder.drop(token)
        else:
            builder.keep(token)
    return builder.out


_OPENERS: Final = frozenset({"LPAR", "LBRACK", "LBRACK_T", "LSET"})
_CLOSERS: Final = frozenset({"RPAR", "RBRACK", "RSET"})


def _structure(original: str, tokens: list[Tok]) -> list[Tok]:
    """Environments: chains unwrapped, ``&`` kept only in cases and matrices; nesting depth recorded."""
    frames: list[Tok] = []  # LBRACE or BEGIN_* tokens
    brackets = 0
    builder = _Builder()
    for token in tokens:
        kind = token.type
        if kind == "LBRACE":
            frames.append(token)
        elif kind == "RBRACE":
            if frames and frames[-1].type != "LBRACE":
                raise fail(
                    original, token.start_pos, f"'}}' closes a brace inside \\begin{{{frames[-1].value}}}"
                )
            frames.pop()
        elif kind.startswith("BEGIN_"):
            frames.append(token)
        elif kind.startswith("END_"):
            if not frames or not frames[-1].type.startswith("BEGIN_") or frames[-1].value != token.value:
                raise fail(original, token.start_pos, f"\\end{{{token.value}}} does not match")
            frames.pop()
        elif kind in _OPENERS:
            brackets += 1
        elif kind in _CLOSERS:
            brackets = max(0, brackets - 1)
        token.depth = len([f for f in frames if f.type != "BEGIN_CHAIN"]) + brackets
        token.in_env = any(f.type.startswith("BEGIN_") for f in frames)
        environments = [f for f in frames if f.type.startswith("BEGIN_")]
        token.in_table = bool(environments) and environments[-1].type in ("BEGIN_CASES", "BEGIN_MATRIX")
        if kind in ("BEGIN_CHAIN", "END_CHAIN"):
            builder.drop(token)
        elif kind == "AMP" and not (frames and frames[-1].type in ("BEGIN_CASES", "BEGIN_MATRIX")):
            builder.drop(token)
        else:
            builder.keep(token)
    if frames:
        raise fail(original, frames[-1].start_pos, f"\\begin{{{frames[-1].value}}} is never closed")
    return builder.out


def index_letters(run: str) -> bool:
    """Whether a run written as a subscript is several indices (``ij``, ``pq``, ``ijkl``), not one name."""
    if not run.isalpha() or not run.isascii():
        return False
    return (len(run) == 2 and run.islower()) or (len(set(run)) == len(run) and set(run) <= lx.INDEX_LETTERS)


def _index_tokens(run: Tok, word: str) -> list[Tok]:
    """``ij`` in a subscript -> ``i , j``; ``out`` -> one index name."""
    if not index_letters(word):
        named = retype(run, "RUN", word)
        named.fixed = True  # W_{out}, x[class]: one index name, never a product
        return [named]
    out: list[Tok] = []
    for number, letter in enumerate(word):
        if number:
            out.append(make_token("COMMA", ",", run.start_pos + number, run.start_pos + number))
        out.append(make_token("LETTER", letter, run.start_pos + number, run.start_pos + number + 1))
    return out


def _letter_runs(tokens: list[Tok]) -> list[Tok]:
    r"""LaTeX: letters typed together form a run (``yhat``, ``dW``, ``c1``); a script takes one letter; a run
    that is a whole subscript or bracket index is index names (``W_{ij}``, ``\delta{ij}``, ``x[class]``)."""
    out: list[Tok] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        joinable = token.type == "LETTER" and token.plain
        script_argument = bool(out) and out[-1].type in ("SUB", "POW", "DECOR") and not token.spaced
        if not joinable or script_argument:
            out.append(retype(token, "D") if joinable and token.value == "d" else token)
            index += 1
            continue
        end = index + 1
        while (
            end < len(tokens)
            and tokens[end].type == "LETTER"
            and tokens[end].plain
            and not tokens[end].spaced
        ):
            end += 1
        if (
            end - index >= 2
            and tokens[end - 1].value == "e"
            and end < len(tokens)
            and tokens[end].type == "POW"
        ):
            end -= 1  # Ce^{a_i}: e^{..} is the exponential, not the end of a name
        elif end < len(tokens) and tokens[end].type == "NUMBER" and not tokens[end].spaced:
            if str(tokens[end].value).isdigit():
                end += 1
        word = "".join(str(t.value) for t in tokens[index:end])
        first = tokens[index]
        closing = end < len(tokens) and tokens[end].type in ("RBRACE", "RBRACK")
        opener = out[-1].type if out else ""
        before = out[-2].type if len(out) >= 2 else ""
        if len(word) > 1 and closing and opener == "LBRACE" and before in ("SUB", "DELTA") and word.isalpha():
            run = retype(first, "RUN", word)
            run.end_pos = tokens[end - 1].end_pos
            if before == "DELTA":
                out.insert(len(out) - 1, make_token("SUB", "typo", first.start_pos, first.start_pos))
            out.extend(_index_tokens(run, word))
            index = end
            continue
        if len(word) > 1 and closing and opener == "LBRACK_T" and word.isalpha():
            named = retype(first, "RUN", word)
            named.fixed = True
            named.end_pos = tokens[end - 1].end_pos
            out.append(named)
            index = end
            continue
        if len(word) == 1:
            out.append(retype(first, "D") if word == "d" else first)
        else:
            if word in lx.FUNCTION_WORDS:
                kind, value = "FUNC", lx.FUNCTION_WORDS[word]
            elif word in lx.SEPARATOR_WORDS:
                kind, value = "SEPWORD", word
            elif word in _LATEX_CONNECTIVES:
                kind, value = "TEXTWORD", word
            elif word[0] == "d" and word[1].isalpha():
                kind, value = "DRUN", word
            else:
                kind, value = "RUN", word
            run = retype(first, kind, value)
            run.end_pos = tokens[end - 1].end_pos
            out.append(run)
        index = end
    return out


def _braced_index_words(tokens: list[Tok]) -> list[Tok]:
    """Plain text: a word that is a whole braced subscript (``W_{ij}``) follows the index rules too."""
    out: list[Tok] = []
    for index, token in enumerate(tokens):
        if (
            token.type == "RUN"
            and 2 <= index
            and tokens[index - 1].type == "LBRACE"
            and tokens[index - 2].type == "SUB"
            and index + 1 < len(tokens)
            and tokens[index + 1].type == "RBRACE"
        ):
            out.extend(_index_tokens(token, str(token.value)))
        else:
            out.append(token)
    return out


def _merge(tokens: list[Tok], first: int, last: int, kind: str = "PROSE") -> Tok:
    """One token for tokens[first..last] (inclusive), with the original text as its value."""
    head = tokens[first]
    merged = retype(head, kind)
    merged.end_pos = tokens[last].end_pos
    return merged


def _attached(tokens: list[Tok], index: int) -> bool:
    """Whether a word is bound to mathematics around it (an operator, a bracket, a call)."""
    token = tokens[index]
    before = tokens[index - 1] if index > 0 else None
    after = tokens[index + 1] if index + 1 < len(tokens) else None
    if before is not None and not token.newline:
        if before.type in _BINARY | _OPENERS | {
            "LBRACE",
            "FUNC",
            "SUM",
            "DECOR",
            "PARTIAL",
            "NABLA",
            "D",
            "DIFF",
        }:
            return True
        if before.type == "COMMA" and token.depth > 0:
            return True
    if after is not None and not after.newline:
        if after.type in _BINARY | _CLOSERS | {"RBRACE", "PRIME", "POSTT"}:
            return True
        if after.type == "COMMA" and after.depth > 0:
            return True
        if after.type in ("LPAR", "LBRACK_T") and not after.spaced:
            return True
    return False


def _prose(original: str, tokens: list[Tok], syntax: Syntax) -> list[Tok]:
    """Mark words that are English, not mathematics, and merge each run of them into one PROSE token."""
    text = syntax == "text"
    # Hyphenated words (cross-entropy, one-hot, pre-softmax) are prose.
    joined: list[Tok] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if (
            index + 2 < len(tokens)
            and is_prose_word(token)
            and (text or token.plain)
            and tokens[index + 1].type == "MINUS"
            and not tokens[index + 1].spaced
            and not tokens[index + 2].spaced
            and (is_prose_word(tokens[index + 2]) or tokens[index + 2].type == "FUNC")
        ):
            last = index + 2
            while (
                last + 2 < len(tokens)
                and tokens[last + 1].type == "MINUS"
                and not tokens[last + 1].spaced
                and not tokens[last + 2].spaced
                and is_prose_word(tokens[last + 2])
            ):
                last += 2
            joined.append(_merge(tokens, index, last))
            index = last + 1
            continue
        joined.append(token)
        index += 1
    tokens = joined
    prose = [token.type == "PROSE" for token in tokens]

    def wordlike(i: int) -> bool:
        return (
            is_prose_word(tokens[i])
            and (text or tokens[i].plain)
            and str(tokens[i].value) not in lx.EQUALS_WORDS
        )

    # Two English words in a row are prose (in plain text, unless an operator binds one of them).
    for i in range(len(tokens) - 1):
        if wordlike(i) and wordlike(i + 1) and tokens[i + 1].spaced and not tokens[i + 1].newline:
            if text and (_attached(tokens, i) or _attached(tokens, i + 1)):
                continue
            prose[i] = prose[i + 1] = True
    if text and len(tokens) > 1:
        for i in range(len(tokens)):
            if wordlike(i) and not _attached(tokens, i):
                prose[i] = True
    # Words next to prose, and not bound to mathematics, are prose too.
    changed = True
    while changed:
        changed = False
        for i, token in enumerate(tokens):
            if prose[i]:
                continue
            left = i > 0 and prose[i - 1] and token.spaced and not token.newline
            right = (
                i + 1 < len(tokens) and prose[i + 1] and tokens[i + 1].spaced and not tokens[i + 1].newline
            )
            if (
                token.type in ("TEXTWORD", "SEPWORD")
                and (left or (right and text))
                and not (text and _attached(tokens, i))
            ):
                prose[i] = changed = True
            elif token.type == "TEXTWORD" and right and (i == 0 or tokens[i].newline):
                prose[i] = changed = True
            elif str(token.value) in lx.EQUALS_WORDS and token.type in ("RUN", "DRUN"):
                if left or right:
                    prose[i] = changed = True
            elif (
                token.type in _WORD_TOKENS | {"NUMBER", "FUNC"}
                and (left or right)
                and (text or (left and right))
                and not _attached(tokens, i)
            ):
                prose[i] = changed = True
    if text:
        _prose_in_brackets(tokens, prose)
    for i, token in enumerate(tokens):
        if not prose[i] and token.type in ("RUN", "DRUN") and str(token.value) in lx.EQUALS_WORDS:
            before = tokens[i - 1] if i > 0 else None
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            if not (
                before is not None
                and after is not None
                and before.type in OPERAND_END
                and after.type in OPERAND_START
            ):
                prose[i] = True
    # Merge runs of prose (with the commas and full stops between them).
    out: list[Tok] = []
    index = 0
    while index < len(tokens):
        if not prose[index]:
            out.append(tokens[index])
            index += 1
            continue
        last = index
        while last + 1 < len(tokens) and (
            prose[last + 1]
            or (
                tokens[last + 1].type in ("COMMA", "DOT", "COLON", "SEMI")
                and last + 2 < len(tokens)
                and prose[last + 2]
            )
        ):
            last += 1
        merged = _merge(tokens, index, last)
        out.append(retype(merged, "PROSE", original[merged.start_pos : merged.end_pos].strip()))
        out[-1].end_pos = merged.end_pos
        index = last + 1
    return _equals_words(out)


def _prose_in_brackets(tokens: list[Tok], prose: list[bool]) -> None:
    """A bracketed group with prose in it, and no ``=``, is prose: ``(no batch division ...)``."""
    stack: list[int] = []
    for index, token in enumerate(tokens):
        if token.type in ("LPAR", "LBRACK", "LBRACK_T"):
            stack.append(index)
        elif token.type in ("RPAR", "RBRACK") and stack:
            opened = stack.pop()
            inside = range(opened + 1, index)
            if any(prose[i] for i in inside) and not any(tokens[i].type == "EQ" for i in inside):
                for i in range(opened, index + 1):
                    prose[i] = True


def _equals_words(tokens: list[Tok]) -> list[Tok]:
    """``is`` between two formulas is ``=``; anywhere else it is prose."""
    out: list[Tok] = []
    for index, token in enumerate(tokens):
        if token.type in ("RUN", "DRUN") and str(token.value) in lx.EQUALS_WORDS:
            before = tokens[index - 1] if index > 0 else None
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            if (
                before is not None
                and after is not None
                and before.type in OPERAND_END
                and after.type in OPERAND_START
            ):
                out.append(retype(token, "EQ", "="))
                continue
        out.append(token)
    return out


def _rows(tokens: list[Tok]) -> list[tuple[int, int]]:
    r"""Index ranges of the rows (split at line breaks and ``\\``)."""
    rows: list[tuple[int, int]] = []
    start = 0
    for index, token in enumerate(tokens):
        if token.type == "ROWSEP":
            rows.append((start, index))
            start = index + 1
        elif token.newline and index > start and token.depth == 0 and not token.in_env:
            rows.append((start, index))
            start = index
    rows.append((start, len(tokens)))
    return [(a, b) for a, b in rows if b > a]


def _labels(original: str, tokens: list[Tok], syntax: Syntax) -> list[Tok]:
    """A row that starts with a label (``Cross entropy:``, ``log_softmax:``) keeps the label as prose."""
    replace: dict[int, int] = {}
    for start, end in _rows(tokens):
        colon = next(
            (i for i in range(start, end) if tokens[i].type == "COLON" and tokens[i].depth == 0), None
        )
        if colon is None or colon == start:
            continue
        before = tokens[start:colon]
        if any(t.type in ("EQ", "NEQ") for t in before):
            continue
        labelled = any(t.type == "PROSE" or is_prose_word(t) for t in before)
        at_row_end = colon == end - 1
        if (syntax == "text" and labelled) or (at_row_end and (labelled or len(before) <= 3)):
            replace[start] = colon
    if not replace:
        return tokens
    out: list[Tok] = []
    index = 0
    while index < len(tokens):
        if index in replace:
            last = replace[index]
            merged = _merge(tokens, index, last)
            out.append(retype(merged, "PROSE", original[merged.start_pos : merged.end_pos].strip()))
            out[-1].end_pos = merged.end_pos
            index = last + 1
        else:
            out.append(tokens[index])
            index += 1
    return out


_ROW_END: Final = frozenset(
    {"ROWSEP", "TEXTWORD", "PROSE", "AMP", "RBRACE", "END_CASES", "END_MATRIX", "EQNUM"}
)


def _punctuation(tokens: list[Tok]) -> list[Tok]:
    """Trailing ``. , ;`` are dropped; a ``.`` between two operands is a multiplication."""
    builder = _Builder()
    for index, token in enumerate(tokens):
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        before = builder.out[-1] if builder.out else None
        ends = after is None or after.type in _ROW_END or after.newline
        if token.type == "DOT":
            if (
                before is not None
                and after is not None
                and before.type in OPERAND_END
                and after.type in OPERAND_START
                and not after.newline
            ):
                builder.keep(retype(token, "MULOP", "."))
            else:
                builder.drop(token)
        elif token.type in ("COMMA", "SEMI") and ends and token.depth == 0:
            builder.drop(token)
        else:
            builder.keep(token)
    return builder.out


def _equation_numbers(original: str, tokens: list[Tok]) -> list[Tok]:
    """``(1)`` at the end of a row, after white space, is an equation number."""
    out: list[Tok] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if (
            token.type == "LPAR"
            and token.spaced
            and not token.sized
            and token.start_pos > 0
            and (
                original[token.start_pos - 1] in " \t"
                or re.search(r"\\end\s*\{[^}]*\}$", original[: token.start_pos]) is not None
            )
            and token.depth <= 1
            and index + 2 < len(tokens)
            and tokens[index + 1].type == "NUMBER"
            and str(tokens[index + 1].value).isdigit()
            and tokens[index + 2].type == "RPAR"
            and out
            and out[-1].type in OPERAND_END
            and (index + 3 == len(tokens) or tokens[index + 3].type == "ROWSEP" or tokens[index + 3].newline)
        ):
            number = _merge(tokens, index, index + 2, "EQNUM")
            out.append(retype(number, "EQNUM", f"({tokens[index + 1].value})"))
            out[-1].end_pos = tokens[index + 2].end_pos
            index += 3
            continue
        out.append(token)
        index += 1
    return out


def _separators(tokens: list[Tok], lines: bool) -> list[Tok]:
    """A big space, or a line break outside an environment, between two operands separates equations."""
    out: list[Tok] = []
    for token in tokens:
        before = out[-1] if out else None
        if (
            before is not None
            and before.type in OPERAND_END
            and token.type in OPERAND_START
            and token.depth == 0
        ):
            if token.newline and lines and not token.in_env:
                out.append(make_token("NEWLINE", "\n", token.start_pos, token.start_pos))
            elif token.gap >= lx.BIG_SPACE:
                out.append(make_token("SPACE", " ", token.start_pos, token.start_pos))
        out.append(token)
    return out


# --------------------------------------------------------------------------------------------------------
# Decisions that need look-ahead: they rename tokens so that the grammar stays LALR(1)
# --------------------------------------------------------------------------------------------------------

_PAIRS: Final = {
    "LPAR": "RPAR", "CONDLPAR": "RPAR", "LBRACK": "RBRACK", "LBRACK_T": "RBRACK", "LBRACE": "RBRACE",
    "LSET": "RSET", "BEGIN_CASES": "END_CASES", "BEGIN_MATRIX": "END_MATRIX",
}  # fmt: skip
_CLOSING: Final = frozenset(_PAIRS.values())
_ITEM_START: Final = OPERAND_START | {
    "PLUS",
    "MINUS",
    "DMARK",
    "DFRAC",
    "SUMSYM",
    "FUNCCALL",
    "BECAUSE",
    "CONDWORD",
    "NABLA",
    "PARTIAL",
}
_BOUNDARY: Final = frozenset(
    {"ROWSEP", "NEWLINE", "SPACE", "EQNUM", "PROSE", "TEXTWORD", "RBRACE", "SEMI", "COMMA", "AMP",
     "END_CASES", "SEPWORD", "NOTE"}
)  # fmt: skip


def _pairs(tokens: list[Tok]) -> dict[int, int]:
    """Matching brackets of every kind, both ways (unmatched ones are left out)."""
    stacks: dict[str, list[int]] = {}
    pairs: dict[int, int] = {}
    for index, token in enumerate(tokens):
        if token.type in _PAIRS:
            stacks.setdefault(_PAIRS[token.type], []).append(index)
        elif token.type in _CLOSING and stacks.get(token.type):
            opened = stacks[token.type].pop()
            pairs[opened] = index
            pairs[index] = opened
    return pairs


def _row_spans(tokens: list[Tok]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for index, token in enumerate(tokens):
        if token.type in ("ROWSEP", "NEWLINE") and token.depth == 0:
            spans.append((start, index))
            start = index + 1
    spans.append((start, len(tokens)))
    return [(a, b) for a, b in spans if b > a]


def _elisions(tokens: list[Tok]) -> list[Tok]:
    """``[...]`` marks text left out of a quotation: it separates what is on either side."""
    out: list[Tok] = []
    index = 0
    while index < len(tokens):
        if (
            index + 2 < len(tokens)
            and tokens[index].type in ("LBRACK", "LBRACK_T")
            and tokens[index + 1].type == "DOTS"
            and tokens[index + 2].type == "RBRACK"
        ):
            out.append(make_token("SPACE", " ", tokens[index].start_pos, tokens[index + 2].end_pos))
            index += 3
            continue
        out.append(tokens[index])
        index += 1
    return out


def _ranges(original: str, tokens: list[Tok]) -> list[Tok]:
    r"""``i = 1, \dots, K`` (and ``p, i = 1, \ldots, m``) says what an index runs over: a QUALIFIER."""
    if not any(t.type == "DOTS" for t in tokens):
        return tokens
    pairs = _pairs(tokens)
    out: list[Tok] = []
    index = 0
    while index < len(tokens):
        span = _range_at(tokens, index, pairs)
        if span is None:
            out.append(tokens[index])
            index += 1
            continue
        merged = _merge(tokens, index, span - 1, "QUALIFIER")
        out.append(retype(merged, "QUALIFIER", one_line(original[merged.start_pos : merged.end_pos])))
        out[-1].end_pos = merged.end_pos
        index = span
    return out


def _range_at(tokens: list[Tok], index: int, pairs: dict[int, int]) -> int | None:
    """The end of a range statement starting at ``index``, if one does."""
    if index > 0 and tokens[index - 1].type not in ("COMMA", "SEMI", "ROWSEP", "NEWLINE", "SPACE", "PROSE"):
        return None
    position = index
    while True:  # p, i = ...: indices before the =
        end = _index_end(tokens, position, pairs, numbers=False)
        if end is None or end >= len(tokens):
            return None
        if tokens[end].type == "EQ":
            position = end + 1
            break
        if tokens[end].type != "COMMA":
            return None
        position = end + 1
    seen_dots = False
    while position < len(tokens):
        if tokens[position].type == "DOTS":
            seen_dots = True
            position += 1
        else:
            end = _index_end(tokens, position, pairs, numbers=True)
            if end is None:
                return None
            position = end
        if (
            position >= len(tokens)
            or tokens[position].type != "COMMA"
            or not (
                position + 1 < len(tokens)
                and (tokens[position + 1].type in ("DOTS", "NUMBER", "LETTER", "RUN"))
            )
        ):
            return position if seen_dots else None
        position += 1
    return position if seen_dots else None


def _signatures(original: str, tokens: list[Tok]) -> list[Tok]:
    r"""A row with an arrow (``f: R^n \to R``) states a function's type: one SIGNATURE token."""
    if not any(t.type == "ARROW" for t in tokens):
        return tokens
    out: list[Tok] = []
    position = 0
    for start, end in _row_spans(tokens):
        out.extend(tokens[position:start])
        row = tokens[start:end]
        if any(t.type == "ARROW" for t in row):
            merged = _merge(tokens, start, end - 1, "SIGNATURE")
            out.append(retype(merged, "SIGNATURE", original[merged.start_pos : merged.end_pos].strip()))
            out[-1].end_pos = merged.end_pos
        else:
            out.extend(row)
        position = end
    out.extend(tokens[position:])
    return out


def _continuations(tokens: list[Tok]) -> list[Tok]:
    """A line break before ``=``, ``+`` or ``-`` continues; a comment before such a line is a NOTE."""
    builder = _Builder()
    for index, token in enumerate(tokens):
        after = index + 1
        while after < len(tokens) and tokens[after].type in ("ROWSEP", "NEWLINE"):
            after += 1
        following = tokens[after] if after < len(tokens) else None
        if (
            token.type in ("ROWSEP", "NEWLINE")
            and not token.in_table
            and following is not None
            and following.type in ("EQ", "PLUS", "MINUS")
        ):
            builder.drop(token)
            continue
        if (
            token.type == "PROSE"
            and following is not None
            and following.type == "EQ"
            and (after > index + 1 or following.newline)
            and builder.out
            and builder.out[-1].type in OPERAND_END
        ):
            builder.keep(retype(token, "NOTE"))
            continue
        builder.keep(token)
    return builder.out


def _boxes(tokens: list[Tok]) -> list[Tok]:
    r"""A lone ``\boxed{..}`` only frames; boxes side by side are the entries of a vector."""
    pairs = _pairs(tokens)
    builder = _Builder()
    for index, token in enumerate(tokens):
        if token.type == "BOXED":
            group = index + 1
            closing = pairs.get(group) if group < len(tokens) and tokens[group].type == "LBRACE" else None
            before = (
                index > 0
                and tokens[index - 1].type == "RBRACE"
                and tokens[pairs.get(index - 1, 0) - 1].type == "BOXED"
            )
            after = closing is not None and closing + 1 < len(tokens) and tokens[closing + 1].type == "BOXED"
            if not (before or after):
                builder.drop(token)
                continue
        builder.keep(token)
    return builder.out


def _skip_script(tokens: list[Tok], index: int, pairs: dict[int, int]) -> int:
    """Past the argument of a ``_`` or ``^`` at ``index``."""
    argument = index + 1
    if argument >= len(tokens):
        return argument
    return pairs.get(argument, argument) + 1 if tokens[argument].type == "LBRACE" else argument + 1


def _natural_logarithms(tokens: list[Tok]) -> list[Tok]:
    r"""``\log_e`` and ``\log_{e}`` are the natural logarithm: the base e is dropped."""
    out: list[Tok] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        out.append(token)
        if (
            token.type == "FUNC"
            and token.value == "log"
            and index + 2 < len(tokens)
            and tokens[index + 1].type == "SUB"
        ):
            after = tokens[index + 2 : index + 5]
            if after and after[0].type == "LETTER" and after[0].value == "e":
                index += 3
                continue
            if (
                len(after) == 3
                and [t.type for t in after] == ["LBRACE", "LETTER", "RBRACE"]
                and after[1].value == "e"
            ):
                index += 5
                continue
        index += 1
    return out


def _function_calls(tokens: list[Tok]) -> list[Tok]:
    r"""A function word followed by ``(`` (after its scripts) is a call: \log(x) is FUNCCALL."""
    tokens = _natural_logarithms(tokens)
    pairs = _pairs(tokens)
    out = list(tokens)
    for index, token in enumerate(tokens):
        if token.type != "FUNC":
            continue
        after = index + 1
        while after < len(tokens) and tokens[after].type in ("SUB", "POW", "PRIME"):
            after = after + 1 if tokens[after].type == "PRIME" else _skip_script(tokens, after, pairs)
        following = tokens[after] if after < len(tokens) else None
        if following is not None and following.type == "LPAR":
            out[index] = retype(token, "FUNCCALL")
        elif following is None or following.type not in OPERAND_START | {"SUM", "DFRAC", "FRAC", "DMARK"}:
            out[index] = retype(token, "FNAME")  # d softmax / dz, softmax * softmax'
    return out


def _sum_symbols(tokens: list[Tok]) -> list[Tok]:
    r"""``\sum`` with nothing to sum is a name for a sum (``\frac{e_j}{\sum}``): SUMSYM."""
    pairs = _pairs(tokens)
    out = list(tokens)
    for index, token in enumerate(tokens):
        if token.type != "SUM":
            continue
        after = index + 1
        scripts = 0
        while after < len(tokens) and tokens[after].type in ("SUB", "POW") and scripts < 2:
            after = _skip_script(tokens, after, pairs)
            scripts += 1
        following = tokens[after] if after < len(tokens) else None
        starts = following is not None and (
            following.type in (_ITEM_START | {"LBRACK_T"}) - {"PLUS", "MINUS", "BECAUSE", "CONDWORD"}
            or (scripts > 0 and following.type in ("PLUS", "MINUS"))
        )
        if not starts:
            out[index] = retype(token, "SUMSYM")
    return out


def _mark_kind(tokens: list[Tok], index: int) -> str | None:
    """The kind of differential mark at ``index`` (``partial``, ``d``, ``delta``), if it is one."""
    if index >= len(tokens):
        return None
    token = tokens[index]
    following = tokens[index + 1].type if index + 1 < len(tokens) else ""
    if token.type == "PARTIAL" and following != "SUB":
        return "partial"
    if token.type in ("D", "DIFF", "DRUN"):
        return "d"
    if token.type == "DELTA" and following not in ("SUB",):
        return "delta"
    return None


def _compatible(numerator: str | None, denominator: str | None) -> bool:
    if numerator is None or denominator is None:
        return False
    return "partial" in (numerator, denominator) or numerator == denominator


def _unwrap(
    tokens: list[Tok], start: int, end: int, pairs: dict[int, int], drop: set[int]
) -> tuple[int, int]:
    r"""Redundant braces around a whole argument (``{{\partial {L_i}}}``) are dropped."""
    while end - start >= 2 and tokens[start].type == "LBRACE" and pairs.get(start) == end - 1:
        drop.update((start, end - 1))
        start, end = start + 1, end - 1
    return start, end


def _operand_start(tokens: list[Tok], end: int, pairs: dict[int, int]) -> int | None:
    """The first token of the operand that ends just before ``end`` (a symbol with scripts, a group)."""
    position = end - 1
    if position < 0:
        return None
    while True:
        if tokens[position].type in _CLOSING:
            opener = pairs.get(position)
            if opener is None:
                return None
            position = opener
            if tokens[position].type == "LBRACK_T" and position > 0:
                position -= 1
                continue
            if (
                tokens[position].type == "LPAR"
                and position > 0
                and (tokens[position - 1].type in OPERAND_END - {"NUMBER", "D", "DELTA"})
                and not tokens[position].spaced
            ):
                position -= 1  # J(z, y): the call's name
                continue
        if tokens[position].type == "PRIME" and position > 0:
            position -= 1
            continue
        if position > 0 and tokens[position - 1].type in ("SUB", "POW"):
            position -= 2
            if position < 0:
                return None
            continue
        if position > 0 and tokens[position - 1].type == "DECOR":
            position -= 1
        return position


class _Marks:
    """Renames differential marks (DMARK) and derivative fractions (DFRAC, DOVER, DSLASH)."""

    def __init__(self, tokens: list[Tok]) -> None:
        self.tokens = tokens
        self.pairs = _pairs(tokens)
        self.rename: dict[int, str] = {}
        self.drop: set[int] = set()

    def mark(self, index: int) -> None:
        self.rename[index] = "DMARK"

    def marks_in(self, start: int, end: int) -> None:
        """Every differential at the top level of a derivative's denominator."""
        index = start
        previous_mark = False
        while index < end:
            token = self.tokens[index]
            if token.type in _PAIRS:
                index = self.pairs.get(index, index) + 1
                previous_mark = False
                continue
            kind = _mark_kind(self.tokens, index)
            if kind is not None and not previous_mark:
                self.mark(index)
                previous_mark = token.type != "DRUN"
            else:
                previous_mark = False
            index += 1

    def fraction(self, index: int) -> None:
        tokens, pairs = self.tokens, self.pairs
        first = index + 1
        if first >= len(tokens) or tokens[first].type != "LBRACE" or first not in pairs:
            return
        second = pairs[first] + 1
        if second >= len(tokens) or tokens[second].type != "LBRACE" or second not in pairs:
            return
        drop: set[int] = set()
        num_start, num_end = _unwrap(tokens, first + 1, pairs[first], pairs, drop)
        den_start, den_end = _unwrap(tokens, second + 1, pairs[second], pairs, drop)
        sign = num_start
        while sign < num_end and tokens[sign].type in ("PLUS", "MINUS"):
            sign += 1
        numerator = _mark_kind(tokens, sign) if sign < num_end else None
        denominator = _mark_kind(tokens, den_start) if den_start < den_end else None
        lenient = numerator in ("partial", "delta") and denominator is None
        if not (_compatible(numerator, denominator) or lenient):
            return
        self.rename[index] = "DFRAC"
        self.mark(sign)
        if not lenient:
            self.marks_in(den_start, den_end)
        self.drop |= drop

    def over(self, index: int) -> None:
        tokens = self.tokens
        opener = index - 1
        while opener >= 0 and not (tokens[opener].type == "LBRACE" and self.pairs.get(opener, -1) > index):
            opener -= 1
        if opener < 0:
            return
        closer = self.pairs[opener]
        numerator = _mark_kind(tokens, opener + 1)
        denominator = _mark_kind(tokens, index + 1)
        if _compatible(numerator, denominator):
            self.rename[index] = "DOVER"
            self.mark(opener + 1)
            self.marks_in(index + 1, closer)

    def slash(self, index: int) -> None:
        tokens = self.tokens
        if tokens[index].value != "/":
            return
        right = _mark_kind(tokens, index + 1)
        if right is None:
            return
        left_mark: int | None = None
        if index > 0 and _mark_kind(tokens, index - 1) is not None and tokens[index - 1].type != "DRUN":
            left_mark = index - 1  # d/dx: an operator
        else:
            start = _operand_start(tokens, index, self.pairs)
            if start is None:
                return
            if tokens[start].type == "DRUN":
                left_mark = start
            elif start > 0 and _mark_kind(tokens, start - 1) is not None and tokens[start - 1].type != "DRUN":
                left_mark = start - 1
        if left_mark is None or not _compatible(_mark_kind(tokens, left_mark), right):
            return
        self.mark(left_mark)
        self.rename[index] = "DSLASH"
        self.mark(index + 1)

    def run(self) -> list[Tok]:
        for index, token in enumerate(self.tokens):
            if token.type == "FRAC":
                self.fraction(index)
            elif token.type == "OVER":
                self.over(index)
            elif token.type == "DIVOP":
                self.slash(index)
        out: list[Tok] = []
        for index, token in enumerate(self.tokens):
            if index in self.drop:
                continue
            kind = self.rename.get(index)
            if kind is None:
                out.append(token)
            elif kind == "DMARK" and token.type == "DRUN":
                out.extend(_split_differential(token))
            elif kind == "DMARK":
                out.append(
                    retype(token, "DMARK", {"PARTIAL": "partial", "DELTA": "delta"}.get(token.type, "d"))
                )
            else:
                out.append(retype(token, kind))
        return out


def _split_differential(token: Tok) -> list[Tok]:
    """``dL`` -> the mark ``d`` and the symbol ``L`` (``dsoftmax`` -> ``d`` and the function name)."""
    rest = str(token.value)[1:]
    mark = retype(token, "DMARK", "d")
    mark.end_pos = token.start_pos + 1
    if rest in lx.FUNCTION_WORDS:
        kind, value = "FNAME", lx.FUNCTION_WORDS[rest]
    elif len(rest) == 1:
        kind, value = ("D" if rest == "d" else "LETTER"), rest
    elif rest[0] == "d" and rest[1:2].isalpha():
        kind, value = "DRUN", rest
    else:
        kind, value = "RUN", rest
    symbol = make_token(kind, value, token.start_pos + 1, token.end_pos, plain=token.plain, fixed=token.fixed)
    symbol.depth, symbol.in_env = token.depth, token.in_env
    return [mark, symbol]


def _call_braces(tokens: list[Tok]) -> list[Tok]:
    """Braces around an argument list inside parentheses are typesetting (``P( {{y_i}| {x_i};W} )``)."""
    changed = True
    while changed:
        changed = False
        pairs = _pairs(tokens)
        depth_in_parens = 0
        for index, token in enumerate(tokens):
            if token.type in ("LPAR", "CONDLPAR"):
                depth_in_parens += 1
            elif token.type == "RPAR":
                depth_in_parens = max(0, depth_in_parens - 1)
            elif (
                token.type == "LBRACE"
                and depth_in_parens
                and index in pairs
                and index > 0
                and tokens[index - 1].type in ("LPAR", "COMMA", "SEMI", "BAR", "LBRACE")
            ):
                closing = pairs[index]
                inner = tokens[index + 1 : closing]
                level = 0
                separated = False
                for t in inner:
                    level += t.type in _PAIRS
                    level -= t.type in _CLOSING
                    separated = separated or (level == 0 and t.type in ("COMMA", "SEMI", "BAR"))
                if separated:
                    tokens = tokens[:index] + inner + tokens[closing + 1 :]
                    changed = True
                    break
    return tokens


def _index_end(tokens: list[Tok], index: int, pairs: dict[int, int], numbers: bool) -> int | None:
    """The end of an index-like operand at ``index``: a letter or name with scripts (``y^{(i)}``, ``t_n``)."""
    if index >= len(tokens):
        return None
    token = tokens[index]
    if token.type == "NUMBER" and numbers:
        return index + 1
    if token.type == "DECOR":
        after = index + 1
        if after >= len(tokens):
            return None
        position = pairs.get(after, after) + 1 if tokens[after].type == "LBRACE" else after + 1
    elif token.type in ("LETTER", "RUN", "DRUN", "D", "DELTA"):
        position = index + 1
    else:
        return None
    while position < len(tokens) and tokens[position].type in ("SUB", "POW", "PRIME"):
        position = position + 1 if tokens[position].type == "PRIME" else _skip_script(tokens, position, pairs)
    return position


def _relations(tokens: list[Tok], index: int, pairs: dict[int, int]) -> tuple[int, list[int]] | None:
    r"""``i = j`` or ``i \neq k, q = j``: where the list ends and where its separators are."""
    separators: list[int] = []
    position = index
    while True:
        left = _index_end(tokens, position, pairs, numbers=False)
        if left is None or left >= len(tokens) or tokens[left].type not in ("EQ", "NEQ"):
            return None
        right = _index_end(tokens, left + 1, pairs, numbers=False)
        if right is None:
            return None
        position = right
        if (
            position < len(tokens)
            and tokens[position].type in ("COMMA", "SEPWORD")
            and _relations(tokens, position + 1, pairs) is not None
        ):
            separators.append(position)
            position += 1
            continue
        return position, separators


def _ends(tokens: list[Tok], position: int) -> bool:
    return position >= len(tokens) or tokens[position].type in _BOUNDARY or tokens[position].newline


def _conditions(tokens: list[Tok]) -> list[Tok]:
    r"""Index conditions of a claim: ``\text{if } i = j``, ``, i = j``, ``\;: i = j``, ``(i \neq k)``."""
    pairs = _pairs(tokens)
    rename: dict[int, str] = {}
    dropped: set[int] = set()
    ended: set[int] = set()  # commas that end a condition list ({\rm if}~i=j,~ ...)
    for index, token in enumerate(tokens):
        found: tuple[int, list[int]] | None = None
        kind = ""
        if index in ended:
            continue
        if token.type == "TEXTWORD" and str(token.value) in lx.CONDITION_WORDS:
            found, kind = _relations(tokens, index + 1, pairs), "CONDWORD"
            closing = pairs.get(index + 1)
            if found is None and closing is not None and tokens[index + 1].type == "LPAR":
                inner = _relations(tokens, index + 2, pairs)  # if (i == j)
                if inner is not None and inner[0] == closing:
                    found = (closing + 1, inner[1])
                    dropped.update((index + 1, closing))
        elif (
            token.type in ("COMMA", "COLON")
            and token.depth == 0
            and index > 0
            and not (index + 1 < len(tokens) and tokens[index + 1].gap >= lx.BIG_SPACE)
        ):
            found, kind = (
                _relations(tokens, index + 1, pairs),
                "CONDCOMMA" if token.type == "COMMA" else "CONDCOLON",
            )
        elif token.type == "LPAR" and token.spaced and index > 0 and tokens[index - 1].type in OPERAND_END:
            closing = pairs.get(index)
            before = str(tokens[index - 1].value)
            if closing is not None and before not in ("1", "P", "p") and _ends(tokens, closing + 1):
                inner = _relations(tokens, index + 1, pairs)
                if inner is not None and inner[0] == closing:
                    found, kind = inner, "CONDLPAR"
        if found is None or index in rename:
            continue
        end, separators = found
        row_start = index == 0 or tokens[index - 1].type in ("ROWSEP", "NEWLINE") or token.newline
        if (
            kind == "CONDWORD"
            and row_start
            and separators
            and (end >= len(tokens) or tokens[end].type in ("ROWSEP", "NEWLINE"))
        ):
            # {\rm if}~i=j,~ a_i = b_i: a condition at the start of a row is followed by the claim
            end, separators = separators[-1], separators[:-1]
        if kind != "CONDLPAR" and not _ends(tokens, end):
            continue
        rename[index] = kind
        for separator in separators:
            rename[separator] = "CONDSEP"
        if end < len(tokens) and tokens[end].type == "COMMA":
            ended.add(end)
    return [retype(t, rename[i]) if i in rename else t for i, t in enumerate(tokens) if i not in dropped]


_QUALIFIER_START: Final = frozenset({"TEXTWORD", "FORALL", "IN", "APPROX"})


def _in_script(tokens: list[Tok], index: int) -> bool:
    """Whether a token is inside a script, a fraction or a decoration's braces (not a side's)."""
    depth = 0
    for position in range(index - 1, -1, -1):
        kind = tokens[position].type
        if kind == "RBRACE":
            depth += 1
        elif kind == "LBRACE":
            if depth == 0:
                before = tokens[position - 1].type if position > 0 else ""
                if before in ("SUB", "POW", "DECOR", "FRAC", "DFRAC", "SQRT", "RBRACE"):
                    return True
                continue
            depth -= 1
    return False


def _qualifiers(original: str, tokens: list[Tok]) -> list[Tok]:
    r"""From a connective (``\text{for }``, ``where``, ``\forall``, ``\in``, ``\approx``) to the end of the
    row or of the enclosing group is prose about the formula: one QUALIFIER token."""
    out: list[Tok] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type not in _QUALIFIER_START or token.in_table or _in_script(tokens, index):
            out.append(token)
            index += 1
            continue
        if token.type in ("APPROX", "ARROW") and not any(t.type in OPERAND_END for t in out):
            raise fail(
                original, token.start_pos, f"{describe(token)} (an approximation) is not supported here"
            )
        depth = 0
        last = index
        position = index + 1
        while position < len(tokens):
            kind = tokens[position].type
            if kind in ("ROWSEP", "NEWLINE") and depth == 0:
                break
            if kind == "RBRACE":
                if depth == 0:
                    break
                depth -= 1
            elif kind == "LBRACE":
                depth += 1
            last = position
            position += 1
        merged = _merge(tokens, index, last, "QUALIFIER")
        out.append(retype(merged, "QUALIFIER", one_line(original[merged.start_pos : merged.end_pos])))
        out[-1].end_pos = merged.end_pos
        index = last + 1
    return out


def _prose_separators(tokens: list[Tok]) -> list[Tok]:
    r"""Prose followed by a formula separates it from what came before (``\text{or equivalently}``)."""
    out = list(tokens)
    for index, token in enumerate(tokens):
        if token.type == "PROSE" and index + 1 < len(tokens) and tokens[index + 1].type in _ITEM_START:
            out[index] = retype(token, "PROSESEP")
    return out


def tokenize(original: str, segment: Segment, syntax: Syntax) -> list[Tok]:
    """The grammar's tokens for one formula segment."""
    mode: Syntax = "text" if segment.kind in ("code", "text") else syntax
    chars = normalize(original, segment, mode)
    tokens = _Lexer(original, chars, mode).run()
    tokens = _marks_and_empty_groups(original, tokens)
    tokens = _structure(original, tokens)
    tokens = _letter_runs(tokens) if mode == "latex" else _braced_index_words(tokens)
    tokens = _prose(original, tokens, mode)
    tokens = _labels(original, tokens, mode)
    tokens = _equation_numbers(original, tokens)
    tokens = _punctuation(tokens)
    tokens = _separators(tokens, segment.lines)
    if len(tokens) > MAX_TOKENS:
        raise InputTooLargeError(
            f"formula at {where(original, segment.start)} has {len(tokens)} tokens; the limit is {MAX_TOKENS}"
        )
    tokens = _elisions(tokens)
    tokens = _ranges(original, tokens)
    tokens = _signatures(original, tokens)
    tokens = _continuations(tokens)
    tokens = _boxes(tokens)
    tokens = _function_calls(tokens)
    tokens = _sum_symbols(tokens)
    tokens = _Marks(tokens).run()
    tokens = _call_braces(tokens)
    tokens = _conditions(tokens)
    tokens = _qualifiers(original, tokens)
    return _prose_separators(tokens)


def describe(token: Tok) -> str:
    """How a token is named in a message."""
    names = {
        "ROWSEP": "line break \\\\",
        "NEWLINE": "line break",
        "SPACE": "a wide space",
        "PROSE": f"text {str(token.value)!r}",
        "TEXTWORD": f"the word {str(token.value)!r}",
        "EQNUM": f"equation number {token.value}",
        "$END": "end of input",
        "BEGIN_CASES": "\\begin{cases}",
        "END_CASES": "\\end{cases}",
        "BEGIN_MATRIX": f"\\begin{{{token.value}}}",
        "END_MATRIX": f"\\end{{{token.value}}}",
        "FRAC": "\\frac",
        "PARTIAL": "\\partial",
        "NABLA": "\\nabla",
        "SUM": "\\sum",
        "DECOR": "a decoration",
        "DOTS": "an ellipsis",
        "APPROX": "\\approx",
        "ARROW": "an arrow",
    }
    return names.get(token.type, repr(str(token.value)))


def tokens_of(items: Iterable[Tok]) -> str:
    """A compact dump of tokens (for tests and debugging)."""
    return " ".join(f"{t.type}:{t.value}" for t in items)
