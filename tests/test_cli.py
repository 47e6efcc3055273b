"""The command line: fixed exit codes, one-line errors, JSON that says what was proved."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from derive.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("classes", ["k", "3"])
def test_prove_weights_as_json_exits_zero_with_every_step_proved(classes: str) -> None:
    code, out, err = run("prove", "--classes", classes, "--wrt", "W", "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["steps"] and all(step["verdict"] == "proved" for step in document["steps"])
    assert {"rule", "before", "after", "assumptions", "verdict"} <= set(document["steps"][0])


def test_prove_logits_reports_the_exact_and_the_assumed_result() -> None:
    code, out, _ = run("prove", "--classes", "k", "--wrt", "z", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert r"\sum" in document["result_unassumed"] and "a_{i}" in document["result_unassumed"]
    assert document["result"].replace(" ", "") == "a_{i}-y_{i}"
    assert document["assumptions"] == ["the targets sum to 1: sum_j y_j = 1"]
    last = document["steps"][-1]
    assert last["rule"] == "targets_sum_to_one" and last["assumptions"] == document["assumptions"]
    assert len(document["derivations"]) == 2  # the Jacobian route and the log-sum-exp route


@pytest.mark.parametrize("wrt", ["b", "x", "jacobian"])
def test_prove_every_other_quantity_is_proved(wrt: str) -> None:
    code, out, _ = run("prove", "--wrt", wrt, "--format", "json")
    assert code == 0
    assert all(step["verdict"] == "proved" for step in json.loads(out)["steps"])


def test_prove_batch_mean_is_proved() -> None:
    code, out, _ = run("prove", "--wrt", "W", "--batch", "--format", "json")
    assert code == 0
    assert "X" in json.loads(out)["result"]


def test_prove_latex_output_has_one_align_per_derivation() -> None:
    code, out, _ = run("prove", "--wrt", "z", "--format", "latex")
    assert code == 0
    assert out.count(r"\begin{align*}") == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["prove", "--classes", "1"],
        ["prove", "--classes", "abc"],
        ["prove", "--classes", "65"],
        ["prove", "--wrt", "q"],
        ["prove", "--format", "pdf"],
        ["prove", "--batch", "--wrt", "z"],
        ["prove", "--timeout", "-3"],
        ["frobnicate"],
    ],
)
def test_bad_input_exits_two_with_one_line_on_stderr(argv: list[str]) -> None:
    code, out, err = run(*argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_python_dash_m_derive_runs_the_cli() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "derive", "prove", "--wrt", "q"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1 and "Traceback" not in completed.stderr


def test_version_is_defined_once() -> None:
    import derive

    text = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in text and "version = {" in text
    assert derive.__version__.count(".") == 2


def _build_wheel(folder: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


@pytest.fixture(scope="module")
def wheel(made_once: Callable[..., Path]) -> Path:
    """The project built as a wheel (what ``pip install .`` installs), once per test run: two builds of
    one source tree at once (two pytest-xdist workers) would share its build folder."""
    (built,) = made_once("wheel", _build_wheel).glob("derive-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_ships_the_templates(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for template in (ROOT / "templates").glob("*.j2"):
        assert f"derive/templates/{template.name}" in names
    assert "derive/py.typed" in names


@pytest.mark.slow
def test_the_wheel_ships_the_reference_module_byte_for_byte(wheel: Path) -> None:
    shipped = zipfile.ZipFile(wheel).read("derive/reference_impl/softmax_cross_entropy.py")
    assert shipped == (ROOT / "output" / "softmax_cross_entropy.py").read_bytes()


@pytest.mark.slow
def test_the_reference_module_imports_after_a_non_editable_install(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    completed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    code = (
        "import numpy as np\n"
        "from derive.reference_impl import softmax_cross_entropy\n"
        "print(softmax_cross_entropy.__file__)\n"
        "loss, grad = softmax_cross_entropy.loss_and_grad_logits(np.array([[2.0, 0.0]]), np.array([0]))\n"
        "print(round(float(loss), 6))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    location, loss = result.stdout.split()
    assert Path(location).resolve().is_relative_to(target.resolve())
    assert Path(location).read_bytes() == (ROOT / "output" / "softmax_cross_entropy.py").read_bytes()
    assert loss == "0.126928"


def test_in_a_checkout_the_reference_module_is_the_emitted_file() -> None:
    from derive.reference_impl import softmax_cross_entropy

    assert Path(softmax_cross_entropy.__file__).resolve() == ROOT / "output" / "softmax_cross_entropy.py"


@pytest.mark.parametrize(
    ("variant", "wrt"), [("label-smoothing", "z"), ("temperature", "z"), ("weight-decay", "W")]
)
def test_prove_variants_exit_zero_with_every_step_proved(variant: str, wrt: str) -> None:
    code, out, _ = run("prove", "--variant", variant, "--wrt", wrt, "--format", "json")
    assert code == 0
    assert all(step["verdict"] == "proved" for step in json.loads(out)["steps"])


def test_prove_sigmoid_binary_cross_entropy_gives_sigmoid_minus_target() -> None:
    code, out, _ = run("prove", "--loss", "sigmoid-bce", "--wrt", "z", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["result"].replace(" ", "") == "a_{i}-y_{i}" and document["assumptions"] == []
    assert all(step["verdict"] == "proved" for step in document["steps"])


def test_a_variant_with_the_wrong_variable_is_bad_input() -> None:
    code, _, err = run("prove", "--variant", "weight-decay", "--wrt", "z")
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_prove_takes_a_variant_not_a_variant_loss() -> None:
    code, _, err = run("prove", "--loss", "temperature")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "temperature" in err
