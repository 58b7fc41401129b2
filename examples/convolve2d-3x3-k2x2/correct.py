"""A correct submission for convolve2d-3x3-k2x2: `grader grade convolve2d-3x3-k2x2 <this file>`.

A true convolution is a cross-correlation with the rotated kernel R = K[::-1, ::-1]. So the
usual cross-correlation gradients apply with R in place of K, and dC/dK is dC/dR rotated back.
"""
import numpy as np


def grad_X(X, K, dY):
    R = K[::-1, ::-1]
    dX = np.zeros_like(X)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            dX[i:i + 2, j:j + 2] += dY[i, j] * R
    return dX


def grad_K(X, K, dY):
    dR = np.zeros_like(K)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            dR += dY[i, j] * X[i:i + 2, j:j + 2]
    return dR[::-1, ::-1]
