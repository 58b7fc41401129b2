"""`grader new`: a commented spec skeleton that validates (and self-tests) as written.

The op list is the op library's registry, and the example shapes of an op are found by asking
the library which small shapes it accepts, so an op added to `reference/ops.py` gets a skeleton
without any change here.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from itertools import product
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy as np

from reference import ops
from reference.graph import Graph, GraphError, Node

from ..errors import GraderError

if TYPE_CHECKING:
    from .load import Exercise

DEFAULT_OP = "correlate2d"
INPUT_NAMES = ("X", "K", "B", "D")
# Small shapes tried, in order, for each input of an op; the first combination the op accepts
# is the skeleton's. Small, so that the sample answers stay readable.
CANDIDATE_SHAPES = ((3, 3), (2, 2), (3,), (2, 3), (2,), (2, 1), (1, 3, 3), (1, 2, 2), (1, 1, 2, 2), (4, 4))
# Values tried for a parameter that has no default.
PARAM_CANDIDATES = (None, [-1], 2, 1)  # None: the default, when the op has one (transpose)
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def op_kinds() -> list[str]:
    """Every op an exercise graph may use, from the op library's registry."""
    return sorted(ops.OPS)


@dataclass(frozen=True)
class Example:
    """A one-node exercise for an op: input shapes, parameters, and per input whether it is data
    (a label, never differentiated) and the values the spec must fix (None: free)."""

    shapes: tuple[tuple[int, ...], ...]
    params: dict[str, Any]
    data: tuple[bool, ...]
    values: tuple[object, ...]


def example(op: str) -> Example:
    """A small exercise the op accepts, chosen to be readable: about four output entries (so that
    paths can meet), then as few input entries and axes as possible.

    Raises GraderError for an unknown op or when no candidate fits."""
    if op not in op_kinds():
        raise GraderError(f"unknown op {op!r}; known ops: {', '.join(op_kinds())}")
    spec = ops.OPS[op]
    # A parameter without a default (reshape's target shape) gets the first candidate that works.
    required = [name for name, default in spec.params.items() if default is None]
    for arity in sorted(spec.arity):
        names = INPUT_NAMES[:arity]
        accepted = []
        for params in _param_choices(required):
            for shapes in product(CANDIDATE_SHAPES, repeat=arity):
                try:
                    graph = Graph.build(dict(zip(names, shapes)), [Node(op, names, "Y", params)], "Y")
                except (GraphError, ValueError):
                    continue
                outputs = int(np.prod(graph.shape("Y")))
                accepted.append((abs(outputs - 4), sum(int(np.prod(s)) for s in shapes), sum(map(len, shapes)),
                                 shapes, params, graph))
            if accepted:
                break
        if accepted:
            *_, shapes, params, graph = min(accepted, key=lambda a: a[:3])
            return Example(shapes, params, *_data_and_values(graph.nodes[0], shapes))
    raise GraderError(f"found no small input shapes that {op} accepts; start from an exercise with --from")


def example_shapes(op: str) -> tuple[tuple[int, ...], ...]:
    return example(op).shapes


def _param_choices(required: list[str]) -> list[dict[str, Any]]:
    if not required:
        return [{}]
    return [{name: value for name in required} for value in PARAM_CANDIDATES]


def _data_and_values(built: object, shapes: Sequence[tuple[int, ...]]) -> tuple[tuple[bool, ...], tuple[object, ...]]:
    """Which inputs are labels (the op's domain says one-hot or index) and which values the spec
    must fix (the op needs them for an exact answer, as max pooling does to know who wins)."""
    op = getattr(built, "op", None)  # an op library with typed ops says this per input
    data: list[bool] = []
    values: list[object] = []
    for k, shape in enumerate(shapes):
        domain = op.domain(k) if op is not None and hasattr(op, "domain") else None
        kind = getattr(domain, "kind", "real")
        size = int(np.prod(shape))
        if kind in ("one-hot", "index"):
            rows = size // shape[-1] if shape else 1
            labels: np.ndarray
            if kind == "one-hot":
                labels = np.zeros((rows, shape[-1] if shape else 1), dtype=int)
                labels[np.arange(rows), np.arange(rows) % labels.shape[1]] = 1
            else:
                labels = np.arange(size) % max(1, int(getattr(domain, "classes", 1) or 1))
            data.append(True)
            values.append(labels.reshape(shape).tolist())
        elif op is not None and hasattr(op, "needs_values") and op.needs_values(k):
            # Distinct values: no ties, so the answer is exact.
            data.append(False)
            values.append(np.arange(size, 0, -1).reshape(shape).tolist())
        else:
            data.append(False)
            values.append(None)
    return tuple(data), tuple(values)


def new_spec(name: str, from_exercise: Exercise | None = None, op: str | None = None) -> str:
    """The text of a new spec with id `name`: a copy of `from_exercise` (an Exercise), or a
    skeleton for `op`. Raises GraderError for a bad name or op."""
    if not _ID.match(name):
        raise GraderError(f"{name!r} cannot be an exercise id: use lowercase letters, digits and dashes")
    if from_exercise is not None and op is not None:
        raise GraderError("--from copies an exercise with its own graph; --op makes a new one: choose one")
    if from_exercise is not None:
        return _copy(name, from_exercise)
    return _skeleton(name, op or DEFAULT_OP)


def _copy(name: str, exercise: Exercise) -> str:
    if not exercise.source:
        raise GraderError(f"the spec text of {exercise.id} is not available to copy")
    text, count = re.subn(r"(?m)^id:.*$", f"id: {name}", exercise.source, count=1)
    if not count:
        raise GraderError(f"{exercise.path} has no top-level id line to replace")
    return f"# Started from {exercise.id} with `grader new {name} --from {exercise.id}`.\n{text}"


def _skeleton(name: str, op: str) -> str:
    from .load import parse_exercise

    chosen = example(op)
    shapes = chosen.shapes
    names = INPUT_NAMES[:len(shapes)]
    graph = Graph.build(dict(zip(names, shapes)), [Node(op, names, "Y", chosen.params)], "Y")
    scalar = graph.shape("Y") == ()
    asked = [n for n, data in zip(names, chosen.data) if not data]
    lines = [
        f"# A new exercise: Y = {op}({', '.join(names)}). Made by `grader new {name} --op {op}`.",
        "# Check it with `grader validate --self-test <this file>`; the fields are in docs/exercise-format.md,",
        "# a walk-through in docs/authoring.md.",
        f"id: {name}                      # what users type: grader show {name}",
        f"title: \"Backpropagation through {op}\"",
        "language: en",
        "statement:                       # Markdown with LaTeX maths; add `he: |` for a Hebrew text",
        "  en: |",
        f"    ${'Y'} = \\operatorname{{{op}}}({', '.join(names)})$, with "
        + ", ".join(f"${n}$ of shape ${_shape_tex(s)}$" for n, s in zip(names, shapes)) + ".",
        "    " + ("The loss is $C = Y$." if scalar else
                  "The loss is $C$ and $\\frac{\\partial C}{\\partial y}$ is given for every entry of $Y$."),
        "    Find " + " and ".join(f"$\\frac{{\\partial C}}{{\\partial {n}}}$" for n in asked) + ", entry by entry.",
        "inputs:                          # name: shape (numpy order) and the letter used in answers",
    ]
    for n, s, data, values in zip(names, shapes, chosen.data, chosen.values):
        extra = (", data: true" if data else "") + (f", values: {json.dumps(values)}" if values is not None else "")
        lines.append(f"  {n}: {{shape: {list(s)}, symbol: {n.lower()}{extra}}}")
    params = f", params: {json.dumps(chosen.params)}" if chosen.params else ""
    lines += [
        "graph:                           # the forward computation, in order; params: see the op table",
        f"  - {{op: {op}, inputs: [{', '.join(names)}], output: Y{params}}}",
        "output: {name: Y, symbol: y}",
    ]
    if not scalar:
        lines.append("upstream: {name: dY, symbol: dy}  # dC/dY is given; answers write dy[i,j]")
    lines.append("targets:                         # what is asked, with points; per_entry: partial credit")
    for n, p in zip(asked, _points(len(asked))):
        lines.append(f"  {n}: {{points: {p}, per_entry: true}}")
    lines.append("functions:                       # what a .py submission defines")
    args = ", ".join([*names, *([] if scalar else ["dY"])])
    for n in asked:
        lines.append(f"  grad_{n}: {{args: [{args}], returns: {n}}}")
    lines += [
        "trials: {count: 5, seed: 0}",
        "# variants:                       # one variant per student (grader show ... --variant ID):",
        "#   N: {min: 3, max: 5}            # then write \"{{N}}\" in a shape and {{N}} in the statement",
        "self_test:                        # sample answers with the score you expect",
        "  - name: the reference answer",
        "    answers:",
    ]
    draft = "\n".join(lines[:-1] + ["    answers: {}", "    expect: {score: 0}"]) + "\n"
    exercise = parse_exercise(draft, f"{name}.yaml")
    for key, value in _reference_answers(exercise):
        lines.append(f"      {key}: {json.dumps(value, ensure_ascii=False)}")
    lines.append(f"    expect: {{score: {_number(exercise.max_score)}, exit: 0}}")
    if not _self_tests_pass("\n".join(lines) + "\n", name):
        # Say so rather than ship a sample that fails (no op of the library needs this today:
        # ReLU's step reads back as 1[z > 0]; a new op whose derivative no parser reads would).
        start = lines.index("self_test:                        # sample answers with the score you expect")
        lines[start + 1:] = ["# " + line for line in lines[start + 1:]]
        lines[start] = ("# self_test: the reference answer of this op is not graded as exact today; "
                        "write your own samples")
    lines += [
        "  # - name: a wrong answer you expect to see",
        "  #   answers: {\"X[1,1]\": \"0\"}",
        "  #   expect: {exit: 1}",
    ]
    return "\n".join(lines) + "\n"


def _self_tests_pass(text: str, name: str) -> bool:
    from .selftest import run_self_tests
    from .load import parse_exercise

    return all(r.ok for r in run_self_tests(parse_exercise(text, f"{name}.yaml"), seeds=(0,)))


def _reference_answers(exercise: Exercise) -> Iterator[tuple[str, str]]:
    """Per entry, the reference gradient in plain notation (as `grader explain` writes it)."""
    from ..explain.maths import show

    for target in exercise.targets:
        array = exercise.notation[target.name]
        for full in target.entries:
            idx = ",".join(map(str, array.notation_index(full)))
            key = f"{target.name}[{idx}]" if idx else target.name
            yield key, show(exercise.solution[target.name][full].expr, exercise.notation).plain


def _shape_tex(shape: Sequence[int]) -> str:
    return "\\times".join(map(str, shape)) if len(shape) > 1 else f"{shape[0]}"


def _points(count: int) -> list[Any]:
    return [6, 4][:count] if count <= 2 else [2] * count


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
