"""The direct reader (answers read straight into polynomials, no sympy) is never more permissive
than the sympy Builder and never means anything else: every text it reads, the Builder reads
too, in the same notation, to the same polynomial; every text the Builder refuses, it refuses."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.answers.equivalence import to_poly
from grader.answers.parsing import ParseError, Reading, parse_with_style, read_answer
from grader.answers.parsing.printer import to_latex, to_plain
from test_parsing import ERRORS, LATEX, PLAIN, SEED
from test_parsing_properties import SETTINGS, expressions

EXTRA = [
    "dy[1,1]*k[1] + dy[1,2]*k[2]", "2*dy[1,1] k[1] - 3 x[2,1]", "-dy[1,1]k[1]", "dy[1,1]k[1]k[1]",
    "x[1,1] 2", "1/2 k[1]", "k[1]/2", "k[1]/0", "k[0]", "y[1,1]", "dy[3,1]", "x[1,1]^2", "x[1,1]^65",
    "sum(dy[n,m]*x[n+1,m], (n, 1, 2), (m, 1, 3))", "sum(dy[n,m]*x[n+2,m], (n, 1, 2), (m, 1, 3))",
    "sum(dy[n,n]*x[n,n], (n, 1, 2), (n, 1, 2))", "sum(dy[n,m]*x[q,m], (n, 1, 2), (m, 1, 3))",
    "sum(2*dy[n,m]*x[n,m], (n, 1, 2), (m, 1, 3))", "sum(dy[n,m]*x[2n,m], (n, 1, 1), (m, 1, 3))",
    r"\frac{\partial C}{\partial y_{1,1}} k_{1} + \frac{\partial C}{\partial y_{1,2}} \cdot k_{2}",
    r"\frac{\partial L}{\partial y_{1,1}} k_{1}", r"\frac{\partial Q}{\partial y_{1,1}} k_{1}",
    r"\frac{\partial C}{\partial y_{3,1}} k_{1}", r"\frac{\partial C}{\partial x_{1,1}} k_{1}",
    r"\sum_{n=1}^{2}\sum_{m=1}^{3} \frac{\partial C}{\partial y_{n,m}} x_{n+1,m}",
    r"\sum_{n=1}^{3}\sum_{m=1}^{3} \frac{\partial C}{\partial y_{n,m}} x_{n,m}",
    r"\sum_{n=1}^{2} \frac{\partial C}{\partial y_{n,1}} x_{n}", r"k_{1,1} x_{21}", r"y_{1,1} k_1",
    r"x_{1,1}^{2} k_2^3", r"\frac{k_1}{2}", r"\frac{k_1}{k_2}", r"2 \times k_{1} x_{1,1}",
]
TEXTS = [row[0] for row in PLAIN + LATEX] + [row[0] for row in ERRORS] + EXTRA


def agree(text: str) -> None:
    try:
        direct = read_answer(text, SEED)
    except ParseError:
        direct = None
    try:
        expr, style = parse_with_style(text, SEED)
    except ParseError:
        assert not isinstance(direct, Reading), f"the direct reader credits what the Builder refuses: {text!r}"
        return
    if isinstance(direct, Reading):
        assert direct.style == style, text
        assert direct.poly == to_poly(expr), text


@pytest.mark.parametrize("text", TEXTS)
def test_direct_reader_agrees_with_the_builder(text):
    agree(text)


def test_direct_reader_takes_the_common_forms():
    """Not a correctness property, but the point: the forms of a long answer skip sympy."""
    common = ["dy[1,1]*k[1] + dy[1,2]*k[2]", "sum(dy[n,m]*x[n+1,m], (n, 1, 2), (m, 1, 3))",
              r"\frac{\partial C}{\partial y_{1,1}} k_{1} + \frac{\partial C}{\partial y_{1,2}} \cdot k_{2}",
              r"\sum_{n=1}^{2}\sum_{m=1}^{3} \frac{\partial C}{\partial y_{n,m}} x_{n+1,m}"]
    for text in common:
        assert isinstance(read_answer(text, SEED), Reading), text


@SETTINGS
@given(expressions, st.booleans())
def test_printed_expressions_agree(expr, latex):
    agree(to_latex(expr, SEED) if latex else to_plain(expr))
