"""Equivalence beyond polynomials: answers with exp, tanh and sigmoid are decided exactly, as
quotients of polynomials over independent exp(monomial) unknowns (no sampling, no floats, no
`simplify`), and a wrong one is proved wrong as fast as a right one is proved right."""
from __future__ import annotations

import pytest
import sympy
from sympy import exp, tanh

from grader.answers.equivalence import equivalent

a, b, w, x = sympy.symbols("a b w x")
z = w * x + b


def sigma(t):
    return 1 / (1 + exp(-t))


TABLE = [
    # (student, reference, equivalent?)
    (sigma(z), exp(z) / (exp(z) + 1), True),
    (sigma(z) * (1 - sigma(z)), exp(-z) / (1 + exp(-z)) ** 2, True),          # sigma'
    (tanh(z), (exp(2 * z) - 1) / (exp(2 * z) + 1), True),
    (1 - tanh(z) ** 2, 4 / (exp(z) + exp(-z)) ** 2, True),                    # tanh'
    (tanh(z), 2 * sigma(2 * z) - 1, True),
    (exp(a + b), exp(a) * exp(b), True),
    (exp(2 * a), exp(a) ** 2, True),
    (x * sigma(z) * (1 - sigma(z)) * (a + b), x * (a + b) * exp(-z) / (1 + exp(-z)) ** 2, True),
    (sigma(z) * (1 - sigma(z)), sigma(z), False),                           # the derivative forgotten
    (exp(a * b), exp(a) * exp(b), False),
    (tanh(z), sigma(z), False),
    (1 - tanh(z) ** 2, 1 - tanh(z), False),
    (x * sigma(z), w * sigma(z), False),                                     # the wrong input
    (sympy.Max(0, z), sympy.Max(0, z), True),
]


@pytest.mark.parametrize("student,reference,expected", TABLE, ids=[str(r[0])[:30] for r in TABLE])
def test_non_polynomial_answers(student, reference, expected):
    verdict = equivalent(student, reference)
    assert verdict.equivalent is expected
    if not student.has(sympy.Max):
        assert verdict.method in ("exact", "expansion") and not verdict.review


def test_no_simplify_is_needed(monkeypatch):
    """The exponential path never calls sympy's simplify (what took tens of seconds per entry)."""
    def refuse(*args, **kwargs):
        raise AssertionError("simplify called")

    monkeypatch.setattr(sympy, "simplify", refuse)
    for student, reference, expected in TABLE[:-1]:
        assert equivalent(student, reference).equivalent is expected


def test_comparisons_of_exponentials_are_not_evaluated_with_stand_in_values():
    # max(0, sigma(z)) is sigma(z) for real z, but no linear form decides the kink.
    # A kink of a non-linear argument has no exact procedure: review, never a guess.
    assert equivalent(sympy.Max(0, sigma(z)), sigma(z)).review


def test_roots_that_the_relations_do_not_settle_go_to_review():
    # |ab| = |a||b| holds, but u^2 = a^2 b^2, v^2 = a^2, w^2 = b^2 do not give u = vw: a refusal.
    assert equivalent(sympy.sqrt(a ** 2 * b ** 2), sympy.sqrt(a ** 2) * sympy.sqrt(b ** 2)).review


def test_a_witness_point_proves_what_the_exact_classes_leave_open():
    # sqrt(a^2) is |a|: the relation u^2 = a^2 does not give u = a, but a = -11/3 + 1/5 does
    verdict = equivalent(sympy.sqrt(a ** 2), a)
    assert verdict.decision == "different" and verdict.method == "witness"
    assert equivalent(sympy.Max(0, sigma(z)) + 1, sigma(z)).decision == "different"
    assert equivalent(sympy.log(1 + exp(z)), z).decision == "different"
    # ... and never credits: an identity it cannot prove stays a review
    assert equivalent(sympy.Max(0, sigma(z)), sigma(z)).review
