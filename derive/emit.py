"""Renders templates/ and writes output/ atomically. The only module (besides the CLI) that touches disk.

Templates are found in the installed package (``derive.templates``, shipped in the wheel) and fall back
to the source checkout's ``templates/``. jinja2 runs with ``StrictUndefined`` (a misspelled variable is
an error), ``trim_blocks`` and ``lstrip_blocks``; autoescape is off on purpose: the outputs are LaTeX,
Python and Markdown, not HTML, and every string is prepared in Python.
"""

from __future__ import annotations

import importlib.resources
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import jinja2

from derive.errors import EmitError

#: Files and folders of output/ that ``derive`` does not regenerate and must carry over.
PRESERVED = ("benchmark",)


def templates_dir() -> Path:
    """Where the jinja2 templates are: the installed ``derive.templates`` package, else the checkout."""
    try:
        packaged = importlib.resources.files("derive.templates")
        candidate = Path(str(packaged))
        if (candidate / "softmax_cross_entropy.py.j2").is_file():
            return candidate
    except ModuleNotFoundError:
        pass
    checkout = Path(__file__).resolve().parent.parent / "templates"
    if checkout.is_dir():
        return checkout
    raise EmitError("the templates folder is missing from this installation")


def environment() -> jinja2.Environment:
    # autoescape=False on purpose: LaTeX, Python and Markdown, never HTML.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(template: str, context: Mapping[str, object]) -> str:
    """Render one template with a prepared context."""
    try:
        return environment().get_template(template).render(**context)
    except jinja2.TemplateError as error:
        raise EmitError(f"template {template}: {error}") from error


def write_atomically(out_dir: Path, files: Mapping[str, bytes | str]) -> None:
    """Replace ``out_dir`` by exactly ``files`` (plus the preserved entries), or leave it untouched.

    Everything is written into a sibling temporary folder first; only a complete folder is swapped in.
    """
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        for name, content in sorted(files.items()):
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                target.write_text(content, encoding="utf-8", newline="\n")
            else:
                target.write_bytes(content)
        for name in PRESERVED:
            if (out_dir / name).exists() and not (staging / name).exists():
                shutil.copytree(out_dir / name, staging / name)
        os.chmod(staging, 0o755)
        retired = None
        if out_dir.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            retired.rmdir()
            out_dir.rename(retired)
        staging.rename(out_dir)
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise EmitError(f"could not write {out_dir}: {error}") from error
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
