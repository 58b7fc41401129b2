"""`grader grade --format F --output FILE` for every format, and `grader ci-template`.

The CLI is driven through click's CliRunner (in-process); the templates are checked as the
files users copy: the YAML loads, every `grader` command they run parses with our CLI, and every
report path they publish is one that a `grader` command in them writes.
"""
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.citemplates import TEMPLATES, template_files
from grader.render.registry import report_formats

ANSWERS = Path(__file__).parent / "fixtures" / "answers_plain.yaml"
SEED = Path(__file__).parent / "fixtures" / "seed_solution.md"
PINNED = {"SOURCE_DATE_EPOCH": "1767225600"}


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


@pytest.mark.parametrize("fmt", sorted(report_formats()))
def test_output_file_for_every_format_and_a_summary_on_stdout(runner, tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    result = runner.invoke(cli, ["grade", "conv2d-3x3-k2x1", str(ANSWERS), "--format", fmt, "--output", str(out)],
                           env=PINNED)
    assert result.exit_code == 0, result.output
    assert result.output == "conv2d-3x3-k2x1: answers_plain.yaml: 10/10 (11 of 11 checks passed)\n"
    text = out.read_text(encoding="utf-8")
    again = runner.invoke(cli, ["grade", "conv2d-3x3-k2x1", str(ANSWERS), "--format", fmt], env=PINNED)
    assert again.exit_code == 0
    # SOURCE_DATE_EPOCH pins the run time, so even JUnit and Gradescope are byte for byte the same.
    assert again.output == text


def test_exit_code_is_the_same_whatever_the_format(runner, tmp_path):
    codes = {fmt: runner.invoke(cli, ["grade", "conv2d-3x3-k2x1", str(SEED), "--format", fmt,
                                      "-o", str(tmp_path / fmt)]).exit_code for fmt in report_formats()}
    assert set(codes.values()) == {1}, codes


def test_github_format_appends_the_summary_and_the_classroom_result(runner, tmp_path):
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    output.write_text("earlier=1\n")
    result = runner.invoke(cli, ["grade", "conv2d-3x3-k2x1", str(SEED), "--format", "github"],
                           env={"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output)})
    assert result.exit_code == 1
    assert all(line.startswith("::") for line in result.output.splitlines())
    assert "file=" + str(SEED) in result.output  # the path as given, so annotations find the file
    assert "**score: 2.17 / 10**" in summary.read_text()
    earlier, line = output.read_text().splitlines()
    assert earlier == "earlier=1" and line.startswith("result=")


def test_solve_formats_come_from_the_registry(runner):
    from grader.render.registry import solve_formats

    option = next(p for p in cli.commands["solve"].params if p.name == "fmt")
    assert set(option.type.choices) == set(solve_formats()) == {"text", "json", "latex"}


# --- CI templates ---------------------------------------------------------------------------

def test_every_system_has_a_template_and_the_cli_prints_it(runner):
    assert set(TEMPLATES) == {"github", "gitlab", "gradescope"}
    for system in TEMPLATES:
        result = runner.invoke(cli, ["ci-template", system])
        assert result.exit_code == 0
        for _, text in template_files(system):
            assert text in result.output


# The templates' own behaviour (run in bash with the real grader) is tested in tests/test_course_ci.py.
