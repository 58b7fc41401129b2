"""Non-linear ops whose outputs mix their inputs: max pooling, softmax, losses, batch and layer
norm, embedding lookups.

Each class gives the local derivatives the textbooks give (softmax: p_i (delta_ij - p_j);
softmax with cross-entropy: p_i - t_i; batch norm: gamma/sigma (delta - 1/N - xhat xhat'/N)),
written with the op's own symbolic values, so the reference stays exact and short.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar, Mapping

import numpy as np

from .indexed import pool_windows
from .ops import Domain, Op, OpError, exact, rational, register

POSITIVE = Domain("positive")
# How courses write these ops' nodes (Op.written_as): a prediction y-hat, the target y, and a
# normalisation's gamma, beta, x-hat, mu and sqrt(sigma^2 + epsilon).
_PREDICTION = ("\\hat{y}", "\\hat y", "\\hat{Y}", "\u0177", "yhat", "y_hat")
_TARGET = ("y",)
_NORM_NAMES = {
    "input:1": ("\\gamma", "\u03b3", "gamma"), "input:2": ("\\beta", "\u03b2", "beta"),
    "part:xhat": ("\\hat{x}", "\\hat x", "\\widehat{x}", "x\u0302", "xhat", "x_hat"),
    "part:mean": ("\\mu", "\u03bc", "mu"),
    "part:std": ("\\sqrt{\\sigma_#^2+\\epsilon}", "\\sqrt{\\sigma_#^2+\\varepsilon}"),
    "part:std^2": ("\\sigma_#^2+\\epsilon", "\\sigma_#^2+\\varepsilon"),
}
_TIES = {
    "en": "max pooling: when several entries of a window tie for the maximum, the first one in "
          "row-major order (as numpy's argmax) gets the gradient; the others get 0.",
    "he": "max pooling: כאשר כמה איברים בחלון שווים למקסימום, הראשון בסדר שורות (כמו argmax של numpy) "
          "מקבל את הגרדיאנט, והשאר מקבלים 0.",
}


@dataclass(frozen=True, eq=False)
class MaxPool(Op):
    """y[o] = max over window o; the gradient goes to the entry that won (numpy's argmax)."""

    out_shape: tuple[int, ...]
    windows: np.ndarray  # (outputs, window size) flat input indices, each window row-major
    piecewise = True
    conventions = _TIES

    def _winners(self, x: np.ndarray) -> np.ndarray:
        values = x.ravel()[self.windows]
        return self.windows[np.arange(len(self.windows)), np.argmax(values, axis=1)]

    def forward(self, args):
        return args[0].ravel()[self._winners(args[0])].reshape(self.out_shape)

    def backward(self, args, g):
        return [np.bincount(self._winners(args[0]), weights=g.ravel(), minlength=args[0].size).reshape(args[0].shape)]

    def symbolic(self, inputs):
        import sympy

        z, values = inputs.symbolic(0), inputs.numeric(0)
        if values is None:
            return [sympy.Max(*(z[i] for i in window)) for window in self.windows.tolist()]
        return [z[i] for i in self._winners(values).tolist()]

    def local(self, position, inputs):
        import sympy

        values = inputs.numeric(0)
        if values is None:
            raise OpError("max_pool2d needs its input's values fixed to know which entry wins each window")
        for out, winner in enumerate(self._winners(values).tolist()):
            yield out, winner, sympy.S.One

    def needs_values(self, position):
        return True

    def pattern(self, args):
        x = args[0].ravel()
        won = np.zeros(x.size, dtype=bool)
        won[self._winners(args[0])] = True
        if self.windows.shape[1] < 2:
            return won, np.inf
        top2 = np.sort(x[self.windows], axis=1)[:, -2:]
        return won, float(np.min(top2[:, 1] - top2[:, 0]))


    def linked_units(self, units):
        # Entries of one window compete; entries at the same place of different windows are what
        # a solution that reuses one window's argmax for another would confuse.
        linked = np.zeros((units, units), dtype=bool)
        for group in (*self.windows, *self.windows.T):
            linked[np.ix_(group, group)] = True
        np.fill_diagonal(linked, False)
        return linked


@register("max_pool2d", (1,), {"size": 2, "stride": None}, "maximum over each window (ties: numpy's argmax)")
def _max_pool(shapes, params):
    out_shape, out_idx, a_idx, n = pool_windows(shapes[0], params)
    # pool_windows lists each output's window contiguously, in row-major window order.
    order = np.argsort(out_idx, kind="stable")
    return MaxPool(out_shape, a_idx[order].reshape(-1, n))


def _rows(shape: tuple[int, ...], axis: int) -> np.ndarray:
    """Flat indices grouped by rows along `axis`: (rows, length of axis)."""
    if not shape:
        raise OpError("softmax needs at least one axis")
    if not -len(shape) <= axis < len(shape):
        raise OpError(f"axis {axis} is outside an array of shape {shape}")
    return np.moveaxis(np.arange(int(np.prod(shape))).reshape(shape), axis, -1).reshape(-1, shape[axis])


def _softmax_rows(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _symbolic_softmax(z: list, rows: np.ndarray) -> list:
    import sympy

    p = [None] * len(z)
    for row in rows.tolist():
        exps = [sympy.exp(z[i]) for i in row]
        total = sympy.Add(*exps)
        for i, e in zip(row, exps):
            p[i] = e / total
    return p


@dataclass(frozen=True, eq=False)
class Softmax(Op):
    """p = exp(z) / sum exp(z) along one axis; dp_i/dz_j = p_i (delta_ij - p_j)."""

    out_shape: tuple[int, ...]
    rows: np.ndarray
    written_as: ClassVar[Mapping[str, tuple[str, ...]]] = {"output": _PREDICTION}

    def forward(self, args):
        out = np.empty(args[0].size)
        out[self.rows] = _softmax_rows(args[0].ravel()[self.rows])
        return out.reshape(self.out_shape)

    def backward(self, args, g):
        p = _softmax_rows(args[0].ravel()[self.rows])
        gr = g.ravel()[self.rows]
        out = np.empty(args[0].size)
        out[self.rows] = p * (gr - np.sum(gr * p, axis=1, keepdims=True))
        return [out.reshape(self.out_shape)]

    def symbolic(self, inputs):
        return _symbolic_softmax(inputs.symbolic(0), self.rows)

    def local(self, position, inputs):
        p = self.symbolic(inputs)
        for row in self.rows.tolist():
            for i in row:
                for j in row:
                    yield i, j, p[i] * (1 - p[i]) if i == j else -p[i] * p[j]


@register("softmax", (1,), {"axis": -1}, "exp(z_i) / sum_j exp(z_j) along `axis` (default the last)")
def _softmax(shapes, params):
    axis = params["axis"]
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise OpError(f"axis must be an integer, got {axis!r}")
    return Softmax(tuple(shapes[0]), _rows(tuple(shapes[0]), axis))


@dataclass(frozen=True, eq=False)
class CrossEntropy(Op):
    """L = -w sum_rows sum_i t_i log p_i; p probabilities (or logits z when `logits`), t one-hot
    rows or class indices along the last axis; w = 1/rows for reduction mean (PyTorch's default)."""

    out_shape: tuple[int, ...]
    rows: np.ndarray
    target: str  # "one-hot" or "index"
    weight: Fraction
    logits: bool  # softmax_cross_entropy: the first input is z and p = softmax(z)
    in_shape: tuple[int, ...]
    written_as: ClassVar[Mapping[str, tuple[str, ...]]] = {"part:p": _PREDICTION, "input:0": _PREDICTION,
                                                            "input:1": _TARGET}

    def _one_hot(self, t: np.ndarray, size: int) -> np.ndarray:
        if self.target == "one-hot":
            return t.ravel()[self.rows]
        onehot = np.zeros(self.rows.shape)
        onehot[np.arange(len(self.rows)), t.ravel().astype(int)] = 1.0
        return onehot

    def _p(self, a: np.ndarray) -> np.ndarray:
        rows = a.ravel()[self.rows]
        return _softmax_rows(rows) if self.logits else rows

    def forward(self, args):
        p, t = self._p(args[0]), self._one_hot(args[1], args[0].size)
        return np.array(-float(self.weight) * np.sum(t * np.log(p)))

    def backward(self, args, g):
        w = float(self.weight) * float(g)
        p, t = self._p(args[0]), self._one_hot(args[1], args[0].size)
        da = np.empty(args[0].size)
        # With logits: dL/dz = p - t, exact for one-hot (rows summing to 1) targets.
        da[self.rows] = w * (p - t) if self.logits else -w * t / p
        dt = None
        if self.target == "one-hot":
            dt = np.empty(args[1].size)
            dt[self.rows] = -w * np.log(p)
            dt = dt.reshape(args[1].shape)
        return [da.reshape(args[0].shape), dt]

    def _probabilities(self, inputs) -> list:
        a = inputs.symbolic(0)
        return _symbolic_softmax(a, self.rows) if self.logits else a

    def _targets(self, inputs) -> list:
        """t as a flat list aligned with the first input (exact numbers for index labels)."""
        import sympy

        if self.target == "one-hot":
            return inputs.symbolic(1)
        labels = inputs.numeric(1)
        if labels is None:
            raise OpError("an index target needs its labels fixed by the exercise")
        t = [sympy.S.Zero] * self.rows.size
        for row, label in zip(self.rows.tolist(), labels.ravel().astype(int).tolist()):
            t[row[label]] = sympy.S.One
        return t

    def symbolic(self, inputs):
        import sympy

        p, t = self._probabilities(inputs), self._targets(inputs)
        return [-rational(self.weight) * sympy.Add(*(t[i] * sympy.log(p[i]) for i in self.rows.ravel().tolist()))]

    def local(self, position, inputs):
        import sympy

        if position == 1 and self.target == "index":
            return  # class numbers are not differentiated
        w = rational(self.weight)
        p, t = self._probabilities(inputs), self._targets(inputs)
        for i in self.rows.ravel().tolist():
            if position == 1:
                yield 0, i, -w * sympy.log(p[i])
            elif self.logits:
                yield 0, i, w * (p[i] - t[i])
            else:
                yield 0, i, -w * t[i] / p[i]

    def domain(self, position):
        if position == 0:
            return Domain() if self.logits else POSITIVE
        return Domain("one-hot") if self.target == "one-hot" else Domain("index", classes=self.rows.shape[1])

    def needs_values(self, position):
        return position == 1 and self.target == "index"

    def valid(self, args):
        return self.logits or bool(np.all(args[0] > 0))

    def internal_shapes(self):
        return {"p": self.in_shape} if self.logits else {}

    def internals(self, inputs):
        return {"p": self._probabilities(inputs)} if self.logits else {}


def _cross_entropy(shapes, params, logits: bool) -> CrossEntropy:
    a_shape, t_shape = tuple(shapes[0]), tuple(shapes[1])
    target, reduction = params["target"], params["reduction"]
    if len(a_shape) not in (1, 2):
        raise OpError(f"cross-entropy needs scores of shape (classes,) or (batch, classes), got {a_shape}")
    if target not in ("one-hot", "index"):
        raise OpError(f"target must be one-hot or index, got {target!r}")
    if reduction not in ("mean", "sum"):
        raise OpError(f"reduction must be mean or sum, got {reduction!r}")
    wanted = a_shape if target == "one-hot" else a_shape[:-1]
    if t_shape != wanted:
        raise OpError(f"a {target} target for scores of shape {a_shape} must have shape {wanted}, got {t_shape}")
    rows = _rows(a_shape, -1)
    weight = Fraction(1, len(rows)) if reduction == "mean" else Fraction(1)
    return CrossEntropy((), rows, target, weight, logits, a_shape)


_CE = {"target": "one-hot", "reduction": "mean"}


@register("cross_entropy", (2,), _CE, "-sum t log p over the last axis; p probabilities, t one-hot or index")
def _ce(shapes, params):
    return _cross_entropy(shapes, params, logits=False)


@register("softmax_cross_entropy", (2,), _CE, "cross_entropy(softmax(z), t): dL/dz = p - t")
def _softmax_ce(shapes, params):
    return _cross_entropy(shapes, params, logits=True)


@dataclass(frozen=True, eq=False)
class MeanSquaredError(Op):
    """L = w sum (a - t)^2, w = 1/n for reduction mean (PyTorch's default)."""

    out_shape: tuple[int, ...]
    weight: Fraction
    written_as: ClassVar[Mapping[str, tuple[str, ...]]] = {"input:0": _PREDICTION, "input:1": _TARGET}

    def forward(self, args):
        return np.array(float(self.weight) * np.sum((args[0] - args[1]) ** 2))

    def backward(self, args, g):
        d = 2 * float(self.weight) * float(g) * (args[0] - args[1])
        return [d, -d]

    def symbolic(self, inputs):
        import sympy

        a, t = inputs.symbolic(0), inputs.symbolic(1)
        return [rational(self.weight) * sympy.Add(*((ai - ti) ** 2 for ai, ti in zip(a, t)))]

    def local(self, position, inputs):
        a, t = inputs.symbolic(0), inputs.symbolic(1)
        w = 2 * rational(self.weight) * (1 if position == 0 else -1)
        for i, (ai, ti) in enumerate(zip(a, t)):
            yield 0, i, w * (ai - ti)


@register("mse", (2,), {"reduction": "mean"}, "mean (or sum) of (a - t)^2 over every entry: a scalar")
def _mse(shapes, params):
    if tuple(shapes[0]) != tuple(shapes[1]):
        raise OpError(f"mse needs a prediction and a target of the same shape, got {tuple(shapes[0])} and {tuple(shapes[1])}")
    if params["reduction"] not in ("mean", "sum"):
        raise OpError(f"reduction must be mean or sum, got {params['reduction']!r}")
    n = int(np.prod(shapes[0]))
    return MeanSquaredError((), Fraction(1, n) if params["reduction"] == "mean" else Fraction(1))


@dataclass(frozen=True, eq=False)
class BatchNorm(Op):
    """Training-mode batch norm of X (N, D) per feature d: y = gamma xhat + beta with
    xhat = (x - mean) / sqrt(var + eps), mean and (biased) var over the batch, as PyTorch trains."""

    out_shape: tuple[int, ...]
    eps: Fraction
    written_as: ClassVar[Mapping[str, tuple[str, ...]]] = _NORM_NAMES

    def _normalise(self, x):
        mean = x.mean(axis=0)
        var = ((x - mean) ** 2).mean(axis=0)
        std = np.sqrt(var + float(self.eps))
        return (x - mean) / std, std

    def forward(self, args):
        xhat, _ = self._normalise(args[0])
        return args[1] * xhat + args[2]

    def backward(self, args, g):
        xhat, std = self._normalise(args[0])
        dxhat = g * args[1]
        n = args[0].shape[0]
        dx = (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (n * std)
        return [dx, (g * xhat).sum(axis=0), g.sum(axis=0)]

    def internals(self, inputs):
        import sympy

        n, d = self.out_shape
        x = inputs.symbolic(0)
        mean = [sympy.Add(*(x[r * d + c] for r in range(n))) / n for c in range(d)]
        var = [sympy.Add(*((x[r * d + c] - mean[c]) ** 2 for r in range(n))) / n for c in range(d)]
        std = [sympy.sqrt(v + rational(self.eps)) for v in var]
        xhat = [(x[r * d + c] - mean[c]) / std[c] for r in range(n) for c in range(d)]
        return {"mean": mean, "var": var, "std": std, "xhat": xhat}

    def internal_shapes(self):
        n, d = self.out_shape
        return {"mean": (d,), "var": (d,), "std": (d,), "xhat": (n, d)}

    def symbolic(self, inputs):
        n, d = self.out_shape
        xhat = self.internals(inputs)["xhat"]
        gamma, beta = inputs.symbolic(1), inputs.symbolic(2)
        return [gamma[i % d] * xhat[i] + beta[i % d] for i in range(n * d)]

    def local(self, position, inputs):
        import sympy

        n, d = self.out_shape
        if position == 2:
            for i in range(n * d):
                yield i, i % d, sympy.S.One
            return
        parts = self.internals(inputs)
        xhat = parts["xhat"]
        if position == 1:
            for i in range(n * d):
                yield i, i % d, xhat[i]
            return
        gamma, std = inputs.symbolic(1), parts["std"]
        for c in range(d):
            for r in range(n):
                for m in range(n):
                    i, j = r * d + c, m * d + c
                    delta = 1 if r == m else 0
                    yield i, j, gamma[c] / std[c] * (delta - rational(Fraction(1, n)) - xhat[i] * xhat[j] / n)


@register("batch_norm", (3,), {"eps": 1e-5}, "training-mode batch norm of X (N, D) per feature, with gamma, beta (D,)")
def _batch_norm(shapes, params):
    x_shape, g_shape, b_shape = (tuple(s) for s in shapes)
    if len(x_shape) != 2 or x_shape[0] < 2:
        raise OpError(f"batch_norm needs X of shape (N, D) with a batch of N >= 2, got {x_shape}")
    if g_shape != x_shape[1:] or b_shape != x_shape[1:]:
        raise OpError(f"gamma and beta must have shape {x_shape[1:]}, got {g_shape} and {b_shape}")
    eps = exact(params["eps"], "eps")
    if eps < 0:
        raise OpError("eps must be >= 0")
    return BatchNorm(x_shape, eps)


@dataclass(frozen=True, eq=False)
class LayerNorm(Op):
    """Layer norm over the last axis of X ((D,) or (N, D)): y = gamma xhat + beta with
    xhat = (x - mean) / sqrt(var + eps), mean and biased var over each row's D entries (PyTorch's
    F.layer_norm over the last axis); gamma and beta (D,) are optional (both or neither)."""

    out_shape: tuple[int, ...]
    eps: Fraction
    affine: bool
    written_as: ClassVar[Mapping[str, tuple[str, ...]]] = _NORM_NAMES

    @property
    def _rows(self) -> tuple[int, int]:
        return (1, self.out_shape[0]) if len(self.out_shape) == 1 else self.out_shape  # type: ignore[return-value]

    def _normalise(self, x):
        x2 = x.reshape(self._rows)
        mean = x2.mean(axis=1, keepdims=True)
        var = ((x2 - mean) ** 2).mean(axis=1, keepdims=True)
        std = np.sqrt(var + float(self.eps))
        return (x2 - mean) / std, std

    def forward(self, args):
        xhat, _ = self._normalise(args[0])
        y = xhat * args[1] + args[2] if self.affine else xhat
        return y.reshape(self.out_shape)

    def backward(self, args, g):
        xhat, std = self._normalise(args[0])
        g2 = g.reshape(self._rows)
        dxhat = g2 * args[1] if self.affine else g2
        d = xhat.shape[1]
        dx = (d * dxhat - dxhat.sum(axis=1, keepdims=True) - xhat * (dxhat * xhat).sum(axis=1, keepdims=True)) / (d * std)
        grads: list[np.ndarray | None] = [dx.reshape(self.out_shape)]
        if self.affine:
            grads += [(g2 * xhat).sum(axis=0), g2.sum(axis=0)]
        return grads

    def internal_shapes(self):
        n, d = self._rows
        rows = () if len(self.out_shape) == 1 else (n,)
        return {"mean": rows, "var": rows, "std": rows, "xhat": self.out_shape}

    def internals(self, inputs):
        import sympy

        n, d = self._rows
        x = inputs.symbolic(0)
        mean = [sympy.Add(*(x[r * d + c] for c in range(d))) / d for r in range(n)]
        var = [sympy.Add(*((x[r * d + c] - mean[r]) ** 2 for c in range(d))) / d for r in range(n)]
        std = [sympy.sqrt(v + rational(self.eps)) for v in var]
        xhat = [(x[r * d + c] - mean[r]) / std[r] for r in range(n) for c in range(d)]
        return {"mean": mean, "var": var, "std": std, "xhat": xhat}

    def symbolic(self, inputs):
        xhat = self.internals(inputs)["xhat"]
        if not self.affine:
            return xhat
        d = self._rows[1]
        gamma, beta = inputs.symbolic(1), inputs.symbolic(2)
        return [gamma[i % d] * xhat[i] + beta[i % d] for i in range(len(xhat))]

    def local(self, position, inputs):
        import sympy

        n, d = self._rows
        if position == 2:
            for i in range(n * d):
                yield i, i % d, sympy.S.One
            return
        parts = self.internals(inputs)
        xhat = parts["xhat"]
        if position == 1:
            for i in range(n * d):
                yield i, i % d, xhat[i]
            return
        # dy_i/dx_j = gamma_i / std (delta_ij - 1/D - xhat_i xhat_j / D), within one row.
        gamma = inputs.symbolic(1) if self.affine else None
        for r in range(n):
            std = parts["std"][r]
            for c in range(d):
                i = r * d + c
                factor = gamma[c] / std if gamma is not None else 1 / std
                for m in range(d):
                    j = r * d + m
                    delta = 1 if c == m else 0
                    yield i, j, factor * (delta - rational(Fraction(1, d)) - xhat[i] * xhat[j] / d)


@register("layer_norm", (1, 3), {"eps": 1e-5},
          "layer norm over the last axis of X ((D,) or (N, D)), with optional gamma, beta (D,)")
def _layer_norm(shapes, params):
    x_shape = tuple(shapes[0])
    if len(x_shape) not in (1, 2) or x_shape[-1] < 2:
        raise OpError(f"layer_norm needs X of shape (D,) or (N, D) with D >= 2, got {x_shape}")
    if len(shapes) == 3 and (tuple(shapes[1]) != x_shape[-1:] or tuple(shapes[2]) != x_shape[-1:]):
        raise OpError(f"gamma and beta must have shape {x_shape[-1:]}, got {tuple(shapes[1])} and {tuple(shapes[2])}")
    eps = exact(params["eps"], "eps")
    if eps < 0:
        raise OpError("eps must be >= 0")
    return LayerNorm(x_shape, eps, len(shapes) == 3)


@dataclass(frozen=True, eq=False)
class Embedding(Op):
    """y[n, :] = W[I[n], :]: rows of a table W (V, D) picked by fixed indices I (0-based, as numpy
    and PyTorch's F.embedding count); a row picked twice gets both rows' gradients."""

    out_shape: tuple[int, ...]
    vocabulary: int
    width: int

    def _indices(self, i: np.ndarray) -> np.ndarray:
        return i.ravel().astype(int)

    def forward(self, args):
        return args[0][self._indices(args[1])].reshape(self.out_shape)

    def backward(self, args, g):
        dw = np.zeros(args[0].shape)
        np.add.at(dw, self._indices(args[1]), g.reshape(-1, self.width))
        return [dw, None]

    def _picked(self, inputs) -> list[int]:
        values = inputs.numeric(1)
        if values is None:
            raise OpError("embedding needs its indices fixed by the exercise (`values`)")
        return self._indices(values).tolist()

    def symbolic(self, inputs):
        w = inputs.symbolic(0)
        return [w[row * self.width + d] for row in self._picked(inputs) for d in range(self.width)]

    def local(self, position, inputs):
        import sympy

        if position == 1:
            return  # indices are not differentiated
        for n, row in enumerate(self._picked(inputs)):
            for d in range(self.width):
                yield n * self.width + d, row * self.width + d, sympy.S.One

    def domain(self, position):
        return Domain("index", classes=self.vocabulary) if position == 1 else Domain()

    def needs_values(self, position):
        return position == 1

    def valid(self, args):
        i = args[1].ravel()
        return bool(np.all((i >= 0) & (i < self.vocabulary) & (i == np.round(i))))


@register("embedding", (2,), {}, "rows of a table W (V, D) picked by fixed 0-based indices I: y[n] = W[I[n]]")
def _embedding(shapes, params):
    w_shape, i_shape = tuple(shapes[0]), tuple(shapes[1])
    if len(w_shape) != 2:
        raise OpError(f"embedding needs a table W of shape (V, D), got {w_shape}")
    if len(i_shape) > 1:
        raise OpError(f"embedding needs indices of shape (N,) or (), got {i_shape}")
    return Embedding((*i_shape, w_shape[1]), w_shape[0], w_shape[1])
