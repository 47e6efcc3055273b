"""The two seed documents (../shared/seeds/, shipped in ``derive/post/seeds/``), checked as whole posts for
the reports in output/reports/.

Nothing is extracted by hand: each document goes through ``derive check --post`` with no options, which
finds its formulas, definitions, numbers and conditions.  The verdicts are computed on every build.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass

from derive.post import PostOptions, check_post
from derive.post.report import render_post_markdown

#: The time limit per formula in the build: generous, so that no verdict rests on numeric samples only
#: (a timed-out check would make output/ depend on the machine's speed).
BUILD_TIMEOUT = 120.0


@dataclass(frozen=True)
class SeedPost:
    """A seed document and the report it gets."""

    name: str  # reports/<name>.md
    file: str  # in derive/post/seeds/
    source: str


SEED_POSTS: tuple[SeedPost, ...] = (
    SeedPost(
        "seed-000-forum-question-and-answer",
        "000_3a8642f5cabd059b.txt",
        "the forum question and answer of seed 000, checked with `derive check --post` and no options",
    ),
    SeedPost(
        "seed-001-blog-post",
        "001_7609a2e8a9123ac9.txt",
        "the blog post of seed 001, checked with `derive check --post` and no options",
    ),
)


def seed_text(seed: SeedPost) -> str:
    """The seed document as shipped with the package."""
    return (importlib.resources.files("derive.post") / "seeds" / seed.file).read_text(encoding="utf-8")


def seed_report(seed: SeedPost) -> dict[str, str]:
    """``reports/<name>.md`` for one seed document: the whole post's Markdown report."""
    result = check_post(seed_text(seed), PostOptions(timeout=BUILD_TIMEOUT))
    return {f"reports/{seed.name}.md": f"<!-- {seed.source} -->\n" + render_post_markdown(result)}
