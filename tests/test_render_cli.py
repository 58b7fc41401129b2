"""`grader grade --format F --output FILE` for every format, and `grader ci-template`.

The CLI is driven through click's CliRunner (in-process); the templates are checked as the
files users copy: the YAML loads, every `grader` command they run parses with our CLI, and every
report path they publish is one that a `grader` command in them writes.
"""
import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml
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

SAMPLE_ENV = {"EXERCISE": "conv2d-3x3-k2x1", "SUBMISSION": "solution.py", "RESULTS": "/autograder/results/results.json",
              "submission": "solution.py"}


def _grader_commands(script: str) -> list[list[str]]:
    """Every `grader ...` command in a shell script, with variables filled in and `|| true` cut."""
    commands = []
    for line in script.splitlines():
        line = line.split(" || ", 1)[0].strip()
        m = re.match(r"^(?:\S*/)?grader\s+(.*)$", line)
        if m:
            args = shlex.split(m.group(1))
            commands.append([re.sub(r"\$\{?(\w+)\}?", lambda v: SAMPLE_ENV[v.group(1)], a) for a in args])
    return commands


def _written(commands: list[list[str]]) -> dict[str, str]:
    """{--output path: format} of the grader commands, each checked against our CLI's parser."""
    written = {}
    for args in commands:
        name, rest = args[0], args[1:]
        assert name in cli.commands, f"grader {name}: no such command"
        ctx = cli.commands[name].make_context(name, list(rest))  # raises on an unknown option or choice
        if ctx.params.get("output"):
            written[ctx.params["output"]] = ctx.params["fmt"]
    return written


def test_every_system_has_a_template_and_the_cli_prints_it(runner):
    assert set(TEMPLATES) == {"github", "gitlab", "gradescope"}
    for system in TEMPLATES:
        result = runner.invoke(cli, ["ci-template", system])
        assert result.exit_code == 0
        for _, text in template_files(system):
            assert text in result.output


def test_github_template_runs_our_commands_and_publishes_what_they_write():
    (name, text), = template_files("github")
    assert name == ".github/workflows/grade.yml"
    workflow = yaml.safe_load(text)
    steps = workflow["jobs"]["grade"]["steps"]
    commands = [c for s in steps if "run" in s for c in _grader_commands(s["run"])]
    written = _written(commands)
    assert written == {"grader-reports/report.xml": "junit", "grader-reports/report.html": "html"}
    grade_step = next(s for s in steps if s.get("id") == "grade")
    assert "--format github" in grade_step["run"]
    read = {s["with"]["report_paths"] for s in steps if "report_paths" in s.get("with", {})}
    read |= {p for s in steps if "path" in s.get("with", {}) for p in s["with"]["path"].split()}
    assert read and read <= set(written)
    reporter = next(s for s in steps if "autograding-grading-reporter" in s.get("uses", ""))
    # The Classroom reporter reads <RUNNER>_RESULTS: the output `result` that --format github writes.
    assert reporter["with"]["runners"] == "grade"
    assert reporter["env"]["GRADE_RESULTS"] == "${{ steps.grade.outputs.result }}"


def test_gitlab_template_runs_our_commands_and_publishes_what_they_write():
    (name, text), = template_files("gitlab")
    assert name == ".gitlab-ci.yml"
    job = yaml.safe_load(text)["grade"]
    written = _written([c for line in job["script"] for c in _grader_commands(line)])
    assert written["grader-reports/report.xml"] == "junit"
    artifacts = job["artifacts"]
    assert set(artifacts["paths"]) | {artifacts["reports"]["junit"]} <= set(written)


def test_gradescope_template_writes_results_where_gradescope_reads_them(tmp_path):
    files = dict(template_files("gradescope"))
    assert set(files) == {"setup.sh", "run_autograder"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        subprocess.run(["bash", "-n", str(tmp_path / name)], check=True)  # the shell can parse it
        assert text.startswith("#!/usr/bin/env bash\n")
    run = files["run_autograder"]
    assert "RESULTS=/autograder/results/results.json" in run and "/autograder/submission" in run
    assert _written(_grader_commands(run)) == {"/autograder/results/results.json": "gradescope"}
    assert "/autograder/venv/bin/grader" in run and "python3 -m venv /autograder/venv" in files["setup.sh"]
    for fallback in re.findall(r"echo '(\{.*\})'", run):
        assert json.loads(fallback)["score"] == 0


def test_docs_show_the_gradescope_files_as_the_templates_have_them():
    docs = (Path(__file__).resolve().parent.parent / "docs" / "ci.md").read_text()
    files = dict(template_files("gradescope"))
    blocks = re.findall(r"```sh\n(.*?)```", docs, flags=re.S)
    setup = next(b for b in blocks if "python3 -m venv" in b)
    for line in setup.splitlines():
        assert line in files["setup.sh"].splitlines(), line
    assert any(b.strip() in files["run_autograder"] for b in blocks if "--format gradescope" in b)
