"""Wrong: dC/dK pairs dC/dy[i,j] with the window at (i, j), as if the stride were 1.
dC/dX is right: only the kernel's gradient forgets that the windows jump by two."""
import numpy as np


def grad_X(X, K, dY):
    dX = np.zeros_like(X)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            dX[2 * i:2 * i + 3, 2 * j:2 * j + 3] += dY[i, j] * K
    return dX


def grad_K(X, K, dY):
    dK = np.zeros_like(K)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            dK += dY[i, j] * X[i:i + 3, j:j + 3]
    return dK
