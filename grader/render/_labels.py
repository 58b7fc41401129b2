"""Check names for places that show plain text only (CI titles, test names).

A check of a LaTeX answer is named in LaTeX (`\\frac{\\partial C}{\\partial x_{2,1}}`), which
reads well as MathML or `$...$` but not as a Jenkins test name or an annotation title. With the
exercise at hand, those places use the plain name the checks themselves give plain answers.
"""
from __future__ import annotations

from ..report import Check
from ._escape import one_line


def plain_name(check: Check, exercise=None, limit: int | None = 200) -> str:
    """The check's name in plain notation when it names an entry of `exercise`, else as is."""
    if exercise is not None and check.target is not None and check.index is not None:
        try:
            array = exercise.notation[check.target]
            if array.in_range(tuple(check.index)):
                return exercise.notation.entry_derivative(check.target, array.full_index(tuple(check.index)))
        except KeyError:
            pass
    return one_line(check.name, limit)
