"""The JSON report: exactly `Report.to_dict()`, the contract scripts and CI build on."""
from __future__ import annotations

import json

from ..report import Report


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"
