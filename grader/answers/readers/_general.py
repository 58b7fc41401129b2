"""General-index formulas: `\\frac{\\partial C}{\\partial x_{i,j}} = \\frac{\\partial C}{\\partial y_{i-1,j}} k_2 + ...`.

The formula is instantiated for every entry of its target and each entry is graded on its own.
A term whose upstream entry falls outside the output (dC/dy_{0,1}) reads as zero: there is no
such output, so no such path. Any other entry outside its array is an error for that entry.
`cases` split the entries by index range (`i = 1`, `1 < i < 3`, `\\text{otherwise}`); an entry
no case covers, or that two cases with different formulas cover, is an error, never a guess.
"""
from __future__ import annotations

import re

from ..parsing.printer import show
from ...spec.notation import ArrayNotation, Notation
from ..parsing import ParseError, ParseLimits, parse_general
from ._entries import target_entries
from .answers import Answer, snippet

_CASES = re.compile(r"^\s*\\begin\s*\{cases\*?\}(.*)\\end\s*\{cases\*?\}\s*$", re.S)
_WORDS = re.compile(r"\\(text|mbox|textrm|mathrm)\s*\{([^{}]*)\}")
_OTHERWISE = {"otherwise", "else", "elsewhere", "sonst", "אחרת"}
_FILLER = re.compile(r"\b(if|for|when|and|where)\b|\\(quad|qquad|land|wedge)(?![A-Za-z])|\\[,;:! ]|,|&")
_RELATION = re.compile(r"\\(leq?|geq?|neq?|lt|gt)(?![A-Za-z])|\u2264|\u2265|\u2260|<=|>=|!=|[<>=]")
_RELATIONS = {"\\le": "<=", "\\leq": "<=", "\u2264": "<=", "<=": "<=", "\\ge": ">=", "\\geq": ">=",
              "\u2265": ">=", ">=": ">=", "\\ne": "!=", "\\neq": "!=", "\u2260": "!=", "!=": "!=",
              "\\lt": "<", "<": "<", "\\gt": ">", ">": ">", "=": "="}
_TERM = re.compile(r"\s*([+-]?)\s*([0-9]+|[A-Za-z])")


class _Unreadable(Exception):
    pass


def _split_top(text: str, sep: str) -> list[str]:
    """`text` split at `sep` outside braces."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return parts


def _operand(text: str, env: dict) -> int:
    pos, total = 0, 0
    text = text.strip()
    if not text:
        raise _Unreadable
    while pos < len(text):
        m = _TERM.match(text, pos)
        if not m:
            raise _Unreadable
        value = int(m.group(2)) if m.group(2).isdigit() else env.get(m.group(2))
        if value is None:
            raise _Unreadable
        total += -value if m.group(1) == "-" else value
        pos = m.end()
        if pos < len(text) and not text[pos:].lstrip().startswith(("+", "-")):
            raise _Unreadable
    return total


def _holds(condition: str, env: dict) -> bool | None:
    """Whether a case's condition holds at `env`; None for `otherwise`. Raises _Unreadable."""
    words = _WORDS.sub(lambda m: f" {m.group(2)} ", condition)
    if words.strip().lower().strip(".") in _OTHERWISE:
        return None
    clauses = [c for c in re.split(r",|\\text\{\s*and\s*\}|\band\b|\\land|\\wedge", words) if c.strip()]
    if not clauses:
        raise _Unreadable
    for clause in clauses:
        clause = _FILLER.sub(" ", clause)
        ops = [(_RELATIONS[m.group()], m.start(), m.end()) for m in _RELATION.finditer(clause)]
        if not ops:
            raise _Unreadable
        sides = [clause[:ops[0][1]]] + [clause[a[2]:b[1]] for a, b in zip(ops, ops[1:])] + [clause[ops[-1][2]:]]
        values = [_operand(s, env) for s in sides]
        for (op, _, _), left, right in zip(ops, values, values[1:]):
            if not {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right,
                    "=": left == right, "!=": left != right}[op]:
                return False
    return True


def general_answers(source: str, array: ArrayNotation, variables: tuple[str, ...], notation: Notation,
                    limits: ParseLimits, line: int, steps: tuple[str, ...]) -> list[Answer]:
    """One Answer per entry of `array` from the general formula `source` (a right-hand side)."""
    entries = target_entries(array)
    written = {full: array.notation_index(full) for full in entries}
    shown = snippet(source)
    label = f"{array.latex}_{{{','.join(variables)}}}"

    def refused(why: str, which=entries) -> list[Answer]:
        return [Answer(array.name, i, None, why, shown, line, "latex", steps) for i in which]

    cases = _CASES.match(source)
    rows = [(source, "")] if not cases else []
    if cases:
        for row in _split_top(cases.group(1), "\\\\"):
            if row.strip():
                cells = _split_top(row, "&")
                rows.append((cells[0], "&".join(cells[1:])))
    chosen: dict[int, list] = {}
    out: dict = {}
    for full in entries:
        env = dict(zip(variables, written[full]))
        try:
            held = [n for n, (_, cond) in enumerate(rows) if not cond.strip() or _holds(cond, env)]
            if not held and cases:
                held = [n for n, (_, cond) in enumerate(rows) if _holds(cond, env) is None]
        except _Unreadable:
            return refused(f"cannot read a condition of the cases in the formula for {label}: write each as "
                           f"i = 1, 1 < i < 3 or i \\le 2 (in the indices {', '.join(variables)}), or \\text{{otherwise}}")
        where = ", ".join(f"{v} = {n}" for v, n in env.items())
        if not held:
            out[full] = refused(f"no case of the formula for {label} covers {where}", [full])[0]
        elif len({" ".join(rows[n][0].split()) for n in held}) > 1:
            out[full] = refused(f"cases {' and '.join(str(n + 1) for n in held)} of the formula for {label} "
                                f"both hold at {where} and differ: make the conditions exclusive", [full])[0]
        else:
            chosen.setdefault(held[0], []).append(full)
    for n, fulls in chosen.items():
        try:
            values = parse_general(rows[n][0], notation, variables, [written[f] for f in fulls], limits)
        except ParseError as err:
            out.update({f: a for f, a in zip(fulls, refused(str(err), fulls))})
            continue
        for full, value in zip(fulls, values):
            where = ", ".join(f"{v} = {i}" for v, i in zip(variables, written[full]))
            if isinstance(value, ParseError):
                out[full] = Answer(array.name, full, None, f"the formula for {label} at {where}: {value}", shown,
                                   line, "latex", steps)
            else:
                out[full] = Answer(array.name, full, value, None, show(value, notation, "latex"), line, "latex", steps,
                                   f"from the general formula for {label} on line {line}, at {where}")
    return [out[f] for f in entries]
