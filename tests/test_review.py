"""The third verdict, `review`: 0 points now, said plainly in every format, stored in the
gradebook and listed by the class summary (and by `review_entries`, the library call an
instructor's review list is built on)."""
import json

from grader.batch.gradebook import Gradebook, Row, review_entries
from grader.batch.summary import summarise
from grader.render.report import render_report
from grader.render.registry import report_formats
from grader.render.registry import formats
from grader.render.summary import render_summary
from grader.report import Check, Report

FLAGGED = "dL/dW1[1,2]: could not be decided automatically: flagged for your instructor"


def _report(student_answer: str = "w*relu(x^2) - w*x^2 + w") -> Report:
    checks = (
        Check("dL/dW1[1,1]", "pass", 1.0, 1.0, "dL/dW1[1,1] is right", "W1", (1, 1), ("correct",), line=3),
        Check("dL/dW1[1,2]", "review", 0.0, 1.0, FLAGGED, "W1", (1, 2), ("review", "review-nonlinear-kink"),
              (f"your answer: {student_answer}",), line=4),
        Check("dL/dW1[2,1]", "fail", 0.0, 1.0, "dL/dW1[2,1] is not right", "W1", (2, 1), ("wrong",), line=5),
    )
    return Report("mlp", "answers.md", "expressions", 3.0, checks)


def test_a_review_gets_no_points_and_is_not_full_marks():
    report = _report()
    assert report.score == 1.0 and not report.full_marks and report.return_code == 1
    assert [c.name for c in report.reviews] == ["dL/dW1[1,2]"]
    assert Report.from_dict(json.loads(json.dumps(report.to_dict()))) == report


def test_every_report_format_says_the_entry_is_flagged():
    report = _report()
    for name in report_formats():
        text = render_report(report, name)
        if name == "github":
            # annotations: a warning on the entry's line, not an error
            assert "::warning file=answers.md,line=4" in text
            continue
        if name == "junit":
            assert 'type="needs-review"' in text and 'errors="1"' in text
        assert "flagged for your instructor" in text, name


def test_hebrew_report_says_it_in_hebrew():
    from grader.i18n import tr

    assert "לבדיקת המרצה" in tr("he", "ex.review", entry="x", where="")


def _row(report: Report, student: str) -> Row:
    return Row("mlp", student, f"{student}/answers.md", student * 8, "setup", "expressions",
               "partial" if report.score else "zero", report.score, report.max_score, "", 0, False, "test", 0.1,
               "2026-01-01T00:00:00+00:00", "test:1", report.to_dict())


def test_the_gradebook_and_the_summary_list_every_entry_waiting_for_review(tmp_path):
    db = tmp_path / "gb.sqlite"
    with Gradebook(db) as book:
        book.record(_row(_report(), "alice"))
        book.record(_row(_report(), "bob"))
        plain = Report("mlp", "answers.md", "expressions", 3.0,
                       tuple(c if c.status != "review" else Check(c.name, "pass", 1.0, 1.0, "right", c.target,
                                                                  c.index, ("correct",))
                             for c in _report().checks))
        book.record(_row(plain, "carol"))
        waiting = review_entries(book)
        assert [(r.student, r.check, r.entry, r.reasons) for r in waiting] == [
            ("alice", "dL/dW1[1,2]", "1,2", ("review-nonlinear-kink",)),
            ("bob", "dL/dW1[1,2]", "1,2", ("review-nonlinear-kink",))]
        assert review_entries(book, "other") == ()
    summary = summarise(db)
    assert [r.student for r in summary.reviews] == ["alice", "bob"]
    assert "2 entries waiting for review" in render_summary(summary, "text")
    for fmt in formats("summary"):
        assert "dL/dW1[1,2]" in render_summary(summary, fmt)
    assert json.loads(render_summary(summary, "json"))["reviews"][0]["reasons"] == ["review-nonlinear-kink"]
