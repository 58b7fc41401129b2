# Removes the import guard first, then tries every other way in. The test replaces the paths.
import builtins
import importlib
import sys

import numpy as np

for finder in list(sys.meta_path):
    if type(finder).__name__ == "ImportGuard":
        sys.meta_path.remove(finder)
        builtins.__import__ = finder.original_import

REACHED = []
for name in ("grader.sandbox.runner", "reference.graph", "grader.spec.load"):
    try:
        importlib.import_module(name)
        REACHED.append(name)
    except Exception:
        pass
for path in ("__GRADER_FILE__", "__REFERENCE_FILE__"):
    try:
        with open(path, "rb") as handle:
            REACHED.append(len(handle.read()))
    except OSError:
        pass


def grad_X(X, K, dY):
    return np.full(X.shape, float(len(REACHED)))


def reached():
    return REACHED
