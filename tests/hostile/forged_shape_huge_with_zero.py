"""Forges, in place of grad_X's result, a frame with shape [10**20, 0] and no bytes: zero
elements, but a dimension numpy cannot hold (the old grader crashed in reshape).

Nothing scores; the run is a protocol error.
"""
import os
import struct
import sys

RESULT_FD = int(sys.argv[2])  # the runner's result pipe, as the supervisor passed it


def _forge(shape):
    header = ('{"type": "result", "index": 0, "function": "grad_X", "returned": "ndarray", "dtype": "<f8", '
              f'"shape": {shape}}}').encode()
    os.write(RESULT_FD, struct.pack(">I", len(header)) + header)


def grad_X(X, K, dY):
    _forge("[100000000000000000000, 0]")
    return X * 0


def grad_K(X, K, dY):
    return K * 0
