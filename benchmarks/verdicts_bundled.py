"""Verdicts across every bundled example answer file (examples/<exercise>/*, written answers:
.md .tex .txt .yaml) and the adversarial fixtures of tests/fixtures/verdicts: how many entries
each verdict got, and which went to review (the goal for the bundled examples: none), with the
slowest file's grading time (in process, with diagnosis)."""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from grader.pipeline import grade
from grader.spec.load import load_exercise

ROOT = Path(__file__).resolve().parent.parent
WRITTEN = {".md", ".tex", ".txt", ".yaml"}

if __name__ == "__main__":
    counts: Counter = Counter()
    reviews, slowest = [], (0.0, "")
    for folder in sorted((ROOT / "examples").iterdir()):
        if not (ROOT / "exercises" / f"{folder.name}.yaml").exists():
            continue
        exercise = load_exercise(folder.name)
        for path in sorted(p for p in folder.iterdir() if p.suffix in WRITTEN):
            start = time.perf_counter()
            report = grade(exercise, path)
            took = time.perf_counter() - start
            slowest = max(slowest, (took, f"{folder.name}/{path.name}"))
            counts.update(c.status for c in report.checks)
            reviews += [f"{folder.name}/{path.name}: {c.name} {' '.join(c.notes)}" for c in report.reviews]
    print("bundled examples, entries by verdict:", dict(sorted(counts.items())))
    print(f"entries sent to review: {len(reviews)}")
    for line in reviews:
        print("  " + line)
    print(f"slowest file: {slowest[1]} {slowest[0]:.3f} s (in process, with diagnosis)")
