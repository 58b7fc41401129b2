"""Sandboxes forked from a zygote (grader.sandbox.warm_sandboxes): the same layers as a fresh
process, and nothing passes from one submission to the next or outlives the batch."""
import random
import uuid
from pathlib import Path

import numpy as np
import pytest

from conftest import ipc_keys, processes_with
from grader.sandbox.runner import CHILD_SCRIPT, Call, SandboxLimits, run_functions, warm_sandboxes

CASES = Path(__file__).parent / "sandbox_cases"
HOSTILE = Path(__file__).parent / "hostile"
LIMITS = SandboxLimits(wall_seconds=10.0, cpu_seconds=1, memory_mb=512, max_processes=8)
RNG = np.random.default_rng(0)
X, K, DY = RNG.standard_normal((3, 2)), RNG.standard_normal((2, 4)), RNG.standard_normal((3, 4))
ARGS = (X, K, DY)


def _source(tmp_path: Path, path: Path, **fill) -> Path:
    text = path.read_text()
    for key, value in fill.items():
        text = text.replace(f"__{key}__", str(value))
    copy = tmp_path / f"{uuid.uuid4().hex}.py"
    copy.write_text(text)
    return copy


@pytest.fixture
def zygote():
    before = set(processes_with(CHILD_SCRIPT))
    with warm_sandboxes() as layers:
        if not layers:
            pytest.skip("this kernel or user gives no namespaces: runs start a fresh process each")
        yield layers
    assert set(processes_with(CHILD_SCRIPT)) <= before, "the zygote outlived warm_sandboxes()"


def test_a_run_from_the_zygote_has_every_layer_of_a_fresh_sandbox():
    calls = [Call("grad_X", ARGS)]
    fresh = run_functions(CASES / "correct.py", calls, LIMITS)
    with warm_sandboxes() as layers:
        if not layers:
            pytest.skip("this kernel or user gives no namespaces: runs start a fresh process each")
        warm = run_functions(CASES / "correct.py", calls, LIMITS)
    assert warm.status == fresh.status == "ok", (warm.message, warm.stderr)
    np.testing.assert_array_equal(warm.results[0].value, fresh.results[0].value)
    assert warm.isolation == fresh.isolation  # the same layers, in the same order: reports agree


def test_one_submission_sees_nothing_of_another(tmp_path):
    marker = f"zygote-probe-{uuid.uuid4().hex}"
    key = random.SystemRandom().randrange(1 << 24, 1 << 30)
    source = _source(tmp_path, CASES / "zygote_probe.py", MARKER=marker, KEY=key)
    calls = [Call("traces", (X,)), Call("descriptors", (X,))]
    fresh = run_functions(source, calls, LIMITS)
    with warm_sandboxes() as layers:
        if not layers:
            pytest.skip("this kernel or user gives no namespaces: runs start a fresh process each")
        runs = [run_functions(source, calls, LIMITS) for _ in range(3)]
    for run in runs:
        assert run.status == "ok", (run.message, run.stderr)
        assert run.results[0].value.tolist() == [0.0] * 7, "a run found another run's trace"
        # No descriptor of the zygote's (its socket, another run's pipes) reaches the student.
        assert len(run.results[1].value) == len(fresh.results[1].value), (run.results[1].value, fresh.results[1].value)
    assert not processes_with(marker), "a process a submission started outlived its grade"
    assert key not in ipc_keys(), "a System V object outlived its grade"


def test_a_batch_of_hostile_submissions_leaves_nothing_behind(zygote, tmp_path):
    marker = f"zygote-hostile-{uuid.uuid4().hex}"
    key = random.SystemRandom().randrange(1 << 24, 1 << 30)
    fill = {"MARKER": marker, "KEY": key}
    batch = [HOSTILE / "setsid_daemon_and_forged_frame.py", HOSTILE / "leaves_sysv_shared_memory.py",
             HOSTILE / "reads_note_left_by_earlier_run.py", HOSTILE / "reads_note_left_by_earlier_run.py",
             CASES / "fork_bomb.py", CASES / "infinite_loop.py", CASES / "correct.py"]
    results = {}
    for n, path in enumerate(batch):
        results[n] = run_functions(_source(tmp_path, path, **fill), [Call("grad_X", ARGS)], LIMITS)
    assert results[5].status == "timeout", results[5].message  # the CPU limit, well before the wall clock
    for n in (1, 2, 3, 4, 6):
        assert results[n].status == "ok", (batch[n].name, results[n].message)
    # The second note reader found no note: its gradient is the zero of a cheat that failed.
    assert not results[3].results[0].value.any()
    np.testing.assert_allclose(results[6].results[0].value, DY @ K.T)
    assert not processes_with(marker), "a process a submission started outlived its grade"
    assert not {key + i for i in range(16)} & ipc_keys(), "a System V object outlived its grade"
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".py"] * len(batch)
