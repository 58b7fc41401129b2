"""A correct submission for conv2d-3x3-k2x2-padding1: `grader grade conv2d-3x3-k2x2-padding1 <this file>`.

Pad X with zeros, backpropagate through the valid convolution of the padded image, and keep
the gradient of the real (unpadded) entries only: the padding is a constant, not an input.
"""
import numpy as np


def grad_X(X, K, dY):
    dpadded = np.zeros((X.shape[0] + 2, X.shape[1] + 2))
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            dpadded[i:i + 2, j:j + 2] += dY[i, j] * K
    return dpadded[1:-1, 1:-1]


def grad_K(X, K, dY):
    padded = np.pad(X, 1)
    dK = np.zeros_like(K)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            dK += dY[i, j] * padded[i:i + 2, j:j + 2]
    return dK
