"""Grade a whole class into a gradebook: `grade_class` is what `grader batch` calls.

read the class folder -> skip what the gradebook already holds -> grade the rest on a pool
(or a Dask cluster) -> commit each result as it arrives -> CSV and per-student reports.

A submission is identified by its student, the sha256 of its bytes and the set-up (spec text,
options, grader version): a rerun grades only what is new or changed, and a run killed at any
moment loses at most the results not yet committed.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable

from .pool import DaskPool, InlinePool, LocalPool
from .worker import CODE_SUFFIXES, make_job
from .classfolder import Submission, discover
from ..budget import answer_wall_seconds
from ..errors import GraderError
from ..safetext import clean, file_name
from .gradebook import Gradebook, Row
from ..report import Report
from .reportfiles import report_extensions
from ..spec.load import find_exercise, load_exercise

DEFAULT_DB = "gradebook.sqlite"
UNWRITTEN = "graded, but its report could not be written"
# Bytes of one submission sent to a worker; the pipeline's own limits (1 MB) are lower, so it
# is the pipeline that tells a student their file is too large.
MAX_SUBMISSION_BYTES = 4 << 20
# Added to a job's own limit (the sandbox's wall clock for code, the answer budget for answers)
# to make its deadline: a fresh worker's start-up and the exercise's first load fit in it.
DEADLINE_MARGIN = 30.0


def deadline_margin() -> float:
    """DEADLINE_MARGIN, or GRADER_BATCH_DEADLINE_MARGIN (a slow cluster; tests reach the deadline)."""
    try:
        return float(os.environ.get("GRADER_BATCH_DEADLINE_MARGIN", DEADLINE_MARGIN))
    except ValueError:
        return DEADLINE_MARGIN


@dataclass(frozen=True)
class BatchOptions:
    db: str | Path = DEFAULT_DB
    jobs: int | None = None  # local pool size; None means the CPU count, 0 this process
    seed: int | None = None
    timeout: float | None = None
    reveal: bool = True  # False: --no-reveal
    scheduler: str | None = None  # a Dask scheduler address instead of the local pool
    reports: str | Path | None = None  # folder for one report per student
    report_format: str = "json"
    csv: str | Path | None = None
    submission: tuple[str, ...] = ()  # names or globs of each student's file (default: the spec's `submission:`)
    roster: str | Path | None = None  # CSV of id, name, email, key (batch/roster.py)


@dataclass(frozen=True)
class Progress:
    """Sent after every committed result (and once before the first, with done=0)."""

    done: int
    total: int
    failures: int  # rows in error and lost jobs so far
    elapsed: float
    student: str = ""
    line: str = ""  # one log line about this result


@dataclass(frozen=True)
class BatchResult:
    students: int
    graded: int  # results committed by this run
    unchanged: int  # already in the gradebook
    errors: int  # students whose latest row is in error (nothing could be graded)
    lost: tuple[str, ...] = ()  # students whose job failed for reasons of ours: graded again next run
    interrupted: bool = False
    seconds: float = 0.0
    peak_rss_kb: dict = field(default_factory=dict)  # worker -> its peak resident memory
    unwritten: tuple[str, ...] = ()  # students graded whose report file could not be written (next run writes it)

    @property
    def return_code(self) -> int:
        """0 when every student has a graded row, 1 when some could not be graded, 130 if interrupted."""
        if self.interrupted:
            return 130
        return 1 if self.errors or self.lost or self.unwritten else 0


def grader_version() -> str:
    try:
        return version("backprop-grader")
    except PackageNotFoundError:
        return "unknown"


def grade_class(exercise_ref: str, directory: str | Path, options: BatchOptions = BatchOptions(),
                on_progress: Callable[[Progress], None] | None = None) -> BatchResult:
    """Grade every student in `directory` not yet in the gradebook. KeyboardInterrupt stops the
    run cleanly: what was committed stays, and the result says interrupted.

    Raises GraderError for a missing folder, an unknown exercise, an unusable gradebook or an
    unreachable scheduler.
    """
    started = time.perf_counter()
    extensions = report_extensions()
    if options.report_format not in extensions:
        raise GraderError(f"unknown report format {options.report_format!r}; known: {', '.join(extensions)}")
    exercise = load_exercise(exercise_ref)
    spec = job_spec(exercise_ref)
    grade_options = {"seed": options.seed, "timeout": options.timeout, "reveal": options.reveal}
    setup = hashlib.sha256(json.dumps({"spec": spec["sha256"], "options": grade_options,
                                       "grader": grader_version()}, sort_keys=True).encode()).hexdigest()
    from .roster import read_roster

    roster = read_roster(options.roster) if options.roster else None
    submissions = discover(directory, skip=[p for p in (options.db, options.csv, options.reports) if p],
                           patterns=options.submission or exercise.submission,
                           functions=[f.name for f in exercise.functions], roster=roster)
    progress = on_progress or (lambda p: None)
    pool = _pool(options)  # first: an unreachable scheduler is an error before anything is written
    try:
        with Gradebook(options.db) as book:
            writer = _Writer(book, exercise.id, exercise.max_score, setup, grade_options, options)
            for sub in submissions:  # who each id is, for the exports (a roster may name everyone)
                if sub.name or sub.email or sub.key not in ("", sub.student):
                    book.record_identity(sub.student, sub.name, sub.email, sub.key)
            jobs, unchanged = _plan(writer, submissions)
            by_key = {f"{setup[:12]}-{digest[:16]}-{_key(sub.student)}": (sub, digest, content)
                      for sub, digest, content in jobs}
            # Job lines (the spec's text, the bytes in base64) are made as the pool asks for them.
            code_deadline = max(1.0, (options.timeout or exercise.limits.timeout) + deadline_margin())
            answer_deadline = max(1.0, answer_wall_seconds() + deadline_margin())
            lines = ((key, make_job(key, sub.student, sub.file.name, content, spec, grade_options),
                      code_deadline if sub.file.suffix.lower() in CODE_SUFFIXES else answer_deadline)
                     for key, (sub, digest, content) in by_key.items())
            total, interrupted = len(by_key), False
            progress(Progress(0, total, writer.failures, time.perf_counter() - started,
                              line=f"{len(submissions)} students: {total} to grade, {unchanged} unchanged"))
            try:
                for done, answer in enumerate(pool.run(lines, total), start=1):
                    result = json.loads(answer)
                    sub, digest, _ = by_key[result["key"]]
                    line = writer.result(sub, digest, result)
                    # Ids and paths are the students' data: shown as cleaned text, like report text.
                    progress(Progress(done, total, writer.failures, time.perf_counter() - started,
                                      clean(sub.student), clean(line)))
            except KeyboardInterrupt:
                interrupted = True
            writer.finish(submissions)
            return BatchResult(len(submissions), writer.graded, unchanged, writer.errors(submissions),
                               tuple(writer.lost), interrupted, round(time.perf_counter() - started, 3),
                               dict(writer.rss), tuple(writer.unwritten))
    finally:
        if isinstance(pool, DaskPool):
            pool.close()


def job_spec(exercise_ref: str) -> dict:
    """What a worker needs to load the exercise: its path here, and its text for other hosts
    (`grader batch` and `grader serve` send the same jobs)."""
    path = find_exercise(exercise_ref)
    data = path.read_bytes()
    return {"ref": str(path.resolve()), "text": data.decode("utf-8"), "sha256": hashlib.sha256(data).hexdigest(),
            "filename": path.name}


def _plan(writer: "_Writer", submissions: list[Submission]) -> tuple[list[tuple[Submission, str, bytes]], int]:
    """(what to grade, how many are unchanged); problem rows are recorded on the way."""
    jobs, unchanged = [], 0
    for sub in submissions:
        sub = _readable(sub)
        content = b"" if sub.problem else sub.file.read_bytes()
        digest = hashlib.sha256(b"problem:" + sub.problem.encode() if sub.problem else content).hexdigest()
        if writer.seen(sub.student, digest):
            unchanged += 1
        elif sub.problem:
            writer.problem(sub, digest)
        else:
            jobs.append((sub, digest, content))
    # Code takes longest: started first, the run does not end waiting on one slow file.
    jobs.sort(key=lambda job: (job[0].file.suffix.lower() not in CODE_SUFFIXES, job[0].student))
    return jobs, unchanged


def _pool(options: BatchOptions):
    if options.scheduler:
        return DaskPool(options.scheduler)
    if options.jobs == 0:
        return InlinePool()
    return LocalPool(options.jobs or os.cpu_count() or 1)


def _readable(sub: Submission) -> Submission:
    """The submission, or a problem when it is too large to send to a worker at all."""
    if sub.problem:
        return sub
    try:
        size = sub.file.stat().st_size
    except OSError as err:
        return Submission(sub.student, sub.relative, problem=f"{sub.relative} cannot be read: {err.strerror}")
    if size > MAX_SUBMISSION_BYTES:
        return Submission(sub.student, sub.relative, problem=f"{sub.relative} is {size:,} bytes; the batch sends "
                                                             f"at most {MAX_SUBMISSION_BYTES:,} to a worker")
    return sub


def _key(student: str) -> str:
    return hashlib.sha256(student.encode()).hexdigest()[:12]


class _Writer:
    """The single writer: commits each result in its own transaction, writes reports and the CSV."""

    def __init__(self, book: Gradebook, exercise: str, max_score: float, setup: str, grade_options: dict,
                 options: BatchOptions):
        self.book, self.exercise, self.max_score, self.setup = book, exercise, max_score, setup
        self.grade_options, self.options = grade_options, options
        self.graded, self.failures = 0, 0
        self.lost: list[str] = []
        self.unwritten: list[str] = []  # students whose report could not be written (exit 1; written next run)
        self.rss: dict[str, int] = {}
        self.version = grader_version()
        self.extension = report_extensions()[options.report_format]

    def seen(self, student: str, digest: str) -> bool:
        """True when exactly this was graded before; it becomes the student's latest again if needed.
        """
        found = self.book.known(self.exercise, student, digest, self.setup)
        if found is None:
            return False
        if self.book.current(self.exercise, student) != found:
            self.book.point_latest(self.exercise, student, found)
        return True

    def problem(self, sub: Submission, digest: str) -> None:
        self.result(sub, digest, {"problem": sub.problem, "seconds": 0.0, "worker": "batch"})

    def result(self, sub: Submission, digest: str, result: dict) -> str:
        if "lost" in result:
            self.lost.append(sub.student)
            self.failures += 1
            return f"{sub.student}: not graded, will be retried: {result['lost']}"
        worker = result.get("worker", "")
        if "rss_kb" in result:
            self.rss[worker] = max(self.rss.get(worker, 0), int(result["rss_kb"]))
        report, problem = result.get("report"), result.get("problem", "")
        if report is None:
            report = Report(self.exercise, sub.relative, "none", self.max_score, (), (problem,)).to_dict()
            status, kind = "error", ""
            self.failures += 1
        else:
            parsed = Report.from_dict(report)
            status = "full" if parsed.full_marks else "zero" if parsed.score <= 0 else "partial"
            kind = parsed.kind
        row = Row(self.exercise, sub.student, sub.relative, digest, self.setup, kind, status, float(report["score"]),
                  float(report["max_score"]), problem, self.grade_options["seed"], self.grade_options["reveal"],
                  self.version, float(result.get("seconds", 0.0)),
                  datetime.now(timezone.utc).isoformat(timespec="seconds"), worker, report)
        self.book.record(row)
        self.graded += 1
        if self.options.reports:
            unwritten = self._write_report(sub.student, report)
            if unwritten:  # this student's failure, not the batch's: the grade stands, and the next run writes it
                self.failures += 1
                self.unwritten.append(sub.student)
                problem = f"{problem}; {unwritten}" if problem else unwritten
        score = f"{row.score:g}/{row.max_score:g}"
        return f"{sub.student} ({sub.relative}): {status} {score}" + (f": {problem}" if problem else "")

    def errors(self, submissions: list[Submission]) -> int:
        current = {s.student for s in submissions}
        return sum(1 for row in self.book.latest_rows(self.exercise)
                   if row["student"] in current and row["status"] == "error")

    def _write_report(self, student: str, report: dict) -> str:
        """Write one student's report; "" when written, else why not (that student's error row)."""
        from ..render.report import render_report

        assert self.options.reports is not None  # only called when reports are asked for
        folder = Path(self.options.reports)
        fmt = self.options.report_format
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / file_name(student, self.extension)).write_text(
                render_report(Report.from_dict(report), fmt), encoding="utf-8")
        except OSError as err:
            return f"{UNWRITTEN} to {clean(str(folder))}: {err.strerror or err}"
        return ""

    def finish(self, submissions: list[Submission]) -> None:
        """Reports missing from the folder (graded by an earlier run) and the CSV, from the gradebook."""
        if self.options.reports:
            current = {s.student for s in submissions}
            for row in self.book.latest_rows(self.exercise):
                target = Path(self.options.reports) / file_name(row["student"], self.extension)
                if row["student"] in current and not target.exists() and row["student"] not in self.unwritten:
                    if self._write_report(row["student"], json.loads(row["report"])):
                        self.unwritten.append(row["student"])
        if self.options.csv:
            try:
                Path(self.options.csv).write_text(self.book.export_csv(self.exercise), encoding="utf-8", newline="")
            except OSError as err:
                raise GraderError(f"cannot write {self.options.csv}: {err.strerror}") from None
