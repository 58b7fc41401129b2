"""Raises, while being imported, a SyntaxError that names the submission's own file and
carries a 60 kB message (the old sandbox's 1,000-character cap skipped SyntaxErrors).

Nothing scores; the message in the report stays capped.
"""
raise SyntaxError("x" * 60_000, ("submission.py", 1, 1, "x = 1\n"))


def grad_X(X, K, dY):
    return X * 0


def grad_K(X, K, dY):
    return K * 0
