r"""From posted text to formulas: screening, the formulas of a text, and their characters.

Three stages, each of which can only raise :class:`~derive.errors.ParseError` (or its subclass
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

Offsets always refer to the original text, so a message points at what the user wrote.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Final, Literal

from derive.claims import lexicon as lx
from derive.errors import InputTooLargeError, ParseError

Syntax = Literal["latex", "text"]

MAX_INPUT_CHARS: Final = 20_000
MAX_NESTING: Final = 100

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
    if start < end and text[start] == "(" and matching(text, start, end, "(", ")") == end - 1:
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
#: Plain text's words and marks around a formula that say nothing about it: a question (``right?``), an
#: abbreviation (``i.e.``), a ``// comment`` to the end of the line, markdown bold (``**`` at either end of
#: the formula), a reference (``(see eq. 3)``).
_TEXT_ASIDE_RE: Final = re.compile(
    r"\?(?=\s|$)|!(?=\s|$)|(?<![A-Za-z])(?:i\.\s?e\.|e\.\s?g\.)|//\s.*|\*\*(?=\s*$)|(?<=^)\*\*"
    r"|\(\s*(?:see|cf\.?)\s[^()]*\)"
)
#: Plain text's arrows of implication: ``=>``, ``==>``, ``-->`` (read as LaTeX's \Rightarrow).
_TEXT_IMPLIES_RE: Final = re.compile(r"==?>|-->")


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
        if plain_text and (aside := _TEXT_ASIDE_RE.match(original[:end], index)) is not None:
            emit_prose(index, aside.end())
            index = aside.end()
            continue
        if plain_text and (arrow := _TEXT_IMPLIES_RE.match(original, index, end)) is not None:
            emit("\\Rightarrow ", index)
            index = arrow.end()
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
        if target is not None and _subscript_char(char):
            # δᵢⱼ, x₁₂: a run of subscript characters is one subscript (δ_{ij}), not a double subscript
            stop = index
            while stop < end and _subscript_char(original[stop]):
                stop += 1
            # one or several: braced, so that a letter after it is not part of it (pᵢpⱼ is p_{i} p_{j})
            emit("_{" + "".join(lx.CHAR_REWRITES[c][1:] for c in original[index:stop]) + "}", index)
            index = stop
            continue
        if target is not None and _superscript_inner(char) is not None:
            # ŷ⁽ⁿ⁾, x²ⁱ: a run of superscript characters is one superscript (^{(n)})
            stop = index
            while stop < end and _superscript_inner(original[stop]) is not None:
                stop += 1
            if stop - index > 1:
                emit("^{" + "".join(_superscript_inner(c) or "" for c in original[index:stop]) + "}", index)
                index = stop
                continue
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


def _superscript_inner(char: str) -> str | None:
    """What a Unicode superscript character raises (``⁽`` -> ``(``, ``²`` -> ``2``), or None."""
    target = lx.CHAR_REWRITES.get(char, "")
    if target.startswith("^{") and target.endswith("}") and target != "^{T}":
        return target[2:-1]
    if len(target) == 2 and target[0] == "^":
        return target[1]
    return None


def _subscript_char(char: str) -> bool:
    """A Unicode subscript digit or letter (``ᵢ``, ``₁``)."""
    target = lx.CHAR_REWRITES.get(char, "")
    return len(target) == 2 and target[0] == "_"


def matching(s: str, index: int, stop: int, opening: str, closing: str) -> int | None:
    depth = 0
    for position in range(index, stop):
        if s[position] == opening and (position == 0 or s[position - 1] != "\\" or opening == "("):
            depth += 1
        elif s[position] == closing and (position == 0 or s[position - 1] != "\\" or closing == ")"):
            depth -= 1
            if depth == 0:
                return position
    return None
