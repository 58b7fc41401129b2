"""The compact (matrix) form at the end of a worked solution, where the op has one.

Each form is a sentence of grader/i18n.py named `xp.compact.<op>.<input position>`; an op or an
input without one gets no sentence, so nothing is claimed for ops this module does not know
(new ops added to the library stay silent here until someone writes theirs). Forms that hold
only for some parameters say which in `_APPLIES`.
"""
from __future__ import annotations

from ..i18n import MESSAGES
from .maths import Maths, loss_by

_WINDOW_DEFAULTS = {"stride": 1, "padding": 0, "dilation": 1}


def _plain_window(built, graph) -> bool:
    # The flipped-kernel statements are about one channel, stride 1, no padding, no dilation.
    params = {**_WINDOW_DEFAULTS, **dict(built.node.params)}
    return all(params[k] == v for k, v in _WINDOW_DEFAULTS.items()) and all(
        len(graph.shape(name)) == 2 for name in built.node.inputs)


_APPLIES = {
    "correlate2d": _plain_window,
    "convolve2d": _plain_window,
    "dense": lambda built, graph: True,
}


def compact_forms(exercise, notation, targets: set[str] | None) -> list:
    from .model import Prose

    graph = exercise.graph
    forms = []
    for built in graph.nodes:
        node = built.node
        applies = _APPLIES.get(node.op, lambda b, g: True)
        for position, name in enumerate(node.inputs):
            key = f"xp.compact.{node.op}.{position}"
            if name not in {t.name for t in exercise.targets} or key not in MESSAGES:
                continue
            if targets is not None and name not in targets or not applies(built, graph):
                continue
            out = notation[node.output]
            upstream = Maths(notation.derivative(node.output), notation.derivative(node.output, "latex"))
            if node.output == graph.output and exercise.upstream is None and not out.shape:
                upstream = Maths("1", "1")
            fields = {"target": loss_by(notation[name], None, notation.loss), "upstream": upstream}
            for k, other in enumerate(node.inputs):
                fields[f"input{k}"] = Maths(other, other)
                fields[f"input{k}T"] = Maths(f"{other}^T", f"{other}^{{T}}")
            forms.append(Prose(key, tuple(fields.items())))
    return forms
