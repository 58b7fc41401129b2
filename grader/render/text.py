"""The terminal report a student reads: score, one line per check, details under failures."""
from __future__ import annotations

from ..i18n import tr
from ..report import Report
from ._escape import defuse_commands, inert
from .registry import Renderer, report_format

_MARKS = {"pass": "✓", "fail": "✗", "error": "!", "review": "?"}
_COLOURS = {"pass": "32", "fail": "31", "error": "33", "review": "35"}
OUTPUT_SHOWN = 2000  # characters of student output repeated in the terminal report


def points(value: float) -> str:
    """Points for a person: at most two decimals (the JSON report keeps them exact)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@report_format("text", "report.txt", "for a terminal: score, one line per check, details under failures")
class TextRenderer(Renderer):
    settings = {"colour": False}

    def _paint(self, text: str, status: str) -> str:
        return f"\033[{_COLOURS[status]}m{text}\033[0m" if self._settings["colour"] else text

    def render(self, report: Report) -> str:
        lang = report.language
        # Every quoted string goes through inert(): an ANSI escape a student printed must not
        # recolour or rewrite the terminal that shows the report.
        variant = f" · {tr(lang, 'variant')} {inert(report.variant)}" if report.variant else ""
        lines = [f"{inert(report.exercise)}{variant} · {inert(report.submission)}",
                 f"{tr(lang, 'score')}: {points(report.score)} / {points(report.max_score)}", ""]
        for check in report.checks:
            mark = self._paint(_MARKS[check.status], check.status)
            pts = f"[{points(check.points)}/{points(check.max_points)}]"
            lines.append(f"{mark} {pts} {inert(check.name)}: {inert(check.feedback)}")
            for finding in check.findings:
                if finding.message not in check.feedback:  # path findings are already in the sentence
                    lines.append(f"    → {inert(finding.message)}")
            for detail in check.details:
                lines.append(f"    {inert(detail)}")
        if report.messages:
            lines.append("")
            lines.extend(inert(m) for m in report.messages)
        if report.student_output:
            out = report.student_output
            cut = f"\n[... {len(out) - OUTPUT_SHOWN} more characters]" if len(out) > OUTPUT_SHOWN else ""
            lines += ["", f"--- {tr(lang, 'student output')} ---", inert(out[:OUTPUT_SHOWN]) + cut, "---"]
        # The text report may be printed in a CI log: our own lines never start with `::`.
        return defuse_commands("\n".join(lines)) + "\n"


def render_text(report: Report, **settings) -> str:
    return TextRenderer(**settings).render(report)
