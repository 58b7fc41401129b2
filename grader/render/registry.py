"""Every output format, declared once: each renderer registers its own format here.

One registry for everything the tool prints (grade reports, solve, explain, summary, export);
each command's `--format` choices come from `formats(kind)`, so adding a format is one
decorated renderer (`register_format`, or `report_format` / `solve_format`) in a module under
`grader/render/` (or a module listed in `_ELSEWHERE`); nothing else changes.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Literal, TypeVar, get_args

from ..report import Report

T = TypeVar("T", bound=Callable[..., Any])  # a renderer: a class or a function


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


# What the tool prints, by command: `grader grade` (and batch reports), `grader solve`,
# `grader explain`, `grader summary`, `grader export`.
OutputKind = Literal["report", "solve", "explain", "summary", "export"]
OUTPUT_KINDS: tuple[OutputKind, ...] = get_args(OutputKind)


@dataclass(frozen=True)
class OutputFormat:
    """One format of one kind of output. `render` is, by kind: a Renderer subclass (report);
    `(exercise) -> str` (solve); `(explanation, lang) -> str` (explain); `(summary) -> str`
    (summary); `(grades, identities) -> rows, the header first` (export)."""

    kind: OutputKind
    name: str
    render: Callable[..., Any]
    summary: str  # one line for --help and docs
    suffix: str = ""  # what a file of this format is called: report.xml, results.json

    @property
    def renderer(self) -> Any:  # a report format's Renderer subclass, by its old name
        return self.render


# Kept as names: code that only deals with report (or solve) formats says so.
ReportFormat = OutputFormat
SolveFormat = OutputFormat

_FORMATS: dict[tuple[OutputKind, str], OutputFormat] = {}
_LOADED = False
# Modules outside this package that register formats (imported with this package's own).
_ELSEWHERE = ("grader.batch.export",)


def register_format(kind: OutputKind, name: str, summary: str, suffix: str = "") -> Callable[[T], T]:
    """Decorator: register a renderer (see OutputFormat.render) as format `name` of `kind`.

    The CLI's `--format` choices of every command come from here (`formats(kind)`)."""
    def register(render: T) -> T:
        known = _FORMATS.get((kind, name))
        if known is not None and known.render is not render:
            raise ValueError(f"{kind} format {name!r} is registered twice")
        _FORMATS[(kind, name)] = OutputFormat(kind, name, render, summary, suffix)
        return render
    return register


def report_format(name: str, suffix: str, summary: str) -> Callable[[T], T]:
    """Class decorator: register a Renderer subclass as the report format `name`."""
    return register_format("report", name, summary, suffix)


def solve_format(name: str, summary: str) -> Callable[[T], T]:
    """Function decorator: register `render(exercise) -> str` as the solve format `name`."""
    return register_format("solve", name, summary)


def _load() -> None:
    # Every module of this package is imported once so that each registers its formats; the
    # modules import sympy and other heavy parts lazily, so listing formats stays cheap.
    global _LOADED
    if not _LOADED:
        package = importlib.import_module(__package__ or "grader.render")
        for module in pkgutil.iter_modules(package.__path__):
            if not module.name.startswith("_"):
                importlib.import_module(f"{package.__name__}.{module.name}")
        for name in _ELSEWHERE:
            importlib.import_module(name)
        _LOADED = True


def formats(kind: OutputKind) -> dict[str, OutputFormat]:
    """Every format of `kind`, by name: text and json first, then the others alphabetically."""
    _load()
    found = {name: f for (k, name), f in _FORMATS.items() if k == kind}
    return dict(sorted(found.items(), key=lambda kv: (kv[0] != "text", kv[0] != "json", kv[0])))


def output_format(kind: OutputKind, name: str) -> OutputFormat:
    """Format `name` of `kind`. Raises ValueError for an unknown one, listing the known."""
    known = formats(kind)
    if name not in known:
        raise ValueError(f"unknown format {name!r}; known: {', '.join(known)}")
    return known[name]


def report_formats() -> dict[str, OutputFormat]:
    return formats("report")


def solve_formats() -> dict[str, OutputFormat]:
    return formats("solve")


def renderer(fmt: str, **settings: Any) -> Renderer:
    """The renderer of report format `fmt`. Raises ValueError for an unknown format and
    TypeError for a setting the format does not declare."""
    made: Renderer = output_format("report", fmt).render(**settings)
    return made
