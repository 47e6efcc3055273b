"""Reading a claim: which syntax it is in, and every plausible reading of it, as claims in the IR.

One stage for three surface syntaxes. LaTeX and plain text go through the math reader
(:mod:`derive.claims.latex`), code through the code reader (:mod:`derive.claims.code`); both give the IR of
:mod:`derive.claims.ast`. A code claim has no left side: the result the code computes (inferred from its
names, or named by the user) becomes the right side, ``--means`` the left side, and the values the code
defines (its own loss) become definitions, exactly as ``--define`` would give them.

A text can have several plausible readings (``yhat`` as one name or as four letters); each is returned with
the choices it made, the preferred one first. The verdict stage judges each and reports ``ambiguous`` when
they disagree.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Final, Literal

from derive.choices import LossKind
from derive.claims import lexicon as lx
from derive.claims.ast import Cases, Claim, Condition, Derivative, Div, Exp, Neg, Node, Sum, Symbol
from derive.claims.latex import detect_math_syntax, parse_claim, read_math
from derive.claims.words import WRT_PHRASE, gradient_letter
from derive.errors import (
    DefinitionNotClaimError,
    DeriveError,
    ExpressionNotClaimError,
    NotationError,
    ParseError,
    UnstatedGradientError,
)

if TYPE_CHECKING:
    from derive.claims.code import CodeReading
    from derive.claims.mapping import Role

#: The most readings of one text that are judged.
MAX_READINGS = 4


@dataclass(frozen=True)
class ClaimReading:
    """One reading of a claim text: the claims it holds, and what it chose where the text allows several."""

    claims: tuple[Claim, ...]
    syntax: str
    choices: tuple[str, ...] = ()
    #: Values the text itself defines (code: its own loss), as (name, index pattern, definition) triples.
    definitions: tuple[tuple[str, tuple[str, ...], Node], ...] = ()
    #: The left side implied by the text (code: ``--means`` with the result's indices).
    means: Node | None = None
    notes: tuple[str, ...] = ()
    #: Mappings the reading itself chose (code whose classes are the rows: ``z_{ij}=Z_{ji}``), shown as
    #: a reading's choice.
    lets: tuple[str, ...] = ()
    #: A text detected as code but read as math (the code reader refused it): the code reader's refusal,
    #: which is the one to report when the math reading does not map either.
    code_error: DeriveError | None = None
    #: The loss the reading itself chose (code named as the sigmoid's derivative: ``sigmoid-bce``), shown
    #: in its choices; the user's ``--loss`` other than the default is kept.
    loss: LossKind | None = None
    #: Code whose softmax of no stated axis was read over each row: read again over each column, for the
    #: reading with the examples in columns (``dW = dZ @ X.T``); None when that cannot be read.
    columns_reading: ClaimReading | None = None
    #: The code's softmax of no stated axis was read over each row.
    softmax_rows_assumed: bool = False
    #: Code: the value judged, and ``--means`` for each other gradient it computes (``db = dH/db``).
    judged: str | None = None
    also: tuple[str, ...] = ()
    #: Code: the other gradients it computes that cannot be read.
    unread: tuple[str, ...] = ()


def detect_syntax(text: str) -> str:
    """``latex``, ``text``, ``python`` or ``code``."""
    from derive.claims.code import detect_code

    found = detect_code(text)
    if found is not None:
        return found[0]
    return detect_math_syntax(text)


def read_claim(
    text: str, syntax: str | None = None, means: str | None = None, named: tuple[tuple[str, str], ...] = ()
) -> tuple[ClaimReading, ...]:
    """Every plausible reading of a claim text, the preferred one first (raises ParseError when none).
    ``named`` are (page name, canonical name) pairs of the user's ``--let`` options (code: the variable of a
    result whose name does not say it)."""
    if syntax is not None:
        return _read(text, syntax, means, named)
    detected = detect_syntax(text)
    if detected not in ("python", "code"):
        return _with_code_reading(text, detected, means, named)
    try:
        return _read(text, detected, means, named)
    except DeriveError as code_error:
        # Code-like math (dSM[i]/dx[k] is SM[i] * ...) reads as math when it does not read as code.
        try:
            readings = _read(text, detect_math_syntax(text), means, named)
        except DeriveError:
            raise code_error from None
        note = f"read as math: as {detected} it did not read ({' '.join(str(code_error).split())[:120]})"
        return tuple(replace(r, notes=(*r.notes, note), code_error=code_error) for r in readings)


#: One line that assigns to a code name for a gradient (``dlogits = ...``, ``d_z = ...``, ``grad_logits =
#: ...``): math reads the name as a symbol of its own, code as the gradient its name says.
_CODE_ASSIGNMENT = re.compile(r"^\s*(?P<name>[A-Za-z]\w*)\s*=(?!=)[^\n=]*$")


def _with_code_reading(
    text: str, syntax: str, means: str | None, named: tuple[tuple[str, str], ...]
) -> tuple[ClaimReading, ...]:
    """The math readings of a text, and also its reading as Python when it is one assignment to a name that
    says what it is the gradient of (``dlogits = probs - y``), as code would name it: each reading is judged
    and shown."""
    match = _CODE_ASSIGNMENT.match(text)
    name = match["name"] if match is not None else ""
    gradient = _inferred_wrt(name, {}) is not None or _GENERIC_GRADIENT.fullmatch(name) is not None
    camel = re.fullmatch(r"d[A-Z][a-z]+", name) is not None  # dLogits, dScores
    code_name = len(name) > 2 and ("_" in name or name.islower() or camel) and gradient
    try:
        readings = _read(text, syntax, means, named)
    except DeriveError:
        if not code_name:
            raise
        readings = ()
    if not code_name:
        return readings
    try:
        code = _read(text, "python", means, named)
    except DeriveError:
        if not readings:
            raise
        return readings
    said = f"read as Python: {name} names a gradient"
    return (*readings, *(replace(r, choices=(*r.choices, said)) for r in code))


def _read(
    text: str, syntax: str, means: str | None, named: tuple[tuple[str, str], ...]
) -> tuple[ClaimReading, ...]:
    if syntax in ("python", "code"):
        return _read_code_claim(text, syntax, means, named)
    from derive.claims.mapping import excluded_index_summed

    math_syntax: Literal["latex", "text"] = "text" if syntax == "text" else "latex"
    label = _ENUMERATION_LABEL.match(text)
    if label is not None and "=" in text[label.end() :]:
        # (b) dL/dz_j = ...: a list's label, not a factor (every line's, in a list of several)
        text = re.sub(
            rf"(?m)^{_ENUMERATION_LABEL.pattern}(?=[^\n]*=)", lambda m: " " * len(m.group(0)), text
        )
    else:
        label = None
    if math_syntax == "latex":
        text = _typeset_plainly(text)
    text = _REMARK_SPLIT.sub(_one_remark, text)
    text = _SHAPE_NOTE.sub(lambda m: rf"\quad\text{{(shape {_plain_shape(m['shape'])})}}", text)
    ones = _ONES_VECTOR.search(text)
    if ones is not None:
        raise ParseError(
            rf"{ones.group(0).strip()}: a vector of ones with a subscript is not read (it may be a one-hot "
            r"vector); write \mathbf{1} alone, or the sum it takes (\sum_j y_j)"
        )
    said = (f"{label.group(0).strip()} at the start is read as a list's label",) if label is not None else ()
    readings = tuple(
        ClaimReading(
            tuple(
                excluded_index_summed(c)
                for c in _otherwise_joined(
                    _else_joined(_conditions_joined(_class_words_as_conditions(reading.claims)), math_syntax)
                )
            ),
            syntax,
            (*reading.choices, *said),
        )
        for reading in read_math(text, math_syntax)
    )
    readings = (*readings, *(error for r in readings if (error := _output_error(r)) is not None))
    return (*readings, *(example for r in readings if (example := _example_subscripts(r)) is not None))


#: The letters pages use for the example a bold vector belongs to (Bishop's x_n, t_n).
_EXAMPLE_LETTERS: Final = frozenset({"n", "m"})


def _example_subscripts(reading: ClaimReading) -> ClaimReading | None:
    r"""``\frac{\partial L}{\partial \mathbf{z}_n} = \mathbf{p}_n - \mathbf{y}_n``: a bold vector with the
    subscript n is example n's vector (Bishop's ``\mathbf{x}_n``) as often as entry n of one vector; read so
    as a further reading (the bold symbols with that subscript as ``\mathbf{z}^{(n)}``), shown, so that the
    two are judged and an answer that differs between them is ``ambiguous``."""
    from derive.claims.mapping import _Rewriter, _transform, walk

    class AsExample(_Rewriter):
        """Bold symbols whose one subscript is ``letter``, as example ``letter``'s vectors."""

        def __init__(self, letter: Symbol) -> None:
            self.letter = letter

        def __call__(self, node: Node) -> Node | None:
            if isinstance(node, Symbol) and node.decoration == "bold" and node.indices == (self.letter,):
                return replace(node, indices=(), example=self.letter)
            return None

    def example_letter(node: Node) -> Symbol | None:
        if (
            isinstance(node, Symbol)
            and node.decoration == "bold"
            and node.example is None
            and len(node.indices) == 1
            and isinstance(node.indices[0], Symbol)
            and node.indices[0].name in _EXAMPLE_LETTERS
        ):
            return node.indices[0]
        return None

    claims = []
    letter = Symbol("n")
    for claim in reading.claims:
        left = claim.sides[0]
        found = example_letter(left.wrt) if isinstance(left, Derivative) else None
        # \sum_n \boldsymbol{\phi}_n (\mathbf{y}_n - \mathbf{t}_n)^\top: a sum over n of bold vectors at n
        summed = [
            example_letter(node)
            for side in claim.sides[1:]
            for total in walk(side)
            if isinstance(total, Sum) and total.index in _EXAMPLE_LETTERS
            for node in walk(total.body)
            if example_letter(node) == Symbol(total.index)
        ]
        letter_found = found or next((n for n in summed if n is not None), None)
        if letter_found is None:
            return None
        letter = letter_found
        as_example = AsExample(letter)
        claims.append(replace(claim, sides=tuple(_transform(side, as_example) for side in claim.sides)))
    name = letter.name
    said = f"a bold vector with the subscript {name} read as example {name}'s vector (^{{({name})}})"
    return replace(reading, claims=tuple(claims), choices=(*reading.choices, said))


def _output_error(reading: ClaimReading) -> ClaimReading | None:
    r"""``\delta^L = a^L - y``: Nielsen's error of the output layer L, defined as the gradient by its
    weighted input, ``\delta^L_j = \partial C/\partial z^L_j``; read so as a further reading, with the
    choice shown (the text itself would only define a new symbol). With no layer written (``\delta = a - y``,
    Bishop's output units' ``\delta_k = y_k - t_k``) it is the same error of the one layer derive models;
    two indices are Kronecker's delta, and a numbered layer (``\delta^{(2)}``) may be a hidden one."""
    claims = []
    for claim in reading.claims:
        left = claim.sides[0]
        if (
            isinstance(left, Symbol)
            and left.name == "delta"
            and (left.layer is None or (isinstance(left.layer, Symbol) and left.layer.name == "L"))
            and left.example is None
            and not left.primes
            and len(left.indices) <= 1
            and len(claim.sides) > 1
            and not any(_derivative_of_an_entry(side) for side in claim.sides[1:])
        ):
            by = Symbol("z", left.indices, layer=left.layer)
            claim = replace(claim, sides=(Derivative(Symbol("H"), by), *claim.sides[1:]))
        claims.append(claim)
    if claims == list(reading.claims):
        return None
    said = "\\delta read as the output layer's error dH/dz (Nielsen's delta^L = dC/dz^L, Bishop's delta_k)"
    return replace(reading, claims=tuple(claims), choices=(*reading.choices, said))


def _derivative_of_an_entry(node: Node) -> bool:
    r"""``\frac{\partial a_j}{\partial z_j}``: a derivative of an entry of a vector, not of a loss (so a
    ``\delta_j`` equated to it is the page's own name for it)."""
    return isinstance(node, Derivative) and isinstance(node.of, Symbol) and bool(node.of.indices)


def _is_index_name(node: Node) -> bool:
    return isinstance(node, Symbol) and not node.indices and node.decoration is None and len(node.name) == 1


#: Words after an expression that make it the other branch of the claim before it.
_OTHERWISE: Final = re.compile(r"^\s*(?:\\text\s*\{)?\s*(?:otherwise|else|elsewhere)\b", re.I)


#: Words after a formula that say its index is the true class ("for the correct class", "when i is the true
#: class", "if k is the target label"), or any other class ("for the others", "for the other classes").
_TRUE_CLASS_WORDS: Final = re.compile(
    r"^\s*(?:\\text\s*\{)?\s*(?:for|when|if|where|at)\s+(?:(?P<index>[a-z])\s+(?:is|=)\s+)?(?:the\s+)?"
    rf"{lx.TRUE_CLASS_WORDS}\b[\s}}.,;:]*$",
    re.I,
)
_OTHER_CLASS_WORDS: Final = re.compile(
    r"^\s*(?:\\text\s*\{)?\s*(?:for|when|if|at)\s+(?:(?P<index>[a-z])\s+(?:is|=)\s+)?(?:the\s+|all\s+|every\s+|any\s+)?"
    rf"(?:others|(?:an?\s+)?{lx.OTHER_CLASS_WORDS})\b[\s}}.,;:]*$",
    re.I,
)


def _class_words_as_conditions(claims: tuple[Claim, ...]) -> tuple[Claim, ...]:
    """``dL/dz_i = p_i - 1 for the correct class, p_i otherwise``: words that say the formula's index is the
    true class (or another class) are that condition (``i = c``, ``i != c``; c a letter the claim does not
    use, which the mapping reads as the true class). The index is the left side's own, or the one the claim
    before had (for a lone ``p_i for the others``); words that name no index the claim has stay words."""
    out: list[Claim] = []
    index: str | None = None
    for claim in claims:
        own = _left_index(claim)
        index = own if own is not None else index
        conditions: list[Condition] = []
        kept: list[str] = []
        for words in claim.qualifiers:
            found = _TRUE_CLASS_WORDS.match(words) or _OTHER_CLASS_WORDS.match(words)
            named = found["index"] if found is not None and found["index"] else index
            if found is None or named is None or claim.conditions or conditions:
                kept.append(words)
                continue
            true_class = "c" if not _uses_letter(claim, "c") else "y"
            op: Literal["=", "!="] = "=" if found.re is _TRUE_CLASS_WORDS else "!="
            conditions.append(Condition(Symbol(named), op, Symbol(true_class)))
        if conditions:
            claim = replace(claim, qualifiers=tuple(kept), conditions=(*claim.conditions, *conditions))
        out.append(claim)
    return tuple(out)


def _left_index(claim: Claim) -> str | None:
    """The one index of what the claim's left side differentiates by (z_i in dL/dz_i), if any."""
    first = claim.sides[0] if len(claim.sides) > 1 else None
    if isinstance(first, Derivative) and isinstance(first.wrt, Symbol) and len(first.wrt.indices) == 1:
        only = first.wrt.indices[0]
        if isinstance(only, Symbol) and not only.indices:
            return only.name
    return None


def _uses_letter(claim: Claim, letter: str) -> bool:
    from derive.claims.mapping import walk

    return any(isinstance(n, Symbol) and n.name == letter for side in claim.sides for n in walk(side))


def _otherwise_joined(claims: tuple[Claim, ...]) -> tuple[Claim, ...]:
    r"""``... = \hat{y}_i - 1 \text{ if } i = c, \quad \hat{y}_i \text{ otherwise}``: an expression on its
    own followed by "otherwise", or with a condition of its own, is the next branch of the claim before it,
    which has conditions: the two are one piecewise right side."""
    joined: list[Claim] = []
    for claim in claims:
        last = joined[-1] if joined else None
        otherwise = any(_OTHERWISE.match(words) for words in claim.qualifiers)
        # "dL/dx_i = s_i otherwise" after "dL/dx_i = s_i - 1 if i == y": the same left side, restated
        value = claim.sides[-1] if len(claim.sides) == 1 else None
        if last is not None and len(claim.sides) == 2 and claim.sides[0] == last.sides[0]:
            value = claim.sides[1]
        previous = _branches(last) if last is not None else None
        branch: tuple[Node, Condition | None] | None = None
        if value is not None and not claim.conditions and otherwise:
            branch = (value, None)
        elif len(claim.sides) == 1 and len(claim.conditions) == 1:
            # "p_i(1 - p_i) if i = j; -p_i p_j if i != j": an expression with its own condition after a claim
            # with one is that claim's next branch
            branch = (claim.sides[0], claim.conditions[0])
        if last is not None and previous is not None and branch is not None:
            joined[-1] = replace(last, sides=(*last.sides[:-1], Cases((*previous, branch))), conditions=())
        elif otherwise and not claim.conditions:
            # "otherwise" with no condition before it to complete: judged alone it would be a claim for
            # every index, which the text does not make
            raise ParseError(
                "'otherwise' follows no formula with one condition that it completes; write the condition "
                "(for example 'if i != y')"
            )
        else:
            joined.append(claim)
    return tuple(joined)


#: Typesetting that says nothing a claim needs, rewritten to the form the reader reads (LaTeX only).
_TYPESETTING: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    # \overset{(a)}{=}, \stackrel{\text{chain rule}}{=}: an equals sign with a label above it
    (re.compile(r"\\(?:overset|stackrel)\s*\{(?:[^{}]|\{[^{}]*\})*\}\s*\{\s*=\s*\}"), " = "),
    # {\rm d}L, {\bf x}: the old font switches
    (re.compile(r"\{\s*\\(?:rm|mathrm)\s+([A-Za-z]+)\s*\}"), r"\\mathrm{\1}"),
    (re.compile(r"\{\s*\\bf\s+([A-Za-z]+)\s*\}"), r"\\mathbf{\1}"),
    # \mathrm d L, ^{\mathsf T}: a font command on one unbraced letter
    (re.compile(r"\\(mathrm|mathsf|mathbf|mathit|boldsymbol|bm)\s+([A-Za-z0-9])"), r"\\\1{\2}"),
    # \text{o.w.}, \text{o/w}: otherwise
    (re.compile(r"\\text\s*\{\s*o\s*[./]\s*w\.?\s*\}"), r"\\text{otherwise}"),
    # a trailing mark or equation number: (*), \qquad (3), \tag{2}, \blacksquare
    (
        re.compile(
            r"(?:\\q?quad|\\[,;!]|\s)*(?:\(\s*\*+\s*\)|\\(?:blacksquare|square|qed|Box)\b|\\tag\*?\{[^{}]*\}"
            r"|(?<=quad)\s*\(\s*[A-Z]?\.?\d+(?:\.\d+)*[a-z]?\s*\))\s*\.?\s*$"
        ),
        "",
    ),
    # a trailing range of the index: \quad (i = 1, 2, \dots, K), \quad \forall i \in \{1, \ldots, K\}
    (
        re.compile(
            r"(?:\\q?quad|\\[,;]|,)\s*\(?\s*(?:\\forall\s*)?[a-z]\s*(?:=|\\in)\s*(?:[01]|\\\{)[^=()]*?"
            r"(?:\b[KCkNn]|\\[lc]?dots|\\\})\s*\)?\s*[.,]?\s*$"
        ),
        "",
    ),
    # ... and as inequalities: \quad (1 \le i \le K), \quad 1 \leq j \leq C
    (
        re.compile(
            r"(?:\\q?quad|\\[,;]|,)\s*\(?\s*[01]\s*(?:\\leq?|<=?|≤)\s*[a-z]\s*(?:\\leq?|<=?|≤)\s*"
            r"(?:[KCkNn]|\|\w+\|)\s*\)?\s*[.,]?\s*$"
        ),
        "",
    ),
)


def _typeset_plainly(text: str) -> str:
    """The LaTeX with the typesetting of ``_TYPESETTING`` rewritten (labels over =, old fonts, trailing
    marks, equation numbers and index ranges): what it says is unchanged."""
    for pattern, replacement in _TYPESETTING:
        text = pattern.sub(replacement, text)
    return text


#: A list's label before a formula: ``(b)``, ``(iii)``, ``2)``, ``2.``, ``a)`` (then a space).
_ENUMERATION_LABEL: Final = re.compile(
    r"\s*(?:\((?:[a-h]|[ivx]{1,4}|\d{1,2})\)|(?:[a-h]|[ivx]{1,4}|\d{1,2})\)|\d{1,2}\.(?!\d))[ \t]+(?=\S)"
)

#: A remark in parentheses at the end of a formula whose words hold a symbol, written in text groups around
#: it (``\text{(one-hot } y\text{)}``) or in parentheses around one (``(\text{one-hot } y)``): one remark.
_REMARK_SPLIT: Final = re.compile(
    r"(?:\\text\s*\{\s*\((?P<open>[^{}()]*)\}(?P<math>[^{}()=]{1,30}?)\\text\s*\{(?P<close>[^{}()]*)\)\s*\}"
    r"|\(\s*\\text\s*\{(?P<open2>[A-Za-z][^{}()]*\s)\}(?P<math2>\s*[A-Za-z](?:_\{?\w+\}?)?\s*)\))\s*\.?\s*$"
)


#: A shape written after a formula: ``... \quad (d \times K)``, ``, (N x C)``: a remark, never a factor.
_SHAPE_NOTE: Final = re.compile(
    r"(?:\\q?quad|\\[,;:]|,|\s{2,})\s*\(\s*(?P<shape>[A-Za-z0-9](?:_\{?\w+\}?)?\s*(?:\\times|x|×|\*)\s*"
    r"[A-Za-z0-9](?:_\{?\w+\}?)?)\s*\)\s*[.,;]?\s*$"
)


def _plain_shape(shape: str) -> str:
    r"""``d \times K`` as words: ``d x K``."""
    return " ".join(re.sub(r"\\times|×|\*", " x ", shape).replace("{", "").replace("}", "").split())


def _one_remark(match: re.Match[str]) -> str:
    """The remark's words and symbol as one text group."""
    words = [match[name] or "" for name in ("open", "math", "close", "open2", "math2")]
    return f"\\text{{({' '.join(' '.join(words).split())})}}"


#: A vector of ones with its length as a subscript (``\mathbf{1}_N``; ``\mathbf{1}_c`` may be one-hot), never
#: the indicator ``\mathbb{1}_{i=j}``.  An unsubscripted ``\mathbf{1}^\top M`` is read (a sum over rows).
_ONES_VECTOR: Final = re.compile(
    r"\\(?:mathbf|boldsymbol|bm|vec|mathbb)\s*\{\s*1\s*\}\s*_\s*\{?\s*[NnmKkCcd]\s*\}?(?!\s*=)"
)


def _else_joined(claims: tuple[Claim, ...], syntax: Literal["latex", "text"]) -> tuple[Claim, ...]:
    r"""``p_i (1 - p_j) if i == j else -p_i p_j`` (``\text{ if } i = j \text{ else } ...``): the formula after
    "else" (or "otherwise") in the words after a claim with one condition is its other branch; the two are
    one piecewise right side. A formula there that does not read is refused, never dropped."""
    from derive.claims.math_read import read_math

    joined: list[Claim] = []
    for claim in claims:
        found = [(words, m) for words in claim.qualifiers if (m := _OTHERWISE.match(words))]
        rest = found[0][0][found[0][1].end() :].strip().lstrip("}").strip(" ,;:.") if found else ""
        if not rest or len(claim.conditions) != 1 or len(claim.sides) < 2:
            joined.append(claim)
            continue
        readings = read_math(rest, syntax)
        single = [r.claims[0] for r in readings if len(r.claims) == 1 and len(r.claims[0].sides) == 1]
        values = {one.sides[0] for one in single}
        if len(values) != 1 or any(r.claims[0].conditions for r in readings):
            raise ParseError(f"the formula after 'else' ({rest[:60]}) does not read as one expression")
        (value,) = values
        branches = ((claim.sides[-1], claim.conditions[0]), (value, None))
        qualifiers = tuple(words for words in claim.qualifiers if words != found[0][0])
        joined.append(
            replace(claim, sides=(*claim.sides[:-1], Cases(branches)), conditions=(), qualifiers=qualifiers)
        )
    return tuple(joined)


def _branches(claim: Claim) -> tuple[tuple[Node, Condition | None], ...] | None:
    """The branches a claim's right side has so far: its one condition's, or those of a piecewise right side
    whose every branch has a condition; None when another branch cannot follow."""
    if len(claim.sides) < 2:
        return None
    if len(claim.conditions) == 1:
        return ((claim.sides[-1], claim.conditions[0]),)
    last = claim.sides[-1]
    if not claim.conditions and isinstance(last, Cases) and all(c is not None for _, c in last.branches):
        return last.branches
    return None


def _conditions_joined(claims: tuple[Claim, ...]) -> tuple[Claim, ...]:
    r"""``... = a_j - 1,\quad j = c``: an "equation" of two index letters after a claim is that claim's
    condition (an index equal to an index is never a claim about the loss)."""
    joined: list[Claim] = []
    for claim in claims:
        if joined and len(claim.sides) == 2 and all(_is_index_name(side) for side in claim.sides):
            last = joined[-1]
            condition = Condition(claim.sides[0], "=", claim.sides[1])
            joined[-1] = replace(last, conditions=(*last.conditions, condition))
        else:
            joined.append(claim)
    return tuple(joined)


#: ``--means`` for code: ``dL/dx``, ``d cross_entropy / d y_pred``, ``-dFL/dz``, optionally naming the code
#: value it is about first: ``dW = dH/dW``.
_CODE_MEANS = re.compile(
    r"^\s*(?:(?P<value>[A-Za-z_][\w.]*(?:\[['\"]\w+['\"]\])?)\s*=\s*)?(?P<sign>-)?\s*(?:d|\\partial|∂)\s*\(?\s*(?P<of>[A-Za-z_][\w.]*)"
    r"\s*\)?\s*/\s*(?:d|\\partial|∂)\s*\(?\s*(?P<wrt>[A-Za-z_][\w.]*)\s*\)?\s*$"
)

#: Names code gives a model's parameters (Ng's theta, statistics' beta).
_PARAMETER_NAMES: Final = frozenset({"theta", "Theta", "thetas", "beta", "params"})
#: Words in the name of a function the text calls without defining that say it is the softmax
#: cross-entropy, and words that say it is another loss (or the cross-entropy of sigmoids).
_CROSS_ENTROPY_WORDS: Final = frozenset(
    {"ce", "xent", "crossentropy", "cross", "entropy", "nll", "nllloss", "logloss", "celoss", "lossce"}
)
_OTHER_LOSS_WORDS: Final = frozenset(
    {"bce", "binary", "sigmoid", "mse", "l1", "l2", "focal", "hinge", "kl", "smooth", "smoothing",
     "label", "weighted", "dice", "huber", "grad", "gradient", "derivative", "prime", "backward", "d"}
)  # fmt: skip

#: Result names that say which input they are the gradient by: dW, grad_W, W_grad, dL_dW, dloss_dlogits.
_GRADIENT_OF = (
    re.compile(r"^d(?:[A-Za-z]+_?d|_)?(?P<wrt>[A-Za-z]\w*)$"),
    re.compile(r"^grad_?(?P<wrt>[A-Za-z]\w*)$"),
    re.compile(r"^(?P<wrt>[A-Za-z]\w*?)_?grad$"),
)


def _read_code_claim(
    text: str, syntax: str, means: str | None, named: tuple[tuple[str, str], ...]
) -> tuple[ClaimReading, ...]:
    """The claims of a piece of code; where the claimed value uses the size of an axis of an input whose
    number of axes the code does not fix (``n = logits.shape[0]``, assumed one example's vector, where n is
    then the classes), the claims with those inputs as a batch's matrices too (``ambiguous`` when they
    disagree)."""
    from derive.claims.code import read_code

    kind: Literal["python", "code"] = "python" if syntax == "python" else "code"
    layered = _last_layer_claims(text, kind, syntax, means, named)
    if layered is not None:
        return layered
    from derive.claims.mapping import CANONICAL_BATCH

    # --let 'z=Z' says z is a batch's matrix, where the code does not say (--let 'x=z' names the logits,
    # and leaves whether x is one example's or a batch's to the code)
    matrices = [page for page, canonical in named if canonical in CANONICAL_BATCH]
    ranks = {page: 2 for page in matrices if re.fullmatch(r"[A-Za-z_]\w*", page)}
    reading = read_code(text, kind, named_ranks=ranks)
    seeds = _vector_seeds(reading, named)
    if seeds:
        # softmax_backward(grad_output, s) with no targets: no loss layer, so the gradient flowing in from
        # above is a vector of the output's shape (its name alone reads it as a loss layer's number, 1)
        reading = read_code(text, kind, ranks=dict.fromkeys(seeds, 1), named_ranks=ranks)
    readings, guessed = _code_claims(reading, text, syntax, means, named)
    if reading.softmax_rows_assumed:
        # softmax(Z) with no axis beside dW = dZ @ X.T: in columns, the softmax runs over each column
        try:
            columns_code = read_code(text, kind, softmax_columns=True, named_ranks=ranks)
            in_columns = _code_claims(columns_code, text, syntax, means, named)[0]
        except DeriveError:
            in_columns = ()
        columns = in_columns[0] if len(in_columns) == 1 else None
        readings = tuple(replace(r, columns_reading=columns, softmax_rows_assumed=True) for r in readings)
    if not guessed:
        return readings
    try:
        widened = read_code(text, kind, ranks=dict.fromkeys(guessed, 2), named_ranks=ranks)
        batch, _ = _code_claims(widened, text, syntax, means, named)
    except DeriveError:
        return readings
    names = ", ".join(sorted(guessed))
    one = f"{names}: one example's vectors (the size the code uses is then the classes')"
    many = f"{names}: a batch's matrices, the examples in rows (the size the code uses is then the batch's)"
    return (
        *(replace(r, choices=(*r.choices, one)) for r in readings),
        *(replace(r, choices=(*r.choices, many)) for r in batch),
    )


def _vector_seeds(reading: CodeReading, named: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """Numbers by their names only (``grad_output``, ``dout``) that are the gradient flowing in from above,
    in code with no targets and one vector the softmax's output (a softmax layer's backward): vectors."""
    from derive.claims.mapping import GUESSES

    given = dict(named)
    targets = reading.class_labels or any(
        given.get(n) in ("y", "Y") or GUESSES.get((n, None)) == "target" for n in reading.inputs
    )
    outputs = [
        n for n, axes in reading.inputs.items()
        if axes == 1 and (given.get(n) == "a" or GUESSES.get((n, None)) == "output" or n in _SOFTMAX_VALUE)
    ]  # fmt: skip
    if targets or len(outputs) != 1:
        return ()
    return tuple(n for n, axes in reading.inputs.items() if axes == 0 and _UPSTREAM_VECTOR.fullmatch(n))


def _last_layer_claims(
    text: str,
    kind: Literal["python", "code"],
    syntax: str,
    means: str | None,
    named: tuple[tuple[str, str], ...],
) -> tuple[ClaimReading, ...] | None:
    """The claims of code with hidden layers (``hidden = relu(X W1 + b1)``, ``scores = hidden W2 + b2``)
    about a later layer: its parameters' derivatives do not go through the layers before, so the layer's
    input (``hidden``) is read as the input X (x for one example), its weights as W and its bias as b, and
    the choice is shown. Each layer is tried from the last; None when the code has no hidden layer, or the
    claim is by a parameter the layer's input is computed from (W1)."""
    from derive.claims.code import code_layers, read_code
    from derive.claims.code_engine import WEIGHT_NAMES

    given = dict(named)
    for layer in code_layers(text, kind):
        try:
            reading = read_code(text, kind, layer=layer)
        except DeriveError:
            continue
        if reading.layer is None:
            continue
        role = {layer.input: "X" if reading.inputs[layer.input] == 2 else "x"}
        role |= {name: "W" if WEIGHT_NAMES.fullmatch(name) else "b" for name in layer.parameters}
        as_named = tuple((name, canonical) for name, canonical in role.items() if name not in given)
        lets = tuple(f"{name}={canonical}" for name, canonical in as_named)
        try:
            readings, _ = _code_claims(reading, text, syntax, means, (*named, *as_named))
        except DeriveError:
            continue
        if not all(_by(claim) not in {layer.input, *layer.upstream} for claim in readings):
            continue
        if any(_mentions(claim, layer.upstream & set(reading.inputs)) for claim in readings):
            continue  # dW2 = x.T @ g: the network's input x beside the layer's (never both read as X)
        said = (
            f"{', '.join(lets)}: the layer of {layer.parameters[0]} read alone, its input {layer.input} (a "
            "hidden layer's output) as the input (its parameters' derivatives do not go through the layers "
            "before)"
        )
        return tuple(replace(r, lets=(*r.lets, *lets), choices=(*r.choices, said)) for r in readings)
    return None


def _mentions(claim: ClaimReading, names: frozenset[str]) -> bool:
    """Whether a claim's sides or the values it defines use one of ``names``."""
    from derive.claims.mapping import walk

    nodes = [side for c in claim.claims for side in c.sides] + [node for _, _, node in claim.definitions]
    return any(isinstance(n, Symbol) and n.name in names for node in nodes for n in walk(node))


def _by(claim: ClaimReading) -> str | None:
    """The name a claim's left side differentiates by."""
    lhs = claim.means.operand if isinstance(claim.means, Neg) else claim.means
    if isinstance(lhs, Derivative) and isinstance(lhs.wrt, Symbol):
        return lhs.wrt.name
    return None


def _code_claims(
    reading: CodeReading, text: str, syntax: str, means: str | None, named: tuple[tuple[str, str], ...]
) -> tuple[tuple[ClaimReading, ...], frozenset[str]]:
    """The claims of a code reading, and the inputs assumed to be vectors whose size the claimed value
    uses."""
    from derive.claims.code import is_gradient_name, is_loss_name

    notes = list(reading.notes)
    value_name, sign, of, wrt = None, "", None, None
    also: list[tuple[str, str]] = []  # other gradients the code computes, and what each is by
    unread: tuple[str, ...] = ()
    if means is not None:
        match = _CODE_MEANS.match(means)
        if match is None:
            raise NotationError(
                f"--means {means!r}: for code write 'dL/dx' with names of the code or canonical ones "
                "(optionally 'dW = dL/dW' to name the value)"
            )
        value_name, sign, of, wrt = match["value"], match["sign"] or "", match["of"], match["wrt"]
    name = value_name or reading.result
    if value_name is None and wrt is not None:
        # --means 'dL/dW' on code that computes dW and then db: the value named as the gradient by W
        inputs = reading.inputs
        named_by = [v for v in reading.values if is_gradient_name(v) and _inferred_wrt(v, inputs) == wrt]
        if len(named_by) == 1 and named_by[0] != name:
            name = named_by[0]
            notes.append(f"the claimed value is {name}: its name says the gradient by {wrt} (--means)")
    if (name is None or name not in reading.values) and value_name is None:
        _refuse_a_loss_alone(reading, text, named)
    if name is None or name not in reading.values:
        raise NotationError(
            f"the code computes no value that reads as a gradient ({reading.result_reason}); "
            "name it with --means 'dW = dH/dW'"
        )
    if value_name is None and name == reading.result:
        notes.append(f"the claimed value is {name}: {reading.result_reason} (inferred)")
        # return dW, db: every other gradient is judged too (verdict.with_other_values), or named as not
        written = reading.returned.get(reading.result_function or "", ())
        computed = written if reading.result_function else reading.final_gradients
        others = [
            o
            for o in computed
            if o != name and o in reading.values and is_gradient_name(o)
            and reading.values[o].kind != "parameter"
            # MATLAB's [dW, db] = f(...) that never sets db: nothing computed
            and not _never_set(reading.values[o].node, o)
        ]
        # each other gradient whose name says what it is by is judged by it
        by = {o: _inferred_wrt(o, reading.inputs) for o in others} if means is None else {}
        also = [(o, variable) for o, variable in by.items() if variable is not None]
        unjudged = [o for o in others if o not in dict(also)]
        # gradients the code computes that cannot be read (a relu mask): the code is then not decided
        unread = tuple(o for o in computed if o != name and o not in reading.values and is_gradient_name(o))
        if unjudged:
            said = f"{', '.join(unjudged)} also {'returned' if written else 'computed'} and not judged here"
            notes.append(f"{said}; check with --means '{unjudged[0]} = dH/d...'")
    code = _Code(reading, name, text, syntax, named)
    for value in (reading.values[name], reading.values.get(reading.loss or "")):
        label = _label_as_number(value.node, reading.class_labels) if value is not None else None
        if value is not None and label is not None:
            raise NotationError(
                f"{label} holds class labels (the code indexes the classes with it), and {value.name} also "
                f"uses it as a number ({label} is not its one-hot vector); to check the code as meant, write "
                "the one-hot target there"
            )
    guessed = frozenset(
        n for n in code.used_names() & reading.assumed_axes if reading.inputs.get(n) == 1
    ) if code.sized_by_a_guess(anchored=False) else frozenset()
    if wrt is not None:
        assert of is not None
        if of not in reading.values and reading.loss is not None and of != "H" and is_loss_name(of):
            # --means 'dL/dlogits' with the code's loss named loss: L is the code's own (its .mean() over
            # every entry, its own terms), not the built-in loss; dH/d... still names the built-in one
            notes.append(f"{of} read as the code's loss {reading.loss} ({reading.loss_reason})")
            of = reading.loss
        return code.claims(of, wrt, sign, tuple(notes)), guessed
    # What the result is the gradient by, when --means does not say: its name (dW), the code's own words
    # at its definition, its one input read as the logits, the name delta, a Jacobian, a layer's inputs.
    # Each candidate is (variable, why, the mappings that reading chooses).
    candidates: list[tuple[str, str, tuple[str, ...]]] = []
    activation = code.activation_derivative()
    if activation is not None:
        return (code.sigmoid_derivative(activation, tuple(notes)),), guessed
    backward = code.softmax_backward(tuple(notes))
    if backward is not None:
        return (backward,), guessed
    inferred = _inferred_wrt(name, reading.inputs)
    head = reading.return_heads.get(name)
    if inferred is None and head is not None and (inferred := _inferred_wrt(head, reading.inputs)):
        notes.append(f"{name} returns {head}, read by its name")
    logits = code.input_of_role("logits", same_axes=True)
    beside: list[tuple[str, str, tuple[str, ...]]] = []
    forward = _forward_input(reading)
    if inferred is not None:
        candidates = [(inferred, "inferred from its name", ())]
    elif said_wrt := code.said_wrt():
        candidates = said_wrt
    elif beside := code.loss_beside():
        candidates = beside
    elif (parameter := code.one_parameter()) is not None:
        said = f"{parameter} is the one input besides the data, read as the {code.role_of(parameter)}"
        candidates = [(parameter, said, ())]
    # only a function's returned value: a value named like a gradient may be an intermediate one
    elif logits is not None and reading.result_reason.startswith("function"):
        candidates = [(logits, f"{logits} is the one input read as the logits", ())]
    elif (exponentiated := code.exponentiated_input()) is not None:
        said = f"{exponentiated} is what the code exponentiates (its softmax): the logits"
        canonical = "Z" if reading.inputs[exponentiated] == 2 else "z"
        candidates = [(exponentiated, said, (f"{exponentiated}={canonical}",))]
    elif code.output_error():
        wrt = logits or "z"
        said = f"{name} names the output layer's error, the gradient by its logits (weighted input) {wrt}"
        candidates = [(wrt, said, ())]
    else:
        jacobian = code.jacobian(tuple(notes))
        if jacobian is not None:
            return (jacobian,), guessed
        candidates = [(wrt, said, ()) for wrt, said in code.layer_inputs()]
    if not candidates and forward is not None:
        said = f"a backward beside a forward({forward}, ...) is the gradient by its first input"
        lets: tuple[str, ...] = ()
        if _logs(reading, forward):
            # forward(x, target) = -sum(target * log(x)): x holds probabilities, the softmax output
            lets = (f"{forward}={'A' if reading.inputs[forward] == 2 else 'a'}",)
            said += f", which the loss takes the log of: the softmax output ({lets[0]})"
        candidates = [(forward, said, lets)]
    if not candidates and name.startswith("line ") and len(reading.values) == 1:
        # a lone expression (Flux's agg(-sum(y .* log.(ŷ); dims))): a loss written on its own, or a gradient
        # whose meaning the words may say (the verdict reads them)
        from derive.claims.latex import format_node

        shown = format_node(reading.values[name].node)
        raise ExpressionNotClaimError(
            f"the code is an expression with no name (read as ${shown}$): to check it,"
            " say what it is with --means 'dH/dz'; to use it in other claims, --define 'NAME = ...'"
        )
    if not candidates:
        # the page's words may say it ("the gradient of the loss w.r.t. the logits"): UnstatedGradientError
        raise UnstatedGradientError(
            f"say what {name} is the derivative of, with --means 'dH/dz' (the code's names or canonical ones)"
        )
    # a torch.autograd.Function's backward is, by its contract, the gradient of its own forward
    autograd = reading.result_function == "backward" and _AUTOGRAD.search(text) is not None
    if autograd and reading.unread_loss is not None and reading.unread_loss[0] == "forward":
        # its loss is its forward's, which is not read: never the built-in mean in its place
        raise NotationError(
            f"the loss forward is not read: {reading.unread_loss[1]}: the autograd Function's backward is "
            "the gradient of its forward"
        )
    own_forward = autograd and reading.loss == "forward"
    own_loss = reading.loss is not None and (inferred is not None or own_forward)
    found: list[ClaimReading] = []
    for wrt, said, lets in candidates:
        if reading.loss is not None and (own_loss or (beside and wrt == beside[0][0])):
            of, loss_said = reading.loss, f"; {reading.loss_reason}"
        else:
            # a variable inferred from the inputs or words, not the name: the built-in loss, never a code
            # loss the reader may have read in part
            of, loss_said = "H", "; the built-in loss H"
        note = f"{name} is read as d{of}/d{wrt} ({said}{loss_said}); say otherwise with --means"
        chosen = (f"{name} read as d{of}/d{wrt}: {said}",) if len(candidates) > 1 else ()
        choices = (*(f"{let}: {said}" for let in lets), *chosen)
        found.extend(code.claims(of, wrt, sign, (*notes, *(() if chosen else (note,))), choices, lets))
        if of == "H" and reading.loss is not None and len(candidates) == 1:
            # the code computes a loss of its own (a .mean() over every entry, its own terms): the gradient
            # of that loss is a reading too, judged beside the built-in one (ambiguous when they disagree)
            own = f"{name} read as the gradient of the code's own loss {reading.loss} by {wrt}"
            builtins = len(found)
            with contextlib.suppress(DeriveError):
                found.extend(code.claims(reading.loss, wrt, sign, tuple(notes), (*choices, own), lets))
            if len(found) > builtins:
                builtin = f"{name} read as the gradient of the built-in loss H by {wrt}"
                found[:builtins] = [replace(f, choices=(*f.choices, builtin)) for f in found[:builtins]]
    if also or unread:
        found = [replace(f, judged=name, also=_also_means(f, also), unread=unread) for f in found]
    return tuple(found), guessed


def _forward_input(reading: CodeReading) -> str | None:
    """The input a layer's ``backward`` is the gradient by: the first parameter of the ``forward`` beside it
    (PyTorch's ``Function`` and ``Module``, a hand-written layer class), when the backward's value uses it."""
    if reading.result_function != "backward" or reading.result is None:
        return None
    first = next(iter(reading.parameters.get("forward", ())), None)
    if first is None or first not in reading.inputs or reading.result not in reading.values:
        return None
    from derive.claims.mapping import walk

    used = {n.name for n in walk(reading.values[reading.result].node) if isinstance(n, Symbol)}
    return first if first in used else None


def _logs(reading: CodeReading, name: str) -> bool:
    """Whether the code's loss takes the logarithm of the input ``name`` itself (``torch.log(x)``)."""
    from derive.claims.mapping import logged

    loss = reading.values.get(reading.loss or "")
    return loss is not None and logged(name, (loss.node,))


#: The gradient flowing into a layer's backward from above, by the layer's own output (cs231n's dout,
#: nnfs's dvalues, PyTorch's grad_output as an array).
_UPSTREAM_NAME: Final = re.compile(r"dout|dvalues|grad_output|grad_out|upstream(_grad(ient)?)?|dupstream")
#: The gradient by the softmax output, by its name (dA, dprobs, dsoftmax).
_OUTPUT_GRADIENT_NAME: Final = re.compile(r"dA|da|dprobs?|dsoftmax|dp|d_probs|dL_dp|dL_da|grad_probs")


#: A torch.autograd.Function: its forward saves for its backward (``ctx``).
_AUTOGRAD: Final = re.compile(r"\bautograd\.Function\b|\bctx\.save_for_backward\b|\bctx\.saved_tensors\b")


def _never_set(node: Node, name: str) -> bool:
    """Whether a value is only its own input: MATLAB's ``[dW, db] = f(...)`` that never sets db."""
    return isinstance(node, Symbol) and node.name == name


def _also_means(claim: ClaimReading, also: list[tuple[str, str]]) -> tuple[str, ...]:
    """``db = dloss/db`` for each other gradient of the code, of the loss the claim's own value is of."""
    lhs = claim.means.operand if isinstance(claim.means, Neg) else claim.means
    if not isinstance(lhs, Derivative) or not isinstance(lhs.of, Symbol):
        return ()
    return tuple(f"{value} = d{lhs.of.name}/d{wrt}" for value, wrt in also)


def _label_as_number(node: Node, labels: frozenset[str]) -> str | None:
    """A class label the code indexes with that a value also uses as a number (``p - label``,
    ``probs - y[:, None]``), outside any index, Kronecker delta or comparison."""
    from derive.claims.ast import Condition, Index, Indicator, KroneckerDelta
    from derive.claims.code_index import children

    stack: list[object] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Symbol):
            if current.name in labels:
                return current.name
            continue  # its indices are indices, never numbers
        if isinstance(current, (KroneckerDelta, Condition, Indicator)):
            continue
        if isinstance(current, Index):
            stack.append(current.base)
            continue
        stack.extend(children(current))  # type: ignore[arg-type]
    return None


#: The largest constant read as a numerical-stability offset (``log(p + 1e-9)``, ``1e-5``).
_OFFSET: Final = Fraction(1, 1000)


def _without_offsets(node: Node) -> Node:
    """A code loss with its numerical-stability offsets (a tiny number added, ``log(p + 1e-7)``) read as 0:
    the loss the code means, whose gradient is what its backward computes."""
    from derive.claims.ast import Add, Number
    from derive.claims.mapping import _Rewriter, _transform

    class Offsets(_Rewriter):
        def __call__(self, current: Node) -> Node | None:
            if not isinstance(current, Add):
                return None
            kept = tuple(
                _transform(term, self)
                for term in current.terms
                if not (isinstance(term, Number) and 0 < abs(term.value) <= _OFFSET)
            )
            if len(kept) == len(current.terms):
                return Add(kept)
            return kept[0] if len(kept) == 1 else Add(kept)

    return _transform(node, Offsets())


def _refuse_a_loss_alone(reading: CodeReading, text: str, named: tuple[tuple[str, str], ...]) -> None:
    """Code that computes a loss and no gradient is a definition, not a claim: said so (as
    DefinitionNotClaimError) when the loss reads with the notation given; otherwise the caller refuses."""
    from derive.claims.mapping import map_definition

    loss = reading.values.get(reading.loss) if reading.loss is not None else None
    if loss is None:
        return
    left = Symbol(loss.name, tuple(Symbol(axis) for axis in loss.axes))
    lets = [f"{page}={canonical}" for page, canonical in named]
    try:
        map_definition(Claim((left, loss.node), text), lets=lets)
    except DeriveError:
        return
    raise DefinitionNotClaimError(
        f"the code computes its loss {loss.name} and no gradient: it is a definition, not a claim; give it "
        f"with --define to check claims about {loss.name}, or name a gradient with --means"
    )


def _normalized_by_column(nodes: tuple[Node, ...], inputs: dict[str, int]) -> bool:
    """Whether the code's own softmax sums the exponentials of a matrix input over its first axis and never
    over its second (``exp(Z) ./ sum(exp(Z), 1)``, ``np.sum(np.exp(Z), axis=0)``): its classes are the
    rows, as a softmax call over each column says."""
    from derive.claims.mapping import walk

    axes: set[int] = set()
    for root in nodes:
        for node in walk(root):
            if not (isinstance(node, Sum) and node.index is not None and isinstance(node.body, Exp)):
                continue
            summed = Symbol(node.index)
            for inner in walk(node.body.arg):
                if isinstance(inner, Symbol) and inputs.get(inner.name) == 2 and len(inner.indices) == 2:
                    axes.update(axis for axis, index in enumerate(inner.indices) if index == summed)
    return axes == {0}


@dataclass(frozen=True)
class _Code:
    """A code reading and its claimed value, to be read as the derivative of a loss by one variable."""

    reading: CodeReading
    name: str
    text: str
    syntax: str
    named: tuple[tuple[str, str], ...]

    def claim(
        self,
        of: str,
        wrt: str,
        sign: str,
        notes: tuple[str, ...],
        choices: tuple[str, ...] = (),
        said_lets: tuple[str, ...] = (),
        columns: bool = False,
    ) -> ClaimReading:
        from derive.claims.mapping import walk

        reading, value = self.reading, self.reading.values[self.name]
        definitions: list[tuple[str, tuple[str, ...], Node]] = []
        # the built-in loss H is not a value the code names H (a "hypothesis" matrix, softmax(X @ W))
        own = of != "H" or reading.loss == "H"
        jacobian = self.jacobian_of(of)
        loss_named = self.cross_entropy_call(of) if of in reading.values else None
        if loss_named is not None:
            # loss = loss_ce(P, Y) with loss_ce not in the text: the built-in loss, by the name's words
            notes = (
                *notes,
                f"{loss_named}(...) is not defined in the text: the code's {of} is read as the built-in "
                f"cross-entropy (the name {loss_named} says so)",
            )
        if of in reading.values and of != self.name and own and not jacobian and loss_named is None:
            loss = reading.values[of]
            names = {n.name for n in walk(loss.node) if isinstance(n, Symbol)}
            # loss = -sum(y * log(p)), dz = ...: a loss of the softmax output depends on the logits
            # through it (the output is the softmax of the logits z), and on the weights and the bias
            # through them (z = W^T x + b)
            role = self.role_of(wrt) or {"z": "logits", "Z": "logits", "W": "weights", "b": "bias"}.get(wrt)
            outputs = sorted(n for n in names & set(reading.inputs) if self.role_of(n) == "output")
            if wrt not in names and role in ("logits", "weights", "bias") and outputs:
                through = f"the logits {wrt}" if role == "logits" else f"the logits, of the {role} {wrt}"
                notes = (
                    *notes,
                    f"the code's {of} is written in {', '.join(outputs)}, the softmax output: it depends on "
                    f"{through} through it",
                )
            elif wrt not in names:
                # loss = loss_ce(P, Y) with loss_ce not in the text: read as is, its derivative would be 0
                raise NotationError(
                    f"the code's {of} does not depend on {wrt} as read (it calls something the text does "
                    f"not define); say what {of} is with --define, or use the built-in loss with "
                    f"--means 'dH/d{wrt}'"
                )
            node, axes = _without_offsets(loss.node), loss.axes
            if node != loss.node:
                notes = (*notes, f"the tiny offsets in the code's {of} (log(p + 1e-5)) are read as 0")
            if axes and len(value.axes) >= len(axes):
                # a loss per entry (``-(y * log(h) + ...)`` with no sum): its gradient is its sum's, as
                # autograd's backward of a vector with ones has it
                for axis in reversed(axes):
                    node = Sum(axis, None, None, node)
                axes = ()
                notes = (*notes, f"the code's {of} is a loss per entry: its entries are summed")
            definitions.append((of, axes, node))
        lhs: Node
        if jacobian:
            # --means 'da/dz' on a matrix computed from the softmax output: the Jacobian da_i/dz_j (of the
            # input the code's own name reshapes: s = softmax.reshape(-1, 1))
            row, column = (Symbol(axis) for axis in value.axes)
            lhs = Derivative(Symbol(self.input_named(of) or of, (row,)), Symbol(wrt, (column,)))
        else:
            lhs = Derivative(Symbol(of), Symbol(wrt, tuple(Symbol(axis) for axis in value.axes)))
        if sign:
            lhs = Neg(lhs)
        lets: tuple[str, ...] = ()
        if reading.classes_in_columns or columns:
            roles = {n: self.role_of(n) or ("logits" if n == wrt else None) for n in reading.inputs}
            lets = tuple(
                f"{n}_{{ij}}={_BATCH_NAME[role]}_{{ji}}"
                for n, role in roles.items()
                if reading.inputs[n] == 2 and role in _BATCH_NAME
            )
            if lets:
                said = (
                    f"the classes are the rows (the code's softmax runs over each column): {', '.join(lets)}"
                )
                choices = (*choices, said)
        labels = self.true_class()
        if labels:
            said_lets = (*said_lets, *labels)
            what = {"c": "the class", "y": "the labels"}
            choices = (
                *choices,
                *(f"{label}: {what[label[-1]]} the code indexes classes with" for label in labels),
            )
        upstream = self.upstream_gradients(of, wrt) if not (reading.classes_in_columns or columns) else ()
        for let, by in upstream:
            said_lets = (*said_lets, let)
            said = f"an input named as the loss's gradient by the {by} (the chain rule's upstream gradient)"
            choices = (*choices, f"{let}: {said}")
        seeds = self.upstream_seeds()
        if seeds:
            said_lets = (*said_lets, *seeds)
            said = "the gradient a loss layer's backward receives is 1"
            choices = (*choices, *(f"{seed}: {said}" for seed in seeds))
        return ClaimReading(
            (Claim((value.node,), self.text),),
            self.syntax,
            choices=choices,
            definitions=tuple(definitions),
            means=lhs,
            notes=notes,
            lets=(*lets, *said_lets),
        )

    def claims(
        self,
        of: str,
        wrt: str,
        sign: str,
        notes: tuple[str, ...],
        choices: tuple[str, ...] = (),
        said_lets: tuple[str, ...] = (),
    ) -> tuple[ClaimReading, ...]:
        """The claim; and where only a softmax the code writes out over each column says its classes are
        the rows (no softmax call over each column, no labels indexing each row), the claim read with the
        examples as the rows too: a softmax over the examples is as likely a slip (``ambiguous`` when the
        two disagree; a reading whose shapes do not fit gives way, as ``X * W`` with the examples as rows
        does to the columns)."""
        reading = self.reading
        labelled_rows = any(reading.inputs.get(name) == 1 for name in reading.class_labels)
        if reading.classes_in_columns or labelled_rows or not self.column_softmax(of):
            return (self.claim(of, wrt, sign, notes, choices, said_lets),)
        by_columns = self.claim(of, wrt, sign, notes, choices, said_lets, columns=True)
        said = "the examples are the rows (the code's softmax over each column sums over the examples)"
        return (by_columns, self.claim(of, wrt, sign, notes, (*choices, said), said_lets))

    def jacobian_of(self, of: str) -> bool:
        """Whether ``--means 'd<of>/d...'`` on the claimed matrix names a Jacobian: ``of`` is the softmax
        output (canonical a, or a name mapped to it), not a loss, and the value has two axes of one
        example's classes."""
        from derive.claims.mapping import GUESSES

        value = self.reading.values[self.name]
        canonical = dict(self.named).get(of, of)
        output = canonical == "a" or (canonical != "A" and GUESSES.get((canonical, None)) == "output")
        own = of in self.reading.values and of not in self.reading.inputs  # s = s.reshape(-1, 1): an input
        # s = softmax.reshape(-1, 1): the code's own name for an input read as the softmax output
        renamed = self.input_named(of)
        own = own and not (renamed is not None and self.role_of(renamed) == "output")
        return output and not own and len(value.axes) == 2

    def input_named(self, of: str) -> str | None:
        """The input that the code's own value ``of`` only names again (``s = softmax.reshape(-1, 1)``)."""
        if of not in self.reading.values or of in self.reading.inputs:
            return None
        node = self.reading.values[of].node
        return node.name if isinstance(node, Symbol) and node.name in self.reading.inputs else None

    def column_softmax(self, of: str) -> bool:
        """Whether the code's own softmax (the value, or the loss ``of`` it differentiates) sums the
        exponentials of a matrix input over its first axis only."""
        nodes = [self.reading.values[self.name].node]
        if of in self.reading.values and of != self.name:
            nodes.append(self.reading.values[of].node)
        return _normalized_by_column(tuple(nodes), self.reading.inputs)

    def sized_by_a_guess(self, anchored: bool = True) -> bool:
        """The result divides by (or otherwise uses) the size of an axis of an input whose number of axes
        the code does not fix (``n = self.x.size(0)`` with x assumed a vector): whether that size is the
        classes or a batch is a guess no verdict should rest on (with ``anchored``, unless a matrix whose
        axes the code fixes runs over that axis too)."""
        from derive.claims.ast import Size
        from derive.claims.mapping import walk

        node = self.reading.values[self.name].node
        sizes = {n.index for n in walk(node) if isinstance(n, Size)}
        if anchored:
            # a size of an axis a matrix whose axes the code fixes also runs over (X's rows: length(y)
            # beside X * theta) is that matrix's, no guess
            sizes -= {
                index.name
                for n in walk(node)
                if isinstance(n, Symbol) and len(n.indices) >= 2 and n.name not in self.reading.assumed_axes
                and n.name in self.reading.inputs
                for index in n.indices
                if isinstance(index, Symbol)
            }  # fmt: skip
        return bool(sizes) and bool(self.used_names() & self.reading.assumed_axes)

    def used_names(self, numbers_only: bool = False) -> set[str]:
        """The names the claimed value uses (with ``numbers_only``, those written without indices)."""
        from derive.claims.mapping import walk

        return {
            n.name
            for n in walk(self.reading.values[self.name].node)
            if isinstance(n, Symbol) and not (numbers_only and n.indices)
        }

    def true_class(self) -> tuple[str, ...]:
        """``idx=c`` for a number the code indexes one example's classes with (``s[idx]``, ``g[label] -= 1``):
        the true class, as the loss of one example has it; ``idxCorrect=y`` for a vector that indexes each
        example's classes (``probs[range(N), idxCorrect]``): the labels (a reading's choice, shown)."""
        reading = self.reading
        found = []
        for name in sorted(reading.class_labels):
            if dict(self.named).get(name) == "c" and reading.inputs.get(name) == 1:
                # --let 'y=c' on a vector the code indexes each example's classes with: each example's
                # true class, the labels (the user's let, for one example, is read so)
                found.append(f"{name}=y")
                continue
            if name in dict(self.named) or name == "c":
                continue
            if reading.inputs.get(name) == 0:
                found.append(f"{name}=c")
            elif reading.inputs.get(name) == 1 and self.role_of(name) != "target":
                found.append(f"{name}=y")  # probs[range(N), idxCorrect]: each example's label
        return tuple(found)

    def loss_beside(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """A gradient the code computes beside its loss (a function returning both, ``[loss, dx] =
        getLoss(scores, correct)``; ``crossEntropyGrad`` beside ``crossEntropy``; both assigned at the top
        level), under a name that says no variable (``dx``, ``grad``): it is the gradient of that loss by
        the one input the loss uses besides the targets, the class labels and the data x, when the result
        has its shape and is computed from it. Inputs the loss applies an exponential to are the logits;
        inputs it takes the logarithm of are the probabilities, and then the other reading (a softmax and
        its loss as one layer, its gradient by the logits) is judged too, unless the loss is binary
        (``log(1 - h)``) or the result's name says it is the loss's derivative (``crossEntropyGrad``)."""
        from derive.claims.ast import Add, Exp, Log
        from derive.claims.mapping import walk

        reading, value = self.reading, self.reading.values[self.name]
        loss_name = reading.loss
        if loss_name is None or loss_name == self.name or reading.result_used_later:
            return []
        function = reading.result_function
        derivative_of_loss = function is not None and _derivative_of(function) == loss_name
        together = (
            derivative_of_loss
            or (function is not None and loss_name in reading.returned.get(function, ()))
            or (function is None and all(loss_name not in names for names in reading.returned.values()))
        )
        generic = _GENERIC_GRADIENT.fullmatch(self.name) is not None or (
            self.name == function and derivative_of_loss
        )
        if not together or not generic or self.sized_by_a_guess():
            return []
        loss = reading.values[loss_name].node
        used = {n.name for n in walk(loss) if isinstance(n, Symbol)}
        free = [n for n in self.not_data() if n in used]
        if len(free) != 1 or free[0] not in self.used_names() or reading.inputs[free[0]] != len(value.axes):
            return []
        wrt = free[0]

        def mentions(node: Node) -> bool:
            return any(isinstance(n, Symbol) and n.name == wrt for n in walk(node))

        said = f"the code computes it beside its loss {loss_name}, which depends on {wrt} and the data only"
        exponentiated = any(isinstance(n, Exp) and mentions(n.arg) for n in walk(loss))
        logged = [n.arg for n in walk(loss) if isinstance(n, Log) and mentions(n.arg)]
        # log(1 - h): a binary loss, whose probabilities no softmax gives
        binary = any(
            isinstance(arg, Add) and any(isinstance(t, Neg) and mentions(t) for t in arg.terms)
            for arg in logged
        )
        if self.role_of(wrt) == "logits" or exponentiated or derivative_of_loss or binary:
            return [(wrt, said, ())]
        if self.role_of(wrt) != "output" or not logged:
            return []
        logits = self.logits_letter(wrt)
        return [
            (wrt, f"{said}: the loss alone, its gradient by the probabilities {wrt}", ()),
            (logits, f"{said}: a softmax and its loss as one layer, its gradient by the logits {logits}", ()),
        ]

    def not_data(self) -> list[str]:
        """The inputs that are not data (targets, class labels, the input x), in name order."""
        reading = self.reading
        return [
            n for n in sorted(reading.inputs)
            if n not in reading.class_labels and self.role_of(n) not in ("target", "input")
        ]  # fmt: skip

    def logits_letter(self, beside: str) -> str:
        """The model's letter for the logits beside an input: Z beside a matrix (a batch), z beside a
        vector."""
        return "Z" if self.reading.inputs[beside] == 2 else "z"

    def one_parameter(self) -> str | None:
        """A result under a name that says no variable (``def grad(W, X, y)``, ``gradient = ...``) whose
        inputs are the data (targets, class labels, the input x) and one parameter of the model (W, b, or
        the logits): the gradient by that parameter, when the result has its shape and is computed from it,
        and no later line computes from it (``back = grad / n``: then grad is not the claimed value)."""
        reading, value = self.reading, self.reading.values[self.name]
        if _GENERIC_GRADIENT.fullmatch(self.name) is None or reading.result_used_later:
            return None
        if self.sized_by_a_guess():
            return None
        # not a helper's own z, nor a number (m, the batch's size)
        rest = [name for name in self.not_data() if name in self.used_names() and reading.inputs[name] > 0]
        if len(rest) != 1 or self.role_of(rest[0]) not in ("weights", "bias", "logits"):
            return None
        found = rest[0]
        if reading.inputs[found] != len(value.axes) or found not in self.used_names():
            return None
        return found

    def exponentiated_input(self) -> str | None:
        """``grad = softmax(X); grad[range(m), y] -= 1`` returned by a function or named as a gradient: the
        one input the code exponentiates (its softmax's input), the result computed entry by entry from
        it, is the logits the result is the gradient by, whatever its name (X)."""
        from derive.claims.ast import Exp
        from derive.claims.mapping import walk

        reading, value = self.reading, self.reading.values[self.name]
        named = reading.result_reason.startswith("function") or _GENERIC_GRADIENT.fullmatch(self.name)
        if not named or reading.result_used_later or self.sized_by_a_guess():
            return None
        exponentiated = {
            n.name
            for node in walk(value.node)
            if isinstance(node, Exp)
            for n in walk(node.arg)
            if isinstance(n, Symbol) and n.name in reading.inputs and n.name not in reading.class_labels
        }
        if len(exponentiated) != 1:
            return None
        (found,) = exponentiated
        if any(page == found for page, _ in self.named) or self.role_of(found) not in (None, "input"):
            return None
        return found if self._entrywise_in(found) else None

    def output_error(self) -> bool:
        """``delta(z, a, y)`` returning ``a - y`` (Nielsen's network.py, Ng's notes): the output layer's
        error delta is the gradient by its logits. Only one example's (a vector: for a batch, the mean or
        the per-example loss is not written) and only when the value uses no function the text calls
        without defining it (``sigmoid_prime(z) * (a - y)`` of another cost)."""
        value = self.reading.values[self.name]
        if not _OUTPUT_ERROR.match(self.name) or len(value.axes) != 1:
            return False
        return not self.used_names() & self.reading.opaque_calls and not self.sized_by_a_guess()

    def upstream_gradients(self, of: str, wrt: str) -> tuple[tuple[str, str], ...]:
        """``dscores_{ij}=\\frac{\\partial H}{\\partial Z_{ij}}`` for an input whose name says it is the
        loss's gradient by the logits (``dW = X.T @ dscores``, ``db = dZ.sum(axis=0)``): the gradient by the
        weights, the bias or the input is judged through it, by the chain rule (never a claim by the logits
        through the logits' own gradient, which would hold by its name). The gradient flowing in from above
        (``dout``, ``dvalues``) and one named by the output (``dA``, ``dprobs``) are by the softmax output in
        a softmax layer's backward (the code has the output and the claim is by the logits), and ``dout`` by
        the logits in a linear layer's. Only for the built-in loss. Each with what it is by, in words."""
        from derive.claims.code import is_gradient_name, is_loss_name

        role = self.role_of(wrt) or {"W": "weights", "b": "bias", "z": "logits", "Z": "logits"}.get(wrt)
        builtin = of == "H" or (is_loss_name(of) and of not in self.reading.values)  # dL/dz: L read as H
        if not builtin or role not in ("weights", "bias", "input", "logits"):
            return ()
        words = {"Z": "logits", "A": "softmax output"}
        # a softmax layer's backward (its output, the probabilities, in the code): the gradient flowing in is
        # by that output; a linear layer's (by its weights, bias or input): by its output, the logits
        softmax_layer = role == "logits" and any(self.role_of(n) == "output" for n in self.reading.inputs)
        named = dict(self.named)
        found: list[tuple[str, str]] = []
        for name, axes in self.reading.inputs.items():
            upstream = _UPSTREAM_NAME.fullmatch(name) is not None
            gradient = is_gradient_name(name) or upstream
            if name == self.name or name in named or axes not in (1, 2) or not gradient:
                continue
            by = _inferred_wrt(name, {})
            by_role = self.role_of(by) if by is not None else None
            if by_role == "logits" and role != "logits":
                base = "Z"
            elif upstream and (softmax_layer or role != "logits"):
                base = "A" if softmax_layer else "Z"
            elif _OUTPUT_GRADIENT_NAME.fullmatch(name) and softmax_layer:
                base = "A"
            else:
                continue
            page = f"\\operatorname{{{name}}}"  # dZ as one name, never a differential
            let = (
                f"{page}_{{ij}}=\\frac{{\\partial H}}{{\\partial {base}_{{ij}}}}" if axes == 2
                else f"{page}_{{j}}=\\frac{{\\partial H}}{{\\partial {base.lower()}_{{j}}}}"
            )
            found.append((let, words[base]))
        return tuple(found)

    def upstream_seeds(self) -> tuple[str, ...]:
        """``grad_output=1`` for a number the result is scaled by whose name says it is the gradient flowing
        in from above (``grad_output * (y - t) / N`` in a loss layer's backward): the loss is the last layer,
        so that gradient is dH/dH = 1 (a reading's choice, shown)."""
        used = self.used_names(numbers_only=True)
        seeds = tuple(
            name
            for name, axes in self.reading.inputs.items()
            if axes == 0 and _UPSTREAM.match(name) and name in used and name not in dict(self.named)
        )
        targets = self.reading.class_labels or any(self.role_of(n) == "target" for n in self.reading.inputs)
        if seeds and not targets:
            # softmax_backward(dout, s): no targets, so no loss layer: the gradient from above is any vector,
            # which the code's shapes do not say (read as a number it would be a wrong claim)
            raise NotationError(
                f"{seeds[0]} is the gradient flowing in from above, and the code has no targets (it is not a "
                f"loss layer, whose {seeds[0]} is 1): its shape is not said; check the layer with its loss"
            )
        return tuple(f"{name}=1" for name in seeds)

    def said_wrt(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """The variable the code's own words say its result is the gradient by: a comment or docstring
        at the result's definition ("# gradient w.r.t. the logits", "Gradient of the error with respect to
        the model outputs") or its name (``dLossWRTSoftmax``). Returns the input, the words, and the
        mapping the words give (``a=z`` for "the logits a" when a does not already read as the logits).
        Only an input with the result's shape; words elsewhere in the code (about an intermediate value)
        say nothing about the result. "With respect to the softmax" is either side of the softmax: its
        output, or its input (the logits, as layers speak): both readings are judged."""
        reading, value = self.reading, self.reading.values[self.name]
        in_name = _WRT_NAME.search(self.name)
        if in_name is not None:
            words, said = _split_name(in_name["object"]), f"its name {self.name} says so"
        else:
            lines = self.text.splitlines()
            line = value.line
            if reading.result_function is not None:
                line = _definition_line(lines, reading.result_function, value.line) or 0
            phrase = WRT_PHRASE.search(" ".join(_comments_at(lines, line)))
            if phrase is None:
                return []
            words = phrase["object"].split()
            said = f"the code's words \"{' '.join(phrase[0].split())}\""
        stripped = [word.strip("`'\",") for word in words[:4]]
        named_input = next((word for word in stripped if word in reading.inputs), None)
        role = _role_of_words(" ".join(stripped))
        if named_input in ("a", "A") and role is None:
            return []  # "with respect to a ..." is the article
        wrt = named_input or (self.input_of_role(role, same_axes=True) if role is not None else None)
        output = self.input_of_role("output", same_axes=True) if wrt is None and role == "logits" else None
        if output is not None and not self.sized_by_a_guess():
            # "gradient w.r.t. the logits" of code that has only the softmax output (probs - targets): the
            # logits the output is the softmax of, as a softmax and its loss make one layer
            logits = self.logits_letter(output)
            return [(logits, f"{said}: the logits {logits}, whose softmax is {output}", ())]
        if wrt is None or wrt in reading.class_labels or len(value.axes) != reading.inputs[wrt]:
            return []
        if self.sized_by_a_guess():
            return []
        lets: tuple[str, ...] = ()
        if role is not None and self.role_of(wrt) != role:
            if role not in _BATCH_NAME or any(page == wrt for page, _ in self.named):
                return []  # the words and the user's own options disagree: not a reading to choose
            canonical = _BATCH_NAME[role] if reading.inputs[wrt] == 2 else _BATCH_NAME[role].lower()
            lets = (f"{wrt}={canonical}",)
        found = [(wrt, said, lets)]
        if role == "output" and _BARE_SOFTMAX.match(" ".join(stripped)) and not lets:
            logits = self.logits_letter(wrt)
            found = [
                (logits, f"{said}: the softmax's input, the logits {logits}", ()),
                (wrt, f"{said}: the softmax's output, {wrt}", ()),
            ]
        return found

    def cross_entropy_call(self, of: str) -> str | None:
        """The function the code's loss ``of`` calls without defining it, when its name says the softmax
        cross-entropy (``loss_ce``, ``cross_entropy``, ``nll_loss``) and the loss is nothing else: one call
        of the output (and the targets), as ``loss = loss_ce(P, Y)`` is."""
        from derive.claims.mapping import name_words, walk

        loss = self.reading.values[of].node
        calls = {n.name for n in walk(loss) if isinstance(n, Symbol)} & self.reading.opaque_calls
        if len(calls) != 1 or not (isinstance(loss, Symbol) and loss.name in calls):
            return None
        (name,) = calls
        spaced = name_words(name)
        words = set(spaced) | {"".join(spaced)}
        if words & _OTHER_LOSS_WORDS or not words & _CROSS_ENTROPY_WORDS:
            return None
        return name

    def role_of(self, input_name: str) -> Role | None:
        """What the options (``--let``) or the notation read an input of the code as."""
        from derive.claims.mapping import CANONICAL, CANONICAL_BATCH, GUESSES

        for page, canonical in self.named:
            if page == input_name:
                return CANONICAL.get(canonical) or CANONICAL_BATCH.get(canonical)
        role = CANONICAL.get(input_name) or CANONICAL_BATCH.get(input_name)
        if role is None and _SOFTMAX_NAME.fullmatch(input_name):
            return "output"  # an input named softmax (not called): the softmax's value
        # theta, a model's parameters in code (Ng's costFunction(theta, X, y)): its weights
        parameters: Role | None = "weights" if input_name in _PARAMETER_NAMES else None
        return role or GUESSES.get((input_name, None)) or parameters

    def input_of_role(self, role: Role, same_axes: bool) -> str | None:
        """The one input of the code read in ``role`` (``logits``: by the options, or as the notation
        reads ``z``, ``logits``, ``scores``); with ``same_axes``, only when the result has that input's
        axes (a gradient by an input has its shape)."""
        reading = self.reading
        found = [n for n in reading.inputs if n not in reading.class_labels and self.role_of(n) == role]
        if len(found) != 1:
            return None
        if not same_axes:
            return found[0]
        return found[0] if self._entrywise_in(found[0]) else None

    def _entrywise_in(self, input_name: str) -> bool:
        """Whether the result has the input's shape and is computed entry by entry from it: the input
        appears at the result's own indices (``probs_i - y_i``), not only summed over (``X^T (h - y)``
        has as many axes as h, but they are X's)."""
        from derive.claims.mapping import walk

        reading, result = self.reading, self.reading.values[self.name]
        if len(result.axes) != reading.inputs[input_name]:
            return False
        if not result.axes:
            return True
        wanted = set(result.axes)
        return any(
            isinstance(n, Symbol) and n.name == input_name
            and {i.name for i in n.indices if isinstance(i, Symbol)} == wanted
            for n in walk(result.node)
        )  # fmt: skip

    def jacobian(self, notes: tuple[str, ...]) -> ClaimReading | None:
        """``softmax_grad(s)`` returning a matrix computed from the softmax output alone: the softmax
        Jacobian ds_i/dz_j (the entries of the result are those of the matrix the code returns)."""
        from derive.claims.ast import Exp
        from derive.claims.mapping import walk

        reading, value = self.reading, self.reading.values[self.name]
        arrays = [n for n, axes in reading.inputs.items() if axes > 0]
        if len(value.axes) != 2 or len(arrays) != 1 or reading.inputs[arrays[0]] != 1:
            return None
        row, column = value.axes
        given = arrays[0]
        output = self.input_of_role("output", same_axes=False)
        function = reading.result_function or ""
        lhs: Node | None = None
        lets: tuple[str, ...] = ()
        said = note = ""
        named = _SOFTMAX_NAME.fullmatch(_derivative_of(function) or "") is not None
        if output is None and named and given not in dict(self.named):
            # softmax_prime(x): the softmax's derivative, by its input when the code takes the exponential
            # of it, else written with its output (the usual way: s (delta - s))
            if any(isinstance(n, Exp) for n in walk(value.node)):
                lhs = Derivative(Symbol("a", (Symbol(row),)), Symbol(given, (Symbol(column),)))
                lets, said = (f"{given}=z",), f"{function} is the softmax's derivative, by its input {given}"
                note = f"{self.name} is read as the softmax Jacobian da_i/d{given}_j (inferred from its name)"
            else:
                output = given
                lets = (f"{given}=a",)
                said = f"{function} is the softmax's derivative, written with its output"
        if lhs is None:
            if output != given:
                return None
            lhs = Derivative(Symbol(given, (Symbol(row),)), Symbol("z", (Symbol(column),)))
            why = f"{function}'s name says so" if lets else "read as the softmax output"
            note = f"{self.name} is read as the softmax Jacobian d{given}_i/dz_j (inferred: a matrix "
            note += f"computed from {given} alone, {why})"
        return ClaimReading(
            (Claim((value.node,), self.text),), self.syntax, means=lhs, lets=lets,
            notes=(*notes, f"{note}; say otherwise with --means"),
            choices=tuple(f"{let}: {said}" for let in lets),
        )  # fmt: skip

    def softmax_backward(self, notes: tuple[str, ...]) -> ClaimReading | None:
        """``grad_x = grad_softmax * softmax - sum(grad_softmax * softmax) * softmax``: the softmax's
        backward, the gradient by its input from the gradient flowing in by its output. Read as dH/dz
        with that upstream gradient the cross-entropy's dH/da = -y/a, which is any vector as the targets y
        vary (the check holds for every upstream gradient). One example's vectors only: the output and the
        upstream gradient are the only inputs, and the result is computed entry by entry from both."""
        reading, value = self.reading, self.reading.values[self.name]
        if len(value.axes) != 1 or reading.result_used_later:
            return None
        inputs = [n for n in reading.inputs if n not in reading.class_labels and reading.inputs[n] > 0]
        outputs = [n for n in inputs if self.role_of(n) == "output" or n in _SOFTMAX_VALUE]
        upstreams = [n for n in inputs if _UPSTREAM_VECTOR.fullmatch(n) and n not in outputs]
        if len(outputs) != 1 or len(upstreams) != 1 or len(inputs) != 2:
            return None
        (output,), (upstream,) = outputs, upstreams
        if upstream in dict(self.named) or dict(self.named).get(output, "a") != "a":
            return None
        if not (self._entrywise_in(output) and self._entrywise_in(upstream)):
            return None
        axis = value.axes[0]
        entry = (Symbol(axis),)
        gradient_by_output = Neg(Div(Symbol("y", entry), Symbol("a", entry)))
        said = (
            f"{self.name} is the softmax's backward: {upstream} read as the gradient flowing in by its "
            f"output {output}, the cross-entropy's dH/da = -y/a (any vector as y varies: the check holds "
            f"for every upstream gradient), and {self.name} as dH/dz"
        )
        return ClaimReading(
            (Claim((value.node,), self.text),), self.syntax,
            means=Derivative(Symbol("H"), Symbol("z", entry)),
            definitions=((upstream, (axis,), gradient_by_output),),
            lets=(f"{output}=a",), notes=(*notes, f"{said}; say otherwise with --means"), choices=(said,),
        )  # fmt: skip

    def activation_derivative(self) -> str | None:
        """The activation whose derivative the result's name or its function's says it is
        (``sigmoidGradient``, ``sigmoid_prime``, ``dsigmoid``, ``tanh_deriv``), if any."""
        for named in (self.reading.result_function, self.name):
            of = _derivative_of(named or "")
            if of is not None and _ACTIVATION_NAME.fullmatch(of):
                return of
        return None

    def sigmoid_derivative(self, activation: str, notes: tuple[str, ...]) -> ClaimReading:
        """``sigmoid_prime(z) = sigmoid(z) * (1 - sigmoid(z))``: the sigmoid's derivative, elementwise, by its
        one input (read as the logits of one sigmoid per entry, ``--loss sigmoid-bce``); never the gradient
        of a loss by that input. Other activations' derivatives (tanh, relu) are refused."""
        reading, value = self.reading, self.reading.values[self.name]
        arrays = [n for n in reading.inputs if n not in reading.class_labels]
        if not _SIGMOID_NAME.fullmatch(activation):
            raise NotationError(
                f"{self.name} is named as the derivative of {activation}, an activation derive does not "
                "model (the softmax and the sigmoid); say what it is with --means"
            )
        if len(arrays) != 1 or len(value.axes) > 1 or reading.inputs[arrays[0]] != len(value.axes):
            raise NotationError(
                f"{self.name} is named as the sigmoid's derivative, but not of one input of its shape; "
                "say what it is with --means"
            )
        given = arrays[0]
        entry = tuple(Symbol(axis) for axis in value.axes)
        lhs = Derivative(Symbol("a", entry), Symbol(given, entry))
        said = f"{self.name} is the sigmoid's derivative by its input {given}, elementwise (by its name)"
        return ClaimReading(
            (Claim((value.node,), self.text),), self.syntax, means=lhs, lets=(f"{given}=z",),
            notes=(*notes, f"{said}; say otherwise with --means"),
            choices=(f"{said}: --loss sigmoid-bce",), loss="sigmoid-bce",
        )  # fmt: skip

    def layer_inputs(self) -> list[tuple[str, str]]:
        """``dinputs`` of a layer (or what a layer's ``backward`` returns) whose code has only the softmax
        output (``dvalues``, ``probs``) and no weights: the inputs are the logits (a softmax and its loss as
        one layer) or the probabilities (the loss alone). Both readings are judged; when they disagree the
        verdict says so."""
        from derive.claims.code import is_loss_name

        backward = self.reading.result_function is not None and _BACKWARD.match(self.reading.result_function)
        if backward and not _LAYER_INPUTS.match(self.name) and self.sized_by_a_guess():
            return []
        # a name that says no variable (grad = probs - y), unless a later line computes from it (then it is
        # not the claimed value), or a function named as the gradient of a loss the code does not define
        # (cross_entropy_grad), is such a gradient too
        of = _derivative_of(self.reading.result_function or "")
        generic = (
            _GENERIC_GRADIENT.fullmatch(self.name) is not None and not self.reading.result_used_later
        ) or (of is not None and self.reading.loss is None and is_loss_name(of))
        if not (_LAYER_INPUTS.match(self.name) or backward or generic) or any(
            self.role_of(n) == "weights" for n in self.reading.inputs
        ):
            return []
        output = self.input_of_role("output", same_axes=True)
        if output is None:
            return []
        logits = self.logits_letter(output)
        return [
            (logits, f"the inputs of a softmax and its loss as one layer are the logits, {logits}"),
            (output, f"the inputs of the loss alone are the probabilities, {output}"),
        ]


#: Result names that say "the gradient by this layer's inputs": dinputs, grad_input, input_grad, dx.
_LAYER_INPUTS = re.compile(r"^(?:d_?(?:inputs?|x)|grad_?inputs?|inputs?_?grad)$", re.I)

#: A result name that says no variable it is the gradient by: grad, gradient, g, dx, dinput, deriv.
_GENERIC_GRADIENT = re.compile(
    r"(?:grads?|gradients?|g|d_?(?:x|X|inputs?)|grad_?(?:x|inputs?|in)|inputs?_grad|derivs?|derivatives?|back)"
)
#: A function named as the derivative of another: crossEntropyGrad, mse_prime, loss_derivative, dloss.
_DERIVATIVE_OF = re.compile(
    r"(?P<of>[A-Za-z]\w*?)_?(?:[Gg]rad(?:ient)?|[Pp]rime|[Dd]eriv(?:ative)?|[Bb]ackward)|d_?(?P<of2>[A-Za-z]\w*)"
)

#: The softmax's name in code.
_SOFTMAX_NAME = re.compile(r"(?i)soft_?max")
#: Code names for the softmax's value (an input that holds the output).
_SOFTMAX_VALUE = frozenset({"softmax", "sm", "softmax_out", "softmax_output", "output", "out", "y"})
#: The gradient that flows into a layer's backward from above, by its output, as one vector.
_UPSTREAM_VECTOR = re.compile(
    r"grad_?(?:outputs?|out|softmax|probs|y|s|a)|d_?(?:out|y|values|outputs?|probs|softmax|s|a)|upstream\w*|"
    r"(?:outputs?|out|softmax)_?grad|g"
)
#: The sigmoid's names in code.
_SIGMOID_NAME = re.compile(r"sigmoid|sigm?|logistic|σ", re.I)
#: Activations (a function named as the derivative of one is not a loss's gradient).
_ACTIVATION_NAME = re.compile(rf"{_SIGMOID_NAME.pattern}|tanh|relu|elu|gelu|leaky_?relu|softplus|swish", re.I)


def _derivative_of(function: str) -> str | None:
    """The function a function's name says it is the derivative of (``crossEntropyGrad`` -> crossEntropy)."""
    match = _DERIVATIVE_OF.fullmatch(function)
    return None if match is None else match["of"] or match["of2"]


#: The output layer's error: delta, delta_L, output_delta, \u03b4 (the gradient by the layer's logits).
_OUTPUT_ERROR = re.compile(r"^(?:delta(?:_?[Ll]|_out(?:put)?)?|output_?delta|\u03b4(?:_?L)?)$")
#: A layer's backward method: what it returns is the gradient by the layer's inputs.
_BACKWARD = re.compile(r"^(?:backward\w*|bprop|back_?prop\w*|backPropagation)$")
#: The gradient that flows into a layer's backward from above: dH/dH = 1 for the loss, the last layer.
_UPSTREAM = re.compile(
    r"^(?:grad_?outputs?|grad_?out|outputs?_?grad|out_?grad|dout|dloss|grad_?loss(?:es)?|upstream\w*)$", re.I
)

#: The batch name of each role a matrix input of code can have.
_BATCH_NAME = {"logits": "Z", "output": "A", "target": "Y", "input": "X"}


#: A name that says what it is the gradient by: ``dLossWRTSoftmax``, ``grad_wrt_logits``.
_WRT_NAME = re.compile(r"(?:WRT|[Ww]rt)_?(?P<object>[A-Za-z]\w*)$")
#: A line of a comment (the text after its marker), in the languages the code reader reads.
_COMMENT = re.compile(r"^\s*(?:#|//+|%+|--|/?\*+)\s?(?P<text>.*?)(?:\*/)?\s*$")
_HELP_COMMENT = re.compile(r"^\s*%+\s?(?P<text>.*?)\s*$")
_TRAILING_COMMENT = re.compile(r"(?:\s#|//|\s%|\s--)\s?(?P<text>.*)$")
_DECORATION = re.compile(r"^\s*(?:@\w|template\s*<)")
_DOCSTRING = re.compile(r"^\s*[rRuU]?(?P<quote>\"\"\"|''')")
#: "The softmax" with no word for its output: either side of it.
_BARE_SOFTMAX = re.compile(r"^(?:the\s+)?softmax(?:\s+(?:function|layer|step|activation))?$", re.I)


def _split_name(name: str) -> list[str]:
    """``Softmax`` -> [softmax]; ``the_logits`` -> [the, logits]; ``LogitsZ`` -> [logits, z]."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ")
    return spaced.lower().split()


def _role_of_words(words: str) -> Role | None:
    """The role the words name (the table of ``--notation``'s role phrases), if it is one a gradient can be
    by: the logits, the output, the weights or the bias."""
    from derive.claims.mapping import CANONICAL

    letter = gradient_letter(words)
    role = CANONICAL.get(letter) if letter is not None else None
    return role if role in ("logits", "output", "weights", "bias") else None


def _definition_line(lines: list[str], function: str, before: int) -> int | None:
    """The line (1-based) that defines ``function``: the nearest at or above line ``before``."""
    pattern = re.compile(rf"\b{re.escape(function)}\s*(?:\(|<|=\s*function\b)")
    for number in range(min(before, len(lines)), 0, -1):
        text = lines[number - 1]
        if pattern.search(text) and not _COMMENT.match(text):
            return number
    return None


def _comments_at(lines: list[str], line: int) -> list[str]:
    """The comment on line ``line`` (1-based), the comment block right above it (past decorators and
    ``template <...>``), and the docstring (Python) or help text (MATLAB) right below it."""
    if not 1 <= line <= len(lines):
        return []
    found: list[str] = []
    trailing = _TRAILING_COMMENT.search(lines[line - 1])
    if trailing is not None and not _COMMENT.match(lines[line - 1]):
        found.append(trailing["text"])
    number = line - 1
    while number >= 1 and _DECORATION.match(lines[number - 1]):
        number -= 1
    while number >= 1 and (match := _COMMENT.match(lines[number - 1])) is not None:
        found.insert(0, match["text"])
        number -= 1
    number = line + 1
    if number <= len(lines) and lines[number - 1].strip() == "{":
        number += 1
    docstring = _DOCSTRING.match(lines[number - 1]) if number <= len(lines) else None
    if docstring is not None:
        quote = docstring["quote"]
        for offset, text in enumerate(lines[number - 1 : number + 30]):
            found.append(text.replace(quote, " "))
            if text.count(quote) >= (2 if offset == 0 else 1):
                break
    else:
        # MATLAB's help text follows the function line; elsewhere a comment there is about the next line
        while number <= len(lines) and (match := _HELP_COMMENT.match(lines[number - 1])) is not None:
            found.append(match["text"])
            number += 1
    return found


#: A result name's last word that says how it was computed, not what it is by.
_HOW_COMPUTED: Final = re.compile(
    r"_(?:manual|manually|analytic(?:al)?|by_hand|hand|mine|ours|explicit|closed_form)$"
)


#: An entry of a dictionary of gradients: ``grads['W2']``, ``self.grads["dW"]``.
_GRADIENTS_ENTRY: Final = re.compile(
    r"(?:\w+\.)*(?:grads?|gradients?|derivs?|derivatives)\[['\"](?P<key>[A-Za-z]\w*)['\"]\]"
)


def _inferred_wrt(name: str, inputs: dict[str, int]) -> str | None:
    """The input a result name says it is the gradient by (``dW`` -> W, ``dx`` -> X when only X is an
    input), or a name the notation reads as the logits, weights or bias (``dscores`` -> the logits)."""
    from derive.claims.mapping import CANONICAL, CANONICAL_BATCH, GUESSES

    if name.endswith(".grad") and name.count(".") == 1:
        # logits.grad = ...: PyTorch's gradient attribute of the tensor it names
        return _inferred_wrt(f"d_{name[: -len('.grad')]}", inputs)
    entry = _GRADIENTS_ENTRY.fullmatch(name)
    if entry is not None:
        # grads['W2'] (cs231n), grads["dW2"] (Ng): the entry's key names the parameter
        key = entry["key"]
        return key if key in inputs else _inferred_wrt(key, inputs) if key.startswith("d") else None
    name = _HOW_COMPUTED.sub("", name)  # grad_w_manual, dW_analytic: the gradient by w, W
    name = name.rstrip("_") or name  # dW_, a C++ member's trailing underscore
    for pattern in _GRADIENT_OF:
        match = pattern.match(name)
        if match is None:
            continue
        wrt = match["wrt"]
        if wrt in inputs:
            return wrt
        folded = [n for n in inputs if n.lower() == wrt.lower()]
        if len(folded) == 1:
            return folded[0]
        role = CANONICAL.get(wrt) or CANONICAL_BATCH.get(wrt) or GUESSES.get((wrt, None))
        if role is None and len(wrt) > 1 and wrt[0].isupper() and wrt[1:].islower():
            wrt = wrt.lower()  # dLogits, dScores (camelCase): the logits
            role = GUESSES.get((wrt, None))
        # never the input: a layer's "inputs" (dinputs) are its logits, not the model's x
        if role in ("logits", "weights", "bias"):
            # grad_logits(z, y): the one input in that role is what the name says (not a second name)
            roles = {n: CANONICAL.get(n) or CANONICAL_BATCH.get(n) or GUESSES.get((n, None)) for n in inputs}
            same = [n for n, its in roles.items() if its == role]
            return same[0] if len(same) == 1 and wrt not in inputs else wrt
    return None


def code_left_side(means: str, indices: tuple[str, ...]) -> Node:
    """``--means 'dL/dx'`` for a code result with free indices ``indices``: the derivative by the entry of x
    at those indices."""
    claim = parse_claim(means)
    if len(claim.sides) != 1 or not isinstance(claim.sides[0], Derivative):
        raise NotationError(f"--means {means!r} must be one derivative such as 'dH/dz'")
    derivative = claim.sides[0]
    wrt = derivative.wrt
    if isinstance(wrt, Symbol) and not wrt.indices and indices:
        wrt = Symbol(wrt.name, tuple(Symbol(i) for i in indices), decoration=wrt.decoration)
    return Derivative(derivative.of, wrt, derivative.order)
