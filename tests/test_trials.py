"""Trials designed per op: piecewise ops get draws that separate their units, away from kinks;
labels and log's arguments are drawn valid."""
import itertools

import numpy as np
import pytest

from grader.pipeline import GradeOptions, grade
from grader.spec.load import load_exercise, parse_exercise
from grader.trials import KINK_MARGIN, make_trials

SPEC = """
id: piecewise
title: one piecewise op
statement: "..."
inputs:
{inputs}
graph:
  - {{op: {op}, inputs: [X], output: Y{params}}}
output: {{name: Y, symbol: y}}
upstream: {{name: dY, symbol: dy}}
targets:
  X: {{points: 2, per_entry: true}}
functions:
  grad_X: {{args: [X, dY], returns: X}}
"""

PIECEWISE = {
    "relu-2": ("  X: {shape: [2], symbol: x}", "relu", ""),
    "relu-3x3": ("  X: {shape: [3, 3], symbol: x}", "relu", ""),
    "abs": ("  X: {shape: [3], symbol: x, values: [1, -2, 3]}", "abs", ""),
    "leaky_relu": ("  X: {shape: [4], symbol: x}", "leaky_relu", ", params: {slope: 0.2}"),
    # The values only fix the exact reference; trials draw their own.
    "max_pool2d": ("  X: {shape: [4, 4], symbol: x, values: " + str(np.arange(16).reshape(4, 4).tolist()) + "}",
                   "max_pool2d", ", params: {size: 2}"),
    "max_pool2d-overlapping": ("  X: {shape: [3, 3], symbol: x, values: " + str(np.arange(9).reshape(3, 3).tolist())
                               + "}", "max_pool2d", ", params: {size: 2, stride: 1}"),
}


def _exercise(case):
    inputs, op, params = PIECEWISE[case]
    return parse_exercise(SPEC.format(inputs=inputs, op=op, params=params), f"{case}.yaml")


@pytest.mark.parametrize("case", sorted(PIECEWISE))
def test_piecewise_trials_separate_every_unit_and_pair_away_from_kinks(case):
    exercise = _exercise(case)
    op = exercise.graph.nodes[0].op
    patterns = [op.pattern([trial.values["X"]]) for trial in make_trials(exercise)]
    masks = np.array([mask for mask, _ in patterns])
    assert min(margin for _, margin in patterns) > KINK_MARGIN
    units = masks.shape[1]
    draws = masks[:exercise.trials.count + 1]  # the one-hot trials share one draw
    for unit in range(units):
        assert masks[:, unit].any() and not masks[:, unit].all(), f"unit {unit} stays on one branch"
        if op.linked_units(units) is None:  # element-wise: active in two draws, not one lucky one
            assert draws[:, unit].sum() >= 2, f"unit {unit} is active in one draw only"
    linked = op.linked_units(units)
    for u, v in itertools.combinations(range(units), 2):
        if linked is None or linked[u, v]:
            assert (masks[:, u] != masks[:, v]).any(), f"units {u} and {v} share a branch in every trial"


def test_trials_are_deterministic():
    exercise = _exercise("relu-3x3")
    first, second = make_trials(exercise, seed=4), make_trials(exercise, seed=4)
    assert all(np.array_equal(a.values["X"], b.values["X"]) for a, b in zip(first, second))


def test_labels_are_drawn_valid_and_logs_get_positive_arguments():
    exercise = load_exercise("softmax-cross-entropy-2x3")
    for trial in make_trials(exercise, seed=3):
        targets = trial.values["T"]
        assert set(np.unique(targets)) <= {0.0, 1.0} and (targets.sum(axis=1) == 1).all()
    spec = SPEC.format(inputs="  X: {shape: [3], symbol: x}", op="log", params="")
    for trial in make_trials(parse_exercise(spec)):
        assert (trial.values["X"] > 0).all()


SHARED_MASK = """
import numpy as np
def grad_X(X, dY):
    return dY * (X[0] > 0)   # unit 1's mask used for both units
"""


def test_a_shared_relu_mask_scores_below_full_marks_with_the_default_trials(tmp_path):
    exercise = _exercise("relu-2")
    assert exercise.trials.count == 5
    path = tmp_path / "shared_mask.py"
    path.write_text(SHARED_MASK)
    report = grade(exercise, path, GradeOptions(seed=None, timeout=None, lang="en"))
    assert report.score < exercise.max_score
