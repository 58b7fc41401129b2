"""Textbook spellings of things the LaTeX grammar reads in one spelling, rewritten before it
parses: the indicator as `\\mathbb{I}[...]`, `\\mathbb{1}\\{...\\}`, `1_{z > 0}` or Iverson's bare
`[z > 0]`, and a function applied without brackets as TeX allows (`1 - \\tanh^2 x_1`). Like the
other rewrites, it may change the length of the text: an error then points into the rewritten
text."""
from __future__ import annotations

import re
from functools import lru_cache

from reference import functions

from ..braces import group_end

_INDICATOR_I = re.compile(r"\\(mathbb|mathbbm|mathds|mathbf)\s*\{\s*[I1]\s*\}")
_INDICATOR_SET = re.compile(r"\\mathbb\{1\}\s*\\\{")
_ONE_SUB = re.compile(r"(?<![0-9A-Za-z\\}])1_\{")
# [z > 0]: a bracket holding a comparison is no group, so it is Iverson's indicator (unless an
# indicator, a \left or a name already stands before it).
_IVERSON = re.compile(r"\[([^\[\]]*?(?:>|\\gt(?![A-Za-z]))[^\[\]]*?)\]")
_INDICATOR_BEFORE = re.compile(r"(\\mathbb\{1\}|(?<![0-9A-Za-z_{])1|\\(?:left|[bB]igg?l?)|(?<![\\A-Za-z])[A-Za-z]+)\s*$")


def _iverson(text: str) -> str:
    out, at = [], 0
    for m in _IVERSON.finditer(text):
        if _INDICATOR_BEFORE.search(text[max(0, m.start() - 12):m.start()]):
            continue
        out += [text[at:m.start()], f"\\mathbb{{1}}[{m.group(1)}]"]
        at = m.end()
    return "".join(out) + text[at:]


@lru_cache(maxsize=1)
def _bare_call() -> re.Pattern:
    names = "|".join(sorted(functions.latex_commands(), key=len, reverse=True))
    words = "|".join(sorted({n for fn in functions.CATALOGUE.values() for n in fn.operatorname}, key=len, reverse=True))
    return re.compile(rf"(\\(?:{names})(?![A-Za-z])|\\(?:operatorname|mathrm|text)\s*\{{\s*(?i:{words})\s*\}})"
                      rf"(\s*\^\s*(?:\{{[^{{}}]*\}}|[0-9]))?\s+"
                      rf"([A-Za-z](?:_\s*(?:\{{[^{{}}]*\}}|[0-9A-Za-z]))?)(?![A-Za-z_{{(\[])")


_CEIL_FLOOR = re.compile(r"\\l(ceil|floor)(?![A-Za-z])(.*?)\\r(?:ceil|floor)(?![A-Za-z])|(\u2308|\u230a)(.*?)(?:\u2309|\u230b)")


def _ceil_floor(m: re.Match) -> str:
    name = m.group(1) or ("ceil" if m.group(3) == "\u2308" else "floor")
    return f"\\operatorname{{{name}}}\\left({m.group(2) if m.group(1) else m.group(4)}\\right)"


def textbook_spellings(text: str) -> str:
    """`text` with the indicator, bracketless calls and ceilings written as the grammar reads them."""
    if "\\" not in text and "_" not in text:
        return text
    if "ceil" in text or "floor" in text or "\u2308" in text or "\u230a" in text:
        text = _CEIL_FLOOR.sub(_ceil_floor, text)
    if "\\math" in text:
        text = _INDICATOR_I.sub(r"\\mathbb{1}", text)
        for m in reversed(list(_INDICATOR_SET.finditer(text))):
            end = text.find("\\}", m.end())
            if end != -1:
                text = text[:m.end() - 2] + "[" + text[m.end():end] + "]" + text[end + 2:]
    if "1_{" in text:
        for m in reversed(list(_ONE_SUB.finditer(text))):
            close = group_end(text, m.end() - 1)
            if close is not None and (">" in text[m.end():close] or "\\gt" in text[m.end():close]):
                text = text[:m.start()] + "\\mathbb{1}" + text[m.start() + 1:]
    if "[" in text and (">" in text or "\\gt" in text):
        text = _iverson(text)
    if "\\" in text:
        text = _bare_call().sub(lambda m: f"{m.group(1)}{m.group(2) or ''}({m.group(3)})", text)
    return text
