"""Integer arithmetic inside a spec's placeholders, read by our own small grammar (never eval).

    expression := sum
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "//" | "%") unary)*
    unary      := "-" unary | atom
    atom       := INTEGER | NAME | "(" sum ")"

Variant placeholders (`{{(H-KH)//S+1}}`, an output size) and feedback rules' entry
placeholders (`{i}`, `{j+1}`, `{k}`, `{l}`) both use it. `//` and `%` are Python's floor
division and remainder, as output-size formulas are written; a division by zero, a name that
is not given or anything else is "not an expression" (None), so that the text stays as
written. Expressions are short by construction (a placeholder is one line of a spec), and
their length is bounded here so that no spec can make the reader recurse deeply.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

# Longest expression read; nothing an author writes for a size comes near it, and it bounds
# the recursion of the reader (one level per bracket or unary minus).
MAX_LENGTH = 200
OPERATORS = ("+", "-", "*", "//", "%", "(", ")")

_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_][A-Za-z0-9_]*)|(//|[+\-*%()])|(\S))")


def evaluate(expression: str, values: Mapping[str, Any]) -> Any:
    """The value of `NAME` (any value) or of an integer expression over given names; None when
    the text is not one."""
    if expression in values:
        return values[expression]
    if len(expression) > MAX_LENGTH:
        return None
    tokens: list[Any] = []
    for number, name, operator, other in _TOKEN.findall(expression):
        if other:
            return None
        if number:
            tokens.append(int(number))
        elif name:
            if name not in values or not is_int(values[name]):
                return None
            tokens.append(values[name])
        else:
            tokens.append(operator)
    try:
        value, rest = _sum(tokens)
    except (IndexError, ValueError, ZeroDivisionError):
        return None
    return value if not rest else None


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _sum(tokens: list[Any]) -> tuple[int, list[Any]]:
    value, tokens = _product(tokens)
    while tokens and tokens[0] in ("+", "-"):
        sign, (right, tokens) = tokens[0], _product(tokens[1:])
        value = value + right if sign == "+" else value - right
    return value, tokens


def _product(tokens: list[Any]) -> tuple[int, list[Any]]:
    value, tokens = _unary(tokens)
    while tokens and tokens[0] in ("*", "//", "%"):
        operator, (right, tokens) = tokens[0], _unary(tokens[1:])
        value = value * right if operator == "*" else value // right if operator == "//" else value % right
    return value, tokens


def _unary(tokens: list[Any]) -> tuple[int, list[Any]]:
    if tokens[0] == "-":
        value, rest = _unary(tokens[1:])
        return -value, rest
    return _atom(tokens)


def _atom(tokens: list[Any]) -> tuple[int, list[Any]]:
    head = tokens[0]
    if head == "(":
        value, rest = _sum(tokens[1:])
        if not rest or rest[0] != ")":
            raise ValueError("unclosed bracket")
        return value, rest[1:]
    if is_int(head):
        return head, tokens[1:]
    raise ValueError(f"unexpected {head!r}")
