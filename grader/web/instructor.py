"""With `--db`: the class pages of `grader serve` (summary, each student's reports, review).

The gradebook is opened read-only for every page (a reader never turns another file into a
gradebook); the summary is `batch.summary.summarise`, the same one `grader summary` prints, and
a student's report is the stored JSON report rendered by the HTML report renderer.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..batch.gradebook import Gradebook
from ..batch.summary import summarise
from ..errors import GraderError
from ..render.registry import renderer
from ..render.summary import headline, sections
from ..render.text import points
from ..report import Report
from . import pages


def routes(config, html, refused, token, check_token) -> list[Route]:
    from .app import RequestRefused

    def book() -> Gradebook:
        try:
            return Gradebook(config.db, create=False)
        except GraderError as err:
            raise RequestRefused(500, "Gradebook unreadable", str(err)) from None

    async def class_index(request: Request) -> Response:
        def build() -> str:
            with book() as gradebook:
                exercises = gradebook.exercises()
            page = pages.Page("Class", classes=True)
            ET.SubElement(page.main, "h1").text = "Class"
            if not exercises:
                ET.SubElement(page.main, "p").text = f"{config.db} holds no grades yet (grader batch fills it)."
            items = ET.SubElement(page.main, "ul")
            for exercise in exercises:
                item = ET.SubElement(items, "li")
                ET.SubElement(item, "a", href=_class_url(exercise)).text = exercise
                pages._text(item, ": " + headline(summarise(config.db, exercise)))
            return page.render()

        try:
            return html(await run_in_threadpool(build))
        except RequestRefused as err:
            return refused(err)

    async def class_exercise(request: Request) -> Response:
        exercise = request.path_params["exercise"]

        def build() -> str:
            try:
                summary = summarise(config.db, exercise)
            except GraderError as err:
                raise RequestRefused(404, "No such exercise", str(err)) from None
            with book() as gradebook:
                rows = gradebook.latest_rows(exercise)
            page = pages.Page(f"Class summary: {exercise}", classes=True)
            main = page.main
            ET.SubElement(main, "h1").text = f"Class summary: {exercise}"
            ET.SubElement(main, "p", {"class": "score"}).text = headline(summary)
            ET.SubElement(main, "h2").text = "Students"
            table = ET.SubElement(main, "table", {"class": "list", "id": "students"})
            head = ET.SubElement(table, "tr")
            for name in ("student", "submission", "score", "status"):
                ET.SubElement(head, "th").text = name
            for row in rows:
                tr = ET.SubElement(table, "tr", {"class": _status_class(row["status"]), "data-student": row["student"]})
                ET.SubElement(ET.SubElement(tr, "td"), "a", href=_student_url(exercise, row["student"])).text = \
                    row["student"]
                ET.SubElement(tr, "td", dir="ltr").text = row["submission"]
                ET.SubElement(tr, "td", dir="ltr").text = f"{points(row['score'])} / {points(row['max_score'])}"
                ET.SubElement(tr, "td").text = row["status"] + (f": {row['problem']}" if row["problem"] else "")
            for title, header, body in sections(summary):
                ET.SubElement(main, "h2").text = title
                if not body:
                    ET.SubElement(main, "p").text = "(none)"
                    continue
                table = ET.SubElement(main, "table", {"class": "list"})
                tr = ET.SubElement(table, "tr")
                for name in header:
                    ET.SubElement(tr, "th").text = name
                for values in body:
                    tr = ET.SubElement(table, "tr")
                    for value in values:
                        ET.SubElement(tr, "td").text = value
            return page.render()

        try:
            return html(await run_in_threadpool(build))
        except RequestRefused as err:
            return refused(err)

    async def student_report(request: Request) -> Response:
        exercise, student = request.path_params["exercise"], request.path_params["student"]

        def build() -> str:
            with book() as gradebook:
                rows = [r for r in gradebook.latest_rows(exercise) if r["student"] == student]
            if not rows:
                raise RequestRefused(404, "No such student", f"no grade of {student!r} for {exercise!r}")
            report = Report.from_dict(json.loads(rows[0]["report"]))
            served = config.served.get(exercise)
            text = renderer("html", exercise=served.exercise if served else None).render(report)
            return pages.with_back_link(text, _class_url(exercise), report.language)

        try:
            return html(await run_in_threadpool(build))
        except RequestRefused as err:
            return refused(err)

    return [
        Route("/class", class_index),
        Route("/class/{exercise}", class_exercise),
        Route("/class/{exercise}/student/{student:path}", student_report),
    ]


def _class_url(exercise: str) -> str:
    return f"/class/{quote(exercise, safe='')}"


def _student_url(exercise: str, student: str) -> str:
    return f"{_class_url(exercise)}/student/{quote(student, safe='')}"


def _status_class(status: str) -> str:
    return {"full": "pass", "partial": "fail", "zero": "fail", "error": "error"}.get(status, "none")
