"""What a caller may choose when grading: seed, time limit, language, diagnosis, variant.

Every field defaults to None ("the exercise's"), so one `GradeOptions()` grades as the spec
says, and one options value serves every submission of a class.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .spec.load import Exercise


@dataclass(frozen=True)
class GradeOptions:
    seed: int | None = None  # trial seed and random points of the exact checks; None means the exercise's
    timeout: float | None = None  # wall limit in seconds for student code; None means the exercise's
    lang: str | None = None  # feedback language (a code of i18n.LANGUAGES); None means the exercise's
    diagnose: bool = True  # explain wrong answers (off only to measure what diagnosis costs)
    variant: str | None = None  # student id whose variant is graded (grader/spec/variants.py); None: as loaded
    # False hides expected values and missing terms whatever the spec says: an official run must
    # not hand out the answers (`grader batch --no-reveal`).
    reveal: bool = True

    def seed_for(self, exercise: "Exercise") -> int:
        return exercise.trials.seed if self.seed is None else self.seed

    def lang_for(self, exercise: "Exercise") -> str:
        return self.lang or exercise.language

    def timeout_for(self, exercise: "Exercise") -> float:
        return exercise.limits.timeout if self.timeout is None else self.timeout
