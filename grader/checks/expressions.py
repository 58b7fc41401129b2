"""Grade expression answers (YAML or a written derivation) entry by entry, exactly.

One check per graded entry, so a student sees that rows 1 and 3 of dC/dX are right and row 2
is wrong. Points: with `per_entry`, each entry carries an equal share of its target's points;
without it, the shares are only paid when every entry of the target is right.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..diagnosis.expressions import diagnose_expression_checks
from ..equivalence import equivalent_to_entry
from ..i18n import tr
from ..report import Check, Report
from ..spec import Exercise


def entry_name(exercise: Exercise, target: str, index: tuple[int, ...], style: str = "plain") -> str:
    notation = exercise.notation[target]
    if style == "latex":
        return f"\\frac{{\\partial {exercise.notation.loss}}}{{\\partial {notation.tex(index)}}}"
    return f"d{exercise.notation.loss}/d{notation.plain(index)}"


def grade_expression_file(exercise: Exercise, path: Path, options) -> Report:
    """Read the answers in `path` and grade every requested entry.

    A file that cannot be read at all (not UTF-8, YAML syntax, too big) gives a report of errors.
    """
    from ..submissions import SubmissionError, read_expression_submission

    try:
        submission = read_expression_submission(path, exercise.notation, tuple(t.name for t in exercise.targets))
    except SubmissionError as err:
        return _unreadable(exercise, path, str(err), options, err.line)
    answers = {(a.target, tuple(a.index)): a for a in submission.answers}
    seed = exercise.trials.seed if options.seed is None else options.seed
    lang = options.lang or exercise.language
    solution = exercise.solution
    checks: list[Check] = []
    for target in exercise.targets:
        share = target.points / len(target.entries)
        target_checks = []
        for index in target.entries:
            reference = solution[target.name][index]
            answer = answers.get((target.name, index))
            target_checks.append(_check_entry(exercise, target.name, index, share, reference, answer, seed, lang))
        if not target.per_entry and any(c.status != "pass" for c in target_checks):
            target_checks = [replace(c, points=0.0) for c in target_checks]
        checks.extend(target_checks)
    if options.diagnose:
        checks = diagnose_expression_checks(exercise, checks, answers, solution, options)
    messages = tuple(
        f"line {p.line}: {p.message}" + (f": {p.snippet}" if p.snippet else "") if p.line else
        f"{p.message}" + (f": {p.snippet}" if p.snippet else "")
        for p in submission.problems
    )
    return Report(exercise.id, path.name, "expressions", exercise.max_score, tuple(checks), messages, "",
                  options.lang or exercise.language)


def _check_entry(exercise, target, index, share, reference, answer, seed, lang) -> Check:
    notation = exercise.notation[target]
    written = notation.notation_index(index)
    style = answer.style if answer is not None else "plain"
    name = entry_name(exercise, target, index, style)
    base = dict(name=name, max_points=share, target=target, index=written,
                line=answer.line if answer is not None else None)
    if answer is None:
        return Check(status="fail", points=0.0, feedback=tr(lang, "ex.missing", entry=name), note="missing-answer", **base)
    where = tr(lang, "ex.where", line=answer.line) if answer.line else ""
    if answer.expr is None:
        return Check(status="error", points=0.0, note="unparseable",
                     feedback=tr(lang, "ex.unreadable", entry=name, where=where, error=answer.error), **base)
    verdict = equivalent_to_entry(answer.expr, reference, seed=seed)
    # A reader that had to repair a garbled equation says how it read it, right or wrong.
    repaired = (tr(lang, "ex.repaired", how=answer.note),) if answer.note else ()
    if verdict.equivalent:
        return Check(status="pass", points=share, feedback=tr(lang, "ex.pass", entry=name),
                     note="correct", details=repaired, **base)
    return Check(status="fail", points=0.0, feedback=tr(lang, "ex.wrong", entry=name, where=where), note="wrong",
                 details=(tr(lang, "ex.your_answer", answer=answer.source), *repaired), **base)


def _unreadable(exercise: Exercise, path: Path, message: str, options, line: int | None = None) -> Report:
    checks = []
    for target in exercise.targets:
        checks.append(Check(name=f"dC/d{target.name}", status="error", points=0.0, max_points=target.points,
                            target=target.name, feedback=tr(options.lang or exercise.language, "ex.file_unreadable",
                                                            error=message), note="unreadable", line=line))
    return Report(exercise.id, path.name, "expressions", exercise.max_score, tuple(checks), (message,), "",
                  options.lang or exercise.language)
