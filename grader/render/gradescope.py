"""Gradescope's autograder `results.json`: total score, one test per check, Markdown output.

Format: https://gradescope-autograders.readthedocs.io/en/latest/specs/ (the `tests` array with
`name`, `score`, `max_score`, `status`, `output`, `output_format`, `visibility`). Outputs are
Markdown (`output_format: "md"`) written with the Markdown renderer's escaping, so nothing a
student wrote can inject HTML into Gradescope's page.
"""
from __future__ import annotations

import json

from ..report import Report
from ._labels import plain_name
from .markdown import check_markdown, md_text, render_markdown
from .registry import Renderer, report_format, run_time


def render_gradescope(report: Report, elapsed: float = 0.0, exercise=None) -> str:
    tests = []
    for check in report.checks:
        lines = check_markdown(check, report.language)
        if check.line is not None:
            lines.append(f"line {check.line} of {md_text(report.submission)}")
        tests.append({
            "name": plain_name(check, exercise),  # Gradescope shows test names as plain text
            "score": round(check.points, 6),
            "max_score": round(check.max_points, 6),
            "status": "passed" if check.status == "pass" else "failed",
            "output": "\n".join(lines).strip() + "\n",
            "output_format": "md",
            "visibility": "visible",
        })
    result = {
        "score": report.score,
        "max_score": report.max_score,
        "execution_time": round(elapsed, 3),
        "output": render_markdown(report, heading="####"),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return json.dumps(result, ensure_ascii=True, indent=2) + "\n"


@report_format("gradescope", "results.json", "Gradescope autograder results.json (Markdown outputs)")
class GradescopeRenderer(Renderer):
    def render(self, report: Report) -> str:
        return render_gradescope(report, float(run_time(self._settings)[0]), self._settings["exercise"])
