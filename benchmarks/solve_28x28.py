"""Cold `grader solve conv2d-28x28-k5x5 --format json` over the import baseline (target <= 5x, aim 2x)."""
import sys

from _timing import report

if __name__ == "__main__":
    report("solve conv2d-28x28-k5x5", [sys.executable, "-m", "grader", "solve", "conv2d-28x28-k5x5", "--format", "json"], 5)
