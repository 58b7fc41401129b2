"""GitHub Actions: annotations on the submission's lines, a step summary, Classroom points.

- stdout: one workflow command per check that is not a pass,
  `::error file=F,line=N,title=T::message`, so the student sees the comment on the line of
  their derivation or code in the pull request, and a closing `::notice` with the score. Only
  workflow commands are printed: a student's text never starts a line of the log, so it cannot
  issue a command (`::add-mask::`, `::stop-commands::`) of its own.
- `$GITHUB_STEP_SUMMARY` (when set): the Markdown report, appended.
- `$GITHUB_OUTPUT` (when set): `result=<base64 JSON>`, the GitHub Classroom autograding result
  that its reporter turns into points.

Escaping follows the runner's rules (actions/toolkit, packages/core/src/command.ts): in
messages `%`, CR and LF are percent-encoded; in properties also `:` and `,`.
"""
from __future__ import annotations

import base64
import json

from ..report import Report
from ._escape import inert, one_line
from ._labels import plain_name
from .junit import check_body
from .markdown import render_markdown
from .registry import Renderer, report_format, run_time
from .text import points

TITLE_CHARS = 200
MESSAGE_CHARS = 4000  # GitHub shows at most a few thousand characters of an annotation


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def render_annotations(report: Report, source: str | None = None, exercise=None) -> str:
    path = one_line(source or report.submission)
    lines = []
    for check in report.checks:
        if check.status == "pass":
            continue
        body = check_body(check)
        if len(body) > MESSAGE_CHARS:
            body = body[: MESSAGE_CHARS - 1] + "…"
        title = f"{plain_name(check, exercise, TITLE_CHARS)} [{points(check.points)}/{points(check.max_points)}]"
        # An entry waiting for review is not known to be wrong: a warning, not an error.
        lines.append(command("warning" if check.status == "review" else "error", body, file=path,
                             line=check.line, title=title))
    passed = sum(c.status == "pass" for c in report.checks)
    lines.append(command("notice", f"score {points(report.score)} / {points(report.max_score)} "
                                   f"({passed} of {len(report.checks)} checks passed)",
                         title=one_line(f"{report.exercise}: {report.submission}", TITLE_CHARS)))
    return "\n".join(lines) + "\n"


def classroom_result(report: Report, source: str | None = None, elapsed: float = 0.0, exercise=None) -> dict:
    """The GitHub Classroom autograding result (version 1) for this report."""
    if report.full_marks:
        status = "pass"
    elif report.checks and all(c.status == "error" for c in report.checks):
        status = "error"  # nothing could be graded: the submission did not run or read
    else:
        status = "fail"
    share = round(elapsed / len(report.checks), 3) if report.checks else 0.0
    maxima = classroom_points([c.max_points for c in report.checks], report.max_score)
    earned = [m * min(1.0, max(0.0, c.points / c.max_points)) if c.max_points > 0 else 0.0
              for c, m in zip(report.checks, maxima)]
    scores = [min(s, m) for s, m in zip(classroom_points(earned, round(report.score, 2)), maxima)]
    return {
        "version": 1,
        "status": status,
        "max_score": report.max_score,
        "tests": [{
            "name": plain_name(c, exercise, TITLE_CHARS),
            "status": "fail" if c.status == "review" else c.status,  # Classroom knows pass/fail/error
            "score": score,
            "max_score": maximum,
            "message": inert(c.feedback) if c.status != "pass" else "",
            "line_no": c.line,
            "filename": one_line(source or report.submission),
            "duration": share,
        } for c, score, maximum in zip(report.checks, scores, maxima)],
    }


def classroom_points(weights: list[float], total: float) -> list[float]:
    """Each test's points in hundredths, summing EXACTLY to `total` the way Classroom's reporter
    adds them (JavaScript doubles, left to right): 9 entries of 6 points are not 9 x 0.666667
    (6.000003), but seven 0.67 and two 0.66, the last test with points taking what float
    addition leaves."""
    if not weights or sum(weights) <= 0:
        return [0.0] * len(weights)
    cents = round(total * 100)
    whole = sum(weights)
    exact = [w * cents / whole for w in weights]
    shares = [int(x) for x in exact]
    for i in sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))[:cents - sum(shares)]:
        shares[i] += 1
    values = [c / 100 for c in shares]
    last = max((i for i, c in enumerate(shares) if c), default=None)
    if last is None:
        return values
    running = 0.0
    for value in values[:last]:
        running += value
    values[last] = total - running  # the float residue goes to the last test with points: the sum is `total`
    return values


def classroom_output(report: Report, source: str | None = None, elapsed: float = 0.0, exercise=None) -> str:
    """The `$GITHUB_OUTPUT` line: `result=` and the result as base64 (one line, no newline inside)."""
    data = json.dumps(classroom_result(report, source, elapsed, exercise), ensure_ascii=True, sort_keys=True)
    return "result=" + base64.b64encode(data.encode("ascii")).decode("ascii") + "\n"


@report_format("github", "annotations.txt",
               "GitHub Actions: ::error annotations on the lines, step summary, Classroom result")
class GitHubRenderer(Renderer):
    def render(self, report: Report) -> str:
        return render_annotations(report, self._settings["source"], self._settings["exercise"])

    def side_files(self, report: Report, environ: dict) -> list[tuple[str, str]]:
        files = []
        if environ.get("GITHUB_STEP_SUMMARY"):
            files.append((environ["GITHUB_STEP_SUMMARY"], render_markdown(report, heading="##") + "\n"))
        if environ.get("GITHUB_OUTPUT"):
            elapsed = float(run_time(self._settings)[0])
            files.append((environ["GITHUB_OUTPUT"], classroom_output(report, self._settings["source"], elapsed,
                                                                      self._settings["exercise"])))
        return files
