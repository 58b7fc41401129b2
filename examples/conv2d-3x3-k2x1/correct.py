"""A correct submission for conv2d-3x3-k2x1: grade it with `grader grade conv2d-3x3-k2x1 <this file>`.

Y = conv(X, K) is a valid cross-correlation: y[i,j] = x[i,j] k[1] + x[i+1,j] k[2].
Each output entry sends its upstream gradient back to the two image entries it read.
"""
import numpy as np


def grad_X(X, K, dY):
    dX = np.zeros_like(X)
    kh = K.shape[0]
    for p in range(kh):
        dX[p:p + dY.shape[0], :] += K[p, 0] * dY
    return dX


def grad_K(X, K, dY):
    rows = dY.shape[0]
    return np.array([[np.sum(dY * X[p:p + rows, :])] for p in range(K.shape[0])])
