"""The exercise's aliases (grader/spec/aliases.py) rewritten into its own letters before an
answer is parsed: `\\gamma_1` -> `g_1`, `\\hat{x}_{1,2}` -> `h_{1,2}`, `γ[1]` -> `g[1]`,
`\\sqrt{\\sigma_1^2+\\epsilon}` -> `{s_{1}}`. Like the other rewrites before the grammar, it may
change the length of the text: an error then points into the rewritten text."""
from __future__ import annotations

import re
from functools import lru_cache

from ...spec.notation import Alias, Notation

_TOKEN = re.compile(r"\\[A-Za-z]+|\^.|#|\s+|.", re.S)
_SUBSCRIPT = r"(\{[^{}]*\}|[0-9A-Za-z])"


def _pattern(spelling: str) -> str:
    if spelling.isascii() and spelling.isalpha():
        # A letter or word (a, y, yhat) is a name only where an index follows it: a_1, a[1], a1.
        return rf"(?<![A-Za-z\\])(?:{re.escape(spelling)})(?=\s*(?:_|\[|[0-9]|[\u2080-\u2089]))"
    parts = []
    for token in _TOKEN.findall(spelling):
        if token.isspace():
            continue
        if token == "#":
            parts.append(_SUBSCRIPT)
        elif token.startswith("\\"):
            parts.append(re.escape(token) + r"(?![A-Za-z])")
        elif token.startswith("^"):
            parts.append(rf"\^\s*(?:{re.escape(token[1])}|\{{\s*{re.escape(token[1])}\s*\}})")
        else:
            parts.append(re.escape(token))
    return r"\s*".join(parts)


@lru_cache(maxsize=64)
def _compiled(aliases: tuple[Alias, ...]) -> re.Pattern | None:
    if not aliases:
        return None
    return re.compile("|".join(f"(?P<a{i}>{_pattern(a.spelling)})" for i, a in enumerate(aliases)))


def rewrite_aliases(text: str, notation: Notation) -> str:
    """`text` with every alias of the exercise written as its array's letter."""
    pattern = _compiled(notation.aliases)
    if pattern is None:
        return text
    latex = "\\" in text or "_" in text

    def replace(m: re.Match) -> str:
        group = m.lastgroup or "a0"  # every alternative is a named group
        alias = notation.aliases[int(group[1:])]
        array = notation[alias.array]
        subscript = next((g for g in m.groups()[m.re.groupindex[group]:] if g is not None), None) \
            if "#" in alias.spelling else None
        if subscript is not None:
            sub = subscript[1:-1] if subscript.startswith("{") else subscript
            power = f"^{{{alias.power}}}" if alias.power != 1 else ""
            return f"{{{array.latex}_{{{sub}}}{power}}}"
        after = text[m.end():m.end() + 8].lstrip()
        letter = array.letter if after.startswith("[") or not latex else array.latex
        return letter if alias.power == 1 else f"{letter}^{alias.power}"

    return pattern.sub(replace, text)
