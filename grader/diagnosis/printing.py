"""Expressions in the student's own notation: plain (`dy[1,1]*k[2]`) or LaTeX."""
from __future__ import annotations

from fractions import Fraction

import sympy

from ..answers.parsing.printer import show
from ..spec.notation import Notation, Style


def poly_to_expr(poly: dict) -> sympy.Expr:
    """A sympy expression from an expanded polynomial (monomial -> coefficient)."""
    terms = []
    for mono, coeff in sorted(poly.items()):
        factors = [sympy.Rational(coeff.numerator, coeff.denominator)] if coeff != 1 else []
        factors += [sympy.Symbol(name) ** power for name, power in mono]
        terms.append(sympy.Mul(*factors))
    return sympy.Add(*terms)


def show_term(upstream: sympy.Symbol | None, local: sympy.Expr, notation: Notation, style: Style) -> str:
    """upstream * local, keeping the upstream factor first and the local part grouped."""
    if upstream is None:
        return show(local, notation, style)
    up = show(upstream, notation, style)
    if local == 1:
        return up
    if local == -1:
        return f"-{up}"
    inner = show(local, notation, style)
    if isinstance(local, sympy.Add):
        inner = f"\\left({inner}\\right)" if style == "latex" else f"({inner})"
    return f"{up} {inner}" if style == "latex" else f"{up}*{inner}"


def output_name(notation: Notation, upstream_name: str, style: Style) -> str:
    """The forward output an upstream symbol belongs to: dy[1,1] -> y[1,1] / y_{1,1}."""
    found = notation.entry(upstream_name)
    if found is None:
        return upstream_name
    array, index = notation.written(found)
    idx = ",".join(map(str, index))
    return f"{array.latex}_{{{idx}}}" if style == "latex" else f"{array.latex}[{idx}]"


def fraction_text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
