"""Input limits, and the linear scan that enforces them before any grammar sees the text.

The scan is deliberately dumb and iterative: 20,000 nested parentheses or a 100,000-digit
number must be refused in time proportional to the text, never by a recursion limit or by
big-integer arithmetic inside the parser.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from reference import functions

from .errors import ParseError, position
from ..braces import group_end


@dataclass(frozen=True)
class ParseLimits:
    max_chars: int = 20_000          # one entry; a full 28x28 answer entry is well under 2,000
    max_depth: int = 200             # bracket nesting; sympy recurses per level later on
    max_exponent: int = 64           # |numeric exponent|; (sum of 9 symbols)^64 is already huge
    max_number_digits: int = 50      # longer literals are typos or attacks, never answers
    max_sum_terms: int = 10_000      # terms one sum may unroll into
    max_nodes: int = 50_000          # parse-tree nodes, and expression nodes created by unrolling
    max_matrix_chars: int = 1_000_000  # a whole matrix in one string (a 28x28 answer in LaTeX)
    max_power_chain: int = 8         # a^b^c^...: each link nests the expression one level deeper


# Invisible characters that copy-paste from right-to-left documents sprinkles into maths.
_BLANKS = {"\u00a0", "\u2009", "\u200a", "\u202f", "\u3000"}
_SUBSTITUTES = {"\u2212": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u2013": "-"}
_UNUSUAL = re.compile(r"[^\x20-\x7e\t\n\r]")
_BRACKETS = re.compile(r"[()\[\]{}]")
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")": "(", "]": "[", "}": "{"}
_DIGITS = re.compile(r"[0-9]+")

# LaTeX commands the grammar knows; anything else (\input, \def, \write18, ...) is refused by
# name here, which is a better message than "unexpected character".
# The functions' commands (\sigma, \tanh, ...) come from the catalogue of maths functions.
LATEX_COMMANDS = frozenset("""
    frac dfrac tfrac cdot times div left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr
    Biggl Biggr sum partial delta mathcal mathrm operatorname text textrm
    begin end displaystyle textstyle limits nolimits quad qquad hline
""".split()) | frozenset("mathbb mathds mathbbm gt prime".split()) | frozenset(["pi"]) \
    | functions.latex_commands()  # the step \mathbb{1}[z > 0]; GELU's \pi
_COMMAND = re.compile(r"\\([A-Za-z]+|.?)", re.S)


def normalise(text: str, limits: ParseLimits, max_chars: int | None = None) -> str:
    """`text` with look-alike characters replaced one-for-one (columns stay right).

    Raises ParseError for text that is too long, empty, or holds control characters.
    """
    if not isinstance(text, str):
        raise ParseError(f"expected text, got {type(text).__name__}", "", 1, 1)
    limit = limits.max_chars if max_chars is None else max_chars
    if len(text) > limit:
        shown = text[:200]
        raise ParseError(f"the answer is too long ({len(text):,} characters; the limit is {limit:,})",
                         shown, *position(shown, min(len(shown), limit)))
    if not _UNUSUAL.search(text):
        # Printable ASCII and line breaks (most answers): nothing to replace.
        if not text.strip():
            raise ParseError("the answer is empty", text, 1, 1)
        return text
    out = []
    for i, ch in enumerate(text):
        if ch in _SUBSTITUTES:
            out.append(_SUBSTITUTES[ch])
            continue
        cat = unicodedata.category(ch)
        if cat == "Cf" or ch in _BLANKS:
            out.append(" ")  # bidi marks, zero-width joiners: layout, not maths
        elif cat == "Cc" and ch not in "\t\n\r":
            raise ParseError(f"control character U+{ord(ch):04X} in the answer", text, *position(text, i))
        else:
            out.append(ch)
    cleaned = "".join(out)
    if not cleaned.strip():
        raise ParseError("the answer is empty", text, 1, 1)
    return cleaned


# Typography around a letter (bold vectors, \vec) changes nothing in the maths: blanked, braces
# and all, so the columns of every error still match the student's text.
_WRAPPERS = re.compile(r"\\(mathbf|boldsymbol|bm|vec|mathit|mathnormal)\s*\{")
_REMARK = re.compile(r"\\(text|textrm|textit|mbox)\s*\{([^{}]*)\}")


_SUBSCRIPTS = re.compile("([A-Za-z])([\u2080-\u2089]+)")
_SUBSCRIPT_ANY = re.compile("[\u2080-\u2089\u00b2\u00b3\u00b9\u2070\u2074-\u207b]")
# y₁² from a word processor: superscript digits (and minus) are a power.
_SUPERSCRIPTS = re.compile("[\u00b2\u00b3\u00b9\u2070\u2074-\u2079\u207b]+")
_SUPERSCRIPT_DIGITS = str.maketrans("\u00b2\u00b3\u00b9\u2070\u2074\u2075\u2076\u2077\u2078\u2079\u207b",
                                    "2310456789-")
_SUBSCRIPT_DIGITS = str.maketrans("\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089", "0123456789")
_BRACED_DIFF = re.compile(r"(\\partial|\\delta|\u2202)\s*\{")


_VULGAR = {"\u00bd": "1/2", "\u00bc": "1/4", "\u00be": "3/4", "\u2153": "1/3", "\u2154": "2/3", "\u2155": "1/5",
           "\u2159": "1/6", "\u215b": "1/8"}
_VULGAR_ANY = re.compile("[" + "".join(_VULGAR) + "]")
# TeX's \frac12 and \tfrac14: one-character arguments without braces.
_FRAC_SHORT = re.compile(r"\\([dt]?frac)\s*([0-9A-Za-z])\s*([0-9A-Za-z])")


def unicode_subscripts(text: str) -> str:
    """x₁₁ -> x_{11}, k₁ -> k_{1}, ½ -> (1/2) (maths pasted from a word processor), and TeX's
    `\\frac12` -> `\\frac{1}{2}`. Like `operator_derivatives`, it changes the length of a text:
    an error in such an answer points into the rewritten text."""
    if "frac" in text:
        text = _FRAC_SHORT.sub(lambda m: f"\\{m.group(1)}{{{m.group(2)}}}{{{m.group(3)}}}", text)
    if _VULGAR_ANY.search(text):
        text = _VULGAR_ANY.sub(lambda m: f"({_VULGAR[m.group()]})", text)
    if not _SUBSCRIPT_ANY.search(text):
        return text
    text = _SUPERSCRIPTS.sub(lambda m: f"^{{{m.group().translate(_SUPERSCRIPT_DIGITS)}}}", text)
    return _SUBSCRIPTS.sub(lambda m: f"{m.group(1)}_{{{m.group(2).translate(_SUBSCRIPT_DIGITS)}}}", text)


# \partial_{y_{1,1}} C and \nabla_{x} C: the derivative written as an operator with a subscript.
_SUB = r"(?:_\s*(?:\{[^{}]*\}|[0-9A-Za-z]))?"
_OPERATOR_DERIVATIVE = re.compile(r"\\(partial|nabla)\s*_\s*(?:\{\s*([A-Za-z])\s*(" + _SUB + r")\s*\}|([A-Za-z]))"
                                  r"\s*(\\mathcal\s*\{\s*[A-Za-z]\s*\}|\\ell(?![A-Za-z])|[A-Za-z])(?![A-Za-z_])")


def operator_derivatives(text: str) -> str:
    """`\\partial_{y_{1,1}} C` and `\\nabla_{x} C` -> `\\frac{\\partial C}{\\partial y_{1,1}}`: the same
    derivative, in the one spelling the grammar reads. Changes the length of the text, as
    `unicode_subscripts` does."""
    if "_" not in text or ("\\partial" not in text and "\\nabla" not in text):
        return text
    return _OPERATOR_DERIVATIVE.sub(
        lambda m: f"\\frac{{\\partial {m.group(5)}}}{{\\partial {m.group(2) or m.group(4)}{m.group(3) or ''}}}", text)


def upstream_shorthands(text: str, notation) -> str:
    """`dy_{1,2}`, `dy_{11}`, `dy_11` (quick notes, PrairieLearn boxes, `dy₁₁` once subscripts are
    read) and `dC/dy_11`, `∂C/∂y_11` -> `\\frac{\\partial C}{\\partial y_{...}}`: the given upstream
    gradient in the one spelling the grammar reads. Changes the length, as `unicode_subscripts` does."""
    up = notation.upstream
    if up is None or "_" not in text or up.upstream_of is None:
        return text
    letter = re.escape(notation[up.upstream_of].latex)
    loss = notation.loss

    def frac(top: str, sub: str) -> str:
        return f"\\frac{{\\partial {top}}}{{\\partial {notation[up.upstream_of].latex}_{{{sub}}}}}"

    text = re.sub(rf"(?<![A-Za-z\\])(?:d|\u2202)([A-Za-z])\s*/\s*(?:d|\u2202){letter}_([0-9]+)(?![0-9])",
                  lambda m: frac(m.group(1), m.group(2)), text)

    def shorthand(m: re.Match) -> str:
        if text[max(0, m.start() - 8):m.start()].rstrip().endswith("/"):
            return m.group()  # dC / dy_{1,1}: the grammar reads the fraction itself
        return frac(loss, m.group(1) or m.group(2))

    return re.sub(rf"(?<![A-Za-z\\{{])d{letter}_(?:\{{([^{{}}]*)\}}|([0-9]+)(?![0-9]))", shorthand, text)


_CASES = re.compile(r"\\begin\s*\{cases\}(.*?)\\end\s*\{cases\}", re.S)
_CONDITION = re.compile(r"^(.+?)\s*(>|<|\\gt(?![A-Za-z])|\\lt(?![A-Za-z])|\\geq?(?![A-Za-z])|\\leq?(?![A-Za-z])|\u2265|\u2264)\s*(.+)$",
                        re.S)
_OTHERWISE = re.compile(r"^(\\text\s*\{\s*)?(otherwise|else|elsewhere)\s*\}?$", re.I)
_IF = re.compile(r"^(\\text\s*\{\s*(if|for)\s*\}|\\(?:quad|qquad)|if|for|,|\s)+", re.I)
_STRICT = {">": ">", "\\gt": ">", "<": "<", "\\lt": "<", "\\ge": ">=", "\\geq": ">=", "\u2265": ">=",
           "\\le": "<=", "\\leq": "<=", "\u2264": "<="}


def _top_split(text: str, sep: str) -> list[str]:
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


def cases_on_values(text: str) -> str:
    """`\\begin{cases} a & z > 0 \\\\ b & z \\le 0 \\end{cases}` (ReLU's derivative as course notes write it)
    -> `a 1[z > 0] + b (1 - 1[z > 0])`, exactly, when the two conditions split every value of z
    between them (`>`/`\\le`, `<`/`\\ge`, either with `otherwise`). Other cases are left to the grammar,
    which refuses them. Changes the length, as `unicode_subscripts` does."""
    if "cases" not in text:
        return text

    def indicator(z: str, op: str) -> str:
        step = f"\\mathbb{{1}}\\left[{z} > 0\\right]" if op in (">", "<=") else f"\\mathbb{{1}}\\left[-\\left({z}\\right) > 0\\right]"
        return step if op in (">", "<") else f"\\left(1 - {step}\\right)"

    def rewrite(m: re.Match) -> str:
        rows = [r for r in _top_split(m.group(1), "\\\\") if r.strip()]
        if len(rows) != 2:
            return m.group()
        cells = [_top_split(r, "&") for r in rows]
        if any(len(c) != 2 for c in cells):
            return m.group()
        conditions: list[tuple[str, str] | None] = []
        for _value, cond in cells:
            cond = _IF.sub("", cond.strip()).strip().rstrip(".,;").strip()
            if _OTHERWISE.match(cond):
                conditions.append(None)
                continue
            c = _CONDITION.match(cond)
            if c is None:
                return m.group()
            left, op, right = c.group(1).strip(), _STRICT[c.group(2)], c.group(3).strip()
            z = left if right == "0" else f"{left} - \\left({right}\\right)"
            conditions.append((z, op))
        first, second = conditions
        if first is None:
            return m.group()
        complement = {">": "<=", "<=": ">", "<": ">=", ">=": "<"}
        if second is not None and (second[0] != first[0] or second[1] != complement[first[1]]):
            return m.group()
        z, op = first
        a, b = cells[0][0].strip(), cells[1][0].strip()
        return (f"\\left(\\left({a}\\right) {indicator(z, op)} + \\left({b}\\right) "
                f"{indicator(z, complement[op])}\\right)")

    return _CASES.sub(rewrite, text)


def unwrap_typography(text: str) -> str:
    """`\\mathbf{x}_{1,1}` -> `x_{1,1}`, `\\ell` -> `l`, `\\text{ (by symmetry)}` -> spaces; same length."""
    if "\\" not in text and "\u2202" not in text:
        return text
    out = list(text)
    for m in _WRAPPERS.finditer(text):
        end = group_end(text, m.end() - 1)
        if end is not None:
            out[m.start():m.end()] = " " * (m.end() - m.start())
            out[end - 1] = " "
    for m in _REMARK.finditer(text):
        words = m.group(2).strip()
        if not words.isalpha() or not words:  # \text{relu} names a function; a remark has spaces
            out[m.start():m.end()] = " " * (m.end() - m.start())
    for m in re.finditer(r"\\ell(?![A-Za-z])", text):
        out[m.start():m.end()] = "   l"
    for m in _BRACED_DIFF.finditer(text):
        # \partial{C}, \partial{y_{1,1}}: the braces only group what \partial applies to.
        end = group_end(text, m.end() - 1)
        if end is not None:
            out[m.end() - 1] = out[end - 1] = " "
    return "".join(out)


def scan(text: str, limits: ParseLimits, style: str) -> None:
    """Refuse over-long numbers, unbalanced or too deep brackets and unknown LaTeX commands."""
    for m in _DIGITS.finditer(text):
        if len(m.group()) > limits.max_number_digits:
            raise ParseError(f"a number with {len(m.group()):,} digits (the limit is {limits.max_number_digits})",
                             text, *position(text, m.start()))
    stack: list[tuple[str, int]] = []
    for m in _BRACKETS.finditer(text):
        i, ch = m.start(), m.group()
        if ch in _OPEN:
            stack.append((ch, i))
            if len(stack) > limits.max_depth:
                raise ParseError(f"brackets nested more than {limits.max_depth} deep", text, *position(text, i))
        elif ch in _CLOSE:
            if not stack:
                raise ParseError(f"unbalanced {ch!r}: nothing to close", text, *position(text, i))
            opener, at = stack.pop()
            if _CLOSE[ch] != opener:
                raise ParseError(f"{ch!r} closes the {opener!r} at column {position(text, at)[1]}",
                                 text, *position(text, i), expected=(repr(_OPEN[opener]),), hint=f"expected {_OPEN[opener]!r}")
    if stack:
        opener, at = stack[-1]
        raise ParseError(f"unbalanced {opener!r}: never closed", text, *position(text, at),
                         expected=(repr(_OPEN[opener]),), hint=f"expected {_OPEN[opener]!r}")
    if style == "latex":
        for m in _COMMAND.finditer(text):
            name = m.group(1)
            if name and (name[0].isalpha() and name not in LATEX_COMMANDS):
                raise ParseError(f"unsupported LaTeX command \\{name}", text, *position(text, m.start()))
            if not name:
                raise ParseError("a lone backslash", text, *position(text, m.start()))
