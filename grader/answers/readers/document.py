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
from functools import partial
from typing import Sequence

from ..parsing.printer import show
from ...spec.notation import ArrayNotation, Notation
from ..parsing import (ParseError, ParseLimits, Reading, parse_derivative_target, parse_whole, parse_with_style,
                       read_answer)
from ._blocks import blocks, disowned, equations, visible
from ._deltas import Deltas
from ._general import general_answers
from ._named import Named
from ._entries import entry_label, split_matrix, target_entries
from ._macros import definitions, expand
from ..braces import group_end
from .answers import Answer, ExpressionSubmission, Problem, SubmissionError, read_text, snippet

_TEX_COMMENT = re.compile(r"(?<!\\)%[^\n]*")
_SPACING = re.compile(r"\\[,;:! ]|\\q?quad(?![A-Za-z])|~")
_CLOSING = re.compile(r"^(\$\$|\$|\\\]|\\\)|\\end\s*\{[^{}]*\})")
_BOXED = re.compile(r"\\(boxed|fbox|framebox)\s*\{")
_OPENING = re.compile(r"(\$\$|\$|\\\[|\\\(|\\begin\s*\{[^{}]*\}(\{[0-9]+\})?)\s*$")
# \frac{\partial C}{\partial x_{...}} and \partial C / \partial x: (loss letter, entry letter).
_LOSS_DERIVATIVE = re.compile(r"(?:\\[dt]?frac\s*\{|/)?\s*(?:\\partial|\\delta|\u2202|\u03b4|\\mathrm\{d\}|d)\s*"
                              r"(?:\\mathcal\s*\{\s*)?([A-Za-z])\s*\}?\s*(?:\}\s*\{|/)\s*"
                              r"(?:\\partial|\\delta|\u2202|\u03b4|\\mathrm\{d\}|d)\s*([A-Za-z])(?![A-Za-z])")
_LAYOUT_CELLS = re.compile(r"\\[vcd]dots(?![A-Za-z])")
_DIFF = re.compile(r"^\s*(\\partial(?![A-Za-z])|\\delta(?![A-Za-z])|\u2202|\u03b4|d(?=[\sA-Za-z\\]))\s*")
# Sentence punctuation and spacing after the last side: "= a k_2, \qquad".
_TRAILING = (".", ",", ";", "~", "\\,", "\\;", "\\:", "\\!", "\\ ", "\\quad", "\\qquad")
_FRAC = re.compile(r"\\[dt]?frac(?![A-Za-z])\s*")
# x_{i,j}, k_m: a subscript with an index letter (a general entry, not a particular one).
_LETTER_SUBSCRIPT = re.compile(r"_\s*(\{[^{}]*[A-Za-z][^{}]*\}|[A-Za-z])")


@dataclass
class _Equation:
    array: ArrayNotation
    index: tuple[int, ...] | None
    lhs_line: int
    sides: list[tuple[str, int]] = field(default_factory=list)  # (right-hand side, offset in file)
    stray: str = ""  # text after the last side that is neither an equation nor a remark
    variables: tuple[str, ...] | None = None  # dC/dx_{i,j}: a general formula for every entry
    boxed: bool = False  # written in \boxed{}: the author's final answer for its entries
    undefined: str | None = None  # written with a macro the file never defines (\pdv without physics)


def read_document(path, notation: Notation, targets: Sequence[str], limits: ParseLimits = ParseLimits(),
                  *, repair: bool = True) -> ExpressionSubmission:
    """Read the answers of a written derivation. Raises SubmissionError only if the file is unreadable."""
    text = read_text(path)
    kind = "tex" if str(path).lower().endswith(".tex") else "markdown"
    if str(path).lower().endswith(".ipynb"):
        text = notebook_markdown(text, str(path))
    reader = _DocumentReader(text, notation, tuple(targets), limits, repair, kind)
    reader.collect()
    return ExpressionSubmission(str(path), reader.answers(), tuple(reader.problems))


def notebook_markdown(text: str, path: str) -> str:
    """A Jupyter notebook's Markdown cells, in order, as one Markdown text (code cells are code:
    never answers). Line numbers in reports count lines of this text. Raises SubmissionError."""
    import json

    try:
        cells = json.loads(text).get("cells", [])
        sources = ["".join(c["source"]) if isinstance(c["source"], list) else str(c["source"])
                   for c in cells if isinstance(c, dict) and c.get("cell_type") == "markdown"]
    except (ValueError, AttributeError, KeyError, TypeError, RecursionError):
        raise SubmissionError("not a Jupyter notebook (.ipynb JSON with cells)", path) from None
    return "\n\n".join(sources)


def _unbox(maths: str) -> tuple[str, bool]:
    """The maths with \\boxed{...} (\\fbox, \\framebox) unwrapped in place (offsets kept), and
    whether there was one."""
    found = False
    while True:
        m = _BOXED.search(maths)
        if m is None:
            return maths, found
        close = _group(maths, m.end() - 1)
        if close is None:
            return maths, found
        found = True
        maths = maths[:m.start()] + " " * (m.end() - m.start()) + maths[m.end():close - 1] + " " + maths[close:]


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _strip_trailing(source: str) -> str:
    source = source.strip()
    while source.endswith(_TRAILING) and not source.endswith("\\\\"):
        source = source[: -len(next(t for t in _TRAILING if source.endswith(t)))].rstrip()
    return source


def _group(text: str, i: int) -> int | None:
    """End (exclusive) of the brace group opening at text[i], or None if it never closes."""
    return group_end(text, i)


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


_LAYER = re.compile(r"\\delta\s*\^\s*\{\s*\(\s*([0-9A-Za-z])\s*\)\s*\}")
_EQNARRAY_EQUALS = re.compile(r"&([ \t]*)=([ \t]*)&")
# The physics package's \pdv{f}{x} and \dv{f}{x} (the two-argument forms students use).
_PHYSICS = re.compile(r"\\usepackage\s*(\[[^\]]*\])?\s*\{[^}]*\bphysics\b[^}]*\}")
_PHYSICS_MACROS = {"pdv": (2, r"\frac{\partial #1}{\partial #2}"), "dv": (2, r"\frac{d #1}{d #2}")}
_PHYSICS_USE = re.compile(r"\\(pdv|dv)(?![A-Za-z])")


class _DocumentReader:
    def __init__(self, text: str, notation: Notation, targets: tuple[str, ...], limits: ParseLimits,
                 repair: bool, kind: str = "markdown") -> None:
        self.text, self.notation, self.targets, self.limits, self.repair = text, notation, targets, limits, repair
        self.kind = kind
        shown = visible(text, kind)[0]
        self.macros = definitions(shown)  # \newcommand in the preamble (not in comments)
        if _PHYSICS.search(shown):
            # \usepackage{physics}: its derivative macros, as the package defines them.
            self.macros = {**_PHYSICS_MACROS, **self.macros}
        self.undefined = [(m.group(1), _line(text, m.start())) for m in _PHYSICS_USE.finditer(shown)
                          if m.group(1) not in self.macros]
        if self.undefined:
            # Read as the package would, only to know which entries those lines answer: each of
            # them is told the macro is undefined, never "no answer found".
            self.macros = {**_PHYSICS_MACROS, **self.macros}
        self.memo: dict = {}  # entries resolved by the direct reader, shared by every answer
        self.deltas = Deltas(notation)  # \delta_{i,j} = dC/dy_{i,j}, if the document says so
        self.named = Named(notation, limits)  # z = W x + b, for matrix forms
        self.equations: list[_Equation] = []
        self.problems: list[Problem] = []

    def collect(self) -> None:
        undefined = {name for name, _ in self.undefined}
        for name, line in self.undefined[:1]:
            self.problems.append(Problem(line, "", self.undefined_message(name)))
        current: _Equation | None = None
        shown, fences = visible(self.text, self.kind)
        found = blocks(shown, fences)
        if not found:
            self.problems.append(Problem(None, "", "no maths found: write each answer as an equation in $...$, "
                                                   "$$...$$ or \\[...\\]"))
        layers = set(_LAYER.findall(shown))
        previous_end = 0
        for maths, offset in found:
            if len(layers) == 1:
                # Nielsen's \delta^{(2)}: one layer's error, the δ of this document; several
                # layers' δ stay apart (and are refused, naming the superscript).
                maths = _LAYER.sub(lambda m: "\\delta" + " " * (len(m.group()) - 6), maths)
            prose = _CLOSING.sub("", _OPENING.sub("", shown[max(previous_end, offset - 200):offset]))
            previous_end = offset + len(maths)
            if disowned(prose):
                current = None  # "not this: $...$": what the author rejected answers nothing
                continue
            if self.kind != "tex":
                maths = _TEX_COMMENT.sub(lambda m: " " * len(m.group()), maths)
            # eqnarray's `a &=& b`: the relation has a column of its own; the same length keeps offsets.
            maths = _EQNARRAY_EQUALS.sub(lambda m: " " + m.group(1) + "=" + m.group(2) + " ", maths)
            maths, boxed = _unbox(maths)
            raws = equations(maths, offset)
            if not raws:
                current = None
            for raw in raws:
                if not raw.lhs.strip():
                    if current is not None and raw.sides:
                        current.sides.extend(raw.sides)  # "= ..." continues the previous equation
                        current.stray += raw.stray
                    else:
                        current = None  # a mention ($y_{1,1}$) between blocks ends the chain
                    continue
                lhs = expand(raw.lhs, self.macros).rstrip().rstrip(":")
                sides = [expand(side, self.macros) for side, _ in raw.sides]
                delta = self.deltas.offer(lhs, sides, _line(self.text, raw.offset))
                if sides and self.named.offer(lhs, _strip_trailing(sides[-1]), _line(self.text, raw.offset)) or delta:
                    current = None  # a definition (of δ, z, h) answers nothing
                    continue
                current = self.equation(lhs, raw.offset)
                used = {m.group(1) for part in (raw.lhs, *(side for side, _ in raw.sides))
                        for m in _PHYSICS_USE.finditer(part)} & undefined
                if current is not None and used:
                    current.undefined = self.undefined_message(sorted(used)[0])
                if current is not None:
                    current.boxed = boxed
                    current.sides.extend(raw.sides)
                    current.stray = raw.stray
                    self.equations.append(current)

    def equation(self, lhs: str, offset: int) -> _Equation | None:
        if not any(c in lhs for c in "\\d\u2202\u03b4"):
            return None
        try:
            found = parse_derivative_target(lhs, self.notation, self.limits, general=True)
        except ParseError as err:
            if "is outside" in err.message:
                self.problems.append(Problem(_line(self.text, offset), snippet(lhs), err.message))
            elif "a general entry" in err.message or (_LETTER_SUBSCRIPT.search(lhs) and self.names_target(lhs)):
                self.problems.append(Problem(_line(self.text, offset), snippet(lhs), (
                    "this general formula is not instantiated, so it answers no entry: its left side must name "
                    "the entry by distinct index letters, one per index, that are not names of the exercise "
                    "(x_{i,j}, k_m), not expressions such as x_{i+1,j}")))
            return None
        if found.array.name not in self.targets:
            return None
        index = found.index
        if index is None and found.variables is None and not found.array.axes:
            index = next(iter(target_entries(found.array)))  # written without indices: its one entry
        return _Equation(found.array, index, _line(self.text, offset), variables=found.variables)

    def answers(self) -> tuple[Answer, ...]:
        # One rule for every entry: the last answer in reading order counts, whether it is the
        # entry's own equation or a whole-target one. Only the winners are parsed: parsing every
        # superseded equation would let one file repeat a costly sum thousands of times.
        winner: dict[tuple[str, tuple[int, ...]], _Equation] = {}
        ambiguous: dict[tuple[str, tuple[int, ...]], tuple[int, int]] = {}  # key -> (boxed line, other line)
        for eq in self.equations:
            if eq.index is None and eq.variables is None and self.layout(eq):
                source = expand(eq.sides[-1][0], self.macros) if eq.sides else ""
                if not self.names_target(source):
                    self.problems.append(Problem(eq.lhs_line, "", (
                        f"the matrix on line {eq.lhs_line} was not read: its \\cdots/\\vdots/\\ddots entries have no "
                        f"value; write every entry of the matrix, or each entry as its own equation")))
                continue  # dC/dX = (dC/dx_{1,1} ... \vdots): the entries are derived one by one
            keys = [(eq.array.name, i) for i in target_entries(eq.array)] if eq.index is None \
                else [(eq.array.name, eq.index)]
            again = [k for k in keys if k in winner]
            if again:
                first = sorted({winner[k].lhs_line for k in again})
                label = entry_label(eq.array, again[0][1]) if len(again) == 1 else \
                    f"{len(again)} entries of {eq.array.name}"
                lines = ", ".join(map(str, first))
                self.problems.append(Problem(eq.lhs_line, "", f"{label} answered again on line {eq.lhs_line} "
                                             f"(first on line{'s' if len(first) > 1 else ''} {lines}); "
                                             f"the last answer counts"))
            for k in again:
                before = winner[k]
                if before.boxed and self.final_side(before) != self.final_side(eq):
                    # A \boxed answer is final: a different later one is not silently taken.
                    ambiguous.setdefault(k, (before.lhs_line, eq.lhs_line))
            winner.update({k: eq for k in keys})
        merged: dict[tuple[str, tuple[int, ...]], Answer] = {}
        whole: dict[int, dict] = {}
        for key, eq in winner.items():
            if eq.index is not None:
                merged[key] = self.entry_answer(eq)
                continue
            if id(eq) not in whole:
                read = self.general_answers(eq) if eq.variables else self.whole_answers(eq)
                whole[id(eq)] = {(a.target, a.index): a for a in read}
            merged[key] = whole[id(eq)][key]
        for key, (boxed_line, other_line) in ambiguous.items():
            answer = merged[key]
            merged[key] = Answer(answer.target, answer.index, None,
                                 f"two different final answers: the boxed one on line {boxed_line} and another on "
                                 f"line {other_line}; keep only the one you mean", answer.source, other_line,
                                 answer.style, answer.steps)
        return tuple(merged[k] for k in sorted(merged))

    def final_side(self, eq: _Equation) -> str:
        """The last side as compared between two answers: without spacing (`\\,`, `\\;`, blanks)."""
        source = _strip_trailing(expand(eq.sides[-1][0], self.macros)) if eq.sides else ""
        return "".join(_SPACING.sub(" ", source).split())

    def layout(self, eq: _Equation) -> bool:
        """A whole-target 'answer' that only lays out the entries' own derivatives (or \\vdots)."""
        source = expand(eq.sides[-1][0], self.macros) if eq.sides else ""
        return bool(_LAYOUT_CELLS.search(source)) or self.names_target(source)

    def names_target(self, source: str) -> bool:
        """Whether `source` holds a derivative of the loss by an entry of a target."""
        for m in _LOSS_DERIVATIVE.finditer(source):
            if m.group(1) in self.notation.loss_aliases + (self.notation.loss,) and any(
                    self.notation[t].latex == m.group(2) for t in self.targets):
                return True
        return False

    def last_side(self, eq: _Equation) -> tuple[str, int, tuple[str, ...]]:
        steps = tuple(" ".join(s.split()) for s, _ in eq.sides)
        source, at = eq.sides[-1]
        source = self.deltas.rewrite(expand(source, self.macros))
        lead = len(source) - len(source.lstrip())
        source = _strip_trailing(source)
        return source, _line(self.text, at + lead), steps

    def entry_answer(self, eq: _Equation) -> Answer:
        source, line, steps = self.last_side(eq)
        assert eq.index is not None  # one entry's equation
        answer = partial(Answer, target=eq.array.name, index=eq.index, source=source, line=line, steps=steps)
        unsure = self.unsure(eq) or self.deltas.problem(source)
        if unsure:
            return answer(value=None, problem=unsure, style="latex" if "\\" in source else "plain")
        garbled = self.garbled(source)
        if garbled:
            return answer(value=None, problem=garbled, style="latex")
        try:
            read = read_answer(self.named.substitute(source), self.named.notation_for_answers(), "auto", self.limits,
                               self.memo)
            expr, style = (read, read.style) if isinstance(read, Reading) else read
            return answer(value=expr, problem=None, style=style)
        except ParseError as err:
            first_error = err
        if self.repair:
            repaired = self.leftover_differential(source, eq)
            if isinstance(repaired, Answer):
                return repaired
            if isinstance(repaired, str):
                return answer(value=None, problem=repaired, style="latex")
        return answer(value=None, problem=str(first_error), style="latex" if "\\" in source else "plain")

    def general_answers(self, eq: _Equation) -> list[Answer]:
        source, line, steps = self.last_side(eq)
        unsure = self.unsure(eq) or self.deltas.problem(source)
        if unsure:
            return [Answer(eq.array.name, i, None, unsure, snippet(source), line, "latex", steps)
                    for i in target_entries(eq.array)]
        assert eq.variables is not None  # a general formula names its index variables
        return general_answers(source, eq.array, eq.variables, self.notation, self.limits, line, steps)

    def whole_answers(self, eq: _Equation) -> list[Answer]:
        source, line, steps = self.last_side(eq)
        entries = target_entries(eq.array)
        try:
            garbled = self.garbled(source) or self.deltas.problem(source)
            if garbled:
                raise ParseError(garbled, source)
            rows, style, form = parse_whole(source, self.notation, self.limits, delta_ok=self.deltas.means_gradient(),
                                            names=self.named)
        except ParseError as err:
            return [Answer(eq.array.name, i, None, str(err), snippet(source), line, "latex", steps) for i in entries]
        paired = split_matrix(eq.array, rows)
        if isinstance(paired, str):
            return [Answer(eq.array.name, i, None, paired + (" (from the matrix form)" if form else ""),
                           snippet(source), line, style, steps) for i in entries]
        note = f"from the matrix form on line {line}: {snippet(source, 60)}" if form else None
        return [Answer(eq.array.name, i, expr, None, show(expr, self.notation, style), line, style, steps, note)
                for i, expr in paired]

    @staticmethod
    def undefined_message(name: str) -> str:
        return (f"\\{name} is not defined: it comes from the physics package, and this file has no "
                f"\\usepackage{{physics}} or \\newcommand for it; write \\frac{{\\partial C}}{{\\partial x_{{1,1}}}} "
                f"or add \\usepackage{{physics}} to the preamble")

    def unsure(self, eq: _Equation) -> str | None:
        """Why it is unclear which text answers `eq` (so it gets an error, never marks), or None."""
        if eq.undefined:
            return eq.undefined
        label = entry_label(eq.array, eq.index) if eq.index is not None else \
            f"{eq.array.latex}_{{{','.join(eq.variables or ())}}}"
        if eq.stray.strip():
            return (f"the answer for {label} is followed by {snippet(eq.stray.strip(), 60)!r}, which is not an "
                    f"equation, so it is unclear which text is the answer: write one equation per line, or "
                    f"separate equations with \\quad and give each its left side")
        for side, _ in eq.sides[:-1]:
            if self.names_target(expand(side, self.macros)):
                return (f"the equation for {label} runs into another derivative of the loss by an entry "
                        f"({snippet(side.strip(), 60)!r}): put each equation on its own line, or separate them "
                        f"with \\quad, \\\\ or a comma")
        return None

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
        assert eq.index is not None  # only one entry's equation is repaired
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
