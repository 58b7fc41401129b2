"""Evaluate sympy expressions at a point, exactly (Fractions) or in floating point.

sympy's own `subs`/`evalf` are general and slow; the expressions graded here are sums of
products of symbols, so a direct walk is hundreds of times faster and, with Fractions, exact.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Mapping

import sympy



class NotRational(ValueError):
    """The expression has a part (exp, tanh, a non-integer power) with no exact rational value."""


def evaluate(expr: sympy.Expr, values: Mapping[sympy.Symbol, object], exact: bool = True):
    """The value of `expr` at `values` (Fractions when exact, floats otherwise), for diagnosis
    and explanations: no verdict is ever decided by evaluation (see equivalence.py).

    Raises NotRational when exact and the value is not rational, ZeroDivisionError on a division
    by zero, KeyError for a symbol with no value.
    """
    if isinstance(expr, sympy.Symbol):
        return values[expr]
    if isinstance(expr, sympy.Rational):
        return Fraction(int(expr.p), int(expr.q)) if exact else float(expr)
    if isinstance(expr, sympy.Add):
        total = 0
        for arg in expr.args:
            total += evaluate(arg, values, exact)
        return total
    if isinstance(expr, sympy.Mul):
        product = 1
        for arg in expr.args:
            product *= evaluate(arg, values, exact)
        return product
    if isinstance(expr, sympy.Pow):
        base = evaluate(expr.base, values, exact)
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
        if isinstance(expr, sympy.Heaviside):
            z = evaluate(expr.args[0], values, True)
            return Fraction(1) if z > 0 else Fraction(0)
        if isinstance(expr, sympy.Max):
            return max(evaluate(a, values, True) for a in expr.args)
        if isinstance(expr, sympy.Min):
            return min(evaluate(a, values, True) for a in expr.args)
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
