"""`grader new`: skeletons that validate as written, for every op of the library."""
import pytest
from click.testing import CliRunner

from grader.spec.authoring import example_shapes, new_spec, op_kinds
from grader.cli import cli
from grader.spec.feedback import Expectation
from grader.spec.load import load_exercise, parse_exercise


@pytest.mark.parametrize("op", op_kinds())
def test_the_skeleton_of_every_op_kind_validates_as_written(op):
    name = f"new-{op.replace('_', '-')}"
    exercise = parse_exercise(new_spec(name, op=op), f"{name}.yaml")
    assert exercise.id == name and [n.node.op for n in exercise.graph.nodes] == [op]
    assert tuple(exercise.graph.inputs.values()) == example_shapes(op)
    # The reference answer ships as a live self-test (ReLU's step included), never commented out.
    assert exercise.self_test and exercise.self_test[0].name == "the reference answer"


@pytest.mark.parametrize("op", ["relu", "leaky_relu"])
def test_the_relu_skeletons_sample_answer_writes_the_step_and_self_tests(op):
    from grader.spec.selftest import run_self_tests

    name = f"new-{op.replace('_', '-')}"
    text = new_spec(name, op=op)
    assert "# self_test" not in text and '"dy[1,1]*' in text and "1[x[1,1] > 0]" in text
    assert all(r.ok for r in run_self_tests(parse_exercise(text, f"{name}.yaml"), seeds=(0,)))


def test_the_default_skeleton_is_a_convolution_where_paths_meet():
    exercise = parse_exercise(new_spec("my-conv"), "my-conv.yaml")
    assert exercise.graph.inputs == {"X": (3, 3), "K": (2, 2)}
    assert len(exercise.solution["X"][1, 1].paths) == 4
    assert exercise.self_test[0].expect == Expectation(score=10, exit=0)


def test_from_copies_an_exercise_under_a_new_id():
    text = new_spec("my-seed", load_exercise("conv2d-3x3-k2x1"))
    copy = parse_exercise(text, "my-seed.yaml")
    assert copy.id == "my-seed" and copy.graph.inputs == {"X": (3, 3), "K": (2, 1)}
    assert "# The seed exercise" in text  # the comments come along


@pytest.mark.parametrize("args, message", [
    (["new", "My Conv"], "cannot be an exercise id"),
    (["new", "x", "--op", "conv3d"], "unknown op 'conv3d'; known ops: "),
    (["new", "x", "--op", "dense", "--from", "conv2d-3x3-k2x1"], "choose one"),
])
def test_bad_names_and_ops_are_user_errors(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and message in result.stderr  # the CLI's group reports GraderError


def test_new_never_overwrites(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken.yaml").write_text("mine")
    result = CliRunner().invoke(cli, ["new", "taken"])
    assert result.exit_code == 2 and "exists already" in result.stderr
    assert (tmp_path / "taken.yaml").read_text() == "mine"
    printed = CliRunner().invoke(cli, ["new", "taken", "--op", "dense", "--output", "-"])
    assert printed.exit_code == 0 and "op: dense" in printed.output
