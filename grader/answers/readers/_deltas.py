"""δ for the upstream gradient, when the document says so: `\\delta_{i,j} = \\frac{\\partial C}{\\partial y_{i,j}}`.

Course notes name dC/dy δ and then write answers in it (`\\delta_{1,1} k_1`). The definition must
be in the same document and must be exactly the given gradient (the loss, or a declared alias,
by the upstream array, with the same index variables or none); its uses are then read as that
gradient. δ used without such a definition, defined as anything else, or defined twice
differently is an error for the answers that use it, never a guess.
"""
from __future__ import annotations

import re

from ...spec.notation import Notation
from ..parsing import operator_derivatives

_NAME = r"(?:\\delta(?![A-Za-z])|\u03b4)"
_SUB = r"(\{[^{}]*\}|[A-Za-z0-9])"
_LHS = re.compile(r"^\s*" + _NAME + r"\s*(?:_\s*" + _SUB + r")?\s*$")
USE = re.compile(_NAME + r"\s*_\s*" + _SUB)
_DIFF = r"(?:\\partial|\u2202|d)"
# The given gradient, spaces removed: \frac{\partial C}{\partial y_{i,j}} or \partial C/\partial y_{i,j}.
_GRADIENT = re.compile(r"\\[dt]?frac\{" + _DIFF + r"([A-Za-z])\}\{" + _DIFF + r"([A-Za-z])(?:_" + _SUB + r")?\}|"
                       + _DIFF + r"([A-Za-z])/" + _DIFF + r"([A-Za-z])(?:_" + _SUB + r")?")
_BOLD = re.compile(r"\\(mathbf|boldsymbol|bm|vec)\{([A-Za-z])\}")


def _bare(sub: str | None) -> str:
    return re.sub(r"\s", "", (sub or "").strip("{}"))


class Deltas:
    """The δ definitions of one document and what its answers' uses of δ mean."""

    def __init__(self, notation: Notation) -> None:
        self.notation = notation
        self.found: list[tuple[int, str, bool]] = []  # (line, definition as written, is the gradient)

    def offer(self, lhs: str, sides: list[str], line: int) -> bool:
        """Whether `lhs = sides...` defines δ (it is then no answer); records the definition."""
        m = _LHS.match(lhs)
        if not m or not sides:
            return False
        variables = _bare(m.group(1))
        right = _BOLD.sub(r"\2", re.sub(r"\s", "", operator_derivatives(sides[0])).rstrip(".,;"))
        g = _GRADIENT.fullmatch(right)
        up, n = self.notation.upstream, self.notation
        ok = False
        if g and up is not None:
            loss, letter, sub = (g.group(1), g.group(2), g.group(3)) if g.group(1) else g.group(4, 5, 6)
            ok = (loss == n.loss or loss in n.loss_aliases) and letter.lower() == up.latex.lower() \
                and _bare(sub) == variables
        self.found.append((line, " ".join(f"{lhs.strip()} = {sides[0].strip()}".split()), ok))
        return True

    def problem(self, source: str) -> str | None:
        """Why δ in `source` cannot be read, or None."""
        use = USE.search(source)
        if not use:
            return None
        up, loss = self.notation.upstream, self.notation.loss
        given = f"\\frac{{\\partial {loss}}}{{\\partial {up.latex if up else 'y'}_{{i,j}}}}"
        if not self.found:
            return (f"{use.group()} is not defined in this document: define it once (\\delta_{{i,j}} = {given}) "
                    f"or write the derivative itself")
        if len({text for _, text, _ in self.found}) > 1:
            lines = ", ".join(str(line) for line, _, _ in self.found)
            return f"\\delta is defined more than once, differently (lines {lines}): keep one definition"
        line, text, ok = self.found[0]
        if not ok:
            return (f"\\delta is defined on line {line} as {text!r}, not as the given gradient {given}: "
                    f"write the answer in terms of the given gradient")
        return None

    def means_gradient(self) -> bool:
        """Whether a bare δ (in a matrix form: W^T \\delta) is the given gradient."""
        return len({text for _, text, _ in self.found}) == 1 and self.found[0][2]

    def rewrite(self, source: str) -> str:
        """`source` with each δ_{a,b} written as the gradient it was defined to be."""
        up = self.notation.upstream
        if up is None or not self.found or self.problem(source):
            return source
        return USE.sub(lambda m: f"\\frac{{\\partial {self.notation.loss}}}{{\\partial {up.latex}_{{{_bare(m.group(1))}}}}}",
                       source)
