"""Dispatch a report to the renderer of a format."""
from __future__ import annotations

from ..report import Report
from .json_report import render_json
from .text import points, render_text

REPORT_FORMATS = ("text", "json")


def render_report(report: Report, fmt: str, colour: bool = False) -> str:
    """The report as text in this format. Raises ValueError for an unknown format."""
    if fmt == "text":
        return render_text(report, colour=colour)
    if fmt == "json":
        return render_json(report)
    raise ValueError(f"unknown format {fmt!r}; known: {', '.join(REPORT_FORMATS)}")


def summary_line(report: Report) -> str:
    failed = sum(c.status != "pass" for c in report.checks)
    return (f"{report.exercise}: {report.submission}: {points(report.score)}/{points(report.max_score)}"
            f" ({len(report.checks) - failed} of {len(report.checks)} checks passed)")
