"""The JSON report: exactly `Report.to_dict()`, the contract scripts and CI build on."""
from __future__ import annotations

import json

from ..report import Report
from .registry import Renderer, report_format


def render_json(report: Report) -> str:
    text = json.dumps(report.to_dict(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (undecodable bytes a student printed) cannot be written as UTF-8; as
        # \u escapes the JSON stays valid and still round-trips to the same report.
        text = json.dumps(report.to_dict(), ensure_ascii=True, indent=2, sort_keys=False) + "\n"
    return text


@report_format("json", "report.json", "the whole report as data (Report.to_dict), for scripts")
class JSONRenderer(Renderer):
    def render(self, report: Report) -> str:
        return render_json(report)
