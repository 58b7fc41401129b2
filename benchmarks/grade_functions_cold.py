"""Cold `grader grade conv2d-3x3-k2x1 correct.py --format json` over the import baseline (target <= 1.5x)."""
import sys
from pathlib import Path

from _timing import report

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    report("grade conv2d-3x3-k2x1 correct.py", [sys.executable, "-m", "grader", "grade", "conv2d-3x3-k2x1",
           str(ROOT / "examples" / "conv2d-3x3-k2x1" / "correct.py"), "--format", "json"], 1.5)
