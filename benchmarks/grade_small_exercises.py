"""Every exercise with at most 50 entries (the bundled ones and benchmarks/specs/), graded cold
from a complete right answer and from a wrong one (every entry wrong, so every entry is
diagnosed), with diagnosis as users run it: wall time (target <= 2 s) and ratio to the import
baseline, measured in one run. New bundled exercises are picked up as they land."""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from _timing import ratio

ROOT = Path(__file__).resolve().parent.parent
MAX_ENTRIES = 50


def solution(spec: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "grader", "solve", str(spec), "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["targets"]


def entries(value) -> int:
    return sum(entries(v) for v in value) if isinstance(value, list) else 1


def mutate(value, counter: list):
    """Every entry wrong, in the two ways students most often are: a factor and an extra term."""
    if isinstance(value, list):
        return [mutate(v, counter) for v in value]
    counter[0] += 1
    return f"2*({value})" if counter[0] % 2 else f"({value}) + 1"


def specs() -> list[Path]:
    return sorted((ROOT / "exercises").glob("*.yaml")) + sorted((ROOT / "benchmarks" / "specs").glob("*.yaml"))


if __name__ == "__main__":
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for spec in specs():
            targets = solution(spec)
            if sum(entries(v) for v in targets.values()) > MAX_ENTRIES:
                continue
            for kind, answers in (("right", targets), ("wrong", {t: mutate(v, [0]) for t, v in targets.items()})):
                path = Path(tmp) / f"{spec.stem}-{kind}.yaml"
                path.write_text(yaml.safe_dump(answers, width=10**6), encoding="utf-8")
                r, took, base = ratio([sys.executable, "-m", "grader", "grade", str(spec), str(path),
                                       "--format", "json"], runs=3)
                worst = max(worst, took)
                print(f"{spec.stem:28} {kind}: {took:.3f} s; import baseline {base:.3f} s; ratio {r:.2f}x")
    print(f"slowest: {worst:.3f} s (target <= 2 s)")
