"""Grading Python gradient functions end to end: the library on a corpus of submissions.

Each row: submission file, expected exit code, expected score range, and words the report must
contain. Hostile rows also state what must NOT happen (a file written outside the sandbox, a
connection made, a process left behind, a score for work not done). The corpus runs through
`grade()` in this process (the student code still runs in the real sandbox); a few tests below
run the real command in a subprocess.
"""
import dataclasses
import json
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from conftest import cli, processes_with
from grader.errors import GraderError
from grader.pipeline import GradeOptions, grade
from grader.render.json_report import render_json
from grader.spec.load import Limits, load_exercise

CORPUS = Path(__file__).parent / "submissions" / "functions"
SEED = "conv2d-3x3-k2x1"
FULL = 10.0

# name: (exit code, min score, max score, substrings of the JSON report)
CASES = {
    "correct_vectorised": (0, FULL, FULL, ["all 9 entries match"]),
    "correct_loops": (0, FULL, FULL, []),
    "correct_full_convolution": (0, FULL, FULL, []),
    "correct_einsum": (0, FULL, FULL, []),
    "correct_with_helpers_and_print": (0, FULL, FULL, ["debugging: module loaded"]),
    "correct_returns_lists": (0, FULL, FULL, []),
    "wrong_flipped_kernel": (1, 4, 4 + 6 * 3 / 9, ["dC/dx[1,1]"]),
    "wrong_transpose": (1, 4, 9, ["differ"]),
    "wrong_sign": (1, 4, 4, ["expected"]),
    "wrong_missing_term": (1, 4, 8, ["dC/dx[2,1]"]),
    # The spec's X-row2-merged-path rule matches the code too: a quarter of each of its 3 entries' points.
    "wrong_row2_merged_path": (1, 4 + 6 * 6 / 9 + 0.25 * 6 / 9 * 3, 4 + 6 * 6 / 9 + 0.25 * 6 / 9 * 3,
                               ["dC/dx[2,1]", "dC/dx[2,2]", "dC/dx[2,3]"]),
    "wrong_shape_flat": (1, 4, 4, ["expected shape (3, 3), got (9,)"]),
    "wrong_shape_kernel_1d": (1, 6, 6, ["expected shape (2, 1), got (2,)"]),
    "wrong_nan": (1, 6, 6, ["NaN"]),
    "wrong_uses_forward_output": (1, 4, 4, ["differ"]),
    "wrong_ignores_upstream": (1, 4, 4, ["differ"]),
    "wrong_kernel_grad_swapped_rows": (1, 6, 6, ["dC/dk[1]"]),
    "wrong_half_factor": (1, 4, 4, ["differ"]),
    "error_zero_division": (1, 4, 4, ["ZeroDivisionError", "line 4"]),
    "error_missing_function": (1, 6, 6, ["grad_K"]),
    "error_syntax": (1, 0, 0, ["SyntaxError", "line 3"]),
    "error_returns_string": (1, 4, 4, ["str"]),
    "hostile_sys_exit": (1, 0, 0, []),
    "hostile_os_exit": (1, 0, 0, []),
    "hostile_os_exit_in_call": (1, 0, 4, []),
    "hostile_infinite_loop": (1, 0, 4, ["timed out"]),
    "hostile_fork_bomb": (1, 0, 0, []),
    "hostile_memory_bomb": (1, 0, 4, ["emory"]),
    "hostile_huge_output": (1, 4, 4, ["truncated"]),
    "hostile_fake_report": (1, 0, 0, []),
    "hostile_monkeypatch_numpy": (1, 0, 0, []),
    "hostile_import_reference": (1, 0, 0, ["reference"]),
    "hostile_import_grader": (1, 0, 0, ["grader"]),
    "hostile_write_outside": (1, 0, 0, []),
    "hostile_network": (1, 0, 0, []),
    "hostile_forbidden_torch": (1, 0, 0, ["torch"]),
    "hostile_reads_env_secret": (1, 0, 4, []),
}

TIMEOUT = 2.5  # short: hanging submissions cost this much each; correct ones need ~0.2 s
# Only these never finish on their own, and their expected results hold whether the wall limit or
# another limit stops them. Every other case gets a wall limit it cannot reach even on a machine
# busy with other work, so its result never depends on the machine's load.
HANGS = {"hostile_infinite_loop", "hostile_memory_bomb"}
NEVER_REACHED = 120.0


def _grade_cli(path, *extra, env=None):
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "grader", "grade", SEED, str(path), "--format", "json", "--timeout", str(TIMEOUT), *extra],
        capture_output=True, text=True, timeout=120, env=env,
    )
    return result, time.monotonic() - start


def test_corpus_is_large_enough():
    assert len(CASES) >= 30
    assert sorted(p.stem for p in CORPUS.glob("*.py")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus(name, tmp_path, monkeypatch):
    code, low, high, words = CASES[name]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    accepted = []

    def accept():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not stop.is_set():
            try:
                conn, _ = listener.accept()
                accepted.append(conn)
            except OSError:
                pass

    stop = threading.Event()
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    target = tmp_path / "escaped.txt"
    monkeypatch.setenv("BACKPROP_GRADER_SECRET", "s3cret-token")
    monkeypatch.setenv("GRADER_TEST_TARGET", str(target))
    source = CORPUS / f"{name}.py"
    marker = f"backprop-grader-fork-{uuid.uuid4().hex}"  # carried by every process the fork bomb starts
    replacements = {"hostile_network": ("range(47100, 47110)", f"[{listener.getsockname()[1]}]"),
                    "hostile_fork_bomb": ("backprop-grader-fork-marker", marker)}
    if name in replacements:  # point the submission at our listener's port, or give it this test's marker
        copy = tmp_path / source.name
        copy.write_text(source.read_text().replace(*replacements[name]))
        source = copy
    start = time.monotonic()
    try:
        limit = TIMEOUT if name in HANGS else NEVER_REACHED
        graded = grade(load_exercise(SEED), source, GradeOptions(timeout=limit))
    finally:
        took = time.monotonic() - start
        stop.set()
        thread.join()
        listener.close()
    assert graded.return_code == code, graded
    rendered = render_json(graded)
    report = json.loads(rendered)
    assert low - 1e-6 <= report["score"] <= high + 1e-6, report
    assert report["max_score"] == FULL
    assert {c["name"].split()[0] for c in report["checks"]} >= {"grad_X", "grad_K"}
    for c in report["checks"]:
        assert c["status"] in ("pass", "fail", "error")
        assert c["target"] in ("X", "K")
    text = json.dumps(report, ensure_ascii=False)
    for word in words:
        assert word in text, (word, report)
    # What must not happen, whatever the submission did:
    assert took < limit + 30, took  # the wall limit holds (a generous margin: the machine may be busy)
    assert not target.exists(), "the submission wrote outside its sandbox"
    assert not Path("/tmp/backprop-grader-escape-marker").exists()
    assert not accepted, "the submission opened a network connection"
    assert "s3cret-token" not in text, "the submission saw the grader's environment"
    assert not processes_with(marker), "a process the submission started outlived the sandbox"
    assert len(rendered) < 200_000, "the submission's output flooded the report"


def test_fake_report_cannot_change_the_score():
    report = grade(load_exercise(SEED), CORPUS / "hostile_fake_report.py")
    assert report.score == 0
    assert '"score": 10' in report.student_output  # shown, labelled, never parsed


def test_same_seed_same_bytes(tmp_path):
    outputs = []
    for run in range(2):
        out = tmp_path / f"r{run}.json"
        result, _ = _grade_cli(CORPUS / "wrong_missing_term.py", "--seed", "7", "--output", out)
        assert result.returncode == 1
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert "wrong_missing_term.py" in result.stdout and "\n" == result.stdout[-1]
    assert len(result.stdout.strip().splitlines()) == 1


def test_text_report_for_a_person():
    result = subprocess.run([sys.executable, "-m", "grader", "grade", SEED, str(CORPUS / "wrong_row2_merged_path.py")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "\033[" not in result.stdout  # no colour when not writing to a terminal
    assert "Score" in result.stdout or "score" in result.stdout
    assert re.search(r"dC/dx\[2,[123]\]: expected -?\d+, got -?\d+", result.stdout), result.stdout


def test_submission_missing_is_exit_2(tmp_path):
    result = cli("grade", SEED, tmp_path / "nope.py")
    assert result.exit_code == 2 and "no such submission file" in result.stderr


def test_a_sandbox_that_cannot_start_says_so_once():
    # numpy cannot load in 30 MB of address space (the spec schema allows no less than 128 MB,
    # so the exercise is changed in memory): nothing of the student's ran, no verdict on it.
    exercise = load_exercise(SEED)
    starved = dataclasses.replace(exercise, limits=Limits(timeout=4, cpu_seconds=4, memory_mb=30))
    with pytest.raises(GraderError) as err:
        grade(starved, CORPUS / "correct_vectorised.py")
    assert str(err.value).count("could not start") == 1, str(err.value)


def test_the_graders_own_memory_stays_bounded():
    # One grader process grades the three greediest submissions; its own peak RSS (not its
    # children's) is printed last.
    names = ["hostile_huge_output", "hostile_memory_bomb", "hostile_fork_bomb"]
    probe = ("import resource, sys\n"
             "from grader.pipeline import GradeOptions, grade\nfrom grader.spec.load import load_exercise\n"
             f"for path in sys.argv[1:]:\n"
             f"    assert grade(load_exercise({SEED!r}), path, GradeOptions(timeout={TIMEOUT})).return_code == 1\n"
             "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    result = subprocess.run([sys.executable, "-c", probe, *(str(CORPUS / f"{n}.py") for n in names)],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    peak_kib = int(result.stdout.split()[-1])
    assert peak_kib < 300 * 1024, f"the grader itself peaked at {peak_kib // 1024} MiB"


def test_grading_code_never_imports_sympy():
    # Students grade on every save: the numeric path must not pay for importing sympy.
    probe = ("import sys\n"
             "from grader.pipeline import grade\nfrom grader.spec.load import load_exercise\n"
             f"grade(load_exercise({SEED!r}), {str(CORPUS / 'wrong_flipped_kernel.py')!r})\n"
             "print('sympy' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr
