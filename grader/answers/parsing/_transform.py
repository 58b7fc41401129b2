"""Parse trees of both notations -> sympy, through constructors only.

Both grammars label their alternatives with the same names (sum, term, product, power, entry,
call, ...), so one transformer serves plain text and LaTeX. Entries whose indices still hold
sum variables (x[n+1,m] inside a sum) stay `sympy.Indexed` until the sum that binds them is
unrolled; then they become the notation's own symbols, so answers and the reference solver
share one set of symbols.
"""
from __future__ import annotations

import itertools
import operator
import re
from dataclasses import dataclass
from functools import reduce

import sympy
from lark import Token, v_args
from lark.exceptions import GrammarError, VisitError
from lark.visitors import Transformer_NonRecursive
from sympy.matrices import MatrixBase

from ...spec.notation import ArrayNotation, Notation
from .limits import ParseLimits
from reference import functions


class SemanticError(Exception):
    """Raised inside the transformer; the caller turns it into a ParseError on the full text."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


@dataclass(frozen=True)
class DerivativeTarget:
    """A derivation's left side: dC/dx_{2,1} (`index` set, 0-based full) or dC/dX (`index` None)."""

    array: ArrayNotation
    index: tuple[int, ...] | None
    loss: str
    variables: tuple[str, ...] | None = None  # dC/dx_{i,j}: a general entry (asked for by the caller)


@dataclass(frozen=True)
class _Signed:
    negative: bool
    value: object


@dataclass(frozen=True)
class _Sub:
    values: tuple
    digits: str | None  # the subscript was only digits, as written (x_{11})
    at: tuple[int, int]


def step(z):
    """ReLU's derivative as the reference writes it: 1 for z > 0, 0 for z <= 0 (relu'(0) = 0, as
    PyTorch); every spelling of the step (relu', 1[z > 0], H, step, theta) is this one object."""
    return functions.sym_step(z)


def _known() -> str:
    return ", ".join(functions.known_names())


_DIGITS = re.compile(r"[0-9]+")
# The parts of an UPSTREAM_ENTRY token: loss letter, output letter, subscript.
_UPSTREAM_PARTS = re.compile(r"\\[dt]?frac\s*\{\s*\\(?:partial|delta)\s*([A-Za-z])\s*\}\s*"
                             r"\{\s*\\(?:partial|delta)\s*([A-Za-z])_\{([^}]*)\}\s*\}")


def _is_matrix(v) -> bool:
    return isinstance(v, MatrixBase)


def _neg(v):
    return -v if _is_matrix(v) else sympy.Mul(sympy.Integer(-1), v)


def _add(terms: list):
    if any(_is_matrix(t) for t in terms):
        return reduce(operator.add, terms)
    return sympy.Add(*terms)


def _at(tok) -> tuple[int, int]:
    return (getattr(tok, "line", None) or 1, getattr(tok, "column", None) or 1)


def _digits_split(array: ArrayNotation, sub: _Sub) -> tuple:
    """A subscript's values, with `x_{21}` read as x_{2,1} where the notation says so."""
    split = array.digit_index(sub.digits) if len(sub.values) == 1 and sub.digits else None
    return sub.values if split is None else tuple(map(sympy.Integer, split))


_ENV_NAME = re.compile(r"\{\s*([A-Za-z]*)\s*\}")


@v_args(inline=True)
class Builder(Transformer_NonRecursive):
    """One parse's transformer: holds the positions of loose index variables for error messages."""

    def __init__(self, notation: Notation, limits: ParseLimits, text: str, *, latex: bool, lhs: bool = False,
                 allow_outputs: bool = False) -> None:
        super().__init__()
        self.latex = latex
        self.notation = notation
        self.limits = limits
        self.text = text
        self.lhs = lhs
        self.allow_outputs = allow_outputs
        self.outputs = {a.upstream_of for a in notation.arrays if a.upstream_of}
        self.where: dict = {}  # index variables and unresolved entries -> first (line, column)
        self.loose: set = set()  # index variables seen (unknown names unless a sum binds them)
        self.budget = limits.max_nodes  # expression nodes sums may still create
        self.general = False  # a left side may be a general entry (dC/dx_{i,j})
        self.zero_outside: str | None = None  # this array's entries outside it read as 0 (general formulas)
        self._rules: dict = {}

    def _call_userfunc(self, tree, new_children=None):
        # lark wraps a v_args method anew (functools.update_wrapper) on every attribute lookup;
        # looking each rule up once per parse takes that off the path of every tree node.
        try:
            f = self._rules[tree.data]
        except KeyError:
            f = self._rules[tree.data] = getattr(self, tree.data, None)
        if f is None or getattr(f, "visit_wrapper", None) is None:
            return super()._call_userfunc(tree, new_children)
        children = new_children if new_children is not None else tree.children
        try:
            return f.visit_wrapper(f, tree.data, children, tree.meta)
        except GrammarError:
            raise
        except Exception as err:
            raise VisitError(tree.data, tree, err) from err

    # ---- helpers -------------------------------------------------------------------------
    def fail(self, message: str, at) -> SemanticError:
        line, column = at if isinstance(at, tuple) else _at(at)
        return SemanticError(message, line, column)

    def _plain_array(self, name: str) -> ArrayNotation | None:
        found = self.notation.by_letter(name)
        if found is None:
            found = next((a for a in self.notation.arrays if a.name == name), None)
        return found

    def _by_name(self, name: str) -> ArrayNotation | None:
        """W_{i,j} for the entries of W written w_{i,j}: the array's own name, as Goodfellow writes
        a matrix's entries (only for inputs and intermediates, never the upstream gradient)."""
        return next((a for a in self.notation.arrays if a.name == name and a.upstream_of is None), None)

    def _written(self, array: ArrayNotation, index: tuple, latex: bool) -> str:
        idx = ",".join(str(i) for i in index)
        return f"{array.latex}_{{{idx}}}" if latex else f"{array.letter}[{idx}]"

    def _placeholder(self, array: ArrayNotation, latex: bool) -> str:
        return self._written(array, tuple("ijkl"[: len(array.axes)]), latex)

    def _known(self, latex: bool) -> str:
        shown = []
        for a in self.notation.arrays:
            if a.name in self.outputs and not self.allow_outputs and a.name not in self.notation.defined_outputs:
                continue
            if a.upstream_of is not None:
                shown.append(f"\\frac{{\\partial {self.notation.loss}}}{{\\partial {a.latex}_{{...}}}}" if latex
                             else self._placeholder(a, False))
            else:
                shown.append(self._placeholder(a, latex))
        return ", ".join(shown)

    def _unknown(self, name: str, latex: bool) -> str:
        """`unknown symbol 'a': did you mean y (the output of sigmoid)? (known: ...)`: the named
        nodes of the exercise an unknown letter most likely stands for."""
        hint = ""
        for array_name, meaning in self.notation.meanings:
            array = self.notation[array_name]
            letter = array.latex if latex else array.letter
            if letter != name:
                hint = f": did you mean {letter} ({meaning})?"
                break
        return f"unknown symbol {name!r}{hint} (known: {self._known(latex)})"

    def index_var(self, tok) -> sympy.Symbol:
        var = sympy.Symbol(str(tok), integer=True)
        self.loose.add(var)
        self.where.setdefault(var, _at(tok))
        return var

    def resolve(self, array: ArrayNotation, index: tuple[int, ...], at, latex: bool) -> sympy.Symbol:
        """The entry symbol for a 1-based written (or full) index, with a range check."""
        if array.name in self.outputs and not self.allow_outputs and array.name not in self.notation.defined_outputs:
            who = ", ".join(a.latex if latex else a.letter for a in self.notation.arrays
                            if a.name not in self.outputs and a.upstream_of is None)
            up = self.notation.upstream
            upstream = f"d{self.notation.loss}/d{array.latex if latex else array.letter}" if up else ""
            raise self.fail(f"{self._written(array, index, latex)} is a forward output; answers must be in terms "
                            f"of {who}" + (f" and {upstream}" if upstream else ""), at)
        shape = array.notation_shape
        if array.name == self.zero_outside and len(index) == len(array.axes) and not array.in_range(index):
            return sympy.Integer(0)  # dC/dy_{0,1} in a general formula: no such output, no term
        if len(index) == len(array.axes):
            if array.in_range(index):
                return array.symbol(array.full_index(index))
        elif len(index) == len(array.shape) and len(array.axes) < len(array.shape):
            # k_{1,1}: the full index of an array whose singleton axes the statement drops.
            shape = array.shape
            if all(1 <= i <= n for i, n in zip(index, shape)):
                return array.symbol(tuple(i - 1 for i in index))
        elif (dropped := self._singletons_dropped(array, index)) is not None:
            # h_2 for the state h_{2,1} of a 3x1 array, u_1 for u_{1,1} of a 1x2 one: the axes
            # left out all have length 1, so the entry is the one the given indices leave.
            return array.symbol(array.full_index(dropped))
        else:
            raise self.fail(f"{array.latex if latex else array.letter} takes {len(array.axes)} "
                            f"ind{'ex' if len(array.axes) == 1 else 'ices'} "
                            f"({self._placeholder(array, latex)}), got {len(index)}", at)
        ranges = ", ".join(f"1..{n}" for n in shape)
        zero = "; indices in this exercise start at 1, as in the statement" if 0 in index else ""
        raise self.fail(f"{self._written(array, index, latex)} is outside {array.latex if latex else array.letter}: "
                        f"indices run {ranges}{zero}", at)

    @staticmethod
    def _singletons_dropped(array: ArrayNotation, index: tuple) -> tuple[int, ...] | None:
        """The written index of `array` when `index` leaves out exactly its axes of length 1."""
        shape = array.notation_shape
        wide = [k for k, n in enumerate(shape) if n != 1]
        if len(index) >= len(shape) or len(index) != len(wide):
            return None
        full = [1] * len(shape)
        for k, i in zip(wide, index):
            full[k] = i
        return tuple(full) if all(1 <= i <= n for i, n in zip(full, shape)) else None

    def entry_value(self, array: ArrayNotation, values: tuple, at, latex: bool):
        ints: list[int] | None = []
        for v in values:
            if _is_matrix(v) or not getattr(v, "free_symbols", set()) <= self.loose:
                raise self.fail("an index must be a whole number or an expression in sum variables", at)
            if v.free_symbols:
                ints = None
            elif not v.is_Integer:
                raise self.fail(f"an index must be a whole number, got {v}", at)
            elif ints is not None:
                ints.append(int(v))
        if ints is not None:
            return self.resolve(array, tuple(ints), at, latex)
        ind = sympy.Indexed(sympy.IndexedBase(sympy.Symbol(array.name)), *values)
        self.where.setdefault(ind, at)
        return ind

    def settle(self, ind: sympy.Indexed, at):
        """An entry after its sum variables got values: a symbol, or still Indexed (outer sums)."""
        values = ind.indices
        if all(v.is_Integer for v in values):
            array = self.notation[str(ind.base.label)]
            return self.resolve(array, tuple(int(v) for v in values), at, self.latex)
        if any(not v.free_symbols and not v.is_Integer for v in values):
            raise self.fail(f"an index must be a whole number, got {', '.join(map(str, values))}", at)
        self.where.setdefault(ind, at)
        return ind

    def pow(self, base, exponent, at):
        if _is_matrix(base) or _is_matrix(exponent):
            raise self.fail("powers of a matrix are not supported", at)
        lim = self.limits.max_exponent
        # e^{66} is exp(66), a symbol-sized value; only other bases grow with the exponent.
        if exponent.is_Number and base is not sympy.E:
            if not exponent.is_Rational or abs(exponent.p) > lim * exponent.q or exponent.q > lim:
                raise self.fail(f"the exponent {exponent} is too large (the limit is {lim})", at)
            if base.is_Rational:
                bits = max(int(base.p).bit_length(), int(base.q).bit_length()) * abs(int(exponent.p))
                if bits > self.limits.max_number_digits * 4 * lim:
                    raise self.fail("this power is too large a number to compute", at)
        result = sympy.Pow(base, exponent)
        if result.has(sympy.zoo, sympy.nan):
            raise self.fail("division by zero", at)
        return result

    def unroll(self, body, ranges: list, at):
        """Expand a sum over concrete ranges into its terms (the sum of entries, not a Sum)."""
        variables, spans, total = [], [], 1
        for var_tok, lo, hi in ranges:
            var = self.index_var(var_tok)
            for bound in (lo, hi):
                if _is_matrix(bound) or not bound.is_Integer:
                    raise self.fail(f"the bounds of a sum must be whole numbers, got {bound}", var_tok)
            count = max(0, int(hi) - int(lo) + 1)
            total *= count
            if total > self.limits.max_sum_terms:
                raise self.fail(f"the sum has {total:,} terms (the limit is {self.limits.max_sum_terms:,})", at)
            if var in variables:
                raise self.fail(f"the sum variable {var} is bound twice", var_tok)
            variables.append(var)
            spans.append(range(int(lo), int(hi) + 1))
        size = sum(1 for _ in sympy.preorder_traversal(body))
        if size * total > self.budget:
            raise self.fail("unrolling this sum makes the expression too large", at)
        self.budget -= size * total
        make = self._compile(body, {v: i for i, v in enumerate(variables)})
        terms = [make(values) for values in itertools.product(*spans)]
        if not terms:
            return sympy.Integer(0)
        return _add(terms)

    def _compile(self, expr, positions: dict):
        """A function from the sum variables' values to `expr` with them substituted.

        Substituting by walking the template once per term (xreplace) dominated the reading of
        large answers; this walks it once, and entries are resolved once per distinct index.
        """
        if isinstance(expr, sympy.Symbol) and expr in positions:
            at = positions[expr]
            return lambda values: sympy.Integer(values[at])
        if not (expr.free_symbols & positions.keys()):
            return lambda values: expr
        if isinstance(expr, sympy.Indexed):
            indices = [self._compile(i, positions) for i in expr.indices]
            base, where = expr.base, self.where[expr]
            array = self.notation[str(base.label)]

            def entry(values):
                key = tuple(index(values) for index in indices)
                if all(k.is_Integer for k in key):
                    return self.resolve(array, tuple(int(k) for k in key), where, self.latex)
                return self.settle(sympy.Indexed(base, *key), where)  # an outer sum's variable is left

            return entry
        func, args = expr.func, [self._compile(a, positions) for a in expr.args]
        return lambda values: func(*(arg(values) for arg in args))

    def instantiate(self, body, names: tuple[str, ...], entries: list[tuple[int, ...]]) -> list:
        """A general formula's right side at each entry's written index: an expression, or the
        SemanticError that entry gets. Instantiating counts against the node budget, as unrolling does."""
        if _is_matrix(body):
            raise self.fail(f"expected one expression, got a {body.rows}x{body.cols} matrix", (1, 1))
        variables = [sympy.Symbol(n, integer=True) for n in names]
        size = sum(1 for _ in sympy.preorder_traversal(body))
        if size * len(entries) > self.budget:
            raise self.fail(f"this formula for all {len(entries):,} entries makes too large an expression "
                            f"({size * len(entries):,} parts; the limit is {self.budget:,}): write the entries one by one",
                            (1, 1))
        self.budget -= size * len(entries)
        make = self._compile(body, {v: i for i, v in enumerate(variables)})
        out = []
        for values in entries:
            try:
                out.append(self.finish(make(values)))
            except SemanticError as err:
                out.append(err)
        return out

    def finish(self, value, matrix_ok: bool = False):
        """Refuse what only the whole expression can show: loose index variables, matrices."""
        if _is_matrix(value) and not matrix_ok:
            raise self.fail(f"expected one expression, got a {value.rows}x{value.cols} matrix", (1, 1))
        leftovers = value.atoms(sympy.Indexed) if hasattr(value, "atoms") else set()
        for ind in sorted(leftovers, key=lambda i: self.where.get(i, (1, 1))):
            names = sorted(str(s) for i in ind.indices for s in i.free_symbols)
            raise self.fail(f"the index variable {names[0]} is not bound by a sum", self.where.get(ind, (1, 1)))
        free = value.free_symbols if hasattr(value, "free_symbols") else set()
        for var in sorted(free & self.loose, key=lambda v: self.where.get(v, (1, 1))):
            raise self.fail(self._unknown(var.name, self.latex),
                            self.where.get(var, (1, 1)))
        if hasattr(value, "has") and value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise self.fail("the expression is undefined (division by zero)", (1, 1))
        return value

    # ---- rules shared by both grammars -----------------------------------------------------
    def start_expr(self, value):
        return value

    def start_lhs(self, value):
        return value

    def sum(self, first, *rest):
        terms = [first]
        for op, term in zip(rest[0::2], rest[1::2]):
            terms.append(_neg(term) if op == "-" else term)
        return _add(terms)

    def term(self, *children):
        value = children[-1]
        return _neg(value) if sum(1 for s in children[:-1] if s == "-") % 2 else value

    def product(self, *children):
        scalars, matrix, previous_op, pending = [], None, None, None
        for child in children:
            if isinstance(child, Token):
                pending = child
                continue
            if previous_op is not None and pending is None and previous_op.value in ("/", "\\div"):
                raise self.fail("ambiguous: after '/', put a product in the denominator in parentheses "
                                "(a/(b c)) or write the multiplication out ((a/b)*c)", previous_op)
            if pending is not None and pending.value in ("/", "\\div"):
                if _is_matrix(child):
                    raise self.fail("cannot divide by a matrix", pending)
                if child == 0:
                    raise self.fail("division by zero", pending)
                child = sympy.Pow(child, sympy.Integer(-1))
            if _is_matrix(child):
                matrix = child if matrix is None else matrix * child
            else:
                scalars.append(child)
            previous_op, pending = pending, None
        value = sympy.Mul(*scalars)
        return value if matrix is None else value * matrix

    def power(self, base, *rest):
        ops, exps = rest[0::2], rest[1::2]
        if len(ops) > self.limits.max_power_chain:
            raise self.fail(f"more than {self.limits.max_power_chain} powers in a row; use parentheses",
                            ops[self.limits.max_power_chain])
        acc = None
        # a^-b^c is a^(-(b^c)): fold from the right, each sign applying after its own power.
        for i in reversed(range(len(ops))):
            e = exps[i]
            negative, value = (e.negative, e.value) if isinstance(e, _Signed) else (False, e)
            if acc is not None:
                value = self.pow(value, acc, ops[i + 1])
            acc = _neg(value) if negative else value
        return base if acc is None else self.pow(base, acc, ops[0])

    def exponent(self, *children):
        return _Signed(sum(1 for s in children[:-1] if s == "-") % 2 == 1, children[-1])

    def number(self, tok):
        text = str(tok)
        whole, _, frac = text.partition(".")
        if not frac:
            return sympy.Integer(int(whole or "0"))
        # Decimals are exact: 0.1 is 1/10, never a float.
        return sympy.Rational(int((whole or "0") + frac), 10 ** len(frac))

    def call(self, tok, *args):
        if len(args) == 1 and isinstance(args[0], list):
            args = tuple(args[0])
        raw = str(tok)
        if raw == "H":
            self._step_letter(tok)
            raw = "heaviside"
        fn = functions.lookup(raw)
        name = fn.name if fn is not None else raw.lstrip("\\")
        if fn is None:
            if "{" in name:
                name = name[name.index("{") + 1: name.rindex("}")].strip()
            raise self.fail(f"unknown function {name.lower()!r} (known: {_known()})", tok)
        arity = fn.arity
        if fn.param is not None and len(args) == 2:
            arity = 2  # leaky_relu(z, slope)
        if (arity is not None and len(args) != arity) or (arity is None and len(args) < 2):
            want = f"{arity} argument{'s' if arity != 1 else ''}" if arity else "two or more arguments"
            raise self.fail(f"{name} takes {want}, got {len(args)}", tok)
        if any(_is_matrix(a) for a in args):
            raise self.fail(f"{name} of a matrix is not supported", tok)
        return fn.symbolic(*args)

    def _step_letter(self, tok):
        """H(...) is the step function unless the exercise has an array called H."""
        array = self.notation.by_latex("H") if self.latex else self._plain_array("H")
        if array is not None:
            raise self.fail("H is an array of this exercise: write its entries as "
                            f"{self._placeholder(array, self.latex)}, and the step as "
                            + ("\\mathbb{1}[z > 0]" if self.latex else "1[z > 0]"), tok)

    def prime_call(self, tok, prime, *args):
        """relu'(z), \\sigma'(z): the derivative of an activation, by name."""
        if len(args) == 1 and isinstance(args[0], list):
            args = tuple(args[0])
        raw = str(tok)
        fn = functions.lookup(raw)
        name = raw[raw.index("{") + 1: raw.rindex("}")].strip() if "{" in raw else raw.lstrip("\\")
        if fn is None or fn.derivative is None:
            raise self.fail(f"{name.lower()}' is not read (known: "
                            f"{', '.join(n + chr(39) for n in functions.derivative_names())})", tok)
        if len(args) != 1:
            raise self.fail(f"{name}' takes 1 argument, got {len(args)}", tok)
        if _is_matrix(args[0]):
            raise self.fail(f"{name}' of a matrix is not supported", tok)
        return fn.derivative(args[0])

    def indicator(self, tok, left, gt, right):
        """1[a > b]: 1 when a > b, else 0 (so 1[z > 0] is relu'(z), 0 at z = 0)."""
        if _is_matrix(left) or _is_matrix(right):
            raise self.fail("an indicator of a matrix is not supported", tok)
        return step(sympy.Add(left, _neg(right)))

    # ---- plain notation ----------------------------------------------------------------
    def name(self, tok):
        text = str(tok)
        array = self._plain_array(text)
        if array is not None:
            if not array.axes or self._singletons_dropped(array, ()) is not None:
                return self.resolve(array, (), tok, False)
            if self.text[tok.end_pos:].lstrip().startswith("("):
                # MATLAB's dY(1,1): say how to write it, never guess 0- or 1-based.
                raise self.fail(f"write {self._placeholder(array, False)} with square brackets: {text}(...) "
                                f"is MATLAB's notation, and round brackets multiply here", tok)
            raise self.fail(f"{text} needs an index: {self._placeholder(array, False)}", tok)
        if text == "e":
            return sympy.E
        if text == "pi" and self._plain_array("pi") is None:
            return sympy.pi
        if text in dict(self.notation.constants):
            return sympy.Integer(dict(self.notation.constants)[text])
        if self.text[tok.end_pos:].lstrip().startswith("("):
            raise self.fail(f"unknown function {text!r} (known: {_known()})", tok)
        return self.index_var(tok)

    def entry_literal(self, tok):
        name, _, rest = str(tok).partition("[")
        array = self._plain_array(name)
        if array is None:
            raise self.fail(self._unknown(name, False), tok)
        index = tuple(int(part) for part in rest.rstrip(" \t]").split(","))
        return self.resolve(array, index, _at(tok), False)

    def signed(self, sign, value):
        return _neg(value) if sign == "-" else value

    def upstream_plain(self, tok):
        """dC/dy[1,1] in plain notation: the upstream gradient dy[1,1] (any loss alias)."""
        text = "".join(str(tok).split())
        loss, _, rest = text[1:].partition("/d")
        up = self.notation.upstream
        letter, bracket, index = rest.partition("[")
        digits = ""
        if not bracket:  # dC/dy11: one digit per index, as dy11
            letter = rest.rstrip("0123456789")
            digits = rest[len(letter):]
            letter = letter.rstrip("_")
        if up is None or loss not in self.notation.loss_aliases + (self.notation.loss,) or \
                letter not in (up.latex, up.letter[1:] if up.letter.startswith("d") else up.letter):
            raise self.fail(f"{str(tok)}: only d{self.notation.loss}/d{up.latex if up else '?'} is given; write it "
                            f"as {self._placeholder(up, False) if up else 'dy[i,j]'}", tok)
        if digits:
            if len(digits) != len(up.axes) or max(up.notation_shape) > 9:
                raise self.fail(f"write {text[:text.index('/') + 2]}{letter}[...]: put the indices in square brackets, "
                                f"as in {self._placeholder(up, False)}", tok)
            return self.resolve(up, tuple(int(d) for d in digits), _at(tok), False)
        values = tuple(int(v) for v in index.rstrip("]").split(","))
        return self.resolve(up, values, _at(tok), False)

    def bare_entry(self, tok):
        """dy11, dy_11, k1: one digit per index, read only where that is unambiguous."""
        text = str(tok)
        name = text.rstrip("0123456789").rstrip("_")
        digits = text[len(name):].lstrip("_")
        array = self._plain_array(name)
        if array is None:
            raise self.fail(self._unknown(text, False), tok)
        axes = len(array.axes)
        if axes == 0 or len(digits) != axes or max(array.notation_shape) > 9:
            raise self.fail(f"write {name}[{','.join(digits) if len(digits) == axes else '...'}]: put the "
                            f"indices of {name} in square brackets, as in {self._placeholder(array, False)}", tok)
        return self.resolve(array, tuple(int(d) for d in digits), _at(tok), False)

    def tex_entry_literal(self, tok):
        """x_{2,1} read as one token (see TEX_ENTRY); the general rule's checks apply."""
        text = str(tok)
        inner = text[text.index("{") + 1:-1].strip()
        values = tuple(sympy.Integer(int(p)) for p in inner.split(","))
        sub = _Sub(values, inner if _DIGITS.fullmatch(inner) else None, (tok.line, tok.column + 2))
        return self.entry(Token.new_borrow_pos("LETTER", text[0], tok), sub)

    def entry(self, tok, *values):
        latex = len(values) == 1 and isinstance(values[0], _Sub)
        if latex:
            array = self.notation.by_latex(str(tok)) or self._by_name(str(tok))
            if array is None:
                raise self.fail(self._unknown(str(tok), True), tok)
            sub = values[0]
            values = _digits_split(array, sub)
            if values is sub.values and len(values) == 1 and sub.digits and len(array.axes) > 1 and len(sub.digits) > 1:
                raise self.fail(f"ambiguous subscript {{{sub.digits}}}: separate the indices with a comma, "
                                f"as in {self._placeholder(array, True)}", sub.at)
        else:
            array = self._plain_array(str(tok))
            if array is None:
                raise self.fail(self._unknown(str(tok), False), tok)
        return self.entry_value(array, tuple(values), _at(tok), latex)

    # ---- for readers that resolve entries themselves (see _direct.py) -------------------------
    def entry_at(self, tok, values: tuple[int, ...], latex: bool):
        """The entry symbol `tok` names at these whole-number indices, with every check of `entry`."""
        integers = tuple(sympy.Integer(v) for v in values)
        if latex:
            return self.entry(tok, _Sub(integers, None, _at(tok)))
        return self.entry(tok, *integers)

    def entry_name_at(self, tok, values: tuple[int, ...], latex: bool) -> str:
        """The name of the entry symbol `entry_at` gives; an entry in range is named directly (the
        common case inside an unrolled sum), anything else goes through `entry_at`'s checks."""
        text = str(tok)
        array = self.notation.by_latex(text) if latex else self._plain_array(text)
        if array is not None and array.name not in self.outputs and array.in_range(values):
            return array.plain(array.full_index(values))
        return self.entry_at(tok, values, latex).name

    def upstream_at(self, loss_tok, letter_tok, values: tuple[int, ...]):
        """dC/dy at whole-number indices, written as a fraction, with every check of `derivative`."""
        loss_name = str(loss_tok)
        if loss_name.startswith("\\"):
            loss_name = loss_name[loss_name.index("{") + 1: loss_name.rindex("}")].strip()
        is_loss = loss_name in self.notation.loss_aliases or loss_name == self.notation.loss
        sub = _Sub(tuple(sympy.Integer(v) for v in values), None, _at(letter_tok))
        return self._upstream_entry(loss_name, is_loss, letter_tok, sub, f"d{loss_name}/d{letter_tok}", _at(letter_tok))

    def sum_call(self, tok, body, *ranges):
        return self.unroll(body, list(ranges), tok)

    def sum_free(self, tok, body):
        """sum(dy[i,j]*x[i,j]): every index variable of the body, over the output positions."""
        names = sorted({str(s) for ind in getattr(body, "atoms", lambda *_: ())(sympy.Indexed)
                        for i in ind.indices for s in i.free_symbols})
        if not names:
            raise self.fail("a sum without bounds needs an index variable: sum(dy[i,j]*x[i,j])", tok)
        vars_ = [Token("NAME", n, line=self.where[sympy.Symbol(n, integer=True)][0],
                       column=self.where[sympy.Symbol(n, integer=True)][1]) for n in names]
        return self.unroll_outputs(body, vars_, tok)

    def unroll_outputs(self, body, var_toks: list, at):
        """A sum written without bounds runs over the valid output positions: each variable
        takes the range of the axis of dC/dy it indexes on its own (\\sum_{i,j} dC/dy_{i,j} x_{i,j})."""
        up = self.notation.upstream
        indexed = [i for i in getattr(body, "atoms", lambda *_: ())(sympy.Indexed)
                   if up is not None and str(i.base.label) == up.name]
        ranges = []
        for tok in var_toks:
            var = sympy.Symbol(str(tok), integer=True)
            axes = {p for ind in indexed for p, v in enumerate(ind.indices) if v == var}
            if len(axes) != 1:
                where = "indexes no entry of" if not axes else "indexes several axes of"
                given = f"d{self.notation.loss}/d{up.latex if self.latex else up.letter}" if up else "the upstream gradient"
                example = f"\\sum_{{{tok}=1}}^{{n}}" if self.latex else f"sum(..., ({tok}, 1, n))"
                raise self.fail(f"a sum without bounds runs over the output positions, but {tok} {where} "
                                f"{given} on its own: write the bounds, {example}", tok)
            assert up is not None  # else no sum variable indexes it (raised above)
            ranges.append((tok, sympy.Integer(1), sympy.Integer(up.notation_shape[axes.pop()])))
        return self.unroll(body, ranges, at)

    def range(self, var, lo, hi):
        return (var, lo, hi)

    def matrix_rows(self, *rows):
        if len({len(r) for r in rows}) > 1:
            raise self.fail("the rows of the matrix have different lengths", (1, 1))
        return [list(r) for r in rows]

    def matrix_flat(self, *items):
        return [list(items)]

    def row(self, *items):
        return list(items)

    # ---- LaTeX ----------------------------------------------------------------------------
    def pi(self, tok):
        return sympy.pi

    def letter(self, tok):
        text = str(tok)
        array = self.notation.by_latex(text)
        if array is not None:
            if not array.axes or self._singletons_dropped(array, ()) is not None:
                return self.resolve(array, (), tok, True)
            raise self.fail(f"{text} needs a subscript: {self._placeholder(array, True)}", tok)
        if text == "e":
            return sympy.E
        if text == "pi" and self._plain_array("pi") is None:
            return sympy.pi
        if text in dict(self.notation.constants):
            return sympy.Integer(dict(self.notation.constants)[text])
        return self.index_var(tok)

    @v_args(inline=True, meta=True)
    def sub_braced(self, meta, *values):
        inner = self.text[meta.start_pos + 1: meta.end_pos - 1].strip()
        digits = inner if _DIGITS.fullmatch(inner) else None
        return _Sub(tuple(values), digits, (meta.line, meta.column))

    def sub_single(self, tok):
        text = str(tok)
        if tok.type == "NUMBER":
            if len(text) > 1:
                raise self.fail(f"TeX reads _{text} as _{text[0]} followed by {text[1:]}: "
                                f"write _{{{text}}} or _{{{','.join(text)}}}", tok)
            return _Sub((sympy.Integer(int(text)),), text, _at(tok))
        return _Sub((self.index_var(tok),), None, _at(tok))

    def script_braced(self, value):
        return value

    def script_single(self, tok):
        if len(str(tok)) > 1:
            raise self.fail(f"TeX reads ^{tok} as ^{str(tok)[0]} followed by {str(tok)[1:]}: write ^{{{tok}}}", tok)
        return self.number(tok)

    def script_letter(self, tok):
        return self.letter(tok)

    def frac(self, tok, numerator, denominator):
        if _is_matrix(denominator):
            raise self.fail("cannot divide by a matrix", tok)
        if denominator == 0:
            raise self.fail("division by zero", tok)
        inverse = sympy.Pow(denominator, sympy.Integer(-1))
        return numerator * inverse if _is_matrix(numerator) else sympy.Mul(numerator, inverse)

    def call_power(self, tok, sup, exponent, args):
        # \tanh^{2}(z) is tanh(z)^2, but \tanh^{-1} would be the inverse function: refuse that.
        if not (exponent.is_Integer and exponent > 0):
            raise self.fail(f"write ({tok}(...))^{{{exponent}}}: {tok}^{{{exponent}}} reads as an inverse function", sup)
        return self.pow(self.call(tok, args), exponent, sup)

    def fargs(self, *values):
        return list(values)

    def loss(self, tok):
        return tok

    def target(self, tok, sub=None):
        return (tok, sub)

    @v_args(inline=True, meta=True)
    def derivative(self, meta, *children):
        if isinstance(children[0], Token) and children[0].type == "FRAC":
            _, _, loss, _, (letter, sub) = children
        else:
            _, loss, slash, _, (letter, sub) = children
            if slash.value != "/":
                raise self.fail(f"write the derivative as d{{C}}/d{{y}}, not with {slash.value}", slash)
        loss_name = str(loss)
        if loss_name.startswith("\\"):
            loss_name = loss_name[loss_name.index("{") + 1: loss_name.rindex("}")].strip()
        is_loss = loss_name in self.notation.loss_aliases or loss_name == self.notation.loss
        if self.lhs:
            return self._lhs_target(loss_name, is_loss, letter, sub)
        return self._upstream_entry(loss_name, is_loss, letter, sub, self.text[meta.start_pos:meta.end_pos],
                                    (meta.line, meta.column))

    def upstream_literal(self, tok):
        """\\frac{\\partial C}{\\partial y_{1,1}} read as one token (see UPSTREAM_ENTRY)."""
        text = str(tok)
        parts = _UPSTREAM_PARTS.fullmatch(text)
        assert parts is not None  # the token's own pattern
        loss_name, letter_text, inner = parts.group(1), parts.group(2), parts.group(3).strip()
        is_loss = loss_name in self.notation.loss_aliases or loss_name == self.notation.loss
        values = tuple(sympy.Integer(int(p)) for p in inner.split(","))
        # Errors about the entry point at its letter, as the general rule's do.
        offset = parts.start(2)
        letter = Token("LETTER", letter_text, start_pos=tok.start_pos + offset, line=tok.line,
                       column=tok.column + offset)
        sub = _Sub(values, inner if _DIGITS.fullmatch(inner) else None, (tok.line, tok.column + offset + 2))
        return self._upstream_entry(loss_name, is_loss, letter, sub, text, _at(tok))

    def _upstream_entry(self, loss_name, is_loss, letter, sub, written, at):
        letter_text = str(letter)
        up = self.notation.upstream
        if not is_loss:
            raise self.fail(f"{written}: only derivatives of the loss {self.notation.loss} with respect to "
                            f"{up.latex if up else 'the output'} are known; an answer must work the others out", at)
        if up is None or letter_text != up.latex:
            raise self.fail(f"{written} is not something an answer may use: only "
                            f"d{self.notation.loss}/d{up.latex if up else '?'} is given", at)
        if sub is None:
            raise self.fail(f"d{loss_name}/d{letter_text} needs a subscript: {self._placeholder(up, True)}", letter)
        values = _digits_split(up, sub)
        return self.entry_value(up, tuple(values), _at(letter), True)

    def _lhs_target(self, loss_name, is_loss, letter, sub) -> DerivativeTarget:
        if not is_loss:
            raise self.fail(f"not a derivative of the loss: d{loss_name}", letter)
        text = str(letter)
        if sub is None:
            for a in self.notation.arrays:
                if a.upstream_of is None and (a.name == text or (a.axes and a.latex == text)):
                    return DerivativeTarget(a, None, loss_name)
            raise self.fail(f"unknown array {text!r}", letter)
        array = self.notation.by_latex(text)
        if array is None:
            raise self.fail(f"unknown symbol {text!r}", letter)
        values = _digits_split(array, sub)
        if not all(getattr(v, "is_Integer", False) for v in values):
            names = tuple(str(v) for v in values if isinstance(v, sympy.Symbol) and v in self.loose)
            if self.general and len(names) == len(values) == len(array.axes) and len(set(names)) == len(names):
                return DerivativeTarget(array, None, loss_name, names)
            raise self.fail("a general entry (x_{i,j}), not a particular one", letter)
        symbol = self.resolve(array, tuple(int(v) for v in values), _at(letter), True)
        entry = self.notation.entry(symbol)
        assert entry is not None  # resolve() made the symbol of an entry of `array`
        return DerivativeTarget(array, entry.index, loss_name)

    def bigsum(self, tok, var, lo, sup, hi, body):
        return self.unroll(body, [(var, lo, hi)], tok)

    def bigsum_free(self, tok, *rest):
        return self.unroll_outputs(rest[-1], list(rest[:-1]), tok)

    def mrow(self, *items):
        return list(items)

    def matrix_env(self, begin, *rest):
        end, rows = rest[-1], [r for r in rest[:-1] if isinstance(r, list)]
        kind, end_kind = _env_name(begin), _env_name(end)
        # vmatrix draws bars (a determinant in print), but in an answer it lays out a gradient,
        # as an array in brackets does: both are read as the matrix of their cells.
        if kind not in ("pmatrix", "bmatrix", "matrix", "vmatrix", "Vmatrix", "Bmatrix", "array"):
            raise self.fail(f"\\begin{{{kind}}} is not supported here: use pmatrix or bmatrix", begin)
        if end_kind != kind:
            raise self.fail(f"\\begin{{{kind}}} is closed by \\end{{{end_kind}}}", end)
        if len({len(r) for r in rows}) > 1:
            raise self.fail("the rows of the matrix have different lengths", begin)
        if any(_is_matrix(v) for r in rows for v in r):
            raise self.fail("a matrix inside a matrix is not supported", begin)
        return sympy.ImmutableMatrix(rows)


def _env_name(token: object) -> str:
    """`matrix` of `\\begin{matrix}` (the grammar's token always holds a name)."""
    found = _ENV_NAME.search(str(token))
    assert found is not None
    return found.group(1)
