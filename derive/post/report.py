"""Renderers of a checked post: plain text, Markdown (a comment ready to paste, MathJax-safe) and JSON.

Every string is prepared here; the Markdown template ``templates/post_report.md.j2`` only arranges them.
Math in the Markdown is the checker's own formatting of what it read (MathJax-safe by construction, as in
the single-claim report); anything the checker did not read is shown as a code span, never as math, and
prose is Markdown-escaped.
"""

from __future__ import annotations

import json
import re
from typing import Any

from derive.claims.report import markdown_context, render_text
from derive.emit import render
from derive.post.judge import Judged, PostResult, numeric_values

MARKS: dict[str, str] = {
    "holds": "✅",
    "holds_if": "⚠️",
    "fails": "❌",
    "undecided": "❔",
    "ambiguous": "🔀",
    "definition": "📝",
    "not read": "➖",
    "not a claim": "▫️",
}
HEADLINES: dict[str, str] = {
    "holds": "holds",
    "holds_if": "holds only under a condition",
    "fails": "fails",
    "undecided": "undecided",
    "ambiguous": "ambiguous (its readings disagree)",
    "definition": "definition (applied to the other formulas)",
    "not read": "not read",
    "not a claim": "not a claim",
}
KIND_WORDS: dict[str, str] = {
    "claim": "claim",
    "definition": "definition",
    "code": "code",
    "numeric": "worked numbers",
    "values": "values",
    "table": "table",
    "condition": "condition",
    "mention": "mention",
    "empty": "empty",
}

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#~$])")


def escape_markdown(text: str) -> str:
    """Prose for Markdown: every character Markdown or MathJax would act on is escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def code_span(text: str, limit: int = 90) -> str:
    """A source excerpt as a Markdown code span (one line, shortened, backticks fenced safely)."""
    line = " ".join(text.split())
    if len(line) > limit:
        line = line[: limit - 1] + "…"
    run = "`" * (max((len(m) for m in re.findall(r"`+", line)), default=0) + 1)
    pad = " " if line.startswith("`") or line.endswith("`") else ""
    return f"{run}{pad}{line}{pad}{run}"


def numeric_sentence(judged: Judged, *, markdown: bool = False) -> str:
    """``At the post's values the left side is 0.284958 (the post writes 0.284958): it matches ...``"""
    assert judged.result is not None
    verdict = "it matches to the digits shown" if judged.numeric_match else "it does not match"
    shown = []
    for where, true, claimed in numeric_values(judged.result):
        label = f"at {where}: " if where else ""
        if markdown:
            shown.append(f"{escape_markdown(label)}${true:.6g}$ (the post writes ${claimed:.6g}$)")
        else:
            shown.append(f"{label}{true:.6g} (the post writes {claimed:.6g})")
    return f"At the post’s values the left side is {'; '.join(shown)}: {verdict}"


def _location(judged: Judged) -> str:
    segment = judged.item.segment
    return f"line {segment.line}, column {segment.column}"


def _item_line(judged: Judged) -> str:
    item = judged.item
    return f"[{item.number}] line {item.line} {KIND_WORDS[item.kind]}: {judged.status}"


def _values_text(result: PostResult) -> list[str]:
    return [f"{v.name} = {json.dumps(v.value)} ({v.source})" for v in result.context.values]


def _definition_text(judged: Judged) -> list[str]:
    lines = []
    for use in judged.definitions:
        state = "used" if use.used else f"not used: {use.note}"
        lines.append(f"{use.symbol} from [{use.item}] {use.text} ({state})")
    return lines


# --------------------------------------------------------------------------------------------------------
# text
# --------------------------------------------------------------------------------------------------------


def render_post_text(result: PostResult) -> str:
    lines = [f"post ({result.format}): {len(result.judged)} formulas and code blocks; {result.summary}"]
    for value in _values_text(result):
        lines.append(f"value: {value}")
    if result.context.true_class:
        lines.append(f"true class: {result.context.true_class} (read as c)")
    for note in result.context.notes:
        lines.append(f"note: {note}")
    for judged in result.judged:
        item = judged.item
        if judged.status == "not a claim":
            source = " ".join(item.segment.source.split())
            lines.append(
                f"[{item.number}] line {item.line}, {KIND_WORDS[item.kind]}: not a claim ({item.reason}): "
                f"{source[:100]}{'…' if len(source) > 100 else ''}"
            )
            continue
        lines.append("")
        lines.append(
            f"[{item.number}] line {item.line}, {KIND_WORDS[item.kind]} ({item.reason}): "
            f"{HEADLINES[judged.status]}"
        )
        lines.append("    " + " ".join(item.segment.source.split())[:300])
        if judged.where is not None:
            lines.append(
                f"    where {judged.where.condition} ({judged.where.source}: {judged.where.written})"
            )
        if judged.at:
            lines.append("    at the post's values: " + ", ".join(judged.at))
        for definition in _definition_text(judged):
            lines.append(f"    definition: {definition}")
        if judged.error:
            lines.append(f"    not read: {judged.error}")
        for note in judged.notes:
            lines.append(f"    note: {note}")
        if judged.result is not None and judged.numeric_match is not None:
            lines.append("    " + numeric_sentence(judged))
        elif judged.result is not None:
            lines.extend("    " + line for line in render_text(judged.result).rstrip("\n").split("\n"))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------------------


def _math_lines(judged: Judged) -> dict[str, Any]:
    """What the Markdown shows for one item: the checker's reading as math, or the source as code."""
    context: dict[str, Any] = {
        "number": judged.item.number,
        "mark": MARKS[judged.status],
        "verdict": HEADLINES[judged.status],
        "kind": KIND_WORDS[judged.item.kind],
        "location": _location(judged),
        "source": code_span(judged.item.segment.source or judged.item.text),
        "details": [],
    }
    details: list[str] = []
    if judged.where is not None:
        details.append(
            f"Checked where {code_span(judged.where.condition)} "
            f"({escape_markdown(judged.where.source)}: {code_span(judged.where.written)})"
        )
    if judged.result is not None and judged.numeric_match is not None:
        context["math"] = markdown_context(judged.result)["claim_line"]
        details.append(numeric_sentence(judged, markdown=True))
    elif judged.result is not None:
        claim: dict[str, Any] = markdown_context(judged.result)
        context["math"] = claim["claim_line"]
        if claim["explanation"]:
            details.append(str(claim["explanation"]))
        if claim["condition"]:
            details.append(f"Condition: {claim['condition']}")
        counterexample = claim["counterexample"]
        if counterexample:
            details.append(
                f"Counterexample ({counterexample['source'].replace('your values', 'the post’s values')}): "
                f"{counterexample['where']}: the claim gives {counterexample['claimed']}, "
                f"the true value is {counterexample['true']}"
            )
        if claim["steps"]:
            wrong = judged.result.first_wrong_step
            details.append(
                "Steps"
                + (f" (the first wrong step is step {wrong})" if wrong is not None else " (no step is wrong)")
                + ": "
                + "; ".join(f"{s['number']}. {s['mark']} {s['math']}" for s in claim["steps"])
            )
        if claim["mapping"]:
            details.append(f"Notation read as: {claim['mapping']}")
    else:
        context["math"] = ""
    if judged.error:
        details.append(f"Not read: {escape_markdown(judged.error)}")
    for use in judged.definitions:
        state = "used" if use.used else f"not used: {escape_markdown(use.note)}"
        details.append(
            f"Definition of {code_span(use.symbol)}: equation {use.item}, {code_span(use.text)} ({state})"
        )
    for note in judged.notes:
        details.append(escape_markdown(note))
    if judged.status == "not a claim":
        context["kind"] = f"{KIND_WORDS[judged.item.kind]}: {escape_markdown(judged.item.reason)}"
        details = []
    context["details"] = details
    return context


def markdown_post_context(result: PostResult) -> dict[str, object]:
    return {
        "summary": escape_markdown(result.summary),
        "post_format": result.format,
        "values": [
            f"{code_span(f'{v.name} = {json.dumps(v.value)}')} ({escape_markdown(v.source)})"
            for v in result.context.values
        ],
        "true_class": code_span(result.context.true_class) if result.context.true_class else "",
        "notes": [escape_markdown(note) for note in result.context.notes],
        "items": [_math_lines(judged) for judged in result.judged],
    }


def render_post_markdown(result: PostResult) -> str:
    return render("post_report.md.j2", markdown_post_context(result))


# --------------------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------------------


def post_as_dict(result: PostResult) -> dict[str, object]:
    items = []
    for judged in result.judged:
        item = judged.item
        segment = item.segment
        items.append(
            {
                "number": item.number,
                "kind": item.kind,
                "reason": item.reason,
                "status": judged.status,
                "line": segment.line,
                "column": segment.column,
                "start": segment.start,
                "end": segment.end,
                "display": segment.display,
                "delimiter": segment.delimiter,
                "text": item.text,
                "symbol": item.symbol,
                "where": None
                if judged.where is None
                else {
                    "condition": judged.where.condition,
                    "written": judged.where.written,
                    "source": judged.where.source,
                },
                "at": list(judged.at),
                "definitions": [
                    {"symbol": u.symbol, "item": u.item, "text": u.text, "used": u.used, "note": u.note}
                    for u in judged.definitions
                ],
                "numeric_match": judged.numeric_match,
                "error": judged.error,
                "error_kind": judged.error_kind,
                "notes": list(judged.notes),
                "result": None if judged.result is None else judged.result.as_dict(),
            }
        )
    return {
        "format": result.format,
        "summary": result.summary,
        "exit_code": result.exit_code,
        "values": [{"name": v.name, "value": v.value, "source": v.source} for v in result.context.values],
        "true_class": result.context.true_class,
        "notes": list(result.context.notes),
        "items": items,
    }


def render_post_json(result: PostResult) -> str:
    return json.dumps(post_as_dict(result), indent=2, ensure_ascii=False) + "\n"


RENDERERS = {"text": render_post_text, "markdown": render_post_markdown, "json": render_post_json}


def render_post(result: PostResult, fmt: str) -> str:
    return RENDERERS[fmt](result)
