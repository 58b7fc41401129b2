"""Issue 24: no input stops the grader. One test per finding, each against the real sandbox and
the real CLI, each asserting containment: the exit status, no traceback, the grader's peak
memory under 300 MB, nothing left behind (processes, System V objects, files), and the
neighbours in a batch graded normally. Then a hostile class: twenty ordinary students and every
hostile input in one `grader batch --jobs 2`.

The inputs are written here (tests/hardening/ holds the code ones). No test asserts a wall time
but deadlines, with wide margins (a subprocess timeout, a poll for leftovers).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import grader
from conftest import ROOT, SEED_ID, ipc_keys, processes_with
from grader.pipeline import grade
from grader.spec.load import load_exercise

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "hardening"
EXAMPLES = ROOT / "examples" / SEED_ID
GRADER_DIR = str(Path(grader.__file__).resolve().parent)  # in the command line of every sandbox child
MAX_PEAK_MB = 300
MODES = ("auto", "user")
DEADLINE = 240  # seconds: a wide net for one command, never a speed figure

# --- hostile written answers ---------------------------------------------------------------------
TARGET = r"\frac{\partial C}{\partial k_1}"
MACRO_BOMB = ("\\def\\b#1{" + "#1" * 30_000 + "}\n\n$$" + TARGET + " = \\b{" + "x" * 40_000 + "}$$\n")
SMALL_BOMB = ("\\newcommand{\\b}[1]{" + "#1" * 500 + "}\n\n$$" + TARGET + " = \\b{" + "x" * 4_000 + "}$$\n")
UNCLOSED_DEFS = "\\def\\a{" * 12_000 + "\n\n$$" + TARGET + " = 0$$\n"
UNCLOSED_ARGS = "\\newcommand{\\a}[1]{#1}\n\n$$" + TARGET + " = " + "\\a{" * 20_000 + "$$\n"
SUM_BOUND = "$$" + TARGET + r" = \sum_{n=1}^{" + "9" * 50 + r"} x_{n,1}$$" + "\n"
WRITTEN = {"macro_bomb.md": MACRO_BOMB, "small_bomb.md": SMALL_BOMB, "unclosed_defs.md": UNCLOSED_DEFS,
           "unclosed_args.md": UNCLOSED_ARGS, "sum_bound.md": SUM_BOUND}


def measured(args: list[str], env: dict | None = None, timeout: float = DEADLINE) -> tuple[subprocess.CompletedProcess, float]:
    """`python -m grader ARGS` and the peak resident memory (MB) of the grader and every process
    it waited for (its bounded children, its workers)."""
    probe = ("import resource, subprocess, sys\n"
             "p = subprocess.run(sys.argv[1:])\n"
             "sys.stderr.write('\\nPEAK %d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
             "sys.exit(p.returncode)\n")
    result = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "grader", *map(str, args)],
                            capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})
    peak = int(result.stderr.rsplit("PEAK ", 1)[1].split()[0]) / 1024
    result.stderr = result.stderr.rsplit("\nPEAK ", 1)[0]
    return result, peak


def contained(result: subprocess.CompletedProcess, peak: float, codes=(0, 1)) -> None:
    assert result.returncode in codes, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr + result.stdout
    assert "internal error" not in result.stderr + result.stdout
    assert peak < MAX_PEAK_MB, f"grader peak {peak:.0f} MB"


def nothing_left(before_ipc: set[int] | None = None, wait: float = 5.0) -> None:
    """No sandbox child, worker or bounded child of this checkout alive (polled for `wait` s:
    a deadline, not a speed figure), and no new System V object on the host."""
    end = time.monotonic() + wait
    while processes_with(GRADER_DIR) and time.monotonic() < end:
        time.sleep(0.1)
    assert not processes_with(GRADER_DIR), "a sandboxed process outlived the grader"
    if before_ipc is not None:
        assert ipc_keys() <= before_ipc


@pytest.fixture
def written(tmp_path) -> dict[str, Path]:
    paths = {}
    for name, text in WRITTEN.items():
        paths[name] = tmp_path / name
        paths[name].write_text(text)
    return paths


# --- 2. written answers -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["macro_bomb.md", "unclosed_defs.md", "unclosed_args.md"])
def test_hostile_derivation_is_read_in_bounded_time_and_memory(written, name):
    result, peak = measured(["grade", SEED_ID, written[name], "--format", "json"])
    contained(result, peak, codes=(1,))
    report = json.loads(result.stdout)
    assert report["score"] == 0
    nothing_left()


def test_macro_growth_stops_at_its_limit_before_building():
    from grader.answers.readers import _macros

    macros = _macros.definitions(MACRO_BOMB)
    assert "b" not in macros  # a body of 60,000 characters is not a macro we expand
    small = _macros.definitions(SMALL_BOMB)
    text = "\\b{" + "x" * 4_000 + "}"
    assert _macros.expand(text, small) == text  # 2 MB would be past the growth limit: left as written
    assert len(_macros.definitions("".join(f"\\def\\m{chr(97 + i % 26)}{i}{{x}}" for i in range(5000)))) <= \
        _macros.MAX_DEFINITIONS


def test_braces_are_matched_once_per_text():
    from grader.answers import braces

    text = "{" * 50_000 + "}" * 10
    braces._pairs.cache_clear()
    assert [braces.group_end(text, i) for i in range(49_990, 50_000)] == list(range(50_010, 50_000, -1))
    assert braces.group_end(text, 0) is None
    assert braces._pairs.cache_info().misses == 1  # one pass, however many groups are asked for


def test_fifty_digit_sum_bound_is_a_clear_error(written):
    result, peak = measured(["grade", SEED_ID, written["sum_bound.md"]])
    contained(result, peak, codes=(1,))
    assert "terms (the limit is" in result.stdout


def test_answer_budget_expiry_flags_every_entry_for_review(tmp_path):
    # A 28x28 answer with every entry wrong takes seconds of diagnosis: far past a 0.1 s budget
    # however fast the readers become (the seed's small answer now fits inside 0.1 s).
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from _answers import write_answers

    answer = write_answers(tmp_path / "answer.yaml", flipped=True)
    result, peak = measured(["grade", "conv2d-28x28-k5x5", answer, "--format", "json"],
                            env={"GRADER_ANSWER_CPU_SECONDS": "0.1"})
    contained(result, peak, codes=(1,))
    report = json.loads(result.stdout)
    assert {c["status"] for c in report["checks"]} == {"review"}
    assert "budget" in json.dumps(report)
    nothing_left()


def test_bounded_child_enforces_cpu_and_memory():
    from grader.budget import Expired, bounded

    assert bounded(lambda: {"ok": 1}) == {"ok": 1}
    spin = bounded(lambda: {"n": sum(range(10 ** 12))}, cpu_seconds=0.5, wall_seconds=60)
    assert isinstance(spin, Expired) and "CPU" in spin.reason
    hog = bounded(lambda: {"n": len(bytearray(4 << 30))}, memory_mb=100)
    assert isinstance(hog, Expired) and "memory" in hog.reason


# --- 1. memory held outside mappings -----------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_sysv_segments_cannot_hold_memory_past_the_bound(mode):
    before = ipc_keys()
    result, peak = measured(["grade", SEED_ID, INPUTS / "hoards_sysv_memory.py", "--format", "json", "--timeout", "20"],
                            env={"GRADER_SANDBOX_NAMESPACES": mode})
    contained(result, peak, codes=(1,))
    report = json.loads(result.stdout)
    assert "ipc-limits" in report["isolation"] or "cgroup" in report["isolation"]
    held = int(report["student_output"].split("held ")[1].split()[0])
    assert held <= 4, f"held {held} MB of System V memory"
    nothing_left(before)


# --- 6. every way to stop the grader ------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_stopping_the_grader_ends_a_setsid_runner_without_death_signal(mode, sig, tmp_path):
    submission = tmp_path / "daemon.py"
    shutil.copy(INPUTS / "setsid_clears_death_signal.py", submission)
    env = {**os.environ, "GRADER_SANDBOX_NAMESPACES": mode}
    proc = subprocess.Popen([sys.executable, "-m", "grader", "grade", SEED_ID, str(submission), "--timeout", "60"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True)
    end = time.monotonic() + 60
    while time.monotonic() < end and len(processes_with(GRADER_DIR)) < 3:  # supervisor, runner, daemon
        time.sleep(0.1)
    time.sleep(0.5)  # the daemon has called setsid and cleared its death signal
    assert processes_with(GRADER_DIR)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err.decode()
    assert proc.returncode != 0
    nothing_left(wait=3.0)  # within a second in practice; three as a wide deadline


# --- 8. values that provoke numpy ----------------------------------------------------------------------

def test_exotic_values_print_nothing_on_the_graders_stderr():
    result, peak = measured(["grade", SEED_ID, INPUTS / "overflowing_dtypes.py"])
    contained(result, peak, codes=(1,))
    assert result.stderr.strip() == ""
    assert "differ from the reference" in result.stdout


# --- batches: 3 deadlines, 4 names, 5 concurrency, 7 identical files --------------------------------

def batch(folder: Path, tmp: Path, *more, env=None, jobs="2") -> tuple[subprocess.CompletedProcess, float]:
    return measured(["batch", SEED_ID, folder, "--db", tmp / "gradebook.sqlite", "--csv", tmp / "grades.csv",
                     "--jobs", jobs, *more], env=env)


def rows(tmp: Path) -> dict[str, dict]:
    text = (tmp / "grades.csv").read_text(encoding="utf-8")
    return {row["student"]: row for row in csv.DictReader(io.StringIO(text))}


def test_a_job_past_its_deadline_is_an_error_row_and_the_class_finishes(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(EXAMPLES / "correct.md", folder / "ann.md")
    shutil.copy(EXAMPLES / "correct.yaml", folder / "bea.yaml")
    (folder / "sleeper.py").write_text("import time\ntime.sleep(600)\n")
    # The sandbox would stop the sleeper at 590 s; a margin of -580 s makes its job's deadline
    # 10 s (and an answer's 601 - 580 = 21 s, with an answer budget of 300 s).
    env = {"GRADER_BATCH_DEADLINE_MARGIN": "-580", "GRADER_ANSWER_CPU_SECONDS": "300"}
    result, peak = batch(folder, tmp_path, "--timeout", "590", env=env)
    contained(result, peak, codes=(1,))
    found = rows(tmp_path)
    assert found["sleeper"]["status"] == "error"
    assert found["ann"]["score"] == found["bea"]["score"] == "10"
    assert "deadline" in result.stdout
    nothing_left()
    again, _ = batch(folder, tmp_path, "--timeout", "590", env=env)  # a rerun does not stall on it
    assert "nothing to grade" in again.stdout


def test_deadline_of_a_dask_or_inline_job(tmp_path):
    from grader.batch.pool import bounded_job
    from grader.batch.worker import make_job

    spec_path = ROOT / "exercises" / f"{SEED_ID}.yaml"
    data = spec_path.read_bytes()
    import hashlib

    spec = {"ref": str(spec_path), "text": data.decode(), "sha256": hashlib.sha256(data).hexdigest(),
            "filename": spec_path.name}
    line = make_job("k1", "zoe", "zoe.py", b"import time\ntime.sleep(600)\n", spec, {"timeout": 120})
    result = json.loads(bounded_job(line, 3.0))
    assert result["key"] == "k1" and result["report"] is None and "deadline" in result["problem"]
    nothing_left()


HOSTILE_IDS = {
    "=HYPERLINK(\"http:__x\")": "correct.yaml",
    "+cmd": "correct.yaml",
    "-2+3": "correct.yaml",
    "@SUM(A1)": "correct.yaml",
    "\tTAB": "correct.yaml",
    "\x1b[2J\x1b]0;owned\x07eve": "correct.yaml",
    "<img src=x onerror=alert(1)>": "correct.yaml",
    "L" * 250: "correct.yaml",
}


def hostile_names(folder: Path) -> None:
    for student, example in HOSTILE_IDS.items():
        suffix = Path(example).suffix
        name = student[: 255 - len(suffix)] + suffix
        shutil.copy(EXAMPLES / example, folder / name)


def test_names_are_data(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    hostile_names(folder)
    shutil.copy(EXAMPLES / "correct.py", folder / "plain.py")
    reports = tmp_path / "reports"
    result, peak = batch(folder, tmp_path, "--reports", reports, "--timeout", "20")
    contained(result, peak, codes=(0,))
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    text = (tmp_path / "grades.csv").read_text(encoding="utf-8")
    for line in csv.reader(io.StringIO(text)):
        for cell in line[:2] + line[4:]:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert len(list(reports.iterdir())) == len(HOSTILE_IDS) + 1
    assert all(len(p.name.encode()) <= 120 for p in reports.iterdir())
    assert all(set(p.name) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
               for p in reports.iterdir())
    for fmt in ("text", "markdown", "html"):
        out, _ = measured(["summary", tmp_path / "gradebook.sqlite", "--format", fmt])
        assert out.returncode == 0 and "\x1b" not in out.stdout and "\x07" not in out.stdout
        if fmt != "text":
            assert not re.search(r"(?<!\\)<img", out.stdout)  # escaped: \<img in Markdown, &lt;img in HTML
    again, _ = batch(folder, tmp_path, "--reports", reports)  # every rerun too
    assert again.returncode == 0


def test_a_report_that_cannot_be_written_fails_that_student_only(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for student in ("ann", "bob", "cat"):
        shutil.copy(EXAMPLES / "correct.yaml", folder / f"{student}.yaml")
    reports = tmp_path / "reports"
    (reports / "bob.json").mkdir(parents=True)  # bob's report cannot be written there
    result, peak = batch(folder, tmp_path, "--reports", reports)
    contained(result, peak, codes=(1,))
    assert (reports / "ann.json").is_file() and (reports / "cat.json").is_file()
    assert "could not be written" in result.stdout and "bob" in result.stdout
    assert set(rows(tmp_path)) == {"ann", "bob", "cat"}
    (reports / "bob.json").rmdir()
    again, _ = batch(folder, tmp_path, "--reports", reports)
    assert again.returncode == 0 and (reports / "bob.json").is_file()


def test_two_batches_on_one_new_gradebook(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for n in range(6):
        shutil.copy(EXAMPLES / ("correct.yaml" if n % 2 else "correct.md"), folder / f"s{n}{'.yaml' if n % 2 else '.md'}")
    db = tmp_path / "gradebook.sqlite"
    procs = [subprocess.Popen([sys.executable, "-m", "grader", "batch", SEED_ID, str(folder), "--db", str(db),
                               "--jobs", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for proc in procs:
        out, err = proc.communicate(timeout=DEADLINE)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    from grader.batch.gradebook import Gradebook

    with Gradebook(db, create=False) as book:
        latest = book.latest_rows(SEED_ID)
        assert sorted(r["student"] for r in latest) == [f"s{n}" for n in range(6)]
        assert book.query("SELECT count(*) FROM submissions")[0][0] == 6


def test_a_busy_gradebook_is_named_as_such(tmp_path):
    import sqlite3

    from grader.batch import gradebook
    from grader.errors import GraderError

    db = tmp_path / "gradebook.sqlite"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    old, gradebook.BUSY_SECONDS = gradebook.BUSY_SECONDS, 0.2
    try:
        with pytest.raises(GraderError, match="another batch is using this gradebook"):
            gradebook.Gradebook(db)
    finally:
        gradebook.BUSY_SECONDS = old
        holder.execute("ROLLBACK")
        holder.close()


def test_hard_linked_and_identical_files_are_flagged(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(EXAMPLES / "correct.py", folder / "orig.py")
    os.link(folder / "orig.py", folder / "linker.py")
    shutil.copy(EXAMPLES / "correct.yaml", folder / "solo.yaml")
    shutil.copy(EXAMPLES / "wrong-flipped-kernel.yaml", folder / "w1.yaml")
    shutil.copy(EXAMPLES / "wrong-flipped-kernel.yaml", folder / "w2.yaml")
    result, peak = batch(folder, tmp_path, "--timeout", "20")
    contained(result, peak, codes=(0,))
    out, _ = measured(["summary", tmp_path / "gradebook.sqlite", "--format", "json"])
    assert json.loads(out.stdout)["identical"] == [["linker", "orig"], ["w1", "w2"]]
    text, _ = measured(["summary", tmp_path / "gradebook.sqlite"])
    assert "Identical submissions" in text.stdout and "linker, orig" in text.stdout


# --- the hostile class ----------------------------------------------------------------------------

ORDINARY = ["correct.py", "correct.md", "correct.yaml", "wrong-X-row2-merged-path.py", "wrong-flipped-kernel.yaml"]


def test_hostile_class(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    ordinary = {}
    for n in range(20):
        example = ORDINARY[n % len(ORDINARY)]
        path = folder / f"student{n:02d}{Path(example).suffix}"
        shutil.copy(EXAMPLES / example, path)
        ordinary[path.stem] = path
    for name, text in WRITTEN.items():
        (folder / f"hostile_{name}").write_text(text)
    for source in INPUTS.glob("*.py"):
        shutil.copy(source, folder / f"hostile_{source.name}")
    (folder / "hostile_sleeper.py").write_text("import time\ntime.sleep(600)\n")
    hostile_names(folder)
    os.link(folder / "student00.py", folder / "hostile_hardlink.py")
    alone = {}
    exercise = load_exercise(SEED_ID)
    from grader.options import GradeOptions

    for student, path in ordinary.items():
        alone[student] = grade(exercise, path, GradeOptions(timeout=5, variant=student)).score
    before = ipc_keys()
    result, peak = batch(folder, tmp_path, "--timeout", "5", "--reports", tmp_path / "reports")
    # Exit 0 as documented: every student has a graded row (the sleeper and the daemons time
    # out in the sandbox and score 0; the hostile derivations are read, refused and score 0).
    contained(result, peak, codes=(0,))
    found = rows(tmp_path)
    assert len(found) == 20 + len(WRITTEN) + len(list(INPUTS.glob("*.py"))) + 2 + len(HOSTILE_IDS)
    for student, score in alone.items():
        assert float(found[student]["score"]) == score, student
        assert found[student]["status"] != "error"
    assert all(float(row["score"]) == 0 for student, row in found.items() if student.startswith("hostile_")
               and student != "hostile_hardlink")
    nothing_left(before)
    assert "nothing to grade" in batch(folder, tmp_path, "--timeout", "5")[0].stdout
    out, _ = measured(["summary", tmp_path / "gradebook.sqlite", "--format", "json"])
    assert any({"hostile_hardlink", "student00"} <= set(group) for group in json.loads(out.stdout)["identical"])
