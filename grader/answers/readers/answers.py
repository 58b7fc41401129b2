"""What the readers of expression submissions hand to the checks: plain frozen dataclasses."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy

from ...errors import GraderError
from ...files import RefusedFile, read_regular
from ..parsing import ParseError, Reading

if TYPE_CHECKING:
    from ...spec.notation import Style

MAX_FILE_BYTES = 1_000_000  # a full 28x28 answer in LaTeX is ~250 kB; more is not an answer


class SubmissionError(GraderError):
    """The file itself cannot be read: missing, not UTF-8, too large, or not valid YAML."""

    def __init__(self, message: str, path: str = "", line: int | None = None) -> None:
        self.message, self.path, self.line = message, path, line
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Answer:
    target: str                      # "X", "K"
    index: tuple[int, ...]           # 0-based full array index (k_2 -> (1, 0))
    value: sympy.Expr | Reading | None  # a Reading is built on first use of `expr`
    problem: str | None              # why it could not be read, with the snippet and a caret
    source: str                      # the student's text for this entry (the final right-hand side)
    line: int | None                 # 1-based line in the submission file
    style: Style                     # "plain" | "latex": feedback answers in the student's notation
    steps: tuple[str, ...] = ()      # a derivation's chain of right-hand sides, as written
    note: str | None = None          # how the reader repaired a garbled text, for the instructor

    @property
    def poly(self) -> dict | None:
        """The answer's exact polynomial when it was read without sympy (see parsing.read_answer)."""
        return self.value.poly if isinstance(self.value, Reading) else None

    @property
    def expr(self) -> sympy.Expr | None:
        """The answer as sympy (None when unreadable); a right answer read as a polynomial is only
        built when something asks for it (diagnosis, printing)."""
        if isinstance(self.value, Reading):
            return self._built()[0]
        return self.value

    @property
    def error(self) -> str | None:
        if isinstance(self.value, Reading):
            return self._built()[1]
        return self.problem

    def _built(self) -> tuple[sympy.Expr | None, str | None]:
        cached = self.__dict__.get("_built_value")
        if cached is None:
            try:
                assert isinstance(self.value, Reading)  # only readings are built
                cached = (self.value.build()[0], None)
            except ParseError as err:  # never expected: the direct reader is the stricter one
                cached = (None, str(err))
            self.__dict__["_built_value"] = cached  # a cache, not state: frozen for every field
        return cached


@dataclass(frozen=True)
class Problem:
    """Something in the file that could not be read as an answer."""

    line: int | None
    snippet: str
    message: str


@dataclass(frozen=True)
class ExpressionSubmission:
    path: str
    answers: tuple[Answer, ...]      # whole-target answers already split; sorted by (target, index)
    problems: tuple[Problem, ...]


def read_text(path, limit: int = MAX_FILE_BYTES) -> str:
    """The file as text. Raises SubmissionError when missing, too large or not UTF-8."""
    try:
        # lstat, then O_NOFOLLOW: a link to someone else's file is refused, never read or quoted.
        data = read_regular(path, limit)
    except RefusedFile as refused:
        raise SubmissionError(str(refused), str(path)) from None
    except FileNotFoundError:
        raise SubmissionError("no such file", str(path)) from None
    except OSError as err:
        raise SubmissionError(f"cannot read the file: {err.strerror or err}", str(path)) from None
    if len(data) > limit:
        size = max(os.lstat(path).st_size, len(data))
        raise SubmissionError(f"the file is {size:,} bytes; the limit is {limit:,}", str(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise SubmissionError(f"the file is not UTF-8 text (byte {err.start})", str(path), line) from None
    return text[1:] if text.startswith("\ufeff") else text


def snippet(text: str, width: int = 120) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= width else one_line[: width - 1] + "…"
