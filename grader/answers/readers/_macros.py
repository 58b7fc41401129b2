"""`\\newcommand` macros of a derivation, expanded in its equations before they are read.

Only what a student's preamble typically holds: `\\newcommand{\\name}{body}`,
`\\newcommand{\\name}[n]{body with #1..#n}`, `\\renewcommand`, `\\def\\name{body}`, `\\def\\name#1{body}`. Arguments are
braced groups; a macro used with fewer arguments than it takes is left as written (and then
refused by the parser as an unknown command, naming it). Expansion is bounded: a macro that
expands into itself stops after a few rounds and the text is then refused, never looped on.
"""
from __future__ import annotations

import re

_DEFINE = re.compile(r"\\(?:re)?newcommand\*?\s*\{?\s*\\([A-Za-z]+)\s*\}?\s*(?:\[([1-9])\])?\s*\{|"
                     r"\\def\s*\\([A-Za-z]+)\s*((?:#[1-9])*)\s*\{")
_ROUNDS = 8              # nested macros (\dC inside \pd) expand in a few rounds; more is a loop
_MAX_GROWTH = 20_000     # characters an expansion may add to one text


def _group_end(text: str, start: int) -> int | None:
    """End (exclusive) of the brace group opening at text[start], or None."""
    depth = 0
    for j in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return j + 1
    return None


def definitions(text: str) -> dict[str, tuple[int, str]]:
    """name -> (number of arguments, body) of every macro defined in `text`."""
    found = {}
    for m in _DEFINE.finditer(text):
        end = _group_end(text, m.end() - 1)
        if end is None:
            continue
        name = m.group(1) or m.group(3)
        count = int(m.group(2) or 0) if m.group(1) else len(m.group(4) or "") // 2
        found[name] = (count, text[m.end():end - 1])
    return found


def expand(text: str, macros: dict[str, tuple[int, str]]) -> str:
    """`text` with every use of a macro replaced by its body (arguments substituted)."""
    if not macros or "\\" not in text:
        return text
    use = re.compile(r"\\(" + "|".join(sorted(map(re.escape, macros), key=len, reverse=True)) + r")(?![A-Za-z])")
    limit = len(text) + _MAX_GROWTH
    for _ in range(_ROUNDS):
        out, pos, changed = [], 0, False
        for m in use.finditer(text):
            if m.start() < pos:
                continue
            count, body = macros[m.group(1)]
            args, at = [], m.end()
            for _ in range(count):
                while at < len(text) and text[at] in " \t":
                    at += 1
                end = _group_end(text, at) if at < len(text) and text[at] == "{" else None
                if end is None:
                    break
                args.append(text[at + 1:end - 1])
                at = end
            if len(args) < count:
                continue
            # The lambda runs inside this iteration's re.sub, so it sees this iteration's args.
            replaced = re.sub(r"#([1-9])", lambda a: args[int(a.group(1)) - 1] if int(a.group(1)) <= count  # noqa: B023
                              else a.group(), body)
            out.append(text[pos:m.start()] + replaced)  # as TeX does: tokens, no group added
            pos, changed = at, True
        out.append(text[pos:])
        text = "".join(out)
        if not changed or len(text) > limit:
            break
    return text
