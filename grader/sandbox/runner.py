"""Run a student's gradient functions in a separate, locked-down process; bring back plain arrays.

The child (``child.py``, run as ``python -I``) gets a cleared environment, its own
namespaces (user where needed, mount, PID, network, IPC, UTS, cgroup), a new root holding only
an allowlist of read-only files (``root.py``) and a small writable workdir, resource
limits and no privileges; docs/sandbox.md describes each layer and its fallback. Inputs and
results cross dedicated pipes as raw array bytes plus a JSON header (never pickle), read by
``wire.py`` without trusting a byte; the student's stdout and stderr are only ever
captured, truncated, cleaned and shown.

This module runs in the grader's process: stdlib and numpy only (no sympy), so importing it
stays cheap.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import selectors
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Sequence

import numpy as np

from ..files import read_regular
from ..safetext import clean
from .root import root_plan
from .wire import MAX_HEADER_BYTES, Budget, FrameReader, Output, ResultReader
from .zygote import Zygote, ZygoteUnavailable

CHILD_SCRIPT = str(Path(__file__).with_name("child.py"))
MAX_ELEMENTS = 10**7  # per argument: 80 MB of float64, far above any exercise
MIN_RESULT_ELEMENTS = 1024  # a result may always be this large, whatever the arguments
RESULT_GROWTH = 64  # ... or this many times the largest argument (a wrong shape is still read)
MAX_SOURCE_BYTES = 1 << 20  # a hand-written submission is a few kB
ALWAYS_FORBIDDEN = ("grader", "reference")  # the grader and its reference solutions
# As real root, each run drops to a uid of its own, drawn from a range no account uses (far
# above login, system and the usual container subordinate ranges). RLIMIT_NPROC is counted per
# uid across the machine: with one shared uid ("nobody"), a fork bomb graded beside another
# submission (`grader batch` runs several at once) would starve that one of processes, so one
# student could change another's grade.
SANDBOX_UID_BASE = 0x60000000
SANDBOX_UID_SPAN = 1 << 24


def sandbox_uid() -> int:
    """A fresh uid for one run (two concurrent runs share one with odds of 1 in 16 million)."""
    return SANDBOX_UID_BASE + secrets.randbelow(SANDBOX_UID_SPAN)

GRACE_SECONDS = 0.5  # after the child ends: time for its pipes to drain
KILL_GRACE_SECONDS = 1.0  # after a timeout kill: time for the supervisor to report back
READ_CHUNK = 1 << 20
_MODULE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
# The child's whole environment: no secrets of the grader's, and one BLAS thread so that numpy's
# import fits in RLIMIT_AS and RLIMIT_NPROC.
CHILD_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    **{var: "1" for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                            "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")},
}
# "auto" (default): namespaces as the user's privileges allow. "user": the unprivileged
# user-namespace path even as root, so that CI running as root exercises it too. "none": no
# namespaces at all, the fallback of a container without them.
NAMESPACES_ENV = "GRADER_SANDBOX_NAMESPACES"
NAMESPACE_MODES = ("auto", "user", "none")
# Without these the student's code can see or outlive more than its own run (docs/sandbox.md).
ESSENTIAL_LAYERS = ("mountns", "allowlist-root", "pidns", "netns", "ipcns")


class SandboxError(RuntimeError):
    """The sandbox itself could not start (the grader's environment, never the student's code)."""


@dataclass(frozen=True)
class SandboxLimits:
    wall_seconds: float = 10.0
    cpu_seconds: int = 10
    memory_mb: int = 1024  # RLIMIT_AS: numpy's import (one BLAS thread) needs about 100 MB of it
    max_processes: int = 16  # RLIMIT_NPROC, counted per uid (each run has its own, see sandbox_uid)
    file_size_mb: int = 8
    open_files: int = 64
    output_bytes: int = 64_000  # of stdout and of stderr, each; the rest is drained and counted
    workdir_files: int = 256  # inodes of the workdir's tmpfs: 500k empty files would be ~1 GB of kernel memory


@dataclass(frozen=True)
class Call:
    function: str  # name the submission must define
    args: tuple[np.ndarray, ...]  # float64 arrays


@dataclass(frozen=True)
class CallResult:
    function: str
    value: np.ndarray | None  # float64, shape as returned (the grader judges the shape)
    error: str | None  # "ZeroDivisionError: division by zero (submission.py, line 7, in grad_X)"
    line: int | None = None  # line of the student's file where the exception was raised


SandboxStatus = Literal["ok", "import-error", "timeout", "memory", "crashed", "forbidden-import", "protocol-error"]


@dataclass(frozen=True)
class SandboxResult:
    status: SandboxStatus
    message: str  # completes "Your code ...": "timed out after 10.0 s (wall clock)"
    results: tuple[CallResult, ...]  # one per Call, in order, as far as the child got
    stdout: str  # truncated student output, with a "[... N bytes truncated]" marker
    stderr: str
    forbidden_import: str | None = None
    isolation: tuple[str, ...] = ()  # layers in force, e.g. ("clean-env", "rlimits", "netns", ...)


def run_functions(source_path: str | os.PathLike, calls: Sequence[Call], limits: SandboxLimits = SandboxLimits(),
                  forbidden_imports: Sequence[str] = ()) -> SandboxResult:
    """Import the submission once in a sandboxed child, run every call in order, return the results.

    The child sees no file but the allowlist (root.py), so the grader, the exercises and
    every other submission are out of its reach; forbidden_imports (plus `grader` and
    `reference`, always) only decide the message when the submission tries one.

    Never raises for anything the submission does. Raises TypeError/ValueError for bad
    arguments, RefusedFile if source_path is a link or not a regular file, OSError if it cannot
    be read, and SandboxError if the sandbox itself cannot start (e.g. numpy does not fit in
    memory_mb).
    """
    job, payload = _job(calls, limits, forbidden_imports)
    source = read_regular(source_path, MAX_SOURCE_BYTES)
    if len(source) > MAX_SOURCE_BYTES:
        return SandboxResult("import-error", f"is too large (more than {MAX_SOURCE_BYTES} bytes)",
                             (), "", "", isolation=())
    job["source_nbytes"] = len(source)
    run = _Run(job, source + payload, calls, limits)
    return run.result()


@contextlib.contextmanager
def warm_sandboxes():
    """While open, run_functions in this process forks each sandbox from a zygote that has
    already built the allowlist root and imported numpy (zygote.py), with the same
    layers as a fresh process; for workers that grade many submissions. Where the zygote cannot
    have every layer (no namespaces), runs start a fresh process each, as without it.
    Yields the layers the zygote holds, () when it is not used."""
    zygote = None
    if namespace_mode() != "none":
        try:
            zygote = Zygote(CHILD_SCRIPT, CHILD_ENV, {"namespaces": namespace_mode(), "root": root_plan().to_job()})
        except ZygoteUnavailable:
            zygote = None
    _ZYGOTES.append(zygote)
    try:
        yield zygote.isolation if zygote is not None else ()
    finally:
        _ZYGOTES.pop()
        if zygote is not None:
            zygote.close()


_ZYGOTES: list[Zygote | None] = []  # the innermost open warm_sandboxes() of this process


def namespace_mode() -> str:
    """The namespace mode asked for in the environment (NAMESPACES_ENV). Raises SandboxError."""
    mode = os.environ.get(NAMESPACES_ENV, "").strip().lower() or "auto"
    if mode not in NAMESPACE_MODES:
        raise SandboxError(f"{NAMESPACES_ENV}={clean(mode, limit=40)!r}: expected one of {', '.join(NAMESPACE_MODES)}")
    return mode


def missing_isolation(layers: Sequence[str]) -> tuple[str, ...]:
    """The essential layers a run did without (empty when the sandbox was whole)."""
    return tuple(layer for layer in ESSENTIAL_LAYERS if layer not in layers)


def isolation_warning(layers: Sequence[str]) -> str | None:
    """One line for stderr when a run lacked essential layers, else None."""
    missing = missing_isolation(layers)
    if not missing:
        return None
    return (f"warning: the sandbox ran without {', '.join(missing)} (this kernel or user allows no more); "
            f"student code could read or leave behind more than its own files (see docs/sandbox.md)")


def _job(calls: Sequence[Call], limits: SandboxLimits, forbidden_imports: Sequence[str]) -> tuple[dict, bytes]:
    """The job header and the raw argument bytes. Raises TypeError/ValueError for bad arguments."""
    if not isinstance(limits, SandboxLimits):
        raise TypeError(f"limits must be SandboxLimits, not {type(limits).__name__}")
    for name in ("wall_seconds", "cpu_seconds", "memory_mb", "max_processes", "file_size_mb", "open_files",
                 "output_bytes", "workdir_files"):
        if not getattr(limits, name) > 0:
            raise ValueError(f"SandboxLimits.{name} must be positive")
    blocked = list(dict.fromkeys([*ALWAYS_FORBIDDEN, *forbidden_imports]))
    for name in blocked:
        if not isinstance(name, str) or not _MODULE.fullmatch(name):
            raise ValueError(f"not a module name: {name!r}")
    described, chunks, largest = [], [], 1
    for call in calls:
        if not isinstance(call, Call) or not isinstance(call.function, str) or not call.function.isidentifier():
            raise TypeError(f"expected a Call naming a function, got {call!r}")
        shapes = []
        for arg in call.args:
            array = np.ascontiguousarray(arg, dtype=np.float64)
            if array.size > MAX_ELEMENTS:
                raise ValueError(f"argument of {call.function} has {array.size} elements (at most {MAX_ELEMENTS})")
            largest = max(largest, array.size)
            shapes.append(list(array.shape))
            chunks.append(array.tobytes())
        described.append({"function": call.function, "args": shapes})
    job: dict[str, Any] = {
        "calls": described,
        "limits": {name: int(getattr(limits, name)) for name in
                   ("cpu_seconds", "memory_mb", "max_processes", "file_size_mb", "open_files", "workdir_files")},
        "forbidden": blocked,
        "root": root_plan().to_job(),
        "tmpdir": tempfile.gettempdir(),
        "uid": sandbox_uid(),
        "max_elements": min(MAX_ELEMENTS, max(MIN_RESULT_ELEMENTS, RESULT_GROWTH * largest)),
        "namespaces": namespace_mode(),
    }
    job["limits"]["workdir_mb"] = 2 * limits.file_size_mb
    return job, b"".join(chunks)


class _Child:
    """The supervisor process and the pipes of its protocol: job in, results out, status out.

    The grader keeps its end of the job pipe open until the run is over: the supervisor takes
    that pipe closing early as the grader's death and kills the runner.
    """

    def __init__(self, job: bytes) -> None:
        self.to_send = memoryview(job)
        self.stop_fd = None
        self.returncode: int | None = None
        zygote = _ZYGOTES[-1] if _ZYGOTES else None
        if zygote is not None:
            try:
                pipes = zygote.spawn()
            except ZygoteUnavailable:
                _ZYGOTES[-1] = None  # from now on a fresh process per run, as without a zygote
            else:
                self.proc = None
                self.job_fd, self.result_fd, self.status_fd = pipes.job_fd, pipes.result_fd, pipes.status_fd
                self.stdout_fd, self.stderr_fd, self.stop_fd = pipes.stdout_fd, pipes.stderr_fd, pipes.stop_fd
                return
        in_r, in_w = os.pipe()
        res_r, res_w = os.pipe()
        st_r, st_w = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", CHILD_SCRIPT, str(in_r), str(res_w), str(st_w)],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=dict(CHILD_ENV), cwd="/", pass_fds=(in_r, res_w, st_w),
                start_new_session=True,  # one process group to kill, whatever the pid namespace did
            )
        except BaseException:
            for fd in (in_r, in_w, res_r, res_w, st_r, st_w):
                os.close(fd)
            raise
        for fd in (in_r, res_w, st_w):
            os.close(fd)
        os.set_blocking(in_w, False)
        self.job_fd, self.result_fd, self.status_fd = in_w, res_r, st_r
        assert self.proc.stdout is not None and self.proc.stderr is not None  # started with pipes
        self.stdout_fd, self.stderr_fd = self.proc.stdout.fileno(), self.proc.stderr.fileno()

    def send_some(self) -> bool:
        """Write what the job pipe takes; True once everything is sent or the child stopped reading."""
        try:
            written = os.write(self.job_fd, self.to_send[:1 << 16])
        except BlockingIOError:
            return False
        except BrokenPipeError:
            written = len(self.to_send)
        self.to_send = self.to_send[written:]
        return not self.to_send

    def terminate(self) -> None:
        # The supervisor SIGKILLs the runner, pid 1 of its namespace, which takes the rest with it.
        # proc.pid is our unreaped child, so the signal cannot reach a recycled pid. A zygote's
        # supervisor is not our child: it watches the stop pipe instead.
        if self.proc is None:
            if self.stop_fd is not None:
                os.close(self.stop_fd)
                self.stop_fd = None
            return
        try:
            os.kill(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    def kill_group(self) -> None:
        # Before reaping the supervisor: until then its pid, the group id, cannot be recycled.
        # A zygote's run has no pid of ours to signal; once its runner (pid 1 of its namespace)
        # has ended, the kernel has killed every process of the run.
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self) -> None:
        if self.proc is None:
            self.terminate()  # a run cut short: its supervisor kills the runner
            for fd in (self.job_fd, self.result_fd, self.status_fd, self.stdout_fd, self.stderr_fd):
                os.close(fd)
            return
        self.kill_group()
        self.proc.kill()
        self.proc.wait()
        self.returncode = self.proc.returncode
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        for fd in (self.job_fd, self.result_fd, self.status_fd):
            os.close(fd)


class _Pump:
    """Moves bytes between the grader and the child until every pipe is closed, the time is up,
    or the results turn out to be unreadable (then the child is stopped at once)."""

    def __init__(self, child: _Child, readers: dict) -> None:
        self.child = child
        self.readers = readers
        self.timed_out = self.cut_off = False

    def run(self, wall: float, unreadable) -> None:
        child = self.child
        deadline = time.monotonic() + wall
        stop_at = None
        with selectors.DefaultSelector() as selector:
            selector.register(child.job_fd, selectors.EVENT_WRITE)
            for fd in self.readers:
                selector.register(fd, selectors.EVENT_READ)
            open_reads = set(self.readers)
            while open_reads:
                now = time.monotonic()
                if stop_at is None and (now >= deadline or unreadable()):
                    self.timed_out = now >= deadline
                    self.cut_off = not self.timed_out
                    child.terminate()
                    stop_at = now + KILL_GRACE_SECONDS
                if stop_at is not None and now >= stop_at:
                    return
                for key, _ in selector.select((stop_at or deadline) - now):
                    fd = key.fd
                    if fd == child.job_fd:
                        if child.send_some():
                            selector.unregister(fd)
                        continue
                    data = os.read(fd, READ_CHUNK)
                    if data:
                        self.readers[fd](data)
                        continue
                    selector.unregister(fd)
                    open_reads.discard(fd)
                    if fd == child.status_fd and stop_at is None:
                        # The supervisor has reaped the runner: what is still writing is a straggler.
                        child.kill_group()
                        stop_at = time.monotonic() + GRACE_SECONDS


class _Run:
    """One sandboxed run: start the child, pump its pipes, then judge what came back."""

    def __init__(self, job: dict, payload: bytes, calls: Sequence[Call], limits: SandboxLimits) -> None:
        self.calls, self.limits = calls, limits
        self.max_elements = job["max_elements"]
        header = json.dumps(dict(job, nbytes=len(payload))).encode()
        self.stdout = Output(limits.output_bytes)
        self.stderr = Output(limits.output_bytes)
        self.frames = FrameReader(self.max_elements * 16, Budget.for_results(len(calls), self.max_elements))
        self.status = FrameReader(MAX_HEADER_BYTES, Budget(2, 4 * MAX_HEADER_BYTES))
        child = _Child(struct.pack(">I", len(header)) + header + payload)
        self.pump = _Pump(child, {child.stdout_fd: self.stdout.feed, child.stderr_fd: self.stderr.feed,
                                  child.result_fd: self.frames.feed, child.status_fd: self.status.feed})
        try:
            self.pump.run(limits.wall_seconds, unreadable=lambda: self.frames.error is not None)
        finally:
            child.stop()
        self.returncode = child.returncode

    def result(self) -> SandboxResult:
        """The SandboxResult for this run. Raises SandboxError if the child could not set up."""
        reading = ResultReader([c.function for c in self.calls], self.max_elements)
        reading.read_all(self.frames.messages)
        if reading.setup_error is not None:
            raise SandboxError(reading.setup_error)
        if reading.isolation is None and not self.pump.timed_out and not self.frames.error:
            last = self.stderr.text().strip().splitlines()[-1:] or ["no message"]
            raise SandboxError(f"the sandbox stopped before it was ready ({clean(last[0], limit=300)})")
        isolation = ("clean-env", "process-group", *(reading.isolation or ()))
        status, message = self._verdict(reading)
        results = tuple(CallResult(name, o.value, o.error, o.line) for name, o in reading.results)
        return SandboxResult(status, message, results, self.stdout.text(), self.stderr.text(), reading.forbidden,
                             isolation)

    def _ended(self) -> tuple[int | None, int | None, float]:
        """(signal, exit status, CPU seconds) of the runner, as the supervisor reported it."""
        ended = self.status.messages[0][0] if self.status.messages else {}
        sig, code, cpu = ended.get("signal"), ended.get("exit"), ended.get("cpu", 0.0)
        sig = sig if type(sig) is int and 0 < sig < 128 else None
        code = code if type(code) is int and 0 <= code < 256 else None
        cpu = float(cpu) if type(cpu) in (int, float) and 0 <= cpu < 1e9 else 0.0
        if sig is None and code is None and self.returncode is not None and self.returncode < 0:
            sig = -self.returncode
        return sig, code, cpu

    def _verdict(self, reading: ResultReader) -> tuple[SandboxStatus, str]:
        limits, calls = self.limits, self.calls
        sig, exit_code, cpu_used = self._ended()
        protocol = self.frames.error or reading.protocol
        if self.pump.timed_out:
            return "timeout", f"timed out after {float(limits.wall_seconds)} s (wall clock)"
        if protocol:  # checked before signals: we may have killed the runner for it
            return "protocol-error", f"sent results the grader could not read ({protocol})"
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu_used >= limits.cpu_seconds):
            return "timeout", f"used more than {limits.cpu_seconds} s of CPU time"
        if reading.memory:
            return "memory", f"ran out of memory (limit {limits.memory_mb} MB)"
        if sig == signal.SIGKILL:  # nobody here killed it: the kernel's out-of-memory killer
            return "memory", f"was killed, most likely for using more than {limits.memory_mb} MB of memory"
        if reading.forbidden:
            return "forbidden-import", f"imports {reading.forbidden}, which this exercise does not allow"
        if reading.import_error:
            return "import-error", f"could not be imported: {reading.import_error}"
        n = len(reading.results)
        if reading.done and n == len(calls):
            return "ok", "ran to completion"
        how = f"was killed by {_signal_name(sig)}" if sig is not None else f"exited with status {exit_code}"
        if not reading.imported:
            return "crashed", f"{how} while being imported"
        if n >= len(calls):
            return "crashed", f"{how} after returning every result"
        return "crashed", (f"{how} while running {calls[n].function} (call {n + 1} of {len(calls)}); "
                           f"{n} of {len(calls)} calls returned")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
