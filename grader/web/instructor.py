"""With `--db`: the class pages of `grader serve` (summary, each student's reports, the review queue).

Everything here is the library's: the summary is `batch.summary.summarise` (what `grader summary`
prints), a student's report is the stored JSON report rendered by the HTML report renderer, and
the review queue, overrides and history are `batch.review` (what `grader review`, `grader
override` and `grader history` call). Pages only read the gradebook; the one form that writes
(an instructor's decision) carries the CSRF token and answers with a redirect to the queue.
"""
from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..batch.gradebook import Gradebook
from ..batch.review import history, overrides, override, waiting
from ..batch.summary import summarise
from ..errors import GraderError
from ..render.registry import renderer
from ..render.summary import headline, sections
from ..render.text import points
from ..report import Report
from . import pages
from .forms import RequestRefused, read_form


def routes(config, html, refused, token, check_token) -> list[Route]:
    def book() -> Gradebook:
        try:
            return Gradebook(config.db, create=False)
        except GraderError as err:
            raise RequestRefused(500, "Gradebook unreadable", str(err)) from None

    def page_of(build):
        async def endpoint(request: Request) -> Response:
            try:
                return html(await run_in_threadpool(build, request))
            except RequestRefused as err:
                return refused(err)
            except GraderError as err:  # an unknown student or exercise, named in the URL
                return refused(RequestRefused(404, "Not found", str(err)))
        return endpoint

    def class_index(request: Request) -> str:
        with book() as gradebook:
            exercises = gradebook.exercises()
        page = pages.Page("Class", classes=True)
        ET.SubElement(page.main, "h1").text = "Class"
        if not exercises:
            ET.SubElement(page.main, "p").text = "The gradebook holds no grades yet (grader batch fills it)."
        items = ET.SubElement(page.main, "ul")
        for exercise in exercises:
            item = ET.SubElement(items, "li")
            ET.SubElement(item, "a", href=_class_url(exercise)).text = exercise
            pages._text(item, ": " + headline(summarise(config.db, exercise)) + " · ")
            queue = len(waiting(config.db, exercise))
            ET.SubElement(item, "a", href=_class_url(exercise, "review")).text = f"review ({queue} waiting)"
        return page.render()

    def class_exercise(request: Request) -> str:
        exercise = request.path_params["exercise"]
        try:
            summary = summarise(config.db, exercise)
        except GraderError as err:
            raise RequestRefused(404, "No such exercise", str(err)) from None
        with book() as gradebook:
            rows = gradebook.latest_rows(exercise)
        queue = waiting(config.db, exercise)
        page = pages.Page(f"Class summary: {exercise}", classes=True)
        main = page.main
        ET.SubElement(main, "h1").text = f"Class summary: {exercise}"
        ET.SubElement(main, "p", {"class": "score"}).text = headline(summary)
        ET.SubElement(ET.SubElement(main, "p"), "a", href=_class_url(exercise, "review")).text = \
            f"Review queue: {len(queue)} waiting"
        ET.SubElement(main, "h2").text = "Students"
        table = ET.SubElement(main, "table", {"class": "list", "id": "students"})
        _header(table, ("student", "submission", "score as graded", "status", ""))
        for row in rows:
            tr = ET.SubElement(table, "tr", {"data-student": row["student"]})
            ET.SubElement(ET.SubElement(tr, "td"), "a", href=_student_url(exercise, row["student"])).text = \
                row["student"]
            ET.SubElement(tr, "td", dir="ltr").text = row["submission"]
            ET.SubElement(tr, "td", dir="ltr").text = f"{points(row['score'])} / {points(row['max_score'])}"
            ET.SubElement(tr, "td").text = row["status"] + (f": {row['problem']}" if row["problem"] else "")
            ET.SubElement(ET.SubElement(tr, "td"), "a", href=_student_url(exercise, row["student"], "history")).text = \
                "history"
        for title, header, body in sections(summary):
            ET.SubElement(main, "h2").text = title
            if not body:
                ET.SubElement(main, "p").text = "(none)"
                continue
            table = ET.SubElement(main, "table", {"class": "list"})
            _header(table, header)
            for values in body:
                tr = ET.SubElement(table, "tr")
                for value in values:
                    ET.SubElement(tr, "td").text = value
        return page.render()

    def student_report(request: Request) -> str:
        exercise, student = request.path_params["exercise"], request.path_params["student"]
        with book() as gradebook:
            rows = [r for r in gradebook.latest_rows(exercise) if r["student"] == student]
        if not rows:
            raise RequestRefused(404, "No such student", f"no grade of {student!r} for {exercise!r}")
        report = Report.from_dict(json.loads(rows[0]["report"]))
        served = config.served.get(exercise)
        text = renderer("html", exercise=served.exercise if served else None).render(report)
        return pages.with_back_link(text, _class_url(exercise), report.language)

    def review_queue(request: Request) -> str:
        exercise = request.path_params["exercise"]
        done = request.query_params.get("done", "")
        queue = waiting(config.db, exercise)
        page = pages.Page(f"Review: {exercise}", classes=True)
        main = page.main
        ET.SubElement(main, "h1").text = f"Review: {exercise}"
        ET.SubElement(ET.SubElement(main, "p"), "a", href=_class_url(exercise)).text = "Class summary"
        if done:
            ET.SubElement(main, "p", {"class": "score", "role": "status"}).text = done[:300]
        ET.SubElement(main, "p").text = (
            f"{len(queue)} waiting. Entries flagged review have 0 points until you decide; an override made on "
            "a file the student has since changed is stale and not applied until you decide again.")
        for n, item in enumerate(queue, 1):
            box = ET.SubElement(main, "article", {"class": "review", "id": f"w{n}", "data-student": item.student,
                                                  "data-entry": item.entry, "data-kind": item.kind})
            title = ET.SubElement(box, "h3")
            ET.SubElement(title, "a", href=_student_url(exercise, item.student)).text = item.student
            pages._text(title, f" · {item.check} ")
            ET.SubElement(title, "span", {"class": "pts", "dir": "ltr"}).text = \
                f"[{points(item.points)}/{points(item.max_points)}]"
            ET.SubElement(box, "p").text = f"{item.kind}: {item.why} ({item.submission})"
            # Accepting a flagged entry gives it its points; accepting a stale override makes the
            # same decision again, on the file graded now.
            given, why, label_text = ((item.max_points, "accepted on review", f"Accept as right ({points(item.max_points)} points)")
                                      if item.kind == "review" else
                                      (item.points, "kept on the changed file", f"Apply again ({points(item.points)} points)"))
            accept = _decision_form(box, exercise, item, token(), "accept")
            ET.SubElement(accept, "input", type="hidden", name="points", value=repr(given))
            ET.SubElement(accept, "input", type="hidden", name="reason", value=why)
            ET.SubElement(accept, "button", type="submit").text = label_text
            change = _decision_form(box, exercise, item, token(), "override")
            label = ET.SubElement(change, "label")
            pages._text(label, "points ")
            ET.SubElement(label, "input", {"type": "number", "name": "points", "min": "0", "step": "any",
                                           "max": repr(item.max_points), "required": "required", "dir": "ltr",
                                           "value": repr(item.points)})
            label = ET.SubElement(change, "label")
            pages._text(label, " reason ")
            ET.SubElement(label, "input", {"name": "reason", "required": "required", "maxlength": "2000",
                                           "size": "40"})
            ET.SubElement(change, "button", type="submit").text = "Override"
            ET.SubElement(ET.SubElement(box, "p"), "a",
                          href=_student_url(exercise, item.student, "history", entry=item.entry)).text = "history"
        return page.render()

    def student_history(request: Request) -> str:
        exercise, student = request.path_params["exercise"], request.path_params["student"]
        entry = request.query_params.get("entry") or None
        trail = history(config.db, student, entry, exercise)
        made = overrides(config.db, student, exercise)
        title = f"History: {student} · {exercise}" + (f" · {entry}" if entry else "")
        page = pages.Page(title, classes=True)
        main = page.main
        ET.SubElement(main, "h1").text = title
        links = ET.SubElement(main, "p")
        ET.SubElement(links, "a", href=_student_url(exercise, student)).text = "report"
        pages._text(links, " · ")
        ET.SubElement(links, "a", href=_class_url(exercise, "review")).text = "review queue"
        table = ET.SubElement(main, "table", {"class": "list", "id": "history"})
        _header(table, ("when", "what", "entry", "points", "status", "file", "by", "reason"))
        for event in trail:
            tr = ET.SubElement(table, "tr", {"data-kind": event.kind})
            shown = "-" if event.points is None else points(event.points) + (
                "" if event.max_points is None else f" / {points(event.max_points)}")
            for value in (event.at, event.kind, event.entry, shown, event.status,
                          f"{event.submission} ({event.content_hash[:12]})", event.by, event.reason):
                ET.SubElement(tr, "td").text = value
        ET.SubElement(main, "h2").text = "Overrides"
        if not made:
            ET.SubElement(main, "p").text = "(none)"
        else:
            table = ET.SubElement(main, "table", {"class": "list", "id": "overrides"})
            _header(table, ("when", "entry", "points", "state", "by", "reason"))
            for o in made:
                tr = ET.SubElement(table, "tr", {"data-state": o.state})
                for value in (o.at, o.entry, points(o.points), o.state, o.by, o.reason):
                    ET.SubElement(tr, "td").text = value
        return page.render()

    async def decide(request: Request) -> Response:
        exercise = request.path_params["exercise"]
        try:
            form = await read_form(request, 64 * 1024)
            field = lambda name: form.get(name) if isinstance(form.get(name), str) else ""  # noqa: E731
            if not check_token(field("csrf")):
                raise RequestRefused(403, "Form expired", "this form's security token is missing or expired: "
                                     "reload the review page and decide again")
            try:
                given = float(field("points"))
            except ValueError:
                raise RequestRefused(400, "Not a number", f"points must be a number, not {field('points')!r}") from None
            if not math.isfinite(given):
                raise RequestRefused(400, "Not a number", "points must be a finite number")
            student, entry = field("student"), field("entry")

            def write():
                return override(config.db, student, entry, given, field("reason"), field("by") or None, exercise)

            made = await run_in_threadpool(write)
        except RequestRefused as err:
            return refused(err)
        except GraderError as err:  # points out of range, an empty reason, an unknown entry
            return refused(RequestRefused(400, "Not recorded", str(err)))
        done = f"{made.student} {made.entry}: {points(made.points)} points ({made.by}, {made.at})"
        return RedirectResponse(_class_url(exercise, "review") + "?" + urlencode({"done": done}), 303)

    return [
        Route("/class", page_of(class_index)),
        Route("/class/{exercise}", page_of(class_exercise)),
        Route("/class/{exercise}/review", page_of(review_queue)),
        Route("/class/{exercise}/override", decide, methods=["POST"]),
        # A student id may hold a slash: the history route comes first, the report takes the rest.
        Route("/class/{exercise}/student/{student:path}/history", page_of(student_history)),
        Route("/class/{exercise}/student/{student:path}", page_of(student_report)),
    ]


def _decision_form(box: ET.Element, exercise: str, item, csrf: str, kind: str) -> ET.Element:
    form = ET.SubElement(box, "form", {"method": "post", "action": _class_url(exercise, "override"),
                                       "class": f"decide {kind}"})
    for name, value in (("csrf", csrf), ("student", item.student), ("entry", item.entry)):
        ET.SubElement(form, "input", type="hidden", name=name, value=value)
    return form


def _header(table: ET.Element, names) -> None:
    row = ET.SubElement(table, "tr")
    for name in names:
        ET.SubElement(row, "th").text = name


def _class_url(exercise: str, *more: str) -> str:
    return "/".join([f"/class/{quote(exercise, safe='')}", *more])


def _student_url(exercise: str, student: str, *more: str, **query: str) -> str:
    url = "/".join([f"{_class_url(exercise)}/student/{quote(student, safe='')}", *more])
    return url + (f"?{urlencode(query)}" if query else "")
