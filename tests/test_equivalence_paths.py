"""The reference's polynomial built path by path agrees with expanding its expression, and an
expansion too big to attempt falls through to the exact field (or review), never to credit."""
import pytest
import sympy

from grader.answers.equivalence import (Budget, equivalent, equivalent_to_entry, poly_matches_entry, reference_poly,
                                        to_poly)
from grader.spec.load import bundled_ids, load_exercise


@pytest.mark.parametrize("exercise_id", bundled_ids())
def test_the_reference_polynomial_is_the_expanded_reference(exercise_id):
    exercise = load_exercise(exercise_id)
    for target in exercise.targets:
        entry = exercise.solution[target.name][target.entries[0]]
        built = reference_poly(entry)
        if built is None:  # not a polynomial (exp, a kink): only the exact field decides
            assert not poly_matches_entry({}, entry)
            continue
        assert built == to_poly(entry.expr)
        assert poly_matches_entry(built, entry)
        assert equivalent_to_entry(entry.expr, entry).equivalent


def test_an_expansion_too_big_is_decided_without_it():
    xs = sympy.symbols("x[1:9]")
    huge = sum(xs) ** 12  # C(19, 7) = 50388 monomials: more than an expansion attempts
    verdict = equivalent(huge, huge + 1, budget=Budget(2_000))
    assert not verdict.equivalent
    entry = load_exercise("conv2d-3x3-k2x1").solution["X"][(0, 0)]
    assert not equivalent_to_entry(huge, entry, budget=Budget(2_000)).equivalent
