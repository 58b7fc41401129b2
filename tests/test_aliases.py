"""Aliases: the other names courses give an exercise's nodes, declared by its ops
(`Op.written_as`) and by the spec (`aliases:`), read through the one symbol table."""
import pytest
import sympy

from grader.answers.parsing import ParseError, parse_expression
from grader.spec.load import load_exercise, parse_exercise

S = sympy.Symbol


def read(exercise, text):
    ex = load_exercise(exercise) if isinstance(exercise, str) else exercise
    return parse_expression(text, ex.notation, allow_outputs=True)


@pytest.mark.parametrize("exercise, written, means", [
    # batch norm's own op declares gamma, beta, x-hat, mu and sqrt(sigma^2 + epsilon)
    ("batchnorm-3x2", r"\gamma_1 + \beta_{2}", "g[1] + b[2]"),
    ("batchnorm-3x2", r"\hat{x}_{1,2} + \hat x_{21} + \widehat{x}_{3,1}", "xh[1,2] + xh[2,1] + xh[3,1]"),
    ("batchnorm-3x2", r"\mu_2", "mu[2]"),
    ("batchnorm-3x2", r"\frac{\gamma_1}{\sqrt{\sigma_1^2 + \epsilon}}", "g[1]/s[1]"),
    ("batchnorm-3x2", r"\gamma_1 \left(\sigma_{1}^{2} + \varepsilon\right)^{-1/2}", "g[1]/s[1]"),
    ("batchnorm-3x2", "γ₁ + β₂", "g[1] + b[2]"),
    ("batchnorm-3x2", "gamma[1]*xhat[2,1]", "g[1]*xh[2,1]"),
    # softmax's output is y-hat, the cross-entropy's target y (no array of the exercise is y)
    ("softmax-cross-entropy-2x3", r"\frac{\hat{y}_{1,2} - y_{1,2}}{N}", "(p[1,2] - t[1,2])/2"),
    ("softmax-cross-entropy-2x3", "(yhat[1,1] - y[1,1])/2", "(p[1,1] - t[1,1])/2"),
    # an activation is a_i in course notes
    ("sigmoid-4", "dy[1]*a[1]*(1 - a[1])", "dy[1]*y[1]*(1 - y[1])"),
    ("sigmoid-4", r"a_2 (1 - a_2)", "y[2]*(1 - y[2])"),
])
def test_an_alias_reads_as_the_array_it_names(exercise, written, means):
    # s = sqrt(var + eps) is positive: sqrt(s^2) is s once s is replaced by its definition
    positive = {S("s[1]"): sympy.Symbol("s1", positive=True)}
    assert sympy.expand((read(exercise, written) - read(exercise, means)).xreplace(positive)) == 0


def test_an_alias_never_takes_a_name_the_exercise_uses():
    # mse-dense-2-to-3 writes its prediction y: the loss's target alias y is not taken there
    ex = load_exercise("mse-dense-2-to-3")
    assert "y" not in {a.spelling for a in ex.notation.aliases}
    assert read(ex, "y[1] - t[1]") == S("y[1]") - S("t[1]")


SPEC = """
id: two-sigmoids
title: two sigmoids
statement: "y = sigmoid(w * sigmoid(x))"
inputs:
  x: {shape: [2], symbol: x}
  w: {shape: [2], symbol: w, aliases: ['\\theta', 'θ', 'theta']}
graph:
  - {op: sigmoid, inputs: [x], output: H}
  - {op: mul, inputs: [w, H], output: Z}
  - {op: sigmoid, inputs: [Z], output: y}
intermediates:
  H: {symbol: h, aliases: ['\\tilde{h}']}
output: {name: y, symbol: y}
upstream: {name: dy, symbol: dy}
targets:
  w: {points: 2}
"""


def test_a_spec_adds_aliases_and_an_alias_two_nodes_claim_is_not_taken():
    ex = parse_exercise(SPEC)
    spellings = {a.spelling: a.array for a in ex.notation.aliases}
    assert spellings["\\theta"] == spellings["θ"] == spellings["theta"] == "w"
    assert spellings["\\tilde{h}"] == "H"
    assert "a" not in spellings  # both sigmoids' outputs are "a": ambiguous
    assert read(ex, r"\theta_1 \tilde{h}_{2}") == S("w[1]") * S("h[2]")
    assert read(ex, "theta[2]") == read(ex, "θ₂") == S("w[2]")
    with pytest.raises(ParseError):
        read(ex, "a[1]")


def test_aliases_are_documented_in_the_exercise_format():
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "exercise-format.md").read_text(encoding="utf-8")
    assert "aliases:" in doc and "\\gamma" in doc and "written_as" in doc
