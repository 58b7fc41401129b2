"""Every built-in detector, for symbolic answers and for Python functions.

The exercise: a 3x3 image and a 3x3 kernel with zero padding 1, so dC/dX and dC/dK have the same
square shape and every detector (transpose, wrong input, shifts) applies. For each detector the
submission is built from the mutation itself, and the report must name it.
"""
import textwrap

import numpy as np
import pytest
import yaml

from grader.diagnosis.mutations import mutated_symbolic
from grader.spec.detectors import BUILT_IN
from grader.pipeline import grade
from grader.answers.parsing.printer import to_plain
from grader.spec.load import parse_exercise

SPEC = textwrap.dedent("""\
    id: square-detectors
    title: Padded 3x3 correlation
    statement: "Find dC/dX and dC/dK."
    inputs:
      X: {shape: [3, 3], symbol: x}
      K: {shape: [3, 3], symbol: k}
    graph:
      - {op: correlate2d, inputs: [X, K], output: Y, params: {padding: 1}}
    output: {name: Y, symbol: y}
    upstream: {name: dY, symbol: dy}
    targets:
      X: {points: 9, per_entry: true}
      K: {points: 9, per_entry: true}
    functions:
      grad_X: {args: [X, K, dY], returns: X}
      grad_K: {args: [X, K, dY], returns: K}
    trials: {count: 3, seed: 0}
    """)

NAMES = [d.name for d in BUILT_IN]


@pytest.fixture(scope="module")
def exercise(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "square.yaml"
    path.write_text(SPEC)
    return parse_exercise(SPEC, str(path))


def test_every_built_in_detector_is_covered_here():
    assert set(NAMES) == set(MUTATIONS)


@pytest.mark.parametrize("name", NAMES)
def test_symbolic_answer_matching_a_detector_is_named(exercise, tmp_path, name):
    detector = next(d for d in BUILT_IN if d.name == name)
    answers = {}
    changed = []
    for target in ("X", "K"):
        mutated = mutated_symbolic(exercise, detector, target)
        for idx in np.ndindex(3, 3):
            answers[f"{target}[{idx[0] + 1},{idx[1] + 1}]"] = to_plain(mutated[idx])
            if (mutated[idx] - exercise.solution[target][idx].expr).expand() != 0:
                changed.append((target, (idx[0] + 1, idx[1] + 1)))
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers, width=10**6))
    report = grade(exercise, path)
    assert changed
    by = {(c.target, c.index): c for c in report.checks}
    for key in changed:
        check = by[key]
        assert check.status == "fail"
        assert f"detector:{name}" in check.notes, (key, check.notes, check.feedback)
    for key, check in by.items():
        if key not in changed:
            assert check.status == "pass"


CORRECT = '''
import numpy as np


def _forward(X, K):
    P = np.pad(X, 1)
    return np.array([[np.sum(P[a:a + 3, b:b + 3] * K) for b in range(3)] for a in range(3)])


def _grads(X, K, dY):
    P = np.pad(X, 1)
    dP = np.zeros_like(P)
    dK = np.zeros_like(K)
    for a in range(3):
        for b in range(3):
            dP[a:a + 3, b:b + 3] += dY[a, b] * K
            dK += dY[a, b] * P[a:a + 3, b:b + 3]
    return dP[1:-1, 1:-1], dK


def _shift(g, axis, by):
    out = np.zeros_like(g)
    if axis == 0:
        out[max(by, 0):3 + min(by, 0)] = g[max(-by, 0):3 - max(by, 0)]
    else:
        out[:, max(by, 0):3 + min(by, 0)] = g[:, max(-by, 0):3 - max(by, 0)]
    return out
'''

# detector -> (grad_X body, grad_K body), each an expression in X, K, dY and the helpers above
MUTATIONS = {
    "flipped-kernel": ("_grads(X, K[::-1, ::-1], dY)[0]", "_grads(X, K[::-1, ::-1], dY)[1][::-1, ::-1]"),
    "transposed": ("_grads(X, K, dY)[0].T", "_grads(X, K, dY)[1].T"),
    "forward-for-upstream": ("_grads(X, K, _forward(X, K))[0]", "_grads(X, K, _forward(X, K))[1]"),
    "upstream-ignored": ("_grads(X, K, np.ones_like(dY))[0]", "_grads(X, K, np.ones_like(dY))[1]"),
    "sign": ("-_grads(X, K, dY)[0]", "-_grads(X, K, dY)[1]"),
    "factor-half": ("0.5 * _grads(X, K, dY)[0]", "0.5 * _grads(X, K, dY)[1]"),
    "factor-two": ("2 * _grads(X, K, dY)[0]", "2 * _grads(X, K, dY)[1]"),
    "sum-vs-mean": ("_grads(X, K, dY)[0] / 9", "_grads(X, K, dY)[1] / 9"),
    "mean-vs-sum": ("_grads(X, K, dY)[0] * 9", "_grads(X, K, dY)[1] * 9"),
    "shifted-down": ("_shift(_grads(X, K, dY)[0], 0, 1)", "_shift(_grads(X, K, dY)[1], 0, 1)"),
    "shifted-up": ("_shift(_grads(X, K, dY)[0], 0, -1)", "_shift(_grads(X, K, dY)[1], 0, -1)"),
    "shifted-right": ("_shift(_grads(X, K, dY)[0], 1, 1)", "_shift(_grads(X, K, dY)[1], 1, 1)"),
    "shifted-left": ("_shift(_grads(X, K, dY)[0], 1, -1)", "_shift(_grads(X, K, dY)[1], 1, -1)"),
    "wrong-input": ("_grads(X, K, dY)[1]", "_grads(X, K, dY)[0]"),
}


@pytest.mark.parametrize("name", NAMES)
def test_function_matching_a_detector_is_named(exercise, tmp_path, name):
    gx, gk = MUTATIONS[name]
    source = CORRECT + f"\n\ndef grad_X(X, K, dY):\n    return {gx}\n\n\ndef grad_K(X, K, dY):\n    return {gk}\n"
    path = tmp_path / "submission.py"
    path.write_text(source)
    report = grade(exercise, path)
    for check in report.checks:
        assert check.status == "fail", check
        assert f"detector:{name}" in check.notes, (check.name, check.notes)
        finding = next(f for f in check.findings if f.detail.get("detector") == name)
        assert finding.kind == "misconception" and finding.message


def test_the_correct_function_matches_no_detector(exercise, tmp_path):
    path = tmp_path / "submission.py"
    path.write_text(CORRECT + "\n\ndef grad_X(X, K, dY):\n    return _grads(X, K, dY)[0]\n\n\n"
                              "def grad_K(X, K, dY):\n    return _grads(X, K, dY)[1]\n")
    report = grade(exercise, path)
    assert report.return_code == 0 and not any(c.findings for c in report.checks)


TWO_CHANNELS = textwrap.dedent("""\
    id: two-channels
    title: Two input channels, a 1x1 kernel
    statement: "Find dC/dX and dC/dK."
    inputs:
      X: {shape: [2, 3, 3], symbol: x}
      K: {shape: [1, 2, 1, 1], symbol: k, written_axes: [1]}
    graph:
      - {op: correlate2d, inputs: [X, K], output: Y}
    output: {name: Y, symbol: y}
    upstream: {name: dY, symbol: dy}
    targets:
      X: {points: 2, per_entry: true}
      K: {points: 2, per_entry: true}
    """)


def test_a_wrong_input_channel_is_not_called_a_shifted_window(tmp_path):
    # Channel 1's weight and image used for channel 2: moving along the channel axis is possible
    # on the arrays, but it is no off-by-one in the window (the kernel is 1x1 and has none).
    exercise = parse_exercise(TWO_CHANNELS, "two-channels.yaml")
    answers = {"K[1]": "sum(dy[1,i,j]*x[1,i,j], (i,1,3), (j,1,3))", "K[2]": "sum(dy[1,i,j]*x[1,i,j], (i,1,3), (j,1,3))"}
    answers.update({f"X[{c},{i},{j}]": f"dy[1,{i},{j}]*k[1]" for c in (1, 2) for i in (1, 2, 3) for j in (1, 2, 3)})
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers))
    report = grade(exercise, path)
    wrong = [c for c in report.checks if c.status == "fail"]
    assert len(wrong) == 10  # the 9 entries of channel 2 of X, and k[2]
    for check in wrong:
        assert not any(n.startswith("detector:shifted") for n in check.notes), (check.name, check.notes)
        assert "shifted" not in " ".join(f.message for f in check.findings)


def test_shift_detectors_apply_to_the_rows_and_columns_of_a_windowed_input():
    from grader.diagnosis.mutations import applies

    shifts = [d for d in BUILT_IN if d.kind == "shift"]
    channels = parse_exercise(TWO_CHANNELS, "two-channels.yaml")
    assert [applies(d, channels, "X") for d in shifts] == [True] * 4  # rows and columns of each 3x3 channel
    assert [applies(d, channels, "K") for d in shifts] == [False] * 4  # a 1x1 kernel has no window to shift
    square = parse_exercise(SPEC, "square.yaml")
    assert all(applies(d, square, t) for d in BUILT_IN for t in ("X", "K"))
