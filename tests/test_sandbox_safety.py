"""The sandbox's parts that run in the grader, in-process: safe text, refusing links, reading
frames without trusting them, the allowlist, and the reports that carry their results.
"""
from __future__ import annotations

import json
import os
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.cli import cli
from grader.files import RefusedFile, check_regular, read_regular
from grader.pipeline import grade
from grader.report import Check, Report
from grader.safetext import MAX_CHARS, clean, is_clean, strip_controls
from grader.sandbox.runner import NAMESPACES_ENV, SandboxError, isolation_warning, missing_isolation, namespace_mode
from grader.sandbox.root import root_plan
from grader.sandbox.wire import MAX_HEADER_BYTES, Budget, FrameReader, Output, ResultReader, decode_array
from grader.spec.load import load_exercise

ROOT = Path(__file__).resolve().parent.parent
CORRECT = ROOT / "examples" / "conv2d-3x3-k2x1" / "correct.py"


# --- safe text ----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, shown", [
    ("\x1b[2J\x1b[Hscore: 10 / 10", "score: 10 / 10"),  # CSI removed whole, not just its ESC
    ("\x1b]0;pwned\x07title", "title"),  # OSC up to BEL
    ("\x1b]8;;http://x\x1b\\link", "link"),  # OSC up to ST
    ("a\rb\x07c\x00d\x7fe\x9b2Jf", "abcdef"),  # CR, BEL, NUL, DEL, C1 CSI
    ("\u202egnorw\u202c", "gnorw"),  # a BIDI override cannot reorder what follows
    ("\u2068isolated\u2069", "isolated"),  # student text needs no isolates
    ("line 1\n\tline 2", "line 1\n\tline 2"),  # newline and tab stay
    ("bad \ud800 and \udce9", "bad \ufffd and \ufffd"),  # lone surrogates: encodable again
    (b"caf\xe9", "caf\ufffd"),
])
def test_clean_removes_what_no_report_should_carry(raw, shown):
    assert clean(raw) == shown
    clean(raw).encode("utf-8")  # never raises


def test_clean_caps_and_says_how_much():
    text = clean("x" * 60_000)
    assert text.startswith("x" * MAX_CHARS) and text.endswith("[... 59000 more characters]")
    assert clean("x" * 60_000, limit=None) == "x" * 60_000


@given(st.text())
@settings(max_examples=200, deadline=None)
def test_clean_and_strip_always_give_clean_encodable_text(text):
    for result in (clean(text), strip_controls(text)):
        assert is_clean(result)
        result.encode("utf-8")


def test_the_report_net_keeps_our_hebrew_isolates():
    report = Report("ex", "a\x1b[31m.py", "functions", 10, (Check("n\x07", "fail", 0, 1, feedback="\u2068x\u2069\r"),),
                    ("m\x1b]0;t\x07",), "out\x1b[2J")
    assert (report.submission, report.messages, report.student_output) == ("a.py", ("m",), "out")
    assert report.checks[0].name == "n" and report.checks[0].feedback == "\u2068x\u2069"
    assert Report.from_dict(json.loads(json.dumps(report.to_dict()))) == report


def test_isolation_round_trips_through_the_report():
    report = Report("ex", "s.py", "functions", 10, (), isolation=("mountns", "pidns"))
    assert report.to_dict()["isolation"] == ["mountns", "pidns"]
    assert Report.from_dict(report.to_dict()).isolation == ("mountns", "pidns")
    older = {k: v for k, v in report.to_dict().items() if k != "isolation"}  # a report from before the field
    assert Report.from_dict(older).isolation == ()


# --- submission files ---------------------------------------------------------------------------------

def test_links_and_special_files_are_refused_without_being_read(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text("def grad_X(X, K, dY): return X\n")
    link = tmp_path / "link.py"
    link.symlink_to(secret)
    fifo = tmp_path / "fifo.py"
    os.mkfifo(fifo)
    for path, what in ((link, "a symbolic link"), (fifo, "a named pipe"), (tmp_path, "a directory")):
        with pytest.raises(RefusedFile, match=what):
            check_regular(path)
        with pytest.raises(RefusedFile, match=what):
            read_regular(path, 100)
    assert read_regular(secret, 5) == b"def gr"  # limit + 1: the caller can tell it is too large
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "missing.py", 10)


@pytest.mark.parametrize("name", ["link.py", "link.yaml"])
def test_a_linked_submission_is_graded_zero_and_never_quoted(tmp_path, name):
    target = tmp_path / "shadow"
    target.write_text("root:$6$secret-hash:19000:0:99999:7:::\n")
    link = tmp_path / name
    link.symlink_to(CORRECT if name.endswith(".py") else target)
    report = grade(load_exercise("conv2d-3x3-k2x1"), link)
    assert report.score == 0 and report.return_code == 1
    assert all(c.notes == ("refused-file",) for c in report.checks)
    text = json.dumps(report.to_dict())
    assert "symbolic link" in text and "secret-hash" not in text and "def grad_X" not in text


# --- frames ------------------------------------------------------------------------------------------

def _frame(header: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(header)) + header + payload


BUDGET = Budget.for_results(calls=2, max_elements=1024)


@pytest.mark.parametrize("header, error", [
    (b'{"nbytes": Infinity}', "a malformed header"),
    (b'{"nbytes": NaN}', "a malformed header"),
    (b'{"nbytes": 1e400}', "a malformed header"),
    (b'{"nbytes": -1}', "a malformed header"),
    (b'{"nbytes": true}', "a malformed header"),
    (b'{"nbytes": 99999999999}', "a malformed header"),
    (b'[1, 2]', "a malformed header"),
    (b'\xff\xfe', "a malformed header"),
    (b'[' * 5000 + b']' * 5000, "a malformed header"),
])
def test_malformed_headers_are_a_protocol_error(header, error):
    reader = FrameReader(1024, BUDGET)
    reader.feed(_frame(header))
    assert reader.error == error and not reader.messages


def test_a_header_longer_than_allowed_stops_the_reader():
    reader = FrameReader(1024, BUDGET)
    reader.feed(struct.pack(">I", MAX_HEADER_BYTES + 1))
    assert reader.error.startswith("a header of")


def test_the_budget_bounds_frames_and_bytes():
    reader = FrameReader(1024, Budget(frames=3, bytes=10_000))
    reader.feed(_frame(b"{}") * 3)
    assert reader.error is None and len(reader.messages) == 3
    reader.feed(_frame(b"{}"))
    assert reader.error == "more than 3 messages"
    flood = FrameReader(1 << 20, Budget(frames=100, bytes=10_000))
    flood.feed(_frame(b'{"nbytes": 8000}', bytes(8000)))
    flood.feed(_frame(b'{"nbytes": 8000}', bytes(8000)))
    assert flood.error == "more than 10000 bytes" and len(flood.messages) == 1 and not flood.buffer


@given(st.binary(max_size=2000), st.integers(1, 64))
@settings(max_examples=200, deadline=None)
def test_reading_never_raises_on_any_bytes(data, step):
    reader = FrameReader(1024, BUDGET)
    for at in range(0, len(data), step):
        reader.feed(data[at:at + step])
    results = ResultReader(["grad_X", "grad_K"], 1024)
    results.read_all(reader.messages)


@pytest.mark.parametrize("shape", [[10**20, 0], [True, 1], [1.5], [-1], ["3"], [2] * 40, [1025]])
def test_impossible_shapes_are_malformed_not_a_crash(shape):
    assert decode_array({"dtype": "<f8", "shape": shape, "returned": "ndarray"}, b"", 1024) == (None, None)


def test_a_well_formed_result_decodes_to_float64():
    value, error = decode_array({"dtype": "<i4", "shape": [2, 2]}, np.arange(4, dtype="<i4").tobytes(), 1024)
    assert error is None and value.dtype == np.float64 and value.tolist() == [[0, 1], [2, 3]]
    assert decode_array({"dtype": "<f8", "shape": [2]}, bytes(8), 1024) == (None, None)  # nbytes disagree


def test_student_strings_from_the_wire_are_cleaned():
    results = ResultReader(["grad_X"], 1024)
    results.read_all([({"type": "ready", "isolation": ["pidns"]}, b""), ({"type": "imported"}, b""),
                      ({"type": "result", "index": 0, "function": "grad_X", "error": "\ud800\x1b[2J" + "x" * 5000,
                        "line": True}, b"")])
    (_, outcome), = results.results
    assert outcome.error.startswith("\ufffdx") and len(outcome.error) < 1100 and outcome.line is None
    bad = ResultReader(["grad_X"], 1024)
    bad.read_all([({"type": "ready", "isolation": ["pidns"]}, b""), ({"type": "\ud800\x1b]0;x\x07"}, b"")])
    assert bad.protocol == "an unexpected '\ufffd' message"
    out = Output(4)
    out.feed(b"\x1b[2Jab\xffcdef")
    assert out.text() == "\n[... 7 bytes truncated]"  # the kept CSI goes whole


# --- the allowlist -------------------------------------------------------------------------------------

def test_the_allowlist_holds_the_interpreter_numpy_and_their_libraries_only():
    plan = root_plan()
    numpy_dir = os.path.realpath(os.path.dirname(np.__file__))
    assert numpy_dir in plan.binds and os.path.realpath(sys.executable) in plan.binds
    for path in plan.binds:
        assert os.path.realpath(path) == path  # no link on the way: links are recreated as links
        if "site-packages" in path or "dist-packages" in path:  # numpy and its bundled libraries only
            assert path == numpy_dir or os.path.basename(os.path.dirname(path)).startswith("numpy"), path
    grader_dir = os.path.realpath(os.path.dirname(sys.modules["grader"].__file__))
    checkout, environment = str(ROOT), os.path.realpath(sys.prefix)
    for path in plan.binds:
        assert not (grader_dir + "/").startswith(path + "/"), f"{path} would show the grader"
        assert not path.startswith(checkout + "/") or path.startswith(environment + "/"), path


# --- modes and warnings --------------------------------------------------------------------------------

def test_namespace_mode_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(NAMESPACES_ENV, raising=False)
    assert namespace_mode() == "auto"
    monkeypatch.setenv(NAMESPACES_ENV, "USER")
    assert namespace_mode() == "user"
    monkeypatch.setenv(NAMESPACES_ENV, "sideways")
    with pytest.raises(SandboxError, match=NAMESPACES_ENV):
        namespace_mode()


def test_missing_layers_give_one_warning_line():
    whole = ("mountns", "allowlist-root", "pidns", "netns", "ipcns", "uid-drop")
    assert missing_isolation(whole) == () and isolation_warning(whole) is None
    warning = isolation_warning(("rlimits",))
    assert "mountns" in warning and "\n" not in warning


def test_without_namespaces_the_report_and_stderr_say_so(monkeypatch, tmp_path):
    monkeypatch.setenv(NAMESPACES_ENV, "none")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    result = CliRunner().invoke(cli, ["grade", "conv2d-3x3-k2x1", str(CORRECT), "--format", "json"])
    assert result.exit_code == 0, (result.output, result.stderr)
    report = json.loads(result.stdout)
    assert report["score"] == 10 and "mountns" not in report["isolation"] and "rlimits" in report["isolation"]
    assert any("without" in m and "mountns" in m for m in report["messages"])
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("warning: the sandbox ran without mountns")
    assert not any(tmp_path.iterdir()), "the fallback workdir was left behind"
