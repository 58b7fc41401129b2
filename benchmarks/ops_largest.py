"""Per op: cold `grader solve` and `grader grade` (its correct example) on the largest bundled
exercise that uses the op, over the import baseline. Prints one line per op and command."""
import sys
from pathlib import Path

import numpy as np

from _timing import BASELINE, wall

from grader.spec.load import bundled_ids, load_exercise

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def largest_per_op() -> dict[str, str]:
    """op name -> the bundled exercise using it with the most input entries."""
    best: dict[str, tuple[int, str]] = {}
    for exercise_id in bundled_ids():
        exercise = load_exercise(exercise_id)
        size = sum(int(np.prod(s)) for s in exercise.graph.inputs.values())
        for built in exercise.graph.nodes:
            if size > best.get(built.node.op, (-1, ""))[0]:
                best[built.node.op] = (size, exercise_id)
    return {op: exercise_id for op, (_, exercise_id) in sorted(best.items())}


def correct_example(exercise_id: str) -> Path | None:
    for name in ("correct.yaml", "correct.md", "correct.py"):
        path = EXAMPLES / exercise_id / name
        if path.is_file():
            return path
    return None


if __name__ == "__main__":
    runs = 3
    base = wall(BASELINE, runs)
    print(f"import baseline {base:.3f} s (median of {runs})")
    timed: dict[tuple, float] = {}
    for op, exercise_id in largest_per_op().items():
        commands = {"solve": [sys.executable, "-m", "grader", "solve", exercise_id, "--format", "json"]}
        example = correct_example(exercise_id)
        if example is not None:
            commands[f"grade {example.name}"] = [sys.executable, "-m", "grader", "grade", exercise_id, str(example)]
        for what, cmd in commands.items():
            key = (exercise_id, what)
            if key not in timed:
                timed[key] = wall(cmd, runs)
            print(f"{op:22s} {exercise_id:28s} {what:18s} {timed[key]:7.3f} s  ratio {timed[key] / base:5.2f}x")
