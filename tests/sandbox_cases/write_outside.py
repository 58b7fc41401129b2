# The test replaces __TARGET__ (a directory it created) and __MARKER__.
import os

import numpy as np

WROTE = 0
for path in ("__TARGET__/escaped.txt", "/tmp/__MARKER__", "/var/tmp/__MARKER__", "/dev/shm/__MARKER__",
             os.path.expanduser("~/../__MARKER__"), "__SOURCE_DIR__/__MARKER__"):
    try:
        with open(path, "w") as handle:
            handle.write("escaped")
        WROTE += 1
    except OSError:
        pass
with open("scratch.txt", "w") as handle:  # the working directory itself is writable
    handle.write("fine")


def grad_X(X, K, dY):
    return np.full(X.shape, float(WROTE))
