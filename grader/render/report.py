"""Render a report in a format of the registry, and the one-line summary for the terminal."""
from __future__ import annotations

from ..report import Report
from ._escape import defuse_commands, one_line
from .registry import renderer
from .text import points


def render_report(report: Report, fmt: str, **settings) -> str:
    """The report as text in this format. Raises ValueError for an unknown format."""
    return renderer(fmt, **settings).render(report)


def summary_line(report: Report) -> str:
    failed = sum(c.status != "pass" for c in report.checks)
    return defuse_commands(one_line(
        f"{report.exercise}: {report.submission}: {points(report.score)}/{points(report.max_score)}"
        f" ({len(report.checks) - failed} of {len(report.checks)} checks passed)"))
