"""Diagnose wrong gradient functions by the detectors (numerically) and the spec's rules."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..i18n import tr
from ..report import Check, Finding
from ..spec import Exercise
from .mutations import detectors_for, mutated_numeric
from .rules import rules_for


def diagnose_function_checks(exercise: Exercise, checks: list[Check], trials, expected, results,
                             lang: str) -> list[Check]:
    """Name the misconception a failing function matches on every trial, and apply rules.

    `expected` holds the reference gradients of every trial, as grading computed them.
    """
    detectors = detectors_for(exercise)
    rules = rules_for(exercise)
    out = []
    for position, (check, function) in enumerate(zip(checks, exercise.functions)):
        if check.status != "fail" or check.note == "wrong-shape":
            out.append(check)
            continue
        mine = results[position * len(trials):(position + 1) * len(trials)]
        values = [r.value if r is not None else None for r in mine]
        if len(values) < len(trials) or any(v is None for v in values):
            out.append(check)
            continue
        target = function.returns
        entries = tuple(exercise.target(target).entries)
        matched = []
        for d in detectors:
            if _matches(exercise, d, target, trials, expected, values, entries):
                matched.append(d)
        findings = [Finding("misconception",
                            tr(lang, "mc.matches", what=f"dC/d{target}", name=d.text("label", lang),
                               explanation=d.text("explanation", lang)), {"detector": d.name})
                    for d in matched]
        points, notes = check.points, [check.note] + [f"detector:{d.name}" for d in matched]
        for rule in rules:
            if rule.detector and rule.applies_to(target, None) and any(d.name == rule.detector for d in matched):
                findings.append(Finding("rule", rule.text(lang), {"rule": rule.id}))
                notes.append(rule.id)
                points = max(points, rule.credit * check.max_points)
        out.append(replace(check, findings=tuple(findings), points=points, note=" ".join(dict.fromkeys(notes))))
    return out


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
