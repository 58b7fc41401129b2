"""docs/course.md runs: every command of each route (GitHub Classroom, Gradescope, a plain
folder) is run, in order, on a class built as the guide describes it, through the `grader`
command line; the files it shows (the assignment, the rosters) are written from the guide
itself. Then what the guide promises is checked in what the commands wrote."""
from __future__ import annotations

import csv
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "course.md"
CONV = ROOT / "examples" / "conv2d-3x3-k2x1"
RELU = ROOT / "examples" / "relu-4"
ROUTES = ("GitHub Classroom", "Gradescope", "A plain folder")
COMMAND_BUDGET = 120  # seconds of wall clock for one command: a deadline, with a wide margin


def sections() -> dict[str, str]:
    parts = re.split(r"^## ", DOC.read_text(encoding="utf-8"), flags=re.M)
    return {part.split("\n", 1)[0].strip(): part for part in parts[1:]}


def files(text: str) -> dict[str, str]:
    """The files a section shows: a line ending in "`NAME`:" right before a yaml or csv block."""
    return {m.group(1): m.group(2) for m in re.finditer(r"`([\w.-]+)`:\n\n```(?:yaml|csv)\n(.*?)```", text, re.S)}


def commands(text: str) -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    return [line.strip() for block in blocks for line in block.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def wrong_row2(path: Path) -> str:
    """A student's conv answers with X[2,1] wrong (row 2's merged path), the rest right."""
    text = path.read_text()
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"\s*X\[2,\s*1\]\s*:", line):
            lines[i] = line.split(":", 1)[0] + ": dy[2,1]*(k[2] + k[1])"
            break
    else:
        raise AssertionError("the example has no X[2,1] line")
    return "\n".join(lines) + "\n"


def student(folder: Path, conv: str | None, relu: bool, extra: dict[str, str] | None = None) -> None:
    folder.mkdir(parents=True)
    if conv == "right":
        shutil.copy(CONV / "correct.yaml", folder / "conv.yaml")
    elif conv == "code":
        shutil.copy(CONV / "correct.py", folder / "conv.py")
    elif conv == "row2":
        (folder / "conv.yaml").write_text(wrong_row2(CONV / "correct.yaml"))
    if relu:
        shutil.copy(RELU / "correct.md", folder / "relu.md")
    for name, text in (extra or {}).items():
        (folder / name).write_text(text)


TEMPLATE_README = {"README.md": "# hw3\n\nDerive dC/dX and dC/dK; write your answers in conv.yaml and relu.md.\n"}


def build(route: str, tmp: Path) -> None:
    if route == "GitHub Classroom":
        base = tmp / "hw3-submissions"
        student(base / "hw3-alice", "right", True, TEMPLATE_README)
        student(base / "hw3-bob", "row2", True, TEMPLATE_README)
        student(base / "hw3-carol", None, False, {**TEMPLATE_README, "answers.pdf": "%PDF-1.4 not really\n"})
        student(base / "hw3-dan", "code", True, TEMPLATE_README)
    elif route == "Gradescope":
        base = tmp / "gradescope-export"
        student(base / "submission_101", "right", True)
        student(base / "submission_102", "row2", True)
        student(base / "submission_103", "right", False)
        (base / "submission_metadata.yml").write_text("".join(
            f"submission_{n}:\n  :submitters:\n  - :name: {name}\n    :sid: '{sid}'\n    :email: {email}\n"
            f"  :created_at: 2026-12-01 10:00:00.000000000 -08:00\n"
            for n, name, sid, email in ((101, "Alice Liddell", 1001, "alice@uni.example"),
                                        (102, "Bob Marley", 1002, "bob@uni.example"),
                                        (103, "Carol Danvers", 1003, "carol@uni.example"))))
    else:
        base = tmp / "submissions"
        student(base / "alice", "right", True)
        student(base / "bob", "row2", True)
        student(base / "carol", "right", True)
        (tmp / "late").mkdir()
        shutil.copy(CONV / "correct.yaml", tmp / "late" / "bob-conv.yaml")


def run_route(route: str, tmp: Path, monkeypatch) -> dict[str, str]:
    """Run the guide's commands for `route`; their outputs by command. `grader` commands run in
    this process through click (as a user's shell would call them, minus the interpreter's
    start-up), the others in a shell."""
    monkeypatch.chdir(tmp)
    parts = sections()
    build(route, tmp)
    shown = {**files(parts["The assignment file (every route)"]), **files(parts[route])}
    for name, text in shown.items():
        (tmp / name).write_text(text)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               COLUMNS="200")
    outputs = {}
    for line in commands(parts["The assignment file (every route)"]) + commands(parts[route]):
        allowed = (0, 1) if line.startswith("grader batch") else (0,)  # 1: some rows in error, as shown
        if line.startswith("grader "):
            result = CliRunner().invoke(cli, shlex.split(line)[1:])
            code, output = result.exit_code, result.output
            assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        else:
            done = subprocess.run(line, shell=True, cwd=tmp, env=env, capture_output=True, text=True,
                                  timeout=COMMAND_BUDGET, stdin=subprocess.DEVNULL)
            code, output = done.returncode, done.stdout + done.stderr
        assert code in allowed, f"{route}: `{line}` exited {code}:\n{output}"
        outputs[line] = output
    return outputs


def table(path: Path, key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in csv.DictReader(io.StringIO(path.read_bytes().decode()))}


def test_the_guide_has_the_three_routes_each_with_commands():
    parts = sections()
    for route in ROUTES:
        assert route in parts and commands(parts[route]), route
        assert any(c.startswith("grader export") for c in commands(parts[route])), route
    assert "hw3.yaml" in files(parts["The assignment file (every route)"])


def test_github_classroom_route(tmp_path, monkeypatch):
    outputs = run_route("GitHub Classroom", tmp_path, monkeypatch)
    grades = table(tmp_path / "classroom-grades.csv", "github_username")
    assert grades["alice"]["points_awarded"] == "15" and grades["alice"]["assignment_name"] == "hw3"
    assert grades["dan"]["points_awarded"] == "15"  # code in a sandbox, the README never graded
    bob = grades["bob"]
    assert float(bob["points_awarded"]) == pytest.approx(float(bob["conv2d-3x3-k2x1"]) + 5)
    assert (grades["carol"]["points_awarded"], grades["carol"]["status"]) == ("0", "zero")  # decided by hand
    first = table(tmp_path / "hw3.csv", "student")
    assert first["carol"]["status"] == "error" and "answers.pdf" in first["carol"]["problem"]
    assert first["carol"]["total"] == ""
    assert (tmp_path / "reports" / "relu-4" / "alice.html").exists()  # the login, not the repository
    assert (tmp_path / "conv-summary.html").read_text().startswith("<")
    canvas = table(tmp_path / "canvas-import.csv", "SIS User ID")
    assert canvas["1001"]["hw3"] == "15" and canvas["1001"]["Student"] == "Liddell, Alice"
    trail = next(v for k, v in outputs.items() if k.startswith("grader history"))
    assert "right chain rule, index slip" in trail


def test_gradescope_route(tmp_path, monkeypatch):
    run_route("Gradescope", tmp_path, monkeypatch)
    scores = table(tmp_path / "gradescope-scores.csv", "SID")
    assert sorted(scores) == ["1001", "1002", "1003"]  # the metadata file is not a student
    assert scores["1001"]["Total Score"] == "15" and scores["1001"]["Email"] == "alice@uni.example"
    assert scores["1003"]["Total Score"] == "" and scores["1003"]["status"] == "error"
    assert scores["1002"]["relu-4 (5 pts)"] == "5"


def test_plain_folder_route(tmp_path, monkeypatch):
    outputs = run_route("A plain folder", tmp_path, monkeypatch)
    reviews = [v for k, v in outputs.items() if k == "grader review hw3.sqlite"]
    assert reviews and "stale-override" in reviews[-1] and "Prof. Oak" in reviews[-1]
    final = table(tmp_path / "hw3-final.csv", "student")
    assert final["bob"]["total"] == "15" and final["bob"]["overrides"] == ""  # the late file is right
    assert "stale" in final["bob"]["problem"]
    moodle = table(tmp_path / "moodle-import.csv", "Email address")
    assert moodle["alice@uni.example"]["hw3"] == "15" and moodle["alice@uni.example"]["ID number"] == "1001"
