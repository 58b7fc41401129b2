"""sympy expressions written back in the exercise's notation, plain or LaTeX.

The parsers read exactly what these printers write (a property test re-parses random printed
expressions), so feedback can quote an expression the student could paste back as an answer.
"""
from __future__ import annotations

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from ...spec.notation import Notation, Style


class PlainPrinter(StrPrinter):
    """`dy[1,1]*k[1] + x[2,1]**2`: sympy's str with our function spellings."""

    printmethod = "_plain_notation"

    def _print_Symbol(self, expr):
        return expr.name

    def _print_Exp1(self, expr):
        return "e"

    def _print_Max(self, expr):
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Heaviside(self, expr):
        # ReLU's derivative (the parsers read every Heaviside as the step with value 0 at 0).
        return f"1[{self._print(expr.args[0])} > 0]"


class NotationLatexPrinter(LatexPrinter):
    """`\\frac{\\partial C}{\\partial y_{1,1}} k_{1}`: sympy's LaTeX with entries as the statement writes them."""

    printmethod = "_latex_notation"

    def __init__(self, notation: Notation, settings=None):
        super().__init__(settings)
        self.notation = notation

    def _print_Symbol(self, expr, style="plain"):
        if self.notation.entry(expr) is not None:
            return self.notation.tex_of(expr)
        return super()._print_Symbol(expr, style)

    def _print_Pi(self, expr, exp=None):
        # sympy's own \pi comes from Pi._latex, which this printer's printmethod bypasses.
        return "\\pi"

    def _print_Heaviside(self, expr, exp=None):
        text = f"\\mathbb{{1}}\\left[{self._print(expr.args[0])} > 0\\right]"
        return f"{text}^{{{exp}}}" if exp else text


def to_plain(expr: sympy.Basic) -> str:
    """Plain notation that `parse_expression(..., style="plain")` reads back to `expr`."""
    return PlainPrinter().doprint(expr)


def to_latex(expr: sympy.Basic, notation: Notation) -> str:
    """LaTeX in the exercise's notation that `parse_expression(..., style="latex")` reads back."""
    return NotationLatexPrinter(notation).doprint(expr)


def show(expr: sympy.Basic, notation: Notation, style: Style = "plain") -> str:
    """`expr` written as the student writes: plain text or LaTeX (text they could paste back),
    with each named intermediate's definition folded back into its symbol (`Notation.fold`)."""
    expr = notation.fold(expr)
    return to_latex(expr, notation) if style == "latex" else to_plain(expr)
