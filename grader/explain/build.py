"""Build a worked solution: forward equations, the chain rule per entry, the compact form."""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np
import sympy

from ..errors import GraderError
from ..spec.notation import Entry
from .compact import compact_forms
from .forward import forward_section, node_values
from .given import Given
from .model import Equation, Explanation, Maths, Prose, Section
from .maths import as_expr, entry, extended_notation, free_names, loss_by, partial, product, show, summation, times, total
from .patterns import SUM_ABOVE, box, fit_factors

# Paths named one by one in the prose, at most.
NAMED_PATHS = 8
# Entries of an intermediate array written out, at most.
INTERMEDIATE_SHOWN = 12
SUM_VARIABLES = "nmrst"


def parse_entry(exercise, text: str) -> Entry:
    """The entry a user names: `X[2,1]`, `x[2,1]` or `K[1]`. Raises GraderError."""
    m = re.fullmatch(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]\s*", text)
    if m:
        for target in exercise.targets:
            array = exercise.notation[target.name]
            if m.group(1) in (target.name, array.letter):
                index = tuple(int(i) for i in m.group(2).split(","))
                full = array.full_index(index) if array.in_range(index) else None
                if full is None and len(index) == len(array.shape) and all(
                        1 <= i <= n for i, n in zip(index, array.shape)):
                    full = tuple(i - 1 for i in index)
                if full is not None and full in target.entries:
                    return Entry(target.name, full)
                raise GraderError(f"{text.strip()} is not an entry asked for in {exercise.id} "
                                  f"(written indices of {target.name} run over {list(array.notation_shape)})")
    names = ", ".join(f"{t.name}[...]" for t in exercise.targets)
    raise GraderError(f"cannot read the entry {text.strip()!r}: write it like {names}, with 1-based indices")


def explain(exercise, entries: Sequence[Entry] | None = None) -> Explanation:
    """The worked solution of an exercise (of its variant), for every requested entry or only
    `entries` (from `parse_entry`): then only what those entries need, the forward equations
    and backward steps on their paths."""
    notation = extended_notation(exercise)
    values = node_values(exercise, notation)
    given = Given(exercise, notation, values)
    needed = None if entries is None else _on_paths(exercise, notation, values, entries)
    sections = [forward_section(exercise, notation, values, needed, given), _chain_rule_section(exercise, notation)]
    sections += _intermediate_sections(exercise, notation, values, needed)
    for target in exercise.targets:
        items: list = []
        for full in target.entries:
            if needed is None or full in needed.get(target.name, ()):
                explained = _entry_items(exercise, notation, values, given, target.name, full)
                # Why paths meet is said once per target, at its first entry where they do.
                if any(isinstance(i, Prose) and i.key == "xp.paths_meet" for i in items):
                    explained = [i for i in explained if not (isinstance(i, Prose) and i.key == "xp.paths_meet")]
                items.extend(explained)
        if items:
            sections.append(Section(Prose("xp.target", (("target", loss_by(notation[target.name], None,
                                                                            notation.loss)),)), tuple(items)))
    # The compact form is about a whole target: one entry does not need it.
    forms = compact_forms(exercise, notation, None) if entries is None else []
    if forms:
        sections.append(Section(Prose("xp.compact"), tuple(forms)))
    variant = exercise.variant
    return Explanation(exercise.id, exercise.title, variant.id if variant else None,
                       variant.describe() if variant else "", tuple(sections))


def _on_paths(exercise, notation, values, entries: Sequence[Entry]) -> dict[str, set[tuple[int, ...]]]:
    """The requested entries and every entry downstream of them (array name -> 0-based
    indices): what their chain rule goes through, and nothing else."""
    needed: dict[str, set[tuple[int, ...]]] = {}
    for chosen in entries:
        needed.setdefault(chosen.array, set()).add(chosen.index)
    for built in exercise.graph.nodes:
        read = {notation[name].symbol(full) for name in built.node.inputs for full in needed.get(name, ())}
        if not read:
            continue
        forward_values = values[built.node.output]
        reached = {p for p in np.ndindex(*built.shape) if read & forward_values[p].free_symbols}
        if reached:
            needed.setdefault(built.node.output, set()).update(reached)
    return needed


def _chain_rule_section(exercise, notation) -> Section:
    out = notation[exercise.graph.output]
    loss = notation.loss
    if exercise.upstream is None:
        return Section(Prose("xp.chain"), (Prose("xp.chain.scalar", (("output", Maths(out.letter, out.latex)),
                                                                     ("loss", Maths(loss, loss)))),))
    given = Maths(notation.derivative(out.name), notation.derivative(out.name, "latex"))
    return Section(Prose("xp.chain"), (Prose("xp.chain.rule", (("upstream", given),)),))


def _intermediate_sections(exercise, notation, values, needed) -> list[Section]:
    """dC/dz for every array between the inputs and the output, last first, as the backward
    pass computes them; the target entries below use these."""
    sections = []
    graph = exercise.graph
    asked = {t.name for t in exercise.targets}
    for built in reversed(graph.nodes[:-1]):
        name = built.node.output
        if name in asked:
            continue  # derived with the targets, once
        array = notation[name]
        consumers = [b for b in graph.nodes if name in b.node.inputs]
        items: list = []
        indices = [f for f in np.ndindex(*built.shape) if needed is None or f in needed.get(name, ())]
        if not indices:
            continue
        for full in indices[:INTERMEDIATE_SHOWN]:
            lhs = loss_by(array, full, notation.loss)
            steps = _through_nodes(exercise, notation, values, consumers, name, full, entry(array, full))
            items.append(Equation(tuple(dict.fromkeys([lhs, *steps]))))
        if len(indices) > INTERMEDIATE_SHOWN:
            items.append(Prose("xp.more_backward", (("count", len(indices) - INTERMEDIATE_SHOWN),)))
        sections.append(Section(Prose("xp.target", (("target", loss_by(array, None, notation.loss)),)),
                                tuple(items)))
    return sections


def _entry_items(exercise, notation, values, given, target: str, full: tuple[int, ...]) -> list:
    array = notation[target]
    reference = exercise.solution[target][full]
    lhs = loss_by(array, full, notation.loss)
    me = entry(array, full)
    if not reference.paths:
        return [Equation((lhs, Maths("0", "0"))), *given.why_zero(target, full)]
    consumers = [b for b in exercise.graph.nodes if target in b.node.inputs]
    direct = len(exercise.graph.nodes) == 1
    out = notation[exercise.graph.output]
    items: list = []
    if direct:
        steps = [_through_output(exercise, notation, reference, me, with_locals=False)]
    else:
        steps = _through_nodes(exercise, notation, values, consumers, target, full, me)
        via = [b.node.output for b in consumers if b.node.output in {t.name for t in exercise.targets}]
        if via:
            # A step naming the loss's derivative by an entry of another target cannot be told
            # from the start of that target's own equation: the prose names the path instead.
            steps = []
            items.append(Prose("xp.via", (("entry", me), ("via", _reached(notation, values, consumers, target, full)))))
    answer = _through_output(exercise, notation, reference, me, with_locals=True)
    # A target that is a node output (dL/dy between layers) would repeat its own label as the
    # loss's local derivative: the same LaTeX, read as a second equation.
    sides = [lhs, *[s for s in steps if s is not None and s.tex != lhs.tex], answer]
    items.append(Equation(tuple(dict.fromkeys(sides))))
    outputs = [entry(out, p.upstream) if p.upstream is not None else Maths(out.letter, out.latex)
               for p in reference.paths]
    count = len(outputs)
    if exercise.upstream is None:
        if not any(isinstance(i, Prose) and i.key == "xp.via" for i in items):
            items.append(Prose("xp.scalar_path", (("entry", me),)))
    elif count == 1:
        # "Read by" is said of the node that reads the entry; through nodes in between, "reaches".
        items.append(Prose("xp.one_path" if direct else "xp.one_path_via", (("entry", me), ("output", outputs[0]),
                                           ("local", show(reference.paths[0].local, notation)))))
    else:
        named = _named_outputs(exercise, notation, reference, outputs)
        items.append(Prose("xp.paths" if direct else "xp.paths_via", (("entry", me), ("count", count),
                                                                       ("outputs", named))))
        items.append(Prose("xp.paths_meet", (("entry", me),)))
    if any(p.local.has(sympy.Heaviside) for p in reference.paths):
        items.append(Prose("xp.relu_prime"))
    return items


def _named_outputs(exercise, notation, reference, outputs: list[Maths]) -> Maths:
    """The outputs an entry reaches: listed, or as a pattern over a box when there are many."""
    if len(outputs) <= NAMED_PATHS:
        return Maths(", ".join(o.plain for o in outputs), ", ".join(o.tex for o in outputs))
    out = notation[exercise.graph.output]
    points = [out.notation_index(p.upstream) for p in reference.paths]
    ranges = box(points)
    names = free_names(notation, SUM_VARIABLES, len(ranges)) if ranges is not None else None
    if ranges is None or names is None:
        return Maths(", ".join(o.plain for o in outputs), ", ".join(o.tex for o in outputs))
    varying = {axis: name for (axis, _, _), name in zip(ranges, names)}
    written = [varying.get(axis, str(points[0][axis])) for axis in range(len(points[0]))]
    bounds = ", ".join(f"{name} = {lo}..{hi}" for (_, lo, hi), name in zip(ranges, names))
    index = ",".join(written)
    return Maths(f"{out.letter}[{index}] ({bounds})", f"{out.latex}_{{{index}}}\\ ({bounds})")


def _through_output(exercise, notation, reference, me: Maths, with_locals: bool) -> Maths:
    """Sum over the reference's paths of dC/dy_p * (dy_p/dx, or its value); a sum over a box of
    outputs when the paths are many and regular."""
    out = notation[exercise.graph.output]
    up = notation[exercise.upstream] if exercise.upstream else None
    if len(reference.paths) > SUM_ABOVE and up is not None:
        summed = _as_sum(notation, reference, up, out, me, with_locals)
        if summed is not None:
            return summed
    terms = []
    for path in reference.paths:
        y = entry(out, path.upstream) if path.upstream is not None else Maths(out.letter, out.latex)
        upstream = [loss_by(up, path.upstream, notation.loss)] if up is not None else []
        if not with_locals:
            terms.append(product(*upstream, partial(y, me)))
        else:
            terms.append(times(upstream, path.local, notation))
    return total(terms)


def _as_sum(notation, reference, up, out, me: Maths, with_locals: bool) -> Maths | None:
    points = [up.notation_index(p.upstream) for p in reference.paths]
    ranges = box(points)
    if ranges is None:
        return None
    locals_ = [p.local for p in reference.paths]
    if with_locals:
        factors: list[list[tuple[str, tuple[int, ...]]]] = []
        coefficient = None
        for local in locals_:
            c, rest = as_expr(local).as_coeff_Mul()
            if coefficient is not None and c != coefficient:
                return None
            coefficient = c
            if rest == 1:
                factors.append([])
            elif isinstance(rest, sympy.Symbol) and (entry := notation.entry(rest)) is not None:
                array, index = notation.written(entry)
                factors.append([(array.letter, index)])
            else:
                return None
        fitted = fit_factors(points, factors)
        if fitted is None:
            return None
    names = free_names(notation, SUM_VARIABLES, len(ranges))
    if names is None:
        return None
    variables = {axis: name for (axis, _, _), name in zip(ranges, names)}
    written = [variables.get(axis, str(points[0][axis])) for axis in range(len(points[0]))]
    index = ",".join(written)
    dy = Maths(f"{up.letter}[{index}]", f"\\frac{{\\partial {notation.loss}}}{{\\partial {out.latex}_{{{index}}}}}")
    bounds = [(name, lo, hi) for (_, lo, hi), name in zip(ranges, names)]
    if not with_locals:
        y = Maths(f"{out.letter}[{index}]", f"{out.latex}_{{{index}}}")
        return summation(product(dy, partial(y, me)), bounds)
    # Axes of the upstream that do not vary have no neighbour in the box: their coefficient is 0.
    axis_names = [variables.get(axis, "") for axis in range(len(points[0]))]
    body = [dy]
    assert fitted is not None  # with_locals: fitted above
    for letter, axes in fitted:
        array = notation.by_letter(letter)
        shown = ",".join(a.show(axis_names) for a in axes)
        body.append(Maths(f"{array.letter}[{shown}]", f"{array.latex}_{{{shown}}}"))
    if coefficient != 1:
        c = as_expr(coefficient)
        body.insert(0, Maths(f"({c})", f"\\frac{{{c.p}}}{{{c.q}}}" if c.q != 1 else f"{c.p}"))
    return summation(product(*body), bounds)


def _reached(notation, values, consumers, target, full) -> Maths:
    """The entries of the consumers' outputs that read one entry (the next step of its paths)."""
    symbol = notation[target].symbol(full)
    reached = [entry(notation[b.node.output], p) for b in consumers for p in np.ndindex(*b.shape)
               if symbol in values[b.node.output][p].free_symbols]
    return Maths(", ".join(r.plain for r in reached), ", ".join(r.tex for r in reached))


def _through_nodes(exercise, notation, values, consumers, target, full, me: Maths) -> list[Maths]:
    """dC/dx = sum over the consumers' outputs z_p of dC/dz_p dz_p/dx, then with the local values."""
    symbol = notation[target].symbol(full)
    upstream = notation[exercise.upstream] if exercise.upstream else None
    named, valued = [], []
    for built in consumers:
        z = notation[built.node.output]
        forward = values[built.node.output]
        for p in np.ndindex(*built.shape):
            expr = forward[p]
            if symbol not in expr.free_symbols:
                continue
            zp = entry(z, p)
            if built.node.output != exercise.graph.output:
                dz = [loss_by(z, p, notation.loss)]
            else:  # the output: its gradient is given (or it is the loss itself, gradient 1)
                dz = [loss_by(upstream, p, notation.loss)] if upstream is not None else []
            named.append(product(*dz, partial(zp, me)))
            valued.append(times(dz, sympy.diff(expr, symbol), notation))
    return [total(named), total(valued)]
