"""Authoring traps an instructor met writing a semester's homework from the docs alone: each is
fixed and tested here through the library API (code through the real sandbox)."""

from grader.pipeline import GradeOptions, grade
from grader.spec.load import load_exercise, parse_exercise

SOFTMAX_CE = load_exercise("softmax-cross-entropy-2x3").source

RULES = '''    - id: p-not-halved
      target: Z
      answer: "p[{i},{j}] - t[{i},{j}]/2"
      message: {en: "only t is divided by the batch size 2: p - t is, as a whole."}
      credit: 0.25
    - id: batch-mean-missing
      target: Z
      answer: "p[{i},{j}] - t[{i},{j}]"
      message: {en: "the 1/2 of the batch mean is missing."}
      credit: 0
'''

CODE = '''import numpy as np
def grad_Z(Z, T):
    p = np.exp(Z - Z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return {body}
'''


def _exercise():
    text = SOFTMAX_CE.replace("  rules:\n", "  rules:\n" + RULES, 1)
    return parse_exercise(text, "softmax-ce-rules.yaml")


def _grade_code(tmp_path, body):
    path = tmp_path / "submission.py"
    path.write_text(CODE.format(body=body), encoding="utf-8")
    return grade(_exercise(), path, GradeOptions(lang="en"))


def test_an_answer_rule_fires_on_code_although_the_labels_have_fixed_values(tmp_path):
    # The rule names t[n,k]: on code it takes each trial's labels, not the spec's fixed one-hot.
    report = _grade_code(tmp_path, "p - T / 2")
    (check,) = report.checks
    assert "p-not-halved" in check.notes
    assert report.score == 1.5  # 0.25 of 6 points


def test_an_authors_rule_replaces_the_detectors_sentence_in_written_answers(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text('Z[1,1]: "p[1,1] - t[1,1]"\n', encoding="utf-8")
    report = grade(_exercise(), path, GradeOptions(lang="en"))
    check = next(c for c in report.checks if c.name.endswith("[1,1]") or "1,1" in c.name)
    assert "batch-mean-missing" in check.notes
    assert "misconception" not in [f.kind for f in check.findings]
