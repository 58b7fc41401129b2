"""Trials designed per op: piecewise ops get draws that separate their units, away from kinks;
labels and log's arguments are drawn valid."""
import itertools
from pathlib import Path

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
    patterns = [op.pattern([trial.values["X"]]) for trial in make_trials(exercise) if not trial.coverage]
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


def test_coverage_trials_hold_every_pattern_every_scale_the_kink_and_large_inputs():
    exercise = load_exercise("relu-4")
    trials = [t for t in make_trials(exercise) if t.coverage]
    signs = {tuple(t.values["x"] > 0) for t in trials}
    assert len(signs) == 16  # every activation pattern of the 4 units
    for scale in (1e-3, 1e-2, 0.1, 1.0, 10.0):  # each unit on both sides of 0 at every scale
        near = [t.values["x"] for t in trials if np.all(np.abs(np.abs(t.values["x"]) - scale) < scale / 100)]
        assert all((np.array(near) > 0).any(axis=0)) and all((np.array(near) < 0).any(axis=0)), scale
    assert any(np.all(t.values["x"] == 0) for t in trials)  # relu'(0) = 0 is stated: one trial at 0
    sigmoid = [t for t in make_trials(load_exercise("sigmoid-4")) if t.coverage]
    assert any(np.abs(t.values["x"]).max() >= 25 for t in sigmoid)  # a smooth op: |x| up to 30
    maxpool = load_exercise("maxpool2d-4x4-size2")
    own = np.asarray(maxpool.fixed["X"], dtype=float)
    assert any(np.array_equal(t.values["X"], own) for t in make_trials(maxpool))  # the tie in the spec's X


CODE = Path(__file__).resolve().parent / "fixtures" / "verdicts" / "code"
WRONG_CODE = [("relu_threshold.py", "relu-4"), ("relu_all_active.py", "relu-4"), ("relu_at_zero.py", "relu-4"),
              ("sigmoid_clipped.py", "sigmoid-4"), ("tanh_clipped.py", "tanh-4"),
              ("maxpool_last_tie.py", "maxpool2d-4x4-size2")]


@pytest.mark.parametrize("name,exercise", WRONG_CODE, ids=[w[0] for w in WRONG_CODE])
def test_functions_right_only_in_part_of_the_domain_lose_points(name, exercise):
    report = grade(load_exercise(exercise), CODE / name)
    assert not report.full_marks and report.score < report.max_score
