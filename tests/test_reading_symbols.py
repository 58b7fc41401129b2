"""The exercise's table of symbols: forward outputs, given values, sizes, the student's own
definitions, and the messages for what is not read (an unknown letter, \\pdv without the physics
package, a matrix of \\cdots, cases that leave a value out)."""
import pytest

from grader.answers.parsing import ParseError, parse_expression
from grader.pipeline import GradeOptions, grade
from grader.spec.load import load_exercise


def _grade(exercise, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return grade(load_exercise(exercise), path, GradeOptions(seed=0, timeout=None, lang="en", diagnose=False))


@pytest.mark.parametrize("exercise, answer, right", [
    ("sigmoid-4", "dy[1]*y[1]*(1 - y[1])", True),
    ("sigmoid-4", "dy[1]*y[1]^2", False),
    ("tanh-4", "dy[1]*(1 - y[1]^2)", True),
    ("tanh-4", "dy[1]*(1 - y[1])^2", False),
    ("softmax-cross-entropy-2x3", "(p[1,2] - 1)/N", True),
    ("softmax-cross-entropy-2x3", "(p[1,2] - 1)/D", False),
])
def test_outputs_and_sizes_are_symbols_of_the_exercise(exercise, answer, right, tmp_path):
    key = "Z[1,2]" if exercise.startswith("softmax") else "x[1]"
    report = _grade(exercise, tmp_path, "a.yaml", f"{key}: {answer!r}\n")
    assert (report.score > 0) is right, [c.feedback for c in report.checks]


def test_given_values_decide_steps_and_credit_hand_substituted_numbers(tmp_path):
    report = _grade("two-layer-relu-mse", tmp_path, "a.yaml", (
        'h: ["((y[1] - t[1])*v[1,1] + (y[2] - t[2])*v[2,1])*1[h[1] > 0]", '
        '"((y[1] - t[1])*v[1,2] + (y[2] - t[2])*v[2,2])*1[h[2] > 0]", "(y[1] - t[1])*v[1,3] + (y[2] - t[2])*v[2,3]"]\n'
        'W[2,2]: "2*((y[1] - t[1])*v[1,2] + (y[2] - t[2])*v[2,2])"\n'
        'W[2,1]: "2*((y[1] - t[1])*v[1,2] + (y[2] - t[2])*v[2,2])"\n'))
    status = {c.name: c.status for c in report.checks}
    assert [status[f"dL/dh[{i}]"] for i in (1, 2, 3)] == ["pass"] * 3
    assert status["dL/dw[2,2]"] == "pass" and status["dL/dw[2,1]"] == "fail"


def test_an_unknown_letter_is_told_what_it_likely_means():
    with pytest.raises(ParseError) as info:
        parse_expression(r"\frac{\partial C}{\partial y_1} b_1 (1 - b_1)", load_exercise("sigmoid-4").notation)
    assert "unknown symbol 'b': did you mean y (the output of sigmoid)?" in str(info.value)
    # a is the activation's alias (a_i = sigma(x_i)): read, never asked about
    assert parse_expression(r"a_1 (1 - a_1)", load_exercise("sigmoid-4").notation) is not None


def test_a_students_own_definition_extends_the_table(tmp_path):
    right = _grade("sigmoid-4", tmp_path, "a.md", "Where $a = \\sigma(x)$:\n\n"
                   "$$\\frac{\\partial C}{\\partial x_1} = \\frac{\\partial C}{\\partial y_1} a_1 (1 - a_1)$$\n")
    assert right.checks[0].status == "pass"
    wrong = _grade("sigmoid-4", tmp_path, "b.md", "Let $a_i = \\sigma(x_i)^2$.\n\n"
                   "$$\\frac{\\partial C}{\\partial x_1} = \\frac{\\partial C}{\\partial y_1} a_1 (1 - a_1)$$\n")
    assert wrong.checks[0].status != "pass"


def test_pdv_without_the_physics_package_is_named_as_undefined(tmp_path):
    report = _grade("conv2d-3x3-k2x1", tmp_path, "a.tex",
                    "\\[ \\pdv{C}{x_{1,1}} = \\pdv{C}{y_{1,1}} k_1 \\]\n")
    assert any("\\pdv is not defined" in m and m.startswith("line 1") for m in report.messages), report.messages
    # the entry it answers is told so too, never "no answer found"
    first = next(c for c in report.checks if c.index == (1, 1) and c.target == "X")
    assert first.status == "error" and "\\pdv is not defined" in first.feedback and "(line 1)" in first.feedback
    assert "no answer found" not in first.feedback


def test_a_matrix_of_cdots_is_said_not_read(tmp_path):
    report = _grade("conv2d-3x3-k2x1", tmp_path, "a.md", (
        "$$\\frac{\\partial C}{\\partial X} = \\begin{pmatrix} \\frac{\\partial C}{\\partial y_{1,1}} k_1 & \\cdots & 0 "
        "\\\\ \\vdots & \\ddots & \\vdots \\\\ 0 & \\cdots & 0 \\end{pmatrix}$$\n"))
    assert any("was not read" in m and "\\cdots" in m for m in report.messages), report.messages
    assert report.score == 0


@pytest.mark.parametrize("text, right", [
    (r"\begin{cases} \frac{\partial C}{\partial y_1} & x_1 > 0 \\ 0 & x_1 \le 0 \end{cases}", True),
    (r"\begin{cases} 0 & x_1 \leq 0 \\ \frac{\partial C}{\partial y_1} & \text{otherwise} \end{cases}", True),
    (r"\begin{cases} \frac{\partial C}{\partial y_1} & \text{if } x_1 > 0 \\ 0 & \text{otherwise} \end{cases}", True),
    (r"\begin{cases} \frac{\partial C}{\partial y_1} & x_1 \ge 0 \\ 0 & x_1 < 0 \end{cases}", False),
])
def test_cases_on_values_are_read_exactly(text, right, tmp_path):
    report = _grade("relu-4", tmp_path, "a.tex", f"\\[ \\frac{{\\partial C}}{{\\partial x_1}} = {text} \\]\n")
    assert (report.checks[0].status == "pass") is right, report.checks[0].feedback


@pytest.mark.parametrize("exercise, entry, shown", [
    ("softmax-cross-entropy-2x3", ("Z", (0, 0)), "p[1,1]/2"),
    ("sigmoid-4", ("x", (0,)), "dy[1]*y[1]*(1 - y[1])"),
    ("two-layer-relu-mse", ("y", (0,)), "y[1]"),
])
def test_the_reference_is_printed_in_the_authors_terms(exercise, entry, shown):
    from grader.render.solution import render_solution

    text = render_solution(load_exercise(exercise), "text")
    assert shown in text and "exp(" not in text


def test_feedback_on_a_wrong_softmax_answer_names_p_and_stays_short(tmp_path):
    report = _grade("softmax-cross-entropy-2x3", tmp_path, "a.yaml", "Z[1,2]: 'p[1,2] - 1'\nZ[2,1]: 'p[2,1]'\n")
    for check in report.checks:
        if check.status == "fail":
            said = " ".join([check.feedback, *check.details])
            assert "exp(" not in said and len(said) < 400, said
