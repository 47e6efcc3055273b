r"""What a post says around its claims: the numbers it gives (``--at`` values), the index conditions its
prose puts on a claim (``--where``), the symbol it uses for the true class, and its definitions.

Every value and condition keeps where it was found, so the report can say "x = [1.9, 0.4] (equation 3,
line 5)".  Numbers are read with a tiny scanner (digits, a dot, an exponent, ``%``) and ``json`` for lists
of them: never ``eval``.

Values are taken for the model's inputs ``x``, ``W`` (also written ``w``), ``b``, ``y`` and ``z``, whole
(``x=[1.9, 0.4]``) or entry by entry (``w_{12}=0.5``, ``x_1=1.9``); from a table whose header names a
column ``y_j`` next to an index column ``j`` (percentages read as fractions); and from prose: ``all b's are
0.0``, and ``so y=1`` (a class label: with k classes it is the one-hot vector on class 1; a sentence that
only says what ``y=1`` *denotes* gives no value).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from derive.claims import lexicon as lx
from derive.post.classify import INDEX_LETTERS, Item, condition_parts
from derive.post.extract import PLAIN_CONDITION, Post, Segment

#: The names ``--at`` takes, and the page spellings read as them.
AT_NAMES: dict[str, str] = {"x": "x", "W": "W", "w": "W", "b": "b", "y": "y", "z": "z"}

_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\\?%)?\s*$")
_LIST = re.compile(r"^\s*\[[-+0-9.eE,\s\[\]]*\]\s*$")
_ENTRY = re.compile(r"^\s*(\\?[A-Za-z]+)\s*(?:_\s*(\{[^{}]*\}|[A-Za-z0-9]))?\s*$")

#: Words that introduce a condition on the claim that follows.
_CUE = re.compile(
    r"\b(consider|assume|assuming|suppose|let|for|if|when|whenever|case|given|with|take|taking|where)\b", re.I
)
#: Words right before a condition that deny it is the formula's case: "not just for $i = j$", "doesn't only
#: hold when", "it is wrong to assume $j = c$", "regardless of whether", "both when", "rather than",
#: "we don't need to restrict to", 不仅当.
_NOT_THIS_CASE = re.compile(
    r"(?:\bnot\s+(?:just|only|merely|simply)\s+(?:for|when|if|the\s+case|in\s+the\s+case(?:\s+of)?)?|"
    r"\bn(?:o|')t\s+(?:just|only)\s+(?:holds?|applies|apply|works?)\s+(?:for|when|if)|"
    r"\bn(?:o|')t\s+(?:need\s+to\s+)?(?:be\s+)?restrict(?:ed)?\s+to|\bwrong(?:ly)?\s+(?:to\s+)?assum(?:e|ed)[^.;:$]*|"
    r"\bregardless\s+of\s+whether|\bwhether|\bboth\s+(?:when|for|if)|\bmight\s+think\s+you\s+need|"
    r"\brather\s+than|\binstead\s+of|不仅|不只|不止)\s*(?:当|當|在)?\s*$",
    re.I,
)
#: Words between a condition and its formula that say the formula is for every case ("for all $j$:", "but
#: no, for any $j$"), or words right after the formula that say it is for every entry ("for all entries",
#: "for the whole Jacobian", "for all $i, j$", "everywhere"); "for every $i$" alone after it is the
#: condition's own index running over its values.
_EVERY_CASE = re.compile(r"\bfor\s+(?:all|every|each|any)\b|\bor\s+not\b|\bin\s+general\b", re.I)
_EVERY_ENTRY_AFTER = re.compile(
    r"^[\s$.,:;]*(?:(?:and\s+)?(?:this\s+|it\s+)?(?:holds?\s+|is\s+(?:true|valid)\s+)?"
    r"(?:for\s+(?:all|every|each|any)\s+(?:entries|entry|pairs?|indices|\$?[a-z]\s*,\s*[a-z]\$?|"
    r"\$?[a-z]\$?\s+and\s+\$?[a-z]\$?)|for\s+the\s+(?:whole|entire|full)\b|everywhere|in\s+general|"
    r"(?:which\s+)?(?:holds\s+)?regardless\s+of\s+whether))",
    re.I,
)
#: Chinese and Japanese words before a condition (当 i = j 时, 若, 如果) and after one (时, のとき, の場合).
_CUE_BEFORE_CJK = re.compile(r"(?:当|當|若|如果|对于|對於|假设|假設)\s*\$*\s*$")
_CUE_AFTER_CJK = re.compile(r"\$*\s*(?:时|時|のとき|の時|とき|の場合|ならば)")
_TRUE_CLASS_WORDS = re.compile(rf"\b{lx.TRUE_CLASS_WORDS}", re.I)

#: Conditions said in words: "for the true class" (the claim's class index is c), "for the wrong classes".
PROSE_CONDITIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            rf"\bfor\s+the\s+{lx.TRUE_CLASS_WORDS}\b", re.I
        ),
        "=",
    ),
    # "in the case where $i$ is the correct class", "when k is not the true label"
    *(
        (
            re.compile(
                r"\b(?:case\s+(?:where|that|when)|when|if|where|whenever)\s*\$*\s*[a-z]\s*\$*\s+is\s+"
                rf"{negation}(?:the\s+)?{lx.TRUE_CLASS_WORDS}\b",
                re.I,
            ),
            op,
        )
        for negation, op in (("", "="), (r"not\s+", "!="))
    ),
    (
        re.compile(
            rf"\bfor\s+(?:the|all|every|each|any)\s+(?:of\s+the\s+)?{lx.OTHER_CLASS_WORDS}\b",
            re.I,
        ),
        "!=",
    ),
)

#: Placeholder for the claim's class index in a condition said in words (the judge fills it in).
CLASS_INDEX = "{class index}"

#: How far back (characters of the post) a condition may stand from the claim it introduces.
CONDITION_WINDOW = 400


@dataclass(frozen=True)
class Value:
    """A number or array the post gives for one of the model's inputs."""

    name: str  # x, W, b, y, z
    value: object  # a number, a list, or a list of lists (JSON numbers)
    source: str  # "equation 3 (line 5)", "the table of equation 6", "prose, line 5"


@dataclass(frozen=True)
class Where:
    """An index condition the prose puts on a claim."""

    condition: str  # in the checker's form: "j != c", "j = 1"
    written: str  # as the page writes it
    source: str


@dataclass(frozen=True)
class PageContext:
    """Everything read around the claims."""

    values: tuple[Value, ...] = ()
    notes: tuple[str, ...] = ()
    true_class: str | None = None  # the page's symbol for the true class ("\\ell")
    conditions: dict[int, Where] = field(default_factory=dict)  # item number -> its condition
    #: The post's sentences about its notation ("where z are the logits"), for ``--notation``.
    words: str = ""

    def at(self) -> tuple[str, ...]:
        """The values as ``--at`` options."""
        return tuple(f"{v.name}={json.dumps(v.value)}" for v in self.values)


def where_of(item: Item) -> str:
    return f"equation {item.number}, line {item.line}"


# --------------------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------------------


def _number(text: str) -> float | None:
    match = _NUMBER.match(text.replace("{", "").replace("}", ""))
    if match is None:
        return None
    value = float(match.group(1))
    if match.group(2):
        value /= 100
    return int(value) if value.is_integer() and "." not in match.group(1) else value


def _array(text: str) -> object | None:
    if not _LIST.match(text) or text.count("[") > 70:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if _numeric_array(value, 0) else None


def _numeric_array(value: object, depth: int) -> bool:
    if depth > 2:
        return False
    if isinstance(value, list):
        return 0 < len(value) <= 64 and all(_numeric_array(v, depth + 1) for v in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _split_top(text: str, separators: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    start = 0
    for position, char in enumerate(text):
        if char in "[{(":
            depth += 1
        elif char in "]})":
            depth -= 1
        elif char in separators and depth == 0:
            parts.append(text[start:position])
            start = position + 1
    parts.append(text[start:])
    return [p for p in (part.strip() for part in parts) if p]


def _entry_indices(subscript: str | None) -> tuple[int, ...] | None:
    if subscript is None:
        return ()
    inner = subscript.strip("{}").replace(" ", "")
    parts = inner.split(",") if "," in inner else list(inner)
    if not parts or not all(p.isdigit() for p in parts) or len(parts) > 2:
        return None
    return tuple(int(p) for p in parts)


@dataclass
class _Collector:
    """Whole values and entries as they are found; conflicts noted, the first statement kept."""

    whole: dict[str, tuple[object, str]] = field(default_factory=dict)
    entries: dict[str, dict[tuple[int, ...], tuple[float, str]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, indices: tuple[int, ...], value: object, source: str) -> None:
        if not indices:
            known = self.whole.get(name)
            if known is not None and known[0] != value:
                self.notes.append(f"{name} is given twice ({known[1]} and {source}); the first is used")
                return
            self.whole.setdefault(name, (value, source))
            return
        table = self.entries.setdefault(name, {})
        known_entry = table.get(indices)
        if known_entry is not None and known_entry[0] != value:
            self.notes.append(
                f"{name}{list(indices)} is given twice ({known_entry[1]} and {source}); the first is used"
            )
            return
        if isinstance(value, (int, float)):
            table.setdefault(indices, (value, source))

    def values(self, classes_hint: int | None) -> list[Value]:
        found: dict[str, Value] = {}
        for name, (value, source) in self.whole.items():
            found[name] = Value(name, value, source)
        assembled_entries: dict[str, tuple[object, str]] = {}
        for name, table in self.entries.items():
            assembled = _assemble(table)
            if assembled is None:
                self.notes.append(
                    f"the entries of {name} do not fill a vector or a matrix; they are not used"
                )
            else:
                assembled_entries[name] = assembled
        classes = (
            _classes(found)
            or _classes({n: Value(n, v, s) for n, (v, s) in assembled_entries.items()})
            or classes_hint
        )
        if "y" in found and isinstance(found["y"].value, int) and classes:
            label = found["y"].value
            if 1 <= label <= classes:
                onehot = [1 if j == label else 0 for j in range(1, classes + 1)]
                self.notes.append(
                    f"y = {label} ({found['y'].source}) is read as the true class {label} of {classes}: "
                    f"y = {onehot}"
                )
                found["y"] = Value("y", onehot, found["y"].source)
            else:
                del found["y"]
        for name, (value, sources) in assembled_entries.items():
            if name in found:
                if not _same(found[name].value, value):
                    self.notes.append(
                        f"the entries of {name} ({sources}) disagree with {found[name].source}; "
                        f"{found[name].source} is used"
                    )
                continue
            found[name] = Value(name, value, sources)
        for name, item in list(found.items()):
            if isinstance(item.value, (int, float)) and name in ("b", "z") and classes:
                found[name] = Value(name, [item.value] * classes, item.source)
            elif isinstance(item.value, (int, float)):
                self.notes.append(f"{name} = {item.value} is a single number; it is not used as a value")
                del found[name]
        order = ["x", "W", "b", "y", "z"]
        return [found[name] for name in order if name in found]


def _same(left: object, right: object) -> bool:
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    return isinstance(left, (int, float)) and isinstance(right, (int, float)) and float(left) == float(right)


def _assemble(table: dict[tuple[int, ...], tuple[float, str]]) -> tuple[object, str] | None:
    keys = sorted(table)
    sources = ", ".join(sorted({source for _, source in table.values()}))
    lengths = {len(key) for key in keys}
    if lengths == {1}:
        size = max(k[0] for k in keys)
        if sorted(k[0] for k in keys) != list(range(1, size + 1)):
            return None
        return [table[(i,)][0] for i in range(1, size + 1)], sources
    if lengths == {2}:
        rows = max(k[0] for k in keys)
        cols = max(k[1] for k in keys)
        if len(keys) != rows * cols:
            return None
        return [[table[(r, c)][0] for c in range(1, cols + 1)] for r in range(1, rows + 1)], sources
    return None


def _classes(found: dict[str, Value]) -> int | None:
    for name in ("y", "z"):
        value = found.get(name)
        if value is not None and isinstance(value.value, list):
            return len(value.value)
    weights = found.get("W")
    if (
        weights is not None
        and isinstance(weights.value, list)
        and weights.value
        and isinstance(weights.value[0], list)
    ):
        return len(weights.value[0])
    return None


def _read_value_list(item: Item, collector: _Collector) -> None:
    for part in _split_top(re.sub(r"\\[,;:!]|\\quad|\\qquad|~", " ", item.text), ",;"):
        name_text, sep, value_text = part.partition("=")
        entry = _ENTRY.match(name_text)
        if not sep or entry is None:
            continue
        name = AT_NAMES.get(entry.group(1))
        indices = _entry_indices(entry.group(2))
        value = _array(value_text) if "[" in value_text else _number(value_text.strip().rstrip("."))
        if name is None or indices is None or value is None:
            if entry.group(1) not in AT_NAMES:
                collector.notes.append(
                    f"{part.strip()} ({where_of(item)}) is not used: values are taken for x, W, b, y and z"
                )
            continue
        collector.add(name, indices, value, where_of(item))


def _read_table(item: Item, collector: _Collector) -> None:
    """Columns ``y_j`` (or ``y_j = P(x_j)``) beside an index column ``j``."""
    body = re.sub(
        r"\\begin\{(?:array|tabular)\}(\{(?:[^{}]|\{[^{}]*\})*\})?|\\end\{(?:array|tabular)\}", "", item.text
    )
    body = re.sub(r"\\hline|\\text\s*\{([^{}]*)\}", lambda m: m.group(1) or "", body)
    rows = [[cell.strip() for cell in row.split("&")] for row in body.split("\\\\") if row.strip()]
    if len(rows) < 2:
        return
    header = rows[0]
    index_column = next(
        (c for c, cell in enumerate(header) if cell in INDEX_LETTERS and len(cell) == 1), None
    )
    if index_column is None:
        return
    letter = header[index_column]
    for column, cell in enumerate(header):
        pattern = re.compile(r"\s*(\\?[A-Za-z]+)\s*_\s*\{?" + letter + r"\}?\s*")
        names = [m.group(1) for m in map(pattern.fullmatch, cell.split("=")) if m and m.group(1) in AT_NAMES]
        if not names:
            continue
        for row in rows[1:]:
            if len(row) != len(header):
                continue
            index = _number(row[index_column])
            value = _number(row[column])
            if isinstance(index, int) and value is not None:
                collector.add(AT_NAMES[names[0]], (index,), value, f"the table of {where_of(item)}")


# --------------------------------------------------------------------------------------------------------
# Prose: flattened paragraphs with inline math in place
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Flat:
    """The post as running text: prose and short formulas in place, blocks as paragraph breaks."""

    text: str
    starts: tuple[int, ...]  # flat offset where each segment begins
    segments: tuple[Segment, ...]

    def line_at(self, offset: int) -> int:
        index = 0
        for position, start in enumerate(self.starts):
            if start <= offset:
                index = position
        segment = self.segments[index]
        return (
            segment.line + self.text.count("\n", self.starts[index], offset)
            if segment.kind == "prose"
            else segment.line
        )


def _flatten(post: Post, inline_items: set[int]) -> _Flat:
    parts: list[str] = []
    starts: list[int] = []
    length = 0
    for position, segment in enumerate(post.segments):
        starts.append(length)
        if segment.kind == "prose":
            piece = segment.text
        elif position in inline_items:
            piece = segment.text
        else:
            piece = "\n\n"
        parts.append(piece)
        length += len(piece)
    return _Flat("".join(parts), tuple(starts), post.segments)


_PROSE_ALL = re.compile(
    r"\ball\s+(?:the\s+)?(\\?[A-Za-z])\s*(?:'?s)?\s+(?:are|is|equal|=)\s+(?:set\s+to\s+|initiali[sz]ed\s+(?:to|as)\s+)?"
    r"([-+]?\d+(?:\.\d+)?)\b",
    re.I,
)
_PROSE_LABEL = re.compile(
    r"\b(y|label|target|class)\s*=\s*(\d+)\b(?!\s*(?:denotes?|means?|represents?|indicates?|stands?|is\s+used|for\b))",
    re.I,
)


def _read_prose(flat: _Flat, collector: _Collector) -> None:
    for match in _PROSE_ALL.finditer(flat.text):
        name = AT_NAMES.get(match.group(1))
        if name in ("b", "z"):
            collector.add(name, (), _number(match.group(2)), f"prose, line {flat.line_at(match.start())}")
    for match in _PROSE_LABEL.finditer(flat.text):
        before = flat.text[max(0, match.start() - 12) : match.start()].lower()
        if re.search(r"\b(where|if|when|and)\s*$", before):
            continue
        value = int(match.group(2))
        collector.add("y", (), value, f"prose, line {flat.line_at(match.start())}")


# --------------------------------------------------------------------------------------------------------
# The whole context
# --------------------------------------------------------------------------------------------------------


def read_context(post: Post, items: Sequence[Item]) -> PageContext:
    """Values, the true-class symbol and each claim's condition, from the post and its items."""
    by_segment = {id(item.segment): item for item in items}
    segment_index = {id(segment): position for position, segment in enumerate(post.segments)}
    inline = {
        segment_index[id(item.segment)]
        for item in items
        if (item.kind in ("mention", "condition", "values") and not item.segment.display)
        or (item.kind in ("mention", "condition") and len(item.text) < 60)
    }
    flat = _flatten(post, inline)
    collector = _Collector()
    for item in items:
        if item.kind == "values":
            _read_value_list(item, collector)
        elif item.kind == "table":
            _read_table(item, collector)
    _read_prose(flat, collector)
    values = collector.values(None)
    true_class = _true_class(post, items, flat, segment_index)
    conditions: dict[int, Where] = {}
    trailing = _conditions_after(flat, items, segment_index, true_class)
    consumed = {number for number, _ in trailing.values()}
    last_block_end = 0
    previous: Where | None = None
    for item in items:
        position = segment_index[id(item.segment)]
        start = flat.starts[position]
        if item.kind == "condition" and item.number in consumed:
            # "... when $i \neq j$": the formula's before it, not the next one's
            last_block_end = _end_of(flat, position)
        if item.kind in ("claim", "definition", "code", "numeric"):
            window_start = max(last_block_end, start - CONDITION_WINDOW)
            where = _condition_before(flat, window_start, start, items, by_segment, segment_index, true_class)
            after = flat.text[_end_of(flat, position) :][:40]
            if where is not None and _EVERY_ENTRY_AFTER.match(after):
                where = None  # "... $$ for all entries.": said for every case, not the one before
            if item.number in trailing:
                where = trailing[item.number][1]
            elif where is None and previous is not None and _OTHERWISE.search(flat.text[window_start:start]):
                where = _negated(previous)  # "For $i = j$: ... Otherwise: ...": the other case
            if where is not None:
                conditions[item.number] = where
                previous = where
            last_block_end = start
    notes = list(collector.notes)
    return PageContext(tuple(values), tuple(notes), true_class, conditions, notation_words(flat.text))


#: A sentence that says what a symbol is: a cue, and a word naming a role of the model.
_NOTATION_CUE = re.compile(r"\b(?:where|let|denotes?|here|is\s+the|are\s+the|be\s+the)\b", re.I)
_ROLE_WORD = re.compile(
    r"logits?|scores?|softmax|probabilit|one-?hot|targets?|labels?|outputs?|predictions?|weights?|bias", re.I
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n\s*\n")


def notation_words(text: str, limit: int = 2_000) -> str:
    """The post's sentences about its notation (a cue such as "where" or "denotes", and a role word), from
    the cue on, joined by ``;`` for :func:`derive.claims.words.read_words`."""
    found: list[str] = []
    for sentence in _SENTENCE.split(text):
        cue = _NOTATION_CUE.search(sentence)
        if cue is None or not _ROLE_WORD.search(sentence):
            continue
        lead = re.match(r"(?i)where|let|here", cue.group(0))
        found.append(" ".join(sentence[cue.start() if lead else 0 :].split())[:300])
    return "; ".join(found)[:limit]


def _true_class(post: Post, items: Sequence[Item], flat: _Flat, segment_index: dict[int, int]) -> str | None:
    """A single index symbol named in a sentence about the true label (``Let $\\ell$ denote the index of the
    true label``)."""
    for item in items:
        if item.kind != "mention" or not re.fullmatch(r"\s*(\\ell|[a-z]|\\iota)\s*", item.text):
            continue
        start = flat.starts[segment_index[id(item.segment)]]
        sentence_start = max(flat.text.rfind(".", 0, start), flat.text.rfind("\n\n", 0, start)) + 1
        sentence_end = min(
            (p for p in (flat.text.find(".", start), flat.text.find("\n\n", start)) if p != -1),
            default=len(flat.text),
        )
        sentence = flat.text[sentence_start:sentence_end]
        if _TRUE_CLASS_WORDS.search(sentence) and re.search(
            r"\b(let|denote|denotes|call|be)\b", sentence, re.I
        ):
            return item.text.strip()
    return None


#: "Otherwise" in the words before a formula: the case the condition before it leaves out.
_OTHERWISE = re.compile(r"\b(?:otherwise|else|elsewhere)\b", re.I)
#: The words between a formula and a condition that follows it in the same sentence ("$...$ when $i \neq j$").
_TRAILING_CUE = re.compile(
    r"^[\s,$]*(?:\\quad|\\qquad)?[\s,]*(?:when|whenever|for|if|where|with|in\s+(?:the\s+)?case(?:\s+(?:where|that))?)"
    r"\s*\$*\s*$",
    re.I,
)


def _negated(where: Where) -> Where | None:
    """The other case of an index condition (``i = j`` -> ``i != j``)."""
    left, op, right = where.condition.rsplit(" ", 2)  # "{class index} = c"
    if op not in ("=", "!="):
        return None
    other = "!=" if op == "=" else "="
    return Where(f"{left} {other} {right}", f"otherwise ({where.written})", where.source)


def _conditions_after(
    flat: _Flat, items: Sequence[Item], segment_index: dict[int, int], true_class: str | None
) -> dict[int, tuple[int, Where]]:
    r"""Conditions that follow a formula in its sentence ("$\frac{\partial p_i}{\partial z_j} = -p_i p_j$
    when $i \neq j$."): the formula's, by its number, with the condition's number."""
    found: dict[int, tuple[int, Where]] = {}
    last: Item | None = None
    for item in items:
        if item.kind in ("claim", "definition"):
            last = item
            continue
        if item.kind != "condition" or last is None:
            last = None if item.kind in ("code", "numeric") else last
            continue
        end = _end_of(flat, segment_index[id(last.segment)])
        start = flat.starts[segment_index[id(item.segment)]]
        if not (0 <= start - end <= 40) or not _TRAILING_CUE.match(flat.text[end:start]):
            continue
        where = _condition_of(item, true_class)
        if where is not None:
            found[last.number] = (item.number, where)
            last = None
    return found


def _end_of(flat: _Flat, position: int) -> int:
    """Where segment ``position`` ends in the flattened text (a formula not inline is a paragraph break)."""
    return flat.starts[position + 1] if position + 1 < len(flat.starts) else len(flat.text)


def _condition_of(item: Item, true_class: str | None) -> Where | None:
    """A condition formula in the checker's form (the page's true-class symbol as c), or None."""
    parts = condition_parts(item.text)
    if parts is None:
        return None
    left, op, right = parts
    right_name = "c" if true_class is not None and right == true_class else right.replace("\\ell", "ell")
    left_name = "c" if true_class is not None and left == true_class else left
    return Where(f"{left_name} {op} {right_name}", item.text.strip(), where_of(item))


def _condition_before(
    flat: _Flat,
    window_start: int,
    claim_start: int,
    items: Sequence[Item],
    by_segment: dict[int, Item],
    segment_index: dict[int, int],
    true_class: str | None,
) -> Where | None:
    """The last condition in the window before a claim: a condition formula introduced by a cue word, or a
    condition said in words ("for the true class")."""
    found: Where | None = None
    found_at = -1
    window = flat.text[window_start:claim_start]
    for pattern, op in PROSE_CONDITIONS:
        for match in pattern.finditer(window):
            if match.start() > found_at:
                found_at = match.start()
                found = Where(
                    f"{CLASS_INDEX} {op} c",
                    match.group(0),
                    f"prose, line {flat.line_at(window_start + match.start())}",
                )
    formulas = [
        (flat.starts[position], _end_of(flat, position))
        for item in items
        if (position := segment_index.get(id(item.segment))) is not None
    ]
    for match in PLAIN_CONDITION.finditer(window):
        # "For i = j the softmax derivative is" typed without math delimiters (not a formula's own text)
        at = window_start + match.start("left")
        if any(start <= at < end for start, end in formulas):
            continue
        if _NOT_THIS_CASE.search(window[: match.start("left")][-40:]):
            continue
        if match.start() > found_at:
            found_at = match.start()
            op = "=" if match["op"] in ("=", "==") else "!="
            line = flat.line_at(window_start + match.start())
            found = Where(f"{match['left']} {op} {match['right']}", match.group(0), f"prose, line {line}")
    for item in items:
        if item.kind != "condition":
            continue
        start = flat.starts[segment_index[id(item.segment)]]
        if not (window_start <= start < claim_start):
            continue
        lead = flat.text[max(window_start, start - 40) : start]
        end = start + len(item.segment.text) + 4  # the formula and its delimiters
        trail = flat.text[start:min(claim_start, end + 12)]
        cued = _CUE.search(lead) or _CUE_BEFORE_CJK.search(lead[-8:]) or _CUE_AFTER_CJK.search(trail)
        if not cued or start - window_start < found_at:
            continue
        between = flat.text[end - 4 : claim_start]
        sentence = flat.text[max(window_start, start - 100) : start]
        if _NOT_THIS_CASE.search(sentence) or _EVERY_CASE.search(between):
            continue  # "not only when $i = j$", "wrong to assume $j = c$; for all $j$": not the claim's case
        found = _condition_of(item, true_class) or found
    return found
