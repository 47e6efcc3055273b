"""Reading coverage: how much of a collection of real posted math the reader reads, and how fast.

``python -m derive.claims.math_coverage [--corpus FILE] [--dev DIR] [--refusals] [--readings]`` reads the math
items (formats ``latex``, ``unicode_text``, ``ascii_text``) of ``equations.jsonl`` and the math of the dev
claims (``claims.json``, ``claims2.json``: the claim, its steps and its secondary claims), and prints the
share read by format, every refusal with its one-line message, and the parse time per item (median and
95th percentile).  An item is *read* when it gives at least one reading; whether the reading is right is
the business of the tests and of the verdicts, not of this count.  (``derive bench --corpus`` reports
the same numbers.)  The corpus is untrusted text: it is only ever read by the reader.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TextIO

from derive.claims.ast import Reading
from derive.claims.format import format_claim
from derive.claims.math_read import read_math
from derive.errors import ParseError

MATH_FORMATS: Final = ("latex", "unicode_text", "ascii_text")
DEFAULT_CORPUS: Final = Path("..") / "shared" / "claims-corpus" / "equations.jsonl"
DEFAULT_DEV: Final = Path("..") / "shared" / "claims-dev"


@dataclass(frozen=True)
class Item:
    """One text to read, with where it comes from."""

    key: str
    format: str
    text: str


@dataclass(frozen=True)
class Outcome:
    item: Item
    readings: tuple[Reading, ...]
    error: str | None
    seconds: float


@dataclass
class Coverage:
    """Outcomes of reading a collection, with the summaries the report prints."""

    outcomes: list[Outcome] = field(default_factory=list)

    def by_format(self) -> dict[str, tuple[int, int]]:
        table: dict[str, tuple[int, int]] = {}
        for outcome in self.outcomes:
            read, total = table.get(outcome.item.format, (0, 0))
            table[outcome.item.format] = (read + (outcome.error is None), total + 1)
        return dict(sorted(table.items()))

    @property
    def read(self) -> int:
        return sum(outcome.error is None for outcome in self.outcomes)

    @property
    def refusals(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.error is not None]

    def seconds(self) -> list[float]:
        return sorted(outcome.seconds for outcome in self.outcomes)


def corpus_items(path: Path) -> list[Item]:
    """The math items of ``equations.jsonl`` (code items are the code reader's)."""
    items: list[Item] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        if record.get("format") in MATH_FORMATS:
            items.append(Item(str(record["id"]), str(record["format"]), str(record["text"])))
    return items


def dev_items(folder: Path) -> list[Item]:
    """The math of the dev claims: each claim, its steps and its secondary claims that are not code."""
    items: list[Item] = []
    for name in ("claims.json", "claims2.json"):
        path = folder / name
        if not path.exists():
            continue
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            fmt = str(case.get("claim_format") or "latex")
            if fmt in MATH_FORMATS or fmt == "plain_text":
                items.append(Item(str(case["id"]), fmt, str(case["claim_latex"])))
            for number, step in enumerate(case.get("steps") or []):
                items.append(Item(f"{case['id']}.step{number}", "latex", str(step)))
            for secondary in case.get("secondary_claims") or []:
                fmt = str(secondary.get("claim_format") or "latex")
                if fmt in MATH_FORMATS or fmt == "plain_text":
                    items.append(Item(f"{case['id']}.{secondary['key']}", fmt, str(secondary["claim_latex"])))
    return items


def measure(items: Iterable[Item]) -> Coverage:
    """Read every item (the parser is loaded before the clock starts)."""
    coverage = Coverage()
    for item in items:
        started = time.perf_counter()
        try:
            readings = read_math(item.text)
            error = None
        except ParseError as caught:
            readings, error = (), str(caught)
        coverage.outcomes.append(Outcome(item, readings, error, time.perf_counter() - started))
    return coverage


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, max(0, round(fraction * len(values)) - 1))]


def report(title: str, coverage: Coverage, out: TextIO, *, refusals: bool, readings: bool) -> None:
    total = len(coverage.outcomes)
    out.write(f"{title}: {coverage.read} of {total} read ({100 * coverage.read / max(total, 1):.1f}%)\n")
    for fmt, (read, count) in coverage.by_format().items():
        out.write(f"  {fmt:13} {read:4} of {count:4} ({100 * read / count:.1f}%)\n")
    seconds = coverage.seconds()
    if seconds:
        out.write(
            f"  parse time per item: median {1000 * statistics.median(seconds):.1f} ms, 95th percentile "
            f"{1000 * _percentile(seconds, 0.95):.1f} ms, slowest {1000 * seconds[-1]:.1f} ms\n"
        )
    several = sum(len(outcome.readings) > 1 for outcome in coverage.outcomes)
    out.write(f"  items with more than one reading: {several}\n")
    if refusals:
        for outcome in coverage.refusals:
            out.write(f"  refused {outcome.item.key} ({outcome.item.format}): {outcome.error}\n")
    if readings:
        for outcome in coverage.outcomes:
            for number, reading in enumerate(outcome.readings, 1):
                choices = "; ".join(reading.choices) or "no choice"
                out.write(f"  {outcome.item.key} reading {number} [{choices}]\n")
                for claim in reading.claims:
                    conditions = f"  (conditions {claim.conditions})" if claim.conditions else ""
                    out.write(f"      {format_claim(claim)}{conditions}\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m derive.claims.math_coverage", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="equations.jsonl")
    parser.add_argument(
        "--dev", type=Path, default=DEFAULT_DEV, help="folder with claims.json and claims2.json"
    )
    parser.add_argument("--refusals", action="store_true", help="list every refusal with its message")
    parser.add_argument("--readings", action="store_true", help="print every reading (LaTeX)")
    args = parser.parse_args(argv)
    read_math("x = y")  # load the parser before timing anything
    if args.corpus.exists():
        report(
            "corpus",
            measure(corpus_items(args.corpus)),
            sys.stdout,
            refusals=args.refusals,
            readings=args.readings,
        )
    else:
        sys.stdout.write(f"corpus: {args.corpus} not found\n")
    if args.dev.exists():
        report(
            "dev claims",
            measure(dev_items(args.dev)),
            sys.stdout,
            refusals=args.refusals,
            readings=args.readings,
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
