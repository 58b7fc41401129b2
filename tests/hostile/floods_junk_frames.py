"""Floods the result pipe with well-formed frames carrying large payloads, as fast as it can,
until it is stopped (the old grader kept them all: 1.4 GB after 10 s).

Nothing scores; the grader stops reading past its budget and stays small.
"""
import os
import struct
import sys

RESULT_FD = int(sys.argv[2])
PAYLOAD = bytes(1 << 20)
HEADER = b'{"type": "junk", "nbytes": %d}' % len(PAYLOAD)
FRAME = struct.pack(">I", len(HEADER)) + HEADER + PAYLOAD


def grad_X(X, K, dY):
    for _ in range(10_000):
        os.write(RESULT_FD, FRAME)
    return X * 0


def grad_K(X, K, dY):
    return K * 0
