r"""A safe, hand-written parser for derivative claims as people post them (LaTeX or code-ish text).

No ``eval``/``exec``/``sympify``/``parse_latex``: the text goes through four stages, each of which can only
raise :class:`~derive.errors.ParseError` (or its subclass ``InputTooLargeError``) with a one-line message
that says what was not understood and where (``column N`` or ``line L, column C``).

1. **Limits and screening** (on the raw text, before anything else): more than 20,000 characters or a
   ``{ ( [`` nesting deeper than 100 is ``InputTooLargeError``; TeX programming commands (``\input``,
   ``\def``, ``\csname`` ...) and Python-looking text (``__import__``) are refused.
2. **Character normalization**: every non-ASCII character must be in ``_CHAR_REWRITES`` (unicode minus and
   dashes -> ``-``, ``×`` -> ``\times``, ``·`` -> ``\cdot``, ``’`` -> ``'``, Greek letters -> ``\alpha``
   ...); anything else, notably Cyrillic or fullwidth look-alikes, is rejected naming the character.
3. **Tokenizer** with command rewrites (``_COMMAND_REWRITES``): ``\left \right \big ...`` and spacing are
   dropped, ``\color{c}{X}`` / ``\textcolor{c}{X}`` / ``\boxed{X}`` / ``\underbrace{X}_{..}`` keep ``X``,
   ``\label \tag \nonumber \notag`` and math delimiters ``$ $$ \[ \] \( \)`` disappear.  ``\text{..}``,
   ``\mathrm{..}``, ``\operatorname{..}`` become a name (``softmax``, ``CE``) or a connective word (``if``,
   ``for``).  Chain environments (``align``, ``align*``, ``aligned``, ``eqnarray``, ``split``,
   ``equation``, ``gather``, ``multline``) are unwrapped and their ``&`` dropped; ``cases`` is kept.
   Trailing ``.`` ``,`` ``;`` before the end, a line break or a qualifier are dropped.  Any command outside
   the whitelist is ``unknown LaTeX command \foo at column N``.
4. **Recursive-descent parser** over the tokens, with explicit depth and work budgets.

Grammar (informal; juxtaposition is multiplication)::

    claim    := ['='] side ('=' side)* [qualifier]       -- '\\' line breaks must be followed by '='
    side     := expr [':' condition] | '{' claim '}'       -- a group spanning a whole side may hold '='
    expr     := signed (('+' | '-') signed)*               -- a line break before '+'/'-' continues
    signed   := ('+' | '-')* term
    term     := factor ((op factor) | factor)*             -- op: \cdot \times * / \div \odot
    factor   := primary postfix*                           -- postfix: ^{...}, ^T, **, (after a call)
    primary  := number | symbol | named-function | '(' expr ')' | '[' expr ']' | '{' expr '}'
              | \frac{..}{..} | {a \over b} | \sqrt{..} | \sum.. body | \nabla_{x} factor
              | \begin{cases} .. \end{cases} | e^{..} | differential quotient

Notation rules (the judgment calls):

* **Words.**  Adjacent letters are separate symbols (``pu`` is ``p*u``) except the function words
  ``softmax diag log ln exp tanh sigmoid max min`` and a code-style name directly followed by ``[``
  (``SM[i]``).  ``\text{CE}`` / ``\operatorname{CE}`` is one symbol ``CE``.  Plain-text `` is `` means ``=``.
* **Subscripts** become ``Symbol.indices``: comma lists (``W_{i,j}``) give one index per item; a subscript of
  two single letters/digits (``W_{ij}``, ``w_{11}``, ``\delta_{yj}``) gives two indices; single letters
  separated by spaces give one index each; three or more joined letters are one named index
  (``W_{out}``); anything else is one index expression (``a_{i+1}``).  ``_{10}`` is therefore ``(1, 0)``.
  Brackets right after a name are indices too: ``a[i][j]``, ``W[i,j]``.
* **Superscripts**: ``^T ^{T} ^\top ^\intercal`` transpose, ``^\prime`` and ``'`` are primes, ``^{(i)}``
  is the example index, anything else is a power.  ``e^{..}`` is ``Exp``; a bare ``e`` is an error.
* **Calls.**  ``\log \ln \exp softmax \sigma diag tanh max min sigmoid`` are always calls, with or without
  parentheses (without them the argument is the next factor: ``\log p_i``, ``\log \sigma(u)``).  Any
  other symbol followed by parentheses is a call only when the content is a variable or a comma list of
  variables (``P_j(x)``, ``\text{CE}(y, \hat y)``); otherwise it is multiplication (``x_i(1-a)``).
  A primed name applied to a variable is a derivative: ``L'(u)`` is ``Derivative(L, u)``.
* **Derivatives**: ``\frac{\partial f}{\partial x}``, ``\frac{d f}{d x}``, ``\frac{\delta f}{\delta x}``,
  ``{\partial f \over \partial x}``, ``\partial f / \partial x``, code-ish ``df/dx`` (letters joined),
  operator forms ``\frac{\partial}{\partial x} F`` (applied to the next factor), ``\nabla_{x} F``, and the
  Jacobian ``\mathbf J_{\mathbf X}(H)``.  ``\partial^2`` orders must match the denominator; mixed
  partials nest (innermost is the last denominator variable).
* **Sums**: ``\sum`` or ``\Sigma`` with scripts in either order; the subscript is ``j``, ``j=1``,
  ``k \neq i``, ``t \in \mathcal{O}`` or a ``\substack`` of those.  The body is the following signed
  product-level term (``\sum_j y_j \log p_j + c`` sums ``y_j \log p_j`` only).
* **Cases**: rows ``expr & \text{if } i = k`` (``\text{otherwise}`` gives ``None``); the forum pattern
  ``expr \;\;: i = j`` is a one-branch ``Cases``.
* **Qualifiers**: from ``\text{for}``/``\text{where}``/``\text{if}`` (outside cases) or ``\forall`` to the
  end of the enclosing group is prose, not mathematics; it is recorded in ``Claim.qualifiers``.
* A leading ``=`` (a continuation line) means the left side is elided; the sides are what is shown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from fractions import Fraction
from typing import Final, Literal, TypeVar

from derive.claims.ast import (
    Add,
    Call,
    Cases,
    Claim,
    Condition,
    Derivative,
    Div,
    Exp,
    Hadamard,
    KroneckerDelta,
    Log,
    Mul,
    Neg,
    Node,
    Number,
    Pow,
    Sum,
    Symbol,
    Transpose,
)
from derive.errors import InputTooLargeError, ParseError

__all__ = ["MAX_INPUT_CHARS", "MAX_NESTING", "format_claim", "format_node", "parse_claim"]

MAX_INPUT_CHARS: Final = 20_000
MAX_NESTING: Final = 100
_MAX_DEPTH: Final = 260  # parser recursion units (about three Python frames each)

_T = TypeVar("_T")

# --------------------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------------------

_GREEK: Final = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi "
    "rho varrho sigma varsigma tau upsilon phi varphi chi psi omega "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()
)
_LETTER_COMMANDS: Final = _GREEK | {"ell", "infty"}

_FORBIDDEN_COMMANDS: Final = frozenset(
    "input include includeonly def edef gdef xdef let futurelet csname endcsname catcode write immediate "
    "newcommand renewcommand providecommand newenvironment renewenvironment usepackage documentclass "
    "expandafter openin openout read readline closein closeout special jobname makeatletter makeatother "
    "DeclareMathOperator global lowercase uppercase loop afterassignment everymath everypar".split()
)

_UNSUPPORTED_COMMANDS: Final = {
    **{c: "relation" for c in "approx leq geq le ge lt gt neq_ propto equiv sim simeq to rightarrow".split()},
    **{c: "arrow" for c in "Rightarrow implies iff mapsto leftarrow Leftarrow longrightarrow".split()},
    **{c: "ellipsis" for c in "dots cdots ldots vdots ddots".split()},
    **{c: "operator" for c in "prod int oint lim min_ argmax argmin det tr lVert rVert lvert rvert".split()},
}


class _Rewrite(Enum):
    DROP = "drop the command"
    SIZE = "drop a delimiter-size command (\\left( keeps the '(')"
    DROP_RAW_ARG = "drop the command and its first braced argument"
    KEEP_ARG = "drop the command, keep its argument as a group"
    KEEP_ARG_DROP_SCRIPT = "drop the command and the script after its argument, keep the argument"


_SIZE_COMMANDS: Final = (
    "left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr bigm Bigm biggm Biggm"
)
_COMMAND_REWRITES: Final[dict[str, _Rewrite]] = {
    **{c: _Rewrite.SIZE for c in _SIZE_COMMANDS.split()},
    **{
        c: _Rewrite.DROP
        for c in "displaystyle textstyle scriptstyle limits nolimits nonumber notag quad qquad "
        "enspace thinspace medspace thickspace negthinspace".split()
    },
    **{c: _Rewrite.DROP_RAW_ARG for c in "color textcolor label tag".split()},
    **{c: _Rewrite.KEEP_ARG for c in "boxed".split()},
    **{c: _Rewrite.KEEP_ARG_DROP_SCRIPT for c in "underbrace overbrace".split()},
}

_DECORATIONS: Final = {
    "hat": "hat",
    "widehat": "hat",
    "mathbf": "bold",
    "boldsymbol": "bold",
    "bm": "bold",
    "vec": "bold",
    "mathcal": "cal",
    "tilde": "tilde",
    "widetilde": "tilde",
    "bar": "bar",
    "overline": "bar",
    "mathbb": "bb",
}
_RAW_TEXT_COMMANDS: Final = frozenset(
    "text textrm textit textbf textsf mathrm mathit mathsf operatorname".split()
)
_FUNCTION_COMMANDS: Final = {
    "log": "log",
    "ln": "log",
    "exp": "exp",
    "tanh": "tanh",
    "max": "max",
    "min": "min",
}
_FUNCTION_WORDS: Final = {
    "softmax": "softmax",
    "diag": "diag",
    "log": "log",
    "ln": "log",
    "exp": "exp",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "max": "max",
    "min": "min",
}
_LONGEST_FUNCTION_WORD: Final = max(len(word) for word in _FUNCTION_WORDS)
_MUL_COMMANDS: Final = frozenset({"cdot", "times", "ast"})
_STRUCTURAL_COMMANDS: Final = frozenset(
    "frac dfrac tfrac over sqrt partial nabla sum cdot times ast div odot top intercal prime neq ne in "
    "begin end substack forall".split()
)
_ALLOWED_COMMANDS: Final = (
    _STRUCTURAL_COMMANDS | _LETTER_COMMANDS | set(_DECORATIONS) | _RAW_TEXT_COMMANDS | set(_FUNCTION_COMMANDS)
)
_FACTOR_COMMANDS: Final = (
    _LETTER_COMMANDS
    | set(_DECORATIONS)
    | set(_FUNCTION_COMMANDS)
    | {"frac", "dfrac", "tfrac", "sqrt", "partial", "nabla", "sum"}
)

_CHAIN_ENVIRONMENTS: Final = frozenset(
    "align align* aligned alignat alignat* eqnarray eqnarray* split equation equation* gather gather* "
    "gathered multline multline* displaymath math".split()
)
_ENVIRONMENTS: Final = _CHAIN_ENVIRONMENTS | {"cases", "dcases"}

_QUALIFIER_WORDS: Final = frozenset({"for", "for all", "where", "when", "with", "if", "since", "and", "s.t."})
_CONNECTIVE_WORDS: Final = _QUALIFIER_WORDS | {"otherwise", "else", "such that", "for all"}
_CASE_LEADING_WORDS: Final = frozenset({"if", "for", "when", "where"})

_CHAR_REWRITES: Final[dict[str, str]] = {
    "\u2212": "-",  # minus sign
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u00d7": "\\times ",
    "\u00b7": "\\cdot ",
    "\u22c5": "\\cdot ",
    "\u2019": "'",  # right single quotation mark used as a prime
    "\u2032": "'",  # prime
    "\u2033": "''",  # double prime
    "\u2260": "\\neq ",
    "\u2211": "\\sum ",
    "\u2202": "\\partial ",
    "\u2207": "\\nabla ",
    "\u2208": "\\in ",
    "\u2299": "\\odot ",
    "\u22a4": "\\top ",
    "\u1d40": "^T",
    "\u00b2": "^2",
    "\u00b3": "^3",
    "\u2113": "\\ell ",
    "\u00a0": " ",
    "\u2009": " ",
    "\u200a": " ",
    "\u202f": " ",
    "\u2002": " ",
    "\u2003": " ",
    # Greek letters that have their own LaTeX command (Latin look-alikes such as capital Alpha are refused).
    **{
        chr(code): f"\\{name} "
        for code, name in {
            0x3B1: "alpha", 0x3B2: "beta", 0x3B3: "gamma", 0x3B4: "delta", 0x3B5: "epsilon", 0x3B6: "zeta",
            0x3B7: "eta", 0x3B8: "theta", 0x3B9: "iota", 0x3BA: "kappa", 0x3BB: "lambda", 0x3BC: "mu",
            0x3BD: "nu", 0x3BE: "xi", 0x3C0: "pi", 0x3C1: "rho", 0x3C3: "sigma", 0x3C4: "tau",
            0x3C5: "upsilon", 0x3C6: "phi", 0x3C7: "chi", 0x3C8: "psi", 0x3C9: "omega", 0x3D5: "phi",
            0x3F5: "epsilon", 0x393: "Gamma", 0x394: "Delta", 0x398: "Theta", 0x39B: "Lambda", 0x39E: "Xi",
            0x3A0: "Pi", 0x3A3: "Sigma", 0x3A6: "Phi", 0x3A8: "Psi", 0x3A9: "Omega",
        }.items()
    },
}  # fmt: skip


def _check_tables() -> None:
    """The rewrite tables must not overlap the whitelist or the forbidden list, and must produce ASCII."""
    rewritten = set(_COMMAND_REWRITES)
    assert not rewritten & _ALLOWED_COMMANDS, rewritten & _ALLOWED_COMMANDS
    assert not rewritten & _FORBIDDEN_COMMANDS
    assert not _ALLOWED_COMMANDS & _FORBIDDEN_COMMANDS
    assert not set(_UNSUPPORTED_COMMANDS) & (_ALLOWED_COMMANDS | rewritten | _FORBIDDEN_COMMANDS)
    for char, target in _CHAR_REWRITES.items():
        assert not char.isascii() and target.isascii(), char
        for command in re.findall(r"\\([A-Za-z]+)", target):
            assert command in _ALLOWED_COMMANDS, command
    assert set(_FUNCTION_COMMANDS.values()) <= set(_FUNCTION_WORDS.values())
    assert _QUALIFIER_WORDS <= _CONNECTIVE_WORDS and _CASE_LEADING_WORDS <= _CONNECTIVE_WORDS


_check_tables()

# --------------------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------------------


def _where(text: str, offset: int) -> str:
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line + 1}, column {column}" if "\n" in text else f"column {column}"


def _snippet(text: str, offset: int) -> str:
    piece = text[offset : offset + 24]
    piece = "".join(c if c.isprintable() else " " for c in piece).strip()
    return repr(piece) if piece else "end of input"


def _one_line(message: str) -> str:
    return " ".join(message.split())


# --------------------------------------------------------------------------------------------------------
# Stage 1: limits and screening
# --------------------------------------------------------------------------------------------------------

_PYTHON_RE: Final = re.compile(r"__|\bimport\b|(?<!\\)\blambda\b|\bexec\s*\(|\beval\s*\(|\bos\.system")
_COMMAND_RE: Final = re.compile(r"\\([A-Za-z]+)")


def _screen(text: str) -> None:
    if len(text) > MAX_INPUT_CHARS:
        raise InputTooLargeError(f"claim text is {len(text)} characters; the limit is {MAX_INPUT_CHARS}")
    depth = 0
    for offset, char in enumerate(text):
        if char in "{([":
            depth += 1
            if depth > MAX_NESTING:
                raise InputTooLargeError(
                    f"brackets nested deeper than {MAX_NESTING} levels at {_where(text, offset)}"
                )
        elif char in "})]":
            depth -= 1
    for match in _COMMAND_RE.finditer(text):
        if match.group(1) in _FORBIDDEN_COMMANDS:
            raise ParseError(
                f"LaTeX command \\{match.group(1)} is not allowed (at {_where(text, match.start())})"
            )
    python = _PYTHON_RE.search(text)
    if python:
        raise ParseError(
            f"{python.group(0)!r} at {_where(text, python.start())} looks like Python code, not a formula"
        )


# --------------------------------------------------------------------------------------------------------
# Stage 2: characters
# --------------------------------------------------------------------------------------------------------


def _expand_characters(text: str) -> tuple[str, list[int]]:
    """ASCII text plus, for every character of it, its offset in the original text."""
    out: list[str] = []
    offsets: list[int] = []
    for offset, char in enumerate(text):
        if char.isascii():
            if (ord(char) < 32 and char not in "\t\n\r") or ord(char) == 127:
                raise ParseError(f"control character U+{ord(char):04X} at {_where(text, offset)}")
            out.append(char)
            offsets.append(offset)
            continue
        target = _CHAR_REWRITES.get(char)
        if target is None:
            name = unicodedata.name(char, "unnamed character")
            raise ParseError(
                f"character {char!r} (U+{ord(char):04X} {name}) at {_where(text, offset)} is not accepted; "
                "write the formula in ASCII LaTeX (look-alike letters are refused)"
            )
        out.extend(target)
        offsets.extend([offset] * len(target))
    return "".join(out), offsets


# --------------------------------------------------------------------------------------------------------
# Stage 3: tokens
# --------------------------------------------------------------------------------------------------------

_TokenKind = Literal["num", "letter", "cmd", "name", "text", "sym", "br", "begin", "end", "mark", "eof"]


@dataclass(frozen=True)
class _Token:
    kind: _TokenKind
    value: str
    offset: int
    space_before: bool = False
    sized: bool = False  # a delimiter that followed \left, \big ...
    plain: bool = True  # a letter typed directly (may join a word), not from \text{} / \mathrm{}


_SYMBOL_CHARS: Final = "+-*/=()[]{}^_,:;.!&'"
_REFUSED_CHARS: Final = {
    "|": "'|' (absolute value or norm) is not supported",
    "<": "'<' (inequalities are not claims we check)",
    ">": "'>' (inequalities are not claims we check)",
}


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.chars, self.offsets = _expand_characters(text)
        self.i = 0
        self.tokens: list[_Token] = []
        self.space = False
        self.sized = False

    def fail(self, message: str, index: int | None = None) -> ParseError:
        offset = self.offset(self.i if index is None else index)
        return ParseError(_one_line(f"{message} at {_where(self.text, offset)}"))

    def offset(self, index: int) -> int:
        return self.offsets[index] if index < len(self.offsets) else len(self.text)

    def emit(self, kind: _TokenKind, value: str, index: int, plain: bool = True) -> None:
        sized = self.sized and kind == "sym" and value in "()[]"
        self.tokens.append(_Token(kind, value, self.offset(index), self.space, sized, plain))
        self.space = False
        self.sized = False

    def run(self) -> list[_Token]:
        s = self.chars
        n = len(s)
        while self.i < n:
            c = s[self.i]
            if c in " \t\n\r~":
                self.space = True
                self.i += 1
            elif c == "%":
                while self.i < n and s[self.i] != "\n":
                    self.i += 1
            elif c == "$":
                self.space = True
                self.i += 1
            elif c == "\\":
                self.backslash()
            elif c.isalpha():
                self.letter()
            elif c.isdigit() or (c == "." and self.i + 1 < n and s[self.i + 1].isdigit()):
                self.number()
            elif c in _SYMBOL_CHARS:
                start = self.i
                if c == "*" and s[start + 1 : start + 2] == "*":
                    self.i += 2
                    self.emit("sym", "**", start)
                elif c == "!" and s[start + 1 : start + 2] == "=":
                    self.i += 2
                    self.emit("sym", "!=", start)
                else:
                    self.i += 1
                    self.emit("sym", c, start)
            elif c in _REFUSED_CHARS:
                raise self.fail(_REFUSED_CHARS[c])
            else:
                raise self.fail(f"unexpected character {c!r}")
        self.tokens.append(_Token("eof", "", len(self.text), self.space))
        return self.tokens

    def letter(self) -> None:
        s = self.chars
        start = self.i
        end = start
        while end < len(s) and s[end].isascii() and s[end].isalpha():
            end += 1
        word = s[start:end]
        before_space = start == 0 or s[start - 1] in " \t\n\r"
        after_space = end < len(s) and s[end] in " \t\n\r"
        if word == "is" and before_space and after_space and self.tokens:
            self.i = end
            self.emit("sym", "=", start)
            return
        for k in range(start, end):
            self.i = k + 1
            self.emit("letter", s[k], k)

    def number(self) -> None:
        s = self.chars
        start = self.i
        while self.i < len(s) and s[self.i].isdigit():
            self.i += 1
        if self.i + 1 < len(s) and s[self.i] == "." and s[self.i + 1].isdigit():
            self.i += 1
            while self.i < len(s) and s[self.i].isdigit():
                self.i += 1
        self.emit("num", s[start : self.i], start)

    def skip_spaces(self) -> None:
        while self.i < len(self.chars) and self.chars[self.i] in " \t\n\r":
            self.i += 1

    def raw_argument(self, command: str) -> str:
        """The text of a braced argument read verbatim (for \\text, \\label, \\color, \\begin ...)."""
        self.skip_spaces()
        s = self.chars
        if self.i >= len(s) or s[self.i] != "{":
            raise self.fail(f"\\{command} needs a braced argument")
        depth = 0
        start = self.i + 1
        for k in range(self.i, len(s)):
            if s[k] == "{":
                depth += 1
            elif s[k] == "}":
                depth -= 1
                if depth == 0:
                    self.i = k + 1
                    return s[start:k]
        raise self.fail(f"unbalanced '{{' after \\{command}")

    def backslash(self) -> None:
        s = self.chars
        start = self.i
        if start + 1 >= len(s):
            raise self.fail("a lone backslash at the end")
        d = s[start + 1]
        if d.isascii() and d.isalpha():
            end = start + 1
            while end < len(s) and s[end].isascii() and s[end].isalpha():
                end += 1
            name = s[start + 1 : end]
            if end < len(s) and s[end] == "*" and name in ("operatorname", "tag"):
                end += 1
            self.i = end
            self.command(name, start)
        elif d == "\\":
            self.i = start + 2
            self.emit("br", "\\\\", start)
        elif d in ",;:! >":
            self.i = start + 2
            self.space = True
        elif d in "()[]":
            self.i = start + 2
            self.space = True
        elif d in "{}":
            raise self.fail(f"escaped brace \\{d} (set notation) is not supported")
        elif d == "|":
            raise self.fail("norm \\| is not supported")
        else:
            raise self.fail(f"unexpected escape \\{d}")

    def command(self, name: str, start: int) -> None:
        if name in _FORBIDDEN_COMMANDS:
            raise self.fail(f"LaTeX command \\{name} is not allowed", start)
        rewrite = _COMMAND_REWRITES.get(name)
        if rewrite is not None:
            self.rewrite(name, rewrite, start)
            return
        if name in _RAW_TEXT_COMMANDS:
            self.text_command(name, start)
            return
        if name in ("begin", "end"):
            env = self.raw_argument(name).strip()
            if env not in _ENVIRONMENTS:
                raise self.fail(f"environment {{{env}}} is not supported", start)
            self.emit("begin" if name == "begin" else "end", env, start)
            return
        if name in _ALLOWED_COMMANDS:
            self.emit("cmd", name, start)
            return
        if name in _UNSUPPORTED_COMMANDS:
            raise self.fail(f"\\{name} ({_UNSUPPORTED_COMMANDS[name]}) is not supported", start)
        raise self.fail(f"unknown LaTeX command \\{name}", start)

    def rewrite(self, name: str, rewrite: _Rewrite, start: int) -> None:
        if rewrite is _Rewrite.DROP:
            self.space = True
        elif rewrite is _Rewrite.SIZE:
            self.skip_spaces()
            if self.chars[self.i : self.i + 1] == ".":
                self.i += 1  # null delimiter \left. / \right.
            else:
                self.sized = True
            self.space = True
        elif rewrite is _Rewrite.DROP_RAW_ARG:
            self.raw_argument(name)
            self.space = True
        elif rewrite is _Rewrite.KEEP_ARG:
            self.space = True
        else:
            self.emit("mark", name, start)

    def text_command(self, name: str, start: int) -> None:
        content = self.raw_argument(name)
        if "\\" in content or "$" in content or "{" in content:
            raise self.fail(f"LaTeX inside \\{name}{{...}} is not supported", start)
        words = " ".join(content.split())
        if not words:
            self.space = True
            return
        if words.lower() in _CONNECTIVE_WORDS:
            self.emit("text", words.lower(), start)
            return
        match = re.fullmatch(r"([A-Za-z][A-Za-z0-9]*)('*)", words)
        if match is None:
            raise self.fail(f"text {words!r} in \\{name}{{...}} is not understood", start)
        base, primes = match.groups()
        self.space = True
        if len(base) == 1:
            self.emit("letter", base, start, plain=False)
        else:
            self.emit("name", base, start)
        for _ in primes:
            self.emit("sym", "'", start)
        self.space = True


def _match_braces(tokens: list[_Token], text: str) -> dict[int, int]:
    stack: list[int] = []
    match: dict[int, int] = {}
    for index, token in enumerate(tokens):
        if token.kind != "sym":
            continue
        if token.value == "{":
            stack.append(index)
        elif token.value == "}":
            if not stack:
                raise ParseError(f"unmatched '}}' at {_where(text, token.offset)}")
            opened = stack.pop()
            match[opened] = index
            match[index] = opened
    if stack:
        raise ParseError(
            f"unbalanced '{{' opened at {_where(text, tokens[stack[-1]].offset)} is never closed"
        )
    return match


def _normalize_tokens(tokens: list[_Token], text: str) -> list[_Token]:
    """Apply the token-level rewrites: brace/script drops, environment unwrapping, trailing punctuation."""
    match = _match_braces(tokens, text)
    drop: set[int] = set()
    for index, token in enumerate(tokens):
        if token.kind != "mark":
            continue
        drop.add(index)
        arg = index + 1
        if tokens[arg].kind != "sym" or tokens[arg].value != "{":
            raise ParseError(f"\\{token.value} needs a braced argument at {_where(text, token.offset)}")
        script = match[arg] + 1
        wanted = "_" if token.value == "underbrace" else "^"
        if tokens[script].kind == "sym" and tokens[script].value == wanted:
            drop.add(script)
            nxt = tokens[script + 1]
            if nxt.kind == "sym" and nxt.value == "{":
                drop.update(range(script + 1, match[script + 1] + 1))
            elif nxt.kind != "eof":
                drop.add(script + 1)
    out: list[_Token] = []
    envs: list[str] = []
    for index, token in enumerate(tokens):
        if index in drop:
            continue
        if token.kind == "begin":
            envs.append(token.value)
            if token.value in _CHAIN_ENVIRONMENTS:
                continue
        elif token.kind == "end":
            if not envs or envs[-1] != token.value:
                raise ParseError(f"\\end{{{token.value}}} does not match at {_where(text, token.offset)}")
            envs.pop()
            if token.value in _CHAIN_ENVIRONMENTS:
                continue
        elif token.kind == "sym" and token.value == "&":
            if not envs or envs[-1] not in ("cases", "dcases"):
                continue
        out.append(token)
    if envs:
        raise ParseError(f"\\begin{{{envs[-1]}}} is never closed")
    # Trailing punctuation before the end, a line break, a cell separator, prose, or the end of a group.
    cleaned: list[_Token] = []
    for token in reversed(out):
        if token.kind == "sym" and token.value in ".,;" and cleaned:
            nxt = cleaned[-1]
            if nxt.kind in ("eof", "br", "text", "end") or (nxt.kind == "sym" and nxt.value in "&}"):
                continue
        cleaned.append(token)
    cleaned.reverse()
    return [replace(t, value="cases") if t.kind in ("begin", "end") else t for t in cleaned]


def _run_lengths(tokens: list[_Token]) -> list[int]:
    """For each plain letter, how many plain letters follow it without a space (itself included)."""
    runs = [0] * len(tokens)
    for index in range(len(tokens) - 1, -1, -1):
        token = tokens[index]
        if token.kind == "letter" and token.plain:
            runs[index] = 1
            if index + 1 < len(tokens):
                nxt = tokens[index + 1]
                if nxt.kind == "letter" and nxt.plain and not nxt.space_before:
                    runs[index] += runs[index + 1]
    return runs


# --------------------------------------------------------------------------------------------------------
# Stage 4: parser
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Superscript:
    kind: Literal["transpose", "prime", "example", "power"]
    node: Node | None = None
    primes: int = 0


class _Backtrack(Exception):
    """Internal: an optional construct did not match; the caller restores its position."""


def _is_variable(node: Node) -> bool:
    return isinstance(node, Symbol) or (isinstance(node, Call) and isinstance(node.function, Symbol))


def _mul(factors: list[Node]) -> Node:
    return factors[0] if len(factors) == 1 else Mul(tuple(factors))


class _Parser:
    def __init__(self, text: str, tokens: list[_Token]) -> None:
        self.text = text
        self.toks = tokens
        self.pos = 0
        self.limit = len(tokens) - 1  # index of the eof sentinel
        self.match = _match_braces(tokens, text)
        self.runs = _run_lengths(tokens)
        self.depth = 0
        self.steps = 0
        self.max_steps = 60 * len(tokens) + 2000
        self.paren_memo: dict[tuple[int, int], tuple[tuple[Node, ...], int]] = {}
        self.failed_slash: set[tuple[int, int]] = set()
        self.in_slash = False
        self.qualifiers: list[str] = []

    # ---- token access --------------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> _Token:
        index = self.pos + ahead
        if index < self.limit:
            return self.toks[index]
        closing = self.toks[self.limit]
        return _Token("eof", "end of group" if closing.kind != "eof" else "", closing.offset)

    def at(self, value: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind == "sym" and token.value == value

    def at_cmd(self, *names: str) -> bool:
        token = self.peek()
        return token.kind == "cmd" and token.value in names

    def fail(self, message: str, token: _Token | None = None) -> ParseError:
        token = token or self.peek()
        where = _where(self.text, token.offset)
        return ParseError(_one_line(f"{message} at {where} (near {_snippet(self.text, token.offset)})"))

    def describe(self, token: _Token) -> str:
        if token.kind == "eof":
            return token.value or "end of input"
        if token.kind == "cmd":
            return f"\\{token.value}"
        if token.kind == "br":
            return "line break \\\\"
        if token.kind == "text":
            return f"\\text{{{token.value}}}"
        if token.kind in ("begin", "end"):
            return f"\\{token.kind}{{{token.value}}}"
        return repr(token.value)

    def unexpected(self, token: _Token | None = None) -> ParseError:
        token = token or self.peek()
        return self.fail(f"unexpected {self.describe(token)}", token)

    def enter(self) -> None:
        self.depth += 1
        self.steps += 1
        if self.depth > _MAX_DEPTH:
            raise InputTooLargeError(
                f"expression nested too deeply at {_where(self.text, self.peek().offset)}"
            )
        if self.steps > self.max_steps:
            raise InputTooLargeError("claim is too complex to parse within the work budget")

    def within(self, start: int, end: int, parse: Callable[[], _T]) -> _T:
        """Run ``parse`` on tokens[start:end]; it must consume them all.  The position is restored."""
        saved_pos, saved_limit = self.pos, self.limit
        self.pos, self.limit = start, end
        try:
            result = parse()
            if self.pos < end:
                raise self.unexpected()
        finally:
            self.pos, self.limit = saved_pos, saved_limit
        return result

    def group_range(self) -> tuple[int, int]:
        """A braced group or a single simple token (a script or \\frac argument); advances past it."""
        token = self.peek()
        if token.kind == "sym" and token.value == "{":
            close = self.match[self.pos]
            start = self.pos + 1
            self.pos = close + 1
            return start, close
        simple = token.kind in ("letter", "num", "name") or (
            token.kind == "cmd" and token.value in _LETTER_COMMANDS | {"top", "intercal", "prime"}
        )
        if not simple:
            raise self.fail(f"expected a braced argument, found {self.describe(token)}", token)
        self.pos += 1
        return self.pos - 1, self.pos

    def can_start_factor(self, token: _Token | None = None) -> bool:
        token = token or self.peek()
        if token.kind in ("letter", "num", "name"):
            return True
        if token.kind == "sym":
            return token.value in "([{"
        if token.kind == "cmd":
            return token.value in _FACTOR_COMMANDS
        return token.kind == "begin"

    def at_qualifier(self) -> bool:
        token = self.peek()
        if token.kind == "text" and token.value in _QUALIFIER_WORDS:
            return True
        if token.kind == "cmd" and token.value == "forall":
            return True
        if token.kind == "sym" and token.value == "{":
            inner = self.peek(1)
            return inner.kind == "text" and inner.value in _QUALIFIER_WORDS and self.at("}", 2)
        return False

    def skip_breaks(self) -> bool:
        skipped = False
        while self.peek().kind == "br":
            self.pos += 1
            skipped = True
        return skipped

    # ---- chains and sides ----------------------------------------------------------------------------

    def parse_chain(self) -> list[Node]:
        sides: list[Node] = []
        self.skip_breaks()
        if self.at("="):
            self.pos += 1
        while True:
            if self.at_qualifier() or self.peek().kind == "eof":
                raise self.fail(f"expected an expression, found {self.describe(self.peek())}")
            sides.extend(self.parse_side())
            broke = self.skip_breaks()
            token = self.peek()
            if token.kind == "sym" and token.value == "=":
                self.pos += 1
                self.skip_breaks()
                continue
            if self.at_qualifier():
                start = token.offset
                end = self.toks[self.limit].offset
                self.qualifiers.append(" ".join(self.text[start:end].split()))
                self.pos = self.limit
                return sides
            if token.kind == "eof":
                return sides
            if broke:
                raise self.fail(
                    f"a new line must continue the chain with '=', found {self.describe(token)}", token
                )
            raise self.unexpected(token)

    def parse_side(self) -> list[Node]:
        if self.at("{"):
            close = self.match[self.pos]
            after = self.toks[close + 1] if close + 1 < self.limit else None
            ends_side = (
                after is None
                or after.kind == "br"
                or (after.kind == "sym" and after.value == "=")
                or (after.kind == "text" and after.value in _QUALIFIER_WORDS)
            )
            if ends_side and self.find_over(self.pos + 1, close) is None:
                sides = self.within(self.pos + 1, close, self.parse_chain)
                self.pos = close + 1
                return sides
        expr = self.parse_additive()
        if self.at(":"):
            self.pos += 1
            condition = self.parse_condition()
            return [Cases(((expr, condition),))]
        return [expr]

    def index_name(self, token: _Token) -> str:
        if token.kind in ("letter", "num") or (token.kind == "cmd" and token.value in _LETTER_COMMANDS):
            return token.value
        raise self.fail(f"expected an index name, found {self.describe(token)}", token)

    def parse_condition(self) -> Condition:
        left = self.index_name(self.peek())
        self.pos += 1
        token = self.peek()
        op: Literal["=", "!="]
        if token.kind == "sym" and token.value == "=":
            op = "="
        elif (token.kind == "sym" and token.value == "!=") or (
            token.kind == "cmd" and token.value in ("neq", "ne")
        ):
            op = "!="
        else:
            raise self.fail(f"expected '=' or \\neq in the condition, found {self.describe(token)}", token)
        self.pos += 1
        right = self.index_name(self.peek())
        self.pos += 1
        return Condition(Symbol(left), op, Symbol(right))

    # ---- arithmetic ----------------------------------------------------------------------------------

    def parse_additive(self) -> Node:
        self.enter()
        try:
            terms = [self.parse_signed_term()]
            while True:
                self.skip_continuation_break()
                if self.at("+"):
                    self.pos += 1
                    terms.append(self.parse_signed_term())
                elif self.at("-"):
                    self.pos += 1
                    terms.append(Neg(self.parse_signed_term()))
                else:
                    break
            return terms[0] if len(terms) == 1 else Add(tuple(terms))
        finally:
            self.depth -= 1

    def skip_continuation_break(self) -> None:
        ahead = 0
        while self.peek(ahead).kind == "br":
            ahead += 1
        if ahead and (self.at("+", ahead) or self.at("-", ahead)):
            self.pos += ahead

    def parse_signed_term(self) -> Node:
        negations = 0
        while self.at("+") or self.at("-"):
            negations += self.at("-")
            self.pos += 1
        node = self.parse_term()
        for _ in range(negations):
            node = Neg(node)
        return node

    def parse_operand(self) -> Node:
        """A factor after an explicit operator, which may carry its own sign (``a \\cdot -b``)."""
        if self.at("-"):
            self.pos += 1
            return Neg(self.parse_factor())
        if self.at("+"):
            self.pos += 1
        return self.parse_factor()

    def parse_term(self) -> Node:
        factors = [self.parse_factor()]
        while True:
            token = self.peek()
            if (token.kind == "cmd" and token.value in _MUL_COMMANDS) or (token.kind, token.value) == (
                "sym",
                "*",
            ):
                self.pos += 1
                factors.append(self.parse_operand())
            elif (token.kind == "sym" and token.value == "/") or (
                token.kind == "cmd" and token.value == "div"
            ):
                self.pos += 1
                denominator = self.parse_operand()
                factors = [Div(_mul(factors), denominator)]
            elif token.kind == "cmd" and token.value == "odot":
                self.pos += 1
                right = self.parse_operand()
                factors = [Hadamard(_mul(factors), right)]
            elif self.can_start_factor(token) and not self.at_qualifier():
                factors.append(self.parse_factor())
            else:
                return _mul(factors)

    def parse_factor(self) -> Node:
        self.enter()
        try:
            token = self.peek()
            if token.kind == "cmd" and token.value == "partial":
                node = self.try_slash_derivative()
                if node is None:
                    raise self.fail(
                        "\\partial is not part of a derivative (write \\frac{\\partial f}{\\partial x})",
                        token,
                    )
                return node
            if token.kind == "letter" and token.value == "d" and token.plain and not self.in_slash:
                nxt = self.peek(1)
                if nxt.kind == "letter" and not nxt.space_before:
                    node = self.try_slash_derivative()
                    if node is not None:
                        return node
            return self.parse_postfix(self.parse_primary())
        finally:
            self.depth -= 1

    def parse_postfix(self, node: Node) -> Node:
        powered = False
        while True:
            if self.at("^"):
                token = self.peek()
                self.pos += 1
                script = self.classify_superscript(*self.group_range())
                if script.kind == "transpose":
                    node = replace(node, transposed=True) if isinstance(node, Symbol) else Transpose(node)
                elif script.kind == "power" and script.node is not None:
                    if powered:
                        raise self.fail("double superscript", token)
                    node = Pow(node, script.node)
                    powered = True
                else:
                    raise self.fail(f"a {script.kind} superscript needs a symbol before it", token)
            elif self.at("**"):
                self.pos += 1
                node = Pow(node, self.parse_operand())
            elif (
                self.at("_")
                and isinstance(node, Call)
                and isinstance(node.function, Symbol)
                and not node.function.indices
            ):
                # softmax(z)_i, \sigma(z)_k: the entry of a vector-valued function, read as softmax_i(z).
                self.pos += 1
                indices = self.parse_indices(*self.group_range())
                node = Call(replace(node.function, indices=indices), node.args)
            elif self.at("_"):
                raise self.fail("a subscript must follow a symbol")
            elif self.at("'"):
                raise self.fail("a prime ' must follow a function name")
            else:
                return node

    # ---- primaries -----------------------------------------------------------------------------------

    def parse_primary(self) -> Node:
        token = self.peek()
        if token.kind == "letter":
            return self.parse_letter()
        if token.kind == "num":
            self.pos += 1
            if self.at("_") and token.value.isdigit():
                return self.parse_symbol_tail(token.value)
            return Number(Fraction(token.value))
        if token.kind == "name":
            self.pos += 1
            if token.value in _FUNCTION_WORDS:
                return self.parse_named(_FUNCTION_WORDS[token.value], token)
            return self.parse_symbol_tail(token.value)
        if token.kind == "begin":
            return self.parse_cases()
        if token.kind == "sym" and token.value in "([":
            args = self.paren_args()
            if len(args) > 1:
                raise self.fail("a comma list in brackets is only allowed as function arguments", token)
            return args[0]
        if token.kind == "sym" and token.value == "{":
            return self.parse_brace_group()
        if token.kind == "cmd":
            return self.parse_command(token)
        raise self.fail(f"expected an expression, found {self.describe(token)}", token)

    def parse_letter(self) -> Node:
        token = self.peek()
        run = min(self.runs[self.pos], self.limit - self.pos)
        after = self.peek(run)
        indexed = after.kind == "sym" and after.value == "[" and not after.space_before
        if run > 1 and (run <= _LONGEST_FUNCTION_WORD or indexed):
            word = "".join(self.toks[self.pos + k].value for k in range(run))
            if word in _FUNCTION_WORDS:
                self.pos += run
                return self.parse_named(_FUNCTION_WORDS[word], token)
            if indexed:
                self.pos += run
                return self.parse_symbol_tail(word)
        self.pos += 1
        if token.value == "e":
            if self.at("^"):
                self.pos += 1
                start, end = self.group_range()
                return Exp(self.within(start, end, self.parse_additive))
            if self.at("_"):
                return self.parse_symbol_tail("e")
            raise self.fail(
                "a bare 'e' is not read as a variable; write e^{x} or \\exp(x) for the exponential", token
            )
        return self.parse_symbol_tail(token.value)

    def parse_command(self, token: _Token) -> Node:
        name = token.value
        if name in ("frac", "dfrac", "tfrac"):
            self.pos += 1
            numerator = self.group_range()
            denominator = self.group_range()
            return self.parse_fraction(numerator, denominator, token)
        if name == "sqrt":
            self.pos += 1
            if self.at("["):
                raise self.fail("\\sqrt[n]{..} is not supported")
            start, end = self.group_range()
            return Pow(self.within(start, end, self.parse_additive), Number(Fraction(1, 2)))
        if name == "nabla":
            return self.parse_nabla()
        if name == "sum" or (name == "Sigma" and (self.at("_", 1) or self.at("^", 1))):
            return self.parse_sum()
        if name in _FUNCTION_COMMANDS:
            self.pos += 1
            return self.parse_named(_FUNCTION_COMMANDS[name], token)
        if name == "sigma":
            self.pos += 1
            if self.at("_") or self.at("^"):
                return self.parse_symbol_tail("sigma")
            return self.parse_named("sigma", token)
        if name in _DECORATIONS:
            return self.parse_decorated()
        if name in _LETTER_COMMANDS:
            self.pos += 1
            return self.parse_symbol_tail(name)
        raise self.fail(f"\\{name} cannot start an expression", token)

    def paren_args(self) -> tuple[Node, ...]:
        """``( expr, expr, ... )`` or with brackets; memoized so re-reading a group costs nothing."""
        key = (self.pos, self.limit)
        cached = self.paren_memo.get(key)
        if cached is not None:
            self.pos = cached[1]
            return cached[0]
        opening = self.peek()
        closer = ")" if opening.value == "(" else "]"
        self.pos += 1
        args = [self.parse_additive()]
        while self.at(","):
            self.pos += 1
            args.append(self.parse_additive())
        if not self.at(closer):
            raise self.fail(
                f"expected '{closer}' to close the '{opening.value}' at {_where(self.text, opening.offset)}, "
                f"found {self.describe(self.peek())}"
            )
        self.pos += 1
        result = tuple(args)
        self.paren_memo[key] = (result, self.pos)
        return result

    def find_over(self, start: int, end: int) -> int | None:
        index = start
        while index < end:
            token = self.toks[index]
            if token.kind == "sym" and token.value == "{":
                index = self.match[index] + 1
                continue
            if token.kind == "cmd" and token.value == "over":
                return index
            index += 1
        return None

    def parse_brace_group(self) -> Node:
        token = self.peek()
        close = self.match[self.pos]
        start = self.pos + 1
        over = self.find_over(start, close)
        self.pos = close + 1
        if over is not None:
            return self.parse_fraction((start, over), (over + 1, close), token)
        return self.within(start, close, self.parse_additive)

    # ---- symbols -------------------------------------------------------------------------------------

    def classify_superscript(self, start: int, end: int) -> _Superscript:
        tokens = self.toks[start:end]
        if len(tokens) == 1:
            only = tokens[0]
            if (only.kind == "cmd" and only.value in ("top", "intercal")) or (
                only.kind == "letter" and only.value == "T"
            ):
                return _Superscript("transpose")
        if tokens and all(t.kind == "cmd" and t.value == "prime" for t in tokens):
            return _Superscript("prime", primes=len(tokens))
        wrapped = len(tokens) >= 3 and tokens[0].value == "(" and tokens[-1].value == ")"
        if wrapped and self.parens_wrap(start, end):
            return _Superscript("example", self.within(start + 1, end - 1, self.parse_additive))
        return _Superscript("power", self.within(start, end, self.parse_additive))

    def parens_wrap(self, start: int, end: int) -> bool:
        depth = 0
        for index in range(start, end):
            token = self.toks[index]
            if token.kind == "sym" and token.value in "([":
                depth += 1
            elif token.kind == "sym" and token.value in ")]":
                depth -= 1
                if depth == 0 and index != end - 1:
                    return False
        return depth == 0

    def parse_symbol_tail(self, name: str, primes: int = 0, decoration: str | None = None) -> Node:
        indices: list[Node] = []
        example: Node | None = None
        transposed = False
        power: Node | None = None
        while True:
            token = self.peek()
            if self.at("_"):
                if indices:
                    raise self.fail("double subscript", token)
                self.pos += 1
                indices.extend(self.parse_indices(*self.group_range()))
            elif self.at("^"):
                self.pos += 1
                script = self.classify_superscript(*self.group_range())
                if script.kind == "transpose" and not transposed:
                    transposed = True
                elif script.kind == "prime":
                    primes += script.primes
                elif script.kind == "example" and example is None:
                    example = script.node
                elif script.kind == "power" and power is None:
                    power = script.node
                else:
                    raise self.fail("double superscript", token)
            elif self.at("'"):
                self.pos += 1
                primes += 1
            elif self.at("[") and not token.space_before and not token.sized and self.bracket_is_index():
                indices.extend(self.parse_bracket_index())
            else:
                break
        symbol = Symbol(name, tuple(indices), example, primes, transposed, decoration)
        node: Node = symbol
        if (
            name == "delta"
            and decoration is None
            and len(indices) == 2
            and example is None
            and primes == 0
            and not transposed
        ):
            node = KroneckerDelta(indices[0], indices[1])
        elif power is None and not transposed and self.at("(") and not name[0].isdigit():
            node = self.maybe_call(symbol)
        return node if power is None else Pow(node, power)

    def maybe_call(self, symbol: Symbol) -> Node:
        token = self.peek()
        start = self.pos
        args = self.paren_args()
        if self.is_jacobian(symbol) and len(args) == 1:
            return Derivative(args[0], symbol.indices[0])
        if all(isinstance(arg, Symbol) for arg in args):
            if symbol.primes:
                if len(args) != 1:
                    raise self.fail("a primed function must be applied to one variable", token)
                return Derivative(replace(symbol, primes=0), args[0], symbol.primes)
            return Call(symbol, args)
        if len(args) > 1:
            raise self.fail("function arguments must be variables (found an expression in the list)", token)
        self.pos = start  # implicit multiplication: the group is read again (memoized) as the next factor
        return symbol

    @staticmethod
    def is_jacobian(symbol: Symbol) -> bool:
        if symbol.name != "J" or len(symbol.indices) != 1 or symbol.example is not None:
            return False
        index = symbol.indices[0]
        return symbol.decoration == "bold" or (isinstance(index, Symbol) and index.decoration == "bold")

    def simple_index(self, token: _Token) -> Node | None:
        if token.kind == "letter" or (token.kind == "cmd" and token.value in _LETTER_COMMANDS):
            return Symbol(token.value)
        if token.kind == "num" and token.value.isdigit():
            return Number(Fraction(int(token.value)))
        return None

    def parse_index_part(self, start: int, end: int) -> Node:
        if end - start == 1:
            simple = self.simple_index(self.toks[start])
            if simple is not None:
                return simple
        return self.within(start, end, self.parse_additive)

    def split_commas(self, start: int, end: int) -> list[tuple[int, int]]:
        parts: list[tuple[int, int]] = []
        depth = 0
        part_start = start
        for index in range(start, end):
            token = self.toks[index]
            if token.kind == "sym" and token.value in "{([":
                depth += 1
            elif token.kind == "sym" and token.value in "})]":
                depth -= 1
            elif token.kind == "sym" and token.value == "," and depth == 0:
                parts.append((part_start, index))
                part_start = index + 1
        parts.append((part_start, end))
        return parts

    def parse_indices(self, start: int, end: int) -> tuple[Node, ...]:
        tokens = self.toks[start:end]
        if not tokens:
            raise self.fail("empty subscript")
        parts = self.split_commas(start, end)
        if len(parts) > 1:
            return tuple(self.parse_index_part(s, e) for s, e in parts)
        if (
            len(tokens) == 1
            and tokens[0].kind == "num"
            and tokens[0].value.isdigit()
            and len(tokens[0].value) == 2
        ):
            return tuple(Number(Fraction(int(digit))) for digit in tokens[0].value)
        simple = [self.simple_index(t) if t.kind != "num" or len(t.value) == 1 else None for t in tokens]
        if all(node is not None for node in simple):
            nodes = [node for node in simple if node is not None]
            joined = all(t.kind == "letter" and t.plain for t in tokens) and not any(
                t.space_before for t in tokens[1:]
            )
            if len(tokens) >= 3 and joined:
                return (Symbol("".join(t.value for t in tokens)),)
            return tuple(nodes)
        return (self.within(start, end, self.parse_additive),)

    def bracket_is_index(self) -> bool:
        index = self.pos + 1
        allowed = {"letter", "num"}
        while index < self.limit:
            token = self.toks[index]
            if token.kind == "sym" and token.value == "]":
                return index > self.pos + 1
            ok = token.kind in allowed or (token.kind == "cmd" and token.value in _LETTER_COMMANDS)
            if not ok and not (token.kind == "sym" and token.value in ",+-"):
                return False
            index += 1
        return False

    def parse_bracket_index(self) -> tuple[Node, ...]:
        start = self.pos + 1
        close = start
        while not (self.toks[close].kind == "sym" and self.toks[close].value == "]"):
            close += 1
        self.pos = close + 1
        return tuple(self.parse_index_part(s, e) for s, e in self.split_commas(start, close))

    def parse_decorated(self) -> Node:
        token = self.peek()
        decoration = _DECORATIONS[token.value]
        self.pos += 1
        start, end = self.group_range()
        inner = self.toks[start:end]
        if len(inner) != 1:
            raise self.fail(f"\\{token.value}{{..}} must contain a single letter", token)
        only = inner[0]
        if only.kind == "cmd" and only.value in _DECORATIONS:
            raise self.fail(
                f"nested decorations (\\{token.value}{{\\{only.value}..}}) are not supported", token
            )
        if not (
            only.kind in ("letter", "name")
            or (only.kind == "num" and only.value.isdigit())
            or (only.kind == "cmd" and only.value in _LETTER_COMMANDS)
        ):
            raise self.fail(f"\\{token.value}{{..}} must contain a single letter", token)
        return self.parse_symbol_tail(only.value, decoration=decoration)

    # ---- functions -----------------------------------------------------------------------------------

    def parse_named(self, name: str, token: _Token) -> Node:
        primes = 0
        while self.at("'"):
            self.pos += 1
            primes += 1
        if self.at("_") or self.at("^"):
            raise self.fail(f"sub/superscripts on the function {name} are not supported", token)
        if primes and name in ("log", "exp"):
            raise self.fail(f"{name}' is not supported; write the derivative out", token)
        if self.at("("):
            args = self.paren_args()
        elif self.can_start_factor() and not self.at_qualifier():
            args = (self.parse_factor(),)
        elif name not in ("log", "exp"):
            return Symbol(name, primes=primes)  # a function named on its own, e.g. in d softmax / dz
        else:
            raise self.fail(f"the function {name} needs an argument", token)
        if primes:
            if len(args) != 1 or not isinstance(args[0], Symbol):
                raise self.fail(f"{name}{chr(39) * primes}(..) must be applied to one variable", token)
            return Derivative(Symbol(name), args[0], primes)
        if name in ("log", "exp"):
            if len(args) != 1:
                raise self.fail(f"{name} takes one argument", token)
            return Log(args[0]) if name == "log" else Exp(args[0])
        return Call(Symbol(name), args)

    # ---- derivatives ---------------------------------------------------------------------------------

    @staticmethod
    def is_differential(token: _Token, kind: str) -> bool:
        if kind == "d":
            return token.kind == "letter" and token.value == "d"
        return token.kind == "cmd" and token.value == kind

    @staticmethod
    def atom_start(token: _Token) -> bool:
        return token.kind in ("letter", "name") or (
            token.kind == "cmd" and token.value in _LETTER_COMMANDS | set(_DECORATIONS)
        )

    def derivative_kind(self, numerator: tuple[int, int], denominator: tuple[int, int]) -> str | None:
        ns, ne = numerator
        ds, de = denominator
        if ns >= ne or ds >= de:
            return None
        first, den_first = self.toks[ns], self.toks[ds]
        if self.is_differential(first, "partial") or self.is_differential(den_first, "partial"):
            return "partial"
        for kind in ("d", "delta"):
            if not (self.is_differential(first, kind) and self.is_differential(den_first, kind)):
                continue
            den_ok = ds + 1 < de and self.atom_start(self.toks[ds + 1])
            after = self.toks[ns + 1] if ns + 1 < ne else None
            num_ok = after is None or self.atom_start(after) or (after.kind == "sym" and after.value == "^")
            if den_ok and num_ok:
                return kind
        return None

    def parse_fraction(self, numerator: tuple[int, int], denominator: tuple[int, int], token: _Token) -> Node:
        """``\\frac`` or ``\\over`` with the position already after the fraction."""
        kind = self.derivative_kind(numerator, denominator)
        if kind is None:
            top = self.within(*numerator, self.parse_additive)
            bottom = self.within(*denominator, self.parse_additive)
            return Div(top, bottom)

        def parse_numerator() -> tuple[int, Node | None]:
            self.pos += 1
            order = 1
            if self.at("^"):
                self.pos += 1
                order = self.integer(*self.group_range())
            if self.peek().kind == "eof":
                return order, None
            return order, self.parse_additive()

        def parse_denominator() -> list[tuple[Node, int]]:
            items: list[tuple[Node, int]] = []
            while self.peek().kind != "eof":
                item = self.peek()
                if not self.is_differential(item, kind):
                    raise self.fail(
                        f"expected a differential in the derivative's denominator, found "
                        f"{self.describe(item)}",
                        item,
                    )
                self.pos += 1
                wrt = self.parse_factor()
                order = 1
                if (
                    isinstance(wrt, Pow)
                    and isinstance(wrt.exponent, Number)
                    and wrt.exponent.value.denominator == 1
                ):
                    order = int(wrt.exponent.value)
                    wrt = wrt.base
                if not _is_variable(wrt) or order < 1:
                    raise self.fail("a derivative must be taken with respect to a variable", item)
                items.append((wrt, order))
            return items

        order, of = self.within(*numerator, parse_numerator)
        items = self.within(*denominator, parse_denominator)
        if not items:
            raise self.fail("the derivative has no variable in its denominator", token)
        if sum(n for _, n in items) != order:
            raise self.fail(
                f"derivative order mismatch: numerator order {order}, denominator order "
                f"{sum(n for _, n in items)}",
                token,
            )
        if of is None:
            if not self.can_start_factor() or self.at_qualifier():
                raise self.fail("the derivative operator is not applied to anything", token)
            of = self.parse_factor()
        node = of
        for wrt, n in reversed(items):
            node = Derivative(node, wrt, n)
        return node

    def integer(self, start: int, end: int) -> int:
        tokens = self.toks[start:end]
        if (
            len(tokens) == 1
            and tokens[0].kind == "num"
            and tokens[0].value.isdigit()
            and int(tokens[0].value) >= 1
        ):
            return int(tokens[0].value)
        raise self.fail("a derivative order must be a positive integer", self.toks[start])

    def try_slash_derivative(self) -> Node | None:
        """``\\partial f / \\partial x`` or code-ish ``df/dx``; ``None`` (position restored) otherwise."""
        start = self.pos
        key = (start, self.limit)
        if key in self.failed_slash:
            return None
        kind = "partial" if self.peek().kind == "cmd" else "d"
        outer = self.in_slash
        self.in_slash = True  # no nested df/dx attempts inside this one: keeps the work linear
        try:
            self.pos += 1
            of = self.parse_factor()
            if not self.at("/"):
                raise _Backtrack
            self.pos += 1
            if not self.is_differential(self.peek(), kind):
                raise _Backtrack
            self.pos += 1
            wrt = self.parse_factor()
            if not _is_variable(wrt):
                raise _Backtrack
            return Derivative(of, wrt)
        except InputTooLargeError:
            raise
        except (ParseError, _Backtrack):
            self.pos = start
            self.failed_slash.add(key)
            return None
        finally:
            self.in_slash = outer

    def parse_nabla(self) -> Node:
        token = self.peek()
        self.pos += 1
        if not self.at("_"):
            raise self.fail("\\nabla needs a subscript naming the variable, e.g. \\nabla_{z} L", token)
        self.pos += 1
        wrt = self.within(*self.group_range(), self.parse_additive)
        if not _is_variable(wrt):
            raise self.fail("\\nabla_{..} must name a variable", token)
        if not self.can_start_factor() or self.at_qualifier():
            raise self.fail("the gradient \\nabla is not applied to anything", token)
        return Derivative(self.parse_factor(), wrt)

    # ---- sums ----------------------------------------------------------------------------------------

    def parse_sum(self) -> Node:
        token = self.peek()
        self.pos += 1
        lower_range: tuple[int, int] | None = None
        upper_range: tuple[int, int] | None = None
        for _ in range(2):
            if self.at("_") and lower_range is None:
                self.pos += 1
                lower_range = self.group_range()
            elif self.at("^") and upper_range is None:
                self.pos += 1
                upper_range = self.group_range()
        index: str | None = None
        lower: Node | None = None
        excluded: list[str] = []
        over: str | None = None
        if lower_range is not None:
            for start, end in self.sum_clauses(*lower_range):
                name, low, ex, ov = self.within(start, end, self.parse_sum_clause)
                if index is not None and name != index:
                    raise self.fail("the sum's subscript names two different indices", token)
                index = name
                if low is not None:
                    if lower is not None:
                        raise self.fail("the sum has two lower limits", token)
                    lower = low
                if ex is not None:
                    excluded.append(ex)
                if ov is not None:
                    over = ov
        upper = self.within(*upper_range, self.parse_additive) if upper_range is not None else None
        if not (self.can_start_factor() or self.at("-") or self.at("+")) or self.at_qualifier():
            raise self.fail("the sum has no body", token)
        body = self.parse_signed_term()
        return Sum(index, lower, upper, body, tuple(excluded), over)

    def sum_clauses(self, start: int, end: int) -> list[tuple[int, int]]:
        first = self.toks[start]
        if first.kind != "cmd" or first.value != "substack":
            return [(start, end)]
        opening = start + 1
        if (
            not (self.toks[opening].kind == "sym" and self.toks[opening].value == "{")
            or self.match[opening] != end - 1
        ):
            raise self.fail("\\substack needs one braced argument", first)
        clauses: list[tuple[int, int]] = []
        clause_start = opening + 1
        index = clause_start
        while index < end - 1:
            token = self.toks[index]
            if token.kind == "sym" and token.value == "{":
                index = self.match[index]
            elif token.kind == "br":
                clauses.append((clause_start, index))
                clause_start = index + 1
            index += 1
        clauses.append((clause_start, end - 1))
        return [(s, e) for s, e in clauses if e > s]

    def parse_sum_clause(self) -> tuple[str, Node | None, str | None, str | None]:
        name = self.index_name(self.peek())
        if self.peek().kind == "num":
            raise self.fail("the summation index must be a letter")
        self.pos += 1
        token = self.peek()
        if token.kind == "eof":
            return name, None, None, None
        self.pos += 1
        if token.kind == "sym" and token.value == "=":
            return name, self.parse_additive(), None, None
        if (token.kind == "sym" and token.value == "!=") or (
            token.kind == "cmd" and token.value in ("neq", "ne")
        ):
            excluded = self.index_name(self.peek())
            self.pos += 1
            return name, None, excluded, None
        if token.kind == "cmd" and token.value == "in":
            target = self.parse_factor()
            if not isinstance(target, Symbol) or target.indices:
                raise self.fail("\\sum_{t \\in S} needs a set name", token)
            return name, None, None, target.name
        raise self.fail(f"the sum's subscript is not understood at {self.describe(token)}", token)

    # ---- cases ---------------------------------------------------------------------------------------

    def parse_cases(self) -> Node:
        opening = self.peek()
        begin = self.pos
        depth = 0
        end = begin
        for index in range(begin, self.limit):
            kind = self.toks[index].kind
            depth += (kind == "begin") - (kind == "end")
            if depth == 0:
                end = index
                break
        else:
            raise self.fail("\\begin{cases} is not closed inside this group", opening)
        rows: list[tuple[int, int]] = []
        row_start = begin + 1
        index = row_start
        nested = 0
        while index < end:
            token = self.toks[index]
            if token.kind == "sym" and token.value == "{":
                index = self.match[index]
            elif token.kind in ("begin", "end"):
                nested += 1 if token.kind == "begin" else -1
            elif token.kind == "br" and nested == 0:
                rows.append((row_start, index))
                row_start = index + 1
            index += 1
        rows.append((row_start, end))
        branches: list[tuple[Node, Condition | None]] = []
        for start, stop in rows:
            if start == stop:
                continue
            amp = self.find_cell_separator(start, stop)
            if amp is None:
                raise self.fail("each cases row needs '& condition'", self.toks[start])
            expr = self.within(start, amp, self.parse_additive)
            condition = self.within(amp + 1, stop, self.parse_case_condition)
            branches.append((expr, condition))
        if not branches:
            raise self.fail("empty cases environment", opening)
        self.pos = end + 1
        return Cases(tuple(branches))

    def find_cell_separator(self, start: int, stop: int) -> int | None:
        nested = 0
        index = start
        while index < stop:
            token = self.toks[index]
            if token.kind == "sym" and token.value == "{":
                index = self.match[index]
            elif token.kind in ("begin", "end"):
                nested += 1 if token.kind == "begin" else -1
            elif token.kind == "sym" and token.value == "&" and nested == 0:
                return index
            index += 1
        return None

    def parse_case_condition(self) -> Condition | None:
        while (
            (self.peek().kind == "text" and self.peek().value in _CASE_LEADING_WORDS)
            or self.at(",")
            or self.at(":")
        ):
            self.pos += 1
        token = self.peek()
        if token.kind == "text" and token.value in ("otherwise", "else"):
            self.pos += 1
            return None
        if token.kind == "eof":
            raise self.fail("a cases row is missing its condition", token)
        return self.parse_condition()


# --------------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------------


def parse_claim(text: str) -> Claim:
    """Parse a posted derivative claim into a :class:`Claim` (raises only ``ParseError`` and subclasses)."""
    if not isinstance(text, str):
        raise ParseError(f"claim text must be a string, not {type(text).__name__}")
    _screen(text)
    tokens = _normalize_tokens(_Lexer(text).run(), text)
    if len(tokens) == 1:
        raise ParseError("empty claim: there is no formula to parse")
    parser = _Parser(text, tokens)
    try:
        sides = parser.parse_chain()
    except RecursionError:
        raise InputTooLargeError("claim is nested too deeply to parse") from None
    return Claim(tuple(sides), text, tuple(parser.qualifiers))


# --------------------------------------------------------------------------------------------------------
# Formatting back to LaTeX
# --------------------------------------------------------------------------------------------------------

_DECORATION_COMMANDS: Final = {
    "hat": "hat",
    "bold": "mathbf",
    "cal": "mathcal",
    "tilde": "tilde",
    "bar": "bar",
    "bb": "mathbb",
}


def _wrap(latex: str) -> str:
    return f"\\left({latex}\\right)"


def _format_number(value: Fraction) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value.denominator == 1:
        return f"{sign}{value.numerator}"
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return f"{sign}\\frac{{{value.numerator}}}{{{value.denominator}}}"
    places = max(twos, fives)
    digits = str(value.numerator * 10**places // value.denominator).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def _format_name(name: str) -> str:
    if name in _LETTER_COMMANDS:
        return f"\\{name}"
    if len(name) == 1 or name.isdigit():
        return name
    return f"\\operatorname{{{name}}}"


def _format_index(node: Node, alone: bool) -> str:
    text = format_node(node)
    if alone and isinstance(node, Number) and node.value.denominator == 1 and len(text) == 2:
        return f"{{{text}}}"  # a lone two-digit index would read as two indices
    return text


def _format_symbol(symbol: Symbol) -> str:
    base = _format_name(symbol.name)
    if symbol.decoration is not None:
        command = _DECORATION_COMMANDS[symbol.decoration]
        if command == "mathbf" and symbol.name in _LETTER_COMMANDS:
            command = "boldsymbol"
        base = f"\\{command}{{{base}}}"
    if symbol.indices:
        alone = len(symbol.indices) == 1
        base += "_{" + ",".join(_format_index(index, alone) for index in symbol.indices) + "}"
    if symbol.example is not None:
        base += f"^{{({format_node(symbol.example)})}}"
    base += "'" * symbol.primes
    if symbol.transposed:
        base += "^{\\top}"
    return base


def _is_tight(node: Node) -> bool:
    """Nodes that never need parentheses as a factor."""
    return isinstance(
        node, (Number, Symbol, Call, Div, Pow, Log, Exp, Transpose, Derivative, KroneckerDelta, Cases)
    )


def _format_factor(node: Node, last: bool) -> str:
    if _is_tight(node) or (last and isinstance(node, Sum)):
        return format_node(node)
    return _wrap(format_node(node))


def _format_add_term(node: Node) -> str:
    return _wrap(format_node(node)) if isinstance(node, Add) else format_node(node)


def _format_neg_operand(node: Node) -> str:
    return _wrap(format_node(node)) if isinstance(node, (Add, Hadamard, Neg)) else format_node(node)


def _format_sum(node: Sum) -> str:
    out = "\\sum"
    clauses: list[str] = []
    if node.index is not None:
        index = _format_name(node.index)
        if node.lower is not None:
            clauses.append(f"{index} = {format_node(node.lower)}")
        clauses.extend(f"{index} \\neq {_format_name(name)}" for name in node.excluded)
        if node.over is not None:
            clauses.append(f"{index} \\in \\mathcal{{{_format_name(node.over)}}}")
        if not clauses:
            clauses.append(index)
    if len(clauses) == 1:
        out += f"_{{{clauses[0]}}}"
    elif clauses:
        out += "_{\\substack{" + " \\\\ ".join(clauses) + "}}"
    if node.upper is not None:
        out += f"^{{{format_node(node.upper)}}}"
    body = node.body
    wrapped = isinstance(body, (Add, Neg))
    return f"{out} {_wrap(format_node(body)) if wrapped else format_node(body)}"


def _format_derivative(node: Derivative) -> str:
    power = "" if node.order == 1 else f"^{{{node.order}}}"
    wrt = format_node(node.wrt)
    if isinstance(node.wrt, Call):
        wrt = f"{wrt}{power}"
    else:
        wrt = f"{wrt}{power}"
    if isinstance(node.of, (Symbol, Call, Log, Exp, Number)):
        return f"\\frac{{\\partial{power} {format_node(node.of)}}}{{\\partial {wrt}}}"
    return f"\\frac{{\\partial{power}}}{{\\partial {wrt}}} {_wrap(format_node(node.of))}"


def _format_condition(condition: Condition | None) -> str:
    if condition is None:
        return "\\text{otherwise}"
    op = "=" if condition.op == "=" else "\\neq"
    return f"\\text{{if }} {format_node(condition.left)} {op} {format_node(condition.right)}"


def format_node(node: Node) -> str:
    """Render a node as clean, MathJax-safe LaTeX that :func:`parse_claim` reads back to the same node."""
    if isinstance(node, Number):
        return _format_number(node.value)
    if isinstance(node, Symbol):
        return _format_symbol(node)
    if isinstance(node, Call):
        return f"{_format_symbol(node.function)}{_wrap(', '.join(format_node(a) for a in node.args))}"
    if isinstance(node, Add):
        parts = [_format_add_term(node.terms[0])]
        for term in node.terms[1:]:
            if isinstance(term, Neg):
                parts.append(f" - {_format_neg_operand(term.operand)}")
            else:
                parts.append(f" + {_format_add_term(term)}")
        return "".join(parts)
    if isinstance(node, Mul):
        count = len(node.factors)
        return " \\cdot ".join(_format_factor(f, k == count - 1) for k, f in enumerate(node.factors))
    if isinstance(node, Div):
        return f"\\frac{{{format_node(node.numerator)}}}{{{format_node(node.denominator)}}}"
    if isinstance(node, Pow):
        base = node.base
        simple = isinstance(base, (Number, Symbol, Call, KroneckerDelta))
        base_text = format_node(base) if simple else _wrap(format_node(base))
        return f"{base_text}^{{{format_node(node.exponent)}}}"
    if isinstance(node, Neg):
        return f"-{_format_neg_operand(node.operand)}"
    if isinstance(node, Log):
        return f"\\log{_wrap(format_node(node.arg))}"
    if isinstance(node, Exp):
        return f"e^{{{format_node(node.arg)}}}"
    if isinstance(node, Transpose):
        return f"{_wrap(format_node(node.operand))}^{{\\top}}"
    if isinstance(node, Hadamard):
        left = format_node(node.left)
        if isinstance(node.left, (Add, Neg, Sum)):
            left = _wrap(left)
        right = format_node(node.right)
        if isinstance(node.right, (Add, Neg, Sum, Mul, Hadamard)):
            right = _wrap(right)
        return f"{left} \\odot {right}"
    if isinstance(node, Sum):
        return _format_sum(node)
    if isinstance(node, Derivative):
        return _format_derivative(node)
    if isinstance(node, KroneckerDelta):
        return f"\\delta_{{{format_node(node.i)},{format_node(node.j)}}}"
    if isinstance(node, Cases):
        rows = " \\\\ ".join(f"{format_node(e)} & {_format_condition(c)}" for e, c in node.branches)
        return f"\\begin{{cases}} {rows} \\end{{cases}}"
    raise TypeError(f"not an AST node: {node!r}")


def format_claim(claim: Claim) -> str:
    """Render a whole claim as one LaTeX chain."""
    return " = ".join(format_node(side) for side in claim.sides)
