"""CI set-ups that install and grade: the Gradescope upload (`ci-template gradescope --zip`)
with a wheel of this grader, its run_autograder run in bash under a temporary AUTOGRADER_ROOT,
and the GitHub / GitLab templates' steps run in a shell with the real grader.
"""
import base64
import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, cli
from grader.citemplates import build_gradescope_zip, template_files
from grader.render.github import classroom_points
from test_course import CODE, PER_STUDENT, code_notebook, repository, write

BIN = Path(sys.executable).parent
SID = "s-1001"
LOOPING = "def grad_X(X, K, dY):\n    while True:\n        pass\n\n\ndef grad_K(X, K, dY):\n    return grad_X(X, K, dY)\n"


@pytest.fixture(scope="module")
def upload(tmp_path_factory):
    """The zip as an instructor builds it, and the grader installed from the wheel inside it."""
    folder = tmp_path_factory.mktemp("upload")
    target = folder / "autograder.zip"
    written = list(build_gradescope_zip(target, [PER_STUDENT], ["solution.py", "*.ipynb", "*.py"], timeout=1.5))
    with zipfile.ZipFile(target) as archive:
        wheel = next(n for n in archive.namelist() if n.endswith(".whl"))
        archive.extractall(folder / "source")
    # pip installs the wheel as Gradescope's setup.sh does (dependencies are already here: offline).
    site = folder / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target",
                    str(site), str(folder / "source" / wheel)], check=True, capture_output=True)
    return folder, written, site


def test_the_zip_holds_the_setup_the_spec_and_this_grader(upload):
    folder, written, site = upload
    assert written[:2] == ["setup.sh", "run_autograder"]
    assert "specs/conv2d-per-student.yaml" in written and "grader.conf" in written
    with zipfile.ZipFile(folder / "autograder.zip") as archive:
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
    assert modes["run_autograder"] == modes["setup.sh"] == 0o755
    conf = (folder / "source" / "grader.conf").read_text()
    assert "EXERCISE=specs/conv2d-per-student.yaml" in conf and "SUBMISSION_PATTERNS=(solution.py '*.ipynb'" in conf
    setup = (folder / "source" / "setup.sh").read_text()
    assert 'AUTOGRADER_ROOT:-/autograder' in setup and "source/backprop_grader-*.whl" in setup
    # The installed wheel is this grader: same version, same files, the CLI's entry point.
    from importlib.metadata import version

    probe = subprocess.run([sys.executable, "-c", "import grader, importlib.metadata as m; "
                            "print(grader.__file__); print(m.version('backprop-grader'))"],
                           env={**os.environ, "PYTHONPATH": str(site)}, cwd=folder, capture_output=True, text=True,
                           check=True)
    where, installed = probe.stdout.split()
    assert where.startswith(str(site)) and installed == version("backprop-grader")
    assert (site / "grader" / "_bundled" / "exercises" / "conv2d-3x3-k2x1.yaml").is_file()
    entry = next(site.glob("backprop_grader-*.dist-info")) / "entry_points.txt"
    assert "grader = grader.cli:main" in entry.read_text()


def autograder_root(upload, tmp_path: Path, files: dict[str, str], sid: str | None = SID) -> Path:
    """An /autograder as Gradescope lays it out, its venv's grader being the installed wheel."""
    folder, _, site = upload
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    os.symlink(folder / "source", root / "source")
    grader = write(root / "venv" / "bin" / "grader",
                   f"#!/bin/sh\nPYTHONPATH={site} exec {sys.executable} -m grader \"$@\"\n")
    grader.chmod(grader.stat().st_mode | stat.S_IXUSR)
    for name, text in files.items():
        write(root / "submission" / name, text)
    if sid is not None:
        write(root / "submission_metadata.json", json.dumps(
            {"id": 1, "users": [{"email": "ada@uni.example", "name": "Ada", "sid": sid, "id": 7}]}))
    return root


def run_autograder(root: Path) -> dict:
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], "AUTOGRADER_ROOT": str(root)}, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


@pytest.mark.parametrize("files, score, graded", [
    ({"solution.py": CODE}, 10, "solution.py"),
    ({"helpers.py": "def pad(a):\n    return a\n", "solution.py": CODE}, 10, "solution.py"),
    ({"homework.ipynb": code_notebook()}, 10, "homework.ipynb"),
    ({"hw3/solution.py": CODE, "README.md": "# hw3\n"}, 10, "solution.py"),
    ({"solution.py": LOOPING}, 0, "solution.py"),
])
def test_run_autograder_grades_the_chosen_file_on_the_students_variant(upload, tmp_path, files, score, graded):
    results = run_autograder(autograder_root(upload, tmp_path, files))
    assert results["score"] == score
    assert f"· variant {SID} · {graded}" in re.sub(r"\\(.)", r"\1", results["output"])  # Markdown unescaped
    assert len(results["tests"]) == 2 and sum(t["max_score"] for t in results["tests"]) == 10


def test_run_autograder_writes_results_when_there_is_no_file(upload, tmp_path):
    results = run_autograder(autograder_root(upload, tmp_path, {"README.md": "x", "notes.pdf": "%PDF"}))
    assert results["score"] == 0 and results["tests"] == []
    assert "no file matches" in results["output"] and "README.md, notes.pdf" in results["output"]
    assert str(tmp_path) not in results["output"]  # no machine paths in what students read


def test_run_autograder_without_metadata_or_grader_still_writes_results(upload, tmp_path):
    root = autograder_root(upload, tmp_path, {"solution.py": CODE}, sid=None)
    (root / "venv" / "bin" / "grader").unlink()  # a broken image: the grader is not installed
    results = run_autograder(root)
    assert results["score"] == 0 and "could not grade" in results["output"]


# --- GitHub and GitLab ----------------------------------------------------------------------

def run_steps(scripts: list[str], cwd: Path, env: dict, shell: list[str]) -> list[subprocess.CompletedProcess]:
    """Each script as the CI runner runs it, with this checkout's grader on the PATH."""
    full = {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "HOME": str(cwd), **env}
    return [subprocess.run([*shell, script], cwd=cwd, env=full, capture_output=True, text=True, timeout=120)
            for script in scripts]


def test_github_template_is_pinned_and_grades_once(tmp_path):
    (name, text), = template_files("github")
    assert name == ".github/workflows/grade.yml"
    workflow = yaml.safe_load(text)
    steps = workflow["jobs"]["grade"]["steps"]
    for step in steps:
        if "uses" in step:
            assert len(step["uses"].split("@")[1]) == 40, step["uses"]  # a commit, never a tag
    from importlib.metadata import version

    assert workflow["env"]["GRADER_PACKAGE"] == f"backprop-grader=={version('backprop-grader')}"
    runs = [s["run"] for s in steps if "run" in s and "pip install" not in s["run"]]
    assert sum(" grade " in f" {r} " for r in runs) == 1  # graded once; the rest is rendered from the JSON
    repo = repository(tmp_path / "hw3-ada", {"solution.py": CODE})
    output, summary = tmp_path / "output.txt", tmp_path / "summary.md"
    env = {k: str(v) for k, v in workflow["env"].items() if k not in ("VARIANT",)}
    env.update(VARIANT="ada", GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary), SUBMISSION="",
               EXERCISE=PER_STUDENT)
    done = run_steps(runs, repo, env, ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"])
    assert [d.returncode for d in done] == [0, 0, 0], [d.stderr for d in done]
    report = json.loads((repo / "grader-reports" / "report.json").read_text())
    assert (report["variant"], report["submission"], report["score"]) == ("ada", "solution.py", 10)
    for path in ("report.xml", "report.html"):
        assert (repo / "grader-reports" / path).is_file()
    annotations = done[1].stdout
    assert "file=solution.py" in annotations or "::notice" in annotations
    result = json.loads(base64.b64decode(output.read_text().split("result=", 1)[1]))
    total = 0.0
    for test in result["tests"]:
        total += test["max_score"]
    assert total == result["max_score"] == 10
    published = {p for s in steps if "upload-artifact" in s.get("uses", "")
                 for p in str(s.get("with", {}).get("path", "")).split()}
    assert published <= {"grader-reports/report.json", "grader-reports/report.xml", "grader-reports/report.html"}


def test_github_feedback_step_fails_below_full_marks(tmp_path):
    (_, text), = template_files("github")
    workflow = yaml.safe_load(text)
    runs = [s["run"] for s in workflow["jobs"]["grade"]["steps"] if "run" in s and "pip install" not in s["run"]]
    repo = repository(tmp_path / "hw3-bob", {"work/solution.py": CODE.replace("K[p, 0] * dY", "K[0, 0] * dY")})
    env = {k: str(v) for k, v in workflow["env"].items()}
    env.update(VARIANT="bob", GITHUB_OUTPUT=str(tmp_path / "o"), GITHUB_STEP_SUMMARY=str(tmp_path / "s"))
    done = run_steps(runs, repo, env, ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"])
    assert [d.returncode for d in done] == [0, 1, 0]  # graded; the check goes red; the reports exist
    assert "::error file=work/solution.py,line=" in done[1].stdout  # on the student's own line, in its folder


def test_gitlab_template_grades_once_and_fails_below_full_marks(tmp_path):
    (name, text), = template_files("gitlab")
    job = yaml.safe_load(text)["grade"]
    script = [line for line in job["script"] if "pip install" not in line]
    assert sum(" grade " in f" {line} " for line in script) == 1
    repo = repository(tmp_path / "hw3-carol", {"work/answers.ipynb": code_notebook()})
    env = {k: str(v) for k, v in job["variables"].items()}
    env.update(GITLAB_USER_LOGIN="carol", EXERCISE=PER_STUDENT)
    done = run_steps(["set -e\n" + "\n".join(script)], repo, env, ["sh", "-c"])
    assert done[0].returncode == 0, done[0].stderr
    report = json.loads((repo / "grader-reports" / "report.json").read_text())
    assert (report["variant"], report["submission"], report["score"]) == ("carol", "answers.ipynb", 10)
    assert set(job["artifacts"]["paths"]) <= {f"grader-reports/report.{e}" for e in ("html", "xml", "json")}


@pytest.mark.parametrize("weights, total", [
    ([1] * 9, 6), ([1] * 11, 10), ([2, 1, 1], 7), ([1] * 3, 1), ([0.3] * 7 + [5], 12.5), ([1] * 784, 10), ([1], 4),
])
def test_classroom_points_sum_exactly_to_the_total(weights, total):
    values = classroom_points(weights, total)
    added = 0.0
    for value in values:  # as the reporter adds them: doubles, left to right
        added += value
    assert added == total and min(values) >= 0 and len(values) == len(weights)


def test_ci_template_zip_from_the_cli(tmp_path):
    out = cli("ci-template", "gradescope", "--zip", tmp_path / "ag.zip", "--exercise", "conv2d-3x3-k2x1")
    assert out.exit_code == 0, out.output
    assert zipfile.ZipFile(tmp_path / "ag.zip").namelist()[:2] == ["setup.sh", "run_autograder"]
    assert cli("ci-template", "github", "--zip", tmp_path / "x.zip").exit_code == 2
    assert cli("ci-template", "gradescope", "--zip", tmp_path / "x.zip").exit_code == 2  # which exercise?


def test_docs_show_the_templates_as_they_are():
    import shlex

    from grader.cli import cli as command

    docs = (ROOT / "docs" / "ci.md").read_text()
    files = dict(template_files("gradescope"))
    blocks = [b.split("```")[0] for b in docs.split("```sh\n")[1:]]
    quoted = [line for b in blocks if "$ROOT" in b for line in b.strip().splitlines()]
    assert quoted and all(line in files["run_autograder"] for line in quoted)
    for line in (line for b in blocks for line in b.strip().splitlines() if line.startswith("grader ") and "|" not in line):
        args = shlex.split(line.replace('"$', '"').replace("$", ""))[1:]
        command.commands[args[0]].make_context(args[0], args[1:])  # every documented command parses
