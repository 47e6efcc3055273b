"""From Python: ``derive.prove`` gives what ``derive prove`` prints, renders in a notebook, and the
documented examples (the package docstring, the README) run as written."""

from __future__ import annotations

import doctest
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import derive
from derive import choices, prove
from derive.cli import main
from derive.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent


def cli(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert main(list(argv), out, err) in (0, 1, 3), err.getvalue()
    return out.getvalue()


@pytest.mark.parametrize(
    ("wrt", "options", "argv"),
    [
        ("z", {}, []),
        ("W", {"classes": 3}, ["--classes", "3"]),
        ("b", {"batch": True}, ["--batch"]),
        ("jacobian", {"loss": "sigmoid-bce"}, ["--loss", "sigmoid-bce"]),
        ("z", {"variant": "temperature"}, ["--variant", "temperature"]),
    ],
)
def test_prove_returns_the_derivations_the_command_prints(wrt: str, options: dict[str, object],
                                                          argv: list[str]) -> None:
    proof = prove(wrt, **options)  # type: ignore[arg-type]
    assert str(proof) == proof.text() == cli("prove", "--wrt", wrt, *argv)
    assert json.loads(proof.json()) == json.loads(cli("prove", "--wrt", wrt, *argv, "--format", "json"))
    assert proof.latex() == cli("prove", "--wrt", wrt, *argv, "--format", "latex")
    assert proof.verdict == "proved" and proof.exit_code == 0


def test_a_proof_shows_every_step_and_verdict_as_markdown_in_a_notebook() -> None:
    proof = prove("z")
    markdown = proof._repr_markdown_()
    assert markdown == proof.markdown()
    assert markdown.count(r"$$\begin{aligned}") == len(proof.derivations) == 2
    steps = sum(len(d.steps) for d in proof.derivations)
    assert markdown.count(": proved}") == steps
    assert "**dH/dz through log-sum-exp**" in markdown
    assert "assumes the targets sum to 1" in markdown


@pytest.mark.slow
def test_the_proof_markdown_renders_with_mathjax() -> None:
    from test_markdown_mathjax import HERE as MATHJAX
    from test_markdown_mathjax import _node_ready, formulas

    node = _node_ready()
    found = [f for wrt in ("z", "hessian") for f in formulas(prove(wrt).markdown())]
    found += formulas(prove("W", batch=True).markdown())
    assert len(found) > 10
    result = subprocess.run([node, str(MATHJAX / "render.js")], input=json.dumps(sorted(set(found))),
                            capture_output=True, text=True, cwd=MATHJAX, timeout=300)
    failures = json.loads(result.stdout or "[]")
    assert result.returncode == 0 and not failures, failures


@pytest.mark.parametrize(
    "options",
    [{"wrt": "q"}, {"classes": 65}, {"classes": "3"}, {"classes": True}, {"convention": "Wx"},
     {"loss": "label-smoothing"}, {"variant": "dropout"}, {"wrt": "z", "batch": True}, {"timeout": 0}],
)
def test_bad_arguments_are_usage_errors_naming_the_argument(options: dict[str, object]) -> None:
    with pytest.raises(UsageError) as caught:
        prove(**options)  # type: ignore[arg-type]
    assert any(str(name) in str(caught.value) for name in options)


def test_the_package_docstring_examples_run() -> None:
    result = doctest.testmod(derive, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10 and result.failed == 0


def _readme_sessions() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```pycon\n(.*?)```", text, re.S)


def test_the_readme_python_examples_run_as_written() -> None:
    sessions = _readme_sessions()
    assert len(sessions) >= 2, "the README shows prove and the reference module from Python"
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for number, session in enumerate(sessions):
        runner.run(parser.get_doctest(session, {}, f"README.md session {number + 1}", "README.md", 0))
    summary = runner.summarize(verbose=False)
    assert summary.attempted >= 8 and summary.failed == 0


@pytest.mark.parametrize("argv", [["--help"], ["check", "--help"], ["prove", "--help"], ["--version"]])
def test_importing_derive_or_asking_for_help_loads_no_sympy(argv: list[str]) -> None:
    code = (
        "import contextlib, io, sys\n"
        "import derive, derive.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    derive.cli.main({argv!r})\n"
        "print('sympy' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=HERE
    )
    assert result.stdout.strip() == "False"


def test_the_sympy_free_name_tables_match_the_modules_that_give_them_meaning() -> None:
    from derive.claims.verdict import ASSUME_NAMES
    from derive.derivation import VARIANTS, WRT_CHOICES, derivations_for  # noqa: F401
    from derive.loss import CONVENTIONS, LOSSES

    assert sorted(ASSUME_NAMES) == sorted(choices.ASSUME_CHOICES)
    assert tuple(VARIANTS) == choices.VARIANT_NAMES and WRT_CHOICES == choices.WRT_CHOICES
    assert CONVENTIONS == choices.CONVENTIONS and LOSSES == choices.LOSSES
