"""The grading pipeline: read -> check -> diagnose -> report, the same for every kind of submission.

`grade` is the library entry point the CLI, the self-tests and the tests call. Each stage is
the submission kind's (see `kinds.py`); a stage never calls a later one, and only this module
builds the `Report`. `grade` raises GraderError only for user errors that leave nothing to
grade (a missing file, a suffix no kind reads, the sandbox unable to start); anything the
submission itself does wrong becomes a check in the report.
"""
from __future__ import annotations

from pathlib import Path

from .errors import GraderError, UnreadableSubmission
from .i18n import tr
from .kinds import SubmissionKind, kind_for
from .options import GradeOptions
from .report import Check, Report
from .spec import Exercise, exercise_variant


def grade(exercise: Exercise, submission: str | Path, options: GradeOptions = GradeOptions()) -> Report:
    """Grade one submission file against an exercise.

    Raises GraderError (exit 2) when the file is missing, of a kind the grader does not read,
    or the sandbox cannot start.
    """
    path = Path(submission)
    if not path.is_file():
        raise GraderError(f"no such submission file: {submission}")
    kind = kind_for(path)
    exercise = exercise_variant(exercise, options.variant)
    try:
        read = kind.read(exercise, path, options)
    except UnreadableSubmission as err:
        return unreadable_report(exercise, path, kind, err, options)
    checks = kind.check(exercise, read, options)
    if options.diagnose:
        checks = kind.diagnose(exercise, read, checks, options)
    return Report(exercise.id, path.name, kind.graded_as, exercise.max_score, tuple(checks),
                  kind.messages(exercise, read, options), kind.output(read), options.lang_for(exercise),
                  variant=_variant_id(exercise))


def _variant_id(exercise: Exercise) -> str | None:
    return exercise.variant.id if exercise.variant and exercise.variant.id else None


def unreadable_report(exercise: Exercise, path: Path, kind: SubmissionKind, error: UnreadableSubmission,
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
    return Report(exercise.id, path.name, kind.graded_as, exercise.max_score, checks, (str(error),), "", lang,
                  variant=_variant_id(exercise))
