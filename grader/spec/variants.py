"""Per-student variants: a spec declares ranges, a student id picks one concrete spec.

    variants:
      H: {min: 3, max: 5, default: 3}      # an integer in [min, max]
      KH: {choices: [2, 3]}                # one of these (numbers, strings or lists)
    inputs:
      X: {shape: ["{{H}}", 3], symbol: x}
    statement: "An image of size ${{H}}\\times 3$ ... Y has {{H-KH+1}} rows."

A placeholder `{{NAME}}` (or a small integer expression: `{{H-KH+1}}`, `{{2*H}}`,
`{{(H-KH)//S+1}}`; `placeholders.py` reads them) anywhere in
the spec is replaced by the variant's value: a string that is only a placeholder becomes the
value itself (an integer stays an integer), a placeholder inside text becomes its digits.
Double braces around anything that is not an expression over declared names are left alone,
so LaTeX such as `x_{{i}}` is safe.

The variant of a student is a pure function of the exercise seed (`trials.seed`) and the
student id, through SHA-256: the same id gives the same variant on every machine and Python
version (Python's own `hash()` is salted per process, and random-number streams may change
between library versions). Without an id, every value is its `default` (the minimum or the
first choice): the spec as written, which its sample answers are for.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from ..errors import SpecProblem
from .placeholders import evaluate, is_int

# A variant whose spec does not build (a kernel taller than the image) is drawn again, at most
# this often; ranges that fail this often are an authoring mistake, reported as such.
MAX_DRAWS = 20

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_+\-*/%() ]+?)\s*\}\}")


@dataclass(frozen=True)
class Variant:
    """Which variant an exercise is: the student id it was drawn for (None: the defaults) and
    every declared value."""

    id: str | None
    values: tuple[tuple[str, Any], ...]

    def describe(self) -> str:
        return ", ".join(f"{name}={value}" for name, value in self.values)


def declared(data: Any) -> bool:
    """Whether a spec mapping declares variants."""
    return isinstance(data, dict) and isinstance(data.get("variants"), dict) and bool(data["variants"])


def range_problems(data: dict[str, Any], lines: Mapping[tuple[Any, ...], int], filename: str) -> list[SpecProblem]:
    """What is wrong with the `variants` block itself (empty when it is usable)."""
    problems = []
    for name, spec in data["variants"].items():
        line = lines.get(("variants", name))
        if not isinstance(spec, dict):
            problems.append(SpecProblem(filename, line, f"variants.{name}: expected {{min, max}} or {{choices}}"))
        elif "choices" in spec:
            if not isinstance(spec["choices"], list) or not spec["choices"]:
                problems.append(SpecProblem(filename, line, f"variants.{name}: choices must be a non-empty list"))
            elif "default" in spec and spec["default"] not in spec["choices"]:
                problems.append(SpecProblem(filename, line, f"variants.{name}: the default is not one of the choices"))
        elif not all(is_int(spec.get(k)) for k in ("min", "max")) or spec["min"] > spec["max"]:
            problems.append(SpecProblem(filename, line, f"variants.{name}: min and max must be integers, min <= max"))
        elif "default" in spec and not (is_int(spec["default"]) and spec["min"] <= spec["default"] <= spec["max"]):
            problems.append(SpecProblem(filename, line, f"variants.{name}: the default must be an integer in [min, max]"))
    return problems


def candidates(data: dict[str, Any], variant_id: str | None) -> Iterator[tuple[dict[str, Any], Variant]]:
    """Concrete spec mappings for this student, in the order they are tried: the first that
    builds is the student's variant. Without an id there is one candidate, the defaults."""
    seed = (data.get("trials") or {}).get("seed", 0)
    if variant_id is None:
        values = {name: _default(spec) for name, spec in data["variants"].items()}
        yield substitute(data, values), Variant(None, tuple(values.items()))
        return
    for attempt in range(MAX_DRAWS):
        values = {name: _draw(spec, f"{seed}\x00{variant_id}\x00{attempt}\x00{name}")
                  for name, spec in data["variants"].items()}
        yield substitute(data, values), Variant(variant_id, tuple(values.items()))


def substitute(data: Any, values: dict[str, Any]) -> Any:
    """The spec with every placeholder replaced (keys are left as they are)."""
    if isinstance(data, dict):
        return {key: (value if key == "variants" else substitute(value, values)) for key, value in data.items()}
    if isinstance(data, list):
        return [substitute(item, values) for item in data]
    if isinstance(data, str):
        whole = _PLACEHOLDER.fullmatch(data.strip())
        if whole is not None:
            value = evaluate(whole.group(1), values)
            if value is not None:
                return value
        return _PLACEHOLDER.sub(lambda m: _text(m, values), data)
    return data


def _text(match: re.Match[str], values: dict[str, Any]) -> str:
    value = evaluate(match.group(1), values)
    return match.group() if value is None else str(value)


def _default(spec: dict[str, Any]) -> Any:
    if "default" in spec:
        return spec["default"]
    return spec["choices"][0] if "choices" in spec else spec["min"]


def _draw(spec: dict[str, Any], material: str) -> Any:
    number = int.from_bytes(hashlib.sha256(material.encode("utf-8")).digest()[:8], "big")
    if "choices" in spec:
        return spec["choices"][number % len(spec["choices"])]
    return spec["min"] + number % (spec["max"] - spec["min"] + 1)
