"""Renderers of a :class:`~derive.claims.verdict.CheckResult`: plain text, Markdown (a forum comment with
``$...$`` MathJax) and JSON.

The Markdown goes through the jinja2 template ``templates/report.md.j2`` with ``StrictUndefined``; the
template is dumb: every string is prepared here.  Text pieces are Markdown-escaped; math pieces are LaTeX
produced by :func:`derive.claims.latex.format_node` or fixed strings, never user text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache

import jinja2

from derive.claims.verdict import CheckResult, StepResult, conclusion_text
from derive.emit import templates_dir

HEADLINES: dict[str, str] = {
    "holds": "holds",
    "holds_if": "holds only under a condition",
    "fails": "fails",
    "undecided": "undecided",
    "unreadable": "not read",
    "ambiguous": "ambiguous (the readings disagree)",
}
MARKS: dict[str, str] = {
    "holds": "✅", "holds_if": "⚠️", "fails": "❌", "undecided": "❔", "unreadable": "➖", "ambiguous": "🔀",
}  # fmt: skip

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#~])")
_MATH = re.compile(r"(\$[^$]+\$)")


def _escape_text(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _md(text: str) -> str:
    """Markdown for a sentence that may hold ``$...$`` math (made by the checker): text parts escaped."""
    parts = _MATH.split(text)
    out: list[str] = []
    for part in parts:
        if part.startswith("$") and part.endswith("$") and len(part) > 1:
            out.append(part)
        else:
            out.append(_escape_text(part.replace("$", "")))
    return "".join(out)


def _plain(text: str) -> str:
    """Plain text for a sentence that may hold ``$...$`` math."""
    return text.replace("$", "").replace("\\neq", "!=").replace("\\ell", "ell")


def _number(value: object) -> str:
    if value is None:
        return "no finite value"
    if isinstance(value, (int, float)):
        return f"{float(value):.6g}"
    return str(value)


def _values(values: object) -> list[tuple[str, str]]:
    if not isinstance(values, Mapping):
        return []
    return [(str(name), json.dumps(value)) for name, value in values.items()]


def _where(indices: object) -> str:
    if not isinstance(indices, Mapping) or not indices:
        return "at a sample point"
    return "at " + ", ".join(f"{name} = {value}" for name, value in indices.items())


def _where_math(indices: object) -> str:
    if not isinstance(indices, Mapping) or not indices:
        return "at a sample point"
    parts = []
    true_class = next((str(name) for name in indices if str(name).startswith("true class ")), None)
    letter = true_class.removeprefix("true class ") if true_class is not None else "c"
    for name, value in indices.items():
        label = letter.replace("*", "^*") if name == true_class else _tex_name(str(name))
        parts.append(f"{label} = {int(value)}")
    suffix = f" ({letter} the true class)" if true_class is not None else ""
    return "at $" + ",\\ ".join(parts) + "$" + suffix


def _tex_name(name: str) -> str:
    if re.fullmatch(r"[A-Za-z]('*)", name):
        return name
    if name == "ell":
        return "\\ell"
    return "\\mathrm{" + re.sub(r"[^A-Za-z0-9]", "", name) + "}"


def _final_latex(result: CheckResult) -> str:
    final = result.steps[-1].latex if result.steps else ""
    return f"{result.lhs_latex} = {final}" if result.lhs_latex else final


# --------------------------------------------------------------------------------------------------------
# text
# --------------------------------------------------------------------------------------------------------


def render_text(result: CheckResult) -> str:
    """A terminal report."""
    lines = [f"verdict: {result.verdict}" + (f" ({_plain(result.condition)})" if result.condition else "")]
    lines.append(f"claim:   {_final_latex(result)}")
    if result.explanation:
        lines.append(f"why:     {_plain(result.explanation)}")
    ce = result.counterexample
    if ce is not None:
        lines.append(
            f"counterexample ({ce.get('source', 'sample')}{_classes(ce)}): "
            f"{_where(ce.get('indices'))}: "
            f"claim {_number(ce.get('claimed'))}, true {_number(ce.get('true'))}"
        )
        for name, value in _values(ce.get("values")):
            lines.append(f"    {name} = {value}")
    if len(result.steps) > 1:
        lines.append("steps:")
        for step in result.steps:
            lines.append(f"  [{step.index}] {step.verdict:<10} {step.latex}")
            if step.verdict not in ("holds",) and step.explanation:
                lines.append(f"        {_plain(step.explanation)}")
        lines.append(
            "first wrong step: "
            + ("none" if result.first_wrong_step is None else str(result.first_wrong_step))
        )
        if result.conclusion is not None:
            conclusion = _plain(conclusion_text(result.conclusion))
            lines.append(f"conclusion: {conclusion} (the last line on its own)")
    if result.at_instance is not None:
        lines.append("at your values:")
        for row in result.at_instance.get("cases", []):
            mark = "ok" if row["agrees"] else "WRONG"
            lines.append(
                f"  {_where(row['indices'])}: claim {_number(row['claimed'])}, "
                f"true {_number(row['true'])}  {mark}"
            )
    lines += [_plain(line) for line in _reading_lines(result)]
    if result.mapping:
        lines.append("notation: " + "; ".join(_mapping_text(entry) for entry in result.mapping))
    for note in result.notes:
        lines.append(f"note: {_plain(note)}")
    return "\n".join(lines) + "\n"


def _reading_lines(result: CheckResult) -> list[str]:
    """The reading this result is about, every reading's verdict, and each equation's (``$...$`` math)."""
    lines = [f"reading: {', '.join(result.choices)}"] if result.choices else []
    for number, reading in enumerate(result.readings, start=1):
        choices = reading.get("choices")
        named = ", ".join(map(str, choices)) if isinstance(choices, list) and choices else "as written"
        lines.append(f"reading {number} ({named}): {reading['verdict']}")
    for number, part in enumerate(result.parts, start=1):
        lines.append(f"equation {number}: {HEADLINES[part.verdict]}: ${_final_latex(part)}$")
    return lines


def _mapping_text(entry: Mapping[str, object]) -> str:
    if str(entry["reason"]).startswith("canonical"):
        return f"{entry['page']} ({entry['reason']})"
    kind = "guess" if entry.get("guessed") else "given"
    return f"{entry['page']} -> {entry['canonical']} ({kind}: {_plain(str(entry['reason']))})"


# --------------------------------------------------------------------------------------------------------
# markdown
# --------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    source = (templates_dir() / "report.md.j2").read_text(encoding="utf-8")
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True, trim_blocks=False
    )
    return environment.from_string(source)


def _step_context(step: StepResult) -> dict[str, object]:
    detail = ""
    if step.verdict == "holds_if" and step.condition:
        detail = "if " + (f"${step.condition_latex}$" if step.condition_latex else _md(step.condition))
    elif step.verdict in ("fails", "undecided", "unreadable") and step.explanation:
        detail = _md(step.explanation)
    return {
        "number": step.index,
        "mark": MARKS[step.verdict],
        "verdict": HEADLINES[step.verdict],
        "math": f"${step.latex}$",
        "detail": detail,
    }


def _classes(counterexample: dict[str, object]) -> str:
    """", k = 3" (none for one-variable calculus, which has no classes)."""
    classes = counterexample.get("classes")
    return "" if classes is None else f", k = {classes}"


def markdown_context(result: CheckResult) -> dict[str, object]:
    """Every string the Markdown template shows."""
    counterexample: dict[str, object] | None = None
    ce = result.counterexample
    if ce is not None:
        counterexample = {
            "source": "your values"
            if ce.get("source") == "--at"
            else f"a random sample{_classes(ce)}",
            "where": _where_math(ce.get("indices")),
            "claimed": f"${_number(ce.get('claimed'))}$",
            "true": f"${_number(ce.get('true'))}$",
            "value_lines": [f"`{name} = {value}`" for name, value in _values(ce.get("values"))],
        }
    condition = ""
    if result.condition:
        condition = (
            f"${result.condition_latex}$ ({_md(result.condition)})"
            if result.condition_latex
            else _md(result.condition)
        )
    first_wrong = ""
    if len(result.steps) > 1:
        first_wrong = (
            "; no step is wrong"
            if result.first_wrong_step is None
            else f"; the first wrong step is step {result.first_wrong_step}"
        )
    at_rows: list[str] = []
    at_values = ""
    if result.at_instance is not None:
        for row in result.at_instance.get("cases", []):
            mark = "✅" if row["agrees"] else "❌"
            at_rows.append(
                f"{mark} {_where_math(row['indices'])}: claim ${_number(row['claimed'])}$, "
                f"true ${_number(row['true'])}$"
            )
        at_values = ", ".join(
            f"`{name} = {value}`" for name, value in _values(result.at_instance.get("values"))
        )
    mapping = "; ".join(
        f"${entry['page']}$ (canonical)"
        if str(entry["reason"]).startswith("canonical")
        else f"${entry['page']}$ → ${entry['canonical']}$" + (" (guess)" if entry.get("guessed") else "")
        for entry in result.mapping
    )
    headline = HEADLINES[result.verdict] + ("" if result.symbolic else " (numeric samples only)")
    return {
        "headline": f"{MARKS[result.verdict]} {headline}",
        "claim_line": f"${_final_latex(result)}$",
        "explanation": _md(_capitalize(result.explanation)) + ("." if result.explanation else ""),
        "condition": condition,
        "counterexample": counterexample,
        "steps": [_step_context(step) for step in result.steps] if len(result.steps) > 1 else [],
        "first_wrong": first_wrong,
        "at_rows": at_rows,
        "at_values": at_values,
        "mapping": mapping,
        "notes": [_md(note) for note in result.notes] + [_md(line) for line in _reading_lines(result)],
        "footer": "exact symbolic check with 50-digit numeric samples"
        if result.symbolic
        else "numeric samples",
    }


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def render_markdown(result: CheckResult) -> str:
    """A forum comment: Markdown with ``$...$`` math."""
    return _template().render(**markdown_context(result))


# --------------------------------------------------------------------------------------------------------
# json
# --------------------------------------------------------------------------------------------------------


def render_json(result: CheckResult) -> str:
    """The result object as one JSON document."""
    return json.dumps({**result.as_dict(), "exit_code": result.exit_code}, indent=2) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}


def render(result: CheckResult, fmt: str) -> str:
    return RENDERERS[fmt](result)
