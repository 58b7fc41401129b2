"""Each op added for a modern course (bias add, transpose, scale, concat, layer norm, GELU,
softplus, embedding) is authored from `grader new --op OP` by the commands of
docs/authoring.md, through the real CLI: new, validate, show, solve, explain as a derivation
that itself grades full marks, and validate --self-test."""
import pytest
from click.testing import CliRunner

from grader.cli import cli

NEW_OPS = ["add", "take", "transpose", "scale", "concat", "layer_norm", "gelu", "softplus", "embedding"]


@pytest.mark.parametrize("op", NEW_OPS)
def test_an_exercise_of_the_op_is_authored_by_the_documented_commands(op, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    name = f"my-{op.replace('_', '-')}"

    def run(*args, code=0):
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == code, (args, result.output)
        return result.output

    assert run("new", name, "--op", op).startswith(f"wrote {name}.yaml")
    assert run("validate", f"{name}.yaml").strip() == "1 spec(s) valid"
    assert "Asked: dC/d" in run("show", f"{name}.yaml")
    assert run("solve", f"{name}.yaml").strip()
    (tmp_path / "solution.md").write_text(run("explain", f"{name}.yaml", "--format", "markdown"))
    assert "score: " in run("grade", f"{name}.yaml", "solution.md")
    tested = run("validate", "--self-test", f"{name}.yaml")
    assert "self-test 'the reference answer' (seed 0): ok" in tested and "FAIL" not in tested
