"""Cold `grader grade conv2d-28x28-k5x5 answers.yaml` for a complete correct answer
(784 + 25 entries, each a sum), in plain notation and in LaTeX: wall time and ratio to the
import baseline (target <= 2.5x); and the same answer with the kernel flipped, every entry wrong
and diagnosed (target <= 5x)."""
import sys
import tempfile
from pathlib import Path

from _answers import write_answers
from _timing import report

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        for latex in (False, True):
            path = write_answers(Path(tmp) / f"answers-{latex}.yaml", latex=latex)
            report(f"grade conv2d-28x28-k5x5 (complete YAML answer, {'LaTeX' if latex else 'plain'})",
                   [sys.executable, "-m", "grader", "grade", "conv2d-28x28-k5x5", str(path), "--format", "json"],
                   2.5, runs=5)
        # Every entry with the kernel flipped: each one proved wrong and diagnosed.
        path = write_answers(Path(tmp) / "answers-flipped.yaml", flipped=True)
        report("grade conv2d-28x28-k5x5 (the kernel flipped: every entry wrong, each diagnosed)",
               [sys.executable, "-m", "grader", "grade", "conv2d-28x28-k5x5", str(path), "--format", "json"],
               5, runs=3)
