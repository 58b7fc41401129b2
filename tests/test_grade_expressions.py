"""Grading written answers end to end: YAML entries, whole matrices, documents like the seed."""
import json
from pathlib import Path

import pytest
import yaml

import lark
from conftest import FIXTURES, ROOT, SEED_ID as SEED, cli
from grader.pipeline import grade
from grader.spec.load import load_exercise


def test_the_seed_document_is_graded_and_exits_1(grader_cmd):
    result = grader_cmd("grade", SEED, FIXTURES / "seed_solution.md", "--format", "json")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    checks = {(c["target"], tuple(c["index"])): c for c in report["checks"]}
    assert len(checks) == 11  # one per entry: 9 of dC/dX, 2 of dC/dK
    assert checks[("X", (1, 1))]["status"] == "pass"
    wrong = checks[("X", (2, 1))]
    assert wrong["status"] == "fail"
    # The seed's own mistake, named in the seed's own (LaTeX) notation.
    assert r"\frac{\partial C}{\partial y_{1,1}} k_{2} is missing" in wrong["feedback"]
    assert r"\frac{\partial C}{\partial y_{2,1}} k_{2} does not belong" in wrong["feedback"]
    # The garbled equations (a PDF conversion) are reported, not crashed on, and earn nothing:
    # never credit what the student did not finally write.
    garbled = [("X", (2, 2)), ("X", (2, 3)), ("X", (3, 1)), ("X", (3, 2)), ("X", (3, 3)), ("K", (1,)), ("K", (2,))]
    assert [(checks[key]["status"], checks[key]["points"]) for key in garbled] == [("error", 0)] * len(garbled)
    assert 0 < report["score"] < report["max_score"]


def test_the_repaired_seed_document_is_the_students_real_result():
    # The same derivation with the PDF damage repaired: rows 1 and 3 and dC/dK right, all of
    # row 2 wrong in the same way (one merged path), each with partial credit.
    report = grade(load_exercise(SEED), FIXTURES / "seed_solution_repaired.md")
    status = {(c.target, c.index): c.status for c in report.checks}
    assert status == {**{("X", (i, j)): "fail" if i == 2 else "pass" for i in (1, 2, 3) for j in (1, 2, 3)},
                      ("K", (1,)): "pass", ("K", (2,)): "pass"}
    for check in report.checks:
        if check.status == "fail":
            j = check.index[1]
            assert rf"\frac{{\partial C}}{{\partial y_{{1,{j}}}}} k_{{2}} is missing" in check.feedback
            assert rf"\frac{{\partial C}}{{\partial y_{{2,{j}}}}} k_{{2}} does not belong" in check.feedback
            assert 0 < check.points < check.max_points
    assert report.return_code == 1


def test_the_bundled_yaml_example_gets_full_marks():
    result = cli("grade", SEED, ROOT / "examples" / "conv2d-3x3-k2x1" / "correct.yaml", "--format", "json")
    assert result.exit_code == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["score"] == report["max_score"] == 10


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("derivation_*")))
def test_clean_derivations_get_full_marks(name):
    report = grade(load_exercise(SEED), FIXTURES / name)
    assert report.return_code == 0, [(c.name, c.feedback) for c in report.checks if c.status != "pass"]
    assert len(report.checks) == 11


def test_hostile_entries_fail_alone_while_the_others_are_graded(tmp_path, monkeypatch):
    answers = {
        "X[1,1]": "__import__('os').system('touch /tmp/backprop-grader-pwned')",
        "X[1,2]": "dy[1,2]*k[1]",
        "X[1,3]": "(" * 20000 + "1" + ")" * 20000,
        "X[2,1]": "dy[1,1]*k[2] + dy[2,1]*k[1]",
        "X[2,2]": "x[1,1]^99999999999",
        "X[2,3]": "9" * 100_000,
        "X[3,1]": "lambda: 0",
        "X[3,2]": "x[4,1]",
        "X[3,3]": "",
        "K[1]": "sum(dy[n,m]*x[n,m], (n, 1, 2), (m, 1, 3))",
        "K[2]": r"\input{/etc/passwd}",
    }
    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump(answers, width=10**7))
    # Work, not time: a hostile entry costs no more grammar parses than a plain one (at most one
    # per notation tried), and nothing is parsed again by the checks or the diagnosis.
    texts = []
    parse = lark.Lark.parse
    monkeypatch.setattr(lark.Lark, "parse", lambda self, text, *a, **kw: texts.append(text) or parse(self, text, *a, **kw))
    report = grade(load_exercise(SEED), path)
    assert len(texts) <= 2 * len(answers), texts
    by = {(c.target, c.index): c for c in report.checks}
    assert [by[("X", (1, 2))].status, by[("X", (2, 1))].status, by[("K", (1,))].status] == ["pass"] * 3
    for key in [("X", (1, 1)), ("X", (1, 3)), ("X", (2, 2)), ("X", (2, 3)), ("X", (3, 1)), ("X", (3, 2)),
                ("X", (3, 3)), ("K", (2,))]:
        assert by[key].status in ("error", "fail"), by[key]
        assert by[key].points == 0
    assert not Path("/tmp/backprop-grader-pwned").exists()


def test_expression_reports_are_deterministic(tmp_path, grader_cmd):
    outs = []
    for n in range(2):
        out = tmp_path / f"r{n}.json"
        result = grader_cmd("grade", SEED, FIXTURES / "seed_solution.md", "--format", "json", "--output", out, "--seed", "3")
        assert result.returncode == 1
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_unreadable_answer_file_is_a_report_not_a_crash(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("X[1,1]: [unclosed\n")
    result = cli("grade", SEED, bad, "--format", "json")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["score"] == 0 and all(c["status"] == "error" for c in report["checks"])


def test_unsupported_suffix_is_exit_2(tmp_path):
    path = tmp_path / "answer.docx"
    path.write_bytes(b"PK\x03\x04")
    result = cli("grade", SEED, path)
    assert result.exit_code == 2 and "cannot grade answer.docx" in result.stderr


def test_28x28_complete_answer_is_graded_exactly(tmp_path):
    import sys
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from _answers import write_answers

    # One file, graded once (the parses are the cost): every entry right but row 13 of dC/dX,
    # so the passes show the exact grading and the failures that a mistake is found where it is.
    exercise = load_exercise("conv2d-28x28-k5x5")
    report = grade(exercise, write_answers(tmp_path / "b.yaml", wrong_rows=(13,)))
    assert len(report.checks) == 784 + 25
    failed = [c for c in report.checks if c.status != "pass"]
    assert failed and all(c.target == "X" and c.index[0] == 13 for c in failed)
    assert len(failed) == len([c for c in report.checks if c.target == "X" and c.index[0] == 13]) == 28


@pytest.mark.parametrize("name", ["answers_plain.yaml", "answers_latex.yaml", "answers_matrix.yaml",
                                  "answers_matrix_latex.yaml"])
def test_yaml_answers_in_every_form_get_full_marks(name):
    result = cli("grade", SEED, FIXTURES / name, "--format", "json")
    assert result.exit_code == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["score"] == 10 and len(report["checks"]) == 11


def test_a_file_of_problems_is_reported_entry_by_entry():
    result = cli("grade", SEED, FIXTURES / "answers_problems.yaml", "--format", "json")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    by = {(c["target"], tuple(c["index"])): c for c in report["checks"]}
    assert by[("X", (1, 1))]["status"] == "error"  # a duplicate key: that entry only
    assert by[("X", (3, 2))]["status"] == "fail"  # the other entries are still graded
    assert by[("X", (1, 2))]["status"] == "error" and "column" in by[("X", (1, 2))]["feedback"]
    assert report["messages"]  # the unknown keys and out-of-range entries are listed
