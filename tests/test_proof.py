"""Specification of the LaTeX proof: what it shows, that it compiles safely and reproducibly; its printer."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jinja2
import jinja2.meta
import pytest
import sympy
from sympy import Derivative, KroneckerDelta, Sum

from derive import symbols as s
from derive.derivation import RULES, diagonal_only_mistake
from derive.equivalence import Outcome
from derive.latex_printer import to_latex
from derive.loss import Model
from derive.proof import (
    RULE_LATEX,
    derivation_context,
    evaluate_at_iris,
    iris_model,
    notation_rows,
    proof_context,
    step_note,
)
from derive.tex import (
    REPRODUCIBLE_PREAMBLE,
    TexCompileError,
    TexUnavailableError,
    compile_pdf,
    compile_with_log,
    tex_available,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE = "proof.tex.j2"


def render(context: dict[str, object]) -> str:
    """Render the proof template exactly as the emitter does."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
    return environment.get_template(TEMPLATE).render(**context)


def require(tool: str) -> None:
    """Skip without ``tool`` locally; in CI (``CI`` set) a missing tool is a failure, never a skip."""
    if shutil.which(tool) is not None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{tool} is not on PATH, but CI must build the proof: install texlive-latex-base and "
                    f"poppler-utils", pytrace=False)
    pytest.skip(f"{tool} is not installed (CI runs this test)")


@pytest.fixture(scope="module")
def context() -> dict[str, object]:
    return proof_context()


@pytest.fixture(scope="module")
def source(context: dict[str, object]) -> str:
    return render(context)


@pytest.fixture(scope="module")
def compiled(source: str) -> tuple[bytes, str]:
    require("pdflatex")
    return compile_with_log(source)


def derivations_of(context: dict[str, object]) -> list[dict[str, object]]:
    """Every derivation the proof shows as a result (not the mistakes)."""
    found = [context["jacobian"], *context["logit_routes"], *context["parameters"], *context["batch"]]  # type: ignore[misc]
    return found  # type: ignore[return-value]


# ---- the document compiles ----------------------------------------------------------------------


@pytest.mark.slow
def test_the_proof_compiles_with_pdflatex_without_errors_or_undefined_references(
        compiled: tuple[bytes, str]) -> None:
    pdf, log = compiled
    assert pdf.startswith(b"%PDF-")
    for warning in ("undefined references", "There were undefined", "Reference `"):
        assert warning not in log
    assert "! " not in log
    assert "Rerun to get cross-references right" not in log


@pytest.mark.slow
def test_the_proof_has_no_overfull_lines(compiled: tuple[bytes, str]) -> None:
    _, log = compiled
    assert "Overfull \\hbox" not in log


@pytest.mark.slow
def test_page_one_rendered_to_png_is_not_blank(compiled: tuple[bytes, str], tmp_path: Path) -> None:
    require("pdftoppm")
    pdf, _ = compiled
    (tmp_path / "proof.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "proof.pdf", "page"],
                   cwd=tmp_path, check=True, timeout=60)
    assert [p.name for p in tmp_path.glob("page*.png")], "pdftoppm wrote no PNG"
    subprocess.run(["pdftoppm", "-gray", "-r", "50", "-f", "1", "-l", "1", "proof.pdf", "gray"],
                   cwd=tmp_path, check=True, timeout=60)
    (pgm,) = tmp_path.glob("gray*.pgm")
    width, height, pixels = read_pgm(pgm.read_bytes())
    dark = sum(1 for value in pixels if value < 128)
    assert width > 100 and height > 100
    assert dark / (width * height) > 0.005, "page 1 is (nearly) blank"


def read_pgm(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and 8-bit pixels of a binary PGM (P5) image."""
    fields: list[bytes] = []
    position = 0
    while len(fields) < 4:
        while data[position:position + 1].isspace():
            position += 1
        start = position
        while not data[position:position + 1].isspace():
            position += 1
        fields.append(data[start:position])
    assert fields[0] == b"P5" and int(fields[3]) == 255
    width, height = int(fields[1]), int(fields[2])
    pixels = data[position + 1:position + 1 + width * height]
    assert len(pixels) == width * height
    return width, height, pixels


# ---- what the proof shows -----------------------------------------------------------------------


def test_iris_numbers_are_the_seeds(context: dict[str, object]) -> None:
    iris = context["iris"]
    assert isinstance(iris, dict)
    assert iris["z"] == ["0.23", "1.15"]
    assert iris["a"] == ["0.284958", "0.715042"]
    assert iris["weights"] == [["-1.35858", "1.35858"], ["-0.286017", "0.286017"]]
    assert iris["logits"] == ["-0.715042", "0.715042"]
    assert iris["bias"] == ["-0.715042", "0.715042"]
    assert iris["inputs_gradient"] == ["0.286017", "0.286017"]
    assert iris["loss"] == "1.25541"


def test_iris_weight_gradient_agrees_with_differentiating_the_loss(context: dict[str, object]) -> None:
    model = iris_model()
    iris = context["iris"]
    assert isinstance(iris, dict)
    for i in (1, 2):
        for j in (1, 2):
            direct = evaluate_at_iris(Derivative(s.H, s.W[i, j]), model)
            assert f"{float(direct):.6g}" == iris["weights"][i - 1][j - 1]


def test_every_derivation_in_the_proof_is_all_proved(context: dict[str, object]) -> None:
    shown = derivations_of(context)
    assert [d["name"] for d in shown] == ["jacobian", "logits", "logits_lse", "weights", "bias", "inputs",
                                          "batch_weights", "batch_bias"]
    for derivation in shown:
        assert derivation["verdicts"] and set(derivation["verdicts"]) == {"proved"}, derivation["name"]
        assert str(derivation["status"]).startswith("All ")


def test_every_step_shows_its_rule_and_is_marked_machine_checked(context: dict[str, object]) -> None:
    for derivation in derivations_of(context):
        for step in derivation["steps"]:  # type: ignore[union-attr]
            assert "checked: proved $\\checkmark$" in step["note"]


def test_the_jacobian_comes_first_and_the_routes_follow(source: str) -> None:
    jacobian = source.index(r"\section{The softmax Jacobian}")
    route_1 = source.index("Route 1: through the full softmax Jacobian")
    route_2 = source.index("Route 2: through log-sum-exp")
    assert jacobian < route_1 < route_2 < source.index(r"\section{Common mistakes}")


def test_the_sum_to_one_step_states_its_assumption_and_the_residual(context: dict[str, object]) -> None:
    route = context["logit_routes"][0]  # type: ignore[index]
    last = route["steps"][-1]
    assert "assumes $\\sum_{j} y_j = 1$" in last["note"]
    assert not any("assumes" in step["note"] for step in route["steps"][:-1])
    total = sympy.Sum(s.y[sympy.Idx("n", (1, s.k))], (sympy.Idx("n", (1, s.k)), 1, s.k))
    sum_to_one = context["sum_to_one"]
    assert isinstance(sum_to_one, dict)
    assert sum_to_one["exact"] == to_latex(s.a[s.class_index("i")] * total - s.y[s.class_index("i")])
    assert sum_to_one["assumed"] == r"a_{i} - y_{i}"
    assert sum_to_one["residual"] == r"a_{i} \left(\sum_{n=1}^{k} y_{n} - 1\right)"
    assert "proved" in str(sum_to_one["residual_check"])


def test_the_diagonal_only_mistake_is_refuted_with_a_counterexample(context: dict[str, object]) -> None:
    diagonal = context["diagonal"]
    assert isinstance(diagonal, dict)
    assert diagonal["verdict"] == "refuted"
    assert "refuted" in diagonal["derivation"]["verdicts"]
    assert "REFUTED" in diagonal["derivation"]["status"] and "$k = 2$" in diagonal["derivation"]["status"]
    assert diagonal["claim"] == r"- x_{i} y_{j} \left(1 - a_{j}\right)"
    by_entry = {(row["i"], row["j"]): row for row in diagonal["rows"]}
    assert by_entry["1", "2"]["claimed"] == "0" and by_entry["1", "2"]["true"] == "1.35858"
    assert by_entry["1", "1"]["claimed"] == by_entry["1", "1"]["true"] == "-1.35858"


def test_the_blogs_case_one_is_refuted_with_a_counterexample(context: dict[str, object]) -> None:
    case_one = context["case_one"]
    assert isinstance(case_one, dict)
    assert case_one["verdict"] == "refuted"
    assert "$(2, 1)$" in case_one["failing_off_class"] and "$(1, 2)$" in case_one["failing_off_class"]
    assert case_one["counterexample_class"] == "1"
    assert "the claimed value is $0$" in case_one["counterexample"]
    assert case_one["iris_true"] == case_one["iris_a"] == "0.715042"


def test_a_step_that_is_not_proved_is_printed_in_bold() -> None:
    mistake = diagonal_only_mistake(Model())
    refuted = next(step for step in mistake.steps if step.verdict == "refuted")
    assert r"\textbf{checked: REFUTED}" in step_note(refuted, ())
    undecided = refuted.__class__(refuted.rule, refuted.before, refuted.after, (), Outcome("undecided", ()))
    assert r"\textbf{checked: NOT PROVED (undecided)}" in step_note(undecided, ())
    assert r"\textbf{Step 2" in str(derivation_context(mistake)["status"])


def test_the_method_of_checking_is_stated(context: dict[str, object]) -> None:
    sentence = str(context["checking"])
    assert "symbolic residual $0$" in sentence and "50-digit" in sentence
    assert "$k = 2$ and $k = 3$" in sentence


def test_every_rule_has_a_latex_justification() -> None:
    assert set(RULE_LATEX) == set(RULES)


def test_the_notation_table_covers_the_glossary() -> None:
    keys = {row["key"] for row in notation_rows()}
    assert set(s.LATEX_NAMES) <= keys


# ---- the template and determinism ---------------------------------------------------------------


def test_the_template_uses_only_context_variables_and_no_jinja_comments(context: dict[str, object]) -> None:
    text = (TEMPLATES / TEMPLATE).read_text(encoding="utf-8")
    assert "{#" not in text, "a jinja comment collides with LaTeX {#1}"
    environment = jinja2.Environment()
    assert jinja2.meta.find_undeclared_variables(environment.parse(text)) <= set(context)


def test_the_proof_source_has_the_reproducible_preamble_and_no_dates_or_paths(source: str) -> None:
    assert REPRODUCIBLE_PREAMBLE in source
    assert r"\date{}" in source and r"\today" not in source
    for leak in ("/work", "/tmp", "/home", str(Path.cwd())):
        assert leak not in source


@pytest.mark.slow
def test_rendering_twice_gives_identical_tex_across_processes(source: str) -> None:
    script = (
        "import hashlib, sys; sys.path.insert(0, sys.argv[1]); from test_proof import render; "
        "from derive.proof import proof_context; "
        "print(hashlib.sha256(render(proof_context()).encode()).hexdigest())")
    # Both processes run at once (one per core), each with its own hash seed.
    processes = [
        subprocess.Popen([sys.executable, "-c", script, str(Path(__file__).parent)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONHASHSEED": hash_seed})
        for hash_seed in ("1", "2")
    ]
    digests = set()
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        digests.add(out.strip())
    assert digests == {hashlib.sha256(source.encode()).hexdigest()}


@pytest.mark.slow
def test_compiling_twice_gives_identical_pdf_bytes(source: str, compiled: tuple[bytes, str]) -> None:
    assert compile_pdf(source) == compiled[0]


# ---- safe compilation ---------------------------------------------------------------------------


def test_reading_a_file_outside_the_build_directory_is_refused() -> None:
    require("pdflatex")
    with pytest.raises(TexCompileError, match="openin_any"):
        compile_pdf(r"\documentclass{article}\begin{document}\input{/etc/hostname}\end{document}")


def test_writing_a_file_outside_the_build_directory_is_refused(tmp_path: Path) -> None:
    require("pdflatex")
    target = tmp_path / "written.tex"
    with pytest.raises(TexCompileError):
        compile_pdf(r"\documentclass{article}\begin{document}\newwrite\w\immediate\openout\w=" + str(target)
                    + r" \immediate\write\w{x}\immediate\closeout\w x\end{document}")
    assert not target.exists()


def test_write18_does_not_run_a_command(tmp_path: Path) -> None:
    require("pdflatex")
    target = tmp_path / "shell-escape-ran"
    compile_pdf(r"\documentclass{article}\begin{document}\immediate\write18{touch " + str(target)
                + r"}x\end{document}")
    assert not target.exists()


def test_an_undefined_reference_is_a_compile_error() -> None:
    require("pdflatex")
    with pytest.raises(TexCompileError, match="undefined references"):
        compile_pdf(r"\documentclass{article}\begin{document}see \ref{nowhere}\end{document}")


def test_a_latex_error_gives_a_one_line_message_with_the_log_lines() -> None:
    require("pdflatex")
    with pytest.raises(TexCompileError) as caught:
        compile_pdf(r"\documentclass{article}\begin{document}\nosuchcommand\end{document}")
    assert "\n" not in str(caught.value)
    assert "Undefined control sequence" in str(caught.value)
    assert any("Undefined control sequence" in line for line in caught.value.log_lines)


def test_without_pdflatex_on_path_compiling_raises_tex_unavailable(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not tex_available()
    with pytest.raises(TexUnavailableError) as caught:
        compile_pdf(r"\documentclass{article}\begin{document}x\end{document}")
    assert "pdflatex" in str(caught.value) and "\n" not in str(caught.value)


# ---- the LaTeX printer --------------------------------------------------------------------------


i, j = s.class_index("i"), s.class_index("j")
n = sympy.Idx("n", (1, s.k))


@pytest.mark.parametrize(("expr", "expected"), [
    (Derivative(s.H, s.z[i]), r"\frac{\partial H}{\partial z_{i}}"),
    (Derivative(s.a[j], s.z[i]), r"\frac{\partial a_{j}}{\partial z_{i}}"),
    (KroneckerDelta(i, j), r"\delta_{ij}"),
    (s.W[i, j], r"W_{ij}"),
    (Sum(s.y[n], (n, 1, s.k)), r"\sum_{n=1}^{k} y_{n}"),
    (s.a[j] * (KroneckerDelta(i, j) - s.a[i]), r"a_{j} \left(\delta_{ij} - a_{i}\right)"),
    (Sum(s.y[sympy.Idx("n_", (1, s.k))], (sympy.Idx("n_", (1, s.k)), 1, s.k)), r"\sum_{n=1}^{k} y_{n}"),
    (Sum(s.y[sympy.Idx("sigma0", (1, s.k))], (sympy.Idx("sigma0", (1, s.k)), 1, s.k)),
     r"\sum_{s_{0}=1}^{k} y_{s_{0}}"),
    (Derivative(-Sum(s.y[n] * sympy.log(s.a[n]), (n, 1, s.k)), s.z[i]),
     r"\frac{\partial}{\partial z_{i}} \left(- \sum_{n=1}^{k} y_{n} \log a_{n}\right)"),
    (Sum(s.X[sympy.Idx("m", (1, s.N)), i], (sympy.Idx("m", (1, s.N)), 1, s.N)) / s.N,
     r"\frac{1}{N} \sum_{m=1}^{N} X_{mi}"),
])
def test_the_printer_writes_the_proofs_notation(expr: sympy.Expr, expected: str) -> None:
    assert to_latex(expr) == expected


def test_the_printer_writes_a_chain_rule_product_in_chain_order() -> None:
    product = Derivative(s.a[n], s.z[i]) * Derivative(s.H, s.a[n])
    assert to_latex(product) == r"\frac{\partial H}{\partial a_{n}} \frac{\partial a_{n}}{\partial z_{i}}"
