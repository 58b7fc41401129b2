"""Forges a result frame whose header says "nbytes": Infinity (the old grader crashed on
int(Infinity): exit 2, no report).

Nothing scores; the run is a protocol error.
"""
import os
import struct

header = b'{"type": "result", "index": 0, "function": "grad_X", "nbytes": Infinity}'
for fd in range(3, 20):
    try:
        os.write(fd, struct.pack(">I", len(header)) + header)
    except OSError:
        pass


def grad_X(X, K, dY):
    return X * 0


def grad_K(X, K, dY):
    return K * 0
