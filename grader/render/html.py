"""One self-contained HTML page: no network, no JavaScript, maths as MathML, readable on a phone.

The page is an `xml.etree` tree serialised once, so student text only ever becomes text nodes
and attribute values that the serialiser escapes; nothing is concatenated into markup. Each
matrix target with per-entry checks is drawn as a grid coloured by entry status (with a mark in
every cell, so colour is never the only cue) whose cells link to the entry's check, where its
feedback, findings and details stand. Right-to-left languages get `dir="rtl"` on the page while
maths, code and the grids stay left-to-right.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from ..i18n import RTL, pieces, tr
from ..report import Check, Maths, Message, Report
from ._escape import inert, one_line
from ._maths import mathml, split_maths
from .markdown import MARKS, OUTPUT_SHOWN
from .registry import Renderer, report_format
from .text import points

_STATUS_WORDS = {"pass": "right", "fail": "wrong", "error": "unreadable or crashed",
                 "review": "flagged for your instructor"}

STYLE = """
:root { color-scheme: light; --pass: #d8f3dc; --pass-ink: #1b5e20; --fail: #ffd6d6; --fail-ink: #9b1c1c;
  --error: #fff0c2; --error-ink: #7a4f00; --review: #e8dcff; --review-ink: #4b2a8a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 0;
  color: #1f2328; background: #fff; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.25rem; margin: 0 0 .25rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
.score { font-size: 1.5rem; font-weight: 700; margin: .25rem 0; }
.bar { height: .6rem; background: var(--fail); border-radius: .3rem; overflow: hidden; }
.bar > span { display: block; height: 100%; background: var(--pass-ink); }
.grid-wrap { overflow-x: auto; }
table.grid { border-collapse: collapse; margin: .25rem 0 1rem; }
table.grid td { border: 1px solid var(--line); padding: 0; text-align: center; min-width: 2.6rem; }
table.grid td a, table.grid td > span { display: block; padding: .35rem .3rem; color: inherit; text-decoration: none; }
table.grid td small { display: block; font-size: .7rem; opacity: .8; }
td.pass, article.pass { background: var(--pass); color: var(--pass-ink); }
td.fail, article.fail { background: var(--fail); color: var(--fail-ink); }
td.error, article.error { background: var(--error); color: var(--error-ink); }
td.review, article.review { background: var(--review); color: var(--review-ink); }
td.none { background: #f6f8fa; color: #57606a; }
table.checks { border-collapse: collapse; width: 100%; }
table.checks th, table.checks td { border-bottom: 1px solid var(--line); padding: .3rem; text-align: start; }
article { border-radius: .4rem; padding: .6rem .8rem; margin: .6rem 0; overflow-wrap: anywhere; }
article h3 { font-size: 1rem; margin: 0 0 .3rem; }
article p, article ul { margin: .3rem 0; }
.pts, .line { font-weight: 400; font-size: .9rem; opacity: .85; }
.findings li { font-weight: 600; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f8fa; color: #1f2328; padding: .5rem;
  border-radius: .3rem; margin: .3rem 0; font-size: .85rem; }
code { font-size: .9em; overflow-wrap: anywhere; }
math { font-size: 1.1em; }
table.checks math { font-size: 1.25em; }
@media (max-width: 30rem) { body { font-size: 15px; } main { padding: .6rem; } }
"""


class _Builder:
    """Appends text, maths and elements to an ElementTree element in document order."""

    def __init__(self, notation) -> None:
        self.notation = notation

    @staticmethod
    def text(parent: ET.Element, text: str) -> None:
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + text
        else:
            parent.text = (parent.text or "") + text

    def sentence(self, parent: ET.Element, text) -> None:
        """A sentence with its LaTeX as MathML (or literal code when it does not read back)."""
        if "\n" in str(text).strip("\n"):
            ET.SubElement(parent, "pre", dir="ltr").text = inert(text).rstrip("\n")
            return
        for kind, part in split_maths(one_line(text)):
            if kind == "text":
                self.text(parent, part)
                continue
            maths = mathml(part, self.notation)
            if maths is None:
                ET.SubElement(parent, "code", dir="ltr").text = part
            else:
                parent.append(maths)


    def maths(self, parent: ET.Element, m: Maths) -> None:
        """An expression as MathML (what was read, printed in the statement's notation; the text
        as written is its alttext), or as literal code when there is nothing to read back."""
        found = mathml(m.tex, self.notation) if m.tex else None
        if found is None:
            ET.SubElement(parent, "code", dir="ltr").text = m.text
            return
        found.set("alttext", one_line(m.text))
        parent.append(found)

    def said(self, parent: ET.Element, lang: str, message: Message) -> None:
        """A message: its text runs as text, its maths as maths; no sentence is taken apart."""
        for piece in pieces(lang, message):
            if isinstance(piece, str):
                self.text(parent, inert(piece).replace("\n", " "))
            else:
                self.maths(parent, piece)

    def name(self, parent: ET.Element, check: Check) -> None:
        if check.entry is not None:
            self.maths(parent, check.entry)
        else:
            self.sentence(parent, check.name)


def render_html(report: Report, exercise=None) -> str:
    lang = report.language
    notation = exercise.notation if exercise is not None else None
    build = _Builder(notation)
    root = ET.Element("html", lang=lang, dir="rtl" if lang in RTL else "ltr")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "meta", charset="utf-8")
    ET.SubElement(head, "meta", name="viewport", content="width=device-width, initial-scale=1")
    ET.SubElement(head, "title").text = f"{one_line(report.exercise)} · {one_line(report.submission)}"
    ET.SubElement(head, "style").text = STYLE
    main = ET.SubElement(ET.SubElement(root, "body"), "main")

    header = ET.SubElement(main, "header")
    ET.SubElement(header, "h1").text = f"{one_line(report.exercise)} · {one_line(report.submission)}"
    if report.variant:  # a student checks they were graded on their own variant, not a classmate's
        variant = ET.SubElement(header, "p", {"class": "variant", "id": "variant"})
        variant.text = f"{tr(lang, 'variant')}: "
        _ltr(variant, one_line(report.variant))
    score = ET.SubElement(header, "p", {"class": "score", "id": "score"})
    score.text = f"{tr(lang, 'score')}: "
    _ltr(score, f"{points(report.score)} / {points(report.max_score)}")
    share = 0 if report.max_score <= 0 else max(0.0, min(1.0, report.score / report.max_score))
    bar = ET.SubElement(header, "div", {"class": "bar", "role": "img",
                                        "aria-label": f"{round(100 * share)}%"})
    ET.SubElement(bar, "span", style=f"width: {100 * share:.1f}%")

    # A right entry with nothing more to say is shown in its grid and the table only: a 28x28
    # report would otherwise be 784 green boxes around the few entries a student must read.
    anchors = {id(c): f"check-{n}" for n, c in enumerate(report.checks, 1) if _has_article(c)}
    _grids(main, report, exercise, anchors)
    _table(main, report, build, anchors)
    for check in report.checks:
        if id(check) in anchors:
            _article(main, check, build, anchors[id(check)], lang)
    if report.messages:
        items = ET.SubElement(main, "ul", {"class": "messages"})
        for message in report.messages:
            build.sentence(ET.SubElement(items, "li"), message)
    if report.student_output:
        out = report.student_output
        cut = f"\n[... {len(out) - OUTPUT_SHOWN} more characters]" if len(out) > OUTPUT_SHOWN else ""
        ET.SubElement(main, "h2").text = tr(lang, "student output")
        ET.SubElement(main, "pre", {"dir": "ltr", "class": "output"}).text = inert(out[:OUTPUT_SHOWN]) + cut
    return "<!DOCTYPE html>\n" + ET.tostring(root, encoding="unicode", method="html") + "\n"


def _grids(main: ET.Element, report: Report, exercise, anchors: dict) -> None:
    """One grid per target whose checks are per entry (written 1-based indices)."""
    by_target: dict[str, dict[tuple[int, ...], Check]] = {}
    for check in report.checks:
        if check.target is not None and check.index is not None:
            by_target.setdefault(check.target, {})[tuple(check.index)] = check
    loss = exercise.notation.loss if exercise is not None else "C"
    for target, cells in by_target.items():
        if len({len(index) for index in cells}) != 1 or len(next(iter(cells))) > 2:
            continue  # a grid is drawn for vectors and matrices written with one kind of index
        shape = _shape(target, cells, exercise)
        _ltr(ET.SubElement(main, "h2"), f"∂{loss}/∂{one_line(target)}")
        table = ET.SubElement(ET.SubElement(main, "div", {"class": "grid-wrap"}), "table",
                              {"class": "grid", "dir": "ltr", "data-target": one_line(target)})
        rows, cols = shape
        for i in range(1, rows + 1):
            tr_ = ET.SubElement(table, "tr")
            for j in range(1, cols + 1):
                index = (i, j) if len(next(iter(cells))) == 2 else (i,)
                found = cells.get(index)
                label = ",".join(map(str, index))
                if found is None:
                    cell = ET.SubElement(tr_, "td", {"class": "none", "title": label})
                    cell.text = "·"
                    continue
                cell = ET.SubElement(tr_, "td", {"class": found.status, "data-index": label,
                                                 "title": f"{label}: {_STATUS_WORDS[found.status]}"})
                link = _link(cell, anchors.get(id(found)))
                link.text = MARKS[found.status]
                ET.SubElement(link, "small").text = label


def _shape(target: str, cells: dict, exercise) -> tuple[int, int]:
    if exercise is not None:
        try:
            shape = exercise.notation[target].notation_shape
            if len(shape) == 2:
                return shape
            if len(shape) == 1:
                return shape[0], 1
        except KeyError:
            pass
    # Without the exercise (a stored report), the grid spans the entries the report holds.
    rows = max(index[0] for index in cells)
    cols = max((index[1] for index in cells if len(index) > 1), default=1)
    return rows, cols


def _table(main: ET.Element, report: Report, build: _Builder, anchors: dict) -> None:
    table = ET.SubElement(main, "table", {"class": "checks"})
    head = ET.SubElement(table, "tr")
    ET.SubElement(head, "th")
    for column in ("col.check", "col.points", "col.line"):
        ET.SubElement(head, "th").text = tr(report.language, column)
    for check in report.checks:
        row = ET.SubElement(table, "tr", {"class": check.status, "data-status": check.status})
        ET.SubElement(row, "td").text = MARKS[check.status]
        name = _link(ET.SubElement(row, "td"), anchors.get(id(check)))
        build.name(name, check)
        _ltr(ET.SubElement(row, "td"), f"{points(check.points)} / {points(check.max_points)}")
        ET.SubElement(row, "td").text = "" if check.line is None else str(check.line)


def _has_article(check: Check) -> bool:
    return check.status != "pass" or bool(check.details) or any(f.message not in check.feedback
                                                                 for f in check.findings)


def _link(parent: ET.Element, anchor: str | None) -> ET.Element:
    """A link to a check's article, or a plain span where the check has none."""
    return ET.SubElement(parent, "a", href=f"#{anchor}") if anchor else ET.SubElement(parent, "span")


def _ltr(parent: ET.Element, text: str) -> None:
    # Numbers around a slash ("2.17 / 10") would be reordered inside right-to-left text.
    ET.SubElement(parent, "span", dir="ltr").text = text


def _article(main: ET.Element, check: Check, build: _Builder, anchor: str, lang: str) -> None:
    article = ET.SubElement(main, "article", {"id": anchor, "class": check.status, "data-status": check.status})
    title = ET.SubElement(article, "h3")
    build.text(title, f"{MARKS[check.status]} ")
    build.name(title, check)
    build.text(title, " ")
    ET.SubElement(title, "span", {"class": "pts", "dir": "ltr"}).text = \
        f"[{points(check.points)}/{points(check.max_points)}]"
    if check.line is not None:
        ET.SubElement(title, "span", {"class": "line"}).text = tr(lang, "ex.where", line=check.line)
    feedback = ET.SubElement(article, "p", {"class": "feedback"})
    if check.said is not None:
        build.said(feedback, lang, check.said)
    else:  # a stage that wrote text only, or a report stored before messages were data
        build.sentence(feedback, check.feedback)
    findings = [f for f in check.findings if f.message not in check.feedback]
    if findings:
        items = ET.SubElement(article, "ul", {"class": "findings"})
        for finding in findings:
            item = ET.SubElement(items, "li", {"data-kind": one_line(finding.kind)})
            if finding.said is not None:
                build.said(item, lang, finding.said)
            else:
                build.sentence(item, finding.message)
    if check.details:
        items = ET.SubElement(article, "ul", {"class": "details"})
        said = check.said_details if len(check.said_details) == len(check.details) else (None,) * len(check.details)
        for detail, message in zip(check.details, said):
            if message is not None:
                build.said(ET.SubElement(items, "li"), lang, message)
            else:
                build.sentence(ET.SubElement(items, "li"), detail)


@report_format("html", "report.html", "one self-contained page: MathML, a grid per target, no JavaScript")
class HTMLRenderer(Renderer):
    def render(self, report: Report) -> str:
        return render_html(report, self._settings["exercise"])
