"""A correct submission for conv2d-5x5-k3x3-stride2: `grader grade conv2d-5x5-k3x3-stride2 <this file>`.

With stride 2, output (i, j) (0-based) reads the 3x3 window starting at row 2i, column 2j.
The windows overlap on row 2 and column 2, where two outputs add their gradients.
"""
import numpy as np

STRIDE = 2


def grad_X(X, K, dY):
    dX = np.zeros_like(X)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            r, c = STRIDE * i, STRIDE * j
            dX[r:r + 3, c:c + 3] += dY[i, j] * K
    return dX


def grad_K(X, K, dY):
    dK = np.zeros_like(K)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            r, c = STRIDE * i, STRIDE * j
            dK += dY[i, j] * X[r:r + 3, c:c + 3]
    return dK
