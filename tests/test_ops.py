"""Every op: numpy backward, symbolic local derivatives and finite differences agree; bad
shapes and parameters are refused with a message; PyTorch autograd agrees where installed."""
import numpy as np
import pytest

from grader.answers.evaluate import evaluate
from grader.spec.notation import ArrayNotation
from grader.spec.load import bundled_ids, load_exercise
from grader.trials import make_trials
from reference.graph import Graph, GraphError, Node, finite_differences
from reference.ops import OPS, build, constant as _constant
from reference.symbolic import solve


def _one_hot(rng, shape):
    out = np.zeros(shape)
    rows = out.reshape(-1, shape[-1])
    rows[np.arange(len(rows)), rng.integers(0, shape[-1], size=len(rows))] = 1.0
    return out


# name: (input shapes, nodes, targets, how to draw special inputs)
CASES = {
    "max_pool2d": ({"X": (4, 4)}, [Node("max_pool2d", ("X",), "Y", {"size": 2})], ("X",), {}),
    "max_pool2d-overlapping": ({"X": (2, 4, 4)}, [Node("max_pool2d", ("X",), "Y", {"size": 3, "stride": 1})], ("X",), {}),
    "softmax": ({"Z": (2, 3)}, [Node("softmax", ("Z",), "Y")], ("Z",), {}),
    "softmax-axis0": ({"Z": (3, 2)}, [Node("softmax", ("Z",), "Y", {"axis": 0})], ("Z",), {}),
    "cross_entropy": ({"P": (2, 3), "T": (2, 3)}, [Node("cross_entropy", ("P", "T"), "Y")], ("P", "T"),
                      {"P": "positive", "T": "one-hot"}),
    "cross_entropy-index": ({"P": (2, 3), "T": (2,)}, [Node("cross_entropy", ("P", "T"), "Y",
                                                             {"target": "index", "reduction": "sum"})], ("P",),
                            {"P": "positive", "T": "index"}),
    "softmax_cross_entropy": ({"Z": (3,), "T": (3,)}, [Node("softmax_cross_entropy", ("Z", "T"), "Y")], ("Z",),
                              {"T": "one-hot"}),
    "softmax-then-cross_entropy": ({"Z": (2, 3), "T": (2, 3)}, [Node("softmax", ("Z",), "P"),
                                                                Node("cross_entropy", ("P", "T"), "Y")], ("Z",),
                                   {"T": "one-hot"}),
    "mse": ({"A": (2, 2), "T": (2, 2)}, [Node("mse", ("A", "T"), "Y")], ("A", "T"), {}),
    "mse-sum": ({"A": (3,), "T": (3,)}, [Node("mse", ("A", "T"), "Y", {"reduction": "sum"})], ("A",), {}),
    "batch_norm": ({"X": (3, 2), "G": (2,), "B": (2,)}, [Node("batch_norm", ("X", "G", "B"), "Y")], ("X", "G", "B"), {}),
    "matmul": ({"A": (2, 3), "B": (3, 2)}, [Node("matmul", ("A", "B"), "Y")], ("A", "B"), {}),
    "matmul-vector": ({"A": (3,), "B": (3, 2)}, [Node("matmul", ("A", "B"), "Y")], ("A", "B"), {}),
    "add-sub-mul": ({"A": (2, 2), "B": (2, 2)}, [Node("add", ("A", "B"), "C"), Node("mul", ("C", "A"), "D"),
                                                 Node("sub", ("D", "B"), "Y")], ("A", "B"), {}),
    "mul-self": ({"A": (3,)}, [Node("mul", ("A", "A"), "Y")], ("A",), {}),
    "reshape-flatten": ({"A": (2, 3)}, [Node("flatten", ("A",), "F"), Node("reshape", ("F",), "R", {"shape": [3, -1]}),
                                        Node("square", ("R",), "Y")], ("A",), {}),
    "leaky_relu": ({"A": (6,)}, [Node("leaky_relu", ("A",), "Y", {"slope": 0.1})], ("A",), {}),
    "exp-log": ({"A": (3,)}, [Node("exp", ("A",), "E"), Node("log", ("E",), "L"), Node("mul", ("L", "E"), "Y")], ("A",), {}),
    "log": ({"A": (3,)}, [Node("log", ("A",), "Y")], ("A",), {"A": "positive"}),
    "abs": ({"A": (4,)}, [Node("abs", ("A",), "Y")], ("A",), {}),
    "add-bias-broadcast": ({"A": (3, 2), "B": (2,)}, [Node("add", ("A", "B"), "Y")], ("A", "B"), {}),
    "sub-mul-broadcast": ({"A": (2, 3), "B": (2, 1), "C": (3,)}, [Node("sub", ("A", "B"), "D"),
                                                                 Node("mul", ("D", "C"), "Y")], ("A", "B", "C"), {}),
    "transpose": ({"A": (2, 3)}, [Node("transpose", ("A",), "T"), Node("square", ("T",), "Y")], ("A",), {}),
    "transpose-axes": ({"A": (2, 3, 2)}, [Node("transpose", ("A",), "Y", {"axes": [1, 0, 2]})], ("A",), {}),
    "scale-surd": ({"A": (2, 2)}, [Node("scale", ("A",), "S", {"factor": "1/sqrt(8)"}), Node("square", ("S",), "Y")],
                   ("A",), {}),
    "scale-number": ({"A": (3,)}, [Node("scale", ("A",), "Y", {"factor": 0.25})], ("A",), {}),
    "concat": ({"A": (2, 2), "B": (1, 2), "C": (3, 2)}, [Node("concat", ("A", "B", "C"), "J"),
                                                        Node("square", ("J",), "Y")], ("A", "B", "C"), {}),
    "concat-axis1": ({"A": (2, 1), "B": (2, 2)}, [Node("concat", ("A", "B"), "Y", {"axis": -1})], ("A", "B"), {}),
    "layer_norm": ({"X": (2, 3), "G": (3,), "B": (3,)}, [Node("layer_norm", ("X", "G", "B"), "Y")], ("X", "G", "B"), {}),
    "layer_norm-plain-vector": ({"X": (4,)}, [Node("layer_norm", ("X",), "Y", {"eps": 0})], ("X",), {}),
    "gelu": ({"A": (5,)}, [Node("gelu", ("A",), "Y")], ("A",), {}),
    "softplus": ({"A": (2, 2)}, [Node("softplus", ("A",), "Y")], ("A",), {}),
    "take": ({"X": (3, 2)}, [Node("take", ("X",), "A", {"index": 1}), Node("take", ("X",), "B", {"index": -1, "axis": 1}),
                            Node("square", ("A",), "A2"), Node("concat", ("A2", "B"), "Y")], ("X",), {}),
    "elu": ({"A": (2, 2)}, [Node("elu", ("A",), "Y", {"alpha": 0.5})], ("A",), {}),
    "silu": ({"A": (3,)}, [Node("silu", ("A",), "Y")], ("A",), {}),
    "embedding": ({"W": (4, 3), "I": (3,)}, [Node("embedding", ("W", "I"), "Y")], ("W",), {"I": "index"}),
    "shared-weight-rnn": ({"W": (2, 2), "U": (2, 3), "H0": (2,), "X1": (3,), "X2": (3,)}, [
        Node("matmul", ("W", "H0"), "A1"), Node("matmul", ("U", "X1"), "B1"), Node("add", ("A1", "B1"), "Z1"),
        Node("tanh", ("Z1",), "H1"), Node("matmul", ("W", "H1"), "A2"), Node("matmul", ("U", "X2"), "B2"),
        Node("add", ("A2", "B2"), "Z2"), Node("tanh", ("Z2",), "Y")], ("W", "U", "H0", "X1"), {}),
}


def torch_gradients(graph, values, upstream, targets, exercise=None):
    """dC/d(target) by PyTorch's autograd for a graph of our ops (None when torch is missing)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return None
    holder = type("Exercise", (), {"graph": graph})
    return _torch_loss(exercise or holder, values, upstream)


def _draw(shapes, special, rng):
    values = {}
    for name, shape in shapes.items():
        kind = special.get(name)
        if kind == "positive":
            values[name] = rng.uniform(0.2, 2.0, size=shape)
        elif kind == "one-hot":
            values[name] = _one_hot(rng, shape)
        elif kind == "index":
            values[name] = rng.integers(0, 3, size=shape).astype(float)
        else:
            values[name] = rng.normal(size=shape)
    return values


@pytest.mark.parametrize("case", sorted(CASES))
def test_backward_symbolic_and_finite_differences_agree(case):
    shapes, nodes, targets, special = CASES[case]
    graph = Graph.build(shapes, nodes, "Y")
    rng = np.random.default_rng(5)
    values = _draw(shapes, special, rng)
    out_shape = graph.shape("Y")
    upstream = None if out_shape == () else rng.normal(size=out_shape)
    notations = {n: ArrayNotation(n, n.lower(), s, tuple(range(len(s)))) for n, s in {**shapes, "DY": out_shape}.items()}
    symbol = lambda name, idx: notations[name].symbol(idx)
    numeric = graph.gradients(values, upstream)
    fd = finite_differences(graph, values, upstream)
    # Piecewise ops and index labels route by the values, as an exercise's fixed values do.
    solution = solve(graph, targets, symbol, None if upstream is None else "DY", fixed=values)
    point = {symbol(n, i): float(v[i]) for n, v in values.items() for i in np.ndindex(*v.shape)}
    if upstream is not None:
        point.update({symbol("DY", i): float(upstream[i]) for i in np.ndindex(*out_shape)})
    autograd = torch_gradients(graph, values, upstream, targets)
    for target in targets:
        exact = np.array([evaluate(e.expr, point, exact=False) for e in solution[target].ravel()],
                         dtype=float).reshape(shapes[target])
        np.testing.assert_allclose(numeric[target], fd[target], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(exact, numeric[target], rtol=1e-9, atol=1e-9)
        if autograd is not None and target in autograd:  # one-hot labels are data to PyTorch
            np.testing.assert_allclose(numeric[target], autograd[target], rtol=1e-9, atol=1e-12)


def test_max_pool_ties_go_to_the_first_entry_as_numpy_argmax():
    graph = Graph.build({"X": (2, 2)}, [Node("max_pool2d", ("X",), "Y", {"size": 2})], "Y")
    grad = graph.gradients({"X": np.array([[1.0, 7.0], [7.0, 7.0]])}, np.array([[3.0]]))["X"]
    assert grad.tolist() == [[0.0, 3.0], [0.0, 0.0]]


def test_relu_derivative_at_zero_is_zero_numerically_and_exactly():
    graph = Graph.build({"A": (2,)}, [Node("relu", ("A",), "Y")], "Y")
    values = {"A": np.array([0.0, 2.0])}
    assert graph.gradients(values, np.ones(2))["A"].tolist() == [0.0, 1.0]
    notation = ArrayNotation("A", "a", (2,), (0,))
    up = ArrayNotation("DY", "dy", (2,), (0,))
    symbol = lambda name, idx: (notation if name == "A" else up).symbol(idx)
    solution = solve(graph, ("A",), symbol, "DY", fixed=values)
    assert [str(e.expr) for e in solution["A"]] == ["0", "dy[2]"]


@pytest.mark.parametrize("op, shapes, params, message", [
    ("max_pool2d", [(3,)], {}, "pooling needs an HxW or CxHxW input"),
    ("softmax", [(2, 3)], {"axis": 2}, "axis 2 is outside"),
    ("cross_entropy", [(2, 3), (2,)], {}, "must have shape (2, 3)"),
    ("cross_entropy", [(2, 3), (2, 3)], {"target": "soft"}, "target must be one-hot or index"),
    ("mse", [(2,), (3,)], {}, "same shape"),
    ("batch_norm", [(1, 2), (2,), (2,)], {}, "batch of N >= 2"),
    ("batch_norm", [(3, 2), (3,), (2,)], {}, "gamma and beta must have shape"),
    ("matmul", [(2, 3), (2, 3)], {}, "matmul needs"),
    ("add", [(2,), (3,)], {}, "broadcast"),
    ("transpose", [(2, 3)], {"axes": [0, 0]}, "permutation"),
    ("scale", [(2,)], {}, "scale needs `factor`"),
    ("scale", [(2,)], {"factor": "__import__('os')"}, "cannot read"),
    ("scale", [(2,)], {"factor": "1/0"}, "cannot read"),
    ("concat", [(2, 3), (2, 2)], {}, "agree except along axis 0"),
    ("layer_norm", [(2, 3), (2,), (3,)], {}, "gamma and beta must have shape"),
    ("embedding", [(4,), (2,)], {}, "table W of shape"),
    ("take", [(3, 2)], {"index": 3}, "outside axis 0"),
    ("reshape", [(2, 3)], {"shape": [4, 2]}, "cannot reshape"),
    ("leaky_relu", [(2,)], {"slope": "steep"}, "slope must be a number"),
])
def test_bad_shapes_and_parameters_are_refused(op, shapes, params, message):
    with pytest.raises(GraphError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Graph.build({f"I{k}": s for k, s in enumerate(shapes)},
                    [Node(op, tuple(f"I{k}" for k in range(len(shapes))), "Y", params)], "Y")


def test_every_op_is_registered_once_with_a_doc():
    build("relu", [(1,)], {})  # loads the library
    for name, spec in OPS.items():
        assert spec.doc and spec.name == name


def _torch_loss(exercise, values, upstream):
    """The exercise's loss in PyTorch, from the same values: sum(output * upstream)."""
    import torch
    import torch.nn.functional as F

    def pool_args(x, p):
        size = p.get("size", 2)
        return (x if x.dim() == 3 else x[None]), size, p.get("stride") or size

    def conv(x, k, p, flip):
        x4 = x.reshape(1, -1, *x.shape[-2:])
        k4 = k.reshape(-1, x4.shape[1], *k.shape[-2:])
        if flip:
            k4 = torch.flip(k4, dims=(-2, -1))
        y = F.conv2d(x4, k4, stride=p.get("stride", 1), padding=p.get("padding", 0), dilation=p.get("dilation", 1))
        return y[0] if k.dim() == 4 else y[0, 0]

    def reduction(p):
        return p.get("reduction", "mean")

    ops = {
        "correlate2d": lambda a, p: conv(a[0], a[1], p, False),
        "convolve2d": lambda a, p: conv(a[0], a[1], p, True),
        "dense": lambda a, p: a[1] @ a[0] + (a[2] if len(a) == 3 else 0),
        "avg_pool2d": lambda a, p: F.avg_pool2d(*pool_args(a[0], p)).reshape(-1).reshape(exercise_shape(a[0], p)),
        "sum_pool2d": lambda a, p: (F.avg_pool2d(*pool_args(a[0], p)) * np.prod(np.broadcast_to(p.get("size", 2), 2))
                                    ).reshape(exercise_shape(a[0], p)),
        "max_pool2d": lambda a, p: F.max_pool2d(*pool_args(a[0], p)).reshape(exercise_shape(a[0], p)),
        "sum": lambda a, p: a[0].sum(), "mean": lambda a, p: a[0].mean(),
        "relu": lambda a, p: torch.relu(a[0]), "abs": lambda a, p: torch.abs(a[0]), "sigmoid": lambda a, p: torch.sigmoid(a[0]),
        "tanh": lambda a, p: torch.tanh(a[0]), "square": lambda a, p: a[0] ** 2,
        "exp": lambda a, p: torch.exp(a[0]), "log": lambda a, p: torch.log(a[0]),
        "leaky_relu": lambda a, p: F.leaky_relu(a[0], float(p.get("slope", 0.01))),
        "softmax": lambda a, p: torch.softmax(a[0], dim=p.get("axis", -1)),
        "cross_entropy": lambda a, p: F.nll_loss(torch.log(a[0]).reshape(-1, a[0].shape[-1]),
                                                 _labels(a[1], p), reduction=reduction(p)),
        "softmax_cross_entropy": lambda a, p: F.cross_entropy(a[0].reshape(-1, a[0].shape[-1]), _labels(a[1], p),
                                                              reduction=reduction(p)),
        "mse": lambda a, p: F.mse_loss(a[0], a[1], reduction=reduction(p)),
        "batch_norm": lambda a, p: F.batch_norm(a[0], None, None, a[1], a[2], training=True, eps=float(p.get("eps", 1e-5))),
        "matmul": lambda a, p: a[0] @ a[1], "add": lambda a, p: a[0] + a[1], "sub": lambda a, p: a[0] - a[1],
        "mul": lambda a, p: a[0] * a[1], "reshape": lambda a, p: a[0].reshape(p["shape"]),
        "flatten": lambda a, p: a[0].reshape(-1),
        "transpose": lambda a, p: a[0].permute(*(p.get("axes") or range(a[0].dim() - 1, -1, -1))),
        "scale": lambda a, p: a[0] * float(_constant(p["factor"], "factor")),
        "concat": lambda a, p: torch.cat(a, dim=p.get("axis", 0)),
        "layer_norm": lambda a, p: F.layer_norm(a[0], a[0].shape[-1:], *(a[1:] or (None, None)),
                                                eps=float(p.get("eps", 1e-5))),
        "gelu": lambda a, p: F.gelu(a[0]), "softplus": lambda a, p: F.softplus(a[0]),
        "elu": lambda a, p: F.elu(a[0], alpha=float(p.get("alpha", 1.0))), "silu": lambda a, p: F.silu(a[0]),
        "embedding": lambda a, p: F.embedding(a[1].detach().long(), a[0]),
        "take": lambda a, p: torch.select(a[0], p.get("axis", 0), p.get("index", 0)),
    }

    def exercise_shape(x, p):
        return exercise.graph.shape(current[0])

    def _labels(t, p):
        if p.get("target", "one-hot") == "index":
            return t.reshape(-1).long()
        return t.reshape(-1, t.shape[-1]).argmax(dim=1)

    env = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in values.items()}
    tensors = dict(env)
    current = [None]
    for built in exercise.graph.nodes:
        current[0] = built.node.output
        tensors[built.node.output] = ops[built.node.op]([tensors[n] for n in built.node.inputs], built.node.params)
        tensors[built.node.output].retain_grad()
    out = tensors[exercise.graph.output]
    loss = out.sum() if upstream is None else (out * torch.tensor(upstream)).sum()
    loss.backward()
    return {name: t.grad.numpy() for name, t in tensors.items() if t.grad is not None}


@pytest.mark.parametrize("exercise_id", bundled_ids())
def test_reference_gradients_agree_with_pytorch_autograd(exercise_id):
    try:
        import torch  # noqa: F401
    except ImportError:
        print("PyTorch is not installed (the optional `torch` test extra): nothing to compare with")
        pytest.skip("PyTorch is not installed (pip install '.[torch]' to compare with autograd)")
    exercise = load_exercise(exercise_id)
    trial = make_trials(exercise)[-1]
    ours = exercise.graph.gradients(trial.values, trial.upstream)
    theirs = _torch_loss(exercise, trial.values, trial.upstream)
    for target in exercise.targets:
        np.testing.assert_allclose(ours[target.name], theirs[target.name], rtol=1e-9, atol=1e-12)
