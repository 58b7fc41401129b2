"""Creates System V shared memory segments and a message queue and leaves them behind: on a
host IPC namespace they would hold memory after the grade (5 x 256 MB in the finding; 5 x 1 MB
here, the mechanism is the same).

Nothing scores; no segment or queue with these keys may exist after the grade.
"""
import ctypes

KEY = int("__KEY__")
IPC_CREAT = 0o1000
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget.restype = ctypes.c_int
created = [libc.shmget(KEY + i, 1 << 20, IPC_CREAT | 0o666) for i in range(5)]
queue = libc.msgget(KEY + 10, IPC_CREAT | 0o666)
print("segments", created, "queue", queue)


def grad_X(X, K, dY):
    return X * 0


def grad_K(X, K, dY):
    return K * 0
