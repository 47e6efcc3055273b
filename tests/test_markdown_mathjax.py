"""Every formula of the Markdown reports renders with MathJax 3 (npm ``mathjax-full``) without a TeX error."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from derive.claims.report import render_markdown
from derive.claims.run import check_claim
from derive.claims.verdict import CheckOptions

pytestmark = pytest.mark.slow  # Node.js and MathJax

HERE = Path(__file__).resolve().parent / "mathjax"

CLAIMS = [
    CheckOptions(r"\frac{\partial H}{\partial W_{i,j}} = -P_j(x)(1-a_j(x))x_i",
                 at=("x=[1.9,0.4]", "W=[[0.1,0.5],[0.1,0.5]]", "y=[1,0]")),
    CheckOptions(r"\begin{align} \frac{\partial H}{\partial W_{i,j}} &= -\frac{\partial}{\partial W_{i,j}} "
                 r"\left(\sum_{k=1}^2 P_k(x) \log Q_k(x) \right) \\ &= -\frac{\partial}{\partial W_{i,j}} "
                 r"\left(P_j(x) \log Q_j(x) \right) \\ &=-P_j(x) (1-a_j(x)) x_i \end{align}"),
    CheckOptions(r"\begin{align} \frac{\partial H}{\partial W_{i,1}} &=-\sum_{j=1}^2 \frac{P_j(x)}{a_1} "
                 r"\cdot "
                 r"\frac{\partial a_1}{\partial z_1}\cdot x_i \\ &=-\frac{1}{a_1} \cdot "
                 r"\frac{\partial a_1}{\partial z_1}\cdot x_i (P_1(x)+ P_2(x)) \end{align}"),
    CheckOptions(r"a_j = \operatorname{softmax}(z_j) = \frac {e^{z_{j}}}{\sum _{i=1}^{2}e^{z_{j}}}"),
    CheckOptions(r"\frac{\partial \text{CE}}{\partial z_j} = \hat{y}_j - y_j"),
    CheckOptions(r"\frac{\partial L}{\partial o_k} &= - \sum_i y_i \frac{\partial \log p_i}{\partial o_k} "
                 r"\\ &= - y_k (1 - p_k) + \sum_{i\neq k} y_i p_k \\ &= p_k - y_k"),
    CheckOptions(r"\frac{\partial p_i}{\partial o_k} = \begin{cases} p_k (1 - p_k) & \text{if }\; i=k \\ "
                 r"- p_k p_i & \text{if }\; i\neq k \end{cases}"),
    CheckOptions(r"\frac{\partial C}{\partial b_j} = -\delta_{yj} + \frac{\exp(z_j)}{S} = a_j - y_j",
                 let=(r"S=\sum_{t=1}^{k} e^{z_t}",)),
    CheckOptions(r"\mathbf J_{\mathbf X}(H) = \frac{1}{m} \Big(\mathbf S - \mathbf Y\Big)",
                 let=("X=Z", "m=N")),
    CheckOptions(r"x (y(x) - 1_t)^T", let=("y(x)=a",), wrt="W"),
    CheckOptions(r"L'(u) = \sigma(u) - p", loss="sigmoid-bce"),
    CheckOptions(r"dSM[i]/dx[k] is SM[i] * (dx[i]/dx[k] - SM[i])", let=("x_k=z_k", "SM_i=a_i")),
    CheckOptions(r"\frac{\partial \text{CE}}{\partial z_j} = \text{softmax}'(z) = 0"),
]

_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.S)


def formulas(markdown: str) -> list[str]:
    """The TeX of every ``$...$`` / ``$$...$$`` outside code spans."""
    without_code = re.sub(r"`[^`\n]*`", "", markdown)
    return [display or inline for display, inline in _MATH.findall(without_code)]


def _node_ready() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is required in CI for the MathJax check")
        pytest.skip("node is not installed")
    # Several tests (in several pytest-xdist workers) need MathJax: one installs it, the others wait.
    with (HERE / ".install-lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (HERE / "node_modules" / "mathjax-full").exists():
            npm = shutil.which("npm")
            if npm is None:
                if os.environ.get("CI"):
                    pytest.fail("npm is required in CI for the MathJax check")
                pytest.skip("npm is not installed")
            command = [npm, "ci"] if (HERE / "package-lock.json").exists() else [npm, "install"]
            subprocess.run([*command, "--no-audit", "--no-fund"], cwd=HERE, check=True, capture_output=True,
                           timeout=600)
    return node


def test_formula_extraction() -> None:
    assert formulas("a $x$ and `$not$` and $$y$$") == ["x", "y"]


def test_every_markdown_formula_renders_with_mathjax() -> None:
    node = _node_ready()
    found: list[str] = []
    for options in CLAIMS:
        markdown = render_markdown(check_claim(options))
        assert markdown.count("$") % 2 == 0, markdown
        found.extend(formulas(markdown))
    assert len(found) > 50
    result = subprocess.run([node, str(HERE / "render.js")], input=json.dumps(sorted(set(found))),
                            capture_output=True, text=True, cwd=HERE, timeout=300)
    failures = json.loads(result.stdout or "[]")
    assert result.returncode == 0 and not failures, failures


def test_the_checker_detects_a_bad_formula() -> None:
    node = _node_ready()
    formulas_in = json.dumps([r"\frac{a}{b}", r"\nosuch{x}"])
    result = subprocess.run([node, str(HERE / "render.js")], input=formulas_in,
                            capture_output=True, text=True, cwd=HERE, timeout=300)
    assert result.returncode == 1
    assert [f["tex"] for f in json.loads(result.stdout)] == [r"\nosuch{x}"]
