"""Shared timing for the benchmark scripts: medians of wall time of whole commands."""
from __future__ import annotations

import statistics
import subprocess
import sys
import time

BASELINE = [sys.executable, "-c", "import numpy, sympy, yaml, click"]


def wall(cmd: list[str], runs: int = 7) -> float:
    """Median wall time of a command, after one warm-up run (file cache)."""
    subprocess.run(cmd, capture_output=True, check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(name: str, cmd: list[str], target: float | str, runs: int = 7) -> float:
    """Print wall time and its ratio to the import baseline; `target` is a ratio or a phrase."""
    base = wall(BASELINE, runs)
    took = wall(cmd, runs)
    ratio = took / base
    goal = f"<= {target}x" if isinstance(target, (int, float)) else target
    print(f"{name}: {took:.3f} s; import baseline {base:.3f} s; ratio {ratio:.2f}x (target {goal})")
    return ratio
