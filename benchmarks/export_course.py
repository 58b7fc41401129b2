"""`grader export`, `grader review` and `grader override` on a large course's gradebook.

Builds a gradebook of N students (default 300) of a 28x28 exercise (784 checks each, a tenth of
them waiting for review, two gradings per student so that history is there too), then times each
command as a whole process against the import baseline, in alternation (_timing.ratio).
Usage: python benchmarks/export_course.py [N]
"""
import argparse
import tempfile
from pathlib import Path

from _timing import ratio

from grader.batch.gradebook import Gradebook, Row
from grader.report import Check, Report

SIDE = 28


def report(student: int, version: int) -> Report:
    checks = []
    for i in range(SIDE):
        for j in range(SIDE):
            status = "review" if (i * SIDE + j + student) % 10 == 0 else "pass" if (i + j + version) % 3 else "fail"
            checks.append(Check(f"dC/dx[{i + 1},{j + 1}]", status, 1.0 if status == "pass" else 0.0, 1.0, "",
                                "X", (i + 1, j + 1), (status,)))
    return Report("big", f"s{student}.yaml", "expressions", float(SIDE * SIDE), tuple(checks))


def build(db: Path, n: int) -> None:
    with Gradebook(db) as book:
        for student in range(n):
            for version in range(2):
                graded = report(student, version)
                book.record(Row("big", f"s{student:04d}", f"s{student:04d}.yaml", f"{student}-{version}", "setup",
                                "expressions", "partial", graded.score, graded.max_score, "", None, True, "bench",
                                0.1, f"2026-01-0{version + 1}T00:00:00+00:00", "bench:1", graded.to_dict()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=300)
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "gb.sqlite"
        build(db, n)
        grader = ["grader"]
        for name, cmd in (("export canvas", [*grader, "export", str(db), "--format", "canvas"]),
                          ("export csv", [*grader, "export", str(db), "--format", "csv"]),
                          ("review", [*grader, "review", str(db)]),
                          ("override", [*grader, "override", str(db), "s0001", "X[2,2]", "1", "--reason", "bench"]),
                          ("history", [*grader, "history", str(db), "s0001", "--entry", "X[2,2]"])):
            times, took, base = ratio(cmd, runs=5)
            print(f"{name:14} {n} students x {SIDE * SIDE} checks: {took:.2f} s "
                  f"({times:.2f}x the import baseline of {base:.2f} s)")


if __name__ == "__main__":
    main()
