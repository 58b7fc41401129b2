"""Make any string of a report inert before a renderer shows it.

Reports quote students: their answers, what their code printed, error messages that contain
their text. Whatever that holds (ANSI escapes, control characters, lone surrogates from invalid
UTF-8, bidirectional overrides) must show as visible text and never act on a terminal, a parser
or a CI log. Each renderer still escapes for its own syntax (XML, HTML, Markdown, workflow
commands); this module is the part they share.
"""
from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls; the embedding/override bidi controls that can
# visually reorder text ("Trojan source"); lone surrogates (undecodable bytes, surrogateescape).
# The isolates U+2066..U+2069 stay: the grader's own Hebrew sentences use them around maths.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\ud800-\udfff\ufeff]")
_CONTROL_PICTURE = 0x2400  # U+2400.. shows C0 controls as visible symbols: ESC -> "␛"


def _picture(m: re.Match) -> str:
    code = ord(m.group())
    if code < 0x20:
        return chr(_CONTROL_PICTURE + code)
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"


def inert(text) -> str:
    """`text` as a string with every control character made visible and every undecodable or
    reordering character replaced; carriage returns become visible too, newlines stay."""
    return _UNSAFE.sub(_picture, "" if text is None else str(text))


def one_line(text, limit: int | None = None) -> str:
    """`inert(text)` on one line (newlines become spaces), cut to `limit` characters."""
    flat = " ".join(inert(text).split())
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return flat


_COMMAND_LINE = re.compile(r"^(\s*)::", re.M)


def defuse_commands(text: str) -> str:
    """Text for a CI log in which no line starts with `::`, so nothing a student printed can be
    read as a GitHub workflow command (`::add-mask::`, `::stop-commands::`). The runner trims
    white space before looking, so a zero-width space (not white space to it) goes first."""
    return _COMMAND_LINE.sub("\\1\u200b::", text)
