"""The reference solution of an exercise (`grader solve`), as text, JSON or LaTeX."""
from __future__ import annotations

import json

import numpy as np
import sympy

from ..spec import Exercise

FORMATS = ("text", "json", "latex")


def plain_entry(entry) -> str:
    """An entry gradient in plain notation, one term per upstream path, in path order."""
    if not entry.paths:
        return "0"
    return " + ".join(_plain_term(sym, path.local) for path, sym in zip(entry.paths, entry.upstream_symbols))


def _plain_term(upstream, local) -> str:
    if local is sympy.S.One:
        return str(upstream) if upstream is not None else "1"
    text = _plain_factor(local)
    return text if upstream is None else f"{upstream}*{text}"


def _plain_factor(expr) -> str:
    text = sympy.sstr(expr, order="none")
    return f"({text})" if isinstance(expr, sympy.Add) else text


def _latex_entry(exercise: Exercise, entry) -> str:
    terms = []
    upstream = exercise.notation[exercise.upstream] if exercise.upstream else None
    for path in entry.paths:
        factor = "" if path.local is sympy.S.One else _latex_factor(exercise, path.local)
        if upstream is None:
            terms.append(factor or "1")
        else:
            terms.append(f"{upstream.tex(path.upstream, exercise.notation.loss)}{(' ' + factor) if factor else ''}")
    return " + ".join(terms) or "0"


def _latex_factor(exercise: Exercise, expr) -> str:
    names = {}
    for a in exercise.notation.arrays:
        if a.upstream_of is None:
            for idx in np.ndindex(*a.shape):
                sym = a.symbol(idx)
                if sym in expr.free_symbols:
                    names[sym] = a.tex(idx)
    text = sympy.latex(expr, symbol_names=names)
    return f"\\left({text}\\right)" if isinstance(expr, sympy.Add) else text


def render_solution(exercise: Exercise, fmt: str) -> str:
    """The reference gradients of every target entry. Raises ValueError for an unknown format."""
    solution = exercise.solution
    if fmt == "json":
        targets = {name: _nested(arr, plain_entry) for name, arr in solution.items()}
        return json.dumps({"exercise": exercise.id, "targets": targets}, ensure_ascii=False) + "\n"
    lines = []
    loss = exercise.notation.loss
    for name, arr in solution.items():
        notation = exercise.notation[name]
        for entry in arr.ravel():
            if fmt == "text":
                lines.append(f"dC/d{notation.plain(entry.index)} = {plain_entry(entry)}")
            elif fmt == "latex":
                lhs = f"\\frac{{\\partial {loss}}}{{\\partial {notation.tex(entry.index)}}}"
                lines.append(f"{lhs} = {_latex_entry(exercise, entry)}")
            else:
                raise ValueError(f"unknown format {fmt!r}")
        lines.append("")
    return "\n".join(lines)


def _nested(arr: np.ndarray, convert) -> list:
    if arr.ndim == 0:
        return convert(arr[()])
    return [_nested(sub, convert) for sub in arr] if arr.ndim > 1 else [convert(e) for e in arr]
