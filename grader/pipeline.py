"""The grading pipeline: read -> check -> diagnose -> report, the same for every kind of submission.

`grade` is the library entry point the CLI, the self-tests and the tests call. Each stage is
the submission kind's (see `kinds.py`); a stage never calls a later one, and only this module
builds the `Report`. `grade` raises GraderError only for user errors that leave nothing to
grade (a missing file, a suffix no kind reads, the sandbox unable to start); anything the
submission itself does wrong becomes a check in the report.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

from .budget import Expired, bounded
from .errors import GraderError, UnreadableSubmission
from .files import RefusedFile, check_regular
from .i18n import plain, tr
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
    if refusal is None:
        kind = kind.for_file(exercise, path)
    if refusal is not None:
        return refused_report(exercise, path, kind, refusal, options)
    if kind.graded_as == "functions":  # the code runs in the sandbox, under its own limits
        return _graded(exercise, path, kind, options)
    # Written answers: reading and deciding them is work the student's text chooses, so it runs
    # in a bounded child (grader/budget.py); on expiry every entry waits for an instructor.
    result = bounded(lambda: _graded(exercise, path, kind, options).to_dict())
    if isinstance(result, Expired):
        return expired_report(exercise, path, kind, result.reason, options)
    return Report.from_dict(result)


def _graded(exercise: Exercise, path: Path, kind: SubmissionKind[Any], options: GradeOptions) -> Report:
    try:
        read = kind.read(exercise, path, options)
    except RefusedFile as refused:  # a link swapped in after the check
        return refused_report(exercise, path, kind, str(refused), options)
    except UnreadableSubmission as err:
        return unreadable_report(exercise, path, kind, err, options)
    with quiet_numerics():  # what a student's values provoke goes into the report, never our stderr
        checks = kind.check(exercise, read, options)
        if options.diagnose:
            checks = kind.diagnose(exercise, read, checks, options)
    checks = tuple(in_words(c, options.lang_for(exercise)) for c in checks)
    return Report(exercise.id, clean(path.name), kind.graded_as, exercise.max_score, tuple(checks),
                  default_variant_notice(exercise, options) + kind.messages(exercise, read, options),
                  kind.output(read), options.lang_for(exercise),
                  variant=_variant_id(exercise), isolation=kind.isolation(read))


def default_variant_notice(exercise: Exercise, options: GradeOptions) -> tuple[str, ...]:
    """A spec with per-student variants graded without a student id is graded on its defaults:
    say so, since a student's own variant then scores wrong answers for right ones."""
    if exercise.variant is None or exercise.variant.id is not None:
        return ()
    return (tr(options.lang_for(exercise), "variant.default", values=exercise.variant.describe()),)


@contextmanager
def quiet_numerics() -> Iterator[None]:
    """No numpy floating-point warning (overflow, invalid, divide) while a student's values are
    compared and diagnosed: such values are judged by the checks (not finite, not right)."""
    import numpy as np

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def in_words(check: Check, lang: str) -> Check:
    """The report stage: the check's messages written out in `lang`, as `feedback`, `details`
    and each finding's `message` (the data stays beside them for the renderers)."""
    return replace(
        check,
        feedback=plain(lang, check.said) if check.said is not None else check.feedback,
        details=tuple(plain(lang, m) for m in check.said_details) if check.said_details else check.details,
        findings=tuple(replace(f, message=plain(lang, f.said)) if f.said is not None else f for f in check.findings),
    )


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


def expired_report(exercise: Exercise, path: Path, kind: SubmissionKind[Any], reason: str,
                   options: GradeOptions) -> Report:
    """Answers whose grading ran out of its budget: nothing proved, so every entry is `review`
    (0 points, flagged for the instructor), and the report says which budget ran out."""
    lang = options.lang_for(exercise)
    why = f"grading {clean(path.name)} {reason}"
    checks = tuple(
        Check(name=exercise.notation.derivative(t.name), status="review", points=0.0, max_points=t.points,
              target=t.name, feedback=tr(lang, "ex.review", entry=exercise.notation.derivative(t.name), where="")
              + "; " + tr(lang, "ex.review_why", reason=why), notes=("budget-expired",))
        for t in exercise.targets
    )
    return Report(exercise.id, clean(path.name), kind.graded_as, exercise.max_score, checks, (why,), "", lang,
                  variant=_variant_id(exercise))
