"""The notation, written down once. Every other module takes its symbols from here.

Glossary (the seed's convention, z = W^T x + b with W of shape d x k):

========  ==========================================================================
symbol    meaning
========  ==========================================================================
epsilon   label-smoothing strength; T the softmax temperature; lambda the L2 weight-decay strength
k         number of classes (a positive integer; a proof with symbolic k holds for every k >= 2)
d         number of input features
N         number of examples in a batch
x_i       input feature i, i = 1..d
W_ij      weight from feature i to class j (d x k); with ``--convention W_x`` it is W_ji
b_j       bias of class j
z_j       logit of class j: z_j = sum_i W_ij x_i + b_j
a_j       softmax output (written \\hat{y}_j on many pages): a_j = exp(z_j) / sum_n exp(z_n)
y_j       target of class j (arbitrary reals unless an assumption says otherwise)
H         the loss H = -sum_j y_j log a_j (cross-entropy H(P, Q) with P = y, Q = a)
v_j       an arbitrary direction over the classes (Hessian quadratic forms, Hessian-vector products)
X, Y, A   batch forms: X_mi (N x d), Y_mj and A_mj (N x k), Z_mj = sum_i X_mi W_ij + b_j
========  ==========================================================================

Indices are SymPy ``Idx`` objects with their ranges, so a sum over j runs over 1..k. The derivations use
the free indices i (features, or the class differentiated against) and j (classes), and the summation
indices n (classes) and m (examples), so a free index never clashes with a summation index.
"""

from __future__ import annotations

import sympy

k = sympy.Symbol("k", integer=True, positive=True)
d = sympy.Symbol("d", integer=True, positive=True)
N = sympy.Symbol("N", integer=True, positive=True)

x = sympy.IndexedBase("x", real=True)
W = sympy.IndexedBase("W", real=True)
b = sympy.IndexedBase("b", real=True)
z = sympy.IndexedBase("z", real=True)
a = sympy.IndexedBase("a", real=True)
y = sympy.IndexedBase("y", real=True)
v = sympy.IndexedBase("v", real=True)

X = sympy.IndexedBase("X", real=True)
Y = sympy.IndexedBase("Y", real=True)
A = sympy.IndexedBase("A", real=True)
Z = sympy.IndexedBase("Z", real=True)

H = sympy.Symbol("H", real=True)

#: Scalar parameters of the loss variants, with the open interval their numeric samples are drawn from:
#: label smoothing epsilon, softmax temperature T, L2 weight-decay strength lambda.
epsilon = sympy.Symbol("epsilon", positive=True)
T = sympy.Symbol("T", positive=True)
lam = sympy.Symbol("lambda", positive=True)
PARAMETERS: dict[sympy.Symbol, tuple[float, float]] = {epsilon: (0.01, 0.5), T: (0.25, 4.0), lam: (0.01, 2.0)}

#: The range a page's own scalar parameter (the alpha and gamma of a focal loss defined with --define) is
#: sampled from: positive, neither tiny nor large, so that powers and logs stay well conditioned.
PAGE_PARAMETER_RANGE: tuple[float, float] = (0.25, 4.0)

#: A constant shift of the logits standing for ``max(z)`` in code such as ``exp(z - max(z))``: the reading is
#: sound only where the result does not depend on it, which the mapping checks numerically.
shift = sympy.Symbol("mu", real=True)
SHIFT_RANGE: tuple[float, float] = (-2.0, 2.0)


def page_parameter(name: str) -> sympy.Symbol:
    """The scalar parameter ``name`` of a page's own definition (positive)."""
    return sympy.Symbol(name, positive=True)


def is_parameter(symbol: sympy.Basic) -> bool:
    """A scalar parameter that numeric samples must draw a value for (not a size, index or the loss)."""
    return type(symbol) is sympy.Symbol and symbol not in (k, d, N, H) and not symbol.is_integer


def parameter_range(symbol: sympy.Symbol) -> tuple[float, float]:
    """The open interval a parameter's numeric samples are drawn from."""
    if symbol == shift:
        return SHIFT_RANGE
    return PARAMETERS.get(symbol, PAGE_PARAMETER_RANGE)


#: Which base is a vector over classes, over features, a matrix, or a batch matrix. The checker and the
#: printers use this table to know each base's index ranges.
CLASS_VECTORS: tuple[sympy.IndexedBase, ...] = (z, a, y, b)
FEATURE_VECTORS: tuple[sympy.IndexedBase, ...] = (x,)
BATCH_MATRICES: tuple[sympy.IndexedBase, ...] = (X, Y, A, Z)

#: Summation indices, reserved: a claim's own indices are renamed away from these before checking.
SUMMATION_NAMES: tuple[str, ...] = ("n", "m", "l", "r")

#: The LaTeX name of every canonical symbol (what reports print).
LATEX_NAMES: dict[str, str] = {
    "k": "k",
    "d": "d",
    "N": "N",
    "H": "H",
    "x": "x",
    "v": "v",
    "W": "W",
    "b": "b",
    "z": "z",
    "a": "a",
    "y": "y",
    "X": "X",
    "Y": "Y",
    "A": "A",
    "Z": "Z",
}

assert set(LATEX_NAMES) == {str(s) for s in (k, d, N, H, x, W, b, z, a, y, v, X, Y, A, Z)}, "glossary drift"


def class_index(name: str, size: sympy.Expr | int = k) -> sympy.Idx:
    """An index running over the classes 1..size."""
    return sympy.Idx(name, (1, size))


def feature_index(name: str, size: sympy.Expr | int = d) -> sympy.Idx:
    """An index running over the features 1..size."""
    return sympy.Idx(name, (1, size))


def example_index(name: str, size: sympy.Expr | int = N) -> sympy.Idx:
    """An index running over the examples 1..size."""
    return sympy.Idx(name, (1, size))
