"""The two readers of expression submissions: YAML answer files and written derivations."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sympy
from sympy import Add, Mul

from grader.answers.readers import SubmissionError, read_expression_submission
from conftest import SEED_NOTATION as SEED

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TARGETS = ("X", "K")


def x(i, j):
    return SEED["X"].symbol((i - 1, j - 1))


def k(i):
    return SEED["K"].symbol((i - 1, 0))


def dy(i, j):
    return SEED["dY"].symbol((i - 1, j - 1))


CORRECT = {("X", (0, j - 1)): dy(1, j) * k(1) for j in (1, 2, 3)}
CORRECT.update({("X", (1, j - 1)): dy(1, j) * k(2) + dy(2, j) * k(1) for j in (1, 2, 3)})
CORRECT.update({("X", (2, j - 1)): dy(2, j) * k(2) for j in (1, 2, 3)})
CORRECT[("K", (0, 0))] = Add(*[dy(n, m) * x(n, m) for n in (1, 2) for m in (1, 2, 3)])
CORRECT[("K", (1, 0))] = Add(*[dy(n, m) * x(n + 1, m) for n in (1, 2) for m in (1, 2, 3)])


def read(name, targets=TARGETS, **kw):
    return read_expression_submission(FIXTURES / name, SEED, targets, **kw)


def by_key(sub):
    return {(a.target, a.index): a for a in sub.answers}


# ---- the seed document ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def seed():
    return read("seed_solution.md")


def test_seed_is_read_without_crashing(seed):
    assert seed.path.endswith("seed_solution.md")
    assert [(a.target, a.index) for a in seed.answers] == sorted(CORRECT)  # every entry accounted for


def test_seed_clean_entry(seed):
    a = by_key(seed)[("X", (0, 0))]
    assert a.expr == Mul(dy(1, 1), k(1)) and a.error is None and a.note is None
    assert a.source == r"\frac{\delta C}{\delta y_{1,1}} * k_1"
    assert a.style == "latex" and a.line == 64
    assert a.steps == (r"\frac{\delta C}{\delta y_{1,1}} * \frac{\delta y}{\delta x_{1,1}}",
                       r"\frac{\delta C}{\delta y_{1,1}} * k_1")


def test_seed_row_two_is_the_students_wrong_answer(seed):
    a = by_key(seed)[("X", (1, 0))]
    assert a.expr == Mul(dy(2, 1), Add(k(1), k(2)))  # exactly as written: the merged path
    assert a.source == r"\frac{\delta C}{\delta y_{2,1}} * \frac{(k_2 + k_1)}{\delta x_{2,1}}"
    assert len(a.steps) == 4  # the chain continues into the next $$ block starting with "="
    assert "left over" in a.note and a.line == 79


def test_seed_leftover_differentials_are_read_with_a_note(seed):
    for j in (2, 3):
        a = by_key(seed)[("X", (0, j - 1))]
        assert a.expr == dy(1, j) * k(1)
        assert r"\delta x_{1," in a.note


def test_seed_leftover_differential_repair_can_be_turned_off():
    answers = by_key(read("seed_solution.md", repair=False))
    assert answers[("X", (0, 1))].expr is None and "unexpected" in answers[("X", (0, 1))].error
    assert answers[("X", (1, 0))].expr is None


@pytest.mark.parametrize("index,words", [
    ((1, 1), r"\frac{(k_2 + k_1)}{(k_2 + k_1)} has the same numerator and denominator"),
    ((1, 2), "same numerator and denominator"),
    ((2, 0), r"\frac{k_2}{\delta x_{3,1}} is all that is left"),
    ((2, 1), r"\frac{k_2}{k_2}"),
    ((2, 2), r"\frac{k_2}{k_2}"),
])
def test_seed_garbled_entries_are_errors_with_the_snippet(seed, index, words):
    a = by_key(seed)[("X", index)]
    assert a.expr is None and words in a.error
    assert a.source and a.line


def test_seed_kernel_equation_is_garbled(seed):
    for i in (0, 1):
        a = by_key(seed)[("K", (i, 0))]
        assert a.expr is None
        assert "never closed" in a.error and r"\underbrace{\sum_{n=1}^{" in a.error
        assert a.line == 50 and len(a.steps) == 5


def test_seed_forward_outputs_and_layouts_are_not_answers(seed):
    # y_{1,1} = ..., X = pmatrix, dC/dX = (layout with \vdots) are not answers and not problems.
    assert seed.problems == ()


# ---- clean derivations ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["derivation_en_partial.md", "derivation_he_delta.md",
                                  "derivation_en_delta.tex", "derivation_he_partial.txt"])
def test_clean_derivations_are_fully_read(name):
    sub = read(name)
    answers = by_key(sub)
    assert sorted(answers) == sorted(CORRECT)
    for key, expected in CORRECT.items():
        a = answers[key]
        assert a.error is None, (key, a.error)
        assert sympy.expand(a.expr - expected) == 0, key
        assert a.style == "latex" and a.line
    assert sub.problems == ()


def test_derivation_keeps_the_chain_and_the_line():
    answers = by_key(read("derivation_en_partial.md"))
    a = answers[("X", (1, 0))]
    assert len(a.steps) == 2 and r"\frac{\partial y_{1,1}}{\partial x_{2,1}}" in a.steps[0]
    assert a.line == 28  # the continuation block's line
    assert answers[("K", (0, 0))].steps[0].startswith(r"\sum_{n=1}^{2}")


def test_whole_target_vector_in_a_derivation():
    """A sum over a vector is split into entries; each entry's source is written in LaTeX."""
    from grader.answers.parsing import parse_expression

    a = by_key(read("derivation_he_delta.md"))[("K", (1, 0))]
    assert "x_{3,3}" in a.source and a.style == "latex"
    assert sympy.expand(parse_expression(a.source, SEED) - CORRECT[("K", (1, 0))]) == 0


def test_document_problems(tmp_path):
    doc = tmp_path / "d.md"
    doc.write_text("$$\\frac{\\partial C}{\\partial x_{4,1}} = k_1$$\n"
                   "$$\\frac{\\partial C}{\\partial x_{1,1}} = k_1$$\n"
                   "$$\\frac{\\partial C}{\\partial x_{1,1}} = \\frac{\\partial C}{\\partial y_{1,1}} k_1.$$\n"
                   "$$\\frac{\\partial C}{\\partial Y} = 0$$ $$\\frac{\\partial C}{\\partial K} = "
                   "\\begin{pmatrix} 1 & 2 & 3 \\end{pmatrix}$$\n", encoding="utf-8")
    sub = read_expression_submission(doc, SEED, TARGETS)
    answers = by_key(sub)
    assert answers[("X", (0, 0))].expr == dy(1, 1) * k(1)  # the last derivation of an entry counts
    assert [p.line for p in sub.problems] == [1, 3]
    assert "outside x" in sub.problems[0].message and "answered again on line 3 (first on line 2)" in sub.problems[1].message
    assert "K has 2 entries" in answers[("K", (0, 0))].error


def test_document_without_answers(tmp_path):
    doc = tmp_path / "d.md"
    doc.write_text("Nothing here but $y_{1,1} = x_{1,1}k_1 + x_{2,1}k_2$.\n", encoding="utf-8")
    sub = read_expression_submission(doc, SEED, TARGETS)
    assert sub.answers == ()


# ---- YAML ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name,style", [("answers_plain.yaml", "plain"), ("answers_latex.yaml", "latex"),
                                        ("answers_matrix.yaml", None), ("answers_matrix_latex.yaml", "latex")])
def test_yaml_answers_are_fully_read(name, style):
    sub = read(name)
    answers = by_key(sub)
    assert sorted(answers) == sorted(CORRECT)
    for key, expected in CORRECT.items():
        a = answers[key]
        assert a.error is None, (key, a.error)
        assert sympy.expand(a.expr - expected) == 0, key
        assert style is None or a.style == style
    assert sub.problems == ()


def test_yaml_keeps_lines_and_sources():
    answers = by_key(read("answers_plain.yaml"))
    assert answers[("X", (0, 1))].source == "dy[1,2] k[1]" and answers[("X", (0, 1))].line == 3
    whole = by_key(read("answers_matrix.yaml"))
    assert whole[("X", (1, 0))].line == 5 and whole[("X", (1, 0))].style == "plain"
    assert whole[("K", (0, 0))].style == "latex" and whole[("K", (0, 0))].line == 9


def test_yaml_problems():
    sub = read("answers_problems.yaml")
    answers = by_key(sub)
    # The same key twice is a YAML error for that entry only, naming both lines.
    assert answers[("X", (0, 0))].expr is None and "lines 2 and 4" in answers[("X", (0, 0))].error
    assert "ends too early" in answers[("X", (0, 1))].error
    assert answers[("X", (1, 0))].error == "the answer is empty"
    assert answers[("X", (1, 1))].expr == sympy.Rational(1, 2)  # YAML floats are exact
    assert "got a list" in answers[("X", (1, 2))].error
    assert "got 'true'" in answers[("X", (2, 0))].error
    assert answers[("X", (2, 1))].expr == sympy.Rational(3, 20)
    messages = {p.line: p.message for p in sub.problems}
    assert "not an entry of X" in messages[5]
    assert "Y is not asked for" in messages[6]
    assert "unknown key 'foo'" in messages[7]
    assert "K has 2 entries" in messages[14]
    assert not any(a.target == "K" for a in sub.answers)


def test_unknown_targets_are_not_read():
    sub = read("answers_plain.yaml", targets=("X",))
    assert {a.target for a in sub.answers} == {"X"}
    assert sum("K is not asked for" in p.message for p in sub.problems) == 2


# ---- files that cannot be read -----------------------------------------------------------
def test_missing_file(tmp_path):
    with pytest.raises(SubmissionError, match="no such file"):
        read_expression_submission(tmp_path / "nope.yaml", SEED, TARGETS)


def test_not_utf8(tmp_path):
    path = tmp_path / "a.md"
    path.write_bytes("שלום\n".encode("utf-8") + b"\n\xff\xfe $x$")
    with pytest.raises(SubmissionError, match="not UTF-8") as info:
        read_expression_submission(path, SEED, TARGETS)
    assert info.value.line == 3


def test_yaml_syntax_error_has_the_line(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("# answers\n[X[1,1]: k[1]\n")
    with pytest.raises(SubmissionError, match="YAML syntax error") as info:
        read_expression_submission(path, SEED, TARGETS)
    assert info.value.line == 2


def test_yaml_one_unreadable_value_costs_that_entry_only(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text('X[1,1]: k[1]\nX[1,2]: [k[1]\nX[1,3]: "\\partial C"\nX[2,1]: dy[1,1]\n'
                    'X[2,2]: "\\frac{\\partial C}{\\partial y_{1,2}} k_2"\n')
    answers = by_key(read_expression_submission(path, SEED, TARGETS))
    assert answers[("X", (0, 0))].expr == k(1) and answers[("X", (1, 0))].expr == dy(1, 1)
    assert answers[("X", (0, 1))].expr is None and answers[("X", (0, 1))].line == 2
    for key in [("X", (0, 2)), ("X", (1, 1))]:  # LaTeX in double quotes: never graded, with the hint
        assert answers[key].expr is None and "single quotes" in answers[key].error, answers[key]


def test_too_large(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("# " + "x" * 1_000_001)
    with pytest.raises(SubmissionError, match="limit is 1,000,000"):
        read_expression_submission(path, SEED, TARGETS)


def test_unknown_suffix(tmp_path):
    path = tmp_path / "a.json"
    shutil.copy(FIXTURES / "answers_plain.yaml", path)
    with pytest.raises(SubmissionError, match="unknown kind"):
        read_expression_submission(path, SEED, TARGETS)


def test_yaml_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "a.yml"
    path.write_text("- k[1]\n- k[2]\n")
    sub = read_expression_submission(path, SEED, TARGETS)
    assert sub.answers == () and "expected a mapping" in sub.problems[0].message
    path.write_text("")
    assert "no answers" in read_expression_submission(path, SEED, TARGETS).problems[0].message
