"""Matrix-form answers for a whole target, evaluated exactly into one expression per entry.

`full_conv(dY, rot180(K))`, `conv(dY, flip(K), mode=full)`, `\\mathrm{rot180}`, `W^T \\delta`,
`\\delta x^T`, `A \\odot B`, `A @ B`: the names are the exercise's arrays (by name or letter, any
case) and the given gradient (`\\frac{\\partial C}{\\partial Y}`, `dC/dY`, `dY`, and `\\delta` when
the document defines it); the operations are our own, on sympy matrices of entry symbols, so
every entry of the result is an exact expression graded like a written one.

`conv`, `conv2d`, `correlate` and `xcorr` are the exercise's convolution: the deep-learning one,
a cross-correlation (the kernel is not flipped), `mode=valid` unless `mode=full` (or `full_conv`).
Juxtaposition, `@` and `\\cdot` are matrix products; `\\odot`, `⊙` and `\\circ` element-wise; `*`
between two matrices is refused as ambiguous. Work is counted before it is done: every operation
adds (entries of its result) x (parts of each entry) to a budget of 4 x `max_nodes`.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import sympy
from lark import Token, Transformer, v_args
from lark.exceptions import UnexpectedInput, VisitError

from ...spec.notation import Notation
from ._aliases import rewrite_aliases
from .errors import ParseError
from reference import functions
from .limits import ParseLimits, normalise, operator_derivatives, scan, unwrap_typography

if TYPE_CHECKING:
    from lark import Lark

# Words that make a whole-target side a matrix form (tried after the matrix reader fails).
HINTS = re.compile(r"conv|correlate|xcorr|rot\\?_?180|flip|\^\s*\{?\s*(T|\\top|\\intercal)|\\odot|\u2299|@|\.T\b")
# Parts a matrix form may create, in units of max_nodes: the full convolution of a 28x28
# exercise's dC/dX needs about 59,000 (784 entries of 25 three-part terms); a hostile nesting
# is refused at the operation that would pass 200,000, within a second.
_BUDGET_NODES = 4
_OPS = {"conv": "valid", "conv2d": "valid", "correlate": "valid", "xcorr": "valid", "fullconv": "full",
        "fullconv2d": "full", "fullcorrelate": "full", "fullxcorr": "full", "rot180": "flip", "flip": "flip"}


class _Fail(Exception):
    def __init__(self, message: str, at) -> None:
        super().__init__(message)
        self.message = message
        self.at = at


def _at(tok) -> tuple[int, int]:
    return (getattr(tok, "line", 1) or 1, getattr(tok, "column", 1) or 1)


@v_args(inline=True)
class _Evaluate(Transformer):
    def __init__(self, notation: Notation, budget: int, delta_ok: bool, names=None) -> None:
        super().__init__()
        self.notation, self.budget, self.delta_ok = notation, budget, delta_ok
        self.names = names  # a letter -> (matrix, weight) of the document's own definitions (z = W x + b)
        self.weight: dict[int, int] = {}  # id(matrix) -> most parts in one of its entries

    # ---- bookkeeping ---------------------------------------------------------------------
    def made(self, value, weight: int, at):
        entries = value.rows * value.cols if isinstance(value, sympy.MatrixBase) else 1
        self.budget -= entries * weight
        if self.budget < 0:
            raise _Fail("this matrix form makes too large an expression: write the entries one by one", at)
        self.weight[id(value)] = weight
        return value

    def w(self, value) -> int:
        return self.weight.get(id(value), 1)

    def cost(self, entries: int, weight: int, at) -> None:
        if entries * weight > self.budget:
            raise _Fail("this matrix form makes too large an expression: write the entries one by one", at)

    def start(self, value):
        return value

    # ---- leaves ----------------------------------------------------------------------------
    def array(self, array, at):
        shape = array.shape if len(array.shape) == 2 else (array.shape[0], 1) if len(array.shape) == 1 else None
        if shape is None:
            raise _Fail(f"{array.name} has {len(array.shape)} axes: a matrix form needs a vector or a matrix", at)
        full = [(i, j) if len(array.shape) == 2 else (i,) for i in range(shape[0]) for j in range(shape[1])]
        cells = [array.symbol(f) for f in full]
        return self.made(sympy.ImmutableMatrix(shape[0], shape[1], cells), 1, at)

    def name(self, tok):
        text = str(tok)
        defined = self.names(text, _at(tok)) if self.names is not None else None
        if defined is not None:
            value, weight = defined
            self.weight[id(value)] = weight
            return value
        for a in self.notation.arrays:
            if a.upstream_of is None and a.name not in self.outputs() and text in (a.name, a.latex, a.letter,
                                                                                   a.latex.upper(), a.latex.lower()):
                return self.array(a, _at(tok))
        # A letter alias (a loss's target y, written Y for the matrix) and the sizes N and D.
        for alias in self.notation.aliases:
            if alias.power == 1 and len(alias.spelling) == 1 and text in (alias.spelling, alias.spelling.upper()):
                return self.array(self.notation[alias.array], _at(tok))
        if text in dict(self.notation.constants):
            return sympy.Integer(dict(self.notation.constants)[text])
        raise _Fail(f"unknown name {text!r} in a matrix form (known: "
                    f"{', '.join(a.name for a in self.notation.arrays if a.upstream_of is None and a.name not in self.outputs())}"
                    f" and the given gradient)", _at(tok))

    def outputs(self) -> set:
        return {a.upstream_of for a in self.notation.arrays if a.upstream_of}

    def upstream(self, tok):
        text = re.sub(r"\s", "", str(tok))
        up = self.notation.upstream
        if up is None:
            raise _Fail("this exercise gives no upstream gradient", _at(tok))
        if text == "\\delta":
            defined = self.names("\\delta", _at(tok)) if self.names is not None and not self.delta_ok else None
            if defined is not None:
                self.weight[id(defined[0])] = defined[1]
                return defined[0]
            if not self.delta_ok:
                raise _Fail(f"\\delta is not defined in this document: define it (\\delta = \\frac{{\\partial "
                            f"{self.notation.loss}}}{{\\partial {up.latex}}}) or write the derivative itself", _at(tok))
            return self.array(up, _at(tok))
        letters = re.findall(r"(?:\\partial|d)([A-Za-z])", text)
        loss, letter = (letters[0], letters[1]) if len(letters) == 2 else (self.notation.loss, letters[-1])
        n = self.notation
        if (loss != n.loss and loss not in n.loss_aliases) or letter.lower() != up.latex.lower():
            raise _Fail(f"{tok}: only d{n.loss}/d{up.latex.upper()} is given", _at(tok))
        return self.array(up, _at(tok))

    def number(self, tok):
        return sympy.Integer(int(str(tok)[:50]))

    def frac(self, tok, top, bottom):
        return self.multiply(top, bottom, Token("PROD_OP", "/", line=tok.line, column=tok.column))

    # ---- operations ------------------------------------------------------------------------
    def signed(self, *children):
        value = children[-1]
        if len(children) == 2 and str(children[0]) == "-":
            return self.made(-value, self.w(value) + 1, _at(children[0]))
        return value

    def sum(self, first, *rest):
        total = first
        for op, value in zip(rest[::2], rest[1::2]):
            if isinstance(total, sympy.MatrixBase) != isinstance(value, sympy.MatrixBase) or \
                    isinstance(total, sympy.MatrixBase) and total.shape != value.shape:
                raise _Fail(f"cannot add shapes {_shape(total)} and {_shape(value)}", _at(op))
            weight = self.w(total) + self.w(value) + 1
            self.cost(_entries(total), weight, _at(op))
            total = self.made(total + value if str(op) == "+" else total - value, weight, _at(op))
        return total

    def product(self, *children):
        result, op = children[0], None
        for child in children[1:]:
            if isinstance(child, Token):
                op = child
                continue
            result = self.multiply(result, child, op)
            op = None
        return result

    def multiply(self, a, b, op):
        kind = re.sub(r"\s", "", str(op)) if op is not None else ""
        at = _at(op) if op is not None else (1, 1)
        a_m, b_m = isinstance(a, sympy.MatrixBase), isinstance(b, sympy.MatrixBase)
        if kind == "/":
            if b_m or b == 0:
                raise _Fail("a matrix form divides only by a number (or N, D)", at)
            return self.made(a / b, self.w(a) + 1, at)
        if not (a_m and b_m):
            weight = self.w(a) + self.w(b) + 1
            return self.made(a * b, weight, at)
        if kind in ("\\odot", "\u2299", "\\circ"):
            if a.shape != b.shape:
                raise _Fail(f"an element-wise product needs equal shapes, got {_shape(a)} and {_shape(b)}", at)
            weight = self.w(a) + self.w(b) + 1
            self.cost(_entries(a), weight, at)
            return self.made(a.multiply_elementwise(b), weight, at)
        if kind == "*":
            raise _Fail("* between two matrices is ambiguous: write @ (or nothing) for the matrix product, "
                        "\\odot for the element-wise one", at)
        if a.cols != b.rows:
            raise _Fail(f"a matrix product needs the columns of the left ({_shape(a)}) to match the rows of the "
                        f"right ({_shape(b)}); a transpose (^T) missing?", at)
        weight = a.cols * (self.w(a) + self.w(b) + 1)
        self.cost(a.rows * b.cols, weight, at)
        return self.made(a * b, weight, at)

    def postfix(self, value, *transposes):
        if not isinstance(value, sympy.MatrixBase):
            raise _Fail("a transpose of a number", _at(transposes[0]))
        for _ in transposes:
            value = self.made(value.T, self.w(value), _at(transposes[0]))
        return value

    def act(self, tok, value, prime=False):
        # \mathrm{ReLU} is relu: only the name inside the braces counts.
        fn = functions.lookup(re.sub(r"\\mathrm", r"\\operatorname", re.sub(r"\s+", "", str(tok))))
        name = fn.name if fn is not None else str(tok)
        if fn is None or (prime and fn.derivative is None):
            raise _Fail(f"{name}{chr(39) if prime else ''} is not an element-wise function here", _at(tok))
        if not isinstance(value, sympy.MatrixBase):
            raise _Fail(f"{name} in a matrix form applies to a matrix, entry by entry", _at(tok))
        weight = self.w(value) + 8
        self.cost(_entries(value), weight, _at(tok))
        return self.made(value.applyfunc(fn.derivative if prime else fn.symbolic), weight, _at(tok))

    def act_prime(self, tok, prime, value):
        return self.act(tok, value, prime=True)

    def mode(self, tok):
        return ("mode", str(tok).strip("'\""))

    def call(self, tok, *args):
        name = re.sub(r"\\(mathrm|operatorname|text|textrm)\s*\{|[\s{}\\_]", "", str(tok)).lower()
        kind = _OPS.get(name)
        at = _at(tok)
        if kind is None:
            raise _Fail(f"unknown operation {str(tok)!r} in a matrix form (known: conv, full_conv, correlate, "
                        f"rot180, flip)", at)
        modes = [a[1] for a in args if isinstance(a, tuple)]
        values = [a for a in args if not isinstance(a, tuple)]
        if any(not isinstance(v, sympy.MatrixBase) for v in values):
            raise _Fail(f"{name} takes matrices", at)
        if kind == "flip":
            if len(values) != 1 or modes:
                raise _Fail(f"{name} takes one matrix", at)
            return self.made(values[0][::-1, ::-1], self.w(values[0]), at)
        if len(values) != 2 or len(modes) > 1:
            raise _Fail(f"{name} takes two matrices and, optionally, mode=full or mode=valid", at)
        mode = modes[0] if modes else kind
        if kind == "full" and mode != "full":
            raise _Fail(f"{name} is the full convolution; mode={mode} contradicts it", at)
        return self.correlate(values[0], values[1], mode, at)

    def correlate(self, a, k, mode, at):
        """The exercise's conv: a cross-correlation, valid or full (a zero-padded by k's size - 1)."""
        kh, kw = k.shape
        weight = kh * kw * (self.w(a) + self.w(k) + 1)
        if mode == "full":
            padded = sympy.zeros(a.rows + 2 * (kh - 1), a.cols + 2 * (kw - 1))
            padded[kh - 1:kh - 1 + a.rows, kw - 1:kw - 1 + a.cols] = a
            a = sympy.ImmutableMatrix(padded)
        rows, cols = a.rows - kh + 1, a.cols - kw + 1
        if rows < 1 or cols < 1:
            raise _Fail(f"the kernel ({_shape(k)}) is larger than the matrix it slides over ({_shape(a)})", at)
        self.cost(rows * cols, weight, at)
        out = [[sympy.Add(*[a[i + p, j + q] * k[p, q] for p in range(kh) for q in range(kw)]) for j in range(cols)]
               for i in range(rows)]
        return self.made(sympy.ImmutableMatrix(out), weight, at)


def _entries(value) -> int:
    return value.rows * value.cols if isinstance(value, sympy.MatrixBase) else 1


def _shape(value) -> str:
    return f"{value.rows}x{value.cols}" if isinstance(value, sympy.MatrixBase) else "a number"


# ReLU's derivative of a whole matrix as CS231n and course notes write it: \mathbb{1}[h > 0],
# [h > 0], 1[h > 0] (only "> 0": the step is 0 at 0).
_STEP_OF_MATRIX = re.compile(r"(?:\\math(?:bb|bbm|ds|bf)\s*\{\s*[1I]\s*\}|(?<![0-9A-Za-z])1)?\s*(?:\\left\s*)?\[\s*"
                             r"([A-Za-z])\s*(?:>|\\gt(?![A-Za-z]))\s*0\s*(?:\\right\s*)?\]")


def parse_matrix_form(text: str, notation: Notation, limits: ParseLimits = ParseLimits(), *,
                      delta_ok: bool = False, names=None) -> sympy.ImmutableMatrix:
    """A matrix-form answer -> the matrix of its entries' exact expressions. Raises ParseError."""
    return evaluate_matrix_form(text, notation, limits, delta_ok=delta_ok, names=names)[0]


def evaluate_matrix_form(text: str, notation: Notation, limits: ParseLimits = ParseLimits(), *,
                         delta_ok: bool = False, names=None) -> tuple[sympy.ImmutableMatrix, int]:
    """(matrix, most parts in one entry) of a matrix form. `names(letter, at)` gives the document's
    own definitions as (matrix, parts) or None, or raises ParseError. Raises ParseError."""
    text = operator_derivatives(unwrap_typography(rewrite_aliases(normalise(text, limits, limits.max_matrix_chars),
                                                                  notation)))
    if "[" in text:
        text = _STEP_OF_MATRIX.sub(lambda m: f" relu'({m.group(1)})", text)
    scan(text, limits, "plain")  # brackets and numbers; LaTeX commands are the grammar's to refuse
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as err:
        line, column = getattr(err, "line", 1), getattr(err, "column", 1)
        raise ParseError("cannot read this as a matrix form: write it with the exercise's arrays, the given "
                         "gradient, conv/full_conv/rot180/flip, ^T, @ and \\odot (docs/answer-format.md)",
                         text, line if line and line > 0 else 1, column if column and column > 0 else 1) from None
    nodes = sum(1 for _ in tree.iter_subtrees())
    if nodes > limits.max_nodes:
        raise ParseError(f"the answer is too large ({nodes:,} parts; the limit is {limits.max_nodes:,})", text)
    budget = limits.max_nodes * _BUDGET_NODES
    try:
        evaluate = _Evaluate(notation, budget, delta_ok, names)
        value = evaluate.transform(tree)
    except VisitError as err:
        cause = err.orig_exc
        if isinstance(cause, _Fail):
            raise ParseError(cause.message, text, *cause.at) from None
        if isinstance(cause, ParseError):
            raise cause from None
        raise ParseError(f"cannot compute this matrix form: {cause}", text) from None
    if not isinstance(value, sympy.MatrixBase):
        raise ParseError("a matrix form must give a matrix, not a number", text)
    return sympy.ImmutableMatrix(value), evaluate.w(value)


def _parser():
    from lark import Lark
    from lark.lexer import PatternRE

    global _PARSER
    if _PARSER is None:
        def from_catalogue(term) -> None:
            if term.name == "ACT":
                term.pattern = PatternRE(functions.matrix_form_regex())

        _PARSER = Lark.open("matrix_form.lark", rel_to=__file__, parser="lalr", lexer="contextual",
                            maybe_placeholders=False, edit_terminals=from_catalogue)
    return _PARSER


_PARSER: Lark | None = None
