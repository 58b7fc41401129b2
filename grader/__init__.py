"""backprop-grader: grade backpropagation exercises.

The library API that the CLI and the tests use::

    from grader import load_exercise, grade, GradeOptions
    report = grade(load_exercise("conv2d-3x3-k2x1"), "answers.yaml", GradeOptions(seed=1))
    print(report.score, report.return_code)

Names are imported on first use, so that `import grader` (and with it every CLI start) does not
pay for sympy, lark or the sandbox when a command does not need them.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "grade": "grader.pipeline",
    "GradeOptions": "grader.options",
    "load_exercise": "grader.spec.load",
    "parse_exercise": "grader.spec.load",
    "Exercise": "grader.spec.load",
    "Report": "grader.report",
    "Check": "grader.report",
    "Finding": "grader.report",
}
__all__ = ["Check", "Exercise", "Finding", "GradeOptions", "Report", "grade", "load_exercise", "parse_exercise"]
assert sorted(__all__) == sorted(_EXPORTS)  # one list for the lazy loader, one for tools that read __all__

if TYPE_CHECKING:
    from .options import GradeOptions
    from .pipeline import grade
    from .report import Check, Finding, Report
    from .spec.load import Exercise, load_exercise, parse_exercise


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'grader' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
