"""The catalogue of maths functions (reference/functions.py) is the one place a function is
defined: every spelling of every entry is read by both notations and by the matrix-form reader,
its derivative is exact and agrees with numpy, and each element-wise entry is an op whose
exercise grades its own reference answer. Adding a function (softplus, ELU, SiLU) is one entry."""
from fractions import Fraction

import numpy as np
import pytest
import sympy

from grader.answers.parsing import parse_expression, parse_matrix_form
from grader.pipeline import GradeOptions, grade
from grader.spec.load import parse_exercise
from reference import functions
from reference.functions import CATALOGUE

ENTRIES = sorted(CATALOGUE)
OPS = [fn.name for fn in functions.element_wise_ops()]
POINTS = [Fraction(-3, 2), Fraction(-1, 3), Fraction(1, 5), Fraction(7, 4)]

SPEC = """id: cat-{ident}
title: t
statement: "y = f(x)"
inputs:
  x: {{shape: [3], symbol: x}}
graph:
  - {{op: {name}, inputs: [x], output: y}}
output: {{name: y, symbol: y}}
upstream: {{name: dy, symbol: dy}}
targets:
  x: {{points: 3, per_entry: true}}
"""


def _notation(name="sigmoid"):
    return parse_exercise(SPEC.format(name=name, ident=name), "cat.yaml").notation


def _value(expr, z, at):
    return float(sympy.N(expr.subs(z, sympy.Rational(at.numerator, at.denominator)), 30))


@pytest.mark.parametrize("name", OPS)
def test_each_op_entry_agrees_with_numpy_and_finite_differences(name):
    fn = CATALOGUE[name]
    p = fn.param[1] if fn.param else 0.0
    z = sympy.Symbol("z")
    args = (fn.param[1],) if fn.param else ()
    points = [q for q in POINTS if q > 0] if fn.positive_domain else POINTS
    for q in points:
        x = float(q)
        h = 1e-6
        numeric = float(fn.numeric(np.array([x]), p)[0])
        slope = float(fn.numeric_grad(np.array([x]), p)[0])
        assert _value(fn.symbolic(z, *args), z, q) == pytest.approx(numeric, rel=1e-9, abs=1e-12)
        assert _value(fn.derivative(z, *args), z, q) == pytest.approx(slope, rel=1e-9, abs=1e-12)
        fd = (float(fn.numeric(np.array([x + h]), p)[0]) - float(fn.numeric(np.array([x - h]), p)[0])) / (2 * h)
        assert fd == pytest.approx(slope, rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("name", ENTRIES)
def test_every_spelling_of_every_entry_is_read_in_its_notation(name):
    fn = CATALOGUE[name]
    notation = _notation()
    args = "x[1], x[2]" if fn.arity is None else "x[1]"
    latex_args = "x_{1}, x_{2}" if fn.arity is None else "x_{1}"
    for spelling in fn.plain:
        assert parse_expression(f"{spelling}({args})", notation, style="plain") is not None
    for spelling in fn.latex + tuple(f"\\operatorname{{{n}}}" for n in fn.operatorname):
        command = spelling if spelling.startswith("\\") else "\\" + spelling
        assert parse_expression(f"{command}({latex_args})", notation, style="latex") is not None
    for spelling in fn.unicode:
        assert parse_expression(f"{spelling}(x_{{1}})", notation, style="latex") is not None
    if fn.arity == 1 and fn.plain:
        read = parse_expression(f"{fn.plain[0]}(x[1])", notation, style="plain")
        assert read == fn.symbolic(parse_expression("x[1]", notation, style="plain"))


@pytest.mark.parametrize("name", [n for n in ENTRIES if CATALOGUE[n].derivative and CATALOGUE[n].plain])
def test_the_derivative_is_read_by_name_with_a_prime(name):
    fn = CATALOGUE[name]
    notation = _notation()
    read = parse_expression(f"{fn.plain[0]}'(x[1])", notation, style="plain")
    assert read == fn.derivative(parse_expression("x[1]", notation, style="plain"))


@pytest.mark.parametrize("name", [n for n in OPS if CATALOGUE[n].param is None and CATALOGUE[n].plain])
def test_the_matrix_form_applies_each_op_entry_entry_by_entry(name):
    fn = CATALOGUE[name]
    notation = _notation()
    matrix = parse_matrix_form(f"dY \\odot {fn.plain[0]}'(X)", notation)
    assert matrix is not None


@pytest.mark.parametrize("name", OPS)
def test_an_exercise_of_each_op_entry_grades_its_reference_answer_full(name, tmp_path):
    fn = CATALOGUE[name]
    if fn.name in ("abs",):
        pytest.skip("abs needs fixed values (its derivative is the sign)")
    exercise = parse_exercise(SPEC.format(name=name, ident=name.replace("_", "-")), "cat.yaml")
    if fn.positive_domain:
        pytest.skip("log's exercise is graded in tests/test_ops.py")
    answers = tmp_path / "a.yaml"
    right = {"exp": "dy[{i}]*exp(x[{i}])", "tanh": "dy[{i}]*(1 - tanh(x[{i}])^2)",
             "sigmoid": "dy[{i}]*sigma'(x[{i}])", "relu": "dy[{i}]*1[x[{i}] > 0]",
             "leaky_relu": "dy[{i}]*leaky_relu'(x[{i}])", "square": "2*dy[{i}]*x[{i}]",
             "gelu": "dy[{i}]*gelu'(x[{i}])", "softplus": "dy[{i}]*sigma(x[{i}])",
             "elu": "dy[{i}]*(1[x[{i}] > 0] + exp(x[{i}])*(1 - 1[x[{i}] > 0]))",
             "silu": "dy[{i}]*sigma(x[{i}])*(1 + x[{i}]*(1 - sigma(x[{i}])))"}[name]
    answers.write_text("".join(f"x[{i}]: {right.format(i=i)!r}\n" for i in (1, 2, 3)))
    report = grade(exercise, answers, GradeOptions(seed=0, timeout=None, lang="en", diagnose=False))
    assert report.score == 3, [(c.status, c.feedback) for c in report.checks]


@pytest.mark.parametrize("name, wrong", [
    ("softplus", "dy[1]*softplus(x[1])"),
    ("elu", "dy[1]*exp(x[1])"),
    ("elu", "dy[1]*1[x[1] > 0]"),
    ("silu", "dy[1]*sigma(x[1])"),
    ("silu", "dy[1]*silu(x[1])"),
])
def test_wrong_derivatives_of_the_new_entries_are_not_credited(name, wrong, tmp_path):
    exercise = parse_exercise(SPEC.format(name=name, ident=name.replace("_", "-")), "cat.yaml")
    answers = tmp_path / "a.yaml"
    answers.write_text(f"x[1]: {wrong!r}\n")
    report = grade(exercise, answers, GradeOptions(seed=0, timeout=None, lang="en", diagnose=False))
    assert report.score == 0


def test_one_spelling_names_one_function():
    functions._index()  # raises when two entries share a spelling


def test_an_unknown_function_lists_the_catalogue():
    from grader.answers.parsing import ParseError

    with pytest.raises(ParseError) as info:
        parse_expression("foo(x[1])", _notation(), style="plain")
    for name in ("sigmoid", "softplus", "tanh", "relu"):
        assert name in str(info.value)
