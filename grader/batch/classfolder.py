"""Who submitted what: the students of a class folder and the one file to grade for each.

Each student is a file in the folder (`alice.py`, `bob.yaml`: the id is the stem) or a
subfolder (a repository, an upload: the id is the folder's name, or the roster's or platform's
id, see `roster.py`) in which `grader.choose` picks the one file to grade. Anything ambiguous
becomes a problem for that student, never a guess: a folder with no candidate or several, two
files with one stem, a symbolic link (never followed: it could point at another student's work
or at the grader's machine).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from .worker import SUBMISSION_SUFFIXES
from ..choose import NEVER_FOLDERS, choose, matches, never_candidate
from ..errors import GraderError

if TYPE_CHECKING:
    from .roster import Roster


@dataclass(frozen=True)
class Submission:
    student: str  # the stable id (roster/platform id when known, else the file stem or folder name)
    relative: str  # the file (or the folder, for a problem) relative to the class folder
    path: Path | None = None  # the file to grade; None when there is a problem
    problem: str = ""  # why this student cannot be graded
    name: str = ""  # from the roster or the platform's metadata
    email: str = ""
    key: str = ""  # the platform's name for the student (login, submission folder)

    @property
    def file(self) -> Path:
        """The file to grade; only asked of a submission without a problem."""
        if self.path is None:
            raise ValueError(f"{self.relative}: there is no file to grade ({self.problem})")
        return self.path


def discover(directory: str | Path, skip: Iterable[str | Path] = (), patterns: Sequence[str] = (),
             functions: Iterable[str] = (), roster: "Roster | None" = None) -> list[Submission]:
    """The students of a class folder, sorted by id. Hidden entries, README/LICENSE, platform
    files and files that are not submissions are ignored; so are `skip` paths (the gradebook,
    CSV and reports the batch writes, when they sit in the folder). In a student's folder the
    file is chosen by `grader.choose` (`patterns` from the spec or --submission; `functions`
    set helper modules aside). Ids come from `roster.identify`. Raises GraderError when the
    folder does not exist or the roster/metadata cannot be read."""
    from .roster import identify

    root = Path(directory)
    if not root.is_dir():
        raise GraderError(f"no such class folder: {directory}")
    real_root = root.resolve()
    skipped = {Path(p).resolve() for p in skip}
    found: dict[str, list[Submission]] = {}
    names = tuple(functions)
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if never_candidate(entry.name) or entry.name in NEVER_FOLDERS or entry.resolve() in skipped:
            continue
        sub = _student(entry, real_root, tuple(patterns), names)
        if sub is not None:
            found.setdefault(sub.student, []).append(sub)
    students = []
    for student, subs in sorted(found.items()):
        if len(subs) > 1:
            listed = ", ".join(s.relative for s in subs)
            students.append(Submission(student, subs[0].relative,
                                       problem=f"more than one submission for {student}: {listed}"))
        else:
            students.append(subs[0])
    return identify(students, root, roster)


def _student(entry: Path, root: Path, patterns: tuple[str, ...], functions: tuple[str, ...]) -> Submission | None:
    # With patterns (an assignment's per-exercise globs), a file at the top is a student only when one matches.
    gradable = entry.suffix.lower() in SUBMISSION_SUFFIXES and (entry.is_dir() or not patterns
                                                                 or any(matches(entry.name, p) for p in patterns))
    student = entry.stem if gradable and not entry.is_dir() else entry.name
    if entry.is_symlink():
        if not (gradable or entry.is_dir()):
            return None
        where = "out of the class folder" if not _inside(entry, root) else "to another entry of the class folder"
        return Submission(student, entry.name, problem=f"{entry.name} is a symbolic link leading {where}: "
                                                       f"not followed")
    if entry.is_dir():
        chosen = choose(entry, patterns, functions)
        if chosen.path is None:
            return Submission(student, student, problem=f"{student}/: {chosen.problem}")
        return Submission(student, f"{student}/{chosen.relative}", chosen.path)
    if not gradable:
        return None
    if not entry.is_file():
        return Submission(student, entry.name, problem=f"{entry.name} cannot be read (not a regular file)")
    return Submission(student, entry.name, entry)


def _inside(path: Path, root: Path) -> bool:
    return os.path.commonpath([os.path.realpath(path), str(root)]) == str(root)
