"""The forward part of a worked solution: each node's equations, entry by entry, and the
general formula they follow (found and checked by `patterns.py`, never assumed per op)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import sympy

from reference.graph import Graph
from reference.symbolic import forward

from .maths import Maths, entry, free_names, show, summation, total
from .patterns import SUM_ABOVE, box, fit_factors

if TYPE_CHECKING:
    from .model import Section

# Forward equations written out one by one, at most; the general formula covers the rest.
FORWARD_SHOWN = 12
OUTPUT_INDEX_NAMES = "ijlo"
KERNEL_INDEX_NAMES = "pqrs"


def node_values(exercise, notation) -> dict[str, np.ndarray]:
    """Each node's output entries as sympy expressions of that node's own inputs (an intermediate
    array stays a symbol: z_{1} in `y_{1} = \\sigma(z_{1})`)."""
    values = {}
    for built in exercise.graph.nodes:
        node = built.node
        shapes = {name: exercise.graph.shape(name) for name in dict.fromkeys(node.inputs)}
        single = Graph.build(shapes, [node], node.output)
        # Fixed indices (an embedding's rows, index labels) say which entries a node reads.
        fixed = {name: exercise.fixed[name] for name in shapes if name in exercise.data_inputs and name in exercise.fixed}
        values[node.output] = forward(single, lambda name, index: notation[name].symbol(index), node.output, fixed)
    return values


def forward_section(exercise, notation, values, needed=None, given=None) -> "Section":
    """Each node's equations and general formula; with `needed` (array name -> 0-based indices,
    for `grader explain --entry`) only the equations on those entries' paths. An
    intermediate array the given values fix is stated before the first node that reads it
    (that node's branch depends on it)."""
    from .model import Equation, Prose, Section

    items: list = []
    stated: set[str] = set()
    for built in exercise.graph.nodes:
        node = built.node
        indices = [f for f in np.ndindex(*built.shape) if needed is None or f in needed.get(node.output, ())]
        if not indices:
            continue
        for name in dict.fromkeys(node.inputs):
            said = given.statement(name) if given is not None and name not in stated else None
            if said is not None:
                stated.add(name)
                items.append(said)
        out = notation[node.output]
        inputs = Maths(", ".join(node.inputs), ", ".join(node.inputs))
        items.append(Prose("xp.node", (("output", Maths(node.output, node.output)), ("op", node.op),
                                       ("inputs", inputs))))
        forward_values = values[node.output]
        for full in indices[:FORWARD_SHOWN]:
            items.append(Equation((entry(out, full), show(forward_values[full], notation))))
        if len(indices) > FORWARD_SHOWN:
            items.append(Prose("xp.more_forward", (("count", len(indices) - FORWARD_SHOWN),)))
        general = general_formula(notation, out, forward_values)
        # An entry's own equations say all it needs, unless they are too many to write out.
        if general is not None and (needed is None or len(indices) > FORWARD_SHOWN):
            lhs, rhs, ranges = general
            items.append(Prose("xp.general", (("ranges", ranges),)))
            items.append(Equation((lhs, rhs)))
    return Section(Prose("xp.forward"), tuple(items))


def _terms(notation, expr) -> list[tuple[sympy.Expr, list]]:
    """The terms of an output entry, each as (skeleton, factors), in a canonical order: the
    skeleton has its entry symbols replaced by placeholders _0, _1, ... (in index order)."""
    order = {a.letter: position for position, a in enumerate(notation.arrays)}
    terms = []
    for term in sympy.Add.make_args(expr):
        found = []
        for s in term.free_symbols:
            entry = notation.entry(s)
            if entry is None:
                return []
            array, index = notation.written(entry)
            found.append((order[array.letter], index, array.letter, s))
        found.sort(key=lambda f: (f[0], f[1]))
        skeleton = term.xreplace({f[3]: sympy.Symbol(f"_{k}") for k, f in enumerate(found)})
        terms.append((skeleton, [(f[2], f[1]) for f in found]))
    terms.sort(key=lambda t: [(order[letter], index) for letter, index in t[1]])
    return terms


def general_formula(notation, out, forward_values) -> tuple[Maths, Maths, Maths] | None:
    """`y_{i,j} = x_{i,j}k_1 + x_{i+1,j}k_2` with its ranges, when every output entry follows it."""
    if not out.shape or forward_values.size < 2:
        return None
    fulls = list(np.ndindex(*out.shape))
    points = [out.notation_index(f) for f in fulls]
    per_output = [_terms(notation, forward_values[f]) for f in fulls]
    if not per_output[0] or any(len(t) != len(per_output[0]) for t in per_output):
        return None
    if any([s for s, _ in t] != [s for s, _ in per_output[0]] for t in per_output):
        return None
    names = free_names(notation, OUTPUT_INDEX_NAMES, len(points[0]))
    if names is None:
        return None
    rhs = None
    if len(per_output[0]) > SUM_ABOVE:
        rhs = _summed(notation, points, per_output, names)
    if rhs is None:
        shown = []
        for position, (skeleton, _) in enumerate(per_output[0]):
            fitted = fit_factors(points, [t[position][1] for t in per_output])
            if fitted is None:
                return None
            shown.append(_fill(notation, skeleton, fitted, names))
        rhs = total(shown)
    index = ",".join(names)
    lhs = Maths(f"{out.letter}[{index}]", f"{out.latex}_{{{index}}}")
    ranges = ", ".join(f"{name} = 1..{n}" for name, n in zip(names, out.notation_shape))
    return lhs, rhs, Maths(ranges, ranges.replace("..", "\\ldots "))


def _summed(notation, points, per_output, names) -> Maths | None:
    """y_{i,j} = sum_{p,q} x_{i+p-1,j+q-1} k_{p,q}: one skeleton for every term, and one factor
    (the driver) whose indices run over the same box for every output."""
    skeletons = {s for t in per_output for s, _ in t}
    if len(skeletons) != 1:
        return None
    skeleton = next(iter(skeletons))
    for driver in range(len(per_output[0][0][1])):
        boxes = [box([f[driver][1] for _, f in terms]) for terms in per_output]
        if boxes[0] is None or any(b != boxes[0] for b in boxes):
            continue
        ranges = boxes[0]
        inner = free_names(notation, KERNEL_INDEX_NAMES, len(ranges))
        if inner is None:
            return None
        combined, factors = [], []
        for point, terms in zip(points, per_output):
            for _, f in terms:
                driven = f[driver][1]
                combined.append(tuple(point) + tuple(driven[axis] for axis, _, _ in ranges))
                factors.append(f)
        fitted = fit_factors(combined, factors)
        if fitted is None:
            continue
        body = _fill(notation, skeleton, fitted, list(names) + inner)
        return summation(body, [(name, lo, hi) for name, (_, lo, hi) in zip(inner, ranges)])
    return None


def _fill(notation, skeleton, fitted, names) -> Maths:
    """The skeleton with its placeholders replaced by pattern entries such as x[i+1,j]."""
    replacements, latex = {}, {}
    for k, (letter, axes) in enumerate(fitted):
        array = notation.by_letter(letter)
        index = ",".join(a.show(names) for a in axes)
        plain = f"{letter}[{index}]" if index else letter
        symbol = sympy.Symbol(plain)
        replacements[sympy.Symbol(f"_{k}")] = symbol
        latex[plain] = f"{array.latex}_{{{index}}}" if index else array.latex
    return show(skeleton.xreplace(replacements), notation, latex)
