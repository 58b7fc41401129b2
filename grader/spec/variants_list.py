"""`grader variants SPEC --roster FILE`: which variant each student of a roster gets.

Each student's variant is the one `grade --variant ID` and `batch` use for their stable id
(variants.py): listing them lets an instructor hand out statements (`grader show --variant ID`)
and check a student's complaint without grading anything.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, Iterable

from ..errors import GraderError


@dataclass(frozen=True)
class StudentVariant:
    id: str
    name: str
    values: tuple[tuple[str, Any], ...]


def list_variants(exercise_ref: str, people: Iterable[Any] = (), ids: Iterable[str] = ()) -> list[StudentVariant]:
    """One row per roster person (objects with `id` and `name`) and per extra id, in that order.
    Raises GraderError when the exercise declares no variants."""
    from .load import exercise_variant, load_exercise

    base = load_exercise(exercise_ref)
    if base.variant is None:
        raise GraderError(f"{base.id} declares no variants: every student gets the same exercise")
    rows = [(p.id, p.name) for p in people] + [(i, "") for i in ids]
    out = []
    for sid, name in rows:
        variant = exercise_variant(base, sid).variant
        out.append(StudentVariant(sid, name, variant.values if variant is not None else ()))
    return out


def render_variants(rows: list[StudentVariant], fmt: str = "text") -> str:
    names = [n for n, _ in rows[0].values] if rows else []
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["id", "name", *names])
        for row in rows:
            writer.writerow([_cell(row.id), _cell(row.name), *(str(v) for _, v in row.values)])
        return out.getvalue()
    width = max((len(r.id) for r in rows), default=0)
    return "".join(f"{r.id:<{width}}  {', '.join(f'{n}={v}' for n, v in r.values)}"
                   + (f"  ({r.name})" if r.name else "") + "\n" for r in rows)


def _cell(text: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: a roster name must stay text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
