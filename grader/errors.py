"""Errors a user can cause, each with the exit code the CLI reports for it.

Anything raised from here is a message for a person, never a traceback: the CLI prints
`str(error)` and exits with `error.exit_code`.
"""
from __future__ import annotations

from dataclasses import dataclass


class GraderError(Exception):
    """A user error: bad arguments, an unknown exercise, an invalid spec, a missing file."""

    exit_code = 2


class UnreadableSubmission(GraderError):
    """A submission file that cannot be read at all (not UTF-8, YAML syntax, too large).

    Not a usage error: the pipeline turns it into a report with an error per target (exit 1),
    so the student sees why.
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line  # 1-based line of the file where reading failed, when known


@dataclass(frozen=True)
class SpecProblem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class SpecError(GraderError):
    """An exercise spec that cannot be used; `problems` lists every one found, with its line."""

    def __init__(self, problems: list[SpecProblem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UnknownExercise(GraderError):
    def __init__(self, ref: str, known: list[str], close: list[str]):
        self.ref, self.known, self.close = ref, known, close
        hint = f"did you mean: {', '.join(close)}?" if close else f"known exercises: {', '.join(known)}"
        super().__init__(f"unknown exercise {ref!r} (not a bundled id, not a file); {hint}")
