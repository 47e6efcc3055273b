r"""The lexer: the characters of one formula -> grammar tokens (through the lexicon's tables).

LaTeX commands are looked up in :mod:`derive.claims.lexicon` (an unknown one is ``unknown LaTeX command
\\foo at column N``); plain text is read word by word (``grad_output`` is one name, ``yhat_i`` a name and
an index).  The passes of :mod:`derive.claims.tokens` then group, mark and rename the tokens.
"""

from __future__ import annotations

import re
from typing import Final

from lark import Token

from derive.claims import lexicon as lx
from derive.claims.formulas import PROSE_MARK, Chars, Syntax, fail, matching
from derive.errors import ParseError

#: Short spellings of Greek letters in plain text (Python cannot name a variable lambda).
_GREEK_SHORT: Final = {"eps": "epsilon", "lambd": "lambda", "lamda": "lambda", "lmbda": "lambda"}
#: Two letters of the model typed together in plain text, read as a product as well as one name.
_MODEL_PRODUCTS: Final = frozenset({"Wx", "WX", "XW", "Xw", "xW", "Wh", "WH", "HW", "hW", "Wa", "WA", "AW"})

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
# Stage 4: tokens
# --------------------------------------------------------------------------------------------------------

#: Tokens that end an operand and tokens that start one: a big space or a line break between the two
#: separates equations; a ``.`` between the two is a multiplication.
OPERAND_END: Final = frozenset(
    "LETTER RUN DRUN D DELTA NUMBER RPAR RBRACK RBRACE RSET PRIME TOP DOTS END_CASES END_MATRIX FUNC "
    "POSTT SUM FNAME RNORM".split()
)
OPERAND_START: Final = frozenset(
    "LETTER RUN DRUN D DIFF DELTA NUMBER LPAR LBRACK LBRACE LSET FRAC SQRT PARTIAL NABLA SUM FUNC DECOR "
    "BEGIN_CASES BEGIN_MATRIX DOTS BOXED LNORM".split()
)
WORD_TOKENS: Final = frozenset({"LETTER", "RUN", "DRUN", "D", "DELTA"})
BINARY: Final = frozenset("PLUS MINUS MULOP DIVOP ODOT OSLASH OTIMES EQ NEQ POW SUB STARSTAR".split())

_UNDERSCORE_NAME_RE: Final = re.compile(r"[A-Za-z]{3,}(?:(?:\\_|_)[A-Za-z]{3,}[A-Za-z0-9]*)+")
_SCRIPT_WORD_RE: Final = re.compile(r"-?(?:[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*|\d+(?:\.\d+)?)")
_TRANSPOSE_THEN_WORD_RE: Final = re.compile(r"T[A-Za-z](?:_[A-Za-z0-9]+)*")
_TEXT_WORD_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*(?:'[a-z]+)*")
#: ``_ij`` after δ: two one-letter indices (one index alone is no Kronecker delta; pages write
#: ``\delta_ij`` for ``\delta_{ij}``).
_INDEX_PAIR: Final = re.compile(r" ?_(?P<i>[a-z])(?P<j>[a-z])(?![A-Za-z0-9])")
_PROSE_WORD_RE: Final = re.compile(r"[A-Za-z][a-z]+(?:'[a-z]+)*|[a-z]+'[a-z]+")
#: "w.r.t." (with respect to), whose dots are not products.
_WRT_DOTTED: Final = re.compile(r"(?<![A-Za-z])[wW]\.\s?[rR]\.\s?[tT]\.?(?![A-Za-z])")
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
            elif c in "wW" and (wrt := _WRT_DOTTED.match(s, self.i, self.stop)) is not None:
                self.emit("RUN", "wrt", self.i, wrt.end(), fixed=True)  # w.r.t.: one prose word
                self.i = wrt.end()
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
        head = word.split("'")[0]
        if "'" in word and len(head) == 1 and head.islower():
            word = head  # x'y is x prime times y; it's and I'm are words
        self.i = start + len(word)
        if "'" in word:
            self.emit("PROSE", word, start)  # it's, that's: a word of prose
            return
        if word in lx.DECLARATION_WORDS and re.match(r"[ \t]+[A-Za-z_]", s[self.i : self.i + 2]):
            self.space(0.0)
            return
        parts = word.split("_")
        head, sub = word, None
        indexed = all(parts) and len(parts[-1]) <= 2 and parts[-1].isalnum()
        if len(parts) == 2 and indexed:
            head, sub = parts
        elif len(parts) >= 3 and indexed and len(parts[-2]) > 2:
            head, sub = "_".join(parts[:-1]), parts[-1]  # y_hat_i, p_pred_j: a name and its index
        head_end = start + len(head)
        scripted = sub is not None or (head == "sum" and self.s[self.i : self.i + 1] in ("_", "^"))
        self.text_word(head, start, head_end, has_script=scripted)  # sum_j, sum_{j != i}, sum^K
        if sub is not None:
            self.emit("SUB", "_", head_end, head_end + 1)
            if sub.isdigit():
                self.emit("NUMBER", sub, head_end + 1, self.i)
            elif len(sub) == 2 and lx.index_letters(sub):
                self.emit("LBRACE", "{", head_end + 1, head_end + 1)
                self.emit("LETTER", sub[0], head_end + 1, head_end + 2)
                self.emit("COMMA", ",", head_end + 2, head_end + 2)
                self.emit("LETTER", sub[1], head_end + 2, head_end + 3)
                self.emit("RBRACE", "}", head_end + 3, head_end + 3)
            else:
                self.emit("LETTER" if len(sub) == 1 else "RUN", sub, head_end + 1, self.i, fixed=True)
            if head in ("grad", "nabla") and re.match(r"[ \t]*=(?!=)", s[self.i : self.stop]):
                # grad_z = p - y: the gradient by z of the loss the text does not name
                self.emit("LETTER", "L", self.i, self.i)

    def text_word(self, head: str, start: int, end: int, *, has_script: bool) -> None:
        head = _GREEK_SHORT.get(head, head)  # eps, lambd: the Greek letter as code spells it
        if head in lx.GREEK_WORDS:
            self.emit("DELTA" if head == "delta" else "LETTER", head, start, end)
        elif head == "sum" and has_script:
            self.emit("SUM", "sum", start, end)
        elif head in ("grad", "nabla") and has_script:
            self.emit("NABLA", "nabla", start, end)  # grad_z L, nabla_W L: the gradient by z, by W
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
            # Wx, XW: the weights beside the input, as pages type a product; any other word is one name
            self.emit("RUN", head, start, end, fixed=head not in _MODEL_PRODUCTS)

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
            close = matching(s, index, self.stop, "(", ")")
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
        end = word.end()
        if _TRANSPOSE_THEN_WORD_RE.fullmatch(word.group(0)):
            end = index + 1  # w^Tx: the transpose of w times x, not w to the power Tx
        self.emit("LBRACE", "{", index, index)
        inner = _Lexer(self.original, self.chars, self.syntax, index, end)
        inner.run()
        self.tokens.extend(inner.tokens)
        self.i = end
        self.emit("RBRACE", "}", end, end)

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
        close = matching(s, self.i, self.stop, "{", "}")
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
                pair = _INDEX_PAIR.match(self.s, self.i, self.stop)
                if pair is not None:  # δ_ij, \delta_ij: the Kronecker delta's two indices (as delta_ij's)
                    self._index_pair(pair)
            elif name == "Sigma" and (
                self.peek_past_spaces(self.i) in ("_", "^")
                # plain text's Σ before its summand (Σe^z, Σ(e^z)): the summation sign, as typed
                or (self.syntax == "text" and self.peek_past_spaces(self.i) not in ("", "=", ")", ",", ";"))
            ):
                self.emit("SUM", "Sigma", start)
                pair = _INDEX_PAIR.match(self.s, self.i, self.stop) if self.syntax == "text" else None
                if pair is not None:  # Σ_ij W_ij²: a double sum, as \sum_{i,j}
                    self._index_pair(pair)
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
        if name in lx.IMPLIES_COMMANDS:
            self.emit("SEPWORD", "then", start)
            return
        if name in lx.UNSUPPORTED_COMMANDS:
            raise self.fail(f"\\{name} ({lx.UNSUPPORTED_COMMANDS[name]}) is not supported", start)
        raise self.fail(f"unknown LaTeX command \\{name}", start)

    def _index_pair(self, pair: re.Match[str]) -> None:
        """``_ij`` as the braced pair ``_{i,j}``."""
        at = pair.start("i") - 1
        self.emit("SUB", "_", at, at + 1)
        self.emit("LBRACE", "{", at + 1, at + 1)
        self.emit("LETTER", pair["i"], at + 1, at + 2)
        self.emit("COMMA", ",", at + 2, at + 2)
        self.emit("LETTER", pair["j"], at + 2, at + 3)
        self.emit("RBRACE", "}", at + 3, at + 3)
        self.i = pair.end()

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
            written = self.original[self.offset(start) : self.offset(last - 1) + 1]
            inside = re.sub(r"^\\[A-Za-z]+\s*\{|\}$", "", written).strip()
            if inside not in lx.FOREIGN_CONNECTIVES:
                self.emit("PROSE", written, start)
                return
            words = inside  # \text{当 }: "when", in another language
        if "\\" in words or "$" in words or "{" in words:
            raise self.fail(f"LaTeX inside \\{name}{{...}} is not supported", start)
        lowered = lx.FOREIGN_CONNECTIVES.get(words.lower(), words.lower())
        if not lowered:
            self.space(0.0)  # 时, のとき: a "when" written after its condition
            return
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
