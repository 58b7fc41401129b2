"""Properties: printed expressions read back to themselves; no text makes the parser crash."""
from __future__ import annotations

import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.answers.parsing import ParseError, ParseLimits, parse_expression, parse_matrix
from grader.answers.parsing.printer import to_latex, to_plain
from conftest import SEED_NOTATION as SEED

SYMBOLS = SEED.symbols("X") + SEED.symbols("K") + SEED.symbols("dY")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

leaves = st.one_of(
    st.sampled_from(SYMBOLS),
    st.integers(-20, 20).map(sympy.Integer),
    st.tuples(st.integers(-9, 9), st.integers(1, 9)).map(lambda pq: sympy.Rational(*pq)),
)


def _combine(children):
    two = st.tuples(children, children)
    return st.one_of(
        two.map(lambda ab: sympy.Add(*ab)),
        two.map(lambda ab: sympy.Mul(*ab)),
        st.tuples(children, st.integers(-2, 3)).map(lambda be: sympy.Pow(be[0], be[1]) if be[0] != 0 else be[0]),
        children.map(lambda a: sympy.Mul(sympy.Integer(-1), a)),
        children.map(sympy.exp),
        children.map(sympy.tanh),
        children.map(lambda a: sympy.Max(0, a)),
    )


expressions = st.recursive(leaves, _combine, max_leaves=10).filter(
    lambda e: not e.has(sympy.zoo, sympy.nan, sympy.oo))


@SETTINGS
@given(expressions)
def test_plain_printer_round_trip(expr):
    back = parse_expression(to_plain(expr), SEED, "plain")
    assert sympy.expand(back - expr) == 0


@SETTINGS
@given(expressions)
def test_latex_printer_round_trip(expr):
    back = parse_expression(to_latex(expr, SEED), SEED, "latex")
    assert sympy.expand(back - expr) == 0


@SETTINGS
@given(expressions)
def test_auto_reads_both_printers(expr):
    for text in (to_plain(expr), to_latex(expr, SEED)):
        assert sympy.expand(parse_expression(text, SEED) - expr) == 0


SMALL = ParseLimits(max_chars=2_000)
ALPHABET = st.sampled_from(list("xkdy[](){}_^*/+-.,0123456789 \\&=$") +
                           ["\\frac", "\\partial", "\\sum", "\\left(", "\\right)", "\\begin{pmatrix}",
                            "\\end{pmatrix}", "\\\\", "sum(", "exp(", "k[1]", "x_{1,1}", "n", "m"])


def _only_parse_errors(text: str) -> None:
    for style in ("auto", "plain", "latex"):
        try:
            parse_expression(text, SEED, style, SMALL)
        except ParseError as err:
            assert err.line >= 1 and err.column >= 1
            str(err)
    try:
        parse_matrix(text, SEED, "auto", SMALL)
    except ParseError:
        pass


@SETTINGS
@given(st.text(max_size=200))
def test_random_text_raises_only_parse_errors(text):
    _only_parse_errors(text)


@SETTINGS
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_random_maths_like_text_raises_only_parse_errors(text):
    _only_parse_errors(text)
