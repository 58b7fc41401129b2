"""Wrong: dC/dX slides the kernel rotated by 180 degrees, as if the forward pass were a true
convolution; dC/dK is right."""
import numpy as np


def grad_X(X, K, dY):
    kh, kw = K.shape
    flipped = K[::-1, ::-1]
    dX = np.zeros_like(X)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            dX[i:i + kh, j:j + kw] += dY[i, j] * flipped
    return dX


def grad_K(X, K, dY):
    kh, kw = K.shape
    dK = np.zeros_like(K)
    for p in range(kh):
        for q in range(kw):
            dK[p, q] = np.sum(dY * X[p:p + dY.shape[0], q:q + dY.shape[1]])
    return dK
