"""The notation families of the second reading round (sums without bounds, δ definitions,
vmatrix/array, general-index formulas): bounds that still apply to them, and refusals that say
what to write. The forms themselves are graded by the fixtures and the docs' tables."""
from __future__ import annotations

import pytest

from grader.parsing import ParseError, ParseLimits, parse_expression
from grader.spec import load_exercise

SEED = load_exercise("conv2d-3x3-k2x1").notation
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
