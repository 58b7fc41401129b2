"""Rendering the 28x28 exercise's report in every format, against grading it.

Grades a complete LaTeX answer to conv2d-28x28-k5x5 (809 entries, row 2 of dC/dX with the
seed's mistake, so the report carries diagnoses) once in-process, then renders the report in
each registered format: the first render (cold caches) and the median of three more, each as
a ratio to the grading time; and the size of each output (the HTML page's is the one asked).
"""
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _answers import write_answers
from _timing import BASELINE, wall

from grader.pipeline import grade
from grader.render.registry import renderer, report_formats
from grader.spec.load import load_exercise


def main() -> None:
    exercise = load_exercise("conv2d-28x28-k5x5")
    with tempfile.TemporaryDirectory() as tmp:
        path = write_answers(Path(tmp) / "answers.yaml", latex=True, wrong_rows=(2,))
        start = time.perf_counter()
        report = grade(exercise, path)
        graded = time.perf_counter() - start
    base = wall(BASELINE, runs=3)
    print(f"grade conv2d-28x28-k5x5 (LaTeX answer, row 2 wrong): {graded:.3f} s, "
          f"{len(report.checks)} checks, score {report.score:g}/{report.max_score:g}; "
          f"import baseline {base:.3f} s (grading {graded / base:.1f}x)")
    for fmt in report_formats():
        settings = dict(exercise=exercise, source="answers.yaml", elapsed=graded)
        start = time.perf_counter()
        text = renderer(fmt, **settings).render(report)
        cold = time.perf_counter() - start
        warm = []
        for _ in range(3):
            start = time.perf_counter()
            renderer(fmt, **settings).render(report)
            warm.append(time.perf_counter() - start)
        size = len(text.encode("utf-8"))
        print(f"  {fmt:<10} first {cold:.3f} s ({cold / graded:.3f}x grading), "
              f"then {statistics.median(warm):.3f} s ({statistics.median(warm) / graded:.3f}x); {size:,} bytes")


if __name__ == "__main__":
    sys.exit(main())
