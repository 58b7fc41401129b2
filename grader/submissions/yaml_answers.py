"""YAML answer files: one key per entry (`X[2,1]: dy[1,1]*k[2] + ...`) or per target (`K: [...]`).

The file is composed (not constructed) with PyYAML's safe loader so every value keeps its line,
duplicate keys are seen instead of silently overwritten, and no YAML tag can build an object.
"""
from __future__ import annotations

import re
from typing import Sequence

import yaml

from ..notation import ArrayNotation, Notation
from ..parsing import ParseError, ParseLimits, parse_with_style
from ..parsing import parse_matrix_with_style
from ._entries import entry_label, exact_number, split_matrix, target_entries
from .answers import Answer, ExpressionSubmission, Problem, SubmissionError, read_text, snippet

# X[2,1], K[1], K[1,1], x_{2,1}, k_1, dX[2,1], dC/dX[2,1]; or a whole target: X, dC/dK.
# A name may hold digits after its first letter (W1[1,1]), as spec names may.
_KEY = re.compile(r"""^\s*(?:d\s*[A-Za-z]\s*/\s*)?(?P<name>[A-Za-z][A-Za-z0-9]*?)\s*
                      (?:\[(?P<square>[^\]]*)\]|_\{(?P<braced>[^}]*)\}|_(?P<single>[0-9]))?\s*$""", re.X)
_STR_TAG = "tag:yaml.org,2002:str"
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def read_yaml_answers(path, notation: Notation, targets: Sequence[str],
                      limits: ParseLimits = ParseLimits()) -> ExpressionSubmission:
    """Read a YAML answer file. Raises SubmissionError only when the file is not readable YAML."""
    text = read_text(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        raise SubmissionError(f"YAML syntax error: {err.problem or err}", str(path),
                              mark.line + 1 if mark else None) from None
    except yaml.YAMLError as err:
        raise SubmissionError(f"YAML error: {err}", str(path)) from None
    except RecursionError:
        raise SubmissionError("the YAML is nested too deeply", str(path)) from None
    reader = _Reader(notation, tuple(targets), limits)
    if root is None or (isinstance(root, yaml.ScalarNode) and root.value.strip() == ""):
        reader.problems.append(Problem(None, "", "the file holds no answers"))
    elif not isinstance(root, yaml.MappingNode):
        reader.problems.append(Problem(root.start_mark.line + 1, snippet(text[:200]),
                                       "expected a mapping of entries to answers, like `X[1,1]: dy[1,1]*k[1]`"))
    else:
        for key, value in root.value:
            reader.item(key, value)
    return ExpressionSubmission(str(path), reader.sorted_answers(), tuple(reader.problems))


class _Reader:
    def __init__(self, notation: Notation, targets: tuple[str, ...], limits: ParseLimits) -> None:
        self.notation, self.targets, self.limits = notation, targets, limits
        self.answers: dict[tuple[str, tuple[int, ...]], Answer] = {}
        self.problems: list[Problem] = []

    def sorted_answers(self) -> tuple[Answer, ...]:
        return tuple(self.answers[k] for k in sorted(self.answers))

    def problem(self, node, message: str, text: str = "") -> None:
        self.problems.append(Problem(node.start_mark.line + 1, snippet(text), message))

    def add(self, answer: Answer, node) -> None:
        self.answers.setdefault((answer.target, answer.index), answer)

    def answered(self, array: ArrayNotation, indices: list, node) -> list:
        """The indices not answered yet; the others are reported, and never parsed twice."""
        # Checked before parsing: a file repeating one YAML alias thousands of times must not
        # cost thousands of parses.
        done = [i for i in indices if (array.name, i) in self.answers]
        if done:
            first = self.answers[(array.name, done[0])]
            label = entry_label(array, done[0]) if len(done) == 1 else f"{len(done)} entries of {array.name}"
            self.problem(node, f"{label} answered twice (first on line {first.line}); the first answer is used",
                         node.value if isinstance(node, yaml.ScalarNode) else "")
        return [i for i in indices if (array.name, i) not in self.answers]

    def item(self, key, value) -> None:
        if not isinstance(key, yaml.ScalarNode):
            self.problem(key, "a key must be an entry like X[2,1] or a target like X")
            return
        found = self.key(key)
        if found is None:
            return
        array, index = found
        if index is None:
            self.whole(array, value)
        else:
            self.entry(array, index, value)

    def key(self, node) -> tuple[ArrayNotation, tuple[int, ...] | None] | None:
        text = node.value
        m = _KEY.match(text)
        asked = ", ".join(f"{t}[...]" if self.notation[t].axes else t for t in self.targets)
        array = self.array(m.group("name")) if m else None
        if array is None:
            self.problem(node, f"unknown key {text!r}: name entries of {', '.join(self.targets)}, "
                               f"1-based, like {asked}", text)
            return None
        if array.name not in self.targets:
            self.problem(node, f"{text!r}: {array.name} is not asked for (asked: {', '.join(self.targets)})", text)
            return None
        raw = m.group("square") if m.group("square") is not None else m.group("braced") or m.group("single")
        if raw is None:
            return array, None
        return self.index(node, array, raw)

    def array(self, name: str) -> ArrayNotation | None:
        for a in self.notation.arrays:
            if a.upstream_of is None and (name in (a.name, a.letter, a.latex) or name.lower() == a.name.lower()):
                return a
        if name.startswith("d") and len(name) > 1:
            return self.array(name[1:])
        return None

    def index(self, node, array: ArrayNotation, raw: str):
        parts = [p.strip() for p in raw.split(",")]
        if not all(p.isdigit() and p.isascii() and len(p) <= 6 for p in parts):
            self.problem(node, f"{node.value!r}: indices must be whole numbers, like {array.name}[1,2]", node.value)
            return None
        index = tuple(int(p) for p in parts)
        if len(index) == 1:
            index = array.digit_index(parts[0]) or index
        if len(index) == len(array.axes) and array.in_range(index):
            return array, array.full_index(index)
        if len(index) == len(array.shape) and len(array.axes) < len(array.shape) \
                and all(1 <= i <= n for i, n in zip(index, array.shape)):
            return array, tuple(i - 1 for i in index)
        runs = ", ".join(f"1..{n}" for n in array.notation_shape)
        self.problem(node, f"{node.value!r} is not an entry of {array.name} (indices run {runs}, 1-based)",
                     node.value)
        return None

    def scalar_text(self, node) -> tuple[str | None, str | None]:
        """(text to parse, error) for a value node that should hold one expression."""
        if not isinstance(node, yaml.ScalarNode):
            return None, "expected one expression here, got a " + ("list" if isinstance(node, yaml.SequenceNode)
                                                                    else "mapping")
        if node.tag == _STR_TAG or node.tag in _NUMBER_TAGS:
            if not node.value.strip():
                return None, "the answer is empty"
            return node.value, None
        if node.tag == "tag:yaml.org,2002:null":
            return None, "the answer is empty"
        return None, f"expected an expression, got {node.value!r}"

    def parse(self, array, index, node) -> Answer:
        text, error = self.scalar_text(node)
        line = node.start_mark.line + 1
        if text is None:
            return Answer(array.name, index, None, error, node.value if isinstance(node, yaml.ScalarNode) else "",
                          line, "plain")
        if node.tag in _NUMBER_TAGS:
            number = exact_number(text)
            if number is not None:
                return Answer(array.name, index, number, None, text, line, "plain")
        try:
            expr, style = parse_with_style(text, self.notation, "auto", self.limits)
        except ParseError as err:
            style = "latex" if "\\" in text else "plain"
            return Answer(array.name, index, None, str(err), text, line, style)
        return Answer(array.name, index, expr, None, text, line, style)

    def entry(self, array: ArrayNotation, index: tuple[int, ...], value) -> None:
        if self.answered(array, [index], value):
            self.add(self.parse(array, index, value), value)

    def whole(self, array: ArrayNotation, value) -> None:
        todo = set(self.answered(array, target_entries(array), value))
        if not todo:
            return
        if isinstance(value, yaml.SequenceNode):
            rows = [item.value if isinstance(item, yaml.SequenceNode) else [item] for item in value.value]
            if all(not isinstance(item, yaml.SequenceNode) for item in value.value):
                rows = [list(value.value)]  # a flat list: one row (a vector)
            paired = split_matrix(array, rows) if rows else f"{array.name}: the list is empty"
            if isinstance(paired, str):
                self.problem(value, paired)
                return
            for index, cell in paired:
                if index in todo:
                    self.add(self.parse(array, index, cell), cell)
            return
        text, error = self.scalar_text(value)
        line = value.start_mark.line + 1
        if text is None:
            self.problem(value, f"{array.name}: {error}")
            return
        try:
            rows, style = parse_matrix_with_style(text, self.notation, "auto", self.limits)
        except ParseError as err:
            style = "latex" if "\\" in text else "plain"
            for index in sorted(todo):
                self.add(Answer(array.name, index, None, str(err), snippet(text), line, style), value)
            return
        paired = split_matrix(array, rows)
        if isinstance(paired, str):
            self.problem(value, paired, text)
            return
        for index, expr in (p for p in paired if p[0] in todo):
            # One string holds every entry; the entry's own text is the expression in the student's notation.
            self.add(Answer(array.name, index, expr, None, self.notation.show(expr, style), line, style), value)
