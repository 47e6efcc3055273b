"""Reading a Stack Exchange dump (`derive scan`): the real Posts.xml format, streamed with bounded memory,
and the choice of the posts about these gradients (tags and/or keywords)."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scan_dump import Row, forum_dump, write_dump

from derive.errors import UsageError
from derive.scan.dump import Selection, dump_file, select_posts, tag_names

SOFTMAX_QUESTION = Row(
    1,
    1,
    "<p>Why is</p>\n<p>$$\\frac{\\partial L}{\\partial z_i} = p_i - y_i$$</p>",
    title="Softmax derivative",
    tags=("softmax",),
    score=7,
)


def chosen(rows: list[Row], selection: Selection | None = None) -> list[int]:
    stream = io.BytesIO(write_dump_bytes(rows))
    return [post.id for post in select_posts(stream, selection or Selection())]


def write_dump_bytes(rows: list[Row]) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<posts>\n'
        + "".join(r.xml() + "\n" for r in rows)
        + "</posts>\n"
    ).encode("utf-8")


def test_a_row_is_read_with_its_html_body_newlines_title_tags_and_score() -> None:
    stream = io.BytesIO(write_dump_bytes([SOFTMAX_QUESTION]))
    (post,) = select_posts(stream, Selection())
    assert post.id == post.question_id == 1 and post.type == "question" and post.score == 7
    assert post.body == SOFTMAX_QUESTION.body  # entities decoded, &#xA; back to a newline
    assert post.title == "Softmax derivative" and post.tags == ("softmax",)


def test_tags_are_read_in_the_old_and_the_new_dump_formats() -> None:
    assert tag_names("<softmax><cross-entropy>") == ("softmax", "cross-entropy")
    assert tag_names("|softmax|cross-entropy|") == ("softmax", "cross-entropy")


def test_an_answer_inherits_its_questions_tags_and_title() -> None:
    answer = Row(2, 2, "<p>$$\\frac{\\partial L}{\\partial z_i} = p_i - y_i$$</p>", parent=1)
    assert chosen([SOFTMAX_QUESTION, answer]) == [1, 2]


def test_an_answer_to_a_question_on_another_topic_is_skipped_even_if_it_says_softmax() -> None:
    question = Row(1, 1, "<p>How do I sort a list?</p>", title="Sorting", tags=("python",))
    answer = Row(2, 2, "<p>Unlike a softmax, sorted() ...</p>", parent=1)
    assert chosen([question, answer]) == []


def test_a_chosen_tag_without_a_keyword_is_skipped_unless_either_is_enough() -> None:
    question = Row(1, 1, "<p>How many layers?</p>", title="Network size", tags=("neural-networks",))
    assert chosen([question]) == []
    assert chosen([question], Selection(match="any")) == [1]
    assert chosen([question], Selection(keywords=None)) == [1]


def test_the_keyword_without_a_chosen_tag_is_skipped_unless_tags_are_off() -> None:
    question = Row(1, 1, "<p>My softmax returns NaN</p>", title="NaN", tags=("javascript",))
    assert chosen([question]) == []
    assert chosen([question], Selection(tags=None)) == [1]
    assert chosen([question], Selection(tags=frozenset({"javascript"}))) == [1]


def test_rows_that_are_not_questions_or_answers_are_never_chosen() -> None:
    rows = [
        Row(n, kind, "<p>softmax cross-entropy</p>", tags=("softmax",)) for n, kind in enumerate((3, 4, 5, 6))
    ]
    assert chosen(rows, Selection(tags=None, keywords=None)) == []


def test_the_forum_test_dump_chooses_exactly_the_posts_about_these_gradients(tmp_path: Path) -> None:
    dump = forum_dump()
    path = write_dump(tmp_path / "Posts.xml", dump.rows)
    assert 250 <= len(dump.rows) <= 400 and 40 <= len(dump.chosen) <= 80
    with open(path, "rb") as stream:
        assert [post.id for post in select_posts(stream, Selection())] == dump.chosen


def test_a_dump_folder_is_read_through_its_posts_xml(tmp_path: Path) -> None:
    write_dump(tmp_path / "Posts.xml", [SOFTMAX_QUESTION])
    assert dump_file(tmp_path) == tmp_path / "Posts.xml"
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match=r"has no Posts\.xml"):
        dump_file(tmp_path / "empty")
    with pytest.raises(UsageError, match="no dump file at"):
        dump_file(tmp_path / "missing.xml")


def test_a_broken_dump_is_one_line_naming_where() -> None:
    stream = io.BytesIO(b'<posts>\n<row Id="1" PostTypeId="1" Body="&lt;p&gt;softmax" \n')
    with pytest.raises(UsageError, match=r"not valid XML at line \d+, column \d+") as caught:
        list(select_posts(stream, Selection(tags=None, keywords=None)))
    assert "\n" not in str(caught.value)


@given(st.binary(max_size=400))
def test_any_bytes_give_posts_or_a_usage_error(data: bytes) -> None:
    try:
        posts = list(select_posts(io.BytesIO(data), Selection(tags=None, keywords=None)))
    except UsageError:
        return
    assert all(isinstance(post.id, int) for post in posts)


def _peak_while_reading(path: Path) -> int:
    tracemalloc.start()
    try:
        with open(path, "rb") as stream:
            count = sum(1 for _ in select_posts(stream, Selection(tags=None, keywords=None)))
        assert count > 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_bounded_whatever_the_dumps_size(tmp_path: Path) -> None:
    body = "<p>" + "softmax and cross-entropy. " * 40 + "</p>"

    def rows(count: int) -> list[Row]:
        return [Row(n, 2, body, parent=0) for n in range(1, count + 1)]

    small = _peak_while_reading(write_dump(tmp_path / "small.xml", rows(500)))
    large = _peak_while_reading(write_dump(tmp_path / "large.xml", rows(20_000)))  # 40 times the rows
    assert large < 2 * small + 256 * 1024, (small, large)
