"""How the grader reads one typed entry: the expression it parsed, or the error with its caret.

The same reader as grading (our grammars, size and depth limits; never eval or sympy's parsers),
so what the preview shows is what the grade will see. Nothing is graded here: no reference is
consulted and no answer is revealed.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..answers.parsing import ParseError, parse_with_style
from ..answers.parsing.limits import ParseLimits
from ..answers.parsing.printer import to_plain
from ..spec.load import Exercise

MAX_PREVIEW_CHARS = ParseLimits().max_chars  # an entry longer than an answer may be is not read at all


@dataclass(frozen=True)
class Preview:
    text: str
    mathml: str | None = None  # the parsed expression as MathML markup (our printer's)
    plain: str = ""  # the same in plain notation, for a reader without MathML
    style: str = ""  # "plain" or "latex": the notation the text was read in
    error: str = ""  # why it cannot be read
    caret: str = ""  # the offending line with a caret under the column

    @property
    def ok(self) -> bool:
        return not self.error


def preview(exercise: Exercise, text: str) -> Preview:
    """Read one entry as the grader reads an answer. Never raises for anything the text holds."""
    import xml.etree.ElementTree as ET

    from ..render._maths import expression_mathml

    if not text.strip():
        return Preview(text)
    if len(text) > MAX_PREVIEW_CHARS:
        return Preview(text, error=f"the answer is too long ({len(text):,} characters; "
                                   f"the limit is {MAX_PREVIEW_CHARS:,})")
    try:
        expr, style = parse_with_style(text, exercise.notation, "auto")
    except ParseError as err:
        head = err.message + (f"; {err.hint}" if err.hint else "")
        return Preview(text, error=f"{head} (column {err.column})", caret=err.context())
    maths = expression_mathml(expr, exercise.notation)
    return Preview(text, None if maths is None else ET.tostring(maths, encoding="unicode"), to_plain(expr), style)
