"""Exercise self-tests: sample answers in the spec, graded, compared with what the author expects.

    self_test:
      - name: the seed's row-2 mistake
        answers: {"X[2,1]": "dy[2,1]*(k[1]+k[2])", ...}     # or document: |  (Markdown) or code: |  (Python)
        expect: {score: 8.5, notes: [X-row2-merged-path]}

Each sample is graded under several seeds (the trial inputs of code, the random points of the
exact checks), so an exercise that only works by luck fails here.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from .options import GradeOptions
from .pipeline import grade
from .spec import Exercise

SEEDS = (0, 1, 2)


@dataclass(frozen=True)
class SelfTestResult:
    name: str
    seed: int
    ok: bool
    message: str


def run_self_tests(exercise: Exercise, seeds=SEEDS) -> list[SelfTestResult]:
    """Grade every sample answer of the spec under each seed."""
    results = []
    with tempfile.TemporaryDirectory(prefix="grader-selftest-") as tmp:
        for number, sample in enumerate(exercise.self_test):
            path = _write_sample(Path(tmp), number, sample)
            expect = sample["expect"]
            for seed in seeds:
                report = grade(exercise, path, GradeOptions(seed=seed, timeout=None, lang="en"))
                problems = []
                if "score" in expect and score_text(report.score) != score_text(float(expect["score"])):
                    problems.append(f"expected score {score_text(float(expect['score']))}, got {score_text(report.score)}")
                notes = {n for c in report.checks for n in c.notes}
                missing = [n for n in expect.get("notes", ()) if n not in notes]
                if missing:
                    problems.append(f"expected answer note(s) {', '.join(missing)}; notes were: {', '.join(sorted(notes))}")
                if "exit" in expect and report.return_code != expect["exit"]:
                    problems.append(f"expected exit {expect['exit']}, got {report.return_code}")
                results.append(SelfTestResult(sample["name"], seed, not problems,
                                              "; ".join(problems) or f"score {score_text(report.score)} as expected"))
    return results


def score_text(score: float) -> str:
    """A score as self-test messages print it; scores are compared in this form, so that a
    failure always shows two different numbers (an author copies 7.91667 from the output)."""
    return f"{score:g}"


def _write_sample(directory: Path, number: int, sample: dict) -> Path:
    if "code" in sample:
        path = directory / f"sample{number}.py"
        path.write_text(sample["code"], encoding="utf-8")
    elif "document" in sample:
        path = directory / f"sample{number}.md"
        path.write_text(sample["document"], encoding="utf-8")
    else:
        path = directory / f"sample{number}.yaml"
        path.write_text(yaml.safe_dump({str(k): v for k, v in sample["answers"].items()}, allow_unicode=True),
                        encoding="utf-8")
    return path
