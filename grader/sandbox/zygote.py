"""A warm start for sandboxes: one long-lived zygote process per grading worker.

A fresh sandbox costs ~100 ms of CPU, nearly all of it interpreter start-up and `import numpy`.
The zygote (`child.py --zygote`) pays that once: it enters a mount and a PID namespace
of its own, builds the read-only allowlist root, imports numpy, and then, for each run, forks a
supervisor that enters a fresh set of namespaces (mount, PID, network, IPC, UTS, cgroup) and
forks the runner exactly as a supervisor the grader starts itself does: new workdir tmpfs, new
/proc, rlimits, privileges dropped, parent-death signal armed, and only then the student's code.

The zygote never holds student data: a run's request carries only its six pipes (as
SCM_RIGHTS), and the job itself is read by the forked supervisor. docs/sandbox.md has the
details. stdlib only.
"""
from __future__ import annotations

import array
import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

START_SECONDS = 60.0  # for the zygote to build its root and import numpy (a loaded machine)
STOP_SECONDS = 5.0
MAX_MESSAGE = 1 << 16


class ZygoteUnavailable(RuntimeError):
    """The zygote could not start or has gone; runs fall back to a fresh process each."""


class RunPipes:
    """The grader's ends of one zygote run: job (write), result, status, stdout, stderr (read),
    and stop (write), closed by the grader to end the run early."""

    def __init__(self, job_fd: int, result_fd: int, status_fd: int, stdout_fd: int, stderr_fd: int,
                 stop_fd: int) -> None:
        self.job_fd, self.result_fd, self.status_fd = job_fd, result_fd, status_fd
        self.stdout_fd, self.stderr_fd, self.stop_fd = stdout_fd, stderr_fd, stop_fd


class Zygote:
    """One zygote process. `spawn()` gives the pipes of a new run; `close()` ends the zygote,
    and with it (pid 1 of its namespace) every process it ever forked."""

    def __init__(self, script: str, env: dict, config: dict) -> None:
        self.lock = threading.Lock()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", script, "--zygote", str(theirs.fileno())],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env=dict(env), cwd="/", pass_fds=(theirs.fileno(),), start_new_session=True)
        except OSError as exc:
            ours.close()
            raise ZygoteUnavailable(str(exc)) from None
        finally:
            theirs.close()
        self.control = ours
        try:
            raw = json.dumps(config).encode()
            ours.sendall(struct.pack(">I", len(raw)) + raw)
            ready = self._read_message(START_SECONDS)
        except (OSError, ValueError, ZygoteUnavailable) as exc:
            self.close()
            raise ZygoteUnavailable(f"the zygote did not start ({exc})") from None
        if ready.get("type") != "ready":
            self.close()
            raise ZygoteUnavailable(str(ready.get("error", "the zygote did not start")))
        self.isolation = tuple(ready.get("isolation", ()))

    def _read_message(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        data = b""
        with selectors.DefaultSelector() as selector:
            selector.register(self.control, selectors.EVENT_READ)
            while len(data) < 4 or len(data) < 4 + struct.unpack(">I", data[:4])[0]:
                if len(data) >= 4 and struct.unpack(">I", data[:4])[0] > MAX_MESSAGE:
                    raise ZygoteUnavailable("the zygote sent an oversized message")
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise ZygoteUnavailable("the zygote did not answer in time")
                chunk = self.control.recv(MAX_MESSAGE)
                if not chunk:
                    raise ZygoteUnavailable("the zygote ended")
                data += chunk
        size = struct.unpack(">I", data[:4])[0]
        return json.loads(data[4:4 + size])

    def spawn(self) -> RunPipes:
        """The pipes of a new run, whose supervisor the zygote has forked. Raises ZygoteUnavailable."""
        pairs = [os.pipe() for _ in range(6)]  # job, result, status, stdout, stderr, stop
        (job_r, job_w), (res_r, res_w), (st_r, st_w), (out_r, out_w), (err_r, err_w), (stop_r, stop_w) = pairs
        theirs = [job_r, res_w, st_w, out_w, err_w, stop_r]
        try:
            with self.lock:
                self.control.sendmsg([b"r"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", theirs))])
        except OSError as exc:
            for pair in pairs:
                for fd in pair:
                    os.close(fd)
            raise ZygoteUnavailable(f"the zygote has gone ({exc})") from None
        for fd in theirs:
            os.close(fd)
        os.set_blocking(job_w, False)
        return RunPipes(job_w, res_r, st_r, out_r, err_r, stop_w)

    def close(self) -> None:
        """End the zygote at once. Its process group holds the zygote's two processes (each run
        has its own session); the inner one is pid 1 of the namespace of every run, so the
        kernel takes them all along. Killed before reaping: the group id cannot be recycled."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self.control.close()
