"""An exercise's forward computation as a small graph of ops, with numpy forward and backward.

The graph is checked once when it is built (`Graph.build`), which builds every node's op (an
`reference.ops.Op` for its input shapes); after that the numeric passes ask each op in turn.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from . import ops
from .ops import Op, OpError


@dataclass(frozen=True)
class Node:
    op: str
    inputs: tuple[str, ...]
    output: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class BuiltNode:
    node: Node
    op: Op
    shape: tuple[int, ...]


@dataclass(frozen=True)
class Graph:
    """Inputs with their shapes, nodes in evaluation order, and the node whose gradient is given."""

    inputs: Mapping[str, tuple[int, ...]]
    nodes: tuple[BuiltNode, ...]
    output: str

    @classmethod
    def build(cls, inputs: Mapping[str, Sequence[int]], nodes: Sequence[Node], output: str) -> "Graph":
        """Check the graph and build every node's op.

        Raises GraphError (with the index of the offending node) for an unknown op or name, a
        name defined twice, a shape mismatch or an output that no node computes.
        """
        input_shapes = {name: tuple(int(n) for n in shape) for name, shape in inputs.items()}
        shapes = dict(input_shapes)
        built = []
        for position, node in enumerate(nodes):
            for name in node.inputs:
                if name not in shapes:
                    raise GraphError(position, f"input {name!r} is not defined before this node "
                                               f"(known: {', '.join(shapes)})")
            if node.output in shapes:
                raise GraphError(position, f"{node.output!r} is already defined; every name must be unique")
            try:
                op = ops.build(node.op, [shapes[n] for n in node.inputs], node.params)
            except OpError as err:
                raise GraphError(position, str(err)) from None
            shapes[node.output] = tuple(op.out_shape)
            built.append(BuiltNode(node, op, shapes[node.output]))
        if output not in shapes or output in inputs:
            raise GraphError(None, f"the output {output!r} must be computed by a node")
        return cls(input_shapes, tuple(built), output)

    def shape(self, name: str) -> tuple[int, ...]:
        if name in self.inputs:
            return self.inputs[name]
        for built in self.nodes:
            if built.node.output == name:
                return built.shape
        raise KeyError(name)

    def forward(self, values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Every named array, given float arrays for the inputs."""
        env = {name: np.asarray(values[name], dtype=float).reshape(shape) for name, shape in self.inputs.items()}
        for built in self.nodes:
            args = [env[n] for n in built.node.inputs]
            env[built.node.output] = built.op.forward(args)
        return env

    def gradients(self, values: Mapping[str, np.ndarray], upstream: np.ndarray | None) -> dict[str, np.ndarray]:
        """dC/d(name) for every input and every node output (dC/dz before an activation, dC/dh
        between layers), given dC/d(output) (None for a scalar output, meaning 1)."""
        env = self.forward(values)
        out_shape = self.shape(self.output)
        grads = {self.output: np.ones(out_shape) if upstream is None else np.asarray(upstream, float).reshape(out_shape)}
        for built in reversed(self.nodes):
            g = grads.get(built.node.output)
            if g is None:
                continue  # this node does not reach the output
            args = [env[n] for n in built.node.inputs]
            for name, contribution in zip(built.node.inputs, built.op.backward(args, g)):
                if contribution is not None:
                    grads[name] = grads[name] + contribution if name in grads else contribution
        shapes = {**self.inputs, **{b.node.output: b.shape for b in self.nodes}}
        return {name: grads[name] if name in grads else np.zeros(shape) for name, shape in shapes.items()}

    def loss(self, values: Mapping[str, np.ndarray], upstream: np.ndarray | None) -> float:
        """The scalar whose gradient `gradients` returns: sum(output * upstream)."""
        out = self.forward(values)[self.output]
        return float(out.sum() if upstream is None else np.sum(out * upstream))


class GraphError(ValueError):
    """A graph that cannot be built; `node` is the 0-based position of the offending node."""

    def __init__(self, node: int | None, message: str):
        super().__init__(message)
        self.node = node


def finite_differences(graph: Graph, values: Mapping[str, np.ndarray], upstream: np.ndarray | None,
                       step: float = 1e-6) -> dict[str, np.ndarray]:
    """Central finite differences of `graph.loss` for every input entry (float64)."""
    base = {name: np.array(v, dtype=float) for name, v in values.items()}
    result = {}
    for name in graph.inputs:
        grad = np.zeros(graph.inputs[name])
        for idx in np.ndindex(*grad.shape):
            saved = base[name][idx]
            base[name][idx] = saved + step
            plus = graph.loss(base, upstream)
            base[name][idx] = saved - step
            minus = graph.loss(base, upstream)
            base[name][idx] = saved
            grad[idx] = (plus - minus) / (2 * step)
        result[name] = grad
    return result
