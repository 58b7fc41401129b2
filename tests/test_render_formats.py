"""Every report format, read back with a real parser, tells the same numbers as the JSON report.

Rows: passing, failing, unreadable and crashing submissions of both kinds (functions and
answers). Each is graded once; every format is rendered from that one report and parsed with
what its consumers use: a schema validator for JUnit, json for Gradescope / Classroom / JSON,
html.parser for HTML, the workflow-command syntax for GitHub annotations.
"""
import base64
import json
import re
from functools import lru_cache
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.pipeline import grade
from grader.render.github import classroom_output
from grader.render.registry import renderer, report_formats
from grader.report import Report
from grader.spec.load import load_exercise

xmlschema = pytest.importorskip("xmlschema", reason="xmlschema is a test extra: pip install -e '.[test]'")

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
FUNCTIONS = HERE / "submissions" / "functions"
JUNIT_XSD = HERE / "schemas" / "junit-10.xsd"
SEED = "conv2d-3x3-k2x1"
SETTINGS = dict(source="work/submission", elapsed=1.5, timestamp="2026-01-01T00:00:00+00:00")

DEEP = "(" * 300 + "k[1]" + ")" * 300  # refused by the parser's depth limit: every entry errors


def _answers(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def exercise():
    return load_exercise(SEED)


@pytest.fixture(scope="module")
def reports(exercise, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("answers")
    submissions = {
        "functions-pass": FUNCTIONS / "correct_loops.py",
        "functions-fail": FUNCTIONS / "wrong_flipped_kernel.py",
        "functions-unreadable": FUNCTIONS / "error_syntax.py",
        "functions-crash": FUNCTIONS / "error_zero_division.py",
        "answers-pass": FIXTURES / "answers_plain.yaml",
        "answers-fail": FIXTURES / "seed_solution.md",
        "answers-unreadable": _answers(tmp, "broken.yaml", "X[1,1]: [unclosed\nK: {\n"),
        "answers-crash": _answers(tmp, "deep.yaml", "".join(
            f"X[{i},{j}]: '{DEEP}'\n" for i in (1, 2, 3) for j in (1, 2, 3)) + f"K: ['{DEEP}', '{DEEP}']\n"),
    }
    return {name: grade(exercise, path) for name, path in submissions.items()}


def counts(report: Report) -> dict:
    return {s: sum(c.status == s for c in report.checks) for s in ("pass", "fail", "error")}


def test_the_rows_cover_what_they_claim(reports):
    for name, report in reports.items():
        c = counts(report)
        kind = "functions" if name.startswith("functions") else "expressions"
        assert report.kind == kind
        if name.endswith("pass"):
            assert report.full_marks, name
        elif name.endswith("fail"):
            assert c["fail"] >= 1, name
        else:
            assert c["error"] >= 1 and not report.full_marks, name
    # Lines point into the submission: the function's def, the answer's line, the syntax error.
    assert [c.line for c in reports["functions-fail"].checks] == [3, 9]
    assert {c.line for c in reports["functions-unreadable"].checks} == {3}
    assert {c.line for c in reports["answers-unreadable"].checks} == {2}  # where the YAML breaks
    assert [c.line for c in reports["answers-pass"].checks] == list(range(2, 13))


def test_every_format_is_registered_and_the_cli_offers_it():
    from grader.cli import grade as grade_cmd

    names = set(report_formats())
    assert names == {"text", "json", "markdown", "html", "junit", "gradescope", "github"}
    option = next(p for p in grade_cmd.params if p.name == "fmt")
    assert set(option.type.choices) == names


def test_json_round_trips_with_lines(reports):
    for report in reports.values():
        data = json.loads(renderer("json").render(report))
        assert "line" in data["checks"][0]
        assert Report.from_dict(data) == report


@pytest.mark.parametrize("name", ["functions-pass", "functions-fail", "functions-unreadable", "functions-crash",
                                  "answers-pass", "answers-fail", "answers-unreadable", "answers-crash"])
def test_every_format_parses_and_agrees_with_the_json_report(reports, exercise, name):
    report = reports[name]
    truth = json.loads(renderer("json").render(report))
    c = counts(report)
    assert _junit_numbers(renderer("junit", **SETTINGS).render(report)) == (
        len(truth["checks"]), c["fail"], c["error"], pytest.approx(truth["score"], abs=1e-6))
    assert _gradescope_numbers(renderer("gradescope", **SETTINGS).render(report)) == (
        pytest.approx(truth["score"]), truth["max_score"], [ch["status"] == "pass" for ch in truth["checks"]])
    lines = parse_annotations(renderer("github", **SETTINGS).render(report))
    assert [int(a["line"]) if "line" in a else None for a in lines] == [
        ch["line"] for ch in truth["checks"] if ch["status"] != "pass"]
    assert all(a["file"] == "work/submission" for a in lines)
    result = parse_classroom(report)
    assert result["max_score"] == truth["max_score"]
    # Classroom shows points in hundredths, each test's summing exactly to the (rounded) total.
    added = 0.0
    for test in result["tests"]:
        added += test["score"]
    assert added == round(truth["score"], 2)
    assert [t["status"] for t in result["tests"]] == [ch["status"] for ch in truth["checks"]]
    assert result["status"] == ("pass" if report.full_marks else "error" if c["pass"] + c["fail"] == 0 else "fail")
    page = parse_html(renderer("html", exercise=exercise, **SETTINGS).render(report))
    assert page.rows == [ch["status"] for ch in truth["checks"]]
    assert page.articles == [ch["status"] for ch in truth["checks"] if ch["status"] != "pass" or ch["details"]
                             or any(f["message"] not in ch["feedback"] for f in ch["findings"])]
    assert not page.forbidden
    markdown = renderer("markdown").render(report)
    rows = [r for r in markdown.splitlines() if re.match(r"\| [✓✗!] \|", r)]
    assert [r[2] for r in rows] == [{"pass": "✓", "fail": "✗", "error": "!"}[ch["status"]] for ch in truth["checks"]]


def test_html_grid_of_the_seed_derivation(reports, exercise):
    page = parse_html(renderer("html", exercise=exercise).render(reports["answers-fail"]))
    statuses = {(cell["data-target"], cell["data-index"]): cell["class"] for cell in page.cells}
    assert [statuses[("X", f"1,{j}")] for j in (1, 2, 3)] == ["pass"] * 3
    assert statuses[("X", "2,1")] == "fail"
    assert page.maths > 0  # the entries' names and the diagnosis as MathML


def test_hebrew_page_is_right_to_left_with_maths_left_to_right(exercise):
    report = grade(exercise, FIXTURES / "answers_latex.yaml", _options(lang="he"))
    page = parse_html(renderer("html", exercise=exercise).render(report))
    assert page.root == {"lang": "he", "dir": "rtl"}
    assert page.maths_dirs and page.maths_dirs == {"ltr"}
    assert {cell_table_dir for cell_table_dir in page.table_dirs} == {"ltr"}


def _options(**kw):
    from grader.pipeline import GradeOptions

    return GradeOptions(**kw)


@lru_cache(maxsize=1)
def junit_schema():
    return xmlschema.XMLSchema(str(JUNIT_XSD))


def _junit_numbers(text: str):
    junit_schema().validate(text)
    suite = ET.fromstring(text.encode("utf-8"))
    assert suite.tag == "testsuite" and re.fullmatch(r"\d+\.\d{3}", suite.get("time"))
    cases = suite.findall("testcase")
    assert len(cases) == int(suite.get("tests"))
    assert sum(c.find("failure") is not None for c in cases) == int(suite.get("failures"))
    assert sum(c.find("error") is not None for c in cases) == int(suite.get("errors"))
    score = next(p.get("value") for p in suite.iter("property") if p.get("name") == "score")
    return int(suite.get("tests")), int(suite.get("failures")), int(suite.get("errors")), float(score)


def _gradescope_numbers(text: str):
    data = json.loads(text)
    assert data["output_format"] == "md" and all(t["output_format"] == "md" for t in data["tests"])
    assert sum(t["score"] for t in data["tests"]) == pytest.approx(data["score"], abs=1e-5)
    assert {t["status"] for t in data["tests"]} <= {"passed", "failed"}
    return data["score"], data["max_score"], [t["status"] == "passed" for t in data["tests"]]


_COMMAND = re.compile(r"^::(error|notice)(?: ([^:]*))?::(.*)$")


def parse_annotations(text: str) -> list[dict]:
    """The ::error commands' properties; every line of the output must be a workflow command."""
    lines = text.splitlines()
    assert lines and all(_COMMAND.match(line) for line in lines), text
    assert lines[-1].startswith("::notice ")
    found = []
    for line in lines[:-1]:
        kind, props, _ = _COMMAND.match(line).groups()
        assert kind == "error"
        found.append(dict(p.split("=", 1) for p in props.split(",")))
    return found


def parse_classroom(report: Report) -> dict:
    line = classroom_output(report, "work/submission", 1.5)
    assert line.startswith("result=") and line.endswith("\n") and line.count("\n") == 1
    return json.loads(base64.b64decode(line[len("result="):]))


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.articles, self.rows, self.cells, self.forbidden, self.maths = [], [], [], [], 0
        self.maths_dirs, self.table_dirs, self.root, self.text = set(), set(), {}, []
        self._target = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "iframe", "object", "embed", "img", "link", "base", "form"):
            self.forbidden.append(tag)
        if any(k.startswith("on") for k in attrs) or any("javascript:" in (v or "") for v in attrs.values()):
            self.forbidden.append(f"{tag} {attrs}")
        if tag == "html":
            self.root = attrs
        elif tag == "article":
            self.articles.append(attrs["data-status"])
        elif tag == "tr" and "data-status" in attrs:
            self.rows.append(attrs["data-status"])
        elif tag == "table" and "data-target" in attrs:
            self._target = attrs["data-target"]
            self.table_dirs.add(attrs.get("dir"))
        elif tag == "td" and "data-index" in attrs:
            self.cells.append({**attrs, "data-target": self._target})
        elif tag == "math":
            self.maths += 1
            self.maths_dirs.add(attrs.get("dir"))

    def handle_data(self, data):
        self.text.append(data)


def parse_html(text: str) -> _Page:
    assert text.startswith("<!DOCTYPE html>")
    page = _Page()
    page.feed(text)
    page.close()
    return page


def test_rendering_a_code_report_never_imports_sympy():
    # Students grade code on every save: neither the CLI's format list nor any renderer of a
    # report without LaTeX may pay for importing sympy (or lark).
    import subprocess
    import sys

    probe = ("import sys\nimport grader.cli\n"
             "from grader.pipeline import grade\nfrom grader.spec.load import load_exercise\n"
             "from grader.render.registry import renderer, report_formats\n"
             f"ex = load_exercise({SEED!r})\nreport = grade(ex, {str(FUNCTIONS / 'wrong_flipped_kernel.py')!r})\n"
             "for fmt in report_formats(): renderer(fmt, exercise=ex).render(report)\n"
             "print('sympy' in sys.modules, 'lark' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False False", result.stderr
