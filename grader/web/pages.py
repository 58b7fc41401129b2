"""The pages of `grader serve`, as `xml.etree` trees serialised once (like the HTML report).

Student text and spec text only ever become text nodes and attribute values, which the
serialiser escapes. Pages work without JavaScript; the one script (static/preview.js, served
from the package, no network) only adds the live reading preview. Right-to-left languages get
`dir="rtl"` on the page while maths, answers and code stay left-to-right.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import quote, urlencode

from ..i18n import RTL, tr
from ..render.html import STYLE as REPORT_STYLE
from ..render.text import points
from ..spec.load import Exercise
from .catalogue import Served
from .preview import Preview

UPLOAD_SUFFIXES = (".py", ".yaml", ".yml", ".md", ".tex", ".txt", ".ipynb")
MAX_FORM_ENTRIES = 64  # more entries than this are a file's job, not a form's
# The kinds a pasted text may be, by the file name it is graded under (its suffix says the kind).
PASTE_NAMES = (("derivation.md", "Markdown derivation"), ("derivation.tex", "LaTeX derivation"),
               ("answers.yaml", "YAML answers"), ("gradients.py", "Python gradient functions"))

STYLE = REPORT_STYLE + """
nav { display: flex; gap: 1rem; flex-wrap: wrap; padding: .5rem 1rem; border-bottom: 1px solid var(--line);
  background: #f6f8fa; }
nav a { color: #0550ae; }
table.list { border-collapse: collapse; width: 100%; }
table.list th, table.list td { border-bottom: 1px solid var(--line); padding: .35rem; text-align: start;
  vertical-align: top; overflow-wrap: anywhere; }
.statement { overflow-x: auto; }
.statement math[display="block"] { display: block; margin: .5rem 0; overflow-x: auto; }
form { margin: 1rem 0; padding: .8rem; border: 1px solid var(--line); border-radius: .4rem; }
fieldset { border: 0; padding: 0; margin: .3rem 0 .8rem; }
legend { font-weight: 600; margin-bottom: .3rem; }
.entry { display: grid; grid-template-columns: minmax(5rem, max-content) 1fr; gap: .2rem .6rem;
  align-items: center; margin: .35rem 0; }
.entry input { width: 100%; font: 1rem ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; padding: .35rem; }
.entry output { grid-column: 2; min-height: 1.4rem; font-size: .9rem; }
output .read { color: var(--pass-ink); }
output .unread { color: var(--fail-ink); }
output pre { margin: .2rem 0; }
textarea { width: 100%; min-height: 10rem; font: .95rem ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
button { font: inherit; padding: .45rem 1.2rem; margin-top: .4rem; border-radius: .3rem;
  border: 1px solid #1f6feb; background: #1f6feb; color: #fff; cursor: pointer; }
.hint { font-size: .9rem; color: #57606a; }
.wait { font-weight: 600; }
.problem { background: var(--error); color: var(--error-ink); padding: .6rem .8rem; border-radius: .4rem; }
@media (max-width: 30rem) { .entry { grid-template-columns: 1fr; } .entry output { grid-column: 1; } }
"""


class Page:
    """One page: `<html lang dir>`, the shared look, a navigation bar and a `main` to fill."""

    def __init__(self, title: str, lang: str = "en", *, classes: bool = False, script: bool = False):
        self.lang = lang
        self.root = ET.Element("html", lang=lang, dir="rtl" if lang in RTL else "ltr")
        head = ET.SubElement(self.root, "head")
        ET.SubElement(head, "meta", charset="utf-8")
        ET.SubElement(head, "meta", name="viewport", content="width=device-width, initial-scale=1")
        ET.SubElement(head, "title").text = title
        ET.SubElement(head, "style").text = STYLE
        if script:
            ET.SubElement(head, "script", src="/static/preview.js", defer="defer").text = ""
        body = ET.SubElement(self.root, "body")
        nav = ET.SubElement(body, "nav")
        ET.SubElement(nav, "a", href="/").text = tr(lang, "web.exercises")
        if classes:
            ET.SubElement(nav, "a", href="/class").text = tr(lang, "web.class")
        self.main = ET.SubElement(body, "main")

    def render(self) -> str:
        return "<!DOCTYPE html>\n" + ET.tostring(self.root, encoding="unicode", method="html") + "\n"


def exercise_url(ex_id: str, **query) -> str:
    query = {k: v for k, v in query.items() if v}
    return f"/exercise/{quote(ex_id, safe='')}" + (f"?{urlencode(query)}" if query else "")


def index_page(served: dict[str, Served], classes: bool) -> str:
    page = Page("backprop-grader", classes=classes)
    ET.SubElement(page.main, "h1").text = "backprop-grader"
    table = ET.SubElement(page.main, "table", {"class": "list"})
    head = ET.SubElement(table, "tr")
    for name in ("exercise", "title", "ops", "asked"):
        ET.SubElement(head, "th").text = name
    for ex_id, item in served.items():
        exercise = item.exercise
        row = ET.SubElement(table, "tr", {"data-exercise": ex_id})
        ET.SubElement(ET.SubElement(row, "td"), "a", href=exercise_url(ex_id)).text = ex_id
        ET.SubElement(row, "td").text = exercise.title
        ET.SubElement(row, "td", dir="ltr").text = ", ".join(item.ops)
        asked = ET.SubElement(row, "td")
        for n, target in enumerate(exercise.targets):
            _text(asked, ", " if n else "")
            _maths(asked, exercise.notation.derivative(target.name, "latex"), exercise)
            _text(asked, f" ({points(target.points)})")
    return page.render()


def exercise_page(exercise: Exercise, lang: str, csrf: str, classes: bool, variant: str | None,
                  workers: int) -> str:
    page = Page(exercise.title, lang, classes=classes, script=True)
    main = page.main
    ET.SubElement(main, "h1").text = exercise.title
    if exercise.variant is not None and exercise.variant.id is not None:
        ET.SubElement(main, "p", {"class": "variant"}).text = tr(
            lang, "web.variant", id=exercise.variant.id, what=exercise.variant.describe())
    statement(ET.SubElement(main, "section", {"class": "statement"}), exercise.text(lang))
    asked = ET.SubElement(main, "p")
    ET.SubElement(asked, "strong").text = tr(lang, "web.asked") + ": "
    for n, target in enumerate(exercise.targets):
        if n:
            _text(asked, ", ")
        _maths(asked, exercise.notation.derivative(target.name, "latex"), exercise)
        _text(asked, " (" + tr(lang, "web.points", points=points(target.points)) + ")")
    if exercise.functions:
        code = ET.SubElement(main, "p", dir="ltr")
        ET.SubElement(code, "code").text = ", ".join(f"{f.name}({', '.join(f.args)})" for f in exercise.functions)
    if exercise.variant is not None:
        _variant_form(main, exercise, lang, variant)
    action = f"/grade/{quote(exercise.id, safe='')}"
    _entries_form(main, exercise, lang, csrf, variant, action, workers)
    _paste_form(main, lang, csrf, variant, action, workers)
    _upload_form(main, lang, csrf, variant, action, workers)
    return page.render()


def _hidden(form: ET.Element, csrf: str, variant: str | None, lang: str) -> None:
    ET.SubElement(form, "input", type="hidden", name="csrf", value=csrf)
    ET.SubElement(form, "input", type="hidden", name="lang", value=lang)
    if variant:
        ET.SubElement(form, "input", type="hidden", name="variant", value=variant)


def _form(main: ET.Element, action: str, lang: str, csrf: str, variant: str | None, workers: int,
          **attrs: str) -> ET.Element:
    form = ET.SubElement(main, "form", {"method": "post", "action": action, "data-wait":
                                        tr(lang, "web.grading", n=workers), **attrs})
    _hidden(form, csrf, variant, lang)
    return form


def _submit(form: ET.Element, lang: str) -> None:
    ET.SubElement(form, "button", type="submit").text = tr(lang, "web.grade")
    ET.SubElement(form, "p", {"class": "wait", "hidden": "hidden", "role": "status"})


def _variant_form(main: ET.Element, exercise: Exercise, lang: str, variant: str | None) -> None:
    form = ET.SubElement(main, "form", {"method": "get", "action": exercise_url(exercise.id)})
    ET.SubElement(form, "input", type="hidden", name="lang", value=lang)
    label = ET.SubElement(form, "label")
    _text(label, tr(lang, "web.your_variant") + " ")
    ET.SubElement(label, "input", {"name": "variant", "value": variant or "", "dir": "ltr", "maxlength": "200"})
    ET.SubElement(form, "button", type="submit").text = tr(lang, "web.show_variant")


def entry_keys(exercise: Exercise) -> list[tuple[str, str, str]]:
    """(answer key as YAML answers write it, plain label, LaTeX label) of every asked entry."""
    keys = []
    for target in exercise.targets:
        array = exercise.notation[target.name]
        for full in target.entries:
            index = ",".join(str(i) for i in array.notation_index(full))
            keys.append((f"{target.name}[{index}]" if index else target.name,
                         exercise.notation.entry_derivative(target.name, full),
                         exercise.notation.entry_derivative(target.name, full, "latex")))
    return keys


def _entries_form(main, exercise, lang, csrf, variant, action, workers) -> None:
    keys = entry_keys(exercise)
    ET.SubElement(main, "h2").text = tr(lang, "web.entries")
    if len(keys) > MAX_FORM_ENTRIES:
        ET.SubElement(main, "p", {"class": "hint"}).text = tr(lang, "web.too_many_entries", n=len(keys))
        return
    form = _form(main, action, lang, csrf, variant, workers, id="entries")
    ET.SubElement(form, "p", {"class": "hint"}).text = tr(lang, "web.entries_hint")
    preview_url = f"/preview/{quote(exercise.id, safe='')}" + (f"?{urlencode({'variant': variant})}" if variant else "")
    for n, (key, plain, latex) in enumerate(keys, 1):
        row = ET.SubElement(form, "div", {"class": "entry"})
        label = ET.SubElement(row, "label", {"for": f"e{n}", "dir": "ltr"})
        _maths(label, latex, exercise, fallback=plain)
        ET.SubElement(row, "input", {"id": f"e{n}", "name": f"entry:{key}", "dir": "ltr", "autocomplete": "off",
                                     "spellcheck": "false", "autocapitalize": "off", "data-preview": preview_url,
                                     "aria-describedby": f"p{n}", "maxlength": "4000"})
        ET.SubElement(row, "output", {"id": f"p{n}", "for": f"e{n}", "aria-live": "polite"})
    _submit(form, lang)


def _paste_form(main, lang, csrf, variant, action, workers) -> None:
    ET.SubElement(main, "h2").text = tr(lang, "web.paste")
    form = _form(main, action, lang, csrf, variant, workers, id="paste")
    label = ET.SubElement(form, "label")
    _text(label, tr(lang, "web.kind") + " ")
    select = ET.SubElement(label, "select", name="filename")
    for name, what in PASTE_NAMES:
        ET.SubElement(select, "option", value=name).text = f"{what} ({name})"
    ET.SubElement(form, "textarea", {"name": "answer", "dir": "ltr", "spellcheck": "false", "rows": "12",
                                     "aria-label": tr(lang, "web.paste")}).text = ""
    _submit(form, lang)


def _upload_form(main, lang, csrf, variant, action, workers) -> None:
    ET.SubElement(main, "h2").text = tr(lang, "web.upload")
    form = _form(main, action, lang, csrf, variant, workers, id="upload", enctype="multipart/form-data")
    ET.SubElement(form, "input", {"type": "file", "name": "submission", "accept": ",".join(UPLOAD_SUFFIXES),
                                  "required": "required", "aria-label": tr(lang, "web.upload")})
    ET.SubElement(form, "br")
    _submit(form, lang)


def preview_fragment(result: Preview, lang: str) -> str:
    """What the page shows under an entry: the MathML of the reading, or the error and caret."""
    box = ET.Element("span")
    if result.ok and result.text.strip():
        read = ET.SubElement(box, "span", {"class": "read", "data-style": result.style})
        _text(read, "✓ " + tr(lang, "web.read_as") + " ")
        if result.mathml is not None:
            read.append(ET.fromstring(result.mathml))
            _text(read, " ")
        ET.SubElement(read, "code", dir="ltr").text = result.plain
    elif not result.ok:
        unread = ET.SubElement(box, "span", {"class": "unread", "data-error": "1"})
        _text(unread, "✗ " + result.error)
        if result.caret:
            ET.SubElement(unread, "pre", {"dir": "ltr", "class": "caret"}).text = result.caret
    return ET.tostring(box, encoding="unicode", method="html")


def message_page(title: str, text: str, lang: str = "en", back: str | None = None, classes: bool = False) -> str:
    page = Page(title, lang, classes=classes)
    ET.SubElement(page.main, "h1").text = title
    ET.SubElement(page.main, "p", {"class": "problem", "role": "alert"}).text = text
    if back:
        ET.SubElement(ET.SubElement(page.main, "p"), "a", href=back).text = tr(lang, "web.back")
    return page.render()


def with_back_link(report_html: str, back: str, lang: str) -> str:
    """The HTML report with a link back to the exercise at the top of its `main`. The link is
    built as a tree and serialised like the rest; the report itself is as `grader grade` writes it."""
    # The report's own style has no rules for a navigation bar: this one carries its look.
    nav = ET.Element("nav", style="padding: .5rem 1rem; background: #f6f8fa; border-bottom: 1px solid #d0d7de")
    ET.SubElement(nav, "a", href=back).text = tr(lang, "web.back")
    return report_html.replace("<body>", "<body>" + ET.tostring(nav, encoding="unicode", method="html"), 1)


# --- the statement: Markdown paragraphs with LaTeX maths -------------------------------------

_INLINE = re.compile(r"\$\$(?P<display>.+?)\$\$|\$(?P<inline>[^$]+?)\$|`(?P<code>[^`]+)`|\*\*(?P<bold>.+?)\*\*", re.S)


def statement(parent: ET.Element, text: str) -> None:
    """The statement's Markdown as paragraphs (a blank line between them), with `$...$` and
    `$$...$$` as MathML, `code` and **bold**. The spec's LaTeX is the author's, not a student's;
    it goes to latex2mathml, and what that cannot read is shown as the LaTeX itself."""
    for block in re.split(r"\n\s*\n", text.strip()):
        if not block.strip():
            continue
        lines = block.splitlines()
        if all(re.match(r"\s*[-*] ", line) or not line.strip() for line in lines[:1]) and \
                all(re.match(r"\s*[-*] |\s{2,}", line) for line in lines):
            items = ET.SubElement(parent, "ul")
            for line in lines:
                if re.match(r"\s*[-*] ", line):
                    item = ET.SubElement(items, "li")
                    _inline(item, re.sub(r"^\s*[-*] ", "", line))
                else:
                    _inline(item, " " + line.strip())
            continue
        _inline(ET.SubElement(parent, "p"), " ".join(line.strip() for line in lines))


def _inline(parent: ET.Element, text: str) -> None:
    at = 0
    for m in _INLINE.finditer(text):
        _text(parent, text[at:m.start()])
        at = m.end()
        if m.group("display") is not None:
            parent.append(_tex_maths(m.group("display"), "block"))
        elif m.group("inline") is not None:
            parent.append(_tex_maths(m.group("inline"), "inline"))
        elif m.group("code") is not None:
            ET.SubElement(parent, "code", dir="ltr").text = m.group("code")
        else:
            ET.SubElement(parent, "strong").text = m.group("bold")
    _text(parent, text[at:])


def _tex_maths(tex: str, display: str) -> ET.Element:
    from latex2mathml.converter import convert

    try:
        markup = convert(tex.strip(), display=display)
        # The MathML namespace is implied inside HTML: dropped so that the tree serialises
        # without ElementTree's ns0: prefixes.
        element = ET.fromstring(markup.replace(' xmlns="http://www.w3.org/1998/Math/MathML"', "", 1))
    except Exception:  # latex2mathml raises its own and Python's errors for LaTeX it does not know
        code = ET.Element("code", dir="ltr")
        code.text = f"${tex}$"
        return code
    element.set("dir", "ltr")
    return element


def _maths(parent: ET.Element, latex: str, exercise: Exercise, fallback: str | None = None) -> None:
    """A label in the exercise's notation: our own reader's MathML, else latex2mathml's."""
    from ..render._maths import mathml

    element = mathml(latex, exercise.notation)
    if element is None and fallback is not None:
        ET.SubElement(parent, "code", dir="ltr").text = fallback
        return
    parent.append(element if element is not None else _tex_maths(latex, "inline"))


def _text(parent: ET.Element, text: str) -> None:
    if not text:
        return
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text
