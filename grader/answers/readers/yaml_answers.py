"""YAML answer files: one key per entry (`X[2,1]: dy[1,1]*k[2] + ...`) or per target (`K: [...]`).

The file is composed (not constructed) with PyYAML's safe loader so every value keeps its line,
duplicate keys are seen instead of silently overwritten, and no YAML tag can build an object.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence, cast

import yaml

from ..parsing.printer import show
from ...spec.notation import ArrayNotation, Notation

if TYPE_CHECKING:
    from ...spec.notation import Style
from ..parsing import ParseError, ParseLimits, Reading, read_answer
from ..parsing import parse_whole
from ._entries import entry_label, exact_number, split_matrix, target_entries
from .answers import Answer, ExpressionSubmission, Problem, SubmissionError, read_text, snippet

# X[2,1], K[1], K[1,1], x_{2,1}, k_1, dX[2,1], dC/dX[2,1]; or a whole target: X, dC/dK.
# A name may hold digits after its first letter (W1[1,1]), as spec names may.
_KEY = re.compile(r"""^\s*(?:d\s*[A-Za-z]\s*/\s*)?(?P<name>[A-Za-z][A-Za-z0-9]*?)\s*
                      (?:\[(?P<square>[^\]]*)\]|_\{(?P<braced>[^}]*)\}|_(?P<single>[0-9]))?\s*$""", re.X)
# libyaml's composer when PyYAML has it (the same nodes and marks, several times faster on a
# large answer file); composing never constructs objects, so no tag can build one either way.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def read_yaml_answers(path, notation: Notation, targets: Sequence[str],
                      limits: ParseLimits = ParseLimits()) -> ExpressionSubmission:
    """Read a YAML answer file. Raises SubmissionError only when no YAML of it can be read.

    One entry whose value YAML cannot read (LaTeX in double quotes, a stray colon) costs that
    entry only: the file is then read one top-level key at a time.
    """
    text = read_text(path)
    reader = _Reader(notation, tuple(targets), limits, text)
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as err:
        items = _items_one_by_one(text, reader)
        if items is None:
            mark = err.problem_mark or err.context_mark
            raise SubmissionError(f"YAML syntax error: {err.problem or err}", str(path),
                                  mark.line + 1 if mark else None) from None
        root = yaml.MappingNode("tag:yaml.org,2002:map", items)
    except yaml.YAMLError as err:
        raise SubmissionError(f"YAML error: {err}", str(path)) from None
    except RecursionError:
        raise SubmissionError("the YAML is nested too deeply", str(path)) from None
    if root is None or (isinstance(root, yaml.ScalarNode) and root.value.strip() == ""):
        reader.problems.append(Problem(None, "", "the file holds no answers"))
    elif not isinstance(root, yaml.MappingNode):
        reader.problems.append(Problem(root.start_mark.line + 1, snippet(text[:200]),
                                       "expected a mapping of entries to answers, like `X[1,1]: dy[1,1]*k[1]`"))
    else:
        for key, value in root.value:
            reader.item(key, value)
    return ExpressionSubmission(str(path), reader.sorted_answers(), tuple(reader.problems))


_TOP_KEY = re.compile(r"^(?![\s#\[{-])([^:\n]+):", re.M)
_DOUBLE_QUOTED_HINT = ("LaTeX in double quotes: YAML reads \\f, \\t, \\n, \\p ... as escapes; write the value "
                       "in single quotes ('\\frac{...}') or as a block after `|`")
# A backslash escape in a double-quoted YAML scalar (not an escaped backslash).
_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\[^\\\"]")


def _items_one_by_one(text: str, reader: "_Reader"):
    """(key, value) nodes of every top-level key YAML can read alone; an unreadable one becomes an
    error for its entry. None when the file is not a mapping of top-level keys at all."""
    starts = [m.start() for m in _TOP_KEY.finditer(text)]
    if not starts:
        return None
    items, read_any = [], False
    for begin, end in zip(starts, starts[1:] + [len(text)]):
        chunk = text[begin:end]
        padding = "\n" * text.count("\n", 0, begin)  # marks keep the file's line numbers
        try:
            node = yaml.compose(padding + chunk, Loader=yaml.SafeLoader)
        except yaml.YAMLError as err:
            reader.unreadable(chunk, text.count("\n", 0, begin) + 1, getattr(err, "problem", None) or str(err))
            continue
        except RecursionError:
            return None
        read_any = True
        if isinstance(node, yaml.MappingNode):
            items.extend(node.value)
    return items if read_any else None

@dataclass(frozen=True)
class _Candidate:
    """One answer given for an entry: a value node, a cell of a list, or a one-string matrix."""

    key: str          # the key as written (a duplicate of the same key is a YAML error)
    key_line: int     # where the key is: what "answered again" and duplicate keys name
    line: int
    kind: str         # "node" | "matrix" | "error"
    node: Any         # the value (or cell) node; for "error", the message


class _Mark:
    """Where a key recovered from unreadable YAML starts (yaml's Mark needs a buffer)."""

    def __init__(self, line: int) -> None:
        self.line = line - 1


class _Reader:
    def __init__(self, notation: Notation, targets: tuple[str, ...], limits: ParseLimits, text: str = "") -> None:
        self.notation, self.targets, self.limits, self.text = notation, targets, limits, text
        self.candidates: dict[tuple[str, tuple[int, ...]], list[_Candidate]] = {}
        self.problems: list[Problem] = []
        self._matrices: dict[int, Answer | dict[tuple[int, ...], tuple[Any, Style]]] = {}
        self.memo: dict = {}  # entries resolved by the direct reader, shared by every answer

    def problem(self, node, message: str, text: str = "") -> None:
        self.problems.append(Problem(node.start_mark.line + 1, snippet(text), message))

    def offer(self, array: ArrayNotation, index: tuple[int, ...], candidate: _Candidate) -> None:
        self.candidates.setdefault((array.name, index), []).append(candidate)

    def unreadable(self, chunk: str, line: int, problem: str) -> None:
        """A top-level key whose value YAML cannot read: an error for its entries only."""
        key_text = chunk.split(":", 1)[0].strip()
        value = chunk.split(":", 1)[1] if ":" in chunk else ""
        hint = f"; {_DOUBLE_QUOTED_HINT}" if value.strip().startswith('"') and "\\" in value else ""
        message = f"YAML cannot read this value ({problem}){hint}"
        found = self.key(yaml.ScalarNode(_STR_TAG, key_text, cast(yaml.Mark, _Mark(line)), cast(yaml.Mark, _Mark(line))))
        if found is None:
            return
        array, index = found
        for i in (target_entries(array) if index is None else [index]):
            self.offer(array, i, _Candidate(key_text, line, line, "error", message))
        if index is None:
            self.problems.append(Problem(line, snippet(chunk), f"{array.name}: {message}"))

    def sorted_answers(self) -> tuple[Answer, ...]:
        """The answer of every entry: the last in reading order, or an error for a duplicate key."""
        answers = {}
        again: dict[tuple[int, int, str], list] = {}
        for (name, index), offered in sorted(self.candidates.items()):
            array = self.notation[name]
            last = offered[-1]
            keys = [c.key for c in offered]
            if len(set(keys)) < len(keys):
                dup = next(k for k in keys if keys.count(k) > 1)
                at = [c.key_line for c in offered if c.key == dup]
                lines = " and ".join(map(str, at)) if len(at) <= 3 else f"{at[0]}, {at[1]} and {len(at) - 2} more"
                answers[(name, index)] = Answer(name, index, None, f"the key {dup!r} appears more than once (lines "
                                                f"{lines}); YAML allows a key once: keep the answer you mean",
                                                "", last.line, "plain")
                continue
            if len(offered) > 1:
                again.setdefault((last.key_line, offered[-2].key_line, name), []).append(index)
            answers[(name, index)] = self.answer(array, index, last)
        for (line, first, name), indices in again.items():
            array = self.notation[name]
            label = entry_label(array, indices[0]) if len(indices) == 1 else f"{len(indices)} entries of {name}"
            self.problems.append(Problem(line, "", f"{label} answered again on line {line} (first on line {first}); "
                                                   f"the last answer counts"))
        return tuple(answers[k] for k in sorted(answers))

    def answer(self, array: ArrayNotation, index: tuple[int, ...], c: _Candidate) -> Answer:
        if c.kind == "error":
            return Answer(array.name, index, None, c.node, "", c.line, "plain")
        if c.kind == "node":
            return self.parse(array, index, c.node)
        parsed = self._matrices.get(id(c.node))
        if parsed is None:
            parsed = self._matrices[id(c.node)] = self.matrix(array, c.node)
        if isinstance(parsed, Answer):
            return Answer(array.name, index, None, parsed.error, parsed.source, parsed.line, parsed.style)
        expr, style = parsed[index]
        # One string holds every entry; the entry's own text is the expression in the student's notation.
        return Answer(array.name, index, expr, None, show(expr, self.notation, style), c.line, style)

    def matrix(self, array: ArrayNotation, value: yaml.Node) -> Answer | dict[tuple[int, ...], tuple[Any, Style]]:
        """entry -> (expr, style) of a one-string matrix, or an Answer carrying the error."""
        text, error = self.scalar_text(value)
        line = value.start_mark.line + 1
        if text is None:
            return Answer(array.name, (), None, f"{array.name}: {error}", "", line, "plain")
        try:
            rows, style, _ = parse_whole(text, self.notation, self.limits)  # also full_conv(dY, rot180(K))
        except ParseError as err:
            return Answer(array.name, (), None, str(err), snippet(text), line, "latex" if "\\" in text else "plain")
        paired = split_matrix(array, rows)
        if isinstance(paired, str):
            return Answer(array.name, (), None, paired, snippet(text), line, style)
        return {index: (expr, style) for index, expr in paired}

    def item(self, key, value) -> None:
        if not isinstance(key, yaml.ScalarNode):
            self.problem(key, "a key must be an entry like X[2,1] or a target like X")
            return
        found = self.key(key)
        if found is None:
            return
        array, index = found
        if index is None:
            self.whole(array, value, key)
        else:
            self.entry(array, index, value, key)

    def key(self, node) -> tuple[ArrayNotation, tuple[int, ...] | None] | None:
        text = node.value
        m = _KEY.match(text)
        asked = ", ".join(f"{t}[...]" if self.notation[t].axes else t for t in self.targets)
        array = self.array(m.group("name")) if m else None
        if m is None or array is None:
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
        zero = ": indices in this exercise start at 1, as in the statement (this key looks 0-based)" \
            if 0 in index else ""
        self.problem(node, f"{node.value!r} is not an entry of {array.name} (indices run {runs}, 1-based){zero}",
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
        if node.style == '"' and _ESCAPE.search(self.raw(node)):
            # "\frac{..}" reaches us as a form feed and "rac{..}": never grade what YAML made of it.
            return Answer(array.name, index, None, _DOUBLE_QUOTED_HINT[0].upper() + _DOUBLE_QUOTED_HINT[1:],
                          self.raw(node), line, "latex")
        if node.tag in _NUMBER_TAGS:
            number = exact_number(text)
            if number is not None:
                return Answer(array.name, index, number, None, text, line, "plain")
        try:
            read = read_answer(text, self.notation, "auto", self.limits, self.memo)
            expr, style = (read, read.style) if isinstance(read, Reading) else read
        except ParseError as err:
            return Answer(array.name, index, None, str(err), text, line, "latex" if "\\" in text else "plain")
        return Answer(array.name, index, expr, None, text, line, style)

    def raw(self, node) -> str:
        """The value as written in the file (before YAML's escapes)."""
        return self.text[node.start_mark.index:node.end_mark.index] if self.text else node.value

    def entry(self, array: ArrayNotation, index: tuple[int, ...], value, key) -> None:
        self.offer(array, index,
                   _Candidate(key.value, key.start_mark.line + 1, value.start_mark.line + 1, "node", value))

    def whole(self, array: ArrayNotation, value, key) -> None:
        if isinstance(value, yaml.SequenceNode):
            rows = [item.value if isinstance(item, yaml.SequenceNode) else [item] for item in value.value]
            if all(not isinstance(item, yaml.SequenceNode) for item in value.value):
                rows = [list(value.value)]  # a flat list: one row (a vector)
            paired = split_matrix(array, rows) if rows else f"{array.name}: the list is empty"
            if isinstance(paired, str):
                self.problem(value, paired)
                return
            for index, cell in paired:
                self.offer(array, index, _Candidate(key.value, key.start_mark.line + 1,
                                                    cast(yaml.Node, cell).start_mark.line + 1, "node", cell))
            return
        # An array written without indices (a scalar bias b) has one entry: its text is that entry's
        # expression, not a matrix.
        kind = "matrix" if array.axes else "node"
        for index in target_entries(array):
            self.offer(array, index, _Candidate(key.value, key.start_mark.line + 1, value.start_mark.line + 1,
                                                kind, value))
