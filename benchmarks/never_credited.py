"""The property of tests/test_never_credited.py at scale: the reference plus a non-zero term from
the grammar of tests/_wrong_terms.py (polynomials, exp, tanh, relu, max, roots), 10,000 examples
per class by default, spread over entries of several exercises. Prints, per class, how many were
credited (must be 0), proved wrong, and sent to review, and the time per decision.
`python benchmarks/never_credited.py [EXAMPLES_PER_CLASS]`."""
from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from _wrong_terms import CLASSES, wrong_terms  # noqa: E402
from grader.answers.equivalence import equivalent_to_entry  # noqa: E402
from grader.spec.load import load_exercise  # noqa: E402

ENTRIES = [("conv2d-3x3-k2x1", "X", (1, 0)), ("relu-4", "x", (1,)), ("softmax-cross-entropy-2x3", "Z", (0, 1)),
           ("sigmoid-4", "x", (2,)), ("batchnorm-3x2", "X", (0, 1)), ("tanh-4", "x", (0,))]


def _property(entry, label: str, kind: str, examples: int, outcomes: Counter):
    symbols = sorted(entry.expr.free_symbols, key=lambda s: s.name)

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(wrong_terms(symbols, kind))
    def check(term):
        verdict = equivalent_to_entry(entry.expr + term, entry)
        outcomes[getattr(verdict, "decision", "equal" if verdict.equivalent else "different")] += 1
        if verdict.equivalent:
            print(f"  CREDITED: {label} + {term}")

    return check


def run(kind: str, examples: int) -> Counter:
    outcomes: Counter = Counter()
    per_entry = max(1, examples // len(ENTRIES))
    for name, target, index in ENTRIES:
        entry = load_exercise(name).solution[target][index]
        _property(entry, f"{name} {target}{index}", kind, per_entry, outcomes)()
    return outcomes


if __name__ == "__main__":
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    credited = 0
    for kind in CLASSES:
        start = time.perf_counter()
        got = run(kind, examples)
        took = time.perf_counter() - start
        total = sum(got.values())
        credited += got["equal"]
        print(f"{kind:10} {total} examples: credited {got['equal']}, proved wrong {got['different']}, "
              f"review {got['review']}; {1000 * took / max(total, 1):.1f} ms per decision")
    print(f"credited in all: {credited} (must be 0)")
