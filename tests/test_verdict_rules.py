"""Verdicts that must not be given (issue 9, items 7-11): a vacuous claim is never `holds`, a chain with
a false step is not a correct derivation, clearly false claims are decided, a correct claim is decided
the same way for every k, and cases that cover every index value are not said to leave some out."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from derive.claims.command import add_check_arguments, run_check
from derive.errors import EXIT_CONDITIONAL, EXIT_FAILS, EXIT_OK, EXIT_USAGE


def run(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    add_check_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = run_check(parser.parse_args(list(argv)), out, err)
    return code, out.getvalue(), err.getvalue()


def as_json(*argv: str) -> tuple[int, dict[str, object]]:
    code, out, err = run(*argv, "--format", "json")
    assert out, err
    return code, json.loads(out)


GRADIENT = r"\frac{\partial H}{\partial z_i} = a_i - y_i"

# ---- 7: a condition no index value satisfies --------------------------------------------------------


@pytest.mark.parametrize(
    "claim",
    [
        r"\frac{\partial H}{\partial z_i} = 99 \;: i \neq i",
        r"\frac{\partial H}{\partial z_i} = a_i - y_i \;: i \ne i",
        r"\frac{\partial H}{\partial z_i} = \begin{cases} 99 & \text{if } i \neq i \end{cases}",
    ],
)
def test_a_claim_whose_condition_no_index_satisfies_is_never_holds(claim: str) -> None:
    code, out, err = run(claim)
    assert code == EXIT_USAGE and out == ""
    assert len(err.strip().splitlines()) == 1 and "holds for no index value" in err


# ---- 8: a chain with a false step --------------------------------------------------------------------


def test_a_chain_with_a_false_step_fails_even_when_it_ends_at_a_right_result() -> None:
    code, data = as_json(r"\frac{\partial H}{\partial z_i} = y_i - a_i = a_i - y_i")
    assert code == EXIT_FAILS and data["verdict"] == "fails"
    assert data["first_wrong_step"] == 0
    assert data["counterexample"] is not None
    conclusion = data["conclusion"]
    assert isinstance(conclusion, dict) and conclusion["verdict"] == "holds_if"
    assert "sum to 1" in str(conclusion["condition"])


def test_the_text_report_states_the_conclusion_separately() -> None:
    code, out, _ = run(r"\frac{\partial H}{\partial z_i} = y_i - a_i = a_i - y_i", "--assume", "sum-to-one")
    assert code == EXIT_FAILS
    assert out.startswith("verdict: fails")
    assert "first wrong step: 0" in out
    assert "conclusion: holds (the last line on its own)" in out


def test_a_chain_of_right_steps_keeps_the_verdict_of_its_conclusion() -> None:
    code, data = as_json(
        r"\frac{\partial H}{\partial z_i} = a_i \sum_j y_j - y_i = a_i - y_i", "--assume", "sum-to-one"
    )
    assert code == EXIT_OK and data["verdict"] == "holds" and data["first_wrong_step"] is None


# ---- 9: clearly false claims are decided --------------------------------------------------------------


@pytest.mark.parametrize("assume", [(), ("--assume", "onehot")])
@pytest.mark.parametrize(
    "claim",
    [
        r"\frac{\partial H}{\partial z_i} = \log y_i",
        r"\frac{\partial H}{\partial z_i} = a_i - y_i + \log y_i",
        r"H = -\log y_1",
    ],
)
def test_a_claim_with_the_log_of_a_target_fails_with_a_counterexample(
    claim: str, assume: tuple[str, ...]
) -> None:
    code, data = as_json(claim, *assume)
    assert code == EXIT_FAILS and data["verdict"] == "fails"
    counterexample = data["counterexample"]
    assert isinstance(counterexample, dict) and counterexample["claimed"] != counterexample["true"]


def test_an_index_out_of_range_is_bad_input_naming_the_index() -> None:
    code, _, err = run(r"\frac{\partial H}{\partial z_i} = a_9", "--classes", "3")
    assert code == EXIT_USAGE and len(err.strip().splitlines()) == 1
    assert "a_9" in err and "k = 3" in err and "b[9]" not in err


def test_a_constant_index_for_symbolic_k_is_sampled_where_it_exists() -> None:
    code, data = as_json(r"\frac{\partial H}{\partial z_i} = a_9 - y_i")
    assert code == EXIT_FAILS and data["verdict"] == "fails"
    counterexample = data["counterexample"]
    assert isinstance(counterexample, dict) and int(str(counterexample["classes"])) >= 9


@pytest.mark.parametrize("right", ["1/0", r"\frac{1}{0}", "0/0", r"\frac{0}{0}", r"\frac{1}{y_i - y_i}"])
def test_a_division_by_zero_is_bad_input_whatever_the_numerator(right: str) -> None:
    code, out, err = run(rf"\frac{{\partial H}}{{\partial z_i}} = {right}")
    assert code == EXIT_USAGE and out == ""
    assert len(err.strip().splitlines()) == 1 and "divides by zero" in err


# ---- 10: the same verdict for every k -----------------------------------------------------------------


@pytest.mark.parametrize("classes", ["2", "3", "4", "5", "k"])
def test_the_gradient_holds_under_the_assumption_for_every_number_of_classes(classes: str) -> None:
    assert run(GRADIENT, "--classes", classes, "--assume", "sum-to-one")[0] == EXIT_OK
    assert run(GRADIENT, "--classes", classes)[0] == EXIT_CONDITIONAL


# ---- 11: cases that cover every index value ------------------------------------------------------------

JACOBIAN_CASES = (
    r"\frac{\partial h_i}{\partial z_j} = \begin{cases} h_i(1-h_j) & %s \\ -h_i h_j & %s \end{cases}"
)
UNCOVERED = "the cases do not cover every index value"


@pytest.mark.parametrize(
    ("equal", "different"), [("i = j", r"i \neq j"), ("i = j", r"i \ne j"), ("j = i", r"i \neq j")]
)
def test_cases_equal_and_different_cover_every_index_value(equal: str, different: str) -> None:
    code, data = as_json(JACOBIAN_CASES % (equal, different))
    assert code == EXIT_OK and data["verdict"] == "holds"
    assert not any(UNCOVERED in str(note) for note in data["notes"])  # type: ignore[attr-defined]


def test_a_single_case_does_say_it_leaves_index_values_out() -> None:
    code, data = as_json(r"\frac{\partial h_i}{\partial z_j} = \begin{cases} h_i(1-h_j) & i = j \end{cases}")
    assert code == EXIT_OK
    assert any(UNCOVERED in str(note) for note in data["notes"])  # type: ignore[attr-defined]
