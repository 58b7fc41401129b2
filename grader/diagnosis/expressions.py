"""Diagnose wrong symbolic answers: path by path, against the detectors, and by the spec's rules."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..equivalence import equivalent
from ..evaluate import NotRational, evaluate
from ..i18n import tr
from ..report import Check, Finding
from ..spec import Exercise
from .mutations import detectors_for, mutated_numeric, mutated_symbolic
from .paths import diagnose_paths, headline
from .printing import show
from .rules import rules_for, symbol_values


class _Probe:
    """One random float point and the mutated gradients there, to shortlist detectors cheaply
    before any exact (and slower) symbolic confirmation."""

    def __init__(self, exercise: Exercise, seed: int):
        rng = np.random.default_rng([seed, 77])
        graph = exercise.graph
        self.values = {name: rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1, 1], size=shape)
                       for name, shape in graph.inputs.items()}
        out_shape = graph.shape(graph.output)
        self.upstream = rng.uniform(0.5, 2.0, size=out_shape) if exercise.upstream else None
        self.point = symbol_values(exercise, self.values, self.upstream)
        self.reference = graph.gradients(self.values, self.upstream)
        self._mutated: dict = {}

    def mutated(self, exercise, detector, target):
        key = (detector.name, target)
        if key not in self._mutated:
            self._mutated[key] = mutated_numeric(exercise, detector, target, self.values, self.upstream, self.reference)
        return self._mutated[key]

    def value(self, expr):
        try:
            return float(evaluate(expr, self.point, exact=False))
        except (ZeroDivisionError, KeyError, OverflowError, ValueError, NotRational):
            return None


def diagnose_expression_checks(exercise: Exercise, checks: list[Check], answers: dict, solution: dict,
                               options) -> list[Check]:
    lang = options.lang or exercise.language
    seed = exercise.trials.seed if options.seed is None else options.seed
    reveal = bool(exercise.feedback.get("reveal", False))
    detectors = detectors_for(exercise)
    rules = rules_for(exercise)
    probe = None
    symbolic_cache: dict = {}
    out = []
    for check in checks:
        if check.status != "fail" or check.target is None:
            out.append(check)
            continue
        notation = exercise.notation[check.target]
        index = notation.full_index(check.index)
        answer = answers.get((check.target, index))
        if answer is None or answer.expr is None:
            out.append(check)
            continue
        probe = probe or _Probe(exercise, seed)
        reference = solution[check.target][index]
        findings = list(diagnose_paths(exercise, reference, answer.expr, answer.style, lang, reveal))
        matched = _matching_detectors(exercise, detectors, probe, symbolic_cache, check.target, index,
                                      answer.expr, seed)
        # A sign or factor finding already says what a matching scale detector would.
        said = any(f.kind in ("sign", "factor") for f in findings)
        for d in matched:
            if said and d.kind == "scale":
                continue
            findings.append(Finding("misconception", tr(lang, "mc.matches", what=show(answer.expr, exercise.notation, answer.style),
                                                        name=d.text("label", lang), explanation=d.text("explanation", lang)),
                                    {"detector": d.name}))
        points, notes = check.points, [check.note]
        for rule in rules:
            if not rule.applies_to(check.target, check.index):
                continue
            if _rule_matches(rule, exercise, check.index, answer.expr, matched, seed):
                findings.append(Finding("rule", rule.text(lang, check.index), {"rule": rule.id}))
                notes.append(rule.id)
                points = max(points, rule.credit * check.max_points)
        feedback = headline(exercise, reference, answer.expr, answer.style, lang,
                            tuple(f for f in findings if f.kind not in ("misconception", "rule")))
        details = list(check.details)
        if reveal:
            details.append(tr(lang, "dx.expected", answer=show(reference.expr, exercise.notation, answer.style)))
        notes += [f"detector:{d.name}" for d in matched]
        out.append(replace(check, feedback=feedback, findings=tuple(findings), points=points,
                           note=" ".join(dict.fromkeys(n for n in notes if n)), details=tuple(details)))
    return out


def _matching_detectors(exercise, detectors, probe, cache, target, index, expr, seed):
    got = probe.value(expr)
    if got is None:
        return []
    matched = []
    for d in detectors:
        mutated = probe.mutated(exercise, d, target)
        if mutated is None:
            continue
        want = float(mutated[index])
        if abs(got - want) > 1e-9 * (1 + abs(want)):
            continue
        if abs(want - float(probe.reference[target][index])) <= 1e-12 * (1 + abs(want)):
            continue  # the mutation does not change this entry: matching it says nothing
        key = (d.name, target)
        if key not in cache:
            cache[key] = mutated_symbolic(exercise, d, target)
        exact = cache[key]
        if exact is not None and equivalent(expr, exact[index], seed=seed).equivalent:
            matched.append(d)
    return matched


def _rule_matches(rule, exercise, written, expr, matched, seed) -> bool:
    if rule.detector is not None:
        return any(d.name == rule.detector for d in matched)
    wanted = rule.parsed_answer(written, exercise.notation)
    return wanted is not None and equivalent(expr, wanted, seed=seed).equivalent
