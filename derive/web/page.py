"""What the page shows, prepared as plain values for the (autoescaping) template ``post_page.html.j2``.

The post is cut into the same segments as ``derive check --post`` cut it
(:func:`derive.post.extract.read_post` on the same text), and each formula or code block is matched with
its item of the JSON report by number.  Rows follow the post's paragraphs: a row holds the paragraph's
prose and formulas on the left and the cards of its checked formulas on the right.  Text that may hold
``$...$`` math (the checker's explanations) is split into text and math parts here, so the template never
marks anything up from a string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from derive.errors import DeriveError
from derive.post.extract import read_post

#: Marks drawn from common text fonts (DejaVu, Liberation), not emoji: the page works without an emoji font.
MARKS: dict[str, str] = {
    "holds": "✔",
    "holds_if": "⚠",
    "fails": "✘",
    "undecided": "?",
    "ambiguous": "⁇",
    "definition": "≔",
    "not read": "–",
    "not a claim": "",
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

#: Longest formula handed to MathJax; longer ones are shown as source.
MAX_TYPESET = 5000

_MATH = re.compile(r"\$([^$]+)\$")


def parts(text: str) -> list[dict[str, str]]:
    """``"holds for $j = c$ only"`` -> text and math parts (the template escapes both)."""
    out: list[dict[str, str]] = []
    position = 0
    for match in _MATH.finditer(text):
        if match.start() > position:
            out.append({"type": "text", "text": text[position : match.start()]})
        out.append({"type": "math", "text": match.group(1)})
        position = match.end()
    if position < len(text):
        out.append({"type": "text", "text": text[position:]})
    return out


def _number(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{float(value):.6g}"
    return str(value)


def _indices(indices: object) -> str:
    if not isinstance(indices, Mapping) or not indices:
        return "at a sample point"
    names = {"true class c": "c", "true class c*": "c*", "ell": "\\ell"}
    return "at " + ", ".join(f"{names.get(str(k), str(k))} = {v}" for k, v in indices.items())


def result_card(result: Mapping[str, Any]) -> dict[str, Any]:
    """A :class:`~derive.claims.verdict.CheckResult` (as JSON) as a card."""
    steps = result.get("steps") or []
    final = steps[-1]["latex"] if steps else ""
    lhs = result.get("lhs") or ""
    card: dict[str, Any] = {
        "claim": f"{lhs} = {final}" if lhs else final,
        "explanation": parts(str(result.get("explanation") or "")),
        "condition": parts(str(result.get("condition") or "")),
        "steps": [],
        "first_wrong": result.get("first_wrong_step"),
        "counterexample": None,
        "at_rows": [],
        "mapping": [],
        "notes": [parts(str(note)) for note in result.get("notes") or []],
    }
    if len(steps) > 1:
        card["steps"] = [
            {
                "number": step["index"],
                "mark": MARKS.get(step["verdict"], "–"),
                "verdict": HEADLINES.get(step["verdict"], step["verdict"]),
                "status": step["verdict"],
                "tex": step["latex"],
            }
            for step in steps
        ]
    counterexample = result.get("counterexample")
    if isinstance(counterexample, Mapping):
        values = counterexample.get("values") or {}
        card["counterexample"] = {
            "source": "the post's values" if counterexample.get("source") == "--at" else "a random sample",
            "where": _indices(counterexample.get("indices")),
            "claimed": _number(counterexample.get("claimed")),
            "true": _number(counterexample.get("true")),
            "values": [f"{name} = {json.dumps(value)}" for name, value in values.items()]
            if isinstance(values, Mapping)
            else [],
        }
    instance = result.get("at_instance")
    if isinstance(instance, Mapping):
        for row in instance.get("cases", []):
            card["at_rows"].append(
                {
                    "ok": bool(row.get("agrees")),
                    "where": _indices(row.get("indices")),
                    "claimed": _number(row.get("claimed")),
                    "true": _number(row.get("true")),
                }
            )
    for entry in result.get("mapping") or []:
        card["mapping"].append(
            {
                "page": str(entry.get("page", "")),
                "canonical": str(entry.get("canonical", "")),
                "guessed": bool(entry.get("guessed")),
            }
        )
    return card


def item_card(item: Mapping[str, Any]) -> dict[str, Any]:
    """One item of the post's JSON report as a card."""
    status = str(item.get("status", "not read"))
    card: dict[str, Any] = {
        "number": item.get("number"),
        "line": item.get("line"),
        "kind": item.get("kind"),
        "reason": item.get("reason"),
        "status": status,
        "mark": MARKS.get(status, ""),
        "verdict": HEADLINES.get(status, status),
        "error": item.get("error"),
        "where": item.get("where"),
        "definitions": item.get("definitions") or [],
        "item_notes": item.get("notes") or [],
        "numeric_match": item.get("numeric_match"),
        "result": None,
    }
    result = item.get("result")
    if isinstance(result, Mapping):
        card["result"] = result_card(result)
        if item.get("numeric_match") is not None:
            card["result"] = {**card["result"], **_numeric_card(card["result"], bool(item["numeric_match"]))}
    return card


def _numeric_card(card: Mapping[str, Any], matches: bool) -> dict[str, Any]:
    """A worked numeric line: the value at the post's numbers against the one the post writes."""
    shown = "; ".join(
        (f"{row['where']}: " if row["where"] != "at a sample point" else "")
        + f"{row['true']} (the post writes {row['claimed']})"
        for row in card["at_rows"]
    )
    verdict = "it matches to the digits shown" if matches else "it does not match"
    return {
        "explanation": parts(f"At the post's values the left side is {shown}: {verdict}."),
        "condition": [],
        "counterexample": None,
        "steps": [],
        "at_rows": [],
    }


def post_rows(text: str, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The post as rows of pieces (prose, math, code) with the cards of the checked items beside them."""
    try:
        post = read_post(text)
    except DeriveError:
        return []
    by_number = {
        int(item["number"]): item for item in items if isinstance(item, Mapping) and "number" in item
    }
    rows: list[dict[str, Any]] = []
    current: dict[str, Any] = {"pieces": [], "cards": []}

    def close() -> None:
        nonlocal current
        if current["pieces"]:
            rows.append(current)
        current = {"pieces": [], "cards": []}

    number = 0
    for segment in post.segments:
        if segment.kind == "prose":
            chunks = re.split(r"(\n\s*\n)", segment.text)
            for chunk in chunks:
                if re.fullmatch(r"\n\s*\n", chunk):
                    close()
                elif chunk:
                    current["pieces"].append({"type": "prose", "text": chunk})
            continue
        number += 1
        item = by_number.get(number, {})
        status = str(item.get("status", "not a claim"))
        checked = status != "not a claim"
        piece = {
            "type": segment.kind,
            "text": segment.text
            if segment.kind == "code" or len(segment.text) <= MAX_TYPESET
            else segment.source,
            "typeset": segment.kind == "math" and len(segment.text) <= MAX_TYPESET,
            "display": segment.display,
            "number": number,
            "line": segment.line,
            "status": status,
            "kind": item.get("kind", ""),
            "mark": MARKS.get(status, ""),
            "checked": checked,
        }
        current["pieces"].append(piece)
        if checked:
            current["cards"].append(item_card(item))
    close()
    return rows


def page_context(
    *,
    form: Mapping[str, list[str]] | None = None,
    error: str | None = None,
    mode: str = "post",
    text: str = "",
    result: Mapping[str, Any] | None = None,
    exit_code: int | None = None,
    settings_timeout: float = 10.0,
) -> dict[str, Any]:
    """Everything the template shows."""
    form = form or {}

    def field(name: str, default: str = "") -> str:
        values = form.get(name)
        return "\n".join(values) if values else default

    context: dict[str, Any] = {
        "form": {
            "text": field("text"),
            "mode": field("mode", "post"),
            "wrt": field("wrt"),
            "means": field("means"),
            "syntax": field("syntax"),
            "convention": field("convention"),
            "loss": field("loss", "softmax-ce"),
            "batch_loss": field("batch_loss"),
            "notation": field("notation"),
            "classes": field("classes"),
            "timeout": field("timeout", f"{settings_timeout:g}"),
            "let": field("let"),
            "at": field("at"),
            "assume": form.get("assume", []),
            "define": field("define"),
            "where": field("where"),
        },
        "error": error,
        "summary": None,
        "rows": [],
        "exit_code": exit_code,
        "values": [],
        "context_notes": [],
        "true_class": None,
    }
    if result is None:
        return context
    if mode == "post":
        context["summary"] = str(result.get("summary", ""))
        context["rows"] = post_rows(text, result.get("items") or [])
        context["values"] = [
            f"{v['name']} = {json.dumps(v['value'])} ({v['source']})" for v in result.get("values") or []
        ]
        context["context_notes"] = [str(note) for note in result.get("notes") or []]
        context["true_class"] = result.get("true_class")
    else:
        verdict = str(result.get("verdict", "undecided"))
        card: dict[str, Any] = {
            "number": 1,
            "line": 1,
            "kind": "claim",
            "reason": "one claim",
            "status": verdict,
            "mark": MARKS.get(verdict, ""),
            "verdict": HEADLINES.get(verdict, verdict),
            "error": None,
            "where": None,
            "definitions": [],
            "item_notes": [],
            "numeric_match": None,
            "result": result_card(result),
        }
        context["summary"] = f"the claim {HEADLINES.get(verdict, verdict)}"
        piece = {
            "type": "math",
            "text": card["result"]["claim"],
            "typeset": True,
            "display": True,
            "number": 1,
            "line": 1,
            "status": verdict,
            "kind": "claim",
            "mark": card["mark"],
            "checked": True,
        }
        context["rows"] = [{"pieces": [piece], "cards": [card]}]
    return context
