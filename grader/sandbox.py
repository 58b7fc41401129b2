"""Run a student's gradient functions in a separate, locked-down process; bring back plain arrays.

The child (``_sandbox_child.py``, run as ``python -I``) gets a cleared environment, an empty
working directory, resource limits, and, where the kernel allows, new network, mount and PID
namespaces and an unprivileged uid; docs/sandbox.md describes each layer and its fallback.
Inputs and results cross a dedicated pipe as raw array bytes plus a JSON header (never
pickle); the student's stdout and stderr are only ever captured, truncated and shown.

This module runs in the grader's process: stdlib and numpy only (no sympy), so importing it
stays cheap.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import selectors
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Sequence

import numpy as np

CHILD_SCRIPT = str(Path(__file__).with_name("_sandbox_child.py"))
MAX_ELEMENTS = 10**7  # per returned array: 80 MB of float64, far above any exercise
MAX_SOURCE_BYTES = 1 << 20  # a hand-written submission is a few kB
MAX_HEADER_BYTES = 1 << 16  # a result header is dtype, shape and an error line
ALWAYS_FORBIDDEN = ("grader", "reference")  # the grader and its reference solutions
SANDBOX_UID = 65534  # "nobody"; fixed so that nothing uid-dependent varies between runs
GRACE_SECONDS = 0.5  # after the child ends: time for its pipes to drain
KILL_GRACE_SECONDS = 1.0  # after a timeout kill: time for the supervisor to report back
READ_CHUNK = 1 << 20
_DTYPE = re.compile(r"[<>|=]?[biufc]\d{1,2}")  # numeric dtypes the child may send bytes for
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
# Set by tests to exercise the unprivileged (user-namespace) path while running as root.
_PREFER_USER_NAMESPACE = False


class SandboxError(RuntimeError):
    """The sandbox itself could not start (the grader's environment, never the student's code)."""


@dataclass(frozen=True)
class SandboxLimits:
    wall_seconds: float = 10.0
    cpu_seconds: int = 10
    memory_mb: int = 1024  # RLIMIT_AS: numpy's import (one BLAS thread) needs about 100 MB of it
    max_processes: int = 16  # RLIMIT_NPROC, counted per uid across the machine
    file_size_mb: int = 8
    open_files: int = 64
    output_bytes: int = 64_000  # of stdout and of stderr, each; the rest is drained and counted


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
                  forbidden_imports: Sequence[str] = (), hide_paths: Sequence[str | os.PathLike] = ()) -> SandboxResult:
    """Import the submission once in a sandboxed child, run every call in order, return the results.

    hide_paths: more files or directories the child must not read (e.g. the exercise spec),
    on top of the grader's and the reference package's directories, always hidden.

    Never raises for anything the submission does. Raises TypeError/ValueError for bad
    arguments, OSError if source_path cannot be read, and SandboxError if the sandbox itself
    cannot start (e.g. numpy does not fit in memory_mb).
    """
    job, payload = _job(calls, limits, forbidden_imports, hide_paths)
    source = Path(source_path).read_bytes()
    if len(source) > MAX_SOURCE_BYTES:
        return SandboxResult("import-error", f"is too large ({len(source)} bytes; at most {MAX_SOURCE_BYTES})",
                             (), "", "", isolation=())
    job["source_nbytes"] = len(source)
    with tempfile.TemporaryDirectory(prefix="backprop-sandbox-", ignore_cleanup_errors=True) as fallback:
        job["fallback_workdir"] = fallback
        run = _Run(job, source + payload, limits, fallback)
        return run.result(calls, limits)


def _job(calls: Sequence[Call], limits: SandboxLimits, forbidden_imports: Sequence[str],
         hide_paths: Sequence[str | os.PathLike]) -> tuple[dict, bytes]:
    """The job header and the raw argument bytes. Raises TypeError/ValueError for bad arguments."""
    if not isinstance(limits, SandboxLimits):
        raise TypeError(f"limits must be SandboxLimits, not {type(limits).__name__}")
    for name in ("wall_seconds", "cpu_seconds", "memory_mb", "max_processes", "file_size_mb", "open_files",
                 "output_bytes"):
        if not getattr(limits, name) > 0:
            raise ValueError(f"SandboxLimits.{name} must be positive")
    blocked = list(dict.fromkeys([*ALWAYS_FORBIDDEN, *forbidden_imports]))
    for name in blocked:
        if not isinstance(name, str) or not _MODULE.fullmatch(name):
            raise ValueError(f"not a module name: {name!r}")
    described, chunks = [], []
    for call in calls:
        if not isinstance(call, Call) or not isinstance(call.function, str) or not call.function.isidentifier():
            raise TypeError(f"expected a Call naming a function, got {call!r}")
        shapes = []
        for arg in call.args:
            array = np.ascontiguousarray(arg, dtype=np.float64)
            if array.size > MAX_ELEMENTS:
                raise ValueError(f"argument of {call.function} has {array.size} elements (at most {MAX_ELEMENTS})")
            shapes.append(list(array.shape))
            chunks.append(array.tobytes())
        described.append({"function": call.function, "args": shapes})
    job = {
        "calls": described,
        "limits": {name: int(getattr(limits, name)) for name in
                   ("cpu_seconds", "memory_mb", "max_processes", "file_size_mb", "open_files")},
        "forbidden": blocked,
        "hide": [*_grader_dirs(), *(os.path.realpath(p) for p in hide_paths)],
        "mask": _home_dirs(),
        "uid": SANDBOX_UID,
        "max_elements": MAX_ELEMENTS,
        "prefer_userns": _PREFER_USER_NAMESPACE,
    }
    return job, b"".join(chunks)


def _grader_dirs() -> list[str]:
    """The grader's and the reference package's directories, found without importing reference."""
    found = [os.path.dirname(os.path.realpath(__file__))]
    spec = importlib.util.find_spec("reference")
    if spec is not None and spec.submodule_search_locations:
        found += [os.path.realpath(p) for p in spec.submodule_search_locations]
    return found


def _home_dirs() -> list[str]:
    """The grader user's home: covered in the child (what it needs from there is bound back)."""
    home = os.path.expanduser("~")
    return [os.path.realpath(home)] if home not in ("", "/", "~") else []


class _Output:
    """The first `limit` bytes of a stream; the rest is counted and dropped."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.dropped = 0

    def feed(self, data: bytes) -> None:
        room = self.limit - len(self.kept)
        self.kept += data[:max(room, 0)]
        self.dropped += max(len(data) - max(room, 0), 0)

    def text(self) -> str:
        text = self.kept.decode("utf-8", "replace")
        return text + f"\n[... {self.dropped} bytes truncated]" if self.dropped else text


class _Frames:
    """Splits a pipe's bytes into (header, payload) messages; stops at the first malformed one."""

    def __init__(self, max_payload: int) -> None:
        self.max_payload = max_payload
        self.buffer = bytearray()
        self.messages: list[tuple[dict, bytes]] = []
        self.error: str | None = None
        self.part = "length"  # then "header", then "payload"
        self.need = 4
        self.header: dict = {}

    def feed(self, data: bytes) -> None:
        if self.error:
            return  # the rest is drained and discarded
        self.buffer += data
        while len(self.buffer) >= self.need and not self.error:
            chunk = bytes(self.buffer[:self.need])
            del self.buffer[:self.need]
            if self.part == "length":
                (self.need,) = struct.unpack(">I", chunk)
                self.part = "header"
                if self.need > MAX_HEADER_BYTES:
                    self._fail(f"a header of {self.need} bytes")
            elif self.part == "header":
                try:
                    header = json.loads(chunk)
                    nbytes = int(header.get("nbytes", 0)) if isinstance(header, dict) else -1
                except (ValueError, TypeError, RecursionError):
                    header, nbytes = {}, -1
                if not 0 <= nbytes <= self.max_payload:
                    self._fail("a malformed header")
                    return
                self.header, self.part, self.need = header, "payload", nbytes
                if nbytes == 0:
                    self._emit(b"")
            else:
                self._emit(chunk)

    def _emit(self, payload: bytes) -> None:
        self.messages.append((self.header, payload))
        self.part, self.need = "length", 4

    def _fail(self, what: str) -> None:
        self.error = what
        self.buffer.clear()


class _Run:
    """One child process: start it, pump its pipes, stop it on time, and read what it said."""

    def __init__(self, job: dict, payload: bytes, limits: SandboxLimits, workdir: str) -> None:
        header = json.dumps(dict(job, nbytes=len(payload))).encode()
        self.to_send = memoryview(struct.pack(">I", len(header)) + header + payload)
        self.stdout = _Output(limits.output_bytes)
        self.stderr = _Output(limits.output_bytes)
        self.frames = _Frames(MAX_ELEMENTS * 16)  # the widest dtype allowed is complex128
        self.status = _Frames(MAX_HEADER_BYTES)
        self.timed_out = False
        in_r, in_w = os.pipe()
        res_r, res_w = os.pipe()
        st_r, st_w = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", CHILD_SCRIPT, str(in_r), str(res_w), str(st_w)],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=dict(CHILD_ENV, HOME=workdir), cwd=workdir, pass_fds=(in_r, res_w, st_w),
                start_new_session=True,  # one process group to kill, whatever the pid namespace did
            )
        except BaseException:
            for fd in (in_r, in_w, res_r, res_w, st_r, st_w):
                os.close(fd)
            raise
        for fd in (in_r, res_w, st_w):
            os.close(fd)
        self.in_w = in_w
        self.readers = {self.proc.stdout.fileno(): self.stdout.feed, self.proc.stderr.fileno(): self.stderr.feed,
                        res_r: self.frames.feed, st_r: self.status.feed}
        self.own_fds = [in_w, res_r, st_r]
        try:
            self._pump(limits.wall_seconds, st_r)
        finally:
            self._stop()

    def _pump(self, wall: float, status_fd: int) -> None:
        """Move bytes both ways until every pipe is closed or the time is up."""
        deadline = time.monotonic() + wall
        stop_at = None
        os.set_blocking(self.in_w, False)
        with selectors.DefaultSelector() as selector:
            selector.register(self.in_w, selectors.EVENT_WRITE)
            for fd in self.readers:
                selector.register(fd, selectors.EVENT_READ)
            open_reads = set(self.readers)
            while open_reads:
                now = time.monotonic()
                if stop_at is None and now >= deadline:
                    self.timed_out = True
                    self._terminate()
                    stop_at = now + KILL_GRACE_SECONDS
                if stop_at is not None and now >= stop_at:
                    return
                for key, _ in selector.select((stop_at or deadline) - now):
                    fd = key.fd
                    if fd == self.in_w:
                        if self._send_some():
                            selector.unregister(fd)
                        continue
                    data = os.read(fd, READ_CHUNK)
                    if data:
                        self.readers[fd](data)
                        continue
                    selector.unregister(fd)
                    open_reads.discard(fd)
                    if fd == status_fd and stop_at is None:
                        # The supervisor has reaped the runner: what is still writing is a straggler.
                        self._kill_group()
                        stop_at = time.monotonic() + GRACE_SECONDS

    def _send_some(self) -> bool:
        """Write what the pipe takes; True once everything is sent or the child stopped reading."""
        try:
            written = os.write(self.in_w, self.to_send[:1 << 16])
        except BlockingIOError:
            return False
        except BrokenPipeError:
            written = len(self.to_send)
        self.to_send = self.to_send[written:]
        if self.to_send:
            return False
        os.close(self.in_w)
        self.own_fds.remove(self.in_w)
        return True

    def _terminate(self) -> None:
        # The supervisor SIGKILLs the runner, pid 1 of its namespace, which takes the rest with it.
        # proc.pid is our unreaped child, so the signal cannot reach a recycled pid.
        try:
            os.kill(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    def _kill_group(self) -> None:
        # Before reaping the supervisor: until then its pid, the group id, cannot be recycled.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def _stop(self) -> None:
        self._kill_group()
        self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()
        for fd in self.own_fds:
            os.close(fd)

    # --- reading what happened -------------------------------------------------------------

    def result(self, calls: Sequence[Call], limits: SandboxLimits) -> SandboxResult:
        """The SandboxResult for this run. Raises SandboxError if the child could not set up."""
        messages = list(self.frames.messages)
        isolation: tuple[str, ...] = ()
        if messages and messages[0][0].get("type") == "setup-error":
            raise SandboxError(f"the sandbox could not start: {messages[0][0].get('error')}")
        if messages and messages[0][0].get("type") == "ready":
            layers = messages.pop(0)[0].get("isolation", [])
            isolation = ("clean-env", "workdir", "process-group", *(str(x) for x in layers))
        state = _Reading(calls)
        for header, payload in messages:
            state.read(header, payload)
        protocol = self.frames.error or state.protocol
        status, message = self._verdict(state, protocol, calls, limits)
        return SandboxResult(status, message, tuple(state.results), self.stdout.text(), self.stderr.text(),
                             state.forbidden, isolation)

    def _verdict(self, state: _Reading, protocol: str | None, calls: Sequence[Call],
                 limits: SandboxLimits) -> tuple[str, str]:
        ended = self.status.messages[0][0] if self.status.messages else {}
        sig = ended.get("signal") if isinstance(ended, dict) else None
        exit_code = ended.get("exit") if isinstance(ended, dict) else None
        if sig is None and exit_code is None and self.proc.returncode is not None and self.proc.returncode < 0:
            sig = -self.proc.returncode
        if self.timed_out:
            return "timeout", f"timed out after {float(limits.wall_seconds)} s (wall clock)"
        cpu_used = ended.get("cpu", 0.0) if isinstance(ended, dict) else 0.0
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu_used >= limits.cpu_seconds):
            return "timeout", f"used more than {limits.cpu_seconds} s of CPU time"
        if state.memory:
            return "memory", f"ran out of memory (limit {limits.memory_mb} MB)"
        if sig == signal.SIGKILL:  # nobody here killed it: the kernel's out-of-memory killer
            return "memory", f"was killed, most likely for using more than {limits.memory_mb} MB of memory"
        if state.forbidden:
            return "forbidden-import", f"imports {state.forbidden}, which this exercise does not allow"
        if state.import_error:
            return "import-error", f"could not be imported: {state.import_error}"
        if protocol:
            return "protocol-error", f"sent results the grader could not read ({protocol})"
        if state.done and len(state.results) == len(calls):
            return "ok", "ran to completion"
        how = f"was killed by {_signal_name(sig)}" if sig is not None else f"exited with status {exit_code}"
        if not state.imported:
            return "crashed", f"{how} while being imported"
        n = len(state.results)
        if n >= len(calls):
            return "crashed", f"{how} after returning every result"
        return "crashed", (f"{how} while running {calls[n].function} (call {n + 1} of {len(calls)}); "
                           f"{n} of {len(calls)} calls returned")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class _Reading:
    """Interprets the child's messages in order; anything out of place is a protocol error."""

    def __init__(self, calls: Sequence[Call]) -> None:
        self.calls = calls
        self.results: list[CallResult] = []
        self.forbidden: str | None = None
        self.import_error: str | None = None
        self.imported = self.done = self.memory = False
        self.protocol: str | None = None

    def read(self, header: dict, payload: bytes) -> None:
        if self.protocol or self.done:
            self.protocol = self.protocol or "a message after the end"
            return
        kind = header.get("type")
        if kind == "forbidden" and isinstance(header.get("name"), str):
            self.forbidden = self.forbidden or header["name"]
        elif kind == "import-error" and not self.imported:
            self.import_error = str(header.get("error"))
            self.memory = self.memory or header.get("memory") is True
        elif kind == "imported" and not self.imported and self.import_error is None:
            self.imported = True
        elif kind == "result" and self.imported:
            self._result(header, payload)
        elif kind == "done" and self.imported:
            self.done = True
        else:
            self.protocol = f"an unexpected {str(kind)[:40]!r} message"

    def _result(self, header: dict, payload: bytes) -> None:
        index = len(self.results)
        if index >= len(self.calls) or header.get("index") != index or \
                header.get("function") != self.calls[index].function:
            self.protocol = "a result out of order"
            return
        name = self.calls[index].function
        self.memory = self.memory or header.get("memory") is True
        if "error" in header:
            line = header.get("line")
            self.results.append(CallResult(name, None, str(header["error"]), line if isinstance(line, int) else None))
            return
        value, error = _decode(header, payload)
        if error is None and value is None:
            self.protocol = "a malformed array"
            return
        self.results.append(CallResult(name, value, error))


def _decode(header: dict, payload: bytes) -> tuple[np.ndarray | None, str | None]:
    """(float64 array, None) or (None, what is wrong with the returned value); (None, None) if malformed."""
    returned = str(header.get("returned", "value"))[:100]
    if returned == "None":
        return None, "returned None, expected an array"
    dtype_text, shape = header.get("dtype"), header.get("shape")
    if not isinstance(dtype_text, str) or not isinstance(shape, list) or len(shape) > 32 or \
            not all(isinstance(n, int) and n >= 0 for n in shape):
        return None, None
    count = 1
    for n in shape:
        count *= n
    if count > MAX_ELEMENTS:
        return None, f"returned {count} values, more than the {MAX_ELEMENTS} allowed"
    if not _DTYPE.fullmatch(dtype_text):
        if returned == "ndarray":
            return None, f"returned an array of dtype {dtype_text[:40]}, expected real numbers"
        if returned in ("list", "tuple"):
            return None, f"returned a {returned} that is not all numbers, expected an array of real numbers"
        return None, f"returned a {returned}, expected an array"
    try:
        dtype = np.dtype(dtype_text)
    except TypeError:
        return None, None
    if dtype.kind == "c":
        return None, f"returned complex numbers ({dtype.name}), expected real numbers"
    if len(payload) != count * dtype.itemsize:
        return None, None
    return np.frombuffer(payload, dtype=dtype).reshape(shape).astype(np.float64), None
