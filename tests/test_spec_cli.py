"""Exercise specs and the foundation commands, through the CLI (in process; a few real subprocesses)."""
import json
import textwrap

import pytest
import sympy

from conftest import COMPOSITE, cli
from grader.spec.load import parse_exercise
from grader.errors import SpecError

GOOD = textwrap.dedent("""\
    id: tiny
    title: Tiny
    statement: "Find dC/dX."
    inputs:
      X: {shape: [3, 3], symbol: x}
      K: {shape: [2, 2], symbol: k}
    graph:
      - {op: correlate2d, inputs: [X, K], output: Y}
    output: {name: Y, symbol: y}
    upstream: {name: dY, symbol: dy}
    targets:
      X: {points: 1}
    """)


def write(tmp_path, text, name="spec.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_list_names_every_bundled_exercise(grader_cmd):
    from grader.spec.load import bundled_ids

    result = grader_cmd("list")
    assert result.returncode == 0
    ids = [line.split()[0] for line in result.stdout.splitlines()]
    assert ids == bundled_ids() and {"conv2d-28x28-k5x5", "conv2d-3x3-k2x1"} <= set(ids)


def test_show_prints_the_statement_in_both_languages():
    en = cli("show", "conv2d-3x3-k2x1")
    he = cli("show", "conv2d-3x3-k2x1", "--lang", "he")
    assert en.exit_code == 0 and "dC/dy_{i,j}" in en.stdout and "$" not in en.stdout
    assert "גרעין" in he.stdout


def test_solve_json_gives_exactly_the_seed_gradients():
    result = cli("solve", "conv2d-3x3-k2x1", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["exercise"] == "conv2d-3x3-k2x1"
    assert set(data["targets"]) == {"X", "K"}
    x, k, dy = (sympy.IndexedBase(n) for n in ("x", "k", "dy"))
    # The printed expressions must be readable back by sympy (trusted output, not student text).
    read = lambda s: sympy.sympify(s, locals={"x": x, "k": k, "dy": dy})
    X = [[read(e) for e in row] for row in data["targets"]["X"]]
    K = [[read(e) for e in row] for row in data["targets"]["K"]]
    assert len(X) == 3 and all(len(r) == 3 for r in X) and len(K) == 2 and all(len(r) == 1 for r in K)
    for j in range(1, 4):
        assert sympy.expand(X[0][j - 1] - dy[1, j] * k[1]) == 0
        assert sympy.expand(X[1][j - 1] - (dy[1, j] * k[2] + dy[2, j] * k[1])) == 0
        assert sympy.expand(X[2][j - 1] - dy[2, j] * k[2]) == 0
    assert sympy.expand(K[0][0] - sum(dy[n, m] * x[n, m] for n in (1, 2) for m in (1, 2, 3))) == 0
    assert sympy.expand(K[1][0] - sum(dy[n, m] * x[n + 1, m] for n in (1, 2) for m in (1, 2, 3))) == 0


@pytest.mark.parametrize("fmt", ["text", "latex"])
def test_solve_other_formats(fmt):
    result = cli("solve", "conv2d-3x3-k2x1", "--format", fmt)
    assert result.exit_code == 0
    assert len([l for l in result.stdout.splitlines() if l.strip()]) == 11
    if fmt == "latex":
        assert r"\frac{\partial C}{\partial x_{2,1}} = \frac{\partial C}{\partial y_{1,1}} k_{2} + " \
               r"\frac{\partial C}{\partial y_{2,1}} k_{1}" in result.stdout


def test_solve_accepts_a_spec_path(tmp_path):
    result = cli("solve", write(tmp_path, GOOD), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["targets"]["X"][0][0] == "dy[1,1]*k[1,1]"


def test_unknown_exercise_lists_closest_ids(grader_cmd):
    result = grader_cmd("solve", "conv2d-3x3-k2x2")  # a subprocess: what a user sees, exit code and all
    assert result.returncode == 2
    assert "conv2d-3x3-k2x1" in result.stderr and "Traceback" not in result.stderr


def test_missing_file_is_exit_2(tmp_path):
    result = cli("solve", tmp_path / "nope.yaml")
    assert result.exit_code == 2 and "Traceback" not in result.stderr


def test_validate_accepts_bundled_specs():
    from grader.spec.load import bundled_ids, find_exercise

    result = cli("validate", *(find_exercise(i) for i in bundled_ids()))
    assert result.exit_code == 0, result.stderr


BAD = [
    ("yaml syntax", GOOD.replace("output: Y}", "output: Y"), 9, "YAML syntax error"),
    ("unknown op", GOOD.replace("correlate2d", "corelate2d"), 8, "unknown op 'corelate2d'"),
    ("kernel larger than image", GOOD.replace("[2, 2]", "[4, 4]"), 8, "does not fit"),
    ("channel mismatch", GOOD.replace("[2, 2]", "[2, 2, 2]"), 8, "input channel"),
    ("bad stride", GOOD.replace("output: Y}", "output: Y, params: {stride: 0}}"), 8, "stride"),
    ("unknown param", GOOD.replace("output: Y}", "output: Y, params: {strid: 2}}"), 8, "no parameter strid"),
    ("unknown input name", GOOD.replace("inputs: [X, K]", "inputs: [X, Q]"), 8, "'Q' is not defined"),
    ("target not an input", GOOD.replace("  X: {points: 1}", "  Z: {points: 1}"), 12, "not an input"),
    ("schema: missing field", GOOD.replace("title: Tiny\n", ""), 1, "'title' is required"),
    ("schema: wrong type", GOOD.replace("[3, 3]", "[3, three]"), 5, "is not of type 'integer'"),
    ("schema: unknown field", GOOD + "colour: red\n", 1, "unknown field"),
    ("duplicate key", GOOD + "title: Again\n", 13, "duplicate key 'title'"),
    ("entry out of range", GOOD.replace("  X: {points: 1}", "  X: {points: 1, entries: [[4, 1]]}"), 12, "outside X"),
    ("symbol twice", GOOD.replace("symbol: k}", "symbol: x}"), 6, "used twice"),
]


@pytest.mark.parametrize("name,text,line,message", BAD, ids=[b[0] for b in BAD])
def test_invalid_specs_are_rejected_with_file_and_line(tmp_path, name, text, line, message):
    path = write(tmp_path, text)
    result = cli("validate", path)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    lines = [l for l in result.stderr.splitlines() if message in l]
    assert lines, result.stderr
    assert lines[0].startswith(f"{path}:{line}:"), result.stderr
    # The other commands refuse it the same way.
    solved = cli("solve", path)
    assert solved.exit_code == 2 and message in solved.stderr


def test_an_invalid_spec_is_exit_2_for_the_real_command(grader_cmd, tmp_path):
    result = grader_cmd("validate", write(tmp_path, BAD[1][1]))
    assert result.returncode == 2 and "unknown op 'corelate2d'" in result.stderr and "Traceback" not in result.stderr


def test_validate_reports_every_file(tmp_path):
    a = write(tmp_path, GOOD.replace("correlate2d", "nope"), "a.yaml")
    b = write(tmp_path, GOOD.replace("[2, 2]", "[4, 4]"), "b.yaml")
    result = cli("validate", a, b, tmp_path / "missing.yaml")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 3


def test_parse_exercise_library_api_collects_all_problems():
    text = GOOD.replace("[3, 3]", "[3, x]").replace("title: Tiny\n", "")
    with pytest.raises(SpecError) as err:
        parse_exercise(text, "t.yaml")
    assert len(err.value.problems) == 2
    assert all(p.line for p in err.value.problems)


@pytest.mark.parametrize("fmt", ["text", "json", "latex"])
def test_solve_a_composite_graph_with_a_scalar_loss(tmp_path, fmt):
    result = cli("solve", write(tmp_path, COMPOSITE), "--format", fmt)
    assert result.exit_code == 0, result.stderr
    if fmt == "json":
        w11 = json.loads(result.stdout)["targets"]["W"][0][0]
        x, w = sympy.IndexedBase("x"), sympy.IndexedBase("w")
        got = sympy.sympify(w11, locals={"x": x, "w": w})
        z1 = w[1, 1] * x[1] + w[1, 2] * x[2]
        expected = sympy.Rational(1, 2) * sympy.diff(1 / (1 + sympy.exp(-z1)), w[1, 1])
        assert sympy.simplify(got - expected) == 0
    else:
        assert len([l for l in result.stdout.splitlines() if l.strip()]) == 4
        assert ("e^{" if fmt == "latex" else "exp(") in result.stdout


SIGNAL = textwrap.dedent("""\
    id: signal
    title: A 1-D signal
    statement: "Find dC/dx."
    inputs:
      X: {shape: [1, 5], symbol: x, written_axes: [1]}
      K: {shape: [1, 2], symbol: k, written_axes: [1]}
    graph:
      - {op: correlate2d, inputs: [X, K], output: Y}
    output: {name: Y, symbol: y, written_axes: [1]}
    upstream: {name: dY, symbol: dy}
    targets:
      X: {points: 1}
    """)


def test_an_output_written_with_one_index_is_so_for_its_upstream_gradient_too():
    exercise = parse_exercise(SIGNAL, "signal.yaml")
    dy, y = exercise.notation["dY"], exercise.notation["Y"]
    assert dy.plain((0, 3)) == "dy[4]" and y.plain((0, 3)) == "y[4]"
    k = exercise.notation["K"]
    expected = dy.symbol((0, 0)) * k.symbol((0, 1)) + dy.symbol((0, 1)) * k.symbol((0, 0))
    assert sympy.expand(exercise.solution["X"][0, 1].expr - expected) == 0


def test_an_output_may_leave_out_only_length_1_axes():
    with pytest.raises(SpecError) as err:
        parse_exercise(SIGNAL.replace("symbol: y, written_axes: [1]", "symbol: y, written_axes: [0]"), "s.yaml")
    [problem] = err.value.problems
    assert "only axes of length 1" in problem.message and problem.line == 9
