"""Exact equivalence of a student's expression and the reference.

Decided without any floating tolerance:
1. when both sides are polynomials in their symbols (every conv/dense gradient is), both are
   expanded (monomial -> exact rational coefficient) and compared: equal coefficients prove
   them equal, and for these answers expansion is cheaper than any evaluation;
2. otherwise, exact rational evaluation at a few random points first: any difference proves
   them different; it is also the fallback when an expansion would be too large (a polynomial
   identity that holds at random 30-digit rationals is an identity but with negligible odds);
3. answers with exp, tanh and sigmoid: the same exact evaluation, with exp(monomial) given
   independent random values (exp of distinct monomials are algebraically independent, so an
   identity there is an identity of the functions): no floats, no `simplify`;
4. only for the rest (sqrt, non-integer powers): sympy's `cancel` or `simplify` of the
   difference; if sympy cannot decide, 50-digit evaluation at several random points settles
   it and the verdict says it was numeric.
ReLU's derivative, the step Heaviside(z, 0) (1 for z > 0, 0 for z <= 0), is decided branch by
branch first: every step is set to 0 and to 1, in every combination, and the step-free sides
compared by the steps above (see `_by_branches`).
A right answer that the parser read straight into a polynomial (`poly_matches_entry`) never
becomes a sympy expression at all.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Iterable, Literal

import sympy

from .evaluate import Exponentials, NotRational, evaluate
from .polynomials import ExpansionTooBig, Poly, add_into, to_poly

if TYPE_CHECKING:
    from reference.symbolic import EntryGradient

__all__ = ["Verdict", "ExpansionTooBig", "equivalent", "equivalent_to_entry", "poly_matches_entry",
           "random_points", "reference_poly", "to_poly"]

POINTS = 3
# At most 2**MAX_STEP_UNITS branch combinations; beyond that, only sympy's `cancel` may credit.
MAX_STEP_UNITS = 8
_WEAKEST = ("numeric", "simplification", "evaluation", "expansion")


VerdictMethod = Literal["evaluation", "expansion", "simplification", "numeric", "undecided"]
# equal and different are proofs; review: neither could be proved within the budget.
Decision = Literal["equal", "different", "review"]


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    method: VerdictMethod
    reason: str = ""  # for review: why no proof was found, a kebab-case id (docs/answer-format.md)

    def __init__(self, decision: "Decision | bool", method: VerdictMethod, reason: str = "") -> None:
        if isinstance(decision, bool):
            decision = "equal" if decision else "different"
        object.__setattr__(self, "decision", decision)
        object.__setattr__(self, "method", method)
        object.__setattr__(self, "reason", reason)

    @property
    def equivalent(self) -> bool:
        """Proved equal (the only verdict that earns credit)."""
        return self.decision == "equal"

    @property
    def review(self) -> bool:
        return self.decision == "review"


def random_points(symbols: Iterable[sympy.Symbol], seed: int, count: int = POINTS) -> list[dict[Any, Fraction]]:
    """Exact random points: large random integers over small ones, so no cancellation is a coincidence."""
    ordered = sorted(set(symbols), key=lambda s: s.name)
    rng = random.Random(seed)
    return [{s: Fraction(rng.randint(-10**9, 10**9), rng.randint(1, 997)) for s in ordered} for _ in range(count)]


def reference_poly(entry: EntryGradient) -> Poly | None:
    """The expanded polynomial of a reference EntryGradient, built from its paths (no sympy Add)."""
    total: Poly = {}
    try:
        for path, upstream in zip(entry.paths, entry.upstream_symbols):
            if upstream is not None and isinstance(path.local, sympy.Symbol):
                # Most conv/dense paths: the upstream symbol times one entry, one monomial.
                add_into(total, {_product(upstream.name, path.local.name): 1})
                continue
            local = to_poly(path.local)
            if local is None:
                return None
            if upstream is not None:
                # Times one symbol: merge it into each monomial (no general multiplication).
                up = upstream.name
                local = {tuple(sorted(dict(mono, **{up: dict(mono).get(up, 0) + 1}).items())): c
                         for mono, c in local.items()}
            add_into(total, local)
    except ExpansionTooBig:
        return None
    return total


def _product(a: str, b: str) -> tuple[tuple[str, int], ...]:
    """The monomial a*b, sorted as `to_poly` sorts it."""
    if a == b:
        return ((a, 2),)
    return ((a, 1), (b, 1)) if a < b else ((b, 1), (a, 1))


def poly_matches_entry(poly: Poly, entry: EntryGradient) -> bool:
    """Whether an answer read straight into a polynomial equals the reference entry (False when the
    reference is no polynomial: then only `equivalent_to_entry` decides)."""
    expected = reference_poly(entry)
    return expected is not None and poly == expected


def equivalent_to_entry(student: sympy.Expr, entry: EntryGradient, seed: int = 0) -> Verdict:
    """`equivalent` against a reference EntryGradient, expanding it from its paths; the entry's
    sympy expression is only built when the answer is not a polynomial."""
    expected = reference_poly(entry)
    if expected is not None:
        try:
            got = to_poly(student)
            if got is not None:
                return Verdict(got == expected, "expansion")
        except ExpansionTooBig:
            pass
    return equivalent(student, entry.expr, seed)


def equivalent(student: sympy.Expr, reference: sympy.Expr, seed: int = 0) -> Verdict:
    """Whether the two expressions are identical as functions of their symbols (exactly)."""
    if student.has(sympy.Heaviside) or reference.has(sympy.Heaviside):
        verdict = _by_branches(student, reference, seed)
        if verdict is not None:
            return verdict
    too_big = False
    try:
        a = to_poly(student)
        b = to_poly(reference) if a is not None else None
        if a is not None and b is not None:
            return Verdict(a == b, "expansion")
    except ExpansionTooBig:
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
        return Verdict("review", "undecided", "expansion-too-large")
    if not rational:
        verdict = _exponential_evaluation(student, reference, symbols, seed)
        if verdict is not None:
            return verdict
        # Roots (batch norm's sqrt(var + eps)) and tanh: exact evaluation with them as unknowns;
        # a difference is then found numerically before sympy's simplify, which takes seconds
        # on a batch-norm entry.
        if _equal_over_atoms(student, reference, symbols, seed):
            return Verdict(True, "evaluation")
        numeric = _numeric(student, reference, symbols, seed)
        if not numeric.equivalent:
            return numeric
    difference = sympy.cancel(student - reference) if rational else sympy.simplify(student - reference)
    if difference == 0:
        return Verdict(True, "simplification")
    if rational:
        return Verdict(False, "simplification")
    return _numeric(student, reference, symbols, seed)


def _step_unit(argument: sympy.Expr) -> Any:
    """Steps of arguments equal up to a positive factor (z and 2z) are one step: the same 0 or 1
    everywhere, at z = 0 too."""
    try:
        poly = to_poly(argument)
    except ExpansionTooBig:
        poly = None
    if not poly:
        return argument
    scale = abs(Fraction(poly[min(poly)]))
    return tuple(sorted((mono, Fraction(c) / scale) for mono, c in poly.items()))


def _by_branches(student: sympy.Expr, reference: sympy.Expr, seed: int) -> Verdict | None:
    """Equal on every branch of every step, or None when the steps are too many (or not ReLU's).

    Each step is given the value 0 and the value 1, independently, and the two sides, now free of
    steps, must be equal as functions. That is exact: at any point each step is 0 or 1 (0 where
    its argument is 0, relu'(0) = 0), so the sides take the values of one such combination there,
    where they are equal everywhere. Combinations no point reaches (z > 0 and -z > 0) are checked
    too, which can only refuse, never credit.
    """
    steps = student.atoms(sympy.Heaviside) | reference.atoms(sympy.Heaviside)
    if any(h.args[1:] != (0,) or h.args[0].has(sympy.Heaviside) for h in steps):
        return None
    units: dict[Any, list[Any]] = {}
    for h in sorted(steps, key=sympy.default_sort_key):
        units.setdefault(_step_unit(h.args[0]), []).append(h)
    if len(units) > MAX_STEP_UNITS:
        return None
    weakest: VerdictMethod = "expansion"
    for bits in itertools.product((sympy.S.Zero, sympy.S.One), repeat=len(units)):
        values = {h: bit for group, bit in zip(units.values(), bits) for h in group}
        verdict = equivalent(student.xreplace(values), reference.xreplace(values), seed)
        if not verdict.equivalent:
            return verdict
        weakest = min(weakest, verdict.method, key=_WEAKEST.index)
    return Verdict(True, weakest)


def _equal_over_atoms(student: sympy.Expr, reference: sympy.Expr, symbols: Iterable[sympy.Symbol], seed: int) -> bool:
    """Exact evaluation at random rational points, with every root v^(1/q) kept as an unknown u
    with u^q = v (so sqrt(v)^2 and v agree, as batch norm needs), exp(k z) as E_z^k, tanh
    through exp, and any other non-rational part as a free unknown: equal at the random points,
    they are equal, with the same negligible odds of a coincidence as the polynomial evaluation
    above."""
    atoms: dict[Any, Any] = {}
    roots: dict[Any, tuple[Any, int]] = {}  # unknown -> (radicand, q)

    def unknown(key: Any) -> Any:
        if key not in atoms:
            atoms[key] = sympy.Dummy(f"atom{len(atoms)}")
        return atoms[key]

    def replace(expr: Any) -> Any:
        if isinstance(expr, (sympy.Symbol, sympy.Rational)):
            return expr
        if isinstance(expr, sympy.Pow) and expr.exp.is_Integer:
            return sympy.Pow(replace(expr.base), expr.exp)
        if isinstance(expr, sympy.Pow) and expr.exp.is_Rational:
            base, q = replace(expr.base), int(expr.exp.q)
            u = unknown(("root", base, q))
            roots[u] = (base, q)
            whole, part = divmod(int(expr.exp.p), q)  # v^(p/q) = v^whole * u^part
            return sympy.Pow(base, whole) * sympy.Pow(u, part)
        if isinstance(expr, (sympy.Add, sympy.Mul)):
            return expr.func(*(replace(a) for a in expr.args))
        if isinstance(expr, sympy.exp):
            return exp_of(expr.args[0])
        if isinstance(expr, sympy.tanh):  # tanh z = (e^2z - 1)/(e^2z + 1)
            e2 = exp_of(2 * expr.args[0])
            return (e2 - 1) / (e2 + 1)
        return unknown(expr)

    def exp_of(argument: Any) -> Any:
        """exp(a + 2b - c) as E_a * E_b^2 / E_c: exp(-z) and 1/exp(z) become the same."""
        product = sympy.S.One
        for term in sympy.Add.make_args(argument):
            coefficient, core = term.as_coeff_Mul()
            if coefficient.is_Integer and core is not sympy.S.One:
                product *= unknown(("exp", core)) ** int(coefficient)
            else:
                product *= unknown(("exp", term))
        return product

    try:
        difference = replace(student) - replace(reference)
        for point in random_points(symbols, seed):
            subs = {s: sympy.Rational(v.numerator, v.denominator) for s, v in point.items()}
            numerator, _ = sympy.fraction(sympy.cancel(difference.xreplace(subs)))
            for u, (base, q) in roots.items():
                numerator = sympy.rem(sympy.expand(numerator), u**q - base.xreplace(subs), u)
            if sympy.expand(numerator) != 0:
                return False
        return True
    except (sympy.PolynomialError, ZeroDivisionError, RecursionError):
        return False


def _exponential_evaluation(student: sympy.Expr, reference: sympy.Expr, symbols: Iterable[sympy.Symbol],
                            seed: int) -> Verdict | None:
    """Exact evaluation with exp(monomial) as independent values (see evaluate.Exponentials), or
    None when a part has no such value (sqrt, a non-integer power): then sympy decides."""
    decided = False
    for i, point in enumerate(random_points(symbols, seed)):
        exps = Exponentials(seed * 7919 + i)
        try:
            if evaluate(student, point, exps=exps) != evaluate(reference, point, exps=exps):
                return Verdict(False, "evaluation")
            decided = True
        except NotRational:
            return None
        except ZeroDivisionError:
            continue
    return Verdict(True, "evaluation") if decided else None


def _numeric(student: sympy.Expr, reference: sympy.Expr, symbols: Iterable[sympy.Symbol], seed: int) -> Verdict:
    rng = random.Random(seed + 1)
    for _ in range(5):
        subs = {s: sympy.Rational(rng.randint(-2000, 2000), 1000) for s in symbols}
        a = sympy.N(student.xreplace(subs), 50)
        b = sympy.N(reference.xreplace(subs), 50)
        if abs(a - b) > sympy.Float(10, 50) ** -40 * (1 + abs(b)):
            return Verdict(False, "numeric")
    # Agreement at a few points is no proof: never credit.
    return Verdict("review", "undecided", "no-exact-procedure")
