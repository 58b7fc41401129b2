"""The HTML report in a real headless Chromium: the DOM the browser builds keeps our structure.

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
SEED = ROOT / "tests" / "fixtures" / "seed_solution.md"
SCREENSHOT = ROOT / "docs" / "report-seed-derivation.png"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Flags for a quiet, offline, throw-away browser: no sandbox (CI runs as root), no GPU, no
# first-run pages, no background network traffic or component updates.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars")


def find_browser() -> str | None:
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def seed_html() -> str:
    from grader.grading import grade
    from grader.render.registry import renderer
    from grader.spec import load_exercise

    exercise = load_exercise("conv2d-3x3-k2x1")
    return renderer("html", exercise=exercise).render(grade(exercise, SEED))


def run_browser(browser: str, page: Path, *args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
                              capture_output=True, text=True, timeout=120, cwd=profile)


class _Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.articles, self.maths, self.scripts, self.text = {}, {}, 0, 0, []
        self._article = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "td" and "data-index" in attrs:
            self.cells[attrs["data-index"]] = self.cells.get(attrs["data-index"]) or attrs["class"]
        elif tag == "article":
            self._article = attrs["id"]
            self.articles[self._article] = []
        elif tag == "math":
            self.maths += 1
        elif tag == "script":
            self.scripts += 1

    def handle_data(self, data):
        if self._article:
            self.articles[self._article].append(data)


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
    # Rows 1 of dC/dX right, x[2,1] wrong; the grid is the first target's (X), 9 cells.
    assert [dom.cells[f"1,{j}"] for j in (1, 2, 3)] == ["pass"] * 3
    assert dom.cells["2,1"] == "fail"
    diagnosis = " ".join(" ".join(parts) for parts in dom.articles.values())
    assert "receives gradient from 2 output(s)" in diagnosis and "Partial credit" in diagnosis
    assert dom.maths > 20 and dom.scripts == 0


def make_screenshot() -> None:
    browser = find_browser()
    if browser is None:
        sys.exit("no browser found")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(seed_html(), encoding="utf-8")
        result = run_browser(browser, page, f"--screenshot={SCREENSHOT}", "--window-size=820,2000")
        if result.returncode != 0:
            sys.exit(result.stderr)
    print(f"wrote {SCREENSHOT.relative_to(ROOT)}")


if __name__ == "__main__":
    os.chdir(ROOT)
    make_screenshot()
