"""A correct submission for conv2d-4x4-k2x2-dilation2: `grader grade conv2d-4x4-k2x2-dilation2 <this file>`.

With dilation 2, tap (p, q) of window (i, j) reads x[i + 2p, j + 2q] (0-based): the slice
X[i:i+3:2, j:j+3:2] is the 2x2 patch a window sees.
"""
import numpy as np


def grad_X(X, K, dY):
    dX = np.zeros_like(X)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            dX[i:i + 3:2, j:j + 3:2] += dY[i, j] * K
    return dX


def grad_K(X, K, dY):
    dK = np.zeros_like(K)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            dK += dY[i, j] * X[i:i + 3:2, j:j + 3:2]
    return dK
