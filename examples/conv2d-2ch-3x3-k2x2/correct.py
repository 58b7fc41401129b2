"""A correct submission for conv2d-2ch-3x3-k2x2: `grader grade conv2d-2ch-3x3-k2x2 <this file>`.

y[o,i,j] = sum over c, p, q of x[c, i+p, j+q] k[o,c,p,q] (0-based). dC/dX sums over every
output channel o; dC/dK[o, c] pairs output channel o's gradient with input channel c.
"""
import numpy as np


def grad_X(X, K, dY):
    dX = np.zeros_like(X)
    for o in range(dY.shape[0]):
        for i in range(dY.shape[1]):
            for j in range(dY.shape[2]):
                dX[:, i:i + 2, j:j + 2] += dY[o, i, j] * K[o]
    return dX


def grad_K(X, K, dY):
    dK = np.zeros_like(K)
    for o in range(dY.shape[0]):
        for i in range(dY.shape[1]):
            for j in range(dY.shape[2]):
                dK[o] += dY[o, i, j] * X[:, i:i + 2, j:j + 2]
    return dK
