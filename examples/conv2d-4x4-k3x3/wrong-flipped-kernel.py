"""Wrong: dC/dX uses the kernel rotated by 180 degrees, as if the forward pass were a true
convolution. (Rotating K belongs to writing dC/dX as a full convolution of dC/dY, not here.)"""
import numpy as np


def grad_X(X, K, dY):
    dX = np.zeros_like(X)
    flipped = K[::-1, ::-1]
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            dX[i:i + 3, j:j + 3] += dY[i, j] * flipped
    return dX


def grad_K(X, K, dY):
    dK = np.zeros_like(K)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            dK += dY[i, j] * X[i:i + 3, j:j + 3]
    return dK
