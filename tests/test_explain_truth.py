"""Worked solutions say true things where the exercise teaches: why a gradient is 0 (no output
reads the entry, it does not win its max-pool window, the given values put it on ReLU's flat
side, it only reaches an entry whose gradient is 0), which branch the given values choose,
and, for `--entry`, only what that entry needs."""
import textwrap

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.explain.build import explain
from grader.explain.forward import node_values
from grader.explain.maths import extended_notation
from grader.explain.model import Prose
from grader.render.explanation import render_explanation
from grader.spec.load import bundled_ids, load_exercise, parse_exercise

ZERO_KEYS = {"xp.no_path", "xp.zero.not_max", "xp.zero.branch", "xp.zero.local", "xp.zero.upstream",
             "xp.zero.cancel"}

STRIDED = textwrap.dedent("""\
    id: strided-1x1
    title: A 1x1 kernel with stride 2 skips entries
    statement: "X is 3x3, K is 1x1, stride 2."
    inputs:
      X: {shape: [3, 3], symbol: x}
      K: {shape: [1, 1], symbol: k}
    graph:
      - {op: correlate2d, inputs: [X, K], output: Y, params: {stride: 2}}
    output: {name: Y, symbol: y}
    upstream: {name: dY, symbol: dy}
    targets:
      X: {points: 1, per_entry: true}
    """)


def _zero_sentences(exercise):
    """(key, entry text) of every sentence that explains a gradient of 0."""
    found = []
    for section in explain(exercise).sections:
        for item in section.items:
            if isinstance(item, Prose) and item.key in ZERO_KEYS:
                found.append((item.key, dict(item.fields)["entry"].plain))
    return found


def _read_by_some_output(exercise, plain_entry: str) -> bool:
    notation = extended_notation(exercise)
    values = node_values(exercise, notation)
    import sympy

    symbol = sympy.Symbol(plain_entry)
    return any(symbol in sympy.sympify(v).free_symbols for arr in values.values() for v in arr.flat)


@pytest.mark.parametrize("ex_id", ["strided-1x1", *bundled_ids()])
def test_read_by_no_output_is_said_only_of_entries_no_output_reads(ex_id):
    exercise = parse_exercise(STRIDED, "strided.yaml") if ex_id == "strided-1x1" else load_exercise(ex_id)
    if sum(len(e.paths) for arr in exercise.solution.values() for e in arr.ravel()) > 3000:
        pytest.skip("the whole worked solution of a large exercise is explained in test_explain.py")
    for key, entry in _zero_sentences(exercise):
        assert (key == "xp.no_path") == (not _read_by_some_output(exercise, entry)), (key, entry)


def test_a_strided_kernel_skips_entries_and_says_so():
    said = dict((entry, key) for key, entry in _zero_sentences(parse_exercise(STRIDED, "strided.yaml")))
    assert said == {e: "xp.no_path" for e in ("x[1,2]", "x[2,1]", "x[2,2]", "x[2,3]", "x[3,2]")}


def test_max_pool_names_the_window_maximum_for_every_entry_that_does_not_win():
    exercise = load_exercise("maxpool2d-4x4-size2")
    text = render_explanation(explain(exercise), "text", "en")
    assert "read by no output" not in text
    zero = _zero_sentences(exercise)
    assert len(zero) == 12 and {key for key, _ in zero} == {"xp.zero.not_max"}
    assert ("x[1,1] is read by y[1,1], but with the given values it is not the maximum of its window "
            "(the maximum: x[1,2] = 5): max pooling passes the gradient to each window's maximum only, "
            "so its gradient is 0.") in text


def test_the_two_layer_net_says_which_branch_the_given_values_choose_and_why_each_zero_is_zero():
    text = render_explanation(explain(load_exercise("two-layer-relu-mse")), "text", "en")
    assert "read by no output" not in text
    assert "With the given values, h = (-1, 1, 2)." in text
    assert "With the given values, a = (0, 1, 2)." in text
    assert "h[1] is read by a[1], but h[1] = -1 with the given values, where relu'(h[1]) = 0: its gradient is 0." in text
    assert ("v[1,1] is read by y[1], but with the given values its local derivative there is 0 "
            "(∂y[1]/∂v[1,1] = a[1] = 0): its gradient is 0.") in text
    assert ("w[1,1] reaches the loss only through h[1], whose gradient is 0 (its own section says why): "
            "its gradient is 0 too.") in text
    # the branch is stated before it is used
    assert text.index("h = (-1, 1, 2)") < text.index("1[h[2] > 0]")


def test_hebrew_says_the_same_reasons():
    text = render_explanation(explain(load_exercise("maxpool2d-4x4-size2")), "text", "he")
    assert "max pooling מעביר את הגרדיאנט רק למקסימום" in text


def _lines(*args):
    result = CliRunner().invoke(cli, ["explain", *args])
    assert result.exit_code == 0, result.output
    return [line for line in result.output.splitlines() if line.strip()]


def test_one_entry_prints_only_the_equations_on_its_paths():
    whole, one = _lines("conv2d-3x3-k2x1"), _lines("conv2d-3x3-k2x1", "--entry", "X[2,1]")
    forward = [line.strip() for line in one if line.strip().startswith("y[")]
    assert forward == ["y[1,1] = k[1]*x[1,1] + k[2]*x[2,1]", "y[2,1] = k[1]*x[2,1] + k[2]*x[3,1]"]
    assert [line for line in one if line.startswith("    dC/d")] == \
        ["    dC/dx[2,1] = dy[1,1]*∂y[1,1]/∂x[2,1] + dy[2,1]*∂y[2,1]/∂x[2,1] = dy[1,1]*k[2] + dy[2,1]*k[1]"]
    assert "Compact form" not in one and len(one) <= 16 and len(whole) > 2 * len(one)


def test_one_entry_of_a_network_goes_through_the_entries_on_its_way_to_the_loss():
    one = "\n".join(_lines("two-layer-relu-mse", "--entry", "W[2,1]"))
    assert "h[2] = b[2] + w[2,1]*x[1] + w[2,2]*x[2]" in one and "h[3] =" not in one
    assert "dL/dh[2] = " in one and "dL/dh[3]" not in one and "dL/dw[2,2]" not in one
    assert "With the given values, h = (-1, 1, 2)." in one


def test_the_worked_solution_still_grades_full_marks(tmp_path):
    from grader.pipeline import GradeOptions, grade

    for ex_id in ("two-layer-relu-mse", "maxpool2d-4x4-size2"):
        exercise = load_exercise(ex_id)
        path = tmp_path / f"{ex_id}.md"
        path.write_text(render_explanation(explain(exercise), "markdown", "en"), encoding="utf-8")
        assert grade(exercise, path, GradeOptions(seed=0, timeout=None, lang="en")).full_marks
