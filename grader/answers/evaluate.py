"""Evaluate sympy expressions at a point, exactly (Fractions) or in floating point.

sympy's own `subs`/`evalf` are general and slow; the expressions graded here are sums of
products of symbols, so a direct walk is hundreds of times faster and, with Fractions, exact.
"""
from __future__ import annotations

import math
import random
from fractions import Fraction
from typing import Mapping

import sympy

from .polynomials import to_poly


class NotRational(ValueError):
    """The expression has a part (exp, tanh, a non-integer power) with no exact rational value."""


class Exponentials:
    """Independent exact values for exp(m), one per monomial m of the symbols, drawn on demand.

    exp of distinct monomials are algebraically independent functions (over the rational
    functions of the symbols), so an expression built from symbols, exp, tanh and sigmoid by
    field operations is identically zero exactly when it is zero as a rational function of the
    symbols and these exp(m) treated as variables: exact evaluation at random values of both
    decides equality as it does for polynomials, with no floats and no `simplify`.
    """

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.values: dict = {}

    def __getitem__(self, monomial) -> Fraction:
        if monomial not in self.values:
            self.values[monomial] = Fraction(self.rng.randint(1, 10**9), self.rng.randint(1, 997))
        return self.values[monomial]

    def exp(self, argument, values, exact) -> Fraction:
        poly = to_poly(argument)
        if poly is None:
            raise NotRational("exp of a non-polynomial")
        result = Fraction(1)
        for mono, coeff in poly.items():
            if getattr(coeff, "denominator", 1) != 1 or abs(Fraction(coeff)) > 64:
                raise NotRational("exp with a fractional or huge coefficient")
            result *= self[mono] ** int(coeff)
        return result


def evaluate(expr: sympy.Expr, values: Mapping[sympy.Symbol, object], exact: bool = True,
             exps: Exponentials | None = None):
    """The value of `expr` at `values` (Fractions when exact, floats otherwise).

    With `exps`, exact evaluation also takes exp and tanh (of polynomials), each exp(m) at its
    independent value (see Exponentials). Raises NotRational when exact and the value is not
    rational, ZeroDivisionError on a division by zero, KeyError for a symbol with no value.
    """
    if isinstance(expr, sympy.Symbol):
        return values[expr]
    if isinstance(expr, sympy.Rational):
        return Fraction(int(expr.p), int(expr.q)) if exact else float(expr)
    if isinstance(expr, sympy.Add):
        total = 0
        for arg in expr.args:
            total += evaluate(arg, values, exact, exps)
        return total
    if isinstance(expr, sympy.Mul):
        product = 1
        for arg in expr.args:
            product *= evaluate(arg, values, exact, exps)
        return product
    if isinstance(expr, sympy.Pow):
        base = evaluate(expr.base, values, exact, exps)
        if expr.exp.is_Integer:
            n = int(expr.exp)
            if n < 0 and base == 0:
                raise ZeroDivisionError("division by zero")
            return base**n if exact else float(base) ** n
        if exact:
            raise NotRational(str(expr))
        return float(base) ** float(evaluate(expr.exp, values, False))
    if isinstance(expr, sympy.Float):
        if exact:
            return Fraction(str(expr))
        return float(expr)
    if exact:
        if exps is not None and isinstance(expr, (sympy.exp, sympy.tanh)):
            e = exps.exp(expr.args[0] * (2 if isinstance(expr, sympy.tanh) else 1), values, exact)
            return e if isinstance(expr, sympy.exp) else (e - 1) / (e + 1)
        if exps is not None and expr is sympy.E:
            return exps[()]
        if exps is not None and isinstance(expr, (sympy.Heaviside, sympy.Max, sympy.Min)) and \
                any(a.has(sympy.exp, sympy.tanh, sympy.E) for a in expr.args):
            raise NotRational("a comparison of exponentials")  # their values here are not real ones
        if isinstance(expr, sympy.Heaviside):
            z = evaluate(expr.args[0], values, True, exps)
            return Fraction(1) if z > 0 else Fraction(0)
        if isinstance(expr, sympy.Max):
            return max(evaluate(a, values, True, exps) for a in expr.args)
        if isinstance(expr, sympy.Min):
            return min(evaluate(a, values, True, exps) for a in expr.args)
        raise NotRational(type(expr).__name__)
    return _float_function(expr, values)


def _float_function(expr, values):
    args = [float(evaluate(a, values, False)) for a in expr.args]
    if isinstance(expr, sympy.exp):
        return math.exp(args[0])
    if isinstance(expr, sympy.tanh):
        return math.tanh(args[0])
    if isinstance(expr, sympy.log):
        return math.log(args[0])
    if isinstance(expr, sympy.Heaviside):
        return 1.0 if args[0] > 0 else 0.0
    if isinstance(expr, sympy.Max):
        return max(args)
    if isinstance(expr, sympy.Min):
        return min(args)
    if expr is sympy.pi:
        return math.pi
    if expr is sympy.E:
        return math.e
    return float(expr.evalf(subs=dict(values)))
