"""Data inputs, fixed values and named intermediates: validated with file:line, shown in the
statement, and substituted so that every accepted form of a non-linear answer grades alike."""
import pytest

from grader.errors import SpecError
from grader.pipeline import GradeOptions, grade
from grader.render.statement import render_statement
from grader.spec.load import load_exercise, parse_exercise

BASE = """id: spec-data
title: t
statement: "..."
inputs:
  Z: {{shape: [3], symbol: z{z}}}
  T: {{shape: [3], symbol: t{t}}}
graph:
{graph}
output: {{name: L, symbol: L}}
{extra}
targets:
  {target}: {{points: 3}}
"""
SOFTMAX_CE = "  - {op: softmax, inputs: [Z], output: P}\n  - {op: cross_entropy, inputs: [P, T], output: L}"


def _spec(z="", t=", data: true", graph=SOFTMAX_CE, extra="", target="Z"):
    return BASE.format(z=z, t=t, graph=graph, extra=extra, target=target)


@pytest.mark.parametrize("spec, line, message", [
    (_spec(t=", data: true, values: [0, 1]"), 6, "values have shape [2], but T has shape [3]"),
    (_spec(t=", data: true, values: [0, 2, 0]"), 6, "T must hold one-hot labels"),
    (_spec(t=""), 6, "T is a one-hot target of cross_entropy: declare it `data: true`"),
    (_spec(target="T"), 13, "T is a data input (data: true): it is not differentiated"),
    (_spec(graph="  - {op: reshape, inputs: [Z], output: R, params: {shape: [1, 3]}}\n"
                 "  - {op: max_pool2d, inputs: [R], output: M, params: {size: 1}}\n  - {op: sum, inputs: [M], output: L}"),
     9, "max_pool2d needs the values of Z (`values:` in inputs)"),
    (_spec(extra="intermediates:\n  Q: {symbol: q}"), 12, "'Q' is not computed by a node"),
    (_spec(extra="intermediates:\n  Q: {symbol: q, of: P, part: xhat}"), 12, "softmax computes no 'xhat'"),
    (_spec(extra="intermediates:\n  P: {symbol: z}"), 12, "the symbol 'z' is used twice"),
    (_spec(target="P"), 13, "target 'P' is not an input or a node output named in `intermediates`"),
])
def test_spec_mistakes_are_reported_with_their_line(spec, line, message):
    with pytest.raises(SpecError) as info:
        parse_exercise(spec, "bad.yaml")
    problems = [(p.line, p.message) for p in info.value.problems]
    assert any(message in m and ln == line for ln, m in problems), problems


def test_statement_lists_data_values_intermediates_and_conventions():
    text = render_statement(load_exercise("maxpool2d-4x4-size2"))
    assert "values: [[1, 5, 2, 0], [3, 2, 7, 7], [0, 4, 6, 1], [2, 1, 3, 8]]" in text
    assert "row-major order (as numpy's argmax)" in text
    text = render_statement(load_exercise("softmax-cross-entropy-2x3"), "he")
    assert "(data: not differentiated)" in text and "P: shape (2, 3), may be written p[...]" in text
    assert "relu'(0) = 0" in render_statement(load_exercise("two-layer-relu-mse"))


def _element_wise(op: str, x: str, middle: str = "") -> object:
    """A one-entry exercise: y = op(x); with `middle`, the op's output is an intermediate of that
    symbol (y is then a flattened copy of it)."""
    graph = (f"  - {{op: {op}, inputs: [{x}], output: a}}\n  - {{op: flatten, inputs: [a], output: y}}" if middle
             else f"  - {{op: {op}, inputs: [{x}], output: y}}")
    return parse_exercise(f"""id: {op}-forms
title: t
statement: "..."
inputs:
  {x}: {{shape: [1], symbol: {x}}}
graph:
{graph}
output: {{name: y, symbol: y}}
upstream: {{name: dy, symbol: dy}}
{f"intermediates: {{a: {{symbol: {middle}}}}}" if middle else ""}
targets:
  {x}: {{points: 1}}
""", f"{op}.yaml")


SIGMOID = _element_wise("sigmoid", "z", middle="a")
TANH = _element_wise("tanh", "x")

# (exercise, entry, answer, right?): the forms docs/answer-format.md promises grade alike.
FORMS = [
    ("softmax-cross-entropy-2x3", "Z[1,2]", "(p[1,2] - 1)/2", True),
    ("softmax-cross-entropy-2x3", "Z[1,2]", "(p[1,2] - t[1,2])/2", True),
    ("softmax-cross-entropy-2x3", "Z[1,2]", "(exp(z[1,2])/(exp(z[1,1]) + exp(z[1,2]) + exp(z[1,3])) - 1)/2", True),
    ("softmax-cross-entropy-2x3", "Z[1,2]", "p[1,2]/2 - t[1,2]/2", True),
    ("softmax-cross-entropy-2x3", "Z[1,2]", "(p[1,2] - t[1,1])/2", False),
    ("softmax-cross-entropy-2x3", "Z[1,2]", "p[1,2] - 1", False),
    ("sigmoid", "z[1]", "dy[1]*a[1]*(1 - a[1])", True),
    ("sigmoid", "z[1]", "dy[1]*sigma(z[1])*(1 - sigma(z[1]))", True),
    ("sigmoid", "z[1]", "dy[1]*exp(-z[1])/(1 + exp(-z[1]))^2", True),
    ("sigmoid", "z[1]", "dy[1]*a[1]*(1 + a[1])", False),
    ("tanh", "x[1]", "dy[1]*(1 - tanh(x[1])^2)", True),
    ("tanh", "x[1]", "dy[1]*4/(exp(x[1]) + exp(-x[1]))^2", True),
    ("tanh", "x[1]", "dy[1]*4*exp(2*x[1])/(exp(2*x[1]) + 1)^2", True),
    ("tanh", "x[1]", "dy[1]*(1 - tanh(x[1]))^2", False),
    ("batchnorm-3x2", "beta[1]", "dy[1,1] + dy[2,1] + dy[3,1]", True),
    ("batchnorm-3x2", "gamma[2]", "dy[1,2]*xh[1,2] + dy[2,2]*xh[2,2] + dy[3,2]*xh[3,2]", True),
    ("batchnorm-3x2", "gamma[2]", "dy[1,2]*(x[1,2] - mu[2])/s[2] + dy[2,2]*(x[2,2] - mu[2])/s[2] + dy[3,2]*(x[3,2] - mu[2])/s[2]", True),
    ("batchnorm-3x2", "gamma[2]", "dy[1,2]*xh[1,2] + dy[2,2]*xh[2,2]", False),
]


@pytest.mark.parametrize("exercise_id, entry, answer, right", FORMS)
def test_accepted_answer_forms(tmp_path, exercise_id, entry, answer, right):
    exercise = {"sigmoid": SIGMOID, "tanh": TANH}.get(exercise_id) or load_exercise(exercise_id)
    answers = tmp_path / "answers.yaml"
    answers.write_text(f'"{entry}": "{answer}"\n', encoding="utf-8")
    report = grade(exercise, answers, GradeOptions(seed=0, timeout=None, lang="en", diagnose=False))
    check = next(c for c in report.checks if "missing-answer" not in c.notes)
    assert (check.status == "pass") is right, check.feedback
