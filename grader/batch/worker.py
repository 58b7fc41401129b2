"""Grade one submission of a batch: the work a pool worker or a Dask worker does.

A job and its result are JSON text, never pickle, typed here (`Job`) and versioned (`PROTOCOL`):
the job carries the exercise spec's text and the submission's bytes (so a worker on another host
needs only the package installed, and the bytes graded are exactly the ones the writer hashed);
the result carries the JSON report.

`python -m grader.batch_worker` is a long-lived local pool worker: one job per line on stdin,
one result per line on a private copy of stdout. It pays interpreter, numpy and exercise
start-up once; each code submission still runs in a fresh sandbox through the public grading
API, with every isolation layer of `grader grade`, forked from the worker's sandbox zygote
(`grader.sandbox.warm_sandboxes`, docs/sandbox.md), which has paid them once too.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import resource
import signal
import socket
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..budget import enforce_in_process
from ..errors import GraderError
from ..options import GradeOptions
from ..pipeline import grade  # the one place batch reaches the grading pipeline
from ..kinds import kinds
from ..sandbox.runner import warm_sandboxes
from ..spec.load import Exercise, load_exercise

SUBMISSION_SUFFIXES = tuple(s for kind in kinds() for s in kind.suffixes)  # what a class folder may hold
CODE_SUFFIXES = tuple(s for kind in kinds() if kind.graded_as == "functions" for s in kind.suffixes)
_EXERCISES: dict[str, Exercise] = {}  # spec sha256 -> exercise, per worker process
_SPEC_DIR: list[str] = []  # where specs sent as text are written, once per process
_WARM: set[str] = set()  # specs whose answer machinery this process has warmed up


# The version of the job and result messages: a worker answers a job of another version (an
# older package on a cluster's workers, say) with a problem row, never with a guess.
PROTOCOL = 1


@dataclass(frozen=True)
class JobSpec:
    """The exercise of a job: its path on the writer's host, and its text for other hosts."""

    ref: str
    text: str
    sha256: str
    filename: str


@dataclass(frozen=True)
class Job:
    key: str
    student: str | None  # whose variant is graded
    name: str  # the file's name (its suffix says its kind)
    content: bytes
    spec: JobSpec
    options: dict[str, Any]  # GradeOptions fields: seed, timeout, lang, reveal

    def to_line(self) -> str:
        return json.dumps({"version": PROTOCOL, "key": self.key, "student": self.student, "name": self.name,
                           "content": base64.b64encode(self.content).decode("ascii"),
                           "spec": asdict(self.spec), "options": self.options})

    @classmethod
    def from_line(cls, line: str) -> "Job":
        """Raises ValueError for a line of another protocol version or not a job at all."""
        data = json.loads(line)
        if not isinstance(data, dict) or data.get("version") != PROTOCOL:
            raise ValueError(f"a job of protocol version {data.get('version') if isinstance(data, dict) else None}; "
                             f"this worker speaks version {PROTOCOL}")
        return cls(data["key"], data["student"], data["name"], base64.b64decode(data["content"]),
                   JobSpec(**data["spec"]), dict(data["options"]))


def make_job(key: str, student: str | None, name: str, content: bytes, spec: dict, options: dict) -> str:
    """A job line. `spec` is {"ref", "text", "sha256", "filename"}; `options` the GradeOptions fields."""
    return Job(key, student, name, content, JobSpec(**spec), options).to_line()


def grade_job(job_text: str) -> str:
    """Grade a job line; the result line. Never raises for anything the submission does."""
    started = time.perf_counter()
    try:
        job = Job.from_line(job_text)
    except (ValueError, KeyError, TypeError) as err:
        key = _key_of(job_text)
        return json.dumps({"version": PROTOCOL, "key": key, "report": None, "problem": f"not graded: {err}",
                           "seconds": 0.0, "worker": f"{socket.gethostname()}:{os.getpid()}", "rss_kb": 0})
    result: dict[str, Any] = {"version": PROTOCOL, "key": job.key, "report": None, "problem": ""}
    try:
        exercise = _exercise(job.spec)
        _warm_up(exercise, job.spec.sha256, job.name)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="backprop-batch-") as tmp:
            path = Path(tmp) / job.name
            path.write_bytes(job.content)
            try:
                report = grade(exercise, path, _grade_options(job))
                text = json.dumps(report.to_dict(), ensure_ascii=False)
                # Messages about the file name its path: the private copy's, not a stable one.
                result["report"] = json.loads(text.replace(json.dumps(tmp + os.sep)[1:-1], ""))
            except GraderError as err:
                result["problem"] = str(err).replace(tmp + os.sep, "")
    except Exception as err:  # a bug of ours: one error row, and the class goes on being graded
        result["problem"] = f"internal error (a bug in backprop-grader): {type(err).__name__}: {err}"
    result["seconds"] = round(time.perf_counter() - started, 6)
    result["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    result["rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return json.dumps(result, ensure_ascii=False)


def _key_of(line: str) -> str:
    """The key of a job line this worker cannot read, so that its row still finds its student."""
    try:
        data = json.loads(line)
    except ValueError:
        return ""
    return str(data.get("key", "")) if isinstance(data, dict) else ""


def _grade_options(job: Job) -> GradeOptions:
    options = job.options
    # Each student is graded on their own variant (a spec without variants ignores it).
    return GradeOptions(seed=options.get("seed"), timeout=options.get("timeout"), lang=options.get("lang"),
                        reveal=options.get("reveal", True), variant=job.student)


def _exercise(spec: JobSpec) -> Exercise:
    """The exercise of a job, loaded once per process: from its own file when this host has the
    same text there (data files beside it stay reachable), else from the text sent."""
    found = _EXERCISES.get(spec.sha256)
    if found is not None:
        return found
    ref = spec.ref
    try:
        same = hashlib.sha256(Path(ref).read_bytes()).hexdigest() == spec.sha256
    except OSError:
        same = False
    if not same:
        if not _SPEC_DIR:
            _SPEC_DIR.append(tempfile.mkdtemp(prefix="backprop-batch-spec-"))
        folder = Path(_SPEC_DIR[0]) / spec.sha256[:16]
        folder.mkdir(exist_ok=True)
        ref = str(folder / spec.filename)
        Path(ref).write_text(spec.text, encoding="utf-8")
    exercise = load_exercise(ref)
    _EXERCISES[spec.sha256] = exercise
    return exercise


def _warm_up(exercise: Exercise, spec_sha: str, name: str) -> None:
    """First use of the answer machinery (grammars, the exact reference), kept out of the first
    answer's timing so that the gradebook's seconds compare submissions, not warm-up."""
    if Path(name).suffix.lower() in CODE_SUFFIXES or spec_sha in _WARM:
        return
    _WARM.add(spec_sha)
    from ..answers.parsing import ParseError, parse_expression

    _ = exercise.solution  # builds the cached reference once per worker
    for text, style in (("0", "plain"), ("0", "latex")):
        try:
            parse_expression(text, exercise.notation, style)
        except ParseError:
            pass


def _die_with_parent() -> None:
    """Linux: SIGTERM this worker when the batch process dies, even by kill -9."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # elsewhere: the worker still ends at the end of its input


def _stop(signum, frame) -> None:
    # SystemExit unwinds through the sandbox's clean-up, which kills the student's processes.
    raise SystemExit(128 + signum)


def main() -> None:
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything printed by accident goes to stderr, never into the result stream
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle
    signal.signal(signal.SIGTERM, _stop)
    _die_with_parent()
    if len(sys.argv) > 1 and os.getppid() != int(sys.argv[1]):
        return  # the batch died before the line above took effect
    enforce_in_process()  # this worker is the bounded process: its pool kills it at a job's deadline
    try:
        with warm_sandboxes():
            for line in sys.stdin:
                if line.strip():
                    results.write(grade_job(line) + "\n")
                    results.flush()
    except SystemExit as stop:  # SIGTERM: the sandbox's clean-up ran on the way here; end quietly
        os._exit(stop.code if isinstance(stop.code, int) else 1)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


if __name__ == "__main__":
    main()
