"""JUnit XML, as Jenkins, GitLab and GitHub test-report actions read it.

One `testsuite` per report (classname = exercise id), one `testcase` per check; a wrong answer
is a `failure`, an unreadable or crashed one an `error` (the Ant/Surefire convention: failure =
assertion, error = could not run), and one waiting for an instructor's review an `error` of type
`needs-review`. Points go in the suite's `properties`, since the Jenkins
xUnit schema (tests/schemas/junit-10.xsd) allows no properties on a test case. The tree is
built with xml.etree and serialised once; student text only becomes escaped text and attribute
values, with control characters made visible first, as XML 1.0 cannot hold them at all.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from ..report import Check, Report
from ._escape import inert, one_line
from ._labels import plain_name
from .registry import Renderer, report_format, run_time

MESSAGE_CHARS = 500  # the `message` attribute is a one-line summary; the full text is the body


def exact(value: float) -> str:
    """Points for machines: the JSON report's value to 6 decimals (people get 2 elsewhere)."""
    return repr(round(float(value), 6))


def check_body(check: Check) -> str:
    """Feedback, findings and details as plain text: the body of a failure or error."""
    lines = [check.feedback]
    lines += [f"-> {f.message}" for f in check.findings if f.message not in check.feedback]
    lines += [f"   {d}" for d in check.details]
    if check.line is not None:
        lines.append(f"(line {check.line} of the submission)")
    return inert("\n".join(lines))


def render_junit(report: Report, elapsed: str = "0.000", timestamp: str = "", exercise=None) -> str:
    checks = report.checks
    failures = sum(c.status == "fail" for c in checks)
    errors = sum(c.status in ("error", "review") for c in checks)
    suite = ET.Element("testsuite", {
        "name": one_line(f"{report.exercise}: {report.submission}"),
        "tests": str(len(checks)), "failures": str(failures), "errors": str(errors), "skipped": "0",
        "time": elapsed, "timestamp": timestamp,
    })
    properties = ET.SubElement(suite, "properties")
    for name, value in (("exercise", report.exercise), ("submission", report.submission), ("kind", report.kind),
                        ("score", exact(report.score)), ("max_score", exact(report.max_score))):
        ET.SubElement(properties, "property", name=name, value=one_line(value))
    for check in checks:
        ET.SubElement(properties, "property", name=f"points: {plain_name(check, exercise)}",
                      value=f"{exact(check.points)}/{exact(check.max_points)}")
    # The grader times the whole run, not each check: each case gets an equal share so that the
    # cases add up to the suite's time.
    share = f"{float(elapsed) / len(checks):.3f}" if checks else "0.000"
    for check in checks:
        case = ET.SubElement(suite, "testcase", classname=one_line(report.exercise),
                             name=plain_name(check, exercise), time=share)
        if check.status != "pass":
            tag = "failure" if check.status == "fail" else "error"
            # The type is the kind of outcome, not the answer note: notes are for instructors.
            kind = {"fail": "wrong-answer", "review": "needs-review"}.get(check.status, "not-graded")
            child = ET.SubElement(case, tag, message=one_line(check.feedback, MESSAGE_CHARS), type=kind)
            child.text = check_body(check)
    if report.messages:
        ET.SubElement(suite, "system-err").text = inert("\n".join(report.messages))
    if report.student_output:
        ET.SubElement(suite, "system-out").text = inert(report.student_output)
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"


@report_format("junit", "report.xml", "JUnit XML for Jenkins, GitLab and GitHub test-report actions")
class JUnitRenderer(Renderer):
    def render(self, report: Report) -> str:
        return render_junit(report, *run_time(self._settings), self._settings["exercise"])
