"""The two Lark parsers, loaded once, and lark's errors turned into ParseErrors."""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import lark
from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.grammar import Rule
from lark.lexer import PatternRE, TerminalDef
from lark.utils import get_regexp_width

from .errors import ParseError, position

_HERE = Path(__file__).parent
STARTS = {"plain": ["start_expr", "start_matrix"], "latex": ["start_expr", "start_lhs"]}

# Regex terminals have no readable spelling of their own.
_DESCRIBED = {
    "NUMBER": "a number", "NAME": "a name", "LETTER": "a letter", "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*' or '/'", "POW_OP": "'^'", "FUNC": "a function", "SUM_KW": "sum(...)",
    "DIFF": "\\partial", "FRAC": "\\frac", "SUM": "\\sum", "OPNAME": "\\operatorname{...}",
    "MATHCAL": "\\mathcal{...}", "BEGIN_ENV": "\\begin{pmatrix}", "END_ENV": "\\end{pmatrix}",
    "_LPAR": "'('", "_RPAR": "')'", "_LSQ": "'['", "_RSQ": "']'", "$END": "end of input",
    "INDICATOR": "1[...]", "STEP_H": "H(...)", "PRIME": "'", "GT": "'>'",
}


@lru_cache(maxsize=None)
def parser(style: str) -> Lark:
    """The style's parser: from its shipped parse tables when they are those of its grammar and
    of this lark version, else built from the grammar (about ten times slower to start)."""
    table = shipped_table(style)
    if table is not None:
        for value in table["memo"].values():
            if value.get("__type__") == "TerminalDef" and value["name"] in catalogue_terminals(style):
                regex = catalogue_terminals(style)[value["name"]]
                value["pattern"].update(value=regex, raw=f"/{regex}/", _width=list(get_regexp_width(regex)))
        # lark's own loader of serialized tables (its standalone parsers use it); `Lark.load`
        # would read them from a pickle, which this project never loads.
        return Lark._load_from_dict(table["data"], table["memo"])
    return build_parser(style)


@lru_cache(maxsize=None)
def catalogue_terminals(style: str) -> dict[str, str]:
    """Terminals whose pattern comes from the catalogue of maths functions: the grammar files hold
    a placeholder there, so the parse tables do not change when a function is added."""
    from reference import functions

    if style == "plain":
        return {"FUNC": functions.plain_function_regex()}
    return {"FUNC": functions.latex_function_regex()}


def build_parser(style: str, placeholders: bool = False) -> Lark:
    """The style's parser built from its grammar; `placeholders` keeps the catalogue's terminals
    as the grammar file writes them (for the shipped tables)."""
    def from_catalogue(term: TerminalDef) -> None:
        regex = catalogue_terminals(style).get(term.name)
        if regex is not None and not placeholders:
            term.pattern = PatternRE(regex)

    # No `cache=True`: it writes grammar caches to disk, and parsing must never write files.
    # Positions on tree nodes are only read by LaTeX rules (subscripts, derivatives); plain
    # rules point at their tokens, which always carry positions, and propagating them to every
    # node costs close to half of the parse of a large answer.
    return Lark.open(f"{style}.lark", rel_to=__file__, parser="lalr", lexer="contextual",
                     propagate_positions=style == "latex", maybe_placeholders=False, start=STARTS[style],
                     edit_terminals=from_catalogue)


def grammar_key(style: str) -> dict:
    grammar = (_HERE / f"{style}.lark").read_bytes()
    return {"grammar_sha256": hashlib.sha256(grammar).hexdigest(), "lark": lark.__version__}


def table_path(style: str) -> Path:
    return _HERE / f"{style}.tables.json"


def shipped_table(style: str) -> dict | None:
    """The shipped tables of `style`, or None when missing or made from another grammar or lark."""
    try:
        table = json.loads(table_path(style).read_text(encoding="utf-8"), object_hook=_int_keys)
    except (OSError, ValueError):
        return None
    return table if table.get("key") == grammar_key(style) else None


def _int_keys(obj: dict) -> dict:
    # JSON keys are strings; lark's tables key states, tokens and the memo by int. No grammar
    # name is all digits, so every all-digit key is one of those.
    return {int(k) if k.isdigit() else k: v for k, v in obj.items()}


def write_tables() -> None:
    """Regenerate the shipped parse tables after a grammar change (`python -m grader.answers.parsing._grammars`);
    a test fails while they are stale."""
    for style in STARTS:
        built = build_parser(style, placeholders=True)
        built.options.edit_terminals = None  # a function; the tables are plain data
        data, memo = built.memo_serialize([TerminalDef, Rule])
        text = json.dumps({"key": grammar_key(style), "data": data, "memo": memo}, sort_keys=True)
        table_path(style).write_text(text + "\n", encoding="utf-8")


@lru_cache(maxsize=None)
def _spellings(style: str) -> dict[str, str]:
    names = {}
    for term in parser(style).terminals:
        if term.name in _DESCRIBED:
            names[term.name] = _DESCRIBED[term.name]
        elif term.pattern.type == "str":
            names[term.name] = repr(term.pattern.value)
    return names


_OPERANDS = {"NUMBER", "NAME", "LETTER", "ENTRY", "TEX_ENTRY", "UPSTREAM_ENTRY", "UPSTREAM_PLAIN", "BARE_ENTRY",
             "FUNC", "SUM_KW", "FRAC", "DIFF", "SUM", "OPNAME", "MATHCAL", "BEGIN_ENV", "_LPAR", "_LSQ", "LPAR",
             "LSQB", "LBRACE", "INDICATOR", "STEP_H"}
_OPERATORS = {"ADD_OP", "MUL_OP", "POW_OP", "SUP"}
_CLOSERS = {"_RPAR": "')'", "RPAR": "')'", "_RSQ": "']'", "RSQB": "']'", "RBRACE": "'}'", "END_ENV": "\\end{...}"}


def sentence(style: str, expected, before: str = "", token: str = "") -> str:
    """What the grammar wanted, as one sentence in the student's notation (never a token list).

    `before` is the text up to the error: closing brackets and commas are only mentioned when a
    bracket is open there.
    """
    names = set(expected)
    entry = "x[1,1]" if style == "plain" else "x_{1,1}"
    if token == "=" and before.rstrip().endswith(">"):
        return "only '> 0' is read in a step: 1[z > 0] is ReLU's derivative, 0 at z = 0"
    if token.isdigit() and "MUL_OP" in names:
        return f"a number never multiplies from the right: write it first ({token} {entry}) or with * ({entry}*{token})"
    if sum(before.count(c) for c in "([{") <= sum(before.count(c) for c in ")]}"):
        names -= set(_CLOSERS) | {"COMMA"}
    wants = []
    if names & _OPERANDS:
        wants.append(f"a number, an entry like {entry} or an opening bracket")
        names.discard("ADD_OP")  # a sign before an operand says nothing more
    if names & _OPERATORS:
        wants.append("an operator (+ - * /" + (" ^)" if style == "plain" else " ^ \\cdot)"))
    closers = sorted({_CLOSERS[n] for n in names & _CLOSERS.keys()})
    if closers:
        wants.append("a closing " + " or ".join(closers))
    if "GT" in names:
        wants.append("'>' (the step is written 1[z > 0])")
    if "COMMA" in names:
        wants.append("a comma")
    if "$END" in names:
        wants.append("the end of the answer")
    if not wants:
        return ""
    return "expected " + (", ".join(wants[:-1]) + " or " + wants[-1] if len(wants) > 1 else wants[0])


def describe(style: str, expected) -> tuple[str, ...]:
    spell = _spellings(style)
    return tuple(sorted({spell.get(name, _DESCRIBED.get(name, name.lower())) for name in expected}))


def syntax_error(err: UnexpectedInput, text: str, style: str) -> ParseError:
    if isinstance(err, UnexpectedCharacters):
        start = err.pos_in_stream or 0  # always set for unexpected characters
        ch = text[start] if start < len(text) else ""
        word = text[start:start + 1]
        if ch == "\\":
            end = start + 1
            while end < len(text) and text[end].isalpha():
                end += 1
            word = text[start:max(end, start + 2)]
        allowed = err.allowed or ()
        return ParseError(f"unexpected {word!r}", text, err.line, err.column, describe(style, allowed),
                          sentence(style, allowed, text[:start], word))
    if isinstance(err, UnexpectedToken) and err.token.type != "$END":
        tok = err.token
        return ParseError(f"unexpected {str(tok)!r}", text, tok.line or 1, tok.column or 1,
                          describe(style, err.expected or ()),
                          sentence(style, err.expected or (), text[:tok.start_pos or 0], str(tok)))
    expected = getattr(err, "expected", None) or ()
    line, column = position(text, len(text.rstrip()))
    return ParseError("the answer ends too early", text, line, column, describe(style, expected),
                      sentence(style, expected, text))


if __name__ == "__main__":
    write_tables()
