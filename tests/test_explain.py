"""`grader explain`: worked solutions generated from the spec, graded back at full marks."""
import functools

import pytest
from click.testing import CliRunner

from grader.spec.authoring import new_spec, op_kinds
from grader.cli import cli
from grader.explain.build import explain, parse_entry
from grader.pipeline import GradeOptions, grade
from grader.i18n import isolate
from grader.render.explanation import render_explanation
from grader.spec.load import bundled_ids, load_exercise, parse_exercise
from grader.spec.notation import Entry

SEED = "conv2d-3x3-k2x1"
# Above this many reference terms, the round trip is checked on a sample of entries: grading
# the 28x28 exercise's whole derivation (34,000 terms) takes longer than the suite may spend.
FULL_ROUND_TRIP_TERMS = 3000


def _terms(exercise) -> int:
    return sum(len(e.paths) for arr in exercise.solution.values() for e in arr.ravel())


def _sample(exercise):
    """First, middle and last entry of every target (borders and interior alike); only the middle
    one of a target whose entries are long sums."""
    chosen = []
    for target in exercise.targets:
        entries = list(target.entries)
        long = len(exercise.solution[target.name][entries[0]].paths) > 100
        for position in {len(entries) // 2} if long else {0, len(entries) // 2, len(entries) - 1}:
            chosen.append(Entry(target.name, entries[position]))
    return chosen


@functools.lru_cache(maxsize=None)
def _explained(ex_id: str, variant):
    """A bundled exercise's explanation (of a sample of its entries when it is large), made once."""
    exercise = load_exercise(ex_id, variant)
    entries = None if _terms(exercise) <= FULL_ROUND_TRIP_TERMS else _sample(exercise)
    return entries, explain(exercise, entries)


def _round_trip(exercise, tmp_path, fmt="markdown", lang="en", variant=None, explained=None):
    if explained is None:
        entries = None if _terms(exercise) <= FULL_ROUND_TRIP_TERMS else _sample(exercise)
        explained = entries, explain(exercise, entries)
    entries, explanation = explained
    text = render_explanation(explanation, fmt, lang)
    path = tmp_path / ("solution.tex" if fmt == "latex" else "solution.md")
    path.write_text(text, encoding="utf-8")
    report = grade(exercise, path, GradeOptions(lang=lang, variant=variant))
    if entries is None:
        wrong = [(c.name, c.feedback, c.details) for c in report.checks if c.status != "pass"]
        assert report.full_marks and not wrong, wrong
    else:
        written = {(e.array, exercise.notation[e.array].notation_index(e.index)) for e in entries}
        graded = [c for c in report.checks if (c.target, c.index) in written]
        assert len(graded) == len(written) and all(c.status == "pass" for c in graded), graded
    return text, report


def _bundled_cases():
    for ex_id in bundled_ids():
        exercise = load_exercise(ex_id)
        for variant in [None, *(("alice", "bob") if exercise.variant is not None else ())]:
            yield pytest.param(ex_id, variant, id=f"{ex_id}-{variant or 'default'}")


@pytest.mark.parametrize("ex_id, variant", list(_bundled_cases()))
def test_the_worked_solution_of_every_bundled_exercise_and_variant_gets_full_marks(ex_id, variant, tmp_path):
    exercise = load_exercise(ex_id, variant)
    _, report = _round_trip(exercise, tmp_path, lang=exercise.language, variant=variant,
                            explained=_explained(ex_id, variant))
    assert report.variant == (variant if exercise.variant is not None else None)


def _op_cases():
    for op in op_kinds():
        yield pytest.param(op, id=op)


@pytest.mark.parametrize("op", list(_op_cases()))
def test_the_worked_solution_of_every_op_kind_gets_full_marks(op, tmp_path):
    _round_trip(parse_exercise(new_spec(f"t-{op.replace('_', '-')}", op=op), f"{op}.yaml"), tmp_path)


@pytest.mark.parametrize("fmt, lang", [("latex", "en"), ("markdown", "he"), ("latex", "he")])
def test_the_seed_round_trips_in_every_format_and_language(fmt, lang, tmp_path):
    _round_trip(load_exercise(SEED), tmp_path, fmt, lang)


def test_the_seed_gets_row_2_right_and_says_why_two_paths_meet_there():
    text = render_explanation(explain(load_exercise(SEED)), "text", "en")
    assert ("dC/dx[2,1] = dy[1,1]*∂y[1,1]/∂x[2,1] + dy[2,1]*∂y[2,1]/∂x[2,1] = dy[1,1]*k[2] + dy[2,1]*k[1]"
            in text)
    assert "x[2,1] is read by 2 outputs, y[1,1], y[2,1]: 2 paths." in text
    assert "The paths meet at x[2,1]: each output that reads it sends back its own upstream gradient" in text
    # Said once, where it first happens: not again at x[2,2].
    assert text.count("The paths meet at x[") == 1
    assert "x[1,1] is read by one output only, y[1,1]: one path, with local derivative k[1]." in text
    assert "y[i,j] = k[1]*x[i,j] + k[2]*x[i+1,j]" in text
    assert "dC/dk[2] = sum(dy[n,m]*∂y[n,m]/∂k[2], (n, 1, 2), (m, 1, 3)) = sum(dy[n,m]*x[n+1,m], (n, 1, 2), (m, 1, 3))" in text
    assert "dC/dX is the full cross-correlation of dC/dY" in text and "with K rotated by 180°" in text


def test_hebrew_markdown_keeps_prose_right_to_left_and_maths_left_to_right():
    text = render_explanation(explain(load_exercise(SEED), [Entry("X", (1, 0))]), "markdown", "he")
    assert "המסלולים נפגשים ב־" + isolate("$x_{2,1}$") in text
    display = [line for line in text.splitlines() if line.startswith("$$")]
    assert display and not any("\u2068" in line or "\u2069" in line for line in display)
    assert ("$$\\frac{\\partial C}{\\partial x_{2,1}} = \\frac{\\partial C}{\\partial y_{1,1}} "
            "\\frac{\\partial y_{1,1}}{\\partial x_{2,1}} + ") in text


def test_a_large_exercise_writes_entries_as_sums_over_the_outputs_they_reach():
    entries, explanation = _explained("conv2d-28x28-k5x5", None)
    assert Entry("X", (14, 0)) in entries  # the middle of the left border: reached by 5 rows of outputs
    text = render_explanation(explanation, "text", "en")
    assert "dC/dx[15,1] = sum(dy[n,1]*∂y[n,1]/∂x[15,1], (n, 11, 15))" in text
    assert "= sum(dy[n,1]*k[-n+16,1], (n, 11, 15))" in text
    assert "y[n,1] (n = 11..15): 5 paths" not in text  # five outputs are named one by one
    assert "y[11,1], y[12,1], y[13,1], y[14,1], y[15,1]: 5 paths" in text
    assert "dC/dk[3,3] = sum(dy[n,m]*∂y[n,m]/∂k[3,3], (n, 1, 24), (m, 1, 24))" in text
    assert "y[n,m] (n = 1..24, m = 1..24): 576 paths" in text
    assert "y[i,j] = sum(k[p,q]*x[i+p-1,j+q-1], (p, 1, 5), (q, 1, 5))" in text
    assert "... and 564 more equations of the same form." in text


def test_dense_compact_form_is_the_outer_product():
    exercise = parse_exercise(new_spec("t-dense", op="dense"), "dense.yaml")
    text = render_explanation(explain(exercise), "text", "en")
    assert "dC/dK = dC/dY X^T: the outer product of the upstream gradient and the input" in text


def test_an_op_without_a_compact_form_gets_none(monkeypatch):
    from grader import i18n

    monkeypatch.delitem(i18n.MESSAGES, "xp.compact.correlate2d.0")
    monkeypatch.delitem(i18n.MESSAGES, "xp.compact.correlate2d.1")
    assert "Compact form" not in render_explanation(explain(load_exercise(SEED)), "text", "en")


@pytest.mark.parametrize("written, expected", [("X[2,1]", ("X", (1, 0))), ("x[3,3]", ("X", (2, 2))),
                                               ("K[2]", ("K", (1, 0))), ("K[2,1]", ("K", (1, 0)))])
def test_entries_are_named_as_written(written, expected):
    assert parse_entry(load_exercise(SEED), written) == Entry(*expected)


def test_the_cli_explains_one_entry_and_refuses_an_unknown_one():
    runner = CliRunner()
    one = runner.invoke(cli, ["explain", SEED, "--entry", "X[2,1]", "--format", "markdown"])
    assert one.exit_code == 0 and "x_{2,1}" in one.output and "x_{3,3}}" not in one.output
    bad = runner.invoke(cli, ["explain", SEED, "--entry", "X[4,1]"])
    assert bad.exit_code == 2 and "X[4,1] is not an entry asked for" in bad.stderr


def test_explain_in_hebrew_markdown_from_the_command_line(grader_cmd):
    result = grader_cmd("explain", SEED, "--lang", "he", "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert "# פתרון מלא" in result.stdout and "\\frac{\\partial C}{\\partial y_{1,1}} k_{2}" in result.stdout


def test_latex_escapes_words_and_hebrew_latex_sets_them_left_to_right():
    from grader.explain.model import Explanation

    plain = render_explanation(Explanation("t", "x_1 & 50% of #2", None, "", ()), "latex", "en")
    assert "x\\_1 \\& 50\\% of \\#2" in plain and plain.startswith("\\documentclass{article}")
    hebrew = render_explanation(Explanation("t", "conv_2", "bob", "H=3", ()), "latex", "he")
    assert "\\setmainlanguage{hebrew}" in hebrew and "\\LR{conv\\_2}" in hebrew and "\u2068" not in hebrew


TWO_NODES = """\
id: two-nodes
title: a dense layer, a sigmoid, a sum
statement: "z = W x, a = sigma(z), C = sum(a)"
inputs:
  x: {shape: [2], symbol: x}
  W: {shape: [2, 2], symbol: w}
graph:
  - {op: dense, inputs: [x, W], output: Z}
  - {op: sigmoid, inputs: [Z], output: A}
  - {op: sum, inputs: [A], output: C}
output: {name: C, symbol: c}
targets:
  W: {points: 4, per_entry: true}
  x: {points: 2, per_entry: true}
"""


def test_a_graph_of_several_nodes_goes_back_node_by_node_and_grades_full_marks(tmp_path):
    exercise = parse_exercise(TWO_NODES, "two-nodes.yaml")
    text, _ = _round_trip(exercise, tmp_path)
    plain = render_explanation(explain(exercise), "text", "en")
    assert "dC/dz[1] = dC/da[1]*∂a[1]/∂z[1] = dC/da[1]*(1 - sigma(z[1]))*sigma(z[1])" in plain
    assert "dC/dw[1,2] = dC/dz[1]*∂z[1]/∂w[1,2] = dC/dz[1]*x[2] = " in plain
    assert "a[i] = sigma(z[i])" in plain and "exp" not in plain
    assert "dC/dW = dC/dZ x^T" in plain
