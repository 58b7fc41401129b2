"""A class at a glance, from a gradebook: what an instructor reads before the next lecture.

Computed from every student's latest row: the score histogram, the pass rate of each check
(each entry of an answer file, each function of code), the misconceptions and answer notes
found with the students concerned, the slowest or crashing submissions, and every entry waiting
for an instructor's review.
"""
from __future__ import annotations

import hashlib
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import GraderError
from .gradebook import Gradebook, ReviewEntry
from .grades import Override, all_overrides, class_grades, open_reviews

BINS = 10  # histogram bars, each a tenth of the maximum score
LISTED = 10  # misconceptions, notes and slow submissions shown


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int


@dataclass(frozen=True)
class CheckRate:
    name: str  # "dC/dx[2,1]" or "grad_X (dC/dX)"
    attempts: int
    passed: int

    @property
    def rate(self) -> float:
        return self.passed / self.attempts if self.attempts else 0.0


@dataclass(frozen=True)
class Occurrence:
    kind: str  # "misconception" | "note"
    value: str  # detector name or answer-note id
    students: tuple[str, ...]


@dataclass(frozen=True)
class Slow:
    student: str
    submission: str
    seconds: float
    reason: str  # "" for a slow one, else why it crashed or could not be graded


@dataclass(frozen=True)
class ClassSummary:
    exercise: str
    students: int
    graded: int  # students with a graded row (not in error)
    max_score: float
    mean: float
    median: float
    histogram: tuple[Bin, ...]
    checks: tuple[CheckRate, ...]  # lowest pass rate first
    misconceptions: tuple[Occurrence, ...]
    notes: tuple[Occurrence, ...]
    slowest: tuple[Slow, ...]
    crashing: tuple[Slow, ...]
    reviews: tuple[ReviewEntry, ...] = ()  # every entry waiting for an instructor, all of them listed
    overrides: tuple[Override, ...] = ()  # the instructors' decisions in force (active) or to confirm (stale)
    # Groups of students who handed in byte-identical files (a hard link to a classmate's file
    # is one): each group's students, sorted; the grades stand, an instructor decides.
    identical: tuple[tuple[str, ...], ...] = ()

    def to_dict(self) -> dict:
        data = asdict(self)
        data["checks"] = [dict(asdict(c), rate=round(c.rate, 6)) for c in self.checks]
        return data


def summarise(db: str | Path, exercise: str | None = None) -> ClassSummary:
    """The summary of one exercise of a gradebook. Raises GraderError when the gradebook holds
    no such exercise, or several and none was named."""
    with Gradebook(db, create=False) as book:
        known = book.exercises()
        if exercise is None:
            if len(known) != 1:
                raise GraderError(f"{db} holds {len(known)} exercises; name one with --exercise: "
                                  f"{', '.join(known) or '(none)'}")
            exercise = known[0]
        elif exercise not in known:
            raise GraderError(f"{db} holds no grades for {exercise!r}; it has: {', '.join(known) or '(none)'}")
        rows = book.latest_rows(exercise)
        ids = {row["id"]: row["student"] for row in rows}
        # Scores as they stand: an instructor's override counts, and can make an error row graded.
        effective = {line.student: line.exercises[0] for line in class_grades(book, exercise=exercise).students}
        graded = [row for row in rows if effective[row["student"]].status != "error"]
        max_score = max((row["max_score"] for row in rows), default=0.0)
        scores = [effective[row["student"]].score for row in graded]
        checks = _check_rates(book, exercise)
        found = book.query("SELECT n.submission_id, n.kind, n.value FROM notes n JOIN latest l "
                           "ON l.submission_id = n.submission_id WHERE l.exercise = ?", (exercise,))
        crash_notes = {sid: value for sid, kind, value in found if value.startswith("sandbox-")}
        reviews = open_reviews(book, exercise)
        overrides = tuple(o for o in all_overrides(book, exercise) if o.state != "superseded")
    crashing = [Slow(r["student"], r["submission"], r["seconds"], r["problem"] or crash_notes[r["id"]])
                for r in rows if r["status"] == "error" or r["id"] in crash_notes]
    slowest = sorted((Slow(r["student"], r["submission"], r["seconds"], "") for r in graded),
                     key=lambda s: (-s.seconds, s.student))[:LISTED]
    return ClassSummary(
        exercise, len(rows), len(graded), max_score,
        round(statistics.fmean(scores), 6) if scores else 0.0,
        round(statistics.median(scores), 6) if scores else 0.0,
        _histogram(scores, max_score), checks,
        _occurrences(found, ids, "misconception"), _occurrences(found, ids, "note"),
        tuple(slowest), tuple(sorted(crashing, key=lambda s: s.student)), reviews, overrides, _identical(rows))


_EMPTY = hashlib.sha256(b"").hexdigest()


def _identical(rows: list) -> tuple[tuple[str, ...], ...]:
    """Students whose latest files have the same bytes (not empty ones, not problem rows)."""
    by_hash: dict[str, set[str]] = {}
    for row in rows:
        if row["content_hash"] != _EMPTY and not row["problem"]:
            by_hash.setdefault(row["content_hash"], set()).add(row["student"])
    return tuple(sorted(tuple(sorted(group)) for group in by_hash.values() if len(group) > 1))


def _histogram(scores: list[float], max_score: float) -> tuple[Bin, ...]:
    width = max_score / BINS if max_score > 0 else 1.0
    counts = [0] * BINS
    for score in scores:
        counts[min(int(score / width + 1e-9), BINS - 1)] += 1
    return tuple(Bin(round(i * width, 6), round((i + 1) * width, 6), n) for i, n in enumerate(counts))


def _check_rates(book: Gradebook, exercise: str) -> tuple[CheckRate, ...]:
    # One entry is one check whatever notation the student wrote its name in; its label is the
    # shortest name seen (the plain one). Function checks have no entry: one per function.
    rows = book.query("SELECT min(printf('%06d', length(c.name)) || ' ' || c.name), count(*), sum(c.status = 'pass') "
                      "FROM checks c JOIN latest l ON l.submission_id = c.submission_id WHERE l.exercise = ? "
                      "GROUP BY c.target, coalesce(c.entry, c.name)", (exercise,))
    rates = [CheckRate(label.split(" ", 1)[1], attempts, passed) for label, attempts, passed in rows]
    return tuple(sorted(rates, key=lambda c: (c.rate, c.name)))


def _occurrences(found: list[tuple], ids: dict[int, str], kind: str) -> tuple[Occurrence, ...]:
    students: dict[str, set[str]] = {}
    for sid, row_kind, value in found:
        if row_kind == kind:
            students.setdefault(value, set()).add(ids[sid])
    ranked = sorted(students.items(), key=lambda item: (-len(item[1]), item[0]))[:LISTED]
    return tuple(Occurrence(kind, value, tuple(sorted(who))) for value, who in ranked)
