"""The output formats, declared once: each renderer module registers its own format here.

`grader grade --format` and `grader solve --format` take their choices from this registry, so
adding a format is adding one module under `grader/render/` that calls `report_format` (or
`solve_format`); nothing else in the pipeline changes.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from ..report import Report


class Renderer:
    """Base of every report renderer: declared settings (unknown keys are an error, as in
    sympy's printers), `render` returns the whole report as one string.

    Settings every format accepts, so the CLI can pass them without knowing the format:
    `exercise` (the graded Exercise, for maths and grids; None when rendering a stored report),
    `source` (the submission path as given, for annotations), `elapsed` (seconds spent grading)
    and `timestamp` (ISO 8601 time of the run).
    """

    settings: dict = {"exercise": None, "source": None, "elapsed": 0.0, "timestamp": None}

    def __init__(self, **settings) -> None:
        declared = {**Renderer.settings, **self.settings}
        unknown = set(settings) - set(declared)
        if unknown:
            raise TypeError(f"unknown setting(s) for {type(self).__name__}: {', '.join(sorted(unknown))}")
        self._settings = {**declared, **settings}

    def render(self, report: Report) -> str:
        raise NotImplementedError

    def side_files(self, report: Report, environ: dict) -> list[tuple[str, str]]:
        """(path, text to append) for files a CI system asks for through its environment."""
        return []


def run_time(settings: dict) -> tuple[str, str]:
    """(seconds spent grading, with at most 3 decimals; ISO 8601 timestamp) of this run, for
    the formats that carry them (JUnit, Gradescope, GitHub Classroom)."""
    elapsed = max(0.0, float(settings.get("elapsed") or 0.0))
    stamp = settings.get("timestamp") or datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    return f"{elapsed:.3f}", stamp


def run_settings(elapsed: float) -> dict:
    """The `elapsed` and `timestamp` settings of one run, as `grader grade` and `grader serve` pass them.

    SOURCE_DATE_EPOCH (the reproducible-builds convention) pins the timestamp and zeroes the
    duration, so that even the formats that carry run times come out byte for byte the same.
    """
    pinned = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if pinned.isdigit():
        return {"elapsed": 0.0, "timestamp": datetime.fromtimestamp(int(pinned), timezone.utc).isoformat()}
    return {"elapsed": elapsed}  # the renderers stamp the time now


@dataclass(frozen=True)
class ReportFormat:
    name: str
    renderer: type  # a Renderer subclass
    suffix: str  # what a file of this format is called: report.xml, results.json
    summary: str  # one line for --help and docs


@dataclass(frozen=True)
class SolveFormat:
    name: str
    render: Callable  # (exercise) -> str
    summary: str


_REPORT: dict[str, ReportFormat] = {}
_SOLVE: dict[str, SolveFormat] = {}
_LOADED = False


def report_format(name: str, suffix: str, summary: str):
    """Class decorator: register a Renderer subclass as the report format `name`."""
    def register(cls: type) -> type:
        if name in _REPORT and _REPORT[name].renderer is not cls:
            raise ValueError(f"report format {name!r} is registered twice")
        _REPORT[name] = ReportFormat(name, cls, suffix, summary)
        return cls
    return register


def solve_format(name: str, summary: str):
    """Function decorator: register `render(exercise) -> str` as the solve format `name`."""
    def register(func: Callable) -> Callable:
        _SOLVE[name] = SolveFormat(name, func, summary)
        return func
    return register


def _load() -> None:
    # Every module of this package is imported once so that each registers its formats; the
    # modules import sympy and other heavy parts lazily, so listing formats stays cheap.
    global _LOADED
    if not _LOADED:
        package = importlib.import_module(__package__)
        for module in pkgutil.iter_modules(package.__path__):
            if not module.name.startswith("_"):
                importlib.import_module(f"{__package__}.{module.name}")
        _LOADED = True


def report_formats() -> dict[str, ReportFormat]:
    """Every report format, by name: text and json first, then the others alphabetically."""
    _load()
    return dict(sorted(_REPORT.items(), key=lambda kv: (kv[0] != "text", kv[0] != "json", kv[0])))


def solve_formats() -> dict[str, SolveFormat]:
    _load()
    return dict(_SOLVE)


def renderer(fmt: str, **settings) -> Renderer:
    """The renderer of report format `fmt`. Raises ValueError for an unknown format and
    TypeError for a setting the format does not declare."""
    formats = report_formats()
    if fmt not in formats:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(formats)}")
    return formats[fmt].renderer(**settings)
