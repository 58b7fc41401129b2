"""Diagnose wrong gradient functions by the detectors (numerically) and the spec's rules."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..execution import FunctionsSubmission
from ..i18n import tr
from ..options import GradeOptions
from ..report import Check, Finding
from ..spec import Exercise
from .mutations import detectors_for, mutated_numeric
from .rules import rules_for


def diagnose_function_checks(exercise: Exercise, submission: FunctionsSubmission, checks: tuple[Check, ...],
                             options: GradeOptions) -> tuple[Check, ...]:
    """Name the misconception a failing function matches on every trial, and apply rules.

    The reference gradients of every trial are reused from the submission, as reading computed them.
    """
    lang = options.lang_for(exercise)
    detectors = detectors_for(exercise)
    rules = rules_for(exercise)
    out = []
    for check, run in zip(checks, submission.runs):
        if check.status != "fail" or "wrong-shape" in check.notes or any(v is None for v in run.values):
            out.append(check)
            continue
        target = run.spec.returns
        entries = tuple(exercise.target(target).entries)
        matched = [d for d in detectors
                   if _matches(exercise, d, target, submission.trials, submission.expected, run.values, entries)]
        notation = exercise.notation
        findings = [Finding("misconception",
                            tr(lang, "mc.matches", what=notation.derivative(target), name=d.text("label", lang, notation),
                               explanation=d.text("explanation", lang, notation)),
                            {"detector": d.name})
                    for d in matched]
        points, notes = check.points, [*check.notes, *(f"detector:{d.name}" for d in matched)]
        for rule in rules:
            if rule.detector and rule.applies_to(target, None) and any(d.name == rule.detector for d in matched):
                findings.append(Finding("rule", rule.text(lang), {"rule": rule.id}))
                notes.append(rule.id)
                points = max(points, rule.credit * check.max_points)
        out.append(replace(check, findings=tuple(findings), points=points, notes=tuple(dict.fromkeys(notes))))
    return tuple(out)


def _matches(exercise, detector, target, trials, references, values, entries) -> bool:
    changed = False
    for trial, reference, got in zip(trials, references, values):
        mutated = mutated_numeric(exercise, detector, target, trial.values, trial.upstream, reference)
        if mutated is None or got.shape != mutated.shape:
            return False
        sel_got = np.array([got[e] for e in entries])
        sel_mut = np.array([mutated[e] for e in entries])
        sel_ref = np.array([reference[target][e] for e in entries])
        if not np.allclose(sel_got, sel_mut, rtol=exercise.rtol, atol=exercise.atol):
            return False
        changed |= not np.allclose(sel_mut, sel_ref, rtol=exercise.rtol, atol=exercise.atol)
    return changed
