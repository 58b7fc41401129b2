"""Student maths (plain notation and LaTeX) -> sympy, with our own grammars.

Nothing here hands student text to `eval`, `sympify` or sympy's parsers: the text is checked
by a linear scan (size, digits, bracket depth, LaTeX commands), parsed by an LALR grammar, and
built into sympy through constructors. Every failure is a `ParseError` that points at a column.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sympy
from lark.exceptions import UnexpectedInput, VisitError

from . import _grammars
from ._aliases import rewrite_aliases
from ._direct import read_flat, read_polynomial
from ._spellings import textbook_spellings
from ._matrix_form import HINTS as _MATRIX_FORM_HINTS, evaluate_matrix_form, parse_matrix_form
from ._transform import Builder, DerivativeTarget, SemanticError
from .errors import ParseError, position
from .limits import (ParseLimits, normalise, operator_derivatives, scan, unicode_subscripts, unwrap_typography,
                     upstream_shorthands, cases_on_values)

if TYPE_CHECKING:
    from ...spec.notation import Notation, Style

__all__ = ["ParseError", "ParseLimits", "DerivativeTarget", "Reading", "read_answer", "parse_expression",
           "operator_derivatives", "parse_general", "parse_matrix_form", "parse_whole",
           "evaluate_matrix_form",
           "parse_with_style",
           "parse_matrix_with_style",
           "parse_matrix", "parse_derivative_target", "detect_style"]

_LATEX_HINTS = re.compile(r"\\[A-Za-z\\]|[_{}&\u2202\u2080-\u2089]")
# One layer of maths delimiters around the whole answer ($...$, $$...$$, \[...\], \(...\)).
_DELIMITED = re.compile(r"^(\s*)(\$\$|\$|\\\[|\\\()(.*?)(\$\$|\$|\\\]|\\\))(\s*)$", re.S)
_PAIRS = {"$$": "$$", "$": "$", "\\[": "\\]", "\\(": "\\)"}
# MATLAB's dY(1,1): an array name called with whole numbers.
_MATLAB = re.compile(r"(?<![A-Za-z])([A-Za-z]+)\(\s*([0-9]+(?:\s*,\s*[0-9]+)+)\s*\)")


def detect_style(text: str) -> Style:
    """"latex" when the text has a backslash command, `_`, braces or `&`; else "plain"."""
    return "latex" if _LATEX_HINTS.search(text) else "plain"


def _strip_delimiters(text: str) -> str:
    m = _DELIMITED.match(text)
    if m and _PAIRS[m.group(2)] == m.group(4):
        # Blank the delimiters instead of cutting them, so columns still match the student's text.
        return m.group(1) + " " * len(m.group(2)) + m.group(3) + " " * len(m.group(4)) + m.group(5)
    return text


def _cleaned(text: str, notation: Notation, limits: ParseLimits, max_chars: int | None = None) -> str:
    """The text the grammars read: look-alike characters, delimiters, the exercise's aliases,
    unicode sub- and superscripts, typography and the other spellings of one thing rewritten
    into the one spelling each grammar knows (limits.py)."""
    text = _strip_delimiters(normalise(text, limits, max_chars))
    if "**" in text and ("\\" in text or "_" in text):
        # Python's power in a LaTeX-looking answer box (dy_1*(1 - y_1**2)): the same length.
        text = text.replace("**", "^ ")
    return cases_on_values(upstream_shorthands(operator_derivatives(unwrap_typography(unicode_subscripts(
        textbook_spellings(rewrite_aliases(text, notation))))), notation))


def _run(text: str, notation: Notation, style: str, limits: ParseLimits, start: str, allow_outputs: bool,
         node_limit: int, general=None):
    scan(text, limits, style)
    # A LaTeX matrix is an expression whose value is a matrix (it may be a sum of vectors).
    grammar_start = {"matrix": "start_matrix" if style == "plain" else "start_expr"}.get(start, start)
    try:
        tree = _grammars.parser(style).parse(text, start=grammar_start)
    except UnexpectedInput as err:
        matlab = _MATLAB.search(text)
        if matlab and notation.by_letter(matlab.group(1)) or matlab and matlab.group(1) in \
                {a.name for a in notation.arrays}:
            array = notation.by_letter(matlab.group(1)) or notation[matlab.group(1)]
            written = f"{array.letter}[{','.join(matlab.group(2).replace(' ', '').split(','))}]"
            raise ParseError(f"write {written}: indices go in square brackets ({matlab.group()} is MATLAB's "
                             f"notation; here indices are 1-based, as in the statement)", text,
                             *position(text, matlab.start())) from None
        raise _grammars.syntax_error(err, text, style) from None
    nodes = sum(1 for _ in tree.iter_subtrees())
    if nodes > node_limit:
        raise ParseError(f"the answer is too large ({nodes:,} parts; the limit is {node_limit:,})", text)
    builder = Builder(notation, limits, text, latex=style == "latex", lhs=start == "start_lhs",
                      allow_outputs=allow_outputs)
    builder.general = general is True
    if isinstance(general, tuple):
        builder.zero_outside = notation.upstream.name if notation.upstream else None
    try:
        value = builder.transform(tree)
        if isinstance(general, tuple):
            return [ParseError(e.message, text, e.line, e.column) if isinstance(e, SemanticError) else e
                    for e in builder.instantiate(value, *general)]
        if start == "start_lhs" or (style == "plain" and start == "matrix"):
            return value
        return builder.finish(value, matrix_ok=start == "matrix")
    except VisitError as err:
        cause = err.orig_exc
        if isinstance(cause, SemanticError):
            raise ParseError(cause.message, text, cause.line, cause.column) from None
        raise ParseError(f"cannot compute this expression: {cause}", text) from None
    except SemanticError as err:
        raise ParseError(err.message, text, err.line, err.column) from None
    except (TypeError, ValueError, ArithmeticError, RecursionError, sympy.ShapeError) as err:
        # sympy refusing an operation (matrix + number, shapes that do not fit) is a student error.
        raise ParseError(f"cannot compute this expression: {err}", text) from None


def _parse(text, notation, style, limits, start, allow_outputs=False, max_chars=None, general=None):
    if style not in ("auto", "plain", "latex"):
        raise ValueError(f"style must be 'auto', 'plain' or 'latex', not {style!r}")
    text = _cleaned(text, notation, limits, max_chars)
    if not text.strip():
        raise ParseError("the answer is empty", text, 1, 1)
    # A whole matrix may be as many parts per character as one entry, not more.
    node_limit = limits.max_nodes * max(1, (max_chars or limits.max_chars) // limits.max_chars)
    first = detect_style(text) if style == "auto" else style
    try:
        return _run(text, notation, first, limits, start, allow_outputs, node_limit, general), first
    except ParseError as err:
        if style != "auto":
            raise
        # An answer can look like one notation and be the other ("x_1" vs "2*3"): try both,
        # but report the error of the notation the text looked like.
        other = "plain" if first == "latex" else "latex"
        if start == "start_lhs" or err.message.startswith("TeX reads"):
            raise  # k_1^23: TeX's own reading is the question; plain's k[1]^23 would be a guess
        try:
            return _run(text, notation, other, limits, start, allow_outputs, node_limit, general), other
        except ParseError:
            raise err from None


@dataclass(frozen=True)
class Reading:
    """An answer read straight into its exact polynomial; `build` makes the sympy expression."""

    poly: dict
    style: Style
    text: str = field(repr=False)
    notation: Notation = field(repr=False, compare=False)
    limits: ParseLimits = field(repr=False, compare=False)

    def build(self) -> tuple[sympy.Expr, Style]:
        """(sympy expression, style), as `parse_with_style` reads the text. Raises ParseError."""
        return parse_with_style(self.text, self.notation, self.style, self.limits)


def read_answer(text: str, notation: Notation, style: str = "auto", limits: ParseLimits = ParseLimits(),
                memo: dict | None = None) -> Reading | tuple[sympy.Expr, Style]:
    """One scalar answer: a `Reading` when it is a polynomial the direct reader takes (no sympy
    object built), else `parse_with_style`'s (expression, style). Raises ParseError.

    `memo`: a dict the caller keeps for the answers of one file (same notation and limits), so
    entries named in many answers are resolved once.
    """
    try:
        cleaned = _cleaned(text, notation, limits)
        first = detect_style(cleaned) if style == "auto" else style
        if cleaned.strip() and first in ("plain", "latex"):
            builder = Builder(notation, limits, cleaned, latex=first == "latex")
            poly = read_flat(cleaned, first, builder, memo)
            if poly is None:
                scan(cleaned, limits, first)
                tree = _grammars.parser(first).parse(cleaned, start="start_expr")
                if sum(1 for _ in tree.iter_subtrees()) <= limits.max_nodes:
                    poly = read_polynomial(tree, builder, memo)
            if poly is not None:
                return Reading(poly, "latex" if first == "latex" else "plain", text, notation, limits)
    except (ParseError, UnexpectedInput):
        pass  # the full reader below gives the error, in the notation the text looks like
    return parse_with_style(text, notation, style, limits)


def parse_with_style(text: str, notation: Notation, style: str = "auto", limits: ParseLimits = ParseLimits(),
                     *, allow_outputs: bool = False) -> tuple[sympy.Expr, Style]:
    """Like `parse_expression`, also returning the notation the text was read in."""
    return _parse(text, notation, style, limits, "start_expr", allow_outputs)


def parse_expression(text: str, notation: Notation, style: str = "auto", limits: ParseLimits = ParseLimits(),
                     *, allow_outputs: bool = False) -> sympy.Expr:
    """One scalar answer -> sympy, in the symbols of `notation`.

    `style` is "plain", "latex" or "auto". `allow_outputs` admits forward outputs (y_{1,1}).
    Raises ParseError (with line, column, expected and a caret context) for anything unreadable.
    """
    return _parse(text, notation, style, limits, "start_expr", allow_outputs)[0]


def parse_matrix(text: str, notation: Notation, style: str = "auto", limits: ParseLimits = ParseLimits(),
                 *, allow_outputs: bool = False) -> list[list[sympy.Expr]]:
    """A whole matrix: `[[a, b], [c, d]]` (a flat `[a, b]` is one row) or a LaTeX pmatrix/bmatrix,
    also a LaTeX sum of matrices (\\sum_n \\frac{\\partial C}{\\partial y_n} \\begin{pmatrix}...).

    Raises ParseError; the text may be up to `limits.max_matrix_chars` long.
    """
    value, style = _parse_matrix(text, notation, style, limits, allow_outputs)
    return value


def _parse_matrix(text, notation, style, limits, allow_outputs=False):
    value, used = _parse(text, notation, style, limits, "matrix", allow_outputs, limits.max_matrix_chars)
    if used == "plain":
        return value, used
    if not isinstance(value, sympy.MatrixBase):
        raise ParseError("expected a matrix (\\begin{pmatrix} ... \\end{pmatrix}), got a single expression", text)
    return [list(value.row(i)) for i in range(value.rows)], used


def parse_matrix_with_style(text, notation, style="auto", limits=ParseLimits(), *, allow_outputs=False):
    """Like `parse_matrix`, also returning the notation the text was read in."""
    return _parse_matrix(text, notation, style, limits, allow_outputs)


def parse_derivative_target(text: str, notation: Notation, limits: ParseLimits = ParseLimits(), *,
                            general: bool = False) -> DerivativeTarget:
    """The left side of a derivation line: `\\frac{\\partial C}{\\partial x_{2,1}}` or `dC/dX`; with
    `general`, also a general entry `\\frac{\\partial C}{\\partial x_{i,j}}` (`variables` set).

    Raises ParseError when the text is not the derivative of the loss by an entry or an array.
    """
    return _parse(_plain_lhs(text, notation), notation, "latex", limits, "start_lhs", general=general or None)[0]


# dC/dx11, dL/dz_12, dC/dw[1,2]: the left side typed in plain text (e-mail, .txt, a quick note).
_PLAIN_LHS = re.compile(r"^(\s*)d([A-Za-z])\s*/\s*d([A-Za-z]+?)_?(?:([0-9]+)|\[\s*([0-9]+(?:\s*,\s*[0-9]+)*)\s*\])(\s*)$")


def _plain_lhs(text: str, notation: Notation) -> str:
    """A plain left side as the LaTeX one the grammar reads (one digit per index, as `x_{21}`)."""
    m = _PLAIN_LHS.match(text)
    if m is None:
        return text
    array = notation.by_letter(m.group(3))
    if array is None or array.upstream_of is not None:
        return text
    if m.group(5):
        index = tuple(int(i) for i in m.group(5).split(","))
    elif len(array.axes) == 1:
        index = (int(m.group(4)),)
    else:
        index = array.digit_index(m.group(4)) or ()
    if len(index) != len(array.axes):
        return text
    return (f"{m.group(1)}\\frac{{\\partial {m.group(2)}}}{{\\partial {array.latex}_{{{','.join(map(str, index))}}}}}"
            f"{m.group(6)}")


def parse_general(text: str, notation: Notation, variables: tuple[str, ...], entries: list[tuple[int, ...]],
                  limits: ParseLimits = ParseLimits()) -> list:
    """A general formula's right side (in the index variables `variables`) at each of `entries`
    (written, 1-based indices): per entry an expression or the ParseError that entry gets.

    Entries of the upstream gradient outside its array read as 0 (dC/dy_{i-1,j} at i = 1 is no
    term). Raises ParseError when the formula itself is unreadable or too large to instantiate.
    """
    return _parse(text, notation, "auto", limits, "start_expr", general=(tuple(variables), list(entries)))[0]


def parse_whole(text: str, notation: Notation, limits: ParseLimits = ParseLimits(), *,
                delta_ok: bool = False, names=None) -> tuple[list[list[sympy.Expr]], Style, bool]:
    """A whole target's answer: a written matrix, else a matrix form (`full_conv(dY, rot180(K))`,
    `W^T \\delta`). Returns (rows, style, whether it was a matrix form). Raises ParseError: the
    matrix form's error when the text looks like one or was read but does not compute, else the
    written matrix's."""
    try:
        rows, style = parse_matrix_with_style(text, notation, "auto", limits)
        return rows, style, False
    except ParseError as err:
        first = err
    try:
        value = parse_matrix_form(text, notation, limits, delta_ok=delta_ok, names=names)
    except ParseError as err:
        if _MATRIX_FORM_HINTS.search(text) or not err.message.startswith("cannot read this as a matrix form"):
            raise
        raise first from None
    return value.tolist(), "latex" if "\\" in text else "plain", True
