r"""From the formulas of a text to the token stream of the grammar: the lexer and its passes.

:func:`tokenize` runs, for one formula, the characters (:mod:`derive.claims.formulas`), the lexer
(:mod:`derive.claims.lexer`) and the passes below, in order: structure (environments, ``&``, nesting),
letter runs and index names (LaTeX), prose words, labels, equation numbers, punctuation, the spaces and
line breaks that separate equations; then the decisions that need look-ahead and rename tokens so that
the grammar stays LALR(1): continuation lines, function calls, named sums, differential marks
(``DMARK``/``DFRAC``/``DSLASH``), conditions (``CONDWORD``/``CONDCOMMA`` ...), ranges and qualifiers.
Each pass is small and says what it decides; a new spelling belongs in :mod:`derive.claims.lexicon`.
"""

from __future__ import annotations

import re
from typing import Final

from derive.claims import lexicon as lx
from derive.claims.formulas import (
    Segment,
    Syntax,
    fail,
    normalize,
    one_line,
    where,
)
from derive.claims.lexer import (
    BINARY,
    OPERAND_END,
    OPERAND_START,
    WORD_TOKENS,
    Tok,
    _Lexer,
    is_prose_word,
    make_token,
    retype,
)
from derive.errors import InputTooLargeError, ParseError

#: Tokens in one formula: enough for any posted formula (the longest corpus item has about 600), small
#: enough that a deeply nested formula stays far from the interpreter's recursion limit.
MAX_TOKENS: Final = 1_500

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


def _brace_cases(tokens: list[Tok]) -> list[Tok]:
    r"""``\left\{ \begin{array}{ll} p_i - 1 & \text{if } i = y \\ ... \end{array} \right.``: an array (or
    matrix) opened by a lone brace is cases, as pages wrote them before ``cases``."""
    out = list(tokens)
    for index, token in enumerate(tokens[:-1]):
        if token.type != "LSET" or tokens[index + 1].type != "BEGIN_MATRIX":
            continue
        depth = 0
        for end in range(index + 1, len(tokens)):
            if tokens[end].type == "BEGIN_MATRIX":
                depth += 1
            elif tokens[end].type == "END_MATRIX":
                depth -= 1
                if depth == 0:
                    break
        else:
            continue
        if end + 1 < len(tokens) and tokens[end + 1].type == "RSET":
            continue  # \{ a \} around a matrix: a set, not cases
        out[index] = retype(token, "DROP")
        out[index + 1] = retype(tokens[index + 1], "BEGIN_CASES", "cases")
        out[end] = retype(tokens[end], "END_CASES", "cases")
    return [token for token in out if token.type != "DROP"]


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


def _index_tokens(run: Tok, word: str) -> list[Tok]:
    """``ij`` in a subscript -> ``i , j``; ``out`` -> one index name."""
    if not lx.index_letters(word):
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
            elif word == "sum" and end < len(tokens) and tokens[end].type in ("SUB", "POW"):
                kind, value = "SUM", "sum"  # sum_j y_j \log \hat y_j: a sum written without its backslash
            elif word in lx.SEPARATOR_WORDS:
                kind, value = "SEPWORD", word
            elif word in lx.LATEX_CONNECTIVES:
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


def _bold_differentials(tokens: list[Tok]) -> list[Tok]:
    r"""``d\mathbf{z} = ...`` at the start of a formula: the d of a differential (Ng's dz, dW for the
    gradient), as ``\mathrm{d}\mathbf{z}`` is, never only the letter d times a bold vector (both readings
    are tried, as for ``\mathrm{d}``)."""
    if len(tokens) >= 2 and tokens[0].type == "D" and tokens[1].type == "DECOR" and tokens[1].value == "bold":
        return [retype(tokens[0], "DIFF"), *tokens[1:]]
    return tokens


def _bold_letters_e(tokens: list[Tok]) -> list[Tok]:
    r"""``\mathbf{e}_y``, ``\vec{e}_c``: a bold (or arrowed) e is a vector's name (the basis vector), never
    Euler's number, so it is not refused as a bare e."""
    for index in range(len(tokens) - 3):
        decor, brace, letter, close = tokens[index : index + 4]
        if (
            decor.type == "DECOR"
            and decor.value in ("bold", "vec")
            and (brace.type, letter.type, close.type) == ("LBRACE", "LETTER", "RBRACE")
            and letter.value == "e"
        ):
            letter.fixed = True
    return tokens


def _text_indicator_braces(tokens: list[Tok]) -> list[Tok]:
    """Plain text: ``1{k = y}`` is the indicator written with braces (LaTeX's ``1\\{k = y\\}``)."""
    out = list(tokens)
    pairs = _pairs(tokens)
    for index in range(len(out) - 1):
        if out[index].type != "NUMBER" or out[index].value != "1":
            continue
        opening = index + 1
        if out[opening].type == "RBRACE" and opening + 1 < len(out):
            opening += 1  # 𝟙{k = y}: \mathbb{1} then the braces
        if out[opening].type != "LBRACE":
            continue
        close = pairs.get(opening)
        if close is not None and {t.type for t in out[opening + 1 : close]} & {"EQ", "NEQ"}:
            out[opening] = retype(out[opening], "LSET")
            out[close] = retype(out[close], "RSET")
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


def _applied_function(tokens: list[Tok], prose: list[bool], i: int) -> bool:
    """``is log p_i = ...``: a function's name before the formula it is applied to (not prose), as the
    words before it are."""
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    return (
        tokens[i].type == "FUNC"
        and following is not None
        and not prose[i + 1]
        and following.type in OPERAND_START
        and not following.newline
    )


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
        if before.type in BINARY | _OPENERS | {
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
        if after.type in BINARY | _CLOSERS | {"RBRACE", "PRIME", "POSTT"}:
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
                token.type in WORD_TOKENS | {"NUMBER", "FUNC"}
                and (left or right)
                and (text or (left and right))
                and not _attached(tokens, i)
                and not _applied_function(tokens, prose, i)
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
                and str(before.value) not in lx.EQUALS_WORDS
                and str(after.value) not in lx.EQUALS_WORDS  # x is is: no formula after 'is'
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


_RELATIONS: Final = frozenset({"EQ", "NEQ", "APPROX", "ARROW"})


def _equation_numbers(original: str, tokens: list[Tok]) -> list[Tok]:
    """``(1)`` at the end of a row that states an equation, after white space, is an equation number."""
    out: list[Tok] = []
    index = 0
    equation = False  # a relation outside groups; without one ``(2)`` is an operand (``d/dz (2)``)
    while index < len(tokens):
        token = tokens[index]
        if (token.type == "ROWSEP" or token.newline) and token.depth == 0:
            equation = False
        if token.type in _RELATIONS and token.depth == 0:
            equation = True
        if (
            equation
            and token.type == "LPAR"
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


def _norms(tokens: list[Tok]) -> list[Tok]:
    r"""``\|W\|^2``, ``||w||``: two double bars at one bracket depth, with nothing closing between them,
    open and close a norm (``LNORM``, ``RNORM``); a lone one stays a separator (``KL(p || q)``)."""
    out = list(tokens)
    depth = 0
    waiting: dict[int, int] = {}  # bracket depth -> the index of a double bar waiting for its partner
    for index, token in enumerate(tokens):
        if token.type in _PAIRS:
            depth += 1
        elif token.type in _CLOSING:
            waiting.pop(depth, None)
            depth = max(depth - 1, 0)
        elif token.type == "DBAR" and depth in waiting:
            opened = waiting.pop(depth)
            out[opened], out[index] = retype(tokens[opened], "LNORM"), retype(token, "RNORM")
        elif token.type == "DBAR":
            waiting[depth] = index
    return out


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
            following.type in (_ITEM_START | {"LBRACK_T", "FNAME"}) - {"PLUS", "MINUS", "BECAUSE", "CONDWORD"}
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


def _ordered_mark(tokens: list[Tok], start: int) -> int | None:
    """``d^{2} L``: the mark of a derivative's numerator that carries its order, before the operand at
    ``start``."""
    if start < 5 or [t.type for t in tokens[start - 4 : start]] != ["POW", "LBRACE", "NUMBER", "RBRACE"]:
        return None
    mark = start - 5
    return mark if tokens[mark].type in ("D", "PARTIAL") else None


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
            called = position > 0 and tokens[position - 1].type in ("FUNC", "FUNCCALL")
            if tokens[position].type == "LPAR" and called:
                position -= 1  # ∂log(p_k)/∂z_i: a function's call is the operand
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
        first = index + 1
        bracketed = (
            first < len(tokens)
            and tokens[first].type == "LPAR"
            and first in self.pairs
            and _ordered_mark(tokens, _operand_start(tokens, index, self.pairs) or 0) is not None
        )
        if bracketed:
            first += 1  # d^2 L / (dz_i dz_j): the denominator in brackets
        right = _mark_kind(tokens, first)
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
            elif (ordered := _ordered_mark(tokens, start)) is not None:
                left_mark = ordered  # d^2 L / dz_i dz_j: a second derivative in plain text
        if left_mark is None or not _compatible(_mark_kind(tokens, left_mark), right):
            return
        self.mark(left_mark)
        self.rename[index] = "DSLASH"
        if bracketed:
            self.drop.update({index + 1, self.pairs[index + 1]})
        self.mark(first)
        if tokens[left_mark + 1].type == "POW":
            self._more_differentials(first + 1)
        if left_mark == index - 1:
            self._operand_in_brackets(first)

    def _operand_in_brackets(self, first: int) -> None:
        """``d/dz_k (-log p_y)``: the brackets after the variable hold what the operator differentiates
        (a group of its own), never arguments of the variable as a function's."""
        tokens = self.tokens
        index = first + (0 if tokens[first].type == "DRUN" else 1) + 1
        while index < len(tokens) and tokens[index].type in ("SUB", "POW"):
            index = _skip_script(tokens, index, self.pairs)
        if index < len(tokens) and tokens[index].type == "LPAR" and index in self.pairs:
            self.rename[index], self.rename[self.pairs[index]] = "LBRACE", "RBRACE"

    def _more_differentials(self, index: int) -> None:
        """The differentials after the first one of a plain-text derivative of order 2 (``dz_i dz_j``)."""
        tokens = self.tokens
        while index < len(tokens):
            if tokens[index].type in ("LETTER", "NUMBER"):
                index += 1  # the first differential's variable (dz, split later, holds it)
            while index < len(tokens) and tokens[index].type in ("SUB", "POW"):
                index += 1
                if index < len(tokens) and tokens[index].type == "LBRACE":
                    index = self.pairs.get(index, index)
                index += 1
            if index < len(tokens) and tokens[index].type == "DRUN":
                self.mark(index)
                index += 1
                continue
            following = tokens[index + 1].type if index + 1 < len(tokens) else None
            if index < len(tokens) and tokens[index].type == "PARTIAL" and following == "LETTER":
                self.mark(index)  # ∂²L/∂z_i∂z_j: the second differential
                index += 1
                continue
            return

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
        elif token.type in ("COMMA", "COLON") and token.depth == 0 and index > 0:
            found, kind = (
                _relations(tokens, index + 1, pairs),
                "CONDCOMMA" if token.type == "COMMA" else "CONDCOLON",
            )
            spaced = index + 1 < len(tokens) and tokens[index + 1].gap >= lx.BIG_SPACE
            unequal = found is not None and any(t.type == "NEQ" for t in tokens[index + 1 : found[0]])
            if found is not None and spaced and not unequal:
                # ,\quad j = c reads as a second equation (joined to the claim as its condition later);
                # ,\quad i \neq j is no equation: only a condition
                found = None
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
        # "(where a = softmax(z))": words in parentheses end at the closing one, which goes with them
        bracketed = bool(out) and out[-1].type == "LPAR"
        parens = 0
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
            elif bracketed and kind == "LPAR":
                parens += 1
            elif bracketed and kind == "RPAR":
                if parens == 0:
                    break
                parens -= 1
            last = position
            position += 1
        closed = bracketed and position < len(tokens) and tokens[position].type == "RPAR"
        if closed:
            out.pop()
        merged = _merge(tokens, index, last, "QUALIFIER")
        out.append(retype(merged, "QUALIFIER", one_line(original[merged.start_pos : merged.end_pos])))
        out[-1].end_pos = merged.end_pos
        index = last + 2 if closed else last + 1
    return out


def _prose_separators(tokens: list[Tok]) -> list[Tok]:
    r"""Prose followed by a formula separates it from what came before (``\text{or equivalently}``)."""
    out: list[Tok] = []
    for index, token in enumerate(tokens):
        if token.type == "PROSE" and index + 1 < len(tokens) and tokens[index + 1].type in _ITEM_START:
            said = _CLASS_WORDS_THEN.match(str(token.value))
            if said is not None:
                # "p_i - 1 for the true class and p_i for the others": the words are the formula's condition
                # (kept as its prose), and "and" starts the next formula
                out.append(retype(token, "PROSE", said["words"]))
                out.append(retype(token, "COMMA", ","))
                continue
            out.append(retype(token, "PROSESEP"))
            continue
        out.append(token)
    return out


#: Words that say which class a formula is for, then a connective before the next formula.
_CLASS_WORDS_THEN: Final = re.compile(
    rf"^(?P<words>\s*(?:for|when|if)\s+(?:[a-z]\s+is\s+)?(?:the\s+)?{lx.TRUE_CLASS_WORDS})\s*(?:,\s*)?"
    r"(?:and|but|while|whereas)?\s*$",
    re.I,
)


def tokenize(original: str, segment: Segment, syntax: Syntax) -> list[Tok]:
    """The grammar's tokens for one formula segment."""
    mode: Syntax = "text" if segment.kind in ("code", "text") else syntax
    chars = normalize(original, segment, mode)
    tokens = _Lexer(original, chars, mode).run()
    tokens = _marks_and_empty_groups(original, tokens)
    tokens = _structure(original, _brace_cases(tokens))
    tokens = _letter_runs(tokens) if mode == "latex" else _text_indicator_braces(_braced_index_words(tokens))
    tokens = _bold_differentials(_bold_letters_e(tokens))
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
    tokens = _norms(tokens)
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
        "LNORM": "a norm's \\|",
        "RNORM": "a norm's closing \\|",
    }
    return names.get(token.type, repr(str(token.value)))
