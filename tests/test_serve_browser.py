"""`grader serve` in a real headless Chromium, driven by Playwright: what a student does.

The browser is the OS's Chromium (`.ci/run` installs it when it can; Playwright never downloads
one here); the tests are skipped, with the reason printed, where there is none. The server is
the real command in a subprocess. Run this file as a script to regenerate the screenshots in
docs/: `python tests/test_serve_browser.py`.
"""
import shutil
import sys
from pathlib import Path

import pytest

from web_server import running_server

ROOT = Path(__file__).resolve().parent.parent
DENSE = "dense-3-to-2"
SHOTS = {"exercise": ROOT / "docs" / "serve-exercise.png", "report": ROOT / "docs" / "serve-report.png"}
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# A quiet, offline, throw-away browser: no sandbox (CI runs as root), no GPU, no background traffic.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
RIGHT = {"W[1,1]": "dy[1]*x[1]", "W[1,2]": "dy[1]*x[2]", "W[1,3]": "dy[1]*x[3]",
         "W[2,1]": "dy[2]*x[1]", "W[2,2]": "dy[2]*x[2]", "W[2,3]": "dy[2]*x[3]",
         "b[1]": "dy[1]", "b[2]": "dy[2]",
         "x[1]": "dy[1]*w[1,1] + dy[2]*w[2,1]", "x[2]": "dy[1]*w[1,2] + dy[2]*w[2,2]",
         "x[3]": r"\frac{\partial C}{\partial y_1} w_{1,3} + \frac{\partial C}{\partial y_2} w_{2,3}"}


def expect(locator):
    """Playwright's retrying assertions (imported here: the module loads without Playwright)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def find_browser() -> str | None:
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def launch(playwright):
    return playwright.chromium.launch(executable_path=find_browser(), headless=True, args=FLAGS)


@pytest.fixture(scope="module")
def server():
    with running_server(DENSE, "relu-4", "--jobs", "2") as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    if find_browser() is None:
        pytest.skip("no Chromium installed (apt-get install chromium; .ci/run does it as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the test extra)")
    with sync_api.sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    yield context.new_page()
    context.close()


def entry(page, key: str):
    return page.locator(f'input[name="entry:{key}"]')


def preview_of(page, key: str):
    return page.locator(f'#{entry(page, key).get_attribute("aria-describedby")}')


def grade_entries(page, answers: dict) -> None:
    for key, text in answers.items():
        entry(page, key).fill(text)
    with page.expect_navigation():
        page.locator("#entries button[type=submit]").click()


def test_the_preview_shows_how_an_entry_is_read_as_it_is_typed(server, page):
    page.goto(server.url + f"exercise/{DENSE}")
    box = entry(page, "W[1,1]")
    box.press_sequentially("dy[1]*x[1]")
    shown = preview_of(page, "W[1,1]")
    expect(shown).to_contain_text("dy[1]*x[1]")  # the answer to the last keystroke, not an earlier one
    assert shown.locator(".read math").get_attribute("dir") == "ltr"
    box.press_sequentially("*(")  # now unreadable: the error and its caret replace the reading
    shown.locator("pre.caret").wait_for()
    assert "^" in shown.locator("pre.caret").inner_text() and shown.locator("math").count() == 0
    box.press("Backspace")
    box.press("Backspace")
    shown.locator(".read math").wait_for()
    latex = entry(page, "b[1]")
    latex.fill(r"\frac{\partial C}{\partial y_1}")
    expect(preview_of(page, "b[1]").locator(".read")).to_contain_text("dy[1]")
    assert preview_of(page, "b[1]").locator("math").count() == 1


def test_a_right_answer_gets_full_marks(server, page):
    page.goto(server.url + f"exercise/{DENSE}")
    grade_entries(page, RIGHT)
    assert page.locator("#score").inner_text().endswith("10 / 10")
    assert page.locator("table.grid td.pass").count() == 11
    assert page.locator("table.grid td.fail, table.grid td.error").count() == 0
    page.locator("nav a").first.click()  # back to the exercise
    assert page.url.endswith(f"exercise/{DENSE}")


def test_a_wrong_answer_is_explained(server, page):
    page.goto(server.url + f"exercise/{DENSE}")
    grade_entries(page, {**RIGHT, "b[1]": "dy[1] + dy[2]"})
    assert page.locator("#score").inner_text().endswith("9 / 10")
    wrong = page.locator("article.fail")
    assert wrong.count() == 1 and "only feeds" in wrong.inner_text()
    assert page.locator('td.fail[data-index="1"]').count() == 1


def test_an_unreadable_answer_is_shown_with_where_it_fails(server, page):
    page.goto(server.url + f"exercise/{DENSE}")
    grade_entries(page, {**RIGHT, "x[2]": "dy[1]*w[1,2] + + dy[2]*"})
    error = page.locator("article.error")
    assert error.count() == 1 and "column" in error.inner_text()
    assert page.locator("#score").inner_text().endswith(" / 10")


def test_uploading_python_gradient_functions(server, page):
    page.goto(server.url + f"exercise/{DENSE}")
    page.locator('input[name="submission"]').set_input_files(str(ROOT / "examples" / DENSE / "correct.py"))
    with page.expect_navigation():
        page.locator("#upload button[type=submit]").click()
    assert page.locator("#score").inner_text().endswith("10 / 10")
    assert "correct.py" in page.locator("h1").inner_text()


def test_pages_work_without_javascript_and_fit_a_phone(server, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        page.goto(server.url + f"exercise/{DENSE}?lang=he")
        assert page.evaluate("document.documentElement.dir") == "rtl"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.locator("select[name=filename]").select_option("answers.yaml")
        page.locator("textarea[name=answer]").fill("\n".join(f"{k}: {v}" for k, v in RIGHT.items() if "frac" not in v))
        with page.expect_navigation():
            page.locator("#paste button[type=submit]").click()
        assert page.evaluate("document.documentElement.dir") == "rtl"
        assert page.locator("#score").inner_text().endswith("8.67 / 10")  # x[3] (4/3 points) was left out
    finally:
        context.close()


def test_screenshots_of_the_exercise_page_and_a_report(server, browser, tmp_path):
    written = take_screenshots(server.url, browser, tmp_path)
    for path in written:
        assert path.stat().st_size > 10_000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def take_screenshots(url: str, browser, folder: Path) -> list[Path]:
    """The exercise page with its preview at work (one entry read, one unreadable), and the
    report of an answer with a mistake, at phone-like width."""
    context = browser.new_context(viewport={"width": 480, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    try:
        page.goto(url + f"exercise/{DENSE}")
        for key in ("W[1,1]", "W[1,2]", "W[1,3]"):
            entry(page, key).press_sequentially(RIGHT[key])
            expect(preview_of(page, key).locator(".read")).to_contain_text(RIGHT[key])
        entry(page, "W[2,1]").press_sequentially("dy[2]*x(1")
        expect(preview_of(page, "W[2,1]")).to_contain_text("never closed")
        exercise_shot = folder / SHOTS["exercise"].name
        page.screenshot(path=str(exercise_shot), full_page=True)
        entry(page, "W[2,1]").fill(RIGHT["W[2,1]"])
        grade_entries(page, {**RIGHT, "b[1]": "dy[1] + dy[2]", "x[1]": "dy[1]*w[1,1]"})
        report_shot = folder / SHOTS["report"].name
        page.screenshot(path=str(report_shot), full_page=True)
        return [exercise_shot, report_shot]
    finally:
        context.close()


if __name__ == "__main__":
    from playwright.sync_api import sync_playwright

    if find_browser() is None:
        sys.exit("no Chromium installed")
    with running_server(DENSE, "--jobs", "1") as running, sync_playwright() as playwright:
        chromium = launch(playwright)
        for shot in take_screenshots(running.url, chromium, ROOT / "docs"):
            print(f"wrote {shot.relative_to(ROOT)}")
        chromium.close()
