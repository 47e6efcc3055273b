"""The grammar of posted formulas (``math.lark``) and its LALR(1) parser.

Lark needs about two seconds to build the LALR tables of ``math.lark``, which every ``derive check``
would pay.  So the tables are built once and shipped next to the grammar, in ``math_tables.json.gz``
together with the grammar's SHA-256; loading them takes a few milliseconds.  When the stored hash does not
match the grammar (the grammar was edited), the parser is built from the grammar instead, and
``tests/test_claims_grammar.py`` fails with the command that regenerates the tables::

    python -m derive.claims.grammar

The tables are plain JSON (lists, dictionaries, strings, numbers): nothing in them is executed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from lark import Lark
from lark.common import LexerConf
from lark.grammar import Rule
from lark.lexer import Lexer, TerminalDef

GRAMMAR_PATH: Final = Path(__file__).with_name("math.lark")
TABLES_PATH: Final = Path(__file__).with_name("math_tables.json.gz")


class TokenStream(Lexer):
    """The parser's lexer: the tokens are made by :mod:`derive.claims.tokens`; this only hands them over."""

    def __init__(self, conf: LexerConf) -> None:
        pass

    def lex(self, data: Any) -> Iterator[Any]:  # type: ignore[override]
        return iter(data)


def grammar_text() -> str:
    return GRAMMAR_PATH.read_text(encoding="utf-8")


def grammar_hash() -> str:
    return hashlib.sha256(grammar_text().encode("utf-8")).hexdigest()


def build_parser() -> Lark:
    """The parser built from ``math.lark`` (slow: about two seconds)."""
    return Lark(
        grammar_text(), parser="lalr", lexer=TokenStream, maybe_placeholders=False, propagate_positions=True
    )


# ---- JSON for Lark's serialized tables (integer keys and tuples survive the round trip) ---------------


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        if value and all(isinstance(key, int) for key in value):
            return {"__int_keys__": [[key, _encode(item)] for key, item in value.items()]}
        return {str(key): _encode(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(item) for item in value]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot store {type(value).__name__} in the parser tables")


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "__int_keys__" in value:
            return {key: _decode(item) for key, item in value["__int_keys__"]}
        if "__tuple__" in value:
            return tuple(_decode(item) for item in value["__tuple__"])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


_LEXER_PLACEHOLDER: Final = "derive.claims.grammar.TokenStream"


def _canonical(table: dict[str, Any]) -> dict[str, Any]:
    """Lark numbers states and terminals in set order, which varies between runs: renumber them (states
    breadth-first from the start state, terminals by name) so that the stored tables are reproducible."""
    names: dict[int, str] = table["tokens"]
    terminal = {name: number for number, name in enumerate(sorted(set(names.values())))}
    states: dict[int, dict[int, tuple[int, Any]]] = table["states"]
    order: dict[int, int] = {}
    queue = [table["start_states"][name] for name in sorted(table["start_states"])]
    while queue:
        state = queue.pop(0)
        if state in order:
            continue
        order[state] = len(order)
        for token in sorted(states[state], key=lambda t: names[t]):
            action, argument = states[state][token]
            if action == 0:
                queue.append(argument)
    for state in sorted(states):
        order.setdefault(state, len(order))
    renumbered = {
        order[state]: {
            terminal[names[token]]: (action, order[argument] if action == 0 else argument)
            for token, (action, argument) in sorted(actions.items(), key=lambda item: names[item[0]])
        }
        for state, actions in states.items()
    }
    return {
        "tokens": {number: name for name, number in terminal.items()},
        "states": dict(sorted(renumbered.items())),
        "start_states": {name: order[state] for name, state in table["start_states"].items()},
        "end_states": {name: order[state] for name, state in table["end_states"].items()},
    }


def serialize(parser: Lark) -> dict[str, Any]:
    data, memo = parser.memo_serialize([TerminalDef, Rule])
    table = _canonical(data["parser"].pop("parser"))
    data["options"]["lexer"] = _LEXER_PLACEHOLDER
    data["parser"]["lexer_conf"]["lexer_type"] = _LEXER_PLACEHOLDER
    # The parse table is most of the data: stored flat, [terminal, action, state or rule] per entry.
    flat = [
        [
            [token, action, argument["@"] if action == 1 else argument]
            for token, (action, argument) in actions.items()
        ]
        for _, actions in sorted(table["states"].items())
    ]
    return {
        "grammar_sha256": grammar_hash(),
        "lark": _encode({"data": data, "memo": memo}),
        "table": {
            "tokens": [table["tokens"][number] for number in range(len(table["tokens"]))],
            "states": flat,
            "start_states": table["start_states"],
            "end_states": table["end_states"],
        },
    }


def write_tables(path: Path = TABLES_PATH) -> Path:
    """Build the parser from the grammar and store its tables (reproducibly: no time stamp)."""
    payload = json.dumps(serialize(build_parser()), sort_keys=True, separators=(",", ":")).encode("utf-8")
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as stream:
        stream.write(payload)
    return path


def load_tables(path: Path = TABLES_PATH) -> Lark | None:
    """The parser from stored tables, or None when there are none for this grammar."""
    if not path.exists():
        return None
    with gzip.open(path, "rb") as stream:
        stored = json.loads(stream.read().decode("utf-8"))
    if stored.get("grammar_sha256") != grammar_hash():
        return None
    tables = _decode(stored["lark"])
    table = stored["table"]
    tables["data"]["parser"]["parser"] = {
        "tokens": dict(enumerate(table["tokens"])),
        "states": {
            state: {
                token: (action, {"@": argument} if action == 1 else argument)
                for token, action, argument in entries
            }
            for state, entries in enumerate(table["states"])
        },
        "start_states": table["start_states"],
        "end_states": table["end_states"],
    }
    tables["data"]["options"]["lexer"] = TokenStream
    tables["data"]["parser"]["lexer_conf"]["lexer_type"] = TokenStream
    loaded: Lark = Lark.load(tables)
    return loaded


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The LALR(1) parser of ``math.lark`` (from the stored tables when they match the grammar)."""
    return load_tables() or build_parser()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m derive.claims.grammar``: rebuild ``math_tables.json.gz`` from ``math.lark``."""
    del argv
    path = write_tables()
    sys.stdout.write(f"wrote {path.name} for {GRAMMAR_PATH.name} (sha256 {grammar_hash()[:12]})\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
