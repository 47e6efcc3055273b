"""Code in languages other than Python, read by one grammar (``code_grammar.lark``) into Python ``ast`` nodes.

The reader is one Lark grammar for the statements that gradient code is written with (assignments, ``+=``,
element assignment, ``return``, calls, indexing, methods, function headers, ``if`` and ``for`` blocks) in
MATLAB/Octave, Julia, Lua/Torch, C/C++/CUDA, JavaScript/TypeScript, Java and R.  Each language's surface
differences are a row of :data:`LANGUAGES` (comment markers, how ``*``, ``^``, ``%`` and ``/`` read, whether
``a(i)`` indexes, where indices start) and a few text preparations in :func:`prepare`; the tree becomes the
Python ``ast`` nodes that :mod:`derive.claims.code_engine` executes symbolically (it never runs anything).
"""

from __future__ import annotations

import ast
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Final, TypeVar

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError

from derive.claims.code_engine import Dialect
from derive.errors import InputTooLargeError, ParseError


@dataclass(frozen=True)
class Language:
    """One language's surface: comments, operators, indexing."""

    name: str
    line_comments: tuple[str, ...]
    block_comments: tuple[tuple[str, str], ...] = ()
    matrix_product: bool = False  # * multiplies matrices (MATLAB, Julia, Armadillo)
    caret_power: bool = True  # ^ is a power (it is XOR in C-like languages)
    percent_schur: bool = False  # % is the element-wise product (Armadillo)
    call_indexes: bool = False  # a(i) reads an entry
    one_based: bool = False
    transpose_quote: bool = False  # x' transposes
    matlab_shapes: bool = False
    left_broadcast: bool = False
    implicit_return: bool = False  # a function's last expression is its value (Julia, R)
    braces: bool = False  # statements end with ; and blocks are { }: a newline inside a statement is a space
    slash_divides: bool = False  # a / b divides entry by entry even where * multiplies matrices (Armadillo)

    def dialect(self) -> Dialect:
        return Dialect(
            self.name,
            one_based=self.one_based,
            matlab_shapes=self.matlab_shapes,
            left_broadcast=self.left_broadcast,
            reduce_first=self.matlab_shapes,
            call_indexes=self.call_indexes,
        )


_MATLAB: Final = Language(
    "matlab",
    ("%",),
    (("%{", "%}"),),
    matrix_product=True,
    call_indexes=True,
    one_based=True,
    transpose_quote=True,
    matlab_shapes=True,
)
_C: Final = Language("c", ("//",), (("/*", "*/"),), caret_power=False, braces=True)

LANGUAGES: Final[dict[str, Language]] = {
    "matlab": _MATLAB,
    "octave": Language(
        "octave",
        ("%", "#"),
        (("%{", "%}"),),
        matrix_product=True,
        call_indexes=True,
        one_based=True,
        transpose_quote=True,
        matlab_shapes=True,
    ),
    "julia": Language(
        "julia",
        ("#",),
        (("#=", "=#"),),
        matrix_product=True,
        one_based=True,
        transpose_quote=True,
        left_broadcast=True,
        implicit_return=True,
    ),
    "lua": Language("lua", ("--",), (("--[[", "]]"),), one_based=True),
    "c": _C,
    "c++": Language("c++", ("//",), (("/*", "*/"),), caret_power=False, braces=True),
    "armadillo": Language(
        "armadillo",
        ("//",),
        (("/*", "*/"),),
        matrix_product=True,
        caret_power=False,
        percent_schur=True,
        call_indexes=True,
        braces=True,
        slash_divides=True,
    ),
    "cuda": Language("cuda", ("//",), (("/*", "*/"),), caret_power=False, braces=True),
    "java": Language("java", ("//",), (("/*", "*/"),), caret_power=False, braces=True),
    "javascript": Language("javascript", ("//",), (("/*", "*/"),), caret_power=False, braces=True),
    "typescript": Language("typescript", ("//",), (("/*", "*/"),), caret_power=False, braces=True),
    "r": Language("r", ("#",), matrix_product=False, one_based=True, implicit_return=True, braces=True),
}
_ALIASES: Final = {"cpp": "c++", "c#": "c++", "csharp": "c++", "js": "javascript", "ts": "typescript"}
#: Languages the grammar does not cover: a one-line refusal names them.
UNSUPPORTED: Final = {"apl": "APL", "q": "q (kdb+)", "q (kdb+)": "q (kdb+)", "rust": "Rust"}

MAX_LINES: Final = 400
#: The grammar (an Earley parser) takes about a second per kilobyte of code: longer code is refused at once.
MAX_CHARS: Final = 4000


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = resources.files("derive.claims").joinpath("code_grammar.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="earley", lexer="dynamic", ambiguity="resolve", propagate_positions=True)


def language_of(name: str) -> Language:
    key = name.lower()
    key = _ALIASES.get(key, key)
    if key in UNSUPPORTED:
        raise ParseError(
            f"code in {UNSUPPORTED[key]} is not read (the code reader reads MATLAB/Octave, Julia, Lua, "
            "C/C++/CUDA, Java, JavaScript/TypeScript and R statements)"
        )
    if key not in LANGUAGES:
        raise ParseError(f"code in the language {name!r} is not read")
    return LANGUAGES[key]


def parse_code(text: str, language: str) -> tuple[ast.Module, Dialect]:
    """Parse code of ``language`` into a Python ``ast.Module`` (refusing in one line what it cannot)."""
    spec = language_of(language)
    if re.search(r"\barma(dillo)?\b", text) and spec.name in ("c", "c++"):
        spec = LANGUAGES["armadillo"]
    if len(text) > MAX_CHARS:
        raise InputTooLargeError(
            f"{spec.name} code of {len(text)} characters is over the limit of {MAX_CHARS}"
        )
    prepared = prepare(text, spec)
    if prepared.count("\n") > MAX_LINES:
        raise InputTooLargeError(f"code of more than {MAX_LINES} lines")
    try:
        tree = _parser().parse(prepared)
    except UnexpectedCharacters as error:
        raise ParseError(
            f"line {error.line}, column {error.column}: {spec.name} code not understood at "
            f"{_snippet(prepared, error.pos_in_stream)!r}"
        ) from None
    except UnexpectedEOF:
        raise ParseError(
            f"{spec.name} code ends in the middle of a statement (an unclosed block or bracket)"
        ) from None
    except UnexpectedInput as error:
        raise ParseError(
            f"line {error.line}, column {error.column}: {spec.name} code not understood"
        ) from None
    except (LarkError, RecursionError) as error:
        raise ParseError(f"{spec.name} code not understood ({type(error).__name__})") from None
    try:
        module = _ToPython(spec).transform(tree)
    except RecursionError:
        raise ParseError(f"{spec.name} code nested too deeply") from None
    except VisitError as error:
        # a construct a rule refuses (its own one line), or a reader bug: one line, never a traceback
        if isinstance(error.orig_exc, ParseError):
            raise error.orig_exc from None
        if isinstance(error.orig_exc, RecursionError):
            raise ParseError(f"{spec.name} code nested too deeply") from None
        raise ParseError(
            f"internal error of the {spec.name} reader ({type(error.orig_exc).__name__}); please report it"
        ) from None
    assert isinstance(module, ast.Module)
    ast.fix_missing_locations(module)
    return module, spec.dialect()


def _snippet(text: str, position: int | None) -> str:
    if position is None:
        return ""
    return text[position : position + 20].split("\n")[0]


# --------------------------------------------------------------------------------------------------------
# Preparing the text
# --------------------------------------------------------------------------------------------------------

_TEMPLATE_TYPES: Final = re.compile(
    r"\b((?:std\.)?(?:vector|array|Vec|shared_ptr|unique_ptr)|static_cast|"
    r"dynamic_cast|reinterpret_cast|Mat|Col|Row)\s*<[^<>;()]*(?:<[^<>;()]*>[^<>;()]*)*>"
)
_DROP_WORDS: Final = re.compile(
    r"\b(const|let|var|local|static|mut|export|public|private|protected|inline|"
    r"__global__|__device__|__host__|__forceinline__|constexpr|typename|override|"
    r"virtual|pub|final)\b\s*"
)


def prepare(text: str, spec: Language) -> str:
    """Make the text of one language fit the shared grammar (positions of lines are kept)."""
    lines = text.splitlines()
    if (
        lines
        and all(line[:1] in "+- " or not line.strip() for line in lines)
        and any(line[:1] == "+" for line in lines)  # -sum(y .* log.(p)) alone is an expression, no diff
    ):
        lines = [
            (" " + line[1:]) if not line.startswith("-") else "" for line in lines
        ]  # a diff: its new side
    text = unicodedata.normalize("NFC", "\n".join(lines))  # y + U+0302 as ŷ, one letter of a name
    text = _strip_comments(text, spec)
    text = text.replace("\t", "    ")
    if spec.name in ("c", "c++", "cuda", "armadillo", "java", "javascript", "typescript"):
        text = re.sub(r"^\s*#.*$", "", text, flags=re.MULTILINE)  # preprocessor lines
        text = re.sub(r"^\s*using\s+namespace\s+[\w:]+\s*;", "", text, flags=re.MULTILINE)
        text = re.sub(r"\btemplate\s*<[^>]*>", "", text)
        text = _TEMPLATE_TYPES.sub(lambda m: m.group(1) if not m.group(1).endswith("cast") else "", text)
        text = text.replace("::", ".").replace("->", ".")
        # Java and C#: double[] g = new double[n] (an array type, an allocation of zeros)
        text = re.sub(r"\bnew\s+(?:double|float|int|long)\s*\[([^\[\]]+)\]", r"zeros(\1)", text)
        text = re.sub(r"\b(double|float|int|long)\s*\[\s*\]", r"\1*", text)
        text = _DROP_WORDS.sub("", text)
        text = re.sub(r"\)\s*const\b", ")", text)
    if spec.name in ("javascript", "typescript"):
        text = text.replace("===", "==").replace("!==", "!=")  # strict equality: the same on numbers
        # Math.max(...xs): the spread array as the argument (the call reduces over it)
        text = re.sub(r"(\(\s*)\.\.\.(?=[A-Za-z_$])", r"\1", text)
    if spec.name in ("typescript",):
        text = re.sub(r"\)\s*:\s*[\w\[\]<>|]+(\s*(=>|\{))", r")\1", text)
        text = re.sub(r"(\w)\s*:\s*(number|string|boolean|any|\w+)(\[\])*", r"\1", text)
    if spec.name == "julia":
        text = _broadcast_macro(text)
        text = re.sub(r"\)\s*where\s*\{[^}]*\}", ")", text)
        text = re.sub(r"\bwhere\s+\w+", "", text)
    if spec.name == "lua":
        text = re.sub(r"(\w|\))\s*:\s*(\w+)\s*\(", r"\1.\2(", text)
        text = text.replace("~=", "!=")
        text = _DROP_WORDS.sub("", text)
    if spec.name in ("matlab", "octave"):
        text = re.sub(r"\bend(function|if|for|while)\b", "end", text)
        text = re.sub(r"\.\.\.[^\n]*\n", " ", text)  # continuation
        # bsxfun(@minus, A, B): A - B broadcast, read by the library's bsxfun_minus
        text = re.sub(r"\bbsxfun\s*\(\s*@\s*(plus|minus|times|rdivide)\s*,", r"bsxfun_\1(", text)
    text = _quotes(text, spec)
    if spec.braces:
        text = _join_lines(text)
        text = _drop_unmatched_braces(text)
    return text


def _broadcast_macro(text: str) -> str:
    """Julia's ``@.(expr)`` and ``@. expr`` (to the end of the line): every operator of the expression
    broadcast, written out (``*`` as ``.*``, ``/`` as ``./``, ``^`` as ``.^``)."""
    while (start := text.find("@.")) >= 0:
        rest = start + 2
        while rest < len(text) and text[rest] in " \t":
            rest += 1
        if rest < len(text) and text[rest] == "(":
            depth, end = 0, rest
            while end < len(text):
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                end += 1
                if depth == 0:
                    break
        else:
            end = text.find("\n", rest)
            end = len(text) if end < 0 else end
        inner = re.sub(r"(?<![.])([*/^])", r".\1", text[rest:end])
        text = text[:start] + inner + text[end:]
    return text


#: Calls that keep the larger (smaller) of two numbers: a running max's step (m = fmaxf(m, z[i])).
_PAIR_EXTREMES: Final = {
    "max": "max", "fmax": "max", "fmaxf": "max", "Math.max": "max", "std.max": "max",
    "min": "min", "fmin": "min", "fminf": "min", "Math.min": "min", "std.min": "min",
}  # fmt: skip
#: What ``if (z[i] > m) m = z[i]`` keeps, by its comparison.
_KEEPS: Final[dict[type[ast.cmpop], str]] = {ast.Gt: "max", ast.GtE: "max", ast.Lt: "min", ast.LtE: "min"}
#: An accumulator's start that any entry beats: -inf, -FLT_MAX, Double.NEGATIVE_INFINITY, -1e30.
_LOWEST: Final = re.compile(r"(?i)inf|flt_max|dbl_max|max_value|lowest|huge|1e\+?[1-9]\d")


def _running_extremes(body: list[ast.stmt]) -> list[ast.stmt]:
    """A running max (or min) over an array, started at its first entry or at -inf, then a loop that keeps
    the larger (``m = z[0]; for (i = 1; i < n; i++) if (z[i] > m) m = z[i];``, ``for (double v : z) m =
    Math.max(m, v)``): the array's max, ``m = max(z)``."""
    out: list[ast.stmt] = []
    for statement in body:
        found = _running_extreme(statement)
        previous = out[-1] if out else None
        if found is not None and isinstance(previous, ast.Assign) and len(previous.targets) == 1:
            accumulator, array, kind = found
            target = previous.targets[0]
            start = previous.value
            first = (
                isinstance(start, ast.Subscript)
                and ast.dump(start.value) == ast.dump(array)
                and isinstance(start.slice, ast.Constant)
                and start.slice.value == 0
            )
            if isinstance(target, ast.Name) and target.id == accumulator and (
                first or _LOWEST.search(ast.unparse(start))
            ):
                call = ast.Call(func=_name(kind), args=[array], keywords=[])
                out[-1] = ast.copy_location(ast.Assign(targets=[target], value=call), previous)
                continue
        out.append(statement)
    return out


def _running_extreme(statement: ast.stmt) -> tuple[str, ast.expr, str] | None:
    """(accumulator, array, "max" or "min") for a loop whose one statement keeps the larger entry."""
    if not isinstance(statement, ast.For) or not isinstance(statement.target, ast.Name):
        return None
    if len(statement.body) != 1:
        return None
    var, step = statement.target.id, statement.body[0]
    accumulator: str | None = None
    entry: ast.expr | None = None
    kind = ""
    if (
        isinstance(step, ast.If)
        and not step.orelse
        and len(step.body) == 1
        and isinstance(step.test, ast.Compare)
        and len(step.test.ops) == 1
        and isinstance(step.test.comparators[0], ast.Name)
        and isinstance(step.body[0], ast.Assign)
    ):
        # if (z[i] > m) m = z[i];
        op, assign = step.test.ops[0], step.body[0]
        kind = _KEEPS.get(type(op), "")
        accumulator = step.test.comparators[0].id
        same = ast.dump(assign.value) == ast.dump(step.test.left)
        targets = [getattr(target, "id", None) for target in assign.targets]
        if kind and same and targets == [accumulator]:
            entry = step.test.left
    elif isinstance(step, ast.Assign) and len(step.targets) == 1 and isinstance(step.targets[0], ast.Name):
        # m = fmaxf(m, z[i]); m = Math.max(m, v)
        value = step.value
        name = ast.unparse(value.func) if isinstance(value, ast.Call) else ""
        if isinstance(value, ast.Call) and name in _PAIR_EXTREMES and len(value.args) == 2:
            accumulator, kind = step.targets[0].id, _PAIR_EXTREMES[name]
            others = [a for a in value.args if not (isinstance(a, ast.Name) and a.id == accumulator)]
            entry = others[0] if len(others) == 1 else None
    if accumulator is None or entry is None:
        return None
    if isinstance(entry, ast.Name) and entry.id == var:
        return accumulator, statement.iter, kind  # for (v : z): z's entries
    if isinstance(entry, ast.Subscript) and isinstance(entry.slice, ast.Name) and entry.slice.id == var:
        return accumulator, entry.value, kind  # for (i ...): z[i]
    return None


def _drop_unmatched_braces(text: str) -> str:
    """A fragment cut from inside a function ends with braces it never opened: drop those."""
    depth = 0
    out: list[str] = []
    for c in text:
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                out.append(" ")
                continue
            depth -= 1
        out.append(c)
    return "".join(out)


def _strip_comments(text: str, spec: Language) -> str:
    for start, end in spec.block_comments:
        while start in text:
            i = text.index(start)
            j = text.find(end, i + len(start))
            if j < 0:
                j = len(text)
            removed = text[i : j + len(end)]
            text = text[:i] + "\n" * removed.count("\n") + text[j + len(end) :]
    out: list[str] = []
    for line in text.split("\n"):
        cut = len(line)
        in_string: str | None = None
        k = 0
        while k < len(line):
            c = line[k]
            if in_string:
                if c == in_string:
                    in_string = None
            elif c == '"' or (c == "'" and not spec.transpose_quote and spec.name != "lua"):
                in_string = c
            elif any(line.startswith(marker, k) for marker in spec.line_comments):
                if not (spec.name in ("matlab", "octave") and c == "%" and line.startswith("%*%", k)):
                    cut = k
                    break
            k += 1
        out.append(line[:cut].rstrip())
    return "\n".join(out)


def _quotes(text: str, spec: Language) -> str:
    """Transpose quotes become ``⊤``; character strings are written with double quotes."""
    out: list[str] = []
    k = 0
    while k < len(text):
        c = text[k]
        if c == '"':
            j = text.find('"', k + 1)
            j = len(text) - 1 if j < 0 else j
            out.append(text[k : j + 1])
            k = j + 1
            continue
        if c == "'":
            previous = out[-1][-1:] if out else ""
            if spec.transpose_quote and (previous.isalnum() or previous in ")]}_'⊤." or previous == "\u0302"):
                if previous == ".":
                    out[-1] = out[-1][:-1]
                out.append("⊤")
                k += 1
                continue
            j = text.find("'", k + 1)
            if j < 0 or "\n" in text[k:j]:
                out.append("⊤")
                k += 1
                continue
            out.append('"' + text[k + 1 : j].replace('"', "") + '"')
            k = j + 1
            continue
        out.append(c)
        k += 1
    return "".join(out)


def _join_lines(text: str) -> str:
    """Brace languages: a newline inside brackets, after an operator or before one continues the statement.

    The continued line is appended to the statement's first line and left empty, so line numbers stay.
    """
    lines = text.split("\n")
    out: list[str] = []
    depth = 0
    last = -1  # the line that the next continuation joins
    for line in lines:
        stripped = line.rstrip()
        head = stripped.lstrip()
        continues = (
            last >= 0
            and head
            and (
                depth > 0
                or re.search(r"([-+*/=,(&|?:<>%]|\.)$", out[last])
                or re.match(r"(\?|:(?!:)|\.(?!\.)|&&|\|\||[+*/](?!/))", head)
            )
        )
        if continues:
            out[last] = out[last] + " " + head
            out.append("")
        else:
            out.append(stripped)
            if head:
                last = len(out) - 1
        depth += head.count("(") + head.count("[") - head.count(")") - head.count("]")
        depth = max(depth, 0)
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------------
# The tree as Python ast nodes
# --------------------------------------------------------------------------------------------------------


_Node = TypeVar("_Node", bound=ast.AST)


def _at(node: _Node, meta: object) -> _Node:
    """Give a node the line and column of the tree part it comes from (1-based line, 0-based column)."""
    line = getattr(meta, "line", None)
    column = getattr(meta, "column", None)
    if line is not None:
        setattr(node, "lineno", line)  # noqa: B010
        setattr(node, "col_offset", (column or 1) - 1)  # noqa: B010
        setattr(node, "end_lineno", getattr(meta, "end_line", line))  # noqa: B010
        setattr(node, "end_col_offset", (getattr(meta, "end_column", column) or 1) - 1)  # noqa: B010
    return node


def _name(text: str, ctx: ast.expr_context | None = None) -> ast.Name:
    return ast.Name(id=text, ctx=ctx or ast.Load())


def _call(function: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=_name(function), args=list(args), keywords=[])


_SCALAR_C_TYPES: Final = frozenset(
    "int float double bool uint size_t int32_t int64_t uword long short unsigned T DATATYPE ElemType auto "
    "float32_t char".split()
)


@v_args(meta=True)
class _ToPython(Transformer[Token, ast.AST]):
    """Lark tree -> Python ast (statements and expressions), with the language's operator meanings."""

    def __init__(self, spec: Language) -> None:
        super().__init__()
        self.spec = spec

    # ---- module and blocks --------------------------------------------------------------------------

    def start(self, meta: object, items: list[Any]) -> ast.Module:
        return ast.Module(body=self._statements(items), type_ignores=[])

    def _statements(self, items: list[Any]) -> list[ast.stmt]:
        body: list[ast.stmt] = []
        for item in items:
            if isinstance(item, list):
                body.extend(item)
            elif isinstance(item, ast.stmt):
                body.append(item)
            elif isinstance(item, ast.expr):
                body.append(ast.Expr(value=item))
        return _running_extremes(body)

    def brace(self, meta: object, items: list[Any]) -> list[ast.stmt]:
        return self._statements(items)

    def body(self, meta: object, items: list[Any]) -> list[ast.stmt]:
        return self._statements(items)

    def elsepart(self, meta: object, items: list[Any]) -> _Else:
        return _Else(self._statements(items))

    # ---- definitions --------------------------------------------------------------------------------

    def fname(self, meta: object, items: list[Any]) -> str:
        return ".".join(str(t) for t in items)

    def outputs(self, meta: object, items: list[Any]) -> list[str]:
        return [str(t) for t in items]

    def pword(self, meta: object, items: list[Any]) -> str:
        return ".".join(str(t) for t in items) if items else "*"

    def jtype(self, meta: object, items: list[Any]) -> str:
        return str(items[0]) if items else ""

    def param(self, meta: object, items: list[Any]) -> tuple[str, str | None, ast.expr | None]:
        words = [w for w in items if isinstance(w, str)]
        default = next((i for i in items if isinstance(i, ast.expr)), None)
        names = [w for w in words if w not in ("*", "&")]
        julia_type = None
        if (
            len(items) >= 2
            and isinstance(items[-2 if default is not None else -1], str)
            and len(names) >= 2
            and self.spec.name == "julia"
        ):
            julia_type = names[-1]
            names = names[:-1]
        name = names[-1] if names else "_"
        type_words = names[:-1] + (["*"] if "*" in words or ("&" in words and False) else [])
        annotation: str | None = None
        if julia_type is not None:
            annotation = (
                "array"
                if "Array" in julia_type or "Vector" in julia_type or "Matrix" in julia_type
                else "scalar"
                if julia_type in ("Real", "Integer", "Float64", "Int", "Number")
                else None
            )
        elif type_words:
            if "*" in words or any(
                t.lower() in ("vec", "mat", "matrix", "vector", "array", "tensor") or t.endswith("[]")
                for t in type_words
            ):
                annotation = "array"
            elif any(t in _SCALAR_C_TYPES for t in type_words):
                annotation = "scalar"
        elif "*" in words:
            annotation = "array"
        return name, annotation, default

    def ignored_param(self, meta: object, items: list[Any]) -> tuple[str, str | None, ast.expr | None]:
        return "_", None, None

    def params(
        self, meta: object, items: list[tuple[str, str | None, ast.expr | None]]
    ) -> list[tuple[str, str | None, ast.expr | None]]:
        return list(items)

    def _arguments(self, params: list[tuple[str, str | None, ast.expr | None]] | None) -> ast.arguments:
        args: list[ast.arg] = []
        defaults: list[ast.expr] = []
        for name, annotation, default in params or []:
            args.append(ast.arg(arg=name, annotation=_name(annotation) if annotation else None))
            if default is not None:
                defaults.append(default)
            elif defaults:
                defaults.append(ast.Constant(value=None))
        return ast.arguments(
            posonlyargs=[],
            args=args,
            vararg=None,
            kwonlyargs=[],
            kw_defaults=[],
            kwarg=None,
            defaults=defaults,
        )

    def _function(
        self, meta: object, name: str, params: object, body: list[ast.stmt], returns: list[str] | None = None
    ) -> ast.FunctionDef:
        parts = name.split(".")
        short = parts[-1]
        plist = params if isinstance(params, list) else []
        if len(parts) > 1 and self.spec.name == "lua":
            plist = [("self", None, None), *plist]  # function Criterion:backward(...) has an implicit self
        if returns is not None:
            value: ast.expr = (
                _name(returns[0])
                if len(returns) == 1
                else ast.Tuple(elts=[_name(r) for r in returns], ctx=ast.Load())
            )
            body = [*body, _at(ast.Return(value=value), meta)]
        elif self.spec.implicit_return and body and isinstance(body[-1], ast.Expr):
            last = body[-1]
            body = [*body[:-1], ast.copy_location(ast.Return(value=last.value), last)]
        function = ast.FunctionDef(
            name=short,
            args=self._arguments(plist),
            body=body or [ast.Pass()],
            decorator_list=[],
            returns=None,
        )
        return _at(function, meta)

    def func_end(self, meta: object, items: list[Any]) -> ast.stmt:
        name, params, body = items
        return self._function(meta, str(name), params, body)

    def func_matlab(self, meta: object, items: list[Any]) -> ast.stmt:
        outputs, name, params, body = items
        assert isinstance(outputs, list)
        return self._function(meta, str(name), params, body, returns=outputs)

    def func_brace(self, meta: object, items: list[Any]) -> ast.stmt:
        name, params, body = items
        return self._function(meta, str(name), params, body)

    def func_typed(self, meta: object, items: list[Any]) -> ast.stmt:
        _, name, params, body = items
        return self._function(meta, str(name), params, body)

    def func_method(self, meta: object, items: list[Any]) -> ast.stmt:
        name, params, body = items
        if str(name) in ("if", "for", "while", "switch"):
            raise ParseError(f"line {getattr(meta, 'line', 0)}: {name} read as a function")
        return self._function(meta, str(name), params, body)

    def func_short(self, meta: object, items: list[Any]) -> ast.stmt:
        name, params, value = items
        if self.spec.call_indexes:
            # MATLAB: a(i) = v assigns an entry
            target = ast.Subscript(
                value=_name(str(name)),
                slice=self._index_args([_name(p[0]) for p in (params or [])]),
                ctx=ast.Store(),
            )
            return _at(ast.Assign(targets=[target], value=value), meta)
        return self._function(meta, str(name), params, [_at(ast.Return(value=value), meta)])

    def func_assigned(self, meta: object, items: list[Any]) -> ast.stmt:
        name, params, body = items
        return self._function(meta, str(name), params, body)

    def structdef(self, meta: object, items: list[Any]) -> ast.stmt:
        name, body = items
        return _at(
            ast.ClassDef(
                name=str(name),
                bases=[],
                keywords=[],
                body=body or [ast.Pass()],
                decorator_list=[],
            ),
            meta,
        )

    def moduledef(self, meta: object, items: list[Any]) -> list[ast.stmt]:
        return items[1]

    def ctype(self, meta: object, items: list[Any]) -> str:
        return ".".join(str(t) for t in items)

    # ---- control flow -------------------------------------------------------------------------------

    def if_end(self, meta: object, items: list[Any]) -> ast.stmt:
        test, body, *rest = items
        elifs = [item for item in rest if isinstance(item, _ElseIf)]
        orelse = next((item.body for item in rest if isinstance(item, _Else)), [])
        tail: list[ast.stmt] = list(orelse)
        for part in reversed(elifs):
            tail = [ast.If(test=part.test, body=part.body or [ast.Pass()], orelse=tail)]
        node = ast.If(test=test, body=body or [ast.Pass()], orelse=tail)
        return _at(node, meta)

    def elseif(self, meta: object, items: list[Any]) -> _ElseIf:
        return _ElseIf(items[0], items[1])

    def if_brace(self, meta: object, items: list[Any]) -> ast.stmt:
        test = items[0]
        then = self._as_body(items[1])
        orelse = self._as_body(items[2]) if len(items) > 2 and items[2] is not None else []
        return _at(ast.If(test=test, body=then or [ast.Pass()], orelse=orelse), meta)

    def _as_body(self, item: object) -> list[ast.stmt]:
        return self._statements([item])

    def for_end(self, meta: object, items: list[Any]) -> ast.stmt:
        var, first, second, body = items
        if second is not None:  # Lua: for i = 1, n do
            iterator: ast.expr = _call("__range__", first, second)
        else:
            iterator = first
        node = ast.For(
            target=_name(str(var), ast.Store()), iter=iterator, body=body or [ast.Pass()], orelse=[]
        )
        return _at(node, meta)

    def forinit(self, meta: object, items: list[Any]) -> tuple[str, ast.expr]:
        return str(items[-2]), items[-1]

    def forstep(self, meta: object, items: list[Any]) -> tuple[str, object]:
        names = [str(t) for t in items if isinstance(t, Token)]
        value = next((i for i in items if isinstance(i, ast.expr)), None)
        return names[0], value

    def for_c(self, meta: object, items: list[Any]) -> ast.stmt:
        init, cond, step, body = items
        iterator: ast.expr = _call("__partial_loop__")
        var = "_"
        if isinstance(init, tuple) and isinstance(cond, ast.Compare) and isinstance(step, tuple):
            var, start = init
            counts_up = step[0] == var and (
                step[1] is None or (isinstance(step[1], ast.Constant) and step[1].value == 1)
            )
            starts = isinstance(start, ast.Constant) and start.value == 0
            if (
                counts_up
                and starts
                and isinstance(cond.left, ast.Name)
                and cond.left.id == var
                and isinstance(cond.ops[0], ast.Lt)
            ):
                iterator = _call("range", cond.comparators[0])
        node = ast.For(
            target=_name(var, ast.Store()), iter=iterator, body=self._as_body(body) or [ast.Pass()], orelse=[]
        )
        return _at(node, meta)

    def for_each(self, meta: object, items: list[Any]) -> ast.stmt:
        _, var, iterable, body = items  # Java's for (double v : z), C++'s for (auto v : z)
        node = ast.For(
            target=_name(str(var), ast.Store()), iter=iterable, body=self._as_body(body) or [ast.Pass()],
            orelse=[],
        )
        return _at(node, meta)

    def whilestmt(self, meta: object, items: list[Any]) -> ast.stmt:
        return _at(ast.While(test=items[0], body=self._as_body(items[1]) or [ast.Pass()], orelse=[]), meta)

    def returnstmt(self, meta: object, items: list[Any]) -> ast.stmt:
        values = [i for i in items if i is not None]
        value: ast.expr | None
        if not values:
            value = None
        elif len(values) == 1:
            value = values[0]
        else:
            value = ast.Tuple(elts=values, ctx=ast.Load())
        return _at(ast.Return(value=value), meta)

    # ---- assignments --------------------------------------------------------------------------------

    def _store(self, target: ast.expr) -> ast.expr:
        if isinstance(target, ast.Call) and isinstance(target.func, (ast.Name, ast.Attribute)):
            # MATLAB a(i) = v and Armadillo out.grad(z) += 1: element assignment
            return ast.Subscript(value=target.func, slice=self._index_args(target.args), ctx=ast.Store())
        if isinstance(target, (ast.Name, ast.Attribute, ast.Subscript)):
            target.ctx = ast.Store()
            return target
        if isinstance(target, (ast.Tuple, ast.List)):
            # [k, m] = size(Z): MATLAB's several outputs, as Python's tuple assignment
            return ast.Tuple(elts=[self._store(e) for e in target.elts], ctx=ast.Store())
        raise ParseError(
            f"line {getattr(target, 'lineno', 0)}: assignment to {type(target).__name__.lower()}"
        )

    def _index_args(self, args: list[ast.expr]) -> ast.expr:
        return args[0] if len(args) == 1 else ast.Tuple(elts=list(args), ctx=ast.Load())

    def target(self, meta: object, items: list[Any]) -> ast.expr:
        return items[0]

    def target_list(self, meta: object, items: list[Any]) -> ast.expr:
        return ast.Tuple(elts=[i if isinstance(i, ast.expr) else _name("_") for i in items], ctx=ast.Load())

    def tword(self, meta: object, items: list[Any]) -> ast.expr:
        return items[0] if items and isinstance(items[0], ast.expr) else _name("_")

    def assign(self, meta: object, items: list[Any]) -> ast.stmt:
        target, value = items
        return _at(ast.Assign(targets=[self._store(target)], value=value), meta)

    def augassign(self, meta: object, items: list[Any]) -> ast.stmt:
        target, op, value = items
        operator = {"+": ast.Add(), "-": ast.Sub(), "*": ast.Mult(), "/": ast.Div()}[str(op).strip(".")[0]]
        if str(op) == "*=" and self.spec.matrix_product:
            operator = ast.MatMult()
        stored = self._store(target)
        assert isinstance(stored, (ast.Name, ast.Attribute, ast.Subscript))
        return _at(ast.AugAssign(target=stored, op=operator, value=value), meta)

    def decl(self, meta: object, items: list[Any]) -> ast.stmt:
        ctype, name, value = items
        del ctype
        return _at(ast.Assign(targets=[_name(str(name), ast.Store())], value=value), meta)

    def declonly(self, meta: object, items: list[Any]) -> ast.stmt:
        return _at(ast.Pass(), meta)

    def expr_stmt(self, meta: object, items: list[Any]) -> ast.stmt:
        return _at(ast.Expr(value=items[0]), meta)

    # ---- expressions --------------------------------------------------------------------------------

    def lambda_(self, meta: object, items: list[Any]) -> ast.expr:
        params, body = items
        return _at(ast.Lambda(args=self._arguments(params), body=body), meta)

    def lambda_one(self, meta: object, items: list[Any]) -> ast.expr:
        name, body = items
        return _at(ast.Lambda(args=self._arguments([(str(name), None, None)]), body=body), meta)

    def ifexp(self, meta: object, items: list[Any]) -> ast.expr:
        test, body, orelse = items
        return _at(ast.IfExp(test=test, body=body, orelse=orelse), meta)

    def range2(self, meta: object, items: list[Any]) -> ast.expr:
        return _at(_call("__range__", *items), meta)

    def range3(self, meta: object, items: list[Any]) -> ast.expr:
        start, step, stop = items
        return _at(_call("__range_step__", start, step, stop), meta)

    def or_(self, meta: object, items: list[Any]) -> ast.expr:
        return _at(ast.BoolOp(op=ast.Or(), values=list(items)), meta)

    def and_(self, meta: object, items: list[Any]) -> ast.expr:
        return _at(ast.BoolOp(op=ast.And(), values=list(items)), meta)

    def not_(self, meta: object, items: list[Any]) -> ast.expr:
        return _at(ast.UnaryOp(op=ast.Not(), operand=items[-1]), meta)

    def compare(self, meta: object, items: list[Any]) -> ast.expr:
        left, op, right = items
        text = str(op).lstrip(".")
        operators: dict[str, ast.cmpop] = {
            "==": ast.Eq(),
            "!=": ast.NotEq(),
            "~=": ast.NotEq(),
            "<": ast.Lt(),
            "<=": ast.LtE(),
            ">": ast.Gt(),
            ">=": ast.GtE(),
            "isa": ast.Is(),
        }
        if text == "isa":
            return _at(_call("__isa__", left, right), meta)
        return _at(ast.Compare(left=left, ops=[operators[text]], comparators=[right]), meta)

    def binop(self, meta: object, items: list[Any]) -> ast.expr:
        left, op, right = items
        text = str(op)
        spec = self.spec
        operator: ast.operator
        if text in ("+", ".+"):
            operator = ast.Add()
        elif text in ("-", ".-"):
            operator = ast.Sub()
        elif text == ".*":
            operator = ast.Mult()
        elif text == "*":
            operator = ast.MatMult() if spec.matrix_product else ast.Mult()
        elif text == "./":
            operator = ast.Div()
        elif text == "/":
            if spec.matrix_product and not spec.slash_divides:
                return _at(_call("__mrdivide__", left, right), meta)
            operator = ast.Div()
        elif text in (".^", "**"):
            operator = ast.Pow()
        elif text == "^":
            if not spec.caret_power:
                return _at(_call("__xor__", left, right), meta)
            if spec.matrix_product:
                return _at(_call("__mpower__", left, right), meta)
            operator = ast.Pow()
        elif text == "%":
            if spec.percent_schur:
                operator = ast.Mult()
            else:
                return _at(_call("__mod__", left, right), meta)
        elif text == "%*%":
            operator = ast.MatMult()
        else:
            return _at(_call("__backslash__", left, right), meta)
        return _at(ast.BinOp(left=left, op=operator, right=right), meta)

    def unop(self, meta: object, items: list[Any]) -> ast.expr:
        op, operand = items
        operator: ast.unaryop = ast.UAdd() if str(op) == "+" else ast.USub()
        return _at(ast.UnaryOp(op=operator, operand=operand), meta)

    def call(self, meta: object, items: list[Any]) -> ast.expr:
        function, args = items
        positional, keywords = args if isinstance(args, tuple) else ([], [])
        return _at(ast.Call(func=function, args=positional, keywords=keywords), meta)

    def dotcall(self, meta: object, items: list[Any]) -> ast.expr:
        return self.call(meta, items)

    def index(self, meta: object, items: list[Any]) -> ast.expr:
        base, args = items
        positional, _ = args if isinstance(args, tuple) else ([], [])
        return _at(ast.Subscript(value=base, slice=self._index_args(positional), ctx=ast.Load()), meta)

    def member(self, meta: object, items: list[Any]) -> ast.expr:
        base, name = items
        return _at(ast.Attribute(value=base, attr=str(name), ctx=ast.Load()), meta)

    def transpose(self, meta: object, items: list[Any]) -> ast.expr:
        return _at(ast.Attribute(value=items[0], attr="T", ctx=ast.Load()), meta)

    def deref(self, meta: object, items: list[Any]) -> ast.expr:
        return items[-1]

    def cast(self, meta: object, items: list[Any]) -> ast.expr:
        return items[-1]

    def cast_builtin(self, meta: object, items: list[Any]) -> ast.expr:
        return items[-1]

    def number(self, meta: object, items: list[Any]) -> ast.expr:
        text = str(items[0]).rstrip("fFL")
        value: int | float = int(text) if re.fullmatch(r"\d+", text) else float(text)
        return _at(ast.Constant(value=value), meta)

    def string(self, meta: object, items: list[Any]) -> ast.expr:
        return _at(ast.Constant(value=str(items[0])[1:-1]), meta)

    def name(self, meta: object, items: list[Any]) -> ast.expr:
        text = str(items[0])
        if text in ("true", "false"):
            return _at(ast.Constant(value=text == "true"), meta)
        if text in ("this",) or (text == "self" and self.spec.name == "lua"):
            return _at(_name("self"), meta)
        return _at(_name(text), meta)

    def tuple_expr(self, meta: object, items: list[Any]) -> ast.expr:
        return _at(ast.Tuple(elts=list(items), ctx=ast.Load()), meta)

    def matrix(self, meta: object, items: list[Any]) -> ast.expr:
        rows = items[0] if items and items[0] is not None else []
        assert isinstance(rows, list)
        if len(rows) == 1:
            return _at(ast.List(elts=rows[0], ctx=ast.Load()), meta)
        return _at(ast.List(elts=[ast.List(elts=r, ctx=ast.Load()) for r in rows], ctx=ast.Load()), meta)

    def rows(self, meta: object, items: list[Any]) -> list[list[ast.expr]]:
        return list(items)

    def row(self, meta: object, items: list[Any]) -> list[ast.expr]:
        return list(items)

    def end_word(self, meta: object, items: list[Any]) -> ast.expr:
        return _at(_name("end"), meta)

    def args(self, meta: object, items: list[Any]) -> tuple[list[ast.expr], list[ast.keyword]]:
        positional: list[ast.expr] = []
        keywords: list[ast.keyword] = []
        for item in items:
            if item is None:
                continue
            if isinstance(item, ast.keyword):
                keywords.append(item)
            else:
                positional.append(item)
        return positional, keywords

    def colon(self, meta: object, items: list[Any]) -> ast.expr:
        return ast.Slice(lower=None, upper=None, step=None)

    def kwarg(self, meta: object, items: list[Any]) -> ast.keyword:
        name, value = items
        return ast.keyword(arg=str(name), value=value)

    def kwarg_short(self, meta: object, items: list[Any]) -> ast.keyword:
        name = str(items[0])
        return ast.keyword(arg=name, value=_name(name))

    def empty(self, meta: object, items: list[Any]) -> ast.expr:
        return ast.List(elts=[], ctx=ast.Load())

    def tilde(self, meta: object, items: list[Any]) -> ast.expr:
        return _name("_")


@dataclass(frozen=True)
class _Else:
    body: list[ast.stmt]


@dataclass(frozen=True)
class _ElseIf:
    test: ast.expr
    body: list[ast.stmt]


# Lark looks rules up by name: "lambda" is a Python keyword, so the method is lambda_ and the rule maps here.
setattr(_ToPython, "lambda", _ToPython.lambda_)


__all__ = ["LANGUAGES", "UNSUPPORTED", "Language", "language_of", "parse_code", "prepare"]
