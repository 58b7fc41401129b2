"""Wrong: dC/dK is computed as for a valid (unpadded) convolution, using only the top-left
2x2 block of dC/dY, as if Y were 2x2. dC/dX handles the padding correctly."""
import numpy as np


def grad_X(X, K, dY):
    dpadded = np.zeros((X.shape[0] + 2, X.shape[1] + 2))
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            dpadded[i:i + 2, j:j + 2] += dY[i, j] * K
    return dpadded[1:-1, 1:-1]


def grad_K(X, K, dY):
    dK = np.zeros_like(K)
    for i in range(2):
        for j in range(2):
            dK += dY[i, j] * X[i:i + 2, j:j + 2]
    return dK
