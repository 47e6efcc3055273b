"""No path from input text to code execution: the package never calls the functions that evaluate text."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "derive"
BUILTINS = {"eval", "exec", "compile", "__import__"}  # as bare names (re.compile is fine)
SYMPY_PARSERS = {"parse_expr", "parse_latex", "lambdify"}  # under any name


def calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def name_of(call: ast.Call) -> str:
    function = call.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")


def test_no_module_calls_a_function_that_evaluates_text() -> None:
    offenders = [
        f"{path.name}:{call.lineno} {name_of(call)}"
        for path in PACKAGE.rglob("*.py")
        for call in calls(ast.parse(path.read_text(encoding="utf-8")))
        if name_of(call) in SYMPY_PARSERS or (isinstance(call.func, ast.Name) and call.func.id in BUILTINS)
    ]
    assert not offenders


def test_sympify_is_only_called_in_strict_mode_on_numbers() -> None:
    loose = [
        f"{path.name}:{call.lineno}"
        for path in PACKAGE.rglob("*.py")
        for call in calls(ast.parse(path.read_text(encoding="utf-8")))
        if name_of(call) == "sympify"
        and not any(k.arg == "strict" and getattr(k.value, "value", False) is True for k in call.keywords)
    ]
    assert not loose
