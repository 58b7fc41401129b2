"""The misconception detectors a spec's `feedback:` may enable, disable or add to: each is data.

A detector is a `kind` of mutation of the reference (how to mutate) plus its parameters and its
wording; `diagnosis/mutations.py` computes the mutated gradients. The catalogue lives with the
spec because loading a spec checks the names it uses against it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal, Mapping

from .notation import Notation

DetectorKind = Literal["swap-op", "upstream", "transpose", "shift", "scale", "other-target"]


@dataclass(frozen=True)
class Detector:
    name: str
    kind: DetectorKind
    label: Mapping[str, str]  # "a flipped kernel"
    explanation: Mapping[str, str]
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, which: Literal["label", "explanation"], lang: str, notation: Notation | None = None) -> str:
        """The label or explanation in `lang` (else English), in the exercise's notation:
        `{dY}` becomes the upstream gradient's name (dC/dY, or dL/dZ for a loss L and output Z),
        `{dy}` its entries' letter, `{Y}` the output."""
        texts = self.label if which == "label" else self.explanation
        text = texts.get(lang) or texts.get("en", "")
        if notation is None:
            return text
        output = next((a for a in notation.arrays if a.upstream_of is not None), None)
        names = {"Y": output.upstream_of, "dY": notation.derivative(output.upstream_of),
                 "dy": notation.derivative(output.latex)} if output and output.upstream_of else {}
        return _NOTATION_FIELD.sub(lambda m: names.get(m.group(1), m.group(0)), text)


def _d(name: str, kind: DetectorKind, label_en: str, label_he: str, expl_en: str, expl_he: str,
       **params: Any) -> Detector:
    return Detector(name, kind, {"en": label_en, "he": label_he}, {"en": expl_en, "he": expl_he}, params)


_NOTATION_FIELD = re.compile(r"\{(dY|dy|Y)\}")  # only these, so LaTeX braces in a text are left alone

BUILT_IN: tuple[Detector, ...] = (
    _d("flipped-kernel", "swap-op",
       "the gradient of a flipped kernel (true convolution)", "הגרדיאנט של גרעין הפוך (קונבולוציה אמיתית)",
       "conv in deep-learning libraries is cross-correlation: the kernel is not flipped, "
       "so y[i,j] uses k in its written order",
       "conv בספריות למידה עמוקה היא קרוס-קורלציה: הגרעין אינו מתהפך",
       swap={"correlate2d": "convolve2d", "convolve2d": "correlate2d"}),
    _d("transposed", "transpose", "the transposed gradient", "הגרדיאנט המשוחלף",
       "a gradient has the shape of its input, entry (i, j) at row i, column j",
       "לגרדיאנט יש צורה של הקלט שלו: האיבר (i, j) בשורה i ועמודה j"),
    _d("forward-for-upstream", "upstream", "the gradient with the forward output {Y} in place of {dY}",
       "הגרדיאנט עם היציאה {Y} במקום {dY}",
       "the chain rule multiplies by the upstream gradient {dy}, not by the output itself",
       "כלל השרשרת מכפיל בגרדיאנט שמגיע מלמעלה {dy}, לא ביציאה עצמה", use="forward"),
    _d("upstream-ignored", "upstream", "the gradient with every {dy} taken as 1",
       "הגרדיאנט כשכל {dy} נלקח כ־1",
       "each path must be weighted by its own upstream gradient {dy}", "כל מסלול צריך להיות מוכפל בגרדיאנט {dy} שלו",
       use="ones"),
    _d("sign", "scale", "the gradient with the opposite sign", "הגרדיאנט עם סימן הפוך",
       "check the sign: a gradient points uphill, and nothing in this forward pass subtracts",
       "בדקו את הסימן", factor=-1),
    _d("factor-half", "scale", "half the gradient", "חצי מהגרדיאנט",
       "a factor 1/2 crept in", "נכנס גורם של 1/2", factor=Fraction(1, 2)),
    _d("factor-two", "scale", "twice the gradient", "פעמיים הגרדיאנט",
       "every path is counted twice", "כל מסלול נספר פעמיים", factor=2),
    _d("sum-vs-mean", "scale", "the gradient divided by the number of outputs (a mean instead of a sum)",
       "הגרדיאנט מחולק במספר היציאות (ממוצע במקום סכום)",
       "the loss sums the paths; nothing averages them", "ההפסד סוכם את המסלולים; אין כאן ממוצע", factor="1/outputs"),
    _d("mean-vs-sum", "scale", "the gradient times the number of outputs", "הגרדיאנט כפול מספר היציאות",
       "a mean's gradient carries a 1/N; a sum's does not", "בגרדיאנט של ממוצע יש 1/N", factor="outputs"),
    *(_d(f"shifted-{name}", "shift", f"the gradient shifted by one {words}", f"הגרדיאנט מוזז באחד ({he})",
         "an off-by-one in the window: entry (i, j) of Y reads X from (i, j) on, 1-based",
         "טעות של אחד בחלון: האיבר (i, j) של Y קורא את X החל מ־(i, j)", axis=axis, by=by)
      for name, words, he, axis, by in (("down", "row down", "שורה למטה", 0, 1), ("up", "row up", "שורה למעלה", 0, -1),
                                        ("right", "column right", "עמודה ימינה", 1, 1),
                                        ("left", "column left", "עמודה שמאלה", 1, -1))),
    _d("wrong-input", "other-target", "the gradient with respect to the other input", "הגרדיאנט לפי הקלט האחר",
       "the gradients with respect to two inputs are different sums: each multiplies {dy} by the other "
       "input's entries", "הגרדיאנטים לפי שני קלטים שונים הם סכומים שונים"),
)
