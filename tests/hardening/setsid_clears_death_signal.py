"""Forks a daemon that calls setsid() and clears its parent-death signal (twice over), then
sleeps in the import: stopping the grader in any way must still end all of it."""
import ctypes
import os
import time
pid = os.fork()
if pid == 0:
    os.setsid()
    ctypes.CDLL(None).prctl(1, 0)  # PR_SET_PDEATHSIG 0
    if os.fork() == 0:
        os.setsid()
        ctypes.CDLL(None).prctl(1, 0)
        time.sleep(120)
        os._exit(0)
    os._exit(0)
ctypes.CDLL(None).prctl(1, 0)
time.sleep(120)

def grad_X(X, K, dY):
    return X * 0

def grad_K(X, K, dY):
    return K * 0
