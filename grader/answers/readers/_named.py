"""Named intermediates of a derivation (`z = W x + b`, `h = \\sigma(z)`, `\\delta = ... \\odot \\sigma'(z)`),
for the matrix forms of the same document.

A definition is an equation whose left side is one letter (bold or not) that is no input of the
exercise and not the loss; its last right-hand side is read as a matrix form, when a matrix form
uses the letter, never before. A definition that uses itself, a chain deeper than `MAX_DEPTH`,
or an unreadable definition is an error for the answers that use it, naming its line.
"""
from __future__ import annotations

import re

from ...spec.notation import Notation
from ..parsing import ParseError, ParseLimits, evaluate_matrix_form

_LHS = re.compile(r"^\s*(?:\\(?:mathbf|boldsymbol|bm|vec)\s*\{\s*)?(\\delta|[A-Za-z])\s*\}?\s*$")
MAX_DEPTH = 4  # z -> h -> \delta -> answer is three; deeper chains are not course material


class Named:
    def __init__(self, notation: Notation, limits: ParseLimits) -> None:
        self.notation, self.limits = notation, limits
        inputs = {n for a in notation.arrays if a.upstream_of is None and a.name not in
                  {b.upstream_of for b in notation.arrays if b.upstream_of} for n in (a.name, a.letter, a.latex)}
        self.reserved = inputs | {notation.loss, *notation.loss_aliases}
        self.found: dict[str, tuple[str, int]] = {}
        self.done: dict[str, tuple] = {}
        self.open: list[str] = []

    def offer(self, lhs: str, last_side: str, line: int) -> bool:
        """Whether `lhs = last_side` defines an intermediate (it then answers nothing)."""
        m = _LHS.match(lhs)
        if not m or m.group(1) in self.reserved:
            return False
        self.found[m.group(1)] = (last_side, line)  # the last definition in reading order counts
        return True

    def __call__(self, letter: str, at) -> tuple | None:
        """(matrix, parts) of a defined letter, or None when the document does not define it."""
        if letter not in self.found:
            return None
        if letter in self.done:
            return self.done[letter]
        text, line = self.found[letter]
        if letter in self.open or len(self.open) >= MAX_DEPTH:
            why = "is defined in terms of itself" if letter in self.open else \
                f"starts a chain of definitions deeper than {MAX_DEPTH}"
            raise ParseError(f"{letter} (line {line}) {why}: write the answer without it", text)
        self.open.append(letter)
        try:
            value = evaluate_matrix_form(text, self.notation, self.limits, names=self)
        except ParseError as err:
            raise ParseError(f"{letter}, defined on line {line}: {err.message}", text, err.line, err.column) from None
        finally:
            self.open.pop()
        self.done[letter] = value
        return value
