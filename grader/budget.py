"""Run one grading step in a bounded child process: CPU time, memory and wall time.

Written answers are read by our own grammars in the grader's process family, never executed,
but reading, expanding, parsing and deciding them is still work a student's text chooses. Each
known super-linear corner has its own limit; this is the net under all of them, including the
ones nobody has found yet. The step runs in a child forked *after* the grader's imports (so it
costs a fork, about a millisecond, not a new interpreter), with RLIMIT_CPU and an RLIMIT_AS of
what is mapped already plus `memory_mb`; the parent waits with a wall deadline and SIGKILLs the
child on expiry. The child hands back plain JSON over a pipe, never a pickle.

Where fork is unavailable (not POSIX), the step runs in the calling process unbounded.

A batch worker is itself the bounded process (`enforce_in_process`): its pool kills and
replaces it at each job's deadline, and its address space has a soft RLIMIT_AS. A child per
answer there would cost more than the answer (the child cannot keep what the worker has cached
and pays for every page it touches: 0.3 s against 0.03 s per answer), so steps run in it
directly and a MemoryError becomes the same expiry.
"""
from __future__ import annotations

import json
import os
import select
import signal
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Callable

from .errors import GraderError

ANSWER_CPU_SECONDS = 20.0  # reading and deciding one answer file; the seed exercise needs ~0.05 s
ANSWER_MEMORY_MB = 400  # beyond what the grader has mapped when it forks
WALL_FACTOR = 2.0  # wall deadline = CPU budget × this + 1 s: a loaded machine still finishes
_READ_CHUNK = 1 << 16
MAX_RESULT_BYTES = 64 << 20  # a report is a few kB; more is a bug, not a result


_IN_PROCESS = [False]
WORKER_MEMORY_MB = 2048  # a batch worker's soft address-space headroom beyond what it maps at start


def enforce_in_process(memory_mb: int | None = WORKER_MEMORY_MB) -> None:
    """From now on this process is the bounded one (a batch worker under its pool's deadline):
    `bounded` runs steps here. A soft RLIMIT_AS of what is mapped plus `memory_mb` bounds them;
    the hard limit stays, so a sandbox started from here still sets its own."""
    _IN_PROCESS[0] = True
    if memory_mb is None:
        return
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = _mapped_bytes() + memory_mb * (1 << 20)
        if soft == resource.RLIM_INFINITY or limit < soft:
            resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    except (ImportError, OSError, ValueError):
        pass


@dataclass(frozen=True)
class Expired:
    """The step did not finish within its budget: `reason` completes "grading this file ...\"."""

    reason: str


def answer_wall_seconds() -> float:
    """The wall-clock deadline of one answer file's grading."""
    return answer_cpu_seconds() * WALL_FACTOR + 1.0


def answer_cpu_seconds() -> float:
    """The CPU budget of one answer file (GRADER_ANSWER_CPU_SECONDS overrides it: an operator's
    knob for a slow machine, and how tests reach the expiry path)."""
    try:
        return max(0.1, float(os.environ.get("GRADER_ANSWER_CPU_SECONDS", ANSWER_CPU_SECONDS)))
    except ValueError:
        return ANSWER_CPU_SECONDS


def bounded(step: Callable[[], dict], cpu_seconds: float | None = None, memory_mb: int | None = ANSWER_MEMORY_MB,
            wall_seconds: float | None = None, rlimits: bool = True) -> dict | Expired:
    """step() (a JSON-able dict) computed in a bounded child, or Expired.

    `cpu_seconds` defaults to the answer budget; the wall deadline to `cpu_seconds × WALL_FACTOR
    + 1`. `rlimits=False` sets no CPU or memory limit, only the wall deadline (a batch job: the
    sandbox it starts sets its own, which may not exceed ours).

    GraderError raised by the step is raised here again with its message; any other exception
    becomes a RuntimeError naming it (an internal error, as it would have been in-process).
    """
    if _IN_PROCESS[0]:
        try:
            return step()
        except MemoryError:
            return Expired("ran out of its memory budget")
    if not hasattr(os, "fork") or os.environ.get("GRADER_NO_BUDGET_CHILD"):
        return step()
    cpu_seconds = answer_cpu_seconds() if cpu_seconds is None else cpu_seconds
    wall = cpu_seconds * WALL_FACTOR + 1.0 if wall_seconds is None else wall_seconds
    read_end, write_end = os.pipe()
    parent = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    with warnings.catch_warnings():
        # Python 3.12 warns about fork in a threaded process (a Dask worker): the child only
        # grades and exits through os._exit, taking no lock another thread may hold.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: never returns, never runs the parent's clean-up
        os.close(read_end)
        _child(step, write_end, parent, cpu_seconds if rlimits else None, memory_mb if rlimits else None)
    os.close(write_end)
    finished = False
    try:
        data, timed_out = _collect(read_end, wall)
        finished = not timed_out and data is not None
    finally:
        os.close(read_end)
        _end(pid, kill=not finished)
    status = _STATUS.pop(pid, 0)
    if timed_out:
        return Expired(f"took longer than its wall-clock budget of {wall:g} s")
    if data is None or not data:
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
            return Expired(f"used up its CPU budget of {cpu_seconds:g} s")
        return Expired(f"ran out of its memory budget of {memory_mb} MB" if os.WIFEXITED(status)
                       and os.WEXITSTATUS(status) == 3 else "ended before it finished (its budget ran out)")
    message = json.loads(data.decode("utf-8"))
    if "value" in message:
        return message["value"]
    if message.get("grader_error") is not None:
        raise GraderError(message["grader_error"])
    if message.get("memory"):
        return Expired(f"ran out of its memory budget of {memory_mb} MB")
    raise RuntimeError(message.get("internal", "the bounded step failed"))


_STATUS: dict[int, int] = {}


def _child(step: Callable[[], dict], fd: int, parent: int, cpu_seconds: float | None, memory_mb: int | None) -> None:
    code = 0
    try:
        import resource

        import gc

        # What the parent built stays out of this child's collections: a full collection would
        # touch (and so copy) every page of the parent's heap, 0.3 s per answer in a batch worker.
        gc.freeze()
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and kills us
        _die_with(parent)
        if cpu_seconds is not None:
            cpu = max(1, int(cpu_seconds + 0.999))
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        limit = _mapped_bytes() + (memory_mb or 0) * (1 << 20)
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if memory_mb is not None and (hard == resource.RLIM_INFINITY or limit < hard):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit if hard == resource.RLIM_INFINITY else hard))
        try:
            message: dict = {"value": step()}
        except GraderError as err:
            message = {"grader_error": str(err)}
        except MemoryError:
            message, code = {"memory": True}, 3
        except RecursionError:
            message = {"memory": True}
        except Exception as err:  # a bug of ours: the parent reports it as an internal error
            message = {"internal": f"{type(err).__name__}: {err}"}
        try:
            data = json.dumps(message, ensure_ascii=False).encode("utf-8")
        except MemoryError:
            data, code = b"", 3
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view[:_READ_CHUNK]):]
    except BaseException:
        code = code or 3
    finally:
        os._exit(code)


def _die_with(parent: int) -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


def _mapped_bytes() -> int:
    """What this process has mapped now (VmSize), so the limit bounds only what the step adds."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 1 << 30


def _collect(fd: int, wall_seconds: float) -> tuple[bytes | None, bool]:
    deadline = time.monotonic() + wall_seconds
    chunks: list[bytes] = []
    size = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None, True
        ready, _, _ = select.select([fd], [], [], min(left, 0.5))
        if not ready:
            continue
        chunk = os.read(fd, _READ_CHUNK)
        if not chunk:
            return b"".join(chunks), False
        size += len(chunk)
        if size > MAX_RESULT_BYTES:
            return None, False
        chunks.append(chunk)


def _end(pid: int, kill: bool) -> None:
    """Kill (unless it has closed its pipe and is exiting) and reap the child; its wait status
    is kept for the caller."""
    try:
        done, status = os.waitpid(pid, 0 if not kill else os.WNOHANG)
        if done == 0:
            os.kill(pid, signal.SIGKILL)
            done, status = os.waitpid(pid, 0)
        _STATUS[pid] = status
    except ChildProcessError:
        pass
