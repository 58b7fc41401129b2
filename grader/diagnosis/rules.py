"""Instructor feedback rules from the spec, in the spirit of STACK's answer notes.

A rule matches a wrong answer, either because it is equivalent to an expression the instructor
wrote (with `{i}`, `{j}`, ... standing for the entry's written index) or because a named
detector matched it; it then attaches a message, an answer-note id (recorded in the JSON
report's `notes`) and partial credit (a fraction of the entry's, or function's, points).

    feedback:
      rules:
        - id: X-row2-merged-path
          target: X
          entries: [[2, 1], [2, 2], [2, 3]]
          answer: "dy[2,{j}]*(k[1] + k[2])"
          message: {en: "Both y[1,j] and y[2,j] read x[2,j], each with its own dC/dy.", he: "..."}
          credit: 0.25
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ..spec.load import Exercise

INDEX_NAMES = ("i", "j", "k", "l")
# Only these placeholders are filled, so LaTeX braces in a rule's text are left alone.
_PLACEHOLDER = re.compile(r"\{([ijkl])\}")


def fill(template: str, written: tuple[int, ...] | None) -> str:
    if not written:
        return template
    values = dict(zip(INDEX_NAMES, map(str, written)))
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


@dataclass(frozen=True)
class Rule:
    id: str
    target: str | None
    entries: frozenset | None  # 1-based written indices, or None for every entry
    answer: str | None
    detector: str | None
    message: Mapping[str, str]
    credit: float

    def applies_to(self, target: str, written: tuple[int, ...] | None) -> bool:
        if self.target is not None and self.target != target:
            return False
        return self.entries is None or written is None or tuple(written) in self.entries

    def text(self, lang: str, written: tuple[int, ...] | None = None) -> str:
        return fill(self.message.get(lang) or self.message.get("en") or next(iter(self.message.values()), ""), written)

    def answer_for(self, written: tuple[int, ...]) -> str:
        return fill(self.answer or "", written)

    def parsed_answer(self, written: tuple[int, ...], notation):
        """The rule's expression for one entry (a sympy expression), or None when it cannot be
        read there (an index the template pushes outside an array is simply no match)."""
        from ..answers.parsing import ParseError, parse_expression

        try:
            return parse_expression(self.answer_for(written), notation)
        except (ParseError, KeyError, IndexError, ValueError):
            return None


def symbol_values(exercise: Exercise, values: Mapping, upstream) -> dict:
    """Every entry symbol of the inputs (and of the upstream gradient) -> its float value, to
    evaluate an expression on one trial's arrays."""
    arrays = dict(values)
    if exercise.upstream is not None and upstream is not None:
        arrays[exercise.upstream] = upstream
    return {exercise.notation[name].symbol(idx): float(arr[idx])
            for name, arr in arrays.items() for idx in np.ndindex(*arr.shape)}


def rules_for(exercise: Exercise) -> tuple[Rule, ...]:
    rules = []
    for raw in exercise.feedback.get("rules", ()) if isinstance(exercise.feedback, Mapping) else ():
        message = raw["message"] if isinstance(raw["message"], dict) else {"en": raw["message"]}
        entries = frozenset(tuple(e) for e in raw["entries"]) if raw.get("entries") else None
        rules.append(Rule(raw["id"], raw.get("target"), entries, raw.get("answer"), raw.get("detector"),
                          message, float(raw.get("credit", 0.0))))
    return tuple(rules)
