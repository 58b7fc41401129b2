"""Shared timing for the benchmark scripts: wall time of whole commands against the import baseline.

The baseline and the command are run in alternation and the ratio is the median of the
per-pair ratios: on a machine shared with other work, both then see the same load.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time

BASELINE = [sys.executable, "-c", "import numpy, sympy, yaml, click"]


def _once(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=False)
    return time.perf_counter() - start


def wall(cmd: list[str], runs: int = 7) -> float:
    """Median wall time of a command, after one warm-up run (file cache)."""
    _once(cmd)
    return statistics.median(_once(cmd) for _ in range(runs))


def ratio(cmd: list[str], runs: int = 7) -> tuple[float, float, float]:
    """(median ratio to the baseline, median command time, median baseline time), in alternation."""
    _once(BASELINE)
    _once(cmd)
    pairs = []
    for _ in range(runs):
        base = _once(BASELINE)
        took = _once(cmd)
        pairs.append((took / base, took, base))
    return (statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs),
            statistics.median(p[2] for p in pairs))


def report(name: str, cmd: list[str], target: float | str, runs: int = 7) -> float:
    """Print wall time and its ratio to the import baseline; `target` is a ratio or a phrase."""
    r, took, base = ratio(cmd, runs)
    goal = f"<= {target}x" if isinstance(target, (int, float)) else target
    print(f"{name}: {took:.3f} s; import baseline {base:.3f} s; ratio {r:.2f}x (target {goal})")
    return r
