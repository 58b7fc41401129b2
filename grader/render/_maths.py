"""Maths inside report sentences: find the LaTeX, and show it as MathML or as GitHub maths.

Feedback sentences are prose with LaTeX in the student's notation where the student wrote LaTeX
("\\frac{\\partial C}{\\partial x_{2,1}} is right"). `split_maths` cuts a sentence into prose
and LaTeX runs. For HTML a run is read back with our own grammar (the parsers read what our
printers write; never sympy's parser, never eval) and printed with sympy's MathML printer; a run
that does not read back (a garbled answer quoted as written) is shown as literal code. For
Markdown a run becomes `$...$` only when it uses nothing but commands our grammar knows.
"""
from __future__ import annotations

import html.entities
import re
import xml.etree.ElementTree as ET
from functools import lru_cache

from ..answers.braces import group_end

_TOKEN = re.compile(r"""
    (?P<cmd>\\(?:[A-Za-z]+|[,;:!\ ]))
  | (?P<sub>[_^])
  | (?P<word>[A-Za-z]{2,})
  | (?P<letter>[A-Za-z])
  | (?P<num>[0-9]+(?:\.[0-9]+)?)
  | (?P<op>[-+*/=()\[\]|'])
  | (?P<space>[ \t]+)
""", re.X)
_MATHS_KINDS = {"cmd", "sub", "letter", "num", "op", "space", "group"}
_MAX_RUN = 2000  # longer runs are shown as code: reading them back is not worth the time


def _tokens(text: str):
    """(kind, text) pairs; a brace group (balanced) is one token, an unbalanced brace is 'other'."""
    i = 0
    while i < len(text):
        if text[i] == "{":
            end = group_end(text, i)
            if end is not None:
                yield "group", text[i:end]
                i = end
                continue
            yield "other", "{"
            i += 1
            continue
        m = _TOKEN.match(text, i)
        if m:
            yield m.lastgroup, m.group()
            i = m.end()
        else:
            yield "other", text[i]
            i += 1


def split_maths(text: str) -> list[tuple[str, str]]:
    """[("text", prose) | ("tex", latex), ...] whose concatenation is `text`.

    A run counts as LaTeX only if it holds a command or a sub/superscript, so plain notation
    such as dy[1,1]*k[2] stays prose.
    """
    parts: list[tuple[str, str]] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        chunk = "".join(t for _, t in run)
        if chunk and any(k in ("cmd", "sub") for k, _ in run):
            lead, core, tail = _trim(chunk)
            _add(parts, "text", lead)
            _add(parts, "tex", core)
            _add(parts, "text", tail)
        else:
            _add(parts, "text", chunk)
        run.clear()

    for kind, token in _tokens(text):
        if kind == "sub" and (not run or run[-1][0] == "space"):
            kind = "other"  # grad_X, learning_rate: an identifier of code, not a subscript
        if kind in _MATHS_KINDS:
            run.append((kind, token))
        else:
            flush()
            _add(parts, "text", token)
    flush()
    return parts


def _trim(chunk: str) -> tuple[str, str, str]:
    """(prose before, maths, prose after): spaces, dangling operators and brackets that do not
    pair up inside the run belong to the sentence around it ("(line 89)", "k_1: ...")."""
    start, end = 0, len(chunk)

    def unbalanced(text: str, opener: str, closer: str) -> bool:
        return text.count(opener) != text.count(closer)

    changed = True
    while changed and start < end:
        changed = False
        core = chunk[start:end]
        if core[0] in " \t+-*/=|')]" or (core[0] in "([" and unbalanced(core, core[0], ")]"["([".index(core[0])])):
            start, changed = start + 1, True
        elif re.match(r"[A-Za-z][ \t]", core):  # "is a \\frac..": a one-letter word of the sentence
            start, changed = start + 1, True
        elif re.search(r"[ \t][A-Za-z]$", core):
            end, changed = end - 1, True
        elif core[-1] in " \t+-*/=|([" or (core[-1] in ")]" and unbalanced(core, "(["[")]".index(core[-1])], core[-1])):
            end, changed = end - 1, True
    return chunk[:start], chunk[start:end], chunk[end:]


def _add(parts: list, kind: str, text: str) -> None:
    if not text:
        return
    if parts and parts[-1][0] == kind:
        parts[-1] = (kind, parts[-1][1] + text)
    else:
        parts.append((kind, text))


def markdown_maths_ok(tex: str) -> bool:
    """Whether `tex` may go to a Markdown renderer's maths engine as `$...$`: only the commands
    our grammar knows, balanced braces, no dollar, backtick or newline to break out."""
    # Imported here: grader.answers.parsing loads sympy and lark, which grading code must not pay for.
    from ..answers.parsing.limits import LATEX_COMMANDS

    if len(tex) > _MAX_RUN or any(c in tex for c in "$`\n\r<>&"):
        return False
    commands = re.findall(r"\\([A-Za-z]+)", tex)
    return all(c in LATEX_COMMANDS for c in commands) and tex.count("{") == tex.count("}")


def mathml(tex: str, notation) -> ET.Element | None:
    """`tex` as a MathML <math> element in `notation`, or None when it does not read back."""
    if notation is None or len(tex) > _MAX_RUN:
        return None
    markup = _mathml_markup(tex, notation)
    try:
        return None if markup is None else ET.fromstring(markup)
    except ET.ParseError:  # an entity sympy writes that we do not map: show the LaTeX instead
        return None


@lru_cache(maxsize=4096)
def _mathml_markup(tex: str, notation) -> str | None:
    # Cached as text: a 28x28 report names the same few hundred entries in many sentences.
    from ..answers.parsing import ParseError, parse_derivative_target, parse_with_style
    from ..answers.parsing.printer import to_latex

    # Only text our own printer would write for what it reads back is shown as MathML: sympy
    # simplifies while building (\frac{k_2}{k_2} becomes 1), and a quote must show what was
    # written, so anything else stays literal code.
    body = None
    try:
        found = parse_derivative_target(tex, notation)
        # A whole array (dC/dW) has no entry to print; it is read as an expression below.
        written = "" if found.index is None else \
            f"\\frac{{\\partial {notation.loss}}}{{\\partial {found.array.tex(found.index)}}}"
        if found.index is not None and _squash(written) == _squash(tex):
            body = _derivative(notation.loss, _entry_markup(found.array.symbol(found.index), notation))
    except ParseError:
        pass
    if body is None:
        try:
            expr, _ = parse_with_style(tex, notation, "latex", allow_outputs=True)
        except ParseError:
            return None
        if _squash(to_latex(expr, notation)) != _squash(tex):
            return None
        body = _printer(notation).doprint(expr)
    return f'<math display="inline" dir="ltr">{_named_entities_to_chars(body)}</math>'


def _squash(tex: str) -> str:
    return "".join(tex.split())


def _derivative(loss: str, entry: str) -> str:
    return f"<mfrac><mrow><mo>∂</mo><mi>{loss}</mi></mrow><mrow><mo>∂</mo>{entry}</mrow></mfrac>"


def _entry_markup(symbol, notation) -> str:
    return _named_entities_to_chars(_printer(notation).doprint(symbol))


@lru_cache(maxsize=16)
def _printer(notation):
    from sympy.printing.mathml import MathMLPresentationPrinter

    class NotationMathMLPrinter(MathMLPresentationPrinter):
        """sympy's MathML with entries as the statement writes them: x_{2,1}, dC/dy_{1,1}."""

        def _print_Symbol(self, sym, style="plain"):
            found = notation.entry(sym)
            if found is None:
                return super()._print_Symbol(sym, style)
            array, index = notation.written(found)
            entry = self.dom.createElement("msub")
            letter = self.dom.createElement("mi")
            letter.appendChild(self.dom.createTextNode(array.latex or array.letter))
            sub = self.dom.createElement("mn")
            sub.appendChild(self.dom.createTextNode(",".join(map(str, index))))
            entry.appendChild(letter)
            entry.appendChild(sub)
            if array.upstream_of is None:
                return entry
            frac = self.dom.createElement("mfrac")
            for parts in ((notation.loss,), (entry,)):
                row = self.dom.createElement("mrow")
                d = self.dom.createElement("mo")
                d.appendChild(self.dom.createTextNode("∂"))
                row.appendChild(d)
                for part in parts:
                    if isinstance(part, str):
                        node = self.dom.createElement("mi")
                        node.appendChild(self.dom.createTextNode(part))
                        part = node
                    row.appendChild(part)
                frac.appendChild(row)
            return frac

        _print_Dummy = _print_Symbol

    return NotationMathMLPrinter()


_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")


def _named_entities_to_chars(markup: str) -> str:
    # sympy writes HTML entities such as &InvisibleTimes; that XML does not define.
    def char(m: re.Match) -> str:
        value = html.entities.html5.get(m.group(1) + ";")
        if value is None or value in "<>&":
            return m.group()
        return value
    return _ENTITY.sub(char, markup)


def expression_mathml(expr, notation) -> ET.Element | None:
    """A sympy expression in `notation` as a MathML <math> element (entries written as the
    statement writes them), or None when the printer writes an entity we do not map."""
    markup = f'<math display="inline" dir="ltr">{_named_entities_to_chars(_printer(notation).doprint(expr))}</math>'
    try:
        return ET.fromstring(markup)
    except ET.ParseError:
        return None
