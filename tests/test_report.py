"""Reports round-trip through JSON, and the exit code is the report's own property."""
import json
from pathlib import Path

from grader.grading import grade
from grader.render.json_report import render_json
from grader.report import Report
from grader.spec import load_exercise

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
