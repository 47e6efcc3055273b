r"""Each formula and code block of a post -> what it is: a claim, a definition, code, a worked numeric line,
given values, a table, an index condition, or a mention (not a claim).

The decision is textual (a few tables of patterns over the source, never a parse or an evaluation): the
claim reader judges the mathematics later, in a worker process, under the time limit.  Every item says
why it got its kind, and the report shows that reason.

* **values**: a list of ``name = number`` or ``name = [numbers]`` (``x=[1.9, 0.4]``,
  ``w_{11}=0.1, w_{21}=0.1``): numbers the post gives, used as ``--at`` values.
* **table**: an ``array``/``tabular`` with rows and ``\hline`` (values may be read from it).
* **condition**: an index condition alone (``j=1``, ``j \neq \ell``): a ``--where`` for a nearby claim.
* **mention**: a formula with no ``=`` (a symbol, an expression, ``z \in \mathbb{R}^k``).
* **claim**: an equation whose first side is a derivative (``\frac{\partial H}{\partial W_{ij}}``,
  ``\nabla_z``, ``L'(u)``, ``dL/dz``), or an identity with no derivative on a side that is not a plain
  symbol; several ``=`` make it a chain.
* **numeric**: an equation whose last side is only numbers (``z_1 = w_{11}x_1 + ... = 0.23``): a worked
  example at the post's numbers.
* **definition**: ``symbol = expression`` with no derivative on the left (``H(P,Q) = -\sum ...``,
  ``a_j = softmax(z_j) = \frac{...}{...}``, ``S = \sum_t e^{z_t}``, ``\delta_j = \frac{\partial L}{\partial
  z_j}``): what a page symbol means.
* **code**: a code block or a code span that holds an assignment or a ``return``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final, Literal

from derive.post.extract import Segment, is_equation_line

ItemKind = Literal[
    "claim", "definition", "code", "numeric", "values", "table", "condition", "mention", "empty"
]

#: Kinds whose verdict the checker computes.
CHECKED_KINDS: frozenset[str] = frozenset({"claim", "definition", "code", "numeric"})

#: A derivative written in any of the ways pages write one (LaTeX, unicode, ASCII).
DERIVATIVE = re.compile(
    r"\\partial|\\nabla|\\bigtriangledown|\\triangledown|∂|∇"
    r"|\\[dt]?frac\s*\{?\s*(?:\\mathrm\{d\}|d|\\delta)\s*[A-Za-z\\{}]"  # \frac{dL}{dz}, \frac{\delta E}..
    r"|\{\s*d\s*[A-Za-z\\][^{}]*\\over\s*d"  # {dL \over dz}
    r"|(?<![A-Za-z])d[A-Za-z\\][\w{}^\[\]]*\s*/\s*d[A-Za-z\\]"  # dL/dz_i, dSM[i]/dx[k]
    r"|[A-Za-z}]\s*(?:'|’|\\prime)\s*\("  # L'(u)
    r"|\\mathbf\s*\{?J\}?\s*_|\\text\{\s*grad|\bgrad(?:ient)?\b"
)

#: Display environments whose alignment marks are dropped before splitting on ``=``.
_ALIGNMENT = re.compile(r"\\(?:begin|end)\{[a-z*]+\}|&|\\\\|\\notag|\\nonumber")

_RELATIONS = re.compile(r"\\(?:neq|ne|leq|geq|le|ge|approx|equiv|not\s*=)(?![A-Za-z])|[<>!:]=|==")

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*(?:\\?%)?"
_NUMBER_RE = re.compile(_NUMBER)
_NAME = r"\\?[A-Za-z]+(?:_\{?[A-Za-z0-9, ]+\}?)?"
_VALUE = r"(?:" + _NUMBER + r"|\[[-+0-9.eE,\s\[\]]+\])"
VALUES = re.compile(
    r"^\s*"
    + _NAME
    + r"\s*=\s*"
    + _VALUE
    + r"(?:\s*[,;]\s*(?:\\quad|\\,|\\;|~|\s)*"
    + _NAME
    + r"\s*=\s*"
    + _VALUE
    + r")*\s*[.,;]?\s*$"
)

#: Letters pages use for class and example indices (a condition's left side is one of them).
INDEX_LETTERS = frozenset("ijklmnctrs")
_INDEX = r"(?:[a-zA-Z]|\\ell|\\iota|[0-9]+)(?:'|_\{?[A-Za-z0-9]\}?)?"
CONDITION = re.compile(
    r"^\s*(" + _INDEX + r")\s*(=|\\neq|\\ne|\\not\s*=|!=|≠)\s*(" + _INDEX + r")\s*[.,;]?\s*$"
)
#: Trailing prose inside a formula (``\text{ for } j=1,2``): cut before splitting into sides.
QUALIFIER = re.compile(
    r"(?:\\[ ,;:!]|\\quad|\\qquad|~|\s)*\{?\s*\\(?:text|mbox|mathrm)\s*\{\s*"
    r"(?:for|if|when|where|with|and|otherwise"
    r"|since|because|as)\b.*$",
    re.S,
)

_NUMERIC_SIDE = re.compile(
    r"^[-+0-9.eE\s()\[\]{}%,*/^]*(?:(?:\\times|\\cdot|\\log|\\ln|\\exp|\\left|\\right"
    r"|\\frac|\\approx|\\,|\\;|\\!|\\ |\\quad)[-+0-9.eE\s()\[\]{}%,*/^]*)*$"
)

#: Words in code that make a code span a statement (not a mention of a name).
_CODE_STATEMENT = re.compile(r"(?<![=!<>])=(?!=)|\breturn\b|\+=|-=|\*=|/=")


@dataclass(frozen=True)
class Item:
    """A formula or code block of the post and what it was taken for."""

    number: int  # 1-based over the post's formulas and code, in order
    segment: Segment
    kind: ItemKind
    reason: str
    text: str  # what is checked: the math without delimiters (or the code)
    sides: tuple[str, ...] = ()  # the top-level sides of an equation, as written
    symbol: str | None = None  # a definition's symbol (its stem as written: "a", "H", "\hat{y}")

    @property
    def line(self) -> int:
        return self.segment.line


def classify(number: int, segment: Segment) -> Item:
    """What one math or code segment is (prose segments are not items)."""
    if segment.kind == "code":
        return _classify_code(number, segment)
    text = segment.text.strip()
    if not text:
        return Item(number, segment, "empty", "an empty formula", text)
    cleaned = _clean(text)
    if re.search(r"\\begin\{(?:array|tabular)\}|\\hline", cleaned):
        return Item(number, segment, "table", "a table (array with rows), not a claim", text)
    if condition_parts(cleaned) is not None:
        said = "an index condition (applied to the claim it introduces or follows)"
        return Item(number, segment, "condition", said, text)
    if VALUES.match(cleaned):
        return Item(number, segment, "values", "numbers the post gives (used as values)", text)
    sides = split_sides(first_equation(cleaned))
    if len(sides) < 2:
        return Item(number, segment, "mention", "no '=': an expression or a symbol, not a claim", text)
    derivative = [bool(DERIVATIVE.search(side)) for side in sides]
    if derivative[0]:
        kind_reason = (
            "a chain of equalities from a derivative" if len(sides) > 2 else "the left side is a derivative"
        )
        return Item(number, segment, "claim", kind_reason, text, sides)
    if _NUMERIC_SIDE.match(sides[-1]) and _NUMBER_RE.search(sides[-1]):
        return Item(
            number,
            segment,
            "numeric",
            "a worked example: its last side is a number",
            text,
            sides,
            defined_symbol(sides[0]),
        )
    symbol = defined_symbol(sides[0])
    if symbol is not None:
        return Item(number, segment, "definition", f"defines {symbol}", text, sides, symbol)
    return Item(number, segment, "claim", "an identity between expressions", text, sides)


def _classify_code(number: int, segment: Segment) -> Item:
    text = segment.text.strip("\n")
    if not text.strip():
        return Item(number, segment, "empty", "an empty code block", text)
    if not segment.display:
        if is_equation_line(text) and DERIVATIVE.search(text):
            sides = split_sides(text)
            return Item(number, segment, "claim", "a plain-text equation in a code span", text, sides)
        if not _CODE_STATEMENT.search(text):
            return Item(number, segment, "mention", "a code span naming something, not a claim", text)
        defined = _SPAN_DEFINITION.match(text)
        if defined is not None and not _GRADIENT_NAME.match(defined["name"]) and is_equation_line(text):
            # `p = softmax(z)` in a sentence: what the page's name means, as a formula would say it
            item = classify(number, replace(segment, kind="math"))
            if item.kind == "definition":
                return replace(item, segment=segment, reason=f"{item.reason}, in a code span")
    if segment.language is None and "\n" not in text.strip() and _TEXT_DERIVATIVE_LEFT.match(text):
        # an indented line `dL/dz_i = p_i - y_i`: no code assigns to a quotient; plain-text math
        sides = split_sides(text)
        return Item(number, segment, "claim", "a plain-text equation in a code block", text, sides)
    return Item(number, segment, "code", "code (its result is checked as a gradient)", text)


#: A plain-text derivative as a left side (``dL/dz_i =``, ``d(log p_i)/dz_j =``, ``∂L/∂z =``): math, not code.
_TEXT_DERIVATIVE_LEFT: Final = re.compile(
    r"^\s*-?\s*(?:d|∂)\s*[A-Za-z(][^=\n]*?/\s*(?:d|∂)\s*[A-Za-z][^=\n]*=(?!=)"
)
#: A code span that assigns one name (``p = softmax(z)``, ``L = -sum(y * log(p))``), not a statement list.
_SPAN_DEFINITION: Final = re.compile(r"^\s*(?P<name>[A-Za-z]\w*)\s*=(?!=)[^=;\n]+$")
#: Names of gradients in code (dW, dscores, d_logits, grad_w, delta, dx): such an assignment is a claim.
_GRADIENT_NAME: Final = re.compile(r"^(?:d_?[A-Za-z]|grad|delta|deriv|jac|back|g$)", re.I)


def _clean(text: str) -> str:
    """Drop ``\\displaystyle`` and a brace group around the whole formula."""
    text = re.sub(r"\\displaystyle\b|\\textstyle\b", "", text).strip()
    while text.startswith("{") and _matching_brace(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


def _matching_brace(text: str, start: int) -> int:
    depth = 0
    for position in range(start, len(text)):
        char = text[position]
        if char == "\\":
            continue
        if char == "{" and (position == 0 or text[position - 1] != "\\"):
            depth += 1
        elif char == "}" and (position == 0 or text[position - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return position
    return -1


#: An environment's rows: ``\begin{align*} L &= ... \\ \frac{..}{..} &= ... \end{align*}``.
_ENVIRONMENT: Final = re.compile(
    r"\\(?:begin|end)\{(?:align|aligned|gather|gathered|eqnarray|split|alignat)\*?\}(?:\{\d+\})?"
)
_ROW: Final = re.compile(r"\\\\(?:\[[^\]]*\])?")


def first_equation(text: str) -> str:
    r"""The first equation of a display whose rows are several equations (a row with its own left side
    starts the next: ``L &= -\sum_k y_k \log p_k \\ \frac{\partial p_i}{\partial z_j} &= ...``); the whole
    text when its rows continue one chain (``&= ...``). A definition is its first equation's (a loss had
    been defined by the last row's right side)."""
    if not _ENVIRONMENT.search(text):
        return text
    rows = [row.strip() for row in _ROW.split(_ENVIRONMENT.sub(" ", text)) if row.strip()]
    taken = rows[:1]
    for row in rows[1:]:
        if not row.startswith(("&", "=", "\\quad", "\\qquad")) and len(split_sides(row)) >= 2:
            return " ".join(taken)
        taken.append(row)
    return text


def split_sides(text: str) -> tuple[str, ...]:
    """The sides of a formula split at its top-level ``=`` (not inside braces or brackets; ``\\neq``,
    ``\\leq``, ``:=``... are not splits); alignment marks dropped."""
    flat = QUALIFIER.sub("", _ALIGNMENT.sub(" ", _clean(text)))
    masked = _RELATIONS.sub(lambda m: "\0" * len(m.group(0)), flat)
    sides: list[str] = []
    depth = 0
    start = 0
    for position, char in enumerate(masked):
        if char in "{([":
            depth += 1
        elif char in "})]":
            depth = max(0, depth - 1)
        elif char == "=" and depth == 0:
            sides.append(flat[start:position].strip())
            start = position + 1
    sides.append(flat[start:].strip())
    return tuple(side for side in sides if side) if len(sides) > 1 else (flat.strip(),)


_SYMBOL = re.compile(
    r"^\s*(?P<stem>(?:\\(?:mathbf|boldsymbol|bm|mathrm|operatorname|text|mathcal|hat|widehat|tilde|bar|vec)"
    r"(?:\s*\{\s*\\?[A-Za-z]+\s*\}|\s+[A-Za-z](?![A-Za-z]))|\\?[A-Za-z]+|[A-Za-z]))"  # \mathcal J too
    r"(?P<scripts>(?:\s*(?:_|\^)\s*(?:\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}|\\?[A-Za-z0-9]+))*)"
    r"(?P<args>\s*(?:\\left)?\s*\((?:[^()]|\([^()]*\))*(?:\\right)?\s*\))?"
    r"(?P<more>(?:\s*_\s*(?:\{[^{}]*\}|[A-Za-z0-9]))?)\s*(?:\\text\{[^{}]*\}|\\[,;:! ]|\\quad|\\qquad)*\s*$"
)

#: Stems that are operators, never the symbol a definition defines.
_NOT_SYMBOLS = frozenset(
    {
        "\\frac",
        "\\sum",
        "\\prod",
        "\\log",
        "\\ln",
        "\\exp",
        "\\partial",
        "\\nabla",
        "\\left",
        "\\int",
        "\\lim",
        "\\max",
        "\\min",
        "\\sqrt",
        "\\begin",
        "\\Sigma",
    }
)


#: Where one display holds several equations: ``q_i = ..., \qquad p_i = ...``.
#: Between two definitions in one formula: a comma or semicolon (with or without spacing after it), or a
#: wide space (``\quad``, ``\qquad``), outside any bracket.
_EQUATIONS_APART: Final = re.compile(
    r"[,;](?:\s|\\[,;:! ]|\\q?quad\b|~)*|(?:\s|\\[,;:! ])*\\q?quad\b(?:\s|\\[,;:! ])*"
)
#: Each piece's opening and closing delimiters, by the whole formula's.
_DELIMITERS: Final = {"$": ("$", "$"), "$$": ("$$", "$$"), "\\(": ("\\(", "\\)"), "\\[": ("\\[", "\\]")}


def _top_level_pieces(text: str) -> list[tuple[int, int]]:
    """Where the pieces of a formula between separators outside brackets start and end."""
    pieces: list[tuple[int, int]] = []
    depth = start = index = 0
    while index < len(text):
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0:
            separator = _EQUATIONS_APART.match(text, index)
            if separator is not None and separator.end() > index:
                pieces.append((start, index))
                start = index = separator.end()
                continue
        index += 1
    pieces.append((start, len(text)))
    return pieces


def split_definitions(segment: Segment) -> tuple[Segment, ...]:
    r"""A formula that defines several symbols apart (``q_i = \frac{..}{..}, \qquad p_i = \frac{..}{..}``,
    ``p = \mathrm{softmax}(z / T), L = -\sum_i y_i \log p_i``) as one segment per definition, each checked
    and applied on its own (the second was dropped, or judged as a claim about the first). Values (``x = 1,
    y = 2``) and formulas with a derivative stay whole."""
    if segment.kind != "math" or segment.text.count("=") < 2:
        return (segment,)
    text = segment.text
    spans = [(start, end) for start, end in _top_level_pieces(text) if text[start:end].strip(" .,;")]
    if len(spans) < 2:
        return (segment,)
    for start, end in spans:
        piece = text[start:end].strip().rstrip(".,;").strip()
        sides = split_sides(piece)
        if len(sides) != 2 or defined_symbol(sides[0]) is None or DERIVATIVE.search(piece):
            return (segment,)
        if not re.search(r"[A-Za-z\\]", sides[1]):
            return (segment,)  # values (x = 1, y = 2), read together
    offset = segment.source.find(text) if segment.source else -1
    opening, closing = _DELIMITERS.get(segment.delimiter, ("$", "$"))
    pieces: list[Segment] = []
    for start, end in spans:
        raw = text[start:end]
        piece = raw.strip().rstrip(".,;").strip()
        where = segment.start + max(offset, 0) + start + (len(raw) - len(raw.lstrip()))
        source = f"{opening}{piece}{closing}"  # each piece shown (and pasted as MathJax) as a formula
        pieces.append(replace(segment, text=piece, start=where, end=where + len(piece), source=source))
    return tuple(pieces)


#: Where a sentence ends (not after "w.r.t.", "e.g." or "i.e."), or a paragraph.
_SENTENCE_END: Final = re.compile(r"(?<=[.!?])(?<!w\.r\.t\.)(?<!e\.g\.)(?<!i\.e\.)\s+|\n\s*\n")


def said_gradient(item: Item, whole: str) -> Item:
    """A mention right after words that say it is the loss's gradient ("the gradient of the loss with
    respect to the logits is $p - y$"): a claim, checked with those words (which give its left side)."""
    if item.kind != "mention":
        return item
    from derive.claims.math_read import GRADIENT_IS

    before = whole[max(0, item.segment.start - 300) : item.segment.start]
    sentence = _SENTENCE_END.split(before)[-1].lstrip()
    if not sentence or GRADIENT_IS.search(sentence) is None:
        return item
    text = f"{sentence}{item.segment.source or item.text}"
    return replace(item, kind="claim", reason="the words before it say it is the loss's gradient", text=text)


def defined_symbol(side: str) -> str | None:
    """The symbol a definition's left side names (``a_j`` -> ``a``, ``H(P,Q)`` -> ``H``,
    ``\\hat{y}_i`` -> ``\\hat{y}``), or None when the side is not a plain symbol."""
    match = _SYMBOL.match(side)
    if match is None:
        return None
    stem = re.sub(r"\s+", "", match.group("stem"))
    stem = re.sub(r"^(\\[A-Za-z]+)([A-Za-z])$", r"\1{\2}", stem) if " " in match.group("stem") else stem
    return None if stem in _NOT_SYMBOLS else stem  # \mathcal J is \mathcal{J}


def condition_parts(text: str) -> tuple[str, str, str] | None:
    """``j \\neq \\ell`` -> ("j", "!=", "\\ell"); None when the text is not one index condition."""
    match = CONDITION.match(_clean(text))
    if match is None:
        return None
    left = match.group(1).replace(" ", "")
    if not (left == "\\ell" or left[:1] in INDEX_LETTERS):
        return None
    op = "=" if match.group(2) == "=" else "!="
    return match.group(1).replace(" ", ""), op, match.group(3).replace(" ", "")
