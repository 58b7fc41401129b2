"""Element-wise ops: y[i] = f(a[i]) with a numeric function, its symbolic form and derivative.

Piecewise functions (relu, leaky_relu) take the derivative of the branch their input is on;
at the kink itself the derivative is the left one (relu'(0) = 0), as PyTorch does. When the
exercise fixes the input's values, the symbolic derivative is that branch's exact number;
otherwise it is written with a Heaviside step.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from .ops import Domain, Op, OpError, constant, exact, rational, register

POSITIVE = Domain("positive")


@dataclass(frozen=True)
class Function:
    numeric: Callable  # (z, slope) -> array
    numeric_grad: Callable  # (z, slope) -> array
    symbolic: Callable  # (z, slope) -> sympy expr
    symbolic_grad: Callable  # (z, slope, value or None) -> sympy expr
    piecewise: bool = False
    domain: Domain = Domain()


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free form


def _sympy():
    import sympy

    return sympy


def _sym_sigmoid(z):
    sympy = _sympy()
    return 1 / (1 + sympy.exp(-z))


def _step(z, slope, value):
    """d/dz of max(z, slope*z): 1 on the right, slope on the left and at 0 (relu'(0) = 0)."""
    sympy = _sympy()
    s = rational(slope)
    if value is not None:
        return sympy.S.One if value > 0 else s
    return sympy.Heaviside(z, 0) * (1 - s) + s


def _sign(z, slope, value):
    """d|z|/dz: the sign, 0 at 0 (as PyTorch's abs backward)."""
    sympy = _sympy()
    if value is not None:
        return sympy.Integer(int(np.sign(value)))
    return sympy.sign(z)


def _erf(z):
    return np.vectorize(math.erf, otypes=[float])(z)


def _gelu(z):
    """x Phi(x), Phi the standard normal CDF, written with erf (PyTorch's exact GELU)."""
    return 0.5 * z * (1.0 + _erf(z / math.sqrt(2.0)))


def _gelu_grad(z):
    return 0.5 * (1.0 + _erf(z / math.sqrt(2.0))) + z * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _sym_cdf(z):
    """Phi(z) = (1 + erf(z/sqrt 2))/2: erf stays an atom (a transcendental function of its own)."""
    sympy = _sympy()
    return (1 + sympy.erf(z / sympy.sqrt(2))) / 2


def _sym_pdf(z):
    """phi(z) = exp(-z^2/2)/sqrt(2 pi)."""
    sympy = _sympy()
    return sympy.exp(-z**2 / 2) / sympy.sqrt(2 * sympy.pi)


FUNCTIONS: dict[str, Function] = {
    "relu": Function(lambda z, s: np.maximum(z, 0.0), lambda z, s: (z > 0).astype(float),
                     lambda z, s: _sympy().Max(0, z), _step, piecewise=True),
    "leaky_relu": Function(lambda z, s: np.where(z > 0, z, float(s) * z), lambda z, s: np.where(z > 0, 1.0, float(s)),
                           lambda z, s: _sympy().Piecewise((z, z > 0), (rational(s) * z, True)), _step, piecewise=True),
    "abs": Function(lambda z, s: np.abs(z), lambda z, s: np.sign(z), lambda z, s: _sympy().Abs(z), _sign,
                    piecewise=True),
    "sigmoid": Function(lambda z, s: _sigmoid(z), lambda z, s: _sigmoid(z) * (1 - _sigmoid(z)),
                        lambda z, s: _sym_sigmoid(z), lambda z, s, v: _sym_sigmoid(z) * (1 - _sym_sigmoid(z))),
    "tanh": Function(lambda z, s: np.tanh(z), lambda z, s: 1 - np.tanh(z) ** 2,
                     lambda z, s: _sympy().tanh(z), lambda z, s, v: 1 - _sympy().tanh(z) ** 2),
    "square": Function(lambda z, s: np.square(z), lambda z, s: 2 * z, lambda z, s: z**2, lambda z, s, v: 2 * z),
    "exp": Function(lambda z, s: np.exp(z), lambda z, s: np.exp(z),
                    lambda z, s: _sympy().exp(z), lambda z, s, v: _sympy().exp(z)),
    "log": Function(lambda z, s: np.log(z), lambda z, s: 1.0 / z,
                    lambda z, s: _sympy().log(z), lambda z, s, v: 1 / z, domain=POSITIVE),
    # gelu'(z) = Phi(z) + z phi(z); softplus'(z) = sigmoid(z).
    "gelu": Function(lambda z, s: _gelu(z), lambda z, s: _gelu_grad(z),
                     lambda z, s: z * _sym_cdf(z), lambda z, s, v: _sym_cdf(z) + z * _sym_pdf(z)),
    "softplus": Function(lambda z, s: np.logaddexp(0.0, z), lambda z, s: _sigmoid(z),
                         lambda z, s: _sympy().log(1 + _sympy().exp(z)), lambda z, s, v: _sym_sigmoid(z)),
}

_CONVENTIONS = {
    "en": "relu'(0) = 0 (as PyTorch): at 0 the derivative of the left branch is used.",
    "he": "relu'(0) = 0 (כמו ב־PyTorch): ב־0 משתמשים בנגזרת של הענף השמאלי.",
}


_ABS_CONVENTIONS = {
    "en": "|z|'(0) = 0 (as PyTorch): the derivative of |z| is the sign of z.",
    "he": "|z|'(0) = 0 (כמו ב־PyTorch): הנגזרת של |z| היא הסימן של z.",
}


@dataclass(frozen=True, eq=False)
class Elementwise(Op):
    out_shape: tuple[int, ...]
    name: str
    slope: Fraction = Fraction(0)  # leaky_relu's slope left of 0

    @property
    def function(self) -> Function:
        return FUNCTIONS[self.name]

    @property
    def piecewise(self) -> bool:  # type: ignore[override]
        return self.function.piecewise

    @property
    def conventions(self):  # type: ignore[override]
        if self.name == "abs":
            return _ABS_CONVENTIONS
        return _CONVENTIONS if self.piecewise else {}

    def forward(self, args):
        return self.function.numeric(args[0], self.slope)

    def backward(self, args, g):
        return [g * self.function.numeric_grad(args[0], self.slope)]

    def symbolic(self, inputs):
        z = inputs.symbolic(0)
        values = inputs.numeric(0) if self.piecewise else None
        if values is not None:  # the branch the fixed values are on, as the derivative takes it
            left = -1 if self.name == "abs" else rational(self.slope)
            return [zi if v > 0 else left * zi for zi, v in zip(z, values.ravel().tolist())]
        return [self.function.symbolic(zi, self.slope) for zi in z]

    def local(self, position, inputs):
        z = inputs.symbolic(0)
        values = inputs.numeric(0) if self.piecewise else None
        flat = values.ravel() if values is not None else None
        for i, zi in enumerate(z):
            yield i, i, self.function.symbolic_grad(zi, self.slope, None if flat is None else float(flat[i]))

    def domain(self, position):
        return self.function.domain

    def needs_values(self, position):
        # |z|' is the sign of z, which no answer can write without knowing it; relu's step is
        # written as a Heaviside step when values are not fixed (exercises on code alone).
        return self.name == "abs"

    def valid(self, args):
        return self.function.domain.kind != "positive" or bool(np.all(args[0] > 0))

    def pattern(self, args):
        if not self.piecewise:
            return None
        z = args[0].ravel()
        return z > 0, float(np.min(np.abs(z))) if z.size else np.inf


def _register(name: str, doc: str, params=None):
    @register(name, (1,), params or {}, doc)
    def build(shapes, params):
        slope = exact(params["slope"], "slope") if "slope" in params else Fraction(0)
        return Elementwise(tuple(shapes[0]), name, slope)


for _name in ("relu", "abs", "sigmoid", "tanh", "square", "exp", "log"):
    _register(_name, f"element-wise {_name}")
_register("gelu", "element-wise exact GELU, z Phi(z) = z (1 + erf(z/sqrt 2))/2")
_register("softplus", "element-wise log(1 + exp(z))")
_register("leaky_relu", "element-wise max(z, slope*z); slope defaults to 0.01", {"slope": 0.01})


@dataclass(frozen=True, eq=False)
class Scale(Op):
    """y = c x for a constant c (attention's 1/sqrt(d)): exact, so sqrt stays a surd."""

    out_shape: tuple[int, ...]
    factor: Any  # a sympy number (sympy is untyped)

    def forward(self, args):
        return float(self.factor) * args[0]

    def backward(self, args, g):
        return [float(self.factor) * g]

    def symbolic(self, inputs):
        return [self.factor * z for z in inputs.symbolic(0)]

    def local(self, position, inputs):
        for i in range(int(np.prod(self.out_shape))):
            yield i, i, self.factor


@register("scale", (1,), {"factor": None},
          'a constant times the input; factor: a number or a text such as "1/sqrt(8)"')
def _scale(shapes, params):
    if params["factor"] is None:
        raise OpError('scale needs `factor`: a number, or a text such as "1/sqrt(8)"')
    return Scale(tuple(shapes[0]), constant(params["factor"], "factor"))
