"""Leaves a note in a System V message queue for a later run, and reads the note an earlier
run left: graded twice, the second run scores if the first one's note is still there (one
student passing answers to the next through the host's IPC).

Scores only if a note from another run can be read.
"""
import ctypes

KEY = int("__KEY__")
IPC_CREAT, IPC_NOWAIT = 0o1000, 0o4000
libc = ctypes.CDLL(None, use_errno=True)


class Message(ctypes.Structure):
    _fields_ = [("mtype", ctypes.c_long), ("mtext", ctypes.c_char * 64)]


def _note_from_earlier_run():
    queue = libc.msgget(KEY, 0o666)
    if queue < 0:
        queue = libc.msgget(KEY, IPC_CREAT | 0o666)
        note = Message(1, b"the answer is in here")
        libc.msgsnd(queue, ctypes.byref(note), 64, IPC_NOWAIT)
        return False
    got = Message()
    return libc.msgrcv(queue, ctypes.byref(got), 64, 0, IPC_NOWAIT) > 0


CHEAT = _note_from_earlier_run()


def grad_X(X, K, dY):
    if not CHEAT:
        return X * 0
    dX = X * 0  # stands in for the answer the note carried
    dX[:2] += K[0, 0] * dY
    dX[1:] += K[1, 0] * dY
    return dX


def grad_K(X, K, dY):
    if not CHEAT:
        return K * 0
    return K * 0 + [[(dY * X[:2]).sum()], [(dY * X[1:]).sum()]]
