"""ReLU's derivative: every spelling students write reads as the reference's step Heaviside(z, 0)
(0 at 0, as PyTorch), answers with steps are decided exactly branch by branch, and the printers
write a form the parsers read back."""
from __future__ import annotations

import pytest
import sympy
from sympy import Heaviside, Max, Rational

from grader.answers.equivalence import equivalent
from grader.answers.piecewise import MAX_CASES
from grader.spec.notation import ArrayNotation, Notation
from grader.answers.parsing import ParseError, parse_expression
from grader.answers.parsing.printer import to_latex, to_plain
from test_direct_reader import agree
from test_parsing import SEED, dy, x, k


def step(z):
    return Heaviside(z, 0)


READS = [
    ("relu'(x[1,1])", "plain", step(x(1, 1))),
    ("relu '(x[1,1])", "plain", step(x(1, 1))),
    ("1[x[1,1] > 0]", "plain", step(x(1, 1))),
    ("1 [ x[1,1]>0 ]", "plain", step(x(1, 1))),
    ("dy[1,1]*1[x[1,1] > k[1]]", "plain", dy(1, 1) * step(x(1, 1) - k(1))),
    ("H(x[1,1])", "plain", step(x(1, 1))),
    ("step(x[1,1]) - theta(x[1,2]) + heaviside(x[2,1])", "plain",
     step(x(1, 1)) - step(x(1, 2)) + step(x(2, 1))),
    ("2 1[x[1,1] > 0]", "plain", 2 * step(x(1, 1))),
    (r"\mathbb{1}[x_{1,1} > 0]", "latex", step(x(1, 1))),
    (r"\mathbb{1}\left[x_{1,1} \gt 0\right]", "latex", step(x(1, 1))),
    (r"\mathbb{1}_{x_{1,1}>0}", "latex", step(x(1, 1))),
    (r"\mathds{1}_{x_{1,1}>0}", "latex", step(x(1, 1))),
    ("\U0001d7d9_{x_{1,1}>0}", "latex", step(x(1, 1))),
    (r"H(x_{1,1})", "latex", step(x(1, 1))),
    (r"H\left(x_{1,1}\right)", "latex", step(x(1, 1))),
    (r"\theta(x_{1,1})", "latex", step(x(1, 1))),
    (r"\operatorname{relu}'(x_{1,1})", "latex", step(x(1, 1))),
    (r"\operatorname{ReLU}'\left(x_{1,1}\right)", "latex", step(x(1, 1))),
    (r"\operatorname{relu}^{\prime}(x_{1,1})", "latex", step(x(1, 1))),
    (r"\frac{\partial C}{\partial y_{1,1}} \mathbb{1}[x_{1,1} > 0]", "latex", dy(1, 1) * step(x(1, 1))),
]


@pytest.mark.parametrize("text, style, expected", READS, ids=[r[0] for r in READS])
def test_every_spelling_of_the_step_is_heaviside_with_zero_at_zero(text, style, expected):
    got = parse_expression(text, SEED, style)
    assert got == expected and all(h.args[1] == 0 for h in got.atoms(Heaviside))
    agree(text)  # the direct reader never takes it on its own


REFUSED = [
    ("1[x[1,1] >= 0]", "plain", "only '> 0' is read"),  # 1 at 0: not ReLU's derivative
    ("2[x[1,1] > 0]", "plain", "'['"),
    ("1[x[1,1]]", "plain", "']'"),
    ("step'(x[1,1])", "plain", "step' is not read"),
    ("relu'(x[1,1], x[1,2])", "plain", "expected a closing ')'"),
    (r"\mathbb{2}[x_{1,1} > 0]", "latex", "mathbb"),
    (r"\mathbb{1}[x_{1,1}]", "latex", "]"),
]


@pytest.mark.parametrize("text, style, words", REFUSED, ids=[r[0] for r in REFUSED])
def test_what_is_not_the_step_is_refused_at_the_character(text, style, words):
    with pytest.raises(ParseError) as info:
        parse_expression(text, SEED, style)
    assert words in str(info.value)
    agree(text)


def test_h_is_an_array_where_the_exercise_has_one():
    notation = Notation(arrays=(ArrayNotation("H", "H", (2,), (0,), "H"), ArrayNotation("X", "x", (2,), (0,), "x")))
    for text, style in [("H(x[1])", "plain"), ("H(x_{1})", "latex")]:
        with pytest.raises(ParseError) as info:
            parse_expression(text, notation, style)
        assert "H is an array of this exercise" in str(info.value)
    assert parse_expression("1[x[1] > 0]", notation, "plain") == step(notation["X"].symbol((0,)))


@pytest.mark.parametrize("expr", [
    dy(1, 1) * step(x(1, 1)), dy(1, 1) * (Rational(99, 100) * step(x(1, 1)) + Rational(1, 100)),
    step(x(1, 1) + k(1) * x(2, 1)) * dy(2, 1) + step(x(3, 3)) ** 2,
])
def test_printers_write_a_step_the_parsers_read_back(expr):
    assert parse_expression(to_plain(expr), SEED, "plain") == expr
    assert parse_expression(to_latex(expr, SEED), SEED, "latex") == expr
    assert "1[x[1,1] > 0]" in to_plain(dy(1, 1) * step(x(1, 1)))


a, b, d, z = sympy.symbols("a b d z")
LEAKY = Rational(1, 10) + Rational(9, 10) * step(z)
EQUIVALENCE = [
    # (student, reference, equivalent?)
    (d * step(z), d * step(z), True),
    (d * step(2 * z), d * step(z), True),                       # one step: same value everywhere
    (d * step(z) ** 2, d * step(z), True),                      # 0 or 1
    (d * (step(z) + 1) - d, d * step(z), True),
    (Rational(9, 10) * step(2 * z) * d + d / 10, d * LEAKY, True),
    (d * step(a * b + z) * a, a * d * step(a * b + z), True),
    (d * step(z), d, False),                                    # wrong for z < 0
    (d * step(z), 0 * d, False),                                # wrong for z > 0
    (d * Max(0, z) / z, d * step(z), False),                    # undefined at 0; never credited
    (d * (1 - step(-z)), d * step(z), False),                   # 1 at 0, where relu'(0) = 0
    (d * step(a), d * step(b), False),
    (d * step(z - 1), d * step(z), False),
    (d * step(z), d * LEAKY, False),
]


@pytest.mark.parametrize("student, reference, expected", EQUIVALENCE, ids=[str(r[0]) for r in EQUIVALENCE])
def test_answers_with_steps_are_decided_exactly_on_every_branch(student, reference, expected):
    assert equivalent(student, reference).equivalent is expected


def test_steps_that_cancel_are_not_split_and_too_many_cases_are_a_review():
    zs = sympy.symbols("s0:12")
    reference = sum(step(s) * s for s in zs)
    assert equivalent(reference, reference).equivalent
    assert equivalent(reference - step(zs[0]) * zs[0] + zs[0], reference).decision == "different"
    # 2^10 sign combinations are split; 2^11, all feasible, are more than MAX_CASES: review.
    assert equivalent(sum(Max(0, s) for s in zs[:10]), sum(step(s) * s for s in zs[:10])).equivalent
    assert 2 ** 11 > MAX_CASES and equivalent(sum(Max(0, s) for s in zs[:11]), sum(step(s) * s for s in zs[:11])).review


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_a_dense_relu_worked_solution_writes_the_step_and_grades_full_marks(fmt, tmp_path):
    from pathlib import Path

    from grader.spec.load import load_exercise
    from test_explain import _round_trip

    spec = Path(__file__).resolve().parent / "fixtures" / "specs" / "dense-relu-upstream.yaml"
    text, _ = _round_trip(load_exercise(str(spec)), tmp_path, fmt)
    assert "\\mathbb{1}\\left[z_{1} > 0\\right]" in text and "\\frac{\\max" not in text  # not max(0, z)/z
