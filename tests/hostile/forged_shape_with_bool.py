"""Forges, in place of grad_X's result, a frame with shape [true, 1]: JSON's true is Python's
True, an int to isinstance (the old grader crashed on it).

Nothing scores; the run is a protocol error.
"""
import os
import struct
import sys

RESULT_FD = int(sys.argv[2])  # the runner's result pipe, as the supervisor passed it


def grad_X(X, K, dY):
    header = (b'{"type": "result", "index": 0, "function": "grad_X", "returned": "ndarray", "dtype": "<f8", '
              b'"shape": [true, 1], "nbytes": 8}')
    os.write(RESULT_FD, struct.pack(">I", len(header)) + header + bytes(8))
    return X * 0


def grad_K(X, K, dY):
    return K * 0
