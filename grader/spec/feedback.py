"""Checks of a spec's `feedback:` section: rules and detector settings that could never fire.

Part of loading a spec (`spec.py` calls `check_feedback` with its problem collector); the
rules' answers are parsed only by `check_rule_answers`, which `grader validate` runs.
"""
from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ..errors import SpecProblem
from .notation import ArrayNotation

if TYPE_CHECKING:
    from .load import Exercise, Target


def check_feedback(feedback: Mapping[str, Any], targets: Mapping[str, "Target"], arrays: list[ArrayNotation],
                    problem: Callable[[tuple[Any, ...], str], None]) -> None:
    """Rules and detector settings that could never fire are errors, not silence.

    The rules' answers are parsed by `check_rule_answers` (it needs the maths parser, which
    grading code does not otherwise import).
    """
    from ..diagnosis.mutations import BUILT_IN  # here: the detector table imports spec, which imports this module

    config = feedback.get("detectors", {})
    added = [raw["name"] for raw in config.get("add", ())]
    known = [d.name for d in BUILT_IN] + added
    for key in ("enable", "disable"):
        for k, name in enumerate(config.get(key, ())):
            if name not in known[:len(BUILT_IN)]:
                problem(("feedback", "detectors", key, k), _unknown("built-in detector", name, [d.name for d in BUILT_IN]))
    chosen = set(known) - set(config.get("disable", ())) if not config.get("enable") else \
        set(config["enable"]) | set(added)
    by_name = {a.name: a for a in arrays}
    for k, rule in enumerate(feedback.get("rules", ())):
        where = ("feedback", "rules", k)
        target = rule.get("target")
        if target is not None and target not in targets:
            problem(where + ("target",), _unknown("target", target, list(targets)))
        detector = rule.get("detector")
        if detector is not None and detector not in chosen:
            problem(where + ("detector",), _unknown("detector", detector, sorted(chosen)))
        for n, entry in enumerate(rule.get("entries", ()) if target in targets else ()):
            if not by_name[target].in_range(tuple(entry)):
                problem(where + ("entries", n), f"entry {entry} is outside {target} "
                                                f"(written indices run over {list(by_name[target].notation_shape)})")
        if rule.get("answer") is not None and target is None:
            problem(where + ("answer",), "a rule with an `answer` needs a `target`: the answer is an entry of it")


def _unknown(what: str, name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known) or 'none'}"
    return f"unknown {what} {name!r}; {hint}"


def check_rule_answers(exercise: "Exercise", line_of: Callable[[tuple[Any, ...]], int | None] = lambda path: None) -> list[SpecProblem]:
    """Parse every feedback rule's answer for every entry it applies to, as a student's answer
    would be parsed; an answer that cannot be read would never match anything."""
    from ..diagnosis.rules import rules_for
    from ..answers.parsing import ParseError, parse_expression

    problems = []
    for k, rule in enumerate(rules_for(exercise)):
        if rule.answer is None or rule.target is None:
            continue
        target = exercise.target(rule.target)
        written = [exercise.notation[rule.target].notation_index(e) for e in target.entries]
        texts = {rule.answer_for(w): w for w in written if rule.entries is None or w in rule.entries}
        for text, index in texts.items():  # a rule without {i}, {j} is parsed once
            try:
                parse_expression(text, exercise.notation)
            except (ParseError, KeyError, IndexError, ValueError) as err:
                line = line_of(("feedback", "rules", k, "answer"))
                message = str(err).splitlines()[0] if str(err) else type(err).__name__
                problems.append(SpecProblem(exercise.path, line, f"feedback rule {rule.id!r}: its answer for "
                                                                 f"{rule.target}{list(index)} cannot be read: {message}"))
                break
    return problems
