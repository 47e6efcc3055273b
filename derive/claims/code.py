"""Reading code claims into the claim IR, in index form.

Python/NumPy is read through :mod:`ast` (never executed); other languages through one small grammar
(:mod:`derive.claims.code_syntax`).

A claim posted as code has no left side: it computes values.  :func:`read_code` executes the text
*symbolically* and returns a :class:`CodeReading`: every named value as an IR expression in index form (a
value with r axes has r free index names, listed in :attr:`CodeValue.axes`), the inputs, the class labels,
and which value is the claimed gradient (:attr:`CodeReading.result`) and which the loss
(:attr:`CodeReading.loss`), each with the reason for the choice.  The mapping stage gives names their meaning.

Conventions of the index form
    * Index names are letters with optional digits.  The letters name the range (a *dimension*): ``j``,
      ``j2``, ``j3`` all run over the same values, whose number is ``Size("j")``.  Free indices of a value
      come first, without digits where possible; bound indices (of ``Sum`` and ``Max``) are fresh.  The
      letters k d N c e n m l r (reserved by the engine) and the names of the text's own one-letter values
      are never index names.
    * An input is ``Symbol(name, indices)``: ``x[i, j]`` is ``Symbol("x", (i, j))``, a number is
      ``Symbol("alpha")``.  ``self.probs`` is named ``probs`` (``self.probs`` if ``probs`` is also a plain
      name of the text).  A function that the text calls but does not define (``hypothesis(x, theta)``) is an
      input named after it.
    * An entry at a label: ``probs[range(N), y]`` is ``Sum(j2, probs[i, j2] * KroneckerDelta(j2, y[i]))`` and
      ``dx[range(N), y] -= 1`` is ``dx[i, j] - KroneckerDelta(j, y[i])``; the labels (``y``) are listed in
      :attr:`CodeReading.class_labels`.  A constant subscript is a number index, counted from 1 as on the page
      (``x[0]`` is ``x_1``).
    * Sizes are ``Size(stem)``: ``x.shape[0]``, ``len(x)``, ``size(p, 2)``, and an input such as ``N``
      that the code uses as the length of an axis (``range(N)`` indexing the rows of ``probs``).
    * ``np.max(x, axis=1)`` is ``Max(j2, x[i, j2])``; a mean divides by the product of the sizes.
    * ``a if i == j else b`` and loops with ``if i != j`` give ``Cases``; an update made on one branch only
      (``if j == y[i]: dW[:, j] -= x``) gives ``KroneckerDelta``/``Indicator`` terms.
    * ``softmax``, ``log_softmax``, ``logsumexp`` and ``sigmoid`` are written out (exp / sum of exp); a
      softmax whose axis the code does not give runs over the last axis (NumPy, torch) or the first
      (MATLAB, Julia),
      and the notes say so.

Everything the reader assumes is in :attr:`CodeReading.notes` (the number of axes of an input the code does
not fix, a guard read away, a default used).  A construct without a meaning is a one-line
:class:`~derive.errors.ParseError` naming it, its line and column, if the result or the loss needs it;
otherwise the value it defines is left out and a note says why.
"""

from __future__ import annotations

import ast
import re
import textwrap
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final, Literal

from derive.claims.ast import Node, Size, Sum, Symbol, Undefined
from derive.claims.code_engine import (
    PYTHON,
    VECTOR_NAMES,
    WEIGHT_NAMES,
    Dialect,
    Engine,
    Func,
    Record,
    Refusal,
    Restart,
    Unread,
)
from derive.claims.code_index import PLACEHOLDER, SIZE_MARK, Arr, Dims, free_placeholders, map_children
from derive.errors import InputTooLargeError, ParseError

Syntax = Literal["python", "code"]

MAX_CODE_CHARS: Final = 20_000
_MAX_RESTARTS: Final = 24


@dataclass(frozen=True)
class CodeValue:
    """A named value of the code, in index form."""

    name: str  # "dx", "backward" (a function's return value), "self.probs" -> "probs"
    node: Node  # index form
    axes: tuple[str, ...]  # the free index names of node, axis 0 first
    line: int  # where it is defined (1-based)
    kind: Literal["assignment", "return", "parameter"]


@dataclass(frozen=True)
class CodeReading:
    """What a piece of code computes."""

    language: str  # "python", "matlab", "julia", "lua", "c", ...
    values: dict[str, CodeValue]  # every named value, in definition order (last definition wins)
    inputs: dict[str, int]  # free input names and their number of axes
    class_labels: frozenset[str]  # inputs used as class indices (y in probs[range(N), y])
    result: str | None  # the value the code claims is a gradient, inferred
    result_reason: str  # why: "function backward returns it", "dscores names a gradient"
    loss: str | None  # the value the code computes as the loss, inferred (or None)
    loss_reason: str
    notes: tuple[str, ...]
    #: A softmax of the code ran over each column: in a matrix, the classes are the rows.
    classes_in_columns: bool = False
    #: The function that returns the result (None for an assigned value).
    result_function: str | None = None
    #: Inputs whose number of axes the code does not fix (assumed: 1 for an array).
    assumed_axes: frozenset[str] = frozenset()
    #: Inputs that are the values of functions the text calls without defining them (``sigmoid_prime(z)``).
    opaque_calls: frozenset[str] = frozenset()
    #: The values each function returns (a function returning its own name's value: ``[name]``).
    returned: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: The result is an intermediate value: a later statement computes another value from it.
    result_used_later: bool = False
    #: The name a function's one returned value is built on (``return dW / m``: dW).
    return_heads: dict[str, str] = field(default_factory=dict)
    #: The layer whose input (a hidden layer's output) is read as an input (``read_code(layer=...)``).
    layer: Layer | None = None
    #: A softmax whose axis the code does not give was read over each row (NumPy's default).
    softmax_rows_assumed: bool = False
    #: The assigned values named as gradients that no other one is computed from (dW, db; also those
    #: that cannot be read, which are not in ``values``).
    final_gradients: tuple[str, ...] = ()
    #: The value the code computes as its loss, and why it cannot be read (then ``loss`` is None).
    unread_loss: tuple[str, str] | None = None
    #: Each function's parameters, a method's self (or ctx) left out (``forward(self, x, y)``: x, y).
    parameters: dict[str, tuple[str, ...]] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------------------
# Detection
# --------------------------------------------------------------------------------------------------------

#: Features of languages other than Python: (pattern, language, weight).
_LANGUAGE_FEATURES: Final[tuple[tuple[str, str, int], ...]] = (
    (r"^\s*function\s*(\[[^\]]*\]|\w+)\s*=\s*\w+\s*\(", "matlab", 6),
    (r"^\s*%", "matlab", 2),
    (r"\.\*|\./|\.\^", "matlab", 2),
    (r"\w'|\)'", "matlab", 2),
    (r"\b(zeros|ones)\(\w+\s*,\s*1\)", "matlab", 1),
    (r"\bnumel\(|\brepmat\(|\bsub2ind\(|\bfull\(sparse|\bsize\(\w+\s*,\s*\d\)", "matlab", 3),
    (r"^\s*(end|endfunction)\s*$", "matlab", 1),
    (r"^\s*[A-Za-z_]\w*(?:\([^)]*\))?\s*=[^=\n]*;\s*$", "matlab", 1),  # x = ...; with no type
    (r"\+=", "octave", 0),
    (r"\bcolumns\(|\bendfunction\b|#\s", "octave", 1),
    (r"\.(=|-|\+)|\bexp\.\(|::\w|\bend\s*$", "julia", 2),
    (r"(?<![\w.])\.[-+]\s", "julia", 2),  # x .- y: a broadcast minus, which MATLAB does not have
    (r"^\s*function\s+[∇\w!]+\([^)]*;", "julia", 5),
    (r"\b[A-Za-z_]\w*\.\(", "julia", 8),  # a broadcast call: exp.(z), log.(p): never MATLAB
    (r"@\.", "julia", 8),  # the broadcast macro @.
    (r"\bmaximum\(|\bminimum\(|^\s*using\s+(?!namespace\b)\w|\bDiagonal\(", "julia", 3),
    (r"\w\([^()]*;\s*\w+\s*=", "julia", 4),  # keyword arguments after a semicolon: softmax(z; dims=1)
    (r"\bdims\s*=", "julia", 3),  # sum(x, dims=1): a keyword MATLAB does not have
    (r"\bwhere\s*\{", "julia", 4),
    (r"^\s*module\s+\w+", "julia", 4),
    (r"^\s*\w+\([\w, ]*\)\s*=\s*\S", "julia", 1),
    (r"^\s*local\s+\w+|\bthen\b|\bdo\s*$|--\s|\w:\w+\(", "lua", 3),
    (r"^\s*function\s+\w+[:.]\w+\(", "lua", 4),
    (r"^\s*for\s+\w+\s*=\s*\d+\s*,", "lua", 4),
    (r"__global__|\bblockIdx\b|\bthreadIdx\b", "cuda", 8),
    (
        r"#include|std::|(?<!-)->(?!\s*(?:d\w*\s*/\s*d|∂))|\bconst\s+(auto|int|float|double)|\b(float|double|int|auto|uint|size_t|DATATYPE|ElemType|T)\s+\**\w+\s*=",
        "c++",
        3,
    ),
    (r"\bstatic_cast<|template\s*<|\barma::", "c++", 4),
    # for (i = 0; i < K; i++): a C-like loop header, typed or not
    (r"\bfor\s*\([^;()]*;[^;()]*;[^()]*(?:\+\+|--|\+=)[^()]*\)", "c", 4),
    (r"^[+-]\s", "diff", 0),
    # an arrow function; => before a derivative is plain text's "implies" (p_k(1 - p_k) => dL/dz_k = ...)
    (r"\b(const|let|var)\s+\w+\s*=|=>(?!\s*(?:d\w*\s*/\s*d|∂|\\frac|\\partial))|\bthis\.", "javascript", 3),
    (r":\s*number\b|\bexport\s+function\b", "typescript", 5),
    (r"\b(float|double|int)\s+\w+\s*=.*;|\bvar\s+\w+\s*=.*\.(sub|mul|add|div)\(", "java", 2),
    (r"<-|\bfunction\s*\(", "r", 3),
    (r"\bfn\s+\w+|\blet\s+mut\b|&Vec<", "rust", 6),
    (r"[←⍝⍴∘⍉]", "apl", 10),
    (r"^\s*\w+:\{\[", "q", 10),
)

_PYTHON_HINTS: Final = re.compile(
    r"^\s*(def|class|return|import|from|for|if|with|@)\b|\b(np|numpy|torch|tl|F|jnp|tf|scipy)\.|\bself\.|"
    r"\.(sum|mean|max|shape|reshape|T|dot|exp|log|copy|clone|size)\b|\*\*|\w\[|\blambda\b",
    re.MULTILINE,
)


def detect_code(text: str) -> tuple[Syntax, str | None] | None:
    """Whether ``text`` is code, and its language when it can tell (None when it reads as math)."""
    body = _strip_fences(text)
    language = _other_language(body)
    if language is not None:
        return "code", language
    try:
        tree = _quiet_parse(_python_source(body))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if _PYTHON_HINTS.search(body) or any(
        isinstance(n, (ast.FunctionDef, ast.Assign, ast.AugAssign)) and _code_like(n) for n in ast.walk(tree)
    ):
        return "python", "python"
    return None


def _code_like(node: ast.AST) -> bool:
    """An assignment is code when its target is a name and its value calls or indexes something."""
    if isinstance(node, ast.FunctionDef):
        return True
    value = getattr(node, "value", None)
    return value is not None and any(
        isinstance(n, (ast.Call, ast.Subscript, ast.Attribute)) for n in ast.walk(value)
    )


#: A C-style comment's words (``// then into the weights``): prose, not a language's keywords.
_SLASH_COMMENT: Final = re.compile(r"(?<=//).*$|(?<=/\*).*?(?=\*/)", re.MULTILINE)


def _other_language(text: str) -> str | None:
    scores: dict[str, int] = {}
    uncommented = _SLASH_COMMENT.sub("", text)
    for pattern, language, weight in _LANGUAGE_FEATURES:
        if weight and re.search(pattern, uncommented, re.MULTILINE):
            scores[language] = scores.get(language, 0) + weight
    if not scores:
        return None
    if (
        _python_parses(text)
        and _PYTHON_HINTS.search(text)
        and scores.get("julia", 0) < 4
        and max(scores.values()) < 6
    ):
        return None
    best = max(scores, key=lambda k: scores[k])
    if scores[best] < 3:
        return None
    if best == "matlab" and re.search(r"\+=|#\s|\bcolumns\(|\bendfunction\b", text):
        return "octave"
    return best


def _python_parses(text: str) -> bool:
    try:
        _quiet_parse(_python_source(text))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _strip_fences(text: str) -> str:
    text = text.strip("\n")
    stripped = text.strip()
    if stripped.startswith("```"):
        lines = stripped.splitlines()[1:]
        if lines and lines[-1].strip().startswith("```"):
            lines = lines[:-1]
        return "\n".join(lines)
    if stripped.startswith("`") and stripped.endswith("`") and stripped.count("`") == 2:
        return stripped[1:-1]
    return _indented_block(text)


def _indented_block(text: str) -> str:
    """A sentence, then the code indented under it (Markdown's code block, as a docstring quotes it): the
    code alone."""
    lines = text.splitlines()
    indented = [i for i, line in enumerate(lines) if line.startswith(("    ", "\t")) and line.strip()]
    first = indented[0] if indented else None
    if not first:
        return text
    before, block = lines[:first], lines[first:]
    prose = all(_PROSE_LINE.fullmatch(line.strip()) for line in before if line.strip())
    if prose and all(not line.strip() or line.startswith(("    ", "\t")) for line in block):
        return "\n".join(block)
    return text


#: A line of words before code (no assignment, no statement's end, no block's header, English words):
#: "When `y` is one-hot, it is computed as".
_PROSE_LINE: Final = re.compile(
    r"(?!(?:def|function|for|if|while|class|elif|else|with|try|local|module|struct|fn)\b)"
    r"(?=(?:.*?\b[A-Za-z]{2,}\b){4})(?=.*\b(?:is|are|as|the|when|of|its?|and|given|then)\b)"
    r"(?!.*\)\s*:\s*$)[^=;{}]*"
)


def _python_source(text: str) -> str:
    """Dedent, join backslash continuations the way Python does, drop diff markers."""
    lines = text.splitlines()
    if (
        lines
        and all(line[:1] in "+- " or not line.strip() for line in lines)
        and any(line[:1] == "+" for line in lines)  # -sum(...) alone is an expression, not a diff
    ):
        lines = [line[1:] for line in lines if not line.startswith("-")]
    return textwrap.dedent("\n".join(lines))


# --------------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------------


def read_code(
    text: str,
    syntax: Syntax | None = None,
    language: str | None = None,
    ranks: Mapping[str, int] | None = None,
    layer: Layer | None = None,
    softmax_columns: bool = False,
    named_ranks: Mapping[str, int] | None = None,
) -> CodeReading:
    """Read code into index-form values; raises :class:`ParseError` (one line) when it cannot. ``ranks``
    gives inputs whose number of axes the code does not fix another assumed number; ``layer`` (one of
    :func:`code_layers`) reads its input, a hidden layer's output, as an input from the line that
    multiplies it by the layer's weights on; ``softmax_columns`` reads a softmax whose axis the code does
    not give over each column (the examples in columns); ``named_ranks`` are the numbers of axes the user's
    ``--let`` says (``z=Z``: a batch's matrix), used where the code does not fix them."""
    if len(text) > MAX_CODE_CHARS:
        raise InputTooLargeError(f"code of {len(text)} characters is over the limit of {MAX_CODE_CHARS}")
    body = _strip_fences(text)
    module, dialect, language = _parse(body, syntax, language)
    stated = _stated_ranks(body, module)
    if language == "python":
        module = _stated_columns(body, module)
    planned = {**(named_ranks or {}), **stated, **(ranks or {})}
    reading = _read(module, dialect, language, planned, layer, softmax_columns)
    return replace(reading, layer=layer) if layer is not None and layer.input in reading.inputs else reading


def _parse(body: str, syntax: Syntax | None, language: str | None) -> tuple[ast.Module, Dialect, str]:
    """The code's statements (other languages translated into Python's), its dialect and its language."""
    if syntax is None:
        detected = detect_code(body)
        if detected is None:
            syntax, language = "python", "python"
        else:
            syntax, language = detected
    if language is not None and language.lower() == "triton":
        syntax = "python"  # Triton kernels are Python with tl. calls
    if syntax == "python" or (language in (None, "python", "triton") and syntax != "code"):
        return _parse_python(body), PYTHON, "python"
    from derive.claims.code_syntax import parse_code

    language = language or _other_language(body) or "c"
    module, dialect = parse_code(body, language)
    return module, dialect, language


@dataclass(frozen=True)
class Layer:
    """A later layer of a network in code: ``scores = hidden.dot(W2) + b2`` after
    ``hidden = np.maximum(0, X.dot(W1) + b1)``."""

    input: str  # the hidden layer's output it multiplies: hidden
    line: int  # the first line that multiplies it by the layer's weights
    upstream: frozenset[str]  # every name the input is computed from (W1, b1, X)
    parameters: tuple[str, ...]  # the layer's weights and the biases on that line: W2, b2


def code_layers(text: str, syntax: Syntax) -> tuple[Layer, ...]:
    """The later layers of a network in code, last first (:func:`layer_inputs`); none for text that does
    not parse."""
    try:
        module, _, _ = _parse(_strip_fences(text), syntax, None)
    except (ParseError, RecursionError):
        return ()
    return tuple(sorted(layer_inputs(module).values(), key=lambda layer: -layer.line))


#: Calls that multiply two matrices: ``np.dot(a, b)``, ``a.dot(b)``, ``torch.mm``, ``tf.matmul``.
_PRODUCTS: Final = frozenset({"dot", "matmul", "mm"})


def _multiplied(node: ast.AST) -> tuple[ast.expr, ast.expr] | None:
    """The two factors of a matrix product (``a @ b``, ``np.dot(a, b)``, ``a.dot(b)``), or None."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        return node.left, node.right
    if not isinstance(node, ast.Call) or node.keywords:
        return None
    called = node.func
    name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
    if name not in _PRODUCTS:
        return None
    if isinstance(called, ast.Attribute) and len(node.args) == 1:
        return called.value, node.args[0]
    return (node.args[0], node.args[1]) if len(node.args) == 2 else None


def _factor_name(node: ast.expr) -> str | None:
    """The name a factor multiplies, through a transpose (``h.T``, ``W.transpose()``, ``np.transpose(W)``)."""
    while True:
        if isinstance(node, ast.Attribute) and node.attr == "T":
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
            "transpose", "t"
        ) and not node.args:
            node = node.func.value
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == (
            "transpose"
        ) and len(node.args) == 1:
            node = node.args[0]
        else:
            return node.id if isinstance(node, ast.Name) else None


def _assigned_names(target: ast.expr) -> set[str]:
    """The names an assignment's target writes: ``h``, ``h[mask]`` and ``(W1, b1)`` write h, h, W1 and b1."""
    if isinstance(target, (ast.Tuple, ast.List)):
        return {name for element in target.elts for name in _assigned_names(element)}
    while isinstance(target, (ast.Subscript, ast.Attribute, ast.Starred)):
        target = target.value
    return {target.id} if isinstance(target, ast.Name) else set()


def layer_inputs(module: ast.Module) -> dict[str, Layer]:
    """The outputs of hidden layers, each with the line that first multiplies it by a later layer's weights
    (``scores = hidden.dot(W2) + b2``, ``Z2 = np.dot(W2, A1) + b2``): a value computed from other weights
    (``hidden = np.maximum(0, X.dot(W1) + b1)``) that the product's weights are not computed from. The
    derivatives by that later layer's parameters do not go through it, so from that line on it is read as
    that layer's input (an activation the reader does not know, relu or tanh, is then no obstacle). Each
    comes with every name it is computed from (the derivatives by those go through it)."""
    sources: dict[str, set[str]] = {}
    for node in ast.walk(module):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            read = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
            for target in targets:
                written = _assigned_names(target)
                indices = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)} - written
                for name in written:
                    # h[mask] = 0 writes into h: its value is computed from h, the mask and the value
                    sources.setdefault(name, set()).update(read | indices)

    def computed_from(name: str) -> set[str]:
        found: set[str] = set()
        todo = [name]
        while todo:
            for source in sources.get(todo.pop(), ()):
                if source not in found:
                    found.add(source)
                    todo.append(source)
        return found

    cuts: dict[str, Layer] = {}
    compound = (ast.FunctionDef, ast.ClassDef, ast.For, ast.While, ast.If, ast.With)
    simple = [n for n in ast.walk(module) if isinstance(n, ast.stmt) and not isinstance(n, compound)]
    for statement in sorted(simple, key=lambda n: n.lineno):
        for node in ast.walk(statement):
            factors = _multiplied(node)
            if factors is None:
                continue
            first, second = (_factor_name(f) for f in factors)
            for weights, hidden in ((first, second), (second, first)):
                if weights is None or hidden is None or hidden in cuts or hidden not in sources:
                    continue
                if not WEIGHT_NAMES.fullmatch(weights) or WEIGHT_NAMES.fullmatch(hidden):
                    continue
                upstream = computed_from(hidden)
                if weights in upstream or not any(WEIGHT_NAMES.fullmatch(n) for n in upstream):
                    continue
                written = {n.id for n in ast.walk(statement) if isinstance(n, ast.Name)}
                biases = {name for name in written - upstream if VECTOR_NAMES.fullmatch(name)}
                parameters = (weights, *sorted(biases))
                cuts[hidden] = Layer(hidden, statement.lineno, frozenset(upstream), parameters)
    return cuts


#: A shape the code's own words give an input: ``logits: (N, C)``, ``labels (N,) int``, ``x of shape (D,)``,
#: ``W: D x C``.
_STATED_SHAPE: Final = re.compile(
    r"(?<![\w.])(?P<name>[A-Za-z_]\w*)(?:\.shape\s*==\s*|\s*(?::|--|\s-\s|\bis\b)[^()\[\]\n:;=]{0,40}?|\s*)"
    r"(?:\b(?:of|has|with)\s+)?(?:\bshape\b\s*[:=]?\s*)?"
    r"[(\[]\s*(?P<dims>[A-Za-z0-9_]+(?:\s*(?:,|x|×|\*)\s*[A-Za-z0-9_]+)*)\s*,?\s*[)\]]"
)


def _stated_ranks(text: str, module: ast.Module) -> dict[str, int]:
    """The number of axes the code's docstrings and comments give its function parameters
    (``logits: (N, C)``: 2): where the code itself does not fix them (``axis=-1`` works on one vector
    and on a batch), the code is read as the words say."""
    parameters = {
        a.arg for n in ast.walk(module) if isinstance(n, (ast.FunctionDef, ast.Lambda)) for a in n.args.args
    }
    words = _code_words(text, module)
    ranks: dict[str, int] = {}
    for match in (m for said in words for m in _STATED_SHAPE.finditer(said)):
        name = match["name"]
        if name not in parameters or name in ranks:
            continue
        dims = [d for d in re.split(r"\s*(?:,|x|×|\*)\s*", match["dims"]) if d and d != "1"]  # (1, n): a row
        if dims and all(re.fullmatch(r"[A-Za-z_]\w*|\d+", d) for d in dims):
            ranks[name] = len(dims)
    return ranks


def _code_words(text: str, module: ast.Module) -> list[str]:
    """The code's docstrings and comments."""
    words = [
        doc
        for n in ast.walk(module)
        if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Module)) and (doc := ast.get_docstring(n))
    ]
    return words + [m.group(1) for m in re.finditer(r"(?:#|//|%|--)(.*)$", text, re.MULTILINE)]


def _stated_columns(text: str, module: ast.Module) -> ast.Module:
    """A function parameter the code's words give as a column (``s: (C, 1)``), in code that writes its
    products, is read as that vector reshaped so (``s = s.reshape(-1, 1)`` first in the function), so that
    ``np.dot(s, s.T)`` is the outer product it is there (as a vector it would be a number)."""
    columns: set[str] = set()
    for match in (m for said in _code_words(text, module) for m in _STATED_SHAPE.finditer(said)):
        dims = [d for d in re.split(r"\s*(?:,|x|×|\*)\s*", match["dims"]) if d]
        name = match["name"]
        # only a column whose products the code writes (s.T, np.dot, @): a row stated (1, n) is often a 1-D
        # array in the code itself, and its products alone tell the two apart
        products = re.search(rf"\b{re.escape(name)}\s*\.\s*T\b|\bdot\s*\(|@|\bmatmul\s*\(", text)
        if len(dims) == 2 and dims[1] == "1" and dims[0] != "1" and products:
            columns.add(name)
    if not columns:
        return module
    for function in (n for n in ast.walk(module) if isinstance(n, ast.FunctionDef)):
        names = [a.arg for a in function.args.args if a.arg in columns]
        reshapes = [ast.parse(f"{n} = {n}.reshape(-1, 1)").body[0] for n in names]
        for statement in reshapes:
            ast.copy_location(statement, function.body[0])
            ast.fix_missing_locations(statement)
        function.body[:0] = reshapes
    return module


def _quiet_parse(source: str) -> ast.Module:
    """``ast.parse`` without the warnings Python prints for a text's own oddities (``"\\h"``, an invalid
    escape in a string of the posted code): a claim's reading says what it did not understand, stderr
    stays one line."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)


def _parse_python(text: str) -> ast.Module:
    source = _python_source(text)
    try:
        module = _quiet_parse(source)
    except SyntaxError as error:
        line, column = error.lineno or 0, (error.offset or 0)
        raise ParseError(f"line {line}, column {column}: not Python ({error.msg})") from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise ParseError(f"not Python ({type(error).__name__})") from None
    # a function's last line quoted alone (return np.diag(s) - np.outer(s, s)): its value, as a line's
    module.body = [
        ast.copy_location(ast.Expr(node.value), node) if isinstance(node, ast.Return) and node.value else node
        for node in module.body
    ]
    return module


_INTERNAL_CALLS: Final = (
    (re.compile(r"__range__\(([^(),]+), ([^()]+)\)"), r"\1:\2"),
    (re.compile(r"__range_step__\(([^(),]+), ([^(),]+), ([^()]+)\)"), r"\1:\2:\3"),
    (re.compile(r"__mrdivide__\(([^(),]+), (.+?)\)"), r"\1 / \2"),
    (re.compile(r"__(?:mpower|xor)__\(([^(),]+), (.+?)\)"), r"\1 ^ \2"),
    (re.compile(r"__mod__\(([^(),]+), (.+?)\)"), r"\1 % \2"),
)


def _as_written(message: str, dialect: Dialect) -> str:
    """Messages name constructs as the language writes them (MATLAB's a * B, 1:n), not as translated."""
    if dialect.name == "python":
        return message
    for pattern, replacement in _INTERNAL_CALLS:
        message = pattern.sub(replacement, message)
    if dialect.matlab_shapes or dialect.name in ("julia", "armadillo"):
        message = message.replace(" @ ", " * ")
    return message


def _read(
    module: ast.Module,
    dialect: Dialect,
    language: str,
    ranks: Mapping[str, int],
    layer: Layer | None,
    softmax_columns: bool = False,
) -> CodeReading:
    try:
        reading = _read_module(module, dialect, language, ranks, layer, softmax_columns)
    except ParseError as error:
        raise type(error)(_as_written(str(error), dialect)) from None
    notes = tuple(_as_written(note, dialect) for note in reading.notes)

    def written(node: Node) -> Node:
        if isinstance(node, Undefined):
            return Undefined(_as_written(node.reason, dialect))
        return map_children(node, written)

    values = {name: replace(value, node=written(value.node)) for name, value in reading.values.items()}
    return CodeReading(**{**reading.__dict__, "notes": notes, "values": values})


def _read_module(
    module: ast.Module,
    dialect: Dialect,
    language: str,
    ranks: Mapping[str, int],
    layer: Layer | None,
    softmax_columns: bool,
) -> CodeReading:
    plan: dict[str, tuple[int, str]] = {name: (rank, "default") for name, rank in ranks.items()}
    taken = {
        a.arg for n in ast.walk(module) if isinstance(n, (ast.FunctionDef, ast.Lambda)) for a in n.args.args
    }
    libraries = {
        n.id for n in ast.walk(module) if isinstance(n, ast.Name) and n.id in ("torch", "np", "numpy", "tl")
    }
    history: list[str] = []
    for _ in range(_MAX_RESTARTS):
        engine = Engine(dialect, plan)
        engine.softmax_columns = softmax_columns
        if layer is not None:
            engine.cuts[layer.line] = (layer.input,)
        engine.taken_names = taken
        engine.libraries = libraries
        try:
            engine.run(module)
        except Restart as restart:
            if all(plan.get(name) == change for name, change in restart.changes.items()):
                raise ParseError(
                    f"cannot settle the number of axes of {', '.join(restart.changes)} ({restart.why})"
                ) from None
            plan.update(restart.changes)
            history.append(f"{', '.join(restart.changes)} ({restart.why})")
            continue
        except Refusal as refusal:
            raise ParseError(_message(refusal)) from None
        except RecursionError:
            raise ParseError("code nested too deeply") from None
        return _finish(engine, language, plan, history)
    raise ParseError("cannot settle the number of axes of the inputs")


def _message(refusal: Refusal) -> str:
    at = refusal.at
    line = getattr(at, "lineno", None)
    if line is None:
        return refusal.message
    return f"line {line}, column {(getattr(at, 'col_offset', 0) or 0) + 1}: {refusal.message}"


# --------------------------------------------------------------------------------------------------------
# Names of indices
# --------------------------------------------------------------------------------------------------------

_STEMS: Final = ("i", "j", "p", "q", "s", "t", "u", "v", "w", "g", "h", "o", "f", "a", "b", "x", "z")
_RESERVED: Final = frozenset("k d N c e n m l r".split())


class _Namer:
    """Letter stems for dimensions and readable names for the placeholders of each value."""

    def __init__(self, dims: Dims, avoid: set[str]) -> None:
        self.dims = dims
        self.stem: dict[int, str] = {}
        self.pool = [s for s in _STEMS if s not in _RESERVED and s not in avoid]
        self.pool += [a + b for a in "ij" for b in "abcdefgh" if a + b not in avoid]

    def stem_of(self, dim: int) -> str:
        root = self.dims.find(dim)
        if root not in self.stem:
            if not self.pool:
                raise ParseError("too many different sizes in the code")
            self.stem[root] = self.pool.pop(0)
        return self.stem[root]

    def claim(self, axes: tuple[str | None, ...]) -> None:
        for axis in axes:
            if axis is not None:
                self.stem_of(self.dims.dim(axis))

    def name_value(
        self, node: Node, axes: tuple[str | None, ...], sizes: dict[str, int]
    ) -> tuple[Node, tuple[str, ...]]:
        names: dict[str, str] = {}
        used: set[str] = set()

        def pick(placeholder: str) -> str:
            if placeholder not in names:
                stem = self.stem_of(self.dims.dim(placeholder))
                name, k = stem, 2
                while name in used:
                    name, k = f"{stem}{k}", k + 1
                used.add(name)
                names[placeholder] = name
            return names[placeholder]

        free = [pick(a) for a in axes if a is not None]

        def go(n: Node) -> Node:
            if isinstance(n, Symbol) and n.name.startswith(PLACEHOLDER):
                return Symbol(pick(n.name))
            if isinstance(n, Symbol) and not n.indices and n.name in sizes:
                return Size(self.stem_of(sizes[n.name]))
            if isinstance(n, (Sum,)) and n.index is not None and n.index.startswith(PLACEHOLDER):
                index = pick(n.index)
                return Sum(index, n.lower, n.upper, go(n.body), n.excluded, n.over)
            if type(n).__name__ == "Max" and getattr(n, "index", None) and n.index.startswith(PLACEHOLDER):  # type: ignore[union-attr]
                from derive.claims.ast import Max

                assert isinstance(n, Max)
                index = pick(n.index)  # type: ignore[arg-type]
                return Max(index, go(n.body))
            if isinstance(n, Size) and n.index.startswith(SIZE_MARK):
                return Size(self.stem_of(int(n.index[len(SIZE_MARK) :])))
            return map_children(n, go)

        return go(node), tuple(free)


# --------------------------------------------------------------------------------------------------------
# Finishing: values, inputs, result and loss
# --------------------------------------------------------------------------------------------------------

_GRADIENT: Final = re.compile(
    r"(gradient\w*|d[A-Z]\w*|d_\w+|d[a-z]{1,2}\d?|d(scores|logits|inputs?|outputs?|probs|loss|theta|weights?|bias|hidden|"
    r"values)\w*|D[a-z]\w*|grads?(_\w+)?|\w*_grads?(_\w+)?|\w*Grads?\w*|∇\w*|_?∇\w*|delta\w*|\w*_delta|"
    r"\w*_?prime|\w*[dD]erivative\w*|(\w+_)?backward\w*|Backward|backPropagation|fback|back|\w*_diff|jacobian\w*|"
    r"\w*_jacobian\w*|\w*Jacobian\w*|\w*_grad_\w*)"
)
_NOT_GRADIENT: Final = frozenset("dim dims dot den denom data dtype diff dist done dev do dy_hat".split())
_LOSS: Final = re.compile(
    r"(loss\w*|\w*_loss\w*|\w*Loss\w*|cost\w*|\w*_cost|\w*Cost\w*|L|J|E|C|H|CE|ce|nll|NLL|xent|\w*[cC]ross_?[eE]ntropy\w*|"
    r"\w*_ce|zloss|z_loss|losses|fn|forward|dataLoss|lossResult|\w*focal\w*)"
)


def is_gradient_name(name: str) -> bool:
    name = name.split("[")[0].split(".")[-1]
    return bool(_GRADIENT.fullmatch(name)) and name not in _NOT_GRADIENT


def is_loss_name(name: str) -> bool:
    name = name.split("[")[0].split(".")[-1]
    return bool(_LOSS.fullmatch(name)) and not is_gradient_name(name)


def _finish(
    engine: Engine, language: str, plan: dict[str, tuple[int, str]], history: list[str]
) -> CodeReading:
    records = engine.records
    latest: dict[str, Record] = {}
    for record in records:
        latest.pop(record.name, None)
        latest[record.name] = record
    notes = list(engine.notes)
    readable = {name: r for name, r in latest.items() if not isinstance(r.value, Unread)}

    for name, array in engine.inputs.items():
        if array.rank == 2 and all(d is not None for d in array.dims):
            rows, columns = (engine.dims.find(d) for d in array.dims if d is not None)
            if rows == columns:
                # Y = np.eye(N)[labels] with N the rows of logits (N, C): the code runs only when N = C
                raise ParseError(
                    f"the code uses the two axes of {name} as one size (it runs only when {name} is square: "
                    "for example np.eye(N)[labels] with N the number of rows, where the classes are meant)"
                )
    result, result_reason, result_function = _infer_result(engine, latest)
    final_gradients = tuple(_final_gradients(latest, unread=True))
    loss, loss_reason = _infer_loss(engine, latest, result)
    if result is not None and isinstance(latest[result].value, Unread):
        unread = latest[result].value
        assert isinstance(unread, Unread)
        raise ParseError(f"{unread.message} (needed for {result})")
    unread_loss = None
    if loss is not None and isinstance(loss_value := latest[loss].value, Unread):
        unread_loss = (loss, loss_value.message)
        notes.append(f"the loss {loss} is not read: {unread_loss[1]}")
        loss, loss_reason = None, f"{loss} could not be read"
    if result is None and loss is None:
        unread_all = [r for r in latest.values() if isinstance(r.value, Unread)]
        if unread_all:
            raise ParseError(unread_all[-1].value.message)  # type: ignore[union-attr]
        raise ParseError("no value of the code reads as a gradient or a loss")
    for name, record in latest.items():
        if isinstance(record.value, Unread) and name not in (result, loss):
            notes.append(f"{name} (line {record.line}) is not read: {record.value.message}")

    for name in list(readable):
        value = readable[name].value
        assert not isinstance(value, Unread)
        loose = free_placeholders(value.node) - {a for a in value.axes if a is not None}
        if loose:
            message = (
                f"line {readable[name].line}: {name} depends on an index that the text does not define "
                "(a fragment of a loop's body)"
            )
            if name in (result, loss):
                raise ParseError(message)
            notes.append(message)
            del readable[name]
    avoid = {name for name in engine.inputs if len(name) == 1} | {n for n in latest if len(n) == 1}
    namer = _Namer(engine.dims, avoid)
    sizes = {
        name: dim
        for dim, name in engine.dims.size_name.items()
        if name in engine.inputs and engine.inputs[name].rank == 0
    }
    sizes = {name: engine.dims.find(dim) for name, dim in sizes.items()}
    for chosen in (result, loss):
        if chosen is not None:
            value = readable[chosen].value
            assert not isinstance(value, Unread)
            namer.claim(value.axes)
    values: dict[str, CodeValue] = {}
    for name, record in readable.items():
        value = record.value
        assert not isinstance(value, Unread)
        node, axes = namer.name_value(value.node, value.axes, sizes)
        kind: Literal["assignment", "return", "parameter"] = record.kind  # type: ignore[assignment]
        values[name] = CodeValue(name, node, axes, record.line, kind)
    inputs: dict[str, int] = {}
    paths: dict[str, str] = {}  # an input's own name -> its object path (W1 = self.params['W1'])
    mentioned = {n.name for v in values.values() for n in _symbols(v.node)}
    for path, value in engine.inputs.items():
        name = value.node.name if isinstance(value.node, Symbol) and value.rank else path
        if name in sizes or name not in mentioned:
            continue
        inputs[name] = sum(1 for a in value.axes if a is not None)
        paths[name] = path
    for name in sizes:
        notes.append(f"{name} is read as the size {namer.stem_of(sizes[name])} of an axis it runs over")
    assumed: set[str] = set()
    for name, count in inputs.items():
        _rank, how = plan.get(paths[name], (count, "default"))
        if how == "default" and count >= 1 and name not in engine.class_labels:
            assumed.add(name)
            notes.append(
                f"{name}: {count} ax{'is' if count == 1 else 'es'} assumed (the code does not fix it)"
            )
        elif how == "matched":
            notes.append(f"{name}: {count} axes, as the array it is used with element-wise")
        elif how == "name" and count == 0:
            notes.append(f"{name}: a number (by its name)")
    return CodeReading(
        language=language,
        values=values,
        returned={function: tuple(names) for function, names in engine.returns.items()},
        return_heads=dict(engine.return_heads),
        result_used_later=result is not None and _used_later(engine, latest, result),
        inputs=inputs,
        class_labels=frozenset(engine.class_labels),
        result=result,
        result_reason=result_reason,
        result_function=result_function,
        assumed_axes=frozenset(assumed),
        opaque_calls=frozenset(engine.opaque_calls),
        loss=loss,
        loss_reason=loss_reason,
        notes=tuple(notes),
        classes_in_columns=engine.classes_in_columns,
        softmax_rows_assumed=engine.softmax_rows_assumed,
        final_gradients=final_gradients,
        unread_loss=unread_loss,
        parameters={name: _parameters(function) for name, function in engine.functions.items()},
    )


def _parameters(function: Func) -> tuple[str, ...]:
    """A function's parameter names, a method's first (self, cls, this or ctx) left out."""
    node = function.node
    names = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
    return tuple(names[1:] if names and names[0] in ("self", "cls", "this", "ctx") else names)


def _symbols(node: Node) -> list[Symbol]:
    from derive.claims.code_index import children

    found: list[Symbol] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Symbol):
            found.append(n)
        stack.extend(children(n))
    return found


def _final_gradients(latest: dict[str, Record], unread: bool = False) -> list[str]:
    """The assigned values named as gradients that no other such value is computed from (dW and db, not
    the dscores both use), in order; every gradient-named value when each is used by another. Entries of a
    dictionary that cannot be read are left out unless ``unread``."""
    gradients = [name for name in latest if is_gradient_name(name) and latest[name].kind != "parameter"]
    if not unread and any("[" in name and isinstance(latest[name].value, Unread) for name in gradients):
        # grads['W1'] not read (the relu's mask), grads['W2'] read: the entries that can be read are judged
        gradients = [name for name in gradients if not isinstance(latest[name].value, Unread)] or gradients
    final = [
        name
        for name in gradients
        if not any(_uses(latest[other], name) for other in gradients if other != name)
    ]
    return final or gradients


def _infer_result(engine: Engine, latest: dict[str, Record]) -> tuple[str | None, str, str | None]:
    """The claimed value, why, and the function that returns it (None for an assigned value)."""
    returned: list[tuple[str, str]] = []  # (value, function)
    for function, names in engine.returns.items():
        for name in names:
            returned.append((name, function))
    # a function whose name says gradient, returning one value
    for function, names in reversed(list(engine.returns.items())):
        if is_gradient_name(function) and names == [function] and function in latest:
            return function, f"function {function} returns it", function
    # a function returning one value built on a gradient's name (return dW / N)
    for function, names in reversed(list(engine.returns.items())):
        head = engine.return_heads.get(function)
        if head is not None and names == [function] and is_gradient_name(head) and function in latest:
            said = f"function {function} returns a value built on {head}, a name for a gradient"
            return function, said, function
    # a returned value whose name says gradient (the first one of the last function returning several)
    for function, names in reversed(list(engine.returns.items())):
        for name in names:
            if name != function and is_gradient_name(name) and name in latest:
                return name, f"{function} returns {name}, a name for a gradient", function
    # a function whose name says gradient, returning several values: the first that is not the loss
    for function, names in reversed(list(engine.returns.items())):
        if is_gradient_name(function):
            for name in names:
                if not is_loss_name(name) and name in latest:
                    return name, f"function {function} returns it", function
    # an assignment whose name says gradient, not used by a later one
    final = _final_gradients(latest)
    if final:
        name = final[-1]
        return name, f"{name} names a gradient", None
    # the last value returned, or the last value computed
    for name, function in reversed(returned):
        if name in latest and not is_loss_name(name) and not is_loss_name(function):
            return name, f"the last value the code returns ({name})", function
    readers = list(latest.values())
    for name in reversed(list(latest)):
        record = latest[name]
        if record.kind != "assignment" or (is_loss_name(name) and not _square(record)):
            continue
        if any(name in other.reads and other.line > record.line for other in readers) or any(
            line > record.line and name in names for line, names in engine.statement_reads
        ):
            continue  # an intermediate value: another value is computed from it
        # the last value nothing else is computed from (if it cannot be read, the reading fails)
        return name, f"the last value the code assigns ({name})", None
    return None, "no value of the code reads as a gradient", None


def _used_later(engine: Engine, latest: dict[str, Record], name: str) -> bool:
    """Whether a statement after ``name``'s definition computes another value from it."""
    line = latest[name].line
    return any(other.name != name and name in other.reads and other.line > line for other in engine.records)


def _uses(record: Record, name: str) -> bool:
    """Whether the statement that defines ``record`` reads ``name``."""
    return name in record.reads


_LOSS_WORDS: Final = re.compile(r"(?i).*(loss|cost|entropy|nll|xent|focal).*")


def _loss_like(name: str, record: Record, result: str | None) -> bool:
    """A loss is a number; next to a result, a per-entry value counts only when its name says loss in words
    (a Jacobian named J is not a loss)."""
    if not is_loss_name(name):
        return False
    value = record.value
    if isinstance(value, Arr) and value.size_of is not None:
        return False  # N, C = X.shape[0], W.shape[1]: C is the number of classes, never the loss
    said = bool(_LOSS_WORDS.fullmatch(name.split("[")[0].split(".")[-1]))
    # a layer's forward beside its backward (PyTorch's Function): the backward is its gradient by contract
    said = said or (name == "forward" and result == "backward")
    if isinstance(value, Unread) or not any(a is not None for a in value.axes):
        return True
    if _square(record) and not said:
        return False  # J = np.diag(s) - np.outer(s, s): a Jacobian named J, not a loss
    return result is None or said


def _square(record: Record) -> bool:
    """Whether a value is a square matrix (a Jacobian), whatever its name."""
    value = record.value
    return isinstance(value, Arr) and len(value.dims) == 2 and value.dims[0] is not None and (
        value.dims[0] == value.dims[1]
    )


def _infer_loss(engine: Engine, latest: dict[str, Record], result: str | None) -> tuple[str | None, str]:
    for function, names in reversed(list(engine.returns.items())):
        if names == [function] and function != result and function in latest:
            if _loss_like(function, latest[function], result):
                return function, f"function {function} returns it"
    for function, names in reversed(list(engine.returns.items())):
        for name in names:
            candidate = name != function and name != result and name in latest
            if candidate and _loss_like(name, latest[name], result):
                return name, f"{function} returns {name}"
    for name in reversed(list(latest)):
        if name != result and latest[name].kind != "parameter" and _loss_like(name, latest[name], result):
            return name, f"{name} names a loss"
    return None, "no value of the code reads as the loss"


__all__ = ["CodeReading", "CodeValue", "detect_code", "is_gradient_name", "is_loss_name", "read_code"]
