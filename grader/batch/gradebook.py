"""The gradebook: a SQLite file holding every graded submission of a class, with its history.

One row per (exercise, student, content hash, set-up hash) in `submissions`; what the checks
found is also in child tables (`checks`, `notes`) so that a class summary or an instructor's
own SQL can ask "who made this mistake" without parsing JSON. docs/gradebook.md documents the
schema; SCHEMA_VERSION changes whenever it does.

One process writes (`grader batch`); every result is committed in its own transaction, in WAL
mode, so a run killed at any moment leaves whole rows only, and the next run grades what is
missing.
"""
from __future__ import annotations

import csv
import io
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..errors import GraderError
from ..safetext import csv_cell

SCHEMA_VERSION = 3
ROW_STATUSES = ("full", "partial", "zero", "error")  # error: nothing could be graded
CSV_COLUMNS = ("student", "submission", "score", "max_score", "status", "exercise", "content_hash",
               "graded_at", "grader_version", "notes", "problem")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    exercise TEXT NOT NULL,
    student TEXT NOT NULL,
    submission TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    setup_hash TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ({", ".join(repr(s) for s in ROW_STATUSES)})),
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    problem TEXT NOT NULL,
    seed INTEGER,
    reveal INTEGER NOT NULL,
    grader_version TEXT NOT NULL,
    seconds REAL NOT NULL,
    graded_at TEXT NOT NULL,
    worker TEXT NOT NULL,
    report TEXT NOT NULL,
    UNIQUE (exercise, student, content_hash, setup_hash)
);
CREATE TABLE IF NOT EXISTS checks (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    target TEXT,
    entry TEXT,
    status TEXT NOT NULL,
    points REAL NOT NULL,
    max_points REAL NOT NULL,
    PRIMARY KEY (submission_id, position)
);
CREATE TABLE IF NOT EXISTS notes (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('note', 'misconception')),
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_value ON notes (kind, value);
CREATE TABLE IF NOT EXISTS latest (
    exercise TEXT NOT NULL,
    student TEXT NOT NULL,
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    PRIMARY KEY (exercise, student)
);
"""

# Roster identities: one row per student id (not per exercise: a roster is the course's).
_IDENTITIES = ("CREATE TABLE IF NOT EXISTS identities (student TEXT PRIMARY KEY, name TEXT NOT NULL, "
               "email TEXT NOT NULL, platform_key TEXT NOT NULL)")

# What each version adds to the one before: a gradebook of an older version is brought up to
# date in one transaction when it is opened, so no course loses its grades to an upgrade.
_MIGRATIONS: dict[int, str] = {
    2: """
CREATE TABLE IF NOT EXISTS overrides (
    id INTEGER PRIMARY KEY,
    exercise TEXT NOT NULL,
    student TEXT NOT NULL,
    entry TEXT NOT NULL,
    points REAL NOT NULL,
    reason TEXT NOT NULL,
    by TEXT NOT NULL,
    at TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    submission_id INTEGER NOT NULL REFERENCES submissions(id)
);
CREATE INDEX IF NOT EXISTS overrides_student ON overrides (exercise, student, entry);
CREATE TABLE IF NOT EXISTS assignment_exercises (
    assignment TEXT NOT NULL,
    position INTEGER NOT NULL,
    exercise TEXT NOT NULL,
    title TEXT NOT NULL,
    points REAL NOT NULL,
    PRIMARY KEY (assignment, exercise)
);
""",
    # The notes of one check, found by its key: the review list and the summary ask for them per
    # check, which without this index read every note of the gradebook each time.
    3: """
CREATE INDEX IF NOT EXISTS notes_check ON notes (submission_id, position);
""",
}


@dataclass(frozen=True)
class Row:
    """One graded submission as the batch writes it (report is the full JSON report, or None)."""

    exercise: str
    student: str
    submission: str  # path relative to the class folder
    content_hash: str  # sha256 of the bytes graded (of the problem text, for a submission in error)
    setup_hash: str  # sha256 of the spec text, the options and the grader version
    kind: str  # "functions" | "expressions" | "" when nothing was graded
    status: str  # one of ROW_STATUSES
    score: float
    max_score: float
    problem: str  # why nothing could be graded ("" when graded)
    seed: int | None
    reveal: bool
    grader_version: str
    seconds: float
    graded_at: str  # UTC, ISO 8601
    worker: str  # host:pid of the process that graded it
    report: dict  # the JSON report; for a row in error, one whose only message is the problem


BUSY_SECONDS = 30  # how long a writer waits for another one's transaction before giving up


class Gradebook:
    """An open gradebook, created when missing unless `create` is False (readers never turn
    another application's database into a gradebook). Raises GraderError when the file is not
    one or is of another schema version."""

    def __init__(self, path: str | Path, create: bool = True):
        self.path = str(path)
        try:
            where = self.path if create else f"{Path(self.path).resolve().as_uri()}?mode=rw"
            self.db = sqlite3.connect(where, isolation_level=None, timeout=BUSY_SECONDS, uri=not create)
            version = self._version()
            if version is None and not create:
                self.db.close()
                raise GraderError(f"{self.path}: not a gradebook (no schema version; see docs/gradebook.md)")
            self.db.execute("PRAGMA journal_mode=WAL")
            # NORMAL is durable across a killed process in WAL mode; only a power cut may lose
            # the last commits, which the next run regrades.
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            if version != SCHEMA_VERSION:
                # The version is read again under the write lock: two batches starting together
                # on a new gradebook must not both create (or migrate) the schema.
                with self.transaction():
                    version = self._version()
                    if version is None:
                        for script in (_SCHEMA, *_MIGRATIONS.values()):
                            _run(self.db, script)
                        self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                    elif version < SCHEMA_VERSION and all(v in _MIGRATIONS
                                                          for v in range(version + 1, SCHEMA_VERSION + 1)):
                        for step in range(version + 1, SCHEMA_VERSION + 1):
                            _run(self.db, _MIGRATIONS[step])
                        self.db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                                        (str(SCHEMA_VERSION),))
                    elif version != SCHEMA_VERSION:
                        raise GraderError(f"{self.path}: gradebook schema version {version}; this grader reads "
                                          f"version {SCHEMA_VERSION} (see docs/gradebook.md)")
        except sqlite3.OperationalError as err:
            if "locked" in str(err) or "busy" in str(err):
                raise GraderError(f"{self.path}: another batch is using this gradebook (still busy after "
                                  f"{BUSY_SECONDS} s); run again when it has finished") from None
            raise GraderError(f"{self.path}: not a usable gradebook ({err})") from None
        except sqlite3.DatabaseError as err:
            raise GraderError(f"{self.path}: not a usable gradebook ({err})") from None

    def _version(self) -> int | None:
        found = self.db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
        if not found:
            return None
        value = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(value[0]) if value else None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Gradebook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def transaction(self):
        return _Transaction(self.db)

    # --- writing ---------------------------------------------------------------------------

    def known(self, exercise: str, student: str, content_hash: str, setup_hash: str) -> int | None:
        """The id of the row already graded for exactly this submission and set-up, if any."""
        row = self.db.execute("SELECT id FROM submissions WHERE exercise=? AND student=? AND content_hash=? "
                              "AND setup_hash=?", (exercise, student, content_hash, setup_hash)).fetchone()
        return row[0] if row else None

    def current(self, exercise: str, student: str) -> int | None:
        row = self.db.execute("SELECT submission_id FROM latest WHERE exercise=? AND student=?",
                              (exercise, student)).fetchone()
        return row[0] if row else None

    def point_latest(self, exercise: str, student: str, submission_id: int) -> None:
        """Make an existing row the student's latest (a file changed back to content graded before)."""
        with self.transaction():
            self._set_latest(exercise, student, submission_id)

    def _set_latest(self, exercise: str, student: str, submission_id: int) -> None:
        self.db.execute("INSERT INTO latest VALUES (?, ?, ?) ON CONFLICT (exercise, student) "
                        "DO UPDATE SET submission_id=excluded.submission_id", (exercise, student, submission_id))

    def record(self, row: Row) -> int:
        """Insert a graded row, its checks and notes, and make it the student's latest: one transaction.

        A row already present for the same key is kept as it is (never counted twice).
        """
        if row.status not in ROW_STATUSES:
            raise ValueError(f"unknown row status {row.status!r}")
        with self.transaction():
            found = self.known(row.exercise, row.student, row.content_hash, row.setup_hash)
            if found is None:
                cursor = self.db.execute(
                    "INSERT INTO submissions (exercise, student, submission, content_hash, setup_hash, kind, status, "
                    "score, max_score, problem, seed, reveal, grader_version, seconds, graded_at, worker, report) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (row.exercise, row.student, row.submission, row.content_hash, row.setup_hash, row.kind,
                     row.status, row.score, row.max_score, row.problem, row.seed, int(row.reveal),
                     row.grader_version, row.seconds, row.graded_at, row.worker,
                     json.dumps(row.report, ensure_ascii=False, sort_keys=True)))
                found = cursor.lastrowid
                assert found is not None  # an INSERT always sets it
                self._record_checks(found, row.report.get("checks", []))
            self._set_latest(row.exercise, row.student, found)
        return found

    def _record_checks(self, submission_id: int, checks: list[dict]) -> None:
        for position, check in enumerate(checks):
            index = check.get("index")
            entry = ",".join(str(i) for i in index) if index else None
            self.db.execute("INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (submission_id, position, check["name"], check.get("target"), entry, check["status"],
                             check["points"], check["max_points"]))
            if check["status"] == "pass":
                continue  # a passing check's note ("correct") says nothing about a mistake
            for value in dict.fromkeys(str(n) for n in check.get("notes", ())):
                kind, _, name = value.partition("detector:")
                is_detector = kind == "" and bool(name)
                self.db.execute("INSERT INTO notes VALUES (?, ?, ?, ?)",
                                (submission_id, position, "misconception" if is_detector else "note",
                                 name if is_detector else value))

    def record_identity(self, student: str, name: str, email: str, key: str) -> None:
        """Who a student id is (from the roster or the platform's metadata), for exports. Kept in
        its own table, made when first needed, so gradebooks written before it stay readable."""
        with self.transaction():
            self.db.execute(_IDENTITIES)
            self.db.execute("INSERT INTO identities VALUES (?, ?, ?, ?) ON CONFLICT (student) DO UPDATE SET "
                            "name=excluded.name, email=excluded.email, platform_key=excluded.platform_key",
                            (student, name, email, key))

    def identities(self) -> dict[str, tuple[str, str, str]]:
        """Student id -> (name, email, platform key), for every student the batch identified."""
        if not self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='identities'").fetchone():
            return {}
        return {r[0]: (r[1], r[2], r[3]) for r in self.db.execute("SELECT * FROM identities ORDER BY student")}

    def record_assignment(self, name: str, items: list[tuple[str, str, float]]) -> None:
        """The assignment's exercises as (exercise, column title, points), replacing what an
        earlier version of the assignment file said."""
        with self.transaction():
            self.db.execute("DELETE FROM assignment_exercises WHERE assignment = ?", (name,))
            for position, (exercise, title, points) in enumerate(items):
                self.db.execute("INSERT INTO assignment_exercises VALUES (?, ?, ?, ?, ?)",
                                (name, position, exercise, title, points))

    # --- reading ---------------------------------------------------------------------------

    def exercises(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT exercise FROM latest ORDER BY exercise")]

    def latest_rows(self, exercise: str | None = None) -> list[sqlite3.Row]:
        """The latest row of every student, ordered by exercise then student (a stable order)."""
        self.db.row_factory = sqlite3.Row
        try:
            query = ("SELECT s.* FROM latest l JOIN submissions s ON s.id = l.submission_id"
                     + (" WHERE l.exercise = ?" if exercise else "") + " ORDER BY l.exercise, l.student")
            return list(self.db.execute(query, (exercise,) if exercise else ()))
        finally:
            self.db.row_factory = None

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        return list(self.db.execute(sql, params))

    def export_csv(self, exercise: str | None = None) -> str:
        """One line per student (the latest submission), sorted by exercise and student."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180, what spreadsheets expect
        writer.writerow(CSV_COLUMNS)
        for row in self.latest_rows(exercise):
            notes = self.query("SELECT DISTINCT value FROM notes WHERE submission_id=? ORDER BY value", (row["id"],))
            # an error row's score is empty, never 0: a spreadsheet or an import must not take it for a zero
            score = "" if row["status"] == "error" else _number(row["score"])
            writer.writerow([csv_cell(row["student"]), csv_cell(row["submission"]), score, _number(row["max_score"]),
                             row["status"], csv_cell(row["exercise"]), row["content_hash"], row["graded_at"],
                             row["grader_version"], csv_cell(" ".join(n[0] for n in notes)),
                             csv_cell(row["problem"] or "")])
        return out.getvalue()

    def canonical(self) -> list[tuple]:
        """Everything graded, without ids, times or workers: equal for equal grading, whatever the
        order or the number of runs it took (how tests compare an interrupted run with a whole one)."""
        rows = self.query(
            "SELECT s.exercise, s.student, s.submission, s.content_hash, s.setup_hash, s.kind, s.status, s.score, "
            "s.max_score, s.problem, s.seed, s.reveal, s.grader_version, s.report, "
            "(SELECT count(*) FROM latest l WHERE l.submission_id = s.id), "
            "(SELECT group_concat(c.name || '|' || c.status || '|' || c.points, ';') FROM checks c "
            " WHERE c.submission_id = s.id), "
            "(SELECT group_concat(n.position || '|' || n.kind || '|' || n.value, ';') FROM notes n "
            " WHERE n.submission_id = s.id) FROM submissions s")
        return sorted(rows, key=repr)


def _run(db: sqlite3.Connection, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (KeyboardInterrupt included)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, *_):
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False



@dataclass(frozen=True)
class ReviewEntry:
    """One entry of a student's latest submission that the checker could not decide (status
    `review`): 0 points until an instructor looks at it."""

    exercise: str
    student: str
    submission: str  # path relative to the class folder
    submission_id: int
    position: int  # the check's position in the report
    check: str  # the check's name ("dL/dW1[1,2]")
    target: str | None
    entry: str | None  # 1-based index as stored in `checks.entry` ("1,2"), None for a whole target
    max_points: float
    reasons: tuple[str, ...]  # the check's review notes ("review-expansion-too-large", ...)


def review_entries(book: Gradebook, exercise: str | None = None) -> tuple[ReviewEntry, ...]:
    """Every entry waiting for review in the students' latest submissions (of one exercise, or all),
    ordered by exercise, student and position."""
    rows = book.query(
        "SELECT s.exercise, s.student, s.submission, s.id, c.position, c.name, c.target, c.entry, c.max_points, "
        "(SELECT group_concat(n.value, ' ') FROM notes n WHERE n.submission_id = c.submission_id "
        " AND n.position = c.position AND n.value LIKE 'review-%') "
        "FROM latest l JOIN submissions s ON s.id = l.submission_id "
        "JOIN checks c ON c.submission_id = s.id WHERE c.status = 'review'"
        + (" AND l.exercise = ?" if exercise else "") + " ORDER BY s.exercise, s.student, c.position",
        (exercise,) if exercise else ())
    return tuple(ReviewEntry(ex, student, sub, sid, pos, name, target, entry, float(mx),
                             tuple(sorted((reasons or "").split())))
                 for ex, student, sub, sid, pos, name, target, entry, mx, reasons in rows)
