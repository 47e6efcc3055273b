"""``derive bench --corpus FILE``: how much of a corpus of real posted notation ``derive check`` reads.

Each item of a JSON Lines corpus (``../shared/claims-corpus/equations.jsonl``: ``id``, ``kind``, ``format``,
``language``, ``text``) is checked as a user would check it, with no options, one at a time in its worker
process under the usual time limit. An item is *read* when it gets a verdict (holds, holds only if, fails,
undecided), ``ambiguous`` (every reading judged, and they disagree), or, for a text that defines a symbol
derive does not know, a usable definition (so is an expression on its own, a loss written without a left
side, where the item is a definition). Everything else is a refusal, listed with its one-line reason.

The corpus has no verdicts: this measures reading, never the verdicts themselves.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from derive.claims.run import check_claim
from derive.claims.verdict import CheckOptions, CheckResult
from derive.errors import DeriveError, UsageError

Status = Literal["verdict", "ambiguous", "definition", "refused"]

#: The statuses that count as read.
READ: frozenset[str] = frozenset({"verdict", "ambiguous", "definition"})


@dataclass(frozen=True)
class ItemOutcome:
    """What checking one corpus item gave."""

    id: str
    kind: str
    format: str
    language: str
    status: Status
    verdict: str
    message: str
    seconds: float


def load_corpus(path: Path) -> list[dict[str, str]]:
    """The corpus items (JSON Lines, one object with at least ``id`` and ``text`` per line)."""
    items: list[dict[str, str]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read the corpus {path}: {error.__class__.__name__}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            raise UsageError(f"{path}, line {number}: not a JSON object") from None
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise UsageError(f"{path}, line {number}: an item needs a 'text' string")
        items.append({key: str(value) for key, value in item.items() if value is not None})
    return items


def check_item(item: dict[str, str], timeout: float = 10.0, words: bool = False) -> ItemOutcome:
    """Check one corpus item as ``derive check`` would: with no options, or (``words``) with only the
    item's note on its notation (``context``) as ``--notation``."""
    start = time.perf_counter()
    status: Status
    notation = item.get("context") or None if words else None
    try:
        result: CheckResult = check_claim(CheckOptions(item["text"], timeout=timeout, notation=notation))
    except DeriveError as error:
        message = " ".join(str(error).split())
        kind = type(error).__name__
        # an expression on its own is a usable definition (--define 'L = ...') where the item is one
        expression = kind == "ExpressionNotClaimError" and item.get("kind") == "definition"
        status = "definition" if kind == "DefinitionNotClaimError" or expression else "refused"
        verdict = ""
    else:
        status = "ambiguous" if result.verdict == "ambiguous" else "verdict"
        verdict, message = result.verdict, ""
    return ItemOutcome(
        item.get("id", "?"),
        item.get("kind", "?"),
        item.get("format", "?"),
        item.get("language", ""),
        status,
        verdict,
        message,
        time.perf_counter() - start,
    )


def run_corpus(
    items: Sequence[dict[str, str]],
    timeout: float = 10.0,
    progress: Callable[[int, int], None] | None = None,
    words: bool = False,
) -> list[ItemOutcome]:
    """Every item's outcome, in order."""
    outcomes = []
    for number, item in enumerate(items, start=1):
        outcomes.append(check_item(item, timeout, words))
        if progress is not None:
            progress(number, len(items))
    return outcomes


def _rate(outcomes: Iterable[ItemOutcome]) -> tuple[int, int]:
    group = list(outcomes)
    return sum(o.status in READ for o in group), len(group)


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _table(outcomes: Sequence[ItemOutcome], key: str) -> list[str]:
    lines = [
        f"| {key} | items | read | read % | verdicts | ambiguous | definitions | refused |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for value in sorted({getattr(o, key) for o in outcomes}):
        group = [o for o in outcomes if getattr(o, key) == value]
        counts = Counter(o.status for o in group)
        read, total = _rate(group)
        lines.append(
            f"| {value} | {total} | {read} | {100 * read / total:.1f} | {counts['verdict']} "
            f"| {counts['ambiguous']} | {counts['definition']} | {counts['refused']} |"
        )
    return lines


def render_corpus(outcomes: Sequence[ItemOutcome], plain: Sequence[ItemOutcome] = ()) -> str:
    """A Markdown report: the read rate overall, by format and by kind, the times, and every refusal.
    ``outcomes`` were checked with each item's notation note, ``plain`` (if given) with no options."""
    read, total = _rate(outcomes)
    lines = [
        f"**Read: {read} of {total} items ({100 * read / max(total, 1):.1f}%)** "
        "(a verdict, `ambiguous`, or a usable definition) with each item's note on its notation "
        "(`context`) as `--notation`",
        "",
    ]
    if plain:
        read_plain, _ = _rate(plain)
        changed = sum(
            o.verdict != p.verdict for o, p in zip(outcomes, plain, strict=True) if o.verdict and p.verdict
        )
        lines += [
            f"With no options at all: {read_plain} of {len(plain)} "
            f"({100 * read_plain / max(len(plain), 1):.1f}%); "
            f"items read both ways whose verdict the note changed: {changed}.",
            "",
        ]
    lines += [
        *_table(outcomes, "format"),
        "",
        *_table(outcomes, "kind"),
    ]
    verdicts = Counter(o.verdict for o in outcomes if o.verdict)
    lines += [
        "",
        "Verdicts given: " + ", ".join(f"{name} {count}" for name, count in sorted(verdicts.items())),
    ]
    seconds = [o.seconds for o in outcomes]
    if seconds:
        lines += [
            "",
            f"Seconds per item: median {statistics.median(seconds):.2f}, 95th percentile "
            f"{_percentile(seconds, 0.95):.2f}, slowest {max(seconds):.2f}.",
        ]
    refused = [o for o in outcomes if o.status == "refused"]
    if refused:
        lines += ["", "Refused (each with its one-line reason):", ""]
        lines += [
            f"- {o.id} ({o.format}{', ' + o.language if o.language else ''}): {o.message}" for o in refused
        ]
    return "\n".join(lines) + "\n"


def bench_corpus(
    path: Path, timeout: float = 10.0, progress: Callable[[int, int], None] | None = None
) -> str:
    """``derive bench --corpus``: check every item twice (with its notation note, and with no options)
    and report."""
    items = load_corpus(path)
    with_words = run_corpus(items, timeout, progress, words=True)
    return render_corpus(with_words, run_corpus(items, timeout, progress))
