"""The grading pipeline: read -> check -> diagnose -> report, the same for every kind of submission.

`grade` is the library entry point the CLI, the self-tests and the tests call. Each stage is
the submission kind's (see `kinds.py`); a stage never calls a later one, and only this module
builds the `Report`. `grade` raises GraderError only for user errors that leave nothing to
grade (a missing file, a suffix no kind reads, the sandbox unable to start); anything the
submission itself does wrong becomes a check in the report.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import GraderError, UnreadableSubmission
from .files import RefusedFile, check_regular
from .i18n import tr
from .kinds import SubmissionKind, kind_for
from .options import GradeOptions
from .report import Check, Report
from .safetext import clean
from .spec.load import Exercise, exercise_variant


def grade(exercise: Exercise, submission: str | Path, options: GradeOptions = GradeOptions()) -> Report:
    """Grade one submission file against an exercise.

    Raises GraderError (exit 2) when the file is missing, of a kind the grader does not read,
    or the sandbox cannot start. A link or a non-regular file is graded 0 with a report saying
    why: its contents are never read.
    """
    path = Path(submission)
    refusal = _refusal(path)
    kind = kind_for(path)
    exercise = exercise_variant(exercise, options.variant)
    if refusal is not None:
        return refused_report(exercise, path, kind, refusal, options)
    try:
        read = kind.read(exercise, path, options)
    except RefusedFile as refused:  # a link swapped in after the check
        return refused_report(exercise, path, kind, str(refused), options)
    except UnreadableSubmission as err:
        return unreadable_report(exercise, path, kind, err, options)
    checks = kind.check(exercise, read, options)
    if options.diagnose:
        checks = kind.diagnose(exercise, read, checks, options)
    return Report(exercise.id, clean(path.name), kind.graded_as, exercise.max_score, tuple(checks),
                  kind.messages(exercise, read, options), kind.output(read), options.lang_for(exercise),
                  variant=_variant_id(exercise), isolation=kind.isolation(read))


def _refusal(path: Path) -> str | None:
    """Why the file is refused (a link, a special file), from lstat alone; None for a regular file.

    Raises GraderError (exit 2) when nothing is there or it cannot even be looked at.
    """
    try:
        check_regular(path)
    except RefusedFile as refused:
        return str(refused)
    except FileNotFoundError:
        raise GraderError(f"no such submission file: {clean(str(path))}") from None
    except OSError as err:
        raise GraderError(f"cannot read {clean(str(path))}: {err.strerror or err}") from None
    return None


def _variant_id(exercise: Exercise) -> str | None:
    return exercise.variant.id if exercise.variant and exercise.variant.id else None


def unreadable_report(exercise: Exercise, path: Path, kind: SubmissionKind[Any], error: UnreadableSubmission,
                      options: GradeOptions) -> Report:
    """A file that cannot be read at all (not UTF-8, YAML syntax, too big): an error per target,
    at the line where reading failed when there is one."""
    lang = options.lang_for(exercise)
    checks = tuple(
        Check(name=exercise.notation.derivative(t.name), status="error", points=0.0, max_points=t.points,
              target=t.name, feedback=tr(lang, "ex.file_unreadable", error=str(error)), notes=("unreadable",),
              line=error.line)
        for t in exercise.targets
    )
    return Report(exercise.id, clean(path.name), kind.graded_as, exercise.max_score, checks, (str(error),), "",
                  lang, variant=_variant_id(exercise))


def refused_report(exercise: Exercise, path: Path, kind: SubmissionKind[Any], reason: str,
                   options: GradeOptions) -> Report:
    """A link or a special file: zero for every target, and why. The file was never read, so
    nothing of it (or of what it points to) is quoted."""
    lang = options.lang_for(exercise)
    checks = tuple(
        Check(name=exercise.notation.derivative(t.name), status="error", points=0.0, max_points=t.points,
              target=t.name, feedback=tr(lang, "file.refused", reason=reason), notes=("refused-file",))
        for t in exercise.targets
    )
    return Report(exercise.id, clean(path.name), kind.graded_as, exercise.max_score, checks, (reason,), "", lang,
                  variant=_variant_id(exercise))
