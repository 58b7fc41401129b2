"""Each student's grade as it stands: the latest graded rows with the instructor's overrides
applied, one cell per exercise of the assignment and a total. Exports, the review list and the
class summary read grades from here, so an override shows the same everywhere.

An override belongs to the file it was made on (its sha256): it applies while the student's
latest row is of that file (a rerun, or a regrade of the same bytes with another seed or grader
version), and is *stale* once the file changed: flagged, never silently applied to other work.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..errors import GraderError
from .gradebook import Gradebook, ReviewEntry, review_entries

# full/partial/zero: graded; review: an entry waits for an instructor (0 points until then);
# error: nothing could be graded (see `problem`); missing: no row at all for this exercise.
GradeStatus = Literal["full", "partial", "zero", "review", "error", "missing"]
OverrideState = Literal["active", "stale", "superseded"]
TOTAL = "total"  # the entry name that overrides a whole exercise's score
_EPSILON = 1e-9
_CHUNK = 500  # submission ids per query (SQLite allows 999 parameters in older builds)


@dataclass(frozen=True)
class Override:
    id: int
    exercise: str
    student: str
    entry: str  # "X[2,1]", a function check's name, or "total"
    points: float  # in the exercise's own points
    reason: str
    by: str
    at: str  # UTC, ISO 8601
    content_hash: str  # the file it was made on
    state: OverrideState


@dataclass(frozen=True)
class Check:
    """One check of a latest row, with what an active override gives it."""

    position: int
    name: str
    entry: str  # the key an override names: "X[2,1]", or the check's name for a whole function
    status: str  # pass, fail, error, review
    points: float  # as graded
    max_points: float
    override: Override | None


@dataclass(frozen=True)
class ExerciseGrade:
    exercise: str
    title: str
    status: GradeStatus
    points: float | None  # on the assignment's scale; None for error and missing
    max_points: float  # on the assignment's scale
    score: float  # on the exercise's own scale, overrides applied (0 for error and missing)
    max_score: float
    problem: str  # why nothing could be graded; stale overrides; "" otherwise
    submission: str
    content_hash: str
    graded_at: str
    submission_id: int | None
    checks: tuple[Check, ...]
    overrides: tuple[Override, ...]  # active ones
    stale: tuple[Override, ...]


@dataclass(frozen=True)
class Column:
    exercise: str
    title: str
    points: float | None  # the assignment's points for it; None: its own max score


@dataclass(frozen=True)
class StudentGrade:
    student: str
    exercises: tuple[ExerciseGrade, ...]  # in the order of the columns
    status: GradeStatus
    total: float | None  # None while any exercise is in error or missing
    max_total: float
    problem: str


@dataclass(frozen=True)
class ClassGrades:
    assignment: str  # "" when the gradebook holds no assignment
    columns: tuple[Column, ...]
    students: tuple[StudentGrade, ...]


def entry_key(target: str | None, entry: str | None, name: str) -> str:
    """How an override names a check: `X[2,1]` for an entry, the check's name for a function."""
    return f"{target}[{entry}]" if target and entry else name


def columns(book: Gradebook, assignment: str | None = None) -> tuple[str, tuple[Column, ...]]:
    """(assignment, its columns): the assignment's exercises with their points, or every exercise
    of the gradebook at its own max score when it holds no assignment."""
    known = [r[0] for r in book.query("SELECT DISTINCT assignment FROM assignment_exercises ORDER BY assignment")]
    if assignment is None and len(known) == 1:
        assignment = known[0]
    elif assignment is None and len(known) > 1:
        raise GraderError(f"{book.path} holds {len(known)} assignments; name one with --assignment: "
                          f"{', '.join(known)}")
    if assignment is not None:
        if assignment not in known:
            raise GraderError(f"{book.path} holds no assignment {assignment!r}; it has: {', '.join(known) or '(none)'}")
        rows = book.query("SELECT exercise, title, points FROM assignment_exercises WHERE assignment = ? "
                          "ORDER BY position", (assignment,))
        return assignment, tuple(Column(e, t, float(p)) for e, t, p in rows)
    return "", tuple(Column(e, e, None) for e in book.exercises())


def class_grades(book: Gradebook, assignment: str | None = None, exercise: str | None = None,
                 students: tuple[str, ...] = ()) -> ClassGrades:
    """Every student's grade (those of the gradebook plus `students`, e.g. a roster's, who then
    show as missing), sorted by student. `exercise` keeps one column only."""
    name, cols = columns(book, assignment)
    if exercise is not None:
        cols = tuple(c for c in cols if c.exercise == exercise)
        if not cols:
            raise GraderError(f"{book.path} holds no grades for {exercise!r}")
    rows = {(r["exercise"], r["student"]): r for c in cols for r in book.latest_rows(c.exercise)}
    everyone = sorted({s for _, s in rows} | set(students))
    found = _overrides(book, tuple(c.exercise for c in cols))
    checks = _checks(book, [r["id"] for r in rows.values()])
    out = []
    for student in everyone:
        cells = tuple(_cell(col, rows.get((col.exercise, student)), found.get((col.exercise, student), []),
                            checks) for col in cols)
        out.append(_student(student, cells))
    return ClassGrades(name, cols, tuple(out))


def student_grade(book: Gradebook, student: str, exercise: str) -> ExerciseGrade:
    """One student's grade for one exercise; raises GraderError when there is none."""
    rows = [r for r in book.latest_rows(exercise) if r["student"] == student]
    if not rows:
        raise GraderError(f"{book.path} holds no grade of {student!r} for {exercise!r}")
    return _cell(Column(exercise, exercise, None), rows[0], _overrides(book, (exercise,)).get((exercise, student), []),
                 _checks(book, [rows[0]["id"]]))


def all_overrides(book: Gradebook, exercise: str | None = None) -> tuple[Override, ...]:
    """Every override ever made (of one exercise), each in its state against the file graded now."""
    current = {(e, s): h for e, s, h in book.query("SELECT l.exercise, l.student, s.content_hash FROM latest l "
                                                   "JOIN submissions s ON s.id = l.submission_id")}
    groups: dict[tuple[str, str], list[tuple]] = {}
    for row in book.query("SELECT id, exercise, student, entry, points, reason, by, at, content_hash FROM overrides "
                          "ORDER BY exercise, student, id"):
        if exercise is None or row[1] == exercise:
            groups.setdefault((row[1], row[2]), []).append(row)
    return tuple(o for key, group in groups.items() for o in states(group, current.get(key)))


def open_reviews(book: Gradebook, exercise: str | None = None) -> tuple[ReviewEntry, ...]:
    """The entries flagged for review that no active override has decided yet."""
    decided = {(o.exercise, o.student, o.entry) for o in all_overrides(book, exercise) if o.state == "active"}
    return tuple(r for r in review_entries(book, exercise)
                 if (r.exercise, r.student, entry_key(r.target, r.entry, r.check)) not in decided
                 and (r.exercise, r.student, TOTAL) not in decided)


def _overrides(book: Gradebook, exercises: tuple[str, ...]) -> dict[tuple[str, str], list[tuple]]:
    found: dict[tuple[str, str], list[tuple]] = {}
    for row in book.query("SELECT id, exercise, student, entry, points, reason, by, at, content_hash FROM overrides "
                          "ORDER BY id"):
        if row[1] in exercises:
            found.setdefault((row[1], row[2]), []).append(row)
    return found


def _checks(book: Gradebook, ids: list[int]) -> dict[int, list[tuple]]:
    found: dict[int, list[tuple]] = {}
    chosen = sorted(set(ids))
    for start in range(0, len(chosen), _CHUNK):  # by primary key: never a scan of every check ever graded
        part = chosen[start:start + _CHUNK]
        for row in book.query("SELECT submission_id, position, name, target, entry, status, points, max_points "
                              f"FROM checks WHERE submission_id IN ({', '.join('?' * len(part))}) "
                              "ORDER BY submission_id, position", tuple(part)):
            found.setdefault(row[0], []).append(row[1:])
    return found


def states(overrides: list[tuple], content_hash: str | None) -> list[Override]:
    """Every override of one student's exercise with its state: the newest of each entry is
    active when made on the file graded now, stale otherwise; older ones are superseded."""
    newest = {row[3]: row[0] for row in overrides}
    out = []
    for row in overrides:
        state: OverrideState = ("superseded" if newest[row[3]] != row[0]
                                else "active" if row[8] == content_hash else "stale")
        out.append(Override(row[0], row[1], row[2], row[3], float(row[4]), row[5], row[6], row[7], row[8], state))
    return out


def _cell(col: Column, row, overrides: list[tuple], checks: dict[int, list[tuple]]) -> ExerciseGrade:
    if row is None:
        scale = col.points if col.points is not None else 0.0
        return ExerciseGrade(col.exercise, col.title, "missing", None, scale, 0.0, 0.0,
                             f"{col.exercise}: not graded", "", "", "", None, (), (), ())
    every = states(overrides, row["content_hash"])
    active = {o.entry: o for o in every if o.state == "active"}
    stale = tuple(o for o in every if o.state == "stale")
    cells = []
    score = float(row["score"])
    for position, name, target, entry, graded, points, max_points in checks.get(row["id"], []):
        key = entry_key(target, entry, name)
        chosen = active.get(key)
        if chosen is not None:
            score += chosen.points - float(points)
        cells.append(Check(position, name, key, graded, float(points), float(max_points), chosen))
    max_score = float(row["max_score"])
    whole = active.get(TOTAL)
    if whole is not None:
        score = whole.points
    score = min(max(score, 0.0), max_score)
    waiting = whole is None and any(c.status == "review" and c.override is None for c in cells)
    problem = row["problem"] or ""
    status: GradeStatus
    if row["status"] == "error" and whole is None:
        status = "error"
    elif waiting:
        status = "review"
    else:
        status = _graded_status(score, max_score)
    if stale:
        note = "; ".join(f"override of {o.entry} ({o.at}, {o.by}) is stale: the file changed since" for o in stale)
        problem = f"{problem}; {note}" if problem else note
    scale = col.points if col.points is not None else max_score
    points = None if status == "error" else (score * scale / max_score if max_score > 0 else 0.0)
    return ExerciseGrade(col.exercise, col.title, status, _round(points), scale, _round(score) or 0.0, max_score,
                         problem, row["submission"], row["content_hash"], row["graded_at"], row["id"],
                         tuple(cells), tuple(active.values()), stale)


def _graded_status(score: float, max_score: float) -> GradeStatus:
    if score >= max_score - _EPSILON and max_score > 0:
        return "full"
    return "zero" if score <= _EPSILON else "partial"


def _student(student: str, cells: tuple[ExerciseGrade, ...]) -> StudentGrade:
    max_total = sum(c.max_points for c in cells)
    problems = [f"{c.exercise}: {c.problem}" if len(cells) > 1 else c.problem for c in cells if c.problem]
    for status in ("error", "missing"):
        if any(c.status == status for c in cells):
            return StudentGrade(student, cells, status, None, max_total, "; ".join(problems))
    total = _round(sum(c.points or 0.0 for c in cells)) or 0.0
    status_: GradeStatus = "review" if any(c.status == "review" for c in cells) else _graded_status(total, max_total)
    return StudentGrade(student, cells, status_, total, max_total, "; ".join(problems))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


_DERIVATIVE = re.compile(r"^d\w*/d(?P<rest>.+)$")


def _spellings(check: Check) -> set[str]:
    return {re.sub(r"\s+", "", name) for name in (check.entry, check.name, check.name.split(" (")[0])}


def resolve_entry(text: str, checks: tuple[Check, ...]) -> Check | None:
    """The check an instructor names: `X[2,1]`, `x[2,1]`, `dC/dX[2,1]`, the check's name as the
    report shows it, or a function's (`grad_X`); None for `total`. Raises GraderError when nothing
    (or more than one check) matches."""
    wanted = re.sub(r"\s+", "", text)
    if wanted.lower() == TOTAL:
        return None
    match = _DERIVATIVE.match(wanted)
    forms = {wanted, match.group("rest")} if match else {wanted}
    hits = [c for c in checks if forms & _spellings(c)]
    if not hits:  # `x[2,1]` for X[2,1]: reports write entries in the lower case of their notation
        lowered = {f.lower() for f in forms}
        hits = [c for c in checks if lowered & {n.lower() for n in _spellings(c)}]
    if len(hits) == 1:
        return hits[0]
    known = ", ".join(dict.fromkeys(c.entry for c in checks)) or "(no checks: only `total`)"
    if not hits:
        raise GraderError(f"no entry {text!r} in this submission; its entries: {known}, or total")
    raise GraderError(f"{text!r} names {len(hits)} entries ({', '.join(c.entry for c in hits)}); be more precise")
