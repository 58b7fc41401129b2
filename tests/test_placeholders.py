"""Placeholders in a spec: variant values with integer arithmetic (`//` for output sizes), and a
feedback rule's entry indices `{i}`, `{j}`, `{k}`, `{l}` with arithmetic over them; both read
by our own small grammar (`grader/spec/placeholders.py`), never by eval."""
import textwrap

import pytest

from grader.spec.feedback import fill
from grader.pipeline import GradeOptions, grade
from grader.spec.load import parse_exercise
from grader.spec.placeholders import MAX_LENGTH, evaluate
from grader.spec.variants import substitute

SIZES = {"H": 7, "KH": 3, "S": 2, "P": 1, "L": [1, 2]}


@pytest.mark.parametrize("text, expected", [
    ("H", 7), ("(H-KH)//S+1", 3), ("(H + 2*P - KH) // S + 1", 4), ("H % S", 1), ("-H//2", -4),
    ("H*(KH-1)", 14), ("L", [1, 2]),
    # not expressions: the text stays as written
    ("H/2", None), ("H//0", None), ("H%0", None), ("H**2", None), ("L+1", None), ("M+1", None),
    ("(H", None), ("H)", None), ("", None), ("__import__('os')", None), ("1" * (MAX_LENGTH + 1), None),
    ("-" * 150 + "1", 1),
])
def test_integer_expressions(text, expected):
    assert evaluate(text, SIZES) == expected


@pytest.mark.parametrize("text, expected", [
    ("{{(H-KH)//S+1}}", 3), ("Y is ${{(H-KH)//S+1}}\\times{{H%2}}$", "Y is $3\\times1$"),
    ("{{H/2}}", "{{H/2}}"), ("x_{{i}}", "x_{{i}}"),
])
def test_variant_placeholders_compute_output_sizes(text, expected):
    assert substitute(text, SIZES) == expected


@pytest.mark.parametrize("template, written, expected", [
    ("dy[{i},{j}]", (2, 3), "dy[2,3]"),
    ("dy[{i},{j},{k}]*k[{i},{l},1,1]", (1, 2, 3, 4), "dy[1,2,3]*k[1,4,1,1]"),
    ("x[{i+1},{ j - 1 }]", (2, 3), "x[3,2]"),
    ("dy[{(i+1)//2},{(j+1)//2}]", (3, 4), "dy[2,2]"),
    # LaTeX braces without an index name are text; an index the entry does not have stays
    ("\\frac{1}{2} x_{12} {k}", (2, 3), "\\frac{1}{2} x_{12} {k}"),
    ("{i}", None, "{i}"),
])
def test_rule_placeholders(template, written, expected):
    assert fill(template, written) == expected


STRIDED = textwrap.dedent("""\
    id: strided
    title: Strided
    variants:
      H: {min: 5, max: 7, default: 7}
    statement: "X is {{H}}x{{H}}; with stride 2, Y is {{(H-3)//2+1}}x{{(H-3)//2+1}}."
    inputs:
      X: {shape: ["{{H}}", "{{H}}"], symbol: x}
      K: {shape: [3, 3], symbol: k}
    graph:
      - {op: correlate2d, inputs: [X, K], output: Y, params: {stride: 2}}
    output: {name: Y, symbol: y}
    upstream: {name: dY, symbol: dy}
    targets:
      X: {points: 1}
      K: {points: 1}
    feedback:
      rules:
        - id: one-window
          target: K
          answer: "dy[1,1]*x[{i},{j}]"
          message: {en: "only the first window of x[{i},{j}]'s row {(i+1)//2}"}
    """)


def test_an_output_size_computed_with_floor_division_builds_and_grades(tmp_path):
    exercise = parse_exercise(STRIDED, "strided.yaml")
    assert exercise.graph.shape("Y") == (3, 3)
    assert exercise.text() == "X is 7x7; with stride 2, Y is 3x3."
    answers = tmp_path / "a.yaml"
    answers.write_text('K[2,3]: "dy[1,1]*x[2,3]"\n', encoding="utf-8")
    report = grade(exercise, answers, GradeOptions(seed=0, timeout=None, lang="en"))
    check = next(c for c in report.checks if c.target == "K" and c.index == (2, 3))
    assert "one-window" in check.notes
    assert [f.message for f in check.findings if f.kind == "rule"] == ["only the first window of x[2,3]'s row 1"]
