"""Which file of a student's folder is the answer: one rule for `grade`, `batch` and every CI template.

A student's folder (a repository, a zip upload, a Gradescope submission) holds more than the
answer: the template's README, a licence, the platform's metadata, helper modules, the `.git`
folder. The rule, in order:

1. never candidates: dot-entries and dot-folders (`.git`, `.github`, `.ipynb_checkpoints`),
   `__MACOSX` and `__pycache__`, `README*`, `LICENSE*`/`LICENCE*`, and the platform's own files
   (`submission_metadata.yml/.yaml/.json`); files of no submission kind (a PDF) are not either;
2. sub-folders are searched (a zip upload unpacks into one); symbolic links are never followed;
3. with patterns (the spec's `submission:` or `--submission`), the first pattern that matches
   decides: one match is the answer, several are a problem. A pattern (any case) without `/` matches a
   file's name at any depth, one with `/` its path in the folder. A pattern that names a file
   exactly (no `*?[`) may name a README;
4. without patterns, the one candidate; among several, a `.py` or `.ipynb` that defines none of
   the exercise's functions (a helper module) is set aside, read with `ast`, never run;
5. anything else is a problem that says what was found, never a guess.
"""
from __future__ import annotations

import ast
import fnmatch
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable, Sequence

from .kinds import kinds

NEVER_FOLDERS = ("__MACOSX", "__pycache__")  # besides every dot-folder
NEVER_FILES = ("README*", "LICENSE*", "LICENCE*", "submission_metadata.yml", "submission_metadata.yaml",
               "submission_metadata.json")
PLATFORM_FILES = NEVER_FILES[3:]
MAX_ENTRIES = 10_000  # a folder with more is not a submission; stop looking
MAX_PROBE_BYTES = 1 << 20  # a code file is parsed (ast) to find its functions only below this size
_GLOB = set("*?[")


@dataclass(frozen=True)
class Choice:
    path: Path | None  # the file to grade; None when there is a problem
    relative: str  # its path in the folder (posix); "" with a problem
    problem: str = ""


def suffixes() -> tuple[str, ...]:
    return tuple(s for kind in kinds() for s in kind.suffixes)


def patterns_of(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """Patterns from a spec field or an option: a string, or a list of them in order of preference."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def never_candidate(name: str) -> bool:
    """Whether a file of this name is never graded unless named exactly (README, licence, platform files)."""
    return name.startswith(".") or any(fnmatch.fnmatchcase(name.lower(), p.lower()) for p in NEVER_FILES)


def choose(folder: str | os.PathLike, patterns: Sequence[str] = (), functions: Iterable[str] = ()) -> Choice:
    """The file to grade in `folder` by the rule above; `functions` are the exercise's function
    names (to set helper modules aside). Never raises for what the folder holds."""
    root = Path(folder)
    files, seen, links = _walk(root)
    if patterns:
        for pattern in patterns:
            found = [f for f in files if matches(f, pattern)]
            if len(found) == 1:
                return Choice(root / found[0], found[0])
            if found:
                return Choice(None, "", f"{len(found)} files match {pattern!r} ({', '.join(found)}); "
                                        f"leave exactly one")
        return Choice(None, "", f"no file matches {' or '.join(repr(p) for p in patterns)}; "
                                f"found: {_found(seen, links)}")
    gradable = suffixes()
    candidates = [f for f in files if PurePosixPath(f).suffix.lower() in gradable
                  and not never_candidate(PurePosixPath(f).name)]
    if len(candidates) > 1:
        names = set(functions)
        answers = [f for f in candidates if not _is_helper(root / f, names)]
        candidates = answers or candidates
    if len(candidates) == 1:
        return Choice(root / candidates[0], candidates[0])
    if not candidates:
        return Choice(None, "", f"no gradable file ({', '.join(gradable)}); found: {_found(seen, links)}"
                                + ("" if not seen else "; README, LICENSE and platform files are never graded"))
    return Choice(None, "", f"{len(candidates)} candidate files ({', '.join(candidates)}): name the answer with "
                            f"the spec's `submission:` or --submission")


def _walk(root: Path) -> tuple[list[str], list[str], list[str]]:
    """(regular files not in never-folders, every file name seen for the message, links not followed)."""
    files: list[str] = []
    seen: list[str] = []
    links: list[str] = []
    stack = [root]
    while stack and len(seen) < MAX_ENTRIES:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            relative = Path(entry.path).relative_to(root).as_posix()
            if entry.is_symlink():
                links.append(relative)
                continue
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError:
                continue
            if stat.S_ISDIR(mode):
                if not entry.name.startswith(".") and entry.name not in NEVER_FOLDERS:
                    stack.append(Path(entry.path))
            elif stat.S_ISREG(mode) and not entry.name.startswith("."):
                seen.append(relative)
                files.append(relative)
    # Shallow files first: `answers.yaml` beside a `lib/` folder is what a pattern meant.
    files.sort(key=lambda f: (f.count("/"), f))
    return files, sorted(seen), links


def matches(relative: str, pattern: str) -> bool:
    """Whether a file (its path in the folder) matches a pattern of the rule above."""
    name = PurePosixPath(relative).name
    exact = not (_GLOB & set(pattern))
    if not exact and never_candidate(name):
        return False
    # Case-insensitive: students write Solution.py and HW3.IPYNB.
    if "/" in pattern:
        return fnmatch.fnmatchcase(relative.lower(), pattern.removeprefix("./").lower())
    return fnmatch.fnmatchcase(name.lower(), pattern.lower())


def _found(seen: list[str], links: list[str]) -> str:
    if not seen and not links:
        return "nothing (the folder is empty)"
    shown = seen[:12] + ([f"... {len(seen) - 12} more"] if len(seen) > 12 else [])
    return ", ".join(shown + [f"{link} (a symbolic link: not followed)" for link in links[:5]])


def _is_helper(path: Path, functions: set[str]) -> bool:
    """A code file (or notebook) that defines none of the exercise's functions, read with ast only."""
    suffix = path.suffix.lower()
    if not functions or suffix not in (".py", ".ipynb"):
        return False
    try:
        if path.stat().st_size > MAX_PROBE_BYTES:
            return False
        text = path.read_text(encoding="utf-8")
        if suffix == ".ipynb":
            from .notebook import code_cells

            text = "\n".join(cell.source for cell in code_cells(json.loads(text)))
        tree = ast.parse(text)
    except (OSError, UnicodeDecodeError, ValueError, SyntaxError, RecursionError, MemoryError):
        return False  # unreadable: let grading say why, rather than hiding it
    except Exception:  # a notebook of the wrong shape: not a helper either, the reader will say
        return False
    defined = {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    defined |= {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign) for t in node.targets
                if isinstance(t, ast.Name)}
    return not (defined & functions)


def submission_file(path: str | os.PathLike, patterns: Sequence[str] = (), functions: Iterable[str] = ()) -> Path:
    """The file to grade for `grader grade PATH`: PATH itself when it is not a folder, else the
    folder's answer by the rule above. Raises GraderError (exit 2) with what was found."""
    from .errors import GraderError
    from .safetext import clean

    target = Path(path)
    if target.is_symlink() or not target.is_dir():
        return target
    chosen = choose(target, patterns, functions)
    if chosen.path is None:
        raise GraderError(f"{clean(str(target))}: {chosen.problem}")
    return chosen.path
