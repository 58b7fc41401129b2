"""Exact per-entry gradients, built from the ops' structure, as sums over upstream paths.

The gradient of one input entry is a sum over the output entries it reaches: each *path*
pairs an upstream symbol dC/dy_p with the local derivative dy_p/dx (a sympy expression). That
split is what feedback is made of ("the dC/dy_{1,1} path is missing"), and building it term by
term from the ops' index triples is what makes large exercises fast: no `sympy.diff` over whole
expressions, and sympy arithmetic only where a local derivative is not 1.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Mapping

import numpy as np
import sympy

from .graph import Graph
from .indexed import scale

SymbolFor = Callable[[str, tuple[int, ...]], sympy.Symbol]


@dataclass(frozen=True)
class Path:
    upstream: tuple[int, ...] | None  # 0-based index into the output; None for a scalar loss
    local: sympy.Expr  # d(output entry)/d(this entry)


@dataclass(frozen=True)
class EntryGradient:
    """dC/d(target[index]) = sum over paths of upstream symbol * local derivative."""

    target: str
    index: tuple[int, ...]
    paths: tuple[Path, ...]
    upstream_symbols: tuple[sympy.Symbol | None, ...]  # aligned with paths; None means 1

    @cached_property
    def expr(self) -> sympy.Expr:
        return sympy.Add(*(
            path.local if sym is None else sympy.Mul(sym, path.local)
            for path, sym in zip(self.paths, self.upstream_symbols)
        ))


def solve(graph: Graph, targets: tuple[str, ...], symbol: SymbolFor,
          upstream_name: str | None, fixed: Mapping[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Every entry gradient of every target, as object arrays of EntryGradient shaped like the target.

    `symbol(name, index)` gives the sympy symbol of an entry; `upstream_name` names the array of
    upstream-gradient symbols (None when the output is a scalar loss and its gradient is 1).
    `fixed` holds the values the exercise fixes (by input name): piecewise ops take the branch
    those values are on (which entry wins a max-pool window), so the answer stays exact.
    """
    values = _SymbolicValues(graph, symbol, fixed)
    out_shape = graph.shape(graph.output)
    # grads[name][flat] is a dict: upstream flat index -> list of local-derivative terms.
    grads: dict[str, list[dict]] = {
        graph.output: [{flat: [sympy.S.One]} for flat in range(int(np.prod(out_shape)))]
    }
    for built in reversed(graph.nodes):
        g = grads.get(built.node.output)
        if g is None:
            continue
        collapsed = [{p: _sum(terms) for p, terms in entry.items()} for entry in g]
        for position, name in enumerate(built.node.inputs):
            size = int(np.prod(graph.shape(name)))
            acc = grads.setdefault(name, [dict() for _ in range(size)])
            _propagate(built, position, collapsed, acc, values)

    scalar = upstream_name is None
    out_indices = list(np.ndindex(*out_shape)) if out_shape else [()]
    up_symbols = [None if upstream_name is None else symbol(upstream_name, idx) for idx in out_indices]
    result = {}
    for target in targets:
        shape = graph.shape(target)
        entries = grads.get(target) or [dict() for _ in range(int(np.prod(shape)))]
        arr = np.empty(shape, dtype=object)
        for flat, idx in enumerate(np.ndindex(*shape)):
            items = sorted((p, _sum(t)) for p, t in entries[flat].items())
            items = [(p, local) for p, local in items if _nonzero(local)]
            arr[idx] = EntryGradient(
                target, idx,
                tuple(Path(None if scalar else out_indices[p], local) for p, local in items),
                tuple(up_symbols[p] for p, _ in items),
            )
        result[target] = arr
    return result


def _nonzero(local) -> bool:
    # A symbol is never zero, and most conv/dense paths are one symbol: `!= 0` sympifies its
    # operand first, which costs more than all the rest of building a large exercise's paths.
    return isinstance(local, sympy.Symbol) or local != 0


def _sum(terms: list) -> sympy.Expr:
    return terms[0] if len(terms) == 1 else sympy.Add(*terms)


def _propagate(built, position: int, g: list[dict], acc: list[dict], values: "_SymbolicValues") -> None:
    """Chain every upstream path of the node's output through its local derivatives."""
    for out, me, factor in built.op.local(position, values.inputs_of(built)):
        paths = g[out]
        if paths:
            target = acc[me]
            for p, local in paths.items():
                target.setdefault(p, []).append(scale(local, factor))


class _NodeInputs:
    """One node's inputs, as `Op.local` and `Op.symbolic` ask for them (SymbolicInputs)."""

    def __init__(self, values: "_SymbolicValues", names: tuple[str, ...]):
        self._values = values
        self._names = names

    def symbolic(self, position: int) -> list:
        return self._values.get(self._names[position])

    def numeric(self, position: int) -> np.ndarray | None:
        return self._values.numeric(self._names[position])


class _SymbolicValues:
    """Symbolic forward values, computed only for the arrays a backward step needs; numeric
    ones too where the exercise fixes every input they depend on."""

    def __init__(self, graph: Graph, symbol: SymbolFor, fixed: Mapping[str, np.ndarray] | None = None):
        self._graph = graph
        self._symbol = symbol
        self._fixed = dict(fixed or {})
        self._cache: dict[str, list] = {}
        self._numeric: dict[str, np.ndarray | None] = {}
        self._nodes = {b.node.output: b for b in graph.nodes}

    def inputs_of(self, built) -> _NodeInputs:
        return _NodeInputs(self, built.node.inputs)

    def get(self, name: str) -> list:
        if name not in self._cache:
            if name in self._graph.inputs:
                self._cache[name] = [self._symbol(name, idx) for idx in np.ndindex(*self._graph.inputs[name])]
            else:
                built = self._nodes[name]
                self._cache[name] = built.op.symbolic(self.inputs_of(built))
        return self._cache[name]

    def numeric(self, name: str) -> np.ndarray | None:
        if name not in self._numeric:
            if name in self._graph.inputs:
                value = self._fixed.get(name)
                self._numeric[name] = None if value is None else np.asarray(value, float).reshape(self._graph.inputs[name])
            else:
                built = self._nodes[name]
                args = [self.numeric(n) for n in built.node.inputs]
                given = [a for a in args if a is not None]
                self._numeric[name] = built.op.forward(given) if len(given) == len(args) else None
        return self._numeric[name]


def forward(graph: Graph, symbol: SymbolFor, name: str, fixed: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
    """The symbolic value of a named array (an object array of sympy expressions)."""
    flat = _SymbolicValues(graph, symbol, fixed).get(name)
    arr = np.empty(len(flat), dtype=object)
    arr[:] = flat
    return arr.reshape(graph.shape(name))


def internal(graph: Graph, symbol: SymbolFor, node_output: str, part: str,
             fixed: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
    """A named array an op computes on the way (`Op.internals`), as an object array."""
    values = _SymbolicValues(graph, symbol, fixed)
    built = next(b for b in graph.nodes if b.node.output == node_output)
    flat = built.op.internals(values.inputs_of(built))[part]
    arr = np.empty(len(flat), dtype=object)
    arr[:] = flat
    return arr.reshape(built.op.internal_shapes()[part])
