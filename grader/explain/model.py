"""What a worked solution is, as data: sections of sentences and equations, every formula in
both notations. Kept apart from the maths that builds it, so that rendering (and the CLI's
choices) never import sympy."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Maths:
    """One formula, in plain notation and in LaTeX (both read by the answer parsers)."""

    plain: str
    tex: str


@dataclass(frozen=True)
class Prose:
    key: str  # a sentence of grader/i18n.py
    fields: tuple[tuple[str, object], ...] = ()  # values: Maths (written in the format's notation), str, int


@dataclass(frozen=True)
class Equation:
    sides: tuple[Maths, ...]  # left side = side = ... = last side (the answer)


@dataclass(frozen=True)
class Section:
    heading: Prose
    items: tuple[Prose | Equation, ...]


@dataclass(frozen=True)
class Explanation:
    exercise: str
    title: str
    variant: str | None  # the student id of the variant explained
    variant_values: str  # "H=4, W=3, KH=2"
    sections: tuple[Section, ...]
