import os
import sys


def grad_K(X, K, dY):
    return X.T @ dY


def calls_sys_exit(X, K, dY):
    sys.exit(3)


def calls_os_exit(X, K, dY):
    os._exit(0)
