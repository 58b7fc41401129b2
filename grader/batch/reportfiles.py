"""The formats a per-student report can be written in, with the extension of its file.

Read from the renderers' format registry, so a format added there is available to
`grader batch --format` with nothing to change here.
"""
from __future__ import annotations

from pathlib import PurePath

from ..render.registry import report_formats


def report_extensions() -> dict[str, str]:
    """Format name -> file extension (".json" for report.json), in the registry's order."""
    return {name: PurePath(f.suffix).suffix or "." + name for name, f in report_formats().items()}
