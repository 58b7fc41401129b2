"""Per exercise, how the bundled corpus of write-ups is read (tests/fixtures/corpus/EXERCISE/):
right write-ups fully credited, wrong ones falsely credited, and right ones refused with a
message naming the line. Each file says in a comment which entries must be credited
(`expect-credit:`) or must not be (`expect-no-credit:`).

    python benchmarks/reading_corpus.py [--json]
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from grader.pipeline import GradeOptions, grade
from grader.spec.load import load_exercise

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "corpus"
_EXPECT = re.compile(r"expect-(no-credit|credit):\s*([^\n>]*?)\s*(?:-->|$)", re.M)
_ENTRY = re.compile(r"([A-Za-z]+)\[([0-9,]+)\]")


def expectations(path: Path) -> tuple[set, set]:
    credit: set = set()
    no_credit: set = set()
    for kind, entries in _EXPECT.findall(path.read_text(encoding="utf-8")):
        for name, index in _ENTRY.findall(entries):
            (credit if kind == "credit" else no_credit).add((name, tuple(int(i) for i in index.split(","))))
    return credit, no_credit


def outcome(exercise, path: Path) -> dict:
    credit, no_credit = expectations(path)
    report = grade(exercise, path, GradeOptions(seed=0, timeout=None, lang="en", diagnose=False))
    checks = {(c.target, tuple(c.index or ())): c for c in report.checks}
    missed = [k for k in credit if k not in checks or checks[k].status != "pass"]
    false = [k for k in no_credit if k in checks and checks[k].status == "pass"]
    helpful = bool(missed) and all(k in checks and checks[k].status == "error" and "line" in (checks[k].feedback or "")
                                   for k in missed)
    return {"file": path.name, "right": path.name.startswith("right"), "credited": not missed,
            "false_credits": len(false), "refused_helpfully": helpful,
            "missed": [f"{t}[{','.join(map(str, i))}]: {checks[(t, i)].feedback if (t, i) in checks else 'no check'}"
                       for t, i in missed]}


def measure() -> dict:
    table = {}
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        exercise = load_exercise(folder.name)
        table[folder.name] = [outcome(exercise, f) for f in sorted(folder.iterdir()) if f.is_file()]
    return table


def main() -> None:
    table = measure()
    if "--json" in sys.argv:
        print(json.dumps(table, indent=1))
        return
    print("| exercise | correct write-ups credited | false credits | refusals with a message |")
    print("|---|---|---|---|")
    totals = [0, 0, 0, 0]
    for name, rows in table.items():
        right = [r for r in rows if r["right"]]
        ok = sum(r["credited"] for r in right)
        false = sum(r["false_credits"] for r in rows)
        refused = [r for r in right if not r["credited"]]
        helpful = sum(r["refused_helpfully"] for r in refused)
        totals = [totals[0] + ok, totals[1] + len(right), totals[2] + false, totals[3] + helpful]
        print(f"| {name} | {ok}/{len(right)} | {false} | {helpful}/{len(refused)} |")
    print(f"| all | {totals[0]}/{totals[1]} | {totals[2]} | {totals[3]} |")
    if "-v" in sys.argv:
        for name, rows in table.items():
            for r in rows:
                if r["missed"] or r["false_credits"]:
                    print(name, r["file"], r["missed"], r["false_credits"])


if __name__ == "__main__":
    main()
