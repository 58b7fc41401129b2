"""Misconception detectors: mutated references computed from the same spec.

Each detector is data: a `kind` (how to mutate) plus parameters and its wording. The same
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

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping

import numpy as np

from ..spec.notation import Notation
from ..spec.load import Exercise

KINDS = ("swap-op", "upstream", "transpose", "shift", "scale", "other-target")


@dataclass(frozen=True)
class Detector:
    name: str
    kind: str
    label: Mapping[str, str]  # "a flipped kernel"
    explanation: Mapping[str, str]
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, which: str, lang: str, notation: Notation | None = None) -> str:
        """The label or explanation in `lang` (else English), in the exercise's notation:
        `{dY}` becomes the upstream gradient's name (dC/dY, or dL/dZ for a loss L and output Z),
        `{dy}` its entries' letter, `{Y}` the output."""
        texts = self.label if which == "label" else self.explanation
        text = texts.get(lang) or texts.get("en", "")
        if notation is None:
            return text
        output = next((a for a in notation.arrays if a.upstream_of is not None), None)
        names = {"Y": output.upstream_of, "dY": notation.derivative(output.upstream_of),
                 "dy": notation.derivative(output.latex)} if output and output.upstream_of else {}
        return _NOTATION_FIELD.sub(lambda m: names.get(m.group(1), m.group(0)), text)


def _d(name, kind, label_en, label_he, expl_en, expl_he, **params) -> Detector:
    return Detector(name, kind, {"en": label_en, "he": label_he}, {"en": expl_en, "he": expl_he}, params)


_NOTATION_FIELD = re.compile(r"\{(dY|dy|Y)\}")  # only these, so LaTeX braces in a text are left alone

BUILT_IN: tuple[Detector, ...] = (
    _d("flipped-kernel", "swap-op",
       "the gradient of a flipped kernel (true convolution)", "הגרדיאנט של גרעין הפוך (קונבולוציה אמיתית)",
       "conv in deep-learning libraries is cross-correlation: the kernel is not flipped, "
       "so y[i,j] uses k in its written order",
       "conv בספריות למידה עמוקה היא קרוס-קורלציה: הגרעין אינו מתהפך",
       swap={"correlate2d": "convolve2d", "convolve2d": "correlate2d"}),
    _d("transposed", "transpose", "the transposed gradient", "הגרדיאנט המשוחלף",
       "a gradient has the shape of its input, entry (i, j) at row i, column j",
       "לגרדיאנט יש צורה של הקלט שלו: האיבר (i, j) בשורה i ועמודה j"),
    _d("forward-for-upstream", "upstream", "the gradient with the forward output {Y} in place of {dY}",
       "הגרדיאנט עם היציאה {Y} במקום {dY}",
       "the chain rule multiplies by the upstream gradient {dy}, not by the output itself",
       "כלל השרשרת מכפיל בגרדיאנט שמגיע מלמעלה {dy}, לא ביציאה עצמה", use="forward"),
    _d("upstream-ignored", "upstream", "the gradient with every {dy} taken as 1",
       "הגרדיאנט כשכל {dy} נלקח כ־1",
       "each path must be weighted by its own upstream gradient {dy}", "כל מסלול צריך להיות מוכפל בגרדיאנט {dy} שלו",
       use="ones"),
    _d("sign", "scale", "the gradient with the opposite sign", "הגרדיאנט עם סימן הפוך",
       "check the sign: a gradient points uphill, and nothing in this forward pass subtracts",
       "בדקו את הסימן", factor=-1),
    _d("factor-half", "scale", "half the gradient", "חצי מהגרדיאנט",
       "a factor 1/2 crept in", "נכנס גורם של 1/2", factor=Fraction(1, 2)),
    _d("factor-two", "scale", "twice the gradient", "פעמיים הגרדיאנט",
       "every path is counted twice", "כל מסלול נספר פעמיים", factor=2),
    _d("sum-vs-mean", "scale", "the gradient divided by the number of outputs (a mean instead of a sum)",
       "הגרדיאנט מחולק במספר היציאות (ממוצע במקום סכום)",
       "the loss sums the paths; nothing averages them", "ההפסד סוכם את המסלולים; אין כאן ממוצע", factor="1/outputs"),
    _d("mean-vs-sum", "scale", "the gradient times the number of outputs", "הגרדיאנט כפול מספר היציאות",
       "a mean's gradient carries a 1/N; a sum's does not", "בגרדיאנט של ממוצע יש 1/N", factor="outputs"),
    *(_d(f"shifted-{name}", "shift", f"the gradient shifted by one {words}", f"הגרדיאנט מוזז באחד ({he})",
         "an off-by-one in the window: entry (i, j) of Y reads X from (i, j) on, 1-based",
         "טעות של אחד בחלון: האיבר (i, j) של Y קורא את X החל מ־(i, j)", axis=axis, by=by)
      for name, words, he, axis, by in (("down", "row down", "שורה למטה", 0, 1), ("up", "row up", "שורה למעלה", 0, -1),
                                        ("right", "column right", "עמודה ימינה", 1, 1),
                                        ("left", "column left", "עמודה שמאלה", 1, -1))),
    _d("wrong-input", "other-target", "the gradient with respect to the other input", "הגרדיאנט לפי הקלט האחר",
       "the gradients with respect to two inputs are different sums: each multiplies {dy} by the other "
       "input's entries", "הגרדיאנטים לפי שני קלטים שונים הם סכומים שונים"),
)


def detectors_for(exercise: Exercise) -> tuple[Detector, ...]:
    """Built-in detectors less those the spec disables, plus those it adds."""
    config = exercise.feedback.get("detectors", {}) if isinstance(exercise.feedback, Mapping) else {}
    disabled = set(config.get("disable", ()))
    if config.get("enable"):
        chosen = [d for d in BUILT_IN if d.name in set(config["enable"])]
    else:
        chosen = [d for d in BUILT_IN if d.name not in disabled]
    for raw in config.get("add", ()):
        params = {k: v for k, v in raw.items() if k not in ("name", "kind", "label", "explanation")}
        label, expl = raw.get("label", raw["name"]), raw.get("explanation", "")
        chosen.append(Detector(raw["name"], raw["kind"], label if isinstance(label, dict) else {"en": label},
                               expl if isinstance(expl, dict) else {"en": expl}, params))
    return tuple(chosen)


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
