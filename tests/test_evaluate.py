"""`evaluate`, table-driven: each row is (expression, exact value or error, float value or error)."""
import math
from fractions import Fraction

import pytest
import sympy

from grader.answers.evaluate import NotRational, evaluate

x, y = sympy.symbols("x[1] x[2]")
AT = {x: Fraction(3, 2), y: Fraction(-2)}
FLOATS = {x: 1.5, y: -2.0}
e = sympy.Symbol("e")

ROWS = [
    (x, Fraction(3, 2), 1.5),
    (sympy.Rational(1, 3), Fraction(1, 3), 1 / 3),
    (x + y + 1, Fraction(1, 2), 0.5),
    (2 * x * y, Fraction(-6), -6.0),
    (x ** 2, Fraction(9, 4), 2.25),
    (y ** -1, Fraction(-1, 2), -0.5),
    (sympy.Pow(x, sympy.Rational(1, 2), evaluate=False), NotRational, math.sqrt(1.5)),
    (sympy.Float("0.25") * x, Fraction(3, 8), 0.375),
    (sympy.Heaviside(x), Fraction(1), 1.0),
    (sympy.Heaviside(y), Fraction(0), 0.0),
    (sympy.Max(x, y), Fraction(3, 2), 1.5),
    (sympy.Min(x, y), Fraction(-2), -2.0),
    (sympy.exp(x), NotRational, math.exp(1.5)),
    (sympy.tanh(x), NotRational, math.tanh(1.5)),
    (sympy.log(x), NotRational, math.log(1.5)),
    (sympy.pi * x, NotRational, math.pi * 1.5),
    (sympy.E * x, NotRational, math.e * 1.5),
    (sympy.sin(x), NotRational, math.sin(1.5)),  # anything else: sympy's own evalf
]


@pytest.mark.parametrize("expr, exact, approximate", ROWS, ids=[str(r[0]) for r in ROWS])
def test_evaluate(expr, exact, approximate):
    if exact is NotRational:
        with pytest.raises(NotRational):
            evaluate(expr, AT)
    else:
        assert evaluate(expr, AT) == exact
    assert evaluate(expr, FLOATS, exact=False) == pytest.approx(approximate, rel=1e-12)


def test_division_by_zero_and_unknown_symbols_raise():
    with pytest.raises(ZeroDivisionError):
        evaluate(x ** -2, {x: Fraction(0)})
    with pytest.raises(KeyError):
        evaluate(e, AT)
