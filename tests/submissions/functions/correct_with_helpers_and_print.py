import numpy as np
import math

print("debugging: module loaded")


def _rows(dY):
    return dY.shape[0]


def grad_X(X, K, dY):
    print("grad_X called with", X.shape)
    out = np.zeros(X.shape)
    for p in range(2):
        out[p:p + _rows(dY)] += K[p, 0] * dY
    return out


def grad_K(X, K, dY):
    return np.array([[math.fsum((dY * X[p:p + 2]).ravel())] for p in range(2)])
