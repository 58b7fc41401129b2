"""False credits found by the adversarial fixtures of issue 23: written answers (entries a fixture
says must not be credited, but were) and functions (wrong code that got full marks). Run it
against any checkout to compare: `python benchmarks/false_credits.py [FIXTURES_ROOT]`, with the
checkout's `grader` first on the path."""
from __future__ import annotations

import re
import sys
from pathlib import Path

from grader.pipeline import grade
from grader.spec.load import load_exercise

TESTS = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "tests"
_EXPECT = re.compile(r"expect-(no-credit|credit):\s*([^\n>]*?)\s*(?:-->|\"|$)", re.M)
_EXERCISE = re.compile(r"exercise:\s*([\w./-]+)")
CODE = {"relu_threshold.py": "relu-4", "relu_all_active.py": "relu-4", "relu_at_zero.py": "relu-4",
        "sigmoid_clipped.py": "sigmoid-4", "tanh_clipped.py": "tanh-4", "maxpool_last_tie.py": "maxpool2d-4x4-size2"}


def written(path: Path) -> tuple[int, int, int, int]:
    """(false credits, entries that must not be credited, reviews, true rewritings not credited)."""
    text = path.read_text(encoding="utf-8")
    found = {kind: set() for kind in ("credit", "no-credit")}
    for kind, entries in _EXPECT.findall(text):
        found[kind].update(entries.split())
    name = _EXERCISE.search(text).group(1) if _EXERCISE.search(text) else "conv2d-3x3-k2x1"
    exercise = load_exercise(str(TESTS / "fixtures" / name) if name.endswith(".yaml") else name)
    report = grade(exercise, path)
    status = {f"{c.target}[{','.join(map(str, c.index))}]": c.status for c in report.checks}
    false = sum(status.get(e) == "pass" for e in found["no-credit"])
    missed = sum(status.get(e) != "pass" for e in found["credit"])
    return false, len(found["no-credit"]), sum(s == "review" for s in status.values()), missed


if __name__ == "__main__":
    total = wrong = reviews = missed = 0
    files = sorted((TESTS / "fixtures" / "verdicts").glob("*.*")) + sorted((TESTS / "fixtures" / "reading").glob("disowned_*"))
    for path in files:
        f, n, r, m = written(path)
        total, wrong, reviews, missed = total + f, wrong + n, reviews + r, missed + m
        print(f"{path.name:32} false credits {f}/{n}, reviews {r}, true forms not credited {m}")
    code_false = 0
    for name, exercise in CODE.items():
        report = grade(load_exercise(exercise), TESTS / "fixtures" / "verdicts" / "code" / name)
        code_false += report.full_marks
        print(f"{name:32} {'FULL MARKS (false credit)' if report.full_marks else 'below full marks'}")
    print(f"written entries falsely credited: {total} of {wrong}; reviews {reviews}; true forms missed {missed}")
    print(f"wrong functions given full marks: {code_false} of {len(CODE)}")
