"""Element-wise ops: y[i] = f(a[i]) with a numeric function, its symbolic form and derivative.

The functions themselves (numpy forward and derivative, exact forms) are entries of the catalogue
of maths functions, `reference/functions.py`; every entry marked `op` is registered here.
Piecewise functions (relu, leaky_relu) take the derivative of the branch their input is on;
at the kink itself the derivative is the left one (relu'(0) = 0), as PyTorch does. When the
exercise fixes the input's values, the symbolic derivative is that branch's exact number;
otherwise it is written with a Heaviside step.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Mapping

import numpy as np

from .functions import CATALOGUE, MathFunction, element_wise_ops
from .ops import Domain, Op, OpError, constant, exact, register

POSITIVE = Domain("positive")


def _need(part: Callable[..., Any] | None) -> Callable[..., Any]:
    """A catalogue entry's part an op needs (an entry marked `op` has its numpy forms; a piecewise
    one its `branch`): the catalogue's tests check every op entry has them."""
    if part is None:
        raise OpError("the catalogue entry of this op lacks a part it needs")
    return part

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
    slope: Fraction = Fraction(0)  # the function's parameter: leaky_relu's slope left of 0
    @property
    def written_as(self) -> Mapping[str, tuple[str, ...]]:  # type: ignore[override]
        # An activation is a_i (a_i = sigma(z_i)) or a prediction y-hat in course notes; a
        # sigmoid's output is also sigma_i (never \sigma(...), the function itself).
        return {"output": ("a", "\\hat{y}", "\\hat y", "\u0177") + (("\\sigma_#",) if self.name == "sigmoid" else ())}

    @property
    def function(self) -> MathFunction:
        return CATALOGUE[self.name]

    @property
    def piecewise(self) -> bool:  # type: ignore[override]
        return self.function.piecewise

    @property
    def conventions(self):  # type: ignore[override]
        if self.name == "abs":
            return _ABS_CONVENTIONS
        return _CONVENTIONS if self.piecewise else {}

    def forward(self, args):
        return _need(self.function.numeric)(args[0], float(self.slope))

    def backward(self, args, g):
        return [g * _need(self.function.numeric_grad)(args[0], float(self.slope))]

    def symbolic(self, inputs):
        z = inputs.symbolic(0)
        values = inputs.numeric(0) if self.piecewise else None
        if values is not None:  # the branch the fixed values are on, as the derivative takes it
            branch = _need(self.function.branch)
            return [branch(zi, self.slope, v)[0] for zi, v in zip(z, values.ravel().tolist())]
        return [self.function.symbolic(zi, *self._param) for zi in z]

    @property
    def _param(self) -> tuple:
        return (self.slope,) if self.function.param is not None else ()

    def local(self, position, inputs):
        z = inputs.symbolic(0)
        values = inputs.numeric(0) if self.piecewise else None
        flat = values.ravel() if values is not None else None
        for i, zi in enumerate(z):
            if flat is None:
                yield i, i, _need(self.function.derivative)(zi, *self._param)
            else:
                yield i, i, _need(self.function.branch)(zi, self.slope, float(flat[i]))[1]

    def domain(self, position):
        return POSITIVE if self.function.positive_domain else Domain()

    def needs_values(self, position):
        # |z|' is the sign of z, which no answer can write without knowing it; relu's step is
        # written as a Heaviside step when values are not fixed (exercises on code alone).
        return self.name == "abs"

    def valid(self, args):
        return not self.function.positive_domain or bool(np.all(args[0] > 0))

    def pattern(self, args):
        if not self.piecewise:
            return None
        z = args[0].ravel()
        return z > 0, float(np.min(np.abs(z))) if z.size else np.inf


def _register(fn: MathFunction) -> None:
    params = {fn.param[0]: fn.param[1]} if fn.param else {}

    @register(fn.name, (1,), params, f"element-wise {fn.doc}")
    def build(shapes, params):
        value = exact(params[fn.param[0]], fn.param[0]) if fn.param else Fraction(0)
        return Elementwise(tuple(shapes[0]), fn.name, value)


for _fn in element_wise_ops():
    _register(_fn)


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
