"""What several test modules share: paths, the seed exercise's notation, and two ways to run the CLI.

`cli(...)` runs a command in this process with click's CliRunner (fast: use it for option and
exit-code tables); `run_grader(...)` runs the real `python -m grader` in a subprocess (use it
for the few smoke tests of what users really run, and where a separate process matters).
"""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from grader.spec.notation import ArrayNotation, Notation

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_ID = "conv2d-3x3-k2x1"
# The seed exercise's notation: X 3x3 (x[i,j]), K 2x1 written k[1], k[2], Y = dC/dY 2x3.
SEED_NOTATION = Notation(arrays=(
    ArrayNotation("X", "x", (3, 3), (0, 1), "x"), ArrayNotation("K", "k", (2, 1), (0,), "k"),
    ArrayNotation("Y", "y", (2, 3), (0, 1), "y"), ArrayNotation("dY", "dy", (2, 3), (0, 1), "y", upstream_of="Y"),
))

# A graph that ends in a scalar loss (no upstream gradient given): dense, sigmoid, mean.
COMPOSITE = textwrap.dedent("""\
    id: dense-sigmoid-mean
    title: A dense layer, a sigmoid and a mean
    statement: "Find dL/dW."
    inputs:
      x: {shape: [2], symbol: x}
      W: {shape: [2, 2], symbol: w}
    graph:
      - {op: dense, inputs: [x, W], output: z}
      - {op: sigmoid, inputs: [z], output: a}
      - {op: mean, inputs: [a], output: L}
    output: {name: L, symbol: l}
    targets:
      W: {points: 4}
    """)


def run_grader(*args, cwd=None, timeout=120, env=None):
    """The real command, as a user runs it: a subprocess of `python -m grader`."""
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout, env=env)


def cli(*args) -> Result:
    """The `grader` command run in this process: `.exit_code`, `.stdout`, `.stderr`."""
    from grader.cli import cli as command

    return CliRunner().invoke(command, [str(a) for a in args], prog_name="grader")


@pytest.fixture
def grader_cmd():
    return run_grader


def pytest_configure(config) -> None:
    # This test process adopts whatever its children leave behind (PR_SET_CHILD_SUBREAPER): a
    # process that escaped a sandbox by double-forking is reparented here, not to init, so the
    # leftover checks below can tell our processes from those of another test process on the
    # machine (a second xdist worker, another checkout's suite) and still see every escapee.
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


# The slow layers (a real browser, real sandboxes attacked, a Dask cluster): CI runs them with the
# rest; `-m "not slow"` leaves them out of a quick local run. Declared here, in one place.
SLOW_MODULES = {"test_render_browser", "test_serve_browser", "test_sandbox_hostile", "test_sandbox_safety",
                "test_batch", "test_grade_functions"}


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if item.module is not None and item.module.__name__.rpartition(".")[2] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat", "rb") as handle:
        return int(handle.read().rsplit(b")", 1)[1].split()[1])


def _ours(pid: int) -> bool:
    """Whether `pid` descends from this test process (see pytest_configure)."""
    me, seen = os.getpid(), 0
    while pid > 1 and seen < 4096:
        if pid == me:
            return True
        try:
            pid = _parent(pid)
        except (OSError, ValueError, IndexError):
            return False
        seen += 1
    return False


def processes_with(marker: str) -> list[int]:
    """Pids of this test process's descendants whose command line contains marker (no psutil:
    /proc is enough). Another process's children never count: a second xdist worker's sandboxes
    are not our leftovers."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if marker.encode() in handle.read() and _ours(int(pid)):
                    found.append(int(pid))
        except OSError:
            pass
    return found


def ipc_keys() -> set[int]:
    """Keys of the System V objects of the host's IPC namespace (what `ipcs` lists)."""
    keys = set()
    for kind in ("shm", "msg", "sem"):
        try:
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        except OSError:
            continue
        keys.update(int(line.split()[0]) for line in lines if line.split())
    return keys


# CI must be repeatable: the same examples on every run (Hypothesis's own advice for CI).
# Locally, examples still vary from run to run and can find something new.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")
