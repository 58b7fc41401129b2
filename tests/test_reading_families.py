"""The notation families of the second reading round (sums without bounds, δ definitions,
vmatrix/array, general-index formulas, matrix forms): bounds that still apply to them, and refusals that say
what to write. The forms themselves are graded by the fixtures and the docs' tables."""
from __future__ import annotations

import re

import pytest

from grader.answers.parsing import ParseError, ParseLimits, parse_expression, parse_general, parse_matrix_form
from grader.spec.load import load_exercise
from grader.answers.readers import read_expression_submission

EXERCISE = load_exercise("conv2d-3x3-k2x1")
SEED = EXERCISE.notation
UNBOUNDED = r"\sum_{i,j} \frac{\partial C}{\partial y_{i,j}} x_{i,j}"


def test_a_sum_without_bounds_counts_its_terms_against_the_sum_limit():
    with pytest.raises(ParseError, match="the sum has 6 terms"):
        parse_expression(UNBOUNDED, SEED, limits=ParseLimits(max_sum_terms=5))


def test_nested_sums_without_bounds_share_one_node_budget():
    nested = r"\sum_{i,j}\sum_{m,n}\sum_{p,q} \frac{\partial C}{\partial y_{i,j}} \frac{\partial C}{\partial y_{m,n}}" \
             r" \frac{\partial C}{\partial y_{p,q}}"
    with pytest.raises(ParseError, match="too large"):
        parse_expression(nested, SEED, limits=ParseLimits(max_nodes=300))


def test_a_variable_that_never_indexes_the_output_asks_for_bounds():
    with pytest.raises(ParseError, match=r"write the bounds, \\sum_\{i=1\}\^\{n\}"):
        parse_expression(r"\sum_{i} x_{i,1}", SEED)
    with pytest.raises(ParseError, match=r"write the bounds, sum\(\.\.\., \(n, 1, n\)\)"):
        parse_expression("sum(x[n,1])", SEED)


# ---- general-index formulas --------------------------------------------------------------
GENERAL = r"\frac{\partial C}{\partial y_{i-1,j}} k_2 + \frac{\partial C}{\partial y_{i,j}} k_1"
ENTRIES = [(i, j) for i in range(1, 4) for j in range(1, 4)]


def test_a_general_formula_reads_upstream_entries_outside_y_as_zero_and_nothing_else():
    values = parse_general(GENERAL, SEED, ("i", "j"), ENTRIES)
    assert str(values[0]) == "dy[1,1]*k[1]" and str(values[-1]) == "dy[2,3]*k[2]"
    shifted = parse_general(r"\frac{\partial C}{\partial y_{i,j}} x_{i+1,j}", SEED, ("i", "j"), ENTRIES)
    assert isinstance(shifted[-1], ParseError) and "x_{4,3} is outside x" in shifted[-1].message


def test_instantiating_a_general_formula_is_bounded_by_the_node_budget():
    wide = r"\sum_{n=1}^{3}\sum_{m=1}^{3} \frac{\partial C}{\partial y_{i,j}} x_{n,m}"
    with pytest.raises(ParseError, match="for all 9 entries makes too large an expression"):
        parse_general(wide, SEED, ("i", "j"), ENTRIES, ParseLimits(max_nodes=200))
    many = [(1, 1)] * 100_000  # a hostile caller's entry list: refused before any entry is built
    with pytest.raises(ParseError, match="too large"):
        parse_general(GENERAL, SEED, ("i", "j"), many)


def test_a_general_left_side_with_expressions_says_it_is_not_instantiated(tmp_path):
    path = tmp_path / "shifted.md"
    path.write_text(r"$$\frac{\partial C}{\partial x_{i+1,j}} = \frac{\partial C}{\partial y_{i,j}} k_2$$", "utf-8")
    submission = read_expression_submission(path, EXERCISE.notation, ("X", "K"))
    assert submission.answers == ()
    assert any("not instantiated" in p.message and p.line == 1 for p in submission.problems)


def test_unreadable_case_conditions_refuse_every_entry_with_what_to_write(tmp_path):
    path = tmp_path / "cases.md"
    path.write_text(r"""$$\frac{\partial C}{\partial k_m} = \begin{cases} x_{1,1} & m \text{ is odd} \\ 0 & m \in E
\end{cases}$$""", "utf-8")
    answers = read_expression_submission(path, EXERCISE.notation, ("X", "K")).answers
    assert len(answers) == 2 and all("write each as i = 1" in a.problem for a in answers)


# ---- matrix forms ------------------------------------------------------------------------
def test_matrix_forms_compute_the_exercise_convolution_exactly():
    dx = parse_matrix_form(r"\mathrm{full\_conv}\left(\frac{\partial C}{\partial Y}, \mathrm{rot180}(K)\right)", SEED)
    assert dx == parse_matrix_form("conv(dY, flip(K), mode=full)", SEED)
    assert [str(e) for e in dx.row(1)] == [f"dy[1,{j}]*k[2] + dy[2,{j}]*k[1]" for j in (1, 2, 3)]
    assert str(parse_matrix_form("conv(X, dY)", SEED)[1, 0]).startswith("dy[1,1]*x[2,1]")


@pytest.mark.parametrize("text,message", [
    ("K * K", "ambiguous: write @"),
    ("K @ K", "a transpose (^T) missing?"),
    ("conv(dY, K, mode=valid, mode=full)", "optionally, mode=full"),
    ("full_conv(dY, K, mode=valid)", "contradicts"),
    ("deconv(X, dY)", "unknown operation"),
    ("X + ", "cannot read this as a matrix form"),
    (r"\mathrm{deconv}(X, dY)", "unknown operation"),
    (r"\delta K", r"\delta is not defined in this document"),
    ("y", "unknown name 'y'"),
])
def test_matrix_forms_refuse_with_what_to_write(text, message):
    with pytest.raises(ParseError, match=re.escape(message)):
        parse_matrix_form(text, SEED)


def test_nested_full_convolutions_are_refused_before_they_are_computed():
    # Each full convolution of X with itself grows the matrix and every entry; ten of them
    # would be billions of terms. The budget refuses the first one that does not fit.
    nested = "X"
    for _ in range(10):
        nested = f"conv({nested}, X, mode=full)"
    with pytest.raises(ParseError, match="too large an expression"):
        parse_matrix_form(nested, SEED)
    with pytest.raises(ParseError, match="too large"):
        parse_matrix_form("X" + " @ X" * 3_000, SEED)


def test_a_general_left_side_whose_index_letter_is_a_name_says_it_is_not_instantiated(tmp_path):
    path = tmp_path / "clash.md"
    path.write_text(r"$$\frac{\partial C}{\partial x_{k,j}} = \frac{\partial C}{\partial y_{k,j}} k_1$$", "utf-8")
    submission = read_expression_submission(path, EXERCISE.notation, ("X", "K"))
    assert submission.answers == () and any("not instantiated" in p.message for p in submission.problems)


def test_named_intermediates_are_bounded_in_depth_and_share_the_work_budget(tmp_path):
    path = tmp_path / "chain.md"
    path.write_text("$$p = X @ X$$\n$$q = p @ p$$\n$$r = q @ q$$\n$$s = r @ r$$\n$$u = s @ s$$\n"
                    "$$\\frac{\\partial C}{\\partial X} = u$$\n", "utf-8")
    answers = read_expression_submission(path, EXERCISE.notation, ("X",)).answers
    assert len(answers) == 9 and all("deeper than 4" in a.problem for a in answers)
    path.write_text("$$p = conv(X, X, mode=full)$$\n$$q = conv(p, X, mode=full)$$\n"
                    "$$\\frac{\\partial C}{\\partial X} = conv(conv(q, X, mode=full), X)$$\n", "utf-8")
    answers = read_expression_submission(path, EXERCISE.notation, ("X",)).answers
    assert all("too large an expression" in a.problem for a in answers)  # counted across the definitions
