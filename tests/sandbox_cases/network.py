# The test replaces __PORT__ with a port it listens on.
import socket

import numpy as np

REACHED = 0
for host in ("127.0.0.1", "localhost"):
    try:
        with socket.create_connection((host, __PORT__), timeout=0.5) as conn:
            conn.sendall(b"escaped")
            REACHED += 1
    except OSError:
        pass


def grad_X(X, K, dY):
    return np.full(X.shape, float(REACHED))
