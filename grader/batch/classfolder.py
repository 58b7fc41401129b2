"""Who submitted what: the students of a class folder and the one file to grade for each.

Each student is a file in the folder (`alice.py`, `bob.yaml`: the id is the stem) or a
subfolder holding one gradable file (the id is the folder's name). Anything ambiguous becomes a
problem for that student, never a guess: a folder with no gradable file or with several, two
files with one stem, a symbolic link that leaves the student's own folder (never followed: it
could point at another student's work or at the grader's machine; a link at the top of the class
folder has no folder of its own, so it is never followed either).
"""
from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .worker import SUBMISSION_SUFFIXES
from ..errors import GraderError

FOUND_LISTED = 10  # names of what a folder holds, in the problem of a student with no matching file


@dataclass(frozen=True)
class Submission:
    student: str
    relative: str  # the file (or the folder, for a problem) relative to the class folder
    path: Path | None = None  # the file to grade; None when there is a problem
    problem: str = ""  # why this student cannot be graded

    @property
    def file(self) -> Path:
        """The file to grade; only asked of a submission without a problem."""
        if self.path is None:
            raise ValueError(f"{self.relative}: there is no file to grade ({self.problem})")
        return self.path


def discover(directory: str | Path, skip: Iterable[str | Path] = (), patterns: tuple[str, ...] = ()) -> list[Submission]:
    """The students of a class folder, sorted by id. Hidden entries and files that are not
    submissions are ignored; so are `skip` paths (the gradebook, CSV and reports the batch
    writes, when they sit in the folder). `patterns` (file-name globs, in order of preference,
    as an assignment names each exercise's file) keep only the files they match: in a student's
    folder the first pattern that matches anything decides. Raises GraderError when the folder
    does not exist."""
    root = Path(directory)
    if not root.is_dir():
        raise GraderError(f"no such class folder: {directory}")
    real_root = root.resolve()
    skipped = {Path(p).resolve() for p in skip}
    found: dict[str, list[Submission]] = {}
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or entry.resolve() in skipped:
            continue
        sub = _student(entry, real_root, patterns)
        if sub is not None:
            found.setdefault(sub.student, []).append(sub)
    students = []
    for student, subs in sorted(found.items()):
        if len(subs) > 1:
            names = ", ".join(s.relative for s in subs)
            students.append(Submission(student, subs[0].relative,
                                       problem=f"more than one submission for {student}: {names}"))
        else:
            students.append(subs[0])
    return students


def _student(entry: Path, root: Path, patterns: tuple[str, ...] = ()) -> Submission | None:
    gradable = entry.suffix.lower() in SUBMISSION_SUFFIXES and (entry.is_dir() or _matches(entry.name, patterns))
    student = entry.stem if gradable and not entry.is_dir() else entry.name
    if entry.is_symlink():
        if not (gradable or entry.is_dir()):
            return None
        where = "out of the class folder" if not _inside(entry, root) else "to another entry of the class folder"
        return Submission(student, entry.name, problem=f"{entry.name} is a symbolic link leading {where}: "
                                                       f"not followed")
    if entry.is_dir():
        return _folder(entry, root, patterns)
    if not gradable:
        return None
    if not entry.is_file():
        return Submission(student, entry.name, problem=f"{entry.name} cannot be read (not a regular file)")
    return Submission(student, entry.name, entry)


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return not patterns or any(fnmatch.fnmatch(name.lower(), p.lower()) for p in patterns)


def _folder(folder: Path, root: Path, patterns: tuple[str, ...] = ()) -> Submission:
    candidates, outside = [], []
    items = [item for item in sorted(folder.iterdir(), key=lambda p: p.name)
             if not item.name.startswith(".") and item.suffix.lower() in SUBMISSION_SUFFIXES]
    for pattern in patterns:
        chosen = [item for item in items if _matches(item.name, (pattern,))]
        if chosen:
            items = chosen
            break
    else:
        if patterns:
            present = sorted(i.name for i in folder.iterdir() if not i.name.startswith("."))
            shown = ", ".join(present[:FOUND_LISTED]) + (", ..." if len(present) > FOUND_LISTED else "")
            return Submission(folder.name, folder.name,
                              problem=f"{folder.name}/ holds no file matching {' or '.join(patterns)} "
                                      f"(found: {shown or 'nothing'})")
    for item in items:
        if item.is_symlink() and not _inside(item, folder.resolve()):
            outside.append(item.name)
        elif item.is_file():
            candidates.append(item)
    name = folder.name
    if outside:
        return Submission(name, name, problem=f"{name}/ holds a symbolic link leading out of its own "
                                              f"folder ({', '.join(outside)}): not followed")
    if not candidates:
        return Submission(name, name, problem=f"{name}/ holds no gradable file "
                                              f"({', '.join(SUBMISSION_SUFFIXES)})")
    if len(candidates) > 1:
        return Submission(name, name, problem=f"{name}/ holds {len(candidates)} candidate files "
                                              f"({', '.join(c.name for c in candidates)}); leave exactly one")
    return Submission(name, f"{name}/{candidates[0].name}", candidates[0])


def _inside(path: Path, root: Path) -> bool:
    return os.path.commonpath([os.path.realpath(path), str(root)]) == str(root)
