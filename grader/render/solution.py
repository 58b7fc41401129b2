"""The reference solution of an exercise (`grader solve`), as text, JSON or LaTeX."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np

from ..spec.load import Exercise
from .registry import solve_format

if TYPE_CHECKING:
    import sympy

    from ..spec.notation import Style

FORMATS = ("text", "json", "latex")


def entry_text(entry, exercise: Exercise, style: Style = "plain") -> str:
    """An entry gradient, one term per upstream path in path order, in plain notation or LaTeX."""
    import sympy  # here, not at the top: listing formats must not pay for importing sympy

    if not entry.paths:
        return "0"
    notation = exercise.notation
    out = ""
    for path, upstream in zip(entry.paths, entry.upstream_symbols):
        local = path.local
        # A negative local derivative's sign leads its term (dy_2 - 2 k_1 would read as a
        # difference), and a number leads its product (dy_1 2 is no product our readers take).
        negative = not isinstance(local, sympy.Add) and local.could_extract_minus_sign()
        if negative:
            local = -local
        factors = [] if upstream is None else [_symbol(upstream, notation, style)]
        if local is not sympy.S.One or not factors:
            shown = _factor(local, notation, style)
            factors.insert(0, shown) if local.is_Number else factors.append(shown)
        term = (" " if style == "latex" else "*").join(factors)
        out += (" - " if negative else " + ") + term if out else ("-" if negative else "") + term
    return out


def _symbol(symbol: sympy.Symbol, notation, style: Style) -> str:
    return notation.tex_of(symbol) if style == "latex" else symbol.name


def _factor(expr: sympy.Expr, notation, style: Style) -> str:
    import sympy

    from ..answers.parsing.printer import to_latex, to_plain

    # Most local derivatives are a single entry symbol: spelled directly, since a printer per
    # term is what made large solutions slow to print.
    expr = notation.fold(expr)
    if isinstance(expr, sympy.Symbol):
        return _symbol(expr, notation, style)
    text = to_latex(expr, notation) if style == "latex" else to_plain(expr)
    if isinstance(expr, sympy.Add):
        return f"\\left({text}\\right)" if style == "latex" else f"({text})"
    return text


def render_solution(exercise: Exercise, fmt: str) -> str:
    """The reference gradients of every target entry. Raises ValueError for an unknown format."""
    solution = exercise.solution
    if fmt == "json":
        targets = {name: _nested(arr, lambda e: entry_text(e, exercise)) for name, arr in solution.items()}
        return json.dumps({"exercise": exercise.id, "targets": targets}, ensure_ascii=False) + "\n"
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    lines = []
    style: Style = "latex" if fmt == "latex" else "plain"
    for name, arr in solution.items():
        for entry in arr.ravel():
            lhs = exercise.notation.entry_derivative(name, entry.index, style)
            lines.append(f"{lhs} = {entry_text(entry, exercise, style)}")
        lines.append("")
    return "\n".join(lines)


def _nested(arr: np.ndarray, convert) -> list:
    if arr.ndim == 0:
        return convert(arr[()])
    return [_nested(sub, convert) for sub in arr] if arr.ndim > 1 else [convert(e) for e in arr]


@solve_format("text", "one line per entry: dC/dx[2,1] = dy[1,1]*k[2] + dy[2,1]*k[1]")
def _solve_text(exercise: Exercise) -> str:
    return render_solution(exercise, "text")


@solve_format("json", "{exercise, targets: nested lists of plain-notation gradients}")
def _solve_json(exercise: Exercise) -> str:
    return render_solution(exercise, "json")


@solve_format("latex", "one LaTeX equation per entry")
def _solve_latex(exercise: Exercise) -> str:
    return render_solution(exercise, "latex")
