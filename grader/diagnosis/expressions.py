"""Diagnose wrong symbolic answers: path by path, against the detectors, and by the spec's rules."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import sympy

from ..answers.parsing.printer import show
from ..checks.expressions import answers_by_entry
from ..answers.equivalence import equivalent
from ..answers.evaluate import NotRational, evaluate
from ..options import GradeOptions
from ..report import SENTENCE_KINDS, Check, Finding, Maths, Message
from ..spec.load import Exercise
from ..spec.notation import Notation, Style
from ..answers.readers import Answer, ExpressionSubmission
from .mutations import mutated_numeric, mutated_symbolic
from .paths import diagnose_paths, headline
from .rules import parsed_answer, symbol_values


class _Probe:
    """One random float point and the mutated gradients there, to shortlist detectors cheaply
    before any exact (and slower) symbolic confirmation."""

    def __init__(self, exercise: Exercise, seed: int):
        rng = np.random.default_rng([seed, 77])
        graph = exercise.graph
        self.values = {name: rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1, 1], size=shape)
                       for name, shape in graph.inputs.items()}
        self.values.update(exercise.fixed)  # the values the reference routes by (max pooling)
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


def diagnose_expression_checks(exercise: Exercise, submission: ExpressionSubmission, checks: tuple[Check, ...],
                               options: GradeOptions) -> tuple[Check, ...]:
    """Explain each wrong answer: path by path, by the detectors it matches, and by the spec's rules."""
    answers = answers_by_entry(submission)
    diagnoser = _Diagnoser(exercise, options)
    out = []
    for check in checks:
        answer = None
        if check.status == "fail" and check.target is not None and check.index is not None:
            answer = answers.get((check.target, exercise.notation[check.target].full_index(check.index)))
        out.append(check if answer is None or answer.expr is None else diagnoser.explain(check, answer))
    return tuple(out)


class _Diagnoser:
    """What diagnosing one submission shares between its entries: detectors, rules, the probe."""

    def __init__(self, exercise: Exercise, options: GradeOptions) -> None:
        self.exercise = exercise
        self.lang, self.seed = options.lang_for(exercise), options.seed_for(exercise)
        self.reveal = exercise.feedback.reveal and options.reveal
        self.detectors = exercise.feedback.detectors
        self.rules = exercise.feedback.rules
        self.probe: _Probe | None = None  # built for the first wrong answer only
        self.symbolic_cache: dict = {}

    def explain(self, check: Check, answer: Answer) -> Check:
        exercise, lang, notation = self.exercise, self.lang, self.exercise.notation
        assert check.target is not None and check.index is not None  # an answered entry's check
        index = notation[check.target].full_index(check.index)
        self.probe = self.probe or _Probe(exercise, self.seed)
        reference = exercise.solution[check.target][index]
        findings = list(diagnose_paths(exercise, reference, answer.expr, answer.style, self.reveal))
        matched = _matching_detectors(exercise, self.detectors, self.probe, self.symbolic_cache, check.target, index,
                                      answer.expr, self.seed)
        # A sign or factor finding already says what a matching scale detector would.
        said = any(f.kind in ("sign", "factor") for f in findings)
        yours = _maths(notation, answer.expr, answer.style)
        findings += [Finding("misconception", "", {"detector": d.name},
                             Message.of("mc.matches", what=yours, name=d.text("label", lang, notation),
                                        explanation=d.text("explanation", lang, notation)))
                     for d in matched if not (said and d.kind == "scale")]
        points, notes = check.points, list(check.notes)
        for rule in self.rules:
            if rule.applies_to(check.target, check.index) and \
                    _rule_matches(rule, exercise, check.index, answer.expr, matched, self.seed):
                if rule.answer is not None:
                    # The author explained this very answer: a built-in detector's sentence about
                    # it would say the same thing less well (its note stays in the report).
                    findings = [f for f in findings if f.kind != "misconception"]
                findings.append(Finding("rule", rule.text(lang, check.index), {"rule": rule.id}))
                notes.append(rule.id)
                points = max(points, rule.credit * check.max_points)
        said_check = headline(exercise, reference, answer.expr, answer.style,
                              tuple(f for f in findings if f.kind in SENTENCE_KINDS))
        details = list(check.said_details)
        if self.reveal:
            details.append(Message.of("dx.expected", answer=_maths(notation, reference.expr, answer.style)))
        notes += [f"detector:{d.name}" for d in matched]
        return replace(check, said=said_check, findings=tuple(findings), points=points,
                       notes=tuple(dict.fromkeys(notes)), said_details=tuple(details))


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
    wanted = parsed_answer(rule, written, exercise.notation)
    return wanted is not None and equivalent(expr, exercise.expand(wanted), seed=seed).equivalent


def _maths(notation: Notation, expr: sympy.Expr, style: Style) -> Maths:
    """An expression as maths: in the student's notation, and in LaTeX for MathML."""
    return Maths(show(expr, notation, style), show(expr, notation, "latex"), style)
