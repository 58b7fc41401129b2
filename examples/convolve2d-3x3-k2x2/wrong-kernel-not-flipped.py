"""Wrong: the deep-learning gradients, as if the forward pass were a cross-correlation.
Both functions forget that a true convolution rotates the kernel."""
import numpy as np


def grad_X(X, K, dY):
    dX = np.zeros_like(X)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            dX[i:i + 2, j:j + 2] += dY[i, j] * K
    return dX


def grad_K(X, K, dY):
    dK = np.zeros_like(K)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            dK += dY[i, j] * X[i:i + 2, j:j + 2]
    return dK
