"""Exact equivalence of a student's expression and the reference.

Decided without any floating tolerance:
1. when both sides are polynomials in their symbols (every conv/dense gradient is), both are
   expanded (monomial -> exact rational coefficient) and compared: equal coefficients prove
   them equal, and for these answers expansion is cheaper than any evaluation;
2. otherwise, exact rational evaluation at a few random points first: any difference proves
   them different; it is also the fallback when an expansion would be too large (a polynomial
   identity that holds at random 30-digit rationals is an identity but with negligible odds);
3. then sympy's `cancel` (rational functions) or `simplify` (exp, tanh, ...) of the
   difference; if sympy cannot decide, 50-digit evaluation at several random points settles
   it and the verdict says it was numeric.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Literal

import sympy

from .evaluate import NotRational, evaluate

Monomial = tuple  # sorted ((symbol name, power), ...)
Poly = dict  # Monomial -> Fraction

MAX_TERMS = 20_000  # an expansion larger than this is not attempted (falls back to evaluation)
MAX_POWER = 32
POINTS = 3


VerdictMethod = Literal["evaluation", "expansion", "simplification", "numeric"]


@dataclass(frozen=True)
class Verdict:
    equivalent: bool
    method: VerdictMethod


class ExpansionTooBig(Exception):
    """An expansion would exceed MAX_TERMS: the caller decides another way, or says nothing."""


_TooBig = ExpansionTooBig


def _number(expr: sympy.Rational):
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
        return {(): _number(expr)} if expr != 0 else {}
    if isinstance(expr, sympy.Add):
        total: Poly = {}
        for arg in expr.args:
            part = to_poly(arg)
            if part is None:
                return None
            _add_into(total, part)
        return total
    if isinstance(expr, sympy.Mul):
        # Monomial factors (symbols, their powers, numbers) are gathered directly; only sums
        # inside the product need a polynomial multiplication.
        coeff, powers, others = 1, {}, []
        for arg in expr.args:
            if isinstance(arg, sympy.Symbol):
                powers[arg.name] = powers.get(arg.name, 0) + 1
            elif isinstance(arg, sympy.Rational):
                coeff *= _number(arg)
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
            product = _mul(product, part)
        return product
    if isinstance(expr, sympy.Pow) and expr.exp.is_Integer and 0 <= int(expr.exp) <= MAX_POWER:
        base = to_poly(expr.base)
        if base is None:
            return None
        result: Poly = {(): 1}
        for _ in range(int(expr.exp)):
            result = _mul(result, base)
        return result
    return None


def _accumulate(total: Poly, mono: Monomial, coeff: Fraction) -> None:
    value = total.get(mono, 0) + coeff
    if value:
        total[mono] = value
    else:
        total.pop(mono, None)


def _add_into(total: Poly, part: Poly) -> None:
    for mono, coeff in part.items():
        _accumulate(total, mono, coeff)
    if len(total) > MAX_TERMS:
        raise _TooBig


def _mul(a: Poly, b: Poly) -> Poly:
    if len(a) * len(b) > MAX_TERMS * 4:
        raise _TooBig
    out: Poly = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            powers = dict(ma)
            for name, p in mb:
                powers[name] = powers.get(name, 0) + p
            _accumulate(out, tuple(sorted(powers.items())), ca * cb)
    if len(out) > MAX_TERMS:
        raise _TooBig
    return out


def random_points(symbols: Iterable[sympy.Symbol], seed: int, count: int = POINTS) -> list[dict]:
    """Exact random points: large random integers over small ones, so no cancellation is a coincidence."""
    ordered = sorted(set(symbols), key=lambda s: s.name)
    rng = random.Random(seed)
    return [{s: Fraction(rng.randint(-10**9, 10**9), rng.randint(1, 997)) for s in ordered} for _ in range(count)]


def reference_poly(entry) -> Poly | None:
    """The expanded polynomial of a reference EntryGradient, built from its paths (no sympy Add)."""
    total: Poly = {}
    try:
        for path, upstream in zip(entry.paths, entry.upstream_symbols):
            local = to_poly(path.local)
            if local is None:
                return None
            _add_into(total, _mul({((upstream.name, 1),): 1}, local) if upstream is not None else local)
    except _TooBig:
        return None
    return total


def equivalent_to_entry(student: sympy.Expr, entry, seed: int = 0) -> Verdict:
    """`equivalent` against a reference EntryGradient, expanding it from its paths; the entry's
    sympy expression is only built when the answer is not a polynomial."""
    expected = reference_poly(entry)
    if expected is not None:
        try:
            got = to_poly(student)
            if got is not None:
                return Verdict(got == expected, "expansion")
        except _TooBig:
            pass
    return equivalent(student, entry.expr, seed)


def equivalent(student: sympy.Expr, reference: sympy.Expr, seed: int = 0) -> Verdict:
    """Whether the two expressions are identical as functions of their symbols (exactly)."""
    too_big = False
    try:
        a = to_poly(student)
        b = to_poly(reference) if a is not None else None
        if a is not None and b is not None:
            return Verdict(a == b, "expansion")
    except _TooBig:
        too_big = True
    symbols = student.free_symbols | reference.free_symbols
    rational = True
    for point in random_points(symbols, seed):
        try:
            if evaluate(student, point) != evaluate(reference, point):
                return Verdict(False, "evaluation")
        except NotRational:
            rational = False
            break
        except ZeroDivisionError:
            continue  # a pole at this point says nothing; the other steps decide
    if too_big and rational:
        return Verdict(True, "evaluation")
    difference = sympy.cancel(student - reference) if rational else sympy.simplify(student - reference)
    if difference == 0:
        return Verdict(True, "simplification")
    if rational:
        return Verdict(False, "simplification")
    return _numeric(student, reference, symbols, seed)


def _numeric(student, reference, symbols, seed) -> Verdict:
    rng = random.Random(seed + 1)
    for _ in range(5):
        subs = {s: sympy.Rational(rng.randint(-2000, 2000), 1000) for s in symbols}
        a = sympy.N(student.xreplace(subs), 50)
        b = sympy.N(reference.xreplace(subs), 50)
        if abs(a - b) > sympy.Float(10, 50) ** -40 * (1 + abs(b)):
            return Verdict(False, "numeric")
    return Verdict(True, "numeric")
