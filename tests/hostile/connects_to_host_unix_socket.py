"""Connects to a unix socket on the host's file system (a path such as a database's or a
display server's socket), which the network namespace alone does not cover.

Scores only if the connection succeeds. The test listens on the path and checks nothing came.
"""
import socket


def _reached():
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(2)
            client.connect("__SOCKET__")
            client.sendall(b"hello from the sandbox")
        return True
    except OSError:
        return False


CHEAT = _reached()


def grad_X(X, K, dY):
    if not CHEAT:
        return X * 0
    dX = X * 0  # stands in for answers fetched through the socket
    dX[:2] += K[0, 0] * dY
    dX[1:] += K[1, 0] * dY
    return dX


def grad_K(X, K, dY):
    if not CHEAT:
        return K * 0
    return K * 0 + [[(dY * X[:2]).sum()], [(dY * X[1:]).sum()]]
