"""The scan's summary: counts read back from ``posts.jsonl`` (each post once), as JSON, Markdown and a plot.

* posts by status (checked, no formulas, error) and by type (question, answer), and how many have a
  failing formula;
* formulas per verdict (the statuses of ``derive check --post``);
* the most common mistakes: the derivatives (the checker's reading of the left side) that fail most often,
  and the failing formulas written most often (same text up to spacing);
* time per post (median, 95th percentile, slowest) and the errors by kind.
"""

from __future__ import annotations

import collections
import io
import math
from collections.abc import Iterable
from typing import Any

from derive.emit import render
from derive.post.report import code_span, escape_markdown

#: The order statuses are listed in (the verdicts first, then what was not judged).
STATUS_ORDER = ("holds", "holds_if", "fails", "undecided", "ambiguous", "definition", "not read")

#: How many entries the "most common" lists keep.
TOP = 10


def summarize(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The summary of every post record."""
    by_status: collections.Counter[str] = collections.Counter()
    by_type: collections.Counter[str] = collections.Counter()
    verdicts: collections.Counter[str] = collections.Counter()
    errors: collections.Counter[str] = collections.Counter()
    failing_lhs: collections.Counter[str] = collections.Counter()
    judged_lhs: collections.Counter[str] = collections.Counter()
    failing_text: collections.Counter[str] = collections.Counter()
    examples: dict[str, list[int]] = collections.defaultdict(list)
    seconds: list[float] = []
    slowest: list[tuple[float, int]] = []
    posts = with_failure = 0
    for record in records:
        posts += 1
        by_status[record["status"]] += 1
        by_type[record["type"]] += 1
        seconds.append(float(record.get("seconds") or 0.0))
        slowest = sorted([*slowest, (seconds[-1], record["post_id"])], reverse=True)[:5]
        if record.get("error_kind"):
            errors[record["error_kind"]] += 1
        failed = False
        for claim in record.get("claims", []):
            status = claim["status"]
            verdicts[status] += 1
            lhs = claim.get("lhs")
            if lhs and status in ("holds", "holds_if", "fails", "undecided", "ambiguous"):
                judged_lhs[lhs] += 1
            if status == "fails":
                failed = True
                if lhs:
                    failing_lhs[lhs] += 1
                    if len(examples[lhs]) < 5 and record["post_id"] not in examples[lhs]:
                        examples[lhs].append(record["post_id"])
                failing_text[" ".join(str(claim.get("text", "")).split())[:300]] += 1
        with_failure += failed
    ordered = sorted(seconds)
    return {
        "posts": posts,
        "posts_by_status": dict(sorted(by_status.items())),
        "posts_by_type": dict(sorted(by_type.items())),
        "posts_with_a_failing_formula": with_failure,
        "formulas": sum(verdicts.values()),
        "formulas_by_status": {status: verdicts[status] for status in _statuses(verdicts)},
        "most_failed_derivatives": [
            {"lhs": lhs, "fails": count, "judged": judged_lhs[lhs], "example_posts": examples[lhs]}
            for lhs, count in sorted(failing_lhs.items(), key=lambda pair: (-pair[1], pair[0]))[:TOP]
        ],
        "most_written_failing_formulas": [
            {"text": text, "count": count}
            for text, count in sorted(failing_text.items(), key=lambda pair: (-pair[1], pair[0]))[:TOP]
        ],
        "errors_by_kind": dict(sorted(errors.items())),
        "seconds_per_post": {
            "total": round(sum(ordered), 3),
            "median": _quantile(ordered, 0.5),
            "p95": _quantile(ordered, 0.95),
            "max": round(ordered[-1], 3) if ordered else None,
        },
        "slowest_posts": [{"post_id": post, "seconds": round(time, 3)} for time, post in slowest],
        "seconds": [round(value, 3) for value in seconds],
    }


def _statuses(counter: collections.Counter[str]) -> list[str]:
    return [*(s for s in STATUS_ORDER if s in counter), *sorted(s for s in counter if s not in STATUS_ORDER)]


def _quantile(ordered: list[float], fraction: float) -> float | None:
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return round(ordered[index], 3)


def summary_json(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary as written to summary.json (without the long list of every post's time)."""
    return {key: value for key, value in summary.items() if key != "seconds"}


def summary_markdown(summary: dict[str, Any], dump: str, plot: str | None) -> str:
    """summary.md: the tables, prepared here; the template only arranges them."""
    share = lambda n, total: f"{100 * n / total:.0f}%" if total else "–"  # noqa: E731
    formulas = summary["formulas"]
    timing = summary["seconds_per_post"]
    context = {
        "dump": escape_markdown(dump),
        "posts": summary["posts"],
        "with_failure": summary["posts_with_a_failing_formula"],
        "post_rows": [
            (escape_markdown(status), count) for status, count in summary["posts_by_status"].items()
        ],
        "type_rows": [(escape_markdown(kind), count) for kind, count in summary["posts_by_type"].items()],
        "formulas": formulas,
        "verdict_rows": [
            (escape_markdown(status), count, share(count, formulas))
            for status, count in summary["formulas_by_status"].items()
        ],
        "lhs_rows": [
            (_cell(row["lhs"]), row["fails"], row["judged"], ", ".join(str(p) for p in row["example_posts"]))
            for row in summary["most_failed_derivatives"]
        ],
        "text_rows": [(_cell(row["text"]), row["count"]) for row in summary["most_written_failing_formulas"]],
        "error_rows": [(escape_markdown(kind), count) for kind, count in summary["errors_by_kind"].items()],
        "timing": {key: "–" if value is None else f"{value:g}" for key, value in timing.items()},
        "slowest": ", ".join(f"{row['post_id']} ({row['seconds']:g} s)" for row in summary["slowest_posts"]),
        "plot": plot,
    }
    return render("scan_summary.md.j2", context)


def summary_plot(summary: dict[str, Any]) -> bytes | None:
    """summary.png: formulas per verdict, the derivatives that fail most, time per post (None without
    matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return None
    figure, (verdicts, mistakes, times) = plt.subplots(1, 3, figsize=(15, 4.5))
    statuses = list(summary["formulas_by_status"])
    verdicts.bar(statuses, [summary["formulas_by_status"][s] for s in statuses], color="#4c72b0")
    verdicts.set_title("formulas per verdict")
    verdicts.tick_params(axis="x", rotation=30)
    rows = summary["most_failed_derivatives"][:6]
    labels = [_short(row["lhs"]) for row in rows][::-1]
    mistakes.barh(labels, [row["fails"] for row in rows][::-1], color="#c44e52")
    mistakes.set_title("derivatives that fail most often")
    mistakes.set_xlabel("failing formulas")
    mistakes.xaxis.set_major_locator(MaxNLocator(integer=True))
    mistakes.tick_params(axis="y", labelsize=8)
    seconds = summary["seconds"]
    times.hist(seconds or [0.0], bins=min(30, max(5, len(seconds) // 5)), color="#55a868")
    times.set_title("time per post")
    times.set_xlabel("seconds")
    times.set_ylabel("posts")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def _cell(text: str) -> str:
    """A formula as a code span in a table cell (a pipe is escaped, also inside the span: GFM tables)."""
    return code_span(text).replace("|", "\\|")


def _short(latex: str, limit: int = 40) -> str:
    line = " ".join(latex.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
