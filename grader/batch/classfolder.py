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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Sequence

from .worker import SUBMISSION_SUFFIXES
from ..choose import NEVER_FOLDERS, choose, matches, never_candidate
from .roster import Identity, Roster, classroom_prefix, gradescope_metadata
from ..errors import GraderError


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
             functions: Iterable[str] = (), roster: Roster | None = None) -> list[Submission]:
    """The students of a class folder, sorted by id. Hidden entries, README/LICENSE, platform
    files and files that are not submissions are ignored; so are `skip` paths (the gradebook,
    CSV and reports the batch writes, when they sit in the folder). In a student's folder the
    file is chosen by `grader.choose` (`patterns` from the spec or --submission; `functions`
    set helper modules aside). Ids come from `identify`. Raises GraderError when the
    folder does not exist or the roster/metadata cannot be read."""

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


def identify(submissions: list[Submission], root: Path, roster: Roster | None) -> list[Submission]:
    """The class's submissions under their stable ids (classfolder.Submission values), sorted by
    id: Gradescope metadata first, then the roster, then Classroom's names. A roster student
    with no submission gets a problem row saying so; two folders of one student keep the newest
    (Gradescope) or become a problem (anything else)."""
    metadata = gradescope_metadata(root)
    prefix = "" if metadata is not None or roster is not None else classroom_prefix(
        s.relative.split("/")[0] for s in submissions if (root / s.relative.split("/")[0]).is_dir())
    out: dict[str, list[tuple[Any, str]]] = {}
    for sub in submissions:
        top = sub.relative.split("/")[0]
        people: list[tuple[Identity, str]]
        if metadata is not None and top in metadata:
            people = metadata[top] or [(Identity(sub.student, key=top), "")]
            if roster is not None:
                people = [(roster.match(p.id) or roster.match(p.email) or p, at) for p, at in people]
        elif roster is not None:
            people = [(roster.match(sub.student) or Identity(sub.student, key=sub.student), "")]
        elif prefix and top.startswith(prefix) and (root / top).is_dir():
            people = [(Identity(top[len(prefix):], key=top), "")]
        else:
            people = [(Identity(sub.student, key=sub.student), "")]
        for person, created in people:
            out.setdefault(person.id, []).append(
                (replace(sub, student=person.id, name=person.name, email=person.email, key=person.key or top),
                 created))
    if roster is not None:
        for person in roster.people:
            if person.id not in out:
                out[person.id] = [(Submission(person.id, "", problem="no submission found for this student "
                                                                     "(on the roster, not in the folder)",
                                              name=person.name, email=person.email, key=person.key), "")]
    students = []
    for student, found in sorted(out.items()):
        if len(found) == 1:
            students.append(found[0][0])
        elif metadata is not None and all(at for _, at in found):
            # A resubmission: Gradescope keeps the newest active; so do we.
            students.append(max(found, key=lambda f: (f[1], f[0].relative))[0])
        else:
            names = ", ".join(s.relative or s.key for s, _ in found)
            students.append(replace(found[0][0], path=None,
                                    problem=f"more than one submission for {student}: {names}"))
    return students
