"""Markdown for a pull-request comment, an issue or a CI summary (GitHub renders `$...$`).

The score, a table of the checks, then each check that is not a pass with its feedback,
diagnosis, findings and details. Every quoted string is escaped character by character: prose
gets backslash escapes for all ASCII punctuation (so no `<script>`, link, image or emphasis can
form), maths is passed as `$...$` only when it uses commands our grammar knows, and anything
multi-line goes into a fence longer than any backtick run it holds.
"""
from __future__ import annotations

import re

from ..i18n import pieces, tr
from ..report import Check, Maths, Message, Report
from ._escape import inert, one_line
from ._maths import markdown_maths_ok, split_maths
from .registry import Renderer, report_format
from .text import points

MARKS = {"pass": "✓", "fail": "✗", "error": "!", "review": "?"}
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
OUTPUT_SHOWN = 2000  # characters of student output repeated in the report, as in the text report


def md_text(text) -> str:
    """Prose as inert Markdown on one line: every ASCII punctuation character escaped."""
    return _escape_prose(one_line(text))


def _escape_prose(text: str) -> str:
    return _PUNCTUATION.sub(r"\\\1", text)


def md_inline(text, maths: bool = True) -> str:
    """One line of a sentence: LaTeX runs as `$...$` (when safe) and the prose escaped."""
    out = []
    for kind, part in split_maths(one_line(text)):
        if kind == "tex" and maths and markdown_maths_ok(part) and "|" not in part:
            out.append(f"${part}$")
        elif kind == "tex":
            out.append(md_code(part))
        else:
            out.append(_escape_prose(part))
    return "".join(out)


def md_code(text) -> str:
    """An inline code span that no backtick in `text` can close early."""
    flat = one_line(text)
    longest = max((len(m) for m in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {flat} {fence}"


def md_block(text) -> str:
    """A fenced block for multi-line text (caret contexts, printed output)."""
    body = inert(text).rstrip("\n")
    longest = max((len(m) for m in re.findall(r"`{3,}", body)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}text\n{body}\n{fence}"


def md_lines(text) -> str:
    """A sentence that may span lines: inline when one line, else a fenced block."""
    return md_block(text) if "\n" in str(text).strip("\n") else md_inline(text)


def md_name(check: Check) -> str:
    return md_maths(check.entry) if check.entry is not None else md_inline(check.name)


def md_maths(m: Maths) -> str:
    """An expression: `$...$` where the student wrote LaTeX (and it is safe), else code."""
    if m.style == "latex" and markdown_maths_ok(m.text) and "|" not in m.text:
        return f"${one_line(m.text)}$"
    return md_code(m.text)


def md_said(lang: str, message: Message) -> str:
    """A message on one line: its text escaped, its maths as `md_maths` prints it."""
    return "".join(_escape_prose(inert(p).replace("\n", " ")) if isinstance(p, str) else md_maths(p)
                   for p in pieces(lang, message))


def _said_or_text(lang: str, message: Message | None, text: str) -> str:
    # A stage that wrote text only, or a report stored before messages were data: the old way.
    return md_said(lang, message) if message is not None and "\n" not in text.strip("\n") else md_lines(text)


def check_markdown(check: Check, lang: str = "en") -> list[str]:
    """The body of one check: feedback, findings and details, each a paragraph or list item."""
    lines = [_said_or_text(lang, check.said, check.feedback), ""]
    items = [_said_or_text(lang, f.said, f.message) for f in check.findings if f.message not in check.feedback]
    said = check.said_details if len(check.said_details) == len(check.details) else (None,) * len(check.details)
    items += [_said_or_text(lang, m, d) for d, m in zip(check.details, said)]
    for text in items:
        lines.append(f"- {text}" if "\n" not in text else text)
    return lines


def render_markdown(report: Report, heading: str = "###") -> str:
    lang = report.language
    passed = sum(c.status == "pass" for c in report.checks)
    variant = f" · {md_text(tr(lang, 'variant'))} {md_text(report.variant)}" if report.variant else ""
    lines = [f"{heading} {md_text(report.exercise)}{variant} · {md_text(report.submission)}", "",
             f"**{tr(lang, 'score')}: {points(report.score)} / {points(report.max_score)}** "
             f"\\({passed} / {len(report.checks)} ✓\\)", "",
             "| | " + " | ".join(tr(lang, c) for c in ("col.check", "col.points", "col.line")) + " |",
             "| --- | --- | --- | --- |"]
    for check in report.checks:
        line = str(check.line) if check.line is not None else ""
        lines.append(f"| {MARKS[check.status]} | {md_name(check)} | "
                     f"{points(check.points)} / {points(check.max_points)} | {line} |")
    lines.append("")
    for check in report.checks:
        if check.status == "pass" and not check.details:
            continue
        where = f" \\(line {check.line}\\)" if check.line is not None else ""
        lines.append(f"{heading}# {MARKS[check.status]} {md_name(check)}{where}")
        lines.append("")
        lines += check_markdown(check, lang)
        lines.append("")
    if report.messages:
        lines += [md_lines(m) if "\n" in m else f"- {md_inline(m)}" for m in report.messages]
        lines.append("")
    if report.student_output:
        out = report.student_output
        cut = f"\n[... {len(out) - OUTPUT_SHOWN} more characters]" if len(out) > OUTPUT_SHOWN else ""
        lines += [f"{heading}# {md_text(tr(lang, 'student output'))}", "", md_block(out[:OUTPUT_SHOWN] + cut), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


@report_format("markdown", "report.md", "for a pull-request comment or CI summary: maths as $...$")
class MarkdownRenderer(Renderer):
    def render(self, report: Report) -> str:
        return render_markdown(report)
