"""A correct submission for conv2d-28x28-k5x5: `grader grade conv2d-28x28-k5x5 <this file>`.

The same loops as for any valid cross-correlation: dC/dX accumulates dC/dy[i,j] K over each
5x5 window, dC/dK accumulates dC/dy[i,j] times the window of X.
"""
import numpy as np


def grad_X(X, K, dY):
    kh, kw = K.shape
    dX = np.zeros_like(X)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            dX[i:i + kh, j:j + kw] += dY[i, j] * K
    return dX


def grad_K(X, K, dY):
    kh, kw = K.shape
    dK = np.zeros_like(K)
    for p in range(kh):
        for q in range(kw):
            dK[p, q] = np.sum(dY * X[p:p + dY.shape[0], q:q + dY.shape[1]])
    return dK
