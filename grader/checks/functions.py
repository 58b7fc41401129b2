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
from pathlib import Path

import numpy as np

from ..i18n import tr
from ..report import Check
from ..spec import Exercise, FunctionSpec
from ..trials import Trial

MAX_LISTED = 6  # entries named in one feedback line; the rest are counted
MAX_SOURCE_BYTES = 1_000_000  # larger files get no `def` lines: parsing them is not worth the time


@dataclass(frozen=True)
class FunctionRun:
    """What one function returned on every trial (value or error, aligned with the trials)."""

    spec: FunctionSpec
    values: tuple[np.ndarray | None, ...]
    errors: tuple[str | None, ...]


def check_function(exercise: Exercise, run: FunctionRun, trials: list[Trial],
                   expected: list[dict[str, np.ndarray]], lang: str = "en") -> Check:
    """One check for one function: points for the entries right on every trial."""
    target = exercise.target(run.spec.returns)
    notation = exercise.notation[target.name]
    name = f"{run.spec.name} (dC/d{target.name})"
    base = dict(name=name, max_points=target.points, target=target.name, index=None)
    shape = notation.shape

    for trial, value, error in zip(trials, run.values, run.errors):
        if error is not None:
            return Check(status="error", points=0.0, note="function-error",
                         feedback=tr(lang, "fn.error", fn=run.spec.name, trial=trial.name, error=error), **base)
        if value is None:
            return Check(status="error", points=0.0, note="function-error",
                         feedback=tr(lang, "fn.nothing", fn=run.spec.name, trial=trial.name), **base)
        if value.shape != shape:
            hint = tr(lang, "fn.shape.reshape") if value.size == int(np.prod(shape)) else ""
            return Check(status="fail", points=0.0, note="wrong-shape",
                         feedback=tr(lang, "fn.shape", fn=run.spec.name, target=target.name, expected=shape,
                                     got=value.shape) + hint, **base)

    entries = target.entries
    ok = np.ones(len(entries), dtype=bool)
    first_failure: tuple[Trial, np.ndarray, np.ndarray] | None = None
    worst = 0.0
    non_finite = []
    for trial, value, wanted in zip(trials, run.values, expected):
        want = wanted[target.name]
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
        if not close.all() and (first_failure is None or (trial.isolates and not first_failure[0].isolates)):
            first_failure = (trial, got, exp)
        ok &= close

    n_ok, n = int(ok.sum()), len(entries)
    if n_ok == n:
        return Check(status="pass", points=target.points, note="correct",
                     feedback=tr(lang, "fn.pass", n=n, trials=len(trials), worst=f"{worst:.1e}"), **base)
    points = target.points * n_ok / n if target.per_entry else 0.0
    wrong = [entries[i] for i in np.flatnonzero(~ok)]
    listed = ", ".join(f"dC/d{notation.plain(e)}" for e in wrong[:MAX_LISTED])
    more = tr(lang, "fn.more", count=len(wrong) - MAX_LISTED) if len(wrong) > MAX_LISTED else ""
    feedback = tr(lang, "fn.differ", wrong=len(wrong), n=n, entries=listed) + more
    details = []
    if non_finite:
        details.append(tr(lang, "fn.nonfinite",
                          entries=", ".join(f"dC/d{notation.plain(e)}" for e in non_finite[:MAX_LISTED])))
    trial, got, exp = first_failure
    details.append(tr(lang, "fn.on_trial_path", trial=trial.name, output=trial.isolates) if trial.isolates
                   else tr(lang, "fn.on_trial", trial=trial.name))
    for i in np.flatnonzero(~np.isclose(got, exp, rtol=exercise.rtol, atol=exercise.atol))[:MAX_LISTED]:
        details.append("  " + tr(lang, "fn.expected_got", entry=f"dC/d{notation.plain(entries[i])}",
                                 expected=f"{exp[i]:.6g}", got=f"{got[i]:.6g}"))
    return Check(status="fail", points=round(points, 6), feedback=feedback, details=tuple(details),
                 note="wrong-values", **base)


def with_def_lines(exercise: Exercise, checks: list[Check], source: Path) -> list[Check]:
    """The checks with `line` set to where each function is defined in the student's file.

    The file is read with `ast` in the grader's process and never imported here: a syntax error
    puts every check on the error's line instead; an unreadable file leaves the lines unset.
    """
    try:
        if source.stat().st_size > MAX_SOURCE_BYTES:
            return checks
        tree = ast.parse(source.read_bytes(), filename=source.name)
    except SyntaxError as err:
        return [replace(c, line=err.lineno) for c in checks] if err.lineno else checks
    except (OSError, ValueError, RecursionError, MemoryError):
        return checks
    defined = {node.name: node.lineno for node in tree.body
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    by_target = {f.returns: defined.get(f.name) for f in exercise.functions}
    return [replace(c, line=by_target.get(c.target)) if c.line is None else c for c in checks]
