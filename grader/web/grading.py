"""At most N gradings at once: the batch workers (`python -m grader.batch.worker`), kept alive.

A request takes an idle worker, writes one job line (the JSON job of `batch/worker.py`: spec
text, submission bytes) and reads one result line; code runs in the worker's sandbox, answers
under the worker's budgets, exactly as `grader batch` grades a class. Requests beyond N wait
their turn in order; beyond `max_waiting` they are told the grader is busy instead of piling up.
Workers are asyncio subprocesses of the server's one thread, so nothing blocks the event loop
and there are no threads to join at shutdown.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from dataclasses import dataclass

from ..batch.worker import make_job

STOP_GRACE_SECONDS = 0.6  # a worker unwinds its sandbox on SIGTERM in well under this; then SIGKILL
_RESULT_LIMIT = 64 * 1024 * 1024  # one result line: the JSON report of a 28x28 exercise fits many times over


class Busy(Exception):
    """Every worker is grading and the waiting line is full."""


@dataclass(frozen=True)
class Graded:
    report: dict | None  # the JSON report (Report.to_dict), or None when nothing could be graded
    problem: str  # why nothing could be graded (a suffix no kind reads, the sandbox unable to start)


class GradingPool:
    def __init__(self, size: int, tmpdir: str, max_waiting: int = 64):
        self.size = max(1, size)
        self.tmpdir = tmpdir  # the workers' TMPDIR: each submission is written under it, nowhere else
        self.max_waiting = max_waiting
        self.waiting = 0
        self.running = 0
        self._idle: asyncio.Queue | None = None
        self._procs: list[asyncio.subprocess.Process] = []
        self._count = 0
        self._closing = False

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        for _ in range(self.size):
            self._idle.put_nowait(await self._spawn())

    async def _spawn(self) -> asyncio.subprocess.Process:
        # One BLAS thread per worker: the pool is the parallelism. The worker dies with the
        # server (PR_SET_PDEATHSIG) even if the server is killed with SIGKILL.
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "TMPDIR": self.tmpdir}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "grader.batch.worker", str(os.getpid()),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env, limit=_RESULT_LIMIT)
        self._procs.append(proc)
        return proc

    async def grade(self, name: str, content: bytes, spec: dict, variant: str | None, lang: str | None) -> Graded:
        """Grade one submission; raises Busy when the waiting line is full."""
        assert self._idle is not None, "start() the pool first"
        if self._idle.empty() and self.waiting >= self.max_waiting:
            raise Busy()
        self.waiting += 1
        try:
            proc = await self._idle.get()
        finally:
            self.waiting -= 1
        self.running += 1
        self._count += 1
        job = make_job(str(self._count), variant, name, content, spec, {"lang": lang})
        answered = False
        try:
            answer = b""
            try:
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.write(job.encode("utf-8") + b"\n")
                await proc.stdin.drain()
                answer = await proc.stdout.readline()
            except (OSError, ValueError, asyncio.LimitOverrunError):
                answer = b""
            if not answer:  # the worker died (killed from outside, out of memory): a new one takes its place
                return Graded(None, "the grading worker ended unexpectedly; please submit again")
            answered = True
            result = json.loads(answer)
            return Graded(result.get("report"), result.get("problem", ""))
        finally:
            self.running -= 1
            if answered:
                self._idle.put_nowait(proc)
            else:
                # A worker whose answer was not read (it died, or this request was cancelled
                # mid-grading) would hand its late answer to the next request: it is replaced.
                asyncio.ensure_future(self._replace(proc))

    async def _replace(self, proc: asyncio.subprocess.Process) -> None:
        await self._end(proc)
        if self._closing or self._idle is None:
            return
        fresh = await self._spawn()
        if self._closing:  # the server began to stop while this one started
            await self._end(fresh)
        else:
            self._idle.put_nowait(fresh)

    async def _end(self, proc: asyncio.subprocess.Process) -> None:
        if proc in self._procs:
            self._procs.remove(proc)
        if proc.returncode is None:
            try:
                proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            await asyncio.wait_for(proc.wait(), STOP_GRACE_SECONDS)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()

    async def close(self) -> None:
        """End every worker: SIGTERM (the sandbox's clean-up kills the student's processes), then
        SIGKILL for one that is still there after the grace period."""
        self._closing = True
        await asyncio.gather(*(self._end(proc) for proc in list(self._procs)))
