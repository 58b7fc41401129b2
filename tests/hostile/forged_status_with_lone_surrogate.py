"""Forges frames on the result pipe whose fields hold lone surrogates and terminal escapes: a
message type and an error text (the old grader crashed printing them).

Nothing scores; the run is a protocol error with a readable report.
"""
import os
import struct

for header in (b'{"type": "\\ud800\\u001b[2J"}', b'{"type": "import-error", "error": "\\udcff\\u001b]0;x\\u0007"}'):
    for fd in range(3, 20):
        try:
            os.write(fd, struct.pack(">I", len(header)) + header)
        except OSError:
            pass


def grad_X(X, K, dY):
    return X * 0


def grad_K(X, K, dY):
    return K * 0
