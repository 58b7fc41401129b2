"""The two Lark parsers, loaded once, and lark's errors turned into ParseErrors."""
from __future__ import annotations

from functools import lru_cache

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from .errors import ParseError, position

STARTS = {"plain": ["start_expr", "start_matrix"], "latex": ["start_expr", "start_lhs"]}

# Regex terminals have no readable spelling of their own.
_DESCRIBED = {
    "NUMBER": "a number", "NAME": "a name", "LETTER": "a letter", "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*' or '/'", "POW_OP": "'^'", "FUNC": "a function", "SUM_KW": "sum(...)",
    "DIFF": "\\partial", "FRAC": "\\frac", "SUM": "\\sum", "OPNAME": "\\operatorname{...}",
    "MATHCAL": "\\mathcal{...}", "BEGIN_ENV": "\\begin{pmatrix}", "END_ENV": "\\end{pmatrix}",
    "_LPAR": "'('", "_RPAR": "')'", "_LSQ": "'['", "_RSQ": "']'", "$END": "end of input",
}


@lru_cache(maxsize=None)
def parser(style: str) -> Lark:
    # No `cache=True`: it writes grammar caches to disk, and parsing must never touch files.
    # Positions on tree nodes are only read by LaTeX rules (subscripts, derivatives); plain
    # rules point at their tokens, which always carry positions, and propagating them to every
    # node costs close to half of the parse of a large answer.
    return Lark.open(f"{style}.lark", rel_to=__file__, parser="lalr", lexer="contextual",
                     propagate_positions=style == "latex", maybe_placeholders=False, start=STARTS[style])


@lru_cache(maxsize=None)
def _spellings(style: str) -> dict[str, str]:
    names = {}
    for term in parser(style).terminals:
        if term.name in _DESCRIBED:
            names[term.name] = _DESCRIBED[term.name]
        elif term.pattern.type == "str":
            names[term.name] = repr(term.pattern.value)
    return names


def describe(style: str, expected) -> tuple[str, ...]:
    spell = _spellings(style)
    return tuple(sorted({spell.get(name, _DESCRIBED.get(name, name.lower())) for name in expected}))


def syntax_error(err: UnexpectedInput, text: str, style: str) -> ParseError:
    if isinstance(err, UnexpectedCharacters):
        ch = text[err.pos_in_stream] if err.pos_in_stream < len(text) else ""
        start = err.pos_in_stream
        word = text[start:start + 1]
        if ch == "\\":
            end = start + 1
            while end < len(text) and text[end].isalpha():
                end += 1
            word = text[start:max(end, start + 2)]
        return ParseError(f"unexpected {word!r}", text, err.line, err.column, describe(style, err.allowed or ()))
    if isinstance(err, UnexpectedToken) and err.token.type != "$END":
        tok = err.token
        return ParseError(f"unexpected {str(tok)!r}", text, tok.line or 1, tok.column or 1,
                          describe(style, err.expected or ()))
    expected = getattr(err, "expected", None) or ()
    line, column = position(text, len(text.rstrip()))
    return ParseError("the answer ends too early", text, line, column, describe(style, expected))

