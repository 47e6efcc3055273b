r"""A whole post -> its segments in order: prose, math and code, each with where it is.

Three surface formats, detected from the text (or forced):

* **Markdown** (what people paste from a forum editor or a blog source): ``$...$``, ``$$...$$``,
  ``\(...\)``, ``\[...\]``, bare ``\begin{align}...\end{align}`` (and the other display environments),
  fenced code (````` ``` ````` or ``~~~``), indented code blocks and inline code spans.  ``\$`` is a dollar
  sign.  An inline ``$`` opens math only when a non-space follows it and closes only after a non-space
  that is not followed by a digit (so ``$5 and $10`` stays prose), as pandoc does.
* **HTML** of a Stack Exchange post body (MathJax source left in the text): converted to the Markdown
  above with the standard library's :class:`html.parser.HTMLParser` (``<pre><code>`` -> fenced code,
  ``<code>`` -> a code span, block elements -> line breaks, entities decoded, ``<script>``/``<style>``
  dropped), then segmented the same way.  Positions point into the HTML.
* **Plain text**: no delimiters; a line that is an equation (an ``=`` and almost no prose words) is a
  math segment, everything else prose.  The same rule finds plain-text equations inside Markdown prose.

Nothing here interprets the mathematics: classifying a segment is :mod:`derive.post.classify`'s job.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from typing import Final, Literal

from derive.errors import InputTooLargeError, UsageError

PostFormat = Literal["markdown", "html", "text"]
SegmentKind = Literal["prose", "math", "code"]

#: Largest post read (characters).  A long answer is 20-50 kB; more is refused before anything else.
MAX_POST_CHARS = 200_000

#: Display environments that stand for math even without ``$$`` around them.
DISPLAY_ENVIRONMENTS = (
    "align",
    "align*",
    "aligned",
    "equation",
    "equation*",
    "eqnarray",
    "eqnarray*",
    "gather",
    "gather*",
    "multline",
    "multline*",
    "displaymath",
)

#: Words that may stand in an equation line of plain text without making it prose.
MATH_WORDS = frozenset(
    {
        "exp",
        "log",
        "ln",
        "sum",
        "softmax",
        "sigmoid",
        "sigma",
        "max",
        "min",
        "mean",
        "diag",
        "tanh",
        "grad",
        "dot",
        "np",
        "outer",
        "delta",
        "partial",
        "nabla",
        "for",
        "if",
        "and",
        "where",
        "with",
        "yhat",
        "y_hat",
        "prod",
        "argmax",
        "relu",
        "loss",
        "sqrt",
    }
)


@dataclass(frozen=True)
class Segment:
    """One piece of a post: prose, a formula or code, with its place in the source."""

    kind: SegmentKind
    text: str  # math: the TeX without delimiters; code: the code; prose: the text
    start: int  # offset in the source text
    end: int
    line: int  # 1-based line of ``start`` in the source
    column: int  # 1-based column
    display: bool = False  # math: $$, \[ or an environment; code: a block
    #: "$", "$$", "\\(", "\\[", "env", "line", "prose" (typed inside a sentence), "```", "`", "indent"
    delimiter: str = ""
    language: str | None = None  # a code fence's info string
    source: str = ""  # the segment as written, delimiters included


@dataclass(frozen=True)
class Post:
    """A post split into segments, in order."""

    format: PostFormat
    text: str  # the text the segments were cut from (HTML converted to Markdown)
    segments: tuple[Segment, ...]

    @property
    def math_and_code(self) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.kind != "prose")


def detect_format(text: str) -> PostFormat:
    """``html`` for a post body of tags, ``markdown`` when it has math delimiters or code fences, else
    ``text``."""
    head = text.lstrip()[:2000].lower()
    if head.startswith("<") and re.search(r"</?(p|div|pre|code|span|ul|ol|li|br|h[1-6]|blockquote)\b", head):
        return "html"
    if re.search(r"(?<!\\)\$|\\\(|\\\[|\\begin\{|^\s{0,3}(```|~~~)|`", text, re.M):
        return "markdown"
    return "text"


def read_post(text: str, post_format: PostFormat | None = None) -> Post:
    """Segment a post (raises :class:`InputTooLargeError` over :data:`MAX_POST_CHARS`)."""
    if not isinstance(text, str):
        raise UsageError("the post must be text")
    if len(text) > MAX_POST_CHARS:
        raise InputTooLargeError(f"the post is {len(text)} characters; the limit is {MAX_POST_CHARS}")
    if "\x00" in text:
        raise UsageError("the post contains a NUL character (binary data?)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    chosen = post_format or detect_format(text)
    if chosen == "html":
        converted, offsets = _html_to_markdown(text)
        segments = _continued(_segment_markdown(converted), converted)
        return Post("html", converted, tuple(_relocate(s, offsets, text) for s in segments))
    if chosen == "text":
        return Post("text", text, tuple(_continued(_segment_plain(text, 0, text), text)))
    return Post("markdown", text, tuple(_continued(_segment_markdown(text), text)))


def _continued(segments: list[Segment], whole: str) -> list[Segment]:
    """A displayed formula that starts with ``=`` right after another (only blank space between them)
    continues its chain (``$$\\frac{dL}{dz} = a$$ $$= b$$``): the two are one formula."""
    joined: list[Segment] = []
    for segment in segments:
        blank = bool(joined) and joined[-1].kind == "prose" and not joined[-1].text.strip()
        before = joined[-2] if blank and len(joined) >= 2 else (joined[-1] if joined else None)
        if (
            before is not None
            and before.kind == segment.kind == "math"
            and before.display
            and segment.display
            and "=" in before.text
            and segment.text.lstrip().startswith("=")
            and not whole[before.end : segment.start].strip()
        ):
            if blank:
                joined.pop()
            joined[-1] = replace(
                before,
                text=f"{before.text.rstrip()} {segment.text.lstrip()}",
                end=segment.end,
                source=whole[before.start : segment.end],
            )
            continue
        joined.append(segment)
    return joined


# --------------------------------------------------------------------------------------------------------
# Positions
# --------------------------------------------------------------------------------------------------------


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _segment(kind: SegmentKind, body: str, start: int, end: int, whole: str, **extra: object) -> Segment:
    line, column = _line_column(whole, start)
    return Segment(kind, body, start, end, line, column, source=whole[start:end], **extra)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------------------

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})[ \t]*([^\n`]*)\n", re.M)
_ENV = re.compile(r"\\begin\{(" + "|".join(re.escape(e) for e in DISPLAY_ENVIRONMENTS) + r")\}")


#: Fence languages that hold LaTeX math, and ones that hold plain text (read as formulas when every line is
#: a derivative equation).
_MATH_FENCES: Final = frozenset({"math", "latex", "tex", "katex", "mathjax"})
_TEXT_FENCES: Final = frozenset({"text", "txt", "plaintext", "plain", "none"})


def _plain_claim_lines(body: str) -> list[tuple[int, str]]:
    """The lines of a plain-text code block when every line that is not blank is a derivative equation
    typed as text (``dL/dz_i = p_i - y_i``, ``∂L/∂z = p - y``), with their offsets; else none (code)."""
    lines: list[tuple[int, str]] = []
    position = 0
    for line in body.split("\n"):
        stripped = line.strip()
        if stripped:
            if not (_INLINE_DERIVATIVE.match(stripped) and is_equation_line(stripped)):
                return []
            lines.append((position + line.index(stripped), stripped))
        position += len(line) + 1
    return lines


def _segment_markdown(text: str) -> list[Segment]:
    segments: list[Segment] = []
    prose_start = 0
    i = 0
    n = len(text)

    def flush(upto: int) -> None:
        if upto > prose_start:
            segments.extend(_segment_plain(text[prose_start:upto], prose_start, text))

    while i < n:
        at_line_start = i == 0 or text[i - 1] == "\n"
        if at_line_start:
            fence = _FENCE.match(text, i)
            if fence:
                marker = fence.group(2)
                close = re.compile(
                    r"^ {0,3}" + re.escape(marker[0]) + "{" + str(len(marker)) + r",}[ \t]*$", re.M
                )
                end_match = close.search(text, fence.end())
                body_end = end_match.start() if end_match else n
                stop = end_match.end() if end_match else n
                flush(i)
                body = text[fence.end() : body_end].rstrip("\n")
                language = fence.group(3).strip() or None
                if (language or "").lower() in _MATH_FENCES:
                    # ```math (GitHub, GitLab): a displayed LaTeX formula, not code
                    segments.append(_segment("math", body, fence.end(), fence.end() + len(body), text,
                                             display=True, delimiter=marker[:3]))  # fmt: skip
                elif (language or "text").lower() in _TEXT_FENCES and (lines := _plain_claim_lines(body)):
                    # a block of plain-text derivative equations (dL/dz_i = p_i - y_i): each line a formula
                    for start, line in lines:
                        where = fence.end() + start
                        segments.append(_segment("math", line, where, where + len(line), text,
                                                 display=True, delimiter="line"))  # fmt: skip
                else:
                    segments.append(
                        _segment(
                            "code", body, i, stop, text, display=True, delimiter=marker[:3], language=language
                        )
                    )
                i = prose_start = stop
                continue
            indented = _indented_block(text, i)
            if indented is not None:
                stop, body = indented
                flush(i)
                segments.append(_segment("code", body, i, stop, text, display=True, delimiter="indent"))
                i = prose_start = stop
                continue
        char = text[i]
        if char == "\\" and i + 1 < n:
            nxt = text[i + 1]
            if nxt == "$":
                i += 2
                continue
            if nxt in "([":
                closer = "\\)" if nxt == "(" else "\\]"
                end = text.find(closer, i + 2)
                if end != -1:
                    flush(i)
                    segments.append(
                        _segment(
                            "math",
                            text[i + 2 : end],
                            i,
                            end + 2,
                            text,
                            display=nxt == "[",
                            delimiter="\\" + nxt,
                        )
                    )
                    i = prose_start = end + 2
                    continue
            env = _ENV.match(text, i)
            if env:
                closer = "\\end{" + env.group(1) + "}"
                end = text.find(closer, env.end())
                if end != -1:
                    flush(i)
                    stop = end + len(closer)
                    segments.append(
                        _segment("math", text[i:stop], i, stop, text, display=True, delimiter="env")
                    )
                    i = prose_start = stop
                    continue
            i += 2
            continue
        if char == "$":
            if text.startswith("$$", i):
                end = _find_unescaped(text, "$$", i + 2)
                if end != -1:
                    flush(i)
                    segments.append(
                        _segment("math", text[i + 2 : end], i, end + 2, text, display=True, delimiter="$$")
                    )
                    i = prose_start = end + 2
                    continue
                i += 2
                continue
            end = _inline_dollar_end(text, i)
            if end != -1:
                flush(i)
                segments.append(_segment("math", text[i + 1 : end], i, end + 1, text, delimiter="$"))
                i = prose_start = end + 1
                continue
        if char == "`":
            run = _run_length(text, i, "`")
            closer = "`" * run
            end = _find_run(text, closer, i + run)
            if end != -1:
                flush(i)
                body = text[i + run : end]
                if body.startswith(" ") and body.endswith(" ") and body.strip():
                    body = body[1:-1]
                segments.append(_segment("code", body, i, end + run, text, delimiter="`"))
                i = prose_start = end + run
                continue
            i += run
            continue
        i += 1
    flush(n)
    return segments


def _run_length(text: str, start: int, char: str) -> int:
    end = start
    while end < len(text) and text[end] == char:
        end += 1
    return end - start


def _find_run(text: str, run: str, start: int) -> int:
    """The next occurrence of exactly ``run`` backticks (not part of a longer run), before a blank line."""
    limit = text.find("\n\n", start)
    limit = len(text) if limit == -1 else limit
    position = text.find(run, start, limit)
    while position != -1:
        before_ok = position == 0 or text[position - 1] != "`"
        after = position + len(run)
        after_ok = after >= len(text) or text[after] != "`"
        if before_ok and after_ok:
            return position
        position = text.find(run, _run_length(text, position, "`") + position, limit)
    return -1


def _find_unescaped(text: str, needle: str, start: int) -> int:
    position = text.find(needle, start)
    while position != -1 and position > 0 and text[position - 1] == "\\":
        position = text.find(needle, position + 1)
    return position


def _inline_dollar_end(text: str, start: int) -> int:
    """The closing ``$`` of inline math opened at ``start`` (pandoc's rules), or -1."""
    if start + 1 >= len(text) or text[start + 1].isspace():
        return -1
    limit = text.find("\n\n", start)
    limit = len(text) if limit == -1 else limit
    position = start + 1
    while True:
        position = text.find("$", position, limit)
        if position == -1:
            return -1
        if text[position - 1] == "\\":
            position += 1
            continue
        if text[position - 1].isspace() or (position + 1 < len(text) and text[position + 1].isdigit()):
            return -1  # inline math holds no unescaped $: this one cannot close, so none opened
        return position


def _indented_block(text: str, start: int) -> tuple[int, str] | None:
    """An indented code block (4 spaces or a tab) after a blank line and not inside a list."""
    if not (text.startswith("    ", start) or text.startswith("\t", start)):
        return None
    before = text[:start].rstrip(" \t")
    if before and not before.endswith("\n\n"):
        return None
    previous = before.rstrip("\n").rsplit("\n", 1)[-1]
    if re.match(r"\s*([-*+]|\d+[.)])\s", previous):
        return None
    lines: list[str] = []
    position = start
    stop = start
    while position < len(text):
        end = text.find("\n", position)
        end = len(text) if end == -1 else end
        line = text[position:end]
        if line.startswith("    ") or line.startswith("\t"):
            lines.append(line[4:] if line.startswith("    ") else line[1:])
            stop = end
        elif not line.strip():
            lines.append("")
        else:
            break
        position = end + 1
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return None
    body = "\n".join(lines)
    return stop, body


# --------------------------------------------------------------------------------------------------------
# Plain text: equation lines
# --------------------------------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z][A-Za-z']+")


def is_equation_line(line: str) -> bool:
    """A line of plain text that is an equation: it has ``=`` (or ``is`` between formulas, as in
    code-ish answers) and at most two prose words."""
    stripped = line.strip().strip("*-•>").strip()
    if "=" not in stripped or len(stripped) < 3 or len(stripped) > 2000:
        return False
    if _CASE_LINE.match(stripped):
        return False  # "For i = j:", "and for i != j": a case said in words, read as prose
    if re.search(r"https?://", stripped):
        return False
    words = [w for w in _WORD.findall(stripped) if w.lower() not in MATH_WORDS and len(w) >= 3]
    letters = sum(ch.isalpha() for ch in stripped)
    symbols = sum((not ch.isalnum()) and not ch.isspace() for ch in stripped)
    return len(words) <= 2 and symbols >= 2 and letters < 12 * max(1, symbols)


#: An index condition typed in words without math delimiters: "For i = j the derivative is", "for i ≠ j".
PLAIN_CONDITION: Final = re.compile(
    r"\b(?:for|when|if|whenever|in\s+the\s+case)\s+(?P<left>[a-z])\s*(?P<op>==|=|≠|!=)\s*(?P<right>[a-z])\b"
    r"(?![\w$(])",
    re.I,
)
#: A line that states a case in words: "For i = j:", "When i != j we have", "and for i ≠ j".
_CASE_LINE: Final = re.compile(rf"^(?:and\s+|but\s+)?(?:{PLAIN_CONDITION.pattern})[^=]*$", re.I)

#: Words that end in a colon before an equation on the same line (never an equation themselves).
_LEAD_WORDS: Final = re.compile(r"^\s*[A-Za-z][^=:$`]{1,80}?:\s+")


#: A derivative equation typed inside a sentence without delimiters ("someone says it should be
#: ∂L/∂z_k = p_k - y_k. Who is right?"): a derivative of ∂ or d fractions, ``=``, and its right side up to
#: the sentence's end (a stop, a comma before words, a word that is not mathematics, a delimiter).
_INLINE_DERIVATIVE: Final = re.compile(
    r"(?<![\w/])(?:∂|d)\s?[A-Za-zα-ωΑ-Ωŷ][\w^ᵀ̂]*(?:\([^()\n]{0,40}\))?\s*/\s*(?:∂|d)\s?[A-Za-zα-ωŷ][\w^₀-₉ᵢⱼₖ]*"
    r"\s*=\s*"
)
_INLINE_END: Final = re.compile(r"[.?!;:](?=\s|$)|,\s+(?=[A-Za-z]{2,})|[$`\n]|\s(?=[A-Za-z]{2,}\b)")
#: Words that end a formula typed inside a sentence, though some are words formulas hold ("for i = j").
_PROSE_AFTER: Final = frozenset(
    "for if and or where with when whenever is are was which but so since because who as in of that this we "
    "i.e e.g than then not".split()
)


def _inline_claims(content: str) -> list[tuple[int, int]]:
    """Where derivative equations typed inside a prose line start and end (offsets in the line)."""
    found: list[tuple[int, int]] = []
    for match in _INLINE_DERIVATIVE.finditer(content):
        if found and match.start() < found[-1][1]:
            continue
        end = match.end()
        while True:
            stop = _INLINE_END.search(content, end)
            if stop is None:
                end = len(content)
                break
            word = re.match(r"\s([A-Za-z]+)", content[stop.start() :])
            if word is not None and word.group(1).lower() in MATH_WORDS - _PROSE_AFTER:
                end = stop.start() + 1 + len(word.group(1))  # exp, log, softmax: part of the formula
                continue
            end = stop.start()
            break
        right = content[match.end() : end].strip()
        if right and any(ch.isalnum() for ch in right):
            found.append((match.start(), match.end() + len(content[match.end() : end].rstrip())))
    return found


def _segment_plain(chunk: str, offset: int, whole: str) -> list[Segment]:
    """Prose, with plain-text equation lines cut out as math, and derivative equations typed inside
    sentences ("it should be ∂L/∂z_k = p_k - y_k. Who is right?") too."""
    segments: list[Segment] = []
    prose_start = 0
    position = 0
    for line in chunk.splitlines(keepends=True):
        content = line.rstrip("\n")
        line_start = position
        position += len(line)
        at_line_start = line_start == 0 or chunk[line_start - 1] == "\n"
        # "In vector form: dL/dz = p - onehot(y)": words ending in a colon, then an equation line
        led = _LEAD_WORDS.match(content) if at_line_start and not is_equation_line(content) else None
        if led is not None and not is_equation_line(content[led.end() :]):
            led = None
        if at_line_start and (led is not None or is_equation_line(content)):
            lead = led.end() if led is not None else len(content) - len(content.lstrip())
            body = content[lead:].strip()
            if prose_start < line_start:
                segments.append(
                    _segment(
                        "prose",
                        chunk[prose_start:line_start],
                        offset + prose_start,
                        offset + line_start,
                        whole,
                    )
                )
            start = offset + line_start + lead
            segments.append(
                _segment("math", body, start, start + len(body), whole, display=True, delimiter="line")
            )
            prose_start = position
            continue
        for start, end in _inline_claims(content):
            if prose_start < line_start + start:
                segments.append(
                    _segment(
                        "prose",
                        chunk[prose_start : line_start + start],
                        offset + prose_start,
                        offset + line_start + start,
                        whole,
                    )
                )
            body = content[start:end]
            where = offset + line_start + start
            segments.append(_segment("math", body, where, where + len(body), whole, delimiter="prose"))
            prose_start = line_start + end
    if prose_start < len(chunk):
        segments.append(
            _segment("prose", chunk[prose_start:], offset + prose_start, offset + len(chunk), whole)
        )
    return segments


# --------------------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "tr",
        "table",
        "hr",
    }
)
_DROPPED_TAGS = frozenset({"script", "style", "template", "noscript", "iframe", "object"})


class _Converter(HTMLParser):
    """HTML -> Markdown text, remembering where each piece of text came from."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0
        self.offsets: list[tuple[int, tuple[int, int]]] = []  # (converted offset, (line, column))
        self.dropped = 0
        self.in_pre = 0
        self.code_run = ""

    def _emit(self, text: str) -> None:
        if not text:
            return
        line, column = self.getpos()
        self.offsets.append((self.length, (line, column + 1)))
        self.parts.append(text)
        self.length += len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_TAGS:
            self.dropped += 1
        elif tag == "pre":
            self.in_pre += 1
            self._emit("\n\n```\n")
        elif tag == "code" and not self.in_pre:
            self.code_run = "`"
            self._emit("`")
        elif tag in _BLOCK_TAGS:
            self._emit("\n\n" if tag != "br" else "\n")
            if tag == "li":
                self._emit("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_TAGS:
            self.dropped = max(0, self.dropped - 1)
        elif tag == "pre":
            self.in_pre = max(0, self.in_pre - 1)
            self._emit("\n```\n\n")
        elif tag == "code" and not self.in_pre and self.code_run:
            self._emit(self.code_run)
            self.code_run = ""
        elif tag in _BLOCK_TAGS:
            self._emit("\n\n")

    def handle_data(self, data: str) -> None:
        if self.dropped:
            return
        if self.code_run and "`" in data:
            run = "`" * (max(len(m) for m in re.findall(r"`+", data)) + 1)
            # Re-open the span with a longer run so the code's own backticks stay inside it.
            self.parts[-1] = self.parts[-1][:-1] + run if self.parts and self.parts[-1].endswith("`") else run
            self.code_run = run
        self._emit(data)


def _html_to_markdown(html: str) -> tuple[str, list[tuple[int, tuple[int, int]]]]:
    converter = _Converter()
    converter.feed(html)
    converter.close()
    text = "".join(converter.parts)
    return text, converter.offsets


def _relocate(segment: Segment, offsets: list[tuple[int, tuple[int, int]]], html: str) -> Segment:
    """Point a segment of the converted text at the HTML line and column it came from."""
    if not offsets:
        return segment
    keys = [offset for offset, _ in offsets]
    index = max(0, bisect.bisect_right(keys, segment.start) - 1)
    start, (line, column) = offsets[index]
    delta = segment.start - start
    return Segment(
        segment.kind,
        segment.text,
        segment.start,
        segment.end,
        line,
        column + delta if delta >= 0 else column,
        segment.display,
        segment.delimiter,
        segment.language,
        segment.source,
    )
