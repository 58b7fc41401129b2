# MARKER is replaced by the test; every process started here carries it in its command line.
import os
import sys

MARKER = "__MARKER__"
for _ in range(200):
    try:
        pid = os.fork()
    except OSError:
        break  # RLIMIT_NPROC
    if pid == 0:
        os.setsid()  # leave the process group: only the PID namespace can still reach it
        try:
            # The interpreter is the one program the sandbox's root is sure to hold.
            os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(60)", MARKER])
        finally:
            os._exit(0)


def grad_X(X, K, dY):
    return dY @ K.T


def marked_processes(*args):
    """How many processes carrying MARKER this sandbox can see (the bomb did go off)."""
    import time

    time.sleep(0.3)  # let the children reach their exec
    seen = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                seen += MARKER.encode() in handle.read()
        except OSError:
            pass
    return [float(seen)]


def hold(*args):
    """Keep the bomb's processes alive a while, so that a neighbour runs while they exist."""
    import time

    time.sleep(2.0)
    return [0.0]
