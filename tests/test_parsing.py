"""What students may write, as a table: each row is (text, style, the sympy expression it means).

docs/answer-format.md mirrors these tables; a row added here is a form the grader accepts.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy
from sympy import Add, Integer, Max, Mul, Pow, Rational, exp, sqrt, tanh

from grader.answers.parsing import (ParseError, ParseLimits, detect_style, parse_derivative_target, parse_expression,
                            parse_matrix, parse_with_style)
from grader.answers.parsing.printer import to_latex, to_plain
from conftest import SEED_NOTATION as SEED


def x(i, j):
    return SEED["X"].symbol((i - 1, j - 1))


def k(i):
    return SEED["K"].symbol((i - 1, 0))


def dy(i, j):
    return SEED["dY"].symbol((i - 1, j - 1))


def neg(e):
    return Mul(Integer(-1), e)


def inv(e):
    return Pow(e, Integer(-1))


K1_CORRECT = Add(*[Mul(dy(n, m), x(n, m)) for n in (1, 2) for m in (1, 2, 3)])
K2_CORRECT = Add(*[Mul(dy(n, m), x(n + 1, m)) for n in (1, 2) for m in (1, 2, 3)])

PLAIN = [
    ("x[1,1]", x(1, 1)),
    ("k[2]", k(2)),
    ("K[2,1]", k(2)),                                   # the full index of a 2x1 kernel
    ("dy[2,3]", dy(2, 3)),
    ("dy[1,1]*k[1]", Mul(dy(1, 1), k(1))),
    ("2x[1,1]", Mul(2, x(1, 1))),                        # implicit multiplication
    ("dy[1,1] k[2]", Mul(dy(1, 1), k(2))),
    ("(k[1] + k[2])(dy[2,1])", Mul(Add(k(1), k(2)), dy(2, 1))),
    ("dy[2,1]*(k[2] + k[1])", Mul(dy(2, 1), Add(k(1), k(2)))),
    ("x[1,1] - x[1,2] + -x[1,3]", Add(x(1, 1), neg(x(1, 2)), neg(x(1, 3)))),
    ("x[1,1]/2", Mul(x(1, 1), Rational(1, 2))),
    ("x[1,1] / (2 k[1])", Mul(x(1, 1), inv(Mul(2, k(1))))),
    ("0.25*k[1]", Mul(Rational(1, 4), k(1))),            # decimals are exact
    ("x[1,1]^2", Pow(x(1, 1), 2)),
    ("x[1,1]**2", Pow(x(1, 1), 2)),
    ("2^-1", Rational(1, 2)),
    ("2^3^2", Integer(512)),                              # right-associative
    ("-x[1,1]^2", neg(Pow(x(1, 1), 2))),
    ("exp(x[1,1])", exp(x(1, 1))),
    ("tanh(k[1])", tanh(k(1))),
    ("sigma(k[1])", inv(Add(1, exp(neg(k(1)))))),
    ("relu(k[1])", Max(0, k(1))),
    ("max(0, k[1])", Max(0, k(1))),
    ("sqrt(x[1,1])", sqrt(x(1, 1))),
    ("e^x[1,1]", exp(x(1, 1))),
    ("sum(dy[n,m]*x[n,m], (n, 1, 2), (m, 1, 3))", K1_CORRECT),
    ("sum(dy[n,m]*x[n+1,m], (n,1,2), (m,1,3))", K2_CORRECT),
    ("sum(n*x[n,1], (n, 1, 3))", Add(x(1, 1), Mul(2, x(2, 1)), Mul(3, x(3, 1)))),
    ("sum(x[n,1], (n, 3, 2))", Integer(0)),                # an empty sum
]

LATEX = [
    ("x_{1,1}", x(1, 1)),
    ("x_{2,1}", x(2, 1)),
    ("x_{21}", x(2, 1)),                                  # one digit per axis while axes are <= 9 long
    ("k_1", k(1)),
    ("k_{2}", k(2)),
    ("k_{2,1}", k(2)),
    (r"\frac{\partial C}{\partial y_{1,1}}", dy(1, 1)),
    (r"\frac{\delta C}{\delta y_{1,1}}", dy(1, 1)),
    (r"\frac{dC}{dy_{1,1}}", dy(1, 1)),
    (r"\frac{\mathrm{d} C}{\mathrm{d} y_{1,1}}", dy(1, 1)),
    (r"\frac{\partial \mathcal{C}}{\partial y_{1,1}}", dy(1, 1)),
    (r"\frac{\partial L}{\partial y_{1,1}}", dy(1, 1)),     # a loss alias
    (r"\partial C / \partial y_{1,1}", dy(1, 1)),
    ("\u2202C/\u2202y_{1,1}", dy(1, 1)),
    (r"\frac{\partial C}{\partial y_{1,1}} k_1", Mul(dy(1, 1), k(1))),
    (r"\frac{\partial C}{\partial y_{1,1}} * k_1", Mul(dy(1, 1), k(1))),
    (r"\frac{\partial C}{\partial y_{1,1}} \cdot k_1", Mul(dy(1, 1), k(1))),
    (r"\frac{\partial C}{\partial y_{1,1}} \times k_1", Mul(dy(1, 1), k(1))),
    (r"x_{1,1}k_1 + x_{2,1}k_2", Add(Mul(x(1, 1), k(1)), Mul(x(2, 1), k(2)))),
    (r"\left( k_1 + k_2 \right) \frac{\delta C}{\delta y_{2,1}}", Mul(Add(k(1), k(2)), dy(2, 1))),
    (r"\bigl[k_1 + k_2\bigr]^{2}", Pow(Add(k(1), k(2)), 2)),
    (r"{k_1}^2", Pow(k(1), 2)),
    (r"\frac{k_1}{2}", Mul(k(1), Rational(1, 2))),
    (r"\dfrac{1}{x_{1,1}}", inv(x(1, 1))),
    (r"x_{1,1}^{-1}", inv(x(1, 1))),
    (r"k_1 \, k_2 \; k_1 \! k_2", Mul(Pow(k(1), 2), Pow(k(2), 2))),
    (r"e^{x_{1,1}}", exp(x(1, 1))),
    (r"\exp\left(x_{1,1}\right)", exp(x(1, 1))),
    (r"\tanh{\left(k_1 \right)}", tanh(k(1))),
    (r"\sigma(k_1)", inv(Add(1, exp(neg(k(1)))))),
    (r"\operatorname{ReLU}(k_1)", Max(0, k(1))),
    (r"\max(0, k_1)", Max(0, k(1))),
    (r"\sqrt{x_{1,1}}", sqrt(x(1, 1))),
    (r"0.5 k_1", Mul(Rational(1, 2), k(1))),
    (r"\sum_{n=1}^{2} \sum_{m=1}^{3} \frac{\partial C}{\partial y_{n,m}} x_{n,m}", K1_CORRECT),
    (r"\sum_{n=1}^{2}\sum_{m=1}^{3} \frac{\delta C}{\delta y_{n,m}} \cdot x_{n+1,m}", K2_CORRECT),
    (r"\sum\limits_{n=1}^2 x_{n,1} + k_1", Add(x(1, 1), x(2, 1), k(1))),   # the sum stops at +
    (r"2 \sum_{m=1}^{3} x_{1,m}", Mul(2, Add(x(1, 1), x(1, 2), x(1, 3)))),
    (r"$\frac{\partial C}{\partial y_{2,1}} k_1$", Mul(dy(2, 1), k(1))),      # maths delimiters
    (r"\[ k_1 + k_2 \]", Add(k(1), k(2))),
    ("k_1\u200f + \u200ek_2", Add(k(1), k(2))),          # bidi marks from RTL documents
    ("k_1 \u2212 k_2", Add(k(1), neg(k(2)))),            # the Unicode minus sign
]


def same(a, b) -> bool:
    return sympy.expand(a - b) == 0


@pytest.mark.parametrize("text,expected", PLAIN, ids=[r[0] for r in PLAIN])
def test_plain(text, expected):
    assert same(parse_expression(text, SEED, "plain"), expected)
    assert same(parse_expression(text, SEED), expected)  # auto


@pytest.mark.parametrize("text,expected", LATEX, ids=[r[0] for r in LATEX])
def test_latex(text, expected):
    assert same(parse_expression(text, SEED, "latex"), expected)
    assert same(parse_expression(text, SEED), expected)


def test_entries_are_the_notation_symbols():
    """Identical objects, not look-alikes: the reference solver uses these very symbols."""
    assert parse_expression("x[2,1]", SEED) is SEED["X"].symbol((1, 0))
    assert parse_expression(r"\frac{\partial C}{\partial y_{1,2}}", SEED) is SEED["dY"].symbol((0, 1))
    assert parse_expression("k_2", SEED) is SEED["K"].symbol((1, 0))


def test_seed_wrong_answer_parses_as_written():
    text = r"\frac{\delta C}{\delta y_{2,1}} * \left(k_2 + k_1\right)"
    assert parse_expression(text, SEED) == Mul(dy(2, 1), Add(k(1), k(2)))


@pytest.mark.parametrize("text,style", [
    ("dy[1,1]*k[1]", "plain"), ("2*3", "plain"), ("x_{1,1}", "latex"), (r"\frac{1}{2}", "latex"),
    ("k_1 k_2", "latex"), (r"a & b", "latex"),
])
def test_detect_style(text, style):
    assert detect_style(text) == style


def test_parse_with_style_reports_the_notation_used():
    assert parse_with_style("dy[1,1]*k[1]", SEED)[1] == "plain"
    assert parse_with_style(r"\frac{\partial C}{\partial y_{1,1}} k_1", SEED)[1] == "latex"


MATRICES = [
    ("[[k[1]], [k[2]]]", [[k(1)], [k(2)]]),
    ("[k[1], k[2]]", [[k(1), k(2)]]),
    (r"\begin{pmatrix} k_1 \\ k_2 \end{pmatrix}", [[k(1)], [k(2)]]),
    (r"\begin{bmatrix} x_{1,1} & 2 \\ 3 & k_1 \end{bmatrix}", [[x(1, 1), 2], [3, k(1)]]),
    (r"\sum_{n=1}^{2}\sum_{m=1}^{3} \frac{\partial C}{\partial y_{n,m}} \begin{pmatrix} x_{n,m} \\ x_{n+1,m} "
     r"\end{pmatrix}", [[K1_CORRECT], [K2_CORRECT]]),
    (r"\frac{1}{2} \begin{pmatrix} k_1 & k_2 \end{pmatrix}", [[k(1) / 2, k(2) / 2]]),
]


@pytest.mark.parametrize("text,expected", MATRICES, ids=[r[0][:40] for r in MATRICES])
def test_matrices(text, expected):
    rows = parse_matrix(text, SEED)
    assert len(rows) == len(expected) and all(len(r) == len(e) for r, e in zip(rows, expected))
    assert all(same(a, b) for r, e in zip(rows, expected) for a, b in zip(r, e))


# (text, style, words the message must hold, column)
ERRORS = [
    ("x[4,1]", "plain", "indices run 1..3, 1..3", 1),
    ("k[0]", "plain", "outside k", 1),
    ("k[3]", "plain", "indices run 1..2", 1),
    ("x[1]", "plain", "x takes 2 indices", 1),
    ("x", "plain", "needs an index", 1),
    ("z[1,1]", "plain", "unknown symbol 'z'", 1),
    ("foo(k[1])", "plain", "unknown function 'foo'", 1),
    ("n", "plain", "unknown symbol 'n'", 1),
    ("x[n,1]", "plain", "not bound by a sum", 1),
    ("y[1,1]", "plain", "forward output", 1),
    ("y_{1,1}", "latex", "forward output", 1),
    ("k[1] + ", "plain", "ends too early", 7),  # just after the last character
    ("k[1] 2", "plain", "unexpected '2'", 6),
    ("1/2 k[1]", "plain", "ambiguous", 2),
    ("k[1]/0", "plain", "division by zero", 5),
    ("(k[1]", "plain", "never closed", 1),
    ("k[1])", "plain", "nothing to close", 5),
    ("x_{1,1", "latex", "never closed", 3),
    ("k_12", "latex", "write _{12}", 3),
    ("k_1^23", "latex", "write ^{23}", 5),
    ("x_{123}", "latex", "ambiguous subscript", 3),
    (r"\frac{\delta y}{\delta x_{1,1}}", "latex", "only derivatives of the loss", 1),
    (r"\frac{\partial C}{\partial x_{1,1}}", "latex", "only dC/dy is given", 1),
    (r"\input{x}", "latex", "unsupported LaTeX command \\input", 1),
    (r"\frac{k_1}{\delta x_{1,2}}", "latex", "unexpected", 20),
    (r"\begin{cases} k_1 \end{cases}", "latex", "use pmatrix or bmatrix", 1),
    (r"\begin{pmatrix} k_1 \end{bmatrix}", "latex", "closed by", 21),
    (r"\begin{pmatrix} k_1 \\ k_2 \end{pmatrix}", "latex", "got a 2x1 matrix", 1),
    (r"\sum_{n=1}^{k_1} x_{n,1}", "latex", "bounds of a sum must be whole numbers", 7),
    ("x[1.5,1]", "plain", "whole number", 1),
    ("", "plain", "empty", 1),
    ("   \n ", "auto", "empty", 1),
]


@pytest.mark.parametrize("text,style,words,column", ERRORS, ids=[r[0] or "empty" for r in ERRORS])
def test_errors_point_at_the_column(text, style, words, column):
    with pytest.raises(ParseError) as info:
        parse_expression(text, SEED, style)
    err = info.value
    assert words in err.message
    assert err.column == column
    assert err.line == 1
    assert "^" in str(err)


def test_error_has_expected_tokens_and_a_caret():
    with pytest.raises(ParseError) as info:
        parse_expression("dy[1,1] * * k[1]", SEED, "plain")
    err = info.value
    assert (err.line, err.column) == (1, 11)
    assert "a name" in err.expected and "a number" in err.expected
    assert err.context().splitlines() == ["dy[1,1] * * k[1]", " " * 10 + "^"]


def test_multiline_error_has_the_line():
    with pytest.raises(ParseError) as info:
        parse_expression("k_1 +\n  + k_2 )", SEED, "latex")
    assert (info.value.line, info.value.column) == (2, 9)
    assert "line 2" in str(info.value)


def test_outputs_may_be_allowed():
    assert parse_expression("y[1,1]", SEED, allow_outputs=True) == SEED["Y"].symbol((0, 0))


def test_limits_are_settings():
    with pytest.raises(ParseError, match="limit is 3"):
        parse_expression("sum(x[n,1], (n, 1, 4))", SEED, limits=ParseLimits(max_sum_terms=3))
    with pytest.raises(ParseError, match="too long"):
        parse_expression("k[1] + k[2]", SEED, limits=ParseLimits(max_chars=5))


@pytest.mark.parametrize("text,target,index", [
    (r"\frac{\partial C}{\partial x_{2,1}}", "X", (1, 0)),
    (r"\frac{\delta \mathcal{C}}{\delta x_{3,3}}", "X", (2, 2)),
    (r"\frac{dC}{dk_2}", "K", (1, 0)),
    (r"\partial C/\partial k_{1}", "K", (0, 0)),
    (r"\frac{\partial C}{\partial K}", "K", None),
    (r"\frac{\delta C}{\delta X}", "X", None),
])
def test_derivative_targets(text, target, index):
    found = parse_derivative_target(text, SEED)
    assert (found.array.name, found.index) == (target, index)


@pytest.mark.parametrize("text", [r"\frac{\delta y_{1,1}}{\delta x_{1,1}}", r"\frac{\partial y}{\partial x_{1,1}}",
                                  "y_{1,1}", r"\frac{\partial C}{\partial x_{i,j}}"])
def test_not_derivative_targets(text):
    with pytest.raises(ParseError):
        parse_derivative_target(text, SEED)


@pytest.mark.parametrize("expr", [
    Mul(dy(1, 1), k(1)), Add(Mul(dy(1, 1), k(2)), Mul(dy(2, 1), k(1))), K2_CORRECT,
    Pow(Add(k(1), x(2, 2)), -2) * dy(2, 3), exp(neg(x(1, 1))) + Max(0, k(2)) + sqrt(x(3, 3)) / 3,
])
def test_printers_write_what_the_parsers_read(expr):
    assert same(parse_expression(to_plain(expr), SEED, "plain"), expr)
    assert same(parse_expression(to_latex(expr, SEED), SEED, "latex"), expr)
    assert "\\frac{\\partial C}{\\partial y_{1,1}}" in to_latex(Mul(dy(1, 1), k(1)), SEED)


# ---- docs/answer-format.md is a mirror of what the parsers do --------------------------------
DOC = Path(__file__).resolve().parent.parent / "docs" / "answer-format.md"


def _table(name: str) -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    body = text.split(f"<!-- {name}:start -->")[1].split(f"<!-- {name}:end -->")[0]
    rows = [line for line in body.splitlines() if line.startswith("|")][2:]
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    # The code in each cell: (form, example, meaning) for accepted, (example, why) for refused.
    return [[(re.findall(r"`([^`]*)`", c) or [""])[0] for c in row] for row in cells]


@pytest.mark.parametrize("codes", _table("accepted"), ids=lambda c: c[1][:40])
def test_documented_accepted_forms(codes):
    example, meaning = codes[1], codes[2]
    assert same(parse_expression(example, SEED), parse_expression(meaning, SEED, "plain"))


@pytest.mark.parametrize("codes", _table("refused"), ids=lambda c: c[0][:40])
def test_documented_refused_forms(codes):
    with pytest.raises(ParseError):
        parse_expression(codes[0], SEED)


def test_documented_tables_are_not_empty():
    assert len(_table("accepted")) >= 25 and len(_table("refused")) >= 15
