"""Instructor feedback rules from the spec (`spec/feedback.py`: `Exercise.feedback.rules`), in the
spirit of STACK's answer notes.

A rule matches a wrong answer, either because it is equivalent to an expression the instructor
wrote (with `{i}`, `{j}`, `{k}`, `{l}` standing for the entry's written indices, and integer
arithmetic over them such as `{i+1}` or `{j//2}`) or because a named
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

from typing import Mapping

import numpy as np

from ..spec.feedback import Rule
from ..spec.load import Exercise
from ..spec.notation import Notation


def parsed_answer(rule: Rule, written: tuple[int, ...], notation: Notation):
    """The rule's expression for one entry (a sympy expression), or None when it cannot be
    read there (an index the template pushes outside an array is simply no match)."""
    # Imported here: grading code only loads the maths parser once a rule needs it.
    from ..answers.parsing import ParseError, parse_expression

    try:
        return parse_expression(rule.answer_for(written), notation)
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
