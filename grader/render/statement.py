"""An exercise statement for a terminal: the Markdown text with the LaTeX made readable."""
from __future__ import annotations

import re

from ..spec.load import Exercise
from ..spec.data import conventions

# Enough LaTeX-to-text to read a statement in a terminal (the spec keeps the LaTeX).
_REWRITES = (
    (re.compile(r"\\frac\{\\partial (\w+)\}\{\\partial ([^{}]*(?:\{[^{}]*\})?)\}"), r"d\1/d\2"),
    (re.compile(r"\\begin\{pmatrix\}(.*?)\\end\{pmatrix\}", re.S), r"(\1)"),
    (re.compile(r"\\operatorname\{(\w+)\}"), r"\1"),
    (re.compile(r"\\mathbb\{R\}\^\{([^}]*)\}"), r"R^\1"),
    (re.compile(r"\\sum_\{([^}]*)\}\^\{([^}]*)\}"), r"sum_{\1..\2}"),
    (re.compile(r"\\(times)"), "x"),
    (re.compile(r"\\(qquad|quad|,|;)"), " "),
    (re.compile(r"\\\\"), ";"),
    (re.compile(r"\$\$?"), ""),
)


def render_statement(exercise: Exercise, lang: str | None = None) -> str:
    text = exercise.text(lang)
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    lines = [exercise.title, "=" * min(len(exercise.title), 78), "", text.rstrip(), "", "Inputs:"]
    if exercise.variant is not None and exercise.variant.id is not None:
        lines[2:2] = ["", f"Variant {exercise.variant.id}: {exercise.variant.describe()}"]
    for a in exercise.notation.arrays:
        if a.name in exercise.graph.inputs:
            lines.append(f"  {a.name}: shape {a.shape}, entries {a.letter}[{','.join('i j k l'.split()[:len(a.axes)])}]"
                         + (" (data: not differentiated)" if a.name in exercise.data_inputs else ""))
            if a.name in exercise.fixed:
                values = exercise.fixed[a.name]
                whole = (values == values.round()).all()
                lines.append(f"    values: {(values.astype(int) if whole else values).tolist()}")
    for mid in exercise.intermediates:
        a = exercise.notation[mid.name]
        lines.append(f"  {mid.name}: shape {a.shape}, may be written {a.letter}[...] in answers")
    lines.append("Asked: " + ", ".join(f"{exercise.notation.derivative(t.name)} ({t.points:g} points)"
                                       for t in exercise.targets))
    notes = conventions(exercise.graph, lang or exercise.language)
    if notes:
        lines.append("Conventions:")
        lines.extend(f"  - {text}" for text in notes)
    if exercise.functions:
        lines.append("Functions to submit: " + ", ".join(f"{f.name}({', '.join(f.args)})" for f in exercise.functions))
    return "\n".join(lines) + "\n"
