"""Gradebook exports: one CSV per platform, each in the columns its grade import documents.

Every format is one function registered here (`export_format`), fed the same ClassGrades
(overrides applied, error rows kept apart): an error row's score cells are empty, never 0, and
its `status` and `problem` columns say why, so that an import leaves it ungraded instead of
recording a zero. An assignment of several exercises gives a column per exercise and a total.

- csv: our own layout, every field (student, identity, one column per exercise, total, status, problem).
- canvas: Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then one
  column per assignment (Canvas offers any other column, status and problem too, as a new
  assignment on its import page: choose "ignore" for those).
- moodle: Moodle's CSV grade import: First name, Last name, ID number, Email address (map one of
  them to the user on the import page), one column per grade item.
- gradescope: Gradescope's score upload, in the layout of its own grade export: First Name,
  Last Name, SID, Email, then scores, Total Score and Max Points.
- classroom: GitHub Classroom's assignment grades CSV (the columns of its grades download):
  assignment_name, assignment_url, starter_code_url, github_username, roster_identifier,
  student_repository_name, student_repository_url, submission_timestamp, points_awarded,
  points_available, group_name.
"""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path
from typing import Callable

from ..errors import GraderError
from ..render.registry import output_format, register_format
from ..safetext import csv_cell
from .gradebook import Gradebook
from .grades import ClassGrades, StudentGrade, class_grades
from .roster import Identity, read_roster as roster_of


ExportWriter = Callable[[ClassGrades, dict[str, Identity]], list[list[str]]]


def export_format(name: str, summary: str) -> Callable[[ExportWriter], ExportWriter]:
    """Decorator: register a function (grades, identities) -> rows (the header first) as the
    export format `name`, in the one registry of output formats (`grader export --format`)."""
    return register_format("export", name, summary, f"{name}.csv")


def export(db: str | Path, fmt: str, assignment: str | None = None, roster: str | Path | None = None,
           exercise: str | None = None) -> str:
    """The gradebook as `fmt` (RFC 4180, CRLF line ends), students sorted by id. Raises
    GraderError for an unknown format, assignment or exercise, an unusable gradebook or roster."""
    try:
        write: ExportWriter = output_format("export", fmt).render
    except ValueError as err:
        raise GraderError(f"export: {err}") from None
    listed = read_roster(roster) if roster else {}
    with Gradebook(db, create=False) as book:
        grades = class_grades(book, assignment, exercise, tuple(listed))
        # Who each student is: what the batch learnt (a roster, Gradescope's metadata), then the
        # export's roster, which may say more (a SIS id, a section).
        identities = {student: Identity(student, name, email) for student, (name, email, _) in book.identities().items()}
    for student, who in listed.items():
        known = identities.get(student, Identity(student))
        identities[student] = replace(who, name=who.name or known.name, email=who.email or known.email)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in write(grades, identities):
        writer.writerow([_text(cell) for cell in row])
    return out.getvalue()


def _text(cell: str) -> str:
    # One place every exported field passes through: no cell is read as a formula (OWASP).
    return csv_cell(cell)


def read_roster(path: str | Path) -> dict[str, Identity]:
    """The roster (the one reader, batch/roster.py) by student id. Raises GraderError when it
    cannot be read or has no id column."""
    return {p.id: p for p in roster_of(path).people}


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


def _split(name: str) -> tuple[str, str]:
    """(first, last) of a full name; the last word is the last name."""
    first, _, last = name.strip().rpartition(" ")
    return (first, last) if first else (last, "")


def _score_columns(grades: ClassGrades) -> list[str]:
    """One column per exercise when there are several, then the total's column."""
    per = [c.title for c in grades.columns] if len(grades.columns) > 1 else []
    total = grades.assignment or (grades.columns[0].title if len(grades.columns) == 1 else "total")
    return per + [total]


def _scores(line: StudentGrade, several: bool) -> list[str]:
    per = [_number(c.points) for c in line.exercises] if several else []
    return per + [_number(line.total)]


def _identity(identities: dict[str, Identity], student: str) -> Identity:
    return identities.get(student) or Identity(student)


@export_format("csv", "every field: student, name, email, sid, a column per exercise, total, max_total, status, "
                      "problem, overrides")
def _csv(grades: ClassGrades, identities: dict[str, Identity]) -> list[list[str]]:
    titles = [c.title for c in grades.columns]
    rows = [["student", "name", "email", "sid", *titles, "total", "max_total", "status", "problem", "overrides"]]
    for line in grades.students:
        who = _identity(identities, line.student)
        overridden = [f"{c.exercise}:{o.entry}={_number(o.points)}" if len(titles) > 1 else f"{o.entry}={_number(o.points)}"
                      for c in line.exercises for o in c.overrides]
        rows.append([line.student, who.name, who.email, who.sid, *[_number(c.points) for c in line.exercises],
                     _number(line.total), _number(line.max_total), line.status, line.problem, " ".join(overridden)])
    return rows


@export_format("canvas", "Canvas gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, the scores")
def _canvas(grades: ClassGrades, identities: dict[str, Identity]) -> list[list[str]]:
    several = len(grades.columns) > 1
    rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *_score_columns(grades), "status", "problem"]]
    for line in grades.students:
        who = _identity(identities, line.student)
        first, last = _split(who.name)
        name = f"{last}, {first}" if last else (first or line.student)  # Canvas lists "Last, First"
        rows.append([name, who.canvas_id, who.sid, who.key or who.email or line.student, who.section,
                     *_scores(line, several), line.status, line.problem])
    return rows


@export_format("moodle", "Moodle CSV grade import: First name, Last name, ID number, Email address, the grade items")
def _moodle(grades: ClassGrades, identities: dict[str, Identity]) -> list[list[str]]:
    several = len(grades.columns) > 1
    rows = [["First name", "Last name", "ID number", "Email address", "Username", *_score_columns(grades),
             "status", "problem"]]
    for line in grades.students:
        who = _identity(identities, line.student)
        first, last = _split(who.name)
        rows.append([first, last, who.sid, who.email, who.key or line.student, *_scores(line, several),
                     line.status, line.problem])
    return rows


@export_format("gradescope", "Gradescope score upload: First Name, Last Name, SID, Email, the scores, Total Score, "
                             "Max Points")
def _gradescope(grades: ClassGrades, identities: dict[str, Identity]) -> list[list[str]]:
    per = [f"{c.title} ({_number(c.points if c.points is not None else _max(grades, c.exercise))} pts)"
           for c in grades.columns] if len(grades.columns) > 1 else []
    rows = [["First Name", "Last Name", "SID", "Email", *per, "Total Score", "Max Points", "status", "problem"]]
    for line in grades.students:
        who = _identity(identities, line.student)
        first, last = _split(who.name)
        cells = [_number(c.points) for c in line.exercises] if per else []
        rows.append([first, last, who.sid or line.student, who.email, *cells, _number(line.total),
                     _number(line.max_total), line.status, line.problem])
    return rows


def _max(grades: ClassGrades, exercise: str) -> float:
    return max((c.max_points for line in grades.students for c in line.exercises if c.exercise == exercise),
               default=0.0)


@export_format("classroom", "GitHub Classroom grades CSV: assignment_name, ..., github_username, roster_identifier, "
                            "..., points_awarded, points_available")
def _classroom(grades: ClassGrades, identities: dict[str, Identity]) -> list[list[str]]:
    several = len(grades.columns) > 1
    per = [c.title for c in grades.columns] if several else []
    rows = [["assignment_name", "assignment_url", "starter_code_url", "github_username", "roster_identifier",
             "student_repository_name", "student_repository_url", "submission_timestamp", "points_awarded",
             "points_available", "group_name", *per, "status", "problem"]]
    name = _score_columns(grades)[-1]
    for line in grades.students:
        who = _identity(identities, line.student)
        graded = [c for c in line.exercises if c.submission]
        repository = graded[0].submission.split("/")[0] if graded and "/" in graded[0].submission else ""
        stamp = max((c.graded_at for c in graded), default="")
        rows.append([name, "", "", who.key or line.student, who.sid or who.email or who.name, repository, "", stamp,
                     _number(line.total), _number(line.max_total), "",
                     *([_number(c.points) for c in line.exercises] if several else []), line.status, line.problem])
    return rows
