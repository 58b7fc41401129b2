"""Exact equivalence of a student's expression and the reference: a proof either way, or review.

Decided without sampling, tolerance or floating point (docs/answer-format.md states the
procedure of each class):
1. polynomials (every conv/dense gradient): both sides expanded (monomial -> exact rational
   coefficient) and compared; a right answer that the parser read straight into a polynomial
   (`poly_matches_entry`) never becomes a sympy expression at all;
2. rational functions and the exponential class (exp, tanh, sigmoid, softmax, sech, ...):
   the difference as an exact quotient of polynomials over the symbols and one independent
   unknown per exp of a monomial (`exact.py`); roots with their defining relations, where a
   difference that the relations do not cancel is a refusal, not a verdict;
3. kinks (relu, max, min, abs, the step, leaky relu, max-pool routing): a case split on the
   signs of their linear arguments with infeasible cases pruned exactly (`piecewise.py`), each
   case decided by 1-2.
4. what 2-3 leave undecided can still be proved wrong by a witness: a fixed rational point where
   interval arithmetic separates the two values (`witness.py`; it can only refuse).
What none of these proves within the entry's budget (`Budget`, counted in polynomial term
operations, so the verdict does not depend on the machine's load) is `review`: 0 points, and
an instructor decides.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import sympy

from .exact import Budget, Decision, decide_smooth
from .piecewise import decide_kinks, has_kinks
from .polynomials import ExpansionTooBig, Poly, add_into, to_poly
from .witness import differ

if TYPE_CHECKING:
    from reference.symbolic import EntryGradient

__all__ = ["Budget", "DEFAULT_STEPS", "Decision", "Verdict", "ExpansionTooBig", "equivalent", "equivalent_to_entry",
           "poly_matches_entry", "reference_poly", "to_poly"]

# Polynomial term operations one decision may spend when the caller gives no budget (the
# spec's `limits: {decision_steps: N}` sets the graded entries', docs/answer-format.md#budgets).
DEFAULT_STEPS = 200_000

# expansion: polynomials compared; exact: the exact field; cases: a case split over kinks;
# witness: a point where interval arithmetic proves the two different (witness.py).
VerdictMethod = Literal["expansion", "exact", "cases", "witness", "undecided"]


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


def equivalent_to_entry(student: sympy.Expr, entry: EntryGradient, seed: int = 0,
                        budget: Budget | None = None) -> Verdict:
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
    return equivalent(student, entry.expr, seed, budget)


def equivalent(student: sympy.Expr, reference: sympy.Expr, seed: int = 0, budget: Budget | None = None) -> Verdict:
    """Whether the two expressions are identical as functions of their symbols: proved equal,
    proved different, or review (see the module's docstring). `seed` is unused: no decision
    depends on it. Raises nothing; the budget running out is a review."""
    budget = budget or Budget(DEFAULT_STEPS)
    if student == reference:
        return Verdict("equal", "expansion")
    try:
        a = to_poly(student)
        b = to_poly(reference) if a is not None else None
        if a is not None and b is not None:
            return Verdict(a == b, "expansion")
    except ExpansionTooBig:
        pass  # the exact field below expands under the entry's budget instead
    if has_kinks(student) or has_kinks(reference):
        decision, reason = decide_kinks(student, reference, budget)
        method: VerdictMethod = "cases"
    else:
        decision, reason = decide_smooth(student - reference, budget)
        method = "exact"
    if decision == "review" and differ(student, reference, budget):
        return Verdict("different", "witness")  # a point where the two certainly differ
    return Verdict(decision, method if decision != "review" else "undecided", reason)
