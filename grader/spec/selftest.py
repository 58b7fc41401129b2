"""Exercise self-tests: sample answers in the spec, graded, compared with what the author expects.

    self_test:
      - name: the seed's row-2 mistake
        answers: {"X[2,1]": "dy[2,1]*(k[1]+k[2])", ...}     # or document: |  (Markdown) or code: |  (Python)
        expect: {score: 8.5, notes: [X-row2-merged-path]}

Each sample is graded under several seeds (the trial inputs of code, the random points of the
exact checks), so an exercise that only works by luck fails here.

A spec that declares variants is also tested on VARIANT_IDS: each variant must build, its
worked solution (`grader explain`, as Markdown) must get full marks, and the samples meant for
every variant (`variants: all`, the default for code) must score as expected (under one seed:
the variants already multiply the runs).
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import yaml

from ..options import GradeOptions
from ..pipeline import grade
from .feedback import Expectation, Sample
from .load import Exercise, exercise_variant

SEEDS = (0, 1, 2)
VARIANT_IDS = tuple(f"self-test-{n}" for n in range(1, 6))
WORKED_SOLUTION = "the worked solution (grader explain)"


@dataclass(frozen=True)
class SelfTestResult:
    name: str
    seed: int
    ok: bool
    message: str


def run_self_tests(exercise: Exercise, seeds: Sequence[int] = SEEDS, variants: Sequence[str] = VARIANT_IDS) -> list[SelfTestResult]:
    """Grade every sample answer of the spec under each seed, then, for a spec with variants,
    the worked solution and the samples for all variants on each of `variants`.

    Raises SpecError when a variant does not build."""
    results = _run_samples(exercise, list(exercise.self_test), seeds, "")
    if exercise.variant is None:
        return results
    for variant_id in variants:
        concrete = exercise_variant(exercise, variant_id)
        samples = [s for s in concrete.self_test if s.variants == "all"]
        samples.append(Sample(WORKED_SOLUTION, Expectation(score=concrete.max_score, exit=0),
                              document=worked_solution(concrete)))
        label = f" [variant {variant_id}: {concrete.variant.describe() if concrete.variant else ''}]"
        results += _run_samples(concrete, samples, seeds[:1], label)
    return results


def worked_solution(exercise: Exercise) -> str:
    """The exercise's worked solution as Markdown: what `grader explain --format markdown` prints."""
    from ..explain.build import explain
    from ..render.explanation import render_explanation

    return render_explanation(explain(exercise), "markdown", "en")


def _run_samples(exercise: Exercise, samples: list[Sample], seeds: Sequence[int], label: str) -> list[SelfTestResult]:
    results = []
    with tempfile.TemporaryDirectory(prefix="grader-selftest-") as tmp:
        for number, sample in enumerate(samples):
            path = _write_sample(Path(tmp), number, sample)
            expect = sample.expect
            for seed in seeds:
                report = grade(exercise, path, GradeOptions(seed=seed, timeout=None, lang="en"))
                problems = []
                if expect.score is not None and score_text(report.score) != score_text(expect.score):
                    problems.append(f"expected score {score_text(expect.score)}, got {score_text(report.score)}")
                notes = {n for c in report.checks for n in c.notes}
                missing = [n for n in expect.notes if n not in notes]
                if missing:
                    problems.append(f"expected answer note(s) {', '.join(missing)}; notes were: {', '.join(sorted(notes))}")
                if expect.exit is not None and report.return_code != expect.exit:
                    problems.append(f"expected exit {expect.exit}, got {report.return_code}")
                results.append(SelfTestResult(sample.name + label, seed, not problems,
                                              "; ".join(problems) or f"score {score_text(report.score)} as expected"))
    return results


def score_text(score: float) -> str:
    """A score as self-test messages print it; scores are compared in this form, so that a
    failure always shows two different numbers (an author copies 7.91667 from the output)."""
    return f"{score:g}"


def _write_sample(directory: Path, number: int, sample: Sample) -> Path:
    if sample.code is not None:
        path = directory / f"sample{number}.py"
        path.write_text(sample.code, encoding="utf-8")
    elif sample.document is not None:
        path = directory / f"sample{number}.md"
        path.write_text(sample.document, encoding="utf-8")
    else:
        path = directory / f"sample{number}.yaml"
        path.write_text(yaml.safe_dump({str(k): v for k, v in (sample.answers or {}).items()}, allow_unicode=True),
                        encoding="utf-8")
    return path
