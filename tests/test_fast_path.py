"""The fast path of a right answer (see benchmarks/grade_expressions_28x28.py) gives the very
report the sympy path gives, builds no sympy expression from the student's text, and starts its
parsers from the shipped parse tables rather than from a grammar analysis."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import lark

import grader.answers.parsing as parsing
from grader.options import GradeOptions
from grader.answers.parsing import _grammars
from grader.pipeline import grade
from grader.render.json_report import render_json
from grader.spec.load import load_exercise

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "conv2d-3x3-k2x1"
ANSWERS = EXAMPLES / "correct.yaml"
WRONG = EXAMPLES / "wrong-flipped-kernel.yaml"


def _report(path: Path) -> str:
    return render_json(grade(load_exercise("conv2d-3x3-k2x1"), path, GradeOptions()))


@pytest.mark.parametrize("path", [ANSWERS, WRONG], ids=["right", "wrong"])
def test_the_fast_path_reports_byte_for_byte_what_the_sympy_path_reports(path, monkeypatch):
    fast = _report(path)
    # Without the direct readers every answer goes through the Builder into sympy.
    monkeypatch.setattr(parsing, "read_flat", lambda *args: None)
    monkeypatch.setattr(parsing, "read_polynomial", lambda *args: None)
    assert _report(path) == fast


def test_a_right_answer_builds_no_sympy_expression_from_its_text(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a right answer was read through sympy")

    monkeypatch.setattr(parsing, "parse_with_style", refuse)
    monkeypatch.setattr(parsing.Reading, "build", refuse)
    report = json.loads(_report(ANSWERS))
    assert report["score"] == report["max_score"]


@pytest.mark.parametrize("style", sorted(_grammars.STARTS))
def test_the_shipped_parse_tables_are_those_of_the_grammars(style):
    key = json.loads(_grammars.table_path(style).read_text())["key"]
    # Stale after a grammar change: regenerate with `python -m grader.answers.parsing._grammars`.
    assert key["grammar_sha256"] == _grammars.grammar_key(style)["grammar_sha256"]
    if key["lark"] != lark.__version__:
        pytest.skip(f"tables written with lark {key['lark']}: this lark builds its own (slower)")
    assert _grammars.shipped_table(style) is not None
