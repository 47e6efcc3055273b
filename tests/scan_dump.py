"""Test dumps in the real ``Posts.xml`` format, built from ../shared/claims-dev/ and ../shared/claims-corpus/.

A Stack Exchange dump's ``Posts.xml`` is ``<posts>`` with one ``<row .../>`` per post; every field is an
attribute; the body is HTML (escaped once more as XML), newlines are written ``&#xA;``, tags are
``<a><b>``. :func:`forum_dump` makes one of a few hundred rows: questions about these gradients (tags and
titles as on Math or Cross Validated) and their answers, with the dev claims and corpus formulas in their
HTML bodies, and the rows that a scan must skip (other topics, a tag without the keyword, the keyword
without the tag, tag wikis).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from shared_data import shared_file

ATTRIBUTE_ENTITIES = {'"': "&quot;", "\n": "&#xA;", "\r": "&#xD;", "\t": "&#x9;"}


@dataclass(frozen=True)
class Row:
    id: int
    post_type: int
    body: str
    parent: int | None = None
    title: str = ""
    tags: tuple[str, ...] = ()
    score: int = 0

    def xml(self) -> str:
        fields = {"Id": str(self.id), "PostTypeId": str(self.post_type)}
        if self.parent is not None:
            fields["ParentId"] = str(self.parent)
        fields.update(CreationDate="2019-04-01T10:00:00.000", Score=str(self.score), Body=self.body)
        if self.title:
            fields["Title"] = self.title
        if self.tags:
            fields["Tags"] = "".join(f"<{tag}>" for tag in self.tags)
        attributes = " ".join(
            f'{name}="{escape(value, ATTRIBUTE_ENTITIES)}"' for name, value in fields.items()
        )
        return f"  <row {attributes} />"


def write_dump(path: Path, rows: Iterable[Row]) -> Path:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write('<?xml version="1.0" encoding="utf-8"?>\n<posts>\n')
        for row in rows:
            handle.write(row.xml() + "\n")
        handle.write("</posts>\n")
    return path


def paragraph(text: str) -> str:
    return f"<p>{html.escape(text, quote=False)}</p>"


def math_block(latex: str) -> str:
    """A display formula as MathJax source in a post body (the HTML escapes it once)."""
    return paragraph(f"$$\n{latex}\n$$")


def corpus_body(item: dict[str, object]) -> str:
    """A corpus item as the HTML of a post: prose from its context, then the formula or the code."""
    text = str(item["text"])
    prose = paragraph(f"About the softmax cross-entropy gradient ({item.get('context') or 'my notes'}):")
    if item["format"] in ("python", "other_code"):
        return prose + "\n<pre><code>" + html.escape(text, quote=False) + "</code></pre>"
    if any(mark in text for mark in ("$", "\\(", "\\[")):
        return prose + "\n" + paragraph(text)
    return prose + "\n" + math_block(text)


@dataclass
class ForumDump:
    """The rows of a test dump and the ids a default scan must choose."""

    rows: list[Row] = field(default_factory=list)
    chosen: list[int] = field(default_factory=list)
    next_id: int = 1

    def add(self, post_type: int, body: str, *, chosen: bool, **fields: object) -> int:
        row = Row(self.next_id, post_type, body, **fields)  # type: ignore[arg-type]
        self.rows.append(row)
        if chosen:
            self.chosen.append(row.id)
        self.next_id += 1
        return row.id


def forum_dump(corpus_every: int = 9, unrelated: int = 80) -> ForumDump:
    """A dump of a few hundred rows (see the module docstring)."""
    dump = ForumDump()
    cases = json.loads(shared_file("claims-dev", "claims.json").read_text(encoding="utf-8"))["cases"]
    corpus = [
        json.loads(line)
        for line in shared_file("claims-corpus", "equations.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    # The dev cases: a question with the page's context, an answer with the claim and its chain.
    for number, case in enumerate(cases):
        question = dump.add(
            1,
            paragraph(case["quoted_context"]) + "\n" + paragraph("Is this derivative of the loss right?"),
            chosen=True,
            title=f"Derivative of the softmax cross-entropy loss ({case['id']})",
            tags=("machine-learning", "derivatives") if number % 2 else ("neural-networks", "softmax"),
            score=number,
        )
        body = paragraph("Here is the derivation.") + "\n" + math_block(case["claim_latex"])
        if case.get("steps"):
            body += "\n" + math_block(
                "\\begin{aligned}\n" + " \\\\\n".join(case["steps"]) + "\n\\end{aligned}"
            )
        dump.add(2, body, chosen=True, parent=question, score=number % 3)
    # Corpus formulas: a question with one, an answer with the next; one answer without formulas.
    picked = corpus[::corpus_every]
    for first, second in zip(picked[::2], picked[1::2], strict=False):
        question = dump.add(
            1,
            corpus_body(first),
            chosen=True,
            title="Gradient of softmax with cross entropy",
            tags=("cross-entropy", "backpropagation"),
        )
        dump.add(2, corpus_body(second), chosen=True, parent=question)
    dump.add(2, paragraph("Thanks, this fixed my softmax layer!"), chosen=True, parent=question)
    # What a default scan skips.
    for number in range(unrelated):
        question = dump.add(
            1,
            paragraph("How do I group a DataFrame by two columns?")
            + "\n<pre><code>df.groupby(['a', 'b']).sum()"
            "</code></pre>",
            chosen=False,
            title=f"pandas groupby question {number}",
            tags=("python", "pandas"),
        )
        dump.add(
            2,
            paragraph("Use agg:") + "\n<pre><code>df.groupby('a').agg('sum')</code></pre>",
            chosen=False,
            parent=question,
        )
    for number in range(unrelated // 3):
        question = dump.add(
            1,
            paragraph("Why is") + "\n" + math_block("\\int_0^1 x^2 \\, dx = \\frac{1}{3}") + paragraph("?"),
            chosen=False,
            title=f"An integral {number}",
            tags=("calculus", "integration"),
        )
        dump.add(2, math_block("\\frac{d}{dx} \\frac{x^3}{3} = x^2"), chosen=False, parent=question)
    for number in range(10):  # a chosen tag, but nothing about these gradients
        question = dump.add(
            1,
            paragraph("How many hidden layers should my network have?"),
            chosen=False,
            title=f"Network size {number}",
            tags=("neural-networks",),
        )
        dump.add(2, paragraph("Start with one and grow it."), chosen=False, parent=question)
    for number in range(5):  # the keyword, but another site's tag
        question = dump.add(
            1,
            paragraph("My softmax in JavaScript returns NaN.")
            + "\n"
            + math_block("s_i = e^{z_i}/\\sum_j e^{z_j}"),
            chosen=False,
            title=f"softmax NaN {number}",
            tags=("javascript",),
        )
        dump.add(2, paragraph("Subtract the max before the softmax."), chosen=False, parent=question)
    for post_type in (4, 5, 6, 7, 4):  # tag wikis and other rows: never posts to check
        dump.add(post_type, paragraph("The softmax function, also cross-entropy."), chosen=False)
    return dump


if __name__ == "__main__":  # python tests/scan_dump.py OUT.xml: the test dump, for `derive bench --scan`
    import sys

    target = Path(sys.argv[1])
    made = forum_dump()
    write_dump(target, made.rows)
    print(f"wrote {target}: {len(made.rows)} rows, {len(made.chosen)} chosen by a default scan")
