"""Starts a double-forked, setsid() daemon, then writes a forged frame on every descriptor that
might be the result pipe (one that crashed the old grader), hoping the grader dies before it
can clean up and the daemon lives on.

Nothing scores; the daemon must be gone when the grader returns.
"""
import json
import os
import struct
import sys

MARKER = "__MARKER__"

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(120)", MARKER])
    os._exit(0)
header = b'{"type": "result", "index": 0, "function": "grad_X", "dtype": "<f8", "shape": [1e400], "nbytes": 1e400}'
for fd in range(3, 20):
    try:
        os.write(fd, struct.pack(">I", len(header)) + header)
    except OSError:
        pass


def grad_X(X, K, dY):
    return X * 0


def grad_K(X, K, dY):
    return K * 0
