"""How an exercise names its array entries, in plain text and in LaTeX.

Every part of the grader that turns an entry into a symbol or a symbol into words goes through
here, so the reference solver, the parsers and the feedback agree on one spelling:
`x[2,1]` / `x_{2,1}` for an input, `dy[1,1]` / `\\frac{\\partial C}{\\partial y_{1,1}}` for the
upstream gradient. Notation indices are 1-based, as students write them; array indices are
0-based, as numpy has them.

The rules of notation live here once: how a derivative is labelled (`dL/dx[2,1]` for an
exercise whose loss is L), how a run of digits such as `x_{21}` is read (`digit_index`), and which
named intermediates an expression shown back to the student is folded into (`Notation.fold`;
`answers.parsing.printer.show` prints it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from typing import Any, TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import sympy

# How a student writes: `dy[1,1]*k[2]` or `\frac{\partial C}{\partial y_{1,1}} k_2`; feedback answers alike.
Style = Literal["plain", "latex"]


def derivative_label(loss: str, of: str, style: Style = "plain") -> str:
    """The one way a derivative of the loss is written: `dL/dx[2,1]`, or in LaTeX
    `\\frac{\\partial L}{\\partial x_{2,1}}` (`of` already in that style)."""
    return f"\\frac{{\\partial {loss}}}{{\\partial {of}}}" if style == "latex" else f"d{loss}/d{of}"


@dataclass(frozen=True, order=True)
class Entry:
    """One entry of an exercise's array, as a value: the array's name and its 0-based index.

    An entry's sympy symbol is named in plain notation (`x[2,1]`) so that printing it is cheap;
    that name is never parsed back: `Notation.entry(symbol)` looks the entry up.
    """

    array: str  # the array's name in the spec: "X", "dY"
    index: tuple[int, ...]  # 0-based full array index, as numpy has it


@dataclass(frozen=True)
class ArrayNotation:
    """One named array of the exercise (an input, the output or the upstream gradient).

    `axes` lists which array axes appear in the written index; singleton axes that the
    statement leaves out (a 2x1 kernel written k_1, k_2) are absent from it.
    """

    name: str  # the array's name in the spec and in function signatures: "X", "K", "dY"
    letter: str  # plain-notation letter(s): "x", "k", "dy"
    shape: tuple[int, ...]
    axes: tuple[int, ...]
    latex: str = ""  # LaTeX letter; for the upstream gradient, the output's letter ("y")
    upstream_of: str | None = None  # for the upstream gradient: the output array's name

    @property
    def notation_shape(self) -> tuple[int, ...]:
        return tuple(self.shape[a] for a in self.axes)

    def full_index(self, index: tuple[int, ...]) -> tuple[int, ...]:
        """0-based array index from a 1-based notation index (no range check)."""
        full = [0] * len(self.shape)
        for axis, i in zip(self.axes, index):
            full[axis] = i - 1
        return tuple(full)

    def notation_index(self, full: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(full[a] + 1 for a in self.axes)

    def digit_index(self, digits: str) -> tuple[int, ...] | None:
        """`x_{21}` read as x_{2,1}, as statements write `x_{ij}`: one digit per written axis.

        Only unambiguous while every axis is at most 9 long; otherwise (or when the count of
        digits is not the count of axes) None, and the caller asks for commas.
        """
        if len(self.axes) > 1 and len(digits) == len(self.axes) and digits.isascii() and digits.isdigit() \
                and max(self.notation_shape) <= 9:
            return tuple(int(d) for d in digits)
        return None

    def in_range(self, index: tuple[int, ...]) -> bool:
        return len(index) == len(self.axes) and all(
            1 <= i <= n for i, n in zip(index, self.notation_shape)
        )

    def plain(self, full: tuple[int, ...]) -> str:
        idx = ",".join(str(i) for i in self.notation_index(full))
        return f"{self.letter}[{idx}]" if idx else self.letter

    def tex(self, full: tuple[int, ...], loss: str = "C") -> str:
        idx = ",".join(str(i) for i in self.notation_index(full))
        base = f"{self.latex}_{{{idx}}}" if idx else self.latex
        return derivative_label(loss, base, "latex") if self.upstream_of is not None else base

    def symbol(self, full: tuple[int, ...]) -> "sympy.Symbol":
        return _entry_symbol(self, tuple(full))


@lru_cache(maxsize=None)
def _entry_symbol(array: ArrayNotation, full: tuple[int, ...]) -> "sympy.Symbol":
    return _symbol(array.plain(full))


@lru_cache(maxsize=None)
def _symbol(name: str) -> "sympy.Symbol":
    # Imported here so that numeric-only grading never pays for importing sympy.
    import sympy

    return sympy.Symbol(name)


@dataclass(frozen=True)
class Alias:
    """Another spelling of an array's name (`\\gamma` for g): LaTeX, unicode or a plain word;
    `#` in it stands for the subscript (`\\sqrt{\\sigma_#^2+\\epsilon}` is s_#). `power`: the
    spelling means the array's entry to that power (`\\sigma_#^2+\\epsilon` is s_#^2)."""

    spelling: str
    array: str
    power: int = 1


@dataclass(frozen=True)
class Notation:
    """All arrays of one exercise, looked up by name, plain letter or LaTeX letter."""

    arrays: tuple[ArrayNotation, ...]
    loss: str = "C"
    loss_aliases: tuple[str, ...] = ("C", "L", "E", "J")
    # Forward outputs an answer may use as symbols (y_i in a sigmoid exercise stands for
    # sigma(x_i)): outputs of element-wise ops and softmax, replaced by their definition.
    defined_outputs: frozenset[str] = frozenset()
    # Sizes an answer may write as letters: the batch size N and the feature count D of a batch
    # op (the mean's 1/N in softmax cross-entropy), when no array is written with that letter.
    constants: tuple[tuple[str, int], ...] = ()
    # What the named nodes are (array name, "the output of sigmoid"), for "did you mean" hints.
    meanings: tuple[tuple[str, str], ...] = ()
    # Other names courses give the arrays (batch norm's \\gamma for g), longest first
    # (grader/spec/aliases.py); the readers rewrite them into the array's letter.
    aliases: tuple[Alias, ...] = ()
    # How feedback folds an expression back into the author's terms (set by the Exercise: each
    # named intermediate's and usable output's definition -> its symbol), so `expected` reads
    # (p[1,2] - t[1,2])/2, not a wall of exp(...).
    _folds: list[Any] = field(default_factory=list, compare=False, repr=False)
    _by_name: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    _entries: dict[str, Entry] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({a.name: a for a in self.arrays})

    def __getitem__(self, name: str) -> ArrayNotation:
        found: ArrayNotation = self._by_name[name]
        return found

    def by_letter(self, letter: str) -> ArrayNotation | None:
        """The array written with this plain letter (x, k, dy), or None."""
        for a in self.arrays:
            if a.letter == letter:
                return a
        return None

    def by_latex(self, letter: str) -> ArrayNotation | None:
        """The non-upstream array whose LaTeX letter this is (x, k, y), or None."""
        for a in self.arrays:
            if a.latex == letter and a.upstream_of is None:
                return a
        return None

    @property
    def upstream(self) -> ArrayNotation | None:
        for a in self.arrays:
            if a.upstream_of is not None:
                return a
        return None

    def entry(self, symbol: "sympy.Symbol | str") -> Entry | None:
        """The entry an entry symbol stands for (by the symbol or its name), or None for any
        other symbol (a sum's index variable, a constant N)."""
        if not self._entries:
            self._entries.update({a.plain(full): Entry(a.name, full)
                                  for a in self.arrays for full in product(*map(range, a.shape))})
        return self._entries.get(symbol if isinstance(symbol, str) else symbol.name)

    def written(self, entry: Entry) -> tuple[ArrayNotation, tuple[int, ...]]:
        """The entry's array and its 1-based written index (x[2,1] -> (x, (2, 1)))."""
        array = self[entry.array]
        return array, array.notation_index(entry.index)

    def tex_of(self, symbol: "sympy.Symbol | str") -> str:
        """LaTeX for a symbol: x[2,1] -> "x_{2,1}", dy[1,1] -> "\\frac{\\partial C}{\\partial y_{1,1}}";
        a symbol that is no entry keeps its name."""
        entry = self.entry(symbol)
        if entry is None:
            return symbol if isinstance(symbol, str) else symbol.name
        return self[entry.array].tex(entry.index, self.loss)

    def derivative(self, of: str, style: Style = "plain") -> str:
        """The loss's derivative by `of`: `dC/dX`, `dC/dx[2,1]` (with the exercise's loss letter)."""
        return derivative_label(self.loss, of, style)

    def entry_derivative(self, name: str, full: tuple[int, ...], style: Style = "plain") -> str:
        """The label of one entry's gradient: `dC/dx[2,1]`, or `\\frac{\\partial C}{\\partial x_{2,1}}` in LaTeX."""
        array = self[name]
        return self.derivative(array.tex(full, self.loss) if style == "latex" else array.plain(full), style)

    def fold(self, expr: "sympy.Basic") -> "sympy.Basic":
        """`expr` with every named intermediate's definition written as its symbol."""
        import sympy

        mapping = self._folds[0]() if self._folds else None
        if not mapping or not hasattr(expr, "xreplace"):
            return expr
        expr = expr.xreplace(mapping)
        products = [(value, symbol) for value, symbol in mapping.items() if value.is_Mul]
        sums = [(value.as_coefficients_dict(), symbol) for value, symbol in mapping.items() if value.is_Add]

        def fold_sum(total: Any) -> Any:
            # 2 c_1 - 2 t_1 + 2 v_{1,2} + 4 v_{1,3} holds 2 y_1 when y_1 = c_1 + v_{1,2} + 2 v_{1,3}.
            terms = dict(total.as_coefficients_dict())
            changed = False
            for parts, symbol in sums:
                first = next(iter(parts))
                if first not in terms:
                    continue
                ratio = terms[first] / parts[first]
                if all(k in terms and terms[k] == ratio * c for k, c in parts.items()):
                    for k in parts:
                        del terms[k]
                    terms[symbol] = terms.get(symbol, 0) + ratio
                    changed = True
            return total.func(*(c * k for k, c in terms.items())) if changed else total

        if sums:
            expr = expr.replace(lambda e: e.is_Add, fold_sum)
        if not products:
            return expr

        def powers_of(product: Any) -> dict[Any, Any]:
            # Integer powers only: sympy's own as_powers_dict merges exp(a) exp(b) into E^(a + b).
            out: dict[Any, Any] = {}
            for arg in product.args:
                base, e = (arg.base, arg.exp) if arg.is_Pow and arg.exp.is_Integer else (arg, sympy.Integer(1))
                out[base] = out.get(base, 0) + e
            return out

        wanted = [(powers_of(value), symbol) for value, symbol in products]

        def fits(have: Any, need: Any) -> bool:
            # An integer power holds another of the same sign and no larger size: D^-2 holds D^-1.
            return have.is_Integer and need.is_Integer and have * need > 0 and abs(have) >= abs(need) \
                if have != need else True

        def factor_out(product: Any) -> Any:
            # exp(z_1)/(2 (exp(z_1) + ...)) holds p_1 = exp(z_1)/(...) among its factors, and
            # exp(s_1) exp(s_2)/(exp(s_1) + exp(s_2))^2 holds a_1 a_2.
            powers, changed = powers_of(product), False
            for parts, symbol in wanted:
                while all(base in powers and fits(powers[base], e) for base, e in parts.items()):
                    for base, e in parts.items():
                        powers[base] -= e
                    powers[symbol] = powers.get(symbol, sympy.Integer(0)) + 1
                    changed = True
            if not changed:
                return product
            return product.func(*(b ** e for b, e in powers.items() if e != 0))

        return expr.replace(lambda e: e.is_Mul, factor_out)

    def symbols(self, name: str) -> "list[sympy.Symbol]":
        """Every entry symbol of an array, in C order."""
        import numpy as np

        a = self[name]
        return [a.symbol(idx) for idx in np.ndindex(*a.shape)]
