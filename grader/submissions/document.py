"""Written derivations (Markdown / LaTeX / text with $...$ maths) -> answers.

A derivation is prose in any language around equations. An equation answers an entry when its
left side is the loss's derivative by that entry (\\frac{\\partial C}{\\partial x_{2,1}}, with
\\partial, \\delta, d or ∂) or by a whole target (dC/dK = a vector). Chains of equalities are
followed, also into the next maths block when it starts with "=", and the LAST right-hand side
is the answer; the others are kept as steps and never graded.

Documents converted from PDF are often garbled. Two repairs/refusals are documented in
docs/answer-format.md: a fraction whose numerator and denominator are the same text is refused
as garbled, and a leftover differential under a factor (`* \\frac{k_1}{\\delta x_{1,2}}`) is
read as the factor alone, with a note, because the derivative it names was already taken.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from ..notation import Notation
from ..parsing import ParseError, ParseLimits, parse_derivative_target, parse_matrix_with_style, parse_with_style
from ._entries import entry_label, split_matrix, target_entries
from .answers import Answer, ExpressionSubmission, Problem, read_text, snippet

# Openers of maths blocks; each is closed by a plain `find`, so a thousand unclosed openers
# cost a thousand look-ups, not a backtracking regex over a megabyte each.
_OPENER = re.compile(r"\$\$|\\\[|\\begin\{(equation\*?|align\*?|gather\*?|multline\*?|displaymath)\}|(?<!\\)\$")
# Markup that numbers or labels an equation but is no part of its maths.
_LABELS = re.compile(r"\\(label|tag)\s*\{[^{}]*\}|\\(nonumber|notag)(?![A-Za-z])")
_DIFF = re.compile(r"^\s*(\\partial(?![A-Za-z])|\\delta(?![A-Za-z])|\u2202|\u03b4|d(?=[\sA-Za-z\\]))\s*")
# Sentence punctuation and spacing after the last side: "= a k_2, \qquad".
_TRAILING = (".", ",", ";", "~", "\\,", "\\;", "\\:", "\\!", "\\ ", "\\quad", "\\qquad")
_FRAC = re.compile(r"\\[dt]?frac(?![A-Za-z])\s*")


@dataclass
class _Equation:
    array: object
    index: tuple[int, ...] | None
    lhs_line: int
    sides: list[tuple[str, int]] = field(default_factory=list)  # (right-hand side, offset in file)


def read_document(path, notation: Notation, targets: Sequence[str], limits: ParseLimits = ParseLimits(),
                  *, repair: bool = True) -> ExpressionSubmission:
    """Read the answers of a written derivation. Raises SubmissionError only if the file is unreadable."""
    text = read_text(path)
    reader = _DocumentReader(text, notation, tuple(targets), limits, repair)
    reader.collect()
    return ExpressionSubmission(str(path), reader.answers(), tuple(reader.problems))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _segments(text: str):
    """(maths, offset) for each maths block; an align's lines become separate blocks."""
    pos, unclosed = 0, set()
    while True:
        m = _OPENER.search(text, pos)
        if m is None:
            return
        opener = m.group()
        env = m.group(1)
        closer = {"$$": "$$", "\\[": "\\]", "$": "$"}.get(opener) or f"\\end{{{env}}}"
        end = -1 if closer in unclosed else _find_closer(text, closer, m.end())
        if end < 0:
            unclosed.add(closer)
            pos = m.end()
            continue
        body, start = text[m.end():end], m.end()
        pos = end + len(closer)
        if env and env.startswith(("align", "gather", "multline")):
            at = 0
            for piece in re.split(r"(\\\\)", body):
                if piece != "\\\\":
                    yield piece.replace("&", " "), start + at
                at += len(piece)
        else:
            yield body, start


def _find_closer(text: str, closer: str, start: int) -> int:
    while True:
        end = text.find(closer, start)
        if end <= 0 or closer != "$" or text[end - 1] != "\\":
            return end
        start = end + 1


def _strip_trailing(source: str) -> str:
    source = source.strip()
    while source.endswith(_TRAILING) and not source.endswith("\\\\"):
        source = source[: -len(next(t for t in _TRAILING if source.endswith(t)))].rstrip()
    return source


def _split_equalities(maths: str) -> list[tuple[str, int]]:
    """Split at every `=` outside brackets, keeping each part's offset."""
    parts, depth, begin = [], 0, 0
    for i, ch in enumerate(maths):
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth = max(0, depth - 1)
        elif ch == "=" and depth == 0:
            parts.append((maths[begin:i], begin))
            begin = i + 1
    parts.append((maths[begin:], begin))
    return parts


def _group(text: str, i: int) -> int | None:
    """End (exclusive) of the brace group opening at text[i], or None if it never closes."""
    if i >= len(text) or text[i] != "{":
        return None
    depth = 0
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return j + 1
    return None


def _fractions(text: str):
    """(start, end, numerator, denominator) of every \\frac{..}{..}."""
    for m in _FRAC.finditer(text):
        a_end = _group(text, m.end())
        if a_end is None:
            continue
        b_start = a_end + len(text[a_end:]) - len(text[a_end:].lstrip())
        b_end = _group(text, b_start)
        if b_end is None:
            continue
        yield m.start(), b_end, text[m.end() + 1:a_end - 1], text[b_start + 1:b_end - 1]


class _DocumentReader:
    def __init__(self, text: str, notation: Notation, targets: tuple[str, ...], limits: ParseLimits,
                 repair: bool) -> None:
        self.text, self.notation, self.targets, self.limits, self.repair = text, notation, targets, limits, repair
        self.equations: list[_Equation] = []
        self.problems: list[Problem] = []

    def collect(self) -> None:
        current: _Equation | None = None
        for maths, offset in _segments(self.text):
            maths = _LABELS.sub(lambda m: " " * len(m.group()), maths)
            parts = _split_equalities(maths)
            if len(parts) < 2:
                current = None
                continue
            (lhs, _), rhs = parts[0], parts[1:]
            sides = [(side, offset + at) for side, at in rhs]
            if not lhs.strip():
                if current is not None:
                    current.sides.extend(sides)  # "$$= ...$$" continues the previous equation
                continue
            current = self.equation(lhs.rstrip().rstrip(":"), offset)
            if current is not None:
                current.sides.extend(sides)
                self.equations.append(current)

    def equation(self, lhs: str, offset: int) -> _Equation | None:
        if "\\" not in lhs and "d" not in lhs:
            return None
        try:
            found = parse_derivative_target(lhs, self.notation, self.limits)
        except ParseError as err:
            if "is outside" in err.message:
                self.problems.append(Problem(_line(self.text, offset), snippet(lhs), err.message))
            return None
        if found.array.name not in self.targets:
            return None
        return _Equation(found.array, found.index, _line(self.text, offset))

    def answers(self) -> tuple[Answer, ...]:
        # Only the last equation of each entry (and of each whole target) is parsed: the earlier
        # ones are superseded, and parsing them all would let one file repeat a costly sum
        # thousands of times.
        last_entry: dict[tuple[str, tuple[int, ...]], _Equation] = {}
        last_whole: dict[str, _Equation] = {}
        for eq in self.equations:
            if eq.index is None:
                last_whole[eq.array.name] = eq
                continue
            key = (eq.array.name, eq.index)
            if key in last_entry:
                self.problems.append(Problem(eq.lhs_line, "", f"{entry_label(eq.array, eq.index)} is derived "
                                             f"again (first on line {last_entry[key].lhs_line}); the last one is used"))
            last_entry[key] = eq
        merged: dict[tuple[str, tuple[int, ...]], Answer] = {}
        for eq in last_whole.values():
            if any((eq.array.name, i) not in last_entry for i in target_entries(eq.array)):
                merged.update({(a.target, a.index): a for a in self.whole_answers(eq)})
        # An entry's own equation beats a whole-target one.
        merged.update({key: self.entry_answer(eq) for key, eq in last_entry.items()})
        return tuple(merged[k] for k in sorted(merged))

    def last_side(self, eq: _Equation) -> tuple[str, int, tuple[str, ...]]:
        steps = tuple(" ".join(s.split()) for s, _ in eq.sides)
        source, at = eq.sides[-1]
        lead = len(source) - len(source.lstrip())
        source = _strip_trailing(source)
        return source, _line(self.text, at + lead), steps

    def entry_answer(self, eq: _Equation) -> Answer:
        source, line, steps = self.last_side(eq)
        base = dict(target=eq.array.name, index=eq.index, source=source, line=line, steps=steps)
        garbled = self.garbled(source)
        if garbled:
            return Answer(expr=None, error=garbled, style="latex", **base)
        try:
            expr, style = parse_with_style(source, self.notation, "auto", self.limits)
            return Answer(expr=expr, error=None, style=style, **base)
        except ParseError as err:
            first_error = err
        if self.repair:
            repaired = self.leftover_differential(source, eq)
            if isinstance(repaired, Answer):
                return repaired
            if isinstance(repaired, str):
                return Answer(expr=None, error=repaired, style="latex", **base)
        return Answer(expr=None, error=str(first_error), style="latex" if "\\" in source else "plain", **base)

    def whole_answers(self, eq: _Equation) -> list[Answer]:
        source, line, steps = self.last_side(eq)
        entries = target_entries(eq.array)
        try:
            garbled = self.garbled(source)
            if garbled:
                raise ParseError(garbled, source)
            rows, style = parse_matrix_with_style(source, self.notation, "auto", self.limits)
        except ParseError as err:
            return [Answer(eq.array.name, i, None, str(err), snippet(source), line, "latex", steps) for i in entries]
        paired = split_matrix(eq.array, rows)
        if isinstance(paired, str):
            return [Answer(eq.array.name, i, None, paired, snippet(source), line, style, steps) for i in entries]
        return [Answer(eq.array.name, i, expr, None, self.notation.show(expr, style), line, style, steps)
                for i, expr in paired]

    def garbled(self, source: str) -> str | None:
        """A reason to distrust a right-hand side that would parse, or None."""
        for start, end, numerator, denominator in _fractions(source):
            if numerator.strip() and " ".join(numerator.split()) == " ".join(denominator.split()):
                return (f"{source[start:end]} has the same numerator and denominator; the equation looks garbled "
                        f"(a PDF conversion?), so it is not read as 1")
        return None

    def leftover_differential(self, source: str, eq: _Equation) -> Answer | str | None:
        """`A * \\frac{E}{\\delta x_{i,j}}` -> `A * (E)`, when x_{i,j} is the entry being derived.

        Returns the repaired Answer, a reason the text is garbled, or None when the pattern is absent.
        """
        entry = eq.array.symbol(eq.index)
        for start, end, numerator, denominator in _fractions(source):
            m = _DIFF.match(denominator)
            if not m:
                continue
            try:
                variable = parse_with_style(denominator[m.end():], self.notation, "latex", self.limits)[0]
            except ParseError:
                continue
            if variable != entry:
                continue
            written = source[start:end]
            if not (source[:start].strip() or source[end:].strip()):
                return (f"{written} is all that is left of this side: a derivative with nothing to differentiate, "
                        f"and the factors of the previous step are gone; the equation looks garbled")
            fixed = source[:start] + "\\left(" + numerator + "\\right)" + source[end:]
            try:
                expr, style = parse_with_style(fixed, self.notation, "latex", self.limits)
            except ParseError:
                return None
            _, line, steps = self.last_side(eq)
            note = (f"read {written} as {numerator.strip()}: the differential under it is left over from the "
                    f"derivative taken in the previous step")
            return Answer(eq.array.name, eq.index, expr, None, source, line, style, steps, note)
        return None
