"""What diagnosis adds to grading the 28x28 exercise (target <= 30%), measured in one process:
the same answer file (four rows of dC/dX with the seed's merged-path mistake) graded with
diagnosis and without."""
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _answers import write_answers

from grader.pipeline import GradeOptions, grade
from grader.spec.load import load_exercise


def timed(exercise, path, diagnose: bool, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        grade(exercise, path, GradeOptions(diagnose=diagnose))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    exercise = load_exercise("conv2d-28x28-k5x5")
    with tempfile.TemporaryDirectory() as tmp:
        path = write_answers(Path(tmp) / "answers.yaml", wrong_rows=(5, 12, 13, 20))
        grade(exercise, path)  # warm: reference solution, parser tables
        without = timed(exercise, path, False)
        with_ = timed(exercise, path, True)
    print(f"grading with diagnosis {with_:.3f} s, without {without:.3f} s: "
          f"diagnosis adds {100 * (with_ / without - 1):.0f}% (target <= 30%)")
