"""The reference solver: symbolic, vectorised and finite-difference gradients agree."""
import itertools

import numpy as np
import pytest

from grader.answers.evaluate import evaluate
from grader.spec.notation import ArrayNotation
from grader.spec.load import bundled_ids, load_exercise
from reference.graph import Graph, Node, finite_differences
from reference.symbolic import solve
from grader.trials import make_trials


def _symbols_for(shapes):
    notations = {n: ArrayNotation(n, n.lower(), s, tuple(range(len(s)))) for n, s in shapes.items()}
    return lambda name, idx: notations[name].symbol(idx)


def _random_values(graph, rng):
    values = {name: rng.normal(size=shape) for name, shape in graph.inputs.items()}
    out_shape = graph.shape(graph.output)
    return values, (None if out_shape == () else rng.normal(size=out_shape))


def _assert_three_way(graph, targets, symbol, upstream_name, upstream_shape_name, rng):
    values, upstream = _random_values(graph, rng)
    numeric = graph.gradients(values, upstream)
    fd = finite_differences(graph, values, upstream)
    solution = solve(graph, targets, symbol, upstream_name)
    point = {}
    for name, arr in values.items():
        for idx in np.ndindex(*arr.shape):
            point[symbol(name, idx)] = float(arr[idx])
    for idx in np.ndindex(*(upstream.shape if upstream is not None else (0,))):
        point[symbol(upstream_shape_name, idx)] = float(upstream[idx])
    for target in targets:
        symbolic = np.array([evaluate(e.expr, point, exact=False) for e in solution[target].ravel()],
                            dtype=float).reshape(graph.inputs[target])
        np.testing.assert_allclose(symbolic, numeric[target], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(numeric[target], fd[target], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("exercise_id", bundled_ids())
def test_bundled_exercises_agree_three_ways(exercise_id):
    """On a trial point (labels valid, no unit at a kink), with piecewise ops routed by that point."""
    exercise = load_exercise(exercise_id)
    graph = exercise.graph
    trial = [t for t in make_trials(exercise) if not t.coverage][-1]  # coverage trials sit at kinks
    values, upstream = trial.values, trial.upstream
    symbol = lambda name, idx: exercise.notation[name].symbol(idx)
    targets = tuple(t.name for t in exercise.targets)
    numeric = graph.gradients(values, upstream)
    fd = finite_differences(graph, values, upstream)
    solution = solve(graph, targets, symbol, exercise.upstream, fixed=values)
    point = {symbol(name, idx): float(arr[idx]) for name, arr in values.items() for idx in np.ndindex(*arr.shape)}
    if upstream is not None:
        point.update({symbol(exercise.upstream, idx): float(upstream[idx]) for idx in np.ndindex(*upstream.shape)})
    for target in targets:
        symbolic = np.array([evaluate(e.expr, point, exact=False) for e in solution[target].ravel()],
                            dtype=float).reshape(graph.shape(target))
        np.testing.assert_allclose(symbolic, numeric[target], rtol=1e-9, atol=1e-9)
        if target in graph.inputs:
            np.testing.assert_allclose(numeric[target], fd[target], rtol=1e-5, atol=1e-6)


SWEEP = [
    dict(x=(5, 6), k=(2, 3), stride=s, padding=p, dilation=d, op=op)
    for s, p, d, op in itertools.product([1, 2], [0, 1], [1, 2], ["correlate2d", "convolve2d"])
] + [
    dict(x=(2, 5, 5), k=(3, 2, 2, 2), stride=1, padding=1, dilation=1, op="correlate2d"),
    dict(x=(3, 4, 4), k=(3, 3, 3), stride=(1, 2), padding=(0, 1), dilation=1, op="convolve2d"),
]


@pytest.mark.parametrize("case", SWEEP, ids=lambda c: "-".join(f"{k}{v}" for k, v in c.items()))
def test_window_ops_sweep(case):
    params = {k: case[k] for k in ("stride", "padding", "dilation")}
    graph = Graph.build({"X": case["x"], "K": case["k"]}, [Node(case["op"], ("X", "K"), "Y", params)], "Y")
    shapes = {"X": case["x"], "K": case["k"], "DY": graph.shape("Y")}
    _assert_three_way(graph, ("X", "K"), _symbols_for(shapes), "DY", "DY", np.random.default_rng(2))


GRAPHS = {
    "conv-relu-avgpool-sum": ({"X": (6, 6), "K": (3, 3)}, [
        Node("correlate2d", ("X", "K"), "Z"), Node("relu", ("Z",), "A"),
        Node("avg_pool2d", ("A",), "P", {"size": 2}), Node("sum", ("P",), "Y")]),
    "dense-sigmoid-mean": ({"x": (4,), "W": (3, 4), "b": (3,)}, [
        Node("dense", ("x", "W", "b"), "z"), Node("sigmoid", ("z",), "a"), Node("mean", ("a",), "Y")]),
    "dense-tanh-dense": ({"x": (3,), "W1": (4, 3), "W2": (2, 4)}, [
        Node("dense", ("x", "W1"), "h"), Node("tanh", ("h",), "a"), Node("dense", ("a", "W2"), "Y")]),
    "channels-sum-pool-square": ({"X": (2, 4, 4)}, [
        Node("sum_pool2d", ("X",), "P", {"size": 2}), Node("square", ("P",), "Q"), Node("mean", ("Q",), "Y")]),
}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_composite_graphs(name):
    inputs, nodes = GRAPHS[name]
    graph = Graph.build(inputs, nodes, "Y")
    out_shape = graph.shape("Y")
    shapes = {**inputs, "DY": out_shape}
    scalar = out_shape == ()
    _assert_three_way(graph, tuple(inputs), _symbols_for(shapes), None if scalar else "DY", "DY",
                      np.random.default_rng(3))


def test_seed_gradients_are_exactly_the_known_answer():
    exercise = load_exercise("conv2d-3x3-k2x1")
    sol = exercise.solution
    s = lambda n, *i: exercise.notation[n].symbol(i)
    for j in range(3):
        assert sol["X"][0, j].expr == s("dY", 0, j) * s("K", 0, 0)
        assert sol["X"][1, j].expr == s("dY", 0, j) * s("K", 1, 0) + s("dY", 1, j) * s("K", 0, 0)
        assert sol["X"][2, j].expr == s("dY", 1, j) * s("K", 1, 0)
    assert [p.upstream for p in sol["X"][1, 0].paths] == [(0, 0), (1, 0)]
    assert sol["K"][0, 0].expr == sum(s("dY", n, m) * s("X", n, m) for n in range(2) for m in range(3))
    assert sol["K"][1, 0].expr == sum(s("dY", n, m) * s("X", n + 1, m) for n in range(2) for m in range(3))
