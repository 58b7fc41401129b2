"""The human in the loop, as a library: what waits for review, overrides, and each entry's trail.

Every function takes a gradebook path (what `grader review`, `grader override`, `grader history`
and the web pages call). Overrides are rows of the gradebook (who, when, why, on which file):
they survive reruns and regrades of the same file, and become stale, never silently applied,
once the student's file changed (docs/gradebook.md).
"""
from __future__ import annotations

import getpass
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from ..errors import GraderError
from .gradebook import Gradebook
from .grades import TOTAL, Override, all_overrides, entry_key, open_reviews, resolve_entry, states, student_grade

MAX_REASON = 2000  # characters: a reason is a sentence or two, not a document


@dataclass(frozen=True)
class Waiting:
    """Something an instructor must look at: an entry the checker flagged for review (0 points
    until decided), or an override made on a file the student has changed since."""

    kind: Literal["review", "stale-override"]
    exercise: str
    student: str
    submission: str
    entry: str  # the name to give `grader override`
    check: str  # the check's name as the report shows it
    points: float  # what it has now
    max_points: float
    why: str


@dataclass(frozen=True)
class Event:
    """One step of an entry's trail: a grading of the student's file, or an override."""

    kind: Literal["graded", "override"]
    at: str
    exercise: str
    entry: str  # the entry followed, or "total"
    points: float | None  # what the entry got; None when that grading had no such entry
    max_points: float | None
    status: str  # the check's (or row's) status; an override's state
    submission: str
    content_hash: str
    by: str = ""
    reason: str = ""


def waiting(db: str | Path, exercise: str | None = None) -> tuple[Waiting, ...]:
    """Every entry waiting for review (not decided by an override) and every stale override in
    the students' latest rows, ordered by exercise, student and entry. Raises GraderError for an
    unusable gradebook."""
    with Gradebook(db, create=False) as book:
        found = [Waiting("review", r.exercise, r.student, r.submission, entry_key(r.target, r.entry, r.check), r.check,
                         0.0, r.max_points, " ".join(r.reasons) or "could not be decided automatically")
                 for r in open_reviews(book, exercise)]
        current = {(row["exercise"], row["student"]): row for ex in ([exercise] if exercise else book.exercises())
                   for row in book.latest_rows(ex)}
        for stale in all_overrides(book, exercise):
            row = current.get((stale.exercise, stale.student))
            if stale.state == "stale" and row is not None:
                found.append(Waiting("stale-override", stale.exercise, stale.student, row["submission"], stale.entry,
                                     stale.entry, stale.points, float(row["max_score"]),
                                     f"override by {stale.by} at {stale.at} ({stale.reason}) was made on another "
                                     f"version of the file: not applied"))
    return tuple(sorted(found, key=lambda w: (w.exercise, w.student, w.kind, w.entry)))


def override(db: str | Path, student: str, entry: str, points: float, reason: str, by: str | None = None,
             exercise: str | None = None, at: str | None = None) -> Override:
    """Give `student`'s `entry` (`X[2,1]`, `dC/dX[2,1]`, a function's check, or `total` for the
    whole exercise) `points` on the exercise's own scale, for the file graded now. `by` defaults to
    the OS user. Raises GraderError for an unknown student, exercise or entry, points outside
    0..max, or an empty reason."""
    reason = " ".join(reason.split())
    if not reason:
        raise GraderError("an override needs a reason (--reason TEXT): the student and your colleagues will ask")
    if len(reason) > MAX_REASON:
        raise GraderError(f"the reason is {len(reason)} characters; keep it under {MAX_REASON}")
    if not math.isfinite(points):
        raise GraderError(f"points must be a number, not {points}")
    who = " ".join((by if by is not None else _os_user()).split())
    if not who:
        raise GraderError("--by names who overrides; it cannot be empty")
    with Gradebook(db, create=False) as book:
        exercise = _exercise_of(book, student, exercise)
        cell = student_grade(book, student, exercise)
        check = resolve_entry(entry, cell.checks)
        key, most = (TOTAL, cell.max_score) if check is None else (check.entry, check.max_points)
        if not 0 <= points <= most + 1e-9:
            raise GraderError(f"{points:g} points for {key}: it is worth 0 to {most:g}")
        stamp = at or datetime.now(timezone.utc).isoformat(timespec="seconds")
        with book.transaction():
            cursor = book.db.execute(
                "INSERT INTO overrides (exercise, student, entry, points, reason, by, at, content_hash, submission_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (exercise, student, key, float(points), reason, who, stamp, cell.content_hash, cell.submission_id))
        return Override(int(cursor.lastrowid or 0), exercise, student, key, float(points), reason, who, stamp,
                        cell.content_hash, "active")


def overrides(db: str | Path, student: str | None = None, exercise: str | None = None) -> tuple[Override, ...]:
    """Every override ever made (of one student, one exercise), each with its state now."""
    with Gradebook(db, create=False) as book:
        return tuple(o for o in all_overrides(book, exercise) if student is None or o.student == student)


def history(db: str | Path, student: str, entry: str | None = None, exercise: str | None = None) -> tuple[Event, ...]:
    """The trail of one student's exercise (or of one entry of it): every grading of their files
    and every override, oldest first. Raises GraderError for an unknown student or entry."""
    with Gradebook(db, create=False) as book:
        exercise = _exercise_of(book, student, exercise)
        key = TOTAL
        if entry is not None:
            check = resolve_entry(entry, student_grade(book, student, exercise).checks)
            key = TOTAL if check is None else check.entry
        events: list[tuple[str, int, Event]] = []
        points: float | None
        most: float | None
        for sid, at, submission, digest, status, score, max_score in book.query(
                "SELECT id, graded_at, submission, content_hash, status, score, max_score FROM submissions "
                "WHERE exercise = ? AND student = ? ORDER BY id", (exercise, student)):
            points, most, state = float(score), float(max_score), status
            if key != TOTAL:
                found = [c for c in book.query("SELECT target, entry, name, status, points, max_points FROM checks "
                                               "WHERE submission_id = ?", (sid,))
                         if _key(c) == key]
                points, most, state = ((float(found[0][4]), float(found[0][5]), found[0][3]) if found
                                       else (None, None, status))
            events.append((at, 0, Event("graded", at, exercise, key, points, most, state, submission, digest)))
        current = book.current(exercise, student)
        now = book.query("SELECT content_hash, submission FROM submissions WHERE id = ?", (current,))[0]
        rows = book.query("SELECT o.id, o.exercise, o.student, o.entry, o.points, o.reason, o.by, o.at, o.content_hash, "
                          "s.submission FROM overrides o JOIN submissions s ON s.id = o.submission_id "
                          "WHERE o.exercise = ? AND o.student = ? ORDER BY o.id", (exercise, student))
        made = {o.id: o for o in states([r[:9] for r in rows], now[0])}
        for row in rows:
            o = made[row[0]]
            if entry is None or o.entry == key:
                events.append((o.at, 1, Event("override", o.at, exercise, o.entry, o.points, None, o.state, row[9],
                                              o.content_hash, o.by, o.reason)))
    return tuple(e for _, _, e in sorted(events, key=lambda item: (item[0], item[1])))


def _key(check: tuple) -> str:
    return entry_key(check[0], check[1], check[2])


def _exercise_of(book: Gradebook, student: str, exercise: str | None) -> str:
    having = [r[0] for r in book.query("SELECT exercise FROM latest WHERE student = ? ORDER BY exercise", (student,))]
    if exercise is not None:
        if exercise not in having:
            raise GraderError(f"{book.path} holds no grade of {student!r} for {exercise!r}"
                              + (f"; {student} has: {', '.join(having)}" if having else ""))
        return exercise
    if not having:
        known = [r[0] for r in book.query("SELECT DISTINCT student FROM latest ORDER BY student LIMIT 5")]
        raise GraderError(f"{book.path} holds no student {student!r}" + (f" (students: {', '.join(known)}, ...)"
                                                                          if known else ""))
    if len(having) > 1:
        raise GraderError(f"{student} has grades for {len(having)} exercises; name one with --exercise: "
                          f"{', '.join(having)}")
    return having[0]


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry for this uid, and no LOGNAME/USER
        return "unknown"
