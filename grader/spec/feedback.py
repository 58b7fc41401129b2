"""A spec's `feedback:` and `self_test:` sections, as dataclasses built (and checked) at load.

Nothing past loading reads the YAML of these sections: diagnosis takes `Exercise.feedback`
(`Feedback`: the chosen detectors, the instructor's rules) and self-tests take
`Exercise.self_test` (`Sample`s). Rules and detector settings that could never fire are errors
found here; the rules' answers are parsed only by `check_rule_answers`, which `grader validate`
runs (it needs the maths parser, which loading for grading does not otherwise import).

    feedback:
      reveal: true
      detectors: {disable: [factor-half]}
      rules:
        - id: X-row2-merged-path
          target: X
          entries: [[2, 1], [2, 2], [2, 3]]
          answer: "dy[2,{j}]*(k[1] + k[2])"
          message: {en: "Both y[1,j] and y[2,j] read x[2,j], each with its own dC/dy.", he: "..."}
          credit: 0.25
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping, Sequence

from ..errors import SpecProblem
from .detectors import BUILT_IN, Detector
from .notation import ArrayNotation
from .placeholders import evaluate

if TYPE_CHECKING:
    from .load import Exercise, Target

INDEX_NAMES = ("i", "j", "k", "l")
# Only braces around the entry's index names (and integer arithmetic over them: `{i+1}`,
# `{j//2}`) are filled, so LaTeX braces in a rule's text (`x_{1}`, `\frac{1}{2}`) are left alone.
_PLACEHOLDER = re.compile(r"\{([ijkl0-9+\-*/%() ]*[ijkl][ijkl0-9+\-*/%() ]*)\}")


def fill(template: str, written: tuple[int, ...] | None) -> str:
    """The template with `{i}`, `{j}`, `{k}`, `{l}` (the entry's 1-based written indices, in
    order) and integer expressions over them replaced by their values."""
    if not written:
        return template
    values = dict(zip(INDEX_NAMES, written))

    def value(match: re.Match[str]) -> str:
        number = evaluate(match.group(1).strip(), values)
        return match.group(0) if number is None else str(number)
    return _PLACEHOLDER.sub(value, template)


@dataclass(frozen=True)
class Rule:
    """An instructor's rule, in the spirit of STACK's answer notes: a wrong answer equivalent to
    `answer` (with `{i}`, `{j}` standing for the entry's written index), or matched by the named
    `detector`, gets `message`, the answer note `id` and `credit` (a fraction of its points)."""

    id: str
    target: str | None
    entries: frozenset[tuple[int, ...]] | None  # 1-based written indices, or None for every entry
    answer: str | None
    detector: str | None
    message: Mapping[str, str]
    credit: float = 0.0

    def applies_to(self, target: str, written: tuple[int, ...] | None) -> bool:
        if self.target is not None and self.target != target:
            return False
        return self.entries is None or written is None or tuple(written) in self.entries

    def text(self, lang: str, written: tuple[int, ...] | None = None) -> str:
        return fill(self.message.get(lang) or self.message.get("en") or next(iter(self.message.values()), ""), written)

    def answer_for(self, written: tuple[int, ...]) -> str:
        return fill(self.answer or "", written)


@dataclass(frozen=True)
class Feedback:
    """What the diagnosis may say beyond the chain-rule paths."""

    detectors: tuple[Detector, ...] = BUILT_IN  # the built-in ones chosen, then the spec's own
    rules: tuple[Rule, ...] = ()
    reveal: bool = False  # whether a wrong entry's report may show the expected expression


@dataclass(frozen=True)
class Expectation:
    score: float | None = None
    notes: tuple[str, ...] = ()
    exit: int | None = None


@dataclass(frozen=True)
class Sample:
    """A self-test: sample answers (a YAML mapping, a Markdown document or Python code) and what
    grading them must give."""

    name: str
    expect: Expectation
    answers: Mapping[str, Any] | None = None  # entry -> the written answer, as a YAML file has it
    document: str | None = None
    code: str | None = None
    # Whether a spec with variants tests it on every variant (code: by default) or the default one.
    variants: Literal["all", "default"] = "default"


def samples(raw: Sequence[Mapping[str, Any]]) -> tuple[Sample, ...]:
    """The `self_test:` section (already schema-checked) as Samples."""
    out = []
    for sample in raw:
        expect = sample["expect"]
        score = expect.get("score")
        out.append(Sample(sample["name"], Expectation(None if score is None else float(score),
                                                      tuple(expect.get("notes", ())), expect.get("exit")),
                          sample.get("answers"), sample.get("document"), sample.get("code"),
                          sample.get("variants", "all" if "code" in sample else "default")))
    return tuple(out)


def _text(value: str | Mapping[str, str]) -> Mapping[str, str]:
    return dict(value) if isinstance(value, Mapping) else {"en": value}


def build_feedback(raw: Mapping[str, Any], targets: Mapping[str, Target], arrays: list[ArrayNotation],
                   problem: Callable[[tuple[Any, ...], str], None]) -> Feedback:
    """The `feedback:` section (already schema-checked) as Feedback; rules and detector settings
    that could never fire are reported to `problem`, not left silent."""
    config = raw.get("detectors", {})
    added = tuple(_added_detector(d) for d in config.get("add", ()))
    names = [d.name for d in BUILT_IN]
    for key in ("enable", "disable"):
        for k, name in enumerate(config.get(key, ())):
            if name not in names:
                problem(("feedback", "detectors", key, k), _unknown("built-in detector", name, names))
    if config.get("enable"):
        chosen = tuple(d for d in BUILT_IN if d.name in set(config["enable"]))
    else:
        chosen = tuple(d for d in BUILT_IN if d.name not in set(config.get("disable", ())))
    detectors = chosen + added
    rules = tuple(_rule(k, r, targets, arrays, {d.name for d in detectors}, problem)
                  for k, r in enumerate(raw.get("rules", ())))
    return Feedback(detectors, rules, bool(raw.get("reveal", False)))


def _added_detector(raw: Mapping[str, Any]) -> Detector:
    params = {k: v for k, v in raw.items() if k not in ("name", "kind", "label", "explanation")}
    return Detector(raw["name"], raw["kind"], _text(raw.get("label", raw["name"])), _text(raw.get("explanation", "")),
                    params)


def _rule(k: int, raw: Mapping[str, Any], targets: Mapping[str, Target], arrays: list[ArrayNotation],
          detectors: set[str], problem: Callable[[tuple[Any, ...], str], None]) -> Rule:
    where = ("feedback", "rules", k)
    target, detector = raw.get("target"), raw.get("detector")
    if target is not None and target not in targets:
        problem(where + ("target",), _unknown("target", target, list(targets)))
    if detector is not None and detector not in detectors:
        problem(where + ("detector",), _unknown("detector", detector, sorted(detectors)))
    array = next((a for a in arrays if a.name == target), None) if target in targets else None
    for n, entry in enumerate(raw.get("entries", ())):
        if array is not None and not array.in_range(tuple(entry)):
            problem(where + ("entries", n), f"entry {entry} is outside {target} "
                                            f"(written indices run over {list(array.notation_shape)})")
    if raw.get("answer") is not None and target is None:
        problem(where + ("answer",), "a rule with an `answer` needs a `target`: the answer is an entry of it")
    entries = frozenset(tuple(e) for e in raw["entries"]) if raw.get("entries") else None
    return Rule(raw["id"], target, entries, raw.get("answer"), detector, _text(raw["message"]),
                float(raw.get("credit", 0.0)))


def _unknown(what: str, name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known) or 'none'}"
    return f"unknown {what} {name!r}; {hint}"


def check_rule_answers(exercise: Exercise,
                       line_of: Callable[[tuple[Any, ...]], int | None] = lambda path: None) -> list[SpecProblem]:
    """Parse every feedback rule's answer for every entry it applies to, as a student's answer
    would be parsed; an answer that cannot be read would never match anything."""
    # Imported here, not at the top: grading loads specs without ever parsing maths (sympy).
    from ..answers.parsing import ParseError, parse_expression

    problems = []
    for k, rule in enumerate(exercise.feedback.rules):
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
