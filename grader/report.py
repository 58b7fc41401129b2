"""The result of grading: plain frozen dataclasses that every renderer reads.

`feedback` is for the student; `notes` are the instructor-facing answer notes (ids such as
`X-row2-merged-path` or `detector:flipped-kernel`, recorded for statistics) and never need to be
shown to the student. A report round-trips through `to_dict` / `from_dict`; the JSON renderer is
just that. The vocabularies (statuses, kinds) are `Literal` types: a type checker catches a
misspelt status, and the tuples beside them serve code that needs the list at run time.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, Union, get_args

from .safetext import strip_controls

# review: the checker could neither prove the answer right nor prove it wrong within its budget;
# the entry gets 0 points now and waits for an instructor (docs/answer-format.md).
CheckStatus = Literal["pass", "fail", "error", "review"]
STATUSES: tuple[CheckStatus, ...] = get_args(CheckStatus)

# How a submission was graded: numerically (code run in the sandbox) or exactly (expressions).
# "none": nothing could be graded (a batch folder with no gradable file, say).
ReportKind = Literal["functions", "expressions", "none"]
REPORT_KINDS: tuple[ReportKind, ...] = get_args(ReportKind)

FindingKind = Literal[
    "missing-path", "extra-path", "extra-term", "missing-term", "wrong-coefficient",  # path by path
    "no-upstream", "sign", "factor",  # the whole answer
    "misconception",  # a detector's mutated reference matched
    "rule",  # an instructor's feedback rule matched
]
FINDING_KINDS: tuple[FindingKind, ...] = get_args(FindingKind)
# Findings that the headline sentence already states; the others are shown on lines of their own.
SENTENCE_KINDS: frozenset[FindingKind] = frozenset(FINDING_KINDS) - {"misconception", "rule"}


# --- messages and maths as data ----------------------------------------------------------------
# Checks and diagnosis say what they found as a message key with parameters, and name maths as
# `Maths` values; the renderers translate and print them (MathML in HTML, `$...$` in Markdown
# where the student wrote LaTeX, plain text otherwise). `Check.feedback` and friends hold the
# plain-text rendering too, filled in by the pipeline, so that a report reads the same as data.

@dataclass(frozen=True)
class Maths:
    """One expression: `text` as a text report shows it (in the notation the student used, or
    as they wrote it), `tex` the same in LaTeX as our printer writes it (what the HTML renderer
    shows as MathML, reading it back with our own grammar; "" when there is none)."""

    text: str
    tex: str = ""
    style: Literal["plain", "latex"] = "plain"  # the notation the student used

    def to_dict(self) -> dict[str, Any]:
        return {"maths": self.text, "tex": self.tex, "style": self.style}


MessageParam = Union[str, int, float, Maths, "Message", tuple["MessageParam", ...]]


@dataclass(frozen=True)
class Message:
    """A sentence as data: an i18n key and its fields. A field is text, a number, maths,
    another message, or a tuple of those (listed with ", ")."""

    key: str
    fields: tuple[tuple[str, MessageParam], ...] = ()

    @classmethod
    def of(cls, key: str, **fields: MessageParam) -> "Message":
        return cls(key, tuple(fields.items()))

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "fields": {name: _param_to_data(value) for name, value in self.fields}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Message":
        return cls(data["key"], tuple((name, _param_from_data(value)) for name, value in data.get("fields", {}).items()))


def _param_to_data(value: MessageParam) -> Any:
    if isinstance(value, (Maths, Message)):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_param_to_data(v) for v in value]
    return value


def _param_from_data(data: Any) -> MessageParam:
    if isinstance(data, dict) and "maths" in data:
        return Maths(data["maths"], data.get("tex", ""), data.get("style", "plain"))
    if isinstance(data, dict) and "key" in data:
        return Message.from_dict(data)
    if isinstance(data, list):
        return tuple(_param_from_data(v) for v in data)
    if isinstance(data, (str, int, float)):
        return data
    raise ValueError(f"not a message field: {data!r}")


@dataclass(frozen=True)
class Finding:
    """One thing diagnosis found about an answer (a missing path, a flipped kernel, ...)."""

    kind: FindingKind
    message: str  # student-facing, in the student's notation (the text of `said`, when set)
    detail: dict[str, Any] = field(default_factory=dict)  # machine-readable specifics
    said: Message | None = None  # the message as data, for renderers that print maths their way

    def __post_init__(self) -> None:
        _strip(self, ("kind", "message"))

    def to_dict(self) -> dict[str, Any]:
        data = {"kind": self.kind, "message": self.message, "detail": self.detail}
        if self.said is not None:
            data["said"] = self.said.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        said = data.get("said")
        return cls(data["kind"], data["message"], dict(data.get("detail", {})),
                   Message.from_dict(said) if said else None)


@dataclass(frozen=True)
class Check:
    name: str
    status: CheckStatus
    points: float
    max_points: float
    feedback: str = ""
    target: str | None = None
    index: tuple[int, ...] | None = None  # 1-based, in the exercise's written notation
    notes: tuple[str, ...] = ()  # answer notes, most general first ("wrong", then rule ids and detectors)
    details: tuple[str, ...] = ()  # further student-facing lines (expected vs got, the snippet, ...)
    findings: tuple[Finding, ...] = ()
    # 1-based line in the submission where this entry's answer stands (for code: the function's
    # `def`), so CI annotations land on it; None where the submission has no such line.
    line: int | None = None
    # As data, for renderers that print maths their way (see Message): `feedback` and `details`
    # are their plain text. The entry's name as maths, the feedback, and one message per detail
    # (then `details` holds exactly their texts); None / () where a stage wrote text only.
    entry: Maths | None = None
    said: Message | None = None
    said_details: tuple[Message, ...] = ()

    def __post_init__(self) -> None:
        _strip(self, ("name", "feedback", "notes", "details"))

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["index"] = list(self.index) if self.index is not None else None
        data["details"] = list(self.details)
        data["notes"] = list(self.notes)
        data["findings"] = [f.to_dict() for f in self.findings]
        # Only where set: a report without maths as data reads as it always did.
        for name in ("entry", "said"):
            value = data.pop(name)
            if value is not None:
                data[name] = value.to_dict()
        del data["said_details"]
        if self.said_details:
            data["said_details"] = [m.to_dict() for m in self.said_details]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Check":
        data = dict(data)
        data["index"] = tuple(data["index"]) if data.get("index") is not None else None
        data["details"] = tuple(data.get("details", ()))
        legacy = data.pop("note", None)  # reports written before notes were a list held one spaced string
        data["notes"] = tuple(data.get("notes", legacy.split() if legacy else ()))
        data["findings"] = tuple(Finding.from_dict(f) for f in data.get("findings", ()))
        # Reports written before maths and messages were data have none of these.
        entry = data.get("entry")
        data["entry"] = Maths(entry["maths"], entry.get("tex", ""), entry.get("style", "plain")) if entry else None
        data["said"] = Message.from_dict(data["said"]) if data.get("said") else None
        data["said_details"] = tuple(Message.from_dict(m) for m in data.get("said_details", ()))
        return cls(**data)


@dataclass(frozen=True)
class Report:
    exercise: str
    submission: str
    kind: ReportKind
    max_score: float
    checks: tuple[Check, ...]
    messages: tuple[str, ...] = ()  # about the whole submission (unreadable parts, sandbox status)
    student_output: str = ""  # what the student's code printed, truncated; never parsed
    language: str = "en"
    variant: str | None = None  # the student id whose variant was graded (None: the spec as written)
    isolation: tuple[str, ...] = ()  # the sandbox's layers for code (docs/sandbox.md); () for answers

    def __post_init__(self) -> None:
        _strip(self, ("submission", "messages", "student_output", "variant"))

    @property
    def score(self) -> float:
        return round(sum(c.points for c in self.checks), 6)

    @property
    def full_marks(self) -> bool:
        return self.score >= self.max_score - 1e-9 and all(c.status == "pass" for c in self.checks)

    @property
    def reviews(self) -> tuple[Check, ...]:
        """The checks waiting for an instructor's review."""
        return tuple(c for c in self.checks if c.status == "review")

    @property
    def return_code(self) -> int:
        """0 for full marks, 1 for anything less (the CLI's exit code)."""
        return 0 if self.full_marks else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "submission": self.submission,
            "score": self.score,
            "max_score": self.max_score,
            "checks": [c.to_dict() for c in self.checks],
            "kind": self.kind,
            "messages": list(self.messages),
            "student_output": self.student_output,
            "language": self.language,
            "variant": self.variant,
            "isolation": list(self.isolation),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Report":
        return cls(
            exercise=data["exercise"], submission=data["submission"],
            # Batch reports written before "none" existed said "" for a submission never graded.
            kind=data["kind"] or "none",
            max_score=data["max_score"], checks=tuple(Check.from_dict(c) for c in data["checks"]),
            messages=tuple(data.get("messages", ())), student_output=data.get("student_output", ""),
            language=data.get("language", "en"), variant=data.get("variant"),
            isolation=tuple(data.get("isolation", ())),
        )


def _strip(result: object, names: tuple[str, ...]) -> None:
    """The net under safetext.clean at the sources: no control character reaches a renderer,
    whichever stage built the text (strings and tuples of strings; frozen, hence setattr)."""
    for name in names:
        value = getattr(result, name)
        if isinstance(value, str):
            object.__setattr__(result, name, strip_controls(value))
        elif isinstance(value, tuple):
            object.__setattr__(result, name, tuple(strip_controls(v) if isinstance(v, str) else v for v in value))
