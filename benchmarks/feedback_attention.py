"""Feedback length for the attention-style exercise (benchmarks/specs/attention-2x2.yaml), per
entry: `grader solve`, `grader explain`'s longest line, and a graded wrong answer's feedback (the
sentence and its detail lines, as a text report prints them). Target: under 400 characters per
entry, in the author's terms (a, s; no exp(...)), with the full expressions kept in the JSON
report's messages (`said`, `said_details`).

    python benchmarks/feedback_attention.py
"""
import json
import tempfile
from pathlib import Path

from grader.pipeline import GradeOptions, grade
from grader.render.solution import render_solution
from grader.spec.load import load_exercise

SPEC = Path(__file__).resolve().parent / "specs" / "attention-2x2.yaml"
# A student's answers: the 1/sqrt(2) left out, one path only, nothing, the softmax unfolded.
WRONG = """\
Q[1,1]: "do[1,1]*(k[1,1]*(a[1,1]*v[1,1]*(1 - a[1,1]) - a[1,1]*a[1,2]*v[2,1]) + k[2,1]*(a[1,2]*v[2,1]*(1 - a[1,2]) - a[1,1]*a[1,2]*v[1,1])) + do[1,2]*(k[1,1]*(a[1,1]*v[1,2]*(1 - a[1,1]) - a[1,1]*a[1,2]*v[2,2]) + k[2,1]*(a[1,2]*v[2,2]*(1 - a[1,2]) - a[1,1]*a[1,2]*v[1,2]))"
Q[1,2]: "do[1,1]*a[1,1]*v[1,1]"
Q[2,1]: "0"
Q[2,2]: "do[2,2]*exp(s[2,2])/(exp(s[2,1]) + exp(s[2,2]))"
"""


def main() -> None:
    exercise = load_exercise(str(SPEC))
    solve = [line for line in render_solution(exercise, "text").splitlines() if line]
    from grader.explain.build import explain
    from grader.render.explanation import render_explanation

    worked = render_explanation(explain(exercise), "text")
    equations = [line for line in worked.splitlines() if " = " in line and "dC/dq" in line]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "answers.yaml"
        path.write_text(WRONG, encoding="utf-8")
        report = grade(exercise, path, GradeOptions(seed=0, timeout=None, lang="en"))
    entries = [len(c.feedback) + sum(len(d) for d in c.details) for c in report.checks]
    walls = sum("exp(" in c.feedback or any("expected" in d and "exp(" in d for d in c.details) for c in report.checks)
    full = json.dumps([c.to_dict() for c in report.checks])
    print(f"solve: longest entry {max(map(len, solve))} characters (target < 400)")
    print(f"explain: longest entry equation {max(map(len, equations))} characters, "
          f"{sum('exp(' in line for line in equations)} with exp(...)")
    print(f"grade (wrong answers, diagnosed): longest entry's feedback {max(entries)} characters "
          f"(target < 400); entries with exp(...) in the expected answer: {walls}")
    print(f"full expressions in the JSON report's messages: {'yes' if 'sqrt(2)*k[1,1]*(-a[1,1]*a[1,2]*v[2,1]' in full else 'no'}")


if __name__ == "__main__":
    main()
