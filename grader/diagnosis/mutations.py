"""Misconception detectors: mutated references computed from the same spec.

Each detector is data (`spec/detectors.py`: a `kind` of mutation, its parameters and wording,
and the built-in catalogue); the spec's `feedback:` chooses them (`Exercise.feedback.detectors`). The same
mutation gives numbers (to compare with a function submission on every trial) and exact
expressions (to compare with a symbolic answer), so one table serves both kinds of submission.
An exercise spec may disable built-in detectors or add its own of the same kinds:

    feedback:
      detectors:
        disable: [factor-half]
        add:
          - {name: triple, kind: scale, factor: 3, label: {en: "three times the gradient"},
             explanation: {en: "..."}}
"""
from __future__ import annotations

from fractions import Fraction
from typing import Callable, Mapping

import numpy as np

from ..spec.detectors import Detector
from ..spec.load import Exercise


def applies(detector: Detector, exercise: Exercise, target: str) -> bool:
    """Whether the detector's mistake can happen for this target of this exercise at all.

    Checked before matching: a mutation that is merely possible on the array (shifting the
    channel axis of a multi-channel kernel) would otherwise name the wrong mistake.
    """
    shape = exercise.graph.shape(target)  # an input, or a node output named as a target
    if detector.kind == "upstream":
        return exercise.upstream is not None
    if detector.kind == "transpose":
        return len(shape) == 2 and shape[0] == shape[1] > 1
    if detector.kind == "shift":
        axis = _spatial_axis(detector, shape)
        windowed = any(target in b.node.inputs and _slides_a_window(b.node.op) for b in exercise.graph.nodes)
        return windowed and axis is not None and shape[axis] > 1
    if detector.kind == "other-target":
        return any(name != target and other == shape for name, other in exercise.graph.inputs.items())
    return True


def _slides_a_window(op: str) -> bool:
    """Whether the op reads its input through a sliding window: only there is a gradient "shifted
    by one row" an off-by-one in the window. The op library says so by giving the op a stride."""
    from reference.ops import OPS

    return op in OPS and "stride" in OPS[op].params


def _spatial_axis(detector: Detector, shape: tuple[int, ...]) -> int | None:
    """The array axis a shift moves along: `axis` 0 is the rows and 1 the columns of the picture,
    the last two axes (channel axes come first)."""
    axis = int(detector.params["axis"])
    if len(shape) < 2 or axis not in (0, 1):
        return None
    return len(shape) - 2 + axis


def _factor(detector: Detector, exercise: Exercise) -> Fraction:
    raw = detector.params["factor"]
    outputs = int(np.prod(exercise.graph.shape(exercise.graph.output)))
    if raw == "outputs":
        return Fraction(outputs)
    if raw == "1/outputs":
        return Fraction(1, outputs)
    return Fraction(raw)


def _mutated_graph(exercise: Exercise, detector: Detector):
    from reference.graph import Graph, GraphError, Node

    swap = detector.params["swap"]
    nodes = [Node(swap.get(b.node.op, b.node.op), b.node.inputs, b.node.output, b.node.params)
             for b in exercise.graph.nodes]
    if all(n.op == b.node.op for n, b in zip(nodes, exercise.graph.nodes)):
        return None
    try:
        return Graph.build(exercise.graph.inputs, nodes, exercise.graph.output)
    except GraphError:
        return None


def _shift(arr: np.ndarray, axis: int, by: int, fill) -> np.ndarray | None:
    if arr.ndim <= axis or arr.shape[axis] < 2:
        return None
    out = np.full(arr.shape, fill, dtype=arr.dtype)
    src = [slice(None)] * arr.ndim
    dst = [slice(None)] * arr.ndim
    if by > 0:
        src[axis], dst[axis] = slice(0, -by), slice(by, None)
    else:
        src[axis], dst[axis] = slice(-by, None), slice(0, by)
    out[tuple(dst)] = arr[tuple(src)]
    return out


def _transform(detector: Detector, exercise: Exercise, target: str, reference: dict, fill):
    """Mutations that act on a finished gradient array (numeric or symbolic alike)."""
    arr = reference[target]
    if detector.kind == "transpose":
        return arr.T.copy() if arr.ndim == 2 and arr.shape[0] == arr.shape[1] else None
    if detector.kind == "shift":
        axis = _spatial_axis(detector, arr.shape)
        return None if axis is None else _shift(arr, axis, int(detector.params["by"]), fill)
    if detector.kind == "other-target":
        others = [t for t in reference if t != target and reference[t].shape == arr.shape]
        return reference[others[0]] if others else None
    return None


def mutated_numeric(exercise: Exercise, detector: Detector, target: str, values: Mapping[str, np.ndarray],
                    upstream: np.ndarray | None, reference: dict) -> np.ndarray | None:
    """The mutated gradient of `target` on one trial, or None when the detector does not apply."""
    if not applies(detector, exercise, target):
        return None
    kind = detector.kind
    if kind == "swap-op":
        graph = _mutated_graph(exercise, detector)
        return None if graph is None else graph.gradients(values, upstream)[target]
    if kind == "upstream":
        if upstream is None:
            return None
        if detector.params["use"] == "ones":
            replaced = np.ones_like(upstream)
        else:
            replaced = exercise.graph.forward(values)[exercise.graph.output]
        return exercise.graph.gradients(values, replaced)[target]
    if kind == "scale":
        return reference[target] * float(_factor(detector, exercise))
    return _transform(detector, exercise, target, reference, 0.0)


def mutated_symbolic(exercise: Exercise, detector: Detector, target: str) -> np.ndarray | None:
    """The mutated gradient of `target` as an object array of sympy expressions, or None."""
    if not applies(detector, exercise, target):
        return None
    import sympy

    from reference.symbolic import forward, solve

    symbol: Callable = exercise.symbol_for  # fixed data as numbers, as in the reference
    exprs = np.vectorize(lambda e: e.expr, otypes=[object])
    kind = detector.kind
    if kind == "swap-op":
        graph = _mutated_graph(exercise, detector)
        return None if graph is None else exprs(solve(graph, (target,), symbol, exercise.upstream,
                                                      exercise.fixed)[target])
    # Only the wrong-input mutation looks at other targets: build no more sympy sums than needed.
    wanted = exercise.solution if kind == "other-target" else {target: exercise.solution[target]}
    reference = {t: exprs(arr) for t, arr in wanted.items()}
    if kind == "upstream":
        if exercise.upstream is None:
            return None
        up = exercise.notation[exercise.upstream]
        if detector.params["use"] == "ones":
            replacement = {up.symbol(i): sympy.S.One for i in np.ndindex(*up.shape)}
        else:
            y = forward(exercise.graph, symbol, exercise.graph.output, exercise.fixed)
            replacement = {up.symbol(i): y[i] for i in np.ndindex(*up.shape)}
        return np.vectorize(lambda e: e.xreplace(replacement), otypes=[object])(reference[target])
    if kind == "scale":
        f = _factor(detector, exercise)
        return np.vectorize(lambda e: sympy.Rational(f.numerator, f.denominator) * e, otypes=[object])(reference[target])
    return _transform(detector, exercise, target, reference, sympy.S.Zero)
