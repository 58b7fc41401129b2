"""Fixed words of the reports in each supported language (feedback sentences live with diagnosis)."""
from __future__ import annotations

LANGUAGES = ("en", "he")

_WORDS = {
    "score": {"he": "ציון"},
    "student output": {"he": "פלט הקוד שלך"},
}


def tr(lang: str, text: str) -> str:
    """`text` (English) in `lang`, or as is when there is no translation."""
    return _WORDS.get(text, {}).get(lang, text)
