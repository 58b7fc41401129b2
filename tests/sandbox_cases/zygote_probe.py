# Run twice from one zygote: the first run leaves every trace it can, the second looks for them.
# __MARKER__ names this test's traces. Returns 1.0 per trace of another run it finds.
import ctypes
import os
import socket
import sys

import numpy

MARKER = "__MARKER__"
KEY = int("__KEY__")
libc = ctypes.CDLL(None, use_errno=True)
found = [
    float(os.path.exists("/tmp/work/" + MARKER)),  # a file in the workdir
    float(getattr(numpy, "_left_by_earlier_run", None) == MARKER),  # a module global of numpy
    float(getattr(sys, "_left_by_earlier_run", None) == MARKER),  # interpreter state
    float(libc.shmget(KEY, 0, 0) >= 0),  # System V shared memory
    float(len([p for p in os.listdir("/proc") if p.isdigit()]) > 1),  # another run's (or the zygote's) process
    float(sorted(os.listdir("/tmp/work")) != ["submission.py"]),
]
try:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.connect("\0" + MARKER)  # an abstract socket the first run listens on
    found.append(1.0)
except OSError:
    found.append(0.0)
with open("/tmp/work/" + MARKER, "w") as note:
    note.write("left behind")
numpy._left_by_earlier_run = MARKER
sys._left_by_earlier_run = MARKER
libc.shmget(KEY, 4096, 0o1000 | 0o666)
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind("\0" + MARKER)
listener.listen(1)
if os.fork() == 0:  # a process that would keep the listener (and the run) alive
    os.setsid()
    os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(60)", MARKER])
OPEN_FDS = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))


def traces(x):
    return numpy.array(found)


def descriptors(x):
    return numpy.array(OPEN_FDS, dtype=float)
