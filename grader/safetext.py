"""Make student-originated text safe to put in a report: printable, encodable, bounded.

Every string that came from a student (sandbox messages, printed output, exception text, file
names, answer snippets) goes through `clean` before it enters a Report, so that no renderer can
be made to print escape sequences (a fake "score: 10 / 10", a retitled terminal window), fail to
encode (a lone surrogate), or flood its output. Renderers still escape for their own formats
(HTML, XML, LaTeX); this module only removes what no format should ever carry.

`Report` also passes its own strings through `strip_controls`, a net under the sources: it
removes the same control characters but keeps the bidirectional isolates our Hebrew templates
put around maths, and caps nothing.
"""
from __future__ import annotations

import re

MAX_CHARS = 1000  # an exception message or a file name; longer text is capped with a marker
TRUNCATED = " [... {count} more characters]"

# C0 controls but tab and newline; DEL; C1 controls (CSI as U+009B, OSC as U+009D); BIDI
# embeddings and overrides (U+202A-U+202E), which can make text read in another order than it
# is written; lone surrogates, which no encoder accepts; the line and paragraph separators
# (U+2028, U+2029), which split lines for many readers (a CI log, str.splitlines) and so could
# start a forged workflow command; U+FFFE and U+FFFF, which XML may not carry.
_ALWAYS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2028\u2029\ud800-\udfff\ufffe\uffff"
# BIDI isolates and marks: legitimate in our own templates, never needed in student text.
_BIDI_ISOLATES = "\u2066-\u2069\u200e\u200f\u061c"
_STUDENT = re.compile(f"[{_ALWAYS}{_BIDI_ISOLATES}]")
_REPORT = re.compile(f"[{_ALWAYS}]")
# An escape sequence goes whole, not just its ESC: "\x1b[2J" must not leave "[2J" behind.
# CSI: ESC [ params final; OSC/DCS/APC/PM/SOS strings: up to BEL or ESC \ (or the end).
_SEQUENCE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]"
                       r"|\x9b[0-?]*[ -/]*[@-~]|[\x9d\x90\x98\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?")
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str | bytes | None, limit: int | None = MAX_CHARS) -> str:
    """Student text made safe for any report: decoded, stripped of controls, capped.

    Bytes are decoded as UTF-8 with replacement; a str holding lone surrogates (a non-UTF-8
    file name read through os.fsdecode, a "\\ud800" in JSON) gets U+FFFD for each. Escape
    sequences are removed whole; other control characters (CR, BEL, BIDI overrides and
    isolates, ...) are removed; newline and tab stay. With a limit, text longer than that many
    characters is cut and says how much was cut. Never raises.
    """
    if text is None:
        return ""
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = bytes(text).decode("utf-8", "replace")
    elif not isinstance(text, str):
        text = str(text)
    # One U+FFFD per lone surrogate: os.fsdecode escapes each undecodable byte as one.
    text = _STUDENT.sub("", _SEQUENCE.sub("", _SURROGATE.sub("\ufffd", text)))
    if limit is not None and len(text) > limit:
        text = text[:limit] + TRUNCATED.format(count=len(text) - limit)
    return text


def strip_controls(text: str) -> str:
    """The report-wide net: control characters and lone surrogates removed, BIDI isolates kept."""
    if not _REPORT.search(text):
        return text
    return _REPORT.sub("", _SEQUENCE.sub("", _SURROGATE.sub("\ufffd", text)))


def is_clean(text: str) -> bool:
    """True when `strip_controls` would leave text unchanged (what renderers may rely on)."""
    return not _REPORT.search(text)



# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def csv_cell(text: str) -> str:
    """A CSV field no spreadsheet evaluates: text starting with = + - @ TAB or CR gets a leading
    apostrophe, as OWASP advises (a plain number such as -1.5 stays a number)."""
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


_UNPORTABLE = re.compile(r"[^A-Za-z0-9._-]")
MAX_NAME = 80  # characters of a derived file name before its hash: far below every file system's 255 bytes


def file_name(name: str, suffix: str = "") -> str:
    """A portable file name derived from a student id: only [A-Za-z0-9._-], not hidden, at most
    MAX_NAME characters plus suffix. When anything had to change, a short hash of the original
    is added, so two ids never share a file ("a b" and "a_b" differ)."""
    import hashlib

    safe = _UNPORTABLE.sub("_", name).lstrip(".") or "_"
    if safe != name or len(safe) > MAX_NAME:
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        safe = f"{safe[:MAX_NAME]}-{digest}"
    return safe + suffix
