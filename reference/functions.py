"""The catalogue of maths functions: one entry per function a student may write or an exercise
may apply element-wise.

Each entry holds everything the grader knows about the function: how students spell it (plain
names, LaTeX commands, names inside `\\operatorname{...}`, unicode), its exact symbolic form and
derivative (sympy, built lazily so grading Python code never imports sympy), its numpy forward
and derivative when it is an element-wise op, and how it is printed. The answer grammars' function
terminals, the LaTeX command allowlist, the transformer, the matrix-form reader and the op library
are all derived from this table: adding a function is one entry here (plus its tests).

Piecewise functions are written with the step H(z) (Heaviside, 0 at 0: relu'(0) = 0 as PyTorch)
so that the exact, branch-by-branch equivalence check decides them; `branch` gives the exact
value and derivative on the side a fixed input lies on.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


def _sympy():
    import sympy

    return sympy


@dataclass(frozen=True)
class MathFunction:
    name: str                                  # canonical name, also the op's name when `op`
    doc: str
    symbolic: Callable[..., Any]               # (z, param) -> exact sympy expression
    derivative: Callable[..., Any] | None = None  # (z, param) -> f'(z), exact
    plain: tuple[str, ...] = ()                # plain-text names: sigma(z), sigmoid(z)
    latex: tuple[str, ...] = ()                # LaTeX commands without the backslash: \sigma
    operatorname: tuple[str, ...] = ()         # \operatorname{ReLU}, \mathrm{softplus} (any case)
    unicode: tuple[str, ...] = ()              # σ pasted from a word processor
    arity: int | None = 1                      # None: two or more (max)
    op: bool = False                           # registered as an element-wise op of the same name
    numeric: Callable[..., Any] | None = None       # (z, param) -> array, for ops
    numeric_grad: Callable[..., Any] | None = None  # (z, param) -> array, for ops
    branch: Callable[..., Any] | None = None   # (z, param, value) -> (f, f') on value's side: piecewise ops
    param: tuple[str, float] | None = None     # the op's one parameter and its default (leaky_relu's slope)
    positive_domain: bool = False              # defined for z > 0 only (log)
    print_plain: str = ""                      # how feedback writes it: sigma(z)
    print_latex: str = ""                      # \sigma(z)
    print_mathml: str = ""                     # <mi>σ</mi>
    worked: str = ""                           # its derivative in a worked solution
    extra_names: tuple[str, ...] = field(default=())  # other spellings of f' (relu' is also H)

    @property
    def piecewise(self) -> bool:
        return self.branch is not None

    def spellings(self) -> tuple[str, ...]:
        return self.plain + tuple("\\" + c for c in self.latex) + self.unicode + \
            tuple(f"\\operatorname{{{n}}}" for n in self.operatorname)


CATALOGUE: dict[str, MathFunction] = {}


def entry(fn: MathFunction) -> MathFunction:
    """Add `fn` to the catalogue (its name and spellings must be new)."""
    if fn.name in CATALOGUE:
        raise ValueError(f"function {fn.name} is in the catalogue twice")
    CATALOGUE[fn.name] = fn
    return fn


# ---- shared pieces ------------------------------------------------------------------------
def sym_sigmoid(z):
    sympy = _sympy()
    return sympy.Pow(sympy.Add(sympy.Integer(1), sympy.exp(sympy.Mul(sympy.Integer(-1), z))), sympy.Integer(-1))


def sym_step(z):
    """The step H(z): 1 for z > 0, 0 for z <= 0; relu'(z), 1[z > 0] and every other spelling of it."""
    sympy = _sympy()
    return sympy.Heaviside(z, sympy.Integer(0))


def _rat(p):
    sympy = _sympy()
    from fractions import Fraction

    f = Fraction(p).limit_denominator(10**12) if isinstance(p, float) else Fraction(p)
    return sympy.Rational(f.numerator, f.denominator)


def _np_sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free form


def _np_erf(z):
    return np.vectorize(math.erf, otypes=[float])(z)


def _sym_cdf(z):
    """Phi(z) = (1 + erf(z/sqrt 2))/2: erf stays an atom (a transcendental function of its own)."""
    sympy = _sympy()
    return sympy.Mul(sympy.Rational(1, 2), sympy.Add(sympy.Integer(1), sympy.erf(sympy.Mul(z, sympy.sqrt(2) / 2))))


def _sym_pdf(z):
    sympy = _sympy()
    return sympy.exp(-z**2 / 2) / sympy.sqrt(2 * sympy.pi)


def _kink(left_value, left_grad):
    """`branch` of a function that is z (slope 1) right of 0 and `left_*` on the left and at 0."""
    def branch(z, p, value):
        if value > 0:
            return z, _sympy().Integer(1)
        return left_value(z, p), left_grad(z, p)
    return branch


# ---- the catalogue ------------------------------------------------------------------------
entry(MathFunction(
    "exp", "e^z", lambda z, p=None: _sympy().exp(z), lambda z, p=None: _sympy().exp(z),
    plain=("exp",), latex=("exp",), op=True, numeric=lambda z, p: np.exp(z), numeric_grad=lambda z, p: np.exp(z),
    print_plain="exp", print_latex="\\exp", print_mathml="exp", worked="exp'(z) = exp(z)"))
entry(MathFunction(
    "log", "the natural logarithm", lambda z, p=None: _sympy().log(z), lambda z, p=None: 1 / z,
    plain=("log", "ln"), latex=("log", "ln"), op=True, numeric=lambda z, p: np.log(z),
    numeric_grad=lambda z, p: 1.0 / z, positive_domain=True,
    print_plain="log", print_latex="\\log", print_mathml="log", worked="log'(z) = 1/z"))
entry(MathFunction(
    "erf", "the error function", lambda z, p=None: _sympy().erf(z),
    lambda z, p=None: 2 * _sympy().exp(-z**2) / _sympy().sqrt(_sympy().pi),
    plain=("erf",), operatorname=("erf",), print_plain="erf", print_latex="\\operatorname{erf}", print_mathml="erf"))
entry(MathFunction(
    "sqrt", "the square root", lambda z, p=None: _sympy().sqrt(z), lambda z, p=None: 1 / (2 * _sympy().sqrt(z)),
    plain=("sqrt",), latex=("sqrt",), print_plain="sqrt", print_latex="\\sqrt", print_mathml="msqrt"))
entry(MathFunction(
    "max", "the largest argument", lambda *args: _sympy().Max(*args), arity=None,
    plain=("max",), latex=("max",), print_plain="max", print_latex="\\max", print_mathml="max"))
entry(MathFunction(
    "step", "the step H(z): 1 for z > 0, 0 for z <= 0 (ReLU's derivative)", lambda z, p=None: sym_step(z),
    plain=("step", "heaviside", "theta"), latex=("theta", "Theta"), operatorname=("step", "heaviside"),
    print_plain="1[z > 0]", print_latex="\\mathbb{1}\\left[z > 0\\right]", print_mathml="1"))
entry(MathFunction(
    "tanh", "the hyperbolic tangent", lambda z, p=None: _sympy().tanh(z), lambda z, p=None: 1 - _sympy().tanh(z)**2,
    plain=("tanh",), latex=("tanh",), operatorname=("tanh",), op=True,
    numeric=lambda z, p: np.tanh(z), numeric_grad=lambda z, p: 1 - np.tanh(z)**2,
    print_plain="tanh", print_latex="\\tanh", print_mathml="tanh", worked="tanh'(z) = 1 - tanh(z)^2"))
entry(MathFunction(
    "sech", "the hyperbolic secant, 1/cosh", lambda z, p=None: 2 / (_sympy().exp(z) + _sympy().exp(-z)),
    lambda z, p=None: -2 / (_sympy().exp(z) + _sympy().exp(-z)) * _sympy().tanh(z),
    plain=("sech",), latex=("sech",), operatorname=("sech",),
    print_plain="sech", print_latex="\\operatorname{sech}", print_mathml="sech"))
entry(MathFunction(
    "ceil", "the ceiling (in general formulas' indices: y_{\\lceil i/2 \\rceil})",
    lambda z, p=None: _sympy().ceiling(z), plain=("ceil", "ceiling"), operatorname=("ceil", "ceiling"),
    print_plain="ceil", print_latex="\\operatorname{ceil}", print_mathml="ceil"))
entry(MathFunction(
    "floor", "the floor (in general formulas' indices: y_{\\lfloor (i+1)/2 \\rfloor})",
    lambda z, p=None: _sympy().floor(z), plain=("floor",), operatorname=("floor",),
    print_plain="floor", print_latex="\\operatorname{floor}", print_mathml="floor"))
entry(MathFunction(
    "cosh", "the hyperbolic cosine", lambda z, p=None: (_sympy().exp(z) + _sympy().exp(-z)) / 2,
    lambda z, p=None: (_sympy().exp(z) - _sympy().exp(-z)) / 2,
    plain=("cosh",), latex=("cosh",), operatorname=("cosh",),
    print_plain="cosh", print_latex="\\cosh", print_mathml="cosh"))
entry(MathFunction(
    "sinh", "the hyperbolic sine", lambda z, p=None: (_sympy().exp(z) - _sympy().exp(-z)) / 2,
    lambda z, p=None: (_sympy().exp(z) + _sympy().exp(-z)) / 2,
    plain=("sinh",), latex=("sinh",), operatorname=("sinh",),
    print_plain="sinh", print_latex="\\sinh", print_mathml="sinh"))
entry(MathFunction(
    "sigmoid", "the logistic sigmoid 1/(1 + e^-z)", lambda z, p=None: sym_sigmoid(z),
    lambda z, p=None: _sympy().Mul(sym_sigmoid(z), _sympy().Add(_sympy().Integer(1), -sym_sigmoid(z))),
    plain=("sigma", "sigmoid"), latex=("sigma",), operatorname=("sigmoid", "sigma"), unicode=("\u03c3",), op=True,
    numeric=lambda z, p: _np_sigmoid(z), numeric_grad=lambda z, p: _np_sigmoid(z) * (1 - _np_sigmoid(z)),
    print_plain="sigma", print_latex="\\sigma", print_mathml="σ", worked="sigma'(z) = sigma(z)(1 - sigma(z))"))
entry(MathFunction(
    "relu", "max(0, z)", lambda z, p=None: _sympy().Max(_sympy().Integer(0), z), lambda z, p=None: sym_step(z),
    plain=("relu",), operatorname=("relu",), op=True,
    numeric=lambda z, p: np.maximum(z, 0.0), numeric_grad=lambda z, p: (z > 0).astype(float),
    branch=_kink(lambda z, p: 0 * z, lambda z, p: _sympy().Integer(0)),
    print_plain="relu", print_latex="\\operatorname{ReLU}", print_mathml="ReLU", worked="relu'(z) = 1[z > 0]",
    extra_names=("H", "step", "theta")))
entry(MathFunction(
    "leaky_relu", "max(z, slope z)",
    lambda z, p=0.01: z * sym_step(z) + _rat(p) * z * (1 - sym_step(z)),
    lambda z, p=0.01: sym_step(z) * (1 - _rat(p)) + _rat(p),
    plain=("leaky_relu", "lrelu", "leakyrelu"), operatorname=("leakyrelu", "lrelu"), op=True,
    numeric=lambda z, p: np.where(z > 0, z, float(p) * z), numeric_grad=lambda z, p: np.where(z > 0, 1.0, float(p)),
    branch=_kink(lambda z, p: _rat(p) * z, lambda z, p: _rat(p)), param=("slope", 0.01),
    print_plain="leaky_relu", print_latex="\\operatorname{LeakyReLU}", print_mathml="LeakyReLU",
    worked="leaky_relu'(z) = 1 for z > 0, slope for z <= 0"))
entry(MathFunction(
    "abs", "|z|", lambda z, p=None: _sympy().Abs(z), lambda z, p=None: _sympy().sign(z), op=True,
    numeric=lambda z, p: np.abs(z), numeric_grad=lambda z, p: np.sign(z),
    branch=lambda z, p, v: (z if v > 0 else -z, _sympy().Integer(int(np.sign(v)))),
    print_plain="abs", print_latex="\\left|z\\right|", print_mathml="|", worked="|z|' = sign(z), 0 at 0"))
entry(MathFunction(
    "square", "z^2", lambda z, p=None: z**2, lambda z, p=None: 2 * z, op=True,
    numeric=lambda z, p: np.square(z), numeric_grad=lambda z, p: 2 * z,
    print_plain="^2", print_latex="^{2}", print_mathml="msup", worked="(z^2)' = 2z"))
entry(MathFunction(
    "gelu", "the exact GELU z Phi(z) = z (1 + erf(z/sqrt 2))/2",
    lambda z, p=None: _sympy().Mul(z, _sym_cdf(z)), lambda z, p=None: _sym_cdf(z) + z * _sym_pdf(z),
    plain=("gelu",), operatorname=("gelu",), op=True,
    numeric=lambda z, p: 0.5 * z * (1.0 + _np_erf(z / math.sqrt(2.0))),
    numeric_grad=lambda z, p: 0.5 * (1.0 + _np_erf(z / math.sqrt(2.0)))
    + z * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi),
    print_plain="gelu", print_latex="\\operatorname{GELU}", print_mathml="GELU",
    worked="gelu'(z) = Phi(z) + z phi(z)"))
entry(MathFunction(
    "softplus", "log(1 + e^z)",
    lambda z, p=None: _sympy().log(_sympy().Add(_sympy().Integer(1), _sympy().exp(z))),
    lambda z, p=None: sym_sigmoid(z),
    plain=("softplus",), operatorname=("softplus",), op=True,
    numeric=lambda z, p: np.logaddexp(0.0, z), numeric_grad=lambda z, p: _np_sigmoid(z),
    print_plain="softplus", print_latex="\\operatorname{softplus}", print_mathml="softplus",
    worked="softplus'(z) = sigma(z)"))

entry(MathFunction(
    "elu", "the ELU: z for z > 0, alpha (e^z - 1) for z <= 0",
    lambda z, p=1: z * sym_step(z) + _rat(p) * (_sympy().exp(z) - 1) * (1 - sym_step(z)),
    lambda z, p=1: sym_step(z) + _rat(p) * _sympy().exp(z) * (1 - sym_step(z)),
    plain=("elu",), operatorname=("elu",), op=True, param=("alpha", 1.0),
    numeric=lambda z, p: np.where(z > 0, z, float(p) * np.expm1(np.minimum(z, 0.0))),
    numeric_grad=lambda z, p: np.where(z > 0, 1.0, float(p) * np.exp(np.minimum(z, 0.0))),
    branch=_kink(lambda z, p: _rat(p) * (_sympy().exp(z) - 1), lambda z, p: _rat(p) * _sympy().exp(z)),
    print_plain="elu", print_latex="\\operatorname{ELU}", print_mathml="ELU",
    worked="elu'(z) = 1 for z > 0, alpha e^z for z <= 0"))
entry(MathFunction(
    "silu", "the SiLU (swish) z sigma(z)", lambda z, p=None: z * sym_sigmoid(z),
    lambda z, p=None: sym_sigmoid(z) * (1 + z * (1 - sym_sigmoid(z))),
    plain=("silu", "swish"), operatorname=("silu", "swish"), op=True,
    numeric=lambda z, p: z * _np_sigmoid(z), numeric_grad=lambda z, p: _np_sigmoid(z) * (1 + z * (1 - _np_sigmoid(z))),
    print_plain="silu", print_latex="\\operatorname{SiLU}", print_mathml="SiLU",
    worked="silu'(z) = sigma(z)(1 + z (1 - sigma(z)))"))

entry(MathFunction(
    "normcdf", "the standard normal distribution function Phi(z) = (1 + erf(z/sqrt 2))/2",
    lambda z, p=None: _sym_cdf(z), lambda z, p=None: _sym_pdf(z),
    plain=("normcdf", "cdf"), latex=("Phi",), unicode=("\u03a6",),
    print_plain="normcdf", print_latex="\\Phi", print_mathml="\u03a6", worked="Phi'(z) = phi(z)"))
entry(MathFunction(
    "normpdf", "the standard normal density phi(z) = exp(-z^2/2)/sqrt(2 pi)",
    lambda z, p=None: _sym_pdf(z), lambda z, p=None: -z * _sym_pdf(z),
    plain=("normpdf", "pdf"), latex=("phi", "varphi"), unicode=("\u03c6", "\u03d5"),
    print_plain="normpdf", print_latex="\\varphi", print_mathml="\u03c6", worked="phi'(z) = -z phi(z)"))

# ---- what the readers derive from the catalogue -------------------------------------------
def _index() -> dict[str, dict[str, MathFunction]]:
    maps: dict[str, dict[str, MathFunction]] = {"plain": {}, "latex": {}, "operatorname": {}, "unicode": {}}
    for fn in CATALOGUE.values():
        for kind in maps:
            for spelling in getattr(fn, kind):
                key = spelling.lower() if kind in ("plain", "operatorname") else spelling
                other = maps[kind].setdefault(key, fn)
                if other is not fn:
                    raise ValueError(f"{spelling!r} spells both {other.name} and {fn.name}")
    return maps


def lookup(written: str) -> MathFunction | None:
    """The function a token names: `sigma`, `\\sigma`, `\\operatorname{ReLU}`, `σ`; None if unknown."""
    maps = _index()
    written = written.strip()
    if written in maps["unicode"]:
        return maps["unicode"][written]
    if written.startswith("\\"):
        if "{" in written:
            inner = written[written.index("{") + 1: written.rindex("}")].strip().lower()
            return maps["operatorname"].get(inner) or maps["plain"].get(inner)
        name = written[1:]
        return maps["latex"].get(name) or maps["latex"].get(name.lower()) or maps["plain"].get(name.lower())
    return maps["plain"].get(written.lower())


def known_names() -> list[str]:
    """The plain names students may write, for "unknown function" messages."""
    return sorted(_index()["plain"])


def derivative_names() -> list[str]:
    return sorted(n for n, fn in _index()["plain"].items() if fn.derivative is not None)


def _alternation(words) -> str:
    import re

    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def plain_function_regex() -> str:
    """The plain grammar's FUNC terminal: every plain name (not a prefix of a longer name), σ,
    and H right before a bracket."""
    words = _index()
    return (f"({_alternation(words['plain'])})(?![A-Za-z])|{_alternation(words['unicode'])}"
            r"|H(?=[ \t]*\()")


def latex_function_regex() -> str:
    """The LaTeX grammar's FUNC terminal: the catalogue's commands, and σ."""
    words = _index()
    return rf"\\({_alternation(words['latex'])})(?![A-Za-z])|{_alternation(words['unicode'])}"


def latex_commands() -> frozenset[str]:
    """LaTeX commands the catalogue's functions are written with (for the command allowlist)."""
    return frozenset(_index()["latex"])


def element_wise_ops() -> list[MathFunction]:
    return [fn for fn in CATALOGUE.values() if fn.op]


def matrix_form_regex() -> str:
    """The matrix-form grammar's ACT terminal: an element-wise function (or its derivative, with a
    prime) applied to a matrix, \\sigma(Z), relu'(Z), \\operatorname{ReLU}(Z)."""
    fns = [fn for fn in element_wise_ops() if fn.param is None]
    latex = _alternation(c for fn in fns for c in fn.latex)
    plain = _alternation(n for fn in fns for n in fn.plain)
    names = f"(?i:{_alternation(n for fn in fns for n in fn.operatorname)})"
    uni = _alternation(u for fn in fns for u in fn.unicode)
    return (rf"\\({latex})(?![A-Za-z])|({plain}|{uni}|\\(mathrm|operatorname)\s*\{{\s*({names})\s*\}})"
            r"(?=\s*('|\(|\^\s*\{?\s*\\prime))")
