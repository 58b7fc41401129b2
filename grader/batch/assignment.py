"""An assignment of several exercises: which ones, what each is worth, which file is each.

    # hw3.yaml
    assignment: hw3                  # the name of the grade column (default: the file's stem)
    exercises:
      - exercise: conv2d-3x3-k2x1    # a bundled id, or a spec path relative to this file
        points: 10                   # its weight in the total (default: the exercise's own max score)
        submission: "conv*"          # the student's file for it: glob(s), in order of preference
      - exercise: relu-4
        points: 5
        submission: ["relu*.md", "relu*"]

`grader batch hw3.yaml DIR` grades each exercise for each student into one gradebook (each
exercise as `grader batch EXERCISE DIR` would, with its own rows, history and overrides) and
records the assignment there, so that exports have a column per exercise and a total.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from ..errors import GraderError
from ..spec.load import find_exercise, load_exercise
from .grade_class import BatchOptions, BatchResult, Progress, grade_class
from .gradebook import Gradebook
from .grades import class_grades

MAX_EXERCISES = 200  # an assignment is a problem set, not a course


@dataclass(frozen=True)
class Item:
    exercise: str  # the exercise id (the gradebook's key)
    ref: str  # where its spec is: a bundled id or a path
    title: str  # the column's title
    points: float
    submission: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    name: str
    items: tuple[Item, ...]


def is_assignment(ref: str) -> bool:
    """True when `ref` is a YAML file listing `exercises:` (an exercise spec never does)."""
    path = Path(ref)
    if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
        return False
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and "exercises" in data


def load_assignment(path: str | Path) -> Assignment:
    """Read and check an assignment file. Raises GraderError naming what is wrong."""
    where = Path(path)
    try:
        data = yaml.safe_load(where.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise GraderError(f"cannot read the assignment {path}: {err}") from None
    except yaml.YAMLError as err:
        raise GraderError(f"{path}: not valid YAML: {err}") from None
    if not isinstance(data, dict) or not isinstance(data.get("exercises"), list) or not data["exercises"]:
        raise GraderError(f"{path}: an assignment lists its exercises under `exercises:` (see docs/course.md)")
    unknown = set(data) - {"assignment", "exercises", "title"}
    if unknown:
        raise GraderError(f"{path}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; known: assignment, exercises")
    if len(data["exercises"]) > MAX_EXERCISES:
        raise GraderError(f"{path}: {len(data['exercises'])} exercises; at most {MAX_EXERCISES}")
    name = str(data.get("assignment") or where.stem)
    items, seen = [], set()
    for number, entry in enumerate(data["exercises"], start=1):
        item = _item(where, number, entry)
        if item.exercise in seen:
            raise GraderError(f"{path}: exercise {item.exercise} is listed twice")
        seen.add(item.exercise)
        items.append(item)
    return Assignment(name, tuple(items))


def _item(where: Path, number: int, entry) -> Item:
    here = f"{where}: exercise {number}"
    if isinstance(entry, str):
        entry = {"exercise": entry}
    if not isinstance(entry, dict) or not isinstance(entry.get("exercise"), str):
        raise GraderError(f"{here}: give `exercise: ID` (and optionally points, submission, title)")
    unknown = set(entry) - {"exercise", "points", "submission", "title"}
    if unknown:
        raise GraderError(f"{here}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                          f"known: exercise, points, submission, title")
    ref = entry["exercise"]
    relative = where.parent / ref
    if relative.suffix.lower() in (".yaml", ".yml") and relative.is_file():
        ref = str(relative)
    find_exercise(ref)  # an unknown exercise is a usage error before anything is graded
    exercise = load_exercise(ref)
    points = entry.get("points", exercise.max_score)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not 0 < points < 1e9:
        raise GraderError(f"{here}: points must be a positive number, not {points!r}")
    globs = entry.get("submission", ())
    globs = (globs,) if isinstance(globs, str) else globs
    if not isinstance(globs, (list, tuple)) or not all(isinstance(g, str) and g for g in globs):
        raise GraderError(f"{here}: submission is a file-name glob or a list of them")
    title = entry.get("title", exercise.id)
    return Item(exercise.id, ref, str(title), float(points), tuple(globs))


def grade_assignment(path: str | Path, directory: str | Path, options: BatchOptions = BatchOptions(),
                     on_progress: Callable[[Progress], None] | None = None) -> BatchResult:
    """Grade every exercise of an assignment for every student of `directory` into one gradebook
    (each exercise's reports in `reports/<exercise>/`), record the assignment, write the CSV of
    the whole assignment. Raises GraderError as grade_class does, or for a bad assignment file."""
    assignment = load_assignment(path)
    results = []
    for item in assignment.items:
        reports = Path(options.reports) / item.exercise if options.reports else None
        step = dataclasses.replace(options, csv=None, reports=reports, submission=item.submission or options.submission)
        results.append(grade_class(item.ref, directory, step, on_progress))
        if results[-1].interrupted:
            break
    with Gradebook(options.db) as book:
        book.record_assignment(assignment.name, [(i.exercise, i.title, i.points) for i in assignment.items])
        # a student is counted once, however many of their exercises could not be graded
        errors = sum(line.status == "error" for line in class_grades(book, assignment.name).students)
    if options.csv and not results[-1].interrupted:
        from .export import export

        try:
            Path(options.csv).write_text(export(options.db, "csv", assignment.name), encoding="utf-8", newline="")
        except OSError as err:
            raise GraderError(f"cannot write {options.csv}: {err.strerror}") from None
    return BatchResult(max(r.students for r in results), sum(r.graded for r in results),
                       sum(r.unchanged for r in results), errors if any(r.errors for r in results) else 0,
                       tuple(s for r in results for s in r.lost), any(r.interrupted for r in results),
                       round(sum(r.seconds for r in results), 3),
                       {k: v for r in results for k, v in r.peak_rss_kb.items()},
                       tuple(s for r in results for s in r.unwritten))
