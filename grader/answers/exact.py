"""Smooth answers as exact quotients of polynomials over independent unknowns.

An expression built from symbols, rationals, + - * /, integer and rational powers, exp, the
hyperbolic functions and sigmoid becomes N/D, two polynomials (`polynomials.Poly`) over the
symbols and a few unknowns:

- exp(f), f a polynomial over Q in the symbols (and in lower unknowns): f is split into its
  monomials, f = c0 + sum q_m m, and exp(f) = e^c0 * prod exp(m/d_m)^(q_m d_m), each
  exp(m/d_m) one unknown E (d_m the common denominator of m's coefficients in the answer). The
  exponentials of polynomials that are Q-linearly independent modulo constants are
  algebraically independent over the rational functions (Ax 1971; Rosenlicht's structure
  theorem for towers without logarithms), and distinct monomials are such, so the E are
  independent unknowns, and e (transcendental) is one more;
- tanh, sech, cosh, sinh, coth are rewritten with exp first; sigmoid already is 1/(1 + exp(-z));
- v^(p/q): v^floor(p/q) * R^(p mod q), one unknown R per (v, q), with its defining relation
  R^q = v kept aside;
- anything else (log, a kink left unresolved, exp of a non-polynomial): an opaque unknown.

Treating related quantities as independent can only lose identities, never invent one, so a
zero difference is always a proof of equality. A non-zero difference proves the answer wrong
only when every unknown is certified independent (no roots, no opaque parts); with roots the
difference is first reduced modulo their relations, and what remains is a refusal (`review`),
never a verdict. All work is counted against a `Budget` of polynomial term operations, so the
same answer always gets the same verdict, whatever the machine's load.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import lcm
from typing import Literal

import sympy

from .polynomials import Monomial, Poly, accumulate, poly_coefficient

ONE: Poly = {(): 1}
# equal and different are proofs; review: neither could be proved within the budget.
Decision = Literal["equal", "different", "review"]


class Undecided(Exception):
    """No exact decision within the procedures (or the budget): the entry goes to review."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # a kebab-case id, see docs/answer-format.md


@dataclass
class Budget:
    """Polynomial term operations an entry may spend (a deterministic measure of work)."""

    steps: int
    used: int = 0

    def spend(self, n: int) -> None:
        self.used += n
        if self.used > self.steps:
            raise Undecided("budget")


def _mul(a: Poly, b: Poly, budget: Budget) -> Poly:
    budget.spend(len(a) * len(b) + 1)
    out: Poly = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            if not mb:
                mono = ma
            elif not ma:
                mono = mb
            else:
                powers = dict(ma)
                for name, p in mb:
                    powers[name] = powers.get(name, 0) + p
                mono = tuple(sorted(powers.items()))
            accumulate(out, mono, ca * cb)
    return out


def _add(a: Poly, b: Poly, budget: Budget, sign: int = 1) -> Poly:
    budget.spend(len(a) + len(b) + 1)
    out = dict(a)
    for mono, c in b.items():
        accumulate(out, mono, sign * c)
    return out


Quotient = tuple  # (numerator Poly, denominator {factor key: (factor Poly, power)})


@dataclass
class ExactField:
    """Converts expressions into quotients over the symbols and the unknowns it creates."""

    budget: Budget
    unknowns: dict = field(default_factory=dict)  # key -> name
    relations: dict = field(default_factory=dict)  # root name -> (q, radicand numerator, denominator)
    opaque: bool = False  # some unknown stands for a part with no exact procedure
    exp_denominators: dict = field(default_factory=dict)  # monomial -> d (exp(m/d) is the unknown)
    # tanh(u) as an unknown of its own (the field C(x)(tanh u) is C(x)(exp 2u)), for exponents
    # that hold tanh: exp(v tanh(u)) is then exp of a polynomial (a tanh layer before softmax)
    tanh_unknowns: bool = False
    level_one: list = field(default_factory=list)  # exponents over the symbols alone, as polynomials

    def _unknown(self, key, prefix: str) -> str:
        if key not in self.unknowns:
            # \x01 cannot start a symbol name the parsers build, so no unknown meets a symbol.
            self.unknowns[key] = f"\x01{prefix}{len(self.unknowns)}"
        return self.unknowns[key]

    def _opaque(self, expr) -> Quotient:
        self.opaque = True
        return {((self._unknown(("opaque", expr), "O"), 1),): 1}, {}

    def prepare(self, *exprs) -> None:
        """Fix each exponent monomial's denominator d before conversion: exp(x/2) and exp(x)
        then share the unknown exp(x/2)."""
        for expr in exprs:
            exponents = [e.args[0] for e in expr.atoms(sympy.exp)]
            exponents += [p.base.args[0] * p.exp for p in expr.atoms(sympy.Pow)
                          if isinstance(p.base, sympy.exp) and p.exp.is_Rational]
            for argument in exponents:
                try:
                    quotient = self.convert(argument)
                except Undecided:
                    continue
                if quotient[1]:
                    continue
                for mono, c in quotient[0].items():
                    d = Fraction(c).denominator
                    self.exp_denominators[mono] = lcm(self.exp_denominators.get(mono, 1), d)

    def convert(self, expr) -> Quotient:
        """(N, D) with expr = N/D: D a product of factors kept apart ({key: (factor, power)}), so
        that sums over a common denominator (softmax's, batch norm's s) do not multiply it out.
        Raises Undecided when the budget runs out."""
        budget = self.budget
        budget.spend(1)
        if isinstance(expr, sympy.Symbol):
            return {((expr.name, 1),): 1}, {}
        if isinstance(expr, sympy.Rational):
            return ({(): poly_coefficient(expr)} if expr != 0 else {}), {}
        if isinstance(expr, sympy.Float):
            return {(): Fraction(str(expr))} if expr != 0 else {}, {}
        if isinstance(expr, sympy.Add):
            num: Poly = {}
            den: dict = {}
            for arg in expr.args:
                n, d = self.convert(arg)
                if d == den:
                    num = _add(num, n, budget)
                    continue
                common = dict(den)
                for key, (factor, power) in d.items():
                    if common.get(key, (None, 0))[1] < power:
                        common[key] = (factor, power)
                num = _add(_mul(num, self._cofactor(common, den), budget),
                           _mul(n, self._cofactor(common, d), budget), budget)
                den = common
            return num, den
        if isinstance(expr, sympy.Mul):
            num, den = ONE, {}
            for arg in expr.args:
                n, d = self.convert(arg)
                num = _mul(num, n, budget)
                for key, (factor, power) in d.items():
                    den[key] = (factor, den.get(key, (None, 0))[1] + power)
            return num, den
        if isinstance(expr, sympy.Pow):
            return self._power(expr)
        if isinstance(expr, sympy.exp):
            return self._exp(expr.args[0])
        if expr is sympy.E:
            return self._exp(sympy.Integer(1))
        if isinstance(expr, sympy.tanh) and self.tanh_unknowns:
            num, den = self.convert(expr.args[0])
            if den or _has_unknowns(num):
                return self._opaque(expr)
            name = self._unknown(("tanh", expr.args[0]), "T")
            self.level_one.append(num)
            return {((name, 1),): 1}, {}
        if isinstance(expr, (sympy.tanh, sympy.sech, sympy.cosh, sympy.sinh, sympy.coth, sympy.csch)):
            return self.convert(expr.rewrite(sympy.exp))
        if isinstance(expr, sympy.erf):
            return self._erf(expr)
        return self._opaque(expr)

    def _erf(self, expr) -> Quotient:
        """erf(u) as one unknown per argument u, u taken as a polynomial (reduced modulo the
        roots' relations when that is exact) and made odd-canonical (erf(-u) = -erf(u)), so
        erf(z/sqrt 2), erf(sqrt(2) z/2) and -erf(-z sqrt(2)/2) are one unknown. No independence
        of erf values is claimed: the unknown counts as opaque (a non-zero difference is a
        review, which a witness may still prove wrong), while a zero difference is a proof."""
        num, den = self.convert(expr.args[0])
        if den:
            return self._opaque(expr)
        if num and all(rad_den == ONE for _, _, rad_den in self.relations.values()):
            num = self.reduce(num)  # with numeric/polynomial radicands the reduction is exact
        if not num:
            return {}, {}  # erf(0) = 0
        sign = 1 if Fraction(num[min(num)]) > 0 else -1
        self.opaque = True
        name = self._unknown(("erf", _key({m: sign * c for m, c in num.items()})), "O")
        return {((name, 1),): sign}, {}

    def _cofactor(self, common: dict, part: dict) -> Poly:
        """The product of the factors `common` has beyond `part` (so part * cofactor = common)."""
        out = ONE
        for key, (factor, power) in common.items():
            extra = power - part.get(key, (None, 0))[1]
            if extra:
                out = _mul(out, self._int_power(factor, extra), self.budget)
        return out

    def expand_denominator(self, den: dict) -> Poly:
        return self._cofactor(den, {})

    def _invert(self, num: Poly, den: dict, n: int) -> Quotient:
        """(N/D)^-n: the numerator becomes one factor of the denominator, made monic (its leading
        coefficient goes to the numerator), so equal factors meet as one key."""
        if not num:
            return self._opaque(sympy.zoo)
        lead = Fraction(num[min(num)])
        factor = {m: Fraction(c) / lead for m, c in num.items()}
        key = tuple(sorted(factor.items()))
        top = self._int_power(self.expand_denominator(den), n)
        top = {m: c / lead ** n for m, c in top.items()}
        return top, {key: (factor, n)} if factor != ONE else {}

    def _power(self, expr) -> Quotient:
        exponent = expr.exp
        if exponent.is_Integer:
            n = int(exponent)
            if abs(n) > 256:
                raise Undecided("budget")
            num, den = self.convert(expr.base)
            if n < 0:
                return self._invert(num, den, -n)
            return self._int_power(num, n), {k: (f, p * n) for k, (f, p) in den.items()}
        if exponent.is_Rational and isinstance(expr.base, sympy.exp):
            # (e^u)^(p/q) = e^(u p/q): e^u > 0 for real u, and its real root is the positive one
            return self._exp(expr.base.args[0] * exponent)
        if exponent.is_Rational:
            p, q = int(exponent.p), int(exponent.q)
            num, den = self.convert(expr.base)
            name = self._unknown(("root", expr.base, q), "R")
            self.relations[name] = (q, num, self.expand_denominator(den))
            whole, part = divmod(p, q)  # v^(p/q) = v^whole * R^part
            root: Poly = {((name, part),): 1} if part else ONE
            if whole < 0:
                top, bottom = self._invert(num, den, -whole)
                return _mul(top, root, self.budget), bottom
            return (_mul(self._int_power(num, whole), root, self.budget),
                    {k: (f, pw * whole) for k, (f, pw) in den.items()} if whole else {})
        return self._opaque(expr)

    def _int_power(self, poly: Poly, n: int) -> Poly:
        result, base = ONE, poly
        while n:
            if n & 1:
                result = _mul(result, base, self.budget)
            n >>= 1
            if n:
                base = _mul(base, base, self.budget)
        return result

    def _exp(self, argument) -> Quotient:
        num, den = self.convert(argument)
        if den:
            return self._opaque(sympy.exp(argument))  # exp of a quotient: no independence known
        out_num: Poly = dict(ONE)
        out_den: dict = {}
        for mono, c in num.items():
            if any(name.startswith(("\x01R", "\x01O")) for name, _ in mono):
                self.opaque = True  # exp of a root or opaque part: independence not certified
            d = self.exp_denominators.get(mono, 1)
            power = Fraction(c) * d
            if power.denominator != 1:
                return self._opaque(sympy.exp(argument))
            name = self._unknown(("exp", mono, d), "E")
            if not _has_unknowns({mono: 1}):
                self.level_one.append({mono: 1})
            k = int(power)
            if abs(k) > 256:
                raise Undecided("budget")
            if k > 0:
                out_num = _mul(out_num, {((name, k),): 1}, self.budget)
            else:
                key = ((((name, 1),), Fraction(1)),)
                out_den[key] = ({((name, 1),): Fraction(1)}, -k)
        return out_num, out_den

    def reduce(self, poly: Poly) -> Poly:
        """`poly` times a non-zero factor, reduced modulo the roots' relations R^q D = N (a
        pseudo-remainder in each root): zero exactly when the relations prove poly = 0."""
        for _ in range(4 * len(self.relations) + 1):
            changed = False
            for name, (q, rad_num, rad_den) in self.relations.items():
                while True:
                    high = {m: c for m, c in poly.items() if dict(m).get(name, 0) >= q}
                    if not high:
                        break
                    changed = True
                    low = {m: c for m, c in poly.items() if m not in high}
                    lowered = {tuple((n, p - q) if n == name else (n, p) for n, p in m if not (n == name and p == q)): c
                               for m, c in high.items()}
                    poly = _add(_mul(low, rad_den, self.budget), _mul(lowered, rad_num, self.budget), self.budget)
            if not changed:
                break
        return poly


def _has_unknowns(poly: Poly) -> bool:
    return any(name.startswith("\x01") for mono in poly for name, _ in mono)


def _independent(vectors: list) -> bool:
    """Whether the polynomials are Q-linearly independent modulo constants (exact elimination)."""
    rows: list[tuple[Monomial, dict]] = []
    for vector in vectors:
        row = {m: Fraction(c) for m, c in vector.items() if m}
        for pivot, pivot_row in rows:
            if pivot in row:
                factor = row[pivot] / pivot_row[pivot]
                for m, c in pivot_row.items():
                    v = row.get(m, 0) - factor * c
                    if v:
                        row[m] = v
                    else:
                        row.pop(m, None)
        if not row:
            return False
        rows.append((min(row), row))
    return True




def _key(poly: Poly) -> tuple:
    return tuple(sorted(poly.items()))


def decide_smooth(difference, budget: Budget) -> tuple[Decision, str]:
    """Whether an expression free of kinks is identically zero: ("equal", ""), ("different", "")
    or ("review", reason). Raises nothing: the budget running out is a review."""
    decision = _decide(difference, ExactField(budget))
    if decision == ("review", "no-exact-procedure") and difference.has(sympy.tanh):
        # exp of an expression with tanh (a tanh layer under softmax): tanh as the unknown
        second = _decide(difference, ExactField(budget, tanh_unknowns=True))
        if second[0] != "review":
            return second
    return decision


def _decide(difference, exact: ExactField) -> tuple[Decision, str]:
    try:
        exact.prepare(difference)
        num, den = exact.convert(difference)
        if not num:
            return "equal", ""
        if exact.relations:
            if not exact.reduce(num):
                return "equal", ""
            return "review", "algebraic"
        if exact.opaque:
            return "review", "no-exact-procedure"
        if exact.tanh_unknowns and not _independent(list({_key(v): v for v in exact.level_one}.values())):
            return "review", "no-exact-procedure"  # tanh(u) and exp(m) of dependent arguments
        return "different", ""
    except Undecided as stop:
        return "review", stop.reason
