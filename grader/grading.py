"""The grading pipeline: spec -> reference -> submission -> checks -> diagnosis -> report.

`grade` is the library entry point the CLI and the tests call. It raises GraderError only for
user errors that leave nothing to grade (missing file, unsupported kind); anything the
submission itself does wrong becomes a check in the report.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .errors import GraderError
from .i18n import tr
from .report import Check, Report
from .spec import Exercise, exercise_variant

FUNCTION_SUFFIXES = (".py",)
EXPRESSION_SUFFIXES = (".yaml", ".yml", ".md", ".tex", ".txt", ".markdown")


@dataclass(frozen=True)
class GradeOptions:
    seed: int | None = None  # trial seed; None means the exercise's
    timeout: float | None = None  # wall limit for student code; None means the exercise's
    lang: str | None = None  # feedback language; None means the exercise's
    diagnose: bool = True  # explain wrong answers (off only to measure what diagnosis costs)
    variant: str | None = None  # student id whose variant is graded (grader/variants.py); None: as loaded


def grade(exercise: Exercise, submission: str | Path, options: GradeOptions = GradeOptions()) -> Report:
    """Grade one submission file against an exercise.

    Raises GraderError (exit 2) when the file is missing or of a kind the grader does not read.
    """
    path = Path(submission)
    if not path.is_file():
        raise GraderError(f"no such submission file: {submission}")
    exercise = exercise_variant(exercise, options.variant)
    suffix = path.suffix.lower()
    if suffix in FUNCTION_SUFFIXES:
        if not exercise.functions:
            raise GraderError(f"exercise {exercise.id} asks for no functions; submit expressions (.yaml/.md) instead")
        return _with_variant(_grade_functions(exercise, path, options), exercise)
    if suffix in EXPRESSION_SUFFIXES:
        return _with_variant(_grade_expressions(exercise, path, options), exercise)
    raise GraderError(f"cannot grade {path.name}: expected a .py file of gradient functions or "
                      f"an answer file ({', '.join(EXPRESSION_SUFFIXES)})")


def _with_variant(report: Report, exercise: Exercise) -> Report:
    return replace(report, variant=exercise.variant.id) if exercise.variant and exercise.variant.id else report


def _grade_functions(exercise: Exercise, path: Path, options: GradeOptions) -> Report:
    from .checks.functions import FunctionRun, check_function, with_def_lines
    from .diagnosis.functions import diagnose_function_checks
    from .sandbox import Call, SandboxError, SandboxLimits, run_functions
    from .trials import make_trials

    trials = make_trials(exercise, options.seed)
    expected = [exercise.graph.gradients(t.values, t.upstream) for t in trials]
    calls = [
        Call(f.name, tuple(t.array(arg, exercise.upstream) for arg in f.args))
        for f in exercise.functions for t in trials
    ]
    limits = exercise.limits
    wall = options.timeout if options.timeout is not None else limits.timeout
    try:
        result = run_functions(
            path, calls,
            SandboxLimits(wall_seconds=wall, cpu_seconds=max(1, int(min(limits.cpu_seconds, wall + 1))),
                          memory_mb=limits.memory_mb),
            forbidden_imports=exercise.forbidden_imports,
            hide_paths=_private_paths(exercise),
        )
    except SandboxError as err:  # nothing of the student's ran: the set-up is at fault, not the code
        raise GraderError(f"the sandbox could not start: {err}") from None
    lang = options.lang or exercise.language
    checks: list[Check] = []
    results = list(result.results)
    for position, f in enumerate(exercise.functions):
        mine = results[position * len(trials):(position + 1) * len(trials)]
        mine += [None] * (len(trials) - len(mine))
        if all(r is None for r in mine) and result.status != "ok":
            target = exercise.target(f.returns)
            checks.append(Check(
                name=f"{f.name} (dC/d{target.name})", status="error", points=0.0, max_points=target.points,
                target=target.name, feedback=tr(lang, "fn.not_graded", fn=f.name, reason=result.message),
                note=f"sandbox-{result.status}",
            ))
            continue
        run = FunctionRun(
            f,
            tuple(r.value if r is not None else None for r in mine),
            tuple((r.error if r is not None else f"no result ({result.message})") for r in mine),
        )
        checks.append(check_function(exercise, run, trials, expected, lang))
    if options.diagnose:
        checks = diagnose_function_checks(exercise, checks, trials, expected, results, lang)
    checks = with_def_lines(exercise, checks, path)
    messages = [] if result.status == "ok" else [tr(lang, "sandbox.status", reason=result.message)]
    output = "\n".join(part for part in (result.stdout, result.stderr) if part)
    return Report(exercise.id, path.name, "functions", exercise.max_score, tuple(checks), tuple(messages),
                  output, lang)


def _private_paths(exercise: Exercise) -> list[str]:
    """What student code must not read besides the grader's own packages: the spec (it may hold
    sample answers), the bundled exercises, and a source checkout's tests and examples."""
    from .spec import _BUNDLED_DIRS

    checkout = Path(__file__).resolve().parent.parent
    paths = [Path(exercise.path), *_BUNDLED_DIRS]
    if (checkout / "pyproject.toml").is_file():
        paths += [checkout / "tests", checkout / "examples", checkout / "benchmarks"]
    return [str(p) for p in paths if p.exists()]


def _grade_expressions(exercise: Exercise, path: Path, options: GradeOptions) -> Report:
    from .checks.expressions import grade_expression_file

    return grade_expression_file(exercise, path, options)
