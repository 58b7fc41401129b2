"""Numeric trial inputs for grading code: seeded random draws plus structured cases.

Random normal draws are well conditioned for comparing float64 gradients; the structured
cases separate common mistakes: small integers make errors visible to a person, and a one-hot
upstream gradient isolates a single chain-rule path (only the entries that path reaches are
non-zero).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .spec import Exercise


@dataclass(frozen=True)
class Trial:
    name: str
    values: dict  # input name -> float64 array
    upstream: np.ndarray | None  # None for an exercise whose output is a scalar loss
    isolates: str | None = None  # for a one-hot upstream: the output whose path alone carries gradient

    def array(self, name: str, upstream_name: str | None) -> np.ndarray:
        return self.upstream if name == upstream_name else self.values[name]


def make_trials(exercise: Exercise, seed: int | None = None) -> list[Trial]:
    """The trials for this exercise; the same seed always gives the same arrays."""
    seed = exercise.trials.seed if seed is None else seed
    graph = exercise.graph
    out_shape = graph.shape(graph.output)
    has_upstream = exercise.upstream is not None
    trials = []

    def draw(rng, kind):
        if kind == "integers":
            return lambda shape: rng.integers(-3, 4, size=shape).astype(float)
        return lambda shape: rng.normal(size=shape)

    for number in range(exercise.trials.count):
        rng = np.random.default_rng([seed, number])
        kind = "integers" if number == 0 and exercise.trials.structured else "random"
        sample = draw(rng, kind)
        values = {name: sample(shape) for name, shape in graph.inputs.items()}
        upstream = sample(out_shape) if has_upstream else None
        trials.append(Trial(f"{kind} #{number + 1}", values, upstream))
    if exercise.trials.structured and has_upstream:
        rng = np.random.default_rng([seed, 1000])
        values = {name: rng.integers(1, 6, size=shape).astype(float) for name, shape in graph.inputs.items()}
        size = int(np.prod(out_shape))
        upstream_notation = exercise.notation[exercise.upstream]
        for flat in sorted({0, size // 2, size - 1}):
            upstream = np.zeros(out_shape)
            index = np.unravel_index(flat, out_shape)
            upstream[index] = 1.0
            full = tuple(int(i) for i in index)
            output = exercise.notation[exercise.graph.output].plain(full)
            trials.append(Trial(f"one-hot {upstream_notation.plain(full)} = 1", values, upstream, output))
    return trials
