"""What a spec says beyond the graph's shapes: fixed values, data inputs and named intermediates.

    inputs:
      X: {shape: [2, 2], symbol: x, values: [[1, 3], [4, 2]]}   # fixed: max pooling knows who wins
      T: {shape: [3], symbol: t, data: true, values: [0, 1, 0]}  # a label: never differentiated
    intermediates:
      P: {symbol: p}                                 # a node's output, written p[i] in answers
      xhat: {symbol: xh, of: Y, part: xhat}          # an array an op computes inside (batch norm)

A data input is not differentiated; where the spec fixes its values, the reference uses those
numbers. Answers may use intermediate symbols: before comparing, each is replaced by its
definition (and each fixed data entry by its value), so `p[1] - t[1]` and the same in
exponentials grade alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Mapping

import numpy as np

from reference.graph import Graph

from .notation import ArrayNotation

Problem = Callable[[tuple[Any, ...], str], None]


@dataclass(frozen=True)
class Intermediate:
    name: str  # how the spec names it
    of: str  # the node output it is, or whose op computes it
    part: str | None  # the op's internal array (None: the node output itself)
    shape: tuple[int, ...]


def fixed_values(inputs: Mapping[str, Any], problem: Problem) -> dict[str, np.ndarray]:
    """The `values:` of every input that has them, as float arrays of the declared shape."""
    fixed = {}
    for name, spec in inputs.items():
        if "values" not in spec:
            continue
        try:
            arr = np.array(spec["values"], dtype=float)
        except (TypeError, ValueError):
            problem(("inputs", name, "values"), "values must be numbers in nested lists (one list per axis)")
            continue
        if arr.shape != tuple(spec["shape"]):
            problem(("inputs", name, "values"), f"values have shape {list(arr.shape)}, but {name} has shape {spec['shape']}")
        elif not np.all(np.isfinite(arr)):
            problem(("inputs", name, "values"), "values must be finite numbers")
        else:
            fixed[name] = arr
    return fixed


def check_inputs(data: Mapping[str, Any], graph: Graph, fixed: Mapping[str, np.ndarray], problem: Problem) -> None:
    """Data inputs are not targets; labels are data and valid; ops that route by value
    (max pooling, index labels) have every value they depend on."""
    inputs = data["inputs"]
    for name in data["targets"]:
        if inputs.get(name, {}).get("data"):
            problem(("targets", name), f"{name} is a data input (data: true): it is not differentiated, so it cannot be a target")
    for position, built in enumerate(graph.nodes):
        for k, name in enumerate(built.node.inputs):
            domain = built.op.domain(k)
            if domain.kind in ("one-hot", "index") and name in inputs:
                if not inputs[name].get("data"):
                    problem(("inputs", name), f"{name} is a {domain.kind} target of {built.node.op}: declare it `data: true`")
                if name in fixed and not _valid_labels(fixed[name], domain.kind, domain.classes):
                    problem(("inputs", name, "values"), f"{name} must hold {domain.kind} labels"
                            + (f" (whole numbers 0..{domain.classes - 1})" if domain.kind == "index" else " (one 1 per row, zeros elsewhere)"))
            if built.op.needs_values(k):
                missing = [n for n in _depends_on(graph, name) if n not in fixed]
                if missing:
                    problem(("graph", position), f"{built.node.op} needs the values of {', '.join(missing)} "
                                                 f"(`values:` in inputs) to give an exact answer")


def _valid_labels(values: np.ndarray, kind: str, classes: int) -> bool:
    if kind == "index":
        return bool(np.all((values == np.round(values)) & (values >= 0) & (values < classes)))
    rows = values.reshape(-1, values.shape[-1]) if values.ndim else values.reshape(1, 1)
    return bool(np.all((rows == 0) | (rows == 1)) and np.all(rows.sum(axis=1) == 1))


def _depends_on(graph: Graph, name: str) -> list[str]:
    """The graph inputs an array is computed from (itself for an input)."""
    if name in graph.inputs:
        return [name]
    built = next(b for b in graph.nodes if b.node.output == name)
    found: list[str] = []
    for n in built.node.inputs:
        found.extend(x for x in _depends_on(graph, n) if x not in found)
    return found


def intermediates(data: Mapping[str, Any], graph: Graph, taken: set[str],
                  problem: Problem) -> tuple[list[Intermediate], list[ArrayNotation]]:
    """The spec's named intermediates and their notation (written with every axis)."""
    found, arrays = [], []
    nodes = {b.node.output: b for b in graph.nodes}
    for name, spec in data.get("intermediates", {}).items():
        where = ("intermediates", name)
        of, part = spec.get("of", name), spec.get("part")
        if of not in nodes:
            problem(where, f"{of!r} is not computed by a node; intermediates name node outputs ({', '.join(nodes)})")
            continue
        if part is None:
            if of != name:
                problem(where, "without `part`, an intermediate is the node output of the same name; drop `of`")
                continue
            if of == graph.output:
                problem(where, f"{of} is the output, which already has a symbol")
                continue
            shape = nodes[of].shape
        else:
            shapes = nodes[of].op.internal_shapes()
            if part not in shapes:
                known = ", ".join(shapes) or "none"
                problem(where, f"{nodes[of].node.op} computes no {part!r}; its named parts: {known}")
                continue
            if name in taken:
                problem(where, f"the name {name!r} is already used")
                continue
            shape = tuple(shapes[part])
        found.append(Intermediate(name, of, part, shape))
        arrays.append(ArrayNotation(name, spec["symbol"], shape, tuple(range(len(shape))), spec.get("latex", spec["symbol"])))
    return found, arrays


def exact_value(value: float) -> Any:
    """A fixed value as an exact sympy number: 0.1 in the spec means 1/10, as written."""
    import sympy

    f = Fraction(repr(float(value)))
    return sympy.Rational(f.numerator, f.denominator)


def conventions(graph: Graph, lang: str) -> list[str]:
    """What the exercise's ops ask a student to know (relu'(0) = 0, max-pool ties), once each."""
    found: list[str] = []
    for built in graph.nodes:
        texts = built.op.conventions
        text = texts.get(lang) or texts.get("en")
        if text and text not in found:
            found.append(text)
    return found
