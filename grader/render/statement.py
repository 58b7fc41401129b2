"""An exercise statement for a terminal: the Markdown text with the LaTeX made readable."""
from __future__ import annotations

import re

from ..spec import Exercise

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
            lines.append(f"  {a.name}: shape {a.shape}, entries {a.letter}[{','.join('i j k l'.split()[:len(a.axes)])}]")
    lines.append("Asked: " + ", ".join(f"{exercise.notation.derivative(t.name)} ({t.points:g} points)"
                                       for t in exercise.targets))
    if exercise.functions:
        lines.append("Functions to submit: " + ", ".join(f"{f.name}({', '.join(f.args)})" for f in exercise.functions))
    return "\n".join(lines) + "\n"
