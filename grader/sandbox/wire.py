"""Read what the sandboxed child sends back without trusting a byte of it.

The student's code can write anything to its result pipe, so every frame is checked before
use: the length, then the header (a JSON object; no NaN or Infinity; every field of the
expected type and range), then the payload against the header. Reading never raises: anything
out of place becomes the run's `protocol-error`, and the grader stops reading. A run also has a
budget of frames and bytes, proportional to the results it asked for, so a flood of frames
cannot grow the grader's memory. Strings that reach a result are made safe with
`safetext.clean` here, where they enter the grader.
"""
from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..safetext import clean

MAX_HEADER_BYTES = 1 << 16  # a header is a type, dtype, shape and at most an error line
MAX_DIMS = 32  # numpy's own limit on dimensions
MAX_LINE = 10**7  # a line number no hand-written file reaches
_DTYPE = re.compile(r"[<>|=]?[biufc]\d{1,2}")  # numeric dtypes the child may send bytes for
_MODULE = re.compile(r"[A-Za-z_]\w{0,99}(\.[A-Za-z_]\w{0,99}){0,20}")
_LAYER = re.compile(r"[a-z][a-z-]{0,29}")


@dataclass(frozen=True)
class Budget:
    """What a run may send on one pipe: frames and bytes (lengths, headers and payloads)."""

    frames: int
    bytes: int

    @classmethod
    def for_results(cls, calls: int, max_elements: int) -> "Budget":
        """Enough for a ready, an import, a forbidden-import and a done message, and one result
        per call of at most max_elements of the widest dtype (complex128), each with a header."""
        frames = calls + 8
        return cls(frames, frames * (4 + MAX_HEADER_BYTES) + calls * 16 * max_elements)


class Output:
    """The first `limit` bytes of a stream; the rest is counted and dropped."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.dropped = 0

    def feed(self, data: bytes) -> None:
        room = max(self.limit - len(self.kept), 0)
        self.kept += data[:room]
        self.dropped += max(len(data) - room, 0)

    def text(self) -> str:
        text = clean(bytes(self.kept), limit=None)
        return text + f"\n[... {self.dropped} bytes truncated]" if self.dropped else text


class FrameReader:
    """Splits a pipe's bytes into (header, payload) messages; stops at the first malformed one,
    or when the budget is spent, and then drops everything that follows."""

    def __init__(self, max_payload: int, budget: Budget) -> None:
        self.max_payload = max_payload
        self.budget = budget
        self.buffer = bytearray()
        self.messages: list[tuple[dict, bytes]] = []
        self.error: str | None = None
        self.part = "length"  # then "header", then "payload"
        self.need = 4
        self.header: dict = {}
        self.spent = 0

    def feed(self, data: bytes) -> None:
        if self.error:
            return
        self.spent += len(data)
        if self.spent > self.budget.bytes:
            self._fail(f"more than {self.budget.bytes} bytes")
            return
        self.buffer += data
        while len(self.buffer) >= self.need and not self.error:
            chunk = bytes(self.buffer[:self.need])
            del self.buffer[:self.need]
            if self.part == "length":
                (self.need,) = struct.unpack(">I", chunk)
                self.part = "header"
                if not 2 <= self.need <= MAX_HEADER_BYTES:
                    self._fail(f"a header of {self.need} bytes")
            elif self.part == "header":
                self._header(chunk)
            else:
                self._emit(chunk)

    def _header(self, chunk: bytes) -> None:
        header = _json_object(chunk)
        nbytes = header.get("nbytes", 0) if header is not None else None
        if header is None or type(nbytes) is not int or not 0 <= nbytes <= self.max_payload:
            self._fail("a malformed header")
            return
        self.header, self.part, self.need = header, "payload", nbytes
        if nbytes == 0:
            self._emit(b"")

    def _emit(self, payload: bytes) -> None:
        if len(self.messages) >= self.budget.frames:
            self._fail(f"more than {self.budget.frames} messages")
            return
        self.messages.append((self.header, payload))
        self.part, self.need = "length", 4

    def _fail(self, what: str) -> None:
        self.error = what
        self.buffer.clear()


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number the child sends")


def _json_object(raw: bytes) -> dict | None:
    """The header as a dict, or None if it is not a JSON object of finite values."""
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, TypeError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    return value if isinstance(value, dict) else None


@dataclass(frozen=True)
class CallOutcome:
    """One call's result as read from the wire: a value or an error, never both."""

    value: np.ndarray | None
    error: str | None
    line: int | None = None


class ResultReader:
    """Interprets the child's messages in order; anything out of place is a protocol error."""

    def __init__(self, functions: Sequence[str], max_elements: int) -> None:
        self.functions = functions
        self.max_elements = max_elements
        self.results: list[tuple[str, CallOutcome]] = []
        self.isolation: tuple[str, ...] | None = None
        self.setup_error: str | None = None
        self.forbidden: str | None = None
        self.import_error: str | None = None
        self.imported = self.done = self.memory = False
        self.protocol: str | None = None

    def read_all(self, messages: Sequence[tuple[dict, bytes]]) -> None:
        for header, payload in messages:
            self.read(header, payload)

    def read(self, header: dict, payload: bytes) -> None:
        if self.protocol or self.done or self.setup_error:
            self.protocol = self.protocol or "a message after the end"
            return
        kind = header.get("type")
        if self.isolation is None:
            self._first(kind, header)
        elif kind == "forbidden" and isinstance(header.get("name"), str) and _MODULE.fullmatch(header["name"]):
            self.forbidden = self.forbidden or header["name"]
        elif kind == "import-error" and not self.imported and self.import_error is None:
            self.import_error = _error_text(header.get("error"))
            self.memory = self.memory or header.get("memory") is True
        elif kind == "imported" and not self.imported and self.import_error is None:
            self.imported = True
        elif kind == "result" and self.imported:
            self._result(header, payload)
        elif kind == "done" and self.imported:
            self.done = True
        else:
            self.protocol = f"an unexpected {clean(str(kind), limit=40)!r} message"

    def _first(self, kind, header: dict) -> None:
        """The runner's first word, before any student code: ready (with its layers) or why not."""
        layers = header.get("isolation")
        if kind == "setup-error":
            self.setup_error = _error_text(header.get("error"))
        elif kind == "ready" and isinstance(layers, list) and \
                all(isinstance(x, str) and _LAYER.fullmatch(x) for x in layers):
            self.isolation = tuple(layers)
        else:
            self.protocol = "no ready message"

    def _result(self, header: dict, payload: bytes) -> None:
        index = len(self.results)
        if index >= len(self.functions) or header.get("index") != index or \
                header.get("function") != self.functions[index]:
            self.protocol = "a result out of order"
            return
        self.memory = self.memory or header.get("memory") is True
        if "error" in header:
            line = header.get("line")
            line = line if type(line) is int and 0 < line <= MAX_LINE else None
            self.results.append((self.functions[index], CallOutcome(None, _error_text(header["error"]), line)))
            return
        value, error = decode_array(header, payload, self.max_elements)
        if error is None and value is None:
            self.protocol = "a malformed array"
            return
        self.results.append((self.functions[index], CallOutcome(value, error)))


def _error_text(value) -> str:
    return clean(value) if isinstance(value, str) else "<no message>"


def decode_array(header: dict, payload: bytes, max_elements: int) -> tuple[np.ndarray | None, str | None]:
    """(float64 array, None) or (None, what is wrong with the returned value); (None, None) if
    the header or payload is malformed. Checks every field before numpy sees it."""
    returned = clean(str(header.get("returned", "value")), limit=100)
    if returned == "None":
        return None, "returned None, expected an array"
    dtype_text, shape = header.get("dtype"), header.get("shape")
    if not isinstance(dtype_text, str) or not isinstance(shape, list) or len(shape) > MAX_DIMS or \
            not all(type(n) is int and 0 <= n <= max_elements for n in shape):
        return None, None
    count = 1
    for n in shape:
        count = min(count * n, max_elements + 1)  # stays small even for [10**7] * 32
    if count > max_elements:
        return None, f"returned more values than the {max_elements} allowed"
    if not _DTYPE.fullmatch(dtype_text):
        if returned == "ndarray":
            return None, f"returned an array of dtype {clean(dtype_text, limit=40)}, expected real numbers"
        if returned in ("list", "tuple"):
            return None, f"returned a {returned} that is not all numbers, expected an array of real numbers"
        return None, f"returned a {returned}, expected an array"
    try:
        dtype = np.dtype(dtype_text)
    except TypeError:
        return None, None
    if dtype.kind == "c":
        return None, f"returned complex numbers ({dtype.name}), expected real numbers"
    if len(payload) != count * dtype.itemsize:
        return None, None
    with np.errstate(all="ignore"):  # a uint64 or float128 beyond float64 becomes inf, silently: the
        # comparison then says the value is not right (or not finite); numpy's warning would
        # reach the grader's own stderr
        return np.frombuffer(payload, dtype=dtype).reshape(shape).astype(np.float64), None
