"""Per-student variants: declared ranges, a stable draw per student id, the report's record."""
import textwrap

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.errors import SpecError
from grader.pipeline import GradeOptions, grade
from grader.render.solution import render_solution
from grader.report import Report
from grader.spec.selftest import run_self_tests
from grader.spec.load import bundled_ids, exercise_variant, load_exercise, parse_exercise
from grader.spec.variants import substitute

RANGED = "conv2d-per-student"

SPEC = textwrap.dedent("""\
    id: ranged
    title: Ranged
    variants:
      N: {min: 3, max: 6}
      KW: {choices: [1, 2]}
    statement: "X is {{N}}x{{N}}, Y is {{N-KW+1}} wide; keep x_{{i}} as written."
    inputs:
      X: {shape: ["{{N}}", "{{N}}"], symbol: x}
      K: {shape: [2, "{{KW}}"], symbol: k}
    graph:
      - {op: correlate2d, inputs: [X, K], output: Y}
    output: {name: Y, symbol: y}
    upstream: {name: dY, symbol: dy}
    targets:
      X: {points: 1}
    """)


def test_without_an_id_the_defaults_are_the_spec_as_written():
    exercise = parse_exercise(SPEC)
    assert exercise.variant.id is None and dict(exercise.variant.values) == {"N": 3, "KW": 1}
    assert exercise.graph.inputs == {"X": (3, 3), "K": (2, 1)}
    assert exercise.text() == "X is 3x3, Y is 3 wide; keep x_{{i}} as written."


def test_the_same_id_always_gives_the_same_variant_and_it_is_pinned():
    # Pinned values: a switch to Python's salted hash() or to a library RNG stream would move them.
    first = load_exercise(RANGED, "alice")
    again = parse_exercise(first.source, "again.yaml", "alice")
    assert first.variant.values == again.variant.values == (("H", 5), ("W", 2), ("KH", 3))
    assert render_solution(first, "text") == render_solution(again, "text")


def test_two_ids_give_different_statements_and_references():
    alice, bob = load_exercise(RANGED, "alice"), load_exercise(RANGED, "bob")
    assert alice.text() != bob.text()
    assert render_solution(alice, "text") != render_solution(bob, "text")
    assert "5\\times2" in alice.text() and alice.graph.inputs["X"] == (5, 2)


def test_an_id_is_ignored_by_a_spec_without_ranges():
    seed = load_exercise("conv2d-3x3-k2x1", "alice")
    assert seed.variant is None and seed.graph.inputs["X"] == (3, 3)


@pytest.mark.parametrize("text, expected", [
    ("{{N}}", 4), ("{{ N*2-1 }}", 7), ("a{{(N+1)*2}}b", "a10b"), ("{{M}}", "{{M}}"),
    ("x_{{i}}", "x_{{i}}"), ("{{N+}}", "{{N+}}"), ("{{KW}}", [1, 2]),
])
def test_placeholders(text, expected):
    assert substitute(text, {"N": 4, "KW": [1, 2]}) == expected


@pytest.mark.parametrize("ranges, message", [
    ("N: {min: 6, max: 3}", "variants.N: min and max must be integers, min <= max"),
    ("N: {choices: [3, 4], default: 5}", "variants.N: the default is not one of the choices"),
    ("N: {min: 3, max: 4, default: 9}", "variants.N: the default must be an integer in [min, max]"),
])
def test_bad_ranges_are_reported_at_their_line(ranges, message):
    text = SPEC.replace("  N: {min: 3, max: 6}", "  " + ranges)
    with pytest.raises(SpecError) as err:
        parse_exercise(text, "bad.yaml")
    assert str(err.value) == f"bad.yaml:4: {message}"


def test_ranges_that_never_build_say_so():
    text = SPEC.replace("KW: {choices: [1, 2]}", "KW: {min: 7, max: 9}").replace(
        "N: {min: 3, max: 6}", "N: {min: 3, max: 6, default: 3}")
    with pytest.raises(SpecError) as err:
        parse_exercise(text, "bad.yaml", "alice")
    assert "no variant for 'alice' builds in 20 draws" in str(err.value)
    assert "does not fit" in str(err.value)


def test_the_report_records_the_graded_variant_and_round_trips(tmp_path):
    exercise = load_exercise(RANGED)
    answers = tmp_path / "answers.yaml"
    answers.write_text('X[1,1]: "dy[1,1]*k[1]"\n')
    report = grade(exercise, answers, GradeOptions(variant="alice"))
    assert report.variant == "alice"
    assert Report.from_dict(report.to_dict()) == report
    assert grade(exercise, answers).variant is None
    assert CliRunner().invoke(cli, ["grade", RANGED, str(answers), "--variant", "alice"]).output.startswith(
        f"{RANGED} · variant alice · answers.yaml")
    # The variant's entries are the ones graded: alice's X is 5x2.
    assert len([c for c in report.checks if c.target == "X"]) == 10


def test_exercise_variant_returns_the_loaded_exercise_when_nothing_changes():
    exercise = load_exercise(RANGED, "alice")
    assert exercise_variant(exercise, None) is exercise
    assert exercise_variant(exercise, "alice") is exercise
    assert exercise_variant(exercise, "bob").variant.id == "bob"


@pytest.mark.parametrize("ex_id", [i for i in bundled_ids() if load_exercise(i).variant is not None])
def test_every_bundled_exercise_with_ranges_passes_its_self_test_on_five_variants(ex_id):
    results = run_self_tests(load_exercise(ex_id), seeds=(0,))
    variants = {r.name.split("[variant ")[1].split(":")[0] for r in results if "[variant " in r.name}
    assert len(variants) == 5
    assert all(r.ok for r in results), [r for r in results if not r.ok]


def test_an_op_parameter_may_vary_too():
    text = SPEC.replace("KW: {choices: [1, 2]}", "KW: {choices: [1]}\n  S: {choices: [1, 2], default: 2}").replace(
        "{op: correlate2d, inputs: [X, K], output: Y}", '{op: correlate2d, inputs: [X, K], output: Y, params: {stride: "{{S}}"}}')
    exercise = parse_exercise(text)
    assert exercise.graph.nodes[0].node.params == {"stride": 2} and exercise.graph.shape("Y") == (1, 2)
    strides = {parse_exercise(text, "spec.yaml", f"student-{n}").graph.nodes[0].node.params["stride"] for n in range(8)}
    assert strides == {1, 2}
