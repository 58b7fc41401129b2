"""Index patterns behind a family of terms, found from the terms themselves.

A worked solution writes `y_{i,j} = x_{i,j}k_1 + x_{i+1,j}k_2` once instead of six forward
equations, and `sum_{n,m} dC/dy_{n,m} x_{n+1,m}` instead of six terms. Both are found here
without knowing the op: every written index is fitted as an affine function of the free
variables (the output index, or the summation index) and the fit is checked on every member,
so a pattern is only stated when it is exactly true (otherwise the caller lists the terms).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

# Above this many terms, a family is written as a sum over a box of indices (as the seed writes
# dC/dK); up to it, every term is written out.
SUM_ABOVE = 4

# One factor of a term: (array letter, written 1-based index).
Factor = tuple[str, tuple[int, ...]]


@dataclass(frozen=True)
class Affine:
    """A written index on one axis: constant + sum of coefficient * variable."""

    constant: int
    coefficients: tuple[int, ...]  # one per variable

    def at(self, point: Sequence[int]) -> int:
        return self.constant + sum(a * v for a, v in zip(self.coefficients, point))

    def show(self, names: Sequence[str]) -> str:
        parts = []
        for a, name in zip(self.coefficients, names):
            if a:
                parts.append(("" if a == 1 else "-" if a == -1 else str(a)) + name)
        text = "+".join(parts).replace("+-", "-")
        if not text:
            return str(self.constant)
        if self.constant:
            text += f"{self.constant:+d}"
        return text


def fit(points: Sequence[tuple[int, ...]], values: Sequence[int]) -> Affine | None:
    """The affine function with values[k] at points[k], or None when there is none.

    Coefficients come from unit steps away from the first point; every point then checks the
    fit, so a returned function is exact on all of them.
    """
    base = points[0]
    by_point = dict(zip(points, values))
    coefficients = []
    for axis in range(len(base)):
        step = tuple(v + (1 if k == axis else 0) for k, v in enumerate(base))
        back = tuple(v - (1 if k == axis else 0) for k, v in enumerate(base))
        if step in by_point:
            coefficients.append(by_point[step] - by_point[base])
        elif back in by_point:
            coefficients.append(by_point[base] - by_point[back])
        else:
            coefficients.append(0)
    constant = values[0] - sum(a * v for a, v in zip(coefficients, base))
    affine = Affine(constant, tuple(coefficients))
    if all(affine.at(p) == v for p, v in zip(points, values)):
        return affine
    return None


def fit_factors(points: Sequence[tuple[int, ...]], factors: Sequence[Sequence[Factor]]
                ) -> list[tuple[str, tuple[Affine, ...]]] | None:
    """For members at `points` whose k-th member has the factors factors[k] (same letters in the
    same order), each factor's index as affine functions of the point; None if any does not fit."""
    first = factors[0]
    if any(len(f) != len(first) or any(a[0] != b[0] for a, b in zip(f, first)) for f in factors):
        return None
    fitted = []
    for position, (letter, index) in enumerate(first):
        axes = []
        for axis in range(len(index)):
            affine = fit(points, [f[position][1][axis] for f in factors])
            if affine is None:
                return None
            axes.append(affine)
        fitted.append((letter, tuple(axes)))
    return fitted


def box(points: Sequence[tuple[int, ...]]) -> list[tuple[int, int, int]] | None:
    """The axes along which `points` span a full box, as (axis, low, high), when the points are
    exactly that box (every combination once) and it has at least one varying axis; else None."""
    if not points:
        return None
    ranges = []
    for axis in range(len(points[0])):
        values = {p[axis] for p in points}
        low, high = min(values), max(values)
        if len(values) != high - low + 1:
            return None
        ranges.append((low, high))
    size = 1
    for low, high in ranges:
        size *= high - low + 1
    if size != len(set(points)) or size != len(points):
        return None
    varying = [(axis, low, high) for axis, (low, high) in enumerate(ranges) if high > low]
    return varying or None
