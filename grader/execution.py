"""Read a submission of gradient functions: run its code in the sandbox on every trial.

"Reading" code means running it: what comes back is plain arrays (or the error of each call),
aligned with the trials, and the sandbox's status. Nothing here compares with the reference;
that is `checks.functions`. (This reader is not in `submissions/`, whose package imports sympy
to parse maths: grading code must not pay for importing sympy.)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import GraderError
from .options import GradeOptions
from .sandbox.runner import Call, CallResult, SandboxError, SandboxLimits, SandboxResult, run_functions
from .spec.load import Exercise, FunctionSpec
from .trials import Trial, make_trials


@dataclass(frozen=True)
class FunctionRun:
    """What one function returned on every trial (value or error, aligned with the trials)."""

    spec: FunctionSpec
    values: tuple[np.ndarray | None, ...]
    errors: tuple[str | None, ...]
    ran: bool = True  # False when the sandbox stopped before any of its calls returned


@dataclass(frozen=True)
class FunctionsSubmission:
    path: str
    trials: tuple[Trial, ...]
    expected: tuple[dict[str, np.ndarray], ...]  # the reference gradients of each trial
    runs: tuple[FunctionRun, ...]  # one per function of the exercise, in the spec's order
    sandbox: SandboxResult

    @property
    def messages(self) -> tuple[str, ...]:
        return ()  # the sandbox's status becomes a translated message in the pipeline

    @property
    def student_output(self) -> str:
        return "\n".join(part for part in (self.sandbox.stdout, self.sandbox.stderr) if part)


def read_functions(exercise: Exercise, path: Path, options: GradeOptions) -> FunctionsSubmission:
    """Run every function of the exercise on every trial in one sandboxed process.

    Raises GraderError (exit 2) when the exercise asks for no functions or the sandbox itself
    cannot start (then nothing of the student's ran: the set-up is at fault, not the code), and
    RefusedFile when the file was swapped for a link since the pipeline checked it.
    """
    if not exercise.functions:
        raise GraderError(f"exercise {exercise.id} asks for no functions; submit expressions (.yaml/.md) instead")
    trials = tuple(make_trials(exercise, options.seed))
    expected = tuple(exercise.graph.gradients(t.values, t.upstream) for t in trials)
    calls = [Call(f.name, tuple(t.array(arg, exercise.upstream) for arg in f.args))
             for f in exercise.functions for t in trials]
    limits, wall = exercise.limits, options.timeout_for(exercise)
    try:
        result = run_functions(
            path, calls,
            SandboxLimits(wall_seconds=wall, cpu_seconds=max(1, int(min(limits.cpu_seconds, wall + 1))),
                          memory_mb=limits.memory_mb),
            forbidden_imports=exercise.forbidden_imports,
        )
    except SandboxError as err:  # nothing of the student's ran: the set-up is at fault, not the code
        raise GraderError(f"the sandbox could not start: {err}") from None
    results: list[CallResult | None] = list(result.results)
    runs = []
    for position, function in enumerate(exercise.functions):
        mine = results[position * len(trials):(position + 1) * len(trials)]
        mine += [None] * (len(trials) - len(mine))
        runs.append(FunctionRun(
            function,
            tuple(r.value if r is not None else None for r in mine),
            tuple((r.error if r is not None else f"no result ({result.message})") for r in mine),
            ran=result.status == "ok" or any(r is not None for r in mine),
        ))
    return FunctionsSubmission(str(path), trials, expected, tuple(runs), result)
