"""Correct write-ups of every bundled exercise, in the layouts and spellings students use.

Each style takes an exercise's reference gradients (written in the author's terms, as `grader
solve` prints them) and lays them out the way one kind of material does: YAML answer boxes
(plain, LaTeX, PrairieLearn-style mixed spellings), a Markdown derivation, an Overleaf `.tex`
with a preamble and `align*`, a Jupyter notebook, a plain-text e-mail, Word-pasted unicode,
Hebrew course notes, Nielsen's delta and d2l's operator notation. A style that does not fit an
exercise (unicode subscripts past 9, a delta without an upstream gradient) yields nothing.

`writeups(exercise)` -> [(file name, text)]; every entry of every target is answered, and
every one must be credited. benchmarks/reading_corpus.py measures them with the hand-written
corpus.
"""
from __future__ import annotations

import json
import re
from typing import Callable, Iterator

_ENTRY = re.compile(r"\b(d?)([A-Za-z]+)\[([0-9,]+)\]")
_SUBSCRIPT = str.maketrans("0123456789", "\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089")
_SUPERSCRIPT = str.maketrans("0123456789", "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def _entries(exercise):
    """(target name, array notation, full index, plain answer, LaTeX answer) per target entry."""
    from grader.render.solution import entry_text

    notation = exercise.notation
    for name, arr in exercise.solution.items():
        array = notation[name]
        for entry in arr.ravel():
            yield (name, array, entry.index, entry_text(entry, exercise, "plain"),
                   entry_text(entry, exercise, "latex"))


def _small(exercise) -> bool:
    """Every written index of every array is one digit: x11 reads as x[1,1]."""
    return all(max(a.notation_shape, default=1) <= 9 for a in exercise.notation.arrays)


def _loss(exercise) -> str:
    return exercise.notation.loss


def yaml_plain(exercise) -> Iterator[tuple[str, str]]:
    lines = [f"# expect-credit: {_expect(exercise)}"]
    for _name, array, full, plain, _ in _entries(exercise):
        lines.append(f"{array.plain(full)}: \"{plain}\"")
    yield "gen-answers-plain.yaml", "\n".join(lines) + "\n"


def yaml_latex(exercise) -> Iterator[tuple[str, str]]:
    lines = [f"# expect-credit: {_expect(exercise)}"]
    for _name, array, full, _, tex in _entries(exercise):
        key = array.tex(full)
        lines.append(f"'{key}': '{tex}'")
    yield "gen-answers-latex.yaml", "\n".join(lines) + "\n"


def _mixed(plain: str, exercise) -> str | None:
    """PrairieLearn boxes and quick notes: dy_{1,1}*k_1, x_{12}: LaTeX subscripts, plain operators."""
    if re.search(r"[a-z]\(|1\[", plain):
        return None
    up = exercise.notation.upstream

    def sub(m: re.Match) -> str:
        d, letter, idx = m.groups()
        array = exercise.notation.by_letter(d + letter)
        if array is None:
            return m.group()
        parts = idx.split(",")
        written = "".join(parts) if len(parts) > 1 and _small(exercise) and len(parts) % 2 else ",".join(parts)
        if len(parts) == 1:
            return f"{d}{letter}_{parts[0]}" if len(parts[0]) == 1 else f"{d}{letter}_{{{parts[0]}}}"
        return f"{d}{letter}_{{{written}}}"

    del up
    return _ENTRY.sub(sub, plain)


def yaml_boxes(exercise) -> Iterator[tuple[str, str]]:
    lines = [f"# expect-credit: {_expect(exercise)}"]
    for _name, array, full, plain, _ in _entries(exercise):
        mixed = _mixed(plain, exercise)
        if mixed is None:
            return
        lines.append(f"{array.plain(full)}: '{mixed}'")
    yield "gen-boxes.yaml", "\n".join(lines) + "\n"


def markdown(exercise) -> Iterator[tuple[str, str]]:
    out = [f"<!-- expect-credit: {_expect(exercise)} -->", "# Backprop homework", "",
           "By the chain rule, summing over every path from the entry to the loss:", ""]
    for _name, array, full, _, tex in _entries(exercise):
        out += [f"$$\\frac{{\\partial {_loss(exercise)}}}{{\\partial {array.tex(full)}}} = {tex}$$", ""]
    yield "gen-derivation.md", "\n".join(out)


def overleaf(exercise) -> Iterator[tuple[str, str]]:
    rows = []
    for _name, array, full, _, tex in _entries(exercise):
        rows.append(f"  \\pd{{{_loss(exercise)}}}{{{array.tex(full)}}} &= {tex}")
    body = " \\\\\n".join(rows)
    text = (f"% expect-credit: {_expect(exercise)}\n"
            "\\documentclass[11pt]{article}\n\\usepackage{amsmath,amssymb}\n\\usepackage[margin=2cm]{geometry}\n"
            "\\newcommand{\\pd}[2]{\\frac{\\partial #1}{\\partial #2}}\n"
            "\\title{Homework 3: backpropagation}\n\\author{A. Student}\n\\begin{document}\n\\maketitle\n"
            "\\section*{Solution}\nApplying the chain rule entry by entry:\n\\begin{align*}\n"
            f"{body}\n\\end{{align*}}\n\\end{{document}}\n")
    yield "gen-overleaf.tex", text


def notebook(exercise) -> Iterator[tuple[str, str]]:
    cells = [{"cell_type": "markdown", "metadata": {},
              "source": [f"<!-- expect-credit: {_expect(exercise)} -->\n", "## Part 2: the gradients by hand"]},
             {"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [],
              "source": ["import numpy as np\n", "x = np.zeros(3)"]}]
    for _name, array, full, _, tex in _entries(exercise):
        cells.append({"cell_type": "markdown", "metadata": {},
                      "source": [f"$$\\frac{{\\partial {_loss(exercise)}}}{{\\partial {array.tex(full)}}} = {tex}$$"]})
    doc = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
           "nbformat": 4, "nbformat_minor": 5}
    yield "gen-notebook.ipynb", json.dumps(doc, indent=1)


def email(exercise) -> Iterator[tuple[str, str]]:
    out = [f"expect-credit: {_expect(exercise)}", "Hi,", "", "here are my answers for the exercise:", ""]
    for _name, array, full, plain, _ in _entries(exercise):
        out.append(f"d{_loss(exercise)}/d{array.plain(full)} = {plain}")
    out += ["", "Thanks,", "Dana"]
    yield "gen-email.txt", "\n".join(out) + "\n"


def _unicode(plain: str, exercise) -> str | None:
    if re.search(r"[a-z]{2,}\(|1\[", plain):
        return None
    up = exercise.notation.upstream

    def sub(m: re.Match) -> str:
        d, letter, idx = m.groups()
        digits = idx.replace(",", "").translate(_SUBSCRIPT)
        if d and up is not None and d + letter == up.letter:
            return f"\u2202{_loss(exercise)}/\u2202{exercise.notation[up.upstream_of].latex}{digits}"
        return f"{d}{letter}{digits}"

    text = re.sub(r"\*\*([0-9])", lambda m: m.group(1).translate(_SUPERSCRIPT), _ENTRY.sub(sub, plain))
    return text.replace("*", "\u00b7").replace("-", "\u2212")


def word_unicode(exercise) -> Iterator[tuple[str, str]]:
    if not _small(exercise):
        return
    out = [f"expect-credit: {_expect(exercise)}", "Solution (typed in Word)", ""]
    for _name, array, full, plain, _ in _entries(exercise):
        rhs = _unicode(plain, exercise)
        lhs = _unicode(array.plain(full), exercise)
        if rhs is None or lhs is None:
            return
        out.append(f"\u2202{_loss(exercise)}/\u2202{lhs} = {rhs}")
    yield "gen-word-unicode.txt", "\n".join(out) + "\n"


def hebrew(exercise) -> Iterator[tuple[str, str]]:
    out = [f"<!-- expect-credit: {_expect(exercise)} -->", "## \u05e4\u05ea\u05e8\u05d5\u05df", "",
           "\u05dc\u05e4\u05d9 \u05db\u05dc\u05dc \u05d4\u05e9\u05e8\u05e9\u05e8\u05ea, \u05dc\u05db\u05dc "
           "\u05d0\u05d9\u05d1\u05e8:", ""]
    for _name, array, full, _, tex in _entries(exercise):
        out.append(f"\u05e2\u05d1\u05d5\u05e8 \u05d4\u05d0\u05d9\u05d1\u05e8 ${array.tex(full)}$ "
                   f"\u05de\u05ea\u05e7\u05d1\u05dc: $\\frac{{\\partial {_loss(exercise)}}}{{\\partial {array.tex(full)}}} = {tex}$")
        out.append("")
    yield "gen-hebrew.md", "\n".join(out)


def nielsen(exercise) -> Iterator[tuple[str, str]]:
    up = exercise.notation.upstream
    if up is None:
        return
    letter = exercise.notation[up.upstream_of].latex
    loss = _loss(exercise)
    pattern = re.compile(r"\\frac\{\\partial " + loss + r"\}\{\\partial " + letter + r"_\{([0-9,]+)\}\}")
    idx = ",".join("ijkl"[: len(up.axes)])
    out = [f"<!-- expect-credit: {_expect(exercise)} -->",
           f"Following Nielsen, write $\\delta^{{(2)}}_{{{idx}}} = \\frac{{\\partial {loss}}}{{\\partial {letter}_{{{idx}}}}}$ "
           "for the error of the layer's output.", ""]
    for _name, array, full, _, tex in _entries(exercise):
        rhs = pattern.sub(lambda m: f"\\delta^{{(2)}}_{{{m.group(1)}}}", tex)
        out += [f"$$\\frac{{\\partial {loss}}}{{\\partial {array.tex(full)}}} = {rhs}$$", ""]
    yield "gen-nielsen.md", "\n".join(out)


def d2l(exercise) -> Iterator[tuple[str, str]]:
    loss = _loss(exercise)
    frac = re.compile(r"\\frac\{\\partial " + loss + r"\}\{\\partial ([A-Za-z]_\{[0-9,]+\})\}")
    out = [f"<!-- expect-credit: {_expect(exercise)} -->", "### Backward pass (d2l notation)", ""]
    for _name, array, full, _, tex in _entries(exercise):
        rhs = frac.sub(lambda m: f"\\partial_{{{m.group(1)}}} {loss}", tex)
        out += [f"$$\\partial_{{{array.tex(full)}}} {loss} = {rhs}$$", ""]
    yield "gen-d2l.md", "\n".join(out)


STYLES: dict[str, Callable] = {
    "yaml-plain": yaml_plain, "yaml-latex": yaml_latex, "yaml-boxes": yaml_boxes, "markdown": markdown,
    "overleaf": overleaf, "notebook": notebook, "email": email, "word-unicode": word_unicode,
    "hebrew": hebrew, "nielsen": nielsen, "d2l": d2l,
}


def _expect(exercise) -> str:
    notation = exercise.notation
    return " ".join(f"{name}[{','.join(map(str, notation[name].notation_index(e.index)))}]"
                    for name, arr in exercise.solution.items() for e in arr.ravel())


def writeups(exercise) -> list[tuple[str, str]]:
    """Every style's write-up of `exercise` that fits it: (file name, text)."""
    return [w for style in STYLES.values() for w in style(exercise)]
