"""The bundled library behaves as documented: every example grades as its name says, and every
bundled exercise passes its own self-tests.

`examples/<exercise id>/` holds sample submissions of every kind (`.py` gradient functions,
`.yaml` per-entry answers, `.md` derivations), named for what grading them must give:

- `correct.<ext>`: full marks (exit 0);
- `wrong-<id>.<ext>`: below full marks (exit 1), and the diagnosis names `<id>`: an instructor
  rule's answer note (`K-padding-ignored`) or a misconception detector (`flipped-kernel`, noted
  `detector:flipped-kernel`), among the report's answer notes or findings.

Everything runs in-process through the library API; code goes through the real sandbox, once
per file. (Reference gradients of every bundled exercise are checked against finite differences
in test_reference.py, also over `bundled_ids()`.)
"""
from pathlib import Path

import pytest

from grader.pipeline import GradeOptions, grade
from grader.report import Report
from grader.spec.selftest import run_self_tests
from grader.spec.load import bundled_ids, load_exercise

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FILES = sorted(p for p in EXAMPLES.glob("*/*") if p.is_file())


def expected_id(path: Path) -> str | None:
    """None for a correct example, the promised diagnosis id for a wrong one."""
    stem = path.name.split(".", 1)[0]
    return None if stem == "correct" else stem.removeprefix("wrong-")


def diagnosis_ids(report: Report) -> set[str]:
    """Every id the report's diagnosis names: answer notes (with and without the `detector:`
    prefix), and the rules, detectors and kinds of its findings."""
    ids = set()
    for check in report.checks:
        for note in check.notes:
            ids |= {note, note.removeprefix("detector:")}
        for finding in check.findings:
            ids.add(finding.kind)
            ids |= {str(finding.detail[key]) for key in ("rule", "detector") if key in finding.detail}
    return ids


def test_examples_are_named_by_the_convention():
    assert FILES
    for path in FILES:
        stem = path.name.split(".", 1)[0]
        assert stem == "correct" or (stem.startswith("wrong-") and len(stem) > len("wrong-")), path.name
        assert path.parent.name in bundled_ids(), f"{path.parent.name}: not a bundled exercise"


@pytest.mark.parametrize("exercise_id", bundled_ids())
def test_every_bundled_exercise_speaks_english_and_hebrew(exercise_id):
    exercise = load_exercise(exercise_id)
    assert {"en", "he"} <= set(exercise.statement)
    for rule in exercise.feedback.rules:
        assert {"en", "he"} <= set(rule.message), rule.id


@pytest.mark.parametrize("exercise_id", bundled_ids())
def test_every_bundled_exercise_has_examples(exercise_id):
    """A correct submission (code at least, when the exercise asks for functions) and at least
    two wrong ones that exercise the diagnosis."""
    names = [p.name for p in FILES if p.parent.name == exercise_id]
    assert any(n.startswith("correct.") for n in names), names
    if load_exercise(exercise_id).functions:
        assert "correct.py" in names
    assert sum(n.startswith("wrong-") for n in names) >= 2, names


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_grades_as_its_name_says(path):
    report = grade(load_exercise(path.parent.name), path, GradeOptions(lang="en"))
    wanted = expected_id(path)
    shown = "\n".join(f"{c.name}: {c.status} {list(c.notes)} {c.feedback}" for c in report.checks)
    if wanted is None:
        assert report.return_code == 0, shown
        return
    assert report.return_code == 1, shown
    assert wanted in diagnosis_ids(report), f"{wanted} not among {sorted(diagnosis_ids(report))}\n{shown}"


@pytest.mark.parametrize("exercise_id", bundled_ids())
def test_bundled_exercise_passes_its_self_tests(exercise_id):
    """`grader validate --self-test` runs seeds 0, 1 and 2; one seed here keeps the suite fast
    (test_diagnosis runs the seed exercise's self-tests through the CLI with all three)."""
    exercise = load_exercise(exercise_id)
    assert exercise.self_test, f"{exercise_id} has no self-tests"
    failed = [f"{r.name}: {r.message}" for r in run_self_tests(exercise, seeds=(0,)) if not r.ok]
    assert not failed, failed
