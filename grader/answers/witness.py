"""A proof that two expressions differ: a point where their values are certainly different.

Where the exact procedures cannot decide (roots whose relations do not settle it, log, erf, a
kink of a non-linear argument), a difference can still be proved by exhibiting a point: both
sides are evaluated there in interval arithmetic (mpmath's `iv`, outward rounding), and if the
two intervals do not meet, the exact values differ at that point, so the answer is wrong (120
bits first, 800 and 4,000 when the intervals overlap, for differences such as 1/10^45). This
can only ever refuse credit, never give it: an interval that contains both values, an undefined
value or an undecided comparison (a kink whose argument's interval contains 0) proves nothing,
and the entry stays a review. The points are fixed rationals: no randomness, so the verdict is
reproducible, and since they only refuse, a student cannot gain by knowing them.
"""
from __future__ import annotations

from fractions import Fraction

import sympy
from mpmath import iv  # type: ignore[import-untyped]

from .exact import Budget, Undecided

POINTS = 6
PRECISION = 120  # bits: enough to separate values that differ visibly
MORE_PRECISION = (800, 4000)  # then for differences as small as 1/10^1000


class _Unknown(Exception):
    """No certain value here (a division by an interval holding 0, an undecided comparison, ...)."""


def base_value(j: int, k: int) -> Fraction:
    """Symbol j's coordinate at point k: small rationals of both signs, no 0 or 1, all distinct."""
    return Fraction(((7 * j + 13 * k) % 23) - 11, 3 + k) + Fraction(1, 5 + j + 2 * k)


def differ(student, reference, budget: Budget) -> bool:
    """True when some point proves the two different; False proves nothing."""
    symbols = sorted(student.free_symbols | reference.free_symbols, key=lambda s: s.name)
    old = iv.prec
    iv.prec = PRECISION
    try:
        for k in range(POINTS):
            if _separated(student, reference, {s.name: base_value(j, k) for j, s in enumerate(symbols)}, budget):
                return True
        return False
    except Undecided:
        return False
    finally:
        iv.prec = old


def differ_at(student, reference, point: dict, budget: Budget) -> bool:
    """True when the two certainly differ at this point (symbol name -> Fraction)."""
    old = iv.prec
    iv.prec = PRECISION
    try:
        return _separated(student, reference, point, budget)
    except Undecided:
        return False
    finally:
        iv.prec = old


def _separated(student, reference, point: dict, budget: Budget) -> bool:
    """Separated at PRECISION bits, or at more when the two intervals overlap: a difference of
    1/10^45 needs about 150 bits more than the values' own size."""
    for bits in (PRECISION, *MORE_PRECISION):
        iv.prec = bits
        try:
            gap = _interval(student, point, budget) - _interval(reference, point, budget)
        except (_Unknown, KeyError):
            return False
        if (gap > 0) is True or (gap < 0) is True:
            return True
    return False


def _interval(expr, point: dict, budget: Budget):
    budget.spend(1)
    if isinstance(expr, sympy.Symbol):
        v = point[expr.name]
        return iv.mpf(v.numerator) / v.denominator
    if isinstance(expr, sympy.Rational):
        return iv.mpf(int(expr.p)) / int(expr.q)
    if isinstance(expr, sympy.Float):
        v = Fraction(str(expr))
        return iv.mpf(v.numerator) / v.denominator
    if expr is sympy.pi:
        return iv.pi
    if expr is sympy.E:
        return iv.e
    if isinstance(expr, sympy.Add):
        total = iv.mpf(0)
        for arg in expr.args:
            total += _interval(arg, point, budget)
        return total
    if isinstance(expr, sympy.Mul):
        product = iv.mpf(1)
        for arg in expr.args:
            product *= _interval(arg, point, budget)
        return product
    if isinstance(expr, sympy.Pow):
        base = _interval(expr.base, point, budget)
        if expr.exp.is_Integer:
            n = int(expr.exp)
            if n < 0 and (base > 0) is not True and (base < 0) is not True:
                raise _Unknown
            return base ** n
        if (base > 0) is not True:
            raise _Unknown
        return iv.exp(iv.log(base) * _interval(expr.exp, point, budget))
    args = [_interval(a, point, budget) for a in expr.args] if expr.args else []
    if isinstance(expr, sympy.exp):
        return iv.exp(args[0])
    if isinstance(expr, sympy.log):
        if (args[0] > 0) is not True:
            raise _Unknown
        return iv.log(args[0])
    if isinstance(expr, sympy.tanh):
        e = iv.exp(2 * args[0])
        return 1 - 2 / (e + 1)
    if isinstance(expr, sympy.erf):
        return _erf(args[0], budget)
    if isinstance(expr, (sympy.Max, sympy.Min)):
        best = args[0]
        for other in args[1:]:
            greater = other > best
            if greater is None:
                raise _Unknown
            if greater == isinstance(expr, sympy.Max):
                best = other
        return best
    if isinstance(expr, sympy.Abs):
        return _sign(args[0]) * args[0]
    if isinstance(expr, sympy.Heaviside):
        s = _sign(args[0])
        return iv.mpf(1 if s > 0 else 0)
    if isinstance(expr, sympy.Piecewise):
        for piece in expr.args:
            holds = _condition(piece.cond, point, budget)
            if holds:
                return _interval(piece.expr, point, budget)
        raise _Unknown
    raise _Unknown


# Past this |x| the series needs too many bits; the bounds of Abramowitz & Stegun 7.1.13 take over.
ERF_SERIES_LIMIT = 6


def _erf(x, budget: Budget):
    """erf over an interval, enclosed rigorously (mpmath's own `iv.erf` does not converge for
    interval arguments): erf is increasing, so [erf(a), erf(b)] for x = [a, b], each endpoint's
    value enclosed by `_erf_point`."""
    return iv.mpf([_erf_point(x.a, budget).a, _erf_point(x.b, budget).b])


def _erf_point(t, budget: Budget):
    """An interval holding erf(t), t a point interval.

    |t| <= ERF_SERIES_LIMIT: the Maclaurin series 2/sqrt(pi) sum (-1)^n t^(2n+1) / (n! (2n+1)),
    summed in interval arithmetic with t^2 * 1.5 + 24 extra bits (its largest term is about
    e^(t^2)); from n + 1 >= t^2 on its terms alternate and shrink, so the tail after the last
    term summed lies between 0 and the next term, which is added as an interval. Beyond:
    2 e^(-t^2) / (sqrt(pi) (t + sqrt(t^2 + 2))) < erfc(t) <= 2 e^(-t^2) / (sqrt(pi) (t + sqrt(t^2 + 4/pi)))
    for t >= 0 (A&S 7.1.13), erf(t) = 1 - erfc(t), and erf is odd."""
    if (t < 0) is True:
        return -_erf_point(-t, budget)
    if (t == 0) is True:
        return iv.mpf(0)
    size = float(t.b)
    old = iv.prec
    if size > ERF_SERIES_LIMIT:
        root_pi = iv.sqrt(iv.pi)
        tail = 2 * iv.exp(-t * t) / root_pi
        low, high = tail / (t + iv.sqrt(t * t + 2)), tail / (t + iv.sqrt(t * t + 4 / iv.pi))
        return iv.mpf([(1 - high).a, (1 - low).b])
    try:
        iv.prec = old + int(1.5 * size * size) + 24
        square = t * t
        term = t  # (-1)^n t^(2n+1) / n!
        total = iv.mpf(0)
        n = 0
        while True:
            budget.spend(1)
            total += term / (2 * n + 1)
            n += 1
            term = -term * square / n
            following = term / (2 * n + 1)
            if n >= size * size + 1 and (abs(following) < iv.mpf(2) ** (-iv.prec)) is True:
                tail = following * iv.mpf([0, 1])  # between 0 and the next term
                return 2 * (total + tail) / iv.sqrt(iv.pi)
    finally:
        iv.prec = old


def _sign(value) -> int:
    if (value > 0) is True:
        return 1
    if (value < 0) is True:
        return -1
    raise _Unknown  # 0 or undecided: the kink's own value is not needed to prove anything


def _condition(cond, point, budget) -> bool:
    if cond is sympy.true:
        return True
    if isinstance(cond, (sympy.StrictGreaterThan, sympy.GreaterThan, sympy.StrictLessThan, sympy.LessThan)):
        s = _sign(_interval(cond.lhs - cond.rhs, point, budget))
        return s > 0 if isinstance(cond, (sympy.StrictGreaterThan, sympy.GreaterThan)) else s < 0
    raise _Unknown
