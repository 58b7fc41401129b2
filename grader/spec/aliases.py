"""The other names courses give an exercise's nodes: batch norm's `\\gamma` for its scale `g`,
`\\hat{x}` for x-hat, a softmax's `\\hat{y}`, a loss's target `y`.

Two sources, one table: what each op declares for its inputs, output and internal parts
(`Op.written_as`), and what the spec adds per array (`aliases:` under an input, the output or an
intermediate). A spelling is taken only when it is unambiguous: never one the exercise already
uses as a letter or name of its own, and never one that two nodes claim (the spec's own aliases
win over the ops'). The table is data of the exercise's `Notation`; the readers rewrite the
spellings into the array's letter before parsing (`grader.answers.parsing._aliases`).
"""
from __future__ import annotations

from typing import Any, Mapping

from reference.graph import Graph

from .notation import Alias, ArrayNotation


def aliases(data: Mapping[str, Any], graph: Graph | None, arrays: list[ArrayNotation],
            middle: list[Any]) -> tuple[Alias, ...]:
    """Every alias of the exercise, longest spelling first (so `\\sqrt{\\sigma_#^2+\\epsilon}` is
    matched before `\\sigma_#^2+\\epsilon`)."""
    taken = {name for a in arrays for name in (a.letter, a.latex, a.name)}
    names = {a.name for a in arrays}
    declared: dict[str, set[tuple[str, int]]] = {}
    if graph is not None:
        parts = {(m.of, m.part): m.name for m in middle if m.part}
        for built in graph.nodes:
            for key, spellings in getattr(built.op, "written_as", {}).items():
                role, _, power_text = key.partition("^")
                kind, _, which = role.partition(":")
                target = None
                if kind == "input" and int(which) < len(built.node.inputs):
                    target = built.node.inputs[int(which)]
                elif kind == "output":
                    target = built.node.output
                elif kind == "part":
                    target = parts.get((built.node.output, which))
                if target in names:
                    for spelling in spellings:
                        declared.setdefault(spelling, set()).add((target, int(power_text or 1)))
    table = {s: next(iter(t)) for s, t in declared.items() if len(t) == 1 and s not in taken}
    for section in ("inputs", "intermediates"):
        for name, spec in data.get(section, {}).items():
            for spelling in spec.get("aliases", []):
                table[spelling] = (name, 1)
    output = data.get("output", {})
    for spelling in output.get("aliases", []):
        table[spelling] = (output["name"], 1)
    found = [Alias(s, name, power) for s, (name, power) in table.items() if s not in taken and name in names]
    return tuple(sorted(found, key=lambda a: (-len(a.spelling), a.spelling)))
