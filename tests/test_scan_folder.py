"""The scan's folder (`derive scan --out`): derive's own or new, never a user's file; resumable, each post
exactly once; and the summary written from it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from derive.errors import UsageError
from derive.scan.folder import POSTS, STATE, open_folder
from derive.scan.progress import Progress, duration
from derive.scan.summary import summarize, summary_markdown, summary_plot

STATE_A: dict[str, Any] = {
    "dump": {"name": "Posts.xml", "size": 10},
    "selection": {},
    "options": {"timeout": 10},
}


def record(
    post_id: int, *statuses: str, seconds: float = 1.0, lhs: str = "\\frac{\\partial H}{\\partial z_{j}}"
) -> dict[str, Any]:
    claims = [
        {"number": n, "kind": "claim", "status": s, "text": f"claim {s}", "lhs": lhs}
        for n, s in enumerate(statuses, start=1)
    ]
    return {
        "post_id": post_id,
        "question_id": post_id,
        "type": "answer",
        "score": 0,
        "status": "checked",
        "exit_code": 0,
        "summary": "",
        "claims": claims,
        "error": None,
        "error_kind": None,
        "seconds": seconds,
    }


def test_a_new_folder_is_created_with_its_state_first(tmp_path: Path) -> None:
    with open_folder(tmp_path / "scan", STATE_A) as folder:
        assert folder.done == set()
    assert json.loads((tmp_path / "scan" / STATE).read_text())["derive_scan"] == 1


def test_a_folder_that_is_not_derives_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("my notes")
    with pytest.raises(UsageError, match="not a derive scan folder"):
        open_folder(tmp_path / "mine", STATE_A)
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["notes.txt"]


def test_a_file_or_a_link_is_never_the_scans_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("user data")
    with pytest.raises(UsageError, match="not a folder"):
        open_folder(tmp_path / "file", STATE_A)
    (tmp_path / "target").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "target")
    with pytest.raises(UsageError, match="symbolic link"):
        open_folder(tmp_path / "link", STATE_A)
    assert (tmp_path / "file").read_text() == "user data" and not any((tmp_path / "target").iterdir())


def test_posts_jsonl_as_a_link_is_refused(tmp_path: Path) -> None:
    open_folder(tmp_path / "scan", STATE_A).close()
    (tmp_path / "scan" / POSTS).unlink()
    (tmp_path / "elsewhere.jsonl").write_text("")
    (tmp_path / "scan" / POSTS).symlink_to(tmp_path / "elsewhere.jsonl")
    with pytest.raises(UsageError, match="symbolic link"):
        open_folder(tmp_path / "scan", STATE_A)


def test_a_resumed_scan_skips_the_posts_done_and_writes_each_post_once(tmp_path: Path) -> None:
    with open_folder(tmp_path / "scan", STATE_A) as folder:
        assert folder.append(record(1, "holds")) and folder.append(record(2, "fails"))
    with open_folder(tmp_path / "scan", STATE_A) as folder:
        assert folder.done == {1, 2} and folder.lines_before == 2
        assert not folder.append(record(2, "fails"))  # already there: not written again
        assert folder.append(record(3, "holds"))
        assert [r["post_id"] for r in folder.records()] == [1, 2, 3]
    lines = (tmp_path / "scan" / POSTS).read_text().splitlines()
    assert [json.loads(line)["post_id"] for line in lines] == [1, 2, 3]


def test_a_line_torn_by_a_kill_is_cut_off_and_that_post_is_done_again(tmp_path: Path) -> None:
    with open_folder(tmp_path / "scan", STATE_A) as folder:
        folder.append(record(1, "holds"))
    with open(tmp_path / "scan" / POSTS, "a") as handle:
        handle.write('{"post_id": 2, "question_id": 2, "sta')  # a kill in the middle of a write
    with open_folder(tmp_path / "scan", STATE_A) as folder:
        assert folder.done == {1}
        folder.append(record(2, "holds"))
    assert [json.loads(line)["post_id"] for line in (tmp_path / "scan" / POSTS).read_text().splitlines()] == [
        1,
        2,
    ]


def test_resuming_with_another_dump_or_other_options_is_refused(tmp_path: Path) -> None:
    open_folder(tmp_path / "scan", STATE_A).close()
    other_dump = {**STATE_A, "dump": {"name": "Posts.xml", "size": 11}}
    with pytest.raises(UsageError, match=r"holds a scan of the dump Posts\.xml \(10 bytes\)"):
        open_folder(tmp_path / "scan", other_dump)
    with pytest.raises(UsageError, match="other options"):
        open_folder(tmp_path / "scan", {**STATE_A, "options": {"timeout": 30}})


def test_two_scans_never_write_the_same_folder_at_once(tmp_path: Path) -> None:
    with open_folder(tmp_path / "scan", STATE_A), pytest.raises(UsageError, match="another scan is writing"):
        open_folder(tmp_path / "scan", STATE_A)


def test_a_line_changed_by_hand_is_refused_rather_than_guessed(tmp_path: Path) -> None:
    open_folder(tmp_path / "scan", STATE_A).close()
    (tmp_path / "scan" / POSTS).write_text("not json\n")
    with pytest.raises(UsageError, match="line 1 is not a post record"):
        open_folder(tmp_path / "scan", STATE_A)


def test_summary_files_replace_only_derives_own_files(tmp_path: Path) -> None:
    with open_folder(tmp_path / "scan", STATE_A) as folder:
        folder.write_file("summary.md", b"first")
        folder.write_file("summary.md", b"second")
    assert (tmp_path / "scan" / "summary.md").read_bytes() == b"second"
    assert sorted(os.listdir(tmp_path / "scan")) == [POSTS, STATE, "summary.md"]


# ---- the summary --------------------------------------------------------------------------------------


def test_the_summary_counts_posts_formulas_per_verdict_and_the_common_mistakes() -> None:
    records = [
        record(1, "holds", "fails", seconds=0.5),
        record(2, "fails", "not read", seconds=2.0, lhs="\\frac{\\partial H}{\\partial W_{i,j}}"),
        record(3, "fails", seconds=1.0),
        {
            **record(4, seconds=3.0),
            "status": "error",
            "error": "timed out",
            "error_kind": "CheckTimeoutError",
        },
    ]
    summary = summarize(records)
    assert summary["posts"] == 4 and summary["posts_with_a_failing_formula"] == 3
    assert summary["formulas_by_status"] == {"holds": 1, "fails": 3, "not read": 1}
    assert summary["most_failed_derivatives"][0] == {
        "lhs": "\\frac{\\partial H}{\\partial z_{j}}",
        "fails": 2,
        "judged": 3,
        "example_posts": [1, 3],
    }
    assert summary["most_written_failing_formulas"][0] == {"text": "claim fails", "count": 3}
    assert summary["errors_by_kind"] == {"CheckTimeoutError": 1}
    assert summary["seconds_per_post"] == {"total": 6.5, "median": 1.0, "p95": 3.0, "max": 3.0}


def test_the_summary_markdown_and_plot() -> None:
    summary = summarize([record(1, "holds", "fails"), record(2, "holds_if")])
    plot = summary_plot(summary)
    assert plot is not None and plot.startswith(b"\x89PNG\r\n\x1a\n")
    markdown = summary_markdown(summary, "Posts.xml", "summary.png")
    assert "| holds\\_if | 1 | 33% |" in markdown and "![" in markdown
    assert "`\\frac{\\partial H}{\\partial z_{j}}` | 1 | 3 | 1 |" in markdown


# ---- the progress line ------------------------------------------------------------------------------


class Terminal:
    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_the_progress_line_says_posts_done_the_rate_and_the_time_left() -> None:
    terminal = Terminal()
    progress = Progress(terminal, total_bytes=1000, before=5)  # type: ignore[arg-type]
    progress.read_to(100)
    progress.read_to(400)
    progress.finished_one()
    progress.close()
    assert "scan: 6 posts done (5 before)" in terminal.text and "posts/s" in terminal.text
    assert "40% of the dump read" in terminal.text and "left" in terminal.text
    assert terminal.text.endswith("\n")


def test_no_progress_line_when_stderr_is_not_a_terminal() -> None:
    import io

    stream = io.StringIO()
    progress = Progress(stream, total_bytes=1000, before=0)
    progress.finished_one()
    progress.close()
    assert stream.getvalue() == ""
    assert duration(42) == "42 s" and duration(720) == "12 min" and duration(4 * 3600) == "4.0 h"
