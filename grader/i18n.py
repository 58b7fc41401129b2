"""Every student-facing sentence of the grader, in each supported language.

Sentences are templates with named fields. In right-to-left languages every field is wrapped in
a Unicode first-strong isolate (FSI ... PDI): mathematics such as `dC/dy[1,1]*k[2]` starts with
a Latin letter and so stays left-to-right inside Hebrew text, while a field that is itself
Hebrew (a detector's explanation) keeps its own direction.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .report import Maths, Message, MessageParam

_FSI, _PDI = "\u2068", "\u2069"


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, as specs and `--lang` write it
    name: str  # in the language itself, for people choosing one
    rtl: bool = False  # right-to-left: fields are isolated so that maths stays left-to-right


# The one place languages are declared: the CLI's `--lang` choices and the renderers' text
# direction come from here. A new language is one line here plus its sentences in MESSAGES
# (a sentence without a translation falls back to English).
REGISTRY: dict[str, Language] = {lang.code: lang for lang in (
    Language("en", "English"),
    Language("he", "עברית", rtl=True),
)}
DEFAULT_LANGUAGE = "en"
LANGUAGES: tuple[str, ...] = tuple(REGISTRY)
RTL: frozenset[str] = frozenset(code for code, lang in REGISTRY.items() if lang.rtl)

MESSAGES: dict[str, dict[str, str]] = {
    "score": {"en": "score", "he": "ציון"},
    "variant": {"en": "variant", "he": "גרסה"},
    "variant.default": {"en": "graded on the DEFAULT variant ({values}): this exercise has one variant per student; "
                              "pass your student id with --variant ID to grade yours",
                        "he": "נבדק מול גרסת ברירת המחדל ({values}): לתרגיל זה גרסה לכל סטודנט; "
                              "העבירו את מספר הסטודנט עם --variant ID"},
    "student output": {"en": "what your code printed", "he": "מה שהקוד שלך הדפיס"},
    # headers of the table of checks (HTML, Markdown)
    "col.check": {"en": "check", "he": "בדיקה"},
    "col.points": {"en": "points", "he": "ניקוד"},
    "col.line": {"en": "line", "he": "שורה"},
    # function checks
    "fn.pass": {"en": "all {n} entries match the reference on {trials} trials (worst relative error {worst})",
                "he": "כל {n} האיברים תואמים לפתרון בכל {trials} הניסויים (שגיאה יחסית מרבית {worst})"},
    "fn.differ": {"en": "{wrong} of {n} entries differ from the reference: {entries}",
                  "he": "{wrong} מתוך {n} איברים שונים מהפתרון: {entries}"},
    "fn.more": {"en": " and {count} more", "he": " ועוד {count}"},
    "fn.shape": {"en": "{fn} must return an array shaped like {target}: expected shape {expected}, got {got}",
                 "he": "{fn} צריכה להחזיר מערך בצורה של {target}: ציפינו לצורה {expected}, התקבלה {got}"},
    "fn.with_hint": {"en": "{sentence}{hint}", "he": "{sentence}{hint}"},
    "fn.indented": {"en": "  {line}", "he": "  {line}"},
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
    "ex.review": {"en": "{entry}{where}: could not be decided automatically: flagged for your instructor",
                  "he": "{entry}{where}: לא ניתן להכריע אוטומטית: סומן לבדיקת המרצה"},
    "ex.review_why": {"en": "why: {reason}", "he": "סיבה: {reason}"},
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
    "dx.no_upstream": {"en": "{terms} has no upstream factor {upstream}: did you forget the chain rule?",
                       "he": "ל־{terms} אין גורם {upstream}: האם שכחת את כלל השרשרת?"},
    "dx.sign": {"en": "your answer is the right one with the opposite sign", "he": "התשובה שלך היא התשובה הנכונה עם סימן הפוך"},
    "dx.factor": {"en": "your answer is the right one times {factor}", "he": "התשובה שלך היא התשובה הנכונה כפול {factor}"},
    "dx.and": {"en": ", and ", "he": ", וגם "},
    "dx.both": {"en": "{first}, and {second}", "he": "{first}, וגם {second}"},
    "dx.yours_has": {"en": "Your answer has {answer}", "he": "בתשובתך: {answer}"},
    "dx.then": {"en": "{first} {second}", "he": "{first} {second}"},
    "dx.because": {"en": "{sentence}: {findings}", "he": "{sentence}: {findings}"},
    "dx.end": {"en": "{sentence}.", "he": "{sentence}."},
    "dx.expected": {"en": "expected: {answer}", "he": "התשובה הצפויה: {answer}"},
    # misconceptions
    "mc.matches": {"en": "your {what} matches {name}: {explanation}", "he": "{what} שלך תואם ל{name}: {explanation}"},
    # worked solutions (grader explain); fields are maths, written in the format's notation
    "xp.title": {"en": "Worked solution: {title}", "he": "פתרון מלא: {title}"},
    "xp.variant": {"en": "Variant {variant}: {values}", "he": "גרסה {variant}: {values}"},
    "xp.forward": {"en": "The forward pass", "he": "המעבר קדימה"},
    "xp.node": {"en": "{output} = {op}({inputs}), entry by entry:", "he": "{output} = {op}({inputs}), איבר אחר איבר:"},
    "xp.more_forward": {"en": "... and {count} more equations of the same form.",
                        "he": "... ועוד {count} משוואות מאותה צורה."},
    "xp.more_backward": {"en": "... and {count} more entries of the same form.",
                         "he": "... ועוד {count} איברים מאותה צורה."},
    "xp.general": {"en": "In general, for {ranges}:", "he": "ובאופן כללי, עבור {ranges}:"},
    "xp.chain": {"en": "The chain rule", "he": "כלל השרשרת"},
    "xp.chain.rule": {
        "en": "{upstream} is given. An input entry reaches the loss through every output entry that reads it: "
              "each such output is one path, and contributes its upstream gradient times its local derivative. "
              "The contributions of all paths add up (the multivariate chain rule).",
        "he": "{upstream} נתון. איבר של קלט משפיע על ה־loss דרך כל איבר של הפלט שקורא אותו: כל פלט כזה הוא מסלול, "
              "ותרומתו היא הגרדיאנט שהוא מקבל כפול הנגזרת המקומית. התרומות של כל המסלולים מתחברות (כלל השרשרת "
              "הרב־משתני)."},
    "xp.chain.scalar": {
        "en": "The output {output} is the loss {loss} itself, so its own gradient is 1; every other gradient "
              "follows from the chain rule, node by node.",
        "he": "הפלט {output} הוא ה־loss {loss} עצמו, ולכן הגרדיאנט שלו הוא 1; כל שאר הגרדיאנטים נובעים מכלל "
              "השרשרת, צומת אחר צומת."},
    "xp.target": {"en": "The gradient {target}", "he": "הגרדיאנט {target}"},
    "xp.via": {"en": "{entry} reaches the loss through {via}, whose gradient is derived in its own section: "
                     "each of those gradients times its local derivative, added over the paths.",
               "he": "{entry} משפיע על ה־loss דרך {via}, שהגרדיאנט שלו מחושב בסעיף משלו: כל גרדיאנט כזה כפול "
                     "הנגזרת המקומית, בסכום על כל המסלולים."},
    "xp.no_path": {"en": "{entry} is read by no output: its gradient is 0.",
                   "he": "אף פלט אינו קורא את {entry}: הגרדיאנט שלו הוא 0."},
    "xp.zero.not_max": {
        "en": "{entry} is read by {outputs}, but with the given values it is not the maximum of its window "
              "(the maximum: {winners}): max pooling passes the gradient to each window's maximum only, so its gradient is 0.",
        "he": "{outputs} קורא את {entry}, אבל עם הערכים הנתונים הוא אינו המקסימום של החלון שלו (המקסימום: {winners}): "
              "max pooling מעביר את הגרדיאנט רק למקסימום של כל חלון, ולכן הגרדיאנט שלו הוא 0."},
    "xp.zero.branch": {
        "en": "{entry} is read by {output}, but {entry} = {value} with the given values, where {derivative} = 0: "
              "its gradient is 0.",
        "he": "{output} קורא את {entry}, אבל עם הערכים הנתונים {entry} = {value}, ושם {derivative} = 0: "
              "הגרדיאנט שלו הוא 0."},
    "xp.zero.local": {
        "en": "{entry} is read by {outputs}, but with the given values its local derivative there is 0 ({locals}): "
              "its gradient is 0.",
        "he": "{outputs} קורא את {entry}, אבל עם הערכים הנתונים הנגזרת המקומית שם היא 0 ({locals}): "
              "הגרדיאנט שלו הוא 0."},
    "xp.zero.upstream": {
        "en": "{entry} reaches the loss only through {outputs}, whose gradient is 0 (its own section says why): "
              "its gradient is 0 too.",
        "he": "{entry} משפיע על ה־loss רק דרך {outputs}, שהגרדיאנט שלו הוא 0 (הסעיף שלו מסביר למה): "
              "גם הגרדיאנט שלו הוא 0."},
    "xp.zero.upstream_too": {
        "en": "{entry} also reaches {outputs}, whose gradient is 0 (its own section says why).",
        "he": "{entry} משפיע גם על {outputs}, שהגרדיאנט שלו הוא 0 (הסעיף שלו מסביר למה)."},
    "xp.zero.cancel": {
        "en": "{entry} is read by {outputs}; with the given values the contributions of its paths add up to 0.",
        "he": "{outputs} קורא את {entry}; עם הערכים הנתונים התרומות של המסלולים שלו מסתכמות ב־0."},
    "xp.given": {"en": "With the given values, {values}.", "he": "עם הערכים הנתונים, {values}."},
    "xp.one_path": {"en": "{entry} is read by one output only, {output}: one path, with local derivative {local}.",
                    "he": "רק פלט אחד קורא את {entry}, והוא {output}: מסלול אחד, עם נגזרת מקומית {local}."},
    "xp.one_path_via": {"en": "{entry} reaches one output only, {output}: one path, with local derivative {local}.",
                        "he": "{entry} משפיע על פלט אחד בלבד, {output}: מסלול אחד, עם נגזרת מקומית {local}."},
    "xp.paths_via": {"en": "{entry} reaches {count} outputs, {outputs}: {count} paths.",
                     "he": "{entry} משפיע על {count} פלטים, והם {outputs}: {count} מסלולים."},
    "xp.paths": {"en": "{entry} is read by {count} outputs, {outputs}: {count} paths.",
                 "he": "{count} פלטים קוראים את {entry}, והם {outputs}: {count} מסלולים."},
    "xp.paths_meet": {
        "en": "The paths meet at {entry}: each output that reads it sends back its own upstream gradient, times "
              "its own local derivative, and the contributions add up. They cannot share one upstream factor, "
              "because each output has its own.",
        "he": "המסלולים נפגשים ב־{entry}: כל פלט שקורא אותו מחזיר את הגרדיאנט שלו, כפול הנגזרת המקומית שלו, "
              "והתרומות מתחברות. אי אפשר להוציא גורם משותף אחד, כי לכל פלט יש גרדיאנט משלו."},
    "xp.scalar_path": {"en": "{entry} reaches the loss through the nodes above; the local derivatives multiply "
                             "along each path.",
                       "he": "{entry} משפיע על ה־loss דרך הצמתים שלמעלה; הנגזרות המקומיות מוכפלות לאורך כל מסלול."},
    "xp.relu_prime": {"en": "ReLU'(z) is written 1[z > 0] here (also read: relu'(z), H(z)): 1 for z > 0 and 0 "
                            "for z <= 0 (at z = 0 the reference takes 0, as PyTorch does).",
                      "he": "כאן ReLU'(z) נכתב כ־1[z > 0] (נקרא גם relu'(z), H(z)): 1 עבור z > 0 ו־0 עבור "
                            "z <= 0 (ב־z = 0 הפתרון לוקח 0, כמו PyTorch)."},
    "xp.compact": {"en": "Compact form", "he": "צורה מקוצרת"},
    "xp.compact.correlate2d.0": {
        "en": "{target} is the full cross-correlation of {upstream} (zero-padded on every side by the kernel size "
              "minus one) with {input1} rotated by 180°; in other words, the full convolution of {upstream} "
              "with {input1}.",
        "he": "{target} הוא הקורלציה המלאה של {upstream} (מרופד באפסים מכל צד בגודל הגרעין פחות אחד) עם {input1} "
              "מסובב ב־180°; במילים אחרות, הקונבולוציה המלאה של {upstream} עם {input1}."},
    "xp.compact.correlate2d.1": {
        "en": "{target} is the valid cross-correlation of {input0} with {upstream}: each kernel entry collects "
              "dC/dy of every output times the input entry it met there.",
        "he": "{target} הוא הקורלציה התקפה (valid) של {input0} עם {upstream}: כל איבר של הגרעין אוסף את dC/dy של "
              "כל פלט כפול איבר הקלט שפגש בו."},
    "xp.compact.convolve2d.0": {
        "en": "{target} is the full cross-correlation of {upstream} with {input1}, not rotated: the forward pass "
              "rotated the kernel by 180°, the backward pass rotates it back.",
        "he": "{target} הוא הקורלציה המלאה של {upstream} עם {input1}, ללא סיבוב: המעבר קדימה סובב את הגרעין "
              "ב־180°, והמעבר אחורה מסובב אותו בחזרה."},
    "xp.compact.convolve2d.1": {
        "en": "{target} is the valid cross-correlation of {input0} with {upstream}, rotated by 180°.",
        "he": "{target} הוא הקורלציה התקפה של {input0} עם {upstream}, מסובבת ב־180°."},
    "xp.compact.dense.0": {"en": "{target} = {input1T} {upstream}.", "he": "{target} = {input1T} {upstream}."},
    "xp.compact.dense.1": {
        "en": "{target} = {upstream} {input0T}: the outer product of the upstream gradient and the input, "
              "shaped like {input1}.",
        "he": "{target} = {upstream} {input0T}: המכפלה החיצונית של הגרדיאנט והקלט, בצורה של {input1}."},
    "xp.compact.dense.2": {"en": "{target} = {upstream}: the bias adds to each output once.",
                           "he": "{target} = {upstream}: ההטיה מתווספת לכל פלט פעם אחת."},
    "xp.compact.avg_pool2d.0": {
        "en": "{target}: each entry receives, from every window that contains it, that window's upstream "
              "gradient divided by the window size.",
        "he": "{target}: כל איבר מקבל, מכל חלון שמכיל אותו, את הגרדיאנט של החלון חלקי גודל החלון."},
    "xp.compact.sum_pool2d.0": {
        "en": "{target}: each entry receives the upstream gradient of every window that contains it.",
        "he": "{target}: כל איבר מקבל את הגרדיאנט של כל חלון שמכיל אותו."},
    "xp.compact.relu.0": {"en": "{target} = {upstream} ⊙ ReLU'({input0}), entry by entry (1 where the input is "
                                "positive, 0 elsewhere).",
                          "he": "{target} = {upstream} ⊙ ReLU'({input0}), איבר איבר (1 היכן שהקלט חיובי, 0 "
                                "בשאר המקומות)."},
    "xp.compact.sigmoid.0": {"en": "{target} = {upstream} ⊙ σ({input0}) ⊙ (1 − σ({input0})), entry by entry.",
                             "he": "{target} = {upstream} ⊙ σ({input0}) ⊙ (1 − σ({input0})), איבר איבר."},
    "xp.compact.tanh.0": {"en": "{target} = {upstream} ⊙ (1 − tanh²({input0})), entry by entry.",
                          "he": "{target} = {upstream} ⊙ (1 − tanh²({input0})), איבר איבר."},
    "xp.compact.square.0": {"en": "{target} = 2 {upstream} ⊙ {input0}, entry by entry.",
                            "he": "{target} = 2 {upstream} ⊙ {input0}, איבר איבר."},
    "xp.compact.sum.0": {"en": "{target}: every entry receives {upstream} unchanged.",
                         "he": "{target}: כל איבר מקבל את {upstream} ללא שינוי."},
    "xp.compact.mean.0": {"en": "{target}: every entry receives {upstream} divided by the number of entries.",
                          "he": "{target}: כל איבר מקבל את {upstream} חלקי מספר האיברים."},
    # the web pages of `grader serve` (grader/web/pages.py)
    "web.exercises": {"en": "Exercises", "he": "תרגילים"},
    "web.class": {"en": "Class", "he": "כיתה"},
    "web.ops": {"en": "ops", "he": "פעולות"},
    "web.asked": {"en": "asked", "he": "נדרש"},
    "web.points": {"en": "{points} points", "he": "{points} נקודות"},
    "web.variant": {"en": "Variant {id}: {what}", "he": "גרסה {id}: {what}"},
    "web.your_variant": {"en": "Your student id (for your own variant)", "he": "מספר הסטודנט שלך (לגרסה שלך)"},
    "web.show_variant": {"en": "Show my variant", "he": "הצג את הגרסה שלי"},
    "web.entries": {"en": "Type your answers, entry by entry", "he": "הקלידו את התשובות, איבר אחר איבר"},
    "web.entries_hint": {"en": "Plain notation (dy[1]*x[2]) or LaTeX; leave an entry empty to skip it. "
                                  "Below each entry: how the grader reads it.",
                         "he": "כתיב פשוט (dy[1]*x[2]) או LaTeX; איבר ריק מדולג. "
                               "מתחת לכל איבר: איך הבודק קורא אותו."},
    "web.too_many_entries": {"en": "This exercise asks for {n} entries: paste a derivation or upload a file instead.",
                             "he": "התרגיל מבקש {n} איברים: הדביקו גזירה או העלו קובץ."},
    "web.paste": {"en": "Or paste a derivation, YAML answers or code", "he": "או הדביקו גזירה, תשובות YAML או קוד"},
    "web.kind": {"en": "What it is", "he": "סוג"},
    "web.upload": {"en": "Or upload a file", "he": "או העלו קובץ"},
    "web.grade": {"en": "Grade", "he": "בדיקה"},
    "web.grading": {"en": "Grading… (at most {n} at once: yours waits its turn)",
                    "he": "בודק… (לכל היותר {n} בו־זמנית: התשובה שלך ממתינה לתורה)"},
    "web.back": {"en": "Back to the exercise", "he": "חזרה לתרגיל"},
    "web.read_as": {"en": "read as", "he": "נקרא כ־"},
    "web.busy": {"en": "The grader is busy ({running} gradings running, {waiting} waiting). Try again in a few seconds.",
                 "he": "הבודק עסוק ({running} בדיקות רצות, {waiting} ממתינות). נסו שוב בעוד כמה שניות."},
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


# --- messages as data -------------------------------------------------------------------------
# A check or finding says what it found as a Message (key and fields, maths as Maths values);
# a renderer asks for the sentence as pieces, text runs and the maths in them, and prints each
# maths its own way. The sentence is never taken apart again after it was written.

_MARK = re.compile("\x00(\\d+)\x00")


def pieces(lang: str, message: Message) -> list[str | Maths]:
    """The translated sentence as text runs and Maths values, in reading order."""
    held: list[MessageParam] = []
    fields: dict[str, object] = {}
    for name, value in message.fields:
        if isinstance(value, (Maths, Message, tuple)):
            fields[name] = f"\x00{len(held)}\x00"
            held.append(value)
        else:
            fields[name] = value
    out: list[str | Maths] = []
    text = tr(lang, message.key, **fields)
    at = 0
    for found in _MARK.finditer(text):
        _text_run(out, text[at:found.start()])
        for piece in _field_pieces(lang, held[int(found.group(1))]):
            _text_run(out, piece) if isinstance(piece, str) else out.append(piece)
        at = found.end()
    _text_run(out, text[at:])
    return out


def _field_pieces(lang: str, value: MessageParam) -> list[str | Maths]:
    if isinstance(value, Maths):
        return [value]
    if isinstance(value, Message):
        return pieces(lang, value)
    if isinstance(value, tuple):
        out: list[str | Maths] = []
        for i, item in enumerate(value):
            if i:
                _text_run(out, ", ")
            for piece in _field_pieces(lang, item):
                _text_run(out, piece) if isinstance(piece, str) else out.append(piece)
        return out
    return [str(value)]


def _text_run(out: list[str | Maths], text: str) -> None:
    if not text:
        return
    if out and isinstance(out[-1], str):
        out[-1] += text
    else:
        out.append(text)


# Maths longer than this is cut in a sentence's text (an attention exercise's expected answer
# is hundreds of characters per entry even in the author's terms): the text report stays
# readable, and the full expression stays in the message's data (`said` in the JSON report).
MAX_MATHS_TEXT = 80


def cut(text: str, limit: int = MAX_MATHS_TEXT) -> str:
    """`text`, or its first part up to a term or factor boundary and an ellipsis when longer."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    at = max(head.rfind(" + "), head.rfind(" - "), head.rfind("*"), head.rfind(" "))
    return (head[:at] if at > limit // 2 else head).rstrip(" +-*") + " \u2026"


def plain(lang: str, message: Message) -> str:
    """The sentence as text: maths in the notation the student used (see Maths.text), each
    expression cut at `MAX_MATHS_TEXT` characters (in full in `message`)."""
    return "".join(p if isinstance(p, str) else cut(p.text) for p in pieces(lang, message))
