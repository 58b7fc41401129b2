"""Spec mistakes an instructor makes that used to pass `grader validate` and then broke grading
silently: each is now reported as `file:line: message`, in process through the CLI."""
import textwrap

import pytest
import yaml

from conftest import COMPOSITE, ROOT, SEED_ID, cli
from grader.pipeline import grade
from grader.spec.selftest import run_self_tests
from grader.spec.load import load_exercise, parse_exercise

SEED_SPEC = (ROOT / "exercises" / f"{SEED_ID}.yaml").read_text()
RULE = textwrap.dedent("""\
    feedback:
      rules:
        - id: my-rule
          target: X
          answer: "dy[1,1]*k[1]"
          message: {en: "a message"}
    """)
SCALAR_LOSS = COMPOSITE.replace("  - {op: sigmoid, inputs: [z], output: a}\n", "").replace("inputs: [a]", "inputs: [z]")


def _seed_with(feedback: str) -> str:
    """The seed spec with its feedback section replaced (self-tests dropped: they expect its rules)."""
    head = SEED_SPEC[:SEED_SPEC.index("feedback:")]
    return head + feedback


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


DEFECTS = [
    ("unparseable rule answer", _seed_with(RULE.replace('"dy[1,1]*k[1]"', '"dy[1,1]*(k[1]"')),
     'answer: "dy[1,1]*(k[1]"', "cannot be read"),
    ("rule answer naming an unknown array", _seed_with(RULE.replace('"dy[1,1]*k[1]"', '"dy[1,1]*q[1]"')),
     'answer: "dy[1,1]*q[1]"', "cannot be read"),
    ("misspelt detector", _seed_with(RULE.replace('answer: "dy[1,1]*k[1]"', "detector: flipped-kernal")),
     "detector: flipped-kernal", "did you mean 'flipped-kernel'?"),
    ("misspelt disabled detector", _seed_with("feedback:\n  detectors:\n    disable: [factor-halve]\n"),
     "disable:", "did you mean 'factor-half'?"),
    ("unknown rule target", _seed_with(RULE.replace("target: X", "target: Z")), "target: Z", "unknown target 'Z'"),
    ("rule entry out of range", _seed_with(RULE.replace("target: X", "target: X\n      entries: [[4, 1]]")),
     "entries: [[4, 1]]", "outside X"),
    ("upstream on a scalar loss", SCALAR_LOSS + "upstream: {name: dL, symbol: dl}\n", "upstream:", "is a scalar"),
]


@pytest.mark.parametrize("name,text,needle,message", DEFECTS, ids=[d[0] for d in DEFECTS])
def test_validate_reports_each_defect_at_its_line(tmp_path, name, text, needle, message):
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    result = cli("validate", path)
    assert result.exit_code == 2, result.output
    wanted = f"{path}:{_line_of(text, needle)}:"
    assert any(line.startswith(wanted) and message in line for line in result.stderr.splitlines()), result.stderr


def test_the_defect_free_versions_validate(tmp_path):
    for text in (_seed_with(RULE), SCALAR_LOSS):
        path = tmp_path / "spec.yaml"
        path.write_text(text)
        result = cli("validate", path)
        assert result.exit_code == 0, result.stderr


def test_a_scalar_loss_without_upstream_grades_correct_answers_fully(tmp_path):
    exercise = parse_exercise(SCALAR_LOSS, str(tmp_path / "spec.yaml"))
    answers = {f"W[{i},{j}]": f"x[{j}]/2" for i in (1, 2) for j in (1, 2)}
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers))
    assert grade(exercise, path).return_code == 0


DIGIT_NAMES = textwrap.dedent("""\
    id: dense-w1
    title: Input names with digits
    statement: "Find dC/dW1."
    inputs:
      W1: {shape: [2, 2], symbol: w}
      a0: {shape: [2], symbol: a}
    graph:
      - {op: dense, inputs: [a0, W1], output: z1}
    output: {name: z1, symbol: z}
    upstream: {name: dz1, symbol: dz}
    targets:
      W1: {points: 4, per_entry: true}
    """)


def test_answers_keyed_by_a_name_with_digits_are_read(tmp_path):
    exercise = parse_exercise(DIGIT_NAMES, str(tmp_path / "spec.yaml"))
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({f"W1[{i},{j}]": f"dz[{i}]*a[{j}]" for i in (1, 2) for j in (1, 2)}))
    report = grade(exercise, path)
    assert report.return_code == 0, [(c.name, c.feedback) for c in report.checks] + list(report.messages)


def test_self_test_scores_compare_as_they_are_printed(tmp_path):
    # One wrong entry of X (9 entries, 6 points, per entry) leaves 10 - 2/3 = 9.333...: the
    # author copies the printed 9.33333 into the spec, and that must pass.
    sample = {"name": "one wrong entry", "answers": {
        "X": [["dy[1,1]*k[2]", "dy[1,2]*k[1]", "dy[1,3]*k[1]"],
              ["dy[1,1]*k[2] + dy[2,1]*k[1]", "dy[1,2]*k[2] + dy[2,2]*k[1]", "dy[1,3]*k[2] + dy[2,3]*k[1]"],
              ["dy[2,1]*k[2]", "dy[2,2]*k[2]", "dy[2,3]*k[2]"]],
        "K": [["sum(dy[n,m]*x[n,m], (n, 1, 2), (m, 1, 3))"], ["sum(dy[n,m]*x[n+1,m], (n, 1, 2), (m, 1, 3))"]]},
        "expect": {"score": 9.33333}}
    text = SEED_SPEC[:SEED_SPEC.index("self_test:")] + yaml.safe_dump({"self_test": [sample]}, width=10**6)
    exercise = parse_exercise(text, str(tmp_path / "spec.yaml"))
    results = run_self_tests(exercise, seeds=(0,))
    assert [r.ok for r in results] == [True], [r.message for r in results]
    assert results[0].message == "score 9.33333 as expected"


def test_show_and_grade_refuse_an_unknown_language_alike():
    shown = cli("show", SEED_ID, "--lang", "fr")
    graded = cli("grade", SEED_ID, ROOT / "examples" / SEED_ID / "correct.yaml", "--lang", "fr")
    assert shown.exit_code == graded.exit_code == 2
    assert "'fr' is not one of 'en', 'he'" in shown.stderr and "'fr' is not one of 'en', 'he'" in graded.stderr


def test_the_bundled_specs_validate_with_their_rule_answers_parsed():
    result = cli("validate", *sorted((ROOT / "exercises").glob("*.yaml")))
    assert result.exit_code == 0, result.stderr
    assert load_exercise(SEED_ID).feedback.rules  # the seed has rules, so their answers were parsed


def test_every_label_uses_the_exercise_s_loss_letter(tmp_path):
    # The seed with its loss called L: no "dC/d" may appear anywhere a student reads.
    from grader.render.json_report import render_json
    from grader.render.text import render_text

    exercise = parse_exercise(SEED_SPEC.replace("loss: {symbol: C}", "loss: {symbol: L}"), str(tmp_path / "l.yaml"))
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump({"X[1,1]": "k[1]", "X[2,1]": "dy[2,1]*x[2,1]", "K": [["1"], ["dy[1,1]"]]}))
    code = tmp_path / "upstream_ignored.py"
    code.write_text(textwrap.dedent("""\
        import numpy as np

        def grad_X(X, K, dY):  # every dL/dy taken as 1
            G = np.zeros((3, 3))
            G[:2] += K[0, 0]
            G[1:] += K[1, 0]
            return G

        def grad_K(X, K, dY):  # the opposite sign
            return -np.array([[np.sum(dY * X[:2])], [np.sum(dY * X[1:])]])
        """))
    for path in (answers, code):
        report = grade(exercise, path)
        text = render_json(report) + render_text(report)
        assert report.return_code == 1 and "dL/d" in text
        assert "dC/d" not in text and "partial C" not in text, text
    assert "dL/dy" in text  # the upstream detector's wording, in the exercise's notation
