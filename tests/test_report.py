"""Reports round-trip through JSON, and the exit code is the report's own property."""
import json
from pathlib import Path

from grader.pipeline import grade
from grader.render.json_report import render_json
from grader.report import Check, Report
from grader.spec.load import load_exercise

FIXTURES = Path(__file__).parent / "fixtures"
FUNCTIONS = Path(__file__).parent / "submissions" / "functions"


def test_a_real_report_round_trips_through_json():
    for submission in (FIXTURES / "seed_solution.md", FUNCTIONS / "wrong_flipped_kernel.py"):
        report = grade(load_exercise("conv2d-3x3-k2x1"), submission)
        assert any(c.findings for c in report.checks)
        again = Report.from_dict(json.loads(render_json(report)))
        assert again == report
        assert again.return_code == report.return_code == 1


def test_return_code_follows_full_marks():
    report = grade(load_exercise("conv2d-3x3-k2x1"), FUNCTIONS / "correct_loops.py")
    assert report.full_marks and report.return_code == 0


def test_answer_notes_are_a_list_in_json_and_old_spaced_notes_still_load():
    report = grade(load_exercise("conv2d-3x3-k2x1"), FUNCTIONS / "wrong_flipped_kernel.py")
    data = json.loads(render_json(report))
    flipped = next(c for c in data["checks"] if "detector:flipped-kernel" in c["notes"])
    assert flipped["notes"][0] == "wrong-values" and "note" not in flipped
    old = dict(flipped, note=" ".join(flipped.pop("notes")))  # as reports stored it before
    assert Check.from_dict(old).notes == tuple(old["note"].split())


def test_vocabularies_are_the_types_checks_use():
    from typing import get_args

    from grader.report import STATUSES, CheckStatus, FINDING_KINDS, FindingKind

    assert STATUSES == get_args(CheckStatus) == ("pass", "fail", "error", "review")
    assert FINDING_KINDS == get_args(FindingKind)
    report = grade(load_exercise("conv2d-3x3-k2x1"), FIXTURES / "seed_solution.md")
    assert {c.status for c in report.checks} <= set(STATUSES)
    assert {f.kind for c in report.checks for f in c.findings} <= set(FINDING_KINDS)
