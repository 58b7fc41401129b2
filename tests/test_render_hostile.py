"""Hostile content in answers and in printed output: every format still parses and shows it inert.

What must NOT happen: a `<script>` (or any active element) in the HTML, a line of the GitHub
output that is not our own workflow command, raw control characters or lone surrogates in any
output, a JUnit file that no longer validates, Markdown that renders markup or maths the
student chose.
"""
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.pipeline import grade
from grader.render.registry import renderer, report_formats
from grader.report import Report
from grader.spec.load import load_exercise
from test_render_formats import SETTINGS, parse_annotations, parse_classroom, parse_html, junit_schema

xmlschema = pytest.importorskip("xmlschema", reason="xmlschema is a test extra: pip install -e '.[test]'")

FIXTURES = Path(__file__).parent / "fixtures"
RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\ud800-\udfff]")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    exercise = load_exercise("conv2d-3x3-k2x1")
    not_utf8 = tmp_path_factory.mktemp("hostile") / "not-utf8.md"
    not_utf8.write_bytes(b"$$\\frac{\\partial C}{\\partial x_{1,1}} = \xff\xfe <script>$$\n")
    reports = [grade(exercise, FIXTURES / name) for name in
               ("hostile_report_content.py", "hostile_report_content.yaml")]
    reports.append(grade(exercise, not_utf8))
    return exercise, reports


def test_the_hostile_text_reaches_the_reports(hostile):
    _, (code, answers, _) = hostile
    assert "<script>" in code.student_output and "RED" in code.student_output
    assert "\x1b" not in code.student_output  # escapes never reach a report (grader/safetext.py)
    assert "::add-mask::" in code.student_output
    assert any("<script>" in c.feedback for c in code.checks)
    quoted = json.dumps(answers.to_dict())
    assert "<script>" in quoted and "::error" in quoted and "]]>" in quoted


@pytest.mark.parametrize("fmt", sorted(report_formats()))
def test_every_format_shows_hostile_text_inert(hostile, fmt):
    exercise, reports = hostile
    for report in reports:
        text = renderer(fmt, exercise=exercise, **SETTINGS).render(report)
        assert not RAW_CONTROLS.search(text.replace("\r", "")) or fmt == "json", fmt
        text.encode("utf-8")  # no lone surrogate survives
        _inert_in(fmt, text, report)


def _inert_in(fmt: str, text: str, report: Report) -> None:
    non_pass = sum(c.status != "pass" for c in report.checks)
    if fmt == "json":
        assert Report.from_dict(json.loads(text)) == report
    elif fmt == "junit":
        junit_schema().validate(text)
        suite = ET.fromstring(text.encode("utf-8"))
        assert len(suite.findall("testcase")) == len(report.checks)
        shown = "".join(suite.itertext())
        assert "<script>" in shown or "<script>" not in json.dumps(report.to_dict())
    elif fmt == "github":
        assert len(parse_annotations(text)) == non_pass  # one ::error per check; nothing else is a command
        assert all(not line.startswith(("::add-mask", "::stop-commands")) for line in text.splitlines())
        assert parse_classroom(report)["tests"]
    elif fmt == "html":
        page = parse_html(text)
        assert not page.forbidden
        assert page.rows == [c.status for c in report.checks]
        if any("<script>" in c.feedback for c in report.checks) or "<script>" in report.student_output:
            assert "<script>alert(1)</script>" in "".join(page.text)  # shown as text
    elif fmt == "markdown":
        _markdown_inert(text)
    elif fmt == "gradescope":
        data = json.loads(text)
        assert len(data["tests"]) == len(report.checks)
        for output in [data["output"], *(t["output"] for t in data["tests"])]:
            _markdown_inert(output)
    elif fmt == "text":
        assert "\x1b" not in text
        assert not any(line.lstrip().startswith("::") for line in text.splitlines())


def _markdown_inert(text: str) -> None:
    outside_fences = re.sub(r"(`{3,})text\n.*?\n\1", "", text, flags=re.S)
    assert "<script>" not in outside_fences and "<img" not in outside_fences
    assert "](javascript:" not in outside_fences
    # Maths goes to the renderer's TeX engine only with commands our grammar knows.
    for maths in re.findall(r"(?<!\\)\$([^$]+)(?<!\\)\$", outside_fences):
        assert "\\input" not in maths and "\\href" not in maths, maths


# --- any report at all: no renderer may fail, whatever the strings and numbers hold ------------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from grader.report import Check, Finding  # noqa: E402

_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
_CHECK = st.builds(
    Check, name=_TEXT, status=st.sampled_from(["pass", "fail", "error"]),
    points=st.floats(0, 10), max_points=st.floats(0, 10), feedback=_TEXT,
    target=st.one_of(st.none(), st.sampled_from(["X", "K", "<b>"])),
    index=st.one_of(st.none(), st.tuples(st.integers(1, 4)), st.tuples(st.integers(1, 4), st.integers(1, 4))),
    details=st.lists(_TEXT, max_size=2).map(tuple),
    findings=st.lists(st.builds(Finding, kind=_TEXT, message=_TEXT), max_size=2).map(tuple),
    line=st.one_of(st.none(), st.integers(1, 10**6)),
)
_REPORT = st.builds(Report, exercise=_TEXT, submission=_TEXT, kind=st.sampled_from(["functions", "expressions"]),
                    max_score=st.floats(0, 100), checks=st.lists(_CHECK, max_size=5).map(tuple),
                    messages=st.lists(_TEXT, max_size=2).map(tuple), student_output=_TEXT,
                    language=st.sampled_from(["en", "he"]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report=_REPORT)
def test_no_renderer_fails_on_any_report(report):
    schema = junit_schema()
    for fmt in report_formats():
        text = renderer(fmt, **SETTINGS).render(report)  # no exercise: as when rendering a stored report
        text.encode("utf-8")
        if fmt == "junit":
            schema.validate(text)
        elif fmt in ("json", "gradescope"):
            json.loads(text)
        elif fmt == "github":
            assert len(parse_annotations(text)) == sum(c.status != "pass" for c in report.checks)
        elif fmt == "html":
            assert not parse_html(text).forbidden
