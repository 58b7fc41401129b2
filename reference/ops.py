"""The op library's interface and registry: every op an exercise graph may use.

An op applied to inputs of fixed shapes is one `Op` object, built once when the graph is
checked. Each kind of op is one class (index-structured sums, element-wise functions, max
pooling, softmax, batch norm, ...) that answers the same questions: its numpy forward and
backward passes, its symbolic forward value, and its local derivatives d(output entry)/d(input
entry) as exact sympy expressions, which the reference solver chains along upstream paths.
Nothing outside an op's class tells op kinds apart.

Ops register themselves with `register` (in `reference/indexed.py`, `reference/elementwise.py`,
`reference/nonlinear.py`, which `reference/__init__.py` imports, so the registry is full once the
package is imported); `build` is how the graph makes one.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, ClassVar, Iterable, Mapping, Protocol, Sequence

import numpy as np


class OpError(ValueError):
    """An op was given shapes or parameters it cannot work with."""


@dataclass(frozen=True)
class Domain:
    """What values an op input may take, so that trials draw valid ones.

    kind: "real" (any float), "positive" (log's argument, probabilities), "one-hot" (each row
    along `axis` has a single 1), "index" (integer class numbers 0..classes-1).
    """

    kind: str = "real"
    axis: int = -1
    classes: int = 0


REAL = Domain()


class SymbolicInputs(Protocol):
    """An op's inputs as the solver sees them: computed only when an op asks."""

    def symbolic(self, position: int) -> list:
        """Flat list of sympy expressions of input `position` (C order)."""

    def numeric(self, position: int) -> np.ndarray | None:
        """The input's values when the exercise fixes them (`values:` in the spec), else None."""


class Op(ABC):
    """One op applied to inputs of fixed shapes.

    Subclasses are frozen dataclasses with an `out_shape` field.
    """

    out_shape: tuple[int, ...]
    # Piecewise ops (relu, max pooling) switch branch at kinks: trials steer clear of them.
    piecewise: ClassVar[bool] = False
    # What a student must know to get an exact match (statement appendix), per language.
    conventions: ClassVar[Mapping[str, str]] = {}
    # How courses write this op's nodes besides the exercise's own letters (batch norm's \gamma
    # for its scale, \hat{x} for x-hat), so that the exercise's symbol table reads them:
    # "input:N", "output" or "part:NAME" (an internal array; "part:NAME^2" for its square) ->
    # spellings, LaTeX, unicode or plain words, `#` standing for the subscript. A spelling an
    # exercise already uses for a name of its own, or that two nodes claim, is not taken.
    written_as: ClassVar[Mapping[str, tuple[str, ...]]] = {}

    @abstractmethod
    def forward(self, args: Sequence[np.ndarray]) -> np.ndarray:
        """The output for float64 inputs."""

    @abstractmethod
    def backward(self, args: Sequence[np.ndarray], g: np.ndarray) -> list[np.ndarray | None]:
        """dC/d(input) per input (None when the input gets nothing), given g = dC/d(output)."""

    @abstractmethod
    def symbolic(self, inputs: SymbolicInputs) -> list:
        """The output as a flat list of sympy expressions (C order)."""

    @abstractmethod
    def local(self, position: int, inputs: SymbolicInputs) -> Iterable[tuple[int, int, object]]:
        """(output flat index, input flat index, d output/d input) for every non-zero local
        derivative with respect to input `position`."""

    def domain(self, position: int) -> Domain:
        return REAL

    def needs_values(self, position: int) -> bool:
        """Whether the symbolic answer needs this input's values fixed by the exercise (which
        entry wins a max-pool window, which class an index label names)."""
        return False

    def internal_shapes(self) -> Mapping[str, tuple[int, ...]]:
        """Named arrays the op computes on the way (batch norm's mean and x-hat, the
        probabilities inside softmax_cross_entropy) and their shapes. An exercise may let
        students write them as symbols (`intermediates:` in the spec)."""
        return {}

    def internals(self, inputs: SymbolicInputs) -> Mapping[str, list]:
        """The arrays `internal_shapes` names, as flat lists of sympy expressions."""
        return {}

    def valid(self, args: Sequence[np.ndarray]) -> bool:
        """Whether these inputs are inside the op's domain (trials redraw otherwise)."""
        return True

    def pattern(self, args: Sequence[np.ndarray]) -> tuple[np.ndarray, float] | None:
        """For piecewise ops: which branch each unit takes (a bool per unit) and the distance
        of the nearest unit to a kink; None for smooth ops."""
        return None

    def linked_units(self, units: int) -> np.ndarray | None:
        """For piecewise ops: which pairs of units trials must put on different branches at least
        once (a bool matrix); None means every pair."""
        return None


@dataclass(frozen=True)
class OpSpec:
    """What the graph needs to know about an op kind."""

    name: str
    arity: tuple[int, ...]  # accepted input counts
    params: Mapping[str, object]  # parameter name -> default
    build: Callable[[list[tuple[int, ...]], dict], Op]
    doc: str


OPS: dict[str, OpSpec] = {}


def register(name: str, arity: tuple[int, ...], params: Mapping[str, object], doc: str):
    """Decorator: declare an op kind by its builder `(input shapes, params) -> Op`."""

    def decorate(builder):
        if name in OPS:
            raise RuntimeError(f"op {name!r} registered twice")
        OPS[name] = OpSpec(name, arity, dict(params), builder, doc)
        return builder

    return decorate


def build(op: str, shapes: Sequence[tuple[int, ...]], params: Mapping[str, object]) -> Op:
    """The op for these input shapes.

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
    return spec.build([tuple(int(n) for n in s) for s in shapes], merged)


def pair(value, name: str) -> tuple[int, int]:
    """An int or a pair of ints (a window size, stride, padding) as a pair."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value
    ):
        return int(value[0]), int(value[1])
    raise OpError(f"{name} must be an integer or a pair of integers, got {value!r}")


def exact(value, name: str) -> Fraction:
    """A parameter such as a slope or epsilon as an exact fraction: 0.01 means 1/100, as written."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Fraction)):
        raise OpError(f"{name} must be a number, got {value!r}")
    try:
        return Fraction(str(value)) if not isinstance(value, Fraction) else value
    except ValueError:
        raise OpError(f"{name} must be a number, got {value!r}") from None


def rational(value: Fraction):
    import sympy

    return sympy.Rational(value.numerator, value.denominator)


def constant(value, name: str):
    """A constant factor as an exact sympy number: a number (0.125 means 1/8, as written) or a
    short text over numbers with * / brackets and sqrt(...), such as "1/sqrt(8)" (attention's
    1/sqrt(d)). Read by a small grammar of its own: nothing is evaluated as code."""
    if isinstance(value, str):
        return _Constant(value, name).read()
    return rational(exact(value, name))


class _Constant:
    """term := factor (('*' | '/') factor)*; factor := '-' factor | NUMBER | sqrt '(' term ')' | '(' term ')'."""

    MAX_LENGTH = 60

    def __init__(self, text: str, name: str):
        import re

        if len(text) > self.MAX_LENGTH:
            raise OpError(f"{name} is longer than {self.MAX_LENGTH} characters")
        self.name, self.text = name, text
        self.tokens = re.findall(r"\d+(?:\.\d+)?|sqrt|\S", text)
        if "".join(self.tokens) != re.sub(r"\s+", "", text):
            raise OpError(f"{name}: cannot read {text!r} (numbers, * / ( ) and sqrt(...) only)")
        self.at = 0

    def fail(self):
        return OpError(f"{self.name}: cannot read {self.text!r} (numbers, * / ( ) and sqrt(...) only)")

    def read(self):
        value = self.term(0)
        if self.at != len(self.tokens) or value == 0:
            raise self.fail()
        return value

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, token):
        if self.peek() != token:
            raise self.fail()
        self.at += 1

    def term(self, depth: int):
        value = self.factor(depth)
        while self.peek() in ("*", "/"):
            op = self.tokens[self.at]
            self.at += 1
            other = self.factor(depth)
            if op == "/" and other == 0:
                raise self.fail()
            value = value * other if op == "*" else value / other
        return value

    def factor(self, depth: int):
        import sympy

        if depth > 8:
            raise self.fail()
        token = self.peek()
        if token is None:
            raise self.fail()
        self.at += 1
        if token == "-":
            return -self.factor(depth + 1)
        if token[0].isdigit():
            return rational(Fraction(token))
        if token == "sqrt":
            self.take("(")
            inner = self.term(depth + 1)
            self.take(")")
            if inner < 0:
                raise self.fail()
            return sympy.sqrt(inner)
        if token == "(":
            inner = self.term(depth + 1)
            self.take(")")
            return inner
        raise self.fail()
