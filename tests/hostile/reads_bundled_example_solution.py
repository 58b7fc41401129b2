"""Tries to read the bundled example solutions (grader/_bundled/examples, or the checkout's
examples/ behind an editable install) and hand them in as its own work.

Scores only if one of those files can be read from inside the sandbox.
"""
import os
import sys

RELATIVE = ("grader/_bundled/examples/conv2d-3x3-k2x1/correct.py", "examples/conv2d-3x3-k2x1/correct.py")
PLACES = [*sys.path, "__SITE__", "__CHECKOUT__"]


def _stolen():
    for place in PLACES:
        for tail in RELATIVE:
            path = os.path.join(place, tail)
            try:
                with open(path) as handle:
                    source = handle.read()
            except OSError:
                continue
            found = {}
            exec(compile(source, path, "exec"), found)
            return found
    return None


STOLEN = _stolen()


def grad_X(X, K, dY):
    return STOLEN["grad_X"](X, K, dY) if STOLEN else X * 0


def grad_K(X, K, dY):
    return STOLEN["grad_K"](X, K, dY) if STOLEN else K * 0
