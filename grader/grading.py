"""Kept so that `from grader.grading import grade, GradeOptions` goes on working: the pipeline
lives in `pipeline.py`, the options in `options.py`."""
from __future__ import annotations

from .options import GradeOptions
from .pipeline import grade

__all__ = ["GradeOptions", "grade"]
