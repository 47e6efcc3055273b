r"""The reader of posted math: LaTeX and plain text (ASCII and unicode) -> the claim IR.

This module is the reader's public face; the work is done by the pipeline of
:mod:`derive.claims.math_read`: screening and formulas in :mod:`derive.claims.formulas`, the lexer in
:mod:`derive.claims.lexer` (spellings from :mod:`derive.claims.lexicon`), its look-ahead passes in
:mod:`derive.claims.tokens`, the LALR grammar ``math.lark`` loaded by :mod:`derive.claims.grammar`
and the IR built by :mod:`derive.claims.build`; :mod:`derive.claims.format` writes the IR back as
LaTeX.

* :func:`read_math` gives every reading of a text (preferred first, at most four), each a
  :class:`~derive.claims.ast.Reading` with its claims and the choices it made;
* :func:`parse_claim` gives the first claim of the preferred reading;
* :func:`detect_math_syntax` says whether a text is LaTeX or plain text;
* :func:`format_node` / :func:`format_claim` render the IR as LaTeX that reads back to the same IR.

Nothing is evaluated: no ``eval``/``exec``/``sympify``/``parse_latex``.  Every failure is a
:class:`~derive.errors.ParseError` (or ``InputTooLargeError``) with one line that names the construct and
its column.
"""

from __future__ import annotations

from derive.claims.format import format_claim, format_node
from derive.claims.formulas import MAX_INPUT_CHARS, MAX_NESTING
from derive.claims.math_read import MAX_READINGS, detect_math_syntax, parse_claim, read_math
from derive.claims.tokens import MAX_TOKENS

__all__ = [
    "MAX_INPUT_CHARS",
    "MAX_NESTING",
    "MAX_READINGS",
    "MAX_TOKENS",
    "detect_math_syntax",
    "format_claim",
    "format_node",
    "parse_claim",
    "read_math",
]
