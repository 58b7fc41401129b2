"""The HTML report in a real headless Chromium: the DOM the browser builds keeps our structure.

The page is the report of the seed derivation with its PDF damage repaired
(tests/fixtures/seed_solution_repaired.md), in Hebrew, the student's language: every entry
is readable there, so the page shows the student's real result (rows 1 and 3 of dC/dX right,
row 2 wrong with its diagnosis) rather than garbled entries refused as unreadable.

Chromium comes from the OS packages (`.ci/run` installs it when it can); the test is skipped,
with the reason printed, only where no browser is installed. Run this file as a script to
regenerate the screenshot in docs/: `python tests/test_render_browser.py`.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed_solution_repaired.md"
SCREENSHOT = ROOT / "docs" / "report-seed-derivation.png"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Flags for a quiet, offline, throw-away browser: no sandbox (CI runs as root), no GPU, no
# first-run pages, no background network traffic or component updates.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars")
# Tall enough for the whole page: the grids, the table of checks and every feedback box.
WINDOW = "--window-size=820,2620"


def find_browser() -> str | None:
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def seed_html() -> str:
    from grader.pipeline import GradeOptions, grade
    from grader.render.registry import renderer
    from grader.spec.load import load_exercise

    exercise = load_exercise("conv2d-3x3-k2x1")
    return renderer("html", exercise=exercise).render(grade(exercise, SEED, GradeOptions(lang="he")))


def run_browser(browser: str, page: Path, *args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
                              capture_output=True, text=True, timeout=120, cwd=profile)


class _Dom(HTMLParser):
    """Grid cells by index, and each feedback box's text with every formula as `$...$` (the
    text of its MathML leaves run together), so a test can say which term a sentence names."""

    def __init__(self):
        super().__init__()
        self.cells, self.articles, self.maths, self.scripts, self.html = {}, {}, 0, 0, {}
        self._article = self._math = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html = attrs
        elif tag == "td" and "data-index" in attrs:
            self.cells[attrs["data-index"]] = self.cells.get(attrs["data-index"]) or attrs["class"]
        elif tag == "article":
            self._article = attrs["id"]
            self.articles[self._article] = []
        elif tag == "math":
            self.maths += 1
            self._math = [attrs.get("dir")]
        elif tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag):
        if tag == "math" and self._math is not None:
            direction, *leaves = self._math
            assert direction == "ltr"  # maths stays left-to-right on a right-to-left page
            if self._article:
                self.articles[self._article].append("$" + "".join(leaves).replace("\u2062", "") + "$")
            self._math = None
        elif tag == "article":
            self._article = None

    def handle_data(self, data):
        if self._math is not None:
            self._math.append(data.strip())
        elif self._article:
            self.articles[self._article].append(data)

    def box(self, words: str) -> str:
        """The text of the one feedback box that holds `words`, without the bidi isolates (FSI,
        PDI) that keep its left-to-right pieces whole inside the Hebrew."""
        texts = ("".join(parts).replace("\u2068", "").replace("\u2069", "") for parts in self.articles.values())
        found = [text for text in texts if words in text]
        assert len(found) == 1, (words, found)
        return found[0]


def test_chromium_renders_the_seed_report(tmp_path):
    browser = find_browser()
    if browser is None:
        reason = f"no headless browser installed (looked for {', '.join(BROWSERS)}); .ci/run installs chromium"
        print(reason)
        pytest.skip(reason)
    page = tmp_path / "report.html"
    page.write_text(seed_html(), encoding="utf-8")
    result = run_browser(browser, page, "--dump-dom")
    assert result.returncode == 0 and "<html" in result.stdout, result.stderr[-2000:]
    dom = _Dom()
    dom.feed(result.stdout)
    assert dom.html == {"lang": "he", "dir": "rtl"}
    assert "<th>בדיקה</th><th>ניקוד</th><th>שורה</th>" in result.stdout  # the table's headers too
    # The grid of dC/dX (the first target's, 9 cells): rows 1 and 3 right, row 2 wrong.
    assert {i: [dom.cells[f"{i},{j}"] for j in (1, 2, 3)] for i in (1, 2, 3)} == {
        1: ["pass"] * 3, 2: ["fail"] * 3, 3: ["pass"] * 3}
    assert [dom.cells["1"], dom.cells["2"]] == ["pass", "pass"]  # dC/dK as the student wrote it
    for j in (1, 2, 3):
        # Row 2's diagnosis: the path through y[1,j] is missing (dy[1,j] k_2), and the merged
        # path adds dy[2,j] k_2, which does not belong; partial credit for seeing both paths.
        box = dom.box(f"$∂C∂x2,{j}$ מקבל גרדיאנט")
        assert f"חסר האיבר $∂C∂y1,{j}k2$" in box
        assert f"$∂C∂y2,{j}k2$ לא שייך לכאן" in box
        assert "ניקוד חלקי" in box and "[0.17/0.67]" in box
    assert dom.maths > 20 and dom.scripts == 0


def make_screenshot() -> None:
    browser = find_browser()
    if browser is None:
        sys.exit("no browser found")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(seed_html(), encoding="utf-8")
        result = run_browser(browser, page, f"--screenshot={SCREENSHOT}", WINDOW)
        if result.returncode != 0:
            sys.exit(result.stderr)
    print(f"wrote {SCREENSHOT.relative_to(ROOT)}")


if __name__ == "__main__":
    os.chdir(ROOT)
    make_screenshot()
