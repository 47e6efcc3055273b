"""``derive prove`` output: derivations as text, LaTeX or JSON (strings only; the CLI prints them)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import sympy

from derive.choices import FORMATS
from derive.derivation import RULES, Derivation, Step
from derive.equivalence import Assumption
from derive.latex_printer import to_latex

__all__ = ["FORMATS", "as_json", "as_latex", "as_markdown", "as_text"]


def _text(expr: sympy.Expr) -> str:
    return sympy.sstr(expr)


def _assumption_list(assumptions: Sequence[Assumption]) -> list[str]:
    return [assumption.value for assumption in assumptions]


def step_record(step: Step) -> dict[str, object]:
    record: dict[str, object] = {
        "rule": step.rule,
        "justification": RULES[step.rule],
        "before": to_latex(step.before),
        "after": to_latex(step.after),
        "assumptions": _assumption_list(step.assumptions),
        "verdict": step.verdict,
    }
    if step.outcome.counterexample is not None:
        record["counterexample"] = step.outcome.counterexample.as_dict()
    return record


def derivation_record(derivation: Derivation) -> dict[str, object]:
    return {
        "name": derivation.name,
        "title": derivation.title,
        "quantity": to_latex(derivation.quantity),
        "result": to_latex(derivation.result),
        "result_unassumed": to_latex(derivation.result_unassumed),
        "assumptions": _assumption_list(derivation.assumptions),
        "steps": [step_record(step) for step in derivation.steps],
    }


def as_json(derivations: Sequence[Derivation], classes: str, wrt: str) -> str:
    """The first derivation's fields at the top level, every derivation under ``derivations``."""
    main = derivation_record(derivations[0])
    document = {
        "classes": classes,
        "wrt": wrt,
        **main,
        "derivations": [derivation_record(d) for d in derivations],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def as_text(derivations: Sequence[Derivation]) -> str:
    lines: list[str] = []
    for derivation in derivations:
        lines.append(f"{derivation.title}")
        lines.append(f"  {_text(derivation.quantity)}")
        for step in derivation.steps:
            tag = f"[{step.verdict}]"
            assumed = (
                f"  (assumes {'; '.join(a.value for a in step.assumptions)})" if step.assumptions else ""
            )
            lines.append(f"    = {_text(step.after)}")
            lines.append(f"      {tag} {step.rule}: {RULES[step.rule]}{assumed}")
            if step.outcome.counterexample is not None:
                example = step.outcome.counterexample
                lines.append(
                    f"      counterexample: k = {example.classes}, {example.indices}, "
                    f"left = {example.lhs:.6g}, right = {example.rhs:.6g}, at {example.values}"
                )
        lines.append(f"  result without assumptions: {_text(derivation.result_unassumed)}")
        if derivation.assumptions:
            lines.append(
                f"  result: {_text(derivation.result)}  "
                f"(assumes {'; '.join(a.value for a in derivation.assumptions)})"
            )
        lines.append("")
    return "\n".join(lines)


_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "_": r"\_",
    "^": r"\^{}",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "$": r"\$",
    "{": r"\{",
    "}": r"\}",
    "~": r"\~{}",
}


def _escape_text(text: str) -> str:
    """Plain words for ``\\text{}``: escape the characters TeX treats specially."""
    return "".join(_TEXT_ESCAPES.get(character, character) for character in text)


def as_latex(derivations: Sequence[Derivation]) -> str:
    blocks: list[str] = []
    for derivation in derivations:
        rows = [f"{to_latex(derivation.quantity)}"]
        for step in derivation.steps:
            note = RULES[step.rule] + (
                "" if not step.assumptions else "; assumes " + ", ".join(a.value for a in step.assumptions)
            )
            rows.append(f"&= {to_latex(step.after)} && \\text{{{_escape_text(note)}: {step.verdict}}}")
        blocks.append(
            f"% {derivation.title}\n\\begin{{align*}}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n"
        )
    return "\n".join(blocks)


def _markdown_note(step: Step) -> str:
    note = f"{step.rule}: {RULES[step.rule]}"
    if step.assumptions:
        note += "; assumes " + "; ".join(a.value for a in step.assumptions)
    return f"{note}: {step.verdict}"


def as_markdown(derivations: Sequence[Derivation]) -> str:
    """Each derivation as a heading and a ``$$\\begin{aligned}...$$`` block (MathJax), one row per step
    with its rule and verdict; the results with and without assumptions below."""
    blocks: list[str] = []
    for derivation in derivations:
        rows = [f"& {to_latex(derivation.quantity)}"]
        for step in derivation.steps:
            rows.append(
                f"&= {to_latex(step.after)} && \\text{{{_escape_text(_markdown_note(step))}}}"
            )
        lines = [
            f"**{derivation.title}**",
            "",
            "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$",
            "",
            f"- result without assumptions: ${to_latex(derivation.result_unassumed)}$",
        ]
        if derivation.assumptions:
            assumed = "; ".join(a.value for a in derivation.assumptions)
            lines.append(f"- result: ${to_latex(derivation.result)}$ (assumes {assumed})")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)
