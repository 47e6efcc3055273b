"""The loss model as pure builders: softmax, cross-entropy, the linear model; concrete or symbolic k.

A :class:`Model` fixes the sizes (k classes, d features, N examples; each an int or the symbol from
:mod:`derive.symbols`) and the weight convention. It knows the chain of definitions

    H = -sum_n y_n log a_n,   a_j = exp(z_j) / sum_n exp(z_n),   z_j = sum_i W_ij x_i + b_j

(batch: H = (1/N) sum_m -sum_n Y_mn log A_mn with A, Z row-wise), and :meth:`Model.evaluate` turns any
expression over these symbols, including unevaluated ``Derivative`` nodes, into an expression over the
independent variables only. A derivative with respect to an intermediate quantity (da_j/dz_i, dH/da_j)
is taken with that quantity held as a free variable, as a chain-rule factor means.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import sympy
from sympy import Add, Derivative, Indexed, Sum, exp, log

from derive import symbols as s

# The conventions and losses (names only) live in derive.choices, which the command line reads without SymPy.
from derive.choices import CONVENTIONS, LOSSES, VARIANT_LOSSES, Convention, LossKind

__all__ = ["CONVENTIONS", "LEVEL_OF_BASE", "LOSSES", "VARIANT_LOSSES", "Convention", "LossKind", "Model"]

#: Levels of the definition chain: a quantity defined at level L is expressed through level L + 1.
#: level 1: H over a and y;  level 2: a over z;  level 3: z over W, x, b (targets are free at every level).
LEVEL_OF_BASE: dict[str, int] = {
    "a": 1,
    "A": 1,
    "z": 2,
    "Z": 2,
    "W": 3,
    "x": 3,
    "b": 3,
    "X": 3,
    "y": 1,
    "Y": 1,
    "v": 1,
}


_fresh_counter = itertools.count(1)


#: The definitions sum over reserved indices with a trailing underscore (n_, q_, p_, m_), which no claim
#: index can be named, and which never nest inside themselves: H over n_, the softmax over q_, the logits
#: over p_, a batch over m_.


def fresh_index(stem: str, upper: sympy.Expr | int) -> sympy.Idx:
    """A summation index with a name no claim or other definition uses."""
    return sympy.Idx(f"{stem}{next(_fresh_counter)}", (1, upper))


#: weight decay's usual penalty scale, (lambda / 2) ||W||^2.
HALF: sympy.Rational = sympy.Rational(1, 2)


@dataclass(frozen=True)
class Model:
    """Sizes and convention of the softmax regression model; builds and evaluates expressions."""

    classes: sympy.Expr | int = s.k
    features: sympy.Expr | int = s.d
    examples: sympy.Expr | int = s.N
    convention: Convention = "Wt_x"
    batch: bool = False
    loss_kind: LossKind = "softmax-ce"
    #: Whether the logits have a bias b (a page that never writes one means z = W^T x).
    bias: bool = True
    #: A batch's loss is the sum over its examples, not the mean (a page's own definition can say so).
    batch_sum: bool = False
    #: weight-decay's penalty is ``penalty_scale * lambda * sum W_ij^2``: 1/2 (its gradient lambda W, the
    #: usual way) or 1 (a page that writes lambda ||W||^2, whose gradient is 2 lambda W).
    penalty_scale: sympy.Rational = HALF
    _cache: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    # -- the definitions ---------------------------------------------------------------------------

    def weight(self, i: sympy.Expr, j: sympy.Expr) -> sympy.Expr:
        """W_ij under the seed's convention (feature i, class j); W_ji under ``W_x``."""
        return s.W[i, j] if self.convention == "Wt_x" else s.W[j, i]

    def logit(self, j: sympy.Expr) -> sympy.Expr:
        """z_j = sum_i W_ij x_i + b_j."""
        i = sympy.Idx("p_", (1, self.features))
        return Sum(self.weight(i, j) * s.x[i], (i, 1, self.features)) + self._bias(j)

    def _bias(self, j: sympy.Expr) -> sympy.Expr:
        return s.b[j] if self.bias else sympy.S.Zero

    def batch_logit(self, m: sympy.Expr, j: sympy.Expr) -> sympy.Expr:
        """Z_mj = sum_i X_mi W_ij + b_j."""
        i = sympy.Idx("p_", (1, self.features))
        return Sum(s.X[m, i] * self.weight(i, j), (i, 1, self.features)) + self._bias(j)

    def softmax(
        self, j: sympy.Expr, logits: sympy.IndexedBase = s.z, row: sympy.Expr | None = None
    ) -> sympy.Expr:
        """a_j = exp(z_j) / sum_n exp(z_n) (row m of a batch when ``row`` is given); the sigmoid for
        ``sigmoid-bce``."""
        if self.loss_kind == "sigmoid-bce":
            logit = logits[j] if row is None else logits[row, j]
            return 1 / (1 + exp(-logit))
        n = sympy.Idx("q_", (1, self.classes))
        if self.loss_kind == "temperature":
            logit = logits[j] if row is None else logits[row, j]
            other = logits[n] if row is None else logits[row, n]
            return exp(logit / s.T) / Sum(exp(other / s.T), (n, 1, self.classes))
        if row is None:
            return exp(logits[j]) / Sum(exp(logits[n]), (n, 1, self.classes))
        return exp(logits[row, j]) / Sum(exp(logits[row, n]), (n, 1, self.classes))

    def loss(self) -> sympy.Expr:
        """H = -sum_n y_n log a_n; batch: the mean over examples (the sum with ``batch_sum``). The variants
        change each entry's term (sigmoid-bce, label-smoothing) or add a penalty (weight-decay), for one
        example and for a batch alike."""
        n = sympy.Idx("n_", (1, self.classes))
        if not self.batch:
            return -Sum(self._term(s.y[n], s.a[n]), (n, 1, self.classes)) + self._penalty()
        m = sympy.Idx("m_", (1, self.examples))
        scale = 1 if self.batch_sum else self.examples
        data = -Sum(self._term(s.Y[m, n], s.A[m, n]), (n, 1, self.classes), (m, 1, self.examples)) / scale
        return data + self._penalty()

    def _term(self, target: sympy.Expr, output: sympy.Expr) -> sympy.Expr:
        """One class's term of the loss, before the minus sign."""
        if self.loss_kind == "sigmoid-bce":
            return target * log(output) + (1 - target) * log(1 - output)
        if self.loss_kind == "label-smoothing":
            return ((1 - s.epsilon) * target + s.epsilon / self.classes) * log(output)
        return target * log(output)

    def _penalty(self) -> sympy.Expr:
        """weight-decay's (lambda / 2) sum_ij W_ij^2 (``penalty_scale`` lambda), added once to an example's
        or a batch's loss."""
        if self.loss_kind != "weight-decay":
            return sympy.S.Zero
        p = sympy.Idx("p_", (1, self.features))
        r = sympy.Idx("r_", (1, self.classes))
        squares = Sum(self.weight(p, r) ** 2, (p, 1, self.features), (r, 1, self.classes))
        return self.penalty_scale * s.lam * squares

    @property
    def is_concrete(self) -> bool:
        """Every size is a number, so every sum can be written out."""
        return all(
            isinstance(size, int) or getattr(size, "is_Integer", False)
            for size in (self.classes, self.features, self.examples)
        )

    @property
    def parameters(self) -> tuple[sympy.Symbol, ...]:
        """The scalar parameters the loss definition itself uses (sampled by the numeric checks)."""
        return {"label-smoothing": (s.epsilon,), "temperature": (s.T,), "weight-decay": (s.lam,)}.get(
            self.loss_kind, ()
        )

    def shape(self, base: str) -> tuple[int, ...]:
        """The shape of a variable or defined quantity of a concrete model (``W`` follows the convention)."""
        K, D, M = int(self.classes), int(self.features), int(self.examples)
        shapes = {
            "x": (D,), "b": (K,), "z": (K,), "y": (K,), "a": (K,), "v": (K,),
            "W": (D, K) if self.convention == "Wt_x" else (K, D),
            "X": (M, D), "Z": (M, K), "Y": (M, K), "A": (M, K),
        }  # fmt: skip
        return shapes[base]

    # -- evaluation --------------------------------------------------------------------------------

    def expand_to(self, expr: sympy.Expr, level: int) -> sympy.Expr:
        """Replace every quantity defined above ``level`` by its definition (H, then a, then z)."""
        if self.is_concrete:
            return self._expand_explicit(expr, level)
        if level >= 1 and expr.has(s.H):
            expr = expr.xreplace({s.H: self.loss()})
        if level >= 2:
            expr = expr.replace(
                lambda e: isinstance(e, Indexed) and e.base == s.a,
                lambda e: self.softmax(e.indices[0]),
            )
            expr = expr.replace(
                lambda e: isinstance(e, Indexed) and e.base == s.A,
                lambda e: self.softmax(e.indices[1], s.Z, row=e.indices[0]),
            )
        if level >= 3:
            expr = expr.replace(
                lambda e: isinstance(e, Indexed) and e.base == s.z,
                lambda e: self.logit(e.indices[0]),
            )
            expr = expr.replace(
                lambda e: isinstance(e, Indexed) and e.base == s.Z,
                lambda e: self.batch_logit(e.indices[0], e.indices[1]),
            )
        return expr

    def _explicit(self) -> dict[int, dict[sympy.Basic, sympy.Expr]]:
        """Written-out definitions for concrete sizes, by the level that uses them (built once)."""
        key = "explicit"
        if key not in self._cache:
            K, D, M = int(self.classes), int(self.features), int(self.examples)
            classes = range(1, K + 1)
            features = range(1, D + 1)
            definitions: dict[int, dict[sympy.Basic, sympy.Expr]] = {1: {}, 2: {}, 3: {}}
            if self.batch:
                rows = range(1, M + 1)
                definitions[1][s.H] = expand_concrete_sums(self.loss())
                for m in rows:
                    for j in classes:
                        definitions[2][s.A[m, j]] = expand_concrete_sums(
                            self.softmax(sympy.Integer(j), s.Z, row=sympy.Integer(m))
                        )
                        definitions[3][s.Z[m, j]] = Add(
                            *(s.X[m, i] * self.weight(i, j) for i in features)
                        ) + self._bias(j)
            else:
                definitions[1][s.H] = expand_concrete_sums(self.loss())
                for j in classes:
                    definitions[2][s.a[j]] = expand_concrete_sums(self.softmax(sympy.Integer(j)))
                    definitions[3][s.z[j]] = Add(
                        *(self.weight(i, j) * s.x[i] for i in features)
                    ) + self._bias(j)
            self._cache[key] = definitions
        return self._cache[key]  # type: ignore[return-value]

    def _expand_explicit(self, expr: sympy.Expr, level: int) -> sympy.Expr:
        definitions = self._explicit()
        expr = expand_concrete_sums(expr)
        for step in (1, 2, 3):
            if level >= step:
                expr = expr.xreplace(definitions[step])
        return expr

    def bottom_level(self, *exprs: sympy.Expr) -> int:
        """The level of the most basic variable any of ``exprs`` mentions or differentiates by (at least 2:
        the softmax output is never a free variable of a claim, only of a chain-rule factor)."""
        level = 2
        for expr in exprs:
            for node in sympy.preorder_traversal(expr):
                if isinstance(node, Indexed):
                    level = max(level, LEVEL_OF_BASE.get(node.base.label.name, 1))
        return level

    def evaluate(self, expr: sympy.Expr, level: int | None = None) -> sympy.Expr:
        """``expr`` over the independent variables of ``level``, every derivative carried out.

        With symbolic sizes the logits stay as z: a derivative by W, x or b is taken through z by the
        multivariable chain rule (sound: a residual that is 0 with z free is 0 for z = W^T x + b), which
        keeps sums of exponentials of sums out of the canonical form. With concrete sizes everything is
        written out and differentiated directly, so the numeric samples are independent of that rule.
        """
        if level is None:
            level = self.bottom_level(expr)
        if self.is_concrete:
            expr = expand_concrete_sums(expr)
        expr = expr.replace(lambda e: isinstance(e, Derivative), self._derivative)
        return self.expand_to(expr, level if self.is_concrete else min(level, 2))

    def _derivative(self, node: Derivative) -> sympy.Expr:
        result = node.expr
        for variable, count in node.variable_count:
            variable_level = (
                LEVEL_OF_BASE.get(variable.base.label.name, 1) if isinstance(variable, Indexed) else 1
            )
            for _ in range(int(count)):
                result = self._first_derivative(result, variable, variable_level)
        return result

    def _first_derivative(self, expr: sympy.Expr, variable: sympy.Expr, level: int) -> sympy.Expr:
        if self.is_concrete:
            return sympy.diff(self.evaluate(expr, level), variable)
        if level < 3:
            return sympy.diff(self.evaluate(expr, level), variable)
        # Through the logits: d f / d v = (explicit part) + sum_n (d f / d z_n)(d z_n / d v).
        in_logits = self.evaluate(expr, 2)
        n = fresh_index("n", self.classes)
        if self.batch:
            m = fresh_index("m", self.examples)
            through = Sum(
                sympy.diff(in_logits, s.Z[m, n]) * sympy.diff(self.batch_logit(m, n), variable),
                (n, 1, self.classes),
                (m, 1, self.examples),
            )
        else:
            through = Sum(
                sympy.diff(in_logits, s.z[n]) * sympy.diff(self.logit(n), variable), (n, 1, self.classes)
            )
        return sympy.diff(in_logits, variable) + through


def expand_concrete_sums(expr: sympy.Expr, max_terms: int | None = None) -> sympy.Expr:
    """Write out every sum whose limits are numbers (``Sum(f, (n, 1, 3))`` -> f(1) + f(2) + f(3)).

    With ``max_terms``, only sums of at most that many terms are written out.
    """
    if not expr.has(Sum):
        return expr
    if isinstance(expr, Sum):
        body = expand_concrete_sums(expr.function, max_terms)
        limits = list(expr.limits)
        while limits and _writable(limits[0], max_terms):
            index, lower, upper = limits.pop(0)
            body = Add(*(body.xreplace({index: sympy.Integer(v)}) for v in range(int(lower), int(upper) + 1)))
            body = expand_concrete_sums(body, max_terms)
        return Sum(body, *limits) if limits else body
    return expr.func(*(expand_concrete_sums(arg, max_terms) for arg in expr.args))


def _writable(limit: tuple[sympy.Expr, ...], max_terms: int | None) -> bool:
    _, lower, upper = limit
    if not (lower.is_Integer and upper.is_Integer):
        return False
    return max_terms is None or int(upper) - int(lower) + 1 <= max_terms
