"""Typed parse errors that point at the offending character."""
from __future__ import annotations


class ParseError(Exception):
    """A student's answer could not be read.

    Carries where (1-based `line` and `column` within `text`) and what the grammar would have
    accepted there (`expected`), so feedback can show a caret under the character instead of a
    bare "syntax error".
    """

    def __init__(self, message: str, text: str = "", line: int = 1, column: int = 1,
                 expected: tuple[str, ...] = (), hint: str = "") -> None:
        self.message = message
        self.hint = hint  # one sentence: what would have been accepted here
        self.text = text
        self.line = max(1, line)
        self.column = max(1, column)
        self.expected = tuple(expected)
        super().__init__(message)

    def context(self, span: int = 36) -> str:
        """The offending line (clipped to `span` characters each side) with a caret under the column."""
        lines = self.text.split("\n")
        if not lines or self.line > len(lines):
            return ""
        row = lines[self.line - 1]
        col = min(self.column, len(row) + 1) - 1
        start = max(0, col - span)
        end = min(len(row), col + span)
        prefix = "…" if start > 0 else ""
        suffix = "…" if end < len(row) else ""
        # Students' control and bidi characters would shift the caret; show them as spaces.
        shown = "".join(c if c.isprintable() else " " for c in row[start:end])
        return f"{prefix}{shown}{suffix}\n{' ' * (len(prefix) + col - start)}^"

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}" if "\n" in self.text else f"column {self.column}"
        head = f"{self.message} ({where})"
        if self.hint:
            head += f"; {self.hint}"
        ctx = self.context()
        return f"{head}\n{ctx}" if ctx else head


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a 0-based character offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column
