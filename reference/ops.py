"""The op library: every op an exercise graph may use, numerically and symbolically.

Linear and bilinear ops (correlation, convolution, dense, pooling, sums) are described by their
*structure*: a list of index triples saying which input entries multiply into which output
entry. The same triples drive the numpy forward and backward passes (via `bincount`) and the
symbolic per-entry gradients, so the two can never disagree on index conventions, and the
symbolic gradient is built term by term instead of differentiating whole expressions (which is
what keeps a 28x28 image with a 5x5 kernel fast).

Element-wise ops carry a numeric function, a symbolic function and the symbolic derivative.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Mapping, Sequence

import numpy as np


class OpError(ValueError):
    """An op was given shapes or parameters it cannot work with."""


@dataclass(frozen=True)
class Bilinear:
    """y[o] = sum over triples (o, a, b) of weight * A[a] * B[b] (flat indices)."""

    out_shape: tuple[int, ...]
    out_idx: np.ndarray
    a_idx: np.ndarray
    b_idx: np.ndarray
    weight: Fraction = Fraction(1)
    args: tuple[int, int] = (0, 1)  # which op inputs play A and B


@dataclass(frozen=True)
class Linear:
    """y[o] = sum over pairs (o, a) of weight * A[a] (flat indices)."""

    out_shape: tuple[int, ...]
    out_idx: np.ndarray
    a_idx: np.ndarray
    weight: Fraction = Fraction(1)
    args: tuple[int] = (0,)  # which op input plays A


@dataclass(frozen=True)
class Elementwise:
    """y = f(a) entry by entry."""

    name: str
    numeric: Callable[[np.ndarray], np.ndarray]
    numeric_grad: Callable[[np.ndarray], np.ndarray]
    symbolic: Callable  # sympy expr -> sympy expr
    symbolic_grad: Callable  # sympy expr -> sympy expr (df/da at a)


@dataclass(frozen=True)
class OpSpec:
    """What the graph needs to know about an op kind."""

    name: str
    arity: tuple[int, ...]  # accepted input counts
    params: Mapping[str, object]  # parameter name -> default
    build: Callable  # (input shapes, params) -> tuple of structure parts + output shape
    doc: str


def _pair(value, name: str) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value
    ):
        return int(value[0]), int(value[1])
    raise OpError(f"{name} must be an integer or a pair of integers, got {value!r}")


def _conv_layout(x_shape, k_shape):
    """Canonical (C, H, W) image and (O, C, kh, kw) kernel, plus whether Y has a channel axis."""
    if len(x_shape) == 2:
        c, h, w = 1, *x_shape
    elif len(x_shape) == 3:
        c, h, w = x_shape
    else:
        raise OpError(f"the image must be HxW or CxHxW, got shape {tuple(x_shape)}")
    if len(k_shape) == 2:
        o, kc, kh, kw = 1, 1, *k_shape
    elif len(k_shape) == 3:
        o, kc, kh, kw = 1, *k_shape
    elif len(k_shape) == 4:
        o, kc, kh, kw = k_shape
    else:
        raise OpError(f"the kernel must be khxkw, CxKhxKw or OxCxkhxkw, got shape {tuple(k_shape)}")
    if kc != c:
        raise OpError(f"the kernel has {kc} input channel(s) but the image has {c}")
    return (c, h, w), (o, kc, kh, kw), len(k_shape) == 4


def _window_structure(x_shape, k_shape, params, flip: bool) -> Bilinear:
    (c, h, w), (o, _, kh, kw), channel_out = _conv_layout(x_shape, k_shape)
    sh, sw = _pair(params["stride"], "stride")
    ph, pw = _pair(params["padding"], "padding")
    dh, dw = _pair(params["dilation"], "dilation")
    if min(sh, sw, dh, dw) < 1 or min(ph, pw) < 0:
        raise OpError("stride and dilation must be >= 1 and padding >= 0")
    ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    if ho < 1 or wo < 1:
        raise OpError(
            f"a {kh}x{kw} kernel (dilation {dh}x{dw}) does not fit a {h}x{w} image with padding {ph}x{pw}"
        )
    # Every (out channel, in channel, out row, out col, kernel row, kernel col) combination.
    oo, cc, a, b, p, q = np.meshgrid(
        np.arange(o), np.arange(c), np.arange(ho), np.arange(wo), np.arange(kh), np.arange(kw),
        indexing="ij",
    )
    i = a * sh + p * dh - ph
    j = b * sw + q * dw - pw
    inside = (i >= 0) & (i < h) & (j >= 0) & (j < w)  # zero padding contributes nothing
    oo, cc, a, b, p, q, i, j = (v[inside] for v in (oo, cc, a, b, p, q, i, j))
    if flip:  # true convolution: the kernel is applied rotated by 180 degrees
        p, q = kh - 1 - p, kw - 1 - q
    out_idx = (oo * ho + a) * wo + b
    x_idx = (cc * h + i) * w + j
    k_idx = ((oo * c + cc) * kh + p) * kw + q
    out_shape = (o, ho, wo) if channel_out else (ho, wo)
    order = np.lexsort((k_idx, out_idx))
    return Bilinear(out_shape, out_idx[order], x_idx[order], k_idx[order])


def _correlate(shapes, params):
    return _window_structure(shapes[0], shapes[1], params, flip=False)


def _convolve(shapes, params):
    return _window_structure(shapes[0], shapes[1], params, flip=True)


def _dense(shapes, params):
    """y = W x (+ b): x of shape (n,), W of shape (m, n), b of shape (m,)."""
    x_shape, w_shape = shapes[0], shapes[1]
    if len(x_shape) != 1 or len(w_shape) != 2 or w_shape[1] != x_shape[0]:
        raise OpError(f"dense needs x of shape (n,) and W of shape (m, n); got {tuple(x_shape)} and {tuple(w_shape)}")
    m, n = w_shape
    r, col = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    parts = [Bilinear((m,), r.ravel(), col.ravel(), (r * n + col).ravel())]
    if len(shapes) == 3:
        if tuple(shapes[2]) != (m,):
            raise OpError(f"the bias must have shape ({m},), got {tuple(shapes[2])}")
        parts.append(Linear((m,), np.arange(m), np.arange(m), args=(2,)))
    return parts


def _pool_structure(shapes, params, mean: bool) -> Linear:
    x_shape = tuple(shapes[0])
    if len(x_shape) not in (2, 3):
        raise OpError(f"pooling needs an HxW or CxHxW input, got shape {x_shape}")
    channels, hw = (1, x_shape) if len(x_shape) == 2 else (x_shape[0], x_shape[1:])
    size = _pair(params["size"], "size")
    stride = params["stride"] if params["stride"] is not None else params["size"]
    plane = _window_structure(hw, size, {"stride": stride, "padding": 0, "dilation": 1}, False)
    # Pooling acts on each channel alone: repeat the single-plane windows per channel.
    n_out, n_in = int(np.prod(plane.out_shape)), hw[0] * hw[1]
    c = np.repeat(np.arange(channels), plane.out_idx.size)
    out_idx = np.tile(plane.out_idx, channels) + c * n_out
    a_idx = np.tile(plane.a_idx, channels) + c * n_in
    out_shape = plane.out_shape if len(x_shape) == 2 else (channels, *plane.out_shape)
    weight = Fraction(1, size[0] * size[1]) if mean else Fraction(1)
    return Linear(out_shape, out_idx, a_idx, weight)


def _avg_pool(shapes, params):
    return _pool_structure(shapes, params, mean=True)


def _sum_pool(shapes, params):
    return _pool_structure(shapes, params, mean=False)


def _reduce(shapes, params, mean: bool) -> Linear:
    n = int(np.prod(shapes[0]))
    return Linear((), np.zeros(n, dtype=np.int64), np.arange(n), Fraction(1, n) if mean else Fraction(1))


def _elementwise(name):
    def build(shapes, params):
        return ELEMENTWISE[name], tuple(shapes[0])

    return build


def _sympy_elementwise():
    import sympy

    def sigmoid(z):
        return 1 / (1 + sympy.exp(-z))

    return {
        "relu": (lambda z: sympy.Max(0, z), lambda z: sympy.Heaviside(z, 0)),
        "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z))),
        "tanh": (sympy.tanh, lambda z: 1 - sympy.tanh(z) ** 2),
        "square": (lambda z: z**2, lambda z: 2 * z),
    }


def _lazy_sym(name: str, which: int):
    def f(z):
        return _sympy_elementwise()[name][which](z)

    return f


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free form


ELEMENTWISE: dict[str, Elementwise] = {
    "relu": Elementwise("relu", lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float),
                        _lazy_sym("relu", 0), _lazy_sym("relu", 1)),
    "sigmoid": Elementwise("sigmoid", _sigmoid, lambda z: _sigmoid(z) * (1 - _sigmoid(z)),
                           _lazy_sym("sigmoid", 0), _lazy_sym("sigmoid", 1)),
    "tanh": Elementwise("tanh", np.tanh, lambda z: 1 - np.tanh(z) ** 2,
                        _lazy_sym("tanh", 0), _lazy_sym("tanh", 1)),
    "square": Elementwise("square", np.square, lambda z: 2 * z,
                          _lazy_sym("square", 0), _lazy_sym("square", 1)),
}

_WINDOW = {"stride": 1, "padding": 0, "dilation": 1}

OPS: dict[str, OpSpec] = {
    "correlate2d": OpSpec("correlate2d", (2,), _WINDOW, _correlate,
                          "valid cross-correlation, the deep-learning 'conv': y[a,b] = sum x[a*s+p*d-pad, b*s+q*d-pad] k[p,q]"),
    "convolve2d": OpSpec("convolve2d", (2,), _WINDOW, _convolve,
                         "true convolution: cross-correlation with the kernel rotated by 180 degrees"),
    "dense": OpSpec("dense", (2, 3), {}, _dense, "y = W x (+ b)"),
    "avg_pool2d": OpSpec("avg_pool2d", (1,), {"size": 2, "stride": None}, _avg_pool, "mean over each window"),
    "sum_pool2d": OpSpec("sum_pool2d", (1,), {"size": 2, "stride": None}, _sum_pool, "sum over each window"),
    "sum": OpSpec("sum", (1,), {}, lambda s, p: _reduce(s, p, False), "sum of all entries (a scalar)"),
    "mean": OpSpec("mean", (1,), {}, lambda s, p: _reduce(s, p, True), "mean of all entries (a scalar)"),
    **{name: OpSpec(name, (1,), {}, _elementwise(name), f"element-wise {name}") for name in ELEMENTWISE},
}


def build(op: str, shapes: Sequence[tuple[int, ...]], params: Mapping[str, object]):
    """The op's structure for these input shapes: a Bilinear, a Linear, a list of them, or an
    (Elementwise, shape) pair.

    Raises OpError for an unknown op, a wrong number of inputs, unknown parameters or shapes
    the op cannot take.
    """
    spec = OPS.get(op)
    if spec is None:
        raise OpError(f"unknown op {op!r}; known ops: {', '.join(sorted(OPS))}")
    if len(shapes) not in spec.arity:
        raise OpError(f"{op} takes {' or '.join(map(str, spec.arity))} input(s), got {len(shapes)}")
    unknown = set(params) - set(spec.params)
    if unknown:
        raise OpError(f"{op} has no parameter {', '.join(sorted(unknown))}; it takes: {', '.join(spec.params) or 'none'}")
    merged = {**spec.params, **params}
    return spec.build([tuple(s) for s in shapes], merged)


def output_shape(structure) -> tuple[int, ...]:
    if isinstance(structure, tuple):
        return structure[1]
    if isinstance(structure, list):
        return structure[0].out_shape
    return structure.out_shape


def parts(structure) -> list:
    """The Bilinear/Linear parts of a structure; input k of the op feeds part slots in order."""
    return structure if isinstance(structure, list) else [structure]
