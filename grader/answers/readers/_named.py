"""Named intermediates of a derivation (`z = W x + b`, `h = \\sigma(z)`, `\\delta = ... \\odot \\sigma'(z)`),
for the matrix forms of the same document.

A definition is an equation whose left side is one letter (bold or not) that is no input of the
exercise and not the loss; its last right-hand side is read as a matrix form, when a matrix form
uses the letter, never before. A definition that uses itself, a chain deeper than `MAX_DEPTH`,
or an unreadable definition is an error for the answers that use it, naming its line.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ...spec.notation import Notation
from ..parsing import ParseError, ParseLimits, evaluate_matrix_form

_LHS = re.compile(r"^\s*(?:\\(?:mathbf|boldsymbol|bm|vec)\s*\{\s*)?(\\delta|[A-Za-z])\s*\}?\s*$")
# a_i = \sigma(x_i), a_{n,d} = ...: an entry-wise definition, read as the matrix form without the
# index letters (a = \sigma(x)) when every subscript on the right is those same letters.
_LHS_ENTRY = re.compile(r"^\s*([A-Za-z])_(?:\{\s*([a-z](?:\s*,\s*[a-z])*)\s*\}|([a-z]))\s*$")
_ENTRY_USE = re.compile(r"(?<![A-Za-z\\])([A-Za-z])_(?:\{\s*([0-9]+(?:\s*,\s*[0-9]+)*)\s*\}|([0-9]))")
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
        if not m:
            entry = _LHS_ENTRY.match(lhs)
            if entry is None or entry.group(1) in self.reserved or self._array_letter(entry.group(1)):
                return False
            letters = (entry.group(2) or entry.group(3)).replace(" ", "")
            pattern = re.compile(r"_(\{\s*" + r"\s*,\s*".join(letters.split(",")) + r"\s*\}|" +
                                 (letters if "," not in letters else "(?!)") + r"(?![A-Za-z0-9]))")
            whole = pattern.sub("", last_side)
            if "_" in whole:
                return False  # other subscripts: not an entry-wise definition
            self.found[entry.group(1)] = (whole, line)
            return True
        if m.group(1) in self.reserved:
            return False
        self.found[m.group(1)] = (last_side, line)  # the last definition in reading order counts
        return True

    def notation_for_answers(self) -> Notation:
        """The notation answers are read in: a letter the document defines is the student's, so
        an alias with that spelling (an activation's `a`) is not applied."""
        if not any(a.spelling in self.found for a in self.notation.aliases):
            return self.notation
        return replace(self.notation, aliases=tuple(a for a in self.notation.aliases if a.spelling not in self.found))

    def _array_letter(self, letter: str) -> bool:
        return any(letter in (a.letter, a.latex) for a in self.notation.arrays)

    def substitute(self, source: str) -> str:
        """`source` with each entry of a letter the document defines (a_3 for a_i = \\sigma(x_i))
        replaced by that entry's value, printed in the exercise's LaTeX; anything that cannot
        be evaluated is left for the reader to report."""
        from ..parsing.printer import to_latex

        if not self.found or "_" not in source:
            return source

        def value(m: re.Match) -> str:
            letter = m.group(1)
            if letter not in self.found or self._array_letter(letter):
                return m.group()
            try:
                got = self(letter, None)
            except ParseError:
                return m.group()
            matrix = got[0] if isinstance(got, tuple) else got
            if matrix is None:
                return m.group()
            index = [int(i) for i in (m.group(2) or m.group(3)).replace(" ", "").split(",")]
            try:
                if len(index) == 1 and 1 in matrix.shape:
                    entry = list(matrix)[index[0] - 1]
                elif len(index) == 2:
                    entry = matrix[index[0] - 1, index[1] - 1]
                else:
                    return m.group()
            except (IndexError, ValueError):
                return m.group()
            if index[0] < 1 or (len(index) == 2 and index[1] < 1):
                return m.group()
            return "\\left(" + to_latex(entry, self.notation) + "\\right)"

        return _ENTRY_USE.sub(value, source)

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
