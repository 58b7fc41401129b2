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
from typing import Callable

import numpy as np
import sympy

from . import ops
from .graph import Graph
from .ops import Bilinear

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
          upstream_name: str | None) -> dict[str, np.ndarray]:
    """Every entry gradient of every target, as object arrays of EntryGradient shaped like the target.

    `symbol(name, index)` gives the sympy symbol of an entry; `upstream_name` names the array of
    upstream-gradient symbols (None when the output is a scalar loss and its gradient is 1).
    """
    values = _SymbolicValues(graph, symbol)
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
    up_symbols = [None if scalar else symbol(upstream_name, idx) for idx in out_indices]
    result = {}
    for target in targets:
        shape = graph.shape(target)
        entries = grads.get(target) or [dict() for _ in range(int(np.prod(shape)))]
        arr = np.empty(shape, dtype=object)
        for flat, idx in enumerate(np.ndindex(*shape)):
            items = sorted((p, _sum(t)) for p, t in entries[flat].items())
            items = [(p, local) for p, local in items if local != 0]
            arr[idx] = EntryGradient(
                target, idx,
                tuple(Path(None if scalar else out_indices[p], local) for p, local in items),
                tuple(up_symbols[p] for p, _ in items),
            )
        result[target] = arr
    return result


def _sum(terms: list) -> sympy.Expr:
    return terms[0] if len(terms) == 1 else sympy.Add(*terms)


def _scale(local, factor):
    if local is sympy.S.One:
        return factor
    if factor is sympy.S.One:
        return local
    return sympy.Mul(local, factor)


def _propagate(built, position: int, g: list[dict], acc: list[dict], values: "_SymbolicValues") -> None:
    structure = built.structure
    if isinstance(structure, tuple):  # element-wise: local derivative f'(a) at the same index
        derivative = structure[0].symbolic_grad
        arg = values.get(built.node.inputs[0])
        for flat, entry in enumerate(g):
            if entry:
                d = derivative(arg[flat])
                for p, local in entry.items():
                    acc[flat].setdefault(p, []).append(_scale(local, d))
        return
    for part in ops.parts(structure):
        if position not in part.args:
            continue
        weight = sympy.Rational(part.weight.numerator, part.weight.denominator)
        if isinstance(part, Bilinear):
            mine, other_pos = (part.a_idx, part.b_idx) if part.args[0] == position else (part.b_idx, part.a_idx)
            other_name = built.node.inputs[part.args[1] if part.args[0] == position else part.args[0]]
            other = values.get(other_name)
            for out, me, ot in zip(part.out_idx.tolist(), mine.tolist(), other_pos.tolist()):
                factor = _scale(weight, other[ot])
                target = acc[me]
                for p, local in g[out].items():
                    target.setdefault(p, []).append(_scale(local, factor))
        else:
            for out, me in zip(part.out_idx.tolist(), part.a_idx.tolist()):
                target = acc[me]
                for p, local in g[out].items():
                    target.setdefault(p, []).append(_scale(local, weight))


class _SymbolicValues:
    """Symbolic forward values, computed only for the arrays a backward step needs."""

    def __init__(self, graph: Graph, symbol: SymbolFor):
        self._graph = graph
        self._symbol = symbol
        self._cache: dict[str, list] = {}
        self._nodes = {b.node.output: b for b in graph.nodes}

    def get(self, name: str) -> list:
        if name not in self._cache:
            self._cache[name] = self._compute(name)
        return self._cache[name]

    def _compute(self, name: str) -> list:
        if name in self._graph.inputs:
            return [self._symbol(name, idx) for idx in np.ndindex(*self._graph.inputs[name])]
        built = self._nodes[name]
        structure = built.structure
        if isinstance(structure, tuple):
            f = structure[0].symbolic
            return [f(z) for z in self.get(built.node.inputs[0])]
        size = int(np.prod(built.shape))
        terms: list[list] = [[] for _ in range(size)]
        for part in ops.parts(structure):
            weight = sympy.Rational(part.weight.numerator, part.weight.denominator)
            a = self.get(built.node.inputs[part.args[0]])
            if isinstance(part, Bilinear):
                b = self.get(built.node.inputs[part.args[1]])
                for out, ia, ib in zip(part.out_idx.tolist(), part.a_idx.tolist(), part.b_idx.tolist()):
                    terms[out].append(_scale(weight, sympy.Mul(a[ia], b[ib])))
            else:
                for out, ia in zip(part.out_idx.tolist(), part.a_idx.tolist()):
                    terms[out].append(_scale(weight, a[ia]))
        return [sympy.Add(*t) for t in terms]


def forward(graph: Graph, symbol: SymbolFor, name: str) -> np.ndarray:
    """The symbolic value of a named array (an object array of sympy expressions)."""
    flat = _SymbolicValues(graph, symbol).get(name)
    arr = np.empty(len(flat), dtype=object)
    arr[:] = flat
    return arr.reshape(graph.shape(name))
