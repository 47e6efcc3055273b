"""Reading a Stack Exchange data dump's ``Posts.xml``, streamed, and choosing the posts about these gradients.

The dump (``<posts><row Id="1" PostTypeId="1" Body="&lt;p&gt;..." Tags="&lt;softmax&gt;" .../>...``) is read
with :func:`xml.etree.ElementTree.iterparse`; every row is cleared from the tree as soon as it is read, so
memory stays bounded whatever the dump's size (one row at a time, plus the ids of the questions chosen so
far: their answers inherit the question's tags and title).

A question is ``PostTypeId="1"`` and an answer ``PostTypeId="2"`` (with ``ParentId``, its question); every
other row (tag wikis, moderator nominations, ...) is skipped. Tags are ``<a><b>`` in older dumps and
``|a|b|`` in newer ones; both are read. Answers come after their question in a dump (rows are in ``Id``
order and an answer is always newer than its question): an answer whose question was not seen is judged by
its own text only.

Selection (:class:`Selection`): a post is chosen when its question has one of the tags **and** the post's
text (its title, its question's title and its body) mentions one of the keywords; ``--any-tag`` and
``--any-keyword`` turn either test off, ``--match any`` asks for one of the two instead of both.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from derive.errors import UsageError

#: Tags of posts about these gradients on Math, Cross Validated, Data Science, AI and Stack Overflow.
DEFAULT_TAGS: tuple[str, ...] = (
    "softmax",
    "cross-entropy",
    "backpropagation",
    "gradient-descent",
    "loss-function",
    "loss-functions",
    "logistic-regression",
    "neural-networks",
    "neural-network",
    "derivatives",
    "partial-derivative",
    "matrix-calculus",
    "multivariable-calculus",
    "machine-learning",
    "deep-learning",
    "gradient",
)

#: Words that a post about these gradients writes (matched case-insensitively, anywhere in the text).
DEFAULT_KEYWORDS: tuple[str, ...] = (
    "softmax",
    "cross-entropy",
    "cross entropy",
    "crossentropy",
    "log loss",
    "log-loss",
    "logsumexp",
    "log-sum-exp",
)

QUESTION, ANSWER = "1", "2"

PostType = Literal["question", "answer"]


@dataclass(frozen=True)
class DumpPost:
    """One question or answer of the dump."""

    id: int
    question_id: int  # its own id for a question; ParentId for an answer
    type: PostType
    body: str  # HTML, as the dump stores it (entities of the XML already decoded)
    title: str = ""
    tags: tuple[str, ...] = ()
    score: int | None = None
    offset: int = 0  # bytes of the dump read when the row was found (for the progress line)


@dataclass(frozen=True)
class Selection:
    """Which posts are checked: tags and/or keywords (None: that test is off)."""

    tags: frozenset[str] | None = frozenset(DEFAULT_TAGS)
    keywords: tuple[str, ...] | None = DEFAULT_KEYWORDS
    match: Literal["all", "any"] = "all"
    _words: tuple[str, ...] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.keywords is not None:
            words = tuple(sorted({word.lower() for word in self.keywords if word.strip()}))
            if not words:
                raise UsageError("--keyword needs a word")
            object.__setattr__(self, "_words", words)
        if self.tags is not None and not self.tags:
            raise UsageError("--tag needs a tag name")

    def tagged(self, tags: tuple[str, ...]) -> bool:
        return self.tags is None or any(tag.lower() in self.tags for tag in tags)

    def mentions(self, *texts: str) -> bool:
        if self._words is None:
            return True
        for text in texts:
            lowered = text.lower()
            if any(word in lowered for word in self._words):
                return True
        return False

    def needs_both(self) -> bool:
        """Whether a post without a chosen tag can be skipped at once (without reading its text)."""
        return self.match == "all" and self.tags is not None

    def chooses(self, tagged: bool, mentioned: bool) -> bool:
        if self.tags is None and self.keywords is None:
            return True
        tests = [
            test
            for test, on in ((tagged, self.tags is not None), (mentioned, self.keywords is not None))
            if on
        ]
        return all(tests) if self.match == "all" else any(tests)

    def as_dict(self) -> dict[str, object]:
        return {
            "tags": None if self.tags is None else sorted(self.tags),
            "keywords": None if self.keywords is None else sorted({w.lower() for w in self.keywords}),
            "match": self.match,
        }


def dump_file(path: str | Path) -> Path:
    """The ``Posts.xml`` to read: the path itself, or ``Posts.xml`` inside a dump's folder."""
    given = Path(path)
    candidate = given / "Posts.xml" if given.is_dir() else given
    if not candidate.is_file():
        where = f"{given} has no Posts.xml" if given.is_dir() else f"no dump file at {given}"
        raise UsageError(f"{where} (give the dump's Posts.xml or its folder)")
    return candidate


def tag_names(text: str) -> tuple[str, ...]:
    """``<softmax><calculus>`` (older dumps) or ``|softmax|calculus|`` (newer ones) -> the names."""
    if "<" in text:
        return tuple(re.findall(r"<([^<>]+)>", text))
    return tuple(name for name in text.split("|") if name)


def _integer(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def read_rows(stream: BinaryIO) -> Iterator[tuple[dict[str, str], int]]:
    """Each ``row`` element's attributes and the bytes read so far; each row is dropped once read."""
    try:
        events = ET.iterparse(stream, events=("start", "end"))
        root: ET.Element | None = None
        for event, element in events:
            if event == "start":
                if root is None:
                    root = element
                continue
            if element.tag == "row":
                yield dict(element.attrib), _position(stream)
                element.clear()
                if root is not None:
                    root.clear()  # the rows already read hang off the root: let them go
    except ET.ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        reason = str(error).split(":")[0]
        raise UsageError(f"the dump is not valid XML at line {line}, column {column + 1}: {reason}") from None


def _position(stream: BinaryIO) -> int:
    try:
        return stream.tell()
    except (OSError, ValueError):
        return 0


def select_posts(stream: BinaryIO, selection: Selection) -> Iterator[DumpPost]:
    """The questions and answers of the dump that ``selection`` chooses, in the dump's order."""
    tagged_questions: set[int] = set()  # questions with a chosen tag (their answers inherit the tags)
    mentioning_questions: set[int] = set()  # questions whose title or body has a keyword
    for attributes, offset in read_rows(stream):
        kind = attributes.get("PostTypeId")
        post_id = _integer(attributes.get("Id"))
        if post_id is None or kind not in (QUESTION, ANSWER):
            continue
        body = attributes.get("Body", "")
        title = attributes.get("Title", "")
        score = _integer(attributes.get("Score"))
        if kind == QUESTION:
            tags = tag_names(attributes.get("Tags", ""))
            tagged = selection.tagged(tags)
            if not tagged and selection.needs_both():
                continue
            mentioned = selection.mentions(title, body)
            if tagged and selection.tags is not None:
                tagged_questions.add(post_id)
            if mentioned and selection.keywords is not None and (tagged or selection.match == "any"):
                mentioning_questions.add(post_id)
            if selection.chooses(tagged, mentioned):
                yield DumpPost(post_id, post_id, "question", body, title, tags, score, offset)
            continue
        parent = _integer(attributes.get("ParentId"))
        if parent is None:
            continue
        tagged = selection.tags is None or parent in tagged_questions
        if not tagged and selection.needs_both():
            continue
        mentioned = parent in mentioning_questions or selection.mentions(body)
        if selection.chooses(tagged, mentioned):
            yield DumpPost(post_id, parent, "answer", body, "", (), score, offset)


def dump_identity(path: Path) -> dict[str, Any]:
    """What a resumed scan checks to be reading the same dump: its name and size."""
    info = os.stat(path)
    return {"name": path.name, "size": info.st_size}
