"""Property: no input ever yields an internal error (issue 9, item 12).

Mutants of the dev claims (../shared/claims-dev/claims.json and claims2.json: every claim, chain and
secondary claim), with the options mutated too, go through the checker in-process: each either gives a
verdict or raises the project's own ``DeriveError`` (the worker turns a ``RecursionError`` into one as
well). Anything else is a bug of ours that a user would see as "internal error".

Hypothesis runs derandomized (tests/conftest.py), so CI sees the same mutants every time. A mutant the
checker needs more than a few seconds for is skipped here: ``derive check`` runs it under its wall-clock
limit, which other tests cover. The symbolic half of the check is the slow one, so every mutant is parsed
and mapped, many are judged numerically, and a few go end to end through a worker process.
"""

from __future__ import annotations

import contextlib
import json
import random
import signal
from collections.abc import Iterator
from dataclasses import replace
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shared_data import shared_file

from derive.claims.run import check_claim
from derive.claims.verdict import CheckOptions, evaluate_claim, map_options
from derive.equivalence import Outcome, Sizes, numeric_check
from derive.errors import EXIT_INTERNAL, DeriveError, InternalError

#: Pieces a mutation inserts: constructs, hostile values and notation from the issue.
FRAGMENTS = (
    r"\frac{", "}", "{", "^", "_", "^{", "_{", r"\partial", r"\sum_{j=1}^{k}", r"\sum_n", r"\log", r"\ln",
    "e^{", "0", "1", "2.5", "1/0", "0/0", r"\frac{0}{0}", "9" * 120, r"\left(", r"\right)", r"\cdot",
    "=", r"\\", "&", r"\neq", r"\ne", r"\;: i \neq i", r"\;: i = j", r"\begin{cases}", r"\end{cases}",
    r"\text{if }", "a_9", "y_{10}", "z_0", r"\infty", "-", "+", "(", ")", "i", "j", "k", "z_j", "W_{ij}",
    "x_i", r"\hat{y}", r"\sigma", r"\sqrt{", "'", "^T", r"e^{e^{e^{e^{100}}}}", "P", "\u2028", "\x00",
    r"\mathrm{e}", r"\text{softmax}(z)_i", r"\delta_{ij}", "1 - ", r"\lambda", r"\epsilon",
)  # fmt: skip

OPTION_VALUES = {
    "classes": (None, 2, 3, 5, 64),
    "assume": ((), ("onehot",), ("sum-to-one",)),
    "loss": ("softmax-ce", "sigmoid-bce", "label-smoothing", "temperature", "weight-decay"),
    "wrt": (None, "z_j", "W_{ij}", "b_j", "x_i", "a_j", "z"),
    "at": ((), ("z=[1,2]",), ("y=[1,0]", "z=[0.5,-1]"), ("x=[1,2]", "W=[[1,2],[3,4]]", "y=[0,1]"),
           ("z=[1,2,3]", "y=[1,0,0]")),
}  # fmt: skip


@cache
def dev_claims() -> tuple[str, ...]:
    texts: list[str] = []
    for name in ("claims.json", "claims2.json"):
        cases = json.loads(shared_file("claims-dev", name).read_text(encoding="utf-8"))["cases"]
        for case in cases:
            texts.append(case["claim_latex"])
            if case.get("steps"):
                texts.append(" \\\\ ".join(case["steps"]))
            texts.extend(secondary["claim_latex"] for secondary in case.get("secondary_claims") or ())
    return tuple(texts)


@cache
def readable_claims() -> tuple[str, ...]:
    """The dev claims the checker reads as they are (their mutants reach the judging code)."""
    readable = []
    for text in dev_claims():
        with contextlib.suppress(DeriveError):
            map_options(CheckOptions(text))
            readable.append(text)
    return tuple(readable)


def mutant(rng: random.Random, texts: tuple[str, ...], edits: int) -> str:
    """A dev claim with 1 to ``edits`` edits: a span deleted, moved or cut off, a fragment put in."""
    text = rng.choice(texts)
    for _ in range(rng.randint(1, edits)):
        start = rng.randint(0, len(text))
        end = min(len(text), start + rng.randint(1, 12))
        operation = rng.choice(("delete", "insert", "replace", "move", "cut"))
        piece = rng.choice(FRAGMENTS)
        if operation == "delete":
            text = text[:start] + text[end:]
        elif operation == "insert":
            text = text[:start] + piece + text[start:]
        elif operation == "replace":
            text = text[:start] + piece + text[end:]
        elif operation == "move":
            text = text[:start] + text[end:] + text[start:end]
        else:
            text = text[:end]
    return text


def options(seed: int, texts: tuple[str, ...], edits: int) -> CheckOptions | DeriveError:
    """The options of mutant number ``seed``: its text, and for one mutant in three mutated options."""
    rng = random.Random(seed)
    text = mutant(rng, texts, edits)
    fields = {name: rng.choice(values) for name, values in OPTION_VALUES.items()}
    if rng.randrange(3):
        fields = {}
    try:
        return CheckOptions(text, timeout=5, **fields)  # type: ignore[arg-type]
    except DeriveError as error:  # a bad option combination is bad input too
        return error


class _Slow(Exception):
    """The mutant took longer than the in-process allowance (in `derive check`: the time limit)."""


@contextlib.contextmanager
def allowance(seconds: int) -> Iterator[None]:
    def stop(signum: int, frame: object) -> None:
        raise _Slow

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    except _Slow:
        pass
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def quick_numeric(lhs: object, rhs: object, model: object, assumptions: object) -> Outcome:
    """The numeric decider of a worker's first report, on fewer points (the code paths are the same)."""
    samples, counterexample, failing, holding = numeric_check(
        lhs, rhs, model, assumptions, max_cases=3, sizes=(Sizes(2, 2, 2), Sizes(3, 2, 2))  # type: ignore[arg-type]
    )
    verdict = "refuted" if counterexample is not None else "undecided"
    return Outcome(verdict, tuple(assumptions), None, counterexample, samples, tuple(failing), tuple(holding))  # type: ignore[arg-type]


quick_numeric.numeric_only = True  # type: ignore[attr-defined]

#: Each example is a seed: hypothesis picks (and on a failure shrinks) seeds, the mutation is seeded.
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


@fuzz(2500)
@given(SEEDS)
def test_no_mutant_of_a_dev_claim_is_an_internal_error_when_read(seed: int) -> None:
    drawn = options(seed, dev_claims(), edits=3)
    if isinstance(drawn, DeriveError):
        return
    with allowance(3):
        try:
            map_options(drawn)
        except (DeriveError, RecursionError):
            pass


@fuzz(250)
@given(SEEDS)
def test_no_mutant_of_a_readable_dev_claim_is_an_internal_error_when_judged(seed: int) -> None:
    drawn = options(seed, readable_claims(), edits=1)
    if isinstance(drawn, DeriveError):
        return
    with allowance(3):
        try:
            evaluate_claim(map_options(drawn), drawn, quick_numeric, symbolic=False)
        except (DeriveError, RecursionError):
            pass


@fuzz(12)
@given(SEEDS)
def test_no_mutant_is_an_internal_error_end_to_end(seed: int) -> None:
    drawn = options(seed, readable_claims(), edits=1)
    if isinstance(drawn, DeriveError):
        return
    try:
        check_claim(replace(drawn, timeout=3))
    except InternalError as error:  # pragma: no cover - the failure this test exists for
        pytest.fail(f"internal error for {drawn}: {error}")
    except DeriveError as error:
        assert error.exit_code != EXIT_INTERNAL, error
