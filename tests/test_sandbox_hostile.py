"""The hostile corpus (tests/hostile/, one file per attack, named for what it tries) against the
real sandbox and the real CLI, in both namespace modes: "auto" (root here) and "user" (the
unprivileged user-namespace path, forced with GRADER_SANDBOX_NAMESPACES=user).

Every attack must: score 0 (an attack that cheats scores only if it got through), end with
exit 1 and a report (never 2, never a traceback), leave nothing behind (no process, no System
V IPC object, no file outside its workdir: checked in /proc, /proc/sysvipc and the file
system), keep the grader under 200 MB, and put no control character in any report.

The corpus runs in one grader process per mode (tests/hostile_runner.py calls grader.cli.main
per submission), both modes in parallel, with a short --timeout; only killing the grader needs
processes of its own.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ipc_keys as _ipc_keys, processes_with
from grader.render.text import render_text
from grader.report import Report
from grader.safetext import is_clean
from grader.sandbox.runner import CHILD_SCRIPT

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "hostile"
CHECKOUT = HERE.parent
SEED = "conv2d-3x3-k2x1"
MODES = ("auto", "user")
MAX_PEAK_MIB = 200
TIMEOUT = "3"
NON_UTF8_NAME = b"caf\xe9-\xff.py"


@dataclass(frozen=True)
class Attack:
    needs: tuple[str, ...] = ()  # layers without which the cheat may work (then: skip, with the reason)
    runs: int = 1  # graded this many times in a row (one run passing notes to the next)
    in_report: tuple[str, ...] = ()  # must appear in the JSON report
    not_in_report: tuple[str, ...] = ()


PROTOCOL = ("could not read",)
ATTACKS = {
    "reads_bundled_example_solution": Attack(needs=("allowlist-root",)),
    "reads_answers_from_git_objects": Attack(needs=("allowlist-root",)),
    "searches_filesystem_for_solutions": Attack(needs=("allowlist-root",)),
    "symlink_to_example_solution": Attack(in_report=("symbolic link",), not_in_report=("def grad_X",)),
    "yaml_symlink_to_etc_shadow": Attack(in_report=("symbolic link",), not_in_report=("root:",)),
    "setsid_daemon_and_forged_frame": Attack(needs=("pidns",), in_report=PROTOCOL),
    "leaves_sysv_shared_memory": Attack(needs=("ipcns",)),
    "reads_note_left_by_earlier_run": Attack(needs=("ipcns",), runs=2),
    "lone_surrogate_in_exception": Attack(in_report=("bad \ufffd value \ufffd",)),
    "forged_status_with_lone_surrogate": Attack(in_report=PROTOCOL),
    "forged_header_nbytes_infinity": Attack(in_report=PROTOCOL),
    "forged_shape_huge_with_zero": Attack(in_report=PROTOCOL),
    "forged_shape_with_bool": Attack(in_report=PROTOCOL),
    "non_utf8_file_name": Attack(in_report=("caf\ufffd-\ufffd.py",)),
    "floods_junk_frames": Attack(in_report=PROTOCOL),
    "floods_tiny_frames": Attack(in_report=PROTOCOL),
    "removes_import_guard_then_imports_sympy": Attack(needs=("allowlist-root",)),
    "ansi_osc_injection": Attack(in_report=("score: 10 / 10",)),  # as plain text, harmless
    "huge_syntax_error_message": Attack(in_report=("SyntaxError",)),
    "connects_to_host_unix_socket": Attack(needs=("allowlist-root",)),
    "flocks_host_file": Attack(needs=("allowlist-root",)),
    "fills_workdir_with_500k_files": Attack(needs=("allowlist-root",)),
}
KILLED_GRADER = "outlives_killed_grader"  # needs a grader of its own to kill: see the last test


def test_every_attack_in_the_corpus_is_run():
    assert sorted(p.name.split(".")[0] for p in CORPUS.iterdir()) == sorted([*ATTACKS, KILLED_GRADER])


# --- setting the corpus up and running it ---------------------------------------------------------

@dataclass
class Prepared:
    name: str
    mode: str
    folder: Path
    submission: Path
    marker: str
    key: int
    listener: socket.socket | None = None


def _prepare(root: Path, mode: str, name: str) -> Prepared:
    folder = root / mode / name
    (folder / "tmp").mkdir(parents=True)
    source = next(CORPUS.glob(f"{name}.*"))
    prepared = Prepared(name, mode, folder, folder / source.name, f"backprop-hostile-{uuid.uuid4().hex}",
                        random.SystemRandom().randrange(1 << 24, 1 << 30))
    text = source.read_text()
    fill = {"CHECKOUT": CHECKOUT, "SITE": Path(sys.modules["grader"].__file__).parent.parent,
            "MARKER": prepared.marker, "KEY": prepared.key, "SOCKET": folder / "socket", "TARGET": folder / "target"}
    for key, value in fill.items():
        text = text.replace(f"__{key}__", str(value))
    if source.suffix == ".link":  # the link is the attack: "link: NAME -> TARGET"
        link, target = text.strip().splitlines()[-1].removeprefix("link: ").split(" -> ")
        prepared.submission = folder / link
        prepared.submission.symlink_to(target)
        return prepared
    if name == "non_utf8_file_name":
        prepared.submission = Path(os.fsdecode(os.fsencode(folder) + b"/" + NON_UTF8_NAME))
    prepared.submission.write_text(text)
    (folder / "target").write_text("a file of the host's\n")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(folder / "socket"))
    listener.listen(4)
    listener.setblocking(False)
    prepared.listener = listener
    return prepared


def _runs(prepared: list[Prepared]) -> list[dict]:
    runs = []
    for p in prepared:
        for n in range(ATTACKS[p.name].runs):
            args = ["grade", SEED, os.fsdecode(p.submission), "--format", "json", "--timeout", TIMEOUT,
                    "--output", str(p.folder / f"report{n}.json")]
            runs.append({"name": f"{p.name}#{n}", "args": args, "env": {"TMPDIR": str(p.folder / "tmp")}})
    return runs


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Every attack graded in both modes: {(mode, name): (Prepared, [run outcome, ...])}."""
    root = tmp_path_factory.mktemp("hostile")
    prepared = {mode: [_prepare(root, mode, name) for name in ATTACKS] for mode in MODES}
    drivers = {}
    for mode in MODES:  # both at once: each spends most of its time waiting for its sandbox
        env = dict(os.environ, GRADER_SANDBOX_NAMESPACES=mode)
        drivers[mode] = subprocess.Popen([sys.executable, str(HERE / "hostile_runner.py")], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        drivers[mode].stdin.write(json.dumps(_runs(prepared[mode])))
        drivers[mode].stdin.close()
    outcomes = {}
    try:
        for mode, driver in drivers.items():
            out = driver.stdout.read()
            driver.wait(timeout=300)
            assert driver.returncode == 0, driver.stderr.read()
            for line in out.splitlines():
                run = json.loads(line)
                outcomes.setdefault((mode, run["name"].split("#")[0]), []).append(run)
        yield {(p.mode, p.name): (p, outcomes.get((p.mode, p.name), [])) for ps in prepared.values() for p in ps}
    finally:
        for driver in drivers.values():
            if driver.poll() is None:
                driver.kill()
            driver.wait()
            driver.stdout.close()
            driver.stderr.close()
        for ps in prepared.values():
            for p in ps:
                if p.listener is not None:
                    p.listener.close()


# --- what must hold after each attack ---------------------------------------------------------------

def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack(corpus, name, mode):
    attack = ATTACKS[name]
    prepared, runs = corpus[(mode, name)]
    assert len(runs) == attack.runs, "the grader process stopped before this attack"
    for n, run in enumerate(runs):
        assert "Traceback" not in run["stderr"] and "internal error" not in run["stderr"], run["stderr"]
        assert run["code"] == 1, (run["code"], run["stderr"])
        report_path = prepared.folder / f"report{n}.json"
        data = json.loads(report_path.read_text(encoding="utf-8"))
        report = Report.from_dict(data)
        layers = set(report.isolation)
        if report.score != 0:
            missing = [layer for layer in attack.needs if layer not in layers]
            if missing:
                pytest.skip(f"this machine gave the sandbox no {', '.join(missing)}: the attack is not contained")
        assert report.score == 0, data
        if mode == "user" and layers:
            assert "userns" in layers, layers  # the forced path was the one taken
        text = json.dumps(data, ensure_ascii=False)
        for word in attack.in_report:
            assert word in text, (word, data)
        for word in attack.not_in_report:
            assert word not in text, word
        rendered = render_text(report)
        for shown in (*_strings(data), run["stdout"], rendered):
            assert is_clean(shown), repr(shown[:200])
        for string in _strings(data):  # every student-originated string is capped
            assert len(string) <= 2 * 64_000 + 200, len(string)
        assert len(text) < 300_000
        assert run["peak_kib"] < MAX_PEAK_MIB * 1024, f"the grader peaked at {run['peak_kib'] // 1024} MiB"
    _assert_nothing_left(prepared, attack)


def _assert_nothing_left(prepared: Prepared, attack: Attack) -> None:
    assert not processes_with(prepared.marker), "a process the submission started outlived the grade"
    assert not {prepared.key + i for i in range(16)} & _ipc_keys(), "a System V IPC object outlived the grade"
    assert not any((prepared.folder / "tmp").iterdir()), "the grade left files in the temporary directory"
    expected = {prepared.submission.name, "tmp", *(f"report{n}.json" for n in range(attack.runs))}
    if prepared.listener is not None:
        with pytest.raises(BlockingIOError):
            prepared.listener.accept()
        expected |= {"socket", "target"}
        assert (prepared.folder / "target").read_text() == "a file of the host's\n"
    assert {os.fsdecode(p) for p in os.listdir(prepared.folder)} == expected


# --- killing the grader ------------------------------------------------------------------------------

def _children_of_ours() -> set[int]:
    return set(processes_with(CHILD_SCRIPT))


@pytest.mark.parametrize("mode, sig", [("auto", signal.SIGKILL), ("user", signal.SIGTERM)])
def test_killing_the_grader_kills_everything_it_started(tmp_path, mode, sig):
    marker = f"backprop-hostile-{uuid.uuid4().hex}"
    source = tmp_path / f"{KILLED_GRADER}.py"
    source.write_text((CORPUS / f"{KILLED_GRADER}.py").read_text().replace("__MARKER__", marker))
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    before = _children_of_ours()
    env = dict(os.environ, GRADER_SANDBOX_NAMESPACES=mode, TMPDIR=str(tmpdir))
    grader = subprocess.Popen([sys.executable, "-m", "grader", "grade", SEED, str(source), "--timeout", "100"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 60
        while not processes_with(marker) and time.monotonic() < deadline and grader.poll() is None:
            time.sleep(0.05)
        assert processes_with(marker), "the submission's sleeper never started"
        started = _children_of_ours() - before
        os.kill(grader.pid, sig)
        grader.wait(timeout=60)
        deadline = time.monotonic() + 30  # the kernel's work, not ours: a generous margin
        while (processes_with(marker) or started & _children_of_ours()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not processes_with(marker), "the setsid() sleeper outlived the grader"
        assert not started & _children_of_ours(), "the sandbox's own processes outlived the grader"
        assert not any(tmpdir.iterdir()), "the killed grader left a directory behind"
    finally:
        if grader.poll() is None:
            grader.kill()
            grader.wait()
        for pid in processes_with(marker):  # only if the test failed: do not leave them on a shared machine
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(tmp_path, ignore_errors=True)
