"""Linear and bilinear ops described by index structure: convolutions, dense, matmul, pooling
by sum or mean, sums, add/sub/mul of two nodes (numpy broadcasting), reshape, transpose, concat.

Each is a list of parts, and a part is a list of index triples saying which input entries
multiply into which output entry. The same triples drive the numpy forward and backward passes
(via `bincount`) and the symbolic per-entry derivatives, so the two can never disagree on index
conventions, and the symbolic gradient is built term by term instead of differentiating whole
expressions (which is what keeps a 28x28 image with a 5x5 kernel fast).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import numpy as np

from .ops import Op, OpError, pair, rational, register


@dataclass(frozen=True, eq=False)
class Bilinear:
    """y[o] += sum over triples (o, a, b) of weight * A[a] * B[b] (flat indices)."""

    out_idx: np.ndarray
    a_idx: np.ndarray
    b_idx: np.ndarray
    weight: Fraction = Fraction(1)
    args: tuple[int, int] = (0, 1)  # which op inputs play A and B

    def forward(self, args, size: int) -> np.ndarray:
        a, b = (args[i].ravel() for i in self.args)
        return np.bincount(self.out_idx, weights=float(self.weight) * a[self.a_idx] * b[self.b_idx], minlength=size)

    def backward(self, args, gf: np.ndarray):
        ia, ib = self.args
        a, b = args[ia].ravel(), args[ib].ravel()
        up = float(self.weight) * gf[self.out_idx]
        yield ia, np.bincount(self.a_idx, weights=up * b[self.b_idx], minlength=a.size)
        yield ib, np.bincount(self.b_idx, weights=up * a[self.a_idx], minlength=b.size)

    def terms(self, inputs):
        import sympy

        weight = rational(self.weight)
        a, b = inputs.symbolic(self.args[0]), inputs.symbolic(self.args[1])
        for out, ia, ib in zip(self.out_idx.tolist(), self.a_idx.tolist(), self.b_idx.tolist()):
            yield out, scale(weight, sympy.Mul(a[ia], b[ib]))

    def local(self, position, inputs):
        weight = rational(self.weight)
        first = self.args[0] == position
        mine, theirs = (self.a_idx, self.b_idx) if first else (self.b_idx, self.a_idx)
        other = inputs.symbolic(self.args[1] if first else self.args[0])
        for out, me, ot in zip(self.out_idx.tolist(), mine.tolist(), theirs.tolist()):
            yield out, me, scale(weight, other[ot])


@dataclass(frozen=True, eq=False)
class Linear:
    """y[o] += sum over pairs (o, a) of weight * A[a] (flat indices)."""

    out_idx: np.ndarray
    a_idx: np.ndarray
    weight: Fraction = Fraction(1)
    args: tuple[int] = (0,)  # which op input plays A

    def forward(self, args, size: int) -> np.ndarray:
        a = args[self.args[0]].ravel()
        return np.bincount(self.out_idx, weights=float(self.weight) * a[self.a_idx], minlength=size)

    def backward(self, args, gf: np.ndarray):
        ia = self.args[0]
        yield ia, np.bincount(self.a_idx, weights=float(self.weight) * gf[self.out_idx], minlength=args[ia].size)

    def terms(self, inputs):
        weight = rational(self.weight)
        a = inputs.symbolic(self.args[0])
        for out, ia in zip(self.out_idx.tolist(), self.a_idx.tolist()):
            yield out, scale(weight, a[ia])

    def local(self, position, inputs):
        weight = rational(self.weight)
        for out, me in zip(self.out_idx.tolist(), self.a_idx.tolist()):
            yield out, me, weight


@dataclass(frozen=True, eq=False)
class IndexedSum(Op):
    """y = the sum of its Bilinear and Linear parts."""

    out_shape: tuple[int, ...]
    parts: tuple[Bilinear | Linear, ...]

    def forward(self, args):
        size = int(np.prod(self.out_shape))
        out = np.zeros(size)
        for part in self.parts:
            out += part.forward(args, size)
        return out.reshape(self.out_shape)

    def backward(self, args, g):
        grads: list[np.ndarray | None] = [None] * len(args)
        gf = g.ravel()
        for part in self.parts:
            for position, contribution in part.backward(args, gf):
                contribution = contribution.reshape(args[position].shape)
                grads[position] = contribution if grads[position] is None else grads[position] + contribution
        return grads

    def symbolic(self, inputs):
        import sympy

        terms: list[list] = [[] for _ in range(int(np.prod(self.out_shape)))]
        for part in self.parts:
            for out, term in part.terms(inputs):
                terms[out].append(term)
        return [sympy.Add(*t) for t in terms]

    def local(self, position, inputs):
        for part in self.parts:
            if position in part.args:
                yield from part.local(position, inputs)


def scale(local, factor):
    """local * factor, without building a Mul when either is 1 (most conv paths)."""
    import sympy

    if local is sympy.S.One:
        return factor
    if factor is sympy.S.One:
        return local
    return sympy.Mul(local, factor)


def conv_layout(x_shape: Sequence[int], k_shape: Sequence[int]) -> tuple[tuple[int, int, int], tuple[int, int, int, int], bool]:
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


def window_structure(x_shape, k_shape, params, flip: bool) -> IndexedSum:
    """Sliding-window triples; within each output entry, the window is in row-major order."""
    (c, h, w), (o, _, kh, kw), channel_out = conv_layout(x_shape, k_shape)
    sh, sw = pair(params["stride"], "stride")
    ph, pw = pair(params["padding"], "padding")
    dh, dw = pair(params["dilation"], "dilation")
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
    return IndexedSum(out_shape, (Bilinear(out_idx[order], x_idx[order], k_idx[order]),))


_WINDOW = {"stride": 1, "padding": 0, "dilation": 1}


@register("correlate2d", (2,), _WINDOW,
          "valid cross-correlation, the deep-learning 'conv': y[a,b] = sum x[a*s+p*d-pad, b*s+q*d-pad] k[p,q]")
def _correlate(shapes, params):
    return window_structure(shapes[0], shapes[1], params, flip=False)


@register("convolve2d", (2,), _WINDOW, "true convolution: cross-correlation with the kernel rotated by 180 degrees")
def _convolve(shapes, params):
    return window_structure(shapes[0], shapes[1], params, flip=True)


@register("dense", (2, 3), {}, "y = W x (+ b)")
def _dense(shapes, params):
    """x of shape (n,), W of shape (m, n), b of shape (m,)."""
    x_shape, w_shape = shapes[0], shapes[1]
    if len(x_shape) != 1 or len(w_shape) != 2 or w_shape[1] != x_shape[0]:
        raise OpError(f"dense needs x of shape (n,) and W of shape (m, n); got {tuple(x_shape)} and {tuple(w_shape)}")
    m, n = w_shape
    r, col = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    parts: list[Bilinear | Linear] = [Bilinear(r.ravel(), col.ravel(), (r * n + col).ravel())]
    if len(shapes) == 3:
        if tuple(shapes[2]) != (m,):
            raise OpError(f"the bias must have shape ({m},), got {tuple(shapes[2])}")
        parts.append(Linear(np.arange(m), np.arange(m), args=(2,)))
    return IndexedSum((m,), tuple(parts))


def pool_windows(x_shape, params) -> tuple[tuple[int, ...], np.ndarray, np.ndarray, int]:
    """Output shape, (out, in) index pairs of every pooling window and the window size.

    Pooling acts on each channel alone: the single-plane windows repeat per channel.
    """
    x_shape = tuple(x_shape)
    if len(x_shape) not in (2, 3):
        raise OpError(f"pooling needs an HxW or CxHxW input, got shape {x_shape}")
    channels, hw = (1, x_shape) if len(x_shape) == 2 else (x_shape[0], x_shape[1:])
    size = pair(params["size"], "size")
    stride = params["stride"] if params["stride"] is not None else params["size"]
    plane = window_structure(hw, size, {"stride": stride, "padding": 0, "dilation": 1}, False)
    windows = plane.parts[0]
    n_out, n_in = int(np.prod(plane.out_shape)), hw[0] * hw[1]
    c = np.repeat(np.arange(channels), windows.out_idx.size)
    out_idx = np.tile(windows.out_idx, channels) + c * n_out
    a_idx = np.tile(windows.a_idx, channels) + c * n_in
    out_shape = plane.out_shape if len(x_shape) == 2 else (channels, *plane.out_shape)
    return out_shape, out_idx, a_idx, size[0] * size[1]


_POOL = {"size": 2, "stride": None}


@register("avg_pool2d", (1,), _POOL, "mean over each window")
def _avg_pool(shapes, params):
    out_shape, out_idx, a_idx, n = pool_windows(shapes[0], params)
    return IndexedSum(out_shape, (Linear(out_idx, a_idx, Fraction(1, n)),))


@register("sum_pool2d", (1,), _POOL, "sum over each window")
def _sum_pool(shapes, params):
    out_shape, out_idx, a_idx, _ = pool_windows(shapes[0], params)
    return IndexedSum(out_shape, (Linear(out_idx, a_idx),))


def _reduce(shape, mean: bool) -> IndexedSum:
    n = int(np.prod(shape))
    return IndexedSum((), (Linear(np.zeros(n, dtype=np.int64), np.arange(n), Fraction(1, n) if mean else Fraction(1)),))


@register("sum", (1,), {}, "sum of all entries (a scalar)")
def _sum(shapes, params):
    return _reduce(shapes[0], mean=False)


@register("mean", (1,), {}, "mean of all entries (a scalar)")
def _mean(shapes, params):
    return _reduce(shapes[0], mean=True)


@register("matmul", (2,), {}, "matrix product A B (a vector on either side as numpy treats it)")
def _matmul(shapes, params):
    a_shape, b_shape = shapes
    if not (1 <= len(a_shape) <= 2 and 1 <= len(b_shape) <= 2) or a_shape[-1] != b_shape[0]:
        raise OpError(f"matmul needs A of shape (m, n) or (n,) and B of shape (n, p) or (n,); "
                      f"got {tuple(a_shape)} and {tuple(b_shape)}")
    m = a_shape[0] if len(a_shape) == 2 else 1
    n = a_shape[-1]
    p = b_shape[1] if len(b_shape) == 2 else 1
    i, j, k = np.meshgrid(np.arange(m), np.arange(p), np.arange(n), indexing="ij")
    out_shape = (*a_shape[:-1], *b_shape[1:])
    return IndexedSum(out_shape, (Bilinear((i * p + j).ravel(), (i * n + k).ravel(), (k * p + j).ravel()),))


def _broadcast(op: str, shapes) -> tuple[tuple[int, ...], list[np.ndarray]]:
    """numpy's broadcast of the inputs' shapes, and for each input the flat index of the entry
    that every output entry reads (a bias of shape (m,) is read by every row of an (n, m) input)."""
    try:
        out_shape = tuple(int(n) for n in np.broadcast_shapes(*(tuple(s) for s in shapes)))
    except ValueError:
        raise OpError(f"{op} needs shapes that broadcast as numpy's do (equal, or 1, axis by axis from the "
                      f"right); got {' and '.join(str(tuple(s)) for s in shapes)}") from None
    reads = [np.broadcast_to(np.arange(int(np.prod(s))).reshape(s), out_shape).ravel() for s in shapes]
    return out_shape, reads


def _combine(op: str, shapes, sign: int) -> IndexedSum:
    shape, (a, b) = _broadcast(op, shapes)
    every = np.arange(int(np.prod(shape)))
    return IndexedSum(shape, (Linear(every, a), Linear(every, b, Fraction(sign), args=(1,))))


@register("add", (2,), {}, "element-wise A + B with numpy broadcasting (a bias, a residual connection)")
def _add(shapes, params):
    return _combine("add", shapes, 1)


@register("sub", (2,), {}, "element-wise A - B with numpy broadcasting")
def _sub(shapes, params):
    return _combine("sub", shapes, -1)


@register("mul", (2,), {}, "element-wise A * B with numpy broadcasting")
def _mul(shapes, params):
    shape, (a, b) = _broadcast("mul", shapes)
    return IndexedSum(shape, (Bilinear(np.arange(int(np.prod(shape))), a, b),))


@register("transpose", (1,), {"axes": None}, "the axes permuted (default: reversed; a matrix's transpose)")
def _transpose(shapes, params):
    shape = tuple(shapes[0])
    axes = params["axes"]
    if axes is None:
        axes = list(range(len(shape)))[::-1]
    if not isinstance(axes, (list, tuple)) or sorted(a for a in axes if isinstance(a, int)) != list(range(len(shape))):
        raise OpError(f"axes must be a permutation of 0..{len(shape) - 1}, got {axes!r}")
    moved = np.arange(int(np.prod(shape))).reshape(shape).transpose(axes)
    return IndexedSum(tuple(int(n) for n in moved.shape), (Linear(np.arange(moved.size), moved.ravel()),))


@register("concat", (2, 3, 4, 5, 6, 7, 8), {"axis": 0}, "the inputs joined along `axis` (numpy's concatenate)")
def _concat(shapes, params):
    axis = params["axis"]
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise OpError(f"axis must be an integer, got {axis!r}")
    first = tuple(shapes[0])
    if not first or not -len(first) <= axis < len(first):
        raise OpError(f"axis {axis} is outside an array of shape {first}")
    axis %= len(first)
    for s in shapes[1:]:
        if len(s) != len(first) or any(a != b for k, (a, b) in enumerate(zip(s, first)) if k != axis):
            raise OpError(f"concat needs shapes that agree except along axis {axis}; got "
                          f"{' and '.join(str(tuple(t)) for t in shapes)}")
    # Tag every entry with (input, flat index), concatenate the tags as numpy would the values.
    tags = [np.stack([np.full(int(np.prod(s)), k), np.arange(int(np.prod(s)))], axis=-1).reshape(*s, 2)
            for k, s in enumerate(shapes)]
    joined = np.concatenate(tags, axis=axis)
    out_shape = tuple(int(n) for n in joined.shape[:-1])
    which, flat = joined.reshape(-1, 2).T
    parts = tuple(Linear(np.flatnonzero(which == k), flat[which == k], args=(k,)) for k in range(len(shapes)))
    return IndexedSum(out_shape, parts)


def _identity(in_shape, out_shape) -> IndexedSum:
    every = np.arange(int(np.prod(in_shape)))
    return IndexedSum(tuple(out_shape), (Linear(every, every),))


@register("take", (1,), {"index": 0, "axis": 0},
          "one slice of the input along `axis`, numpy's take(A, index, axis): x_t = X[t] (0-based)")
def _take(shapes, params):
    shape, axis, index = tuple(shapes[0]), params["axis"], params["index"]
    if any(isinstance(v, bool) or not isinstance(v, int) for v in (axis, index)):
        raise OpError(f"take needs integer `index` and `axis`, got {index!r} and {axis!r}")
    if not shape or not -len(shape) <= axis < len(shape):
        raise OpError(f"axis {axis} is outside an array of shape {shape}")
    if not -shape[axis] <= index < shape[axis]:
        raise OpError(f"index {index} is outside axis {axis} of length {shape[axis]}")
    picked = np.take(np.arange(int(np.prod(shape))).reshape(shape), index, axis=axis)
    return IndexedSum(tuple(int(n) for n in picked.shape), (Linear(np.arange(picked.size), picked.ravel()),))


@register("reshape", (1,), {"shape": None}, "the same entries in C order, in another shape (one axis may be -1)")
def _reshape(shapes, params):
    wanted = params["shape"]
    if not isinstance(wanted, (list, tuple)) or not all(isinstance(n, int) and not isinstance(n, bool) for n in wanted):
        raise OpError(f"reshape needs `shape`, a list of integers, got {wanted!r}")
    size = int(np.prod(shapes[0]))
    try:
        out_shape = np.empty(size).reshape(wanted).shape
    except ValueError:
        raise OpError(f"cannot reshape {size} entries {tuple(shapes[0])} into {list(wanted)}") from None
    return _identity(shapes[0], out_shape)


@register("flatten", (1,), {}, "the entries in C order, as a vector")
def _flatten(shapes, params):
    return _identity(shapes[0], (int(np.prod(shapes[0])),))
