"""How much of the corpus's code the code reader reads: ``python -m derive.claims.code_coverage``.

Reads the code items of ``shared/claims-corpus/equations.jsonl`` (format ``python`` or ``other_code``) and the
code claims of ``shared/claims-dev/claims2.json``, and prints the read rate by language, every refusal with
its one-line message, and the reading times (median and 95th percentile).  An item is *read* when the
reading has a result value, or, for a pure definition, a loss value.  The texts are only read, never run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

from derive.claims.ast import (
    Add,
    Call,
    Cases,
    Condition,
    Derivative,
    Div,
    Exp,
    Index,
    Indicator,
    KroneckerDelta,
    Log,
    Max,
    Mul,
    Neg,
    Node,
    Number,
    Pow,
    Size,
    Sum,
    Symbol,
    Transpose,
)
from derive.claims.code import CodeReading, read_code
from derive.errors import ParseError


def plain(node: Node | Condition) -> str:
    """A compact one-line text form of an IR node (for reports and test messages)."""
    if isinstance(node, Number):
        value = node.value
        return (
            str(value.numerator)
            if value.denominator == 1
            else f"{float(value):g}"
            if value.denominator % 10 == 0 or value.denominator in (2, 4, 5, 8)
            else str(value)
        )
    if isinstance(node, Symbol):
        if not node.indices:
            return node.name
        return f"{node.name}[{', '.join(plain(i) for i in node.indices)}]"
    if isinstance(node, Add):
        text = plain(node.terms[0])
        for term in node.terms[1:]:
            if isinstance(term, Neg):
                operand = term.operand
                inner = plain(operand)
                text += f" - ({inner})" if isinstance(operand, (Add, Neg)) else f" - {inner}"
            else:
                text += f" + {plain(term)}"
        return text
    if isinstance(node, Mul):
        return " * ".join(_atom(f) for f in node.factors)
    if isinstance(node, Div):
        return f"{_atom(node.numerator)} / {_atom(node.denominator)}"
    if isinstance(node, Pow):
        return f"{_atom(node.base)}^{_atom(node.exponent)}"
    if isinstance(node, Neg):
        return f"-{_atom(node.operand)}"
    if isinstance(node, Log):
        return f"log({plain(node.arg)})"
    if isinstance(node, Exp):
        return f"exp({plain(node.arg)})"
    if isinstance(node, Sum):
        return f"sum_{node.index}({plain(node.body)})"
    if isinstance(node, Max):
        return f"max_{node.index}({plain(node.body)})" if node.index else f"max({plain(node.body)})"
    if isinstance(node, Size):
        return f"size({node.index})"
    if isinstance(node, KroneckerDelta):
        return f"delta({plain(node.i)}, {plain(node.j)})"
    if isinstance(node, Indicator):
        return f"[{plain(node.condition)}]"
    if isinstance(node, Condition):
        return f"{plain(node.left)} {'=' if node.op == '=' else '!='} {plain(node.right)}"
    if isinstance(node, Cases):
        parts = [
            f"{plain(v)} if {plain(c)}" if c is not None else f"{plain(v)} otherwise"
            for v, c in node.branches
        ]
        return "{" + "; ".join(parts) + "}"
    if isinstance(node, Call):
        return f"{node.function.name}({', '.join(plain(a) for a in node.args)})"
    if isinstance(node, Derivative):
        return f"d({plain(node.of)})/d({plain(node.wrt)})"
    if isinstance(node, Index):
        return f"({plain(node.base)})[{', '.join(plain(i) for i in node.indices)}]"
    if isinstance(node, Transpose):
        return f"({plain(node.operand)})^T"
    return repr(node)


def _atom(node: Node) -> str:
    text = plain(node)
    if isinstance(node, (Add, Neg, Div, Mul)) or (isinstance(node, Number) and node.value < 0):
        return f"({text})"
    return text


def show(node: Node) -> str:
    """LaTeX from the claim printer where it knows every node, else the compact text form."""
    from derive.claims.latex import format_node

    try:
        return format_node(node)
    except (TypeError, KeyError, AttributeError):
        return plain(node)


@dataclass(frozen=True)
class Item:
    ident: str
    language: str
    kind: str
    text: str


@dataclass(frozen=True)
class Outcome:
    item: Item
    reading: CodeReading | None
    error: str | None
    seconds: float

    @property
    def read(self) -> bool:
        r = self.reading
        return r is not None and (r.result is not None or r.loss is not None)


def corpus_items(root: Path) -> list[Item]:
    items: list[Item] = []
    corpus = root / "claims-corpus" / "equations.jsonl"
    for line in corpus.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["format"] in ("python", "other_code") or entry["kind"] == "code":
            language = "python" if entry["format"] == "python" else str(entry.get("language") or "other")
            items.append(Item(entry["id"], language, entry["kind"], entry["text"]))
    dev = json.loads((root / "claims-dev" / "claims2.json").read_text(encoding="utf-8"))
    for case in dev["cases"]:
        if case["claim_format"] in ("python", "other_code"):
            language = "python" if case["claim_format"] == "python" else _dev_language(case)
            items.append(Item(case["id"], language, "dev", case["claim_latex"]))
            for secondary in case.get("secondary_claims", []):
                if secondary.get("claim_format") in ("python", "other_code"):
                    items.append(
                        Item(f"{case['id']}/{secondary['key']}", language, "dev", secondary["claim_latex"])
                    )
    return items


def _dev_language(case: dict[str, object]) -> str:
    title = str(case.get("source_title", "")) + str(case.get("source_type", ""))
    for name in ("MATLAB", "Julia", "Octave", "Lua", "C++", "R"):
        if name in title:
            return name
    return "other"


def read_item(item: Item) -> Outcome:
    syntax: Literal["python", "code"] = "python" if item.language == "python" else "code"
    start = time.perf_counter()
    try:
        reading = read_code(item.text, syntax, None if syntax == "python" else _language_key(item.language))
        return Outcome(item, reading, None, time.perf_counter() - start)
    except ParseError as error:
        return Outcome(item, None, str(error), time.perf_counter() - start)


def _language_key(language: str) -> str:
    return {"C++": "c++", "C": "c", "CUDA": "cuda", "q (kdb+)": "q"}.get(language, language.lower())


def report(outcomes: Sequence[Outcome], verbose: bool) -> str:
    lines: list[str] = []
    by_language: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_language.setdefault(outcome.item.language, []).append(outcome)
    total = sum(1 for o in outcomes if o.read)
    lines.append(f"code items read: {total}/{len(outcomes)} ({100 * total / max(len(outcomes), 1):.1f}%)")
    for language, group in sorted(by_language.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        read = sum(1 for o in group if o.read)
        lines.append(f"  {language:12s} {read}/{len(group)}")
    times = sorted(o.seconds for o in outcomes)
    if times:
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        lines.append(
            f"reading time: median {1000 * statistics.median(times):.1f} ms, "
            f"95th percentile {1000 * p95:.1f} ms, "
            f"max {1000 * times[-1]:.1f} ms"
        )
    lines.append("refusals:")
    for outcome in outcomes:
        if not outcome.read:
            message = outcome.error or "no result and no loss"
            lines.append(f"  {outcome.item.ident} ({outcome.item.language}): {message}")
    if verbose:
        lines.append("readings:")
        for outcome in outcomes:
            if outcome.reading is not None:
                lines.extend(describe(outcome.item.ident, outcome.reading))
    return "\n".join(lines)


def describe(ident: str, reading: CodeReading) -> list[str]:
    lines = [
        f"  {ident} [{reading.language}] result={reading.result} ({reading.result_reason}); "
        f"loss={reading.loss} ({reading.loss_reason})"
    ]
    for name in (reading.result, reading.loss):
        if name is not None:
            value = reading.values[name]
            lines.append(f"    {name}{list(value.axes)} = {plain(value.node)}")
    lines.append(f"    inputs {reading.inputs}; class labels {sorted(reading.class_labels)}")
    for note in reading.notes:
        lines.append(f"    note: {note}")
    return lines


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m derive.claims.code_coverage", description=__doc__)
    parser.add_argument(
        "--shared",
        type=Path,
        default=Path(__file__).resolve().parents[3] / "shared",
        help="the shared data folder (default: ../shared beside the checkout)",
    )
    parser.add_argument("--verbose", action="store_true", help="also print every reading's result and loss")
    parser.add_argument("ids", nargs="*", help="only these item ids")
    options = parser.parse_args(list(argv) if argv is not None else None)
    items = corpus_items(options.shared)
    if options.ids:
        items = [i for i in items if i.ident in options.ids or i.ident.split("/")[0] in options.ids]
    outcomes = [read_item(item) for item in items]
    print(report(outcomes, options.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())

del Fraction
