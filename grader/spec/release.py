"""When an exercise's answer key may be shown: `release:` and `reveal: never` in a spec.

    release: 2026-12-18          # `grader solve` / `grader explain` refuse before this day (UTC)
    reveal: never                # ... or always, without the instructor's key
    instructor_key: sha256:...   # `grader key FILE` makes a key file and prints this line

This is a speed bump, not a lock: a spec a student can read IS the answer key (its graph and
its sample answers give every gradient away, whatever this says). Keep specs on the
instructor's side (Gradescope's `source/`, a private repository for Actions; docs/ci.md); the
refusal keeps the grader's own commands from printing the key early for a spec that leaked.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..errors import GraderError

if TYPE_CHECKING:
    from .load import Exercise

NEVER = "never"
KEY_BYTES = 32


class Withheld(GraderError):
    """The answer key of this exercise is not released yet (exit 2)."""


def release_of(data: dict[str, Any], problem: Callable[[tuple[Any, ...], str], None]) -> str | None:
    """The spec's release as "never" or an ISO date/time text (UTC when no zone is given)."""
    if data.get("reveal") == NEVER:
        return NEVER
    raw = data.get("release")
    if raw is None:
        return None
    if raw == NEVER:
        return NEVER
    if isinstance(raw, datetime):
        return (raw if raw.tzinfo else raw.replace(tzinfo=timezone.utc)).isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    try:
        parsed = _moment(str(raw))
    except ValueError:
        problem(("release",), f"release: {raw!r} is not a date (YYYY-MM-DD), a date-time or 'never'")
        return None
    return parsed.isoformat() if "T" in str(raw) or " " in str(raw).strip() else str(raw).strip()


def _moment(text: str) -> datetime:
    text = text.strip()
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), timezone.utc)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def key_digest(path: str | os.PathLike[str]) -> str:
    """sha256 of a key file. Raises GraderError when it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as err:
        raise GraderError(f"cannot read the key file {path}: {err.strerror}") from None


def new_key(path: str | os.PathLike[str]) -> str:
    """Write a new random key file (mode 600) unless one exists; its digest, for the spec."""
    target = Path(path)
    if not target.exists():
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(KEY_BYTES) + "\n")
    return key_digest(target)


def check_released(exercise: "Exercise", key: str | os.PathLike[str] | None = None, now: datetime | None = None) -> None:
    """Raise Withheld when the exercise's answers are not released at `now` (default: the
    clock) and `key` is not the instructor's key file."""
    if exercise.release is None:
        return
    if key is not None:
        if exercise.instructor_key and key_digest(key) == exercise.instructor_key:
            return
        raise Withheld(f"{key} is not the instructor's key of {exercise.id}")
    if exercise.release != NEVER and (now or datetime.now(timezone.utc)) >= _moment(exercise.release):
        return
    when = "is never shown" if exercise.release == NEVER else f"is released on {exercise.release}"
    raise Withheld(f"the solution of {exercise.id} {when}; the instructor can pass --key FILE")


