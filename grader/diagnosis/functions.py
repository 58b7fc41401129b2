"""Diagnose wrong gradient functions by the detectors (numerically) and the spec's rules."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..execution import FunctionsSubmission
from ..options import GradeOptions
from ..report import Check, Finding, Message
from ..spec.load import Exercise
from .mutations import mutated_numeric
from .rules import parsed_answer, symbol_values


def diagnose_function_checks(exercise: Exercise, submission: FunctionsSubmission, checks: tuple[Check, ...],
                             options: GradeOptions) -> tuple[Check, ...]:
    """Name the misconception a failing function matches on every trial, and apply rules.

    The reference gradients of every trial are reused from the submission, as reading computed them.
    """
    lang = options.lang_for(exercise)
    detectors = exercise.feedback.detectors
    rules = exercise.feedback.rules
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
        findings = [Finding("misconception", "", {"detector": d.name},
                            Message.of("mc.matches", what=notation.derivative(target),
                                       name=d.text("label", lang, notation),
                                       explanation=d.text("explanation", lang, notation)))
                    for d in matched]
        points, notes = check.points, [*check.notes, *(f"detector:{d.name}" for d in matched)]
        for rule in rules:
            if not rule.applies_to(target, None):
                continue
            if rule.detector and any(d.name == rule.detector for d in matched):
                findings.append(Finding("rule", rule.text(lang), {"rule": rule.id}))
                notes.append(rule.id)
                points = max(points, rule.credit * check.max_points)
            elif rule.answer is not None and not matched:
                # Reading the rule's expression imports sympy (seconds, cold): only code that no
                # detector explained pays for it.
                hit = _answer_rule_entries(exercise, rule, target, submission.trials, submission.expected, run.values)
                if hit:
                    written = exercise.notation[target].notation_index(hit[0])
                    findings.append(Finding("rule", rule.text(lang, written), {"rule": rule.id}))
                    notes.append(rule.id)
                    points = max(points, check.points + rule.credit * _share(exercise, target, len(hit)))
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


def _answer_rule_entries(exercise, rule, target, trials, references, values) -> list:
    """The entries (0-based) where the code computes the rule's wrong answer on every trial, or
    [] unless it does so on all of the rule's entries and that differs from the reference.

    The instructor's expression is evaluated on each trial's arrays: the same mistake earns the
    same note whether it is written as a formula or as code.
    """
    from ..answers.evaluate import NotRational, evaluate

    notation = exercise.notation[target]
    asked = set(exercise.target(target).entries)
    entries = sorted(e for e in (notation.full_index(w) for w in rule.entries) if e in asked) if rule.entries \
        else sorted(asked)
    exprs = [parsed_answer(rule, notation.notation_index(e), exercise.notation) for e in entries]
    if not entries or any(e is None for e in exprs):
        return []
    changed = False
    for trial, reference, got in zip(trials, references, values):
        # The rule's symbols take this trial's numbers: data inputs (labels) as drawn for the
        # trial, never the spec's fixed values, and intermediates from the trial's forward pass.
        point = {**symbol_values(exercise, trial.values, trial.upstream), **_intermediate_values(exercise, trial.values)}
        try:
            wanted = np.array([float(evaluate(e, point, exact=False)) for e in exprs])
        except (ZeroDivisionError, KeyError, OverflowError, ValueError, NotRational):
            return []
        got_entries = np.array([got[e] for e in entries])
        if got.shape != notation.shape or not np.allclose(got_entries, wanted, rtol=exercise.rtol, atol=exercise.atol):
            return []
        ref_entries = np.array([reference[target][e] for e in entries])
        changed |= not np.allclose(wanted, ref_entries, rtol=exercise.rtol, atol=exercise.atol)
    return entries if changed else []


def _intermediate_values(exercise, values) -> dict:
    """Every intermediate symbol -> its float value on one trial's inputs: node outputs from the
    numeric forward pass, an op's named parts (x-hat, softmax's p) from its symbolic form at the
    numeric values of that node's own inputs."""
    import sympy

    from reference.graph import Graph
    from reference.symbolic import internal

    from ..answers.evaluate import evaluate

    if not exercise.intermediates:
        return {}
    env = exercise.graph.forward(values)
    out = {}
    for mid in exercise.intermediates:
        if mid.part is None:
            array = env[mid.of]
        else:
            built = next(b for b in exercise.graph.nodes if b.node.output == mid.of)
            names = tuple(dict.fromkeys(built.node.inputs))
            single = Graph.build({n: exercise.graph.shape(n) for n in names}, [built.node], built.node.output)
            symbols = {n: np.array([sympy.Symbol(f"_{n}_{k}") for k in range(env[n].size)],
                                   dtype=object).reshape(env[n].shape) for n in names}
            parts = internal(single, _symbol_of(symbols), built.node.output, mid.part, {n: env[n] for n in names})
            point = {sym: float(v) for n in names for sym, v in zip(symbols[n].ravel(), env[n].ravel())}
            array = np.array([float(evaluate(e, point, exact=False)) for e in parts.ravel()]).reshape(mid.shape)
        for idx in np.ndindex(*mid.shape):
            out[exercise.notation[mid.name].symbol(idx)] = float(array[idx])
    return out


def _symbol_of(table: dict):
    return lambda name, index: table[name][index]


def _share(exercise, target, entries: int) -> float:
    """The points `entries` entries of a target are worth (all of them when not per entry)."""
    spec = exercise.target(target)
    return spec.points * entries / len(spec.entries) if spec.per_entry else spec.points * (entries == len(spec.entries))
