r"""LaTeX for the expressions of :mod:`derive.symbols`, as a mathematician writes them.

SymPy's printer is close, but writes ``\frac{\partial}{\partial z_{i}} H``, ``\delta_{i j}``, ``W_{i,j}`` and
orders factors alphabetically (``\left(\delta_{ij} - a_{i}\right) a_{j}``). :func:`to_latex` prints

* ``Derivative(H, z[i])`` as ``\frac{\partial H}{\partial z_{i}}`` (and of a compound expression as
  ``\frac{\partial}{\partial z_{i}} \left(...\right)``);
* ``KroneckerDelta(i, j)`` as ``\delta_{ij}``, ``W[i, j]`` as ``W_{ij}`` (a comma only when an index is not a
  single letter or digit);
* the reserved summation indices of :mod:`derive.loss` (``n_``, ``p_``) by their stem, and the canonical
  dummies of :mod:`derive.equivalence` (``sigma0``) as ``s_{0}``;
* ``Sum(f, (n, 1, k))`` as ``\sum_{n=1}^{k} f`` (nested sums outermost first);
* sums of terms with a positive term first (``z_{n} - \log(...)``, not ``- \log(...) + z_{n}``);
* products with plain factors first and parenthesized sums of terms last (``a_{j} (\delta_{ij} - a_{i})``),
  a chain of derivatives in chain-rule order, and ``Sum(...)/N`` as ``\frac{1}{N} \sum ...``.

The output is deterministic: it depends only on the expression.
"""

from __future__ import annotations

import re

import sympy
from sympy import Add, Derivative, Indexed, KroneckerDelta, Pow, Sum
from sympy.printing.latex import LatexPrinter

_RESERVED = re.compile(r"^([A-Za-z]+)_$")
_CANONICAL_DUMMY = re.compile(r"^sigma(\d+)$")
_NUMBERED = re.compile(r"^([A-Za-z]+)(\d+)$")


def index_name(name: str) -> str:
    """The LaTeX of an index or symbol name: ``n_`` -> ``n``, ``sigma0`` -> ``s_{0}``, ``n12`` -> ``n_{12}``.
    """
    reserved = _RESERVED.match(name)
    if reserved:
        return reserved.group(1)
    dummy = _CANONICAL_DUMMY.match(name)
    if dummy:
        return f"s_{{{dummy.group(1)}}}"
    numbered = _NUMBERED.match(name)
    if numbered:
        return f"{numbered.group(1)}_{{{numbered.group(2)}}}"
    return name


def _is_short(tex: str) -> bool:
    """One letter or one digit: indices made of these are written next to each other (W_{ij})."""
    return len(tex) == 1 and tex.isalnum()


def _factor_group(factor: sympy.Expr) -> int:
    """Where a factor goes in a printed product: numbers, derivatives, variables, deltas and other functions,
    sums, sums of terms."""
    if factor.is_Number:
        return 0
    if isinstance(factor, Derivative):
        return 1
    if isinstance(factor, (Indexed, sympy.Symbol)):
        return 2
    if isinstance(factor, KroneckerDelta):
        return 3
    if isinstance(factor, Sum):
        return 5
    if isinstance(factor, Add):
        return 6
    return 4


def _chain_order(derivatives: list[Derivative]) -> list[Derivative]:
    """Derivatives in chain-rule order: dH/da_n before da_n/dz_i (a variable before what is differentiated
    by it)."""
    ordered: list[Derivative] = []
    remaining = list(derivatives)
    while remaining:
        for candidate in remaining:
            # ``candidate`` may go next unless another one differentiates by something it contains.
            blocked = any(other is not candidate and any(candidate.expr.has(v) for v in other.variables)
                          for other in remaining)
            if not blocked:
                break
        else:
            candidate = remaining[0]
        ordered.append(candidate)
        remaining.remove(candidate)
    return ordered


#: The loss variants' parameters (derive.symbols.PARAMETERS) in LaTeX.
PARAMETER_LATEX: dict[str, str] = {"epsilon": r"\varepsilon", "lambda": r"\lambda", "T": "T"}


class DeriveLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the notation of the proofs (see the module docstring)."""

    printmethod = "_derive_latex"

    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        if expr.name in PARAMETER_LATEX:
            return PARAMETER_LATEX[expr.name]
        return index_name(expr.name)

    def _print_Idx(self, expr: sympy.Idx) -> str:
        return index_name(str(expr.label))

    def _print_Indexed(self, expr: Indexed) -> str:
        base = self._print(expr.base)
        indices = [self._print(index) for index in expr.indices]
        joiner = "" if all(_is_short(index) for index in indices) else ","
        return f"{base}_{{{joiner.join(indices)}}}"

    def _print_KroneckerDelta(self, expr: KroneckerDelta, exp: str | None = None) -> str:
        indices = [self._print(index) for index in expr.args]
        joiner = "" if all(_is_short(index) for index in indices) else ","
        tex = rf"\delta_{{{joiner.join(indices)}}}"
        return f"{tex}^{{{exp}}}" if exp is not None else tex

    def _print_Derivative(self, expr: Derivative) -> str:
        denominator = []
        order = 0
        for variable, count in expr.variable_count:
            count = int(count)
            order += count
            power = f"^{{{count}}}" if count > 1 else ""
            denominator.append(rf"\partial {self._print(variable)}{power}")
        top = r"\partial" if order == 1 else rf"\partial^{{{order}}}"
        bottom = r" ".join(denominator)
        inner = expr.expr
        if isinstance(inner, (sympy.Symbol, Indexed)):
            return rf"\frac{{{top} {self._print(inner)}}}{{{bottom}}}"
        body = self._print(inner)
        if isinstance(inner, Add) or inner.could_extract_minus_sign():
            body = rf"\left({body}\right)"
        return rf"\frac{{{top}}}{{{bottom}}} {body}"

    def _print_Sum(self, expr: Sum) -> str:
        heads = [rf"\sum_{{{self._print(index)}={self._print(lower)}}}^{{{self._print(upper)}}}"
                 for index, lower, upper in reversed(expr.limits)]
        body = self._print(expr.function)
        if isinstance(expr.function, Add) or expr.function.could_extract_minus_sign():
            body = rf"\left({body}\right)"
        return " ".join([*heads, body])

    def _print_log(self, expr: sympy.log, exp: str | None = None) -> str:
        argument = expr.args[0]
        name = r"\log" if exp is None else rf"\log^{{{exp}}}"
        if isinstance(argument, (sympy.Symbol, Indexed)) or argument.is_Number:
            return f"{name} {self._print(argument)}"
        return rf"{name}\left({self._print(argument)}\right)"

    def _print_Add(self, expr: sympy.Expr, order: str | None = None) -> str:
        terms = list(self._as_ordered_terms(expr, order=order))
        terms.sort(key=lambda term: bool(term.could_extract_minus_sign()))  # stable: a positive term first
        tex = ""
        for position, term in enumerate(terms):
            if position and term.could_extract_minus_sign():
                tex += " - "
                term = -term
            elif position:
                tex += " + "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = rf"\left({term_tex}\right)"
            tex += term_tex
        return tex

    def _print_Mul(self, expr: sympy.Expr) -> str:
        if expr.could_extract_minus_sign():
            positive = -expr
            tex = self._print(positive)
            if isinstance(positive, Add):
                tex = rf"\left({tex}\right)"
            return f"- {tex}"
        numerator, denominator = sympy.fraction(expr, exact=True)
        if denominator != 1:
            if numerator == 1:
                return rf"\frac{{1}}{{{self._print(denominator)}}}"
            if isinstance(denominator, (sympy.Symbol, sympy.Integer)) and isinstance(numerator, Sum):
                return rf"\frac{{1}}{{{self._print(denominator)}}} {self._print(numerator)}"
            return rf"\frac{{{self._print(numerator)}}}{{{self._print(denominator)}}}"
        return self._product(list(expr.as_ordered_factors()))

    def _product(self, factors: list[sympy.Expr]) -> str:
        factors = sorted(factors, key=_factor_group)  # stable: SymPy's order within a group
        derivatives = [f for f in factors if isinstance(f, Derivative)]
        if len(derivatives) > 1:
            chained = iter(_chain_order(derivatives))
            factors = [next(chained) if isinstance(f, Derivative) else f for f in factors]
        parts: list[str] = []
        for position, factor in enumerate(factors):
            tex = self._print(factor)
            last = position == len(factors) - 1
            if isinstance(factor, Add) or (isinstance(factor, Sum) and not last):
                tex = rf"\left({tex}\right)"
            elif factor.is_Number and parts:
                tex = rf"\cdot {tex}"
            parts.append(tex)
        return " ".join(parts)

    def _print_Pow(self, expr: Pow) -> str:
        base, exponent = expr.args
        if isinstance(base, Sum) and exponent.is_Integer and exponent > 0:
            return rf"\left({self._print(base)}\right)^{{{self._print(exponent)}}}"
        return super()._print_Pow(expr)


_PRINTER = DeriveLatexPrinter()


def to_latex(expr: sympy.Basic) -> str:
    """The LaTeX of ``expr`` in the notation of the proofs (math mode content, no delimiters)."""
    return _PRINTER.doprint(expr)
