"""Property: the reference plus any non-zero term is never credited (tests/_wrong_terms.py), in
several exercises and for every class of term; and the true rewritings still are."""
from __future__ import annotations

import pytest
import sympy
from hypothesis import HealthCheck, given, settings

from pathlib import Path

from _wrong_terms import CLASSES, wrong_terms
from grader.answers.equivalence import equivalent, equivalent_to_entry
from grader.pipeline import grade
from grader.spec.load import load_exercise
from test_reading_fixtures import expectations

# (exercise, target, 0-based index): a polynomial, a step, an exponential and a root entry
ENTRIES = [("conv2d-3x3-k2x1", "X", (1, 0)), ("relu-4", "x", (1,)), ("softmax-cross-entropy-2x3", "Z", (0, 1)),
           ("sigmoid-4", "x", (2,)), ("batchnorm-3x2", "X", (0, 1)), ("tanh-4", "x", (0,)),
           ("gelu-4", "z", (1,)), ("layer-norm-2x3", "X", (1, 2))]
EXAMPLES = 20  # per (entry, class) here; benchmarks/never_credited.py runs 10,000 per class


def _entry(name, target, index):
    exercise = load_exercise(name)
    return exercise.solution[target][index]


@pytest.mark.parametrize("kind", CLASSES)
@pytest.mark.parametrize("name,target,index", ENTRIES, ids=[e[0] for e in ENTRIES])
def test_reference_plus_a_non_zero_term_is_never_credited(name, target, index, kind):
    entry = _entry(name, target, index)
    symbols = sorted(entry.expr.free_symbols, key=lambda s: s.name) or [sympy.Symbol("x[1]")]

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(wrong_terms(symbols, kind))
    def check(term):
        verdict = equivalent_to_entry(entry.expr + term, entry)
        assert not verdict.equivalent, f"credited: reference + {term}"

    check()


x, y, a, s, d = sympy.symbols("x y a s d")
sigma = lambda t: 1 / (1 + sympy.exp(-t))  # noqa: E731
TRUE_REWRITINGS = [
    (sympy.exp(2 * a), sympy.exp(a) ** 2 * (1 + x - x)),
    (sympy.exp(2 * a) * x, sympy.exp(a) * sympy.exp(a) * x),
    (sigma(x) * (1 - sigma(x)), sympy.exp(-x) / (1 + sympy.exp(-x)) ** 2),
    # softmax shifted by the maximum: the same function
    (sympy.exp(x) / (sympy.exp(x) + sympy.exp(y)),
     sympy.exp(x - sympy.Max(x, y)) / (sympy.exp(x - sympy.Max(x, y)) + sympy.exp(y - sympy.Max(x, y)))),
    (1 / sympy.sqrt(x ** 2 + 1), sympy.sqrt(x ** 2 + 1) / (x ** 2 + 1)),  # 1/s = s/s^2, s a root
    (d * sympy.Heaviside(x, 0), d * sympy.Max(0, x) ** 0 * sympy.Heaviside(x, 0)),
    (sympy.Max(0, x), x * sympy.Heaviside(x, 0)),  # relu, branch form
    (sympy.Max(0, x) - sympy.Max(0, -x), x),
    (sympy.Max(x, y), (x + y + sympy.Abs(x - y)) / 2),
    (sympy.tanh(x), 2 * sigma(2 * x) - 1),
    # GELU's derivative: erf is odd, one unknown per argument however the root of 2 is written
    ((1 + sympy.erf(x / sympy.sqrt(2))) / 2 + x * sympy.exp(-x ** 2 / 2) / sympy.sqrt(2 * sympy.pi),
     (1 - sympy.erf(-sympy.sqrt(2) * x / 2)) / 2 + x * sympy.sqrt(sympy.exp(-x ** 2)) * sympy.sqrt(2 / sympy.pi) / 2),
    (sympy.erf(x * y + x), sympy.erf(x * (y + 1))),
    (sympy.erf(x / sympy.sqrt(8)), sympy.erf(sympy.sqrt(2) * x / 4)),
]


@pytest.mark.parametrize("student,reference", TRUE_REWRITINGS, ids=[str(r[1])[:40] for r in TRUE_REWRITINGS])
def test_true_rewritings_are_credited(student, reference):
    assert equivalent(student, reference).equivalent


VERDICTS = Path(__file__).resolve().parent / "fixtures" / "verdicts"
FIXTURES = sorted(p for p in VERDICTS.iterdir() if p.is_file())


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name for p in FIXTURES])
def test_false_credit_fixtures_through_the_whole_pipeline(path):
    """Each fixture of a false-credit pattern (in several exercises) graded as users grade it,
    with intermediates and data substituted: what it must not credit is not credited, the true
    rewritings beside them are, and nothing is left to review."""
    name, credit, no_credit = expectations(path)
    report = grade(load_exercise(name), path)
    got = {f"{c.target}[{','.join(map(str, c.index))}]": c for c in report.checks}
    assert {e for e in credit if got[e].status != "pass"} == set(), "not credited"
    assert {e for e in no_credit if got[e].status == "pass"} == set(), "false credit"
    assert report.reviews == ()
