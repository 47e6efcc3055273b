"""One short function per command, one call per stage: notation -> model -> checked derivation -> output."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from derive import derivation, emit, prove_format
from derive.derivation import Derivation
from derive.errors import DeriveError, UsageError
from derive.limits import run_with_limit
from derive.loss import VARIANT_LOSSES, Convention, LossKind, Model
from derive.reference import reference_context


@dataclass(frozen=True)
class ProveRequest:
    """What ``derive prove`` was asked for."""

    classes: int | None  # None: symbolic k
    wrt: str
    batch: bool = False
    convention: Convention = "Wt_x"
    loss: LossKind = "softmax-ce"
    variant: str = "plain"


def model_for(request: ProveRequest) -> Model:
    if request.classes is None:
        return Model(convention=request.convention, loss_kind=request.loss)
    return Model(classes=request.classes, convention=request.convention, loss_kind=request.loss)


def _derive(request: ProveRequest) -> list[Derivation]:
    if request.loss in VARIANT_LOSSES:
        raise UsageError(f"derive prove takes --variant {request.loss} (with --loss softmax-ce), not --loss")
    return derivation.derivations_for(request.wrt, model_for(request), request.batch, request.variant)


def prove(request: ProveRequest, timeout: float = 300.0) -> list[Derivation]:
    """Build and check the derivations for one request, under a wall-clock limit."""
    return run_with_limit(_derive, (request,), timeout, "the derivation")


def prove_output(
    request: ProveRequest, output_format: str, timeout: float = 300.0
) -> tuple[str, list[Derivation]]:
    derivations = prove(request, timeout)
    classes = "k" if request.classes is None else str(request.classes)
    if output_format == "json":
        return prove_format.as_json(derivations, classes, request.wrt), derivations
    if output_format == "latex":
        return prove_format.as_latex(derivations), derivations
    return prove_format.as_text(derivations), derivations


@dataclass(frozen=True)
class BuildResult:
    """What ``derive build`` wrote, and what it had to skip (one line each)."""

    out_dir: Path
    files: tuple[str, ...]
    notes: tuple[str, ...]


def _all_checked() -> list[Derivation]:
    return derivation.all_derivations(Model())


def build(out_dir: Path, timeout: float = 600.0, *, force: bool = False) -> BuildResult:
    """Regenerate output/: the proof (tex, pdf), the reference module, the derivation dump, the reports.

    The folder is written under the contract of :func:`derive.emit.write_output` (a refused folder is
    refused before any work)."""
    from derive import proof, tex  # the proof stage pulls in the TeX tooling only when building

    emit.inspect_target(out_dir, force=force)
    derivations = run_with_limit(_all_checked, (), timeout, "the derivations")
    unproved = [f"{d.name}: {s.rule}" for d in derivations for s in d.steps if s.verdict != "proved"]
    if unproved:
        raise DeriveError(f"not every step of the derivations is proved: {', '.join(unproved)}")
    by_name = {d.name: d for d in derivations}
    files: dict[str, bytes | str] = {}
    files["softmax_cross_entropy.py"] = emit.render(
        "softmax_cross_entropy.py.j2",
        reference_context(by_name["logits"], by_name["logits_lse"], derivations),
    )
    files["derivation.txt"] = prove_format.as_text(derivations)
    proof_source = emit.render("proof.tex.j2", proof.proof_context())
    files["proof.tex"] = proof_source
    notes: list[str] = []
    try:
        files["proof.pdf"] = tex.compile_pdf(proof_source)
    except tex.TexUnavailableError as error:
        previous, note = previous_pdf(out_dir, str(error))
        if previous is not None:
            files["proof.pdf"] = previous
        notes.append(note)
    files.update(_seed_reports())
    rows = [(name, _describe(name)) for name in sorted([*files, "README.md", emit.MANIFEST])]
    files["README.md"] = emit.render("output_readme.md.j2", {"rows": rows})
    notes.extend(emit.write_output(out_dir, files, force=force))
    return BuildResult(out_dir, tuple(sorted([*files, emit.MANIFEST])), tuple(notes))


def previous_pdf(out_dir: Path, why_skipped: str) -> tuple[bytes | None, str]:
    """Without TeX: the last proof.pdf to carry over (only a regular file derive wrote), and the note."""
    previous, why = emit.previous_file(out_dir, "proof.pdf")
    kept = "the previous proof.pdf is kept" if previous is not None else why or "there is no earlier one"
    return previous, f"proof.pdf skipped ({why_skipped}); {kept}"


#: What each generated file is, for output/README.md.
DESCRIPTIONS: dict[str, str] = {
    "README.md": "this file",
    "proof.tex": "the LaTeX proof: every step of every derivation with its rule, checked by machine",
    "proof.pdf": "proof.tex compiled with pdflatex",
    "softmax_cross_entropy.py": "the NumPy reference implementation (loss, gradients; stable, typed)",
    "derivation.txt": "a text dump of every checked derivation (the data behind the proof)",
    "derive-manifest.json": "the files derive wrote here: a build replaces exactly these and keeps the rest",
}


def _describe(name: str) -> str:
    if name.startswith("reports/"):
        return "a verification report (Markdown, MathJax) of a seed document: every formula in order"
    return DESCRIPTIONS.get(name, "generated")


def _seed_reports() -> dict[str, str]:
    """Verification reports (Markdown) for the claims in the seed documents."""
    try:
        from derive.claims.seeds import seed_reports
    except ImportError:
        return {}
    return seed_reports()
