"""Grade hostile submissions with the real CLI (`grader.cli.main`), one after another, in this
one process, and measure this process's own peak memory for each: it is the grader.

Reads a JSON list of runs on stdin ({"name", "args", "env"}); writes one JSON line per run:
name, exit code, stdout, stderr, the peak resident memory in KiB during that run and its
wall time (printed for whoever tunes the corpus, never asserted). One
process per namespace mode keeps the corpus cheap: the grader's imports are paid once.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import sys
import tempfile
import time


def _reset_peak() -> bool:
    try:  # "5" resets VmHWM to the current resident size (Linux >= 4.0)
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def _peak_kib(reset: bool) -> int:
    if reset:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # since the start: an upper bound


def main() -> None:
    from grader.cli import main as grader_main

    for run in json.load(sys.stdin):
        os.environ.update(run["env"])
        tempfile.tempdir = None  # TMPDIR may differ per run
        sys.argv = ["grader", *run["args"]]
        out, err = io.StringIO(), io.StringIO()
        reset = _reset_peak()
        started = time.monotonic()
        code = None
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                grader_main()
            except SystemExit as done:
                code = done.code
        line = {"name": run["name"], "code": code, "stdout": out.getvalue(), "stderr": err.getvalue(),
                "peak_kib": _peak_kib(reset), "seconds": round(time.monotonic() - started, 3)}
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
