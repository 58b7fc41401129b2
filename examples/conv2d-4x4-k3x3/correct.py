"""A correct submission for conv2d-4x4-k3x3: `grader grade conv2d-4x4-k3x3 <this file>`.

y[i,j] = sum over p, q of x[i+p, j+q] k[p,q] (0-based here, as numpy is). Each output sends
dC/dy[i,j] back along its 3x3 window: to x[i+p, j+q] times k[p,q], and to k[p,q] times x[i+p, j+q].
"""
import numpy as np


def grad_X(X, K, dY):
    dX = np.zeros_like(X)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            dX[i:i + 3, j:j + 3] += dY[i, j] * K
    return dX


def grad_K(X, K, dY):
    dK = np.zeros_like(K)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            dK += dY[i, j] * X[i:i + 3, j:j + 3]
    return dK
