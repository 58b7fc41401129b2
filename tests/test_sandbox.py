"""The sandbox, against real child processes: each hostile case states what must NOT happen.

Submissions live in tests/sandbox_cases/; placeholders such as __MARKER__ or __PORT__ are filled
in per test (the child's environment is cleared, so paths and ports travel in the source).
Tests that need a kernel feature skip, with the reason, when the run shows the layer missing.
"""
import importlib.util
import os
import socket
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

import grader.sandbox.runner
from conftest import processes_with
from grader.sandbox.runner import Call, CallResult, SandboxLimits, run_functions

CASES = Path(__file__).parent / "sandbox_cases"
# The CPU limit stops runaway code; the wall limit is one that code that ends on its own never
# reaches even on a busy machine (the tests of the wall limit set their own).
LIMITS = SandboxLimits(wall_seconds=120.0, cpu_seconds=4, memory_mb=512, max_processes=8)

RNG = np.random.default_rng(0)
X, K = RNG.standard_normal((3, 2)), RNG.standard_normal((2, 4))
DY = RNG.standard_normal((3, 4))
ARGS = (X, K, DY)


def _case(tmp_path: Path, name: str, **fill) -> Path:
    """A copy of a case file with its __PLACEHOLDERS__ filled in."""
    text = (CASES / f"{name}.py").read_text()
    for key, value in fill.items():
        text = text.replace(f"__{key}__", str(value))
    folder = tmp_path / "submitted"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text(text)
    return path


def _run(path, names=("grad_X",), args=ARGS, limits=LIMITS, **kwargs):
    return run_functions(path, [Call(name, args) for name in names], limits, **kwargs)


def _needs(result, layer: str) -> None:
    if layer not in result.isolation:
        pytest.skip(f"this kernel or user gave the sandbox no {layer} (layers: {', '.join(result.isolation)})")


# --- well-behaved and ordinary mistakes --------------------------------------------------------

def test_correct_functions_return_the_right_arrays():
    result = _run(CASES / "correct.py", names=("grad_X", "grad_K"))
    assert result.status == "ok", result.message
    assert [r.function for r in result.results] == ["grad_X", "grad_K"]
    np.testing.assert_allclose(result.results[0].value, DY @ K.T, rtol=1e-12)
    np.testing.assert_allclose(result.results[1].value, X.T @ DY, rtol=1e-12)
    assert result.results[0].value.dtype == np.float64
    assert {"clean-env", "rlimits"} <= set(result.isolation)


def test_isolation_layers_where_the_kernel_allows_them():
    result = _run(CASES / "correct.py")
    layers = set(result.isolation)
    assert {"clean-env", "process-group", "workdir", "rlimits"} <= layers
    if "mountns" in layers:  # a mount namespace is only ever used for the allowlist root
        assert "allowlist-root" in layers
    if "userns" in layers:  # root inside our user namespace: every capability given up
        assert "caps-drop" in layers and "uid-drop" not in layers
    elif os.geteuid() == 0:
        assert "uid-drop" in layers
    for layer in ("mountns", "allowlist-root", "pidns", "netns", "ipcns", "utsns", "cgroupns", "proc"):
        _needs(result, layer)


def test_the_allowlist_root_holds_what_the_standard_library_and_numpy_load():
    result = _run(CASES / "imports_every_stdlib_extension.py", names=("counts",), args=())
    _needs(result, "allowlist-root")
    assert result.status == "ok", result.message
    modules, failed = result.results[0].value
    assert modules > 0 and failed == 0, result.stdout


def test_exception_reports_type_message_and_student_line():
    result = _run(CASES / "exception_line.py", names=("grad_X", "grad_K"))
    assert result.status == "ok"
    failed, passed = result.results
    assert failed.value is None and failed.line == 5
    assert failed.error == "ZeroDivisionError: integer division or modulo by zero (submission.py, line 5, in helper)"
    np.testing.assert_allclose(passed.value, X.T @ DY)  # one call's exception does not stop the next
    assert "sandbox" not in failed.error and "Traceback" not in result.stderr  # never the grader's frames


def test_syntax_error_is_an_import_error_with_its_line():
    result = _run(CASES / "syntax_error.py")
    assert result.status == "import-error"
    assert "SyntaxError" in result.message and "line 3" in result.message
    assert result.results == ()


def test_missing_function_and_wrong_arity_are_per_call_errors():
    result = _run(CASES / "correct.py", names=("grad_Q", "grad_X"), args=(X,))
    assert result.status == "ok"
    assert result.results[0].error == "grad_Q is not defined"
    assert result.results[1].error.startswith("TypeError: grad_X() missing 2 required positional arguments")


def test_return_values_are_validated_by_the_grader():
    names = ("returns_str", "returns_none", "returns_complex", "returns_objects", "returns_ragged",
             "returns_ints", "returns_bools", "returns_flat", "returns_float32", "returns_nested_lists",
             "mutates_input", "mutates_input")
    a = np.array([[1.5, -2.0], [0.0, 3.0]])
    result = _run(CASES / "wrong_returns.py", names=names, args=(a,))
    assert result.status == "ok"
    got = {r.function: r for r in result.results}
    assert got["returns_str"].error == "returned a str, expected an array"
    assert got["returns_none"].error == "returned None, expected an array"
    assert "complex" in got["returns_complex"].error
    assert got["returns_objects"].error == "returned a list that is not all numbers, expected an array of real numbers"
    assert "cannot turn into an array" in got["returns_ragged"].error
    assert got["returns_ints"].value.dtype == np.float64
    np.testing.assert_array_equal(got["returns_ints"].value, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(got["returns_bools"].value, [[1, 0], [0, 1]])
    assert got["returns_flat"].value.shape == (4,)  # shape kept, so the grader can say "expected (2, 2)"
    assert got["returns_float32"].value.dtype == np.float64
    np.testing.assert_array_equal(got["returns_nested_lists"].value, a)
    first, second = result.results[-2:]
    np.testing.assert_array_equal(first.value, -np.ones((2, 2)))
    np.testing.assert_array_equal(second.value, -np.ones((2, 2)))
    np.testing.assert_array_equal(a, [[1.5, -2.0], [0.0, 3.0]])  # the grader's array is untouched


def test_same_behaviour_same_result():
    runs = [_run(CASES / "exception_line.py", names=("grad_X", "grad_K")) for _ in range(2)]
    for one, two in zip(*(r.results for r in runs)):
        assert (one.function, one.error, one.line) == (two.function, two.error, two.line)
        assert (one.value is None and two.value is None) or np.array_equal(one.value, two.value)
    assert (runs[0].status, runs[0].message, runs[0].stdout) == (runs[1].status, runs[1].message, runs[1].stdout)
    assert runs[0].isolation == runs[1].isolation


# --- exits and crashes --------------------------------------------------------------------------

def test_sys_exit_at_import_returns_no_results():
    result = _run(CASES / "sys_exit_at_import.py")
    assert result.status == "import-error"
    assert result.message == "could not be imported: it called sys.exit(0) (submission.py, line 4)"
    assert result.results == ()
    assert result.stdout == "leaving early\n"


def test_os_exit_at_import_is_a_crash_not_a_success():
    result = _run(CASES / "os_exit_at_import.py")
    assert result.status == "crashed"
    assert result.message == "exited with status 0 while being imported"
    assert result.results == ()


def test_exits_inside_calls():
    names = ("grad_K", "calls_sys_exit", "grad_K", "calls_os_exit", "grad_K")
    result = _run(CASES / "exits_in_calls.py", names=names)
    assert result.status == "crashed"
    assert result.message == "exited with status 0 while running calls_os_exit (call 4 of 5); 3 of 5 calls returned"
    assert len(result.results) == 3  # nothing invented for the calls that never returned
    assert result.results[1].error == "it called sys.exit(3) (submission.py, line 10, in calls_sys_exit)"
    np.testing.assert_allclose(result.results[2].value, X.T @ DY)


def test_forged_result_frames_are_a_protocol_error_not_an_exception():
    result = _run(CASES / "forges_results.py")
    assert result.status == "protocol-error"
    assert all(r.value is None or np.array_equal(r.value, X) for r in result.results)


# --- resource abuse -----------------------------------------------------------------------------

def test_infinite_loop_times_out_on_the_wall_clock():
    limits = SandboxLimits(wall_seconds=2.0, cpu_seconds=10)
    start = time.monotonic()
    result = _run(CASES / "infinite_loop.py", names=("grad_K", "grad_X", "grad_K"), limits=limits)
    took = time.monotonic() - start
    assert took < limits.wall_seconds + 30, took  # the behaviour under test is a timeout: generous margin
    assert result.status == "timeout"
    assert result.message == "timed out after 2.0 s (wall clock)"
    assert len(result.results) == 1  # the call before the loop still counts


def test_cpu_limit_stops_a_busy_loop_before_the_wall_clock():
    # A wall limit no busy machine reaches first: on a loaded machine the loop gets a small share
    # of a core, and one second of CPU can take many seconds of wall clock.
    limits = SandboxLimits(wall_seconds=300.0, cpu_seconds=1)
    result = _run(CASES / "infinite_loop.py", names=("grad_X",), limits=limits)
    assert result.status == "timeout"
    assert result.message == "used more than 1 s of CPU time"


def test_fork_bomb_leaves_no_process_behind(tmp_path):
    marker = f"sandbox-fork-{uuid.uuid4().hex}"
    result = _run(_case(tmp_path, "fork_bomb", MARKER=marker), names=("grad_X", "marked_processes"))
    _needs(result, "pidns")
    assert result.status == "ok", result.message
    np.testing.assert_allclose(result.results[0].value, DY @ K.T)
    started = result.results[1].value[0]
    assert started >= 1, started  # the bomb went off
    if not ("userns" in result.isolation and os.geteuid() == 0):  # the kernel exempts the root user
        assert started < LIMITS.max_processes, started  # and RLIMIT_NPROC capped it
    assert not processes_with(marker), "a process the submission started outlived the sandbox"


def test_a_fork_bomb_does_not_use_up_a_neighbours_processes(tmp_path):
    # RLIMIT_NPROC counts per uid across the machine; each run has its own uid, so a bomb graded
    # beside another submission (grader batch runs several at once) cannot starve it.
    import threading

    first, second = (f"sandbox-fork-{uuid.uuid4().hex}" for _ in range(2))
    holding = {}
    thread = threading.Thread(target=lambda: holding.update(result=_run(
        _case(tmp_path / "a", "fork_bomb", MARKER=first), names=("marked_processes", "hold"))))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    thread.start()
    try:
        for _ in range(200):  # until the first bomb holds its processes
            if len(processes_with(first)) >= 3:
                break
            time.sleep(0.05)
        result = _run(_case(tmp_path / "b", "fork_bomb", MARKER=second), names=("grad_X", "marked_processes"))
    finally:
        thread.join()
    _needs(result, "pidns")
    if "userns" in result.isolation and os.geteuid() == 0:
        pytest.skip("the kernel exempts the root user from RLIMIT_NPROC: nothing to share")
    assert holding["result"].results[0].value[0] >= 3  # the first bomb went off and was holding
    assert result.status == "ok", result.message
    assert result.results[1].value[0] >= 3, result.results[1].value  # the second one could fork too
    assert not processes_with(first) and not processes_with(second)


def test_memory_bomb_is_reported_as_memory():
    result = _run(CASES / "memory_bomb.py", names=("grad_K", "grad_X"))
    assert result.status == "memory"
    assert result.message == "ran out of memory (limit 512 MB)"
    assert result.results[0].value is not None
    assert result.results[1].error.startswith("MemoryError")


def test_huge_output_is_truncated_and_drained():
    limits = SandboxLimits(wall_seconds=20.0, output_bytes=10_000)
    result = _run(CASES / "huge_output.py", limits=limits)
    assert result.status == "ok", result.message
    np.testing.assert_allclose(result.results[0].value, DY @ K.T)
    marker = f"\n[... {100 * (1 << 20) - 10_000} bytes truncated]"
    assert result.stdout == "x" * 10_000 + marker
    assert len(result.stderr) <= 10_000 + len(marker) and result.stderr.endswith("bytes truncated]")


# --- output, numpy and imports cannot change results ------------------------------------------

def test_fake_report_on_stdout_changes_nothing():
    result = _run(CASES / "fake_report.py")
    assert result.status == "ok"
    assert len(result.results) == 1
    np.testing.assert_array_equal(result.results[0].value, np.zeros_like(X))
    assert '"score": 10' in result.stdout  # shown to the student as output, never parsed


def test_monkeypatched_numpy_changes_nothing():
    result = _run(CASES / "monkeypatch_numpy.py")
    assert result.status == "ok"
    value = result.results[0].value
    assert value.shape == X.shape and not value.any()  # what was returned, not np.ones((2, 2))


@pytest.mark.parametrize("name, package", [("import_grader", "grader"), ("import_reference", "reference")])
def test_grader_and_reference_cannot_be_imported(name, package):
    result = _run(CASES / f"{name}.py")
    assert result.status == "forbidden-import"
    assert result.forbidden_import == package
    assert package in result.message
    assert result.results == ()


def test_grader_files_stay_out_of_reach_without_the_import_guard(tmp_path):
    reference_file = importlib.util.find_spec("reference").origin
    path = _case(tmp_path, "reach_grader_files", GRADER_FILE=grader.sandbox.runner.__file__, REFERENCE_FILE=reference_file)
    result = _run(path, names=("grad_X", "reached"), args=ARGS)
    _needs(result, "mountns")
    assert result.results[0].value is not None, result.results
    assert not result.results[0].value.any(), "the submission imported or read the grader's own code"


def test_forbidden_import_is_named():
    result = _run(CASES / "forbidden_torch.py", forbidden_imports=("torch",))
    assert result.status == "forbidden-import"
    assert result.forbidden_import == "torch"
    assert result.message == "imports torch, which this exercise does not allow"


def test_forbidden_import_of_a_module_the_sandbox_already_loaded(tmp_path):
    path = tmp_path / "uses_json.py"
    path.write_text("import json\n\ndef grad_X(X, K, dY):\n    return X\n")
    result = _run(path, forbidden_imports=("json",))
    assert result.status == "forbidden-import" and result.forbidden_import == "json"


# --- the host stays untouched -------------------------------------------------------------------

def test_writes_outside_the_workdir_do_not_reach_the_host(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    marker = f"sandbox-escape-{uuid.uuid4().hex}"
    path = _case(tmp_path, "write_outside", TARGET=target, MARKER=marker, SOURCE_DIR=tmp_path / "submitted")
    result = _run(path)
    _needs(result, "mountns")
    assert result.status == "ok", result.message
    assert not (target / "escaped.txt").exists()
    for folder in ("/tmp", "/var/tmp", "/dev/shm", tmp_path / "submitted", tmp_path):
        assert not (Path(folder) / marker).exists(), folder
    assert not result.results[0].value.any(), "a write outside the workdir succeeded inside the sandbox"


def test_no_network_connection(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        result = _run(_case(tmp_path, "network", PORT=listener.getsockname()[1]))
        _needs(result, "netns")
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing connected
    assert result.status == "ok"
    assert not result.results[0].value.any()


def test_environment_secrets_are_not_visible(monkeypatch):
    monkeypatch.setenv("BACKPROP_SECRET", "s3cret-value")
    result = _run(CASES / "env_secret.py")
    assert result.status == "ok"
    assert "s3cret" not in result.stdout
    assert not result.results[0].value.any(), "the submission saw the grader's environment"


# --- the API's own contract ---------------------------------------------------------------------

def test_bad_arguments_are_the_graders_bug():
    with pytest.raises(TypeError):
        run_functions(CASES / "correct.py", [Call("not a name", ())])
    with pytest.raises(TypeError):
        run_functions(CASES / "correct.py", [], limits={"wall_seconds": 1})
    with pytest.raises(ValueError):
        run_functions(CASES / "correct.py", [], forbidden_imports=("os; rm",))
    with pytest.raises(OSError):
        run_functions(CASES / "no_such_file.py", [])


def test_results_are_plain_frozen_dataclasses():
    result = _run(CASES / "correct.py")
    assert isinstance(result.results[0], CallResult)
    with pytest.raises(AttributeError):
        result.status = "ok"


def test_a_sandbox_that_cannot_start_is_the_graders_problem_not_a_zero():
    # numpy cannot load in 30 MB of address space: no student code ran, so no verdict on it.
    with pytest.raises(grader.sandbox.runner.SandboxError, match="memory_mb") as raised:
        _run(CASES / "correct.py", limits=SandboxLimits(wall_seconds=4.0, memory_mb=30))
    assert not str(raised.value).startswith("the sandbox could not start")  # the CLI says that, once
