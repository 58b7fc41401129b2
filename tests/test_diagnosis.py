"""Feedback that teaches: chain-rule paths, detectors, rules, self-tests, Hebrew output.

Table-driven: each row is an answer for one entry of the seed exercise, the expected verdict
and the finding kinds (and words) the feedback must contain.
"""
import json
import textwrap
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SEED_ID as SEED, cli
from grader.pipeline import grade
from grader.spec.load import load_exercise

FUNCTIONS = Path(__file__).parent / "submissions" / "functions"

REFERENCE = {
    "X": [["dy[1,1]*k[1]", "dy[1,2]*k[1]", "dy[1,3]*k[1]"],
          ["dy[1,1]*k[2] + dy[2,1]*k[1]", "dy[1,2]*k[2] + dy[2,2]*k[1]", "dy[1,3]*k[2] + dy[2,3]*k[1]"],
          ["dy[2,1]*k[2]", "dy[2,2]*k[2]", "dy[2,3]*k[2]"]],
    "K[1]": "sum(dy[n,m]*x[n,m], (n, 1, 2), (m, 1, 3))",
    "K[2]": "sum(dy[n,m]*x[n+1,m], (n, 1, 2), (m, 1, 3))",
}


def _answers(tmp_path, **entries):
    """The reference answer with some entries replaced (keys like X_2_1 for X[2,1])."""
    data = json.loads(json.dumps(REFERENCE))
    for key, value in entries.items():
        target, i, *rest = key.split("_")
        if target == "X":
            data["X"][int(i) - 1][int(rest[0]) - 1] = value
        else:
            data[f"K[{i}]"] = value
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, width=10**6))
    return path


def _check(report, target, index):
    return next(c for c in report.checks if c.target == target and c.index == index)


# entry key, answer, expected finding kinds, words in the feedback
ROWS = [
    ("X_2_1", "dy[2,1]*(k[1] + k[2])", {"missing-path", "extra-term", "rule"},
     ["dy[1,1]*k[2] is missing", "dy[2,1]*k[2] does not belong", "y[1,1], y[2,1]"]),
    ("X_2_1", r"\frac{\partial C}{\partial y_{2,1}} (k_1 + k_2)", {"missing-path", "extra-term", "rule"},
     [r"\frac{\partial C}{\partial y_{1,1}} k_{2} is missing", r"\frac{\partial C}{\partial y_{2,1}} k_{2} does not belong"]),
    ("X_2_1", "dy[1,1]*k[2]", {"missing-path"}, ["dy[2,1]*k[1] is missing"]),
    ("X_1_1", "dy[1,1]*k[1] + dy[2,1]*k[2]", {"extra-path"}, ["dy[2,1]*k[2] does not belong"]),
    ("X_2_1", "dy[1,1]*k[1] + dy[2,1]*k[2]", {"wrong-coefficient", "misconception"},
     ["has dy[1,1]*k[1] where dy[1,1]*k[2] belongs", "flipped kernel"]),
    ("X_2_1", "k[2] + k[1]", {"missing-path", "no-upstream", "misconception"}, ["chain rule", "taken as 1"]),
    ("X_2_1", "-dy[1,1]*k[2] - dy[2,1]*k[1]", {"sign"}, ["opposite sign"]),
    ("X_2_1", "2*dy[1,1]*k[2] + 2*dy[2,1]*k[1]", {"factor"}, ["times 2"]),
    ("X_1_2", "dy[2,1]*k[1]", {"missing-path", "extra-path"}, ["dy[1,2]*k[1] is missing"]),
    ("X_2_2", "dy[1,2]*(x[1,2]*k[1] + x[2,2]*k[2])*k[2] + dy[2,2]*k[1]", {"wrong-coefficient"}, []),
    ("K_1", "sum(dy[n,m]*x[n+1,m], (n, 1, 2), (m, 1, 3))", {"misconception"}, ["flipped kernel"]),
    ("X_3_1", "(x[2,1]*k[1] + x[3,1]*k[2])*k[2]", {"no-upstream", "missing-path", "misconception"}, ["forward output"]),
]


@pytest.mark.parametrize("key,answer,kinds,words", ROWS, ids=[f"{r[0]}:{r[1]}" for r in ROWS])
def test_symbolic_diagnosis(tmp_path, key, answer, kinds, words):
    report = grade(load_exercise(SEED), _answers(tmp_path, **{key: answer}))
    target, *idx = key.split("_")
    check = _check(report, target, tuple(int(i) for i in idx))
    assert check.status == "fail"
    found = {f.kind for f in check.findings}
    assert kinds <= found, (found, check.feedback)
    text = check.feedback + " " + " ".join(f.message for f in check.findings)
    for word in words:
        assert word in text, (word, text)
    others = [c for c in report.checks if c is not check]
    assert all(c.status == "pass" for c in others)


def test_seed_row2_mistake_is_explained_with_partial_credit(tmp_path):
    path = _answers(tmp_path, **{f"X_2_{j}": f"dy[2,{j}]*(k[2] + k[1])" for j in (1, 2, 3)})
    report = grade(load_exercise(SEED), path)
    assert report.return_code == 1
    assert report.score == pytest.approx(8.5)
    check = _check(report, "X", (2, 1))
    assert "X-row2-merged-path" in check.notes
    assert check.points == pytest.approx(6 / 9 * 0.25)
    assert "the term dy[1,1]*k[2] is missing" in check.feedback
    assert "dy[2,1]*k[2] does not belong" in check.feedback
    assert any(f.kind == "rule" and "y[1,1]" in f.message for f in check.findings)


def test_hebrew_feedback_keeps_maths_left_to_right(tmp_path):
    path = _answers(tmp_path, X_2_1="dy[2,1]*(k[1] + k[2])")
    result = cli("grade", SEED, path, "--lang", "he", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    check = next(c for c in report["checks"] if c["index"] == [2, 1] and c["target"] == "X")
    assert "חסר האיבר" in check["feedback"]
    assert "\u2068dy[1,1]*k[2]\u2069" in check["feedback"]  # first-strong isolate: LTR for maths
    assert report["language"] == "he"
    text = cli("grade", SEED, path, "--lang", "he")
    assert "ציון" in text.stdout


# Function submissions: the detector named for each classic mistake.
FUNCTION_ROWS = [
    ("wrong_flipped_kernel", "grad_X", "flipped-kernel"),
    ("wrong_transpose", "grad_X", "transposed"),
    ("wrong_uses_forward_output", "grad_X", "forward-for-upstream"),
    ("wrong_ignores_upstream", "grad_X", "upstream-ignored"),
    ("wrong_sign", "grad_X", "sign"),
    ("wrong_half_factor", "grad_X", "factor-half"),
    ("wrong_kernel_grad_swapped_rows", "grad_K", "flipped-kernel"),
]


@pytest.mark.parametrize("name,function,detector", FUNCTION_ROWS)
def test_function_misconceptions_are_named(name, function, detector):
    report = grade(load_exercise(SEED), FUNCTIONS / f"{name}.py")
    check = next(c for c in report.checks if c.name.startswith(function))
    assert check.status == "fail"
    assert f"detector:{detector}" in check.notes, check
    assert any(f.kind == "misconception" and f.detail["detector"] == detector for f in check.findings)


def test_correct_code_names_no_misconception():
    report = grade(load_exercise(SEED), FUNCTIONS / "correct_vectorised.py")
    assert all(not c.findings for c in report.checks)


def test_function_rule_from_a_detector_sets_the_note():
    report = grade(load_exercise(SEED), FUNCTIONS / "wrong_flipped_kernel.py")
    check = next(c for c in report.checks if c.name.startswith("grad_X"))
    assert "flipped-kernel" in check.notes
    assert any(f.kind == "rule" and "does not flip" in f.message for f in check.findings)


CUSTOM = textwrap.dedent("""\
    id: custom-detectors
    title: Custom detectors
    statement: "Find dC/dX."
    inputs:
      X: {shape: [3, 3], symbol: x}
      K: {shape: [2, 2], symbol: k}
    graph:
      - {op: correlate2d, inputs: [X, K], output: Y}
    output: {name: Y, symbol: y}
    upstream: {name: dY, symbol: dy}
    targets:
      X: {points: 9, per_entry: true}
    feedback:
      detectors:
        disable: [factor-two]
        add:
          - {name: triple, kind: scale, factor: 3, label: {en: three times the gradient}, explanation: {en: count once}}
      rules:
        - id: tripled
          detector: triple
          message: {en: "Each path is counted once."}
          credit: 0.5
        - id: x11-guess
          target: X
          entries: [[1, 1]]
          answer: "k[1,1]"
          message: "Multiply by dC/dy."
          credit: 0.1
    """)


def test_spec_can_add_and_disable_detectors_and_give_partial_credit(tmp_path):
    spec = tmp_path / "custom.yaml"
    spec.write_text(CUSTOM)
    exercise = load_exercise(str(spec))
    answers = tmp_path / "a.yaml"
    answers.write_text(yaml.safe_dump({
        "X[1,1]": "k[1,1]",
        "X[1,2]": "3*(dy[1,2]*k[1,1] + dy[1,1]*k[1,2])",
        "X[1,3]": "2*dy[1,2]*k[1,2]",
    }))
    report = grade(exercise, answers)
    c11, c12, c13 = (_check(report, "X", (1, j)) for j in (1, 2, 3))
    assert "x11-guess" in c11.notes and c11.points == pytest.approx(0.1)
    assert "detector:triple" in c12.notes and "tripled" in c12.notes and c12.points == pytest.approx(0.5)
    assert "detector:factor-two" not in c13.notes
    assert all(c.status == "fail" for c in (c11, c12, c13))


def test_self_test_passes_for_the_seed():
    result = cli("validate", "--self-test", ROOT / "exercises" / "conv2d-3x3-k2x1.yaml")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.count(": ok:") == 4 * 3


def test_a_broken_exercise_fails_its_self_test(tmp_path):
    text = (ROOT / "exercises" / "conv2d-3x3-k2x1.yaml").read_text()
    broken = tmp_path / "broken.yaml"
    # Someone "fixes" the op to a true convolution: the samples no longer get the scores they expect.
    broken.write_text(text.replace("{op: correlate2d,", "{op: convolve2d,"))
    result = cli("validate", "--self-test", broken)
    assert result.exit_code == 2
    assert "FAILED" in result.stderr and "the reference answer, plain notation" in result.stderr


ROW2_CODE = """
import numpy as np
def grad_X(X, K, dY):
    dX = np.zeros_like(X)
    dX[0] = dY[0] * K[0, 0]
    dX[1] = dY[1] * (K[0, 0] + K[1, 0])
    dX[2] = dY[1] * K[1, 0]
    {fix}
    return dX
def grad_K(X, K, dY):
    return np.array([[np.sum(dY * X[0:2])], [np.sum(dY * X[1:3])]])
"""


@pytest.mark.parametrize("fix,matches", [("", True), ("dX[1, 0] = dY[0, 0] * K[1, 0] + dY[1, 0] * K[0, 0]", False)],
                         ids=["all three entries", "one entry fixed"])
def test_an_answer_rule_matches_code_that_computes_it_on_all_its_entries(tmp_path, fix, matches):
    path = tmp_path / "row2.py"
    path.write_text(ROW2_CODE.replace("{fix}", fix))
    check = next(c for c in grade(load_exercise(SEED), path).checks if c.target == "X")
    assert check.status == "fail"
    assert ("X-row2-merged-path" in check.notes) is matches
    # 6 of 9 entries right (4 points), plus a quarter of each rule entry's 2/3 point when it matches.
    wrong = 3 if not fix else 2
    assert check.points == pytest.approx(6 * (9 - wrong) / 9 + (0.25 * 6 / 9 * 3 if matches else 0))
    if matches:
        assert any(f.kind == "rule" and "y[1,1] and y[2,1] read x[2,1]" in f.message for f in check.findings)
