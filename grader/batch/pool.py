"""Where batch jobs run: a local pool of long-lived worker processes, or a Dask cluster.

Both take (key, job line, deadline in seconds) triples, drawn lazily so that only the jobs in
flight are held in memory, and yield result lines as they finish, in any order; the one process
that iterates writes the gradebook, so SQLite has a single writer. A job that was
lost (a worker died, the cluster failed it) comes back as {"key", "lost"} and is not recorded,
so the next run grades it again. A job that outlives its deadline is the submission's doing:
its worker is killed (and replaced), and the student gets an error row saying so, recorded like
any result, so a rerun does not stall on the same file again.
"""
from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from itertools import islice
from typing import Iterable, Iterator

from .worker import grade_job
from ..budget import Expired, bounded, enforce_in_process
from ..errors import GraderError

DASK_IN_FLIGHT = 512  # jobs handed to the scheduler at once: enough to keep a large cluster busy
STOP_GRACE_SECONDS = 5.0  # for a worker to unwind its sandbox after SIGTERM before SIGKILL
_POLL_SECONDS = 0.2  # how often the waiting writer looks up, so that Ctrl-C is seen at once


def lost(key: str, why: str) -> str:
    return json.dumps({"key": key, "lost": why})


def overdue(key: str, deadline: float, worker: str) -> str:
    """The error row of a job stopped at its deadline."""
    return json.dumps({"key": key, "report": None, "seconds": round(deadline, 3), "worker": worker,
                       "problem": f"grading did not finish within its deadline of {deadline:g} s, so it was "
                                  f"stopped; nothing was graded"})


def _in_bounded_child(line: str) -> dict:
    enforce_in_process()  # this child is the bounded process: its answers need no child of their own
    return json.loads(grade_job(line))


def bounded_job(line: str, deadline: float) -> str:
    """grade_job(line) in a bounded child of this process, stopped at the deadline (the Dask
    pool and --jobs 0, which have no worker of ours to kill and replace)."""
    result = bounded(lambda: _in_bounded_child(line), cpu_seconds=deadline, wall_seconds=deadline, rlimits=False)
    if isinstance(result, Expired):
        return overdue(json.loads(line)["key"], deadline, f"{socket.gethostname()}:{os.getpid()}")
    return json.dumps(result, ensure_ascii=False)


class LocalPool:
    """`size` worker processes (`python -m grader.batch_worker`), started once per run."""

    def __init__(self, size: int):
        if size < 1:
            raise GraderError("--jobs must be at least 1")
        self.size = size
        self.procs: list[subprocess.Popen] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def run(self, jobs: Iterable[tuple[str, str, float]], count: int) -> Iterator[str]:
        todo = _Shared(jobs)
        done: queue.Queue = queue.Queue()
        # Started from this thread: a worker's parent-death signal follows the thread that
        # started it, and this one lives as long as the run.
        threads = [threading.Thread(target=self._serve, args=(todo, done, self._start()), daemon=True)
                   for _ in range(min(self.size, count))]
        for thread in threads:
            thread.start()
        try:
            for _ in range(count):
                while True:
                    try:
                        yield done.get(timeout=_POLL_SECONDS)
                        break
                    except queue.Empty:
                        continue
        finally:
            self.stop.set()
            self._end_workers()
            for thread in threads:
                thread.join()

    def _serve(self, todo: "_Shared", done: queue.Queue, proc: subprocess.Popen | None) -> None:
        while not self.stop.is_set():
            job = todo.next()
            if job is None:
                break
            key, line, deadline = job
            if proc is None:
                proc = self._start()
            assert proc.stdin is not None and proc.stdout is not None  # started with pipes
            expired = threading.Event()
            watchdog = threading.Timer(deadline, self._expire, args=(proc, expired))
            watchdog.daemon = True
            try:
                proc.stdin.write(line + "\n")
                proc.stdin.flush()
                watchdog.start()
                answer = proc.stdout.readline()
            except (OSError, ValueError):
                answer = ""
            finally:
                watchdog.cancel()
            if self.stop.is_set():
                return
            if expired.is_set():  # the result, if it came in just as the deadline passed, still counts
                done.put(answer or overdue(key, deadline, f"{socket.gethostname()}:{proc.pid}"))
                self._retire(proc)
                proc = None
                continue
            if not answer:
                done.put(lost(key, "its grading worker ended unexpectedly"))
                self._retire(proc)
                proc = None
                continue
            done.put(answer)
        if proc is not None and proc.stdin is not None:
            proc.stdin.close()

    def _expire(self, proc: subprocess.Popen[str], expired: threading.Event) -> None:
        """The deadline: the worker is killed (its sandboxes see their job pipe close and take
        the student's processes with them); the serving thread starts a fresh one."""
        expired.set()
        _stop_worker(proc, grace=1.0)

    def _retire(self, proc: subprocess.Popen[str]) -> None:
        _stop_worker(proc, grace=1.0)
        with self.lock:
            if proc in self.procs:
                self.procs.remove(proc)

    def _start(self) -> subprocess.Popen[str]:
        # One BLAS thread per worker: the pool is the parallelism, and the arrays are small.
        env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", **os.environ}
        proc = subprocess.Popen([sys.executable, "-m", "grader.batch.worker", str(os.getpid())],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
                                env=env)
        with self.lock:
            self.procs.append(proc)
        return proc

    def _end_workers(self) -> None:
        with self.lock:
            procs = list(self.procs)
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            _stop_worker(proc, STOP_GRACE_SECONDS)


def _stop_worker(proc: subprocess.Popen[str], grace: float) -> None:
    """SIGTERM (its sandboxes' clean-up runs), SIGKILL after `grace` seconds, reaped, pipes closed."""
    try:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    except OSError:
        pass
    for stream in (proc.stdin, proc.stdout):
        try:
            if stream is not None:
                stream.close()
        except (OSError, ValueError):
            pass


class _Shared:
    """One iterator of jobs for several threads."""

    def __init__(self, jobs: Iterable[tuple[str, str, float]]):
        self.jobs = iter(jobs)
        self.lock = threading.Lock()

    def next(self) -> tuple[str, str, float] | None:
        with self.lock:
            return next(self.jobs, None)


class InlinePool:
    """Grades in the calling process, one job after another (`--jobs 0`: tiny classes, tests)."""

    def run(self, jobs: Iterable[tuple[str, str, float]], count: int) -> Iterator[str]:
        for _, line, deadline in jobs:
            yield bounded_job(line, deadline)


class DaskPool:
    """Jobs sent to an existing Dask distributed scheduler (the `cluster` extra)."""

    def __init__(self, address: str):
        try:
            from distributed import Client
        except ImportError:
            raise GraderError("--scheduler needs Dask distributed: pip install 'backprop-grader[cluster]'") from None
        try:
            self.client = Client(address, timeout="20s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as err:
            raise GraderError(f"cannot reach the Dask scheduler at {address}: {err}") from None

    def run(self, jobs: Iterable[tuple[str, str, float]], count: int) -> Iterator[str]:
        from distributed import as_completed

        todo = iter(jobs)
        pending: dict = {}
        finished = as_completed(loop=self.client.loop)

        def submit(n: int) -> None:
            for key, line, deadline in islice(todo, n):
                future = self.client.submit(bounded_job, line, deadline, key=f"grade-{key}", pure=False, retries=1)
                pending[future] = key
                finished.add(future)

        submit(DASK_IN_FLIGHT)
        try:
            for future in finished:
                key = pending.pop(future)
                try:
                    yield future.result()
                except Exception as err:  # the cluster's failure, not the submission's: retried next run
                    yield lost(key, f"the cluster could not grade it ({type(err).__name__}: {err})")
                submit(1)
        finally:
            self.client.cancel(list(pending))

    def close(self) -> None:
        self.client.close()
