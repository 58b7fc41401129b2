"""Raises an exception whose message holds lone surrogates, which no encoder accepts (the old
grader crashed with UnicodeEncodeError printing it: exit 2, no report).

Nothing scores; the report must be written, with U+FFFD in their place.
"""


def grad_X(X, K, dY):
    raise ValueError("bad \ud800 value \udfff")


def grad_K(X, K, dY):
    raise RuntimeError("\udce9" * 10)
