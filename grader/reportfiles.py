"""The formats a per-student report can be written in, with the extension of its file.

Read from the renderers' format registry, so a format added there is available to
`grader batch --format` with nothing to change here. Cheap to import (the CLI's help needs it).
"""
from __future__ import annotations

from pathlib import PurePath

# Before the renderers declared a file name per format: the two formats there were.
_EARLY = {"text": ".txt", "json": ".json"}


def report_extensions() -> dict[str, str]:
    """Format name -> file extension (".json"), in the registry's order."""
    try:
        from .render.registry import report_formats
    except ImportError:
        from .render.report import REPORT_FORMATS

        return {name: _EARLY.get(name, "." + name) for name in REPORT_FORMATS}
    return {name: PurePath(f.suffix).suffix or "." + name for name, f in report_formats().items()}
