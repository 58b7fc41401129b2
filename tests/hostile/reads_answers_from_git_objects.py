"""Tries to recover the example solutions from the checkout's git history: `git show
HEAD:examples/...`, or failing that, any readable file of the repository's .git.

Scores only if git runs on the checkout or its .git can be read from inside the sandbox.
"""
import os
import subprocess

CHECKOUT = "__CHECKOUT__"


def _from_git():
    try:
        shown = subprocess.run(["git", "-C", CHECKOUT, "show", "HEAD:examples/conv2d-3x3-k2x1/correct.py"],
                               capture_output=True, text=True, timeout=5)
        if shown.returncode == 0 and "def grad_X" in shown.stdout:
            return shown.stdout
    except (OSError, subprocess.SubprocessError):
        pass
    try:  # no git binary: reading .git at all is the leak (its objects are only zlib away)
        with open(os.path.join(CHECKOUT, ".git"), "rb") as handle:
            handle.read(1)
    except OSError:
        return None
    with open(os.path.join(CHECKOUT, "examples", "conv2d-3x3-k2x1", "correct.py")) as handle:
        return handle.read()  # stands in for unpacking the object


SOURCE = _from_git()
STOLEN = {}
if SOURCE:
    exec(SOURCE, STOLEN)


def grad_X(X, K, dY):
    return STOLEN["grad_X"](X, K, dY) if STOLEN else X * 0


def grad_K(X, K, dY):
    return STOLEN["grad_K"](X, K, dY) if STOLEN else K * 0
