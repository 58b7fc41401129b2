"""A class summary as text, Markdown, self-contained HTML (plots as inline SVG) or JSON."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: listing formats must not import the gradebook
    from ..batch.summary import ClassSummary
from .registry import output_format, register_format
from .text import points
from ..safetext import clean

SVG_WIDTH, BAR_HEIGHT = 480, 18
_MD_ACTIVE = re.compile(r"([\\`*_<>|~&!#]|(?<=\])\()")  # "](" starts a link: its "(" is escaped
_STYLE = ("body{font-family:sans-serif;max-width:52em;margin:2em auto;color:#222}"
          "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}"
          "svg text{font-size:11px}")


def _percent(rate: float) -> str:
    return f"{100 * rate:.0f}%"


def _sections(s: ClassSummary) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of every table, shared by the text, Markdown and HTML forms; every
    cell cleaned as report text is (student ids and file names are the students' data)."""
    return [(title, header, [[clean(cell) for cell in row] for row in rows]) for title, header, rows in _raw_sections(s)]


def _raw_sections(s: ClassSummary) -> list[tuple[str, list[str], list[list[str]]]]:
    who = lambda o: ", ".join(o.students)  # noqa: E731
    return [
        ("Score histogram", ["score", "students"],
         [[f"{points(b.low)}–{points(b.high)}", str(b.count)] for b in s.histogram]),
        ("Pass rate per check (lowest first)", ["check", "passed", "rate"],
         [[c.name, f"{c.passed}/{c.attempts}", _percent(c.rate)] for c in s.checks]),
        ("Most frequent misconceptions", ["misconception", "students", "who"],
         [[o.value, str(len(o.students)), who(o)] for o in s.misconceptions]),
        ("Most frequent answer notes", ["note", "students", "who"],
         [[o.value, str(len(o.students)), who(o)] for o in s.notes]),
        ("Slowest submissions", ["student", "submission", "seconds"],
         [[x.student, x.submission, f"{x.seconds:.2f}"] for x in s.slowest]),
        ("Crashing or ungradable submissions", ["student", "submission", "why"],
         [[x.student, x.submission, x.reason] for x in s.crashing]),
        ("Waiting for review (0 points until an instructor decides)", ["student", "submission", "entry", "why"],
         [[r.student, r.submission, r.check, " ".join(r.reasons)] for r in s.reviews]),
        ("Overrides (stale ones were made on a file the student has changed since: not applied)",
         ["student", "entry", "points", "state", "by", "when", "reason"],
         [[o.student, o.entry, points(o.points), o.state, o.by, o.at, o.reason] for o in s.overrides]),
        ("Identical submissions (byte-identical or hard-linked files; the grades stand)", ["students", "count"],
         [[", ".join(group), str(len(group))] for group in s.identical]),
    ]


def _headline(s: ClassSummary) -> str:
    waiting = f"; {len(s.reviews)} entries waiting for review" if s.reviews else ""
    active = sum(o.state == "active" for o in s.overrides)
    waiting += f"; {active} override(s) applied" if active else ""
    return (f"{s.students} students, {s.graded} graded; mean {points(s.mean)} / {points(s.max_score)}, "
            f"median {points(s.median)}{waiting}")


# The class pages of `grader serve` build their tables from the same sections and headline.
sections, headline = _sections, _headline


def render_text(s: ClassSummary) -> str:
    lines = [f"Class summary: {clean(s.exercise)}", _headline(s)]
    for title, _header, rows in _sections(s):
        lines += ["", f"{title}:"]
        lines += [f"  {'  '.join(row)}" for row in rows] or ["  (none)"]
    return "\n".join(lines) + "\n"


def render_markdown(s: ClassSummary) -> str:
    from ._escape import one_line

    def cell(text: str) -> str:
        # As the Markdown report escapes prose, limited to what can act inside a table cell (HTML,
        # links, emphasis, code, the cell border, entities), so ids such as "conv2d-3x3" stay legible.
        return _MD_ACTIVE.sub(r"\\\1", one_line(text))

    lines = [f"# Class summary: {cell(clean(s.exercise))}", "", _headline(s)]
    for title, header, rows in _sections(s):
        lines += ["", f"## {title}", ""]
        if not rows:
            lines.append("(none)")
            continue
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render_html(s: ClassSummary) -> str:
    html = ET.Element("html", lang="en")
    head = ET.SubElement(html, "head")
    ET.SubElement(head, "meta", charset="utf-8")
    ET.SubElement(head, "title").text = f"Class summary: {s.exercise}"
    ET.SubElement(head, "style").text = _STYLE
    body = ET.SubElement(html, "body")
    ET.SubElement(body, "h1").text = f"Class summary: {s.exercise}"
    ET.SubElement(body, "p").text = _headline(s)
    plots = {"Score histogram": _histogram_svg(s), "Pass rate per check (lowest first)": _rates_svg(s)}
    for title, header, rows in _sections(s):
        ET.SubElement(body, "h2").text = title
        if title in plots:
            body.append(plots[title])
        if not rows:
            ET.SubElement(body, "p").text = "(none)"
            continue
        table = ET.SubElement(body, "table")
        tr = ET.SubElement(table, "tr")
        for name in header:
            ET.SubElement(tr, "th").text = name
        for row in rows:
            tr = ET.SubElement(table, "tr")
            for value in row:
                ET.SubElement(tr, "td").text = value
    return "<!DOCTYPE html>\n" + ET.tostring(html, encoding="unicode", method="html") + "\n"


def _svg(height: int, label: str) -> ET.Element:
    return ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "width": str(SVG_WIDTH),
                              "height": str(height), "role": "img", "aria-label": label})


def _histogram_svg(s: ClassSummary) -> ET.Element:
    height, base = 160, 140
    svg = _svg(height, "score histogram")
    top = max((b.count for b in s.histogram), default=0) or 1
    width = SVG_WIDTH // max(len(s.histogram), 1)
    for i, b in enumerate(s.histogram):
        h = round(120 * b.count / top)
        ET.SubElement(svg, "rect", {"class": "bar", "x": str(i * width + 2), "y": str(base - h),
                                    "width": str(width - 4), "height": str(h), "fill": "#4a7ebb"})
        label = ET.SubElement(svg, "text", {"x": str(i * width + 4), "y": str(height - 4)})
        label.text = points(b.low)
        if b.count:
            count = ET.SubElement(svg, "text", {"x": str(i * width + 4), "y": str(base - h - 3)})
            count.text = str(b.count)
    return svg


def _rates_svg(s: ClassSummary) -> ET.Element:
    svg = _svg(BAR_HEIGHT * len(s.checks) + 4, "pass rate per check")
    for i, c in enumerate(s.checks):
        y = i * BAR_HEIGHT + 2
        ET.SubElement(svg, "rect", {"class": "rate", "x": "160", "y": str(y), "width": str(round(300 * c.rate)),
                                    "height": str(BAR_HEIGHT - 4), "fill": "#5a9e5a"})
        name = ET.SubElement(svg, "text", {"x": "0", "y": str(y + BAR_HEIGHT - 6)})
        name.text = c.name[:26]
        rate = ET.SubElement(svg, "text", {"x": str(164 + round(300 * c.rate)), "y": str(y + BAR_HEIGHT - 6)})
        rate.text = _percent(c.rate)
    return svg


def render_json(s: ClassSummary) -> str:
    return json.dumps(s.to_dict(), ensure_ascii=False, indent=2) + "\n"


for _name, _render, _summary in (("text", render_text, "for a terminal"),
                                 ("markdown", render_markdown, "for a course page or an issue"),
                                 ("html", render_html, "one page, plots as inline SVG"),
                                 ("json", render_json, "the summary as data, for scripts")):
    register_format("summary", _name, _summary)(_render)


def render_summary(summary: ClassSummary, fmt: str) -> str:
    """The summary in this format. Raises ValueError for an unknown format."""
    rendered: str = output_format("summary", fmt).render(summary)
    return rendered
