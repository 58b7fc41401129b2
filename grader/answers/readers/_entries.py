"""Shared by both readers: naming entries, splitting whole-target matrices, exact YAML numbers."""
from __future__ import annotations

import re

import sympy

from ...spec.notation import ArrayNotation

_NUMBER = re.compile(r"^\s*([+-]?)([0-9]+)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]{1,3}))?\s*$")


def exact_number(text: str) -> sympy.Rational | None:
    """A YAML int/float written as decimal text, exactly (0.1 -> 1/10, 1e-3 -> 1/1000); else None."""
    m = _NUMBER.match(text)
    if not m or len(m.group(2)) + len(m.group(3) or "") > 50:
        return None
    sign, whole, frac, exp = m.group(1), m.group(2), m.group(3) or "", int(m.group(4) or 0)
    value = sympy.Rational(int(whole + frac), 10 ** len(frac)) * sympy.Rational(10) ** exp
    return -value if sign == "-" else value


def target_entries(array: ArrayNotation) -> list[tuple[int, ...]]:
    """Full 0-based indices of an array, in C order over the written axes."""
    import numpy as np

    return [array.full_index(tuple(i + 1 for i in idx)) for idx in np.ndindex(*array.notation_shape)]


def split_matrix(array: ArrayNotation, rows: list[list]) -> list[tuple[tuple[int, ...], object]] | str:
    """Pair the cells of a written matrix with entries of `array`, or say why the shape is wrong."""
    shape = array.notation_shape
    cells = [c for r in rows for c in r]
    got = f"{len(rows)}x{len(rows[0]) if rows else 0}"
    if len(shape) == 1:
        # A vector may be written as a row or a column.
        if not (len(rows) == 1 or all(len(r) == 1 for r in rows)) or len(cells) != shape[0]:
            return f"{array.name} has {shape[0]} entries (a vector); the matrix is {got}"
    elif len(shape) == 2:
        if len(rows) != shape[0] or any(len(r) != shape[1] for r in rows):
            return f"{array.name} is {shape[0]}x{shape[1]}; the matrix is {got}"
    else:
        return f"{array.name} has {len(shape)} written axes; write its entries one by one"
    return list(zip(target_entries(array), cells))


def entry_label(array: ArrayNotation, full: tuple[int, ...]) -> str:
    idx = ",".join(str(i) for i in array.notation_index(full))
    return f"{array.name}[{idx}]"
