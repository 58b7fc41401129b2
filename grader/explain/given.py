"""What the given numbers decide in a worked solution, said where it is used.

A spec that gives an input's values fixes the branch of every piecewise op downstream: which
entry wins a max-pool window, which hidden unit is active. A worked solution then has entries
whose gradient is 0 for different reasons, and each is named truthfully:

- no output reads the entry at all (`xp.no_path`);
- an output reads it, but not as the maximum of its window (`xp.zero.not_max`);
- an output reads it through a kink on the flat side (`xp.zero.branch`: relu'(h[1]) = 0 at
  the given h[1] = -1);
- an output reads it, but the local derivative is 0 at the given values (`xp.zero.local`:
  ∂y[1]/∂v[1,1] = a[1] = 0);
- it reaches the loss only through entries whose own gradient is 0 (`xp.zero.upstream`).

Every claim is checked exactly on the reference's own expressions (sympy numbers, never
floats): the local derivatives come from the op library for one node at a time, with the
given numbers in place of the symbols they fix.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import sympy

from reference.graph import Graph
from reference.nonlinear import MaxPool
from reference.elementwise import Elementwise
from reference.symbolic import forward, solve

from .maths import Maths, as_expr, entry, partial, show
from .model import Prose

# Arrays of more entries than this are not written out as given values (a 28x28 image).
SHOWN_ENTRIES = 16


@dataclass
class Given:
    """The exercise's arrays whose every entry the given numbers fix (exact sympy numbers), and
    the single-node derivatives that say why an entry's gradient is 0."""

    exercise: Any
    notation: Any
    values: dict  # node output -> object array of its forward expressions (symbols, for reading)

    @cached_property
    def known(self) -> dict[str, np.ndarray]:
        """Array name -> object array of exact numbers, for every array the given values fix."""
        exercise = self.exercise
        known = {}
        for name in exercise.fixed:
            if name in exercise.graph.inputs:
                known[name] = forward(exercise.graph, exercise.symbol_for, name, exercise.fixed)
        for built in exercise.graph.nodes:
            if all(n in known for n in built.node.inputs):
                computed = forward(exercise.graph, exercise.symbol_for, built.node.output, exercise.fixed)
                if all(as_expr(v).is_number for v in computed.flat):
                    known[built.node.output] = computed
        return {name: arr for name, arr in known.items() if all(as_expr(v).is_number for v in arr.flat)}

    def numeric(self, name: str) -> np.ndarray | None:
        arr = self.known.get(name)
        return None if arr is None else np.array([float(v) for v in arr.flat]).reshape(arr.shape)

    def substitute(self, expr) -> sympy.Expr:
        """An expression with every entry the given values fix replaced by its number."""
        replacements = {}
        for s in as_expr(expr).free_symbols:
            entry = self.notation.entry(s)
            if entry is not None and entry.array in self.known:
                replacements[s] = self.known[entry.array][entry.index]
        return as_expr(expr).xreplace(replacements)

    def _node_locals(self, built, name: str) -> np.ndarray:
        """d(node output)/d(input `name`) for one node, with the given values choosing the
        branch: an object array of EntryGradient shaped like the input."""
        key = (built.node.output, name)
        cache = self.__dict__.setdefault("_locals", {})
        if key not in cache:
            shapes = {n: self.exercise.graph.shape(n) for n in dict.fromkeys(built.node.inputs)}
            single = Graph.build(shapes, [built.node], built.node.output)
            fixed = {n: value for n in shapes if (value := self.numeric(n)) is not None}
            cache[key] = solve(single, (name,), lambda n, idx: self.notation[n].symbol(idx) if n in shapes
                               else sympy.Symbol(f"_up{idx}"), "_up", fixed)[name]
        return cache[key]

    @cached_property
    def _gradients(self) -> dict:
        graph = self.exercise.graph
        names = tuple(b.node.output for b in graph.nodes if b.node.output != graph.output)
        return solve(graph, names, self.exercise.symbol_for, self.exercise.upstream, self.exercise.fixed) if names else {}

    def gradient_is_zero(self, name: str, full: tuple[int, ...]) -> bool:
        if name == self.exercise.graph.output:
            return False
        return not self._gradients[name][full].paths

    def why_zero(self, target: str, full: tuple[int, ...]) -> list[Prose]:
        """The sentences that say why the gradient of one entry is 0 (the reference says it is)."""
        notation = self.notation
        me = entry(notation[target], full)
        symbol = notation[target].symbol(full)
        flat_local, through_zero, readers, live = [], [], [], []
        for built in self.exercise.graph.nodes:
            if target not in built.node.inputs:
                continue
            out = notation[built.node.output]
            locals_ = self._node_locals(built, target)[full]
            by_output = {p.upstream: p.local for p in locals_.paths}
            for p in np.ndindex(*built.shape):
                if symbol not in as_expr(self.values[built.node.output][p]).free_symbols:
                    continue
                readers.append((built, p))
                local = by_output.get(p)
                if local is None or self.substitute(local) == 0:
                    flat_local.append((built, p, local))
                elif self.gradient_is_zero(built.node.output, p):
                    through_zero.append(entry(out, p))
                else:
                    live.append(entry(out, p))
        if not readers:
            return [Prose("xp.no_path", (("entry", me),))]
        if live:  # paths that carry gradient, and still the reference's sum is 0
            return [Prose("xp.zero.cancel", (("entry", me), ("outputs", _listed([entry(notation[b.node.output], p)
                                                                                  for b, p in readers]))))]
        items = []
        if flat_local:
            items.append(self._flat(me, target, full, flat_local))
        if through_zero:
            key = "xp.zero.upstream" if not flat_local else "xp.zero.upstream_too"
            items.append(Prose(key, (("entry", me), ("outputs", _listed(through_zero)))))
        return items

    def _flat(self, me: Maths, target: str, full: tuple[int, ...], flat: list) -> Prose:
        notation = self.notation
        outputs = _listed([entry(notation[b.node.output], p) for b, p, _ in flat])
        ops = {type(b.op) for b, _, _ in flat}
        if ops == {MaxPool}:
            winners = []
            for built, p, _ in flat:
                solved = self._node_locals(built, target)
                won = next(idx for idx in np.ndindex(*solved.shape) if any(q.upstream == p for q in solved[idx].paths))
                winner = entry(notation[target], won)
                value = show(self.known[target][won], notation)
                winners.append(Maths(f"{winner.plain} = {value.plain}", f"{winner.tex} = {value.tex}"))
            return Prose("xp.zero.not_max", (("entry", me), ("outputs", outputs), ("winners", _listed(winners))))
        if len(flat) == 1 and isinstance(flat[0][0].op, Elementwise) and flat[0][0].op.piecewise \
                and target in self.known:
            built, p, _ = flat[0]
            fn = flat[0][0].op.name
            derivative = Maths(f"{fn}'({me.plain})", f"\\operatorname{{{fn}}}'\\left({me.tex}\\right)")
            return Prose("xp.zero.branch", (("entry", me), ("output", entry(notation[built.node.output], p)),
                                             ("value", show(self.known[target][full], notation)),
                                             ("derivative", derivative)))
        said = []
        for built, p, local in flat:
            z = entry(notation[built.node.output], p)
            if local is None:
                said.append(Maths(f"{partial(z, me).plain} = 0", f"{partial(z, me).tex} = 0"))
            else:
                shown = show(local, notation)
                said.append(Maths(f"{partial(z, me).plain} = {shown.plain} = 0",
                                  f"{partial(z, me).tex} = {shown.tex} = 0"))
        return Prose("xp.zero.local", (("entry", me), ("outputs", outputs), ("locals", _listed(said))))

    def statement(self, name: str) -> Prose | None:
        """`h = (-1, 1, 2)` for an intermediate array the given values fix, said once after its
        forward equations (a worked solution uses its branch); None when it is not fixed."""
        arr = self.known.get(name)
        if arr is None or name in self.exercise.graph.inputs or arr.size > SHOWN_ENTRIES:
            return None
        return Prose("xp.given", (("values", Maths(f"{self.notation[name].letter} = {_array(arr, False)}",
                                                   f"{self.notation[name].latex} = {_array(arr, True)}")),))


def _listed(items: list[Maths]) -> Maths:
    return Maths(", ".join(i.plain for i in items), ", ".join(i.tex for i in items))


def _array(arr: np.ndarray, latex: bool) -> str:
    """(-1, 1, 2) for a vector, ((1, 2), (3, 4)) for a matrix, the number for a scalar."""
    if arr.ndim == 0:
        return sympy.latex(arr[()]) if latex else str(arr[()])
    parts = [_array(a, latex) for a in arr] if arr.ndim > 1 else \
        [sympy.latex(v) if latex else str(v) for v in arr.tolist()]
    inner = ", ".join(parts)
    return f"\\left({inner}\\right)" if latex else f"({inner})"
