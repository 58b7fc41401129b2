"""Exact polynomials as dicts: monomial (sorted (symbol name, power) pairs) -> int or Fraction.

Every conv/dense gradient is a polynomial in its entries, so comparing expansions decides
equality exactly, and building them needs no sympy object at all (see parsing's direct reader).
"""
from __future__ import annotations

from fractions import Fraction

import sympy

Monomial = tuple[tuple[str, int], ...]  # sorted ((symbol name, power), ...)
Poly = dict[Monomial, "Fraction | int"]  # Monomial -> exact coefficient

MAX_TERMS = 20_000  # an expansion larger than this is not attempted (falls back to evaluation)
MAX_POWER = 32


class ExpansionTooBig(Exception):
    """An expansion would exceed MAX_TERMS: callers fall back to evaluation."""


def poly_coefficient(expr: sympy.Rational):
    # Integer coefficients stay Python ints: exact, and far cheaper than Fractions.
    return int(expr.p) if expr.q == 1 else Fraction(int(expr.p), int(expr.q))


def to_poly(expr: sympy.Expr) -> Poly | None:
    """The expanded polynomial of `expr`, or None when it is not a polynomial in its symbols.

    Coefficients are exact (int or Fraction). Raises ExpansionTooBig when the expansion would exceed
    MAX_TERMS.
    """
    if isinstance(expr, sympy.Symbol):
        return {((expr.name, 1),): 1}
    if isinstance(expr, sympy.Rational):
        return {(): poly_coefficient(expr)} if expr != 0 else {}
    if isinstance(expr, sympy.Add):
        total: Poly = {}
        for arg in expr.args:
            part = to_poly(arg)
            if part is None:
                return None
            add_into(total, part)
        return total
    if isinstance(expr, sympy.Mul):
        # Monomial factors (symbols, their powers, numbers) are gathered directly; only sums
        # inside the product need a polynomial multiplication.
        coeff, others = 1, []
        powers: dict[str, int] = {}
        for arg in expr.args:
            if isinstance(arg, sympy.Symbol):
                powers[arg.name] = powers.get(arg.name, 0) + 1
            elif isinstance(arg, sympy.Rational):
                coeff *= poly_coefficient(arg)
            elif (isinstance(arg, sympy.Pow) and isinstance(arg.base, sympy.Symbol) and arg.exp.is_Integer
                  and 0 <= int(arg.exp) <= MAX_POWER):
                powers[arg.base.name] = powers.get(arg.base.name, 0) + int(arg.exp)
            else:
                others.append(arg)
        product: Poly = {tuple(sorted(powers.items())): coeff} if coeff else {}
        for arg in others:
            part = to_poly(arg)
            if part is None:
                return None
            product = mul(product, part)
        return product
    if isinstance(expr, sympy.Pow) and expr.exp.is_Integer and 0 <= int(expr.exp) <= MAX_POWER:
        base = to_poly(expr.base)
        if base is None:
            return None
        result: Poly = {(): 1}
        for _ in range(int(expr.exp)):
            result = mul(result, base)
        return result
    return None


def accumulate(total: Poly, mono: Monomial, coeff: Fraction | int) -> None:
    value = total.get(mono, 0) + coeff
    if value:
        total[mono] = value
    else:
        total.pop(mono, None)


def add_into(total: Poly, part: Poly) -> None:
    for mono, coeff in part.items():
        accumulate(total, mono, coeff)
    if len(total) > MAX_TERMS:
        raise ExpansionTooBig


def mul(a: Poly, b: Poly) -> Poly:
    if len(a) * len(b) > MAX_TERMS * 4:
        raise ExpansionTooBig
    out: Poly = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            powers = dict(ma)
            for name, p in mb:
                powers[name] = powers.get(name, 0) + p
            accumulate(out, tuple(sorted(powers.items())), ca * cb)
    if len(out) > MAX_TERMS:
        raise ExpansionTooBig
    return out


