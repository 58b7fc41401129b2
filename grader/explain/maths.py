"""Maths of a worked solution, written once in both notations the parsers read.

Every formula is a `Maths` pair (plain text, LaTeX), built here from sympy expressions or from
index patterns. Functions are written as a student writes them: sigmoid as `\\sigma(z)`, never
its exp form, and ReLU's derivative as the indicator `1[z > 0]` (the parsers' printers; what
it means at z = 0 is said in the prose).
"""
from __future__ import annotations

from fractions import Fraction
from typing import Sequence

import sympy

from ..spec.notation import ArrayNotation, Notation, derivative_label
from ..answers.parsing.printer import NotationLatexPrinter, PlainPrinter
from .model import Maths

_SIGMA = sympy.Function("sigma")
_W = sympy.Wild("w")
# Letters tried, in order, for intermediate arrays whose own name is taken.
_SPARE_LETTERS = "zuvhsagqr"


def _spare_names():
    """Letters for intermediate arrays, then pairs of them (an unrolled net has many arrays)."""
    yield from _SPARE_LETTERS
    for first in _SPARE_LETTERS:
        for second in _SPARE_LETTERS:
            yield first + second


def extended_notation(exercise) -> Notation:
    """The exercise's notation plus a letter for every intermediate array of the graph."""
    arrays = list(exercise.notation.arrays)
    taken = {a.letter for a in arrays} | {a.latex for a in arrays}
    for built in exercise.graph.nodes:
        name = built.node.output
        if any(a.name == name for a in arrays):
            continue
        letter = name.lower() if name.isalpha() and len(name) == 1 and name.lower() not in taken else \
            next(c for c in _spare_names() if c not in taken)
        taken.add(letter)
        arrays.append(ArrayNotation(name, letter, built.shape, tuple(range(len(built.shape))), letter))
    # The exercise's folds come along: the chain rule's values speak the author's terms too.
    return Notation(tuple(arrays), loss=exercise.notation.loss, loss_aliases=exercise.notation.loss_aliases,
                    _folds=exercise.notation._folds)


class _Plain(PlainPrinter):
    def _print_Function(self, expr):
        if expr.func == _SIGMA:
            return f"sigma({self._print(expr.args[0])})"
        return super()._print_Function(expr)


class _Latex(NotationLatexPrinter):
    def __init__(self, notation: Notation, names: dict | None = None):
        super().__init__(notation)
        self.names = names or {}

    def _print_Symbol(self, expr, style="plain"):
        if expr.name in self.names:
            return self.names[expr.name]
        return super()._print_Symbol(expr, style)

    def _print_Function(self, expr, exp=None):
        if expr.func == _SIGMA:
            text = f"\\sigma\\left({self._print(expr.args[0])}\\right)"
            return f"{text}^{{{exp}}}" if exp else text
        return super()._print_Function(expr, exp)


def free_names(notation: Notation, pool: str, count: int) -> list[str] | None:
    """`count` index names from `pool` that no array of the exercise uses as its letter."""
    taken = {a.letter for a in notation.arrays} | {a.latex for a in notation.arrays} | {notation.loss}
    names = [c for c in pool if c not in taken][:count]
    return names if len(names) == count else None


def readable(expr: sympy.Expr) -> sympy.Expr:
    """The expression with 1/(1 + e^{-z}) written as sigma(z)."""
    if expr.has(sympy.exp):
        # sympy's derivative of the sigmoid first, then the sigmoid itself.
        expr = expr.replace(sympy.exp(-_W) / (1 + sympy.exp(-_W)) ** 2, _SIGMA(_W) * (1 - _SIGMA(_W)))
        expr = expr.replace(1 / (1 + sympy.exp(-_W)), _SIGMA(_W))
    return expr



def as_expr(value) -> sympy.Basic:
    """A value of the reference as a sympy expression. explain only ever handles the reference's
    own expressions and exact numbers, never text: a str is refused rather than parsed."""
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
        raise TypeError(f"not an expression of the reference: {type(value).__name__}")
    return sympy.Rational(value.numerator, value.denominator)

def show(expr, notation: Notation, names: dict | None = None) -> Maths:
    """A sympy expression in both notations; `names` maps symbol names to LaTeX (for symbols
    that are not entries, such as x[i+1,j] in a general formula)."""
    expr = readable(as_expr(expr))
    return Maths(_Plain().doprint(expr), _Latex(notation, names).doprint(expr))


def factor(expr, notation: Notation) -> Maths:
    """An expression as one factor of a product: bracketed when it is a sum."""
    m = show(expr, notation)
    if isinstance(readable(as_expr(expr)), sympy.Add):
        return Maths(f"({m.plain})", f"\\left({m.tex}\\right)")
    return m


def entry(array: ArrayNotation, full: tuple[int, ...]) -> Maths:
    """An entry as written: x[2,1] / x_{2,1}."""
    return Maths(array.plain(full), array.tex(full))


def loss_by(array: ArrayNotation, full: tuple[int, ...] | None, loss: str) -> Maths:
    """dC/dx[2,1] / \\frac{\\partial C}{\\partial x_{2,1}}; `full` None: the whole array."""
    if full is None:
        return Maths(derivative_label(loss, array.name), derivative_label(loss, array.name, "latex"))
    if array.upstream_of is not None:
        return entry(array, full)
    return Maths(derivative_label(loss, array.plain(full)), derivative_label(loss, array.tex(full), "latex"))


def partial(num: Maths, den: Maths) -> Maths:
    """d(num)/d(den) as a local derivative."""
    # "∂" in plain text: "dy[1,1]" already names the given dC/dy[1,1].
    return Maths(f"∂{num.plain}/∂{den.plain}", f"\\frac{{\\partial {num.tex}}}{{\\partial {den.tex}}}")


def product(*factors: Maths) -> Maths:
    # A number never multiplies from the right by juxtaposition in the parser (`k_1 2` is
    # refused as ambiguous), so a factor that starts with a digit gets an explicit \cdot.
    tex = ""
    for f in factors:
        tex += f.tex if not tex else (" \\cdot " if f.tex[:1].isdigit() else " ") + f.tex
    return Maths("*".join(f.plain for f in factors), tex)


def times(factors: Sequence[Maths], expr, notation: Notation) -> Maths:
    """factors * expr with a negative expr's sign in front (`-dC/dy_{1} k_1`, not `dC/dy_{1} -k_1`,
    which the parser would read as a difference). Named intermediates are folded back in
    (attention's a[1,2], not the exp(...) it stands for)."""
    expr = notation.fold(as_expr(expr))
    # Only a product's sign moves to the front; a sum is bracketed as it stands.
    negative = not isinstance(expr, sympy.Add) and expr.could_extract_minus_sign()
    if negative:
        expr = -expr
    parts = list(factors) + ([] if expr == 1 and factors else [factor(expr, notation)])
    m = product(*parts)
    return Maths("-" + m.plain, "-" + m.tex) if negative else m


def total(terms: Sequence[Maths]) -> Maths:
    """A sum of terms; a term that starts with a minus sign is subtracted."""
    if not terms:
        return Maths("0", "0")
    plain, tex = terms[0].plain, terms[0].tex
    for t in terms[1:]:
        plain += f" - {t.plain[1:]}" if t.plain.startswith("-") else f" + {t.plain}"
        tex += f" - {t.tex[1:]}" if t.tex.startswith("-") else f" + {t.tex}"
    return Maths(plain, tex)


def summation(body: Maths, variables: Sequence[tuple[str, int, int]]) -> Maths:
    """sum(body, (n, 1, 2), ...) / \\sum_{n=1}^{2} ... body."""
    plain = f"sum({body.plain}, " + ", ".join(f"({v}, {lo}, {hi})" for v, lo, hi in variables) + ")"
    tex = "".join(f"\\sum_{{{v}={lo}}}^{{{hi}}}" for v, lo, hi in variables) + " " + body.tex
    return Maths(plain, tex)
