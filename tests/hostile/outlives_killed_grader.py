"""Starts a process that leaves its session (setsid) and sleeps, then keeps the grader busy, so
that the grader is killed (TERM or KILL) while it runs: the sleeper must not outlive it.

The test kills the grader; nothing scores.
"""
import os
import sys
import time

MARKER = "__MARKER__"

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(120)", MARKER])
    os._exit(0)
time.sleep(0.2)
print("sleeper started", flush=True)
time.sleep(120)


def grad_X(X, K, dY):
    return X * 0


def grad_K(X, K, dY):
    return K * 0
