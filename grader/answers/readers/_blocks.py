"""Where the maths of a written derivation is, and how one maths block splits into equations.

Everything here keeps offsets: hidden text is blanked with spaces (newlines kept), never cut,
so every line number a report gives is the line in the student's file.

What is never read as an answer (the author did not mean to submit it): LaTeX `%` comments,
`\\begin{comment}`, Markdown `<!-- -->` comments, fenced code blocks other than ```` ```math ````,
inline code spans, anything after `\\end{document}`, struck-out text (Markdown `~~...~~`,
`<del>`, `<s>`, `<strike>`; LaTeX `\\sout`, `\\xout`, `\\st`), and a maths block right after
a rejection phrase ("not this:", "wrong:", "crossed out", "instead of", "לא זה", "שגוי",
"במקום", ...: see `disowned`).

A block is split into equations before any `=` is looked at: at `\\\\` line breaks and `&`
columns outside matrices, and at `,` `;` `\\quad` `\\qquad` `\\text{and}` between equations.
A clause opened by `where`, `since`, `because` (in `\\text{...}` or bare) ends the equation:
what follows defines or justifies, it does not answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..braces import group_end

# Openers of maths blocks; each is closed by a plain `find`, so a thousand unclosed openers
# cost a thousand look-ups, not a backtracking regex over a megabyte each.
_ENVS = r"equation\*?|align\*?|alignat\*?|flalign\*?|eqnarray\*?|gather\*?|multline\*?|displaymath|math"
_OPENER = re.compile(r"\$\$|\\\[|\\\(|\\begin\{(" + _ENVS + r")\}(\{[0-9]+\})?|(?<!\\)\$")
# A line of prose-free maths: a derivative with ∂ (or δ) pasted from a word processor, or typed
# in plain ASCII in a .txt or an e-mail (dC/dx11 = dC/dy11*k1), and an equals sign, no $.
_UNICODE_LINE = re.compile(r"^[ \t]*(?:[-*][ \t]+)?(?:[\u2202\u03b4]|d[A-Za-z][ \t]*/[ \t]*d[A-Za-z])[^\n$]*=[^\n$]*$",
                           re.M)
_CLOSERS = {"$$": "$$", "\\[": "\\]", "\\(": "\\)", "$": "$"}
_END_DOCUMENT = re.compile(r"\\end\s*\{document\}")
_HTML_COMMENT = re.compile(r"<!--.*?(-->|\Z)", re.S)
_COMMENT_ENV = re.compile(r"\\begin\{comment\}.*?(\\end\{comment\}|\Z)", re.S)
_TEX_COMMENT = re.compile(r"(?<!\\)%[^\n]*")
# Markdown strikethrough: ~~ ... ~~ within one paragraph (GFM), and the HTML forms of it.
_STRIKE = re.compile(r"~~(?=\S)(?:(?!\n[ \t]*\n).)*?~~", re.S)
_STRIKE_HTML = re.compile(r"<(del|s|strike)(\s[^<>]*)?>.*?(</\1\s*>|\Z)", re.S | re.I)
_STRIKE_TEX = re.compile(r"\\(sout|xout|st)\s*\{")
# A phrase by which the author rejects the maths that follows it: the whole clause before a
# block ("NOT this:", "(not this: $...$)", "Wrong:", "crossed out", "$a$ instead of $b$"), in
# English and Hebrew. It must open its clause (the prose's start, a line, or after . ! ? ; ( or
# a dash), so "the first of each pair wrong:" describes and does not reject; only punctuation
# and spaces may stand between the phrase and the block.
_REJECTION = re.compile(
    r"(?:\A|[.!?;(\[\n]|\s[-\u2013\u2014]\s)[\s*_>\-]*(not\s+this(\s+one)?|wrong(\s+answer)?|incorrect|crossed[\s-]+out|"
    r"struck[\s-]+out|scratch(ed)?|instead\s+of|rather\s+than|"
    r"לא\s+זה|לא\s+נכון|שגוי(ה)?|טעות|מחוק(ה)?|במקום)"
    r"[\s:;,.\-\u2013\u2014(\[*_>]*$", re.I)
_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})[ \t]*([^\n`]*)$", re.M)
_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")
# Environments inside a block that only lay equations out: their markers are blanked, and
# their lines and columns split like the block's own.
_LAYOUT = re.compile(r"\\(begin|end)\s*\{(aligned|alignedat|gathered|split|align\*?|gather\*?|equation\*?)\}"
                     r"(\{[0-9]+\})?")
_LABELS = re.compile(r"\\(label|tag)\s*\{[^{}]*\}|\\(nonumber|notag)(?![A-Za-z])")
_TEXT_OPEN = re.compile(r"\\(text|textrm|textit|textbf|mbox|mathrm|operatorname)\s*\{")
# Words that open a clause after an answer: what follows is no part of it.
_CLAUSE = re.compile(r"^\s*[,;:(]?\s*(where|since|because|as|with|using|by|for|if|when|here|i\.e\.|e\.g\.|"
                     r"note|which|from|given)\b", re.I)
# Words that join two statements: a separator between equations.
_AND = re.compile(r"^\s*[,;]?\s*(and|or|so|hence|thus|then|therefore)\s*[,;:]?\s*$|^\s*[,;]\s*$", re.I)
_BARE_CLAUSE = re.compile(r"(?<![A-Za-z\\])(where|since|because)(?![A-Za-z])")
_SEPARATOR = re.compile(r",|;|\\qquad(?![A-Za-z])|\\quad(?![A-Za-z])")
_CASES_BEGIN = re.compile(r"\\begin\s*\{cases\*?\}")
_CASES_END = re.compile(r"\\end\s*\{cases\*?\}")
_BEGIN = re.compile(r"\\begin\s*\{")
_END = re.compile(r"\\end\s*\{")


def blank(text: str, start: int, end: int) -> str:
    """`text` with [start, end) replaced by spaces, newlines kept (line numbers stay right)."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _blank_all(text: str, pattern: re.Pattern) -> str:
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def visible(text: str, kind: str) -> tuple[str, list[tuple[str, int]]]:
    """(text with what is never an answer blanked, ```math fence bodies as (maths, offset)).

    `kind` is "tex" (LaTeX source: `%` comments anywhere) or "markdown" (fences, HTML comments,
    code spans; `%` comments only inside maths).
    """
    end = _END_DOCUMENT.search(text)
    if end:
        text = blank(text, end.end(), len(text))
    fences: list[tuple[str, int]] = []
    if kind == "tex":
        text = _blank_all(text, _COMMENT_ENV)
        text = _blank_all(text, _TEX_COMMENT)
        return _blank_struck_tex(text), fences
    text = _blank_all(text, _HTML_COMMENT)
    text = _blank_all(text, _STRIKE_HTML)
    pos = 0
    while True:
        opening = _FENCE.search(text, pos)
        if opening is None:
            break
        mark, info = opening.group(1), opening.group(2).strip().lower()
        closing = re.compile(r"^[ ]{0,3}" + re.escape(mark[0]) + "{" + str(len(mark)) + r",}[ \t]*$", re.M)
        close = closing.search(text, opening.end())
        stop = close.end() if close else len(text)
        body_end = close.start() if close else len(text)
        if info.split()[:1] == ["math"]:
            fences.append((text[opening.end():body_end], opening.end()))
        text = blank(text, opening.start(), stop)
        pos = stop
    text = _INLINE_CODE.sub(lambda m: " " * len(m.group()) if "\n" not in m.group() else m.group(), text)
    text = _blank_all(text, _STRIKE)
    return _blank_struck_tex(text), fences


def _blank_struck_tex(text: str) -> str:
    """\\sout{...}, \\xout{...}, \\st{...} (ulem, soul) blanked, braces matched in one pass each."""
    pos = 0
    while True:
        m = _STRIKE_TEX.search(text, pos)
        if m is None:
            return text
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0) if text[i - 1] != "\\" else 0
            i += 1
        text = blank(text, m.start(), i)
        pos = i


def disowned(prose: str) -> bool:
    """Whether the prose just before a maths block (from the previous block or at most 200
    characters back) rejects it ("not this:", "wrong:", ...)."""
    return bool(_REJECTION.search(prose))


def blocks(text: str, fences=()) -> list[tuple[str, int]]:
    """(maths, offset) of every maths block, in reading order; unclosed openers are skipped."""
    found, pos, unclosed = list(fences), 0, set()
    while True:
        m = _OPENER.search(text, pos)
        if m is None:
            break
        opener, env = m.group(), m.group(1)
        closer = _CLOSERS.get(opener) or f"\\end{{{env}}}"
        end = -1 if closer in unclosed else _find_closer(text, closer, m.end())
        if end < 0:
            unclosed.add(closer)
            pos = m.end()
            continue
        found.append((text[m.end():end], m.end()))
        pos = end + len(closer)
    spans = [(offset, offset + len(body)) for body, offset in found]
    for m in _UNICODE_LINE.finditer(text):
        # ∂C/∂x₁₁ = ∂C/∂y₁₁·k₁ pasted from a word processor: maths without delimiters.
        if not any(a <= m.start() < b for a, b in spans):
            found.append((m.group(), m.start()))
    return sorted(found, key=lambda block: block[1])


def _find_closer(text: str, closer: str, start: int) -> int:
    while True:
        end = text.find(closer, start)
        if end <= 0 or closer != "$" or text[end - 1] != "\\":
            return end
        start = end + 1


@dataclass
class RawEquation:
    """One equation of a block: its left side (empty for a `= ...` continuation) and right sides."""

    lhs: str
    offset: int                      # of the left side (or of the first `=`) in the file
    sides: list[tuple[str, int]] = field(default_factory=list)
    stray: str = ""                  # text after the equation that is neither an equation nor a remark


def _depth_scan(maths: str):
    """(index, char, depth) for every character; depth counts brackets and \\begin...\\end."""
    depth, i = 0, 0
    while i < len(maths):
        ch = maths[i]
        if ch == "\\":
            b = _BEGIN.match(maths, i)
            e = _END.match(maths, i) if b is None else None
            if b or e:
                close = maths.find("}", i)
                close = len(maths) - 1 if close < 0 else close
                if b:
                    depth += 1
                yield i, "\\begin" if b else "\\end", depth
                if e:
                    depth = max(0, depth - 1)
                i = close + 1
                continue
            yield i, maths[i:i + 2], depth
            i += 2
            continue
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth = max(0, depth - 1)
        yield i, ch, depth
        i += 1


def _split_top(maths: str, at) -> list[tuple[str, int]]:
    """Split at top-level positions where `at(maths, i, token)` gives a separator length (else 0)."""
    parts, begin = [], 0
    skip_to = -1
    for i, token, depth in _depth_scan(maths):
        if i < skip_to or depth != 0:
            continue
        length = at(maths, i, token)
        if length:
            parts.append((maths[begin:i], begin))
            begin = i + length
            skip_to = begin
    parts.append((maths[begin:], begin))
    return parts


def _has_top_equals(maths: str) -> bool:
    return any(token == "=" and depth == 0 for _, token, depth in _depth_scan(maths))


def _lines(maths: str) -> list[tuple[str, int]]:
    return _split_top(maths, lambda s, i, tok: 2 if tok == "\\\\" else 0)


def _columns(line: str) -> list[tuple[str, int]]:
    """An align line's equations: `A &= B & C &= D` -> `A = B`, `C = D` (offsets kept)."""
    cells = _split_top(line, lambda s, i, tok: 1 if tok == "&" else 0)
    out: list[tuple[str, int]] = []
    for cell, at in cells:
        if out and (cell.lstrip().startswith("=") or not _has_top_equals(out[-1][0])):
            text, start = out[-1]
            # Join through the blanked `&`, so the joined text's offsets stay the file's.
            out[-1] = (text + " " * (at - start - len(text)) + cell, start)
        else:
            out.append((cell, at))
    return out


def _pieces(equation_text: str) -> list[tuple[str, int]]:
    def separator(s, i, tok):
        m = _SEPARATOR.match(s, i)
        return len(m.group()) if m else 0

    return _split_top(equation_text, separator)


def _text_commands(maths: str):
    """(start, end, command, words) of every \\text{...}-like command, braces matched (a remark
    may hold maths: \\text{(only $y_{1,1}$ reads it)})."""
    for m in _TEXT_OPEN.finditer(maths):
        end = group_end(maths, m.end() - 1)
        if end is not None:
            yield m.start(), end, m.group(1), maths[m.end():end - 1]


def _inside_cases(maths: str):
    """Whether a position is inside a `cases` environment: its `\\text{if i = 1}` conditions are
    part of the formula (read by the general-formula reader), not remarks or clauses."""
    spans = []
    for m in _CASES_BEGIN.finditer(maths):
        end = _CASES_END.search(maths, m.end())
        spans.append((m.start(), end.end() if end else len(maths)))
    return lambda i: any(a <= i < b for a, b in spans)


def _remarks(maths: str) -> str:
    """Blank `\\text{...}` remarks; a clause (`\\text{where ...}`, bare `where`) blanks the rest."""
    inside = _inside_cases(maths)
    for start, end, command, words in list(_text_commands(maths)):
        if inside(start):
            continue
        if _CLAUSE.match(words):
            return blank(maths, start, len(maths))
        if _AND.match(words):
            # "A = B \\text{and} C = D": a separator between equations.
            return _remarks(maths[:start] + "," + " " * (end - start - 1) + maths[end:])
        if command in ("text", "textit", "textbf", "mbox") and (" " in words.strip() or not words.strip().isalpha()):
            maths = blank(maths, start, end)
    bare = next((m for m in _BARE_CLAUSE.finditer(maths) if not inside(m.start())), None)
    if bare:
        maths = blank(maths, bare.start(), len(maths))
    return maths


def equations(maths: str, offset: int) -> list[RawEquation]:
    """The equations of one maths block, in reading order."""
    maths = _LABELS.sub(lambda m: " " * len(m.group()), maths)
    maths = _LAYOUT.sub(lambda m: " " * len(m.group()), maths)
    found: list[RawEquation] = []
    for line, line_at in _lines(maths):
        line = _remarks(line)
        for column, col_at in _columns(line):
            for piece, piece_at in _pieces(column):
                start = offset + line_at + col_at + piece_at
                _add_piece(found, piece, start)
    return found


def _add_piece(found: list[RawEquation], piece: str, start: int) -> None:
    if not piece.strip() or piece.strip() in (".", ":"):
        return
    sides = _split_top(piece, lambda s, i, tok: 1 if tok == "=" else 0)
    if len(sides) < 2:
        if found:
            found[-1].stray += " " + piece.strip()
        else:
            found.append(RawEquation("", start, [], stray=piece.strip()))
        return
    (lhs, _), rest = sides[0], sides[1:]
    found.append(RawEquation(lhs, start, [(text, start + at) for text, at in rest]))
