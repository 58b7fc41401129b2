"""Review and overrides: what waits for an instructor, overrides with who/when/why that survive
reruns and regrades of the same file, stale (never silently applied) once the file changed, the
regrade trail, and the migration of a version-1 gradebook. Through the library (what the web
pages call) and the CLI."""
from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.batch.export import export
from grader.batch.grade_class import BatchOptions, grade_class
from grader.batch.gradebook import SCHEMA_VERSION, Gradebook, Row
from grader.batch.review import history, override, overrides, waiting
from grader.batch.summary import summarise
from grader.cli import cli
from grader.errors import GraderError
from grader.render.summary import render_summary
from grader.report import Check, Report

ROOT = Path(__file__).resolve().parent.parent
CONV = ROOT / "examples" / "conv2d-3x3-k2x1"
EXERCISE = "conv2d-3x3-k2x1"
PARTIAL = """X[1,1]: dy[1,1]*k[1]
X[1,2]: dy[1,2]*k[1]
X[1,3]: dy[1,3]*k[1]
X[2,1]: dy[2,1]*k[2]
X[2,2]: dy[2,2]*(k[2] + k[1])
X[2,3]: dy[2,3]*(k[2] + k[1])
X[3,1]: dy[2,1]*k[2]
X[3,2]: dy[2,2]*k[2]
X[3,3]: dy[2,3]*k[2]
K[1]: sum(dy[n,m]*x[n,m], (n, 1, 2), (m, 1, 3))
K[2]: sum(dy[n,m]*x[n+1,m], (n, 1, 2), (m, 1, 3))
"""


def grade(tmp: Path, **more) -> None:
    result = grade_class(EXERCISE, tmp / "class", BatchOptions(db=tmp / "gb.sqlite", jobs=0, **more))
    assert not result.lost


def csv_rows(db: Path) -> dict[str, dict[str, str]]:
    return {r["student"]: r for r in csv.DictReader(io.StringIO(export(db, "csv")))}


@pytest.fixture()
def graded(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    shutil.copy(CONV / "correct.yaml", klass / "alice.yaml")
    (klass / "bob.yaml").write_text(PARTIAL)
    (klass / "twins").mkdir()
    shutil.copy(CONV / "correct.yaml", klass / "twins" / "a.yaml")
    shutil.copy(CONV / "correct.md", klass / "twins" / "b.md")
    grade(tmp_path)
    return tmp_path


def bob_wrong_entry(db: Path) -> str:
    with Gradebook(db) as book:
        rows = book.query("SELECT c.target, c.entry, c.points, c.max_points FROM checks c JOIN latest l "
                          "ON l.submission_id = c.submission_id WHERE l.student = 'bob' AND c.status = 'fail'")
    assert rows, "bob's answers have a wrong entry"
    return f"{rows[0][0]}[{rows[0][1]}]"


def test_an_override_survives_a_rerun_and_a_regrade_of_the_same_file(graded):
    db = graded / "gb.sqlite"
    before = csv_rows(db)["bob"]
    entry = bob_wrong_entry(db)
    made = override(db, "bob", entry, 0.5, "right idea, index slip", by="ta-jane")
    assert (made.by, made.state, made.entry) == ("ta-jane", "active", entry)
    after = csv_rows(db)["bob"]
    assert float(after["total"]) == pytest.approx(float(before["total"]) + 0.5)
    assert after["overrides"] == f"{entry}=0.5"
    grade(graded)  # a rerun: nothing changed, nothing graded, the override holds
    assert csv_rows(db)["bob"]["total"] == after["total"]
    grade(graded, seed=7)  # a regrade of the same bytes under another set-up: it still holds
    with Gradebook(db) as book:
        assert book.query("SELECT count(*) FROM submissions WHERE student = 'bob'")[0][0] == 2
    assert csv_rows(db)["bob"]["total"] == after["total"]
    assert [o.state for o in overrides(db, "bob")] == ["active"]


def test_a_changed_file_makes_the_override_stale_not_applied(graded):
    db = graded / "gb.sqlite"
    entry = bob_wrong_entry(db)
    override(db, "bob", entry, 0.5, "right idea, index slip", by="ta-jane")
    bob = graded / "class" / "bob.yaml"
    original = bob.read_text()
    bob.write_text(original.replace("X[1,1]: dy[1,1]*k[1]", "X[1,1]: dy[1,1]*k[2]"))
    grade(graded)
    row = csv_rows(db)["bob"]
    assert row["overrides"] == "" and "stale" in row["problem"] and "ta-jane" in row["problem"]
    stale = [w for w in waiting(db) if w.kind == "stale-override"]
    assert [(w.student, w.entry) for w in stale] == [("bob", entry)]
    assert [o.state for o in overrides(db, "bob")] == ["stale"]
    summary = render_summary(summarise(db), "text")
    assert "stale" in summary and "right idea, index slip" in summary
    bob.write_text(original)  # back to the file the override was made on: it applies again
    grade(graded)
    assert csv_rows(db)["bob"]["overrides"] == f"{entry}=0.5"
    assert not [w for w in waiting(db) if w.kind == "stale-override"]


def test_an_error_row_can_be_graded_by_hand_with_total(graded):
    db = graded / "gb.sqlite"
    assert csv_rows(db)["twins"]["status"] == "error"
    override(db, "twins", "total", 10, "both files hold the same answer", by="prof")
    row = csv_rows(db)["twins"]
    assert (row["total"], row["status"], row["overrides"]) == ("10", "full", "total=10")
    summary = summarise(db)
    assert summary.graded == 3 and [o.entry for o in summary.overrides] == ["total"]


def test_entries_are_named_the_way_instructors_write_them(graded):
    db = graded / "gb.sqlite"
    for spelling in ("X[2,1]", "dC/dX[2,1]", "X[2, 1]", "x[2,1]", "dC/dx[2,1]"):
        assert override(db, "alice", spelling, 0, "testing spellings", by="t").entry == "X[2,1]"
    assert override(db, "alice", "K[1]", 1, "k", by="t").entry == "K[1]"
    assert override(db, "alice", "TOTAL", 9, "t", by="t").entry == "total"


@pytest.mark.parametrize("args, message", [
    (("nobody", "X[1,1]", 1, "r"), "no student 'nobody'"),
    (("alice", "X[9,9]", 1, "r"), r"no entry 'X\[9,9\]'"),
    (("alice", "X[1,1]", 5, "r"), "worth 0 to"),
    (("alice", "X[1,1]", -1, "r"), "worth 0 to"),
    (("alice", "X[1,1]", 1, "   "), "needs a reason"),
    (("alice", "total", float("nan"), "r"), "must be a number"),
])
def test_bad_overrides_are_refused(graded, args, message):
    with pytest.raises(GraderError, match=message):
        override(graded / "gb.sqlite", *args, by="t")
    assert overrides(graded / "gb.sqlite") == ()


def test_the_trail_of_an_entry(graded):
    db = graded / "gb.sqlite"
    entry = bob_wrong_entry(db)
    override(db, "bob", entry, 0.5, "first look", by="ta", at="2030-01-01T00:00:00+00:00")
    override(db, "bob", entry, 0.25, "second look", by="prof", at="2030-01-02T00:00:00+00:00")
    events = history(db, "bob", entry)
    assert [(e.kind, e.status) for e in events] == [("graded", "fail"), ("override", "superseded"),
                                                    ("override", "active")]
    assert events[2].by == "prof" and events[2].points == 0.25
    whole = history(db, "bob")
    assert [e.kind for e in whole] == ["graded", "override", "override"]  # the exercise's whole trail
    assert csv_rows(db)["bob"]["overrides"] == f"{entry}=0.25"


def _review_row(student: str) -> Row:
    checks = (Check("dL/dW1[1,1]", "pass", 1.0, 1.0, "right", "W1", (1, 1), ("correct",)),
              Check("dL/dW1[1,2]", "review", 0.0, 1.0, "flagged for your instructor", "W1", (1, 2),
                    ("review", "review-nonlinear-kink")))
    report = Report("mlp", "answers.md", "expressions", 2.0, checks)
    return Row("mlp", student, f"{student}.md", student * 8, "setup", "expressions", "partial", report.score,
               report.max_score, "", 0, True, "test", 0.1, "2026-01-01T00:00:00+00:00", "test:1", report.to_dict())


def test_the_review_list_and_an_override_that_decides_it(tmp_path):
    db = tmp_path / "gb.sqlite"
    with Gradebook(db) as book:
        for student in ("ann", "ben"):
            book.record(_review_row(student))
    listed = waiting(db)
    assert [(w.kind, w.student, w.entry, w.why) for w in listed] == [
        ("review", "ann", "W1[1,2]", "review-nonlinear-kink"), ("review", "ben", "W1[1,2]", "review-nonlinear-kink")]
    assert csv_rows(db)["ann"]["status"] == "review"
    override(db, "ann", "dL/dW1[1,2]", 1, "the kink is handled", by="prof")
    assert [w.student for w in waiting(db)] == ["ben"]
    row = csv_rows(db)["ann"]
    assert (row["total"], row["status"]) == ("2", "full")
    assert [r.student for r in summarise(db).reviews] == ["ben"]


def test_the_cli_lists_overrides_and_shows_the_trail(graded, monkeypatch):
    db = str(graded / "gb.sqlite")
    runner = CliRunner()
    monkeypatch.setenv("USER", "ta-from-env")
    monkeypatch.setenv("LOGNAME", "ta-from-env")
    done = runner.invoke(cli, ["override", db, "twins", "total", "7", "--reason", "graded by hand"])
    assert done.exit_code == 0, done.output
    assert "ta-from-env" in done.output  # who defaults to the OS user
    listed = runner.invoke(cli, ["review", db, "--format", "json"])
    assert listed.exit_code == 0 and json.loads(listed.output) == []
    trail = runner.invoke(cli, ["history", db, "twins"])
    assert trail.exit_code == 0 and "override" in trail.output and "graded by hand" in trail.output
    bad = runner.invoke(cli, ["override", db, "twins", "X[1,1]", "1", "--reason", "r"])
    assert bad.exit_code == 2 and "no entry" in bad.output
    missing = runner.invoke(cli, ["override", db, "alice", "total", "1"])
    assert missing.exit_code == 2  # --reason is required


def test_a_version_1_gradebook_is_migrated_keeping_its_grades(graded, tmp_path):
    db = graded / "gb.sqlite"
    old = tmp_path / "old.sqlite"
    shutil.copy(db, old)
    with sqlite3.connect(old) as raw:  # what a version-1 grader left: no overrides, no assignments
        raw.execute("DROP TABLE overrides")
        raw.execute("DROP TABLE assignment_exercises")
        raw.execute("DROP INDEX notes_check")
        raw.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    raw.close()
    before = csv_rows(db)
    assert summarise(old).students == 3  # a reader migrates it too
    with Gradebook(old) as book:
        assert book.query("SELECT value FROM meta WHERE key = 'schema_version'") == [(str(SCHEMA_VERSION),)]
    assert csv_rows(old) == before
    override(old, "twins", "total", 4, "after the upgrade", by="prof")
    assert csv_rows(old)["twins"]["total"] == "4"


def test_a_function_of_code_is_overridden_by_its_name(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    shutil.copy(CONV / "wrong-X-row2-merged-path.py", klass / "frank.py")
    grade(tmp_path)
    db = tmp_path / "gb.sqlite"
    assert float(csv_rows(db)["frank"]["total"]) < 10
    made = override(db, "frank", "grad_X", 6, "the loop is right, one index off", by="prof")
    assert made.entry.startswith("grad_X")  # the points of the function's check become 6 of 6
    assert (csv_rows(db)["frank"]["total"], csv_rows(db)["frank"]["status"]) == ("10", "full")
