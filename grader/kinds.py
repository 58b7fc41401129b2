"""The kinds of submission the grader reads, each declared once, by file suffix.

A kind says how to read a file (`read`), how to check what was read against the reference
(`check`) and how to explain what is wrong (`diagnose`); `pipeline.grade` runs those stages in
that order for every kind. A new kind (a Jupyter notebook, say) is one `SubmissionKind` here
plus its reader: the CLI's help and the error for an unknown suffix list the suffixes from
this registry.

Stages are imported when a kind is used, so grading code never imports sympy (the expression
readers need it) and grading answers never imports the sandbox.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Generic, TypeVar

from .errors import GraderError, UnreadableSubmission
from .options import GradeOptions
from .report import Check, ReportKind

if TYPE_CHECKING:  # the CLI reads the registry for its help: keep its start-up light
    from .answers.readers import ExpressionSubmission
    from .execution import FunctionsSubmission
    from .spec.load import Exercise

# What a kind's reader returns and its later stages take: each kind is typed in its own
# submission (code runs for `.py`, expression answers for the others).
S = TypeVar("S")


def _printed_nothing(submission: object) -> str:
    return ""


def _no_sandbox(submission: object) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class SubmissionKind(Generic[S]):
    name: str  # for people: "gradient functions", "YAML answers"
    suffixes: tuple[str, ...]  # lower case, with the dot
    graded_as: ReportKind  # numerically (code) or exactly (expressions); the report says which
    # Raises UnreadableSubmission when the file cannot be read at all (a report of errors follows).
    read: Callable[[Exercise, Path, GradeOptions], S]
    check: Callable[[Exercise, S, GradeOptions], tuple[Check, ...]]
    diagnose: Callable[[Exercise, S, tuple[Check, ...], GradeOptions], tuple[Check, ...]]
    messages: Callable[[Exercise, S, GradeOptions], tuple[str, ...]]  # about the whole submission
    output: Callable[[S], str] = _printed_nothing  # what the student's code printed, if it ran
    isolation: Callable[[S], tuple[str, ...]] = _no_sandbox  # the sandbox's layers, if code ran
    # For a file read by content (a notebook): the kind that reads this one. Reads with json/ast
    # only, never runs anything.
    resolve: Callable[[Exercise, Path], "SubmissionKind[Any]"] | None = None

    def for_file(self, exercise: Exercise, path: Path) -> "SubmissionKind[Any]":
        return self.resolve(exercise, path) if self.resolve is not None else self


_KINDS: list[SubmissionKind[Any]] = []


def register(kind: SubmissionKind[S]) -> SubmissionKind[S]:
    """Add a kind. Raises ValueError when one of its suffixes is taken already."""
    taken = {s for k in _KINDS for s in k.suffixes} & set(kind.suffixes)
    if taken:
        raise ValueError(f"suffix(es) {', '.join(sorted(taken))} already belong to another kind")
    _KINDS.append(kind)
    return kind


def kinds() -> tuple[SubmissionKind[Any], ...]:
    return tuple(_KINDS)


def describe() -> str:
    """The kinds and their suffixes, for help texts and errors."""
    return "; ".join(f"{k.name} ({', '.join(k.suffixes)})" for k in _KINDS)


def kind_for(path: Path) -> SubmissionKind[Any]:
    """The kind that reads this file. Raises GraderError (exit 2) for a suffix no kind reads."""
    suffix = path.suffix.lower()
    for kind in _KINDS:
        if suffix in kind.suffixes:
            return kind
    raise GraderError(f"cannot grade {path.name}: expected one of: {describe()}")


# --- the built-in kinds ------------------------------------------------------------------------

def _read_functions(exercise: Exercise, path: Path, options: GradeOptions) -> FunctionsSubmission:
    from .execution import read_functions

    return read_functions(exercise, path, options)


def _check_functions(exercise: Exercise, submission: FunctionsSubmission,
                     options: GradeOptions) -> tuple[Check, ...]:
    from .checks.functions import check_functions

    return check_functions(exercise, submission, options)


def _diagnose_functions(exercise: Exercise, submission: FunctionsSubmission, checks: tuple[Check, ...],
                        options: GradeOptions) -> tuple[Check, ...]:
    from .diagnosis.functions import diagnose_function_checks

    return diagnose_function_checks(exercise, submission, checks, options)


def _sandbox_messages(exercise: Exercise, submission: FunctionsSubmission, options: GradeOptions) -> tuple[str, ...]:
    from .i18n import tr
    from .sandbox.runner import missing_isolation

    sandbox, lang = submission.sandbox, options.lang_for(exercise)
    messages = () if sandbox.status == "ok" else (tr(lang, "sandbox.status", reason=sandbox.message),)
    missing = missing_isolation(sandbox.isolation)  # where the kernel gave fewer layers, say so
    return messages + ((tr(lang, "sandbox.degraded", layers=", ".join(missing)),) if missing else ())


def _read_yaml(exercise: Exercise, path: Path, options: GradeOptions) -> ExpressionSubmission:
    from .answers.readers import read_yaml_answers

    return _readable(read_yaml_answers, exercise, path)


def _read_document(exercise: Exercise, path: Path, options: GradeOptions) -> ExpressionSubmission:
    from .answers.readers import read_document

    return _readable(read_document, exercise, path)


def _readable(reader: Callable[..., ExpressionSubmission], exercise: Exercise, path: Path) -> ExpressionSubmission:
    from .answers.readers import SubmissionError

    try:
        submission = reader(path, exercise.notation, tuple(t.name for t in exercise.targets))
    except SubmissionError as err:
        raise UnreadableSubmission(str(err), err.line) from None
    if not exercise.definitions:
        return submission
    # Intermediate symbols (p[i], a[j]) and fixed data count as what they stand for, for the
    # checks and the diagnosis alike.
    return replace(submission, answers=tuple(replace(a, value=exercise.expand(a.expr)) if a.expr is not None else a
                                             for a in submission.answers))


def _check_expressions(exercise: Exercise, submission: ExpressionSubmission,
                       options: GradeOptions) -> tuple[Check, ...]:
    from .checks.expressions import check_expressions

    return check_expressions(exercise, submission, options)


def _diagnose_expressions(exercise: Exercise, submission: ExpressionSubmission, checks: tuple[Check, ...],
                          options: GradeOptions) -> tuple[Check, ...]:
    from .diagnosis.expressions import diagnose_expression_checks

    return diagnose_expression_checks(exercise, submission, checks, options)


def _expression_messages(exercise: Exercise, submission: ExpressionSubmission,
                         options: GradeOptions) -> tuple[str, ...]:
    from .checks.expressions import expression_messages

    return expression_messages(submission)


def _student_output(submission: FunctionsSubmission) -> str:
    return submission.student_output


def _isolation(submission: FunctionsSubmission) -> tuple[str, ...]:
    return submission.sandbox.isolation


FUNCTIONS = register(SubmissionKind(
    "gradient functions", (".py",), "functions", _read_functions, _check_functions, _diagnose_functions,
    _sandbox_messages, output=_student_output, isolation=_isolation,
))
ANSWERS = register(SubmissionKind(
    "YAML answers", (".yaml", ".yml"), "expressions", _read_yaml,
    _check_expressions, _diagnose_expressions, _expression_messages,
))
DOCUMENT = register(SubmissionKind(
    "a written derivation", (".md", ".markdown", ".tex", ".txt"), "expressions", _read_document,
    _check_expressions, _diagnose_expressions, _expression_messages,
))


def _read_notebook_functions(exercise: Exercise, path: Path, options: GradeOptions) -> FunctionsSubmission:
    from .execution import read_functions
    from .files import read_regular
    from .notebook import NotebookError, with_python_file

    data = read_regular(path, _NOTEBOOK_BYTES)
    if len(data) > _NOTEBOOK_BYTES:
        raise UnreadableSubmission(f"the notebook is larger than {_NOTEBOOK_BYTES:,} bytes")
    try:
        return with_python_file(data.decode("utf-8", errors="replace"),
                                lambda code: read_functions(exercise, code, options))
    except NotebookError as err:
        raise UnreadableSubmission(str(err), err.line) from None


def _notebook_kind(exercise: Exercise, path: Path) -> SubmissionKind[Any]:
    """Code cells defining the exercise's functions are graded as code; else the Markdown cells
    as a derivation (docs/answer-format.md)."""
    from .files import RefusedFile, read_regular
    from .notebook import defines

    try:
        data = read_regular(path, _NOTEBOOK_BYTES)
    except (OSError, RefusedFile):
        return NOTEBOOK_DERIVATION  # its reader says why, through the pipeline's usual reports
    if exercise.functions and defines(data.decode("utf-8", errors="replace"), {f.name for f in exercise.functions}):
        return NOTEBOOK_CODE
    return NOTEBOOK_DERIVATION


_NOTEBOOK_BYTES = 4 << 20
# Not registered by suffix: the notebook kind resolves to one of these by the notebook's content.
NOTEBOOK_CODE = SubmissionKind(
    "a notebook's code cells", (), "functions", _read_notebook_functions, _check_functions, _diagnose_functions,
    _sandbox_messages, output=_student_output, isolation=_isolation,
)
NOTEBOOK_DERIVATION = replace(DOCUMENT, name="a notebook's Markdown cells", suffixes=())
NOTEBOOK = register(SubmissionKind(
    "a Jupyter notebook (code cells or a derivation)", (".ipynb",), "expressions", _read_document,
    _check_expressions, _diagnose_expressions, _expression_messages, resolve=_notebook_kind,
))
