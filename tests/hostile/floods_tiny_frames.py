"""Floods the result pipe with ten million tiny, valid frames (the old grader kept each as a
Python object: 319 MB).

Nothing scores; the grader stops reading past its budget of frames and stays small.
"""
import os
import struct
import sys

RESULT_FD = int(sys.argv[2])
HEADER = b"{}"
FRAMES = (struct.pack(">I", len(HEADER)) + HEADER) * 100_000


def grad_X(X, K, dY):
    for _ in range(100):
        os.write(RESULT_FD, FRAMES)
    return X * 0


def grad_K(X, K, dY):
    return K * 0
