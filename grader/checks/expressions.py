"""Check expression answers (YAML or a written derivation) entry by entry, exactly.

One check per graded entry, so a student sees that rows 1 and 3 of dC/dX are right and row 2
is wrong. Points: with `per_entry`, each entry carries an equal share of its target's points;
without it, the shares are only paid when every entry of the target is right.
"""
from __future__ import annotations

from functools import partial

from dataclasses import replace
from typing import TYPE_CHECKING

from ..answers.parsing.printer import show
from ..answers.equivalence import Budget, Verdict, equivalent_to_entry, poly_matches_entry
from ..options import GradeOptions
from ..report import Check, Maths, Message, MessageParam
from ..spec.load import Exercise
from ..spec.notation import Notation, Style
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
    """One entry's check. What it says is data (Message, Maths): the pipeline writes the text in
    `lang` and the renderers print the maths their way."""
    notation = exercise.notation[target]
    written = notation.notation_index(index)
    style = answer.style if answer is not None else "plain"
    entry = entry_maths(exercise.notation, target, index, style)
    check = partial(Check, name=entry.text, max_points=share, target=target, index=written, entry=entry,
                    line=answer.line if answer is not None else None)
    if answer is None:
        return check(status="fail", points=0.0, said=Message.of("ex.missing", entry=entry), notes=("missing-answer",))
    where: MessageParam = Message.of("ex.where", line=answer.line) if answer.line else ""
    # A right answer read straight into a polynomial never becomes a sympy expression.
    right = answer.poly is not None and poly_matches_entry(answer.poly, reference)
    if not right and answer.expr is None:
        return check(status="error", points=0.0, notes=("unparseable",),
                     said=Message.of("ex.unreadable", entry=entry, where=where, error=answer.error or ""))
    if right:
        verdict = Verdict(True, "expansion")
    else:
        budget = Budget(min(exercise.limits.decision_steps, max(file_budget.steps - file_budget.used, 0)))
        verdict = equivalent_to_entry(answer.expr, reference, seed=seed, budget=budget)
        file_budget.used += budget.used
    # A reader that had to repair a garbled equation says how it read it, right or wrong.
    repaired = (Message.of("ex.repaired", how=answer.note),) if answer.note else ()
    if verdict.equivalent:
        return check(status="pass", points=share, said=Message.of("ex.pass", entry=entry),
                     notes=("correct",), said_details=repaired)
    yours = Message.of("ex.your_answer", answer=answer_maths(exercise.notation, answer))
    if verdict.review:
        # Neither proved right nor proved wrong: no credit now, and an instructor decides.
        return check(status="review", points=0.0, said=Message.of("ex.review", entry=entry, where=where),
                     notes=("review", *((f"review-{verdict.reason}",) if verdict.reason else ())),
                     said_details=(yours, *repaired))
    return check(status="fail", points=0.0, said=Message.of("ex.wrong", entry=entry, where=where), notes=("wrong",),
                 said_details=(yours, *repaired))


def entry_maths(notation: Notation, target: str, index: tuple[int, ...], style: Style) -> Maths:
    """dC/dx[2,1] as maths: written in the student's notation, and in LaTeX for MathML."""
    return Maths(notation.entry_derivative(target, index, style), notation.entry_derivative(target, index, "latex"),
                 style)


def answer_maths(notation: Notation, answer: Answer) -> Maths:
    """A student's answer as maths: as they wrote it, and as it was read (in LaTeX, for MathML)."""
    return Maths(answer.source, show(answer.expr, notation, "latex") if answer.expr is not None else "", answer.style)
