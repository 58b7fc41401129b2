"""Graded under a file name that is not UTF-8 (b"caf\xe9-\xff.py"), with --output: the old
grader crashed writing the name into the report (exit 2, no report).

The test copies this file to that name. Nothing scores; the report names the file with U+FFFD.
"""


def grad_X(X, K, dY):
    return X * 0


def grad_K(X, K, dY):
    return K * 0
