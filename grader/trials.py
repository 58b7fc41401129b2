"""Numeric trial inputs for grading code: seeded random draws, structured cases, and trials that
cover the regions of the function.

Random normal draws are well conditioned for comparing float64 gradients; the structured
cases separate common mistakes: small integers make errors visible to a person, and a one-hot
upstream gradient isolates a single chain-rule path (only the entries that path reaches are
non-zero). Each op shapes the draws (`_Design`): labels are valid labels, log gets positive
numbers, and piecewise ops get trials that separate their units.

Coverage trials (`_coverage`, docs/exercise-format.md#trials) then make sure a function that is
right only in part of its domain cannot pass:
- the spec's own fixed values, when it has them (a max-pool tie in the exercise's X);
- for a piecewise op applied to an input (relu, leaky relu, abs on x): every activation pattern
  of up to MAX_PATTERN_UNITS units (beyond: all on, all off, each unit alone on and alone off,
  and each pair on together), each at a scale of SCALES in turn, and every scale with each unit
  on both sides of its kink, so a threshold at 0.07 or a function wrong only when all units are
  active is caught; and, where the op states a convention at its kink (relu'(0) = 0), one
  trial exactly at the kink;
- for a piecewise op deeper in the graph: draws at every scale of SCALES;
- magnitudes well beyond the usual range (|x| up to LARGE) for real-valued inputs of exercises
  with a smooth non-linear op, so a sigmoid clipped at +-6 or an overflow shortcut is caught.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from reference.ops import REAL, Domain, Op

from .spec.load import Exercise


@dataclass(frozen=True)
class Trial:
    name: str
    values: dict  # input name -> float64 array
    upstream: np.ndarray | None  # None for an exercise whose output is a scalar loss
    isolates: str | None = None  # for a one-hot upstream: the output whose path alone carries gradient
    coverage: bool = False  # a coverage trial (near or at a kink, large): see the module's docstring

    def array(self, name: str, upstream_name: str | None) -> np.ndarray:
        if name == upstream_name:
            assert self.upstream is not None  # only an exercise with an upstream names it
            return self.upstream
        return self.values[name]


def make_trials(exercise: Exercise, seed: int | None = None) -> list[Trial]:
    """The trials for this exercise; the same seed always gives the same arrays."""
    seed = exercise.trials.seed if seed is None else seed
    graph = exercise.graph
    out_shape = graph.shape(graph.output)
    has_upstream = exercise.upstream is not None
    design = _Design(exercise)
    trials = []
    for number in range(exercise.trials.count):
        rng = np.random.default_rng([seed, number])
        kind = "integers" if number == 0 and exercise.trials.structured else "random"
        values = design.pick(rng, kind)
        upstream = _sample(rng, kind, out_shape) if has_upstream else None
        trials.append(Trial(f"{kind} #{number + 1}", values, upstream))
    if exercise.trials.structured and exercise.upstream is not None:
        rng = np.random.default_rng([seed, 1000])
        # Positive integers keep a linear exercise's one-hot trials readable; piecewise ones
        # need both signs, so that the path they isolate is not always the active branch.
        values = design.pick(rng, "integers" if design.piecewise else "positive")
        size = int(np.prod(out_shape))
        upstream_notation = exercise.notation[exercise.upstream]
        for flat in sorted({0, size // 2, size - 1}):
            upstream = np.zeros(out_shape)
            index = np.unravel_index(flat, out_shape)
            upstream[index] = 1.0
            full = tuple(int(i) for i in index)
            output = exercise.notation[exercise.graph.output].plain(full)
            trials.append(Trial(f"one-hot {upstream_notation.plain(full)} = 1", values, upstream, output))
    return trials + [replace(t, coverage=True) for t in _coverage(exercise, design, seed)]


SCALES = (1e-3, 1e-2, 0.1, 1.0, 10.0)  # distances from a kink, both sides
MAX_PATTERN_UNITS = 10  # up to this many units, every activation pattern is a trial
MAX_PAIRS = 100  # beyond MAX_PATTERN_UNITS, pairs of units on together, while there are at most this many
LARGE = 30.0  # |x| for the large-magnitude trials of smooth ops (sigmoid saturates long before)
_NONLINEAR_MODULES = ("reference.elementwise", "reference.nonlinear")


def _patterns(units: int) -> list[np.ndarray]:
    if units <= MAX_PATTERN_UNITS:
        return [np.array([(k >> u) & 1 for u in range(units)], dtype=bool) for k in range(2 ** units)]
    eye = np.eye(units, dtype=bool)
    out = [np.ones(units, bool), np.zeros(units, bool), *eye, *~eye]
    if units * (units - 1) // 2 <= MAX_PAIRS:
        out += [eye[i] | eye[j] for i in range(units) for j in range(i + 1, units)]
    return out


def _coverage(exercise: Exercise, design: "_Design", seed: int) -> list[Trial]:
    graph = exercise.graph
    rng = np.random.default_rng([seed, 2000])
    out_shape = graph.shape(graph.output)
    upstream = (lambda: rng.normal(size=out_shape)) if exercise.upstream is not None else (lambda: None)
    base = design.draw(rng, "random")
    trials: list[Trial] = []
    free = [n for n in graph.inputs if n not in exercise.fixed]
    if exercise.fixed:
        values = dict(base)
        values.update({n: np.asarray(v, dtype=float).reshape(graph.inputs[n]) for n, v in exercise.fixed.items()})
        trials.append(Trial("the exercise's own values", values, upstream()))
    direct = [b for b in design.pieces if b.node.inputs[0] in free and hasattr(b.op, "function")]
    for built in direct:
        name = built.node.inputs[0]
        shape = graph.inputs[name]
        for k, pattern in enumerate(_patterns(int(np.prod(shape)))):
            scale = SCALES[k % len(SCALES)]
            x = np.where(pattern, 1.0, -1.0) * scale * (1 + rng.random(pattern.size) / 2)
            trials.append(Trial(f"pattern {k + 1} of {name} at scale {scale:g}", {**base, name: x.reshape(shape)},
                                upstream()))
        for scale in SCALES:
            for sign in (1.0, -1.0):
                x = sign * scale * np.where(np.arange(int(np.prod(shape))) % 2, 1.0, -1.0)
                trials.append(Trial(f"{name} at +-{scale:g}", {**base, name: x.reshape(shape)}, upstream()))
        if built.op.conventions:
            trials.append(Trial(f"{name} exactly at the kink", {**base, name: np.zeros(shape)}, upstream()))
    if design.pieces and not direct:
        for scale in SCALES:
            values = design.draw(rng, "random")
            trials.append(Trial(f"scale {scale:g}", {n: (v * scale if design.domains.get(n, REAL) == REAL and
                                                         n in free else v) for n, v in values.items()}, upstream()))
    real = [n for n in free if design.domains.get(n, REAL) == REAL]
    # Large magnitudes are for smooth non-linear ops (sigmoid, tanh, softmax, ...): a linear map
    # is the same function at every scale, and its trials stay as few as they were.
    smooth = any(not b.op.piecewise and type(b.op).__module__ in _NONLINEAR_MODULES for b in graph.nodes)
    if real and smooth:
        for label, low, high in (("large", -LARGE, LARGE), ("large positive", LARGE / 2, LARGE),
                                 ("large negative", -LARGE, -LARGE / 2)):
            values = dict(base)
            values.update({n: rng.uniform(low, high, size=graph.inputs[n]) for n in real})
            if all(b.op.valid([graph.forward(values)[i] for i in b.node.inputs]) for b in graph.nodes):
                trials.append(Trial(f"{label} inputs (|x| up to {LARGE:g})", values, upstream()))
    return trials


CANDIDATES = 48  # draws considered per trial of an exercise with piecewise ops
KINK_MARGIN = 1e-3  # no unit of a piecewise op this close to its kink (relu at 0, a max-pool tie)
MAX_PAIRED_UNITS = 400  # above this, trials cover each unit's branches but not every pair's
ACTIVE_TRIALS = 2  # trials each unit should be active in


def _sample(rng, kind: str, shape, domain: Domain = REAL) -> np.ndarray:
    if domain.kind == "one-hot":
        rows = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
        out = np.zeros((rows, shape[-1]))
        out[np.arange(rows), rng.integers(0, shape[-1], size=rows)] = 1.0
        return out.reshape(shape)
    if domain.kind == "index":
        return rng.integers(0, domain.classes, size=shape).astype(float)
    if domain.kind == "positive" or kind == "positive":
        return rng.integers(1, 6, size=shape).astype(float) if kind != "random" else rng.uniform(0.2, 2.0, size=shape)
    if kind == "integers":
        return rng.integers(-3, 4, size=shape).astype(float)
    return rng.normal(size=shape)


class _Design:
    """Trials chosen per op: valid inputs for every op's domain (labels, log's argument) and, for
    piecewise ops (relu, leaky relu, max pooling), draws that put every unit on each branch in
    some trial and split every pair of units at least once, away from the kinks, so that a
    submission using one unit's mask for another cannot pass."""

    def __init__(self, exercise: Exercise):
        self.graph = exercise.graph
        self.domains: dict[str, Domain] = {}
        for built in self.graph.nodes:
            for k, name in enumerate(built.node.inputs):
                if name in self.graph.inputs and self.domains.get(name, REAL) == REAL:
                    self.domains[name] = built.op.domain(k)
        self.pieces = [b for b in self.graph.nodes if b.op.piecewise]
        self.piecewise = bool(self.pieces)
        self.margin = 0.0 if exercise.trials.kinks else KINK_MARGIN
        self.checks_values = any(type(b.op).valid is not Op.valid for b in self.graph.nodes)
        self.seen: list[dict] = []

    def draw(self, rng, kind: str) -> dict:
        return {name: _sample(rng, kind, shape, self.domains.get(name, REAL)) for name, shape in self.graph.inputs.items()}

    def pick(self, rng, kind: str) -> dict:
        if not self.piecewise and not self.checks_values:
            return self.draw(rng, kind)
        best: tuple[dict, list] | None = None
        best_gain, fallback = -1, None
        # Small integers tie and hit 0 often: when none of their draws is clear of every kink,
        # normal draws (which almost never are) take over.
        for attempt in range(2 * CANDIDATES):
            if attempt == CANDIDATES and best is not None:
                break
            values = self.draw(rng, kind if attempt < CANDIDATES else "random")
            env = self.graph.forward(values)
            if not all(b.op.valid([env[n] for n in b.node.inputs]) for b in self.graph.nodes):
                continue
            fallback = fallback or values
            # Piecewise ops (the only ones in self.pieces) always have a pattern.
            patterns = [p for p in (b.op.pattern([env[n] for n in b.node.inputs]) for b in self.pieces) if p is not None]
            if any(margin <= self.margin for _, margin in patterns):
                continue
            gain = self._gain(patterns)
            if gain > best_gain:
                best, best_gain = (values, patterns), gain
            if not self.piecewise:
                break
        if best is None:
            return fallback if fallback is not None else self.draw(rng, "random")
        self._record(best[1])
        return best[0]

    def _gain(self, patterns) -> int:
        if not self.seen:
            self.seen = [dict(on=np.zeros(m.size, int), off=np.zeros(m.size, bool), unsplit=self._unsplit(b.op, m.size))
                         for b, (m, _) in zip(self.pieces, patterns)]
        gain = 0
        for (mask, _), seen in zip(patterns, self.seen):
            # A unit's branches weigh more than a pair split: cover every unit first, active
            # twice, so that one trial's upstream value (a small integer can be 1) cannot hide
            # a missing factor.
            gain += mask.size * int(np.sum(mask & (seen["on"] < ACTIVE_TRIALS)) + np.sum(~mask & ~seen["off"]))
            if seen["unsplit"] is not None:
                gain += int(np.sum((mask[:, None] != mask[None, :]) & seen["unsplit"]))
        return gain

    @staticmethod
    def _unsplit(op, units: int) -> np.ndarray | None:
        """Pairs still to put on different branches: True where a trial has yet to split them."""
        if units > MAX_PAIRED_UNITS:
            return None
        linked = op.linked_units(units)
        return ~np.eye(units, dtype=bool) if linked is None else linked.copy()

    def _record(self, patterns) -> None:
        for (mask, _), seen in zip(patterns, self.seen):
            seen["on"] += mask
            seen["off"] |= ~mask
            if seen["unsplit"] is not None:
                seen["unsplit"] &= mask[:, None] == mask[None, :]
