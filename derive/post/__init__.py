"""Checking a whole post as it is pasted: Markdown, a Stack Exchange post body (HTML), or plain text.

One pipeline, one call per stage::

    text --extract--> segments --classify--> items --context--> values, conditions --judge--> verdicts
         --report--> text | Markdown | JSON

``derive check --post FILE`` and ``derive serve`` both run :func:`check_post`.
"""

from __future__ import annotations

from dataclasses import replace

from derive.errors import ParseError
from derive.post.classify import classify, said_gradient, split_definitions
from derive.post.context import read_context
from derive.post.extract import PostFormat, read_post
from derive.post.judge import Checker, PostOptions, PostResult, judge_items

__all__ = ["PostOptions", "PostResult", "check_post"]


def check_post(
    text: str,
    options: PostOptions | None = None,
    post_format: PostFormat | None = None,
    checker: Checker | None = None,
) -> PostResult:
    """Find every formula and code block of a post, read what the post says around them, judge each."""
    post = read_post(text, post_format)
    segments = tuple(piece for segment in post.segments for piece in split_definitions(segment))
    post = replace(post, segments=segments)
    items = [
        said_gradient(classify(number, segment), post.text)
        for number, segment in enumerate(post.math_and_code, start=1)
    ]
    if not items:
        raise ParseError("no formula or code found in the post")
    context = read_context(post, items)
    judged = judge_items(items, context, options or PostOptions(), checker)
    return PostResult(post.format, tuple(judged), context)
