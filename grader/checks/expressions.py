"""Check expression answers (YAML or a written derivation) entry by entry, exactly.

One check per graded entry, so a student sees that rows 1 and 3 of dC/dX are right and row 2
is wrong. Points: with `per_entry`, each entry carries an equal share of its target's points;
without it, the shares are only paid when every entry of the target is right.
"""
from __future__ import annotations

from functools import partial

from dataclasses import replace
from typing import TYPE_CHECKING

from ..answers.equivalence import Budget, Verdict, equivalent_to_entry, poly_matches_entry
from ..i18n import tr
from ..options import GradeOptions
from ..report import Check
from ..spec.load import Exercise
from ..answers.readers import Answer, ExpressionSubmission

if TYPE_CHECKING:
    from reference.symbolic import EntryGradient


def answers_by_entry(submission: ExpressionSubmission) -> dict[tuple[str, tuple[int, ...]], Answer]:
    """The answer for each (target, 0-based full index) the submission holds."""
    return {(a.target, tuple(a.index)): a for a in submission.answers}


def check_expressions(exercise: Exercise, submission: ExpressionSubmission, options: GradeOptions) -> tuple[Check, ...]:
    """One check per requested entry of every target."""
    answers = answers_by_entry(submission)
    seed, lang = options.seed_for(exercise), options.lang_for(exercise)
    solution = exercise.solution
    checks: list[Check] = []
    # One budget for the file, of which each entry may spend at most its own: a hostile or
    # enormous file ends in review entries, never in a hang (counted work, so deterministic).
    file_budget = Budget(exercise.limits.decision_steps_per_file)
    for target in exercise.targets:
        share = target.points / len(target.entries)
        target_checks = [
            _check_entry(exercise, target.name, index, share, solution[target.name][index],
                         answers.get((target.name, index)), seed, lang, file_budget)
            for index in target.entries
        ]
        if not target.per_entry and any(c.status != "pass" for c in target_checks):
            target_checks = [replace(c, points=0.0) for c in target_checks]
        checks.extend(target_checks)
    return tuple(checks)


def expression_messages(submission: ExpressionSubmission) -> tuple[str, ...]:
    """What in the file could not be read as an answer, one line each."""
    return tuple(
        (f"line {p.line}: " if p.line else "") + p.message + (f": {p.snippet}" if p.snippet else "")
        for p in submission.problems
    )


def _check_entry(exercise: Exercise, target: str, index: tuple[int, ...], share: float, reference: EntryGradient,
                 answer: Answer | None, seed: int, lang: str, file_budget: Budget) -> Check:
    notation = exercise.notation[target]
    written = notation.notation_index(index)
    style = answer.style if answer is not None else "plain"
    name = exercise.notation.entry_derivative(target, index, style)
    check = partial(Check, name=name, max_points=share, target=target, index=written,
                line=answer.line if answer is not None else None)
    if answer is None:
        return check(status="fail", points=0.0, feedback=tr(lang, "ex.missing", entry=name),
                     notes=("missing-answer",))
    where = tr(lang, "ex.where", line=answer.line) if answer.line else ""
    # A right answer read straight into a polynomial never becomes a sympy expression.
    right = answer.poly is not None and poly_matches_entry(answer.poly, reference)
    if not right and answer.expr is None:
        return check(status="error", points=0.0, notes=("unparseable",),
                     feedback=tr(lang, "ex.unreadable", entry=name, where=where, error=answer.error))
    if right:
        verdict = Verdict(True, "expansion")
    else:
        budget = Budget(min(exercise.limits.decision_steps, max(file_budget.steps - file_budget.used, 0)))
        verdict = equivalent_to_entry(answer.expr, reference, seed=seed, budget=budget)
        file_budget.used += budget.used
    # A reader that had to repair a garbled equation says how it read it, right or wrong.
    repaired = (tr(lang, "ex.repaired", how=answer.note),) if answer.note else ()
    if verdict.equivalent:
        return check(status="pass", points=share, feedback=tr(lang, "ex.pass", entry=name),
                     notes=("correct",), details=repaired)
    if verdict.review:
        # Neither proved right nor proved wrong: no credit now, and an instructor decides.
        return check(status="review", points=0.0, feedback=tr(lang, "ex.review", entry=name, where=where),
                     notes=("review", *((f"review-{verdict.reason}",) if verdict.reason else ())),
                     details=(tr(lang, "ex.your_answer", answer=answer.source), *repaired))
    return check(status="fail", points=0.0, feedback=tr(lang, "ex.wrong", entry=name, where=where), notes=("wrong",),
                 details=(tr(lang, "ex.your_answer", answer=answer.source), *repaired))
