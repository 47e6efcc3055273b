"""One short function per command, one call per stage: notation -> model -> checked derivation -> output."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from derive import derivation, emit, prove_format
from derive.derivation import Derivation
from derive.errors import DeriveError, UsageError
from derive.limits import Limited, run_with_limit
from derive.loss import VARIANT_LOSSES, Convention, LossKind, Model
from derive.progress import Progress, quiet
from derive.reference import reference_context

if TYPE_CHECKING:
    from derive.claims.seeds import SeedPost


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


@dataclass(frozen=True)
class Proof:
    """The checked derivations of one ``derive prove`` request: what the command prints, as values.

    ``derivations`` are :class:`~derive.derivation.Derivation` values (each step with its rule, the
    expressions before and after, its assumptions and its verdict). ``str(proof)`` is the command's text
    output, and a notebook shows the Markdown of :meth:`markdown` (LaTeX for MathJax).
    """

    request: ProveRequest
    derivations: tuple[Derivation, ...]

    @property
    def verdict(self) -> str:
        """``proved`` when every step is proved, else ``refuted`` or ``undecided`` (refuted first)."""
        verdicts = {step.verdict for derivation in self.derivations for step in derivation.steps}
        for verdict in ("refuted", "undecided"):
            if verdict in verdicts:
                return verdict
        return "proved"

    @property
    def exit_code(self) -> int:
        """The exit code ``derive prove`` gives: 0 proved, 1 refuted, 3 undecided."""
        return {"proved": 0, "refuted": 1, "undecided": 3}[self.verdict]

    def text(self) -> str:
        """The text ``derive prove`` prints."""
        return prove_format.as_text(self.derivations)

    def latex(self) -> str:
        """The LaTeX of ``derive prove --format latex``."""
        return prove_format.as_latex(self.derivations)

    def json(self) -> str:
        """The JSON of ``derive prove --format json``."""
        classes = "k" if self.request.classes is None else str(self.request.classes)
        return prove_format.as_json(self.derivations, classes, self.request.wrt)

    def markdown(self) -> str:
        """Markdown with ``$$...$$`` display math: every step, its rule and its verdict."""
        return prove_format.as_markdown(self.derivations)

    def __str__(self) -> str:
        return self.text()

    def _repr_markdown_(self) -> str:
        return self.markdown()


def prove_output(
    request: ProveRequest, output_format: str, timeout: float = 300.0
) -> tuple[str, list[Derivation]]:
    proof = Proof(request, tuple(prove(request, timeout)))
    if output_format == "json":
        return proof.json(), list(proof.derivations)
    if output_format == "latex":
        return proof.latex(), list(proof.derivations)
    return proof.text(), list(proof.derivations)


@dataclass(frozen=True)
class BuildResult:
    """What ``derive build`` wrote, and what it had to skip (one line each)."""

    out_dir: Path
    files: tuple[str, ...]
    notes: tuple[str, ...]


def build(
    out_dir: Path, timeout: float = 600.0, *, force: bool = False, progress: Progress = quiet
) -> BuildResult:
    """Regenerate output/: the proof (tex, pdf), the reference module, the derivation dump, the reports.

    Each derivation is built and checked once, and shared by the proof, the reference module and the dump.
    Independent work runs side by side on the machine's cores: the main derivations, the extensions and
    the worked examples, and each seed post (each of its claims in a worker of its own), every one in a
    time-limited worker; while the seed posts are still being checked, this process prints the reference
    module and the proof and compiles it. The folder is written under the contract of
    :func:`derive.emit.write_output` (a refused folder is refused before any work).
    """
    emit.inspect_target(out_dir, force=force)
    progress("checking the derivations")
    seeds = _seed_posts()
    derivation_jobs = (
        Limited(derivation.all_derivations, (Model(),), timeout, "the derivations"),
        Limited(_extensions_and_mistakes, (), timeout, "the extended derivations"),
    )
    seed_jobs: list[Limited] = []
    try:
        if seeds:  # warmed once here, the seed posts' processes and their claim workers all start warm
            from derive.claims.run import warm_up

            warm_up()
        for seed in seeds:  # one by one: a worker that started is stopped below even if a later one fails
            seed_jobs.append(Limited(_seed_report, (seed,), timeout, f"the seed post {seed.file}"))
        main, (extensions, mistakes) = (job.result() for job in derivation_jobs)
        files, notes = _proof_files(out_dir, main, extensions, mistakes, progress)
        progress("checking the seed posts")
        reports: dict[str, str] = {}
        for job in seed_jobs:
            reports.update(job.result())
    finally:
        for job in (*derivation_jobs, *seed_jobs):
            job.stop()
    files.update(reports)
    rows = [(name, _describe(name)) for name in sorted([*files, "README.md", emit.MANIFEST])]
    files["README.md"] = emit.render("output_readme.md.j2", {"rows": rows})
    progress(f"writing {out_dir}")
    notes.extend(emit.write_output(out_dir, files, force=force))
    return BuildResult(out_dir, tuple(sorted([*files, emit.MANIFEST])), tuple(notes))


def _proof_files(
    out_dir: Path,
    main: list[Derivation],
    extensions: list[Derivation],
    mistakes: tuple[Derivation, Derivation],
    progress: Progress,
) -> tuple[dict[str, bytes | str], list[str]]:
    """The reference module, the derivation dump, the proof and its PDF from the checked derivations, and
    a note for each file skipped (the PDF without TeX)."""
    from derive import proof, tex  # the proof stage pulls in the TeX tooling only when building

    derivations = [*main, *extensions]
    unproved = [f"{d.name}: {s.rule}" for d in derivations for s in d.steps if s.verdict != "proved"]
    if unproved:
        raise DeriveError(f"not every step of the derivations is proved: {', '.join(unproved)}")
    by_name = {d.name: d for d in derivations}
    progress("printing the reference module and the proof")
    examples = proof.worked_examples(by_name, mistakes)
    files: dict[str, bytes | str] = {}
    files["softmax_cross_entropy.py"] = emit.render("softmax_cross_entropy.py.j2", reference_context(by_name))
    files["derivation.txt"] = prove_format.as_text(main)
    proof_source = emit.render("proof.tex.j2", proof.proof_context(by_name, examples))
    files["proof.tex"] = proof_source
    notes: list[str] = []
    progress("compiling the proof with pdflatex")
    try:
        files["proof.pdf"] = tex.compile_pdf(proof_source)
    except tex.TexUnavailableError as error:
        previous, note = previous_pdf(out_dir, str(error))
        if previous is not None:
            files["proof.pdf"] = previous
        notes.append(note)
    return files, notes


def previous_pdf(out_dir: Path, why_skipped: str) -> tuple[bytes | None, str]:
    """Without TeX: the last proof.pdf to carry over (only a regular file derive wrote), and the note."""
    previous, why = emit.previous_file(out_dir, "proof.pdf")
    kept = "the previous proof.pdf is kept" if previous is not None else why or "there is no earlier one"
    return previous, f"proof.pdf skipped ({why_skipped}); {kept}"


def _extensions_and_mistakes() -> tuple[list[Derivation], tuple[Derivation, Derivation]]:
    """The second worker's share of the build: the extended derivations and the diagonal-only mistake."""
    from derive.proof import mistake_derivations

    return derivation.extension_derivations(), mistake_derivations()


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


def _seed_posts() -> tuple[SeedPost, ...]:
    """The seed documents whose reports the build writes (none when the claim checker is not installed).

    SymPy's units package is imported here, once, before the workers fork: ``simplify`` pulls it in on
    first use (about 80 ms), which each claim worker would otherwise import again."""
    try:
        from derive.claims.seeds import SEED_POSTS
    except ImportError:
        return ()
    import sympy.physics.units  # noqa: F401

    return SEED_POSTS


def _seed_report(seed: SeedPost) -> dict[str, str]:
    """The verification report (Markdown) of one seed document."""
    from derive.claims.seeds import seed_report

    return seed_report(seed)
