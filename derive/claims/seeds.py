"""The claims of the two seed documents (../shared/seeds/), checked for the reports in output/reports/.

Each entry is the claim as the page writes it, the page's own numbers where it gives them, and the
options a reader would pass. The verdicts are computed by ``derive check`` every time, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.claims.report import render_markdown
from derive.claims.run import check_claim
from derive.claims.verdict import CheckOptions

#: The seed forum question's worked instance (iris, 2 classes, true class 1).
IRIS_AT: tuple[str, ...] = ("x=[1.9,0.4]", "W=[[0.1,0.5],[0.1,0.5]]", "b=[0,0]", "y=[1,0]")


@dataclass(frozen=True)
class SeedClaim:
    """One claim from a seed document and how it is checked."""

    name: str
    source: str
    options: CheckOptions


SEED_CLAIMS: tuple[SeedClaim, ...] = (
    SeedClaim(
        "forum-answer-final-formula",
        "forum answer (seed 000), final line",
        CheckOptions(r"\frac{\partial H}{\partial W_{i,j}} = -P_j(x)(1-a_j(x))x_i", at=IRIS_AT),
    ),
    SeedClaim(
        "forum-answer-chain",
        "forum answer (seed 000), the whole chain",
        CheckOptions(
            r"\begin{align} \frac{\partial H}{\partial W_{i,j}} &= -\frac{\partial}{\partial W_{i,j}} "
            r"\left(\sum_{k=1}^2 P_k(x) \log Q_k(x) \right) \\ &= -\frac{\partial}{\partial W_{i,j}} "
            r"\left(P_j(x) \log Q_j(x) \right) \\ &=-\frac{P_j(x)}{Q_j(x)} \cdot \frac{\partial Q_j(x)}"
            r"{\partial W_{i,j}} \\ &= - \frac{P_j(x)}{a_j(x)} \cdot \frac{\partial a_j(x)}{\partial z_j(x)} "
            r"\cdot \frac{\partial z_j(x)}{\partial W_{i,j}}\\ &=-P_j(x) (1-a_j(x)) x_i \end{align}",
            at=IRIS_AT,
        ),
    ),
    SeedClaim(
        "forum-question-attempt",
        "forum question (seed 000), the asker's attempt for class 1",
        CheckOptions(
            r"\begin{align} \frac{\partial H}{\partial W_{i,1}} &=-\sum_{j=1}^2 \frac{P_j(x)}{a_1} \cdot "
            r"\frac{\partial a_1}{\partial z_1}\cdot x_i \\ &=-\frac{1}{a_1} \cdot \frac{\partial a_1}"
            r"{\partial z_1}\cdot x_i (P_1(x)+ P_2(x)) \end{align}",
            at=IRIS_AT,
        ),
    ),
    SeedClaim(
        "forum-question-softmax",
        "forum question (seed 000), its definition of the softmax",
        CheckOptions(r"a_j = \frac {e^{z_{j}}}{\sum _{i=1}^{2}e^{z_{j}}}", classes=2),
    ),
    SeedClaim(
        "blog-case-1",
        "blog post (seed 001), Case 1: the gradient for a wrong class j",
        CheckOptions(
            r"\frac{\partial \text{CE}(y^{(i)}, \hat{y}^{(i)})}{\partial z^{(i)}_j} = 0", assume=("onehot",)
        ),
    ),
    SeedClaim(
        "blog-conclusion",
        "blog post (seed 001), the conclusion",
        CheckOptions(r"\nabla_{z^{(i)}} \text{CE}(y^{(i)}, \hat{y}^{(i)}) = \hat{y}^{(i)} - y^{(i)}"),
    ),
)


def seed_reports() -> dict[str, str]:
    """``reports/<name>.md`` for every seed claim: the Markdown report, with the claim's source."""
    reports: dict[str, str] = {}
    for seed in SEED_CLAIMS:
        result = check_claim(seed.options)
        reports[f"reports/{seed.name}.md"] = f"<!-- {seed.source} -->\n" + render_markdown(result)
    return reports
