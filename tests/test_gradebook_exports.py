"""Gradebook exports (csv, canvas, moodle, gradescope, classroom) and assignments of several
exercises: every layout parses as its platform documents it, error rows stay apart from zeros,
and an assignment gives a column per exercise and a total."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from grader.batch.assignment import grade_assignment, load_assignment
from grader.batch.export import export
from grader.render.registry import formats
from grader.batch.grade_class import BatchOptions, grade_class
from grader.cli import cli
from grader.errors import GraderError

ROOT = Path(__file__).resolve().parent.parent
CONV = ROOT / "examples" / "conv2d-3x3-k2x1"
RELU = ROOT / "examples" / "relu-4"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
ROSTER = """id,name,email,sid,login,section
alice,Alice Liddell,alice@uni.example,1001,alice-gh,A
bob,Bob Marley,bob@uni.example,1002,bob-gh,B
carol,Carol Danvers,carol@uni.example,1003,carol-gh,A
dan,Dan Brown,dan@uni.example,1004,dan-gh,B
zoe,Zoe Absent,zoe@uni.example,1005,zoe-gh,B
"""


def make_class(tmp: Path) -> Path:
    """A folder per student with a conv answer and a relu derivation: alice right in both, bob a
    flipped kernel, carol no relu file, dan two conv candidates."""
    klass = tmp / "class"
    for student in ("alice", "bob", "carol", "dan"):
        (klass / student).mkdir(parents=True)
    shutil.copy(CONV / "correct.yaml", klass / "alice" / "conv.yaml")
    shutil.copy(RELU / "correct.md", klass / "alice" / "relu.md")
    shutil.copy(CONV / "wrong-flipped-kernel.yaml", klass / "bob" / "conv.yaml")
    shutil.copy(RELU / "correct.md", klass / "bob" / "relu.md")
    shutil.copy(CONV / "correct.yaml", klass / "carol" / "conv.yaml")
    shutil.copy(CONV / "correct.yaml", klass / "dan" / "conv.yaml")
    shutil.copy(CONV / "correct.yaml", klass / "dan" / "conv-old.yaml")
    shutil.copy(RELU / "correct.md", klass / "dan" / "relu.md")
    return klass


ASSIGNMENT = """assignment: hw3
exercises:
  - exercise: conv2d-3x3-k2x1
    points: 10
    submission: "conv*"
  - exercise: relu-4
    points: 5
    submission: ["relu*.md", "relu*"]
"""


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("course")
    klass = make_class(tmp)
    (tmp / "hw3.yaml").write_text(ASSIGNMENT)
    (tmp / "roster.csv").write_text(ROSTER)
    result = grade_assignment(tmp / "hw3.yaml", klass, BatchOptions(db=tmp / "gb.sqlite", jobs=0, csv=tmp / "hw3.csv"))
    return tmp, result


def rows(text: str) -> list[dict[str, str]]:
    assert text.endswith("\r\n")  # RFC 4180 line ends, what spreadsheets and LMS importers expect
    return list(csv.DictReader(io.StringIO(text, newline="")))


def by(table: list[dict[str, str]], column: str) -> dict[str, dict[str, str]]:
    return {row[column]: row for row in table}


def test_an_assignment_grades_each_exercise_for_each_student(course):
    tmp, result = course
    assert result.return_code == 1  # carol and dan have an exercise that could not be graded
    table = by(rows((tmp / "hw3.csv").read_bytes().decode()), "student")
    assert list(table) == ["alice", "bob", "carol", "dan"]
    assert table["alice"]["conv2d-3x3-k2x1"] == "10" and table["alice"]["relu-4"] == "5"
    assert table["alice"]["total"] == "15" and table["alice"]["max_total"] == "15"
    assert table["alice"]["status"] == "full"
    # bob: a wrong conv (0 of 10 by the spec's rule) and a right relu: 5 of 15, graded
    assert (table["bob"]["conv2d-3x3-k2x1"], table["bob"]["relu-4"], table["bob"]["total"]) == ("0", "5", "5")
    assert table["bob"]["status"] == "partial"
    # carol: no relu file; an error, not a zero: the cell and the total are empty
    assert table["carol"]["conv2d-3x3-k2x1"] == "10" and table["carol"]["relu-4"] == ""
    assert table["carol"]["total"] == "" and table["carol"]["status"] == "error"
    assert "relu-4: carol/: no file matches 'relu*.md' or 'relu*'" in table["carol"]["problem"]
    assert "conv.yaml" in table["carol"]["problem"]  # says what was found
    assert table["dan"]["status"] == "error" and "conv-old.yaml, conv.yaml" in table["dan"]["problem"]
    assert table["dan"]["relu-4"] == "5"


def test_a_rerun_of_the_assignment_grades_nothing(course):
    tmp, _ = course
    again = grade_assignment(tmp / "hw3.yaml", tmp / "class", BatchOptions(db=tmp / "gb.sqlite", jobs=0))
    assert again.graded == 0 and again.unchanged == 8


def test_points_scale_each_exercise(tmp_path):
    klass = make_class(tmp_path)
    (tmp_path / "hw.yaml").write_text(ASSIGNMENT.replace("points: 10", "points: 20").replace("points: 5", "points: 1"))
    grade_assignment(tmp_path / "hw.yaml", klass, BatchOptions(db=tmp_path / "gb.sqlite", jobs=0))
    table = by(rows(export(tmp_path / "gb.sqlite", "csv")), "student")
    assert (table["alice"]["conv2d-3x3-k2x1"], table["alice"]["relu-4"], table["alice"]["total"]) == ("20", "1", "21")


def test_canvas_import_columns(course):
    tmp, _ = course
    text = export(tmp / "gb.sqlite", "canvas", roster=tmp / "roster.csv")
    table = rows(text)
    header = list(table[0])
    # Canvas's gradebook import: the identity columns first, in this order, then assignments
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert header[5:8] == ["conv2d-3x3-k2x1", "relu-4", "hw3"]
    students = by(table, "SIS User ID")
    assert students["1001"]["Student"] == "Liddell, Alice" and students["1001"]["SIS Login ID"] == "alice-gh"
    assert students["1001"]["hw3"] == "15" and students["1001"]["Section"] == "A"
    assert students["1003"]["hw3"] == "" and students["1003"]["status"] == "error"  # left ungraded, not 0
    assert students["1005"]["status"] == "missing" and students["1005"]["hw3"] == ""  # on the roster, no files


def test_moodle_import_columns(course):
    tmp, _ = course
    table = rows(export(tmp / "gb.sqlite", "moodle", roster=tmp / "roster.csv"))
    header = list(table[0])
    assert header[:5] == ["First name", "Last name", "ID number", "Email address", "Username"]
    students = by(table, "Email address")
    assert students["alice@uni.example"]["First name"] == "Alice"
    assert students["alice@uni.example"]["ID number"] == "1001"
    assert students["bob@uni.example"]["hw3"] == "5"
    for row in table:  # a grade cell is a number or empty (Moodle skips empty cells)
        for column in ("conv2d-3x3-k2x1", "relu-4", "hw3"):
            assert row[column] == "" or float(row[column]) >= 0


def test_gradescope_upload_columns(course):
    tmp, _ = course
    table = rows(export(tmp / "gb.sqlite", "gradescope", roster=tmp / "roster.csv"))
    header = list(table[0])
    assert header[:4] == ["First Name", "Last Name", "SID", "Email"]
    assert "conv2d-3x3-k2x1 (10 pts)" in header and "relu-4 (5 pts)" in header
    students = by(table, "SID")
    assert students["1001"]["Total Score"] == "15" and students["1001"]["Max Points"] == "15"
    assert students["1002"]["Total Score"] == "5"
    assert students["1004"]["Total Score"] == "" and students["1004"]["status"] == "error"


def test_classroom_grades_match_githubs_schema(course):
    tmp, _ = course
    schema = json.loads((SCHEMAS / "github-classroom-assignment-grade.json").read_text())
    table = rows(export(tmp / "gb.sqlite", "classroom", roster=tmp / "roster.csv"))
    assert list(table[0])[:11] == list(schema["properties"])
    graded = 0
    for row in table:
        if row["status"] == "error" or row["status"] == "missing":
            assert row["points_awarded"] == ""
            continue
        item = {k: row[k] for k in schema["properties"]}
        item["points_awarded"], item["points_available"] = int(row["points_awarded"]), int(row["points_available"])
        jsonschema.validate(item, schema)
        graded += 1
    assert graded == 2
    students = by(table, "github_username")
    assert students["alice-gh"]["assignment_name"] == "hw3" and students["alice-gh"]["points_awarded"] == "15"
    assert students["alice-gh"]["student_repository_name"] == "alice"


def test_every_registered_format_has_status_and_problem_columns(course):
    tmp, _ = course
    for fmt in formats("export"):
        table = rows(export(tmp / "gb.sqlite", fmt))
        assert {"status", "problem"} <= set(table[0]), fmt
        assert sorted(r["status"] for r in table) == ["error", "error", "full", "partial"], fmt


def test_single_exercise_export_has_one_score_column(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    shutil.copy(CONV / "correct.yaml", klass / "alice.yaml")
    (klass / "empty.yaml").write_text("")
    (klass / "twins").mkdir()
    shutil.copy(CONV / "correct.yaml", klass / "twins" / "a.yaml")
    shutil.copy(CONV / "correct.md", klass / "twins" / "b.md")
    grade_class("conv2d-3x3-k2x1", klass, BatchOptions(db=tmp_path / "gb.sqlite", jobs=0))
    canvas = rows(export(tmp_path / "gb.sqlite", "canvas"))
    assert list(canvas[0]) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "conv2d-3x3-k2x1", "status",
                               "problem"]
    students = by(canvas, "SIS Login ID")
    # an empty file is graded and scores 0; two candidates is an error: empty score, the reason given
    assert (students["empty"]["conv2d-3x3-k2x1"], students["empty"]["status"]) == ("0", "zero")
    assert (students["twins"]["conv2d-3x3-k2x1"], students["twins"]["status"]) == ("", "error")
    assert "2 candidate files" in students["twins"]["problem"]


def test_export_cli_writes_the_file(course, tmp_path):
    tmp, _ = course
    out = tmp_path / "canvas.csv"
    result = CliRunner().invoke(cli, ["export", str(tmp / "gb.sqlite"), "--format", "canvas", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == export(tmp / "gb.sqlite", "canvas").encode()
    bad = CliRunner().invoke(cli, ["export", str(tmp / "gb.sqlite"), "--format", "blackboard"])
    assert bad.exit_code == 2
    none = CliRunner().invoke(cli, ["export", str(tmp / "gb.sqlite"), "--format", "csv", "--assignment", "hw9"])
    assert none.exit_code == 2 and "no assignment 'hw9'" in none.output


@pytest.mark.parametrize("text, message", [
    ("exercises: []\n", "lists its exercises"),
    ("exercises:\n  - exercise: no-such-exercise\n", "no-such-exercise"),
    ("exercises:\n  - exercise: relu-4\n    points: -1\n", "positive number"),
    ("exercises:\n  - exercise: relu-4\n  - relu-4\n", "listed twice"),
    ("exercises:\n  - exercise: relu-4\n    pionts: 3\n", "unknown key"),
])
def test_a_bad_assignment_file_is_a_usage_error(tmp_path, text, message):
    (tmp_path / "hw.yaml").write_text(text)
    with pytest.raises(GraderError, match=message):
        load_assignment(tmp_path / "hw.yaml")
