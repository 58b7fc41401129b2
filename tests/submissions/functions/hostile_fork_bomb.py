import os

# The test replaces MARKER with its own; every process started here carries it in its command line.
MARKER = "backprop-grader-fork-marker"
for _ in range(200):
    try:
        if os.fork() == 0:
            try:
                os.execv("/bin/sh", ["sh", "-c", "sleep 60; :", MARKER])
            finally:
                os._exit(0)
    except OSError:
        break


def grad_X(X, K, dY):
    return X


def grad_K(X, K, dY):
    return K
