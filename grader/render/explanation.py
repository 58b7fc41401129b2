"""A worked solution (`grader explain`) as text, Markdown or LaTeX, in any language.

Prose comes from grader/i18n.py; its maths fields are written in the format's notation (plain
for text, LaTeX between `$` otherwise) and, in right-to-left languages, isolated so that the
maths stays left-to-right inside the Hebrew sentence. Equations are display maths of their own
(`$$...$$`, `\\[...\\]`): the form `grader grade` reads back as a derivation.
"""
from __future__ import annotations

from ..explain.model import Equation, Explanation, Maths, Prose
from ..i18n import RTL, tr
from .registry import output_format, register_format



class _Renderer:
    def maths(self, m: Maths) -> str:
        return f"${m.tex}$"

    def field(self, value) -> str:
        return self.maths(value) if isinstance(value, Maths) else str(value)

    def prose(self, lang: str, prose: Prose) -> str:
        return tr(lang, prose.key, **{k: self.field(v) for k, v in prose.fields})

    def equation(self, eq: Equation) -> str:
        return "$$" + " = ".join(side.tex for side in eq.sides) + "$$"

    def heading(self, text: str, level: int) -> str:
        return "#" * level + " " + text

    def document(self, lang: str, parts: list[str]) -> str:
        return "\n\n".join(parts) + "\n"


class _Text(_Renderer):
    def maths(self, m: Maths) -> str:
        return m.plain

    def equation(self, eq: Equation) -> str:
        return "    " + " = ".join(side.plain for side in eq.sides)

    def heading(self, text: str, level: int) -> str:
        return f"{text}\n{('=' if level == 1 else '-') * len(text)}"


_TEX_SPECIALS = {c: "\\" + c for c in "&%$#_{}"} | {"~": "\\textasciitilde{}", "^": "\\textasciicircum{}",
                                                       "\\": "\\textbackslash{}"}


class _Latex(_Renderer):
    def field(self, value) -> str:
        # Words (a title, an op's name) are text, not LaTeX: their special characters are escaped.
        return self.maths(value) if isinstance(value, Maths) else "".join(_TEX_SPECIALS.get(c, c) for c in str(value))

    def prose(self, lang: str, prose: Prose) -> str:
        if lang not in RTL:
            return super().prose(lang, prose)
        # In XeLaTeX with polyglossia, maths is left-to-right by itself and Latin words are set
        # with \LR; the Unicode isolates that plain text needs would only be missing glyphs.
        fields = {k: self.field(v) if isinstance(v, Maths) else f"\\LR{{{self.field(v)}}}" for k, v in prose.fields}
        return tr(lang, prose.key, **fields).replace("\u2068", "").replace("\u2069", "")

    def equation(self, eq: Equation) -> str:
        return "\\[\n" + "\n= ".join(side.tex for side in eq.sides) + "\n\\]"

    def heading(self, text: str, level: int) -> str:
        return ("\\section*{" if level == 1 else "\\subsection*{") + text + "}"

    def document(self, lang: str, parts: list[str]) -> str:
        preamble = ["\\documentclass{article}", "\\usepackage{amsmath,amssymb}"]
        if lang in RTL:
            # XeLaTeX or LuaLaTeX: Hebrew prose right-to-left, maths stays left-to-right.
            preamble += ["\\usepackage{polyglossia}", "\\setmainlanguage{hebrew}", "\\setotherlanguage{english}"]
        body = "\n\n".join(parts)
        return "\n".join(preamble) + "\n\\begin{document}\n\n" + body + "\n\n\\end{document}\n"


def render_explanation(explanation: Explanation, fmt: str = "markdown", lang: str = "en") -> str:
    """The worked solution in `fmt` (text, markdown, latex). Raises ValueError for another format."""
    rendered: str = output_format("explain", fmt).render(explanation, lang)
    return rendered


@register_format("explain", "text", "plain text, maths in the plain notation answers use")
def _as_text(explanation: Explanation, lang: str) -> str:
    return _render(_Text(), explanation, lang)


@register_format("explain", "markdown", "Markdown with $...$ maths: the form `grader grade` reads back")
def _as_markdown(explanation: Explanation, lang: str) -> str:
    return _render(_Renderer(), explanation, lang)


@register_format("explain", "latex", "a LaTeX document")
def _as_latex(explanation: Explanation, lang: str) -> str:
    return _render(_Latex(), explanation, lang)


def _render(r: _Renderer, explanation: Explanation, lang: str) -> str:
    parts = [r.heading(r.prose(lang, Prose("xp.title", (("title", explanation.title),))), 1)]
    if explanation.variant is not None:
        parts.append(r.prose(lang, Prose("xp.variant", (("variant", explanation.variant),
                                                         ("values", explanation.variant_values)))))
    for section in explanation.sections:
        parts.append(r.heading(r.prose(lang, section.heading), 2))
        for item in section.items:
            parts.append(r.equation(item) if isinstance(item, Equation) else r.prose(lang, item))
    return r.document(lang, parts)
