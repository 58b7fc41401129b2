"""Per exercise, how write-ups are read: right write-ups fully credited, wrong ones falsely
credited, and right ones refused with a message naming the line.

Two sources: the hand-written corpus (tests/fixtures/corpus/EXERCISE/, each file saying in a
comment which entries must be credited, `expect-credit:`, or must not be, `expect-no-credit:`),
and, for every bundled exercise, the write-ups of benchmarks/_writeups.py (every entry answered
in one style each: YAML boxes, Markdown, Overleaf, Jupyter, e-mail, Word unicode, Hebrew notes,
Nielsen's delta, d2l). Exercises with variants per student are graded as their base variant.

    python benchmarks/reading_corpus.py [--json] [-v] [--hand-only] [EXERCISE ...]
"""
from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grader.pipeline import GradeOptions, grade  # noqa: E402
from grader.spec.load import bundled_ids, load_exercise  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "corpus"
_EXPECT = re.compile(r"expect-(no-credit|credit):\s*([^\n>\"]*?)\s*(?:-->|\"|\\n|$)", re.M)
_ENTRY = re.compile(r"([A-Za-z][A-Za-z0-9_]*)\[([0-9,]+)\]")
# The 28x28 exercise is measured in two plain styles only: each write-up is 809 entries.
# (A LaTeX write-up of all of it is past the 1 MB file limit, and is refused as such.)
_LARGE = {"conv2d-28x28-k5x5": ("gen-answers-plain.yaml", "gen-email.txt")}


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
    return {"file": path.name, "right": path.name.startswith(("right", "gen-")), "credited": not missed,
            "false_credits": len(false), "refused_helpfully": helpful,
            "missed": [f"{t}[{','.join(map(str, i))}]: {checks[(t, i)].feedback if (t, i) in checks else 'no check'}"
                       for t, i in sorted(missed)][:3]}


def measure(names: list[str] | None = None, generated: bool = True) -> dict:
    from _writeups import writeups

    table: dict[str, list] = {}
    folders = {p.name: p for p in CORPUS.iterdir() if p.is_dir()}
    ids = names or sorted(set(bundled_ids()) | set(folders))
    with tempfile.TemporaryDirectory() as tmp:
        for name in ids:
            exercise = load_exercise(name)
            rows = [outcome(exercise, f) for f in sorted(folders[name].iterdir()) if f.is_file()] \
                if name in folders else []
            if generated:
                where = Path(tmp) / name
                where.mkdir()
                for filename, text in writeups(exercise):
                    if name in _LARGE and filename not in _LARGE[name]:
                        continue
                    path = where / filename
                    path.write_text(text, encoding="utf-8")
                    rows.append(outcome(exercise, path))
            table[name] = rows
    return table


def main() -> None:
    names = [a for a in sys.argv[1:] if not a.startswith("-")]
    table = measure(names or None, generated="--hand-only" not in sys.argv)
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
        share = f" ({100 * ok // len(right)} %)" if right else ""
        print(f"| {name} | {ok}/{len(right)}{share} | {false} | {helpful}/{len(refused)} |")
    print(f"| all | {totals[0]}/{totals[1]} | {totals[2]} | {totals[3]} |")
    if "-v" in sys.argv:
        for name, rows in table.items():
            for r in rows:
                if r["missed"] or r["false_credits"]:
                    print(name, r["file"], r["missed"], r["false_credits"])


if __name__ == "__main__":
    main()
