"""Compare what a submission's gradient functions returned with the reference, trial by trial.

Only the grader's process compares: the sandbox sends back plain arrays, so nothing the
student's code patches (numpy.allclose, math.isclose) can influence a verdict. Float
tolerances apply here, and only here, because student code computes in floating point:
an entry matches when |got - expected| <= atol + rtol * |expected| (numpy.isclose) on every
trial.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..execution import FunctionRun, FunctionsSubmission
from ..files import RefusedFile, read_regular
from ..options import GradeOptions
from ..report import Check, Message, MessageParam
from ..spec.load import Exercise, Target
from ..trials import Trial

MAX_LISTED = 6  # entries named in one feedback line; the rest are counted
MAX_SOURCE_BYTES = 1_000_000  # larger files get no `def` lines: parsing them is not worth the time


def check_functions(exercise: Exercise, submission: FunctionsSubmission, options: GradeOptions) -> tuple[Check, ...]:
    """One check per function of the exercise."""
    lang = options.lang_for(exercise)
    sandbox = submission.sandbox
    checks = []
    for run in submission.runs:
        if not run.ran:
            target = exercise.target(run.spec.returns)
            checks.append(Check(
                name=function_label(exercise, run), status="error", points=0.0, max_points=target.points,
                target=target.name, said=Message.of("fn.not_graded", fn=run.spec.name, reason=sandbox.message),
                notes=(f"sandbox-{sandbox.status}",),
            ))
        else:
            checks.append(check_function(exercise, run, submission.trials, submission.expected, lang,
                                         reveal=options.reveal))
    return tuple(with_def_lines(exercise, checks, Path(submission.path)))


def function_label(exercise: Exercise, run: FunctionRun) -> str:
    return f"{run.spec.name} ({exercise.notation.derivative(run.spec.returns)})"


def check_function(exercise: Exercise, run: FunctionRun, trials: Sequence[Trial],
                   expected: Sequence[dict[str, np.ndarray]], lang: str = "en", *, reveal: bool = True) -> Check:
    """One check for one function: points for the entries right on every trial (reveal=False
    leaves out the expected values of the entries that differ)."""
    target = exercise.target(run.spec.returns)
    check = partial(Check, name=function_label(exercise, run), max_points=target.points, target=target.name)
    unusable = _unusable(exercise, run, trials, lang, check)
    if unusable is not None:
        return unusable
    comparison = _compare(exercise, target, run, trials, expected)
    n_ok, n = int(comparison.ok.sum()), len(target.entries)
    if n_ok == n:
        return check(status="pass", points=target.points, notes=("correct",),
                     said=Message.of("fn.pass", n=n, trials=len(trials), worst=f"{comparison.worst:.1e}"))
    points = target.points * n_ok / n if target.per_entry else 0.0
    said, details = _explain_differences(exercise, target, comparison, reveal)
    return check(status="fail", points=round(points, 6), said=said, said_details=details,
                 notes=("wrong-values",))


def _unusable(exercise: Exercise, run: FunctionRun, trials: Sequence[Trial], lang: str,
             check: Callable[..., Check]) -> Check | None:
    """The check for a function that failed, returned nothing or the wrong shape on some trial."""
    shape = exercise.notation[run.spec.returns].shape
    for trial, value, error in zip(trials, run.values, run.errors):
        if error is not None:
            return check(status="error", points=0.0, notes=("function-error",),
                         said=Message.of("fn.error", fn=run.spec.name, trial=trial.name, error=error))
        if value is None:
            return check(status="error", points=0.0, notes=("function-error",),
                         said=Message.of("fn.nothing", fn=run.spec.name, trial=trial.name))
        if value.shape != shape:
            hint: MessageParam = Message.of("fn.shape.reshape") if value.size == int(np.prod(shape)) else ""
            return check(status="fail", points=0.0, notes=("wrong-shape",),
                         said=Message.of("fn.with_hint", sentence=Message.of(
                             "fn.shape", fn=run.spec.name, target=run.spec.returns, expected=str(shape),
                             got=str(value.shape)), hint=hint))
    return None


@dataclass(frozen=True)
class _Comparison:
    ok: np.ndarray  # per requested entry: right on every trial
    worst: float  # worst relative error among finite values
    non_finite: list[tuple[int, ...]]  # the entries that were NaN or infinite on the first trial that had any
    example: tuple[Trial, np.ndarray, np.ndarray] | None  # a failing trial: (trial, got, expected)


def _compare(exercise: Exercise, target: Target, run: FunctionRun, trials: Sequence[Trial],
             expected: Sequence[dict[str, np.ndarray]]) -> _Comparison:
    entries = target.entries
    ok = np.ones(len(entries), dtype=bool)
    example: tuple[Trial, np.ndarray, np.ndarray] | None = None
    worst = 0.0
    non_finite: list[tuple[int, ...]] = []
    for trial, value, wanted in zip(trials, run.values, expected):
        want = wanted[target.name]
        assert value is not None  # _unusable turned away a function that returned nothing
        got = np.array([value[e] for e in entries])
        exp = np.array([want[e] for e in entries])
        finite = np.isfinite(got)
        close = finite & np.isclose(got, exp, rtol=exercise.rtol, atol=exercise.atol)
        if not finite.all() and not non_finite:
            non_finite = [entries[i] for i in np.flatnonzero(~finite)]
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.abs(got - exp) / np.maximum(np.abs(exp), exercise.atol or 1e-300)
        if finite.any():
            worst = max(worst, float(np.max(np.where(finite, rel, 0.0))))
        # A failing one-hot trial is the clearest example: only one chain-rule path carries gradient.
        if not close.all() and (example is None or (trial.isolates and not example[0].isolates)):
            example = (trial, got, exp)
        ok &= close
    return _Comparison(ok, worst, non_finite, example)


def _explain_differences(exercise: Exercise, target: Target, comparison: _Comparison,
                         reveal: bool = True) -> tuple[Message, tuple[Message, ...]]:
    """Which entries differ, and expected against got on the clearest failing trial."""
    notation = exercise.notation

    def label(index: tuple[int, ...]) -> str:
        # Text, not Maths: showing MathML needs our grammar and sympy, which rendering a report of
        # code must not load (a class of code reports renders in the time numpy takes to import).
        return notation.entry_derivative(target.name, index)

    entries = target.entries
    wrong = [entries[i] for i in np.flatnonzero(~comparison.ok)]
    listed = tuple(label(e) for e in wrong[:MAX_LISTED])
    more: MessageParam = Message.of("fn.more", count=len(wrong) - MAX_LISTED) if len(wrong) > MAX_LISTED else ""
    said = Message.of("fn.with_hint", sentence=Message.of("fn.differ", wrong=len(wrong), n=len(entries),
                                                          entries=listed), hint=more)
    details: list[Message] = []
    if comparison.non_finite:
        details.append(Message.of("fn.nonfinite", entries=tuple(label(e) for e in comparison.non_finite[:MAX_LISTED])))
    assert comparison.example is not None  # some entry differs on some trial
    trial, got, exp = comparison.example
    details.append(Message.of("fn.on_trial_path", trial=trial.name, output=trial.isolates) if trial.isolates
                   else Message.of("fn.on_trial", trial=trial.name))
    shown = np.flatnonzero(~np.isclose(got, exp, rtol=exercise.rtol, atol=exercise.atol))[:MAX_LISTED]
    for i in shown if reveal else ():
        details.append(Message.of("fn.indented", line=Message.of(
            "fn.expected_got", entry=label(entries[i]), expected=f"{exp[i]:.6g}", got=f"{got[i]:.6g}")))
    return said, tuple(details)


def with_def_lines(exercise: Exercise, checks: list[Check], source: Path) -> list[Check]:
    """The checks with `line` set to where each function is defined in the student's file.

    The file is read with `ast` in the grader's process and never imported here: a syntax error
    puts every check on the error's line instead; an unreadable file leaves the lines unset.
    """
    try:
        data = read_regular(source, MAX_SOURCE_BYTES)  # never through a link swapped in since
        if len(data) > MAX_SOURCE_BYTES:
            return checks
        tree = ast.parse(data, filename=source.name)
    except SyntaxError as err:
        return [replace(c, line=err.lineno) for c in checks] if err.lineno else checks
    except (OSError, ValueError, RecursionError, MemoryError, RefusedFile):
        return checks
    defined = {node.name: node.lineno for node in tree.body
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    by_target = {f.returns: defined.get(f.name) for f in exercise.functions}
    return [replace(c, line=by_target.get(c.target)) if c.line is None and c.target is not None else c
            for c in checks]
