"""Readers of expression submissions: YAML answer files and written derivations.

Both return an `ExpressionSubmission`: one `Answer` per entry found (parsed, or with the error
and the student's snippet) and `Problem`s for what could not be read as an answer. Only a file
that cannot be read at all raises `SubmissionError`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ...spec.notation import Notation
from ..parsing import ParseLimits
from .answers import Answer, ExpressionSubmission, Problem, SubmissionError
from .document import read_document
from .yaml_answers import read_yaml_answers

__all__ = ["Answer", "ExpressionSubmission", "Problem", "SubmissionError", "read_expression_submission",
           "read_document", "read_yaml_answers"]

_YAML = (".yaml", ".yml")
_DOCUMENTS = (".md", ".markdown", ".tex", ".txt", ".ipynb")


def read_expression_submission(path, notation: Notation, targets: Sequence[str],
                               limits: ParseLimits = ParseLimits(), *, repair: bool = True) -> ExpressionSubmission:
    """Read the answers for `targets` from a YAML file or a written derivation (by suffix).

    `repair` lets the document reader read a leftover differential as the factor it follows
    (see docs/answer-format.md). Raises SubmissionError when the file is missing, larger than
    1 MB, not UTF-8, not valid YAML, or of an unknown kind.
    """
    suffix = Path(path).suffix.lower()
    if suffix in _YAML:
        return read_yaml_answers(path, notation, targets, limits)
    if suffix in _DOCUMENTS:
        return read_document(path, notation, targets, limits, repair=repair)
    raise SubmissionError(f"unknown kind of answer file {suffix or '(no suffix)'!r}: "
                          f"use .yaml/.yml, or .md/.tex/.txt/.ipynb for a written derivation", str(path))
