"""Cold `grader explain` of the 28x28 exercise (Markdown) and of the seed, over the import baseline.

The 28x28 worked solution states its general formula only after checking it on all 576 outputs,
and writes 809 entry equations; no target is set, the ratio is recorded so changes show.
"""
import sys

from _timing import report

if __name__ == "__main__":
    grader = [sys.executable, "-m", "grader", "explain"]
    report("explain conv2d-3x3-k2x1", [*grader, "conv2d-3x3-k2x1", "--format", "markdown"], "recorded", runs=3)
    report("explain conv2d-28x28-k5x5", [*grader, "conv2d-28x28-k5x5", "--format", "markdown"], "recorded", runs=3)
