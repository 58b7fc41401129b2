"""Every student-facing sentence of the grader, in each supported language.

Sentences are templates with named fields. In right-to-left languages every field is wrapped in
a Unicode first-strong isolate (FSI ... PDI): mathematics such as `dC/dy[1,1]*k[2]` starts with
a Latin letter and so stays left-to-right inside Hebrew text, while a field that is itself
Hebrew (a detector's explanation) keeps its own direction.
"""
from __future__ import annotations

LANGUAGES = ("en", "he")
RTL = {"he"}
_FSI, _PDI = "\u2068", "\u2069"

MESSAGES: dict[str, dict[str, str]] = {
    "score": {"en": "score", "he": "ציון"},
    "student output": {"en": "what your code printed", "he": "מה שהקוד שלך הדפיס"},
    # function checks
    "fn.pass": {"en": "all {n} entries match the reference on {trials} trials (worst relative error {worst})",
                "he": "כל {n} האיברים תואמים לפתרון בכל {trials} הניסויים (שגיאה יחסית מרבית {worst})"},
    "fn.differ": {"en": "{wrong} of {n} entries differ from the reference: {entries}",
                  "he": "{wrong} מתוך {n} איברים שונים מהפתרון: {entries}"},
    "fn.more": {"en": " and {count} more", "he": " ועוד {count}"},
    "fn.shape": {"en": "{fn} must return an array shaped like {target}: expected shape {expected}, got {got}",
                 "he": "{fn} צריכה להחזיר מערך בצורה של {target}: ציפינו לצורה {expected}, התקבלה {got}"},
    "fn.shape.reshape": {"en": " (the right number of entries: reshape it)", "he": " (מספר האיברים נכון: שנו את הצורה)"},
    "fn.error": {"en": "{fn} failed on trial {trial}: {error}", "he": "{fn} נכשלה בניסוי {trial}: {error}"},
    "fn.nothing": {"en": "{fn} returned nothing on trial {trial}", "he": "{fn} לא החזירה ערך בניסוי {trial}"},
    "fn.not_graded": {"en": "{fn} was not graded: the submission {reason}", "he": "{fn} לא נבדקה: הקוד {reason}"},
    "fn.nonfinite": {"en": "returned NaN or infinity at {entries}", "he": "החזירה NaN או אינסוף ב־{entries}"},
    "fn.on_trial": {"en": "on trial {trial}:", "he": "בניסוי {trial}:"},
    "fn.on_trial_path": {"en": "on trial {trial} (only the path through {output} carries gradient):",
                         "he": "בניסוי {trial} (רק המסלול דרך {output} מעביר גרדיאנט):"},
    "fn.expected_got": {"en": "{entry}: expected {expected}, got {got}", "he": "{entry}: ציפינו ל־{expected}, התקבל {got}"},
    "sandbox.status": {"en": "Your code {reason}.", "he": "הקוד שלך: {reason}."},
    "sandbox.degraded": {"en": "Note: the sandbox ran without {layers} on this machine.",
                         "he": "הערה: ארגז החול רץ במחשב זה ללא {layers}."},
    "file.refused": {"en": "not graded: {reason}", "he": "לא נבדק: {reason}"},
    # expression checks
    "ex.pass": {"en": "{entry} is right", "he": "{entry} נכון"},
    "ex.wrong": {"en": "{entry} is not right{where}", "he": "{entry} אינו נכון{where}"},
    "ex.missing": {"en": "no answer found for {entry}", "he": "לא נמצאה תשובה עבור {entry}"},
    "ex.unreadable": {"en": "could not read your answer for {entry}{where}: {error}",
                      "he": "לא ניתן לקרוא את תשובתך עבור {entry}{where}: {error}"},
    "ex.where": {"en": " (line {line})", "he": " (שורה {line})"},
    "ex.repaired": {"en": "note: {how}", "he": "הערה: {how}"},
    "ex.your_answer": {"en": "your answer: {answer}", "he": "התשובה שלך: {answer}"},
    "ex.file_unreadable": {"en": "the file could not be read: {error}", "he": "לא ניתן לקרוא את הקובץ: {error}"},
    # chain-rule diagnosis
    "dx.receives": {"en": "{entry} receives gradient from {count} output(s): {outputs}.",
                    "he": "{entry} מקבל גרדיאנט מ־{count} יציאות: {outputs}."},
    "dx.receives_none": {"en": "{entry} does not affect the output: its gradient is 0.",
                         "he": "{entry} אינו משפיע על היציאה: הגרדיאנט שלו הוא 0."},
    "dx.yours": {"en": "Your answer has {answer}.", "he": "בתשובתך: {answer}."},
    "dx.missing_term": {"en": "the term {term} is missing", "he": "חסר האיבר {term}"},
    "dx.missing_path": {"en": "the path through {output} ({upstream} times its local derivative) is missing",
                        "he": "חסר המסלול דרך {output} ({upstream} כפול הנגזרת המקומית)"},
    "dx.extra_term": {"en": "{term} does not belong", "he": "{term} לא שייך לכאן"},
    "dx.wrong_local": {"en": "the path through {output} has {got} where {expected} belongs",
                       "he": "במסלול דרך {output} מופיע {got} במקום {expected}"},
    "dx.wrong_local_hidden": {"en": "the path through {output} has the wrong local derivative ({got})",
                              "he": "במסלול דרך {output} הנגזרת המקומית שגויה ({got})"},
    "dx.no_upstream": {"en": "{terms} has no upstream factor dC/dy: did you forget the chain rule?",
                       "he": "ל־{terms} אין גורם dC/dy: האם שכחת את כלל השרשרת?"},
    "dx.sign": {"en": "your answer is the right one with the opposite sign", "he": "התשובה שלך היא התשובה הנכונה עם סימן הפוך"},
    "dx.factor": {"en": "your answer is the right one times {factor}", "he": "התשובה שלך היא התשובה הנכונה כפול {factor}"},
    "dx.and": {"en": ", and ", "he": ", וגם "},
    "dx.expected": {"en": "expected: {answer}", "he": "התשובה הצפויה: {answer}"},
    # misconceptions
    "mc.matches": {"en": "your {what} matches {name}: {explanation}", "he": "{what} שלך תואם ל{name}: {explanation}"},
}


def tr(lang: str, key: str, **fields) -> str:
    """The sentence `key` in `lang` (English when there is no translation), with fields filled in.

    Raises KeyError for an unknown key: a missing sentence is a bug, not a silent blank.
    """
    texts = MESSAGES[key]
    template = texts.get(lang) or texts["en"]
    if lang in RTL:
        fields = {k: isolate(v) for k, v in fields.items()}
    return template.format(**fields)


def isolate(text) -> str:
    """A directional isolate for a field inside right-to-left text."""
    text = str(text)
    return f"{_FSI}{text}{_PDI}" if text and not text.startswith(_FSI) else text
