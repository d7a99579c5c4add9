"""Equation text -> expression trees, and a safe numeric evaluator for them.

Template equations are PyRates' strings: ``"d/dt * X = rhs"`` or ``"X' = rhs"`` for a state
variable and ``"m = rhs"`` for an algebraic one. The right-hand sides are parsed with :mod:`ast` into a
restricted tree (numbers, names, ``+ - * / **``, unary minus and a few named functions) and are
evaluated by walking that tree over NumPy arrays. Nothing is ever passed to ``eval`` or ``exec``.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass

import numpy as np

FUNCTIONS = {
    "exp": np.exp,
    "tanh": np.tanh,
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
}

_ODE = re.compile(r"^\s*d\s*/\s*dt\s*\*\s*([A-Za-z_]\w*)\s*=(?!=)(.*)$", re.S)
#: PyRates' other notation for a derivative, the one its base templates use: ``v' = x``
_ODE_PRIME = re.compile(r"^\s*([A-Za-z_]\w*)\s*'\s*=(?!=)(.*)$", re.S)
_ALGEBRAIC = re.compile(r"^\s*([A-Za-z_]\w*)\s*=(?!=)(.*)$", re.S)
_BINARY = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide,
           ast.Pow: np.power}
MAX_EQUATION_LENGTH = 10_000
#: deepest expression tree read (evaluation recurses once per level)
MAX_EXPRESSION_DEPTH = 100


class EquationError(ValueError):
    """An equation that csweep cannot read."""


@dataclass(frozen=True)
class Equation:
    """One parsed equation: ``d/dt * target = rhs`` or ``target' = rhs`` (``is_ode``), or
    ``target = rhs``."""

    target: str
    rhs: ast.expr
    text: str
    is_ode: bool

    @functools.cached_property
    def _names(self) -> frozenset[str]:
        return frozenset(node.id for node in ast.walk(self.rhs)
                         if isinstance(node, ast.Name) and node.id not in FUNCTIONS)

    def names(self) -> set[str]:
        """The variable names the right-hand side reads."""
        return set(self._names)


def parse_equation(text: str) -> Equation:
    """Parse one template equation; raise :class:`EquationError` saying what is wrong."""
    if not isinstance(text, str):
        raise EquationError(f"an equation must be a string; received {type(text).__name__} {text!r}")
    if len(text) > MAX_EQUATION_LENGTH:
        raise EquationError(f"equation is {len(text)} characters long; at most "
                            f"{MAX_EQUATION_LENGTH} are read")
    return _parse_equation(text)


@functools.lru_cache(maxsize=4096)
def _parse_equation(text: str) -> Equation:
    # cached: recognising a network evaluates each operator's equations hundreds of times;
    # an Equation and its tree are never modified
    match = _ODE.match(text) or _ODE_PRIME.match(text)
    is_ode = match is not None
    if match is None:
        match = _ALGEBRAIC.match(text)
    if match is None:
        raise EquationError(f"cannot read equation {text!r}: expected 'd/dt * x = ...', "
                            "\"x' = ...\" or 'y = ...'")
    target, rhs_text = match.group(1), match.group(2)
    return Equation(target=target, rhs=parse_expression(rhs_text, text), text=text, is_ode=is_ode)


def parse_expression(rhs_text: str, context: str | None = None) -> ast.expr:
    """Parse an arithmetic expression (``^`` means power, as in PyRates) into a checked tree."""
    where = f" in equation {context!r}" if context else ""
    try:
        tree = ast.parse(rhs_text.strip().replace("^", "**"), mode="eval").body
    except SyntaxError as exc:
        raise EquationError(f"cannot parse {rhs_text.strip()!r}{where}: {exc.msg}") from None
    except (RecursionError, MemoryError):   # Python's parser recurses per nesting level
        raise EquationError(f"expression nested too deeply to read{where}") from None
    if _depth(tree) > MAX_EXPRESSION_DEPTH:
        raise EquationError(f"expression nested more than {MAX_EXPRESSION_DEPTH} levels "
                            f"deep{where}")
    for node in ast.walk(tree):
        _check_node(node, where)
    return tree


def _depth(tree: ast.AST) -> int:
    """The depth of a tree, found without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _check_node(node: ast.AST, where: str) -> None:
    allowed = (ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Call, ast.Load,
               ast.operator, ast.unaryop)
    if not isinstance(node, allowed):
        raise EquationError(f"unsupported syntax {type(node).__name__}{where}")
    if isinstance(node, ast.BinOp) and type(node.op) not in _BINARY:
        raise EquationError(f"unsupported operator {type(node.op).__name__}{where}")
    if isinstance(node, ast.UnaryOp) and not isinstance(node.op, (ast.USub, ast.UAdd)):
        raise EquationError(f"unsupported operator {type(node.op).__name__}{where}")
    if isinstance(node, ast.Constant) and (isinstance(node.value, bool)
                                           or not isinstance(node.value, (int, float))):
        raise EquationError(f"unsupported constant {node.value!r}{where}")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = getattr(node.func, "id", ast.unparse(node.func))
            raise EquationError(f"unknown function {name!r}{where}; "
                                f"known: {', '.join(sorted(FUNCTIONS))}")
        if len(node.args) != 1 or node.keywords:
            raise EquationError(f"{node.func.id}() takes one argument{where}")


def evaluate(tree: ast.expr, values: dict[str, object]):
    """Evaluate a checked expression tree with ``values`` (numbers or NumPy arrays) for its names."""
    if isinstance(tree, ast.Constant):
        return float(tree.value)
    if isinstance(tree, ast.Name):
        try:
            return values[tree.id]
        except KeyError:
            raise EquationError(f"undefined variable {tree.id!r}") from None
    if isinstance(tree, ast.UnaryOp):
        operand = evaluate(tree.operand, values)
        return -operand if isinstance(tree.op, ast.USub) else operand
    if isinstance(tree, ast.BinOp):
        return _BINARY[type(tree.op)](evaluate(tree.left, values), evaluate(tree.right, values))
    if isinstance(tree, ast.Call):
        return FUNCTIONS[tree.func.id](evaluate(tree.args[0], values))
    raise EquationError(f"unsupported syntax {type(tree).__name__}")  # unreachable after checks
