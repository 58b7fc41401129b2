"""A grammar of non-zero terms over an exercise's symbols, for answers that must never be
credited: the reference plus one such term is wrong, whatever the term.

Each term is a non-zero rational (tiny ones too: 1/10^45), times a monomial, times one factor
of a class: a polynomial, exp, tanh, relu, max, a root or erf of a linear form. Every factor is
non-zero on an open set (relu(u) for u > 0, max(u, v) where u > 0, sqrt(c + u^2) > 0, ...), so
the term is not the zero function, and the sum is a wrong answer.
"""
from __future__ import annotations

import sympy
from hypothesis import strategies as st

CLASSES = ("polynomial", "exp", "tanh", "relu", "max", "root", "erf")


def _coefficient():
    return st.one_of(
        st.fractions(min_value=-5, max_value=5, max_denominator=7).filter(lambda f: f != 0),
        st.integers(30, 60).map(lambda k: sympy.Rational(1, 10 ** k)),       # below any float's view
        st.integers(6, 12).map(lambda k: sympy.Integer(10) ** k),             # far past any sample point
    ).map(lambda f: sympy.Rational(f.numerator, f.denominator) if hasattr(f, "numerator") else f)


def _linear(symbols):
    """A non-constant linear form c1 s1 + c2 s2 + c0 (shifted far away sometimes: x - 10^10)."""
    return st.tuples(st.sampled_from(symbols), st.sampled_from(symbols), st.integers(-3, 3).filter(bool),
                     st.integers(-3, 3), st.sampled_from([0, 0, 1, -2, 10 ** 10, -(10 ** 10)])).map(
        lambda t: t[2] * t[0] + (t[3] * t[1] if t[1] != t[0] else 0) + t[4])


def _factor(symbols, kind: str):
    linear = _linear(symbols)
    if kind == "polynomial":
        return st.tuples(linear, st.integers(1, 3)).map(lambda t: t[0] ** t[1])
    if kind == "exp":
        return linear.map(sympy.exp)
    if kind == "tanh":
        return linear.map(sympy.tanh)
    if kind == "relu":
        return linear.map(lambda u: sympy.Max(0, u))
    if kind == "max":
        return st.tuples(linear, linear).filter(lambda t: sympy.expand(t[0] - t[1]) != 0).map(
            lambda t: sympy.Max(t[0], t[1]))
    if kind == "erf":
        return linear.map(sympy.erf)  # erf(u) != 0 wherever u != 0
    if kind == "root":
        return st.tuples(linear, st.integers(1, 5)).map(lambda t: sympy.sqrt(t[1] + t[0] ** 2))
    raise ValueError(kind)


def wrong_terms(symbols, kind: str):
    """Non-zero terms of one class over these symbols."""
    symbols = sorted(symbols, key=lambda s: s.name)
    monomial = st.lists(st.sampled_from(symbols), max_size=2).map(lambda ss: sympy.Mul(*ss))
    return st.tuples(_coefficient(), monomial, _factor(symbols, kind)).map(lambda t: t[0] * t[1] * t[2])
