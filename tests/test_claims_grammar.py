"""The grammar ships with its LALR tables; the stored tables must be those of the grammar as it is."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from derive.claims.formulas import find_formulas
from derive.claims.grammar import (
    GRAMMAR_PATH,
    TABLES_PATH,
    build_parser,
    grammar_hash,
    load_tables,
    serialize,
    write_tables,
)
from derive.claims.tokens import tokenize

REGENERATE = "python -m derive.claims.grammar"


def test_stored_tables_are_for_this_grammar() -> None:
    with gzip.open(TABLES_PATH, "rb") as stream:
        stored = json.loads(stream.read().decode("utf-8"))
    assert stored["grammar_sha256"] == grammar_hash(), f"math.lark changed: run {REGENERATE}"


def test_stored_tables_are_exactly_what_the_grammar_builds(tmp_path: Path) -> None:
    written = write_tables(tmp_path / "tables.json.gz")
    assert written.read_bytes() == TABLES_PATH.read_bytes(), f"regenerate the tables with {REGENERATE}"


def test_loaded_tables_parse_like_the_grammar() -> None:
    loaded = load_tables()
    assert loaded is not None
    built = build_parser()
    for text in [
        r"\frac{\partial H}{\partial W_{i,j}} = -P_j(x)(1-a_j(x))x_i",
        r"\begin{cases} a & \text{if } i = j \\ 0 & \text{otherwise} \end{cases}",
        "dL/dz_i = p_i - y_i, i = j",
    ]:
        syntax = "latex" if "\\" in text else "text"
        tokens = tokenize(text, find_formulas(text, syntax)[0], syntax)
        assert loaded.parse(tokens) == built.parse(tokens)


def test_tables_for_another_grammar_are_not_loaded(tmp_path: Path) -> None:
    stale = serialize(build_parser())
    stale["grammar_sha256"] = "0" * 64
    path = tmp_path / "stale.json.gz"
    path.write_bytes(gzip.compress(json.dumps(stale).encode("utf-8")))
    assert load_tables(path) is None


def test_the_grammar_is_package_data() -> None:
    assert GRAMMAR_PATH.suffix == ".lark" and GRAMMAR_PATH.exists()
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"derive.claims" = ["*.lark", "*.json.gz"]' in pyproject
    assert '"lark' in pyproject


@pytest.mark.parametrize("name", ["math.lark", "math_tables.json.gz"])
def test_grammar_files_sit_next_to_the_reader(name: str) -> None:
    assert (GRAMMAR_PATH.parent / name).exists()
