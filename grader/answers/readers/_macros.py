"""`\\newcommand` macros of a derivation, expanded in its equations before they are read.

Only what a student's preamble typically holds: `\\newcommand{\\name}{body}`,
`\\newcommand{\\name}[n]{body with #1..#n}`, `\\renewcommand`, `\\def\\name{body}`, `\\def\\name#1{body}`. Arguments are
braced groups; a macro used with fewer arguments than it takes is left as written (and then
refused by the parser as an unknown command, naming it). Expansion is bounded: a macro that
expands into itself stops after a few rounds and the text is then refused, never looped on.
"""
from __future__ import annotations

import re

from ..braces import group_end

_DEFINE = re.compile(r"\\(?:re)?newcommand\*?\s*\{?\s*\\([A-Za-z]+)\s*\}?\s*(?:\[([1-9])\])?\s*\{|"
                     r"\\def\s*\\([A-Za-z]+)\s*((?:#[1-9])*)\s*\{")
_ROUNDS = 8              # nested macros (\dC inside \pd) expand in a few rounds; more is a loop
_MAX_GROWTH = 20_000     # characters an expansion may add to one text
MAX_DEFINITIONS = 200    # a preamble holds a few dozen; the rest are ignored (left as written)
MAX_BODY = 2_000         # characters of one macro's body
MAX_ARGUMENT = 5_000     # characters of one argument of one use
_PARAMETER = re.compile(r"#([1-9])")


def definitions(text: str) -> dict[str, tuple[int, str]]:
    """name -> (number of arguments, body) of every macro defined in `text` (at most
    MAX_DEFINITIONS names; a body longer than MAX_BODY is not a macro we expand)."""
    found: dict[str, tuple[int, str]] = {}
    for m in _DEFINE.finditer(text):
        end = group_end(text, m.end() - 1)
        if end is None or end - 1 - m.end() > MAX_BODY:
            continue
        name = m.group(1) or m.group(3)
        if name not in found and len(found) >= MAX_DEFINITIONS:
            continue
        count = int(m.group(2) or 0) if m.group(1) else len(m.group(4) or "") // 2
        found[name] = (count, text[m.end():end - 1])
    return found


def expand(text: str, macros: dict[str, tuple[int, str]]) -> str:
    """`text` with every use of a macro replaced by its body (arguments substituted).

    Each replacement's size is computed from the body's parameters and the arguments' lengths
    before it is built: a use that would take the text past the growth limit is left as written
    (and the parser then refuses it, naming it), so memory stays within len(text) + _MAX_GROWTH.
    """
    if not macros or "\\" not in text:
        return text
    use = re.compile(r"\\(" + "|".join(sorted(map(re.escape, macros), key=len, reverse=True)) + r")(?![A-Za-z])")
    limit = len(text) + _MAX_GROWTH
    shapes = {name: (count, body, [int(p) for p in _PARAMETER.findall(body)]) for name, (count, body) in macros.items()}
    for _ in range(_ROUNDS):
        out, pos, changed, size = [], 0, False, len(text)
        for m in use.finditer(text):
            if m.start() < pos:
                continue
            count, body, params = shapes[m.group(1)]
            args, at = [], m.end()
            for _ in range(count):
                while at < len(text) and text[at] in " \t":
                    at += 1
                end = group_end(text, at)
                if end is None or end - at - 2 > MAX_ARGUMENT:
                    break
                args.append(text[at + 1:end - 1])
                at = end
            if len(args) < count:
                continue
            grown = len(body) - 2 * sum(1 for p in params if p <= count) + sum(len(args[p - 1]) for p in params
                                                                              if p <= count)
            if size - (at - m.start()) + grown > limit:
                break  # the growth limit: this use and the rest stay as written
            size += grown - (at - m.start())
            # The lambda runs inside this iteration's re.sub, so it sees this iteration's args.
            replaced = _PARAMETER.sub(lambda a: args[int(a.group(1)) - 1] if int(a.group(1)) <= count  # noqa: B023
                                      else a.group(), body)
            out.append(text[pos:m.start()] + replaced)  # as TeX does: tokens, no group added
            pos, changed = at, True
        out.append(text[pos:])
        text = "".join(out)
        if not changed:
            break
    return text
